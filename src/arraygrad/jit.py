"""``arraygrad.jit``: the decorators and calls of ``torch.jit``, with nothing compiled.

arraygrad has no TorchScript compiler and no TorchScript file format. For the code TorchScript
accepts, a scripted function or module computes what the Python code computes, so here
``script`` returns its argument itself: the function or module runs as Python, with the same
values and gradients, and shares its parameters (as a torch ``RecursiveScriptModule`` shares
them with the module it was made from). ``is_scripting()`` and ``is_tracing()`` are False,
since nothing is ever scripted or traced; ``annotate`` returns its value; ``ignore``,
``unused`` and ``export`` return the function; ``Final`` is ``typing.Final``.

``trace(fn, example_inputs)`` checks the example inputs as torch does, runs the function once
on them (so a wrong shape fails there, as in torch), checks what it returned, and returns the
function or module itself. One difference, in arraygrad's favour: torch records the ops of
that one run, so a traced module with a data-dependent branch (``if x.sum() > 0:``) keeps the
branch the example took for every later input (torch warns with a ``TracerWarning``); here
the Python code runs on every call and takes the branch each input asks for.

``fork(fn, *args)`` runs the call at once (torch's eager ``fork`` does too) and returns a
completed :class:`Future`; ``wait(future)`` gives its value.

``save``, ``load``, ``freeze`` and ``optimize_for_inference`` raise a RuntimeError that says
so and names the fix: ``arraygrad.save(model.state_dict(), path)`` and
``model.load_state_dict(arraygrad.load(path))``. They are kept, rather than left out, so that
a script reaching them stops at a message saying what to do instead of an AttributeError.

``ScriptModule`` and ``ScriptFunction`` exist for ``isinstance`` checks, which are False for
everything arraygrad makes: code that asks "is this compiled TorchScript?" gets the true
answer and takes its eager path. They cannot be created or subclassed.

>>> import arraygrad
>>> @arraygrad.jit.script
... def scaled_gelu(x):
...     return 0.5 * x * (1.0 + arraygrad.erf(x / 1.4142135623730951))
>>> scaled_gelu(arraygrad.tensor([0.0, 1.0]))
tensor([0.0000, 0.8413])
>>> arraygrad.jit.is_scripting()
False
>>> arraygrad.jit.wait(arraygrad.jit.fork(scaled_gelu, arraygrad.tensor(0.0)))
tensor(0.)
"""

from __future__ import annotations

import threading as _threading
import warnings
from collections.abc import Callable as _Callable
from typing import TYPE_CHECKING, Final
from typing import Any as _Any
from typing import TypeVar as _TypeVar  # Final: torch.jit.Final is typing.Final

from arraygrad._tensor import Tensor as _Tensor
from arraygrad.nn.modules.module import Module as _Module

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

__all__ = [
    "Error",
    "Final",
    "Future",
    "ScriptFunction",
    "ScriptModule",
    "TracerWarning",
    "annotate",
    "export",
    "fork",
    "freeze",
    "ignore",
    "is_scripting",
    "is_tracing",
    "load",
    "optimize_for_inference",
    "save",
    "script",
    "script_method",
    "trace",
    "trace_module",
    "unused",
    "wait",
]

_F = _TypeVar("_F", bound=_Callable[..., _Any])

# The texts of torch 2.13's DeprecationWarnings, which scripts may filter on.
_SCRIPT_DEPRECATED = (
    "`torch.jit.script` is deprecated. Please switch to `torch.compile` or `torch.export`."
)
_TRACE_DEPRECATED = (
    "`torch.jit.trace` is deprecated. Please switch to `torch.compile` or `torch.export`."
)
_TRACE_METHOD_DEPRECATED = (
    "`torch.jit.trace_method` is deprecated. Please switch to `torch.compile` or `torch.export`."
)

_NO_TORCHSCRIPT = (
    "arraygrad has no TorchScript: nothing is compiled, and there is no TorchScript file "
    "format. Fix: "
)


