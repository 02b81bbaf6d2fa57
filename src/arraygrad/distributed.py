"""``arraygrad.distributed``: what scripts ask before using process groups. arraygrad has no
process groups (no collective communication between processes), so ``is_available()`` is
False and ``is_initialized()`` False; the calls that need the default group raise PyTorch's
ValueError for a group never initialised. For data sharding, give
``utils.data.DistributedSampler`` its ``num_replicas`` and ``rank``.

>>> import arraygrad.distributed as dist
>>> dist.is_available() and dist.is_initialized()
False
"""

from __future__ import annotations

import os as _os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "barrier",
    "get_backend",
    "get_rank",
    "get_world_size",
    "init_process_group",
    "is_available",
    "is_gloo_available",
    "is_initialized",
    "is_mpi_available",
    "is_nccl_available",
    "is_torchelastic_launched",
]

_NO_GROUP = (
    "Default process group has not been initialized, please make sure to call init_process_group."
)


def is_available() -> bool:
    """False: arraygrad has no distributed package (no process groups, no collectives)."""
    return False


def is_initialized() -> bool:
    """False: no default process group exists."""
    return False


def is_nccl_available() -> bool:
    """False: no NCCL backend."""
    return False


def is_gloo_available() -> bool:
    """False: no Gloo backend."""
    return False


def is_mpi_available() -> bool:
    """False: no MPI backend."""
    return False


def is_torchelastic_launched() -> bool:
    """Whether this process was started by ``torchrun`` (it sets ``TORCHELASTIC_RUN_ID``)."""
    return _os.getenv("TORCHELASTIC_RUN_ID") is not None


def _no_group() -> ValueError:
    return ValueError(
        f"{_NO_GROUP} Fix: arraygrad has no process groups; run one process, or guard the call "
        "with arraygrad.distributed.is_initialized()."
    )


def get_rank(group: Any = None) -> int:
    """Raises PyTorch's ValueError: there is no process group to have a rank in."""
    raise _no_group()


def get_world_size(group: Any = None) -> int:
    """Raises PyTorch's ValueError: there is no process group to count."""
    raise _no_group()


def get_backend(group: Any = None) -> str:
    """Raises PyTorch's ValueError: there is no process group."""
    raise _no_group()


def barrier(group: Any = None, async_op: bool = False, device_ids: Any = None) -> None:
    """Raises PyTorch's ValueError: there is no process group to wait for."""
    raise _no_group()


def init_process_group(*args: Any, **kwargs: Any) -> None:
    """Raises RuntimeError: arraygrad cannot start process groups."""
    raise RuntimeError(
        "arraygrad has no distributed backend: init_process_group cannot start a process group. "
        "Fix: train in one process, or use PyTorch for multi-process training."
    )
