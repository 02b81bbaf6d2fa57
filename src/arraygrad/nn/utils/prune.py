"""Pruning of module tensors, with the API of ``torch.nn.utils.prune``.

Pruning ``module.<name>`` moves the parameter to ``<name>_orig``, stores a 0/1 tensor of its
shape as the buffer ``<name>_mask``, and makes ``module.<name>`` the plain tensor
``<name>_orig * <name>_mask``, recomputed by a forward pre-hook (the pruning method itself)
before each call, so gradients reach ``<name>_orig`` through the kept entries only. Pruning the
same tensor again combines the masks in a :class:`PruningContainer`: the new method sees only
the entries (or, structured, the channels) the earlier ones kept. :func:`remove` makes the
pruning permanent: ``<name>`` is the parameter again, holding the pruned values.

>>> import arraygrad
>>> import arraygrad.nn.utils.prune as prune
>>> layer = arraygrad.nn.Linear(2, 2)
>>> with arraygrad.no_grad():
...     _ = layer.weight.copy_(arraygrad.tensor([[0.1, -2.0], [3.0, -0.2]]))
>>> _ = prune.l1_unstructured(layer, "weight", amount=0.5)
>>> layer.weight
tensor([[ 0., -2.],
        [ 3., -0.]], grad_fn=<MulBackward0>)
>>> sorted(layer.state_dict())
['bias', 'weight_mask', 'weight_orig']
>>> _ = prune.remove(layer, "weight")
>>> sorted(layer.state_dict())
['bias', 'weight']

Which of several entries with the same magnitude :class:`L1Unstructured` (or channels with the
same norm :class:`LnStructured`) prunes follows :func:`arraygrad.topk`, which keeps ties in
index order (the first ones count as the smallest). PyTorch's choice among ties comes from its
``topk`` kernel's selection algorithm and is not reproduced: the numbers pruned are the same,
and which tied entries are, may differ.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import TYPE_CHECKING

import arraygrad as _ag
from arraygrad.nn.modules.global_hooks import call_hook_changes as _call_hook_changes
from arraygrad.nn.utils._pruning_base import (
    BasePruningMethod,
    PruningContainer,
    _channel_slice,
    _check_scores_shape,
)

if TYPE_CHECKING:
    from typing import Any

    from arraygrad._tensor import Tensor
    from arraygrad.nn.modules.module import Module

__all__ = [
    "BasePruningMethod",
    "CustomFromMask",
    "Identity",
    "L1Unstructured",
    "LnStructured",
    "PruningContainer",
    "RandomStructured",
    "RandomUnstructured",
    "custom_from_mask",
    "global_unstructured",
    "identity",
    "is_pruned",
    "l1_unstructured",
    "ln_structured",
    "random_structured",
    "random_unstructured",
    "remove",
]


# --- the amount to prune --------------------------------------------------------------------


def _check_amount(amount: Any) -> None:
    """``amount`` as a method is built with: a fraction in [0, 1] or a count >= 0."""
    if not isinstance(amount, numbers.Real):
        raise TypeError(
            f"Invalid type for amount: {amount}. Must be int or float."
            " Fix: pass a float fraction in [0, 1] or an int count."
        )
    if isinstance(amount, numbers.Integral):
        wrong = int(amount) < 0
    else:  # (a nan fraction passes, as in PyTorch, and fails when the count is rounded)
        wrong = float(amount) > 1.0 or float(amount) < 0.0
    if wrong:
        raise ValueError(
            f"amount={amount} should either be a float in the range [0, 1] or a non-negative "
            "integer"
            ". Fix: pass a fraction in [0, 1] (e.g. 0.3) or an int count >= 0."
        )


def _how_many(amount: Any, size: int) -> int:
    """The number of entries (or channels) to prune out of ``size``: a count as given, a
    fraction rounded to the nearest (Python's ``round``, half to even)."""
    if isinstance(amount, numbers.Integral):
        if int(amount) > size:
            raise ValueError(
                f"amount={amount} should be smaller than the number of parameters to prune={size}"
                f". Fix: pass amount <= {size}, or a fraction in [0, 1]."
            )
        return int(amount)
    return round(amount * size)


def _check_structured(t: Tensor, dim: int) -> None:
    """Structured pruning needs channels: a tensor of 2 or more dims, ``dim`` one of them."""
    if t.dim() <= 1:
        raise ValueError(
            "Structured pruning can only be applied to multidimensional tensors. Found tensor "
            f"of shape {t.shape} with {t.dim()} dims"
            ". Fix: use l1_unstructured or random_unstructured for 1-D tensors."
        )
    if dim >= t.dim():
        raise IndexError(
            f"Invalid index {dim} for tensor of size {t.shape}"
            f". Fix: pass dim in [0, {t.dim() - 1}]."
        )


def _flat_mask_without(default_mask: Tensor, drop: Tensor) -> Tensor:
    """A copy of ``default_mask`` with the entries at the flat indices ``drop`` set to 0."""
    flat = default_mask.reshape(-1).clone()
    flat[drop] = 0
    return flat.reshape(default_mask.shape)


# --- methods --------------------------------------------------------------------------------


class Identity(BasePruningMethod):
    """Prunes nothing: the mask is all ones (to give a tensor the pruned form)."""

    PRUNING_TYPE = "unstructured"

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        return default_mask

    @classmethod
    def apply(cls, module: Module, name: str) -> Any:  # type: ignore[override]
        """Give ``module.<name>`` the pruned form with a mask of ones."""
        return super().apply(module, name)


class RandomUnstructured(BasePruningMethod):
    """Prune ``amount`` entries (a count, or a fraction of the entries) chosen at random."""

    PRUNING_TYPE = "unstructured"

    def __init__(self, amount: int | float) -> None:
        _check_amount(amount)
        self.amount = amount

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        count = _how_many(self.amount, t.numel())
        if count == 0:
            return default_mask.clone()
        # the entries drawn the highest uniform numbers: a uniformly random subset
        drop = _ag.topk(_ag.rand_like(t).reshape(-1), k=count).indices
        return _flat_mask_without(default_mask, drop)

    @classmethod
    def apply(cls, module: Module, name: str, amount: int | float) -> Any:  # type: ignore[override]
        """Prune ``amount`` random entries of ``module.<name>``."""
        return super().apply(module, name, amount=amount)


class L1Unstructured(BasePruningMethod):
    """Prune the ``amount`` entries (a count, or a fraction) of smallest magnitude."""

    PRUNING_TYPE = "unstructured"

    def __init__(self, amount: int | float) -> None:
        _check_amount(amount)
        self.amount = amount

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        count = _how_many(self.amount, t.numel())
        if count == 0:
            return default_mask.clone()
        magnitudes = _ag.abs(t.detach()).reshape(-1)
        drop = _ag.topk(magnitudes, k=count, largest=False).indices
        return _flat_mask_without(default_mask, drop)

    @classmethod
    def apply(  # type: ignore[override]
        cls, module: Module, name: str, amount: int | float, importance_scores: Any = None
    ) -> Any:
        """Prune the ``amount`` entries of ``module.<name>`` of smallest magnitude (of
        ``importance_scores`` when given)."""
        return super().apply(module, name, amount=amount, importance_scores=importance_scores)


class RandomStructured(BasePruningMethod):
    """Prune ``amount`` whole channels along ``dim`` (a count, or a fraction of the channels),
    chosen at random."""

    PRUNING_TYPE = "structured"

    def __init__(self, amount: int | float, dim: int = -1) -> None:
        _check_amount(amount)
        self.amount = amount
        self.dim = dim

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        _check_structured(t, self.dim)
        channels = t.shape[self.dim]
        count = _how_many(self.amount, channels)
        if count == 0:
            return default_mask
        drop = _ag.topk(_ag.rand(channels), k=count).indices
        mask = _ag.ones_like(t)
        mask[_channel_slice(t.dim(), self.dim, drop)] = 0
        return mask * default_mask.to(dtype=mask.dtype)

    @classmethod
    def apply(cls, module: Module, name: str, amount: int | float, dim: int = -1) -> Any:  # type: ignore[override]
        """Prune ``amount`` random channels of ``module.<name>`` along ``dim``."""
        return super().apply(module, name, amount=amount, dim=dim)


class LnStructured(BasePruningMethod):
    """Prune the ``amount`` channels along ``dim`` (a count, or a fraction of the channels) of
    smallest ``n``-norm (any ``p`` of :func:`arraygrad.norm`: a number, ``inf``, ``'fro'``)."""

    PRUNING_TYPE = "structured"

    def __init__(self, amount: int | float, n: Any, dim: int = -1) -> None:
        _check_amount(amount)
        self.amount = amount
        self.n = n
        self.dim = dim

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        _check_structured(t, self.dim)
        channels = t.shape[self.dim]
        count = _how_many(self.amount, channels)
        others = [d for d in range(t.dim()) if d != self.dim % t.dim()]
        norms = _ag.norm(t.detach(), p=self.n, dim=others)
        keep = _ag.topk(norms, k=channels - count, largest=True).indices
        if count == 0:
            return default_mask
        mask = _ag.zeros_like(t)
        mask[_channel_slice(t.dim(), self.dim, keep)] = 1
        return mask * default_mask.to(dtype=mask.dtype)

    @classmethod
    def apply(  # type: ignore[override]
        cls,
        module: Module,
        name: str,
        amount: int | float,
        n: Any,
        dim: int,
        importance_scores: Any = None,
    ) -> Any:
        """Prune the ``amount`` channels of ``module.<name>`` along ``dim`` of smallest
        ``n``-norm (of ``importance_scores`` when given)."""
        return super().apply(
            module, name, amount=amount, n=n, dim=dim, importance_scores=importance_scores
        )


class CustomFromMask(BasePruningMethod):
    """Prune where the given ``mask`` is 0 (on top of the earlier mask)."""

    PRUNING_TYPE = "global"

    def __init__(self, mask: Tensor) -> None:
        self.mask = mask

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        _check_scores_shape(
            default_mask,
            self.mask.shape,
            f"default_mask shape {default_mask.shape} must match self.mask shape {self.mask.shape}",
        )
        return default_mask * self.mask.to(dtype=default_mask.dtype)

    @classmethod
    def apply(cls, module: Module, name: str, mask: Tensor) -> Any:  # type: ignore[override]
        """Prune ``module.<name>`` where ``mask`` is 0."""
        return super().apply(module, name, mask=mask)


# --- functions ------------------------------------------------------------------------------


def identity(module: Module, name: str) -> Module:
    """Give ``module.<name>`` the pruned form with a mask of ones; returns ``module``."""
    Identity.apply(module, name)
    return module


def random_unstructured(module: Module, name: str, amount: int | float) -> Module:
    """Prune ``amount`` random entries of ``module.<name>``; returns ``module``."""
    RandomUnstructured.apply(module, name, amount)
    return module


def l1_unstructured(
    module: Module, name: str, amount: int | float, importance_scores: Tensor | None = None
) -> Module:
    """Prune the ``amount`` entries of ``module.<name>`` of smallest magnitude (of
    ``importance_scores`` when given); returns ``module``."""
    L1Unstructured.apply(module, name, amount=amount, importance_scores=importance_scores)
    return module


def random_structured(module: Module, name: str, amount: int | float, dim: int) -> Module:
    """Prune ``amount`` random channels of ``module.<name>`` along ``dim``; returns ``module``."""
    RandomStructured.apply(module, name, amount, dim)
    return module


def ln_structured(
    module: Module,
    name: str,
    amount: int | float,
    n: Any,
    dim: int,
    importance_scores: Tensor | None = None,
) -> Module:
    """Prune the ``amount`` channels of ``module.<name>`` along ``dim`` of smallest ``n``-norm
    (of ``importance_scores`` when given); returns ``module``."""
    LnStructured.apply(module, name, amount, n, dim, importance_scores=importance_scores)
    return module


def _current_mask(module: Module, name: str) -> Tensor:
    """The mask of ``module.<name>``: its ``<name>_mask``, or ones if it is not pruned."""
    mask = getattr(module, name + "_mask", None)
    return _ag.ones_like(getattr(module, name)) if mask is None else mask


def global_unstructured(
    parameters: Iterable[tuple[Module, str]],
    pruning_method: type[BasePruningMethod],
    importance_scores: dict[tuple[Module, str], Tensor] | None = None,
    **kwargs: Any,
) -> None:
    """Prune the ``(module, name)`` tensors of ``parameters`` together, as one vector, by the
    unstructured ``pruning_method(**kwargs)`` (``amount`` counts over all of them): entries
    are ranked by ``importance_scores[(module, name)]`` where given, else by the current
    (pruned) tensor, among the entries still kept. Each tensor then gets its part of the mask
    through :func:`custom_from_mask`."""
    if not isinstance(parameters, Iterable):
        raise TypeError(
            "global_unstructured(): parameters is not an Iterable"
            f" (got {type(parameters).__name__}). Fix: pass a list of (module, name) "
            "pairs."
        )
    if importance_scores is None:
        importance_scores = {}
    if not isinstance(importance_scores, dict):
        raise TypeError(
            "global_unstructured(): importance_scores must be of type dict"
            f" (got {type(importance_scores).__name__}). Fix: pass a dict mapping "
            "(module, name) to a score tensor, or None."
        )
    targets = list(parameters)  # read twice below: a generator would be empty the second time
    scores = _ag.cat(
        [
            importance_scores.get((module, name), getattr(module, name)).reshape(-1)
            for module, name in targets
        ]
    )
    earlier_masks = _ag.cat([_current_mask(module, name).reshape(-1) for module, name in targets])
    method = pruning_method(**kwargs)
    method._tensor_name = "temp"
    if method.PRUNING_TYPE != "unstructured":
        raise TypeError(
            'Only "unstructured" PRUNING_TYPE supported for the `pruning_method`. Found method '
            f"{pruning_method} of type {method.PRUNING_TYPE}"
            ". Fix: pass an unstructured method, e.g. prune.L1Unstructured or "
            "prune.RandomUnstructured."
        )
    container = PruningContainer()
    container._tensor_name = "temp"
    container.add_pruning_method(method)
    mask = container.compute_mask(scores, earlier_masks)
    start = 0
    for module, name in targets:
        tensor = getattr(module, name)
        size = tensor.numel()
        custom_from_mask(module, name, mask=mask[start : start + size].view_as(tensor))
        start += size


def custom_from_mask(module: Module, name: str, mask: Tensor) -> Module:
    """Prune ``module.<name>`` where ``mask`` is 0; returns ``module``."""
    CustomFromMask.apply(module, name, mask)
    return module


def remove(module: Module, name: str) -> Module:
    """Make the pruning of ``module.<name>`` permanent (see :meth:`BasePruningMethod.remove`)
    and drop its hook; returns ``module``."""
    for key, hook in module._forward_pre_hooks.items():
        if isinstance(hook, BasePruningMethod) and hook._tensor_name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            _call_hook_changes.removed(key)  # (taken out without its handle)
            return module
    raise ValueError(
        f"Parameter '{name}' of module {module} has to be pruned before pruning can be removed"
        ". Fix: call prune.is_pruned(module) first, or prune the parameter "
        "before removing it."
    )


def is_pruned(module: Module) -> bool:
    """Whether ``module`` or a module in it has a pruning hook."""
    return any(
        isinstance(hook, BasePruningMethod)
        for submodule in module.modules()
        for hook in submodule._forward_pre_hooks.values()
    )
