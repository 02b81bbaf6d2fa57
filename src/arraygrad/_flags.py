"""Process-wide modes that PyTorch scripts set first: deterministic algorithms, the float32
matmul precision, always-warn and flush-denormal, with PyTorch's checks and read-back.

None of them changes arraygrad's numbers, and the docstrings say why: NumPy's kernels are
deterministic already (the same inputs give the same bits on every run, there are no atomics
racing), matrix products run in full float32 (there are no tensor cores to trade precision for
speed), and NumPy cannot switch the CPU's denormal handling. What they keep is what scripts read
back, so ``torch.are_deterministic_algorithms_enabled()`` after ``use_deterministic_algorithms``
says what the script asked for.

>>> import arraygrad
>>> arraygrad.use_deterministic_algorithms(True)
>>> arraygrad.are_deterministic_algorithms_enabled(), arraygrad.get_deterministic_debug_mode()
(True, 2)
>>> arraygrad.use_deterministic_algorithms(False)
"""

from __future__ import annotations

import builtins
from typing import Any

__all__ = [
    "are_deterministic_algorithms_enabled",
    "get_deterministic_debug_mode",
    "get_float32_matmul_precision",
    "is_deterministic_algorithms_warn_only_enabled",
    "is_warn_always_enabled",
    "set_deterministic_debug_mode",
    "set_float32_matmul_precision",
    "set_flush_denormal",
    "set_warn_always",
    "use_deterministic_algorithms",
]

# What was asked for, read back by the getters (and by arraygrad.backends for the tf32 flags).
_state: dict[str, Any] = {
    "deterministic": False,
    "warn_only": False,
    "matmul_precision": "highest",
    "warn_always": False,
}

_PRECISIONS = ("highest", "high", "medium")
_DEBUG_MODES = ("default", "warn", "error")


