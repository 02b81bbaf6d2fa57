"""The older, hook-based ``weight_norm`` and ``spectral_norm`` (``arraygrad.nn.utils.<name>``).

They replace ``module.<name>`` by stored tensors (``<name>_g`` and ``<name>_v``; or
``<name>_orig`` with the buffers ``<name>_u`` and ``<name>_v``) and a forward pre-hook that
recomputes ``module.<name>`` as a plain attribute before each call. The parametrizations in
:mod:`arraygrad.nn.utils.parametrizations` are the newer form.

>>> import warnings
>>> import arraygrad.nn as nn
>>> from arraygrad.nn.utils import remove_spectral_norm, spectral_norm
>>> layer = spectral_norm(nn.Linear(3, 2))
>>> [name for name in layer.state_dict()]
['bias', 'weight_orig', 'weight_u', 'weight_v']
>>> [name for name in remove_spectral_norm(layer).state_dict()]
['bias', 'weight']
"""

from __future__ import annotations

import warnings
from typing import Any, TypeVar

import arraygrad
from arraygrad._grad_mode import no_grad
from arraygrad._tensor import Tensor
from arraygrad.nn import functional as F  # noqa: N812 - PyTorch's usual name
from arraygrad.nn.modules.conv import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from arraygrad.nn.modules.global_hooks import call_hook_changes
from arraygrad.nn.modules.module import Module
from arraygrad.nn.parameter import Parameter
from arraygrad.nn.utils.parametrizations import _as_matrix, _norm_except_dim, _weight_norm

__all__ = ["remove_spectral_norm", "remove_weight_norm", "spectral_norm", "weight_norm"]

T_module = TypeVar("T_module", bound=Module)


def _find_hook(module: Module, kind: type, name: str) -> tuple[Any, Any] | None:
    """The ``(id, hook)`` of the ``kind`` pre-hook for ``name``, if there is one."""
    for hook_id, hook in module._forward_pre_hooks.items():
        if isinstance(hook, kind) and getattr(hook, "name", None) == name:
            return hook_id, hook
    return None


class _WeightNormHook:
    """Forward pre-hook setting ``module.<name> = g * v / ||v||``."""

    def __init__(self, name: str, dim: int) -> None:
        self.name = name
        self.dim = dim

    def weight(self, module: Module) -> Tensor:
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return _weight_norm(v, g, self.dim)

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.weight(module))


def weight_norm(module: T_module, name: str = "weight", dim: int | None = 0) -> T_module:
    """Replace ``module.<name>`` by ``<name>_g`` (magnitude) and ``<name>_v`` (direction).

    ``weight = g * v / ||v||``, the norm taken over every dimension but ``dim`` (all of them
    for ``dim=None``), recomputed before each forward. Deprecated in PyTorch for
    :func:`arraygrad.nn.utils.parametrizations.weight_norm` (a FutureWarning).

    >>> import arraygrad, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     layer = arraygrad.nn.utils.weight_norm(arraygrad.nn.Linear(3, 2))
    >>> [name for name, _ in layer.named_parameters()]
    ['bias', 'weight_g', 'weight_v']
    >>> layer.weight_g.shape, layer.weight_v.shape
    (arraygrad.Size([2, 1]), arraygrad.Size([2, 3]))
    """
    warnings.warn(
        "`torch.nn.utils.weight_norm` is deprecated in favor of "
        "`torch.nn.utils.parametrizations.weight_norm`.",
        FutureWarning,
        stacklevel=2,
    )
    if _find_hook(module, _WeightNormHook, name) is not None:
        raise RuntimeError(
            f"Cannot register two weight_norm hooks on the same parameter {name}"
            f". Fix: call remove_weight_norm(module, {name!r}) first, or apply weight_norm once."
        )
    hook = _WeightNormHook(name, -1 if dim is None else dim)
    weight = getattr(module, name)
    del module._parameters[name]
    with no_grad():
        module.register_parameter(name + "_g", Parameter(_norm_except_dim(weight, hook.dim)))
        module.register_parameter(name + "_v", Parameter(weight.detach()))
    setattr(module, name, hook.weight(module))
    module.register_forward_pre_hook(hook)
    return module


def remove_weight_norm(module: T_module, name: str = "weight") -> T_module:
    """Undo :func:`weight_norm`: ``module.<name>`` becomes a parameter with its current value.

    A module without that weight norm is a ValueError.

    >>> import arraygrad, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     layer = arraygrad.nn.utils.weight_norm(arraygrad.nn.Linear(3, 2))
    >>> layer = arraygrad.nn.utils.remove_weight_norm(layer)
    >>> [name for name, _ in layer.named_parameters()]
    ['bias', 'weight']
    """
    found = _find_hook(module, _WeightNormHook, name)
    if found is None:
        raise ValueError(
            f"weight_norm of '{name}' not found in {module}"
            f". Fix: apply weight_norm(module, '{name}') first, or pass "
            "the name used then."
        )
    hook_id, hook = found
    with no_grad():
        weight = hook.weight(module)
    delattr(module, name)
    del module._parameters[name + "_g"]
    del module._parameters[name + "_v"]
    setattr(module, name, Parameter(weight.detach()))
    del module._forward_pre_hooks[hook_id]
    call_hook_changes.removed(hook_id)  # (taken out without its handle)
    return module


