"""``functional_call``: call a module with some parameters and buffers replaced for one call.

>>> import arraygrad
>>> import arraygrad.nn as nn
>>> layer = nn.Linear(1, 1)
>>> weights = {"weight": arraygrad.tensor([[2.0]]), "bias": arraygrad.tensor([1.0])}
>>> _functional_call(layer, weights, arraygrad.tensor([[3.0]]))
tensor([[7.]])
>>> layer.weight is not weights["weight"]  # the module's own parameters are back
True
"""

from __future__ import annotations

import contextlib
import warnings as _warnings
from typing import TYPE_CHECKING, Any

from arraygrad._tensor import Tensor

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from arraygrad.nn.modules.module import Module

__all__ = ["functional_call"]

_MISSING: Any = object()


def _with_tied_names(
    module: Module, parameters_and_buffers: Mapping[str, Tensor]
) -> dict[str, Tensor]:
    """Give every name tied to a given one (the same tensor under several names) its value,
    refusing different values for tied names."""
    named: dict[str, Tensor] = {}
    named.update(module.named_parameters(remove_duplicate=False))
    named.update(module.named_buffers(remove_duplicate=False))
    names_of: dict[int, set[str]] = {}
    for name, tensor in named.items():
        names_of.setdefault(id(tensor), set()).add(name)
    tied: dict[str, set[str]] = {}
    for names in names_of.values():
        if len(names) > 1:
            for name in names:
                tied[name] = names
    given = {name for name in parameters_and_buffers if name in tied}
    for name in given:
        names = tied[name]
        values = {id(parameters_and_buffers[n]) for n in names if n in parameters_and_buffers}
        if len(names & given) > 1 and len(values) != 1:
            raise ValueError(
                f"functional_call got multiple values for keys {sorted(names)}, which are tied. "
                "Consider using tie_weights=False"
                f". Fix: pass one value for {sorted(names)} (the same tensor for all), or "
                "tie_weights=False."
            )
    untied = dict(parameters_and_buffers)
    for name in given:
        for tied_name in tied[name]:
            untied[tied_name] = parameters_and_buffers[name]
    return untied


def _swap_tensor(module: Module, name: str, tensor: Any) -> Any:
    """Put ``tensor`` (``_MISSING``: nothing) at ``module.<name>``; return what was there."""
    for store in (module._parameters, module._buffers):
        if name in store:
            original = store[name]
            if tensor is _MISSING:
                del store[name]
            else:
                store[name] = tensor  # a plain tensor in _parameters is what torch does too
            return original
    original = getattr(module, name, _MISSING)
    if original is not _MISSING and not isinstance(original, Tensor):
        raise TypeError(
            f"attribute `{name}`: {original} is not an instance of torch.Tensor"
            f". Fix: drop {name!r} from the dict; only parameters, buffers and tensor "
            "attributes can be replaced."
        )
    if tensor is not _MISSING:
        setattr(module, name, tensor)
    elif hasattr(module, name):
        delattr(module, name)
    return original


def _check_keys(module: Module, keys: set[str]) -> None:
    expected = {name for name, _ in module.named_parameters(remove_duplicate=False)}
    expected |= {name for name, _ in module.named_buffers(remove_duplicate=False)}
    unexpected = sorted(keys - expected)
    missing = sorted(expected - keys)
    messages = []
    if unexpected:
        messages.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
    if missing:
        messages.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
    if messages:
        raise RuntimeError(
            f"Error(s) in reparametrizing for {module._get_name()}:\n\t"
            + "\n\t".join(messages)
            + "\nFix: pass exactly the module's parameter and buffer names "
            "(dict(module.named_parameters())), or strict=False."
        )


@contextlib.contextmanager
def _tensors_swapped_in(
    module: Module,
    parameters_and_buffers: Mapping[str, Tensor],
    tie_weights: bool = False,
    strict: bool = False,
) -> Iterator[None]:
    values = (
        _with_tied_names(module, parameters_and_buffers)
        if tie_weights
        else dict(parameters_and_buffers)
    )
    if strict:
        _check_keys(module, set(values))
    saved: list[tuple[Module, str, Any]] = []
    try:
        for name, tensor in values.items():
            owner_path, _, leaf = name.rpartition(".")
            owner = module.get_submodule(owner_path)
            saved.append((owner, leaf, _swap_tensor(owner, leaf, tensor)))
        yield
    finally:
        for owner, leaf, original in reversed(saved):
            _swap_tensor(owner, leaf, original)


def _functional_call(
    module: Module,
    parameters_and_buffers: Mapping[str, Tensor],
    args: Any = None,
    kwargs: dict[str, Any] | None = None,
    *,
    tie_weights: bool = True,
    strict: bool = False,
) -> Any:
    """``module(*args, **kwargs)`` with the tensors named in ``parameters_and_buffers`` in
    place of the module's own (the module is left unchanged afterwards)."""
    if kwargs is None:
        kwargs = {}
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    with _tensors_swapped_in(
        module, parameters_and_buffers, tie_weights=tie_weights, strict=strict
    ):
        return module(*args, **kwargs)


def functional_call(
    module: Module,
    parameters_and_buffers: Mapping[str, Tensor],
    args: Any = None,
    kwargs: dict[str, Any] | None = None,
    *,
    tie_weights: bool = True,
    strict: bool = False,
) -> Any:
    """Deprecated in PyTorch (a FutureWarning) for :func:`arraygrad.func.functional_call`,
    which it otherwise equals for one dict."""
    _warnings.warn(
        "`torch.nn.utils.stateless.functional_call` is deprecated as of PyTorch 2.0 and will be "
        "removed in a future version of PyTorch. Please use `torch.func.functional_call` "
        "instead which is a drop-in replacement.",
        FutureWarning,
        stacklevel=2,
    )
    return _functional_call(
        module, parameters_and_buffers, args, kwargs, tie_weights=tie_weights, strict=strict
    )
