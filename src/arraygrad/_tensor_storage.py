"""Tensor methods about a tensor's memory: the order of its dimensions in memory
(``dim_order``), resizing it in place (``resize_``, ``resize_as_``), strided new tensors
(``new_empty_strided``), shared memory (``share_memory_``, ``is_shared``), its storages and
which output of its backward node it is (``output_nr``).

A mixin of :class:`arraygrad.Tensor`; pointing a tensor at other memory (``set_``) is in
:mod:`arraygrad._tensor_set`.
"""

from __future__ import annotations

import builtins
import math
import warnings
from typing import TYPE_CHECKING, Any, cast

# The package itself, not its modules: the functions these methods call are imported after the
# Tensor class (they build on it), so they are looked up at call time.
import arraygrad as _ag
from arraygrad import _device

if TYPE_CHECKING:
    import arraygrad._primitive
    import arraygrad._utilities
    import arraygrad._view_history
    from arraygrad._dtype import dtype
    from arraygrad._tensor import Tensor

_AMBIGUOUS = "The tensor does not have unique dim order"
_FORMATS = "The ambiguity_check argument must be a bool or a list of memory formats."


def _dense_in(shape: tuple[int, ...], strides: tuple[int, ...], inner_first: Any) -> bool:
    """Whether the elements lie with no gaps with ``inner_first``'s dims innermost first
    (size-1 dims may have any stride)."""
    expected = 1
    for axis in inner_first:
        if shape[axis] != 1:
            if strides[axis] != expected:
                return False
            expected *= shape[axis]
    return True


def in_format(shape: tuple[int, ...], strides: tuple[int, ...], form: Any) -> bool:
    if form is _device.contiguous_format:
        return 0 in shape or _dense_in(shape, strides, reversed(range(len(shape))))
    rank_order = _device.CHANNELS_LAST.get(form)
    if rank_order is None or len(shape) != rank_order[0] or 0 in shape:
        return False
    return _dense_in(shape, strides, rank_order[1])


def _outer(shape: tuple[int, ...], strides: tuple[int, ...], a: int, b: int) -> int:
    """1 when dim ``a`` lies outside ``b`` in memory, -1 inside, 0 when strides cannot tell
    (a stride of 0, or equal strides and sizes)."""
    if strides[a] == 0 or strides[b] == 0:
        return 0
    if strides[a] != strides[b]:
        return 1 if strides[a] > strides[b] else -1
    if shape[a] != shape[b]:  # equal steps: the longer dim wraps the shorter
        return 1 if shape[a] > shape[b] else -1
    return 0


def dim_order(shape: tuple[int, ...], strides: tuple[int, ...]) -> tuple[int, ...]:
    """The dims from outermost to innermost in memory."""
    ndim = len(shape)
    contiguous = in_format(shape, strides, _device.contiguous_format)
    channels_last = ndim == 4 and in_format(shape, strides, _device.channels_last)
    # A layout dense in exactly one of the two formats has that format's order (size-1 dims
    # keep their places in it); dense in both or neither, the strides decide.
    if contiguous and not channels_last:
        return tuple(range(ndim))
    if channels_last and not contiguous:
        return (0, 2, 3, 1)
    # Insertion from the innermost end: each dim moves outwards past the dims it lies
    # outside of, and stops at one it lies inside of; an undecided pair lets it pass on.
    inner_first = list(reversed(range(ndim)))
    for start in range(1, ndim):
        moving = start
        for other in range(start - 1, -1, -1):
            order = _outer(shape, strides, inner_first[other], inner_first[moving])
            if order > 0:
                inner_first[other], inner_first[moving] = inner_first[moving], inner_first[other]
                moving = other
            elif order < 0:
                break
    return tuple(reversed(inner_first))


def _unique(shape: tuple[int, ...], strides: tuple[int, ...]) -> bool:
    """Whether only one order of the dims describes the layout: no size-1 dim, and (for a
    tensor with elements and several dims) no stride of 0 and no two equal strides."""
    if 1 in shape:
        return False
    if 0 in shape or len(shape) < 2:
        return True
    return 0 not in strides and len(set(strides)) == len(strides)


