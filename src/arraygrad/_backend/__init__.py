"""The one door to array libraries.

Every other module of arraygrad reaches arrays through the namespace this module hands out
(``_backend.xp``) and the few helpers below. NumPy 2 is itself an Array API namespace, so on the
default backend ``xp`` *is* the ``numpy`` module and array operations pay no wrapper cost.

Another Array API library (``array_api_strict`` in the tests, CuPy on GPUs, ...) is selected with
:func:`set_backend`. Everything NumPy offers beyond the standard (random numbers, reading a Python
object of unknown type, making a 0-d result an array again) lives here too, behind functions that
fall back to standard calls for other namespaces.

This module holds the active library and the state every op reads as ``_backend.<name>``
(``xp``, ``tracer``, ``array_type``, ``is_numpy``...), which :func:`set_backend` and
``arraygrad.compile`` rebind, and the small helpers the ops call. What the door is made of
lives in its submodules: the namespace ``xp`` itself in extensions.py, layouts, storages,
writes, random numbers, indexing and devices in theirs (many re-exported below under their
``_backend`` names), arrays as bytes for checkpoints in checkpoints.py.
"""

from __future__ import annotations

import importlib
import math
import warnings
from types import ModuleType
from typing import Any

import numpy as np

from arraygrad._backend import (
    bfloat16,
    devices,
    extensions,
    fused,
    indexing,
    layout,
    lazy,
    random,
    result_layout,
    scans,
    selection,
    std_sort,
    storage,
    writes,
)

# NumPy reports floating-point exceptions (log(0), 0 / 0, exp(1000)) as RuntimeWarnings, where
# PyTorch returns the IEEE result (-inf, nan, inf) silently. arraygrad does as PyTorch: these
# warnings are ignored when a NumPy call in one of arraygrad's own modules raises them (the
# user's own NumPy code keeps NumPy's behaviour). A filter costs nothing until a warning is
# raised; np.errstate around each operation would cost ~0.9 us per operation.
warnings.filterwarnings(
    "ignore",
    message=lazy.FLOAT_WARNINGS,
    category=RuntimeWarning,
    module=r"arraygrad\.",
)

# Indexing raw arrays as PyTorch indexes tensors: written in indexing.py.
set_at = indexing.set_at
bag_bookkeeping = indexing.bag_bookkeeping

# cummax's and cummin's index on NumPy, in one pass: written in scans.py.
running_extremum_index = scans.running_extremum_index

# Where arrays live (DLPack's device of an array): written in devices.py.
device_of = devices.device_of

# Memory layouts (strided views, what a view holds): part of this door, written in layout.py.
all_windows_view = layout.all_windows_view
data_address = layout.data_address
diagonal_indices = layout.diagonal_indices
diagonal_span = layout.diagonal_span
element_offset = layout.element_offset
element_strides = layout.element_strides
elements_in_memory_order = layout.elements_in_memory_order
first_occurrences = layout.first_occurrences
empty_strided = layout.empty_strided
has_repeats = layout.has_repeats
in_shared_memory = layout.in_shared_memory
is_shared_memory = layout.is_shared_memory
is_transposed_matrix = layout.is_transposed_matrix
memory_positions = layout.memory_positions
overlaps = layout.overlaps
overlaps_partly = layout.overlaps_partly
repeats_elements = layout.repeats_elements
reshapes_as_view = layout.reshapes_as_view
shares_memory = layout.shares_memory
storage_numel = layout.storage_numel
strided_positions = layout.strided_positions
window_picks = layout.window_picks

# The layouts of results (C order, the inputs' order, a given order): written in result_layout.py.
c_ordered = result_layout.c_ordered
drawn_in_memory_order = result_layout.drawn_in_memory_order
in_order = result_layout.in_order
is_c_ordered = result_layout.is_c_ordered
is_dense = result_layout.is_dense
laid_out = result_layout.laid_out
leaf_gradient = result_layout.leaf_gradient
like_layout = result_layout.like_layout

