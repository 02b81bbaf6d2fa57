"""Ready-made parametrizations: ``weight_norm``, ``spectral_norm`` and ``orthogonal``.

Each registers a parametrization module with :func:`~arraygrad.nn.utils.parametrize.\
register_parametrization`, so the stored tensors live in ``module.parametrizations.<name>``.

>>> import arraygrad
>>> import arraygrad.nn as nn
>>> from arraygrad.nn.utils.parametrizations import orthogonal, weight_norm
>>> layer = weight_norm(nn.Linear(3, 2))
>>> [name for name, _ in layer.named_parameters()]
['bias', 'parametrizations.weight.original0', 'parametrizations.weight.original1']
>>> q = orthogonal(nn.Linear(3, 3)).weight
>>> bool(arraygrad.allclose(q @ q.mT, arraygrad.eye(3), atol=1e-5))
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import arraygrad as _ag
from arraygrad._grad_mode import no_grad as _no_grad
from arraygrad._tensor import Tensor
from arraygrad.nn import functional as F  # noqa: N812 - PyTorch's usual name
from arraygrad.nn.modules.conv import ConvTranspose1d as _ConvTranspose1d
from arraygrad.nn.modules.conv import ConvTranspose2d as _ConvTranspose2d
from arraygrad.nn.modules.conv import ConvTranspose3d as _ConvTranspose3d
from arraygrad.nn.modules.module import Module
from arraygrad.nn.utils.parametrize import register_parametrization as _register_parametrization

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]

_ORTHOGONAL_MAPS = ("matrix_exp", "cayley", "householder")


def _missing_tensor(module: Module, name: str) -> ValueError:
    return ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")


# --- weight norm -----------------------------------------------------------------------------


def _norm_except_dim(v: Tensor, dim: int) -> Tensor:
    """The 2-norm of ``v`` over every dimension but ``dim`` (:func:`arraygrad.norm_except_dim`:
    ``dim=-1`` is the whole tensor's norm, and a 1-D ``v`` gets ``|v|``)."""
    return _ag.norm_except_dim(v, 2, dim)


def _weight_norm(v: Tensor, g: Tensor, dim: int) -> Tensor:
    """``g * v / ||v||``, the norm taken as in :func:`_norm_except_dim`."""
    return v * (g / _norm_except_dim(v, dim))


class _WeightNorm(Module):
    """weight = g * v / ||v||, from the two stored tensors (g, v)."""

    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight: Tensor) -> tuple[Tensor, Tensor]:
        return _norm_except_dim(weight, self.dim), weight


def _old_weight_norm_keys(name: str) -> Callable[..., None]:
    """A load_state_dict pre-hook that renames the ``<name>_g`` / ``<name>_v`` entries the
    hook-based :func:`arraygrad.nn.utils.weight_norm` saves to this parametrization's
    ``parametrizations.<name>.original0`` / ``original1`` (g and v are the same tensors)."""

    def rename(module: Module, state_dict: dict[str, Any], prefix: str, *_: Any) -> None:
        g_key, v_key = f"{prefix}{name}_g", f"{prefix}{name}_v"
        if g_key in state_dict and v_key in state_dict:  # one alone is left as unexpected
            new_prefix = f"{prefix}parametrizations.{name}."
            state_dict[new_prefix + "original0"] = state_dict.pop(g_key)
            state_dict[new_prefix + "original1"] = state_dict.pop(v_key)

    return rename


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Split ``module.<name>`` into a magnitude ``original0`` (g, one value per slice along
    ``dim``, or one in all for ``dim=None``) and a direction ``original1`` (v).

    The module also loads state dicts saved with the older :func:`arraygrad.nn.utils.weight_norm`
    (keys ``<name>_g``, ``<name>_v``).
    """
    _register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    module.register_load_state_dict_pre_hook(_old_weight_norm_keys(name))
    return module


# --- spectral norm ---------------------------------------------------------------------------


def _as_matrix(weight: Tensor, dim: int) -> Tensor:
    """``weight`` with ``dim`` moved first and the other dimensions flattened into columns."""
    if dim != 0:
        weight = weight.permute(dim, *[d for d in range(weight.ndim) if d != dim])
    return weight.flatten(1)


def _power_iteration(
    matrix: Tensor, u: Tensor, v: Tensor, steps: int, eps: float, v_first: bool
) -> None:
    """Improve the singular-vector estimates ``u`` (left) and ``v`` (right) in place."""
    with _no_grad():
        for _ in range(steps):
            if v_first:
                v.copy_(F.normalize(_ag.mv(matrix.mH, u), dim=0, eps=eps))
            u.copy_(F.normalize(_ag.mv(matrix, v), dim=0, eps=eps))
            if not v_first:
                v.copy_(F.normalize(_ag.mv(matrix.mH, u), dim=0, eps=eps))


class _SpectralNorm(Module):
    """weight / sigma, sigma the largest singular value estimated by power iteration.

    The estimates ``_u`` and ``_v`` are buffers, improved by ``n_power_iterations`` steps at
    each forward in training mode (15 steps at construction). A vector is simply normalized.
    """

    _u: Tensor
    _v: Tensor

    def __init__(
        self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12
    ) -> None:
        super().__init__()
        ndim = weight.ndim
        if not -ndim <= dim < ndim:
            raise IndexError(
                f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}] but "
                f"got {dim})"
                f". Fix: pass dim in [{-ndim}, {ndim - 1}]."
            )
        if n_power_iterations <= 0:
            raise ValueError(
                "Expected n_power_iterations to be positive, but got "
                f"n_power_iterations={n_power_iterations}"
                ". Fix: pass n_power_iterations >= 1."
            )
        self.dim = dim % ndim
        self.eps = eps
        self.n_power_iterations = n_power_iterations
        if ndim > 1:
            matrix = _as_matrix(weight.detach(), self.dim)
            rows, cols = matrix.shape
            u = _ag.randn(rows, dtype=weight.dtype)
            v = _ag.randn(cols, dtype=weight.dtype)
            self.register_buffer("_u", F.normalize(u, dim=0, eps=eps))
            self.register_buffer("_v", F.normalize(v, dim=0, eps=eps))
            _power_iteration(matrix, self._u, self._v, 15, eps, v_first=False)

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return F.normalize(weight, dim=0, eps=self.eps)
        matrix = _as_matrix(weight, self.dim)
        if self.training:
            _power_iteration(
                matrix.detach(), self._u, self._v, self.n_power_iterations, self.eps, False
            )
        # Copies: the buffers change in place at the next step, after this graph was built.
        u, v = self._u.clone(), self._v.clone()
        sigma = _ag.vdot(u, _ag.mv(matrix, v))
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
    """Divide ``module.<name>`` by its spectral norm (transposed convolutions use ``dim=1``)."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise _missing_tensor(module, name)
    if dim is None:
        transposed = (_ConvTranspose1d, _ConvTranspose2d, _ConvTranspose3d)
        dim = 1 if isinstance(module, transposed) else 0
    _register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module


