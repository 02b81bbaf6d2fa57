"""``einsum``: Einstein summation, composed of indexing, sums, permutes and batched matmuls.

The equation is reduced step by step to ops whose gradients are already known: repeated
subscripts within one operand take a diagonal (indexing), subscripts that appear in one operand
only and not in the output are summed, and the operands are then contracted left to right, each
pair as one batched matrix product ``(batch, free_a, summed) @ (batch, summed, free_b)``. No
intermediate ever holds the full product of all subscripts' sizes.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Sequence
from typing import Any

from arraygrad import _autocast_flag, _backend, _dtype, _reduced_floats, ops
from arraygrad._linalg import check_product_not_bool
from arraygrad._tensor import Tensor

__all__ = ["einsum"]

_ELLIPSIS_BASE = 0x2100  # private stand-in subscripts for the dimensions under "..."


@functools.lru_cache(maxsize=256)
def _parse(
    equation: str, ndims: tuple[int, ...]
) -> tuple[tuple[tuple[str, ...], ...], tuple[str, ...]]:
    """The subscripts of each operand and of the output (``"..."`` as private stand-ins), or
    PyTorch's error for the equation. Kept per equation and operand ranks: a training loop
    calls one equation again and again, and its parsing cost more than its small products."""
    equation = equation.replace(" ", "")
    if "->" in equation:
        lhs, rhs = equation.split("->")
    else:
        lhs, rhs = equation, None
    terms = lhs.split(",")
    if len(terms) != len(ndims):
        raise RuntimeError(
            f"einsum(): more operands were provided than specified in the equation: the "
            f"equation has {len(terms)} operand(s), {len(ndims)} were given"
            if len(ndims) > len(terms)
            else f"einsum(): fewer operands were provided than specified in the equation: the "
            f"equation has {len(terms)} operand(s), {len(ndims)} were given"
        )
    spans = []
    for position, (term, ndim) in enumerate(zip(terms, ndims, strict=True)):
        letters = term.replace("...", "")
        for char in letters:
            if not char.isalpha():
                raise RuntimeError(
                    f"einsum(): invalid subscript given at index {term.index(char)} in the "
                    f"equation string, subscripts must be in [a-zA-Z]: {char!r}"
                    ". Fix: use letters a-z and A-Z (and ... for broadcast "
                    "dimensions)."
                )
        has_ellipsis = "..." in term
        if (not has_ellipsis and len(letters) != ndim) or len(letters) > ndim:
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({len(letters)}) does not "
                f"match the number of dimensions ({ndim}) for operand {position}"
                + ("" if has_ellipsis else " and no ellipsis was given")
                + (
                    f". Fix: give operand {position} {ndim} subscripts, or use ..."
                    " for the leading dimensions."
                )
            )
        spans.append(ndim - len(letters) if has_ellipsis else 0)
    width = max(spans, default=0)
    ellipsis = [chr(_ELLIPSIS_BASE + i) for i in range(width)]
    subscripts = []
    for term, span in zip(terms, spans, strict=True):
        before, _, after = term.partition("...")
        if "..." not in term:
            subscripts.append(list(term))
        else:
            subscripts.append(list(before) + ellipsis[width - span :] + list(after))
    if rhs is None:  # implicit output: "..." first, then the subscripts used once, sorted
        counts: dict[str, int] = {}
        for subs in subscripts:
            for s in subs:
                counts[s] = counts.get(s, 0) + 1
        output = ellipsis + sorted(s for s, n in counts.items() if n == 1 and s not in ellipsis)
    else:
        before, _, after = rhs.partition("...")
        output = list(before) + (ellipsis if "..." in rhs else []) + list(after)
        seen = set()
        for s in output:
            if s in seen:
                raise RuntimeError(
                    f"einsum(): output subscript {s} appears more than once in the output"
                    ". Fix: list each output subscript once."
                )
            if not any(s in subs for subs in subscripts):
                raise RuntimeError(
                    f"einsum(): output subscript {s} does not appear in the equation for any "
                    "input operand"
                    ". Fix: use only subscripts that appear in the inputs."
                )
            seen.add(s)
    return tuple(tuple(subs) for subs in subscripts), tuple(output)


def _take_diagonals(x: Tensor, subs: list[str]) -> tuple[Tensor, list[str]]:
    """Collapse repeated subscripts of one operand to their diagonal (``"ii->i"``)."""
    while len(set(subs)) != len(subs):
        letter = next(s for s in subs if subs.count(s) > 1)
        first, second = [i for i, s in enumerate(subs) if s == letter][:2]
        rest = [i for i in range(len(subs)) if i not in (first, second)]
        x = ops.permute_dims(x, axes=(*rest, first, second))
        size = min(x.shape[-2], x.shape[-1])
        steps = _backend.xp.arange(size)
        x = ops.getitem(x, key=(Ellipsis, steps, steps))
        subs = [subs[i] for i in rest] + [letter]
    return x, subs


def _sum_out(x: Tensor, subs: list[str], needed: set[str]) -> tuple[Tensor, list[str]]:
    axes = tuple(i for i, s in enumerate(subs) if s not in needed)
    if not axes:
        return x, subs
    if x.dtype.category < _dtype._FLOAT:  # PyTorch's sum: bool and integers add up in int64
        x = ops.astype(x, _dtype.int64)
    x = ops.sum(x, axis=axes, keepdims=False)
    return x, [s for s in subs if s in needed]


def _arrange(x: Tensor, subs: list[str], order: list[str], sizes: dict[str, int]) -> Tensor:
    """``x`` permuted to ``order`` with size-1 dimensions broadcast to the subscripts' sizes."""
    axes = tuple(subs.index(s) for s in order)
    if axes != tuple(range(len(axes))):
        x = ops.permute_dims(x, axes=axes)
    full = tuple(sizes[s] for s in order)
    if tuple(x._data.shape) != full:
        x = ops.broadcast_to(x, shape=full)
    return x


