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

import numbers
from collections.abc import Callable
from typing import Any

from arraygrad import _backend, _dtype, _primitive, _view_history, ops
from arraygrad._grad_mode import grad_enabled
from arraygrad._math import _broadcast_error, as_tensor
from arraygrad._tensor import Tensor, describe


def _records(target: Tensor, args: tuple[Any, ...]) -> bool:
    if not grad_enabled.get():
        return False
    return target._rg or any(isinstance(a, Tensor) and a._rg for a in args)


def check_no_partial_overlap(
    target: Tensor, source: Any, written: Any = None, *, indexed: bool = False
) -> None:
    """Refuse an in-place write into ``target`` (its array, or the region ``written`` of it)
    whose input ``source`` shares part of that memory, as PyTorch does (``x[1:] = x[:-1]``):
    the result of such a write depends on the order in which elements are written.
    ``indexed``: a write through index tensors, which PyTorch refuses for any shared memory
    of an input that is not 0-d (``x[index] = x``)."""
    if not isinstance(source, Tensor):
        return
    root = target if target._base is None else target._base
    if root is not (source if source._base is None else source._base):
        return  # different memory (checked cheaply: views share their root)
    region = target._data if written is None else written
    if indexed:
        refused = source.ndim > 0 and _backend.overlaps(region, source._data)
    else:
        # PyTorch broadcasts the input first, and a 0-d input is a number to it: an input of
        # another shape is an expansion (not dense), which its check passes.
        refused = tuple(source._data.shape) == tuple(region.shape) and _backend.overlaps_partly(
            region, source._data
        )
    if refused:
        raise RuntimeError(
            "unsupported operation: some elements of the input tensor and the written-to "
            "tensor refer to a single memory location. Please clone() the tensor before "
            f"performing the operation. ({describe(source)} and the {list(region.shape)} "
            "elements written overlap in part.) Fix: write a .clone() of the input."
        )


def _check_leaf(target: Tensor, overlap: bool = False) -> None:
    """Refuse a recorded write into ``target`` as PyTorch does (with ``overlap``: also an
    element-wise write into a view whose elements share memory)."""
    if target._node is None and target._rg:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation "
            f"({describe(target)}). Fix: update parameters inside `with arraygrad.no_grad():`, "
            "or use an out-of-place op (w = w - lr * w.grad) if the update should be recorded."
        )
    if target._base is not None:
        _view_history.check_write(target, overlap)


def _write(target: Tensor, result: Tensor) -> None:
    data = result._data
    if data.shape == target._data.shape and data.dtype == target._data.dtype:
        _backend.assign(target._data, data)  # the common case: no check can fail
        return
    # A 0-d result (the value of fill_ or copy_ from a 0-d tensor) is written everywhere.
    if data.ndim and tuple(data.shape) != tuple(target._data.shape):
        raise RuntimeError(
            f"output with shape {list(target._data.shape)} doesn't match the broadcast shape "
            f"{list(result._data.shape)}. Fix: an in-place op cannot change the shape of its "
            "tensor; use the out-of-place op instead."
        )
    result_dtype, target_dtype = result.dtype, target.dtype
    if result_dtype.category > target_dtype.category:
        raise RuntimeError(
            f"result type {result_dtype.name} can't be cast to the desired output type "
            f"{target_dtype.name}. Fix: convert the tensor first (e.g. x = x.float())."
        )
    data = result._data
    if result_dtype is not target_dtype:
        data = _backend.xp.astype(data, target._data.dtype)
    _backend.assign(target._data, data)


def apply(target: Tensor, op: Callable[..., Tensor], *args: Any, **kwargs: Any) -> Tensor:
    """Compute ``op(target, *args, **kwargs)`` and store it in ``target``'s memory."""
    return apply_op(target, op, args, kwargs, overlap=True)


