"""Checkpoints: :func:`save` and :func:`load` for state dicts, without pickle.

A checkpoint holds tensors plus a tree of dicts, lists, tuples, numbers, strings and ``None``
around them: a module's ``state_dict()`` (``{"fc.weight": tensor, ...}``), an optimizer's
(``{"state": {0: {"step": tensor, ...}}, "param_groups": [...]}``), a scheduler's, or a dict of
those. Files use the `safetensors <https://huggingface.co/docs/safetensors>`_ layout::

    8 bytes   little-endian length N of the header
    N bytes   JSON header: {name: {"dtype": "F32", "shape": [2, 3], "data_offsets": [b, e]}, ...,
              "__metadata__": {"arraygrad.structure": <JSON of the tree>,
                               "arraygrad.sha256": <hash of header and data>}}
    rest      the tensors' bytes, little-endian, C order, back to back

or, when the path ends in ``.npz``, a NumPy ``.npz`` archive (one ``.npy`` member per tensor and
a ``__metadata__`` member with the same JSON). Either way the tree is plain JSON.

:func:`load` also reads checkpoints written by ``torch.save`` (its zip format, PyTorch >= 1.6:
state dicts, optimizer states, dicts of them), with a restricted unpickler that rebuilds only
tensors, ``nn.Parameter`` and plain data and refuses every other global the pickle names
(``os.system`` included) before it could run; see :mod:`arraygrad._torch_checkpoint`. Loading
never runs code from a file. Any inconsistency of a file (truncated, header length
or offsets out of range, invalid JSON, unknown dtype, overlapping data, checksum mismatch)
raises :class:`CheckpointError` naming the file and the problem. Saving is atomic: the file is
written under a temporary name in the same directory, synced and renamed over the target, so a
crash never leaves a half-written checkpoint.

>>> import arraygrad, os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "model.safetensors")
>>> arraygrad.save({"w": arraygrad.tensor([1.0, 2.0]), "step": 3}, path)
>>> arraygrad.load(path)
{'w': tensor([1., 2.]), 'step': 3}
"""

from __future__ import annotations

import contextlib as _contextlib
import io
import math as _math
import numbers as _numbers
import os
import pickle as _pickle
import stat as _stat
from typing import TYPE_CHECKING, Any

from arraygrad import _backend, _dtype
from arraygrad._backend import checkpoints as _checkpoints
from arraygrad._tensor import Tensor as _Tensor

if TYPE_CHECKING:
    from arraygrad._tensor import Tensor

__all__ = ["CheckpointError", "load", "save"]

# json, hashlib and tempfile are imported by the functions that use them: together they are
# about 6 ms of `import arraygrad` (a tenth of its own import time) for a program that never
# saves or loads a checkpoint.

# safetensors' dtype codes.
_CODES = {
    "float64": "F64",
    "float32": "F32",
    "float16": "F16",
    "bfloat16": "BF16",
    "int64": "I64",
    "int32": "I32",
    "int16": "I16",
    "int8": "I8",
    "uint8": "U8",
    "bool": "BOOL",
}
_NAMES = {code: name for name, code in _CODES.items()}
_STRUCTURE_KEY = "arraygrad.structure"
_CHECKSUM_KEY = "arraygrad.sha256"
_PLACEHOLDER = "0" * 64
_MAX_HEADER = 100_000_000  # safetensors' own limit on the header size
_METADATA = "__metadata__"


class CheckpointError(ValueError):
    """A checkpoint file is truncated, corrupted or not a checkpoint at all (a ValueError, and
    the class ``torch.load`` raises too: a :class:`pickle.UnpicklingError` for a ``torch.save``
    file whose pickle names a refused global and for a file that is not a zip archive, an
    :class:`EOFError` for an empty one). Its message names the file and the problem.

    >>> import arraygrad, io
    >>> try:
    ...     arraygrad.load(io.BytesIO(b"not a checkpoint"))
    ... except arraygrad.serialization.CheckpointError as error:
    ...     print(isinstance(error, ValueError))
    True
    """