def layout_strides(shape: tuple[int, ...], channels: tuple[int, ...] | None) -> tuple[int, ...]:
    """The strides of a tensor of ``shape`` laid out contiguously (C order), or with the axes
    ``channels`` innermost first (a channels-last format); sizes 0 count as 1, as in PyTorch."""
    order = tuple(reversed(channels)) if channels is not None else tuple(range(len(shape)))
    strides = [0] * len(shape)
    step = 1
    for axis in reversed(order):
        strides[axis] = step
        step *= max(shape[axis], 1)
    return tuple(strides)


def _resize_view(
    target: Tensor, shape: tuple[int, ...], channels: tuple[int, ...] | None
) -> Tensor:
    """:meth:`TensorStorageMethods.resize_` of a view: the view laid out afresh from its own
    start in the memory it shares (PyTorch's restriding of a view's storage), which must hold
    it: PyTorch would grow that storage in place, under the base too."""
    strides = layout_strides(shape, channels)
    data = target._data
    offset = _ag._backend.element_offset(data)
    needed = offset + math.prod(shape)  # a dense layout: as many elements as it holds
    have = _ag._backend.storage_numel(data)
    if needed > have:
        raise RuntimeError(
            f"resize_ of a view to {list(shape)} is not supported: from its start (element "
            f"{offset}) it needs {needed - offset} elements of the memory it shares with its "
            f"base, which has {have - offset} there, and arraygrad cannot grow memory under its "
            "base as PyTorch does. Fix: resize a copy, x = x.clone().resize_(...), or the base."
        )
    return target.as_strided_(shape, strides, offset)  # (with its one version bump)


