"""Ready-made parametrizations: ``weight_norm``, ``spectral_norm`` and ``orthogonal``.

Both register a parametrization module through :mod:`arraygrad.nn.utils.parametrize`, so the
weight is recomputed from ``module.parametrizations.weight.original*`` at every access.

>>> import arraygrad.nn as nn
>>> layer = weight_norm(nn.Linear(3, 2))
>>> [name for name, _ in layer.named_parameters()]
['bias', 'parametrizations.weight.original0', 'parametrizations.weight.original1']
"""

from __future__ import annotations

import math
from enum import Enum, auto

from arraygrad import linalg
from arraygrad._creation import eye, randn, zeros_like
from arraygrad._grad_mode import no_grad
from arraygrad._matrix_exp import matrix_exp
from arraygrad._shape import cat
from arraygrad._statistics import vector_norm
from arraygrad._tensor import Tensor
from arraygrad.nn._normalization import normalize
from arraygrad.nn.modules.conv import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from arraygrad.nn.modules.module import Module
from arraygrad.nn.utils import parametrize

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]


def _norm_except_dim(v: Tensor, pow: float, dim: int) -> Tensor:
    """PyTorch's ``norm_except_dim``: the ``pow``-norm over every dimension but ``dim``, kept
    with size 1 (``dim == -1`` means the norm of the whole tensor, a 0-d tensor)."""
    if dim == -1:
        return vector_norm(v, pow)
    axis = dim % v.ndim
    others = tuple(d for d in range(v.ndim) if d != axis)
    return vector_norm(v, pow, others, keepdim=True)


def _weight_norm(v: Tensor, g: Tensor, dim: int) -> Tensor:
    """PyTorch's ``_weight_norm``: ``v * (g / ||v||)``, the norm taken as in
    :func:`_norm_except_dim`."""
    return v * (g / _norm_except_dim(v, 2, dim))


