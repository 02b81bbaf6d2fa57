"""The backward engine: it knows graphs, not ops.

It walks the recorded :class:`~arraygrad._node.Node` graph in reverse topological order,
found by counting each node's dependants (no recursion, so a 100,000-op chain is fine), calls
each node's VJP rules and sums the gradients arriving at every node and leaf. After a rule runs,
its result is summed down to its input's shape (:func:`~arraygrad.autograd._rules.sum_to`), the
one place broadcasting is undone. The rare work around the rules (checking and unpacking what
they read, rules that write into the engine's own arrays) is in ``_saved_values`` and
``_rules``.

Without ``create_graph`` the rules run on raw arrays of the backend namespace: no Tensor objects
and no graph are made. With ``create_graph=True`` the same rules run on Tensors through
:mod:`arraygrad.ops`, so the gradients are themselves differentiable.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from arraygrad import _backend, _grad_mode, _inference, _primitive, _profiling
from arraygrad._node import Node
from arraygrad._out_of_memory import allocation_error
from arraygrad._tensor import Tensor
from arraygrad.autograd import anomaly_mode
from arraygrad.autograd._delivery import (
    accumulate_grad,
    accumulate_retained,
    deliver_to_leaf,
    held_leaf_parts,
    leaf_parts_sent,
    ops_namespace,
    run_hooks,
    run_hooks_without_gradient,
    sum_parts,
    unreached_siblings,
)
from arraygrad.autograd._node_hooks import (
    has_node_hooks,
    hooks_without_gradient,
    materialized_run,
    run_node_hooks,
)
from arraygrad.autograd._passes import BackwardPass, registered_pass, watching_passes
from arraygrad.autograd._pruning import leads_on, on_paths_to
from arraygrad.autograd._rules import (
    call_rule,
    grads_to_add_into,
    owning_rules,
    rule_results,
    unbroadcast,
)
from arraygrad.autograd._saved_values import (
    check_node,
    differentiable_operands,
    free_saved,
    unpacked_operands,
)


def run_backward(
    outputs: Sequence[Tensor],
    grad_outputs: Sequence[Any],
    *,
    retain_graph: bool,
    create_graph: bool,
    inputs: Sequence[Tensor] | None = None,
    accumulate: bool = True,
) -> dict[int, Any]:
    """Backpropagate ``grad_outputs`` (arrays, or Tensors when ``create_graph``) from ``outputs``.

    With ``accumulate=True`` gradients are summed into the ``.grad`` of the leaves (only those in
    ``inputs`` when it is given). With ``accumulate=False`` nothing is written to ``.grad``;
    the gradients of ``inputs`` (leaves or not) are returned, keyed by ``id`` of the input.
    """
    if _grad_mode.inference_used:  # off once an evaluation's inference tensors are gone
        _inference.release_if_unused()
    try:  # (free in Python 3.11+ while nothing is raised)
        if not watching_passes():
            return _backward(
                outputs, grad_outputs, retain_graph, create_graph, inputs, accumulate, None
            )
        # Multi-grad hooks ask which of their tensors this pass reaches: it is registered.
        with registered_pass() as this_pass:
            return _backward(
                outputs, grad_outputs, retain_graph, create_graph, inputs, accumulate, this_pass
            )
    except BaseException as error:
        recorder = _profiling.recorder  # (read once: another thread may stop it)
        if recorder is not None:
            recorder.pass_failed()  # end the range of the node that raised
        if anomaly_mode.is_anomaly_enabled():  # PyTorch's warning naming the failed node
            anomaly_mode.warn_failed(error, _backward)
        if isinstance(error, MemoryError):  # a rule's array: PyTorch's OutOfMemoryError
            raise allocation_error(error) from None
        raise


def _rules_of(node: Node, ns: Any, create_graph: bool, paths: Any, tracer: Any) -> Any:
    """``node``'s rules' results for a gradient, as a function of it, for the runs outside the
    engine's loop (a node's hooks, a custom Function reached by no gradient). A module-level
    function: a closure in ``_backward`` would turn the loop's locals it reads into cells."""
    return functools.partial(
        rule_results, node, ns=ns, create_graph=create_graph, paths=paths, tracer=tracer
    )


