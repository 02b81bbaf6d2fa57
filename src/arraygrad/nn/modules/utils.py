"""``torch.nn.modules.utils``: turning a layer argument into one value per spatial dimension
(``_single``, ``_pair``, ``_triple``, ``_quadruple``, ``_ntuple``), the padding helpers built
on it, and stripping a wrapper's prefix from a state dict.

>>> from arraygrad.nn.modules.utils import _pair
>>> _pair(3), _pair((1, 2))
((3, 3), (1, 2))
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["consume_prefix_in_state_dict_if_present"]


def _ntuple(n: int, name: str = "parse") -> Callable[[Any], tuple[Any, ...]]:
    """A function that gives an iterable as a tuple of its items, and anything else repeated
    ``n`` times; it is called ``name``."""

    def parse(x: Any) -> tuple[Any, ...]:
        if isinstance(x, Iterable):
            return tuple(x)
        return (x,) * n

    parse.__name__ = name
    parse.__qualname__ = name
    return parse


_single = _ntuple(1, "_single")
_pair = _ntuple(2, "_pair")
_triple = _ntuple(3, "_triple")
_quadruple = _ntuple(4, "_quadruple")


def _reverse_repeat_tuple(t: Any, n: int) -> tuple[Any, ...]:
    """``t`` reversed with each item repeated ``n`` times: per-dimension padding in the
    last-dimension-first order that ``F.pad`` reads (``(1, 2), 2 -> (2, 2, 1, 1)``)."""
    return tuple(item for item in reversed(t) for _ in range(n))


def _list_with_default(out_size: Any, defaults: list[int]) -> Any:
    """An adaptive pooling's output size, each None taken from the input's matching trailing
    size in ``defaults``; a single int is returned as it is."""
    if isinstance(out_size, int):
        return out_size
    if len(defaults) <= len(out_size):
        raise ValueError(
            f"Input dimension should be at least {len(out_size) + 1}"
            f" (got {len(defaults)} dimensions for output_size {list(out_size)}). Fix: pass an "
            f"input with at least {len(out_size) + 1} dimensions, or one output size per "
            "pooled dimension."
        )
    trailing = defaults[-len(out_size) :]
    return [
        size if size is not None else default
        for size, default in zip(out_size, trailing, strict=True)
    ]


def consume_prefix_in_state_dict_if_present(state_dict: dict[str, Any], prefix: str) -> None:
    """In place: strip ``prefix`` from every key of ``state_dict`` that starts with it (the
    ``module.`` a ``DataParallel`` wrapper adds), and from the keys of its ``_metadata``."""
    for key in [key for key in state_dict if key.startswith(prefix)]:
        state_dict[key[len(prefix) :]] = state_dict.pop(key)
    metadata = getattr(state_dict, "_metadata", None)
    if metadata is None:
        return
    # the metadata of the wrapped module itself is keyed by the prefix without its dot
    bare = prefix.replace(".", "")
    for key in list(metadata):
        if key and (key == bare or key.startswith(prefix)):
            metadata[key[len(prefix) :]] = metadata.pop(key)