class _WeightNorm(Module):
    """``weight = g * v / ||v||``, from ``original0 = g`` and ``original1 = v``."""

    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:  # type: ignore[override]
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight: Tensor) -> tuple[Tensor, Tensor]:
        return _norm_except_dim(weight, 2, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Reparametrize ``module.<name>`` as ``g * v / ||v||`` (Salimans and Kingma, 2016).

    The norm is taken over every dimension but ``dim`` (over all of them when ``dim`` is
    ``None``); ``g`` is ``parametrizations.<name>.original0`` and ``v`` is ``original1``.

    >>> import arraygrad
    >>> import arraygrad.nn as nn
    >>> layer = weight_norm(nn.Linear(3, 2))
    >>> layer.parametrizations.weight.original0.shape
    arraygrad.Size([2, 1])
    >>> bool(arraygrad.allclose(layer.weight, layer.parametrizations.weight.original1))
    True
    """
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


class _SpectralNorm(Module):
    """``weight / sigma``, with ``sigma`` the largest singular value of the weight seen as a
    matrix (``dim`` first), estimated by power iteration on the buffers ``_u`` and ``_v``."""

    def __init__(
        self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12
    ) -> None:
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(
                "Dimension out of range (expected to be in range of "
                f"[-{ndim}, {ndim - 1}] but got {dim})"
            )
        if n_power_iterations <= 0:
            raise ValueError(
                "Expected n_power_iterations to be positive, but "
                f"got n_power_iterations={n_power_iterations}"
            )
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            # A vector needs no estimate: forward normalizes it exactly.
            self.n_power_iterations = n_power_iterations
            weight_mat = self._reshape_weight_to_matrix(weight)
            h, w = weight_mat.shape
            u = weight_mat.new_empty(h).normal_(0, 1)
            v = weight_mat.new_empty(w).normal_(0, 1)
            self.register_buffer("_u", normalize(u, dim=0, eps=self.eps))
            self.register_buffer("_v", normalize(v, dim=0, eps=self.eps))
            # Start from reasonable singular vectors.
            self._power_method(weight_mat, 15)

    def _reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        if self.dim != 0:
            weight = weight.permute(self.dim, *(d for d in range(weight.ndim) if d != self.dim))
        return weight.flatten(1)

    def _power_method(self, weight_mat: Tensor, n_power_iterations: int) -> None:
        # In place, outside the graph: u and v are buffers, and sigma's gradient treats them
        # as constants (as PyTorch does).
        with no_grad():
            for _ in range(n_power_iterations):
                normalize(weight_mat.mv(self._v), dim=0, eps=self.eps, out=self._u)
                normalize(weight_mat.H.mv(self._u), dim=0, eps=self.eps, out=self._v)

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return normalize(weight, dim=0, eps=self.eps)
        weight_mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(weight_mat, self.n_power_iterations)
        # Copies: later in-place updates of the buffers must not change this graph's values.
        u = self._u.clone()
        v = self._v.clone()
        sigma = u.vdot(weight_mat.mv(v))
        return weight / sigma

    def right_inverse(self, value: Tensor) -> Tensor:
        return value


def spectral_norm(
    module: Module,
    name: str = "weight",
    n_power_iterations: int = 1,
    eps: float = 1e-12,
    dim: int | None = None,
) -> Module:
    """Divide ``module.<name>`` by its spectral norm, estimated by power iteration.

    In training mode every access runs ``n_power_iterations`` steps, updating the buffers
    ``parametrizations.<name>.0._u`` and ``._v``; in evaluation mode they are used as they are.
    ``dim`` (default 0, 1 for transposed convolutions) is the output dimension.

    >>> import arraygrad
    >>> import arraygrad.nn as nn
    >>> layer = spectral_norm(nn.Linear(4, 4))
    >>> sigma = arraygrad.linalg.matrix_norm(layer.weight, 2)
    >>> bool(abs(sigma - 1) < 1e-3)
    True
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        transposed = (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)
        dim = 1 if isinstance(module, transposed) else 0
    parametrize.register_parametrization(
        module, name, _SpectralNorm(weight, n_power_iterations, dim, eps)
    )
    return module


# Machine epsilon by dtype name, for the orthogonality test of right_inverse.
_EPS = {
    "float64": 2.220446049250313e-16,
    "complex128": 2.220446049250313e-16,
    "float32": 1.1920928955078125e-07,
    "complex64": 1.1920928955078125e-07,
    "float16": 0.0009765625,
    "bfloat16": 0.0078125,
}


def _is_orthogonal(Q: Tensor) -> bool:  # noqa: N803 - the math's name
    n, k = Q.shape[-2], Q.shape[-1]
    identity = eye(k, dtype=Q.dtype)
    return bool((Q.mH @ Q).allclose(identity, atol=10.0 * n * _EPS[Q.dtype.name]))


def _make_orthogonal(A: Tensor) -> Tensor:  # noqa: N803
    """The Q of A's QR decomposition whose R has a positive diagonal (PyTorch computes it with
    geqrf and householder_product; any QR, signs fixed, gives the same matrix)."""
    Q, R = linalg.qr(A)  # noqa: N806
    return Q * R.diagonal(dim1=-2, dim2=-1).sgn().unsqueeze(-2)  # type: ignore[no-any-return]


def _geqrf(A: Tensor) -> tuple[Tensor, Tensor]:  # noqa: N803
    """LAPACK's ``geqrf`` (real, outside the graph): R on and above the diagonal, the
    Householder vectors (their leading 1 implied) below it, and their factors ``tau``."""
    n, k = A.shape[-2], A.shape[-1]
    batch = A.reshape(-1, n, k).clone()
    taus = batch.new_zeros(batch.shape[0], min(n, k))
    for b in range(batch.shape[0]):
        R = batch[b]  # noqa: N806 - a view: the writes below fill batch
        for j in range(min(n, k)):
            alpha = R[j, j].item()
            tail = R[j + 1 :, j]
            xnorm = vector_norm(tail).item() if tail.numel() else 0.0
            if xnorm == 0.0:
                continue  # H = I: tau = 0, as LAPACK
            beta = -math.copysign(math.hypot(alpha, xnorm), alpha)
            taus[b, j] = (beta - alpha) / beta
            v = cat([R.new_ones(1), tail / (alpha - beta)])
            block = R[j:, j + 1 :]
            block.sub_(taus[b, j] * v[:, None] * (v @ block)[None, :])
            R[j + 1 :, j] = v[1:]
            R[j, j] = beta
    return batch.reshape(A.shape), taus.reshape(*A.shape[:-2], min(n, k))


class _OrthMaps(Enum):
    matrix_exp = auto()
    cayley = auto()
    householder = auto()


class _Orthogonal(Module):
    """An orthogonal (unitary) matrix from an unconstrained one, through ``orthogonal_map``;
    with ``use_trivialization`` the result is multiplied by the buffer ``base``, which
    ``right_inverse`` sets (Lezcano-Casado, 2019)."""

    base: Tensor

    def __init__(
        self, weight: Tensor, orthogonal_map: _OrthMaps, *, use_trivialization: bool = True
    ) -> None:
        super().__init__()
        if weight.is_complex() and orthogonal_map == _OrthMaps.householder:
            raise ValueError("The householder parametrization does not support complex tensors.")
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X: Tensor) -> Tensor:  # noqa: N803
        n, k = X.shape[-2], X.shape[-1]
        transposed = n < k
        if transposed:
            X = X.mT  # noqa: N806
            n, k = k, n
        if self.orthogonal_map in (_OrthMaps.matrix_exp, _OrthMaps.cayley):
            X = X.tril()  # noqa: N806
            if n != k:  # embed the tall matrix in a square one: the exp/Cayley need squares
                X = cat([X, X.new_zeros(n, n - k).expand(*X.shape[:-2], -1, -1)], dim=-1)  # noqa: N806
            A = X - X.mH  # noqa: N806 - skew-symmetric (skew-Hermitian)
            if self.orthogonal_map == _OrthMaps.matrix_exp:
                Q = matrix_exp(A)  # noqa: N806
            else:
                identity = eye(n, dtype=A.dtype)
                Q = linalg.solve(identity - 0.5 * A, identity + 0.5 * A)  # noqa: N806
            if n != k:
                Q = Q[..., :k]  # noqa: N806
        else:
            A = X.tril(diagonal=-1)  # noqa: N806
            tau = 2.0 / (1.0 + (A * A).sum(dim=-2))
            Q = linalg.householder_product(A, tau)  # noqa: N806
            # The diagonal of X holds the signs (PyTorch truncates it to integers).
            Q = Q * X.diagonal(dim1=-2, dim2=-1).int().unsqueeze(-2)  # noqa: N806
        if hasattr(self, "base"):
            Q = self.base @ Q  # noqa: N806
        if transposed:
            Q = Q.mT  # noqa: N806
        return Q

    def right_inverse(self, Q: Tensor) -> Tensor:  # noqa: N803
        with no_grad():
            if Q.shape != self.shape:
                raise ValueError(
                    f"Expected a matrix or batch of matrices of shape {self.shape}. "
                    f"Got a tensor of shape {Q.shape}."
                )
            Q_init = Q  # noqa: N806
            n, k = Q.shape[-2], Q.shape[-1]
            transpose = n < k
            if transpose:
                Q = Q.mT  # noqa: N806
                n, k = k, n
            if not hasattr(self, "base"):
                if self.orthogonal_map in (_OrthMaps.cayley, _OrthMaps.matrix_exp):
                    raise NotImplementedError(
                        "It is not possible to assign to the matrix exponential or the Cayley "
                        "parametrizations when use_trivialization=False."
                    )
                A, tau = _geqrf(Q)  # noqa: N806
                diagonal = A.diagonal(dim1=-2, dim2=-1)
                # The signs of R's diagonal, flipped where no reflection happened (tau = 0).
                diagonal.copy_(diagonal.sign() * (1 - 2 * (tau == 0.0).to(A.dtype)))
                return A.mT if transpose else A
            if n == k:
                Q = _make_orthogonal(Q) if not _is_orthogonal(Q) else Q.clone()  # noqa: N806
            else:
                # Complete the tall matrix to a square orthogonal one with random columns.
                extra = randn(*Q.shape[:-2], n, n - k, dtype=Q.dtype)
                Q = _make_orthogonal(cat([Q, extra], dim=-1))  # noqa: N806
            self.base = Q
            # The map sends -I to I... times base: so the parametrized tensor is Q_init.
            neg_identity = zeros_like(Q_init)
            neg_identity.diagonal(dim1=-2, dim2=-1).fill_(-1.0)
            return neg_identity


