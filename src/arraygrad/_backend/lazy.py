"""Lazy array libraries (Dask): how arraygrad names them and reads their values.

Dask's own ``dask.array`` is not a standard namespace; array-api-compat wraps it as
``array_api_compat.dask.array``, which ``set_backend("dask")`` selects. Its arrays are task
graphs: every operation only adds to the graph, and values are computed when they are read
(``.item()``, ``.tolist()``, ``.numpy()``, printing, ``bool()``). Dask arrays have no
``tolist`` and refuse DLPack (their values do not exist yet), so reading one computes it.
"""

from __future__ import annotations

import functools
import warnings
from types import SimpleNamespace
from typing import Any

import numpy as np

#: Short names that :func:`arraygrad.set_backend` accepts for a library's standard namespace.
SHORTHANDS = {"dask": "array_api_compat.dask.array"}

#: The messages of NumPy's floating-point RuntimeWarnings, which arraygrad silences.
FLOAT_WARNINGS = r"(divide by zero|invalid value|overflow|underflow) encountered in "


def is_lazy(lib: Any) -> bool:
    """Whether ``lib``'s arrays hold a graph to compute rather than values (Dask's)."""
    return lib.__name__.startswith(("dask.", "array_api_compat.dask"))


def computed(array: Any) -> np.ndarray:
    """The values of the lazy ``array`` as a NumPy array: its graph runs here."""
    return computed_all([array])[0]


def computed_all(arrays: Any) -> list[np.ndarray]:
    """The values of several lazy arrays as NumPy arrays, from one run of their graphs (shared
    inputs are computed once)."""
    import dask

    # NumPy's floating-point warnings (log(0), 0 / 0) come from Dask's modules as the graph
    # runs, past the filter on arraygrad's own: silenced here, as PyTorch gives the IEEE
    # results silently (see _backend/__init__.py).
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=FLOAT_WARNINGS, category=RuntimeWarning)
        return [np.asarray(values) for values in dask.compute(*arrays)]


# Results whose shape depends on the values (as in _compile_tracer's list). Dask gives them
# unknown (nan) sizes, which no later shape logic can use, where PyTorch's shapes are numbers:
# they are computed when made, as PyTorch reads the values to size them.
_VALUE_SHAPED: tuple[str, ...] = ("nonzero", "argwhere", "flatnonzero", "unique_values")
_VALUE_SHAPED += ("unique_all", "unique_counts", "unique_inverse")


def namespace_functions(lib: Any) -> dict[str, Any]:
    """The functions of the lazy ``lib`` that arraygrad's namespace replaces: those whose
    results are shaped by the values, and the linear algebra (Dask's works on single 2-D
    matrices, lacks ``eigh`` and full SVDs and QRs: NumPy's runs on each batch of blocks),
    ``reshape``, ``take`` and ``repeat``, past what Dask 2026.8 refuses or gets wrong, and the
    standard's ``take_along_axis``, which it lacks."""
    functions: dict[str, Any] = {
        name: functools.partial(_sized, lib, getattr(lib, name))
        for name in _VALUE_SHAPED
        if hasattr(lib, name)
    }
    for name, signature in _LINALG.items():
        functions[name] = functools.partial(_linalg, name, signature)
    functions["eye"] = functools.partial(_eye, lib)
    functions["reshape"] = functools.partial(_reshape, lib.reshape)
    functions["take"] = functools.partial(_take, lib.take)
    functions["take_along_axis"] = functools.partial(_take_along_axis, lib)
    functions["repeat"] = functools.partial(_repeat, lib)
    functions["solve"] = _solve
    functions["svd"] = _svd
    functions["qr"] = _qr
    return functions


def _eye(
    lib: Any, n_rows: int, n_cols: int | None = None, /, *, k: int = 0, dtype: Any = None
) -> Any:
    """The standard's ``eye``, from two ranges: Dask 2026.8's ``eye`` of a non-square shape
    chunks its columns as its rows and loses the blocks past the first (``eye(1, 2)`` fails to
    compute, 'Missing dependency')."""
    cols = n_rows if n_cols is None else n_cols
    rows = lib.reshape(lib.arange(n_rows), (n_rows, 1))
    hit = rows + k == lib.reshape(lib.arange(cols), (1, cols))
    return lib.astype(hit, lib.float64 if dtype is None else dtype)


def standard(lib: Any) -> SimpleNamespace:
    """``lib`` with :func:`namespace_functions` in place of Dask's own (the standard's
    ``reshape``, value-shaped results computed, ...), for code that is handed the library
    itself rather than arraygrad's namespace: the windows of convolutions, the special
    functions (``zeta`` iterates over ``unique_values`` of its orders)."""
    names = {name: value for name, value in vars(lib).items() if not name.startswith("_")}
    return SimpleNamespace(**{**names, **namespace_functions(lib)})


