"""The values a recorded node saves for backward, passed through ``saved_tensors_hooks``.

While a ``saved_tensors_hooks(pack, unpack)`` context is active in a thread, each node recorded
there calls ``pack`` on every tensor its rules will read (the inputs that the rules of the
inputs needing a gradient read, and the output where they read it), once per tensor and node,
and keeps only what ``pack`` returned: the node drops its own references to those values. When
backward runs the node, ``unpack`` turns each back into a tensor, on every pass that reads it
(``retain_graph=True`` passes unpack again). As in PyTorch, values saved through hooks are not
checked for in-place writes: the hooks own them.

The forward side costs nothing while no hooks are active anywhere: ``_primitive.rare_modes``,
the one flag each recorded op tests, is true only while a vmap or a hooks context runs. The
backward side is reached only through the engine's existing test for nodes whose values are
missing (``node.arrays`` / ``node.out`` are ``None`` on a packed node) and then the node's
``packed`` attribute, ``None`` at class level.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from arraygrad import _primitive
from arraygrad._grad_mode import no_grad
from arraygrad._tensor import Tensor, version_of

if TYPE_CHECKING:
    from arraygrad._node import Node
    from arraygrad._primitive import Primitive

Pack = Callable[[Tensor], Any]
Unpack = Callable[[Any], Tensor]


class _ThreadHooks(threading.local):
    """The hooks contexts active in this thread (innermost last), and the message of an
    active ``disable_saved_tensors_hooks`` (``None`` when hooks are allowed)."""

    def __init__(self) -> None:
        self.stack: list[tuple[Pack, Unpack]] = []
        self.disabled: str | None = None


thread_hooks = _ThreadHooks()
_active = 0  # hooks contexts active in all threads
_active_lock = threading.Lock()


def push(pack: Pack, unpack: Unpack) -> None:
    """Enter a hooks context in this thread."""
    global _active
    if thread_hooks.disabled is not None:
        raise RuntimeError(thread_hooks.disabled)
    thread_hooks.stack.append((pack, unpack))
    with _active_lock:
        _active += 1
        _primitive.set_saved_hooks_active(True)


def pop() -> None:
    """Leave the innermost hooks context of this thread."""
    global _active
    thread_hooks.stack.pop()
    with _active_lock:
        _active -= 1
        _primitive.set_saved_hooks_active(_active > 0)


def current() -> tuple[Pack, Unpack] | None:
    """The hooks that apply in this thread now: the innermost context's, as in PyTorch."""
    stack = thread_hooks.stack
    return stack[-1] if stack else None


def _saved_order(prim: Primitive, edges: tuple[Any, ...]) -> list[int | str]:
    """The input positions and ``"out"`` that the rules which will run read, each once, in
    the order the rules (inputs first to last) first read them: PyTorch saves in the order
    its derivative formulas name the values, so ``a * b`` packs ``b`` (read by ``a``'s
    gradient) before ``a``."""
    if prim.rule_reads is None:
        found: list[int | str] = list(range(len(edges))) if prim.reads_inputs else []
        return [*found, "out"] if prim.reads_output else found
    order: list[int | str] = []
    for edge, reads in zip(edges, prim.rule_reads, strict=True):
        if edge is not None:
            order.extend(read for read in reads if read not in order)
    return order


def pack_tensor(pack: Pack, tensor: Tensor) -> Any:
    """``pack(tensor)``, run without recording, refused where it writes into ``tensor``."""
    version = version_of(tensor)
    with no_grad():
        result = pack(tensor)
    if version_of(tensor) != version:
        raise RuntimeError(
            "A saved tensor pack hook is modifying its input in place. Tensors provided as "
            "input to pack hook cannot be modified by in-place operations as this can lead to "
            "unexpected side-effects. Please open an issue if you need to perform in-place "
            "operations on the input to a pack hook."
        )
    return result


