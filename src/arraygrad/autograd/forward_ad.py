"""Forward-mode automatic differentiation with PyTorch's ``torch.autograd.forward_ad`` API.

Inside a *dual level* a tensor may carry a *tangent* (``make_dual``): every op applied to it
gives its result the tangent ``J · t`` (``J`` the op's Jacobian at the primal values), and
``unpack_dual`` reads it back. Tangents are forgotten when the level exits.

No op has a forward rule of its own: a primitive's vector-Jacobian products are linear in the
cotangent ``g``, so ``J · t`` is the gradient with respect to ``g`` of ``<vjp(g), t>`` (the
double-VJP method of :func:`arraygrad.func.jvp`), computed per op with the rules the primitive
already declares. Ops that only take a view of their input (``x[0]``, ``x.t()``) are linear
and share memory: their result's tangent is the same view of the input's tangent, so writes
into either stay consistent, as in PyTorch. An in-place op writes its result's tangent into the
tensor's tangent, in place.

The tangent computation is recorded like any other where gradients are wanted: a tangent that
requires grad, or primals that do, give tangents that can be differentiated (Hessian-vector
products), and a backward pass with ``create_graph=True`` under a dual level gives gradients
with tangents.

>>> import arraygrad
>>> import arraygrad.autograd.forward_ad as fwAD
>>> with fwAD.dual_level():
...     x = fwAD.make_dual(arraygrad.tensor([1.0, 2.0]), arraygrad.tensor([1.0, 0.0]))
...     y = x * x
...     fwAD.unpack_dual(y).tangent
tensor([2., 0.])
"""

from __future__ import annotations

import functools as _functools
import threading as _threading
import weakref as _weakref
from collections.abc import Callable as _Callable
from typing import TYPE_CHECKING, Any, NamedTuple
from typing import TypeVar as _TypeVar

from arraygrad import _backend, _primitive, _view_history
from arraygrad import ops as _ops
from arraygrad._arguments import not_tensor_error as _not_tensor_error
from arraygrad._grad_mode import enable_grad as _enable_grad
from arraygrad._grad_mode import grad_enabled as _grad_enabled
from arraygrad._tensor import Tensor as _Tensor
from arraygrad.autograd import _saved_hooks

if TYPE_CHECKING:
    from arraygrad._tensor import Tensor

__all__ = [
    "UnpackedDualTensor",
    "dual_level",
    "enter_dual_level",
    "exit_dual_level",
    "make_dual",
    "unpack_dual",
]

_F = _TypeVar("_F", bound=_Callable[..., Any])

# A tensor's tangent lives in its instance __dict__ under this key (ordinary tensors have none),
# so that views, stale views and every other kind of tensor carry it alike.
_TANGENT = "_fw_tangent"
# Set on the primal that unpack_dual returns: a view of a dual tensor that has no tangent, which
# the tangents given to a root's views later (see _fresh_tangent) must leave out.
_PRIMAL = "_fw_primal"


class UnpackedDualTensor(NamedTuple):
    """What :func:`unpack_dual` returns: the primal values, and the tangent (or ``None``), a
    named tuple.

    >>> import arraygrad
    >>> import arraygrad.autograd.forward_ad as fwAD
    >>> fwAD.unpack_dual(arraygrad.tensor([1.0]))
    UnpackedDualTensor(primal=tensor([1.]), tangent=None)
    """

    primal: Tensor
    tangent: Tensor | None


class _Level:
    """The open dual level (PyTorch's CPU allows one at a time) and the tensors given a tangent
    in it, by id, weakly: what its exit forgets."""

    def __init__(self) -> None:
        self.current: int | None = None
        self.tangented: dict[int, _weakref.ref[Tensor]] = {}
        # Counts the levels opened: a node's output tangent (see propagate) is from this one
        # only if it was noted under the same count.
        self.opened = 0


_level = _Level()


class _Computing(_threading.local):
    """Whether this thread is computing a tangent: the ops of that computation read the
    primals only, and give their own results no tangent."""

    active = False


_computing = _Computing()


