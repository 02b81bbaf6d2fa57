"""``arraygrad.testing``: PyTorch's ``torch.testing`` (:func:`assert_close`, :func:`make_tensor`).

:func:`assert_close` compares tensors, NumPy arrays, Python numbers and booleans, ``None``, and
sequences and mappings of them element by element, with torch 2.13's default tolerances per
dtype, its checks and its messages (tensors are named with arraygrad's dtypes and sizes)::

    >>> import arraygrad
    >>> from arraygrad.testing import assert_close
    >>> assert_close(arraygrad.tensor([1.0, 2.0]), arraygrad.tensor([1.0, 2.0 + 1e-6]))
    >>> assert_close(arraygrad.tensor([1.0, 2.0, 3.0]), arraygrad.tensor([1.0, 2.5, 3.0]))
    Traceback (most recent call last):
    ...
    AssertionError: Tensor-likes are not close!
    <BLANKLINE>
    Mismatched elements: 1 / 3 (33.3%)
    Greatest absolute difference: 0.5 at index (1,) (up to 1e-05 allowed)
    Greatest relative difference: 0.20000000298023224 at index (1,) (up to 1.3e-06 allowed)
"""

from __future__ import annotations

import cmath as _cmath
import contextlib as _contextlib
import math as _math
import warnings as _warnings
from collections import abc as _abc
from collections.abc import Callable as _Callable
from typing import TYPE_CHECKING

from arraygrad import _backend, _dtype
from arraygrad._grad_mode import no_grad as _no_grad
from arraygrad._tensor import Tensor as _Tensor

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any, NoReturn

    from arraygrad._tensor import Tensor

__all__ = ["assert_allclose", "assert_close", "make_tensor"]

_Message = str | _Callable[[str], str] | None

# torch's {dtype: (rtol, atol)}; every other dtype (integers, bool) is compared exactly
_DTYPE_PRECISIONS = {
    _dtype.float16: (0.001, 1e-5),
    _dtype.float32: (1.3e-6, 1e-5),
    _dtype.float64: (1e-7, 1e-7),
}
# the dtype that gives a Python number its tolerances, as torch's NumberPair maps them
_NUMBER_PRECISIONS = {int: (0.0, 0.0), float: (1e-7, 1e-7), complex: (1e-7, 1e-7)}


class _Failure(Exception):  # noqa: N818 - a failure found, raised as its error by assert_close
    """A failed comparison: the exception class and message to raise, and where it happened."""

    def __init__(self, kind: type[Exception], msg: str, *, id: tuple[Any, ...] = ()) -> None:
        super().__init__(msg)
        self.kind, self.msg, self.id = kind, msg, id

    def to_error(self, msg: _Message = None) -> Exception:
        if not isinstance(msg, str):
            generated = self.msg
            if self.id:
                where = "".join(str([item]) for item in self.id)
                generated += f"\n\nThe failure occurred for item {where}"
            msg = msg(generated) if callable(msg) else generated
        return self.kind(msg)


class _Unsupported(Exception):  # noqa: N818 - a signal between pairs, not an error
    """This kind of pair cannot compare these inputs: the next one is tried."""


def _tolerances(
    precisions: Sequence[tuple[float, float]],
    rtol: float | None,
    atol: float | None,
    id: tuple[Any, ...],
) -> tuple[float, float]:
    if (rtol is None) ^ (atol is None):
        # both or neither: atol=0 alone would still pass values within the default rtol
        raise _Failure(
            ValueError,
            "Both 'rtol' and 'atol' must be either specified or omitted, "
            f"but got no {'rtol' if rtol is None else 'atol'}.",
            id=id,
        )
    if rtol is not None and atol is not None:
        return rtol, atol
    return max(p[0] for p in precisions), max(p[1] for p in precisions)


