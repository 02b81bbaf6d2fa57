"""The ``ctx`` of a custom :class:`~arraygrad.autograd.Function`: what ``forward`` declares
on it (saved tensors, dirty and non-differentiable outputs, materialized gradients) and how the
node's VJP rules run the user's ``backward`` through it, with PyTorch's checks of what that
returns (count, types, shapes; a gradient of another dtype is cast to its input's).
"""

from __future__ import annotations

import functools
import weakref
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from arraygrad import _backend, _dtype, _inference, _primitive, ops
from arraygrad._grad_mode import grad_enabled
from arraygrad._tensor import Tensor, describe

if TYPE_CHECKING:
    from arraygrad.autograd.function import Function

__all__ = ["FunctionCtx"]


class FunctionCtx:
    """The ``ctx`` handed to :meth:`Function.forward` and :meth:`Function.backward`.

    Store tensors needed by backward with :meth:`save_for_backward` (they are checked for
    in-place modification when read back through :attr:`saved_tensors`); any other attribute
    may be set freely (``ctx.scale = 2``). ``needs_input_grad`` tells backward which inputs
    want a gradient (it may return None for the others).

    >>> import arraygrad
    >>> class Scale(arraygrad.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x, factor):
    ...         ctx.factor = factor
    ...         print(ctx.needs_input_grad)
    ...         return x * factor
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         return grad * ctx.factor, None
    >>> x = arraygrad.tensor([1.0, 2.0], requires_grad=True)
    >>> Scale.apply(x, 3.0).sum().backward()
    (True, False)
    >>> x.grad
    tensor([3., 3.])
    """

    needs_input_grad: tuple[bool, ...]

    def __init__(self) -> None:
        self.needs_input_grad = ()
        self.materialize_grads = True
        self._saved: tuple[Any, ...] = ()
        self._saved_versions: tuple[int | None, ...] = ()
        self._non_differentiable: set[int] = set()
        self._dirty: tuple[Tensor, ...] = ()
        # per argument of forward: (shape, dtype) of a tensor, None for anything else, which
        # the gradients backward returns are checked against (and cast to), as PyTorch does
        # which arguments of forward are tensors: the node's inputs
        self._tensor_positions: list[int] = []
        # whether apply records a node (an input requires grad, in grad mode)
        self._records = False
        # the recorded node (weakly: it holds this ctx); once a backward without retain_graph
        # freed its values, the saved tensors are gone too (and once the node is gone after a
        # backward ran, as arraygrad cannot tell whether that one retained the graph)
        self._node: weakref.ReferenceType[Any] | None = None
        self._ran = False
        # With set_materialize_grads(False) and several outputs, or hooks on the node: the
        # outputs whose gradient arrived in the backward pass running (the others get None)
        self._arrived: set[int] | None = None
        # The zeros the engine gives the node as its packed output's gradient where it runs
        # though no output's gradient reached it: each output's is then zeros or None
        self._unreached: Any = None
        # With several outputs packed: each one's index and the node of its piece (weakly),
        # for hooks on the node to learn which gradients arrive (see track_arrivals)
        self._pieces: list[tuple[int, weakref.ReferenceType[Any]]] = []
        self._replacements: dict[int, Tensor] = {}
        # per backward pass: the gradients computed by the user's backward, for the other inputs
        self._cache_key: Any = None
        self._cache: tuple[Any, ...] = ()
        self._pending: set[int] = set()
        # how gradients of the packed output split back into the user's outputs
        self._layout: list[tuple[int, tuple[int, ...], Any, int, int]] = []
        self._output_shapes: list[tuple[tuple[int, ...], Any] | None] = []
        self._packed: Any = None
        # Under saved_tensors_hooks: the unpack hook and, per saved tensor, what the pack hook
        # returned with where its gradient went (None for a None saved); see _pack_saved.
        self._saved_packed: tuple[Any, tuple[tuple[Any, Any] | None, ...]] | None = None
        # save_for_forward's tensors, which saved_tensors gives instead while jvp runs
        self._for_forward: tuple[Tensor | None, ...] = ()
        self._in_jvp = False

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        """Keep ``tensors`` (inputs, outputs or ``None``) for :attr:`saved_tensors`."""
        for index, tensor in enumerate(tensors):
            if tensor is not None and not isinstance(tensor, Tensor):
                raise TypeError(
                    f"save_for_backward can only save variables, but argument {index} is not a "
                    f"Tensor (got {type(tensor).__name__}). Fix: store other values as ctx "
                    "attributes, e.g. ctx.scale = scale."
                )
        self._saved = tensors
        if _primitive.inference_used:  # inference tensors keep no version; refused if recorded
            recorded = self._records
            self._saved_versions = tuple(
                0 if t is None else _inference.saved_version(t, recorded) for t in tensors
            )
        else:
            self._saved_versions = tuple(0 if t is None else t._version for t in tensors)

    def save_for_forward(self, *tensors: Tensor | None) -> None:
        """Keep ``tensors`` for :meth:`Function.jvp`, where :attr:`saved_tensors` gives them
        (and not those saved for backward), as PyTorch does."""
        if any(tensor is not None and not isinstance(tensor, Tensor) for tensor in tensors):
            raise AssertionError(
                "save_for_forward expects all arguments to be tensors; you should save "
                "non-tensors as attributes on ctx."
            )
        self._for_forward = tensors

    @property
    def saved_tensors(self) -> tuple[Tensor | None, ...]:
        """The tensors given to :meth:`save_for_backward`, outputs replaced by the returned ones
        (in :meth:`Function.jvp`: those given to :meth:`save_for_forward`).

        Raises if one was modified in place since it was saved, as PyTorch does (except for
        values saved through ``saved_tensors_hooks``, which are unpacked on each read), and
        once a backward without ``retain_graph`` freed them.
        """
        if self._in_jvp:
            return self._for_forward
        ref = self._node
        if ref is not None and (self._saved or self._saved_packed) and _freed(ref(), self._ran):
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Saved intermediate values of the "
                "graph are freed when you call .backward() or autograd.grad(). Fix: specify "
                "retain_graph=True in the earlier backward if you need to backward through the "
                "graph a second time or to access saved tensors after calling backward."
            )
        if self._saved_packed is not None:
            return self._unpacked_saved()
        result: list[Tensor | None] = []
        for index, (tensor, version) in enumerate(
            zip(self._saved, self._saved_versions, strict=True)
        ):
            if tensor is None:
                result.append(None)
                continue
            current = self._replacements.get(id(tensor), tensor)
            if version is not None and current._version != version:  # None: inference tensor
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by "
                    f"an inplace operation: saved tensor {index} ({describe(tensor)}) is at "
                    f"version {current._version}; expected version {version} instead. Fix: "
                    "clone the tensor before modifying it, or save a copy."
                )
            result.append(current)
        return tuple(result)

    def _pack_saved(self, hooks: tuple[Any, Any]) -> None:
        """Pass the saved tensors (the returned outputs in place of the forward's) through the
        pack hook of ``hooks``, in order, and keep only what it returns, as PyTorch does when
        ``apply`` records its node."""
        from arraygrad.autograd._saved_hooks import pack_tensor

        pack, unpack = hooks
        entries: list[tuple[Any, Any] | None] = []
        for tensor in self._saved:
            if tensor is None:
                entries.append(None)
                continue
            current = self._replacements.get(id(tensor), tensor)
            edge = current._node
            if edge is None and current._rg:
                edge = current  # a leaf: its gradient goes to it
            entries.append((pack_tensor(pack, current), edge))
        self._saved_packed = (unpack, tuple(entries))
        self._saved = ()
        self._replacements = {}

    def _unpacked_saved(self) -> tuple[Tensor | None, ...]:
        from arraygrad.autograd._saved_hooks import attached, unpacked_tensor

        unpack, entries = self._saved_packed  # type: ignore[misc]
        graph = grad_enabled.get()  # a backward with create_graph: in the graph, as PyTorch's
        result: list[Tensor | None] = []
        for entry in entries:
            if entry is None:
                result.append(None)
                continue
            packed, edge = entry
            value = unpacked_tensor(unpack, packed, edge is not None)
            result.append(attached(value, edge) if graph else value)
        return tuple(result)

    def mark_dirty(self, *tensors: Tensor) -> None:
        """Declare the inputs that ``forward`` modified in place; ``forward`` must return them,
        and ``apply`` then hands back the same tensors with this function's node as history."""
        for index, tensor in enumerate(tensors):
            if not isinstance(tensor, Tensor):
                raise TypeError(
                    f"mark_dirty expects Tensors, but argument {index} is a "
                    f"{type(tensor).__name__}. Fix: pass the inputs forward modified in place."
                )
        self._dirty = tensors

    def mark_non_differentiable(self, *outputs: Tensor) -> None:
        """Declare outputs (indices, masks) that get no gradient and do not require grad."""
        self._non_differentiable.update(id(o) for o in outputs)

    def set_materialize_grads(self, value: bool) -> None:
        """Whether outputs that received no gradient get zeros (default) or ``None``."""
        self.materialize_grads = bool(value)

    # --- called by the VJP rules of the node -------------------------------------------------

    def _input_grad(
        self, cls: type[Function], ns: Any, g: Any, position: int, operands: tuple[Any, ...]
    ) -> Any:
        if self._cache_key is not g or position not in self._pending:
            self._cache = self._run_backward(cls, ns, g, operands)
            self._cache_key = g
            self._pending = {i for i, needed in enumerate(self.needs_input_grad) if needed}
        self._pending.discard(position)
        value = self._cache[position]
        if not self._pending:  # every input served: drop the references until the next pass
            self._cache_key = None
            self._cache = ()
        return value

    def output_grads(self, ns: Any, g: Any) -> list[Any]:
        """The gradient of each output of forward (Tensors), from ``g``, the gradient of the
        packed node output (an array, or a Tensor for ``ns`` the ops): None for an output that
        is no differentiable tensor, and for one whose gradient did not arrive where arrivals
        are tracked. What the node's hooks see, as PyTorch's ``grad_outputs``."""
        graph = ns is not _backend.xp
        wrap = (lambda v: v) if graph else Tensor._wrap
        grads: list[Any] = [None] * len(self._output_shapes)
        if len(self._layout) == 1 and self._layout[0][4] == -1:
            grads[self._layout[0][0]] = wrap(g)
        else:
            for index, shape, native, start, stop in self._layout:
                part = ns.reshape(ns.getitem(g, key=(slice(start, stop),)), shape=shape)
                if part.dtype != native:
                    part = ns.astype(part, native)
                grads[index] = wrap(part)
        arrived = self._arrived
        if arrived is not None:  # None for those that got none
            grads = [g if i in arrived else None for i, g in enumerate(grads)]
        return grads

    def packed_grad(self, ns: Any, grads: tuple[Any, ...], like: Any) -> Any:
        """The gradient of the packed node output from one per output of forward (Tensors or
        None, as a node's hook may give them back: :meth:`output_grads`' inverse; zeros for
        None), of the dtype of ``like``; None if all are None."""
        if all(value is None for value in grads):
            return None
        graph = ns is not _backend.xp
        if len(self._layout) == 1 and self._layout[0][4] == -1:
            value = grads[self._layout[0][0]]
            return value if graph else value._data
        parts = []
        for index, _, _, start, stop in self._layout:
            value = grads[index]
            if value is None:
                part = _backend.xp.zeros((stop - start,), dtype=like.dtype)
                parts.append(Tensor._wrap(part) if graph else part)
                continue
            part = value if graph else value._data
            parts.append(ns.reshape(ns.astype(part, like.dtype), shape=(-1,)))
        return ops.concat(*parts, axis=0) if graph else _backend.xp.concat(parts)

    def track_arrivals(self) -> None:
        """Learn which outputs' gradients arrive in each backward pass (from now on), through a
        hook on each piece of the packed output: for the node's own hooks, which see None for
        the others, as PyTorch's do."""
        if self._arrived is not None or not self._pieces:
            return
        from arraygrad.utils.hooks import RemovableHandle

        self._arrived = set()
        for index, ref in self._pieces:
            node = ref()
            if node is None:
                continue
            if node.hooks is None:
                node.hooks = OrderedDict()
            node.hooks[RemovableHandle(node.hooks).id] = functools.partial(
                arrived, self._arrived, index
            )

    def _split(self, ns: Any, g: Any) -> list[Any]:
        """The gradient of each user output, from the gradient of the packed node output."""
        grads = self.output_grads(ns, g)
        if self._arrived is not None:
            self._arrived.clear()  # (for the next pass)
        if self._unreached is not None:
            if self._unreached is g:  # no gradient came: zeros below, or None unmaterialized
                grads = [None] * len(grads)
            self._unreached = None
        for index, info in enumerate(self._output_shapes):
            if grads[index] is None and info is not None and self.materialize_grads:
                shape, native = info
                grads[index] = Tensor._wrap(_backend.xp.zeros(shape, dtype=native))
        return grads

    def _run_backward(
        self, cls: type[Function], ns: Any, g: Any, operands: tuple[Any, ...]
    ) -> tuple[Any, ...]:
        """The user's backward on the gradients of the outputs, its results checked (and cast)
        against ``operands``, the node's inputs (arrays, the nodes that stand for them, or
        Tensors with ``create_graph``), one per tensor argument of forward."""
        graph = ns is not _backend.xp
        self._ran = True
        grads = cls.backward(self, *self._split(ns, g))
        if not isinstance(grads, tuple):
            grads = (grads,)
        expected = len(self.needs_input_grad)
        if len(grads) < expected or any(v is not None for v in grads[expected:]):
            raise RuntimeError(
                f"function {cls.__name__}Backward returned an incorrect number of gradients "
                f"(expected {expected}, got {len(grads)}). Fix: return one gradient per argument "
                "of forward, None for arguments that need none."
            )
        results: list[Any] = []
        positions = self._tensor_positions
        for position, (value, needed) in enumerate(
            zip(grads[:expected], self.needs_input_grad, strict=True)
        ):
            if value is None:
                results.append(None)
                continue
            if position not in positions:
                raise RuntimeError(
                    f"function {cls.__name__}Backward returned a gradient different than None "
                    f"at position {position + 1}, but the corresponding forward input was not a "
                    f"Variable (it is a {type(value).__name__} gradient for a non-tensor "
                    "argument). Fix: return None for it."
                )
            if not needed:
                results.append(None)
                continue
            if not isinstance(value, Tensor):
                raise RuntimeError(
                    f"expected Variable or None (got {type(value).__name__}): "
                    f"{cls.__name__}.backward returned it as gradient {position}. Fix: return "
                    "a Tensor (e.g. arraygrad.full_like(x, value)) or None."
                )
            operand = operands[positions.index(position)]
            if isinstance(operand, Tensor):
                operand = operand._data
            data = value._data
            if data.shape == operand.shape and data.dtype == operand.dtype:
                results.append(value if graph else data)
            else:
                results.append(_checked_grad(cls, position, value, operand, graph))
        return tuple(results)


