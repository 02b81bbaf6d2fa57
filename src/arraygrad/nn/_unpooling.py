"""Max unpooling: the values max pooling kept, written back at the indices it returned (one
``index_put`` into zeros, so each value's gradient is the incoming gradient at its index)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from arraygrad import _backend, _dtype, _grad_mode, _inference, _shape, ops
from arraygrad._tensor import Tensor
from arraygrad.nn._common import constant
from arraygrad.nn._loss import _check

__all__ = ["max_unpool1d", "max_unpool2d", "max_unpool3d"]


def _unpool_size(
    input: Tensor,
    kernel: tuple[Any, ...],
    stride: tuple[Any, ...],
    padding: tuple[Any, ...],
    output_size: Any,
    n: int,
) -> list[int]:
    """PyTorch's ``_unpool_output_size``: the size max pooling came from, or ``output_size``
    (last ``k`` of ``k`` or ``k + 2`` sizes, ``k`` the kernel's) if within a stride of it. As
    in PyTorch's Python, the elements are used as given: a tensor among them makes its size a
    tensor, which the final check refuses."""
    k = len(kernel)
    try:
        # (torch's loop, over the kernel's elements: a shorter stride or padding, or fewer
        # input dimensions, is an IndexError)
        default = [
            (input.shape[d - k] - 1) * stride[d] + kernel[d] - 2 * padding[d] for d in range(k)
        ]
    except IndexError:
        raise IndexError(
            f"tuple index out of range (kernel_size has {k} elements, stride {len(stride)}, "
            f"padding {len(padding)}, the input {input.ndim} dimensions). Fix: give kernel_size, "
            "stride and padding one int each per spatial dimension (or one int for all)."
        ) from None
    sizes = default
    if output_size is not None:
        if len(output_size) == k + 2:
            output_size = output_size[2:]
        if len(output_size) != k:
            raise ValueError(
                f"output_size should be a sequence containing {k} or {k + 2} elements, but it "
                f"has a length of '{len(output_size)}'. Fix: pass output_size as the {k} "
                f"spatial sizes (or the full {k + 2}-D shape)."
            )
        for d in range(k):
            low, high = default[d] - stride[d], default[d] + stride[d]
            if not low < output_size[d] < high:
                raise ValueError(
                    f'invalid output_size "{output_size}" (dim {d} must be between {low} and '
                    f"{high}). Fix: pass sizes in that range (the ones max pooling would shrink "
                    "back to the input)."
                )
        sizes = list(output_size)
    for d, size in enumerate(sizes):
        if isinstance(size, Tensor):
            # (torch._check_value of a tensor condition)
            raise TypeError(
                "cond must be a bool, but got a Tensor. For tensor conditions, use "
                "torch._check_tensor_all() to assert that all elements are true. (max_unpool"
                f"{n}d: output size {d} computed from a tensor among the sizes.) Fix: pass "
                "ints, e.g. kernel_size.tolist()."
            )
        if size < 0:
            raise ValueError(
                "max_unpooling: output_size must contain non-negative spatial dimensions, but "
                f"got output_size[{d}]={size}. Fix: a smaller padding or a larger kernel_size "
                "or stride (the pooled input came from a size of at least 0)."
            )
    return [int(size) for size in sizes]


def _elements(value: Any, n: int) -> tuple[Any, ...]:
    """``value`` as PyTorch's ``_single`` / ``_pair`` / ``_triple`` read it: any sequence (a
    tensor too, a 0-d one a TypeError) as its elements, whatever their number; else ``n``
    copies of it."""
    if isinstance(value, Iterable):
        return tuple(value)
    return (value,) * n


def _max_unpool(
    input: Tensor,
    indices: Tensor,
    n: int,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    output_size: Any,
) -> Tensor:
    # PyTorch's max_unpool reads these in Python (_pair and kin), which keeps a sequence (a
    # tensor too) whatever its length, and computes the output size from them first
    kernel = _elements(kernel_size, n)
    steps = kernel if stride is None else _elements(stride, n)
    sizes = _unpool_size(input, kernel, steps, _elements(padding, n), output_size, n)
    # then its kernel's checks, in their order (max_unpool1d runs max_unpool2d's)
    if indices.dtype != _dtype.int64:
        raise RuntimeError(
            "elements in indices should be type int64 but got: "
            f"{_dtype.torch_type_name(indices.dtype)}. Fix: indices.long()."
        )
    if len(sizes) != n:
        wanted = (
            "three elements (depth, height, width)" if n == 3 else "two elements (height, width)"
        )
        raise RuntimeError(
            f"There should be exactly {wanted} in output_size, but got "
            f"{len(sizes) + (n == 1)} elements. (max_unpool{n}d: kernel_size {list(kernel)}.) "
            f"Fix: give kernel_size, stride and padding {n} ints each, or one int for all."
        )
    if input.ndim not in (n + 1, n + 2):
        raise RuntimeError(
            f"Input to max_unpooling{n}d should be a {n + 1}d or {n + 2}d Tensor, but got a "
            f"tensor with {input.ndim} dimensions."
            " Fix: pass input of shape (C, *spatial) or (N, C, *spatial)."
        )
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(
            "Expected shape of indices to be same as that of the input tensor "
            f"({list(input.shape)}) but got indices tensor with shape: {list(indices.shape)}"
            ". Fix: pass the indices the max pooling returned "
            "(return_indices=True) with this input."
        )
    if not input.dtype.is_floating_point:
        raise NotImplementedError(
            f"\"max_unpool{n}d\" not implemented for '{_dtype.torch_type_name(input.dtype)}'. "
            "Fix: convert the input with .float()."
        )
    if _grad_mode.inference_used:
        _inference.check_kept(indices, f"the indices of max_unpool{n}d", input)
    lead = tuple(input.shape[: input.ndim - n])
    planes, count, area = (
        math.prod(lead),
        math.prod(input.shape[input.ndim - n :]),
        math.prod(sizes),
    )
    xp = _backend.xp
    flat = xp.reshape(indices._data, (planes, count))
    # A step of the program under arraygrad.compile: each replay checks its own indices.
    _check(_raise_bad_index, flat, sizes)
    rows = xp.reshape(xp.arange(planes), (planes, 1))
    # Each value goes to its index in its own plane; the values are differentiable, the
    # zeros are not. A place written twice (overlapping windows) holds the same maximum.
    out = constant(xp.zeros((planes, area), dtype=input._data.dtype))
    values = _shape.reshape(input, (planes, count))
    out = ops.index_put(out, values, key=(xp.broadcast_to(rows, flat.shape), flat))
    return _shape.reshape(out, (*lead, *sizes))


def _raise_bad_index(flat: Any, sizes: tuple[int, ...]) -> None:
    xp, area = _backend.xp, math.prod(sizes)
    if flat.size and (int(xp.min(flat)) < 0 or int(xp.max(flat)) >= area):
        bad = int(xp.max(flat)) if int(xp.max(flat)) >= area else int(xp.min(flat))
        raise RuntimeError(
            f"Found an invalid max index: {bad} (output volumes are of size "
            f"{'x'.join(map(str, sizes))}). Fix: pass the indices max pooling returned, with "
            "its kernel_size, stride and padding."
        )


def max_unpool1d(
    input: Tensor,
    indices: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    output_size: Any = None,
) -> Tensor:
    """The inverse of :func:`max_pool1d` (see :func:`max_unpool2d`).

    Zeros of length ``(L - 1) stride - 2 padding + kernel_size`` (or ``output_size``) with each
    value at its index; an index out of range is a RuntimeError.

    >>> import arraygrad
    >>> F = arraygrad.nn.functional
    >>> x = arraygrad.tensor([[1.0, 4.0, 3.0, 2.0]])
    >>> values, indices = F.max_pool1d(x, 2, return_indices=True)
    >>> F.max_unpool1d(values, indices, 2)
    tensor([[0., 4., 3., 0.]])
    """
    return _max_unpool(input, indices, 1, kernel_size, stride, padding, output_size)


def max_unpool2d(
    input: Tensor,
    indices: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    output_size: Any = None,
) -> Tensor:
    """Partial inverse of :func:`max_pool2d`: zeros of the pooled-from size with each value at
    its ``indices`` (the flattened-plane indices ``return_indices=True`` gave).

    >>> import arraygrad
    >>> x = arraygrad.tensor([[[1.0, 4.0], [3.0, 2.0]]])
    >>> from arraygrad.nn.functional import max_pool2d
    >>> values, indices = max_pool2d(x, 2, return_indices=True)
    >>> max_unpool2d(values, indices, 2).tolist()
    [[[0.0, 4.0], [0.0, 0.0]]]
    """
    return _max_unpool(input, indices, 2, kernel_size, stride, padding, output_size)


def max_unpool3d(
    input: Tensor,
    indices: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    output_size: Any = None,
) -> Tensor:
    """The partial inverse of :func:`max_pool3d` (see :func:`max_unpool2d`): each index is
    into the flattened ``(D, H, W)`` volume.

    >>> import arraygrad
    >>> from arraygrad.nn.functional import max_pool3d
    >>> x = arraygrad.arange(8.0).reshape(1, 2, 2, 2)
    >>> values, indices = max_pool3d(x, 2, return_indices=True)
    >>> max_unpool3d(values, indices, 2).tolist()
    [[[[0.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, 7.0]]]]
    """
    return _max_unpool(input, indices, 3, kernel_size, stride, padding, output_size)
