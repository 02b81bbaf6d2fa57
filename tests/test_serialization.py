"""Checkpoints: bitwise round trips, the safetensors and npz layouts, atomic saves, and clear
errors (never a crash, a hang or unpickling) for truncated, corrupted or hostile files."""

from __future__ import annotations

import io
import json
import os
import pickle
import struct
import warnings
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


@pytest.mark.parametrize("suffix", [".pt", ".npz"])
def test_parameters_load_as_parameters_as_torch(tmp_path, suffix):
    # A saved nn.Parameter used to come back as a plain Tensor (torch.load gives a Parameter).
    import torch

    def kinds(value):
        if isinstance(value, dict):
            return {key: kinds(item) for key, item in value.items()}
        if isinstance(value, list):
            return [kinds(item) for item in value]
        return (type(value).__name__, value.requires_grad, value.dtype.is_floating_point)

    results = []
    for lib in (torch, ag):
        weight = lib.nn.Parameter(lib.ones(2))
        frozen = lib.nn.Parameter(lib.arange(3), requires_grad=False)
        tree = {
            "weight": weight,
            "frozen": frozen,
            "tied": [weight],
            "plain": lib.ones(1),
            "leaf": lib.ones(1, requires_grad=True),
            "state": lib.nn.Linear(2, 1).state_dict(),  # its tensors are plain (detached)
            "vars": lib.nn.Linear(2, 1).state_dict(keep_vars=True),
        }
        path = tmp_path / f"{lib.__name__}{suffix}"
        lib.save(tree, path)
        loaded = lib.load(path)
        assert loaded["tied"][0] is loaded["weight"]
        results.append(kinds(loaded))
    assert results[1] == results[0]


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
        np.lib.format.write_array(member, np.zeros(2, dtype=np.uint16))
    with pytest.raises(CheckpointError, match="unknown dtype"):
        ag.load(path)


# --- checkpoints written by torch.save ---------------------------------------------------------

torch = pytest.importorskip("torch")


