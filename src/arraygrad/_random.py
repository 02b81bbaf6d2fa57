"""Sampling with tensor parameters (``bernoulli``, ``binomial``, ``normal``, ``multinomial``,
``poisson``) and
the in-place random fills behind ``Tensor.normal_``, ``Tensor.uniform_`` and friends.

The numbers come from PyTorch's CPU generator as ``_backend`` reproduces it (the global one
that :func:`arraygrad.manual_seed` seeds, or an :class:`arraygrad.Generator` passed as
``generator=``): ``bernoulli``, ``normal`` and ``multinomial`` draw PyTorch's numbers for the
same seed; ``binomial`` and ``poisson`` use NumPy's algorithms on that stream. As in PyTorch,
a sample requires grad when its parameters do, and its gradient is zero.
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad import _backend, _comparison, _dtype, _inplace, _math, _views, ops
from arraygrad._arguments import not_tensor_error
from arraygrad._creation import _size, creation_options
from arraygrad._dtype import dtype
from arraygrad._elementwise_operands import broadcast_mismatch
from arraygrad._generator import Generator
from arraygrad._out import computed_in, made, written_exactly
from arraygrad._random_creation import generator_rng
from arraygrad._tensor import Tensor, describe

__all__ = [
    "bernoulli",
    "binomial",
    "get_rng_state",
    "initial_seed",
    "multinomial",
    "normal",
    "poisson",
    "seed",
    "set_rng_state",
]


def _draw(
    generator: Any, method: str, shape: tuple[int, ...], d: dtype, *params: Any, **options: Any
) -> Tensor:
    array = _backend.rng_draw(
        generator_rng(generator), method, shape, _dtype.to_xp(d), *params, **options
    )
    return Tensor._wrap(array)


def complex_draw(
    generator: Any, method: str, shape: tuple[int, ...], d: dtype, *params: Any
) -> Tensor:
    """Samples of a complex dtype ``d``: the real and imaginary parts drawn independently, each
    from ``Generator.<method>(*params)`` in the matching real dtype (PyTorch's complex
    ``uniform_`` and ``normal_``, the latter with each part's std scaled by ``sqrt(1/2)`` by
    the caller)."""
    parts = _draw(generator, method, (*shape, 2), _dtype.COMPONENT[d], *params)
    return Tensor._wrap(_backend.xp.view_as_complex(parts._data))


def zero_grad_join(sample: Tensor, *params: Any) -> Tensor:
    """``sample``, joined to the parameters that require grad with a zero gradient.

    ``where(True, sample, p)`` takes its values from ``sample`` and sends ``p`` no gradient:
    PyTorch's samplers likewise return tensors that require grad and backpropagate zeros, and
    so do its in-place comparisons (``Tensor.lt_``, in ``_tensor_aliases``).
    """
    for p in params:
        if isinstance(p, Tensor) and p._rg:
            always = Tensor._wrap(_backend.asarray(True))
            sample = _math.where(always, sample, _math.astype(p, sample.dtype))
    return sample


def _require_float(input: Tensor, kernel: str) -> None:
    _require_float_dtype(input.dtype, kernel)


def _require_float_dtype(d: dtype, kernel: str) -> None:
    if not d.is_floating_point:
        raise NotImplementedError(
            f"\"{kernel}\" not implemented for '{_dtype.torch_type_name(d)}'. "
            "Fix: sample into a floating tensor (e.g. input.float())."
        )


def require_real(target: Tensor, kernel: str) -> None:
    """PyTorch's NotImplementedError for a sampler that has no kernel for complex tensors
    (``bernoulli_``, ``geometric_``)."""
    if target.dtype.is_complex:
        raise NotImplementedError(
            f"\"{kernel}\" not implemented for '{_dtype.torch_type_name(target.dtype)}': got a "
            f"{describe(target)}. Fix: sample into a real tensor (e.g. x.real)."
        )


def fill(target: Tensor, method: str, *params: Any, generator: Any = None, **options: Any) -> Any:
    """In place: overwrite ``target`` with samples of ``Generator.<method>(*params)``, given to
    its elements in memory order (PyTorch's kernels walk a strided tensor so)."""
    rng, native = generator_rng(generator), _dtype.to_xp(target.dtype)

    def draw(order: tuple[int, ...], contiguous: bool) -> Any:
        # torch's normal_ draws a tensor that is not contiguous one element at a time
        name = "normal_strided" if method == "normal" and not contiguous else method
        return _backend.rng_draw(rng, name, order, native, *params, **options)

    sample = _backend.drawn_in_memory_order(draw, target._data, fresh=False)
    return write(target, Tensor._wrap(sample))


def write(target: Tensor, sample: Tensor) -> Tensor:
    """In place: overwrite ``target`` with ``sample``. The write goes through
    ``_inplace.apply`` (version counter, leaf checks); the old values get a zero gradient, as
    in PyTorch."""
    return _inplace.apply(target, lambda old: zero_grad_join(sample, old))


def check_probability(p: Any, name: str) -> None:
    """PyTorch's RuntimeError unless ``p`` (a number, or a tensor of them) lies in [0, 1]."""
    if not isinstance(p, Tensor):
        if not 0 <= p <= 1:
            raise RuntimeError(
                f"{name} expects p to be in [0, 1], but got p={p}. Fix: pass a probability."
            )
        return
    low, high = (p.amin().item(), p.amax().item()) if p.numel() else (0, 0)
    if not (low >= 0 and high <= 1):
        raise RuntimeError(
            f"Expected p_in >= 0 && p_in <= 1 to be true, but got false: {name}'s "
            f"probabilities hold values in [{low}, {high}]. Fix: clamp or normalise them "
            "into [0, 1]."
        )


def bernoulli(input: Tensor, p: float | None = None, *, generator: Any = None) -> Tensor:
    """Zeros and ones, each 1 with probability ``input[i]`` (or ``p``), in ``input``'s dtype.

    ``out[i] ~ Bernoulli(p_i)``: ``P(out[i] = 1) = p_i``.

    >>> import arraygrad
    >>> arraygrad.bernoulli(arraygrad.tensor([0.0, 1.0])).tolist()
    [0.0, 1.0]
    """
    shape, native = tuple(input.shape), input._data.dtype
    if p is not None:  # PyTorch: empty_like(input).bernoulli_(p), its scalar kernel
        check_probability(p, "bernoulli_")
        require_real(input, "bernoulli_scalar_cpu_")  # (integers and bools have one)
        keep = _backend.random_bernoulli(float(p), shape, native, generator_rng(generator))
        return zero_grad_join(Tensor._wrap(keep), input)
    _require_float(input, "bernoulli_tensor_cpu_p_")
    check_probability(input, "bernoulli")  # the tensor kernel, each element against its own p
    return zero_grad_join(bernoulli_tensor(input.detach(), input.dtype, generator), input)


def bernoulli_tensor(probs: Tensor, out: dtype, generator: Any) -> Tensor:
    """PyTorch's Bernoulli kernel for a tensor of probabilities (of the result's shape): per
    element in order, ``u < p`` with ``u`` a uniform double for float64 probabilities, else a
    uniform float32 compared in float32 (a uniform draw, which arraygrad.compile replays, and
    a comparison)."""
    wide = _dtype.float64 if probs.dtype is _dtype.float64 else _dtype.float32
    u = _backend.random_uniform(
        tuple(probs.shape), _dtype.to_xp(wide), rng=generator_rng(generator)
    )
    return _math.astype(_comparison.lt(Tensor._wrap(u), _math.astype(probs, wide)), out)


def poisson(input: Tensor, generator: Any = None) -> Tensor:
    """Counts drawn from Poisson distributions of rates ``input``, in ``input``'s dtype.

    ``P(out[i] = k) = rate_i^k exp(-rate_i) / k!``.

    >>> import arraygrad
    >>> arraygrad.poisson(arraygrad.zeros(3)).tolist()
    [0.0, 0.0, 0.0]
    """
    _require_float(input, "poisson_cpu")
    if input.numel() and not input.amin().item() >= 0:
        raise RuntimeError(
            "invalid Poisson rate, expected rate to be non-negative (found "
            f"{input.amin().item()}). Fix: rates must be >= 0."
        )
    rate = input.detach()
    shape = tuple(rate.shape)
    huge = rate > _POISSON_NORMAL_ABOVE
    if not (rate.numel() and bool(huge.any().item())):
        return zero_grad_join(_draw(generator, "poisson", shape, input.dtype, rate._data), input)
    # NumPy's sampler refuses rates near 2**63 (PyTorch's overflows to -2**63 there). A count's
    # relative spread is below 1e-9 at these rates, so N(rate, rate) rounded is as good a
    # draw; an infinite rate gives an infinite count.
    exact = _draw(generator, "poisson", shape, input.dtype, _math.where(huge, 0.0, rate)._data)
    noise = _draw(generator, "standard_normal", shape, input.dtype)
    approximate = _math.where(rate.isinf(), rate, (rate + rate.sqrt() * noise).round())
    return zero_grad_join(_math.where(huge, approximate, exact), input)


# the rate above which poisson draws from the normal approximation
_POISSON_NORMAL_ABOVE = 2.0**60


def _binomial_dtype(value: Any, name: str) -> None:
    if not value.dtype.is_floating_point:
        raise ValueError(
            f"binomial only supports floating-point dtypes for {name}, got: "
            f"{_dtype.torch_type_name(value.dtype)}"
            f". Fix: convert {name} first (e.g. {name}.float())."
        )


def binomial(count: Tensor, prob: Tensor, generator: Any = None) -> Tensor:
    """Numbers of successes in ``count[i]`` trials that each succeed with probability
    ``prob[i]`` (the two broadcast together), in their (common, floating) dtype.

    ``P(out[i] = k) = C(n, k) p^k (1 - p)^(n - k)`` with ``n = count[i]``, ``p = prob[i]``.
    As PyTorch's, probabilities beyond [0, 1] act as the nearer end and counts below 0 as 0; a
    NaN probability gives NaN. Where PyTorch's result means nothing (a count that is not
    finite, on which its kernel gives NaN or never returns, or not a whole number) arraygrad
    gives NaN, or the draw for the count rounded down. The result requires grad when a
    parameter does, but has no derivative: backward through it raises, as in PyTorch.

    >>> import arraygrad
    >>> arraygrad.binomial(arraygrad.tensor([0.0, 4.0]), arraygrad.tensor([0.5, 1.0])).tolist()
    [0.0, 4.0]
    """
    for value, name, position in ((count, "count", 1), (prob, "prob", 2)):
        if not isinstance(value, Tensor):
            raise not_tensor_error("binomial", value, name=name, position=position)
    if generator is not None and not isinstance(generator, Generator):
        raise TypeError(
            "binomial(): argument 'generator' must be torch.Generator, not "
            f"{type(generator).__name__}"
            ". Fix: pass an arraygrad.Generator, or None."
        )
    _binomial_dtype(count, "count")
    _binomial_dtype(prob, "prob")
    if prob.dtype is not count.dtype:
        raise RuntimeError(
            f"Found dtype {_dtype.torch_type_name(prob.dtype)} but expected "
            f"{_dtype.torch_type_name(count.dtype)}"
            ". Fix: give probs the dtype of count (e.g. "
            "probs.to(count.dtype))."
        )
    if count.dtype not in (_dtype.float32, _dtype.float64):
        raise NotImplementedError(
            f"\"binomial_cpu\" not implemented for '{_dtype.torch_type_name(count.dtype)}'. "
            "Fix: sample in float32 or float64 (count.float(), prob.float())."
        )
    shape = tuple(_views.broadcast_shapes(count.shape, prob.shape))
    xp = _backend.xp
    n = xp.broadcast_to(count.detach()._data, shape)
    p = xp.broadcast_to(prob.detach()._data, shape)
    # NumPy's sampler takes whole counts >= 0 and probabilities in [0, 1]: give it safe
    # stand-ins and put the meaningless cases back afterwards.
    finite = xp.isfinite(n)
    trials = xp.where(finite, xp.clip(xp.floor(n), 0.0, None), 0.0)
    chance = xp.where(xp.isnan(p), 0.0, xp.clip(p, 0.0, 1.0))
    drawn = _backend.rng_draw(
        generator_rng(generator),
        "binomial",
        shape,
        n.dtype,
        xp.astype(trials, xp.int64),
        xp.astype(chance, xp.float64),
    )
    drawn = xp.where(xp.logical_and(finite, xp.logical_not(xp.isnan(p))), drawn, math.nan)
    sample = zero_grad_join(Tensor._wrap(drawn), count, prob)
    if sample._rg:
        sample = ops.no_derivative(
            sample, message="derivative for aten::binomial is not implemented"
        )
    return sample


def _as_tensor(value: Any) -> Tensor:
    return value if isinstance(value, Tensor) else Tensor._wrap(_backend.asarray(value))


def normal(
    mean: Any = 0.0,
    std: Any = 1.0,
    size: Any = None,
    *,
    generator: Any = None,
    dtype: dtype | None = None,
    requires_grad: bool = False,
    **options: Any,
) -> Tensor:
    """Samples from normal distributions: ``out[i] ~ N(mean[i], std[i]^2)``.

    PyTorch's overloads: ``normal(mean_tensor, std_tensor)`` (broadcast together),
    ``normal(mean_tensor, std=1.0)``, ``normal(mean, std_tensor)`` (the tensor's dtype), and
    ``normal(mean, std, size)`` for numbers (default float dtype unless ``dtype=``).

    >>> import arraygrad
    >>> arraygrad.normal(2.0, 0.0, (2,)).tolist()
    [2.0, 2.0]
    """
    if options.get("out") is not None:
        if isinstance(mean, Tensor) or isinstance(std, Tensor):  # (tensor parameters)
            out = options.pop("out")
            creation_options("normal", options)
            # PyTorch draws in out's dtype; a number std broadcasts mean against out's shape
            like = (
                tuple(out.shape) if isinstance(out, Tensor) and not isinstance(std, Tensor) else ()
            )
            return computed_in("normal", out, _normal_of_tensors, mean, std, generator, like)
        return made(
            "normal", normal, (mean, std, size), options, dtype, requires_grad, generator=generator
        )
    creation_options("normal", options)
    mean_t, std_t = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not (mean_t or std_t):
        if size is None:
            raise TypeError(
                "normal() received an invalid combination of arguments - got (float, float): "
                "with numbers for mean and std a size is required. Fix: "
                "normal(mean, std, size=(n,)) or pass mean/std as tensors."
            )
        if not isinstance(size, (tuple, list)):
            raise TypeError(
                "normal() received an invalid combination of arguments - got (float, float, "
                f"{type(size).__name__}): with numbers for mean and std, size must be a tuple "
                f"or list (got {size!r}). Fix: normal(mean, std, ({size!r},))."
            )
        _check_std_number(std)
        d = dtype if dtype is not None else _dtype.get_default_dtype()
        if d.is_complex:
            out = complex_draw(generator, "normal", _size((size,)), d, mean, std * _SQRT_HALF)
            return out.requires_grad_(requires_grad)
        if not d.is_floating_point:
            raise NotImplementedError(
                f"\"normal_kernel_cpu\" not implemented for '{_dtype.torch_type_name(d)}'. "
                "Fix: pass a floating dtype."
            )
        out = _draw(generator, "normal", _size((size,)), d, mean, std)
        return out.requires_grad_(requires_grad)
    if size is not None or dtype is not None or requires_grad:
        # PyTorch's tensor overloads take none of these
        given = "size" if size is not None else "dtype" if dtype is not None else "requires_grad"
        raise TypeError(
            f"normal() received an invalid combination of arguments - got ({_kind(mean)}, "
            f"{_kind(std)}, {given}=...): with a tensor mean or std, {given} is not taken. Fix: "
            "drop it (the tensors give the shape and dtype; call .to() or .requires_grad_() on "
            "the result)."
        )
    return _normal_of_tensors(mean, std, generator)


def _kind(value: Any) -> str:
    """What PyTorch's argument errors call ``value``: Tensor, or its Python type."""
    return "Tensor" if isinstance(value, Tensor) else type(value).__name__


def _check_std_number(std: Any) -> None:
    """PyTorch's check of a number std (NaN fails it too)."""
    if not std >= 0:
        raise RuntimeError(
            f"normal expects std >= 0.0, but found std {float(std):g}. Fix: pass std >= 0."
        )


def _normal_of_tensors(
    mean: Any,
    std: Any,
    generator: Any,
    like: tuple[int, ...] = (),
    dtype: dtype | None = None,
) -> Tensor:
    """``normal`` with a tensor mean or std: one sample per element of their broadcast (and of
    ``like``, an out's shape when std is a number), in ``dtype`` (out's), by default mean's
    when it is a tensor, else std's.

    PyTorch's order of checks: std's (non-complex, no negative element, NaN failing a number
    std), the shapes, then the dtype in its kernel, which an empty result never reaches."""
    mean_t, std_t = isinstance(mean, Tensor), isinstance(std, Tensor)
    for name, value, is_tensor in (("mean", mean, mean_t), ("std", std, std_t)):
        if not is_tensor and not isinstance(value, (int, float, *_backend.NUMPY_NUMBER_TYPES)):
            raise TypeError(
                f"normal() received an invalid combination of arguments - got ({_kind(mean)}, "
                f"{_kind(std)}): {name} must be a Tensor or a real number. Fix: pass a float, "
                "or a complex tensor for a complex mean."
            )
    if std_t:
        if std.dtype.is_complex:
            raise RuntimeError(
                "normal expects standard deviation to be non-complex"
                ". Fix: pass a real std (e.g. std.abs())."
            )
        if std.numel() and not std.amin().item() >= 0:
            raise RuntimeError(
                "normal expects all elements of std >= 0.0 (found "
                f"{std.amin().item()}). Fix: pass non-negative standard deviations."
            )
    else:
        _check_std_number(std)
    shapes = [tuple(mean.shape) if mean_t else (), tuple(std.shape) if std_t else like]
    mismatch = broadcast_mismatch(shapes[0], shapes[1])
    if mismatch is not None:
        raise RuntimeError(
            f"{mismatch}: mean of shape {list(shapes[0])}, std of shape {list(shapes[1])}. "
            "Fix: give mean and std shapes that broadcast."
        )
    shape = tuple(_views.broadcast_shapes(*shapes))
    out_dtype = dtype if dtype is not None else mean.dtype if mean_t else std.dtype
    if mean_t and mean.dtype.is_complex and not out_dtype.is_complex:
        # (PyTorch adds mean into out in place)
        raise RuntimeError(
            f"result type {_dtype.torch_type_name(mean.dtype)} can't be cast to the desired "
            f"output type {_dtype.torch_type_name(out_dtype)}. Fix: give a complex out."
        )
    if out_dtype.is_complex:  # a complex mean: complex normal samples, std / sqrt(2) per part
        return _complex_normal(generator, mean, std, shape, out_dtype)
    if math.prod(shape):
        _require_float_dtype(out_dtype, "normal_kernel_cpu")
    m, s = _as_tensor(mean).detach(), _as_tensor(std).detach()
    # PyTorch: out.normal_(0, std) for a number std, else out.normal_(0, 1).mul_(std); then
    # add_(mean); all in the result's dtype.
    z = _draw(generator, "normal", shape, out_dtype, 0.0, 1.0 if std_t else float(std))
    if std_t:
        z = _math.mul(z, s.to(out_dtype))
    sample = _math.astype(_math.add(z, m.to(out_dtype)), out_dtype)
    return zero_grad_join(sample, mean, std)


_SQRT_HALF = 0.5**0.5


def _complex_normal(
    generator: Any, mean: Any, std: Any, shape: tuple[int, ...], out_dtype: dtype
) -> Tensor:
    """``normal`` in a complex dtype: ``mean + std z`` with ``z`` PyTorch's complex standard
    normal (each part of variance 1/2); std was checked."""
    m, s = _as_tensor(mean).detach(), _as_tensor(std).detach()
    z = complex_draw(generator, "normal", shape, out_dtype, 0.0, _SQRT_HALF)
    sample = _math.astype(_math.add(_math.mul(z, s), m), out_dtype)
    return zero_grad_join(sample, mean, std)


def multinomial(
    input: Tensor,
    num_samples: int,
    replacement: bool = False,
    *,
    generator: Any = None,
    out: Tensor | None = None,
) -> Tensor:
    """Category indices (int64) drawn from the non-negative weights in each row of ``input``.

    ``P(out[r, j] = k) = input[r, k] / sum(input[r])``; without replacement each index occurs
    at most once per row.

    >>> import arraygrad
    >>> arraygrad.multinomial(arraygrad.tensor([0.0, 1.0, 0.0]), 2, replacement=True).tolist()
    [1, 1]
    """
    if out is not None:
        return written_exactly(
            "multinomial", out, multinomial, input, num_samples, replacement, generator=generator
        )
    if input.ndim not in (1, 2):
        raise RuntimeError(
            f"prob_dist must be 1 or 2 dim, got a {input.ndim}-D tensor of shape "
            f"{list(input.shape)}. Fix: pass one row of weights or a batch of rows."
        )
    if not input.dtype.is_floating_point:
        raise RuntimeError(
            "multinomial only supports floating-point dtypes for input, got: "
            f"{_dtype.torch_type_name(input.dtype)}. Fix: pass input.float()."
        )
    if num_samples <= 0:
        raise RuntimeError(
            f"cannot sample n_sample <= 0 samples (got num_samples={num_samples}). "
            "Fix: ask for at least one sample."
        )
    categories = input.shape[-1]
    if not replacement and num_samples > categories:
        raise RuntimeError(
            f"cannot sample n_sample > prob_dist.size(-1) samples without replacement "
            f"({num_samples} > {categories}). Fix: pass replacement=True or fewer samples."
        )
    rows = input.detach().reshape(-1, categories)
    if rows.numel():
        if not bool(
            _comparison.logical_and(_comparison.isfinite(rows), _comparison.ge(rows, 0)).all()
        ):
            raise RuntimeError(
                "probability tensor contains either `inf`, `nan` or element < 0. Fix: pass "
                "finite non-negative weights."
            )
        if not bool(_comparison.gt(rows.sum(-1), 0).all()):
            raise RuntimeError(
                "invalid multinomial distribution (sum of probabilities <= 0): a row of "
                "weights is all zeros. Fix: give every row a positive weight."
            )
    index = _backend.rng_multinomial(
        generator_rng(generator), rows._data, num_samples, replacement, _dtype.to_xp(_dtype.int64)
    )
    out = Tensor._wrap(index)
    return out.reshape(num_samples) if input.ndim == 1 else out


# --- the global generator's seed and state -------------------------------------------------


def initial_seed() -> int:
    """The seed the global generator was last given by :func:`arraygrad.manual_seed` or
    :func:`seed` (a random 64-bit one before either is called).

    >>> import arraygrad
    >>> _ = arraygrad.manual_seed(-1)
    >>> arraygrad.initial_seed()
    18446744073709551615
    """
    return _backend.initial_seed()


def seed() -> int:
    """Reseed the global generator with a fresh 64-bit seed from the operating system's
    entropy, and return that seed (which :func:`initial_seed` then reports).

    >>> import arraygrad
    >>> s = arraygrad.seed()
    >>> arraygrad.initial_seed() == s
    True
    """
    new = _backend.fresh_seed()
    _backend.manual_seed(new)
    return new


def state_tensor(rng: Any, seed: int) -> Tensor:
    """A generator's state and seed as a 1-D ``uint8`` tensor (see :func:`get_rng_state`)."""
    data = _backend.rng_state_bytes(rng, seed)
    return Tensor._wrap(_backend.asarray(list(data), dtype=_dtype.to_xp(_dtype.uint8)))


def state_from_tensor(state: Any) -> tuple[Any, int]:
    """The generator state and seed held by a tensor of :func:`state_tensor`, with PyTorch's
    errors for anything else."""
    if not isinstance(state, Tensor):
        raise TypeError(
            f"expected a torch.ByteTensor, but got {type(state).__name__}. Fix: pass the "
            "tensor that get_rng_state() returned."
        )
    if state.dtype is not _dtype.uint8:
        raise TypeError(
            f"RNG state must be a torch.ByteTensor (got {state.dtype}). Fix: pass the uint8 "
            "tensor that get_rng_state() returned."
        )
    if state.numel() != _backend.STATE_SIZE:
        raise RuntimeError(
            f"Expected a CPUGeneratorImplState of size {_backend.STATE_SIZE} but found the "
            f"input RNG state size to be {state.numel()}. Fix: pass a state that "
            "get_rng_state() returned (arraygrad's or PyTorch's)."
        )
    try:
        return _backend.rng_state_from_bytes(bytes(state.reshape(-1).tolist()))
    except ValueError:
        raise RuntimeError(
            "Invalid mt19937 state: its 'left' count (bytes 8-11) lies outside [1, 624] or "
            "its 'next' index (bytes 16-23) beyond 624. Fix: pass an unmodified state."
        ) from None


def get_rng_state() -> Tensor:
    """The global generator's state as a ``uint8`` tensor, for :func:`set_rng_state`.

    Its bytes are PyTorch's (``torch.get_rng_state()``'s 5056-byte layout): a state saved by
    PyTorch can be loaded, and the reverse, and both continue the same stream.

    >>> import arraygrad
    >>> state = arraygrad.get_rng_state()
    >>> a = arraygrad.rand(2)
    >>> arraygrad.set_rng_state(state)
    >>> bool((arraygrad.rand(2) == a).all())
    True
    """
    return state_tensor(None, _backend.initial_seed())


def set_rng_state(new_state: Tensor) -> None:
    """Put the global generator back in a state :func:`get_rng_state` returned (its seed, as
    :func:`initial_seed` reports it, too).

    The state is PyTorch's 5056-byte ``uint8`` layout, so a state saved by PyTorch loads here;
    another size or dtype raises.

    >>> import arraygrad
    >>> state = arraygrad.get_rng_state()
    >>> a = arraygrad.rand(2)
    >>> arraygrad.set_rng_state(state)
    >>> arraygrad.equal(arraygrad.rand(2), a)
    True
    """
    state, seed = state_from_tensor(new_state)
    _backend.set_rng_state(None, state, seed)
