"""Checkpoints: bitwise round trips, the safetensors and npz layouts, atomic saves, and clear
errors (never a crash, a hang or unpickling) for truncated, corrupted or hostile files."""

from __future__ import annotations

import io
import json
import os
import pickle
import struct
import zipfile

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.serialization import CheckpointError

DTYPES = ["float64", "float32", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]


def _bits(t):
    a = t.detach().numpy()
    return a.tobytes(), a.dtype, a.shape


def _tree():
    rng = np.random.default_rng(0)
    special = np.array([np.nan, -0.0, np.inf, -np.inf, 5e-324, 1.0 / 3.0])
    return {
        "layer.weight": ag.tensor(rng.normal(size=(3, 4))),
        "layer.bias": ag.tensor(rng.normal(size=(4,)).astype(np.float32)),
        "special": ag.tensor(special),
        "scalar": ag.tensor(7, dtype=ag.int64),
        "empty": ag.zeros(0, 5),
        "transposed": ag.tensor(np.arange(6.0).reshape(2, 3)).t(),
        **{f"d_{d}": ag.tensor(rng.integers(0, 2, size=(2, 2)).astype(d)) for d in DTYPES},
    }


@pytest.mark.parametrize("suffix", [".safetensors", ".pt", ".npz"])
def test_flat_state_dict_round_trip_is_bitwise(tmp_path, suffix):
    tree = _tree()
    path = tmp_path / f"ckpt{suffix}"
    ag.save(tree, path)
    loaded = ag.load(path)
    assert list(loaded) == list(tree)
    for key, value in tree.items():
        assert isinstance(loaded[key], ag.Tensor)
        assert _bits(loaded[key]) == _bits(value.contiguous()), key
        assert loaded[key].dtype is value.dtype


def _trained_optimizer(cls, **kwargs):
    w = ag.tensor([[1.0, -2.0], [0.5, 3.0]], dtype=ag.float64, requires_grad=True)
    b = ag.tensor([0.1, 0.2], requires_grad=True)
    opt = cls([{"params": [w]}, {"params": [b], "lr": 0.01}], **kwargs)
    for _ in range(3):
        opt.zero_grad()
        ((w.sum(1) + b.double()) ** 2).sum().backward()
        opt.step()
    return opt, w, b


@pytest.mark.parametrize("suffix", [".safetensors", ".npz"])
def test_optimizer_state_dict_round_trip_and_resume(tmp_path, suffix):
    opt, w, b = _trained_optimizer(ag.optim.Adam, lr=0.1, amsgrad=True)
    state = opt.state_dict()
    path = tmp_path / f"opt{suffix}"
    ag.save({"optimizer": state, "epoch": 3, "note": None, "best": float("inf")}, path)
    loaded = ag.load(path)
    assert loaded["epoch"] == 3 and loaded["note"] is None and loaded["best"] == float("inf")
    got = loaded["optimizer"]
    assert got["param_groups"] == state["param_groups"]  # tuples (betas), ints, None, bools
    assert got["state"].keys() == state["state"].keys() == {0, 1}
    for index, entries in state["state"].items():
        for key, value in entries.items():
            assert _bits(got["state"][index][key]) == _bits(value), (index, key)

    # a fresh optimizer loaded from the file continues exactly like the original
    w2 = ag.tensor(w.detach().numpy().copy(), requires_grad=True)
    b2 = ag.tensor(b.detach().numpy().copy(), requires_grad=True)
    opt2 = ag.optim.Adam([{"params": [w2]}, {"params": [b2]}], lr=0.5)
    opt2.load_state_dict(got)
    for o, x, y in ((opt, w, b), (opt2, w2, b2)):
        o.zero_grad()
        ((x.sum(1) + y.double()) ** 2).sum().backward()
        o.step()
    assert _bits(w2) == _bits(w) and _bits(b2) == _bits(b)


