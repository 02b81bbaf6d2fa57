"""Dimension arguments as PyTorch reads them (negative dims, tuples, ``*sizes`` or a list)."""

from __future__ import annotations

import operator
from typing import Any


def normalize_dim(dim: int, ndim: int) -> int:
    """``dim`` as a non-negative axis of a tensor with ``ndim`` dimensions.

    A 0-d tensor accepts ``0`` and ``-1``, as in PyTorch.
    """
    if dim.__class__ is not int:  # (the common case skips this)
        dim = dim_index(dim)
    low, high = (-1, 0) if ndim == 0 else (-ndim, ndim - 1)
    if not low <= dim <= high:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{low}, {high}], but got {dim})"
        )
    return dim % ndim if ndim else 0


def is_one_dim(dim: Any) -> bool:
    """Whether ``dim`` names one dimension rather than a sequence of them (or None).

    As in PyTorch, anything with ``__index__`` does: a NumPy integer, an integer tensor of one
    element (bools too, which :func:`dim_index` then refuses).
    """
    return dim.__class__ is int or (
        not isinstance(dim, (tuple, list)) and hasattr(type(dim), "__index__")
    )


def dim_index(dim: Any) -> int:
    """``dim`` as a Python int: PyTorch reads any integer with ``__index__`` as a dimension
    (``np.int64(0)``, ``torch.tensor(0)``) and refuses bools and floats with a TypeError.

    >>> import numpy as np
    >>> dim_index(np.int64(-1))
    -1
    """
    if dim.__class__ is int:
        return dim
    if isinstance(dim, bool) or not hasattr(type(dim), "__index__"):
        raise TypeError(
            f"argument 'dim' must be int, not {type(dim).__name__} ({dim!r}). Fix: pass the "
            "dimension as an int, e.g. dim=-1."
        )
    return operator.index(dim)


def no_dimensions_error(dim: Any, what: str) -> IndexError:
    """PyTorch's IndexError for ``what`` (``size``, ``stride``) of dimension ``dim`` asked of a
    0-d tensor, which has none (where reductions take 0 and -1 for it)."""
    return IndexError(
        f"Dimension specified as {dim} but tensor has no dimensions. Fix: a 0-d tensor has no "
        f"{what} to ask for; call .{what}() without a dimension (an empty tuple), or reshape "
        "it first (t.reshape(1))."
    )


def normalize_dims(dim: Any, ndim: int) -> tuple[int, ...] | None:
    """``dim`` (None, an int or a sequence) as a sorted tuple of axes, ``None`` meaning all."""
    if dim is None:
        return None
    if is_one_dim(dim):
        dims: tuple[int, ...] = (dim_index(dim),)
    else:
        dims = tuple(dim)
        if not dims:  # PyTorch reads an empty dim list as "all dimensions"
            return None
    seen: set[int] = set()
    for d in dims:
        axis = normalize_dim(d, ndim)
        if axis in seen:  # PyTorch names the first repeat, counted from the front
            raise RuntimeError(
                f"dim {axis} appears multiple times in the list of dims (dim={list(dims)}). "
                "Fix: name each dimension once."
            )
        seen.add(axis)
    return tuple(sorted(seen)) if ndim else None


def _shape_arg(shape: tuple[Any, ...]) -> tuple[int, ...]:
    """Sizes (or dims) given as ``*sizes`` or as one sequence, as integers.

    As in PyTorch, anything with ``__index__`` is an integer (Python and NumPy ints, integer
    0-d tensors); floats are refused with a TypeError, not truncated, and so is a bool as the
    first size (PyTorch's argument parsing reads later ones as 0 and 1).
    """
    if len(shape) == 1 and shape[0].__class__ is not int and not _is_integer(shape[0]):
        sizes = shape[0]
        if not isinstance(sizes, (tuple, list)):
            if hasattr(sizes, "__iter__"):  # a range, a tensor, an array: PyTorch refuses them
                raise TypeError(
                    f"sizes and dims must be integers, or one tuple or list of them, got "
                    f"{type(sizes).__name__} {sizes!r}. Fix: pass tuple(...) of it (e.g. "
                    "tuple(t.tolist()) for a tensor)."
                )
            _integer(sizes)  # a float or bool: refused
        shape = tuple(sizes)
    for value in shape:
        if value.__class__ is not int:
            if shape and isinstance(shape[0], bool):
                _integer(shape[0])  # refused
            return tuple(
                int(value) if value.__class__ is bool else _integer(value) for value in shape
            )
    return shape  # Python ints already (the common case): the tuple as it is


def _is_integer(value: Any) -> bool:
    return not isinstance(value, bool) and hasattr(type(value), "__index__")


def _integer(value: Any) -> int:
    if not _is_integer(value):
        raise TypeError(
            f"sizes and dims must be integers, got {type(value).__name__} {value!r}. Fix: pass "
            "ints (e.g. int(n) or n // 2 for a computed size)."
        )
    if getattr(getattr(value, "dtype", None), "name", None) == "bool" and hasattr(value, "item"):
        # A bool tensor has __index__, but PyTorch reads a size from its Scalar, which it
        # checks is integral (a Python bool is refused above, as PyTorch's parser does).
        raise RuntimeError(
            f"Expected scalar.isIntegral( false) to be true, but got false: a bool tensor "
            f"({value!r}) given as a size. Fix: pass an int, e.g. int(n)."
        )
    return operator.index(value)
