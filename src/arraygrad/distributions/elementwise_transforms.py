"""Elementwise bijections (and ``abs``): each acts on every coordinate separately, so its
Jacobian is diagonal and ``log |det J|`` is the elementwise ``log |f'(x)|``.

>>> import arraygrad as torch
>>> from arraygrad.distributions.transforms import TanhTransform
>>> t = TanhTransform()
>>> x = torch.tensor([0.0, 1.0])
>>> t.log_abs_det_jacobian(x, t(x))
tensor([ 0.0000, -0.8676])
"""

from __future__ import annotations

import math
from numbers import Number
from typing import Any

import arraygrad as ag
from arraygrad.distributions import constraints
from arraygrad.distributions.distribution import broadcast_params, sum_rightmost
from arraygrad.distributions.transform_base import Transform

__all__ = [
    "AbsTransform",
    "AffineTransform",
    "ExpTransform",
    "PowerTransform",
    "SigmoidTransform",
    "SoftplusTransform",
    "TanhTransform",
]

_LOG_TWO = math.log(2.0)
_open_unit_ball = constraints.interval(-1.0, 1.0)


def _softplus(x: ag.Tensor) -> ag.Tensor:
    return ag.nn.functional.softplus(x)


def _shape_of(value: Any) -> tuple[int, ...]:
    """The shape of a parameter that is a tensor or a number."""
    return tuple(value.shape) if isinstance(value, ag.Tensor) else ()


def _all_equal(a: Any, b: Any) -> bool:
    """Whether two parameters (tensors or numbers) are equal everywhere."""
    same = a == b
    return bool(same.all()) if isinstance(same, ag.Tensor) else bool(same)


