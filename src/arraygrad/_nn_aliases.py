"""Top-level forms of ``nn.functional`` (``arraygrad.conv2d``, ``arraygrad.layer_norm``, ...),
with PyTorch's top-level signatures where they differ from ``nn.functional``'s: the losses take
``reduction`` as an int (0: ``'none'``, 1: ``'mean'``, 2: ``'sum'``) whose default is 0
(PyTorch 2.13's schemas say 1, but its Python bindings reduce nothing unless given one),
``batch_norm`` and
``instance_norm`` take every argument, weight first, ``embedding`` takes the weight first and
``padding_idx=-1`` for none, the poolings' ``stride=[]`` means the kernel size, and
``max_pool*d`` return no indices (``max_pool1d_with_indices`` does). PyTorch's deprecated
top-level linear algebra (``chain_matmul``, ``frobenius_norm``, ...) is in
``_deprecated_linalg``."""

from __future__ import annotations

from typing import Any

from arraygrad import _math
from arraygrad._aliases import _check_probability
from arraygrad._arguments import not_tensor_error
from arraygrad._elementwise_operands import broadcast_mismatch
from arraygrad._tensor import Tensor
from arraygrad._views import broadcast_shapes
from arraygrad.nn import functional as _functional
from arraygrad.nn._padding import pad_with_scalar

__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_max_pool1d",
    "avg_pool1d",
    "batch_norm",
    "bilinear",
    "binary_cross_entropy_with_logits",
    "celu",
    "celu_",
    "channel_shuffle",
    "constant_pad_nd",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "cosine_embedding_loss",
    "cosine_similarity",
    "ctc_loss",
    "dropout_",
    "embedding",
    "fill",
    "group_norm",
    "hinge_embedding_loss",
    "instance_norm",
    "kl_div",
    "layer_norm",
    "margin_ranking_loss",
    "max_pool1d",
    "max_pool1d_with_indices",
    "max_pool2d",
    "max_pool3d",
    "native_channel_shuffle",
    "pairwise_distance",
    "pixel_shuffle",
    "pixel_unshuffle",
    "poisson_nll_loss",
    "relu_",
    "rms_norm",
    "rsub",
    "selu",
    "selu_",
    "threshold_",
    "triplet_margin_loss",
]

# Same arguments as in nn.functional (which adds optional ones PyTorch's top level lacks).
adaptive_avg_pool1d = _functional.adaptive_avg_pool1d
bilinear = _functional.bilinear
celu = _functional.celu
celu_ = _functional.celu_
channel_shuffle = _functional.channel_shuffle
conv1d = _functional.conv1d
conv2d = _functional.conv2d
conv3d = _functional.conv3d
conv_transpose1d = _functional.conv_transpose1d
conv_transpose2d = _functional.conv_transpose2d
conv_transpose3d = _functional.conv_transpose3d
cosine_similarity = _functional.cosine_similarity
native_channel_shuffle = _functional.native_channel_shuffle
pairwise_distance = _functional.pairwise_distance
pixel_shuffle = _functional.pixel_shuffle
pixel_unshuffle = _functional.pixel_unshuffle
relu_ = _functional.relu_
rms_norm = _functional.rms_norm
selu = _functional.selu
selu_ = _functional.selu_
threshold_ = _functional.threshold_

_REDUCTIONS = {0: "none", 1: "mean", 2: "sum"}


def _reduction(name: str, reduction: Any) -> str:
    """nn.functional's name of PyTorch's reduction number."""
    if isinstance(reduction, bool) or not isinstance(reduction, int):
        raise TypeError(
            f"{name}(): argument 'reduction' must be int, not {type(reduction).__name__}. Fix: "
            "pass 0 ('none'), 1 ('mean') or 2 ('sum'), or call nn.functional."
            f"{name}(..., reduction='mean')."
        )
    if reduction not in _REDUCTIONS:
        raise ValueError(
            f"{name}(): reduction {reduction} is not 0 ('none'), 1 ('mean') or 2 ('sum')."
        )
    return _REDUCTIONS[reduction]


def _stride(stride: Any) -> Any:
    # PyTorch's top-level poolings default stride to [], meaning the kernel size.
    return None if stride is None or (isinstance(stride, (list, tuple)) and not stride) else stride


