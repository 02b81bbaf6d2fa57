"""The class-index and class-probability losses, ``nll_loss`` and ``cross_entropy``, with
PyTorch's signatures, reductions and edge cases.

A class-index loss picks each target's log-probability with a one-hot ``where`` mask built from
the (non-differentiable) targets: one dense, vectorised selection whose gradient is the mask
itself. ``cross_entropy`` goes through the stable ``log_softmax``, so logits of magnitude 1e4
give finite values and gradients in float32.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from arraygrad import (
    _autocast_flag,
    _backend,
    _dtype,
    _grad_mode,
    _inference,
    _math,
    _primitive,
    _reduced_floats,
    _reduction,
    ops,
)
from arraygrad._arguments import not_tensor_error
from arraygrad._indexing import see_index
from arraygrad._primitive import labelled
from arraygrad._tensor import Tensor
from arraygrad.nn._activation import log_softmax
from arraygrad.nn._common import check_reduction, constant, legacy_reduction
from arraygrad.nn._loss import _check, _refuse_gradient

__all__ = ["cross_entropy", "nll_loss"]

_WIDE_FLOAT_IDS = _dtype.WIDE_FLOAT_IDS  # (the ids of the array dtypes of float32 and float64)
# The largest count of targets that a sum of ones of float32 gives exactly.
_EXACT_COUNT = 2**24


def _check_tensors(op: str, input: Any, target: Any, weight: Any) -> None:
    """PyTorch's TypeError for an input, target or class weight that is not a tensor (labels
    as a list or a NumPy array), which its native loss refuses while it parses its arguments,
    before any other check."""
    if input.__class__ is Tensor and target.__class__ is Tensor and weight is None:
        return  # (the common call, with nothing to look at)
    arguments = (("input", input), ("target", target), ("weight", weight))
    for position, (name, value) in enumerate(arguments, start=1):
        if not isinstance(value, Tensor) and not (name == "weight" and value is None):
            raise not_tensor_error(
                op,
                value,
                name=name,
                position=position,
                fix="make it a tensor first (arraygrad.tensor(...)).",
            )


def _class_axis(input: Tensor) -> int:
    ndim = len(input._data.shape)
    if ndim == 0:
        raise ValueError(
            "Expected 1 or more dimensions (got 0): the input of nll_loss / cross_entropy "
            "holds class scores, of shape (C,), (N, C) or (N, C, d1, ...)."
            " Fix: pass scores of shape (C,) or (N, C)."
        )
    return 1 if ndim >= 2 else 0


def _check_class_weight(input: Tensor, weight: Tensor | None) -> None:
    """PyTorch's errors for class weights that are not one value per class of ``input``'s
    dtype."""
    if weight is None:
        return
    classes = input.shape[_class_axis(input)] if input.ndim else 0
    if tuple(weight.shape) != (classes,):
        raise RuntimeError(
            f"weight tensor should be defined either for all {classes} classes or no classes but "
            f"got weight tensor of shape: {list(weight.shape)}. Fix: pass one weight per class."
        )
    if weight.dtype is not input.dtype:
        raise RuntimeError(
            f"expected scalar type {_dtype.torch_type_name(input.dtype)} but found "
            f"{_dtype.torch_type_name(weight.dtype)}: the class weights must have the input's "
            f"dtype. Fix: weight.to({input.dtype})."
        )


def _check_batch(input: Tensor, target: Tensor) -> None:
    """PyTorch's first check of a target of class indices (``nll_loss_nd``'s, before any
    dtype, shape or weight check): for any input but a (C,) one, the targets' batch size
    (their first dimension; PyTorch reads 0 for a 0-d target) is the input's."""
    shape, target_shape = input._data.shape, target._data.shape
    if len(shape) < 2:
        _class_axis(input)  # (a 0-d input has no classes: PyTorch's ValueError)
        return
    batch = target_shape[0] if target_shape else 0
    if shape[0] != batch:
        raise ValueError(
            f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
            f"({batch}): the target (shape {list(target.shape)}) holds one class index per "
            f"sample of the input (shape {list(input.shape)}). Fix: pass the targets of the "
            "same batch."
        )


