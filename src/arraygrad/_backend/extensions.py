"""The namespace handed out as ``_backend.xp``: a library's own functions plus the array
functions arraygrad needs beyond the Array API standard.

:func:`extended_namespace` builds it once per :func:`arraygrad._backend.set_backend`: NumPy's
hot functions without their wrappers (numpy_fast.py), the standard's spellings of another
library's (spellings.py), and, bound to the library with ``functools.partial``, the special
functions, sliding windows and convolution, views, complex layouts, Fourier transforms,
linear algebra by flat names and a few fused rules (PyTorch's sign, the ReLU and binary cross
entropy gradients, ``linear``). Kept apart from ``_backend/__init__.py``, which holds the
state every op reads (``xp``, ``tracer``, ``array_type``...) and the helpers around it: this is
what the namespace is made of, run once per backend switch.
"""

from __future__ import annotations

import functools
from types import SimpleNamespace
from typing import Any

import numpy as np

from arraygrad import _backend, _conv_windows, _lapack_failures, _lu_factor, _special, _windows
from arraygrad._backend import (
    blockwise,
    complex_layout,
    fourier,
    indexing,
    layout,
    lazy,
    numpy_erf,
    numpy_erfinv,
    numpy_fast,
    piecewise,
    selection,
    spellings,
    triangular,
)

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


def extended_namespace(lib: Any) -> SimpleNamespace:
    """``lib``'s public functions plus the array functions arraygrad needs beyond the standard."""
    # vars(), not dir(): dir() lists submodules that NumPy imports lazily (f2py, ma, testing...),
    # and fetching them would double the import time of arraygrad.
    names = {name: value for name, value in vars(lib).items() if not name.startswith("_")}
    if lib is np:
        names.update(
            # (topk's, kthvalue's and median's partial orders; other libraries sort: see
            # _sorting.first_sorted)
            first_sorted=selection.first_sorted,
            kth_index=selection.kth_index,
            sum=numpy_fast.numpy_sum,
            mean=numpy_fast.numpy_mean,
            max=numpy_fast.numpy_max,
            min=numpy_fast.numpy_min,
            reshape=numpy_fast.numpy_reshape,
            permute_dims=numpy_fast.numpy_permute_dims,
            broadcast_to=numpy_fast.numpy_broadcast_to,
            where=numpy_fast.numpy_where,
            clip=numpy_fast.numpy_clip,
            astype=numpy_fast.numpy_astype,
            argmax=numpy_fast.numpy_argmax,
            argmin=numpy_fast.numpy_argmin,
            count_nonzero=numpy_fast.numpy_count_nonzero,
            matrix_transpose=numpy_fast.numpy_matrix_transpose,
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
    # The library the sliding windows and convolutions compute with: NumPy's reshapes and
    # permutations (and transposes) without their wrappers there (a convolution of a small image
    # makes several).
    grid_lib: Any = windows_lib
    if lib is np:
        own = {name: value for name, value in vars(np).items() if not name.startswith("_")}
        own.update(
            reshape=numpy_fast.numpy_reshape,
            permute_dims=numpy_fast.numpy_permute_dims,
            matrix_transpose=numpy_fast.numpy_matrix_transpose,
        )
        grid_lib = SimpleNamespace(**own)
    namespace = SimpleNamespace(
        **names,
        # (NumPy's: the same values, each range computed on its own elements only)
        erf=numpy_erf.erf if lib is np else functools.partial(_special.erf, lib),
        erfc=numpy_erf.erfc if lib is np else functools.partial(_special.erfc, lib),
        erfinv=numpy_erfinv.erfinv if lib is np else functools.partial(_special.erfinv, lib),
        # (NumPy's: block by block, each block's passes in cache)
        lgamma=_blocked(lib, _special.lgamma),
        digamma=_blocked(lib, _special.digamma),
        polygamma=_blocked(lib, _special.polygamma),
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
        bit_view=layout.bit_view,
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
            name: functools.partial(getattr(_windows, name), grid_lib, lib is np)
            for name in _WINDOWS
        },
        **{
            name: functools.partial(getattr(_conv_windows, name), grid_lib, lib is np)
            for name in _CONV_WINDOWS
        },
        take_add_zeros=indexing.take_add_zeros,
        gather_add=indexing.gather_add,
        trunc_divide=functools.partial(_trunc_divide, lib),
        linear=functools.partial(_linear, lib),
        # ReLU, hardswish, smooth L1 and their gradients: NumPy's kernels or the generic ones
        **{name: _piecewise(lib, name) for name in _PIECEWISE},
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
        svd=functools.partial(_nan_where_infinite, lib, "svd"),
        pinv=functools.partial(_nan_where_infinite, lib, "pinv"),
        qr=functools.partial(_linalg_call, lib, "qr"),
        lu_factor=functools.partial(_lu_factor.lu_factor, lib, lib is np),
        # (an LU solve that gives a singular matrix LAPACK's inf / nan: torch's _ex functions')
        solve_unchecked=_lapack_failures.solve_unchecked,
        adjugate=functools.partial(_adjugate, lib),
        binary_cross_entropy_backward=functools.partial(_binary_cross_entropy_backward, lib),
    )
    if lazy_lib:
        vars(namespace).update(lazy.namespace_functions(lib))
    # (bound to the namespace's solve, a lazy library's included)
    namespace.solve_triangular = functools.partial(
        triangular.solve_triangular, lib, namespace.solve, not lazy_lib
    )
    return namespace


