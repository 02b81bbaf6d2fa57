"""``finfo``/``iinfo`` and the thread-count settings (``_info.py``) against torch 2.13.0."""

from __future__ import annotations

import subprocess
import sys
import warnings
from typing import Any

import pytest
import torch

import arraygrad as ag
from arraygrad import _info
from tests.oracle import outcome_in_each

FLOATS = ["float16", "float32", "float64"]
INTS = ["uint8", "int8", "int16", "int32", "int64"]


@pytest.mark.parametrize("name", [*FLOATS, "bfloat16", "complex64", "complex128"])
def test_finfo_equals_torch(name: str) -> None:
    # A complex dtype gives the limits of its parts: finfo(complex64) is float32's.
    mine, theirs = ag.finfo(getattr(ag, name)), torch.finfo(getattr(torch, name))
    for key in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(mine, key) == getattr(theirs, key), key
        assert type(getattr(mine, key)) is type(getattr(theirs, key)), key
    assert repr(mine) == repr(theirs)


def test_finfo_defaults_to_the_default_dtype() -> None:
    assert ag.finfo().dtype == "float32"
    ag.set_default_dtype(ag.float64)
    try:
        assert ag.finfo().eps == torch.finfo(torch.float64).eps
    finally:
        ag.set_default_dtype(ag.float32)


@pytest.mark.parametrize("name", INTS)
def test_iinfo_equals_torch(name: str) -> None:
    mine, theirs = ag.iinfo(getattr(ag, name)), torch.iinfo(getattr(torch, name))
    for key in ("bits", "max", "min", "dtype"):
        assert getattr(mine, key) == getattr(theirs, key), key
        assert type(getattr(mine, key)) is type(getattr(theirs, key)), key
    assert repr(mine) == repr(theirs)


@pytest.mark.parametrize(
    "call",
    [
        lambda L: L.finfo(L.int32),
        lambda L: L.finfo(L.bool),
        lambda L: L.finfo("float32"),
        lambda L: L.iinfo(L.float32),
        lambda L: L.iinfo(L.bool),
        lambda L: L.iinfo(3),
    ],
)
def test_wrong_kind_of_dtype_is_a_type_error_as_in_torch(call: Any) -> None:
    assert outcome_in_each(call, TypeError) == ("TypeError", "TypeError")


@pytest.fixture
def fresh_threads() -> Any:
    saved = dict(_info._threads), _info._warned
    _info._threads.clear()
    _info._warned = False
    yield
    _info._threads.clear()
    _info._threads.update(saved[0])
    _info._warned = saved[1]


@pytest.mark.parametrize("name", ["num_threads", "num_interop_threads"])
def test_set_validates_as_torch_records_and_warns_once(name: str, fresh_threads: Any) -> None:
    assert getattr(ag, f"get_{name}")() >= 1
    for bad in (0, -1, 1.5, "2"):
        assert outcome_in_each(lambda L, n=bad: getattr(L, f"set_{name}")(n), RuntimeError)[1] == (
            "RuntimeError"
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        getattr(ag, f"set_{name}")(3)
        if name == "num_threads":
            ag.set_num_threads(5)
    assert [w.category for w in caught] == [UserWarning]
    assert "BLAS" in str(caught[0].message)
    assert getattr(ag, f"get_{name}")() == (5 if name == "num_threads" else 3)


def test_interop_threads_are_set_once_per_process_as_in_torch(fresh_threads: Any) -> None:
    # torch refuses a second set_num_interop_threads, after checking the number (in a
    # subprocess: this one's torch may have been set already)
    script = (
        "import torch\n"
        "torch.set_num_interop_threads(2)\n"
        "for n in (0, 3):\n"
        "    try:\n"
        "        torch.set_num_interop_threads(n)\n"
        "    except RuntimeError as error:\n"
        "        print(str(error).splitlines()[0])\n"
        "print(torch.get_num_interop_threads())\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    expected = run.stdout.splitlines()
    got = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ag.set_num_interop_threads(2)
        for n in (0, 3):
            with pytest.raises(RuntimeError) as error:
                ag.set_num_interop_threads(n)
            got.append(str(error.value))
    assert got[0].startswith(expected[0]) and got[1].startswith(expected[1]), (got, expected)
    assert str(ag.get_num_interop_threads()) == expected[2]


def test_torch_rejects_the_same_thread_counts() -> None:
    for bad in (0, -1, 1.5):
        assert outcome_in_each(lambda L, n=bad: L.set_num_threads(n), RuntimeError) == (
            "RuntimeError",
            "RuntimeError",
        )
