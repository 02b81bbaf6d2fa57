"""Making tensors: from data, filled and ranges, with PyTorch's dtype defaults (random ones:
:mod:`arraygrad._random_creation`; ``linspace`` and ``logspace``: :mod:`arraygrad._lines`)."""

from __future__ import annotations

import numbers
import warnings
from typing import Any, NoReturn

from arraygrad import _backend, _device, _dtype, _info, _range_bounds
from arraygrad._dims import _shape_arg
from arraygrad._dtype import dtype
from arraygrad._nested_data import (
    data_error,
    has_float,
    has_nan,
    inferred_dtype,
    inferred_name,
    integer_store_error,
    is_non_number,
    python_data,
    wrapped_negatives,
)
from arraygrad._out import made
from arraygrad._out_of_memory import allocation_error
from arraygrad._tensor import Tensor

__all__ = [
    "arange",
    "as_tensor",
    "asarray",
    "empty",
    "eye",
    "from_numpy",
    "full",
    "ones",
    "tensor",
    "zeros",
]


def _native(d: dtype | None) -> Any:
    return None if d is None else _dtype.to_xp(d)


def _leaf(array: Any, requires_grad: bool) -> Tensor:
    result = Tensor._wrap(array)
    if requires_grad:
        result.requires_grad_(True)  # checks the dtype, with PyTorch's error
    return result


