"""Parameter initialisation (``arraygrad.nn.init``), with PyTorch's formulas and names.

Every function fills its tensor in place, without recording the write for autograd, and returns
it. The fan-based schemes scale by ``fan_in = size(1) * receptive field`` and
``fan_out = size(0) * receptive field`` of a weight of shape ``(out, in, *kernel)``.

>>> import arraygrad
>>> from arraygrad.nn import init
>>> w = init.constant_(arraygrad.empty(2, 2), 0.5)
>>> w.tolist()
[[0.5, 0.5], [0.5, 0.5]]
"""

from __future__ import annotations

import functools as _functools
import math
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING

from arraygrad import _backend, _comparison, _creation, _decompositions, _dtype, _math
from arraygrad._grad_mode import no_grad as _no_grad
from arraygrad._random_creation import generator_rng as _generator_rng
from arraygrad._random_creation import randperm as _randperm
from arraygrad._tensor import Tensor

if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "calculate_gain",
    "constant",
    "constant_",
    "dirac",
    "dirac_",
    "eye",
    "eye_",
    "kaiming_normal",
    "kaiming_normal_",
    "kaiming_uniform",
    "kaiming_uniform_",
    "normal",
    "normal_",
    "ones_",
    "orthogonal",
    "orthogonal_",
    "sparse",
    "sparse_",
    "trunc_normal_",
    "uniform",
    "uniform_",
    "xavier_normal",
    "xavier_normal_",
    "xavier_uniform",
    "xavier_uniform_",
    "zeros_",
]


def _fill(tensor: Tensor, values: Any) -> Tensor:
    # Written under no_grad: initialising a parameter is not part of any graph.
    with _no_grad():
        tensor.copy_(Tensor._wrap(values))
    return tensor


