"""The top-level function forms of PyTorch's in-place ops: ``arraygrad.sin_(x)`` is
``x.sin_()``, ``arraygrad.clamp_(x, min, max)`` is ``x.clamp_(min, max)``.

Each is spelled out and delegates to the Tensor method, so the checks on leaves, views and
versions, the recorded gradient and the errors are the method's. Only the first argument is
checked here: PyTorch refuses a non-tensor ``input`` with a TypeError naming the function.
"""

from __future__ import annotations

from typing import Any

from arraygrad._aliases import _check_probability
from arraygrad._arguments import require_tensor
from arraygrad._tensor import Tensor
from arraygrad.nn import _embedding
from arraygrad.nn import functional as _functional
from arraygrad.nn._dropout import _feature_dropout

__all__ = [
    "abs_",
    "acos_",
    "acosh_",
    "addmv_",
    "alpha_dropout_",
    "arccos_",
    "arccosh_",
    "arcsin_",
    "arcsinh_",
    "arctan_",
    "arctanh_",
    "as_strided_",
    "asin_",
    "asinh_",
    "atan_",
    "atanh_",
    "ceil_",
    "clamp_",
    "clamp_max_",
    "clamp_min_",
    "clip_",
    "conj_physical_",
    "cos_",
    "cosh_",
    "deg2rad_",
    "detach_",
    "embedding_renorm_",
    "erf_",
    "erfc_",
    "exp2_",
    "exp_",
    "expm1_",
    "feature_alpha_dropout_",
    "feature_dropout_",
    "fill_",
    "fix_",
    "floor_",
    "frac_",
    "gcd_",
    "lcm_",
    "ldexp_",
    "log1p_",
    "log2_",
    "log10_",
    "log_",
    "logit_",
    "nan_to_num_",
    "neg_",
    "rad2deg_",
    "reciprocal_",
    "resize_as_",
    "round_",
    "rsqrt_",
    "sigmoid_",
    "sin_",
    "sinc_",
    "sinh_",
    "sqrt_",
    "square_",
    "tan_",
    "tanh_",
    "trunc_",
    "xlogy_",
    "zero_",
]


def _tensor(op: str, input: Any) -> Tensor:
    return require_tensor(op, "input", 1, input)


def abs_(input: Tensor) -> Tensor:
    """In place: ``input.abs_()``; returns ``input``."""
    return _tensor("abs_", input).abs_()


def acos_(input: Tensor) -> Tensor:
    """In place: ``input.acos_()``; returns ``input``."""
    return _tensor("acos_", input).acos_()


def acosh_(input: Tensor) -> Tensor:
    """In place: ``input.acosh_()``; returns ``input``."""
    return _tensor("acosh_", input).acosh_()


def arccos_(input: Tensor) -> Tensor:
    """In place: ``input.arccos_()``; returns ``input``."""
    return _tensor("arccos_", input).arccos_()


def arccosh_(input: Tensor) -> Tensor:
    """In place: ``input.arccosh_()``; returns ``input``."""
    return _tensor("arccosh_", input).arccosh_()


def arcsin_(input: Tensor) -> Tensor:
    """In place: ``input.arcsin_()``; returns ``input``."""
    return _tensor("arcsin_", input).arcsin_()


def arcsinh_(input: Tensor) -> Tensor:
    """In place: ``input.arcsinh_()``; returns ``input``."""
    return _tensor("arcsinh_", input).arcsinh_()


def arctan_(input: Tensor) -> Tensor:
    """In place: ``input.arctan_()``; returns ``input``."""
    return _tensor("arctan_", input).arctan_()


def arctanh_(input: Tensor) -> Tensor:
    """In place: ``input.arctanh_()``; returns ``input``."""
    return _tensor("arctanh_", input).arctanh_()


def asin_(input: Tensor) -> Tensor:
    """In place: ``input.asin_()``; returns ``input``."""
    return _tensor("asin_", input).asin_()


def asinh_(input: Tensor) -> Tensor:
    """In place: ``input.asinh_()``; returns ``input``."""
    return _tensor("asinh_", input).asinh_()


def atan_(input: Tensor) -> Tensor:
    """In place: ``input.atan_()``; returns ``input``."""
    return _tensor("atan_", input).atan_()


def atanh_(input: Tensor) -> Tensor:
    """In place: ``input.atanh_()``; returns ``input``."""
    return _tensor("atanh_", input).atanh_()


def ceil_(input: Tensor) -> Tensor:
    """In place: ``input.ceil_()``; returns ``input``."""
    return _tensor("ceil_", input).ceil_()


def cos_(input: Tensor) -> Tensor:
    """In place: ``input.cos_()``; returns ``input``."""
    return _tensor("cos_", input).cos_()


def cosh_(input: Tensor) -> Tensor:
    """In place: ``input.cosh_()``; returns ``input``."""
    return _tensor("cosh_", input).cosh_()


