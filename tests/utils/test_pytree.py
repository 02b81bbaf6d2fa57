"""``arraygrad.utils._pytree`` against ``torch.utils._pytree``: flattening and rebuilding
dicts, lists, tuples, named tuples, ``OrderedDict``, ``defaultdict``, ``deque``, ``None`` and
registered classes, the specs' reprs and equality, the mapping functions and their errors."""

from __future__ import annotations

import collections
import re
from collections.abc import Callable
from typing import Any

import pytest
import torch.utils._pytree

import arraygrad.utils._pytree

Point = collections.namedtuple("Point", ["x", "y"])
Other = collections.namedtuple("Other", ["x", "y"])

LIBS = (arraygrad.utils._pytree, torch.utils._pytree)


class Pair:
    def __init__(self, first: Any, second: Any) -> None:
        self.first, self.second = first, second

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Pair) and (self.first, self.second) == (other.first, other.second)

    def __repr__(self) -> str:
        return f"Pair({self.first!r}, {self.second!r})"


for _lib in LIBS:
    _lib.register_pytree_node(
        Pair, lambda p: ([p.first, p.second], "pair"), lambda values, ctx: Pair(*values)
    )


def _same(program: Callable[[Any], Any]) -> Any:
    mine, theirs = (program(lib) for lib in LIBS)
    assert mine == theirs
    return mine


def _outcome(program: Callable[[], Any]) -> Any:
    try:
        return "ok", program()
    except Exception as error:
        return type(error).__name__, re.sub(" at 0x[0-9a-f]+", "", str(error))


TREES = {
    "nested": {
        "b": [1, (2, 3)],
        "a": None,
        "c": Point(4, 5),
        "d": collections.OrderedDict([("z", 6), ("y", 7)]),
    },
    "leaf": 5,
    "none": None,
    "empty_list": [],
    "empty_tuple": (),
    "defaultdict": collections.defaultdict(int, {"a": 1, "b": [2]}),
    "deque": collections.deque([1, (2,)], maxlen=3),
    "int_keys": {2: "x", 1: "y"},
    "registered": [Pair(1, [2, 3])],
    "strings_and_sets_are_leaves": ["ab", b"x", {1, 2}, range(2), frozenset()],
}


@pytest.mark.parametrize("name", sorted(TREES))
def test_flatten_unflatten(name: str) -> None:
    def program(lib: Any) -> Any:
        tree = TREES[name]
        leaves, spec = lib.tree_flatten(tree)
        rebuilt = lib.tree_unflatten(leaves, spec)
        return [
            leaves,
            repr(spec),
            str(spec),
            spec.num_leaves,
            spec.num_nodes,
            spec.num_children,
            spec.is_leaf(),
            rebuilt == tree,
            type(rebuilt),
            lib.treespec_pprint(spec),
            lib.tree_leaves(tree),
            lib.tree_structure(tree) == spec,
        ]

    _same(program)


def test_specs() -> None:
    def program(lib: Any) -> Any:
        leaf = lib.LeafSpec()
        spec = lib.tree_structure([1, (2,)])
        return [
            repr(leaf),
            leaf == lib.tree_structure(3),
            isinstance(leaf, lib.TreeSpec),
            repr(lib.TreeSpec(list, None, [lib.LeafSpec(), lib.LeafSpec()])),
            lib.TreeSpec(list, None, [lib.LeafSpec(), lib.LeafSpec()])
            == lib.tree_structure([1, 2]),
            lib.tree_structure([1, [2]]) == lib.tree_structure([3, [4]]),
            lib.tree_structure([1, [2]]) == lib.tree_structure([3, (4,)]),
            lib.tree_structure({"a": 1, "b": 2}) == lib.tree_structure({"b": 1, "a": 2}),
            lib.tree_structure([1]) == [1],
            hash(lib.tree_structure((1, 2))) == hash(lib.tree_structure((3, 4))),
            repr(spec.children()),
            repr(spec.child(1)),
            spec.unflatten([7, 8]),
            spec.flatten_up_to([(7, 8), (9,)]),
            lib.tree_structure(Point(1, 2)).context is Point,
            lib.tree_unflatten(iter([1, 2]), lib.tree_structure((0, 0))),
            lib.tree_unflatten([1, 2], lib.tree_structure(Point(0, 0))),
        ]

    _same(program)


