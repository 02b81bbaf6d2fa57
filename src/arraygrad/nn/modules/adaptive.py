"""The adaptive softmax (Grave et al., 2017): a log-softmax over many classes, cheap for the
frequent ones.

The classes are split by ``cutoffs`` into a shortlist ``[0, cutoffs[0])``, scored by the
*head* together with one logit per tail cluster, and tail clusters ``[cutoffs[i],
cutoffs[i + 1])``, each scored by its own low-rank projection (its hidden size divided by
``div_value`` once more per cluster). ``log p(c) = log p_head(c)`` for a shortlist class and
``log p_head(cluster) + log p_cluster(c)`` for a tail class, so the tail projections run only
on the examples whose targets fall in their cluster.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any, NamedTuple

from arraygrad import _device, _shape
from arraygrad._tensor import Tensor
from arraygrad.nn import functional as F  # noqa: N812 - PyTorch's convention
from arraygrad.nn.modules.container import ModuleList, Sequential
from arraygrad.nn.modules.linear import Linear
from arraygrad.nn.modules.module import Module

__all__ = ["AdaptiveLogSoftmaxWithLoss"]


class _ASMoutput(NamedTuple):
    """The result of :class:`AdaptiveLogSoftmaxWithLoss`: each target's log-probability
    (``output``) and the mean negative log-likelihood (``loss``)."""

    output: Tensor
    loss: Tensor


class AdaptiveLogSoftmaxWithLoss(Module):
    """An adaptive log-softmax over ``n_classes`` classes of ``in_features`` inputs, with the
    shortlist and tail clusters that ``cutoffs`` set (see the module docstring).

    Calling it with inputs ``(N, in_features)`` (or one example) and class indices returns each
    target's log-probability and their mean negative as the loss; :meth:`log_prob` gives every
    class's, :meth:`predict` the most likely class. Parameters: ``head`` (``Linear``, with a
    bias when ``head_bias``) and ``tail``, one ``Sequential(Linear, Linear)`` per cluster, as
    in PyTorch, so PyTorch's ``state_dict`` loads.

    >>> import arraygrad
    >>> asm = AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs=[4, 7])
    >>> out = asm(arraygrad.zeros(3, 8), arraygrad.tensor([0, 5, 9]))
    >>> out.output.shape, asm.log_prob(arraygrad.zeros(3, 8)).exp().sum(1).tolist()
    (arraygrad.Size([3]), [1.0, 1.0, 1.0])
    """

    def __init__(
        self,
        in_features: int,
        n_classes: int,
        cutoffs: Sequence[int],
        div_value: float = 4.0,
        head_bias: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        _device.check_placement(device)
        super().__init__()
        cutoffs = list(cutoffs)
        if not cutoffs:
            raise ValueError(
                "cutoffs should be a sequence of length larger than 0. Fix: give at least one "
                "cutoff between 1 and n_classes - 1."
            )
        if (
            cutoffs != sorted(cutoffs)
            or min(cutoffs) <= 0
            or max(cutoffs) > n_classes - 1
            or len(set(cutoffs)) != len(cutoffs)
            or any(int(c) != c for c in cutoffs)
        ):
            raise ValueError(
                "cutoffs should be a sequence of unique, positive integers sorted in an "
                f"increasing order, where each value is between 1 and n_classes-1, but got "
                f"{cutoffs} for {n_classes} classes."
                f" Fix: pass increasing ints in [1, {n_classes - 1}], e.g. "
                "[n_classes // 4, n_classes // 2]."
            )
        self.in_features = in_features
        self.n_classes = n_classes
        self.cutoffs = [*cutoffs, n_classes]
        self.div_value = div_value
        self.head_bias = head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        factory = {"device": device, "dtype": dtype}
        self.head = Linear(in_features, self.head_size, bias=head_bias, **factory)
        self.tail = ModuleList()
        for i, (start, stop) in enumerate(itertools.pairwise(self.cutoffs)):
            hidden = int(in_features // (div_value ** (i + 1)))
            self.tail.append(
                Sequential(
                    Linear(in_features, hidden, bias=False, **factory),
                    Linear(hidden, stop - start, bias=False, **factory),
                )
            )

    def reset_parameters(self) -> None:
        """Initialise every projection again, as at construction."""
        for module in self.modules():
            if isinstance(module, Linear):
                module.reset_parameters()

    def forward(self, input: Tensor, target: Tensor) -> _ASMoutput:
        if target.ndim == 1:
            if input.shape[0] != target.shape[0]:
                raise RuntimeError(
                    "Input and target should have the same size in the batch dimension: "
                    f"{input.shape[0]} inputs and {target.shape[0]} targets."
                    " Fix: pass one target per input row."
                )
            if input.ndim != 2:
                raise RuntimeError(
                    "1D target tensor expects 2D input tensors, but found inputs with size "
                    f"{input.shape}."
                    " Fix: pass input of shape (N, in_features) with a target of "
                    "shape (N,)."
                )
        elif target.ndim == 0:
            if input.ndim != 1:
                raise RuntimeError(
                    "0D target tensor expects 1D input tensors, but found inputs with size "
                    f"{input.shape}."
                    " Fix: pass input of shape (in_features,) with a 0-dim "
                    "target."
                )
        else:
            raise RuntimeError(
                f"0D or 1D target tensor expected, multi-target not supported (got "
                f"{target.ndim}D). Fix: flatten the targets and the inputs' batch dimensions."
            )
        batched = target.ndim == 1
        if not batched:
            input, target = input.unsqueeze(0), target.unsqueeze(0)
        if target.numel() and (target.min().item() < 0 or target.max().item() >= self.n_classes):
            raise RuntimeError(
                f"Target values should be in [0, {self.n_classes - 1}], but values in range "
                f"[{target.min().item()}, {target.max().item()}] were found."
                f" Fix: remap the targets into [0, {self.n_classes - 1}], or "
                "build the module with more classes."
            )
        # The head scores the shortlist classes and one entry per cluster: each example reads
        # its class there, or its cluster's entry plus its class within the cluster.
        head_column = target
        within = input.new_zeros(target.shape[0])
        for i, (start, stop) in enumerate(itertools.pairwise(self.cutoffs)):
            rows = ((target >= start) & (target < stop)).nonzero(as_tuple=True)[0]
            if rows.numel() == 0:
                continue
            head_column = head_column.index_fill(0, rows, self.shortlist_size + i)
            cluster = F.log_softmax(self.tail[i](input.index_select(0, rows)), 1)
            classes = (target.index_select(0, rows) - start).unsqueeze(1)
            within = within.index_copy(0, rows, cluster.gather(1, classes).squeeze(1))
        head = F.log_softmax(self.head(input), 1)
        output = within + head.gather(1, head_column.unsqueeze(1)).squeeze(1)
        loss = (-output).mean()
        return _ASMoutput(output if batched else output.squeeze(0), loss)

    def _full_log_prob(self, input: Tensor, head_output: Tensor) -> Tensor:
        head = F.log_softmax(head_output, 1)
        parts = [head[:, : self.shortlist_size]]
        for i, projection in enumerate(self.tail):
            cluster = self.shortlist_size + i
            parts.append(F.log_softmax(projection(input), 1) + head[:, cluster : cluster + 1])
        return _shape.cat(parts, 1)

    def log_prob(self, input: Tensor) -> Tensor:
        """The log-probability of every class, ``(N, n_classes)``."""
        return self._full_log_prob(input, self.head(input))

    def predict(self, input: Tensor) -> Tensor:
        """The most likely class of each example: ``log_prob(input).argmax(1)``, with the tail
        projections run only for the examples whose best head entry is a cluster (a shortlist
        class that beats every cluster of the head beats every class in them)."""
        head_output = self.head(input)
        best = head_output.argmax(1)
        in_tail = best >= self.shortlist_size
        if not in_tail.any().item():
            return best
        if in_tail.all().item():
            return self._full_log_prob(input, head_output).argmax(1)
        rows = in_tail.nonzero(as_tuple=True)[0]
        picks = self._full_log_prob(input.index_select(0, rows), head_output.index_select(0, rows))
        return best.index_copy(0, rows, picks.argmax(1))
