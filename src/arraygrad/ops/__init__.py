"""arraygrad's primitives, as an Array API-style namespace over Tensors.

Each primitive is declared once, with its VJP rules beside it, in the modules of this package.
Because the names and signatures follow the Array API, this module is also the namespace in
which the VJP rules run when ``create_graph=True``: the very rules that compute gradients on raw
arrays then build a differentiable graph of Tensors instead. Every function a VJP rule calls on
``ns`` must therefore exist here and on the raw namespace (``arraygrad._backend.xp``) with the
same signature.
"""

from __future__ import annotations

import warnings
from typing import Any

from arraygrad import _dtype
from arraygrad._tensor import Tensor
from arraygrad.ops import (
    activations,
    decompositions,
    elementwise,
    fourier,
    linalg,
    losses,
    predicates,
    reduction,
    shape,
)
from arraygrad.ops import complex as complex_ops
from arraygrad.ops import complex_linalg as complex_linalg
from arraygrad.ops import nn as _nn
from arraygrad.ops import transcendental as _transcendental
from arraygrad.ops.activations import *  # noqa: F403
from arraygrad.ops.complex import *  # noqa: F403
from arraygrad.ops.decompositions import *  # noqa: F403
from arraygrad.ops.elementwise import *  # noqa: F403 - each module lists its primitives
from arraygrad.ops.elementwise import astype as _astype
from arraygrad.ops.fourier import *  # noqa: F403
from arraygrad.ops.linalg import *  # noqa: F403
from arraygrad.ops.losses import *  # noqa: F403
from arraygrad.ops.nn import *  # noqa: F403
from arraygrad.ops.predicates import *  # noqa: F403
from arraygrad.ops.reduction import *  # noqa: F403
from arraygrad.ops.shape import *  # noqa: F403
from arraygrad.ops.shape import permute_dims
from arraygrad.ops.transcendental import *  # noqa: F403

_COMPLEX = _dtype._COMPLEX


def astype(x: Tensor, dtype: Any, order: tuple[int, ...] | None = None) -> Tensor:
    """``x`` converted to ``dtype`` (an arraygrad dtype or the array library's); laid out with
    its dims in memory outermost first in ``order`` where given (a real or complex ``x`` kept
    so: a conversion between them, rare, keeps ``x``'s layout, for the caller to lay out)."""
    native = _dtype.to_xp(dtype) if isinstance(dtype, _dtype.dtype) else dtype
    if x._data.dtype == native:
        return x
    target = _dtype.from_xp(native)
    if (target.category == _COMPLEX) != _dtype.is_complex_native(x._data.dtype):
        if target.category == _COMPLEX:
            # A real tensor made complex: its gradient is the real part of the complex one.
            return complex_ops.to_complex(x, dtype=native)
        # A complex tensor made real keeps the real part, with PyTorch's warning.
        warnings.warn(
            "Casting complex values to real discards the imaginary part", UserWarning, stacklevel=3
        )
        x = complex_ops.real(x)
        if x._data.dtype == native:
            return x
    if x._rg and target.category < _dtype._FLOAT:
        # An integer or bool result cannot carry a gradient, so it requires none (as in PyTorch).
        x = x.detach()
    if order is not None:
        return _astype(x, dtype=native, order=order)
    return _astype(x, dtype=native)


def matrix_transpose(x: Tensor) -> Tensor:
    """Swap the last two axes."""
    axes = list(range(x.ndim))
    axes[-2], axes[-1] = axes[-1], axes[-2]
    return permute_dims(x, axes=tuple(axes))


__all__ = [
    *activations.__all__,
    *complex_ops.__all__,
    *decompositions.__all__,
    *elementwise.__all__,
    *fourier.__all__,
    *linalg.__all__,
    *losses.__all__,
    *_nn.__all__,
    *predicates.__all__,
    *reduction.__all__,
    *shape.__all__,
    *_transcendental.__all__,
    "astype",
    "matrix_transpose",
]
