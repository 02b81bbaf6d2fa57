"""Products of vectors and tensor contractions, with PyTorch's shape rules and error messages:
``dot``, ``vdot`` (conjugating its first argument), ``inner``, ``outer``, ``tensordot`` (a
contraction over given dims, computed as one matrix product of the permuted operands) and
``cross`` (of 3-vectors along a dim).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from arraygrad import _autocast_flag, _backend, _dtype, _reduced_floats, ops
from arraygrad._arguments import require_tensor
from arraygrad._linalg import check_product_not_bool, matmul
from arraygrad._math import _operands, mul
from arraygrad._out import written, written_exactly
from arraygrad._tensor import Tensor

__all__ = [
    "cross",
    "dot",
    "inner",
    "outer",
    "tensordot",
    "vdot",
]


def dot(input: Tensor, tensor: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The dot product ``sum_i input[i] * tensor[i]`` of two 1-D tensors of equal length and
    one dtype (no promotion: RuntimeError, as torch's); integers stay integers. For complex
    vectors nothing is conjugated (see :func:`vdot`). The gradient of ``input`` is ``tensor``.

    >>> import arraygrad
    >>> x = arraygrad.tensor([1.0, 2.0], requires_grad=True)
    >>> arraygrad.dot(x, arraygrad.tensor([3.0, 4.0])).backward()
    >>> x.grad
    tensor([3., 4.])
    """
    if out is not None:
        return written_exactly("dot", out, dot, input, tensor)
    if _autocast_flag.cpu:  # PyTorch's CPU autocast leaves it in float32
        from arraygrad.amp import _casts

        return _casts.keep(dot, input, tensor)
    if input.ndim != 1 or tensor.ndim != 1:
        raise RuntimeError(
            f"1D tensors expected, but got {input.ndim}D and {tensor.ndim}D tensors. Fix: use "
            "matmul for matrices, or flatten the inputs."
        )
    if input.dtype is not tensor.dtype:
        raise RuntimeError(
            "dot : expected both vectors to have same dtype, but found "
            f"{_dtype.torch_type_name(input.dtype)} and {_dtype.torch_type_name(tensor.dtype)}. "
            "Fix: convert one of them, e.g. b.to(a.dtype)."
        )
    _dtype.check_not_bool("dot", input.dtype)
    return matmul(input, tensor)


