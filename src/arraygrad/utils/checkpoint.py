"""Activation checkpointing with the API of ``torch.utils.checkpoint``.

:func:`checkpoint` runs a function without keeping its intermediates (under ``no_grad``) and
records a single node; backward runs the function again, from the same inputs and with the
global generator in the state it had (so dropout draws the same masks), and backpropagates
through that recomputation. Memory then holds each checkpointed segment's inputs, not every
activation inside it, at the cost of a second forward. The gradients are the plain run's, bit
for bit, since the same operations run on the same values.

>>> import arraygrad
>>> from arraygrad.utils.checkpoint import checkpoint
>>> x = arraygrad.tensor([1.0, 2.0], requires_grad=True)
>>> y = checkpoint(lambda t: (t.sin() * t).sum(), x, use_reentrant=False)
>>> y.backward()
>>> x.grad
tensor([1.3818, 0.0770])

It is built on :class:`arraygrad.autograd.Function`: the node's backward is an ordinary custom
backward that calls :func:`arraygrad.autograd.backward` on the recomputed graph (the engine
allows a backward inside a backward), which accumulates into the ``.grad`` of the parameters the
function used and hands back the inputs' gradients to the outer pass.
"""

from __future__ import annotations

import contextlib
import functools as _functools
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from arraygrad import _primitive
from arraygrad import autograd as _autograd
from arraygrad._grad_mode import enable_grad as _enable_grad
from arraygrad._grad_mode import grad_enabled as _grad_enabled
from arraygrad._random import get_rng_state as _get_rng_state
from arraygrad._random import set_rng_state as _set_rng_state
from arraygrad._tensor import Tensor as _Tensor
from arraygrad.autograd._delivery import accumulate_grad as _accumulate_grad
from arraygrad.random import fork_rng as _fork_rng

if TYPE_CHECKING:
    from arraygrad._tensor import Tensor

__all__ = ["CheckpointError", "checkpoint", "checkpoint_sequential", "noop_context_fn"]

_DETERMINISM_CHECKS = ("default", "none")


class CheckpointError(RuntimeError):
    """The recomputation in backward did not reproduce the forward (torch's exception class)."""


def noop_context_fn() -> tuple[contextlib.AbstractContextManager[Any], ...]:
    """The default ``context_fn``: no context around the forward nor the recomputation."""
    return contextlib.nullcontext(), contextlib.nullcontext()


def _metadata(value: Any) -> Any:
    # torch's "default" determinism check compares shape, dtype and device of each tensor
    if isinstance(value, _Tensor):
        return {"shape": value.shape, "dtype": value.dtype, "device": value.device}
    return None


def _hidden_leaves(function: Any) -> list[Tensor]:
    """Tensors requiring grad that ``function`` reaches other than through its arguments.

    The non-reentrant checkpoint gives gradients to the parameters of a function whose inputs
    need none (a frozen embedding feeding checkpointed layers); the node carries them as extra
    inputs so that it is recorded at all. Found on modules, bound methods of modules,
    ``functools.partial``, and the closure cells and the globals named by plain functions; the
    gradients themselves come from the recomputed graph, so a leaf missed here only matters when
    no input needs grad.
    """
    from arraygrad.nn.modules.module import Module  # nn builds on utils: import late

    found: dict[int, Tensor] = {}
    pending: list[Any] = [function]
    seen: set[int] = set()
    while pending:
        item = pending.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, Module):
            for p in item.parameters():
                if p.requires_grad:
                    found.setdefault(id(p), p)
        elif isinstance(item, _Tensor):
            if item.requires_grad:
                found.setdefault(id(item), item)
        elif isinstance(item, _functools.partial):
            pending.extend([item.func, *item.args, *item.keywords.values()])
        elif isinstance(item, (list, tuple)):
            pending.extend(item)
        elif callable(item):
            pending.append(getattr(item, "__self__", None))
            for cell in getattr(item, "__closure__", None) or ():
                with contextlib.suppress(ValueError):  # an empty cell
                    pending.append(cell.cell_contents)
            # the globals its code names (a model or weight defined at module level)
            code, names = getattr(item, "__code__", None), getattr(item, "__globals__", {})
            if code is not None:
                pending.extend(names[n] for n in code.co_names if n in names)
    return list(found.values())


