"""Margin and embedding losses with PyTorch's signatures, reductions and edge cases.

Each is a composition of element-wise ops and reductions. Hinges are ``relu`` where PyTorch's
kernel counts a term only when it is strictly positive (gradient 0 at the kink:
``multi_margin_loss``, ``multilabel_margin_loss``) and ``clamp_min`` where PyTorch itself calls
``clamp_min`` (gradient 1 at the kink: ``margin_ranking_loss``, ``hinge_embedding_loss``,
``cosine_embedding_loss``, ``triplet_margin_loss``). The class-index losses select with masks
built from the (non-differentiable) targets, as ``nll_loss`` does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from arraygrad import (
    _autocast_flag,
    _backend,
    _binary,
    _clamp,
    _dtype,
    _grad_mode,
    _indexing,
    _inference,
    _math,
    _reduction,
    _unary,
)
from arraygrad._dtype import get_default_dtype
from arraygrad._grad_mode import grad_enabled
from arraygrad._math import check_bool_subtraction
from arraygrad._tensor import Tensor
from arraygrad.nn._activation import _stable_softplus, logsigmoid
from arraygrad.nn._common import (
    apply_reduction,
    cast_error,
    check_reduction,
    constant,
    grown_shape,
    legacy_reduction,
    no_kernel,
    refuse_complex_autograd,
)
from arraygrad.nn._distance import pairwise_distance
from arraygrad.nn._loss import _check

__all__ = [
    "cosine_embedding_loss",
    "hinge_embedding_loss",
    "margin_ranking_loss",
    "multi_margin_loss",
    "multilabel_margin_loss",
    "multilabel_soft_margin_loss",
    "soft_margin_loss",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
]

# (the ids of the array dtypes of float32 and float64: an input of one of them skips the
# dtype checks for other dtypes)
_WIDE_FLOAT_IDS = _dtype.WIDE_FLOAT_IDS


def margin_ranking_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0.0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """``max(0, -target * (input1 - input2) + margin)``: ``target`` 1 says ``input1`` should
    rank higher, -1 that ``input2`` should.

    >>> import arraygrad
    >>> x = arraygrad.tensor([1.0, 0.0])
    >>> margin_ranking_loss(x, arraygrad.tensor([0.0, 0.5]), arraygrad.tensor([1.0, 1.0]))
    tensor(0.2500)
    """
    if _autocast_flag.cpu:  # PyTorch's CPU autocast casts the losses to float32
        from arraygrad.amp import _casts

        return _casts.full(
            margin_ranking_loss, input1, input2, target, margin, size_average, reduce, reduction
        )
    reduction = legacy_reduction(size_average, reduce, reduction)
    if not input1.ndim == input2.ndim == target.ndim:
        raise RuntimeError(
            "margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {input1.shape}, input2: {input2.shape}, target: {target.shape}. Fix: "
            "give target one entry per pair, shaped like input1 and input2."
        )
    difference = input1 - input2  # (first, as PyTorch: a bool operand gets its error)
    loss = _clamp.clamp_min(-target * difference + margin, 0)
    return apply_reduction(loss, reduction)


def hinge_embedding_loss(
    input: Tensor,
    target: Tensor,
    margin: float = 1.0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """``input`` where ``target`` is 1 and ``max(0, margin - input)`` where it is -1 (an entry
    that is neither gets both terms, as in PyTorch).

    >>> import arraygrad
    >>> hinge_embedding_loss(arraygrad.tensor([0.3, 2.0]), arraygrad.tensor([1.0, -1.0]))
    tensor(0.1500)
    """
    if _autocast_flag.cpu:  # PyTorch's CPU autocast casts the losses to float32
        from arraygrad.amp import _casts

        return _casts.full(
            hinge_embedding_loss, input, target, margin, size_average, reduce, reduction
        )
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction)
    zero: float = 0.0
    floating = id(input._data.dtype) in _WIDE_FLOAT_IDS
    if not (floating or input.dtype.is_floating_point or input.dtype.is_complex):
        # PyTorch fills a tensor like the input with the margin: an integer input truncates
        # it and gives an integer loss (whose mean is refused); a bool one cannot subtract.
        check_bool_subtraction(input, input)
        margin, zero = int(margin), 0
    hinge = _math.where(target != 1, _clamp.clamp_min(margin - input, 0), zero)
    loss = hinge + _math.where(target != -1, input, zero)
    return apply_reduction(loss, reduction)


def soft_margin_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Two-class logistic loss ``log(1 + exp(-target * input))``, computed as a stable softplus
    (finite for any input, where PyTorch's ``log1p(exp(.))`` overflows to inf).

    >>> import arraygrad
    >>> soft_margin_loss(arraygrad.tensor([0.0, 1e4]), arraygrad.tensor([1.0, -1.0]))
    tensor(5000.3467)
    """
    if _autocast_flag.cpu:  # PyTorch's CPU autocast casts the losses to float32
        from arraygrad.amp import _casts

        return _casts.full(soft_margin_loss, input, target, size_average, reduce, reduction)
    reduction = legacy_reduction(size_average, reduce, reduction)
    if target.requires_grad and grad_enabled.get():
        raise RuntimeError(
            "The function 'soft_margin_loss' is not differentiable with respect to argument "
            "'target'. This input cannot have requires_grad True. Fix: pass target.detach()."
        )
    _check_target_fits_input(input, target)
    if not _dtype.one_wide_float(input, target):
        return apply_reduction(_soft_margin_in_input_dtype(input, target), reduction)
    return apply_reduction(_stable_softplus(-input * target), reduction)


