"""Utilities with the layout of ``torch.utils``: :mod:`arraygrad.utils.data`,
:mod:`arraygrad.utils.checkpoint`, :mod:`arraygrad.utils.dlpack`, :mod:`arraygrad.utils.hooks`,
:mod:`arraygrad.utils._pytree` and :mod:`arraygrad.utils.benchmark` (imported on first use, as
``import torch`` leaves ``torch.utils.benchmark`` to ``import torch.utils.benchmark``)."""

from __future__ import annotations

import copyreg
import weakref
from typing import TYPE_CHECKING

from arraygrad._tensor import Tensor as _Tensor
from arraygrad.utils import _pytree as _pytree
from arraygrad.utils import checkpoint, data, dlpack, hooks

if TYPE_CHECKING:
    from arraygrad._tensor import Tensor

__all__ = ["checkpoint", "data", "dlpack", "hooks", "swap_tensors"]

# what a tensor is made of besides its attribute dict: its array, its graph node and its
# requires_grad flag (Tensor's slots)
_TENSOR_SLOTS = ("_data", "_node", "_rg")


def swap_tensors(t1: Tensor, t2: Tensor) -> None:
    """Swap everything about two tensors in place: values, shape, dtype, autograd state, class
    (a Parameter and a plain tensor trade) and Python attributes, so that every reference to
    ``t1`` now sees what ``t2`` was, and the reverse. As in PyTorch, a tensor that something
    refers to weakly cannot be swapped (RuntimeError): the weak reference would change meaning.

    >>> import arraygrad
    >>> a, b = arraygrad.ones(2), arraygrad.zeros(3)
    >>> swap_tensors(a, b)
    >>> a, b
    (tensor([0., 0., 0.]), tensor([1., 1.]))
    """
    # PyTorch's order: weak references, then slots, then (in reading its use count) whether
    # each argument is a tensor at all
    for name, tensor in (("t1", t1), ("t2", t2)):
        if weakref.getweakrefcount(tensor):
            raise RuntimeError(
                f"Cannot swap {name} because it has weakref associated with it"
                ". Fix: delete the weak references to it (weakref.ref, WeakKeyDictionary "
                "entries) before swapping."
            )
    if _slot_names(t1) != _slot_names(t2):
        raise RuntimeError(
            "Cannot swap t1 and t2 if they have different slots (a "
            f"{type(t1).__name__} and a {type(t2).__name__}). Fix: swap two tensors."
        )
    for name, tensor in (("t1", t1), ("t2", t2)):
        if not isinstance(tensor, _Tensor):
            raise AttributeError(
                f"'{type(tensor).__name__}' object has no attribute '_use_count' ({name} of "
                f"swap_tensors is not a tensor). Fix: pass a tensor as {name} "
                "(torch.as_tensor(...))."
            )
    t1.__class__, t2.__class__ = t2.__class__, t1.__class__
    t1.__dict__, t2.__dict__ = t2.__dict__, t1.__dict__
    for slot in _TENSOR_SLOTS:
        first, second = getattr(t1, slot), getattr(t2, slot)
        setattr(t1, slot, second)
        setattr(t2, slot, first)


def _slot_names(value: object) -> frozenset[str]:
    """The slots of ``value``'s class as PyTorch counts them: a tensor's own three (which
    PyTorch's tensors keep in C) left out."""
    names = frozenset(copyreg._slotnames(type(value)))  # type: ignore[attr-defined]
    return names - frozenset(_TENSOR_SLOTS) if isinstance(value, _Tensor) else names
