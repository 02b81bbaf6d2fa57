"""Transforms onto spaces of matrices: :class:`LowerCholeskyTransform` (onto lower-triangular
matrices with a positive diagonal), :class:`PositiveDefiniteTransform` (onto positive-definite
matrices) and :class:`CorrCholeskyTransform` (a bijection from ``n (n - 1) / 2`` reals onto
Cholesky factors of ``n × n`` correlation matrices).

>>> import arraygrad as torch
>>> from arraygrad.distributions.transforms import CorrCholeskyTransform
>>> CorrCholeskyTransform()(torch.zeros(1))
tensor([[1., 0.],
        [0., 1.]])
"""

from __future__ import annotations

import math
from typing import Any

import arraygrad as ag
from arraygrad.distributions import constraints
from arraygrad.distributions.transform_base import Transform

__all__ = ["CorrCholeskyTransform", "LowerCholeskyTransform", "PositiveDefiniteTransform"]


def _with_diagonal(matrix: ag.Tensor, diagonal: ag.Tensor) -> ag.Tensor:
    """The strictly lower triangle of ``matrix`` with ``diagonal`` on its diagonal."""
    return matrix.tril(-1) + ag.diag_embed(diagonal)


class LowerCholeskyTransform(Transform):
    """Square matrices to lower-triangular ones with a positive diagonal: the strictly lower
    triangle is kept, the diagonal exponentiated and the upper triangle dropped (so this is
    onto but not one-to-one, and has no log-Jacobian).

    >>> import arraygrad as torch
    >>> LowerCholeskyTransform()(torch.tensor([[0.0, 5.0], [2.0, 0.0]]))
    tensor([[1., 0.],
            [2., 1.]])
    """

    domain = constraints.independent(constraints.real, 2)
    codomain = constraints.lower_cholesky

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LowerCholeskyTransform)

    def _call(self, x: Any) -> Any:
        return _with_diagonal(x, x.diagonal(dim1=-2, dim2=-1).exp())

    def _inverse(self, y: Any) -> Any:
        return _with_diagonal(y, y.diagonal(dim1=-2, dim2=-1).log())


class PositiveDefiniteTransform(Transform):
    """Square matrices to positive-definite ones: ``L Lᵀ`` for ``L`` the
    :class:`LowerCholeskyTransform` of the input. ``inv`` returns the lower-triangular
    pre-image (from the Cholesky factor); there is no log-Jacobian, as the map is not
    one-to-one.

    >>> import arraygrad as torch
    >>> PositiveDefiniteTransform()(torch.tensor([[0.0, 0.0], [1.0, 0.0]]))
    tensor([[1., 1.],
            [1., 2.]])
    """

    domain = constraints.independent(constraints.real, 2)
    codomain = constraints.positive_definite

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PositiveDefiniteTransform)

    def _call(self, x: Any) -> Any:
        factor = LowerCholeskyTransform()(x)
        return factor @ factor.mT

    def _inverse(self, y: Any) -> Any:
        return LowerCholeskyTransform().inv(ag.linalg.cholesky(y))


def _matrix_size(vector_length: int) -> int:
    """``n`` with ``n (n - 1) / 2 = vector_length``, or ValueError."""
    n = round((0.25 + 2 * vector_length) ** 0.5 + 0.5)
    if n * (n - 1) // 2 != vector_length:
        raise ValueError(
            "Input is not a flattened lower-diagonal number"
            f" (got {vector_length} entries). Fix: pass n * (n - 1) / 2 entries (1, 3, 6, 10, "
            "...) in the last dimension for an n x n matrix."
        )
    return n


