"""``autocast``: PyTorch's automatic mixed precision context, as far as arraygrad can honour it.

Under ``torch.autocast`` PyTorch runs chosen operations (matrix products, convolutions) in a
lower precision and others in float32, by lists of its own. arraygrad does not cast
automatically, so it accepts exactly the uses whose result does not depend on those lists:

- ``enabled=False``: a context manager (and decorator) that changes nothing, as in PyTorch;
- the cases where PyTorch itself warns and disables autocast: ``device_type="cuda"`` when CUDA
  is not available, and a CPU ``dtype`` other than bfloat16 and float16 (float32, float64);
- everything else (CPU autocast to bfloat16, PyTorch's CPU default, which arraygrad lacks, or to
  float16; CUDA autocast on a GPU) raises a RuntimeError that names the limitation and the fix,
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

__all__ = ["autocast"]

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
        raise RuntimeError(
            f"autocast(device_type={device_type!r}) with {wanted} is not supported: arraygrad "
            "has no automatic mixed precision (it does not cast operations to a lower "
            "precision by PyTorch's per-operation lists"
            + (", and has no bfloat16 dtype" if wanted == "bfloat16" else "")
            + "). Fix: drop the autocast context (or pass enabled=False) to compute in the "
            "tensors' own dtypes, and convert the model and inputs explicitly (e.g. "
            "model.half(), x.half()) for a lower precision."
        )

    def __enter__(self) -> autocast:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def __call__(self, func: F) -> F:
        """Use as a decorator: ``func`` runs inside this context."""

        @functools.wraps(func)
        def inside(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return inside  # type: ignore[return-value]
