"""``torch.utils._pytree``: nested containers of values, flattened to their leaves and rebuilt.

One implementation, :mod:`arraygrad._pytree` (which :mod:`arraygrad.func` and ``vmap`` use),
under PyTorch's module name, for libraries that walk nested inputs and outputs with it.

>>> from arraygrad.utils._pytree import tree_map
>>> tree_map(lambda x: x * 2, {"a": [1, 2], "b": (3,)})
{'a': [2, 4], 'b': (6,)}
"""

from __future__ import annotations

from arraygrad._pytree import (
    LeafSpec,
    TreeSpec,
    register_pytree_node,
    tree_all,
    tree_all_only,
    tree_any,
    tree_any_only,
    tree_flatten,
    tree_iter,
    tree_leaves,
    tree_map,
    tree_map_,
    tree_map_only,
    tree_structure,
    tree_unflatten,
    treespec_pprint,
)

__all__ = [
    "LeafSpec",
    "TreeSpec",
    "register_pytree_node",
    "tree_all",
    "tree_all_only",
    "tree_any",
    "tree_any_only",
    "tree_flatten",
    "tree_iter",
    "tree_leaves",
    "tree_map",
    "tree_map_",
    "tree_map_only",
    "tree_structure",
    "tree_unflatten",
    "treespec_pprint",
]
