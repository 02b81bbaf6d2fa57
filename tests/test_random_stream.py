"""arraygrad's random numbers against torch 2.13.0's CPU generator, seed for seed and bit for
bit (``_backend/random.py`` and ``_backend/torch_sampling.py``): each draw, a mixed sequence
of draws, module initialisation, dropout, DataLoader shuffles and the state's bytes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from arraygrad._backend import normals_ahead

SEEDS = [0, 1, 7, 12345, 2**32 + 5, -1, 2**63 + 3]


def _same(a: Any, b: Any) -> bool:
    """Equal bit for bit (NaNs in the same places), dtypes included."""
    x, y = a.detach().cpu(), b.detach()
    if str(x.dtype).split(".")[-1] != str(y.dtype).split(".")[-1]:
        return False
    if x.dtype in (torch.bfloat16, torch.float16):
        x, y = x.float(), y.float()
    if x.is_complex():
        x, y = torch.view_as_real(x), ag.view_as_real(y)
    return np.array_equal(x.numpy(), y.numpy(), equal_nan=True)


def _both(seed: int, draw: Callable[[Any], Any]) -> tuple[Any, Any]:
    torch.manual_seed(seed)
    ag.manual_seed(seed)
    return draw(torch), draw(ag)


DRAWS = {
    "rand f32": lambda L: L.rand(1000),
    "rand f64": lambda L: L.rand(5, 7, dtype=L.float64),
    "rand f16": lambda L: L.rand(2000, dtype=L.float16),
    "rand c64": lambda L: L.rand(9, dtype=L.complex64),
    "uniform f32": lambda L: L.empty(500).uniform_(-3.7, 12.25),
    "uniform f64": lambda L: L.empty(500, dtype=L.float64).uniform_(0.001, 0.002),
    "uniform f16": lambda L: L.empty(2000, dtype=L.float16).uniform_(-0.005, 87.9),
    "randn f64 small": lambda L: L.randn(3, dtype=L.float64),
    "randn f32 small": lambda L: L.randn(15),
    "randn f64 16": lambda L: L.randn(16, dtype=L.float64),
    "randn f64 odd": lambda L: L.randn(4, 25, dtype=L.float64),
    "randn f32 odd": lambda L: L.randn(1001),
    "randn f32 large": lambda L: L.randn(256, 256),
    "randn c64": lambda L: L.randn(11, dtype=L.complex64),
    "randn f16 odd": lambda L: L.randn(40, dtype=L.float16),
    "randn bf16": lambda L: L.randn(7, 9, dtype=L.bfloat16),
    "normal_ bf16 small": lambda L: L.empty(5, dtype=L.bfloat16).normal_(2.0, 3.0),
    "rand bf16": lambda L: L.rand(3000, dtype=L.bfloat16),
    "normal_ f32": lambda L: L.empty(100).normal_(0.3, 2.5),
    "normal_ f64 small": lambda L: L.empty(5, dtype=L.float64).normal_(-1.0, 0.7),
    "normal tensors": lambda L: L.normal(L.arange(20.0), L.arange(1.0, 21.0)),
    "normal tensor mean": lambda L: L.normal(L.zeros(3, 6, dtype=L.float64), 2.0),
    "randint small": lambda L: L.randint(3, 10, (50,)),
    "randint below 2**28": lambda L: L.randint(0, 2**28 - 1, (20,)),
    "randint 2**28": lambda L: L.randint(-5, 2**28 - 5, (20,)),
    "randint 2**40": lambda L: L.randint(-(2**40), 2**40, (20,)),
    "randint int32": lambda L: L.randint(0, 2**30, (20,), dtype=L.int32),
    "randperm 1": lambda L: L.randperm(1),
    "randperm 10": lambda L: L.randperm(10),
    "randperm 5000": lambda L: L.randperm(5000),
    "random_ int64": lambda L: L.empty(9, dtype=L.int64).random_(),
    "random_ f32": lambda L: L.empty(9).random_(),
    "random_ f64": lambda L: L.empty(9, dtype=L.float64).random_(),
    "random_ uint8": lambda L: L.empty(9, dtype=L.uint8).random_(),
    "random_ bounds": lambda L: L.empty(9, dtype=L.int16).random_(-40, 300),
    "bernoulli f32 p": lambda L: L.bernoulli(L.linspace(0, 1, 300)),
    "bernoulli f64 p": lambda L: L.bernoulli(L.linspace(0, 1, 300, dtype=L.float64)),
    "bernoulli number p": lambda L: L.bernoulli(L.zeros(200), 0.3),
    "bernoulli_ number": lambda L: L.empty(200).bernoulli_(0.8),
    "bernoulli_ tensor": lambda L: L.empty(4, 50).bernoulli_(L.linspace(0, 1, 50)),
    "exponential_": lambda L: L.empty(100).exponential_(2.5),
    "cauchy_": lambda L: L.empty(100, dtype=L.float64).cauchy_(1.0, 0.5),
    "geometric_": lambda L: L.empty(100).geometric_(0.3),
    "log_normal_": lambda L: L.empty(100, dtype=L.float64).log_normal_(0.5, 0.25),
    "multinomial": lambda L: L.multinomial(L.tensor([1.0, 2.0, 0.0, 4.0, 0.5]), 3),
    "multinomial one": lambda L: L.multinomial(L.tensor([[1.0, 2.0, 3.0], [3.0, 0.0, 1.0]]), 1),
    "multinomial replacement": lambda L: L.multinomial(
        L.tensor([[1.0, 2.0, 0.0, 4.0], [0.1, 0.0, 0.0, 0.2]], dtype=L.float64), 40, True
    ),
}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", list(DRAWS))
def test_each_draw_is_torch_s_bit_for_bit(name: str, seed: int) -> None:
    expected, got = _both(seed, DRAWS[name])
    assert _same(expected, got)


def _same_bits(a: Any, b: Any) -> bool:
    """Equal bit for bit, the signs of zeros included (``_same`` compares values)."""
    x, y = a.detach().cpu(), b.detach()
    if x.dtype in (torch.bfloat16, torch.float16):  # NumPy has no bfloat16: compare as float
        x, y = x.float(), y.float()
    x, y = x.numpy(), y.numpy()
    return x.dtype == y.dtype and x.tobytes() == y.tobytes()


# Sizes past the slices that the samplers work in (16,384 elements and more), with a partial
# last slice and, for normals, a last block of 16 drawn again.
LARGE_DRAWS = {
    "randn f32": lambda L: L.randn(3 * 2**15 + 40),
    "randn f64": lambda L: L.randn(3 * 2**14 + 9, dtype=L.float64),
    "normal_ f32": lambda L: L.empty(70001).normal_(-0.5, 3.0),
    "normal_ f64": lambda L: L.empty(50001, dtype=L.float64).normal_(2.0, 0.1),
    "randn f16": lambda L: L.randn(40007, dtype=L.float16),
    "uniform f32": lambda L: L.empty(70001).uniform_(-2.5, 7.0),
    "uniform f32 far from 0": lambda L: L.empty(70001).uniform_(1e6, 1e6 + 1),
    "uniform f64": lambda L: L.empty(50001, dtype=L.float64).uniform_(-1e-3, 3.0),
    "uniform bf16": lambda L: L.empty(40007, dtype=L.bfloat16).uniform_(-4.0, 4.0),
    "randint": lambda L: L.randint(-7, 1000, (100003,)),
    "randint 2**40": lambda L: L.randint(0, 2**40, (50001,)),
    "randperm": lambda L: L.randperm(200003),
    "bernoulli_": lambda L: L.empty(100003).bernoulli_(0.3),
}


@pytest.mark.parametrize("seed", SEEDS[:2])
@pytest.mark.parametrize("name", list(LARGE_DRAWS))
def test_large_draws_are_torch_s_bit_for_bit(name: str, seed: int) -> None:
    expected, got = _both(seed, LARGE_DRAWS[name])
    assert _same_bits(expected, got)
    assert _same(torch.get_rng_state(), ag.get_rng_state())


def test_randperm_of_a_million_is_torch_s() -> None:
    expected, got = _both(3, lambda L: L.randperm(10**6))
    assert _same(expected, got)


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_a_mixed_sequence_stays_torch_s(seed: int) -> None:
    # The kept second normal crosses calls, and uniform draws in between move the stream.
    torch.manual_seed(seed)
    ag.manual_seed(seed)
    for name in (
        "randn f64 small",
        "rand f32",
        "randn f32 small",
        "randint small",
        "randn f64 small",
        "randperm 10",
        "bernoulli_ number",
        "randn f32 odd",
        "log_normal_",
        "randn f64 small",
    ):
        assert _same(DRAWS[name](torch), DRAWS[name](ag)), name
        assert _same(torch.get_rng_state(), ag.get_rng_state()), name


SMALL_NORMALS = [
    lambda L: L.randn(4, 4),
    lambda L: L.randn(16),
    lambda L: L.randn(20),
    lambda L: L.randn(3, 11),
    lambda L: L.randn(256),
    lambda L: L.randn(8, 8, dtype=L.float64),
    lambda L: L.randn(17, dtype=L.float64),
    lambda L: L.randn(40, dtype=L.float16),
    lambda L: L.randn(33, dtype=L.bfloat16),
    lambda L: L.empty(16).normal_(0.5, 2.0),
    lambda L: L.empty(48, dtype=L.float64).normal_(-1.0, 0.25),
]
OTHER_DRAWS = [
    lambda L: L.rand(3),
    lambda L: L.randint(0, 9, (5,)),
    lambda L: L.randn(5),
    lambda L: L.empty(7).bernoulli_(0.4),
]


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_small_normals_in_long_sequences_stay_torch_s(seed: int) -> None:
    # Small normals are computed ahead in batches (_backend/normals_ahead.py): loops of one
    # size, across many blocks of the stream's 624 words, mixed with other draws, states set
    # and reseeding.
    rng = np.random.default_rng(seed % 2**32)
    torch.manual_seed(seed)
    ag.manual_seed(seed)
    for step in range(600):
        if step % 150 == 149:  # a state set back, with normals computed ahead of it
            state = torch.get_rng_state()
            torch.randn(64), ag.randn(64)
            torch.set_rng_state(state)
            ag.set_rng_state(ag.tensor(state.numpy()))
        if step == 400:
            torch.manual_seed(seed + 1)
            ag.manual_seed(seed + 1)
        if step < 200:  # a loop of one size first
            draw = SMALL_NORMALS[seed % 2]
        elif rng.random() < 0.7:
            draw = SMALL_NORMALS[rng.integers(len(SMALL_NORMALS))]
        else:
            draw = OTHER_DRAWS[rng.integers(len(OTHER_DRAWS))]
        assert _same_bits(draw(torch), draw(ag)), step
        if step % 50 == 0:
            assert _same(torch.get_rng_state(), ag.get_rng_state()), step


@pytest.mark.parametrize("seed", [0, 7, 2**32 - 1])
def test_normals_ahead_twist_the_state_as_numpy_does(seed: int) -> None:
    # Float32 batches of small normals reach into the blocks after the current one: their
    # state words are the twist of the current ones, which must be NumPy's (a draw is only
    # served where the key holds the words a batch was made from, so a wrong twist would
    # make every such batch useless, never a draw wrong).
    bit_generator = np.random.MT19937(seed)
    for _ in range(3):
        key = np.array(bit_generator.state["state"]["key"], dtype=np.uint32)
        state = {"bit_generator": "MT19937", "state": {"key": key, "pos": 624}}
        bit_generator.state = state
        bit_generator.random_raw(1)  # (the block is spent: NumPy twists)
        twisted = np.array(bit_generator.state["state"]["key"], dtype=np.uint32)
        assert np.array_equal(normals_ahead._twisted(key), twisted)


def test_a_loop_of_small_normals_computes_a_batch_per_several_blocks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 16 float32 normals take 16 words: 39 draws a block. Their batches reach a few blocks
    # ahead (one per block before), each draw still torch's.
    torch.manual_seed(5)
    ag.manual_seed(5)
    made = []
    radial = normals_ahead.avx2.radial
    monkeypatch.setattr(normals_ahead.avx2, "radial", lambda *a: made.append(1) or radial(*a))
    for _ in range(39 * 12):
        assert _same_bits(torch.randn(4, 4), ag.randn(4, 4))
    assert len(made) <= 8


@pytest.mark.parametrize("seed", SEEDS[:4])
def test_module_initialisation_is_torch_s(seed: int) -> None:
    for make in (
        lambda L: L.nn.Linear(30, 20),
        lambda L: L.nn.Conv2d(3, 8, 3),
        lambda L: L.nn.Embedding(10, 4),
        lambda L: L.nn.LSTM(4, 5),
    ):
        expected, got = _both(seed, make)
        pairs = zip(expected.parameters(), got.parameters(), strict=True)
        assert all(_same(a, b) for a, b in pairs)


@pytest.mark.parametrize(
    "init",
    [
        lambda L: L.nn.init.trunc_normal_(L.empty(50, 40), std=0.02),
        lambda L: L.nn.init.xavier_normal_(L.empty(7, 9)),
        lambda L: L.nn.init.kaiming_normal_(L.empty(30, 20, dtype=L.float64)),
        lambda L: L.nn.init.xavier_uniform_(L.empty(8, 3, 3, 3)),
        lambda L: L.nn.init.uniform_(L.empty(12, dtype=L.float16), -2.0, 2.0),
    ],
)
def test_init_functions_are_torch_s(init: Callable[[Any], Any]) -> None:
    expected, got = _both(8, init)
    assert _same(expected, got)


def test_dropout_masks_are_torch_s() -> None:
    for p in (0.1, 0.5, 0.9):
        expected, got = _both(3, lambda L, p=p: L.nn.Dropout(p)(L.arange(1.0, 301.0)))
        assert _same(expected, got)
    expected, got = _both(4, lambda L: L.nn.functional.dropout2d(L.ones(2, 6, 3, 3), 0.5))
    assert _same(expected, got)


def _orders(L: Any, **options: Any) -> list[list[int]]:
    data = L.utils.data
    loader = data.DataLoader(data.TensorDataset(L.arange(23)), batch_size=4, **options)
    return [[int(i) for i in batch[0]] for _ in range(2) for batch in loader]


@pytest.mark.parametrize(
    "options",
    [
        {"shuffle": True},
        {"shuffle": True, "drop_last": True},
        {"shuffle": True, "generator": "g"},
        {"sampler": "replacement"},
    ],
)
def test_dataloader_order_is_torch_s(options: dict[str, Any]) -> None:
    results = []
    for L in (torch, ag):
        L.manual_seed(11)
        chosen = dict(options)
        if chosen.get("generator") == "g":
            chosen["generator"] = L.Generator().manual_seed(5)
        if chosen.get("sampler") == "replacement":
            chosen["sampler"] = L.utils.data.RandomSampler(range(23), True, num_samples=40)
        results.append((_orders(L, **chosen), L.rand(3).tolist()))
    assert results[0] == results[1]


def test_random_split_and_subset_sampler_are_torch_s() -> None:
    results = []
    for L in (torch, ag):
        L.manual_seed(2)
        parts = L.utils.data.random_split(range(30), [0.5, 0.3, 0.2])
        subset = list(L.utils.data.SubsetRandomSampler([3, 1, 4, 1, 5, 9, 2, 6]))
        weighted = list(L.utils.data.WeightedRandomSampler([0.5, 2.0, 1.0, 0.0], 6))
        results.append(([list(part.indices) for part in parts], subset, weighted))
    assert results[0] == results[1]


def test_generator_objects_are_torch_s() -> None:
    expected_g, got_g = torch.Generator(), ag.Generator()
    assert _same(expected_g.get_state(), got_g.get_state())  # the default seed, not yet used
    for g in (expected_g, got_g):
        g.manual_seed(2**40 + 9)
    for draw in (
        lambda L, g: L.randn(40, generator=g),
        lambda L, g: L.randperm(12, generator=g),
        lambda L, g: L.randn(3, dtype=L.float64, generator=g),
    ):
        assert _same(draw(torch, expected_g), draw(ag, got_g))
        assert _same(expected_g.get_state(), got_g.get_state())


def test_states_cross_between_torch_and_arraygrad() -> None:
    _both(5, lambda L: L.randn(3, dtype=L.float64))  # a second normal is kept
    assert _same(torch.get_rng_state(), ag.get_rng_state())
    torch.rand(700)  # into the next block of words
    ag.set_rng_state(ag.tensor(torch.get_rng_state().numpy()))
    assert ag.initial_seed() == torch.initial_seed()
    assert _same(torch.randn(2, dtype=torch.float64), ag.randn(2, dtype=ag.float64))
    ag.rand(5)
    torch.set_rng_state(torch.from_numpy(ag.get_rng_state().numpy().copy()))
    assert _same(torch.rand(1000), ag.rand(1000))


def _untemper(y: int) -> int:
    """The MT19937 state word whose output is ``y`` (inverting the tempering)."""

    def undo_right(y: int, shift: int) -> int:
        x = y
        for _ in range(32 // shift + 1):
            x = y ^ (x >> shift)
        return x

    def undo_left(y: int, shift: int, mask: int) -> int:
        x = y
        for _ in range(32 // shift + 1):
            x = y ^ ((x << shift) & mask)
        return x & 0xFFFFFFFF

    y = undo_right(y, 18)
    y = undo_left(y, 15, 0xEFC60000)
    y = undo_left(y, 7, 0x9D2C5680)
    return undo_right(y, 11)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64", "complex64"])
def test_a_uniform_draw_that_rounds_up_to_to_is_from_as_torch(dtype: str) -> None:
    # The next words are all ones: x is the largest uniform below 1, and x * (2 - 1) + 1
    # rounds to 2. PyTorch's kernel returns `from` then; arraygrad stepped below `to`.
    torch.manual_seed(0)
    torch.rand(5)
    state = bytearray(torch.get_rng_state().numpy().tobytes())
    at = int.from_bytes(state[16:24], "little")  # the index of the next word
    for i in range(at, at + 4):
        state[24 + 8 * i : 32 + 8 * i] = _untemper(0xFFFFFFFF).to_bytes(8, "little")
    torch.set_rng_state(torch.tensor(list(state), dtype=torch.uint8))
    ag.set_rng_state(ag.tensor(list(state), dtype=ag.uint8))
    expected = torch.empty(2, dtype=getattr(torch, dtype)).uniform_(1.0, 2.0)
    got = ag.empty(2, dtype=getattr(ag, dtype)).uniform_(1.0, 2.0)
    assert _same(expected, got)
    assert (got.real if got.is_complex() else got)[0].item() == 1.0


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_normal_of_radius_zero_is_plus_zero_as_torch(dtype: str) -> None:
    # The next uniforms x[0] and x[8] are 0: u1 = 1, the radius sqrt(-2 log 1) = sqrt(-0.0)
    # is -0.0 and r cos 0, r sin 0 are -0.0 and -0.0; torch's fused "* std + mean" makes them
    # +0.0. arraygrad skipped the addition in float64 for std 1, mean 0 and kept -0.0.
    torch.manual_seed(0)
    torch.rand(5)
    state = bytearray(torch.get_rng_state().numpy().tobytes())
    at = int.from_bytes(state[16:24], "little")
    words = (at, at + 1, at + 16, at + 17) if dtype == "float64" else (at, at + 8)
    for i in words:
        state[24 + 8 * i : 32 + 8 * i] = _untemper(0).to_bytes(8, "little")
    torch.set_rng_state(torch.tensor(list(state), dtype=torch.uint8))
    ag.set_rng_state(ag.tensor(list(state), dtype=ag.uint8))
    expected = torch.randn(16, dtype=getattr(torch, dtype))
    got = ag.randn(16, dtype=getattr(ag, dtype))
    assert got[0].item() == 0.0 and not np.signbit(got.numpy()[0])
    assert _same_bits(expected, got)


@pytest.mark.parametrize("u2_bits", [0x400000, 0x800000, 0xC00000])
def test_a_float32_normal_at_a_right_angle_is_torch_s(u2_bits: int) -> None:
    # u2 = 1/4, 1/2, 3/4: the angle 2 pi u2 lies next to a multiple of pi/2 and the reduced
    # argument x + y (pi/4 part 3) nearly cancels, where torch's compiled kernel fuses the
    # multiply and add. arraygrad added the rounded product and missed torch's numbers there.
    torch.manual_seed(1)
    torch.rand(3)
    state = bytearray(torch.get_rng_state().numpy().tobytes())
    at = int.from_bytes(state[16:24], "little")
    for i in range(at + 8, at + 16):  # every u2 of the first block
        state[24 + 8 * i : 32 + 8 * i] = _untemper(u2_bits).to_bytes(8, "little")
    torch.set_rng_state(torch.tensor(list(state), dtype=torch.uint8))
    ag.set_rng_state(ag.tensor(list(state), dtype=ag.uint8))
    assert _same_bits(torch.randn(16), ag.randn(16))


@pytest.mark.parametrize(("mean", "std"), [(1e308, 1e308), (0.0, 2.0**1001), (-1e-310, 1e308)])
def test_float64_normals_of_huge_scale_are_torchs(mean: float, std: float) -> None:
    # z * std beyond the largest double with z * std + mean within it (torch's fused
    # multiply-add keeps it finite), and Dekker's split of std overflowing: were nan or inf.
    values = []
    for lib in (ag, torch):
        lib.manual_seed(3)
        values.append(lib.empty(4096, dtype=lib.float64).normal_(mean, std).numpy())
    np.testing.assert_array_equal(values[0].view(np.uint64), values[1].view(np.uint64))


@pytest.mark.parametrize("p", [0.3, 1e-9, 0.999999])
def test_geometric_draws_across_log_slices_are_torchs(p: float) -> None:
    # 40,000 draws: several of libm_log's slices, each log the C library's, as torch's kernel
    values = []
    for lib in (ag, torch):
        lib.manual_seed(11)
        values.append(lib.empty(40000, dtype=lib.float64).geometric_(p).numpy())
    np.testing.assert_array_equal(values[0], values[1])


def _strided_sources(lib: Any) -> dict[str, Any]:
    base = lib.zeros(4, 5, 6, dtype=lib.float64)
    return {"transposed": base[0].t(), "permuted": base.permute(2, 0, 1), "gaps": base[:, ::2]}


STRIDED_DRAWS = {
    "rand_like": lambda L, v: L.rand_like(v),
    "randn_like": lambda L, v: L.randn_like(v),
    "randint_like": lambda L, v: L.randint_like(v, 0, 100),
    "dropout": lambda L, v: L.nn.functional.dropout(L.ones_like(v), 0.4),
    "uniform_": lambda L, v: v.clone().transpose(0, 1).uniform_(-1, 2),
    "normal_": lambda L, v: v.clone().transpose(0, 1).normal_(1, 2),
    "bernoulli_": lambda L, v: v.clone().transpose(0, 1).bernoulli_(0.3),
    "random_": lambda L, v: v.clone().transpose(0, 1).random_(0, 50),
    "exponential_": lambda L, v: v.clone().transpose(0, 1).exponential_(2.0),
    "normal_ with gaps": lambda L, v: L.zeros(4, 12, dtype=L.float64)[:, ::2].normal_(),
}


@pytest.mark.parametrize("name", sorted(STRIDED_DRAWS))
def test_draws_into_strided_tensors_follow_memory_order_as_torch(name: str) -> None:
    # torch's random kernels walk a tensor in memory order (empty_like(x) keeps x's layout):
    # a transposed tensor takes the numbers down its columns, and normal_ of one that is not
    # contiguous draws one number at a time. arraygrad drew in index order (so a Transformer
    # layer with batch_first=True, whose attention output is transposed, dropped other units).
    for source in _strided_sources(torch):
        t, a = _both(5, lambda L, s=source: STRIDED_DRAWS[name](L, _strided_sources(L)[s]))
        assert _same(t, a), source
        assert tuple(a.stride()) == tuple(t.stride()), source
        assert _same(torch.rand(3), ag.rand(3)), source  # the stream went on alike
