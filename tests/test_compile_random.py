"""arraygrad.compile on steps that draw random numbers: each draw from the global generator is
a step of the program that draws again on every replay, so a compiled step gives eager's
results bit for bit from the same seed, and leaves the generator where eager code leaves it."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import arraygrad as ag
import arraygrad.nn.functional as F

DRAWS: dict[str, Callable[[ag.Tensor], ag.Tensor]] = {
    "dropout": lambda x: F.dropout(x, 0.3, training=True),
    "dropout1d": lambda x: F.dropout1d(x[None], 0.5, training=True)[0],
    "alpha_dropout": lambda x: F.alpha_dropout(x, 0.3, training=True),
    "feature_alpha_dropout": lambda x: F.feature_alpha_dropout(x[None], 0.3, training=True)[0],
    "randn": lambda x: ag.randn(6) * x[0],
    "rand_like": lambda x: ag.rand_like(x) + x,
    "randint": lambda x: x[ag.randint(0, 6, (3,))],
    "randperm": lambda x: x[ag.randperm(6)],
    "rrelu": lambda x: F.rrelu(x, training=True),
    "gumbel_softmax": lambda x: F.gumbel_softmax(x, hard=True),
    "fractional_max_pool2d": lambda x: F.fractional_max_pool2d(
        x.reshape(1, 1, 2, 18), (1, 2), output_size=(2, 5)
    ),
    "normal_": lambda x: x * ag.empty(6, 6, dtype=x.dtype).normal_(),
    "exponential_": lambda x: x * ag.empty(6, 6, dtype=x.dtype).exponential_(2.0),
}


def _inputs(count: int) -> list[ag.Tensor]:
    rng = np.random.default_rng(5)
    return [ag.tensor(rng.standard_normal((6, 6)), requires_grad=True) for _ in range(count)]


def _value_and_grad(fn: Callable[[ag.Tensor], ag.Tensor]) -> Callable[[ag.Tensor], Any]:
    def step(x: ag.Tensor) -> tuple[ag.Tensor, ...]:
        y = fn(x)
        if not y.requires_grad:
            return (y,)
        (grad,) = ag.autograd.grad((y * y).sum(), x)
        return y, grad

    return step


def _bits(results: Any) -> list[bytes]:
    return [np.ascontiguousarray(t.detach().numpy()).tobytes() for t in results]


@pytest.mark.parametrize("name", list(DRAWS))
def test_compiled_draws_equal_eager_draws_from_the_same_seed(name: str) -> None:
    step = _value_and_grad(DRAWS[name])
    compiled = ag.compile(step)
    inputs = _inputs(4)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # a fallback to eager warns
        ag.manual_seed(7)
        eager = [_bits(step(x)) for x in inputs]
        eager_next = ag.rand(3).tolist()
        ag.manual_seed(7)
        replayed = [_bits(compiled(x)) for x in inputs]
        replayed_next = ag.rand(3).tolist()
    assert replayed == eager
    assert replayed_next == eager_next  # the generator advanced exactly as in eager code
    assert compiled.traces == 1 and not compiled.eager
    # Each replay drew anew: the masks or samples differ from call to call.
    assert len({tuple(bits) for bits in replayed}) == len(inputs)


def test_dropout_training_step_compiled_equals_eager_with_reseeding() -> None:
    def make() -> tuple[ag.nn.Module, Callable[[ag.Tensor], ag.Tensor]]:
        ag.manual_seed(0)
        model = ag.nn.Sequential(ag.nn.Linear(6, 8), ag.nn.ReLU(), ag.nn.Dropout(0.4))
        model.train()
        opt = ag.optim.SGD(model.parameters(), lr=0.1)

        def step(x: ag.Tensor) -> ag.Tensor:
            loss = (model(x) ** 2).mean()
            loss.backward()
            opt.step()
            opt.zero_grad()
            return loss

        return model, step

    eager_model, eager_step = make()
    compiled_model, step = make()
    compiled = ag.compile(step)
    batches = [ag.tensor(b, dtype=ag.float32) for b in np.random.default_rng(1).random((6, 4, 6))]
    for seed in (3, 4):  # reseeding between calls is followed, as eager code follows it
        ag.manual_seed(seed)
        eager = [eager_step(b).item() for b in batches]
        ag.manual_seed(seed)
        replayed = [compiled(b).item() for b in batches]
        assert replayed == eager
    for a, b in zip(eager_model.parameters(), compiled_model.parameters(), strict=True):
        assert a._data.tobytes() == b._data.tobytes()
    assert compiled.traces == 1 and not compiled.eager


_G = ag.Generator()


@pytest.mark.parametrize(
    "draw",
    [
        lambda x: ag.manual_seed(1) or F.dropout(x, 0.5),
        lambda x: x * ag.rand(6, 6, generator=ag.Generator().manual_seed(1), dtype=x.dtype),
        lambda x: _G.manual_seed(1) and x * ag.rand(6, 6, generator=_G, dtype=x.dtype),
        lambda x: x * ag.rand(6, 6, generator=_G.set_state(_G.get_state()), dtype=x.dtype),
    ],
    ids=["reseeding_inside", "generator_made_inside", "generator_reseeded_inside", "get_state"],
)
def test_draws_that_cannot_replay_run_eagerly(draw: Callable[[ag.Tensor], ag.Tensor]) -> None:
    # A replay would not reseed a generator, make a new one (it would draw from the traced
    # one) nor read or set a state: such steps run eagerly, with compile's warning.
    compiled = ag.compile(draw)
    x = _inputs(1)[0]
    with pytest.warns(RuntimeWarning, match="runs eagerly"):
        compiled(x)
    assert compiled.eager


def _generator_draws(g1: ag.Generator, g2: ag.Generator) -> Callable[[ag.Tensor], Any]:
    """A step drawing from two generator objects, interleaved with the global generator."""

    def step(x: ag.Tensor) -> tuple[ag.Tensor, ...]:
        y = x * ag.randn(6, 6, generator=g1, dtype=x.dtype)
        y = y + ag.rand(6, 6, generator=g2, dtype=x.dtype) + ag.randn(6, dtype=x.dtype)
        y = y[ag.randint(0, 6, (4,), generator=g1)][:, ag.randperm(6, generator=g2)]
        y = F.dropout(y, 0.3) * ag.empty(4, 6, dtype=x.dtype).normal_(1.0, 2.0, generator=g1)
        y = y * ag.empty(4, 6, dtype=x.dtype).uniform_(-1.0, 1.0, generator=g2)
        y = y * ag.empty(6, dtype=x.dtype).exponential_(2.0, generator=g1)
        (grad,) = ag.autograd.grad((y * y).sum(), x)
        return y, grad

    return step


def test_draws_from_generator_objects_replay_as_eager_with_reseeding() -> None:
    # randn/rand/randint/randperm/normal_/uniform_/exponential_ with generator= made the step
    # run eagerly ("drawing random numbers from a generator object"). They are now steps of
    # the program that draw from the generator's NumPy generator, which g.manual_seed and
    # g.set_state set in place (they replaced it), so that reseeding between calls is followed.
    g1, g2 = ag.Generator(), ag.Generator()
    step = _generator_draws(g1, g2)
    compiled = ag.compile(step)

    def run(fn: Callable[[ag.Tensor], Any]) -> list[Any]:
        ag.manual_seed(0)
        g1.manual_seed(1)
        g2.manual_seed(2)
        found = []
        saved = None
        for call, x in enumerate(_inputs(6)):
            if call == 2:
                g1.manual_seed(5)
                saved = g2.get_state()
            if call == 4:
                g2.set_state(saved)
                ag.manual_seed(3)
            found.append(_bits(fn(x)))
        after = (g1.get_state().tolist(), g2.get_state().tolist(), ag.get_rng_state().tolist())
        return [found, after]

    eager = run(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # a fallback to eager warns
        replayed = run(compiled)
    assert replayed == eager  # and every generator left where eager code leaves it
    assert compiled.traces == 1 and not compiled.eager
    assert len({tuple(bits) for bits in replayed[0]}) == 6  # each replay drew anew


def test_a_generator_passed_in_is_drawn_from_on_replay() -> None:
    # A generator given as an argument: the program draws from that one; another generator
    # object is another signature (a trace of its own), not the traced one's numbers.
    def step(x: ag.Tensor, g: ag.Generator) -> ag.Tensor:
        return x * ag.rand(6, 6, generator=g, dtype=x.dtype)

    compiled = ag.compile(step)
    x = _inputs(1)[0].detach()
    g, h = ag.Generator(), ag.Generator()
    found = []
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for fn in (step, compiled):
            g.manual_seed(4)
            h.manual_seed(9)
            found.append([_bits([fn(x, gen)]) for gen in (g, h, g, h, g)])
    assert found[1] == found[0]
    assert compiled.traces == 2 and not compiled.eager