def _check_target_dtype(input: Tensor, target: Tensor) -> None:
    # Class indices are int64 (Long), or uint8 (Byte) where PyTorch's kernels take it.
    name = target.dtype.name
    if name not in ("int64", "uint8"):
        what = (
            f"class indices are int64 or uint8; for class probabilities pass a float target of "
            f"the input's shape {list(input.shape)}"
            if target.dtype.is_floating_point
            else "class indices are int64 (or uint8)"
        )
        raise RuntimeError(
            "expected target dtype to be Long or Byte, but got "
            f"{_dtype.torch_type_name(target.dtype)}: {what}. Fix: target.long()."
        )
    if name == "uint8" and input.ndim > 2:
        raise RuntimeError(
            "expected scalar type Long but found Byte: the target of a spatial input (shape "
            f"{list(input.shape)}) must be int64. Fix: target.long()."
        )


def _target_of_one(input: Tensor, target: Tensor) -> Tensor:
    """PyTorch's checks of a target's size after its dtype's and before the class weights':
    the target of a (C,) input, 0-d or of shape (1,) (returned as 0-d, the same loss), and no
    0-d target for an (N, C) input (PyTorch reads its first dimension, an IndexError, where
    the batch is empty; other batches fail ``_check_batch`` first)."""
    if input.ndim == 1 and target.ndim == 1:
        if target.shape[0] != 1:
            raise ValueError(
                f"For 1D input, 1D target must have size 1, but got target size: "
                f"{target.shape[0]}: a (C,) input is one sample, with one class index. Fix: "
                "pass a 0-d target or one of shape (1,)."
            )
        return target.reshape(())
    if input.ndim == 2 and target.ndim == 0:
        raise IndexError(
            f"Dimension specified as 0 but tensor has no dimensions: the target of an (N, C) "
            f"input (shape {list(input.shape)}) holds N class indices. Fix: pass a target of "
            f"shape [{input.shape[0]}]."
        )
    return target


def _check_target(input: Tensor, target: Tensor, axis: int) -> None:
    shape = tuple(input._data.shape)  # (the arrays' own shapes: no Size made for a comparison)
    expected = shape[:axis] + shape[axis + 1 :]
    if tuple(target._data.shape) == expected:
        if len(shape) not in (1, 2, 4) and not shape[1] and target.numel():
            # PyTorch views these inputs as (N, C, 1, -1) and a target that is not empty as
            # (N, 1, -1): with no classes the input is empty, viewed as (N, 0, 0, 0), and
            # matches no such target. (An empty target is viewed as (N, 0, 0): it matches.)
            raise RuntimeError(
                f"size mismatch (got input: {list(input.shape)}, target: "
                f"{list(target.shape)}): PyTorch computes no loss for a batch of 3 or 5+ "
                "dimensions with no classes."
                " Fix: give the input at least one class in dimension 1."
            )
        return
    if input.ndim <= 2 and target.ndim > 1:
        raise RuntimeError(
            f"0D or 1D target tensor expected, multi-target not supported (target shape "
            f"{list(target.shape)} for input shape {list(input.shape)})"
            ". Fix: pass one class index per sample (shape (N,)), or "
            "class probabilities of the input's shape."
        )
    raise RuntimeError(
        f"Expected target size {list(expected)}, got {list(target.shape)} (input shape "
        f"{list(input.shape)})"
        f". Fix: pass a target of shape {list(expected)}."
    )


