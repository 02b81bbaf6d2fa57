"""Flatten parameters into one vector and back."""

from __future__ import annotations

from collections.abc import Iterable

from arraygrad import _backend
from arraygrad._grad_mode import no_grad
from arraygrad._tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All ``parameters`` flattened and concatenated into one 1-D tensor (differentiable).

    >>> import arraygrad
    >>> parameters_to_vector([arraygrad.ones(2, 2), arraygrad.zeros(1)]).tolist()
    [1.0, 1.0, 1.0, 1.0, 0.0]
    """
    import arraygrad

    return arraygrad.cat([p.reshape(-1) for p in parameters])  # type: ignore[attr-defined, no-any-return]


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of the 1-D ``vec`` into ``parameters`` (in place).

    The inverse of :func:`parameters_to_vector`: each parameter takes the next ``numel()``
    values, reshaped to its shape, outside autograd.

    >>> import arraygrad
    >>> layer = arraygrad.nn.Linear(2, 1)
    >>> vector = arraygrad.tensor([1.0, 2.0, 3.0])
    >>> arraygrad.nn.utils.vector_to_parameters(vector, layer.parameters())
    >>> layer.weight.tolist(), layer.bias.tolist()
    ([[1.0, 2.0]], [3.0])
    """
    if not isinstance(vec, Tensor):
        raise TypeError(
            f"expected torch.Tensor, but got: {type(vec).__name__}"
            ". Fix: pass a 1-D tensor, e.g. parameters_to_vector(...) or torch.tensor(...)."
        )
    offset = 0
    with no_grad():
        for param in parameters:
            count = param.numel()
            chunk = _backend.xp.reshape(vec._data[offset : offset + count], tuple(param.shape))
            param.copy_(Tensor._wrap(chunk))
            offset += count