def test_scheduler_state_dicts_round_trip(tmp_path):
    opt, *_ = _trained_optimizer(ag.optim.SGD, lr=0.1, momentum=0.9)
    step = ag.optim.lr_scheduler.MultiStepLR(opt, milestones=[2, 2, 5])
    plateau = ag.optim.lr_scheduler.ReduceLROnPlateau(opt)
    ag.save({"multistep": step.state_dict(), "plateau": plateau.state_dict()}, tmp_path / "s")
    loaded = ag.load(tmp_path / "s")
    assert loaded["multistep"]["milestones"] == {2: 2, 5: 1}
    assert loaded["multistep"]["_last_lr"] == step.state_dict()["_last_lr"]
    assert loaded["plateau"]["best"] == float("inf")
    assert loaded["plateau"]["mode_worse"] == float("inf")


def _read_safetensors(data: bytes):
    """An independent reader of the safetensors layout (no arraygrad code)."""
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + size])
    body = data[8 + size :]
    codes = {"F64": "<f8", "F32": "<f4", "I64": "<i8", "BOOL": "|b1", "F16": "<f2"}
    arrays = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        arrays[name] = np.frombuffer(body[begin:end], codes[entry["dtype"]]).reshape(entry["shape"])
    return size, header, arrays


def test_file_is_standard_safetensors(tmp_path):
    tensors = {"fc.weight": ag.randn(2, 3), "fc.bias": ag.zeros(3, dtype=ag.float64)}
    ag.save(tensors, tmp_path / "m.safetensors")
    data = (tmp_path / "m.safetensors").read_bytes()
    size, header, arrays = _read_safetensors(data)
    assert (8 + size) % 8 == 0  # data section aligned as safetensors writes it
    assert set(arrays) == {"fc.weight", "fc.bias"}
    assert header["fc.weight"] == {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}
    assert all(isinstance(v, str) for v in header["__metadata__"].values())
    np.testing.assert_array_equal(arrays["fc.weight"], tensors["fc.weight"].numpy())


def test_foreign_safetensors_without_metadata_loads_as_dict(tmp_path):
    payload = np.arange(4, dtype="<i4").tobytes()
    header = json.dumps({"x": {"dtype": "I32", "shape": [2, 2], "data_offsets": [0, 16]}})
    path = tmp_path / "foreign.safetensors"
    path.write_bytes(struct.pack("<Q", len(header)) + header.encode() + payload)
    loaded = ag.load(path)
    assert list(loaded) == ["x"] and loaded["x"].tolist() == [[0, 1], [2, 3]]


def test_npz_is_plain_numpy(tmp_path):
    ag.save({"a": ag.tensor([1.0, 2.0]), "nested": {"b": ag.tensor([3])}}, tmp_path / "c.npz")
    with np.load(tmp_path / "c.npz", allow_pickle=False) as archive:
        assert set(archive.files) == {"a", "nested.b", "__metadata__"}
        np.testing.assert_array_equal(archive["a"], [1.0, 2.0])


def test_requires_grad_and_shared_tensors_are_kept(tmp_path):
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    ag.save({"a": w, "tied": [w], "plain": ag.ones(1)}, tmp_path / "t")
    loaded = ag.load(tmp_path / "t")
    assert loaded["a"].requires_grad and not loaded["plain"].requires_grad
    assert loaded["tied"][0] is loaded["a"]


def test_file_objects_and_torch_style_keywords():
    buffer = io.BytesIO()
    ag.save({"x": ag.arange(3)}, buffer, pickle_protocol=2)
    buffer.seek(0)
    assert ag.load(buffer, map_location="cpu", weights_only=True)["x"].tolist() == [0, 1, 2]


def test_unsupported_objects_are_refused_naming_the_place(tmp_path):
    path = tmp_path / "x.safetensors"
    ag.save({"ok": 1}, path)
    with pytest.raises(TypeError, match=r"cannot save a object at opt\.state"):
        ag.save({"opt": {"state": object()}}, path)
    with pytest.raises(TypeError, match="dict key"):
        ag.save({(1, ag.ones(1)): 1, ag.ones(1): 2}, path)
    # the failed saves left the old file intact and no temporary files behind
    assert ag.load(path) == {"ok": 1}
    assert os.listdir(tmp_path) == ["x.safetensors"]


