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

from arraygrad._creation import empty
from arraygrad._tensor import Tensor

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A leaf tensor with ``requires_grad=True`` by default, registered by modules.

    It shares memory with ``data`` (as in PyTorch); operations on it return plain tensors.
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

        result = Parameter(Tensor._wrap(_backend.copy(self._data)), self._rg)
        if self.grad is not None:
            result.grad = Tensor._wrap(_backend.copy(self.grad._data))
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (_rebuild_parameter, (Tensor._wrap(self._data), self._rg))


def _rebuild_parameter(data: Tensor, requires_grad: bool) -> Parameter:
    return Parameter(data, requires_grad)
