"""The connectionist temporal classification (CTC) loss, as a composite of tensor operations.

CTC scores a target label sequence ``l`` (length ``S``) against per-frame log-probabilities
over ``C`` classes, one of which is the ``blank``, by summing over every alignment: every way
of emitting ``l`` over the ``T`` frames with blanks between and around the labels and with
repeats of a label merged. With the extended sequence ``l'`` = blank, ``l_1``, blank, ...,
``l_S``, blank (length ``2S + 1``), the forward variables obey (Graves et al., 2006)

    alpha_t(s) = logsumexp(alpha_{t-1}(s), alpha_{t-1}(s-1), alpha_{t-1}(s-2) [skip])
                 + log_probs[t, l'_s],

where the skip over a blank is allowed when ``l'_s != l'_{s-2}``, starting from a virtual
frame in state 0, and ``loss = -logsumexp(alpha_{T-1}(2S), alpha_{T-1}(2S - 1))``. The
recursion runs on the whole batch at once, one step per frame; a sequence whose frames are
used up keeps its variables.

Unreachable states hold ``-inf``. Their ``logsumexp`` is taken on a stand-in so that no
``0 * inf`` reaches the gradient, which is then exact everywhere: the gradient of the
recursion is the alpha-beta (forward-backward) gradient.
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad import _autocast_flag, _backend, _grad_mode, _inference, _math, ops
from arraygrad._creation import tensor as _tensor
from arraygrad._indexing import take_along
from arraygrad._shape import cat, stack
from arraygrad._tensor import Tensor
from arraygrad.nn._common import check_reduction, constant

__all__ = ["ctc_loss"]


def ctc_loss(
    log_probs: Tensor,
    targets: Tensor,
    input_lengths: Any,
    target_lengths: Any,
    blank: int = 0,
    reduction: str = "mean",
    zero_infinity: bool = False,
) -> Tensor:
    """The CTC loss of ``log_probs`` ``(T, N, C)`` (or ``(T, C)`` for one sequence) against
    ``targets``, padded ``(N, S)`` or concatenated ``(sum(target_lengths),)``.

    ``input_lengths`` and ``target_lengths`` (tensors or sequences of ints, one per sequence)
    say how many frames and labels each sequence uses. ``reduction="mean"`` divides each loss
    by its target length (at least 1) and averages over the batch, as PyTorch does. A target
    that no alignment can emit has an infinite loss; ``zero_infinity`` makes it 0, with a
    zero gradient.

    As in PyTorch, the gradient with respect to ``log_probs`` is that of the logits that
    ``log_softmax`` turned into them: the true derivative plus ``exp(log_probs)`` on each used
    frame, a term ``log_softmax``'s backward sends nowhere, so that the logits' gradients are
    the same. (PyTorch's gradient is NaN for an infinite loss without ``zero_infinity``;
    arraygrad's is that term alone.)

    >>> import arraygrad
    >>> lp = arraygrad.tensor([[0.9, 0.1], [0.1, 0.9], [0.9, 0.1]]).log()
    >>> ctc_loss(lp, arraygrad.tensor([1]), (3,), (1,), reduction="sum")
    tensor(0.0856)
    """
    if _autocast_flag.cpu:  # PyTorch's CPU autocast casts the losses to float32
        from arraygrad.amp import _casts

        return _casts.full(
            ctc_loss,
            log_probs,
            targets,
            input_lengths,
            target_lengths,
            blank,
            reduction,
            zero_infinity,
        )
    check_reduction(reduction)
    if not log_probs.dtype.is_floating_point:
        raise NotImplementedError(
            f'"ctc_loss_cpu" not implemented for {log_probs.dtype.name!r}: ctc_loss takes '
            "log-probabilities. Fix: pass log_softmax(logits, -1) of float logits."
        )
    if _grad_mode.inference_used:  # PyTorch's kernel saves them; this one reads them as lists
        _inference.check_kept(targets, "the targets of ctc_loss", log_probs)
    unbatched = log_probs.ndim == 2
    if unbatched:
        log_probs = log_probs.unsqueeze(1)
        if targets.ndim == 1:
            targets = targets.unsqueeze(0)
    if log_probs.ndim != 3:
        raise RuntimeError(
            f"ctc_loss: log_probs must be (T, N, C) or (T, C), but got shape "
            f"{list(log_probs.shape)}. Fix: put time first and classes last."
        )
    frames, batch, classes = (int(n) for n in log_probs.shape)
    if not 0 <= blank < classes:
        raise RuntimeError(
            f"blank must be in label range: blank={blank} for {classes} classes. Fix: use a "
            "class index in [0, C)."
        )
    input_lengths = _lengths(input_lengths, batch, "input_lengths")
    target_lengths = _lengths(target_lengths, batch, "target_lengths")
    for length in input_lengths:
        if not 0 <= length <= frames:
            raise RuntimeError(
                f"Expected input_lengths to have value at most {frames} (and at least 0), but "
                f"got value {length}. Fix: no sequence can use more frames than log_probs has."
            )
    if min(target_lengths, default=0) < 0:
        raise RuntimeError(
            f"Expected target_lengths to have value at least 0, but got value "
            f"{min(target_lengths)}."
            " Fix: pass target_lengths >= 0 (the number of labels of each target)."
        )
    # l': blank, l_1, blank, l_2, ..., blank, (N, 2S + 1); a skip over a blank is allowed
    # where the state two back holds another class.
    extended = [
        [blank, *(x for label in row for x in (label, blank))]
        for row in _padded_labels(targets, target_lengths, blank)
    ]
    states = len(extended[0]) if extended else 1
    skips = [[s > 1 and row[s] != row[s - 2] for s in range(states)] for row in extended]
    xp = _backend.xp
    dtype = log_probs._data.dtype
    index = xp.broadcast_to(xp.asarray(extended, dtype=xp.int64), (frames, batch, states))
    emissions = take_along(log_probs, index, 2)  # (T, N, 2S + 1): log p of each state's class

    no_way = constant(xp.full((batch, 1), -math.inf, dtype=dtype))
    skip_allowed = constant(xp.asarray(skips, dtype=xp.bool))
    start = [0.0] + [-math.inf] * (states - 1)  # the virtual frame before the first: state 0
    alpha = constant(xp.asarray([start] * batch, dtype=dtype))
    frames_used = xp.asarray(input_lengths)  # per sequence
    running = xp.reshape(frames_used, (batch, 1))
    for t in range(max(input_lengths, default=0)):
        stay = alpha
        advance = cat([no_way, alpha[:, :-1]], 1)
        # Cut back to the state count: with every target empty there is one state, and the
        # two leading no_way columns alone would be wider than alpha.
        two_back = cat([no_way, no_way, alpha[:, :-2]], 1)[:, :states]
        jump = _math.where(skip_allowed, two_back, -math.inf)
        step = _logsumexp(stack([stay, advance, jump])) + emissions[t]
        alpha = _math.where(constant(t < running), step, alpha)

    ends = xp.asarray([[2 * n, max(2 * n - 1, 0)] for n in target_lengths])
    last_two = take_along(alpha, ends, 1)
    has_label = constant(xp.asarray([[True, n > 0] for n in target_lengths]))
    likelihood = _logsumexp(_math.where(has_label, last_two, -math.inf).t())
    # PyTorch's gradient: that of the logits behind log_softmax (see the docstring). The term
    # is zero in value and adds exp(log_probs) to the gradient of each used frame.
    used = constant(xp.reshape(xp.arange(frames), (frames, 1)) < frames_used)
    probs = _math.exp(log_probs)
    softmax_term = _math.where(used[:, :, None], probs - probs.detach(), 0.0).sum((0, 2))
    loss = softmax_term - likelihood
    if zero_infinity:
        loss = _math.where(ops.isinf(loss.detach()), 0.0, loss)
    if reduction == "none":
        return loss[0] if unbatched else loss
    if reduction == "sum":
        return loss.sum()
    divisors = _tensor([max(n, 1) for n in target_lengths], dtype=loss.dtype)
    return (loss / divisors).mean()


def _logsumexp(parts: Tensor) -> Tensor:
    """``log(sum(exp(parts)))`` over the first dimension; ``-inf`` where every part is, with a
    zero gradient there (unreachable states), where ``logsumexp``'s would be NaN."""
    top = ops.max(parts.detach(), axis=(0,), keepdims=False)
    reachable = ops.isfinite(top)
    shift = _math.where(reachable, top, 0.0)
    total = _math.exp(parts - shift).sum(0)
    return _math.where(reachable, _math.log(_math.where(reachable, total, 1.0)) + shift, -math.inf)


def _lengths(lengths: Any, batch: int, name: str) -> list[int]:
    """``lengths`` (a tensor or a sequence of ints, one per sequence) as Python ints."""
    if isinstance(lengths, Tensor):
        if lengths.dtype.is_floating_point:
            raise RuntimeError(
                f"{name} must be integral, got {lengths.dtype.name}. Fix: pass int64 lengths."
            )
        values = lengths.reshape(-1).tolist()
    else:
        values = [int(n) for n in lengths]
    if len(values) != batch:
        raise RuntimeError(
            f"{name} must be of size batch_size: {len(values)} lengths for {batch} sequences. "
            "Fix: give one length per sequence."
        )
    return values


def _padded_labels(targets: Tensor, target_lengths: list[int], blank: int) -> list[list[int]]:
    """Each sequence's labels, padded with ``blank`` to the longest target length."""
    # Read as Python ints: the labels decide which classes the recursion reads, so under
    # arraygrad.compile the step runs eagerly (a replay would keep the traced labels).
    values = targets.tolist()
    longest = max(target_lengths, default=0)
    if targets.ndim == 1:  # concatenated
        if sum(target_lengths) > len(values):
            raise RuntimeError(
                f"ctc_loss: the target lengths sum to {sum(target_lengths)}, but the "
                f"concatenated targets hold {len(values)} labels. Fix: pass matching lengths."
            )
        starts = [sum(target_lengths[:row]) for row in range(len(target_lengths))]
        rows = [values[start : start + n] for start, n in zip(starts, target_lengths, strict=True)]
    elif targets.ndim == 2 and len(values) == len(target_lengths):
        if longest > targets.shape[1]:
            raise RuntimeError(
                f"Expected tensor to have size at least {longest} at dimension 1, but got size "
                f"{targets.shape[1]} for argument #2 'targets'. Fix: pad the targets to the "
                "longest target length."
            )
        rows = [row[:n] for row, n in zip(values, target_lengths, strict=True)]
    else:
        raise RuntimeError(
            f"ctc_loss: targets must be (N, S) or concatenated (sum(target_lengths),), but got "
            f"shape {list(targets.shape)} for {len(target_lengths)} sequences."
            f" Fix: pass targets padded to ({len(target_lengths)}, S), or all targets "
            "concatenated into one 1-D tensor."
        )
    return [[int(label) for label in row] + [blank] * (longest - len(row)) for row in rows]
