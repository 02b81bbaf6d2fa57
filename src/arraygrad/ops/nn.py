"""Primitives for convolution, pooling and padding: convolution with its two gradients, sliding
windows (im2col) and their adjoint (col2im), max pooling with the scatter that routes its
gradient, ``take`` along one axis with its adjoint, and softmax.

``sliding_windows`` gathers every window of the last ``len(kernel)`` axes, laid out
``(..., *kernel, *out)``, so an average pooling is one reduction over the kernel axes. Its VJP
scatters the window gradients back (``fold_windows``, col2im), whose own VJP is
``sliding_windows`` again: the pair are each other's adjoints, so double backward works.
Convolution and max pooling are primitives of their own, for speed (the array code is in
``arraygrad._conv_windows`` and ``arraygrad._windows``): a convolution never holds all its
windows at once, and max pooling needs no window copy at all.
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad import _dtype
from arraygrad._primitive import Primitive, labelled, on_raw_arrays
from arraygrad._tensor import Tensor


def _unfold_vjp(
    ns: Any, g: Any, out: Any, x: Any, *, kernel: Any, stride: Any, dilation: Any
) -> Any:
    return ns.fold_windows(g, shape=tuple(x.shape), kernel=kernel, stride=stride, dilation=dilation)


def _fold_vjp(
    ns: Any, g: Any, out: Any, cols: Any, *, shape: Any, kernel: Any, stride: Any, dilation: Any
) -> Any:
    return ns.sliding_windows(g, kernel=kernel, stride=stride, dilation=dilation)


# ``kernel``, ``stride`` and ``dilation`` are tuples with one int per window axis.
sliding_windows = Primitive(
    "im2col",
    forward=lambda xp, x, *, kernel, stride, dilation: xp.sliding_windows(
        x, kernel, stride, dilation
    ),
    vjp=(_unfold_vjp,),
    reads_inputs=False,
)
fold_windows = Primitive(
    "col2im",
    forward=lambda xp, cols, *, shape, kernel, stride, dilation: xp.fold_windows(
        cols, shape, kernel, stride, dilation
    ),
    vjp=(_fold_vjp,),
    reads_inputs=False,
)


# Convolution (cross-correlation) of x (N, C, *spatial), already padded, with w (O, C / groups,
# *kernel), plus the bias b (O,) unless it is None. Its gradients are two more bilinear
# primitives, conv_input_grad(g, w) (the transposed convolution) and conv_weight_grad(x, g);
# each of the three is the others' VJP, so every derivative of every order is a convolution.
def _conv_vjp_x(ns: Any, g: Any, out: Any, x: Any, w: Any, b: Any, **conv: Any) -> Any:
    return ns.conv_input_grad(g, w, shape=tuple(x.shape), **conv)


def _conv_vjp_w(ns: Any, g: Any, out: Any, x: Any, w: Any, b: Any, **conv: Any) -> Any:
    return ns.conv_weight_grad(x, g, shape=tuple(w.shape), **conv)


def _conv_vjp_b(ns: Any, g: Any, out: Any, x: Any, w: Any, b: Any, **conv: Any) -> Any:
    return ns.sum(g, axis=(0,) + tuple(range(2, g.ndim)), keepdims=False)


conv = Primitive(
    "convolution",
    forward=lambda xp, x, w, b, *, stride, dilation, groups: xp.conv(
        x, w, b, stride, dilation, groups
    ),
    vjp=(_conv_vjp_x, _conv_vjp_w, _conv_vjp_b),
)
# conv_input_grad(g, w) = the gradient of conv(x, w) for x: <h, it> = <conv(h, w), g>.
conv_input_grad = Primitive(
    "convolution_backward_input",
    forward=lambda xp, g, w, *, shape, stride, dilation, groups: xp.conv_input_grad(
        g, w, shape, stride, dilation, groups
    ),
    vjp=(
        lambda ns, h, out, g, w, *, shape, **conv: ns.conv(h, w, None, **conv),
        lambda ns, h, out, g, w, *, shape, **conv: ns.conv_weight_grad(
            h, g, shape=tuple(w.shape), **conv
        ),
    ),
)
# conv_weight_grad(x, g) = the gradient of conv(x, w) for w: <h, it> = <conv(x, h), g>.
conv_weight_grad = Primitive(
    "convolution_backward_weight",
    forward=lambda xp, x, g, *, shape, stride, dilation, groups: xp.conv_weight_grad(
        x, g, shape, stride, dilation, groups
    ),
    vjp=(
        lambda ns, h, out, x, g, *, shape, **conv: ns.conv_input_grad(
            g, h, shape=tuple(x.shape), **conv
        ),
        lambda ns, h, out, x, g, *, shape, **conv: ns.conv(x, h, None, **conv),
    ),
)


# Max pooling over the last len(kernel) axes. ``padding`` is the count of -inf places before each
# axis; the windows and their number (``output_size``) are PyTorch's, ceil_mode included. Each
# window's pick is PyTorch's: its first maximum, or its last NaN. The gradient goes to the picks
# alone (``max_pool_scatter``), which is linear in the gradient: its adjoint reads the picked
# places (``max_pool_gather``), and the pair are each other's VJPs, so double backward works. The
# picks are found again from the input and the maxima, never saved as indices.
def _max_pool_vjp(
    ns: Any,
    g: Any,
    out: Any,
    x: Any,
    *,
    kernel: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    output_size: Any,
) -> Any:
    return ns.max_pool_scatter(
        g, x, out, kernel=kernel, stride=stride, padding=padding, dilation=dilation
    )


def _scatter_vjp(ns: Any, g: Any, out: Any, values: Any, x: Any, maxima: Any, **window: Any) -> Any:
    return ns.max_pool_gather(g, x, maxima, **window)


def _gather_vjp(ns: Any, g: Any, out: Any, values: Any, x: Any, maxima: Any, **window: Any) -> Any:
    return ns.max_pool_scatter(g, x, maxima, **window)


# The picks' own inputs (x and the maxima) get zeros, not "no gradient": as in PyTorch, whose
# max-pool backward takes the input and has a zero derivative in it, a second derivative
# through max pooling reaches x (with zeros where nothing else depends on it).
def _picks_x_vjp(ns: Any, g: Any, out: Any, values: Any, x: Any, maxima: Any, **window: Any) -> Any:
    return ns.zeros_like(x)


def _picks_maxima_vjp(
    ns: Any, g: Any, out: Any, values: Any, x: Any, maxima: Any, **window: Any
) -> Any:
    return ns.zeros_like(maxima)


max_pool = Primitive(
    "max_pool",
    forward=lambda xp, x, *, kernel, stride, padding, dilation, output_size: xp.max_pool(
        x, kernel, stride, padding, dilation, output_size
    ),
    vjp=(_max_pool_vjp,),
    reads_output=True,
)
# max_pool_scatter(g, x, maxima): zeros of x's shape with g of each window at its pick.
max_pool_scatter = Primitive(
    "max_pool_backward",
    forward=lambda xp, g, x, maxima, *, kernel, stride, padding, dilation: xp.max_pool_scatter(
        g, x, maxima, kernel, stride, padding, dilation
    ),
    vjp=(_scatter_vjp, _picks_x_vjp, _picks_maxima_vjp),
)
# max_pool_gather(v, x, maxima): v at each window's pick, one value per window.
max_pool_gather = Primitive(
    "max_pool_gather",
    forward=lambda xp, v, x, maxima, *, kernel, stride, padding, dilation: xp.max_pool_gather(
        v, x, maxima, kernel, stride, padding, dilation
    ),
    vjp=(_gather_vjp, _picks_x_vjp, _picks_maxima_vjp),
)
# PyTorch's return_indices: each pick's index in the flattened window axes of x. Not
# differentiable (integers).
max_pool_indices = Primitive(
    "max_pool_indices",
    forward=lambda xp, x, maxima, *, kernel, stride, padding, dilation: xp.max_pool_indices(
        x, maxima, kernel, stride, padding, dilation
    ),
    vjp=None,
)

# take(x, indices, axis=a) with 1-D integer ``indices`` (the Array API's take); its adjoint
# scatter-adds back, repeated indices summing, and is differentiable in turn.
take = Primitive(
    "index_select",
    forward=lambda xp, x, indices, *, axis: xp.take(x, indices, axis=axis),
    vjp=(
        lambda ns, g, out, x, indices, *, axis: ns.take_add_zeros(
            g, indices, shape=tuple(x.shape), axis=axis
        ),
        None,
    ),
    reads_inputs=False,
)
take_add_zeros = Primitive(
    "index_add",
    forward=lambda xp, values, indices, *, shape, axis: xp.take_add_zeros(
        values, indices, shape, axis
    ),
    vjp=(lambda ns, g, out, values, indices, *, shape, axis: ns.take(g, indices, axis=axis), None),
    reads_inputs=False,
)
# embedding_rows(weight, flat, shape=indices.shape + (D,)): the rows ``weight[flat]`` of a
# (rows, D) table, ``flat`` being n-D indices flattened, laid out as the indices: ``take`` and
# the reshape in one node, as PyTorch's embedding (the result no view); its adjoint scatter-adds
# the gradient's rows back.
embedding_rows = Primitive(
    "embedding",
    forward=lambda xp, weight, flat, *, shape: xp.reshape(xp.take(weight, flat, axis=0), shape),
    vjp=(
        lambda ns, g, out, weight, flat, *, shape: ns.take_add_zeros(
            ns.reshape(g, shape=(flat.shape[0], weight.shape[1])),
            flat,
            shape=tuple(weight.shape),
            axis=0,
        ),
        None,
    ),
    reads_inputs=False,
)
# Rows of ``values`` picked by ``take`` and summed at the places ``put`` (embedding_bag's sums
# of rows into their bags), without a row per position in memory; its adjoint is itself with
# the two indexes swapped.
gather_add = Primitive(
    "embedding_bag",
    forward=lambda xp, values, take, put, *, shape: xp.gather_add(values, take, put, shape),
    vjp=(
        lambda ns, g, out, values, take, put, *, shape: ns.gather_add(
            g, put, take, shape=tuple(values.shape)
        ),
        None,
        None,
    ),
    reads_inputs=False,
)


# --- nn.CrossMapLRN2d ---------------------------------------------------------------------------
# PyTorch's legacy cross-channel normalisation, as it behaves: ``out = x * scale ** -beta`` with
# ``scale = k + alpha / size * S``, where S at channel c sums x^2 over the channels within h =
# (size - 1) // 2 of c (an even size acts as size - 1) and, once c > h, over channel 0 too (the
# legacy running sum never takes channel 0 back out). Its backward is PyTorch's hand-written
# rule, which is not the derivative of that forward: ``g * scale ** -beta - 2 alpha beta / size
# * x * R``, R at c summing ``g * out / scale`` over the `size` channels from c - size + 1 +
# (size // 2 - 1) to c + size // 2 - 1. arraygrad gives those numbers, since they are what a
# PyTorch model using the layer trains with; gradcheck against the forward fails there as
# PyTorch's does. Size 1 has no backward in PyTorch (an out-of-range slice) and create_graph
# none either (its rule writes into buffers); both raise PyTorch's errors.


def _channel_window_sum(xp: Any, values: Any, before: int, after: int) -> Any:
    """For each channel c, the sum of ``values[:, j]`` over the channels j in [c - before,
    c + after] (axis 1 kept): zero-pad the channel axis and add shifted slices."""
    channels = values.shape[1]
    zeros_before = xp.zeros((values.shape[0], before, *values.shape[2:]), dtype=values.dtype)
    zeros_after = xp.zeros((values.shape[0], after, *values.shape[2:]), dtype=values.dtype)
    padded = xp.concat([zeros_before, values, zeros_after], axis=1)
    total = padded[:, 0:channels, ...]
    for start in range(1, before + after + 1):
        total = total + padded[:, start : start + channels, ...]
    return total


def _lrn_scale(xp: Any, x: Any, size: int, alpha: float, k: float) -> Any:
    half = (size - 1) // 2
    squares = x * x
    sums = _channel_window_sum(xp, squares, half, half)
    channels = x.shape[1]
    # channel 0 for every channel past the first h + 1 (0 * x^2 elsewhere adds nothing)
    past = xp.astype(xp.arange(channels) > half, x.dtype)
    sums = sums + squares[:, 0:1, ...] * xp.reshape(past, (1, channels, *([1] * (x.ndim - 2))))
    return k + alpha / size * sums


def _cross_map_lrn_forward(
    xp: Any, x: Any, *, size: int, alpha: float, beta: float, k: float
) -> Any:
    return x * _lrn_scale(xp, x, size, alpha, k) ** -beta


def _cross_map_lrn_vjp(
    ns: Any, g: Any, out: Any, x: Any, *, size: int, alpha: float, beta: float, k: float
) -> Any:
    if isinstance(g, Tensor):  # create_graph: PyTorch's rule writes into out= buffers
        raise RuntimeError(
            "mul(): functions with out=... arguments don't support automatic differentiation, "
            "but one of the arguments requires grad."
        )
    channels = x.shape[1]
    if size == 1:
        raise RuntimeError(f"start (1) + length ({channels}) exceeds dimension size ({channels}).")
    scale = _lrn_scale(ns, x, size, alpha, k)
    after = size // 2 - 1
    ratio_sums = _channel_window_sum(ns, g * out / scale, size - 1 - after, after)
    return g * scale**-beta - (2.0 * alpha * beta / size) * x * ratio_sums


cross_map_lrn2d = Primitive(
    "cross_map_lrn2d",
    forward=_cross_map_lrn_forward,
    vjp=(_cross_map_lrn_vjp,),
    reads_inputs=True,
    reads_output=True,
    backward_name="CrossMapLRN2dBackward",
)


# --- native_channel_shuffle: channel_shuffle without a derivative (PyTorch defines none) ----------


def _native_channel_shuffle_vjp(*_: Any, **__: Any) -> Any:
    raise RuntimeError("derivative for aten::native_channel_shuffle is not implemented")


native_channel_shuffle = Primitive(
    "native_channel_shuffle",
    forward=lambda xp, x, *, groups: xp.reshape(
        xp.permute_dims(
            xp.reshape(x, (x.shape[0], groups, x.shape[1] // groups, *x.shape[2:])),
            (0, 2, 1, *range(3, x.ndim + 1)),
        ),
        x.shape,
    ),
    vjp=(_native_channel_shuffle_vjp,),
    reads_inputs=False,
    backward_name="NotImplemented",
)


# --- an op whose backward raises: torch.convolution with output_padding and transposed=False
# computes (output_padding is unused there) but refuses its backward ---------------------------


def _refuse_backward(*_: Any, message: str) -> Any:
    raise RuntimeError(message)


backward_refused = Primitive(
    "convolution",
    forward=lambda xp, x, *, message: x + 0,  # a new array: nothing aliases the input
    vjp=(_refuse_backward,),
    reads_inputs=False,
)

# --- an op with no derivative at all (torch.binomial): the result records a node, but backward
# through it raises, whatever reaches it ------------------------------------------------------

no_derivative = Primitive(
    "no_derivative",
    forward=lambda xp, x, *, message: x + 0,
    vjp=(_refuse_backward,),
    reads_inputs=False,
    backward_name="NotImplemented",
)

# --- ops PyTorch computes without a derivative (heaviside, histogram, unique, geqrf,
# detach_copy): their results require grad where a source does, joined to it by a node whose
# backward raises PyTorch's error, of its class ----------------------------------------------


def _refuse_derivative(*_: Any, message: str, error: type[Exception]) -> Any:
    raise error(
        f"{message}. Fix: give the op a detached tensor (x.detach()), or leave its result out "
        "of what backward differentiates."
    )


derivative_refused = Primitive(
    "derivative_refused",
    # (result is a fresh array of the op's that nothing else holds: it is the output)
    forward=lambda xp, result, source, *, message, error: result,
    vjp=(_refuse_derivative, _refuse_derivative),
    reads_inputs=False,
    backward_name="NotImplemented",
)


def without_derivative(
    result: Tensor,
    sources: list[Any],
    message: str,
    *,
    error: type[Exception] = RuntimeError,
    name: str | None = None,
) -> Tensor:
    """``result``, computed off the graph from ``sources``, joined to those of them that require
    grad by a :data:`derivative_refused` node: backward through it raises ``error(message)``,
    as PyTorch's ops without a derivative do. ``name`` is the node's, where PyTorch's is not
    ``torch::autograd::NotImplemented`` (``Unique2Backward0``)."""
    made = result
    for source in sources:
        if isinstance(source, Tensor) and source._rg:
            made = derivative_refused(made, source, message=message, error=error)
    return made if name is None or made is result else labelled(made, name)


# --- layer norm of float16 and bfloat16 inputs, as PyTorch's CPU kernel: computed in float32,
# its statistics saved in the parameters' dtype (the input's, or float32 where the weight and
# bias are float32), and its gradients computed in float32 from those saved statistics; also
# group_norm's normalisation of float32 and float64 inputs (stats: their own dtype) -----------


def _saved_statistics(ns: Any, x: Any, dims: Any, eps: float, stats: str) -> tuple[Any, Any]:
    """The mean and ``rstd = 1 / sqrt(var + eps)`` of ``x`` (float32) over ``dims``, as PyTorch
    saves them for backward: rounded to ``stats`` (a dtype name), read back as float32."""
    mean = ns.mean(x, axis=dims, keepdims=True)
    centred = x - mean
    rstd = 1.0 / ns.sqrt(ns.mean(centred * centred, axis=dims, keepdims=True) + eps)
    if stats != "float32":
        native = _dtype.to_xp(_dtype.BY_NAME[stats])
        mean = ns.astype(ns.astype(mean, native), x.dtype)
        rstd = ns.astype(ns.astype(rstd, native), x.dtype)
    return mean, rstd


def _layer_norm_forward(
    xp: Any, x: Any, w: Any, b: Any, *, dims: Any, eps: float, stats: str
) -> Any:
    mean = xp.mean(x, axis=dims, keepdims=True)
    centred = x - mean
    out = centred / xp.sqrt(xp.mean(centred * centred, axis=dims, keepdims=True) + eps)
    if w is not None:
        out = out * w
    return out if b is None else out + b


def _layer_norm_vjp_input(
    ns: Any, g: Any, out: Any, x: Any, w: Any, b: Any, *, dims: Any, eps: float, stats: str
) -> Any:
    # dx = r g w + B x + C with B = (sum(g w) m - sum(g w x)) r^3 / N and
    # C = -B m - sum(g w) r / N: the exact gradient, with the saved m and r (PyTorch's formula).
    mean, rstd = _saved_statistics(ns, x, dims, eps, stats)
    return _layer_norm_input_grad(ns, g, x, w, mean, rstd, dims)


def _layer_norm_input_grad(ns: Any, g: Any, x: Any, w: Any, mean: Any, rstd: Any, dims: Any) -> Any:
    raw = on_raw_arrays(ns)
    scaled = g if w is None else g * w
    products = g * x
    if w is not None:
        # (on raw arrays the same products written into the first one's array: a full-size
        # temporary fewer, as below)
        if raw:
            products *= w
        else:
            products = products * w
    ds = ns.sum(products, axis=dims, keepdims=True)
    db = ns.sum(scaled, axis=dims, keepdims=True)
    count = math.prod(x.shape[d] for d in dims)
    scale = 1.0 / count if count else 0.0  # (nothing normalised: every gradient is empty)
    b_coef = (db * mean - ds) * rstd * rstd * rstd * scale
    c_coef = -b_coef * mean - db * rstd * scale
    if not raw:
        return rstd * scaled + b_coef * x + c_coef
    result = rstd * scaled
    result += b_coef * x
    result += c_coef
    return result


def _layer_norm_vjp_weight(
    ns: Any, g: Any, out: Any, x: Any, w: Any, b: Any, *, dims: Any, eps: float, stats: str
) -> Any:
    mean, rstd = _saved_statistics(ns, x, dims, eps, stats)
    return _layer_norm_weight_grad(ns, g, x, mean, rstd, dims)


def _layer_norm_weight_grad(ns: Any, g: Any, x: Any, mean: Any, rstd: Any, dims: Any) -> Any:
    return _over_rows(ns, g * (rstd * x + (-rstd * mean)), dims)


def _over_rows(ns: Any, value: Any, dims: Any) -> Any:
    # Summed over the leading axes here, in float32 (before the result is rounded), as
    # PyTorch's kernel sums the parameters' gradients.
    return ns.sum(value, axis=tuple(range(dims[0])), keepdims=False) if dims[0] else value


layer_norm_reduced = Primitive(
    "native_layer_norm",
    forward=_layer_norm_forward,
    vjp=(
        _layer_norm_vjp_input,
        _layer_norm_vjp_weight,
        lambda ns, g, out, x, w, b, *, dims, eps, stats: _over_rows(ns, g, dims),
    ),
    reads_output=False,
    rule_reads=((0, 1), (0,), ()),
)

# --- layer norm of float32 and float64 inputs (and group norm's normalisation), as PyTorch's
# native_layer_norm: the statistics computed once in the forward and read by the backward,
# which made them again. ``layer_norm_statistics`` gives the mean and ``sqrt(var + eps)`` over
# ``dims`` (kept), side by side along the last axis; it has no derivative of its own: the rules of
# ``layer_norm_apply`` for ``x`` are the whole derivative, through the statistics too (with
# create_graph they make the statistics again from ``x``, as Tensors, so that a second
# derivative sees them depend on ``x``).


def _normalization_statistics(xp: Any, x: Any, *, dims: Any, eps: float) -> Any:
    mean = xp.mean(x, axis=dims, keepdims=True)
    centred = x - mean
    std = xp.sqrt(xp.mean(centred * centred, axis=dims, keepdims=True) + eps)
    return xp.concat([mean, std], axis=-1)  # (the last axis is one of dims: kept as 1)


def _layer_norm_apply(xp: Any, x: Any, stats: Any, w: Any, b: Any, *, dims: Any, eps: float) -> Any:
    # (written into the first result's array: each step's full-size temporary costs its
    # pages, more than its arithmetic)
    out = x - stats[..., :1]
    out /= stats[..., 1:]
    if w is not None:
        out *= w
    if b is not None:
        out += b
    return out


def _statistics_of(ns: Any, x: Any, stats: Any, dims: Any, eps: float) -> tuple[Any, Any]:
    """The mean and ``rstd`` the rules read: the forward's on raw arrays, else made anew."""
    if on_raw_arrays(ns):
        return stats[..., :1], 1.0 / stats[..., 1:]
    return _saved_statistics(ns, x, dims, eps, "float32")