class _SameTypeEqual(Transform):
    """Transforms with no parameters: any two of the same class are equal."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, type(self))


class ExpTransform(_SameTypeEqual):
    """``y = exp(x)``; ``log |dy/dx| = x``.

    >>> import arraygrad as torch
    >>> ExpTransform().inv(torch.tensor(1.0))
    tensor(0.)
    """

    domain = constraints.real
    codomain = constraints.positive
    bijective = True
    sign = 1

    def _call(self, x: Any) -> Any:
        return x.exp()

    def _inverse(self, y: Any) -> Any:
        return y.log()

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Any:
        return x


class PowerTransform(Transform):
    """``y = x^exponent`` on the positive numbers; ``log |dy/dx| = log |exponent · y / x|``.

    >>> import arraygrad as torch
    >>> PowerTransform(2.0)(torch.tensor(3.0))
    tensor(9.)
    """

    domain = constraints.positive
    codomain = constraints.positive
    bijective = True

    def __init__(self, exponent: Any, cache_size: int = 0) -> None:
        super().__init__(cache_size=cache_size)
        (self.exponent,) = broadcast_params(exponent)

    def _rebuild(self, cache_size: int) -> Transform:
        return PowerTransform(self.exponent, cache_size=cache_size)

    @property
    def sign(self) -> Any:  # type: ignore[override]
        return self.exponent.sign()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PowerTransform) and _all_equal(self.exponent, other.exponent)

    def _call(self, x: Any) -> Any:
        return x.pow(self.exponent)

    def _inverse(self, y: Any) -> Any:
        return y.pow(1 / self.exponent)

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Any:
        # d(x^p)/dx = p x^(p-1) = p y / x
        return (self.exponent * y / x).abs().log()

    def forward_shape(self, shape: Any) -> Any:
        return ag.broadcast_shapes(tuple(shape), tuple(self.exponent.shape))

    def inverse_shape(self, shape: Any) -> Any:
        return ag.broadcast_shapes(tuple(shape), tuple(self.exponent.shape))


class SigmoidTransform(_SameTypeEqual):
    """``y = 1 / (1 + exp(-x))``, kept in ``[tiny, 1 - eps]`` of the dtype so that the inverse
    (the logit) stays finite; ``log |dy/dx| = -softplus(-x) - softplus(x)``.

    >>> import arraygrad as torch
    >>> SigmoidTransform().inv(torch.tensor(0.5))
    tensor(0.)
    """

    domain = constraints.real
    codomain = constraints.unit_interval
    bijective = True
    sign = 1

    @staticmethod
    def _inside(y: Any) -> Any:
        info = ag.finfo(y.dtype)
        return y.clamp(min=info.tiny, max=1 - info.eps)

    def _call(self, x: Any) -> Any:
        return self._inside(x.sigmoid())

    def _inverse(self, y: Any) -> Any:
        y = self._inside(y)
        return y.log() - (-y).log1p()

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Any:
        # σ'(x) = σ(x) σ(-x), and log σ(x) = -softplus(-x)
        return -_softplus(-x) - _softplus(x)


class TanhTransform(_SameTypeEqual):
    """``y = tanh(x)``, the inverse ``atanh(y)`` (infinite at ±1, as torch).

    ``log |dy/dx| = log(1 - tanh²x) = 2 (log 2 - x - softplus(-2x))``, a form that stays
    finite for large ``|x|``, where ``1 - tanh²x`` rounds to 0. With ``cache_size=1`` the
    log-density of a squashed sample is computed from its pre-image, not from ``atanh``.

    >>> import arraygrad as torch
    >>> TanhTransform().log_abs_det_jacobian(torch.tensor(30.0), torch.tensor(1.0))
    tensor(-58.6137)
    """

    domain = constraints.real
    codomain = _open_unit_ball
    bijective = True
    sign = 1

    def _call(self, x: Any) -> Any:
        return x.tanh()

    def _inverse(self, y: Any) -> Any:
        return ag.atanh(y)

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Any:
        return 2.0 * (_LOG_TWO - x - _softplus(-2.0 * x))


class SoftplusTransform(_SameTypeEqual):
    """``y = log(1 + exp(x))``; inverse ``x = y + log(-expm1(-y))``;
    ``log |dy/dx| = log σ(x) = -softplus(-x)``.

    >>> import arraygrad as torch
    >>> SoftplusTransform().inv(torch.tensor(math.log(2.0)))
    tensor(0.)
    """

    domain = constraints.real
    codomain = constraints.positive
    bijective = True
    sign = 1

    def _call(self, x: Any) -> Any:
        return _softplus(x)

    def _inverse(self, y: Any) -> Any:
        return (-ag.expm1(-y)).log() + y

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Any:
        return -_softplus(-x)


class AbsTransform(_SameTypeEqual):
    """``y = |x|``; not a bijection, so its ``inv`` picks the nonnegative pre-image ``y``.

    >>> import arraygrad as torch
    >>> AbsTransform()(torch.tensor([-2.0, 3.0]))
    tensor([2., 3.])
    """

    domain = constraints.real
    codomain = constraints.positive

    def _call(self, x: Any) -> Any:
        return x.abs()

    def _inverse(self, y: Any) -> Any:
        return y


class AffineTransform(Transform):
    """``y = loc + scale · x`` with ``loc`` and ``scale`` tensors or numbers; ``event_dim``
    says how many rightmost dimensions form one event (whose log-Jacobians are summed).

    ``log |det J| = Σ log |scale|`` over the event's coordinates, with ``scale`` broadcast
    to the event. (torch 2.13 sums a tensor ``scale`` only over its own trailing
    dimensions, so one narrower than the event is counted once; here it is counted for each
    coordinate, as the change of variables requires.)

    >>> import arraygrad as torch
    >>> t = AffineTransform(1.0, 2.0, event_dim=1)
    >>> x = torch.zeros(2, 3)
    >>> t.log_abs_det_jacobian(x, t(x))
    tensor([2.0794, 2.0794])
    """

    bijective = True

    def __init__(self, loc: Any, scale: Any, event_dim: int = 0, cache_size: int = 0) -> None:
        super().__init__(cache_size=cache_size)
        self.loc = loc
        self.scale = scale
        self._event_dim = event_dim

    @property
    def event_dim(self) -> int:
        return self._event_dim

    @property
    def domain(self) -> Any:  # type: ignore[override]
        if self._event_dim == 0:
            return constraints.real
        return constraints.independent(constraints.real, self._event_dim)

    @property
    def codomain(self) -> Any:  # type: ignore[override]
        return self.domain

    def _rebuild(self, cache_size: int) -> Transform:
        return AffineTransform(self.loc, self.scale, self._event_dim, cache_size=cache_size)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, AffineTransform)
            and _all_equal(self.loc, other.loc)
            and _all_equal(self.scale, other.scale)
        )

    @property
    def sign(self) -> Any:
        if isinstance(self.scale, Number):
            return (self.scale > 0) - (self.scale < 0)  # type: ignore[operator]
        return self.scale.sign()

    def _call(self, x: Any) -> Any:
        return self.loc + self.scale * x

    def _inverse(self, y: Any) -> Any:
        return (y - self.loc) / self.scale

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Any:
        shape = tuple(ag.broadcast_shapes(tuple(x.shape), _shape_of(self.scale)))
        if isinstance(self.scale, ag.Tensor):
            log_scale = self.scale.abs().log().expand(shape)
        else:
            magnitude = abs(self.scale)
            log_magnitude = math.log(magnitude) if magnitude else -math.inf
            log_scale = ag.full(shape, log_magnitude, dtype=x.dtype)
        return sum_rightmost(log_scale, self._event_dim)

    def forward_shape(self, shape: Any) -> Any:
        return ag.broadcast_shapes(tuple(shape), _shape_of(self.loc), _shape_of(self.scale))

    def inverse_shape(self, shape: Any) -> Any:
        return ag.broadcast_shapes(tuple(shape), _shape_of(self.loc), _shape_of(self.scale))