class _Checkpoint(_autograd.Function):
    """One node for a whole checkpointed call: forward under no_grad, backward recomputes."""

    @staticmethod
    def forward(ctx: Any, run: Callable[..., Any], options: dict[str, Any], *args: Any) -> Any:
        count = options["arg_count"]
        ctx.run, ctx.options = run, options
        ctx.hidden = args[count:]
        if options["preserve_rng_state"]:
            ctx.rng_state = _get_rng_state()
        # the tensors among the arguments are saved (checked for in-place writes when read
        # back), the other arguments kept as they are
        ctx.inputs = [None if isinstance(a, _Tensor) else a for a in args[:count]]
        ctx.tensor_indices = [i for i, a in enumerate(args[:count]) if isinstance(a, _Tensor)]
        ctx.save_for_backward(*(args[i] for i in ctx.tensor_indices))
        with options["forward_context"]:
            outputs = run(*args[:count])
        ctx.metadata = [_metadata(o) for o in _as_tuple(outputs)]
        return outputs

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> Any:
        options = ctx.options
        if options["reentrant"] and _autograd._targeted_pass.get():
            raise RuntimeError(
                "When use_reentrant=True, torch.utils.checkpoint is incompatible with .grad() or "
                "passing an `inputs` parameter to .backward(). To resolve this error, you can "
                "either set use_reentrant=False, or call .backward() without passing the "
                "`inputs` argument."
            )
        if _grad_enabled.get():  # the engine runs the rules with grad mode on for create_graph
            # the recomputation starts from detached inputs: its gradients would not be
            # functions of the real inputs, and second derivatives would silently be missing
            raise RuntimeError(
                "arraygrad's checkpoint does not support create_graph=True (double backward): "
                "the gradients it returns are not differentiable. Fix: call the function without "
                "checkpoint where higher-order gradients are needed."
            )
        inputs = list(ctx.inputs)
        for index, tensor in zip(ctx.tensor_indices, ctx.saved_tensors, strict=True):
            inputs[index] = tensor.detach().requires_grad_(tensor.requires_grad)
        with _fork_rng(enabled=options["preserve_rng_state"]):
            if options["preserve_rng_state"]:
                _set_rng_state(ctx.rng_state)
            with _enable_grad(), options["recompute_context"]:
                outputs = _as_tuple(ctx.run(*inputs))
        if options["determinism_check"] == "default":
            _check_recomputation(ctx.metadata, [_metadata(o) for o in outputs])
        pairs = [
            (o, g)
            for o, g in zip(outputs, grads, strict=True)
            if isinstance(o, _Tensor) and o.requires_grad and g is not None
        ]
        if not pairs:
            raise RuntimeError(
                "none of output has requires_grad=True, this checkpoint() is not necessary"
                ". Fix: call the function directly, or pass at least one "
                "input with requires_grad=True."
            )
        roots, seeds = [o for o, _ in pairs], [g for _, g in pairs]
        if options["reentrant"]:
            # torch's reentrant variant: an inner backward writes into the .grad of every leaf
            # of the recomputed graph, the detached inputs included, whose grads go on outward
            _autograd.backward(roots, seeds)
            input_grads = [v._grad if isinstance(v, _Tensor) else None for v in inputs]
            return (None, None, *input_grads)
        return _targeted_backward(ctx, inputs, roots, seeds)


