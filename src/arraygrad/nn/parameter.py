"""``Parameter``: a tensor that a :class:`~arraygrad.nn.Module` registers as learnable.

Assigning a ``Parameter`` to a module attribute adds it to ``module.parameters()``; assigning a
plain tensor does not (that is how temporary state, such as a cached hidden state, stays out).

>>> import arraygrad
>>> from arraygrad.nn import Parameter
>>> p = Parameter(arraygrad.zeros(2))
>>> p.requires_grad
True
"""

from __future__ import annotations

from typing import Any

from arraygrad import _device
from arraygrad._creation import empty
from arraygrad._tensor import Tensor

__all__ = [
    "Buffer",
    "Parameter",
    "UninitializedBuffer",
    "UninitializedParameter",
    "UninitializedTensorMixin",
    "is_lazy",
]


class Parameter(Tensor):
    """A leaf tensor with ``requires_grad=True`` by default, registered by modules.

    It shares memory with ``data`` (as in PyTorch); operations on it return plain tensors.
    Assigning one as a module's attribute adds it to the module's ``parameters()``.

    >>> import arraygrad
    >>> w = arraygrad.nn.Parameter(arraygrad.zeros(2))
    >>> w
    Parameter containing:
    tensor([0., 0.], requires_grad=True)
    >>> layer = arraygrad.nn.Module()
    >>> layer.w = w
    >>> [name for name, _ in layer.named_parameters()]
    ['w']
    """

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True) -> Parameter:
        if data is None:
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(
                f"Parameter expects a Tensor as data, got {type(data).__name__}. Fix: wrap it "
                "first, e.g. nn.Parameter(arraygrad.tensor(value))."
            )
        param: Parameter = cls._wrap(data._data)  # type: ignore[assignment]
        if data._version_counter is None:
            data._version_counter = [0, 0]
        param._version_counter = data._version_counter  # the same memory, one version
        param.requires_grad_(requires_grad)  # refuses integer dtypes as PyTorch does
        return param

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        # Everything is done in __new__; Tensor has no __init__ arguments to forward.
        pass

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo: dict[int, Any]) -> Parameter:
        if id(self) in memo:
            return memo[id(self)]  # type: ignore[no-any-return]
        from arraygrad import _backend

        # The values and the flag, not .grad: PyTorch's Parameter copies leave it behind.
        result = Parameter(Tensor._wrap(_backend.copy(self._data)), self._rg)
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (_rebuild_parameter, (Tensor._wrap(self._data), self._rg))


class _BufferKind(type):
    """``isinstance(t, Buffer)``: a tensor made by ``Buffer(...)`` (marked as one), whatever its
    class; a computation on it gives an ordinary tensor again."""

    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, Tensor) and instance.__dict__.get("_is_buffer") is True


class Buffer(Tensor, metaclass=_BufferKind):
    """A tensor that registers as a buffer when assigned to a module attribute (PyTorch >= 2.5):
    ``self.running_mean = nn.Buffer(arraygrad.zeros(3))`` is ``register_buffer("running_mean",
    ...)``, with ``persistent=False`` keeping it out of ``state_dict``.

    ``Buffer(data)`` is an ordinary :class:`~arraygrad.Tensor` sharing ``data``'s memory (and its
    ``requires_grad``), marked so that modules and ``isinstance(t, nn.Buffer)`` recognise it.

    >>> import arraygrad
    >>> m = arraygrad.nn.Module()
    >>> m.steps = arraygrad.nn.Buffer(arraygrad.zeros(1), persistent=False)
    >>> [name for name, _ in m.named_buffers()], list(m.state_dict())
    (['steps'], [])
    """

    persistent: bool

    # It makes a plain Tensor (marked), as PyTorch's does, hence the ignore.
    def __new__(  # type: ignore[misc]
        cls, data: Tensor | None = None, *, persistent: bool = True
    ) -> Tensor:
        if data is None:
            data = empty(0)
        if not isinstance(data, Tensor):
            raise AttributeError(
                f"'{type(data).__name__}' object has no attribute 'detach': nn.Buffer takes a "
                "Tensor. Fix: wrap the values first, e.g. nn.Buffer(arraygrad.tensor(values))."
            )
        buffer = data.detach()  # the same memory and version counter
        buffer._rg = data.requires_grad
        buffer.persistent = persistent  # type: ignore[attr-defined]
        buffer._is_buffer = True  # type: ignore[attr-defined]
        return buffer


