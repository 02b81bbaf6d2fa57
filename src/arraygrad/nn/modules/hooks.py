"""Hook bookkeeping for modules: full backward hooks (the handles are
:class:`arraygrad.utils.hooks.RemovableHandle`).

A full backward hook ``hook(module, grad_input, grad_output)`` needs the gradients arriving at a
module's outputs and leaving through its inputs. PyTorch gets them by passing inputs and outputs
through an identity function; here each tensor input and output that requires grad is passed
through an identity view, and :meth:`arraygrad.Tensor.register_hook` on those views sees the
gradients as backward runs.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from arraygrad import ops
from arraygrad._grad_mode import grad_enabled
from arraygrad._tensor import Tensor

if TYPE_CHECKING:
    from arraygrad.nn.modules.module import Module


def _identity(tensor: Tensor) -> Tensor:
    # A fresh node whose hooks belong to this call only (PyTorch's BackwardHookFunction).
    return ops.reshape(tensor, shape=tuple(tensor._data.shape))


class BackwardHook:
    """Calls a module's full backward (pre-)hooks for one forward call.

    ``grad_input`` and ``grad_output`` are tuples with one entry per positional input and per
    top-level output, ``None`` where that entry is not a tensor or got no gradient, as PyTorch
    passes them. A hook may return replacement input gradients.
    """

    def __init__(
        self,
        module: Module,
        user_hooks: list[Callable[..., Any]],
        user_pre_hooks: list[Callable[..., Any]],
    ) -> None:
        self.module = module
        self.user_hooks = user_hooks
        self.user_pre_hooks = user_pre_hooks
        self.n_inputs = 0
        self.input_index: list[int] | None = None
        self.input_grads: dict[int, Tensor] = {}
        self.n_outputs = 0
        self.output_index: list[int] = []
        self.output_grads: dict[int, Tensor] = {}
        self.grad_outputs: tuple[Any, ...] | None = None

    def setup_input_hook(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """Route the tensor inputs through identity views that report their gradients."""
        self.n_inputs = len(args)
        index = [i for i, arg in enumerate(args) if isinstance(arg, Tensor) and arg.requires_grad]
        if not index or not grad_enabled.get():
            return args
        self.input_index = index
        new_args = list(args)
        for i in index:
            alias = _identity(args[i])
            alias.register_hook(self._input_hook(i))
            new_args[i] = alias
        return tuple(new_args)

    def setup_output_hook(self, result: Any) -> Any:
        """Route the tensor outputs through identity views that report their gradients."""
        single = isinstance(result, Tensor)
        outputs = (result,) if single else result
        if not isinstance(outputs, tuple):
            return result
        self.n_outputs = len(outputs)
        index = [
            i for i, out in enumerate(outputs) if isinstance(out, Tensor) and out.requires_grad
        ]
        if not index or not grad_enabled.get():
            return result
        self.output_index = index
        new_outputs = list(outputs)
        for i in index:
            alias = _identity(outputs[i])
            alias.register_hook(self._output_hook(i))
            new_outputs[i] = alias
        return new_outputs[0] if single else type(result)(new_outputs)

    def _output_hook(self, position: int) -> Callable[[Tensor], Tensor | None]:
        def hook(grad: Tensor) -> Tensor | None:
            self.output_grads[position] = grad
            if len(self.output_grads) < len(self.output_index):
                return None
            grads = self._outputs_complete()
            # As for inputs, only the last output gradient to arrive can still be replaced.
            return grads[position]  # type: ignore[no-any-return]

        return hook

    def _outputs_complete(self) -> tuple[Any, ...]:
        grads = tuple(self.output_grads.get(i) for i in range(self.n_outputs))
        for pre_hook in self.user_pre_hooks:
            replaced = pre_hook(self.module, grads)
            if replaced is None:
                continue
            if len(replaced) != len(grads):
                raise RuntimeError(
                    "Backward pre hook returned an invalid number of grad_output, got "
                    f"{len(replaced)}, but expected {len(grads)}"
                    f". Fix: return None or a tuple of {len(grads)} gradients (one per "
                    "grad_output) from the hook."
                )
            grads = tuple(replaced)
        self.grad_outputs = grads
        self.output_grads = {}
        if self.input_index is None:
            # No input needs a gradient, so the hook fires now, as in PyTorch.
            warnings.warn(
                "Full backward hook is firing when gradients are computed with respect to module "
                "outputs since no inputs require gradients.",
                stacklevel=2,
            )
            grad_inputs = (None,) * self.n_inputs
            for user_hook in self.user_hooks:
                res = user_hook(self.module, grad_inputs, grads)
                if res is not None and not all(el is None for el in res):
                    raise RuntimeError(
                        "Backward hook for Modules where no input requires gradient should "
                        "always return None or None for all gradients."
                        " Fix: return None from the hook (no input's gradient is needed)."
                    )
            self.grad_outputs = None
        return grads

    def _input_hook(self, position: int) -> Callable[[Tensor], Tensor | None]:
        def hook(grad: Tensor) -> Tensor | None:
            if self.grad_outputs is None:
                # The gradient reached the input without passing through the outputs.
                return None
            assert self.input_index is not None
            self.input_grads[position] = grad
            if len(self.input_grads) < len(self.input_index):
                return None
            grads = tuple(self.input_grads.get(i) for i in range(self.n_inputs))
            for user_hook in self.user_hooks:
                out = user_hook(self.module, grads, self.grad_outputs)
                if out is None:
                    continue
                if len(out) != len(grads):
                    raise RuntimeError(
                        "Backward hook returned an invalid number of grad_input, got "
                        f"{len(out)}, but expected {len(grads)}"
                        f". Fix: return None or a tuple of {len(grads)} gradients (one per "
                        "grad_input) from the hook."
                    )
                grads = tuple(out)
            self.grad_outputs = None
            self.input_grads = {}
            # Gradients of the inputs reached earlier have already moved on; only the last
            # one can still be replaced (with one tensor input, that is the whole story).
            return grads[position]

        return hook


_NOT_ONE_NODE = (
    "Using a non-full backward hook when the forward contains multiple autograd Nodes is "
    "deprecated and will be removed in future versions. This hook will be missing some "
    "grad_input. Please use register_full_backward_hook to get the documented behavior."
)
_SEVERAL_NODES = (
    "Using a non-full backward hook when outputs are generated by different autograd Nodes is "
    "deprecated and will be removed in future versions. This hook will be missing some "
    "grad_output. Please use register_full_backward_hook to get the documented behavior."
)


def warn_if_not_one_op(args: tuple[Any, ...], output: Any) -> None:
    """Warn, as PyTorch does, when a module with ``register_backward_hook`` hooks is not the
    case they are documented for: one op applied to the module's inputs (``args``, routed
    through :class:`BackwardHook`'s identity views, whose nodes stand for the inputs)."""
    if isinstance(output, tuple) and sum(isinstance(out, Tensor) for out in output) > 1:
        warnings.warn(_SEVERAL_NODES, FutureWarning, stacklevel=3)
        return
    if not isinstance(output, Tensor) or output._node is None:
        return
    inputs = [arg for arg in args if isinstance(arg, Tensor) and arg.requires_grad]
    # A leaf input or parameter feeds the op directly, without an input's node (PyTorch's
    # check too: it compares the op's next functions with the inputs' grad_fns).
    input_nodes = {id(arg._node) for arg in inputs if arg._node is not None}
    alias_inputs = [arg._node.edges[0] for arg in inputs if arg._node is not None]
    leaf_input = any(isinstance(edge, Tensor) for edge in alias_inputs)
    edges = [edge for edge in output._node.edges if edge is not None]
    if leaf_input or any(id(edge) not in input_nodes for edge in edges):
        warnings.warn(_NOT_ONE_NODE, FutureWarning, stacklevel=3)


