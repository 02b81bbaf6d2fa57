"""The :class:`Distribution` base class and helpers shared by the families.

>>> import arraygrad as torch
>>> d = torch.distributions.Normal(torch.zeros(2), 1.0)
>>> d.batch_shape, d.event_shape
(arraygrad.Size([2]), arraygrad.Size([]))
"""

from __future__ import annotations

import warnings
from functools import cached_property
from typing import Any

import arraygrad as ag
from arraygrad.distributions import constraints

__all__ = ["Distribution"]


def as_size(shape: Any) -> ag.Size:
    """``shape`` (a tuple, list or Size) as a Size."""
    return ag.Size(tuple(shape))


def broadcast_params(*values: Any) -> list[ag.Tensor]:
    """The parameters as tensors of one broadcast shape; numbers take the tensors' dtype, or
    the default dtype when every parameter is a number."""
    tensors = [v for v in values if isinstance(v, ag.Tensor)]
    dtype = tensors[0].dtype if tensors else ag.get_default_dtype()
    as_tensors = [
        v if isinstance(v, ag.Tensor) else ag.tensor(float(v), dtype=dtype) for v in values
    ]
    return list(ag.broadcast_tensors(*as_tensors))


def sum_rightmost(value: ag.Tensor, ndims: int) -> ag.Tensor:
    """``value`` summed over its ``ndims`` last dimensions."""
    if ndims == 0:
        return value
    return value.reshape(tuple(value.shape[: value.dim() - ndims]) + (-1,)).sum(-1)


def clamp_probs(probs: ag.Tensor) -> ag.Tensor:
    """Probabilities clamped to ``[eps, 1 - eps]`` (``eps`` of their dtype), so their logs are
    finite.

    >>> import arraygrad
    >>> from arraygrad.distributions.utils import clamp_probs
    >>> clamp_probs(arraygrad.tensor([0.0, 0.5, 1.0], dtype=arraygrad.float64)).tolist()
    [2.220446049250313e-16, 0.5, 0.9999999999999998]
    """
    eps = ag.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def _describe(value: ag.Tensor) -> Any:
    """How a parameter appears in a distribution's repr: a 0-d one by its number, a one-element
    one as the tensor, a larger one by its size."""
    if value.dim() == 0:
        return value.item()
    return value if value.numel() == 1 else value.size()


def _show_values(value: ag.Tensor) -> Any:
    return value.item() if value.dim() == 0 else value


class cached_with_grad(cached_property):  # noqa: N801 - a decorator, as cached_property
    """A ``cached_property`` computed with gradients on whatever the caller's mode, as
    PyTorch's lazily derived parameters are: one first read inside ``no_grad`` (by
    ``sample``) was cached without its graph, so a later ``rsample`` or ``log_prob``
    reached no parameter."""

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        with ag.enable_grad():
            return super().__get__(instance, owner)


