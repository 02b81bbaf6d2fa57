"""``softmax``, ``softmin`` and ``log_softmax`` of ``nn.functional``, composed from arraygrad's
element-wise ops and reductions on ``x - max(x)``, so that no ``exp`` overflows; float16 and
bfloat16 computed in float32 and rounded as PyTorch's kernels round them. None has a VJP of
its own. (``arraygrad.softmax`` and ``log_softmax`` in ``_softmax.py`` call these.)
"""

from __future__ import annotations

from typing import Any

from arraygrad import _backend, _dtype, _math, _reduced_floats, _reduction, _unary, ops
from arraygrad._dims import normalize_dim
from arraygrad._primitive import labelled
from arraygrad._tensor import Tensor, c_ordered
from arraygrad.nn._common import constant

_WIDE_FLOAT_IDS = _dtype.WIDE_FLOAT_IDS  # (float32's and float64's ids: the common case)

__all__ = ["log_softmax", "softmax", "softmin"]


def _softmax_dim(name: str, ndim: int) -> int:
    import warnings

    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include "
        "dim=X as an argument.",
        stacklevel=4,
    )
    return 0 if ndim in (0, 1, 3) else 1


def _shifted(input: Tensor, dim: int) -> Tensor:
    """``input - max(input, dim)``, the max taken on detached data.

    Softmax is invariant to the shift, so gradients are exact while ``exp`` never overflows. A
    row of ``-inf`` (or holding ``inf``) shifts to ``nan`` and its results are ``nan``, as
    PyTorch's are; leaving such a row unshifted would give the same ``nan`` one array call
    later, so the shift does not test for it.
    """
    data = input._data
    if data.ndim == 0 or data.shape[dim] == 0:
        return input
    tracer = _backend.tracer
    if tracer is not None:  # arraygrad.compile: the max below reads the tensor's array itself
        tracer.see_tensor(input)
    xp = _backend.xp
    peak = xp.max(data, axis=dim, keepdims=True)
    # The primitive that ``-`` applies to two float32 or float64 tensors of one dtype (the
    # callers' inputs; the max keeps it), without its dispatch.
    return ops.subtract.apply2(input, constant(peak))


def _plain_axis(input: Any, dim: Any, dtype: Any) -> int | None:
    """``dim`` as an axis of ``input`` where ``input`` is a float32 or float64 tensor of at
    least one dimension, ``dim`` an int and ``dtype`` not given (the common call, which every
    check of :func:`_prepare` passes); ``None`` for any other call, which goes through them."""
    if (
        input.__class__ is Tensor
        and dtype is None
        and dim.__class__ is int
        and id(input._data.dtype) in _WIDE_FLOAT_IDS
        and input._data.shape
    ):
        return normalize_dim(dim, len(input._data.shape))
    return None


def _prepare(input: Tensor, dim: int | None, dtype: Any, name: str) -> tuple[Tensor, int]:
    if dtype is not None:
        input = _math.astype(input, dtype)
    if not input.dtype.is_floating_point and input._data.size:
        # torch has no integer kernel (softmin runs softmax's; an empty tensor reaches none,
        # its result empty); dtype= converts first. A dim out of range is its IndexError
        # first; its kernels along the last dim and along another have two names.
        last = dim is None or normalize_dim(dim, input.ndim) >= input.ndim - 1
        kernel = "log_softmax" if name == "log_softmax" else "softmax"
        raise _unary.not_implemented(
            f"{kernel}{'_lastdim' if last else ''}_kernel_impl",
            input,
            f"convert the tensor (x.float()) or pass dtype=arraygrad.float32 to {name}.",
        )
    if dim is None:
        dim = _softmax_dim(name, input.ndim)
    return input, normalize_dim(dim, input.ndim)


