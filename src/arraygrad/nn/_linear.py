"""Affine maps: ``linear`` and ``bilinear``."""

from __future__ import annotations

import math

from arraygrad import _autocast_flag, _dtype, _linalg, _reduced_floats, _shape, ops
from arraygrad._arguments import require_tensor
from arraygrad._out import written_exactly
from arraygrad._primitive import labelled
from arraygrad._tensor import Tensor
from arraygrad.nn._common import grown_shape

__all__ = ["bilinear", "linear"]


def linear(
    input: Tensor, weight: Tensor, bias: Tensor | None = None, *, out: Tensor | None = None
) -> Tensor:
    """``input @ weight.T + bias``: ``weight`` has shape ``(out_features, in_features)``.
    ``out``: of the result's dtype only, as PyTorch's (no memory compared, as its matmul).

    >>> import arraygrad
    >>> linear(arraygrad.ones(2, 3), arraygrad.ones(4, 3)).shape
    arraygrad.Size([2, 4])
    """
    if out is not None:
        return written_exactly("linear", out, linear, input, weight, bias)
    if _autocast_flag.cpu:  # PyTorch's CPU autocast casts linear to its dtype
        from arraygrad.amp import _casts

        return _casts.lower(linear, input, weight, bias)
    require_tensor("linear", "input", 1, input)
    require_tensor("linear", "weight", 2, weight)
    if bias is not None:
        require_tensor("linear", "bias", 3, bias)
    if weight.ndim > 2:
        raise RuntimeError(
            f"linear(): weight must be 1-D or 2-D (out_features, in_features), but got shape "
            f"{list(weight.shape)}."
            " Fix: pass a weight of shape (out_features, in_features)."
        )
    if input.ndim == 0 or weight.ndim == 0:
        raise RuntimeError(
            f"both arguments to linear need to be at least 1D, but they are {input.ndim}D and "
            f"{weight.ndim}D: input of shape {list(input.shape)}, weight of shape "
            f"{list(weight.shape)}. Fix: give the weight shape (out_features, in_features) and "
            "the input at least one dimension of in_features."
        )
    if weight.ndim == 1 and bias is not None and (input.ndim == 2 or bias.ndim == input.ndim == 1):
        # PyTorch computes a matrix input with a bias as addmm(bias, input, weight.T), which
        # takes no vector (a 3-D input goes through matmul, which does); a vector input with a
        # 1-D bias as addmm of the input as one row.
        raise RuntimeError(
            f"mat2 must be a matrix, got 1-D tensor: linear() of a {input.ndim}-D input with a "
            f"bias needs a weight of shape (out_features, in_features), got {list(weight.shape)}. "
            f"Fix: weight.unsqueeze(0) (one output feature)."
        )
    in_features = weight._data.shape[-1]  # (the arrays' shapes: Size indexes in Python)
    if input._data.shape[-1] != in_features:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied: input of shape {list(input.shape)} has "
            f"{input.shape[-1]} features in its last dimension but weight of shape "
            f"{list(weight.shape)} expects in_features={in_features}. Fix: make the last "
            f"dimension of the input {in_features}, or build the layer with in_features="
            f"{input.shape[-1]}."
        )
    if _fits_the_primitive(input, weight, bias):
        # float16, bfloat16: PyTorch's addmm adds the bias to the float32 product, rounding
        # once; but a non-contiguous input of 3 or more dimensions takes its matmul, then the
        # bias is added to the rounded product (below), rounding twice
        reduced = input.dtype in _dtype.REDUCED_FLOATS
        if not (reduced and bias is not None and input.ndim > 2 and not input.is_contiguous()):
            prim = _reduced_floats.twin(ops.linear) if reduced else ops.linear
            return labelled(prim(input, weight, bias), _backward_name(input.ndim, bias))
    out = _linalg.matmul(input, _shape.t(weight))  # other dtypes and biases: with their checks
    if bias is None:
        return out
    _check_bias_fits(input, out, bias)
    if bias._data.dtype == out._data.dtype:
        return out + bias
    if input.ndim > 2 and not input.is_contiguous():
        # PyTorch adds the bias in place to matmul's result: its dtype stays
        return (out + bias).to(out.dtype)
    # PyTorch's addmm (every other input) takes a bias of the product's dtype only
    raise RuntimeError(
        f"self and mat2 must have the same dtype, but got {_dtype.torch_type_name(bias.dtype)} "
        f"and {_dtype.torch_type_name(out.dtype)}: linear's bias is {bias.dtype.name}, its "
        f"input and weight {out.dtype.name}. Fix: convert the bias with .to({out.dtype})."
    )


