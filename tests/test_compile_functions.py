"""arraygrad.compile on functions whose results depend on index or mask arithmetic: each is
traced on one set of inputs and replayed on others, and must equal eager bit for bit (or, where
it reads values into Python, run eagerly with compile's warning)."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest

import arraygrad as ag
import arraygrad.nn.functional as F

RNG = np.random.default_rng(0)


def _floats(*shape: int, requires_grad: bool = False) -> ag.Tensor:
    return ag.tensor(RNG.standard_normal(shape), requires_grad=requires_grad)


def _ints(*shape: int, low: int = -20, high: int = 20) -> ag.Tensor:
    return ag.tensor(RNG.integers(low, high, shape))


def _bits(result: Any) -> list[tuple[str, tuple[int, ...], bytes]]:
    """Dtype, shape and bytes of every tensor in ``result`` (a tensor or a tuple of them)."""
    parts = result if isinstance(result, (tuple, list)) else (result,)
    out = []
    for part in parts:
        array = np.ascontiguousarray(part.detach().numpy())
        out.append((str(array.dtype), array.shape, array.tobytes()))
    return out


def _assert_replays_like_eager(
    fn: Callable[..., Any], traced: Sequence[Any], others: Sequence[Sequence[Any]]
) -> None:
    """Trace ``fn`` on ``traced``, then replay it on each of ``others``: bitwise eager's results,
    with no fallback to eager and one trace per input signature (shapes, dtypes, flags)."""
    compiled = ag.compile(fn)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        compiled(*traced)
        compiled(*traced)
        for args in others:
            assert _bits(compiled(*args)) == _bits(fn(*args))
    # a fallback to eager warns: none may happen
    assert not [w for w in caught if "arraygrad.compile" in str(w.message)]
    signatures = {_signature(args) for args in (traced, *others)}
    # (a signature whose program had index arrays of unknown origin is traced twice, see
    # _compile_traces.confirmed)
    assert len(signatures) <= compiled.traces <= len(signatures) + compiled.confirmations
    assert not compiled.eager


def _signature(args: Sequence[Any]) -> tuple[Any, ...]:
    return tuple((tuple(a.shape), str(a.dtype), a.requires_grad) for a in args)


def _with_grad(fn: Callable[..., ag.Tensor]) -> Callable[..., tuple[ag.Tensor, ...]]:
    """``fn``'s value and its gradient in its first input (cotangent all ones)."""

    def value_and_grad(x: ag.Tensor, *rest: Any) -> tuple[ag.Tensor, ...]:
        out = fn(x, *rest)
        (grad,) = ag.autograd.grad(out.sum(), x)
        return out, grad

    return value_and_grad


# --- replayed, bitwise equal to eager ---------------------------------------------------------


def test_gcd_and_lcm_replay_euclid_for_new_values() -> None:
    # Fibonacci neighbours take the most Euclid steps: a loop frozen at the traced step count
    # would stop early (gcd(144, 89) == 1).
    traced = (ag.tensor([12, 7]), ag.tensor([8, 3]))
    others = [
        (ag.tensor([144, 89]), ag.tensor([89, 55])),
        (_ints(6), _ints(6)),
        (ag.tensor([0, -6]), ag.tensor([0, 4])),
    ]
    _assert_replays_like_eager(ag.gcd, traced, others)
    _assert_replays_like_eager(ag.lcm, traced, others)


def test_frexp_replays_mantissa_exponent_and_gradient() -> None:
    def split(x: ag.Tensor) -> tuple[ag.Tensor, ...]:
        mantissa, exponent = ag.frexp(x)
        (grad,) = ag.autograd.grad(mantissa.sum(), x)
        return mantissa, exponent, grad

    traced = (ag.tensor([1.0, 1.0, 1.0, 1.0, 1.0], dtype=ag.float64, requires_grad=True),)
    big = ag.tensor([8.0, -3.0, 0.0, 1e-310, 1e300], dtype=ag.float64, requires_grad=True)
    _assert_replays_like_eager(split, traced, [(big,), (_floats(5, requires_grad=True),)])


