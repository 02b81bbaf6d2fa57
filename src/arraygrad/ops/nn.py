"""Primitives for convolution, pooling and padding: sliding windows (im2col), their adjoint
(col2im), and ``take`` along one axis with its adjoint.

``sliding_windows`` gathers every window of the last ``len(kernel)`` axes, laid out
``(..., *kernel, *out)``, so a convolution is one matmul and a pooling one reduction over the
kernel axes. Its VJP scatters the window gradients back (``fold_windows``, col2im), whose own VJP
is ``sliding_windows`` again: the pair are each other's adjoints, so double backward through a
convolution works.
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
    "fold_windows",
    "sliding_windows",
    "take",
    "take_add_zeros",
]
