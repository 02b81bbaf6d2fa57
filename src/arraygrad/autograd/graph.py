"""``torch.autograd.graph``: the recorded graph's nodes and edges, hooks on the values it saves
for backward, and hooks on the gradients of several tensors together.

>>> import arraygrad
>>> from arraygrad.autograd.graph import saved_tensors_hooks
>>> x = arraygrad.tensor([1.0, 2.0], requires_grad=True)
>>> with saved_tensors_hooks(lambda t: t.tolist(), lambda v: arraygrad.tensor(v)):
...     y = x.sin()
>>> y.grad_fn.name(), isinstance(y.grad_fn, Node)
('SinBackward0', True)
"""

from __future__ import annotations

import abc
import contextlib
import contextvars
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from arraygrad import _backend
from arraygrad._node import Node as _RecordedNode
from arraygrad._primitive import bump_version as _bump_version
from arraygrad._tensor import Tensor as _Tensor
from arraygrad.autograd import _passes, _saved_hooks
from arraygrad.autograd._accumulate_grad import AccumulateGrad as _AccumulateGrad
from arraygrad.autograd._accumulate_grad import accumulator as _accumulator
from arraygrad.utils.hooks import RemovableHandle

if TYPE_CHECKING:
    from arraygrad._tensor import Tensor

__all__ = [
    "GradientEdge",
    "Node",
    "allow_mutation_on_saved_tensors",
    "disable_saved_tensors_hooks",
    "get_gradient_edge",
    "increment_version",
    "register_multi_grad_hook",
    "save_on_cpu",
    "saved_tensors_hooks",
]


class Node(abc.ABC):
    """The type of every backward function (``tensor.grad_fn``) and of a leaf's
    ``AccumulateGrad``. arraygrad's own node classes are registered as its subclasses, so
    ``isinstance(t.grad_fn, Node)`` holds, as in PyTorch; it cannot be instantiated.

    >>> import arraygrad
    >>> from arraygrad.autograd.graph import Node
    >>> y = arraygrad.tensor([1.0], requires_grad=True) * 2
    >>> isinstance(y.grad_fn, Node), y.grad_fn.name()
    (True, 'MulBackward0')
    """

    @abc.abstractmethod
    def name(self) -> str:
        """The node's name, e.g. ``MulBackward0``."""

    @property
    @abc.abstractmethod
    def next_functions(self) -> tuple[tuple[Node | None, int], ...]:
        """The nodes this node sends gradients to, with the output index of each."""

    @property
    @abc.abstractmethod
    def metadata(self) -> dict[Any, Any]:
        """A dictionary for the user's own data about this node."""

    @property
    @abc.abstractmethod
    def _input_metadata(self) -> list[Any]: ...

    @abc.abstractmethod
    def _register_hook_dict(self, tensor: Tensor) -> None: ...

    @abc.abstractmethod
    def register_hook(self, fn: Callable[..., Any]) -> RemovableHandle:
        """Call ``fn(grad_inputs, grad_outputs)`` after the node ran."""

    @abc.abstractmethod
    def register_prehook(self, fn: Callable[..., Any]) -> RemovableHandle:
        """Call ``fn(grad_outputs)`` before the node runs."""

    @abc.abstractmethod
    def _sequence_nr(self) -> int: ...


Node.register(_RecordedNode)
Node.register(_AccumulateGrad)


class GradientEdge(NamedTuple):
    """Where a tensor's gradient goes in the graph: its ``node`` (``grad_fn``, or a leaf's
    ``AccumulateGrad``) and which of the node's outputs it is (see :func:`get_gradient_edge`).

    >>> import arraygrad
    >>> from arraygrad.autograd.graph import get_gradient_edge
    >>> edge = get_gradient_edge(arraygrad.tensor([1.0], requires_grad=True) * 2)
    >>> edge.node.name(), edge.output_nr
    ('MulBackward0', 0)
    """

    node: Node
    output_nr: int
    ownership_token: Any = None


def get_gradient_edge(tensor: Tensor) -> GradientEdge:
    """The :class:`GradientEdge` of ``tensor``: ``autograd.grad`` takes it among its
    ``inputs`` in place of the tensor (the gradient there, even once the tensor is gone). A
    tensor that does not require grad raises RuntimeError.

    >>> import arraygrad
    >>> from arraygrad.autograd.graph import get_gradient_edge
    >>> x = arraygrad.tensor([1.0, 2.0], requires_grad=True)
    >>> y = x * 2
    >>> arraygrad.autograd.grad((y * y).sum(), get_gradient_edge(y))
    (tensor([4., 8.]),)
    """
    if not tensor.requires_grad:
        raise RuntimeError(
            "It is not possible to get the gradient edge for a Tensor that does not require "
            "gradients"
        )
    node = tensor._node
    if node is None:
        return GradientEdge(_accumulator(tensor, None), 0)  # type: ignore[arg-type]
    return GradientEdge(node, node.output_index)  # type: ignore[arg-type]


