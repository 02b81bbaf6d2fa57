"""Memory checks before an in-place write, with PyTorch's rules.

PyTorch refuses an in-place write whose input shares part of the written memory (``x[1:] =
x[:-1]``), since its result would depend on the order in which elements are written. arraygrad
computes every in-place op out of place, so its results would not; the errors are PyTorch's, so
that code runs on both. How the input is compared depends on the kind of op (the rules below).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from arraygrad import _backend, _dtype
from arraygrad._tensor import Tensor, describe

# How PyTorch compares an in-place op's inputs with the memory it writes (see
# check_no_partial_overlap), by kind of op.
ELEMENTWISE = "elementwise"  # add_, copy_, clamp_, lerp_, ...: inputs as given, partly shared
FILLING = "filling"  # masked_fill_, fill_: a 0-d value is read as a number first
EXPANDED = "expanded"  # x[key] = v, bernoulli_(p): the input expanded to the target first
SCATTERING = "scattering"  # index_copy_, scatter_, put_, ...: any shared memory at all
UNCHECKED = "unchecked"  # masked_scatter_, addmm_, ldexp_, ...: PyTorch does not compare


def check_no_partial_overlap(
    target: Tensor, source: Any, written: Any = None, *, rule: str = ELEMENTWISE
) -> None:
    """Refuse an in-place write into ``target`` (its array, or the region ``written`` of it)
    whose input ``source`` shares memory with it, as PyTorch does (``x[1:] = x[:-1]``): the
    result of such a write would depend on the order in which elements are written (arraygrad
    computes every in-place op out of place, so its results would not; the errors are
    PyTorch's, so that code runs on both).

    ``rule`` is how the op's kind compares them in PyTorch:

    - ``ELEMENTWISE``: the input as given, before broadcasting, overlapping part of the
      written memory (the same elements in the same layout are allowed: ``x.add_(x)``), so
      ``x[0].add_(x[0, 0])`` and ``x.copy_(x[0])`` are refused. An input that is not dense
      (an expansion, a strided column) is "too hard" for PyTorch's check, and passes.
    - ``FILLING``: as ``ELEMENTWISE``, but a 0-d value is read as a number first, so it
      passes (``x.fill_(x[0])``).
    - ``EXPANDED``: the input is expanded to the written shape first, so only an input of that
      shape, or of its number of elements, can be refused (``x[:] = x[0]`` passes).
    - ``SCATTERING``: any shared memory at all, the same elements and 0-d inputs included
      (``x.index_copy_(0, index, x)``).
    - ``UNCHECKED``: no comparison.

    ``index_put_`` and ``x[index] = v`` combine them: :func:`check_index_put`.
    """
    if rule is UNCHECKED or not isinstance(source, Tensor):
        return
    root = target if target._base is None else target._base
    if root is not (source if source._base is None else source._base):
        # shares_memory, inline: this runs for most in-place writes
        counter = target._version_counter
        if counter is None or counter is not source._version_counter:
            return
    region = target._data if written is None else written
    data = source._data
    if rule is SCATTERING:
        refused = _backend.overlaps(region, data)
    elif rule is EXPANDED:
        shape = tuple(region.shape)
        if tuple(data.shape) != shape and math.prod(data.shape) == math.prod(shape):
            # Expanded by new (or kept) dimensions of size 1 only, the input still fills its
            # memory densely, so PyTorch compares it: x[None] = x.t() is refused. (Its leading
            # ones are dropped first: x[1] = x[1:2] passes.)
            lead = data.ndim - len(shape)
            if lead > 0 and all(size == 1 for size in data.shape[:lead]):
                data = _backend.xp.reshape(data, tuple(data.shape[lead:]))
            try:
                data = _backend.xp.expand_view(data, shape)  # a view, as in PyTorch
            except ValueError:
                return  # not the target's shape: the write raises PyTorch's shape error
        refused = tuple(data.shape) == shape and _backend.overlaps_partly(region, data)
    else:
        refused = (data.ndim > 0 or rule is not FILLING) and _backend.overlaps_partly(region, data)
    if refused:
        raise RuntimeError(
            "unsupported operation: some elements of the input tensor and the written-to "
            "tensor refer to a single memory location. Please clone() the tensor before "
            f"performing the operation. ({describe(source)} and the {list(region.shape)} "
            "elements written share memory.) Fix: write a .clone() of the input."
        )


def shares_memory(target: Tensor, source: Any) -> bool:
    """Whether ``source`` is a tensor that may share ``target``'s memory: checked cheaply,
    without looking at the arrays (views share their root; a detach() of the other, or of a
    view of it, shares the version counter with the memory's root, as views do)."""
    if not isinstance(source, Tensor):
        return False
    root = target if target._base is None else target._base
    if root is (source if source._base is None else source._base):
        return True
    counter = target._version_counter
    return counter is not None and counter is source._version_counter


def check_index_put(
    target: Tensor,
    indices: Any,
    value: Any,
    *,
    accumulate: bool = False,
    form: Callable[[], tuple[Any, tuple[Any, ...]]] | None = None,
) -> None:
    """PyTorch's memory checks for ``target.index_put_(indices, value)`` and ``target[key] =
    value``, in its order (``indices``: index_put_'s indices, or the parts of the key; ``form``:
    for a key, makes PyTorch's reading of it, :func:`arraygrad._setitem.put_form`: the region
    its ints, slices and ``None`` select, which PyTorch writes into, and index_put_'s indices
    of that region).

    One boolean mask (among whole dimensions) and a one-element value is PyTorch's
    ``masked_fill_``: the mask's shape is checked first (IndexError), the value is read as a
    number, and only the mask, as given, is compared. Otherwise any memory the value or an
    index tensor shares with the region is refused (:data:`SCATTERING`), before the indices'
    shapes are read.
    """
    shared = shares_memory(target, value)
    for part in indices:
        shared = shared or shares_memory(target, part)
    if not shared:
        return  # the usual write: nothing to compare
    if form is None:
        region = target._data
        if len(indices) > region.ndim:
            raise IndexError(
                f"too many indices for tensor of dimension {region.ndim} (got {len(indices)})"
            )
    else:
        region, indices = form()
        if all(part is None for part in indices):
            # No index tensor (a 0-d one selects): PyTorch copies into the region, as for
            # a key of ints and slices (x[t(1)] = x[1:2] passes).
            check_no_partial_overlap(target, value, region, rule=EXPANDED)
            return
    if not accumulate and (not isinstance(value, Tensor) or value.numel() == 1):
        mask = masked_fill_mask(tuple(region.shape), indices)
        if mask is not None:
            check_no_partial_overlap(target, mask, region, rule=ELEMENTWISE)
            return
    for source in (value, *indices):
        check_no_partial_overlap(target, source, region, rule=SCATTERING)


def masked_fill_mask(shape: tuple[int, ...], indices: Any) -> Any:
    """The mask of an ``index_put_`` into a tensor of ``shape`` that PyTorch makes a
    ``masked_fill_`` when its value has one element: its one boolean (or uint8) mask, of any
    number of dimensions, among whole dimensions (``None``); ``None`` where there is no such
    mask. As in PyTorch, a mask met before any other index has its shape checked here, and
    then a uint8 mask is refused (``masked_fill_`` takes only boolean masks).
    """
    position, mask = 0, None
    for part in indices:
        if part is None:
            position += 1
            continue
        if mask is not None or _index_dtype(part) not in ("bool", "uint8"):
            return None
        mask = part
        have = tuple(part.shape) if isinstance(part, Tensor) else _backend.xp.asarray(part).shape
        for j, size in enumerate(have):
            if position + j >= len(shape) or size != shape[position + j]:
                raise IndexError(
                    f"The shape of the mask {list(have)} at index {j} does not match the shape "
                    f"of the indexed tensor {list(shape)} at index {position + j}. Fix: give "
                    "the mask the shape of the dimensions it indexes."
                )
        position += len(have)
    if mask is not None and _index_dtype(mask) == "uint8":
        raise RuntimeError(
            "masked_fill_ only supports boolean masks, but got mask with dtype unsigned char: "
            "PyTorch writes a one-element value through one mask with masked_fill_. Fix: "
            "index with mask.bool()."
        )
    return mask


def _index_dtype(part: Any) -> str:
    """The dtype's name of an index tensor, list or array."""
    if isinstance(part, Tensor):
        return part.dtype.name
    return _dtype.from_xp(_backend.xp.asarray(part).dtype).name