def test_cdist_inf_replays_the_largest_difference_and_its_gradient() -> None:
    fn = _with_grad(lambda a, b: ag.cdist(a, b, float("inf")))
    traced = (ag.tensor([[0.0, 0.0]], requires_grad=True), ag.tensor([[1.0, 3.0]]))
    others = [
        (ag.tensor([[0.0, 0.0]], requires_grad=True), ag.tensor([[3.0, 1.0]])),
        (_floats(1, 2, requires_grad=True), _floats(1, 2)),
    ]
    _assert_replays_like_eager(fn, traced, others)
    wide = [(_floats(3, 4, requires_grad=True), _floats(5, 4)) for _ in range(3)]
    _assert_replays_like_eager(fn, wide[0], wide[1:])


@pytest.mark.parametrize("dims", [1, 2])
def test_adaptive_max_pool_replays_indices_and_values(dims: int) -> None:
    pool = F.adaptive_max_pool1d if dims == 1 else F.adaptive_max_pool2d
    size = 3 if dims == 1 else (2, 3)
    shape = (2, 7) if dims == 1 else (2, 5, 7)

    def fn(x: ag.Tensor) -> tuple[ag.Tensor, ...]:
        values, indices = pool(x, size, True)
        (grad,) = ag.autograd.grad(values.sum(), x)
        return values, indices, grad

    data = RNG.standard_normal(shape)
    data.reshape(-1)[[0, 3]] = np.nan  # PyTorch's pick: a window's NaN wins
    nan = ag.tensor(data, requires_grad=True)
    others = [(_floats(*shape, requires_grad=True),) for _ in range(3)] + [(nan,)]
    _assert_replays_like_eager(fn, (_floats(*shape, requires_grad=True),), others)


@pytest.mark.parametrize(
    "pool",
    [
        lambda x: F.avg_pool2d(x, 3, stride=2, padding=1),
        lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
        lambda x: F.avg_pool1d(x[0], 2, ceil_mode=True),
        lambda x: F.avg_pool3d(x[None], 2, padding=1),
        lambda x: F.adaptive_avg_pool2d(x, (3, 5)),
        lambda x: F.adaptive_avg_pool1d(x[0], 4),
        lambda x: F.adaptive_avg_pool3d(x[None], (2, None, 3)),
    ],
    ids=[
        "avg2d",
        "avg2d_ceil_exclude_pad",
        "avg1d",
        "avg3d",
        "adaptive2d",
        "adaptive1d",
        "adaptive3d",
    ],
)
def test_average_pooling_replays_without_falling_back(pool: Callable[..., ag.Tensor]) -> None:
    # The divisors depend on shapes only: built with namespace calls, they are part of the
    # program (they used to be raw array operators, which sent the whole step to eager).
    fn = _with_grad(pool)
    others = [(_floats(2, 6, 7, requires_grad=True),) for _ in range(2)]
    _assert_replays_like_eager(fn, (_floats(2, 6, 7, requires_grad=True),), others)


@pytest.mark.parametrize("name", ["cummax", "cummin"])
def test_running_extremum_replays_indices_for_new_values(name: str) -> None:
    def fn(x: ag.Tensor) -> tuple[ag.Tensor, ...]:
        values, indices = getattr(ag, name)(x, 1)
        (grad,) = ag.autograd.grad(values.sum(), x)
        return values, indices, grad

    data = RNG.standard_normal((3, 6))
    data[1, 2] = np.nan  # PyTorch's rule: NaN, once met, is the extremum
    nan = ag.tensor(data, requires_grad=True)
    others = [(_floats(3, 6, requires_grad=True),) for _ in range(2)] + [(nan,)]
    _assert_replays_like_eager(fn, (_floats(3, 6, requires_grad=True),), others)


