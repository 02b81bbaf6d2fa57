"""Random numbers: the global generator behind ``manual_seed``/``rand``/dropout, generator
objects' draws, and their recording while :func:`arraygrad.compile` traces.

Part of the one door to array libraries (see :mod:`arraygrad._backend`, which re-exports every
public name here). The Array API has no random module, so numbers are drawn on the host with
NumPy and moved to the active namespace. Every generator is PyTorch's CPU generator: an
MT19937 stream seeded as torch seeds it, whose words :mod:`arraygrad._backend.torch_sampling`
turns into the numbers torch 2.13's CPU kernels make of them (uniform, normal, integers,
permutations, Bernoulli, exponential, ...), so that the same seed gives the same initial
weights, dropout masks and shuffles as PyTorch. Distributions whose torch algorithm is not
reproduced (gamma, poisson, binomial, ...) use NumPy's samplers on the same stream.
Seeding is global, as with ``torch.manual_seed``.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from arraygrad import _backend
from arraygrad._backend import torch_sampling as ts
from arraygrad._backend.normals_ahead import NormalsAhead

_WORD_MASK = 0xFFFFFFFF


class TorchGenerator:
    """PyTorch's CPU generator: an MT19937 stream of 32-bit words seeded with the seed's low
    32 bits (``init_genrand``, as ``torch.manual_seed``), and the second normal of the last
    Box-Muller pair that torch keeps for its next single normal draw.

    ``bit_generator`` is NumPy's MT19937 holding the stream; ``numpy`` a NumPy ``Generator``
    on it, for the distributions drawn with NumPy's algorithms."""

    __slots__ = ("_ahead", "bit_generator", "normal", "numpy")

    def __init__(self, seed: int) -> None:
        self.bit_generator = np.random.MT19937(0)
        self.numpy = np.random.Generator(self.bit_generator)
        self.normal = ts.NormalCache()
        self._ahead: NormalsAhead | None = None
        self.reseed(seed)

    def normals_ahead(self) -> NormalsAhead:
        """The normals of the words ahead (made on first use), for small normal draws."""
        if self._ahead is None:
            self._ahead = NormalsAhead(self.bit_generator)
        return self._ahead

    def reseed(self, seed: int) -> None:
        """The state ``torch.manual_seed(seed)`` gives: the stream from the seed's low 32
        bits, no normal kept."""
        key = np.empty(624, dtype=np.uint32)
        value = seed & _WORD_MASK
        key[0] = value
        for i in range(1, 624):  # Matsumoto and Nishimura's init_genrand, as torch's mt19937
            value = (1812433253 * (value ^ (value >> 30)) + i) & _WORD_MASK
            key[i] = value
        self.bit_generator.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": 624}}
        self.normal.value = None

    def words(self, n: int) -> np.ndarray:
        """The next ``n`` 32-bit outputs, in order, as ``uint64``."""
        if n == 0:
            return np.zeros(0, dtype=np.uint64)
        return np.asarray(self.bit_generator.random_raw(n), dtype=np.uint64)


# The global generator is made on first use: importing numpy.random costs about 12 ms, which
# `import arraygrad` should not pay for programs that draw no random numbers.
_rng: TorchGenerator | None = None
# The seed the global generator was last made from (``initial_seed``): until ``manual_seed``,
# a random 64-bit one from the operating system, as PyTorch's default generator.
_seed: int | None = None


def _generator() -> TorchGenerator:
    global _rng, _seed
    if _rng is None:
        _seed = fresh_seed()
        _rng = TorchGenerator(_seed)
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


def _source(rng: Any) -> TorchGenerator:
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
    global _seed
    if _backend.tracer is not None:  # a replay would not reseed
        _backend.tracer.untraceable("reseeding the random generator")
    value = checked_seed(seed)
    _generator().reseed(value)  # (made first: making it sets a seed of its own)
    _seed = value


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
    gen = _generator() if rng is None else rng
    return gen.bit_generator.state, gen.normal.value


def set_generator_state(state: Any, rng: Any = None) -> None:
    """Put ``rng`` (the global generator when ``None``) back in ``state``."""
    gen = _generator() if rng is None else rng
    gen.bit_generator.state, gen.normal.value = state