def _targeted_backward(
    ctx: Any, inputs: list[Any], roots: list[Tensor], seeds: list[Any]
) -> tuple[Any, ...]:
    """The non-reentrant variant's gradients: those of the node's inputs (the arguments and the
    hidden leaves) go back to the outer pass, which delivers them as it was asked to (``.grad``,
    ``autograd.grad``, hooks); leaves of the recomputed graph that the node does not carry (a
    tensor reached through a global) get theirs added into ``.grad``."""
    carried: list[Tensor] = [v for v in inputs if isinstance(v, _Tensor) and v.requires_grad]
    carried += [h for h in ctx.hidden if isinstance(h, _Tensor)]
    carried_ids = {id(t) for t in carried}
    others = [leaf for leaf in _leaves(roots) if id(leaf) not in carried_ids]
    targets = carried + others
    if not targets:
        return (None,) * len(ctx.needs_input_grad)
    # the outer pass runs the hooks of the hidden leaves on what it receives: not here too
    hooks = [(h, h._hooks) for h in ctx.hidden]
    for leaf, _ in hooks:
        leaf._hooks = None
    try:
        found = _autograd.grad(roots, targets, seeds, allow_unused=True)
    finally:
        for leaf, saved in hooks:
            leaf._hooks = saved
    by_id = {id(t): g for t, g in zip(targets, found, strict=True)}
    for leaf in others:
        grad = by_id[id(leaf)]
        if grad is not None:
            _accumulate_grad(leaf, grad._data, False)
    input_grads = [by_id.get(id(v)) if isinstance(v, _Tensor) else None for v in inputs]
    hidden_grads = [by_id.get(id(h)) for h in ctx.hidden]
    return (None, None, *input_grads, *hidden_grads)


def _leaves(roots: list[Tensor]) -> list[Tensor]:
    """The leaf tensors requiring grad that ``roots`` were computed from."""
    leaves: dict[int, Tensor] = {}
    seen: set[int] = set()
    stack = [r._node for r in roots if r._node is not None]
    while stack:
        node = stack.pop()
        for edge in node.edges:
            if isinstance(edge, _Tensor):
                leaves.setdefault(id(edge), edge)
            elif edge is not None and id(edge) not in seen:
                seen.add(id(edge))
                stack.append(edge)
    return list(leaves.values())


def _as_tuple(value: Any) -> tuple[Any, ...]:
    return value if isinstance(value, tuple) else (value,)


# What both recomputation checks tell the user to change: the function is run twice.
_RECOMPUTE_FIX = (
    "Fix: make the checkpointed function compute the same tensors when it runs again (no "
    "branching on state that changes between the runs), or pass determinism_check='none'."
)


def _check_recomputation(before: Sequence[Any], after: Sequence[Any]) -> None:
    if len(before) != len(after):
        raise CheckpointError(
            "torch.utils.checkpoint: A different number of tensors was saved during the original "
            f"forward and recomputation.\nNumber of tensors saved during forward: {len(before)}\n"
            f"Number of tensors saved during recomputation: {len(after)}."
            f"\n{_RECOMPUTE_FIX}"
        )
    mismatched = ""
    for index, (old, new) in enumerate(zip(before, after, strict=True)):
        if old != new:
            mismatched += f"tensor at position {index}:\nsaved metadata: {old}\n"
            mismatched += f"recomputed metadata: {new}\n"
    if mismatched:
        raise CheckpointError(
            "torch.utils.checkpoint: Recomputed values for the following tensors have different "
            f"metadata than during the forward pass.\n{mismatched}{_RECOMPUTE_FIX}"
        )


