"""Backpropagation, told step by step: :func:`explain` turns a recorded graph into text.

For each node, in the order the engine runs them, it shows the op, its local derivative in
math notation, the shapes, the gradient arriving from the output side and the gradient sent to
each input, ending with what lands in the ``.grad`` of each leaf. Nothing in the graph is
changed: no value is freed, no hook runs, no ``.grad`` is written, so ``backward()`` afterwards
behaves as if ``explain`` had never been called.

>>> import arraygrad
>>> w = arraygrad.tensor(3.0, requires_grad=True)
>>> print(explain(w * w, params={"w": w}).splitlines()[-1])
w.grad = 6
"""

# The derivative table is written in math notation (−, σ, ∂), on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from arraygrad import _backend
from arraygrad._node import Node
from arraygrad._tensor import Tensor

__all__ = ["RULES", "explain", "format_values"]

# The local derivative of each primitive, by its name (``Primitive.name``): the forward in math
# notation (inputs a, b; output out) and the VJP rule ∂L/∂input in terms of g = ∂L/∂out.
RULES: dict[str, tuple[str, tuple[str, ...]]] = {
    "add": ("out = a + b", ("∂L/∂a = g", "∂L/∂b = g")),
    "sub": ("out = a − b", ("∂L/∂a = g", "∂L/∂b = −g")),
    "mul": ("out = a · b", ("∂L/∂a = g · b", "∂L/∂b = g · a")),
    "div": ("out = a / b", ("∂L/∂a = g / b", "∂L/∂b = −g · a / b²")),
    "pow": ("out = a ^ b", ("∂L/∂a = g · b · a^(b−1)", "∂L/∂b = g · a^b · ln a")),
    "neg": ("out = −a", ("∂L/∂a = −g",)),
    "abs": ("out = |a|", ("∂L/∂a = g · sign(a)",)),
    "exp": ("out = eᵃ", ("∂L/∂a = g · eᵃ = g · out",)),
    "log": ("out = ln a", ("∂L/∂a = g / a",)),
    "sqrt": ("out = √a", ("∂L/∂a = g / (2·√a)",)),
    "sin": ("out = sin a", ("∂L/∂a = g · cos a",)),
    "cos": ("out = cos a", ("∂L/∂a = −g · sin a",)),
    "tanh": ("out = tanh a", ("∂L/∂a = g · (1 − out²)",)),
    "sigmoid": ("out = σ(a) = 1 / (1 + e⁻ᵃ)", ("∂L/∂a = g · out · (1 − out)",)),
    "relu": ("out = max(a, 0)", ("∂L/∂a = g where a > 0, else 0",)),
    "clamp": ("out = min(max(a, lo), hi)", ("∂L/∂a = g where lo ≤ a ≤ hi, else 0",)),
    "where": (
        "out = a where cond else b",
        ("(cond gets no gradient)", "∂L/∂a = g where cond, else 0", "∂L/∂b = g where not cond"),
    ),
    "to_copy": ("out = a converted to another dtype", ("∂L/∂a = g converted back",)),
    "clone": ("out = a (a copy)", ("∂L/∂a = g",)),
    "sum": ("out = Σᵢ aᵢ", ("∂L/∂aᵢ = g (copied back over the summed dimensions)",)),
    "mean": ("out = (1/N) Σᵢ aᵢ", ("∂L/∂aᵢ = g / N (spread evenly over the N averaged elements)",)),
    "mm": ("out = A @ B", ("∂L/∂A = G @ Bᵀ", "∂L/∂B = Aᵀ @ G")),
    "view": ("out = a reshaped", ("∂L/∂a = g reshaped back to a's shape",)),
    "permute": ("out = a with its dimensions reordered", ("∂L/∂a = g with the order undone",)),
    "expand": ("out = a broadcast to a larger shape", ("∂L/∂a = g summed over the copies",)),
    "select": ("out = a[key] (a view)", ("∂L/∂a = zeros with g placed at [key]",)),
    "index": ("out = a[key]", ("∂L/∂a = zeros with g added at [key] (repeats add up)",)),
    "index_add_zeros": ("out = zeros with a added at [key]", ("∂L/∂a = g[key]",)),
    "copy_slices": (
        "out = a with a[key] replaced by b (b written in place through a view of a)",
        ("∂L/∂a = g with zeros at [key]", "∂L/∂b = g[key]"),
    ),
    "maximum": ("out = max(a, b)", ("∂L/∂a = g where a wins", "∂L/∂b = g where b wins")),
    "minimum": ("out = min(a, b)", ("∂L/∂a = g where a wins", "∂L/∂b = g where b wins")),
    "amax": ("out = max over dims of a", ("∂L/∂a = g at the maxima (shared among ties)",)),
    "amin": ("out = min over dims of a", ("∂L/∂a = g at the minima (shared among ties)",)),
    "erf": ("out = erf a", ("∂L/∂a = g · 2/√π · e^(−a²)",)),
    "log1p": ("out = ln(1 + a)", ("∂L/∂a = g / (1 + a)",)),
    "expm1": ("out = eᵃ − 1", ("∂L/∂a = g · (out + 1)",)),
}