# A generator's state as bytes (``get_rng_state``): PyTorch's CPU generator state, 5056 bytes,
# little-endian, so that torch.set_rng_state takes arraygrad's and the reverse:
#   0 the seed (u64); 8 ``left`` (i32), 1 + the words left in the block; 12 ``seeded`` (i32,
#   1); 16 ``next`` (u64), the index of the next word; 24 the 624 words (u64 each);
#   5016, 5024, 5032 three doubles: unused, the kept normal, unused; 5040 whether a normal
#   is kept (i32); 5048 a kept float32 normal and 5052 its flag (torch's CPU kernels keep
#   none in float32: written as zeros).
_WORDS_AT, _NORMAL_AT, _NORMAL_FLAG_AT = 24, 5024, 5040
#: The length of the state in bytes.
STATE_SIZE = 5056


def rng_state_bytes(rng: Any, seed: int) -> bytes:
    """The state of ``rng`` (the global generator when ``None``) and its ``seed`` as
    :data:`STATE_SIZE` bytes, torch's."""
    if _backend.tracer is not None:  # a replay would return the state the trace read
        _backend.tracer.untraceable("reading the random generator's state")
    gen = _generator() if rng is None else rng
    mt = gen.bit_generator.state["state"]
    key, pos = np.asarray(mt["key"], dtype=np.uint64), int(mt["pos"])
    # torch counts down `left` to the next block and up `next`; a generator just seeded has
    # next = 0 (its block not yet made), which init_genrand's relation between the first two
    # words tells (a made block breaks it but once in 2**32).
    k0 = int(key[0])
    fresh = pos == 624 and int(key[1]) == (1812433253 * (k0 ^ (k0 >> 30)) + 1) & _WORD_MASK
    data = bytearray(STATE_SIZE)
    data[0:8] = (seed % 2**64).to_bytes(8, "little")
    data[8:12] = (625 - pos).to_bytes(4, "little")
    data[12:16] = (1).to_bytes(4, "little")
    data[16:24] = (0 if fresh else pos).to_bytes(8, "little")
    data[_WORDS_AT : _NORMAL_AT - 8] = key.astype("<u8").tobytes()
    if gen.normal.value is not None:
        data[_NORMAL_AT : _NORMAL_AT + 8] = np.float64(gen.normal.value).astype("<f8").tobytes()
        data[_NORMAL_FLAG_AT : _NORMAL_FLAG_AT + 4] = (1).to_bytes(4, "little")
    return bytes(data)


def rng_state_from_bytes(data: bytes) -> tuple[Any, int]:
    """The generator state and the seed that ``data`` (torch's layout, see
    :func:`rng_state_bytes`) holds; a ValueError when they are not such a state."""
    left = int.from_bytes(data[8:12], "little", signed=True)
    nxt = int.from_bytes(data[16:24], "little")
    if not 1 <= left <= 624 or nxt > 624:  # torch's own check
        raise ValueError("the bytes are not the state of a generator")
    key = np.frombuffer(data, dtype="<u8", count=624, offset=_WORDS_AT) & _WORD_MASK
    # left = 1: the next draw makes a new block; else it reads word `next`, as torch's engine.
    pos = 624 if left == 1 else nxt
    mt = {"bit_generator": "MT19937", "state": {"key": key.astype(np.uint32), "pos": pos}}
    kept = int.from_bytes(data[_NORMAL_FLAG_AT : _NORMAL_FLAG_AT + 4], "little") != 0
    normal = float(np.frombuffer(data, dtype="<f8", count=1, offset=_NORMAL_AT)[0])
    return (mt, normal if kept else None), int.from_bytes(data[0:8], "little")


def set_rng_state(rng: Any, state: Any, seed: int | None = None) -> None:
    """Put ``rng`` (the global generator when ``None``, whose seed becomes ``seed``) in the
    ``state`` that :func:`rng_state_from_bytes` read."""
    global _seed
    if _backend.tracer is not None:  # a replay would not restore it
        _backend.tracer.untraceable("setting the random generator's state")
    set_generator_state(state, rng)
    if rng is None and seed is not None:
        _seed = seed


def _numpy_dtype(dtype: Any) -> np.dtype:
    """The NumPy dtype of an array dtype of the active namespace (the same on NumPy)."""
    try:
        return np.dtype(dtype)
    except TypeError:
        return np.dtype(str(dtype).rsplit(".", 1)[-1])


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
    """Uniform samples in ``[low, high)``, from ``rng`` (the global generator when ``None``):
    torch's ``uniform_``."""
    if _backend.tracer is not None:
        return _backend.tracer.draw(random_uniform, (shape, dtype, low, high, rng), rng)
    gen = _source(rng)
    values = ts.uniform(gen.words, math.prod(shape), _numpy_dtype(dtype), low, high)
    return _to_xp(values.reshape(shape), dtype)