def _mismatch_msg(
    identifier: str,
    extra: str,
    abs_diff: Any,
    abs_idx: tuple[int, ...] | None,
    atol: float,
    rel_diff: Any,
    rel_idx: tuple[int, ...] | None,
    rtol: float,
) -> str:
    equality = rtol == 0 and atol == 0

    def line(kind: str, diff: Any, idx: tuple[int, ...] | None, tol: float) -> str:
        text = (
            f"{kind.title()} difference: {diff}"
            if idx is None
            else f"Greatest {kind} difference: {diff} at index {idx}"
        )
        return text + ("" if equality else f" (up to {tol} allowed)") + "\n"

    msg = f"{identifier} are not {'equal' if equality else 'close'}!\n\n{extra.strip()}\n"
    msg += line("absolute", abs_diff, abs_idx, atol)
    msg += line("relative", rel_diff, rel_idx, rtol)
    return msg.strip()


def _scalar_mismatch_msg(actual: Any, expected: Any, rtol: float, atol: float) -> str:
    abs_diff = abs(actual - expected)
    rel_diff = float("inf") if expected == 0 else abs_diff / abs(expected)
    extra = f"Expected {expected} but got {actual}."
    return _mismatch_msg("Scalars", extra, abs_diff, None, atol, rel_diff, None, rtol)