_PIECEWISE = (
    "relu",
    "hardswish",
    "hardswish_backward",
    "smooth_l1",
    "smooth_l1_backward",
)


def _piecewise(lib: Any, name: str) -> Any:
    """piecewise.py's kernel ``name``: NumPy's own (``numpy_<name>``) or the generic formula
    bound to ``lib``."""
    if lib is np:
        return getattr(piecewise, f"numpy_{name}")
    return functools.partial(getattr(piecewise, f"generic_{name}"), lib)


def _blocked(lib: Any, function: Any) -> Any:
    """``function`` (a special function taking the library first) bound to ``lib``, computed
    block by block on NumPy (blockwise.py)."""
    bound = functools.partial(function, lib)
    return functools.partial(blockwise.in_blocks, bound) if lib is np else bound


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
    for rules.

    An empty first operand of a dtype the extension refuses (float16) or widens (bfloat16, the
    integers) has its empty results in its own dtype, as PyTorch, which runs no kernel on it.
    """
    function = getattr(lib.linalg, name)
    first = args[0]
    if first.size == 0 and first.dtype not in _linalg_dtypes(lib):
        wide = lib.float64
        results = function(*(lib.astype(a, wide) for a in args), **kwargs)
        if isinstance(results, tuple):  # (eigh's, svd's named tuples)
            return type(results)(*(lib.astype(r, first.dtype) for r in results))
        return lib.astype(results, first.dtype)
    return function(*args, **kwargs)


def _nan_where_infinite(lib: Any, name: str, a: Any, **kwargs: Any) -> Any:
    """``lib.linalg.<name>(a, **kwargs)`` (svd, pinv), where matrices holding an infinity (and
    the input no NaN) get NaN results, as PyTorch's: NumPy's LAPACK (gesdd with OpenBLAS) never
    returns on them. A NaN anywhere still raises NumPy's LinAlgError, as PyTorch raises its own.
    (Other libraries are called as they are: a lazy one would compute its input to look.)
    """
    if lib is not np:
        return _linalg_call(lib, name, a, **kwargs)
    infinite = np.isinf(a)
    if not infinite.any() or np.isnan(a).any():  # (the usual case: no copy)
        return _linalg_call(lib, name, a, **kwargs)
    bad = infinite.any(axis=(-2, -1))  # one flag per matrix
    results = _linalg_call(lib, name, np.where(bad[..., None, None], 0, a), **kwargs)

    def nan_where_bad(part: Any) -> Any:
        mask = bad.reshape(bad.shape + (1,) * (part.ndim - bad.ndim))
        nan = complex(np.nan, np.nan) if part.dtype.kind == "c" else np.nan  # (torch's nan+nanj)
        return np.where(mask, np.array(nan, part.dtype), part)

    if not isinstance(results, tuple):
        return nan_where_bad(results)
    return type(results)(*(nan_where_bad(part) for part in results))


def _linalg_dtypes(lib: Any) -> tuple[Any, ...]:
    return (lib.float32, lib.float64, lib.complex64, lib.complex128)


def _adjugate(lib: Any, a: Any) -> Any:
    """The adjugate of a batch of square matrices, exact for singular ones too.

    ``det(A) A^-1`` where ``det(A) != 0``, from the LU factorisation, as PyTorch's gradient of
    ``det`` solves with it (about 20 times faster than an SVD for small matrices, and closer to
    PyTorch's values); for singular matrices, with ``A = U diag(s) V^T``,
    ``adj(A) = det(U) det(V) V diag(prod_{j != i} s_j) U^T``: the products leave each singular
    value out instead of dividing by it.
    """
    n = a.shape[-1]
    if n == 0:
        return lib.zeros(a.shape, dtype=a.dtype)
    if not _backend.is_numpy:
        # (Dask's are the namespace's own: lazy.py)
        return _backend.xp.det(a)[..., None, None] * _backend.xp.inv(a)
    dets = np.linalg.det(a)
    regular = dets != 0
    if regular.all():  # (the usual case: no picking of matrices)
        try:
            return (dets[..., None, None] * np.linalg.inv(a)).astype(a.dtype, copy=False)
        except np.linalg.LinAlgError:  # (not expected where det != 0: the same LU)
            return _singular_adjugate(a)
    if not regular.any():
        return _singular_adjugate(a)
    matrices = a.reshape(-1, n, n)
    dets, regular = dets.reshape(-1), regular.reshape(-1)
    result = np.empty(matrices.shape, a.dtype)
    try:
        inverses = np.linalg.inv(matrices[regular])
    except np.linalg.LinAlgError:  # (as above)
        return _singular_adjugate(a)
    result[regular] = dets[regular][:, None, None] * inverses
    result[~regular] = _singular_adjugate(matrices[~regular])
    return result.reshape(a.shape)


def _singular_adjugate(a: Any) -> Any:
    """:func:`_adjugate` of NumPy matrices by their SVD."""
    u, s, vt = np.linalg.svd(a)
    ones = np.ones(s.shape[:-1] + (1,), dtype=s.dtype)
    before = np.cumprod(np.concatenate([ones, s[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([ones, s[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    sign = np.linalg.det(u) * np.linalg.det(vt)
    middle = (before * after)[..., :, None] * np.swapaxes(u, -1, -2)
    return (sign[..., None, None] * (np.swapaxes(vt, -1, -2) @ middle)).astype(a.dtype)
