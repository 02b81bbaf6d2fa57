"""In-place operations with PyTorch's rules.

An in-place op computes its result out of place, then writes it into the tensor's memory and
bumps the version counter shared by the tensor and its views. When the op is recorded, the
tensor's node is replaced by the op's node, whose input is a snapshot of the old value (a copy),
so that gradients flow to what the tensor was before the write; a write to a view rewrites the
history of the tensor it views and of all its views (``_view_history``). Writing into a leaf
that requires grad is refused outside ``no_grad``, and the engine refuses to use a value that
was overwritten after being saved for backward.
"""

from __future__ import annotations

import math
import numbers
import sys
import warnings
from collections.abc import Callable
from typing import Any

from arraygrad import _backend, _dtype, _primitive, _view_checks, _view_history, ops
from arraygrad._grad_mode import grad_enabled
from arraygrad._math import _broadcast_error, as_tensor
from arraygrad._memory_overlap import (
    ELEMENTWISE,
    FILLING,
    UNCHECKED,
    check_no_partial_overlap,
)
from arraygrad._tensor import Tensor, describe


def _records(target: Tensor, args: tuple[Any, ...]) -> bool:
    if not grad_enabled.get():
        return False
    return target._rg or any(isinstance(a, Tensor) and a._rg for a in args)


# Keyword arguments PyTorch's in-place ops take as numbers (a 0-d tensor is read first).
_NUMBER_KEYWORDS = frozenset(["value", "alpha", "beta"])
_WIDE_FLOAT_IDS = _dtype.WIDE_FLOAT_IDS  # float32 and float64 (see update)
_NUMBERS = (bool, int, float, complex)


# How PyTorch's vmap words its refusal of a batched value written into an unbatched tensor, by
# the out-of-place function of the in-place op (the rest: "aten::<name>_ ... at level n").
_VMAP_BROADCAST = ("add", "atan2")  # the broadcast's shape error
_VMAP_ARITHMETIC = ("sub", "mul", "div")  # "inplace arithmetic", as copy_ and x[k] = v


def check_vmap_write(target: Tensor, values: Any, name: str = "inplace arithmetic") -> None:
    """Refuse, as PyTorch's vmap does, an in-place write into ``target`` of a value computed
    from the slices of a running vmap call that ``target`` is not computed from (a tensor
    captured from outside the function, or made inside it from constants): PyTorch holds one
    ``target`` for the whole batch there, which cannot take one value per slice. Only called
    while a vmap runs (``_primitive.vmap_active``). ``name``: the op as PyTorch's message names
    it, or the name of its out-of-place function (see :data:`_VMAP_BROADCAST`)."""
    extra = _primitive.batched_levels(values) - target._vmap_levels
    running = _primitive.vmap_running
    levels = [level for level in running.levels if level in extra]
    if not levels:
        return
    if name in _VMAP_BROADCAST:
        # PyTorch broadcasts the batched value, its batch dims first, and cannot write it
        shapes = [tuple(v._data.shape) for v in values if isinstance(v, Tensor)]
        try:
            shape = list(_backend.xp.broadcast_shapes(tuple(target._data.shape), *shapes))
        except ValueError:
            shape = list(target._data.shape)
        batch = [running.sizes[level] for level in levels]
        raise RuntimeError(
            f"output with shape {list(target._data.shape)} doesn't match the broadcast shape "
            f"{batch + shape}"
        )
    where = "in a vmap"
    if name in _VMAP_ARITHMETIC:
        name = "inplace arithmetic"
    elif name not in ("inplace arithmetic", "fill_"):
        name = f"aten::{name}_"
        where = f"at level {running.levels.index(levels[-1]) + 1}"
    raise RuntimeError(
        f"vmap: {name}(self, *extra_args) is not possible because there exists a Tensor "
        "`other` in extra_args that has more elements than `self`. This happened due to "
        f"`other` being vmapped over but `self` not being vmapped over {where}. Please try to "
        f"use out-of-place operators instead of {name}. If said operator is being called "
        "inside the PyTorch framework, please file a bug report instead."
    )


