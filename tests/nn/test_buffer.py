"""``nn.Buffer``: assigned to a module attribute it registers a buffer, as torch's does."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import torch

import arraygrad as ag


def _module(lib: Any) -> Any:
    m = lib.nn.Module()
    m.kept = lib.nn.Buffer(lib.ones(2))
    m.scratch = lib.nn.Buffer(lib.zeros(3), persistent=False)
    return m


def _summary(m: Any) -> Any:
    return (
        [name for name, _ in m.named_buffers()],
        list(m.state_dict()),
        sorted(m._non_persistent_buffers_set),
        [name for name, _ in m.named_parameters()],
    )


def test_buffer_assignment_registers_as_torch() -> None:
    mine, theirs = _module(ag), _module(torch)
    assert _summary(mine) == _summary(theirs) == (["kept", "scratch"], ["kept"], ["scratch"], [])
    copied = copy.deepcopy(mine)
    assert _summary(copied) == _summary(theirs)
    assert isinstance(copied.scratch, ag.nn.Buffer) and isinstance(
        copy.deepcopy(theirs).scratch, torch.nn.Buffer
    )
    assert _summary(mine.double()) == _summary(theirs.double())
    assert mine.scratch.dtype == ag.float64 and mine.to("cpu") is mine


def test_buffer_is_a_marked_plain_tensor_sharing_memory() -> None:
    for lib in (ag, torch):
        x = lib.ones(2)
        b = lib.nn.Buffer(x)
        assert type(b) is lib.Tensor and b is not x and b.data_ptr() == x.data_ptr()
        assert isinstance(b, lib.nn.Buffer) and b.persistent is True
        assert not isinstance(x, lib.nn.Buffer) and not isinstance(b * 2, lib.nn.Buffer)
        assert not isinstance(lib.nn.Parameter(lib.ones(1)), lib.nn.Buffer)
        assert lib.nn.Buffer(lib.ones(1, requires_grad=True)).requires_grad
        assert not lib.nn.Buffer(lib.ones(1)).requires_grad
        assert lib.nn.Buffer().shape == lib.nn.Buffer(None).shape == (0,)
        with pytest.raises(TypeError, match="positional"):
            lib.nn.Buffer(lib.ones(1), True)
        with pytest.raises(AttributeError, match="'list' object has no attribute 'detach'"):
            lib.nn.Buffer([1.0])


def test_plain_tensor_over_a_buffer_stays_a_buffer_of_its_persistence() -> None:
    outcomes = []
    for lib in (ag, torch):
        m = lib.nn.Module()
        m.q = lib.nn.Buffer(lib.ones(1), persistent=False)
        m.q = lib.zeros(1)
        seen = [_summary(m), isinstance(m.q, lib.nn.Buffer), m._buffers["q"].tolist()]
        m.q = lib.nn.Buffer(lib.ones(1))  # a Buffer says its persistence again
        seen.append(_summary(m))
        m.q = None
        seen.append(_summary(m))
        outcomes.append(seen)
    assert outcomes[0] == outcomes[1]


def test_buffer_over_other_attributes_is_refused_as_torch() -> None:
    def attempts(lib: Any) -> list[tuple[str, str]]:
        out = []
        for setup in ("param", "module", "plain"):
            m = lib.nn.Linear(1, 1)
            m.plain = 3
            target = {"param": "weight", "module": None, "plain": "plain"}[setup]
            if setup == "module":
                m.sub = lib.nn.Linear(1, 1)
                target = "sub"
            try:
                setattr(m, target, lib.nn.Buffer(lib.ones(1)))
                out.append(("ok", ""))
            except (TypeError, KeyError) as error:
                out.append((type(error).__name__, str(error).split("(")[0]))
        return out

    mine, theirs = attempts(ag), attempts(torch)
    # torch's words first; arraygrad's message then names the fix
    assert [c for c, _ in mine] == [c for c, _ in theirs]
    for (_, ours), (_, torchs) in zip(mine, theirs, strict=True):
        # (a KeyError's str is its message quoted: compare without the closing quote)
        assert ours.replace("arraygrad", "torch").startswith(torchs.rstrip("'\""))
    assert [c for c, _ in mine] == ["TypeError", "TypeError", "KeyError"]


def test_register_buffer_keeps_its_own_persistent_argument() -> None:
    for lib in (ag, torch):
        m = lib.nn.Module()
        m.register_buffer("q", lib.nn.Buffer(lib.ones(1), persistent=False))
        assert list(m.state_dict()) == ["q"]
