"""Statistics and norms: ``var``, ``std``, ``logsumexp``, ``norm``, ``vector_norm``.

``var``, ``std`` and ``logsumexp`` are compositions of primitives written to be stable (the mean
is subtracted before squaring; ``logsumexp`` shifts by the maximum); their gradients are those
of the compositions, which equal PyTorch's. ``std`` ends in the ``deviation_std`` primitive,
whose rule is PyTorch's std_backward (gradient 0 at zero spread). Norms use the ``vector_norm``
primitive, whose rule is PyTorch's (zero gradient at a zero norm, ties of the inf-norm sharing
the gradient).
``arraygrad.linalg.vector_norm`` is :func:`vector_norm`.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from arraygrad import _backend, _dtype, _reduced_floats, ops
from arraygrad._arguments import bool_argument, number_argument
from arraygrad._dims import is_one_dim, normalize_dims
from arraygrad._division import div
from arraygrad._math import _floating, mul, sqrt
from arraygrad._out import written, written_exactly
from arraygrad._primitive import labelled
from arraygrad._tensor import Tensor, describe

__all__ = [
    "corrcoef",
    "cov",
    "logsumexp",
    "norm",
    "std",
    "std_mean",
    "var",
    "var_mean",
]


def _correction(unbiased: bool | None, correction: float | None) -> float:
    if unbiased is not None and correction is not None:
        raise TypeError(
            "var/std: cannot specify both 'unbiased' and 'correction'. Fix: pass correction "
            "only (correction=1 is unbiased=True, correction=0 is unbiased=False)."
        )
    if correction is not None:
        return float(correction)
    return 1.0 if unbiased is None or unbiased else 0.0


def _deviations(
    name: str, input: Tensor, dim: Any, unbiased: Any, keepdim: bool, correction: Any
) -> tuple[Tensor, Tensor, tuple[int, ...] | None, float, bool]:
    """``input - mean``, the mean (kept dims), the axes and the divisor ``N - correction``."""
    if isinstance(dim, bool):  # torch.var(x, False): the legacy positional ``unbiased``
        dim, unbiased = None, dim
    if not input.dtype.is_floating_point and not input.dtype.is_complex:
        raise RuntimeError(
            f"std and var only support floating point and complex dtypes: {name}() got a "
            f"{describe(input)}. Fix: convert it first, e.g. x.float()."
        )
    axis = normalize_dims(dim, input.ndim)
    shape = tuple(input._data.shape)
    count = math.prod(shape if axis is None else (shape[a] for a in axis))
    centre = ops.mean(input, axis=axis, keepdims=True)
    divisor = count - _correction(unbiased, correction)
    # PyTorch warns where its reduction factor, the input's size over the result's (0 for an
    # empty input, whatever the result's size), is not above the correction.
    if divisor <= 0 or (0 in shape and count - divisor >= 0):
        warnings.warn(
            f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than the "
            "reduction factor (input numel divided by output numel).",
            UserWarning,
            stacklevel=3,
        )
    d = ops.subtract(input, centre)
    if input.dtype.is_complex:
        # |d|^2 is the sum of the squares of d's two parts: the real rules on the (..., 2) real
        # view, reduced over its last axis too, give the real variance and PyTorch's gradient.
        # (None stays None, a reduction over all elements, as PyTorch's backward tells apart)
        d = ops.complex_ops.view_as_real(d)
        axis = None if axis is None else (*axis, input.ndim)
    return d, centre, axis, divisor, bool(keepdim)


def _own_axes(axis: tuple[int, ...] | None, input: Tensor) -> tuple[int, ...] | None:
    """The input's reduced axes, without the parts axis of a complex input's real view."""
    return axis[:-1] if axis is not None and input.dtype.is_complex else axis


def _parts_dropped(result: Tensor, input: Tensor, keepdim: bool) -> Tensor:
    """A complex input's variance computed on its real view keeps that view's last axis with
    ``keepdim``: removed here."""
    if keepdim and input.dtype.is_complex:
        return ops.reshape(result, shape=tuple(result._data.shape)[:-1])
    return result


def _welford_mean(input: Tensor, centre: Tensor, axis: tuple[int, ...] | None) -> Tensor:
    """``centre`` (the mean, kept dims), nan where PyTorch's var_mean and std_mean give nan: their
    Welford update meets an infinity before the last element of its slice (inf - inf follows;
    read in index order, where PyTorch's whole-tensor reduction reads in memory order)."""
    data = input._data
    shape = tuple(data.shape)
    axes = tuple(range(len(shape))) if axis is None else axis
    count = math.prod(shape[a] for a in axes)
    if count < 2 or not _backend.is_real_floating(data.dtype):
        return centre
    tracer = _backend.tracer
    if tracer is not None:  # arraygrad.compile: the mask below reads the tensor's array itself
        tracer.see_tensor(input)
    xp = _backend.xp
    kept = tuple(a for a in range(len(shape)) if a not in axes)
    finite = xp.permute_dims(xp.isfinite(data), (*kept, *axes))
    rows = xp.reshape(finite, (*(shape[a] for a in kept), count))
    early = xp.logical_not(xp.all(rows[..., :-1], axis=-1))
    if tracer is None and not _backend.is_lazy and not bool(xp.any(early)):
        return centre  # (the usual case: nothing added)
    nan = xp.asarray(math.nan, dtype=data.dtype)
    offset = xp.where(early, nan, xp.zeros_like(nan))
    offset = _backend.ensure_array(xp.reshape(offset, tuple(centre._data.shape)))
    return ops.add(centre, Tensor._wrap(offset))  # (a constant: the gradient is the mean's)


def _squeeze_mean(centre: Tensor, axis: tuple[int, ...] | None, keepdim: bool) -> Tensor:
    if keepdim:
        return centre
    shape = tuple(centre._data.shape)
    kept = tuple(n for i, n in enumerate(shape) if axis is not None and i not in axis)
    return ops.reshape(centre, shape=kept)


def var(
    input: Tensor,
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: float | None = None,
    out: Tensor | None = None,
) -> Tensor:
    """Variance ``sum((x - mean)^2) / (N - correction)`` over ``dim`` (all by default).

    ``correction=1`` (the default, or ``unbiased=True``) is the unbiased estimate; ``N <=
    correction`` gives ``nan`` or ``inf``, as in PyTorch.

    >>> import arraygrad
    >>> arraygrad.tensor([1.0, 2.0, 3.0, 4.0]).var()
    tensor(1.6667)
    """
    if out is not None:
        return written("var", out, var, input, dim, unbiased, keepdim, correction=correction)
    if _reduced_floats.is_reduced(input):  # in float32, rounded once, as PyTorch's kernel
        return _reduced_floats.in_float32(var, input, dim, unbiased, keepdim, correction=correction)  # type: ignore[no-any-return]
    d, _, axis, divisor, keepdim = _deviations("var", input, dim, unbiased, keepdim, correction)
    return labelled(_var_from(input, d, axis, divisor, keepdim), "VarBackward0")


def _var_from(
    input: Tensor, d: Tensor, axis: tuple[int, ...] | None, divisor: float, keepdim: bool
) -> Tensor:
    if divisor <= 0:  # nan or inf, with PyTorch's gradient (its composition's is all nan)
        own = _own_axes(axis, input)
        return ops.spread_var(input, axis=own, keepdims=keepdim, divisor=divisor)
    squares = ops.sum(ops.multiply(d, d), axis=axis, keepdims=keepdim)
    return _parts_dropped(div(squares, divisor), input, keepdim)


def _std_from(
    input: Tensor, d: Tensor, axis: tuple[int, ...] | None, divisor: float, keepdim: bool
) -> Tensor:
    if divisor <= 0:  # nan or inf: PyTorch's std_backward gives 0 (g / inf) to var_backward
        return labelled(sqrt(_var_from(input, d, axis, divisor, keepdim)), "StdBackward0")
    # A primitive with PyTorch's std_backward: its gradient at zero spread is 0, where
    # sqrt(var) would give 0/0, and its higher derivatives there are PyTorch's (neither the
    # 2-norm's rule nor any masked composite gives both).
    std = ops.deviation_std(d, axis=axis, keepdims=keepdim, divisor=divisor)
    return _parts_dropped(std, input, keepdim)


def std(
    input: Tensor,
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: float | None = None,
    out: Tensor | None = None,
) -> Tensor:
    """Standard deviation, the square root of :func:`var` (gradient 0 where it is 0).

    >>> import arraygrad
    >>> arraygrad.tensor([1.0, 3.0]).std()
    tensor(1.4142)
    """
    if out is not None:
        return written("std", out, std, input, dim, unbiased, keepdim, correction=correction)
    if _reduced_floats.is_reduced(input):  # in float32, rounded once, as PyTorch's kernel
        return _reduced_floats.in_float32(std, input, dim, unbiased, keepdim, correction=correction)  # type: ignore[no-any-return]
    d, _, axis, divisor, keepdim = _deviations("std", input, dim, unbiased, keepdim, correction)
    return _std_from(input, d, axis, divisor, keepdim)


def var_mean(
    input: Tensor,
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: float | None = None,
) -> tuple[Tensor, Tensor]:
    """``(var(input, ...), mean(input, ...))`` in one pass, over ``dim`` (all when None).

    ``var = sum((x - mean)**2) / (n - correction)`` with Bessel's ``correction=1`` by default (nan
    for a single element); floating and complex tensors only.

    >>> import arraygrad
    >>> arraygrad.var_mean(arraygrad.tensor([1.0, 2.0, 3.0, 4.0]), correction=0)
    (tensor(1.2500), tensor(2.5000))
    """
    if _reduced_floats.is_reduced(input):  # in float32, rounded once, as PyTorch's kernel
        return _reduced_floats.in_float32(
            var_mean, input, dim, unbiased, keepdim, correction=correction
        )  # type: ignore[no-any-return]
    d, centre, axis, divisor, keepdim = _deviations(
        "var_mean", input, dim, unbiased, keepdim, correction
    )
    var = _var_from(input, d, axis, divisor, keepdim)
    centre = _welford_mean(input, centre, _own_axes(axis, input))
    return var, _squeeze_mean(centre, _own_axes(axis, input), keepdim)


def std_mean(
    input: Tensor,
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: float | None = None,
) -> tuple[Tensor, Tensor]:
    """``(std(input, ...), mean(input, ...))`` in one pass, over ``dim`` (all when None).

    ``std = sqrt(sum((x - mean)**2) / (n - correction))`` with Bessel's ``correction=1`` by
    default (nan for a single element); floating and complex tensors only.

    >>> import arraygrad
    >>> arraygrad.std_mean(arraygrad.tensor([1.0, 3.0]))
    (tensor(1.4142), tensor(2.))
    """
    if _reduced_floats.is_reduced(input):  # in float32, rounded once, as PyTorch's kernel
        return _reduced_floats.in_float32(
            std_mean, input, dim, unbiased, keepdim, correction=correction
        )  # type: ignore[no-any-return]
    d, centre, axis, divisor, keepdim = _deviations(
        "std_mean", input, dim, unbiased, keepdim, correction
    )
    std = _std_from(input, d, axis, divisor, keepdim)
    centre = _welford_mean(input, centre, _own_axes(axis, input))
    return std, _squeeze_mean(centre, _own_axes(axis, input), keepdim)


def logsumexp(
    input: Tensor, dim: Any, keepdim: bool = False, *, out: Tensor | None = None
) -> Tensor:
    """``log(sum(exp(input)))`` over ``dim``, computed without overflow.

    The maximum is subtracted before ``exp`` (and added back), so inputs of magnitude 1e4 in
    float32 give finite values and gradients; the gradient is ``softmax(input)``.

    >>> import arraygrad
    >>> arraygrad.logsumexp(arraygrad.tensor([10000.0, 10000.0]), dim=0)
    tensor(10000.6934)
    """
    if out is not None:
        return written("logsumexp", out, logsumexp, input, dim, keepdim)
    # (float16 and bfloat16 as they are: PyTorch composes it of their ops, exp, a sum
    # accumulated in float32 and rounded once, log)
    x = _floating(input)
    axis = normalize_dims(dim, x.ndim)
    xp = _backend.xp
    data = x._data
    shape = tuple(data.shape)
    kept = tuple(1 if axis is None or i in axis else n for i, n in enumerate(shape))
    if math.prod(shape) == 0:
        shift = xp.zeros(kept, dtype=data.dtype)
    else:
        # The shift is a constant (no gradient flows through it: the result does not depend on
        # it). Infinite maxima are not subtracted, which would give inf - inf = nan.
        shift = xp.max(data, axis=axis, keepdims=True)
        shift = xp.where(xp.isinf(shift), xp.zeros_like(shift), shift)
    shift_tensor = Tensor._wrap(shift)
    # (NumPy sums float16 in float32 already, ml_dtypes' bfloat16 in bfloat16: the twin)
    summed = _reduced_floats.twin(ops.sum) if _reduced_floats.is_reduced(x) else ops.sum
    total = summed(ops.exp(ops.subtract(x, shift_tensor)), axis=axis, keepdims=bool(keepdim))
    if not keepdim:
        shift_tensor = Tensor._wrap(xp.reshape(shift, tuple(total._data.shape)))
    return labelled(ops.add(ops.log(total), shift_tensor), "LogsumexpBackward0")


def check_norm_dtype(name: str, x: Tensor, dtype: Any) -> None:
    """PyTorch keeps a norm's input's kind: a real input takes no complex ``dtype=``, a complex
    one no real ``dtype=``."""
    if dtype.is_complex != x.dtype.is_complex:
        kind = "complex" if x.dtype.is_complex else "real"
        raise RuntimeError(
            f"{name}: dtype should be {kind} for {kind} inputs, but got "
            f"{_dtype.torch_type_name(dtype)}. Fix: pass a {kind} dtype."
        )


def vector_norm(
    x: Tensor,
    ord: float = 2,
    dim: Any = None,
    keepdim: bool = False,
    *,
    dtype: _dtype.dtype | None = None,
    out: Tensor | None = None,
) -> Tensor:
    """The vector ``ord``-norm ``(sum |x|^ord)^(1/ord)`` over ``dim`` (all elements by default).

    ``ord`` may be any number, ``inf`` (max ``|x|``), ``-inf`` (min ``|x|``) or 0 (the count of
    non-zero elements). The gradient at a zero norm is 0, and elements tied for the inf-norm
    share its gradient evenly, as in PyTorch.

    >>> import arraygrad
    >>> arraygrad.linalg.vector_norm(arraygrad.tensor([3.0, 4.0]))
    tensor(5.)
    """
    if out is not None:
        return written_exactly(
            "linalg_vector_norm", out, vector_norm, x, ord, dim, keepdim, dtype=dtype
        )
    if ord.__class__ is not int and ord.__class__ is not float:
        ord = number_argument("linalg_vector_norm", "ord", ord, 2)  # (0-d tensor: its number)
    if keepdim.__class__ is not bool:  # (a tensor is PyTorch's TypeError)
        bool_argument("linalg_vector_norm", "keepdim", keepdim, 4)
    if isinstance(ord, (str, bool)) or not isinstance(ord, (int, float)):
        raise TypeError(
            f"linalg_vector_norm(): argument 'ord' must be Number, not {type(ord).__name__}. "
            "Fix: use linalg.matrix_norm for 'fro' and 'nuc', or pass a number."
        )
    if not x.dtype.is_floating_point and not x.dtype.is_complex:
        raise RuntimeError(
            "linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
            f"{x.dtype.name} ({describe(x)}). Fix: convert it first, e.g. x.float()."
        )
    if dtype is not None:
        check_norm_dtype("linalg.vector_norm", x, dtype)
        x = ops.astype(x, dtype)
    axis = normalize_dims(dim, x.ndim)
    shape = tuple(x._data.shape)
    reduced = math.prod(shape if axis is None else (shape[a] for a in axis))
    # max, min and negative powers have no identity element: reducing nothing is an error
    # (reducing a non-empty axis of an otherwise empty tensor is fine), as in PyTorch.
    if (ord == math.inf or ord < 0) and reduced == 0:
        raise RuntimeError(
            f"linalg.vector_norm cannot compute the {ord} norm on an empty tensor because the "
            f"operation does not have an identity (input: {describe(x)})."
            " Fix: use a finite positive ord, or reduce over non-empty "
            "dimensions."
        )
    if x.dtype.is_complex:  # the norm of the moduli, with the complex |z|'s gradient (0 at 0)
        x = ops.complex_ops.abs(x)
    reduced = x.dtype in _dtype.REDUCED_FLOATS
    prim = _reduced_floats.twin(ops.vector_norm) if reduced else ops.vector_norm
    return prim(x, ord=float(ord), axis=axis, keepdims=bool(keepdim))


def norm(
    input: Tensor,
    p: Any = "fro",
    dim: Any = None,
    keepdim: bool = False,
    dtype: _dtype.dtype | None = None,
    *,
    out: Tensor | None = None,
) -> Tensor:
    """PyTorch's legacy norm: ``p`` a number (a vector norm over ``dim``), ``"fro"`` (the 2-norm
    of all the elements over ``dim``) or ``"nuc"`` (the nuclear norm of matrices).

    >>> import arraygrad
    >>> arraygrad.tensor([[3.0, 0.0], [0.0, 4.0]]).norm()
    tensor(5.)
    """
    if out is not None:
        return written_exactly("norm", out, norm, input, p, dim, keepdim, dtype)
    if p.__class__ is not str and p is not None:
        p = number_argument("norm", "p", p, 2)  # (a 0-d tensor is its number)
    if keepdim.__class__ is not bool:  # (a tensor is PyTorch's TypeError)
        bool_argument("norm", "keepdim", keepdim, 4)
    if p == "nuc":
        from arraygrad import linalg

        # The nuclear norm is a matrix norm (a sum of singular values): linalg owns it.
        matrix_norm = getattr(linalg, "matrix_norm", None)
        if matrix_norm is None:
            raise NotImplementedError(
                "norm(p='nuc') needs arraygrad.linalg.matrix_norm, which this build lacks. Fix: "
                "sum the singular values, linalg.svdvals(input).sum(-1)."
            )
        # (all the dimensions by default, as torch: a 2-D input's)
        dims = tuple(range(input.ndim)) if dim is None else [dim] if is_one_dim(dim) else dim
        return matrix_norm(input, "nuc", dim=dims, keepdim=keepdim)
    if p == "fro" or p is None:
        p = 2
    if isinstance(p, str):
        raise RuntimeError(
            f"norm(): p must be a number, 'fro' or 'nuc', got {p!r}."
            " Fix: pass p as a number (e.g. 2), 'fro' or 'nuc'."
        )
    return vector_norm(input, p, dim, keepdim, dtype=dtype)


# --- covariance and correlation ------------------------------------------------------------------


def _cov_weights(
    observations: int, fweights: Tensor | None, aweights: Tensor | None
) -> Tensor | None:
    from arraygrad._math import as_tensor

    weights: Tensor | None = None
    for name, w in (("fweights", fweights), ("aweights", aweights)):
        if w is None:
            continue
        w = as_tensor(w)
        if w.ndim > 1:
            raise RuntimeError(
                f"cov(): expected {name} to have one or fewer dimensions but got {name} with "
                f"{w.ndim} dimensions. Fix: pass one weight per observation."
            )
        if w.numel() != observations:
            raise RuntimeError(
                f"cov(): expected {name} to have the same numel as there are observations in "
                f"the input but got {w.numel()} != {observations}"
                f". Fix: pass one {name} value per observation "
                "(input.shape[-1] with rowvar=True)."
            )
        if name == "fweights" and w.dtype.is_floating_point:
            raise RuntimeError(
                f"cov(): expected fweights to have integral dtype but got fweights with "
                f"{w.dtype.name} dtype. Fix: frequency weights are counts, e.g. w.long()."
            )
        if name == "aweights" and not w.dtype.is_floating_point:
            raise RuntimeError(
                f"cov(): expected aweights to have floating point dtype but got aweights with "
                f"{w.dtype.name} dtype. Fix: convert them with .float()."
            )
        if w.numel() and _backend.item(_backend.xp.min(w._data)) < 0:
            raise RuntimeError(f"cov(): {name} cannot be negative. Fix: pass {name} >= 0.")
        weights = w if weights is None else mul(weights, w)
    return weights


def cov(
    input: Tensor,
    *,
    correction: int = 1,
    fweights: Tensor | None = None,
    aweights: Tensor | None = None,
) -> Tensor:
    """The covariance matrix of the variables in the rows of ``input`` (observations in the
    columns; a 1-D input is one variable), PyTorch's formula: with weights ``w = fweights *
    aweights``, ``cov = (x - avg) w (x - avg)^T / (sum(w) - correction * sum(w * aweights) /
    sum(w))`` (the divisor is ``sum(w) - correction`` without ``aweights``). Size-1 dimensions
    of the result are squeezed, so one variable gives a 0-d tensor.

    >>> import arraygrad
    >>> arraygrad.cov(arraygrad.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
    tensor([[ 1., -1.],
            [-1.,  1.]])
    """
    import warnings

    from arraygrad._math import as_tensor, sub

    if input.ndim > 2:
        raise RuntimeError(
            "cov(): expected input to have two or fewer dimensions but got an input with "
            f"{input.ndim} dimensions ({describe(input)}). Fix: reshape it to (variables, "
            "observations)."
        )
    x = ops.reshape(input, shape=(1, -1)) if input.ndim < 2 else input
    observations = x._data.shape[1]
    weights = _cov_weights(observations, fweights, aweights)
    if weights is None:
        total: Any = as_tensor(observations)
        average = div(ops.sum(x, axis=(1,), keepdims=False), total)
    else:
        total = ops.sum(weights, axis=None, keepdims=False)
        if not _backend.item(total._data != 0):
            raise RuntimeError(
                "cov(): weights sum to zero, can't be normalized"
                ". Fix: pass weights with a non-zero sum."
            )
        average = div(ops.sum(mul(x, weights), axis=(1,), keepdims=False), total)
    if weights is not None and aweights is not None and correction != 0:
        spread = ops.sum(mul(weights, as_tensor(aweights)), axis=None, keepdims=False)
        divisor = sub(total, div(mul(spread, correction), total))
    else:
        divisor = sub(total, correction)
    if _backend.item(divisor._data <= 0):
        warnings.warn(
            "cov(): degrees of freedom is <= 0. Correction should be strictly less than the "
            "number of observations.",
            UserWarning,
            stacklevel=2,
        )
        divisor = mul(divisor, 0)
    centred = sub(x, ops.reshape(average, shape=(-1, 1)))
    weighted = centred if weights is None else mul(centred, weights)
    if x.dtype.is_complex:  # (x - avg) w (x - avg)^H, with the complex product's rules
        from arraygrad._complex import conj
        from arraygrad._linalg import matmul

        product = matmul(centred, ops.matrix_transpose(conj(weighted)))
    elif _reduced_floats.is_reduced(x):
        # PyTorch's product in float32, rounded once (NumPy's bfloat16 matmul gives float32)
        product = _reduced_floats.twin(ops.matmul)(centred, ops.matrix_transpose(weighted))
    else:
        product = ops.matmul(centred, ops.matrix_transpose(weighted))
    c = div(product, divisor)
    return ops.reshape(c, shape=tuple(s for s in c._data.shape if s != 1))


def corrcoef(input: Tensor) -> Tensor:
    """Pearson correlation coefficients of the variables in the rows of ``input``:
    ``cov[i, j] / sqrt(cov[i, i] cov[j, j])``, clipped to ``[-1, 1]``; a constant variable
    gives ``nan``.

    >>> import arraygrad
    >>> arraygrad.corrcoef(arraygrad.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
    tensor([[ 1., -1.],
            [-1.,  1.]])
    """
    c = cov(input)
    if c.ndim == 0:  # one variable: 1, or nan when it is constant, as c / c
        return div(c, c)
    from arraygrad._clamp import clamp
    from arraygrad._linalg import diag

    variances = diag(c)
    deviation = sqrt(variances.real if variances.dtype.is_complex else variances)
    c = div(c, ops.reshape(deviation, shape=(-1, 1)))
    c = div(c, ops.reshape(deviation, shape=(1, -1)))
    if c.dtype.is_complex:  # each part clipped, as PyTorch
        from arraygrad._complex import complex as _complex

        return _complex(clamp(c.real, -1.0, 1.0), clamp(c.imag, -1.0, 1.0))
    return clamp(c, -1.0, 1.0)  # (clamp keeps bfloat16, where NumPy's clip gives float32)