def random_normal(
    shape: tuple[int, ...],
    dtype: Any,
    mean: float = 0.0,
    std: float = 1.0,
    rng: Any = None,
    contiguous: bool = True,
) -> Any:
    """Normal samples, from ``rng`` (the global generator when ``None``): torch's
    ``normal_`` of a tensor that is ``contiguous`` or not."""
    if _backend.tracer is not None:
        args = (shape, dtype, mean, std, rng, contiguous)
        return _backend.tracer.draw(random_normal, args, rng)
    gen, native = _source(rng), _numpy_dtype(dtype)
    return _to_xp(_normal(gen, shape, native, mean, std, contiguous), dtype)


# The largest draw served from the normals computed ahead: beyond, a batch's flat cost is small
# beside the draw's own.
_AHEAD_MAX = 256


def _normal(
    gen: TorchGenerator,
    shape: tuple[int, ...],
    dtype: np.dtype,
    mean: float,
    std: float,
    contiguous: bool = True,
) -> np.ndarray:
    n = math.prod(shape)
    if n >= 16 and contiguous:  # torch's kernel for contiguous tensors of 16 elements or more
        values = None
        if n <= _AHEAD_MAX:  # its cost is flat below some thousands: computed ahead
            values = gen.normals_ahead().fill(n, dtype, mean, std)
        if values is None:
            values = ts.normal_fill(gen.words, n, dtype, mean, std)
    else:
        values = ts.fma64(ts.normal_serial(gen.words, n, gen.normal), std, mean).astype(dtype)
    return values.reshape(shape)


def random_integers(
    low: int, high: int, shape: tuple[int, ...], dtype: Any, rng: Any = None
) -> Any:
    """Integers drawn uniformly from ``[low, high)``, from ``rng`` (global when ``None``):
    torch's ``random_(low, high)``."""
    if _backend.tracer is not None:
        return _backend.tracer.draw(random_integers, (low, high, shape, dtype, rng), rng)
    values = ts.integers(_source(rng).words, math.prod(shape), low, high)
    return _to_xp(values.reshape(shape), dtype)


def random_bits(high: int, shape: tuple[int, ...], dtype: Any, rng: Any = None) -> Any:
    """torch's ``random_()`` without bounds: integers in ``[0, high]`` (``high`` the dtype's
    largest, or ``2**mantissa`` for floats), a word modulo ``high + 1``, a 64-bit draw for
    float64 and int64."""
    if _backend.tracer is not None:
        return _backend.tracer.draw(random_bits, (high, shape, dtype, rng), rng)
    gen, n = _source(rng), math.prod(shape)
    wide = _numpy_dtype(dtype) in (np.dtype(np.float64), np.dtype(np.int64))
    w = ts.words64(gen.words, n) if wide else gen.words(n)
    return _to_xp((w % np.uint64(high + 1)).reshape(shape), dtype)


def random_permutation(n: int, dtype: Any, rng: Any = None) -> Any:
    """A random permutation of ``0 .. n-1``, from ``rng`` (global when ``None``): torch's
    ``randperm``."""
    if _backend.tracer is not None:
        return _backend.tracer.draw(random_permutation, (n, dtype, rng), rng)
    return _to_xp(ts.permutation(_source(rng).words, n), dtype)


def random_bernoulli(p: float, shape: tuple[int, ...], dtype: Any, rng: Any = None) -> Any:
    """Samples that are 1 with probability ``p`` and 0 otherwise: torch's ``bernoulli_(p)``
    (dropout's mask), ``u < p`` with ``u`` a uniform double per element.

    On Intel processors PyTorch's wheels draw these with MKL's own generator instead, seeded
    from one word of the stream (other numbers, the same stream afterwards but for that one
    word); arraygrad follows PyTorch's kernel for other processors."""
    if _backend.tracer is not None:
        return _backend.tracer.draw(random_bernoulli, (p, shape, dtype, rng), rng)
    keep = ts.bernoulli(_source(rng).words, p, math.prod(shape))
    return _to_xp(keep.reshape(shape), dtype)


def _untraceable_draw() -> None:
    if _backend.tracer is not None:
        _backend.tracer.untraceable(
            "drawing random numbers into Python values or with array parameters"
        )


# --- independent generators (DataLoader shuffling, random_split) ----------------------------------


def new_rng(seed: int | None = None) -> Any:
    """An independent random generator, seeded with ``seed`` (fresh OS entropy when ``None``)."""
    return TorchGenerator(fresh_seed() if seed is None else seed)


