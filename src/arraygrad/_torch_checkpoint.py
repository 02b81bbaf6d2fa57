"""Reading checkpoints written by ``torch.save`` (its zip format), running none of their code.

A ``torch.save`` file (PyTorch >= 1.6) is a zip archive with one top-level folder holding
``data.pkl`` (a pickle of the saved tree), ``data/<key>`` (the raw bytes of each tensor storage),
``byteorder`` and ``version``. The pickle names the functions that rebuild each tensor; it is read
here by a restricted unpickler: every global the pickle names is looked up in :data:`_ALLOWED` (a
fixed table of the few functions and classes that rebuild tensors and plain data, all of them
arraygrad's own stand-ins) and anything else is refused with :class:`RefusedGlobalError` before it
could run, ``os.system`` included. The opcodes that build arbitrary objects (``INST``, ``OBJ``,
``NEWOBJ``) are refused too, and ``BUILD`` (setting an object's state) is allowed only on the
fresh ``OrderedDict`` of a module's ``state_dict`` (whose ``_metadata`` it sets), so a file
cannot change any object that outlives the load (a dtype, a class).

Tensors keep their storage offset, sizes and strides. On NumPy the tensors saved from one storage
load as views of one array holding it (writes through one show in the others, as in PyTorch);
other array libraries give each tensor its own copy. A tensor alone on its storage and laid out
in C order from its start loads as an ordinary tensor. Tensors load on the CPU whatever device
they were saved from.
"""

from __future__ import annotations

import collections
import io
import math
import pickle
import zipfile
from typing import Any, ClassVar

from arraygrad import _backend, _dtype
from arraygrad._backend import checkpoints
from arraygrad._grad_mode import no_grad
from arraygrad._tensor import Tensor
from arraygrad.serialization import CheckpointError, _loaded

# A legacy (torch < 1.6, or _use_new_zipfile_serialization=False) file starts with the pickle
# of this magic number (a long: opcode LONG1, 10 bytes).
_LEGACY_MAGIC = b"\x8a\nl\xfc\x9cF\xf9 j\xa8P\x19"

# PyTorch's typed storage classes and the dtypes of their elements.
_STORAGES = {
    "DoubleStorage": "float64",
    "FloatStorage": "float32",
    "HalfStorage": "float16",
    "LongStorage": "int64",
    "IntStorage": "int32",
    "ShortStorage": "int16",
    "CharStorage": "int8",
    "ByteStorage": "uint8",
    "BoolStorage": "bool",
    "BFloat16Storage": "bfloat16",
    "ComplexFloatStorage": "complex64",
    "ComplexDoubleStorage": "complex128",
    "QInt8Storage": "qint8",
    "QUInt8Storage": "quint8",
    "QInt32Storage": "qint32",
    "QUInt4x2Storage": "quint4x2",
    "QUInt2x4Storage": "quint2x4",
}
# The dtypes whose tensors may require grad.
_GRADIENT_DTYPES = ("float16", "bfloat16", "float32", "float64", "complex64", "complex128")
# PyTorch dtypes arraygrad lacks: named in the error instead of a bare refusal of the global.
_MISSING_DTYPES = {
    "complex32",
    "uint16",
    "uint32",
    "uint64",
    "float8_e4m3fn",
    "float8_e4m3fnuz",
    "float8_e5m2",
    "float8_e5m2fnuz",
    "float8_e8m0fnu",
    "float4_e2m1fn_x2",
    "qint8",
    "quint8",
    "qint32",
    "quint4x2",
    "quint2x4",
    "bits1x8",
    "bits2x4",
    "bits4x2",
    "bits8",
    "bits16",
    *(f"int{n}" for n in range(1, 8)),
    *(f"uint{n}" for n in range(1, 8)),
}


class RefusedGlobalError(CheckpointError, pickle.UnpicklingError):
    """A checkpoint's pickle names a global that :func:`arraygrad.load` does not allow.

    Both a :class:`~arraygrad.serialization.CheckpointError` and a
    :class:`pickle.UnpicklingError`, the class ``torch.load(weights_only=True)`` raises.
    """


def is_legacy(data: bytes) -> bool:
    """Whether ``data`` looks like torch.save's legacy (non-zip) format."""
    return data[:1] == b"\x80" and _LEGACY_MAGIC in data[:32]


def legacy_error(label: str) -> CheckpointError:
    return CheckpointError(
        f"cannot load checkpoint {label!r}: it is in torch.save's legacy format (PyTorch < 1.6, "
        "or _use_new_zipfile_serialization=False), a pickle that arraygrad does not read. Fix: "
        "load it in PyTorch and save it again with torch.save(obj, path) (the zip format), or "
        "save its state_dict() with arraygrad.save."
    )


