"""The rewrites of a recorded trace (:mod:`arraygrad._compile_passes`)."""

from __future__ import annotations

import operator
import re

import numpy as np
import pytest

import arraygrad as ag
from arraygrad._compile_passes import fold
from arraygrad._compile_symbolic import BINARY, CALL, FOLD, UNARY, Const, Op

# Above the size below which a broadcast gradient is materialised (numpy_fast's
# _SMALL_BROADCAST: filling a small array is cheaper than NumPy's broadcast_to).
_LARGE = (64, 128)
_SPECIAL = np.array([0.0, -0.0, 1.5, -2.25, np.inf, -np.inf, np.nan, 1e-45, 3e38, -1e-40])


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
@pytest.mark.parametrize(
    ("style", "fn"),
    [
        (BINARY, operator.add),
        (BINARY, operator.mul),
        (BINARY, operator.truediv),
        (BINARY, operator.lt),
        (UNARY, operator.neg),
        (CALL, np.maximum),
        (CALL, np.sqrt),
    ],
)
def test_an_exact_op_on_broadcast_constants_folds_to_a_broadcast(style, fn, dtype) -> None:
    # A mean's gradient is one value broadcast to the input's shape; what the backward computes
    # from it alone (2g for a square's gradient) was folded into a full array, which the replay
    # then read beside x (x * C: two arrays read, not one), and which held x's size in memory.
    for first in _SPECIAL.astype(dtype) if dtype != np.int64 else [0, 7, -3]:
        for second in _SPECIAL[::3].astype(dtype) if dtype != np.int64 else [1, -2]:
            values = [np.broadcast_to(np.asarray(v, dtype), _LARGE) for v in (first, second)]
            arity = 1 if style == UNARY or fn is np.sqrt else 2
            with np.errstate(all="ignore"):
                (kept,) = fold(_ops(style, fn, values[:arity]), roots={2})
                expected = fn(*(np.ascontiguousarray(v) for v in values[:arity]))
            folded = kept.args[1].value
            assert folded.shape == _LARGE and folded.strides == (0, 0)
            assert folded.dtype == expected.dtype
            assert folded.tobytes() == np.ascontiguousarray(expected).tobytes()


def _ops(style: int, fn: object, constants: list[np.ndarray]) -> list[Op]:
    """``v0 = fn(*constants)`` (each made by a FOLD op, as the backward seed is), then
    ``v2 = v1 * v0`` with ``v1`` an input: v0 is folded into v2's operand."""
    ops = [Op(FOLD, None, (Const(c),), {}, out=10 + i, pure=True) for i, c in enumerate(constants)]
    slots = tuple(10 + i for i in range(len(constants)))
    ops.append(Op(style, fn, slots, {}, out=0, pure=True))
    ops.append(Op(BINARY, operator.mul, (1, 0), {}, out=2, pure=True))
    return ops


def test_an_inexact_op_on_broadcast_constants_folds_as_before() -> None:
    # exp has vectorised approximations: computed on one element, its bits could differ
    constant = np.broadcast_to(np.asarray(0.3, np.float32), (8192,))
    (kept,) = fold(_ops(CALL, np.exp, [constant]), roots={2})
    assert kept.args[1].value.strides == (4,)


def test_a_replayed_square_loss_makes_one_pass_for_its_gradient() -> None:
    # mean((x @ w - y) ** 2): the square's gradient r * (g + g) with g the mean's broadcast
    # gradient is one multiplication of r by a folded scalar, bit for bit eager's
    rng = np.random.default_rng(0)
    x = ag.tensor(rng.standard_normal((5000, 3)).astype(np.float32))
    y = ag.tensor(rng.standard_normal((5000, 1)).astype(np.float32))
    weights = rng.standard_normal((3, 1)).astype(np.float32)

    def make():
        w = ag.tensor(weights, requires_grad=True)

        def step():
            loss = ((x @ w - y) ** 2).mean()
            loss.backward()
            grad = w.grad
            w.grad = None
            return loss, grad

        return step

    eager, compiled = make(), ag.compile(make())
    for _ in range(3):
        for mine, theirs in zip(compiled(), eager(), strict=True):
            assert mine.detach().numpy().tobytes() == theirs.detach().numpy().tobytes()
    (program,) = next(iter(compiled.programs.values()))
    constants = [v for k, v in program._guards[0].items() if k[0] == "c" and k[1:].isdigit()]
    broadcast = [c for c in constants if isinstance(c, np.ndarray) and c.size == 5000]
    assert broadcast and all(c.strides == (0, 0) for c in broadcast)
    body = program.source.split("return MISS\n")[-1]
    assert not re.search(r"\((v\d+), \1\b", body), body  # no r + r: one pass
