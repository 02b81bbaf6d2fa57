"""Small top-level helpers PyTorch code calls: type questions (``result_type``, ``can_cast``,
``typename``, ``is_signed``, ...), ``scalar_tensor``, ``empty_strided``, and the deprecated
``ger`` and ``range``."""

from __future__ import annotations

import builtins
import math
import warnings
from typing import Any

from arraygrad import _backend, _contractions, _creation, _dtype
from arraygrad._arguments import not_tensor_error, require_tensor
from arraygrad._creation import creation_options
from arraygrad._out import made, written
from arraygrad._tensor import Tensor

__all__ = [
    "can_cast",
    "empty_permuted",
    "empty_strided",
    "ger",
    "is_inference",
    "is_same_size",
    "is_signed",
    "range",
    "result_type",
    "scalar_tensor",
    "typename",
]


def is_same_size(input: Tensor, other: Tensor) -> bool:
    """True when ``input`` and ``other`` have the same shape.

    >>> import arraygrad
    >>> arraygrad.is_same_size(arraygrad.zeros(2, 3), arraygrad.ones(2, 3))
    True
    """
    require_tensor("is_same_size", "input", 1, input, "pass tensors.")
    require_tensor("is_same_size", "other", 2, other, "pass tensors.")
    return tuple(input.shape) == tuple(other.shape)


def result_type(tensor1: Any, tensor2: Any) -> _dtype.dtype:
    """The dtype an arithmetic operation of ``tensor1`` and ``tensor2`` (tensors or Python
    numbers) gives, by PyTorch's promotion rules.

    >>> import arraygrad
    >>> arraygrad.result_type(arraygrad.tensor([1, 2]), 1.0)
    arraygrad.float32
    """
    return _dtype.result_type(tensor1, tensor2)


def can_cast(from_: _dtype.dtype, to: _dtype.dtype) -> bool:
    """Whether PyTorch's type promotion allows a value of ``from_`` to be cast to ``to``: not
    from a floating dtype to an integer one, nor from a non-bool dtype to bool.

    >>> import arraygrad
    >>> arraygrad.can_cast(arraygrad.float64, arraygrad.int32)
    False
    """
    fix = "pass dtypes (tensor.dtype)."
    source = _dtype.dtype_argument(from_, "can_cast", "from_", 1, fix)
    target = _dtype.dtype_argument(to, "can_cast", "to", 2, fix)
    if source.is_floating_point and not target.is_floating_point:
        return False
    return not (target is _dtype.bool_ and source is not _dtype.bool_)


def is_signed(input: Tensor) -> bool:
    """Whether ``input``'s dtype holds negative numbers: False for bool and uint8, True for the
    other integer, float and complex dtypes.

    >>> import arraygrad
    >>> arraygrad.is_signed(arraygrad.tensor([1], dtype=arraygrad.uint8))
    False
    """
    if not isinstance(input, Tensor):
        raise not_tensor_error("is_signed", input, name="input", position=1, fix="pass a tensor.")
    return input.is_signed()


def is_inference(input: Tensor) -> bool:
    """Whether ``input`` is an inference tensor: made inside :class:`arraygrad.inference_mode`
    (or a view of one).

    >>> import arraygrad
    >>> with arraygrad.inference_mode():
    ...     y = arraygrad.ones(2)
    >>> arraygrad.is_inference(y), arraygrad.is_inference(arraygrad.ones(2))
    (True, False)
    """
    if not isinstance(input, Tensor):
        raise not_tensor_error(
            "is_inference", input, name="input", position=1, fix="pass a tensor."
        )
    return input.is_inference()


