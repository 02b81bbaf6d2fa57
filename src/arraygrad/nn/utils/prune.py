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
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from typing import Any

import arraygrad
from arraygrad._tensor import Tensor
from arraygrad.nn.modules.global_hooks import call_hook_changes
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
        raise TypeError(f"Invalid type for amount: {amount}. Must be int or float.")
    if isinstance(amount, numbers.Integral):
        wrong = int(amount) < 0
    else:  # (a nan fraction passes, as in PyTorch, and fails when the count is rounded)
        wrong = float(amount) > 1.0 or float(amount) < 0.0
    if wrong:
        raise ValueError(
            f"amount={amount} should either be a float in the range [0, 1] or a non-negative "
            "integer"
        )


def _how_many(amount: Any, size: int) -> int:
    """The number of entries (or channels) to prune out of ``size``: a count as given, a
    fraction rounded to the nearest (Python's ``round``, half to even)."""
    if isinstance(amount, numbers.Integral):
        if int(amount) > size:
            raise ValueError(
                f"amount={amount} should be smaller than the number of parameters to prune={size}"
            )
        return int(amount)
    return round(amount * size)


def _check_structured(t: Tensor, dim: int) -> None:
    """Structured pruning needs channels: a tensor of 2 or more dims, ``dim`` one of them."""
    if t.dim() <= 1:
        raise ValueError(
            "Structured pruning can only be applied to multidimensional tensors. Found tensor "
            f"of shape {t.shape} with {t.dim()} dims"
        )
    if dim >= t.dim():
        raise IndexError(f"Invalid index {dim} for tensor of size {t.shape}")


def _channel_slice(ndim: int, dim: int, index: Any) -> tuple[Any, ...]:
    """The indexing tuple selecting ``index`` along ``dim`` and everything along the rest."""
    where: list[Any] = [slice(None)] * ndim
    where[dim] = index
    return tuple(where)


def _flat_mask_without(default_mask: Tensor, drop: Tensor) -> Tensor:
    """A copy of ``default_mask`` with the entries at the flat indices ``drop`` set to 0."""
    flat = default_mask.reshape(-1).clone()
    flat[drop] = 0
    return flat.reshape(default_mask.shape)


def _check_scores_shape(scores: Tensor, expected: Any, message: str) -> None:
    if tuple(scores.shape) != tuple(expected):
        # PyTorch raises AssertionError here (and not through ``assert``: it holds under -O)
        raise AssertionError(message)


# --- methods --------------------------------------------------------------------------------