def _reshape(reshape: Any, x: Any, /, shape: Any, *, copy: bool | None = None) -> Any:
    """The standard's ``reshape``. Dask's reshapes only by splitting or merging whole dimensions
    (NotImplementedError where one is split and merged at once, as convolutions' ``(C, kh, kw,
    ...)`` as ``(groups, C / groups * kh * kw, ...)``): those go through one flat dimension, a
    merge of all then a split, which it always can (the rechunking stays lazy)."""
    try:
        return reshape(x, shape, copy=copy)
    except NotImplementedError:
        return reshape(reshape(x, (-1,), copy=copy), shape)


def _take(take: Any, x: Any, indices: Any, /, *, axis: int | None = None) -> Any:
    """The standard's ``take``, past a Dask 2026.8 name clash: indexing an axis by a Dask array
    names the axis's chunk offsets ``from_array(offsets, chunks=1)``, by their hash, the name
    ``asarray(np.array([0]))`` has too (an index of one element, 0, on an axis of one chunk),
    and the two graphs merge into one whose declared shape is the whole axis (``take`` of
    ``(2, 1)`` by ``[0]`` claimed ``(2, 1)``, computed ``(1, 1)``). Such an index is given a
    name of its own (a no-op task)."""
    if hasattr(indices, "map_blocks") and tuple(indices.shape) == (1,):
        indices = indices.map_blocks(np.asarray, dtype=indices.dtype)
    return take(x, indices) if axis is None else take(x, indices, axis=axis)


def _take_along_axis(lib: Any, x: Any, indices: Any, /, *, axis: int = -1) -> Any:
    """The standard's ``take_along_axis`` (2024.12), which Dask 2026.8 lacks: an advanced index
    of ``x`` by ``indices`` along ``axis`` and ranges along the other axes (broadcast with
    ``indices``, as NumPy's), read lazily through :func:`getitem`."""
    axis = axis % x.ndim
    key = tuple(
        indices
        if d == axis
        else lib.reshape(lib.arange(size), tuple(size if e == d else 1 for e in range(x.ndim)))
        for d, size in enumerate(x.shape)
    )
    return getitem(lib, x, key)


def _repeat(lib: Any, x: Any, repeats: Any, /, *, axis: int | None = None) -> Any:
    """The standard's ``repeat``. Dask 2026.8 repeats only by one Python int ("Only integer
    valued repeats supported"): counts given as an array are read (the result's length is
    their sum, which PyTorch reads too), and ``x`` is taken at the positions they repeat."""
    if not hasattr(repeats, "shape"):
        return lib.repeat(x, repeats, axis=axis)
    counts = computed(repeats) if hasattr(repeats, "dask") else np.asarray(repeats)
    if axis is None:
        x, axis = lib.reshape(x, (-1,)), 0
    if counts.ndim == 0:
        return lib.repeat(x, int(counts), axis=axis)
    picks = np.repeat(np.arange(x.shape[axis], dtype=np.int64), counts)
    return lib.take(x, lib.asarray(picks), axis=axis)


def _sized(lib: Any, function: Any, *args: Any, **kwargs: Any) -> Any:
    result = function(*args, **kwargs)
    parts = list(result) if isinstance(result, tuple) else [result]
    known = [lib.asarray(values) for values in computed_all(parts)]
    if not isinstance(result, tuple):
        return known[0]
    return type(result)(*known) if hasattr(result, "_fields") else tuple(known)


#: NumPy's linear algebra as generalized ufuncs: the core dimensions of inputs and outputs.
_LINALG = {
    "inv": "(n,n)->(n,n)",
    "det": "(n,n)->()",
    "slogdet": "(n,n)->(),()",
    "cholesky": "(n,n)->(n,n)",
    "eigh": "(n,n)->(n),(n,n)",
}


def _linalg(name: str, signature: str, *arrays: Any, **kwargs: Any) -> Any:
    """NumPy's ``linalg.<name>`` lazily on Dask arrays: blocks of whole matrices (the batch
    dimensions stay chunked), each factored when the result is computed."""
    import dask.array as da

    function = functools.partial(getattr(np.linalg, name), **kwargs)
    if any(0 in tuple(a.shape) for a in arrays):
        # Dask's apply_gufunc divides by the chunk sizes of empty dimensions; an empty input's
        # results need none of its values (det of 0 x 0 matrices is 1): NumPy gives them here.
        found = function(*[np.zeros(tuple(a.shape), dtype=a.dtype) for a in arrays])
        if not isinstance(found, tuple):
            return da.asarray(found)
        known = [da.asarray(out) for out in found]
        return type(found)(*known) if hasattr(found, "_fields") else tuple(known)
    # the dtypes (and result class) NumPy gives, from a 2 x 2 example
    example = function(*[np.eye(2, dtype=a.dtype)[..., : 2 if a.ndim > 1 else 1] for a in arrays])
    single = not isinstance(example, tuple)
    outputs = [example] if single else list(example)
    k = min(arrays[0].shape[-2:]) if arrays[0].ndim >= 2 else 0
    result = da.apply_gufunc(
        function,
        signature,
        *arrays,
        output_dtypes=[np.asarray(out).dtype for out in outputs],
        output_sizes={"k": k},
        allow_rechunk=True,
    )
    if single:
        return result
    return type(example)(*result) if hasattr(example, "_fields") else tuple(result)


