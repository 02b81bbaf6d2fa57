"""Matrix decompositions with PyTorch's API: Cholesky, symmetric eigendecomposition, SVD and QR,
and the randomized low-rank SVD and PCA (``svd_lowrank``, ``pca_lowrank``) built on the last two.

``linalg_cholesky``, ``eigh``, ``eigvalsh``, ``linalg_svd``, ``svdvals`` and ``linalg_qr`` are
``torch.linalg``'s (``arraygrad.linalg`` exposes them under their PyTorch names); ``cholesky``,
``qr`` and ``svd`` are the top-level ``torch`` functions (``svd`` returns ``V``, not ``Vh``).
Each factorisation is one primitive of ``arraygrad.ops.decompositions`` returning a packed
array, sliced here into the named results so that gradients flow from any of them.
"""

from __future__ import annotations

from typing import Any

from arraygrad import _backend, _dtype, ops, return_types
from arraygrad._arguments import bool_argument, str_argument
from arraygrad._linalg import LinAlgError, _inexact, _kernel_supports, _square, _square_shape
from arraygrad._out import written, written_each, written_exactly
from arraygrad._primitive import labelled
from arraygrad._tensor import Tensor
from arraygrad._views import diagonal as _diagonal

__all__ = [
    "cholesky",
    "pca_lowrank",
    "qr",
    "svd",
    "svd_lowrank",
]


# The C++ type names PyTorch's matrix-product dtype errors give dtypes.
_CPP_NAMES = {"float32": "float", "float64": "double", "int64": "long int", "int32": "int"}

_NOT_POSITIVE_DEFINITE = (
    "The factorization could not be completed because the input is not positive-definite",
    "check that A is symmetric positive-definite, e.g. add a small multiple of the identity",
)
_NON_FINITE = (
    "The algorithm failed to converge because the input matrix contained non-finite values",
    "remove or replace the nan / inf entries of A first",
)


def _factorise(
    name: str, primitive: Any, a: Tensor, failure: tuple[str, str], **params: Any
) -> Tensor:
    """``primitive(a)``, with the array library's failure raised as LinAlgError stating
    ``failure`` (what went wrong, and the fix) for the caller's decomposition."""
    try:
        return primitive(a, **params)
    except ValueError:  # NumPy's LinAlgError is a ValueError
        problem, fix = failure
        raise LinAlgError(f"{name}: {problem} (A of shape {list(a.shape)}). Fix: {fix}.") from None


def _default_rtol(a: Tensor) -> float:
    """The default relative tolerance for singular values of rank and pseudo-inverse
    decisions, ``eps * max(m, n)`` of ``a``'s dtype, as PyTorch's."""
    inexact = a.dtype.is_floating_point or a.dtype.is_complex
    eps = float(_backend.xp.finfo(a._data.dtype).eps) if inexact else 0.0
    return eps * max(a.shape[-2:], default=1)


def _matrices(name: str, a: Tensor, complex_ok: bool = False) -> Tensor:
    """``a`` checked to be a (batch of) floating matrices; complex ones too where the caller
    has complex rules (``complex_ok``), arraygrad's refusal elsewhere."""
    if a.ndim < 2:
        raise RuntimeError(
            f"{name}: The input tensor A must have at least 2 dimensions, got shape "
            f"{list(a.shape)}. Fix: pass a matrix or a batch of matrices."
        )
    return _inexact(name, a, complex_ok)


def linalg_cholesky(A: Tensor, *, upper: bool = False, out: Tensor | None = None) -> Tensor:  # noqa: N803 - torch's name
    """The Cholesky factor of a symmetric positive-definite ``A = L L^T`` (``L`` lower
    triangular, read from ``A``'s lower triangle), or ``U = L^T`` with ``upper=True`` (read from
    the upper triangle). Raises :class:`LinAlgError` when ``A`` is not positive-definite.

    >>> import arraygrad
    >>> arraygrad.linalg.cholesky(arraygrad.tensor([[4.0, 2.0], [2.0, 5.0]])).tolist()
    [[2.0, 0.0], [1.0, 2.0]]
    """
    if out is not None:
        return written_exactly("linalg_cholesky", out, linalg_cholesky, A, upper=upper)
    return _cholesky("linalg.cholesky", A, bool(bool_argument("linalg_cholesky", "upper", upper)))