class Error(Exception):
    """torch's ``torch.jit.Error`` (an error raised by TorchScript code); arraygrad runs
    Python, so its errors are Python's own and this is never raised."""


class TracerWarning(Warning):
    """torch's ``torch.jit.TracerWarning``, so that ``warnings.filterwarnings("ignore",
    category=torch.jit.TracerWarning)`` runs. arraygrad records no trace, so never warns it."""


class _NotCompiled:
    """A TorchScript type: nothing in arraygrad is an instance of it."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        if cls.__module__ == __name__:  # ScriptModule and ScriptFunction themselves
            return
        raise TypeError(
            f"class {cls.__name__} subclasses {cls.__mro__[1].__name__}, but "
            f"{_NO_TORCHSCRIPT}subclass arraygrad.nn.Module instead and drop the "
            "@script_method decorators: the methods run as Python."
        )

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(f"{_NO_TORCHSCRIPT}use the module or function itself.")


class ScriptModule(_NotCompiled):
    """torch's compiled-module type, for ``isinstance`` checks: always False here."""


class ScriptFunction(_NotCompiled):
    """torch's compiled-function type, for ``isinstance`` checks: always False here."""


def is_scripting() -> bool:
    """False: no code runs as TorchScript."""
    return False


def is_tracing() -> bool:
    """False: no trace is ever recorded."""
    return False


def annotate(the_type: Any, the_value: Any) -> Any:
    """``the_value``: the type is for TorchScript's compiler only."""
    return the_value


def script(
    obj: Any,
    optimize: None = None,
    _frames_up: int = 0,
    _rcb: Callable[[str], Any] | None = None,
    example_inputs: Any = None,
) -> Any:
    """``obj`` itself: a function, a module instance or a class, which runs as Python.

    >>> import arraygrad
    >>> model = arraygrad.nn.Linear(2, 1)
    >>> arraygrad.jit.script(model) is model
    True
    """
    warnings.warn(_SCRIPT_DEPRECATED, DeprecationWarning, stacklevel=2)
    if isinstance(obj, type) and issubclass(obj, _Module):
        raise RuntimeError(
            f"Type '{obj}' cannot be compiled since it inherits from nn.Module, pass an "
            "instance instead"
            " Fix: pass an instance, e.g. jit.script(MyModule())."
        )
    if not callable(obj):
        raise TypeError(
            f"arraygrad.jit.script takes a function, a module or a class, got {type(obj)}"
            ". Fix: pass a function, an nn.Module instance or a class."
        )
    return obj


def script_method(fn: _F) -> _F:
    """``fn``: only for the methods of a ``ScriptModule`` subclass, which arraygrad refuses
    with the fix (subclass ``nn.Module``)."""
    return fn


def ignore(drop: Any = False, **kwargs: Any) -> Any:
    """``@ignore`` and ``@ignore(drop=...)``: the function itself (TorchScript would leave it
    as a Python call, which is all that runs here)."""
    if callable(drop):
        return drop
    if not isinstance(drop, bool):
        raise RuntimeError(
            f"Argument to @torch.jit.ignore must be a bool or a function but got {drop}"
            ". Fix: use @jit.ignore, @jit.ignore(drop=True) or "
            "@jit.ignore(drop=False)."
        )
    if drop:
        warnings.warn(
            "ignore(True) has been deprecated. TorchScript will now drop the function call on "
            f"compilation. Use torch.jit.unused now. {kwargs}",
            FutureWarning,
            stacklevel=2,
        )

    def keep(fn: _F) -> _F:
        return fn

    return keep


def unused(fn: _F) -> _F:
    """The function (or property) itself: it runs when called, as in eager torch."""
    return fn


def export(fn: _F) -> _F:
    """The method itself: every method of a module is callable here."""
    return fn


