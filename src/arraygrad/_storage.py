"""Storages: the memory behind tensors, as PyTorch's ``UntypedStorage`` and ``TypedStorage``.

``t.untyped_storage()`` is the memory ``t`` views, as bytes: tensors that share memory (a
tensor and its views, a tensor ``set_`` to another) have one storage, whose ``data_ptr()`` is
the same, which is how code tests sharing. ``storage.resize_(0)`` frees the memory of every
tensor known to use it (FSDP frees a flat parameter so between uses) and ``resize_(n)`` gives
them new memory again: the tensors that asked for the storage, those ``set_`` to it, and the
views of those tensors and of their bases. (A tensor arraygrad cannot see sharing the memory,
such as an earlier ``.data`` or ``detach()`` of one, keeps the old memory.) A tensor whose
elements the storage no longer holds reads zeros, and writes into it are refused; in PyTorch
both read and write freed memory.

``TypedStorage`` (``t.storage()``, deprecated in PyTorch as here) is the same memory seen as
elements of one dtype; ``FloatStorage`` and the other legacy names are its dtype-bound
subclasses, as ``t.storage_type()`` returns them (both in ``_typed_storage``).

On array libraries that do not expose memory (CuPy, Dask, ...) a storage is the tensor's own
elements: ``data_ptr``, ``nbytes`` and ``device`` answer, and byte-level access raises.

>>> import arraygrad
>>> a = arraygrad.arange(6.0)
>>> a.view(2, 3).untyped_storage().data_ptr() == a.untyped_storage().data_ptr()
True
>>> a.untyped_storage().nbytes()
24
"""

from __future__ import annotations

import builtins
import operator
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import arraygrad as _ag
from arraygrad import _backend, _device

if TYPE_CHECKING:
    from arraygrad._tensor import Tensor

__all__ = ["UntypedStorage"]

# The live storage of each memory, by the id of the array that owns it (held alive by the
# storage, so the id is not reused while the entry is there): asking twice gives one object.
_by_owner: dict[int, weakref.ref[UntypedStorage]] = {}
# Bytes a tensor the storage no longer holds views (the size of the largest dtype).
_SPARE_BYTES = 16


def _index(value: Any, what: str) -> builtins.int:
    if isinstance(value, builtins.bool):
        raise TypeError(f"{what} must be an int, not bool. Fix: pass a whole number.")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(
            f"{what} must be an int, not {type(value).__name__}. Fix: pass a whole number."
        ) from None


