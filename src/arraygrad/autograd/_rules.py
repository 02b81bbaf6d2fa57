"""Running a node's VJP rules where the engine's hot loop does not: one ``sum_to`` that undoes
broadcasting after every rule, the rules that add into or overwrite arrays only the engine
holds, and the rules of a node whose hooks need all its input gradients at once. Each call is
written down while ``arraygrad.compile`` traces (its ``tracer``).
"""

from __future__ import annotations

from typing import Any

from arraygrad import _backend
from arraygrad._node import Node
from arraygrad.autograd._pruning import gets_gradient
from arraygrad.autograd._saved_hooks import unpack_node
from arraygrad.autograd._saved_values import check_node, differentiable_operands


def sum_to(ns: Any, grad: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``grad`` over the axes that broadcasting added or stretched, down to ``shape``.

    >>> import numpy as np
    >>> sum_to(np, np.ones((2, 3)), (3,)).tolist()
    [2.0, 2.0, 2.0]
    """
    grad_shape = grad.shape
    if grad_shape == shape:  # the common case, one tuple comparison
        return grad
    if not shape:
        # A scalar weight or bias: one full sum, which NumPy computes exactly as the sum over
        # every axis, for a fraction of the call overhead of spelling out the axes.
        return ns.sum(grad)
    lead = len(grad_shape) - len(shape)
    if grad_shape[lead:] == shape:
        # Only leading axes were added (a bias): one sum, no reshape.
        return ns.sum(grad, axis=tuple(range(lead)), keepdims=False)
    if lead < 0:
        # Fewer dimensions than the input (a leaf unsqueezed in place under no_grad after its
        # use was recorded): the gradient takes leading ones, as PyTorch's accumulation does.
        grad_shape = (1,) * -lead + tuple(grad_shape)
        grad = ns.reshape(grad, shape=grad_shape)
        lead = 0
        if grad_shape == shape:
            return grad
    if any(size != 1 and size != grad_shape[lead + i] for i, size in enumerate(shape)):
        # A rule's gradient that does not broadcast to its input (an input's shape changed
        # in place under no_grad after it was recorded): PyTorch's error, not a reshape.
        raise RuntimeError(
            f"a backward function returned an invalid gradient: got shape {list(grad_shape)} "
            f"but expected shape compatible with {list(shape)}. Fix: do not change a tensor's "
            "shape in place (t_(), unsqueeze_(), ...) between the forward pass that used it "
            "and backward."
        )
    stretched = tuple(
        lead + i for i, size in enumerate(shape) if size == 1 and grad_shape[lead + i] != 1
    )
    grad = ns.sum(grad, axis=tuple(range(lead)) + stretched, keepdims=True)
    return ns.reshape(grad, shape=shape)


def owning_rules(
    node: Node,
    grad: Any,
    ns: Any,
    out: Any,
    args: Any,
    buffers: dict[Node, Any],
    owned: set[Node],
    on_paths: tuple[dict[Node, int], set[int] | None] | None,
    tracer: Any,
    into_leaves: bool = False,
    leaf_parts: dict[int, Any] | None = None,
) -> list[Any]:
    """The input gradients of ``node``, whose primitive has rules that add into or overwrite
    arrays only the engine holds (see ``Primitive``'s ``vjp_add_into`` and
    ``vjp_overwriting``). Their results are such arrays too, and are marked ``owned`` for
    the caller to store as their edges' first gradients.

    An add-into rule takes the edge's gradient so far out of ``buffers`` (the caller stores the
    sum back); an overwriting rule runs last, on ``grad`` itself when the engine owns it (the
    other rules' results that are views of it are copied first) or else on a copy.
    ``on_paths``: with ``inputs`` given, the nodes that lead to them and the requested leaves'
    ids (others get nothing).
    ``tracer``: arraygrad.compile's recorder, which writes each rule's call down.
    ``into_leaves``: an add-into rule may add a leaf's part into its ``.grad`` (see
    :func:`grad_to_add_into`), where ``accumulate_grad`` would add the rule's full-size result;
    that edge's result is then ``None`` (delivered). ``leaf_parts``: the leaves whose parts the
    engine sums first, which it may not.
    """
    prim = node.prim
    edges, params = node.edges, node.params
    results: list[Any] = [None] * len(edges)
    order: Any = range(len(edges))
    overwrite = -1
    if prim.vjps_overwriting is not None:
        last = prim.overwrite_order[-1]
        edge = edges[last]
        if gets_gradient(edge, on_paths):
            order, overwrite = prim.overwrite_order, last
    in_place = overwrite >= 0 and node in owned
    add_into = prim.vjps_add_into
    for position in order:
        edge = edges[position]
        if not gets_gradient(edge, on_paths):
            continue
        if add_into is not None and add_into[position] is not None and edge in owned:
            total = buffers.pop(edge)  # type: ignore[call-overload]
            operands = (ns, total, grad, out, *args)
            results[position] = run_rule(add_into[position], operands, params, tracer)
        elif (
            into_leaves
            and add_into is not None
            and add_into[position] is not None
            and (existing := grad_to_add_into(edge, leaf_parts)) is not None
        ):
            total = run_rule(add_into[position], (ns, existing, grad, out, *args), params, None)
            if total is not existing:  # (a rule that could not add in place)
                _backend.assign(existing, total)
        elif position == overwrite:
            target = grad if in_place else _backend.copy(grad)
            rule = prim.vjps_overwriting[position]  # type: ignore[index]
            results[position] = run_rule(rule, (ns, target, out, *args), params, tracer)
            # Its edge's first gradient (else it is summed into the first); a leaf's goes to
            # .grad, copied there (the engine keeps nothing of a leaf's).
            if edge.__class__ is Node and edge not in buffers:
                owned.add(edge)
        else:
            rule = prim.vjps[position]  # type: ignore[index]
            operands = (ns, grad, out, *args)
            result = None if rule is None else run_rule(rule, operands, params, tracer)
            if in_place and result is not None and (result is grad or result.base is grad):
                result = _backend.copy(result)  # grad is about to be overwritten
            results[position] = result
    return results


def grad_to_add_into(edge: Any, leaf_parts: dict[int, Any] | None) -> Any:
    """The ``.grad`` array of the leaf ``edge`` when a part of its gradient may be added into it
    in place by a rule, as ``accumulate_grad`` adds a part (the same sums, but that an element
    the part does not reach keeps its ``-0.0``, as PyTorch's cat of a split's pieces keeps it):
    a leaf that already has a ``.grad`` without a graph, no hooks, and whose parts the engine
    does not sum first; ``None`` otherwise."""
    if edge.__class__ is Node or edge is None or edge._hooks is not None:
        return None
    if leaf_parts and id(edge) in leaf_parts:
        return None
    existing = edge._grad
    if existing is None or existing._rg:
        return None
    return existing._data


def grads_to_add_into(edges: Any, leaf_parts: dict[int, Any] | None) -> bool:
    """Whether some edge among ``edges`` is a leaf with a ``.grad`` to add into
    (:func:`grad_to_add_into`)."""
    return any(grad_to_add_into(edge, leaf_parts) is not None for edge in edges)


def run_rule(rule: Any, operands: tuple[Any, ...], params: Any, tracer: Any) -> Any:
    """``rule(*operands, **params)``, written down while arraygrad.compile traces."""
    if tracer is not None:
        return tracer.call(rule, operands, params)
    return rule(*operands, **params)


def call_rule(
    rule: Any, ns: Any, grad: Any, out: Any, args: tuple[Any, ...], params: Any, tracer: Any
) -> Any:
    if tracer is not None:
        return tracer.call(rule, (ns, grad, out, *args), params)
    return rule(ns, grad, out, *args, **params)


def unbroadcast(ns: Any, grad: Any, shape: tuple[int, ...], tracer: Any) -> Any:
    if tracer is not None:
        return tracer.call(sum_to, (ns, grad, tuple(shape)))
    grad = sum_to(ns, grad, tuple(shape))
    if grad.__class__ is not _backend.array_type and ns is _backend.xp:
        grad = _backend.ensure_array(grad)  # NumPy's full sums give scalars: gradients are arrays
    return grad


def rule_results(
    node: Node,
    grad: Any,
    ns: Any,
    create_graph: bool,
    paths: tuple[dict[Node, int], set[int] | None] | None,
    tracer: Any,
) -> list[Any]:
    """Each input's gradient (``None`` for one that gets none), of the input's shape."""
    prim = node.prim
    if node.packed is not None:
        args, out = unpack_node(node, create_graph)
    else:
        if prim.reads_inputs or prim.reads_output:
            check_node(node)
        args, out = differentiable_operands(node) if create_graph else (node.arrays, node.out)
    results: list[Any] = []
    for edge, rule in zip(node.edges, prim.vjps, strict=True):  # type: ignore[arg-type]
        value = None
        if rule is not None and gets_gradient(edge, paths):
            value = call_rule(rule, ns, grad, out, args, node.params, tracer)  # type: ignore[arg-type]
        if value is not None:
            shape = edge.shape if edge.__class__ is Node else edge._data.shape  # type: ignore[union-attr]
            if value.shape != shape:
                value = unbroadcast(ns, value, shape, tracer)
        results.append(value)
    return results
