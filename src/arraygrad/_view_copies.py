"""PyTorch's ``<view>_copy`` functions: the result of a view op (``permute``, ``expand``,
``select``, ...) as a new contiguous tensor that shares no memory with its input.

Each is spelled out and delegates to the view op, so gradients and errors are the view's; only
the copy is added. Those with one result take ``out``, of the result's dtype, as PyTorch's do;
the split and unbind copies take a list of them, one per part, by PyTorch's rules for each (see
:func:`_written_parts`). (The sparse and nested views' copies are not here: arraygrad's tensors
are dense; the complex views' are, ``view_as_real_copy`` and ``view_as_complex_copy``.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arraygrad import (
    _complex,
    _dtype,
    _grad_mode,
    _inplace,
    _repeats,
    _shape,
    _splitting,
    _views,
    ops,
)
from arraygrad._arguments import index_argument, require_tensor
from arraygrad._dims import is_one_dim, normalize_dim
from arraygrad._out import _exact, store, written_exactly
from arraygrad._tensor import Tensor
from arraygrad._tensor_shape import ALL_DIMS, dim_given

__all__ = [
    "alias_copy",
    "as_strided_copy",
    "detach_copy",
    "diagonal_copy",
    "expand_copy",
    "permute_copy",
    "select_copy",
    "slice_copy",
    "split_copy",
    "split_with_sizes_copy",
    "squeeze_copy",
    "t_copy",
    "transpose_copy",
    "unbind_copy",
    "unfold_copy",
    "unsqueeze_copy",
    "view_as_complex_copy",
    "view_as_real_copy",
    "view_copy",
]


def _tensor(op: str, input: Any) -> Tensor:
    return require_tensor(op, "input", 1, input)


def _copy(view: Tensor) -> Tensor:
    """``view``'s values in new C-ordered memory (PyTorch's ``_copy`` results are contiguous)."""
    # contiguous() copies a strided view; a view already in C order still shares memory.
    return ops.clone(view) if view.is_contiguous() else view.contiguous()


def alias_copy(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """A contiguous copy of ``input`` (the copy form of its alias, ``input`` itself as a view).

    >>> import arraygrad
    >>> arraygrad.alias_copy(arraygrad.tensor([1, 2]))
    tensor([1, 2])
    """
    if out is not None:
        return written_exactly("alias_copy", out, alias_copy, input)
    return _copy(_tensor("alias_copy", input))


def as_strided_copy(
    input: Tensor,
    size: Sequence[int],
    stride: Sequence[int],
    storage_offset: int | None = None,
    *,
    out: Tensor | None = None,
) -> Tensor:
    """:func:`arraygrad.as_strided`, copied: the elements at ``storage_offset + sum(i[k] *
    stride[k])`` of ``input``'s memory for each index ``i`` of ``size``, in new memory.

    >>> import arraygrad
    >>> arraygrad.as_strided_copy(arraygrad.arange(6), (2, 2), (1, 2))
    tensor([[0, 2],
            [1, 3]])
    """
    if out is not None:
        return written_exactly(
            "as_strided_copy", out, as_strided_copy, input, size, stride, storage_offset
        )
    return _copy(_views.as_strided(_tensor("as_strided_copy", input), size, stride, storage_offset))


def detach_copy(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``input.detach()``, copied: no gradient flows back to ``input`` (as in PyTorch, the copy
    requires grad where ``input`` does, and backward through it raises).

    >>> import arraygrad
    >>> arraygrad.detach_copy(arraygrad.tensor([1.0, 2.0]))
    tensor([1., 2.])
    """
    if out is not None:
        return written_exactly("detach_copy", out, detach_copy, input)
    copied = _copy(_tensor("detach_copy", input).detach())
    return ops.without_derivative(
        copied, [input], "derivative for aten::detach_copy is not implemented"
    )


def diagonal_copy(
    input: Tensor,
    offset: int = 0,
    dim1: int = 0,
    dim2: int = 1,
    *,
    out: Tensor | None = None,
) -> Tensor:
    """:func:`arraygrad.diagonal`, copied.

    >>> import arraygrad
    >>> arraygrad.diagonal_copy(arraygrad.tensor([[1, 2], [3, 4]]))
    tensor([1, 4])
    """
    if out is not None:
        return written_exactly("diagonal_copy", out, diagonal_copy, input, offset, dim1, dim2)
    return _copy(_views.diagonal(_tensor("diagonal_copy", input), offset, dim1, dim2))


def expand_copy(
    input: Tensor,
    size: Sequence[int],
    *,
    implicit: bool = False,
    out: Tensor | None = None,
) -> Tensor:
    """``input.expand(size)``, copied (each repeated element its own memory).

    >>> import arraygrad
    >>> arraygrad.expand_copy(arraygrad.tensor([[1], [2]]), (2, 3))
    tensor([[1, 1, 1],
            [2, 2, 2]])
    """
    if out is not None:
        return written_exactly("expand_copy", out, expand_copy, input, size, implicit=implicit)
    return _copy(_tensor("expand_copy", input).expand(size))


