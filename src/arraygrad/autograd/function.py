"""Custom differentiable operations: :class:`Function`, with PyTorch's API.

A subclass gives a ``forward(ctx, *args)`` that computes with tensors (no graph is recorded
inside it) and a ``backward(ctx, *grad_outputs)`` that returns one gradient per argument of
``forward`` (``None`` for arguments that need none). ``Function.apply(*args)`` runs it::

    class Exp(Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return g * y

The engine needs no special case for it: ``apply`` records one ordinary :class:`Primitive`
node whose VJP rule for input ``i`` calls the user's ``backward`` (once per node and backward
pass, the result is cached for the other inputs) and returns its ``i``-th gradient. With
``create_graph=True`` the rule receives Tensors, so a ``backward`` written with differentiable
tensor operations can be differentiated again. Several outputs are packed into one flat array
(the node's output) and handed back as views of it, so a node still has a single output.

>>> import arraygrad
>>> class Square(Function):
...     @staticmethod
...     def forward(ctx, x):
...         ctx.save_for_backward(x)
...         return x * x
...     @staticmethod
...     def backward(ctx, g):
...         (x,) = ctx.saved_tensors
...         return 2 * x * g
>>> x = arraygrad.tensor([3.0], requires_grad=True)
>>> Square.apply(x).sum().backward()
>>> x.grad
tensor([6.])
"""

from __future__ import annotations

from typing import Any, ClassVar

from arraygrad import _backend, _inference, _primitive, ops
from arraygrad._grad_mode import grad_enabled, no_grad
from arraygrad._primitive import Primitive
from arraygrad._tensor import Tensor, describe

__all__ = ["Function", "FunctionCtx"]


