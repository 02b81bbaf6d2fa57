"""Primitives that move elements without computing new values."""

from __future__ import annotations

from typing import Any

from arraygrad import _backend
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
# The rule returns the gradient at the broadcast shape; the engine's sum_to reduces it. The
# forward is a view of x (expand_view), as in PyTorch; rules broadcast with xp.broadcast_to,
# which on NumPy copies small arrays (faster to make and to compute with).
broadcast_to = Primitive(
    "expand",
    forward=lambda xp, x, *, shape: xp.expand_view(x, shape),
    vjp=(lambda ns, g, out, x, *, shape: g,),
    reads_inputs=False,
    view=True,
)


def _index_vjp(ns: Any, g: Any, out: Any, x: Any, *, key: Any) -> Any:
    return ns.index_add_zeros(g, shape=tuple(x.shape), key=key)


def _index_vjp_add_into(ns: Any, total: Any, g: Any, out: Any, x: Any, *, key: Any) -> Any:
    return ns.index_add_into(total, g, key)


def _getitem_backward_name(node: Any) -> str:
    """PyTorch's ``grad_fn`` name for ``x[key]``: that of the last step its indexing applies,
    in key order (``x[0, 1:]`` slices last: ``SliceBackward0``). Inside a tuple a slice over a
    whole dimension applies nothing, and a key that applies nothing gives an alias."""
    key = node.params["key"]
    parts = key if key.__class__ is tuple else (key,)
    shape = tuple(node.inputs[0].shape) if node.inputs else ()
    consumed = sum(1 for part in parts if part is not None and part is not Ellipsis)
    name, dim = "AliasBackward0", 0
    for part in parts:
        if part is None:
            name = "UnsqueezeBackward0"
        elif part is Ellipsis:
            dim += len(shape) - consumed
        elif isinstance(part, slice):
            size = shape[dim] if dim < len(shape) else 0
            if key.__class__ is not tuple or part.indices(size) != (0, size, 1):
                name = "SliceBackward0"
            dim += 1
        elif isinstance(part, bool):  # a new axis of 1 or 0 elements: PyTorch's advanced index
            name = "IndexBackward0"
        else:  # an int
            name = "SelectBackward0"
            dim += 1
    return name


# x[key] with ints, slices, None and Ellipsis only: the result is a view of x.
basic_getitem = Primitive(
    "select",
    forward=lambda xp, x, *, key: xp.getitem(x, key),
    vjp=(_index_vjp,),
    vjp_add_into=(_index_vjp_add_into,),
    reads_inputs=False,
    view=True,
    backward_name=_getitem_backward_name,
)