class _NotAPickleError(CheckpointError, _pickle.UnpicklingError):
    """A :class:`CheckpointError` for a file that is neither a zip archive nor a safetensors
    file (arraygrad's own format; a damaged one of those is a plain CheckpointError): also the
    :class:`pickle.UnpicklingError` that ``torch.load`` raises for it (it reads such a file as a
    pickle).

    >>> import arraygrad, io, pickle
    >>> try:
    ...     arraygrad.load(io.BytesIO(b"not a checkpoint"))
    ... except pickle.UnpicklingError as error:
    ...     print(type(error).__name__)
    _NotAPickleError
    """


class _EmptyCheckpointError(CheckpointError, EOFError):
    """A :class:`CheckpointError` for an empty file: also the :class:`EOFError` that
    ``torch.load`` raises for it (its pickle ends before it starts)."""


# --- the tree of Python values <-> JSON ------------------------------------------------------


class _Encoder:
    """Turns a tree into JSON-ready values, collecting its tensors under unique names."""

    def __init__(self) -> None:
        self.tensors: dict[str, Tensor] = {}
        self._names: dict[int, str] = {}

    def name_for(self, tensor: Tensor, path: list[str]) -> str:
        known = self._names.get(id(tensor))
        if known is not None:  # the same tensor twice (tied weights) is stored once
            return known
        base = ".".join(path) or "tensor"
        name, n = base, 0
        while name in self.tensors or name == _METADATA:
            n += 1
            name = f"{base}#{n}"
        self.tensors[name] = tensor
        self._names[id(tensor)] = name
        return name

    def encode(self, value: Any, path: list[str]) -> Any:
        if isinstance(value, _Tensor):
            entry = {"tensor": self.name_for(value, path), "requires_grad": value.requires_grad}
            if isinstance(value, _parameter_class()):
                entry["parameter"] = True  # loaded as one, as torch.load gives it back
            return entry
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, _numbers.Integral):
            return int(value)
        if isinstance(value, _numbers.Real):
            number = float(value)
            return number if _math.isfinite(number) else {"float": repr(number)}
        if isinstance(value, dict):
            items = []
            for key, item in value.items():
                items.append([self.encode_key(key, path), self.encode(item, [*path, str(key)])])
            return {"dict": items}
        if isinstance(value, (list, tuple)):
            kind = "list" if isinstance(value, list) else "tuple"
            return {kind: [self.encode(item, [*path, str(i)]) for i, item in enumerate(value)]}
        where = ".".join(path) or "the top level"
        raise TypeError(
            f"cannot save a {type(value).__name__} at {where}: checkpoints hold tensors, numbers, "
            "strings, None, and dicts, lists and tuples of them (no pickled objects). Fix: save "
            "state_dict() results, or convert the value to one of these types."
        )

    def encode_key(self, key: Any, path: list[str]) -> Any:
        if isinstance(key, (_Tensor, dict, list)):
            where = ".".join(path) or "the top level"
            raise TypeError(f"cannot save a dict key of type {type(key).__name__} at {where}")
        return self.encode(key, path)


