"""``_backend/libm_log.py``: the C library's ``log`` of float64 arrays, vectorised, equal bit
for bit to ``math.log`` (which torch's float64 normals go through) on the inputs most likely to
tell them apart."""

from __future__ import annotations

import math
from decimal import Decimal, localcontext

import numpy as np
import pytest

from arraygrad._backend.libm_log import libm_log, log_double_double


def _libm(x: np.ndarray) -> np.ndarray:
    return np.fromiter(map(math.log, x.tolist()), dtype=np.float64, count=x.size)


def _inputs(kind: str, rng: np.random.Generator) -> np.ndarray:
    n = 200_000
    if kind == "normal's u1":  # 1 - x for x a multiple of 2**-53 in [0, 1)
        return 1.0 - rng.integers(0, 2**53, n) * 2.0**-53
    if kind == "near 1":
        return 1.0 + rng.standard_normal(n) * 10.0 ** rng.uniform(-16, -1, n)
    if kind == "any size":
        return np.exp(rng.uniform(-700, 700, n))
    if kind == "powers of two and neighbours":
        powers = np.ldexp(1.0, rng.integers(-1020, 1020, n // 3))
        return np.concatenate([powers, np.nextafter(powers, 0), np.nextafter(powers, np.inf)])
    # next to the edges of the table's cells (multiples of 2**-9 and 2**-8 of the mantissa)
    exponent = rng.integers(-60, 60, n)
    edges = np.ldexp(rng.integers(256, 1024, n) / 512.0, exponent)
    return np.nextafter(edges, rng.choice([0.0, np.inf], n))


@pytest.mark.parametrize(
    "kind",
    ["normal's u1", "near 1", "any size", "powers of two and neighbours", "cell edges"],
)
def test_libm_log_is_math_log_bit_for_bit(kind: str) -> None:
    x = _inputs(kind, np.random.default_rng(len(kind)))
    x = x[(x >= np.finfo(np.float64).tiny) & np.isfinite(x)]
    assert np.array_equal(libm_log(x).view(np.int64), _libm(x).view(np.int64))


def test_the_double_double_is_within_2_to_the_minus_60() -> None:
    # hi + lo against log x to 40 digits: the error must stay far below the 0.035 ulp
    # margin that decides which elements go to math.log.
    rng = np.random.default_rng(0)
    x = np.concatenate(
        [
            1.0 - rng.integers(1, 2**53, 300) * 2.0**-53,
            1.0 + np.ldexp(rng.uniform(-1, 1, 100), -rng.integers(1, 50, 100)),
            np.exp(rng.uniform(-700, 700, 100)),
        ]
    )
    hi, lo = log_double_double(x)
    with localcontext() as context:
        context.prec = 40
        for value, h, low in zip(x.tolist(), hi.tolist(), lo.tolist(), strict=True):
            exact = Decimal(value).ln()
            assert abs(Decimal(h) + Decimal(low) - exact) <= abs(exact) * Decimal(2) ** -60