def _shape(tensor: Tensor) -> tuple[int, ...]:
    return tuple(tensor._data.shape)


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended scale of weights feeding ``nonlinearity``.

    ``linear``/``conv*``/``sigmoid``: 1; ``tanh``: 5/3; ``relu``: sqrt(2);
    ``leaky_relu``: sqrt(2 / (1 + slope**2)) (slope ``param``, default 0.01); ``selu``: 3/4.

    >>> calculate_gain("relu") == math.sqrt(2)
    True
    """
    linear = [
        "linear",
        "conv1d",
        "conv2d",
        "conv3d",
        "conv_transpose1d",
        "conv_transpose2d",
        "conv_transpose3d",
    ]
    if nonlinearity in linear or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            negative_slope = param
        else:
            raise ValueError(
                f"negative_slope {param} not a valid number"
                ". Fix: pass a number such as 0.01 (or None for the default)."
            )
        return math.sqrt(2.0 / (1 + negative_slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(
        f"Unsupported nonlinearity {nonlinearity}"
        ". Fix: pass one of 'linear', 'conv1d', 'conv2d', 'conv3d', "
        "'conv_transpose1d', 'conv_transpose2d', 'conv_transpose3d', "
        "'sigmoid', 'tanh', 'relu', 'leaky_relu', 'selu'."
    )


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight of shape ``(out, in, *kernel)``."""
    if tensor.dim() < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions"
            f", got shape {list(tensor.shape)}. Fix: initialise weights of"
            " 2 or more dimensions with this scheme; use e.g. "
            "init.uniform_ or init.zeros_ for biases."
        )
    shape = _shape(tensor)
    receptive_field = math.prod(shape[2:])
    return shape[1] * receptive_field, shape[0] * receptive_field


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(
            f"Mode {mode} not supported, please use one of fan_in, fan_out"
            ". Fix: pass mode='fan_in' or mode='fan_out'."
        )
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Tensor:
    """Fill with samples of U(a, b), drawn from ``generator`` (the global one by default).

    In place, outside autograd (a Parameter stays a leaf); returns ``tensor``. The draws equal
    PyTorch's for the same seed.

    >>> import arraygrad
    >>> _ = arraygrad.manual_seed(0)
    >>> arraygrad.nn.init.uniform_(arraygrad.empty(4), a=-1.0, b=1.0)
    tensor([-0.0075,  0.5364, -0.8230, -0.7359])
    """
    rng = _generator_rng(generator)
    return _fill(tensor, _backend.random_uniform(_shape(tensor), tensor._data.dtype, a, b, rng))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Any = None) -> Tensor:
    """Fill with samples of N(mean, std**2), drawn from ``generator`` (the global one by
    default).

    In place, outside autograd; returns ``tensor``. The draws equal PyTorch's for the same seed.

    >>> import arraygrad
    >>> _ = arraygrad.manual_seed(0)
    >>> arraygrad.nn.init.normal_(arraygrad.empty(4), mean=10.0, std=0.1)
    tensor([10.1541,  9.9707,  9.7821, 10.0568])
    """
    rng = _generator_rng(generator)
    return _fill(tensor, _backend.random_normal(_shape(tensor), tensor._data.dtype, mean, std, rng))


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``, in place and outside autograd; returns ``tensor``.

    >>> import arraygrad
    >>> w = arraygrad.nn.Parameter(arraygrad.empty(3))
    >>> arraygrad.nn.init.constant_(w, 2.0)
    Parameter containing:
    tensor([2., 2., 2.], requires_grad=True)
    """
    with _no_grad():
        tensor.fill_(val)
    return tensor


def ones_(tensor: Tensor) -> Tensor:
    """Fill with 1, in place and outside autograd; returns ``tensor``.

    >>> import arraygrad
    >>> arraygrad.nn.init.ones_(arraygrad.empty(3))
    tensor([1., 1., 1.])
    """
    return constant_(tensor, 1.0)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with 0, in place and outside autograd; returns ``tensor`` (e.g. a layer's bias).

    >>> import arraygrad
    >>> layer = arraygrad.nn.Linear(2, 2)
    >>> arraygrad.nn.init.zeros_(layer.bias)
    Parameter containing:
    tensor([0., 0.], requires_grad=True)
    """
    return constant_(tensor, 0.0)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D tensor with the identity matrix (ones on the diagonal, zeros elsewhere).

    Rectangular shapes get ones at ``[i, i]``; other ranks are a ValueError. In place.

    >>> import arraygrad
    >>> arraygrad.nn.init.eye_(arraygrad.empty(2, 3))
    tensor([[1., 0., 0.],
            [0., 1., 0.]])
    """
    if tensor.dim() != 2:
        raise ValueError(
            "Only tensors with 2 dimensions are supported"
            f", got shape {list(tensor.shape)}. Fix: pass a 2-D tensor (a "
            "matrix)."
        )
    rows, cols = _shape(tensor)
    return _fill(tensor, _backend.xp.eye(rows, cols, dtype=tensor._data.dtype))


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Glorot uniform: U(-a, a) with ``a = gain * sqrt(6 / (fan_in + fan_out))``.

    ``fan_in = size(1) * receptive field``, ``fan_out = size(0) * receptive field`` (the
    product of the dimensions after the second); fewer than 2 dimensions is a ValueError.

    >>> import arraygrad
    >>> _ = arraygrad.manual_seed(0)
    >>> arraygrad.nn.init.xavier_uniform_(arraygrad.empty(2, 3))
    tensor([[-0.0082,  0.5876, -0.9016],
            [-0.8062, -0.4219,  0.2938]])
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Glorot normal: N(0, std**2) with ``std = gain * sqrt(2 / (fan_in + fan_out))``.

    Fans as for :func:`xavier_uniform_`; at least 2 dimensions.

    >>> import arraygrad
    >>> _ = arraygrad.manual_seed(0)
    >>> arraygrad.nn.init.xavier_normal_(arraygrad.empty(2, 3))
    tensor([[ 0.9746, -0.1856, -1.3780],
            [ 0.3595, -0.6859, -0.8845]])
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float | None:
    if 0 in _shape(tensor):
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return None
    fan = _calculate_correct_fan(tensor, mode)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Any = None,
) -> Tensor:
    """He uniform: U(-bound, bound) with ``bound = gain * sqrt(3 / fan)``.

    ``a`` is the negative slope of a following leaky ReLU (``gain = calculate_gain``).
    ``fan`` is ``fan_in`` (keeps the forward variance) or ``fan_out`` (the backward's); a
    zero-element tensor is left alone with PyTorch's warning.

    >>> import arraygrad
    >>> _ = arraygrad.manual_seed(0)
    >>> arraygrad.nn.init.kaiming_uniform_(arraygrad.empty(2, 3), nonlinearity="relu")
    tensor([[-0.0106,  0.7586, -1.1640],
            [-1.0408, -0.5447,  0.3792]])
    """
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Any = None,
) -> Tensor:
    """He normal: N(0, std**2) with ``std = gain / sqrt(fan)``.

    ``gain = calculate_gain(nonlinearity, a)`` (``sqrt(2)`` for ReLU); ``fan`` is ``fan_in`` or
    ``fan_out`` by ``mode``.

    >>> import arraygrad
    >>> _ = arraygrad.manual_seed(0)
    >>> arraygrad.nn.init.kaiming_normal_(arraygrad.empty(2, 3), nonlinearity="relu")
    tensor([[ 1.2582, -0.2396, -1.7790],
            [ 0.4641, -0.8855, -1.1419]])
    """
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    return normal_(tensor, 0.0, std, generator)


def _norm_cdf(x: float) -> float:
    return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0


def trunc_normal_(
    tensor: Tensor,
    mean: float = 0.0,
    std: float = 1.0,
    a: float = -2.0,
    b: float = 2.0,
    generator: Any = None,
) -> Tensor:
    """Fill with samples of N(mean, std**2) truncated to ``[a, b]``, by rejection as PyTorch:
    normal draws redrawn where they fall outside when ``[a, b]`` holds over 30% of the mass,
    else uniform draws on ``[a, b]`` kept with probability ``pdf(x) / pdf(mode)``.

    >>> import arraygrad
    >>> w = trunc_normal_(arraygrad.empty(100), a=-0.5, b=0.5)
    >>> bool((w.abs() <= 0.5).all())
    True
    """
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn(
            "mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
            "The distribution of values may be incorrect.",
            stacklevel=2,
        )
    with _no_grad():
        # The bounds as the tensor's dtype holds them, so that what is kept lies within.
        lo, hi = (
            Tensor._wrap(_backend.asarray(v, dtype=tensor._data.dtype)).item() for v in (a, b)
        )
        result = Tensor._wrap(_backend.xp.empty(_shape(tensor), dtype=tensor._data.dtype))
        if _norm_cdf((b - mean) / std) - _norm_cdf((a - mean) / std) > 0.3:
            normal_(result, mean, std, generator)
            while True:
                pending = _comparison.logical_or(
                    _comparison.lt(result, lo), _comparison.gt(result, hi)
                )
                if not bool(pending.any()):
                    break
                result = _math.where(pending, normal_(result.clone(), mean, std, generator), result)
        else:
            log_peak = -0.5 * ((max(a, min(mean, b)) - mean) / std) ** 2
            pending = _creation.ones(_shape(tensor), dtype=_dtype.bool_)
            while bool(pending.any()):
                candidates = uniform_(result.clone(), a, b, generator)
                result = _math.where(pending, candidates, result)
                log_pdf = -0.5 * ((candidates - mean) / std) ** 2 - log_peak
                rejected = _comparison.gt(
                    uniform_(result.clone(), 0.0, 1.0, generator).log(), log_pdf
                )
                pending = _comparison.logical_and(pending, rejected)
        tensor.copy_(result)
    return tensor


def orthogonal_(tensor: Tensor, gain: float = 1, generator: Any = None) -> Tensor:
    """Fill with a (semi-)orthogonal matrix times ``gain``: the Q of the QR factorisation of a
    normal matrix, its columns' signs set by R's diagonal (so Q is uniform, Haar-distributed).
    Dimensions after the first are flattened into columns; with fewer rows than columns the
    rows are orthonormal.

    >>> import arraygrad
    >>> q = orthogonal_(arraygrad.empty(3, 3))
    >>> bool(((q @ q.T - arraygrad.eye(3)).abs() < 1e-5).all())
    True
    """
    if tensor.dim() < 2:
        raise ValueError(
            "Only tensors with 2 or more dimensions are supported"
            f", got shape {list(tensor.shape)}. Fix: pass a tensor of 2 or"
            " more dimensions."
        )
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    with _no_grad():
        flattened = normal_(
            Tensor._wrap(_backend.xp.empty((rows, cols), dtype=tensor._data.dtype)),
            0.0,
            1.0,
            generator,
        )
        if rows < cols:
            flattened = flattened.T
        q, r = _decompositions.linalg_qr(flattened)
        q = q * r.diagonal().sign()
        if rows < cols:
            q = q.T
        tensor.copy_(q.reshape(tensor.shape) * gain)
    return tensor


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill a 3-, 4- or 5-D convolution weight with the Dirac delta: a convolution that
    passes each input channel of every group through to one output channel (as many as
    ``min(out_channels / groups, in_channels)``), others zero.

    >>> import arraygrad
    >>> dirac_(arraygrad.empty(2, 2, 3))[:, :, 1].tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    dimensions = tensor.dim()
    if dimensions not in (3, 4, 5):
        raise ValueError(
            "Only tensors with 3, 4, or 5 dimensions are supported"
            f", got shape {list(tensor.shape)}. Fix: pass a convolution "
            "weight (out_channels, in_channels, *kernel)."
        )
    sizes = _shape(tensor)
    if sizes[0] % groups != 0:
        raise ValueError(
            "dim 0 must be divisible by groups"
            f", got dim 0 = {sizes[0]} and groups={groups}. Fix: pass a "
            "groups that divides dim 0."
        )
    per_group = sizes[0] // groups
    centre = tuple(size // 2 for size in sizes[2:])
    with _no_grad():
        tensor.zero_()
        for g in range(groups):
            for d in range(min(per_group, sizes[1])):
                tensor[(g * per_group + d, d, *centre)] = 1
    return tensor


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01, generator: Any = None) -> Tensor:
    """Fill a 2-D tensor with samples of N(0, std**2), then zero ``ceil(sparsity * rows)``
    randomly chosen elements of each column.

    >>> import arraygrad
    >>> w = sparse_(arraygrad.empty(4, 3), sparsity=0.5)
    >>> (w == 0).sum(0).tolist()
    [2, 2, 2]
    """
    if tensor.dim() != 2:
        raise ValueError(
            "Only tensors with 2 dimensions are supported"
            f", got shape {list(tensor.shape)}. Fix: pass a 2-D tensor (a "
            "matrix)."
        )
    rows, cols = _shape(tensor)
    num_zeros = math.ceil(sparsity * rows)
    with _no_grad():
        normal_(tensor, 0.0, std, generator)
        for col in range(cols):
            zero_rows = _randperm(rows, generator=generator)[:num_zeros]
            tensor[zero_rows, col] = 0
    return tensor


# PyTorch's deprecated names without the trailing underscore: they warn, then do the same.

# The arguments each deprecated name's docstring example passes (a 2-D tensor by default).
_EXAMPLE_ARGUMENTS = {
    "constant_": "arraygrad.empty(2, 2), 0.5",
    "dirac_": "arraygrad.empty(2, 2, 3)",
    "sparse_": "arraygrad.empty(2, 2), 0.5",
}


def _deprecated(method: Callable[..., Tensor]) -> Callable[..., Tensor]:
    new_name = method.__name__
    old_name = new_name[:-1]

    @_functools.wraps(method)
    def deprecated_init(*args: Any, **kwargs: Any) -> Tensor:
        warnings.warn(
            f"`nn.init.{old_name}` is now deprecated in favor of `nn.init.{new_name}`.",
            FutureWarning,
            stacklevel=2,
        )
        return method(*args, **kwargs)

    arguments = _EXAMPLE_ARGUMENTS.get(new_name, "arraygrad.empty(2, 2)")
    deprecated_init.__doc__ = f"""Deprecated (a FutureWarning): :func:`{new_name}`, which it calls.

    >>> import arraygrad, warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = arraygrad.nn.init.{old_name}({arguments})
    >>> print(caught[0].category.__name__, caught[0].message)
    FutureWarning `nn.init.{old_name}` is now deprecated in favor of `nn.init.{new_name}`.
    """
    deprecated_init.__name__ = old_name
    deprecated_init.__qualname__ = old_name
    return deprecated_init


uniform = _deprecated(uniform_)
normal = _deprecated(normal_)
constant = _deprecated(constant_)
eye = _deprecated(eye_)
dirac = _deprecated(dirac_)
xavier_uniform = _deprecated(xavier_uniform_)
xavier_normal = _deprecated(xavier_normal_)
kaiming_uniform = _deprecated(kaiming_uniform_)
kaiming_normal = _deprecated(kaiming_normal_)
orthogonal = _deprecated(orthogonal_)
sparse = _deprecated(sparse_)