class PackedValues:
    """What a node keeps of its saved values under hooks: the unpack hook, the packed form of
    each saved input (by position) and of the output (``None`` where it is not saved), and the
    node's inputs and their arrays with the packed positions left empty."""

    __slots__ = ("arrays", "inputs", "out", "positions", "unpack")

    def __init__(
        self,
        unpack: Unpack,
        positions: dict[int, Any],
        out: tuple[Any] | None,
        inputs: tuple[Any, ...] | None,
        arrays: tuple[Any, ...] | None,
    ) -> None:
        self.unpack = unpack
        self.positions = positions
        self.out = out
        self.inputs = inputs
        self.arrays = arrays


def pack_node(node: Node, result: Tensor) -> None:
    """Pass the values ``node`` (just recorded, with output ``result``) saves through this
    thread's pack hook, if any, and keep only what it returns."""
    hooks = current()
    if hooks is None or not node.prim.packs_saved:
        return
    pack, unpack = hooks
    inputs = node.inputs
    positions: dict[int, Any] = {}
    out = None
    for read in _saved_order(node.prim, node.edges):
        if isinstance(read, str):  # "out"
            if node.out is not None:
                out = (pack_tensor(pack, result),)
        elif inputs is not None and isinstance(inputs[read], Tensor):
            positions[read] = pack_tensor(pack, inputs[read])
    if not positions and out is None:
        return
    kept_inputs = kept_arrays = None
    if positions:
        # The node forgets the packed inputs; the engine finds arrays None and unpacks.
        kept_inputs = tuple(None if i in positions else v for i, v in enumerate(inputs))  # type: ignore[arg-type]
        kept_arrays = tuple(None if i in positions else v for i, v in enumerate(node.arrays))  # type: ignore[arg-type]
        node.inputs = node.arrays = None
    if out is not None:
        node.out = node.out_version = None
    node.packed = PackedValues(unpack, positions, out, kept_inputs, kept_arrays)


def unpacked_tensor(unpack: Unpack, packed: Any, needs_grad: bool) -> Tensor:
    """``unpack(packed)``, checked as PyTorch checks it."""
    value = unpack(packed)
    if not isinstance(value, Tensor):
        raise TypeError(
            "Output of saved tensor unpack_hook expected to be a Tensor but got result of type "
            f"{type(value).__name__}"
        )
    if needs_grad and not value.dtype.is_floating_point:
        # The value stands for a tensor that requires grad (PyTorch gives it the original's
        # place in the graph, which only floating tensors can have).
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    return value


def attached(value: Tensor, edge: Any) -> Tensor:
    """``value``'s data in the place in the graph of the saved tensor whose gradient went to
    ``edge`` (its node, the leaf itself, or ``None``), for a backward that records its own
    graph (``create_graph``): PyTorch restores the original's ``grad_fn`` on an unpacked
    tensor, so a pack hook that detaches does not cut the double backward."""
    if edge is None:
        return Tensor._wrap(value._data)
    if edge.__class__ is _primitive.Node:
        tensor = Tensor._wrap(value._data)
        tensor._node = edge
        tensor._rg = True
        return tensor
    if value is edge:
        return value
    # Another tensor for a leaf: its gradient must reach the leaf, through an identity node.
    return _as_leaf(edge, data=value._data)


_as_leaf = _primitive.Primitive(
    "alias",
    forward=lambda xp, x, data: data,
    vjp=(lambda ns, g, out, x, data: g,),
    reads_inputs=False,
)


def unpack_node(node: Node, create_graph: bool) -> tuple[Any, Any]:
    """The operands of ``node``'s rules (raw arrays, or Tensors in their places in the graph
    with ``create_graph``), its packed values unpacked."""
    record: PackedValues = node.packed  # type: ignore[assignment]
    unpack = record.unpack
    if record.positions:
        values = list(record.inputs if create_graph else record.arrays)  # type: ignore[arg-type]
    else:
        values = list(node.inputs if create_graph else node.arrays)  # type: ignore[arg-type]
    for position, packed in record.positions.items():
        edge = node.edges[position]
        value = unpacked_tensor(unpack, packed, edge is not None)
        values[position] = attached(value, edge) if create_graph else value._data
    if record.out is None:
        out = node.out
        if create_graph and out is not None:
            out = attached(Tensor._wrap(out), node)
    else:
        value = unpacked_tensor(unpack, record.out[0], True)
        out = attached(value, node) if create_graph else value._data
    return tuple(values), out
