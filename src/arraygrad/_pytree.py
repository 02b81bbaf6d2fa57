"""Pytrees: values (tensors, mostly) in nested tuples, lists and dicts, as the function
transforms of :mod:`arraygrad.func` take and return them."""

from __future__ import annotations

from typing import Any


def tree_flatten(tree: Any) -> tuple[list[Any], Any]:
    """The leaves of ``tree`` (depth first) and a spec that :func:`tree_unflatten` inverts."""
    if isinstance(tree, (tuple, list)):
        leaves: list[Any] = []
        specs = []
        for item in tree:
            sub_leaves, spec = tree_flatten(item)
            leaves.extend(sub_leaves)
            specs.append((len(sub_leaves), spec))
        return leaves, (type(tree), specs)
    if isinstance(tree, dict):
        leaves, spec = tree_flatten(list(tree.values()))
        return leaves, (dict, (list(tree.keys()), spec))
    return [tree], None


def tree_unflatten(spec: Any, leaves: list[Any]) -> Any:
    """Rebuild the structure described by ``spec`` around ``leaves``."""
    if spec is None:
        return leaves[0]
    kind, children = spec
    if kind is dict:
        keys, inner = children
        return dict(zip(keys, tree_unflatten(inner, leaves), strict=True))
    items = []
    start = 0
    for count, child in children:
        items.append(tree_unflatten(child, leaves[start : start + count]))
        start += count
    return kind(items) if kind is not tuple else tuple(items)
