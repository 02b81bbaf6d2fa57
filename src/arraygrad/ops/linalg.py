"""Linear algebra primitives."""

from __future__ import annotations

from typing import Any

from arraygrad._primitive import Primitive


def _append_axis(ns: Any, a: Any) -> Any:
    return ns.reshape(a, shape=tuple(a.shape) + (1,))


def _drop_last_axis(ns: Any, a: Any) -> Any:
    return ns.reshape(a, shape=tuple(a.shape)[:-1])


def _matmul_vjp_x(ns: Any, g: Any, out: Any, x: Any, y: Any) -> Any:
    # out = x @ y. Batch dimensions that broadcasting added are summed away by the engine.
    if y.ndim == 1:  # out[..., m] = sum_k x[..., m, k] y[k]
        return _append_axis(ns, g) * y
    if x.ndim == 1:  # out[..., n] = sum_k x[k] y[..., k, n]
        return _drop_last_axis(ns, ns.matmul(y, _append_axis(ns, g)))
    return ns.matmul(g, ns.matrix_transpose(y))


def _matmul_vjp_y(ns: Any, g: Any, out: Any, x: Any, y: Any) -> Any:
    if x.ndim == 1:
        if y.ndim == 1:  # a dot product: out is 0-d
            return g * x
        # out[..., n] = sum_k x[k] y[..., k, n]  ->  dy[..., k, n] = x[k] g[..., n]
        return _append_axis(ns, x) * ns.reshape(g, shape=tuple(g.shape)[:-1] + (1, g.shape[-1]))
    if y.ndim == 1:  # dy[k] = sum_m x[..., m, k] g[..., m]
        return _drop_last_axis(ns, ns.matmul(ns.matrix_transpose(x), _append_axis(ns, g)))
    return ns.matmul(ns.matrix_transpose(x), g)


matmul = Primitive(
    "mm",
    forward=lambda xp, x, y: xp.matmul(x, y),
    vjp=(_matmul_vjp_x, _matmul_vjp_y),
)

__all__ = [
    "matmul",
]
