"""PyTorch's older autocast-state functions, one per device type (``is_autocast_cpu_enabled``,
``get_autocast_cpu_dtype``, ``set_autocast_cpu_enabled``, ``set_autocast_cpu_dtype``, the
``gpu`` dtype pair, the ``xla`` and ``ipu`` quartets): each warns as torch 2.13 does that it is
deprecated, naming its replacement, and calls that replacement in
:mod:`arraygrad.amp.autocast_mode` (the thread's own state, as there). A getter returns what
its replacement does (off, and the device type's default dtype, at first); a setter checks
its one argument (a bool, or a dtype) before warning, as torch's.

>>> import arraygrad, warnings
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore")
...     arraygrad.set_autocast_cpu_dtype(arraygrad.float16)
...     print(arraygrad.is_autocast_cpu_enabled(), arraygrad.get_autocast_cpu_dtype())
...     arraygrad.set_autocast_cpu_dtype(arraygrad.bfloat16)
False arraygrad.float16
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from arraygrad._dtype import dtype as _dtype_class
from arraygrad.amp import autocast_mode

__all__ = [
    "get_autocast_cpu_dtype",
    "get_autocast_gpu_dtype",
    "get_autocast_ipu_dtype",
    "get_autocast_xla_dtype",
    "is_autocast_cpu_enabled",
    "is_autocast_ipu_enabled",
    "is_autocast_xla_enabled",
    "set_autocast_cpu_dtype",
    "set_autocast_cpu_enabled",
    "set_autocast_gpu_dtype",
    "set_autocast_ipu_dtype",
    "set_autocast_ipu_enabled",
    "set_autocast_xla_dtype",
    "set_autocast_xla_enabled",
]


def _legacy(
    name: str,
    replacement: str,
    call: Callable[..., Any],
    doc: str,
    argument: tuple[str, Callable[[Any], None]] | None = None,
) -> Callable[..., Any]:
    """torch's ``name``: checks its one ``argument`` (its name and check; none without it),
    warns that it is deprecated, naming ``replacement``, and returns ``call``'s answer."""
    arity = 0 if argument is None else 1

    def legacy(*args: Any) -> Any:
        if len(args) != arity:  # torch's bindings count the arguments first, as here
            wanted = "no arguments" if arity == 0 else "exactly one argument"
            raise TypeError(f"torch.{name}() takes {wanted} ({len(args)} given)")
        if argument is not None:
            argument[1](args[0])  # checked before the warning, as torch
        signature = "()" if argument is None else f"({argument[0]})"
        warnings.warn(
            f"torch.{name}{signature} is deprecated. Please use torch.{replacement} instead.",
            DeprecationWarning,
            stacklevel=2,
        )
        return call(*args)

    legacy.__name__ = legacy.__qualname__ = name
    legacy.__doc__ = f"{doc} (deprecated, as in PyTorch: {replacement})."
    return legacy


def _check_bool(enabled: Any) -> None:
    if not isinstance(enabled, bool):
        raise TypeError(f"enabled must be a bool (got {type(enabled).__name__})")


def _check_dtype(dtype: Any) -> None:
    if not isinstance(dtype, _dtype_class):
        raise TypeError(f"dtype must be a torch.dtype (got {type(dtype).__name__})")


def _quartet(device: str, name: str) -> list[Callable[..., Any]]:
    """The four forms of ``device`` (``name`` in their names): is, set enabled; get, set
    dtype."""
    state = autocast_mode
    return [
        _legacy(
            f"is_autocast_{name}_enabled",
            f"is_autocast_enabled('{device}')",
            lambda: state.is_autocast_enabled(device),
            f"Whether autocast is on for {device!r}",
        ),
        _legacy(
            f"set_autocast_{name}_enabled",
            f"set_autocast_enabled('{device}', enabled)",
            lambda enabled: state.set_autocast_enabled(device, enabled),
            f"Turn autocast on or off for {device!r}",
            ("enabled", _check_bool),
        ),
        _legacy(
            f"get_autocast_{name}_dtype",
            f"get_autocast_dtype('{device}')",
            lambda: state.get_autocast_dtype(device),
            f"The autocast dtype of {device!r}",
        ),
        _legacy(
            f"set_autocast_{name}_dtype",
            f"set_autocast_dtype('{device}', dtype)",
            lambda dtype: state.set_autocast_dtype(device, dtype),
            f"Set the autocast dtype of {device!r}",
            ("dtype", _check_dtype),
        ),
    ]


(
    is_autocast_cpu_enabled,
    set_autocast_cpu_enabled,
    get_autocast_cpu_dtype,
    set_autocast_cpu_dtype,
) = _quartet("cpu", "cpu")
# CUDA's flag has the device-less forms is_autocast_enabled() and set_autocast_enabled(enabled)
_, _, get_autocast_gpu_dtype, set_autocast_gpu_dtype = _quartet("cuda", "gpu")
(
    is_autocast_xla_enabled,
    set_autocast_xla_enabled,
    get_autocast_xla_dtype,
    set_autocast_xla_dtype,
) = _quartet("xla", "xla")
(
    is_autocast_ipu_enabled,
    set_autocast_ipu_enabled,
    get_autocast_ipu_dtype,
    set_autocast_ipu_dtype,
) = _quartet("ipu", "ipu")
