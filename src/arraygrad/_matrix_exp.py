"""The matrix exponential ``exp(A) = sum_k A^k / k!`` of a (batch of) square matrices.

A composite of matrix products and one linear solve (Higham's scaling and squaring with the
[13/13] Pade approximant), so its gradient is the exact derivative of the computed value,
obtained by differentiating through the same products.
"""

from __future__ import annotations

import math

from arraygrad import _backend, _dtype, ops
from arraygrad._linalg import matmul
from arraygrad._math import add, exp, mul, sub
from arraygrad._primitive import labelled
from arraygrad._tensor import Tensor, describe

__all__ = ["matrix_exp"]

# Numerator coefficients of the [13/13] Pade approximant of exp (the denominator's are the same
# with alternating signs), and the largest 1-norm for which it is exact to double precision
# (Higham, "The scaling and squaring method for the matrix exponential revisited", 2005).
_PADE13 = (
    64764752532480000.0,
    32382376266240000.0,
    7771770303897600.0,
    1187353796428800.0,
    129060195264000.0,
    10559470521600.0,
    670442572800.0,
    33522128640.0,
    1323241920.0,
    40840800.0,
    960960.0,
    16380.0,
    182.0,
    1.0,
)
_THETA13 = 5.371920351148152
_NAME = "LinalgMatrixExpBackward0"  # torch's one node, for the approximant's products here


def matrix_exp(A: Tensor) -> Tensor:  # noqa: N803 - PyTorch's argument name
    """``exp(A) = I + A + A^2/2! + ...`` of each square matrix in the last two dimensions.

    ``A`` is scaled by ``2^-s`` so that its 1-norm is at most 5.37, the [13/13] Pade approximant
    ``(V - U)^-1 (V + U)`` is taken (U holds the odd powers, V the even ones), and the result is
    squared ``s`` times. A batch shares the largest ``s`` of its matrices.

    >>> import arraygrad
    >>> arraygrad.matrix_exp(arraygrad.tensor([[0.0, 1.0], [0.0, 0.0]]))
    tensor([[1., 1.],
            [0., 1.]])
    """
    shape = tuple(A.shape)
    if len(shape) < 2:
        raise RuntimeError(
            "linalg.matrix_exp: The input tensor A must have at least 2 dimensions "
            f"({describe(A)}). Fix: pass a matrix or a batch of matrices."
        )
    if shape[-1] != shape[-2]:
        raise RuntimeError(
            f"linalg.matrix_exp: A must be batches of square matrices, but they are {shape[-2]} "
            f"by {shape[-1]} matrices. Fix: the last two dimensions must be equal."
        )
    if not (A.dtype.is_floating_point or A.dtype.is_complex):
        raise RuntimeError(
            "linalg.matrix_exp: Expected a floating point or complex tensor as input. Got "
            f"{A.dtype.name}. Fix: convert it first, e.g. A.double()."
        )
    n = shape[-1]
    if A.numel() == 0:
        return labelled(ops.clone(A), _NAME)
    if n == 1:  # torch's shortcut: exp(inf) is inf and exp(-inf) 0, where the approximant has nan
        return labelled(exp(A), _NAME)
    xp = _backend.xp
    # The approximant runs in float64 and the result is cast back: in float32 the rounding of
    # the degree-13 polynomial costs ~1e-4 relative accuracy (torch: ~1e-6), and float16 has
    # no linear solve at all. Complex matrices run in complex128, with the complex products and
    # solve (every step holomorphic, so the gradient is PyTorch's conjugate one).
    dtype = A.dtype
    precise = _dtype.complex128 if dtype.is_complex else _dtype.float64
    wide = dtype != precise
    if wide:
        A = ops.astype(A, precise)  # noqa: N806 - PyTorch's argument name
    eye = Tensor._wrap(xp.eye(n, dtype=A._data.dtype))
    # The 1-norm (largest column sum of |A|) decides the scaling. _backend.item makes compile
    # fall back to eager: the number of squarings depends on the values. A matrix holding nan
    # or inf gives nan whatever the scaling (as in PyTorch), so only the finite norms count:
    # the others of its batch still get theirs.
    norms = xp.max(xp.sum(xp.abs(A._data), axis=-2), axis=-1)
    norm = float(_backend.item(xp.max(xp.where(xp.isfinite(norms), norms, 0.0))))
    squarings = max(0, math.ceil(math.log2(norm / _THETA13))) if norm > _THETA13 else 0
    a = mul(A, 2.0**-squarings) if squarings else A
    b = _PADE13
    a2 = matmul(a, a)
    a4 = matmul(a2, a2)
    a6 = matmul(a4, a2)

    def combine(c6: float, c4: float, c2: float, c0: float | None = None) -> Tensor:
        total = add(add(mul(a6, c6), mul(a4, c4)), mul(a2, c2))
        return total if c0 is None else add(total, mul(eye, c0))

    u = matmul(a, add(matmul(a6, combine(b[13], b[11], b[9])), combine(b[7], b[5], b[3], b[1])))
    v = add(matmul(a6, combine(b[12], b[10], b[8])), combine(b[6], b[4], b[2], b[0]))
    solve = ops.complex_ops.solve if precise.is_complex else ops.solve
    result = solve(sub(v, u), add(v, u))
    for _ in range(squarings):
        result = matmul(result, result)
    return labelled(ops.astype(result, dtype) if wide else result, _NAME)
