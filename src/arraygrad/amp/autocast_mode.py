"""``autocast``: PyTorch's automatic mixed precision context, as far as arraygrad can honour it.

Under ``torch.autocast`` PyTorch runs chosen operations (matrix products, convolutions) in a
lower precision and others in float32, by lists of its own. arraygrad does not cast
automatically, so it accepts exactly the uses whose result does not depend on those lists:

- ``enabled=False``: a context manager (and decorator) that changes nothing, as in PyTorch;
- the cases where PyTorch itself warns and disables autocast: ``device_type="cuda"`` when CUDA
  is not available, and a CPU ``dtype`` other than bfloat16 and float16 (float32, float64);
- everything else (CPU autocast to bfloat16, PyTorch's CPU default, or to float16; CUDA
  autocast on a GPU) raises a RuntimeError that names the limitation and the fix,
  rather than silently computing in float32.

>>> import arraygrad
>>> with arraygrad.autocast("cpu", enabled=False):
...     (arraygrad.ones(2, 2) @ arraygrad.ones(2, 2)).dtype
arraygrad.float32
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

from arraygrad import _device, cuda
from arraygrad._dtype import dtype as _dtype_class
from arraygrad._dtype import float16

__all__ = ["autocast", "custom_bwd", "custom_fwd", "is_autocast_available"]

F = TypeVar("F", bound=Callable[..., Any])

# PyTorch's autocast dtype when none is given: bfloat16 on the CPU, float16 on CUDA.
_DEFAULT_DTYPE_NAMES = {"cpu": "bfloat16", "cuda": "float16"}


class autocast:  # noqa: N801 - PyTorch's name
    """``autocast(device_type, dtype=None, enabled=True, cache_enabled=None)``: see the module
    docstring for what runs and what raises."""

    def __init__(
        self,
        device_type: str,
        dtype: _dtype_class | None = None,
        enabled: bool = True,
        cache_enabled: bool | None = None,
    ) -> None:
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        _device.device(device_type)  # an unknown name raises PyTorch's RuntimeError
        self.device = device_type
        self.fast_dtype = dtype
        self._cache_enabled = cache_enabled
        self._enabled = bool(enabled)
        if not self._enabled:
            return
        wanted = _DEFAULT_DTYPE_NAMES.get(device_type) if dtype is None else dtype.name
        if device_type == "cuda" and not cuda.is_available():
            warnings.warn(
                "CUDA is not available or torch_xla is imported. Disabling autocast.",
                UserWarning,
                stacklevel=2,
            )
            self._enabled = False
            return
        if device_type == "cpu" and wanted not in ("bfloat16", float16.name):
            warnings.warn(
                "In CPU autocast, but the target dtype is not supported. Disabling autocast.\n"
                "CPU Autocast only supports dtypes of torch.bfloat16, torch.float16 currently.",
                UserWarning,
                stacklevel=2,
            )
            self._enabled = False
            return
        raise _unsupported(device_type, wanted)

    def __enter__(self) -> autocast:
        # only a disabled autocast gets here: inside it, the state functions report autocast
        # off for this device (as PyTorch's do), and the cache setting given
        self._saved = (
            _state.enabled.get(self.device, False),
            _state.cache_enabled,
        )
        _state.enabled[self.device] = False
        if self._cache_enabled is not None:
            _state.cache_enabled = bool(self._cache_enabled)
        return self

    def __exit__(self, *exc_info: object) -> None:
        _state.enabled[self.device], _state.cache_enabled = self._saved

    def __call__(self, func: F) -> F:
        """Use as a decorator: ``func`` runs inside this context."""

        @functools.wraps(func)
        def inside(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return inside  # type: ignore[return-value]


def _unsupported(device_type: str, wanted: Any) -> RuntimeError:
    """The error for an autocast arraygrad cannot honour (it would change results)."""
    return RuntimeError(
        f"autocast(device_type={device_type!r}) with {wanted} is not supported: arraygrad "
        "has no automatic mixed precision (it does not cast operations to a lower "
        "precision by PyTorch's per-operation lists). Fix: drop the autocast context (or "
        "pass enabled=False) to compute in the tensors' own dtypes, and convert the model "
        "and inputs explicitly (e.g. model.half(), x.half()) for a lower precision."
    )


class _AutocastState:
    """What PyTorch's autocast-state functions read and write: per device type, whether
    autocast is on and the dtype it would cast to (by name), whether its cast cache is on, and
    how deeply autocast contexts are nested."""

    def __init__(self) -> None:
        self.enabled: dict[str, bool] = {}
        self.dtype_names: dict[str, str] = {}
        self.cache_enabled = True
        self.nesting = 0


_state = _AutocastState()


def _device_type(device_type: Any, function: str) -> str:
    if not isinstance(device_type, str):
        raise TypeError(
            f"{function}(): argument 'device_type' (position 1) must be str, not "
            f"{type(device_type).__name__}"
        )
    return _device.device(device_type).type  # an unknown name raises PyTorch's RuntimeError


def is_autocast_available(device_type: str) -> bool:
    """Whether PyTorch offers autocast on ``device_type`` (every device type it knows; an
    unknown name raises). arraygrad accepts the disabled uses only: see :class:`autocast`."""
    _device.device(device_type)
    return True


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """Whether autocast is on for ``device_type`` (no argument: CUDA, as PyTorch's old
    form); in arraygrad only ``set_autocast_enabled`` on a device without tensors turns it on."""
    name = "cuda" if device_type is None else _device_type(device_type, "is_autocast_enabled")
    return _state.enabled.get(name, False)


def set_autocast_enabled(device_type: Any, enabled: Any = None) -> None:
    """Turn autocast on or off for ``device_type`` (PyTorch's old form
    ``set_autocast_enabled(enabled)`` means CUDA). Turning it on where arraygrad has tensors
    (the CPU) raises, as :class:`autocast` does: it cannot cast by PyTorch's lists."""
    position = 2  # of ``enabled`` in the call, for the error
    if enabled is None:
        device_type, enabled, position = "cuda", device_type, 1
    if not isinstance(enabled, bool):
        raise TypeError(
            f"set_autocast_enabled(): argument 'enabled' (position {position}) must be bool, "
            f"not {type(enabled).__name__}"
        )
    name = _device_type(device_type, "set_autocast_enabled")
    if enabled and name != "cuda":
        raise _unsupported(name, _autocast_dtype_name(name))
    # CUDA's flag can be set, as in PyTorch without a GPU: no arraygrad tensor lives there
    # (arraygrad.cuda is never available), so no result depends on it
    _state.enabled[name] = enabled


