"""The one door to array libraries.

Every other module of arraygrad reaches arrays through the namespace this module hands out
(``_backend.xp``) and the few helpers below. NumPy 2 is itself an Array API namespace, so on the
default backend ``xp`` *is* the ``numpy`` module and array operations pay no wrapper cost.

Another Array API library (``array_api_strict`` in the tests, CuPy on GPUs, ...) is selected with
:func:`set_backend`. Everything NumPy offers beyond the standard (random numbers, reading a Python
object of unknown type, making a 0-d result an array again) lives here too, behind functions that
fall back to standard calls for other namespaces.
"""

from __future__ import annotations

import functools
import importlib
import math
import warnings
from types import ModuleType, SimpleNamespace
from typing import Any

import numpy as np

from arraygrad import _conv_windows, _lu_factor, _special, _windows
from arraygrad._backend import (
    bfloat16,
    complex_layout,
    devices,
    fourier,
    fused,
    indexing,
    layout,
    lazy,
    numpy_fast,
    random,
    spellings,
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

# Where arrays live (DLPack's device of an array): written in devices.py.
device_of = devices.device_of

# Memory layouts (strided views, what a view holds): part of this door, written in layout.py.
c_ordered = layout.c_ordered
data_address = layout.data_address
diagonal_indices = layout.diagonal_indices
diagonal_span = layout.diagonal_span
element_offset = layout.element_offset
element_strides = layout.element_strides
elements_in_memory_order = layout.elements_in_memory_order
first_occurrences = layout.first_occurrences
is_c_ordered = layout.is_c_ordered
like_layout = layout.like_layout
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

# PyTorch's fused multiply-add (add_ with alpha), emulated exactly on NumPy: written in fused.py.
fused_add = fused.fused_add
fused_lerp = fused.fused_lerp
# PyTorch's bfloat16 Newton-Schulz iteration of Muon, emulated exactly, and the bfloat16
# dtype's arrays (ml_dtypes', loaded on first use): written in bfloat16.py.
newton_schulz_bfloat16 = bfloat16.newton_schulz_bfloat16
bfloat16_native = bfloat16.native
bfloat16_loaded = bfloat16.loaded

# Random numbers (NumPy's generators, moved to the active namespace): written in random.py.
STATE_SIZE = random.STATE_SIZE
checked_seed = random.checked_seed
fresh_seed = random.fresh_seed
generator_state = random.generator_state
initial_seed = random.initial_seed
manual_seed = random.manual_seed
new_rng = random.new_rng
random_bernoulli = random.random_bernoulli
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
    xp = _extended_namespace(module)


#: Where the active library computes, as PyTorch names devices: ``("cpu", None)`` for NumPy,
#: ``("cuda", 0)`` for CuPy on the first GPU.
device: tuple[str, int | None] = ("cpu", None)


# Sliding-window functions (convolution and pooling), bound to the library like the special ones:
# the windows and max pooling from _windows, convolution from _conv_windows.
_WINDOWS = (
    "sliding_windows",
    "fold_windows",
    "max_pool",
    "max_pool_scatter",
    "max_pool_gather",
    "max_pool_indices",
)
_CONV_WINDOWS = ("conv", "conv_input_grad", "conv_weight_grad")


def _extended_namespace(lib: Any) -> SimpleNamespace:
    """``lib``'s public functions plus the array functions arraygrad needs beyond the standard."""
    # vars(), not dir(): dir() lists submodules that NumPy imports lazily (f2py, ma, testing...),
    # and fetching them would double the import time of arraygrad.
    names = {name: value for name, value in vars(lib).items() if not name.startswith("_")}
    if lib is np:
        names.update(
            sum=numpy_fast.numpy_sum,
            mean=numpy_fast.numpy_mean,
            max=numpy_fast.numpy_max,
            reshape=numpy_fast.numpy_reshape,
            broadcast_to=numpy_fast.numpy_broadcast_to,
            where=numpy_fast.numpy_where,
        )
    else:
        names.update(spellings.standard_spellings(lib))
        # (a shape function the standard added in 2025.12, which Dask's namespace lacks; shapes
        # are Python ints everywhere, so NumPy's serves)
        names.setdefault("broadcast_shapes", np.broadcast_shapes)
    names["sign"] = functools.partial(_sign, lib)  # PyTorch's, in the library's place
    # Helpers handed the library itself get a lazy one's with arraygrad's replacements (see
    # lazy.standard): the windows' reshapes of a convolution with groups split and merge one
    # dimension at once, which Dask's reshape refuses, and zeta sizes a unique_values.
    lazy_lib = lib is not np and lazy.is_lazy(lib)
    windows_lib = lazy.standard(lib) if lazy_lib else lib
    namespace = SimpleNamespace(
        **names,
        erf=functools.partial(_special.erf, lib),
        erfc=functools.partial(_special.erfc, lib),
        erfinv=functools.partial(_special.erfinv, lib),
        lgamma=functools.partial(_special.lgamma, lib),
        digamma=functools.partial(_special.digamma, lib),
        polygamma=functools.partial(_special.polygamma, lib),
        erfcx=functools.partial(_special.erfcx, lib),
        log_ndtr=functools.partial(_special.log_ndtr, lib),
        ndtri=functools.partial(_special.ndtri, lib),
        i0e=functools.partial(_special.i0e, lib),
        i1=functools.partial(_special.i1, lib),
        i1e=functools.partial(_special.i1e, lib),
        # (not "i0": NumPy's own i0 is in the namespace already)
        bessel_i0=functools.partial(_special.i0, lib),
        spherical_j0=functools.partial(_special.spherical_j0, lib),
        bessel_j0=functools.partial(_special.j0, lib),
        bessel_j1=functools.partial(_special.j1, lib),
        bessel_y0=functools.partial(_special.y0, lib),
        bessel_y1=functools.partial(_special.y1, lib),
        airy_ai=functools.partial(_special.airy_ai, lib),
        k0=functools.partial(_special.k0, lib),
        k1=functools.partial(_special.k1, lib),
        k0e=functools.partial(_special.k0e, lib),
        k1e=functools.partial(_special.k1e, lib),
        gammainc=functools.partial(_special.gammainc, lib),
        gammaincc=functools.partial(_special.gammaincc, lib),
        zeta=functools.partial(_special.zeta_elementwise, windows_lib),
        chebyshev_polynomial_t=functools.partial(_special.chebyshev_t, lib),
        chebyshev_polynomial_u=functools.partial(_special.chebyshev_u, lib),
        chebyshev_polynomial_v=functools.partial(_special.chebyshev_v, lib),
        chebyshev_polynomial_w=functools.partial(_special.chebyshev_w, lib),
        shifted_chebyshev_polynomial_t=functools.partial(_special.shifted_chebyshev_t, lib),
        shifted_chebyshev_polynomial_u=functools.partial(_special.shifted_chebyshev_u, lib),
        shifted_chebyshev_polynomial_v=functools.partial(_special.shifted_chebyshev_v, lib),
        shifted_chebyshev_polynomial_w=functools.partial(_special.shifted_chebyshev_w, lib),
        hermite_polynomial_h=functools.partial(_special.hermite_h, lib),
        hermite_polynomial_he=functools.partial(_special.hermite_he, lib),
        laguerre_polynomial_l=functools.partial(_special.laguerre_l, lib),
        legendre_polynomial_p=functools.partial(_special.legendre_p, lib),
        getitem=indexing.numpy_getitem if lib is np else indexing.getitem,
        window_view=functools.partial(layout.window_view, lib),
        expand_view=functools.partial(layout.expand_view, lib),
        view_as_real=functools.partial(complex_layout.view_as_real, lib),
        view_as_complex=functools.partial(complex_layout.view_as_complex, lib),
        complex_from_parts=functools.partial(complex_layout.complex_from_parts, lib),
        eig=functools.partial(complex_layout.eig, lib),
        fft_c2c=functools.partial(fourier.fft_c2c, lib),
        fft_r2c=functools.partial(fourier.fft_r2c, lib),
        fft_r2c_adjoint=functools.partial(fourier.fft_r2c_adjoint, lib),
        fft_c2r=functools.partial(fourier.fft_c2r, lib),
        fft_c2r_adjoint=functools.partial(fourier.fft_c2r_adjoint, lib),
        diagonal_view=functools.partial(layout.diagonal_view, lib),
        strided_view=functools.partial(layout.strided_view, lib),
        index_add_zeros=indexing.index_add_zeros,
        index_add_into=indexing.index_add_into,
        **{
            name: functools.partial(getattr(_windows, name), windows_lib, lib is np)
            for name in _WINDOWS
        },
        **{
            name: functools.partial(getattr(_conv_windows, name), windows_lib, lib is np)
            for name in _CONV_WINDOWS
        },
        take_add_zeros=indexing.take_add_zeros,
        trunc_divide=functools.partial(_trunc_divide, lib),
        linear=functools.partial(_linear, lib),
        relu_backward=functools.partial(
            _relu_backward, numpy_fast.numpy_where if lib is np else lib.where
        ),
        index_put=indexing.index_put,
        index_put_into=indexing.index_put_into,
        inv=functools.partial(_linalg_call, lib, "inv"),
        det=functools.partial(_linalg_call, lib, "det"),
        slogdet=functools.partial(_linalg_call, lib, "slogdet"),
        solve=(
            functools.partial(_linalg_call, lib, "solve")
            if lib is np
            else functools.partial(spellings.solve_broadcasting, lib)
        ),
        # the decompositions (arraygrad.ops.decompositions), with their keyword options
        cholesky=functools.partial(_linalg_call, lib, "cholesky"),
        eigh=functools.partial(_linalg_call, lib, "eigh"),
        svd=functools.partial(_linalg_call, lib, "svd"),
        qr=functools.partial(_linalg_call, lib, "qr"),
        lu_factor=functools.partial(_lu_factor.lu_factor, lib, lib is np),
        adjugate=functools.partial(_adjugate, lib),
        binary_cross_entropy_backward=functools.partial(_binary_cross_entropy_backward, lib),
    )
    if lazy_lib:
        vars(namespace).update(lazy.namespace_functions(lib))
    return namespace


def _sign(lib: Any, x: Any) -> Any:
    """PyTorch's sign, ``(0 < x) - (x < 0)`` in ``x``'s dtype: 0 at nan and at -0.0, where
    NumPy's sign gives nan and -0.0. Rules differentiate through it (``|x|' = sign(x)``), as
    PyTorch's do, so a nan input gives a zero gradient there. One pass cheaper than fixing
    NumPy's result afterwards."""
    if x.dtype == lib.bool:
        return x
    if lib is np:
        return np.subtract(x > 0, x < 0, dtype=x.dtype)
    return lib.astype(x > 0, x.dtype) - lib.astype(x < 0, x.dtype)


#: PyTorch's EPSILON in its loss kernels (Loss.cpp: binary_cross_entropy's backward,
#: cosine_embedding_loss): 1e-12 stored as a float, so 9.9999996e-13 even in float64 arithmetic
#: (-1 / EPSILON is -1000000003995.8029, as in PyTorch).
LOSS_EPSILON = float(np.float32(1e-12))


def _binary_cross_entropy_backward(lib: Any, g: Any, p: Any, t: Any) -> Any:
    """PyTorch's ``binary_cross_entropy_backward``: ``g (p - t) / max((1 - p) p, EPS)``, the
    gradient for the probabilities ``p``, finite where they saturate at 0 or 1."""
    return g * (p - t) / lib.maximum((1 - p) * p, LOSS_EPSILON)


def _relu_backward(where: Any, g: Any, out: Any) -> Any:
    """ReLU's gradient ``g`` where its output ``out`` is positive or nan, else 0 (PyTorch's
    threshold_backward: it zeroes where ``out <= 0``)."""
    return where(out <= 0, 0.0, g)


def _linear(lib: Any, x: Any, w: Any, b: Any) -> Any:
    """``x @ w.T + b`` (``b`` may be ``None``). On NumPy the bias is added into the product's own
    fresh array: one pass fewer over the output, and no second array of its size."""
    out = lib.matmul(x, lib.matrix_transpose(w))
    if b is None:
        return out
    if lib is np and out.__class__ is np.ndarray:
        return np.add(out, b, out=out)
    return out + b


def _trunc_divide(lib: Any, x: Any, y: Any) -> Any:
    """``x / y`` rounded toward 0 (PyTorch's ``div(rounding_mode="trunc")`` of floats)."""
    return lib.trunc(x / y)


def _linalg_call(lib: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    """``lib.linalg.<name>(*args, **kwargs)``: the Array API's linalg extension, by a flat name
    for rules."""
    return getattr(lib.linalg, name)(*args, **kwargs)


def _adjugate(lib: Any, a: Any) -> Any:
    """The adjugate of a batch of square matrices, exact for singular ones too.

    With ``A = U diag(s) V^T``, ``adj(A) = det(U) det(V) V diag(prod_{j != i} s_j) U^T``: the
    products leave each singular value out instead of dividing by it.
    """
    n = a.shape[-1]
    if n == 0:
        return lib.zeros(a.shape, dtype=a.dtype)
    if not is_numpy:
        return xp.det(a)[..., None, None] * xp.inv(a)  # (Dask's are xp's own: lazy.py)
    u, s, vt = np.linalg.svd(a)
    ones = np.ones(s.shape[:-1] + (1,), dtype=s.dtype)
    before = np.cumprod(np.concatenate([ones, s[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([ones, s[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    sign = np.linalg.det(u) * np.linalg.det(vt)
    middle = (before * after)[..., :, None] * np.swapaxes(u, -1, -2)
    return (sign[..., None, None] * (np.swapaxes(vt, -1, -2) @ middle)).astype(a.dtype)


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
    """The active array namespace (the ``numpy`` module by default)."""
    return xp


def ones(shape: tuple[int, ...], dtype: Any) -> Any:
    """An array of ones; the 0-d case (the seed of ``loss.backward()``) skips NumPy's wrapper."""
    if is_numpy and not shape:
        return np.array(1, dtype=dtype)
    return module.ones(shape, dtype=dtype)


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


def is_array(value: Any) -> bool:
    """Whether ``value`` is an array (or NumPy scalar) of the active namespace or of NumPy."""
    return isinstance(value, (array_type, np.ndarray, np.generic))


# NumPy's integer and floating scalar types (np.int64(2), np.float32(1.5)): numbers to code
# that takes Python numbers, as PyTorch's checks accept them.
NUMPY_NUMBER_TYPES = (np.integer, np.floating)


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
    value = to_list(xp.reshape(array, ()))
    return value


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


# --- arrays as bytes (checkpoints) ----------------------------------------------------------------


def array_to_bytes(array: Any) -> tuple[str, tuple[int, ...], bytes]:
    """``array`` as (dtype name, shape, little-endian C-order bytes)."""
    values = to_numpy(array)
    # astype, not ascontiguousarray, which would turn a 0-d array into a 1-d one
    values = values.astype(values.dtype.newbyteorder("<"), order="C", copy=False)
    return values.dtype.name, tuple(values.shape), values.tobytes()


def _numpy_dtype(name: str) -> np.dtype:
    """NumPy's dtype called ``name``; ml_dtypes' for ``"bfloat16"`` (loading it)."""
    return bfloat16.native() if name == "bfloat16" else np.dtype(name)  # type: ignore[no-any-return]


def array_from_bytes(data: Any, dtype_name: str, shape: tuple[int, ...]) -> Any:
    """An ``xp`` array of ``shape`` read from little-endian C-order ``data`` (copied).

    The caller checks that ``len(data)`` is the array's size in bytes.
    """
    dtype = _numpy_dtype(dtype_name)
    values = np.frombuffer(data, dtype=dtype.newbyteorder("<")).reshape(shape)
    return asarray(values.astype(dtype, copy=True))  # (NumPy's own dtype object: see below)


def array_over_bytes(data: bytearray, dtype_name: str, byteorder: str) -> Any:
    """A 1-D ``xp`` array of the elements in ``data``, stored as ``dtype_name`` with
    ``byteorder`` (``"little"`` or ``"big"``): on NumPy over ``data`` itself (writable, no copy)
    where that order is the machine's, so arrays over one buffer share memory; else a copy."""
    dtype = _numpy_dtype(dtype_name)
    stored = dtype.newbyteorder("<" if byteorder == "little" else ">")
    values = np.frombuffer(data, dtype=stored)
    # (as NumPy's own dtype object, a view where no bytes are swapped: see with_builtin_dtype)
    values = values.view(dtype) if stored.isnative else values.astype(dtype)
    return asarray(values)


# NumPy's own dtype objects, keyed by equality (see with_builtin_dtype).
_BUILTIN_DTYPES = {
    np.dtype(kind): np.dtype(kind)
    for kind in (np.bool_, np.uint8, np.int8, np.int16, np.int32, np.int64, np.float16)
    + (np.float32, np.float64, np.complex64, np.complex128)
}


def with_builtin_dtype(array: Any) -> Any:
    """``array``, viewed with NumPy's own dtype object where it carries an equal one that is
    another object (unpickled arrays do: a DataLoader worker's batches, ``copy.deepcopy``'s).
    arraygrad's fast paths know dtypes by the identity of NumPy's objects; an array with another
    object is computed right, by the general paths, but pays their cost on every op, and so do
    the results computed from it, which keep its dtype object."""
    if array.__class__ is not np.ndarray:
        return array
    dtype = array.dtype
    builtin = _BUILTIN_DTYPES.get(dtype)
    if builtin is None:
        loaded = bfloat16.loaded()
        builtin = loaded if loaded is not None and dtype == loaded else None
    if builtin is None or builtin is dtype or not dtype.isnative:
        return array
    return array.view(builtin)


def write_npz(file: Any, arrays: dict[str, Any]) -> None:
    """Write ``arrays`` (name -> array) to the binary file object ``file`` as a NumPy ``.npz``.

    Written member by member, like ``numpy.savez``, but with no pickling allowed and no
    restriction on the names (``savez`` reserves ``file`` and ``allow_pickle``).
    """
    import zipfile

    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, array in arrays.items():
            with archive.open(name + ".npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, to_numpy(array), allow_pickle=False)


def read_npz(file: Any) -> dict[str, Any]:
    """The arrays of a ``.npz`` file object as NumPy arrays; never unpickles."""
    archive = np.load(file, allow_pickle=False)
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError("the file is a single .npy array, not an .npz archive")
    with archive:
        return {name: archive[name] for name in archive.files}


def uint8_from_bytes(data: bytes) -> Any:
    """A NumPy ``uint8`` array holding ``data`` (how text is stored inside an ``.npz``)."""
    return np.frombuffer(data, dtype=np.uint8).copy()


def bytes_of_uint8(array: Any) -> bytes:
    """The bytes of a 1-D ``uint8`` array (the reverse of :func:`uint8_from_bytes`)."""
    values = np.asarray(array)
    if values.dtype != np.uint8 or values.ndim != 1:
        raise ValueError(f"expected a 1-D uint8 array, got {values.dtype} of shape {values.shape}")
    return values.tobytes()


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