def checked_grad_input(hook: Callable[..., Any]) -> Callable[..., Any]:
    """``hook`` with PyTorch's checks of what a non-full backward hook returns: ``None`` or a
    tuple of as many gradients, each of its input gradient's shape."""
    name = getattr(hook, "__name__", type(hook).__name__)

    def checked(module: Module, grad_input: tuple[Any, ...], grad_output: Any) -> Any:
        result = hook(module, grad_input, grad_output)
        if result is None:
            return None
        if not isinstance(result, tuple):
            raise TypeError(
                f"expected tuple, but hook returned '{type(result).__name__}'. Fix: return a "
                "tuple of gradients, one per grad_input entry, or None."
            )
        if len(result) != len(grad_input):
            raise RuntimeError(
                f"hook '{name}' has returned an incorrect number of values (got {len(result)}, "
                f"but expected {len(grad_input)}). Fix: return one gradient per grad_input entry."
            )
        for new, old in zip(result, grad_input, strict=True):
            if isinstance(new, Tensor) and isinstance(old, Tensor) and new.shape != old.shape:
                raise RuntimeError(
                    f"hook '{name}' has changed the size of value: {list(old.shape)} became "
                    f"{list(new.shape)}. Fix: return gradients of grad_input's shapes."
                )
        return result

    return checked
