"""``renorm``: rescale the slices of a tensor whose p-norm exceeds a bound (the max-norm
constraint of embedding rows and weight vectors); ``norm_except_dim``: the norm of each slice
(weight norm's ``||v||``)."""

from __future__ import annotations

from arraygrad._comparison import gt
from arraygrad._dims import normalize_dim
from arraygrad._division import div
from arraygrad._math import add, mul, where
from arraygrad._out import written_exactly
from arraygrad._shape import unsqueeze
from arraygrad._statistics import vector_norm
from arraygrad._tensor import Tensor, c_ordered_result, describe

__all__ = ["norm_except_dim", "renorm"]


@c_ordered_result
def renorm(
    input: Tensor, p: float, dim: int, maxnorm: float, *, out: Tensor | None = None
) -> Tensor:
    """Each slice ``input.select(dim, i)`` whose ``p``-norm exceeds ``maxnorm`` is scaled by
    ``maxnorm / (norm + 1e-7)`` (PyTorch's factor); the other slices are kept as they are.

    >>> import arraygrad
    >>> arraygrad.renorm(arraygrad.tensor([[3.0, 4.0], [0.3, 0.4]]), 2, 0, 1.0)
    tensor([[0.6000, 0.8000],
            [0.3000, 0.4000]])
    """
    if out is not None:
        return written_exactly("renorm", out, renorm, input, p, dim, maxnorm)
    if input.ndim < 2:
        raise RuntimeError(
            f"renorm: input needs at least 2 dimensions, got {input.ndim} dimensions "
            f"({describe(input)}). Fix: renorm scales slices along dim; use "
            "x * (maxnorm / x.norm(p)).clamp(max=1) for a single vector."
        )
    if not p > 0:
        raise RuntimeError(
            f"renorm: non-positive-norm not supported (got p={p}). Fix: use p > 0, e.g. 2."
        )
    if maxnorm < 0:
        raise RuntimeError(
            f"renorm: expected maxnorm to be >= 0 but got {maxnorm}. Fix: pass the largest "
            "norm a slice may keep."
        )
    axis = normalize_dim(dim, input.ndim)
    others = tuple(i for i in range(input.ndim) if i != axis)
    norm = vector_norm(input, p, others, keepdim=True)
    factor = where(gt(norm, maxnorm), div(maxnorm, add(norm, 1e-7)), 1.0)
    return mul(input, factor)


def norm_except_dim(v: Tensor, pow: int = 2, dim: int = 0) -> Tensor:
    """The ``pow``-norm of each slice ``v.select(dim, i)``, ``(sum_j |v_ij|^pow)^(1/pow)``
    over every other dimension, kept as size-1 dimensions (weight norm's ``||v||``). ``dim=-1``
    means no dimension: the norm of the whole of ``v`` (a 0-d result), as in PyTorch, where the
    last dimension is ``v.ndim - 1``. Of a 1-D ``v`` each slice is one element: ``|v|``.

    >>> import arraygrad
    >>> arraygrad.norm_except_dim(arraygrad.tensor([[3.0, 4.0], [0.0, 1.0]]))
    tensor([[5.],
            [1.]])
    >>> arraygrad.norm_except_dim(arraygrad.tensor([[3.0, 4.0], [0.0, 0.0]]), 2, -1)
    tensor(5.)
    """
    for name, value, position in (("pow", pow, 2), ("dim", dim, 3)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(
                f"norm_except_dim(): argument '{name}' (position {position}) must be int, not "
                f"{type(value).__name__}. Fix: pass a whole number, e.g. {name}=2."
            )
    if dim == -1:
        return vector_norm(v, pow)
    if v.ndim == 0:
        raise IndexError(
            f"norm_except_dim: Dimension specified as {dim} but tensor has no dimensions. Fix: "
            "pass dim=-1 for the norm of the whole tensor."
        )
    axis = normalize_dim(dim, v.ndim)
    if v.shape[axis] == 0:  # PyTorch reshapes v to (size, -1), which 0 elements leave open
        raise RuntimeError(
            f"cannot reshape tensor of 0 elements into shape [0, -1] because the unspecified "
            f"dimension size -1 can be any value and is ambiguous: norm_except_dim of a tensor "
            f"of shape {list(v.shape)} along dim {dim}, of size 0. Fix: skip the empty tensor."
        )
    if v.ndim == 1:  # no other dimension: the norm of each element alone
        return vector_norm(unsqueeze(v, 1), pow, (1,))
    others = tuple(i for i in range(v.ndim) if i != axis)
    return vector_norm(v, pow, others, keepdim=True)