# --- orthogonal ------------------------------------------------------------------------------


def _householder_factor(matrix: Tensor) -> tuple[Tensor, Tensor]:
    """LAPACK's ``geqrf`` layout of a QR decomposition of a tall 2-D matrix: R on and above the
    diagonal, the reflector vectors (unit first entry left implicit) below it, and ``tau``,
    0 where a column needs no reflection."""
    a = matrix.detach().clone()
    rows, cols = a.shape
    taus = []
    for j in range(min(rows, cols)):
        alpha = a[j, j].item()
        tail_norm = _ag.linalg.vector_norm(a[j + 1 :, j]).item() if j + 1 < rows else 0.0
        if tail_norm == 0.0:
            taus.append(0.0)
            continue
        beta = -((alpha**2 + tail_norm**2) ** 0.5) * (1.0 if alpha >= 0 else -1.0)
        tau = (beta - alpha) / beta
        a[j + 1 :, j] = a[j + 1 :, j] / (alpha - beta)
        a[j, j] = beta
        reflector = _ag.cat([a.new_ones(1), a[j + 1 :, j]])
        rest = a[j:, j + 1 :]
        a[j:, j + 1 :] = rest - tau * _ag.outer(reflector, reflector @ rest)
        taus.append(tau)
    return a, _ag.tensor(taus, dtype=a.dtype)


def _orthonormalize(matrix: Tensor) -> Tensor:
    """The Q of a QR decomposition whose R has a positive diagonal."""
    q, r = _ag.linalg.qr(matrix)
    return q * r.diagonal(dim1=-2, dim2=-1).sgn().unsqueeze(-2)


def _is_orthonormal(matrix: Tensor) -> bool:
    rows, cols = matrix.shape[-2], matrix.shape[-1]
    eye = _ag.eye(cols, dtype=matrix.dtype)
    tolerance = 10.0 * rows * _ag.finfo(matrix.dtype).eps
    return bool(_ag.allclose(matrix.mH @ matrix, eye, atol=tolerance))


