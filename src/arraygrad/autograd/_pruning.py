"""The part of a graph a backward pass with ``inputs`` runs (``autograd.grad``,
``backward(inputs=...)``): only the nodes on a path to a requested input, and of their rules
only those for edges on such a path, as in PyTorch. The rest would compute gradients nobody
asked for, from saved values an earlier backward may have freed."""

from __future__ import annotations

from typing import Any

from arraygrad._node import Node

__all__ = ["gets_gradient", "leads_on", "on_paths_to"]


def on_paths_to(
    dependencies: dict[Node, int], leaves: set[int], nodes: dict[Node, int]
) -> dict[Node, int]:
    """The nodes of ``dependencies`` (all reachable from the outputs) that lie on a path to one
    of the target ``leaves`` (by id) or ``nodes``, with their dependants counted among them."""
    remaining = dict(dependencies)
    ready = [node for node, count in remaining.items() if count == 0]
    order = []  # each node after every node that sends it a gradient
    while ready:
        node = ready.pop()
        order.append(node)
        for edge in node.edges:
            if edge.__class__ is Node:
                remaining[edge] -= 1  # type: ignore[index]
                if not remaining[edge]:  # type: ignore[index]
                    ready.append(edge)  # type: ignore[arg-type]
    needed: dict[Node, int] = {}
    for node in reversed(order):  # a node's edges are decided before it
        for edge in node.edges:
            if edge.__class__ is Node:
                if edge in needed:
                    break
            elif edge is not None and id(edge) in leaves:
                break
        else:
            if node not in nodes:
                continue
        needed[node] = 0
    for node in needed:
        for edge in node.edges:
            if edge.__class__ is Node and edge in needed:
                needed[edge] += 1  # type: ignore[index]
    return needed


def leads_on(node: Node, needed: dict[Node, int], leaves: set[int] | None) -> bool:
    """Whether one of ``node``'s edges is on a path to a requested input: a ``needed`` node
    (see :func:`on_paths_to`) or one of the requested ``leaves`` (by id). A requested
    computed tensor's own node may lead nowhere further: its rules then do not run."""
    for edge in node.edges:
        if edge is None:
            continue
        if edge.__class__ is Node:
            if edge in needed:
                return True
        elif leaves is not None and id(edge) in leaves:
            return True
    return False


def gets_gradient(edge: Any, on_paths: tuple[dict[Node, int], set[int] | None] | None) -> bool:
    """Whether a rule runs for ``edge``: an input that needs a gradient, on a path to the
    requested inputs where there are some (``on_paths``: the needed nodes, and the requested
    leaves' ids)."""
    if edge is None:
        return False
    if on_paths is None:
        return True
    needed, leaves = on_paths
    if edge.__class__ is Node:
        return edge in needed
    return leaves is not None and id(edge) in leaves
