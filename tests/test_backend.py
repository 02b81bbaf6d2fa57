"""The NumPy backend's fast paths give exactly NumPy's results."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import arraygrad
from arraygrad import _backend
from arraygrad._backend import spellings


def _special_values(dtype: type) -> np.ndarray:
    rng = np.random.default_rng(0)
    values = rng.standard_normal((6, 7)).astype(dtype)
    values[0, 0], values[1, 1], values[2, 2], values[3, 3] = np.nan, np.inf, -0.0, -np.inf
    return values


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("zero", [0, 0.0, -0.0])  # -0.0 is NumPy's own where: bits differ
@pytest.mark.parametrize("transpose", [False, True])
def test_masking_where_is_bit_identical_to_numpy(dtype: type, zero: float, transpose: bool) -> None:
    # (tiled past the size below which NumPy's where serves: the bit masking's calls cost more)
    values = np.tile(_special_values(dtype), (10, 10))
    mask = np.random.default_rng(1).random(values.shape) > 0.5
    mask[0, 0] = mask[1, 1] = False  # NaN and inf where masked out: 0, not NaN
    if transpose:  # not contiguous
        values, mask = values.T, mask.T
    for args in ((mask, values, zero), (mask, zero, values)):
        got = _backend.xp.where(*args)
        expected = np.where(*args)
        assert got.dtype == expected.dtype and got.shape == expected.shape
        assert got.strides == expected.strides
        assert np.ascontiguousarray(got).tobytes() == np.ascontiguousarray(expected).tobytes()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("pattern", ["random", "all", "none", "halves"])
def test_where_of_two_large_arrays_is_bit_identical_to_numpy(dtype: type, pattern: str) -> None:
    # The bit blend of two arrays of the mask's shape: every bit of the chosen value, NaN
    # payloads and signs, -0.0 and inf included, and NumPy's layout.
    rng = np.random.default_rng(3)
    shape = (37, 101)  # past the blend's minimum size, and not a multiple of a vector
    first = rng.standard_normal(shape).astype(dtype)
    second = rng.standard_normal(shape).astype(dtype)
    bits = first.view(np.int32 if dtype is np.float32 else np.int64).reshape(-1)
    bits[:4] |= -1  # NaNs with every payload bit and the sign set
    first.reshape(-1)[4:8] = [-0.0, np.inf, -np.inf, np.nan]
    second.reshape(-1)[:8] = [np.nan, -np.nan, -0.0, 0.0, -0.0, np.nan, 1.0, -np.inf]
    mask = {
        "random": rng.random(shape) > 0.5,
        "all": np.ones(shape, bool),
        "none": np.zeros(shape, bool),
        "halves": np.arange(first.size).reshape(shape) % 2 == 0,
    }[pattern]
    got = _backend.xp.where(mask, first, second)
    expected = np.where(mask, first, second)
    assert got.__class__ is np.ndarray and got.dtype == expected.dtype
    assert got.shape == expected.shape and got.strides == expected.strides
    assert got.tobytes() == expected.tobytes()


@pytest.mark.parametrize(
    "case", ["transposed", "broadcast_row", "broadcast_mask", "mixed_dtypes", "int64", "small"]
)
def test_where_of_arrays_the_blend_does_not_take_is_numpys(case: str) -> None:
    # Layouts, shapes and dtypes the blend leaves to NumPy give NumPy's array, strides included.
    rng = np.random.default_rng(4)
    first = rng.standard_normal((64, 96))
    second = rng.standard_normal((64, 96))
    mask = rng.random((64, 96)) > 0.5
    if case == "transposed":
        args = (mask.T, first.T, second.T)
    elif case == "broadcast_row":
        args = (mask, first, second[:1])
    elif case == "broadcast_mask":
        args = (mask[:1], first, second)
    elif case == "mixed_dtypes":
        args = (mask, first.astype(np.float32), second)
    elif case == "int64":
        args = (mask, (first * 100).astype(np.int64), (second * 100).astype(np.int64))
    else:
        args = (mask[:4, :4], first[:4, :4], second[:4, :4])
    got, expected = _backend.xp.where(*args), np.where(*args)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    assert got.strides == expected.strides and got.tobytes() == expected.tobytes()


def test_where_other_forms_are_numpy_where() -> None:
    mask = np.array([True, False, True])
    values = np.array([1.0, 2.0, 3.0])
    # A non-zero fill, two arrays, an integer array, a broadcast mask: NumPy's own where.
    assert _backend.xp.where(mask, values, 5.0).tolist() == [1.0, 5.0, 3.0]
    assert _backend.xp.where(mask, values, -values).tolist() == [1.0, -2.0, 3.0]
    assert _backend.xp.where(mask, np.array([1, 2, 3]), 0).tolist() == [1, 0, 3]
    assert _backend.xp.where(np.array(True), values, 0.0).tolist() == [1.0, 2.0, 3.0]
    # 0-d operands give a 0-d array, as np.where does (never a NumPy scalar).
    zero_d = _backend.xp.where(np.array(False), np.array(2.0), 0.0)
    assert zero_d.__class__ is np.ndarray and zero_d.shape == () and zero_d == 0.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_scalar_operands_give_numpys_results(dtype: type) -> None:
    x = _special_values(dtype)
    for value in (0.1, -2.5, 1e-30, 3e38, 1e300, 0.0, -0.0, float("nan"), float("inf")):
        operand = _backend.scalar_operand(value, x)
        with np.errstate(all="ignore"):
            for op in (np.add, np.subtract, np.multiply, np.divide):
                got, expected = op(x, operand), op(x, value)
                assert got.dtype == expected.dtype
                assert got.tobytes() == expected.tobytes(), (op, value)


def test_scalar_operands_are_cached_read_only_and_bounded() -> None:
    x = np.ones(3, np.float32)
    first = _backend.scalar_operand(0.25, x)
    assert first is _backend.scalar_operand(0.25, x) and first.dtype == np.float32
    assert not first.flags.writeable
    # Zero keeps its sign as a Python float; other dtypes and libraries are left alone.
    assert _backend.scalar_operand(-0.0, x).__class__ is float
    assert _backend.scalar_operand(0.25, np.ones(3, np.int64)).__class__ is float
    assert _backend.scalar_operand(1e39, x).__class__ is float  # would overflow float32
    for step in range(1000):
        _backend.scalar_operand(1.0 + step, x)
    assert len(_backend.writes._scalar_arrays) <= 256


def test_scalar_operands_keep_graphs_and_pictures_in_python_numbers() -> None:
    w = arraygrad.tensor([1.0, 2.0], requires_grad=True)
    out = w * 0.5
    assert out._node.inputs[1] == 0.5 and out._node.inputs[1].__class__ is float
    out.sum().backward()
    assert w.grad.tolist() == [0.5, 0.5]


SLAB = _backend.SLAB  # elements per slab of subtract_scaled_into


def _operands(dtype: type, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(2)
    target = rng.standard_normal(shape).astype(dtype)
    values = rng.standard_normal(shape).astype(dtype)
    if target.size > 3:  # special values, where the slabs are (the start, across a slab end)
        flat_t, flat_v = target.reshape(-1), values.reshape(-1)
        flat_t[:3] = np.nan, np.inf, -0.0
        flat_v[-3:] = -np.inf, -0.0, np.nan
        flat_v[min(_backend.SLAB, values.size - 4)] = 1e30
    return target, values


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "shape",
    [(), (0,), (3, 0), (5,), (SLAB,), (SLAB + 1,), (3, SLAB // 3 + 5), (2 * SLAB + 7_000,)],
    ids=str,
)
def test_subtract_scaled_into_is_target_minus_scale_times_values(dtype, shape) -> None:
    for scale in (0.1, -0.37, 1.0, 1e-3, 2, 1e39):
        target, values = _operands(dtype, shape)
        with np.errstate(all="ignore"):
            expected = target - scale * values  # NumPy applies the float at the array's dtype
            memory = target.__array_interface__["data"][0]
            _backend.subtract_scaled_into(target, scale, values)
        assert _same_bits(target, expected), scale
        assert target.__array_interface__["data"][0] == memory  # written in place


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_subtract_scaled_into_other_layouts_and_broadcasts(dtype) -> None:
    target, values = _operands(dtype, (300, 300))  # more than one slab

    def check(t: np.ndarray, v: np.ndarray) -> None:
        expected = t - 0.3 * v
        _backend.subtract_scaled_into(t, 0.3, v)
        assert _same_bits(t, expected)

    with np.errstate(all="ignore"):
        check(np.asfortranarray(target), np.asfortranarray(values))  # both F: slabs
        check(target.copy(), values.T.copy().T)  # C target, F values: done whole
        check(target.copy()[:, ::2], values[:, 1::2])  # neither contiguous
        check(target.copy(), values[0])  # broadcast row
        check(target.copy(), values[:, :1])  # broadcast column
        check(target.copy(), np.float32(0.5))  # a NumPy scalar
        t = target.copy()
        check(t, t)  # values is the target itself
        # Overlapping, shifted: computed whole, as NumPy would with a temporary.
        t = target.copy().reshape(-1)
        expected = t[1:] - 0.3 * t[:-1]
        _backend.subtract_scaled_into(t[1:], 0.3, t[:-1])
        assert _same_bits(t[1:], expected)
    with pytest.raises(ValueError):
        _backend.subtract_scaled_into(target[0], 0.3, values)  # does not fit the target


def test_subtract_scaled_into_makes_no_full_size_temporary() -> None:
    import tracemalloc

    target, values = _operands(np.float32, (784, 256))
    tracemalloc.start()
    try:
        _backend.subtract_scaled_into(target, 0.1, values)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # One slab of float32 (256 KiB) and small change, against the target's 784 KiB.
    assert peak < SLAB * 4 + 64 * 1024, peak


def test_add_scaled_quotient_into_makes_one_temporary_up_to_a_slab() -> None:
    import tracemalloc

    # A 256 x 256 float32 parameter (one slab: done whole): the scaled numerator and the
    # quotient were two temporaries alive at once (an Adagrad step took ~13% more CPU time
    # than with the one it needs).
    target, numerator = _operands(np.float32, (256, 256))
    denominator = np.abs(numerator) + 1
    tracemalloc.start()
    try:
        _backend.add_scaled_quotient_into(target, -0.01, numerator, denominator)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < target.nbytes + 64 * 1024, peak
    # The result stays PyTorch's addcdiv, (scale * numerator) / denominator, on every path:
    # whole arrays, slabs, and operands that broadcast or have another dtype.
    for dtype in (np.float32, np.float64):
        for shape in [(), (5,), (256, 256), (SLAB + 7,)]:
            for scale in (-0.01, 0.37, np.asarray(-1e-3, dtype=dtype)):
                target, numerator = _operands(dtype, shape)
                rng = np.random.default_rng(3)
                denominator = np.abs(rng.standard_normal(shape)).astype(dtype) + 0.5
                with np.errstate(all="ignore"):
                    expected = target + (scale * numerator) / denominator
                    _backend.add_scaled_quotient_into(target, scale, numerator, denominator)
                assert _same_bits(target, expected), (shape, scale)
        target, numerator = _operands(dtype, (300, 20))
        for denominator in (np.full(20, 1.5, dtype), np.full((300, 20), 3.0)):
            with np.errstate(all="ignore"):
                expected = (target + (0.1 * numerator) / denominator).astype(dtype)
                _backend.add_scaled_quotient_into(target, 0.1, numerator, denominator)
            assert _same_bits(target, expected)


def _same(got: object, expected: object) -> bool:
    got, expected = np.asarray(got), np.asarray(expected)
    return (
        got.dtype == expected.dtype
        and got.shape == expected.shape
        and np.ascontiguousarray(got).tobytes() == np.ascontiguousarray(expected).tobytes()
    )


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int32])
@pytest.mark.parametrize("shape", [(), (7,), (6, 7), (3, 0)])
def test_sum_and_mean_are_numpys_bit_for_bit_with_arrays_for_0d(dtype: type, shape) -> None:
    flat = np.tile(_special_values(np.float64).ravel() * 100, 2)
    size = int(np.prod(shape))
    axes = [None, *((i,) for i in range(len(shape))), tuple(range(len(shape)))]
    for start in (0, 17):  # with NaN, inf and -0.0 for the larger shapes; finite only
        with np.errstate(all="ignore"):
            a = flat[start : start + size].reshape(shape).astype(dtype)
        for axis in axes:
            for keepdims in (False, True):
                got = _backend.xp.sum(a, axis=axis, keepdims=keepdims)
                assert _same(got, np.sum(a, axis=axis, keepdims=keepdims)), (axis, keepdims)
                assert got.__class__ is np.ndarray  # 0-d results too: what tensors hold
                if dtype is np.int32 or a.size == 0:
                    continue
                got = _backend.xp.mean(a, axis=axis, keepdims=keepdims)
                assert _same(got, np.mean(a, axis=axis, keepdims=keepdims)), (axis, keepdims)
                assert dtype is np.float16 or got.__class__ is np.ndarray


def test_float32_mean_over_more_than_2_to_the_24_elements_is_numpys() -> None:
    # np.mean divides by the count in float64; the count 2**24 + 1 is not a float32, so a
    # float32 division would round it first and differ in the last bit.
    a = np.full(2**24 + 1, 0.1, np.float32)
    a[0] = 3.7
    assert _same(_backend.xp.mean(a), np.mean(a))
    assert _same(_backend.xp.mean(a[None], axis=(1,)), np.mean(a[None], axis=1))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_broadcast_to_copies_small_results_bit_for_bit(dtype: type) -> None:
    width = np.dtype(dtype).itemsize * 8
    bits = np.array([1 << (width - 1), ~(1 << (width - 2)) & ((1 << width) - 1)], np.uint64)
    # -0.0 and a NaN with every payload bit set survive the fill, from an array or a scalar.
    sources = [np.asarray(v) for v in bits.astype(f"u{width // 8}").view(dtype)]
    sources += [np.asarray(v, dtype) for v in (np.inf, 1.5)]
    for source in sources + [s[()] for s in sources]:
        got = _backend.xp.broadcast_to(source, shape=(2, 3))
        assert got.flags.writeable and _same(got, np.broadcast_to(source, (2, 3)))
    row = np.arange(3, dtype=dtype)
    assert _same(_backend.xp.broadcast_to(row, shape=[2, 3]), np.broadcast_to(row, (2, 3)))
    assert _backend.xp.broadcast_to(row, shape=(3,)) is row
    with pytest.raises(ValueError):
        _backend.xp.broadcast_to(row, shape=(2, 4))
    big = _backend.xp.broadcast_to(np.asarray(2.0, dtype), shape=(100, 100))
    assert not big.flags.writeable and _same(big, np.full((100, 100), 2.0, dtype))


def _nans(dtype: type) -> list[object]:
    # The quiet NaN NumPy makes, the one x86 makes for inf - inf (sign bit set), and one with a
    # payload: a reduction may return any of them depending on its order of work.
    unsigned = f"u{np.dtype(dtype).itemsize}"
    quiet = int(np.array(np.nan, dtype).view(unsigned))
    sign = 1 << (np.dtype(dtype).itemsize * 8 - 1)
    bits = np.array([quiet, quiet | sign, quiet | 5], unsigned)
    return list(bits.view(dtype))


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int64, np.uint8])
@pytest.mark.parametrize("shape", [(256, 10), (64, 1), (70, 32), (3, 40, 7), (300, 33), (63, 4)])
def test_max_and_min_over_a_short_last_axis_are_numpys_bit_for_bit(name, dtype, shape) -> None:
    # max: the transposed-copy path (at least 64 rows of at most 32) and NumPy's for the rest;
    # values drawn with signed zeros, NaNs of several bit patterns and infinities in every mix,
    # sparsely (rows patched by NumPy) and densely (NumPy reduces everything).
    rng = np.random.default_rng(len(shape) * 1000 + shape[-1])
    plain = [1.0, -1.0, 2.5, 3.0, -7.0, np.inf, -np.inf]
    for trial in range(24):
        if np.dtype(dtype).kind != "f":
            a = rng.choice(np.array([0, 1, 2, 7, 200]), size=shape).astype(dtype)
        else:
            special = [-0.0, 0.0, *_nans(dtype)]
            a = rng.choice(np.array(plain, dtype), size=shape)
            share = (0.02, 0.3)[trial % 2]
            where = rng.random(shape) < share
            a[where] = rng.choice(np.array(special, dtype=dtype), size=int(where.sum()))
        for axis in (-1, len(shape) - 1, (len(shape) - 1,), 0, None):
            for keepdims in (False, True):
                got = getattr(_backend.xp, name)(a, axis=axis, keepdims=keepdims)
                expected = getattr(np, name)(a, axis=axis, keepdims=keepdims)
                assert _same(got, expected), (trial, axis, keepdims)


@pytest.mark.parametrize("axis", [True, 1.0, np.int64(1)])
def test_max_takes_axes_as_numpy_does(axis: object) -> None:
    # An axis that only compares equal to 1 is NumPy's to accept or reject.
    a = np.ones((100, 10))
    try:
        expected = np.max(a, axis=axis)
    except TypeError as error:
        with pytest.raises(TypeError, match=str(error)):
            _backend.xp.max(a, axis=axis)
        return
    assert _same(_backend.xp.max(a, axis=axis), expected)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("op", ["add", "subtract", "multiply", "divide"])
def test_update_into_a_0d_float_target_gives_numpy_ufunc_bits(dtype: type, op: str) -> None:
    # 0-d targets are updated with NumPy scalar arithmetic (the ufunc's 0-d out= is slow): the
    # bits, special values included, must be those of the ufunc written into out=.
    ufunc = getattr(np, op)
    rng = np.random.default_rng(0)
    values = [*rng.standard_normal(20).astype(dtype), 0.0, -0.0, np.inf, -np.inf, np.nan]
    operands = [
        *values,
        np.asarray(values[3], dtype),
        dtype(values[4]),
        np.asarray(values[5], np.float64),  # a wider 0-d value is cast back, as out= does
        0.1,
        3,
        1e300,  # overflows float16/float32
    ]
    with np.errstate(all="ignore"):
        for start in values:
            for operand in operands:
                expected = np.asarray(start, dtype)
                ufunc(expected, operand, out=expected)
                target = np.asarray(start, dtype)
                _backend.update_into(op, target, operand)
                assert target.dtype == dtype
                assert target.tobytes() == expected.tobytes(), (start, operand)
                total = np.asarray(start, dtype)
                if op == "add" and not isinstance(operand, (int, float)):
                    _backend.add_into(total, operand)
                    assert total.tobytes() == expected.tobytes(), (start, operand)


def test_update_into_keeps_numpy_errors_and_integer_wrapping() -> None:
    target = np.asarray(1.0, np.float32)
    with pytest.raises(ValueError):
        _backend.update_into("add", target, np.ones(2, np.float32))  # no broadcast into 0-d
    assert target == 1.0
    small = np.asarray(127, np.int8)  # integers keep the ufunc: wrapping, no overflow warning
    _backend.update_into("add", small, np.asarray(1, np.int8))
    assert small == -128
    with pytest.raises(TypeError):
        _backend.update_into("add", np.asarray(1, np.int64), 0.5)  # float into int: NumPy's error


def _python_with_warnings(code: str) -> subprocess.CompletedProcess[str]:
    """``code`` run in a fresh interpreter that shows every warning: pytest resets the warning
    filters that importing arraygrad during collection set."""
    return subprocess.run(
        [sys.executable, "-W", "default", "-c", code], capture_output=True, text=True, check=True
    )


def test_numpy_floating_point_warnings_stay_silent_as_in_torch() -> None:
    # torch returns log(0) = -inf, sqrt(-1) = nan, exp(1000) = inf and 1 / 0 = inf without a
    # word; NumPy would warn from inside arraygrad.
    code = (
        "import numpy as np, arraygrad as ag\n"
        "x = ag.tensor([0.0, -1.0, 1000.0], requires_grad=True)\n"
        "y = ag.log(x) + ag.sqrt(x) + ag.exp(x) + 1 / x\n"
        "y.sum().backward()\n"
        "print([y.tolist(), x.grad.tolist()])\n"
        "np.log(np.zeros(1))  # the user's own NumPy code still warns\n"
    )
    result = _python_with_warnings(code)
    assert result.stderr.count("RuntimeWarning") == 1, result.stderr
    assert "<string>:6: RuntimeWarning" in result.stderr  # from the user's line
    torch = pytest.importorskip("torch")
    x = torch.tensor([0.0, -1.0, 1000.0], requires_grad=True)
    y = torch.log(x) + torch.sqrt(x) + torch.exp(x) + 1 / x
    y.sum().backward()
    assert result.stdout.strip() == str([y.tolist(), x.grad.tolist()])


def test_compiled_programs_stay_silent_on_floating_point_errors_too() -> None:
    # The generated replay function runs in its own namespace: its NumPy calls must count as
    # arraygrad's for the warnings filter, as the eager ones do.
    code = (
        "import arraygrad as ag\n"
        "step = ag.compile(lambda x: ag.log(x) / x)\n"
        "for _ in range(3):\n"
        "    print(step(ag.tensor([0.0, 1.0])).tolist())\n"
    )
    result = _python_with_warnings(code)
    assert "RuntimeWarning" not in result.stderr, result.stderr
    assert result.stdout.split("\n")[2] == "[-inf, 0.0]"


# --- other libraries' spellings (CuPy's), checked here with NumPy underneath -------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_python_divmod_of_floats_is_numpys_bit_for_bit(dtype: type) -> None:
    # The quotient and remainder arraygrad computes on libraries whose floor_divide floors
    # the rounded x / y (CuPy's), from their exact fmod: NumPy's (and PyTorch's) bits.
    rng = np.random.default_rng(0)
    edges_x = [-1.0, 1.0, 0.0, -0.0, 5.0, -5.0, np.inf, -np.inf, np.nan, 3.0, 1e30, -1e-30, 7.0]
    edges_y = [-0.1, 0.1, 3.0, -3.0, 0.0, -0.0, 2.0, 2.0, 1.0, np.inf, 1e-30, 3.0, -np.inf]
    x = np.concatenate([rng.standard_normal(5000) * 10, edges_x]).astype(dtype)
    y = np.concatenate([rng.standard_normal(5000) * 3, edges_y]).astype(dtype)
    quotient, remainder = spellings.python_divmod(np, x, y)
    with np.errstate(all="ignore"):
        expected = np.floor_divide(x, y), np.remainder(x, y)
    for mine, theirs in zip((quotient, remainder), expected, strict=True):
        np.testing.assert_array_equal(mine, theirs)
        np.testing.assert_array_equal(np.signbit(mine), np.signbit(theirs))
    assert spellings.python_divmod(np, np.float64(-1.0), np.float64(-0.1))[0] == 9.0


def test_python_divmod_of_halves_rounds_once_from_float32_as_numpy() -> None:
    # NumPy divides float16 in float32 and rounds the results once (PyTorch on CUDA too; its
    # CPU kernel for arrays works in half, and misses the floor as half arithmetic here did).
    rng = np.random.default_rng(1)
    bits = rng.integers(0, 2**16, 200_000, dtype=np.uint16)
    x, y = bits.view(np.float16), rng.permutation(bits).view(np.float16)
    quotient, remainder = spellings.python_divmod(np, x, y)
    with np.errstate(all="ignore"):
        expected = np.floor_divide(x, y), np.remainder(x, y)
    for mine, theirs in zip((quotient, remainder), expected, strict=True):
        assert mine.dtype == np.float16
        np.testing.assert_array_equal(mine, theirs)
        signed = ~np.isnan(theirs)  # (a nan's sign bit is the hardware's)
        np.testing.assert_array_equal(np.signbit(mine[signed]), np.signbit(theirs[signed]))
    # the true quotient is -850.3: half arithmetic gave -852
    assert spellings.python_divmod(np, np.float16(4.418), np.float16(-0.005196))[0] == -851.0


def test_a_library_spelling_functions_its_own_way_gets_the_standards_keywords() -> None:
    class CuPyLike:
        """NumPy with CuPy 14's signatures for reshape and argsort."""

        fmod = staticmethod(np.fmod)
        floor_divide = staticmethod(np.floor_divide)
        remainder = staticmethod(np.remainder)
        where, floor, copysign = np.where, np.floor, np.copysign
        zeros_like, isdtype, asarray = np.zeros_like, np.isdtype, staticmethod(np.asarray)
        result_type, float16, float32 = staticmethod(np.result_type), np.float16, np.float32
        astype = staticmethod(np.astype)

        @staticmethod
        def reshape(a, newshape, order="C", *, copy=None):  # type: ignore[no-untyped-def]
            return np.reshape(a, newshape, order=order, copy=copy)

        @staticmethod
        def argsort(a, axis=-1, kind=None):  # type: ignore[no-untyped-def]
            return np.argsort(a, axis=axis, kind="stable")

    fixes = spellings.standard_spellings(CuPyLike)
    assert sorted(fixes) == ["argsort", "floor_divide", "remainder", "reshape"]
    x = np.arange(6.0)
    assert fixes["reshape"](x, shape=(2, 3)).shape == (2, 3)
    with pytest.raises(ValueError):
        fixes["reshape"](x.reshape(2, 3).T, shape=(6,), copy=False)
    assert fixes["argsort"](np.array([2, 1, 1]), axis=0, stable=True).tolist() == [1, 2, 0]
    assert fixes["floor_divide"](np.array([-1.0]), np.array([-0.1])).tolist() == [9.0]
    assert fixes["floor_divide"](np.array([-7]), np.array([2])).tolist() == [-4]
    assert fixes["remainder"](np.array([-7]), np.array([2])).tolist() == [1]
    # a Python number on either side, as x % 2.0 and 2.0 % x pass them
    assert fixes["remainder"](np.array([-7.5], np.float32), 2.0).tolist() == [0.5]
    assert fixes["floor_divide"](-1.0, np.array([-0.1])).tolist() == [9.0]
    halves = np.array([4.418, 4.418], np.float16), np.array([-0.005196, 1.0], np.float16)
    assert fixes["floor_divide"](*halves).tolist() == [-851.0, 4.0]
    assert fixes["floor_divide"](np.array([4.418], np.float16), 3).dtype == np.float16


