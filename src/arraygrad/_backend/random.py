"""Random numbers: the global generator behind ``manual_seed``/``rand``/dropout, generator
objects' draws, and their recording while :func:`arraygrad.compile` traces.

Part of the one door to array libraries (see :mod:`arraygrad._backend`, which re-exports every
public name here). The Array API has no random module, so numbers are drawn with NumPy's PCG64
generator and moved to the active namespace. Seeding is global, as with ``torch.manual_seed``.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from arraygrad import _backend

# The global generator is made on first use: importing numpy.random costs about 12 ms, which
# `import arraygrad` should not pay for programs that draw no random numbers.
_rng: np.random.Generator | None = None
# The seed the global generator was last made from (``initial_seed``): until ``manual_seed``,
# a random 64-bit one, drawn with the generator itself.
_seed: int | None = None


def _generator() -> np.random.Generator:
    global _rng, _seed
    if _rng is None:
        _seed = fresh_seed()
        _rng = np.random.default_rng(_seed)
    return _rng


def fresh_seed() -> int:
    """A 64-bit seed from the operating system's entropy, as ``torch.seed`` draws one."""
    return int.from_bytes(os.urandom(8), "little")


def checked_seed(seed: Any) -> int:
    """``seed`` as PyTorch takes it: an int in ``[-2**63, 2**64)``, negative ones modulo
    ``2**64``; PyTorch's ValueError outside."""
    seed = int(seed)
    if not -(2**63) <= seed < 2**64:
        raise ValueError(
            f"Overflow when unpacking long long: seed {seed} lies outside [-2**63, 2**64). "
            "Fix: pass a seed within that range."
        )
    return seed % 2**64


def initial_seed() -> int:
    """The seed the global generator was last made from."""
    _generator()
    assert _seed is not None
    return _seed


def _source(rng: Any) -> np.random.Generator:
    """The generator a draw takes from: ``rng``, or the global one when it is ``None``. Every
    draw asks for it here, so the watchers (arraygrad.func.vmap's randomness modes) see each
    generator before it is drawn from."""
    gen = _generator() if rng is None else rng
    if draw_watchers:
        for watcher in draw_watchers:
            watcher(gen)
    return gen


# Called with the NumPy generator of every draw before it draws (see _source): vmap refuses
# draws (randomness="error") or keeps the generators' states to replay them (randomness="same").
draw_watchers: list[Any] = []


def manual_seed(seed: int) -> None:
    """Reseed the global generator (negative seeds modulo ``2**64``, as PyTorch)."""
    global _rng, _seed
    if _backend.tracer is not None:  # a replay would not reseed
        _backend.tracer.untraceable("reseeding the random generator")
    _seed = checked_seed(seed)
    _rng = np.random.default_rng(_seed)


def seed_numpy_global(seed: int, stream: int) -> None:
    """Seed NumPy's legacy global generator (``numpy.random.rand`` and friends) from a 64-bit
    ``seed`` and a ``stream`` number: a DataLoader worker calls it with the epoch's base seed
    and its id, so that forked workers, which inherit one NumPy state, draw different numbers
    and the same ones again after the same ``manual_seed``."""
    # SeedSequence mixes both numbers into the 128 bits of entropy MT19937's seed takes.
    words = np.random.SeedSequence([seed % 2**64, stream]).generate_state(4)
    np.random.seed(words)


def generator_state(rng: Any = None) -> Any:
    """The state of ``rng``, the global generator when ``None`` (for
    :func:`set_generator_state`)."""
    return (_generator() if rng is None else rng).bit_generator.state


def set_generator_state(state: Any, rng: Any = None) -> None:
    """Put ``rng`` (the global generator when ``None``) back in ``state``."""
    (_generator() if rng is None else rng).bit_generator.state = state


# A generator's state as bytes (``get_rng_state``): PCG64's 128-bit state and increment, its
# buffered 32-bit half-word (a flag and the word) and the seed, little-endian.
_STATE_LAYOUT = ((16, "state"), (16, "inc"), (1, "has_uint32"), (4, "uinteger"), (8, "seed"))
#: The length of the state in bytes.
STATE_SIZE = sum(size for size, _ in _STATE_LAYOUT)


