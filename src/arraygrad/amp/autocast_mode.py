"""``autocast``: PyTorch's automatic mixed precision context, on the CPU.

Under ``autocast("cpu")`` (bfloat16 by default, or ``dtype=float16``) the functions on
PyTorch's lists cast their floating tensor arguments first, as torch 2.13's CPU autocast does
(observed op by op; :mod:`arraygrad.amp._casts` has the rules):

- to the autocast dtype: the matrix products (``matmul``/``@``, ``mm``, ``bmm``, ``addmm``,
  ``baddbmm``, ``addbmm``, ``tensordot``, and ``einsum`` where it contracts with a ``bmm``),
  ``linear``, the convolutions (``conv1d/2d/3d``, ``conv_transpose1d/2d/3d``), ``prelu``,
  ``scaled_dot_product_attention`` and ``nn.LSTM``'s oneDNN layers; float64 tensors are not
  cast;
- to float32: the losses (``mse_loss``, ``l1_loss``, ``smooth_l1_loss``, ``huber_loss``,
  ``cross_entropy``, ``nll_loss``, ``binary_cross_entropy(_with_logits)``, ``kl_div``, the
  margin, embedding and Poisson losses), ``cdist``, ``prod``, ``quantile``/``nanquantile``,
  ``grid_sample``;
- to float32 where a float32 tensor is among them: ``index_copy``;

and every other function computes in its inputs' dtypes (``softmax``, ``layer_norm``,
``batch_norm``, ``sum``, ``mv``, ``dot`` stay float32 on float32 inputs). The backward of a
cast computes in the input's dtype, so float32 parameters get float32 gradients.
``enabled=False`` inside turns it off again; the decorator form and ``cache_enabled`` work as
PyTorch's. The state is per thread, as PyTorch's (see :class:`_AutocastState`). Other
device types, as PyTorch's CPU build: ``"cuda"`` warns and disables without CUDA; the other
types PyTorch's autocast knows (``"mps"``, ``"xla"``, ``"xpu"``, ``"ipu"``, ``"hpu"``,
``"mtia"``, ``"maia"``) set their own state, which casts nothing here (no arraygrad tensor
lives on them, as none of PyTorch's CPU tensors do); the rest (``"meta"``, ``"lazy"``...) are
refused. Where arraygrad computes on CUDA (CuPy) an enabled CUDA autocast raises, as
arraygrad does not cast there.

>>> import arraygrad
>>> with arraygrad.autocast("cpu"):
...     (arraygrad.ones(2, 2) @ arraygrad.ones(2, 2)).dtype
arraygrad.bfloat16
"""

from __future__ import annotations

import functools
import threading
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

from arraygrad import _autocast_flag, _device, cuda
from arraygrad._dtype import dtype as _dtype_class
from arraygrad._dtype import float16

__all__ = ["autocast", "custom_bwd", "custom_fwd", "is_autocast_available"]

F = TypeVar("F", bound=Callable[..., Any])

# The device types PyTorch's autocast knows (torch.amp.is_autocast_available): each has its
# own state. Other device types have none: PyTorch refuses to read or set it.
_AUTOCAST_TYPES = frozenset(
    ("cpu", "cuda", "xpu", "ipu", "hpu", "xla", "privateuseone", "mps", "mtia", "maia")
)
# PyTorch's autocast dtype when none is given: bfloat16 on the CPU, XLA, HPU and MAIA, float16
# on the other types it knows (and on HIP, which has a dtype but no autocast state).
_DEFAULT_DTYPE_NAMES = {"cpu": "bfloat16", "xla": "bfloat16", "hpu": "bfloat16", "maia": "bfloat16"}
_SUPPORTED_DTYPE_NAMES = ("bfloat16", float16.name)


