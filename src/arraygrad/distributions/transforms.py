"""``torch.distributions.transforms``: invertible maps between constrained spaces, with the
log-determinants of their Jacobians, for :class:`TransformedDistribution` and for
reparameterising constrained parameters (:mod:`.constraint_registry`).

The classes live in :mod:`.transform_base` (the base class, inverses, compositions,
reshapes), :mod:`.elementwise_transforms`, :mod:`.simplex_transforms`, :mod:`.matrix_transforms`
(onto Cholesky factors and positive-definite matrices) and :mod:`.joined_transforms`
(transforms of pieces along a dimension, and by a cdf).

>>> import arraygrad as torch
>>> from arraygrad.distributions.transforms import AffineTransform
>>> t = AffineTransform(0.0, 2.0)
>>> t.inv(t(torch.tensor(1.5)))
tensor(1.5000)
"""

from __future__ import annotations

from arraygrad.distributions.elementwise_transforms import (
    AbsTransform,
    AffineTransform,
    ExpTransform,
    PowerTransform,
    SigmoidTransform,
    SoftplusTransform,
    TanhTransform,
)
from arraygrad.distributions.joined_transforms import (
    CatTransform,
    CumulativeDistributionTransform,
    StackTransform,
)
from arraygrad.distributions.matrix_transforms import (
    CorrCholeskyTransform,
    LowerCholeskyTransform,
    PositiveDefiniteTransform,
)
from arraygrad.distributions.simplex_transforms import SoftmaxTransform, StickBreakingTransform
from arraygrad.distributions.transform_base import (
    ComposeTransform,
    IndependentTransform,
    ReshapeTransform,
    Transform,
    identity_transform,
)

__all__ = [
    "AbsTransform",
    "AffineTransform",
    "CatTransform",
    "ComposeTransform",
    "CorrCholeskyTransform",
    "CumulativeDistributionTransform",
    "ExpTransform",
    "IndependentTransform",
    "LowerCholeskyTransform",
    "PositiveDefiniteTransform",
    "PowerTransform",
    "ReshapeTransform",
    "SigmoidTransform",
    "SoftmaxTransform",
    "SoftplusTransform",
    "StackTransform",
    "StickBreakingTransform",
    "TanhTransform",
    "Transform",
    "identity_transform",
]