def _cholesky(name: str, A: Tensor, upper: bool) -> Tensor:  # noqa: N803 - torch's name
    a = _square_shape(name, A)
    if name == "cholesky" and a.numel():  # (torch.cholesky meets the kernel's dtypes first)
        _kernel_supports("cholesky_cpu", a, integers=True)
    a = _square(name, a, complex_ok=True)
    _kernel_supports("cholesky_cpu", a)
    primitive = ops.complex_linalg.cholesky if a.dtype.is_complex else ops.cholesky
    # (named as torch's node: its linalg.cholesky is linalg_cholesky_ex)
    label = "CholeskyBackward0" if name == "cholesky" else "LinalgCholeskyExBackward0"
    try:
        factor = primitive(a, upper=upper)
    except ValueError:  # NumPy's LinAlgError: torch's names the batch element and the minor
        _not_positive_definite(name, a._data, upper)
    tracer = _backend.tracer
    if tracer is None:
        _check_pivots(name, a._data, factor._data, upper)
    else:  # a step of the compiled program (it reads values), as lu's info check
        tracer.call(_check_pivots, (name, a._data, factor._data, upper))
    return labelled(factor, label)


def nan_pivot(factor: Any) -> bool:
    """Whether a Cholesky factor (raw) has a nan on its diagonal: NumPy factors a nan without
    complaint, where LAPACK's test of each pivot fails (every entry of a row enters its
    diagonal entry), so torch reports the matrix as not positive-definite."""
    xp = _backend.xp
    diagonal = _diagonal(Tensor._wrap(factor), 0, -2, -1)._data
    return not bool(_backend.to_numpy(xp.all(xp.equal(diagonal, diagonal))))


def _check_pivots(name: str, a: Any, factor: Any, upper: bool) -> None:
    if nan_pivot(factor):
        _not_positive_definite(name, a, upper)


def _not_positive_definite(name: str, a: Any, upper: bool) -> None:
    """torch's LinAlgError for the raw matrices ``a``, naming the batch element and minor."""
    from arraygrad._linalg_extra import raise_not_positive_definite  # (imports this)

    raise_not_positive_definite(name, Tensor._wrap(a), upper=upper, fix=_NOT_POSITIVE_DEFINITE[1])


def cholesky(input: Tensor, upper: bool = False, *, out: Tensor | None = None) -> Tensor:
    """``torch.cholesky``: :func:`arraygrad.linalg.cholesky` with ``upper`` positional.

    >>> import arraygrad
    >>> arraygrad.cholesky(arraygrad.tensor([[4.0, 2.0], [2.0, 5.0]]), True).tolist()
    [[2.0, 1.0], [0.0, 2.0]]
    """
    if out is not None:
        return written("cholesky", out, cholesky, input, upper)
    return _cholesky("cholesky", input, bool(bool_argument("cholesky", "upper", upper, 2)))


def _upper(uplo: str) -> bool:
    if uplo not in ("L", "U", "l", "u"):
        raise RuntimeError(
            f"Expected UPLO argument to be 'L' or 'U', but got {uplo}. Fix: 'L' reads the lower "
            "triangle of A, 'U' the upper one."
        )
    return uplo in ("U", "u")


def eigh(A: Tensor, UPLO: str = "L", *, out: tuple[Tensor, ...] | None = None) -> Any:  # noqa: N803 - torch's names
    """The eigenvalues (ascending) and orthonormal eigenvectors (columns) of a symmetric ``A``,
    ``A = V diag(L) V^T``, read from the triangle ``UPLO``, as ``return_types.linalg_eigh``.
    The gradient is ``V (diag(gL) + skew(V^T gV) / (L_j - L_i)) V^T``: infinite or nan where
    eigenvalues repeat and ``gV`` is nonzero (the eigenvectors are not unique there), as torch.

    >>> import arraygrad
    >>> arraygrad.linalg.eigh(arraygrad.tensor([[2.0, 1.0], [1.0, 2.0]])).eigenvalues.tolist()
    [1.0, 3.0]
    """
    if out is not None:
        return written_each("linalg_eigh", out, eigh, A, UPLO)
    upper = _upper(str_argument("linalg_eigh", "UPLO", UPLO, 2))
    a = _square_shape("linalg.eigh", A)
    _kernel_supports("linalg_eigh_cpu", a, integers=True)  # (after the shape, as torch's)
    a = _square("linalg.eigh", a, complex_ok=True, empty_ok=True)
    n = a.shape[-1]
    if a.dtype.is_complex:  # real eigenvalues, packed as complex numbers
        packed = ops.complex_linalg.eigh(a, upper=upper)
        values = ops.real(packed[..., n, :])
    else:
        packed = ops.eigh(a, upper=upper)
        values = packed[..., n, :]
    return return_types.linalg_eigh(*_named("LinalgEighBackward0", values, packed[..., :n, :]))