def _check_leaf(target: Tensor, overlap: bool = False) -> None:
    """Refuse a recorded write into ``target`` as PyTorch does (with ``overlap``: also an
    element-wise write into a view whose elements share memory)."""
    # (a view without history that requires grad was made in no_grad: check_write says so)
    if target._node is None and target._rg and target._base is None:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation "
            f"({describe(target)}). Fix: update parameters inside `with arraygrad.no_grad():`, "
            "or use an out-of-place op (w = w - lr * w.grad) if the update should be recorded."
        )
    if target._base is not None:
        _view_checks.check_write(target, overlap)


def check_castable(result_dtype: _dtype.dtype, target_dtype: _dtype.dtype) -> None:
    """PyTorch's refusal to write a result into a tensor of a lower dtype category (a float
    result into an integer tensor, an integer one into a bool tensor)."""
    if result_dtype.category > target_dtype.category:
        raise RuntimeError(
            f"result type {result_dtype.name} can't be cast to the desired output type "
            f"{target_dtype.name}. Fix: convert the tensor first (e.g. x = x.float())."
        )


def _write(target: Tensor, result: Tensor) -> None:
    data = result._data
    if data.shape == target._data.shape and data.dtype == target._data.dtype:
        _backend.assign(target._data, data)  # the common case: no check can fail
        if _backend.views_are_copies:
            _view_history.write_through(target)
        if _primitive.rare_modes:
            _rare_write(target, result)
        return
    # A 0-d result (the value of fill_ or copy_ from a 0-d tensor) is written everywhere.
    if data.ndim and tuple(data.shape) != tuple(target._data.shape):
        raise RuntimeError(
            f"output with shape {list(target._data.shape)} doesn't match the broadcast shape "
            f"{list(result._data.shape)}. Fix: an in-place op cannot change the shape of its "
            "tensor; use the out-of-place op instead."
        )
    result_dtype, target_dtype = result.dtype, target.dtype
    check_castable(result_dtype, target_dtype)
    data = result._data
    if result_dtype is not target_dtype:
        data = _backend.convert(data, target._data.dtype)  # (float64 to float16 via float32)
    _backend.assign(target._data, data)
    if _backend.views_are_copies:
        _view_history.write_through(target)
    if _primitive.rare_modes:
        _rare_write(target, result)


def _rare_write(target: Tensor, result: Any) -> None:
    """What a dual level adds to a write of ``result`` into ``target`` (``None``: values
    without a tangent, such as a number): the tangent written likewise."""
    if _primitive.forward_ad_active:
        from arraygrad.autograd import forward_ad

        forward_ad._written(target, result)


def apply(target: Tensor, op: Callable[..., Tensor], *args: Any, **kwargs: Any) -> Tensor:
    """Compute ``op(target, *args, **kwargs)`` and store it in ``target``'s memory (an
    element-wise op's rule for inputs sharing its memory: :func:`check_no_partial_overlap`)."""
    return apply_op(target, op, args, kwargs, overlap=True)


def apply_promoted(target: Tensor, op: Callable[..., Tensor], *others: Any) -> Tensor:
    """:func:`apply` for an element-wise ``op`` whose result has the promoted dtype of
    ``target`` and ``others`` (``None`` for an operand not given, as a bound of ``clamp_``):
    PyTorch's ops of several operands (``gcd_``, ``fmod_``, ``atan2_``, ``bitwise_and_``,
    ``clamp_``, ...). PyTorch checks that this dtype can be written into ``target`` before it
    looks for the op's kernel, so ``int_tensor.gcd_(float_tensor)`` and
    ``float_tensor.bitwise_and_(1j)`` raise its RuntimeError about the cast rather than the
    kernel's NotImplementedError (the check runs only when the kernel is missing, so valid
    calls pay nothing)."""
    try:
        return apply_op(target, op, others, {}, overlap=True)
    except NotImplementedError:
        operands = [o for o in others if o.__class__ in _NUMBERS or isinstance(o, Tensor)]
        if operands:
            check_castable(_dtype.result_type(target, *operands), target.dtype)
        raise


