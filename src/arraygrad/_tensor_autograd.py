"""Tensor methods of the autograd API: ``requires_grad`` and ``requires_grad_``, ``is_leaf`` and
``grad_fn``, ``retain_grad``, gradient hooks (``register_hook``,
``register_post_accumulate_grad_hook``) and ``backward``.

A mixin of :class:`arraygrad.Tensor`, apart from the class, which keeps what a tensor is (its
array, node and flag, versions, views, operators): these methods ask for gradients and say
where they come from, and call into the autograd package, which builds on the Tensor class.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

# The package itself for what builds on Tensor (the engine, _view_history, describe): looked
# up at call time, on the rare paths only.
import arraygrad as _ag
from arraygrad import _backend, _dtype, _grad_mode, _inference
from arraygrad._grad_mode import grad_enabled

if TYPE_CHECKING:
    import arraygrad._tensor
    import arraygrad._view_history
    from arraygrad._node import Node
    from arraygrad._tensor import Tensor


class TensorAutogradMethods:
    """What :class:`arraygrad.Tensor` offers to ask for gradients, hook them and compute them."""

    __slots__ = ()

    @property
    def requires_grad(self) -> bool:
        """Whether gradients are computed for this tensor."""
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if self._node is not None and value:
            # (requires_grad_(True) on it is a no-op; the assignment is refused, as in PyTorch)
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables: this tensor was "
                "computed, and requires grad already. Fix: drop the assignment, or make a new "
                "leaf with var.detach().requires_grad_()."
            )
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set :attr:`requires_grad` on a leaf in place and return it."""
        if self._node is not None and not requires_grad:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if requires_grad and self.dtype.category < 2:  # floating and complex dtypes only
            raise RuntimeError(
                "Only Tensors of floating point and complex dtype can require gradients: this is "
                f"a {_ag._tensor.describe(self)}. Fix: convert it first, e.g. "
                "x.float().requires_grad_()."
            )
        tensor = cast("Tensor", self)
        if (
            requires_grad
            and _grad_mode.inference_used
            and _inference.is_inference(tensor)
            and not _grad_mode.inference_enabled.get()
        ):
            raise _inference.requires_grad_error(tensor)
        if tensor._node is None:
            if not requires_grad and "_view_no_grad" in tensor.__dict__:
                return tensor  # a view of a tensor that requires grad requires it (PyTorch's)
            tensor._rg = bool(requires_grad)
            if tensor.__dict__.get("_views"):
                # Its views follow: a view taken before now requires grad too (through the
                # view steps), so that its uses send gradient back to this tensor, and writes
                # through it are refused as writes into a leaf that requires grad.
                _ag._view_history.regenerate(tensor, written=False)
        return tensor

    @property
    def grad(self) -> Tensor | None:
        """The gradient ``backward()`` accumulated into this tensor (a leaf, or a computed
        tensor after :meth:`retain_grad`), or ``None``.

        Reading it on a computed tensor that does not retain its gradient warns, as PyTorch
        does: backward never fills it, and the leaf it was computed from was probably meant.
        Assigning checks what PyTorch checks: a Tensor or ``None``, of this tensor's shape and
        of its :attr:`grad_dtype`.

        >>> import arraygrad
        >>> w = arraygrad.tensor([1.0, 2.0], requires_grad=True)
        >>> (w * w).sum().backward()
        >>> w.grad
        tensor([2., 4.])
        """
        tensor = cast("Tensor", self)
        grad = tensor._grad
        # (the node recorded, not _node: a piece of unbind whose base was written still has
        # its .grad, as in PyTorch, where reading _node raises)
        node = None if grad is not None else _ag._view_history.recorded_node(tensor)
        if node is not None and node.retained is None:
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed: "
                "backward() does not populate it. Fix: call .retain_grad() on this tensor "
                "before backward() if you want its gradient, or read .grad of the leaf tensor "
                "it was computed from (the one created with requires_grad=True).",
                UserWarning,
                stacklevel=2,
            )
        return grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        tensor = cast("Tensor", self)
        if value is not None:
            _check_assigned_grad(tensor, value)
        tensor._grad = value

    @grad.deleter
    def grad(self) -> None:
        cast("Tensor", self)._grad = None

    @property
    def grad_dtype(self) -> Any:
        """The dtype a leaf's gradients are cast to on their way into hooks, ``.grad`` and
        ``autograd.grad``'s results: the leaf's dtype unless set; ``None`` takes any dtype.

        >>> import arraygrad
        >>> w = arraygrad.ones(2, dtype=arraygrad.float64, requires_grad=True)
        >>> w.grad_dtype = arraygrad.float32
        >>> (2 * w).sum().backward()
        >>> w.grad
        tensor([2., 2.])
        """
        if self._node is not None:
            raise RuntimeError(
                "grad_dtype can only be accessed on leaf tensors. Fix: read it on the leaf the "
                "tensor was computed from."
            )
        stored = cast("Tensor", self)._grad_dtype
        return self.dtype if stored is NotImplemented else stored

    @grad_dtype.setter
    def grad_dtype(self, value: Any) -> None:
        if self._node is not None:
            raise RuntimeError(
                "grad_dtype can only be set on leaf tensors. Fix: set it on the leaf the tensor "
                "was computed from."
            )
        if value is not None and not isinstance(value, _dtype.dtype):
            raise RuntimeError(
                f"grad_dtype must be a torch.dtype or None, but got {type(value).__name__}. "
                "Fix: pass a dtype such as arraygrad.float32, or None to allow any dtype."
            )
        tensor = cast("Tensor", self)
        grad = tensor._grad
        if value is not None and grad is not None and grad.dtype != value:
            raise RuntimeError(
                f"Cannot set grad_dtype to '{_dtype.torch_type_name(value)}' because there "
                f"is already a gradient with dtype '{_dtype.c_type_name(grad.dtype)}'. "
                "Please clear the gradient (.grad = None) before changing grad_dtype, or ensure "
                "the new grad_dtype matches the existing gradient's dtype."
            )
        tensor._grad_dtype = value
        if value is not None and tensor._hooks is None:
            # the engine's path for leaves with hooks is where the cast happens (delivery.py)
            tensor._hooks = OrderedDict()

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded operation."""
        return self._node is None

    @property
    def grad_fn(self) -> Node | None:
        """The recorded operation that produced this tensor (``None`` for leaves)."""
        node = self._node
        if node is not None and node.stands_for is not None:
            return node.stands_for  # an output of a custom Function with several
        return node

    def retain_grad(self) -> None:
        """Fill ``.grad`` of this non-leaf tensor during backward."""
        if not self._rg:
            raise RuntimeError(
                "can't retain_grad on Tensor that has requires_grad=False"
                ". Fix: call requires_grad_() on the leaf it comes from "
                "first."
            )
        from arraygrad.autograd._delivery import retain_grad

        retain_grad(self)

    @property
    def retains_grad(self) -> bool:
        """True when :meth:`retain_grad` was called on this non-leaf tensor."""
        node = _ag._view_history.recorded_node(cast("Tensor", self))
        return node is not None and node.retained is not None

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> Any:
        """Call ``hook(grad)`` whenever a gradient for this tensor is computed.

        The hook may return a replacement gradient. Returns a handle with ``remove()``.
        """
        if not self._rg:
            raise RuntimeError(
                "cannot register a hook on a tensor that doesn't require gradient"
                ". Fix: call x.requires_grad_() first (on a leaf), or "
                "register the hook on a tensor that requires grad."
            )
        from arraygrad.utils.hooks import RemovableHandle

        if self._node is not None:
            hooks = self._node.hooks
            if hooks is None:
                hooks = self._node.hooks = OrderedDict()
            for sibling in self._node.siblings or ():
                # the other pieces' nodes call this hook with None where this piece takes no
                # part in a pass (see _splitting.multiple_views): route them through the
                # engine's rare path
                other = sibling()
                if other is not None and other.hooks is None:
                    other.hooks = OrderedDict()
        else:
            tensor = cast("Tensor", self)
            hooks = tensor._hooks
            if hooks is None:
                hooks = tensor._hooks = OrderedDict()
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    def register_post_accumulate_grad_hook(self, hook: Callable[[Tensor], None]) -> Any:
        """Call ``hook(self)`` once a ``backward()`` has accumulated this leaf's whole gradient
        into ``.grad``: once per backward, as soon as the last part is in, while backward goes on
        through the rest of the graph (not for ``autograd.grad``, which writes no ``.grad``).
        The hook returns ``None``; it may read or replace ``.grad``, e.g. to update the
        parameter and free its gradient during backward. Returns a handle with ``remove()``.

        >>> import arraygrad
        >>> w = arraygrad.tensor([1.0, 2.0], requires_grad=True)
        >>> handle = w.register_post_accumulate_grad_hook(lambda t: print(t.grad))
        >>> (3 * w).sum().backward()
        tensor([3., 3.])
        """
        if not self._rg:
            raise RuntimeError(
                "cannot register a hook on a tensor that doesn't require gradient"
                ". Fix: call x.requires_grad_() first (on a leaf), or "
                "register the hook on a tensor that requires grad."
            )
        if self._node is not None:
            raise RuntimeError(
                "post accumulate grad hooks cannot be registered on non-leaf tensors: "
                f"{_ag._tensor.describe(self)} was computed by {self._node.name()}. Fix: register "
                "it on the leaf (the parameter), or use register_hook() for a computed tensor's "
                "gradient."
            )
        from arraygrad.utils.hooks import RemovableHandle

        tensor = cast("Tensor", self)
        accumulated = tensor._post_accumulate_hooks
        if accumulated is None:
            accumulated = tensor._post_accumulate_hooks = OrderedDict()
        if tensor._hooks is None:
            tensor._hooks = OrderedDict()  # routes this leaf through the engine's hook path
        handle = RemovableHandle(accumulated)
        accumulated[handle.id] = hook
        return handle

    def backward(
        self,
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Any = None,
    ) -> None:
        """Accumulate the gradient of this tensor into ``.grad`` of the leaves it depends on.

        ``gradient`` is the cotangent (required unless this tensor has one element).
        """
        if (
            gradient is None
            and inputs is None
            and not retain_graph
            and not create_graph
            and self._node is not None
            and self._data.size == 1
            and (
                id(self._data.dtype) in _dtype.WIDE_FLOAT_IDS
                or not _dtype.is_complex_native(self._data.dtype)  # (refused by backward below)
            )
        ):
            # The training-loop case, loss.backward(), straight to the engine: nothing to check.
            engine = _ag.autograd.engine  # the package's, at call time: it imports Tensor
            data = self._data
            if _backend.tracer is None:
                seed = _backend.ones(data.shape, data.dtype)
            else:  # arraygrad.compile records the namespace's own call
                seed = _backend.xp.ones(data.shape, dtype=data.dtype)
            token = grad_enabled.set(False)
            try:
                engine.run_backward((self,), (seed,), retain_graph=False, create_graph=False)
            finally:
                grad_enabled.reset(token)
            return
        from arraygrad.autograd import backward

        backward(self, gradient, retain_graph, create_graph, inputs=inputs)


def _check_assigned_grad(tensor: Tensor, value: Any) -> None:
    """PyTorch's checks of ``tensor.grad = value``: the class, the shape and the dtype (its
    ``grad_dtype``, by default its own dtype; ``None`` allows any)."""
    if not isinstance(value, _ag.Tensor):
        raise TypeError(
            "assigned grad expected to be a Tensor or None but got grad of type "
            f"{type(value).__module__ + '.' if type(value).__module__ != 'builtins' else ''}"
            f"{type(value).__qualname__}. Fix: wrap the values with arraygrad.as_tensor(...)."
        )
    if value is tensor:
        raise RuntimeError(
            "can't assign Variable as its own grad. Fix: assign a copy (tensor.clone()) or "
            "another tensor."
        )
    if value._data.shape != tensor._data.shape:
        raise RuntimeError(
            f"attempting to assign a gradient of size '{list(value._data.shape)}' to a tensor of "
            f"size '{list(tensor._data.shape)}'. Please ensure that the gradient and the tensor "
            "are the same size (Fix: reshape or reduce the gradient to the tensor's shape)."
        )
    wanted = tensor.grad_dtype if tensor._node is None else tensor.dtype
    if wanted is not None and value.dtype != wanted:
        raise RuntimeError(
            f"attempting to assign a gradient with dtype '{_dtype.c_type_name(value.dtype)}' to "
            f"a tensor with grad_dtype '{_dtype.torch_type_name(wanted)}'. The gradient must "
            "match the tensor's grad_dtype (by default the tensor's dtype). Fix: convert it "
            f"(grad.to({wanted})), or set the tensor's grad_dtype to None to allow any dtype."
        )
