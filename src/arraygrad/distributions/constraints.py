"""Constraints: the set of valid values of a parameter or of a distribution's samples.

Each constraint's ``check(value)`` returns a boolean tensor, one entry per event (the last
``event_dim`` dimensions are reduced), as ``torch.distributions.constraints``.

>>> import arraygrad as torch
>>> from arraygrad.distributions import constraints
>>> constraints.positive.check(torch.tensor([-1.0, 2.0])).tolist()
[False, True]
>>> constraints.interval(0.0, 1.0)
Interval(lower_bound=0.0, upper_bound=1.0)
"""

from __future__ import annotations

from typing import Any

import arraygrad as _ag
from arraygrad.distributions._constraint_base import (
    Constraint,
    _Dependent,
    dependent_property,
    is_dependent,
)

__all__ = [
    "Constraint",
    "MixtureSameFamilyConstraint",
    "boolean",
    "cat",
    "corr_cholesky",
    "dependent",
    "dependent_property",
    "greater_than",
    "greater_than_eq",
    "half_open_interval",
    "independent",
    "integer_interval",
    "interval",
    "is_dependent",
    "less_than",
    "lower_cholesky",
    "lower_triangular",
    "multinomial",
    "nonnegative",
    "nonnegative_integer",
    "one_hot",
    "positive",
    "positive_definite",
    "positive_integer",
    "positive_semidefinite",
    "real",
    "real_vector",
    "simplex",
    "square",
    "stack",
    "symmetric",
    "unit_interval",
]


class _Real(Constraint):
    """Every real number (not nan)."""

    def check(self, value: _ag.Tensor) -> _ag.Tensor:
        return value == value  # nan is the only value unequal to itself


class _GreaterThan(Constraint):
    """Values strictly above ``lower_bound`` (``constraints.greater_than``; ``positive`` is
    ``greater_than(0.0)``).

    >>> import arraygrad
    >>> from arraygrad.distributions import constraints
    >>> constraints.greater_than(0.0).check(arraygrad.tensor([0.0, 1.0]))
    tensor([False,  True])
    """

    def __init__(self, lower_bound: Any) -> None:
        self.lower_bound = lower_bound

    def check(self, value: _ag.Tensor) -> _ag.Tensor:
        return value > self.lower_bound

    def _fields(self) -> str:
        return f"lower_bound={self.lower_bound}"


class _GreaterThanEq(_GreaterThan):
    """Values at or above ``lower_bound`` (``constraints.greater_than_eq``; ``nonnegative`` is
    ``greater_than_eq(0.0)``).

    >>> import arraygrad
    >>> from arraygrad.distributions import constraints
    >>> constraints.greater_than_eq(0.0).check(arraygrad.tensor([0.0, -1.0]))
    tensor([ True, False])
    """

    def check(self, value: _ag.Tensor) -> _ag.Tensor:
        return value >= self.lower_bound


class _LessThan(Constraint):
    """Values strictly below ``upper_bound`` (``constraints.less_than``).

    >>> import arraygrad
    >>> from arraygrad.distributions import constraints
    >>> constraints.less_than(1.0).check(arraygrad.tensor([1.0, 0.5]))
    tensor([False,  True])
    """

    def __init__(self, upper_bound: Any) -> None:
        self.upper_bound = upper_bound

    def check(self, value: _ag.Tensor) -> _ag.Tensor:
        return value < self.upper_bound

    def _fields(self) -> str:
        return f"upper_bound={self.upper_bound}"


class _Interval(Constraint):
    """Values in the closed interval ``[lower_bound, upper_bound]`` (``constraints.interval``;
    ``unit_interval`` is ``[0, 1]``).

    >>> import arraygrad
    >>> from arraygrad.distributions import constraints
    >>> constraints.interval(0.0, 1.0).check(arraygrad.tensor([-0.5, 0.5, 1.0]))
    tensor([False,  True,  True])
    """

    def __init__(self, lower_bound: Any, upper_bound: Any) -> None:
        self.lower_bound = lower_bound
        self.upper_bound = upper_bound

    def check(self, value: _ag.Tensor) -> _ag.Tensor:
        return (value >= self.lower_bound) & (value <= self.upper_bound)

    def _fields(self) -> str:
        return f"lower_bound={self.lower_bound}, upper_bound={self.upper_bound}"


class _HalfOpenInterval(_Interval):
    """Values in ``[lower_bound, upper_bound)`` (``constraints.half_open_interval``).

    >>> import arraygrad
    >>> from arraygrad.distributions import constraints
    >>> constraints.half_open_interval(0.0, 1.0).check(arraygrad.tensor([0.0, 1.0]))
    tensor([ True, False])
    """

    def check(self, value: _ag.Tensor) -> _ag.Tensor:
        return (value >= self.lower_bound) & (value < self.upper_bound)


