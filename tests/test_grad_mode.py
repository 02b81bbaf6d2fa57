"""no_grad / enable_grad / set_grad_enabled: nesting, re-entry, exceptions and decorators."""

from __future__ import annotations

import pytest

import arraygrad as ag


def test_one_no_grad_object_re_entered_restores_each_level() -> None:
    guard = ag.no_grad()
    with guard:
        assert not ag.is_grad_enabled()
        with ag.enable_grad():
            assert ag.is_grad_enabled()
            with guard:  # the same object again, inside a level that records
                assert not ag.is_grad_enabled()
            assert ag.is_grad_enabled()
        assert not ag.is_grad_enabled()
    assert ag.is_grad_enabled()
    with guard:  # reusable once closed
        assert not ag.is_grad_enabled()
    assert ag.is_grad_enabled()


def test_grad_mode_is_restored_when_the_block_raises() -> None:
    guard = ag.no_grad()
    with pytest.raises(KeyError), guard, ag.enable_grad(), guard:
        raise KeyError("boom")
    assert ag.is_grad_enabled()
    w = ag.tensor(1.0, requires_grad=True)
    assert (w * 2).requires_grad


def test_no_grad_and_enable_grad_as_decorators() -> None:
    @ag.no_grad()
    def inner() -> bool:
        with ag.enable_grad():
            assert ag.is_grad_enabled()
        return ag.is_grad_enabled()

    assert inner() is False and ag.is_grad_enabled()
    with ag.no_grad():
        assert ag.enable_grad()(ag.is_grad_enabled)() is True
        assert not ag.is_grad_enabled()
