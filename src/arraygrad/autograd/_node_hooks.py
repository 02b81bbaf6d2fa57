"""A node's own hooks, ``grad_fn.register_prehook`` and ``grad_fn.register_hook``, as the
engine runs them (:func:`arraygrad.autograd.engine.run_backward`, behind its one per-node test
for rare features).

They take and give tuples of Tensors, one per output (arraygrad's nodes have one) or per
input, as PyTorch's do, and PyTorch's checks of what they give back are made on each. A custom
Function's node, whose outputs arraygrad packs into one, shows its hooks one gradient per output
of forward, as PyTorch's (None for an output that is no differentiable tensor or got none).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from arraygrad import _backend, ops
from arraygrad._node import Node
from arraygrad._tensor import Tensor
from arraygrad.autograd._delivery import grad_mode_for


def has_node_hooks(node: Node) -> bool:
    return node.pre_hooks is not None or node.post_hooks is not None


def _hook_name(hook: Any) -> str:
    return getattr(hook, "__name__", "<unknown>")


def _hook_result(hook: Any, given: tuple[Any, ...], result: Any) -> tuple[Any, ...]:
    """``result``, what ``hook`` returned in place of ``given``, checked as PyTorch checks it:
    a tuple of as many values, each ``None`` where the given one was, else of its size and
    dtype."""
    if not isinstance(result, tuple):
        raise TypeError(f"expected tuple, but hook returned '{type(result).__name__}'")
    if len(result) != len(given):
        raise RuntimeError(
            f"hook '{_hook_name(hook)}' has returned an incorrect number of values (got "
            f"{len(result)}, but expected {len(given)})"
        )
    for old, new in zip(given, result, strict=True):
        if new is None:
            continue
        if old is None:
            raise RuntimeError("can't replace a None gradient with a non-None value")
        if not isinstance(new, Tensor):
            raise TypeError(
                f"hook '{_hook_name(hook)}' returned a {type(new).__name__} where a Tensor or "
                "None was expected"
            )
        if tuple(new.shape) != tuple(old.shape):
            raise RuntimeError(f"hook '{_hook_name(hook)}' has changed the size of value")
        if new.dtype != old.dtype:
            raise RuntimeError(
                f"hook '{_hook_name(hook)}' has changed the type of value (was {old.type()} "
                f"got {new.type()})"
            )
    return result


def _call_node_hooks(hooks: dict[int, Any], values: tuple[Any, ...], *after: Any) -> Any:
    """Call each hook on ``values`` (and the arguments ``after``), each one seeing what the
    one before it returned; over a copy, as a hook may remove itself."""
    for hook in list(hooks.values()):
        result = hook(values, *after)
        if result is not None:
            values = _hook_result(hook, values, result)
    return values


def _as_tensors(values: Any, create_graph: bool) -> tuple[Any, ...]:
    if create_graph:
        return tuple(values)
    return tuple(None if value is None else Tensor._wrap(value) for value in values)


def _function_ctx(node: Node) -> Any:
    """The ctx of a custom Function's node with several outputs of forward, else None."""
    ctx = node.params.get("ctx")
    if ctx is None or len(getattr(ctx, "_output_shapes", ())) < 2:
        return None
    return ctx


def hooks_without_gradient(node: Node, create_graph: bool) -> None:
    """Call the node's own hooks where no gradient reached it (as PyTorch does): they see
    ``None`` for its outputs' gradients and for each input's, and may not put a value there."""
    ctx = _function_ctx(node)
    outputs = (None,) * (1 if ctx is None else len(ctx._output_shapes))
    with grad_mode_for(create_graph):
        if node.pre_hooks:
            _call_node_hooks(node.pre_hooks, outputs)
        if node.post_hooks:
            _call_node_hooks(node.post_hooks, (None,) * len(node.edges), outputs)