class CorrCholeskyTransform(Transform):
    """A vector of ``n (n - 1) / 2`` reals to the lower Cholesky factor ``L`` of an ``n × n``
    correlation matrix (rows of unit norm, positive diagonal).

    The vector fills the strictly lower triangle row by row; each entry is mapped into
    (-1, 1) by ``tanh``, giving ``z``, and row ``i`` is built by stick-breaking: ``L_ij =
    z_ij sqrt(1 - Σ_{k<j} L_ik²)`` for ``j < i``, and ``L_ii`` takes the rest of the unit
    norm. The map from the vector to the strictly lower entries is triangular, so
    ``log |det J| = Σ_{i>j} [log(1 - z_ij²) + ½ log(1 - Σ_{k<j} L_ik²)]``.

    >>> import arraygrad as torch
    >>> t = CorrCholeskyTransform()
    >>> x = torch.tensor([0.5, -0.2, 1.0])
    >>> torch.allclose(t.inv(t(x)), x)
    True
    """

    domain = constraints.real_vector
    codomain = constraints.corr_cholesky
    bijective = True

    @staticmethod
    def _lower_indices(n: int) -> tuple[Any, Any]:
        """The strictly lower triangle's positions, row by row."""
        rows, cols = ag.tril_indices(n, n, offset=-1)
        return rows, cols

    @staticmethod
    def _placement(n: int, dtype: Any) -> ag.Tensor:
        """The 0/1 matrix that places a vector of the strictly lower entries, row by row,
        into a flattened ``n × n`` matrix (a linear map, so gradients flow through it)."""
        rows, cols = CorrCholeskyTransform._lower_indices(n)
        placement = ag.zeros((rows.shape[0], n * n), dtype=dtype)
        placement[ag.arange(rows.shape[0]), rows * n + cols] = 1.0
        return placement

    def _call(self, x: Any) -> Any:
        n = _matrix_size(x.shape[-1])
        eps = ag.finfo(x.dtype).eps
        # kept inside (-1, 1) so every diagonal entry stays positive
        z = ag.tanh(x).clamp(min=-1 + eps, max=1 - eps)
        batch = tuple(x.shape[:-1])
        strict = (z @ self._placement(n, x.dtype)).reshape((*batch, n, n))
        # the norm left to each entry of a row is the product of sqrt(1 - z²) of the entries
        # before it: cumulative products of the shifted sqrt(1 - z²) along the row
        remaining_sq = (1 - strict**2).cumprod(-1)
        shifted = ag.cat([ag.ones((*batch, n, 1), dtype=x.dtype), remaining_sq[..., :-1]], -1)
        scale = shifted.sqrt()
        # below the diagonal z times the scale, on it the scale alone (z is 0 there)
        return (strict + ag.eye(n, dtype=x.dtype)) * scale

    def _inverse(self, y: Any) -> Any:
        n = y.shape[-1]
        # 1 - Σ_{k<j} L_ik², the squared norm left before each entry
        before = ag.cat([ag.zeros_like(y[..., :1]), (y**2).cumsum(-1)[..., :-1]], -1)
        remaining = (1 - before).clamp(min=ag.finfo(y.dtype).tiny).sqrt()
        rows, cols = self._lower_indices(n)
        z = (y / remaining)[..., rows, cols]
        return ag.atanh(z)

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Any:
        n = y.shape[-1]
        rows, cols = self._lower_indices(n)
        before = ag.cat([ag.zeros_like(y[..., :1]), (y**2).cumsum(-1)[..., :-1]], -1)
        remaining_log = (1 - before).clamp(min=ag.finfo(y.dtype).tiny).log()[..., rows, cols]
        # log(1 - tanh(x)²) = 2 (log 2 - x - softplus(-2x)), finite for large |x|
        log_tanh_slope = 2 * (math.log(2) - x - ag.nn.functional.softplus(-2 * x))
        return (log_tanh_slope + remaining_log / 2).sum(-1)

    def forward_shape(self, shape: Any) -> Any:
        if len(shape) < 1:
            raise ValueError(
                "Too few dimensions on input"
                f" (got shape {list(shape)}). Fix: pass a shape with at least 1 dimension, the "
                "last of n * (n - 1) / 2 entries."
            )
        n = _matrix_size(shape[-1])
        return ag.Size((*shape[:-1], n, n))

    def inverse_shape(self, shape: Any) -> Any:
        if len(shape) < 2:
            raise ValueError(
                "Too few dimensions on input"
                f" (got shape {list(shape)}). Fix: pass the shape of a (batch of) n x n "
                "matrices."
            )
        if shape[-2] != shape[-1]:
            raise ValueError(
                "Input is not square"
                f" (got shape {list(shape)}). Fix: pass the shape of a (batch of) n x n "
                "matrices."
            )
        n = shape[-1]
        return ag.Size((*shape[:-2], n * (n - 1) // 2))