def eigvalsh(A: Tensor, UPLO: str = "L", *, out: Tensor | None = None) -> Tensor:  # noqa: N803
    """The eigenvalues (ascending) of a symmetric ``A`` read from the triangle ``UPLO``; their
    gradient is ``V diag(gL) V^T``.

    >>> import arraygrad
    >>> arraygrad.linalg.eigvalsh(arraygrad.tensor([[2.0, 0.0], [0.0, 1.0]])).tolist()
    [1.0, 2.0]
    """
    if out is not None:
        return written_exactly("linalg_eigvalsh", out, eigvalsh, A, UPLO)
    return eigh(A, str_argument("linalg_eigvalsh", "UPLO", UPLO, 2)).eigenvalues


def linalg_svd(
    A: Tensor,  # noqa: N803 - torch's names
    full_matrices: bool = True,
    *,
    driver: str | None = None,
    out: tuple[Tensor, ...] | None = None,
) -> Any:
    """The singular value decomposition ``A = U diag(S) Vh`` (``S`` descending) as
    ``return_types.linalg_svd``: ``U`` is ``m x m`` and ``Vh`` ``n x n`` with
    ``full_matrices``, else ``m x k`` and ``k x n`` (``k = min(m, n)``). Gradients are
    torch's; they flow only through the first ``k`` singular vectors, and are infinite or nan
    for repeated singular values when ``U`` or ``Vh`` is used (the vectors are not unique).

    >>> import arraygrad
    >>> arraygrad.linalg.svd(arraygrad.tensor([[3.0, 0.0], [0.0, -4.0]])).S.tolist()
    [4.0, 3.0]
    """
    if out is not None:
        return written_each("linalg_svd", out, linalg_svd, A, full_matrices, driver=driver)
    full_matrices = bool_argument("linalg_svd", "full_matrices", full_matrices, 2)
    a = _matrices("linalg.svd", A, complex_ok=True)
    if driver is not None:
        str_argument("linalg_svd", "driver", driver)
        raise RuntimeError(
            "torch.linalg.svd: keyword argument `driver=` is only supported on CUDA inputs with "
            f"cuSOLVER backend (got driver={driver!r}). Fix: leave driver=None."
        )
    _kernel_supports("linalg_svd_cpu", a)
    m, n = a.shape[-2], a.shape[-1]
    k = min(m, n)
    if a.dtype.is_complex:  # U, S as complex numbers and V = Vh^H, packed
        primitive = ops.complex_linalg.svd
    else:
        primitive = ops.svd
    packed = _factorise("linalg.svd", primitive, a, _NON_FINITE, full_matrices=bool(full_matrices))
    u = packed[..., :m, : (m if full_matrices else k)]
    v = packed[..., m + 1 :, : (n if full_matrices else k)]
    if a.dtype.is_complex:
        s, vh = ops.real(packed[..., m, :k]), ops.conj(ops.matrix_transpose(v))
    else:
        s, vh = packed[..., m, :k], ops.matrix_transpose(v)
    return return_types.linalg_svd(*_named("LinalgSvdBackward0", u, s, vh))


def svdvals(A: Tensor, *, driver: str | None = None, out: Tensor | None = None) -> Tensor:  # noqa: N803
    """The singular values of ``A``, descending; their gradient is ``U diag(gS) V^T``.

    >>> import arraygrad
    >>> arraygrad.linalg.svdvals(arraygrad.tensor([[0.0, 2.0], [1.0, 0.0]])).tolist()
    [2.0, 1.0]
    """
    if out is not None:
        return written_exactly("linalg_svdvals", out, svdvals, A, driver=driver)
    return linalg_svd(A, False, driver=str_argument("linalg_svdvals", "driver", driver)).S