class UntypedStorage:
    """The bytes of memory that tensors view (PyTorch's ``torch.UntypedStorage``).

    ``UntypedStorage(n)`` is ``n`` new bytes (zeros here, uninitialised in PyTorch),
    ``UntypedStorage([1, 2])`` those bytes; ``t.untyped_storage()`` is ``t``'s memory.

    >>> import arraygrad
    >>> arraygrad.UntypedStorage([1, 2]).tolist()
    [1, 2]
    >>> arraygrad.arange(3.0).untyped_storage().nbytes()  # 3 float32 elements
    12
    """

    __slots__ = ("__weakref__", "_array", "_memory", "_owner", "_spare", "_users")

    is_sparse = False
    is_sparse_csr = False

    _memory: Any  # flat uint8 bytes (NumPy), or None where memory is not exposed
    _array: Any  # the tensor's own array, on those libraries
    _owner: Any  # the array at the end of the bytes' chain of bases: the identity
    _spare: Any  # bytes that tensors the storage no longer holds view (placeholder)
    _users: dict[builtins.int, weakref.ref[Any]]  # tensors known to use it, by id

    def __init__(self, *args: Any, device: Any = None) -> None:
        if device is not None:
            _device.check_reachable(device)
        if len(args) > 1:
            raise TypeError(
                f"{type(self).__name__}(): expected at most one argument (a size in bytes or a "
                f"sequence of bytes), got {len(args)}. Fix: pass one."
            )
        if not args:
            memory = _backend.new_bytes(0)
        elif isinstance(args[0], builtins.int) and not isinstance(args[0], builtins.bool):
            if args[0] < 0:
                raise RuntimeError(
                    f"Storage size must be non-negative, got {args[0]}. Fix: pass a size >= 0."
                )
            memory = _backend.new_bytes(args[0])
        else:
            memory = _backend.to_bytes(list(args[0]))
        self._init(memory, None)

    def _init(self, memory: Any, array: Any) -> None:
        self._memory = memory
        self._array = array
        self._spare = None
        self._users = {}
        self._owner = _backend.owner_of(memory if memory is not None else array)
        _register(self)

    @classmethod
    def _of(cls, array: Any) -> UntypedStorage:
        """The storage of the memory ``array`` views (the one already made, if alive)."""
        owner = _backend.owner_of(array)
        ref = _by_owner.get(id(owner))
        found = ref() if ref is not None else None
        if found is not None and found._owner is owner:
            return found
        storage = object.__new__(cls)
        memory = _backend.bytes_of(array)
        storage._init(memory, None if memory is not None else array)
        return storage

    # --- what it is ------------------------------------------------------------------------

    def nbytes(self) -> builtins.int:
        """Its size in bytes."""
        if self._memory is None:
            return _backend.byte_count(self._array)
        return builtins.int(self._memory.shape[0])

    def size(self) -> builtins.int:
        """Its size in bytes (an untyped storage's elements are bytes)."""
        return self.nbytes()

    def __len__(self) -> builtins.int:
        return self.nbytes()

    def element_size(self) -> builtins.int:
        """1: an untyped storage's elements are bytes."""
        return 1

    def data_ptr(self) -> builtins.int:
        """The address of its first byte (0 when it has none)."""
        if self._memory is None:
            return _backend.data_address(self._array)
        return _backend.data_address(self._memory) if self.nbytes() else 0

    @property
    def device(self) -> _device.device:
        """Where the memory is."""
        return _device.of_array(self._memory if self._memory is not None else self._array)

    @property
    def is_cuda(self) -> builtins.bool:
        return self.device.type == "cuda"

    @property
    def is_cpu(self) -> builtins.bool:
        return self.device.type == "cpu"

    def is_shared(self) -> builtins.bool:
        """Whether the memory is shared memory (``Tensor.share_memory_``)."""
        held = self._memory if self._memory is not None else self._array
        return _backend.is_shared_memory(held)

    def is_pinned(self, device: Any = None) -> builtins.bool:
        """False: arraygrad has no pinned memory (see ``Tensor.pin_memory``)."""
        return False

    def pin_memory(self, device: Any = None) -> UntypedStorage:
        """As ``Tensor.pin_memory``: refused without an accelerator, itself with one."""
        check_pinnable(self.device)
        return self

    def resizable(self) -> builtins.bool:
        """Whether :meth:`resize_` can change it (on NumPy)."""
        return self._memory is not None

    def type(self) -> str:
        return f"arraygrad.{type(self).__name__}"

    def cpu(self) -> UntypedStorage:
        """Itself: its memory is where arraygrad computes."""
        return self

    def untyped(self) -> UntypedStorage:
        return self

    def _bytes(self) -> Any:
        if self._memory is None:
            raise RuntimeError(
                "arraygrad cannot read the bytes of a storage on an array library that does not "
                "expose its memory. Fix: read the tensor's values (t.tolist()) instead."
            )
        return self._memory

    # --- its bytes --------------------------------------------------------------------------

    def tolist(self) -> list[builtins.int]:
        """The bytes, as ints."""
        return _backend.byte_list(self._bytes())

    def __iter__(self) -> Iterator[builtins.int]:
        return iter(self.tolist())

    def __getitem__(self, key: Any) -> Any:
        memory = self._bytes()
        if isinstance(key, builtins.slice):
            part = object.__new__(UntypedStorage)
            part._memory = memory[key]  # the same memory, not registered as its storage
            part._array, part._spare, part._users = None, None, {}
            part._owner = self._owner
            return part
        index = _index(key, "storage index")
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} out of range for storage of size {len(self)}")
        return builtins.int(memory[index])

    def __setitem__(self, key: Any, value: Any) -> None:
        memory = self._bytes()
        if isinstance(key, builtins.slice):
            _backend.assign(memory[key], _backend.to_bytes([value]))
            return
        index = _index(key, "storage index")
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} out of range for storage of size {len(self)}")
        index %= len(self)
        _backend.assign(memory[index : index + 1], _backend.to_bytes([value]))

    def fill_(self, value: Any) -> UntypedStorage:
        """Set every byte to ``value``."""
        _backend.assign(self._bytes(), _backend.to_bytes([value]))
        return self

    def copy_(self, source: Any, non_blocking: Any = None) -> UntypedStorage:
        """Copy the bytes of ``source`` (a storage of the same size) into this one."""
        source = source.untyped() if isinstance(source, _ag._typed_storage.TypedStorage) else source
        if not isinstance(source, UntypedStorage) or source.nbytes() != self.nbytes():
            raise RuntimeError(
                f"size mismatch: copy_ needs a storage of {self.nbytes()} bytes, got "
                f"{getattr(source, 'nbytes', lambda: type(source).__name__)()}. Fix: copy from "
                "a storage of the same size."
            )
        _backend.assign(self._bytes(), source._bytes())
        return self

    def clone(self) -> UntypedStorage:
        """A copy in new memory."""
        copy = UntypedStorage(self.nbytes())
        return copy.copy_(self)

    def __repr__(self) -> str:
        values = self.tolist() if self._memory is not None else []
        return (
            " " + "\n ".join(str(v) for v in values) + f"\n[arraygrad.{type(self).__name__}"
            f"(device={self.device}) of size {self.nbytes()}]"
        )

    # --- resizing ---------------------------------------------------------------------------

    def _attach(self, tensor: Tensor) -> None:
        """Remember ``tensor`` (weakly) as one whose memory :meth:`resize_` replaces."""
        users = self._users
        key = id(tensor)

        def forget(ref: Any, key: builtins.int = key, users: Any = users) -> None:
            if users.get(key) is ref:
                del users[key]

        users[key] = weakref.ref(tensor, forget)

    def _holds(self, tensor: Tensor) -> builtins.bool:
        hollow = tensor.__dict__.get("_hollow")
        if hollow is not None and hollow[1] is tensor._data:
            return hollow[0] is self
        return _backend.owner_of(tensor._data) is self._owner

    def _tensors(self) -> list[Tensor]:
        """The live tensors known to use this memory: those attached, their bases, and the
        views of those bases."""
        found: dict[builtins.int, Tensor] = {}
        for ref in list(self._users.values()):
            tensor = ref()
            if tensor is None:
                continue
            root = tensor._base if tensor._base is not None else tensor
            for user in (tensor, root, *_ag._view_history.live_views(root)):
                found[id(user)] = user
        return [tensor for tensor in found.values() if self._holds(tensor)]

    def resize_(self, size: Any) -> UntypedStorage:
        """Give the storage ``size`` bytes of new memory, keeping as many of its bytes as fit
        (the rest are zeros here, uninitialised in PyTorch); the tensors known to use it (see
        the module's notes) view the new memory. ``resize_(0)`` frees it."""
        nbytes = _index(size, "resize_(): size")
        if nbytes < 0:
            raise RuntimeError(
                f"Storage size must be non-negative, got {nbytes}. Fix: pass a size >= 0 "
                "(0 frees the memory)."
            )
        if self._memory is None:
            raise RuntimeError(
                "Trying to resize storage that is not resizable: arraygrad resizes storages on "
                "NumPy only. Fix: resize the tensor (t.resize_(...)) instead."
            )
        tracer = _backend.tracer
        if tracer is not None:
            tracer.untraceable("UntypedStorage.resize_ (it gives tensors new memory)")
        places = [(tensor, *place_of(tensor)) for tensor in self._tensors()]
        old = self._owner
        self._memory = _backend.new_bytes(nbytes, self._memory)
        self._owner = _backend.owner_of(self._memory)
        if _by_owner.get(id(old)) is not None and _by_owner[id(old)]() is self:
            del _by_owner[id(old)]
        _register(self)
        for tensor, offset, strides in places:
            self._place(tensor, offset, strides)
        return self

    def _place(
        self, tensor: Tensor, offset: builtins.int, strides: tuple[builtins.int, ...]
    ) -> None:
        """Make ``tensor`` view this memory with its shape, ``strides`` and ``offset`` (in its
        elements), or, where the memory is too small for it, the placeholder."""
        shape = tuple(tensor._data.shape)
        dtype = tensor._data.dtype
        itemsize = dtype.itemsize
        needed = (
            0
            if 0 in shape
            else offset + 1 + sum((n - 1) * s for n, s in zip(shape, strides, strict=True))
        )
        attrs = tensor.__dict__
        if needed * itemsize <= self.nbytes():
            tensor._data = _backend.typed_view(self._memory, dtype, shape, strides, offset)
            attrs.pop("_hollow", None)
        else:
            if self._spare is None:
                self._spare = _backend.new_bytes(_SPARE_BYTES)
            tensor._data = _backend.placeholder(self._spare, dtype, shape)
            attrs["_hollow"] = (self, tensor._data, offset, strides)
        self._attach(tensor)


