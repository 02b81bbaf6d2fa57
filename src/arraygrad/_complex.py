"""PyTorch's complex-number API: parts, conjugates, views as real pairs, ``complex``, ``polar``.

complex64 and complex128 tensors take the ops of ``ops/complex.py`` (picked by ``_math``, the
reductions and the matrix products once a complex operand leaves their real fast paths); other
ops refuse them with a NotImplementedError that says so.

Differences from PyTorch, by design: arraygrad materialises conjugates, so ``conj`` is
``conj_physical`` (a copy), ``is_conj`` is always False and ``resolve_conj`` returns its input.
``real``, ``imag`` and ``view_as_real`` / ``view_as_complex`` are views, as PyTorch's: writes
reach their input and the other way round (recorded writes through them:
:mod:`arraygrad._complex_views`); a recorded write through a part taken after another view step
(``z[0].real.mul_(2)``) raises, naming ``z.real[0]`` instead.

For a real tensor the conjugate is the tensor itself and there is no imaginary part, so
``real``, ``conj``, ``conj_physical``, ``resolve_conj`` and ``resolve_neg`` return their input
(as PyTorch does for real tensors), ``imag`` raises PyTorch's error, ``is_neg`` is False, and
``adjoint`` is the transpose of the last two dimensions.
"""

from __future__ import annotations

import warnings
from typing import Any

from arraygrad import _dtype, _shape, ops, return_types
from arraygrad._arguments import require_tensor
from arraygrad._elementwise_operands import broadcast_mismatch
from arraygrad._math import as_tensor
from arraygrad._out import written_each, written_exactly, written_same
from arraygrad._primitive import labelled
from arraygrad._tensor import Tensor

__all__ = [
    "adjoint",
    "complex",
    "conj",
    "conj_physical",
    "imag",
    "is_conj",
    "is_neg",
    "polar",
    "real",
    "resolve_conj",
    "resolve_neg",
    "view_as_complex",
    "view_as_real",
]


def real(input: Tensor) -> Tensor:
    """The real part: ``input`` itself for a real tensor.

    >>> import arraygrad
    >>> x = arraygrad.tensor([1.0, -2.0])
    >>> arraygrad.real(x) is x
    True
    >>> arraygrad.real(arraygrad.tensor([1 + 2j]))
    tensor([1.])
    """
    if not input.dtype.is_complex:
        return input
    return ops.real(input)


def imag(input: Tensor) -> Tensor:
    """The imaginary part, which real tensors lack: raises PyTorch's RuntimeError for them.

    >>> import arraygrad
    >>> arraygrad.imag(arraygrad.tensor([1 + 2j]))
    tensor([2.])
    >>> arraygrad.imag(arraygrad.tensor([1.0]))
    Traceback (most recent call last):
    ...
    RuntimeError: imag is not implemented for tensors with non-complex dtypes. ...
    """
    if not input.dtype.is_complex:
        raise RuntimeError(
            "imag is not implemented for tensors with non-complex dtypes. The tensor has dtype "
            f"{_dtype.torch_type_name(input.dtype)}. Fix: the imaginary part of a real tensor "
            "is zeros_like(x)."
        )
    return ops.imag(input)


def conj(input: Tensor) -> Tensor:
    """The complex conjugate: ``input`` itself for a real tensor, a new tensor otherwise
    (arraygrad materialises it where PyTorch marks a lazy view).

    >>> import arraygrad
    >>> arraygrad.conj(arraygrad.tensor([1.0, -2.0])).tolist()
    [1.0, -2.0]
    >>> arraygrad.conj(arraygrad.tensor([1 + 2j]))
    tensor([1.-2.j])
    """
    if not input.dtype.is_complex:
        return input
    return ops.conj(input)