def avg_pool1d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = (),
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """:func:`arraygrad.nn.functional.avg_pool1d` (``stride=[]``: the kernel size).

    The mean of each window of the last dimension of ``(N, C, L)`` or ``(C, L)`` input.

    >>> import arraygrad
    >>> arraygrad.avg_pool1d(arraygrad.tensor([[1.0, 3.0, 2.0, 6.0]]), 2)
    tensor([[2., 4.]])
    """
    return _functional.avg_pool1d(
        input, kernel_size, _stride(stride), padding, ceil_mode, count_include_pad
    )


def max_pool1d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = (),
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
) -> Tensor:
    """:func:`arraygrad.nn.functional.max_pool1d`, without indices (``stride=[]``: the kernel
    size).

    >>> import arraygrad
    >>> arraygrad.max_pool1d(arraygrad.tensor([[1.0, 3.0, 2.0, 0.0]]), 2)
    tensor([[3., 2.]])
    """
    return _functional.max_pool1d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool1d_with_indices(
    input: Tensor,
    kernel_size: Any,
    stride: Any = (),
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
) -> tuple[Tensor, Tensor]:
    """:func:`arraygrad.nn.functional.max_pool1d` with ``return_indices``: ``(values,
    indices)`` (``stride=[]``: the kernel size).

    Each index is the position along the last dimension of the window's first maximum.

    >>> import arraygrad
    >>> arraygrad.max_pool1d_with_indices(arraygrad.tensor([[1.0, 3.0, 2.0, 0.0]]), 2)
    (tensor([[3., 2.]]), tensor([[1, 2]]))
    """
    values, indices = _functional.max_pool1d(
        input, kernel_size, _stride(stride), padding, dilation, ceil_mode, return_indices=True
    )
    return values, indices


def max_pool2d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = (),
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
) -> Tensor:
    """:func:`arraygrad.nn.functional.max_pool2d`, without indices (``stride=[]``: the kernel
    size).

    >>> import arraygrad
    >>> arraygrad.max_pool2d(arraygrad.arange(16.0).reshape(1, 4, 4), 2)
    tensor([[[ 5.,  7.],
             [13., 15.]]])
    """
    return _functional.max_pool2d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool3d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = (),
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
) -> Tensor:
    """:func:`arraygrad.nn.functional.max_pool3d`, without indices (``stride=[]``: the kernel
    size).

    >>> import arraygrad
    >>> arraygrad.max_pool3d(arraygrad.arange(8.0).reshape(1, 2, 2, 2), 2)
    tensor([[[[7.]]]])
    """
    return _functional.max_pool3d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def adaptive_max_pool1d(input: Tensor, output_size: Any) -> tuple[Tensor, Tensor]:
    """:func:`arraygrad.nn.functional.adaptive_max_pool1d`: always ``(values, indices)``.

    >>> import arraygrad
    >>> arraygrad.adaptive_max_pool1d(arraygrad.tensor([[1.0, 5.0, 3.0, 4.0, 2.0]]), 2)
    (tensor([[5., 4.]]), tensor([[1, 3]]))
    """
    return tuple(_functional.adaptive_max_pool1d(input, output_size, return_indices=True))  # type: ignore[return-value]


def batch_norm(
    input: Tensor,
    weight: Tensor | None,
    bias: Tensor | None,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    training: bool,
    momentum: float,
    eps: float,
    cudnn_enabled: bool,
) -> Tensor:
    """:func:`arraygrad.nn.functional.batch_norm` with PyTorch's top-level argument order
    (all required; ``cudnn_enabled`` is ignored).

    ``(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled)``:
    ``(x - mean) / sqrt(var + eps) * weight + bias`` per channel (dimension 1), with batch
    statistics in training (the running ones move by ``momentum`` toward the batch mean and
    unbiased variance), else the running ones.

    >>> import arraygrad
    >>> x = arraygrad.tensor([[1.0], [3.0]])
    >>> mean, var = arraygrad.zeros(1), arraygrad.ones(1)
    >>> arraygrad.batch_norm(x, None, None, mean, var, True, 0.1, 0.0, False)
    tensor([[-1.],
            [ 1.]])
    >>> mean, var
    (tensor([0.2000]), tensor([1.1000]))
    """
    return _functional.batch_norm(
        input, running_mean, running_var, weight, bias, training, momentum, eps
    )