# Storages (the bytes of memory tensors view): part of this door, written in storage.py.
byte_count = storage.byte_count
byte_list = storage.byte_list
bytes_of = storage.bytes_of
new_bytes = storage.new_bytes
owner_of = storage.owner_of
placeholder = storage.placeholder
reinterpret = storage.reinterpret
to_bytes = storage.to_bytes
typed_view = storage.typed_view

# Writing into existing arrays (in place, in slabs): part of this door, written in writes.py.
SLAB = writes.SLAB
add_into = writes.add_into
sum_into = writes.sum_into
add_scaled_quotient_into = writes.add_scaled_quotient_into
assign = writes.assign
scalar_from = writes.scalar_from
scalar_operand = writes.scalar_operand
slabs = writes.slabs
subtract_scaled_into = writes.subtract_scaled_into
update_into = writes.update_into

# The stable (descending: reversed-stable) argsort that sort, topk and friends order by:
# written in selection.py, on any namespace.
stable_argsort = selection.stable_argsort
orderable = selection.orderable
# Rows of mode's order as PyTorch's std::sort leaves them (ties, NaN): std_sort.py.
rows_as_std_sort = std_sort.rows_as_std_sort
# PyTorch's fused multiply-add (add_ with alpha), emulated exactly on NumPy: written in fused.py.
fused_add = fused.fused_add
fused_lerp = fused.fused_lerp
# PyTorch's CPU linspace to the last bit (every dtype but bool): written in fused.py.
linspace = fused.linspace
# ... and its arange of floats: also there.
float_range = fused.float_range
# ... and its logspace, with the C library's pow and complex pow: also there.
logspace = fused.logspace
c_pow = fused.c_pow
c_cpow = fused.c_cpow
real_cpow = fused.real_cpow
# PyTorch's bfloat16 Newton-Schulz iteration of Muon, emulated exactly, and the bfloat16
# dtype's arrays (ml_dtypes', loaded on first use): written in bfloat16.py.
newton_schulz_bfloat16 = bfloat16.newton_schulz_bfloat16
bfloat16_native = bfloat16.native
bfloat16_loaded = bfloat16.loaded

# Random numbers (PyTorch's CPU generator on NumPy, moved to the active namespace): written in
# random.py and torch_sampling.py.
STATE_SIZE = random.STATE_SIZE
checked_seed = random.checked_seed
fresh_seed = random.fresh_seed
generator_state = random.generator_state
initial_seed = random.initial_seed
manual_seed = random.manual_seed
new_rng = random.new_rng
random_bernoulli = random.random_bernoulli
random_bits = random.random_bits
random_integers = random.random_integers
random_normal = random.random_normal
random_permutation = random.random_permutation
random_uniform = random.random_uniform
rng_draw = random.rng_draw
rng_integers = random.rng_integers
rng_multinomial = random.rng_multinomial
rng_permutation = random.rng_permutation
rng_seed = random.rng_seed
rng_state_bytes = random.rng_state_bytes
rng_state_from_bytes = random.rng_state_from_bytes
seed_numpy_global = random.seed_numpy_global
set_generator_state = random.set_generator_state
set_rng_state = random.set_rng_state

#: The active array library's own namespace (the ``numpy`` module by default).
module: Any = np
#: The namespace handed to primitives and to VJP rules on raw arrays: every public name of
#: ``module`` plus the few array functions the Array API lacks (``erf``, ``index_add_zeros``, ...).
#: Read it as ``_backend.xp`` at call time (never ``from ... import xp``) so that
#: :func:`set_backend` takes effect everywhere.
xp: Any = None
#: The array class of the active namespace, for cheap ``type(x) is array_type`` tests.
array_type: type = np.ndarray
#: True when ``module`` is NumPy, whose element-wise functions return scalars for 0-d inputs.
is_numpy: bool = True
#: True when ``module``'s arrays are computed when read (Dask's): see lazy.py.
is_lazy: bool = False
#: True when a view's array holds values of its own rather than its base's memory (a lazy
#: library's: its arrays are graphs, with no memory to share): arraygrad then copies a write
#: into a root or a view to the root and its other views (_view_history.write_through).
views_are_copies: bool = False
#: True when ``arraygrad.compile`` can replay programs on ``module``'s arrays: those of NumPy
#: and of libraries with its array methods (CuPy: ``copy(order=)``, ufuncs, ``out=``).
replayable: bool = True

