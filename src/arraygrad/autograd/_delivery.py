"""Where the backward engine hands gradients over: leaves (PyTorch's ``AccumulateGrad``),
hooks, tensors that ``retain_grad()``, and the sums of a gradient's parts.

A leaf's ``.grad`` is made on its first gradient and added into in place after that, so a loop
of ``backward()`` calls accumulates, as in PyTorch; a gradient the engine made for this leaf
alone is kept without a copy. The parts one backward sends a leaf that holds a ``.grad``
already are summed first and added once (PyTorch's AccumulateGrad sums its inputs), as are
those of a leaf with hooks, which see the total. Hooks see and return Tensors. With
``create_graph=True`` every gradient is a Tensor with a graph, and ``.grad`` is never written
in place.
"""

from __future__ import annotations

import operator
import weakref
from typing import Any

from arraygrad import _backend, _dtype
from arraygrad._grad_mode import grad_enabled
from arraygrad._node import Node
from arraygrad._primitive import bump_version
from arraygrad._tensor import Tensor


def sum_parts(first: Any, second: Any) -> Any:
    """Two parts of one gradient added; while arraygrad.compile traces, the addition of raw
    arrays is written down too, so that a replay computes it again."""
    tracer = _backend.tracer
    if tracer is not None and _backend.is_array(first):
        return tracer.call(operator.add, (first, second))
    return first + second


def deliver_to_leaf(
    leaf: Tensor,
    grad: Any,
    targets: set[int] | None,
    captured: dict[int, Any],
    accumulate: bool,
    create_graph: bool,
    pending: dict[int, Any] | None = None,
    held: bool = False,
) -> None:
    """Hand a leaf's gradient (or a part of it) over: to its hooks and ``.grad``, or to
    ``captured`` (``accumulate=False``). With ``pending``, the parts of a leaf that has hooks,
    or whose parts the engine counted (``held``), are summed there first: the engine delivers
    the total once the last part is in (hooks run once on it, and a ``.grad`` from an earlier
    backward gets it in one addition, as in PyTorch)."""
    if targets is not None and id(leaf) not in targets:
        return  # not asked for (inputs=): nothing of it runs, its hooks included, as in PyTorch
    if "_view_no_grad" in leaf.__dict__:
        # a view made in no_grad of a tensor that requires grad: PyTorch gives it no gradient
        # accumulator, so its gradient goes nowhere (its hooks do not run either)
        return
    hooks = leaf._hooks
    if hooks is not None and leaf._grad_dtype is not NotImplemented:
        grad = to_grad_dtype(leaf, grad)
    after = leaf._post_accumulate_hooks
    if (hooks or after or held) and pending is not None:
        key = id(leaf)
        pending[key] = (leaf, grad if key not in pending else sum_parts(pending[key][1], grad))
        return
    if hooks:
        grad = run_hooks(hooks, grad, create_graph)
    if not accumulate:
        key = id(leaf)
        captured[key] = grad if key not in captured else sum_parts(captured[key], grad)
        return
    accumulate_grad(leaf, grad, create_graph)
    if after:
        run_post_accumulate_hooks(after, leaf, create_graph)


def to_grad_dtype(leaf: Tensor, grad: Any) -> Any:
    """``grad`` (an array, or a Tensor with ``create_graph``) cast to the ``grad_dtype`` the
    user set on ``leaf``, as PyTorch's engine casts each gradient sent to such a leaf (before
    its hooks, ``.grad`` and ``autograd.grad``'s results)."""
    target = leaf._grad_dtype
    if target is None:
        return grad
    native = _dtype.to_xp(target)
    if grad.dtype == (target if isinstance(grad, Tensor) else native):
        return grad
    if not (target.is_floating_point or target.is_complex):
        raise RuntimeError(
            f"backward: a gradient cannot be cast to the leaf's grad_dtype {target} (not a "
            "floating or complex dtype), as PyTorch cannot either. Fix: set grad_dtype to a "
            "floating dtype, or None."
        )
    if isinstance(grad, Tensor):
        return ops_namespace().astype(grad, target)
    return _backend.xp.astype(grad, native)


def accumulate_grad(tensor: Tensor, grad: Any, create_graph: bool, fresh: bool = False) -> None:
    """Add ``grad`` into ``tensor.grad`` as PyTorch's AccumulateGrad does.

    ``fresh`` says that ``grad`` is an array nothing else refers to, so it is kept as it is.
    """
    existing = tensor._grad
    if create_graph:
        new = grad if isinstance(grad, Tensor) else Tensor._wrap(grad)
        # A first gradient is copied, as PyTorch's AccumulateGrad does with a graph: the Tensor
        # may be a user's gradient= or a hook's result, and a later backward adds into .grad.
        tensor._grad = _copied_for_leaf(new, tensor) if existing is None else existing + new
        return
    if existing is None:
        # Kept where fresh, else a copy: the rule's result may alias another gradient (add
        # passes g through). Either way laid out as the leaf is (PyTorch's layout contract).
        if not fresh:
            grad = _backend.ensure_array(grad)
        tensor._grad = Tensor._wrap(_backend.leaf_gradient(grad, tensor._data, fresh))
    else:
        _backend.add_into(existing._data, grad)
        if existing._rg:
            # A .grad with a graph (from a create_graph backward) is added into in place too,
            # as in PyTorch: it keeps its graph and requires_grad, and its version says it
            # changed (a backward through a graph that saved it refuses).
            bump_version(existing)