class BasePruningMethod(ABC):
    """A way of choosing the entries of a tensor to prune; subclasses implement
    :meth:`compute_mask`, and set ``PRUNING_TYPE`` (``"unstructured"``, ``"structured"`` with a
    ``dim`` attribute, or ``"global"``) for :class:`PruningContainer` to combine them.

    An applied method is the forward pre-hook of its module (it knows its tensor by
    ``_tensor_name``).
    """

    _tensor_name: str
    PRUNING_TYPE: str  # set by the subclasses (a class without it cannot join a container)

    def __call__(self, module: Module, inputs: Any) -> None:
        """The forward pre-hook: recompute ``module.<name>`` from the original and the mask."""
        setattr(module, self._tensor_name, self.apply_mask(module))

    @abstractmethod
    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        """The mask for ``t`` (of its shape), given the mask of the earlier pruning."""

    def apply_mask(self, module: Module) -> Tensor:
        """``module.<name>_orig * module.<name>_mask``: the pruned tensor."""
        name = self._tensor_name
        return getattr(module, name + "_orig") * getattr(module, name + "_mask")

    @classmethod
    def apply(
        cls, module: Module, name: str, *args: Any, importance_scores: Any = None, **kwargs: Any
    ) -> Any:
        """Prune ``module.<name>`` by ``cls(*args, **kwargs)``, combined with its earlier
        pruning, ranking entries by ``importance_scores`` (by default the original tensor).
        Returns the method now acting on the tensor (a :class:`PruningContainer` when it was
        pruned before)."""
        earlier = [
            (key, hook)
            for key, hook in module._forward_pre_hooks.items()
            if isinstance(hook, BasePruningMethod) and hook._tensor_name == name
        ]
        if len(earlier) > 1:
            raise AssertionError(
                f"Avoid adding multiple pruning hooks to the same tensor {name} of module "
                f"{module}. Use a PruningContainer."
            )
        new = cls(*args, **kwargs)
        new._tensor_name = name
        method: BasePruningMethod = new
        before: tuple[Any, ...] | None = None
        previous: Any = None
        if earlier:
            previous = earlier[0][1]
            if isinstance(previous, PruningContainer):
                before = previous._pruning_methods
                previous.add_pruning_method(new)
                method = previous
            else:
                method = PruningContainer(previous)
                method.add_pruning_method(new)

        original = getattr(module, name)
        if importance_scores is not None:
            _check_scores_shape(
                importance_scores,
                original.shape,
                f"importance_scores should have the same shape as parameter {name} of "
                f"{module}, got {importance_scores.shape} vs {original.shape}",
            )
        first_time = not earlier
        if first_time:
            # The parameter itself moves to <name>_orig (optimizers holding it keep working)
            module.register_parameter(name + "_orig", original)
            del module._parameters[name]
            default_mask = arraygrad.ones_like(original)
        else:
            default_mask = getattr(module, name + "_mask").detach().clone()

        try:
            # By default the entries are ranked by the tensor as it is now (pruned entries are
            # 0, which matters for the norms of structured pruning)
            scores = original if importance_scores is None else importance_scores
            mask = method.compute_mask(scores, default_mask=default_mask)
            module.register_buffer(name + "_mask", mask)
            setattr(module, name, method.apply_mask(module))
        except Exception:
            # Leave the module as it was: the parameter back in its place (first pruning), the
            # container without the new method. (PyTorch also drops the earlier pruning hook
            # here, which leaves the module pruned but without its hook.)
            if first_time:
                module.register_parameter(name, module._parameters.pop(name + "_orig"))
            elif before is not None:
                previous._pruning_methods = before
            raise
        for key, _ in earlier:
            del module._forward_pre_hooks[key]
            call_hook_changes.removed(key)  # (taken out without its handle)
        module.register_forward_pre_hook(method)
        return method

    def prune(
        self, t: Tensor, default_mask: Tensor | None = None, importance_scores: Tensor | None = None
    ) -> Tensor:
        """``t`` times the mask this method computes for it (ranked by ``importance_scores``
        when given), without touching any module."""
        if importance_scores is not None:
            _check_scores_shape(
                importance_scores,
                t.shape,
                "importance_scores should have the same shape as tensor t",
            )
        else:
            importance_scores = t
        if default_mask is None:
            default_mask = arraygrad.ones_like(t)
        return t * self.compute_mask(importance_scores, default_mask=default_mask)

    def remove(self, module: Module) -> None:
        """Make the pruning permanent: ``module.<name>`` becomes the original parameter again,
        holding the pruned values; ``<name>_orig`` and ``<name>_mask`` go. The hook itself is
        left to the caller (:func:`remove` deletes it)."""
        name = self._tensor_name
        pruned = self.apply_mask(module)
        if name in module.__dict__:
            delattr(module, name)
        parameter = module._parameters.pop(name + "_orig")
        assert parameter is not None  # registered by apply
        parameter.data = pruned.data
        del module._buffers[name + "_mask"]
        setattr(module, name, parameter)