def _decode(value: Any, tensors: dict[str, Tensor], where: str) -> Any:
    """The inverse of :meth:`_Encoder.encode`; rejects anything it would not have written."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict) and len(value) in (1, 2, 3):
        if "tensor" in value:
            name = value["tensor"]
            if not isinstance(name, str) or name not in tensors:
                raise ValueError(f"the structure names a tensor {name!r} that the file lacks")
            tensor = tensors[name]
            wanted = value.get("requires_grad") is True and tensor.dtype.is_floating_point
            parameter = _parameter_class()
            if value.get("parameter") is True and not isinstance(tensor, parameter):
                # One Parameter for every mention of it (tied weights stay one object).
                tensor = tensors[name] = parameter(tensor, requires_grad=wanted)
            elif wanted:
                tensor.requires_grad_(True)
            return tensor
        ((kind, body),) = value.items()
        if kind == "float" and body in ("inf", "-inf", "nan"):
            return float(body)
        if kind in ("list", "tuple") and isinstance(body, list):
            items = [_decode(item, tensors, where) for item in body]
            return items if kind == "list" else tuple(items)
        if kind == "dict" and isinstance(body, list):
            result = {}
            for pair in body:
                if not (isinstance(pair, list) and len(pair) == 2):
                    raise ValueError("a dict entry of the structure is not a [key, value] pair")
                key = _decode(pair[0], tensors, where)
                if isinstance(key, (_Tensor, list, dict)):
                    raise ValueError("a dict key of the structure is not hashable")
                result[key] = _decode(pair[1], tensors, where)
            return result
    raise ValueError(f"unexpected entry {str(value)[:80]!r} in the structure")


def _parameter_class() -> type:
    """``nn.Parameter`` (imported when first needed: ``nn`` builds on this module's package)."""
    from arraygrad.nn.parameter import Parameter

    return Parameter


def _flat_tensor_dict(obj: Any) -> bool:
    return isinstance(obj, dict) and all(
        isinstance(k, str) and isinstance(v, _Tensor) for k, v in obj.items()
    )


# --- saving ------------------------------------------------------------------------------------


def save(obj: Any, f: Any, **kwargs: Any) -> None:
    """Write ``obj`` (tensors in dicts/lists/tuples with numbers, strings, None) to ``f``.

    ``f`` is a path (``str`` or ``os.PathLike``) or a binary file object. Paths ending in
    ``.npz`` get a NumPy archive, everything else the safetensors layout. Writing to a path is
    atomic. Extra keyword arguments of ``torch.save`` (``pickle_protocol`` ...) are accepted and
    ignored. No pickle is written: other objects (a whole module) raise; save its
    ``state_dict()``.

    >>> import arraygrad, io
    >>> buffer = io.BytesIO()
    >>> arraygrad.save({"w": arraygrad.tensor([1.0, 2.0]), "step": 3}, buffer)
    >>> _ = buffer.seek(0)
    >>> arraygrad.load(buffer)
    {'w': tensor([1., 2.]), 'step': 3}
    """
    import json

    encoder = _Encoder()
    structure = encoder.encode(obj, [])
    structure_json = json.dumps(structure, separators=(",", ":"), allow_nan=False)
    arrays = {name: _checkpoints.array_to_bytes(t._data) for name, t in encoder.tensors.items()}
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        if path.endswith(".npz"):
            writer = _npz_writer(arrays, structure_json)
        else:
            writer = _safetensors_writer(arrays, structure_json)
        _atomic_write(path, writer)
    elif hasattr(f, "write"):
        _safetensors_writer(arrays, structure_json)(f)
    else:
        raise TypeError(f"save() needs a path or a binary file object, got {type(f).__name__}")


def _safetensors_writer(arrays: dict[str, tuple[str, tuple[int, ...], bytes]], structure: str):
    import hashlib
    import json

    header: dict[str, Any] = {}
    offset = 0
    for name, (dtype_name, shape, data) in arrays.items():
        if dtype_name not in _CODES:  # complex64 and complex128 have no code here yet
            raise TypeError(
                f"{name}: {dtype_name} tensors cannot be saved in arraygrad's checkpoint format "
                "yet. Fix: save arraygrad.view_as_real(z) and load it back with "
                "arraygrad.view_as_complex, or save to a .npz path."
            )
        header[name] = {
            "dtype": _CODES[dtype_name],
            "shape": list(shape),
            "data_offsets": [offset, offset + len(data)],
        }
        offset += len(data)
    header[_METADATA] = {_STRUCTURE_KEY: structure, _CHECKSUM_KEY: _PLACEHOLDER}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-(8 + len(text)) % 8)  # the data starts 8-byte aligned, as safetensors does
    digest = hashlib.sha256(text)
    for _, _, data in arrays.values():
        digest.update(data)
    text = text.replace(_checksum_field(_PLACEHOLDER), _checksum_field(digest.hexdigest()))

    def write(file: Any) -> None:
        file.write(len(text).to_bytes(8, "little"))
        file.write(text)
        for _, _, data in arrays.values():
            file.write(data)

    return write