#: While :func:`arraygrad.compile` traces a function, its recorder (else ``None``): array
#: functions with side effects or fresh values check it and let it write the call down, and
#: those that read values into Python (``item``, ``tolist``) tell it the trace cannot replay.
tracer: Any = None


def set_backend(namespace: str | ModuleType) -> None:
    """Compute on ``namespace`` (a module name such as ``"array_api_strict"``, or the module).
    ``"dask"`` names Dask's standard namespace, ``"array_api_compat.dask.array"``.

    Tensors created before the switch keep their arrays; make new ones afterwards.

    >>> import arraygrad
    >>> arraygrad.set_backend("numpy")
    """
    global module, xp, array_type, is_numpy, is_lazy, replayable, device, views_are_copies
    if isinstance(namespace, str):
        namespace = importlib.import_module(lazy.SHORTHANDS.get(namespace, namespace))
    found = namespace
    if not (hasattr(found, "__array_namespace_info__") or found is np):
        # A library whose standard namespace is reached through its arrays; one whose own
        # module is the standard namespace (CuPy's) is used as it is.
        probe = getattr(found.asarray(0), "__array_namespace__", None)
        found = found if probe is None else probe()
    module = found
    is_numpy = module is np
    is_lazy = not is_numpy and lazy.is_lazy(module)
    views_are_copies = is_lazy
    replayable = is_numpy or (
        not is_lazy and hasattr(module, "ufunc") and hasattr(module, "may_share_memory")
    )
    zero = module.asarray(0.0)
    array_type = type(zero)
    device = device_of(zero)
    xp = extensions.extended_namespace(module)


#: Where the active library computes, as PyTorch names devices: ``("cpu", None)`` for NumPy,
#: ``("cuda", 0)`` for CuPy on the first GPU.
device: tuple[str, int | None] = ("cpu", None)


def householder_qr(a: Any) -> tuple[Any, Any]:
    """LAPACK's geqrf of a batch of ``m x n`` matrices: R on and above the diagonal, the
    Householder vectors below it (their leading 1 implied), and the ``min(m, n)`` scales tau.

    NumPy's ``qr(mode="raw")`` is LAPACK's geqrf on the transposed (Fortran-ordered) matrix;
    it takes one matrix at a time. Other libraries have no raw QR: their arrays go through the
    host and back.
    """
    host = to_numpy(a)
    m, n = host.shape[-2:]
    flat = host.reshape((math.prod(host.shape[:-2]), m, n))
    factors = np.empty(flat.shape, dtype=host.dtype)
    taus = np.zeros((flat.shape[0], min(m, n)), dtype=host.dtype)
    for index, matrix in enumerate(flat):
        if matrix.size:
            h, tau = np.linalg.qr(matrix, mode="raw")
            factors[index] = h.T
            taus[index] = tau
    factors = factors.reshape(host.shape)
    taus = taus.reshape(host.shape[:-2] + (min(m, n),))
    if is_numpy:
        return factors, taus
    return asarray(factors), asarray(taus)


def get_backend() -> Any:
    """The namespace arraygrad computes with: every public name of the active array library
    (NumPy by default, see :func:`set_backend`) plus the few array functions arraygrad adds.

    It is a namespace object, not the library's module (``get_backend() is numpy`` is False).

    >>> import arraygrad, numpy
    >>> arraygrad.get_backend().exp is numpy.exp
    True
    """
    return xp