def _freed(node: Any, ran: bool) -> bool:
    """Whether a backward freed the values of a Function's ``node`` (``None``: gone, after a
    backward ``ran`` or not)."""
    return node.arrays is None if node is not None else ran


def _checked_grad(
    cls: type[Function], position: int, value: Tensor, operand: Any, graph: bool
) -> Any:
    """``value``, a gradient ``backward`` returned for ``operand`` (an array, or a node that
    tells its shape and dtype), checked as PyTorch's engine does: its shape must be one the
    input's broadcasts to (the engine sums it back), and it is cast to the input's dtype."""
    shape, native = tuple(operand.shape), operand.dtype
    given = tuple(value._data.shape)
    if given != shape and (
        len(given) < len(shape)
        or any(s != 1 and s != g for s, g in zip(reversed(shape), reversed(given), strict=False))
    ):
        raise RuntimeError(
            f"Function {cls.__name__}Backward returned an invalid gradient at index {position} "
            f"- got {list(given)} but expected shape compatible with {list(shape)}. Fix: "
            "return a gradient of the input's shape."
        )
    if value._data.dtype == native:
        return value if graph else value._data
    if graph:
        return ops.astype(value, _dtype.from_xp(native))
    return _backend.xp.astype(value._data, native)


def arrived(arrived: set[int], index: int, grad: Any) -> None:
    """The hook on output ``index`` of a Function whose arrivals are tracked: its gradient
    arrived in this pass (unless ``grad`` is None: the engine calls hooks with None where a
    node's gradient was taken away)."""
    if grad is not None:
        arrived.add(index)


