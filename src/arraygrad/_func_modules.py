"""The module-facing function transforms of :mod:`arraygrad.func`: ``functional_call`` (a call
of a module with its parameters and buffers swapped for given tensors) and
``replace_all_batch_norm_modules_`` (batch norms that :func:`arraygrad.func.vmap` can map over).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from arraygrad._tensor import Tensor


def replace_all_batch_norm_modules_(root: Any) -> Any:
    """In place: every batch norm module in ``root`` (itself included) stops tracking running
    statistics, its ``running_mean``, ``running_var`` and ``num_batches_tracked`` becoming
    None, so that it normalises by the batch's statistics in training and evaluation alike
    (what :func:`vmap` over a batch norm needs). Instance norms are left alone. Returns
    ``root``."""
    from arraygrad.nn.modules.normalization import _BatchNorm

    for module in root.modules():
        if isinstance(module, _BatchNorm):  # instance norms are not _BatchNorms
            module.running_mean = None
            module.running_var = None
            module.num_batches_tracked = None
            module.track_running_stats = False
    return root


def functional_call(
    module: Any,
    parameter_and_buffer_dicts: Mapping[str, Tensor] | Sequence[Mapping[str, Tensor]],
    args: Any = None,
    kwargs: dict[str, Any] | None = None,
    *,
    tie_weights: bool = True,
    strict: bool = False,
) -> Any:
    """``module(*args, **kwargs)`` with its parameters and buffers replaced, for this call only,
    by the tensors named in the dict (or the disjoint dicts) given.

    With ``tie_weights`` a tensor registered under several names takes the given value under
    all of them; with ``strict`` the names must be exactly the module's.

    >>> import arraygrad
    >>> import arraygrad.nn as nn
    >>> from arraygrad.func import grad
    >>> layer = nn.Linear(1, 1, bias=False)
    >>> w = arraygrad.tensor([[3.0]])
    >>> grad(lambda w: functional_call(layer, {"weight": w}, arraygrad.ones(1, 1)).sum())(w)
    tensor([[1.]])
    """
    # Imported here: arraygrad.nn imports this module's package before it is complete.
    from arraygrad.nn.utils.stateless import _functional_call

    if isinstance(parameter_and_buffer_dicts, dict):
        parameters_and_buffers = parameter_and_buffer_dicts
    elif isinstance(parameter_and_buffer_dicts, Sequence):
        if not all(isinstance(d, dict) for d in parameter_and_buffer_dicts):
            raise ValueError(
                "Expected all elements of parameter_and_buffer_dicts to be dictionaries"
            )
        counts: dict[str, int] = {}
        for d in parameter_and_buffer_dicts:
            for key in d:
                counts[key] = counts.get(key, 0) + 1
        repeated = [key for key, n in counts.items() if n > 1]
        if repeated:
            raise ValueError(
                f"{repeated} appeared in multiple dictionaries; behavior of functional call is "
                "ambiguous"
            )
        parameters_and_buffers = {k: v for d in parameter_and_buffer_dicts for k, v in d.items()}
    else:
        raise ValueError(
            "Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of dicts, but got "
            f"{type(parameter_and_buffer_dicts)}"
        )
    return _functional_call(
        module, parameters_and_buffers, args, kwargs, tie_weights=tie_weights, strict=strict
    )
