"""``default_collate`` and ``default_convert``: samples to batches of tensors, by the rules of
``torch.utils.data.default_collate`` / ``default_convert`` (the containers keep their types
where PyTorch keeps them)."""

from __future__ import annotations

import collections.abc
import copy
from typing import Any

from arraygrad import _backend, _creation, _dtype
from arraygrad._tensor import Tensor

__all__ = ["default_collate", "default_convert"]

_COLLATE_ERROR = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)


def _stack(tensors: list[Tensor]) -> Tensor:
    try:
        shapes = [tuple(t._data.shape) for t in tensors]
    except AttributeError:
        # A sample that is not a tensor among tensors: torch.stack's TypeError.
        i, other = next((i, t) for i, t in enumerate(tensors) if not isinstance(t, Tensor))
        raise TypeError(
            f"expected Tensor as element {i} in argument 0, but got {type(other).__name__}. "
            "Fix: make every sample's field at this place a tensor (arraygrad.as_tensor)."
        ) from None
    for i, shape in enumerate(shapes):
        if shape != shapes[0]:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(shapes[0])} at entry 0 "
                f"and {list(shape)} at entry {i}"
                ". Fix: make every sample's tensor the same shape (pad or crop them), or pass "
                "a collate_fn that pads (nn.utils.rnn.pad_sequence)."
            )
    if any(t.requires_grad for t in tensors):
        import arraygrad  # the differentiable stack, so gradients reach the samples

        return arraygrad.stack(tensors)  # type: ignore[attr-defined]
    dtypes = {t.dtype for t in tensors}
    arrays = [t._data for t in tensors]
    if len(dtypes) > 1:
        common = _dtype.to_xp(_promote(dtypes))
        arrays = [_backend.xp.astype(a, common) for a in arrays]
    return Tensor._wrap(_backend.ensure_array(_backend.xp.stack(arrays)))


def _promote(dtypes: set[_dtype.dtype]) -> _dtype.dtype:
    result = None
    for d in dtypes:
        result = d if result is None else _dtype.promote_types(result, d)
    assert result is not None
    return result


def _is_text_array(array: Any) -> bool:
    # NumPy arrays of strings or Python objects cannot become tensors.
    return getattr(array.dtype, "kind", "") in ("U", "S", "O")


def _collate_ints(batch: list[Any]) -> Tensor:
    """``torch.tensor(batch)`` for a batch whose first sample is an int (or a bool): int64 for
    ints (bools among them count as 0/1), bool when all are bools, and the default float dtype
    when a float is among them, as PyTorch infers it."""
    array = _backend.asarray(batch)  # the array library infers the same kinds, quickly
    try:
        inferred = _dtype.from_xp(array.dtype)
    except TypeError:  # objects or strings: not numbers alone
        inferred = None
    if inferred is _dtype.int64 or inferred is _dtype.bool_:
        return Tensor._wrap(array)
    # Rare: a float among the ints (float32, not a truncated int64) or an int out of int64's
    # range (the error of arraygrad.tensor).
    return _creation.tensor(batch)


def default_collate(batch: Any) -> Any:
    """Merge a list of samples into a batch, as PyTorch's ``default_collate``.

    Tensors and arrays are stacked along a new first dimension; NumPy scalars become a tensor
    of their dtype; Python floats become a float64 tensor, ints (and bools) a tensor of
    ``arraygrad.tensor(batch)``'s dtype (int64, bool, or float32 with a float among them);
    strings and bytes stay a list. Mappings, named tuples and sequences are collated field by
    field into the same container type (tuples give lists, as in PyTorch; a container that
    cannot be rebuilt from its fields gives a dict or a list).

    >>> import arraygrad
    >>> default_collate([(arraygrad.tensor([1.0]), 0), (arraygrad.tensor([2.0]), 1)])
    [tensor([[1.],
            [2.]]), tensor([0, 1])]
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack(batch)
    if _backend.is_array(elem):
        if _is_text_array(elem):
            if isinstance(elem, (str, bytes)):  # np.str_, np.bytes_: strings, as in PyTorch
                return batch
            raise TypeError(_COLLATE_ERROR.format(elem.dtype))
        return _stack([Tensor._wrap(_backend.asarray(b)) for b in batch])
    if isinstance(elem, int):  # bool too, as PyTorch (bool is an int)
        return _collate_ints(batch)
    if isinstance(elem, float):
        return Tensor._wrap(_backend.asarray(batch, dtype=_dtype.to_xp(_dtype.float64)))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        return _rebuild_mapping(elem, collated)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        # zip stops at the shortest sample, as PyTorch's does.
        return type(elem)(*(default_collate(s) for s in zip(*batch, strict=False)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(sample) != size for sample in batch):
            raise RuntimeError(
                "each element in list of batch should be of equal size"
                f" (got lengths {sorted({len(sample) for sample in batch})}). Fix: give every "
                "sample's sequence the same length, or pass a collate_fn that handles them."
            )
        columns = [default_collate(samples) for samples in zip(*batch, strict=True)]
        if type(elem) is list or isinstance(elem, tuple):
            return columns  # PyTorch returns a list for tuples too (backwards compatibility)
        return _rebuild_sequence(elem, columns)
    raise TypeError(_COLLATE_ERROR.format(type(elem)))


def _rebuild_mapping(template: Any, values: dict[Any, Any]) -> Any:
    """``values`` in a mapping of ``template``'s type, as PyTorch rebuilds one: a mutable
    mapping is copied and updated (its other attributes kept), another is called with the
    dict; a type that refuses either gives the plain dict."""
    if type(template) is dict:
        return values  # what the copy and update would give, without copying
    try:
        if isinstance(template, collections.abc.MutableMapping):
            clone = copy.copy(template)
            clone.update(values)
            return clone
        return type(template)(values)  # type: ignore[call-arg]
    except TypeError:
        return values


def _rebuild_sequence(template: Any, values: list[Any]) -> Any:
    """``values`` in a sequence of ``template``'s type, as PyTorch rebuilds one: a mutable
    sequence is copied and assigned item by item, another is called with the list; a type that
    refuses either gives the list."""
    try:
        if isinstance(template, collections.abc.MutableSequence):
            clone = copy.copy(template)
            for i, value in enumerate(values):
                clone[i] = value
            return clone
        return type(template)(values)  # type: ignore[call-arg]
    except TypeError:
        return values


def default_convert(data: Any) -> Any:
    """Arrays and NumPy scalars (also inside mappings, named tuples and sequences) to tensors;
    everything else unchanged. As PyTorch's: tuples become lists, other containers keep their
    type where they can be rebuilt, and arrays of strings or objects stay arrays. The
    DataLoader applies it to each sample when ``batch_size=None`` (no batching), where
    :func:`default_collate` would stack.

    >>> import arraygrad, numpy
    >>> arraygrad.utils.data.default_convert((numpy.array([1, 2]), "label"))
    [tensor([1, 2]), 'label']
    """
    if isinstance(data, Tensor):
        return data
    if _backend.is_array(data):
        return data if _is_text_array(data) else Tensor._wrap(_backend.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        return _rebuild_mapping(data, {key: default_convert(data[key]) for key in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]  # a list, as PyTorch's (compatibility)
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _rebuild_sequence(data, [default_convert(d) for d in data])
    return data
