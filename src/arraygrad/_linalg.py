"""Matrix products with PyTorch's shape rules and error messages."""

from __future__ import annotations

from typing import Any

from arraygrad import ops
from arraygrad._math import _operands
from arraygrad._tensor import Tensor

__all__ = [
    "matmul",
]


def _shape_text(shape: tuple[int, ...]) -> str:
    return "x".join(str(s) for s in shape)


def matmul(input: Any, other: Any) -> Tensor:
    """Matrix product: dot product for 1-D, matrix product for 2-D, batched (broadcasting
    the batch dimensions) beyond; a 1-D operand is treated as a row (left) or column (right).

    >>> import arraygrad
    >>> (arraygrad.ones(2, 3) @ arraygrad.ones(3)).tolist()
    [3.0, 3.0]
    """
    a, b = _operands(input, other)
    sa, sb = tuple(a.shape), tuple(b.shape)
    if not sa or not sb:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {len(sa)}D and "
            f"{len(sb)}D. Fix: use * for multiplication by a scalar."
        )
    inner_a = sa[-1]
    inner_b = sb[0] if len(sb) == 1 else sb[-2]
    if inner_a != inner_b:
        if len(sa) == 1 and len(sb) == 1:
            message = (
                "inconsistent tensor size, expected tensor [%d] and src [%d] to have the same "
                "number of elements, but got %d and %d elements respectively"
                % (inner_a, inner_b, inner_a, inner_b)
            )
        elif len(sb) == 1:
            message = f"size mismatch, got input ({sa[-2]}), mat ({_shape_text(sa)}), vec ({sb[0]})"
        else:
            left = sa if len(sa) > 1 else (1,) + sa
            message = (
                f"mat1 and mat2 shapes cannot be multiplied ({_shape_text(left[-2:])} and "
                f"{_shape_text(sb[-2:])})"
            )
        raise RuntimeError(
            f"{message}. Fix: the last dimension of the first operand ({inner_a}) must equal the "
            f"{'first' if len(sb) == 1 else 'second-to-last'} dimension of the second "
            f"({inner_b}); transpose one of them (.T or .mT) if that is what you meant."
        )
    try:
        return ops.matmul(a, b)
    except ValueError:
        raise RuntimeError(
            f"matmul: the batch dimensions of shapes {list(sa)} and {list(sb)} do not broadcast"
        ) from None
