"""The tensors shaped like another: ``zeros_like``, ``ones_like``, ``empty_like`` and
``full_like`` (the random ones are in ``_random_creation``). Each takes ``input``'s shape and
dtype (unless ``dtype=`` names another) and is laid out as ``input`` is, PyTorch's
``preserve_format``, or in the ``memory_format`` given.
"""

from __future__ import annotations

from typing import Any

from arraygrad import _backend, _device, _dtype
from arraygrad._creation import _leaf, creation_options
from arraygrad._dtype import dtype
from arraygrad._out_of_memory import allocation_error
from arraygrad._tensor import Tensor

__all__ = ["empty_like", "full_like", "ones_like", "zeros_like"]


def _like(
    input: Tensor,
    dtype: dtype | None,
) -> tuple[tuple[int, ...], Any]:
    return tuple(input._data.shape), _dtype.to_xp(dtype) if dtype is not None else input._data.dtype


def _laid_out_like(array: Any, input: Tensor, options: dict[str, Any]) -> Any:
    """A ``*_like`` result's values laid out as PyTorch lays them out: as ``input`` is
    (``preserve_format``, the default; C order where it is expanded), or in the
    ``memory_format`` given."""
    form = options.get("memory_format")
    order = None if form is None else _device.outer_first(form, array.ndim)
    if order is None:
        return _backend.like_layout(array, input._data)
    return _backend.laid_out(array, order)


def zeros_like(
    input: Tensor,
    *,
    dtype: dtype | None = None,
    requires_grad: bool = False,
    **options: Any,
) -> Tensor:
    """Zeros with the shape, dtype and layout (strides of a dense ``input``) of ``input``.

    The result does not require grad, whatever ``input`` does, unless ``requires_grad=True``.

    >>> import arraygrad
    >>> arraygrad.zeros_like(arraygrad.tensor([[1, 2], [3, 4]]))
    tensor([[0, 0],
            [0, 0]])
    """
    creation_options("zeros_like", options)
    shape, native = _like(input, dtype)
    # preserve_format: laid out as ``input`` is (C order where it is expanded)
    try:
        array = _laid_out_like(_backend.xp.zeros(shape, dtype=native), input, options)
    except (MemoryError, ValueError) as error:
        raise allocation_error(error, shape) from None
    return _leaf(array, requires_grad)


def ones_like(
    input: Tensor,
    *,
    dtype: dtype | None = None,
    requires_grad: bool = False,
    **options: Any,
) -> Tensor:
    """Ones with the shape, dtype and layout of ``input`` (``dtype=`` to change the dtype).

    >>> import arraygrad
    >>> arraygrad.ones_like(arraygrad.tensor([1, 2]), dtype=arraygrad.float32)
    tensor([1., 1.])
    """
    creation_options("ones_like", options)
    shape, native = _like(input, dtype)
    try:
        array = _laid_out_like(_backend.xp.ones(shape, dtype=native), input, options)
    except (MemoryError, ValueError) as error:
        raise allocation_error(error, shape) from None
    return _leaf(array, requires_grad)


def empty_like(
    input: Tensor,
    *,
    dtype: dtype | None = None,
    requires_grad: bool = False,
    **options: Any,
) -> Tensor:
    """An uninitialised tensor with the shape, dtype and layout of ``input`` (arraygrad fills it
    with zeros; PyTorch does not, so do not read it before writing).

    >>> import arraygrad
    >>> arraygrad.empty_like(arraygrad.zeros(2, 3)).shape
    arraygrad.Size([2, 3])
    """
    creation_options("empty_like", options)
    form = options.get("memory_format")
    return zeros_like(input, dtype=dtype, requires_grad=requires_grad, memory_format=form)


def full_like(
    input: Tensor,
    fill_value: Any,
    *,
    dtype: dtype | None = None,
    requires_grad: bool = False,
    **options: Any,
) -> Tensor:
    """``fill_value`` everywhere, with the shape, dtype and layout of ``input``.

    The value is converted to ``input``'s dtype (a float truncated toward 0 for an integer tensor)
    unless ``dtype`` is given.

    >>> import arraygrad
    >>> arraygrad.full_like(arraygrad.tensor([1, 2]), 2.7)
    tensor([2, 2])
    """
    creation_options("full_like", options)
    shape, native = _like(input, dtype)
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    else:
        fill_value = _dtype.checked_scalar(fill_value, _dtype.from_xp(native))
    try:
        array = _laid_out_like(_backend.xp.full(shape, fill_value, dtype=native), input, options)
    except (MemoryError, ValueError) as error:
        raise allocation_error(error, shape) from None
    return _leaf(array, requires_grad)