def record_prefix(archive: zipfile.ZipFile) -> str | None:
    """``"<folder>/"`` of a torch.save archive (the folder holding ``data.pkl``), or None for
    other zip files (a ``.npz``)."""
    pickles = [
        name for name in archive.namelist() if name.endswith("/data.pkl") and name.count("/") == 1
    ]
    return pickles[0][: -len("data.pkl")] if len(pickles) == 1 else None


def load_archive(archive: zipfile.ZipFile, prefix: str, label: str) -> Any:
    """The tree a torch.save archive holds; ValueError for a damaged one."""
    names = set(archive.namelist())
    byteorder = "little"
    if prefix + "byteorder" in names:
        byteorder = _read(archive, prefix + "byteorder").decode("ascii", "replace").strip()
        if byteorder not in ("little", "big"):
            raise _InvalidError(f"unknown byteorder record {byteorder!r} (expected little or big)")
    pickled = _read(archive, prefix + "data.pkl")
    # The first pass only counts the tensors on each storage: a storage with one tensor in C
    # order gives an ordinary tensor, one shared by several gives views of one array.
    counting = _Reader(pickled, archive, prefix, byteorder, label, None)
    _run(counting)
    return _run(_Reader(pickled, archive, prefix, byteorder, label, counting.uses))


def _read(archive: zipfile.ZipFile, name: str) -> bytes:
    """The bytes of the member ``name``; KeyError where there is none. A damaged member (a bad
    CRC, a broken deflate stream, an unknown compression method or an encrypted one) raises
    zipfile's own exception classes, none a ValueError: named here as a damaged archive."""
    try:
        return archive.read(name)
    except KeyError:
        raise
    except Exception as error:
        raise _InvalidError(
            f"damaged archive member {name!r} ({type(error).__name__}: {error})"
        ) from None


def _run(reader: _Reader) -> Any:
    try:
        return reader.load()
    except (CheckpointError, _InvalidError):
        raise
    except Exception as error:  # a damaged pickle raises many types (EOFError, IndexError ...)
        raise ValueError(f"damaged data.pkl ({type(error).__name__}: {error})") from None


class _InvalidError(ValueError):
    """A problem this module found and describes itself (load() adds the file's name)."""


class _StorageKind:
    """What a storage class global (``torch.FloatStorage``, ``torch.storage.UntypedStorage``)
    unpickles to: the element dtype, None for untyped (byte) storages."""

    def __init__(self, dtype_name: str | None) -> None:
        self.dtype_name = dtype_name


class _StorageRef:
    """A storage named by the pickle (its persistent id), not yet read from the archive."""

    def __init__(self, kind: _StorageKind, key: str, numel: int) -> None:
        self.kind = kind
        self.key = key
        self.numel = numel


class _Counted:
    """What a tensor rebuilds to in the counting pass."""


def _refuse_opcode(reader: Any) -> None:
    raise _InvalidError(
        "the pickle builds an object of a class directly (INST, OBJ or NEWOBJ), which arraygrad "
        "never does: torch.save writes tensors and plain data without it"
    )


def _build(reader: Any) -> None:
    # BUILD sets an object's state: allowed only on a fresh OrderedDict (a state_dict's
    # _metadata), never on anything that outlives the load.
    state = reader.stack.pop()
    target = reader.stack[-1]
    if not (
        type(target) is collections.OrderedDict
        and type(state) is dict
        and all(isinstance(k, str) and not k.startswith("__") for k in state)
    ):
        raise _InvalidError(
            f"the pickle sets the state of a {type(target).__name__} (BUILD), which arraygrad "
            "allows only for the attributes of an OrderedDict"
        )
    vars(target).update(state)