class _SpectralNormHook:
    """Forward pre-hook setting ``module.<name> = <name>_orig / sigma``; in training mode it
    first improves the singular-vector estimates ``<name>_u`` / ``<name>_v`` in place."""

    def __init__(self, name: str, n_power_iterations: int, dim: int, eps: float) -> None:
        self.name = name
        self.n_power_iterations = n_power_iterations
        self.dim = dim
        self.eps = eps

    def weight(self, module: Module, iterate: bool) -> Tensor:
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        matrix = _as_matrix(weight, self.dim)
        if iterate:
            with no_grad():
                for _ in range(self.n_power_iterations):
                    v.copy_(F.normalize(arraygrad.mv(matrix.mT, u), dim=0, eps=self.eps))
                    u.copy_(F.normalize(arraygrad.mv(matrix, v), dim=0, eps=self.eps))
            # Copies: the buffers change in place at the next call, after this graph was built.
            u, v = u.clone(), v.clone()
        sigma = arraygrad.dot(u, arraygrad.mv(matrix, v))
        return weight / sigma

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.weight(module, iterate=module.training))


def spectral_norm(
    module: T_module,
    name: str = "weight",
    n_power_iterations: int = 1,
    eps: float = 1e-12,
    dim: int | None = None,
) -> T_module:
    """Divide ``module.<name>`` by its spectral norm, estimated by power iteration at each
    training forward (transposed convolutions use ``dim=1``).

    ``weight = weight_orig / sigma``, ``sigma = u^T W v`` with the buffers ``weight_u``,
    ``weight_v`` (random at first) refined by ``n_power_iterations`` steps per training
    forward; eval mode reuses them. The weight is viewed as a matrix with ``dim`` as its rows.

    >>> import arraygrad
    >>> _ = arraygrad.manual_seed(0)
    >>> layer = arraygrad.nn.utils.spectral_norm(arraygrad.nn.Linear(4, 3), n_power_iterations=30)
    >>> sorted(name for name, _ in layer.named_parameters())
    ['bias', 'weight_orig']
    >>> _ = layer(arraygrad.zeros(1, 4))
    >>> round(arraygrad.linalg.matrix_norm(layer.weight, 2).item(), 4)
    1.0
    """
    if dim is None:
        transposed = (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)
        dim = 1 if isinstance(module, transposed) else 0
    if _find_hook(module, _SpectralNormHook, name) is not None:
        raise RuntimeError(
            f"Cannot register two spectral_norm hooks on the same parameter {name}"
            f". Fix: call remove_spectral_norm(module, {name!r}) first, or apply spectral_norm "
            "once."
        )
    if n_power_iterations <= 0:
        raise ValueError(
            "Expected n_power_iterations to be positive, but got "
            f"n_power_iterations={n_power_iterations}"
            ". Fix: pass n_power_iterations >= 1."
        )
    weight = module._parameters[name]
    if weight is None:
        raise ValueError(
            f"`SpectralNorm` cannot be applied as parameter `{name}` is None"
            ". Fix: pass the name of a parameter the module has, e.g. name='weight'."
        )
    hook = _SpectralNormHook(name, n_power_iterations, dim, eps)
    with no_grad():
        rows, cols = _as_matrix(weight, dim).shape
        u = F.normalize(arraygrad.randn(rows, dtype=weight.dtype), dim=0, eps=eps)
        v = F.normalize(arraygrad.randn(cols, dtype=weight.dtype), dim=0, eps=eps)
    delattr(module, name)
    module.register_parameter(name + "_orig", weight)
    setattr(module, name, weight.detach())
    module.register_buffer(name + "_u", u)
    module.register_buffer(name + "_v", v)
    module.register_forward_pre_hook(hook)
    return module


def remove_spectral_norm(module: T_module, name: str = "weight") -> T_module:
    """Undo :func:`spectral_norm`: ``module.<name>`` becomes a parameter with its current
    value (without a further power-iteration step).

    The ``_orig`` parameter and the ``_u`` / ``_v`` buffers are removed.

    >>> import arraygrad
    >>> layer = arraygrad.nn.utils.spectral_norm(arraygrad.nn.Linear(4, 3))
    >>> layer = arraygrad.nn.utils.remove_spectral_norm(layer)
    >>> [name for name, _ in layer.named_parameters()], list(layer.buffers())
    (['bias', 'weight'], [])
    """
    found = _find_hook(module, _SpectralNormHook, name)
    if found is None:
        raise ValueError(
            f"spectral_norm of '{name}' not found in {module}"
            f". Fix: apply spectral_norm(module, '{name}') first, or pass "
            "the name used then."
        )
    hook_id, hook = found
    with no_grad():
        weight = hook.weight(module, iterate=False)
    del module._forward_pre_hooks[hook_id]
    call_hook_changes.removed(hook_id)  # (taken out without its handle)
    delattr(module, name)
    for suffix in ("_u", "_v", "_orig"):
        delattr(module, name + suffix)
    module.register_parameter(name, Parameter(weight.detach()))
    return module
