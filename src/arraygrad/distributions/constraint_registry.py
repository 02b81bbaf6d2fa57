"""``biject_to`` and ``transform_to``: for a constraint, a transform from unconstrained real
space onto it, to optimise constrained parameters in unconstrained coordinates.

``biject_to(c)`` is a bijection (so a density can be moved through it); ``transform_to(c)``
need only be onto ``c`` (it maps the simplex with softmax rather than stick-breaking).
Both are registries keyed by the constraint's class: ``register(constraint, factory)`` adds
a factory ``factory(constraint) -> Transform`` (or decorates one).

>>> import arraygrad as torch
>>> from arraygrad.distributions import biject_to, constraints
>>> t = biject_to(constraints.interval(1.0, 3.0))
>>> t(torch.tensor(0.0))
tensor(2.)
"""

from __future__ import annotations

from collections.abc import Callable
from numbers import Number
from typing import Any

from arraygrad.distributions import constraints
from arraygrad.distributions.elementwise_transforms import (
    AffineTransform,
    ExpTransform,
    SigmoidTransform,
)
from arraygrad.distributions.joined_transforms import CatTransform, StackTransform
from arraygrad.distributions.matrix_transforms import (
    CorrCholeskyTransform,
    LowerCholeskyTransform,
    PositiveDefiniteTransform,
)
from arraygrad.distributions.simplex_transforms import SoftmaxTransform, StickBreakingTransform
from arraygrad.distributions.transform_base import (
    ComposeTransform,
    IndependentTransform,
    Transform,
    identity_transform,
)

__all__ = ["ConstraintRegistry", "biject_to", "transform_to"]

_Factory = Callable[[Any], Transform]


class ConstraintRegistry:
    """A map from constraint classes to factories of transforms onto their instances: calling
    it with a constraint gives the transform (``biject_to`` and ``transform_to`` are two of
    them).

    >>> import arraygrad
    >>> from arraygrad.distributions import constraints, transforms
    >>> from arraygrad.distributions.constraint_registry import ConstraintRegistry
    >>> registry = ConstraintRegistry()
    >>> @registry.register(constraints.positive)
    ... def _(constraint):
    ...     return transforms.ExpTransform()
    >>> registry(constraints.positive)
    ExpTransform()
    """

    def __init__(self) -> None:
        self._registry: dict[type, _Factory] = {}

    def register(self, constraint: Any, factory: _Factory | None = None) -> Any:
        """Register ``factory`` for ``constraint`` (a Constraint subclass, or an instance,
        standing for its class); without ``factory``, a decorator that registers it."""
        if factory is None:
            return lambda factory: self.register(constraint, factory)
        if isinstance(constraint, constraints.Constraint):
            constraint = type(constraint)
        if not (isinstance(constraint, type) and issubclass(constraint, constraints.Constraint)):
            raise TypeError(
                "Expected constraint to be either a Constraint subclass or instance, "
                f"but got {constraint}"
                ". Fix: register a Constraint subclass or instance, e.g. "
                "@biject_to.register(constraints.positive)."
            )
        self._registry[constraint] = factory
        return factory

    def __call__(self, constraint: Any) -> Transform:
        """A transform from real space onto ``constraint``."""
        factory = self._registry.get(type(constraint))
        if factory is None:
            raise NotImplementedError(
                f"Cannot transform {type(constraint).__name__} constraints"
                ". Fix: register a factory for it, e.g. @biject_to.register("
                f"{type(constraint).__name__}) (discrete constraints have no transform)."
            ) from None
        return factory(constraint)


biject_to = ConstraintRegistry()
transform_to = ConstraintRegistry()


def _both(constraint: type) -> Callable[[_Factory], _Factory]:
    """Register a factory with both registries."""

    def decorator(factory: _Factory) -> _Factory:
        biject_to.register(constraint, factory)
        transform_to.register(constraint, factory)
        return factory

    return decorator


@_both(constraints._Real)
def _onto_real(constraint: Any) -> Transform:
    return identity_transform


@biject_to.register(constraints._IndependentConstraint)
def _biject_to_independent(constraint: Any) -> Transform:
    inner = biject_to(constraint.base_constraint)
    return IndependentTransform(inner, constraint.reinterpreted_batch_ndims)


@transform_to.register(constraints._IndependentConstraint)
def _transform_to_independent(constraint: Any) -> Transform:
    inner = transform_to(constraint.base_constraint)
    return IndependentTransform(inner, constraint.reinterpreted_batch_ndims)


@_both(constraints._GreaterThan)
@_both(constraints._GreaterThanEq)
def _onto_above(constraint: Any) -> Transform:
    # exp reaches (0, inf); shifting it reaches (lower_bound, inf)
    return ComposeTransform([ExpTransform(), AffineTransform(constraint.lower_bound, 1)])


@_both(constraints._LessThan)
def _onto_below(constraint: Any) -> Transform:
    return ComposeTransform([ExpTransform(), AffineTransform(constraint.upper_bound, -1)])


def _is_unit(constraint: Any) -> bool:
    low, high = constraint.lower_bound, constraint.upper_bound
    return isinstance(low, Number) and isinstance(high, Number) and low == 0 and high == 1


@_both(constraints._Interval)
@_both(constraints._HalfOpenInterval)
def _onto_interval(constraint: Any) -> Transform:
    if _is_unit(constraint):
        return SigmoidTransform()
    low, high = constraint.lower_bound, constraint.upper_bound
    return ComposeTransform([SigmoidTransform(), AffineTransform(low, high - low)])


@biject_to.register(constraints._Simplex)
def _biject_to_simplex(constraint: Any) -> Transform:
    return StickBreakingTransform()


@transform_to.register(constraints._Simplex)
def _transform_to_simplex(constraint: Any) -> Transform:
    return SoftmaxTransform()


@_both(constraints._CorrCholesky)
def _onto_corr_cholesky(constraint: Any) -> Transform:
    return CorrCholeskyTransform()


# onto but not one-to-one (the upper triangle is dropped): transform_to only
@transform_to.register(constraints._LowerCholesky)
def _transform_to_lower_cholesky(constraint: Any) -> Transform:
    return LowerCholeskyTransform()


@transform_to.register(constraints._PositiveDefinite)
def _transform_to_positive_definite(constraint: Any) -> Transform:
    return PositiveDefiniteTransform()


def _pieces(registry: ConstraintRegistry) -> tuple[_Factory, _Factory]:
    """Factories onto ``cat`` and ``stack`` constraints: ``registry``'s transform onto each
    piece's constraint, applied to that piece."""

    def onto_cat(constraint: Any) -> Transform:
        parts = [registry(part) for part in constraint.cseq]
        return CatTransform(parts, constraint.dim, constraint.lengths)

    def onto_stack(constraint: Any) -> Transform:
        return StackTransform([registry(part) for part in constraint.cseq], constraint.dim)

    return onto_cat, onto_stack


for _registry in (biject_to, transform_to):
    _onto_cat, _onto_stack = _pieces(_registry)
    _registry.register(constraints._Cat, _onto_cat)
    _registry.register(constraints._Stack, _onto_stack)
