"""PyTorch's "native" normalisation and dropout entry points, which return the statistics they
computed along with the result, and the per-channel kernels of synchronised batch norm.

``native_layer_norm``, ``native_batch_norm`` and ``native_group_norm`` return ``(output,
mean, rstd)``, where ``rstd = 1 / sqrt(biased variance + eps)``; ``native_dropout`` returns
``(output, keep mask)``. The output is the ``nn.functional`` layer's (so the same graph and
gradients); the statistics come out of the graph, as in PyTorch, where gradients flowing into
them are not propagated.

The ``batch_norm_*`` functions are the pieces a batch norm across processes is built from:
per-process statistics (``batch_norm_stats``), combining them
(``batch_norm_gather_stats_with_counts``), normalising (``batch_norm_elemt``) and the two halves
of the backward pass (``batch_norm_backward_reduce``, ``batch_norm_backward_elemt``). PyTorch
runs all but ``batch_norm_update_stats`` on CUDA only; here they are composites on any backend,
checked against ``nn.functional.batch_norm`` and its gradients. ``native_norm`` is PyTorch's
kernel for sparse tensors only, and arraygrad's tensors are dense: it raises as PyTorch does on
a dense tensor, naming ``linalg.vector_norm``.
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad import _backend, _dtype, _math, _reduction, _shape
from arraygrad._arguments import require_tensor
from arraygrad._convolution_entry import int_list_argument
from arraygrad._creation import empty, full
from arraygrad._grad_mode import no_grad
from arraygrad._like_creation import ones_like
from arraygrad._primitive import labelled
from arraygrad._tensor import Tensor
from arraygrad.nn import functional as _functional

__all__ = [
    "batch_norm_backward_elemt",
    "batch_norm_backward_reduce",
    "batch_norm_elemt",
    "batch_norm_gather_stats",
    "batch_norm_gather_stats_with_counts",
    "batch_norm_stats",
    "batch_norm_update_stats",
    "native_batch_norm",
    "native_dropout",
    "native_group_norm",
    "native_layer_norm",
    "native_norm",
]


def _moments(input: Tensor, dims: tuple[int, ...]) -> tuple[Tensor, Tensor]:
    """Mean and biased variance over ``dims`` (kept), outside the graph."""
    with no_grad():
        mean = _reduction.mean(input, dims, keepdim=True)
        centred = input - mean
        return mean, _reduction.mean(centred * centred, dims, keepdim=True)


def _rstd(var: Tensor, eps: float) -> Tensor:
    with no_grad():
        return 1 / _math.sqrt(var + eps)


def native_layer_norm(
    input: Tensor,
    normalized_shape: Any,
    weight: Tensor | None,
    bias: Tensor | None,
    eps: float,
) -> tuple[Tensor, Tensor, Tensor]:
    """:func:`arraygrad.nn.functional.layer_norm` and the mean and ``rstd`` of each normalised
    slice, shaped as ``input`` with the normalised dimensions kept as 1.

    >>> import arraygrad
    >>> out, mean, rstd = arraygrad.native_layer_norm(
    ...     arraygrad.tensor([[1.0, 3.0]]), [2], None, None, 0.0)
    >>> out.tolist(), mean.tolist(), rstd.tolist()
    ([[-1.0, 1.0]], [[2.0]], [[1.0]])
    """
    shape = tuple(int_list_argument("native_layer_norm", "normalized_shape", 2, normalized_shape))
    out = _functional.layer_norm(input, shape, weight, bias, eps)
    dims = tuple(range(input.ndim - len(shape), input.ndim))
    mean, var = _moments(input, dims)
    return out, mean, _rstd(var, eps)


def native_batch_norm(
    input: Tensor,
    weight: Tensor | None,
    bias: Tensor | None,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    training: bool,
    momentum: float,
    eps: float,
) -> tuple[Tensor, Tensor, Tensor]:
    """:func:`arraygrad.nn.functional.batch_norm` (weight and bias first) and, in training,
    the batch mean and ``1 / sqrt(biased variance + eps)`` per channel (empty tensors in
    evaluation, as in PyTorch). The running statistics are updated in place in training.
    A channel of one value normalises to 0 here, where ``nn.functional.batch_norm`` refuses it.

    >>> import arraygrad
    >>> x = arraygrad.tensor([[1.0], [3.0]])
    >>> arraygrad.native_batch_norm(x, None, None, None, None, True, 0.1, 0.0)
    (tensor([[-1.],
            [ 1.]]), tensor([2.]), tensor([1.]))
    """
    if input.ndim < 2:
        raise RuntimeError(
            f"native_batch_norm: expected an input of shape (N, C, ...) with at least 2 "
            f"dimensions, but got input of shape {list(input.shape)}"
        )
    channels = input.shape[1]
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must either both be None or neither be None")
    if not training:
        if running_mean is None or running_var is None:
            # PyTorch crashes here (a segmentation fault); the message says what is missing.
            raise RuntimeError(
                "native_batch_norm: running_mean and running_var must be defined in evaluation "
                "mode (training=False). Fix: pass the running statistics or training=True."
            )
        out = _functional.batch_norm(
            input, running_mean, running_var, weight, bias, False, momentum, eps
        )
        nothing = empty(0, dtype=input.dtype)
        return out, nothing, nothing.clone()
    dims = (0,) + tuple(range(2, input.ndim))
    # The output's statistics in the graph (its gradient goes through them), as the layer's.
    mean = _reduction.mean(input, dims, keepdim=True)
    centred = input - mean
    var = _reduction.mean(centred * centred, dims, keepdim=True)
    count = input.numel() // channels if channels else 0
    out = centred / _math.sqrt(var + eps)
    stat_shape = (1, channels) + (1,) * (input.ndim - 2)
    if weight is not None:
        out = out * _shape.reshape(weight, stat_shape)
    if bias is not None:
        out = out + _shape.reshape(bias, stat_shape)
    batch_mean = _shape.reshape(mean.detach(), (channels,))
    batch_var = _shape.reshape(var.detach(), (channels,))
    _update_running(running_mean, running_var, batch_mean, batch_var, count, momentum)
    return labelled(out, "NativeBatchNormBackward0"), batch_mean, _rstd(batch_var, eps)


def _update_running(
    running_mean: Tensor | None,
    running_var: Tensor | None,
    mean: Tensor,
    var: Tensor,
    count: Any,
    momentum: float,
) -> None:
    """``running = (1 - momentum) running + momentum batch``, the variance made unbiased
    (NaN from one value per channel, as PyTorch's ``0 * n / (n - 1)``)."""
    with no_grad():
        if running_mean is not None:
            running_mean.copy_(running_mean * (1 - momentum) + mean * momentum)
        if running_var is not None:
            if isinstance(count, Tensor):
                unbiased = var * count / (count - 1)
            else:
                unbiased = var * (count / (count - 1) if count > 1 else math.inf)
            running_var.copy_(running_var * (1 - momentum) + unbiased * momentum)


def native_group_norm(
    input: Tensor,
    weight: Tensor | None,
    bias: Tensor | None,
    N: int,  # noqa: N803 - PyTorch's names
    C: int,  # noqa: N803
    HxW: int,  # noqa: N803
    group: int,
    eps: float,
) -> tuple[Tensor, Tensor, Tensor]:
    """:func:`arraygrad.nn.functional.group_norm` of ``input`` read as ``(N, C, HxW)`` (its
    shape is kept), and each example's group means and ``rstd``, shaped ``(N, group)``.

    ``rstd = 1 / sqrt(biased variance + eps)`` over the group's channels and positions.

    >>> import arraygrad
    >>> x = arraygrad.tensor([[1.0, 3.0, 10.0, 20.0]])
    >>> arraygrad.native_group_norm(x, None, None, 1, 4, 1, 2, 0.0)
    (tensor([[-1.,  1., -1.,  1.]]), tensor([[ 2., 15.]]), tensor([[1.0000, 0.2000]]))
    """
    if input.numel() != N * C * HxW:
        raise RuntimeError(
            "Expected X.numel() == N * C * HxW to be true, but got false.  (Could this error "
            "message be improved?  If so, please report an enhancement request to PyTorch.)"
        )
    flat = _shape.reshape(input, (N, C, HxW))
    out = _shape.reshape(_functional.group_norm(flat, group, weight, bias, eps), input.shape)
    out = labelled(out, "NativeGroupNormBackward0")
    mean, var = _moments(_shape.reshape(input, (N, group, -1 if N * group else 0)), (2,))
    return out, _shape.reshape(mean, (N, group)), _shape.reshape(_rstd(var, eps), (N, group))


def native_dropout(input: Tensor, p: float, train: bool | None) -> tuple[Tensor, Tensor]:
    """Dropout with its keep mask: each element kept with probability ``1 - p`` and scaled by
    ``1 / (1 - p)`` in training (``train`` true or None), a copy and an all-true mask
    otherwise; ``(output, mask)`` with a bool mask.

    >>> import arraygrad
    >>> _ = arraygrad.manual_seed(0)
    >>> arraygrad.native_dropout(arraygrad.ones(6), 0.5, True)
    (tensor([0., 0., 2., 0., 0., 0.]), tensor([False, False,  True, False, False, False]))
    """
    require_tensor("native_dropout", "input", 1, input)
    if train is False:
        return input.clone(), ones_like(input, dtype=_dtype.bool_)
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={1 - p}")
    with no_grad():
        keep = _backend.random_bernoulli(1.0 - p, tuple(input.shape), _backend.xp.bool)
        mask = Tensor._wrap(keep)
    # Scaled by 1 / (1 - p), and zero everywhere (not NaN) when p is 1.
    scale = 0.0 if p == 1 else 1 / (1 - p)
    return input * mask * scale, mask


def native_norm(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """PyTorch's norm kernel for sparse tensors: on a dense tensor (every arraygrad tensor) it
    raises NotImplementedError, as PyTorch does; :func:`arraygrad.linalg.vector_norm` is the
    dense norm.

    >>> import arraygrad
    >>> try:
    ...     arraygrad.native_norm(arraygrad.ones(2))
    ... except NotImplementedError as error:
    ...     print(type(error).__name__)
    NotImplementedError
    >>> arraygrad.linalg.vector_norm(arraygrad.tensor([3.0, 4.0]))
    tensor(5.)
    """
    require_tensor("native_norm", "input", 1, input)
    raise NotImplementedError(
        "Could not run 'aten::native_norm' with arguments from the 'CPU' backend: it is "
        "defined for sparse tensors only. Fix: use torch.linalg.vector_norm(input, p, dim, "
        "keepdim, dtype=dtype)."
    )


# --- the kernels of synchronised batch norm ---------------------------------------------------


def _channel_dims(input: Tensor) -> tuple[int, ...]:
    return (0,) + tuple(range(2, input.ndim))


def _per_channel(t: Tensor, input: Tensor) -> Tensor:
    """A ``(C,)`` tensor shaped to broadcast along ``input``'s channel dimension."""
    return _shape.reshape(t, (1, input.shape[1]) + (1,) * (input.ndim - 2))


def batch_norm_stats(input: Tensor, eps: float) -> tuple[Tensor, Tensor]:
    """Each channel's mean and ``1 / sqrt(biased variance + eps)`` over the batch and the
    positions: ``(mean, invstd)``, both ``(C,)``.

    CUDA-only in PyTorch; a composite here, on any backend.

    >>> import arraygrad
    >>> arraygrad.batch_norm_stats(arraygrad.tensor([[1.0, 0.0], [3.0, 4.0]]), 0.0)
    (tensor([2., 2.]), tensor([1.0000, 0.5000]))
    """
    dims = _channel_dims(input)
    mean = _reduction.mean(input, dims)
    centred = input - _per_channel(mean, input)
    var = _reduction.mean(centred * centred, dims)
    return mean, 1 / _math.sqrt(var + eps)


def batch_norm_elemt(
    input: Tensor,
    weight: Tensor | None,
    bias: Tensor | None,
    mean: Tensor,
    invstd: Tensor,
    eps: float,
) -> Tensor:
    """``(input - mean) * invstd * weight + bias`` per channel (``eps`` is unused: ``invstd``
    has it already).

    CUDA-only in PyTorch; a composite here, differentiable in every argument.

    >>> import arraygrad
    >>> x, mean = arraygrad.tensor([[1.0], [3.0]]), arraygrad.tensor([2.0])
    >>> invstd = arraygrad.ones(1)
    >>> weight, bias = arraygrad.tensor([2.0]), arraygrad.tensor([0.5])
    >>> arraygrad.batch_norm_elemt(x, weight, bias, mean, invstd, 0.0)
    tensor([[-1.5000],
            [ 2.5000]])
    """
    out = (input - _per_channel(mean, input)) * _per_channel(invstd, input)
    if weight is not None:
        out = out * _per_channel(weight, input)
    if bias is not None:
        out = out + _per_channel(bias, input)
    return out


def batch_norm_gather_stats_with_counts(
    input: Tensor,
    mean: Tensor,
    invstd: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    momentum: float,
    eps: float,
    counts: Tensor,
) -> tuple[Tensor, Tensor]:
    """The mean and ``invstd`` of the union of groups (processes) from each group's ``(G, C)``
    means and ``invstd`` and its ``(G,)`` element counts; the running statistics are updated
    in place with them (``input`` only gives the dtype, as in PyTorch).

    The union's variance is the count-weighted mean of ``var_g + (mean_g - mean)^2``; the
    running variance takes it unbiased. CUDA-only in PyTorch. Two groups ``[1, 3]`` and
    ``[5, 7]`` give the statistics of ``[1, 3, 5, 7]``:

    >>> import arraygrad
    >>> means, invstds = arraygrad.tensor([[2.0], [6.0]]), arraygrad.tensor([[1.0], [1.0]])
    >>> running_mean, running_var = arraygrad.zeros(1), arraygrad.ones(1)
    >>> counts = arraygrad.tensor([2.0, 2.0])
    >>> arraygrad.batch_norm_gather_stats_with_counts(
    ...     means, means, invstds, running_mean, running_var, 0.1, 0.0, counts)
    (tensor([4.]), tensor([0.4472]))
    >>> running_mean, running_var
    (tensor([0.4000]), tensor([1.5667]))
    """
    weights = _shape.reshape(counts.to(mean.dtype), (-1, 1))
    total = _reduction.sum(weights, 0)
    global_mean = _reduction.sum(mean * weights, 0) / total
    group_var = 1 / (invstd * invstd) - eps
    spread = mean - global_mean
    global_var = _reduction.sum((group_var + spread * spread) * weights, 0) / total
    _update_running(
        running_mean, running_var, global_mean.detach(), global_var.detach(), total, momentum
    )
    return global_mean, 1 / _math.sqrt(global_var + eps)


def batch_norm_gather_stats(
    input: Tensor,
    mean: Tensor,
    invstd: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    momentum: float,
    eps: float,
    count: int,
) -> tuple[Tensor, Tensor]:
    """:func:`batch_norm_gather_stats_with_counts` with every group of ``count`` elements.

    CUDA-only in PyTorch.

    >>> import arraygrad
    >>> means, invstds = arraygrad.tensor([[2.0], [6.0]]), arraygrad.tensor([[1.0], [1.0]])
    >>> arraygrad.batch_norm_gather_stats(means, means, invstds, None, None, 0.1, 0.0, 2)
    (tensor([4.]), tensor([0.4472]))
    """
    counts = full((mean.shape[0],), count, dtype=mean.dtype)
    return batch_norm_gather_stats_with_counts(
        input, mean, invstd, running_mean, running_var, momentum, eps, counts
    )


def batch_norm_update_stats(
    input: Tensor, running_mean: Tensor | None, running_var: Tensor | None, momentum: float
) -> tuple[Tensor, Tensor]:
    """Each channel's mean and biased variance, ``(mean, var)``; the running statistics are
    updated in place (the variance unbiased).

    ``running = (1 - momentum) running + momentum batch``; floating-point input only.

    >>> import arraygrad
    >>> running_mean, running_var = arraygrad.zeros(1), arraygrad.ones(1)
    >>> x = arraygrad.tensor([[1.0], [3.0]])
    >>> arraygrad.batch_norm_update_stats(x, running_mean, running_var, 0.1)
    (tensor([2.]), tensor([1.]))
    >>> running_mean, running_var
    (tensor([0.2000]), tensor([1.1000]))
    """
    if not input.dtype.is_floating_point:
        raise NotImplementedError(
            f'"batch_norm_update_stats_cpu" not implemented for '
            f"'{_dtype.torch_type_name(input.dtype)}'. Fix: convert the input, e.g. x.float()."
        )
    dims = _channel_dims(input)
    mean = _reduction.mean(input, dims)
    centred = input - _per_channel(mean, input)
    var = _reduction.mean(centred * centred, dims)
    count = input.numel() // input.shape[1] if input.shape[1] else 0
    _update_running(running_mean, running_var, mean.detach(), var.detach(), count, momentum)
    return mean, var


def batch_norm_backward_reduce(
    grad_out: Tensor,
    input: Tensor,
    mean: Tensor,
    invstd: Tensor,
    weight: Tensor | None,
    input_g: bool,
    weight_g: bool,
    bias_g: bool,
) -> tuple[Tensor | None, Tensor | None, Tensor | None, Tensor | None]:
    """The per-channel sums of the backward pass: ``sum_dy`` (of ``grad_out``) and
    ``sum_dy_xmu`` (of ``grad_out * (input - mean)``), needed for the input's gradient when
    ``input_g``, and the weight's (``sum_dy_xmu * invstd``) and bias's (``sum_dy``) gradients
    when ``weight_g`` and ``bias_g``; each is None when not asked for.

    CUDA-only in PyTorch.

    >>> import arraygrad
    >>> x, grad_out = arraygrad.tensor([[1.0], [3.0]]), arraygrad.tensor([[1.0], [2.0]])
    >>> mean, invstd = arraygrad.tensor([2.0]), arraygrad.ones(1)
    >>> arraygrad.batch_norm_backward_reduce(grad_out, x, mean, invstd, None, True, True, True)
    (tensor([3.]), tensor([1.]), tensor([1.]), tensor([3.]))
    """
    dims = _channel_dims(input)
    sum_dy = _reduction.sum(grad_out, dims)
    sum_dy_xmu = _reduction.sum(grad_out * (input - _per_channel(mean, input)), dims)
    grad_weight = sum_dy_xmu * invstd if weight_g else None
    grad_bias = sum_dy if bias_g else None
    if not input_g:
        return None, None, grad_weight, grad_bias
    return sum_dy, sum_dy_xmu, grad_weight, grad_bias


def batch_norm_backward_elemt(
    grad_out: Tensor,
    input: Tensor,
    mean: Tensor,
    invstd: Tensor,
    weight: Tensor | None,
    sum_dy: Tensor,
    sum_dy_xmu: Tensor,
    count: Tensor,
) -> Tensor:
    """The input's gradient of batch norm in training from the per-channel sums (over all
    groups) and each group's element ``count``:
    ``(grad_out - sum_dy / n - (input - mean) invstd^2 sum_dy_xmu / n) invstd weight``.

    CUDA-only in PyTorch. With one group it is the gradient of ``nn.functional.batch_norm``:

    >>> import arraygrad
    >>> x = arraygrad.tensor([[0.0], [1.0], [5.0]])
    >>> grad_out = arraygrad.tensor([[1.0], [0.0], [0.0]])
    >>> mean, invstd = arraygrad.batch_norm_stats(x, 1e-5)
    >>> sums = arraygrad.batch_norm_backward_reduce(
    ...     grad_out, x, mean, invstd, None, True, False, False)
    >>> arraygrad.batch_norm_backward_elemt(
    ...     grad_out, x, mean, invstd, None, sums[0], sums[1], arraygrad.tensor([3]))
    tensor([[ 0.1763],
            [-0.2204],
            [ 0.0441]])
    """
    total = _reduction.sum(count.to(mean.dtype))
    centred = input - _per_channel(mean, input)
    scale = _per_channel(invstd, input)
    grad = (
        grad_out
        - _per_channel(sum_dy / total, input)
        - centred * scale * scale * _per_channel(sum_dy_xmu / total, input)
    ) * scale
    if weight is not None:
        grad = grad * _per_channel(weight, input)
    return grad
