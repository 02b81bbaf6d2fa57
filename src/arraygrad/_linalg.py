"""Matrix products with PyTorch's shape rules and error messages (the products of vectors and
the contractions are in ``_contractions``), and the square-matrix checks the linear algebra
functions share."""

from __future__ import annotations

from typing import Any

from arraygrad import _autocast_flag, _backend, _dtype, _matmul_saving, _reduced_floats, ops
from arraygrad._arguments import require_tensor
from arraygrad._grad_mode import grad_enabled
from arraygrad._math import _operands, as_tensor, complex_unsupported
from arraygrad._out import written_exactly
from arraygrad._primitive import Primitive, labelled, labelled_result
from arraygrad._tensor import Tensor, c_ordered_result

__all__ = [
    "bmm",
    "det",
    "diag",
    "inverse",
    "matmul",
    "mm",
    "mv",
    "trace",
    "tril",
    "triu",
]


class LinAlgError(RuntimeError):
    """The error of a matrix that the operation cannot handle (singular, not positive-definite,
    ...): a RuntimeError, as torch's ``torch.linalg.LinAlgError``, so ``except RuntimeError``
    catches it too. Its message names the failing pivot or minor (and, in a batch, the
    matrix).

    >>> import arraygrad
    >>> try:
    ...     arraygrad.linalg.inv(arraygrad.zeros(2, 2))
    ... except RuntimeError as error:
    ...     print(isinstance(error, arraygrad.linalg.LinAlgError))
    True
    """


def _shape_text(shape: tuple[int, ...]) -> str:
    return "x".join(str(s) for s in shape)


def matmul(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """Matrix product: dot product for 1-D, matrix product for 2-D, batched (broadcasting
    the batch dimensions) beyond; a 1-D operand is treated as a row (left) or column (right).

    >>> import arraygrad
    >>> (arraygrad.ones(2, 3) @ arraygrad.ones(3)).tolist()
    [3.0, 3.0]
    """
    if out is not None:
        return written_exactly("matmul", out, matmul, input, other)
    if _autocast_flag.cpu:  # PyTorch's CPU autocast casts the matrix products to its dtype
        from arraygrad.amp import _casts

        return _casts.lower(matmul, input, other)
    if (
        isinstance(input, Tensor)
        and isinstance(other, Tensor)
        and input._data.dtype != other._data.dtype
    ):
        names = [_dtype.torch_type_name(t.dtype) for t in (input, other)]
        raise RuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: {names[0]} != {names[1]} "
            f"(matmul of shapes {list(input.shape)} and {list(other.shape)}); PyTorch's matrix "
            f"products do not promote. Fix: convert one operand, e.g. other.to({input.dtype})."
        )
    a, b = _operands(input, other)
    # Arrays are taken as tensors, but a Python number is a misuse (torch's TypeError).
    sa = require_tensor("matmul", "input", 1, a)._data.shape
    sb = require_tensor("matmul", "other", 2, b)._data.shape
    if not sa or not sb:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {len(sa)}D and "
            f"{len(sb)}D. Fix: use * for multiplication by a scalar."
        )
    inner_a = sa[-1]
    inner_b = sb[0] if len(sb) == 1 else sb[-2]
    if inner_a != inner_b:
        if len(sa) == 1 and len(sb) == 1:
            message = (
                "inconsistent tensor size, expected tensor [%d] and src [%d] to have the same "
                "number of elements, but got %d and %d elements respectively"
                % (inner_a, inner_b, inner_a, inner_b)
            )
        elif len(sb) == 1:
            message = f"size mismatch, got input ({sa[-2]}), mat ({_shape_text(sa)}), vec ({sb[0]})"
        else:
            left = sa if len(sa) > 1 else (1,) + sa
            message = (
                f"mat1 and mat2 shapes cannot be multiplied ({_shape_text(left[-2:])} and "
                f"{_shape_text(sb[-2:])})"
            )
        raise RuntimeError(
            f"{message}. Fix: the last dimension of the first operand ({inner_a}) must equal the "
            f"{'first' if len(sb) == 1 else 'second-to-last'} dimension of the second "
            f"({inner_b}); transpose one of them (.T or .mT) if that is what you meant."
        )
    dtype = a.dtype
    prim = ops.matmul
    if dtype.category != _dtype._FLOAT:  # one test for floats, the common case
        if dtype is _dtype.bool_:
            check_product_not_bool(_matmul_kernel(len(sa), len(sb)), a, b)
        elif dtype.category == _dtype._COMPLEX:
            prim = ops.complex_ops.matmul
    elif dtype is _dtype.bfloat16:
        # PyTorch's bfloat16 products accumulate in float32 and round once (ml_dtypes' matmul
        # gives the float32 product itself)
        prim = _reduced_floats.twin(ops.matmul)
    if (len(sa) > 2 or len(sb) > 2) and (a._rg or b._rg) and grad_enabled.get():
        # PyTorch saves copies of some operands of batched products (see _matmul_saving)
        a, b = _matmul_saving.saved_operands(a, b)
    if prim is not ops.complex_ops.matmul and (len(sa) == 1 or len(sb) == 1):
        named = _with_vector(prim, a, b, len(sa), len(sb))
        if named is not None:
            return named
    try:
        return prim(a, b)
    except ValueError:
        raise RuntimeError(
            f"matmul: the batch dimensions of shapes {list(sa)} and {list(sb)} do not broadcast"
            ". Fix: make the batch dimensions broadcast (equal or 1), "
            "e.g. with unsqueeze or expand."
        ) from None


