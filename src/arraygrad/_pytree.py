"""Pytrees: values (tensors, mostly) in nested containers, with ``torch.utils._pytree``'s API.

A container type is a *node* when it is registered: ``tuple``, ``list``, ``dict``,
``OrderedDict``, ``defaultdict``, ``deque`` and every named tuple are, and
:func:`register_pytree_node` adds more. Anything else (``None``, numbers, tensors, strings,
subclasses of the built-in containers that are not registered) is a *leaf*. Flattening walks the
nodes depth first and returns the leaves with a :class:`TreeSpec` that rebuilds the structure
around new leaves. :mod:`arraygrad.func`'s transforms and ``vmap`` use it; the public face is
:mod:`arraygrad.utils._pytree`.

>>> leaves, spec = tree_flatten({"w": [1, 2], "b": (3,)})
>>> leaves
[1, 2, 3]
>>> tree_unflatten([10, 20, 30], spec)
{'w': [10, 20], 'b': (30,)}
"""

from __future__ import annotations

import collections
import types
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple

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

FlattenFn = Callable[[Any], tuple[list[Any], Any]]
UnflattenFn = Callable[[Iterable[Any], Any], Any]
IsLeaf = Callable[[Any], bool] | None


class _NodeKind(NamedTuple):
    """How a node type comes apart (its children and a context) and goes back together."""

    flatten: FlattenFn
    unflatten: UnflattenFn


def namedtuple(*args: Any, **kwargs: Any) -> Any:
    """``collections.namedtuple``: also the node type that every named tuple class flattens
    as, with the class as context (so ``TreeSpec(namedtuple, <class ...>, ...)``)."""
    return collections.namedtuple(*args, **kwargs)


_registry: dict[Any, _NodeKind] = {}


def _is_namedtuple_class(cls: type) -> bool:
    return issubclass(cls, tuple) and isinstance(getattr(cls, "_fields", None), tuple)


def _node_type(tree: Any) -> Any:
    """The registry key of ``tree``'s type, or ``None`` for a leaf."""
    cls = type(tree)
    if cls in _registry:
        return cls
    if _is_namedtuple_class(cls):
        return namedtuple
    return None


def register_pytree_node(
    cls: type[Any],
    flatten_fn: FlattenFn,
    unflatten_fn: UnflattenFn,
    *,
    serialized_type_name: str | None = None,
    to_dumpable_context: Callable[[Any], Any] | None = None,
    from_dumpable_context: Callable[[Any], Any] | None = None,
    flatten_with_keys_fn: Callable[[Any], Any] | None = None,
) -> None:
    """Make ``cls`` a node: ``flatten_fn(obj) -> (children, context)`` and
    ``unflatten_fn(children, context) -> obj``. (The serialization arguments are accepted;
    arraygrad does not serialize tree specs.)"""
    if cls in _registry:
        raise ValueError(f"{cls} is already registered as pytree node.")
    _registry[cls] = _NodeKind(flatten_fn, unflatten_fn)


def _dict_flatten(d: dict[Any, Any]) -> tuple[list[Any], Any]:
    return list(d.values()), list(d.keys())


def _defaultdict_flatten(d: collections.defaultdict[Any, Any]) -> tuple[list[Any], Any]:
    return list(d.values()), [d.default_factory, list(d.keys())]


def _defaultdict_unflatten(values: Iterable[Any], context: Any) -> Any:
    factory, keys = context
    return collections.defaultdict(factory, zip(keys, values, strict=True))


register_pytree_node(tuple, lambda t: (list(t), None), lambda v, c: tuple(v))
register_pytree_node(list, lambda t: (list(t), None), lambda v, c: list(v))
register_pytree_node(dict, _dict_flatten, lambda v, keys: dict(zip(keys, v, strict=True)))
register_pytree_node(
    collections.OrderedDict,
    _dict_flatten,
    lambda v, keys: collections.OrderedDict(zip(keys, v, strict=True)),
)
register_pytree_node(collections.defaultdict, _defaultdict_flatten, _defaultdict_unflatten)
register_pytree_node(
    collections.deque,
    lambda d: (list(d), d.maxlen),
    lambda v, maxlen: collections.deque(v, maxlen=maxlen),
)
register_pytree_node(namedtuple, lambda t: (list(t), type(t)), lambda v, cls: cls(*v))  # type: ignore[arg-type]


