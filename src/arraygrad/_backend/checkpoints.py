"""Arrays as bytes, for checkpoints: an array's little-endian bytes and back
(``arraygrad.save``'s and ``load``'s members, PyTorch checkpoints' raw storages), NumPy
``.npz`` archives written and read without pickling, and arrays unpickled with an equal but
foreign dtype object given NumPy's own.

Kept apart from ``_backend/__init__.py`` because only the serializers (serialization.py,
_torch_checkpoint.py) and unpickling (``Tensor.__setstate__``) use it, never an op; it goes
through the host's NumPy whatever the active library.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from arraygrad import _backend
from arraygrad._backend import bfloat16


def array_to_bytes(array: Any) -> tuple[str, tuple[int, ...], bytes]:
    """``array`` as (dtype name, shape, little-endian C-order bytes)."""
    values = _backend.to_numpy(array)
    # astype, not ascontiguousarray, which would turn a 0-d array into a 1-d one
    values = values.astype(values.dtype.newbyteorder("<"), order="C", copy=False)
    return values.dtype.name, tuple(values.shape), values.tobytes()


def _numpy_dtype(name: str) -> np.dtype:
    """NumPy's dtype called ``name``; ml_dtypes' for ``"bfloat16"`` (loading it)."""
    return bfloat16.native() if name == "bfloat16" else np.dtype(name)  # type: ignore[no-any-return]


def array_from_bytes(data: Any, dtype_name: str, shape: tuple[int, ...]) -> Any:
    """An ``xp`` array of ``shape`` read from little-endian C-order ``data`` (copied).

    The caller checks that ``len(data)`` is the array's size in bytes.
    """
    dtype = _numpy_dtype(dtype_name)
    values = np.frombuffer(data, dtype=dtype.newbyteorder("<")).reshape(shape)
    # (NumPy's own dtype object: see with_builtin_dtype)
    return _backend.asarray(values.astype(dtype, copy=True))


def array_over_bytes(data: bytearray, dtype_name: str, byteorder: str) -> Any:
    """A 1-D ``xp`` array of the elements in ``data``, stored as ``dtype_name`` with
    ``byteorder`` (``"little"`` or ``"big"``): on NumPy over ``data`` itself (writable, no copy)
    where that order is the machine's, so arrays over one buffer share memory; else a copy."""
    dtype = _numpy_dtype(dtype_name)
    stored = dtype.newbyteorder("<" if byteorder == "little" else ">")
    values = np.frombuffer(data, dtype=stored)
    # (as NumPy's own dtype object, a view where no bytes are swapped: see with_builtin_dtype)
    values = values.view(dtype) if stored.isnative else values.astype(dtype)
    return _backend.asarray(values)


# NumPy's own dtype objects, keyed by equality (see with_builtin_dtype).
_BUILTIN_DTYPES = {
    np.dtype(kind): np.dtype(kind)
    for kind in (np.bool_, np.uint8, np.int8, np.int16, np.int32, np.int64, np.float16)
    + (np.float32, np.float64, np.complex64, np.complex128)
}


def with_builtin_dtype(array: Any) -> Any:
    """``array``, viewed with NumPy's own dtype object where it carries an equal one that is
    another object (unpickled arrays do: a DataLoader worker's batches, ``copy.deepcopy``'s).
    arraygrad's fast paths know dtypes by the identity of NumPy's objects; an array with another
    object is computed right, by the general paths, but pays their cost on every op, and so do
    the results computed from it, which keep its dtype object."""
    if array.__class__ is not np.ndarray:
        return array
    dtype = array.dtype
    builtin = _BUILTIN_DTYPES.get(dtype)
    if builtin is None:
        loaded = bfloat16.loaded()
        builtin = loaded if loaded is not None and dtype == loaded else None
    if builtin is None or builtin is dtype or not dtype.isnative:
        return array
    return array.view(builtin)


def write_npz(file: Any, arrays: dict[str, Any]) -> None:
    """Write ``arrays`` (name -> array) to the binary file object ``file`` as a NumPy ``.npz``.

    Written member by member, like ``numpy.savez``, but with no pickling allowed and no
    restriction on the names (``savez`` reserves ``file`` and ``allow_pickle``).
    """
    import zipfile

    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, array in arrays.items():
            with archive.open(name + ".npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, _backend.to_numpy(array), allow_pickle=False)


def read_npz(file: Any) -> dict[str, Any]:
    """The arrays of a ``.npz`` file object as NumPy arrays; never unpickles."""
    archive = np.load(file, allow_pickle=False)
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError("the file is a single .npy array, not an .npz archive")
    with archive:
        return {name: archive[name] for name in archive.files}


def uint8_from_bytes(data: bytes) -> Any:
    """A NumPy ``uint8`` array holding ``data`` (how text is stored inside an ``.npz``)."""
    return np.frombuffer(data, dtype=np.uint8).copy()


def bytes_of_uint8(array: Any) -> bytes:
    """The bytes of a 1-D ``uint8`` array (the reverse of :func:`uint8_from_bytes`)."""
    values = np.asarray(array)
    if values.dtype != np.uint8 or values.ndim != 1:
        raise ValueError(f"expected a 1-D uint8 array, got {values.dtype} of shape {values.shape}")
    return values.tobytes()