def _matmul_kernel(a_dims: int, b_dims: int) -> str:
    """The CPU kernel PyTorch's ``matmul`` of operands with these numbers of dimensions calls
    (the name its error for a dtype with no kernel gives)."""
    if b_dims == 1:
        return "dot" if a_dims == 1 else "addmv_impl_cpu"
    return "addmm_impl_cpu_" if b_dims == 2 else "bmm"


def check_product_not_bool(kernel: str, a: Tensor, b: Tensor) -> None:
    """PyTorch's NotImplementedError for a matrix product of bool tensors (NumPy computes one,
    with ``or`` for the sums). As there, a product with an empty operand computes no sums and is
    allowed (its result is all False), except ``dot``, which refuses bool at once."""
    if kernel == "dot" or (a.numel() and b.numel()):
        raise NotImplementedError(
            f"\"{kernel}\" not implemented for 'Bool': a matrix product of bool tensors "
            f"(shapes {list(a.shape)} and {list(b.shape)}). Fix: convert both operands to a "
            "number dtype first, e.g. a.float() @ b.float() (.long() counts exactly)."
        )


def _with_vector(prim: Primitive, a: Tensor, b: Tensor, a_dims: int, b_dims: int) -> Tensor | None:
    """A product of a vector with a vector or a matrix, recorded as PyTorch records it (or
    ``None`` for a vector with a batch of matrices, one ``MmBackward0`` node here).

    ``vector @ matrix`` is the product of the vector made a one-row matrix, squeezed back (a
    tensor of its own, not a view): its ``grad_fn`` is ``SqueezeBackward4`` over
    ``MmBackward0``. Which nodes a backward pass frees follows from that: a pass that stops at
    this result (``backward(inputs=[result])``) frees the squeeze, which saves nothing, and
    leaves the product's saved operands for a later pass, as in PyTorch. Two nodes more cost
    about 4 µs, so operands that record nothing take the one product. ``matrix @ vector``
    and ``vector @ vector`` are one node, named ``MvBackward0`` and ``DotBackward0`` as
    there."""
    if a_dims == 1 and b_dims == 2:
        if not (a._rg or b._rg):  # no nodes to shape: the one product, as fast as before
            return None
        row = labelled(ops.reshape(a, shape=(1, a.shape[0])), "UnsqueezeBackward0")
        return ops.row_to_vector(prim(row, b))
    if a_dims == 2 and b_dims == 1:
        return labelled(prim(a, b), "MvBackward0")
    if a_dims == 1 and b_dims == 1:
        return labelled(prim(a, b), "DotBackward0")
    return None


def _require(name: str, what: str, tensor: Tensor, ndim: int) -> None:
    if tensor.ndim != ndim:
        raise RuntimeError(
            f"{what} must be a {'matrix' if ndim == 2 else f'{ndim}D tensor'}: {name}() got a "
            f"{tensor.ndim}D tensor of shape {list(tensor.shape)}."
            " Fix: reshape the operand (e.g. unsqueeze or flatten) or use"
            " matmul, which broadcasts."
        )