def rng_state_bytes(rng: Any, seed: int) -> bytes:
    """The state of ``rng`` (the global generator when ``None``) and its ``seed`` as
    :data:`STATE_SIZE` bytes."""
    if _backend.tracer is not None:  # a replay would return the state the trace read
        _backend.tracer.untraceable("reading the random generator's state")
    state = (_generator() if rng is None else rng).bit_generator.state
    values = {**state["state"], "has_uint32": state["has_uint32"], "uinteger": state["uinteger"]}
    values["seed"] = seed
    return b"".join(int(values[name]).to_bytes(size, "little") for size, name in _STATE_LAYOUT)


def rng_state_from_bytes(data: bytes) -> tuple[dict[str, Any], int]:
    """The NumPy state and the seed that :func:`rng_state_bytes` wrote as ``data``; a
    ValueError when they are not such a state."""
    values, at = {}, 0
    for size, name in _STATE_LAYOUT:
        values[name] = int.from_bytes(data[at : at + size], "little")
        at += size
    if values["inc"] % 2 == 0 or values["has_uint32"] > 1:  # PCG64's increment is always odd
        raise ValueError("the bytes are not the state of a generator")
    state = {
        "bit_generator": "PCG64",
        "state": {"state": values["state"], "inc": values["inc"]},
        "has_uint32": values["has_uint32"],
        "uinteger": values["uinteger"],
    }
    return state, values["seed"]


def set_rng_state(rng: Any, state: dict[str, Any], seed: int | None = None) -> None:
    """Put ``rng`` (the global generator when ``None``, whose seed becomes ``seed``) in the
    NumPy ``state`` that :func:`rng_state_from_bytes` read."""
    global _seed
    if _backend.tracer is not None:  # a replay would not restore it
        _backend.tracer.untraceable("setting the random generator's state")
    (_generator() if rng is None else rng).bit_generator.state = state
    if rng is None and seed is not None:
        _seed = seed


def _to_xp(values: np.ndarray, dtype: Any) -> Any:
    if _backend.is_numpy:
        return values.astype(dtype, copy=False)
    return _backend.xp.asarray(values.tolist() if values.ndim == 0 else values, dtype=dtype)


# While arraygrad.compile traces, each draw into an array is recorded as a step that draws again
# on every replay (dropout in a compiled training step), from the same NumPy generator: the
# global one looked up anew (manual_seed replaces it), or a Generator object's, which keeps its
# NumPy generator for life (its manual_seed and set_state set that one's state). Draws into
# Python values make the step run eagerly.


def random_uniform(
    shape: tuple[int, ...], dtype: Any, low: float = 0.0, high: float = 1.0, rng: Any = None
) -> Any:
    """Uniform samples in ``[low, high)``, from ``rng`` (the global generator when ``None``)."""
    if _backend.tracer is not None:
        return _backend.tracer.draw(random_uniform, (shape, dtype, low, high, rng), rng)
    return _to_xp(_source(rng).uniform(low, high, size=shape), dtype)


def random_normal(
    shape: tuple[int, ...], dtype: Any, mean: float = 0.0, std: float = 1.0, rng: Any = None
) -> Any:
    """Normal samples, from ``rng`` (the global generator when ``None``)."""
    if _backend.tracer is not None:
        return _backend.tracer.draw(random_normal, (shape, dtype, mean, std, rng), rng)
    return _to_xp(_source(rng).normal(mean, std, size=shape), dtype)


def random_integers(
    low: int, high: int, shape: tuple[int, ...], dtype: Any, rng: Any = None
) -> Any:
    """Integers drawn uniformly from ``[low, high)``, from ``rng`` (global when ``None``)."""
    if _backend.tracer is not None:
        return _backend.tracer.draw(random_integers, (low, high, shape, dtype, rng), rng)
    return _to_xp(_source(rng).integers(low, high, size=shape), dtype)