def permute_copy(input: Tensor, dims: Sequence[int], *, out: Tensor | None = None) -> Tensor:
    """:func:`arraygrad.permute`, copied.

    >>> import arraygrad
    >>> arraygrad.permute_copy(arraygrad.tensor([[1, 2], [3, 4]]), (1, 0))
    tensor([[1, 3],
            [2, 4]])
    """
    if out is not None:
        return written_exactly("permute_copy", out, permute_copy, input, dims)
    return _copy(_shape.permute(_tensor("permute_copy", input), dims))


def select_copy(input: Tensor, dim: int, index: Any, *, out: Tensor | None = None) -> Tensor:
    """:func:`arraygrad.select`, copied: ``input[..., index, ...]`` along ``dim``, that dimension
    removed.

    >>> import arraygrad
    >>> arraygrad.select_copy(arraygrad.tensor([[1, 2], [3, 4]]), 1, 0)
    tensor([1, 3])
    """
    if out is not None:
        return written_exactly("select_copy", out, select_copy, input, dim, index)
    return _copy(_views.select(_tensor("select_copy", input), dim, index))


def slice_copy(
    input: Tensor,
    dim: int = 0,
    start: int | None = None,
    end: int | None = None,
    step: int = 1,
    *,
    out: Tensor | None = None,
) -> Tensor:
    """``input[..., start:end:step]`` along ``dim``, copied; ``step`` must be positive.

    >>> import arraygrad
    >>> arraygrad.slice_copy(arraygrad.arange(10), 0, 1, 8, 3)
    tensor([1, 4, 7])
    """
    if out is not None:
        return written_exactly("slice_copy", out, slice_copy, input, dim, start, end, step)
    axis = normalize_dim(dim, _tensor("slice_copy", input).ndim)
    if step <= 0:
        raise RuntimeError(
            "slice step must be positive. Fix: slice forward and flip(), PyTorch has no reverse "
            "slices."
        )
    key = (slice(None),) * axis + (slice(start, end, step),)
    return _copy(input[key])


def split_copy(
    input: Tensor, split_size: int, dim: int = 0, *, out: Sequence[Tensor] | None = None
) -> tuple[Tensor, ...] | None:
    """:func:`arraygrad.split`, each part copied: pieces of ``split_size`` (an int) along
    ``dim``, the last maybe smaller. With ``out``, a list of one tensor per part, each part is
    copied into its tensor as ``copy_`` copies (broadcast to its shape, converted to its dtype,
    never resized) and None is returned, as PyTorch does.

    >>> import arraygrad
    >>> arraygrad.split_copy(arraygrad.arange(5), 2)
    (tensor([0, 1]), tensor([2, 3]), tensor([4]))
    """
    if out is not None:
        _check_outs("split_copy", out, 3)
    parts = _splitting.split(_tensor("split_copy", input), _split_size(split_size), dim)
    if out is None:
        return tuple(_copy(part) for part in parts)
    _written_parts("split_copy", "split_copy_Tensor_out()", out, parts, copied=True)
    return None


def _split_size(value: Any) -> int:
    """``split_copy``'s ``split_size``, one int as PyTorch's parser takes it (a NumPy integer,
    an integer tensor of one element), where ``split`` also takes a list of sizes."""
    fix = "pass one int, or use split_with_sizes_copy for a list of sizes."
    if isinstance(value, Tensor) and (
        value.dtype.is_floating_point or value.dtype.is_complex or value.numel() != 1
    ):
        raise TypeError(
            f"split_copy(): argument 'split_size' (position 2) must be int, not Tensor. Fix: {fix}"
        )
    return index_argument("split_copy", "split_size", 2, value, fix=fix)


def split_with_sizes_copy(
    input: Tensor, split_sizes: Sequence[int], dim: int = 0, *, out: Sequence[Tensor] | None = None
) -> tuple[Tensor, ...] | None:
    """:func:`arraygrad.split_with_sizes`, each part copied; the sizes must add up to the size of
    ``dim``. With ``out``, a list of one tensor per part of its part's dtype (resized to its
    shape), the parts are written there and None is returned, as PyTorch does.

    >>> import arraygrad
    >>> arraygrad.split_with_sizes_copy(arraygrad.arange(5), [1, 4])
    (tensor([0]), tensor([1, 2, 3, 4]))
    """
    if out is not None:
        _check_outs("split_with_sizes_copy", out, 3)
    parts = _repeats.split_with_sizes(_tensor("split_with_sizes_copy", input), split_sizes, dim)
    if out is None:
        return tuple(_copy(part) for part in parts)
    _written_parts("split_with_sizes_copy", "split_with_sizes_copy_out", out, parts, copied=False)
    return None