def apply_as(
    rule: str | tuple[str, ...],
    target: Tensor,
    op: Callable[..., Tensor],
    *args: Any,
    checks: Callable[..., Any] | None = None,
    **kwargs: Any,
) -> Tensor:
    """:func:`apply` for an op whose inputs PyTorch compares with the written memory by
    ``rule`` (``SCATTERING``, ``UNCHECKED``, ...: see :func:`check_no_partial_overlap`), or
    by one rule per positional argument (``masked_fill_``: its mask element-wise, its value
    as a number). ``checks``: the checks of the op's arguments that PyTorch makes before it
    compares memory, called as the op is (see :func:`apply_op`)."""
    return apply_op(target, op, args, kwargs, overlap=True, rule=rule, checks=checks)


def apply_op(
    target: Tensor,
    op: Callable[..., Tensor],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    overlap: bool,
    rule: str | tuple[str, ...] = ELEMENTWISE,
    checks: Callable[..., Any] | None = None,
) -> Tensor:
    """:func:`apply`; ``overlap``: refuse an expanded ``target`` (whose elements share memory),
    as PyTorch's element-wise ops do (its indexed writes only warn). ``rule``: how inputs
    sharing ``target``'s memory are refused (:func:`check_no_partial_overlap`), one for all
    or one per positional argument. Keyword arguments are compared too (``clamp_(min=t)``),
    except the ones PyTorch takes as numbers (``value=``, ``alpha=``, ``beta=``).

    ``checks(target, *args, **kwargs)``: the checks of the arguments (dims, dtypes, shapes)
    that PyTorch makes before comparing memory. They run only where an input is refused, so
    that a bad call sharing memory gets PyTorch's error for its arguments (an IndexError for
    an index of two dimensions, say) and a valid call pays nothing; otherwise the op makes
    them itself, as its out-of-place form does."""
    if _primitive.vmap_active:
        values = (*args, *(v for k, v in kwargs.items() if k not in _NUMBER_KEYWORDS))
        check_vmap_write(target, values, getattr(op, "__name__", "inplace arithmetic"))
    refused = None
    try:
        for position, arg in enumerate(args):
            check_no_partial_overlap(
                target, arg, rule=rule if rule.__class__ is str else rule[position]
            )
        for name, arg in kwargs.items():
            if name not in _NUMBER_KEYWORDS:
                check_no_partial_overlap(target, arg, rule=ELEMENTWISE)
    except RuntimeError as error:
        if checks is None:
            raise
        refused = error
    if refused is not None and checks is not None:
        # (outside the except clause: their error is not chained to the refusal)
        checks(target, *args, **kwargs)
        raise refused
    if _records(target, args):
        _check_leaf(target, overlap)
        snapshot = Tensor._wrap(_backend.copy(target._data), target._rg)
        snapshot._node = target._node
        if _primitive.forward_ad_active:  # the old value's tangent, for the op to read
            from arraygrad.autograd import forward_ad

            forward_ad._snapshot_of(target, snapshot)
        result = _computed(target, op, snapshot, args, kwargs)
        if result.dtype is not target.dtype:
            result = ops.astype(result, target.dtype)
        _write(target, result)
        _view_history.rebase(target, result)  # target's history, and its root's and views'
    else:
        # Nothing here requires grad, or grad mode is off: the op records no graph either way.
        shared, warned = None, None
        if target._base is not None:
            name = f"{getattr(op, '__module__', '')}.{getattr(op, '__qualname__', '')}"
            fill = name in _OVERLAPPING_FILLS
            _view_checks.check_unrecorded(target, overlap and not fill)
            if fill:
                shared, warned = _view_checks.shared_positions(target), _OVERLAPPING_FILLS[name]
        result = _computed(target, op, target, args, kwargs)  # (also checks the arguments)
        if shared is not None and warned is not None:
            warnings.warn(
                _OVERLAP_DEPRECATED.format(*warned), UserWarning, stacklevel=_caller_level()
            )
        if shared is not None and name == _INDEX_PUT and _accumulates(args, kwargs):
            # index_put_(..., accumulate=True) adds every value to its memory location, so
            # the values sent to elements sharing one are all summed there.
            result = _view_checks.accumulated_per_location(target, shared, *args[:2])
        elif shared is not None:
            result = _view_checks.one_value_per_location(target, result, shared)
        _write(target, result)
    _primitive.bump_version(target)
    return target


