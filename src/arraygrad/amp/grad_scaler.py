"""``GradScaler``: loss scaling for low-precision training, as ``torch.amp.GradScaler``.

Gradients of float16 computations underflow to zero when small. The scaler multiplies the loss
by a large factor before ``backward`` (:meth:`GradScaler.scale`), divides the gradients by it
again before the optimizer uses them (:meth:`GradScaler.unscale_`, called by
:meth:`GradScaler.step` if not before), skips the step when a gradient came out inf or NaN, and
adapts the factor (:meth:`GradScaler.update`): it shrinks by ``backoff_factor`` after a skipped
step and grows by ``growth_factor`` after ``growth_interval`` steps in a row without one.

>>> import arraygrad
>>> w = arraygrad.nn.Parameter(arraygrad.tensor([1.0]))
>>> opt = arraygrad.optim.SGD([w], lr=0.5)
>>> scaler = arraygrad.amp.GradScaler("cpu", init_scale=8.0)
>>> scaler.scale((w * 3).sum()).backward()
>>> w.grad  # scaled
tensor([24.])
>>> scaler.step(opt)
>>> scaler.update()
>>> w.grad, w.data  # unscaled before the step
(tensor([3.]), tensor([-0.5000]))
"""

from __future__ import annotations

import enum
import math
import struct
import warnings
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from arraygrad import _comparison, _creation, cuda
from arraygrad._dtype import float16, float32
from arraygrad._grad_mode import no_grad
from arraygrad._tensor import Tensor

__all__ = ["GradScaler", "OptState"]


class OptState(enum.Enum):
    """Where an optimizer is in the current iteration (between two :meth:`update` calls):
    ``READY``, then ``UNSCALED`` after :meth:`GradScaler.unscale_`, then ``STEPPED``.

    >>> from arraygrad.amp.grad_scaler import OptState
    >>> list(OptState)
    [<OptState.READY: 0>, <OptState.UNSCALED: 1>, <OptState.STEPPED: 2>]
    """

    READY = 0
    UNSCALED = 1
    STEPPED = 2


def _fits_float32(value: float) -> bool:
    """Whether ``value`` rounds to a finite float32."""
    try:
        (rounded,) = struct.unpack("f", struct.pack("f", value))
    except OverflowError:  # some Pythons refuse to pack an overflowing value
        return False
    return math.isfinite(rounded)


def _fresh_state() -> dict[str, Any]:
    # found_inf: None until a gradient was checked (an optimizer without gradients has none).
    return {"stage": OptState.READY, "found_inf": None}


