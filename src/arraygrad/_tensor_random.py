"""Tensor methods that fill a tensor at random in place (``normal_``, ``uniform_``,
``random_``, ``bernoulli_``, ...) and draw from it (``bernoulli``, ``multinomial``), with
PyTorch's checks of their bounds.

A mixin of :class:`arraygrad.Tensor`; each method delegates to :mod:`arraygrad._random`.
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any

# The package itself, not its modules: the functions these methods call are imported after the
# Tensor class (they build on it), so they are looked up at call time as ``_ag._random.fill``.
import arraygrad as _ag
from arraygrad import _dtype as _dtypes

if TYPE_CHECKING:
    import arraygrad._backend
    import arraygrad._memory_overlap
    import arraygrad._random
    import arraygrad._random_creation
    import arraygrad._views
    from arraygrad._tensor import Tensor

# The largest integer random_() draws by default: 2**mantissa bits for floats (every integer
# up to it is exact), the dtype's maximum for integers, as in PyTorch.
_RANDOM_MAX = {
    "float16": 2**11,
    "bfloat16": 2**8,
    "float32": 2**24,
    "float64": 2**53,
    "bool": 1,
    "uint8": 2**8 - 1,
    "int8": 2**7 - 1,
    "int16": 2**15 - 1,
    "int32": 2**31 - 1,
    "int64": 2**63 - 1,
}
_INT_MIN = {
    "bool": 0,
    "uint8": 0,
    "int8": -(2**7),
    "int16": -(2**15),
    "int32": -(2**31),
    "int64": -(2**63),
}
# PyTorch's C names of the types, for its errors ("out of bounds for signed char").
_C_NAMES = {
    "bool": "bool",
    "uint8": "unsigned char",
    "int8": "signed char",
    "int16": "short",
    "int32": "int",
}


def _real_bound(method: str, name: str, position: int, value: Any) -> None:
    """PyTorch's TypeError for a complex number where a random fill takes a real one."""
    if isinstance(value, complex):
        raise TypeError(
            f"{method}(): argument '{name}' (position {position}) must be float, not complex"
        )


def _from_keyword(method: str, from_: Any, kwargs: dict[str, Any]) -> Any:
    """``from_``, or PyTorch's keyword ``from`` when given; other keywords are refused."""
    if "from" in kwargs:
        from_ = kwargs.pop("from")
    if kwargs:
        raise TypeError(
            f"{method}() got an unexpected keyword argument '{next(iter(kwargs))}'. Fix: its "
            "keywords are from, to and generator."
        )
    return from_


