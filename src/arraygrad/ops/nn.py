"""Primitives for convolution, pooling and padding: convolution with its two gradients, sliding
windows (im2col) and their adjoint (col2im), max pooling with the scatter that routes its
gradient, and ``take`` along one axis with its adjoint.

``sliding_windows`` gathers every window of the last ``len(kernel)`` axes, laid out
``(..., *kernel, *out)``, so an average pooling is one reduction over the kernel axes. Its VJP
scatters the window gradients back (``fold_windows``, col2im), whose own VJP is
``sliding_windows`` again: the pair are each other's adjoints, so double backward works.
Convolution and max pooling are primitives of their own, for speed (the array code is in
``arraygrad._conv_windows`` and ``arraygrad._windows``): a convolution never holds all its
windows at once, and max pooling needs no window copy at all.
"""

from __future__ import annotations

from typing import Any

from arraygrad._primitive import Primitive


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

__all__ = [
    "conv",
    "conv_input_grad",
    "conv_weight_grad",
    "fold_windows",
    "max_pool",
    "max_pool_gather",
    "max_pool_indices",
    "max_pool_scatter",
    "sliding_windows",
    "take",
    "take_add_zeros",
]