class _IntegerInterval(_Interval):
    """Whole numbers in ``[lower_bound, upper_bound]`` (``constraints.integer_interval``; a
    discrete constraint).

    >>> import arraygrad
    >>> from arraygrad.distributions import constraints
    >>> constraints.integer_interval(0, 3).check(arraygrad.tensor([0.0, 1.5, 3.0]))
    tensor([ True, False,  True])
    """

    is_discrete = True

    def check(self, value: _ag.Tensor) -> _ag.Tensor:
        return (value % 1 == 0) & super().check(value)


class _IntegerGreaterThan(_GreaterThan):
    """Whole numbers at or above ``lower_bound`` (torch's name, despite the ``>=``)."""

    is_discrete = True

    def check(self, value: _ag.Tensor) -> _ag.Tensor:
        return (value % 1 == 0) & (value >= self.lower_bound)


class _Boolean(Constraint):
    """The values 0 and 1."""

    is_discrete = True

    def check(self, value: _ag.Tensor) -> _ag.Tensor:
        return (value == 0) | (value == 1)


class _Simplex(Constraint):
    """Nonnegative vectors that sum to 1 (to 1e-6) along the last dimension."""

    event_dim = 1

    def check(self, value: _ag.Tensor) -> _ag.Tensor:
        nonnegative_entries = (value >= 0).all(-1)
        return nonnegative_entries & ((value.sum(-1) - 1).abs() < 1e-6)


class _OneHot(Constraint):
    """Vectors of zeros with a single one along the last dimension."""

    is_discrete = True
    event_dim = 1

    def check(self, value: _ag.Tensor) -> _ag.Tensor:
        binary = ((value == 0) | (value == 1)).all(-1)
        return binary & (value.sum(-1) == 1)


class _Multinomial(Constraint):
    """Nonnegative count vectors along the last dimension whose total is at most
    ``upper_bound`` (the number of trials): ``constraints.multinomial``, with ``event_dim`` 1.

    >>> import arraygrad
    >>> from arraygrad.distributions import constraints
    >>> constraints.multinomial(3).check(arraygrad.tensor([[1.0, 2.0], [2.0, 2.0]]))
    tensor([ True, False])
    """

    is_discrete = True
    event_dim = 1

    def __init__(self, upper_bound: Any) -> None:
        self.upper_bound = upper_bound

    def check(self, value: _ag.Tensor) -> _ag.Tensor:
        return (value >= 0).all(-1) & (value.sum(-1) <= self.upper_bound)


class _LowerTriangular(Constraint):
    """Lower-triangular matrices: every entry above the diagonal is zero."""

    event_dim = 2

    def check(self, value: _ag.Tensor) -> _ag.Tensor:
        return (value.tril() == value).all(-1).all(-1)


class _Square(Constraint):
    """Square matrices. A batch of non-square ones is rejected as a whole: the answer is
    False for every matrix, as the shape is shared."""

    event_dim = 2

    def check(self, value: _ag.Tensor) -> _ag.Tensor:
        batch = tuple(value.shape[:-2])
        is_square = value.shape[-2] == value.shape[-1]
        return _ag.full(batch, is_square, dtype=_ag.bool)


class _Symmetric(_Square):
    """Square matrices equal to their transpose, to ``isclose`` with ``atol=1e-6``."""

    def check(self, value: _ag.Tensor) -> _ag.Tensor:
        square = super().check(value)
        if not bool(square.all()):
            return square
        return _ag.isclose(value, value.mT, atol=1e-6).all(-1).all(-1)


class _PositiveSemidefinite(_Symmetric):
    """Symmetric matrices whose eigenvalues are all nonnegative."""

    def check(self, value: _ag.Tensor) -> _ag.Tensor:
        symmetric = super().check(value)
        # as torch 2.13: when any matrix of the batch is not symmetric, the answer is the
        # symmetry check alone (its eigenvalues would be meaningless)
        if not bool(symmetric.all()):
            return symmetric
        return (_ag.linalg.eigvalsh(value.detach()) >= 0).all(-1)


class _PositiveDefinite(_Symmetric):
    """Symmetric matrices with a Cholesky factor."""

    def check(self, value: _ag.Tensor) -> _ag.Tensor:
        symmetric = super().check(value)
        # the symmetry check alone when it fails anywhere in the batch, as torch 2.13
        if not bool(symmetric.all()):
            return symmetric
        return _ag.linalg.cholesky_ex(value.detach()).info == 0


class _LowerCholesky(Constraint):
    """Lower-triangular matrices with a positive diagonal."""

    event_dim = 2

    def check(self, value: _ag.Tensor) -> _ag.Tensor:
        lower = _LowerTriangular().check(value)
        return lower & (value.diagonal(dim1=-2, dim2=-1) > 0).all(-1)


