"""Element-wise primitives without a gradient: predicates and comparisons (bool outputs), the
bitwise operators, and the integer-valued ``gcd`` and ``frexp_exponent``. Each is one
statement; what PyTorch computes beyond the array library's operator is written beside it.
"""

from __future__ import annotations

from typing import Any

from arraygrad._primitive import Primitive

# Not differentiable: their outputs are bool.
isnan = Primitive("isnan", forward=lambda xp, x: xp.isnan(x), vjp=None)
isinf = Primitive("isinf", forward=lambda xp, x: xp.isinf(x), vjp=None)
signbit = Primitive("signbit", forward=lambda xp, x: xp.signbit(x), vjp=None)
isfinite = Primitive("isfinite", forward=lambda xp, x: xp.isfinite(x), vjp=None)
equal = Primitive("eq", forward=lambda xp, x, y: x == y, vjp=None)
not_equal = Primitive("ne", forward=lambda xp, x, y: x != y, vjp=None)
less = Primitive("lt", forward=lambda xp, x, y: x < y, vjp=None)
less_equal = Primitive("le", forward=lambda xp, x, y: x <= y, vjp=None)
greater = Primitive("gt", forward=lambda xp, x, y: x > y, vjp=None)
greater_equal = Primitive("ge", forward=lambda xp, x, y: x >= y, vjp=None)
bitwise_and = Primitive("bitwise_and", forward=lambda xp, x, y: x & y, vjp=None)
bitwise_or = Primitive("bitwise_or", forward=lambda xp, x, y: x | y, vjp=None)
bitwise_xor = Primitive("bitwise_xor", forward=lambda xp, x, y: x ^ y, vjp=None)
bitwise_invert = Primitive("bitwise_not", forward=lambda xp, x: ~x, vjp=None)
bitwise_left_shift = Primitive("lshift", forward=lambda xp, x, y: x << y, vjp=None)
bitwise_right_shift = Primitive("rshift", forward=lambda xp, x, y: x >> y, vjp=None)


def _gcd(xp: Any, x: Any, y: Any) -> Any:
    # Euclid's algorithm on whole arrays: (x, y) -> (y, x mod y) where y != 0, until y is 0
    # everywhere; at most about 90 rounds for int64. The number of rounds depends on the
    # values, so it is one primitive: arraygrad.compile replays the whole loop.
    x, y = xp.broadcast_arrays(xp.abs(x), xp.abs(y))
    zero = xp.zeros_like(y)
    while bool(xp.any(y != zero)):
        active = y != zero
        divisor = xp.where(active, y, xp.ones_like(y))
        x, y = xp.where(active, y, x), xp.where(active, _truncated_remainder(xp, x, divisor), zero)
    return x


def _truncated_remainder(xp: Any, x: Any, y: Any) -> Any:
    # C's x % y, with the sign of x. It matters only for the dtype's minimum, whose abs stays
    # negative: PyTorch's gcd(int8 -128, 72) is -8, where a floored remainder would give 8.
    r = xp.remainder(x, y)
    wrong_sign = (r != xp.zeros_like(r)) & ((r < xp.zeros_like(r)) != (x < xp.zeros_like(x)))
    return xp.where(wrong_sign, r - y, r)


def _frexp_exponent(xp: Any, x: Any) -> Any:
    # The int32 exponents e with |x| = m * 2**e, 0.5 <= |m| < 1 (0 for 0, inf and nan).
    if hasattr(xp, "frexp"):  # NumPy's, exact
        return xp.astype(xp.frexp(x)[1], xp.int32)
    # The Array API has no frexp: floor(log2|x|) + 1, then one step either way where log2 rounded
    # across a power of two. The powers 2**(e - 1) and 2**e stay representable (or overflow to
    # inf, which compares correctly) for every finite x.
    finite = xp.isfinite(x) & (x != 0)
    size = xp.where(finite, xp.abs(x), xp.ones_like(x))
    exponent = xp.floor(xp.log2(size)) + 1
    exponent = xp.where(size < xp.pow(2.0, exponent - 1), exponent - 1, exponent)
    exponent = xp.where(size >= xp.pow(2.0, exponent), exponent + 1, exponent)
    return xp.astype(xp.where(finite, exponent, xp.zeros_like(exponent)), xp.int32)


# Not differentiable: integer outputs.
gcd = Primitive("gcd", forward=_gcd, vjp=None)
frexp_exponent = Primitive("frexp_exponent", forward=_frexp_exponent, vjp=None)

__all__ = [
    "bitwise_and",
    "bitwise_invert",
    "bitwise_left_shift",
    "bitwise_or",
    "bitwise_right_shift",
    "bitwise_xor",
    "equal",
    "frexp_exponent",
    "gcd",
    "greater",
    "greater_equal",
    "isfinite",
    "isinf",
    "isnan",
    "less",
    "less_equal",
    "not_equal",
    "signbit",
]