class TreeSpec:
    """The structure of a pytree: a node's ``type`` (``None`` for a leaf), its ``context``
    (a dict's keys, a named tuple's class, ...) and one spec per child."""

    def __init__(self, type: Any, context: Any, children_specs: list[TreeSpec]) -> None:
        self.type = type
        self.context = context
        self.children_specs = list(children_specs)
        self.num_children = len(self.children_specs)
        if type is None and not self.children_specs:
            self.num_nodes = self.num_leaves = 1
        else:
            self.num_nodes = 1 + sum(child.num_nodes for child in self.children_specs)
            self.num_leaves = sum(child.num_leaves for child in self.children_specs)

    def is_leaf(self) -> bool:
        return self.num_nodes == 1 and self.num_leaves == 1

    def children(self) -> list[TreeSpec]:
        return list(self.children_specs)

    def child(self, index: int) -> TreeSpec:
        return self.children_specs[index]

    def _key(self) -> tuple[Any, ...]:
        return (self.type, self.context, tuple(child._key() for child in self.children_specs))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TreeSpec):
            return False
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash((self.type, repr(self.context), self.num_nodes, self.num_leaves))

    def _text(self, indent: int) -> str:
        if self.is_leaf():
            return "*"
        name = "namedtuple" if self.type is namedtuple else self.type.__name__
        children = (",\n" + " " * (indent + 2)).join(
            child._text(indent + 2) for child in self.children_specs
        )
        return f"TreeSpec({name}, {self.context}, [{children}])"

    def __repr__(self) -> str:
        return self._text(0)

    def unflatten(self, leaves: Iterable[Any]) -> Any:
        """The tree of this structure holding ``leaves``, in order."""
        items = list(leaves)
        if len(items) != self.num_leaves:
            raise ValueError(
                f"treespec.unflatten(leaves): `leaves` has length {len(items)} but the spec "
                f"refers to a pytree that holds {self.num_leaves} items ({self})."
            )
        return self._build(iter(items))

    def _build(self, leaves: Iterator[Any]) -> Any:
        if self.is_leaf():
            return next(leaves)
        children = [child._build(leaves) for child in self.children_specs]
        return _registry[self.type].unflatten(children, self.context)

    def flatten_up_to(self, tree: Any) -> list[Any]:
        """The subtrees of ``tree`` at this structure's leaves (``tree`` has this structure
        down to them, and anything below)."""
        found: list[Any] = []
        self._split(tree, found)
        return found

    def _split(self, tree: Any, found: list[Any]) -> None:
        if self.is_leaf():
            found.append(tree)
            return
        kind = _node_type(tree)
        if kind != self.type:
            raise ValueError(f"Node type mismatch; expected {self.type!r}, but got {type(tree)!r}.")
        children, context = _registry[kind].flatten(tree)
        if len(children) != self.num_children:
            raise ValueError(
                f"Node arity mismatch; expected {self.num_children}, but got {len(children)}."
            )
        if kind in (dict, collections.OrderedDict, collections.defaultdict):
            # Mappings pair by key, whatever order the other one's keys are in.
            expected = self._keys()
            given = context[1] if kind is collections.defaultdict else context
            if set(expected) != set(given):
                missing, extra = set(expected) - set(given), set(given) - set(expected)
                raise ValueError(
                    f"Node keys mismatch; missing key(s): {missing}; extra key(s): {extra}."
                )
            children = [tree[key] for key in expected]
        elif context != self.context:
            raise ValueError(
                f"Node context mismatch for node type {self.type!r}; expected "
                f"{self.context!r}, but got {context!r}."
            )
        for child_spec, child in zip(self.children_specs, children, strict=True):
            child_spec._split(child, found)

    def _keys(self) -> list[Any]:
        return self.context[1] if self.type is collections.defaultdict else self.context


class LeafSpec(TreeSpec):
    """The spec of a leaf (``*``)."""

    def __init__(self) -> None:
        super().__init__(None, None, [])


def tree_flatten(tree: Any, is_leaf: IsLeaf = None) -> tuple[list[Any], TreeSpec]:
    """The leaves of ``tree`` (depth first) and the spec that :func:`tree_unflatten` inverts.
    ``is_leaf(subtree)`` true makes that subtree a leaf."""
    leaves: list[Any] = []
    return leaves, _flatten(tree, is_leaf, leaves)


def _flatten(tree: Any, is_leaf: IsLeaf, leaves: list[Any]) -> TreeSpec:
    kind = None if is_leaf is not None and is_leaf(tree) else _node_type(tree)
    if kind is None:
        leaves.append(tree)
        return LeafSpec()
    children, context = _registry[kind].flatten(tree)
    return TreeSpec(kind, context, [_flatten(child, is_leaf, leaves) for child in children])


