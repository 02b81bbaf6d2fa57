"""``arraygrad.hub`` against ``torch.hub``, offline: local hub directories, cached GitHub
repositories, ``file://`` and localhost downloads.

Both libraries get their own hub directory under ``tmp_path``; torch's is set back afterwards.
Wherever a library would reach GitHub, its ``urlopen`` is replaced by one that records the URL
and serves a local file (or fails as an offline machine does).
"""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import torch
import torch.hub

import arraygrad as ag
import arraygrad.hub

HUBCONF = '''"""A hub repository for the tests."""
dependencies = {deps!r}


def model(scale=1, **kwargs):
    """Doc of model."""
    return ("model", scale, kwargs)


def _private():
    return "private"


class Net:
    pass


helper = 3
'''
LIBS = (ag.hub, torch.hub)


@pytest.fixture
def hub_dirs(tmp_path: Path) -> Iterator[dict[ModuleType, Path]]:
    before = torch.hub.get_dir()
    dirs = {ag.hub: tmp_path / "ag_hub", torch.hub: tmp_path / "torch_hub"}
    for hub, path in dirs.items():
        hub.set_dir(path)
    yield dirs
    torch.hub.set_dir(before)
    ag.hub._hub_dir = None


def _write_repo(path: Path, deps: list[str]) -> Path:
    path.mkdir(parents=True)
    (path / "hubconf.py").write_text(HUBCONF.format(deps=deps))
    return path


def _outcome(call: Any) -> Any:
    try:
        return ("ok", call())
    except Exception as error:  # the exception's type and text are what is compared
        return (type(error).__name__, str(error))


def test_public_names_match_torch() -> None:
    assert sorted(ag.hub.__all__) == sorted(torch.hub.__all__)


_TORCH_DIRS = """
import json, os, torch.hub
out = []
for env in {cases!r}:
    for name in ("TORCH_HOME", "XDG_CACHE_HOME", "HOME"):
        os.environ.pop(name, None)
    os.environ.update(env)
    out.append(torch.hub.get_dir())
print(json.dumps(out))
"""