def increment_version(tensor: Tensor | Iterable[Tensor]) -> None:
    """Count an in-place write to ``tensor`` (or to each of several) that arraygrad did not
    see, such as one through ``.numpy()``: its ``_version`` (and its views') goes up by one, and
    a backward that reads it as saved before then refuses, as after any in-place op.

    >>> import arraygrad
    >>> from arraygrad.autograd.graph import increment_version
    >>> t = arraygrad.tensor([1.0])
    >>> increment_version(t)
    >>> t._version
    1
    """
    if isinstance(tensor, _Tensor):
        _bump_version(tensor)
        return
    if not isinstance(tensor, Iterable) or isinstance(tensor, str | bytes):
        raise RuntimeError("increment_version expect a Iterable[Tensor] as input")
    for item in tensor:
        if not isinstance(item, _Tensor):
            raise RuntimeError("increment_version expect a Iterable[Tensor] as input")
        _bump_version(item)


class saved_tensors_hooks:  # noqa: N801 - PyTorch's name
    """Pack and unpack the values that operations save for backward.

    Inside the context, every recorded operation calls ``pack_hook(tensor)`` on each tensor
    its backward will read (once per tensor and operation: an input, or the output where the
    backward reads the output, as ``exp``'s does) and keeps only what it returns; backward calls
    ``unpack_hook(packed)`` when it needs the value, on every pass, and computes with the
    tensor it returns. Hooks contexts nest (the innermost applies) and belong to the thread
    that enters them. ``pack_hook`` runs without recording a graph and must not write into its
    argument; as in PyTorch, values saved through hooks are not checked for later in-place
    writes. Values a custom :class:`~arraygrad.autograd.Function` keeps with
    ``ctx.save_for_backward`` are packed when ``apply`` returns and unpacked on each read of
    ``ctx.saved_tensors``.

    >>> import arraygrad
    >>> calls = []
    >>> def pack(t):
    ...     calls.append("pack")
    ...     return t.detach().numpy().copy()
    >>> def unpack(a):
    ...     calls.append("unpack")
    ...     return arraygrad.from_numpy(a)
    >>> x = arraygrad.tensor([0.0, 1.0], requires_grad=True)
    >>> with saved_tensors_hooks(pack, unpack):
    ...     y = (x * x).sum()
    >>> y.backward()
    >>> calls, x.grad
    (['pack', 'pack', 'unpack', 'unpack'], tensor([0., 2.]))
    """

    def __init__(
        self, pack_hook: Callable[[Tensor], Any], unpack_hook: Callable[[Any], Tensor]
    ) -> None:
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self) -> None:
        _saved_hooks.push(self.pack_hook, self.unpack_hook)

    def __exit__(self, *args: object) -> None:
        _saved_hooks.pop()


class save_on_cpu(saved_tensors_hooks):  # noqa: N801 - PyTorch's name
    """Keep the values saved for backward in host memory, moving them back to the device when
    backward needs them: PyTorch's way to trade GPU memory for copies.

    arraygrad computes on one device. On NumPy (the default) every array is in host memory
    already, so this is a pack/unpack pair that keeps each value as it is (PyTorch does the same
    with CPU tensors); on a GPU backend (CuPy) each saved value is copied to a NumPy array and
    back. ``pin_memory`` and ``device_type`` are accepted (arraygrad has no pinned memory).

    >>> import arraygrad
    >>> from arraygrad.autograd.graph import save_on_cpu
    >>> w = arraygrad.tensor([3.0], requires_grad=True)
    >>> with save_on_cpu():
    ...     (w * w).sum().backward()
    >>> w.grad
    tensor([6.])
    """

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda") -> None:
        self.pin_memory = pin_memory
        self.device_type = device_type

        def pack_to_cpu(tensor: Tensor) -> tuple[Any, Any]:
            if _backend.is_numpy:
                return (tensor.device, tensor)
            return (tensor.device, (_backend.to_numpy(tensor._data), tensor.requires_grad))

        def unpack_from_cpu(packed: tuple[Any, Any]) -> Tensor:
            _device, value = packed
            if isinstance(value, _Tensor):
                return value
            host, _requires_grad = value
            return _Tensor._wrap(_backend.asarray(host))

        super().__init__(pack_to_cpu, unpack_from_cpu)