class Future:
    """The result of :func:`fork`: torch's ``Future`` methods on a value computed at once
    (also usable on its own, completed by ``set_result`` from any thread).

    >>> import arraygrad
    >>> fut = arraygrad.jit.fork(lambda a: a * 2, 21)
    >>> fut.done(), fut.wait(), fut.then(lambda f: f.value() + 1).wait()
    (True, 42, 43)
    """

    def __init__(self) -> None:
        self._finished = _threading.Event()
        self._lock = _threading.Lock()
        self._result: Any = None
        self._error: BaseException | None = None
        self._callbacks: list[Callable[[Future], Any]] = []

    def done(self) -> bool:
        """Whether a value or an exception has been set."""
        return self._finished.is_set()

    def wait(self) -> Any:
        """The value, once set (blocks until then); raises the exception set instead."""
        self._finished.wait()
        return self.value()

    def value(self) -> Any:
        """The value of a completed future, or the exception set raised."""
        if not self._finished.is_set():
            raise RuntimeError(
                "Future.value() was called before the future completed"
                ". Fix: call wait() first, or check done() before value()."
            )
        if self._error is not None:
            raise self._error
        return self._result

    def _complete(self, result: Any, error: BaseException | None) -> None:
        with self._lock:
            if self._finished.is_set():
                raise RuntimeError(
                    "Attempting to mark a completed Future as complete again. Note that a "
                    "Future can only be marked completed once."
                    " Fix: call set_result() once per Future."
                )
            self._result, self._error = result, error
            self._finished.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback(self)

    def set_result(self, result: Any) -> None:
        """Completes the future with ``result`` and runs the callbacks."""
        self._complete(result, None)

    def set_exception(self, result: BaseException) -> None:
        """Completes the future with an exception, which ``wait`` and ``value`` raise."""
        self._complete(None, result)

    def _when_done(self, callback: Callable[[Future], Any]) -> None:
        with self._lock:
            if not self._finished.is_set():
                self._callbacks.append(callback)
                return
        callback(self)

    def then(self, callback: Callable[[Future], Any]) -> Future:
        """A new future completed with ``callback(self)`` once this one completes; an
        exception of the callback completes it with torch's RuntimeError."""
        chained = Future()

        def run(fut: Future) -> None:
            try:
                outcome = callback(fut)
            except Exception as error:
                wrapped = RuntimeError(
                    "Got the following error when running the callback: "
                    f"{type(error).__name__}: {error}"
                )
                wrapped.__cause__ = error
                chained.set_exception(wrapped)
            else:
                chained.set_result(outcome)

        self._when_done(run)
        return chained

    def add_done_callback(self, callback: Callable[[Future], None]) -> None:
        """Runs ``callback(self)`` once this future completes; as in torch, an exception of
        the callback is reported (logged) and does not reach the code completing it."""

        def run(fut: Future) -> None:
            try:
                callback(fut)
            except Exception:
                import logging  # only when a callback fails

                logging.getLogger(__name__).exception(
                    "Got the following error when running the callback"
                )

        self._when_done(run)


