"""Recorded in-place writes through the views that change the dtype: a complex tensor's
``real`` and ``imag`` parts, ``view_as_real`` and ``view_as_complex`` (views of the same memory,
as NumPy's ``.real``, ``.imag`` and ``.view(float)`` are).

:mod:`arraygrad._view_history` replays these steps as it replays the others (a write into the
root reaches them as into any view); a write into one of them gives the root the history "the
same memory read in the other dtype, with the view's elements replaced" (PyTorch's
``CopySlices``), built here.
"""

from __future__ import annotations

import arraygrad as _ag
from arraygrad._grad_mode import grad_enabled
from arraygrad._tensor import Tensor, describe
from arraygrad._view_history import _RETYPING, Steps, _region_key


def retyped_copy_slices(root: Tensor, steps: Steps, target: Tensor, result: Tensor) -> Tensor:
    """The new history of ``root`` after a recorded write through a view that changes the
    dtype on its first step (``z.real``, ``z.imag[1:]``, ``view_as_real(z)``,
    ``view_as_complex(x).t()``): the write is an ordinary one into the root's memory read in
    the other dtype, ``P = view_as_real(z)`` (``z.real`` is ``P[..., 0]``, ``z.imag``
    ``P[..., 1]``) or ``view_as_complex(x)``, and the root is ``P`` read back."""
    ops = _ag.ops
    cx = ops.complex_ops
    first, rest = steps[0], steps[2:]
    if first not in _RETYPING or any(name in _RETYPING for name in rest[::2]):
        raise NotImplementedError(
            "a recorded in-place write through a view that changes the dtype after other view "
            f"steps, or twice ({describe(target)}, steps {list(steps[::2])}), is not supported "
            "in arraygrad yet. Fix: take the parts of the whole tensor first (z.real[0], not "
            "z[0].real), or write under no_grad."
        )
    if first == "view_as_complex":
        pairs, back = cx.view_as_complex, cx.view_as_real
    else:
        pairs, back = cx.view_as_real, cx.view_as_complex
        if first != "view_as_real":  # a part: one column of the pairs
            rest = (ops.basic_getitem.name, {"key": (Ellipsis, int(first == "imag"))}) + rest
    token = grad_enabled.set(True)  # (the write was recorded, whatever the mode now)
    try:
        retyped = pairs.apply1(root)
        key = _region_key(retyped, rest, target._data)
        new_root = back.apply1(ops.copy_slices(retyped, result, key=key))
    finally:
        grad_enabled.reset(token)
    return _ag._primitive.labelled(new_root, "CopySlices")