layer_norm_statistics = Primitive(
    "native_layer_norm_statistics", forward=_normalization_statistics, vjp=None
)
layer_norm_apply = Primitive(
    "native_layer_norm",
    forward=_layer_norm_apply,
    vjp=(
        lambda ns, g, out, x, stats, w, b, *, dims, eps: _layer_norm_input_grad(
            ns, g, x, w, *_statistics_of(ns, x, stats, dims, eps), dims
        ),
        None,
        lambda ns, g, out, x, stats, w, b, *, dims, eps: _layer_norm_weight_grad(
            ns, g, x, *_statistics_of(ns, x, stats, dims, eps), dims
        ),
        lambda ns, g, out, x, stats, w, b, *, dims, eps: _over_rows(ns, g, dims),
    ),
    rule_reads=((0, 1, 2), (), (0, 1), ()),
)

__all__ = [
    "backward_refused",
    "conv",
    "conv_input_grad",
    "conv_weight_grad",
    "cross_map_lrn2d",
    "derivative_refused",
    "embedding_rows",
    "fold_windows",
    "gather_add",
    "layer_norm_apply",
    "layer_norm_reduced",
    "layer_norm_statistics",
    "max_pool",
    "max_pool_gather",
    "max_pool_indices",
    "max_pool_scatter",
    "native_channel_shuffle",
    "no_derivative",
    "sliding_windows",
    "take",
    "take_add_zeros",
    "without_derivative",
]