def test_values_of_an_array_without_tolist_or_dlpack_are_read_through_array_protocol() -> None:
    # to_numpy and to_list called each other forever for such arrays (Dask's did).
    class Opaque:
        def __init__(self, values: list[float]) -> None:
            self._values = np.asarray(values)

        def __array__(self, dtype=None, copy=None):  # type: ignore[no-untyped-def]
            return self._values

    assert _backend.to_numpy(Opaque([1.0, 2.0])).tolist() == [1.0, 2.0]
    assert _backend.to_list(Opaque([3.0])) == [3.0]


def _added_at(values: np.ndarray, indices: np.ndarray, shape: tuple, axis: int) -> np.ndarray:
    out = np.zeros(shape, dtype=values.dtype)
    np.add.at(out, (slice(None),) * axis + (indices,), values)
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    ("indices", "size"),
    [
        ([0, 0, 0, 1, 1, 2, 2, 3, 3, 3], 4),  # an upsampling's: runs, one round a slice
        ([3, 1, 3, 0, 1, 3, 2], 5),  # repeats in any order (an embedding's tokens), a row unused
        ([4, -1, 0, -5, 2], 5),  # negative indices name the same rows as their positives
        ([2, 0, 1], 3),  # no repeat: one round
        ([1] * 40, 2),  # more repeats than rounds: np.add.at itself
        ([], 3),
    ],
)
@pytest.mark.parametrize("axis", [0, 1, 2])
def test_take_add_zeros_is_np_add_at_bit_for_bit(dtype, indices, size, axis) -> None:
    # The rounds of distinct indices add each element's terms in np.add.at's order.
    rng = np.random.default_rng(3)
    index = np.array(indices, dtype=np.int64)
    shape = [2, 3, 4]
    shape[axis] = size
    values_shape = list(shape)
    values_shape[axis] = index.size
    values = rng.standard_normal(values_shape).astype(dtype)
    values[values > 1.2] = -0.0  # signed zeros, summed onto +0.0 as np.add.at does
    mine = _backend.xp.take_add_zeros(values, index, tuple(shape), axis)
    assert mine.dtype == values.dtype
    assert mine.tobytes() == _added_at(values, index, tuple(shape), axis).tobytes()


