"""Top-level helpers (``_utilities.py``: type questions, ``scalar_tensor``, ``empty_strided``,
``ger``, ``range``) and the Tensor predicates beside them, against torch 2.13.0."""

from __future__ import annotations

import itertools
import warnings
from typing import Any

import pytest
import torch

import arraygrad as ag
from tests.oracle import assert_refused_as_torch, outcome_in_each

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


def test_can_cast_matches_torch_for_every_pair() -> None:
    for a, b in itertools.product(DTYPES, DTYPES):
        assert ag.can_cast(getattr(ag, a), getattr(ag, b)) == torch.can_cast(
            getattr(torch, a), getattr(torch, b)
        ), (a, b)
    assert outcome_in_each(lambda L: L.can_cast(L.tensor(1), L.int8), TypeError) == (
        "TypeError",
        "TypeError",
    )


@pytest.mark.parametrize(
    "pair",
    [(1, 2.0), (True, 2), ([1, 2], 2.5), ([1, 2], [1.0]), ([True], 3), (3, [1.5]), ([1], 1)],
)
def test_result_type_matches_torch(pair: tuple[Any, Any]) -> None:
    def operand(L: Any, value: Any) -> Any:
        return L.tensor(value) if isinstance(value, list) else value

    mine = ag.result_type(*(operand(ag, v) for v in pair))
    theirs = torch.result_type(*(operand(torch, v) for v in pair))
    assert mine.name == str(theirs).removeprefix("torch.")


def test_predicates_match_torch() -> None:
    for L in (torch, ag):
        assert L.is_same_size(L.zeros(2, 3), L.ones(2, 3))
        assert not L.is_same_size(L.zeros(2, 3), L.zeros(3, 2))
        assert not L.is_signed(L.zeros(1, dtype=L.uint8))
        assert L.is_signed(L.zeros(1))
        x = L.zeros(2)
        assert not L.is_inference(x) and not x.is_inference()
        assert not (x.is_sparse or x.is_quantized or x.is_meta)


def test_typename_matches_torch() -> None:
    pairs = [
        (ag.zeros(2), torch.zeros(2)),
        (ag.zeros(2, dtype=ag.int64), torch.zeros(2, dtype=torch.int64)),
        (3, 3),
        (int, int),
        ("a", "a"),
    ]
    for mine, theirs in pairs:
        assert ag.typename(mine) == torch.typename(theirs)
    assert ag.typename(ag.nn.Linear(1, 1)) == "arraygrad.nn.modules.linear.Linear"


def test_data_ptr_is_the_first_element_address() -> None:
    a = ag.arange(6.0)
    assert a.data_ptr() == a.view(2, 3).data_ptr() != 0
    assert a[1:].data_ptr() - a.data_ptr() == 4
    assert a.clone().data_ptr() != a.data_ptr()
    assert ag.zeros(0).data_ptr() == 0


@pytest.mark.parametrize(
    ("value", "dtype"), [(3, None), (True, None), (2.5, None), (3, "int64"), (7, "float64")]
)
def test_scalar_tensor_matches_torch(value: Any, dtype: str | None) -> None:
    mine = ag.scalar_tensor(value, dtype=dtype and getattr(ag, dtype))
    theirs = torch.scalar_tensor(value, dtype=dtype and getattr(torch, dtype))
    assert mine.shape == () and mine.item() == theirs.item()
    assert mine.dtype.name == str(theirs.dtype).removeprefix("torch.")
    assert ag.scalar_tensor(2.0, requires_grad=True).requires_grad


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("value", [1e300, -1e39, 70000.0, 65520, 1 + 2**-11 + 2**-40, 3.3e38])
def test_scalar_tensor_rounds_into_reduced_floats_unchecked_as_torch(
    value: float, dtype: str
) -> None:
    # scalar_tensor(1e300, dtype=float16) raised RuntimeError where torch gives inf, and
    # 1 + 2**-11 + 2**-40 became float16's 1.0009765625 where torch rounds through float to 1.0
    mine = ag.scalar_tensor(value, dtype=getattr(ag, dtype))
    theirs = torch.scalar_tensor(value, dtype=getattr(torch, dtype))
    assert mine.view(ag.int16).item() == theirs.view(torch.int16).item()


