"""The backward passes running in each thread, for ``autograd.graph.register_multi_grad_hook``:
its hooks ask which of their tensors the running pass reaches. Passes are registered only while
such a hook exists, so that the engine pays one test per pass otherwise."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from arraygrad._node import Node
    from arraygrad._tensor import Tensor


class BackwardPass:
    """A backward pass that runs, as ``autograd.graph.register_multi_grad_hook`` asks about it:
    which tensors it reaches, and the hooks' state for this pass (``states``)."""

    __slots__ = ("leaf_targets", "nodes", "output_leaves", "states")

    def __init__(self) -> None:
        self.nodes: dict[Node, int] = {}
        self.leaf_targets: set[int] | None = None
        self.output_leaves: dict[int, Any] = {}
        self.states: dict[Any, Any] = {}

    def reaches(self, tensor: Tensor) -> bool:
        """Whether this pass computes a gradient for ``tensor`` (runs its hooks)."""
        node = tensor._node
        if node is not None:
            if node in self.nodes:
                return True
            # A piece of a split (chunk, unbind) whose other piece's node runs: PyTorch's one
            # node for the split runs, calling this piece's hooks with None, and so does the
            # engine here (_delivery.unreached_siblings).
            return node.siblings is not None and any(ref() in self.nodes for ref in node.siblings)
        if self.leaf_targets is not None and id(tensor) not in self.leaf_targets:
            return False
        if id(tensor) in self.output_leaves:
            return True
        return any(edge is tensor for node in self.nodes for edge in node.edges)


class _Running(threading.local):
    def __init__(self) -> None:
        self.passes: list[BackwardPass] = []


_running = _Running()
# How many register_multi_grad_hook hooks exist: while none does, a pass is not registered.
_watchers = 0


def watching_passes() -> bool:
    """Whether any multi-grad hook exists (then each backward pass is registered)."""
    return _watchers > 0


@contextlib.contextmanager
def registered_pass() -> Iterator[BackwardPass]:
    """Register a backward pass running in this thread for as long as it runs."""
    this_pass = BackwardPass()
    _running.passes.append(this_pass)
    try:
        yield this_pass
    finally:
        _running.passes.pop()


def watch_passes(change: int) -> None:
    """Count multi-grad hooks made (1) or removed (-1)."""
    global _watchers
    _watchers += change


def running_pass() -> BackwardPass | None:
    """The innermost backward pass running in this thread (while multi-grad hooks exist)."""
    passes = _running.passes
    return passes[-1] if passes else None
