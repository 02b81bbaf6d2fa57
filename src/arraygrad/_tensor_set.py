"""Tensor methods that point a tensor at other memory: ``set_`` (a storage, an offset, a
shape and strides, or another tensor's) and ``is_set_to``, with PyTorch's checks of their
arguments and its rules for the autograd history of a tensor set in place.

A mixin of :class:`arraygrad.Tensor`, apart from :mod:`arraygrad._tensor_storage` (a tensor's
memory as it is: its layout, resizing, sharing, storages).
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any, cast

# The package itself, not its modules: the functions these methods call are imported after the
# Tensor class (they build on it), so they are looked up at call time.
import arraygrad as _ag
from arraygrad._tensor_storage import layout_strides

if TYPE_CHECKING:
    import arraygrad._primitive
    import arraygrad._utilities
    import arraygrad._view_history
    from arraygrad._tensor import Tensor


class TensorSetMethods:
    """``set_`` and ``is_set_to``."""

    __slots__ = ()

    def set_(
        self,
        source: Any = None,
        storage_offset: Any = 0,
        size: Any = None,
        stride: Any = None,
    ) -> Tensor:
        """In place: make this tensor view other memory, as PyTorch's ``set_``: ``set_(t)``
        shares ``t``'s memory, shape and strides; ``set_(storage)`` views all of a storage
        as a 1-D tensor; ``set_(source, storage_offset, size, stride)`` views
        ``size`` elements from ``storage_offset`` (in elements of this dtype) with
        ``stride`` (C order if left out); ``set_()`` views new, empty memory. Writes through
        either tensor then show in the other.

        Unlike PyTorch, memory too small for the view is refused rather than grown. The
        tensor's views made before keep its old memory (as in PyTorch); a tensor that was a
        view stops being one. Recorded, it gets a history whose backward raises (PyTorch
        defines no derivative for ``set_``).

        >>> import arraygrad
        >>> a = arraygrad.arange(6.0)
        >>> t = arraygrad.zeros(1).set_(a.untyped_storage(), 1, (2, 2), (2, 1))
        >>> a[1] = 9.0
        >>> t.tolist()
        [[9.0, 2.0], [3.0, 4.0]]
        """
        target = cast("Tensor", self)
        storage, offset, shape, strides = _set_arguments(
            target, source, storage_offset, size, stride
        )
        if _ag._primitive.forward_ad_active:
            _refuse_tangents(target, source)
        if _ag._grad_mode.grad_enabled.get() and target._node is None and target._rg:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation. "
                "Fix: call set_ under `with arraygrad.no_grad():` (as to swap a parameter's "
                "memory), or set a tensor that does not require grad."
            )
        tracer = _ag._backend.tracer
        if tracer is not None:
            tracer.untraceable("Tensor.set_ (it gives the tensor other memory)")
        # An inference tensor keeps its mark, and no version if it had none: outside inference
        # mode, the version bump below refuses the write after it is made, as PyTorch's does.
        marks = _ag._inference
        kind = target._version_counter.__class__
        inference = issubclass(kind, marks.InferenceCounter)  # (or Untracked: no version)
        version = 0 if inference else target._version  # type: ignore[attr-defined]
        from arraygrad import _view_layouts  # (it builds on Tensor)

        _view_layouts.release(target)
        if storage is None:  # memory not exposed (not NumPy): the source's own array
            target._data = source._data
        else:
            memory = storage._memory
            target._data = _ag._backend.typed_view(
                memory, target._data.dtype, shape, strides, offset
            )
            storage._attach(target)
        attrs = target.__dict__
        attrs.pop("_hollow", None)
        attrs["_set_storage"] = True  # its offset in its storage is its own (storage_offset)
        if inference:
            target._version_counter = (
                marks.SHARED if kind is marks.InferenceCounter else marks.Untracked()
            )
        elif kind is marks.InferenceMark:  # detach() or .data of one: still one, counting
            target._version_counter = marks.InferenceMark(version)
        else:
            target._version_counter = [version, 0]
        _ag._primitive.bump_version(target)
        source_rg = isinstance(source, _ag.Tensor) and source.requires_grad
        if _ag._grad_mode.grad_enabled.get() and (target._rg or source_rg):
            # PyTorch's set_ has no derivative: the result records a node whose backward raises.
            recorded = source if source_rg else target  # (its old history, still in place)
            marker = _ag.ops.no_derivative.apply1(
                recorded, {"message": "derivative for set_ is not implemented"}
            )
            old = target._node
            target._node, target._rg = marker._node, True
            _ag._view_history.move_retained(target, old)
        return target

    def is_set_to(self, tensor: Tensor) -> builtins.bool:
        """Whether ``tensor`` views this tensor's memory exactly as it does: the same storage,
        offset, shape and strides (what ``set_(tensor)`` makes).

        >>> import arraygrad
        >>> a = arraygrad.arange(6.0)
        >>> a.is_set_to(a[:]), a.is_set_to(a.view(2, 3))
        (True, False)
        """
        if not isinstance(tensor, _ag.Tensor):
            raise _ag._arguments.not_tensor_error(
                "is_set_to", tensor, name="tensor", position=1, fix="pass a tensor."
            )
        target = cast("Tensor", self)
        if target.untyped_storage() is not tensor.untyped_storage():
            return False
        if target.dtype is not tensor.dtype or tuple(target.shape) != tuple(tensor.shape):
            return False
        place = _ag._storage.place_of(target)
        return place == _ag._storage.place_of(tensor)


def _refuse_tangents(target: Tensor, source: Any) -> None:
    """PyTorch's refusal of ``set_`` on or from a tensor with a forward-AD tangent."""
    from arraygrad.autograd import forward_ad

    if forward_ad._tangent_of(target) is not None or forward_ad._tangent_of(source) is not None:
        raise NotImplementedError(
            "Trying to use forward AD with set_ that does not support it because it has not "
            "been implemented yet.\nPlease file an issue to PyTorch at "
            "https://github.com/pytorch/pytorch/issues/new?template=feature-request.yml so that "
            "we can prioritize its implementation."
        )