@contextlib.contextmanager
def disable_saved_tensors_hooks(error_message: str) -> Iterator[None]:
    """Refuse saved-tensor hooks inside the context: entering it while hooks are active, or
    entering ``saved_tensors_hooks`` inside it, raises ``RuntimeError(error_message)``.

    >>> from arraygrad.autograd import graph
    >>> with graph.disable_saved_tensors_hooks("no hooks here"):
    ...     try:
    ...         with graph.saved_tensors_hooks(lambda t: t, lambda t: t):
    ...             pass
    ...     except RuntimeError as error:
    ...         print(error)
    no hooks here
    """
    state = _saved_hooks.thread_hooks
    if state.stack:
        raise RuntimeError(error_message)
    previous = state.disabled
    state.disabled = error_message
    try:
        yield
    finally:
        state.disabled = previous


class _AllowMutationOnSavedContext:
    """What :func:`allow_mutation_on_saved_tensors` yields (PyTorch's class of it)."""


_mutation_allowed: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "allow_mutation_on_saved_tensors", default=False
)


def _saved_copy(tensor: Tensor) -> Tensor:
    return tensor.detach().clone()


def _as_saved(copy: Tensor) -> Tensor:
    return copy


@contextlib.contextmanager
def allow_mutation_on_saved_tensors() -> Iterator[_AllowMutationOnSavedContext]:
    """Allow in-place writes into tensors saved for backward inside the context: backward
    computes with the values they had when they were saved, as if nothing had written them.

    PyTorch copies a saved tensor when it is first written; arraygrad copies each as it is
    saved (through :class:`saved_tensors_hooks`, so the same gradients for more memory), and
    a backward outside the context, which PyTorch refuses, gets them too.

    >>> import arraygrad
    >>> x = arraygrad.tensor([1.0, 2.0], requires_grad=True)
    >>> with allow_mutation_on_saved_tensors():
    ...     a = x * 1
    ...     y = (a * a).sum()
    ...     _ = a.mul_(10)
    ...     y.backward()
    >>> x.grad
    tensor([2., 4.])
    """
    if _mutation_allowed.get():
        raise RuntimeError(
            "allow_mutation_on_saved_tensors contexts cannot be nested. Fix: enter it once, "
            "around everything that writes into saved tensors."
        )
    token = _mutation_allowed.set(True)
    try:
        with saved_tensors_hooks(_saved_copy, _as_saved):
            yield _AllowMutationOnSavedContext()
    finally:
        _mutation_allowed.reset(token)


class _MultiHandle(RemovableHandle):
    """The handle of :func:`register_multi_grad_hook`: removes the hook from every tensor."""

    def __init__(self, handles: tuple[RemovableHandle, ...]) -> None:
        self.handles = handles

    def remove(self) -> None:
        if self.handles:
            for handle in self.handles:
                handle.remove()
            self.handles = ()
            _passes.watch_passes(-1)

    def __getstate__(self) -> tuple[Any, ...]:
        return self.handles

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        self.handles = state


def register_multi_grad_hook(
    tensors: Sequence[Tensor],
    fn: Callable[..., Any],
    *,
    mode: Literal["all", "any"] = "all",
) -> RemovableHandle:
    """Call ``fn`` once per backward pass with the gradients of several tensors.

    ``mode="all"``: ``fn(grads)`` once every gradient this pass computes for ``tensors`` is
    in, with one entry per tensor, ``None`` for those the pass does not reach (not in its
    graph, or off the paths to the ``inputs`` of ``autograd.grad``/``backward``). ``mode="any"``:
    ``fn(grad)`` with the first of their gradients computed. ``fn`` returns nothing (what it
    returns is ignored; it cannot change a gradient). Returns one handle that removes it from
    every tensor.
    """
    if mode not in ("all", "any"):
        raise ValueError(f"Expects mode to be one of ('all', 'any') but got {mode}")
    tensors = tuple(tensors)
    for tensor in tensors:
        if not tensor.requires_grad:
            raise AssertionError("Expected gradient function to be set")
    handles: list[RemovableHandle] = []
    # Each pass's state lives in the pass (_passes.running_pass), under this key.
    key = object()

    def arrived(position: int) -> Callable[[Tensor | None], None]:
        def hook(grad: Tensor | None) -> None:
            running = _passes.running_pass()
            if running is None:
                return
            state = running.states.get(key)
            if mode == "any":
                if state is None:
                    running.states[key] = True
                    fn(grad)
                return
            if state is None:
                expected = [running.reaches(tensor) for tensor in tensors]
                state = running.states[key] = [sum(expected), [None] * len(tensors)]
            state[1][position] = grad
            state[0] -= 1
            if state[0] == 0:
                fn(state[1])

        return hook

    for position, tensor in enumerate(tensors):
        handles.append(tensor.register_hook(arrived(position)))
    _passes.watch_passes(1)
    return _MultiHandle(tuple(handles))