# Each call of a batch whose first matrix holds an infinity: NumPy's LAPACK (gesdd with
# OpenBLAS) never returned on it, so these hung the process; torch gives NaN for that matrix
# (U, S, Vh, the pseudo-inverse) and the exact results for the others.
_INFINITE_CALLS = {
    "linalg.svd": "L.linalg.svd(x).U, L.linalg.svd(x).S",
    "svdvals": "(L.linalg.svdvals(x),)",
    "svd": "L.svd(x).U, L.svd(x).S",
    "matrix_rank": "(L.linalg.matrix_rank(x),)",
    "pinv": "(L.linalg.pinv(x),)",
    "pinv complex": "(L.view_as_real(L.linalg.pinv(x.to(L.complex128))),)",
}


@pytest.mark.parametrize("call", list(_INFINITE_CALLS))
def test_svd_and_pinv_of_a_matrix_with_an_infinity_are_nan_as_torchs(call: str) -> None:
    import torch

    setup = (
        "import arraygrad as L\n"
        "x = L.tensor([[[1.0, 2.0, 0.5], [float('-inf'), 3.0, 1.0], [0.2, 0.1, 4.0]],"
        " [[2.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 5.0]]], dtype=L.float64)\n"
    )
    code = setup + f"print(repr([t.tolist() for t in ({_INFINITE_CALLS[call]})]))"
    try:  # in a child process: a hang is a failure, not a stuck test run
        run = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{call} of a matrix with an infinity did not return")
    ours = eval(run.stdout, {"nan": float("nan"), "inf": float("inf")})
    namespace = {"L": torch}
    exec(setup.replace("import arraygrad as L\n", ""), namespace)
    theirs = [t.tolist() for t in eval(_INFINITE_CALLS[call], namespace)]
    for mine, torchs in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(np.asarray(mine), np.asarray(torchs), rtol=1e-10, atol=1e-12)