def _rebuild_parameter(data: Tensor, requires_grad: bool) -> Parameter:
    return Parameter(data, requires_grad)


class UninitializedTensorMixin:
    """What the uninitialized parameter and buffer share (PyTorch's name for it):
    no shape until :meth:`materialize` turns them into ``cls_to_become`` in place."""

    __slots__ = ()
    cls_to_become: type
    dtype: Any
    data: Any

    def materialize(self, shape: Any, device: Any = None, dtype: Any = None) -> None:
        """Become a ``cls_to_become`` of ``shape`` (uninitialised values; the module draws
        them), keeping this object, so that references to it stay valid."""
        _device.check_placement(device)
        self.data = empty(*tuple(shape), dtype=self.dtype if dtype is None else dtype)
        self.__class__ = self.cls_to_become

    @property
    def shape(self) -> Any:
        raise RuntimeError(
            "Can't access the shape of an uninitialized parameter or buffer. This error usually "
            "happens in `load_state_dict` when trying to load an uninitialized parameter into "
            "an initialized one. Call `forward` to initialize the parameters before accessing "
            "their attributes."
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


def is_lazy(param: Any) -> bool:
    """Whether ``param`` is an uninitialized parameter or buffer, whose shape a lazy module
    has yet to infer."""
    return isinstance(param, UninitializedTensorMixin)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A parameter whose shape is not known yet (PyTorch's): a lazy module makes it a
    :class:`Parameter` of the right shape, with :meth:`materialize`, on its first call.

    >>> p = UninitializedParameter()
    >>> p.materialize((2, 3))
    >>> type(p).__name__, tuple(p.shape)
    ('Parameter', (2, 3))
    """

    cls_to_become = Parameter

    def __new__(
        cls, requires_grad: bool = True, device: Any = None, dtype: Any = None
    ) -> UninitializedParameter:
        _device.check_placement(device)
        param: UninitializedParameter = super().__new__(  # type: ignore[assignment]
            cls, empty(0, dtype=dtype), requires_grad
        )
        return param

    def __init__(self, requires_grad: bool = True, device: Any = None, dtype: Any = None) -> None:
        pass

    def __deepcopy__(self, memo: dict[int, Any]) -> UninitializedParameter:
        if id(self) not in memo:
            memo[id(self)] = UninitializedParameter(self.requires_grad, dtype=self.dtype)
        return memo[id(self)]  # type: ignore[no-any-return]

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (UninitializedParameter, (self.requires_grad, None, self.dtype))


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer whose shape is not known yet (lazy normalisation layers' running statistics):
    :meth:`materialize` makes it a plain tensor of the right shape.

    >>> b = UninitializedBuffer()
    >>> b.materialize((3,))
    >>> type(b).__name__, tuple(b.shape)
    ('Tensor', (3,))
    """

    cls_to_become = Tensor

    def __new__(
        cls, requires_grad: bool = False, device: Any = None, dtype: Any = None
    ) -> UninitializedBuffer:
        _device.check_placement(device)
        buffer: UninitializedBuffer = cls._wrap(empty(0, dtype=dtype)._data)  # type: ignore[assignment]
        buffer.requires_grad_(requires_grad)
        return buffer

    def __init__(self, requires_grad: bool = False, device: Any = None, dtype: Any = None) -> None:
        pass