def _pick(
    input: Tensor, target: Tensor, ignore_index: int, weight: Tensor | None, total: bool = False
) -> tuple:
    """The target entries of ``input`` along the class axis (0 where ignored), each one's
    weight (0 where ignored; ``None`` without class weights, where every counted target weighs
    1) and whether it counts (not ``ignore_index``), all of the target's shape. With ``total``
    the first is the sum of those entries instead: one reduction over every axis, not a sum
    along the class axis followed by another.

    Only the pick is differentiable. The masks and weights need no gradient, so they are
    computed on the raw arrays, with the namespace's functions (a fraction of a primitive's
    cost): ``arraygrad.compile`` records those calls and recomputes them on each replay, for
    the labels of that call.
    """
    axis = _class_axis(input)
    _check_target(input, target, axis)
    shape = input._data.shape
    classes = shape[axis]
    xp = _backend.xp
    see_index(target)  # (fixed labels captured by a compiled step: read on each replay)
    labels = target._data
    if target.dtype.name == "uint8" and not 0 <= ignore_index <= 255:
        # No uint8 label equals it (and a strict Array API library refuses the comparison).
        valid = xp.ones(tuple(labels.shape), dtype=xp.bool)
    else:
        valid = xp.not_equal(labels, ignore_index)
    # The class indices, shaped to broadcast along the class axis against the labels (as they
    # are where that axis is the last). (int64: class indices past 255 must not wrap around to
    # match uint8 labels)
    grid = xp.arange(classes, dtype=xp.int64)
    if axis != len(shape) - 1:
        grid_shape = [1] * len(shape)
        grid_shape[axis] = classes
        grid = xp.reshape(grid, tuple(grid_shape))
    # The labels with a class axis of 1 (a reshape: NumPy's expand_dims costs several times more).
    with_axis = tuple(labels.shape[:axis]) + (1,) + tuple(labels.shape[axis:])
    mask = xp.equal(grid, xp.reshape(labels, with_axis))
    if 0 <= ignore_index < classes:
        # An ignored class index would match its class: mask its targets out.
        mask = xp.logical_and(mask, xp.reshape(valid, with_axis))
    # (The usual -100 matches no class, so ignored targets pick nothing already.)
    _check(_raise_for_bad_labels, labels, valid, mask, classes, ignore_index, tuple(shape))
    if id(input._data.dtype) in _WIDE_FLOAT_IDS:
        # float32 and float64 (cross_entropy's log-probabilities): the primitives that
        # _math.where and _reduction.sum apply to them, without their dispatch on dtypes.
        selected = ops.where(constant(mask), input, 0.0)
        picked = ops.sum.apply1(selected) if total else _reduction.sum(selected, axis)
    else:
        selected = _math.where(constant(mask), input, 0.0)
        picked = _reduction.sum(selected) if total else _reduction.sum(selected, axis)
    counts = constant(valid)
    if weight is None:
        return picked, None, counts
    if classes == 0:  # every target is ignored (the check refused others): no weight to read
        return picked, constant(xp.zeros(tuple(labels.shape), dtype=input._data.dtype)), counts
    # PyTorch gives the class weights no gradient; ignored targets read class 0's.
    # (int64: a uint8 index tensor would be read as a mask)
    safe = _math.where(counts, _math.astype(target, _dtype.int64), 0)
    picked_weights = _math.astype(weight[safe].detach(), input.dtype)
    return picked, _math.where(counts, picked_weights, 0.0), counts