def _copied_for_leaf(grad: Tensor, leaf: Tensor) -> Tensor:
    """A differentiable copy of ``grad`` laid out for ``leaf.grad``, as PyTorch's
    ``clone_obey_contract`` makes it with a graph: into an empty tensor with the leaf's strides
    where the leaf is dense (``CopyBackwards``), else a C-order clone (``CloneBackward0``)."""
    from arraygrad import _utilities

    if _backend.is_dense(leaf._data):
        return _utilities.empty_strided(leaf.shape, leaf.stride(), dtype=grad.dtype).copy_(grad)
    return _c_ordered_clone(grad)


def _c_ordered_clone(grad: Tensor) -> Tensor:
    """A differentiable copy of ``grad`` in C order (``CloneBackward0``)."""
    from arraygrad import _device

    return grad.clone(memory_format=_device.contiguous_format)


def materialized(grad: Tensor) -> Tensor:
    """``grad`` (a differentiable gradient ``autograd.grad`` hands to the user) as an array of
    its own where it is an expansion (a rule's ``broadcast_to``, e.g. the gradient of a sum): a
    user may write into it, which would reach every element that shares its memory. PyTorch
    likewise clones gradients that do not follow its layout rules."""
    if _backend.repeats_elements(grad._data):
        return ops_namespace().clone(grad)
    return grad


def run_hooks(hooks: dict[int, Any], grad: Any, create_graph: bool) -> Any:
    # Hooks see and return Tensors, as in PyTorch; raw arrays are wrapped without a graph.
    value = grad if create_graph else Tensor._wrap(grad)
    for hook in list(hooks.values()):  # a copy: a hook may remove itself
        with grad_mode_for(create_graph):
            result = hook(value)
        if result is not None:
            value = _hook_result(hook, value, result)
    return value if create_graph else value._data


def _hook_result(hook: Any, value: Tensor, result: Any) -> Tensor:
    """``result``, what a tensor hook returned in place of the gradient ``value``, checked as
    PyTorch checks it: a Tensor of the same size and dtype."""
    name = getattr(hook, "__name__", "<unknown>")
    if not isinstance(result, Tensor):
        raise TypeError(
            f"expected Variable, but hook returned '{type(result).__name__}'. Fix: return a "
            "Tensor of the gradient's shape, or None to keep the gradient."
        )
    if result._data.shape != value._data.shape:
        raise RuntimeError(
            f"hook '{name}' has changed the size of value: the gradient has shape "
            f"{list(value.shape)}, the hook returned {list(result.shape)}. Fix: return a "
            "gradient of the same shape."
        )
    if result._data.dtype != value._data.dtype:
        raise RuntimeError(
            f"hook '{name}' has changed the type of value (was {value.type()} got "
            f"{result.type()}). Fix: return a gradient of the same dtype."
        )
    return result


def run_hooks_without_gradient(hooks: dict[int, Any], create_graph: bool) -> None:
    """Call a computed tensor's hooks with ``None``, as PyTorch does where the tensor's node
    runs but no gradient reached the tensor; a hook may not give one in its place."""
    for hook in list(hooks.values()):  # a copy: a hook may remove itself
        with grad_mode_for(create_graph):
            result = hook(None)
        if result is not None:
            raise RuntimeError("can't replace a None gradient with a non-None value")


def unreached_siblings(node: Node, needed: Any) -> list[Node]:
    """The nodes of the other outputs of the function (split, chunk, unbind) whose output
    ``node`` stands for, that have tensor hooks and take no part in this pass: in PyTorch the
    function is one node, which runs for any of its outputs, and calls the hooks of those
    that got no gradient with ``None``. Called by the first of the outputs' nodes that takes
    part (in the function's order), so that each such hook is called once."""
    siblings = node.siblings
    if siblings is None:
        return []
    alive = [ref() for ref in siblings]
    first = next(sibling for sibling in alive if sibling is not None and sibling in needed)
    if first is not node:
        return []
    return [s for s in alive if s is not None and s.hooks and s not in needed]


def run_post_accumulate_hooks(hooks: dict[int, Any], leaf: Tensor, create_graph: bool) -> None:
    # Each sees the leaf itself, its .grad complete; a copy of the table, since a hook may
    # remove itself.
    for hook in list(hooks.values()):
        with grad_mode_for(create_graph):
            result = hook(leaf)
        if result is None:
            continue
        fix = "Fix: update the tensor (or its .grad) in place and return nothing."
        if isinstance(result, Tensor):  # PyTorch refuses a Tensor so, anything else as a Tensor
            raise RuntimeError(
                f"Tensor post accumulate grad hooks should return None, but {hook!r} returned a "
                f"Tensor. {fix}"
            )
        raise TypeError(
            f"expected Variable, but hook returned {type(result).__name__!r}: a post accumulate "
            f"grad hook must return None. {fix}"
        )