def materialized_run(
    node: Node,
    create_graph: bool,
    rule_results: Callable[[Any], list[Any]],
    tracer: Any,
) -> tuple[Any, list[Any] | None]:
    """Where no gradient reached ``node``: for a custom Function's node PyTorch still runs its
    backward, on zeros for every output where its ctx materializes gradients (the default: then
    ``x.grad`` becomes zeros), else on None, and sends its results on; its own hooks see None
    for the outputs' gradients and the results for the inputs'. Returns zeros standing for the
    packed output's gradient (the ctx knows these came from no output) and the input gradients
    to send on (its rules' results, through its hooks as :func:`run_node_hooks` runs them);
    ``(None, None)`` for any other node, which does not run."""
    ctx = node.params.get("ctx")
    if ctx is None:
        return None, None
    zeros = _backend.xp.zeros(node.shape, dtype=node.dtype)
    grad = Tensor._wrap(zeros) if create_graph else zeros
    ctx._unreached = grad  # (by identity: a later pass's gradient is another object)
    if not has_node_hooks(node):  # (the engine then neither visits the outputs' hooks again)
        return grad, rule_results(grad)
    return run_node_hooks(node, grad, create_graph, rule_results, tracer, unreached=True)


def run_node_hooks(
    node: Node,
    grad: Any,
    create_graph: bool,
    rule_results: Callable[[Any], list[Any]],
    tracer: Any,
    unreached: bool = False,
) -> tuple[Any, list[Any] | None]:
    """Run the node's pre-hooks on ``grad`` and, where it has post-hooks, its rules and then
    the post-hooks on their results. Returns the gradient the rules take and, with post-hooks,
    the input gradients to send on (summed to the inputs' shapes); the engine's loop sends
    them. ``rule_results(grad)``: the node's rules' results for ``grad``, each input's gradient
    (``None`` for one that gets none, or is off the paths to the requested inputs). With
    ``unreached``, ``grad`` is zeros standing in for gradients that never came: the hooks see
    None for each output's."""
    ctx = _function_ctx(node)
    with grad_mode_for(create_graph):
        if unreached:
            outputs = (None,) * (1 if ctx is None else len(ctx._output_shapes))
        elif ctx is None:
            outputs = _as_tensors((grad,), create_graph)
        else:  # one per output of forward, as PyTorch's node has
            ns = ops if create_graph else _backend.xp
            outputs = tuple(ctx.output_grads(ns, grad))
        if node.pre_hooks:
            given_outputs = outputs
            outputs = _call_node_hooks(node.pre_hooks, outputs)
            if unreached:
                pass  # (Nones, which a hook may not replace: the zeros run)
            elif ctx is None:
                (value,) = outputs
                grad = value if create_graph or value is None else value._data
            elif outputs is not given_outputs:
                grad = ctx.packed_grad(ns, outputs, grad)
        if not node.post_hooks:
            if grad is None:  # a pre-hook took the gradient away: nothing flows on
                if ctx is not None and ctx._arrived is not None:
                    ctx._arrived.clear()  # (the rules, which clear it, do not run)
                return grad, [None] * len(node.edges)
            return grad, None
        results: list[Any] = [None] * len(node.edges)
        if grad is not None:
            results = rule_results(grad)
        given = _call_node_hooks(node.post_hooks, _as_tensors(results, create_graph), outputs)
    if not create_graph:
        # The hooks may keep these arrays: the engine must not add into them or make one a
        # .grad (a view is never taken as its own, see _fresh).
        results = [None if value is None else held(value._data, tracer) for value in given]
    else:
        results = list(given)
    return grad, results


def held(array: Any, tracer: Any) -> Any:
    """``array`` as a view where it would otherwise count as an array only the engine holds."""
    if not _backend.is_numpy or array.__class__ is not _backend.array_type:
        return array
    if array.base is not None:  # type: ignore[attr-defined]
        return array
    if tracer is not None:  # written down, so that a replay makes the same view
        return tracer.call(operator.getitem, (array, Ellipsis))
    return array[...]  # type: ignore[index]
