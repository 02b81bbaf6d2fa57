"""frombuffer, from_dlpack / to_dlpack, Tensor.__dlpack__, get_device and empty_permuted
against torch 2.13.0 as a black box: values, shared memory, warnings and errors."""

from __future__ import annotations

import array
import warnings
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
import arraygrad._interop as interop


def _outcome(action: Any) -> tuple[str, Any]:
    try:
        result = action()
    except Exception as error:  # the class and text are what is compared
        return (type(error).__name__, str(error))
    return ("ok", (str(result.dtype).split(".")[1], result.tolist(), result.requires_grad))


FOUR = b"\x00\x00\x80?\x00\x00\x00@"  # float32 1.0 and 2.0


@pytest.mark.parametrize(
    "source, keywords",
    [
        (FOUR, {"dtype": "float32"}),
        (FOUR, {"dtype": "float32", "count": 1, "offset": 4}),
        (FOUR, {"dtype": "float32", "offset": 2}),
        (FOUR, {"dtype": "float64", "count": 2}),
        (FOUR, {"dtype": "int8", "offset": 9}),
        (FOUR, {"dtype": "int8", "offset": -1}),
        (FOUR, {"dtype": "int8", "count": 0}),
        (FOUR, {"dtype": "int8", "count": -2}),
        (FOUR, {"dtype": "int16", "count": 5}),
        (b"", {"dtype": "int8"}),
        (b"ab", {"dtype": "int8", "requires_grad": True}),
        (b"abcd", {"dtype": "float32", "requires_grad": True}),
        (b"abc", {"dtype": "int16"}),
        (b"abcd", {"dtype": "bool"}),
        ([1, 2], {"dtype": "int8"}),
        (array.array("i", [1, 2]), {"dtype": "int32"}),
        (array.array("i", [1, 2]), {"dtype": "int8"}),
        (np.arange(3.0), {"dtype": "float64"}),
        (memoryview(b"abcd")[::2], {"dtype": "int8"}),
    ],
)
def test_frombuffer_matches_torch(source: Any, keywords: dict[str, Any]) -> None:
    def call(lib: Any) -> Any:
        options = dict(keywords, dtype=getattr(lib, keywords["dtype"]))
        writable = bytearray(source) if isinstance(source, bytes) else source
        return lib.frombuffer(writable, **options)

    mine, theirs = _outcome(lambda: call(ag)), _outcome(lambda: call(torch))
    if mine[0] == "RuntimeError":  # arraygrad's message adds what the tensor was and a fix
        mine = (mine[0], mine[1][: len(theirs[1])])
    assert mine == theirs


def test_frombuffer_shares_memory_and_keyword_forms() -> None:
    data = bytearray(4)
    t = ag.frombuffer(data, dtype=ag.int8)
    t[1] = 5
    t.add_(1)
    assert data == bytearray(b"\x01\x06\x01\x01")
    for lib in (torch, ag):
        with pytest.raises(TypeError):
            lib.frombuffer(bytearray(b"ab"), lib.int8)
        with pytest.raises(TypeError):
            lib.frombuffer(bytearray(b"ab"))


def test_frombuffer_warns_once_on_a_read_only_buffer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(interop, "_warned_read_only", [False])
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        torch.frombuffer(b"ab", dtype=torch.int8)
    with warnings.catch_warnings(record=True) as mine:
        warnings.simplefilter("always")
        t = ag.frombuffer(b"ab", dtype=ag.int8)
        ag.frombuffer(b"ab", dtype=ag.int8)  # once per process, as torch's
    assert t.tolist() == [97, 98]
    assert [str(w.message) for w in mine] == [str(theirs[-1].message).split(" (Triggered")[0]]
    ag.set_warn_always(True)
    try:
        with pytest.warns(UserWarning, match="The given buffer is not writable"):
            ag.frombuffer(b"ab", dtype=ag.int8)
    finally:
        ag.set_warn_always(False)


def test_from_dlpack_shares_memory_with_numpy_and_torch() -> None:
    source = np.arange(3.0)
    t = ag.from_dlpack(source)
    t[0] = 9.0
    assert source.tolist() == [9.0, 1.0, 2.0] and t.dtype is ag.float64
    theirs = torch.arange(4.0)
    mine = ag.from_dlpack(theirs)
    mine[1] = 7.0
    assert theirs.tolist() == [0.0, 7.0, 2.0, 3.0]
    transposed = np.arange(6.0).reshape(2, 3).T
    assert ag.from_dlpack(transposed).stride() == torch.from_dlpack(transposed).stride()
    assert ag.from_dlpack(np.arange(3.0), copy=True).tolist() == [0.0, 1.0, 2.0]


def test_capsules_both_ways() -> None:
    t = ag.arange(3)
    back = ag.from_dlpack(ag.utils.dlpack.to_dlpack(t))
    back[0] = 5
    assert t.tolist() == [5, 1, 2]
    assert ag.from_dlpack(torch.utils.dlpack.to_dlpack(torch.arange(3))).tolist() == [0, 1, 2]
    assert torch.from_dlpack(ag.to_dlpack(ag.arange(2.0))).tolist() == [0.0, 1.0]
    for lib in (torch, ag):
        with pytest.raises(RuntimeError, match="from_dlpack received an invalid capsule"):
            lib.from_dlpack(1)


def test_tensor_dlpack_protocol() -> None:
    t = ag.arange(3.0)
    assert t.__dlpack_device__() == torch.arange(3.0).__dlpack_device__()
    assert str(t.__dlpack_device__()[0]) == str(torch.arange(3.0).__dlpack_device__()[0])
    shared = np.from_dlpack(t)
    shared[2] = 8.0
    assert t.tolist() == [0.0, 1.0, 8.0]
    assert torch.from_dlpack(t).tolist() == [0.0, 1.0, 8.0]
    with pytest.raises(BufferError, match="Can't export tensors that require gradient"):
        ag.ones(2, requires_grad=True).__dlpack__()


def test_get_device() -> None:
    assert ag.get_device(ag.zeros(1)) == torch.get_device(torch.zeros(1)) == -1
    for lib in (torch, ag):
        with pytest.raises(TypeError, match="must be Tensor, not int"):
            lib.get_device(1)


@pytest.mark.parametrize(
    "size, layout",
    [
        ((2, 3, 4), (0, 2, 1)),
        ((2, 3, 4), (2, 0, 1)),
        ((), ()),
        ([2, 3], [1, 0]),
        ((2, 3), (0, 0)),
        ((2, 3), (0,)),
        ((2, 3), (0, 2)),
        ((2, 3), (-1, 0)),
    ],
)
def test_empty_permuted_matches_torch(size: Any, layout: Any) -> None:
    def call(lib: Any) -> Any:
        t = lib.empty_permuted(size, layout, dtype=lib.float64, requires_grad=True)
        return (tuple(t.shape), t.stride(), t.dtype is lib.float64, t.requires_grad)

    outcomes = []
    for lib in (ag, torch):
        try:
            outcomes.append(("ok", call(lib)))
        except RuntimeError as error:
            outcomes.append(("RuntimeError", str(error)))
    if outcomes[1][0] == "RuntimeError":  # torch's words (then any fix arraygrad adds)
        assert outcomes[0][0] == "RuntimeError" and outcomes[0][1].startswith(outcomes[1][1])
    else:
        assert outcomes[0] == outcomes[1]
