"""``AccumulateGrad``: a leaf's place in the graph, as ``grad_fn.next_functions`` shows it.

The engine's edges to a leaf are the leaf tensor itself (its hot loop tests ``edge.__class__
is Node``); PyTorch shows an ``AccumulateGrad`` node there, whose ``variable`` is the leaf.
One is made only when ``next_functions`` is read, and the same one comes back while it lives
(the graph's nodes that showed it keep it alive, as PyTorch's graph does), so its
``metadata`` and identity last as long as in PyTorch. Its hooks are the leaf's own hooks in
another form.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from arraygrad._node import Node
    from arraygrad._tensor import Tensor

# id(leaf) -> its AccumulateGrad, weakly: a live one holds its leaf, so the id is the leaf's.
_made: dict[int, weakref.ReferenceType[AccumulateGrad]] = {}


class AccumulateGrad:
    """The node that accumulates the gradient of the leaf ``variable`` into its ``.grad``: what
    a leaf that requires grad contributes to ``grad_fn.next_functions``, as PyTorch's.

    >>> import arraygrad
    >>> x = arraygrad.tensor([1.0, 2.0], requires_grad=True)
    >>> node = (x * 2).grad_fn.next_functions[0][0]
    >>> type(node).__name__, node.variable is x
    ('AccumulateGrad', True)
    """

    __slots__ = ("__weakref__", "_metadata", "variable")

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable
        self._metadata: dict[Any, Any] | None = None

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        return ()

    @property
    def metadata(self) -> dict[Any, Any]:
        """A dictionary for the user's own data about this node (empty until written)."""
        if self._metadata is None:
            self._metadata = {}
        return self._metadata

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {id(self):#x}>"

    def register_prehook(self, hook: Callable[[Any], Any]) -> Any:
        """Call ``hook(grad_outputs)`` with the leaf's gradient, ``(grad,)``, before it is
        accumulated; it may return a tuple to accumulate in its place. Returns a handle with
        ``remove()``."""
        from arraygrad.autograd._node_hooks import _hook_result

        def before(grad: Any) -> Any:
            result = hook((grad,))
            if result is None:
                return None
            return _hook_result(hook, (grad,), result)[0]

        return self.variable.register_hook(before)

    def register_hook(self, hook: Callable[[Any, Any], Any]) -> Any:
        """Call ``hook(grad_inputs, grad_outputs)`` after the leaf's gradient was accumulated
        into ``.grad`` by ``backward()``: ``grad_inputs`` is ``()`` (the node has no inputs),
        ``grad_outputs`` the gradient that arrived, ``(grad,)``. Returns a handle with
        ``remove()``."""
        arrived: list[Any] = []

        def seen(grad: Any) -> None:
            # the latest only: autograd.grad runs the leaf's hooks but accumulates nothing
            arrived[:] = [grad]

        def after(leaf: Tensor) -> None:
            if arrived:
                hook((), (arrived.pop(),))

        from arraygrad.utils.hooks import RemovableHandle

        # One handle for both leaf hooks, under one id in the leaf's two tables.
        leaf = self.variable
        if leaf._hooks is None:
            leaf._hooks = OrderedDict()
        if leaf._post_accumulate_hooks is None:
            leaf._post_accumulate_hooks = OrderedDict()
        handle = RemovableHandle(leaf._hooks, extra_dict=leaf._post_accumulate_hooks)
        leaf._hooks[handle.id] = seen
        leaf._post_accumulate_hooks[handle.id] = after
        return handle


def _forget(key: int) -> Callable[[Any], None]:
    def forget(ref: Any) -> None:
        if _made.get(key) is ref:
            del _made[key]

    return forget


def accumulator(leaf: Tensor, shown_by: Node | None) -> AccumulateGrad:
    """The leaf's ``AccumulateGrad``, kept alive by ``shown_by`` (the node whose
    ``next_functions`` shows it; ``None``: by the caller, as a ``GradientEdge`` does)."""
    key = id(leaf)
    ref = _made.get(key)
    found = ref() if ref is not None else None
    if found is None:
        found = AccumulateGrad(leaf)
        _made[key] = weakref.ref(found, _forget(key))
    if shown_by is None:
        return found
    kept = shown_by.__dict__.setdefault("_accumulators", [])
    if not any(item is found for item in kept):
        kept.append(found)
    return found