def _check_outs(name: str, out: Any, position: int) -> None:
    """PyTorch's TypeErrors for an ``out`` that is not a list or tuple of tensors (its argument
    parser's, ``position`` counted from 0)."""
    if not isinstance(out, list | tuple):
        raise TypeError(
            f"{name}(): argument 'out' must be tuple of Tensors, not {type(out).__name__}. Fix: "
            "pass a list with one tensor per part, e.g. out=[arraygrad.empty(0), ...]."
        )
    for index, target in enumerate(out):
        if not isinstance(target, Tensor):
            raise TypeError(
                f"expected Tensor as element {index} in argument {position}, but got "
                f"{type(target).__name__}. Fix: pass only tensors in out."
            )


def _written_parts(
    name: str, native: str, out: Sequence[Tensor], parts: Sequence[Tensor], *, copied: bool
) -> None:
    """Write each of ``parts`` (views of the input) into its tensor of ``out``, in order, as
    PyTorch's kernels do: ``copied``, by ``copy_`` (split_copy); otherwise resized to the
    part's shape (warning where it held elements) after a check that it has the part's dtype
    (split_with_sizes_copy, unbind_copy). ``native``: PyTorch's kernel, named in its error.

    As in PyTorch, nothing is recorded and nothing refuses an input or ``out`` that requires
    grad; the parts already written stay written when a later one raises. (A part is read when
    it is written: an ``out`` that is another part's memory changes what that part copies.)
    """
    if len(out) != len(parts):
        raise RuntimeError(
            f"{native} expected an out= argument of size {len(parts)}, got size {len(out)}. "
            f"Fix: pass one tensor per part, {len(parts)} of them."
        )
    with _grad_mode.no_grad():
        for target, part in zip(out, parts, strict=True):
            if copied:
                _inplace.copy(target, part)
            else:
                _written_part(name, target, part)


def _written_part(name: str, target: Tensor, part: Tensor) -> None:
    # (a frame of its own: out's resize warning names the caller of the public function)
    _exact(name, part.dtype, target.dtype)
    store(name, target, part)


def squeeze_copy(input: Tensor, dim: Any = ALL_DIMS, *, out: Tensor | None = None) -> Tensor:
    """:func:`arraygrad.squeeze`, copied: the dimensions of size 1 (in ``dim`` if given) removed.

    >>> import arraygrad
    >>> arraygrad.squeeze_copy(arraygrad.zeros(2, 1, 3)).shape
    arraygrad.Size([2, 3])
    """
    dim = dim_given("squeeze_copy", dim)
    if out is not None:
        return written_exactly("squeeze_copy", out, squeeze_copy, input, dim)
    return _copy(_shape.squeeze(_tensor("squeeze_copy", input), dim))