def svd(
    input: Tensor,
    some: bool = True,
    compute_uv: bool = True,
    *,
    out: tuple[Tensor, ...] | None = None,
) -> Any:
    """``torch.svd``: ``A = U diag(S) V^T`` as ``return_types.svd`` (``V``, not ``Vh``), reduced
    when ``some``. With ``compute_uv=False`` only ``S`` is computed and ``U``, ``V`` are zeros
    of shape ``m x m`` and ``n x n``, as torch.

    >>> import arraygrad
    >>> arraygrad.svd(arraygrad.tensor([[3.0, 0.0], [0.0, -4.0]])).V.abs().tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """
    if out is not None:
        return written_each("svd", out, svd, input, some, compute_uv)
    some = bool_argument("svd", "some", some, 2)
    if not bool_argument("svd", "compute_uv", compute_uv, 3):
        s = svdvals(input)
        m, n = input.shape[-2], input.shape[-1]
        batch = tuple(input.shape[:-2])
        xp = _backend.xp
        u = Tensor._wrap(xp.zeros((*batch, m, m), dtype=input._data.dtype))
        v = Tensor._wrap(xp.zeros((*batch, n, n), dtype=input._data.dtype))
        return return_types.svd(u, s, v)
    u, s, vh = linalg_svd(input, not some)
    # torch's V is Vh.mH: a transpose (and for complex a conjugate) of Vh
    v = labelled(ops.matrix_transpose(vh), "TransposeBackward0")
    return return_types.svd(
        u, s, labelled(ops.conj(v), "ConjBackward0") if v.dtype.is_complex else v
    )


def linalg_qr(A: Tensor, mode: str = "reduced", *, out: tuple[Tensor, ...] | None = None) -> Any:  # noqa: N803
    """The QR decomposition ``A = Q R`` (``Q`` with orthonormal columns, ``R`` upper triangular)
    as ``return_types.linalg_qr``: ``mode="reduced"`` gives ``m x k`` and ``k x n``
    (``k = min(m, n)``), ``"complete"`` ``m x m`` and ``m x n``, ``"r"`` only ``R`` (``Q`` is
    empty). Gradients are torch's; they are not defined for ``"r"`` or for ``"complete"`` with
    ``m > n``: backward raises RuntimeError there, as in torch.

    >>> import arraygrad
    >>> arraygrad.linalg.qr(arraygrad.tensor([[3.0, 1.0], [4.0, 2.0]])).R.abs()
    tensor([[5.0000, 2.2000],
            [0.0000, 0.4000]])
    """
    if out is not None:
        return written_each("linalg_qr", out, linalg_qr, A, mode)
    if str_argument("linalg_qr", "mode", mode, 2) not in ("reduced", "complete", "r"):
        raise RuntimeError(
            f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), "
            "'r', or 'complete'"
        )
    a = _matrices("linalg.qr", A, complex_ok=True)
    _kernel_supports("geqrf_cpu", a)
    m = a.shape[-2]
    packed = (ops.complex_linalg.qr if a.dtype.is_complex else ops.qr)(a, mode=mode)
    r = labelled(ops.matrix_transpose(packed[..., m:, :]), "LinalgQrBackward0")
    if mode == "r":  # torch returns an empty Q (R keeps its gradient, whose backward raises)
        return return_types.linalg_qr(Tensor._wrap(_backend.xp.zeros((0,), dtype=a._data.dtype)), r)
    return return_types.linalg_qr(labelled(packed[..., :m, :], "LinalgQrBackward0"), r)


def qr(input: Tensor, some: bool = True, *, out: tuple[Tensor, ...] | None = None) -> Any:
    """``torch.qr``: :func:`arraygrad.linalg.qr` in mode ``"reduced"`` (``some``) or
    ``"complete"``, as ``return_types.qr``.

    >>> import arraygrad
    >>> arraygrad.qr(arraygrad.tensor([[3.0, 1.0], [4.0, 2.0]])).Q.shape
    arraygrad.Size([2, 2])
    """
    if out is not None:
        return written_each("qr", out, qr, input, some)
    q, r = linalg_qr(input, "reduced" if bool_argument("qr", "some", some, 2) else "complete")
    return return_types.qr(q, r)


def _named(name: str, *results: Tensor) -> tuple[Tensor, ...]:
    """``results`` (views or functions of one packed decomposition) named as torch's one node
    for all of them."""
    return tuple(labelled(result, name) for result in results)


def _orthonormal_range(x: Tensor) -> Tensor:
    """Orthonormal columns spanning the columns of ``x`` (reduced QR's ``Q``)."""
    return linalg_qr(x).Q


def _adjoint(x: Tensor) -> Tensor:
    return x.mH


