"""Anomaly detection: name the first op whose backward produced NaN."""

from __future__ import annotations

import contextvars
from types import TracebackType
from typing import Any

from arraygrad import _backend

_enabled: contextvars.ContextVar[bool] = contextvars.ContextVar("detect_anomaly", default=False)


def is_enabled() -> bool:
    """Whether backward checks every computed gradient for NaN."""
    return _enabled.get()


def is_anomaly_enabled() -> bool:
    """PyTorch's name for :func:`is_enabled`."""
    return _enabled.get()


class set_detect_anomaly:  # noqa: N801 - PyTorch's name
    """Turn anomaly detection on or off; usable as a plain call or a context manager.

    With it on, backward raises ``RuntimeError`` naming the first backward function that returns
    NaN values, instead of silently filling ``.grad`` with NaN.
    """

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self._token = _enabled.set(bool(mode) and check_nan)

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        _enabled.reset(self._token)


class detect_anomaly(set_detect_anomaly):  # noqa: N801 - PyTorch's name
    """Context manager turning anomaly detection on."""

    def __init__(self, check_nan: bool = True) -> None:
        super().__init__(True, check_nan)


def check(node: Any, position: int, grad: Any, create_graph: bool) -> None:
    """Raise if ``grad``, computed by ``node`` for input ``position``, contains NaN."""
    array = grad._data if create_graph else grad
    xp = _backend.xp
    if bool(xp.any(xp.isnan(xp.asarray(array)))):
        raise RuntimeError(
            f"Function '{node.name()}' returned nan values in its {position}th output. Fix: "
            "look for log/sqrt/division at 0 or overflow in the forward inputs of this op."
        )