def inner(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The sum of products over the last dimensions, ``out[i..., j...] = sum_k input[i..., k]
    other[j..., k]``, of shape ``input.shape[:-1] + other.shape[:-1]``; for two vectors their
    :func:`dot`. The last sizes must match and the dtypes be equal; a 0-d operand multiplies.

    >>> import arraygrad
    >>> arraygrad.inner(arraygrad.tensor([[1.0, 2.0], [3.0, 4.0]]), arraygrad.tensor([1.0, 1.0]))
    tensor([3., 7.])
    >>> arraygrad.inner(arraygrad.ones(2, 3), arraygrad.ones(4, 3)).shape
    arraygrad.Size([2, 4])
    """
    if out is not None:
        return written_exactly("inner", out, inner, input, other)
    if input.ndim == 0 or other.ndim == 0:
        return mul(input, other)
    if input.dtype != other.dtype:  # (PyTorch's matrix product of the two: no promotion)
        raise RuntimeError(
            f"both inputs should have same dtype: inner() of {input.dtype.name} and "
            f"{other.dtype.name} tensors (shapes {list(input.shape)} and {list(other.shape)}). "
            f"Fix: convert one to the other's dtype, e.g. other.to({input.dtype.name})."
        )
    if input.ndim == 1 and other.ndim == 1:
        return dot(input, other)
    from arraygrad._shape import reshape

    a, b = input, other
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(
            f"inner() the last dimension must match on both input tensors but got shapes "
            f"{list(a.shape)} and {list(b.shape)}"
            ". Fix: give both inputs the same last dimension."
        )
    batch_b = tuple(b.shape[:-1])
    # (the rows counted, not -1: with no columns, -1 could stand for any number of rows)
    flat_b = reshape(b, (math.prod(batch_b), b.shape[-1])) if b.ndim > 1 else reshape(b, (1, -1))
    out = matmul(a, ops.matrix_transpose(flat_b))
    return reshape(out, (*a.shape[:-1], *batch_b))


def outer(input: Tensor, vec2: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The outer product ``out[i, j] = input[i] * vec2[j]`` of two 1-D tensors, ``(n,), (m,) ->
    (n, m)``; unlike the matrix products, the dtypes promote (an integer and a float vector
    give a float matrix).

    >>> import arraygrad
    >>> arraygrad.outer(arraygrad.tensor([1.0, 2.0]), arraygrad.tensor([1.0, 10.0, 100.0]))
    tensor([[  1.,  10., 100.],
            [  2.,  20., 200.]])
    """
    if out is not None:
        return written("outer", out, outer, input, vec2)
    for name, v in (("self", input), ("vec2", vec2)):
        if v.ndim != 1:
            raise RuntimeError(
                f"outer: Expected 1-D argument {name}, but got {v.ndim}-D (shape {list(v.shape)})"
                f". Fix: pass 1-D vectors (e.g. {name}.flatten())."
            )
    return mul(ops.reshape(input, shape=(-1, 1)), ops.reshape(vec2, shape=(1, -1)))


def _tensordot_dims(a: Tensor, b: Tensor, dims: Any) -> tuple[list[int], list[int]]:
    if isinstance(dims, Tensor):
        dims = dims.tolist() if dims.ndim else int(_backend.item(dims._data))
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(
                f"tensordot expects dims >= 0, but got dims={dims}. Fix: pass how many trailing "
                "dimensions of a to contract with the leading ones of b."
            )
        if dims > a.ndim or dims > b.ndim:
            raise RuntimeError(
                f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims} for shapes "
                f"{list(a.shape)} and {list(b.shape)}."
                " Fix: pass dims no larger than the smaller rank."
            )
        return list(range(a.ndim - dims, a.ndim)), list(range(dims))
    first, second = dims
    first = [first] if isinstance(first, int) else list(first)
    second = [second] if isinstance(second, int) else list(second)
    if len(first) != len(second):
        raise RuntimeError(
            f"both dimension lists should have same length, got {first} and {second}. Fix: "
            "pair every contracted dimension of a with one of b."
        )
    from arraygrad._dims import normalize_dim

    return [normalize_dim(d, a.ndim) for d in first], [normalize_dim(d, b.ndim) for d in second]