class autocast:  # noqa: N801 - PyTorch's name
    """``autocast(device_type, dtype=None, enabled=True, cache_enabled=None)``: a context (or
    decorator) inside which the functions on PyTorch's lists cast their floating arguments to
    ``dtype`` (bfloat16 by default on the CPU; float16 also allowed) or to float32; see the
    module docstring for the lists. On exit the previous state returns; ``enabled=False``
    inside an enabled one turns casting off for its block.

    >>> import arraygrad
    >>> a = arraygrad.ones(2, 2)
    >>> with arraygrad.autocast("cpu"):
    ...     print((a @ a).dtype, (a + a).dtype)
    arraygrad.bfloat16 arraygrad.float32
    >>> with arraygrad.autocast("cpu", dtype=arraygrad.float16):
    ...     print((a @ a).dtype)
    arraygrad.float16
    """

    def __init__(
        self,
        device_type: str,
        dtype: _dtype_class | None = None,
        enabled: bool = True,
        cache_enabled: bool | None = None,
    ) -> None:
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        # PyTorch's fast_dtype: the device type's current one (an unknown name raises)
        self.fast_dtype = get_autocast_dtype(device_type) if dtype is None else dtype
        self.device = device_type
        self._type = _device.device(device_type).type  # ("cpu:0" sets the CPU's state)
        if self._type not in _AUTOCAST_TYPES:
            raise RuntimeError(
                f"User specified an unsupported autocast device_type '{device_type}' (PyTorch's "
                f"autocast runs on {', '.join(sorted(_AUTOCAST_TYPES))}). Fix: use "
                "autocast('cpu')."
            )
        if self._type == "privateuseone":  # no backend has registered one here
            raise AssertionError(
                "Tried to use AMP with the `privateuseone` backend, but the backend has not "
                "registered a module or  the module miss some necessary funcs. The backend "
                "should register a module by `torch._register_device_module`, and the module "
                "must have these funcs: \n`get_amp_supported_dtype() -> List[torch.dtype]`. \n"
            )
        self._cache_enabled = cache_enabled
        self._enabled = bool(enabled)
        if not self._enabled:
            return
        if device_type == "cuda" and not cuda.is_available():
            warnings.warn(
                "CUDA is not available or torch_xla is imported. Disabling autocast.",
                UserWarning,
                stacklevel=2,
            )
            self._enabled = False
            return
        if self.fast_dtype.name not in _SUPPORTED_DTYPE_NAMES:
            name = device_type.upper()
            warnings.warn(
                f"In {name} autocast, but the target dtype is not supported. Disabling "
                f"autocast.\n{name} Autocast only supports dtypes of torch.bfloat16, "
                "torch.float16 currently.",
                UserWarning,
                stacklevel=2,
            )
            self._enabled = False
            return
        if self._type == "cuda" and cuda.is_available():  # (CuPy computes there)
            raise _unsupported(device_type, self.fast_dtype.name)

    def __enter__(self) -> autocast:
        # As PyTorch's: the context sets the device's flag, its dtype (even when disabled: a
        # disabled float16 context reports float16) and the cache setting, one level deeper.
        self._saved = (
            _state.enabled.get(self._type, False),
            _state.dtype_names.get(self._type),
            _state.cache_enabled,
        )
        _state.enabled[self._type] = self._enabled
        _state.dtype_names[self._type] = self.fast_dtype.name
        if self._cache_enabled is not None:
            _state.cache_enabled = bool(self._cache_enabled)
        autocast_increment_nesting()
        _sync_flag()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if autocast_decrement_nesting() == 0:
            clear_autocast_cache()  # the outermost context's casts of parameters go
        enabled, dtype_name, _state.cache_enabled = self._saved
        _state.enabled[self._type] = enabled
        if dtype_name is None:
            _state.dtype_names.pop(self._type, None)
        else:
            _state.dtype_names[self._type] = dtype_name
        _sync_flag()

    def __call__(self, func: F) -> F:
        """Use as a decorator: ``func`` runs inside this context."""

        @functools.wraps(func)
        def inside(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return inside  # type: ignore[return-value]


def _sync_flag() -> None:
    """Keep the flag the listed functions read in step with this thread's CPU autocast."""
    _autocast_flag.set_thread_enabled(_state.enabled.get("cpu", False))


def _unsupported(device_type: str, wanted: Any) -> RuntimeError:
    """The error for a CUDA autocast where arraygrad computes on CUDA (CuPy), which it cannot
    honour: it casts by PyTorch's CPU lists only (it would change results)."""
    return RuntimeError(
        f"autocast(device_type={device_type!r}) with {wanted} is not supported: arraygrad "
        "casts by PyTorch's per-operation lists on the CPU only. Fix: use autocast('cpu') "
        "(bfloat16 or float16), or pass enabled=False."
    )


class _AutocastState(threading.local):
    """What PyTorch's autocast-state functions read and write, per thread as PyTorch's (a new
    thread starts with autocast off, the default dtypes, the cache on and no nesting; asyncio
    tasks of one thread share it): per device type, whether autocast is on and the dtype it
    would cast to (by name), whether its cast cache is on, and how deeply autocast contexts
    are nested. The cached casts themselves are process-wide, as PyTorch's
    (:mod:`arraygrad.amp._casts`)."""

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
            ". Fix: pass a device type string such as 'cpu' or 'cuda'."
        )
    return _device.device(device_type).type  # an unknown name raises PyTorch's RuntimeError


