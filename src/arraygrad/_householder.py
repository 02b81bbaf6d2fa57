"""Householder QR for real and complex tensors: ``geqrf`` (LAPACK's compact QR),
``householder_product`` (``arraygrad.linalg``'s, and the top-level ``orgqr``) and ``ormqr``
(a product with the Q of a ``geqrf``), with PyTorch's argument checks.

Each is composed of existing differentiable ops, so its gradient is the composition's.
(Split from ``_linalg_extra``, which re-exports them.)
"""

from __future__ import annotations

from typing import Any

from arraygrad import _backend, _dtype, ops, return_types
from arraygrad._linalg import matmul, tril
from arraygrad._math import add, mul, sub, where
from arraygrad._out import written, written_each, written_exactly
from arraygrad._primitive import labelled
from arraygrad._shape import cat
from arraygrad._tensor import Tensor
from arraygrad._triangular import _adjoint

__all__ = ["geqrf", "householder_product", "orgqr", "ormqr"]


def _check_tau_batch(name: str, tau: Tensor, input: Tensor, k: int) -> None:
    """PyTorch's checks that ``tau`` has ``input``'s batch dimensions, then its ``k``."""
    if tau.ndim != input.ndim - 1:
        raise RuntimeError(
            f"{name}: Expected tau to have one dimension less than input, but got tau.ndim "
            f"equal to {tau.ndim} and input.ndim is equal to {input.ndim}. Fix: pass tau of "
            f"shape {list(input.shape[:-2]) + [k]} (input's batch dimensions, then k)."
        )
    if tuple(tau.shape[:-1]) != tuple(input.shape[:-2]):
        raise RuntimeError(
            f"{name}: Expected batch dimensions of tau to be equal to input.shape[:-2], but got "
            f"{list(tau.shape[:-1])}. Fix: pass tau with batch dimensions "
            f"{list(input.shape[:-2])}, as geqrf returns them."
        )