def rng_permutation(rng: Any, n: int) -> list[int]:
    """A random permutation of ``0 .. n-1`` as Python ints, from ``rng`` (global when
    ``None``): torch's ``randperm(n).tolist()``."""
    _untraceable_draw()
    return ts.permutation(_source(rng).words, n).tolist()  # type: ignore[no-any-return]


def rng_integers(rng: Any, high: int, count: int) -> list[int]:
    """``count`` integers drawn uniformly from ``[0, high)`` with replacement, as Python ints:
    torch's ``randint(high, (count,)).tolist()``."""
    _untraceable_draw()
    return ts.integers(_source(rng).words, count, 0, high).tolist()  # type: ignore[no-any-return]


def rng_seed(rng: Any) -> int:
    """A non-negative 63-bit integer drawn from ``rng`` (the global generator when ``None``):
    torch's ``empty((), dtype=int64).random_().item()``, how its samplers and DataLoader draw
    seeds."""
    _untraceable_draw()
    return ts.random63(_source(rng).words)


def _torch_draw(
    gen: TorchGenerator, method: str, shape: tuple[int, ...], dtype: np.dtype, *params: Any
) -> np.ndarray | None:
    """``method``'s samples by torch's algorithm, or ``None`` where NumPy's is used."""
    n = math.prod(shape)
    if method == "uniform":
        return ts.uniform(gen.words, n, dtype, *params)
    if method == "normal":
        return _normal(gen, shape, dtype, *params)
    if method == "normal_strided":  # of a tensor that is not contiguous: one at a time
        mean, std = params
        return _normal(gen, shape, dtype, mean, std, contiguous=False)
    if method == "standard_normal":
        return _normal(gen, shape, dtype, 0.0, 1.0)
    if method == "exponential_rate":
        return ts.exponential(gen.words, n, *params)
    if method == "cauchy":
        return ts.cauchy(gen.words, n, *params)
    if method == "geometric":
        return ts.geometric(gen.words, n, *params)
    if method == "lognormal":
        mean, std = params
        return ts.log_normal(gen.words, n, mean, std, gen.normal)
    return None


def rng_draw(
    rng: Any, method: str, shape: tuple[int, ...], dtype: Any, *params: Any, **options: Any
) -> Any:
    """Samples of ``shape`` (``rng``: the global generator when ``None``): torch's algorithm
    for ``"uniform"`` (low, high), ``"normal"`` (mean, std), ``"standard_normal"``,
    ``"exponential_rate"`` (rate), ``"cauchy"`` (median, sigma), ``"geometric"`` (p) and
    ``"lognormal"`` (mean, std); otherwise NumPy's ``Generator.<method>(*params, **options)``
    on the same stream, e.g. ``"poisson"``, ``"binomial"``. Array parameters (arrays of any
    namespace) broadcast against ``shape``."""
    if _backend.tracer is not None:
        if not options and not any(_backend.is_array(p) for p in params):
            return _backend.tracer.draw(rng_draw, (rng, method, shape, dtype, *params), rng)
        _untraceable_draw()
    params = tuple(_backend.to_numpy(p) if _backend.is_array(p) else p for p in params)
    gen = _source(rng)
    values = _torch_draw(gen, method, shape, _numpy_dtype(dtype), *params)
    if values is None:
        values = np.asarray(getattr(gen.numpy, method)(*params, size=shape, **options))
    return _to_xp(np.asarray(values).reshape(shape), dtype)


def rng_multinomial(rng: Any, weights: Any, num_samples: int, replacement: bool, dtype: Any) -> Any:
    """``num_samples`` category indices per row of the 2-D non-negative ``weights``, as
    torch's CPU ``multinomial``.

    With replacement (and more than one sample): per row, the cumulative weights normalised
    in float64 and a leftmost binary search for each uniform double. Otherwise (and for one
    sample): the largest ``w / q`` with ``q`` exponential samples in the weights' dtype, one
    per weight (``argmax``, or the ``num_samples`` largest in decreasing order); zero-weight
    categories come last, in index order.
    """
    _untraceable_draw()
    gen = _source(rng)
    w = _backend.to_numpy(weights)
    if replacement and num_samples > 1:
        cdf = np.cumsum(w.astype(np.float64), axis=-1)
        cdf /= cdf[:, -1:]
        index = ts.categorical(gen.words, cdf, num_samples)
        return _to_xp(np.minimum(index, w.shape[1] - 1), dtype)
    q = ts.exponential(gen.words, w.size, 1.0).astype(w.dtype).reshape(w.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        keys = w / q
    index = np.argsort(-keys, axis=-1, kind="stable")[:, :num_samples]
    return _to_xp(index, dtype)