def fork(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Future:
    """Runs ``func(*args, **kwargs)`` now and returns a completed :class:`Future` with its
    result. As torch's eager ``fork``, an exception of ``func`` is raised here."""
    warnings.warn(
        "`torch.jit.fork` is deprecated. Please use `torch.compile` instead.",
        DeprecationWarning,
        stacklevel=2,
    )
    future = Future()
    future.set_result(func(*args, **kwargs))
    return future


def wait(future: Future) -> Any:
    """``future.wait()``."""
    warnings.warn(
        "`torch.jit.wait` is deprecated. Please use `torch.compile` instead.",
        DeprecationWarning,
        stacklevel=2,
    )
    return future.wait()


def _torchscript_type(value: Any) -> tuple[str, bool]:
    """TorchScript's name for the type of ``value``, and whether a trace may take it
    (tensors, and lists, tuples and dicts of them)."""
    if isinstance(value, _Tensor):
        return "Tensor", True
    if isinstance(value, tuple):
        parts = [_torchscript_type(item) for item in value]
        return f"Tuple[{', '.join(name for name, _ in parts)}]", all(ok for _, ok in parts)
    if isinstance(value, list):
        parts = [_torchscript_type(item) for item in value]
        inner = parts[0][0] if parts else "Tensor"
        return f"List[{inner}]", all(ok for _, ok in parts)
    if isinstance(value, dict):
        keys = [_torchscript_type(key)[0] for key in value]
        parts = [_torchscript_type(item) for item in value.values()]
        key_name = keys[0] if keys else "str"
        inner = parts[0][0] if parts else "Tensor"
        return f"Dict[{key_name}, {inner}]", all(ok for _, ok in parts)
    name = {bool: "bool", int: "int", float: "float", str: "str"}.get(type(value))
    return (name or ("NoneType" if value is None else type(value).__name__)), False


def _check_traceable(args: tuple[Any, ...]) -> None:
    name, ok = _torchscript_type(args)
    if not ok:
        raise RuntimeError(
            f"Type '{name}' cannot be traced. Only Tensors and (possibly nested) Lists, Dicts, "
            "and Tuples of Tensors can be traced"
            ". Fix: pass tensors (or lists, tuples and dicts of them) as example "
            "inputs; bind other arguments with functools.partial."
        )


def _check_output(output: Any, strict: bool) -> None:
    if output is None:
        raise RuntimeError(
            "The traced function didn't return any values! Side-effects are not captured in "
            "traces, so it would be a no-op."
            " Fix: return the tensors the function computes."
        )

    def allowed(value: Any) -> bool:
        if isinstance(value, _Tensor):
            return True
        if isinstance(value, list | tuple):
            return all(allowed(item) for item in value)
        if isinstance(value, dict):
            return all(allowed(item) for item in value.values())
        return False

    if not allowed(output):
        raise RuntimeError(
            "Only tensors, lists, tuples of tensors, or dictionary of tensors can be output "
            "from traced functions"
            f" (got {type(output).__name__}). Fix: return tensors, or lists, tuples "
            "or dicts of tensors."
        )
    if strict and isinstance(output, dict):
        raise RuntimeError(
            "Encountering a dict at the output of the tracer might cause the trace to be "
            "incorrect, this is only valid if the container structure does not change based "
            "on the module's inputs. Consider using a constant container instead (e.g. for "
            "`list`, use a `tuple` instead. for `dict`, use a `NamedTuple` instead). If you "
            "absolutely need this and know the side effects, pass strict=False to trace() to "
            "allow this behavior."
        )


def _as_arguments(example_inputs: Any) -> tuple[Any, ...]:
    """torch's reading of ``example_inputs``: a tensor or a dict is the one argument; a tuple
    or list (any iterable) holds the arguments."""
    if isinstance(example_inputs, _Tensor | dict):
        return (example_inputs,)
    return tuple(example_inputs)


def _run_once(fn: Callable[..., Any], example_inputs: Any, kwarg_inputs: Any, strict: bool) -> None:
    if kwarg_inputs is not None:
        if not isinstance(kwarg_inputs, dict):
            raise TypeError(
                f"example_kwarg_inputs must be a dict of argument names to tensors, got "
                f"{type(kwarg_inputs).__name__}"
                f". Fix: pass a dict such as {{'x': tensor}}."
            )
        _check_traceable(tuple(kwarg_inputs.values()))
        output = fn(**kwarg_inputs)
    else:
        args = _as_arguments(example_inputs)
        _check_traceable(args)
        output = fn(*args)
    _check_output(output, strict)


def trace(
    func: Any,
    example_inputs: Any = None,
    optimize: Any = None,
    check_trace: bool = True,
    check_inputs: Any = None,
    check_tolerance: float = 1e-05,
    strict: bool = True,
    _force_outplace: bool = False,
    _module_class: Any = None,
    _compilation_unit: Any = None,
    example_kwarg_inputs: dict[str, Any] | None = None,
    _store_inputs: bool = True,
) -> Any:
    """Checks ``example_inputs`` (a tensor, or a tuple or list of the arguments: tensors and
    lists, tuples and dicts of them; or ``example_kwarg_inputs``, a dict of keyword
    arguments), runs ``func`` once on them, checks its output (tensors, lists, tuples; a dict
    only with ``strict=False``), and returns ``func`` itself, which keeps running as Python.

    Unlike torch's traced function, it is not frozen to the example's path: a data-dependent
    branch follows each input (torch keeps the example's branch and warns a TracerWarning).
    ``check_trace`` and ``check_inputs`` have nothing to compare: the function is its own
    trace.

    >>> import arraygrad
    >>> double = arraygrad.jit.trace(lambda x: 2 * x, arraygrad.ones(2))
    >>> double(arraygrad.ones(3))
    tensor([2., 2., 2.])
    """
    warnings.warn(_TRACE_DEPRECATED, DeprecationWarning, stacklevel=2)
    _run_once(func, example_inputs, example_kwarg_inputs, strict)
    return func


def trace_module(
    mod: Any,
    inputs: Any,
    optimize: Any = None,
    check_trace: bool = True,
    check_inputs: Any = None,
    check_tolerance: float = 1e-05,
    strict: bool = True,
    _force_outplace: bool = False,
    _module_class: Any = None,
    _compilation_unit: Any = None,
    example_inputs_is_kwarg: bool = False,
    _store_inputs: bool = True,
) -> Any:
    """``inputs`` maps method names to example inputs: each method is checked and run once as
    :func:`trace` does, and the module itself is returned."""
    warnings.warn(_TRACE_METHOD_DEPRECATED, DeprecationWarning, stacklevel=2)
    if not isinstance(mod, _Module):
        raise AttributeError(
            "expected torch.nn.Module as the first argument"
            f" (got {type(mod).__name__}). Fix: pass the module instance first, then "
            "a dict of (method_name, input) pairs."
        )
    if not isinstance(inputs, dict):
        raise AttributeError(
            "expected a dictionary of (method_name, input) pairs"
            f" (got {type(inputs).__name__}). Fix: pass inputs as a dict, e.g. "
            f"{{'forward': example_input}}."
        )
    for name, example in inputs.items():
        method = getattr(mod, name)
        if example_inputs_is_kwarg:
            _run_once(method, None, example, strict)
        else:
            _run_once(method, example, None, strict)
    return mod


def _refuse(what: str, fix: str) -> RuntimeError:
    return RuntimeError(f"arraygrad.jit.{what}: {_NO_TORCHSCRIPT}{fix}")


_SAVE_FIX = (
    "save the weights with arraygrad.save(model.state_dict(), path) and load them into the "
    "model built by its Python code with model.load_state_dict(arraygrad.load(path))."
)


def save(m: Any, f: Any, _extra_files: Any = None) -> None:
    """Raises: there is no TorchScript program to save. The message names the fix."""
    raise _refuse("save", _SAVE_FIX)


def load(f: Any, map_location: Any = None, _extra_files: Any = None) -> Any:
    """Raises: arraygrad cannot run a TorchScript program. The message names the fix."""
    raise _refuse(
        "load",
        "arraygrad cannot run a TorchScript archive's code; build the model in Python and "
        "load a state_dict: in torch, torch.save(torch.jit.load(path).state_dict(), "
        "'weights.pt'), then model.load_state_dict(arraygrad.load('weights.pt')).",
    )


_INFERENCE_FIX = (
    "the module runs as it is; for inference call model.eval() and run it under "
    "arraygrad.inference_mode() (or arraygrad.compile(model) for speed), and "
    + _SAVE_FIX.replace("save the weights", "to deploy, save the weights")
)


def freeze(
    mod: Any, preserved_attrs: list[str] | None = None, optimize_numerics: bool = True
) -> Any:
    """Raises: there is no compiled module to freeze. The message names the fix."""
    raise _refuse("freeze", _INFERENCE_FIX)


def optimize_for_inference(mod: Any, other_methods: list[str] | None = None) -> Any:
    """Raises: there is no compiled module to optimize. The message names the fix."""
    raise _refuse("optimize_for_inference", _INFERENCE_FIX)
