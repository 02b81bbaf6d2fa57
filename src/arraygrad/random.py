"""``arraygrad.random``: PyTorch's ``torch.random`` module, the global generator's seed and
state (``torch.random.manual_seed``, ``get_rng_state``, ...) and :func:`fork_rng`, which
library code uses to draw without disturbing the caller's random stream.

>>> import arraygrad
>>> _ = arraygrad.manual_seed(0)
>>> with arraygrad.random.fork_rng():
...     _ = arraygrad.rand(3)
>>> a = arraygrad.rand(2)
>>> _ = arraygrad.manual_seed(0)
>>> bool((arraygrad.rand(2) == a).all())
True
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from arraygrad._generator import default_generator
from arraygrad._random import get_rng_state, initial_seed, seed, set_rng_state
from arraygrad._random_creation import manual_seed

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from typing import Any

__all__ = [
    "default_generator",
    "fork_rng",
    "get_rng_state",
    "initial_seed",
    "manual_seed",
    "seed",
    "set_rng_state",
]


@contextlib.contextmanager
def fork_rng(
    devices: Iterable[Any] | None = None,
    enabled: bool = True,
    _caller: str = "fork_rng",
    _devices_kw: str = "devices",
    device_type: str = "cuda",
) -> Iterator[None]:
    """Save the global generator's state on entry and restore it on exit, so draws (and
    reseeds) inside the block leave the stream outside it as it was; ``enabled=False`` does
    nothing. torch's ``devices`` and ``device_type`` name accelerator generators to fork too:
    arraygrad has only the global one (see :mod:`arraygrad.cuda`), so they are accepted and
    ignored."""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)
