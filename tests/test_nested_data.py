"""``tensor()`` of nested Python data PyTorch refuses: the same exception class and message
(arraygrad's adds a fix after it), vs torch 2.13.0 (arraygrad._nested_data)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag


class _Opaque:
    """An object that is no number (with a repr that names the test the same in each worker)."""

    def __repr__(self) -> str:
        return "opaque"


# (data, dtype name or None): each one PyTorch refuses
REFUSED = [
    ([1, None], None),
    ([1.0, None], None),  # NaN to NumPy
    ([True, None], None),
    ([[1, 2], [3, None]], None),
    ([[1, 2], [None]], None),  # the dtype is inferred before the shape is checked
    (None, None),
    ([1, _Opaque()], None),
    ([2**64, 1], None),
    ([2**63], None),
    ([-(2**63) - 1], None),
    ([2**64, None], None),
    ([2**64, 1], "int64"),
    ([2**63, 1], "uint8"),
    ([-(2**63) - 1], "int32"),
    ([[1, 2], [3]], None),
    ([[1], [2, 3]], "float32"),
    ([[1, 2], 3], None),
    ([[[1]], [2]], None),
    ([1, [2, 3]], None),
    ([1, [2]], "float32"),
    ([True, [2]], None),
    (["a"], None),
    (["ab", "c"], None),
    ([[1, 2], "ab"], None),
    ([1, "a"], None),
    ([1, "a"], "float32"),
    (["a"], "float32"),
    ([1.0, None], "int64"),
    ([b"a"], None),
    # given a dtype, NumPy reads None as NaN (or False), parses strings and takes objects as
    # True for bool; PyTorch refuses each
    ([1.0, None], "float32"),
    ([1.0, None], "float16"),
    ([1.0, None], "complex64"),
    ([1.0, None], "bool"),
    (None, "float32"),
    ([1.0, "2"], "float32"),
    ([[1.0], ["2"]], "float64"),
    ([1, "1+2j"], "complex64"),
    ([1.0, "2"], "int64"),
    ([1, b"1"], "int8"),
    ([1, ""], "bool"),
    ([1, _Opaque()], "bool"),
    ([1, np.str_("3")], "float32"),
    ([1.0, "a"], None),  # (a float first: still an invalid data type, not a real number)
    # NumPy's uint16 to uint64 promote only with themselves and to floats; arraygrad read them
    # as int64 (or float32: uint64 beside an int)
    ([np.uint16(2), 1], None),
    ([1, np.uint32(2)], None),
    ([np.uint16(2), np.uint32(3)], None),
    ([np.uint16(2), True], None),
    ([np.uint32(2), np.int8(1)], None),
    ([np.uint16(2), 1j], None),
    ([[np.uint16(2)], [1]], None),
    ([np.array([1], dtype=np.uint16), np.array([1], dtype=np.int32)], None),
    ([np.uint64(2), 1], None),
    ([np.uint64(2)], None),  # (uint64 values alone: PyTorch's TypeError)
    ([np.array([1], dtype=np.uint64)], None),
    ([np.True_, 1], None),  # a NumPy bool was taken for a 0-d array ("len() of unsized")
]


def _raised(lib: Any, data: Any, dtype: str | None) -> BaseException:
    with pytest.raises(Exception) as caught:
        lib.tensor(data, dtype=None if dtype is None else getattr(lib, dtype))
    return caught.value


@pytest.mark.parametrize(("data", "dtype"), REFUSED, ids=repr)
def test_refused_data_raises_torch_s_class_and_message(data: Any, dtype: str | None) -> None:
    want, got = _raised(torch, data, dtype), _raised(ag, data, dtype)
    assert type(got) is type(want)
    assert str(got).startswith(str(want)), (str(got), str(want))
    assert "Fix:" in str(got)


@pytest.mark.parametrize(
    "data",
    [
        [2**64, 1.5],
        [2**64, 1j],
        [[1, 2], (3, 4)],
        [-(2**63)],
        [2**63 - 1],
        [[], []],
        [300.5, 2],
        [np.True_],  # (was "len() of unsized object", as for a 0-d array)
        [np.True_, np.False_],
        [np.True_, 1.5],
        [np.uint16(2), 1.5],  # NumPy's unsigned values promote to floats
        [np.uint64(2), 1.5],
        [np.uint16(2), np.float16(1)],
    ],
    ids=repr,
)
def test_data_numpy_makes_objects_or_pytorch_accepts_convert_as_torch(data: Any) -> None:
    mine, theirs = ag.tensor(data), torch.tensor(data)
    assert str(mine.dtype).removeprefix("arraygrad.") == str(theirs.dtype).removeprefix("torch.")
    assert mine.tolist() == theirs.tolist()


@pytest.mark.parametrize(
    ("data", "name"),
    [
        ([np.uint16(2)], "uint16"),
        ([[np.uint16(2)], [np.uint16(3)]], "uint16"),
        ([np.array([2], dtype=np.uint32)], "uint32"),
    ],
    ids=repr,
)
def test_numpy_unsigned_values_arraygrad_lacks_are_refused(data: Any, name: str) -> None:
    # torch makes a tensor of their dtype, which arraygrad lacks (as for such an array alone):
    # arraygrad made int64 of them
    assert str(torch.tensor(data).dtype) == f"torch.{name}"
    with pytest.raises(TypeError, match=f"arrays of dtype {name} are not supported") as info:
        ag.tensor(data)
    assert "Fix:" in str(info.value)


# Lists holding tensors, as code: a tensor where the shape (read from the first items) has a
# number is that number, whatever its dimensions; one where it has a sequence is a sequence.
TENSORS_IN_LISTS = [
    "L.tensor([L.tensor([1.0]), L.tensor([2.0])])",  # shape [2], not [2, 1]
    "L.tensor([L.tensor([[1.0]]), L.tensor(2.0)])",
    "L.tensor([L.tensor(1.0), L.tensor([2.0])])",
    "L.as_tensor([L.tensor([False]), L.tensor([True])])",
    "L.tensor([[L.tensor([1], dtype=L.int8)], [L.tensor([2], dtype=L.int8)]])",
    "L.tensor([[1.0, 2.0], L.tensor([3.0, 4.0])])",  # (a sequence where one belongs)
    "L.tensor([L.tensor([1.0, 2.0]), L.tensor([3.0, 4.0])])",  # torch's ValueError
    "L.tensor([L.tensor([]), L.tensor([])])",
]


@pytest.mark.parametrize("code", TENSORS_IN_LISTS)
def test_tensors_in_lists_are_numbers_where_the_shape_has_numbers_as_torch(code: str) -> None:
    # arraygrad read every tensor in a list as a sequence: [tensor([1.]), tensor([2.])] had
    # shape [2, 1] and [tensor([1., 2.]), ...] was accepted
    outcomes = []
    for lib in (torch, ag):
        try:
            made = eval(code, {"L": lib})
        except ValueError as error:
            outcomes.append(str(error).split(":")[0])
        else:
            outcomes.append((made.tolist(), tuple(made.shape), str(made.dtype).split(".")[-1]))
    assert outcomes[1] == outcomes[0]
