"""``interpolate``, resizing the spatial dimensions of ``(N, C, *spatial)`` input in
PyTorch's modes (nearest, nearest-exact, linear, bilinear, trilinear, bicubic, area, and
antialiased bilinear and bicubic), and its deprecated names ``upsample``, ``upsample_nearest``
and ``upsample_bilinear``.

None has a gradient rule of its own. Interpolation gathers rows with ``take`` along one spatial
axis at a time (its adjoint scatter-adds, so repeated source rows sum their gradients) and mixes
the two neighbours of linear modes with constant weights; the source positions and weights are
computed in the dtypes PyTorch's CPU kernels use (the input's dtype, rounded to float32 where
they call ``floorf``) so that the picked rows agree with PyTorch's at the same boundaries;
bicubic and antialiased modes sum more taps, built in ``_interpolation_taps``; ``"area"`` is
adaptive average pooling. The other resampling (pixel and channel shuffles, ``unfold`` and
``fold``) is in ``_resampling``.
"""

from __future__ import annotations

from typing import Any

from arraygrad import _backend, _dtype, ops
from arraygrad._tensor import Tensor
from arraygrad.nn._common import constant
from arraygrad.nn._interpolation_taps import antialias_taps, cubic_taps
from arraygrad.nn._interpolation_taps import axis_scale as _scale

__all__ = ["interpolate", "upsample", "upsample_bilinear", "upsample_nearest"]

_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area")
_LINEAR = {"linear": 3, "bilinear": 4, "trilinear": 5}
_SUPPORTED = "nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact"


def _output_sizes(
    input: Tensor, size: Any, scale_factor: Any, recompute: bool | None
) -> tuple[list[int], list[float | None]]:
    """PyTorch's output sizes and the scales handed to its kernels (None: in / out)."""
    dim = input.ndim - 2
    spatial = list(input.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError(
            "only one of size or scale_factor should be defined"
            ". Fix: pass size or scale_factor, not both."
        )
    if size is not None:
        if recompute:
            raise ValueError(
                "recompute_scale_factor is not meaningful with an explicit size."
                " Fix: drop recompute_scale_factor, or pass scale_factor "
                "instead of size."
            )
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but got "
                    f"input with spatial dimensions of {spatial} and output size of {size}. "
                    "Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                    "output size in (o1, o2, ...,oK) format."
                )
            if not all(isinstance(s, int) and not isinstance(s, bool) for s in size):
                raise TypeError(
                    "expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                    f"Tuple[int, int, int], but got size with types {[type(s) for s in size]}"
                    ". Fix: pass size as an int or a tuple of ints."
                )
            return [int(s) for s in size], [None] * dim
        return [int(size)] * dim, [None] * dim
    if scale_factor is None:
        raise ValueError(
            "either size or scale_factor should be defined"
            ". Fix: pass size=(...) or scale_factor=...."
        )
    if isinstance(scale_factor, (list, tuple)):
        if len(scale_factor) != dim:
            raise ValueError(
                "Input and scale_factor must have the same number of spatial dimensions, but "
                f"got input with spatial dimensions of {spatial} and scale_factor of shape "
                f"{scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,dK) format "
                "and scale_factor in (s1, s2, ...,sK) format."
            )
        scales = [float(s) for s in scale_factor]
    else:
        scales = [float(scale_factor)] * dim
    if recompute:
        return [int(n * s) for n, s in zip(spatial, scales, strict=True)], [None] * dim
    # PyTorch's C++ truncates the double product, and its kernels use 1 / scale_factor.
    return [int(n * s) for n, s in zip(spatial, scales, strict=True)], list(scales)


