"""Primitives that move elements without computing new values."""

from __future__ import annotations

from typing import Any

from arraygrad._primitive import Primitive


def _inverse_permutation(axes: tuple[int, ...]) -> tuple[int, ...]:
    inverse = [0] * len(axes)
    for position, axis in enumerate(axes):
        inverse[axis] = position
    return tuple(inverse)


reshape = Primitive(
    "view",
    forward=lambda xp, x, *, shape: xp.reshape(x, shape),
    vjp=(lambda ns, g, out, x, *, shape: ns.reshape(g, shape=tuple(x.shape)),),
    reads_inputs=False,
    view=True,
)
permute_dims = Primitive(
    "permute",
    forward=lambda xp, x, *, axes: xp.permute_dims(x, axes),
    vjp=(lambda ns, g, out, x, *, axes: ns.permute_dims(g, axes=_inverse_permutation(axes)),),
    reads_inputs=False,
    view=True,
)
# The rule returns the gradient at the broadcast shape; the engine's sum_to reduces it.
broadcast_to = Primitive(
    "expand",
    forward=lambda xp, x, *, shape: xp.broadcast_to(x, shape),
    vjp=(lambda ns, g, out, x, *, shape: g,),
    reads_inputs=False,
    view=True,
)


def _index_vjp(ns: Any, g: Any, out: Any, x: Any, *, key: Any) -> Any:
    return ns.index_add_zeros(g, shape=tuple(x.shape), key=key)


# x[key] with ints, slices, None and Ellipsis only: the result is a view of x.
basic_getitem = Primitive(
    "select",
    forward=lambda xp, x, *, key: x[key],
    vjp=(_index_vjp,),
    reads_inputs=False,
    view=True,
)
# x[key] with integer or boolean arrays in the key: the result is a copy.
getitem = Primitive(
    "index",
    forward=lambda xp, x, *, key: x[key],
    vjp=(_index_vjp,),
    reads_inputs=False,
)
# The adjoint of indexing: zeros of ``shape`` with ``values`` added at ``[key]`` (repeated
# indices sum). Its own VJP is indexing again, which makes double backward through indexing work.
index_add_zeros = Primitive(
    "index_add_zeros",
    forward=lambda xp, values, *, shape, key: xp.index_add_zeros(values, shape, key),
    vjp=(lambda ns, g, out, values, *, shape, key: ns.getitem(g, key=key),),
    reads_inputs=False,
)

__all__ = [
    "basic_getitem",
    "broadcast_to",
    "getitem",
    "index_add_zeros",
    "permute_dims",
    "reshape",
]