def mm(input: Tensor, mat2: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The matrix product ``(n, k) @ (k, m) -> (n, m)``, ``out[i, j] = sum_l input[i, l]
    mat2[l, j]``: both 2-D (no broadcasting: see :func:`matmul`) and of one dtype (no
    promotion, RuntimeError otherwise, as torch's).

    >>> import arraygrad
    >>> arraygrad.mm(arraygrad.tensor([[1.0, 2.0], [3.0, 4.0]]), arraygrad.tensor([[1.0], [1.0]]))
    tensor([[3.],
            [7.]])
    """
    if out is not None:
        return written_exactly("mm", out, mm, input, mat2)
    _require("mm", "self", input, 2)
    _require("mm", "mat2", mat2, 2)
    return matmul(input, mat2)


@labelled_result("BmmBackward0")
def bmm(input: Tensor, mat2: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The batched matrix product ``(b, n, k) @ (b, k, m) -> (b, n, m)``, ``out[i] = input[i] @
    mat2[i]``: both 3-D with equal batch sizes (no broadcasting: see :func:`matmul`) and of one
    dtype.

    >>> import arraygrad
    >>> arraygrad.bmm(arraygrad.ones(2, 3, 4), arraygrad.ones(2, 4, 5)).shape
    arraygrad.Size([2, 3, 5])
    """
    if out is not None:
        return written_exactly("bmm", out, bmm, input, mat2)
    _require("bmm", "batch1", input, 3)
    _require("bmm", "batch2", mat2, 3)
    b, _, k = input.shape
    if tuple(mat2.shape[:2]) != (b, k):
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{b}, {k}] but "
            f"got: {list(mat2.shape[:2])}. Fix: batch1 is {list(input.shape)}, so batch2 must "
            f"be [{b}, {k}, m]."
        )
    return matmul(input, mat2)


