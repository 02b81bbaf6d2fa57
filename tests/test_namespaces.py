"""arraygrad's public namespaces hold PyTorch's names and arraygrad's own additions, nothing else.

For each namespace, the public names (no leading underscore) that torch's namespace of the same
path lacks must be exactly the additions listed below. A helper imported for a module's own use
(``arraygrad.linalg.describe``), or a name torch keeps in another namespace
(``torch.inverse``, not ``torch.linalg.inverse``), fails here: it shows up in tab completion and
lets code run on arraygrad that raises AttributeError on PyTorch.
"""

from __future__ import annotations

import contextlib
import importlib
import pkgutil
import types

import pytest
import torch

import arraygrad

# The namespaces PyTorch programs reach by attribute. The modules that only define what these
# export (optim.adam, nn.modules.conv, distributions.gamma, ...) are not checked.
NAMESPACES = (
    "",
    "nn",
    "nn.functional",
    "nn.init",
    "nn.utils",
    "nn.utils.rnn",
    "nn.utils.parametrize",
    "nn.utils.parametrizations",
    "nn.utils.prune",
    "nn.utils.stateless",
    "nn.parallel",
    "nn.attention",
    "nn.attention.flex_attention",
    "optim",
    "optim.lr_scheduler",
    "optim.swa_utils",
    "autograd",
    "autograd.functional",
    "autograd.forward_ad",
    "autograd.graph",
    "autograd.profiler",
    "linalg",
    "special",
    "fft",
    "amp",
    "cpu",
    "cuda",
    "mps",
    "accelerator",
    "utils",
    "utils.data",
    "utils.checkpoint",
    "utils.hooks",
    "utils.dlpack",
    "utils.benchmark",
    "distributions",
    "distributions.constraints",
    "distributions.transforms",
    "distributions.kl",
    "testing",
    "func",
    "profiler",
    "backends",
    "backends.cpu",
    "backends.cuda",
    "backends.cudnn",
    "backends.mkldnn",
    "backends.mps",
    "backends.openmp",
    "random",
    "signal",
    "signal.windows",
    "types",
    "serialization",
    "hub",
    "jit",
    "multiprocessing",
    "compiler",
    "distributed",
    "version",
    "return_types",
)

# arraygrad's own public names, per namespace ("" is arraygrad itself), each with its reason.
ADDITIONS: dict[str, dict[str, str]] = {
    "": {
        "cli": "the `arraygrad` command (README: `arraygrad explain`), bound once imported",
        "get_backend": "the array library arraygrad computes on, as set_backend set it",
        "set_backend": "computes on NumPy, array_api_strict, CuPy or Dask (README, Design)",
        "get_printoptions": "reads back set_printoptions (torch keeps it in torch._tensor_str)",
        "viz": "graph pictures: viz.render and viz.to_dot (README)",
    },
    "autograd": {
        "GradientReport": "what check_gradient returns",
        "check_gradient": "compares a hand-written gradient with autograd's (README, docs)",
        "engine": "the backward engine (README, Design), which Tensor.backward reads here",
        "explain": "the backward pass in words, one step per node (README, docs)",
    },
    "serialization": {
        "CheckpointError": "the ValueError load raises for a truncated or corrupt file",
    },
    "hub": {
        "ENV_ARRAYGRAD_HOME": "the variable README names for the hub directory, before TORCH_HOME",
    },
}

# Module constants of the typing idioms, not API: ``from __future__ import annotations`` binds
# ``annotations`` in every module that postpones its annotations, and ``TYPE_CHECKING`` guards
# the imports only the annotations read.
TYPING_CONSTANTS = frozenset({"annotations", "TYPE_CHECKING"})


def _full(namespace: str, root: str) -> str:
    return f"{root}.{namespace}" if namespace else root


@pytest.fixture(scope="module", autouse=True)
def _every_module_imported() -> None:
    """Import every public module of arraygrad, and torch's of the same path: importing a
    module binds it on its package, so each side is compared with all of its modules bound,
    whichever other tests ran first."""
    for info in pkgutil.walk_packages(arraygrad.__path__, "arraygrad."):
        parts = info.name.split(".")[1:]
        if any(part.startswith("_") for part in parts):  # private, and __main__ runs the CLI
            continue
        importlib.import_module(info.name)
        with contextlib.suppress(ImportError):
            importlib.import_module("torch." + ".".join(parts))


def _extra_names(namespace: str) -> set[str]:
    """Public names of ``arraygrad.<namespace>`` that ``torch.<namespace>`` lacks."""
    mine = importlib.import_module(_full(namespace, "arraygrad"))
    theirs = importlib.import_module(_full(namespace, "torch"))
    # (not identifiers: the @py_builtins pytest's assertion rewriting adds to a module passed to
    # it by path, for its doctests)
    return {
        name
        for name in dir(mine)
        if name.isidentifier()
        and not name.startswith("_")
        and name not in TYPING_CONSTANTS
        and not hasattr(theirs, name)
    }


@pytest.mark.parametrize("namespace", NAMESPACES, ids=lambda n: n or "arraygrad")
def test_public_names_are_torchs_or_listed_additions(namespace: str) -> None:
    extra = _extra_names(namespace)
    expected = set(ADDITIONS.get(namespace, {}))
    module = _full(namespace, "arraygrad")
    leaked = sorted(extra - expected)
    assert not leaked, (
        f"{module} has public names {_full(namespace, 'torch')} lacks: {leaked}. Fix: import a "
        f"helper privately (`from m import name as _name`, or its module), or list a deliberate "
        f"addition in ADDITIONS with its reason."
    )
    assert extra == expected, f"listed for {module} but not there: {sorted(expected - extra)}"


def test_every_listed_addition_is_arraygrads_own() -> None:
    for namespace, additions in ADDITIONS.items():
        assert namespace in NAMESPACES, namespace
        mine = importlib.import_module(_full(namespace, "arraygrad"))
        theirs = importlib.import_module(_full(namespace, "torch"))
        for name, reason in additions.items():
            assert hasattr(mine, name) and not hasattr(theirs, name), (namespace, name)
            assert reason, (namespace, name)


def test_helpers_are_gone_where_torch_has_none() -> None:
    # PyTorch's AttributeError, not a helper that happens to run: code that passes here runs on
    # torch too.
    for name in ("abs", "describe", "inverse", "pinverse"):
        with pytest.raises(AttributeError):
            getattr(arraygrad.linalg, name)
    with pytest.raises(AttributeError):
        arraygrad.special.lgamma  # noqa: B018
    with pytest.raises(AttributeError):
        arraygrad.optim.adam  # noqa: B018 (torch.optim unbinds its modules)
    assert isinstance(importlib.import_module("arraygrad.optim.adam"), types.ModuleType)
    assert repr(arraygrad.distributions.constraints.interval(0.0, 1.0)) == repr(
        torch.distributions.constraints.interval(0.0, 1.0)
    )
