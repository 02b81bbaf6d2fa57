"""Reaching into a module tree by dotted path: ``get_submodule``, ``get_parameter``,
``get_buffer`` and ``set_submodule`` of :class:`~arraygrad.nn.Module`.

Error classes and messages are PyTorch's, which code written for PyTorch may match on.

>>> import arraygrad.nn as nn
>>> net = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU()))
>>> net.get_parameter("0.bias").shape
arraygrad.Size([3])
>>> net.set_submodule("1.0", nn.Tanh())
>>> net.get_submodule("1")
Sequential(
  (0): Tanh()
)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from arraygrad._tensor import Tensor
from arraygrad.nn.parameter import Parameter

if TYPE_CHECKING:
    from arraygrad.nn.modules.module import Module

__all__ = ["PathMixin"]


def _no_attribute(owner: Module, name: str) -> AttributeError:
    return AttributeError(f"{owner._get_name()} has no attribute `{name}`")


class PathMixin:
    """The dotted-path methods of ``Module``."""

    def get_submodule(self, target: str) -> Module:
        """The submodule at the dotted path ``target`` (``""`` is this module)."""
        from arraygrad.nn.modules.module import Module  # (module.py imports this file)

        module: Module = self  # type: ignore[assignment]
        if target == "":
            return module
        for item in target.split("."):
            if not hasattr(module, item):
                raise _no_attribute(module, item)
            module = getattr(module, item)
            if not isinstance(module, Module):
                raise AttributeError(
                    "`"
                    + item
                    + "` is not an nn.Module"
                    + (". Fix: name a chain of submodules, e.g. 'layer1.0'.")
                )
        return module

    def _owner_and_name(self, target: str) -> tuple[Module, str]:
        # The module holding the last component of ``target``, which must be its attribute.
        path, _, name = target.rpartition(".")
        owner = self.get_submodule(path)
        if not hasattr(owner, name):
            raise _no_attribute(owner, name)
        return owner, name

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at the dotted path ``target`` (``"encoder.0.weight"``)."""
        owner, name = self._owner_and_name(target)
        param = getattr(owner, name)
        if not isinstance(param, Parameter):
            raise AttributeError(
                "`"
                + name
                + "` is not an nn.Parameter"
                + (". Fix: name a parameter, e.g. 'layer1.weight' (get_buffer for buffers).")
            )
        return param

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at the dotted path ``target`` (persistent or not; ``None`` if the buffer
        was registered as ``None``)."""
        owner, name = self._owner_and_name(target)
        if name not in owner._buffers:
            raise AttributeError(
                "`"
                + name
                + "` is not a buffer"
                + (". Fix: name a registered buffer (get_parameter for parameters).")
            )
        return owner._buffers[name]  # type: ignore[return-value]

    def set_submodule(self, target: str, module: Module, strict: bool = False) -> None:
        """Put ``module`` at the dotted path ``target``, replacing the submodule there.

        The path up to the last component must exist. The last component may be new unless
        ``strict``; an existing attribute there must be a module.
        """
        from arraygrad.nn.modules.module import Module

        if target == "":
            raise ValueError(
                "Cannot set the submodule without a target name!"
                " Fix: pass the dotted path of the submodule, e.g. 'layer1.0'."
            )
        path, _, name = target.rpartition(".")
        if not isinstance(module, Module):
            raise ValueError(
                f"`module` is not an nn.Module, found {type(module)}"
                ". Fix: pass an nn.Module instance."
            )
        owner = self.get_submodule(path)
        exists = hasattr(owner, name)
        if strict and not exists:
            raise _no_attribute(owner, name)
        if exists and not isinstance(getattr(owner, name), Module):
            raise AttributeError(
                "`"
                + name
                + "` is not an nn.Module"
                + (
                    ". Fix: name a submodule, or pass strict=False to add it after deleting "
                    "the attribute."
                )
            )
        setattr(owner, name, module)
