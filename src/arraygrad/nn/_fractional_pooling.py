"""Fractional max pooling (Graham, 2014): max pooling with pseudo-random, overlapping steps.

Each plane ``(n, c)`` has one random sample ``u`` in ``[0, 1)`` per spatial dimension; window
``i`` of a dimension starts at ``floor((i + u) * alpha) - floor(u * alpha)`` with ``alpha =
(size - k) / (out - 1)``, the last one at ``size - k``, computed in the input's dtype as PyTorch
does (so the same samples give the same windows). The windows of every plane are gathered by
their flat positions (one ``take_along``), each window's pick is PyTorch's (its last NaN, else
its first maximum) and its value is read with a second ``take_along``, so the gradient goes to
the picks alone through existing differentiable ops.
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad import _backend, _indexing, _random_creation, _shape
from arraygrad._tensor import Tensor
from arraygrad.nn._common import constant, ntuple
from arraygrad.nn._pooling import check_kernel_dtype, window_pick

__all__ = [
    "fractional_max_pool2d",
    "fractional_max_pool2d_with_indices",
    "fractional_max_pool3d",
    "fractional_max_pool3d_with_indices",
]

# Which sample of a plane drives which spatial dimension: PyTorch's 2-D kernel reads (W, H),
# its 3-D kernel (T, H, W).
_SAMPLE_OF_DIM = {2: (1, 0), 3: (0, 1, 2)}
# What PyTorch's messages call the pooled dimensions.
_DIM_NAMES = {2: ("height", "width"), 3: ("time", "height", "width")}


def _check_samples(samples: Tensor, x: Tensor, n: int) -> None:
    """PyTorch's checks of ``_random_samples`` against the batched input ``x``: its dtype, 3
    dimensions, at least one row per batch element, one per channel and ``n`` samples."""
    if samples.dtype != x.dtype:
        problem = (
            "Expect _random_samples to have the same dtype as input",
            f"the samples are {samples.dtype}, the input {x.dtype}",
        )
    elif samples.ndim != 3:
        problem = (
            f"Expect _random_samples to have 3 dimensions, got {samples.ndim}",
            f"their shape is {list(samples.shape)}",
        )
    elif samples.shape[0] < x.shape[0]:
        problem = (
            "Expect _random_samples.size(0) no less then input batch size.",
            f"{samples.shape[0]} rows for a batch of {x.shape[0]}",
        )
    elif samples.shape[1] != x.shape[1]:
        problem = (
            "Expect _random_samples.size(1) equals to input channel size.",
            f"{samples.shape[1]} against {x.shape[1]} channels",
        )
    elif samples.shape[2] != n:
        problem = (f"Expect _random_samples.size(2) equals to {n}; got {samples.shape[2]}.", "")
    else:
        return
    message = f"{problem[0]} ({problem[1]})." if problem[1] else problem[0]
    raise RuntimeError(
        f"{message} Fix: pass _random_samples of shape (batch, channels, {n}) in "
        "the input's dtype, or leave it out."
    )


def _starts(samples: Any, size: int, out: int, k: int) -> Any:
    """Window starts ``(N, C, out)`` of one dimension from its samples ``(N, C)``."""
    xp = _backend.xp
    dtype = samples.dtype
    if out == 0:  # an output_ratio that rounds down to 0: an empty result, as in PyTorch
        return xp.zeros(tuple(samples.shape) + (0,), dtype=xp.int64)
    if out == 1:
        return xp.full(tuple(samples.shape) + (1,), size - k, dtype=xp.int64)
    # (Namespace calls, not operators on raw arrays: arraygrad.compile records the former.)
    alpha = xp.divide(xp.asarray(size - k, dtype=dtype), xp.asarray(out - 1, dtype=dtype))
    steps = xp.astype(xp.arange(out - 1), dtype)
    u = xp.expand_dims(samples, axis=-1)
    # astype to int truncates toward zero, as C++'s static_cast<int> (all values are >= 0).
    starts = xp.subtract(
        xp.astype(xp.multiply(xp.add(steps, u), alpha), xp.int64),
        xp.astype(xp.multiply(u, alpha), xp.int64),
    )
    last = xp.full(tuple(samples.shape) + (1,), size - k, dtype=xp.int64)
    return xp.concat([starts, last], axis=-1)


def _fractional_max_pool(
    input: Tensor,
    n: int,
    kernel_size: Any,
    output_size: Any,
    output_ratio: Any,
    random_samples: Tensor | None,
) -> tuple[Tensor, Tensor]:
    name = f"fractional_max_pool{n}d"
    if output_size is None and output_ratio is None:
        raise ValueError(
            f"{name} requires specifying either an output_size or an output_ratio. Fix: pass "
            "output_size=... or output_ratio=... (in (0, 1))."
        )
    if random_samples is None and input.ndim < n + 1:
        # PyTorch reads the channel size input.size(-n - 1) to draw the samples.
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-input.ndim}, "
            f"{input.ndim - 1}], but got {-n - 1}). Fix: {name} takes {n + 1}-D or {n + 2}-D "
            "input."
        )
    if random_samples is None:
        # PyTorch draws the samples in the input's dtype before any other check (so an integer
        # input fails in rand).
        batch = 1 if input.ndim == n + 1 else input.shape[0]
        random_samples = _random_creation.rand(batch, input.shape[-n - 1], n, dtype=input.dtype)
    # PyTorch's own checks, in its order: the input's shape, the windows, the samples, then
    # the dtype (in its kernel).
    where = f"{name}()" if n == 2 else "fractional_max_pool3d_out()"
    if input.ndim not in (n + 1, n + 2):
        raise RuntimeError(
            f"{where}: Expected {n + 1}D or {n + 2}D tensor, but got: {list(input.shape)}. Fix: "
            f"give it {n + 1} dimensions (channels and {n} pooled ones) or a batch of them."
        )
    for axis in range(1, input.ndim):
        if not input.shape[axis]:
            raise RuntimeError(
                f"{where}: Expected input to have non-zero size for non-batch dimensions, but "
                f"got{list(input.shape)} with dimension {axis} being empty. Fix: only the batch "
                "may be empty."
            )
    sizes = tuple(input.shape[input.ndim - n :])
    kernel = ntuple(kernel_size, n, "kernel_size")
    if output_size is None:
        ratios = (output_ratio,) * n if isinstance(output_ratio, (int, float)) else output_ratio
        if len(ratios) == 1:
            ratios = tuple(ratios) * n
        if len(ratios) != n:
            raise ValueError(
                f"{name} requires output_ratio to either be a single Int or tuple of Ints, but "
                f"got {output_ratio}"
                f". Fix: pass one ratio, or {n} ratios (one per spatial dimension)."
            )
        outs = tuple(int(size * r) for size, r in zip(sizes, ratios, strict=True))
    else:
        outs = ntuple(output_size, n, "output_size")
    # PyTorch's 3-D kernel also refuses windows that would just reach the last element.
    reach = 0 if n == 2 else 1
    for label, size, out, k in zip(_DIM_NAMES[n], sizes, outs, kernel, strict=True):
        if out + k - 1 + reach > size or k <= 0 or out < 0:
            raise RuntimeError(
                f"{where}: pool {label} {k} too large relative to input {label} {size}. Fix: a "
                f"smaller kernel or output size (the output {label} is {out})."
            )
    batched = input.ndim == n + 2
    x = input if batched else _shape.unsqueeze(input, 0)
    batch, channels = x.shape[0], x.shape[1]
    _check_samples(random_samples, x, n)
    check_kernel_dtype(input, f"{name}_out_frame")
    # (PyTorch lets the samples have more rows than the batch, and reads the first ones)
    random_samples = random_samples[:batch]
    xp = _backend.xp
    samples = random_samples._data
    # Index arithmetic on arrays that depend on the data (samples, picks) goes through xp's
    # functions, not operators: arraygrad.compile records those calls, where an operator's
    # result would be replayed as a constant.
    # Flat positions in the plane of every window element: (N, C, *outs, *kernel).
    flat = xp.zeros((batch, channels) + (1,) * (2 * n), dtype=xp.int64)
    stride = 1
    for d in reversed(range(n)):
        part = xp.getitem(samples, (Ellipsis, _SAMPLE_OF_DIM[n][d]))  # recorded, unlike [...]
        starts = _starts(part, sizes[d], outs[d], kernel[d])
        shape = [batch, channels] + [1] * (2 * n)
        shape[2 + d] = outs[d]
        offsets = [1] * (2 + 2 * n)
        offsets[2 + n + d] = kernel[d]
        positions = xp.add(
            xp.reshape(starts, tuple(shape)), xp.reshape(xp.arange(kernel[d]), tuple(offsets))
        )
        flat = xp.add(flat, xp.multiply(positions, xp.asarray(stride, dtype=xp.int64)))
        stride *= sizes[d]
    count, window = math.prod(outs), math.prod(kernel)
    flat = xp.reshape(
        xp.broadcast_to(flat, (batch, channels) + outs + kernel), (batch, channels, count * window)
    )
    plane = _shape.reshape(x, (batch, channels, math.prod(sizes)))
    windows = _indexing.take_along(plane, flat, 2)
    windows = _shape.reshape(windows, (batch, channels, count, window))
    pick = window_pick(windows._data)
    values = _indexing.take_along(windows, pick, 3)
    rows = xp.multiply(
        xp.reshape(xp.arange(batch * channels * count), (batch, channels, count, 1)), window
    )
    indices = xp.take(xp.reshape(flat, (-1,)), xp.reshape(xp.add(rows, pick), (-1,)))
    out_shape = (batch, channels) + outs
    values = _shape.reshape(values, out_shape)
    index_tensor = constant(xp.reshape(indices, out_shape))
    if not batched:
        values, index_tensor = _shape.squeeze(values, 0), _shape.squeeze(index_tensor, 0)
    return values, index_tensor


def fractional_max_pool2d_with_indices(
    input: Tensor,
    kernel_size: Any,
    output_size: Any = None,
    output_ratio: Any = None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """:func:`fractional_max_pool2d` and each maximum's index in the flattened plane.

    Returns ``(values, indices)`` whatever ``return_indices`` says; index ``h * W + w``.

    >>> import arraygrad
    >>> F = arraygrad.nn.functional
    >>> x = arraygrad.arange(16.0).reshape(1, 4, 4)
    >>> samples = arraygrad.zeros(1, 1, 2)
    >>> F.fractional_max_pool2d_with_indices(x, 2, output_size=2, _random_samples=samples)[1]
    tensor([[[ 5,  7],
             [13, 15]]])
    """
    return _fractional_max_pool(input, 2, kernel_size, output_size, output_ratio, _random_samples)


def fractional_max_pool2d(
    input: Tensor,
    kernel_size: Any,
    output_size: Any = None,
    output_ratio: Any = None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
) -> Any:
    """Fractional max pooling of the last two dimensions to ``output_size`` (or ``output_ratio``
    times the input size): ``kernel_size`` windows at pseudo-random steps, one draw per plane
    from ``arraygrad``'s generator unless ``_random_samples (N, C, 2)`` gives them.

    >>> import arraygrad
    >>> x = arraygrad.arange(16.0).reshape(1, 4, 4)
    >>> fractional_max_pool2d(x, 2, output_size=2, _random_samples=arraygrad.zeros(1, 1, 2))
    tensor([[[ 5.,  7.],
             [13., 15.]]])
    """
    values, indices = _fractional_max_pool(
        input, 2, kernel_size, output_size, output_ratio, _random_samples
    )
    return (values, indices) if return_indices else values


def fractional_max_pool3d_with_indices(
    input: Tensor,
    kernel_size: Any,
    output_size: Any = None,
    output_ratio: Any = None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """:func:`fractional_max_pool3d` and each maximum's index in the flattened volume.

    Returns ``(values, indices)`` whatever ``return_indices`` says; index ``(d H + h) W + w``.

    >>> import arraygrad
    >>> F = arraygrad.nn.functional
    >>> x = arraygrad.arange(8.0).reshape(1, 2, 2, 2)
    >>> samples = arraygrad.zeros(1, 1, 3)
    >>> F.fractional_max_pool3d_with_indices(x, 1, output_size=1, _random_samples=samples)
    (tensor([[[[7.]]]]), tensor([[[[7]]]]))
    """
    return _fractional_max_pool(input, 3, kernel_size, output_size, output_ratio, _random_samples)


def fractional_max_pool3d(
    input: Tensor,
    kernel_size: Any,
    output_size: Any = None,
    output_ratio: Any = None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
) -> Any:
    """Fractional max pooling of the last three dimensions (see
    :func:`fractional_max_pool2d`; ``_random_samples`` has shape ``(N, C, 3)``).

    >>> import arraygrad
    >>> x = arraygrad.arange(8.0).reshape(1, 2, 2, 2)
    >>> fractional_max_pool3d(x, 1, output_size=1, _random_samples=arraygrad.zeros(1, 1, 3))
    tensor([[[[7.]]]])
    """
    values, indices = _fractional_max_pool(
        input, 3, kernel_size, output_size, output_ratio, _random_samples
    )
    return (values, indices) if return_indices else values