def _raise_for_bad_labels(
    labels: Any, valid: Any, mask: Any, classes: int, ignore_index: int, shape: tuple[int, ...]
) -> None:
    xp = _backend.xp
    # A counted label in range matches exactly one class of ``mask`` and an out-of-range one
    # none (ignored ones match none either): as many matches as counted labels means every
    # label is a class or ignored. Two counts, where bounds would take a minimum and a maximum.
    if int(xp.count_nonzero(mask)) == int(xp.count_nonzero(valid)):
        return
    bad = xp.logical_and(valid, xp.logical_or(labels < 0, labels >= classes))
    first = int(xp.reshape(labels[bad], (-1,))[0])
    raise IndexError(
        f"Target {first} is out of bounds: class indices must lie "
        f"in [0, {classes}) (input shape {list(shape)}), or equal ignore_index="
        f"{ignore_index}."
        f" Fix: remap the labels into [0, {classes}), or give the "
        "input scores for more classes."
    )


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood ``-weight[t] * input[n, t]`` of log-probabilities ``input``.

    ``mean`` divides by the total weight of the targets that are not ``ignore_index`` (``nan``
    when every target is ignored, as in PyTorch).

    >>> import arraygrad
    >>> nll_loss(arraygrad.tensor([[-1.0, -2.0]]), arraygrad.tensor([1]))
    tensor(2.)
    """
    _check_tensors("nll_loss_nd", input, target, weight)
    if _autocast_flag.cpu:  # PyTorch's CPU autocast casts the losses to float32
        from arraygrad.amp import _casts

        return _casts.full(
            nll_loss, input, target, weight, size_average, ignore_index, reduce, reduction
        )
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction)
    if _reduced_floats.is_reduced(input) and _weight_of_its_dtype(input, weight):
        # PyTorch's kernel: in float32, rounded once (other weights: _nll_loss's error)
        loss = _reduced_floats.in_float32(
            _nll_loss_value, input, target, weight, ignore_index, reduction
        )
    else:
        loss = _nll_loss(input, target, weight, ignore_index, reduction)[0]
    return _named_nll(input, loss)


def _named_nll(input: Tensor, loss: Tensor) -> Tensor:
    """``loss`` named as PyTorch's kernel for a (C,) or (N, C) input, ``NllLossBackward0``
    (larger inputs go through other kernels, and views, in PyTorch: their names are left)."""
    return labelled(loss, "NllLossBackward0") if input.ndim <= 2 else loss


def _weight_of_its_dtype(input: Tensor, weight: Any) -> bool:
    """Whether ``weight`` is absent or a tensor of ``input``'s dtype: a float16 or bfloat16
    input's fused route widens both, which would hide PyTorch's error for other dtypes."""
    return weight is None or (isinstance(weight, Tensor) and weight.dtype is input.dtype)


def _holds_probabilities(input: Tensor, target: Any) -> bool:
    """Whether ``cross_entropy`` reads ``target`` as class probabilities: a tensor of
    ``input``'s shape, whatever its dtype (PyTorch's rule)."""
    return tuple(target._data.shape) == tuple(input._data.shape)


def _nll_loss_value(
    input: Tensor, target: Tensor, weight: Tensor | None, ignore_index: int, reduction: str
) -> Tensor:
    return _nll_loss(input, target, weight, ignore_index, reduction)[0]  # type: ignore[no-any-return]


def _nll_loss(
    input: Tensor, target: Tensor, weight: Tensor | None, ignore_index: int, reduction: str
) -> tuple:
    """``nll_loss``'s value, with ``_pick``'s weights and counted targets (for the label
    smoothing term of ``cross_entropy``).

    PyTorch's kernel accumulates ``0 - input[t] * weight[t]`` from +0.0, so an exactly zero
    sum or mean is +0.0 (-0.0 only for a mean over a negative total weight), as is the one
    term of a (C,) input's unreduced loss; an (N, C, ...) input's unreduced terms are
    ``-input[t] * weight[t]``, and 0 where ignored.
    """
    _check_batch(input, target)
    _refuse_gradient("nll_loss_forward", "weight", weight)
    _check_target_dtype(input, target)
    target = _target_of_one(input, target)
    _check_class_weight(input, weight)
    if _grad_mode.inference_used:
        _inference.check_kept(target, "the target of nll_loss", input)
        _inference.check_kept(weight, "the class weights of nll_loss", input)
    # Without class weights a reduced loss needs only the sum of the picked entries.
    total = weight is None and reduction != "none"
    picked, weights, valid = _pick(input, target, ignore_index, weight, total)
    # Without class weights every weight is 1, or 0 where picked is already 0: no product.
    products = picked if weights is None else picked * weights
    if reduction == "none":
        if input.ndim == 1:  # ignored: 0 - 0, +0.0
            return 0.0 - products, weights, valid
        # PyTorch's ignored entries are +0.0 (-products would make them -0.0).
        return _math.where(valid, -products, 0.0), weights, valid
    if not total:
        products = products.sum()
    # 0 - sum rather than -sum: +0.0 where the sum is zero (as many operations). (float32 and
    # float64 straight to the primitive that ``-`` applies to them.)
    if id(products._data.dtype) in _WIDE_FLOAT_IDS:
        loss = ops.subtract.apply2(0.0, products)
    else:
        loss = 0.0 - products
    if reduction == "sum":
        return loss, weights, valid
    return _safe_divide(loss, weights, valid), weights, valid


def _safe_divide(total: Tensor, weights: Tensor | None, valid: Tensor) -> Tensor:
    """``total / weights.sum()``, and PyTorch's nan for 0 / 0 (an all-ignored batch). Without
    ``weights`` (no class weights) the divisor is the number of counted targets, ``valid``'s
    count.

    Where the sum is 0 it divides by nan instead: the value is nan without NumPy's warning
    about 0 / 0, and the gradient reaching ``total`` is nan, as PyTorch's ``-w g /
    total_weight`` is for every counted entry (a target of weight 0 gets nan; an ignored one,
    masked out of ``total``, 0). The weights never need a gradient, so the divisor is computed
    on the raw array; only the division is recorded.
    """
    xp = _backend.xp
    if (
        weights is None
        and _backend.tracer is None
        and not _primitive.rare_modes
        and id(total._data.dtype) in _WIDE_FLOAT_IDS
    ):
        # Eager, without class weights: the count read into Python and the division by it
        # as a number, which the array library applies at the loss's dtype. The same bits as
        # below, in a fraction of the calls: a sum of ones is that integer exactly up to
        # 2**24 (float32's last), and nan divides as nan does.
        count = int(xp.count_nonzero(valid._data))
        if count <= _EXACT_COUNT:
            return ops.divide.apply2(total, float(count) if count else math.nan)
    # Without class weights, the count: a sum of ones of the loss's dtype, as PyTorch's
    # total weight is.
    ones = xp.astype(valid._data, total._data.dtype) if weights is None else weights._data
    count = xp.sum(ones)
    return total / constant(xp.where(xp.not_equal(count, 0), count, math.nan))


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross entropy between the softmax of ``input`` (logits) and ``target``.

    ``target`` holds class indices (shape of ``input`` without the class axis) or, when it is a
    float tensor of ``input``'s shape, class probabilities. ``label_smoothing`` mixes the target
    with the uniform distribution. Computed through ``log_softmax``: finite for any logit size.

    >>> import arraygrad
    >>> cross_entropy(arraygrad.tensor([[1e4, 0.0]]), arraygrad.tensor([1]))
    tensor(10000.)
    """
    _check_tensors("cross_entropy_loss", input, target, weight)
    if _autocast_flag.cpu:  # PyTorch's CPU autocast casts the losses to float32
        from arraygrad.amp import _casts

        return _casts.full(
            cross_entropy,
            input,
            target,
            weight,
            size_average,
            ignore_index,
            reduce,
            reduction,
            label_smoothing,
        )
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction)
    if label_smoothing > 1.0:
        raise RuntimeError(
            f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}"
            ". Fix: pass label_smoothing in [0.0, 1.0]."
        )
    if not label_smoothing > 0.0:
        # PyTorch checks only the upper bound; its kernels smooth where label_smoothing > 0,
        # so a negative (or nan) one is no smoothing.
        label_smoothing = 0.0
    if (
        _reduced_floats.is_reduced(input)
        and _weight_of_its_dtype(input, weight)
        and not _holds_probabilities(input, target)
    ):
        # Class indices: PyTorch's kernels (log_softmax, nll_loss) in float32, rounded once.
        # (Class probabilities: PyTorch composes the loss of ops of the promoted dtype, as
        # below; other weights: nll_loss's error.)
        loss = _reduced_floats.in_float32(
            functools.partial(
                cross_entropy,
                ignore_index=ignore_index,
                reduction=reduction,
                label_smoothing=label_smoothing,
            ),
            input,
            target,
            weight,
        )
        return loss if label_smoothing else _named_nll(input, loss)
    axis = _class_axis(input)
    classes = input._data.shape[axis]
    log_probs = log_softmax(input, axis)
    weight_shape = [1] * input._data.ndim
    weight_shape[axis] = classes
    probabilities = _holds_probabilities(input, target)
    if probabilities and not target.dtype.is_floating_point:
        # PyTorch reads a target of the input's shape as class probabilities, whatever its
        # dtype: with a (C,) input, even a (1,) target of one class index for C = 1.
        raise RuntimeError(
            "Expected floating point type for target with class probabilities, got "
            f"{_dtype.torch_type_name(target.dtype)}: a target of the input's shape "
            f"{list(input.shape)} holds class probabilities. Fix: target.float(), or class "
            "indices of the input's shape without the class axis."
        )
    if probabilities:
        if ignore_index >= 0:  # PyTorch ignores a negative one (no class has that index)
            raise RuntimeError(
                "ignore_index is not supported for floating point target: a probability target "
                "has no class index to ignore. Fix: give ignored samples zero probability rows "
                "or use class-index targets."
            )
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + _per_class(label_smoothing, classes)
        terms = log_probs * target
        if weight is not None:
            if tuple(weight.shape) != (classes,):  # (else a reshape error, or none at C = 0)
                raise RuntimeError(
                    f"cross_entropy: weight tensor should be defined either for all {classes} "
                    f"classes or no classes but got weight tensor of shape: "
                    f"{list(weight.shape)}. Fix: pass one weight per class."
                )
            terms = terms * weight.reshape(*weight_shape)
        if reduction == "none":
            return -_reduction.sum(terms, axis)
        # PyTorch negates the sum of every term: -0.0 where it is zero (a sum of negated
        # row sums would be +0.0).
        total = -terms.sum()
        if reduction == "sum":
            return total
        count = input.numel() // classes if classes else 0
        if count == 0:  # PyTorch fills the sum with nan, then negates it
            return -(terms.sum() * math.nan)
        return total / count
    nll, weights, counts = _nll_loss(log_probs, target, weight, ignore_index, reduction)
    if label_smoothing == 0:
        return _named_nll(input, nll)
    if input.ndim == 1 and target.ndim == 1:
        # PyTorch writes the smoothing term, of the target's shape (1,), into the 0-d loss.
        raise RuntimeError(
            "output with shape [] doesn't match the broadcast shape [1]: PyTorch computes no "
            "label-smoothed loss of a (C,) input with a target of shape (1,). Fix: pass the "
            "class index as a 0-d target."
        )
    if weight is not None and reduction == "mean" and target.dtype.name == "uint8":
        _check(_raise_for_byte_gather, counts._data)
    terms = log_probs if weight is None else log_probs * weight.reshape(*weight_shape).detach()
    smooth = _math.where(counts, -_reduction.sum(terms, axis), 0.0)
    if reduction == "mean":
        smooth = _safe_divide(smooth.sum(), weights, counts)
    elif reduction == "sum":
        smooth = smooth.sum()
    return nll * (1 - label_smoothing) + smooth * _per_class(label_smoothing, classes)


def _per_class(label_smoothing: float, classes: int) -> float:
    """``label_smoothing / classes``, inf for no classes as in PyTorch's C++ (which makes the
    loss of a target that is ignored nan, and leaves an empty one empty)."""
    return label_smoothing / classes if classes else math.inf


def _raise_for_byte_gather(valid: Any) -> None:
    # PyTorch reads the counted targets' class weights with gather, which refuses uint8
    # indices; with no counted target it gathers nothing and raises nothing.
    if bool(_backend.xp.any(valid)):
        raise RuntimeError(
            "gather(): Expected dtype int32/int64 for index: cross_entropy with class weights, "
            "label_smoothing and reduction='mean' reads the weights of uint8 class indices, "
            "which PyTorch refuses. Fix: target.long()."
        )
