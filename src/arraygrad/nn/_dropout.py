"""``dropout``, the channel-wise ``dropout1d/2d/3d`` and the self-normalising
``alpha_dropout`` / ``feature_alpha_dropout``, drawing their masks from arraygrad's global
generator (``manual_seed``)."""

from __future__ import annotations

import math
import warnings

from arraygrad import _backend, _dtype, _inplace
from arraygrad._tensor import Tensor
from arraygrad.nn._common import constant

__all__ = [
    "alpha_dropout",
    "dropout",
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "feature_alpha_dropout",
]

_WIDE_FLOAT_IDS = _dtype.WIDE_FLOAT_IDS  # (the ids of the array dtypes of float32 and float64)


def _check_probability(p: float, error: type[Exception] = ValueError) -> None:
    """PyTorch's error for a dropout probability outside ``[0, 1]``: ValueError in
    ``nn.functional``, RuntimeError in the top-level functions (checked in C++)."""
    if not 0.0 <= p <= 1.0:
        raise error(
            f"dropout probability has to be between 0 and 1, but got {p}. Fix: pass p in [0, 1]."
        )


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the others by ``1 / (1 - p)``.

    Outside ``training`` (or with ``p = 0``) the input itself is returned; ``p = 1`` zeroes
    everything (the gradient is zero too).

    >>> import arraygrad
    >>> dropout(arraygrad.ones(3), p=0.5, training=False)
    tensor([1., 1., 1.])
    """
    _check_probability(p)
    if not training or p == 0 or input.numel() == 0:
        return input
    if p != 1 and id(input._data.dtype) not in _WIDE_FLOAT_IDS:
        _check_mask_dtype(input)
    # drawn as PyTorch draws empty_like(input).bernoulli_(1 - p): in input's memory order
    mask = _mask(tuple(input.shape), p, input._data.dtype, like=input._data)
    if inplace:
        return _inplace.apply(input, lambda x: x * mask)
    return input * mask


def _check_mask_dtype(input: Tensor) -> None:
    """PyTorch's errors for a dropout mask of ``input``'s dtype, drawn only for ``0 < p < 1``:
    its ``1 / (1 - p)`` scale is a float an integer or bool tensor cannot hold, and it has no
    Bernoulli sampler for complex tensors."""
    dtype = input.dtype
    if dtype.is_floating_point:
        return
    if dtype.is_complex:
        raise NotImplementedError(
            f"\"bernoulli_scalar_cpu_\" not implemented for '{_dtype.torch_type_name(dtype)}': "
            "dropout draws its mask in the input's dtype. Fix: drop out a real tensor, e.g. "
            "the real view arraygrad.view_as_real(z)."
        )
    raise RuntimeError(
        f"result type Float can't be cast to the desired output type "
        f"{_dtype.torch_type_name(dtype)}: dropout scales the kept elements by 1 / (1 - p). "
        "Fix: convert the input with .float()."
    )


def _mask(shape: tuple[int, ...], p: float, dtype: object, like: object = None) -> Tensor:
    """Zeros with probability ``p``, else ``1 / (1 - p)``, of ``shape`` (outside the graph),
    drawn in the memory order of the array ``like`` (of that shape) when one is given."""
    if p == 1:
        return constant(_backend.xp.zeros(shape, dtype=dtype))
    if like is None:
        keep = _backend.random_bernoulli(1.0 - p, shape, dtype)
    else:
        keep = _backend.drawn_in_memory_order(
            lambda order, _: _backend.random_bernoulli(1.0 - p, order, dtype), like
        )
    # A namespace call, not an operator on raw arrays: arraygrad.compile records the former.
    return constant(_backend.xp.multiply(keep, _backend.xp.asarray(1.0 / (1.0 - p), dtype=dtype)))


def _feature_dropout(input: Tensor, p: float, training: bool, inplace: bool) -> Tensor:
    """Zero whole channels: one draw per ``(batch, channel)`` of an ``(N, C, *)`` input."""
    if not training or p == 0 or input.numel() == 0:
        return input
    if p != 1 and id(input._data.dtype) not in _WIDE_FLOAT_IDS:
        _check_mask_dtype(input)
    if p == 1:
        mask = _mask(tuple(input.shape), p, input._data.dtype)  # any rank: all zeros
    elif input.ndim < 2:
        raise RuntimeError(
            "Feature dropout requires at least 2 dimensions in the input, but got input of "
            f"shape {list(input.shape)}. Fix: use dropout for element-wise dropout."
        )
    else:
        mask = _mask(tuple(input.shape[:2]) + (1,) * (input.ndim - 2), p, input._data.dtype)
    if inplace:
        return _inplace.apply(input, lambda x: x * mask)
    return input * mask


def _channel_dropout(
    input: Tensor, p: float, training: bool, inplace: bool, batched: bool
) -> Tensor:
    """Channel dropout of a batched input or of one example; ``p`` is checked by the caller."""
    if batched:
        return _feature_dropout(input, p, training, inplace)
    # An unbatched input is one example: a batch of one (a view, so inplace still writes it).
    out = _feature_dropout(input.unsqueeze(0), p, training, inplace)
    if inplace:
        return input
    return out.squeeze(0)


def dropout1d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:
    """Zero whole channels of an ``(N, C, L)`` or ``(C, L)`` input with probability ``p``,
    scaling the kept ones by ``1 / (1 - p)``.

    >>> import arraygrad
    >>> dropout1d(arraygrad.ones(2, 3), p=0.5, training=False).shape
    arraygrad.Size([2, 3])
    """
    _check_probability(p)
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. Note "
            "that dropout1d exists to provide channel-wise dropout on inputs with 1 spatial "
            "dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D "
            "inputs)."
            f" Fix: pass (N, C, L) or (C, L) input (got shape {list(input.shape)}); use "
            "dropout2d or dropout3d for more spatial dimensions."
        )
    return _channel_dropout(input, p, training, inplace, input.ndim == 3)


def _deprecated_rank(name: str, ndim: int, spatial: int) -> None:
    warnings.warn(
        f"{name}: Received a {ndim}-D input to {name}, which is deprecated and will result in "
        "an error in a future release. To retain the behavior and silence this warning, please "
        f"use dropout instead. Note that {name} exists to provide channel-wise dropout on "
        f"inputs with {spatial} spatial dimensions, a channel dimension, and an optional batch "
        f"dimension (i.e. {spatial + 1}D or {spatial + 2}D inputs).",
        stacklevel=3,
    )


def dropout2d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:
    """Zero whole channels of an ``(N, C, H, W)`` input with probability ``p``, scaling the
    kept ones by ``1 / (1 - p)``.

    As in PyTorch 2.13 a 3-D input is read as ``(N, C, L)`` (with a warning), not as one
    unbatched ``(C, H, W)`` example.

    >>> import arraygrad
    >>> dropout2d(arraygrad.ones(1, 2, 2, 2), p=0.0).sum().item()
    8.0
    """
    _check_probability(p)
    if input.ndim not in (3, 4):
        _deprecated_rank("dropout2d", input.ndim, 2)
    if input.ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
            "dropout behavior is desired - input is interpreted as shape (N, C, L), where C is "
            "the channel dim. This behavior will change in a future release to interpret the "
            "input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D "
            "channel-wise dropout behavior, please switch to using dropout1d instead.",
            stacklevel=2,
        )
    return _channel_dropout(input, p, training, inplace, True)


def dropout3d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:
    """Zero whole channels of an ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input with
    probability ``p``, scaling the kept ones by ``1 / (1 - p)``.

    >>> import arraygrad
    >>> dropout3d(arraygrad.ones(2, 1, 1, 1), p=0.5, training=False).sum().item()
    2.0
    """
    _check_probability(p)
    if input.ndim not in (4, 5):
        _deprecated_rank("dropout3d", input.ndim, 3)
    return _channel_dropout(input, p, training, inplace, input.ndim == 5)


# SELU's -scale * alpha: the value a dropped activation takes, so that dropping keeps SELU's
# self-normalising mean and variance.
_ALPHA_PRIME = 1.7580993408473766


def _alpha_dropout(input: Tensor, p: float, training: bool, inplace: bool, feature: bool) -> Tensor:
    _check_probability(p)
    if not training or p == 0 or input.numel() == 0:
        return input
    if not input.dtype.is_floating_point:
        raise RuntimeError(
            f"result type Float can't be cast to the desired output type "
            f"{_dtype.torch_type_name(input.dtype)}. Fix: convert the input with .float()."
        )
    dtype = input._data.dtype
    if p == 1:
        mask = _mask(tuple(input.shape), p, dtype)
        return _inplace.apply(input, lambda x: x * mask) if inplace else input * mask
    if feature and input.ndim < 2:
        raise RuntimeError(
            "Feature dropout requires at least 2 dimensions in the input, but got input of "
            f"shape {list(input.shape)}. Fix: use alpha_dropout for element-wise dropout."
        )
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2) if feature else tuple(input.shape)
    xp = _backend.xp
    keep = _backend.random_bernoulli(1.0 - p, shape, dtype)
    a = 1.0 / math.sqrt((_ALPHA_PRIME**2 * p + 1) * (1 - p))
    # kept: a * x + alpha' * a * p; dropped: -alpha' * a + alpha' * a * p (PyTorch's affine
    # correction, so that mean and variance are preserved).
    # (Namespace calls, not operators on raw arrays: arraygrad.compile records the former.)
    scale = constant(xp.multiply(keep, xp.asarray(a, dtype=dtype)))
    dropped = xp.subtract(keep, xp.asarray(1, dtype=dtype))
    shift = constant(
        xp.add(
            xp.multiply(dropped, xp.asarray(_ALPHA_PRIME * a, dtype=dtype)),
            xp.asarray(_ALPHA_PRIME * a * p, dtype=dtype),
        )
    )
    if inplace:
        return _inplace.apply(input, lambda x: x * scale + shift)
    return input * scale + shift


def alpha_dropout(
    input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False
) -> Tensor:
    """Dropout for SELU networks: dropped elements become SELU's saturation value and all are
    then moved by an affine map that keeps zero mean and unit variance. Note ``training``
    defaults to False, as in PyTorch.

    >>> import arraygrad
    >>> alpha_dropout(arraygrad.ones(3), 0.5).tolist()
    [1.0, 1.0, 1.0]
    """
    return _alpha_dropout(input, p, training, inplace, feature=False)


def feature_alpha_dropout(
    input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False
) -> Tensor:
    """:func:`alpha_dropout` of whole channels (one draw per ``(batch, channel)``).

    A dropped channel becomes ``-alpha'`` (SELU's saturation value ``-1.7581``), then every
    element moves by ``a x + b`` with ``a = ((1 - p)(1 + p alpha'^2))^(-1/2)`` and
    ``b = a alpha' p``, keeping zero mean and unit variance. ``training`` defaults to False, as
    in PyTorch: pass ``training=True`` to drop anything. At least 2-D input ``(N, C, *)``.

    >>> import arraygrad
    >>> _ = arraygrad.manual_seed(0)
    >>> arraygrad.nn.functional.feature_alpha_dropout(arraygrad.zeros(1, 3, 2), 0.5, training=True)
    tensor([[[-0.7792, -0.7792],
             [-0.7792, -0.7792],
             [ 0.7792,  0.7792]]])
    """
    return _alpha_dropout(input, p, training, inplace, feature=True)