def _register(storage: UntypedStorage) -> None:
    key = id(storage._owner)

    def forget(ref: Any, key: builtins.int = key) -> None:
        if _by_owner.get(key) is ref:
            del _by_owner[key]

    _by_owner[key] = weakref.ref(storage, forget)


def place_of(tensor: Tensor) -> tuple[builtins.int, tuple[builtins.int, ...]]:
    """Where ``tensor``'s elements lie in its storage: offset and strides, in elements."""
    hollow = tensor.__dict__.get("_hollow")
    if hollow is not None and hollow[1] is tensor._data:
        return hollow[2], hollow[3]
    return _backend.element_offset(tensor._data), _backend.element_strides(tensor._data)


def storage_of(tensor: Tensor) -> UntypedStorage:
    """``tensor``'s storage, remembering ``tensor`` as one that uses it."""
    hollow = tensor.__dict__.get("_hollow")
    if hollow is not None and hollow[1] is tensor._data:
        storage: UntypedStorage = hollow[0]
    else:
        storage = UntypedStorage._of(tensor._data)
    storage._attach(tensor)
    return storage


def check_pinnable(where: _device.device) -> None:
    """PyTorch's refusal to pin memory where no accelerator is present."""
    if where.type == "cpu" and not _ag.accelerator.is_available():
        raise RuntimeError(
            "Cannot access accelerator device when none is available. Fix: pin memory only "
            "when arraygrad.accelerator.is_available() (pinning stages host memory for copies "
            "to a GPU); the tensor is usable as it is."
        )
