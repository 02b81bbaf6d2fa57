"""``skip_init``: build a module without running its parameter initialisation.

>>> import arraygrad.nn as nn
>>> skip_init(nn.Linear, 5, 1).weight.shape
arraygrad.Size([1, 5])
"""

from __future__ import annotations

import inspect
from typing import Any

from arraygrad import _backend, _device
from arraygrad.nn.modules.module import Module

__all__ = ["skip_init"]


def skip_init(module_cls: type[Module], *args: Any, **kwargs: Any) -> Module:
    """An instance of ``module_cls(*args, **kwargs)`` whose parameters and buffers hold
    unspecified values, for code that sets them all itself.

    PyTorch builds the module on the ``meta`` device and allocates empty memory; arraygrad
    (CPU only, no meta tensors) builds it as usual and then restores the random generator,
    so that, as in PyTorch, skipping initialisation draws no random numbers. As in PyTorch, the
    class must take a ``device`` argument.

    >>> import arraygrad
    >>> _ = arraygrad.manual_seed(0)
    >>> layer = arraygrad.nn.utils.skip_init(arraygrad.nn.Linear, 5, 1)
    >>> layer.weight.shape
    arraygrad.Size([1, 5])
    >>> arraygrad.rand(2)  # the same numbers as straight after manual_seed(0)
    tensor([0.4963, 0.7682])
    """
    if not issubclass(module_cls, Module):
        raise RuntimeError(
            f"Expected a Module; got {module_cls}"
            ". Fix: pass an nn.Module subclass (the class, not an instance)."
        )
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError(
            "Module must support a 'device' arg to skip initialization"
            f" ({module_cls.__name__} takes none). Fix: add a device=None argument to "
            f"{module_cls.__name__}.__init__ that it passes to its parameters."
        )
    device = kwargs.pop("device", None)
    if device is not None:  # none given: the module is made where arraygrad computes
        _device.check_reachable(device)
    state = _backend.generator_state()
    try:
        return module_cls(*args, **kwargs)
    finally:
        _backend.set_generator_state(state)