def random_permutation(n: int, dtype: Any, rng: Any = None) -> Any:
    """A random permutation of ``0 .. n-1``, from ``rng`` (global when ``None``)."""
    if _backend.tracer is not None:
        return _backend.tracer.draw(random_permutation, (n, dtype, rng), rng)
    return _to_xp(_source(rng).permutation(n), dtype)


def random_bernoulli(p: float, shape: tuple[int, ...], dtype: Any) -> Any:
    """Samples that are 1 with probability ``p`` and 0 otherwise."""
    if _backend.tracer is not None:
        return _backend.tracer.draw(random_bernoulli, (p, shape, dtype))
    return _to_xp(_source(None).random(size=shape) < p, dtype)


def _untraceable_draw() -> None:
    if _backend.tracer is not None:
        _backend.tracer.untraceable(
            "drawing random numbers into Python values or with array parameters"
        )


# --- independent generators (DataLoader shuffling, random_split) ----------------------------------


def new_rng(seed: int | None = None) -> Any:
    """An independent random generator, seeded with ``seed`` (fresh OS entropy when ``None``)."""
    return np.random.default_rng(seed)


def rng_permutation(rng: Any, n: int) -> list[int]:
    """A random permutation of ``0 .. n-1`` as Python ints, from ``rng`` (global when ``None``)."""
    _untraceable_draw()
    return _source(rng).permutation(n).tolist()


def rng_integers(rng: Any, high: int, count: int) -> list[int]:
    """``count`` integers drawn uniformly from ``[0, high)`` with replacement, as Python ints."""
    _untraceable_draw()
    return _source(rng).integers(0, high, size=count).tolist()


def rng_seed(rng: Any) -> int:
    """A non-negative 63-bit integer drawn from ``rng`` (the global generator when ``None``)."""
    _untraceable_draw()
    return int(_source(rng).integers(0, 2**63 - 1))


def rng_draw(
    rng: Any, method: str, shape: tuple[int, ...], dtype: Any, *params: Any, **options: Any
) -> Any:
    """Samples of ``shape`` from NumPy's ``Generator.<method>(*params, **options)`` (``rng``:
    the global generator when ``None``), e.g. ``"exponential"``, ``"geometric"``, ``"poisson"``.
    Array parameters (arrays of any namespace) broadcast against ``shape``."""
    if _backend.tracer is not None:
        if not options and not any(_backend.is_array(p) for p in params):
            return _backend.tracer.draw(rng_draw, (rng, method, shape, dtype, *params), rng)
        _untraceable_draw()
    params = tuple(_backend.to_numpy(p) if _backend.is_array(p) else p for p in params)
    gen = _source(rng)
    return _to_xp(np.asarray(getattr(gen, method)(*params, size=shape, **options)), dtype)


def rng_multinomial(rng: Any, weights: Any, num_samples: int, replacement: bool, dtype: Any) -> Any:
    """``num_samples`` category indices per row of the 2-D non-negative ``weights``.

    With replacement: inverse-CDF sampling. Without: the Efraimidis-Spirakis keys
    ``log(u) / w`` (largest first), so zero-weight categories come last, in index order, as in
    PyTorch once the others are used up.
    """
    _untraceable_draw()
    gen = _source(rng)
    w = _backend.to_numpy(weights).astype(np.float64)
    if replacement:
        cdf = np.cumsum(w, axis=-1)
        cdf /= cdf[:, -1:]
        u = gen.random((w.shape[0], num_samples))
        # The index of a draw is how many cumulative weights lie at or below it: a binary
        # search per row (memory rows x (samples + categories)). Rows are not merged into one
        # search by adding offsets: u + row rounds, and could land on a zero-weight category.
        index = np.empty(u.shape, dtype=np.int64)
        for row in range(w.shape[0]):
            index[row] = np.searchsorted(cdf[row], u[row], side="right")
        index = np.minimum(index, w.shape[1] - 1)
    else:
        with np.errstate(divide="ignore"):
            keys = np.log(gen.random(w.shape)) / w
        index = np.argsort(-keys, axis=-1, kind="stable")[:, :num_samples]
    return _to_xp(index, dtype)
