"""The process-wide modes of arraygrad._flags (and anomaly mode's top-level calls) against
torch 2.13.0 as a black box: what is read back after each setting, and the exceptions."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest
import torch

import arraygrad as ag


def _outcome(action: Any) -> tuple[str, str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = repr(action())
        except Exception as error:  # the class and text are what is compared
            return (type(error).__name__, str(error))
    # torch's warnings end with where in its C++ sources they were raised
    texts = [str(w.message).split(" (Triggered internally")[0] for w in caught]
    return ("ok", result + "".join(f" / warns {t}" for t in texts))


@pytest.fixture(autouse=True)
def _restore() -> Iterator[None]:
    yield
    for lib in (torch, ag):
        lib.use_deterministic_algorithms(False)
        lib.set_float32_matmul_precision("highest")
        lib.set_warn_always(False)
        lib.set_anomaly_enabled(False)


def _both(call: str) -> None:
    """Run ``call`` on each library (``lib`` is the library) and compare what happens."""
    mine = _outcome(lambda: eval(call, {"lib": ag, "torch": torch}))
    theirs = _outcome(lambda: eval(call, {"lib": torch, "torch": torch}))
    assert mine == theirs, call


def _state() -> None:
    for query in [
        "lib.are_deterministic_algorithms_enabled()",
        "lib.is_deterministic_algorithms_warn_only_enabled()",
        "lib.get_deterministic_debug_mode()",
        "lib.get_float32_matmul_precision()",
        "lib.is_warn_always_enabled()",
        "lib.is_anomaly_enabled()",
        "lib.is_anomaly_check_nan_enabled()",
    ]:
        _both(query)


def test_defaults() -> None:
    _state()


DETERMINISTIC = [
    "lib.use_deterministic_algorithms(True)",
    "lib.use_deterministic_algorithms(True, warn_only=True)",
    "lib.use_deterministic_algorithms(False, warn_only=True)",
    "lib.use_deterministic_algorithms(mode=False)",
    "lib.use_deterministic_algorithms(1)",
    "lib.use_deterministic_algorithms(None)",
    "lib.use_deterministic_algorithms(True, warn_only=1)",
    "lib.set_deterministic_debug_mode('warn')",
    "lib.set_deterministic_debug_mode('error')",
    "lib.set_deterministic_debug_mode('default')",
    "lib.set_deterministic_debug_mode(1)",
    "lib.set_deterministic_debug_mode(2)",
    "lib.set_deterministic_debug_mode(True)",
    "lib.set_deterministic_debug_mode(3)",
    "lib.set_deterministic_debug_mode(-1)",
    "lib.set_deterministic_debug_mode('WARN')",
    "lib.set_deterministic_debug_mode(1.0)",
    "lib.set_deterministic_debug_mode(None)",
]


@pytest.mark.parametrize("call", DETERMINISTIC)
def test_deterministic_settings(call: str) -> None:
    _both("lib.set_deterministic_debug_mode('warn')")  # a state that the call must change
    _both(call)
    _state()


def test_deterministic_argument_forms_are_torch_s() -> None:
    with pytest.raises(TypeError):
        ag.use_deterministic_algorithms(True, True)  # type: ignore[misc]
    with pytest.raises(TypeError):
        ag.use_deterministic_algorithms()  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "call",
    [
        "lib.set_float32_matmul_precision('high')",
        "lib.set_float32_matmul_precision('medium')",
        "lib.set_float32_matmul_precision('highest')",
        "lib.set_float32_matmul_precision('bogus')",
        "lib.set_float32_matmul_precision('HIGH')",
        "lib.set_float32_matmul_precision(1)",
    ],
)
def test_float32_matmul_precision(call: str) -> None:
    _both("lib.set_float32_matmul_precision('medium')")
    _both(call)
    _state()


@pytest.mark.parametrize(
    "call",
    [
        "lib.set_warn_always(True)",
        "lib.set_warn_always(False)",
        "lib.set_warn_always(1)",
        "lib.set_flush_denormal(1)",
        "lib.set_anomaly_enabled(True)",
        "lib.set_anomaly_enabled(True, False)",
        "lib.set_anomaly_enabled(True, check_nan=False)",
        "lib.set_anomaly_enabled(1)",
        "lib.set_anomaly_enabled(False, check_nan=1)",
        "lib.autograd.set_detect_anomaly(True, check_nan=False) and None",
    ],
)
def test_warn_always_flush_denormal_and_anomaly(call: str) -> None:
    _both(call)
    _state()


def test_flush_denormal_says_it_cannot_be_set() -> None:
    # NumPy cannot set the CPU's flush-to-zero mode: False, and denormals keep their values
    assert ag.set_flush_denormal(True) is False
    assert ag.tensor([1e-310], dtype=ag.float64).item() == 1e-310


def test_anomaly_without_check_nan_lets_nan_through() -> None:
    x = ag.tensor([0.0], requires_grad=True)
    ag.set_anomaly_enabled(True, check_nan=False)
    (x.sqrt() * 0).sum().backward()  # 0 * inf: a NaN gradient, not checked
    assert x.grad is not None and bool(x.grad.isnan().all())
    ag.set_anomaly_enabled(True)
    x.grad = None
    with pytest.raises(RuntimeError, match="returned nan values"):
        (x.sqrt() * 0).sum().backward()
