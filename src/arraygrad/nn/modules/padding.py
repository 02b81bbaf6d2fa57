"""Padding modules: the module forms of ``F.pad``'s modes, for 1, 2 and 3 padded dimensions.

``padding`` is an int (the same on every side) or a tuple in ``F.pad``'s order (last dimension
first: ``(left, right, top, bottom, front, back)``), stored as a tuple as in PyTorch.

>>> import arraygrad
>>> ZeroPad1d((1, 2))(arraygrad.ones(1, 2)).tolist()
[[0.0, 1.0, 1.0, 0.0, 0.0]]
"""

from __future__ import annotations

from typing import Any

from arraygrad._tensor import Tensor
from arraygrad.nn import functional as F  # noqa: N812 - PyTorch's convention
from arraygrad.nn.modules.module import Module

__all__ = [
    "CircularPad1d",
    "CircularPad2d",
    "CircularPad3d",
    "ConstantPad1d",
    "ConstantPad2d",
    "ConstantPad3d",
    "ReflectionPad1d",
    "ReflectionPad2d",
    "ReflectionPad3d",
    "ReplicationPad1d",
    "ReplicationPad2d",
    "ReplicationPad3d",
    "ZeroPad1d",
    "ZeroPad2d",
    "ZeroPad3d",
]


def _sides(padding: Any, dims: int) -> tuple[int, ...]:
    """An int repeated for both sides of ``dims`` dimensions, or the given sequence as a tuple
    (PyTorch's ``_ntuple``: a sequence is kept as given)."""
    if isinstance(padding, int):
        return (padding,) * (2 * dims)
    return tuple(padding)