def instance_norm(
    input: Tensor,
    weight: Tensor | None,
    bias: Tensor | None,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    use_input_stats: bool,
    momentum: float,
    eps: float,
    cudnn_enabled: bool,
) -> Tensor:
    """:func:`arraygrad.nn.functional.instance_norm` with PyTorch's top-level argument order
    (all required; ``cudnn_enabled`` is ignored).

    ``(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps,
    cudnn_enabled)``: each channel of each example normalised over its positions.

    >>> import arraygrad
    >>> x = arraygrad.tensor([[[1.0, 3.0], [0.0, 4.0]]])
    >>> arraygrad.instance_norm(x, None, None, None, None, True, 0.1, 1e-5, False)
    tensor([[[-1.0000,  1.0000],
             [-1.0000,  1.0000]]])
    """
    return _functional.instance_norm(
        input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps
    )


def layer_norm(
    input: Tensor,
    normalized_shape: Any,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-05,
    cudnn_enable: bool = True,
) -> Tensor:
    """:func:`arraygrad.nn.functional.layer_norm` (``cudnn_enable`` is ignored).

    ``(x - mean) / sqrt(var + eps) * weight + bias`` over the last ``len(normalized_shape)``
    dimensions (biased variance).

    >>> import arraygrad
    >>> arraygrad.layer_norm(arraygrad.tensor([[1.0, 3.0], [0.0, 10.0]]), [2])
    tensor([[-1.0000,  1.0000],
            [-1.0000,  1.0000]])
    """
    return _functional.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-05,
    cudnn_enabled: bool = True,
) -> Tensor:
    """:func:`arraygrad.nn.functional.group_norm` (``cudnn_enabled`` is ignored).

    Each example's channels split into ``num_groups`` groups, each normalised over its channels
    and positions, then scaled and shifted per channel.

    >>> import arraygrad
    >>> arraygrad.group_norm(arraygrad.tensor([[1.0, 3.0, 10.0, 20.0]]), 2)
    tensor([[-1.0000,  1.0000, -1.0000,  1.0000]])
    """
    return _functional.group_norm(input, num_groups, weight, bias, eps)


def embedding(
    weight: Tensor,
    indices: Tensor,
    padding_idx: int = -1,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """The rows of ``weight`` at ``indices``: :func:`arraygrad.nn.functional.embedding` with the
    weight first; ``padding_idx`` (a row that gets no gradient) is none when negative.

    ``weight (num_embeddings, D)`` and int64 ``indices (*)`` give ``(*, D)``.

    >>> import arraygrad
    >>> weight = arraygrad.tensor([[0.0, 0.0], [1.0, 2.0], [3.0, 4.0]])
    >>> arraygrad.embedding(weight, arraygrad.tensor([2, 0]))
    tensor([[3., 4.],
            [0., 0.]])
    """
    padding = padding_idx if padding_idx >= 0 else None
    return _functional.embedding(
        indices, weight, padding, scale_grad_by_freq=scale_grad_by_freq, sparse=sparse
    )


def kl_div(
    input: Tensor, target: Tensor, reduction: int = 0, *, log_target: bool = False
) -> Tensor:
    """:func:`arraygrad.nn.functional.kl_div` (``reduction`` a number: 1 is the mean over all
    elements; by default none).

    Pointwise ``target * (log(target) - input)`` for log-probabilities ``input``; 2 sums.

    >>> import arraygrad
    >>> target = arraygrad.tensor([0.5, 0.5])
    >>> arraygrad.kl_div(arraygrad.tensor([0.25, 0.75]).log(), target)
    tensor([ 0.3466, -0.2027])
    """
    return _functional.kl_div(
        input, target, reduction=_reduction("kl_div", reduction), log_target=log_target
    )


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    pos_weight: Tensor | None = None,
    reduction: int = 0,
) -> Tensor:
    """:func:`arraygrad.nn.functional.binary_cross_entropy_with_logits` (``pos_weight``
    fourth, ``reduction`` a number).

    Pointwise ``-(pos_weight t log sigmoid(x) + (1 - t) log sigmoid(-x))``, stable for any
    logit; no reduction by default (1 the mean, 2 the sum). Shapes are PyTorch's kernel's, not
    the functional's check (a ValueError there): ``input`` broadcast to ``target``'s shape, the
    RuntimeError of its in-place steps where it does not broadcast to it.

    >>> import arraygrad
    >>> logits, target = arraygrad.tensor([0.0, 2.0]), arraygrad.tensor([1.0, 0.0])
    >>> arraygrad.binary_cross_entropy_with_logits(logits, target)
    tensor([0.6931, 2.1269])
    """
    mode = _reduction("binary_cross_entropy_with_logits", reduction)
    if isinstance(input, Tensor) and isinstance(target, Tensor) and input.shape != target.shape:
        input = _logits_like_target(input, target)
    return _functional.binary_cross_entropy_with_logits(
        input, target, weight, reduction=mode, pos_weight=pos_weight
    )