# --- levels --------------------------------------------------------------------------------


def enter_dual_level() -> int:
    """Open a dual level and return it (0: nested levels are refused, as on PyTorch's CPU);
    close it with :func:`exit_dual_level`, or use :class:`dual_level`, which does both.

    >>> import arraygrad
    >>> import arraygrad.autograd.forward_ad as fwAD
    >>> level = fwAD.enter_dual_level()
    >>> x = fwAD.make_dual(arraygrad.tensor(2.0), arraygrad.tensor(1.0))
    >>> fwAD.unpack_dual(x * x).tangent  # d(x^2)/dx = 2x
    tensor(4.)
    >>> fwAD.exit_dual_level(level=level)
    """
    if _level.current is not None:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _level.current = 0
    _level.opened += 1
    _primitive.set_forward_ad_active(True)
    return 0


def exit_dual_level(*, level: int | None = None) -> None:
    """Close the dual level ``level`` (the open one by default): every tangent made in it is
    forgotten, so the dual tensors become plain ones.

    >>> import arraygrad
    >>> import arraygrad.autograd.forward_ad as fwAD
    >>> _ = fwAD.enter_dual_level()
    >>> x = fwAD.make_dual(arraygrad.tensor(2.0), arraygrad.tensor(1.0))
    >>> fwAD.exit_dual_level()
    >>> print(fwAD.unpack_dual(x).tangent)
    None
    """
    if level is None:
        level = -1 if _level.current is None else _level.current
    if level < 0:
        raise RuntimeError("Dual level must be a positive number.")
    if level != _level.current:
        raise RuntimeError(
            "Trying to exit a forward AD level that was not the last one that was created. "
            "This is not supported."
        )
    tangented, _level.tangented = _level.tangented, {}
    for ref in tangented.values():
        tensor = ref()
        if tensor is not None:
            tensor.__dict__.pop(_TANGENT, None)
    _level.current = None
    _primitive.set_forward_ad_active(False)


class dual_level:  # noqa: N801 - PyTorch's name
    """Context manager (and decorator) for a dual level: ``with dual_level():`` opens one and
    closes it on the way out, forgetting the tangents made in it. ``as`` gives the level.
    Inside, every op on a dual tensor computes the Jacobian-vector product ``J t`` of its
    tangent ``t`` along with its value.

    >>> import arraygrad
    >>> import arraygrad.autograd.forward_ad as fwAD
    >>> x = arraygrad.tensor([1.0, 2.0])
    >>> with fwAD.dual_level():
    ...     dual = fwAD.make_dual(x, arraygrad.tensor([1.0, 0.0]))
    ...     fwAD.unpack_dual(dual.sin() * dual).tangent  # (sin x + x cos x) * t
    tensor([1.3818, 0.0000])
    """

    def __enter__(self) -> int:
        return enter_dual_level()

    def __exit__(self, *exc: object) -> None:
        exit_dual_level()

    def __call__(self, func: _F) -> _F:
        @_functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with dual_level():
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


def _check_level(level: int | None, function: str) -> None:
    if level is not None and level != _level.current:
        raise RuntimeError(f"Invalid level given to {function}")


# --- dual tensors --------------------------------------------------------------------------


