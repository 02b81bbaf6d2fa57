"""Anomaly detection: name the first op whose backward produced NaN."""

from __future__ import annotations

import builtins
import contextvars
import warnings
from types import TracebackType
from typing import Any

from arraygrad import _backend

# (enabled, check_nan): PyTorch keeps the two apart, and checks for NaN only when both hold.
_mode: contextvars.ContextVar[tuple[bool, bool]] = contextvars.ContextVar(
    "detect_anomaly", default=(False, True)
)


def is_enabled() -> bool:
    """Whether backward checks every computed gradient for NaN (anomaly mode with check_nan)."""
    enabled, check_nan = _mode.get()
    return enabled and check_nan


def is_anomaly_enabled() -> bool:
    """Whether anomaly detection is on (whatever its ``check_nan``); off by default.

    >>> import arraygrad
    >>> with arraygrad.autograd.set_detect_anomaly(True):
    ...     print(arraygrad.is_anomaly_enabled())
    True
    >>> arraygrad.is_anomaly_enabled()
    False
    """
    return _mode.get()[0]


def is_anomaly_check_nan_enabled() -> bool:
    """The ``check_nan`` of anomaly detection (True unless set off with the mode); NaN checks
    run only when anomaly detection is on too.

    >>> import arraygrad
    >>> with arraygrad.autograd.set_detect_anomaly(True, check_nan=False):
    ...     print(arraygrad.is_anomaly_check_nan_enabled())
    False
    """
    return _mode.get()[1]


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    """Turn anomaly detection on or off for the rest of the program (PyTorch's plain-call form
    of :class:`set_detect_anomaly`).

    >>> import arraygrad
    >>> arraygrad.set_anomaly_enabled(True, check_nan=False)
    >>> arraygrad.is_anomaly_enabled(), arraygrad.is_anomaly_check_nan_enabled()
    (True, False)
    >>> arraygrad.set_anomaly_enabled(False)
    """
    for value, name in ((enabled, "'enabled' (position 1)"), (check_nan, "'check_nan'")):
        if value.__class__ is not builtins.bool:
            raise TypeError(
                f"set_anomaly_enabled(): argument {name} must be bool, not {type(value).__name__}"
            )
    _mode.set((enabled, check_nan))


class set_detect_anomaly:  # noqa: N801 - PyTorch's name
    """Turn anomaly detection on or off; usable as a plain call or a context manager.

    With it on, backward raises ``RuntimeError`` naming the first backward function that returns
    NaN values, instead of silently filling ``.grad`` with NaN. As a context manager it restores
    the previous mode on exit.

    >>> import arraygrad
    >>> x = arraygrad.tensor([-1.0], requires_grad=True)
    >>> with arraygrad.autograd.set_detect_anomaly(True):
    ...     try:
    ...         arraygrad.sqrt(x).backward()
    ...     except RuntimeError as error:
    ...         print(str(error)[:62])
    Function 'SqrtBackward0' returned nan values in its 0th output
    """

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self._token = _mode.set((bool(mode), bool(check_nan)))

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        _mode.reset(self._token)


class detect_anomaly(set_detect_anomaly):  # noqa: N801 - PyTorch's name
    """Context manager turning anomaly detection on (with a UserWarning that it slows backward
    down, as PyTorch's); see :class:`set_detect_anomaly`.

    >>> import arraygrad, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     with arraygrad.autograd.detect_anomaly():
    ...         print(arraygrad.is_anomaly_enabled())
    True
    """

    def __init__(self, check_nan: bool = True) -> None:
        warnings.warn(
            "Anomaly Detection has been enabled. This mode will increase the runtime and should "
            "only be enabled for debugging.",
            stacklevel=2,
        )
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