def _check_target_fits_input(input: Tensor, target: Tensor) -> None:
    """PyTorch's kernel computes in place in a tensor of ``input``'s shape: a target that
    broadcasting would grow it by is its error, not a bigger loss."""
    grown = grown_shape(tuple(input._data.shape), tuple(target._data.shape))
    if grown is not None:
        raise RuntimeError(
            f"output with shape {list(input.shape)} doesn't match the broadcast shape "
            f"{list(grown)}: soft_margin_loss's target of shape {list(target.shape)} is "
            f"larger than its input. Fix: give input and target the same shape."
        )


def _soft_margin_in_input_dtype(input: Tensor, target: Tensor) -> Tensor:
    """``soft_margin_loss`` of other dtypes, as PyTorch's kernel computes it: in place in a
    tensor like ``input``, ``neg(input).mul_(target).exp_().log1p_()``. So the product is stored
    in ``input``'s dtype (a float16 input with a float32 target gives float16), an integer
    ``input`` cannot hold the exponential, and a complex one computes (with no gradient)."""
    product = -input * target  # (a bool input: the negation's error, as PyTorch's)
    if product.dtype.category > input.dtype.category:
        raise cast_error(product.dtype, input, "soft_margin_loss computes in place in -input")
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise cast_error(get_default_dtype(), input, "soft_margin_loss computes exp(-input)")
    if product.dtype is not input.dtype:
        product = product.to(input.dtype)
    if input.dtype.is_complex:
        refuse_complex_autograd("soft_margin_loss", input, target)
        return _unary.log1p(_math.exp(product))
    return _stable_softplus(product)


def cosine_embedding_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0.0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """``1 - cos(x1, x2)`` where ``target`` is 1, ``max(0, cos(x1, x2) - margin)`` where it is
    -1 (0 otherwise); ``cos`` is taken along the last dimension with PyTorch's EPSILON (1e-12
    rounded to float32) added to each squared norm, so two zero vectors have ``cos`` 0.

    >>> import arraygrad
    >>> a = arraygrad.tensor([[1.0, 0.0], [1.0, 1.0]])
    >>> b = arraygrad.tensor([[1.0, 0.0], [1.0, 0.0]])
    >>> cosine_embedding_loss(a, b, arraygrad.tensor([1.0, -1.0]), reduction="none")
    tensor([0.0000, 0.7071])
    """
    if _autocast_flag.cpu:  # PyTorch's CPU autocast casts the losses to float32
        from arraygrad.amp import _casts

        return _casts.full(
            cosine_embedding_loss, input1, input2, target, margin, size_average, reduce, reduction
        )
    reduction = legacy_reduction(size_average, reduce, reduction)
    if target.ndim not in (0, 1):
        raise RuntimeError(
            "0D or 1D target tensor expected, multi-target not supported: got target of shape "
            f"{list(target.shape)}. Fix: one target (1 or -1) per pair of rows."
        )
    expected = 2 if target.ndim == 1 else 1
    if input1.ndim != expected or input2.ndim != expected:
        raise RuntimeError(
            f"{target.ndim}D target tensor expects {expected}D input tensors, but found inputs "
            f"with sizes {list(input1.shape)} and {list(input2.shape)}."
            " Fix: pass inputs of shape (N, D) with a target of shape "
            "(N,), or (D,) with a 0-dim target."
        )
    axis = target.ndim
    dot = _reduction.sum(input1 * input2, axis)
    # PyTorch adds its loss EPSILON to each squared norm.
    squares1 = _reduction.sum(input1 * input1, axis) + _backend.extensions.LOSS_EPSILON
    squares2 = _reduction.sum(input2 * input2, axis) + _backend.extensions.LOSS_EPSILON
    cos = dot / _math.sqrt(squares1 * squares2)
    positive = _math.where(target == 1, 1 - cos, 0.0)
    negative = _math.where(target == -1, _clamp.clamp_min(cos - margin, 0), 0.0)
    return apply_reduction(positive + negative, reduction)