def make_dual(tensor: Tensor, tangent: Tensor, *, level: int | None = None) -> Tensor:
    """A view of ``tensor`` whose tangent is ``tangent`` (held as it is, not copied: an in-place
    op on the dual tensor updates it), in the open dual level; both must be floating or
    complex, of one shape. Outside a level it raises RuntimeError.

    >>> import arraygrad
    >>> import arraygrad.autograd.forward_ad as fwAD
    >>> with fwAD.dual_level():
    ...     x = fwAD.make_dual(arraygrad.tensor(3.0), arraygrad.tensor(1.0))
    ...     fwAD.unpack_dual(x.exp()).tangent
    tensor(20.0855)
    """
    if _level.current is None:
        raise RuntimeError(
            "Trying to create a dual Tensor for forward AD but no level exists, make sure to "
            "enter_dual_level() first."
        )
    if not (tensor.is_floating_point() or tensor.is_complex()):
        raise ValueError(
            f"Expected primal to be floating point or complex, but got: {tensor.dtype!r}"
        )
    if not (tangent.is_floating_point() or tangent.is_complex()):
        raise ValueError(
            f"Expected tangent to be floating point or complex, but got: {tangent.dtype!r}"
        )
    _check_level(level, "_make_dual")
    if _tangent_of(tensor) is not None:
        raise RuntimeError(
            "Making a dual Tensor based on a Tensor that already has a forward gradient at the "
            f"same level {_level.current} is not supported."
        )
    if tuple(tangent._data.shape) != tuple(tensor._data.shape):
        raise RuntimeError(
            "Trying to set a forward gradient that has a different size than that of the "
            "original Tensor, this is not supported. Tensor is of size "
            f"{list(tensor._data.shape)} while the given forward gradient is of size "
            f"{list(tangent._data.shape)}."
        )
    dual = _alias(tensor, "ViewBackward0")
    _set_tangent(dual, tangent)
    return dual


def unpack_dual(tensor: Tensor, *, level: int | None = None) -> UnpackedDualTensor:
    """``(primal, tangent)`` of ``tensor``: in a dual level the primal is a view of ``tensor``
    without tangent, and the tangent ``None`` where it has none; outside, ``(tensor, None)``.

    >>> import arraygrad
    >>> import arraygrad.autograd.forward_ad as fwAD
    >>> with fwAD.dual_level():
    ...     x = fwAD.make_dual(arraygrad.tensor([1.0, 2.0]), arraygrad.ones(2))
    ...     primal, tangent = fwAD.unpack_dual(x * x)
    >>> primal, tangent
    (tensor([1., 4.]), tensor([2., 4.]))
    """
    if level is None:
        level = -1 if _level.current is None else _level.current
    if level < 0:
        return UnpackedDualTensor(tensor, None)
    if not isinstance(tensor, _Tensor):
        raise _not_tensor_error("_unpack_dual", tensor, name="dual", position=1)
    # (inside a custom Function's forward the inputs' tangents are hidden, as in PyTorch)
    tangent = None if _computing.active else _tangent_of(tensor)
    if tangent is not None:
        _check_level(level, "_fw_primal")
    primal = _alias(tensor, "AliasBackward0")
    primal.__dict__[_PRIMAL] = True
    return UnpackedDualTensor(primal, tangent)


def _alias(tensor: Tensor, name: str) -> Tensor:
    """A view of all of ``tensor``, in its graph, that gets no tangent of its own."""
    saved, _computing.active = _computing.active, True
    try:
        view = _ops.reshape(tensor, shape=tuple(tensor._data.shape))
    finally:
        _computing.active = saved
    return _primitive.labelled(view, name)


def _tangent_of(tensor: Any) -> Tensor | None:
    """The tangent ``tensor`` carries in the open dual level, or ``None``."""
    if isinstance(tensor, _Tensor):
        found: Tensor | None = tensor.__dict__.get(_TANGENT)
        return found
    return None


def _set_tangent(tensor: Tensor, tangent: Tensor) -> None:
    key = id(tensor)
    tangented = _level.tangented
    tensor.__dict__[_TANGENT] = tangent
    if key not in tangented:

        def forget(_: object) -> None:  # (the tensor is gone: its id may be reused)
            tangented.pop(key, None)

        tangented[key] = _weakref.ref(tensor, forget)


# --- tangents of ops -----------------------------------------------------------------------


