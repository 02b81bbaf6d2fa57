"""``pad``: constant, reflect, replicate and circular padding of the last dimensions."""

from __future__ import annotations

import numbers
from typing import Any

from arraygrad import _backend, _dtype, _shape, ops
from arraygrad._primitive import labelled
from arraygrad._tensor import Tensor
from arraygrad.nn._common import constant

__all__ = ["pad"]

_MODES = ("constant", "reflect", "replicate", "circular")


def _pairs(input: Tensor, pad: Any) -> list[tuple[int, int, int]]:
    """``pad`` (PyTorch's order: last dimension first) as ``(axis, before, after)`` triples."""
    pad = [int(p) for p in pad]
    if len(pad) % 2:
        raise RuntimeError(
            f"Padding length must be divisible by 2, but got {len(pad)} values {pad}. Fix: give "
            "a (before, after) pair per padded dimension, last dimension first."
        )
    if len(pad) // 2 > input.ndim:
        raise RuntimeError(
            f"Padding length should be less than or equal to two times the input dimension but "
            f"got padding length {len(pad)} and input of dimension {input.ndim}. Fix: pass at "
            f"most {2 * input.ndim} values (a (before, after) pair per dimension, last first)."
        )
    return [(input.ndim - 1 - i, pad[2 * i], pad[2 * i + 1]) for i in range(len(pad) // 2)]


def _constant_pad(input: Tensor, pairs: list[tuple[int, int, int]], value: float) -> Tensor:
    # Negative padding crops: a basic slice first.
    crop: list[Any] = [slice(None)] * input.ndim
    for axis, before, after in pairs:
        size = input.shape[axis]
        if size + min(before, 0) + min(after, 0) < 0:
            # cropped past empty
            raise RuntimeError(
                f"narrow(): length must be non-negative. (padding ({before}, {after}) of "
                f"dimension {axis} of size {size}). Fix: crop at most {size} elements in all."
            )
        crop[axis] = slice(max(-before, 0), size - max(-after, 0))
    if any(before < 0 or after < 0 for _, before, after in pairs):
        input = _shape.getitem(input, tuple(crop))
    shape = list(input.shape)
    inside: list[Any] = [slice(None)] * input.ndim
    for axis, before, after in pairs:
        before, after = max(before, 0), max(after, 0)
        inside[axis] = slice(before, before + shape[axis])
        shape[axis] += before + after
    if tuple(shape) == tuple(input.shape):
        return input
    key = tuple(inside)
    # Zeros of the padded shape with the input written in: the adjoint of slicing, so the
    # gradient is the slice of the incoming gradient.
    out = ops.index_add_zeros(input, shape=tuple(shape), key=key)
    if value != 0:
        xp = _backend.xp
        frame = xp.full(tuple(shape), value, dtype=input._data.dtype)
        # The frame is exactly `value` outside, 0 inside: x + 0 stays x. (set_at, not
        # `frame[key] = 0`: arraygrad.compile's recorder sees that write, and a replay makes
        # the same frame; a plain item assignment was lost, and the step ran eagerly.)
        _backend.set_at(frame, key, 0)
        out = out + constant(frame)
    return out


# The (pad length, input dimensions) pairs PyTorch's non-constant modes take: 1, 2 or 3 padded
# dimensions, with or without a batch dimension in front of the channels.
_INDEX_PAD_DIMS = {2: (2, 3), 4: (3, 4), 6: (4, 5)}


def _supported_lengths(ndim: int) -> str:
    """What to pass for an ``ndim``-D input to a non-constant mode, in words."""
    lengths = [str(n) for n, ranks in _INDEX_PAD_DIMS.items() if ndim in ranks]
    if not lengths:
        return "reshape the input to 2 to 5 dimensions"
    return f"pass {' or '.join(lengths)} padding values for a {ndim}D input"


def _check_index_pad_dims(input: Tensor, length: int) -> None:
    if input.ndim not in _INDEX_PAD_DIMS.get(length, ()):
        raise NotImplementedError(
            f"Padding size {length} is not supported for {input.ndim}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)\n"
            f"Fix: {_supported_lengths(input.ndim)}, or use mode='constant'."
        )


def _source_positions(size: int, before: int, after: int, mode: str) -> Any:
    """For each output position along one axis, the input position it copies.

    Negative ``before``/``after`` crop. Reflect and replicate fold the shifted range
    ``[-before, size + after)`` back into the input; circular first crops, then wraps around
    the cropped part (so a crop changes what the other side's padding repeats), at most once.
    """
    xp = _backend.xp
    if mode == "circular":
        start = max(-before, 0)
        kept = size + min(before, 0) + min(after, 0)
        if kept < 0:
            raise RuntimeError(
                f"Negative padding value is resulting in an empty dimension (padding ({before}, "
                f"{after}) of a dimension of size {size}). Fix: crop at most {size} elements."
            )
        grow_before, grow_after = max(before, 0), max(after, 0)
        if max(grow_before, grow_after) > kept or (kept == 0 and (grow_before or grow_after)):
            # more than once around what the crop kept: PyTorch raises, or reads memory it
            # never wrote, depending on the layout
            raise RuntimeError(
                f"Padding ({before}, {after}) wraps more than once around the {kept} elements "
                "left after cropping. Fix: pad each side by at most the size left after "
                f"cropping ({kept})."
            )
        offsets = xp.arange(-grow_before, kept + grow_after)
        return start + xp.remainder(offsets, max(kept, 1))
    positions = xp.arange(-before, size + after)
    if mode == "replicate":
        return xp.clip(positions, 0, size - 1)
    # |before|, |after| < size keeps every position within one period of the reflection
    period = 2 * (size - 1) if size > 1 else 1
    folded = xp.remainder(positions, period)
    return xp.where(folded >= size, period - folded, folded)


def _index_pad(input: Tensor, pairs: list[tuple[int, int, int]], mode: str) -> Tensor:
    """Pad by gathering: each output position reads the input element its mode maps it to
    (see :func:`_source_positions`), after PyTorch's checks of the sizes."""
    shape = list(input.shape)
    if mode != "circular" and 0 in shape[input.ndim - len(pairs) - 1 :]:
        # only a batch dimension may be empty
        low = len(pairs) + 1
        raise RuntimeError(
            f"Expected {low}D or {low + 1}D (batch mode) tensor with possibly 0 batch size and "
            f"other non-zero dimensions for input, but got: {shape}. Fix: only the batch "
            f"dimension may be empty with mode={mode!r}; use mode='constant' for empty inputs."
        )
    for axis, before, after in pairs:
        size = shape[axis]
        limit = size if mode == "circular" else size - 1
        if mode != "replicate" and (before > limit or after > limit):
            if mode == "circular" and size == 0:
                raise RuntimeError(
                    f"Padding value causes wrapping around more than once (padding ({before}, "
                    f"{after}) of an empty dimension {axis}). Fix: pad an empty dimension with "
                    "mode='constant'."
                )
            relation = "less than or equal to" if mode == "circular" else "less than"
            raise RuntimeError(
                f"Padding size should be {relation} the corresponding input dimension, but got: "
                f"padding ({before}, {after}) at dimension {axis} of input {shape}"
                f" (mode={mode!r}). Fix: pad by at most {limit} on each side, or use "
                "mode='replicate' or 'constant'."
            )
    sizes = [shape[axis] + before + after for axis, before, after in pairs]
    if mode != "circular" and (min(sizes) < 0 or max(sizes) == 0):
        # PyTorch's kernels allow an empty padded dimension, but not all of them empty
        names = "WHD"[: len(pairs)]
        given = ", ".join(f"{n}: {shape[-1 - i]}" for i, n in enumerate(names))
        made = " ".join(f"{n}: {m}" for n, m in zip(names, sizes, strict=True))
        raise RuntimeError(
            f"input ({given}) is too small. Calculated output {made}. Fix: crop less, so that "
            "every padded dimension keeps at least one element."
        )
    for axis, before, after in pairs:
        if before == after == 0:
            continue  # nothing to copy (Conv2d(padding="valid") pads with zeros)
        index = _source_positions(shape[axis], before, after, mode)
        input = ops.take(input, index, axis=axis)  # repeated indices sum their gradients
    return input


def _constant_value(value: Any, dt: _dtype.dtype) -> Any:
    """The constant mode's ``value`` as PyTorch reads it: a double (an int is rounded to float64
    first: 2**53 + 1 pads as 2**53), then checked against ``dt``, with PyTorch's error for a
    number ``dt`` cannot hold (1e300 in int64 or float16, and -1 in uint8: a double is never
    wrapped around, unlike ``fill_(-1)``'s int)."""
    if isinstance(value, complex):
        raise TypeError(
            f"pad(): argument 'value' (position 4) must be float, not complex: got {value!r}. "
            "Fix: pass a real number (pad the real and imaginary parts separately for a "
            "complex fill)."
        )
    return _dtype.checked_scalar(float(value), dt)


def pad(input: Tensor, pad: Any, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last ``len(pad) // 2`` dimensions: ``pad = (left, right, top, bottom, ...)``.

    ``mode`` is ``"constant"`` (``value``, default 0), ``"reflect"`` (mirror without repeating
    the edge), ``"replicate"`` (repeat the edge) or ``"circular"``; negative sizes crop. As in
    PyTorch, the last three pad 1, 2 or 3 dimensions of an input with one or two more. The
    result is a new tensor, also where nothing is padded (a copy) or only cropped (not a view).

    >>> import arraygrad
    >>> pad(arraygrad.tensor([[1.0, 2.0]]), (1, 2), mode="replicate")
    tensor([[1., 1., 2., 2., 2.]])
    """
    sizes = list(pad)
    return _own(padded(input, sizes, mode, value), input, _label(mode, len(sizes) // 2))


def _label(mode: str, dims: int) -> str:
    """The name of PyTorch's node for ``pad``'s result, padding ``dims`` dimensions: its
    kernel's, or ``CopySlices`` for circular padding, which PyTorch writes into slices."""
    if mode == "reflect":
        return f"ReflectionPad{dims}DBackward0"
    if mode == "replicate":
        return f"ReplicationPad{dims}DBackward0"
    return "CopySlices" if mode == "circular" else "ConstantPadNdBackward0"


def _own(out: Tensor, input: Tensor, label: str) -> Tensor:
    """``out``, padded from ``input``, as a new tensor (PyTorch's kernels allocate their result;
    :func:`padded` returns ``input`` or a crop of it as is), its node named ``label``."""
    if out is input or out._base is not None:
        out = ops.clone(out)
    return labelled(out, label)


def padded(input: Tensor, pad: Any, mode: str = "constant", value: float | None = None) -> Tensor:
    """:func:`pad`'s values without a copy where none is needed: ``input`` itself where nothing
    is padded, a view where only cropped; for arraygrad's own callers (convolutions crop
    their results), which never write into the result."""
    if mode not in _MODES:
        raise NotImplementedError(
            f"Unrecognised padding mode {mode!r}: expected one of {', '.join(_MODES)}. Fix: "
            "pass mode='constant', 'reflect', 'replicate' or 'circular'."
        )
    pairs = _pairs(input, pad)
    if mode == "constant":
        if value is None or value == 0:
            return _constant_pad(input, pairs, 0.0)
        return _constant_pad(input, pairs, _constant_value(value, input.dtype))
    if value is not None and value != 0:
        raise RuntimeError(
            f'Padding mode "{mode}" doesn\'t take in value argument (value={value}). Fix: drop '
            "value, or use mode='constant'."
        )
    _check_index_pad_dims(input, len(pairs) * 2)
    if mode != "circular" and input.dtype is _dtype.bool_:
        # PyTorch's reflection and replication kernels have no bool loop (circular padding
        # copies slices, which takes any dtype)
        kernel = "reflection" if mode == "reflect" else "replication"
        raise NotImplementedError(
            f"\"{kernel}_pad{len(pairs)}d\" not implemented for 'Bool'. Fix: pad input.to("
            "arraygrad.uint8) and convert back with .bool()."
        )
    return _index_pad(input, pairs, mode)


def pad_with_scalar(input: Tensor, sizes: Any, value: Any) -> Tensor:
    """``pad(input, sizes)`` in constant mode with ``value`` read as PyTorch reads a Scalar
    (``torch.constant_pad_nd``): an int exactly, not rounded to a double as ``F.pad`` rounds it
    (``2**62 + 1`` pads as itself; ``2**63`` in int64 is an overflow, not ``2.0**63``)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        filler = _dtype.checked_scalar(value, input.dtype)
        out = _constant_pad(input, _pairs(input, sizes), filler)
        return _own(out, input, "ConstantPadNdBackward0")
    return pad(input, sizes, "constant", value)
