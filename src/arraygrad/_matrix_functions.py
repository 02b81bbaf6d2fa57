"""Functions of square matrices built on the determinant, inverse and product primitives:
``logdet``, ``slogdet``, ``matrix_power`` and ``pinverse`` (its own primitive, with PyTorch's
gradient).

``slogdet`` is its own primitive (LU's sum of log pivots: no overflow or underflow), with
gradient ``A^-T``, and ``logdet`` is its ``log|det|``, ``nan`` where the sign is negative;
``matrix_power`` is repeated squaring with ``matmul`` (and ``inv`` for negative powers).
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad import _backend, _dtype, ops, return_types
from arraygrad._arguments import int_argument, number_argument
from arraygrad._linalg import _low_precision, _square, inverse, matmul
from arraygrad._out import written, written_each, written_exactly
from arraygrad._primitive import labelled
from arraygrad._tensor import Tensor, describe

__all__ = [
    "logdet",
    "matrix_power",
    "pinverse",
    "slogdet",
]


def slogdet(input: Tensor, *, out: tuple[Tensor, ...] | None = None) -> Any:
    """``(sign, logabsdet)`` of the determinant of a (batch of) square matrices, as
    ``return_types.slogdet``: ``det = sign * exp(logabsdet)``, and a singular matrix gives
    ``(0, -inf)``. The gradient of ``logabsdet`` is ``A^-T``; ``sign`` has none.

    >>> import arraygrad
    >>> arraygrad.slogdet(arraygrad.tensor([[1.0, 2.0], [3.0, 4.0]])).sign
    tensor(-1.)
    """
    if out is not None:
        return written_each("slogdet", out, slogdet, input)
    a = _square("linalg.slogdet", input, complex_ok=True)
    _low_precision("linalg.slogdet", a)
    if a.dtype.is_complex:  # a unit complex sign, and log|det| packed as a complex number
        packed = ops.complex_linalg.slogdet(a)
        sign, logabsdet = packed[..., 0], ops.real(packed[..., 1])
    else:
        packed = ops.slogdet(a)  # (..., 2): sign, log|det|
        sign, logabsdet = packed[..., 0], packed[..., 1]
    # (named as PyTorch's one node for both)
    name = "LinalgSlogdetBackward0"
    return return_types.slogdet(labelled(sign, name), labelled(logabsdet, name))


def linalg_slogdet(A: Tensor, *, out: tuple[Tensor, ...] | None = None) -> Any:  # noqa: N803 - torch's name
    """:func:`slogdet` as :func:`arraygrad.linalg.slogdet` returns it: ``(sign, logabsdet)``
    with ``det(A) = sign * exp(logabsdet)`` for ``A`` of shape ``(*, n, n)``, typed
    ``return_types.linalg_slogdet`` as torch's. ``logabsdet`` is a sum of logs of LU pivots, so
    it neither overflows nor underflows where :func:`arraygrad.linalg.det` does; its gradient
    is ``A^-T``.

    >>> import arraygrad
    >>> arraygrad.linalg.slogdet(arraygrad.tensor([[-2.0, 0.0], [0.0, 3.0]]))
    arraygrad.return_types.linalg_slogdet(
    sign=tensor(-1.),
    logabsdet=tensor(1.7918))
    """
    if out is not None:
        return written_each("linalg_slogdet", out, linalg_slogdet, A)
    return return_types.linalg_slogdet(*slogdet(A))


def logdet(input: Tensor) -> Tensor:
    """``log(det(A))`` of a (batch of) square matrices: ``nan`` for a negative determinant,
    ``-inf`` for a singular matrix. The gradient is ``A^-T``.

    >>> import arraygrad
    >>> arraygrad.logdet(arraygrad.tensor([[2.0, 0.0], [0.0, 3.0]]))
    tensor(1.7918)
    """
    a = _square("logdet", input, complex_ok=True)
    _low_precision("logdet", a)
    sign, logabsdet = slogdet(a)
    if sign.dtype.is_complex:  # log(det) = log|det| + i angle(det): the principal logarithm
        return sign.log() + logabsdet
    # nan for a negative determinant, with a zero gradient there (PyTorch's where).
    return ops.where(ops.less(sign.detach(), 0.0), math.nan, logabsdet)


def matrix_power(input: Tensor, n: int, *, out: Tensor | None = None) -> Tensor:
    """``A^n`` for a (batch of) square matrices by repeated squaring: the identity for ``n = 0``
    and powers of the inverse for ``n < 0`` (floating point matrices only).

    >>> import arraygrad
    >>> arraygrad.matrix_power(arraygrad.tensor([[1, 1], [0, 1]]), 3).tolist()
    [[1, 3], [0, 1]]
    """
    if out is not None:
        # PyTorch casts a power it copies (n = 0 or 1) into out; a product it writes exactly
        writer = written if n in (0, 1) else written_exactly
        return writer("matrix_power", out, matrix_power, input, n)
    n = int_argument("matrix_power", "n", n, 2)  # (a 0-d integer tensor is its int)
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"matrix_power(): argument 'n' must be int, not {type(n).__name__}.")
    shape = tuple(input.shape)
    if len(shape) < 2 or shape[-1] != shape[-2]:
        detail = (
            f"but they are {shape[-2]} by {shape[-1]} matrices"
            if len(shape) >= 2
            else f"but got a {len(shape)}D tensor"
        )
        raise RuntimeError(
            f"linalg.matrix_power: A must be batches of square matrices, {detail} "
            f"({describe(input)})."
        )
    xp = _backend.xp
    if n == 0:
        # The identity, of the input's dtype and batch shape, picked by a where from the input:
        # in the graph with a zero gradient, as in PyTorch (0 * input would give nan for inf).
        eye = Tensor._wrap(xp.eye(shape[-1], dtype=input._data.dtype))
        return ops.where(Tensor._wrap(xp.ones((), dtype=xp.bool)), eye, input)
    a = inverse(input) if n < 0 else input
    n = abs(n)
    result: Tensor | None = None
    while True:  # binary powering: multiply in the squares of a whose bit is set in n
        if n & 1:
            result = a if result is None else matmul(result, a)
        n >>= 1
        if not n:
            break
        a = matmul(a, a)
    assert result is not None
    return ops.clone(result) if result is input else result


def check_pinv_dtype(a: Tensor) -> None:
    """Raise torch's RuntimeError unless ``a`` is float32, float64 or complex: torch's pinv
    has no integer, float16 or bfloat16 kernel.

    >>> import arraygrad
    >>> try:
    ...     arraygrad.linalg.pinv(arraygrad.ones(2, 2, dtype=arraygrad.int64))
    ... except RuntimeError:
    ...     print("refused")
    refused
    """
    if not (a.dtype.is_floating_point or a.dtype.is_complex) or a.dtype in _dtype.REDUCED_FLOATS:
        raise RuntimeError(
            "linalg.pinv: Expected a float32, float64, complex64 or complex128 tensor as input. "
            f"Got {_dtype.torch_type_name(a.dtype)}. Fix: convert it first, e.g. A.double()."
        )


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """The Moore-Penrose pseudo-inverse of a (batch of) ``m x n`` matrices, an ``n x m`` result;
    singular values below ``rcond`` times the largest are treated as zero. The gradient is
    PyTorch's (exact where the rank does not change).

    >>> import arraygrad
    >>> arraygrad.pinverse(arraygrad.tensor([[2.0, 0.0], [0.0, 0.0]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.0000]])
    """
    rcond = number_argument("pinverse", "rcond", rcond, 2, kind="float")
    if input.ndim < 2:
        raise RuntimeError(
            "linalg.pinv: The input tensor A must have at least 2 dimensions, got "
            f"{describe(input)}. Fix: pass a matrix or a batch of matrices."
        )
    check_pinv_dtype(input)
    if input.numel() == 0:  # NumPy's SVD refuses empty matrices; the answer is empty too,
        # of the transposed shape: made from the input, so that it is in the graph (PyTorch's
        # pinverse of an empty input requires grad; its gradient is empty)
        return labelled(ops.clone(ops.matrix_transpose(input)), "LinalgPinvBackward0")
    if input.dtype.is_complex:
        return ops.complex_linalg.pinv(input, rtol=float(rcond))
    return ops.pinv(input, rtol=float(rcond))