def _with_state(name: str) -> str:
    """``name``, a device type that has autocast state; PyTorch's refusal for another."""
    if name not in _AUTOCAST_TYPES:
        raise RuntimeError(
            "unknown device type for autocast in get_autocast_dispatch_key_from_device_type: "
            f"{name!r} has no autocast state (PyTorch's autocast runs on "
            f"{', '.join(sorted(_AUTOCAST_TYPES))}). Fix: use 'cpu'."
        )
    return name


def is_autocast_available(device_type: str) -> bool:
    """Whether PyTorch offers autocast on ``device_type`` (an unknown name raises). arraygrad
    casts on the CPU: see :class:`autocast`.

    >>> import arraygrad
    >>> arraygrad.amp.is_autocast_available("cpu")
    True
    """
    return _device.device(device_type).type in _AUTOCAST_TYPES


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """Whether autocast is on for ``device_type`` in this thread (no argument: CUDA, as
    PyTorch's old form).

    >>> import arraygrad
    >>> with arraygrad.autocast("cpu"):
    ...     print(arraygrad.is_autocast_enabled("cpu"))
    True
    >>> arraygrad.is_autocast_enabled("cpu")
    False
    """
    if device_type is None:
        return _state.enabled.get("cuda", False)
    name = _with_state(_device_type(device_type, "is_autocast_enabled"))
    return _state.enabled.get(name, False)


def set_autocast_enabled(device_type: Any = None, enabled: Any = None) -> None:
    """Turn autocast on or off for ``device_type`` in this thread, outside any context
    (PyTorch's old form ``set_autocast_enabled(enabled)`` means CUDA); ``enabled`` must be a
    bool. Prefer :class:`autocast`, which restores the state on exit.

    >>> import arraygrad
    >>> arraygrad.set_autocast_enabled("cpu", True)
    >>> (arraygrad.ones(2, 2) @ arraygrad.ones(2, 2)).dtype
    arraygrad.bfloat16
    >>> arraygrad.set_autocast_enabled("cpu", False)
    """
    position = 2  # of ``enabled`` in the call, for the error
    if enabled is None:
        device_type, enabled, position = "cuda", device_type, 1
    elif device_type is None:  # set_autocast_enabled(enabled=...): the old form too
        device_type = "cuda"
    if position == 2:  # PyTorch reads the arguments in order: the device type first
        _device_type(device_type, "set_autocast_enabled")
    if not isinstance(enabled, bool):
        raise TypeError(
            f"set_autocast_enabled(): argument 'enabled' (position {position}) must be bool, "
            f"not {type(enabled).__name__}"
            ". Fix: pass True or False."
        )
    name = _with_state(_device_type(device_type, "set_autocast_enabled"))
    # Another device type's flag can be set, as in PyTorch's CPU build: nothing here reads it
    # (CUDA's included, where arraygrad computes on the CPU)
    _state.enabled[name] = enabled
    _sync_flag()


def get_autocast_dtype(device_type: str) -> _dtype_class:
    """The dtype autocast would cast to on ``device_type``: the last set, else the default
    (bfloat16 on the CPU, XLA, HPU and MAIA; float16 on CUDA and the others).

    >>> import arraygrad
    >>> arraygrad.get_autocast_dtype("cpu"), arraygrad.get_autocast_dtype("cuda")
    (arraygrad.bfloat16, arraygrad.float16)
    """
    import arraygrad

    kind = _device_type(device_type, "get_autocast_dtype")
    name = _state.dtype_names.get(kind)
    if name is None:
        if kind not in _AUTOCAST_TYPES and kind != "hip":
            # PyTorch's: no dtype was ever set for a device type without autocast
            raise RuntimeError(
                f"unsupported scalarType: {kind!r} has no autocast dtype (PyTorch's autocast "
                f"runs on {', '.join(sorted(_AUTOCAST_TYPES))}). Fix: use 'cpu'."
            )
        name = _DEFAULT_DTYPE_NAMES.get(kind, float16.name)
    found = getattr(arraygrad, name, None)
    if not isinstance(found, _dtype_class):
        raise RuntimeError(
            f"the autocast dtype of {device_type!r} is PyTorch's {name}, which arraygrad "
            "has no dtype for; set another with set_autocast_dtype"
        )
    return found


