"""histogram against torch 2.13.0: counts, weights, density and bin edges, on fixed and drawn
inputs (elements on edges, NaN, empty and constant data included), and its errors.

histogram is not differentiable (its results are counts), so it has no OP_TABLE row. Bin edges
are compared exactly: arraygrad makes them with torch's linspace arithmetic, which decides the
bin of an element lying on an edge.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import arraygrad as ag
from tests.oracle import strict_backend

NAN = float("nan")
INF = float("inf")


def _compare(call: Any, values: np.ndarray, weight: np.ndarray | None = None) -> None:
    """``call(lib, x, w)`` gives the same (hist, bin_edges) in torch and arraygrad."""
    results = []
    for lib in (torch, ag):
        w = None if weight is None else lib.tensor(weight)
        hist, edges = call(lib, lib.tensor(values), w)
        results.append((hist, edges))
    (their_hist, their_edges), (my_hist, my_edges) = results
    for mine, theirs in ((my_hist, their_hist), (my_edges, their_edges)):
        assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        assert tuple(mine.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(my_edges.numpy(), their_edges.numpy())
    np.testing.assert_allclose(my_hist.numpy(), their_hist.numpy(), rtol=1e-6, atol=0)


CASES = [
    (np.array([1.0, 2.0, 1.0, 2.5, 4.0]), {"bins": 3}),
    (np.array([1.0, 2.0, 1.0, 2.5, 4.0]), {"bins": 3, "range": (0.0, 3.0)}),
    (np.array([1.0, 2.0, 1.0, 2.5, 4.0], dtype=np.float32), {"bins": 4, "range": (0, 3)}),
    (np.array([1.0, NAN, 5.0, -1.0, 2.0]), {"bins": 3, "range": [0.0, 5.0]}),
    (np.array([2.0, 2.0]), {"bins": 3}),
    (np.array([1.0, 2.0]), {"bins": 3, "range": (0.0, 0.0)}),
    (np.zeros(0), {"bins": 3}),
    (np.zeros(0), {"bins": 3, "density": True}),
    (np.array(1.5), {"bins": 2}),
    (np.array([[0.1, 0.2, 0.3], [0.7, 0.9, 1.0]]), {"bins": 10, "range": (0.0, 1.0)}),
    (np.arange(11) / 10, {"bins": 10, "range": (0.0, 1.0)}),
    (np.arange(31, dtype=np.float32) / 10, {"bins": 30}),
    (np.array([-3.0, 7.0, 0.3, 1.0]), {"bins": 7, "density": True}),
    (np.array([0.0, 1.0, 2.0, 3.0]), {}),
]


@pytest.mark.parametrize(("values", "kwargs"), CASES, ids=repr)
def test_histogram_matches_torch(values: np.ndarray, kwargs: dict) -> None:
    _compare(lambda L, x, w: L.histogram(x, **kwargs), values)


@pytest.mark.parametrize(("values", "kwargs"), CASES[:4] + CASES[-2:], ids=repr)
def test_tensor_histogram_method_matches_torch(values: np.ndarray, kwargs: dict) -> None:
    _compare(lambda L, x, w: x.histogram(**kwargs), values)


EDGES = [
    [0.0, 1.5, 2.0, 5.0],
    [5.0, 2.0, 1.5, 0.0],  # decreasing: nothing is counted, as in torch
    [1.0, 1.0, 2.0],  # an empty bin of width 0
    [-INF, 0.0, INF],
]


@pytest.mark.parametrize("edges", EDGES, ids=repr)
@pytest.mark.parametrize("density", [False, True])
def test_histogram_with_bin_edges_matches_torch(edges: list[float], density: bool) -> None:
    values = np.array([1.0, 2.0, 1.0, 2.5, 4.0, 0.0, 5.0, -1.0, NAN])
    if density and edges[0] == -INF:
        return  # inf-wide bins: 0 in both, but 0 * inf stays out of the comparison
    _compare(
        lambda L, x, w: L.histogram(x, L.tensor(edges, dtype=x.dtype), density=density), values
    )


def test_histogram_weights_match_torch() -> None:
    values = np.array([[1.0, 2.0, 1.0], [2.5, 4.0, NAN]])
    weight = np.array([0.5, 2.0, 3.0, 4.0, -5.0, 7.0])
    _compare(lambda L, x, w: L.histogram(x, 3, range=(0.0, 4.0), weight=w), values, weight)
    _compare(
        lambda L, x, w: L.histogram(x, 4, range=(1.0, 3.0), weight=w.reshape(3, 2), density=True),
        values,
        weight,
    )
    _compare(
        lambda L, x, w: L.histogram(x, L.tensor([0.0, 2.0, 3.0], dtype=x.dtype), weight=w),
        values,
        weight,
    )
    _compare(  # the Tensor method, with bin edges given positionally
        lambda L, x, w: x.histogram(L.tensor([0.0, 2.0, 3.0], dtype=x.dtype), weight=w),
        values,
        weight,
    )


@given(
    values=hnp.arrays(
        st.sampled_from([np.float32, np.float64]),
        st.integers(0, 30),
        elements=st.floats(-10, 10, width=32) | st.sampled_from([-5.0, 0.0, 0.5, 2.5, 5.0]),
    ),
    bins=st.integers(1, 12),
    bounds=st.sampled_from([None, (-5.0, 5.0), (-1.1, 3.7), (0.0, 2.5)]),
    density=st.booleans(),
)
@settings(max_examples=60)
def test_histogram_matches_torch_on_drawn_inputs(
    values: np.ndarray, bins: int, bounds: Any, density: bool
) -> None:
    if density and not values.size:
        return  # nan == nan is not asserted by assert_allclose's default
    _compare(lambda L, x, w: L.histogram(x, bins, range=bounds, density=density), values)


@given(
    low=st.floats(-1e3, 1e3),
    width=st.floats(1e-3, 1e3),
    bins=st.integers(1, 80),
    wide=st.booleans(),
)
@settings(max_examples=80)
def test_bin_edges_are_torchs_to_the_last_bit(
    low: float, width: float, bins: int, wide: bool
) -> None:
    values = np.array([low, low + width], dtype=np.float64 if wide else np.float32)
    _compare(lambda L, x, w: L.histogram(x, bins, range=(low, low + width)), values)


def test_histogram_returns_torchs_named_tuple_without_gradient() -> None:
    x = ag.tensor([1.0, 2.0, 1.0, 4.0], requires_grad=True)
    result = ag.histogram(x, bins=3)
    assert type(result) is ag.return_types.histogram
    assert result.hist is result[0] and result.bin_edges is result[1]
    # as torch's: both require grad, and backward through them raises (no derivative)
    assert result.hist.requires_grad and result.bin_edges.requires_grad
    with pytest.raises(RuntimeError, match="derivative for aten::histogram is not implemented"):
        result.hist.sum().backward()
    assert not ag.histogram(x.detach(), bins=3).hist.requires_grad
    assert repr(result).startswith("arraygrad.return_types.histogram(\nhist=tensor(")


def test_histogram_edges_are_a_copy_of_the_bins_given() -> None:
    bins = ag.tensor([0.0, 1.0, 2.0])
    edges = ag.histogram(ag.tensor([0.5]), bins).bin_edges
    bins[0] = -1.0
    assert edges.tolist() == [0.0, 1.0, 2.0]


@pytest.mark.parametrize(
    ("fn", "error"),
    [
        (lambda L: L.histogram(L.tensor([1, 2]), 3), NotImplementedError),
        (lambda L: L.histogram(L.tensor([1, 2]), 3, range=(0.0, 1.0)), NotImplementedError),
        (lambda L: L.histogram(L.tensor([1.0, 2.0]).half(), 3), NotImplementedError),
        (lambda L: L.histogram(L.tensor([1.0]), 0), RuntimeError),
        (lambda L: L.histogram(L.tensor([1.0]), -2), RuntimeError),
        (lambda L: L.histogram(L.tensor([1.0]), 3.0), TypeError),
        (lambda L: L.histogram(L.tensor([1.0]), 3, range=(3.0, 1.0)), RuntimeError),
        (lambda L: L.histogram(L.tensor([1.0]), 3, range=(0.0, INF)), RuntimeError),
        (lambda L: L.histogram(L.tensor([1.0]), 3, range=(0.0, 1.0, 2.0)), RuntimeError),
        (lambda L: L.histogram(L.tensor([1.0, NAN]), 3), RuntimeError),
        (lambda L: L.histogram(L.tensor([1.0, INF]), 3), RuntimeError),
        (lambda L: L.histogram(L.tensor([1.0]), L.tensor([[0.0, 1.0]])), RuntimeError),
        (lambda L: L.histogram(L.tensor([1.0]), L.tensor([])), RuntimeError),
        (lambda L: L.histogram(L.tensor([1.0]), L.tensor([1.0])), RuntimeError),
        (lambda L: L.histogram(L.tensor([1.0]), L.tensor([0, 2])), RuntimeError),
        (lambda L: L.histogram(L.tensor([1.0]), L.tensor([0.0, 2.0]).double()), RuntimeError),
        (lambda L: L.histogram(L.tensor([1.0]), L.tensor([0.0, 2.0]), range=(0.0, 1.0)), TypeError),
        (lambda L: L.histogram(L.tensor([1.0]), 3, weight=L.tensor([1.0]).double()), RuntimeError),
        (lambda L: L.histogram(L.tensor([1.0]), 3, weight=L.tensor([1.0, 2.0])), RuntimeError),
    ],
)
def test_misuse_raises_like_torch(fn: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        fn(torch)
    with pytest.raises(error):
        fn(ag)


def test_messages_name_the_problem() -> None:
    with pytest.raises(NotImplementedError, match=r"'Long'.*Fix"):
        ag.histogram(ag.tensor([1, 2]), 3)
    with pytest.raises(RuntimeError, match=r"range \[1, inf\] is not finite.*Fix"):
        ag.histogram(ag.tensor([1.0, float("inf")]), 3)
    with pytest.raises(RuntimeError, match="same dtype, but got input with dtype float and bins"):
        ag.histogram(ag.tensor([1.0]), ag.tensor([0, 2]))


def test_histogram_and_windows_run_on_the_array_api_standard_alone() -> None:
    values = [0.5, 1.0, 2.5, 4.0, 2.0]
    expected = ag.histogram(ag.tensor(values), 4, density=True)
    window = ag.kaiser_window(5).tolist()
    with strict_backend():
        result = ag.histogram(ag.tensor(values), 4, density=True)
        hist, edges = result.hist.tolist(), result.bin_edges.tolist()
        strict_window = ag.kaiser_window(5).tolist()
    assert hist == expected.hist.tolist() and edges == expected.bin_edges.tolist()
    assert strict_window == window


# --- histogramdd ----------------------------------------------------------------------------------


def _compare_dd(values: np.ndarray, bins: Any, weight: np.ndarray | None = None, **kw: Any) -> None:
    """torch.histogramdd and arraygrad's give the same hist (dtype, shape, values) and the same
    tuple of edges, bit for bit; ``bins`` of NumPy arrays are passed as tensors of edges."""
    results = []
    for lib in (torch, ag):
        b = (
            [lib.tensor(e) for e in bins]
            if isinstance(bins, list) and bins and (isinstance(bins[0], np.ndarray))
            else bins
        )
        w = None if weight is None else lib.tensor(weight)
        results.append(lib.histogramdd(lib.tensor(values), b, weight=w, **kw))
    theirs, mine = results
    assert type(mine) is ag.return_types.histogramdd and type(mine.bin_edges) is tuple
    assert str(mine.hist.dtype).split(".")[-1] == str(theirs.hist.dtype).split(".")[-1]
    assert tuple(mine.hist.shape) == tuple(theirs.hist.shape)
    np.testing.assert_allclose(mine.hist.numpy(), theirs.hist.numpy(), rtol=1e-12, atol=0)
    assert len(mine.bin_edges) == len(theirs.bin_edges)
    for my_edges, their_edges in zip(mine.bin_edges, theirs.bin_edges, strict=True):
        assert str(my_edges.dtype).split(".")[-1] == str(their_edges.dtype).split(".")[-1]
        np.testing.assert_array_equal(my_edges.numpy(), their_edges.numpy())


_POINTS = np.random.default_rng(7).standard_normal((40, 3))
_EDGES = [np.array([-1.0, 0.0, 0.5, 2.0]), np.array([-3.0, 3.0]), np.array([0.0, 0.0, 1.0])]

DD_CASES = [
    (_POINTS, 4, {}),
    (_POINTS, [2, 3, 5], {}),
    (_POINTS, (2, 3, 5), {"density": True}),
    (_POINTS, [2, 3, 5], {"range": [-1.0, 1.0, -2, 2, 0.0, 0.5]}),
    (_POINTS, 3, {"range": (0.0, 0.0, 1.0, 1.0, -1.0, -1.0)}),  # degenerate ranges widened
    (_POINTS.astype(np.float32), [3, 1, 7], {}),
    (_POINTS.astype(np.float32), [3, 1, 7], {"density": True, "range": [-1, 1, -1, 1, -1, 1]}),
    (_POINTS, _EDGES, {}),
    (_POINTS, _EDGES, {"density": True}),
    (_POINTS, _EDGES, {"range": [0.0, 1.0] * 3}),  # ignored with edges, as in torch
    (_POINTS, [e[::-1].copy() for e in _EDGES], {}),  # decreasing edges count nothing
    (_POINTS.reshape(2, 20, 3), 2, {}),
    (np.array([[0.0, NAN], [1.0, 2.0], [5.0, 0.5]]), 2, {"range": [0.0, 1.0, 0.0, 2.0]}),
    (np.zeros((0, 2)), [2, 3], {}),
    (np.zeros((0, 2)), [2, 3], {"density": True}),
    (np.zeros((3, 0)), [], {}),
    (np.zeros((3, 0)), 2, {"density": True}),
    (np.arange(12.0).reshape(6, 2) / 10, 10, {"range": [0.0, 1.0, 0.0, 1.0]}),  # on edges
]


@pytest.mark.parametrize(("values", "bins", "kwargs"), DD_CASES, ids=repr)
def test_histogramdd_matches_torch(values: np.ndarray, bins: Any, kwargs: dict) -> None:
    _compare_dd(values, bins, **kwargs)


@pytest.mark.parametrize("density", [False, True])
def test_histogramdd_weights_match_torch(density: bool) -> None:
    weight = np.random.default_rng(3).standard_normal(40)
    _compare_dd(_POINTS, [2, 3, 4], weight, density=density)
    _compare_dd(_POINTS, _EDGES, weight, density=density)
    _compare_dd(_POINTS.reshape(4, 10, 3), 3, weight.reshape(4, 10), density=density)


@given(
    values=hnp.arrays(
        st.sampled_from([np.float32, np.float64]),
        st.tuples(st.integers(0, 20), st.integers(1, 3)),
        elements=st.floats(-10, 10, width=32) | st.sampled_from([-5.0, 0.0, 0.5, 2.5, 5.0]),
    ),
    bins=st.integers(1, 7),
    bounded=st.booleans(),
    density=st.booleans(),
)
@settings(max_examples=60)
def test_histogramdd_matches_torch_on_drawn_inputs(
    values: np.ndarray, bins: int, bounded: bool, density: bool
) -> None:
    if density and not values.shape[0]:
        return  # all NaN: assert_allclose compares NaN as equal, but skip the 0 / 0 case
    counts = [bins + dim for dim in range(values.shape[1])]
    bounds = [-5.0, 5.0, -1.1, 3.7, 0.0, 2.5][: 2 * values.shape[1]] if bounded else None
    _compare_dd(values, counts, range=bounds, density=density)


def test_histogramdd_positional_range_and_weight() -> None:
    x = [[0.0, 1.0], [1.0, 0.0], [2.0, 0.0], [2.0, 2.0]]
    theirs = torch.histogramdd(torch.tensor(x), [2, 3], [0.0, 1.0, 0.0, 2.0], torch.ones(4))
    mine = ag.histogramdd(ag.tensor(x), [2, 3], [0.0, 1.0, 0.0, 2.0], ag.ones(4))
    assert mine.hist.tolist() == theirs.hist.tolist()


def test_histogramdd_requires_grad_without_a_derivative_as_torch() -> None:
    x = [[0.0, 1.0], [1.0, 0.0], [2.0, 0.0], [2.0, 2.0]]
    for lib in (torch, ag):
        points = lib.tensor(x, requires_grad=True)
        result = lib.histogramdd(points, [2, 3])
        assert result.hist.requires_grad and all(e.requires_grad for e in result.bin_edges)
        for out, name in [(result.hist, "from_bin_cts"), (result.bin_edges[0], "bin_edges")]:
            with pytest.raises(RuntimeError, match=f"derivative for aten::_histogramdd_{name}"):
                out.sum().backward()
        weighted = lib.histogramdd(points.detach(), 2, weight=lib.ones(4, requires_grad=True))
        assert weighted.hist.requires_grad and weighted.bin_edges[1].requires_grad
        plain = lib.histogramdd(points.detach(), 2)
        assert not plain.hist.requires_grad and not plain.bin_edges[0].requires_grad
        edges = lib.tensor([0.0, 1.0, 2.0], requires_grad=True)
        given = lib.histogramdd(points.detach(), [edges, edges])
        assert given.bin_edges[0] is edges and given.hist.requires_grad  # returned as given
        with pytest.raises(RuntimeError, match="_histogramdd_from_bin_tensors is not"):
            given.hist.sum().backward()


def test_histogramdd_repr_names_its_type() -> None:
    result = ag.histogramdd(ag.tensor([[1.0, 2.0]]), 1)
    assert repr(result).startswith("arraygrad.return_types.histogramdd(\nhist=tensor(")


_X = [[0.0, 1.0], [1.0, 0.0], [2.0, 0.0], [2.0, 2.0]]


@pytest.mark.parametrize(
    ("fn", "error"),
    [
        (lambda L: L.histogramdd(L.tensor(_X).long(), [2, 3]), NotImplementedError),
        (lambda L: L.histogramdd(L.tensor(_X).long(), [2, -2]), NotImplementedError),
        (lambda L: L.histogramdd(L.tensor(_X).half(), 2), NotImplementedError),
        (lambda L: L.histogramdd(L.tensor([1.0, 2.0]), 2), RuntimeError),
        (lambda L: L.histogramdd(L.tensor(1.0), 2), IndexError),
        (lambda L: L.histogramdd(L.tensor(_X), [2, 3, 4]), RuntimeError),
        (lambda L: L.histogramdd(L.tensor(_X), [2, 0]), RuntimeError),
        (lambda L: L.histogramdd(L.tensor(_X), [0, -2]), RuntimeError),
        (lambda L: L.histogramdd(L.tensor(_X), [2.0, 3]), TypeError),
        (lambda L: L.histogramdd(L.tensor(_X), [True, 3]), TypeError),
        (lambda L: L.histogramdd(L.tensor(_X), True), TypeError),
        (lambda L: L.histogramdd(L.tensor(_X), L.tensor([0.0, 1.0])), TypeError),
        (lambda L: L.histogramdd(L.tensor(_X), [L.tensor([0.0, 1.0]), 3]), TypeError),
        (lambda L: L.histogramdd(L.tensor(_X), [L.tensor([0.0, 1.0])]), RuntimeError),
        (lambda L: L.histogramdd(L.tensor(_X), [L.tensor([0.0, 1.0])] * 3), RuntimeError),
        (lambda L: L.histogramdd(L.tensor(_X), [L.tensor([0.0])] * 2), RuntimeError),
        (lambda L: L.histogramdd(L.tensor(_X), [L.tensor([[0.0, 1.0]])] * 2), RuntimeError),
        (lambda L: L.histogramdd(L.tensor(_X), [L.tensor([0.0, 1.0]).double()] * 2), RuntimeError),
        (lambda L: L.histogramdd(L.tensor(_X), 2, range=[0.0, 1.0]), RuntimeError),
        (lambda L: L.histogramdd(L.tensor(_X), 2, range=[1.0, 0.0, 0.0, 1.0]), RuntimeError),
        (lambda L: L.histogramdd(L.tensor(_X), 2, range=[0.0, 1.0, 0.0, INF]), RuntimeError),
        (lambda L: L.histogramdd(L.tensor([[NAN, 1.0]]), 2), RuntimeError),
        (lambda L: L.histogramdd(L.tensor(_X), 2, weight=L.ones(4, 1)), RuntimeError),
        (lambda L: L.histogramdd(L.tensor(_X), 2, weight=L.ones(3)), RuntimeError),
        (lambda L: L.histogramdd(L.tensor(_X), 2, weight=L.ones(4).double()), RuntimeError),
    ],
)
def test_histogramdd_misuse_raises_like_torch(fn: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        fn(torch)
    with pytest.raises(error):
        fn(ag)


def test_histogramdd_messages_are_torchs() -> None:
    x = ag.tensor(_X)
    for call, message in [
        (lambda: ag.histogramdd(x, [2, 0]), "bins must be > 0, but got 0 for dimension 1"),
        (lambda: ag.histogramdd(x, [0, -2]), "number of steps must be non-negative"),
        (lambda: ag.histogramdd(x, [2, 3, 4]), "size of bins must be equal to the innermost"),
        (lambda: ag.histogramdd(x, 2, range=[0.0, 1.0]), "range should have 4 elements, but"),
        (lambda: ag.histogramdd(x, 2, weight=ag.ones(3)), r"shape \[4, 2\] and weight with"),
        (
            lambda: ag.histogramdd(x, [ag.tensor([0.0, 1.0])]),
            "expected 2 sequences of bin edges for a 2-dimensional histogram but got 1",
        ),
    ]:
        with pytest.raises(RuntimeError, match=message):
            call()
    with pytest.raises(TypeError, match="expected Tensor as element 1 in argument 1, but got int"):
        ag.histogramdd(x, [ag.tensor([0.0, 1.0]), 3])


def test_histogramdd_runs_on_the_array_api_standard_alone() -> None:
    expected = ag.histogramdd(ag.tensor(_POINTS), [2, 3, 4], density=True)
    with strict_backend():
        result = ag.histogramdd(ag.tensor(_POINTS), [2, 3, 4], density=True)
        hist = result.hist.tolist()
        edges = [e.tolist() for e in result.bin_edges]
    assert hist == expected.hist.tolist()
    assert edges == [e.tolist() for e in expected.bin_edges]
