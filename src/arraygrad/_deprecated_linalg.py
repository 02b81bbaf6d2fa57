"""PyTorch's deprecated top-level linear algebra: ``chain_matmul``, ``frobenius_norm`` and
``nuclear_norm``, which warn (a UserWarning with PyTorch's text, naming the ``linalg``
replacement) and compute with :mod:`arraygrad.linalg`, and ``matrix_rank``, removed from
PyTorch, which raises as PyTorch does.

They are older top-level names that scripts still call, kept apart from the top-level forms
of ``nn.functional`` (``_nn_aliases``) because they are linear algebra, not layers; ``_legacy``
holds the other linear algebra functions PyTorch removed (``lstsq``, ``solve``, ``eig``,
``symeig``).
"""

from __future__ import annotations

import warnings
from typing import Any

from arraygrad import _dtype, linalg
from arraygrad._out import written_copy, written_exactly
from arraygrad._tensor import Tensor

__all__ = ["chain_matmul", "frobenius_norm", "matrix_rank", "nuclear_norm"]


def chain_matmul(*matrices: Tensor, out: Tensor | None = None) -> Tensor:
    """Deprecated (a UserWarning, as in PyTorch): the product of the matrices,
    :func:`arraygrad.linalg.multi_dot` of them.

    2-D matrices only (vectors are refused, unlike ``multi_dot``); one matrix gives a copy.

    >>> import arraygrad, warnings
    >>> a, b = arraygrad.tensor([[1.0, 2.0]]), arraygrad.tensor([[3.0], [4.0]])
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     arraygrad.chain_matmul(a, b, a)
    tensor([[11., 22.]])
    """
    warnings.warn(
        "torch.chain_matmul is deprecated and will be removed in a future PyTorch release. "
        "Use torch.linalg.multi_dot instead, which accepts a list of two or more tensors rather "
        "than multiple parameters.",
        UserWarning,
        stacklevel=2,
    )
    if out is not None:
        # One matrix is copied into out (any dtype), more are multiplied into it (its dtype).
        writer = written_copy if len(matrices) == 1 else written_exactly
        return writer("chain_matmul", out, _chain_product, matrices)
    return _chain_product(matrices)


def _chain_product(matrices: tuple[Tensor, ...]) -> Tensor:
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for matrix in matrices:  # (matrices only: multi_dot's vector ends are not taken)
        if matrix.ndim != 2:
            raise RuntimeError(
                f"Tensor dimension is {matrix.ndim}, expected 2 instead: chain_matmul() got a "
                f"tensor of shape {list(matrix.shape)}. Fix: pass matrices (a vector v as "
                "v.unsqueeze(0) or v.unsqueeze(1)), or use linalg.multi_dot."
            )
    if len(matrices) == 1:
        return matrices[0].clone()
    return linalg.multi_dot(list(matrices))


def frobenius_norm(
    input: Tensor, dim: Any, keepdim: bool = False, *, out: Tensor | None = None
) -> Tensor:
    """Deprecated (a UserWarning, as in PyTorch): the 2-norm over ``dim``,
    :func:`arraygrad.linalg.vector_norm` ``(input, 2, dim, keepdim)``. ``out``: of the
    result's (real) dtype only, as PyTorch's.

    >>> import arraygrad, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     arraygrad.frobenius_norm(arraygrad.tensor([[3.0, 4.0], [0.0, 0.0]]), dim=1)
    tensor([5., 0.])
    """
    warnings.warn(
        "at::frobenius_norm is deprecated and it is just left for JIT compatibility. It will "
        "be removed in a future PyTorch release. Please use `linalg.vector_norm(A, 2., dim, "
        "keepdim)` instead",
        UserWarning,
        stacklevel=2,
    )
    if out is not None:
        return written_exactly("frobenius_norm", out, linalg.vector_norm, input, 2, dim, keepdim)
    return linalg.vector_norm(input, 2, dim, keepdim)


def nuclear_norm(
    input: Tensor, dim: Any = None, keepdim: bool = False, *, out: Tensor | None = None
) -> Tensor:
    """Deprecated (a UserWarning, as in PyTorch): the sum of the singular values of the
    matrices in ``dim`` (the last two without it),
    :func:`arraygrad.linalg.matrix_norm` ``(input, 'nuc', dim, keepdim)``.
    ``nuclear_norm(input, keepdim)`` is the other overload. ``out``: of the result's (real)
    dtype only, refused with ``linalg.matrix_norm``'s message, as PyTorch's.

    >>> import arraygrad, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     arraygrad.nuclear_norm(arraygrad.tensor([[3.0, 0.0], [0.0, -4.0]]))
    tensor(7.)
    """
    warnings.warn(
        "at::nuclear_norm is deprecated and it is just left for JIT compatibility. It will be "
        "removed in a future PyTorch release. Please use `linalg.matrix_norm(A, 'nuc', dim, "
        "keepdim)` instead",
        UserWarning,
        stacklevel=2,
    )
    if isinstance(dim, bool):  # nuclear_norm(input, keepdim)
        dim, keepdim = None, dim
    if dim is None:  # (PyTorch 2.13: the last two, as matrix_norm, batched)
        dim = (-2, -1)
    if out is not None:
        return written_exactly("nuclear_norm", out, _nuclear_into, out, input, dim, keepdim)
    return linalg.matrix_norm(input, "nuc", dim, keepdim)


def _nuclear_into(out: Tensor, input: Tensor, dim: Any, keepdim: bool) -> Tensor:
    """The nuclear norm for ``out``, whose dtype PyTorch checks with matrix_norm's message
    (before the out= machinery's own)."""
    result = linalg.matrix_norm(input, "nuc", dim, keepdim)
    if result.dtype is not out.dtype:
        raise RuntimeError(
            f"linalg.matrix_norm expected out tensor dtype "
            f"{_dtype.torch_type_name(result.dtype)} but got: "
            f"{_dtype.torch_type_name(out.dtype)}. Fix: give nuclear_norm() an out tensor of "
            f"dtype {result.dtype} (the norm is real, also of a complex input)."
        )
    return result


def matrix_rank(input: Tensor, tol: float | None = None, symmetric: bool = False) -> Tensor:
    """Removed from PyTorch (it raises there, as here): use
    :func:`arraygrad.linalg.matrix_rank`.

    >>> import arraygrad
    >>> try:
    ...     arraygrad.matrix_rank(arraygrad.eye(2))
    ... except RuntimeError as error:
    ...     print(str(error).splitlines()[0])
    This function was deprecated since version 1.9 and is now removed.
    >>> arraygrad.linalg.matrix_rank(arraygrad.eye(2))
    tensor(2)
    """
    raise RuntimeError(
        "This function was deprecated since version 1.9 and is now removed.\n"
        "Please use the `torch.linalg.matrix_rank` function instead. The parameter "
        "'symmetric' was renamed in `torch.linalg.matrix_rank()` to 'hermitian'."
    )
