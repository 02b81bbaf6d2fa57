"""PyTorch's checks of max and average pooling's window arguments, in its order and its words
(each then with the values involved and a fix).

PyTorch has three sets of them: its own 1-d max pooling (``max_pool1d`` with no indices and no
gradient to record), the 2-d one (also 1-d average pooling, and 1-d max pooling otherwise, as
the 2-d pooling of the input with a window of height 1), and the 3-d one; each first checks the
arguments for the output size (``pooling_output_shape``), then the shape of the whole call.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["check_max_pool1d", "check_windows", "output_size"]

_FIX_POSITIVE = "Fix: pass kernel_size, stride and dilation >= 1."


def _half(span: int) -> int:
    """``span / 2`` rounded toward zero, as C++'s integer division (for negative spans too)."""
    return -(-span // 2) if span < 0 else span // 2


def output_size(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's ``pooling_output_shape``: windows along one dimension (0 or less: none fits)."""
    room = size + 2 * p - d * (k - 1) - 1
    # floor division is PyTorch's div_rtn: with ceil_mode a window may overhang the input
    out = (room + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and out > 0 and (out - 1) * s >= size + p:
        out -= 1  # the last window must start inside the input or its left padding
    return out


def check_max_pool1d(shape: Sequence[int], k: int, s: int, p: int, d: int, ceil_mode: bool) -> None:
    """PyTorch's own 1-d max pooling's checks (``check_max_pool1d``) of an input of ``shape``."""
    batch = len(shape) == 3
    if len(shape) not in (2, 3) or not all(shape[1 if batch else 0 :]):
        raise RuntimeError(
            "max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size "
            f"for input, but got:{list(shape)}. Fix: pass (C, L) or (N, C, L) with nonzero C "
            "and L."
        )
    for name, value in (("kernel_size", k), ("stride", s)):
        if value <= 0:
            raise RuntimeError(
                f"max_pool1d() {name} must be greater than zero, but got {value}. {_FIX_POSITIVE}"
            )
    if p < 0:
        raise RuntimeError(
            f"max_pool1d() padding must be non-negative, but got {p}. Fix: pass padding >= 0."
        )
    if p > k // 2:
        raise RuntimeError(
            f"max_pool1d() padding should be at most half of kernel size, but got padding={p} "
            f"and kernel_size={k}. Fix: pass padding in [0, {k // 2}]."
        )
    if d <= 0:
        raise RuntimeError(
            f"max_pool1d() dilation must be greater than zero, but got {d}. {_FIX_POSITIVE}"
        )
    out = output_size(shape[-1], k, s, p, d, ceil_mode)
    if out <= 0:
        raise RuntimeError(
            f"max_pool1d() Invalid computed output size: {out}. Fix: use a smaller kernel, "
            f"dilation or more padding (the input has length {shape[-1]}, the window spans "
            f"{d * (k - 1) + 1})."
        )


def check_windows(
    name: str,
    shape: Sequence[int],
    kernel: Sequence[int],
    stride: Sequence[int],
    padding: Sequence[int],
    dilation: Sequence[int],
    ceil_mode: bool,
    *,
    nonempty_check: bool,
    input_size_check: bool = False,
) -> None:
    """PyTorch's checks of 2-d or 3-d pooling (``len(kernel)``) of an input of ``shape``: a 1-d
    pooling passes its input's shape and arguments with a leading window of height 1.

    ``nonempty_check``: the call first checks the number of dimensions (max pooling);
    ``input_size_check``: the input must be as large as the kernel (3-d average pooling).
    """
    n = len(kernel)
    if nonempty_check and len(shape) not in (n + 1, n + 2):
        raise RuntimeError(
            f"non-empty {n + 1}D or {n + 2}D (batch mode) tensor expected for input. Fix: pass "
            f"(C, *window) or (N, C, *window) with {n} window dimensions, not a tensor of shape "
            f"{list(shape)}."
        )
    for k, s, p, d in zip(kernel, stride, padding, dilation, strict=True):
        if s == 0:
            raise RuntimeError(
                f"stride should not be zero (stride={list(stride)}, kernel_size={list(kernel)}). "
                f"{_FIX_POSITIVE}"
            )
        if p < 0:
            raise RuntimeError(
                f"pad must be non-negative, but got pad: {p}. Fix: pass padding >= 0."
            )
        if p > _half((k - 1) * d + 1):
            raise RuntimeError(
                f"pad should be at most half of effective kernel size, but got pad={p}, "
                f"kernel_size={k} and dilation={d}. Fix: pass padding in "
                f"[0, {_half((k - 1) * d + 1)}]."
            )
    letters = ("T", "H", "W")[3 - n :]
    for what, values, short in (
        ("kernel size", kernel, "k"),
        ("stride", stride, "d"),
        ("dilation", dilation, "dilation"),
    ):
        if any(v <= 0 for v in values):
            named = " ".join(f"{short}{c}: {v}" for c, v in zip(letters, values, strict=True))
            raise RuntimeError(
                f"{what} should be greater than zero, but got {named}. {_FIX_POSITIVE}"
            )
    batch = len(shape) == n + 2
    if n == 3:
        if len(shape) not in (4, 5):
            raise RuntimeError(
                f"{name}: Expected 4D or 5D tensor for input, but got: {list(shape)}. Fix: pass "
                "(C, D, H, W) or (N, C, D, H, W)."
            )
        if not all(shape[1:] if len(shape) == 5 else shape):  # (channels too; torch's text
            # always names dimension 0)
            where = "max_pool3d_with_indices_out_cpu_template" if "max" in name else name
            raise RuntimeError(
                f"{where}(): Expected input's non-batch dimensions to have positive length, but "
                f"input has a shape of {list(shape)} and non-batch dimension 0 has length zero!"
                " Fix: only the batch may be empty."
            )
    elif len(shape) not in (n + 1, n + 2) or not all(shape[1 if batch else 0 :]):
        raise RuntimeError(
            f"Expected {n + 1}D or {n + 2}D (batch mode) tensor with optional 0 dim batch size "
            f"for input, but got:{list(shape)}. Fix: pass (C, *window) or (N, C, *window) with "
            f"{n} window dimensions; only the batch may be empty."
        )
    sizes = list(shape[-n:])
    if input_size_check and any(size < k for size, k in zip(sizes, kernel, strict=True)):
        (t, h, w), (kt, kh, kw) = sizes, kernel
        raise RuntimeError(
            f"input image (T: {t} H: {h} W: {w}) smaller than kernel size (kT: {kt} kH: {kh} "
            f"kW: {kw}). Fix: use a smaller kernel or a larger input."
        )
    if any(p > k // 2 for k, p in zip(kernel, padding, strict=True)):
        pairs = [f"k{c}: {k}" for c, k in zip(letters, kernel, strict=True)]
        pairs += [f"pad{c}: {p}" for c, p in zip(letters, padding, strict=True)]
        if n == 2:  # its 2-d words differ
            (kh, kw), (ph, pw) = kernel, padding
            got = f"padW = {pw}, padH = {ph}, kW = {kw}, kH = {kh}"
        else:
            got = " ".join(pairs[i] for i in (0, 2, 1, 3, 5, 4))
        raise RuntimeError(
            f"pad should be smaller than or equal to half of kernel size, but got {got}. Fix: "
            f"pass padding at most {[k // 2 for k in kernel]}."
        )
    outs = [
        output_size(size, k, s, p, d, ceil_mode)
        for size, k, s, p, d in zip(sizes, kernel, stride, padding, dilation, strict=True)
    ]
    if any(out < 1 for out in outs):
        planes = shape[-n - 1]
        raise RuntimeError(
            f"Given input size: ({'x'.join(map(str, [planes, *sizes]))}). Calculated output "
            f"size: ({'x'.join(map(str, [planes, *outs]))}). Output size is too small. Fix: use "
            "a smaller kernel or dilation, or more padding."
        )