def ones(shape: tuple[int, ...], dtype: Any) -> Any:
    """An array of ones; the 0-d case (the seed of ``loss.backward()``) skips NumPy's wrapper."""
    if is_numpy and not shape:
        return np.array(1, dtype=dtype)
    return module.ones(shape, dtype=dtype)


def refused_allocation(error: BaseException) -> str | None:
    """Why the library refused to make an array, from the ``error`` it raised: ``"memory"``
    (not enough: NumPy's ``MemoryError``, CuPy's ``OutOfMemoryError``, which is one), ``"size"``
    (more bytes than an array may have: NumPy's ``ValueError`` "array is too big"), or None for
    any other error."""
    if isinstance(error, MemoryError):
        return "memory"
    if isinstance(error, ValueError) and str(error).startswith("array is too big"):
        return "size"
    return None


def requested_bytes(error: BaseException) -> int | None:
    """The bytes an allocation that raised the ``MemoryError`` ``error`` asked for, where the
    library tells (NumPy's names the array's shape and dtype)."""
    shape, dtype = getattr(error, "shape", None), getattr(error, "dtype", None)
    if shape is None or dtype is None:
        return None
    return math.prod(shape) * int(np.dtype(dtype).itemsize)


def ensure_array(value: Any) -> Any:
    """``value`` as an array of the active namespace.

    NumPy's element-wise functions turn 0-d arrays into NumPy scalars; tensors always hold real
    arrays so that in-place operations and views behave alike for every shape.
    """
    if type(value) is array_type:
        return value
    if tracer is not None:
        return tracer.call(ensure_array, (value,))
    if is_numpy:
        return np.asarray(value)
    return xp.asarray(value)


_NUMPY_FLOAT16 = np.dtype(np.float16)


def is_float16(dtype: Any) -> bool:
    """Whether ``dtype`` (an array's) is float16: NumPy's by identity (an equality test with
    the type costs five times as much, on every ``x ** 0.5``), other libraries' by equality."""
    if is_numpy:
        return dtype is _NUMPY_FLOAT16
    # (a library without float16, Dask's namespace: NumPy's dtypes compare equal to None,
    # which stands for float64 in np.dtype(None))
    float16 = getattr(xp, "float16", None)
    return float16 is not None and bool(dtype == float16)


def is_reduced_float(dtype: Any) -> bool:
    """Whether ``dtype`` (an array's) is float16 or bfloat16, the floats PyTorch's CPU kernels
    widen to float32 to compute (by identity on NumPy, as :func:`is_float16`)."""
    if is_numpy:
        if dtype is _NUMPY_FLOAT16:
            return True
        bfloat16_dtype = bfloat16.loaded()
        if dtype is bfloat16_dtype:
            return bfloat16_dtype is not None
        # (equal dtype objects that are not NumPy's builtin ones: unpickled arrays')
        if dtype.itemsize != 2:
            return False
        return dtype == _NUMPY_FLOAT16 or (bfloat16_dtype is not None and dtype == bfloat16_dtype)
    # (only dtypes the library has: NumPy's dtypes compare equal to None, see is_float16)
    return any(
        found is not None and bool(dtype == found)
        for found in (getattr(xp, "float16", None), getattr(xp, "bfloat16", None))
    )


def is_real_floating(dtype: Any) -> bool:
    """Whether ``dtype`` (an array's) is a real floating-point dtype, bfloat16 included: the
    Array API's ``isdtype(dtype, "real floating")``, which NumPy's raises a TypeError for on
    ml_dtypes' bfloat16, a dtype of another package."""
    return is_reduced_float(dtype) or bool(xp.isdtype(dtype, "real floating"))


def is_array(value: Any) -> bool:
    """Whether ``value`` is an array (or NumPy scalar) of the active namespace or of NumPy."""
    return isinstance(value, (array_type, np.ndarray, np.generic))


