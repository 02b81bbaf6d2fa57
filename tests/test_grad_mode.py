"""no_grad / enable_grad / set_grad_enabled: nesting, re-entry, exceptions and decorators."""

from __future__ import annotations

from collections.abc import Generator

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


def test_one_no_grad_object_shared_by_threads():
    # PyTorch allows one no_grad() object to be entered by several threads at once; each
    # thread's grad mode is its own and comes back on exit.
    import threading

    shared = ag.no_grad()
    start = threading.Barrier(2)
    seen: list[bool] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(50):
                start.wait()
                with shared:
                    seen.append(ag.is_grad_enabled())
                    start.wait()
                seen.append(ag.is_grad_enabled())
        except BaseException as error:  # reported below
            errors.append(error)
            start.abort()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert seen.count(False) == 100 and seen.count(True) == 100


@pytest.mark.parametrize("lib", ["arraygrad", "torch"])
def test_bare_decorators_as_in_pytorch(lib: str) -> None:
    # PyTorch accepts @torch.no_grad and @torch.enable_grad without parentheses; programs that
    # use them run unchanged.
    module = pytest.importorskip(lib)
    w = module.tensor(1.0, requires_grad=True)

    @module.no_grad
    def evaluate(x: float) -> object:
        """Evaluate without recording."""
        return w * x

    @module.enable_grad
    def record(x: float) -> object:
        return w * x

    assert not evaluate(2.0).requires_grad
    assert evaluate.__name__ == "evaluate" and evaluate.__doc__ == "Evaluate without recording."
    with module.no_grad():
        assert record(2.0).requires_grad
    assert module.is_grad_enabled()


def test_no_grad_given_a_value_says_how_to_use_it() -> None:
    # torch.no_grad(True) returns a decorated "function" that fails at ``with`` with a TypeError;
    # arraygrad raises the TypeError at once and names the fix.
    with pytest.raises(TypeError, match=r"no_grad\(\) takes no arguments, got True.*set_grad"):
        ag.no_grad(True)  # type: ignore[arg-type]
    assert ag.is_grad_enabled()


@pytest.mark.parametrize("lib", ["arraygrad", "torch"])
@pytest.mark.parametrize("bare", [False, True])
def test_decorated_generators_run_each_step_in_the_mode(lib: str, bare: bool) -> None:
    # As in PyTorch: every resumption of the generator runs with the decorator's mode, and the
    # caller's own mode is back at each yield; values sent and thrown in reach the generator.
    module = pytest.importorskip(lib)
    decorate = module.no_grad if bare else module.no_grad()
    seen = []

    @decorate
    def steps(count: int) -> Generator[bool, object, str]:
        for _ in range(count):
            try:
                received = yield module.is_grad_enabled()
            except KeyError:
                received = "thrown"
            seen.append((received, module.is_grad_enabled()))
        return "done"

    generator = steps(3)
    assert next(generator) is False
    assert module.is_grad_enabled()
    assert generator.send("sent") is False
    assert generator.throw(KeyError()) is False
    with pytest.raises(StopIteration) as stop:
        generator.send("last")
    assert stop.value.value == "done"
    assert seen == [("sent", False), ("thrown", False), ("last", False)]
    assert module.is_grad_enabled()


def test_a_no_grad_subclass_takes_its_own_arguments() -> None:
    class Labelled(ag.no_grad):
        def __init__(self, label: str) -> None:
            self.label = label

    with Labelled("eval") as _:
        assert not ag.is_grad_enabled()
    assert Labelled("eval").label == "eval" and ag.is_grad_enabled()


# --- inference_mode ------------------------------------------------------------------------------


def _modes(module: object) -> tuple[bool, bool]:
    return module.is_grad_enabled(), module.is_inference_mode_enabled()  # type: ignore[attr-defined]


@pytest.mark.parametrize("lib", ["arraygrad", "torch"])
def test_inference_mode_turns_recording_off_and_inference_on_as_in_pytorch(lib: str) -> None:
    module = pytest.importorskip(lib)
    w = module.tensor(1.0, requires_grad=True)
    seen = []
    with module.inference_mode():
        seen.append(_modes(module))
        seen.append((w * 2).requires_grad)
        with module.inference_mode(False):  # PyTorch turns recording back on here
            seen.append(_modes(module))
        seen.append(_modes(module))
    seen.append(_modes(module))
    with module.no_grad(), module.inference_mode(mode=False):
        seen.append(_modes(module))
    on, off = (False, True), (True, False)  # (grad mode, inference mode)
    assert seen == [on, False, off, on, off, off]


@pytest.mark.parametrize("lib", ["arraygrad", "torch"])
@pytest.mark.parametrize("bare", [False, True])
def test_inference_mode_decorates_functions_and_generators(lib: str, bare: bool) -> None:
    module = pytest.importorskip(lib)
    decorate = module.inference_mode if bare else module.inference_mode()
    w = module.tensor(1.0, requires_grad=True)

    @decorate
    def evaluate(x: float) -> object:
        """Evaluate without recording."""
        return (w * x).requires_grad, _modes(module)

    @decorate
    def steps() -> Generator[tuple[bool, bool], None, None]:
        yield _modes(module)
        yield _modes(module)

    assert evaluate(2.0) == (False, (False, True))
    assert evaluate.__doc__ == "Evaluate without recording."
    generator = steps()
    assert next(generator) == (False, True)
    assert _modes(module) == (True, False)  # the caller's modes at each yield
    assert next(generator) == (False, True)
    with module.no_grad():
        assert module.inference_mode(False)(lambda: _modes(module))() == (True, False)
    cloned = module.inference_mode().clone()
    with cloned:
        assert _modes(module) == (False, True)
    assert _modes(module) == (True, False)


def test_inference_mode_is_restored_when_the_block_raises_and_when_re_entered() -> None:
    guard = ag.inference_mode()
    with pytest.raises(KeyError), guard:
        raise KeyError("boom")
    assert _modes(ag) == (True, False)
    # One object entered twice restores each level. (torch 2.13.0 leaves inference mode on
    # after both blocks of such a re-entry; that is not followed.)
    with guard:
        with guard:
            assert _modes(ag) == (False, True)
        assert _modes(ag) == (False, True)
    assert _modes(ag) == (True, False)


def test_inference_mode_is_in_autograd_too_as_in_pytorch() -> None:
    assert ag.autograd.inference_mode is ag.inference_mode