def typename(obj: Any, /) -> str:
    """PyTorch's name of ``obj``'s type: ``'torch.FloatTensor'`` for a tensor, else the
    module-qualified name of a class or function (of an object's class), without
    ``builtins.``.

    >>> import arraygrad
    >>> arraygrad.typename(arraygrad.zeros(1)), arraygrad.typename(3)
    ('torch.FloatTensor', 'int')
    """
    if isinstance(obj, Tensor):
        return str(obj.type())
    module = getattr(obj, "__module__", "") or ""
    if hasattr(obj, "__qualname__"):
        qualname = obj.__qualname__
    elif hasattr(obj, "__name__"):
        qualname = obj.__name__
    else:
        module = obj.__class__.__module__ or ""
        qualname = obj.__class__.__qualname__
    return qualname if module in ("", "builtins") else f"{module}.{qualname}"


def scalar_tensor(
    s: Any, *, dtype: _dtype.dtype | None = None, requires_grad: bool = False, **options: Any
) -> Tensor:
    """A 0-d tensor holding the number ``s``, of the default float dtype unless ``dtype`` is
    given (even for an int, as in PyTorch).

    >>> import arraygrad
    >>> arraygrad.scalar_tensor(3)
    tensor(3.)
    """
    creation_options("scalar_tensor", options)
    if isinstance(s, Tensor):  # PyTorch reads a 0-d tensor outside the graph as a number
        if s.ndim or s.requires_grad:
            raise TypeError(
                "scalar_tensor(): argument 's' (position 1) must be Number, not Tensor "
                f"(of shape {list(s.shape)}{', requiring grad' if s.requires_grad else ''}). "
                "Fix: pass a Python number, e.g. s.item()."
            )
        s = s.item()
    value = s
    d = _dtype.get_default_dtype() if dtype is None else dtype
    if d in _dtype.REDUCED_FLOATS and isinstance(value, (int, float)) and type(value) is not bool:
        # PyTorch converts the double to float, then to float16 or bfloat16, unchecked: rounded
        # twice, and inf beyond the dtype (1e300, or 70000 for float16)
        value = _backend.rounded_float(float(value), d.name)
    return _creation.full((), value, dtype=d, requires_grad=requires_grad)


def empty_strided(
    size: Any,
    stride: Any,
    *,
    dtype: _dtype.dtype | None = None,
    requires_grad: bool = False,
    **options: Any,
) -> Tensor:
    """An uninitialised tensor of shape ``size`` whose elements lie ``stride`` elements apart
    in memory of its own, as ``Tensor.stride()`` then reports.

    On NumPy any non-negative strides are laid out (strides that repeat elements, such as 0,
    give a tensor that in-place writes refuse, as PyTorch refuses some); libraries without
    strides take only C-order ones (a NotImplementedError for others).

    >>> import arraygrad
    >>> arraygrad.empty_strided((2, 3), (1, 2)).stride()
    (1, 2)
    """
    creation_options("empty_strided", options)
    shape = tuple(builtins.int(n) for n in size)
    steps = tuple(builtins.int(n) for n in stride)
    if len(shape) != len(steps):
        raise RuntimeError(
            f"dimensionality of sizes ({len(shape)}) must match dimensionality of strides "
            f"({len(steps)}). Fix: give one stride per dimension."
        )
    if any(n < 0 for n in shape + steps):
        raise RuntimeError(
            f"Storage size calculation overflowed with sizes={list(shape)} and "
            f"strides={list(steps)}: sizes and strides must be non-negative."
        )
    d = _dtype.get_default_dtype() if dtype is None else dtype
    array = _backend.empty_strided(shape, steps, _dtype.to_xp(d))
    if array is None:
        raise NotImplementedError(
            f"empty_strided: the array library {_backend.xp.__name__} has no strides, so only "
            f"C-order strides can be honoured (got {list(steps)}). Fix: use empty(size)."
        )
    return Tensor._wrap(array).requires_grad_(requires_grad)


