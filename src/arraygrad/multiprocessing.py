"""``arraygrad.multiprocessing``: PyTorch's ``torch.multiprocessing``.

Everything of Python's :mod:`multiprocessing` (``Process``, ``Queue``, ``Pool``,
``get_context``, ``set_start_method`` ...), plus :func:`spawn` and :func:`start_processes`,
which run ``fn(i, *args)`` in ``nprocs`` processes and raise in the parent what failed in a
child (:class:`ProcessRaisedException`, with the child's traceback, or
:class:`ProcessExitedException` for an exit code or a signal), and PyTorch's sharing-strategy
settings.

Tensors and parameters pass through queues and pipes pickled, with their dtype and
``requires_grad``: the receiving process gets a *copy* of the values. PyTorch moves a tensor
put on a queue into shared memory, so that writes in one process are seen in the other;
arraygrad has no shared storage, and the sharing strategy, which PyTorch uses to choose how
that memory is passed, changes nothing here. As in PyTorch, a tensor that requires grad and is
not a leaf cannot be sent: autograd graphs do not cross processes.
"""

from __future__ import annotations

import logging as _logging
import multiprocessing
import multiprocessing.connection
import os as _os
import pickle as _pickle
import signal as _signal
import sys
import tempfile as _tempfile
import traceback as _traceback
import warnings as _warnings
from multiprocessing import *  # noqa: F403 (PyTorch re-exports the whole module)
from multiprocessing.reduction import ForkingPickler as _ForkingPickler
from typing import TYPE_CHECKING

from arraygrad._tensor import Tensor as _Tensor
from arraygrad.nn.parameter import Buffer as _Buffer
from arraygrad.nn.parameter import Parameter as _Parameter

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from arraygrad._tensor import Tensor

__all__ = [
    *multiprocessing.__all__,
    "get_all_sharing_strategies",
    "get_sharing_strategy",
    "set_sharing_strategy",
]
__all__ += ["ProcessContext", "ProcessExitedException", "ProcessRaisedException", "SpawnContext"]
__all__ += ["spawn", "start_processes"]

_log = _logging.getLogger(__name__)

# --- sharing strategies ------------------------------------------------------------------------
# PyTorch's strategies on Linux; on macOS it offers only "file_system".
_ALL_STRATEGIES = (
    {"file_descriptor", "file_system"} if sys.platform != "darwin" else {"file_system"}
)
_strategy = "file_descriptor" if sys.platform != "darwin" else "file_system"


def get_all_sharing_strategies() -> set[str]:
    """The sharing strategies this platform supports (PyTorch's names)."""
    return set(_ALL_STRATEGIES)


def get_sharing_strategy() -> str:
    """The current sharing strategy (a setting only: arraygrad copies tensors between
    processes whatever it is)."""
    return _strategy


def set_sharing_strategy(new_strategy: str) -> None:
    """Set the sharing strategy, one of :func:`get_all_sharing_strategies`."""
    global _strategy
    if new_strategy not in _ALL_STRATEGIES:
        choices = "{" + ", ".join(repr(name) for name in sorted(_ALL_STRATEGIES)) + "}"
        raise AssertionError(
            f"invalid sharing strategy {new_strategy!r}, expected one of {choices}"
        )
    _strategy = new_strategy


# --- tensors on queues -------------------------------------------------------------------------


def _reduce_tensor(tensor: Tensor) -> Any:
    # multiprocessing pickles what goes on a queue or pipe with ForkingPickler; a tensor goes
    # as its own pickle (a copy), except one in the middle of a graph.
    if tensor.requires_grad and tensor.grad_fn is not None:
        raise RuntimeError(
            "Cowardly refusing to serialize non-leaf tensor which requires_grad, since autograd "
            "does not support crossing process boundaries.  If you just want to transfer the "
            "data, call detach() on the tensor before serializing (e.g., putting it on the "
            "queue)."
        )
    return tensor.__reduce_ex__(_pickle.DEFAULT_PROTOCOL)


# ForkingPickler looks reducers up by exact type, so each tensor class is registered.
for _cls in (_Tensor, _Parameter, _Buffer):
    _ForkingPickler.register(_cls, _reduce_tensor)


# --- spawn -------------------------------------------------------------------------------------


class _ProcessException(Exception):  # noqa: N818 (PyTorch's name, which it does not export)
    """A process started by :func:`start_processes` failed."""

    def __init__(self, msg: str, error_index: int, error_pid: int) -> None:
        super().__init__(msg)
        self.msg = msg
        self.error_index = error_index
        self.error_pid = error_pid

    def __reduce__(self) -> Any:
        return type(self), (self.msg, self.error_index, self.error_pid)


class ProcessRaisedException(_ProcessException):
    """A process raised an exception; the message holds its traceback."""


class ProcessExitedException(_ProcessException):
    """A process exited with a non-zero code or was killed by a signal."""

    def __init__(
        self,
        msg: str,
        error_index: int,
        error_pid: int,
        exit_code: int,
        signal_name: str | None = None,
    ) -> None:
        super().__init__(msg, error_index, error_pid)
        self.exit_code = exit_code
        self.signal_name = signal_name

    def __reduce__(self) -> Any:
        args = (self.msg, self.error_index, self.error_pid, self.exit_code, self.signal_name)
        return type(self), args