def test_adaptive_max_pool_review_case() -> None:
    fn = lambda x: F.adaptive_max_pool1d(x, 1, True)[1]
    _assert_replays_like_eager(fn, (ag.tensor([[1.0, 2.0]]),), [(ag.tensor([[3.0, 2.0]]),)])


def test_max_unpool_replays_new_indices() -> None:
    fn = _with_grad(lambda x, i: F.max_unpool1d(x, i, 2))
    traced = (_floats(1, 1, 3, requires_grad=True), ag.tensor([[[0, 3, 5]]]))
    others = [
        (_floats(1, 1, 3, requires_grad=True), ag.tensor([[[1, 2, 4]]])),
        (_floats(1, 1, 3, requires_grad=True), ag.tensor([[[0, 2, 5]]])),
    ]
    _assert_replays_like_eager(fn, traced, others)
    pool2 = _with_grad(lambda x, i: F.max_unpool2d(x, i, 2))
    x, indices = F.max_pool2d(_floats(2, 3, 4, 4), 2, return_indices=True)
    y, other_indices = F.max_pool2d(_floats(2, 3, 4, 4), 2, return_indices=True)
    traced = (x.requires_grad_(), indices)
    _assert_replays_like_eager(pool2, traced, [(y.requires_grad_(), other_indices)])


