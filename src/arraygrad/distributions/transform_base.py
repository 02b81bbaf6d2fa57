"""The :class:`Transform` base class and the transforms built from other transforms: inverses,
compositions (:class:`ComposeTransform`), event-dimension reinterpretation
(:class:`IndependentTransform`) and reshapes (:class:`ReshapeTransform`).

A transform is a map ``y = f(x)`` from its ``domain`` to its ``codomain``. For a bijective one,
``inv`` is ``f⁻¹`` and ``log_abs_det_jacobian(x, y)`` is ``log |det ∂y/∂x|``, summed over the
domain's event dimensions, which is what change of variables needs:
``log p_Y(y) = log p_X(f⁻¹(y)) - log |det J_f(f⁻¹(y))|``.

>>> import arraygrad as torch
>>> from arraygrad.distributions.transforms import ComposeTransform, ExpTransform
>>> t = ComposeTransform([ExpTransform(), ExpTransform()])
>>> t(torch.tensor(0.0)), t.inv(torch.tensor(1.0))
(tensor(2.7183), tensor(-inf))
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Sequence
from typing import Any

import arraygrad as ag
from arraygrad.distributions import constraints
from arraygrad.distributions.distribution import as_size, sum_rightmost

__all__ = [
    "ComposeTransform",
    "IndependentTransform",
    "ReshapeTransform",
    "Transform",
    "identity_transform",
]


class Transform:
    """An invertible (or at least computable) map between constrained spaces.

    ``cache_size=1`` keeps the last ``(x, y)`` pair: calling the transform on the same ``x``
    object returns the same ``y`` object, and ``inv`` of that ``y`` returns ``x`` itself,
    with its graph. This is how a non-invertible or lossy inverse (``tanh`` near ±1) still
    gives exact log-densities of the transform's own samples.

    Subclasses set ``domain``, ``codomain`` and ``bijective`` and define ``_call`` (the map),
    ``_inverse`` and ``log_abs_det_jacobian`` where they exist.

    >>> import arraygrad as torch
    >>> from arraygrad.distributions.transforms import ExpTransform
    >>> t = ExpTransform(cache_size=1)
    >>> x = torch.tensor([0.0, 1.0])
    >>> t.inv(t(x)) is x
    True
    """

    bijective = False
    domain: Any  # a Constraint; set by each subclass (reading it on the base raises)
    codomain: Any

    def __init__(self, cache_size: int = 0) -> None:
        if cache_size not in (0, 1):
            raise ValueError(
                "cache_size must be 0 or 1"
                f" (got cache_size={cache_size!r}). Fix: pass cache_size=0 or 1."
            )
        self._cache_size = cache_size
        self._last: tuple[Any, Any] = (None, None)  # the last (x, y), when caching
        self._inverse_ref: Any = None  # weak, so a transform and its inverse form no cycle

    def __getstate__(self) -> dict[str, Any]:
        # weak references cannot be pickled or deep-copied; the inverse is rebuilt on demand
        state = dict(self.__dict__)
        state["_inverse_ref"] = None
        return state

    @property
    def event_dim(self) -> int:
        """The event dimensions of both domain and codomain, when they agree."""
        if self.domain.event_dim == self.codomain.event_dim:
            return int(self.domain.event_dim)
        raise ValueError("Please use either .domain.event_dim or .codomain.event_dim")

    @property
    def inv(self) -> Transform:
        """The inverse transform ``f⁻¹``, the same object while anything holds it."""
        inverse = None if self._inverse_ref is None else self._inverse_ref()
        if inverse is None:
            inverse = _InverseTransform(self)
            self._inverse_ref = weakref.ref(inverse)
        return inverse

    @property
    def sign(self) -> Any:
        """+1 or -1 (or a tensor of them) as the transform increases or decreases; only for
        monotone elementwise bijections."""
        raise NotImplementedError

    def with_cache(self, cache_size: int = 1) -> Transform:
        """This transform with the given ``cache_size`` (itself when it already has it)."""
        if cache_size == self._cache_size:
            return self
        return self._rebuild(cache_size)

    def _rebuild(self, cache_size: int) -> Transform:
        """A new transform like this one with another cache size; parameterised transforms
        override it to pass their parameters."""
        if type(self).__init__ is Transform.__init__:
            return type(self)(cache_size=cache_size)
        raise NotImplementedError(
            f"{type(self)}.with_cache is not implemented"
            f". Fix: override with_cache(cache_size) in {type(self).__name__} to pass "
            "its own parameters."
        )

    def __eq__(self, other: object) -> bool:
        return self is other

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__ = None  # type: ignore[assignment]  # equality is by value in subclasses

    def __call__(self, x: Any) -> Any:
        """``y = f(x)``."""
        if self._cache_size == 0:
            return self._call(x)
        last_x, last_y = self._last
        if x is last_x:
            return last_y
        y = self._call(x)
        self._last = (x, y)
        return y

    def _inv_call(self, y: Any) -> Any:
        """``x = f⁻¹(y)``, from the cache when ``y`` is the last output."""
        if self._cache_size == 0:
            return self._inverse(y)
        last_x, last_y = self._last
        if y is last_y:
            return last_x
        x = self._inverse(y)
        self._last = (x, y)
        return x

    def _call(self, x: Any) -> Any:
        raise NotImplementedError

    def _inverse(self, y: Any) -> Any:
        raise NotImplementedError

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Any:
        """``log |det ∂y/∂x|`` at ``x`` (with ``y = f(x)``), one value per domain event."""
        raise NotImplementedError

    def forward_shape(self, shape: Any) -> Any:
        """The shape of ``f(x)`` for ``x`` of ``shape``."""
        return shape

    def inverse_shape(self, shape: Any) -> Any:
        """The shape of ``f⁻¹(y)`` for ``y`` of ``shape``."""
        return shape

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class _InverseTransform(Transform):
    """``f⁻¹`` of a transform ``f``, sharing its cache: ``log |det J_{f⁻¹}(y)|`` is
    ``-log |det J_f(x)|`` at ``x = f⁻¹(y)``."""

    def __init__(self, transform: Transform) -> None:
        super().__init__(cache_size=transform._cache_size)
        self._forward = transform

    @property
    def domain(self) -> Any:  # type: ignore[override]
        return self._forward.codomain

    @property
    def codomain(self) -> Any:  # type: ignore[override]
        return self._forward.domain

    @property
    def bijective(self) -> bool:  # type: ignore[override]
        return self._forward.bijective

    @property
    def sign(self) -> Any:
        return self._forward.sign  # the inverse of a monotone map runs the same way

    @property
    def inv(self) -> Transform:
        return self._forward

    def with_cache(self, cache_size: int = 1) -> Transform:
        return self._forward.with_cache(cache_size).inv

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _InverseTransform) and self._forward == other._forward

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._forward!r})"

    def __call__(self, x: Any) -> Any:
        return self._forward._inv_call(x)

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Any:
        return -self._forward.log_abs_det_jacobian(y, x)

    def forward_shape(self, shape: Any) -> Any:
        return self._forward.inverse_shape(shape)

    def inverse_shape(self, shape: Any) -> Any:
        return self._forward.forward_shape(shape)


def _with_event_dim(constraint: Any, event_dim: int) -> Any:
    """``constraint`` with enough of its batch dimensions made event dimensions to have
    ``event_dim`` of them."""
    if event_dim > constraint.event_dim:
        return constraints.independent(constraint, event_dim - constraint.event_dim)
    return constraint


class ComposeTransform(Transform):
    """The composition ``parts[-1] ∘ ... ∘ parts[0]`` (``parts[0]`` is applied first).

    Its log-Jacobian is the sum of the parts', each summed over the event dimensions the
    composition has beyond that part's own. With no parts it is the identity.

    >>> import arraygrad as torch
    >>> from arraygrad.distributions.transforms import AffineTransform, ExpTransform
    >>> t = ComposeTransform([ExpTransform(), AffineTransform(1.0, 2.0)])
    >>> t(torch.tensor(0.0)), t.log_abs_det_jacobian(torch.tensor(0.0), torch.tensor(3.0))
    (tensor(3.), tensor(0.6931))
    """

    def __init__(self, parts: Sequence[Transform], cache_size: int = 0) -> None:
        if cache_size:
            parts = [part.with_cache(cache_size) for part in parts]
        super().__init__(cache_size=cache_size)
        self.parts = list(parts)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ComposeTransform) and self.parts == other.parts

    @property
    def domain(self) -> Any:  # type: ignore[override]
        if not self.parts:
            return constraints.real
        # walking back from the end, each part needs its own event dimensions at its input,
        # and passes on those of its successors beyond its output's
        needed = self.parts[-1].codomain.event_dim
        for part in reversed(self.parts):
            needed += part.domain.event_dim - part.codomain.event_dim
            needed = max(needed, part.domain.event_dim)
        return _with_event_dim(self.parts[0].domain, needed)

    @property
    def codomain(self) -> Any:  # type: ignore[override]
        if not self.parts:
            return constraints.real
        needed = self.domain.event_dim
        for part in self.parts:
            needed += part.codomain.event_dim - part.domain.event_dim
            needed = max(needed, part.codomain.event_dim)
        return _with_event_dim(self.parts[-1].codomain, needed)

    @property
    def bijective(self) -> bool:  # type: ignore[override]
        return all(part.bijective for part in self.parts)

    @property
    def sign(self) -> Any:
        product: Any = 1
        for part in self.parts:
            product = product * part.sign
        return product

    @property
    def inv(self) -> Transform:
        inverse = None if self._inverse_ref is None else self._inverse_ref()
        if inverse is None:
            inverse = ComposeTransform([part.inv for part in reversed(self.parts)])
            self._inverse_ref = weakref.ref(inverse)
            inverse._inverse_ref = weakref.ref(self)
        return inverse

    def _rebuild(self, cache_size: int) -> Transform:
        return ComposeTransform(self.parts, cache_size=cache_size)

    def __call__(self, x: Any) -> Any:
        for part in self.parts:
            x = part(x)
        return x

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Any:
        if not self.parts:
            return ag.zeros_like(x)
        # the intermediate values; the parts' caches make the last one y itself
        values = [x]
        for part in self.parts[:-1]:
            values.append(part(values[-1]))
        values.append(y)
        total: Any = 0
        event_dim = self.domain.event_dim
        for part, before, after in zip(self.parts, values[:-1], values[1:], strict=True):
            term = part.log_abs_det_jacobian(before, after)
            total = total + sum_rightmost(term, event_dim - part.domain.event_dim)
            event_dim += part.codomain.event_dim - part.domain.event_dim
        return total

    def forward_shape(self, shape: Any) -> Any:
        for part in self.parts:
            shape = part.forward_shape(shape)
        return shape

    def inverse_shape(self, shape: Any) -> Any:
        for part in reversed(self.parts):
            shape = part.inverse_shape(shape)
        return shape

    def __repr__(self) -> str:
        inner = ",\n    ".join(repr(part) for part in self.parts)
        return f"{type(self).__name__}(\n    {inner}\n)"


identity_transform = ComposeTransform([])


class IndependentTransform(Transform):
    """``base_transform`` with its ``reinterpreted_batch_ndims`` rightmost batch dimensions
    made event dimensions: the map is the same, the log-Jacobian is summed over them.

    >>> import arraygrad as torch
    >>> from arraygrad.distributions.transforms import ExpTransform
    >>> t = IndependentTransform(ExpTransform(), 1)
    >>> x = torch.tensor([[0.0, 1.0], [2.0, 3.0]])
    >>> t.log_abs_det_jacobian(x, t(x))
    tensor([1., 5.])
    """

    def __init__(
        self, base_transform: Transform, reinterpreted_batch_ndims: int, cache_size: int = 0
    ) -> None:
        super().__init__(cache_size=cache_size)
        self.base_transform = base_transform.with_cache(cache_size)
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims

    def _rebuild(self, cache_size: int) -> Transform:
        return IndependentTransform(
            self.base_transform, self.reinterpreted_batch_ndims, cache_size=cache_size
        )

    @property
    def domain(self) -> Any:  # type: ignore[override]
        return constraints.independent(self.base_transform.domain, self.reinterpreted_batch_ndims)

    @property
    def codomain(self) -> Any:  # type: ignore[override]
        base = self.base_transform.codomain
        return constraints.independent(base, self.reinterpreted_batch_ndims)

    @property
    def bijective(self) -> bool:  # type: ignore[override]
        return self.base_transform.bijective

    @property
    def sign(self) -> Any:
        return self.base_transform.sign

    def _call(self, x: Any) -> Any:
        if x.dim() < self.domain.event_dim:
            raise ValueError(
                "Too few dimensions on input"
                f" (got shape {list(x.shape)}, the domain has "
                f"event_dim={self.domain.event_dim}). Fix: pass an input with at least "
                f"{self.domain.event_dim} dimensions."
            )
        return self.base_transform(x)

    def _inverse(self, y: Any) -> Any:
        if y.dim() < self.codomain.event_dim:
            raise ValueError(
                "Too few dimensions on input"
                f" (got shape {list(y.shape)}, the codomain has "
                f"event_dim={self.codomain.event_dim}). Fix: pass an input with at least "
                f"{self.codomain.event_dim} dimensions."
            )
        return self.base_transform.inv(y)

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Any:
        inner = self.base_transform.log_abs_det_jacobian(x, y)
        return sum_rightmost(inner, self.reinterpreted_batch_ndims)

    def forward_shape(self, shape: Any) -> Any:
        return self.base_transform.forward_shape(shape)

    def inverse_shape(self, shape: Any) -> Any:
        return self.base_transform.inverse_shape(shape)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_transform!r}, {self.reinterpreted_batch_ndims})"


class ReshapeTransform(Transform):
    """Reshape the rightmost ``in_shape`` of each input into ``out_shape`` (same number of
    elements). A permutation of coordinates, so its log-Jacobian is 0.

    >>> import arraygrad as torch
    >>> t = ReshapeTransform((2, 3), (6,))
    >>> tuple(t(torch.zeros(4, 2, 3)).shape), t.inverse_shape((4, 6))
    ((4, 6), arraygrad.Size([4, 2, 3]))
    """

    bijective = True

    def __init__(self, in_shape: Any, out_shape: Any, cache_size: int = 0) -> None:
        self.in_shape = as_size(in_shape)
        self.out_shape = as_size(out_shape)
        if math.prod(self.in_shape) != math.prod(self.out_shape):
            raise ValueError(
                "in_shape, out_shape have different numbers of elements"
                f" (in_shape={list(self.in_shape)}, out_shape={list(self.out_shape)}). "
                "Fix: pass shapes with the same product."
            )
        super().__init__(cache_size=cache_size)

    @property
    def domain(self) -> Any:  # type: ignore[override]
        return constraints.independent(constraints.real, len(self.in_shape))

    @property
    def codomain(self) -> Any:  # type: ignore[override]
        return constraints.independent(constraints.real, len(self.out_shape))

    def _rebuild(self, cache_size: int) -> Transform:
        return ReshapeTransform(self.in_shape, self.out_shape, cache_size=cache_size)

    def _call(self, x: Any) -> Any:
        batch = tuple(x.shape[: x.dim() - len(self.in_shape)])
        return x.reshape(batch + tuple(self.out_shape))

    def _inverse(self, y: Any) -> Any:
        batch = tuple(y.shape[: y.dim() - len(self.out_shape)])
        return y.reshape(batch + tuple(self.in_shape))

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Any:
        batch = tuple(x.shape[: x.dim() - len(self.in_shape)])
        return ag.zeros(batch, dtype=x.dtype)

    def _swap_trailing(self, shape: Any, old: ag.Size, new: ag.Size) -> ag.Size:
        """``shape`` with its trailing ``old`` replaced by ``new``."""
        if len(shape) < len(old):
            raise ValueError(
                "Too few dimensions on input"
                f" (got shape {list(shape)}, expected trailing {list(old)}). Fix: pass a "
                f"value whose last dimensions are {list(old)}."
            )
        cut = len(shape) - len(old)
        if as_size(shape[cut:]) != old:
            raise ValueError(
                f"Shape mismatch: expected {shape[cut:]} but got {old}"
                f". Fix: pass a value whose last dimensions are {list(old)}."
            )
        return as_size(tuple(shape[:cut]) + tuple(new))

    def forward_shape(self, shape: Any) -> Any:
        return self._swap_trailing(shape, self.in_shape, self.out_shape)

    def inverse_shape(self, shape: Any) -> Any:
        return self._swap_trailing(shape, self.out_shape, self.in_shape)
