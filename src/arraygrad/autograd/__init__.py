"""Reverse-mode automatic differentiation: ``backward`` and ``grad``.

>>> import arraygrad
>>> x = arraygrad.tensor([1.0, 2.0], requires_grad=True)
>>> (g,) = arraygrad.autograd.grad((x * x).sum(), x)
>>> g
tensor([2., 4.])
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from contextvars import ContextVar as _ContextVar
from typing import TYPE_CHECKING

from arraygrad import _backend
from arraygrad import ops as _ops
from arraygrad._grad_mode import enable_grad, inference_mode, no_grad, set_grad_enabled
from arraygrad._tensor import Tensor as _Tensor
from arraygrad._tensor import describe as _describe
from arraygrad._view_history import refuse_invalid_view as _refuse_invalid_view
from arraygrad.autograd import engine, functional, graph
from arraygrad.autograd._accumulate_grad import AccumulateGrad as _AccumulateGrad
from arraygrad.autograd._delivery import accumulate_retained as _accumulate_retained
from arraygrad.autograd.anomaly_mode import detect_anomaly, set_detect_anomaly
from arraygrad.autograd.check_gradient import GradientReport, check_gradient
from arraygrad.autograd.explain import explain
from arraygrad.autograd.function import Function
from arraygrad.autograd.gradcheck import gradcheck, gradgradcheck

__all__ = [
    "Function",
    "GradientReport",
    "Variable",
    "backward",
    "check_gradient",
    "detect_anomaly",
    "enable_grad",
    "engine",
    "explain",
    "functional",
    "grad",
    "grad_mode",
    "gradcheck",
    "gradgradcheck",
    "graph",
    "inference_mode",
    "no_grad",
    "set_detect_anomaly",
    "set_grad_enabled",
    "set_multithreading_enabled",
    "variable",
]


# Whether the backward pass running asks for the gradients of given tensors only (grad(),
# backward(inputs=...)): the reentrant checkpoint, which writes into .grad, must refuse those.
_targeted_pass: _ContextVar[bool] = _ContextVar("targeted_pass", default=False)


def _as_sequence(value: Any, edges: bool = False) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, _Tensor) or (edges and isinstance(value, graph.GradientEdge)):
        return [value]
    return list(value)


def _edge_tensor(value: Any) -> Any:
    """An input of ``grad()``: a tensor, or a ``GradientEdge`` (its tensor's gradient there,
    which the tensor itself need not be alive for) as a tensor that stands for it."""
    if not isinstance(value, graph.GradientEdge):
        return value
    node = value.node
    if isinstance(node, _AccumulateGrad):
        return node.variable
    stand_in = _Tensor._wrap(_backend.xp.zeros(node.shape, dtype=node.dtype))  # type: ignore[attr-defined]
    stand_in._node = node  # type: ignore[assignment]
    stand_in._rg = True
    return stand_in


def _initial_grads(
    outputs: Sequence[Tensor], grad_outputs: Sequence[Any], create_graph: bool
) -> list[Any]:
    """Check ``outputs`` and their cotangents and return the cotangents as arrays or Tensors."""
    if grad_outputs and len(grad_outputs) != len(outputs):
        raise RuntimeError(
            f"got {len(outputs)} tensors and {len(grad_outputs)} gradients. Fix: pass one "
            "gradient per output (None for a scalar output)."
        )
    grads = []
    for index, output in enumerate(outputs):
        if not isinstance(output, _Tensor):
            raise TypeError(f"outputs must be Tensors, got {type(output).__name__}")
        _refuse_invalid_view(output)
        if output._node is None and "_view_no_grad" in output.__dict__:
            raise RuntimeError(
                f"element {index} of tensors does not require grad and does not have a grad_fn: "
                f"{_describe(output)} is a view made in no_grad mode of a tensor that requires "
                "grad, which has no gradient of its own. Fix: take the view outside no_grad to "
                "differentiate through it, or differentiate a result computed from it."
            )
        if not output._rg:
            raise RuntimeError(
                f"element {index} of tensors does not require grad and does not have a grad_fn: "
                f"{_describe(output)} was computed from tensors none of which requires grad (or "
                "inside no_grad). Fix: create the parameters with requires_grad=True, or call "
                "requires_grad_() on them before computing the output."
            )
        given = grad_outputs[index] if grad_outputs else None
        shape = tuple(output._data.shape)
        if given is None:
            if output.numel() != 1:
                raise RuntimeError(
                    "grad can be implicitly created only for scalar outputs: the output has shape "
                    f"{list(shape)}. Fix: reduce it to a scalar first (e.g. out.sum() or "
                    "out.mean()), or pass the gradient explicitly: "
                    "out.backward(gradient=arraygrad.ones_like(out))."
                )
            if output.dtype.is_complex:
                raise RuntimeError(
                    "grad can be implicitly created only for real scalar outputs but got "
                    f"{output.dtype!r}. Fix: differentiate a real function of it (e.g. "
                    "out.abs() or out.real), or pass the gradient explicitly."
                )
            array = _backend.xp.ones(shape, dtype=output._data.dtype)
        else:
            given_tensor = (
                given
                if isinstance(given, _Tensor)
                else _Tensor._wrap(_backend.asarray(given, dtype=output._data.dtype))
            )
            if tuple(given_tensor._data.shape) != shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{index}] has a shape of "
                    f"{given_tensor.shape!r} and output[{index}] has a shape of "
                    f"{output.shape!r}. Fix: the gradient must have the output's shape."
                )
            if given_tensor._data.dtype != output._data.dtype:
                given_tensor = _ops.astype(given_tensor, output.dtype)
            if create_graph:
                grads.append(given_tensor)
                continue
            array = given_tensor._data
        grads.append(_Tensor._wrap(array) if create_graph else array)
    return grads


def backward(
    tensors: Tensor | Sequence[Tensor],
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Any = None,
) -> None:
    """Accumulate the vector-Jacobian product ``grad_tensors^T d(tensors)/d(leaf)`` into the
    ``.grad`` of every leaf that requires grad (only those in ``inputs``, when given).

    ``grad_tensors`` may be left out for one-element outputs (it is 1 there); for others it is
    required, with the output's shape. Gradients add to what ``.grad`` holds (zero it between
    steps). ``retain_graph`` defaults to ``create_graph``; without it the values saved for
    backward are freed, and a second backward through the same graph raises RuntimeError.

    >>> import arraygrad
    >>> x = arraygrad.tensor([1.0, 2.0], requires_grad=True)
    >>> arraygrad.autograd.backward(x * x, grad_tensors=arraygrad.ones(2))
    >>> x.grad
    tensor([2., 4.])
    """
    from arraygrad.autograd.engine import run_backward

    outputs = _as_sequence(tensors)
    given = _as_sequence(grad_tensors) if not isinstance(grad_tensors, _Tensor) else [grad_tensors]
    if grad_tensors is not None and not isinstance(grad_tensors, (list, tuple, _Tensor)):
        given = [grad_tensors]
    grads = _initial_grads(outputs, given, create_graph)
    if inputs is not None and not isinstance(inputs, _Tensor) and not len(inputs):
        raise RuntimeError(
            "`inputs` argument to `backward()` cannot be empty. Fix: pass the tensors whose "
            ".grad to fill, or leave inputs out to fill every leaf's."
        )
    targets = _as_sequence(inputs) or None
    for index, tensor in enumerate(targets or ()):
        if isinstance(tensor, _Tensor):
            _refuse_invalid_view(tensor)
        if not isinstance(tensor, _Tensor) or not tensor._rg:
            raise RuntimeError(
                f"can't retain_grad on Tensor that has requires_grad=False: element {index} of "
                "inputs does not require grad, so backward cannot fill its .grad. Fix: create "
                "it with requires_grad=True (or call requires_grad_()), or leave it out."
            )
        # A computed tensor among the inputs gets its gradient in .grad, as a leaf does: as in
        # PyTorch, it retains its grad from now on (this backward's and every later pass's,
        # autograd.grad's included), added where its node's hooks have run.
        tensor.retain_grad()
    token = _targeted_pass.set(targets is not None)
    try:
        with set_grad_enabled(create_graph):
            captured = run_backward(
                outputs,
                grads,
                retain_graph=create_graph if retain_graph is None else retain_graph,
                create_graph=create_graph,
                inputs=targets,
            )
            # (the engine hands the inputs' gradients back too: those of computed tensors
            # whose node another tensor retains, once for one given twice)
            for tensor in targets or ():
                node = tensor._node
                retained = None if node is None or node.retained is None else node.retained()
                if node is not None and retained is not tensor and id(tensor) in captured:
                    _accumulate_retained(tensor, captured.pop(id(tensor)), create_graph)
    finally:
        _targeted_pass.reset(token)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    only_inputs: bool = True,
    allow_unused: bool | None = None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
) -> tuple[Tensor | None, ...]:
    """The gradients of ``outputs`` with respect to ``inputs``, without touching ``.grad``.

    Raises if an input was not used to compute the outputs, unless ``allow_unused=True`` (then
    its gradient is ``None``, or zeros with ``materialize_grads=True``). With
    ``is_grads_batched=True`` the first dimension of each of ``grad_outputs`` indexes a batch of
    cotangents: the results are the vector-Jacobian products of each, stacked. With
    ``create_graph=True`` the gradients are recorded too, so they can be differentiated again
    (higher derivatives).

    >>> import arraygrad
    >>> x = arraygrad.tensor([1.0, 2.0], requires_grad=True)
    >>> (g,) = arraygrad.autograd.grad((x**3).sum(), x, create_graph=True)
    >>> g
    tensor([ 3., 12.], grad_fn=<MulBackward0>)
    >>> arraygrad.autograd.grad(g.sum(), x)
    (tensor([ 6., 12.]),)
    """
    from arraygrad.autograd._delivery import materialized
    from arraygrad.autograd.engine import run_backward

    if not only_inputs:
        warnings.warn(
            "only_inputs argument is deprecated and is ignored now (defaults to True). To "
            "accumulate gradient for other parts of the graph, please use "
            "arraygrad.autograd.backward.",
            FutureWarning,
            stacklevel=2,
        )
    if is_grads_batched:
        return _batched_grad(
            outputs,
            inputs,
            grad_outputs,
            retain_graph,
            create_graph,
            allow_unused,
            materialize_grads,
        )
    if materialize_grads and allow_unused is False:
        raise ValueError(
            "Expected allow_unused to be True or not passed when materialize_grads=True, but "
            "got: allow_unused=False."
        )
    output_list = _as_sequence(outputs)
    input_list = [_edge_tensor(i) for i in _as_sequence(inputs, edges=True)]
    if not input_list:
        raise RuntimeError(
            "`inputs` argument to `grad()` cannot be empty. Fix: pass the tensors to "
            "differentiate with respect to (use backward() to fill every leaf's .grad)."
        )
    for index, tensor in enumerate(input_list):
        if isinstance(tensor, _Tensor):
            _refuse_invalid_view(tensor)
        if not isinstance(tensor, _Tensor) or not tensor._rg:
            raise RuntimeError(
                f"One of the differentiated Tensors (index {index}) does not require grad. Fix: "
                "create it with requires_grad=True or call requires_grad_() before using it."
            )
    given = _as_sequence(grad_outputs) if not isinstance(grad_outputs, _Tensor) else [grad_outputs]
    grads = _initial_grads(output_list, given, create_graph)
    token = _targeted_pass.set(True)
    try:
        with set_grad_enabled(create_graph):
            captured = run_backward(
                output_list,
                grads,
                retain_graph=create_graph if retain_graph is None else retain_graph,
                create_graph=create_graph,
                inputs=input_list,
                accumulate=False,
            )
    finally:
        _targeted_pass.reset(token)
    results: list[Tensor | None] = []
    for index, tensor in enumerate(input_list):
        value = captured.get(id(tensor))
        if value is None:
            if not (allow_unused or materialize_grads):
                raise RuntimeError(
                    f"The differentiated Tensor at index {index} ({_describe(tensor)}) appears to "
                    "not have been used in the graph. Set allow_unused=True if this is the "
                    "desired behavior."
                )
            # Zeros that require grad with create_graph, as PyTorch's (a double backward
            # through them gives zeros, not an error).
            zeros = _Tensor._wrap(_backend.xp.zeros_like(tensor._data), create_graph)
            results.append(zeros if materialize_grads else None)
        elif create_graph:
            results.append(materialized(value))
        else:
            results.append(_Tensor._wrap(_backend.ensure_array(value)))
    return tuple(results)


def _batched_grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any,
    retain_graph: bool | None,
    create_graph: bool,
    allow_unused: bool | None,
    materialize_grads: bool,
) -> tuple[Tensor | None, ...]:
    """``grad`` with ``is_grads_batched=True``: one pass per row of the cotangents (PyTorch
    vmaps a single pass), the results stacked along a new first dimension."""
    output_list = _as_sequence(outputs)
    given = _as_sequence(grad_outputs) if not isinstance(grad_outputs, _Tensor) else [grad_outputs]
    batch = None
    for index, (output, cotangent) in enumerate(zip(output_list, given, strict=False)):
        if cotangent is None:
            continue
        if tuple(cotangent.shape[1:]) != tuple(output.shape) or (
            batch is not None and cotangent.shape[0] != batch
        ):
            raise RuntimeError(
                "If `is_grads_batched=True`, we interpret the first dimension of each "
                "grad_output as the batch dimension. The sizes of the remaining dimensions are "
                "expected to match the shape of corresponding output, but a mismatch was "
                f"detected: grad_output[{index}] has a shape of {cotangent.shape!r} and "
                f"output[{index}] has a shape of {output.shape!r}. Fix: give each cotangent "
                "the shape (batch, *output.shape)."
            )
        batch = cotangent.shape[0]
    if batch is None:
        raise RuntimeError(
            "is_grads_batched=True needs grad_outputs with a batch dimension. Fix: pass them."
        )
    rows = []
    for row in range(batch):
        rows.append(
            grad(
                output_list,
                inputs,
                [None if c is None else c[row] for c in given],
                retain_graph=True if row < batch - 1 else retain_graph,
                create_graph=create_graph,
                allow_unused=allow_unused,
                materialize_grads=materialize_grads,
            )
        )
    from arraygrad._shape import stack

    return tuple(
        None if column[0] is None else stack(list(column)) for column in zip(*rows, strict=True)
    )


# Imported on first use, to keep them out of ``import arraygrad``'s time: forward-mode AD, the
# profilers and PyTorch's older module paths (torch.autograd.variable, .grad_mode).
_LAZY_MODULES = ("forward_ad", "grad_mode", "profiler", "profiler_util", "variable")
# The engine switches arraygrad only records (see grad_mode), from their module on first use.
_GRAD_MODE_NAMES = (
    "set_multithreading_enabled",
    "is_multithreading_enabled",
    "is_view_replay_enabled",
    "_force_original_view_tracking",
)

if TYPE_CHECKING:
    from typing import Any

    from arraygrad._tensor import Tensor
    from arraygrad.autograd import forward_ad as forward_ad
    from arraygrad.autograd import grad_mode as grad_mode
    from arraygrad.autograd import profiler as profiler
    from arraygrad.autograd import profiler_util as profiler_util
    from arraygrad.autograd import variable as variable
    from arraygrad.autograd.grad_mode import (
        _force_original_view_tracking as _force_original_view_tracking,
    )
    from arraygrad.autograd.grad_mode import (
        is_multithreading_enabled as is_multithreading_enabled,
    )
    from arraygrad.autograd.grad_mode import is_view_replay_enabled as is_view_replay_enabled
    from arraygrad.autograd.grad_mode import (
        set_multithreading_enabled as set_multithreading_enabled,
    )
    from arraygrad.autograd.variable import Variable as Variable

if not TYPE_CHECKING:  # mypy would otherwise type every misspelt name here as object

    def __getattr__(name: str) -> object:
        import importlib

        if name in _LAZY_MODULES:
            return importlib.import_module(f"{__name__}.{name}")
        if name == "Variable":
            return importlib.import_module(f"{__name__}.variable").Variable
        if name in _GRAD_MODE_NAMES:
            return getattr(importlib.import_module(f"{__name__}.grad_mode"), name)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