def _check_bias_fits(input: Tensor, out: Tensor, bias: Tensor) -> None:
    """PyTorch adds the bias to the product without growing it: ``addmm`` (a matrix input, or
    a 1-D bias) expands the bias to the ``(rows, out_features)`` product, and the in-place add
    of its ``matmul`` path broadcasts it to the product's shape. A bias that broadcasting would
    grow the output by is its error, not a bigger output."""
    shape = tuple(out._data.shape)
    if not shape or (input.ndim == 1 and bias.ndim > 1):
        return  # (PyTorch's vector path reads a (1, out_features) bias: nothing grows)
    grown = grown_shape(shape, tuple(bias._data.shape))
    if grown is None:
        return
    if input.ndim <= 2 or bias.ndim == 1:
        rows = math.prod(shape[:-1]) if input.ndim > 1 else 1
        _shape.expand(bias, rows, shape[-1])  # raises PyTorch's expand error
    raise RuntimeError(
        f"output with shape {list(shape)} doesn't match the broadcast shape {list(grown)}: "
        f"linear's bias of shape {list(bias.shape)} would grow its output. Fix: pass a bias of "
        f"shape ({shape[-1]},) or one that broadcasts to {list(shape)}."
    )


def _fits_the_primitive(input: Tensor, weight: Tensor, bias: Tensor | None) -> bool:
    """Whether ``linear`` is the ``linear`` primitive's case: floating tensors of one dtype, a
    matrix weight and no bias or one value per output feature (the layer's own)."""
    dtype = weight._data.dtype
    if weight.ndim != 2 or input._data.dtype != dtype:
        return False
    if not _dtype.from_xp(dtype).is_floating_point:
        return False
    return bias is None or (
        bias.ndim == 1
        and bias._data.dtype == dtype
        and bias._data.shape[0] in (1, weight._data.shape[0])
    )


def _backward_name(ndim: int, bias: Tensor | None) -> str:
    """PyTorch's ``grad_fn`` name for ``linear``, by the ops it decomposes into: ``addmm`` or
    ``mm`` for a batch of vectors, a view or squeeze of one around them otherwise."""
    if ndim == 2:
        return "AddmmBackward0" if bias is not None else "MmBackward0"
    if bias is not None:
        return "ViewBackward0"
    return "SqueezeBackward4" if ndim == 1 else "UnsafeViewBackward0"


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``out[..., o] = sum_ij input1[..., i] weight[o, i, j] input2[..., j] + bias[o]``.

    >>> import arraygrad
    >>> bilinear(arraygrad.ones(2, 3), arraygrad.ones(2, 4), arraygrad.ones(5, 3, 4)).shape
    arraygrad.Size([2, 5])
    """
    if _autocast_flag.cpu:  # PyTorch's CPU autocast leaves it in float32
        from arraygrad.amp import _casts

        return _casts.keep(bilinear, input1, input2, weight, bias)
    if weight.ndim != 3:
        raise RuntimeError(
            f"bilinear(): weight must be 3-D (out_features, in1_features, in2_features), but "
            f"got shape {list(weight.shape)}."
            " Fix: pass a weight of shape (out_features, in1_features, "
            "in2_features)."
        )
    for position, (tensor, size) in enumerate(
        ((input1, weight.shape[1]), (input2, weight.shape[2]))
    ):
        if tensor.ndim == 0 or tensor.shape[-1] != size:
            raise RuntimeError(
                f"bilinear(): input{position + 1} size does not match weight size: got "
                f"{tensor.shape[-1] if tensor.ndim else 0} but expected {size} (input shape "
                f"{list(tensor.shape)}, weight shape {list(weight.shape)})."
                f" Fix: give input{position + 1} {size} features in its last "
                "dimension."
            )
    if tuple(input1.shape[:-1]) != tuple(input2.shape[:-1]):
        raise RuntimeError(
            f"bilinear(): input batch dimensions do not match: got {list(input1.shape[:-1])} and "
            f"{list(input2.shape[:-1])}."
            " Fix: give both inputs the same leading dimensions."
        )
    # (..., 1, 1, i) @ (o, i, j) -> (..., o, 1, j); then @ (..., 1, j, 1) -> (..., o, 1, 1)
    left = _linalg.matmul(_shape.unsqueeze(_shape.unsqueeze(input1, -2), -2), weight)
    right = _shape.unsqueeze(_shape.unsqueeze(input2, -1), -3)
    out = _linalg.matmul(left, right)
    out = _shape.reshape(out, out.shape[:-2])
    if bias is not None:
        out = out + bias
    return out
