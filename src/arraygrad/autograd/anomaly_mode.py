"""Anomaly detection: name the first op whose backward produced NaN, and warn, when a
backward function fails, of the forward call that made it."""

from __future__ import annotations

import builtins
import contextvars
import os
import warnings
from types import TracebackType
from typing import Any

from arraygrad import _backend, _primitive

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
    _primitive.set_anomaly_active(enabled)


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
        _primitive.set_anomaly_active(bool(mode))

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        _mode.reset(self._token)
        _primitive.set_anomaly_active(_mode.get()[0])


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


# arraygrad's own files: the frames of a forward call's stack inside them are left out of the
# traceback the warning shows (PyTorch's ops run in C++, which its tracebacks do not show).
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def record_forward(node: Any) -> None:
    """Keep on ``node``, just recorded in anomaly mode, the stack of the forward call that made
    it (up to the call into arraygrad), for :func:`warn_failed`. Called for each recorded op
    while anomaly detection is on anywhere (``_primitive.anomaly_active``)."""
    if not _mode.get()[0]:
        return
    import traceback  # (not at import: only anomaly mode reads stacks)

    frames = traceback.extract_stack()
    end = len(frames)
    while end and frames[end - 1].filename.startswith(_PACKAGE):
        end -= 1
    node.__dict__["forward_stack"] = frames[:end]


def warn_failed(error: BaseException, backward: Any) -> None:
    """In anomaly mode, PyTorch's warning for a backward pass that raised ``error``: the name
    of the backward function that was running (the ``node`` of the outermost frame of the
    engine's loop ``backward`` in its traceback) and the traceback of the forward call that
    made it, where it was recorded in anomaly mode. Nothing where no node was running (an
    error before the pass started)."""
    if not _mode.get()[0]:
        return
    node = None
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code is backward.__code__:
            node = tb.tb_frame.f_locals.get("node")
            break
        tb = tb.tb_next
    if node is None:
        return
    stack = node.__dict__.get("forward_stack")
    if stack is None:
        detail = (
            "No forward pass information available. Enable detect anomaly during forward "
            "pass for more information."
        )
    else:
        import traceback

        detail = "Traceback of forward call that caused the error:\n" + "".join(
            traceback.format_list(stack)
        )
    warnings.warn(f"Error detected in {node.name()}. {detail}", UserWarning, stacklevel=4)