def _child_main(fn: Callable[..., Any], index: int, args: tuple[Any, ...], error_file: str) -> None:
    # Runs in the child: an exception's traceback goes to the parent through error_file.
    try:
        fn(index, *args)
    except KeyboardInterrupt:
        pass  # the parent interrupted us (SIGINT); it knows why
    except Exception:
        with open(error_file, "wb") as file:
            _pickle.dump(_traceback.format_exc(), file)
        sys.exit(1)


class ProcessContext:
    """The processes of one :func:`start_processes` call; :meth:`join` waits for them."""

    def __init__(self, processes: list[Any], error_files: list[str]) -> None:
        self.error_files = error_files
        self.processes = processes
        self.sentinels = {process.sentinel: index for index, process in enumerate(processes)}

    def pids(self) -> list[int]:
        """The process ids, in the order of their index."""
        return [int(process.pid) for process in self.processes]

    def join(self, timeout: float | None = None, grace_period: float | None = None) -> bool:
        """Wait (up to ``timeout`` seconds) for the processes: True once all have exited
        successfully, False while some still run. When one fails, the others are terminated
        (SIGTERM, then SIGKILL after ``grace_period`` seconds) and its failure is raised."""
        if not self.sentinels:
            return True
        ready = multiprocessing.connection.wait(list(self.sentinels), timeout=timeout)
        failed = None
        for sentinel in ready:
            index = self.sentinels.pop(sentinel)  # type: ignore[call-overload]
            process = self.processes[index]
            process.join()
            if process.exitcode != 0:
                failed = index
                break
        if failed is None:
            if self.sentinels:
                return False
            self._remove_error_files()
            return True
        self._stop_the_others(grace_period)
        raise self._failure(failed)

    def _stop_the_others(self, grace_period: float | None) -> None:
        alive = [process for process in self.processes if process.is_alive()]
        for process in alive:
            _log.warning("Terminating process %s via signal SIGTERM", process.pid)
            process.terminate()
        for process in alive:
            process.join(grace_period)
            if process.is_alive():
                _log.warning(
                    "Unable to shutdown process %s via SIGTERM, forcefully exiting via SIGKILL",
                    process.pid,
                )
                process.kill()
                process.join()
        self.sentinels.clear()

    def _failure(self, index: int) -> _ProcessException:
        process = self.processes[index]
        error_file = self.error_files[index]
        message = None
        if _os.path.exists(error_file) and _os.path.getsize(error_file):
            with open(error_file, "rb") as file:
                message = _pickle.load(file)
        self._remove_error_files()
        if message is not None:
            text = f"\n\n-- Process {index} terminated with the following error:\n{message}"
            return ProcessRaisedException(text, index, process.pid)
        code = process.exitcode
        if code < 0:
            name = _signal.Signals(-code).name
            return ProcessExitedException(
                f"process {index} terminated with signal {name}",
                index,
                process.pid,
                code,
                name,
            )
        return ProcessExitedException(
            f"process {index} terminated with exit code {code}", index, process.pid, code
        )

    def _remove_error_files(self) -> None:
        for error_file in self.error_files:
            if _os.path.exists(error_file):
                _os.remove(error_file)


class SpawnContext(ProcessContext):
    """The older name of :class:`ProcessContext` (what :func:`spawn` returned)."""

    def __init__(self, processes: list[Any], error_files: list[str]) -> None:
        _warnings.warn("SpawnContext is renamed to ProcessContext since 1.4 release.", stacklevel=2)
        super().__init__(processes, error_files)


def start_processes(
    fn: Callable[..., Any],
    args: tuple[Any, ...] = (),
    nprocs: int = 1,
    join: bool = True,
    daemon: bool = False,
    start_method: str = "spawn",
) -> ProcessContext | None:
    """Run ``fn(i, *args)`` for ``i`` in ``range(nprocs)``, each in a new process started
    with ``start_method``. With ``join`` wait for all of them (and return None), else return
    their :class:`ProcessContext`. A failure in a child is raised here (see the module)."""
    context: Any = multiprocessing.get_context(start_method)  # (typeshed: no Process on the base)
    processes = []
    error_files = []
    for index in range(nprocs):
        # A name for the child to write its traceback to (it creates the file only then).
        handle, error_file = _tempfile.mkstemp(prefix="arraygrad-errorfile-", suffix=".pickle")
        _os.close(handle)
        _os.remove(error_file)
        error_files.append(error_file)
        process = context.Process(
            target=_child_main, args=(fn, index, args, error_file), daemon=daemon
        )
        process.start()
        processes.append(process)
    process_context = ProcessContext(processes, error_files)
    if not join:
        return process_context
    while not process_context.join():
        pass
    return None


def spawn(
    fn: Callable[..., Any],
    args: tuple[Any, ...] = (),
    nprocs: int = 1,
    join: bool = True,
    daemon: bool = False,
    start_method: str = "spawn",
) -> ProcessContext | None:
    """:func:`start_processes` with the ``"spawn"`` start method (another one is ignored, with
    PyTorch's warning)."""
    if start_method != "spawn":
        _warnings.warn(
            f"This method only supports start_method=spawn (got: {start_method}).\n"
            "To use a different start_method use:\n"
            "\t\t arraygrad.multiprocessing.start_processes(...)",
            FutureWarning,
            stacklevel=2,
        )
    return start_processes(fn, args, nprocs, join, daemon, start_method="spawn")