def _solve(a: Any, b: Any) -> Any:
    # NumPy 2's rule: a 1-D b is a vector, anything else a batch of matrices
    signature = "(n,n),(n)->(n)" if b.ndim == 1 else "(n,n),(n,m)->(n,m)"
    return _linalg("solve", signature, a, b)


def _svd(a: Any, full_matrices: bool = True, compute_uv: bool = True) -> Any:
    if not compute_uv:
        return _linalg("svd", "(m,n)->(k)", a, compute_uv=False)
    signature = "(m,n)->(m,m),(k),(n,n)" if full_matrices else "(m,n)->(m,k),(k),(k,n)"
    return _linalg("svd", signature, a, full_matrices=full_matrices)


def _qr(a: Any, mode: str = "reduced") -> Any:
    signature = {"complete": "(m,n)->(m,m),(m,n)", "r": "(m,n)->(k,n)"}.get(
        mode, "(m,n)->(m,k),(k,n)"
    )
    return _linalg("qr", signature, a, mode=mode)


# Advanced indexing. The other libraries' fallback copies the array to NumPy and back, which on
# Dask computes its whole graph at every x[index], gather, sort or max(dim), and again for their
# gradients. Here each key becomes the flat positions it reads (a lazy integer array), which
# Dask reads, writes and scatter-adds through without computing anything.


class _NewAxis:
    """A 0-d boolean mask in a key, read: a new axis indexed ``count`` (0 or 1) times."""

    def __init__(self, count: int) -> None:
        self.count = count


def _is_index_array(part: Any) -> bool:
    return hasattr(part, "dtype") and hasattr(part, "shape")


def _in_range(index: np.ndarray, size: int) -> np.ndarray:
    """``index`` with negatives counted from the end, or IndexError (as NumPy's) if any is
    outside ``[-size, size)``: Dask reads an out-of-range position as another element."""
    bad = (index < -size) | (index >= size)
    if np.any(bad):
        raise IndexError(
            f"index {int(index[bad].flat[0])} is out of bounds for dimension with size {size}"
        )
    return np.where(index < 0, index + size, index)