def _nearest_index(size: int, out: int, scale: float | None, exact: bool, dtype: Any) -> Any:
    """The source index of each output position, as PyTorch's CPU kernel computes it: the scale
    and the position in the input's dtype, the result rounded to float32 (its ``floorf``).

    Here and below, arithmetic is spelled with the namespace's functions, not operators:
    arraygrad.compile's recorder sees those (an operator on the arrays they return is raw
    array code to it, and the step would run eagerly)."""
    xp = _backend.xp
    positions = xp.arange(out)
    step = _scale(xp, dtype, size, out, scale)
    if not exact:
        source = xp.floor(xp.astype(xp.multiply(xp.astype(positions, dtype), step), xp.float32))
    else:
        # scale * (i + 0.5) - 0.5 in one rounding (the compiled kernel fuses the multiply-add;
        # float64 holds the product of float32s exactly), then floor(that + 0.5).
        wide = xp.multiply(
            xp.astype(step, xp.float64), xp.add(xp.astype(positions, xp.float64), 0.5)
        )
        wide = xp.subtract(wide, 0.5)
        centre = xp.add(xp.astype(wide, dtype), xp.asarray(0.5, dtype=dtype))
        source = xp.floor(xp.astype(centre, xp.float32))
    return xp.minimum(xp.astype(source, xp.int64), size - 1)


def _linear_weights(
    size: int, out: int, scale: float | None, align_corners: bool, dtype: Any
) -> tuple[Any, Any, Any]:
    """PyTorch's linear source indices ``i0``, ``i1`` and the weight of ``i1`` (in ``dtype``)."""
    xp = _backend.xp
    positions = xp.astype(xp.arange(out), dtype)
    if align_corners:
        step = (
            xp.divide(xp.asarray(size - 1, dtype=dtype), xp.asarray(out - 1, dtype=dtype))
            if out > 1
            else xp.asarray(0, dtype=dtype)
        )
        source = xp.multiply(positions, step)
    else:
        step = _scale(xp, dtype, size, out, scale)
        half = xp.asarray(0.5, dtype=dtype)
        source = xp.subtract(xp.multiply(step, xp.add(positions, half)), half)
        source = xp.where(xp.less(source, 0), xp.asarray(0, dtype=dtype), source)
    low = xp.astype(xp.floor(source), xp.int64)
    low = xp.minimum(low, size - 1)
    high = xp.where(xp.less(low, size - 1), xp.add(low, 1), low)
    weight = xp.clip(xp.subtract(source, xp.astype(low, dtype)), 0, 1)
    return low, high, weight


def _along(shape_ndim: int, axis: int, array: Any) -> Tensor:
    """A 1-D constant shaped to broadcast along ``axis`` of a ``shape_ndim``-d tensor."""
    shape = [1] * shape_ndim
    shape[axis] = int(array.shape[0])
    return constant(_backend.xp.reshape(array, tuple(shape)))