def _autocast_dtype_name(device_type: str) -> str:
    return _state.dtype_names.get(device_type, _DEFAULT_DTYPE_NAMES.get(device_type, "float16"))


def get_autocast_dtype(device_type: str) -> _dtype_class:
    """The dtype autocast would cast to on ``device_type`` (the CPU's default: bfloat16)."""
    import arraygrad

    name = _autocast_dtype_name(_device_type(device_type, "get_autocast_dtype"))
    found = getattr(arraygrad, name, None)
    if not isinstance(found, _dtype_class):
        raise RuntimeError(
            f"the autocast dtype of {device_type!r} is PyTorch's {name}, which arraygrad "
            "has no dtype for; set another with set_autocast_dtype"
        )
    return found


def set_autocast_dtype(device_type: str, dtype: _dtype_class) -> None:
    """Set the dtype autocast would cast to on ``device_type``."""
    name = _device_type(device_type, "set_autocast_dtype")
    _state.dtype_names[name] = dtype.name


def is_autocast_cache_enabled() -> bool:
    """Whether autocast caches its casts of leaf tensors (on by default)."""
    return _state.cache_enabled


def set_autocast_cache_enabled(enabled: bool) -> None:
    """Turn autocast's cast cache on or off."""
    _state.cache_enabled = bool(enabled)


def clear_autocast_cache() -> None:
    """Drop autocast's cached casts: arraygrad makes none, so there is nothing to drop."""


def autocast_increment_nesting() -> int:
    """One level deeper in autocast contexts; returns the new depth."""
    _state.nesting += 1
    return _state.nesting


def autocast_decrement_nesting() -> int:
    """One level out of autocast contexts; returns the new depth (PyTorch's goes below 0)."""
    _state.nesting -= 1
    return _state.nesting


def custom_fwd(
    fwd: Callable[..., Any] | None = None,
    *,
    device_type: str,
    cast_inputs: _dtype_class | None = None,
) -> Any:
    """Decorate an ``autograd.Function``'s ``forward``: it runs with autocast as the caller has
    it, or, with ``cast_inputs``, with autocast off and its floating tensor arguments cast to
    ``cast_inputs`` when autocast is on. :func:`custom_bwd` then runs ``backward`` with the
    autocast state the forward saw."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def forward(*args: Any, **kwargs: Any) -> Any:
        ctx = args[0]
        on = is_autocast_enabled(device_type)
        # the dtype is read only when autocast is on (arraygrad has no default CPU one)
        ctx._dtype = get_autocast_dtype(device_type) if on else None
        if cast_inputs is None or not on:
            ctx._fwd_used_autocast = on and cast_inputs is None
            return fwd(*args, **kwargs)
        ctx._fwd_used_autocast = False
        with autocast(device_type, enabled=False):
            cast = [_cast(arg, cast_inputs) for arg in args[1:]]
            named = {key: _cast(value, cast_inputs) for key, value in kwargs.items()}
            return fwd(ctx, *cast, **named)

    return forward


def custom_bwd(bwd: Callable[..., Any] | None = None, *, device_type: str) -> Any:
    """Decorate an ``autograd.Function``'s ``backward``: it runs with the autocast state (on or
    off, and dtype) that the :func:`custom_fwd` forward ran with."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def backward(*args: Any, **kwargs: Any) -> Any:
        ctx = args[0]
        used = getattr(ctx, "_fwd_used_autocast", False)
        with autocast(device_type, enabled=used, dtype=getattr(ctx, "_dtype", None)):
            return bwd(*args, **kwargs)

    return backward


def _cast(value: Any, dtype: _dtype_class) -> Any:
    """``value`` cast to ``dtype`` if it is a floating tensor (inside lists, tuples and dicts
    too); anything else unchanged."""
    from arraygrad._tensor import Tensor

    if isinstance(value, Tensor):
        return value.to(dtype) if value.is_floating_point() else value
    if isinstance(value, list | tuple):
        return type(value)(_cast(item, dtype) for item in value)
    if isinstance(value, dict):
        return {key: _cast(item, dtype) for key, item in value.items()}
    return value
