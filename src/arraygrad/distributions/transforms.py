"""``torch.distributions.transforms``: invertible maps between constrained spaces, with the
log-determinants of their Jacobians, for :class:`TransformedDistribution` and for
reparameterising constrained parameters (:mod:`.constraint_registry`).

The classes live in :mod:`.transform_base` (the base class, inverses, compositions,
reshapes), :mod:`.elementwise_transforms` and :mod:`.simplex_transforms`.

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
    "ComposeTransform",
    "ExpTransform",
    "IndependentTransform",
    "PowerTransform",
    "ReshapeTransform",
    "SigmoidTransform",
    "SoftmaxTransform",
    "SoftplusTransform",
    "StickBreakingTransform",
    "TanhTransform",
    "Transform",
    "identity_transform",
]
