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
import itertools
from types import ModuleType, SimpleNamespace
from typing import Any

import numpy as np

from arraygrad import _special

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

_rng: np.random.Generator = np.random.default_rng()


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


def _extended_namespace(lib: Any) -> SimpleNamespace:
    """``lib``'s public functions plus the array functions arraygrad needs beyond the standard."""
    # vars(), not dir(): dir() lists submodules that NumPy imports lazily (f2py, ma, testing...),
    # and fetching them would double the import time of arraygrad.
    names = {name: value for name, value in vars(lib).items() if not name.startswith("_")}
    return SimpleNamespace(
        **names,
        erf=functools.partial(_special.erf, lib),
        erfc=functools.partial(_special.erfc, lib),
        erfinv=functools.partial(_special.erfinv, lib),
        lgamma=functools.partial(_special.lgamma, lib),
        digamma=functools.partial(_special.digamma, lib),
        polygamma=functools.partial(_special.polygamma, lib),
        getitem=_getitem,
        index_add_zeros=_index_add_zeros,
        sliding_windows=_sliding_windows,
        fold_windows=_fold_windows,
        index_put=_index_put,
        inv=functools.partial(_linalg_call, lib, "inv"),
        det=functools.partial(_linalg_call, lib, "det"),
        solve=functools.partial(_linalg_call, lib, "solve"),
        adjugate=functools.partial(_adjugate, lib),
    )


def _linalg_call(lib: Any, name: str, *args: Any) -> Any:
    """``lib.linalg.<name>(*args)``: the Array API's linalg extension, by a flat name for rules."""
    return getattr(importlib.import_module(lib.__name__ + ".linalg"), name)(*args)