def test_save_is_atomic_replacement(tmp_path, monkeypatch):
    path = tmp_path / "ckpt"
    ag.save({"v": ag.tensor([1.0])}, path)
    os.chmod(path, 0o640)
    calls = []
    real_replace = os.replace

    def spy(src, dst):
        calls.append((os.path.dirname(src), os.path.basename(src), dst))
        assert ag.load(src)["v"].tolist() == [2.0]  # fully written before the rename
        assert ag.load(dst)["v"].tolist() == [1.0]  # the old file untouched until then
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    ag.save({"v": ag.tensor([2.0])}, path)
    assert calls and calls[0][0] == str(tmp_path) and calls[0][1].endswith(".tmp")
    assert ag.load(path)["v"].tolist() == [2.0]
    assert oct(os.stat(path).st_mode & 0o777) == oct(0o640)
    assert os.listdir(tmp_path) == ["ckpt"]


# --- malformed files -----------------------------------------------------------------------------


def _file(header, body=b"", *, raw_header=None, length=None):
    text = raw_header if raw_header is not None else json.dumps(header).encode()
    size = len(text) if length is None else length
    return struct.pack("<Q", size) + text + body


ENTRY = {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}
MALFORMED = [
    (b"", "bad header length"),
    (b"\x01\x02\x03", "bad header length"),
    (_file({}, length=10**12), "bad header length"),
    (_file({}, length=0), "bad header length"),
    (_file(None, raw_header=b"{not json"), "invalid JSON"),
    (_file(None, raw_header=b"\xff\xfe"), "invalid JSON"),
    (_file(None, raw_header=b"[1, 2]"), "not an object"),
    (_file({"x": {**ENTRY, "dtype": "BF16"}}, b"\0" * 4), "unknown dtype"),
    (_file({"x": {**ENTRY, "dtype": "C64"}}, b"\0" * 8), "unknown dtype"),
    (_file({"x": ENTRY}, b"\0" * 4), "out of range"),
    (_file({"x": {**ENTRY, "data_offsets": [8, 0]}}, b"\0" * 8), "out of range"),
    (_file({"x": {**ENTRY, "shape": [3]}}, b"\0" * 8), "needs 12"),
    (_file({"x": {**ENTRY, "shape": [-2]}}, b"\0" * 8), "non-negative"),
    (_file({"x": {**ENTRY, "shape": [True, 2]}}, b"\0" * 8), "non-negative"),
    (_file({"x": {"dtype": "F32"}}, b""), "lacks"),
    (_file({"x": ENTRY, "y": {**ENTRY, "data_offsets": [4, 12]}}, b"\0" * 12), "overlapping"),
    (_file({"x": ENTRY, "y": {**ENTRY, "data_offsets": [12, 20]}}, b"\0" * 20), "gap"),
    (_file({"x": ENTRY}, b"\0" * 9), "trailing"),
    (_file({"__metadata__": {"a": 1}}), "__metadata__"),
    (_file({"__metadata__": {"arraygrad.sha256": "0" * 64}}), "checksum field is malformed"),
    (
        _file(None, raw_header=b'{"__metadata__":{"arraygrad.sha256":"' + b"1" * 64 + b'"}}'),
        "checksum mismatch",
    ),
    (_file({"__metadata__": {"arraygrad.structure": "1"}}), "checksum missing"),
    (_file({"[" * 100000: ENTRY}), "checkpoint"),
]


def _signed(structure: str) -> bytes:
    """A file whose checksum is right but whose structure is ``structure``."""
    import hashlib

    field = '"arraygrad.sha256":"{}"'
    header = {"__metadata__": {"arraygrad.structure": structure, "arraygrad.sha256": "0" * 64}}
    text = json.dumps(header, separators=(",", ":")).encode()
    digest = hashlib.sha256(text).hexdigest()
    text = text.replace(field.format("0" * 64).encode(), field.format(digest).encode())
    return _file(None, raw_header=text)