def _propagate(prim: Any, result: Tensor, args: tuple[Any, ...], params: dict[str, Any]) -> None:
    """Give ``result``, just made by the primitive ``prim`` from ``args``, the tangent
    ``J · t`` of its inputs' tangents (called for every op while a dual level is open)."""
    if _computing.active or prim.vjps is None:
        return
    tangents = [_tangent_of(arg) for arg in args]
    if all(tangent is None for tangent in tangents):
        return
    if not (result.dtype.is_floating_point or result.is_complex()):
        return  # integer and boolean results (argmax, comparisons, .long()) carry none
    if prim.view:
        if tangents[0] is None:
            return
        # A view is linear in its input: the same view of the input's tangent, which shares
        # its memory, so that in-place writes keep the two consistent.
        tangent = prim(tangents[0], *args[1:], **params)
    else:
        tangent = _pushed_forward(prim, result, args, tangents, params)
    _set_tangent(result, tangent)
    node = result._node
    if node is not None and prim.reads_output:
        # The engine hands rules that read the output a tensor of its own: where a backward
        # with create_graph runs in this level, that one needs this tangent too.
        node.__dict__[_TANGENT] = (_level.opened, tangent)


def _saved_output(node: Any, out: Tensor) -> None:
    """Give ``out``, the engine's tensor for ``node``'s output, the output's tangent."""
    noted = node.__dict__.get(_TANGENT)
    if noted is not None and noted[0] == _level.opened and _level.current is not None:
        _set_tangent(out, noted[1])


def _pushed_forward(
    prim: Any,
    result: Tensor,
    args: tuple[Any, ...],
    tangents: list[Tensor | None],
    params: dict[str, Any],
) -> Tensor:
    """``J · t`` for one application of ``prim``, from its VJP rules: the gradient with respect
    to the cotangent ``g`` of the real inner product ``Re <vjp_i(g), t_i>`` summed over the
    inputs with a tangent (the VJP is linear in ``g``, so this is exact)."""
    # The tangent is part of the graph where gradients are wanted of it: a tangent that
    # requires grad, or primals that do (then its graph also reaches them, through the values
    # the rules read). Otherwise the rules read detached copies, and nothing outside is touched.
    higher = _grad_enabled.get() and (
        any(t is not None and t._rg for t in tangents)
        or any(isinstance(arg, _Tensor) and arg._rg for arg in args)
    )
    if higher:
        inputs, out = args, result
    else:
        inputs = tuple(
            _Tensor._wrap(arg._data) if isinstance(arg, _Tensor) else arg for arg in args
        )
        out = _Tensor._wrap(result._data)
    saved, _computing.active = _computing.active, True
    # The graph below is this function's own (freed once grad returns): saved_tensors_hooks,
    # which are for the user's graph, must not see what its nodes save (PyTorch packs nothing).
    hooks = _saved_hooks.thread_hooks
    user_hooks = hooks.stack
    if not higher:
        hooks.stack = []
    try:
        with _enable_grad():
            # Ones, not zeros: a rule may treat a zero cotangent as a special case (xlogy's
            # 0 where g == 0), which is linear in g but has no derivative there.
            cotangent = _Tensor._wrap(_backend.xp.ones_like(result._data), True)
            total = None
            for rule, tangent in zip(prim.vjps, tangents, strict=True):
                if rule is None or tangent is None:
                    continue
                pulled = rule(_ops, cotangent, out, *inputs, **params)
                if pulled is None:
                    continue
                if not isinstance(pulled, _Tensor):
                    pulled = _Tensor._wrap(_backend.asarray(pulled))
                # (the rule may give the broadcast shape: the tangent broadcasts likewise)
                if pulled.is_complex() or tangent.is_complex():
                    term = (pulled.conj() * tangent).real.sum()
                else:
                    term = (pulled * tangent).sum()
                total = term if total is None else total + term
            if total is None or not total._rg:
                return _Tensor._wrap(_backend.xp.zeros_like(result._data))
            from arraygrad.autograd import grad

            (pushed,) = grad(
                total, cotangent, create_graph=higher, allow_unused=True, materialize_grads=True
            )
    finally:
        _computing.active = saved
        hooks.stack = user_hooks
    assert pushed is not None
    return pushed


