"""The recorded graph's nodes: what one application of a primitive keeps for backward.

A :class:`Node` is made by :meth:`arraygrad._primitive.Primitive._result` for each op whose
result needs a gradient; the engine walks them in reverse. Kept apart from the primitives that
make them because everything that reads the graph (the engine, its passes and hooks,
``autograd.graph``, ``explain``, ``viz``, ``compile``) needs the node and its walk
(:func:`reachable`), not how ops are applied and recorded.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from weakref import ReferenceType

    from arraygrad._primitive import Primitive
    from arraygrad._tensor import Tensor


def computed_as_nodes(
    args: tuple[Any, ...], arrays: tuple[Any, ...], edges: tuple[Any, ...]
) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """``(inputs, arrays)`` with every computed input replaced by its own :class:`Node`.

    A node tells its output's ``shape``, ``ndim`` and ``dtype``: all that rules which read no
    input values ask of an input.
    """
    count = len(edges)
    if count == 1:
        if edges[0].__class__ is Node:
            return edges, edges
        return args, arrays
    if count == 2:
        first, second = edges
        if first.__class__ is Node:
            if second.__class__ is Node:
                return edges, edges
            return (first, args[1]), (first, arrays[1])
        if second.__class__ is Node:
            return (args[0], second), (arrays[0], second)
        return args, arrays
    computed = [position for position, edge in enumerate(edges) if edge.__class__ is Node]
    if not computed:
        return args, arrays
    inputs, saved = list(args), list(arrays)
    for position in computed:
        inputs[position] = saved[position] = edges[position]
    return tuple(inputs), tuple(saved)


class Node:
    """One recorded application of a primitive: what backward needs to run its VJPs.

    ``edges[i]`` says where the gradient for input ``i`` goes: ``None`` when that input needs no
    gradient, the input's own :class:`Node` when it was computed, or the input tensor itself when
    it is a leaf (its gradient is accumulated into ``.grad``). ``inputs``/``arrays`` hold the
    inputs (as tensors / raw arrays); where the rules read no input values, a computed input is
    held by its node instead, which tells its ``shape``, ``ndim`` and ``dtype``.
    """

    # Making a node sets the slots that every backward reads; the rarely set attributes below
    # are class defaults, overridden in the instance __dict__ (created on first write).
    __slots__ = (
        "__dict__",
        "__weakref__",
        "arrays",
        "dtype",
        "edges",
        "epoch",
        "inputs",
        "out",
        "out_version",
        "params",
        "prim",
        "shape",
    )

    # The output tensor's gradient hooks (Tensor.register_hook on a computed tensor), by handle
    # id. A node with hooks of its own (below) or values packed by saved_tensors_hooks has this
    # table too, possibly empty: the one attribute the engine tests per node for all of them.
    hooks: OrderedDict[int, Callable[[Any], Any]] | None = None
    # The node's own hooks, by handle id: grad_fn.register_prehook's ``hook(grad_outputs)``
    # and grad_fn.register_hook's ``hook(grad_inputs, grad_outputs)``.
    pre_hooks: OrderedDict[int, Callable[[Any], Any]] | None = None
    post_hooks: OrderedDict[int, Callable[[Any, Any], Any]] | None = None
    retained: ReferenceType[Tensor] | None = None
    # The saved values, as saved_tensors_hooks packed them (autograd/_saved_hooks.py): a node
    # that has them holds None in place of the packed inputs' arrays and output.
    packed: Any = None
    # PyTorch's name for the op that made this node, where it is not its primitive's (a
    # transpose is a permute_dims): see labelled().
    label: str | None = None
    # Which output of PyTorch's node this one stands for (Tensor.output_nr): arraygrad records
    # one node per output, so only functions that know (split, chunk, unbind) set it.
    output_index: int = 0
    # The nodes of all the pieces of the split, chunk or unbind that made this one (weak
    # references, in the pieces' order), where there are several: see _splitting.multiple_views.
    siblings: tuple[ReferenceType[Node], ...] | None = None
    # The node this one stands for in PyTorch's graph: a custom Function's, with several
    # outputs packed into one, for the node of each output's piece (Tensor.grad_fn gives it,
    # and next_functions; output_index is the output's place).
    stands_for: Node | None = None

    prim: Primitive
    params: dict[str, Any]
    edges: tuple[Node | Tensor | None, ...]
    inputs: tuple[Any, ...] | None
    arrays: tuple[Any, ...] | None  # the inputs' raw arrays, what rules read without create_graph
    out: Any
    shape: tuple[int, ...]
    dtype: Any  # the output's array dtype
    epoch: int
    out_version: list[int] | None

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def freed(self) -> bool:
        """Whether a backward pass freed values this node's rules read."""
        prim = self.prim
        if self.packed is not None:
            return False
        return (prim.reads_inputs and self.arrays is None) or (
            prim.reads_output and self.out is None
        )

    def name(self) -> str:
        """PyTorch-style name of the backward function, e.g. ``MulBackward0``."""
        if self.label is not None:
            return self.label
        name = self.prim.backward_name
        return name if isinstance(name, str) else name(self)

    def __repr__(self) -> str:
        return f"<{self.name()} object at {id(self):#x}>"

    # A custom Function's node answers for its ctx, as PyTorch's grad_fn of a Function is its
    # ctx: these two properties, and the attributes forward set on ctx, which apply copies into
    # the node's __dict__. (Not a __getattr__: its mere presence makes every attribute read of
    # every node, the engine's included, twice as slow.)
    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        """A custom Function's saved tensors (its ctx's :attr:`saved_tensors`)."""
        return self._function_ctx("saved_tensors").saved_tensors

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:
        """Whether each input of a custom Function requires grad (its ctx's)."""
        return self._function_ctx("needs_input_grad").needs_input_grad  # type: ignore[no-any-return]

    def _function_ctx(self, name: str) -> Any:
        from arraygrad.autograd._function_ctx import FunctionCtx

        ctx = self.params.get("ctx")
        if not isinstance(ctx, FunctionCtx):
            raise AttributeError(f"'{self.name()}' object has no attribute '{name}'")
        return ctx

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        """The nodes this node sends gradients to, with the output of each (PyTorch's pairs):
        ``None`` for an input that gets none, a leaf's ``AccumulateGrad`` for a leaf."""
        from arraygrad.autograd._accumulate_grad import accumulator

        found: list[tuple[Any, int]] = []
        for edge in self.edges:
            if edge is None:
                found.append((None, 0))
            elif edge.__class__ is Node:
                shown = edge.stands_for or edge  # type: ignore[union-attr]
                found.append((shown, edge.output_index))  # type: ignore[union-attr]
            else:
                found.append((accumulator(edge, self), 0))  # type: ignore[arg-type]
        return tuple(found)

    @property
    def metadata(self) -> dict[Any, Any]:
        """A dictionary for the user's own data about this node (empty until written)."""
        found = self.__dict__.get("_metadata")
        if found is None:
            found = self.__dict__["_metadata"] = {}
        return found

    def register_prehook(self, hook: Callable[[Any], Any]) -> Any:
        """Call ``hook(grad_outputs)`` before this node's rules run, with the tuple of the
        gradients of its output (``None`` where none arrived), after the output tensor's own
        hooks. It may return a tuple to use in their place. Returns a handle with
        ``remove()``."""
        if self.pre_hooks is None:
            self.pre_hooks = OrderedDict()
        return self._add_hook(self.pre_hooks, hook)

    def register_hook(self, hook: Callable[[Any, Any], Any]) -> Any:
        """Call ``hook(grad_inputs, grad_outputs)`` after this node's rules ran:
        ``grad_inputs`` holds the gradient for each input (``None`` for one that gets none),
        ``grad_outputs`` what the rules were given. It may return a tuple to send in place of
        ``grad_inputs``. Returns a handle with ``remove()``.

        >>> import arraygrad
        >>> a = arraygrad.tensor([1.0, 2.0], requires_grad=True)
        >>> y = a * 3
        >>> handle = y.grad_fn.register_hook(lambda gi, go: print(gi, go))
        >>> y.sum().backward()
        (tensor([3., 3.]), None) (tensor([1., 1.]),)
        """
        if self.post_hooks is None:
            self.post_hooks = OrderedDict()
        return self._add_hook(self.post_hooks, hook)

    def _add_hook(self, hooks: OrderedDict[int, Any], hook: Any) -> Any:
        from arraygrad.utils.hooks import RemovableHandle

        ctx = self.params.get("ctx")
        if ctx is not None and hasattr(ctx, "track_arrivals"):
            # a custom Function's: its hooks see None for the outputs that get no gradient
            ctx.track_arrivals()
        if self.hooks is None:
            self.hooks = OrderedDict()  # routes this node through the engine's rare path
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle


def reachable(roots: Iterable[Node]) -> Iterator[Node]:
    """Every node reachable from ``roots`` through its edges, each once, depth first.

    Iterative (no recursion, so deep graphs are fine); a node's inputs are visited after the
    caller has handled the node itself.
    """
    stack = list(roots)
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        stack.extend(edge for edge in node.edges if edge.__class__ is Node)  # type: ignore[misc]
