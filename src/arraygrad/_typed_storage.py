"""Typed storages: a storage seen as elements of one dtype, as PyTorch's deprecated
``TypedStorage`` (what ``t.storage()`` returns), and its dtype-bound legacy subclasses
(``FloatStorage``, ``LongStorage``, ...: what ``t.storage_type()`` returns). The memory itself is
an :class:`arraygrad._storage.UntypedStorage`.

>>> import warnings
>>> import arraygrad
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore")  # TypedStorage is deprecated, as in PyTorch
...     arraygrad.tensor([1.0, 2.0]).storage().tolist()
[1.0, 2.0]
"""

from __future__ import annotations

import builtins
import warnings
from collections.abc import Iterator
from typing import Any

import arraygrad as _ag
from arraygrad import _backend, _device
from arraygrad import _dtype as _dtypes
from arraygrad._storage import UntypedStorage, _index

__all__ = [
    "BFloat16Storage",
    "BoolStorage",
    "ByteStorage",
    "CharStorage",
    "ComplexDoubleStorage",
    "ComplexFloatStorage",
    "DoubleStorage",
    "FloatStorage",
    "HalfStorage",
    "IntStorage",
    "LongStorage",
    "ShortStorage",
    "TypedStorage",
    "is_storage",
]

TYPED_DEPRECATED = (
    "TypedStorage is deprecated. It will be removed in the future and UntypedStorage will be the "
    "only storage class. This should only matter to you if you are using storages directly.  To "
    "access UntypedStorage directly, use tensor.untyped_storage() instead of tensor.storage()"
)


class TypedStorage:
    """A storage seen as elements of one dtype (PyTorch's deprecated ``torch.TypedStorage``,
    what ``t.storage()`` returns).

    ``TypedStorage(n, dtype=...)`` is ``n`` new elements, ``TypedStorage([1.0, 2.0],
    dtype=...)`` those values, ``TypedStorage(wrap_storage=s, dtype=...)`` the untyped
    storage ``s``. Making one warns that typed storages are deprecated, as in PyTorch.

    >>> import warnings
    >>> import arraygrad
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     arraygrad.TypedStorage([1, 2], dtype=arraygrad.int64).tolist()
    [1, 2]
    """

    __slots__ = ("_untyped_storage", "dtype")

    is_sparse = False
    _fixed: _dtypes.dtype | None = None  # the dtype of a legacy class (FloatStorage, ...)

    dtype: _dtypes.dtype
    _untyped_storage: UntypedStorage

    def __init__(
        self,
        *args: Any,
        wrap_storage: UntypedStorage | None = None,
        dtype: _dtypes.dtype | None = None,
        device: Any = None,
        _internal: builtins.bool = False,
    ) -> None:
        if not _internal:
            warnings.warn(TYPED_DEPRECATED, UserWarning, stacklevel=2)
        fixed = type(self)._fixed
        if fixed is not None:
            if dtype is not None and dtype is not fixed:
                raise RuntimeError(
                    f"Keyword argument 'dtype' cannot be specified for {type(self).__name__}: "
                    f"its dtype is {fixed}. Fix: leave dtype out."
                )
            dtype = fixed
        dtype = _dtypes.get_default_dtype() if dtype is None else dtype
        if not isinstance(dtype, _dtypes.dtype):
            raise TypeError(
                f"Argument 'dtype' must be arraygrad.dtype, not {type(dtype).__name__}. Fix: "
                "pass e.g. arraygrad.float32."
            )
        self.dtype = dtype
        if wrap_storage is not None:
            if args:
                raise RuntimeError(
                    "No positional arguments should be given when using 'wrap_storage'. Fix: "
                    "pass the storage as wrap_storage only."
                )
            if not isinstance(wrap_storage, UntypedStorage):
                raise TypeError(
                    "Argument 'wrap_storage' must be UntypedStorage, but got "
                    f"{type(wrap_storage).__name__}. Fix: pass t.untyped_storage()."
                )
            self._untyped_storage = wrap_storage
            return
        itemsize = dtype.itemsize
        if not args:
            self._untyped_storage = UntypedStorage(0, device=device)
        elif isinstance(args[0], builtins.int) and not isinstance(args[0], builtins.bool):
            self._untyped_storage = UntypedStorage(args[0] * itemsize, device=device)
        else:
            values = _ag.tensor(list(args[0]), dtype=dtype)
            self._untyped_storage = UntypedStorage(values.numel() * itemsize, device=device)
            _backend.assign(self._elements(), _backend.xp.reshape(values._data, (-1,)))

    def _elements(self) -> Any:
        return _backend.reinterpret(self._untyped_storage._bytes(), _dtypes.to_xp(self.dtype))

    def untyped(self) -> UntypedStorage:
        """The same memory as bytes."""
        return self._untyped_storage

    def size(self) -> builtins.int:
        """How many elements of its dtype it holds."""
        return self._untyped_storage.nbytes() // self.dtype.itemsize

    def __len__(self) -> builtins.int:
        return self.size()

    def nbytes(self) -> builtins.int:
        return self._untyped_storage.nbytes()

    def element_size(self) -> builtins.int:
        return self.dtype.itemsize

    def data_ptr(self) -> builtins.int:
        return self._untyped_storage.data_ptr()

    @property
    def device(self) -> _device.device:
        return self._untyped_storage.device

    @property
    def is_cuda(self) -> builtins.bool:
        return self._untyped_storage.is_cuda

    def is_shared(self) -> builtins.bool:
        return self._untyped_storage.is_shared()

    def is_pinned(self, device: Any = None) -> builtins.bool:
        return False

    def pin_memory(self, device: Any = None) -> TypedStorage:
        self._untyped_storage.pin_memory()
        return self

    def cpu(self) -> TypedStorage:
        return self

    def type(self) -> str:
        return f"arraygrad.{_LEGACY_NAMES[self.dtype]}"

    def tolist(self) -> list[Any]:
        """The elements, as Python numbers."""
        return list(self._elements().tolist())

    def __iter__(self) -> Iterator[Any]:
        return iter(self.tolist())

    def __getitem__(self, key: Any) -> Any:
        elements = self._elements()
        index = _index(key, "storage index")
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} out of range for storage of size {len(self)}")
        return elements[index].item()

    def __setitem__(self, key: Any, value: Any) -> None:
        elements = self._elements()
        index = _index(key, "storage index")
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} out of range for storage of size {len(self)}")
        index %= len(self)
        _backend.assign(elements[index : index + 1], value)

    def fill_(self, value: Any) -> TypedStorage:
        _backend.assign(self._elements(), value)
        return self

    def copy_(self, source: Any, non_blocking: Any = None) -> TypedStorage:
        self._untyped_storage.copy_(source)
        return self

    def clone(self) -> TypedStorage:
        return TypedStorage(
            wrap_storage=self._untyped_storage.clone(), dtype=self.dtype, _internal=True
        )

    def resize_(self, size: Any) -> TypedStorage:
        """:meth:`UntypedStorage.resize_` to ``size`` elements of its dtype."""
        self._untyped_storage.resize_(_index(size, "resize_(): size") * self.dtype.itemsize)
        return self

    def __repr__(self) -> str:
        values = self.tolist() if self._untyped_storage._memory is not None else []
        return (
            " " + "\n ".join(str(v) for v in values) + f"\n[arraygrad.TypedStorage(dtype="
            f"{self.dtype}, device={self.device}) of size {self.size()}]"
        )