def _contract(
    a: Tensor, sa: list[str], b: Tensor, sb: list[str], keep: set[str], sizes: dict[str, int]
) -> tuple[Tensor, list[str]]:
    """Contract two operands over their shared subscripts not in ``keep``, as one matmul.

    PyTorch multiplies the pair (promoting their dtypes) unless a summed subscript has a size
    other than 1 in both, and calls ``bmm`` then: the dtypes must match, and CPU autocast casts
    that ``bmm``'s operands (einsum itself is not on its lists), so an einsum with no such
    contraction (an outer or elementwise product, sums of one operand) keeps its dtypes."""
    batch = [s for s in sa if s in sb and s in keep]
    summed = [s for s in sa if s in sb and s not in keep]
    free_a = [s for s in sa if s not in sb]
    free_b = [s for s in sb if s not in sa]
    a_shape, b_shape = a._data.shape, b._data.shape
    if any(a_shape[sa.index(s)] != 1 and b_shape[sb.index(s)] != 1 for s in summed):
        if _autocast_flag.cpu:
            from arraygrad.amp import _casts

            a, b = _casts.cast_down(a, b)
        if a.dtype is _dtype.bool_:  # (bmm's first test: its kernel for the first dtype)
            check_product_not_bool("bmm", a, b)
        if a.dtype != b.dtype:
            raise RuntimeError(
                f"expected scalar type {_dtype.torch_type_name(a.dtype)} but found "
                f"{_dtype.torch_type_name(b.dtype)}: einsum contracts its operands with bmm, "
                "which takes one dtype. Fix: convert the operands to one dtype first."
            )
    elif a.dtype != b.dtype:  # PyTorch's multiplication: the promoted dtype
        target = _dtype.promote_types(a.dtype, b.dtype)
        a, b = (t if t.dtype is target else ops.astype(t, target) for t in (a, b))

    def prod(subs: list[str]) -> int:
        return math.prod(sizes[s] for s in subs)

    a = _arrange(a, sa, batch + free_a + summed, sizes)
    b = _arrange(b, sb, batch + summed + free_b, sizes)
    # (the primitives' own entry point: no keyword arguments to parse, three times per pair)
    a = ops.reshape.apply1(a, {"shape": (prod(batch), prod(free_a), prod(summed))})
    b = ops.reshape.apply1(b, {"shape": (prod(batch), prod(summed), prod(free_b))})
    prim = ops.complex_ops.matmul if a.dtype.is_complex else ops.matmul
    if a.dtype is _dtype.bfloat16:  # float32 accumulation, one rounding (see _linalg.matmul)
        prim = _reduced_floats.twin(ops.matmul)
    out = prim(a, b)
    subs = batch + free_a + free_b
    return ops.reshape.apply1(out, {"shape": tuple(sizes[s] for s in subs)}), subs


_TOO_FEW = (
    "einsum(): must specify the equation string and at least one operand, or at least one "
    "operand and its subscripts list. Fix: call einsum('ij,jk->ik', a, b) or einsum(a, [0, 1], "
    "b, [1, 2], [0, 2])."
)