def _checksum_field(value: str) -> bytes:
    return f'"{_CHECKSUM_KEY}":"{value}"'.encode()


def _npz_writer(arrays: dict[str, tuple[str, tuple[int, ...], bytes]], structure: str):
    def write(file: Any) -> None:
        members = {
            name: _checkpoints.array_from_bytes(data, dtype_name, shape)
            for name, (dtype_name, shape, data) in arrays.items()
        }
        members[_METADATA] = _checkpoints.uint8_from_bytes(structure.encode("utf-8"))
        _checkpoints.write_npz(file, members)

    return write


def _atomic_write(path: str, writer: Any) -> None:
    import tempfile

    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(
        prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory
    )
    try:
        with os.fdopen(handle, "wb") as file:
            writer(file)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, _file_mode(path))
        os.replace(temporary, path)
    except BaseException:
        with _contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    with _contextlib.suppress(OSError):  # make the rename itself durable (POSIX only)
        dir_handle = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_handle)
        finally:
            os.close(dir_handle)


def _file_mode(path: str) -> int:
    # mkstemp makes owner-only files; give the checkpoint the mode a plain open() would.
    with _contextlib.suppress(OSError):
        return _stat.S_IMODE(os.stat(path).st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


# --- loading -----------------------------------------------------------------------------------


def load(f: Any, map_location: Any = None, **kwargs: Any) -> Any:
    """Read a checkpoint written by :func:`save`, ``torch.save`` (zip format) or any
    safetensors / ``.npz`` file.

    ``f`` is a path or a binary file object. ``map_location`` and the other keyword arguments
    of ``torch.load`` (``weights_only`` ...) are accepted; tensors always load on the CPU, and
    no code from the file ever runs (as with ``weights_only=True``, whatever it is set to). A
    safetensors or ``.npz`` file without arraygrad's structure loads as a dict of tensors. A
    ``torch.save`` file loads as ``torch.load`` gives it: tensors keep their storage offset and
    strides (tensors saved from one storage are views of one array on NumPy, copies on other
    array libraries), parameters load as :class:`arraygrad.nn.Parameter`.

    Raises:
        CheckpointError: the file is truncated, corrupted or not a checkpoint, is in
            ``torch.save``'s legacy (non-zip) format, holds a dtype arraygrad lacks, or its
            pickle names a global other than those that rebuild tensors and plain data (then
            also a :class:`pickle.UnpicklingError`, as ``torch.load(weights_only=True)``; so
            too for a file that is not a zip archive, and an :class:`EOFError` when empty).

    >>> import arraygrad, io
    >>> buffer = io.BytesIO()
    >>> arraygrad.save(arraygrad.nn.Linear(2, 1).state_dict(), buffer)
    >>> _ = buffer.seek(0)
    >>> arraygrad.nn.Linear(2, 1).load_state_dict(arraygrad.load(buffer))
    <All keys matched successfully>
    """
    if isinstance(f, (str, os.PathLike)):
        label = os.fspath(f)
        with open(label, "rb") as file:
            data = file.read()
    elif hasattr(f, "read"):
        label = getattr(f, "name", None) or "<file object>"
        data = f.read()
    else:
        raise TypeError(f"load() needs a path or a binary file object, got {type(f).__name__}")
    try:
        if data[:4] == b"PK\x03\x04":
            return _load_zip(data, label)
        if label.endswith(".npz"):
            return _load_npz(data)
        from arraygrad import _torch_checkpoint

        if _torch_checkpoint.is_legacy(data):
            raise _torch_checkpoint.legacy_error(label)
        return _load_safetensors(data)
    except CheckpointError:
        raise
    except (ValueError, TypeError, KeyError, RecursionError, UnicodeDecodeError) as error:
        message = f"cannot load checkpoint {label!r}: {error}"
        if data[:4] == b"PK\x03\x04" or _is_safetensors_header(data):
            # (a damaged zip or safetensors file: a damaged checkpoint, not a foreign file)
            raise CheckpointError(message) from None
        # (the classes torch.load raises, which reads a file that is not a zip as a pickle)
        raise (_NotAPickleError if data else _EmptyCheckpointError)(message) from None


def _is_safetensors_header(data: bytes) -> bool:
    """Whether ``data`` starts as a safetensors file does (arraygrad's own format): an 8-byte
    little-endian header size within safetensors' limit, then a JSON object (the header itself
    may be cut short: a truncated checkpoint)."""
    size = int.from_bytes(data[:8], "little") if len(data) > 8 else 0
    return 0 < size <= _MAX_HEADER and data[8:9] == b"{"


def _loaded(array: Any) -> Tensor:
    """A tensor read from a checkpoint, holding ``array``: at version 1, as ``torch.load``'s are
    (it rebuilds each tensor by ``set_()`` of the storage it read, which counts as a write).
    Made inside inference mode, it keeps no version (an inference tensor)."""
    tensor = _Tensor._wrap(array)
    if tensor._version_counter is None:
        tensor._version_counter = [1, 0]
    return tensor


def _load_safetensors(data: bytes) -> Any:
    import json

    if len(data) < 8:
        raise ValueError(
            f"bad header length: the file has {len(data)} bytes, fewer than the 8-byte header "
            "length (truncated or empty file)"
        )
    size = int.from_bytes(data[:8], "little")
    if size == 0 or size > min(len(data) - 8, _MAX_HEADER):
        raise ValueError(
            f"bad header length: the header claims {size} bytes but the file has "
            f"{len(data) - 8} bytes after the length field (truncated file, or not a checkpoint)"
        )
    raw = data[8 : 8 + size]
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"invalid JSON header ({error})") from None
    if not isinstance(header, dict):
        raise ValueError("invalid header: the JSON is not an object")
    buffer = memoryview(data)[8 + size :]
    metadata = header.pop(_METADATA, None)
    if metadata is not None and not (
        isinstance(metadata, dict) and all(isinstance(v, str) for v in metadata.values())
    ):
        raise ValueError("invalid header: __metadata__ must map strings to strings")
    entries = [_check_entry(name, entry, len(buffer)) for name, entry in header.items()]
    _check_layout(entries, len(buffer))
    if metadata is not None and _CHECKSUM_KEY in metadata:
        _verify_checksum(raw, buffer, metadata[_CHECKSUM_KEY])
    elif metadata is not None and any(key.startswith("arraygrad.") for key in metadata):
        # arraygrad always writes the checksum: without it, the header was damaged
        raise ValueError("checksum missing from arraygrad's metadata (corrupted header)")
    tensors = {
        name: _loaded(_checkpoints.array_from_bytes(buffer[begin:end], dtype_name, shape))
        for name, dtype_name, shape, begin, end in entries
    }
    if metadata is None or _STRUCTURE_KEY not in metadata:
        return tensors
    return _decode_structure(metadata[_STRUCTURE_KEY], tensors)