def _logits_like_target(input: Tensor, target: Tensor) -> Tensor:
    """``input`` expanded to ``target``'s shape, or PyTorch's RuntimeError: its kernel computes
    the loss in place in a tensor of ``target``'s shape (``(1 - target).mul_(input)``)."""
    mismatch = broadcast_mismatch(tuple(target.shape), tuple(input.shape))
    if mismatch is not None:
        raise RuntimeError(
            f"{mismatch}: binary_cross_entropy_with_logits of an input of shape "
            f"{list(input.shape)} and a target of shape {list(target.shape)}. Fix: give the "
            "target the input's shape."
        )
    shape = broadcast_shapes(tuple(target.shape), tuple(input.shape))
    if tuple(shape) != tuple(target.shape):
        raise RuntimeError(
            f"output with shape {list(target.shape)} doesn't match the broadcast shape "
            f"{list(shape)}: binary_cross_entropy_with_logits computes in a tensor of the "
            "target's shape. Fix: give the target the input's shape."
        )
    return input.expand(*target.shape)


def hinge_embedding_loss(
    input: Tensor, target: Tensor, margin: float = 1.0, reduction: int = 0
) -> Tensor:
    """:func:`arraygrad.nn.functional.hinge_embedding_loss` (``reduction`` a number).

    ``x`` where the target is 1, ``max(0, margin - x)`` where it is -1; none by default.

    >>> import arraygrad
    >>> x = arraygrad.tensor([0.3, 0.3, 2.0])
    >>> arraygrad.hinge_embedding_loss(x, arraygrad.tensor([1.0, -1.0, -1.0]))
    tensor([0.3000, 0.7000, 0.0000])
    """
    mode = _reduction("hinge_embedding_loss", reduction)
    return _functional.hinge_embedding_loss(input, target, margin, reduction=mode)


def margin_ranking_loss(
    input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0, reduction: int = 0
) -> Tensor:
    """:func:`arraygrad.nn.functional.margin_ranking_loss` (``reduction`` a number).

    ``max(0, -y (x1 - x2) + margin)``; none by default.

    >>> import arraygrad
    >>> x1, x2 = arraygrad.tensor([3.0, 1.0]), arraygrad.tensor([1.0, 1.0])
    >>> arraygrad.margin_ranking_loss(x1, x2, arraygrad.tensor([1.0, -1.0]), 1.0)
    tensor([0., 1.])
    """
    mode = _reduction("margin_ranking_loss", reduction)
    return _functional.margin_ranking_loss(input1, input2, target, margin, reduction=mode)


def cosine_embedding_loss(
    input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0, reduction: int = 0
) -> Tensor:
    """:func:`arraygrad.nn.functional.cosine_embedding_loss` (``reduction`` a number).

    ``1 - cos(x1, x2)`` where the target is 1, ``max(0, cos(x1, x2) - margin)`` where it is -1;
    none by default.

    >>> import arraygrad
    >>> x1 = arraygrad.tensor([[1.0, 0.0], [1.0, 0.0]])
    >>> x2 = arraygrad.tensor([[0.0, 2.0], [3.0, 0.0]])
    >>> arraygrad.cosine_embedding_loss(x1, x2, arraygrad.tensor([1, -1]))
    tensor([1., 1.])
    """
    mode = _reduction("cosine_embedding_loss", reduction)
    return _functional.cosine_embedding_loss(input1, input2, target, margin, reduction=mode)


def triplet_margin_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    margin: float = 1.0,
    p: float = 2.0,
    eps: float = 1e-06,
    swap: bool = False,
    reduction: int = 0,
) -> Tensor:
    """:func:`arraygrad.nn.functional.triplet_margin_loss` (``reduction`` a number).

    ``max(0, d(a, p) - d(a, n) + margin)`` with the pairwise ``p``-norm distance; none by
    default.

    >>> import arraygrad
    >>> anchor, positive = arraygrad.zeros(1, 2), arraygrad.tensor([[3.0, 4.0]])
    >>> arraygrad.triplet_margin_loss(anchor, positive, arraygrad.tensor([[0.0, 1.0]]))
    tensor([5.0000])
    """
    mode = _reduction("triplet_margin_loss", reduction)
    return _functional.triplet_margin_loss(
        anchor, positive, negative, margin, p, eps, swap, reduction=mode
    )