MALFORMED += [
    (_signed("{"), "invalid JSON structure"),
    (_signed('{"tensor": "nope"}'), "lacks"),
    (_signed('{"set": [1]}'), "unexpected entry"),
    (_signed('{"dict": [[1]]}'), "pair"),
    (_signed('{"dict": [[{"list": []}, 1]]}'), "hashable"),
    (_signed("[" * 100000 + "]" * 100000), "checkpoint"),
]


@pytest.mark.parametrize(
    ("data", "problem"), MALFORMED, ids=[f"{i}-{m[1]}" for i, m in enumerate(MALFORMED)]
)
def test_malformed_files_raise_clear_errors(tmp_path, data, problem):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(data)
    with pytest.raises(CheckpointError, match=problem) as info:
        ag.load(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_pickles_are_never_executed(tmp_path):
    marker = tmp_path / "executed"

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    for name in ("evil.pt", "evil.npz", "evil.safetensors"):
        path = tmp_path / name
        path.write_bytes(pickle.dumps({"x": Evil()}))
        with pytest.raises(CheckpointError):
            ag.load(path)
    path = tmp_path / "objects.npz"
    np.savez(path, x=np.array([Evil()], dtype=object))
    with pytest.raises(CheckpointError, match=r"not a valid \.npz"):
        ag.load(path)
    assert not marker.exists()


def _fuzz_source():
    opt, *_ = _trained_optimizer(ag.optim.RMSprop, lr=0.01, momentum=0.9, centered=True)
    return {"model": {"w": ag.randn(3, 2)}, "optimizer": opt.state_dict(), "epoch": 4}


def test_fuzzed_safetensors_always_raise_the_clear_error(tmp_path):
    path = tmp_path / "good.safetensors"
    ag.save(_fuzz_source(), path)
    good = path.read_bytes()
    rng = np.random.default_rng(0)
    bad = tmp_path / "bad.safetensors"
    cuts = sorted(set(rng.integers(0, len(good), size=150).tolist()) | {0, 7, 8, len(good) - 1})
    for cut in cuts:
        bad.write_bytes(good[:cut])
        with pytest.raises(CheckpointError):
            ag.load(bad)
    # every single-byte change is caught: structure checks, then the checksum
    for position in rng.integers(0, len(good), size=300).tolist():
        flipped = bytearray(good)
        flipped[position] ^= int(rng.integers(1, 256))
        bad.write_bytes(bytes(flipped))
        with pytest.raises(CheckpointError):
            ag.load(bad)


def test_fuzzed_npz_raise_the_clear_error_or_load(tmp_path):
    path = tmp_path / "good.npz"
    ag.save(_fuzz_source(), path)
    good = path.read_bytes()
    rng = np.random.default_rng(1)
    bad = tmp_path / "bad.npz"
    for cut in sorted(set(rng.integers(0, len(good), size=80).tolist()) | {0, 3, 4}):
        bad.write_bytes(good[:cut])
        with pytest.raises(CheckpointError):
            ag.load(bad)
    outcomes = {"error": 0, "loaded": 0}
    for position in rng.integers(0, len(good), size=200).tolist():
        flipped = bytearray(good)
        flipped[position] ^= int(rng.integers(1, 256))
        bad.write_bytes(bytes(flipped))
        try:
            ag.load(bad)  # a flip in zip bookkeeping NumPy ignores (timestamps) may load fine
            outcomes["loaded"] += 1
        except CheckpointError:
            outcomes["error"] += 1
    assert outcomes["error"] > 100  # zip CRCs and header checks catch most damage


def test_npz_member_errors(tmp_path):
    path = tmp_path / "x.npz"
    with zipfile.ZipFile(path, "w") as archive, archive.open("c.npy", "w") as member:
        np.lib.format.write_array(member, np.zeros(2, dtype=np.complex64))
    with pytest.raises(CheckpointError, match="unknown dtype"):
        ag.load(path)
