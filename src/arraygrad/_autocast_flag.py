"""The one flag that the functions on PyTorch's CPU autocast lists read first.

It is True only while CPU autocast is on (``arraygrad.autocast("cpu")``, or
``set_autocast_enabled("cpu", True)``); :mod:`arraygrad.amp.autocast_mode` keeps it in step
with the autocast state. Each listed function tests it with a single global read, so autocast
costs nothing measurable while it is off; the casts themselves live in
:mod:`arraygrad.amp._casts`.
"""

from __future__ import annotations

cpu = False
