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
import warnings
from types import ModuleType, SimpleNamespace
from typing import Any

import numpy as np

from arraygrad import _conv_windows, _special, _windows
from arraygrad._backend import numpy_fast, random, writes

# NumPy reports floating-point exceptions (log(0), 0 / 0, exp(1000)) as RuntimeWarnings, where
# PyTorch returns the IEEE result (-inf, nan, inf) silently. arraygrad does as PyTorch: these
# warnings are ignored when a NumPy call in one of arraygrad's own modules raises them (the
# user's own NumPy code keeps NumPy's behaviour). A filter costs nothing until a warning is
# raised; np.errstate around each operation would cost ~0.9 us per operation.
warnings.filterwarnings(
    "ignore",
    message=r"(divide by zero|invalid value|overflow|underflow) encountered in ",
    category=RuntimeWarning,
    module=r"arraygrad\.",
)

# Writing into existing arrays (in place, in slabs): part of this door, written in writes.py.
SLAB = writes.SLAB
add_into = writes.add_into
add_scaled_quotient_into = writes.add_scaled_quotient_into
assign = writes.assign
scalar_from = writes.scalar_from
scalar_operand = writes.scalar_operand
subtract_scaled_into = writes.subtract_scaled_into
update_into = writes.update_into

# Random numbers (NumPy's generators, moved to the active namespace): written in random.py.
generator_state = random.generator_state
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
set_generator_state = random.set_generator_state

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

#: While :func:`arraygrad.compile` traces a function, its recorder (else ``None``): array
#: functions with side effects or fresh values check it and let it write the call down, and
#: those that read values into Python (``item``, ``tolist``) tell it the trace cannot replay.
tracer: Any = None


def set_backend(namespace: str | ModuleType) -> None:
    """Compute on ``namespace`` (a module name such as ``"array_api_strict"``, or the module).

    Tensors created before the switch keep their arrays; make new ones afterwards.

    >>> import arraygrad
    >>> arraygrad.set_backend("numpy")
    """
    global module, xp, array_type, is_numpy
    found = importlib.import_module(namespace) if isinstance(namespace, str) else namespace
    if not (hasattr(found, "__array_namespace_info__") or found is np):
        # e.g. a library whose standard namespace is reached through its arrays
        found = found.asarray(0).__array_namespace__()
    module = found
    is_numpy = module is np
    array_type = type(module.asarray(0.0))
    xp = _extended_namespace(module)


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
    names["sign"] = functools.partial(_sign, lib)  # PyTorch's, in the library's place
    return SimpleNamespace(
        **names,
        erf=functools.partial(_special.erf, lib),
        erfc=functools.partial(_special.erfc, lib),
        erfinv=functools.partial(_special.erfinv, lib),
        lgamma=functools.partial(_special.lgamma, lib),
        digamma=functools.partial(_special.digamma, lib),
        polygamma=functools.partial(_special.polygamma, lib),
        getitem=_getitem,
        window_view=functools.partial(_window_view, lib),
        expand_view=functools.partial(_expand_view, lib),
        diagonal_view=functools.partial(_diagonal_view, lib),
        index_add_zeros=_index_add_zeros,
        **{name: functools.partial(getattr(_windows, name), lib, lib is np) for name in _WINDOWS},
        **{
            name: functools.partial(getattr(_conv_windows, name), lib, lib is np)
            for name in _CONV_WINDOWS
        },
        take_add_zeros=_take_add_zeros,
        trunc_divide=functools.partial(_trunc_divide, lib),
        relu_backward=functools.partial(
            _relu_backward, numpy_fast.numpy_where if lib is np else lib.where
        ),
        index_put=_index_put,
        inv=functools.partial(_linalg_call, lib, "inv"),
        det=functools.partial(_linalg_call, lib, "det"),
        slogdet=functools.partial(_linalg_call, lib, "slogdet"),
        solve=functools.partial(_linalg_call, lib, "solve"),
        # the decompositions (arraygrad.ops.decompositions), with their keyword options
        cholesky=functools.partial(_linalg_call, lib, "cholesky"),
        eigh=functools.partial(_linalg_call, lib, "eigh"),
        svd=functools.partial(_linalg_call, lib, "svd"),
        qr=functools.partial(_linalg_call, lib, "qr"),
        adjugate=functools.partial(_adjugate, lib),
        binary_cross_entropy_backward=functools.partial(_binary_cross_entropy_backward, lib),
    )


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


