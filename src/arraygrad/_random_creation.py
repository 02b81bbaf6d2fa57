"""Making random tensors (``rand``, ``randn``, ``randint``, ``randperm`` and their ``_like``
forms) and seeding the global generator, with PyTorch's dtype defaults. Each draws from a
``generator=`` (:class:`arraygrad.Generator`), or from the global generator by default.

>>> import arraygrad
>>> _ = arraygrad.manual_seed(0)
>>> arraygrad.randint(0, 10, (3,)).dtype
arraygrad.int64
"""

from __future__ import annotations

from typing import Any

from arraygrad import _backend, _device, _dtype
from arraygrad._creation import _float_default, _leaf, _size, creation_options
from arraygrad._dtype import dtype
from arraygrad._generator import Generator, default_generator
from arraygrad._like_creation import _like
from arraygrad._out import made
from arraygrad._out_of_memory import allocation_error
from arraygrad._tensor import Tensor

__all__ = [
    "manual_seed",
    "rand",
    "rand_like",
    "randint",
    "randint_like",
    "randn",
    "randn_like",
    "randperm",
]


def manual_seed(seed: int) -> Generator:
    """Seed the global generator behind ``rand``, ``randn``, dropout and the other draws, and
    return it as :data:`arraygrad.default_generator` (PyTorch returns its default generator).

    >>> import arraygrad
    >>> a = arraygrad.rand(2, generator=arraygrad.manual_seed(0))
    >>> bool((arraygrad.rand(2, generator=arraygrad.manual_seed(0)) == a).all())
    True
    """
    _backend.manual_seed(seed)
    return default_generator


def generator_rng(generator: Any) -> Any:
    """The generator behind an :class:`arraygrad.Generator` (``_backend``'s, PyTorch's CPU
    generator; ``None``: the global one)."""
    return None if generator is None else generator._rng


def _check_drawn_dtype(name: str, kernel: str, target: dtype | None) -> None:
    """PyTorch's refusal to draw uniform or normal samples of a dtype other than a float or
    complex one (its kernel ``kernel`` has none)."""
    if target is not None and not (target.is_floating_point or target.is_complex):
        raise NotImplementedError(
            f"\"{kernel}\" not implemented for '{_dtype.torch_type_name(target)}'. Fix: "
            f"{name} draws floats; pass dtype=arraygrad.float32 (or a float input)."
        )


def rand(
    *size: Any,
    generator: Any = None,
    dtype: dtype | None = None,
    requires_grad: bool = False,
    **options: Any,
) -> Tensor:
    """Uniform samples from ``[0, 1)`` of shape ``size``, drawn from ``generator`` (the global one
    by default); of the default float dtype unless ``dtype`` is given (a float or complex one).

    Seeded, the draws equal PyTorch's CPU generator's.

    >>> import arraygrad
    >>> _ = arraygrad.manual_seed(0)
    >>> arraygrad.rand(3)
    tensor([0.4963, 0.7682, 0.0885])
    """
    if options.get("out") is not None:
        return made("rand", rand, size, options, dtype, requires_grad, generator=generator)
    shape = _size(creation_options("rand", options, size))
    _check_drawn_dtype("rand", "check_uniform_bounds", dtype)
    try:
        if dtype is not None and dtype.is_complex:  # real and imaginary parts each uniform
            parts = _backend.random_uniform(
                (*shape, 2), _dtype.to_xp(_dtype.COMPONENT[dtype]), rng=generator_rng(generator)
            )
            return _leaf(_backend.xp.view_as_complex(parts), requires_grad)
        array = _backend.random_uniform(shape, _float_default(dtype), rng=generator_rng(generator))
    except (MemoryError, ValueError) as error:  # (only the allocations raise these)
        raise allocation_error(error, shape) from None
    return _leaf(array, requires_grad)


def randn(
    *size: Any,
    generator: Any = None,
    dtype: dtype | None = None,
    requires_grad: bool = False,
    **options: Any,
) -> Tensor:
    """Standard normal samples (mean 0, variance 1) of shape ``size``, drawn from ``generator``
    (the global one by default).

    A complex dtype draws the real and imaginary parts each with variance 1/2, as PyTorch does
    (so that ``E|z|^2 = 1``). Seeded, the draws equal PyTorch's CPU generator's.

    >>> import arraygrad
    >>> _ = arraygrad.manual_seed(0)
    >>> arraygrad.randn(2, 3).shape
    arraygrad.Size([2, 3])
    """
    if options.get("out") is not None:
        return made("randn", randn, size, options, dtype, requires_grad, generator=generator)
    shape = _size(creation_options("randn", options, size))
    _check_drawn_dtype("randn", "normal_kernel_cpu", dtype)
    try:
        if dtype is not None and dtype.is_complex:
            # PyTorch's complex normal: variance 1 split equally over the real and imaginary
            # parts, each normal with standard deviation sqrt(1/2).
            parts = _backend.random_normal(
                (*shape, 2),
                _dtype.to_xp(_dtype.COMPONENT[dtype]),
                std=_SQRT_HALF,
                rng=generator_rng(generator),
            )
            return _leaf(_backend.xp.view_as_complex(parts), requires_grad)
        array = _backend.random_normal(shape, _float_default(dtype), rng=generator_rng(generator))
    except (MemoryError, ValueError) as error:
        raise allocation_error(error, shape) from None
    return _leaf(array, requires_grad)