@pytest.mark.parametrize("bad", [-1, 9])
def test_max_unpool_replay_checks_each_calls_indices(bad: int) -> None:
    compiled = ag.compile(lambda x, i: F.max_unpool1d(x, i, 2))
    x = ag.tensor([[[1.0, 2.0]]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compiled(x, ag.tensor([[[0, 3]]]))
        compiled(x, ag.tensor([[[0, 3]]]))
        with pytest.raises(RuntimeError, match="invalid max index"):
            F.max_unpool1d(x, ag.tensor([[[0, bad]]]), 2)
        with pytest.raises(RuntimeError, match="invalid max index"):
            compiled(x, ag.tensor([[[0, bad]]]))
    assert compiled.traces == 1


def test_mode_replays_for_new_values() -> None:
    def fn(x: ag.Tensor) -> Any:
        return ag.mode(x, 0)

    _assert_replays_like_eager(fn, (ag.tensor([1, 1, 2]),), [(ag.tensor([5, 7, 7]),)])
    others = [(_ints(9, low=-3, high=3),) for _ in range(4)]
    _assert_replays_like_eager(fn, (_ints(9, low=-3, high=3),), others)
    nan = float("nan")
    traced = (ag.tensor([[1.0, 2.0, 2.0, 3.0], [4.0, 4.0, 1.0, 1.0]]),)
    rows = (ag.tensor([[nan, nan, 1.0, 2.0], [1.0, 2.0, 2.0, nan]]),)
    _assert_replays_like_eager(lambda x: ag.mode(x, 1), traced, [rows])


def test_searchsorted_and_bucketize_replay_for_new_values() -> None:
    def fn(seq: ag.Tensor, values: ag.Tensor) -> tuple[ag.Tensor, ...]:
        return (
            ag.searchsorted(seq, values),
            ag.searchsorted(seq, values, right=True),
            ag.bucketize(values, seq[0] if seq.ndim > 1 else seq),
        )

    def case(*batch: int) -> tuple[ag.Tensor, ag.Tensor]:
        return ag.sort(_floats(*batch, 6)).values, _floats(*batch, 4)

    nan = float("nan")
    with_nan = (ag.tensor([1.0, 2.0, 3.0, 4.0, nan, nan]), ag.tensor([nan, 0.0, 2.5, 5.0]))
    _assert_replays_like_eager(fn, case(), [case(), with_nan, case()])
    _assert_replays_like_eager(fn, case(3), [case(3), case(3)])


def test_isin_replays_membership_for_new_values() -> None:
    def fn(elements: ag.Tensor, tests: ag.Tensor) -> tuple[ag.Tensor, ...]:
        return ag.isin(elements, tests), ag.isin(elements, tests, invert=True)

    traced = (ag.tensor([1, 2, 3]), ag.tensor([1]))
    others = [(ag.tensor([1, 2, 3]), ag.tensor([3])), (_ints(3, low=0, high=4), _ints(1, 0, 4))]
    _assert_replays_like_eager(fn, traced, others)


def test_quantile_and_nanmedian_replay_for_new_values() -> None:
    def fn(x: ag.Tensor) -> tuple[ag.Tensor, ...]:
        out = ag.quantile(x, 0.3, dim=1)
        (grad,) = ag.autograd.grad(out.sum(), x)
        return out, grad, ag.nanquantile(x.detach(), 0.7, dim=0), *ag.nanmedian(x.detach(), 1)

    def case() -> tuple[ag.Tensor]:
        data = RNG.standard_normal((3, 9))
        data[RNG.random(data.shape) < 0.3] = np.nan
        return (ag.tensor(data, requires_grad=True),)

    _assert_replays_like_eager(fn, case(), [case() for _ in range(3)])


def test_slogdet_logdet_and_matrix_power_replay() -> None:
    def fn(a: ag.Tensor) -> tuple[ag.Tensor, ...]:
        sign, logabsdet = ag.slogdet(a)
        logdet = ag.logdet(a)
        (grad,) = ag.autograd.grad(logabsdet.sum(), a)
        # values: a graph no backward here went through would be the caller's to differentiate
        powers = ag.matrix_power(a, 0).detach(), ag.matrix_power(a, 3).detach()
        return sign, logabsdet, logdet.detach(), grad, *powers

    _assert_replays_like_eager(
        fn, (_floats(2, 3, 3, requires_grad=True),), [(_floats(2, 3, 3, requires_grad=True),)]
    )


# --- values read into Python: eager, with compile's warning ---------------------------------


@pytest.mark.parametrize("name", ["allclose", "equal"])
def test_python_bool_results_make_compile_run_eagerly(name: str) -> None:
    test = getattr(ag, name)

    def fn(a: ag.Tensor, b: ag.Tensor) -> ag.Tensor:
        return a * 2 if test(a, b) else a * 0

    compiled = ag.compile(fn)
    x = ag.tensor([1.0, 2.0])
    with pytest.warns(RuntimeWarning, match="runs eagerly"):
        first = compiled(x, x)
    assert first.tolist() == [2.0, 4.0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert compiled(x, x + 5).tolist() == fn(x, x + 5).tolist() == [0.0, 0.0]
        assert compiled(x, x).tolist() == [2.0, 4.0]


def test_matrix_exp_replays_eagerly_with_another_norm() -> None:
    # The number of squarings depends on A's norm, read into Python: compile runs eagerly
    # (traced on a small norm, a larger one must still be squared enough times). 2x2: a 1x1
    # matrix is exp of its entry, as in torch, with nothing read.
    import torch

    def fn(a: ag.Tensor) -> ag.Tensor:
        return ag.matrix_exp(a)

    def matrix(value: float) -> list[list[float]]:
        return [[value, 1.0], [0.0, value / 2]]

    compiled = ag.compile(fn)
    with pytest.warns(RuntimeWarning, match="runs eagerly"):
        compiled(ag.tensor(matrix(0.1), dtype=ag.float64))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for value in (40.0, 0.2, -30.0):
            x = ag.tensor(matrix(value), dtype=ag.float64)
            assert _bits(compiled(x)) == _bits(fn(x))
            expected = torch.matrix_exp(torch.tensor(matrix(value), dtype=torch.float64))
            np.testing.assert_allclose(compiled(x).numpy(), expected.numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    "driver, m, n", [(None, 3, 2), ("gelsy", 3, 2), ("gels", 3, 2), ("gelsd", 2, 3)]
)
def test_lstsq_replays_without_reading_values(driver: str | None, m: int, n: int) -> None:
    # The rank is read into Python only for gelsd / gelss with m > n (their residuals depend
    # on it): every other call replays.
    def fn(a: ag.Tensor, b: ag.Tensor) -> tuple[ag.Tensor, ...]:
        # detached: results with a graph for a backward after the call would run eagerly
        return tuple(t.detach() for t in ag.linalg.lstsq(a, b, driver=driver))

    def case() -> tuple[ag.Tensor, ag.Tensor]:
        return _floats(m, n, requires_grad=True), _floats(m, 2)

    _assert_replays_like_eager(fn, case(), [case() for _ in range(2)])


@pytest.mark.parametrize(
    "mode, padding_mode, align_corners, dims",
    [
        ("bilinear", "zeros", False, 2),
        ("bilinear", "reflection", False, 2),
        ("bilinear", "reflection", True, 3),
        ("bilinear", "border", True, 2),
        ("nearest", "reflection", False, 3),
        ("bicubic", "reflection", False, 2),
        ("bicubic", "zeros", True, 2),
    ],
)
def test_grid_sample_replays_new_grids(
    mode: str, padding_mode: str, align_corners: bool, dims: int
) -> None:
    # The pixel positions, reflections and corner weights all depend on the grid's values.
    def fn(x: ag.Tensor, grid: ag.Tensor) -> tuple[ag.Tensor, ...]:
        out = F.grid_sample(
            x, grid, mode=mode, padding_mode=padding_mode, align_corners=align_corners
        )
        grads = ag.autograd.grad((out * out).sum(), (x, grid))
        return (out, *grads)

    def case() -> tuple[ag.Tensor, ag.Tensor]:
        spatial = (4, 5, 3)[:dims]
        grid = ag.tensor(RNG.uniform(-2.5, 2.5, (2, 3, 2, *(2,) * (dims - 2), dims)))
        return _floats(2, 3, *spatial, requires_grad=True), grid.requires_grad_()

    _assert_replays_like_eager(fn, case(), [case() for _ in range(2)])


def test_as_strided_windows_replay_with_their_gradient() -> None:
    # Overlapping windows: the gradient of an element sums those of every window holding it.
    fn = _with_grad(lambda x: (x.as_strided((4, 3), (2, 1)) * x[:3]).tanh())
    others = [(_floats(9, requires_grad=True),) for _ in range(2)]
    _assert_replays_like_eager(fn, (_floats(9, requires_grad=True),), others)


def test_as_strided_of_a_view_with_an_offset_runs_eagerly() -> None:
    # Where the input starts inside its memory, a replay could read other elements.
    def fn(x: ag.Tensor) -> ag.Tensor:
        return x[2:].as_strided((2, 2), (1, 1)) * 2

    compiled = ag.compile(fn)
    x = _floats(6)
    with pytest.warns(RuntimeWarning, match="runs eagerly"):
        assert _bits(compiled(x)) == _bits(fn(x))
        y = _floats(6)
        assert _bits(compiled(y)) == _bits(fn(y))


@pytest.mark.parametrize("offset", [None, 0])
def test_as_strided_replays_only_for_inputs_starting_where_the_traced_ones_did(
    offset: int | None,
) -> None:
    # Traced on inputs at the start of their memory, a replay on a view that starts further
    # in used the traced offset: a defaulted storage_offset read other elements, and the
    # gradient went to other elements of the input.
    def fn(x: ag.Tensor) -> ag.Tensor:
        y = (x.as_strided((3, 3), (2, 1), offset) ** 2).sum()
        y.backward()
        return y

    compiled = ag.compile(fn)
    for _ in range(2):
        compiled(_floats(4, 6, requires_grad=True))
    memory = _floats(5, 6)
    mine, eager = (memory[1:].detach().requires_grad_() for _ in range(2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # running eagerly is right here
        assert _bits(compiled(mine)) == _bits(fn(eager))
    assert _bits(mine.grad) == _bits(eager.grad)