class TensorStorageMethods:
    """Memory order, in-place resizing, strided creation and shared memory of a tensor."""

    __slots__ = ()

    def dim_order(self, *, ambiguity_check: Any = False) -> tuple[builtins.int, ...]:
        """The dims from outermost to innermost in memory, by stride: ``(0, 1, 2)`` for a
        C-order tensor, ``(0, 2, 3, 1)`` for a channels-last image batch.

        Size-1 dims and strides of 0 leave the order open; ``ambiguity_check=True`` raises
        when it is, and a list of memory formats raises unless the tensor is laid out in
        exactly one of them, the one its order names.

        >>> import arraygrad
        >>> arraygrad.empty(2, 3, 4).permute(2, 0, 1).dim_order()
        (1, 2, 0)
        """
        shape = tuple(self.shape)
        strides = tuple(self.stride())
        order = dim_order(shape, strides)
        if isinstance(ambiguity_check, builtins.bool):
            if ambiguity_check and not _unique(shape, strides):
                raise RuntimeError(
                    f"{_AMBIGUOUS}. Fix: call dim_order() without ambiguity_check to take the "
                    "order by stride (size-1 and stride-0 dims keep their places)."
                )
            return order
        if not isinstance(ambiguity_check, (list, tuple)) or not all(
            isinstance(form, _device.memory_format) for form in ambiguity_check
        ):
            raise TypeError(f"{_FORMATS} Got {type(ambiguity_check).__name__}.")
        if _unique(shape, strides):
            return order
        matched = [form for form in ambiguity_check if in_format(shape, strides, form)]
        if len(matched) != 1:
            raise RuntimeError(
                f"{_AMBIGUOUS}, or cannot map to exact one of the given memory formats. Fix: "
                "list the one memory format this tensor is laid out in."
            )
        rank_order = _device.CHANNELS_LAST.get(matched[0])
        wanted = tuple(range(len(shape)))
        if rank_order is not None:
            wanted = tuple(reversed(rank_order[1]))
        if wanted != order:
            raise RuntimeError(
                f"{_AMBIGUOUS}. Fix: make its layout unambiguous first, e.g. with "
                ".contiguous(memory_format=...)."
            )
        return order

    def resize_(self, *sizes: Any, memory_format: Any = None) -> Tensor:
        """In place: give this tensor the shape ``sizes``, keeping its elements in memory
        order; the elements it gains are zeros here (uninitialised in PyTorch).

        A resize to the same shape changes nothing, not even the version (as in PyTorch). A
        view is laid out afresh (contiguous, or in ``memory_format``) from where it starts in
        the memory it shares, as PyTorch's is: its base keeps its shape and sees the view's
        writes. Otherwise the tensor gets new memory of its own. PyTorch's storages grow in
        place, under every view of them, which NumPy arrays cannot: a view that would need
        more memory than its base has, and a tensor that has views, are refused rather than
        silently split from them. Not for tensors that require grad, nor for views of them
        (which PyTorch counts as requiring grad), as in PyTorch.

        >>> import arraygrad
        >>> arraygrad.arange(6.0).resize_(2, 2).tolist()
        [[0.0, 1.0], [2.0, 3.0]]
        """
        target = cast("Tensor", self)
        base = target._base
        if target.requires_grad or (
            base is not None and base.requires_grad and "_view_detached" not in target.__dict__
        ):
            raise RuntimeError(
                "cannot resize variables that require grad. Fix: resize x.detach(), or a "
                "tensor made under arraygrad.no_grad() that does not require grad."
            )
        return resized_in_place(target, _ag._dims._shape_arg(sizes), memory_format)

    def resize_as_(self, the_template: Tensor, memory_format: Any = None) -> Tensor:
        """In place: :meth:`resize_` to ``the_template``'s shape."""
        if not isinstance(the_template, _ag.Tensor):
            raise _ag._arguments.not_tensor_error(
                "resize_as_",
                the_template,
                name="the_template",
                position=1,
                fix="pass a tensor of the wanted shape.",
            )
        return self.resize_(tuple(the_template.shape), memory_format=memory_format)

    def new_empty_strided(
        self,
        size: Any,
        stride: Any,
        *,
        dtype: dtype | None = None,
        requires_grad: builtins.bool = False,
        **options: Any,
    ) -> Tensor:
        """An uninitialised tensor of shape ``size`` laid out with ``stride``, in this dtype
        unless ``dtype`` (see :func:`arraygrad.empty_strided`)."""
        d = self.dtype if dtype is None else dtype  # type: ignore[attr-defined]
        return _ag._utilities.empty_strided(
            size, stride, dtype=d, requires_grad=requires_grad, **options
        )

    def is_shared(self) -> builtins.bool:
        """Whether the memory is shared memory, which :meth:`share_memory_` makes."""
        return _ag._backend.is_shared_memory(self._data)  # type: ignore[attr-defined]

    def share_memory_(self) -> Tensor:
        """Move the elements into shared memory (a no-op where they are already there).

        PyTorch moves a CPU tensor's storage into shared memory for ``torch.multiprocessing``.
        arraygrad copies a NumPy tensor's elements into an anonymous shared memory map: a child
        process made by ``fork`` (``multiprocessing``'s default on Linux) then writes into the
        same memory as its parent, as in Hogwild training. arraygrad does not pickle tensors
        through shared memory, so processes started with ``spawn`` get copies. A tensor that
        is a view or has views is refused: they would keep the old memory.
        """
        target = cast("Tensor", self)
        data = target._data  # type: ignore[attr-defined]
        if target.is_shared() or data.size == 0:
            return target  # type: ignore[return-value]
        if target._base is not None or _ag._view_history.live_views(target):  # type: ignore
            raise RuntimeError(
                "share_memory_ of a tensor that shares its memory with views is not supported: "
                "the views would keep the old memory. Fix: share the tensor before taking views."
            )
        tracer = _ag._backend.tracer
        if tracer is not None:
            tracer.untraceable("Tensor.share_memory_ (it gives the tensor new memory)")
        shared = _ag._backend.in_shared_memory(data)
        if shared is not None:  # (other libraries' memory stays as it is)
            target._data = shared  # type: ignore[attr-defined]
        return target  # type: ignore[return-value]

    @property
    def output_nr(self) -> builtins.int:
        """Which output of its backward node this tensor is: 0 for leaves and single-output
        functions, the piece's index for :meth:`split`, :meth:`chunk` and :meth:`unbind` (and
        their ``unsafe_`` forms), the place among ``forward``'s outputs for a custom
        ``autograd.Function``'s. arraygrad's other functions of several outputs (``svd``,
        ``slogdet``, ...) record one node per output, so their outputs report 0."""
        node = _ag._view_history.recorded_node(cast("Tensor", self))
        return 0 if node is None else node.output_index

    # --- storages -----------------------------------------------------------------------------

    def untyped_storage(self) -> Any:
        """The memory this tensor views, as bytes (:class:`arraygrad.UntypedStorage`): one
        object for every tensor sharing it, so ``a.view(2, 3).untyped_storage().data_ptr() ==
        a.untyped_storage().data_ptr()``; ``resize_(0)`` frees it (see
        :mod:`arraygrad._storage`).

        >>> import arraygrad
        >>> a = arraygrad.arange(6.0)
        >>> a[2:].untyped_storage() is a.untyped_storage()
        True
        """
        return _ag._storage.storage_of(cast("Tensor", self))

    def _typed_storage(self) -> Any:
        """:meth:`storage` without its deprecation warning (PyTorch's internal spelling)."""
        return _ag._typed_storage.TypedStorage(
            wrap_storage=self.untyped_storage(),
            dtype=self.dtype,
            _internal=True,  # type: ignore
        )

    def storage(self) -> Any:
        """The memory as elements of this dtype (:class:`arraygrad.TypedStorage`), with
        PyTorch's deprecation warning: use :meth:`untyped_storage`."""
        warnings.warn(_ag._typed_storage.TYPED_DEPRECATED, UserWarning, stacklevel=2)
        return self._typed_storage()

    def storage_type(self) -> type:
        """The legacy storage class of this dtype (``arraygrad.FloatStorage`` for float32),
        with PyTorch's deprecation warning of typed storages."""
        warnings.warn(_ag._typed_storage.TYPED_DEPRECATED, UserWarning, stacklevel=2)
        return _ag._typed_storage.LEGACY[self.dtype]  # type: ignore[attr-defined]

    # --- pinned memory and streams (CUDA's) ---------------------------------------------------

    def pin_memory(self, device: Any = None) -> Tensor:
        """This tensor in page-locked host memory, for fast copies to an accelerator.

        As in PyTorch without an accelerator, the NumPy backend raises (a DataLoader with
        ``pin_memory=True`` warns and does not pin). On a GPU library the data is on the GPU
        already, and the tensor itself is returned.
        """
        if device is not None and _device.device(device).type == "cpu":
            raise RuntimeError(
                "CPU device type not an accelerator. Fix: call pin_memory() without a device."
            )
        _ag._storage.check_pinnable(self.device)  # type: ignore[attr-defined]
        return cast("Tensor", self)

    def is_pinned(self, device: Any = None) -> builtins.bool:
        """Whether the tensor is in pinned memory: never, in arraygrad."""
        if device is not None:
            warnings.warn(
                "The argument 'device' of Tensor.is_pinned() is deprecated. Please do not pass "
                "this argument.",
                DeprecationWarning,
                stacklevel=2,
            )
        return False

    def record_stream(self, stream: Any) -> None:
        """Mark the memory as in use by a CUDA stream (for PyTorch's caching allocator).

        arraygrad's tensors on a GPU library need no mark: nothing there reuses memory behind
        a stream's back, so this does nothing. On the CPU it raises, as PyTorch does.
        """
        if self.device.type != "cuda":  # type: ignore[attr-defined]
            raise RuntimeError(
                "unknown parameter type: record_stream(stream) takes a CUDA stream and applies "
                "to CUDA tensors only. Fix: drop the call when computing on the CPU."
            )

    # --- deprecated out-of-place resizes -------------------------------------------------------

    def resize(self, *sizes: Any) -> Tensor:
        """Deprecated: this tensor's elements in the shape ``sizes`` (with as many elements),
        as a view where the layout allows; warns as PyTorch does. Use :meth:`reshape`."""
        warnings.warn("non-inplace resize is deprecated", UserWarning, stacklevel=2)
        return _resized(cast("Tensor", self), _ag._dims._shape_arg(sizes))

    def resize_as(self, tensor: Tensor) -> Tensor:
        """Deprecated: :meth:`resize` to ``tensor``'s shape; warns as PyTorch does."""
        warnings.warn("non-inplace resize_as is deprecated", UserWarning, stacklevel=2)
        if not isinstance(tensor, _ag.Tensor):
            raise AttributeError(
                f"'{type(tensor).__name__}' object has no attribute 'size'. Fix: pass a tensor "
                "of the wanted shape."
            )
        return _resized(cast("Tensor", self), tuple(tensor.shape))


