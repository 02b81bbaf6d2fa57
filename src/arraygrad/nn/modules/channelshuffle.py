"""``ChannelShuffle``: interleaving the channels of groups (ShuffleNet)."""

from __future__ import annotations

from arraygrad._tensor import Tensor
from arraygrad.nn import functional as F  # noqa: N812 - PyTorch's convention
from arraygrad.nn.modules.module import Module

__all__ = ["ChannelShuffle"]


class ChannelShuffle(Module):
    """Split the channels into ``groups`` and interleave them (see
    :func:`functional.channel_shuffle`).

    >>> import arraygrad
    >>> ChannelShuffle(2)(arraygrad.arange(4.0).reshape(1, 4, 1)).flatten().tolist()
    [0.0, 2.0, 1.0, 3.0]
    """

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, input: Tensor) -> Tensor:
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