# The fills of a selection PyTorch writes into a tensor whose elements share memory (an
# expansion) without recording them, by the module and name of their out-of-place function:
# the indexed ones warn that this is deprecated (their name for it), tril_, triu_ and
# fill_diagonal_ do not check. Recorded, PyTorch's backward refuses them (arraygrad at once).
_OVERLAPPING_FILLS: dict[str, tuple[str, str] | None] = {
    "arraygrad._indexing.masked_fill": ("masked_fill_", "tensor[mask] = scalar"),
    "arraygrad._index_updates.index_fill": ("index_fill_", "tensor[mask] = scalar"),
    "arraygrad._index_updates.index_put": ("index_put_", "tensor[indices] = tensor"),
    "arraygrad._linalg.tril": None,
    "arraygrad._linalg.triu": None,
    "arraygrad._view_scatter.fill_diagonal": None,
}
_INDEX_PUT = "arraygrad._index_updates.index_put"
_OVERLAP_DEPRECATED = (
    "Use of {} on expanded tensors is deprecated. Please clone() the tensor before performing "
    "this operation. This also applies to advanced indexing e.g. {}"
)


def _accumulates(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """Whether index_put's arguments (``indices, values, accumulate``) ask it to add."""
    return bool(args[2] if len(args) > 2 else kwargs.get("accumulate", False))


def _caller_level() -> int:
    """The ``stacklevel`` of the first caller outside arraygrad, for a warning raised by the
    function calling this one: the methods and functions reaching ``apply_op`` take one to
    three frames, so a fixed level would name arraygrad's own line for some of them."""
    frame: Any = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("arraygrad."):
        frame, level = frame.f_back, level + 1
    return level


def _computed(
    target: Tensor, op: Callable[..., Tensor], first: Tensor, args: tuple[Any, ...], kwargs: Any
) -> Tensor:
    """``op(first, *args, **kwargs)``; where it finds no kernel for the dtypes, PyTorch's
    in-place op has checked the output's shape first: an operand that broadcasts the result
    past ``target``'s shape gets that error instead (off the common path: only on failure)."""
    try:
        return op(first, *args, **kwargs)
    except NotImplementedError as error:
        shapes = [tuple(a.shape) for a in args if isinstance(a, Tensor)]
        try:
            shape = _backend.xp.broadcast_shapes(tuple(target.shape), *shapes)
        except ValueError:  # operands that are not element-wise (index_reduce_'s index)
            raise error from None
        if tuple(shape) != tuple(target.shape):
            raise RuntimeError(
                f"output with shape {list(target.shape)} doesn't match the broadcast shape "
                f"{list(shape)}. Fix: an in-place op cannot change the shape of its tensor; "
                "use the out-of-place op instead."
            ) from None
        raise


def update(target: Tensor, op: Callable[..., Tensor], name: str, other: Any) -> Tensor:
    """``target op= other`` for ``op`` one of add, sub, mul, div (``name``: its ufunc's name).

    When nothing is recorded and ``other`` cannot change the dtype (a tensor of the same dtype,
    or a Python number the dtype holds), the result is computed straight into ``target``'s
    memory: the optimizer's ``p -= lr * p.grad`` then makes one pass over ``p`` and no
    temporary. Everything else, errors included, goes through :func:`apply`.
    """
    if _primitive.rare_modes:
        if _primitive.vmap_active:
            check_vmap_write(target, (other,), op.__name__)
        if _primitive.forward_ad_active:  # the write's tangent comes from the op's
            return apply(target, op, other)
    kind = other.__class__
    if (
        _backend.is_numpy
        and (
            (kind is Tensor and other._data.dtype == target._data.dtype)
            # A float16 target goes through apply(), which computes ``x *= 0.1`` with the number
            # in float32 as PyTorch does (NumPy's float16 loop would round it to float16 first).
            or ((kind is float or kind is int) and id(target._data.dtype) in _WIDE_FLOAT_IDS)
        )
        # _records(target, (other,)) inline (this runs for every parameter update): the flags
        # first, as a tensor that requires nothing skips reading the grad mode.
        and not ((target._rg or (kind is Tensor and other._rg)) and grad_enabled.get())
    ):
        if target._base is not None:  # e.g. an expanded view cannot be written element-wise
            _view_checks.check_unrecorded(target)
        if kind is Tensor and (target._base is not None or other._base is not None):
            check_no_partial_overlap(target, other)  # only a view can share memory
        if _backend.tracer is not None:
            _seen(target, other)
        try:
            _backend.update_into(name, target._data, other._data if kind is Tensor else other)
        except (ValueError, TypeError):
            pass  # shapes that do not broadcast to the target's: apply() raises PyTorch's error
        else:
            _primitive.bump_version(target)
            return target
    return apply(target, op, other)


def _seen(*values: Any) -> None:
    """Tell arraygrad.compile's tracer about the tensors among ``values`` that a write reads
    or writes without a primitive (which would tell it): one from outside the function (an
    average kept beside the model, ``ema.mul_(0.9)``) is then read at the start of each
    replay, not taken for an array made where the tracer cannot see."""
    for value in values:
        if isinstance(value, Tensor):
            _backend.tracer.see_tensor(value)  # type: ignore[union-attr]


def _rounds_to_half(target: Tensor) -> bool:
    """Whether PyTorch's fill_ rounds a number to ``target``'s float16 without its overflow
    check: it does so for a float16 tensor of one element (a number beyond 65504 gives inf,
    65519 gives 65504) and raises for a larger one."""
    return target.dtype is _dtype.float16 and math.prod(target._data.shape) == 1


def fill(target: Tensor, value: Any, name: str | None = None) -> Tensor:
    """Set every element of ``target`` to ``value`` (a number or a 0-d tensor).

    ``name``: the recorded node's name, where not PyTorch's ``fill_`` (``FillBackward2`` for
    a number, ``FillBackward3`` for a tensor), e.g. ``ZeroBackward0`` for ``zero_()``.
    """
    if _primitive.vmap_active:
        check_vmap_write(target, (value,), "fill_")
    kind = value.__class__
    if kind is int or kind is float:
        # zero_() and fill_(0), on every step, fit every dtype.
        if value and not _rounds_to_half(target):
            value = _dtype.checked_scalar(value, target.dtype)
        elif kind is float and -65536.0 < value < 65536.0 and _rounds_to_half(target):
            value = _dtype.float16_operand(value)  # (then float16: rounded twice, as PyTorch)
    elif kind is not bool and isinstance(value, numbers.Number):
        value = _dtype.checked_scalar(value, target.dtype)  # a NumPy scalar, say
    if (kind is int or kind is float or kind is bool) and not (target._rg and grad_enabled.get()):
        # The common zero_() / fill_(number) outside the graph (``_records(target, ())``,
        # inline, as it runs for every gradient cleared): one array write.
        if target._base is not None:  # e.g. an expanded tensor, which cannot be written
            _view_checks.check_unrecorded(target, overlap=False)
        if _backend.tracer is not None:
            _seen(target)
        _backend.assign(target._data, value)
        if _backend.views_are_copies:
            _view_history.write_through(target)
        if _primitive.rare_modes:
            _rare_write(target, None)
        _primitive.bump_version(target)
        return target
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(
            f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} "
            "dimensions."
        )
    if name is None:
        name = "FillBackward3" if isinstance(value, Tensor) else "FillBackward2"
    return copy(target, value, filling=True, name=name)


