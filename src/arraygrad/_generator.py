"""``arraygrad.Generator``: an independent, seedable source of random numbers."""

from __future__ import annotations

import numbers
from typing import Any

from arraygrad import _backend, _device

__all__ = ["Generator", "default_generator"]

# PyTorch's default seed of a new torch.Generator.
_DEFAULT_SEED = 67280421310721


class Generator:
    """A random number generator with its own state, for reproducible shuffling and splits.

    It drives :class:`arraygrad.utils.data.DataLoader` (``shuffle=True``) and
    :func:`arraygrad.utils.data.random_split` without touching the global generator that
    :func:`arraygrad.manual_seed` seeds. It is PyTorch's CPU generator: the same seed gives
    the same numbers as a ``torch.Generator``, and :meth:`get_state` its bytes.

    >>> import arraygrad
    >>> g = arraygrad.Generator().manual_seed(0)
    >>> g.initial_seed()
    0
    """

    def __init__(self, device: Any = "cpu") -> None:
        # Its numbers come from NumPy on the host, so a CPU generator (PyTorch's default, what
        # DataLoader and random_split take; None too) exists on every library, a GPU's only on
        # a GPU one.
        if device is not None and (device.__class__ is int or _device.device(device).type != "cpu"):
            _device.check_reachable(device)
            self.device = _device.current()
        else:
            self.device = _device.CPU
        if _backend.tracer is not None:
            # arraygrad.compile: a replay would draw from the generator the trace made, not
            # from a new one in its first state, as eager code does.
            _backend.tracer.untraceable("making a random generator")
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed: int) -> Generator:
        """Reset the generator to the state given by ``seed``; returns the generator."""
        seed = _backend.checked_seed(_python_int(seed))  # negative ones modulo 2**64, as PyTorch
        if _backend.tracer is not None:  # a replay would not reseed
            _backend.tracer.untraceable("reseeding the random generator")
        fresh = _backend.new_rng(seed)
        if getattr(self, "_rng", None) is None:
            self._rng = fresh
        else:
            # The backend generator stays the same object, in the new state: a step compiled by
            # arraygrad.compile draws from it on each replay, and then from the new seed's
            # numbers, as eager code does.
            _backend.set_generator_state(_backend.generator_state(fresh), self._rng)
        self._seed = seed
        return self

    def initial_seed(self) -> int:
        """The seed the generator was last reset with."""
        return self._seed

    def seed(self) -> int:
        """Reseed from fresh OS entropy and return the new seed."""
        seed = _backend.rng_seed(_backend.new_rng())
        self.manual_seed(seed)
        return seed

    def get_state(self) -> Any:
        """The generator's state and seed as a ``uint8`` tensor, for :meth:`set_state`
        (PyTorch's 5056 bytes)."""
        from arraygrad._random import state_tensor  # _random builds on Tensor, made later

        return state_tensor(self._rng, self._seed)

    def set_state(self, new_state: Any) -> Generator:
        """Put the generator back in a state :meth:`get_state` returned; returns it."""
        from arraygrad._random import state_from_tensor

        state, seed = state_from_tensor(new_state)
        # Into its own backend generator (the same object for life: see manual_seed).
        _backend.set_rng_state(self._rng, state)
        self._seed = seed
        return self

    def __repr__(self) -> str:
        return f"<arraygrad.Generator object at {id(self):#x}>"


def _python_int(seed: Any) -> int:
    """``seed`` if it is a Python int. A generator's ``manual_seed`` takes nothing else, as
    PyTorch's (the global :func:`arraygrad.manual_seed` converts with ``int()``, as PyTorch's):
    a float would be truncated, and ``True`` taken as 1, without a word."""
    if seed.__class__ is int:
        return seed
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        # a NumPy integer: PyTorch's TypeError
        raise TypeError(
            f"an integer is required: Generator.manual_seed got {type(seed).__name__}. Fix: "
            "pass int(seed)."
        )
    raise RuntimeError(
        f"manual_seed expected a long, but got {type(seed).__name__}. Fix: pass a Python int "
        "(int(seed) for a number you mean to truncate)."
    )


class _DefaultGenerator(Generator):
    """The global generator as an object, PyTorch's ``default_generator``: what
    :func:`arraygrad.manual_seed` returns, and a ``generator=`` that draws from the global
    generator (as passing none does).

    It holds no state of its own; every method reads or sets the global generator's.

    >>> import arraygrad
    >>> g = arraygrad.manual_seed(3)
    >>> g is arraygrad.default_generator, g.initial_seed()
    (True, 3)
    """

    def __init__(self) -> None:
        self.device = _device.CPU
        # None: whatever takes a generator's backend generator (draws, samplers) takes the
        # global one, so that this object and the global generator are one stream.
        self._rng = None

    def manual_seed(self, seed: int) -> Generator:
        _backend.manual_seed(_python_int(seed))
        return self

    def initial_seed(self) -> int:
        return _backend.initial_seed()

    def seed(self) -> int:
        from arraygrad._random import seed

        return seed()

    def get_state(self) -> Any:
        from arraygrad._random import get_rng_state

        return get_rng_state()

    def set_state(self, new_state: Any) -> Generator:
        from arraygrad._random import set_rng_state

        set_rng_state(new_state)
        return self


#: The global generator (:class:`Generator`'s methods on the state ``manual_seed`` sets).
default_generator: Generator = _DefaultGenerator()
