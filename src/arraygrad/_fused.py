"""PyTorch's fused "input plus a scaled product" functions.

``addcmul`` and ``addcdiv`` are the element-wise forms, ``input + value * t1 * t2`` and
``input + value * t1 / t2``, that hand-written optimizers use; ``addmm``, ``addmv``, ``addr``,
``baddbmm`` and ``addbmm`` are the matrix forms ``beta * input + alpha * (product)``. All are
compositions of existing ops, so their gradients need no rule of their own.

PyTorch's conventions, kept here: the scalars are converted to the result's dtype (truncated
toward 0 for integer tensors), ``beta=0`` ignores ``input`` entirely (nan and inf in it do not
reach the result, its gradient is 0), and the matrix forms take operands of one dtype only,
except ``addr``, which promotes.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from arraygrad import _autocast_flag, _backend, _dtype, _reduced_floats, ops
from arraygrad._arguments import require_tensor
from arraygrad._comparison import logical_and, logical_or
from arraygrad._contractions import outer
from arraygrad._deprecated_overloads import beta_first, value_first
from arraygrad._division import div
from arraygrad._elementwise_operands import _scalar
from arraygrad._linalg import bmm, mm, mv
from arraygrad._math import add, astype, mul, where
from arraygrad._out import written, written_exactly
from arraygrad._tensor import Tensor, describe
from arraygrad._unary import not_implemented

__all__ = ["addbmm", "addcdiv", "addcmul", "addmm", "addmv", "addr", "baddbmm"]


def _promoted(*tensors: Tensor) -> list[Tensor]:
    target = _dtype.result_type(*tensors)
    return [astype(t, target) for t in tensors]


def _scalar_as(op: str, name: str, value: Any, dtype: _dtype.dtype) -> Any:
    """``value`` converted to ``dtype`` as PyTorch converts a Scalar argument."""
    value = _scalar(value.item() if isinstance(value, Tensor) else value)
    if dtype is _dtype.bool_:
        return bool(value)
    if dtype.is_complex:  # a complex scale stays one; a real one stays real (no promotion)
        return value if isinstance(value, complex) else float(value)
    if not dtype.is_floating_point:
        # C++'s conversion, checked as PyTorch's: 0.5 -> 0, -1.5 -> -1, 300 refused for int8
        return int(_dtype.checked_scalar(value, dtype))
    try:
        value = float(value)
    except TypeError:
        if value.__class__ is not complex:
            raise
        value = float(_dtype.checked_scalar(value, dtype))  # PyTorch's error: the imaginary part
    # (no floating dtype overflows below float16's largest: float_info is not read there)
    if abs(value) > 65504.0 and math.isfinite(value) and abs(value) > _float_max(dtype):
        # (addcmul and addcdiv of float16 and bfloat16 take the value as a float)
        in_float = op in ("addcmul", "addcdiv") and dtype in _dtype.REDUCED_FLOATS
        c_type = "float" if in_float else _dtype.overflow_type_name(dtype)
        raise RuntimeError(
            f"value cannot be converted to type {c_type} without overflow: {op}() got "
            f"{name}={value!r} for {dtype.name} tensors. Fix: use a smaller value, or convert the "
            "tensors to float64 (x.double())."
        )
    return value


def _float_max(dtype: _dtype.dtype) -> float:
    return float(_backend.float_info(dtype.name)["max"])


def _inexact(x: Tensor) -> bool:
    return x.dtype.is_floating_point or x.dtype.is_complex


def _times(x: Tensor, scale: Any) -> Tensor:
    return x if scale == 1 else mul(x, scale)


def _ignored(x: Tensor) -> Tensor:
    # 0 in x's shape whatever x holds (nan and inf included), still connected to x with a zero
    # gradient: PyTorch's beta=0 multiplies the gradient by 0 rather than dropping the input.
    return where(False, x, 0)


def addcmul(
    input: Tensor,
    tensor1: Tensor,
    tensor2: Tensor,
    *legacy: Tensor,
    value: Any = 1,
    out: Tensor | None = None,
) -> Tensor:
    """``input + value * tensor1 * tensor2``, broadcasting the three tensors. PyTorch's
    deprecated ``addcmul(input, value, tensor1, tensor2)`` is taken too, with its warning.

    >>> import arraygrad
    >>> x = arraygrad.tensor([1.0, 2.0])
    >>> arraygrad.addcmul(x, x, arraygrad.tensor([3.0, 4.0]), value=0.5)
    tensor([2.5000, 6.0000])
    """
    if legacy:
        tensor1, tensor2, value = value_first(
            "addcmul", tensor1, tensor2, legacy, value, method=False
        )
    if out is not None:
        return written("addcmul", out, addcmul, input, tensor1, tensor2, value=value)
    require_tensor("addcmul", "input", 1, input)
    require_tensor("addcmul", "tensor1", 2, tensor1)
    require_tensor("addcmul", "tensor2", 3, tensor2)
    input, tensor1, tensor2 = _promoted(input, tensor1, tensor2)
    if input.dtype is _dtype.bool_:
        raise not_implemented(
            "addcmul_cpu_out",
            input,
            "convert the tensors to numbers first (x.long() or x.float()).",
        )
    value = _scalar_as("addcmul", "value", value, input.dtype)
    if _reduced_floats.is_reduced(input):  # PyTorch's one kernel: in float32, rounded once
        return _reduced_floats.in_float32(  # type: ignore[no-any-return]
            functools.partial(addcmul, value=value), input, tensor1, tensor2
        )
    return add(input, mul(_times(tensor1, value), tensor2))


def addcdiv(
    input: Tensor,
    tensor1: Tensor,
    tensor2: Tensor,
    *legacy: Tensor,
    value: Any = 1,
    out: Tensor | None = None,
) -> Tensor:
    """``input + value * tensor1 / tensor2``, broadcasting the three tensors. PyTorch's
    deprecated ``addcdiv(input, value, tensor1, tensor2)`` is taken too, with its warning.

    As in PyTorch, ``tensor1`` and ``tensor2`` may not both be integer (or bool) tensors.

    >>> import arraygrad
    >>> x = arraygrad.tensor([1.0, 2.0])
    >>> arraygrad.addcdiv(x, x, arraygrad.tensor([4.0, 8.0]), value=2)
    tensor([1.5000, 2.5000])
    """
    if legacy:
        tensor1, tensor2, value = value_first(
            "addcdiv", tensor1, tensor2, legacy, value, method=False
        )
    if out is not None:
        return written("addcdiv", out, addcdiv, input, tensor1, tensor2, value=value)
    require_tensor("addcdiv", "input", 1, input)
    require_tensor("addcdiv", "tensor1", 2, tensor1)
    require_tensor("addcdiv", "tensor2", 3, tensor2)
    if not _inexact(tensor1) and not _inexact(tensor2):
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported: tensor1 "
            f"({describe(tensor1)}) and tensor2 ({describe(tensor2)}) are both integer. Fix: "
            "convert one of them to floating point (tensor1.float()) for a true division, or "
            "compute (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for the "
            "historic integer behaviour."
        )
    input, tensor1, tensor2 = _promoted(input, tensor1, tensor2)
    value = _scalar_as("addcdiv", "value", value, input.dtype)
    if _reduced_floats.is_reduced(input):  # PyTorch's one kernel: in float32, rounded once
        return _reduced_floats.in_float32(  # type: ignore[no-any-return]
            functools.partial(addcdiv, value=value), input, tensor1, tensor2
        )
    return add(input, div(_times(tensor1, value), tensor2))


# --- the matrix forms ----------------------------------------------------------------------------


def _require_ndim(op: str, name: str, x: Tensor, ndim: int, error: type[Exception]) -> None:
    if x.ndim != ndim:
        what = "a matrix" if ndim == 2 else f"a {ndim}-D tensor"
        raise error(
            f"{op}: {name} must be {what}, got {x.ndim}-D tensor of shape {list(x.shape)}. Fix: "
            f"reshape it to {ndim} dimensions (unsqueeze, or the batched/unbatched variant)."
        )


def _same_dtype(op: str, kernel: str, **tensors: Tensor) -> None:
    first, *others = tensors.values()
    native = first._data.dtype
    if any(t._data.dtype != native for t in others):
        dtypes = {name: t.dtype for name, t in tensors.items()}
        listed = ", ".join(f"{name} {dtype.name}" for name, dtype in dtypes.items())
        raise RuntimeError(
            f"{op}: the tensors must have the same dtype, but got {listed}. Fix: convert them "
            "to one dtype first (e.g. .float() or .double() on each); unlike arithmetic, "
            f"{op} does not promote."
        )
    if first.dtype is _dtype.bool_:
        raise not_implemented(kernel, first, "convert the tensors to numbers (x.long()).")


def _check_expands(op: str, input: Tensor, shape: tuple[int, ...]) -> None:
    """PyTorch's rule: ``input`` must expand (broadcast one way) to the product's shape."""
    own = tuple(input.shape)
    if len(own) > len(shape):
        raise RuntimeError(
            f"{op}: input of shape {list(own)} cannot be expanded to the product's shape "
            f"{list(shape)}: it has more dimensions ({len(own)} > {len(shape)}). Fix: pass an "
            f"input of shape {list(shape)} or one that broadcasts to it."
        )
    for dim, (size, target) in enumerate(zip(own, shape[len(shape) - len(own) :], strict=True)):
        if size != target and size != 1:
            raise RuntimeError(
                f"{op}: The expanded size of the tensor ({target}) must match the existing size "
                f"({size}) at non-singleton dimension {dim + len(shape) - len(own)}.  Target "
                f"sizes: {list(shape)}.  Tensor sizes: {list(own)}. Fix: pass an input of shape "
                f"{list(shape)} or one that broadcasts to it."
            )


def _combine(
    op: str, input: Tensor, product: Tensor, beta: Any, alpha: Any, *, zero_alpha_ignores: bool
) -> Tensor:
    """``beta * input + alpha * product`` with PyTorch's treatment of zero scalars."""
    _check_expands(op, input, tuple(product._data.shape))
    if (
        beta.__class__ is int
        and alpha.__class__ is int
        and beta == alpha == 1
        and product._data.dtype != _backend.xp.bool
    ):
        # the defaults (nn.Linear's addmm): nothing to scale, for every dtype but bool's "or"
        return add(input, product)
    beta = _scalar_as(op, "beta", beta, product.dtype)
    alpha = _scalar_as(op, "alpha", alpha, product.dtype)
    if product.dtype is _dtype.bool_:  # addr of bool tensors: "and" for *, "or" for +
        scaled = logical_and(product, alpha)
        return logical_or(scaled, input) if beta else scaled
    # Where PyTorch's kernel (BLAS) skips the product when alpha is 0, nan in it is ignored too.
    scaled = _ignored(product) if alpha == 0 and zero_alpha_ignores else _times(product, alpha)
    if beta == 0:
        return add(scaled, _ignored(input))
    return add(_times(input, beta), scaled)


