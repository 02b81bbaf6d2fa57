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