def _positions(lib: Any, shape: tuple[int, ...], key: Any) -> tuple[Any, tuple[int, ...]]:
    """The flat (C-order) positions in an array of ``shape`` that NumPy's ``x[key]`` reads, as
    an array of the result's shape, and that shape. Boolean masks are read here, as PyTorch
    reads them to size the result; integer indices stay lazy (checked when computed)."""
    import dask.array as da

    parts = list(key) if isinstance(key, tuple) else [key]
    masks = [p for p in parts if _is_index_array(p) and p.dtype == bool]
    mask_values = iter(computed_all(masks) if masks else [])
    expanded: list[Any] = []
    for part in parts:
        if _is_index_array(part) and part.dtype == bool:
            values = next(mask_values)
            # NumPy's 0-d mask indexes a new dimension of one element (0 or 1 times): an
            # index array into a size-1 axis added below, where np.nonzero refuses 0-d
            expanded.extend(np.nonzero(values) if values.ndim else [_NewAxis(int(values))])
        else:
            expanded.append(part)
    used = sum(1 for p in expanded if not isinstance(p, (type(None), type(Ellipsis), _NewAxis)))
    fill = [slice(None)] * (len(shape) - used)
    at = next((i for i, p in enumerate(expanded) if p is Ellipsis), len(expanded))
    expanded[at : at + 1] = fill
    if any(isinstance(p, _NewAxis) for p in expanded):
        # (a size-1 axis moves no flat position: the strides below stay the array's)
        sizes = iter(shape)
        shape = tuple(
            1 if isinstance(p, _NewAxis) else next(sizes) for p in expanded if p is not None
        )
        expanded = [np.zeros(p.count, np.int64) if isinstance(p, _NewAxis) else p for p in expanded]
    # NumPy's rule: ints count as (0-d) index arrays beside arrays; the broadcast indices take
    # the place of the first where they are adjacent in the key, the front otherwise.
    advanced = [i for i, p in enumerate(expanded) if not isinstance(p, (slice, type(None)))]
    together = not advanced or advanced == list(range(advanced[0], advanced[-1] + 1))
    arrays = {
        i: expanded[i] if _is_index_array(expanded[i]) else np.asarray(expanded[i])
        for i in advanced
    }
    block = np.broadcast_shapes(*(tuple(a.shape) for a in arrays.values()))
    start = 0
    axes: dict[int, int] = {}  # key position -> result axis (basic parts)
    result: list[int] = [] if together else list(block)
    for i in range(len(expanded)):
        if i in arrays:
            if together and i == advanced[0]:
                start = len(result)
                result.extend(block)
            continue
        axes[i] = len(result)
        result.append(1)  # the size is set below (None's stays 1)
    ndim = len(result)
    strides = [int(np.prod(shape[d + 1 :], dtype=np.int64)) for d in range(len(shape))]
    positions: Any = np.zeros((1,) * ndim, dtype=np.int64)
    dim = 0
    for i, part in enumerate(expanded):
        if part is None:
            continue
        size, view = shape[dim], [1] * ndim
        if isinstance(part, slice):
            along = np.arange(*part.indices(size), dtype=np.int64)
            result[axes[i]] = view[axes[i]] = along.size
        else:
            index = arrays[i]
            if isinstance(index, da.Array):
                along = da.map_blocks(_in_range, index.astype(np.int64), size, dtype=np.int64)
            else:
                along = _in_range(np.asarray(index, dtype=np.int64), size)
            offset = start + len(block) - index.ndim
            view[offset : offset + index.ndim] = index.shape
        positions = positions + lib.reshape(lib.asarray(along), tuple(view)) * strides[dim]
        dim += 1
    return lib.broadcast_to(lib.asarray(positions), tuple(result)), tuple(result)


def getitem(lib: Any, x: Any, key: Any) -> Any:
    """NumPy's ``x[key]`` for an advanced ``key``, lazily."""
    positions, shape = _positions(lib, tuple(x.shape), key)
    if 0 in shape:  # (Dask cannot reshape empty arrays)
        return lib.zeros(shape, dtype=x.dtype)
    return lib.reshape(lib.reshape(x, (-1,))[lib.reshape(positions, (-1,))], shape)


def index_put(lib: Any, x: Any, values: Any, key: Any) -> Any:
    """A copy of ``x`` with ``values`` (broadcast) written at NumPy's ``[key]``, lazily."""
    parts = key if isinstance(key, tuple) else (key,)
    mask: Any = parts[0] if len(parts) == 1 else None
    one = not _is_index_array(values) or values.size == 1
    masked = mask is not None and _is_index_array(mask) and mask.dtype == bool
    if masked and one and tuple(mask.shape) == tuple(x.shape[: mask.ndim]):
        # x[mask] = v, the commonest masked write: where(), with no mask to read
        mask = lib.reshape(mask, tuple(mask.shape) + (1,) * (x.ndim - mask.ndim))
        fill = lib.reshape(lib.astype(lib.asarray(values), x.dtype), ())
        return lib.where(mask, fill, x)
    positions, shape = _positions(lib, tuple(x.shape), key)
    if 0 in shape:
        return lib.asarray(x, copy=True)
    values = values if _is_index_array(values) else lib.asarray(values, dtype=x.dtype)
    flat = lib.reshape(lib.asarray(x, copy=True), (-1,))
    flat[lib.reshape(positions, (-1,))] = lib.reshape(
        lib.broadcast_to(lib.astype(values, x.dtype), shape), (-1,)
    )
    return lib.reshape(flat, tuple(x.shape))


def index_add_zeros(lib: Any, values: Any, shape: tuple[int, ...], key: Any) -> Any:
    """Zeros of ``shape`` with ``values`` added at NumPy's ``[key]`` (repeats summing), lazily:
    the gradient of ``x[key]``."""
    import dask.array as da

    size = int(np.prod(shape, dtype=np.int64))
    positions, result = _positions(lib, shape, key)
    if size == 0 or 0 in result:
        return lib.zeros(shape, dtype=values.dtype)
    flat = lib.reshape(positions, (-1,))
    weights = lib.reshape(lib.broadcast_to(values, result), (-1,)).rechunk(flat.chunks)
    if lib.isdtype(values.dtype, "complex floating"):
        parts = [da.bincount(flat, weights=w, minlength=size) for w in (weights.real, weights.imag)]
        sums = parts[0] + 1j * parts[1]
    else:
        sums = da.bincount(flat, weights=weights, minlength=size)
    return lib.reshape(lib.astype(sums, values.dtype), shape)