def triplet_margin_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """``max(0, d(a, p) - d(a, n) + margin)`` with ``d`` the ``pairwise_distance``; with
    ``swap``, ``d(a, n)`` is replaced by ``min(d(a, n), d(p, n))``.

    >>> import arraygrad
    >>> a, p, n = arraygrad.zeros(1, 2), arraygrad.ones(1, 2), arraygrad.full((1, 2), 3.0)
    >>> triplet_margin_loss(a, p, n, eps=0.0)
    tensor(0.)
    """
    if _autocast_flag.cpu:  # PyTorch's CPU autocast casts the losses to float32
        from arraygrad.amp import _casts

        return _casts.full(
            triplet_margin_loss,
            anchor,
            positive,
            negative,
            margin,
            p,
            eps,
            swap,
            size_average,
            reduce,
            reduction,
        )
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_triplet(anchor, positive, negative, margin)
    check_reduction(reduction)

    def distance(x1: Tensor, x2: Tensor) -> Tensor:
        return pairwise_distance(x1, x2, p, eps)

    return apply_reduction(_triplet(anchor, positive, negative, distance, margin, swap), reduction)


def _check_triplet(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float) -> None:
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}. Fix: pass margin > 0.")
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number of "
            f"dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, and "
            f"negative {negative.ndim}D inputs"
            ". Fix: give the three tensors the same shape, (N, D) or "
            "(D,)."
        )


def _triplet(
    anchor: Tensor, positive: Tensor, negative: Tensor, distance: Any, margin: float, swap: bool
) -> Tensor:
    """The unreduced triplet hinge ``max(0, margin + d(a, p) - d(a, n))``."""
    distance_positive = distance(anchor, positive)
    distance_negative = distance(anchor, negative)
    if swap:  # the positive replaces the anchor when it is closer to the negative
        distance_negative = _binary.minimum(distance_negative, distance(positive, negative))
    return _clamp.clamp_min(margin + distance_positive - distance_negative, 0)


def triplet_margin_with_distance_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    *,
    distance_function: Callable[[Tensor, Tensor], Tensor] | None = None,
    margin: float = 1.0,
    swap: bool = False,
    reduction: str = "mean",
) -> Tensor:
    """:func:`triplet_margin_loss` with any ``distance_function(x1, x2)`` (default
    ``pairwise_distance``): ``max(0, margin + d(a, p) - d(a, n))``.

    >>> import arraygrad
    >>> a, p, n = arraygrad.zeros(1, 2), arraygrad.ones(1, 2), arraygrad.full((1, 2), 3.0)
    >>> manhattan = lambda x, y: (x - y).abs().sum(-1)
    >>> triplet_margin_with_distance_loss(a, p, n, distance_function=manhattan, margin=5.0)
    tensor(1.)
    """
    check_reduction(reduction)
    _check_triplet(anchor, positive, negative, margin)
    distance = pairwise_distance if distance_function is None else distance_function
    return apply_reduction(_triplet(anchor, positive, negative, distance, margin, swap), reduction)