class TensorRandomMethods:
    """Random in-place fills of this tensor, and draws from it."""

    __slots__ = ()

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Tensor:
        """In place: samples of ``N(mean, std**2)``; for a complex tensor, ``mean + std z`` with
        ``z`` PyTorch's complex standard normal (each part of variance 1/2)."""
        _real_bound("normal_", "mean", 1, mean)
        _real_bound("normal_", "std", 2, std)
        if not self.dtype.is_complex:
            _ag._random._require_float(self, "normal_kernel_cpu")
        if std < 0:
            raise RuntimeError(
                f"normal expects std >= 0.0, but found std {std}. Fix: pass a non-negative std."
            )
        if self.dtype.is_complex:
            shape, half = tuple(self.shape), std * 0.5**0.5
            sample = _ag._random.complex_draw(generator, "normal", shape, self.dtype, mean, half)
            return _ag._random.write(self, sample)
        return _ag._random.fill(self, "normal", mean, std, generator=generator)

    def uniform_(
        self, from_: float = 0.0, to: float = 1.0, *, generator: Any = None, **kwargs: Any
    ) -> Tensor:
        """In place: samples of the uniform distribution on ``[from_, to)`` (PyTorch's keyword
        ``from``, a Python keyword, is taken as ``**{"from": value}``)."""
        from_ = _from_keyword("uniform_", from_, kwargs)
        _real_bound("uniform_", "from", 1, from_)
        _real_bound("uniform_", "to", 2, to)
        if not self.dtype.is_complex:
            _ag._random._require_float(self, "check_uniform_bounds")
        if from_ > to:
            raise RuntimeError(
                f"uniform_ expects to return a [from, to) range, but found from={from_} > "
                f"to={to}. Fix: swap the bounds."
            )
        if not self.dtype.is_complex:
            _uniform_within_dtype(self.dtype, from_, to)
        if self.dtype.is_complex:  # the real and imaginary parts each uniform on [from, to)
            sample = _ag._random.complex_draw(
                generator, "uniform", tuple(self.shape), self.dtype, from_, to
            )
            return _ag._random.write(self, sample)
        # (A draw that rounds up to `to` is `from_`, as PyTorch's kernel makes it.)
        return _ag._random.fill(self, "uniform", from_, to, generator=generator)

    def random_(
        self,
        from_: builtins.int | None = None,
        to: builtins.int | None = None,
        *,
        generator: Any = None,
        **kwargs: Any,
    ) -> Tensor:
        """In place: integers drawn uniformly, PyTorch's three forms: ``random_()`` from
        ``[0, 2**mantissa]`` for floats or ``[0, max]`` for integers, ``random_(to)`` (or
        ``random_(to=to)``) from ``[0, to)``, and ``random_(from_, to)`` from ``[from_, to)``."""
        from_ = _from_keyword("random_", from_, kwargs)
        name = self.dtype.name
        if self.dtype.is_complex:  # PyTorch's checks: of the bounds given, else the kernel's
            if from_ is not None or to is not None:
                raise RuntimeError(
                    "check_random_bounds handles only integral, floating-point and boolean "
                    f"types: got a {_ag._tensor.describe(self)}. Fix: draw into a real tensor."
                )
            raise _ag._unary.not_implemented(
                "random_kernel_cpu", self, "draw into a real tensor (e.g. x.real.random_())."
            )
        if from_ is None and to is None:
            low, high = 0, _RANDOM_MAX[name]
        elif to is None:
            low, high = 0, from_ - 1
        elif from_ is None:
            low, high = 0, to - 1
        else:
            low, high = from_, to - 1
        if high < low:
            raise RuntimeError(
                f"random_ expects 'from' to be less than 'to', but got from={low} >= "
                f"to={high + 1}. Fix: pass from < to."
            )
        for bound, value, out in (
            ("from", low, low < _INT_MIN.get(name, low)),
            ("to - 1", high, high > _RANDOM_MAX[name] and name in _C_NAMES),
        ):
            if out:
                raise RuntimeError(
                    f"{bound} is out of bounds for {_C_NAMES[name]}: {value} does not fit "
                    f"{name}. Fix: draw into a wider dtype or narrow the range."
                )
        rng = _ag._random_creation.generator_rng(generator)
        native = self._data.dtype

        def draw(order: tuple[builtins.int, ...], _: builtins.bool) -> Any:  # memory order
            if from_ is None and to is None:  # torch's own draw for the dtype's whole range
                return _ag._backend.random_bits(high, order, native, rng)
            return _ag._backend.random_integers(low, high + 1, order, native, rng)

        array = _ag._backend.drawn_in_memory_order(draw, self._data, fresh=False)
        return _ag._random.write(self, _ag.Tensor._wrap(array))

    def bernoulli_(self, p: Any = 0.5, *, generator: Any = None) -> Tensor:
        """In place: 1 with probability ``p`` (a number or a tensor of probabilities), else 0."""
        if isinstance(p, _ag.Tensor):  # (the kernel's dtypes are checked first)
            _ag._random.require_real(self, "bernoulli_tensor_cpu_self_")
        _ag._random.check_probability(p, "bernoulli_")
        rng = _ag._random_creation.generator_rng(generator)
        if not isinstance(p, _ag.Tensor):  # torch's scalar kernel, in memory order
            _ag._random.require_real(self, "bernoulli_scalar_cpu_")
            native = self._data.dtype
            keep = _ag._backend.drawn_in_memory_order(
                lambda order, _: _ag._backend.random_bernoulli(float(p), order, native, rng),
                self._data,
                fresh=False,
            )
            return _ag._random.write(self, _ag.Tensor._wrap(keep))
        # PyTorch expands p to this tensor first: only a p of its shape can be refused.
        _ag._memory_overlap.check_no_partial_overlap(self, p, rule=_ag._memory_overlap.EXPANDED)
        # p broadcasts to this tensor's shape (expand's error otherwise), never the reverse.
        probs = _ag._views.broadcast_to(p.detach(), tuple(self.shape))
        return _ag._random.write(self, _ag._random.bernoulli_tensor(probs, self.dtype, generator))

    def exponential_(self, lambd: float = 1.0, *, generator: Any = None) -> Tensor:
        """In place: samples of the exponential distribution of rate ``lambd``."""
        if not self.dtype.is_floating_point:
            raise RuntimeError(
                "Exponential distribution is a continuous probability distribution. dtype must "
                "be a floating point but you specified "
                f"{_dtypes.torch_type_name(self.dtype)}. Fix: x = x.float() first."
            )
        if not lambd > 0:
            raise RuntimeError(
                f"exponential_ expects lambda > 0.0, but found lambda={lambd}. Fix: pass a "
                "positive rate."
            )
        return _ag._random.fill(self, "exponential_rate", lambd, generator=generator)

    def log_normal_(self, mean: float = 1.0, std: float = 2.0, *, generator: Any = None) -> Tensor:
        """In place: ``exp`` of samples of ``N(mean, std**2)``."""
        _ag._random._require_float(self, "log_normal_cpu")
        if not std > 0:
            raise RuntimeError(
                f"log_normal_ expects std > 0.0, but found std={std}. Fix: pass a positive std."
            )
        return _ag._random.fill(self, "lognormal", mean, std, generator=generator)

    def cauchy_(self, median: float = 0.0, sigma: float = 1.0, *, generator: Any = None) -> Tensor:
        """In place: samples of the Cauchy distribution ``median + sigma * tan(pi * (u - 1/2))``."""
        if not self.dtype.is_floating_point:
            raise RuntimeError(
                "Cauchy distribution is a continuous probability distribution. dtype must be a "
                f"floating point but you specified {self.dtype.name}. Fix: x = x.float() first."
            )
        if not sigma > 0:
            raise RuntimeError(
                f"cauchy_ expects sigma > 0.0, but found sigma={sigma}. Fix: pass a positive scale."
            )
        return _ag._random.fill(self, "cauchy", median, sigma, generator=generator)

    def geometric_(self, p: float, *, generator: Any = None) -> Tensor:
        """In place: the number of Bernoulli(``p``) trials up to the first success (1, 2, ...)."""
        if not 0 < p < 1:  # (checked before the dtype, as PyTorch does)
            raise RuntimeError(
                f"geometric_ expects p to be in (0, 1), but got p={p}. Fix: pass a probability "
                "strictly between 0 and 1."
            )
        if self.dtype is _ag.bool:
            raise NotImplementedError(
                "\"geometric_cpu\" not implemented for 'Bool': a count of trials needs a "
                "numeric dtype. Fix: fill an integer or floating tensor."
            )
        _ag._random.require_real(self, "geometric_cpu")
        return _ag._random.fill(self, "geometric", p, generator=generator)

    def bernoulli(self, p: Any = None, *, generator: Any = None) -> Tensor:
        """See :func:`arraygrad.bernoulli`."""
        return _ag._random.bernoulli(self, p, generator=generator)

    def multinomial(
        self,
        num_samples: builtins.int,
        replacement: builtins.bool = False,
        *,
        generator: Any = None,
    ) -> Tensor:
        """See :func:`arraygrad.multinomial`."""
        return _ag._random.multinomial(self, num_samples, replacement, generator=generator)


def _uniform_within_dtype(dtype: Any, from_: float, to: float) -> None:
    """PyTorch's bounds of ``uniform_``: each bound a finite number of ``dtype``, and the
    width ``to - from`` too (the kernel computes ``x * (to - from) + from``)."""
    limit = float(_ag.finfo(dtype).max)
    for name, bound in (("from", from_), ("to", to)):
        if not -limit <= bound <= limit:
            raise RuntimeError(
                f"{name} is out of bounds for {dtype}: uniform_'s bounds must be finite "
                f"numbers of its dtype, within +-{limit:g}. Fix: use bounds inside that range."
            )
    if to - from_ > limit:
        raise RuntimeError(
            f"uniform_ expects to-from <= the largest {dtype}, but found to={to:g} and "
            f"from={from_:g} which result in to-from to exceed the limit. Fix: draw in "
            "[from/2, to/2) and double the result, as torch.testing.make_tensor does."
        )
