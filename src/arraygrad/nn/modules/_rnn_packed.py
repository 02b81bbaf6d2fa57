"""The time loop of one recurrent direction over a packed batch (see ``RNNBase._run``).

A :class:`~arraygrad.nn.utils.rnn.PackedSequence` of a sorted batch stores step ``t`` as the
first ``batch_sizes[t]`` rows (the sequences still running at ``t``), one block after another.
Only those rows step, so each sequence's final state is the one at its own length.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from arraygrad._tensor import Tensor

# One time step: ``step(x_proj_t, h, c, *weights) -> (h', c')`` (``RNNBase._cell``).
Step = Callable[..., tuple[Tensor, Any]]


def packed_forward(
    step: Step,
    x_proj: Tensor,
    starts: list[int],
    batch_sizes: list[int],
    h: Tensor,
    c: Tensor | None,
    weights: tuple[Any, ...],
) -> tuple[Tensor, Tensor, Tensor | None]:
    """Steps 0, 1, ... of one direction; returns packed outputs and the final ``(h, c)``.

    The batch only shrinks going forward: when step ``t`` has fewer rows, the dropped rows'
    sequences ended at step ``t - 1`` and their state there is their final one.
    """
    finished_h: list[Tensor] = []
    finished_c: list[Tensor] = []
    outputs = []
    for t, size in enumerate(batch_sizes):
        if size < h.shape[0]:
            finished_h.append(h[size:])
            h = h[:size]
            if c is not None:
                finished_c.append(c[size:])
                c = c[:size]
        h, c = step(x_proj[starts[t] : starts[t] + size], h, c, *weights)
        outputs.append(h)
    # The rows finished last are the first (longest) ones: reverse to restore the batch order.
    h_n = cat_first([h, *reversed(finished_h)])
    c_n = cat_first([c, *reversed(finished_c)]) if c is not None else None
    return cat_first(outputs), h_n, c_n


def packed_reverse(
    step: Step,
    x_proj: Tensor,
    starts: list[int],
    batch_sizes: list[int],
    h0: Tensor,
    c0: Tensor | None,
    weights: tuple[Any, ...],
) -> tuple[Tensor, Tensor, Tensor | None]:
    """Steps T-1, ..., 0 of the reverse direction: each sequence starts from its initial state
    at its own last step, so the batch grows as shorter sequences join."""
    h = h0[: batch_sizes[-1]]
    c = c0[: batch_sizes[-1]] if c0 is not None else None
    outputs: list[Tensor] = [None] * len(batch_sizes)  # type: ignore[list-item]
    for t in range(len(batch_sizes) - 1, -1, -1):
        size, running = batch_sizes[t], h.shape[0]
        if size > running:
            h = cat_first([h, h0[running:size]])
            if c is not None and c0 is not None:
                c = cat_first([c, c0[running:size]])
        h, c = step(x_proj[starts[t] : starts[t] + size], h, c, *weights)
        outputs[t] = h
    return cat_first(outputs), h, c


def cat_first(parts: list[Tensor]) -> Tensor:
    if len(parts) == 1:
        return parts[0]
    import arraygrad

    return arraygrad.cat(parts, 0)  # type: ignore[attr-defined, no-any-return]