def _require_bool(value: Any, message: str) -> None:
    """PyTorch's flags take exactly a bool: 1 or "yes" are refused, not read as true."""
    if value.__class__ is not builtins.bool:
        raise TypeError(message.format(type(value).__name__))


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Ask for deterministic algorithms (``mode``), with ``warn_only`` to warn instead of raise
    where an op has none. On arraygrad every op is deterministic already (NumPy's kernels give
    the same bits on every run), so nothing warns or raises; the setting is kept for
    :func:`are_deterministic_algorithms_enabled` and
    :func:`is_deterministic_algorithms_warn_only_enabled`.

    >>> import arraygrad
    >>> arraygrad.use_deterministic_algorithms(True, warn_only=True)
    >>> arraygrad.is_deterministic_algorithms_warn_only_enabled()
    True
    >>> arraygrad.use_deterministic_algorithms(False)
    """
    name = "_set_deterministic_algorithms()"
    _require_bool(mode, name + ": argument 'mode' (position 1) must be bool, not {}")
    _require_bool(warn_only, name + ": argument 'warn_only' must be bool, not {}")
    _state["deterministic"] = mode
    _state["warn_only"] = warn_only


def are_deterministic_algorithms_enabled() -> bool:
    """Whether :func:`use_deterministic_algorithms` was last given ``True`` (default False).
    The answer changes no result: arraygrad's ops are deterministic either way.

    >>> import arraygrad
    >>> arraygrad.are_deterministic_algorithms_enabled()
    False
    """
    return bool(_state["deterministic"])


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """The ``warn_only`` last given to :func:`use_deterministic_algorithms` (default False).

    >>> import arraygrad
    >>> arraygrad.is_deterministic_algorithms_warn_only_enabled()
    False
    """
    return bool(_state["warn_only"])


def set_deterministic_debug_mode(debug_mode: str | int) -> None:
    """:func:`use_deterministic_algorithms` by level: ``"default"``/0 off, ``"warn"``/1 on
    with ``warn_only``, ``"error"``/2 on.

    >>> import arraygrad
    >>> arraygrad.set_deterministic_debug_mode("warn")
    >>> arraygrad.get_deterministic_debug_mode()
    1
    >>> arraygrad.set_deterministic_debug_mode(0)
    """
    if isinstance(debug_mode, str):
        if debug_mode not in _DEBUG_MODES:
            raise RuntimeError(
                "invalid value of debug_mode, expected one of `default`, `warn`, `error`, "
                f"but got {debug_mode}"
            )
        level = _DEBUG_MODES.index(debug_mode)
    elif isinstance(debug_mode, int):  # bool too, as for torch: True is "warn"
        if debug_mode not in (0, 1, 2):
            raise RuntimeError(
                f"invalid value of debug_mode, expected 0, 1, or 2, but got {debug_mode}"
            )
        level = int(debug_mode)
    else:
        raise TypeError(f"debug_mode must be str or int, but got {type(debug_mode)}")
    use_deterministic_algorithms(level > 0, warn_only=level == 1)


def get_deterministic_debug_mode() -> int:
    """The level :func:`set_deterministic_debug_mode` takes, read from the last
    :func:`use_deterministic_algorithms`: 0 off, 1 on with ``warn_only``, 2 on.

    >>> import arraygrad
    >>> arraygrad.get_deterministic_debug_mode()
    0
    """
    if not _state["deterministic"]:
        return 0
    return 1 if _state["warn_only"] else 2


def set_float32_matmul_precision(precision: str) -> None:
    """Allow float32 matrix products to compute in lower internal precision: ``"highest"``
    (the default), ``"high"`` or ``"medium"``; another string warns and changes nothing, as in
    PyTorch. arraygrad's products always compute in full float32 (NumPy's BLAS has no
    TensorFloat-32 or bfloat16 passes), so results are those of ``"highest"`` whatever is set;
    the choice is kept for :func:`get_float32_matmul_precision` and
    ``arraygrad.backends.cuda.matmul.allow_tf32``.

    >>> import arraygrad
    >>> arraygrad.set_float32_matmul_precision("high")
    >>> arraygrad.get_float32_matmul_precision()
    'high'
    >>> arraygrad.set_float32_matmul_precision("highest")
    """
    if not isinstance(precision, str):
        raise RuntimeError(
            f"set_float32_matmul_precision expects a str, but got {type(precision).__name__}"
        )
    if precision not in _PRECISIONS:
        import warnings

        warnings.warn(
            f"{precision} is not one of 'highest', 'high', or 'medium'; the current"
            "setFloat32MatmulPrecision call has no effect.",
            UserWarning,
            stacklevel=2,
        )
        return
    _state["matmul_precision"] = precision


def get_float32_matmul_precision() -> str:
    """The precision last set by :func:`set_float32_matmul_precision` (``"highest"`` at first;
    ``backends.cuda.matmul.allow_tf32 = True`` sets ``"high"``). Products compute in full
    float32 whatever it says.

    >>> import arraygrad
    >>> arraygrad.get_float32_matmul_precision()
    'highest'
    """
    return str(_state["matmul_precision"])


def set_warn_always(b: bool) -> None:
    """Make warnings that arraygrad gives once per process (``frombuffer``'s about read-only
    buffers) come every time, as PyTorch's ``set_warn_always`` does for its warn-once ones.
    ``b`` must be a bool (``1`` raises RuntimeError, as in torch).

    >>> import arraygrad
    >>> arraygrad.set_warn_always(True)
    >>> arraygrad.is_warn_always_enabled()
    True
    >>> arraygrad.set_warn_always(False)
    """
    if b.__class__ is not builtins.bool:
        raise RuntimeError(f"setWarnOnlyOnce expects a bool, but got {type(b).__name__}")
    _state["warn_always"] = b


def is_warn_always_enabled() -> bool:
    """Whether :func:`set_warn_always` turned warn-once warnings into always-warnings (default
    False).

    >>> import arraygrad
    >>> arraygrad.is_warn_always_enabled()
    False
    """
    return bool(_state["warn_always"])


def set_flush_denormal(mode: bool) -> bool:
    """Ask the CPU to flush denormal floats to zero; returns whether it could be set. NumPy
    offers no way to set the CPU's flush-to-zero mode, so this is always False and denormals
    keep their values (PyTorch returns True on x86 CPUs with SSE3, where it changes results).

    >>> import arraygrad
    >>> arraygrad.set_flush_denormal(True)
    False
    """
    if mode.__class__ is not builtins.bool:
        raise RuntimeError(f"flush_denormal expects a bool, but got {type(mode).__name__}")
    return False