def _backward(
    outputs: Sequence[Tensor],
    grad_outputs: Sequence[Any],
    retain_graph: bool,
    create_graph: bool,
    inputs: Sequence[Tensor] | None,
    accumulate: bool,
    this_pass: BackwardPass | None,
) -> dict[int, Any]:
    ns = ops_namespace() if create_graph else _backend.xp
    # Where to stop and collect: leaves by tensor identity, computed tensors by their node.
    # Nodes hash by identity, so they key the dictionaries below directly.
    leaf_targets: set[int] | None = None
    node_targets: dict[Node, int] = {}
    if inputs is not None:
        leaf_targets = set()
        for tensor in inputs:
            if tensor._node is None:
                leaf_targets.add(id(tensor))
            else:
                node_targets[tensor._node] = id(tensor)
    captured: dict[int, Any] = {}

    # 1. Find every node reachable from the outputs and count the edges into each.
    # A node is a key of ``dependencies`` once it has been seen. An output given twice is walked
    # once (walking it twice would count its inputs' edges twice, and they would never run).
    dependencies: dict[Node, int] = {}
    for output in outputs:
        if output._node is not None:
            dependencies[output._node] = 0
    # Whether a leaf with hooks is reached: its parts are then counted (below), so that its
    # hooks run as soon as its whole gradient is in (PyTorch's AccumulateGrad), not at the end.
    hooked_leaves = False
    # Whether a leaf that holds a .grad already is reached by two edges or more: it then gets
    # the sum of this pass's parts, added once (PyTorch's AccumulateGrad sums its inputs
    # first), not each part in turn, which rounds differently.
    leaves_met: set[int] = set()
    repeated_leaves = False
    stack: list[Node] = list(dependencies)
    while stack:
        for edge in stack.pop().edges:
            if edge.__class__ is Node:
                if edge in dependencies:
                    dependencies[edge] += 1  # type: ignore[index]
                else:
                    dependencies[edge] = 1  # type: ignore[index]
                    stack.append(edge)  # type: ignore[arg-type]
            elif edge is not None:
                if edge._hooks is not None:  # type: ignore[union-attr]
                    hooked_leaves = True
                elif id(edge) not in leaves_met:
                    leaves_met.add(id(edge))
                elif create_graph or edge._grad is not None:  # type: ignore[union-attr]
                    repeated_leaves = True

    # With ``inputs`` (autograd.grad, backward(inputs=...)), only the nodes on a path to one of
    # them run, as in PyTorch: the rest would compute gradients nobody asked for, and may hold
    # values an earlier backward freed (a buffer written in place on every step).
    pruning = inputs is not None
    if pruning:
        dependencies = on_paths_to(dependencies, leaf_targets or set(), node_targets)
    # (counted over the nodes that run: without those off the paths to the inputs)
    # A leaf that is itself an output is one more part of its gradient (backward([w, w * 3])
    # runs w's hooks once, on the sum, as PyTorch does): counted before any is sent.
    output_leaves: dict[int, list[Any]] = {}
    for output in outputs:
        if output._node is None:
            entry = output_leaves.setdefault(id(output), [output, 0])
            entry[1] += 1
            if output._hooks is not None:
                hooked_leaves = True
            elif entry[1] > 1 or id(output) in leaves_met:
                repeated_leaves = True
    leaf_parts = (
        held_leaf_parts(dependencies, repeated_leaves, output_leaves, create_graph)
        if hooked_leaves or repeated_leaves
        else {}
    )
    if this_pass is not None:
        this_pass.nodes = dependencies
        this_pass.leaf_targets = leaf_targets
        this_pass.output_leaves = output_leaves

    # Leaves with hooks: their parts are summed first, so each hook sees the total once.
    hooked: dict[int, Any] = {}
    # What a hooked leaf's completed gradient is delivered with (see leaf_parts_sent).
    delivery = (leaf_parts, hooked, leaf_targets, captured, accumulate, create_graph)

    # 2. Seed the gradient buffers with the output gradients.
    buffers: dict[Node, Any] = {}
    # While a profiler records, a queue that times each node from its pop on: asked here,
    # once per pass, so that the loop below costs nothing more when none records.
    recorder = _profiling.recorder
    profiled = recorder is not None
    ready: list[Node] = recorder.node_queue() if profiled else []
    if len(outputs) != len(grad_outputs):
        raise ValueError(f"{len(outputs)} outputs but {len(grad_outputs)} output gradients")
    for output, grad in zip(outputs, grad_outputs):  # noqa: B905 - lengths checked above
        root = output._node
        if root is None:  # the output is itself a leaf
            counted = id(output) in leaf_parts
            deliver_to_leaf(
                output, grad, leaf_targets, captured, accumulate, create_graph, hooked, counted
            )
            if counted:
                leaf_parts_sent((output,), *delivery)
            continue
        if pruning and root not in dependencies:
            continue  # no path to the inputs
        buffers[root] = grad if root not in buffers else sum_parts(buffers[root], grad)
        if dependencies[root] == 0 and root not in ready:
            ready.append(root)

    # 3. Run nodes once all their dependants have sent their gradients. This loop is the engine's
    # hot path: per node it pops a gradient, calls the rules and routes their results, with the
    # rare cases (hooks, retained grads, targets, in-place checks) behind one test each.
    detect_anomaly = anomaly_mode.is_enabled()
    check_versions = _primitive._inplace_epoch
    # While arraygrad.compile traces, every array computation here is written down too.
    tracer = _backend.tracer
    if tracer is not None:
        tracer.backward_nodes.update(dependencies)
        if tracer.input_nodes:
            # (a requested input's own node runs its rules only where the pass goes on past it)
            tracer.backward_runs(
                node
                for node in tracer.input_nodes
                if node in dependencies
                and (node not in node_targets or leads_on(node, dependencies, leaf_targets))
            )
    simple_leaves = leaf_targets is None and accumulate
    # Nodes whose gradient buffer is an array only the engine holds (a sum it made, a result of
    # a rule that added into or overwrote such an array): later parts are added into it in
    # place, and the rules of indexing and index_put may write into it (owning_rules).
    owned: set[Node] = set()
    # Those rules run on raw NumPy arrays only (arraygrad.compile records them as they run).
    owning = not create_graph and not detect_anomaly and _backend.is_numpy
    paths = (dependencies, leaf_targets) if pruning else None
    while ready:
        node = ready.pop()
        grad = buffers.pop(node, None)
        if grad is None:
            if node.hooks is not None:
                # PyTorch calls the output tensor's hooks with None (those of a piece of the
                # same split that takes no part in the pass too), then the node's own.
                for unreached in unreached_siblings(node, dependencies):
                    run_hooks_without_gradient(unreached.hooks, create_graph)  # type: ignore[arg-type]
                if node.hooks:
                    run_hooks_without_gradient(node.hooks, create_graph)
            # A custom Function's node runs all the same, on zeros (see materialized_run).
            rules = _rules_of(node, ns, create_graph, paths, tracer)
            grad, results = materialized_run(node, create_graph, rules, tracer)
        else:
            results = None
        if grad is None:
            if node.hooks is not None and has_node_hooks(node):
                # PyTorch calls a node's own hooks even when no gradient arrived: they see None.
                hooks_without_gradient(node, create_graph)
            # Every dependant sent nothing (their rules give no gradient to this input, e.g. the
            # picks of max pooling's backward): nothing flows on, but this node's own inputs
            # must still learn that it is done, and its saved values are freed as if it ran.
            _release(node.edges, dependencies, ready)
            if leaf_parts:
                done = (edge for edge in node.edges if id(edge) in leaf_parts)
                leaf_parts_sent(done, *delivery)
            if not retain_graph:
                free_saved(node)
            continue
        if results is None and (
            node.hooks is not None or node.retained is not None or node_targets
        ):
            grad = _visit(
                node, grad, node_targets, captured, create_graph, dependencies, leaf_targets
            )
            owned.discard(node)  # a hook or autograd.grad's caller may keep the array
            if pruning and not accumulate and not leads_on(node, dependencies, leaf_targets):
                # A requested input's own node with nothing past it to compute (autograd.grad
                # of a computed tensor): PyTorch runs none of its rules, whose saved values an
                # earlier backward may have freed, and frees nothing of it. (backward(inputs=)
                # runs it, as PyTorch does: it raises where its values were freed, and frees
                # them; no rule runs, as no edge leads on.)
                continue
            if node.hooks is not None and has_node_hooks(node):
                rules = _rules_of(node, ns, create_graph, paths, tracer)
                grad, results = run_node_hooks(node, grad, create_graph, rules, tracer)

        prim = node.prim
        args = node.arrays
        out = node.out
        # Raises if values the rules need were freed or overwritten; rules that read no values
        # (a view's, add's, a write's) have nothing to check, which matters after in-place
        # writes, when every older node's epoch differs. A node whose saved values went
        # through saved_tensors_hooks holds None in their place, so it comes here too.
        if (
            args is None or node.epoch != check_versions or (out is None and prim.reads_output)
        ) and (prim.reads_inputs or prim.reads_output):
            if node.packed is None:
                check_node(node)
                if create_graph:
                    args, out = differentiable_operands(node)
            else:
                args, out = unpacked_operands(node, create_graph, retain_graph, results)
        elif create_graph:
            args, out = differentiable_operands(node)
        params = node.params
        nargs = len(args)  # type: ignore[arg-type]
        edges = node.edges
        vjps: Any = prim.vjps
        # An overwriting rule always runs (on a copy of grad where the engine does not own
        # it); an add-into rule only where an input's gradient so far is the engine's own.
        # (Not where the node's hooks computed the results already.)
        # A leaf's .grad, which accumulate_grad adds into in place, is such an array too for
        # an add-into rule (the pieces of a split, each a slice of one leaf).
        if (
            owning
            and prim.owning_rules
            and results is None
            and (
                prim.vjps_overwriting is not None
                or not owned.isdisjoint(edges)
                or (simple_leaves and tracer is None and grads_to_add_into(edges, leaf_parts))
            )
        ):
            into_leaves = simple_leaves and tracer is None
            results = owning_rules(
                node, grad, ns, out, args, buffers, owned, paths, tracer, into_leaves, leaf_parts
            )
        for position in range(len(edges)):
            edge = edges[position]
            if edge is None or (
                pruning  # only the paths to the requested inputs
                and (
                    edge not in dependencies
                    if edge.__class__ is Node
                    else id(edge) not in leaf_targets  # type: ignore[operator]
                )
            ):
                continue
            rule = vjps[position]
            # Calls with a fixed number of positional arguments are several times cheaper in
            # Python than ``*args, **params``, so the common shapes of call are spelled out.
            if rule is None:
                input_grad = None
            elif params or tracer is not None or results is not None:
                if results is not None:  # computed by owning_rules
                    input_grad = results[position]
                else:
                    input_grad = call_rule(rule, ns, grad, out, args, params, tracer)  # type: ignore[arg-type]
            elif nargs == 2:
                input_grad = rule(ns, grad, out, args[0], args[1])  # type: ignore[index]
            elif nargs == 1:
                input_grad = rule(ns, grad, out, args[0])  # type: ignore[index]
            else:
                input_grad = rule(ns, grad, out, *args)  # type: ignore[misc]
            if input_grad is None:
                if edge.__class__ is Node:
                    # Counted as a dependant of ``edge``, this node sends it nothing.
                    _release((edge,), dependencies, ready)
                elif id(edge) in leaf_parts:
                    leaf_parts_sent((edge,), *delivery)
                continue
            if edge.__class__ is Node:
                if input_grad.shape != edge.shape:  # type: ignore[union-attr]
                    input_grad = unbroadcast(ns, input_grad, edge.shape, tracer)  # type: ignore[union-attr]
                if detect_anomaly:
                    anomaly_mode.check(node, position, input_grad, create_graph)
                if edge in buffers:
                    if tracer is not None:
                        # Out of place, written down (a new array: the engine's, as below),
                        # with the operands in eager code's order: a sum of two NaNs takes
                        # the first one's sign, and replays equal eager code bit for bit.
                        total = buffers[edge]  # type: ignore[index]
                        if (
                            edge not in owned
                            and prim.own_results
                            and _fresh(input_grad, grad, out, args)
                        ):
                            buffers[edge] = sum_parts(input_grad, total)  # type: ignore[index]
                        else:
                            buffers[edge] = sum_parts(total, input_grad)  # type: ignore[index]
                        owned.add(edge)  # type: ignore[arg-type]
                    elif create_graph:
                        buffers[edge] = buffers[edge] + input_grad  # type: ignore[index]
                    else:
                        # A second or later part of this node's gradient: summed into an array
                        # only the engine holds where there is one (a sum it made, or a fresh
                        # rule result), as PyTorch's InputBuffer does, not into a new array.
                        total = buffers[edge]  # type: ignore[index]
                        if edge in owned:
                            total = _backend.sum_into(total, input_grad)
                        else:
                            if prim.own_results and _fresh(input_grad, grad, out, args):
                                total = _backend.sum_into(input_grad, total)
                            else:
                                total = total + input_grad
                            owned.add(edge)  # type: ignore[arg-type]
                        buffers[edge] = total  # type: ignore[index]
                else:
                    buffers[edge] = input_grad  # type: ignore[index]
                remaining = dependencies[edge] - 1  # type: ignore[index]
                if remaining:
                    dependencies[edge] = remaining  # type: ignore[index]
                else:
                    ready.append(edge)  # type: ignore[arg-type]
                continue
            if input_grad.shape != edge._data.shape:  # type: ignore[union-attr]
                input_grad = unbroadcast(ns, input_grad, edge._data.shape, tracer)  # type: ignore[union-attr]
            if detect_anomaly:
                anomaly_mode.check(node, position, input_grad, create_graph)
            if (
                not simple_leaves
                or edge._hooks is not None  # type: ignore[union-attr]
                or (leaf_parts and id(edge) in leaf_parts)
            ):
                counted = id(edge) in leaf_parts
                deliver_to_leaf(
                    edge,  # type: ignore[arg-type]
                    input_grad,
                    leaf_targets,
                    captured,
                    accumulate,
                    create_graph,
                    pending=hooked,
                    held=counted,
                )
                if counted:
                    leaf_parts_sent((edge,), *delivery)
            elif edge._grad is None:  # type: ignore[union-attr]
                # A fresh array is owned by nobody else and becomes .grad without the copy.
                fresh = (
                    not create_graph and prim.own_results and _fresh(input_grad, grad, out, args)
                )
                accumulate_grad(edge, input_grad, create_graph, fresh)  # type: ignore[arg-type]
            else:
                accumulate_grad(edge, input_grad, create_graph)  # type: ignore[arg-type]
        if not retain_graph:  # free_saved, inline: this loop is the hot path
            if prim.reads_inputs:
                node.inputs = node.arrays = None
            node.out = None
    if profiled:
        ready.close()  # type: ignore[attr-defined]
    # Leaves a hook was registered on during this pass (not counted) get theirs now.
    for leaf, total in hooked.values():
        deliver_to_leaf(leaf, total, leaf_targets, captured, accumulate, create_graph)
    return captured