class _CorrCholesky(Constraint):
    """Lower Cholesky factors of correlation matrices: lower-triangular with a positive
    diagonal and rows of unit Euclidean norm (to a tolerance growing with the size)."""

    event_dim = 2

    def check(self, value: _ag.Tensor) -> _ag.Tensor:
        size = value.shape[-1]
        tolerance = _ag.finfo(value.dtype).eps * size * 10
        norms = (value.detach() ** 2).sum(-1).sqrt()
        unit_rows = ((norms - 1).abs() <= tolerance).all(-1)
        return _LowerCholesky().check(value) & unit_rows


def _most_event_dims(parts: list[Constraint]) -> int:
    return max((part.event_dim for part in parts), default=0)


def _reduce_to(check: _ag.Tensor, ndims: int) -> _ag.Tensor:
    while check.dim() > ndims:
        check = check.all(-1)
    return check


def _join_pieces(pieces: list[Any], dim: int, event_dim: int, *, stacked: bool) -> Any:
    """Per-piece results (checks or log-Jacobians, with ``event_dim`` event dimensions
    already reduced) joined along ``dim``, counted on the joined value, where it remains;
    where it fell among the reduced event dimensions, they are combined with ``&`` (checks)
    or ``+`` (log-Jacobians of the blocks of one event)."""
    if dim < 0:
        dim += event_dim
        if dim >= 0:
            result = pieces[0]
            for piece in pieces[1:]:
                result = result & piece if piece.dtype == _ag.bool else result + piece
            return result
    return _ag.stack(pieces, dim) if stacked else _ag.cat(pieces, dim)


class _Cat(Constraint):
    """Values whose consecutive pieces along ``dim``, of sizes ``lengths`` (1 each by
    default), satisfy the constraints ``cseq`` in turn (``constraints.cat``).

    >>> import arraygrad
    >>> from arraygrad.distributions import constraints
    >>> both = constraints.cat([constraints.positive, constraints.real], dim=0)
    >>> both.check(arraygrad.tensor([-1.0, -1.0]))
    tensor([False,  True])
    """

    def __init__(self, cseq: Any, dim: int = 0, lengths: Any = None) -> None:
        self.cseq = list(cseq)
        self.lengths = [1] * len(self.cseq) if lengths is None else list(lengths)
        if len(self.lengths) != len(self.cseq):  # PyTorch asserts it
            raise AssertionError(
                f"lengths ({len(self.lengths)}) must match cseq ({len(self.cseq)}). Fix: "
                "pass one length per constraint, or lengths=None for 1 each."
            )
        self.dim = dim

    @property  # type: ignore[override]
    def is_discrete(self) -> bool:  # type: ignore[override]
        return any(part.is_discrete for part in self.cseq)

    @property  # type: ignore[override]
    def event_dim(self) -> int:  # type: ignore[override]
        return _most_event_dims(self.cseq)

    def check(self, value: _ag.Tensor) -> _ag.Tensor:
        _check_dim(self.dim, value)
        most = _most_event_dims(self.cseq)
        checks, start = [], 0
        for part, length in zip(self.cseq, self.lengths, strict=True):
            piece = value.narrow(self.dim, start, length)
            checks.append(_reduce_to(part.check(piece), value.dim() - most))
            start += length
        return _join_pieces(checks, self.dim, most, stacked=False)  # type: ignore[no-any-return]


def _check_dim(dim: int, value: _ag.Tensor) -> None:
    """PyTorch's check, in ``cat`` and ``stack`` constraints, that ``dim`` is one of value's."""
    if not -value.dim() <= dim < value.dim():
        raise AssertionError(
            f"dim {dim} out of range for value with {value.dim()} dimensions. Fix: check values "
            f"with more than {dim if dim >= 0 else -dim - 1} dimensions."
        )