class _Orthogonal(Module):
    """A matrix with orthonormal columns (or rows, when wide) from an unconstrained one.

    ``matrix_exp`` and ``cayley`` map the skew-symmetric matrix built from the lower triangle;
    ``householder`` multiplies the reflectors stored below the diagonal, with signs read from
    the diagonal. With a trivialization the result is multiplied by the buffer ``base``, which
    assignments set.
    """

    base: Tensor | None

    def __init__(
        self, weight: Tensor, orthogonal_map: str, *, use_trivialization: bool = True
    ) -> None:
        super().__init__()
        if weight.is_complex() and orthogonal_map == "householder":
            raise ValueError(
                "The householder parametrization does not support complex tensors."
                " Fix: pass orthogonal_map='matrix_exp' or 'cayley'."
            )
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, x: Tensor) -> Tensor:
        wide = x.shape[-2] < x.shape[-1]
        if wide:
            x = x.mT
        n, k = x.shape[-2], x.shape[-1]
        if self.orthogonal_map == "householder":
            reflectors = x.tril(diagonal=-1)
            tau = 2.0 / (1.0 + (reflectors * reflectors).sum(dim=-2))
            signs = x.diagonal(dim1=-2, dim2=-1).int().unsqueeze(-2)
            q = _ag.linalg.householder_product(reflectors, tau) * signs
        else:
            lower = x.tril()
            if n != k:
                padding = lower.new_zeros(*lower.shape[:-2], n, n - k)
                lower = _ag.cat([lower, padding], dim=-1)
            skew = lower - lower.mH
            if self.orthogonal_map == "matrix_exp":
                q = _ag.matrix_exp(skew)
            else:  # Cayley: (I - A/2)^-1 (I + A/2)
                eye = _ag.eye(n, dtype=skew.dtype)
                q = _ag.linalg.solve(eye - 0.5 * skew, eye + 0.5 * skew)
            q = q[..., :k]
        if "base" in self._buffers:
            q = self.base @ q
        return q.mT if wide else q

    def right_inverse(self, q: Tensor) -> Tensor:
        if q.shape != self.shape:
            raise ValueError(
                f"Expected a matrix or batch of matrices of shape {self.shape}. "
                f"Got a tensor of shape {q.shape}."
                f" Fix: pass a tensor of shape {list(self.shape)}."
            )
        given = q
        wide = q.shape[-2] < q.shape[-1]
        if wide:
            q = q.mT
        n, k = q.shape[-2], q.shape[-1]
        if "base" not in self._buffers:
            if self.orthogonal_map != "householder":
                raise NotImplementedError(
                    "It is not possible to assign to the matrix exponential or the Cayley "
                    "parametrizations when use_trivialization=False."
                    " Fix: pass use_trivialization=True, or "
                    "orthogonal_map='householder'."
                )
            return self._householder_representation(q, wide)
        if n == k:
            base = q.clone() if _is_orthonormal(q) else _orthonormalize(q)
        else:  # complete the columns to a square orthogonal matrix
            extra = _ag.randn(*q.shape[:-2], n, n - k, dtype=q.dtype)
            base = _orthonormalize(_ag.cat([q, extra], dim=-1))
        self.base = base
        # The original that all three maps send to the identity: -I (zeros below the diagonal).
        minus_eye = _ag.zeros_like(given)
        minus_eye.diagonal(dim1=-2, dim2=-1).fill_(-1.0)
        return minus_eye

    @staticmethod
    def _householder_representation(q: Tensor, wide: bool) -> Tensor:
        """The original whose Householder map is the orthonormal factor of ``q``."""
        batch = q.reshape(-1, *q.shape[-2:])
        results = []
        for matrix in batch:
            factor, tau = _householder_factor(matrix)
            # The forward always reflects; where geqrf did not (tau == 0), flip the sign.
            signs = factor.diagonal().sgn() * _ag.where(tau == 0, -1.0, 1.0)
            # geqrf's R stays above the diagonal (the forward reads only below and on it).
            factor.diagonal().copy_(signs)
            results.append(factor)
        stored = _ag.stack(results).reshape(q.shape)
        return stored.mT if wide else stored


def orthogonal(
    module: Module,
    name: str = "weight",
    orthogonal_map: str | None = None,
    *,
    use_trivialization: bool = True,
) -> Module:
    """Constrain ``module.<name>`` (a matrix or batch of matrices) to be orthogonal.

    ``orthogonal_map`` defaults to ``"matrix_exp"`` for square or complex matrices and to
    ``"householder"`` otherwise.
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise _missing_tensor(module, name)
    if weight.ndim < 2:
        raise ValueError(
            f"Expected a matrix or batch of matrices. Got a tensor of {weight.ndim} dimensions."
            " Fix: parametrize a weight with at least 2 dimensions."
        )
    if orthogonal_map is None:
        square = weight.shape[-2] == weight.shape[-1]
        orthogonal_map = "matrix_exp" if square or weight.is_complex() else "householder"
    if orthogonal_map not in _ORTHOGONAL_MAPS:
        raise ValueError(
            'orthogonal_map has to be one of "matrix_exp", "cayley", "householder". '
            f"Got: {orthogonal_map}"
            ". Fix: pass orthogonal_map='matrix_exp', 'cayley', 'householder', or "
            "None."
        )
    parametrization: Any = _Orthogonal(
        weight, orthogonal_map, use_trivialization=use_trivialization
    )
    _register_parametrization(module, name, parametrization, unsafe=True)
    return module