_SMALL = 16


def _names_for(params: Mapping[str, Tensor] | None) -> dict[int, str]:
    return {id(t): name for name, t in (params or {}).items()}


def _fmt_number(value: Any) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _nested(values: Any) -> str:
    if isinstance(values, list):
        return "[" + ", ".join(_nested(v) for v in values) + "]"
    return _fmt_number(values)


def format_values(array: Any) -> str:
    """The values of ``array`` in full when small, else its shape and summary statistics."""
    size = math.prod(array.shape)
    if size <= _SMALL:
        return _nested(_backend.to_list(array))
    xp = _backend.xp
    floats = xp.astype(array, xp.float64)
    return (
        f"<{size} values, shape {list(array.shape)}: min {float(xp.min(floats)):.4g}, "
        f"max {float(xp.max(floats)):.4g}, mean {float(xp.mean(floats)):.4g}, "
        f"norm {float(xp.sqrt(xp.sum(floats * floats))):.4g}>"
    )


def _operand(position: int, count: int) -> str:
    if count <= 2:
        return "ab"[position]
    return f"input {position}"


def _describe_input(value: Any, edge: Any, names: dict[int, str], steps: dict[int, int]) -> str:
    if edge is None:
        if isinstance(value, Tensor):
            if value.numel() <= _SMALL:
                return f"constant {format_values(value._data)}"
            return f"constant of shape {list(value.shape)}"
        return f"constant {_fmt_number(value)}"
    if edge.__class__ is Node:
        return f"{list(edge.shape)}, from step {steps.get(id(edge), '?')} ({edge.name()})"
    name = names.get(id(edge), "a leaf")
    return f"{list(edge.shape)}, leaf {name}"


def _params_text(node: Node) -> str:
    params = node.params
    if node.prim.name == "mean" and node.inputs is not None:
        shape = tuple(node.inputs[0].shape)
        axis = params.get("axis")
        count = math.prod(shape[a] for a in (range(len(shape)) if axis is None else axis))
        where = "all elements" if axis is None else f"dims {list(axis)}"
        return f"   with N = {count} (the mean over {where} of a tensor of shape {list(shape)})"
    shown = {k: v for k, v in params.items() if k not in ("ctx", "key")}
    if not shown:
        return ""
    return "   (" + ", ".join(f"{k}={v}" for k, v in shown.items()) + ")"


def _raw_inputs(node: Node) -> tuple[Any, ...]:
    if node.freed or node.inputs is None:
        raise RuntimeError(
            f"explain: {node.name()} needs values that a backward pass already freed. Fix: call "
            "explain before backward(), or run backward(retain_graph=True)."
        )
    return tuple(v._data if isinstance(v, Tensor) else v for v in node.inputs)


def _order(root: Node) -> tuple[dict[int, int], list[Node]]:
    """Count the edges into each node, as the engine does, and list the reachable nodes."""
    dependencies: dict[int, int] = {}
    seen: set[int] = set()
    stack = [root]
    nodes = []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        nodes.append(node)
        for edge in node.edges:
            if edge.__class__ is Node:
                dependencies[id(edge)] = dependencies.get(id(edge), 0) + 1
                if id(edge) not in seen:
                    stack.append(edge)  # type: ignore[arg-type]
    return dependencies, nodes


def _schedule(root: Node) -> list[Node]:
    """The nodes in the order the engine runs them (a node runs once all its users sent)."""
    dependencies, _ = _order(root)
    order = []
    ready = [root]
    while ready:
        node = ready.pop()
        order.append(node)
        for edge in node.edges:
            if edge.__class__ is Node:
                dependencies[id(edge)] -= 1
                if dependencies[id(edge)] == 0:
                    ready.append(edge)  # type: ignore[arg-type]
    return order