def checkpoint(
    function: Callable[..., Any],
    *args: Any,
    use_reentrant: bool | None = None,
    context_fn: Callable[[], tuple[Any, ...]] = noop_context_fn,
    determinism_check: str = "default",
    debug: bool = False,
    early_stop: bool = True,
    **kwargs: Any,
) -> Any:
    """Run ``function(*args, **kwargs)`` without keeping its intermediates for backward.

    Backward recomputes them (``preserve_rng_state=True``, the default, replays the random
    draws). As in torch 2.13, leaving out ``use_reentrant`` warns and means ``True``: the
    reentrant variant takes no keyword arguments for ``function``, no ``context_fn`` nor
    ``debug``, and gives no gradients when no tensor argument requires grad (it warns). With
    ``use_reentrant=False`` the parameters of a module (or of the module behind a bound method,
    a ``functools.partial`` or a closure) get their gradients even then, and ``context_fn``
    returns the contexts entered around the forward and the recomputation.

    Unlike torch: ``determinism_check="default"`` compares the shape, dtype and device of the
    function's outputs (torch's compares the tensors saved inside it), ``debug`` and
    ``early_stop`` change nothing, and double backward (``create_graph=True``) through a
    checkpoint raises.
    """
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. "
            "Starting in PyTorch 2.9, calling checkpoint without use_reentrant will raise an "
            "exception. use_reentrant=False is recommended, but if you need to preserve the "
            "current default behavior, you can pass use_reentrant=True. Refer to docs for more "
            "details on the differences between the two variants.",
            stacklevel=2,
        )
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs and use_reentrant:
        raise ValueError(
            "Unexpected keyword arguments: "
            + ",".join(arg for arg in kwargs)
            + ". Fix: drop them (checkpoint forwards only positional arguments with "
            "use_reentrant=True), or pass use_reentrant=False."
        )
    if use_reentrant:
        if context_fn is not noop_context_fn or debug is not False:
            raise ValueError(
                "Passing `context_fn` or `debug` is only supported when use_reentrant=False."
                " Fix: pass use_reentrant=False, or drop context_fn and debug."
            )
        if not any(isinstance(a, _Tensor) and a.requires_grad for a in args):
            warnings.warn(
                "None of the inputs have requires_grad=True. Gradients will be None", stacklevel=2
            )
        hidden: list[Tensor] = []
        determinism_check = "none"  # torch: the reentrant variant never checks
        forward_context, recompute_context = contextlib.nullcontext(), contextlib.nullcontext()
    else:
        if debug and context_fn is not noop_context_fn:
            raise ValueError(
                "debug=True is incompatible with non-default context_fn"
                ". Fix: pass debug=False, or leave context_fn at its default."
            )
        if determinism_check not in _DETERMINISM_CHECKS:
            raise ValueError(
                f"determinism_check should be one of {list(_DETERMINISM_CHECKS)}, "
                f"but got {determinism_check}"
                ". Fix: pass determinism_check='default' (or 'none' to skip the check)."
            )
        hidden = _hidden_leaves(function) if _grad_enabled.get() else []
        forward_context, recompute_context = context_fn()
    if not use_reentrant and _primitive.forward_ad_active:
        # A dual level: the outputs' tangents come from the function's own ops, which one
        # Function node would hide (its forward sees no tangent, and it has no jvp). PyTorch's
        # non-reentrant variant gives them; here the call runs unwrapped, keeping its graph.
        with forward_context:
            return function(*args, **kwargs)
    run = _functools.partial(function, **kwargs) if kwargs else function
    options = {
        "reentrant": use_reentrant,
        "arg_count": len(args),
        "preserve_rng_state": bool(preserve),
        "determinism_check": determinism_check,
        "forward_context": forward_context,
        "recompute_context": recompute_context,
    }
    return _Checkpoint.apply(run, options, *args, *hidden)


def checkpoint_sequential(
    functions: Any, segments: int, input: Any, use_reentrant: bool | None = None, **kwargs: Any
) -> Any:
    """Run ``functions`` (a list of callables or an ``nn.Sequential``) one after the other on
    ``input``, checkpointing each of the first ``segments - 1`` segments of
    ``len(functions) // segments`` functions; the rest runs normally, as in torch."""
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should be "
            "passed explicitly. In version 2.9 we will raise an exception if use_reentrant is not "
            "passed. use_reentrant=False is recommended, but if you need to preserve the current "
            "default behavior, you can pass use_reentrant=True. Refer to docs for more details on "
            "the differences between the two variants.",
            stacklevel=2,
        )
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError(
            "Unexpected keyword arguments: "
            + ",".join(arg for arg in kwargs)
            + ". Fix: drop them; besides use_reentrant, checkpoint_sequential takes only "
            "preserve_rng_state as a keyword."
        )
    from arraygrad.nn.modules.container import Sequential  # nn builds on utils: import late

    if isinstance(functions, Sequential):
        functions = list(functions.children())

    def run_function(start: int, end: int) -> Callable[[Any], Any]:
        def forward(value: Any) -> Any:
            for j in range(start, end + 1):
                value = functions[j](value)
            return value

        # the non-reentrant variant finds the parameters to carry through the closure's cells
        return forward

    segment_size = len(functions) // segments
    end = -1
    for start in range(0, segment_size * (segments - 1), segment_size):
        end = start + segment_size - 1
        input = checkpoint(
            run_function(start, end),
            input,
            use_reentrant=use_reentrant,
            preserve_rng_state=preserve,
        )
    return run_function(end + 1, len(functions) - 1)(input)