def _same(ours, theirs, where="top", versions=True):
    """``ours`` (arraygrad.load's result) is what torch.load gave: the same types, tensors with
    the same dtype, values (bitwise), shape, strides, storage offset, requires_grad and
    (``versions``: ``theirs`` is torch.load's too) version."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, ag.Tensor), where
        assert isinstance(ours, ag.nn.Parameter) == isinstance(theirs, torch.nn.Parameter), where
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1], where
        assert tuple(ours.shape) == tuple(theirs.shape), where
        assert ours.stride() == theirs.stride(), where
        # A Parameter starts its own memory; an empty view has no element to place.
        if not isinstance(ours, ag.nn.Parameter) and theirs.numel():
            assert ours.storage_offset() == theirs.storage_offset(), where
        assert ours.requires_grad == theirs.requires_grad, where
        # torch.load's tensors are at version 1 (each rebuilt by a set_()), views included
        assert not versions or ours._version == theirs._version, where
        assert _bits(ours) == _bits(theirs.detach()), where
    elif isinstance(theirs, (dict, list, tuple, set)) and not isinstance(theirs, torch.Size):
        assert type(ours) is type(theirs), where
        assert len(ours) == len(theirs), where
        if isinstance(theirs, dict):
            assert list(ours) == list(theirs), where
            for key in theirs:
                _same(ours[key], theirs[key], f"{where}.{key}", versions)
            if hasattr(theirs, "_metadata"):
                assert ours._metadata == theirs._metadata, where
        elif isinstance(theirs, set):
            assert ours == theirs, where
        else:
            for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
                _same(a, b, f"{where}.{i}", versions)
    elif isinstance(theirs, torch.Size):
        assert isinstance(ours, ag.Size) and tuple(ours) == tuple(theirs), where
    elif isinstance(theirs, (torch.dtype, torch.device)):
        assert str(ours).split(".")[-1] == str(theirs).split(".")[-1], where
    else:
        assert type(ours) is type(theirs), where
        assert ours == theirs or (ours != ours and theirs != theirs), where


def _torch_modules():
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(2, 3, 3, padding=1)
    bn = torch.nn.BatchNorm2d(3)
    bn(torch.randn(4, 3, 5, 5))  # running stats and num_batches_tracked (int64) move
    lstm = torch.nn.LSTM(3, 4, num_layers=2)
    return {"linear": torch.nn.Linear(4, 2), "conv": conv, "bn": bn.eval(), "lstm": lstm}


def _torch_optimizer_state():
    torch.manual_seed(1)
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.Adam(model.parameters(), lr=0.01, amsgrad=True)
    for _ in range(2):
        opt.zero_grad()
        model(torch.randn(5, 3)).pow(2).sum().backward()
        opt.step()
    return opt.state_dict()


def _torch_cases():
    storage = torch.arange(24.0)
    matrix = torch.arange(12, dtype=torch.float64).reshape(3, 4)
    cases = {name: module.state_dict() for name, module in _torch_modules().items()}
    cases["optimizer"] = _torch_optimizer_state()
    cases["nested"] = {
        "epoch": 3,
        "loss": 0.25,
        "best": float("inf"),
        "name": "run-1",
        "note": None,
        "flags": [True, False, 2**70],
        "pair": (1, (2.5, "x")),
        "ids": {1, 2},
        "blob": b"\x00\xff",
        "z": 1 + 2j,
        "size": torch.Size([2, 3]),
        "dtype": torch.float16,
        "device": torch.device("cpu"),
        "model": {"w": torch.ones(2)},
    }
    cases["layouts"] = {
        "transposed": matrix.t(),
        "sliced": matrix[1:, ::2],
        "column": matrix[:, 1],
        "expanded": torch.tensor([1.0, 2.0]).expand(3, 2),
        "prefix": storage[:5],  # the whole 24-element storage is saved
        "scalar": torch.tensor(2.5),
        "int_scalar": torch.tensor(7),
        "empty": torch.zeros(0, 3),
        "empty_slice": storage[3:3],
    }
    cases["shared"] = {
        "all": storage,
        "rows": storage.view(4, 6)[1:3],
        "t": storage.view(4, 6).t(),
        "again": storage,  # the same tensor twice: one object after loading
    }
    cases["dtypes"] = {
        str(d).split(".")[-1]: torch.tensor([[1, 0], [3, 1]]).to(d)[:, :1]
        for d in (
            torch.float16,
            torch.float32,
            torch.float64,
            torch.int8,
            torch.uint8,
            torch.int16,
            torch.int32,
            torch.int64,
            torch.bool,
        )
    }
    cases["grads"] = {
        "param": torch.nn.Parameter(torch.randn(2, 2)),
        "frozen": torch.nn.Parameter(torch.randn(2), requires_grad=False),
        "leaf": torch.randn(3, requires_grad=True),
        "param_view": torch.nn.Parameter(storage[2:6].clone()),
    }
    return cases


TORCH_CASES = _torch_cases()


@pytest.mark.parametrize("protocol", [2, 4])
@pytest.mark.parametrize("case", list(TORCH_CASES))
def test_torch_checkpoints_load_as_torch_loads_them(tmp_path, case, protocol):
    path = tmp_path / "ckpt.pt"
    torch.save(TORCH_CASES[case], path, pickle_protocol=protocol)
    # torch's own weights_only reader refuses protocol 4's FRAME opcode: these files are ours
    expected = torch.load(path, weights_only=protocol == 2)
    _same(ag.load(path), expected)
    with open(path, "rb") as file:  # file objects as well as paths
        _same(ag.load(file, map_location="cpu", weights_only=True), expected)


def test_torch_checkpoint_named_npz_is_still_torch(tmp_path):
    path = tmp_path / "weights.npz"  # the archive's members decide, not the suffix
    torch.save({"w": torch.ones(2)}, path)
    _same(ag.load(path), torch.load(path))


def test_torch_views_of_one_storage_share_memory(tmp_path):
    path = tmp_path / "views.pt"
    torch.save(TORCH_CASES["shared"], path)
    loaded = ag.load(path)
    assert loaded["again"] is loaded["all"]
    assert loaded["rows"]._base is loaded["t"]._base is loaded["all"]._base is not None
    with ag.no_grad():
        loaded["all"][7] = -1.0  # as in PyTorch, one write shows in every view of the storage
    assert loaded["rows"][0, 1].item() == -1.0 and loaded["t"][1, 1].item() == -1.0
    # a tensor alone on its storage, in C order, is an ordinary tensor
    torch.save({"w": torch.ones(2, 3)}, path)
    assert ag.load(path)["w"]._base is None


def test_torch_state_dicts_load_into_arraygrad_modules(tmp_path):
    modules = _torch_modules()
    ours = {
        "linear": ag.nn.Linear(4, 2),
        "conv": ag.nn.Conv2d(2, 3, 3, padding=1),
        "bn": ag.nn.BatchNorm2d(3).eval(),
        "lstm": ag.nn.LSTM(3, 4, num_layers=2),
    }
    rng = np.random.default_rng(2)
    inputs = {
        "linear": rng.normal(size=(5, 4)),
        "conv": rng.normal(size=(2, 2, 6, 6)),
        "bn": rng.normal(size=(2, 3, 4, 4)),
        "lstm": rng.normal(size=(6, 2, 3)),
    }
    for name, module in modules.items():
        path = tmp_path / f"{name}.pt"
        torch.save(module.state_dict(), path)
        ours[name].load_state_dict(ag.load(path))
        x = inputs[name].astype(np.float32)
        with torch.no_grad(), ag.no_grad():
            expected, got = module(torch.tensor(x)), ours[name](ag.tensor(x))
        if name == "lstm":
            expected, got = expected[0], got[0]
        np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-5, atol=1e-6)


class _Exploit:
    def __reduce__(self):
        return (os.system, ("echo pwned > /dev/null",))


def test_malicious_torch_checkpoints_are_refused(tmp_path, monkeypatch):
    path = tmp_path / "evil.pt"
    torch.save({"w": torch.ones(1), "x": _Exploit()}, path)
    calls = []
    monkeypatch.setattr(os, "system", lambda *args: calls.append(args))
    with pytest.raises(pickle.UnpicklingError) as oracle:
        torch.load(path, weights_only=True)
    assert "posix.system" in str(oracle.value)
    with pytest.raises(CheckpointError, match=r"unsupported GLOBAL posix\.system") as info:
        ag.load(path)
    assert isinstance(info.value, pickle.UnpicklingError)  # torch's class for weights_only
    assert str(path) in str(info.value)
    # a whole module object (torch.save(model)) is refused, naming its class
    torch.save(torch.nn.Linear(2, 2), path)
    with pytest.raises(CheckpointError, match=r"torch\.nn\.modules\.linear\.Linear"):
        ag.load(path)
    assert calls == []


def _torch_zip_with(tmp_path, pickled: bytes, storages=None):
    path = tmp_path / "crafted.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", pickled)
        archive.writestr("archive/byteorder", "little")
        for key, data in (storages or {}).items():
            archive.writestr(f"archive/data/{key}", data)
    return path


def test_crafted_pickles_cannot_change_objects_or_build_instances(tmp_path):
    # BUILD on the float32 dtype (a global singleton) would set its slots
    proto = b"\x80\x02"
    build = proto + b"ctorch\nfloat32\n}(X\x08\x00\x00\x00itemsizeK\x01ub."
    build_slots = proto + b"ctorch\nfloat32\nN}X\x04\x00\x00\x00nameX\x01\x00\x00\x00xs\x86b."
    newobj = proto + b"ccollections\nOrderedDict\n)\x81."
    for pickled, problem in ((build, "BUILD"), (build_slots, "BUILD"), (newobj, "NEWOBJ")):
        with pytest.raises(CheckpointError, match=problem):
            ag.load(_torch_zip_with(tmp_path, pickled))
    assert ag.float32.itemsize == 4 and ag.float32.name == "float32"
    # a persistent id naming a storage of the wrong size
    torch.save({"w": torch.ones(3)}, tmp_path / "ok.pt")
    with zipfile.ZipFile(tmp_path / "ok.pt") as archive:
        pickled = archive.read("ok/data.pkl")  # torch names the folder after the file
    with pytest.raises(CheckpointError, match="has 8 bytes"):
        ag.load(_torch_zip_with(tmp_path, pickled, {"0": b"\0" * 8}))
    with pytest.raises(CheckpointError, match="missing"):
        ag.load(_torch_zip_with(tmp_path, pickled))


@pytest.mark.parametrize("dtype", ["complex32", "uint16", "float8_e4m3fn"])
def test_torch_dtypes_arraygrad_lacks_are_named(tmp_path, dtype):
    path = tmp_path / "x.pt"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch's "ComplexHalf is experimental"
        torch.save({"w": torch.zeros(2, dtype=getattr(torch, dtype))}, path)
    with pytest.raises(CheckpointError, match=rf"dtype torch\.{dtype}, which arraygrad"):
        ag.load(path)


def test_torch_checkpoints_with_complex_tensors(tmp_path):
    path = tmp_path / "complex.pt"
    z = torch.tensor([[1 + 2j, 3 - 1j], [0.5j, -2 + 0j]], dtype=torch.complex128)
    tree = {"z": z, "t": z.t(), "row": z.to(torch.complex64)[1]}
    tree["p"] = torch.nn.Parameter(z.to(torch.complex64))
    torch.save(tree, path)
    loaded = ag.load(path)
    for name, value in tree.items():
        mine = loaded[name]
        assert str(mine.dtype).split(".")[-1] == str(value.dtype).split(".")[-1]
        assert mine.tolist() == value.tolist()
        assert mine.requires_grad == value.requires_grad


def test_big_endian_torch_checkpoints(tmp_path):
    path = tmp_path / "little.pt"
    tree = {
        "f": torch.arange(6.0).reshape(2, 3).t(),
        "i": torch.tensor([1, -2]),
        "h": torch.ones(2),
    }
    tree["h"] = tree["h"].half()
    torch.save(tree, path)
    big = tmp_path / "big.pt"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(big, "w") as target:
        sizes = {"0": 4, "1": 8, "2": 2}
        for info in source.infolist():
            data = source.read(info)
            key = info.filename.rsplit("/", 1)[-1]
            if info.filename.endswith("/byteorder"):
                data = b"big"
            elif "/data/" in info.filename and key in sizes:
                data = np.frombuffer(data, f"u{sizes[key]}").byteswap().tobytes()
            target.writestr(info, data)
    _same(ag.load(big), torch.load(big, weights_only=True))
    _same(ag.load(big), tree, versions=False)


def test_legacy_and_damaged_torch_files_raise_clear_errors(tmp_path):
    path = tmp_path / "legacy.pt"
    torch.save({"w": torch.ones(2)}, path, _use_new_zipfile_serialization=False)
    with pytest.raises(CheckpointError, match="legacy format") as info:
        ag.load(path)
    assert "_use_new_zipfile_serialization" in str(info.value)
    torch.save(TORCH_CASES["optimizer"], path)
    good = path.read_bytes()
    rng = np.random.default_rng(3)
    for cut in sorted(set(rng.integers(0, len(good), size=40).tolist())):
        path.write_bytes(good[:cut])
        with pytest.raises(CheckpointError):
            ag.load(path)
    with zipfile.ZipFile(io.BytesIO(good)) as archive:
        pickled = archive.read("legacy/data.pkl")
    for cut in range(0, len(pickled), 7):
        with pytest.raises(CheckpointError):
            ag.load(_torch_zip_with(tmp_path, pickled[:cut]))


@pytest.mark.parametrize("member", ["data.pkl", "byteorder", "data/0"])
def test_torch_checkpoint_with_a_damaged_member_raises_checkpoint_error(tmp_path, member):
    # zipfile raises BadZipFile (no ValueError) for a member whose bytes fail their CRC-32
    path = tmp_path / "flipped.pt"
    torch.save({"w": torch.arange(4.0)}, path)
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(f"flipped/{member}")
        assert info.compress_type == zipfile.ZIP_STORED  # torch.save does not compress
    data = bytearray(path.read_bytes())
    # the member's bytes follow its 30-byte local header, file name and extra field
    name_length, extra_length = struct.unpack("<HH", data[info.header_offset + 26 :][:4])
    start = info.header_offset + 30 + name_length + extra_length
    data[start + info.file_size - 1] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match=rf"damaged archive member 'flipped/{member}'"):
        ag.load(path)


@pytest.mark.parametrize("suffix", [".pt", ".npz"])
def test_loaded_tensors_are_at_version_one_as_torch_loads(tmp_path, suffix):
    # arraygrad.load gave version 0 where torch.load gives 1 (it rebuilds every tensor by a
    # set_() of the storage it read); the module's parameters count the copy into them too.
    path = tmp_path / f"state{suffix}"
    model, twin = ag.nn.Linear(3, 2), ag.nn.Linear(3, 2)
    ag.save({"sd": model.state_dict(), "x": ag.ones(4), "i": ag.tensor([1, 2])}, path)
    expected = torch.nn.Linear(3, 2)
    theirs = tmp_path / "state.torch"
    torch.save({"sd": expected.state_dict(), "x": torch.ones(4)}, theirs)
    reference = torch.load(theirs)
    loaded = ag.load(path)
    assert loaded["x"]._version == reference["x"]._version == 1
    assert loaded["i"]._version == 1
    assert [t._version for t in loaded["sd"].values()] == [
        t._version for t in reference["sd"].values()
    ]
    before = twin.weight._version
    twin.load_state_dict(loaded["sd"])
    assert twin.weight._version == before + 1
    assert type(loaded["x"].add_(1)) is ag.Tensor and loaded["x"]._version == 2
    with ag.inference_mode():  # loaded inside inference mode: inference tensors, no version
        inside = ag.load(path)["x"]
    assert inside.is_inference()
    with pytest.raises(RuntimeError, match="Inference tensors do not track version counter"):
        inside._version  # noqa: B018


def test_unpickled_and_loaded_tensors_carry_numpys_own_dtype_objects(tmp_path):
    # An unpickled NumPy array (a DataLoader worker's batch) carries a dtype object equal to
    # NumPy's own but another object; arraygrad's fast paths know dtypes by identity, so such a
    # tensor, and every result computed from it, took the general paths on every op.
    tensors = [ag.tensor([1.0, 2.0]), ag.tensor([1 + 2j]), ag.tensor([3], dtype=ag.int64)]
    for t in pickle.loads(pickle.dumps(tensors)):
        assert t._data.dtype is np.dtype(t._data.dtype.name)
        assert (t + t)._data.dtype is np.dtype(t._data.dtype.name)
    path = tmp_path / "tensors.pt"
    torch.save({"f": torch.arange(3.0), "z": torch.tensor([1j])}, path)
    for t in ag.load(path).values():
        assert t._data.dtype is np.dtype(t._data.dtype.name)
    ag.save({"f": ag.arange(3.0)}, tmp_path / "own.pt")
    assert ag.load(tmp_path / "own.pt")["f"]._data.dtype is np.dtype(np.float32)


@pytest.mark.parametrize("data", [b"not a checkpoint", b"", b"\x80\x04\x95", b"x" * 20])
def test_files_that_are_not_zip_archives_raise_torchs_classes(data):
    # Regression: only a CheckpointError (a ValueError), where torch.load, which reads a file
    # that is not a zip archive as a pickle, raises pickle.UnpicklingError (EOFError if empty).
    with pytest.raises(Exception) as theirs:
        torch.load(io.BytesIO(data))
    with pytest.raises(theirs.type) as mine:
        ag.load(io.BytesIO(data))
    assert isinstance(mine.value, CheckpointError)


@pytest.mark.parametrize("cut", [1, 9])
def test_a_damaged_arraygrad_checkpoint_is_a_checkpoint_error_not_a_pickle_one(cut):
    # Regression (review of leftovers14): a truncated checkpoint in arraygrad's own format
    # (safetensors) was raised as the UnpicklingError meant for foreign files.
    buffer = io.BytesIO()
    ag.save({"x": ag.ones(2)}, buffer)
    with pytest.raises(CheckpointError) as info:
        ag.load(io.BytesIO(buffer.getvalue()[:-cut]))
    assert not isinstance(info.value, pickle.UnpicklingError)
