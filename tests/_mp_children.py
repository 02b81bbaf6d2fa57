"""Functions the multiprocessing tests run in child processes (importable there, and light:
only arraygrad, not torch)."""

from __future__ import annotations

import os
import signal
import sys
import time
from typing import Any


def write_index(index: int, directory: str, text: str) -> None:
    with open(os.path.join(directory, str(index)), "w") as file:
        file.write(f"{text} {index}")


def second_raises(index: int) -> None:
    if index == 1:
        raise ValueError(f"bad {index}")
    time.sleep(60)  # terminated by the parent once the other fails


def first_exits(index: int) -> None:
    if index == 0:
        sys.exit(3)
    time.sleep(60)


def killed(index: int) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def double_tensors(inbox: Any, outbox: Any) -> None:
    for _ in range(2):
        tensor = inbox.get()
        outbox.put(
            (type(tensor).__name__, str(tensor.dtype), tensor.requires_grad, tensor.tolist())
        )
        outbox.put(tensor.detach() * 2)


class WorkerTagged:
    """A map-style dataset for the DataLoader's ``spawn`` test: importable by the spawned
    workers, each sample says which worker loaded it and with which seed."""

    def __init__(self, size: int) -> None:
        self.size = size

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: int) -> tuple[int, int, int, int]:
        from arraygrad.utils.data import get_worker_info

        info = get_worker_info()
        assert info is not None and info.dataset is self
        return index, info.id, info.seed, os.getpid()
