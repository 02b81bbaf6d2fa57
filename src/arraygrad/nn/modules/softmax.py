"""The softmax layers: ``Softmax``, ``LogSoftmax``, ``Softmin`` and ``Softmax2d``.

Unlike the element-wise activations they normalise along a dimension (``dim``, or the
channels for ``Softmax2d``): each slice along it becomes a probability distribution (its log
for ``LogSoftmax``), computed stably by :mod:`arraygrad.nn.functional`. PyTorch defines them in
``torch.nn.modules.activation``, which :mod:`arraygrad.nn.modules.activation` mirrors by
offering them too.
"""

from __future__ import annotations

from arraygrad._tensor import Tensor
from arraygrad.nn import functional as F  # noqa: N812 - PyTorch's convention
from arraygrad.nn.modules.module import Module

__all__ = ["LogSoftmax", "Softmax", "Softmax2d", "Softmin"]


class Softmax(Module):
    """``exp(x_i) / sum_j exp(x_j)`` along ``dim``: each slice along ``dim`` sums to 1.

    Computed on ``x - max(x)``, so large logits do not overflow. Input ``(*)``, output the same
    shape; floating-point input only. ``dim=None`` picks a dimension with PyTorch's deprecation
    warning: pass ``dim``.

    >>> import arraygrad
    >>> arraygrad.nn.Softmax(dim=1)(arraygrad.tensor([[0.0, 0.0], [1000.0, 0.0]]))
    tensor([[0.5000, 0.5000],
            [1.0000, 0.0000]])
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """``x_i - log(sum_j exp(x_j))`` along ``dim``, ``log(softmax(x))`` computed stably.

    With ``z = x - max(x)`` no ``exp`` overflows and the ``log`` never sees 0, so the result is
    finite for logits of any size. Input ``(*)``, output the same shape; floating-point only.

    >>> import arraygrad
    >>> arraygrad.nn.LogSoftmax(dim=1)(arraygrad.tensor([[0.0, 0.0], [1000.0, 0.0]]))
    tensor([[-6.9315e-01, -6.9315e-01],
            [ 0.0000e+00, -1.0000e+03]])
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.log_softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmin(Module):
    """``softmax(-x)`` along ``dim``: ``exp(-x_i) / sum_j exp(-x_j)``, largest for the smallest
    ``x``; each slice along ``dim`` sums to 1.

    Computed stably (no overflow for large ``|x|``). Input ``(*)``, output the same shape.

    >>> import arraygrad
    >>> arraygrad.nn.Softmin(dim=0)(arraygrad.tensor([0.0, 1000.0]))
    tensor([1., 0.])
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.softmin(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax2d(Module):
    """Softmax over the channels (dimension -3) at every position of ``(N, C, H, W)`` or
    ``(C, H, W)`` input; output the same shape.

    >>> import arraygrad
    >>> arraygrad.nn.Softmax2d()(arraygrad.zeros(1, 4, 2, 3))[0, :, 0, 0]
    tensor([0.2500, 0.2500, 0.2500, 0.2500])
    """

    def forward(self, input: Tensor) -> Tensor:
        if input.dim() not in (3, 4):
            raise ValueError(
                f"Softmax2d: expected input to be 3D or 4D, got {input.dim()}D instead. Fix: "
                "pass (N, C, H, W) or (C, H, W) input, or use Softmax(dim=...)."
            )
        return F.softmax(input, -3, _stacklevel=5)