_SQRT_HALF = 0.5**0.5


def randint(
    low: Any = None,
    high: Any = None,
    size: Any = None,
    *,
    generator: Any = None,
    dtype: dtype | None = None,
    requires_grad: bool = False,
    **options: Any,
) -> Tensor:
    """Integers drawn uniformly from ``[low, high)`` (``randint(high, size)`` also works), from
    ``generator`` (the global one by default); int64 unless ``dtype`` is given.

    ``low >= high`` raises ``RuntimeError``. Seeded, the draws equal PyTorch's CPU generator's.

    >>> import arraygrad
    >>> _ = arraygrad.manual_seed(0)
    >>> arraygrad.randint(0, 10, (5,))
    tensor([4, 9, 3, 0, 3])
    """
    if options.get("out") is not None:
        return made(
            "randint",
            randint,
            (low, high, size),
            options,
            dtype,
            requires_grad,
            generator=generator,
        )
    creation_options("randint", options)
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    elif high is None:  # randint(high, size=...)
        low, high = 0, low
    elif low is None:  # randint(high=..., size=...)
        low = 0
    if high is None or size is None:
        raise TypeError(
            "randint() needs high and size: randint(high, size) or randint(low, high, size)"
        )
    if low >= high:
        raise RuntimeError(
            f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}. "
            "Fix: randint draws from [low, high): pass a high above low."
        )
    if dtype is not None and dtype.is_complex:
        raise RuntimeError(
            "check_random_bounds handles only integral, floating-point and boolean types. Fix: "
            f"draw integers (the default int64) and convert them to {dtype}."
        )
    native = _dtype.to_xp(dtype if dtype is not None else _dtype.int64)
    rng = generator_rng(generator)
    shape = _size((size,))
    try:
        array = _backend.random_integers(low, high, shape, native, rng=rng)
    except (MemoryError, ValueError) as error:
        raise allocation_error(error, shape) from None
    return _leaf(array, requires_grad)  # refuses True for integers, as PyTorch does


def randperm(
    n: int,
    *,
    generator: Any = None,
    dtype: dtype | None = None,
    requires_grad: bool = False,
    **options: Any,
) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64 unless ``dtype`` is given), from ``generator``
    (the global one by default); seeded, the same as PyTorch's CPU generator's.

    >>> import arraygrad
    >>> _ = arraygrad.manual_seed(0)
    >>> arraygrad.randperm(5)
    tensor([4, 0, 1, 3, 2])
    """
    if options.get("out") is not None:
        return made("randperm", randperm, (n,), options, dtype, requires_grad, generator=generator)
    creation_options("randperm", options)
    if dtype is not None and (dtype.is_complex or dtype is _dtype.bool_):
        raise NotImplementedError(
            f"\"randperm\" not implemented for '{_dtype.torch_type_name(dtype)}'. Fix: "
            "draw the permutation as int64 (the default) and convert it."
        )
    native = _dtype.to_xp(dtype if dtype is not None else _dtype.int64)
    try:
        array = _backend.random_permutation(n, native, rng=generator_rng(generator))
    except (MemoryError, ValueError) as error:
        raise allocation_error(error, (n,)) from None
    return _leaf(array, requires_grad)


# Random tensors shaped like another.


def _float_like(name: str, kernel: str, input: Tensor, dtype: dtype | None) -> Any:
    target = dtype if dtype is not None else input.dtype
    _check_drawn_dtype(name, kernel, target)
    return _dtype.to_xp(target)


def _drawn_like(input: Tensor, draw: Any, options: dict[str, Any]) -> Any:
    """The array ``draw(shape, contiguous)`` draws, taken in the memory order of the tensor
    PyTorch's ``empty_like(input, memory_format=...)`` makes and fills, and laid out as it: as
    ``input`` (``preserve_format``, the default) or in the ``memory_format`` given; an
    allocation the library refuses raises PyTorch's error."""
    form = options.get("memory_format")
    order = None if form is None else _device.outer_first(form, input.ndim)
    # (a format given: a template of its layout, of one byte an element, tells the order)
    source = input._data if order is None else _backend.laid_out(_template(input), order)
    try:
        array = _backend.drawn_in_memory_order(draw, source)
    except (MemoryError, ValueError) as error:
        raise allocation_error(error, tuple(input.shape)) from None
    if order is None:
        return _backend.like_layout(array, source)
    # A format given fixes every stride, those of size-1 dims too (which a layout read from
    # strides leaves open): PyTorch's empty_like(memory_format=) has them exactly.
    return _backend.in_order(array, order)