def poisson_nll_loss(
    input: Tensor, target: Tensor, log_input: bool, full: bool, eps: float, reduction: int
) -> Tensor:
    """:func:`arraygrad.nn.functional.poisson_nll_loss` (every argument required,
    ``reduction`` a number).

    ``(input, target, log_input, full, eps, reduction)``: ``exp(x) - t x`` for log-rates.

    >>> import arraygrad
    >>> x, target = arraygrad.tensor([0.0, 1.0]), arraygrad.tensor([1.0, 2.0])
    >>> arraygrad.poisson_nll_loss(x, target, True, False, 1e-8, 0)
    tensor([1.0000, 0.7183])
    """
    mode = _reduction("poisson_nll_loss", reduction)
    return _functional.poisson_nll_loss(input, target, log_input, full, eps=eps, reduction=mode)


def ctc_loss(
    log_probs: Tensor,
    targets: Tensor,
    input_lengths: Any,
    target_lengths: Any,
    blank: int = 0,
    reduction: int = 0,
    zero_infinity: bool = False,
) -> Tensor:
    """:func:`arraygrad.nn.functional.ctc_loss` (``reduction`` a number).

    ``-log`` of the summed probability of every alignment of each target to ``log_probs``
    ``(T, N, C)``; none by default (one loss per sequence).

    >>> import arraygrad
    >>> log_probs = arraygrad.tensor([[[0.9, 0.1]], [[0.1, 0.9]], [[0.9, 0.1]]]).log()
    >>> arraygrad.ctc_loss(log_probs, arraygrad.tensor([[1]]), [3], [1])
    tensor([0.0856])
    """
    mode = _reduction("ctc_loss", reduction)
    return _functional.ctc_loss(
        log_probs, targets, input_lengths, target_lengths, blank, mode, zero_infinity
    )


def dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In place: :func:`arraygrad.dropout`; returns ``input``."""
    _check_probability(p)
    _functional.dropout(input, p, train, inplace=True)
    return input


def constant_pad_nd(input: Tensor, pad: Any, value: float = 0) -> Tensor:
    """``input`` padded with ``value``: :func:`arraygrad.nn.functional.pad` in constant mode
    (negative sizes crop).

    >>> import arraygrad
    >>> arraygrad.constant_pad_nd(arraygrad.ones(2), (1, 0), 5.0)
    tensor([5., 1., 1.])
    """
    return pad_with_scalar(input, pad, value)


def rsub(input: Tensor, other: Any, *positional: Any, alpha: Any = 1) -> Tensor:
    """``other - alpha * input`` (``sub`` with its operands swapped). As in PyTorch, ``alpha``
    may be given by position only where ``other`` is a number.

    >>> import arraygrad
    >>> arraygrad.rsub(arraygrad.tensor([1.0, 2.0]), 5.0, 2)
    tensor([3., 1.])
    """
    if not isinstance(input, Tensor):  # as PyTorch's argument parser, which wants a tensor
        raise not_tensor_error("rsub", input, name="input", position=1)
    if positional:
        given = not (alpha.__class__ is int and alpha == 1)  # alpha= too
        # (a 0-d tensor is a Number to PyTorch's parser)
        if len(positional) > 1 or (isinstance(other, Tensor) and other.ndim) or given:
            got = ", ".join(type(v).__name__ for v in (input, other, *positional))
            raise TypeError(
                f"rsub() received an invalid combination of arguments - got ({got}), but "
                "expected one of:\n * (Tensor input, Tensor other, *, Number alpha = 1)\n * "
                "(Tensor input, Number other, Number alpha = 1)\n Fix: pass alpha by keyword, "
                "e.g. rsub(x, y, alpha=2)."
            )
        alpha = positional[0]
    return _math.sub(other, input, alpha=alpha)


def fill(input: Tensor, value: Any) -> Tensor:
    """A copy of ``input`` with every element ``value`` (a number or a 0-d tensor, which gets
    the gradient; ``input`` gets zero).

    >>> import arraygrad
    >>> arraygrad.fill(arraygrad.zeros(2), 3)
    tensor([3., 3.])
    """
    return input.clone().fill_(value)