def tensordot(a: Tensor, b: Tensor, dims: Any = 2, out: Tensor | None = None) -> Tensor:
    """Sum of products over the dimensions ``dims``: an int ``k`` contracts the last ``k``
    dimensions of ``a`` with the first ``k`` of ``b``; a pair of lists names them. The result
    has the remaining dimensions of ``a`` then those of ``b``.

    >>> import arraygrad
    >>> arraygrad.tensordot(arraygrad.ones(2, 3), arraygrad.ones(3, 4), dims=1).shape
    arraygrad.Size([2, 4])
    """
    if out is not None:
        return written_exactly("tensordot", out, tensordot, a, b, dims)
    if _autocast_flag.cpu:  # PyTorch's CPU autocast casts the matrix products to its dtype
        from arraygrad.amp import _casts

        return _casts.lower(tensordot, a, b, dims)
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a.dtype != b.dtype:
        raise RuntimeError(
            "both inputs should have same dtype"
            f", got {a.dtype} and {b.dtype}. Fix: convert one first (e.g. "
            "b.to(a.dtype))."
        )  # PyTorch's: no promotion
    a, b = _operands(a, b)
    first, second = _tensordot_dims(a, b, dims)
    for da, db in zip(first, second, strict=True):
        # As PyTorch: a contracted dimension of size 1 on one side broadcasts, by summing the
        # other side over it first (sum_k a[k] * b[0] = (sum_k a[k]) * b[0]).
        if b.shape[db] == 1 and a.shape[da] != 1:
            a = ops.sum(a, axis=(da,), keepdims=True)
        elif a.shape[da] == 1 and b.shape[db] != 1:
            b = ops.sum(b, axis=(db,), keepdims=True)
        elif a.shape[da] != b.shape[db]:
            raise RuntimeError(
                f"contracted dimensions need to match, but first has size {a.shape[da]} in dim "
                f"{da} and second has size {b.shape[db]} in dim {db} (shapes {list(a.shape)} "
                f"and {list(b.shape)})."
                " Fix: pair dimensions of equal size in dims."
            )
    free_a = [d for d in range(a.ndim) if d not in first]
    free_b = [d for d in range(b.ndim) if d not in second]
    size = math.prod(a.shape[d] for d in first)
    rows, cols = math.prod(a.shape[d] for d in free_a), math.prod(b.shape[d] for d in free_b)
    # One matrix product: the free dimensions of a as rows, the contracted ones as columns.
    left = ops.reshape(ops.permute_dims(a, axes=(*free_a, *first)), shape=(rows, size))
    right = ops.reshape(ops.permute_dims(b, axes=(*second, *free_b)), shape=(size, cols))
    if left.dtype is _dtype.bool_:  # PyTorch's tensordot is one mm
        check_product_not_bool("addmm_impl_cpu_", left, right)
    prim = ops.complex_ops.matmul if left.dtype.is_complex else ops.matmul
    if left.dtype is _dtype.bfloat16:
        # as matmul: ml_dtypes' product of bfloat16 is float32, PyTorch's rounds it once
        prim = _reduced_floats.twin(ops.matmul)
    product = prim(left, right)
    return ops.reshape(
        product, shape=(*(a.shape[d] for d in free_a), *(b.shape[d] for d in free_b))
    )


def vdot(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The dot product of two 1-D tensors of one dtype, the first conjugated (for real tensors,
    :func:`dot`).

    >>> import arraygrad
    >>> arraygrad.vdot(arraygrad.tensor([1.0, 2.0]), arraygrad.tensor([3.0, 4.0]))
    tensor(11.)
    """
    if out is not None:
        return written_exactly("vdot", out, vdot, input, other)
    if input.dtype is not other.dtype:
        raise RuntimeError(
            f"dot : expected both vectors to have same dtype, but found {input.dtype.name} and "
            f"{other.dtype.name}. Fix: convert one, e.g. other.to(input.dtype)."
        )
    if input.dtype.is_complex:  # the first vector conjugated
        input = ops.conj(input)
    return dot(input, other)


def cross(
    input: Tensor, other: Tensor, dim: int | None = None, *, out: Tensor | None = None
) -> Tensor:
    """The cross product of 3-vectors along ``dim``; without ``dim``, along the first
    dimension of size 3 (PyTorch's deprecated default, with its warning; ``linalg.cross`` uses
    the last).

    >>> import arraygrad
    >>> e1, e2 = arraygrad.tensor([1.0, 0.0, 0.0]), arraygrad.tensor([0.0, 1.0, 0.0])
    >>> arraygrad.cross(e1, e2, dim=0)
    tensor([0., 0., 1.])
    """
    if out is not None:
        return written_exactly("cross", out, cross, input, other, dim)
    from arraygrad import linalg

    require_tensor("cross", "input", 1, input)
    require_tensor("cross", "other", 2, other)
    if dim is None:
        warnings.warn(
            "Using torch.cross without specifying the dim arg is deprecated. Please either "
            "pass the dim explicitly or simply use torch.linalg.cross.",
            UserWarning,
            stacklevel=2,
        )
        sizes = list(input.shape)
        if 3 not in sizes:
            raise RuntimeError(
                f"no dimension of size 3 in input (shape {sizes}). Fix: pass dim= naming the "
                "dimension that holds the 3-vectors."
            )
        dim = sizes.index(3)
    return linalg.cross(input, other, dim=dim)