def householder_product(A: Tensor, tau: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: N803 - torch's names
    """The first ``n`` columns of ``H_1 H_2 ... H_k`` for ``A`` ``m x n`` (``m >= n``) and
    ``tau`` of length ``k <= n``: ``H_i = I - tau_i v_i v_i^T`` with ``v_i`` the ``i``-th column
    of ``A`` below the diagonal and 1 on it (LAPACK's orgqr, e.g. on the output of geqrf).
    Composed of matrix products, so ``A`` and ``tau`` get the true gradient (torch's).

    >>> import arraygrad
    >>> a = arraygrad.tensor([[1.0, 0.0], [1.0, 1.0]])
    >>> arraygrad.linalg.householder_product(a, arraygrad.tensor([1.0, 0.0])).tolist()
    [[0.0, -1.0], [-1.0, 0.0]]
    """
    if out is not None:
        return written("linalg_householder_product", out, householder_product, A, tau)
    name = "torch.linalg.householder_product"
    _check_matrices(name, "input", A, "pass the (*, m, n) matrix that geqrf returned.")
    m, n = A.shape[-2], A.shape[-1]
    if m < n:
        raise RuntimeError(
            f"{name}: input.shape[-2] must be greater than or equal to input.shape[-1] (got "
            f"{m} x {n}). Fix: pass the m x n output of geqrf with m >= n."
        )
    if tau.ndim == 0:
        raise IndexError(
            "Dimension specified as -1 but tensor has no dimensions"
            ". Fix: pass tau as the (*, k) tensor that geqrf returned, not a 0-d "
            "tensor."
        )
    k = tau.shape[-1]
    if k > n:
        raise RuntimeError(
            f"{name}: input.shape[-1] must be greater than or equal to tau.shape[-1] (got {n} "
            f"and {k})"
            f". Fix: pass tau with at most {n} reflectors (geqrf gives min(m, n))."
        )
    _check_tau_batch(name, tau, A, k)
    if tau.dtype != A.dtype:
        raise RuntimeError(
            f"{name}: tau dtype {_dtype.torch_type_name(tau.dtype)} does not match input dtype "
            f"{_dtype.torch_type_name(A.dtype)}. Fix: convert one, e.g. tau.to(input.dtype)."
        )
    if not (A.dtype.is_floating_point or A.dtype.is_complex) or A.dtype in _dtype.REDUCED_FLOATS:
        raise NotImplementedError(
            f"\"orgqr_cpu\" not implemented for '{_dtype.torch_type_name(A.dtype)}'. Fix: "
            "convert the inputs to float32 or float64 first, e.g. A.double()."
        )
    xp = _backend.xp
    native = A._data.dtype
    # the rectangular identity in every matrix of the batch (a fresh array, not a view)
    q = Tensor._wrap(xp.zeros(tuple(A.shape), dtype=native) + xp.eye(m, n, dtype=native))
    if k == 0:  # no reflectors: the identity, yet a function of A and tau (zero gradients), as
        # torch's result, which requires grad where they do
        taus = ops.reshape(ops.sum(tau, axis=(tau.ndim - 1,)), shape=(*tau.shape[:-1], 1, 1))
        return labelled(where(False, add(A, taus), q), "LinalgHouseholderProductBackward0")
    vectors = ops.add(tril(A, -1), Tensor._wrap(xp.eye(m, n, dtype=native)))
    t = _adjoint  # (H_i = I - tau_i v_i v_i^H for complex A)
    for i in reversed(range(k)):  # H_i (H_{i+1} ... H_k E): m x n products only
        v = vectors[..., :, i : i + 1]
        scale = ops.reshape(tau[..., i : i + 1], shape=(*tau.shape[:-1], 1, 1))
        q = sub(q, mul(scale, matmul(v, matmul(t(v), q))))
    return labelled(q, "LinalgHouseholderProductBackward0")


def orgqr(input: Tensor, tau: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``torch.orgqr``: :func:`arraygrad.linalg.householder_product`.

    >>> import arraygrad
    >>> arraygrad.orgqr(arraygrad.tensor([[1.0], [0.0]]), arraygrad.tensor([0.0])).tolist()
    [[1.0], [0.0]]
    """
    return householder_product(input, tau, out=out)


def geqrf(input: Tensor, *, out: tuple[Tensor, ...] | None = None) -> Any:
    """LAPACK's QR of each ``m x n`` matrix in its compact form ``(a, tau)``: ``R`` on and above
    the diagonal of ``a``, below it the Householder vectors ``v_i`` (whose 1 on the diagonal
    is implied), and their scales ``tau`` (``min(m, n)`` of them), with
    ``Q = H_1 ... H_k``, ``H_i = I - tau_i v_i v_i^T`` (:func:`orgqr` and :func:`ormqr` use it).
    No gradient, as in PyTorch: the results require grad where the input does, and backward
    through them raises.

    >>> import arraygrad
    >>> a, tau = arraygrad.geqrf(arraygrad.tensor([[3.0, 1.0], [4.0, 2.0]]))
    >>> a.diagonal().abs(), tau.shape
    (tensor([5.0000, 0.4000]), arraygrad.Size([2]))
    """
    if out is not None:
        return written_each("geqrf", out, geqrf, input)
    _check_matrices(
        "torch.geqrf", "input", input, "pass a matrix or a batch of matrices (*, m, n)."
    )
    if (
        not (input.dtype.is_floating_point or input.dtype.is_complex)
        or input.dtype in _dtype.REDUCED_FLOATS
    ):
        raise NotImplementedError(
            f"\"geqrf_cpu\" not implemented for '{_dtype.torch_type_name(input.dtype)}'. Fix: "
            "convert the input to float32 or float64 first, e.g. A.double()."
        )
    if input.dtype.is_complex:  # torch records no complex geqrf (its results would need one)
        from arraygrad.nn._common import refuse_complex_autograd

        refuse_complex_autograd("geqrf", input)
    factors, taus = _backend.householder_qr(input._data)
    # As PyTorch's, the results require grad where the input does, and backward raises.
    message = "the derivative for 'geqrf' is not implemented"
    results = (
        ops.without_derivative(
            Tensor._wrap(array), [input], message, error=NotImplementedError, name="GeqrfBackward0"
        )
        for array in (factors, taus)
    )
    return return_types.geqrf(*results)


def ormqr(
    input: Tensor,
    tau: Tensor,
    other: Tensor,
    left: bool = True,
    transpose: bool = False,
    *,
    out: Tensor | None = None,
) -> Tensor:
    """``other`` multiplied by the ``m x m`` orthogonal ``Q`` of :func:`geqrf`'s ``(input,
    tau)``: ``Q other`` (``left``) or ``other Q``, with ``Q^T`` for ``transpose``.

    Composed of :func:`arraygrad.linalg.householder_product` (on ``input`` widened to ``m``
    columns, the extra reflectors the identity) and a matrix product, so ``input``, ``tau`` and
    ``other`` all get their true gradient, as in PyTorch.

    >>> import arraygrad
    >>> a = arraygrad.tensor([[3.0, 1.0], [4.0, 2.0]])
    >>> q = arraygrad.ormqr(*arraygrad.geqrf(a), arraygrad.eye(2))
    >>> (q @ arraygrad.triu(arraygrad.geqrf(a).a)).round(decimals=4).tolist()
    [[3.0, 1.0], [4.0, 2.0]]
    """
    if out is not None:
        return written_exactly("ormqr", out, ormqr, input, tau, other, left, transpose)
    name = "torch.ormqr"
    _check_matrices(name, "input", input, "pass the (*, m, n) matrix that geqrf returned.")
    _check_matrices(
        name, "other", other, "pass other as a (*, m, p) matrix (other.unsqueeze(-1) for a vector)."
    )
    m, n = input.shape[-2], input.shape[-1]
    k = tau.shape[-1] if tau.ndim else 0
    side = -2 if left else -1
    if other.shape[side] != m:
        raise RuntimeError(
            f"{name}: other.shape[{side}] must be equal to input.shape[-2]"
            f" (got other.shape={list(other.shape)} and "
            f"input.shape={list(input.shape)}). Fix: give other {m} entries in "
            f"dimension {side}, or pass left={not left} if they are in the other one."
        )
    _check_tau_batch(name, tau, input, k)
    # PyTorch wants exactly geqrf's number of reflectors
    if k != min(other.shape[side], n):
        raise RuntimeError(
            f"{name}: tau.shape[-1] must be equal to min(other.shape[-2], input.shape[-1])"
            f" (got tau.shape[-1]={k}, other.shape[{side}]={other.shape[side]}, "
            f"input.shape[-1]={n}). Fix: pass the tau that geqrf returned with this "
            "input."
        )
    if tau.dtype != input.dtype or other.dtype != input.dtype:
        wrong, label = (tau, "tau") if tau.dtype != input.dtype else (other, "other")
        raise RuntimeError(
            f"{name}: Expected input and {label} to have the same dtype, but input has dtype"
            f"{_dtype.torch_type_name(input.dtype)} and {label} has dtype "
            f"{_dtype.torch_type_name(wrong.dtype)}"
            f". Fix: convert them to one dtype, e.g. {label}.to(input.dtype)."
        )
    # Q (m x m) is the product of the k reflectors: the columns past the k-th are unused, and
    # any further reflector with tau 0 is the identity.
    batch = tuple(input.shape[:-2])
    vectors = input[..., :, :k]
    if k < m:
        vectors = cat(
            [vectors, Tensor._wrap(_backend.xp.zeros((*batch, m, m - k), dtype=input._data.dtype))],
            -1,
        )
        tau = cat(
            [tau, Tensor._wrap(_backend.xp.zeros((*batch, m - k), dtype=input._data.dtype))],
            -1,
        )
    q = householder_product(vectors, tau)
    if transpose:  # (Q^H for complex Q, as torch's)
        q = _adjoint(q)
    return labelled(matmul(q, other) if left else matmul(other, q), "OrmqrBackward0")


def _check_matrices(name: str, what: str, tensor: Tensor, fix: str) -> None:
    """PyTorch's refusal (``name``: the function) of an argument ``what`` with fewer than 2
    dimensions, with the shape given and ``fix``."""
    if tensor.ndim < 2:
        raise RuntimeError(
            f"{name}: {what} must have at least 2 dimensions. (got shape {list(tensor.shape)})."
            f" Fix: {fix}"
        )