def conj_physical(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The conjugate, materialised: ``input`` itself for a real tensor.

    >>> import arraygrad
    >>> arraygrad.conj_physical(arraygrad.tensor([3.0])).tolist()
    [3.0]
    """
    if out is not None:
        return written_same("conj_physical", out, conj_physical, input)
    return conj(input)


def resolve_conj(input: Tensor) -> Tensor:
    """Materialise a lazy conjugation; arraygrad makes none, so ``input`` itself.

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
    """Whether ``input`` carries a lazy conjugation: never in arraygrad, which materialises
    conjugates.

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


# PyTorch's deprecations of the transposes of a 0-d tensor (which return it as it is, or its
# conjugate) and of ``x.T`` but on matrices, by the name each one warns with.
_DEPRECATED = {
    "tensor.mT": "Tensor.mT is deprecated on 0-D tensors. This function is the identity in these "
    "cases.",
    "tensor.mH": "Tensor.mH is deprecated on 0-D tensors. Consider using x.conj().",
    "tensor.adjoint()": "adjoint() is deprecated on 0-D tensors. Consider using x.conj().",
    "tensor.H": "Tensor.H is deprecated on 0-D tensors. Consider using x.conj().",
    "tensor.T": "Tensor.T is deprecated on 0-D tensors. This function is the identity in these "
    "cases.",
    "x.T": "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is "
    "deprecated and it will throw an error in a future release. Consider `x.mT` to transpose "
    "batches of matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the "
    "dimensions of a tensor.",
}


def _require_matrices(input: Tensor, what: str) -> None:
    # A 0-d tensor is its own adjoint (PyTorch deprecates but allows it); a vector is refused.
    if input.ndim == 1:
        raise RuntimeError(
            f"{what} is only supported on matrices or batches of matrices. Got "
            f"{input.ndim}-D tensor. Fix: reshape to at least 2 dimensions (e.g. x.unsqueeze(0))."
        )
    if input.ndim == 0:
        warn_deprecated(what, stacklevel=4)


def warn_deprecated(what: str, stacklevel: int = 3) -> None:
    """PyTorch's UserWarning for ``what`` (a key of ``_DEPRECATED``); the default
    ``stacklevel`` names the caller of a Tensor property that calls this."""
    warnings.warn(_DEPRECATED[what], UserWarning, stacklevel=stacklevel)


def adjoint(input: Tensor) -> Tensor:
    """The conjugate transpose of the last two dimensions; for real tensors ``input.mT``.

    ``adjoint(A)[..., i, j] = conj(A[..., j, i])``.

    >>> import arraygrad
    >>> arraygrad.adjoint(arraygrad.tensor([[1, 2], [3, 4]])).tolist()
    [[1, 3], [2, 4]]
    """
    _require_matrices(input, "tensor.adjoint()")
    return _adjoint(input)


def _adjoint(input: Tensor) -> Tensor:
    """:func:`adjoint` of a checked ``input``."""
    return conj(input if input.ndim == 0 else _shape.transpose(input, -2, -1))


def view_as_real(input: Tensor) -> Tensor:
    """A complex tensor as real pairs: shape ``s`` becomes ``s + (2,)``, ``[..., 0]`` the real
    parts and ``[..., 1]`` the imaginary ones (a copy, see the module's note).

    >>> import arraygrad
    >>> arraygrad.view_as_real(arraygrad.tensor([1 + 2j, 3 - 1j]))
    tensor([[ 1.,  2.],
            [ 3., -1.]])
    """
    if not require_tensor("view_as_real", "input", 1, input).dtype.is_complex:
        raise RuntimeError(
            "view_as_real is only supported for complex tensors (got a "
            f"{_dtype.torch_type_name(input.dtype)}). Fix: pass a complex tensor; a real one is "
            "its own real part (torch.stack([x, zeros_like(x)], -1) gives the pairs)."
        )
    return ops.view_as_real(input)


def view_as_complex(input: Tensor) -> Tensor:
    """Real pairs as complex numbers: shape ``s + (2,)`` becomes ``s``. PyTorch's layout rules
    apply: a last dimension of size 2 and stride 1, an even storage offset and even strides.

    >>> import arraygrad
    >>> arraygrad.view_as_complex(arraygrad.tensor([[1.0, 2.0], [3.0, -1.0]]))
    tensor([1.+2.j, 3.-1.j])
    """
    require_tensor("view_as_complex", "input", 1, input)
    if input.dtype not in (_dtype.float32, _dtype.float64):
        raise RuntimeError(
            "view_as_complex is only supported for half, float and double tensors, but got a "
            f"tensor of scalar type: {_dtype.torch_type_name(input.dtype)}"
            + (" (arraygrad has no complex32 for half)" if input.dtype is _dtype.float16 else "")
            + ". Fix: convert it with .float() or .double() first."
        )
    if input.ndim == 0 or input.shape[-1] != 2:
        raise RuntimeError(
            f"Tensor must have a last dimension of size 2 (got shape {list(input.shape)}). Fix: "
            "pass (real, imag) pairs along the last dimension, e.g. stack([re, im], -1)."
        )
    strides = input.stride()
    if strides[-1] != 1:
        raise RuntimeError(
            f"Tensor must have a last dimension with stride 1 (strides {list(strides)}). Fix: "
            "call .contiguous() first."
        )
    if input.storage_offset() % 2:
        raise RuntimeError(
            f"Tensor must have a storage_offset divisible by 2 (offset "
            f"{input.storage_offset()}). Fix: call .clone() first."
        )
    if any(stride % 2 for stride in strides[:-1]):
        raise RuntimeError(
            "Tensor must have a stride divisible by 2 for all but last dimension (strides "
            f"{list(strides)}). Fix: call .contiguous() first."
        )
    return ops.view_as_complex(input)


def _same_float_pair(first: Any, second: Any, what: str) -> None:
    # PyTorch's complex() and polar() take two tensors of one floating dtype, no promotion.
    require_tensor(what, "real" if what == "complex" else "abs", 1, first)
    require_tensor(what, "imag" if what == "complex" else "angle", 2, second)
    names = [_dtype.torch_type_name(t.dtype) for t in (first, second)]
    # (no complex dtype has bfloat16 parts)
    if not all(
        t.dtype.is_floating_point and t.dtype is not _dtype.bfloat16 for t in (first, second)
    ):
        raise RuntimeError(
            f"Expected both inputs to be Half, Float or Double tensors but got {names[0]} and "
            f"{names[1]}. Fix: convert both with .float() or .double()."
        )
    if first.dtype is not second.dtype:
        first_name, second_name = ("real", "imag") if what == "complex" else ("abs", "angle")
        raise RuntimeError(
            f"Expected object of scalar type {names[0]} but got scalar type {names[1]} for "
            f"second argument. Fix: convert the second to the first's dtype, e.g. "
            f"{second_name}.to({first_name}.dtype)."
        )
    if first.dtype is _dtype.float16:
        raise NotImplementedError(
            f"{what} of float16 tensors makes complex32, which arraygrad does not have. Fix: "
            "convert both to float32 first (x.float())."
        )


def complex(real: Tensor, imag: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The complex tensor ``real + i imag`` (broadcasting); both float32 or both float64.

    >>> import arraygrad
    >>> arraygrad.complex(arraygrad.tensor([1.0]), arraygrad.tensor([-2.0]))
    tensor([1.-2.j])
    """
    if out is not None:
        return written_exactly("complex", out, complex, real, imag)
    _same_float_pair(real, imag, "complex")
    _check_broadcast(real, imag)
    return ops.complex_from_parts(real, imag)


def polar(abs: Tensor, angle: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The complex tensor ``abs * (cos(angle) + i sin(angle))``; both float32 or float64.

    >>> import arraygrad
    >>> arraygrad.polar(arraygrad.tensor([2.0]), arraygrad.tensor([0.0]))
    tensor([2.+0.j])
    """
    if out is not None:
        return written_exactly("polar", out, polar, abs, angle)
    _same_float_pair(abs, angle, "polar")
    _check_broadcast(abs, angle)
    return ops.polar(abs, angle)


def _check_broadcast(a: Tensor, b: Tensor) -> None:
    # PyTorch's class and words for parts that do not broadcast (NumPy raises ValueError)
    mismatch = broadcast_mismatch(tuple(a._data.shape), tuple(b._data.shape))
    if mismatch is not None:
        raise RuntimeError(mismatch)


def linalg_eig(A: Tensor, *, out: tuple[Tensor, ...] | None = None) -> Any:  # noqa: N803 - torch's name
    """The eigenvalues and eigenvectors (unit-norm columns) of a general square ``A`` (or a
    batch), always complex, as ``return_types.linalg_eig``; in LAPACK's order and phase, as
    PyTorch gives them. Gradients are PyTorch's; a loss that depends on the eigenvectors' free
    phases raises, as in PyTorch.

    >>> import arraygrad
    >>> arraygrad.linalg.eig(arraygrad.tensor([[2.0, 0.0], [0.0, 3.0]])).eigenvalues
    tensor([2.+0.j, 3.+0.j])
    """
    if out is not None:
        return written_each("linalg_eig", out, linalg_eig, A)
    a = as_tensor(A)
    if a.ndim < 2:
        raise RuntimeError("linalg.eig: The input tensor A must have at least 2 dimensions.")
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(
            f"linalg.eig: A must be batches of square matrices, but they are {a.shape[-2]} by "
            f"{a.shape[-1]} matrices"
        )
    if a.dtype in _dtype.REDUCED_FLOATS:  # torch's kernel has none (NotImplementedError)
        raise NotImplementedError(
            f'"linalg_eig_out_cpu" not implemented for {_dtype.torch_type_name(a.dtype)}. Fix: '
            "convert it first (A.double())."
        )
    if a.dtype.category < _dtype._FLOAT:
        raise RuntimeError(
            f"linalg.eig: Expected a float32, float64, complex64 or complex128 tensor, got "
            f"{_dtype.torch_type_name(a.dtype)}. Fix: convert it first (A.double())."
        )
    n = a.shape[-1]
    packed = ops.complex_ops.eig(a)
    name = "LinalgEigBackward0"  # (torch's one node for both)
    return return_types.linalg_eig(
        labelled(packed[..., n, :], name), labelled(packed[..., :n, :], name)
    )


def linalg_eigvals(A: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: N803 - torch's name
    """The eigenvalues of a general square ``A``, complex; their gradient is
    ``V^-H diag(gL) V^H``.

    >>> import arraygrad
    >>> arraygrad.linalg.eigvals(arraygrad.tensor([[0.0, -1.0], [1.0, 0.0]]))
    tensor([0.+1.j, 0.-1.j])
    """
    if out is not None:
        return written_exactly("linalg_eigvals", out, linalg_eigvals, A)
    return linalg_eig(A).eigenvalues