def t_copy(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """:func:`arraygrad.t`, copied: the transpose of a tensor of at most two dimensions.

    >>> import arraygrad
    >>> arraygrad.t_copy(arraygrad.tensor([[1, 2], [3, 4]]))
    tensor([[1, 3],
            [2, 4]])
    """
    if out is not None:
        return written_exactly("t_copy", out, t_copy, input)
    return _copy(_shape.t(_tensor("t_copy", input)))


def transpose_copy(input: Tensor, dim0: int, dim1: int, *, out: Tensor | None = None) -> Tensor:
    """:func:`arraygrad.transpose`, copied: dimensions ``dim0`` and ``dim1`` swapped, in new
    contiguous memory.

    >>> import arraygrad
    >>> arraygrad.transpose_copy(arraygrad.zeros(2, 3, 4), 0, 2).stride()
    (6, 2, 1)
    """
    if out is not None:
        return written_exactly("transpose_copy", out, transpose_copy, input, dim0, dim1)
    return _copy(_shape.transpose(_tensor("transpose_copy", input), dim0, dim1))


def unbind_copy(
    input: Tensor, dim: int = 0, *, out: Sequence[Tensor] | None = None
) -> tuple[Tensor, ...] | None:
    """:func:`arraygrad.unbind`, each slice copied: the slices along ``dim``, that dimension
    removed. With ``out``, a list of one tensor per slice of its dtype (resized to its shape),
    the slices are written there and None is returned, as PyTorch does.

    >>> import arraygrad
    >>> arraygrad.unbind_copy(arraygrad.tensor([[1, 2], [3, 4]]))
    (tensor([1, 2]), tensor([3, 4]))
    """
    if out is not None:
        _check_outs("unbind_copy", out, 2)
    parts = _splitting.unbind(_tensor("unbind_copy", input), dim)
    if out is None:
        return tuple(_copy(part) for part in parts)
    _written_parts("unbind_copy", "unbind_copy_int_out", out, parts, copied=False)
    return None


def unfold_copy(
    input: Tensor,
    dimension: int,
    size: int,
    step: int,
    *,
    out: Tensor | None = None,
) -> Tensor:
    """``input.unfold(dimension, size, step)``, copied: the windows of ``size`` elements every
    ``step`` along ``dimension``, as a new last dimension.

    >>> import arraygrad
    >>> arraygrad.unfold_copy(arraygrad.arange(5), 0, 2, 2)
    tensor([[0, 1],
            [2, 3]])
    """
    if out is not None:
        return written_exactly("unfold_copy", out, unfold_copy, input, dimension, size, step)
    return _copy(_tensor("unfold_copy", input).unfold(dimension, size, step))


def unsqueeze_copy(input: Tensor, dim: int, *, out: Tensor | None = None) -> Tensor:
    """:func:`arraygrad.unsqueeze`, copied: a dimension of size 1 inserted at ``dim``.

    >>> import arraygrad
    >>> arraygrad.unsqueeze_copy(arraygrad.tensor([1, 2]), 0)
    tensor([[1, 2]])
    """
    if out is not None:
        return written_exactly("unsqueeze_copy", out, unsqueeze_copy, input, dim)
    return _copy(_shape.unsqueeze(_tensor("unsqueeze_copy", input), dim))


def view_copy(
    input: Tensor,
    size: Sequence[int] | _dtype.dtype | None = None,
    *,
    dtype: _dtype.dtype | None = None,
    out: Tensor | None = None,
) -> Tensor:
    """``input.view(size)``, copied; or, as PyTorch's other overload, ``input.view(dtype)``
    copied (the same bytes read as ``dtype``, with no gradient).

    >>> import arraygrad
    >>> arraygrad.view_copy(arraygrad.arange(4), (2, -1))
    tensor([[0, 1],
            [2, 3]])
    >>> arraygrad.view_copy(arraygrad.tensor([1.0]), dtype=arraygrad.int32)
    tensor([1065353216], dtype=arraygrad.int32)
    """
    shape_or_dtype = _view_copy_target(input, size, dtype)
    if out is not None:
        return written_exactly("view_copy", out, view_copy, input, shape_or_dtype)
    return _copy(_tensor("view_copy", input).view(shape_or_dtype))


def _view_copy_target(input: Any, size: Any, dtype: Any) -> Any:
    """The one of ``view_copy``'s overloads given: a dtype (positional or ``dtype=``) or a
    sequence of sizes; anything else is PyTorch's TypeError."""
    given = [v for v in (size, dtype) if v is not None]
    if len(given) == 1 and (
        isinstance(given[0], _dtype.dtype) or (dtype is None and not is_one_dim(given[0]))
    ):
        return given[0]
    got = ", ".join(
        [type(input).__name__]
        + ([type(size).__name__] if size is not None else [])
        + ([f"dtype={type(dtype).__name__}"] if dtype is not None else [])
    )
    raise TypeError(
        f"view_copy() received an invalid combination of arguments - got ({got}), but expected "
        "one of:\n * (Tensor input, torch.dtype dtype, *, Tensor out = None)\n * (Tensor input, "
        "tuple of ints size, *, Tensor out = None)\n Fix: pass either a dtype or the sizes as "
        "one tuple, e.g. view_copy(x, (2, 3)) or view_copy(x, arraygrad.int32)."
    )


def view_as_real_copy(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """:func:`arraygrad.view_as_real`, copied: complex ``s`` as real pairs ``s + (2,)``, with
    its gradient (the real pairs' gradient as complex numbers).

    >>> import arraygrad
    >>> arraygrad.view_as_real_copy(arraygrad.tensor([1 + 2j]))
    tensor([[1., 2.]])
    """
    if out is not None:
        return written_exactly("view_as_real_copy", out, view_as_real_copy, input)
    return _copy(_complex.view_as_real(_tensor("view_as_real_copy", input)))


def view_as_complex_copy(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """:func:`arraygrad.view_as_complex`, copied (its layout rules apply: a last dimension of
    size 2 and stride 1, even strides and offset). As PyTorch, it has no derivative: an input
    that requires grad raises RuntimeError while grad mode is on.

    >>> import arraygrad
    >>> arraygrad.view_as_complex_copy(arraygrad.tensor([[1.0, 2.0]]))
    tensor([1.+2.j])
    """
    if out is not None:
        return written_exactly("view_as_complex_copy", out, view_as_complex_copy, input)
    input = _tensor("view_as_complex_copy", input)
    if input.requires_grad and _grad_mode.grad_enabled.get():
        raise RuntimeError(
            "view_as_complex_copy does not support automatic differentiation for outputs with "
            "complex dtype. Fix: use view_as_complex (a view, differentiable), or pass "
            "input.detach() or call it under no_grad()."
        )
    return _copy(_complex.view_as_complex(input))