def tree_unflatten(leaves: Iterable[Any], treespec: TreeSpec) -> Any:
    """The tree of structure ``treespec`` holding ``leaves`` in order."""
    if not isinstance(treespec, TreeSpec):
        raise TypeError(
            "Expected `treespec` to be an instance of PyTreeSpec but got item of type "
            f"{type(treespec)}."
        )
    return treespec.unflatten(leaves)


def tree_leaves(tree: Any, is_leaf: IsLeaf = None) -> list[Any]:
    """The leaves of ``tree``, depth first."""
    return tree_flatten(tree, is_leaf)[0]


def tree_iter(tree: Any, is_leaf: IsLeaf = None) -> Iterator[Any]:
    """The leaves of ``tree``, depth first, one at a time."""
    return iter(tree_leaves(tree, is_leaf))


def tree_structure(tree: Any, is_leaf: IsLeaf = None) -> TreeSpec:
    """The spec of ``tree``."""
    return tree_flatten(tree, is_leaf)[1]


def tree_map(func: Callable[..., Any], tree: Any, *rests: Any, is_leaf: IsLeaf = None) -> Any:
    """``tree`` with every leaf replaced by ``func(leaf, *others)``, where ``others`` are the
    subtrees of ``rests`` at that leaf's place (each of ``rests`` has ``tree``'s structure down
    to its leaves)."""
    leaves, spec = tree_flatten(tree, is_leaf)
    others = [spec.flatten_up_to(rest) for rest in rests]
    return spec.unflatten(func(*values) for values in zip(leaves, *others, strict=True))


def tree_map_(func: Callable[..., Any], tree: Any, *rests: Any, is_leaf: IsLeaf = None) -> Any:
    """Call ``func`` on the leaves as :func:`tree_map` does, for its effects; returns ``tree``."""
    leaves, spec = tree_flatten(tree, is_leaf)
    others = [spec.flatten_up_to(rest) for rest in rests]
    for values in zip(leaves, *others, strict=True):
        func(*values)
    return tree


def _matcher(type_or_types_or_pred: Any) -> Callable[[Any], bool]:
    """A type, a tuple of types or a union (``int | float``) selects by ``isinstance``; any
    other callable is the predicate itself."""
    if isinstance(type_or_types_or_pred, type | tuple | types.UnionType):
        return lambda value: isinstance(value, type_or_types_or_pred)
    return type_or_types_or_pred  # type: ignore[no-any-return]


def tree_map_only(
    type_or_types_or_pred: Any,
    /,
    func: Callable[[Any], Any],
    tree: Any,
    is_leaf: IsLeaf = None,
) -> Any:
    """:func:`tree_map` of ``func`` on the leaves of the given type(s), or for which the given
    predicate is true; the other leaves stay."""
    matches = _matcher(type_or_types_or_pred)
    return tree_map(lambda x: func(x) if matches(x) else x, tree, is_leaf=is_leaf)


def tree_all(pred: Callable[[Any], bool], tree: Any, is_leaf: IsLeaf = None) -> bool:
    """Whether ``pred`` holds for every leaf."""
    return all(map(pred, tree_leaves(tree, is_leaf)))


def tree_any(pred: Callable[[Any], bool], tree: Any, is_leaf: IsLeaf = None) -> bool:
    """Whether ``pred`` holds for some leaf."""
    return any(map(pred, tree_leaves(tree, is_leaf)))


def tree_all_only(
    type_or_types: Any, /, pred: Callable[[Any], bool], tree: Any, is_leaf: IsLeaf = None
) -> bool:
    """Whether ``pred`` holds for every leaf of the given type(s)."""
    matches = _matcher(type_or_types)
    return all(pred(x) for x in tree_leaves(tree, is_leaf) if matches(x))


def tree_any_only(
    type_or_types: Any, /, pred: Callable[[Any], bool], tree: Any, is_leaf: IsLeaf = None
) -> bool:
    """Whether ``pred`` holds for some leaf of the given type(s)."""
    matches = _matcher(type_or_types)
    return any(pred(x) for x in tree_leaves(tree, is_leaf) if matches(x))


def treespec_pprint(treespec: TreeSpec) -> str:
    """``treespec`` drawn as the tree it describes, ``*`` at each leaf."""
    return repr(_drawn(treespec))


class _Star:
    def __repr__(self) -> str:
        return "*"


def _drawn(spec: TreeSpec) -> Any:
    if spec.is_leaf():
        return _Star()
    return spec.unflatten([_Star() for _ in range(spec.num_leaves)])