def check_dirty(ctx: FunctionCtx, outputs: tuple[Any, ...]) -> None:
    """PyTorch's checks of the inputs ``forward`` marked dirty (modified in place): none is a
    leaf that requires grad, and all are returned; each counts one more in-place write."""
    for tensor in ctx._dirty:
        if tensor._node is None and tensor._rg and tensor._base is None:
            raise RuntimeError(
                "a leaf Variable that requires grad has been used in an in-place operation: "
                f"{describe(tensor)} was marked dirty by the Function's forward. Fix: modify a "
                "clone of it, or call the Function inside `with arraygrad.no_grad():`."
            )
        if not any(tensor is o for o in outputs):
            raise RuntimeError(
                "Some elements marked as dirty during the forward method were not returned as "
                f"output ({describe(tensor)}). The inputs that are modified inplace must all be "
                "outputs of the Function. Fix: return the modified input."
            )
        _primitive.bump_version(tensor)
    # a dirty tensor saved for backward is saved as written (and returned)
    ctx._saved_versions = tuple(
        t._version if t is not None and any(t is d for d in ctx._dirty) else version
        for t, version in zip(ctx._saved, ctx._saved_versions, strict=True)
    )


def detached_marked(
    ctx: FunctionCtx, args: tuple[Any, ...], raw: Any, outputs: tuple[Any, ...]
) -> Any:
    """``raw`` with the outputs marked non-differentiable that require grad or are inputs
    replaced by tensors of their own that do not require grad, as PyTorch's."""
    public = [
        Tensor._wrap(o._data)
        if isinstance(o, Tensor)
        and id(o) in ctx._non_differentiable
        and (o._rg or any(o is a for a in args))
        else o
        for o in outputs
    ]
    return tuple(public) if isinstance(raw, tuple) else public[0]