def multilabel_soft_margin_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """One-versus-all logistic loss ``-mean_c(w_c (t_c log σ(x_c) + (1 - t_c) log σ(-x_c)))``
    over the last (class) dimension, then reduced over the batch.

    >>> import arraygrad
    >>> multilabel_soft_margin_loss(arraygrad.zeros(1, 2), arraygrad.tensor([[1.0, 0.0]]))
    tensor(0.6931)
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction, "is not valid")
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    classes = input.shape[-1]
    return apply_reduction(_reduction.sum(loss, -1) / classes, reduction)


# --- class-index margin losses -------------------------------------------------------------------


def _as_matrix(input: Tensor, name: str) -> Tensor:
    """``input`` as ``(N, C)``: a vector is one sample, a 0-d tensor one sample of one class."""
    shape = tuple(input.shape)
    if not ((len(shape) == 2 and shape[1] != 0) or (len(shape) == 1 and shape[0] != 0)) and shape:
        raise RuntimeError(
            f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
            f"{list(shape)}. Fix: {name} takes scores of shape (C,) or (N, C)."
        )
    return input.reshape(-1, shape[-1] if shape else 1)


def _check_long(target: Tensor, name: str) -> None:
    if target.dtype.name != "int64":
        raise RuntimeError(
            f"expected scalar type Long but found {_dtype.torch_type_name(target.dtype)}: the "
            f"target of {name} holds class indices. Fix: target.long()."
        )


def _reduce_per_sample(losses: Tensor, input: Tensor, reduction: str) -> Tensor:
    """PyTorch's reductions of one loss per sample: ``none`` keeps the batch shape (0-d for an
    unbatched input) and ``mean`` of an empty batch is 0."""
    if reduction == "none":
        return losses if input.ndim == 2 else losses.reshape(())
    if reduction == "mean" and losses.shape[0] == 0:
        return losses.sum()
    return apply_reduction(losses, reduction)


def multi_margin_loss(
    input: Tensor,
    target: Tensor,
    p: int = 1,
    margin: float = 1.0,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Multi-class hinge loss of scores ``x`` and class indices ``y``:
    ``sum_{i != y} w_y max(0, margin - x[y] + x[i])^p / C`` per sample (``p`` is 1 or 2).

    >>> import arraygrad
    >>> multi_margin_loss(arraygrad.tensor([[0.1, 0.2, 0.4, 0.8]]), arraygrad.tensor([3]))
    tensor(0.3250)
    """
    if _autocast_flag.cpu:  # PyTorch's CPU autocast casts the losses to float32
        from arraygrad.amp import _casts

        return _casts.full(
            multi_margin_loss, input, target, p, margin, weight, size_average, reduce, reduction
        )
    reduction = legacy_reduction(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError(f"only p == 1 and p == 2 supported, got p={p}. Fix: pass p=1 or p=2.")
    if weight is not None and weight.ndim != 1:
        raise ValueError(
            "weight must be one-dimensional"
            f", got shape {list(weight.shape)}. Fix: pass one weight per "
            "class, shape (C,)."
        )
    check_reduction(reduction)
    scores = _as_matrix(input, "multi_margin_loss")
    samples, classes = scores.shape
    if target.ndim > 1 or target.numel() != samples:
        raise RuntimeError(
            "multi_margin_loss: target tensor should be 1-D with size equal to the number of "
            f"input samples (batch size). Expected target size [{samples}], but got "
            f"{list(target.shape)}. Input has shape {list(input.shape)}."
            " Fix: pass one class index per sample."
        )
    _check_long(target, "multi_margin_loss")
    if weight is not None and weight.requires_grad and grad_enabled.get():
        raise RuntimeError(
            "The function 'multi_margin_loss' is not differentiable with respect to argument "
            "'weight'. This input cannot have requires_grad True. Fix: pass weight.detach()."
        )
    if weight is not None and weight.numel() != classes:
        raise RuntimeError(
            f"inconsistent weight size, expected {classes} but got {list(weight.shape)}. Fix: "
            "one weight per class."
        )
    _check_kernel_dtype(input, "multi_margin_loss_cpu_kernel")
    if _grad_mode.inference_used:  # PyTorch's kernel saves them
        what = "the target or class weights of multi_margin_loss"
        _inference.check_kept((target, weight), what, input)
    labels = target.reshape(samples, 1)
    _check(_raise_out_of_range, labels._data, 0, classes, "target out of range")
    xp = _backend.xp
    grid = constant(xp.reshape(xp.arange(classes, dtype=labels._data.dtype), (1, classes)))
    # The kernel counts a term only when it is > 0: relu's gradient at 0 is 0 as well.
    hinge = _math.relu(margin - _indexing.gather(scores, 1, labels) + scores)
    if p == 2:
        hinge = hinge * hinge
    if weight is not None:  # PyTorch gives the class weights no gradient (refused above)
        hinge = hinge * _math.astype(weight.detach()[labels], scores.dtype)
    losses = _reduction.sum(_math.where(grid != labels, hinge, 0.0), 1) / classes
    return _reduce_per_sample(losses, input, reduction)


def _check_kernel_dtype(input: Tensor, kernel: str) -> None:
    """PyTorch's margin-loss kernels loop over float32 and float64 only: other dtypes (half,
    bfloat16, integers, complex) are its NotImplementedError. (An empty input never reaches
    the kernel: PyTorch returns without one, so it is let through.)"""
    if input._data.size and input.dtype not in (_dtype.float32, _dtype.float64):
        raise no_kernel(kernel, input.dtype, "convert the input with .float() or .double().")


def _raise_out_of_range(labels: Any, low: int, high: int, message: str) -> None:
    xp = _backend.xp
    if labels.size and bool(xp.any(xp.logical_or(labels < low, labels >= high))):
        raise RuntimeError(
            f"{message}: class indices must lie in [{low}, {high}), got values from "
            f"{int(xp.min(labels))} to {int(xp.max(labels))}."
            " Fix: remap the labels into that range."
        )


def multilabel_margin_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Multi-label hinge loss: each row of ``target`` lists class indices, ended by the first
    -1; per sample ``sum_{j listed} sum_{i not listed} max(0, 1 - (x[j] - x[i])) / C``.

    >>> import arraygrad
    >>> x = arraygrad.tensor([[0.1, 0.2, 0.4, 0.8]])
    >>> multilabel_margin_loss(x, arraygrad.tensor([[3, 0, -1, 1]]))
    tensor(0.8500)
    """
    if _autocast_flag.cpu:  # PyTorch's CPU autocast casts the losses to float32
        from arraygrad.amp import _casts

        return _casts.full(multilabel_margin_loss, input, target, size_average, reduce, reduction)
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction)
    scores = _as_matrix(input, "multilabel_margin_loss")
    samples, classes = scores.shape
    if tuple(target.shape) != tuple(input.shape):
        raise RuntimeError(
            f"inconsistent target size: {list(target.shape)} for input of size: "
            f"{list(input.shape)}. Fix: target has input's shape, class indices padded with -1."
        )
    _check_long(target, "multilabel_margin_loss")
    if _grad_mode.inference_used:  # PyTorch's kernel saves it; the composition does not
        _inference.check_kept(target, "the target of multilabel_margin_loss", input)
    labels = target.reshape(samples, classes)
    _check(_raise_out_of_range, labels._data, -1, classes, "argument #2 'target' is out of range")
    _check_kernel_dtype(input, "multilabel_margin_loss_forward_out_frame")
    # Listed: the entries before the first -1 of each row.
    listed = _reduction.cumsum(labels == -1, 1) == 0
    safe = _math.where(listed, labels, 0)
    xp = _backend.xp
    grid = constant(xp.reshape(xp.arange(classes, dtype=labels._data.dtype), (1, 1, classes)))
    hits = (safe.unsqueeze(2) == grid) & listed.unsqueeze(2)  # (N, K, C)
    is_target = _reduction.any(hits, 1)
    picked = _indexing.gather(scores, 1, safe)  # (N, K)
    hinge = _math.relu(1 - picked.unsqueeze(2) + scores.unsqueeze(1))
    counted = listed.unsqueeze(2) & ~is_target.unsqueeze(1)
    losses = _reduction.sum(_math.where(counted, hinge, 0.0), (1, 2)) / classes
    return _reduce_per_sample(losses, input, reduction)
