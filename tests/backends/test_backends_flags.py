"""arraygrad.backends against torch 2.13.0 (CPU build) as a black box: the flags' defaults,
that they hold what is set, the exceptions for non-bools, and the availability answers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import torch

import arraygrad as ag


def _outcome(action: Any) -> tuple[str, str]:
    try:
        return ("ok", repr(action()))
    except Exception as error:  # the class and text are what is compared
        return (type(error).__name__, str(error))


def _same(mine: tuple[str, str], theirs: tuple[str, str]) -> bool:
    """The same outcome: the same class, and torch's words first (arraygrad's message may then
    name the fix)."""
    if "ok" in (mine[0], theirs[0]):
        return mine == theirs
    return mine[0] == theirs[0] and mine[1].startswith(theirs[1])


@pytest.fixture(autouse=True)
def _restore() -> Iterator[None]:
    """Put every flag these tests touch back to its default, in both libraries."""
    yield
    for lib in (torch, ag):
        for name, value in [
            ("enabled", True),
            ("benchmark", False),
            ("deterministic", False),
            ("allow_tf32", True),
        ]:
            setattr(lib.backends.cudnn, name, value)
        lib.backends.mkldnn.enabled = True
        lib.backends.mkldnn.deterministic = False
        matmul = lib.backends.cuda.matmul
        matmul.allow_fp16_reduced_precision_reduction = True
        matmul.allow_bf16_reduced_precision_reduction = True
        matmul.allow_fp16_accumulation = False
        lib.set_float32_matmul_precision("highest")
        for kind in ("flash", "mem_efficient", "math", "cudnn"):
            getattr(lib.backends.cuda, f"enable_{kind}_sdp")(True)


CUDNN_FLAGS = ["enabled", "benchmark", "deterministic", "allow_tf32"]
MATMUL_FLAGS = [
    "allow_tf32",
    "allow_fp16_reduced_precision_reduction",
    "allow_fp16_reduced_precision_reduction_split_k",
    "allow_bf16_reduced_precision_reduction",
    "allow_bf16_reduced_precision_reduction_split_k",
    "allow_fp16_accumulation",
]


def test_availability_answers_match_a_cpu_machine() -> None:
    for question in [
        "cudnn.is_available",
        "cudnn.version",
        "cuda.is_built",
        "mps.is_available",
        "mps.is_built",
        "cpu.get_cpu_capability",
    ]:
        module, name = question.split(".")
        mine = getattr(getattr(ag.backends, module), name)()
        theirs = getattr(getattr(torch.backends, module), name)()
        assert mine == theirs, question
    # arraygrad has neither oneDNN nor OpenMP kernels (torch's CPU build has both)
    assert ag.backends.mkldnn.is_available() is False
    assert ag.backends.openmp.is_available() is False


@pytest.mark.parametrize("name", CUDNN_FLAGS)
def test_cudnn_flags_default_hold_and_refuse_non_bools(name: str) -> None:
    import arraygrad.backends.cudnn as cudnn

    assert getattr(cudnn, name) == getattr(torch.backends.cudnn, name)
    for value in (not getattr(cudnn, name), True, False):
        setattr(cudnn, name, value)
        setattr(torch.backends.cudnn, name, value)
        assert getattr(cudnn, name) is getattr(torch.backends.cudnn, name) is value
    for bad in (1, "yes", None):
        mine = _outcome(lambda: setattr(cudnn, name, bad))  # noqa: B023
        theirs = _outcome(lambda: setattr(torch.backends.cudnn, name, bad))  # noqa: B023
        assert mine == theirs
        assert getattr(cudnn, name) is False


def test_cudnn_takes_other_attributes_and_benchmark_limit() -> None:
    assert ag.backends.cudnn.benchmark_limit == torch.backends.cudnn.benchmark_limit
    ag.backends.cudnn.benchmark_limit = 5
    assert ag.backends.cudnn.benchmark_limit == 5
    ag.backends.cudnn.benchmark_limit = None


def test_cudnn_deterministic_is_not_the_global_switch() -> None:
    for lib in (torch, ag):
        lib.backends.cudnn.deterministic = True
        assert lib.are_deterministic_algorithms_enabled() is False


@pytest.mark.parametrize("name", ["enabled", "deterministic"])
def test_mkldnn_flags(name: str) -> None:
    assert getattr(ag.backends.mkldnn, name) == getattr(torch.backends.mkldnn, name)
    setattr(ag.backends.mkldnn, name, not getattr(ag.backends.mkldnn, name))
    assert getattr(ag.backends.mkldnn, name) != getattr(torch.backends.mkldnn, name)
    mine = _outcome(lambda: setattr(ag.backends.mkldnn, name, 0))
    theirs = _outcome(lambda: setattr(torch.backends.mkldnn, name, 0))
    assert mine == theirs


def test_matmul_defaults_and_tf32_is_the_matmul_precision() -> None:
    mine, theirs = ag.backends.cuda.matmul, torch.backends.cuda.matmul
    assert [getattr(mine, n) for n in MATMUL_FLAGS] == [getattr(theirs, n) for n in MATMUL_FLAGS]
    for lib in (torch, ag):
        lib.backends.cuda.matmul.allow_tf32 = True
    assert ag.get_float32_matmul_precision() == torch.get_float32_matmul_precision() == "high"
    for precision in ("medium", "highest", "high"):
        torch.set_float32_matmul_precision(precision)
        ag.set_float32_matmul_precision(precision)
        assert mine.allow_tf32 is theirs.allow_tf32


@pytest.mark.parametrize(
    "value",
    [False, True, (False, False), (False, True), (True,), [False, False], (True, True),
     (True, False), (1, 0), (False, 0), (), (False, False, True), "x", 1],
)  # fmt: skip
@pytest.mark.parametrize("kind", ["fp16", "bf16"])
def test_matmul_reduced_precision_settings(kind: str, value: Any) -> None:
    name = f"allow_{kind}_reduced_precision_reduction"
    mine = _outcome(lambda: setattr(ag.backends.cuda.matmul, name, value))
    theirs = _outcome(lambda: setattr(torch.backends.cuda.matmul, name, value))
    assert _same(mine, theirs), (mine, theirs)
    for flag in (name, name + "_split_k"):
        assert getattr(ag.backends.cuda.matmul, flag) is getattr(torch.backends.cuda.matmul, flag)


@pytest.mark.parametrize("name", ["allow_tf32", "allow_fp16_accumulation"])
def test_matmul_bool_flags_refuse_non_bools(name: str) -> None:
    for bad in (1, "x", None):
        mine = _outcome(lambda: setattr(ag.backends.cuda.matmul, name, bad))  # noqa: B023
        theirs = _outcome(lambda: setattr(torch.backends.cuda.matmul, name, bad))  # noqa: B023
        assert _same(mine, theirs), (mine, theirs)


def test_matmul_refuses_unknown_names_both_ways() -> None:
    for action in ("get", "set"):
        outcomes = []
        for lib in (ag, torch):
            matmul = lib.backends.cuda.matmul
            if action == "get":
                outcomes.append(_outcome(lambda: matmul.allow_tf23))  # noqa: B023
            else:
                outcomes.append(_outcome(lambda: setattr(matmul, "allow_tf23", True)))  # noqa: B023
        assert _same(outcomes[0], outcomes[1]), outcomes
        assert outcomes[0][0] == "AttributeError"


@pytest.mark.parametrize("kind", ["flash", "mem_efficient", "math", "cudnn"])
def test_attention_switches_hold_what_is_set(kind: str) -> None:
    mine, theirs = ag.backends.cuda, torch.backends.cuda
    query = f"{kind}_sdp_enabled"
    assert getattr(mine, query)() is getattr(theirs, query)()
    getattr(mine, f"enable_{kind}_sdp")(False)
    getattr(theirs, f"enable_{kind}_sdp")(False)
    assert getattr(mine, query)() is getattr(theirs, query)() is False
    # the class of torch's error (its messages name another switch for some of these)
    with pytest.raises(RuntimeError):
        getattr(theirs, f"enable_{kind}_sdp")(1)
    with pytest.raises(RuntimeError, match=f"set_sdp_use_{kind} expects a bool, but got int"):
        getattr(mine, f"enable_{kind}_sdp")(1)