def mv(input: Tensor, vec: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The matrix-vector product ``(n, k) @ (k,) -> (n,)``, ``out[i] = sum_j input[i, j]
    vec[j]``; a matrix and a vector of one dtype (no broadcasting).

    >>> import arraygrad
    >>> arraygrad.mv(arraygrad.tensor([[1.0, 2.0], [3.0, 4.0]]), arraygrad.tensor([1.0, 1.0]))
    tensor([3., 7.])
    """
    if out is not None:
        return written_exactly("mv", out, mv, input, vec)
    if _autocast_flag.cpu:  # PyTorch's CPU autocast leaves it in float32
        from arraygrad.amp import _casts

        return _casts.keep(mv, input, vec)
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(
            f"vector + matrix @ vector expected, got 1, {input.ndim}, {vec.ndim}: mv() takes a "
            f"matrix and a vector, got shapes {list(input.shape)} and {list(vec.shape)}."
            " Fix: use matmul for other shapes."
        )
    return matmul(input, vec)


@labelled_result("TraceBackward0")
def trace(input: Tensor) -> Tensor:
    """The sum of the main diagonal ``sum_i input[i, i]`` of a 2-D tensor (not necessarily
    square). Integer inputs are summed in int64, as torch's; bool raises NotImplementedError.

    >>> import arraygrad
    >>> arraygrad.trace(arraygrad.tensor([[1, 2, 3], [4, 5, 6]]))
    tensor(6)
    """
    _dtype.check_not_bool("trace", input.dtype)
    if input.ndim != 2:
        raise RuntimeError(
            f"trace: expected a matrix, but got tensor with dim {input.ndim} (shape "
            f"{list(input.shape)})"
            ". Fix: pass a 2-D tensor; for batches use diagonal(dim1=-2, "
            "dim2=-1).sum(-1)."
        )
    if input.dtype.category < _dtype._FLOAT:
        input = ops.astype(input, _dtype.int64)
    diagonal = ops.getitem(input, key=_backend.diagonal_indices(input.shape[0], input.shape[1], 0))
    return ops.sum(diagonal, axis=None, keepdims=False)


def diag(input: Tensor, diagonal: int = 0, *, out: Tensor | None = None) -> Tensor:
    """A vector's square diagonal matrix, or a matrix's ``diagonal``-th diagonal as a vector.

    >>> import arraygrad
    >>> arraygrad.diag(arraygrad.tensor([1, 2])).tolist()
    [[1, 0], [0, 2]]
    """
    if out is not None:
        return written_exactly("diag", out, diag, input, diagonal)
    if input.ndim == 1:
        n = input.shape[0] + abs(diagonal)
        key = _backend.diagonal_indices(n, n, diagonal)
        return ops.index_add_zeros(input, shape=(n, n), key=key)
    if input.ndim == 2:
        key = _backend.diagonal_indices(input.shape[0], input.shape[1], diagonal)
        return ops.getitem(input, key=key)
    raise RuntimeError(
        f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D"
        f" (shape {list(input.shape)}). Fix: pass a vector or a "
        "matrix; use diagonal() or diag_embed() for batches."
    )


def _triangle(name: str, input: Tensor, diagonal: int, lower: bool) -> Tensor:
    if input.ndim < 2:
        raise RuntimeError(
            f"{name}: input tensor must have at least 2 dimensions, got shape {list(input.shape)}"
            ". Fix: pass a matrix or a batch of matrices, shape (*, m, "
            "n)."
        )
    rows, cols = input.shape[-2:]
    zero = _backend.xp.zeros((), dtype=input._data.dtype)
    return ops.where(_backend.triangle_mask(rows, cols, diagonal, lower), input, zero)


@labelled_result("TrilBackward0")
@c_ordered_result
def tril(input: Tensor, diagonal: int = 0, *, out: Tensor | None = None) -> Tensor:
    """The lower triangle (``col - row <= diagonal``) of each matrix of a ``(*, m, n)`` tensor;
    the rest 0. ``diagonal`` > 0 keeps diagonals above the main one, < 0 drops some below. The
    gradient is the same triangle of the incoming gradient.

    >>> import arraygrad
    >>> arraygrad.tril(arraygrad.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]]))
    tensor([[1, 0, 0],
            [4, 5, 0],
            [7, 8, 9]])
    """
    if out is not None:
        return written_exactly("tril", out, tril, input, diagonal)
    return _triangle("tril", input, diagonal, lower=True)


@labelled_result("TriuBackward0")
@c_ordered_result
def triu(input: Tensor, diagonal: int = 0, *, out: Tensor | None = None) -> Tensor:
    """The upper triangle (``col - row >= diagonal``) of each matrix of a ``(*, m, n)`` tensor;
    the rest 0. ``diagonal`` > 0 drops diagonals above the main one, < 0 keeps some below. The
    gradient is the same triangle of the incoming gradient.

    >>> import arraygrad
    >>> arraygrad.triu(arraygrad.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]]), diagonal=1)
    tensor([[0, 2, 3],
            [0, 0, 6],
            [0, 0, 0]])
    """
    if out is not None:
        return written_exactly("triu", out, triu, input, diagonal)
    return _triangle("triu", input, diagonal, lower=False)


def _square(name: str, a: Tensor, complex_ok: bool = False, empty_ok: bool = False) -> Tensor:
    """``a`` checked to be a (batch of) square floating matrices; complex ones too where the
    caller has complex rules (``complex_ok``), arraygrad's refusal elsewhere; any dtype with
    ``empty_ok`` where ``a`` is empty (PyTorch's functions that check none before their kernel,
    which no empty input reaches)."""
    return _inexact(name, _square_shape(name, a), complex_ok, empty_ok)


def _inexact(name: str, a: Tensor, complex_ok: bool, empty_ok: bool = False) -> Tensor:
    """``a`` checked to be floating (or complex, with ``complex_ok``; arraygrad's refusal of
    complex matrices elsewhere); any dtype with ``empty_ok`` where ``a`` is empty."""
    if a.dtype.is_complex:
        if complex_ok:
            return a
        raise complex_unsupported(name)
    if not a.dtype.is_floating_point and not (empty_ok and a.numel() == 0):
        raise RuntimeError(
            f"{name}: Expected a floating point or complex tensor as input. Got {a.dtype.name}. "
            "Fix: convert it first, e.g. A.double()."
        )
    return a


def _square_shape(name: str, a: Tensor) -> Tensor:
    """``a`` checked to be a (batch of) square matrices, whatever its dtype: torch checks the
    shapes before its kernels refuse a dtype (``_kernel_supports``)."""
    a = as_tensor(a)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        shape = list(a.shape)
        detail = (
            f"but they are {shape[-2]} by {shape[-1]} matrices"
            if a.ndim >= 2
            else f"but got a {a.ndim}D tensor"
        )
        raise RuntimeError(
            f"{name}: A must be batches of square matrices, {detail}"
            ". Fix: pass square matrices, shape (*, n, n)."
        )
    return a


# The kernels PyTorch does not dispatch on an empty input (no matrix, or a batch of none): it
# returns the empty results in the input's dtype, whatever it is.
_EMPTY_SKIPPING = frozenset({"cholesky_cpu", "linalg_eigh_cpu", "linalg_svd_cpu", "lu_cpu"})


def _kernel_supports(kernel: str, a: Tensor, *, integers: bool = False) -> None:
    """PyTorch's CPU kernels have no float16 or bfloat16 (with ``integers``: no integer)
    version and raise NotImplementedError naming the kernel; so does arraygrad, before the
    array library's own TypeError (or its computing in float32), and after the checks of the
    operands' shapes, which torch makes first (a wrong shape is a RuntimeError). Some kernels
    are not reached by empty inputs (:data:`_EMPTY_SKIPPING`): those pass."""
    inexact = a.dtype.is_floating_point or a.dtype.is_complex
    if kernel in _EMPTY_SKIPPING and a.numel() == 0:
        return
    if a.dtype in _dtype.REDUCED_FLOATS or (integers and not inexact):
        raise NotImplementedError(
            f'"{kernel}" not implemented for {a.dtype.name} (input of shape {list(a.shape)}). '
            "Fix: convert the input to float32 or float64 first, e.g. A.double()."
        )


def _low_precision(name: str, a: Tensor) -> None:
    """The RuntimeError of torch's functions that refuse float16 and bfloat16 outright."""
    if a.dtype in _dtype.REDUCED_FLOATS:
        raise RuntimeError(
            f"{name}: Low precision dtypes not supported. Got "
            f"{_dtype.torch_type_name(a.dtype)}. Fix: convert A to float32 "
            "or float64 first, e.g. A.double()."
        )