class _Stack(Constraint):
    """Values whose slices along ``dim`` satisfy the constraints ``cseq`` in turn
    (``constraints.stack``).

    >>> import arraygrad
    >>> from arraygrad.distributions import constraints
    >>> both = constraints.stack([constraints.positive, constraints.real], dim=0)
    >>> both.check(arraygrad.tensor([-1.0, -1.0]))
    tensor([False,  True])
    """

    def __init__(self, cseq: Any, dim: int = 0) -> None:
        self.cseq = list(cseq)
        self.dim = dim

    @property  # type: ignore[override]
    def is_discrete(self) -> bool:  # type: ignore[override]
        return any(part.is_discrete for part in self.cseq)

    @property  # type: ignore[override]
    def event_dim(self) -> int:  # type: ignore[override]
        # as torch 2.13 reports it: one more than the parts' when ``dim`` counts from the end
        most = _most_event_dims(self.cseq)
        return most + 1 if self.dim + most < 0 else most

    def check(self, value: _ag.Tensor) -> _ag.Tensor:
        _check_dim(self.dim, value)
        if value.shape[self.dim] != len(self.cseq):
            raise ValueError(
                f"Expected {len(self.cseq)} slices along dimension {self.dim}"
                f" (got shape {list(value.shape)}). Fix: pass a value of size "
                f"{len(self.cseq)} in dimension {self.dim}, one slice per constraint."
            )
        most = _most_event_dims(self.cseq)
        # each slice lacks the stacking dimension: its checks have one dimension fewer
        checks = [
            _reduce_to(part.check(piece), value.dim() - 1 - most)
            for part, piece in zip(self.cseq, value.unbind(self.dim), strict=True)
        ]
        return _join_pieces(checks, self.dim, most, stacked=True)  # type: ignore[no-any-return]


class _IndependentConstraint(Constraint):
    """``base`` with its ``reinterpreted_batch_ndims`` rightmost batch dimensions made part of
    each event (checked jointly: an event holds only if all its elements do);
    ``constraints.independent``.

    >>> import arraygrad
    >>> from arraygrad.distributions import constraints
    >>> rows = constraints.independent(constraints.real, 1)
    >>> rows.check(arraygrad.tensor([[0.0, float("nan")], [1.0, 2.0]]))
    tensor([False,  True])
    """

    def __init__(self, base_constraint: Constraint, reinterpreted_batch_ndims: int) -> None:
        self.base_constraint = base_constraint
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims

    @property  # type: ignore[override]
    def is_discrete(self) -> bool:  # type: ignore[override]
        return self.base_constraint.is_discrete

    @property  # type: ignore[override]
    def event_dim(self) -> int:  # type: ignore[override]
        return self.base_constraint.event_dim + self.reinterpreted_batch_ndims

    def check(self, value: _ag.Tensor) -> _ag.Tensor:
        result = self.base_constraint.check(value)
        for _ in range(self.reinterpreted_batch_ndims):
            result = result.all(-1)
        return result

    def __repr__(self) -> str:
        name = type(self).__name__.lstrip("_")
        return f"{name}({self.base_constraint!r}, {self.reinterpreted_batch_ndims})"


class MixtureSameFamilyConstraint(Constraint):
    """The support of a mixture: that of its components, checked on ``value`` as if drawn
    from each component (every component shares one support), with the component dimension
    reduced.

    >>> import arraygrad
    >>> from arraygrad.distributions import constraints
    >>> support = constraints.MixtureSameFamilyConstraint(constraints.positive)
    >>> support.check(arraygrad.tensor([[1.0, -1.0]]))
    tensor([[ True, False]])
    """

    def __init__(self, base_constraint: Constraint) -> None:
        if not isinstance(base_constraint, Constraint):
            raise AssertionError(
                f"base_constraint must be a Constraint, got {type(base_constraint).__name__}"
                ". Fix: pass a constraint such as constraints.real, then "
                "reinterpreted_batch_ndims."
            )
        self.base_constraint = base_constraint

    @property  # type: ignore[override]
    def is_discrete(self) -> bool:  # type: ignore[override]
        return self.base_constraint.is_discrete

    @property  # type: ignore[override]
    def event_dim(self) -> int:  # type: ignore[override]
        return self.base_constraint.event_dim

    def check(self, value: _ag.Tensor) -> _ag.Tensor:
        # a component dimension before the event's, checked and reduced again: the value is
        # valid when it is valid for the (one, shared) component support
        per_component = value.unsqueeze(-1 - self.event_dim)
        return self.base_constraint.check(per_component).all(-1)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_constraint!r})"


dependent = _Dependent()
real = _Real()
real_vector = _IndependentConstraint(real, 1)
positive = _GreaterThan(0.0)
nonnegative = _GreaterThanEq(0.0)
nonnegative_integer = _IntegerGreaterThan(0)
positive_integer = _IntegerGreaterThan(1)
unit_interval = _Interval(0.0, 1.0)
boolean = _Boolean()
simplex = _Simplex()
one_hot = _OneHot()
positive_definite = _PositiveDefinite()
lower_triangular = _LowerTriangular()
lower_cholesky = _LowerCholesky()
square = _Square()
symmetric = _Symmetric()
positive_semidefinite = _PositiveSemidefinite()
corr_cholesky = _CorrCholesky()
greater_than = _GreaterThan
greater_than_eq = _GreaterThanEq
less_than = _LessThan
interval = _Interval
half_open_interval = _HalfOpenInterval
multinomial = _Multinomial
integer_interval = _IntegerInterval
independent = _IndependentConstraint
cat = _Cat
stack = _Stack