def explain(output: Tensor, params: Mapping[str, Tensor] | None = None) -> str:
    """The backward pass from ``output`` as text, one step per node in the engine's order.

    ``output`` must have one element (its gradient with respect to itself is 1). ``params``
    names leaf tensors (``{"w": w}``) so that the text says ``w.grad`` instead of ``a leaf``.
    Values are shown in full for tensors of up to 16 elements and summarised beyond.

    >>> import arraygrad
    >>> w = arraygrad.tensor(3.0, requires_grad=True)
    >>> text = explain((w * w).sin(), params={"w": w})
    >>> print(text.splitlines()[3])
    Step 1: SinBackward0   out = sin a
    >>> print(text.splitlines()[-1])
    w.grad = -5.46678
    """
    from arraygrad.autograd._rules import sum_to

    if not isinstance(output, Tensor):
        raise TypeError(f"explain expects a Tensor, got {type(output).__name__}")
    names = _names_for(params)
    xp = _backend.xp
    if output._node is None:
        return (
            f"{names.get(id(output), 'The tensor')} is a leaf: no operation produced it, so "
            "there is no backward pass to explain."
        )
    if output.numel() != 1:
        raise RuntimeError(
            f"explain needs a one-element output (a loss), got shape {list(output.shape)}. Fix: "
            "reduce it first, e.g. out.sum()."
        )
    order = _schedule(output._node)
    steps = {id(node): index + 1 for index, node in enumerate(order)}
    buffers: dict[int, Any] = {id(output._node): xp.ones(output._data.shape, output._data.dtype)}
    leaf_grads: dict[int, tuple[Tensor, Any]] = {}
    lines = [
        f"Backward pass of a {output.dtype.name} tensor of shape {list(output.shape)} "
        f"({len(order)} step{'s' if len(order) != 1 else ''}, in the order the engine runs them).",
        "g denotes the incoming gradient ∂L/∂out of the step's output; the output's own gradient "
        "is ∂L/∂L = 1.",
    ]
    for node in order:
        grad = buffers.pop(id(node))
        prim = node.prim
        forward, rules = RULES.get(
            prim.name,
            (f"out = {prim.name}(...)", ()),
        )
        args = _raw_inputs(node)
        saved = node.inputs or ()
        shapes = " ".join(
            f"{_operand(i, len(args))}: {_describe_input(saved[i], edge, names, steps)};"
            for i, edge in enumerate(node.edges)
        )
        lines.append("")
        lines.append(f"Step {steps[id(node)]}: {node.name()}   {forward}{_params_text(node)}")
        lines.append(f"  inputs:   {shapes.rstrip(';')}  ->  out {list(node.shape)}")
        lines.append(f"  incoming: g = {format_values(grad)}")
        for position, edge in enumerate(node.edges):
            label = _operand(position, len(args))
            rule_text = (
                rules[position]
                if position < len(rules)
                else f"∂L/∂{label} by the VJP rule of '{prim.name}'"
            )
            if edge is None:
                lines.append(f"  {label}: needs no gradient (a constant)")
                continue
            rule = prim.vjps[position] if prim.vjps is not None else None
            if rule is None:
                continue
            raw = rule(xp, grad, node.out, *args, **node.params)
            if raw is None:
                continue
            raw = _backend.ensure_array(raw)
            target_shape = tuple(edge.shape)
            summed = sum_to(xp, raw, target_shape)
            reduced = ""
            if tuple(raw.shape) != target_shape:
                reduced = (
                    f" = {format_values(raw)}, summed over the broadcast dimensions to shape "
                    f"{list(target_shape)}"
                )
            if edge.__class__ is Node:
                destination = f"-> step {steps[id(edge)]} ({edge.name()})"
                previous = buffers.get(id(edge))
                buffers[id(edge)] = summed if previous is None else previous + summed
            else:
                name = names.get(id(edge), f"leaf {list(target_shape)}")
                destination = f"-> {name}.grad"
                previous = leaf_grads.get(id(edge))
                total = summed if previous is None else previous[1] + summed
                leaf_grads[id(edge)] = (edge, total)  # type: ignore[assignment]
            lines.append(f"  {label}: {rule_text}{reduced} = {format_values(summed)} {destination}")
    lines.append("")
    for tensor, total in leaf_grads.values():
        name = names.get(id(tensor), f"leaf {list(tensor.shape)}")
        lines.append(f"{name}.grad = {format_values(total)}")
    return "\n".join(lines)
