"""Helpers shared by the shape, indexing and linear algebra op tables."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import arraygrad as ag
from tests.oracle import grad_fn_names

DTYPES = [np.float64, np.float32]


def lib(x: Any) -> Any:
    """The library (``torch`` or ``arraygrad``) whose tensor ``x`` is."""
    return torch if isinstance(x, torch.Tensor) else ag


def index_like(x: Any, dim: int, size: int | None = None) -> Any:
    """A deterministic int64 index tensor of ``x``'s shape (``size`` along ``dim``) whose values
    along ``dim`` repeat, so that gradients must accumulate."""
    shape = list(x.shape)
    limit = shape[dim]
    if size is not None:
        shape[dim] = size
    values = (np.arange(int(np.prod(shape))) * 7 + 3) % max(limit, 1)
    return lib(x).tensor(values.reshape(shape), dtype=lib(x).int64)


def distinct(x: Any) -> Any:
    """``x`` plus a tiny ramp, so that no two elements tie (ties are tested separately)."""
    ramp = lib(x).arange(x.numel(), dtype=x.dtype).reshape(x.shape)
    return x + ramp * 0.0123457


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1) -> Any:
    """A strategy of one array shape."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=4)


def same_shapes(count: int, min_dims: int = 0, min_side: int = 1) -> Any:
    """``count`` copies of one drawn shape."""
    return shapes(min_dims, min_side=min_side).map(lambda s: (s,) * count)


def cat_shapes() -> Any:
    """Two shapes that differ only in their first dimension (which may be 0)."""
    return shapes(1).flatmap(lambda s: st.integers(0, 3).map(lambda n: (s, (n, *s[1:]), s)))


# (symmetric positive-definite, so that every decomposition and solve takes it)
_SQUARE = [[2.0, 1.0, 0.5], [1.0, 3.0, 0.25], [0.5, 0.25, 4.0]]


def square_grad_fn_names(expression: str) -> tuple[str, str]:
    """arraygrad's and torch's ``grad_fn`` names of ``expression``
    (:func:`tests.oracle.grad_fn_names`, whose ``x`` is a (2, 3) leaf) with ``a`` a 3 x 3
    symmetric positive-definite float32 leaf that requires grad."""
    return grad_fn_names(expression, a=lambda lib: lib.tensor(_SQUARE, requires_grad=True))
