"""The two pruning methods :mod:`arraygrad.nn.utils.prune` builds on: ``BasePruningMethod``
(applying a method to a module tensor: the ``<name>_orig`` parameter, the ``<name>_mask``
buffer and the forward pre-hook that multiplies them) and ``PruningContainer`` (several
methods applied to one tensor, each to what the earlier ones kept). The concrete methods and
the functional API are in :mod:`arraygrad.nn.utils.prune`, which exports these two.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Any

import arraygrad
from arraygrad._tensor import Tensor
from arraygrad.nn.modules.global_hooks import call_hook_changes
from arraygrad.nn.modules.module import Module


def _channel_slice(ndim: int, dim: int, index: Any) -> tuple[Any, ...]:
    """The indexing tuple selecting ``index`` along ``dim`` and everything along the rest."""
    where: list[Any] = [slice(None)] * ndim
    where[dim] = index
    return tuple(where)


def _check_scores_shape(scores: Tensor, expected: Any, message: str) -> None:
    if tuple(scores.shape) != tuple(expected):
        # PyTorch raises AssertionError here (and not through ``assert``: it holds under -O)
        raise AssertionError(message)


class BasePruningMethod(ABC):
    """A way of choosing the entries of a tensor to prune; subclasses implement
    :meth:`compute_mask`, and set ``PRUNING_TYPE`` (``"unstructured"``, ``"structured"`` with a
    ``dim`` attribute, or ``"global"``) for :class:`PruningContainer` to combine them.

    An applied method is the forward pre-hook of its module (it knows its tensor by
    ``_tensor_name``).
    """

    # Public as arraygrad.nn.utils.prune's (messages, reprs and pickles name that path)
    __module__ = "arraygrad.nn.utils.prune"

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
                " Fix: apply one pruning function after another; they share a "
                "PruningContainer."
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

    # Public as arraygrad.nn.utils.prune's (messages, reprs and pickles name that path)
    __module__ = "arraygrad.nn.utils.prune"

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
            raise TypeError(
                f"{type(method)} is not a BasePruningMethod subclass"
                ". Fix: pass an instance of a BasePruningMethod subclass."
            )
        if method is not None and self._tensor_name != method._tensor_name:
            raise ValueError(
                "Can only add pruning methods acting on the parameter named "
                f"'{self._tensor_name}' to PruningContainer {self}. Found "
                f"'{method._tensor_name}'"
                f". Fix: add a method built for the parameter '{self._tensor_name}'."
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
                    " Fix: give the structured method a dim attribute."
                )
            ndim = t.dim()
            dim = method.dim if method.dim >= 0 else ndim + method.dim
            if dim < 0:
                raise IndexError(
                    f"Index is out of bounds for tensor with dimensions {ndim}"
                    f". Fix: pass dim in [{-ndim}, {ndim - 1}]."
                )
            others = [d for d in range(ndim) if d != dim]
            live = default_mask.sum(dim=others) != 0
            region = _channel_slice(ndim, dim, live)
        elif kind == "global":
            region = (slice(None),) * len(t.shape)
        else:
            raise ValueError(
                f"Unrecognized PRUNING_TYPE {kind}"
                ". Fix: set PRUNING_TYPE to 'unstructured', 'structured' or 'global'."
            )
        part = method.compute_mask(t[region], default_mask=default_mask[region])
        combined[region] = part.to(dtype=combined.dtype)
        return combined