# NumPy's integer and floating scalar types (np.int64(2), np.float32(1.5)): numbers to code
# that takes Python numbers, as PyTorch's checks accept them.
NUMPY_NUMBER_TYPES = (np.integer, np.floating)


def is_numpy_array(value: Any) -> bool:
    """Whether ``value`` is a NumPy array (what ``torch.from_numpy`` takes: no scalar, list or
    other library's array)."""
    return isinstance(value, np.ndarray)


def is_numpy_scalar(value: Any) -> bool:
    """Whether ``value`` is a NumPy scalar (``np.float64(1.0)``), which holds no shareable
    memory, unlike an array."""
    return isinstance(value, np.generic)


def is_numpy_0d(value: Any) -> bool:
    """Whether ``value`` is a 0-d NumPy array, which ``torch.asarray`` copies as it does a NumPy
    scalar (both pass NumPy's ``PyArray_CheckScalar``)."""
    return isinstance(value, np.ndarray) and value.ndim == 0


def asarray(value: Any, dtype: Any = None, copy: bool | None = None) -> Any:
    """Convert Python data, NumPy arrays or arrays of the active namespace to an ``xp`` array."""
    if tracer is not None:
        return tracer.call(asarray, (value, dtype, copy))
    if is_numpy:
        if copy:
            return np.array(value, dtype=dtype, copy=True)
        return np.asarray(value, dtype=dtype)
    return module.asarray(value, dtype=dtype, copy=copy)


def cuda_device_count() -> int:
    """The number of GPUs the active (GPU) library sees."""
    return devices.device_count(module)


def synchronize() -> None:
    """Wait for the device's queued work (a GPU library's kernels run asynchronously)."""
    if device[0] != "cpu":
        devices.synchronize(module)


def to_numpy(array: Any) -> np.ndarray:
    """A NumPy array with the values of ``array`` (no copy on the NumPy backend)."""
    if tracer is not None:
        tracer.untraceable("reading a tensor's values into NumPy (.numpy())")
    if isinstance(array, np.ndarray):
        return array
    if isinstance(array, np.generic):
        return np.asarray(array)
    if is_lazy and isinstance(array, array_type):
        return lazy.computed(array)
    conversion_errors = (TypeError, AttributeError, RuntimeError, BufferError, ValueError)
    try:
        return np.from_dlpack(array)
    except conversion_errors:
        pass
    try:  # memory on another device (a GPU's): DLPack copies it to the host
        return np.from_dlpack(array, device="cpu", copy=True)
    except conversion_errors:
        pass
    # Not through to_list, which comes here for arrays without tolist: they recursed forever
    # (Dask's did, before lazy.py read them).
    if hasattr(array, "tolist"):
        return np.asarray(array.tolist())
    return np.asarray(array)  # the __array__ protocol


def to_list(array: Any) -> Any:
    """Nested Python lists (a Python scalar for 0-d) with the values of ``array``."""
    if tracer is not None:
        tracer.untraceable("reading a tensor's values into Python (.item(), .tolist(), bool())")
    if hasattr(array, "tolist"):
        return array.tolist()
    return to_numpy(array).tolist()


def item(array: Any) -> Any:
    """The single value of a one-element array as a Python number or bool."""
    if isinstance(array, np.generic):  # a NumPy scalar (a full reduction's): its own value,
        return to_list(array)  # without the reshape, which costs a scalar a microsecond
    return to_list(xp.reshape(array, ()))


def convert(array: Any, native: Any) -> Any:
    """``array`` converted to the dtype ``native`` as PyTorch converts: float64 to float16 or
    bfloat16 through float32 (its conversions make a double a float first), so rounded twice:
    1 + 2**-8 + 2**-30 becomes bfloat16's 1.0, not 1.0078125, and -32.95312519 float16's
    -32.9375, not -32.96875. Any other conversion is the library's ``astype``."""
    if tracer is not None:
        return tracer.call(convert, (array, native))
    if array.dtype == xp.float64 and is_reduced_target(native):
        array = xp.astype(array, xp.float32)
    return xp.astype(array, native)