def addmm(
    input: Tensor,
    mat1: Tensor,
    mat2: Tensor,
    *legacy: Tensor,
    beta: Any = 1,
    alpha: Any = 1,
    out: Tensor | None = None,
) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)`` for matrices ``(n, k) @ (k, m)``; ``input``
    broadcasts to ``(n, m)``. This is ``nn.Linear``'s ``bias + x @ weight.T``.

    >>> import arraygrad
    >>> arraygrad.addmm(arraygrad.ones(2), arraygrad.ones(1, 3), arraygrad.ones(3, 2), beta=0.5)
    tensor([[3.5000, 3.5000]])
    """
    if legacy:  # PyTorch's deprecated (addmm(beta, input, [alpha,] mat1, mat2))
        input, mat1, mat2, beta, alpha = beta_first(
            "addmm", (input, mat1, mat2, *legacy), beta, alpha, method=False
        )
    if out is not None:
        return written_exactly("addmm", out, addmm, input, mat1, mat2, beta=beta, alpha=alpha)
    if _autocast_flag.cpu:  # PyTorch's CPU autocast casts the matrix products to its dtype
        from arraygrad.amp import _casts

        return _casts.lower(addmm, input, mat1, mat2, beta=beta, alpha=alpha)
    require_tensor("addmm", "input", 1, input)
    _require_ndim("addmm", "mat1", mat1, 2, RuntimeError)
    _require_ndim("addmm", "mat2", mat2, 2, RuntimeError)
    _same_dtype("addmm", "addmm_impl_cpu_", input=input, mat1=mat1, mat2=mat2)
    if _reduced_floats.is_reduced(input):  # PyTorch's one kernel: in float32, rounded once
        return _reduced_floats.in_float32(  # type: ignore[no-any-return]
            functools.partial(addmm, beta=beta, alpha=alpha), input, mat1, mat2
        )
    return _combine("addmm", input, mm(mat1, mat2), beta, alpha, zero_alpha_ignores=True)


def addmv(
    input: Tensor,
    mat: Tensor,
    vec: Tensor,
    *legacy: Tensor,
    beta: Any = 1,
    alpha: Any = 1,
    out: Tensor | None = None,
) -> Tensor:
    """``beta * input + alpha * (mat @ vec)`` for a matrix ``(n, m)`` and a vector ``(m,)``.

    >>> import arraygrad
    >>> arraygrad.addmv(arraygrad.ones(2), arraygrad.ones(2, 3), arraygrad.ones(3), alpha=2)
    tensor([7., 7.])
    """
    if legacy:  # PyTorch's deprecated (addmv(beta, input, [alpha,] mat, vec))
        input, mat, vec, beta, alpha = beta_first(
            "addmv", (input, mat, vec, *legacy), beta, alpha, method=False
        )
    if out is not None:
        return written_exactly("addmv", out, addmv, input, mat, vec, beta=beta, alpha=alpha)
    require_tensor("addmv", "input", 1, input)
    if mat.ndim != 2 or vec.ndim != 1 or input.ndim > 1:
        raise RuntimeError(
            f"vector + matrix @ vector expected, got {input.ndim}, {mat.ndim}, {vec.ndim}: "
            f"addmv() got input {list(input.shape)}, mat {list(mat.shape)}, vec "
            f"{list(vec.shape)}. Fix: pass a vector, a matrix and a vector."
        )
    _same_dtype("addmv", "addmv_impl_cpu", input=input, mat=mat, vec=vec)
    if _reduced_floats.is_reduced(input):  # PyTorch's one kernel: in float32, rounded once
        return _reduced_floats.in_float32(  # type: ignore[no-any-return]
            functools.partial(addmv, beta=beta, alpha=alpha), input, mat, vec
        )
    if input.ndim == 1 and input.shape[0] not in (1, mat.shape[0]):
        raise RuntimeError(
            f"size mismatch, got input ({input.shape[0]}), mat ({mat.shape[0]}x{mat.shape[1]}), "
            f"vec ({vec.shape[0]}). Fix: input needs {mat.shape[0]} elements (one per row of "
            "mat), or 1."
        )
    return _combine("addmv", input, mv(mat, vec), beta, alpha, zero_alpha_ignores=True)


def addr(
    input: Tensor,
    vec1: Tensor,
    vec2: Tensor,
    *legacy: Tensor,
    beta: Any = 1,
    alpha: Any = 1,
    out: Tensor | None = None,
) -> Tensor:
    """``beta * input + alpha * outer(vec1, vec2)``; the operands' dtypes are promoted.

    For bool tensors, ``*`` is "and" and ``+`` is "or", as in PyTorch.

    >>> import arraygrad
    >>> arraygrad.addr(arraygrad.zeros(2, 2), arraygrad.tensor([1.0, 2.0]),
    ...                arraygrad.tensor([3.0, 4.0]))
    tensor([[3., 4.],
            [6., 8.]])
    """
    if legacy:  # PyTorch's deprecated (addr(beta, input, [alpha,] vec1, vec2))
        input, vec1, vec2, beta, alpha = beta_first(
            "addr", (input, vec1, vec2, *legacy), beta, alpha, method=False
        )
    if out is not None:
        return written("addr", out, addr, input, vec1, vec2, beta=beta, alpha=alpha)
    require_tensor("addr", "input", 1, input)
    for name, vec in (("vec1", vec1), ("vec2", vec2)):
        if require_tensor("addr", name, 2 if name == "vec1" else 3, vec).ndim != 1:
            raise RuntimeError(
                f"addr: Expected 1-D argument {name}, but got {vec.ndim}-D (shape "
                f"{list(vec.shape)}). Fix: flatten it, or use addmm for matrices."
            )
    input, vec1, vec2 = _promoted(input, vec1, vec2)
    dtype = input.dtype
    for name, scale in (("beta", beta), ("alpha", alpha)):
        if isinstance(scale, bool) and dtype is not _dtype.bool_:
            raise RuntimeError(
                f"Boolean {name} only supported for Boolean results: addr of {dtype.name} "
                f"tensors got {name}={scale}. Fix: pass {name}={int(scale)}."
            )
        if isinstance(scale, float) and not (dtype.is_floating_point or dtype.is_complex):
            raise RuntimeError(
                f"For integral input tensors, argument {name} must not be a floating point "
                f"number: addr of {dtype.name} tensors got {name}={scale}. Fix: pass an integer, "
                "or convert the tensors to floating point first."
            )
    if dtype is _dtype.bool_:  # the Array API multiplies numbers only: "and" is bool's product
        column, row = ops.reshape(vec1, shape=(-1, 1)), ops.reshape(vec2, shape=(1, -1))
        product = logical_and(column, row)
    else:
        product = outer(vec1, vec2)
    return _combine("addr", input, product, beta, alpha, zero_alpha_ignores=False)


def baddbmm(
    input: Tensor,
    batch1: Tensor,
    batch2: Tensor,
    *legacy: Tensor,
    beta: Any = 1,
    alpha: Any = 1,
    out: Tensor | None = None,
) -> Tensor:
    """``beta * input + alpha * (batch1 @ batch2)`` for batches ``(b, n, k) @ (b, k, m)``;
    ``input`` broadcasts to ``(b, n, m)``.

    >>> import arraygrad
    >>> arraygrad.baddbmm(arraygrad.ones(1), arraygrad.ones(2, 1, 3), arraygrad.ones(2, 3, 1),
    ...                   alpha=2).flatten()
    tensor([7., 7.])
    """
    if legacy:  # PyTorch's deprecated (baddbmm(beta, input, [alpha,] batch1, batch2))
        input, batch1, batch2, beta, alpha = beta_first(
            "baddbmm", (input, batch1, batch2, *legacy), beta, alpha, method=False
        )
    if out is not None:
        return written_exactly(
            "baddbmm", out, baddbmm, input, batch1, batch2, beta=beta, alpha=alpha
        )
    if _autocast_flag.cpu:  # PyTorch's CPU autocast casts the matrix products to its dtype
        from arraygrad.amp import _casts

        return _casts.lower(baddbmm, input, batch1, batch2, beta=beta, alpha=alpha)
    require_tensor("baddbmm", "input", 1, input)
    _require_ndim("baddbmm", "batch1", batch1, 3, RuntimeError)
    _require_ndim("baddbmm", "batch2", batch2, 3, IndexError)  # PyTorch's class for batch2
    _same_dtype("baddbmm", "baddbmm", input=input, batch1=batch1, batch2=batch2)
    if _reduced_floats.is_reduced(input):  # PyTorch's one kernel: in float32, rounded once
        return _reduced_floats.in_float32(  # type: ignore[no-any-return]
            functools.partial(baddbmm, beta=beta, alpha=alpha), input, batch1, batch2
        )
    return _combine("baddbmm", input, bmm(batch1, batch2), beta, alpha, zero_alpha_ignores=False)


def addbmm(
    input: Tensor,
    batch1: Tensor,
    batch2: Tensor,
    *legacy: Tensor,
    beta: Any = 1,
    alpha: Any = 1,
    out: Tensor | None = None,
) -> Tensor:
    """``beta * input + alpha * sum_i(batch1[i] @ batch2[i])`` for batches ``(b, n, k)`` and
    ``(b, k, m)``; ``input`` broadcasts to ``(n, m)``.

    >>> import arraygrad
    >>> arraygrad.addbmm(arraygrad.zeros(1, 1), arraygrad.ones(2, 1, 3), arraygrad.ones(2, 3, 1))
    tensor([[6.]])
    """
    if legacy:  # PyTorch's deprecated (addbmm(beta, input, [alpha,] batch1, batch2))
        input, batch1, batch2, beta, alpha = beta_first(
            "addbmm", (input, batch1, batch2, *legacy), beta, alpha, method=False
        )
    if out is not None:
        return written_exactly("addbmm", out, addbmm, input, batch1, batch2, beta=beta, alpha=alpha)
    if _autocast_flag.cpu:  # PyTorch's CPU autocast casts the matrix products to its dtype
        from arraygrad.amp import _casts

        return _casts.lower(addbmm, input, batch1, batch2, beta=beta, alpha=alpha)
    require_tensor("addbmm", "input", 1, input)
    _require_ndim("addbmm", "batch1", batch1, 3, RuntimeError)
    _require_ndim("addbmm", "batch2", batch2, 3, IndexError)  # PyTorch's class for batch2
    _same_dtype("addbmm", "addmm_impl_cpu_", input=input, batch1=batch1, batch2=batch2)
    if _reduced_floats.is_reduced(input):  # PyTorch's one kernel: in float32, rounded once
        return _reduced_floats.in_float32(  # type: ignore[no-any-return]
            functools.partial(addbmm, beta=beta, alpha=alpha), input, batch1, batch2
        )
    (count, rows, inner), (count2, inner2, cols) = batch1.shape, batch2.shape
    if count != count2:
        raise RuntimeError(
            f"batch1 and batch2 must have same number of batches, got {count} and {count2}. "
            f"Fix: shapes {list(batch1.shape)} and {list(batch2.shape)} must agree in dim 0."
        )
    if inner != inner2:
        raise RuntimeError(
            f"Incompatible matrix sizes for bmm ({rows}x{inner} and {inner2}x{cols}). Fix: "
            "batch1's last dimension must equal batch2's middle one."
        )
    # sum_i A_i @ B_i is one product: [A_1 ... A_b] (n, b*k) @ [B_1; ...; B_b] (b*k, m). An empty
    # batch gives (n, 0) @ (0, m), zeros, as PyTorch's sum of nothing.
    side_by_side = ops.reshape(
        ops.permute_dims(batch1, axes=(1, 0, 2)), shape=(rows, count * inner)
    )
    stacked = ops.reshape(batch2, shape=(count * inner, cols))
    return _combine(
        "addbmm", input, mm(side_by_side, stacked), beta, alpha, zero_alpha_ignores=True
    )