def _set_arguments(
    target: Tensor, source: Any, storage_offset: Any, size: Any, stride: Any
) -> tuple[Any, int, tuple[int, ...], tuple[int, ...]]:
    """``set_``'s storage, offset, shape and strides (in elements), checked as PyTorch does."""
    storages = _ag._storage
    itemsize = target.element_size()
    if source is None:
        if size is not None or stride is not None:
            raise TypeError(_set_forms(source, storage_offset))
        return storages.UntypedStorage(), 0, (0,), (1,)
    if isinstance(source, _ag.Tensor):
        if source.dtype is not target.dtype:
            raise RuntimeError(
                f"Could not set tensor of type {_ag._dtype.c_type_name(source.dtype)} to a "
                f"tensor of type {_ag._dtype.c_type_name(target.dtype)}. Fix: convert the "
                "source first (source.to(target.dtype)), which copies it."
            )
        storage = source.untyped_storage()
        if size is None:
            if storage_offset != 0 or stride is not None:
                raise TypeError(_set_forms(source, storage_offset))
            offset, strides = storages.place_of(source)
            if storage._memory is None:
                return None, 0, tuple(source.shape), tuple(strides)
            return storage, offset, tuple(source.shape), tuple(strides)
    elif isinstance(source, _ag._typed_storage.TypedStorage):
        if source.dtype is not target.dtype:
            raise RuntimeError(
                "Expected a Storage of type "
                f"{_ag._dtype.c_type_name(target.dtype)} or an UntypedStorage, but got type "
                f"{_ag._dtype.torch_type_name(source.dtype)} for argument 1 'storage'. Fix: "
                "pass t.untyped_storage(), or a storage of the tensor's dtype."
            )
        storage = source.untyped()
    elif isinstance(source, storages.UntypedStorage):
        storage = source
    else:
        raise TypeError(_set_forms(source, storage_offset))
    if storage._memory is None:
        raise RuntimeError(
            "set_ to a storage with an offset, size or stride is supported on NumPy only. Fix: "
            "set_(tensor) to share a tensor's memory as it is."
        )
    if size is None:
        if storage_offset != 0 or stride is not None:
            raise TypeError(_set_forms(source, storage_offset))
        return storage, 0, (storage.nbytes() // itemsize,), (1,)
    offset = storages._index(storage_offset, "set_(): argument 'storage_offset'")
    shape = tuple(_ag._dims._shape_arg((size,)))
    if stride is None:
        strides = layout_strides(shape, None)
    else:
        strides = tuple(storages._index(s, "set_(): stride") for s in stride)
    if len(strides) != len(shape):
        raise RuntimeError(
            f"unequal size length ({len(shape)}) and stride length ({len(strides)}). Fix: give "
            "one stride per dimension."
        )
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}. Fix: it must be >= 0.")
    if any(n < 0 for n in shape) or any(s < 0 for s in strides):
        raise RuntimeError(
            f"set_: negative size or stride (sizes {list(shape)}, strides {list(strides)}). "
            "Fix: sizes and strides must be >= 0."
        )
    needed = (
        0
        if 0 in shape
        else offset + 1 + sum((n - 1) * s for n, s in zip(shape, strides, strict=True))
    )
    if needed * itemsize > storage.nbytes():
        raise RuntimeError(
            f"setStorage: sizes {list(shape)}, strides {list(strides)}, storage offset {offset}, "
            f"and itemsize {itemsize} requiring a storage size of {needed * itemsize} are out "
            f"of bounds for storage of size {storage.nbytes()}. Fix: resize the storage first "
            "(storage.resize_(n)); arraygrad does not grow it in set_ as PyTorch does."
        )
    return storage, offset, shape, strides


def _set_forms(source: Any, storage_offset: Any) -> str:
    got = type(source).__name__ if source is not None else "None"
    return (
        f"set_() received an invalid combination of arguments - got ({got}, "
        f"{type(storage_offset).__name__}), but expected one of:\n"
        " * ()\n"
        " * (arraygrad.Storage source)\n"
        " * (arraygrad.Storage source, int storage_offset, tuple of ints size, tuple of ints "
        "stride = None)\n"
        " * (Tensor source)\n"
        " * (Tensor source, int storage_offset, tuple of ints size, tuple of ints stride = None)"
        "\nFix: pass a size with the offset, or only the source."
    )
