"""Tensor methods that scatter into or index into tensors (``scatter``, ``index_add``,
``masked_scatter``, ``unfold``, ...).

A mixin of :class:`arraygrad.Tensor`; each method delegates to a PyTorch-style function, the
in-place ``X_`` forms through ``_inplace.apply`` (version counters, leaf checks).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

# The package itself: the functions are imported after the Tensor class (they build on it).
import arraygrad as _ag

if TYPE_CHECKING:
    import arraygrad._index_updates
    import arraygrad._inplace
    import arraygrad._memory_overlap
    import arraygrad._repeats
    import arraygrad._scatter
    import arraygrad._view_scatter
    from arraygrad._tensor import Tensor


class TensorIndexingMethods:
    """Scatters, index updates and windows."""

    __slots__ = ()

    # Scatters and index updates (_scatter, _index_updates).

    def scatter(
        self, dim: int, index: Tensor, src: Any = None, *, value: Any = None, reduce: Any = None
    ) -> Tensor:
        """See :func:`arraygrad.scatter`."""
        return _ag._scatter.scatter(self, dim, index, src, value=value, reduce=reduce)

    def scatter_(
        self, dim: int, index: Tensor, src: Any = None, *, value: Any = None, reduce: Any = None
    ) -> Tensor:
        """In place: :meth:`scatter`."""
        return _ag._inplace.apply_as(
            _ag._memory_overlap.SCATTERING,
            self,
            _ag._scatter.scatter,
            dim,
            index,
            src,
            checks=_ag._scatter._check_scatter_args,
            value=value,
            reduce=reduce,
        )

    def scatter_reduce(
        self, dim: int, index: Tensor, src: Tensor, reduce: str, *, include_self: bool = True
    ) -> Tensor:
        """See :func:`arraygrad.scatter_reduce`."""
        return _ag._scatter.scatter_reduce(self, dim, index, src, reduce, include_self=include_self)

    def scatter_reduce_(
        self, dim: int, index: Tensor, src: Tensor, reduce: str, *, include_self: bool = True
    ) -> Tensor:
        """In place: :meth:`scatter_reduce`."""
        return _ag._inplace.apply_as(
            _ag._memory_overlap.SCATTERING,
            self,
            _ag._scatter.scatter_reduce,
            dim,
            index,
            src,
            reduce,
            checks=_ag._scatter._check_scatter_reduce_args,
            include_self=include_self,
        )

    def index_add(self, dim: int, index: Tensor, source: Tensor, *, alpha: Any = 1) -> Tensor:
        """See :func:`arraygrad.index_add`."""
        return _ag._index_updates.index_add(self, dim, index, source, alpha=alpha)

    def index_add_(self, dim: int, index: Tensor, source: Tensor, *, alpha: Any = 1) -> Tensor:
        """In place: :meth:`index_add`."""
        return _ag._inplace.apply_as(
            _ag._memory_overlap.SCATTERING,
            self,
            _ag._index_updates.index_add,
            dim,
            index,
            source,
            checks=_ag._index_updates._check_index_add_args,
            alpha=alpha,
        )

    def index_copy(self, dim: int, index: Tensor, source: Tensor) -> Tensor:
        """See :func:`arraygrad.index_copy`."""
        return _ag._index_updates.index_copy(self, dim, index, source)

    def index_copy_(self, dim: int, index: Tensor, source: Tensor) -> Tensor:
        """In place: :meth:`index_copy`."""
        return _ag._inplace.apply_as(
            _ag._memory_overlap.SCATTERING,
            self,
            _ag._index_updates.index_copy,
            dim,
            index,
            source,
            checks=_ag._index_updates._check_index_copy_args,
        )

    def index_fill(self, dim: int, index: Tensor, value: Any) -> Tensor:
        """See :func:`arraygrad.index_fill`."""
        return _ag._index_updates.index_fill(self, dim, index, value)

    def index_fill_(self, dim: int, index: Tensor, value: Any) -> Tensor:
        """In place: :meth:`index_fill`."""
        # The index may share no memory (0-d too); the value is read as a number.
        rules = (
            _ag._memory_overlap.UNCHECKED,
            _ag._memory_overlap.SCATTERING,
            _ag._memory_overlap.FILLING,
        )
        return _ag._inplace.apply_as(
            rules,
            self,
            _ag._index_updates.index_fill,
            dim,
            index,
            value,
            checks=_ag._index_updates._check_index_fill_args,
        )

    def index_put(self, indices: Any, values: Tensor, accumulate: bool = False) -> Tensor:
        """See :func:`arraygrad.index_put`."""
        return _ag._index_updates.index_put(self, indices, values, accumulate)

    def index_put_(self, indices: Any, values: Tensor, accumulate: bool = False) -> Tensor:
        """In place: :meth:`index_put`."""
        return _ag._index_updates.index_put_(self, indices, values, accumulate)

    def index_reduce(
        self, dim: int, index: Tensor, source: Tensor, reduce: str, *, include_self: bool = True
    ) -> Tensor:
        """See :func:`arraygrad.index_reduce`."""
        return _ag._index_updates.index_reduce(
            self, dim, index, source, reduce, include_self=include_self
        )

    def index_reduce_(
        self, dim: int, index: Tensor, source: Tensor, reduce: str, *, include_self: bool = True
    ) -> Tensor:
        """In place: :meth:`index_reduce`."""
        return _ag._inplace.apply_as(
            _ag._memory_overlap.SCATTERING,
            self,
            _ag._index_updates.index_reduce,
            dim,
            index,
            source,
            reduce,
            checks=_ag._index_updates._check_index_reduce_args,
            include_self=include_self,
        )

    def masked_scatter(self, mask: Tensor, source: Tensor) -> Tensor:
        """See :func:`arraygrad.masked_scatter`."""
        return _ag._scatter.masked_scatter(self, mask, source)

    def masked_scatter_(self, mask: Tensor, source: Tensor) -> Tensor:
        """In place: :meth:`masked_scatter`."""
        return _ag._inplace.apply_as(
            _ag._memory_overlap.UNCHECKED, self, _ag._scatter.masked_scatter, mask, source
        )

    def put(self, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
        """See :func:`arraygrad.put`."""
        return _ag._scatter.put(self, index, source, accumulate)

    def put_(self, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
        """In place: :meth:`put`."""
        return _ag._inplace.apply_as(
            _ag._memory_overlap.SCATTERING, self, _ag._scatter.put, index, source, accumulate
        )

    # Writing through a view's key (_view_scatter).

    def select_scatter(self, src: Tensor, dim: int, index: int) -> Tensor:
        """See :func:`arraygrad.select_scatter`."""
        return _ag._view_scatter.select_scatter(self, src, dim, index)

    def slice_scatter(
        self,
        src: Tensor,
        dim: int = 0,
        start: int | None = None,
        end: int | None = None,
        step: int = 1,
    ) -> Tensor:
        """See :func:`arraygrad.slice_scatter`."""
        return _ag._view_scatter.slice_scatter(self, src, dim, start, end, step)

    def diagonal_scatter(
        self, src: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1
    ) -> Tensor:
        """See :func:`arraygrad.diagonal_scatter`."""
        return _ag._view_scatter.diagonal_scatter(self, src, offset, dim1, dim2)

    def as_strided_scatter(
        self, src: Tensor, size: Any, stride: Any, storage_offset: int | None = None
    ) -> Tensor:
        """See :func:`arraygrad.as_strided_scatter`."""
        return _ag._view_scatter.as_strided_scatter(self, src, size, stride, storage_offset)

    def fill_diagonal_(self, fill_value: Any, wrap: bool = False) -> Tensor:
        """In place: set the main diagonal (``self[i, i, ..., i]``) to ``fill_value``; with
        ``wrap=True`` a tall matrix's diagonal restarts after every ``cols + 1`` rows.

        >>> import arraygrad
        >>> arraygrad.zeros(2, 3).fill_diagonal_(1.0).tolist()
        [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
        """
        return _ag._inplace.apply(self, _ag._view_scatter.fill_diagonal, fill_value, wrap)

    # Repeats and windows (_repeats).

    def repeat_interleave(
        self, repeats: Any, dim: int | None = None, *, output_size: int | None = None
    ) -> Tensor:
        """See :func:`arraygrad.repeat_interleave`."""
        return _ag._repeats.repeat_interleave(self, repeats, dim, output_size=output_size)

    def unfold(self, dimension: int, size: int, step: int) -> Tensor:
        """Sliding windows of ``size`` along ``dimension``, ``step`` apart, as a new last
        dimension (a copy, where PyTorch returns a view).

        >>> import arraygrad
        >>> arraygrad.arange(5).unfold(0, 2, 2).tolist()
        [[0, 1], [2, 3]]
        """
        return _ag._repeats.unfold(self, dimension, size, step)

    def sum_to_size(self, *size: Any) -> Tensor:
        """``self`` summed down to ``size`` (the inverse of :meth:`expand`).

        >>> import arraygrad
        >>> arraygrad.ones(2, 3).sum_to_size(1, 3).tolist()
        [[2.0, 2.0, 2.0]]
        """
        return _ag._repeats.sum_to_size(self, *size)

    def split_with_sizes(self, split_sizes: Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
        """See :func:`arraygrad.split_with_sizes`."""
        return _ag._repeats.split_with_sizes(self, split_sizes, dim)