def apply_op(
    target: Tensor,
    op: Callable[..., Tensor],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    overlap: bool,
) -> Tensor:
    """:func:`apply`; ``overlap``: refuse an expanded ``target`` (whose elements share memory),
    as PyTorch's element-wise ops do (its indexed writes only warn)."""
    for arg in args:
        check_no_partial_overlap(target, arg)
    if _records(target, args):
        _check_leaf(target, overlap)
        snapshot = Tensor._wrap(_backend.copy(target._data), target._rg)
        snapshot._node = target._node
        result = op(snapshot, *args, **kwargs)
        if result.dtype is not target.dtype:
            result = ops.astype(result, target.dtype)
        _write(target, result)
        _view_history.rebase(target, result)  # target's history, and its root's and views'
    else:
        # Nothing here requires grad, or grad mode is off: the op records no graph either way.
        if target._base is not None:
            _view_history.check_unrecorded(target, overlap)
        result = op(target, *args, **kwargs)
        _write(target, result)
    _primitive.bump_version(target)
    return target


def update(target: Tensor, op: Callable[..., Tensor], name: str, other: Any) -> Tensor:
    """``target op= other`` for ``op`` one of add, sub, mul, div (``name``: its ufunc's name).

    When nothing is recorded and ``other`` cannot change the dtype (a tensor of the same dtype,
    or a Python number the dtype holds), the result is computed straight into ``target``'s
    memory: the optimizer's ``p -= lr * p.grad`` then makes one pass over ``p`` and no
    temporary. Everything else, errors included, goes through :func:`apply`.
    """
    kind = other.__class__
    if (
        _backend.is_numpy
        and (
            (kind is Tensor and other._data.dtype == target._data.dtype)
            or ((kind is float or kind is int) and target.dtype.is_floating_point)
        )
        # _records(target, (other,)) inline (this runs for every parameter update): the flags
        # first, as a tensor that requires nothing skips reading the grad mode.
        and not ((target._rg or (kind is Tensor and other._rg)) and grad_enabled.get())
    ):
        if target._base is not None:  # e.g. an expanded view cannot be written element-wise
            _view_history.check_unrecorded(target)
        if kind is Tensor and (target._base is not None or other._base is not None):
            check_no_partial_overlap(target, other)  # only a view can share memory
        try:
            _backend.update_into(name, target._data, other._data if kind is Tensor else other)
        except (ValueError, TypeError):
            pass  # shapes that do not broadcast to the target's: apply() raises PyTorch's error
        else:
            _primitive.bump_version(target)
            return target
    return apply(target, op, other)


def fill(target: Tensor, value: Any, name: str | None = None) -> Tensor:
    """Set every element of ``target`` to ``value`` (a number or a 0-d tensor).

    ``name``: the recorded node's name, where not PyTorch's ``fill_`` (``FillBackward2`` for
    a number, ``FillBackward3`` for a tensor), e.g. ``ZeroBackward0`` for ``zero_()``.
    """
    kind = value.__class__
    if kind is int or kind is float:
        if value:  # zero_() and fill_(0), on every step, fit every dtype
            value = _dtype.checked_scalar(value, target.dtype)
    elif kind is not bool and isinstance(value, numbers.Number):
        value = _dtype.checked_scalar(value, target.dtype)  # a NumPy scalar, say
    if (kind is int or kind is float or kind is bool) and not (target._rg and grad_enabled.get()):
        # The common zero_() / fill_(number) outside the graph (``_records(target, ())``,
        # inline, as it runs for every gradient cleared): one array write.
        if target._base is not None:  # e.g. an expanded tensor, which cannot be written
            _view_history.check_unrecorded(target, overlap=False)
        _backend.assign(target._data, value)
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
    target: Tensor, source: Any, *, filling: bool = False, name: str = "CopyBackwards"
) -> Tensor:
    """Copy ``source`` (broadcast to ``target``'s shape, converted to its dtype) into ``target``.

    The old values of ``target`` are overwritten, so they get no gradient; ``source`` gets the
    gradient of the written elements. ``filling``: a ``fill_`` (one value everywhere), which
    PyTorch allows on a tensor whose elements share memory (an expanded one). ``name``: the
    recorded node's name, PyTorch's for the function that writes.
    """
    source = as_tensor(source)
    check_no_partial_overlap(target, source)
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
            _view_history.check_unrecorded(target, overlap=not filling)
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