def tensor(
    data: Any,
    dtype: dtype | None = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """A new leaf tensor holding a copy of ``data`` (numbers, nested lists, arrays, tensors).

    Python floats give the default float dtype (float32), ints int64, bools bool; NumPy arrays
    keep their dtype.

    >>> import arraygrad
    >>> arraygrad.tensor([1, 2]).dtype, arraygrad.tensor([1.0, 2]).dtype
    (arraygrad.int64, arraygrad.float32)
    """
    if pin_memory:
        _check_pinnable()
    if isinstance(data, Tensor):
        warn_copy_construct("arraygrad.tensor(sourceTensor)")
    return copied_tensor(data, dtype, device, requires_grad)


def warn_copy_construct(call: str) -> None:
    """PyTorch's warning for a tensor built from a tensor by ``call``, at the caller's caller."""
    warnings.warn(
        "To copy construct from a tensor, it is recommended to use sourceTensor.detach()."
        f"clone() or sourceTensor.detach().clone().requires_grad_(True), rather than {call}: "
        "it always copies, and detaches from the graph. Fix: write x.detach().clone() (or "
        "arraygrad.as_tensor(x), which copies nothing).",
        UserWarning,
        stacklevel=3,
    )


def copied_tensor(
    data: Any, dtype: dtype | None = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """:func:`tensor` without its warning for a tensor ``data``."""
    _device.check_placement(device)
    # (float64 values to float16 or bfloat16 through float32, as PyTorch: _backend.convert)
    if isinstance(data, Tensor):
        array = _backend.copy(data._data)
        if dtype is not None:
            array = _backend.convert(array, _dtype.to_xp(dtype))
        return _leaf(array, requires_grad)
    if _backend.is_array(data):
        if dtype in _dtype.REDUCED_FLOATS:
            return _leaf(_backend.convert(_backend.asarray(data), _native(dtype)), requires_grad)
        array = _backend.asarray(data, dtype=_native(dtype), copy=True)
        if dtype is None:
            _dtype.from_xp(array.dtype)  # raises for dtypes arraygrad does not support
        return _leaf(array, requires_grad)
    kinds: set[type] = set()
    given = data
    data = python_data(data, kinds)
    if dtype is None:
        try:
            inferred = _backend.infer_dtype_name(data)
        except ValueError as error:  # ragged: PyTorch's error, named as PyTorch names it
            _refuse(data, None, error)
        # (None beside a float is NaN to NumPy, a string beside a number text: not to PyTorch)
        if inferred == "object" or inferred.startswith(("<U", "|S")):
            found = data_error(data, None)
            if found is not None:
                raise found
            inferred = inferred_name(data)  # (2**64 beside 1j: complex, as PyTorch infers)
        if inferred.startswith("complex"):
            dtype = _dtype.complex_of_data()
        elif inferred.startswith("float") or has_float(data):
            dtype = _dtype.get_default_dtype()
        elif inferred == "bool":
            dtype = _dtype.bool_
        elif inferred.startswith(("int", "uint")):
            dtype = _dtype.int64
        else:
            _refuse(
                data,
                None,
                TypeError(
                    f"Could not infer dtype of {type(data).__name__}: arraygrad.tensor takes "
                    "numbers, nested lists of numbers, arrays and tensors"
                ),
            )
        if kinds:  # NumPy scalars or arrays, or tensors: PyTorch's dtype of each, promoted
            own = inferred_dtype(given)
            dtype = dtype if own is None else own
    elif kinds and any(map(is_non_number, kinds)):  # NumPy converts None and strings
        found = data_error(data, dtype)
        if found is not None:
            raise found
    if kinds and not (dtype.is_floating_point or dtype.is_complex or dtype is _dtype.bool_):
        found = integer_store_error(given)  # (PyTorch stores floats truncated, or indices)
        if found is not None:
            raise found
    try:
        if dtype in _dtype.REDUCED_FLOATS:  # Python floats are doubles: through float32
            array = _backend.convert(_backend.asarray(data), _dtype.to_xp(dtype))
        else:
            array = _backend.asarray(data, dtype=_dtype.to_xp(dtype), copy=True)
    except OverflowError as error:  # an int that the dtype cannot hold: PyTorch's class
        found = data_error(data, dtype)
        if found is not None:  # beyond int64, which PyTorch reads ints as first
            raise found from None
        wrapped = wrapped_negatives(data, dtype)
        try:
            if wrapped is None:
                raise OverflowError(str(error)) from None
            array = _backend.asarray(wrapped, dtype=_dtype.to_xp(dtype), copy=True)
        except (OverflowError, ValueError):  # (a NaN beside the wrapped ints, too)
            raise RuntimeError(
                f"value cannot be converted to type {dtype.name} without overflow ({error}). "
                "Fix: use values within the dtype's range, or a wider dtype (e.g. "
                "arraygrad.int64)."
            ) from None
    except TypeError as error:  # a list or None where a number belongs
        _refuse(data, dtype, error)
    except ValueError as error:
        if dtype.is_floating_point or dtype is _dtype.bool_ or not has_nan(data):
            _refuse(data, dtype, error)
        # NumPy refuses NaN for an integer dtype with a ValueError; PyTorch's class is that of
        # any value the dtype cannot hold.
        raise RuntimeError(
            f"value cannot be converted to type {dtype.name} without overflow: the data holds "
            "a NaN, which no integer can. Fix: replace it first (e.g. math.isnan), or use a "
            "floating dtype."
        ) from None
    return _leaf(array, requires_grad)


def _refuse(data: Any, dtype: dtype | None, error: Exception) -> NoReturn:
    """Raise PyTorch's error for nested lists ``data`` where converting them raised ``error``
    (``error`` itself where PyTorch would raise none: see :mod:`arraygrad._nested_data`)."""
    found = data_error(data, dtype)
    if found is None:
        raise error
    raise found from None


def as_tensor(data: Any, dtype: dtype | None = None, device: Any = None) -> Tensor:
    """``data`` as a tensor, sharing memory with a tensor or array of the right dtype.

    A tensor is returned as it is; a NumPy array is shared when no conversion is needed (else
    copied); lists and numbers are copied, with the dtype inference of :func:`tensor`.

    >>> import arraygrad, numpy
    >>> a = numpy.array([1.0, 2.0])
    >>> t = arraygrad.as_tensor(a)
    >>> a[0] = 5.0
    >>> t
    tensor([5., 2.], dtype=arraygrad.float64)
    """
    _device.check_placement(device)
    if isinstance(data, Tensor):
        return data if dtype is None or data.dtype is dtype else data.to(dtype)
    native = None if dtype is None else _native(dtype)
    if isinstance(data, _backend.array_type) and native in (None, getattr(data, "dtype", None)):
        return Tensor._wrap(data)
    return tensor(data, dtype=dtype)


_warned_requires_grad = [False]  # torch warns once per process that the default changed


def asarray(
    obj: Any,
    *,
    dtype: dtype | None = None,
    device: Any = None,
    copy: bool | None = None,
    requires_grad: bool | None = None,
) -> Tensor:
    """``obj`` as a tensor, sharing memory with it where it can, by PyTorch's rules.

    A tensor or array is returned as it is (a tensor: the same object) unless ``dtype`` differs
    or ``copy=True``; a tensor's copy stays in its graph (``clone``/``to``). ``copy=False``
    refuses to copy (ValueError). NumPy scalars, numbers and lists are always copied, with
    :func:`tensor`'s dtypes. ``requires_grad=None`` keeps a tensor's flag (warning once, as
    torch does); ``False`` detaches a non-leaf, and on a leaf returned as it is clears the flag
    of ``obj`` itself, as torch does. ``device`` must be the device arraygrad computes on.

    >>> import arraygrad
    >>> x = arraygrad.tensor([1.0, 2.0])
    >>> arraygrad.asarray(x) is x, arraygrad.asarray([1, 2]).dtype
    (True, arraygrad.int64)
    """
    _device.check_placement(device)
    grad = requires_grad
    if grad is None:
        grad = isinstance(obj, Tensor) and obj.requires_grad
        if grad and not _warned_requires_grad[0]:
            _warned_requires_grad[0] = True
            warnings.warn(
                "torch.asarray: unspecified requires_grad now defaults to obj.requires_grad "
                "instead of False. Pass requires_grad=False explicitly to get the old behavior "
                "and silence this warning.",
                UserWarning,
                stacklevel=2,
            )
    if isinstance(obj, Tensor):
        result = obj
    elif _backend.is_numpy_scalar(obj) or _backend.is_numpy_0d(obj):
        # torch copies 0-d NumPy arrays too (PyArray_CheckScalar holds for them), even with
        # copy=False; only a NumPy scalar refuses copy=False
        if copy is False and _backend.is_numpy_scalar(obj):
            raise RuntimeError(
                "can't alias NumPy scalars. Either remove copy=False or transform it in a ndarray. "
            )
        result, copy = Tensor._wrap(_backend.asarray(obj, copy=True)), None  # copied already
    elif _backend.is_array(obj):
        result = Tensor._wrap(_backend.asarray(obj))  # the same memory
    else:
        if copy is False:
            raise ValueError("can't alias arbitrary sequence into a tensor.")
        return tensor(obj, dtype=dtype, requires_grad=grad)
    _dtype.from_xp(result._data.dtype)  # raises for dtypes arraygrad does not support
    target = result.dtype if dtype is None else dtype
    if copy or (copy is None and target is not result.dtype):
        result = result.to(target) if target is not result.dtype else result.clone()
    elif target is not result.dtype:
        names = _dtype.torch_type_name(result.dtype), _dtype.torch_type_name(target)
        raise ValueError("can't alias tensor with dtype '{}' into dtype '{}'.".format(*names))
    if not result.is_leaf and not grad:
        return result.detach()
    return result.requires_grad_(grad)


def from_numpy(array: Any) -> Tensor:
    """A tensor sharing memory with the NumPy array ``array`` (on the NumPy backend).

    As PyTorch's, it takes a NumPy array of a supported dtype only: a TypeError for anything
    else (lists, NumPy scalars, object or string arrays), where ``tensor()`` copies. Writes to
    either are seen by both.

    >>> import arraygrad, numpy
    >>> a = numpy.array([1, 2])
    >>> t = arraygrad.from_numpy(a)
    >>> a[0] = 9
    >>> t
    tensor([9, 2])
    """
    if not _backend.is_numpy_array(array):
        what = type(array)
        name = what.__qualname__ if what.__module__ == "builtins" else f"numpy.{what.__name__}"
        raise TypeError(
            f"expected np.ndarray (got {name}). Fix: arraygrad.tensor(...) copies other data "
            "(numbers, lists, NumPy scalars), or wrap it with numpy.asarray first."
        )
    try:
        _dtype.from_xp(array.dtype)
    except TypeError:
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{array.dtype.type.__name__}. The only "
            "supported types are: float64, float32, float16, complex64, complex128, int64, "
            "int32, int16, int8, uint8, and bool. Fix: convert it first (array.astype(...))."
        ) from None
    return Tensor._wrap(_backend.asarray(array))


# Keywords of PyTorch's factory functions about where and how memory is laid out, which
# arraygrad (one device at a time, strided arrays) accepts, so that PyTorch code runs as is:
# ``device=`` must name the device arraygrad computes on (_device.check_placement), the others
# are ignored.
_PLACEMENT = frozenset(["device", "layout", "pin_memory", "memory_format"])


def creation_options(
    name: str, options: dict[str, Any], size: tuple[Any, ...] | None = None
) -> tuple[Any, ...]:
    """Check the keywords ``options`` given to the factory function ``name``, as PyTorch does.

    PyTorch's placement keywords (``device=``, ``layout=``, ...) are accepted, ``device=``
    when it names the device arraygrad computes on (else PyTorch's RuntimeError);
    ``size=`` is the shape of a function that takes ``*size`` (returned, as ``size`` is when
    not given); anything else is a TypeError naming it (it used to be ignored silently).
    """
    for key, value in options.items():
        if key == "size" and size is not None:
            if size:
                raise TypeError(f"{name}() got multiple values for argument 'size'")
            size = (value,)
        elif key == "device":
            pass  # checked below, with the default device when not given
        elif key == "out" and value is not None:
            # (out=None is PyTorch's default; the factories that take out= handle it first)
            raise TypeError(
                f"{name}() got an unexpected keyword argument 'out': PyTorch's {name} takes no "
                "out=. Fix: assign the result (x = ...) or copy it in (out.copy_(...))."
            )
        elif key not in _PLACEMENT and key != "out":
            raise TypeError(f"{name}() got an unexpected keyword argument '{key}'")
    if options.get("pin_memory"):
        _check_pinnable()
    if "device" in options or (not name.endswith("_like") and not name.startswith("new_")):
        # ``*_like`` and ``Tensor.new_*`` make their tensor where their input is, not on the
        # default device (set_default_device), as in PyTorch.
        _device.check_placement(options.get("device"))
    return () if size is None else size


def _check_pinnable() -> None:
    """PyTorch's refusal of ``pin_memory=True`` where no accelerator is present (pinned memory
    stages host memory for copies to a GPU)."""
    from arraygrad import accelerator  # (rare: only for pin_memory=True)

    if not accelerator.is_available():
        raise RuntimeError(
            "pin_memory=True requires a CUDA or other accelerator backend; no pinned memory "
            "allocator is available on this system. Fix: leave pin_memory out (False)."
        )


def _size(size: tuple[Any, ...]) -> tuple[int, ...]:
    shape = _shape_arg(size) if size else ()
    if any(s < 0 for s in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension: {list(shape)}")
    return shape


def _float_default(d: dtype | None) -> Any:
    return _dtype.to_xp(d if d is not None else _dtype.get_default_dtype())


def zeros(
    *size: Any, dtype: dtype | None = None, requires_grad: bool = False, **options: Any
) -> Tensor:
    """A tensor of zeros of shape ``size`` (ints or one sequence), of the default float dtype unless
    ``dtype`` is given.

    >>> import arraygrad
    >>> arraygrad.zeros(2, dtype=arraygrad.int32)
    tensor([0, 0], dtype=arraygrad.int32)
    """
    if options.get("out") is not None:
        return made("zeros", zeros, size, options, dtype, requires_grad)
    shape = _size(creation_options("zeros", options, size))
    try:
        return _leaf(_backend.xp.zeros(shape, dtype=_float_default(dtype)), requires_grad)
    except (MemoryError, ValueError) as error:  # (only the allocation raises these)
        raise allocation_error(error, shape) from None


def ones(
    *size: Any, dtype: dtype | None = None, requires_grad: bool = False, **options: Any
) -> Tensor:
    """A tensor of ones of shape ``size`` (ints or one sequence), of the default float dtype unless
    ``dtype`` is given.

    >>> import arraygrad
    >>> arraygrad.ones(2, 3)
    tensor([[1., 1., 1.],
            [1., 1., 1.]])
    """
    if options.get("out") is not None:
        return made("ones", ones, size, options, dtype, requires_grad)
    shape = _size(creation_options("ones", options, size))
    try:
        return _leaf(_backend.xp.ones(shape, dtype=_float_default(dtype)), requires_grad)
    except (MemoryError, ValueError) as error:
        raise allocation_error(error, shape) from None


def empty(
    *size: Any, dtype: dtype | None = None, requires_grad: bool = False, **options: Any
) -> Tensor:
    """An uninitialised tensor of shape ``size`` (arraygrad fills it with zeros; PyTorch does not,
    so do not read it before writing). Of the default float dtype unless ``dtype`` is given.

    >>> import arraygrad
    >>> arraygrad.empty(2, 3).shape
    arraygrad.Size([2, 3])
    """
    if options.get("out") is not None:
        return made("empty", empty, size, options, dtype, requires_grad)
    size = creation_options("empty", options, size)
    return zeros(*size, dtype=dtype, requires_grad=requires_grad, device=options.get("device"))


def full(
    size: Any,
    fill_value: Any,
    *,
    dtype: dtype | None = None,
    requires_grad: bool = False,
    **options: Any,
) -> Tensor:
    """A tensor of shape ``size`` filled with ``fill_value``.

    Without ``dtype``, the dtype is inferred from ``fill_value``: int64 for an int, the default
    float dtype for a float, bool for a bool.

    >>> import arraygrad
    >>> arraygrad.full((2, 2), 7)
    tensor([[7, 7],
            [7, 7]])
    """
    if options.get("out") is not None:
        return made("full", full, (size, fill_value), options, dtype, requires_grad)
    creation_options("full", options)
    if not isinstance(fill_value, (numbers.Number, Tensor)):
        raise TypeError(
            f"full(): argument 'fill_value' (position 2) must be Number, not "
            f"{type(fill_value).__name__}. Fix: pass a number (or a one-element tensor)."
        )
    value: Any = fill_value.item() if isinstance(fill_value, Tensor) else fill_value
    if dtype is None:
        dtype = _dtype.scalar_dtype(value)
    if not isinstance(fill_value, Tensor):
        value = _dtype.checked_scalar(value, dtype)
    shape = _size((size,))
    try:
        return _leaf(_backend.xp.full(shape, value, dtype=_dtype.to_xp(dtype)), requires_grad)
    except (MemoryError, ValueError) as error:
        raise allocation_error(error, shape) from None


def arange(
    start: Any = None,
    end: Any = None,
    step: Any = 1,
    *,
    dtype: dtype | None = None,
    requires_grad: bool = False,
    **options: Any,
) -> Tensor:
    """``start, start + step, ...`` up to (not including) ``end``; int64 unless a bound is float.

    >>> import arraygrad
    >>> arraygrad.arange(3)
    tensor([0, 1, 2])
    """
    start, end, step = _range_bounds.tensor_bounds(start, end, step)
    if options.get("out") is not None:
        return made("arange", arange, (start, end, step), options, dtype, requires_grad)
    creation_options("arange", options)
    if end is None:  # arange(end), as PyTorch reads one bound
        if start is None:
            raise TypeError('arange() missing 1 required positional arguments: "end"')
        start, end = 0, start
    elif start is None:  # arange(end=5)
        start = 0
    if dtype is not None and (dtype.is_complex or dtype is _dtype.bool_):
        # PyTorch has no complex or bool arange kernel
        raise NotImplementedError(
            f"\"arange_cpu\" not implemented for '{_dtype.torch_type_name(dtype)}'. Fix: build "
            "a range of numbers and convert it, e.g. arange(n).to(cfloat)."
        )
    whole = all(isinstance(v, numbers.Integral) for v in (start, end, step))  # (bools too)
    if whole:
        start, end, step = (_range_bounds.int64_bound(int(v)) for v in (start, end, step))
    _range_bounds.check_bounds(start, end, step)
    if dtype is None:
        dtype = _dtype.int64 if whole else _dtype.get_default_dtype()
    xp = _backend.xp
    # As PyTorch's kernel: the count from the double difference (int64's from exact integer
    # arithmetic of its int64s, below), then start and step as the accumulate type holds them
    # (float32 refuses 1e39 for float16), then the values.
    if dtype is _dtype.int64:
        first, last, stride = (
            _range_bounds.accumulated(name, v, dtype)
            for name, v in (("start", start), ("end", end), ("step", step))
        )
        if stride == 0:  # (PyTorch's int64 kernel raises a ValueError here)
            raise ValueError(
                f"step must be nonzero: arange() got step={step}, which {dtype.name} truncates "
                "to 0. Fix: give a step of at least 1 in size, or a floating dtype."
            )
        count = _range_bounds.length(first, last, stride, dtype)
    else:
        count = _range_bounds.length(start, end, step, dtype)
        first = _range_bounds.accumulated("start", start, dtype)
        stride = _range_bounds.accumulated("step", step, dtype)
    if dtype.is_floating_point:
        # The values in PyTorch's arithmetic (fused multiply-adds, in vectors:
        # _backend.float_range), which depends on its threads past 32768 values.
        threads = _info.get_num_threads() if count > 32768 else 1
        native = _dtype.to_xp(dtype)
        try:
            values = _backend.float_range(float(first), float(stride), count, native, threads)
        except (MemoryError, ValueError) as error:
            raise allocation_error(error, (count,)) from None
        return _leaf(values, requires_grad)
    # PyTorch's integer kernels make start + i * step of the int64s (truncated) in int64 (a
    # double holds integers only up to 2**53), wrapping round into a narrower dtype (a step
    # truncated to 0 repeats the start there).
    wide = _dtype.int64
    try:
        steps = xp.arange(count, dtype=_dtype.to_xp(wide))
        # Through the namespace, not operators, so that arraygrad.compile records the arithmetic.
        values = xp.add(first, xp.multiply(steps, stride))
        return _leaf(xp.astype(values, _dtype.to_xp(dtype)), requires_grad)
    except (MemoryError, ValueError) as error:
        raise allocation_error(error, (count,)) from None


def eye(
    n: int,
    m: int | None = None,
    *,
    dtype: dtype | None = None,
    requires_grad: bool = False,
    **options: Any,
) -> Tensor:
    """The ``n x m`` identity matrix (``m = n`` by default): ones on the main diagonal, else zeros.

    >>> import arraygrad
    >>> arraygrad.eye(2, 3)
    tensor([[1., 0., 0.],
            [0., 1., 0.]])
    """
    if options.get("out") is not None:
        return made("eye", eye, (n, m), options, dtype, requires_grad)
    creation_options("eye", options)
    for name, size in (("n", n), ("m", m)):
        if size is not None and size < 0:  # (PyTorch's check, before NumPy's ValueError)
            raise RuntimeError(
                f"{name} must be greater or equal to 0, got {int(size)}. Fix: pass {name} >= 0 "
                "(eye(n, m) is the n x m identity matrix)."
            )
    try:
        return _leaf(_backend.xp.eye(n, m, dtype=_float_default(dtype)), requires_grad)
    except (MemoryError, ValueError) as error:
        raise allocation_error(error, (n, n if m is None else m)) from None
