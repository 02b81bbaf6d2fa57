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
(the node's output) and handed back as views of it, so a node still has a single output; to
the user it has one per output of ``forward``, as PyTorch's: each output's ``grad_fn`` is the
node (its piece's node stands for it), its ``output_nr`` its place, and the node's hooks see one
gradient per output (see ``_node_hooks``). One tensor returned twice is one output, as in
PyTorch (its gradient goes to the last place).

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

import functools
import warnings
import weakref
from collections.abc import Callable
from typing import Any, ClassVar

from arraygrad import _backend, _primitive, _view_history, ops
from arraygrad._grad_mode import grad_enabled, no_grad
from arraygrad._node import Node
from arraygrad._primitive import Primitive
from arraygrad._tensor import Tensor
from arraygrad.autograd._function_ctx import (
    FunctionCtx,
    arrived,
    check_dirty,
    detached_marked,
)

__all__ = ["Function", "FunctionCtx", "once_differentiable"]

# a ctx's own attributes: any other was set by the user's forward or setup_context
_CTX_ATTRIBUTES = frozenset(FunctionCtx().__dict__)


def _make_rule(cls: type[Function], position: int) -> Any:
    # position: among the node's inputs, forward's tensor arguments; the ctx knows which
    # argument of forward each is
    def rule(ns: Any, g: Any, out: Any, *inputs: Any, ctx: FunctionCtx) -> Any:
        return ctx._input_grad(cls, ns, g, ctx._tensor_positions[position], inputs)

    return rule


def _forward(xp: Any, *arrays: Any, ctx: FunctionCtx) -> Any:
    # The user's forward already ran (on tensors, without a graph); the node's output is its
    # result, packed into one array.
    return ctx._packed


class Function:
    """Base class of custom differentiable operations (see the module docstring).

    Subclasses define the static methods ``forward(ctx, *args)`` (or ``forward(*args)`` together
    with ``setup_context(ctx, inputs, output)``) and ``backward(ctx, *grad_outputs)``, and are
    called through :meth:`apply`. ``backward`` returns one gradient per input of ``forward``
    (None for an input that needs none).

    >>> import arraygrad
    >>> class Exp(arraygrad.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         y = x.exp()
    ...         ctx.save_for_backward(y)
    ...         return y
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         (y,) = ctx.saved_tensors
    ...         return grad * y
    >>> x = arraygrad.tensor([0.0, 1.0], requires_grad=True)
    >>> Exp.apply(x)
    tensor([1.0000, 2.7183], grad_fn=<ExpBackward>)
    >>> Exp.apply(x).sum().backward()
    >>> x.grad
    tensor([1.0000, 2.7183])
    """

    # per (subclass, number of arguments, saves values): the primitive its nodes record
    _primitives: ClassVar[dict[tuple[type, int, bool], Primitive]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # PyTorch only warns here (it will raise in a future version); calling the instance
        # raises.
        warnings.warn(
            f"{type(self)} should not be instantiated. Methods on autograd functions are all "
            "static, so you should invoke them on the class itself. Instantiating an autograd "
            "function will raise an error in a future version of PyTorch. Fix: call "
            f"{type(self).__name__}.apply(...).",
            DeprecationWarning,
            stacklevel=2,
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. Please use "
            f"new-style autograd function with static forward method: {type(self).__name__} "
            f"is called through {type(self).__name__}.apply(...), not through an instance."
        )

    @staticmethod
    def forward(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        """Compute the outputs from the inputs (no graph is recorded here)."""
        raise NotImplementedError(
            "You must implement the forward function for custom autograd.Function."
            " Fix: define forward as a @staticmethod in your Function "
            "subclass."
        )

    @staticmethod
    def setup_context(ctx: FunctionCtx, inputs: tuple[Any, ...], output: Any) -> None:
        """Optional: fill ``ctx`` from ``inputs`` and ``output`` when ``forward`` takes no ctx."""
        raise NotImplementedError(
            "setup_context is not overridden"
            ". Fix: define setup_context(ctx, inputs, output) as a "
            "@staticmethod, or take ctx as forward's first argument."
        )

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        """Return one gradient per argument of ``forward`` (``None`` where none is needed)."""
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom "
            "autograd.Function to use it with backward mode AD."
            " Fix: define backward(ctx, *grad_outputs) as a "
            "@staticmethod."
        )

    @staticmethod
    def jvp(ctx: Any, *grad_inputs: Any) -> Any:
        """Optional, for forward-mode AD: one tangent per output from one per argument of
        ``forward`` (zeros for a tensor without one, ``None`` for other arguments). Not
        overridden, the tangents come from the ops of ``forward`` and from ``backward``."""
        raise NotImplementedError(
            "You must implement the jvp function for custom autograd.Function to use it with "
            "forward mode AD."
            " Fix: define jvp(ctx, *grad_inputs) as a @staticmethod."
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
                # then raises unless retain_graph); no rule reads an input the engine would
                # guard against in-place writes: saved_tensors checks the tensors saved (and
                # those saved through saved_tensors_hooks are not checked), as in PyTorch
                reads_inputs=saves,
                rule_reads=[()] * count,
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

            return forward_ad._through_function(
                cls, args, lambda ctx: cls._apply_with(ctx, args, kwargs)
            )
        return cls._apply_with(FunctionCtx(), args, kwargs)

    @classmethod
    def _apply_with(cls, ctx: FunctionCtx, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        # (as in PyTorch, whether each input requires grad, in grad mode or not) and which
        # arguments are tensors: the node's inputs, as PyTorch's (next_functions, the node
        # hooks' grad_inputs)
        needs = []
        positions = ctx._tensor_positions
        for position, arg in enumerate(args):
            if isinstance(arg, Tensor):
                positions.append(position)
                needs.append(arg.requires_grad)
            else:
                needs.append(False)
        ctx.needs_input_grad = tuple(needs)
        ctx._records = grad_enabled.get() and any(needs)
        with no_grad():
            if cls.setup_context is not Function.setup_context:
                raw = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, raw)
            else:
                raw = cls.forward(ctx, *args, **kwargs)
        outputs = raw if isinstance(raw, tuple) else (raw,)
        if ctx._dirty:
            check_dirty(ctx, outputs)
        differentiable = [
            index
            for index, o in enumerate(outputs)
            if isinstance(o, Tensor)
            and (o.dtype.is_floating_point or o.dtype.is_complex)
            and id(o) not in ctx._non_differentiable
        ]
        if not ctx._records or not differentiable:
            if ctx._non_differentiable:
                return detached_marked(ctx, args, raw, outputs)
            return raw
        ctx._output_shapes = [
            (tuple(o._data.shape), o._data.dtype) if isinstance(o, Tensor) else None
            for o in outputs
        ]
        public = list(outputs)
        for index, o in enumerate(outputs):
            if isinstance(o, Tensor) and index not in differentiable:
                public[index] = Tensor._wrap(o._data)
        tensors = args if len(positions) == len(args) else [args[i] for i in positions]
        prim = cls._primitive(len(tensors), saves=bool(ctx._saved))
        xp = _backend.xp
        repeated = _repeated(differentiable, outputs, args)
        packed_indices = [i for i in differentiable if i not in repeated]
        if len(packed_indices) == 1:
            index = packed_indices[0]
            ctx._layout = [(index, tuple(outputs[index]._data.shape), None, 0, -1)]
            ctx._packed = outputs[index]._data
            public[index] = prim(*tensors, ctx=ctx)
            node = public[index]._node
            if index:
                node.output_index = index  # (Tensor.output_nr, next_functions)
        else:
            arrays = [outputs[i]._data for i in packed_indices]
            common = xp.result_type(*arrays)
            start = 0
            for index, array in zip(packed_indices, arrays, strict=True):
                size = 1
                for s in array.shape:
                    size *= s
                ctx._layout.append((index, tuple(array.shape), array.dtype, start, start + size))
                start += size
            ctx._packed = xp.concat([xp.reshape(xp.astype(a, common), (-1,)) for a in arrays])
            packed = prim(*tensors, ctx=ctx)
            node = packed._node
            for index, shape, native, begin, stop in ctx._layout:
                piece = ops.reshape(
                    ops.basic_getitem(packed, key=(slice(begin, stop),)), shape=shape
                )
                public[index] = ops.astype(piece, native)
                # The piece's node stands for this one where PyTorch's graph has its node with
                # several outputs: as each output's grad_fn, with its output_nr.
                piece_node = public[index]._node
                piece_node.stands_for = node
                piece_node.output_index = index
                ctx._pieces.append((index, weakref.ref(piece_node)))
        for index, last in repeated.items():  # one tensor returned twice: one output, as torch's
            public[index] = public[last]
        ctx._packed = None
        ctx._node = weakref.ref(node)
        # the attributes forward set on ctx, readable on grad_fn as in PyTorch (see Node)
        if len(ctx.__dict__) > len(_CTX_ATTRIBUTES):
            node.__dict__.update(
                (name, ctx.__dict__[name])
                for name in ctx.__dict__.keys() - _CTX_ATTRIBUTES
                if not hasattr(Node, name)
            )
        if not ctx.materialize_grads and len(packed_indices) > 1:
            ctx._arrived = set()
            for index in packed_indices:
                public[index].register_hook(functools.partial(arrived, ctx._arrived, index))
        for index in differentiable if ctx._dirty else ():
            if any(outputs[index] is d for d in ctx._dirty):
                # the modified input itself, now with this node as its history (and its root's
                # and views', as after any recorded in-place write)
                _view_history.rebase(outputs[index], public[index])
                public[index] = outputs[index]
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


def _repeated(
    differentiable: list[int], outputs: tuple[Any, ...], args: tuple[Any, ...]
) -> dict[int, int]:
    """The outputs of forward that are a tensor returned again later (not an input), each with
    the last place it is returned at: PyTorch's output is then that one tensor, whose history
    the last place gives (its output_nr; its gradient goes there, the others get zeros)."""
    if len(differentiable) < 2 or len({id(outputs[i]) for i in differentiable}) == len(
        differentiable
    ):
        return {}
    found = {}
    for position, index in enumerate(differentiable):
        tensor = outputs[index]
        later = [other for other in differentiable[position + 1 :] if outputs[other] is tensor]
        if later and not any(tensor is arg for arg in args):
            found[index] = later[-1]
    return found


class _DelayedError(Function):
    """The identity, whose backward refuses: what :func:`once_differentiable` puts on the
    gradients it returns where they would be part of a graph (``create_graph=True``)."""

    @staticmethod
    def forward(ctx: Any, value: Tensor) -> Tensor:
        return value.clone()

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        raise RuntimeError(
            "trying to differentiate twice a function that was marked with "
            "@once_differentiable. Fix: write its backward with differentiable operations "
            "and remove the decorator, or do not differentiate its gradient again."
        )


def once_differentiable(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a :meth:`Function.backward` that supports no double backward: it runs without
    recording a graph, and where its gradients would be part of one (``create_graph=True``
    with gradient outputs that require grad) differentiating them raises, as in PyTorch.

    >>> import arraygrad
    >>> from arraygrad.autograd.function import once_differentiable
    >>> class Cube(arraygrad.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x**3
    ...     @staticmethod
    ...     @once_differentiable
    ...     def backward(ctx, grad):
    ...         (x,) = ctx.saved_tensors
    ...         return 3 * x**2 * grad
    >>> x = arraygrad.tensor([2.0], requires_grad=True)
    >>> arraygrad.autograd.grad(Cube.apply(x), x, create_graph=True)
    (tensor([12.]),)
    """

    @functools.wraps(fn)
    def wrapper(ctx: Any, *args: Any) -> Any:
        with no_grad():
            outputs = fn(ctx, *args)
        if not grad_enabled.get() or not any(
            isinstance(a, Tensor) and a.requires_grad for a in args
        ):
            return outputs
        single = not isinstance(outputs, tuple)
        # (each through a detached copy that requires grad, so that the node is recorded)
        wrapped = tuple(
            _DelayedError.apply(o.detach().requires_grad_()) if isinstance(o, Tensor) else o
            for o in ((outputs,) if single else outputs)
        )
        return wrapped[0] if single else wrapped

    return wrapper
