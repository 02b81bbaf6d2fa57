"""Whether operations are recorded for backpropagation.

The flag lives in a :mod:`contextvars` variable, so threads and asyncio tasks each see their own
setting, exactly like PyTorch's thread-local grad mode.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
from collections.abc import Callable, Generator
from types import TracebackType
from typing import Any, Self, TypeVar, overload

_F = TypeVar("_F", bound=Callable[..., Any])

grad_enabled: contextvars.ContextVar[bool] = contextvars.ContextVar("grad_enabled", default=True)
#: Whether :class:`inference_mode` is on (it also turns grad mode off).
inference_enabled: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "inference_enabled", default=False
)


def is_grad_enabled() -> bool:
    """True when new operations are recorded for backward."""
    return grad_enabled.get()


def is_inference_mode_enabled() -> bool:
    """True inside :class:`inference_mode`."""
    return inference_enabled.get()


# The state a decorated function runs in, and back: the grad mode, and for inference_mode
# the inference flag too (``None``: left as it is).
_Tokens = tuple[contextvars.Token[bool], contextvars.Token[bool] | None]


def _switch(mode: bool, inference: bool | None) -> _Tokens:
    token = grad_enabled.set(mode)
    return token, (None if inference is None else inference_enabled.set(inference))


def _switch_back(tokens: _Tokens) -> None:
    if tokens[1] is not None:
        inference_enabled.reset(tokens[1])
    grad_enabled.reset(tokens[0])


def _in_mode(mode: bool, func: _F, inference: bool | None = None) -> _F:
    """``func`` run with the grad mode ``mode`` (and, unless ``None``, the inference mode
    ``inference``): the decorator form of the classes below.

    A generator function gets the mode for each resumption (as in PyTorch), not just for the
    call that makes the generator, and the caller's mode back at every ``yield``.
    """
    if inspect.isgeneratorfunction(func):

        @functools.wraps(func)
        def generator(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
            inner = func(*args, **kwargs)
            sent: Any = None
            thrown: BaseException | None = None
            while True:
                tokens = _switch(mode, inference)
                try:
                    value = inner.send(sent) if thrown is None else inner.throw(thrown)
                except StopIteration as stop:
                    return stop.value
                finally:
                    _switch_back(tokens)
                try:
                    sent, thrown = (yield value), None
                except GeneratorExit:
                    tokens = _switch(mode, inference)
                    try:
                        inner.close()
                    finally:
                        _switch_back(tokens)
                    raise
                except BaseException as error:  # thrown in by the caller: on to the inner one
                    sent, thrown = None, error

        return generator  # type: ignore[return-value]

    if inference is not None:

        @functools.wraps(func)
        def inferring(*args: Any, **kwargs: Any) -> Any:
            tokens = _switch(mode, inference)
            try:
                return func(*args, **kwargs)
            finally:
                _switch_back(tokens)

        return inferring  # type: ignore[return-value]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        # The grad mode alone, inline: ``@no_grad`` methods (an optimizer's step) run every step.
        token = grad_enabled.set(mode)
        try:
            return func(*args, **kwargs)
        finally:
            grad_enabled.reset(token)

    return wrapper  # type: ignore[return-value]


class set_grad_enabled:  # noqa: N801 - PyTorch's name
    """Turn recording on or off: as a function call, a context manager or a decorator.

    >>> import arraygrad
    >>> with arraygrad.set_grad_enabled(False):
    ...     arraygrad.is_grad_enabled()
    False
    """

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        # Called as a plain function, it switches the mode at once, as in PyTorch.
        self._token: contextvars.Token[bool] | None = grad_enabled.set(self.mode)
        self._tokens: list[contextvars.Token[bool]] = []

    def __enter__(self) -> None:
        if self._token is not None:  # already applied by __init__
            self._tokens.append(self._token)
            self._token = None
        else:
            self._tokens.append(grad_enabled.set(self.mode))

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        grad_enabled.reset(self._tokens.pop())

    def __call__(self, func: _F) -> _F:
        if self._token is not None:  # used as a decorator: undo the immediate switch
            grad_enabled.reset(self._token)
            self._token = None
        return _in_mode(self.mode, func)


class _GradModeContext:
    """Base of :class:`no_grad` and :class:`enable_grad`: a re-entrant context and decorator."""

    mode: bool
    # The grad mode before this object's innermost open ``with``, and before the ones around it
    # when the same object is re-entered. Values rather than contextvars tokens: a token can only
    # be reset in the context that made it, and one no_grad() object may be shared by threads or
    # asyncio tasks, as PyTorch allows. Class defaults, not an __init__: ``with no_grad():`` runs
    # in every training step, and each Python-level call and list it makes costs time.
    _previous: bool | None = None
    _outer: list[bool] | None = None

    @overload
    def __new__(cls, orig_func: None = None) -> Self: ...
    @overload
    def __new__(cls, orig_func: _F) -> _F: ...  # type: ignore[misc]

    def __new__(cls, orig_func: Any = None) -> Any:
        # ``@no_grad`` without parentheses, as PyTorch allows: the class is then called with the
        # function and returns ``cls()(function)``, what ``@no_grad()`` gives.
        if orig_func is None:  # ``with no_grad():``, on every training step: the cheapest path
            return object.__new__(cls)
        if callable(orig_func):
            return cls()(orig_func)
        if cls.__init__ is not object.__init__:  # a subclass's own arguments, for its __init__
            return object.__new__(cls)
        raise TypeError(
            f"{cls.__name__}() takes no arguments, got {orig_func!r}. Fix: use `with "
            f"{cls.__name__}():` or decorate with `@{cls.__name__}()` or `@{cls.__name__}`; to "
            "choose the mode from a value use arraygrad.set_grad_enabled(mode)."
        )

    def __enter__(self) -> None:
        previous = grad_enabled.get()
        grad_enabled.set(self.mode)
        if self._previous is not None:  # re-entered while open: keep the outer value
            if self._outer is None:
                self._outer = []
            self._outer.append(self._previous)
        self._previous = previous

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        grad_enabled.set(bool(self._previous))
        outer = self._outer
        self._previous = outer.pop() if outer else None

    def __call__(self, func: _F) -> _F:
        return _in_mode(self.mode, func)


class no_grad(_GradModeContext):  # noqa: N801 - PyTorch's name
    """Do not record operations: for evaluation and for updating parameters.

    A context manager, or a decorator with or without parentheses.

    >>> import arraygrad
    >>> w = arraygrad.tensor(1.0, requires_grad=True)
    >>> with arraygrad.no_grad():
    ...     (w * 2).requires_grad
    False
    >>> @arraygrad.no_grad
    ... def evaluate(x):
    ...     return w * x
    >>> evaluate(2.0).requires_grad
    False
    """

    mode = False


class enable_grad(_GradModeContext):  # noqa: N801 - PyTorch's name
    """Record operations again inside a :class:`no_grad` block (a context manager, or a
    decorator with or without parentheses)."""

    mode = True


class inference_mode:  # noqa: N801 - PyTorch's name
    """Do not record operations, for evaluation and serving: PyTorch's ``inference_mode``.

    A context manager, or a decorator with or without parentheses. Inside, grad mode is off
    (:func:`is_grad_enabled` is False) and :func:`is_inference_mode_enabled` is True.
    ``inference_mode(False)`` turns both back (recording on), as in PyTorch.

    arraygrad has one kind of tensor, so tensors made inside are ordinary ones: PyTorch's
    "inference tensors" refuse later use in autograd and in-place updates outside the mode,
    and it records nothing under ``enable_grad()`` inside the mode; arraygrad allows the first
    two and records in the third, as no_grad would.

    >>> import arraygrad
    >>> w = arraygrad.tensor(1.0, requires_grad=True)
    >>> with arraygrad.inference_mode():
    ...     (w * 2).requires_grad, arraygrad.is_inference_mode_enabled()
    (False, True)
    """

    def __new__(cls, mode: Any = True) -> Any:
        # ``@inference_mode`` without parentheses, as PyTorch allows: the class is called with
        # the function and returns what ``@inference_mode()`` gives.
        if callable(mode) and not isinstance(mode, bool):
            return cls()(mode)
        return object.__new__(cls)

    def __init__(self, mode: bool = True) -> None:
        self.mode = bool(mode)
        # The (grad, inference) modes before each open ``with`` of this object: values, not
        # contextvars tokens, as for no_grad (one object may be shared by threads).
        self._previous: list[tuple[bool, bool]] = []

    def __enter__(self) -> None:
        self._previous.append((grad_enabled.get(), inference_enabled.get()))
        grad_enabled.set(not self.mode)
        inference_enabled.set(self.mode)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        grad, inference = self._previous.pop()
        grad_enabled.set(grad)
        inference_enabled.set(inference)

    def __call__(self, func: _F) -> _F:
        return _in_mode(not self.mode, func, inference=self.mode)

    def clone(self) -> inference_mode:
        """A new context with this one's mode (PyTorch's ``clone``)."""
        return self.__class__(self.mode)