def deg2rad_(input: Tensor) -> Tensor:
    """In place: ``input.deg2rad_()``; returns ``input``."""
    return _tensor("deg2rad_", input).deg2rad_()


def detach_(input: Tensor) -> Tensor:
    """In place: ``input.detach_()``; returns ``input``."""
    return _tensor("detach_", input).detach_()


def erf_(input: Tensor) -> Tensor:
    """In place: ``input.erf_()``; returns ``input``."""
    return _tensor("erf_", input).erf_()


def erfc_(input: Tensor) -> Tensor:
    """In place: ``input.erfc_()``; returns ``input``."""
    return _tensor("erfc_", input).erfc_()


def exp_(input: Tensor) -> Tensor:
    """In place: ``input.exp_()``; returns ``input``."""
    return _tensor("exp_", input).exp_()


def exp2_(input: Tensor) -> Tensor:
    """In place: ``input.exp2_()``; returns ``input``."""
    return _tensor("exp2_", input).exp2_()


def expm1_(input: Tensor) -> Tensor:
    """In place: ``input.expm1_()``; returns ``input``."""
    return _tensor("expm1_", input).expm1_()


def fix_(input: Tensor) -> Tensor:
    """In place: ``input.fix_()``; returns ``input``."""
    return _tensor("fix_", input).fix_()


def floor_(input: Tensor) -> Tensor:
    """In place: ``input.floor_()``; returns ``input``."""
    return _tensor("floor_", input).floor_()


def frac_(input: Tensor) -> Tensor:
    """In place: ``input.frac_()``; returns ``input``."""
    return _tensor("frac_", input).frac_()


def log_(input: Tensor) -> Tensor:
    """In place: ``input.log_()``; returns ``input``."""
    return _tensor("log_", input).log_()


def log10_(input: Tensor) -> Tensor:
    """In place: ``input.log10_()``; returns ``input``."""
    return _tensor("log10_", input).log10_()


def log1p_(input: Tensor) -> Tensor:
    """In place: ``input.log1p_()``; returns ``input``."""
    return _tensor("log1p_", input).log1p_()


def log2_(input: Tensor) -> Tensor:
    """In place: ``input.log2_()``; returns ``input``."""
    return _tensor("log2_", input).log2_()


def neg_(input: Tensor) -> Tensor:
    """In place: ``input.neg_()``; returns ``input``."""
    return _tensor("neg_", input).neg_()


def rad2deg_(input: Tensor) -> Tensor:
    """In place: ``input.rad2deg_()``; returns ``input``."""
    return _tensor("rad2deg_", input).rad2deg_()


def reciprocal_(input: Tensor) -> Tensor:
    """In place: ``input.reciprocal_()``; returns ``input``."""
    return _tensor("reciprocal_", input).reciprocal_()


def rsqrt_(input: Tensor) -> Tensor:
    """In place: ``input.rsqrt_()``; returns ``input``."""
    return _tensor("rsqrt_", input).rsqrt_()


def sigmoid_(input: Tensor) -> Tensor:
    """In place: ``input.sigmoid_()``; returns ``input``."""
    return _tensor("sigmoid_", input).sigmoid_()


def sin_(input: Tensor) -> Tensor:
    """In place: ``input.sin_()``; returns ``input``."""
    return _tensor("sin_", input).sin_()


def sinc_(input: Tensor) -> Tensor:
    """In place: ``input.sinc_()``; returns ``input``."""
    return _tensor("sinc_", input).sinc_()


def sinh_(input: Tensor) -> Tensor:
    """In place: ``input.sinh_()``; returns ``input``."""
    return _tensor("sinh_", input).sinh_()


def sqrt_(input: Tensor) -> Tensor:
    """In place: ``input.sqrt_()``; returns ``input``."""
    return _tensor("sqrt_", input).sqrt_()


def square_(input: Tensor) -> Tensor:
    """In place: ``input.square_()``; returns ``input``."""
    return _tensor("square_", input).square_()


def tan_(input: Tensor) -> Tensor:
    """In place: ``input.tan_()``; returns ``input``."""
    return _tensor("tan_", input).tan_()


def tanh_(input: Tensor) -> Tensor:
    """In place: ``input.tanh_()``; returns ``input``."""
    return _tensor("tanh_", input).tanh_()


def trunc_(input: Tensor) -> Tensor:
    """In place: ``input.trunc_()``; returns ``input``."""
    return _tensor("trunc_", input).trunc_()


def zero_(input: Tensor) -> Tensor:
    """In place: ``input.zero_()``; returns ``input``."""
    return _tensor("zero_", input).zero_()