def rounded_float(value: float, name: str) -> float:
    """The Python float ``value`` rounded to the reduced float named ``name`` (``"float16"`` or
    ``"bfloat16"``) as :func:`convert` rounds it (through float32: a double becomes a float
    first), as a Python float.

    Computed on the host, whatever the active library (the rounding rules are IEEE's, the same
    on every library): under ``arraygrad.compile`` the number is a constant of the program,
    which an array's ``item()`` would make a read of a value that cannot be replayed. A number
    the program reads anew on every replay (an optimizer's lr, whose class says float) is
    rounded by a step of the program, as arithmetic on it is."""
    rounding = _rounded_float16 if name == "float16" else _rounded_bfloat16
    if type(value) is not float:
        if tracer is not None:
            return tracer.number_call(rounding, value)
        value = float(value)
    return rounding(value)


def _rounded_float16(value: float) -> float:
    return float(np.float16(np.float32(value)))


def _rounded_bfloat16(value: float) -> float:
    return float(bfloat16.native().type(np.float32(value)))  # (ml_dtypes' scalar type)


def is_reduced_target(native: Any) -> bool:
    """Whether ``native`` (a dtype or scalar type of the active library) is float16 or
    bfloat16."""
    if is_numpy:
        return is_reduced_float(np.dtype(native))
    return bool(native == getattr(xp, "float16", None))


def copy(array: Any) -> Any:
    """A copy of ``array`` that shares no memory with it."""
    if tracer is not None:
        return tracer.call(copy, (array,))
    if is_numpy:
        return array.copy()
    return xp.asarray(array, copy=True)


def infer_dtype_name(data: Any) -> str:
    """The dtype name NumPy infers for ``data`` (used to apply PyTorch's defaults)."""
    return str(np.asarray(data).dtype)


set_backend(np)


def triangle_mask(rows: int, cols: int, diagonal: int, lower: bool) -> Any:
    """The ``(rows, cols)`` bool array that is True on the lower triangle ``col - row <=
    diagonal`` (``lower``) or the upper one ``col - row >= diagonal``: the one mask behind
    ``tril``/``triu``, ``tril_indices``/``triu_indices``, causal attention and the
    decompositions' rules. Built from the static sizes, so it is a constant under
    ``arraygrad.compile`` (whose recorder sees the namespace's functions, not operators on the
    arrays they return: a mask made with ``<=`` was taken for raw array code)."""
    offset = xp.subtract(
        xp.reshape(xp.arange(cols), (1, cols)), xp.reshape(xp.arange(rows), (rows, 1))
    )
    return xp.less_equal(offset, diagonal) if lower else xp.greater_equal(offset, diagonal)


def float_info(name: str) -> dict[str, float | int]:
    """The limits of the floating dtype called ``name`` (``"float32"``): ``bits``, ``eps``,
    ``max``, ``min``, ``tiny``, ``smallest_normal`` and ``resolution``, as Python numbers.

    Every array library stores these dtypes in IEEE 754 formats, so NumPy's numbers hold for
    all of them.

    >>> float_info("float16")["max"]
    65504.0
    """
    if name == "bfloat16":
        return bfloat16.finfo_values()
    info = np.finfo(np.dtype(name))
    numbers = ("eps", "max", "min", "tiny", "smallest_normal")
    values: dict[str, float | int] = {key: float(getattr(info, key)) for key in numbers}
    # 10 ** -digits in float64, as PyTorch (NumPy rounds it to the dtype: 0.0010004 in float16).
    values["resolution"] = 10.0 ** -int(info.precision)
    return {"bits": int(info.bits), **values}