def empty_permuted(
    size: Any,
    physical_layout: Any,
    *,
    dtype: _dtype.dtype | None = None,
    requires_grad: bool = False,
    **options: Any,
) -> Tensor:
    """An uninitialised tensor of shape ``size`` whose dimensions lie in memory in the order
    ``physical_layout`` gives, outermost first: ``physical_layout[-1]`` has stride 1. Tensors
    shaped like a channels-last image are made with ``(0, 2, 3, 1)``.

    >>> import arraygrad
    >>> arraygrad.empty_permuted((2, 3, 4), (0, 2, 1)).stride()
    (12, 1, 3)
    """
    shape = tuple(builtins.int(n) for n in size)
    order = tuple(builtins.int(d) for d in physical_layout)
    if len(shape) != len(order):
        raise RuntimeError(
            "Number of dimensions in size does not match the length of the physical_layout; "
            f"i.e. len(size) = {len(shape)} is not equal to len(physical_layout) = {len(order)}"
            f". Fix: pass a physical_layout that orders all {len(shape)} dims, e.g. "
            f"{list(builtins.range(len(shape)))}."
        )
    seen = set()
    for position, dim in enumerate(order):
        if not 0 <= dim < len(shape):
            raise RuntimeError(
                f"Dimension out of range (expected to be between 0 and {len(shape) - 1}, but got "
                f"{dim} at index {position}).  NB: negative dims not currently supported; file an "
                "issue if you want it."
            )
        if dim in seen:
            raise RuntimeError(
                f"Duplicate dim not allowed (physical_layout {list(order)}). Fix: pass a "
                f"permutation of {list(builtins.range(len(shape)))}."
            )
        seen.add(dim)
    steps = [0] * len(shape)
    step = 1
    for dim in reversed(order):  # innermost first: each step spans the dimensions inside it
        steps[dim] = step
        step *= max(shape[dim], 1)
    return empty_strided(shape, steps, dtype=dtype, requires_grad=requires_grad, **options)


def ger(input: Tensor, vec2: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The outer product of two vectors: :func:`arraygrad.outer`, under its deprecated name.

    >>> import arraygrad
    >>> arraygrad.ger(arraygrad.tensor([1.0, 2.0]), arraygrad.tensor([3.0, 4.0]))
    tensor([[3., 4.],
            [6., 8.]])
    """
    if out is not None:
        return written("ger", out, ger, input, vec2)
    return _contractions.outer(input, vec2)


_RANGE_DEPRECATED = (
    "torch.range is deprecated and will be removed in a future release because its behavior "
    "is inconsistent with Python's range builtin. Instead, use torch.arange, which produces "
    "values in [start, end)."
)


def range(
    start: float,
    end: float,
    step: float = 1,
    *,
    dtype: _dtype.dtype | None = None,
    requires_grad: bool = False,
    **options: Any,
) -> Tensor:
    """Deprecated (a UserWarning, as in PyTorch): ``start, start + step, ...`` up to ``end``
    *included*, of the default float dtype unless ``dtype`` is given. Use
    :func:`arraygrad.arange`, which stops before ``end``.

    >>> import arraygrad, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     arraygrad.range(1, 2, 0.5)
    tensor([1.0000, 1.5000, 2.0000])
    """
    if options.get("out") is not None:
        return made("range", range, (start, end, step), options, dtype, requires_grad)
    warnings.warn(_RANGE_DEPRECATED, UserWarning, stacklevel=2)
    creation_options("range", options)
    if dtype is not None and (dtype.is_complex or dtype is _dtype.bool_):
        raise NotImplementedError(
            f"\"range_cpu\" not implemented for '{_dtype.torch_type_name(dtype)}'. Fix: use "
            "arange (which stops before end) and convert its result."
        )
    if step == 0:
        raise RuntimeError("step must be nonzero. Fix: pass a positive or negative step.")
    if (end - start) * step < 0:
        raise RuntimeError(
            f"upper bound and lower bound inconsistent with step sign (start={start}, "
            f"end={end}, step={step}). Fix: give step the sign of end - start."
        )
    count = math.floor((end - start) / step) + 1
    d = _dtype.get_default_dtype() if dtype is None else dtype
    values = _creation.arange(count, dtype=_dtype.float64) * step + start
    return values.to(d).requires_grad_(requires_grad)
