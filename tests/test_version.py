"""arraygrad.version against torch 2.13.0's torch.version (CPU build)."""

from __future__ import annotations

import torch

import arraygrad as ag


def test_toolkit_versions_are_those_of_a_cpu_build() -> None:
    for name in ("cuda", "hip", "debug"):
        assert getattr(ag.version, name) == getattr(torch.version, name), name
    assert isinstance(ag.version.git_version, str)


def test_one_version_string() -> None:
    assert ag.version.__version__ == ag.__version__
    assert isinstance(ag.__version__, str) and ag.__version__.count(".") == 2