class _Reader(pickle._Unpickler):
    """The restricted unpickler (the pure-Python one, whose opcode table can be restricted)."""

    dispatch: ClassVar[dict[int, Any]] = dict(pickle._Unpickler.dispatch)
    for _opcode in (pickle.INST, pickle.OBJ, pickle.NEWOBJ, pickle.NEWOBJ_EX):
        dispatch[_opcode[0]] = _refuse_opcode
    dispatch[pickle.BUILD[0]] = _build
    del _opcode

    def __init__(
        self,
        pickled: bytes,
        archive: zipfile.ZipFile,
        prefix: str,
        byteorder: str,
        label: str,
        uses: collections.Counter[str] | None,
    ) -> None:
        super().__init__(io.BytesIO(pickled), encoding="utf-8")
        self.archive = archive
        self.prefix = prefix
        self.byteorder = byteorder  # "little" or "big", as the archive records it
        self.label = label
        self.counting = uses is None
        self.uses: collections.Counter[str] = collections.Counter() if uses is None else uses
        self.stores: dict[tuple[str, str], Tensor] = {}
        self.raw: dict[str, bytearray] = {}
        # Bound methods, not the functions: a pickle cannot set attributes on a bound method.
        self.allowed: dict[str, Any] = {
            "collections.OrderedDict": self.ordered_dict,
            "torch._utils._rebuild_tensor_v2": self.rebuild_tensor_v2,
            "torch._utils._rebuild_tensor_v3": self.rebuild_tensor_v3,
            "torch._utils._rebuild_parameter": self.rebuild_parameter,
            "torch.Size": self.size,
            "torch.device": self.device,
            "torch.storage.UntypedStorage": _StorageKind(None),
            "builtins.set": self.set,
            "builtins.complex": self.complex,
            "builtins.bytearray": self.bytearray,
            "_codecs.encode": self.encode,
        }

    # --- what the pickle may name --------------------------------------------------------------

    def find_class(self, module: str, name: str) -> Any:
        if module == "__builtin__":  # protocol 2 writes Python 2's module name
            module = "builtins"
        qualified = f"{module}.{name}"
        if qualified in self.allowed:
            return self.allowed[qualified]
        if module == "torch" and name in _STORAGES:
            dtype_name = _STORAGES[name]
            self.check_dtype(dtype_name)
            return _StorageKind(dtype_name)
        if module == "torch" and name in _dtype.BY_NAME:
            return _dtype.BY_NAME[name]
        if module == "torch":
            self.check_dtype(name)
        raise RefusedGlobalError(
            f"cannot load checkpoint {self.label!r}: unsupported GLOBAL {qualified}. "
            "arraygrad.load rebuilds only tensors, parameters and plain data (dicts, lists, "
            "tuples, sets, numbers, strings, bytes, None, torch.Size, dtypes, devices) and never "
            "runs code from a file. Fix: in PyTorch, save the model's or optimizer's "
            "state_dict() rather than the object itself."
        )

    def check_dtype(self, name: str) -> None:
        if name in _MISSING_DTYPES:
            raise CheckpointError(
                f"cannot load checkpoint {self.label!r}: it holds dtype torch.{name}, which "
                f"arraygrad does not have (it has {', '.join(_dtype.BY_NAME)}). "
                "Fix: convert the tensors in PyTorch first, e.g. t.float() or "
                "t.to(torch.int64), and save again."
            )

    def persistent_load(self, pid: Any) -> _StorageRef:
        if not (
            type(pid) is tuple
            and len(pid) == 5
            and pid[0] == "storage"
            and isinstance(pid[1], _StorageKind)
            and isinstance(pid[2], str)
            and isinstance(pid[3], str)
            and _is_count(pid[4])
        ):
            raise _InvalidError(f"unexpected persistent id {str(pid)[:80]!r}")
        return _StorageRef(pid[1], pid[2], pid[4])

    # --- the stand-ins the globals unpickle to ---------------------------------------------

    def ordered_dict(self, *args: Any) -> collections.OrderedDict[Any, Any]:
        return collections.OrderedDict(*args)

    def size(self, dims: Any = ()) -> Any:
        import arraygrad

        if not (type(dims) is tuple and all(_is_count(d) for d in dims)):
            raise _InvalidError(f"torch.Size of {str(dims)[:80]!r}")
        return arraygrad.Size(dims)

    def device(self, *args: Any) -> Any:
        import arraygrad

        if not (1 <= len(args) <= 2 and type(args[0]) is str and all(map(_is_count, args[1:]))):
            raise _InvalidError(f"torch.device of {str(args)[:80]!r}")
        return arraygrad.device(*args)

    def set(self, items: Any = ()) -> set[Any]:
        if type(items) is not list:
            raise _InvalidError("a set pickled from something other than a list")
        return set(items)

    def complex(self, real: Any = 0.0, imag: Any = 0.0) -> complex:
        if not all(type(x) in (int, float) for x in (real, imag)):
            raise _InvalidError("a complex number of non-numbers")
        return complex(real, imag)

    def bytearray(self, data: Any = b"") -> bytearray:
        if type(data) is not bytes:
            raise _InvalidError("a bytearray of something other than bytes")
        return bytearray(data)

    def encode(self, text: Any, encoding: Any = "utf-8") -> bytes:
        # Protocol 2 pickles bytes as _codecs.encode(text, "latin1").
        if type(text) is not str or encoding != "latin1":
            raise _InvalidError("_codecs.encode other than of a str to latin1")
        return text.encode("latin1")

    def rebuild_parameter(self, data: Any, requires_grad: Any, hooks: Any) -> Any:
        from arraygrad.nn import Parameter

        _check_hooks(hooks)
        if self.counting:
            return _Counted()
        if not isinstance(data, Tensor) or type(requires_grad) is not bool:
            raise _InvalidError("a Parameter rebuilt from something other than a tensor")
        return Parameter(data, requires_grad)

    def rebuild_tensor_v2(
        self,
        storage: Any,
        offset: Any,
        size: Any,
        stride: Any,
        requires_grad: Any,
        hooks: Any,
        metadata: Any = None,
    ) -> Any:
        if not isinstance(storage, _StorageRef) or storage.kind.dtype_name is None:
            raise _InvalidError("_rebuild_tensor_v2 of something other than a typed storage")
        return self.tensor(
            storage, storage.kind.dtype_name, offset, size, stride, requires_grad, hooks
        )

    def rebuild_tensor_v3(
        self,
        storage: Any,
        offset: Any,
        size: Any,
        stride: Any,
        requires_grad: Any,
        hooks: Any,
        dtype: Any,
        metadata: Any = None,
    ) -> Any:
        if not isinstance(storage, _StorageRef) or storage.kind.dtype_name is not None:
            raise _InvalidError("_rebuild_tensor_v3 of something other than an untyped storage")
        if not isinstance(dtype, _dtype.dtype):
            raise _InvalidError(f"_rebuild_tensor_v3 with dtype {str(dtype)[:80]!r}")
        return self.tensor(storage, dtype.name, offset, size, stride, requires_grad, hooks)

    # --- tensors -------------------------------------------------------------------------------

    def tensor(
        self,
        storage: _StorageRef,
        dtype_name: str,
        offset: Any,
        size: Any,
        stride: Any,
        requires_grad: Any,
        hooks: Any,
    ) -> Any:
        _check_hooks(hooks)
        if not (
            _is_count(offset)
            and type(size) is tuple
            and type(stride) is tuple
            and len(size) == len(stride)
            and all(map(_is_count, size))
            and all(map(_is_count, stride))
            and type(requires_grad) is bool
        ):
            raise _InvalidError(
                f"tensor on storage {storage.key!r}: bad layout (offset {offset!r}, size "
                f"{str(size)[:80]}, stride {str(stride)[:80]})"
            )
        if self.counting:
            self.uses[storage.key] += 1
            return _Counted()
        store = self.store(storage, dtype_name)
        available = store.shape[0]
        count = math.prod(size)
        if (
            count
            and offset + sum((n - 1) * s for n, s in zip(size, stride, strict=True)) >= available
        ):
            raise _InvalidError(
                f"tensor on storage {storage.key!r}: offset {offset}, size {list(size)} and "
                f"stride {list(stride)} reach past the storage's {available} elements"
            )
        if self.uses[storage.key] == 1 and offset == 0 and _c_ordered(size, stride):
            tensor = _loaded(_backend.xp.reshape(store._data[:count], size))
        else:
            with no_grad():
                tensor = store.as_strided(size, stride, offset)
        if requires_grad:
            if dtype_name not in _GRADIENT_DTYPES:
                raise _InvalidError(f"a {dtype_name} tensor that requires grad")
            tensor.requires_grad_(True)
        return tensor

    def store(self, storage: _StorageRef, dtype_name: str) -> Tensor:
        """The tensor (1-D) holding the storage's elements as ``dtype_name``: one per storage and
        dtype, the views of one storage sharing its memory on NumPy."""
        known = self.stores.get((storage.key, dtype_name))
        if known is not None:
            return known
        raw = self.raw.get(storage.key)
        if raw is None:
            member = f"{self.prefix}data/{storage.key}"
            try:
                raw = bytearray(_read(self.archive, member))
            except KeyError:
                raise _InvalidError(
                    f"storage {storage.key!r} is missing from the archive"
                ) from None
            self.raw[storage.key] = raw
        itemsize = _dtype.BY_NAME[dtype_name].itemsize
        # Typed storages count elements, untyped ones bytes.
        needed = storage.numel if storage.kind.dtype_name is None else storage.numel * itemsize
        if len(raw) != needed or needed % itemsize:
            raise _InvalidError(
                f"storage {storage.key!r} has {len(raw)} bytes, but the pickle gives it "
                f"{storage.numel} {'bytes' if storage.kind.dtype_name is None else dtype_name}"
            )
        # (the views of it share its version counter: at 1, as each of torch.load's tensors)
        tensor = _loaded(checkpoints.array_over_bytes(raw, dtype_name, self.byteorder))
        self.stores[(storage.key, dtype_name)] = tensor
        return tensor


def _check_hooks(hooks: Any) -> None:
    if not (isinstance(hooks, dict) and not hooks):
        raise _InvalidError("a tensor saved with backward hooks")


def _is_count(value: Any) -> bool:
    return type(value) is int and value >= 0


def _c_ordered(size: tuple[int, ...], stride: tuple[int, ...]) -> bool:
    """Whether ``stride`` lays ``size`` out in C order with no gaps (size-1 dims aside)."""
    expected = 1
    for n, step in zip(reversed(size), reversed(stride), strict=True):
        if n != 1:
            if step != expected:
                return False
            expected *= n
    return True