class PruningContainer(BasePruningMethod):
    """The pruning methods applied to one tensor, in order. Its mask is the earlier mask with
    the last method applied to what the earlier ones kept: the kept entries (unstructured),
    the channels with a kept entry (structured, along the method's ``dim``), or everything
    (global)."""

    def __init__(self, *args: BasePruningMethod) -> None:
        self._pruning_methods: tuple[BasePruningMethod, ...] = ()
        if len(args) == 1:
            self._tensor_name = args[0]._tensor_name
            self.add_pruning_method(args[0])
        else:
            for method in args:
                self.add_pruning_method(method)

    def add_pruning_method(self, method: BasePruningMethod) -> None:
        """Append ``method``, which must act on the same tensor."""
        if method is not None and not isinstance(method, BasePruningMethod):
            raise TypeError(f"{type(method)} is not a BasePruningMethod subclass")
        if method is not None and self._tensor_name != method._tensor_name:
            raise ValueError(
                "Can only add pruning methods acting on the parameter named "
                f"'{self._tensor_name}' to PruningContainer {self}. Found "
                f"'{method._tensor_name}'"
            )
        self._pruning_methods += (method,)

    def __len__(self) -> int:
        return len(self._pruning_methods)

    def __iter__(self) -> Iterator[BasePruningMethod]:
        return iter(self._pruning_methods)

    def __getitem__(self, idx: Any) -> Any:
        return self._pruning_methods[idx]

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        """The mask of the last method applied to the part of ``t`` that ``default_mask``
        keeps, written into (a copy in ``t``'s dtype of) ``default_mask``."""
        method = self._pruning_methods[-1]
        combined = default_mask.to(dtype=t.dtype)
        kind = method.PRUNING_TYPE
        if kind == "unstructured":
            region: Any = default_mask == 1
        elif kind == "structured":
            if not hasattr(method, "dim"):
                raise AttributeError(
                    'Pruning methods of PRUNING_TYPE "structured" need to have the attribute '
                    "`dim` defined."
                )
            ndim = t.dim()
            dim = method.dim if method.dim >= 0 else ndim + method.dim
            if dim < 0:
                raise IndexError(f"Index is out of bounds for tensor with dimensions {ndim}")
            others = [d for d in range(ndim) if d != dim]
            live = default_mask.sum(dim=others) != 0
            region = _channel_slice(ndim, dim, live)
        elif kind == "global":
            region = (slice(None),) * len(t.shape)
        else:
            raise ValueError(f"Unrecognized PRUNING_TYPE {kind}")
        part = method.compute_mask(t[region], default_mask=default_mask[region])
        combined[region] = part.to(dtype=combined.dtype)
        return combined


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
        drop = arraygrad.topk(arraygrad.rand_like(t).reshape(-1), k=count).indices
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
        magnitudes = arraygrad.abs(t.detach()).reshape(-1)
        drop = arraygrad.topk(magnitudes, k=count, largest=False).indices
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
        drop = arraygrad.topk(arraygrad.rand(channels), k=count).indices
        mask = arraygrad.ones_like(t)
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
        norms = arraygrad.norm(t.detach(), p=self.n, dim=others)
        keep = arraygrad.topk(norms, k=channels - count, largest=True).indices
        if count == 0:
            return default_mask
        mask = arraygrad.zeros_like(t)
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
    return arraygrad.ones_like(getattr(module, name)) if mask is None else mask


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
        raise TypeError("global_unstructured(): parameters is not an Iterable")
    if importance_scores is None:
        importance_scores = {}
    if not isinstance(importance_scores, dict):
        raise TypeError("global_unstructured(): importance_scores must be of type dict")
    targets = list(parameters)  # read twice below: a generator would be empty the second time
    scores = arraygrad.cat(
        [
            importance_scores.get((module, name), getattr(module, name)).reshape(-1)
            for module, name in targets
        ]
    )
    earlier_masks = arraygrad.cat(
        [_current_mask(module, name).reshape(-1) for module, name in targets]
    )
    method = pruning_method(**kwargs)
    method._tensor_name = "temp"
    if method.PRUNING_TYPE != "unstructured":
        raise TypeError(
            'Only "unstructured" PRUNING_TYPE supported for the `pruning_method`. Found method '
            f"{pruning_method} of type {method.PRUNING_TYPE}"
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
            call_hook_changes.removed(key)  # (taken out without its handle)
            return module
    raise ValueError(
        f"Parameter '{name}' of module {module} has to be pruned before pruning can be removed"
    )


def is_pruned(module: Module) -> bool:
    """Whether ``module`` or a module in it has a pruning hook."""
    return any(
        isinstance(hook, BasePruningMethod)
        for submodule in module.modules()
        for hook in submodule._forward_pre_hooks.values()
    )