class GradScaler:
    """Scale the loss, unscale the gradients, skip steps with inf/NaN gradients and adapt the
    scale, for the optimizers of one training loop.

    ``device`` names the device the scaled tensors are on: the default ``"cuda"`` warns and
    disables the scaler when CUDA is not available (arraygrad on NumPy), as PyTorch does;
    ``"cpu"`` scales there. With ``enabled=False`` every method passes its input through:
    :meth:`scale` returns the outputs, :meth:`step` just calls ``optimizer.step()``.

    >>> import arraygrad
    >>> w = arraygrad.nn.Parameter(arraygrad.tensor([1.0]))
    >>> opt = arraygrad.optim.SGD([w], lr=0.1)
    >>> scaler = arraygrad.amp.GradScaler("cpu", init_scale=8.0)
    >>> scaler.scale((w * float("inf")).sum()).backward()
    >>> scaler.step(opt)  # an inf gradient: the step is skipped
    >>> scaler.update()  # and the scale halved
    >>> w.data, scaler.get_scale()
    (tensor([1.]), 4.0)
    """

    def __init__(
        self,
        device: str = "cuda",
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        enabled: bool = True,
    ) -> None:
        self._device = device
        self._enabled = enabled
        if device == "cuda" and enabled and not cuda.is_available():
            warnings.warn(
                "torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.",
                UserWarning,
                stacklevel=2,
            )
            self._enabled = False
        if self._enabled:
            if growth_factor <= 1.0:
                raise AssertionError(
                    "The growth factor must be > 1.0."
                    f" (got growth_factor={growth_factor}). Fix: pass growth_factor > 1.0, "
                    "e.g. 2.0."
                )
            if backoff_factor >= 1.0:
                raise AssertionError(
                    "The backoff factor must be < 1.0."
                    f" (got backoff_factor={backoff_factor}). Fix: pass backoff_factor < 1.0, "
                    "e.g. 0.5."
                )
        self._init_scale = init_scale
        self._growth_factor = growth_factor
        self._backoff_factor = backoff_factor
        self._growth_interval = growth_interval
        self._init_growth_tracker = 0
        # Made by the first scale(): the scale as a float32 0-d tensor (so that scaled outputs
        # promote as PyTorch's do) and the count of steps since the scale last changed.
        self._scale: Tensor | None = None
        self._growth_tracker: int | None = None
        self._per_optimizer_states: defaultdict[int, dict[str, Any]] = defaultdict(_fresh_state)

    # --- the three calls of a training step ------------------------------------------------

    def scale(self, outputs: Tensor | Iterable[Any]) -> Tensor | Iterable[Any]:
        """``outputs`` (a tensor, or lists and tuples of them, nested) times the scale.

        Other iterables give a lazy ``map``, as in PyTorch; anything else is a ValueError.
        """
        if not self._enabled:
            return outputs

        def scaled(value: Any) -> Any:
            if isinstance(value, Tensor):
                if self._scale is None:
                    self._lazy_init()
                return value * self._scale
            if isinstance(value, Iterable):
                each = map(scaled, value)
                if isinstance(value, (list, tuple)):
                    return type(value)(each)
                return each
            raise ValueError(
                "outputs must be a Tensor or an iterable of Tensors"
                ". Fix: pass scale() a tensor, or a list or tuple of tensors."
            )

        return scaled(outputs)  # type: ignore[no-any-return]

    def unscale_(self, optimizer: Any) -> None:
        """Divide the gradients of ``optimizer``'s parameters by the scale, in place, and note
        whether any was inf or NaN. Call it before clipping gradients; at most once per
        optimizer between two :meth:`update` calls, and not after :meth:`step`."""
        if not self._enabled:
            return
        self._require_scale("unscale_")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] is OptState.UNSCALED:
            raise RuntimeError(
                "unscale_() has already been called on this optimizer since the last update()."
                " Fix: call unscale_(optimizer) at most once between update() calls."
            )
        if state["stage"] is OptState.STEPPED:
            raise RuntimeError(
                "unscale_() is being called after step()."
                " Fix: call unscale_(optimizer) before scaler.step(optimizer), or not at "
                "all (step unscales)."
            )
        assert self._scale is not None  # for mypy: _require_scale checked it
        # The reciprocal in float64, rounded once to float32, as the scale is stored.
        inverse = self._scale.double().reciprocal().float()
        grads = [
            p.grad
            for group in optimizer.param_groups
            for p in group["params"]
            if p.grad is not None
        ]
        if any(g.dtype == float16 for g in grads):
            raise ValueError(
                "Attempting to unscale FP16 gradients."
                " Fix: keep the parameters in float32 and let autocast run the float16 "
                "math."
            )
        found_inf = None
        with no_grad():
            for grad in grads:
                # Checked before dividing: a finite gradient that overflows when unscaled (a
                # scale below 1) does not count, as in PyTorch.
                bad = not bool(_comparison.isfinite(grad).all())
                found_inf = bad or bool(found_inf)
                grad.mul_(inverse)
        state["found_inf"] = found_inf
        state["stage"] = OptState.UNSCALED

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """Unscale ``optimizer``'s gradients (unless :meth:`unscale_` did) and call
        ``optimizer.step(*args, **kwargs)`` unless a gradient was inf or NaN; returns what the
        step returned, or None when it was skipped."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError(
                "Closure use is not currently supported if GradScaler is enabled."
                " Fix: call scaler.step(optimizer) without a closure, and compute the "
                "loss before it."
            )
        self._require_scale("step")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] is OptState.STEPPED:
            raise RuntimeError(
                "step() has already been called since the last update()."
                " Fix: call scaler.update() after each scaler.step(optimizer), before "
                "the next step."
            )
        if state["stage"] is OptState.READY:
            self.unscale_(optimizer)
        if state["found_inf"] is None:
            raise AssertionError(
                "No inf checks were recorded for this optimizer."
                " Fix: call scaler.scale(loss).backward() so the parameters have "
                "gradients before step()."
            )
        result = None
        if not state["found_inf"]:
            result = optimizer.step(*args, **kwargs)
        state["stage"] = OptState.STEPPED
        return result

    def update(self, new_scale: float | Tensor | None = None) -> None:
        """Adapt the scale at the end of an iteration: times ``backoff_factor`` if any optimizer
        stepped over inf/NaN gradients, else times ``growth_factor`` once ``growth_interval``
        steps in a row went through (kept when the grown scale would overflow float32).
        ``new_scale`` (a float, or a 1-element tensor that does not require grad) sets it
        instead."""
        if not self._enabled:
            return
        self._require_scale("update")
        assert self._scale is not None and self._growth_tracker is not None  # for mypy
        if new_scale is not None:
            if isinstance(new_scale, float):
                self._scale = _creation.full((), new_scale, dtype=float32)
            else:
                if (
                    new_scale.device.type != self._device
                    or new_scale.numel() != 1
                    or new_scale.requires_grad
                ):
                    raise AssertionError(
                        "new_scale should be a float or a 1-element torch.cuda.FloatTensor or "
                        "torch.FloatTensor with requires_grad=False."
                        f" (got {type(new_scale).__name__}). Fix: pass a float, or a 1-element "
                        "float32 tensor with requires_grad=False."
                    )
                self._scale = new_scale.detach().reshape(()).to(float32).clone()
        else:
            found = [
                s["found_inf"]
                for s in self._per_optimizer_states.values()
                if s["found_inf"] is not None
            ]
            if not found:
                raise AssertionError(
                    "No inf checks were recorded prior to update."
                    " Fix: call scaler.step(optimizer) before scaler.update()."
                )
            # The products are taken in float64 and rounded once to float32, as PyTorch's
            # (0.3 * 12 gives float32(3.6), not float32(0.3) * 12).
            current = float(self._scale.item())
            if any(found):
                self._scale = _creation.full((), current * self._backoff_factor, dtype=float32)
                self._growth_tracker = 0
            else:
                streak = self._growth_tracker + 1
                if streak == self._growth_interval:
                    grown = current * self._growth_factor
                    if _fits_float32(grown):  # an overflowing scale is not taken
                        self._scale = _creation.full((), grown, dtype=float32)
                    streak = 0
                self._growth_tracker = streak
        self._per_optimizer_states = defaultdict(_fresh_state)

    # --- the scale and its settings ---------------------------------------------------------

    def get_scale(self) -> float:
        """The current scale as a Python float (1.0 when disabled)."""
        if not self._enabled:
            return 1.0
        return self._init_scale if self._scale is None else float(self._scale.item())

    def get_growth_factor(self) -> float:
        """The factor the scale grows by after ``growth_interval`` clean steps."""
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        """Set the growth factor."""
        self._growth_factor = new_factor

    def get_backoff_factor(self) -> float:
        """The factor the scale shrinks by after a step with inf/NaN gradients."""
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        """Set the backoff factor."""
        self._backoff_factor = new_factor

    def get_growth_interval(self) -> int:
        """How many clean steps in a row grow the scale."""
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        """Set the growth interval."""
        self._growth_interval = new_interval

    def is_enabled(self) -> bool:
        """Whether the scaler scales (False when disabled, or for CUDA without a GPU)."""
        return bool(self._enabled)

    def _get_growth_tracker(self) -> int:
        if not self._enabled:
            return 0
        return self._init_growth_tracker if self._growth_tracker is None else self._growth_tracker

    # --- checkpoints ------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """The scale, the factors, the interval and the clean-step count (empty when
        disabled)."""
        if not self._enabled:
            return {}
        return {
            "scale": self.get_scale(),
            "growth_factor": self._growth_factor,
            "backoff_factor": self._backoff_factor,
            "growth_interval": self._growth_interval,
            "_growth_tracker": self._get_growth_tracker(),
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` saved (nothing when disabled)."""
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError(
                "The source state dict is empty, possibly because it was saved from a disabled "
                "instance of GradScaler."
                " Fix: load the state_dict of an enabled GradScaler, or skip "
                "load_state_dict."
            )
        self._init_scale = state_dict["scale"]
        if self._scale is not None:
            self._scale = _creation.full((), self._init_scale, dtype=float32)
        self._growth_factor = state_dict["growth_factor"]
        self._backoff_factor = state_dict["backoff_factor"]
        self._growth_interval = state_dict["growth_interval"]
        self._init_growth_tracker = state_dict["_growth_tracker"]
        if self._growth_tracker is not None:
            self._growth_tracker = self._init_growth_tracker

    # --- helpers ----------------------------------------------------------------------------

    def _lazy_init(self) -> None:
        self._scale = _creation.full((), self._init_scale, dtype=float32)
        self._growth_tracker = self._init_growth_tracker

    def _require_scale(self, funcname: str) -> None:
        if self._scale is None:
            raise AssertionError(
                f"Attempted {funcname} but _scale is None.  This may indicate your script did "
                "not use scaler.scale(loss or outputs) earlier in the iteration."
                f" Fix: call scaler.scale(loss).backward() before {funcname}()."
            )


class DeprecatedGradScaler(GradScaler):
    """PyTorch's deprecated per-device spelling, ``torch.<device>.amp.GradScaler(...)``: the
    :class:`GradScaler` of :attr:`device_type`, taking :class:`GradScaler`'s arguments after
    ``device`` (``init_scale``, ``growth_factor``, ``backoff_factor``, ``growth_interval``,
    ``enabled``), with PyTorch's FutureWarning when made."""

    device_type = "cuda"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        device = self.device_type
        warnings.warn(
            f"`torch.{device}.amp.GradScaler(args...)` is deprecated. Please use "
            f"`torch.amp.GradScaler('{device}', args...)` instead.",
            FutureWarning,
            stacklevel=2,
        )
        super().__init__(device, *args, **kwargs)
