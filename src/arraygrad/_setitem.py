"""``x[key] = v`` with PyTorch's rules: how it reads the key, the order of its checks (the value's
shape and dtype before the indices' bounds, a uint8 mask refused for a one-element value, memory
shared with the written region refused), and the write itself (in place into a root, or out of
place into a view and stored back). Reading ``x[key]`` is in :mod:`arraygrad._indexing`.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from arraygrad import (
    _backend,
    _dtype,
    _grad_mode,
    _inference,
    _inplace,
    _memory_overlap,
    _primitive,
    _view_checks,
    _view_history,
    ops,
)
from arraygrad._indexing import (
    _check_bounds,
    _index_error,
    _is_basic,
    _list_key,
    getitem,
    normalize_key,
    saved_indices,
)
from arraygrad._tensor import Tensor


def check_uint8_fill(target: Tensor, key: Any, value: Any) -> None:
    """PyTorch's refusal of ``target[key] = value`` with one uint8 mask among whole dimensions
    and a one-element value: it writes those with masked_fill_, which takes only boolean masks
    (it checks the mask's shape first, and raises before warning about uint8 indices)."""
    if isinstance(value, (bool, int, float)) or (isinstance(value, Tensor) and value.numel() == 1):
        parts = key if isinstance(key, tuple) else (key,)
        region, indices = put_form(target, parts)
        _memory_overlap.masked_fill_mask(tuple(region.shape), indices)


def _as_value(target: Tensor, value: Any) -> Any:
    """``value`` as something ``index_put`` can write into ``target``: a Tensor of its dtype, or
    a Python number (which the array library converts)."""
    if isinstance(value, Tensor):
        return value if value.dtype is target.dtype else ops.astype(value, target.dtype)
    if value.__class__ is complex and not target.dtype.is_complex:
        # its real part (truth value for bool), refused where the imaginary part is not 0
        value = _dtype.checked_scalar(value, target.dtype)
    if isinstance(value, (bool, int, float)):
        if target.dtype in _dtype.REDUCED_FLOATS and value.__class__ is not bool:
            # PyTorch's indexed writes convert the double to float, then to float16 or bfloat16,
            # unchecked: rounded twice, and inf beyond the dtype (70000 for float16)
            return _backend.rounded_float(float(value), target.dtype.name)
        return _dtype.checked_scalar(value, target.dtype)
    from arraygrad._math import as_tensor

    return _as_value(target, as_tensor(value))


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _scalar_value(target: Tensor, value: Any) -> Any:
    """PyTorch's reading of the value of ``target[key] = value`` that is not a tensor, the first
    thing its ``__setitem__`` does (before it reads the key): a Python number, or a NumPy int or
    float64 or complex128 (subclasses of Python's), converted to ``target``'s dtype. Anything else
    (a list, a tuple, a NumPy array, a NumPy float32 or bool) is a TypeError.
    """
    kind = value.__class__
    if kind is bool or isinstance(value, float):
        return value
    # Python's ints and NumPy's (not its bool); the ABC's check costs several times int's.
    if kind is int or isinstance(value, numbers.Integral):
        number = value if kind is int else int(value)
        if not _INT64_MIN <= number <= _INT64_MAX:  # PyTorch reads every int as an int64 first
            raise ValueError(
                f"Overflow when unpacking long long: {number} lies outside the int64 range "
                "that PyTorch reads a written number in. Fix: write a float, or a tensor."
            )
        return number
    if isinstance(value, complex):
        # PyTorch converts a complex number to the dtype: its real part, or its truth value
        # for bool; a non-zero imaginary part overflows any other dtype.
        if target.dtype is _dtype.bool_:
            return bool(value)
        if value.imag != 0:
            # (PyTorch converts it to a float16 or bfloat16 tensor through a double)
            reduced = target.dtype in _dtype.REDUCED_FLOATS
            c_type = "double" if reduced else _dtype.overflow_type_name(target.dtype)
            raise RuntimeError(
                f"value cannot be converted to type {c_type} without overflow: "
                f"{value!r} has an imaginary part, which a {target.dtype.name} tensor cannot "
                "hold. Fix: write value.real (or abs(value))."
            )
        return value.real
    name = kind.__qualname__
    if kind.__module__ != "builtins":
        name = f"{kind.__module__}.{name}"
    raise TypeError(
        f"can't assign a {name} to a arraygrad.{_dtype.torch_type_name(target.dtype)}Tensor: "
        "x[key] = value takes a tensor or a Python number, as in PyTorch. Fix: write "
        "arraygrad.tensor(value, dtype=x.dtype)."
    )


def _drop_leading_ones(value: Any, ndim: int) -> Any:
    # PyTorch (and NumPy) accept a value with extra leading size-1 dimensions; dropping them
    # keeps the value's gradient a plain broadcast that the engine's sum_to undoes.
    if not isinstance(value, Tensor) or value.ndim <= ndim:
        return value
    shape = tuple(value._data.shape)
    lead = len(shape) - ndim
    if any(size != 1 for size in shape[:lead]):
        return value
    return ops.reshape(value, shape=shape[lead:])


def put_form(target: Tensor, parts: tuple[Any, ...]) -> tuple[Any, tuple[Any, ...]]:
    """PyTorch's reading of the key ``parts`` of ``target[key] = value`` where it writes with
    ``index_put_``: the array its ints, slices, ``None`` and ``...`` select (the region it
    writes into), and index_put_'s indices of that region (``None`` for a whole dimension).

    A 0-d integer tensor selects like the int it holds; a bool in a tuple, or a 0-d boolean
    or uint8 tensor, adds a dimension of size 1, indexed by a new index tensor (so it shares
    no memory); a mask indexes as many dimensions as it has.
    """
    xp = _backend.xp
    kinds: list[tuple[str, int]] = []
    for part in parts:
        if part is None or part is Ellipsis or part.__class__ is bool:
            kinds.append(("new", 0))
        elif isinstance(part, (int, slice)):
            kinds.append(("whole", 1))
        else:
            array = part._data if isinstance(part, Tensor) else xp.asarray(part)
            mask = array.dtype in (xp.bool, xp.uint8)
            if array.ndim == 0:
                kinds.append(("new", 0) if mask else ("select", 1))
            else:
                kinds.append(("mask", array.ndim) if mask else ("index", 1))
    rest = target.ndim - sum(dims for _, dims in kinds)
    kept: list[Any] = []
    indices: list[Any] = []
    for part, (kind, dims) in zip(parts, kinds, strict=True):
        if part is Ellipsis:
            kept.append(part)
            indices.extend([None] * rest)
        elif kind == "new":
            kept.append(None)  # unsqueezed
            indices.append(None if part is None else xp.zeros((1,), dtype=xp.int64))
        elif kind == "select":
            kept.append(int(_backend.item(part._data if isinstance(part, Tensor) else part)))
        elif isinstance(part, int):
            kept.append(part)
        elif isinstance(part, slice):
            kept.append(part)
            indices.append(None)
        else:
            kept.extend([slice(None)] * dims)
            indices.append(part)
    try:
        return xp.getitem(target._data, tuple(kept)), tuple(indices)
    except IndexError as error:
        raise _index_error(target, tuple(kept), error) from None


def setitem(target: Tensor, key: Any, value: Any) -> None:
    """``target[key] = value``, recorded for autograd like any in-place op.

    The overwritten elements get no gradient; ``value`` gets the gradient of the places it was
    written to, summed where it was broadcast. As in PyTorch, a recorded write with a basic key
    (ints, slices, ``None``, ``...``) is a write through the view ``target[key]``
    (``CopySlices``), whose cost is the region's size, and a key that selects all of
    ``target`` writes into ``target`` itself; keys with index tensors are an ``index_put``
    (in place into a root, out of place into a view and stored back).
    """
    # PyTorch reads a number and converts it to the tensor's dtype (its overflow errors)
    # before it reads the key.
    kind = value.__class__
    if kind is float or kind is bool or (kind is int and _INT64_MIN <= value <= _INT64_MAX):
        value = _as_value(target, value)
    elif not isinstance(value, Tensor):
        value = _as_value(target, _scalar_value(target, value))
    if key.__class__ is list:
        key = _list_key(key)
    given = key  # with its tensors, for the memory checks
    if _primitive.vmap_active:  # a value or index tensors batched by vmap, target not
        _inplace.check_vmap_write(target, (value, *(key if key.__class__ is tuple else (key,))))
    if key is False:
        return  # x[False] selects nothing: PyTorch writes, checks and records nothing
    # x[True] is x[None] (NumPy's x[True] is a copy, whose memory would not be compared)
    key = None if key is True else normalize_key(key, (target, given, value))
    # A number (or a 0-d tensor) written into a region is a fill, which PyTorch allows into
    # overlapping unfold windows (not into an expansion); other values are element-wise copies.
    filling = isinstance(value, (bool, int, float)) or (
        isinstance(value, Tensor) and value.ndim == 0
    )
    basic = _is_basic(key)
    if basic:
        _check_bounds(target, key)
        if target._base is not None:  # target[key].copy_(value): refused where it overlaps
            overlap = not filling or _view_checks.expanded(target)
            _view_checks.check_unrecorded(target, overlap=overlap, key=key)
    else:
        # x[index] = x[0] is refused as in PyTorch, before the key's shapes are read
        parts = given if isinstance(given, tuple) else (given,)
        _memory_overlap.check_index_put(target, parts, value, form=lambda: put_form(target, parts))
        if _grad_mode.inference_used:
            _inference.check_kept(saved_indices(given), "an index", target, value)
    try:
        region = _backend.xp.getitem(target._data, key)
    except IndexError as error:
        if not basic:
            _check_value_before_bounds(target, key, value)
        raise _index_error(target, key, error) from None
    region_shape = tuple(region.shape)
    if not basic and isinstance(value, Tensor) and value.dtype is not target.dtype:
        _check_values_shape(value, region_shape)  # PyTorch reads the shape first
        _check_index_put_dtype(target, key, value)
    if isinstance(value, Tensor):
        value = _as_value(target, value)
    # x[1:] = x[:-1] is refused as in PyTorch
    if basic and _memory_overlap.shares_memory(target, value):
        if isinstance(given, tuple) and any(part.__class__ is bool for part in given):
            # A bool in a tuple is an index tensor for PyTorch (x[0, True] = x[0] is refused)
            _memory_overlap.check_index_put(
                target, given, value, form=lambda: put_form(target, given)
            )
        else:
            # PyTorch drops the value's leading ones first: x[1:3] = x[None, 0:2] is refused
            shaped = _drop_leading_ones(value, len(region_shape))
            _memory_overlap.check_no_partial_overlap(
                target, shaped, region, rule=_memory_overlap.EXPANDED
            )
    if isinstance(value, Tensor):
        value = _drop_leading_ones(value, len(region_shape))
    # A detach() of a view with repeated elements has a history of its own but its root's
    # memory, so its regions would be views of that root: it is written in place, below.
    detached = "_view_detached" in target.__dict__
    records = _inplace._records(target, (value,))
    if basic and not detached and records:
        parts = key if isinstance(key, tuple) else (key,)
        if any(part is False for part in parts):
            return  # x[False] selects nothing: PyTorch writes and records nothing
        have = tuple(value._data.shape) if isinstance(value, Tensor) else ()
        if have != region_shape and not _broadcasts_to(have, region_shape):
            raise _shape_mismatch(value, region_shape)
        # x[True] is x[None] (NumPy and PyTorch read it so), whose region is a view; NumPy's
        # x[True] is a copy, which a write through would not reach.
        key = tuple(None if part is True else part for part in parts)
        selects_all = _selects_all(target, key)
        leaf = target._node is None and target._rg  # refused, as "a view of a leaf Variable"
        if target._base is not None or have != region_shape or not have or selects_all or leaf:
            view = target if selects_all else getitem(target, key)
            # PyTorch copies a value of the region's shape (or any value into a 0-d region)
            # and fills with a 0-d one; its numbers become 0-d tensors first, hence
            # FillBackward3.
            if not region_shape or (isinstance(value, Tensor) and value.ndim):
                _inplace.copy(view, value, expanded=True)
            else:
                _inplace.fill(view, value, "FillBackward3")
            return
        # A tensor of the region's shape written into part of a root (h[t] = v in a loop):
        # the history a write through the view target[key] would give the root (CopySlices
        # with v), written straight into the root as below, without making the view only to
        # mark it stale.
    try:
        if records and target._base is not None and not detached:
            # A view: written out of place and stored back.

            def write(old: Tensor, new: Any) -> Tensor:
                return ops.index_put(old, new, key=key)

            # PyTorch allows advanced-index writes into an expanded tensor. The value's
            # memory was checked above, as an indexed write's (a 0-d value is a fill).
            _inplace.apply_op(
                target, write, (value,), {}, overlap=False, rule=_memory_overlap.UNCHECKED
            )
            return
        if records:
            _inplace._check_leaf(target)
        tracer = _backend.tracer
        if tracer is not None:  # arraygrad.compile: tensors from outside are read at replay
            tracer.see_tensor(target)
            if isinstance(value, Tensor):
                tracer.see_tensor(value)
        _backend.set_at(target._data, key, value._data if isinstance(value, Tensor) else value)
        if _backend.views_are_copies:
            _view_history.write_through(target)
        if _primitive.forward_ad_active:  # the tangent is written likewise
            from arraygrad.autograd import forward_ad

            forward_ad._written_at(target, key, value)
    except ValueError:
        raise _shape_mismatch(value, region_shape) from None
    if records:
        # A root written in place with index tensors (or a detach() of repeated elements with
        # any key): its history is index_put's (PyTorch's IndexPutBackward0, or CopySlices),
        # recorded as a node whose forward computes nothing, since the values are already in
        # its memory (copy_slices), not as a copy of all of it.
        written = ops.copy_slices(target, value, key=key)
        name = "CopySlices" if basic else "IndexPutBackward0"
        _view_history.rebase(target, _primitive.labelled(written, name))
    _primitive.bump_version(target)


def _check_index_put_dtype(target: Tensor, key: Any, value: Tensor) -> None:
    """PyTorch's index_put takes a value of the target's dtype only (an indexed copy does not
    convert), except a one-element value written through one boolean mask (among basic parts:
    a masked fill, which converts)."""
    parts = key if isinstance(key, tuple) else (key,)
    # (a bool, or a 0-d boolean array, is a long index tensor for PyTorch: not a mask)
    arrays = [part for part in parts if _backend.is_array(part) or part.__class__ is bool]
    mask = (
        len(arrays) == 1
        and arrays[0].__class__ is not bool
        and arrays[0].ndim > 0
        and arrays[0].dtype == _backend.xp.bool
    )
    if not (mask and math.prod(value.shape) == 1):
        raise RuntimeError(
            f"Index put requires the source and destination dtypes match, got "
            f"{target.dtype.name} for the destination and {value.dtype.name} for the source. "
            f"Fix: convert the value first, e.g. value.to({target.dtype.name})."
        )


def _broadcasts_to(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    try:
        return tuple(_backend.xp.broadcast_shapes(shape, target)) == target
    except ValueError:
        return False


def _shape_mismatch(value: Any, region_shape: tuple[int, ...]) -> RuntimeError:
    have = list(value.shape) if isinstance(value, Tensor) else []
    return RuntimeError(
        f"shape mismatch: value tensor of shape {have} cannot be broadcast to indexing "
        f"result of shape {list(region_shape)}. Fix: give the value that shape or one that "
        "broadcasts to it."
    )


def _check_values_shape(values: Tensor, shape: tuple[int, ...]) -> None:
    values = _drop_leading_ones(values, len(shape))
    if not _broadcasts_to(tuple(values._data.shape), shape):
        raise RuntimeError(
            f"shape mismatch: value tensor of shape {list(values.shape)} cannot be broadcast "
            f"to indexing result of shape {list(shape)}. Fix: give values that shape."
        )


def _indexed_shape(
    input: Tensor, key: tuple[Any, ...], *, selects: bool = False
) -> tuple[int, ...] | None:
    """The shape ``input[key]`` would have were its integer indices in range (each read as
    0); ``None`` where the key fails otherwise (a mask of the wrong shape).

    ``selects``: the key of ``x[key] = v``, whose ints and 0-d integer indices PyTorch reads
    as selections, checked before the value (kept as they are, so out of range they fail)."""
    xp = _backend.xp

    def in_range(part: Any) -> Any:
        if part.__class__ is int:
            return part if selects else 0
        if hasattr(part, "dtype") and _dtype.from_xp(part.dtype) is not _dtype.bool_:
            if selects and part.ndim == 0:
                return part
            return xp.zeros(tuple(part.shape), dtype=part.dtype)
        return part

    try:
        return tuple(xp.getitem(input._data, tuple(in_range(p) for p in key)).shape)
    except IndexError:
        return None


def _check_value_before_bounds(target: Tensor, key: Any, value: Any) -> None:
    """PyTorch's checks of the value of ``target[key] = value`` (``key`` with index arrays,
    some out of range) that come before it reads the indices' values: the value's shape, then
    its dtype (a number fits any shape and is converted)."""
    if not isinstance(value, Tensor):
        return
    shape = _indexed_shape(target, key if isinstance(key, tuple) else (key,), selects=True)
    if shape is None:  # a selection out of range, a mask of the wrong shape: their error
        return
    _check_values_shape(value, shape)
    if value.dtype is not target.dtype:
        _check_index_put_dtype(target, key, value)


def _selects_all(target: Tensor, key: Any) -> bool:
    """Whether the basic ``key`` is one that PyTorch writes into ``target`` itself rather than
    through a view: only ``...`` and slices from 0 (or none) with step 1 (or none) to the end of
    their dimension or past it (a negative start that covers it still makes a view)."""
    parts = key if isinstance(key, tuple) else (key,)
    shape = tuple(target._data.shape)
    dim = 0
    for part in parts:
        if part is Ellipsis:
            dim += len(shape) - (len(parts) - 1)
        elif part.__class__ is slice and dim < len(shape):
            start, stop, step = part.start, part.stop, part.step
            if start not in (None, 0) or step not in (None, 1):
                return False
            if stop is not None and not (stop.__class__ is int and stop >= shape[dim]):
                return False
            dim += 1
        else:
            return False
    return True