class _PadNd(Module):
    """Pad with ``F.pad(input, padding, mode)``."""

    mode = "constant"
    dims = 1

    def __init__(self, padding: Any) -> None:
        super().__init__()
        self.padding = _sides(padding, self.dims)

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    """Pad with the constant ``value``."""

    def __init__(self, padding: Any, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dimension with ``value``: ``(*, W)`` to ``(*, W + left + right)``.

    ``padding`` is an int (both sides) or ``(left, right)``; a negative amount crops.

    >>> import arraygrad
    >>> arraygrad.nn.ConstantPad1d((1, 2), 3.5)(arraygrad.tensor([[1.0, 2.0]]))
    tensor([[3.5000, 1.0000, 2.0000, 3.5000, 3.5000]])
    """


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dimensions with ``value``: ``(*, H, W)`` to
    ``(*, H + top + bottom, W + left + right)``.

    ``padding`` is an int or ``(left, right, top, bottom)``; a negative amount crops.

    >>> import arraygrad
    >>> arraygrad.nn.ConstantPad2d((1, 0, 0, 1), -1.0)(arraygrad.ones(1, 2, 2))
    tensor([[[-1.,  1.,  1.],
             [-1.,  1.,  1.],
             [-1., -1., -1.]]])
    """

    dims = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dimensions with ``value``: ``(*, D, H, W)`` to
    ``(*, D + front + back, H + top + bottom, W + left + right)``.

    ``padding`` is an int or ``(left, right, top, bottom, front, back)``.

    >>> import arraygrad
    >>> arraygrad.nn.ConstantPad3d(1, 0.5)(arraygrad.ones(1, 2, 3, 4)).shape
    arraygrad.Size([1, 4, 5, 6])
    """

    dims = 3


class ZeroPad1d(ConstantPad1d):
    """Pad the last dimension with zeros: ``(*, W)`` to ``(*, W + left + right)``.

    ``padding`` is an int (both sides) or ``(left, right)``; a negative amount crops.

    >>> import arraygrad
    >>> arraygrad.nn.ZeroPad1d(2)(arraygrad.tensor([[1.0, 2.0]]))
    tensor([[0., 0., 1., 2., 0., 0.]])
    """

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pad the last two dimensions with zeros: ``(*, H, W)`` to
    ``(*, H + top + bottom, W + left + right)``.

    ``padding`` is an int or ``(left, right, top, bottom)``; a negative amount crops.

    >>> import arraygrad
    >>> arraygrad.nn.ZeroPad2d((1, 1, 0, 1))(arraygrad.ones(1, 1, 2))
    tensor([[[0., 1., 1., 0.],
             [0., 0., 0., 0.]]])
    """

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """Pad the last three dimensions with zeros: ``(*, D, H, W)`` to
    ``(*, D + front + back, H + top + bottom, W + left + right)``.

    ``padding`` is an int or ``(left, right, top, bottom, front, back)``.

    >>> import arraygrad
    >>> arraygrad.nn.ZeroPad3d((1, 1, 2, 2, 0, 3))(arraygrad.ones(1, 1, 2, 3, 4)).shape
    arraygrad.Size([1, 1, 5, 7, 6])
    """

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ReflectionPadNd(_PadNd):
    """Mirror padding (PyTorch's ``_ReflectionPadNd``)."""

    mode = "reflect"


class _ReplicationPadNd(_PadNd):
    """Edge-repeating padding (PyTorch's ``_ReplicationPadNd``)."""

    mode = "replicate"


class _CircularPadNd(_PadNd):
    """Wrap-around padding (PyTorch's ``_CircularPadNd``)."""

    mode = "circular"

    def forward(self, input: Tensor) -> Tensor:
        # PyTorch's circular modules name the input's rank before F.pad sees it (a ValueError,
        # where the reflection and replication modules leave it to F.pad's NotImplementedError)
        if input.ndim not in (self.dims + 1, self.dims + 2):
            raise ValueError(
                f"expected {self.dims + 1}D or {self.dims + 2}D input (got {input.ndim}D input)"
                f". Fix: pass (N, C, *spatial) or (C, *spatial) input with {self.dims} spatial "
                "dimensions."
            )
        return super().forward(input)


class ReflectionPad1d(_ReflectionPadNd):
    """Pad the last dimension with its mirror image (the edge not repeated).

    ``(C, W)`` or ``(N, C, W)`` to ``W + left + right``; each amount must be less than ``W``
    (RuntimeError). A mirrored element's gradient adds to the element it copies.

    >>> import arraygrad
    >>> x = arraygrad.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    >>> arraygrad.nn.ReflectionPad1d(2)(x.detach())
    tensor([[3., 2., 1., 2., 3., 2., 1.]])
    >>> arraygrad.nn.ReflectionPad1d(2)(x).sum().backward()
    >>> x.grad
    tensor([[2., 3., 2.]])
    """


class ReflectionPad2d(_ReflectionPadNd):
    """Pad the last two dimensions with their mirror images (the edges not repeated).

    ``(C, H, W)`` or ``(N, C, H, W)``; each amount must be less than its dimension.
    ``padding`` is an int or ``(left, right, top, bottom)``.

    >>> import arraygrad
    >>> arraygrad.nn.ReflectionPad2d((2, 1, 0, 0))(arraygrad.arange(6.0).reshape(1, 2, 3))
    tensor([[[2., 1., 0., 1., 2., 1.],
             [5., 4., 3., 4., 5., 4.]]])
    """

    dims = 2


class ReflectionPad3d(_ReflectionPadNd):
    """Pad the last three dimensions with their mirror images (the edges not repeated).

    ``(C, D, H, W)`` or ``(N, C, D, H, W)``; each amount must be less than its dimension.

    >>> import arraygrad
    >>> arraygrad.nn.ReflectionPad3d(1)(arraygrad.zeros(1, 1, 2, 3, 4)).shape
    arraygrad.Size([1, 1, 4, 5, 6])
    """

    dims = 3


class ReplicationPad1d(_ReplicationPadNd):
    """Pad the last dimension by repeating its edge values.

    ``(C, W)`` or ``(N, C, W)`` to ``W + left + right``; the edge element's gradient collects
    those of all its copies.

    >>> import arraygrad
    >>> arraygrad.nn.ReplicationPad1d((1, 3))(arraygrad.tensor([[1.0, 2.0]]))
    tensor([[1., 1., 2., 2., 2., 2.]])
    """


class ReplicationPad2d(_ReplicationPadNd):
    """Pad the last two dimensions by repeating their edge values.

    ``(C, H, W)`` or ``(N, C, H, W)``; ``padding`` is an int or ``(left, right, top, bottom)``.

    >>> import arraygrad
    >>> arraygrad.nn.ReplicationPad2d(1)(arraygrad.arange(4.0).reshape(1, 1, 2, 2))
    tensor([[[[0., 0., 1., 1.],
              [0., 0., 1., 1.],
              [2., 2., 3., 3.],
              [2., 2., 3., 3.]]]])
    """

    dims = 2


class ReplicationPad3d(_ReplicationPadNd):
    """Pad the last three dimensions by repeating their edge values.

    ``(C, D, H, W)`` or ``(N, C, D, H, W)``; ``padding`` is an int or
    ``(left, right, top, bottom, front, back)``.

    >>> import arraygrad
    >>> arraygrad.nn.ReplicationPad3d((1, 1, 1, 1, 2, 2))(arraygrad.zeros(1, 1, 2, 3, 4)).shape
    arraygrad.Size([1, 1, 6, 5, 6])
    """

    dims = 3


class CircularPad1d(_CircularPadNd):
    """Pad the last dimension by wrapping around (periodic padding).

    ``(C, W)`` or ``(N, C, W)`` (ValueError otherwise); each amount at most ``W``.

    >>> import arraygrad
    >>> arraygrad.nn.CircularPad1d((2, 1))(arraygrad.tensor([[1.0, 2.0, 3.0]]))
    tensor([[2., 3., 1., 2., 3., 1.]])
    """


class CircularPad2d(_CircularPadNd):
    """Pad the last two dimensions by wrapping around (periodic padding).

    ``(C, H, W)`` or ``(N, C, H, W)`` (ValueError otherwise); each amount at most its dimension.
    ``padding`` is an int or ``(left, right, top, bottom)``.

    >>> import arraygrad
    >>> arraygrad.nn.CircularPad2d((1, 0, 1, 0))(arraygrad.arange(4.0).reshape(1, 2, 2))
    tensor([[[3., 2., 3.],
             [1., 0., 1.],
             [3., 2., 3.]]])
    """

    dims = 2


class CircularPad3d(_CircularPadNd):
    """Pad the last three dimensions by wrapping around (periodic padding).

    ``(C, D, H, W)`` or ``(N, C, D, H, W)`` (ValueError otherwise).

    >>> import arraygrad
    >>> arraygrad.nn.CircularPad3d(1)(arraygrad.zeros(1, 1, 2, 3, 4)).shape
    arraygrad.Size([1, 1, 4, 5, 6])
    """

    dims = 3