class FunctionCtx:
    """The ``ctx`` handed to :meth:`Function.forward` and :meth:`Function.backward`.

    Store tensors needed by backward with :meth:`save_for_backward` (they are checked for
    in-place modification when read back through :attr:`saved_tensors`); any other attribute
    may be set freely (``ctx.scale = 2``).
    """

    needs_input_grad: tuple[bool, ...]

    def __init__(self) -> None:
        self.needs_input_grad = ()
        self.materialize_grads = True
        self._saved: tuple[Any, ...] = ()
        self._saved_versions: tuple[int | None, ...] = ()
        self._non_differentiable: set[int] = set()
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
            recorded = any(self.needs_input_grad)
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
        values saved through ``saved_tensors_hooks``, which are unpacked on each read).
        """
        if self._in_jvp:
            return self._for_forward
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

    def mark_non_differentiable(self, *outputs: Tensor) -> None:
        """Declare outputs (indices, masks) that get no gradient and do not require grad."""
        self._non_differentiable.update(id(o) for o in outputs)

    def set_materialize_grads(self, value: bool) -> None:
        """Whether outputs that received no gradient get zeros (default) or ``None``."""
        self.materialize_grads = bool(value)

    # --- called by the VJP rules of the node -------------------------------------------------

    def _input_grad(self, cls: type[Function], ns: Any, g: Any, position: int) -> Any:
        if self._cache_key is not g or position not in self._pending:
            self._cache = self._run_backward(cls, ns, g)
            self._cache_key = g
            self._pending = {i for i, needed in enumerate(self.needs_input_grad) if needed}
        self._pending.discard(position)
        value = self._cache[position]
        if not self._pending:  # every input served: drop the references until the next pass
            self._cache_key = None
            self._cache = ()
        return value

    def _split(self, ns: Any, g: Any) -> list[Any]:
        """The gradient of each user output, from the gradient of the packed node output."""
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
        for index, info in enumerate(self._output_shapes):
            if grads[index] is None and info is not None and self.materialize_grads:
                shape, native = info
                grads[index] = Tensor._wrap(_backend.xp.zeros(shape, dtype=native))
        return grads

    def _run_backward(self, cls: type[Function], ns: Any, g: Any) -> tuple[Any, ...]:
        graph = ns is not _backend.xp
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
        for position, (value, needed) in enumerate(
            zip(grads[:expected], self.needs_input_grad, strict=True)
        ):
            if value is None or not needed:
                results.append(None)
                continue
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"{cls.__name__}.backward returned a {type(value).__name__} as gradient "
                    f"{position}; expected a Tensor or None."
                )
            results.append(value if graph else value._data)
        return tuple(results)


def _make_rule(cls: type[Function], position: int) -> Any:
    def rule(ns: Any, g: Any, out: Any, *inputs: Any, ctx: FunctionCtx) -> Any:
        return ctx._input_grad(cls, ns, g, position)

    return rule


def _forward(xp: Any, *arrays: Any, ctx: FunctionCtx) -> Any:
    # The user's forward already ran (on tensors, without a graph); the node's output is its
    # result, packed into one array.
    return ctx._packed


class Function:
    """Base class of custom differentiable operations (see the module docstring).

    Subclasses define the static methods ``forward(ctx, *args)`` (or ``forward(*args)`` together
    with ``setup_context(ctx, inputs, output)``) and ``backward(ctx, *grad_outputs)``, and are
    called through :meth:`apply`.
    """

    # per (subclass, number of arguments, saves values): the primitive its nodes record
    _primitives: ClassVar[dict[tuple[type, int, bool], Primitive]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError(
            f"{type(self).__name__} is a Function: call {type(self).__name__}.apply(...) instead "
            "of instantiating it."
        )

    @staticmethod
    def forward(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        """Compute the outputs from the inputs (no graph is recorded here)."""
        raise NotImplementedError(
            "You must implement the forward function for custom autograd.Function."
        )

    @staticmethod
    def setup_context(ctx: FunctionCtx, inputs: tuple[Any, ...], output: Any) -> None:
        """Optional: fill ``ctx`` from ``inputs`` and ``output`` when ``forward`` takes no ctx."""
        raise NotImplementedError("setup_context is not overridden")

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        """Return one gradient per argument of ``forward`` (``None`` where none is needed)."""
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom "
            "autograd.Function to use it with backward mode AD."
        )

    @staticmethod
    def jvp(ctx: Any, *grad_inputs: Any) -> Any:
        """Optional, for forward-mode AD: one tangent per output from one per argument of
        ``forward`` (zeros for a tensor without one, ``None`` for other arguments). Not
        overridden, the tangents come from the ops of ``forward`` and from ``backward``."""
        raise NotImplementedError(
            "You must implement the jvp function for custom autograd.Function to use it with "
            "forward mode AD."
        )

    @classmethod
    def _primitive(cls, count: int, saves: bool) -> Primitive:
        key = (cls, count, saves)
        prim = Function._primitives.get(key)
        if prim is None:
            prim = Primitive(
                cls.__name__,
                forward=_forward,
                vjp=tuple(_make_rule(cls, i) for i in range(count)),
                # saving values makes the engine free them after backward (a second backward
                # then raises unless retain_graph) and guard the inputs against in-place writes
                reads_inputs=saves,
                own_results=False,  # user code may return one array twice, or a saved one
                packs_saved=False,  # saved_tensors_hooks pack ctx's saved tensors instead
            )
            prim.backward_name = f"{cls.__name__}Backward"
            Function._primitives[key] = prim
        return prim

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` on ``args`` and record one node whose backward is ``backward``."""
        if _primitive.forward_ad_active and cls.jvp is not Function.jvp:
            # A dual level and a jvp: the outputs' tangents come from it, as in PyTorch.
            # (Without one, unlike PyTorch, from the ops of forward and the double VJP of
            # backward: see docs/forward_ad.md.)
            from arraygrad.autograd import forward_ad

            return forward_ad.through_function(
                cls, args, lambda ctx: cls._apply_with(ctx, args, kwargs)
            )
        return cls._apply_with(FunctionCtx(), args, kwargs)

    @classmethod
    def _apply_with(cls, ctx: FunctionCtx, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        ctx.needs_input_grad = tuple(
            isinstance(a, Tensor) and a.requires_grad and grad_enabled.get() for a in args
        )
        with no_grad():
            if cls.setup_context is not Function.setup_context:
                raw = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, raw)
            else:
                raw = cls.forward(ctx, *args, **kwargs)
        outputs = raw if isinstance(raw, tuple) else (raw,)
        differentiable = [
            index
            for index, o in enumerate(outputs)
            if isinstance(o, Tensor)
            and o.dtype.is_floating_point
            and id(o) not in ctx._non_differentiable
        ]
        if not any(ctx.needs_input_grad) or not differentiable:
            return raw
        ctx._output_shapes = [
            (tuple(o._data.shape), o._data.dtype) if isinstance(o, Tensor) else None
            for o in outputs
        ]
        public = list(outputs)
        for index, o in enumerate(outputs):
            if isinstance(o, Tensor) and index not in differentiable:
                public[index] = Tensor._wrap(o._data)
        prim = cls._primitive(len(args), saves=bool(ctx._saved))
        xp = _backend.xp
        if len(differentiable) == 1:
            index = differentiable[0]
            ctx._layout = [(index, tuple(outputs[index]._data.shape), None, 0, -1)]
            ctx._packed = outputs[index]._data
            public[index] = prim(*args, ctx=ctx)
        else:
            arrays = [outputs[i]._data for i in differentiable]
            common = xp.result_type(*arrays)
            start = 0
            for index, array in zip(differentiable, arrays, strict=True):
                size = 1
                for s in array.shape:
                    size *= s
                ctx._layout.append((index, tuple(array.shape), array.dtype, start, start + size))
                start += size
            ctx._packed = xp.concat([xp.reshape(xp.astype(a, common), (-1,)) for a in arrays])
            packed = prim(*args, ctx=ctx)
            for index, shape, native, begin, stop in ctx._layout:
                piece = ops.reshape(
                    ops.basic_getitem(packed, key=(slice(begin, stop),)), shape=shape
                )
                public[index] = ops.astype(piece, native)
        ctx._packed = None
        for original, new in zip(outputs, public, strict=True):
            if original is not new and isinstance(original, Tensor):
                ctx._replacements[id(original)] = new
        # only the saved outputs need their public tensors; drop the other references
        saved_ids = {id(t) for t in ctx._saved if t is not None}
        ctx._replacements = {k: v for k, v in ctx._replacements.items() if k in saved_ids}
        if _primitive.saved_hooks_active and ctx._saved:
            from arraygrad.autograd._saved_hooks import current

            hooks = current()
            recorded = any(isinstance(p, Tensor) and p._node is not None for p in public)
            if hooks is not None and recorded:
                ctx._pack_saved(hooks)
        return tuple(public) if isinstance(raw, tuple) else public[0]
