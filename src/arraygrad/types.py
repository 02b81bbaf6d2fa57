"""``torch.types``: the type aliases annotations written for PyTorch import (``Number``,
``Device``, ``FileLike``, ``_size``, ``_dtype`` ...), over arraygrad's classes.

>>> from arraygrad.types import Number
>>> isinstance(2.5, Number.__args__)
True
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import IO, TypeAlias

from arraygrad._device import device as _device
from arraygrad._device import layout as _layout
from arraygrad._dtype import dtype as _dtype
from arraygrad._tensor import Size, Tensor

__all__ = ["Device", "FileLike", "Number"]

_int: TypeAlias = int
_float: TypeAlias = float
_bool: TypeAlias = bool
_complex: TypeAlias = complex
_str: TypeAlias = str
_bytes: TypeAlias = bytes
_size: TypeAlias = Size | list[int] | tuple[int, ...]
_TensorOrTensors: TypeAlias = Tensor | Sequence[Tensor]
_TensorOrOptionalTensors: TypeAlias = Tensor | Sequence[Tensor | None]

Number: TypeAlias = int | float | bool
_Number = (int, float, bool)  # for isinstance checks, as PyTorch's
_device: TypeAlias = _device
_dtype: TypeAlias = _dtype
_layout: TypeAlias = _layout
Device: TypeAlias = _device | str | int | None
FileLike: TypeAlias = str | os.PathLike[str] | IO[bytes]