# Each legacy class's docstring (``help(arraygrad.FloatStorage)``), filled in per dtype.
_LEGACY_DOC = """PyTorch's legacy storage of {dtype} elements: a :class:`TypedStorage` whose
dtype is fixed (deprecated, as in PyTorch). ``{name}(n)`` is ``n`` new elements,
``{name}(values)`` those values; ``t.storage_type()`` of a {dtype} tensor is this class.

>>> import warnings
>>> import arraygrad
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore")
...     arraygrad.{name}(2).size()
2
"""


def _legacy(name: str, dtype: _dtypes.dtype) -> type[TypedStorage]:
    """PyTorch's legacy storage class of one dtype (``FloatStorage``)."""
    namespace = {"__doc__": _LEGACY_DOC.format(name=name, dtype=dtype), "_fixed": dtype}
    return type(name, (TypedStorage,), {**namespace, "__slots__": (), "__module__": __name__})


BoolStorage = _legacy("BoolStorage", _dtypes.bool_)
ByteStorage = _legacy("ByteStorage", _dtypes.uint8)
CharStorage = _legacy("CharStorage", _dtypes.int8)
ShortStorage = _legacy("ShortStorage", _dtypes.int16)
IntStorage = _legacy("IntStorage", _dtypes.int32)
LongStorage = _legacy("LongStorage", _dtypes.int64)
HalfStorage = _legacy("HalfStorage", _dtypes.float16)
FloatStorage = _legacy("FloatStorage", _dtypes.float32)
DoubleStorage = _legacy("DoubleStorage", _dtypes.float64)
BFloat16Storage = _legacy("BFloat16Storage", _dtypes.bfloat16)
ComplexFloatStorage = _legacy("ComplexFloatStorage", _dtypes.complex64)
ComplexDoubleStorage = _legacy("ComplexDoubleStorage", _dtypes.complex128)

LEGACY: dict[_dtypes.dtype, type[TypedStorage]] = {
    cls._fixed: cls  # type: ignore[misc]
    for cls in (
        BoolStorage,
        ByteStorage,
        CharStorage,
        ShortStorage,
        IntStorage,
        LongStorage,
        HalfStorage,
        FloatStorage,
        DoubleStorage,
        BFloat16Storage,
        ComplexFloatStorage,
        ComplexDoubleStorage,
    )
}
_LEGACY_NAMES = {dtype: cls.__name__ for dtype, cls in LEGACY.items()}


def is_storage(obj: Any, /) -> builtins.bool:
    """Whether ``obj`` is a storage (untyped or typed).

    >>> import arraygrad
    >>> arraygrad.is_storage(arraygrad.zeros(2).untyped_storage()), arraygrad.is_storage([])
    (True, False)
    """
    return isinstance(obj, (UntypedStorage, TypedStorage))