def einsum(equation: str | Tensor, *operands: Any) -> Tensor:
    """Sum of products of ``operands`` over the subscripts the ``equation`` leaves out.

    Supports repeated subscripts (diagonals), ``...`` for broadcast batch dimensions, implicit
    output (``"ij,jk"``) and any number of operands (also passed as one list). As in PyTorch,
    the subscripts may also follow each operand as a list of ints in [0, 52) (``A`` to ``Z``,
    then ``a`` to ``z``) or ``...``, with the output's list last:
    ``einsum(a, [0, 1], b, [1, 2], [0, 2])`` is ``einsum("AB,BC->AC", a, b)``.

    >>> import arraygrad
    >>> a, b = arraygrad.ones(2, 3), arraygrad.ones(3, 4)
    >>> arraygrad.einsum("ij,jk->ik", a, b).shape
    arraygrad.Size([2, 4])
    >>> arraygrad.einsum(a, [0, 1], b, [1, 2], [0, 2]).shape
    arraygrad.Size([2, 4])
    """
    if not operands:
        raise ValueError(_TOO_FEW)
    if isinstance(equation, Tensor):
        equation, operands = _sublist_form((equation, *operands))
    elif len(operands) == 1 and isinstance(operands[0], Sequence):
        operands = tuple(operands[0])
        if not operands:
            raise ValueError(_TOO_FEW)
    from arraygrad._math import as_tensor

    tensors = [as_tensor(t) for t in operands]
    parsed, output_subscripts = _parse(equation, tuple(len(t._data.shape) for t in tensors))
    subscripts = [list(subs) for subs in parsed]
    output = list(output_subscripts)

    sizes: dict[str, int] = {}
    for position, (t, subs) in enumerate(zip(tensors, subscripts, strict=True)):
        for s, size in zip(subs, t._data.shape, strict=True):
            seen = sizes.get(s)
            if seen is not None and size != seen and 1 not in (size, seen):
                name = "..." if ord(s) >= _ELLIPSIS_BASE else s
                raise RuntimeError(
                    f"einsum(): subscript {name} has size {size} for operand {position} which "
                    f"does not broadcast with previously seen size {seen}"
                    f". Fix: give the dimensions sharing subscript {name} equal "
                    "sizes (or 1)."
                )
            sizes[s] = size if seen is None or seen == 1 else seen

    # Reduce each operand alone: diagonals, then subscripts nobody else needs.
    reduced = []
    for i, (t, subs) in enumerate(zip(tensors, subscripts, strict=True)):
        t, subs = _take_diagonals(t, list(subs))
        others = {s for j, o in enumerate(subscripts) if j != i for s in o}
        t, subs = _sum_out(t, subs, others | set(output))
        reduced.append((t, subs))

    result, subs = reduced[0]
    for i in range(1, len(reduced)):
        later = {s for _, o in reduced[i + 1 :] for s in o}
        result, subs = _contract(result, subs, *reduced[i], later | set(output), sizes)
    result, subs = _sum_out(result, subs, set(output))
    return _arrange(result, subs, output, sizes)


def _sublist_form(args: tuple[Any, ...]) -> tuple[str, tuple[Any, ...]]:
    """PyTorch's sublist form of :func:`einsum`'s arguments, ``operand, subscripts, operand,
    subscripts, ..., [output subscripts]``, as an equation and its operands."""
    operands = args[0::2] if len(args) % 2 == 0 else args[:-1:2]
    for position, operand in enumerate(operands):
        if not isinstance(operand, Tensor):
            raise TypeError(
                f"expected Tensor as element {position} in argument 1, but got "
                f"{type(operand).__name__}. Fix: alternate operands and their subscript lists "
                "(einsum(a, [0, 1], b, [1, 2], [0, 2]))."
            )
    equation = ",".join(_sublist_term(subscripts) for subscripts in args[1::2])
    if len(args) % 2 == 1:  # an output list
        equation += "->" + _sublist_term(args[-1])
    return equation, operands


def _sublist_term(subscripts: Any) -> str:
    """A subscript list of the sublist form as the equation's letters: 0 to 25 are ``A`` to
    ``Z``, 26 to 51 ``a`` to ``z``, ``...`` itself."""
    letters = []
    for subscript in subscripts:
        if subscript is Ellipsis:
            letters.append("...")
            continue
        number = operator.index(subscript)  # (PyTorch's TypeError for a float or a string)
        if not 0 <= number < 52:
            raise ValueError(
                "einsum(): subscript in subscript list is not within the valid range [0, 52): "
                f"got {subscript}. Fix: number the subscripts from 0 to 51."
            )
        letters.append(chr(ord("A") + number) if number < 26 else chr(ord("a") + number - 26))
    return "".join(letters)