def addmv_(input: Tensor, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """In place: ``input = beta * input + alpha * (mat @ vec)``; returns ``input``."""
    return _tensor("addmv_", input).addmv_(mat, vec, beta=beta, alpha=alpha)


def clamp_(input: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """In place: ``input.clamp_(min, max)``; returns ``input``.

    >>> import arraygrad
    >>> arraygrad.clamp_(arraygrad.tensor([-2.0, 0.5, 3.0]), -1, 1)
    tensor([-1.0000,  0.5000,  1.0000])
    """
    return _tensor("clamp_", input).clamp_(min, max)


def clip_(input: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """In place: ``input.clip_(min, max)`` (:func:`clamp_`); returns ``input``."""
    return _tensor("clip_", input).clip_(min, max)


def clamp_max_(input: Tensor, max: Any) -> Tensor:
    """In place: ``input.clamp_max_(max)``; returns ``input``."""
    return _tensor("clamp_max_", input).clamp_max_(max)


def clamp_min_(input: Tensor, min: Any) -> Tensor:
    """In place: ``input.clamp_min_(min)``; returns ``input``."""
    return _tensor("clamp_min_", input).clamp_min_(min)


def fill_(input: Tensor, value: Any) -> Tensor:
    """In place: every element of ``input`` becomes ``value`` (a number or a one-element
    tensor); returns ``input``.

    >>> import arraygrad
    >>> arraygrad.fill_(arraygrad.zeros(2), 7)
    tensor([7., 7.])
    """
    return _tensor("fill_", input).fill_(value)


def gcd_(input: Tensor, other: Any) -> Tensor:
    """In place: ``input.gcd_(other)`` (integer tensors); returns ``input``."""
    return _tensor("gcd_", input).gcd_(other)


def lcm_(input: Tensor, other: Any) -> Tensor:
    """In place: ``input.lcm_(other)`` (integer tensors); returns ``input``."""
    return _tensor("lcm_", input).lcm_(other)


def ldexp_(input: Tensor, other: Any) -> Tensor:
    """In place: ``input = input * 2 ** other``; returns ``input``."""
    return _tensor("ldexp_", input).ldexp_(other)


def xlogy_(input: Tensor, other: Any) -> Tensor:
    """In place: ``input = input * log(other)`` (0 where ``input`` is 0); returns
    ``input``."""
    return _tensor("xlogy_", input).xlogy_(other)


def logit_(input: Tensor, eps: float | None = None) -> Tensor:
    """In place: ``input.logit_(eps)``; returns ``input``."""
    return _tensor("logit_", input).logit_(eps)


def nan_to_num_(
    input: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None
) -> Tensor:
    """In place: ``input.nan_to_num_(nan, posinf, neginf)``; returns ``input``."""
    return _tensor("nan_to_num_", input).nan_to_num_(nan, posinf, neginf)


def round_(input: Tensor, *, decimals: int | None = None) -> Tensor:
    """In place: ``input.round_(decimals=decimals)``; returns ``input``."""
    return _tensor("round_", input).round_(decimals=decimals)


def resize_as_(input: Tensor, the_template: Tensor, memory_format: Any = None) -> Tensor:
    """In place: ``input.resize_as_(the_template)``; returns ``input``."""
    return _tensor("resize_as_", input).resize_as_(the_template, memory_format)


def as_strided_(input: Tensor, size: Any, stride: Any, storage_offset: int | None = None) -> Tensor:
    """In place: ``input`` becomes the view ``as_strided(input, size, stride,
    storage_offset)`` of its own memory; returns ``input``.

    >>> import arraygrad
    >>> arraygrad.as_strided_(arraygrad.arange(6.0), (2, 2), (1, 2), 1)
    tensor([[1., 3.],
            [2., 4.]])
    """
    return _tensor("as_strided_", input).as_strided_(size, stride, storage_offset)


def conj_physical_(input: Tensor) -> Tensor:
    """In place: the complex conjugate, which leaves a real tensor's values as they are;
    returns ``input``."""
    return _tensor("conj_physical_", input).conj_physical_()


def alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In place: :func:`arraygrad.alpha_dropout`; returns ``input``."""
    _check_probability(p)
    return _functional.alpha_dropout(_tensor("alpha_dropout_", input), p, train, inplace=True)


def feature_alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In place: :func:`arraygrad.feature_alpha_dropout`; returns ``input``."""
    _check_probability(p)
    return _functional.feature_alpha_dropout(
        _tensor("feature_alpha_dropout_", input), p, train, inplace=True
    )


def feature_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In place: :func:`arraygrad.feature_dropout`; returns ``input``."""
    _check_probability(p)
    return _feature_dropout(_tensor("feature_dropout_", input), p, train, inplace=True)


def embedding_renorm_(input: Tensor, indices: Tensor, max_norm: float, norm_type: float) -> Tensor:
    """In place, without recording a gradient: scale each row of ``input`` named in
    ``indices`` whose ``norm_type``-norm exceeds ``max_norm`` to norm ``max_norm`` (as
    :func:`arraygrad.nn.functional.embedding` does with ``max_norm``); returns ``input``."""
    _embedding._renorm_rows(_tensor("embedding_renorm_", input), indices._data, max_norm, norm_type)
    return input