def _unravel(flat: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    index = []
    for size in reversed(shape):
        flat, mod = divmod(flat, size)
        index.append(mod)
    return tuple(reversed(index))


def _tensor_mismatch_msg(
    actual: Tensor, expected: Tensor, matches: Tensor, rtol: float, atol: float
) -> str:
    total = matches.numel()
    mismatches = total - int(matches.sum().item())
    extra = f"Mismatched elements: {mismatches} / {total} ({mismatches / total:.1%})"
    a, e, m = actual.flatten(), expected.flatten(), matches.flatten()
    if not a.dtype.is_floating_point:
        # integers and booleans: differences in int64, as torch (no wrap-around in uint8)
        a, e = a.to(_dtype.int64), e.to(_dtype.int64)
    abs_diff = (a - e).abs()
    abs_diff[m] = 0  # only mismatches count
    max_abs, abs_at = abs_diff.max(0)
    rel_diff = abs_diff / e.abs()
    rel_diff[m] = 0
    max_rel, rel_at = rel_diff.max(0)
    shape = tuple(matches.shape)
    return _mismatch_msg(
        "Tensor-likes",
        extra,
        max_abs.item(),
        _unravel(int(abs_at.item()), shape),
        atol,
        max_rel.item(),
        _unravel(int(rel_at.item()), shape),
        rtol,
    )


def _as_python_scalar(value: Any) -> Any:
    # NumPy scalars (np.float32(1.0), np.bool_(True)) compare as the Python values they hold
    return value.item() if _backend.is_numpy_scalar(value) else value


# Each pair below is torch's: called with the inputs (origination), it raises _Unsupported
# when it cannot compare them, _Failure for a bad option, or returns the comparison to run.
_Check = _Callable[[], None]


def _none_pair(actual: Any, expected: Any, id: tuple[Any, ...], **_: Any) -> _Check:
    if not (actual is None or expected is None):
        raise _Unsupported

    def check() -> None:
        if not (actual is None and expected is None):
            raise _Failure(AssertionError, f"None mismatch: {actual} is not {expected}", id=id)

    return check


def _bool_pair(actual: Any, expected: Any, id: tuple[Any, ...], **_: Any) -> _Check:
    actual, expected = _as_python_scalar(actual), _as_python_scalar(expected)
    if not (isinstance(actual, bool) and isinstance(expected, bool)):
        raise _Unsupported

    def check() -> None:
        if actual is not expected:
            raise _Failure(AssertionError, f"Booleans mismatch: {actual} is not {expected}", id=id)

    return check


def _number_pair(
    actual: Any,
    expected: Any,
    id: tuple[Any, ...],
    rtol: float | None,
    atol: float | None,
    equal_nan: bool,
    check_dtype: bool,
    **_: Any,
) -> _Check:
    actual, expected = _as_python_scalar(actual), _as_python_scalar(expected)
    numbers = (int, float, complex)
    if not (isinstance(actual, numbers) and isinstance(expected, numbers)):
        raise _Unsupported
    if type(actual) not in numbers or type(expected) not in numbers:
        # a bool against a number: torch's NumberPair fails on it with a RuntimeError too
        where = "".join(str([item]) for item in id)
        raise _Failure(
            RuntimeError,
            f"Originating a NumberPair() at item {where} with\n\n"
            f"{type(actual).__name__}(): {actual}\n\nand\n\n"
            f"{type(expected).__name__}(): {expected}\n\nfailed: a bool compares only with a "
            "bool.",
        )
    rtol, atol = _tolerances(
        [_NUMBER_PRECISIONS[type(actual)], _NUMBER_PRECISIONS[type(expected)]], rtol, atol, id
    )

    def check() -> None:
        if check_dtype and type(actual) is not type(expected):
            raise _Failure(
                AssertionError,
                f"The (d)types do not match: {type(actual)} != {type(expected)}.",
                id=id,
            )
        if actual == expected:
            return
        if equal_nan and _cmath.isnan(actual) and _cmath.isnan(expected):
            return
        abs_diff = abs(actual - expected)
        if _cmath.isfinite(abs_diff) and abs_diff <= atol + rtol * abs(expected):
            return
        msg = _scalar_mismatch_msg(actual, expected, rtol, atol)
        raise _Failure(AssertionError, msg, id=id)

    return check


def _to_tensor(value: Any) -> Tensor:
    if isinstance(value, _Tensor):
        return value.detach()
    from arraygrad._creation import as_tensor  # _creation builds on this module's peers

    try:
        return as_tensor(value)
    except Exception as error:  # anything as_tensor refuses is not a tensor-like
        raise _Unsupported from error


def _tensor_pair(
    actual: Any,
    expected: Any,
    id: tuple[Any, ...],
    allow_subclasses: bool,
    rtol: float | None,
    atol: float | None,
    equal_nan: bool,
    check_device: bool,
    check_dtype: bool,
    check_layout: bool,
    check_stride: bool,
) -> _Check:
    # torch compares only "directly related" types: a tensor with a tensor, an array with an
    # array; a tensor against a list or a number is no pair
    if not (isinstance(actual, type(expected)) or isinstance(expected, type(actual))):
        raise _Unsupported
    if not allow_subclasses and type(actual) is not type(expected):
        raise _Unsupported
    a, e = _to_tensor(actual), _to_tensor(expected)
    rtol, atol = _tolerances(
        [_DTYPE_PRECISIONS.get(t.dtype, (0.0, 0.0)) for t in (a, e)], rtol, atol, id
    )

    def mismatch(attribute: str, left: Any, right: Any) -> NoReturn:
        raise _Failure(
            AssertionError,
            f"The values for attribute '{attribute}' do not match: {left} != {right}.",
            id=id,
        )

    def check() -> None:
        if a.shape != e.shape:
            mismatch("shape", a.shape, e.shape)
        # every arraygrad tensor is strided: the layouts always match (check_layout is moot)
        if check_stride and a.stride() != e.stride():
            mismatch("stride()", a.stride(), e.stride())
        if check_device and a.device != e.device:
            mismatch("device", a.device, e.device)
        if check_dtype and a.dtype != e.dtype:
            mismatch("dtype", a.dtype, e.dtype)
        with _no_grad():
            _compare_values(a, e, rtol, atol, equal_nan, id)

    return check


def _compare_values(
    a: Tensor, e: Tensor, rtol: float, atol: float, equal_nan: bool, id: tuple[Any, ...]
) -> None:
    from arraygrad._comparison import isclose
    from arraygrad._dtype import promote_types

    if a.dtype != e.dtype:  # check_dtype=False: compare in the promoted dtype
        common = promote_types(a.dtype, e.dtype)
        a, e = a.to(common), e.to(common)
    matches = isclose(a, e, rtol=rtol, atol=atol, equal_nan=equal_nan)
    if bool(matches.all().item()):
        return
    if a.dim() == 0:
        msg = _scalar_mismatch_msg(a.item(), e.item(), rtol, atol)
    else:
        msg = _tensor_mismatch_msg(a, e, matches, rtol, atol)
    raise _Failure(AssertionError, msg, id=id)


_PAIRS = (_none_pair, _bool_pair, _number_pair, _tensor_pair)


def _originate(
    actual: Any, expected: Any, id: tuple[Any, ...], options: dict[str, Any]
) -> list[_Check]:
    """The comparisons to run, recursing through sequences and mappings as torch does; errors
    in the structure (lengths, keys, inputs no pair takes, bad tolerances) raise here, before
    any value is compared."""
    sequence, mapping = _abc.Sequence, _abc.Mapping
    # strings are sequences of strings: recursing into them would never end
    if (
        isinstance(actual, sequence)
        and not isinstance(actual, str)
        and isinstance(expected, sequence)
        and not isinstance(expected, str)
    ):
        if len(actual) != len(expected):
            raise _Failure(
                AssertionError,
                f"The length of the sequences mismatch: {len(actual)} != {len(expected)}",
                id=id,
            )
        checks: list[_Check] = []
        for index in range(len(actual)):
            checks += _originate(actual[index], expected[index], (*id, index), options)
        return checks
    if isinstance(actual, mapping) and isinstance(expected, mapping):
        actual_keys, expected_keys = set(actual.keys()), set(expected.keys())
        if actual_keys != expected_keys:
            raise _Failure(
                AssertionError,
                "The keys of the mappings do not match:\n"
                f"Missing keys in the actual mapping: {sorted(expected_keys - actual_keys)}\n"
                f"Additional keys in the actual mapping: {sorted(actual_keys - expected_keys)}",
                id=id,
            )
        keys: Any = actual_keys
        # a deterministic order where the keys sort, as torch; mixed keys keep the set's order
        with _contextlib.suppress(Exception):
            keys = sorted(keys)
        checks = []
        for key in keys:
            checks += _originate(actual[key], expected[key], (*id, key), options)
        return checks
    for pair in _PAIRS:
        try:
            return [pair(actual, expected, id, **options)]
        except _Unsupported:
            continue
    raise _Failure(
        TypeError,
        "No comparison pair was able to handle inputs of type "
        f"{type(actual)} and {type(expected)}.",
        id=id,
    )


def assert_close(
    actual: Any,
    expected: Any,
    *,
    allow_subclasses: bool = True,
    rtol: float | None = None,
    atol: float | None = None,
    equal_nan: bool = False,
    check_device: bool = True,
    check_dtype: bool = True,
    check_layout: bool = True,
    check_stride: bool = False,
    msg: _Message = None,
) -> None:
    """Assert that ``actual`` and ``expected`` are close: ``|actual - expected| <= atol + rtol *
    |expected|`` element-wise, ``inf`` only close to itself, ``NaN`` to ``NaN`` only with
    ``equal_nan``; tensors must also agree in shape, dtype, device (and strides with
    ``check_stride``). Without ``rtol`` and ``atol`` (give both or neither) the tolerances are
    the loosest of the two dtypes': float16 1e-3 / 1e-5, float32 1.3e-6 / 1e-5, float64 and
    Python floats 1e-7 / 1e-7, integers and booleans exact. ``msg`` replaces the message, or
    (a callable) receives it and returns the new one.

    >>> import arraygrad
    >>> assert_close({"w": [1.0, 2.0]}, {"w": [1.0, 2.5]})
    Traceback (most recent call last):
    ...
    AssertionError: Scalars are not close!
    <BLANKLINE>
    Expected 2.5 but got 2.0.
    Absolute difference: 0.5 (up to 1e-07 allowed)
    Relative difference: 0.2 (up to 1e-07 allowed)
    <BLANKLINE>
    The failure occurred for item ['w'][1]
    """
    __tracebackhide__ = True  # pytest shows the caller's line, not this function's
    options = {
        "allow_subclasses": allow_subclasses,
        "rtol": rtol,
        "atol": atol,
        "equal_nan": equal_nan,
        "check_device": check_device,
        "check_dtype": check_dtype,
        "check_layout": check_layout,
        "check_stride": check_stride,
    }
    try:
        checks = _originate(actual, expected, (), options)
    except _Failure as error:
        raise error.to_error() from None  # as torch: ``msg`` is only for failed comparisons
    for check in checks:
        try:
            check()
        except _Failure as error:
            raise error.to_error(msg) from None


def assert_allclose(
    actual: Any,
    expected: Any,
    rtol: float | None = None,
    atol: float | None = None,
    equal_nan: bool = True,
    msg: str = "",
) -> None:
    """Deprecated (torch warns with a ``FutureWarning``): :func:`assert_close` with looser
    defaults (float16 1e-3 / 1e-3, float32 1e-4 / 1e-5, float64 1e-5 / 1e-8), ``equal_nan=True``
    and no dtype check; non-tensors are converted, ``expected`` to ``actual``'s dtype."""
    _warnings.warn(
        "`torch.testing.assert_allclose()` is deprecated since 1.12 and will be removed in a "
        "future release. Please use `torch.testing.assert_close()` instead. You can find "
        "detailed upgrade instructions in https://github.com/pytorch/pytorch/issues/61844.",
        FutureWarning,
        stacklevel=2,
    )
    from arraygrad._creation import tensor

    if not isinstance(actual, _Tensor):
        actual = tensor(actual)
    if not isinstance(expected, _Tensor):
        expected = tensor(expected, dtype=actual.dtype)
    if rtol is None and atol is None:
        loose = {
            _dtype.float16: (1e-3, 1e-3),
            _dtype.float32: (1e-4, 1e-5),
            _dtype.float64: (1e-5, 1e-8),
        }
        rtol, atol = _tolerances(
            [loose.get(t.dtype, (0.0, 0.0)) for t in (actual, expected)], None, None, ()
        )
    assert_close(
        actual,
        expected,
        rtol=rtol,
        atol=atol,
        equal_nan=equal_nan,
        check_device=True,
        check_dtype=False,
        check_stride=False,
        msg=msg or None,
    )


_INTEGRAL = (_dtype.uint8, _dtype.int8, _dtype.int16, _dtype.int32, _dtype.int64)
_FLOATING = (_dtype.float16, _dtype.float32, _dtype.float64)


def make_tensor(
    *shape: int | Sequence[int],
    dtype: Any,
    device: Any,
    low: float | None = None,
    high: float | None = None,
    requires_grad: bool = False,
    noncontiguous: bool = False,
    exclude_zero: bool = False,
    memory_format: Any = None,
) -> Tensor:
    """A tensor of ``shape`` with values drawn uniformly from ``[low, high)`` by the global
    generator, as ``torch.testing.make_tensor``: by default ``[-9, 9)`` for floats, ``[-9, 10)``
    for signed integers, ``[0, 10)`` for ``uint8``, ``[0, 2)`` for ``bool``; bounds beyond the
    dtype's range are clamped to it (integer bounds rounded up). ``noncontiguous`` returns a
    strided view (tensors of two elements or more), ``exclude_zero`` replaces zeros by 1 (integers,
    bools) or the dtype's ``tiny``.

    >>> import arraygrad
    >>> t = make_tensor(2, 3, dtype=arraygrad.int64, device="cpu", low=0, high=5)
    >>> t.shape, bool(((t >= 0) & (t < 5)).all())
    (arraygrad.Size([2, 3]), True)
    """
    from arraygrad import _creation, _random_creation
    from arraygrad._info import finfo, iinfo

    def bounds(
        low: float | None,
        high: float | None,
        lowest: float,
        highest: float,
        default: tuple[int, int],
    ) -> tuple[Any, Any]:
        low = default[0] if low is None else low
        high = default[1] if high is None else high
        if any(isinstance(v, float) and _math.isnan(v) for v in (low, high)):
            raise ValueError(f"`low` and `high` cannot be NaN, but got {low=} and {high=}")
        if low == high and dtype in _FLOATING:
            _warnings.warn(
                "Passing `low==high` to `torch.testing.make_tensor` for floating or complex "
                "types is deprecated since 2.1 and will be removed in 2.3. Use `torch.full(...)` "
                "instead.",
                FutureWarning,
                stacklevel=3,
            )
        elif low >= high:
            raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
        elif high < lowest or low >= highest:
            raise ValueError(
                f"The value interval specified by `low` and `high` is [{low}, {high}), but "
                f"{dtype} only supports [{lowest}, {highest})"
            )
        low, high = min(max(low, lowest), highest), min(max(high, lowest), highest)
        if dtype not in _FLOATING:
            # low up, to stay inside the interval; high up too, as randint excludes it
            return _math.ceil(low), _math.ceil(high)
        return low, high

    if len(shape) == 1 and isinstance(shape[0], _abc.Sequence):
        shape = tuple(shape[0])
    size: tuple[int, ...] = tuple(shape)  # type: ignore[arg-type]
    if noncontiguous and memory_format is not None:
        raise ValueError(
            "The parameters `noncontiguous` and `memory_format` are mutually exclusive, but got "
            f"{noncontiguous=} and {memory_format=}"
        )
    if requires_grad and dtype not in _FLOATING:
        raise ValueError(
            "`requires_grad=True` is not supported for boolean and integral dtypes, but got "
            f"{dtype=}"
        )
    noncontiguous = noncontiguous and _math.prod(size) > 1
    if noncontiguous:  # twice as wide, every other element: a strided view, offset by one
        size = (*size[:-1], 2 * size[-1])
    if dtype is _dtype.bool_:
        lo, hi = bounds(low, high, 0, 2, (0, 2))
        result = _random_creation.randint(lo, hi, size, dtype=dtype, device=device)
    elif dtype in _INTEGRAL:
        info = iinfo(dtype)
        # randint cannot draw int64's maximum: its exclusive bound would overflow
        highest = info.max + (1 if dtype is not _dtype.int64 else 0)
        lo, hi = bounds(low, high, info.min, highest, (-9, 10))
        result = _random_creation.randint(lo, hi, size, dtype=dtype, device=device)
    elif dtype in _FLOATING:
        limits = finfo(dtype)
        lo, hi = bounds(low, high, limits.min, limits.max, (-9, 9))
        result = _creation.empty(size, dtype=dtype, device=device)
        if hi - lo >= limits.max:  # uniform_ needs a finite width: draw half of it, doubled
            result.uniform_(lo / 2, hi / 2).mul_(2)
        else:
            result.uniform_(lo, hi)
    else:
        raise TypeError(
            f"The requested dtype '{dtype}' is not supported by torch.testing.make_tensor(). To "
            "request support, file an issue at: https://github.com/pytorch/pytorch/issues"
        )
    if noncontiguous:
        result = result[..., 1::2]
    elif memory_format is not None:
        result = result.contiguous(memory_format=memory_format)
    if exclude_zero:
        result[result == 0] = 1 if dtype not in _FLOATING else finfo(dtype).tiny
    if dtype in _FLOATING:
        result.requires_grad = requires_grad
    return result
