"""PyTorch's ``torch.autograd.grad_mode``: the grad-mode context managers, under the module
path older scripts import them from (``from torch.autograd.grad_mode import no_grad``), and
two engine switches arraygrad records and reports but needs not act on.

``set_multithreading_enabled(mode)``: PyTorch's engine runs backward on per-device worker
threads unless it is off; arraygrad's engine always runs backward on the calling thread, so
the flag changes nothing but what :func:`is_multithreading_enabled` reports.
``_force_original_view_tracking(mode)``: PyTorch then rebuilds a view written in place by
replaying the views that made it rather than by one ``as_strided``; arraygrad always replays
them (see ``_view_history``), so again only :func:`is_view_replay_enabled` changes.

Both are thread-local (a :mod:`contextvars` variable, as the grad mode), switch at once when
called as a function, restore the previous value when their ``with`` block ends, and decorate
a function to run it with the flag set.

>>> import arraygrad
>>> with arraygrad.autograd.set_multithreading_enabled(False):
...     arraygrad.autograd.is_multithreading_enabled()
False
>>> arraygrad.autograd.is_multithreading_enabled()
True
"""

from __future__ import annotations

import contextvars
import functools
from typing import Any, ClassVar, Self

from arraygrad._grad_mode import _F, enable_grad, inference_mode, no_grad, set_grad_enabled

# (PyTorch's names here; the two queries are torch.autograd's, which takes them from here)
__all__ = [
    "enable_grad",
    "inference_mode",
    "no_grad",
    "set_grad_enabled",
    "set_multithreading_enabled",
]

_multithreading: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "multithreading", default=True
)
_view_replay: contextvars.ContextVar[bool] = contextvars.ContextVar("view_replay", default=False)


def is_multithreading_enabled() -> bool:
    """Whether :class:`set_multithreading_enabled` left multithreaded backward on (the
    default). arraygrad's engine runs on the calling thread either way."""
    return _multithreading.get()


def is_view_replay_enabled() -> bool:
    """Whether :class:`_force_original_view_tracking` is on (off by default)."""
    return _view_replay.get()


class _EngineSwitch:
    """A thread-local switch: set at once by the constructor, back to the previous value at
    the end of a ``with`` block, or set for each call of a function it decorates."""

    _var: ClassVar[contextvars.ContextVar[bool]]
    _setter: ClassVar[str]  # PyTorch's name for the switch in its argument errors

    def __init__(self, mode: bool) -> None:
        if not isinstance(mode, bool):
            raise TypeError(
                f"{self._setter}(): argument 'enabled' (position 1) must be bool, not "
                f"{type(mode).__name__}. Fix: pass True or False."
            )
        self.mode = mode
        self.prev = self._var.get()
        self._var.set(mode)

    def __enter__(self) -> None:
        self._var.set(self.mode)

    def __exit__(self, *exc_info: object) -> None:
        self._var.set(self.prev)

    def clone(self) -> Self:
        """A new switch to the same mode (setting it now, as the constructor does)."""
        return type(self)(self.mode)

    def __call__(self, func: _F) -> _F:
        # As a decorator: the switch the constructor made is undone (PyTorch undoes it for
        # _force_original_view_tracking, though it leaves set_multithreading_enabled's set).
        self._var.set(self.prev)

        @functools.wraps(func)
        def switched(*args: Any, **kwargs: Any) -> Any:
            with self.clone():
                return func(*args, **kwargs)

        return switched  # type: ignore[return-value]


class set_multithreading_enabled(_EngineSwitch):  # noqa: N801 - PyTorch's name
    """Turn multithreaded backward on or off (see the module docstring: arraygrad only records
    the flag). A function call, a context manager or a decorator.

    >>> import arraygrad
    >>> with arraygrad.autograd.grad_mode.set_multithreading_enabled(False):
    ...     arraygrad.tensor([2.0], requires_grad=True).pow(2).sum().backward()
    """

    _var = _multithreading
    _setter = "set_multithreading_enabled"


class _force_original_view_tracking(_EngineSwitch):  # noqa: N801 - PyTorch's name
    """Make autograd always rebuild views by replaying them (see the module docstring:
    arraygrad always does). A function call, a context manager or a decorator."""

    _var = _view_replay
    _setter = "set_view_replay_enabled"