def _check_entry(
    name: str, entry: Any, available: int
) -> tuple[str, str, tuple[int, ...], int, int]:
    if not isinstance(entry, dict) or not {"dtype", "shape", "data_offsets"} <= entry.keys():
        raise ValueError(f"tensor {name!r}: header entry lacks dtype, shape or data_offsets")
    code, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
    if code not in _NAMES:
        raise ValueError(
            f"tensor {name!r}: unknown dtype {code!r} (arraygrad reads {sorted(_NAMES)})"
        )
    if not (isinstance(shape, list) and all(_is_count(s) for s in shape)):
        raise ValueError(f"tensor {name!r}: shape {shape!r} is not a list of non-negative ints")
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(map(_is_count, offsets))):
        raise ValueError(f"tensor {name!r}: data_offsets {offsets!r} are not two non-negative ints")
    begin, end = offsets
    if begin > end or end > available:
        raise ValueError(
            f"tensor {name!r}: data_offsets [{begin}, {end}] out of range (the data section has "
            f"{available} bytes; truncated file?)"
        )
    dtype_name = _NAMES[code]
    needed = _math.prod(shape) * _dtype.BY_NAME[dtype_name].itemsize
    if end - begin != needed:
        raise ValueError(
            f"tensor {name!r}: data_offsets [{begin}, {end}] hold {end - begin} bytes but shape "
            f"{shape} of {code} needs {needed}"
        )
    return name, dtype_name, tuple(shape), begin, end


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_layout(
    entries: list[tuple[str, str, tuple[int, ...], int, int]], available: int
) -> None:
    position, previous = 0, None
    for name, _, _, begin, end in sorted(entries, key=lambda e: (e[3], e[4])):
        if begin < position:
            raise ValueError(f"overlapping data: tensors {previous!r} and {name!r} share bytes")
        if begin > position:
            raise ValueError(
                f"gap in the data section before tensor {name!r} (bytes {position}..{begin})"
            )
        position, previous = end, name
    if position != available:
        raise ValueError(
            f"the data section has {available} bytes but the tensors use {position} "
            "(trailing bytes: corrupted file)"
        )