def _unfold_windows_vjp(
    ns: Any, g: Any, out: Any, x: Any, *, axis: int, size: int, step: int
) -> Any:
    # Each window's gradient goes back to the elements it holds; where windows overlap, an
    # element's parts add up (index_add_zeros sums repeated indices).
    picks = _backend.window_picks((x.shape[axis] - size) // step + 1, size, step)
    order = list(range(g.ndim))
    order.insert(axis + 1, order.pop())  # the window axis back beside the window count
    g = ns.permute_dims(g, axes=tuple(order))
    return ns.index_add_zeros(g, shape=tuple(x.shape), key=(slice(None),) * axis + (picks, ...))


# x.unfold(axis, size, step): windows along ``axis`` as a new last axis. A view of x on NumPy
# (overlapping windows share elements); _repeats.unfold uses it where the windows overlap or
# leave a remainder, and plain basic-indexing views otherwise.
unfold_windows = Primitive(
    "unfold",
    forward=lambda xp, x, *, axis, size, step: xp.window_view(x, axis, size, step),
    vjp=(_unfold_windows_vjp,),
    reads_inputs=False,
    view=True,
)


def _diagonal_view_vjp(ns: Any, g: Any, out: Any, x: Any, *, offset: int) -> Any:
    key = (Ellipsis, *_backend.diagonal_indices(x.shape[-2], x.shape[-1], offset))
    return ns.index_add_zeros(g, shape=tuple(x.shape), key=key)


# The offset-th diagonal of x's last two axes as a last axis. A view of x on NumPy for any
# layout; _views.diagonal uses it where basic indexing cannot reach the diagonal (the two axes
# do not flatten into one without a copy).
diagonal_view = Primitive(
    "diagonal",
    forward=lambda xp, x, *, offset: xp.diagonal_view(x, offset),
    vjp=(_diagonal_view_vjp,),
    reads_inputs=False,
    view=True,
)


def _as_strided_vjp(
    ns: Any,
    g: Any,
    out: Any,
    x: Any,
    *,
    size: tuple[int, ...],
    stride: tuple[int, ...],
    offset: int,
    source: tuple[int, tuple[int, ...]],
) -> Any:
    # The gradient of each memory element is the sum over the output elements that alias it
    # (overlapping windows add up). x's elements read theirs back by their own place in that
    # memory (``source``: x's offset and strides when the view was made); where x itself
    # repeats an element (an expansion), only its first occurrence takes it, the others read
    # an extra zero slot, so that what reaches x's own input is counted once.
    x_offset, x_strides = source
    x_shape = tuple(x.shape)
    out_positions = _backend.strided_positions(size, stride, offset)
    x_positions = _backend.strided_positions(x_shape, x_strides, x_offset)
    span = max(_last_position(size, stride, offset), _last_position(x_shape, x_strides, x_offset))
    picks = _backend.first_occurrences(x_positions, span + 1)
    memory = ns.index_add_zeros(g, shape=(span + 2,), key=(out_positions,))
    return ns.getitem(memory, key=(picks,))


def _last_position(shape: tuple[int, ...], strides: tuple[int, ...], offset: int) -> int:
    """The last memory position an array of ``shape`` and ``strides`` reaches (-1: none)."""
    if 0 in shape:
        return -1
    return offset + sum((n - 1) * step for n, step in zip(shape, strides, strict=True))


# x.as_strided(size, stride, offset): the elements offset + sum(i_k * stride_k) of the memory x
# views (not only of x's own elements), a view of that memory on NumPy. ``source`` is x's own
# place in that memory, which the rule needs to send the gradient back to x's elements.
as_strided = Primitive(
    "as_strided",
    forward=lambda xp, x, *, size, stride, offset, source: xp.strided_view(x, size, stride, offset),
    vjp=(_as_strided_vjp,),
    reads_inputs=False,
    view=True,
)


def _getitem_forward(xp: Any, x: Any, *, key: Any) -> Any:
    return xp.getitem(x, key)


# x[key] with integer or boolean arrays in the key: the result is a copy.
getitem = Primitive("index", forward=_getitem_forward, vjp=(_index_vjp,), reads_inputs=False)
# The adjoint of indexing: zeros of ``shape`` with ``values`` added at ``[key]`` (repeated
# indices sum). Its own VJP is indexing again, which makes double backward through indexing work.
index_add_zeros = Primitive(
    "index_add_zeros",
    forward=lambda xp, values, *, shape, key: xp.index_add_zeros(values, shape, key),
    vjp=(lambda ns, g, out, values, *, shape, key: ns.getitem(g, key=key),),
    reads_inputs=False,
)


def _put_vjp_x(ns: Any, g: Any, out: Any, x: Any, values: Any, *, key: Any) -> Any:
    # The written places no longer depend on x.
    return ns.index_put(g, 0.0, key=key)


def _put_vjp_x_overwriting(ns: Any, g: Any, out: Any, x: Any, values: Any, *, key: Any) -> Any:
    return ns.index_put_into(g, 0.0, key)


def _put_vjp_values(ns: Any, g: Any, out: Any, x: Any, values: Any, *, key: Any) -> Any:
    # values was broadcast to the shape of x[key]; the engine's sum_to sums it back.
    return ns.getitem(g, key=key)


# A copy of x with x[key] = values: the out-of-place record of ``x[key] = values``.
index_put = Primitive(
    "index_put",
    forward=lambda xp, x, values, *, key: xp.index_put(x, values, key=key),
    vjp=(_put_vjp_x, _put_vjp_values),
    vjp_overwriting=(_put_vjp_x_overwriting, None),
    reads_inputs=False,
)
# The history of x after values were written in place through a view of it: x with x[key] =
# values, as index_put, but the values are already in x's memory, so the forward computes
# nothing (an index_put would copy all of x on every write). PyTorch's CopySlices.
copy_slices = Primitive(
    "copy_slices",
    forward=lambda xp, x, values, *, key: x,
    vjp=(_put_vjp_x, _put_vjp_values),
    vjp_overwriting=(_put_vjp_x_overwriting, None),
    reads_inputs=False,
    backward_name="CopySlices",
)


def _concat_vjp(ns: Any, g: Any, x: Any, axis: int, start: int, stop: int) -> Any:
    return ns.getitem(g, key=(slice(None),) * axis + (slice(start, stop), Ellipsis))


# Two tensors joined along ``axis``; torch.cat of many is a balanced tree of these.
concat = Primitive(
    "cat",
    forward=lambda xp, x, y, *, axis: xp.concat((x, y), axis=axis),
    vjp=(
        lambda ns, g, out, x, y, *, axis: _concat_vjp(ns, g, x, axis, 0, x.shape[axis]),
        lambda ns, g, out, x, y, *, axis: _concat_vjp(ns, g, y, axis, x.shape[axis], g.shape[axis]),
    ),
    reads_inputs=False,
)
flip = Primitive(
    "flip",
    # NumPy's flip is a view; torch.flip is a copy, so writes to it must not reach x.
    forward=lambda xp, x, *, axis: xp.asarray(xp.flip(x, axis=axis), copy=True),
    vjp=(lambda ns, g, out, x, *, axis: ns.flip(g, axis=axis),),
    reads_inputs=False,
)
roll = Primitive(
    "roll",
    forward=lambda xp, x, *, shift, axis: xp.roll(x, shift=shift, axis=axis),
    vjp=(
        lambda ns, g, out, x, *, shift, axis: ns.roll(g, shift=tuple(-s for s in shift), axis=axis),
    ),
    reads_inputs=False,
)


def _tile_vjp(ns: Any, g: Any, out: Any, x: Any, *, repetitions: tuple[int, ...]) -> Any:
    # out has shape (r0 * s0, r1 * s1, ...): split each axis into (r, s) and sum the copies.
    split = tuple(size for r, s in zip(repetitions, x.shape, strict=True) for size in (r, s))
    copies = tuple(range(0, 2 * len(repetitions), 2))
    return ns.sum(ns.reshape(g, shape=split), axis=copies, keepdims=False)


# ``repetitions`` has one entry per axis of x (the PyTorch layer pads x with leading 1s).
tile = Primitive(
    "repeat",
    forward=lambda xp, x, *, repetitions: xp.tile(x, repetitions),
    vjp=(_tile_vjp,),
    reads_inputs=False,
)

__all__ = [
    "as_strided",
    "basic_getitem",
    "broadcast_to",
    "concat",
    "copy_slices",
    "diagonal_view",
    "flip",
    "getitem",
    "index_add_zeros",
    "index_put",
    "permute_dims",
    "reshape",
    "roll",
    "tile",
    "unfold_windows",
]
