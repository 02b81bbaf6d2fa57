"""The base of the constraints (:class:`Constraint`) and the dependent ones: a constraint that
depends on a distribution's parameters (``constraints.dependent``, ``dependent_property``), so
cannot be checked, nor its ``is_discrete`` and ``event_dim`` known, without them unless given.
:mod:`arraygrad.distributions.constraints` offers them all.
"""

from __future__ import annotations

from typing import Any

import arraygrad as _ag

__all__ = ["Constraint", "dependent_property", "is_dependent"]


class Constraint:
    """Base class: a region of values, with how many rightmost dimensions form one event
    (``event_dim``) and whether the values are discrete; :meth:`check` tests values.

    >>> import arraygrad
    >>> from arraygrad.distributions import constraints
    >>> isinstance(constraints.positive, constraints.Constraint), constraints.simplex.event_dim
    (True, 1)
    """

    is_discrete = False
    event_dim = 0

    def check(self, value: _ag.Tensor) -> _ag.Tensor:
        """A boolean tensor: whether each event of ``value`` lies in the region."""
        raise NotImplementedError

    def _fields(self) -> str:
        return ""

    def __repr__(self) -> str:
        # (the classes are private, as torch's: _Interval prints as Interval)
        return f"{type(self).__name__.lstrip('_')}({self._fields()})"


class _Dependent(Constraint):
    """A constraint that depends on the distribution's parameters, so cannot be checked alone.

    Its ``is_discrete`` and ``event_dim`` are what it was given; given none, they cannot be
    known without the parameters, and reading one raises NotImplementedError, as in PyTorch.

    >>> from arraygrad.distributions import constraints
    >>> constraints.dependent(is_discrete=True, event_dim=1).event_dim
    1
    >>> constraints.dependent.event_dim  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    NotImplementedError: .event_dim cannot be determined statically. Fix: ...
    """

    # (NotImplemented, as in PyTorch, stands for "not given": None is a value it keeps)
    def __init__(
        self, *, is_discrete: Any = NotImplemented, event_dim: Any = NotImplemented
    ) -> None:
        self._is_discrete = is_discrete
        self._event_dim = event_dim

    def _given(self, name: str) -> Any:
        """The ``is_discrete`` or ``event_dim`` given, as given (PyTorch converts neither)."""
        value = getattr(self, f"_{name}")
        if value is NotImplemented:
            raise NotImplementedError(
                f".{name} cannot be determined statically. Fix: read it on the distribution's "
                f"instance (its support), or give it: dependent_property({name}=...)."
            )
        return value

    @property
    def is_discrete(self) -> bool:  # type: ignore[override]
        return self._given("is_discrete")  # type: ignore[no-any-return]

    @property
    def event_dim(self) -> int:  # type: ignore[override]
        return self._given("event_dim")  # type: ignore[no-any-return]

    def check(self, value: _ag.Tensor) -> _ag.Tensor:
        raise ValueError(
            "Cannot determine validity of dependent constraint"
            ". Fix: check against the constraint the distribution gives for its parameters "
            "(e.g. dist.support), not the dependent placeholder."
        )

    def __call__(
        self, *, is_discrete: Any = NotImplemented, event_dim: Any = NotImplemented
    ) -> Any:
        """This constraint with ``is_discrete`` and ``event_dim`` changed where given
        (``constraints.dependent(event_dim=1)``)."""
        return _Dependent(
            is_discrete=self._is_discrete if is_discrete is NotImplemented else is_discrete,
            event_dim=self._event_dim if event_dim is NotImplemented else event_dim,
        )


class _DependentProperty(property, _Dependent):
    """A property whose value is a constraint built from the instance's parameters; read on the
    class, it is itself a :class:`Dependent` constraint (so ``is_dependent`` recognises it)."""

    def __init__(
        self,
        fget: Any = None,
        *,
        is_discrete: Any = NotImplemented,
        event_dim: Any = NotImplemented,
    ) -> None:
        property.__init__(self, fget)
        _Dependent.__init__(self, is_discrete=is_discrete, event_dim=event_dim)

    def __call__(self, fget: Any) -> _DependentProperty:  # type: ignore[override]
        """The property of ``fget`` with this one's ``is_discrete`` and ``event_dim``: what
        ``@dependent_property(is_discrete=..., event_dim=...)`` applies to the method."""
        return _DependentProperty(fget, is_discrete=self._is_discrete, event_dim=self._event_dim)


def dependent_property(
    fget: Any = None, *, is_discrete: Any = NotImplemented, event_dim: Any = NotImplemented
) -> _DependentProperty:
    """Decorate a method returning a constraint built from the instance's parameters (a
    distribution's ``support``); read on the class it is a dependent constraint. Called with
    ``is_discrete`` and ``event_dim`` alone, it is a decorator giving them to the constraint.

    >>> import arraygrad
    >>> from arraygrad.distributions import constraints
    >>> class Uniform0:
    ...     high = 2.0
    ...     @constraints.dependent_property
    ...     def support(self):
    ...         return constraints.interval(0.0, self.high)
    >>> Uniform0().support.check(arraygrad.tensor([1.0, 3.0]))
    tensor([ True, False])
    >>> constraints.is_dependent(Uniform0.support)
    True
    >>> class Counts:
    ...     @constraints.dependent_property(is_discrete=True, event_dim=1)
    ...     def support(self):
    ...         return constraints.nonnegative_integer
    >>> Counts.support.is_discrete, Counts.support.event_dim
    (True, 1)
    """
    return _DependentProperty(fget, is_discrete=is_discrete, event_dim=event_dim)


def is_dependent(constraint: Any) -> bool:
    """Whether ``constraint`` depends on parameters (and so is skipped by validation).

    >>> import arraygrad
    >>> from arraygrad.distributions import constraints
    >>> constraints.is_dependent(constraints.dependent), constraints.is_dependent(constraints.real)
    (True, False)
    """
    return isinstance(constraint, _Dependent)
