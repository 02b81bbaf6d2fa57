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
    matrices, lacks ``eigh`` and full SVDs and QRs: NumPy's runs on each batch of blocks)."""
    functions: dict[str, Any] = {
        name: functools.partial(_sized, lib, getattr(lib, name))
        for name in _VALUE_SHAPED
        if hasattr(lib, name)
    }
    for name, signature in _LINALG.items():
        functions[name] = functools.partial(_linalg, name, signature)
    functions["eye"] = functools.partial(_eye, lib)
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