def inverse(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The inverse ``A^-1`` of each matrix of a ``(*, n, n)`` tensor (``torch.inverse``, as
    :func:`arraygrad.linalg.inv`). A singular matrix raises :class:`LinAlgError`; integer,
    float16 and bfloat16 inputs raise RuntimeError. The gradient is ``-A^-T g A^-T``.

    >>> import arraygrad
    >>> arraygrad.inverse(arraygrad.tensor([[2.0, 0.0], [0.0, 4.0]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.2500]])
    """
    if out is not None:
        return written_exactly("inverse", out, inverse, input)
    a = _square("linalg.inv", input, complex_ok=True)
    _low_precision("linalg.inv", a)
    try:
        return (ops.complex_ops.inv if a.dtype.is_complex else ops.inv)(a)
    except ValueError:  # NumPy's LinAlgError: torch's names the batch element and the pivot
        from arraygrad._linalg_extra import raise_singular  # (which imports this module)

        raise_singular(
            "linalg.inv",
            a,
            solving=False,
            fix="check the matrix is full rank, or use arraygrad.linalg.solve / a "
            "pseudo-inverse for least squares",
        )


def det(input: Tensor) -> Tensor:
    """The determinant of each matrix of a ``(*, n, n)`` float or complex tensor (from its LU
    factorisation). The gradient is ``g adj(A)^T``, computed from the adjugate so that it stays
    accurate near singular matrices; where ``det(A)`` is exactly 0 it is 0, as torch's (except
    for 1x1 matrices, whose adjugate is 1).

    >>> import arraygrad
    >>> a = arraygrad.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> arraygrad.det(a).backward()
    >>> a.grad
    tensor([[ 4., -3.],
            [-2.,  1.]])
    """
    a = _square("linalg.det", input, complex_ok=True)
    _kernel_supports("lu_cpu", a)
    return (ops.complex_ops.det if a.dtype.is_complex else ops.det)(a)


def linalg_det(A: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: N803 - torch's name
    """:func:`det` as :func:`arraygrad.linalg.det`, which (unlike ``torch.det``) takes ``out``,
    of the result's dtype.

    >>> import arraygrad
    >>> out = arraygrad.empty(0)
    >>> arraygrad.linalg.det(arraygrad.tensor([[1.0, 2.0], [3.0, 4.0]]), out=out) is out
    True
    """
    if out is not None:
        return written_exactly("linalg_det", out, det, A)
    return det(A)