def interpolate(
    input: Tensor,
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resize the spatial dimensions of ``(N, C, *spatial)`` to ``size`` or by
    ``scale_factor``.

    ``mode`` ``"nearest"`` copies source element ``floor(i * in / out)``, ``"nearest-exact"``
    element ``floor((i + 0.5) * in / out)``; ``"linear"`` (3-D input), ``"bilinear"`` (4-D) and
    ``"trilinear"`` (5-D) mix the two neighbours of source position ``(i + 0.5) * in / out -
    0.5`` (``i * (in - 1) / (out - 1)`` with ``align_corners``); ``"area"`` is adaptive average
    pooling; ``"bicubic"`` (4-D) weighs the four neighbours ``floor(x) - 1 .. floor(x) + 2`` with
    Keys' cubic kernel (``a = -0.75``), reading the edge row for those past it. A given
    ``scale_factor`` is used for the positions (``in / out`` with ``recompute_scale_factor``), as
    in PyTorch. ``antialias=True`` (bilinear and bicubic, 4-D) widens the filter over ``in /
    out`` rows when downsampling and normalises its weights.

    >>> import arraygrad
    >>> interpolate(arraygrad.tensor([[[1.0, 2.0]]]), scale_factor=2).tolist()
    [[[1.0, 1.0, 2.0, 2.0]]]
    >>> interpolate(arraygrad.tensor([[[1.0, 2.0]]]), size=3, mode="linear",
    ...             align_corners=True).tolist()
    [[[1.0, 1.5, 2.0]]]
    """
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError(
                "align_corners option can only be set with the interpolating modes: linear | "
                "bilinear | bicubic | trilinear"
                f". Fix: drop align_corners for mode='{mode}'."
            )
    elif align_corners is None:
        align_corners = False
    if mode == "lanczos":
        raise NotImplementedError(
            f"interpolate: mode={mode!r} is not supported by arraygrad. Fix: use one of "
            f"{', '.join(_MODES)}."
        )
    unsupported = NotImplementedError(
        f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) "
        f"for the modes: {_SUPPORTED} (got {mode})"
    )
    # "area" always works from an output size, as PyTorch's recompute path. The sizes are
    # checked first, as PyTorch: a size or scale_factor sequence of the wrong length is a
    # ValueError whatever the input's rank or the mode.
    recompute = True if mode == "area" and size is None else recompute_scale_factor
    sizes, scales = _output_sizes(input, size, scale_factor, recompute)
    if input.ndim not in (3, 4, 5) or mode not in _MODES:
        raise unsupported
    if antialias and (mode not in ("bilinear", "bicubic") or input.ndim != 4):
        raise ValueError(
            "Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires "
            "a 4-D tensor as input"
            f", got mode='{mode}' and a {input.ndim}-D input. Fix: pass "
            "antialias=False, or use mode='bilinear' or 'bicubic' on (N, "
            "C, H, W) input."
        )
    if mode == "bicubic" and input.ndim != 4:
        raise unsupported  # PyTorch finds no bicubic kernel for 3-D or 5-D input
    if mode in _LINEAR and _LINEAR[mode] != input.ndim:
        wanted = {3: "linear", 4: "bilinear", 5: "trilinear"}[input.ndim]
        raise NotImplementedError(
            f"Got {input.ndim}D input, but {mode} mode needs {_LINEAR[mode]}D input. Fix: use "
            f"mode={wanted!r} or reshape the input."
        )
    spatial = list(input.shape[2:])
    for n, target in zip(spatial, sizes, strict=True):
        # "area" is an adaptive average pool, which gives an empty output for a size of 0
        if n <= 0 or (target <= 0 and mode != "area"):
            names = "DHW"[3 - len(spatial) :]
            raise RuntimeError(
                "Input and output sizes should be greater than 0, but got input "
                f"({', '.join(f'{c}: {s}' for c, s in zip(names, spatial, strict=True))}) and "
                f"output ({', '.join(f'{c}: {s}' for c, s in zip(names, sizes, strict=True))})"
                ". Fix: pass a non-empty input and a size/scale_factor giving"
                " sizes >= 1."
            )
    if mode == "area":
        from arraygrad.nn import _adaptive_pooling

        pools = {
            3: _adaptive_pooling.adaptive_avg_pool1d,
            4: _adaptive_pooling.adaptive_avg_pool2d,
            5: _adaptive_pooling.adaptive_avg_pool3d,
        }
        return pools[input.ndim](input, sizes if input.ndim > 3 else sizes[0])
    if not input.shape[1]:  # (the spatial sizes are checked above: no channels is left)
        raise RuntimeError(
            f"Non-empty {input.ndim}D data tensor expected but got a tensor with sizes "
            f"{list(input.shape)}: only the batch may be empty (no channels here). Fix: give "
            "the input at least one channel."
        )
    # (PyTorch's antialiased weights have no half loop either, computed once an axis is
    # resized; they do have a uint8 one, which arraygrad lacks)
    reduced = input.dtype in _dtype.REDUCED_FLOATS
    if not input.dtype.is_floating_point or (antialias and reduced and sizes != spatial):
        kernel = "nearest" if mode.startswith("nearest") else "linear"
        kernel = "index_ranges_weights" if antialias else f"indices_weights_{kernel}"
        kernel = "indices_weights_cubic" if mode == "bicubic" and not antialias else kernel
        raise NotImplementedError(
            f'"compute_{kernel}" not implemented for '
            f"'{_dtype.torch_type_name(input.dtype)}'. Fix: convert the input with .float()."
        )
    if mode == "bicubic" or antialias:
        return _filtered(input, spatial, sizes, scales, mode, bool(align_corners), antialias)
    out = input
    xp = _backend.xp
    for i, (n, size_out, scale) in enumerate(zip(spatial, sizes, scales, strict=True)):
        axis = 2 + i
        if mode.startswith("nearest"):
            index = _nearest_index(n, size_out, scale, mode == "nearest-exact", input._data.dtype)
            out = ops.take(out, index, axis=axis)
            continue
        if size_out == n:
            continue  # PyTorch's linear kernels leave an unresized axis alone, whatever the scale
        low, high, weight = _linear_weights(
            n, size_out, scale, bool(align_corners), input._data.dtype
        )
        lower = ops.take(out, low, axis=axis)
        upper = ops.take(out, high, axis=axis)
        keep = xp.subtract(xp.asarray(1, dtype=input._data.dtype), weight)
        out = lower * _along(out.ndim, axis, keep) + upper * _along(out.ndim, axis, weight)
    return _fresh(input, out)


def _fresh(input: Tensor, out: Tensor) -> Tensor:
    """``out``, or a copy of ``input`` where no axis was resized: PyTorch always returns a new
    tensor (in the graph, with its own storage), never the input itself."""
    return input.clone() if out is input else out


def _filtered(
    input: Tensor,
    spatial: list[int],
    sizes: list[int],
    scales: list[float | None],
    mode: str,
    align_corners: bool,
    antialias: bool,
) -> Tensor:
    """``interpolate`` of a filter with more than two taps: ``"bicubic"`` and the antialiased
    modes. Each axis is the sum of its taps' gathered rows times their weights."""
    out = input
    dtype = input._data.dtype
    # The last axis first, as PyTorch's kernels do: float32 sums then round in the same order.
    for i in reversed(range(len(spatial))):
        n, size_out, scale = spatial[i], sizes[i], scales[i]
        if size_out == n and (antialias or align_corners or scale is None or scale == 1.0):
            # A step of exactly 1 weighs every tap but the centre one 0; the antialiased kernel
            # leaves an unresized axis alone whatever the scale, as the linear ones do.
            continue
        if antialias:
            taps = antialias_taps(n, size_out, scale, align_corners, mode == "bicubic", dtype)
        else:
            taps = cubic_taps(n, size_out, scale, align_corners, dtype)
        axis = 2 + i
        total: Tensor | None = None
        for index, weight in taps:
            term = ops.take(out, index, axis=axis) * _along(out.ndim, axis, weight)
            total = term if total is None else total + term
        assert total is not None  # every axis has at least one tap
        out = total
    return _fresh(input, out)


def upsample(
    input: Tensor,
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
) -> Tensor:
    """:func:`interpolate` under its deprecated name (PyTorch warns; so does arraygrad).

    >>> import arraygrad, warnings
    >>> F = arraygrad.nn.functional
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     out = F.upsample(arraygrad.tensor([[[1.0, 2.0]]]), scale_factor=2)
    >>> out, caught[0].category.__name__
    (tensor([[[1., 1., 2., 2.]]]), 'UserWarning')
    """
    import warnings

    warnings.warn(
        "`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    """``interpolate(input, size, scale_factor, mode="nearest")`` (deprecated in PyTorch).

    Each output pixel copies input pixel ``floor(out_index * in_size / out_size)``; warns.

    >>> import arraygrad, warnings
    >>> F = arraygrad.nn.functional
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     F.upsample_nearest(arraygrad.tensor([[[[1.0, 2.0]]]]), scale_factor=2)
    tensor([[[[1., 1., 2., 2.],
              [1., 1., 2., 2.]]]])
    """
    import warnings

    warnings.warn(
        "`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    """``interpolate(..., mode="bilinear", align_corners=True)`` (deprecated in PyTorch).

    4-D input only; the corner pixels of input and output coincide. Warns.

    >>> import arraygrad, warnings
    >>> F = arraygrad.nn.functional
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     F.upsample_bilinear(arraygrad.tensor([[[[1.0, 2.0]]]]), size=(1, 3))
    tensor([[[[1.0000, 1.5000, 2.0000]]]])
    """
    import warnings

    warnings.warn(
        "`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