class Distribution:
    """A batch of probability distributions with the same family (``torch.distributions``).

    ``batch_shape`` indexes independent distributions; ``event_shape`` is the shape of one
    draw. With ``validate_args`` (on by default, see :meth:`set_default_validate_args`), the
    parameters are checked against ``arg_constraints`` and values passed to ``log_prob`` (and
    ``cdf``) against ``support``, raising ValueError.

    >>> import arraygrad as torch
    >>> torch.distributions.Exponential(torch.tensor([1.0, 2.0])).mean
    tensor([1.0000, 0.5000])
    """

    has_rsample = False
    has_enumerate_support = False
    _validate_args = True  # the default, switched by set_default_validate_args

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Switch argument validation on or off for distributions built afterwards.

        >>> import arraygrad as torch
        >>> torch.distributions.Distribution.set_default_validate_args(True)
        """
        if value not in [True, False]:
            raise ValueError
        Distribution._validate_args = value

    def __init__(
        self,
        batch_shape: Any = (),
        event_shape: Any = (),
        validate_args: bool | None = None,
    ) -> None:
        self._batch_shape = as_size(batch_shape)
        self._event_shape = as_size(event_shape)
        if validate_args is not None:
            self._validate_args = validate_args
        if self._validate_args:
            self._check_parameters()

    def _check_parameters(self) -> None:
        try:
            arg_constraints = self.arg_constraints
        except NotImplementedError:
            arg_constraints = {}
            warnings.warn(
                f"{type(self)} does not define `arg_constraints`. Please set "
                "`arg_constraints = {}` or initialize the distribution with "
                "`validate_args=False` to turn off validation.",
                stacklevel=3,
            )
        for name, constraint in arg_constraints.items():
            if constraints.is_dependent(constraint):
                continue
            lazy = isinstance(getattr(type(self), name, None), cached_property)
            if lazy and name not in self.__dict__:
                continue  # computed from another parameter, which is checked instead
            value = getattr(self, name)
            if not bool(constraint.check(value).all()):
                raise ValueError(
                    f"Expected parameter {name} ({type(value).__name__} of shape "
                    f"{tuple(value.shape)}) of distribution {self!r} to satisfy the "
                    f"constraint {constraint!r}, but found invalid values:\n"
                    f"{_show_values(value)}"
                    f"\nFix: pass {name} values that satisfy {constraint!r}."
                )

    @property
    def batch_shape(self) -> ag.Size:
        """The shape over which the parameters are batched."""
        return self._batch_shape

    @property
    def event_shape(self) -> ag.Size:
        """The shape of a single draw."""
        return self._event_shape

    @property
    def arg_constraints(self) -> dict[str, constraints.Constraint]:
        """Each parameter's constraint."""
        raise NotImplementedError

    @property
    def support(self) -> Any:
        """The constraint the values of the distribution satisfy."""
        raise NotImplementedError

    @property
    def mean(self) -> ag.Tensor:
        raise NotImplementedError

    @property
    def mode(self) -> ag.Tensor:
        raise NotImplementedError(
            f"{type(self)} does not implement mode"
            ". Fix: use sample() or mean for it, or implement mode in the"
            " subclass."
        )

    @property
    def variance(self) -> ag.Tensor:
        raise NotImplementedError

    @property
    def stddev(self) -> ag.Tensor:
        return self.variance.sqrt()

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        """This distribution with its parameters broadcast to ``batch_shape``."""
        raise NotImplementedError

    def _expanded_copy(self, batch_shape: Any, event_shapes: dict[str, tuple[int, ...]]) -> Any:
        """A copy whose parameters named in ``event_shapes`` (and present) are expanded to
        ``batch_shape`` plus their trailing shape; the caller finishes the copy."""
        shape = as_size(batch_shape)
        new = type(self).__new__(type(self))
        for name, trailing in event_shapes.items():
            if name in self.__dict__:
                new.__dict__[name] = self.__dict__[name].expand(tuple(shape) + trailing)
        Distribution.__init__(new, shape, self._event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def sample(self, sample_shape: Any = ()) -> ag.Tensor:
        """Draws of shape ``sample_shape + batch_shape + event_shape``, without gradient."""
        with ag.no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape: Any = ()) -> ag.Tensor:
        """Reparameterised draws, differentiable with respect to the parameters."""
        raise NotImplementedError

    def sample_n(self, n: int) -> ag.Tensor:
        return self.sample((n,))

    def log_prob(self, value: ag.Tensor) -> ag.Tensor:
        """The log of the density (or mass) at ``value``."""
        raise NotImplementedError

    def cdf(self, value: ag.Tensor) -> ag.Tensor:
        raise NotImplementedError

    def icdf(self, value: ag.Tensor) -> ag.Tensor:
        raise NotImplementedError

    def enumerate_support(self, expand: bool = True) -> ag.Tensor:
        raise NotImplementedError

    def entropy(self) -> ag.Tensor:
        raise NotImplementedError

    def perplexity(self) -> ag.Tensor:
        return self.entropy().exp()

    def _extended_shape(self, sample_shape: Any = ()) -> ag.Size:
        return as_size(tuple(sample_shape) + tuple(self._batch_shape) + tuple(self._event_shape))

    def _validate_sample(self, value: Any) -> None:
        """Raise ValueError as torch when ``value`` is no tensor, does not broadcast with the
        distribution's shape or lies outside its support."""
        if not isinstance(value, ag.Tensor):
            raise ValueError(
                "The value argument to log_prob must be a Tensor"
                f" (got {type(value).__name__}). Fix: pass a tensor, e.g. "
                "torch.tensor(value)."
            )
        shape = value.size()
        event_start = len(shape) - len(self._event_shape)
        if as_size(shape[event_start:]) != self._event_shape:
            raise ValueError(
                "The right-most size of value must match event_shape: "
                f"{shape} vs {self._event_shape}."
                f" Fix: pass a value whose last dimensions are {list(self._event_shape)}."
            )
        expected = as_size(tuple(self._batch_shape) + tuple(self._event_shape))
        for actual_size, expected_size in zip(reversed(shape), reversed(expected), strict=False):
            if actual_size != 1 and expected_size != 1 and actual_size != expected_size:
                raise ValueError(
                    "Value is not broadcastable with batch_shape+event_shape: "
                    f"{shape} vs {expected}."
                    f" Fix: pass a value whose shape broadcasts with {list(expected)}."
                )
        support = self.support
        if not bool(support.check(value).all()):
            raise ValueError(
                f"Expected value argument ({type(value).__name__} of shape "
                f"{tuple(value.shape)}) to be within the support ({support!r}) of the "
                f"distribution {self!r}, but found invalid values:\n{_show_values(value)}"
                f"\nFix: pass values within the support {support!r} (mask out the others "
                "first)."
            )

    def __repr__(self) -> str:
        shown = [name for name in self.arg_constraints if name in self.__dict__]
        fields = ", ".join(f"{name}: {_describe(self.__dict__[name])}" for name in shown)
        return f"{type(self).__name__}({fields})"
