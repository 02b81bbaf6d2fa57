"""``arraygrad.hub``: PyTorch's ``torch.hub``, models and weights published as files.

A hub repository is a directory with a ``hubconf.py``: its public callables are the
*entrypoints* (:func:`list`, :func:`help`, :func:`load`), and its ``dependencies`` list names
the packages they need. :func:`load` takes such a directory (``source="local"``) or a GitHub
repository ``"owner/name[:ref]"`` (``source="github"``), which it downloads once into the hub
directory (:func:`get_dir`) and then reads from there, offline too. GitHub repositories go
through PyTorch's trust check (``trust_repo``) and the file ``trusted_list`` in the hub
directory, so an arraygrad and a torch hub directory can be the same one.

:func:`load_state_dict_from_url` downloads a checkpoint once into ``<hub dir>/checkpoints`` and
reads it with :func:`arraygrad.load`, which reads ``torch.save`` files: published PyTorch
weights load as they are.

The hub directory is what :func:`set_dir` set; else ``$ARRAYGRAD_HOME/hub``; else, as in
PyTorch, ``$TORCH_HOME/hub`` (a ``TORCH_HOME`` set for PyTorch shares its downloads with
arraygrad); else arraygrad's own cache, ``$XDG_CACHE_HOME/arraygrad/hub`` or
``~/.cache/arraygrad/hub`` (where PyTorch has ``torch`` in place of ``arraygrad``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import sys
import tempfile
import zipfile
from importlib import util as _importlib_util
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse
from urllib.request import Request, urlopen

if TYPE_CHECKING:
    import builtins
    from collections.abc import Callable
    from types import ModuleType

__all__ = [
    "download_url_to_file",
    "get_dir",
    "help",
    "list",
    "load",
    "load_state_dict_from_url",
    "set_dir",
]

ENV_ARRAYGRAD_HOME = "ARRAYGRAD_HOME"
ENV_TORCH_HOME = "TORCH_HOME"
ENV_XDG_CACHE_HOME = "XDG_CACHE_HOME"
DEFAULT_CACHE_DIR = "~/.cache"
MODULE_HUBCONF = "hubconf.py"
VAR_DEPENDENCY = "dependencies"
# The name of a published checkpoint carries the start of its SHA-256: "resnet18-f37072fd.pth".
HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")
# GitHub owners whose repositories need no confirmation (as in PyTorch).
_TRUSTED_OWNERS = ("facebookresearch", "facebookincubator", "pytorch", "fairinternal")
_CHUNK = 128 * 1024

_hub_dir: str | None = None


def get_dir() -> str:
    """The directory where hub repositories and checkpoints are kept (see the module's text
    for how it is chosen)."""
    if _hub_dir is not None:
        return _hub_dir
    for variable in (ENV_ARRAYGRAD_HOME, ENV_TORCH_HOME):
        home = os.getenv(variable)
        if home:
            return os.path.join(os.path.expanduser(home), "hub")
    cache = os.path.expanduser(os.getenv(ENV_XDG_CACHE_HOME, DEFAULT_CACHE_DIR))
    return os.path.join(cache, "arraygrad", "hub")


def set_dir(d: str | os.PathLike[str]) -> None:
    """Use ``d`` as the hub directory from now on."""
    global _hub_dir
    _hub_dir = os.path.expanduser(os.fspath(d))


# --- hubconf.py --------------------------------------------------------------------------------


def _import_hubconf(repo_dir: str) -> ModuleType:
    # The repository's directory is on sys.path while hubconf.py runs, so that it can import
    # the repository's other modules; the module is not kept in sys.modules, so two
    # repositories' hubconf files never mix.
    path = os.path.join(repo_dir, MODULE_HUBCONF)
    spec = _importlib_util.spec_from_file_location(MODULE_HUBCONF, path)
    assert spec is not None and spec.loader is not None
    module = _importlib_util.module_from_spec(spec)
    sys.path.insert(0, repo_dir)
    try:
        spec.loader.exec_module(module)
    finally:
        with contextlib.suppress(ValueError):  # (hubconf.py may have removed it)
            sys.path.remove(repo_dir)
    return module


def _check_dependencies(hubconf: ModuleType) -> None:
    wanted = getattr(hubconf, VAR_DEPENDENCY, None) or []
    missing = [name for name in wanted if _importlib_util.find_spec(name) is None]
    if missing:
        raise RuntimeError(f"Missing dependencies: {', '.join(missing)}")


def _entrypoint(hubconf: ModuleType, model: str) -> Callable[..., Any]:
    if not isinstance(model, str):
        raise ValueError("Invalid input: model should be a string of function name")
    _check_dependencies(hubconf)
    entry = getattr(hubconf, model, None)
    if entry is None or not callable(entry):
        raise RuntimeError(f"Cannot find callable {model} in hubconf")
    return entry  # type: ignore[no-any-return]


# --- GitHub repositories -----------------------------------------------------------------------


def _split_repo(github: str) -> tuple[str, str, str | None]:
    # "owner/name[:ref]"; an unpacking error for a string without "/" is PyTorch's too.
    if ":" in github:
        repo, ref = github.split(":", 1)
    else:
        repo, ref = github, None
    owner, name = repo.split("/")
    return owner, name, ref


def _open(url: str) -> Any:
    return urlopen(Request(url, headers={"User-Agent": "arraygrad.hub"}))


def _default_branch(owner: str, name: str, hub_dir: str) -> str:
    # GitHub says which branch is the default one; offline, a cached "main" or "master" does.
    import json

    try:
        with _open(f"https://api.github.com/repos/{owner}/{name}") as response:
            return str(json.load(response)["default_branch"])
    except OSError:
        for branch in ("main", "master"):
            if os.path.isdir(os.path.join(hub_dir, f"{owner}_{name}_{branch}")):
                return branch
        raise RuntimeError(
            "It looks like there is no internet connection and the repo could not be found in "
            f"the cache ({hub_dir})"
        ) from None


def _check_ref_exists(owner: str, name: str, ref: str) -> None:
    # A ref must be a branch or tag of this repository (not, say, a commit of a fork).
    import json

    for kind in ("branches", "tags"):
        page = 1
        while True:
            url = f"https://api.github.com/repos/{owner}/{name}/{kind}?per_page=100&page={page}"
            with _open(url) as response:
                entries = json.load(response)
            if not entries:
                break
            if any(entry["name"] == ref for entry in entries):
                return
            page += 1
    raise ValueError(
        f"Cannot find {ref} among the branches and tags of https://github.com/{owner}/{name}: "
        "to load a commit of a fork, name the fork's repository."
    )


def _check_trust(trust_repo: bool | str | None, owner: str, name: str, cached: bool) -> None:
    hub_dir = get_dir()
    os.makedirs(hub_dir, exist_ok=True)
    listing = os.path.join(hub_dir, "trusted_list")
    if not os.path.exists(listing):
        open(listing, "a").close()  # an empty list, as PyTorch leaves it
    with open(listing) as file:
        trusted_names = {line.strip() for line in file}
    key = f"{owner}_{name}"
    # A repository already in the cache predates the trust check and counts as trusted.
    trusted = key in trusted_names or owner in _TRUSTED_OWNERS or cached
    if trust_repo is False or (trust_repo == "check" and not trusted):
        answer = input(
            f"The repository {key} does not belong to the list of trusted repositories and as "
            "such cannot be downloaded. Do you trust this repository and wish to add it to the "
            "trusted list of repositories (y/N)?"
        )
        if answer.lower() not in ("y", "yes"):
            raise Exception("Untrusted repository.")
        if trusted:
            print("The repository is already trusted.")
            return
    elif trusted or trust_repo not in (True, None):
        return
    with open(listing, "a") as file:
        file.write(key + "\n")


def _download_repo(owner: str, name: str, ref: str, repo_dir: str, hub_dir: str) -> None:
    url = f"https://github.com/{owner}/{name}/zipball/{ref}"
    archive = os.path.join(hub_dir, ref.replace("/", "_") + ".zip")
    print(f'Downloading: "{url}" to {archive}')  # (on stdout, as PyTorch)
    download_url_to_file(url, archive, progress=False)
    try:
        with zipfile.ZipFile(archive) as zipped:
            top = zipped.infolist()[0].filename.split("/")[0]
            extracted = os.path.join(hub_dir, top)
            shutil.rmtree(extracted, ignore_errors=True)
            zipped.extractall(hub_dir)
    finally:
        os.remove(archive)
    shutil.rmtree(repo_dir, ignore_errors=True)
    shutil.move(extracted, repo_dir)


def _github_repo_dir(
    github: str,
    force_reload: bool,
    trust_repo: bool | str | None,
    verbose: bool = True,
    skip_validation: bool = False,
) -> str:
    hub_dir = get_dir()
    os.makedirs(hub_dir, exist_ok=True)
    owner, name, ref = _split_repo(github)
    if ref is None:
        ref = _default_branch(owner, name, hub_dir)
    repo_dir = os.path.join(hub_dir, f"{owner}_{name}_{ref.replace('/', '_')}")
    cached = os.path.isdir(repo_dir)
    _check_trust(trust_repo, owner, name, cached)
    if cached and not force_reload:
        if verbose:
            sys.stderr.write(f"Using cache found in {repo_dir}\n")
        return repo_dir
    if not skip_validation:
        _check_ref_exists(owner, name, ref)
    _download_repo(owner, name, ref, repo_dir, hub_dir)
    return repo_dir


def list(  # (PyTorch's name)
    github: str,
    force_reload: bool = False,
    skip_validation: bool = False,
    trust_repo: bool | str | None = "check",
    verbose: bool = True,
) -> builtins.list[str]:
    """The entrypoints of the GitHub repository ``github`` (``"owner/name[:ref]"``): the
    public callables of its ``hubconf.py``."""
    repo_dir = _github_repo_dir(github, force_reload, trust_repo, verbose, skip_validation)
    hubconf = _import_hubconf(repo_dir)
    return [
        entry
        for entry in dir(hubconf)
        if callable(getattr(hubconf, entry)) and not entry.startswith("_")
    ]


def help(  # (PyTorch's name)
    github: str,
    model: str,
    force_reload: bool = False,
    skip_validation: bool = False,
    trust_repo: bool | str | None = "check",
) -> str | None:
    """The docstring of the entrypoint ``model`` of the GitHub repository ``github``."""
    repo_dir = _github_repo_dir(github, force_reload, trust_repo, True, skip_validation)
    return _entrypoint(_import_hubconf(repo_dir), model).__doc__


def load(
    repo_or_dir: str,
    model: str,
    *args: Any,
    source: str = "github",
    trust_repo: bool | str | None = "check",
    force_reload: bool = False,
    verbose: bool = True,
    skip_validation: bool = False,
    **kwargs: Any,
) -> Any:
    """Call the entrypoint ``model`` of a hub repository with ``args`` and ``kwargs``.

    ``repo_or_dir`` is a GitHub repository ``"owner/name[:ref]"`` (``source="github"``,
    downloaded once into :func:`get_dir`) or a local directory (``source="local"``).
    """
    source = source.lower()
    if source not in ("github", "local"):
        raise ValueError(f'Unknown source: "{source}". Allowed values: "github" | "local".')
    if source == "github":
        repo_or_dir = _github_repo_dir(
            repo_or_dir, force_reload, trust_repo, verbose, skip_validation
        )
    return _entrypoint(_import_hubconf(repo_or_dir), model)(*args, **kwargs)


# --- files -------------------------------------------------------------------------------------


def download_url_to_file(
    url: str, dst: str, hash_prefix: str | None = None, progress: bool = True
) -> None:
    """Download ``url`` to the file ``dst``; with ``hash_prefix``, the file's SHA-256 must
    start with it. ``dst`` appears only once the download is complete and checked."""
    dst = os.path.expanduser(dst)
    digest = hashlib.sha256() if hash_prefix is not None else None
    # Written beside dst, then renamed: a failed or interrupted download leaves no dst.
    partial = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed below)
        delete=False, dir=os.path.dirname(os.path.abspath(dst)), suffix=".partial"
    )
    try:
        with _open(url) as response:
            length = response.headers.get("Content-Length") if response.headers else None
            total = int(length) if length else None
            done = 0
            while chunk := response.read(_CHUNK):
                partial.write(chunk)
                if digest is not None:
                    digest.update(chunk)
                done += len(chunk)
                if progress and total:
                    sys.stderr.write(f"\r{100.0 * done / total:.1f}%")
            if progress and total:
                sys.stderr.write("\n")
        partial.close()
        if digest is not None and hash_prefix is not None:
            found = digest.hexdigest()
            if found[: len(hash_prefix)] != hash_prefix:
                raise RuntimeError(f'invalid hash value (expected "{hash_prefix}", got "{found}")')
        shutil.move(partial.name, dst)
    finally:
        partial.close()
        if os.path.exists(partial.name):
            os.remove(partial.name)


def load_state_dict_from_url(
    url: str,
    model_dir: str | None = None,
    map_location: Any = None,
    progress: bool = True,
    check_hash: bool = False,
    file_name: str | None = None,
    weights_only: bool = False,
) -> dict[str, Any]:
    """The object saved at ``url``, downloaded once into ``model_dir`` (default
    ``<hub dir>/checkpoints``) and read with :func:`arraygrad.load`.

    With ``check_hash`` the file's SHA-256 must start with the hex digits between a ``-`` and
    a ``.`` in its name (``resnet18-f37072fd.pth``); ``file_name`` names the cached file. The
    cached file is read as it is (PyTorch also unpacks the zip archives of its oldest
    checkpoints, which arraygrad does not).
    """
    from arraygrad.serialization import load as load_file

    if model_dir is None:
        model_dir = os.path.join(get_dir(), "checkpoints")
    os.makedirs(model_dir, exist_ok=True)
    filename = file_name or os.path.basename(urlparse(url).path)
    cached_file = os.path.join(model_dir, filename)
    if not os.path.exists(cached_file):
        print(f'Downloading: "{url}" to {cached_file}')  # (on stdout, as PyTorch)
        hash_prefix = None
        if check_hash:
            match = HASH_REGEX.search(filename)
            hash_prefix = match.group(1) if match else None
        download_url_to_file(url, cached_file, hash_prefix, progress=progress)
    return load_file(  # type: ignore[no-any-return]
        cached_file, map_location=map_location, weights_only=weights_only
    )