def svd_lowrank(
    A: Tensor,  # noqa: N803 - torch's name
    q: int | None = 6,
    niter: int | None = 2,
    M: Tensor | None = None,  # noqa: N803
) -> tuple[Tensor, Tensor, Tensor]:
    """``(U, S, V)`` with ``A - M ≈ U diag(S) V^H`` (``M`` zero by default, broadcast), rank at
    most ``q``: a randomized SVD for matrices of low rank, or batches of them.

    The range of ``A - M`` is found from its product with a Gaussian ``n x q`` matrix, refined
    by ``niter`` steps of subspace iteration, each a product with ``(A - M)^H`` and one with
    ``A - M`` re-orthonormalized by QR (Halko, Martinsson and Tropp, 2009, algorithms 4.4 and
    5.1); the small matrix ``Q^H (A - M)`` is then decomposed exactly. When ``A - M`` has rank
    at most ``q`` the result is its exact SVD (up to the signs of the singular vectors); the
    Gaussian block is drawn from arraygrad's generator (PyTorch's numbers), but its shape and
    the factorisations' rounding are arraygrad's, so the vectors can differ from PyTorch's,
    not the subspaces. Differentiable, as a composition of products, QR and SVD.

    >>> import arraygrad
    >>> A = arraygrad.tensor([[3.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    >>> U, S, V = arraygrad.svd_lowrank(A, q=2)
    >>> [round(s, 4) for s in S.tolist()], tuple(U.shape), tuple(V.shape)
    ([3.0, 1.0], (3, 2), (2, 2))
    """
    from arraygrad._random_creation import randn  # the creation functions import this module

    q = 6 if q is None else q
    niter = 2 if niter is None else niter
    m, n = A.shape[-2:]  # a 1-D A fails here with ValueError, as in PyTorch
    x = A
    if M is not None:
        if M.dtype is not A.dtype:  # PyTorch multiplies by M: its products do not promote
            names = [_CPP_NAMES.get(t.dtype.name, t.dtype.name) for t in (M, A)]
            raise RuntimeError(
                f"expected m1 and m2 to have the same dtype, but got: {names[0]} != {names[1]}"
            )
        x = A - M
    # On the wider side of a wide matrix, so that the random block is the smaller one.
    wide = m < n
    if wide:
        x = _adjoint(x)
    columns = x.shape[-1]
    inexact = x.dtype.is_floating_point or x.dtype.is_complex
    draw_dtype = x.dtype if inexact else _dtype.get_default_dtype()
    sketch = randn(*x.shape[:-2], columns, q, dtype=draw_dtype)  # (refuses a negative q)
    if not min(m, n):
        # Empty matrices are their own exact (empty) SVD; the random range would be QR of a
        # zero matrix, whose derivative solves with a singular R.
        u, s, vh = linalg_svd(_adjoint(x) if wide else x, full_matrices=False)
        return u, s, _adjoint(vh)
    basis = _orthonormal_range(x @ sketch)
    for _ in range(niter):
        basis = _orthonormal_range(x @ _orthonormal_range(_adjoint(x) @ basis))
    small_u, s, small_vh = linalg_svd(_adjoint(basis) @ x, full_matrices=False)
    u, v = basis @ small_u, _adjoint(small_vh)
    return (v, s, u) if wide else (u, s, v)


def pca_lowrank(
    A: Tensor,  # noqa: N803 - torch's name
    q: int | None = None,
    center: bool = True,
    niter: int = 2,
) -> tuple[Tensor, Tensor, Tensor]:
    """``(U, S, V)``: the principal components of the rows of ``A`` (observations in rows),
    from :func:`svd_lowrank` of ``A`` less its column means (``center``), rank ``q``
    (``min(6, m, n)`` by default). The columns of ``V`` are the principal directions; ``S**2
    / (m - 1)`` the variances along them; ``A @ V[:, :k]`` projects the data on the first ``k``.

    >>> import arraygrad
    >>> A = arraygrad.tensor([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    >>> U, S, V = arraygrad.pca_lowrank(A, q=1)
    >>> round(S.item() ** 2 / 2, 4), [round(abs(v), 4) for v in V.flatten().tolist()]
    (2.0, [0.7071, 0.7071])
    """
    m, n = A.shape[-2:]
    if q is None:
        q = min(6, m, n)
    elif not (q >= 0 and q <= min(m, n)):
        raise ValueError(
            f"q(={q}) must be non-negative integer and not greater than min(m, n)={min(m, n)}"
        )
    if not niter >= 0:
        raise ValueError(f"niter(={niter}) must be non-negative integer")
    if not center:
        return svd_lowrank(A, q, niter=niter)
    return svd_lowrank(A, q, niter=niter, M=A.mean(dim=-2, keepdim=True))
