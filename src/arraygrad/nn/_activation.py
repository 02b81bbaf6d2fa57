"""Activation functions, composed from arraygrad's element-wise ops.

None has a VJP of its own: each is a plain function of differentiable ops, arranged so that the
derivative PyTorch uses at kinks comes out of the composition and so that no branch of a
``where`` can overflow (a discarded ``inf`` would still turn a zero gradient into ``nan``).
The hard and shrinking activations (``hardsigmoid``, ``hardswish``, ``hardshrink``,
``softshrink``, ``tanhshrink``, ``threshold``) are in ``_piecewise_activation``.
"""

from __future__ import annotations

import functools
import math
import warnings
from typing import Any

from arraygrad import (
    _autocast_flag,
    _clamp,
    _dtype,
    _inplace,
    _math,
    _reduced_floats,
    _shape,
    _splitting,
    _unary,
)
from arraygrad._dims import normalize_dim
from arraygrad._out import written_exactly, written_same
from arraygrad._primitive import labelled, labelled_result
from arraygrad._tensor import Tensor
from arraygrad.nn._softmax_functions import log_softmax, softmax, softmin

__all__ = [
    "celu",
    "celu_",
    "elu",
    "elu_",
    "gelu",
    "glu",
    "hardtanh",
    "hardtanh_",
    "leaky_relu",
    "leaky_relu_",
    "log_softmax",
    "logsigmoid",
    "mish",
    "prelu",
    "relu",
    "relu6",
    "relu_",
    "selu",
    "selu_",
    "sigmoid",
    "silu",
    "softmax",
    "softmin",
    "softplus",
    "softsign",
    "tanh",
]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
# (the ids of the array dtypes of float32 and float64: an input of one of them skips the
# dtype checks of the activations that refuse other dtypes)
_WIDE_FLOAT_IDS = _dtype.WIDE_FLOAT_IDS


def require_floating(kernel: str, input: Tensor, complex_ok: bool = False) -> None:
    """PyTorch's NotImplementedError, naming its ``kernel``, for an activation of an integer or
    bool tensor (and of a complex one unless ``complex_ok``): its kernels have no such loops,
    where the composition here would quietly compute in float32.

    float32 and float64 pass on one dict lookup; anything that is not a tensor passes on to the
    function's own argument checks.
    """
    try:
        if id(input._data.dtype) in _WIDE_FLOAT_IDS:
            return
    except AttributeError:
        return
    if input.dtype.is_floating_point or (complex_ok and input.dtype.is_complex):
        return
    raise _unary.not_implemented(kernel, input, "convert it first (x.float()).")


def _maybe_inplace(
    input: Tensor,
    inplace: bool,
    fn: Any,
    *args: Any,
    kernel: str | None = None,
    complex_ok: bool = False,
) -> Tensor:
    """``fn(input, *args)``, in place if asked; ``kernel`` names PyTorch's kernel of an
    activation of floats only (:func:`require_floating`)."""
    if input.__class__ is not Tensor or id(input._data.dtype) not in _WIDE_FLOAT_IDS:
        # (not float32 or float64, the common case that pays only this test)
        if kernel is not None:
            require_floating(kernel, input, complex_ok)
        if _reduced_floats.is_reduced(input):
            # float16, bfloat16: PyTorch's one kernel computes in float32 and rounds once
            fn = functools.partial(_reduced_floats.in_float32, fn)
    if inplace:
        return _inplace.apply(input, fn, *args)
    return fn(input, *args)


def _named(name: str, input: Tensor, inplace: bool, fn: Any, *args: Any, **dtypes: Any) -> Tensor:
    """:func:`_maybe_inplace` (``dtypes``: its ``kernel`` and ``complex_ok``), its result
    named ``name`` as PyTorch's kernel names it (``EluBackward0``) rather than after the
    composition's last primitive; the in-place form keeps the name its write gives it."""
    result = _maybe_inplace(input, inplace, fn, *args, **dtypes)
    return result if inplace else labelled(result, name)


