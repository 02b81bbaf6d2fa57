"""PyTorch's complex-number API on real tensors (arraygrad has no complex dtypes).

For a real tensor the conjugate is the tensor itself and there is no imaginary part, so
``real``, ``conj``, ``conj_physical``, ``resolve_conj`` and ``resolve_neg`` return their input
(as PyTorch does for real tensors), ``imag`` raises PyTorch's error, ``is_conj`` and ``is_neg``
are False, and ``adjoint`` is the transpose of the last two dimensions.
"""

from __future__ import annotations

from arraygrad import _dtype, _shape
from arraygrad._tensor import Tensor

__all__ = [
    "adjoint",
    "conj",
    "conj_physical",
    "imag",
    "is_conj",
    "is_neg",
    "real",
    "resolve_conj",
    "resolve_neg",
]


def real(input: Tensor) -> Tensor:
    """The real part: ``input`` itself for a real tensor.

    >>> import arraygrad
    >>> x = arraygrad.tensor([1.0, -2.0])
    >>> arraygrad.real(x) is x
    True
    """
    return input


def imag(input: Tensor) -> Tensor:
    """The imaginary part, which real tensors lack: raises PyTorch's RuntimeError.

    >>> import arraygrad
    >>> arraygrad.imag(arraygrad.tensor([1.0]))
    Traceback (most recent call last):
    ...
    RuntimeError: imag is not implemented for tensors with non-complex dtypes. ...
    """
    raise RuntimeError(
        "imag is not implemented for tensors with non-complex dtypes. The tensor has dtype "
        f"{_dtype.torch_type_name(input.dtype)}, and arraygrad has no complex dtypes. Fix: the "
        "imaginary part of a real tensor is zeros_like(x)."
    )


def conj(input: Tensor) -> Tensor:
    """The complex conjugate: ``input`` itself for a real tensor.

    >>> import arraygrad
    >>> arraygrad.conj(arraygrad.tensor([1.0, -2.0])).tolist()
    [1.0, -2.0]
    """
    return input


def conj_physical(input: Tensor) -> Tensor:
    """The conjugate, materialised: ``input`` itself for a real tensor.

    >>> import arraygrad
    >>> arraygrad.conj_physical(arraygrad.tensor([3.0])).tolist()
    [3.0]
    """
    return input


def resolve_conj(input: Tensor) -> Tensor:
    """Materialise a lazy conjugation; a real tensor has none, so ``input`` itself.

    >>> import arraygrad
    >>> arraygrad.resolve_conj(arraygrad.tensor([3.0])).tolist()
    [3.0]
    """
    return input


def resolve_neg(input: Tensor) -> Tensor:
    """Materialise a lazy negation; arraygrad makes none, so ``input`` itself.

    >>> import arraygrad
    >>> arraygrad.resolve_neg(arraygrad.tensor([3.0])).tolist()
    [3.0]
    """
    return input


def is_conj(input: Tensor) -> bool:
    """Whether ``input`` carries a lazy conjugation: never in arraygrad.

    >>> import arraygrad
    >>> arraygrad.is_conj(arraygrad.tensor([3.0]))
    False
    """
    return False


def is_neg(input: Tensor) -> bool:
    """Whether ``input`` carries a lazy negation: never in arraygrad.

    >>> import arraygrad
    >>> arraygrad.is_neg(arraygrad.tensor([3.0]))
    False
    """
    return False


def _require_matrices(input: Tensor, what: str) -> None:
    # A 0-d tensor is its own adjoint (PyTorch deprecates but allows it); a vector is refused.
    if input.ndim == 1:
        raise RuntimeError(
            f"{what} is only supported on matrices or batches of matrices. Got "
            f"{input.ndim}-D tensor. Fix: reshape to at least 2 dimensions (e.g. x.unsqueeze(0))."
        )


def adjoint(input: Tensor) -> Tensor:
    """The conjugate transpose of the last two dimensions; for real tensors ``input.mT``.

    ``adjoint(A)[..., i, j] = conj(A[..., j, i])``.

    >>> import arraygrad
    >>> arraygrad.adjoint(arraygrad.tensor([[1, 2], [3, 4]])).tolist()
    [[1, 3], [2, 4]]
    """
    _require_matrices(input, "tensor.adjoint()")
    return input if input.ndim == 0 else _shape.transpose(input, -2, -1)
