"""set_default_device / get_default_device against torch 2.13.0 (CPU build): what is read
back, and that factories and modules then need that device to be arraygrad's."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch

import arraygrad as ag


@pytest.fixture(autouse=True)
def _restore() -> Iterator[None]:
    yield
    torch.set_default_device(None)
    ag.set_default_device(None)


@pytest.mark.parametrize("device", ["cpu", "cpu:0", None])
def test_reads_back_as_torch(device: object) -> None:
    torch.set_default_device(device)  # type: ignore[arg-type]
    ag.set_default_device(device)
    assert str(ag.get_default_device()) == str(torch.get_default_device())
    assert str(ag.zeros(2).device) == str(torch.zeros(2).device)


def test_device_object_and_errors() -> None:
    ag.set_default_device(ag.device("cpu"))
    assert ag.get_default_device() == ag.device("cpu")
    for bad in ("bogus", 0):
        with pytest.raises(RuntimeError) as theirs:
            torch.set_default_device(bad)
        with pytest.raises(RuntimeError) as mine:
            ag.set_default_device(bad)
        # torch's words first; arraygrad's message then names the fix
        assert str(mine.value).startswith(str(theirs.value))


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.zeros(2),
        lambda lib: lib.tensor([1.0]),
        lambda lib: lib.randn(2),
        lambda lib: lib.arange(3),
        lambda lib: lib.full((2,), 1.0),
        lambda lib: lib.nn.Linear(2, 2),
    ],
)
def test_an_unusable_default_device_makes_factories_raise(make: object) -> None:
    torch.set_default_device("meta")  # a device torch has and arraygrad does not compute on
    ag.set_default_device("meta")
    make(torch)  # type: ignore[operator]
    with pytest.raises(RuntimeError, match="device 'meta' is not available"):
        make(ag)  # type: ignore[operator]
    ag.set_default_device(None)
    make(ag)  # type: ignore[operator]


def test_like_functions_follow_their_input() -> None:
    x = ag.zeros(2)
    ag.set_default_device("meta")
    assert ag.ones_like(x).device == ag.device("cpu")
    assert x.new_zeros(3).device == ag.device("cpu")


def test_new_and_like_factories_follow_their_input() -> None:
    x = ag.zeros(2)
    ag.set_default_device("meta")
    made = [
        ag.full_like(x, 1.0),
        ag.empty_like(x),
        ag.rand_like(x),
        x.new_ones(2),
        x.new_empty(2),
        x.new_full((2,), 1.0),
        x.new_tensor([1.0]),
    ]
    assert all(t.device == ag.device("cpu") for t in made)
