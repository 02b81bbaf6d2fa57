"""What a node's VJP rules read, checked before they run: saved values freed by an earlier
backward or overwritten in place since (PyTorch's errors), values packed by saved-tensor hooks,
and the inputs and output as Tensors for rules that record a graph (``create_graph``).
The engine (:mod:`arraygrad.autograd.engine`) calls these off its hot path: only for a node
whose values are gone, stale or packed, or with ``create_graph``.
"""

from __future__ import annotations

from typing import Any

from arraygrad import _primitive
from arraygrad._node import Node
from arraygrad._tensor import Tensor, describe
from arraygrad.autograd._saved_hooks import unpack_node


def check_saved(node: Node) -> None:
    """Raise if a value this node's rules read was overwritten in place after it was saved."""
    positions, reads_output = node.prim.reads_of(node.edges)
    if node.inputs is not None:
        for position in positions:
            value = node.inputs[position]
            counter = value._version_counter if isinstance(value, Tensor) else None
            if counter is not None and counter[1] > node.epoch:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by "
                    f"an inplace operation: input {position} of {node.name()}, "
                    f"{describe(value)}, is at version {counter[0]} and was written in place "
                    "after it was saved for backward. Fix: use the out-of-place op (x = x + 1 "
                    "instead of x += 1) or .clone() the tensor before modifying it."
                )
    counter = node.out_version if reads_output else None
    if counter is not None and counter[1] > node.epoch:
        raise RuntimeError(
            "one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: the output of {node.name()} (shape {list(node.shape)}) is at "
            f"version {counter[0]} and was written in place after it was saved for backward. "
            "Fix: use the out-of-place op or .clone() the output before modifying it."
        )


def freed_error(node: Node) -> RuntimeError:
    return RuntimeError(
        f"Trying to backward through the graph a second time (or directly access saved tensors "
        f"after they have already been freed): {node.name()} needs values that the first "
        "backward freed. Saved intermediate values of the graph are freed when you call "
        ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward "
        "through the graph a second time or if you need to access saved tensors after calling "
        "backward."
    )


def check_node(node: Node) -> None:
    """Raise if values the rules of ``node`` read were freed or overwritten in place."""
    if node.freed:
        raise freed_error(node)
    check_saved(node)


def free_saved(node: Node) -> None:
    """Free what the rules of ``node`` read. Shape holders of inputs whose values were never
    needed stay, so that, as in PyTorch, a second backward through add or sum still works."""
    if node.prim.reads_inputs:
        node.inputs = node.arrays = None
    node.out = None
    if node.packed is not None:
        node.packed = None


def unpacked_operands(
    node: Node, create_graph: bool, retain_graph: bool, results: Any
) -> tuple[Any, Any]:
    """The rules' operands of a node whose saved values saved_tensors_hooks packed, unpacked
    (once per pass, as PyTorch unpacks; not where the node's own hooks ran its rules already,
    ``results``). Without ``retain_graph`` the packed values are freed, as saved values are."""
    operands: tuple[Any, Any] = ((), None)
    if results is None:
        operands = unpack_node(node, create_graph)
    if not retain_graph:
        node.packed = None
    return operands


def differentiable_operands(node: Node) -> tuple[tuple[Any, ...], Any]:
    """The inputs and output as Tensors, for rules that record their own graph."""
    out = None
    if node.prim.reads_output:
        out = Tensor._wrap(node.out)
        out._node = node
        out._rg = True
        if _primitive.forward_ad_active:  # forward-over-reverse: the output's tangent too
            from arraygrad.autograd.forward_ad import _saved_output

            _saved_output(node, out)
    return node.inputs, out  # type: ignore[return-value]