def _through_function(cls: Any, args: tuple[Any, ...], apply: _Callable[[Any], Any]) -> Any:
    """``cls.apply(*args)`` (a custom autograd.Function with a ``jvp``) in a dual level:
    ``apply(ctx)`` runs ``forward`` and records the node with no tangent computed from its ops
    (nor from ``backward``), and ``cls.jvp`` gives the outputs' tangents, as PyTorch does."""
    from arraygrad.autograd.function import FunctionCtx

    tangents = [_tangent_of(arg) for arg in args]
    if all(tangent is None for tangent in tangents):
        return apply(FunctionCtx())
    ctx = FunctionCtx()
    saved, _computing.active = _computing.active, True
    try:
        result = apply(ctx)
    finally:
        _computing.active = saved
    # jvp gets zeros for a floating tensor without a tangent, None for any other argument.
    given = [
        tangent
        if tangent is not None or not isinstance(arg, _Tensor)
        else (_ops.zeros_like(arg) if arg.is_floating_point() or arg.is_complex() else None)
        for arg, tangent in zip(args, tangents, strict=True)
    ]
    ctx._in_jvp = True  # (its saved_tensors are those saved for forward)
    try:
        pushed = cls.jvp(ctx, *given)
    finally:
        ctx._in_jvp = False
    outputs = result if isinstance(result, tuple) else (result,)
    pushed = pushed if isinstance(pushed, tuple) else (pushed,)
    for output, tangent in zip(outputs, pushed, strict=False):
        if isinstance(output, _Tensor) and isinstance(tangent, _Tensor):
            _set_tangent(output, tangent)
    return result


# --- in-place writes -----------------------------------------------------------------------


def _written(target: Tensor, result: Any) -> None:
    """``target``'s memory now holds ``result`` (computed out of place by an in-place op):
    write ``result``'s tangent, or zeros where it has none, into ``target``'s tangent."""
    new = _tangent_of(result)
    tangent = _tangent_of(target)
    if tangent is None:
        if new is None:
            return
        tangent = _fresh_tangent(target)
    _write_tangent(tangent, new)


def _written_at(target: Tensor, key: Any, value: Any) -> None:
    """``target[key] = value`` was written into ``target``'s memory: likewise for the
    tangents, in that region."""
    new = _tangent_of(value)
    tangent = _tangent_of(target)
    if tangent is None:
        if new is None:
            return
        tangent = _fresh_tangent(target)
    tangent[key] = 0.0 if new is None else new


def _snapshot_of(target: Tensor, snapshot: Tensor) -> None:
    """``snapshot`` stands for ``target``'s value before an in-place op: it has the tangent
    too, for the op's result to be computed from."""
    tangent = _tangent_of(target)
    if tangent is not None:
        _set_tangent(snapshot, tangent)


def _reshaped(target: Tensor, result: Tensor) -> None:
    """``target`` took the shape of ``result``, a view of it (``t_()``, ``squeeze_()``): its
    tangent becomes ``result``'s, the same view of the old tangent."""
    tangent = _tangent_of(result)
    if tangent is None:
        target.__dict__.pop(_TANGENT, None)
    else:
        _set_tangent(target, tangent)


def _write_tangent(tangent: Tensor, new: Tensor | None) -> None:
    if new is None:
        tangent.zero_()
    elif new is not tangent:
        tangent.copy_(new)


def _fresh_tangent(target: Tensor) -> Tensor:
    """Give ``target`` a zero tangent and return it. For a view, its root gets the zero
    tangent and every live view of the root (``target`` too) the same view of it, as PyTorch
    does: a dual value written into part of a plain tensor makes the whole tensor dual. A
    primal from unpack_dual, like a detached view, gets a tangent of its own: its dual tensor's
    stays as it is, as in PyTorch."""
    detached = "_view_detached" in target.__dict__ or _PRIMAL in target.__dict__
    root = target if target._base is None or detached else target._base
    zeros = _Tensor._wrap(_backend.xp.zeros_like(root._data))
    _set_tangent(root, zeros)
    if not detached:
        views = _view_history.live_views(root)
        if target is not root and all(view is not target for view in views):
            views.append(target)
        for view in views:
            attrs = view.__dict__
            if _TANGENT not in attrs and _PRIMAL not in attrs:
                _set_tangent(view, _view_history._replay(zeros, attrs["_view_steps"]))
    found = _tangent_of(target)
    assert found is not None
    return found