def resized_in_place(target: Tensor, shape: tuple[int, ...], memory_format: Any = None) -> Tensor:
    """:meth:`Tensor.resize_` without its refusal of a tensor that requires grad: PyTorch
    resizes an ``out=`` argument below autograd, where that check is not made (an ``out``
    that requires grad is written under ``no_grad``)."""
    base = target._base
    if any(size < 0 for size in shape):
        raise RuntimeError(
            f"Trying to create tensor with negative dimension {min(shape)}: {list(shape)}. "
            "Fix: pass non-negative sizes (resize_ infers no size from -1)."
        )
    channels = None
    if memory_format not in (None, _device.contiguous_format):
        rank_order = _device.CHANNELS_LAST.get(memory_format)
        if rank_order is None:
            raise RuntimeError(
                f"Unsupported memory format{memory_format!r}. Fix: pass contiguous_format, "
                "channels_last or channels_last_3d."
            )
        if len(shape) != rank_order[0]:
            raise RuntimeError(
                f"required rank {rank_order[0]} tensor to use {memory_format._name} format. "
                f"Fix: give {rank_order[0]} sizes, or use contiguous_format."
            )
        channels = rank_order[1]
    if shape == tuple(target.shape) and channels is None:
        return target
    if base is not None:
        return _resize_view(target, shape, channels)
    if _ag._view_history.live_views(target):
        raise RuntimeError(
            "resize_ of a tensor that has views is not supported: the views would keep the "
            "old memory. Fix: resize a copy, x = x.clone().resize_(...), or resize the view."
        )
    tracer = _ag._backend.tracer
    if tracer is not None:  # the new array is made outside the recorded ops
        tracer.untraceable("Tensor.resize_ (it gives the tensor new memory)")
    xp = _ag._backend.xp
    data = target._data
    flat = _ag._backend.elements_in_memory_order(data)  # as PyTorch's storage keeps them
    count = math.prod(shape)
    kept = min(count, flat.shape[0])
    gained = xp.zeros((count - kept,), dtype=data.dtype)
    memory = xp.concat([flat[:kept], gained])
    if channels is None:
        new = xp.reshape(memory, shape)
    else:  # laid out outermost-first in the format's order, then seen in `shape`
        outer_first = tuple(reversed(channels))
        new = xp.reshape(memory, tuple(shape[axis] for axis in outer_first))
        new = xp.permute_dims(new, tuple(outer_first.index(axis) for axis in range(len(shape))))
    changed = shape != tuple(target.shape)
    target._data = new
    if changed:  # PyTorch counts a write only where the sizes change
        _ag._primitive.bump_version(target)
    return target


def _resized(tensor: Tensor, shape: tuple[int, ...]) -> Tensor:
    """PyTorch's ``resize`` function: the elements in memory order, in ``shape``."""
    count = math.prod(shape)
    if count != tensor.numel():
        raise RuntimeError(
            f"requested resize to {'x'.join(str(s) for s in shape)} ({count} elements in total), "
            f"but the given tensor has a size of {'x'.join(str(s) for s in tensor.shape)} "
            f"({tensor.numel()} elements). autograd's resize can only change the shape of a "
            "given tensor, while preserving the number of elements. Fix: use reshape, or "
            "resize_ (in place, on a tensor that does not require grad) to change the count."
        )
    out = tensor.contiguous().view(shape)
    return _ag._primitive.labelled(out, "ResizeBackward")