def _index_put(x: Any, values: Any, key: Any) -> Any:
    """A copy of ``x`` with ``values`` (broadcast) written at ``[key]``."""
    out = copy(x)
    out[key] = values
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
        linalg = importlib.import_module(lib.__name__ + ".linalg")
        return linalg.det(a)[..., None, None] * linalg.inv(a)
    u, s, vt = np.linalg.svd(a)
    ones = np.ones(s.shape[:-1] + (1,), dtype=s.dtype)
    before = np.cumprod(np.concatenate([ones, s[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([ones, s[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    sign = np.linalg.det(u) * np.linalg.det(vt)
    middle = (before * after)[..., :, None] * np.swapaxes(u, -1, -2)
    return (sign[..., None, None] * (np.swapaxes(vt, -1, -2) @ middle)).astype(a.dtype)


def _getitem(x: Any, key: Any) -> Any:
    """``x[key]``, as a function so that VJP rules can name it on any namespace."""
    return x[key]


def _index_add_zeros(values: Any, shape: tuple[int, ...], key: Any) -> Any:
    """A zero array of ``shape`` with ``values`` added at ``x[key]``, repeated indices summing.

    It is the adjoint of ``x[key]``: the gradient of indexing scatters back to the indexed places.
    """
    out = module.zeros(shape, dtype=values.dtype)
    if is_numpy and _is_advanced(key):
        np.add.at(out, key, values)  # sums where an index repeats; plain assignment would not
    else:
        out[key] = values
    return out


def _is_advanced(key: Any) -> bool:
    parts = key if isinstance(key, tuple) else (key,)
    return any(not isinstance(p, (int, slice, type(None), type(Ellipsis))) for p in parts)


# --- sliding windows (im2col) and their adjoint (col2im), for convolution and pooling -------------


def _window_out_sizes(
    spatial: tuple[int, ...],
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
) -> tuple[int, ...]:
    return tuple(
        (size - d * (k - 1) - 1) // s + 1
        for size, k, s, d in zip(spatial, kernel, stride, dilation, strict=True)
    )


def _window_key(
    offsets: tuple[int, ...],
    out: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
) -> tuple[Any, ...]:
    """The strided slice of the input that kernel position ``offsets`` sees in every window."""
    return (Ellipsis,) + tuple(
        slice(o * d, o * d + s * (m - 1) + 1, s)
        for o, m, s, d in zip(offsets, out, stride, dilation, strict=True)
    )


def _sliding_windows(
    x: Any, kernel: tuple[int, ...], stride: tuple[int, ...], dilation: tuple[int, ...]
) -> Any:
    """The windows of ``x`` over its last ``len(kernel)`` axes, laid out ``(..., *kernel, *out)``.

    ``out[..., i, j, p, q] = x[..., p * stride + i * dilation, q * stride + j * dilation]`` (for
    two window axes): the im2col layout, so that a convolution is one matmul over ``kernel``.
    """
    n = len(kernel)
    lead = x.ndim - n
    out = _window_out_sizes(tuple(x.shape[lead:]), kernel, stride, dilation)
    if is_numpy:
        span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True))
        view = np.lib.stride_tricks.sliding_window_view(x, span, axis=tuple(range(lead, x.ndim)))
        key = (Ellipsis,)
        key += tuple(slice(0, s * (m - 1) + 1, s) for s, m in zip(stride, out, strict=True))
        key += tuple(slice(None, None, d) for d in dilation)
        # (..., *out, *kernel) -> (..., *kernel, *out), copied: the view is read-only
        axes = tuple(range(lead)) + tuple(range(lead + n, lead + 2 * n))
        axes += tuple(range(lead, lead + n))
        return np.ascontiguousarray(view[key].transpose(axes))
    parts = [
        x[_window_key(offsets, out, stride, dilation)]
        for offsets in itertools.product(*(range(k) for k in kernel))
    ]
    stacked = module.stack(parts, axis=lead)
    return module.reshape(stacked, tuple(x.shape[:lead]) + tuple(kernel) + out)


def _fold_windows(
    cols: Any,
    shape: tuple[int, ...],
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
) -> Any:
    """The adjoint of :func:`_sliding_windows` (col2im): window values summed back into ``shape``.

    One strided slice-add per kernel position (never a loop over pixels or batch elements).
    """
    n = len(kernel)
    lead = len(shape) - n
    out = tuple(cols.shape[len(cols.shape) - n :])
    result = module.zeros(tuple(shape), dtype=cols.dtype)
    flat = module.reshape(cols, tuple(shape[:lead]) + (-1,) + out)
    for index, offsets in enumerate(itertools.product(*(range(k) for k in kernel))):
        key = _window_key(offsets, out, stride, dilation)
        values = flat[(slice(None),) * lead + (index,)]
        if is_numpy:
            result[key] += values  # each kernel position touches distinct places
        else:
            result[key] = result[key] + values
    return result


def get_backend() -> Any:
    """The active array namespace (the ``numpy`` module by default)."""
    return xp


def ensure_array(value: Any) -> Any:
    """``value`` as an array of the active namespace.

    NumPy's element-wise functions turn 0-d arrays into NumPy scalars; tensors always hold real
    arrays so that in-place operations and views behave alike for every shape.
    """
    if type(value) is array_type:
        return value
    if is_numpy:
        return np.asarray(value)
    return xp.asarray(value)


def is_array(value: Any) -> bool:
    """Whether ``value`` is an array (or NumPy scalar) of the active namespace or of NumPy."""
    return isinstance(value, (array_type, np.ndarray, np.generic))


def asarray(value: Any, dtype: Any = None, copy: bool | None = None) -> Any:
    """Convert Python data, NumPy arrays or arrays of the active namespace to an ``xp`` array."""
    if is_numpy:
        if copy:
            return np.array(value, dtype=dtype, copy=True)
        return np.asarray(value, dtype=dtype)
    return module.asarray(value, dtype=dtype, copy=copy)


def to_numpy(array: Any) -> np.ndarray:
    """A NumPy array with the values of ``array`` (no copy on the NumPy backend)."""
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
    if hasattr(array, "tolist"):
        return array.tolist()
    return to_numpy(array).tolist()


def item(array: Any) -> Any:
    """The single value of a one-element array as a Python number or bool."""
    value = to_list(xp.reshape(array, ()))
    return value


def copy(array: Any) -> Any:
    """A copy of ``array`` that shares no memory with it."""
    if is_numpy:
        return array.copy()
    return xp.asarray(array, copy=True)


def dtype_of_python(value: Any) -> str:
    """PyTorch's dtype name for a Python scalar or nested list of them."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int64"
    if isinstance(value, float):
        return "float"
    return "unknown"


def infer_dtype_name(data: Any) -> str:
    """The dtype name NumPy infers for ``data`` (used to apply PyTorch's defaults)."""
    return str(np.asarray(data).dtype)


# --- random numbers -------------------------------------------------------------------------------
# The Array API has no random module, so numbers are drawn with NumPy's PCG64 generator and moved to
# the active namespace. Seeding is global, as with torch.manual_seed.


set_backend(np)


def manual_seed(seed: int) -> None:
    """Reseed the global generator."""
    global _rng
    _rng = np.random.default_rng(int(seed))


def _to_xp(values: np.ndarray, dtype: Any) -> Any:
    if is_numpy:
        return values.astype(dtype, copy=False)
    return xp.asarray(values.tolist() if values.ndim == 0 else values, dtype=dtype)


def random_uniform(shape: tuple[int, ...], dtype: Any, low: float = 0.0, high: float = 1.0) -> Any:
    """Uniform samples in ``[low, high)``."""
    return _to_xp(_rng.uniform(low, high, size=shape), dtype)


def random_normal(shape: tuple[int, ...], dtype: Any, mean: float = 0.0, std: float = 1.0) -> Any:
    """Normal samples."""
    return _to_xp(_rng.normal(mean, std, size=shape), dtype)


def random_integers(low: int, high: int, shape: tuple[int, ...], dtype: Any) -> Any:
    """Integers drawn uniformly from ``[low, high)``."""
    return _to_xp(_rng.integers(low, high, size=shape), dtype)


def random_permutation(n: int, dtype: Any) -> Any:
    """A random permutation of ``0 .. n-1``."""
    return _to_xp(_rng.permutation(n), dtype)


def random_bernoulli(p: float, shape: tuple[int, ...], dtype: Any) -> Any:
    """Samples that are 1 with probability ``p`` and 0 otherwise."""
    return _to_xp(_rng.random(size=shape) < p, dtype)


# --- writing into existing arrays -----------------------------------------------------------------


def assign(target: Any, values: Any) -> None:
    """Write ``values`` (broadcast) into every element of ``target``, keeping its memory."""
    target[...] = values


def add_into(target: Any, values: Any) -> None:
    """``target += values`` without allocating a new array where the library allows it."""
    if is_numpy:
        np.add(target, values, out=target)
    else:
        target[...] = target + values