def _fresh(input_grad: Any, grad: Any, out: Any, args: Any) -> bool:
    """Whether ``input_grad``, a raw gradient a rule just returned, is an array nobody else
    holds: a NumPy array that owns its memory (not a view) and is not the gradient the node
    received, its saved output or one of its saved inputs (rules that pass those through)."""
    return (
        input_grad is not grad
        and input_grad is not out
        and input_grad.__class__ is _backend.array_type
        and _backend.is_numpy
        and input_grad.base is None  # type: ignore[attr-defined]
        and not any(input_grad is a for a in args)
    )


def _release(edges: Any, dependencies: dict[Node, int], ready: list[Node]) -> None:
    """Count one dependant of each node in ``edges`` as done without a gradient for it (nodes
    that are not counted, off the paths to the requested inputs, are not waiting for it)."""
    for edge in edges:
        if edge.__class__ is Node and edge in dependencies:
            remaining = dependencies[edge] - 1
            if remaining:
                dependencies[edge] = remaining
            else:
                ready.append(edge)


def _visit(
    node: Node,
    grad: Any,
    node_targets: dict[Node, int],
    captured: dict[int, Any],
    create_graph: bool,
    needed: dict[Node, int],
    leaves: set[int] | None,
) -> Any:
    """The rare per-node work before the rules run: hooks, retained grads, requested inputs.
    ``needed`` and ``leaves``: the nodes that run and the requested leaves, where there are
    requested inputs (``node_targets``)."""
    target = node_targets.get(node) if node_targets else None
    if target is not None and node.hooks is not None and leads_on(node, needed, leaves):
        # A requested tensor whose node runs on, to other requested inputs: PyTorch's engine
        # captures its gradient as it arrives, before its hooks (which change what flows on);
        # where the node runs no further, after them.
        captured[target] = grad
        target = None
    if node.hooks is not None:
        for unreached in unreached_siblings(node, needed):
            run_hooks_without_gradient(unreached.hooks, create_graph)  # type: ignore[arg-type]
    if node.hooks:
        grad = run_hooks(node.hooks, grad, create_graph)
    if node.retained is not None:
        retained = node.retained()
        if retained is not None:
            accumulate_retained(retained, grad, create_graph)
    if target is not None:
        captured[target] = grad
    return grad