def test_maps_and_predicates() -> None:
    def program(lib: Any) -> Any:
        tree = TREES["nested"]
        return [
            lib.tree_map(lambda x: x if x is None else x * 10, tree),
            lib.tree_map(lambda x, y: x + y, [1, (2, 3)], [10, (20, 30)]),
            lib.tree_map(lambda x, y: (x, y), [1, 2], [(10, 11), 20]),
            lib.tree_map(lambda a, b: (a, b), {"a": 1, "b": 2}, {"b": 3, "a": 4}),
            lib.tree_map(lambda a, b: (a, b), [1, None], [2, 3]),
            lib.tree_map(len, [[1, 2], [3]], is_leaf=lambda x: isinstance(x, list) and 3 not in x),
            lib.tree_map(lambda x: x * 2, Pair(1, 2)),
            lib.tree_map_only(int, lambda x: x + 1, [1, 2.0, "s", (3,)]),
            lib.tree_map_only((int, float), lambda x: x + 1, [1, 2.0, "s", (3,)]),
            lib.tree_map_only(int | float, lambda x: x + 1, [1, 2.0, "s"]),
            lib.tree_map_only(lambda x: isinstance(x, int), lambda x: x + 1, [1, "a"]),
            lib.tree_all(lambda x: x > 0, [1, (2, 3)]),
            lib.tree_all(lambda x: x > 1, [1, (2, 3)]),
            lib.tree_all(lambda x: x > 1, []),
            lib.tree_any(lambda x: x > 2, [1, (2, 3)]),
            lib.tree_any(lambda x: x > 5, [1, (2, 3)]),
            lib.tree_all_only(int, lambda x: x > 0, [1, -2.0]),
            lib.tree_any_only(float, lambda x: x > 0, [1, -2.0]),
            lib.tree_leaves([1, [2, 3]], is_leaf=lambda x: isinstance(x, list) and len(x) == 2),
        ]

    _same(program)


def test_errors() -> None:
    def program(lib: Any) -> Any:
        return [
            _outcome(lambda: lib.tree_map(lambda x, y: x, [1, (2, 3)], [10, [20, 30]])),
            _outcome(lambda: lib.tree_map(lambda x, y: x, [1, 2], [10, 20, 30])),
            _outcome(lambda: lib.tree_map(lambda x, y: x, [1, 2], 5)),
            _outcome(lambda: lib.tree_map(lambda a, b: a, {"a": 1, "b": 2}, {"a": 1, "c": 2})),
            _outcome(lambda: lib.tree_map(lambda a, b: a, Point(1, 2), Other(1, 2))),
            _outcome(lambda: lib.tree_unflatten([1, 2], lib.tree_structure([1, 2, 3]))),
            _outcome(lambda: lib.tree_unflatten([1, 2], [1, 2])),
            _outcome(lambda: lib.register_pytree_node(Pair, lambda p: ([], None), Pair)),
        ]

    outcomes = _same(program)
    assert all(kind != "ok" for kind, _ in outcomes)


def test_tensors_are_leaves() -> None:
    import torch

    import arraygrad as ag

    tree = {"w": ag.ones(1), "b": [ag.ones(2)]}
    mine = arraygrad.utils._pytree.tree_map(lambda x: x + 1, tree)
    tree = {"w": torch.ones(1), "b": [torch.ones(2)]}
    theirs = torch.utils._pytree.tree_map(lambda x: x + 1, tree)
    assert [t.tolist() for t in arraygrad.utils._pytree.tree_leaves(mine)] == [
        t.tolist() for t in torch.utils._pytree.tree_leaves(theirs)
    ]