def copy(
    target: Tensor,
    source: Any,
    *,
    filling: bool = False,
    expanded: bool = False,
    name: str = "CopyBackwards",
) -> Tensor:
    """Copy ``source`` (broadcast to ``target``'s shape, converted to its dtype) into ``target``.

    The old values of ``target`` are overwritten, so they get no gradient; ``source`` gets the
    gradient of the written elements. ``filling``: a ``fill_`` (one value everywhere), which
    PyTorch allows on a tensor whose elements share memory (an expanded one). ``name``: the
    recorded node's name, PyTorch's for the function that writes. ``expanded``: the copy of
    ``x[key] = source``, whose memory ``setitem`` has compared already (as PyTorch does, with
    ``source`` expanded to ``target``'s shape).
    """
    if _primitive.vmap_active:
        check_vmap_write(target, (source,))
    source = as_tensor(source)
    check_no_partial_overlap(
        target, source, rule=UNCHECKED if expanded else FILLING if filling else ELEMENTWISE
    )
    shape, have = tuple(target._data.shape), tuple(source._data.shape)
    if have and have != shape:  # checked first: NumPy's broadcasting error is a ValueError
        try:
            fits = _backend.xp.broadcast_shapes(have, shape) == shape
        except ValueError as error:
            raise _broadcast_error(target, source, error) from None
        if not fits:
            raise RuntimeError(
                f"output with shape {list(shape)} doesn't match the broadcast shape "
                f"{list(_backend.xp.broadcast_shapes(have, shape))}. Fix: copy a source whose "
                "shape broadcasts to the target's."
            )

    def overwrite(old: Tensor, new: Tensor) -> Tensor:
        expanded = ops.broadcast_to(new, shape=tuple(old._data.shape))
        if new.dtype is not old.dtype:
            expanded = ops.astype(expanded, old.dtype)
        # where(True, new, old): a fresh array holding ``new`` that stays connected to ``old``
        # with a zero gradient, so a target that required grad still does (as in PyTorch).
        # (an array condition: the Array API's where takes no Python bool)
        return ops.where(_backend.xp.asarray(True), expanded, old)

    if source.dtype.category > target.dtype.category:
        source = ops.astype(source, target.dtype)  # copy_ converts, unlike arithmetic in place
    # A source of the target's shape is written as it is (_write converts its dtype). Not
    # while arraygrad.compile traces: its arrays reach the trace through the ops that use them.
    as_is = have == shape and _backend.tracer is None
    if not _records(target, (source,)):
        if target._base is not None:
            _view_checks.check_unrecorded(target, overlap=not filling)
        _write(target, source if as_is or source.ndim == 0 else overwrite(target, source))
        _primitive.bump_version(target)
        return target
    _check_leaf(target, overlap=not filling)
    if (
        as_is
        and source.dtype is target.dtype
        and target._base is not None
        and "_view_detached" not in target.__dict__
    ):
        # A view's history is rebuilt from its root's, whose new history (CopySlices) sends
        # the gradient of the view's elements to what was written and none to the old values:
        # the source itself, with no node of its own (a copy_ into x[t] per step stays cheap).
        result = source
    else:
        # The old values only contribute their place in the graph (where() reads the
        # condition, not them), so a snapshot sharing the target's memory is enough.
        snapshot = Tensor._wrap(target._data, target._rg)
        snapshot._node = target._node
        result = _primitive.labelled(overwrite(snapshot, source), name)
    _write(target, result)
    _view_history.rebase(target, result)
    _primitive.bump_version(target)
    return target