def _verify_checksum(raw: bytes, buffer: memoryview, expected: str) -> None:
    import hashlib

    field = _checksum_field(expected)
    if raw.count(field) != 1:
        raise ValueError("checksum field is malformed (corrupted header)")
    digest = hashlib.sha256(raw.replace(field, _checksum_field(_PLACEHOLDER)))
    digest.update(buffer)
    if digest.hexdigest() != expected:
        raise ValueError(
            "checksum mismatch: the header or the tensor data changed after saving (corrupted file)"
        )


def _decode_structure(text: str, tensors: dict[str, Tensor]) -> Any:
    import json

    try:
        structure = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"invalid JSON structure in the metadata ({error})") from None
    return _decode(structure, tensors, "structure")


def _load_zip(data: bytes, label: str) -> Any:
    """A zip archive: torch.save's checkpoint (it holds ``<folder>/data.pkl``) or a ``.npz``."""
    import zipfile

    from arraygrad import _torch_checkpoint

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return _load_npz(data)  # a damaged archive: the .npz reader's error names the problem
    with archive:
        prefix = _torch_checkpoint.record_prefix(archive)
        if prefix is None:
            return _load_npz(data)
        return _torch_checkpoint.load_archive(archive, prefix, label)


def _load_npz(data: bytes) -> Any:
    try:
        members = _checkpoints.read_npz(io.BytesIO(data))
    except Exception as error:  # zipfile, zlib and NumPy raise many types for damaged archives
        raise ValueError(f"not a valid .npz archive ({type(error).__name__}: {error})") from None
    structure = members.pop(_METADATA, None)
    tensors = {}
    for name, array in members.items():
        try:
            tensors[name] = _loaded(_backend.asarray(array))
            tensors[name].dtype  # noqa: B018 - raises TypeError for dtypes arraygrad lacks
        except TypeError:
            raise ValueError(f"tensor {name!r}: unknown dtype {array.dtype}") from None
    if structure is None:
        return tensors
    text = _checkpoints.bytes_of_uint8(structure).decode("utf-8")
    return _decode_structure(text, tensors)