def orthogonal(
    module: Module,
    name: str = "weight",
    orthogonal_map: str | None = None,
    *,
    use_trivialization: bool = True,
) -> Module:
    """Constrain ``module.<name>`` to orthogonal (or unitary) matrices, or matrices with
    orthonormal rows or columns when not square.

    ``orthogonal_map`` is ``"matrix_exp"`` (the default for square or complex matrices),
    ``"cayley"`` or ``"householder"`` (the default otherwise). With ``use_trivialization``
    (the default) a buffer ``base`` keeps the point the map starts from, and assigning to
    ``module.<name>`` moves it there.

    >>> import arraygrad
    >>> import arraygrad.nn as nn
    >>> layer = orthogonal(nn.Linear(3, 3))
    >>> bool(arraygrad.allclose(layer.weight @ layer.weight.T, arraygrad.eye(3), atol=1e-5))
    True
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError(
            f"Expected a matrix or batch of matrices. Got a tensor of {weight.ndim} dimensions."
        )
    if orthogonal_map is None:
        square = weight.shape[-2] == weight.shape[-1]
        orthogonal_map = "matrix_exp" if square or weight.is_complex() else "householder"
    orth_enum = getattr(_OrthMaps, orthogonal_map, None)
    if orth_enum is None:
        raise ValueError(
            'orthogonal_map has to be one of "matrix_exp", "cayley", "householder". '
            f"Got: {orthogonal_map}"
        )
    orth = _Orthogonal(weight, orth_enum, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module