def softmax(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None
) -> Tensor:
    """``exp(x_i) / sum_j exp(x_j)`` along ``dim``, computed on ``x - max(x)`` (no overflow).

    >>> import arraygrad
    >>> softmax(arraygrad.tensor([0.0, 0.0]), dim=0)
    tensor([0.5000, 0.5000])
    """
    # Every result is made C-ordered (as PyTorch's kernel allocates it) and its node named
    # SoftmaxBackward0: c_ordered_result and labelled_result, written out (two calls fewer).
    axis = _plain_axis(input, dim, dtype)
    if axis is None:
        input, axis = _prepare(input, dim, dtype, "softmax")
        if not input.dtype.is_floating_point:  # empty (the others raised): no kernel runs
            return c_ordered(input.clone())
        if _reduced_floats.is_reduced(input):  # in float32, rounded once, as PyTorch's kernel
            out = _reduced_floats.in_float32(softmax, input, axis)
            return labelled(c_ordered(out), "SoftmaxBackward0")
        if input.ndim == 0:  # a single element: its softmax is 1
            return labelled(c_ordered(_math.exp(input - input)), "SoftmaxBackward0")
    # A composite, as the design asks: its backward is the quotient's, exp's and the sum's
    # rules (about twice the passes of PyTorch's one-kernel out * (g - sum(g * out)), which a
    # primitive of its own would save). It never reads its output, so a write into the output
    # before backward leaves the gradient right, where PyTorch refuses the backward.
    # (float32 or float64 here: the primitives that exp, sum(axis, keepdim=True) and / apply to
    # them, without those functions' dispatch, as log_softmax below)
    exps = ops.exp.apply1(_shifted(input, axis))
    total = labelled(ops.sum.apply1(exps, {"axis": (axis,), "keepdims": True}), "SumBackward1")
    return labelled(c_ordered(ops.divide.apply2(exps, total)), "SoftmaxBackward0")


def softmin(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None
) -> Tensor:
    """``softmax(-input, dim)``: ``exp(-x_i) / sum_j exp(-x_j)`` along ``dim``, stable for any size.

    ``dtype`` converts the input first, as in PyTorch; bool input is refused.

    >>> import arraygrad
    >>> arraygrad.nn.functional.softmin(arraygrad.tensor([0.0, 1000.0]), dim=0)
    tensor([1., 0.])
    """
    # Negated before the dtype conversion and checks, as in torch (a bool tensor fails here).
    negated, axis = _prepare(-input, dim, dtype, "softmin")
    return softmax(negated, axis)


def _reduced_last(input: Tensor, axis: int, narrow: _dtype.dtype) -> Tensor:
    """PyTorch's float16/bfloat16 log_softmax along the last dimension, on ``input`` widened
    to float32: its kernel rounds the sum of exponentials, then its log, to ``narrow`` before
    the subtraction (the rounded result then differs from the exact one's rounding in the
    last bit of some elements). The gradient is the exact log's (PyTorch's backward is one
    kernel of the result): ``lse + (rounded - lse)`` is ``rounded`` exactly, the two close."""
    shifted = _shifted(input, axis)
    total = _reduction.sum(_math.exp(shifted), axis, keepdim=True)
    lse = _math.log(total)
    narrowed = ops.astype(ops.astype(total.detach(), narrow), _dtype.float32)
    rounded = ops.astype(ops.astype(_math.log(narrowed), narrow), _dtype.float32)
    return shifted - (lse + (rounded - lse.detach()))


def log_softmax(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None
) -> Tensor:
    """``x_i - log(sum_j exp(x_j))`` along ``dim``: finite for logits of any magnitude.

    With ``z = x - max(x)`` every ``exp(z)`` is at most 1 and their sum at least 1, so neither
    ``exp`` nor ``log`` can overflow or hit 0.

    >>> import arraygrad
    >>> log_softmax(arraygrad.tensor([1e4, 0.0]), dim=0)
    tensor([     0., -10000.])
    """
    # (C-ordered and named LogSoftmaxBackward0 as softmax's result, written out as there)
    axis = _plain_axis(input, dim, dtype)
    if axis is None:
        input, axis = _prepare(input, dim, dtype, "log_softmax")
        if not input.dtype.is_floating_point:  # empty (the others raised): no kernel runs
            return c_ordered(input.clone())
        if _reduced_floats.is_reduced(input):  # in float32, as PyTorch's kernels
            if axis == input.ndim - 1:  # (its kernel along the last dimension rounds twice more)
                out = _reduced_floats.in_float32(_reduced_last, input, axis, input.dtype)
            else:
                out = _reduced_floats.in_float32(log_softmax, input, axis)
            return labelled(c_ordered(out), "LogSoftmaxBackward0")
        if input.ndim == 0:  # a single element: 0, and nan at nan or an infinity, whose
            # gradient PyTorch's g - exp(out) * g makes nan too (x - x alone would send back 0)
            shifted = input - input
            out = shifted - _math.log(_math.exp(shifted))
            return labelled(c_ordered(out), "LogSoftmaxBackward0")
    shifted = _shifted(input, axis)
    # The primitives that exp, sum(axis, keepdim=True), log and - apply to float32 and float64
    # tensors, without those functions' dispatch on dtypes and arguments.
    exps = ops.exp.apply1(shifted)
    total = labelled(ops.sum.apply1(exps, {"axis": (axis,), "keepdims": True}), "SumBackward1")
    out = ops.subtract.apply2(shifted, ops.log.apply1(total))
    return labelled(c_ordered(out), "LogSoftmaxBackward0")