def set_autocast_dtype(device_type: str, dtype: _dtype_class) -> None:
    """Set the dtype autocast would cast to on ``device_type`` in this thread, used by an
    :class:`autocast` given no ``dtype``.

    >>> import arraygrad
    >>> arraygrad.set_autocast_dtype("cpu", arraygrad.float16)
    >>> arraygrad.get_autocast_dtype("cpu")
    arraygrad.float16
    >>> arraygrad.set_autocast_dtype("cpu", arraygrad.bfloat16)
    """
    name = _device_type(device_type, "set_autocast_dtype")
    if not isinstance(dtype, _dtype_class):
        raise TypeError(
            "set_autocast_dtype(): argument 'dtype' (position 2) must be torch.dtype, not "
            f"{type(dtype).__name__}"
            ". Fix: pass a dtype such as arraygrad.bfloat16 or "
            "arraygrad.float16."
        )
    _state.dtype_names[name] = dtype.name


def is_autocast_cache_enabled() -> bool:
    """Whether autocast caches its casts of leaf tensors that require grad (parameters), so a
    weight used twice in one context is cast once (on by default).

    >>> import arraygrad
    >>> arraygrad.is_autocast_cache_enabled()
    True
    """
    return _state.cache_enabled


def set_autocast_cache_enabled(enabled: bool) -> None:
    """Turn autocast's cast cache on or off (``enabled`` must be a bool); an
    :class:`autocast` given ``cache_enabled`` sets it for its block.

    >>> import arraygrad
    >>> arraygrad.set_autocast_cache_enabled(False)
    >>> arraygrad.is_autocast_cache_enabled()
    False
    >>> arraygrad.set_autocast_cache_enabled(True)
    """
    if not isinstance(enabled, bool):
        raise TypeError(
            f"enabled must be a bool (got {type(enabled).__name__})"
            ". Fix: pass enabled=True or enabled=False."
        )
    _state.cache_enabled = enabled


def clear_autocast_cache() -> None:
    """Drop autocast's cached casts of parameters, for every thread (the outermost context's
    exit does too): their memory is freed once nothing else holds them.

    >>> import arraygrad
    >>> arraygrad.clear_autocast_cache()
    """
    from arraygrad.amp import _casts

    _casts.clear_cache()


def autocast_increment_nesting() -> int:
    """One level deeper in autocast contexts; returns the new depth (0 outside any). An
    :class:`autocast` exit that brings the depth back to 0 clears the cast cache.

    >>> import arraygrad
    >>> arraygrad.autocast_increment_nesting(), arraygrad.autocast_decrement_nesting()
    (1, 0)
    """
    _state.nesting += 1
    return _state.nesting


def autocast_decrement_nesting() -> int:
    """One level out of autocast contexts; returns the new depth (as PyTorch's, it goes below
    0 when called once too often).

    >>> import arraygrad
    >>> arraygrad.autocast_increment_nesting(), arraygrad.autocast_decrement_nesting()
    (1, 0)
    """
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
    autocast state the forward saw.

    >>> import arraygrad
    >>> class Square(arraygrad.autograd.Function):
    ...     @staticmethod
    ...     @arraygrad.amp.custom_fwd(device_type="cpu", cast_inputs=arraygrad.float32)
    ...     def forward(ctx, x):
    ...         return x * x
    ...     @staticmethod
    ...     @arraygrad.amp.custom_bwd(device_type="cpu")
    ...     def backward(ctx, g):
    ...         return g
    >>> with arraygrad.autocast("cpu"):
    ...     Square.apply(arraygrad.ones(2, dtype=arraygrad.bfloat16)).dtype
    arraygrad.float32
    """
    if not isinstance(device_type, str):
        raise ValueError(
            f"Expected `device_type` of type `str`, got: `{type(device_type)}`"
            ". Fix: pass a device type string such as 'cpu' or 'cuda'."
        )
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def forward(*args: Any, **kwargs: Any) -> Any:
        ctx = args[0]
        on = is_autocast_enabled(device_type)
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
    off, and dtype) that the :func:`custom_fwd` forward ran with, whatever is on when
    ``backward()`` is called (see :func:`custom_fwd` for an example).

    >>> import arraygrad
    >>> callable(arraygrad.amp.custom_bwd(lambda ctx, g: g, device_type="cpu"))
    True
    """
    if not isinstance(device_type, str):
        raise ValueError(
            f"Expected `device_type` of type `str`, got: `{type(device_type)}`"
            ". Fix: pass a device type string such as 'cpu' or 'cuda'."
        )
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