def _template(input: Tensor) -> Any:
    return _backend.xp.zeros(tuple(input.shape), dtype=_backend.xp.bool)


def _complex_draw(sampler: Any, component: dtype, **params: Any) -> Any:
    """``draw`` for :func:`_drawn_like` of complex samples: ``sampler``'s (the backend's
    uniform or normal draw) of pairs of ``component`` numbers, the two parts of each element
    drawn together, as PyTorch's complex kernels draw them (its normal kernel chooses by the
    contiguity of the tensor filled, as for real tensors)."""

    def draw(shape: tuple[int, ...], contiguous: bool) -> Any:
        kernel = {"contiguous": contiguous} if sampler is _backend.random_normal else {}
        parts = sampler((*shape, 2), _dtype.to_xp(component), **params, **kernel)
        return _backend.xp.view_as_complex(parts)

    return draw


def rand_like(
    input: Tensor,
    *,
    generator: Any = None,
    dtype: dtype | None = None,
    requires_grad: bool = False,
    **options: Any,
) -> Tensor:
    """Uniform samples from ``[0, 1)`` with the shape (and float dtype) of ``input``.

    >>> import arraygrad
    >>> arraygrad.rand_like(arraygrad.zeros(2, dtype=arraygrad.float64)).dtype
    arraygrad.float64
    """
    creation_options("rand_like", options)
    native = _float_like("rand_like", "check_uniform_bounds", input, dtype)
    rng = generator_rng(generator)
    target = _dtype.from_xp(native)
    if target.is_complex:  # both parts uniform, as rand(dtype=cfloat)
        draw = _complex_draw(_backend.random_uniform, _dtype.COMPONENT[target], rng=rng)
    else:

        def draw(order: tuple[int, ...], contiguous: bool) -> Any:
            return _backend.random_uniform(order, native, rng=rng)

    return _leaf(_drawn_like(input, draw, options), requires_grad)


def randn_like(
    input: Tensor,
    *,
    generator: Any = None,
    dtype: dtype | None = None,
    requires_grad: bool = False,
    **options: Any,
) -> Tensor:
    """Standard normal samples with the shape (and float dtype) of ``input``.

    >>> import arraygrad
    >>> arraygrad.randn_like(arraygrad.zeros(2, 3)).shape
    arraygrad.Size([2, 3])
    """
    creation_options("randn_like", options)
    native = _float_like("randn_like", "normal_kernel_cpu", input, dtype)
    rng = generator_rng(generator)
    target = _dtype.from_xp(native)
    if target.is_complex:  # each part of variance 1/2, as randn(dtype=cfloat)
        draw = _complex_draw(
            _backend.random_normal, _dtype.COMPONENT[target], std=_SQRT_HALF, rng=rng
        )
    else:

        def draw(order: tuple[int, ...], contiguous: bool) -> Any:
            return _backend.random_normal(order, native, rng=rng, contiguous=contiguous)

    return _leaf(_drawn_like(input, draw, options), requires_grad)


def randint_like(
    input: Tensor,
    low: int = 0,
    high: int | None = None,
    *,
    generator: Any = None,
    dtype: dtype | None = None,
    requires_grad: bool = False,
    **options: Any,
) -> Tensor:
    """Integers drawn uniformly from ``[low, high)`` with the shape and dtype of ``input``
    (``randint_like(input, high)`` draws from ``[0, high)``).

    >>> import arraygrad
    >>> arraygrad.randint_like(arraygrad.zeros(3), 1, 2).tolist()
    [1.0, 1.0, 1.0]
    """
    creation_options("randint_like", options)
    if high is None:
        low, high = 0, low
    if low >= high:
        raise RuntimeError(
            f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}. "
            "Fix: pass low < high."
        )
    _, native = _like(input, dtype)
    rng = generator_rng(generator)
    array = _drawn_like(
        input,
        lambda order, _: _backend.random_integers(int(low), int(high), order, native, rng=rng),
        options,
    )
    return _leaf(array, requires_grad)