@pytest.mark.parametrize(
    ("size", "stride"), [((2, 3), (1, 2)), ((2, 3), (3, 1)), ((4,), (2,)), ((2, 0), (1, 1))]
)
def test_empty_strided_has_the_given_strides(
    size: tuple[int, ...], stride: tuple[int, ...]
) -> None:
    mine = ag.empty_strided(size, stride, dtype=ag.float64)
    theirs = torch.empty_strided(size, stride, dtype=torch.float64)
    assert mine.shape == tuple(theirs.shape) and mine.dtype is ag.float64
    if mine.numel():
        assert mine.stride() == theirs.stride()
    mine.fill_(2.0)
    assert bool((mine == 2.0).all())


def test_empty_strided_errors_match_torch() -> None:
    for size, stride in [((2, 3), (1,)), ((2, 3), (-1, 1))]:
        assert outcome_in_each(lambda L, a=size, b=stride: L.empty_strided(a, b), RuntimeError) == (
            "RuntimeError",
            "RuntimeError",
        )


def test_ger_is_outer() -> None:
    a, b = [1.0, 2.0], [3.0, 4.0, 5.0]
    expected = torch.ger(torch.tensor(a), torch.tensor(b)).tolist()
    assert ag.ger(ag.tensor(a), ag.tensor(b)).tolist() == expected
    assert ag.tensor(a).ger(ag.tensor(b)).tolist() == expected


@pytest.mark.parametrize(
    ("args", "dtype"),
    [
        ((0, 3), None),
        ((1, 2, 0.5), None),
        ((0, 1, 0.3), None),
        ((3, 0, -1), None),
        ((0, 0), None),
        ((0, 4, 2), "int64"),
    ],
)
def test_range_is_inclusive_and_warns_as_torch(args: tuple[Any, ...], dtype: str | None) -> None:
    results = []
    for L in (torch, ag):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = L.range(*args, dtype=dtype and getattr(L, dtype))
        assert [w.category for w in caught] == [UserWarning]
        results.append((str(caught[0].message), out.tolist(), str(out.dtype).split(".")[-1]))
    assert results[0][0] == results[1][0]
    assert results[0][2] == results[1][2]
    assert results[1][1] == pytest.approx(results[0][1])


def test_range_errors_match_torch() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for args in [(0, 3, 0), (3, 0)]:
            assert outcome_in_each(lambda L, a=args: L.range(*a), RuntimeError) == (
                "RuntimeError",
                "RuntimeError",
            )


# Regression: scalar_tensor took any tensor (its item, or a RuntimeError for several elements),
# where torch raises a TypeError: it takes a Python number, or a 0-d tensor outside the graph.
@pytest.mark.parametrize(
    "call",
    [
        lambda lib, x: lib.scalar_tensor(x),
        lambda lib, x: lib.scalar_tensor(x[0, 0]),
        lambda lib, x: lib.scalar_tensor(x[0, 0].requires_grad_()),
        lambda lib, x: lib.scalar_tensor(x[0, :1]),
        lambda lib, x: lib.scalar_tensor(2.5),
    ],
)
def test_scalar_tensor_takes_a_number_as_torch(call: Any) -> None:
    assert_refused_as_torch(call, "float32")


@pytest.mark.parametrize(
    "call",
    [
        lambda L: L.is_signed(3),
        lambda L: L.is_signed([1]),
        lambda L: L.is_same_size(3, L.ones(1)),
        lambda L: L.is_same_size(L.ones(1), 3.0),
    ],
)
def test_predicates_of_non_tensors_raise_torchs_type_error(call: Any) -> None:
    # Regression: is_signed(3) and is_same_size(3, t) raised AttributeError.
    messages = []
    for L in (torch, ag):
        with pytest.raises(TypeError) as error:
            call(L)
        messages.append(str(error.value))
    assert messages[1].startswith(messages[0]), messages