def test_get_dir_follows_torch_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cases = [
        {"TORCH_HOME": str(tmp_path / "th"), "XDG_CACHE_HOME": str(tmp_path / "x")},
        {"XDG_CACHE_HOME": str(tmp_path / "x")},
        {"HOME": str(tmp_path / "home")},
    ]
    # torch reads the environment until set_dir is called: a fresh process, for every test order.
    script = _TORCH_DIRS.format(cases=cases)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, check=True)
    torch_dirs = json.loads(done.stdout)
    monkeypatch.setattr(ag.hub, "_hub_dir", None)
    ours = []
    for env in cases:
        for name in ("TORCH_HOME", "XDG_CACHE_HOME", "ARRAYGRAD_HOME"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        ours.append(ag.hub.get_dir())
    # TORCH_HOME is shared; otherwise arraygrad's cache has its own name where torch has "torch".
    assert ours[0] == torch_dirs[0]
    assert [d.replace(os.sep + "arraygrad" + os.sep, os.sep + "torch" + os.sep) for d in ours] == (
        torch_dirs
    )
    monkeypatch.setenv("ARRAYGRAD_HOME", str(tmp_path / "ag"))
    assert ag.hub.get_dir() == str(tmp_path / "ag" / "hub")
    ag.hub.set_dir(tmp_path / "chosen")
    assert ag.hub.get_dir() == str(tmp_path / "chosen")


def test_load_local_directory_as_torch(tmp_path: Path) -> None:
    repo = _write_repo(tmp_path / "repo", ["numpy"])
    missing = _write_repo(tmp_path / "missing", ["numpy", "no_such_pkg_a", "no_such_pkg_b"])
    empty = tmp_path / "empty"
    empty.mkdir()
    cases = [
        (str(repo), "model", (2,), {"source": "local", "extra": 1}),
        (str(repo), "model", (), {"source": "LOCAL"}),
        (str(repo), "_private", (), {"source": "local"}),
        (str(repo), "nope", (), {"source": "local"}),
        (str(repo), "helper", (), {"source": "local"}),
        (str(repo), "model", (), {"source": "bogus"}),
        (str(missing), "model", (), {"source": "local"}),
        (str(empty), "model", (), {"source": "local"}),
    ]
    for repo_dir, model, args, kwargs in cases:
        outcomes = []
        for hub in LIBS:
            try:
                outcomes.append(("ok", hub.load(repo_dir, model, *args, **kwargs)))
            except Exception as error:
                outcomes.append((type(error).__name__, str(error)))
        assert outcomes[0] == outcomes[1], (model, kwargs)


def _fake_urlopen(seen: list[str], serve: Path | None) -> Any:
    # Records the URLs asked for; serves ``serve`` or fails as without a network.
    def urlopen(request: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(request.full_url if hasattr(request, "full_url") else str(request))
        if serve is None:
            raise urllib.error.URLError("offline")
        return urllib.request.urlopen(serve.as_uri())

    return urlopen


def test_cached_github_repo_works_offline(
    hub_dirs: dict[ModuleType, Path],
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    results = []
    for hub in LIBS:
        seen: list[str] = []
        monkeypatch.setattr(hub, "urlopen", _fake_urlopen(seen, None))
        _write_repo(hub_dirs[hub] / "owner_repo_main", ["numpy"])
        _write_repo(hub_dirs[hub] / "owner_other_master", ["numpy", "no_such_pkg"])
        _write_repo(hub_dirs[hub] / "owner_rev_feature_x", ["numpy"])
        capfd.readouterr()
        result = [
            _outcome(lambda h=hub: h.list("owner/repo:main")),
            _outcome(lambda h=hub: h.list("owner/repo", verbose=False)),  # asks, then main
            _outcome(lambda h=hub: h.list("owner/other", skip_validation=True)),  # master
            _outcome(lambda h=hub: h.list("owner/rev:feature/x", trust_repo=True)),
            _outcome(lambda h=hub: h.help("owner/repo:main", "model")),
            _outcome(lambda h=hub: h.help("owner/other:master", "model")),
            _outcome(lambda h=hub: h.load("owner/repo:main", "model", 3, key="v")),
            _outcome(lambda h=hub: h.load("owner/repo:main", "nope")),
            _outcome(lambda h=hub: h.list("owner/absent")),
            _outcome(lambda h=hub: h.list("noslash:main")),
        ]
        err = capfd.readouterr().err
        trusted = (hub_dirs[hub] / "trusted_list").read_text()
        results.append(repr((result, err, trusted)).replace(str(hub_dirs[hub]), "<hub>"))
    assert results[0] == results[1]
    assert results[0].startswith("([('ok', ['Net', 'model'])")
    assert "Using cache found in <hub>/owner_repo_main" in results[0]


def test_trust_check_as_torch(
    hub_dirs: dict[ModuleType, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    results = []
    for hub in LIBS:
        monkeypatch.setattr(hub, "urlopen", _fake_urlopen([], None))
        _write_repo(hub_dirs[hub] / "owner_cached_main", ["numpy"])
        answers = iter(["n", "y", "n", "y"])
        prompts: list[str] = []

        def answer(
            prompt: str, answers: Iterator[str] = answers, prompts: list[str] = prompts
        ) -> str:
            prompts.append(prompt)
            return next(answers)

        monkeypatch.setattr("builtins.input", answer)
        result = [
            _outcome(lambda h=hub: h.list("owner/cached:main", trust_repo=False)),  # n
            _outcome(lambda h=hub: h.list("owner/cached:main", trust_repo=False)),  # y
            _outcome(lambda h=hub: h.list("owner/new:main", skip_validation=True)),  # n
            _outcome(lambda h=hub: h.list("owner/yes:main", skip_validation=True)),  # y
            _outcome(
                lambda h=hub: h.list("owner/forced:main", skip_validation=True, trust_repo=True)
            ),
            _outcome(lambda h=hub: h.list("pytorch/anything:main", skip_validation=True)),
        ]
        results.append((result, prompts, (hub_dirs[hub] / "trusted_list").read_text()))
    assert results[0] == results[1]
    assert results[0][2] == "owner_yes\nowner_forced\n"


def test_github_download_as_torch(
    hub_dirs: dict[ModuleType, Path],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
) -> None:
    # GitHub's zipball: one top folder named after the commit, holding the repository.
    archive = tmp_path / "zipball.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("owner-repo-0123abc/", "")
        zipped.writestr("owner-repo-0123abc/hubconf.py", HUBCONF.format(deps=["numpy"]))
        zipped.writestr("owner-repo-0123abc/README.md", "readme")
    results = []
    for hub in LIBS:
        seen: list[str] = []
        capfd.readouterr()
        monkeypatch.setattr(hub, "urlopen", _fake_urlopen(seen, archive))
        listed = hub.list("owner/repo:v1.0", skip_validation=True, trust_repo=True)
        cached = sorted(os.listdir(hub_dirs[hub]))
        inside = sorted(os.listdir(hub_dirs[hub] / "owner_repo_v1.0"))
        monkeypatch.setattr(hub, "urlopen", _fake_urlopen(seen, None))
        offline = _outcome(
            lambda h=hub: h.list("owner/repo:v1.0", force_reload=True, skip_validation=True)
        )
        out, err = capfd.readouterr()
        printed = (out + err).replace(str(hub_dirs[hub]), "<hub>")
        results.append((listed, cached, inside, offline, seen, printed))
    assert results[0] == results[1]
    assert results[0][4][0] == "https://github.com/owner/repo/zipball/v1.0"


def _torch_file(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    # torch.save's archive names its records after the file, so the hash comes from a buffer.
    state = {"weight": torch.arange(6.0).reshape(2, 3), "step": torch.tensor(3)}
    buffer = io.BytesIO()
    torch.save(state, buffer)
    data = buffer.getvalue()
    path = tmp_path / "src" / f"weights-{hashlib.sha256(data).hexdigest()[:10]}.pth"
    path.parent.mkdir()
    path.write_bytes(data)
    return path, state


def test_load_state_dict_from_url_as_torch(
    hub_dirs: dict[ModuleType, Path], tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    path, state = _torch_file(tmp_path)
    wrong = path.with_name("weights-abcdef12.pth")
    wrong.write_bytes(path.read_bytes())
    results = []
    for hub in LIBS:
        capfd.readouterr()
        loaded = hub.load_state_dict_from_url(path.as_uri(), check_hash=True, progress=False)
        values = {key: value.tolist() for key, value in loaded.items()}
        bad = _outcome(lambda h=hub: h.load_state_dict_from_url(wrong.as_uri(), check_hash=True))
        named = hub.load_state_dict_from_url(
            path.as_uri(), model_dir=str(hub_dirs[hub] / "mine"), file_name="w.pt"
        )
        missing = _outcome(lambda h=hub: h.load_state_dict_from_url(path.as_uri() + ".gone"))
        out, err = capfd.readouterr()
        err = (out + "|" + err).replace(str(hub_dirs[hub]), "<hub>")
        listing = sorted(
            str(p.relative_to(hub_dirs[hub])) for p in hub_dirs[hub].rglob("*") if p.is_file()
        )
        results.append(
            (values, bad[0], bad[1][:40], named["step"].item(), missing[0], err, listing)
        )
    assert results[0] == results[1]
    assert results[0][0] == {key: value.tolist() for key, value in state.items()}
    # The cached file is read from now on, whatever the URL now serves.
    path.write_bytes(b"garbage")
    again = ag.hub.load_state_dict_from_url(path.as_uri(), progress=False)
    assert again["weight"].tolist() == state["weight"].tolist()


@pytest.fixture
def http_root(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    root = tmp_path / "served"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, *args: Any) -> None:
            pass

    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    except OSError:
        pytest.skip("no localhost sockets here")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root
    server.shutdown()
    server.server_close()


def test_download_url_to_file_over_http_as_torch(
    http_root: tuple[str, Path], tmp_path: Path
) -> None:
    base, root = http_root
    data = os.urandom(300_000)
    (root / "blob.bin").write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    results = []
    for hub in LIBS:
        out = tmp_path / f"out_{hub.__name__}"
        out.mkdir()
        good = _outcome(
            lambda h=hub, o=out: h.download_url_to_file(
                f"{base}/blob.bin", str(o / "good.bin"), hash_prefix=digest[:8], progress=False
            )
        )
        bad = _outcome(
            lambda h=hub, o=out: h.download_url_to_file(
                f"{base}/blob.bin", str(o / "bad.bin"), hash_prefix="0000", progress=False
            )
        )
        absent = _outcome(
            lambda h=hub, o=out: h.download_url_to_file(
                f"{base}/absent.bin", str(o / "absent.bin"), progress=False
            )
        )
        results.append((good, bad, absent[0], sorted(os.listdir(out))))
        assert (out / "good.bin").read_bytes() == data
    assert results[0] == results[1]
    assert results[0][1] == (
        "RuntimeError",
        f'invalid hash value (expected "0000", got "{digest}")',
    )


def test_hub_is_imported_on_first_use() -> None:
    code = (
        "import sys, arraygrad; assert 'arraygrad.hub' not in sys.modules; arraygrad.hub.get_dir()"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert isinstance(arraygrad.hub.get_dir(), str)
