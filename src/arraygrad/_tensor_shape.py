"""Tensor methods for shapes, indexing, sorting and linear algebra.

A mixin of :class:`arraygrad.Tensor`; each method delegates to the PyTorch-style function of the
same name in ``_shape``, ``_indexing``, ``_sorting`` or ``_linalg``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

# The package itself, not its modules: the functions these methods call are imported after the
# Tensor class (they build on it), so they are looked up at call time as ``_ag._math.exp``.
import arraygrad as _ag

# squeeze's dim when none is given: every dimension of size 1 (dim=None is PyTorch's TypeError)
ALL_DIMS: Any = object()

if TYPE_CHECKING:
    import arraygrad._binary
    import arraygrad._contractions
    import arraygrad._indexing
    import arraygrad._inplace
    import arraygrad._joining
    import arraygrad._linalg
    import arraygrad._math
    import arraygrad._matrices
    import arraygrad._memory_overlap
    import arraygrad._predicates
    import arraygrad._reduction
    import arraygrad._scatter
    import arraygrad._shape
    import arraygrad._sorting
    import arraygrad._statistics
    import arraygrad._unary
    import arraygrad._views
    from arraygrad._tensor import Tensor


class TensorShapeMethods:
    """Shape, indexing, sorting and linear-algebra methods of :class:`arraygrad.Tensor`."""

    __slots__ = ()

    def matmul(self, other: Tensor) -> Tensor:
        """Matrix product with PyTorch's 1-D and batched broadcasting rules."""
        return _ag._linalg.matmul(self, other)

    def reshape(self, *shape: Any, **named: Any) -> Tensor:
        """The same elements in a new shape (one size may be -1)."""
        if named:  # x.reshape(shape=(2, 3))
            shape = _named_sizes("reshape", "shape", shape, named)
        if not shape:  # PyTorch needs the sizes; x.reshape(()) is the 0-d one
            raise _missing_argument("reshape", "shape", "x.reshape(2, 3) or x.reshape((2, 3))")
        return _ag._shape.reshape(self, shape)

    def view(self, *shape: Any, dtype: Any = None, **named: Any) -> Tensor:
        """The same elements in a new shape, sharing memory; or, given a dtype, the same
        memory read as elements of that dtype (see :func:`arraygrad._views.view_dtype`)."""
        if named:  # x.view(size=(2, 3))
            shape = _named_sizes("view", "size", shape, named)
        if not shape and dtype is None:
            raise TypeError(
                "view() received an invalid combination of arguments - got (), but expected one "
                "of: (torch.dtype dtype) or (tuple of ints size). Fix: pass the sizes, "
                "x.view(2, -1), or a dtype."
            )
        if len(shape) == 1 and shape[0].__class__ is _ag.dtype:
            return _ag._views.view_dtype(self, shape[0])
        if dtype is not None:
            if shape or dtype.__class__ is not _ag.dtype:
                got = ", ".join(
                    [type(s).__name__ for s in shape] + [f"dtype={type(dtype).__name__}"]
                )
                raise TypeError(
                    f"view() received an invalid combination of arguments - got ({got}), but "
                    "expected one of: (torch.dtype dtype) or (tuple of ints size). Fix: pass a "
                    "dtype alone, x.view(dtype=arraygrad.int32), or sizes alone, x.view(2, -1)."
                )
            return _ag._views.view_dtype(self, dtype)
        return _ag._shape.view(self, *shape)

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        """Swap two dimensions."""
        return _ag._shape.transpose(self, dim0, dim1)

    def permute(self, *dims: Any, **named: Any) -> Tensor:
        """Reorder the dimensions."""
        if named:  # x.permute(dims=(1, 0))
            dims = _named_sizes("permute", "dims", dims, named)
        if not dims:  # PyTorch needs the order; x.permute(()) is a 0-d tensor's
            raise _missing_argument("permute", "dims", "x.permute(1, 0) or x.permute((1, 0))")
        return _ag._shape.permute(self, dims)

    @property
    def T(self) -> Tensor:  # noqa: N802 - PyTorch's name
        """All dimensions reversed."""
        if self.ndim != 2:  # (PyTorch deprecates it but for matrices)
            _ag._complex.warn_deprecated("tensor.T" if self.ndim == 0 else "x.T")
        return _ag._shape.permute(self, tuple(reversed(range(self.ndim))))

    @property
    def mT(self) -> Tensor:  # noqa: N802 - PyTorch's name
        """The last two dimensions swapped (a 0-d tensor as it is; a vector is refused)."""
        _ag._complex._require_matrices(self, "tensor.mT")
        if self.ndim == 0:  # its own transpose, as in PyTorch
            return cast("Tensor", self)
        return _ag._shape.transpose(self, -2, -1)

    def t(self) -> Tensor:
        """Transpose of a tensor of at most 2 dimensions."""
        return _ag._shape.t(self)

    def unsqueeze(self, dim: int) -> Tensor:
        """Insert a dimension of size 1 at ``dim``."""
        return _ag._shape.unsqueeze(self, dim)

    def squeeze(self, *dims: Any, dim: Any = ALL_DIMS) -> Tensor:
        """Remove dimensions of size 1 (only ``dim`` when given: an int, a tuple, or several
        ints, as ``x.squeeze(0, 2)``)."""
        return _ag._shape.squeeze(self, _squeeze_dims("squeeze", dims, dim))

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Merge dimensions ``start_dim .. end_dim`` into one."""
        return _ag._shape.flatten(self, start_dim, end_dim)

    def expand(self, *sizes: Any, **named: Any) -> Tensor:
        """Broadcast to ``sizes`` (-1 keeps a dimension) without copying."""
        if named:  # x.expand(size=(2, 3))
            sizes = _named_sizes("expand", "size", sizes, named)
        return _ag._shape.expand(self, *sizes)

    def expand_as(self, other: Tensor) -> Tensor:
        """Broadcast to ``other``'s shape without copying."""
        return _ag._shape.expand_as(self, other)

    def unflatten(self, dim: int, sizes: Any) -> Tensor:
        """Split dimension ``dim`` into ``sizes``."""
        # PyTorch's method tests `if not sizes` first (a tensor's truth: "non-empty" for a
        # zero, ambiguous for several elements), then its parser refuses any tensor
        if isinstance(sizes, _ag.Tensor) and not sizes:
            raise RuntimeError("unflatten: sizes must be non-empty. Fix: pass sizes.tolist().")
        sizes = _ag._arguments.int_sequence_argument("unflatten", "sizes", sizes, 2)
        return _ag._shape.unflatten(self, dim, sizes)

    def movedim(self, source: Any, destination: Any) -> Tensor:
        """Move dimensions ``source`` to positions ``destination``."""
        return _ag._shape.movedim(self, source, destination)

    def repeat(self, *sizes: Any, **named: Any) -> Tensor:
        """Tile ``sizes[i]`` times along dimension ``i`` (extra sizes add leading dimensions)."""
        if named:  # x.repeat(repeats=(1, 2))
            sizes = _named_sizes("repeat", "repeats", sizes, named)
        return _ag._shape.repeat(self, *sizes)

    def tile(self, *dims: Any, **named: Any) -> Tensor:
        """Like :meth:`repeat`; fewer ``dims`` than dimensions repeat the last ones."""
        if named:  # x.tile(dims=(1, 2))
            dims = _named_sizes("tile", "dims", dims, named)
        return _ag._shape.tile(self, _ag._shape._shape_arg(dims))

    def flip(self, *dims: Any, **named: Any) -> Tensor:
        """Reverse the order of elements along ``dims``."""
        if named:  # x.flip(dims=(0,))
            dims = _named_sizes("flip", "dims", dims, named)
        return _ag._shape.flip(self, _ag._shape._shape_arg(dims))

    def roll(self, shifts: Any, dims: Any = None) -> Tensor:
        """Shift elements circularly along ``dims``."""
        shifts = _ag._arguments.int_list_argument("roll", "shifts", shifts, 1)
        return _ag._shape.roll(self, shifts, dims)

    def narrow(self, dim: int, start: Any, length: int) -> Tensor:
        """The view of ``length`` elements from ``start`` along ``dim``."""
        return _ag._splitting.narrow(self, dim, start, length)

    def split(self, split_size: Any, dim: int = 0) -> tuple[Tensor, ...]:
        """Views split along ``dim`` into pieces of ``split_size`` (or the listed sizes)."""
        return _ag._splitting.split(self, split_size, dim)

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """Split into ``chunks`` views along ``dim``."""
        return _ag._splitting.chunk(self, chunks, dim)

    def unsafe_split(self, split_size: int, dim: int = 0) -> tuple[Tensor, ...]:
        """:meth:`split` whose pieces may be written in place (PyTorch's ``unsafe_split``)."""
        return _ag._splitting.unsafe_split(self, split_size, dim)

    def unsafe_split_with_sizes(self, split_sizes: Any, dim: int = 0) -> tuple[Tensor, ...]:
        """Split into the listed sizes; the pieces may be written in place."""
        return _ag._splitting.unsafe_split_with_sizes(self, split_sizes, dim)

    def unsafe_chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """:meth:`chunk` whose pieces may be written in place (PyTorch's ``unsafe_chunk``)."""
        return _ag._splitting.unsafe_chunk(self, chunks, dim)

    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        """The slices along ``dim``, with that dimension removed."""
        return _ag._splitting.unbind(self, dim)

    def index_select(self, dim: int, index: Tensor) -> Tensor:
        """The slices at positions ``index`` along ``dim``."""
        return _ag._indexing.index_select(self, dim, index)

    def gather(self, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
        """Elements picked along ``dim`` at ``index`` (same number of dimensions)."""
        return _ag._indexing.gather(self, dim, index, sparse_grad=sparse_grad)

    def take_along_dim(self, indices: Tensor, dim: int | None = None) -> Tensor:
        """Like :meth:`gather`, with broadcasting."""
        return _ag._indexing.take_along_dim(self, indices, dim)

    def scatter_add(self, dim: int, index: Tensor, src: Tensor) -> Tensor:
        """A copy with ``src`` added at ``index`` along ``dim`` (repeats accumulate)."""
        return _ag._scatter.scatter_add(self, dim, index, src)

    def scatter_add_(self, dim: int, index: Tensor, src: Tensor) -> Tensor:
        """In place: add ``src`` at ``index`` along ``dim``."""
        return _ag._inplace.apply_as(
            _ag._memory_overlap.SCATTERING,
            self,
            _ag._scatter.scatter_add,
            dim,
            index,
            src,
            checks=_ag._scatter._check_scatter_add_args,
        )

    def masked_fill(self, mask: Tensor, value: Any) -> Tensor:
        """A copy with ``value`` where ``mask`` is True."""
        return _ag._indexing.masked_fill(self, mask, value)

    def masked_fill_(self, mask: Tensor, value: Any) -> Tensor:
        """In place: set ``value`` where ``mask`` is True."""
        # The mask is compared element-wise; the value is read as a number.
        rules = (_ag._memory_overlap.ELEMENTWISE, _ag._memory_overlap.FILLING)
        return _ag._inplace.apply_as(rules, self, _ag._indexing.masked_fill, mask, value)

    def max(self, dim: Any = None, keepdim: bool = False) -> Any:
        """The largest element, or ``(values, indices)`` along ``dim``."""
        return _ag._sorting.max(self, dim, keepdim)

    def min(self, dim: Any = None, keepdim: bool = False) -> Any:
        """The smallest element, or ``(values, indices)`` along ``dim``."""
        return _ag._sorting.min(self, dim, keepdim)

    def sort(self, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Any:
        """``(values, indices)`` sorted along ``dim``."""
        return _ag._sorting.sort(self, dim, descending, stable=stable)

    def argsort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
        """The indices that sort along ``dim``."""
        return _ag._sorting.argsort(self, dim, descending, stable)

    def msort(self) -> Tensor:
        """Sorted along the first dimension."""
        return _ag._sorting.msort(self)

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:
        """``(values, indices)`` of the ``k`` largest (or smallest) along ``dim``."""
        return _ag._sorting.topk(self, k, dim, largest, sorted)

    def kthvalue(self, k: int, dim: int = -1, keepdim: bool = False) -> Any:
        """``(values, indices)`` of the ``k``-th smallest along ``dim``."""
        return _ag._sorting.kthvalue(self, k, dim, keepdim)

    def median(self, dim: Any = None, keepdim: bool = False) -> Any:
        """The lower median, or ``(values, indices)`` along ``dim``."""
        return _ag._sorting.median(self, dim, keepdim)

    def mm(self, mat2: Tensor) -> Tensor:
        """Matrix product of two matrices."""
        return _ag._linalg.mm(self, mat2)

    def bmm(self, mat2: Tensor) -> Tensor:
        """Batched matrix product."""
        return _ag._linalg.bmm(self, mat2)

    def mv(self, vec: Tensor) -> Tensor:
        """Matrix-vector product."""
        return _ag._linalg.mv(self, vec)

    def dot(self, other: Tensor) -> Tensor:
        """Dot product of two vectors."""
        return _ag._contractions.dot(self, other)

    def inner(self, other: Tensor) -> Tensor:
        """Sum of products over the last dimensions."""
        return _ag._contractions.inner(self, other)

    def outer(self, vec2: Tensor) -> Tensor:
        """Outer product of two vectors."""
        return _ag._contractions.outer(self, vec2)

    def trace(self) -> Tensor:
        """Sum of the main diagonal."""
        return _ag._linalg.trace(self)

    def diag(self, diagonal: int = 0) -> Tensor:
        """Diagonal matrix of a vector, or a diagonal of a matrix."""
        return _ag._linalg.diag(self, diagonal)

    def tril(self, diagonal: int = 0) -> Tensor:
        """The lower triangle; the rest 0."""
        return _ag._linalg.tril(self, diagonal)

    def triu(self, diagonal: int = 0) -> Tensor:
        """The upper triangle; the rest 0."""
        return _ag._linalg.triu(self, diagonal)

    def tril_(self, diagonal: int = 0) -> Tensor:
        """In place: keep the lower triangle."""
        return _ag._inplace.apply(self, _ag._linalg.tril, diagonal)

    def triu_(self, diagonal: int = 0) -> Tensor:
        """In place: keep the upper triangle."""
        return _ag._inplace.apply(self, _ag._linalg.triu, diagonal)

    def inverse(self) -> Tensor:
        """Inverse of a (batch of) square matrices."""
        return _ag._linalg.inverse(self)

    def det(self) -> Tensor:
        """Determinant of a (batch of) square matrices."""
        return _ag._linalg.det(self)

    # Views, joins and splits, structured matrices, take (_views, _joining, _matrices).
    # hsplit/vsplit/dsplit read t.hsplit(1, 2) as the indices [1, 2], as PyTorch does.

    def as_strided(self, size: Any, stride: Any, storage_offset: int | None = None) -> Tensor:
        """See :func:`arraygrad.as_strided`."""
        return _ag._views.strided(self, size, stride, storage_offset, 1)

    def broadcast_to(self, *size: Any) -> Tensor:
        """Broadcast to ``size`` without copying (as :meth:`expand`)."""
        return _ag._views.broadcast_to(self, _ag._shape._shape_arg(size))

    def swapaxes(self, axis0: int, axis1: int) -> Tensor:
        """Swap two dimensions (alias of :meth:`transpose`)."""
        return _ag._views.swapaxes(self, axis0, axis1)

    def swapdims(self, dim0: int, dim1: int) -> Tensor:
        """Swap two dimensions (alias of :meth:`transpose`)."""
        return _ag._views.swapdims(self, dim0, dim1)

    def moveaxis(self, source: Any, destination: Any) -> Tensor:
        """Move dimensions (alias of :meth:`movedim`)."""
        return _ag._views.moveaxis(self, source, destination)

    def ravel(self) -> Tensor:
        """The elements as a 1-D tensor."""
        return _ag._views.ravel(self)

    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
        """The ``offset``-th diagonal of the plane ``dim1``, ``dim2``, as the last dimension."""
        return _ag._views.diagonal(self, offset, dim1, dim2)

    def select(self, dim: int, index: Any) -> Tensor:
        """The slice at ``index`` along ``dim``, that dimension removed."""
        return _ag._views.select(self, dim, index)

    def narrow_copy(self, dim: int, start: Any, length: int) -> Tensor:
        """A copy of ``length`` elements from ``start`` along ``dim``."""
        return _ag._views.narrow_copy(self, dim, start, length)

    def fliplr(self) -> Tensor:
        """Reverse the order along dimension 1."""
        return _ag._views.fliplr(self)

    def flipud(self) -> Tensor:
        """Reverse the order along dimension 0."""
        return _ag._views.flipud(self)

    def rot90(self, k: int = 1, dims: Any = (0, 1)) -> Tensor:
        """Rotate by ``k`` quarter turns in the plane of ``dims``."""
        return _ag._views.rot90(self, k, dims)

    def tensor_split(
        self, indices_or_sections: Any = None, dim: int = 0, **kwargs: Any
    ) -> tuple[Tensor, ...]:
        """Views split along ``dim`` into ``n`` near-equal pieces or before the indices."""
        return _ag._joining.tensor_split(self, indices_or_sections, dim, **kwargs)

    def hsplit(self, *indices_or_sections: Any, **kwargs: Any) -> tuple[Tensor, ...]:
        """:meth:`tensor_split` along dimension 1 (0 for a vector)."""
        args = (list(indices_or_sections),) if len(indices_or_sections) > 1 else indices_or_sections
        return _ag._joining.hsplit(self, *args, **kwargs)

    def vsplit(self, *indices_or_sections: Any, **kwargs: Any) -> tuple[Tensor, ...]:
        """:meth:`tensor_split` along dimension 0."""
        args = (list(indices_or_sections),) if len(indices_or_sections) > 1 else indices_or_sections
        return _ag._joining.vsplit(self, *args, **kwargs)

    def dsplit(self, *indices_or_sections: Any, **kwargs: Any) -> tuple[Tensor, ...]:
        """:meth:`tensor_split` along dimension 2."""
        args = (list(indices_or_sections),) if len(indices_or_sections) > 1 else indices_or_sections
        return _ag._joining.dsplit(self, *args, **kwargs)

    def diag_embed(self, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
        """Matrices with the last dimension on their ``offset``-th diagonal."""
        return _ag._matrices.diag_embed(self, offset, dim1, dim2)

    def diagflat(self, offset: int = 0) -> Tensor:
        """The square matrix with the flattened elements on its ``offset``-th diagonal."""
        return _ag._matrices.diagflat(self, offset)

    def kron(self, other: Tensor) -> Tensor:
        """The Kronecker product with ``other``."""
        return _ag._matrices.kron(self, other)

    def take(self, index: Tensor) -> Tensor:
        """Elements of the flattened tensor at ``index``."""
        return _ag._indexing.take(self, index)

    def is_complex(self) -> bool:
        """Whether the dtype is complex64 or complex128."""
        return _ag._predicates.is_complex(self)

    def is_nonzero(self) -> bool:
        """Whether the single element is not zero."""
        return _ag._predicates.is_nonzero(self)


def _named_sizes(
    method: str, name: str, given: tuple[Any, ...], named: dict[str, Any]
) -> tuple[Any, ...]:
    """The sizes (or dims) a method taking ``*sizes`` was given by their keyword, ``name``, as
    PyTorch's methods also take them: one sequence, not alongside positional ones."""
    unexpected = [key for key in named if key != name]
    if unexpected:
        raise TypeError(f"{method}() got an unexpected keyword argument '{unexpected[0]}'")
    if given:
        raise TypeError(f"{method}() got multiple values for argument '{name}'")
    value = named[name]
    if not isinstance(value, tuple | list | _ag.Size):
        raise TypeError(
            f"{method}(): argument '{name}' must be tuple of ints, not {type(value).__name__}. "
            f"Fix: pass a sequence, {name}=({value!r},)."
        )
    return (tuple(value),)


def _squeeze_dims(method: str, dims: tuple[Any, ...], dim: Any) -> Any:
    """The ``dim`` of ``x.squeeze(...)`` / ``x.squeeze_(...)``, whose PyTorch forms also take
    several dims as separate ints (``x.squeeze(0, 2)`` is ``x.squeeze((0, 2))``). None, as in
    PyTorch, is no dim: its TypeError."""
    if not dims and dim is not None and dim.__class__ is not bool:
        return dim
    several = len(dims) > 1
    if several and dims[0].__class__ is not bool:
        # PyTorch's parser reads a bool after the first int of an int list as an int
        # (x.squeeze(2, False) squeezes dims 2 and 0); a first bool picks no overload
        dims = (dims[0], *(int(d) if d.__class__ is bool else d for d in dims[1:]))
    if (
        dim is ALL_DIMS
        and None not in dims
        and dims[0].__class__ is not bool
        and not (several and not all(_ag._dims.is_one_dim(d) for d in dims))
    ):
        return tuple(dims) if several else dims[0]
    got = ", ".join(type(d).__name__ for d in dims)
    forms = ["()", "(int dim)", "(tuple of ints dim)"]
    if dim is not ALL_DIMS:
        # (PyTorch's words: "got (dim=NoneType, )" where the keyword comes alone)
        got += f", dim={type(dim).__name__}" if dims else f"dim={type(dim).__name__}, "
    if len(dims) + (dim is not ALL_DIMS) == 1:
        # one argument (None, a bool): PyTorch says why each form refused it
        why = "didn't match because some of the arguments have invalid types: "
        marked = f"(!{got}!)" if dims else f"(!{got[:-2]}!, )"
        forms = [
            f"{form}\n      {why}{marked}"
            if dims or form != "()"
            else f"{form}\n      didn't match because some of the keywords were incorrect: dim"
            for form in forms
        ]
    listed = "".join(f" * {form}\n" for form in forms)
    raise TypeError(
        f"{method}() received an invalid combination of arguments - got ({got}), but expected "
        f"one of:\n{listed} Fix: pass the dimensions as ints or as one tuple, e.g. "
        f"x.{method}(0, 2) or x.{method}((0, 2)); a bool or None is not a dimension."
    )


def dim_given(function: str, dim: Any) -> Any:
    """``dim``, given to ``squeeze`` or ``squeeze_copy`` (``function``): PyTorch's TypeError for
    None or a bool, which none of their overloads takes (leaving dim out squeezes every
    dimension), with its reasons for ``squeeze``'s forms."""
    if dim is not None and dim.__class__ is not bool:
        return dim
    kind = type(dim).__name__
    out = ", *, Tensor out = None" if function.endswith("_copy") else ""
    why = "" if out else "\n      didn't match because some of the arguments have invalid types: "
    forms = "".join(
        f"\n * (Tensor input{dim}{out})" + (why + f"(Tensor, !{kind}!)" if why and dim else "")
        for dim in ("", ", int dim", ", tuple of ints dim")
    )
    raise TypeError(
        f"{function}() received an invalid combination of arguments - got (Tensor, {kind}), "
        f"but expected one of:{forms}\n Fix: leave dim out to remove every dimension of size 1, "
        "or pass an int or a tuple of ints."
    )


def _missing_argument(method: str, name: str, example: str) -> TypeError:
    """PyTorch's TypeError for ``x.reshape()`` / ``x.permute()`` called with nothing."""
    return TypeError(
        f'{method}() missing 1 required positional arguments: "{name}". Fix: pass it, e.g. '
        f"{example}; an empty tuple, x.{method}(()), for a 0-d tensor."
    )
