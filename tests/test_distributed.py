"""arraygrad.distributed: what scripts ask before using process groups, against torch 2.13.0's
answers with no process group initialised."""

from __future__ import annotations

import pytest
import torch

import arraygrad as ag
import arraygrad.distributed as dist


def test_nothing_is_initialised() -> None:
    assert dist.is_initialized() is torch.distributed.is_initialized() is False
    # torch's CPU build has a distributed package; arraygrad has no process groups
    assert dist.is_available() is False
    assert not (dist.is_available() and dist.is_initialized())
    for backend in ("nccl", "mpi"):
        name = f"is_{backend}_available"
        assert getattr(dist, name)() is getattr(torch.distributed, name)()
    assert dist.is_gloo_available() is False
    assert dist.is_torchelastic_launched() is torch.distributed.is_torchelastic_launched()


@pytest.mark.parametrize("call", ["get_rank", "get_world_size", "get_backend", "barrier"])
def test_group_calls_raise_torch_s_error(call: str) -> None:
    with pytest.raises(ValueError) as theirs:
        getattr(torch.distributed, call)()
    with pytest.raises(ValueError) as mine:
        getattr(dist, call)()
    assert str(mine.value).startswith(str(theirs.value))


def test_init_process_group_refuses() -> None:
    with pytest.raises(RuntimeError, match="no distributed backend"):
        ag.distributed.init_process_group("gloo")