def grad_mode_for(create_graph: bool) -> Any:
    from arraygrad._grad_mode import set_grad_enabled

    token_mode = create_graph and grad_enabled.get()
    return set_grad_enabled(token_mode)


def ops_namespace() -> Any:
    from arraygrad import ops

    return ops


def retain_grad(tensor: Tensor) -> None:
    """Make backward fill ``tensor.grad`` although it is not a leaf."""
    node = tensor._node
    if node is None:
        return
    node.retained = weakref.ref(tensor)


def accumulate_retained(tensor: Tensor, grad: Any, create_graph: bool) -> None:
    """Add ``grad`` to the ``.grad`` of ``tensor``, a computed tensor (``retain_grad()``, or
    among ``backward(inputs=...)``). The sum is a new tensor, as PyTorch's retains_grad hook
    makes (a leaf's ``.grad`` is added into in place): a ``.grad`` read before this backward
    keeps its values.

    >>> import arraygrad
    >>> x = arraygrad.tensor([1.0, 2.0], requires_grad=True)
    >>> y = x * 2
    >>> y.retain_grad()
    >>> (y * y).sum().backward(retain_graph=True)
    >>> first = y.grad
    >>> (y * y).sum().backward()
    >>> first, y.grad
    (tensor([4., 8.]), tensor([ 8., 16.]))
    """
    existing = tensor._grad
    if existing is None:
        # C order whatever the tensor's layout, as PyTorch's retains_grad hook clones it
        # (clone(Contiguous), CloneBackward0 with a graph): the layout contract is a leaf's.
        if create_graph:
            new = grad if isinstance(grad, Tensor) else Tensor._wrap(grad)
            tensor._grad = _c_ordered_clone(new)
        else:
            tensor._grad = Tensor._wrap(_backend.copy(_backend.ensure_array(grad)))
    elif create_graph:
        accumulate_grad(tensor, grad, create_graph)
    else:  # (a .grad with a graph too: the sum has none, as PyTorch's)
        # (an array: NumPy's sum of two 0-d arrays is a scalar, which cannot be written into)
        tensor._grad = Tensor._wrap(_backend.ensure_array(sum_parts(existing._data, grad)))


def held_leaf_parts(
    nodes: dict[Node, int], repeated: bool, outputs: dict[int, list[Any]], create_graph: bool
) -> dict[int, int]:
    """How many parts reach each leaf whose parts are summed before they are delivered, by id:
    the leaves that have hooks (which see the total once) and, where a leaf is reached twice or
    more (``repeated``), those of them that have a ``.grad`` already (the total is added into
    it once, as PyTorch's AccumulateGrad does), or all of them with ``create_graph`` (whose
    ``.grad`` is then the total's copy, ``CopyBackwards``, as PyTorch's, rather than its first
    part's copy plus the rest). A part is an edge of ``nodes``, or the leaf being one of the
    outputs (``outputs``: ``[leaf, how often]`` by id)."""
    hooked: dict[int, int] = {}
    accumulated: dict[int, int] = {}
    leaves = [
        (e, 1) for node in nodes for e in node.edges if e is not None and e.__class__ is not Node
    ]
    leaves += [(leaf, count) for leaf, count in outputs.values()]
    for leaf, count in leaves:
        if leaf._hooks is not None:  # type: ignore[union-attr]
            hooked[id(leaf)] = hooked.get(id(leaf), 0) + count
        elif repeated and (create_graph or leaf._grad is not None):  # type: ignore[union-attr]
            accumulated[id(leaf)] = accumulated.get(id(leaf), 0) + count
    # (a leaf with one part and no hooks is delivered as it comes)
    hooked.update((key, count) for key, count in accumulated.items() if count > 1)
    return hooked


def leaf_parts_sent(
    leaves: Any,
    parts: dict[int, int],
    pending: dict[int, Any],
    targets: set[int] | None,
    captured: dict[int, Any],
    accumulate: bool,
    create_graph: bool,
) -> None:
    """Count one part of each hooked leaf in ``leaves`` as sent (a gradient, or none); a leaf
    whose last part this was gets its summed gradient now: its hooks run, it is accumulated
    into ``.grad`` and its post-accumulate hooks run, as PyTorch's AccumulateGrad does when its
    inputs are complete. (A leaf that got no gradient at all gets nothing.)"""
    for leaf in leaves:
        key = id(leaf)
        left = parts[key] - 1
        if left:
            parts[key] = left
            continue
        del parts[key]
        waiting = pending.pop(key, None)
        if waiting is not None:
            deliver_to_leaf(leaf, waiting[1], targets, captured, accumulate, create_graph)
