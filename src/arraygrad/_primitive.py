"""Primitives: an array function and its vector-Jacobian product, declared side by side.

A :class:`Primitive` is the unit the engine differentiates. Each is one statement in ``ops/``::

    exp = Primitive(
        "exp",
        forward=lambda xp, x: xp.exp(x),
        vjp=(lambda ns, g, out, x: g * out,),
        reads_output=True,
    )

``forward(xp, *arrays, **params)`` computes on raw arrays of the namespace ``xp``.
``vjp[i](ns, g, out, *inputs, **params)`` returns the gradient for input ``i`` given the
cotangent ``g`` of the output. It is written once against a namespace ``ns``: during an ordinary
backward pass ``ns`` is the array namespace and every value is a raw array (no Tensor objects, no
graph); with ``create_graph=True`` ``ns`` is :mod:`arraygrad.ops` and every value is a Tensor, so
the backward pass is itself recorded. A rule may return a gradient of the output's broadcast shape:
the engine sums it down to the input's shape (``sum_to``), so rules never mention broadcasting.

Calling a primitive on tensors computes the forward and, when gradients are needed, records a
:class:`Node` that the engine walks in reverse.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from arraygrad import _backend
from arraygrad._grad_mode import grad_enabled
from arraygrad._tensor import Tensor

if TYPE_CHECKING:
    from weakref import ReferenceType

Vjp = Callable[..., Any]

# The number of in-place writes so far. A node remembers the count at its creation; while it is
# unchanged at backward time no saved value can have been overwritten, so the per-tensor version
# check is skipped entirely (the common case costs one integer comparison).
_inplace_epoch = 0


class Node:
    """One recorded application of a primitive: what backward needs to run its VJPs.

    ``edges[i]`` says where the gradient for input ``i`` goes: ``None`` when that input needs no
    gradient, the input's own :class:`Node` when it was computed, or the input tensor itself when
    it is a leaf (its gradient is accumulated into ``.grad``).
    """

    __slots__ = (
        "__weakref__",
        "arrays",
        "edges",
        "epoch",
        "freed",
        "hooks",
        "inputs",
        "out",
        "out_version",
        "params",
        "prim",
        "retained",
        "shape",
    )

    prim: Primitive
    params: dict[str, Any]
    edges: tuple[Node | Tensor | None, ...]
    inputs: tuple[Any, ...] | None
    arrays: tuple[Any, ...] | None  # the inputs' raw arrays, what rules read without create_graph
    out: Any
    shape: tuple[int, ...]
    epoch: int
    out_version: list[int] | None
    freed: bool
    hooks: list[Callable[[Any], Any]] | None
    retained: ReferenceType[Tensor] | None

    def name(self) -> str:
        """PyTorch-style name of the backward function, e.g. ``MulBackward0``."""
        return self.prim.backward_name

    def __repr__(self) -> str:
        return f"<{self.name()} object at {id(self):#x}>"

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        """The nodes (or leaf accumulators) this node sends gradients to, as in PyTorch."""
        return tuple((edge, 0) for edge in self.edges)

    def register_hook(self, hook: Callable[[Any], Any]) -> None:
        """Call ``hook(grad)`` on the gradient arriving at this node's output."""
        if self.hooks is None:
            self.hooks = []
        self.hooks.append(hook)


class Primitive:
    """An array function with its vector-Jacobian products.

    Args:
        name: the op's name (``"mul"``); backward nodes are named ``MulBackward0`` after it.
        forward: ``forward(xp, *arrays, **params) -> array``.
        vjp: one rule per positional input, ``rule(ns, g, out, *inputs, **params)``, or ``None``
            for an input that never gets a gradient (indices, masks). ``vjp=None`` marks the
            whole primitive as not differentiable (comparisons, argmax).
        reads_inputs: the rules read the inputs' values (not just their shapes); then an
            in-place change of an input before backward is an error.
        reads_output: the rules read ``out``; then it is kept for backward and guarded likewise.
        view: the output shares memory with input 0 (reshape, transpose, basic indexing), so both
            share one version counter and an in-place write to either is seen by the other.
    """

    __slots__ = ("backward_name", "forward", "name", "reads_inputs", "reads_output", "view", "vjps")

    def __init__(
        self,
        name: str,
        forward: Callable[..., Any],
        vjp: Sequence[Vjp | None] | None,
        *,
        reads_inputs: bool = True,
        reads_output: bool = False,
        view: bool = False,
    ) -> None:
        self.name = name
        self.forward = forward
        self.vjps = tuple(vjp) if vjp is not None else None
        self.reads_inputs = reads_inputs
        self.reads_output = reads_output
        self.view = view
        self.backward_name = "".join(part.capitalize() for part in name.split("_")) + "Backward0"

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"

    def __call__(self, *args: Any, **params: Any) -> Tensor:
        """Apply the primitive to tensors (or Python numbers) and record it for backward."""
        # The hot path of every op: one pass over the arguments collects the raw arrays and the
        # graph edges together, and no Node is made unless a gradient can flow.
        needs_grad = False
        arrays = []
        edges: list[Node | Tensor | None] = []
        for arg in args:
            if arg.__class__ is Tensor or isinstance(arg, Tensor):
                arrays.append(arg._data)
                if arg._rg:
                    needs_grad = True
                    edges.append(arg if arg._node is None else arg._node)
                else:
                    edges.append(None)
            else:
                arrays.append(arg)
                edges.append(None)
        xp = _backend.xp
        tracer = _backend.tracer
        if tracer is None:
            out = self.forward(xp, *arrays, **params)
        else:  # arraygrad.compile is recording: the same call, written down
            out = tracer.forward(self.forward, xp, args, arrays, params)
        if type(out) is not _backend.array_type:
            out = _backend.ensure_array(out)
        result = Tensor.__new__(Tensor)
        result._data = out
        if self.view:
            base = args[0]
            if base._version_counter is None:
                base._version_counter = [0, 0]
            result._version_counter = base._version_counter
            result._base = base if base._base is None else base._base
        if needs_grad and self.vjps is not None and grad_enabled.get():
            node = Node()
            node.prim = self
            node.params = params
            node.edges = tuple(edges)
            node.inputs = args
            node.arrays = tuple(arrays)
            node.shape = out.shape
            node.epoch = _inplace_epoch
            node.freed = False
            node.hooks = None
            node.retained = None
            if self.reads_output:
                node.out = out
                node.out_version = result._version_counter = (
                    [0, 0] if result._version_counter is None else result._version_counter
                )
            else:
                node.out = None
                node.out_version = None
            result._node = node
            result._rg = True
        else:
            result._node = None
            result._rg = False
        return result


def bump_version(tensor: Tensor) -> None:
    """Record an in-place write to ``tensor`` (and every view sharing its memory)."""
    global _inplace_epoch
    _inplace_epoch += 1
    counter = tensor._version_counter
    if counter is None:
        counter = tensor._version_counter = [0, 0]
    counter[0] += 1
    counter[1] = _inplace_epoch