def _stable_softplus(z: Tensor) -> Tensor:
    """``log(1 + exp(z))`` for any ``z``: ``max(z, 0) + log1p(exp(-|z|))``.

    ``-|z|`` is written ``where(z > 0, -z, z)`` (slope 1 at 0) rather than ``-abs(z)`` (slope 0
    at 0) so that the composition's derivative at ``z = 0`` is the true ``sigmoid(0) = 0.5``.
    """
    negative_magnitude = _math.where(z > 0, -z, z)
    return _math.relu(z) + _unary.log1p(_math.exp(negative_magnitude))


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(input, 0)``; the gradient at 0 is 0, as in PyTorch.

    >>> import arraygrad
    >>> relu(arraygrad.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """
    return _maybe_inplace(input, inplace, _math.relu)


def _hardtanh(input: Tensor, min_val: float, max_val: float) -> Tensor:
    # PyTorch passes the gradient strictly inside (min_val, max_val); clamp would pass it at the
    # bounds too, so the clamped value enters detached and only the interior carries gradient.
    inside = (input > min_val) & (input < max_val)
    return _math.where(inside, input, _clamp.clamp(input.detach(), min_val, max_val))


def hardtanh(
    input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False
) -> Tensor:
    """``clamp(input, min_val, max_val)``, with zero gradient at and beyond the bounds.

    >>> import arraygrad
    >>> hardtanh(arraygrad.tensor([-2.0, 0.5, 3.0]))
    tensor([-1.0000,  0.5000,  1.0000])
    """
    if min_val > max_val:
        raise ValueError(
            f"min_val cannot be greater than max_val (got min_val={min_val}, max_val={max_val})"
            ". Fix: pass min_val <= max_val (swap them)."
        )
    return _hardtanh_named(input, min_val, max_val, inplace)


def _hardtanh_named(input: Tensor, min_val: float, max_val: float, inplace: bool) -> Tensor:
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        min_val, max_val = _integer_limits(input.dtype, min_val, max_val)
    return _named("HardtanhBackward0", input, inplace, _hardtanh, min_val, max_val)


def _integer_limits(dt: _dtype.dtype, min_val: float, max_val: float) -> tuple[int, int]:
    """hardtanh's limits for an integer tensor of dtype ``dt`` as PyTorch's kernel reads them:
    int64s (truncated toward 0), so the result keeps ``dt`` (``hardtanh(int64, -2.5, 2.5)``
    clamps to [-2, 2]); refused on bool, and on uint8 where one is negative."""
    if dt is _dtype.bool_:
        raise RuntimeError(
            "Bool inputs not supported for hardtanh. Fix: convert the tensor first (x.float() "
            "or x.long())."
        )
    low, high = (int(_dtype.checked_scalar(v, _dtype.int64)) for v in (min_val, max_val))
    if dt is _dtype.uint8 and (low < 0 or high < 0):
        raise RuntimeError(
            "cannot do hardtanh on an unsigned type with negative limits: min_val="
            f"{min_val}, max_val={max_val} for a uint8 tensor. Fix: give limits of at least 0 "
            "(relu6's 0 and 6), or convert the tensor first (x.long())."
        )
    return low, high


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(input, 0), 6)`` elementwise (``hardtanh(input, 0, 6)``).

    The gradient is 1 strictly between 0 and 6 and 0 at both kinks, as in PyTorch. Integer
    tensors stay integer.

    >>> import arraygrad
    >>> arraygrad.nn.functional.relu6(arraygrad.tensor([-1.0, 3.0, 8.0]))
    tensor([0., 3., 6.])
    """
    return hardtanh(input, 0.0, 6.0, inplace)


def _leaky_relu(input: Tensor, negative_slope: float) -> Tensor:
    return _math.where(input > 0, input, input * negative_slope)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``input`` where positive, else ``negative_slope * input`` (slope ``negative_slope`` at 0).

    >>> import arraygrad
    >>> leaky_relu(arraygrad.tensor([-2.0, 3.0]), 0.5)
    tensor([-1.,  3.])
    """
    return _named(
        "LeakyReluBackward0", input, inplace, _leaky_relu, negative_slope, kernel="leaky_relu_cpu"
    )


def _elu(input: Tensor, alpha: float, scale: float, input_scale: float = 1.0) -> Tensor:
    # PyTorch's ELU family: elu, selu (scale) and celu (input_scale 1 / alpha).
    # At 0 PyTorch's first derivative is the exponential side's, alpha * scale * input_scale
    # (its backward tests input <= 0), but its double backward masks with input < 0, so every
    # higher derivative there is the linear side's, 0. The composition gets both by giving 0 to
    # the linear side (where() tests input < 0) with the missing slope added there as
    # gap * min(input, 0): a term that is 0 everywhere on that side and has slope gap at 0 only.
    # exp() sees min(input, 0) only: the branch where() discards can never overflow. nan takes
    # the positive side (gradient ``scale``), as in PyTorch.
    gap = alpha * scale * input_scale - scale
    # The bound's zero has gap's opposite sign, so gap * bound is -0.0 and input = -0.0 keeps
    # its sign (as in PyTorch); for elu with alpha 1 and for celu the gap is 0 and never added.
    clamped = _clamp.clamp(input, max=-0.0 if gap > 0 else 0.0)
    negative_input = clamped * input_scale if input_scale != 1.0 else clamped
    negative = _unary.expm1(negative_input)
    if alpha * scale != 1.0:  # (times 1.0 is a pass for nothing: elu's default)
        negative = negative * (alpha * scale)
    positive = input * scale if scale != 1.0 else input
    if gap != 0:
        positive = positive + clamped * gap
    return _math.where(input < 0, negative, positive)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``input`` where positive, else ``alpha * (exp(input) - 1)``.

    >>> import arraygrad
    >>> elu(arraygrad.tensor([0.0, 2.0]))
    tensor([0., 2.])
    """
    return _named("EluBackward0", input, inplace, _elu, alpha, 1.0, kernel="elu_cpu")


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """``scale * elu(input, alpha)`` with Klambauer et al.'s self-normalising constants
    ``alpha = 1.6732632423543772``, ``scale = 1.0507009873554805``.

    The gradient at 0 is ``scale * alpha`` (the left branch's), as in PyTorch; floating-point
    input only.

    >>> import arraygrad
    >>> arraygrad.nn.functional.selu(arraygrad.tensor([-1.0, 0.0, 1.0]))
    tensor([-1.1113,  0.0000,  1.0507])
    """
    return _named("EluBackward0", input, inplace, _elu, _SELU_ALPHA, _SELU_SCALE, kernel="elu_cpu")


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``input`` where positive, else ``alpha * (exp(input / alpha) - 1)``: an ELU whose slope
    at 0 is 1 from both sides for any ``alpha``.

    >>> import arraygrad
    >>> celu(arraygrad.tensor([-2.0, 3.0]), alpha=2.0)
    tensor([-1.2642,  3.0000])
    """
    if alpha == 0:
        raise RuntimeError(
            "ZeroDivisionError: alpha cannot be 0 for CELU (it divides the input). Fix: pass a "
            "non-zero alpha, e.g. the default 1.0."
        )
    return _named("CeluBackward0", input, inplace, _elu, alpha, 1.0, 1.0 / alpha, kernel="elu_cpu")


@labelled_result("GeluBackward0")
def gelu(input: Tensor, approximate: str = "none", *, out: Tensor | None = None) -> Tensor:
    """``input * Phi(input)``, Phi the standard normal CDF: ``0.5 x (1 + erf(x / sqrt 2))``.

    ``approximate="tanh"`` uses ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``. ``out``:
    of the input's dtype only, as PyTorch's (so too for ``softplus``, ``hardshrink`` and
    ``softshrink``).

    >>> import arraygrad
    >>> gelu(arraygrad.tensor([0.0]))
    tensor([0.])
    """
    if out is not None:
        return written_same("gelu", out, gelu, input, approximate)
    if approximate not in ("none", "tanh"):
        raise RuntimeError(
            f"approximate argument must be either none or tanh, but got {approximate!r}."
            " Fix: pass approximate='none' (exact) or approximate='tanh'."
        )
    require_floating("GeluKernelImpl", input)
    if _reduced_floats.is_reduced(input):  # PyTorch's one kernel: in float32, rounded once
        return _reduced_floats.in_float32(gelu, input, approximate)  # type: ignore[no-any-return]
    if approximate == "tanh":
        inner = (input + input * input * input * 0.044715) * math.sqrt(2.0 / math.pi)
        return input * 0.5 * (_math.tanh(inner) + 1.0)
    return input * 0.5 * (_unary.erf(input * (1.0 / math.sqrt(2.0))) + 1.0)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``input * sigmoid(input)`` elementwise (also called swish); floating-point or complex input.

    >>> import arraygrad
    >>> arraygrad.nn.functional.silu(arraygrad.tensor([-1.0, 0.0, 1.0]))
    tensor([-0.2689,  0.0000,  0.7311])
    """
    return _named("SiluBackward0", input, inplace, _silu, kernel="silu_cpu", complex_ok=True)


def _silu(x: Tensor) -> Tensor:
    return x * _math.sigmoid(x)


def _softplus(input: Tensor, beta: float, threshold: float) -> Tensor:
    scaled = input * beta if beta != 1 else input
    smooth = _stable_softplus(scaled)
    if beta != 1:
        smooth = smooth / beta
    # Above the threshold PyTorch returns the input itself (gradient 1).
    return _math.where(scaled > threshold, input, smooth)


@labelled_result("SoftplusBackward0")
def softplus(
    input: Tensor, beta: float = 1.0, threshold: float = 20.0, *, out: Tensor | None = None
) -> Tensor:
    """``log(1 + exp(beta * input)) / beta``, and ``input`` itself where ``beta * input``
    exceeds ``threshold``. Finite for any input (no ``exp`` of a large positive number).

    >>> import arraygrad
    >>> softplus(arraygrad.tensor([0.0, 1e4]))
    tensor([6.9315e-01, 1.0000e+04])
    """
    if out is not None:
        return written_same("softplus", out, softplus, input, beta, threshold)
    require_floating("softplus_cpu", input)
    if _reduced_floats.is_reduced(input):  # PyTorch's one kernel: in float32, rounded once
        return _reduced_floats.in_float32(_softplus, input, beta, threshold)  # type: ignore[no-any-return]
    return _softplus(input, beta, threshold)


def check_log_sigmoid(input: Tensor) -> None:
    """PyTorch's refusal of a ``log_sigmoid`` of integers, bools or complex numbers."""
    if not input.dtype.is_floating_point:
        fix = "convert the logits to a floating-point dtype, e.g. input.float()."
        raise _unary.not_implemented("log_sigmoid_cpu", input, fix)


@labelled_result("LogSigmoidBackward0")
def logsigmoid(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``log(sigmoid(input)) = -softplus(-input)`` elementwise, finite for any input. ``out``:
    of the input's dtype only, as PyTorch's (its kernel ``log_sigmoid_forward`` checks no
    memory overlap).

    Computed as ``-softplus(-x)``, so very negative inputs give about ``x`` where
    ``log(sigmoid(x))`` would be ``log(0)``. Floating-point input only.

    >>> import arraygrad
    >>> arraygrad.nn.functional.logsigmoid(arraygrad.tensor([-200.0, 0.0]))
    tensor([-200.0000,   -0.6931])
    """
    if out is not None:
        # (its kernel resizes out silently, where the others warn of a non-empty one)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "An output with one or more elements was resized")
            return written_exactly("log_sigmoid_forward", out, _logsigmoid_into, out, input)
    if id(input._data.dtype) not in _WIDE_FLOAT_IDS:
        check_log_sigmoid(input)
    if _reduced_floats.is_reduced(input):  # PyTorch's one kernel: in float32, rounded once
        return _reduced_floats.in_float32(logsigmoid, input)  # type: ignore[no-any-return]
    # 0 - s, not -s: +0 where s is 0 (large x), as PyTorch's min(x, 0) - log1p(exp(-|x|))
    return 0.0 - _stable_softplus(-input)


def _logsigmoid_into(out: Tensor, input: Tensor) -> Tensor:
    result = logsigmoid(input)
    if result.dtype is not out.dtype:  # (its kernel's own check and wording, first)
        raise RuntimeError(
            f"expected scalar type {_dtype.torch_type_name(result.dtype)} but found "
            f"{_dtype.torch_type_name(out.dtype)}. Fix: give logsigmoid() an out tensor of "
            f"dtype {result.dtype}."
        )
    return result


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``input * tanh(softplus(input))`` elementwise, softplus computed without overflow.

    Floating-point input only.

    >>> import arraygrad
    >>> arraygrad.nn.functional.mish(arraygrad.tensor([0.0, 1.0]))
    tensor([0.0000, 0.8651])
    """
    return _named("MishBackward0", input, inplace, _mish, kernel="mish_cpu")


def _mish(x: Tensor) -> Tensor:
    return x * _math.tanh(_stable_softplus(x))


def softsign(input: Tensor) -> Tensor:
    """``input / (1 + |input|)`` elementwise, in (-1, 1); gradient ``1 / (1 + |input|)^2``.

    Integers are promoted to the default float dtype.

    >>> import arraygrad
    >>> arraygrad.nn.functional.softsign(arraygrad.tensor([-3.0, 0.0, 1.0]))
    tensor([-0.7500,  0.0000,  0.5000])
    """
    return input / (_math.abs(input) + 1.0)


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent elementwise, in (-1, 1); gradient ``1 - tanh(input)^2``.

    Saturates to exactly +-1 for large ``|input|``; integers are promoted to the default float.

    >>> import arraygrad
    >>> arraygrad.nn.functional.tanh(arraygrad.tensor([0.0, 1000.0]))
    tensor([0., 1.])
    """
    return _math.tanh(input)


def sigmoid(input: Tensor) -> Tensor:
    """The logistic function ``1 / (1 + exp(-input))`` elementwise, in [0, 1].

    Saturates to exactly 0 or 1 for large ``|input|``; gradient ``sigmoid(x) * (1 - sigmoid(x))``.
    Integers are promoted to the default float dtype.

    >>> import arraygrad
    >>> arraygrad.nn.functional.sigmoid(arraygrad.tensor([-1.0, 0.0, 100.0]))
    tensor([0.2689, 0.5000, 1.0000])
    """
    return _math.sigmoid(input)


# --- in-place forms: PyTorch's F.relu_(x) and friends, f(x, ..., inplace=True) by name


def relu_(input: Tensor) -> Tensor:
    """In place: :func:`relu`."""
    return relu(input, inplace=True)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In place: :func:`elu`."""
    return elu(input, alpha, inplace=True)


def selu_(input: Tensor) -> Tensor:
    """In place: :func:`selu`."""
    return selu(input, inplace=True)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In place: :func:`celu`."""
    return celu(input, alpha, inplace=True)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """In place: :func:`leaky_relu`."""
    return leaky_relu(input, negative_slope, inplace=True)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """In place: :func:`hardtanh`, without its ``min_val <= max_val`` check: PyTorch's goes
    straight to the kernel, which clamps every element to ``max_val`` when ``min_val`` is
    greater.

    >>> import arraygrad
    >>> hardtanh_(arraygrad.tensor([-2.0, 0.5, 3.0]), 1.0, 0.0)
    tensor([0., 0., 0.])
    """
    return _hardtanh_named(input, min_val, max_val, True)


# --- parametric and gated activations ------------------------------------------------------------


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``max(0, x) + weight * min(0, x)``, one ``weight`` for all channels or one per channel
    (dimension 1; an input of fewer than 2 dimensions has one channel).

    As in PyTorch the slope at 0 is ``weight`` and input and weight must share a dtype.

    >>> import arraygrad
    >>> prelu(arraygrad.tensor([-2.0, 3.0]), arraygrad.tensor([0.25]))
    tensor([-0.5000,  3.0000])
    """
    if _autocast_flag.cpu:  # PyTorch's CPU autocast casts prelu to its dtype
        from arraygrad.amp import _casts

        return _casts.lower(prelu, input, weight)
    if input.ndim == 0 and weight.numel() != 1:
        raise RuntimeError(
            "Not allow zero-dim input tensor. Fix: give the input a channel dimension, or a "
            f"single weight (got {weight.numel()})."
        )
    if weight.ndim > 1:
        raise RuntimeError(
            f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.ndim}"
            f" (shape {list(weight.shape)}). Fix: pass one weight per channel as a 1-D tensor "
            "(weight.flatten()), or a single weight."
        )
    if input.dtype != weight.dtype:
        raise RuntimeError(
            f"prelu: Type promoting not supported. Got {_dtype.torch_type_name(input.dtype)} and "
            f"{_dtype.torch_type_name(weight.dtype)}. Fix: convert weight with .to(input.dtype)."
        )
    channels = input.shape[1] if input.ndim >= 2 else 1
    if weight.numel() != 1:
        if weight.numel() != channels:
            raise RuntimeError(
                "Mismatch of parameter numbers and input channel size. Found parameter numbers "
                f"= {weight.numel()} and channel size = {channels}. Fix: PReLU(num_parameters="
                f"{channels}) or a single weight."
            )
        weight = _shape.reshape(weight, (channels,) + (1,) * (input.ndim - 2))
    else:  # one slope: the result has the input's shape (a 0-d input stays 0-d)
        weight = _shape.reshape(weight, ())
    # where, not relu: the slope at 0 is weight (PyTorch's x > 0 test). weight multiplies the
    # input's non-positive part only, so an inf input adds 0 to weight's gradient (PyTorch's
    # backward skips positive inputs), not 0 * inf = nan; nan stays on the weight side.
    positive = input > 0
    return _math.where(positive, input, weight * _math.where(positive, 0.0, input))


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """The gated linear unit ``a * sigmoid(b)``, ``a`` and ``b`` the two halves of ``input``
    along ``dim``.

    >>> import arraygrad
    >>> glu(arraygrad.tensor([2.0, 0.0]))
    tensor([1.])
    """
    if input.ndim == 0:
        raise RuntimeError(
            "glu does not support scalars because halving size must be even. Fix: pass a "
            "tensor whose dimension dim has an even size."
        )
    axis = normalize_dim(dim, input.ndim)
    size = input.shape[axis]
    if size % 2:
        raise RuntimeError(
            f"Halving dimension must be even, but dimension {axis} is size {size}. Fix: "
            "split a dimension of even size."
        )
    if not input.dtype.is_floating_point:
        raise NotImplementedError(
            f"\"glu_cpu\" not implemented for '{_dtype.torch_type_name(input.dtype)}'. Fix: "
            "convert the input with .float()."
        )
    half = size // 2
    first = _splitting.narrow(input, axis, 0, half)
    second = _splitting.narrow(input, axis, half, half)
    return first * _math.sigmoid(second)