def _trunc_divide(lib: Any, x: Any, y: Any) -> Any:
    """``x / y`` rounded toward 0 (PyTorch's ``div(rounding_mode="trunc")`` of floats)."""
    return lib.trunc(x / y)


def _linalg_call(lib: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    """``lib.linalg.<name>(*args, **kwargs)``: the Array API's linalg extension, by a flat name
    for rules."""
    return getattr(lib.linalg, name)(*args, **kwargs)


def _index_put(x: Any, values: Any, key: Any) -> Any:
    """A copy of ``x`` with ``values`` (broadcast) written at ``[key]``."""
    out = asarray(x, copy=True)  # also turns a NumPy scalar (a 0-d gradient) into an array
    if is_numpy:
        out[key] = values
    elif _is_advanced(key) or _has_none(key):
        written = np.array(to_numpy(out), copy=True)
        written[_numpy_key(key)] = to_numpy(values) if is_array(values) else values
        return _from_numpy(written, out.dtype)
    else:
        out[_full_key(key)] = values
    return out


def _adjugate(lib: Any, a: Any) -> Any:
    """The adjugate of a batch of square matrices, exact for singular ones too.

    With ``A = U diag(s) V^T``, ``adj(A) = det(U) det(V) V diag(prod_{j != i} s_j) U^T``: the
    products leave each singular value out instead of dividing by it.
    """
    n = a.shape[-1]
    if n == 0:
        return lib.zeros(a.shape, dtype=a.dtype)
    if not is_numpy:
        return lib.linalg.det(a)[..., None, None] * lib.linalg.inv(a)
    u, s, vt = np.linalg.svd(a)
    ones = np.ones(s.shape[:-1] + (1,), dtype=s.dtype)
    before = np.cumprod(np.concatenate([ones, s[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([ones, s[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    sign = np.linalg.det(u) * np.linalg.det(vt)
    middle = (before * after)[..., :, None] * np.swapaxes(u, -1, -2)
    return (sign[..., None, None] * (np.swapaxes(vt, -1, -2) @ middle)).astype(a.dtype)


def _getitem(x: Any, key: Any) -> Any:
    """``x[key]``, as a function so that VJP rules can name it on any namespace."""
    if is_numpy:
        out = x[key]
        if out.__class__ is not np.ndarray and x.__class__ is np.ndarray:
            # An integer for every axis gives a NumPy scalar, a copy: with a trailing ``...``
            # NumPy gives the element as a 0-d view, so that writes through it reach x.
            out = x[_full_key(key)]
        return out
    if _is_advanced(key):  # the standard's integer-array indexing is narrower than PyTorch's
        return _from_numpy(to_numpy(x)[_numpy_key(key)], x.dtype)
    return x[_full_key(key)]


def window_picks(count: int, size: int, step: int) -> Any:
    """``picks[i, j] = i * step + j``: the positions along the windowed axis of the ``count``
    windows of ``size`` elements, ``step`` apart (an int64 array of the active namespace)."""
    starts = xp.reshape(xp.arange(count, dtype=xp.int64) * step, (count, 1))
    return starts + xp.reshape(xp.arange(size, dtype=xp.int64), (1, size))


def _window_view(lib: Any, x: Any, axis: int, size: int, step: int) -> Any:
    """The windows of ``size`` elements, ``step`` apart, along ``axis`` of ``x``, as a new last
    axis: ``out[..., i, ..., j] = x[..., i * step + j, ...]`` (PyTorch's ``unfold``).

    On NumPy a strided view of ``x``'s memory, writable where ``x`` is, so that writes through
    it reach ``x`` as in PyTorch even where windows overlap (an element then appears in several
    windows); other libraries do not expose strides and get a copy.
    """
    count = (x.shape[axis] - size) // step + 1
    if x.__class__ is np.ndarray:
        shape = x.shape[:axis] + (count,) + x.shape[axis + 1 :] + (size,)
        strides = x.strides
        strides = strides[:axis] + (strides[axis] * step,) + strides[axis + 1 :] + (strides[axis],)
        return np.lib.stride_tricks.as_strided(x, shape, strides, writeable=x.flags.writeable)
    gathered = lib.take(x, lib.reshape(window_picks(count, size, step), (-1,)), axis=axis)
    windows = lib.reshape(gathered, x.shape[:axis] + (count, size) + x.shape[axis + 1 :])
    order = list(range(windows.ndim))
    order.append(order.pop(axis + 1))
    return lib.permute_dims(windows, tuple(order))


def diagonal_span(rows: int, cols: int, offset: int) -> tuple[int, int, int]:
    """First row, first column and length of the ``offset``-th diagonal of a ``rows x cols``
    matrix (``offset > 0`` above the main diagonal)."""
    first_row, first_col = max(-offset, 0), max(offset, 0)
    return first_row, first_col, max(0, min(rows - first_row, cols - first_col))


def diagonal_indices(rows: int, cols: int, offset: int) -> tuple[Any, Any]:
    """The row and column indices of the ``offset``-th diagonal of a ``rows x cols`` matrix."""
    first_row, first_col, count = diagonal_span(rows, cols, offset)
    steps = xp.arange(count)
    return steps + first_row, steps + first_col


def _diagonal_view(lib: Any, x: Any, offset: int) -> Any:
    """The ``offset``-th diagonal of the matrices in the last two axes of ``x``, as a last axis.

    On NumPy a strided view of ``x``'s memory (one step is a row and a column), writable where
    ``x`` is, whatever ``x``'s layout; other libraries get a copy.
    """
    rows, cols = x.shape[-2:]
    first_row, first_col, count = diagonal_span(rows, cols, offset)
    if x.__class__ is np.ndarray:
        shape = x.shape[:-2] + (count,)
        strides = x.strides[:-2] + (x.strides[-2] + x.strides[-1],)
        # From the diagonal's first element (the batch axes kept, a last axis of 1: a view).
        start = x[..., first_row, first_col, None] if count else x
        return np.lib.stride_tricks.as_strided(start, shape, strides, writeable=x.flags.writeable)
    return x[(..., *diagonal_indices(rows, cols, offset))]


def _expand_view(lib: Any, x: Any, shape: tuple[int, ...]) -> Any:
    """``x`` broadcast to ``shape`` as a view of its memory (PyTorch's ``expand``): on NumPy
    writable where ``x`` is, each repeated element one memory location (stride 0), so that
    writes into ``x`` show through and ``fill_`` reaches ``x``, as in PyTorch. Other libraries
    give what their ``broadcast_to`` gives.
    """
    if x.__class__ is not np.ndarray:
        return lib.broadcast_to(x, shape)
    lead = len(shape) - x.ndim
    if lead < 0 or any(
        have not in (1, want) for have, want in zip(x.shape, shape[lead:], strict=True)
    ):
        return np.broadcast_to(x, shape)  # raises NumPy's error for shapes that do not fit
    strides = (0,) * lead + tuple(
        0 if have == 1 and want != 1 else stride
        for have, want, stride in zip(x.shape, shape[lead:], x.strides, strict=True)
    )
    if x.flags.c_contiguous:  # ~10x faster than as_strided: x itself is the buffer
        return np.ndarray(shape, x.dtype, x, 0, strides)
    return np.lib.stride_tricks.as_strided(x, shape, strides, writeable=x.flags.writeable)


def _full_key(key: Any) -> Any:
    """``key`` with a trailing ``...``: the same selection, which strict libraries require."""
    parts = key if isinstance(key, tuple) else (key,)
    if any(p is Ellipsis for p in parts):
        return parts
    return (*parts, Ellipsis)


def _has_none(key: Any) -> bool:
    # The standard allows None (a new axis) when reading, not when writing.
    return any(p is None for p in (key if isinstance(key, tuple) else (key,)))


def _numpy_key(key: Any) -> Any:
    parts = key if isinstance(key, tuple) else (key,)
    return tuple(to_numpy(p) if isinstance(p, array_type) else p for p in parts)


def _from_numpy(values: Any, dtype: Any) -> Any:
    values = np.asarray(values)  # tolist() loses the shape of empty arrays: reshape after
    return module.reshape(module.asarray(values.tolist(), dtype=dtype), values.shape)


def set_at(x: Any, key: Any, values: Any) -> None:
    """``x[key] = values`` in place, for any key PyTorch accepts, on any backend."""
    if is_numpy:
        x[key] = values
    elif _is_advanced(key) or _has_none(key):
        x[...] = _index_put(x, values, key)
    else:
        x[_full_key(key)] = values


def _index_add_zeros(values: Any, shape: tuple[int, ...], key: Any) -> Any:
    """A zero array of ``shape`` with ``values`` added at ``x[key]``, repeated indices summing.

    It is the adjoint of ``x[key]``: the gradient of indexing scatters back to the indexed places.
    """
    out = module.zeros(shape, dtype=values.dtype)
    if is_numpy and _is_advanced(key):
        np.add.at(out, key, values)  # sums where an index repeats; plain assignment would not
    elif _is_advanced(key) or _has_none(key):  # other libraries: scatter-add in NumPy
        scattered = np.zeros(shape, dtype=to_numpy(out).dtype)
        np.add.at(scattered, _numpy_key(key), to_numpy(values))
        return _from_numpy(scattered, out.dtype)
    else:
        out[key if is_numpy else _full_key(key)] = values
    return out


def _is_advanced(key: Any) -> bool:
    parts = key if isinstance(key, tuple) else (key,)
    return any(not isinstance(p, (int, slice, type(None), type(Ellipsis))) for p in parts)


def _take_add_zeros(values: Any, indices: Any, shape: tuple[int, ...], axis: int) -> Any:
    """Zeros of ``shape`` with ``values`` added at ``indices`` along ``axis``, repeats summing.

    The adjoint of ``take(x, indices, axis=axis)`` (1-D ``indices``).
    """
    if is_numpy:
        out = np.zeros(shape, dtype=values.dtype)
        np.add.at(out, (slice(None),) * axis + (indices,), values)
        return out
    # The standard has no scatter-add: sum through a one-hot matrix instead.
    one_hot = module.reshape(indices, (-1, 1)) == module.arange(shape[axis], dtype=indices.dtype)
    moved = module.moveaxis(values, axis, -1)
    return module.moveaxis(moved @ module.astype(one_hot, values.dtype), -1, axis)


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


def is_array(value: Any) -> bool:
    """Whether ``value`` is an array (or NumPy scalar) of the active namespace or of NumPy."""
    return isinstance(value, (array_type, np.ndarray, np.generic))


def asarray(value: Any, dtype: Any = None, copy: bool | None = None) -> Any:
    """Convert Python data, NumPy arrays or arrays of the active namespace to an ``xp`` array."""
    if tracer is not None:
        return tracer.call(asarray, (value, dtype, copy))
    if is_numpy:
        if copy:
            return np.array(value, dtype=dtype, copy=True)
        return np.asarray(value, dtype=dtype)
    return module.asarray(value, dtype=dtype, copy=copy)


def to_numpy(array: Any) -> np.ndarray:
    """A NumPy array with the values of ``array`` (no copy on the NumPy backend)."""
    if tracer is not None:
        tracer.untraceable("reading a tensor's values into NumPy (.numpy())")
    if isinstance(array, np.ndarray):
        return array
    if isinstance(array, np.generic):
        return np.asarray(array)
    try:
        return np.from_dlpack(array)
    except (TypeError, AttributeError, RuntimeError, BufferError):
        return np.asarray(to_list(array))


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


def element_strides(array: Any) -> tuple[int, ...]:
    """The strides of ``array`` in elements; C order for libraries that do not expose them."""
    if isinstance(array, np.ndarray) and array.size:
        return tuple(s // array.itemsize for s in array.strides)
    # Empty arrays: NumPy may report any strides for them; PyTorch's are C order.
    shape, out, step = tuple(array.shape), [], 1
    for size in reversed(shape):
        out.append(step)
        step *= max(size, 1)
    return tuple(reversed(out))


def triangle_mask(rows: int, cols: int, diagonal: int, lower: bool) -> Any:
    """The ``(rows, cols)`` bool array that is True on the lower triangle ``col - row <=
    diagonal`` (``lower``) or the upper one ``col - row >= diagonal``: the one mask behind
    ``tril``/``triu``, ``tril_indices``/``triu_indices``, causal attention and the
    decompositions' rules. Built from the static sizes, so it is a constant under
    ``arraygrad.compile``."""
    offset = xp.reshape(xp.arange(cols), (1, cols)) - xp.reshape(xp.arange(rows), (rows, 1))
    return offset <= diagonal if lower else offset >= diagonal


def shares_memory(view: Any, base: Any) -> bool:
    """Whether the array ``view``, made from ``base`` by a view operation, shares its memory
    (the operation may have copied: a small broadcast, an element read out, a reshape).

    NumPy points every view at the array owning the memory; other libraries do not tell, and
    their views are taken at their word.
    """
    if view is base or view.__class__ is not np.ndarray or base.__class__ is not np.ndarray:
        return True
    owner = view.base
    return owner is not None and (owner is base or owner is base.base)


def memory_positions(view: Any, base: Any) -> Any:
    """The flat (C-order) position in ``base`` of every element of ``view``, an array sharing
    its memory, read from their addresses (the view's size of work, however it was made); or
    ``None`` where that cannot be read (other libraries, a ``base`` not C-contiguous)."""
    if (
        view.__class__ is not np.ndarray
        or base.__class__ is not np.ndarray
        or not base.flags.c_contiguous
    ):
        return None
    itemsize = base.itemsize
    start = view.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    positions: Any = np.asarray(start // itemsize, dtype=np.intp)
    for axis, (size, stride) in enumerate(zip(view.shape, view.strides, strict=True)):
        steps = np.arange(size, dtype=np.intp) * (stride // itemsize)
        positions = positions + steps.reshape((1,) * axis + (size,) + (1,) * (view.ndim - axis - 1))
    return positions


def repeats_elements(array: Any) -> bool:
    """Whether ``array`` is a broadcast view: some of its elements are one memory location
    (a zero stride along an axis of more than one element; NumPy only)."""
    return array.__class__ is np.ndarray and any(
        stride == 0 and size > 1 for size, stride in zip(array.shape, array.strides, strict=True)
    )


def has_repeats(positions: Any) -> bool | None:
    """Whether a memory position occurs twice in ``positions`` (from :func:`memory_positions`);
    ``None`` when there are none to look at."""
    if positions is None:
        return None
    flat = np.reshape(positions, -1)
    return bool(flat.size > 1 and np.unique(flat).size < flat.size)


def reshapes_as_view(array: Any, shape: tuple[int, ...]) -> bool:
    """Whether ``array`` takes ``shape`` without a copy (its strides allow it), as a view must.

    Libraries that do not expose their memory layout are taken at their word: the Array API's
    ``reshape(..., copy=False)`` raises where a copy would be needed.
    """
    # While arraygrad.compile traces, the answer for the traced arrays holds for every replay:
    # a compiled step guards on its inputs' strides. (It must be the real answer: a layout
    # taken for a view that is not would make the replay write into a copy.)
    try:
        if isinstance(array, np.ndarray):
            np.reshape(array, shape, copy=False)
        elif tracer is not None:
            return True
        else:
            xp.reshape(array, shape, copy=False)
    except (ValueError, AttributeError):  # array_api_strict raises AttributeError
        return False
    return True


def element_offset(array: Any) -> int:
    """How many elements into the memory of the array it views ``array`` starts (0 if none)."""
    if not isinstance(array, np.ndarray):
        return 0
    root = array
    while isinstance(root.base, np.ndarray):
        root = root.base
    start = array.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    return int(start // array.itemsize)


# --- arrays as bytes (checkpoints) ----------------------------------------------------------------


def array_to_bytes(array: Any) -> tuple[str, tuple[int, ...], bytes]:
    """``array`` as (dtype name, shape, little-endian C-order bytes)."""
    values = to_numpy(array)
    # astype, not ascontiguousarray, which would turn a 0-d array into a 1-d one
    values = values.astype(values.dtype.newbyteorder("<"), order="C", copy=False)
    return values.dtype.name, tuple(values.shape), values.tobytes()


def array_from_bytes(data: Any, dtype_name: str, shape: tuple[int, ...]) -> Any:
    """An ``xp`` array of ``shape`` read from little-endian C-order ``data`` (copied).

    The caller checks that ``len(data)`` is the array's size in bytes.
    """
    little = np.dtype(dtype_name).newbyteorder("<")
    values = np.frombuffer(data, dtype=little).reshape(shape)
    return asarray(values.astype(little.newbyteorder("="), copy=True))


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
