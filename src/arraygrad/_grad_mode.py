"""Whether operations are recorded for backpropagation.

The flag lives in a :mod:`contextvars` variable, so threads and asyncio tasks each see their own
setting, exactly like PyTorch's thread-local grad mode.

Inside :class:`inference_mode` nothing is recorded, even under ``enable_grad()``: there
``grad_enabled`` (what the ops test) stays False and the grad mode that :func:`is_grad_enabled`
reports, which ``enable_grad`` and ``no_grad`` switch, is kept in ``inference_grad``.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
from collections.abc import Callable, Generator
from types import TracebackType
from typing import Any, Self, TypeVar, overload

_F = TypeVar("_F", bound=Callable[..., Any])

#: Whether operations are recorded (False throughout inference mode).
grad_enabled: contextvars.ContextVar[bool] = contextvars.ContextVar("grad_enabled", default=True)
#: Whether :class:`inference_mode` is on (it also turns grad mode off).
inference_enabled: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "inference_enabled", default=False
)
#: Inside inference mode, the grad mode set there (by enable_grad, no_grad, set_grad_enabled):
#: what is_grad_enabled() reports, as in PyTorch, though nothing is recorded.
inference_grad: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "inference_grad", default=False
)
# Whether an inference mode block is open or an inference tensor is alive, in any thread:
# otherwise nothing reads the two variables above (arraygrad._inference sets it).
inference_used = False


def is_grad_enabled() -> bool:
    """True when grad mode is on: new operations are recorded for backward, except inside
    :class:`inference_mode`, where nothing is (``enable_grad()`` turns it on there too).

    >>> import arraygrad
    >>> with arraygrad.no_grad():
    ...     arraygrad.is_grad_enabled()
    False
    """
    if inference_used and inference_enabled.get():
        return inference_grad.get()
    return grad_enabled.get()


def _mode_var() -> contextvars.ContextVar[bool]:
    """The variable that holds the grad mode here: ``inference_grad`` in inference mode."""
    return inference_grad if inference_used and inference_enabled.get() else grad_enabled


def is_inference_mode_enabled() -> bool:
    """True inside :class:`inference_mode` (not inside ``inference_mode(False)``).

    >>> import arraygrad
    >>> with arraygrad.inference_mode():
    ...     arraygrad.is_inference_mode_enabled()
    True
    """
    return inference_enabled.get()


# The tokens of the variables a decorated function's mode sets, to set them back in reverse.
_Tokens = tuple[contextvars.Token[bool], ...]


def _switch(mode: bool, inference: bool | None) -> _Tokens:
    """Set grad mode ``mode`` and, unless ``inference`` is None, inference mode ``inference``
    (which sets the recording too: ``mode`` is ``not inference``)."""
    if inference is None:
        return (_mode_var().set(mode),)
    if inference:
        _inference_opened(1)
    return (
        grad_enabled.set(mode),
        inference_enabled.set(inference),
        inference_grad.set(False),
    )


def _switch_back(tokens: _Tokens, inference: bool | None) -> None:
    for token in reversed(tokens):
        token.var.reset(token)
    if inference:
        _inference_opened(-1)


def _inference_opened(change: int) -> None:
    """Count an inference mode block opened (1) or closed (-1): see arraygrad._inference."""
    from arraygrad import _inference

    _inference.opened(change)


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
                    _switch_back(tokens, inference)
                try:
                    sent, thrown = (yield value), None
                except GeneratorExit:
                    tokens = _switch(mode, inference)
                    try:
                        inner.close()
                    finally:
                        _switch_back(tokens, inference)
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
                _switch_back(tokens, inference)

        return inferring  # type: ignore[return-value]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        # The grad mode alone, inline: ``@no_grad`` methods (an optimizer's step) run every step.
        var = inference_grad if inference_used and inference_enabled.get() else grad_enabled
        token = var.set(mode)
        try:
            return func(*args, **kwargs)
        finally:
            var.reset(token)

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
        self._token: contextvars.Token[bool] | None = _mode_var().set(self.mode)
        self._tokens: list[contextvars.Token[bool]] = []

    def __enter__(self) -> None:
        if self._token is not None:  # already applied by __init__
            self._tokens.append(self._token)
            self._token = None
        else:
            self._tokens.append(_mode_var().set(self.mode))

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        token = self._tokens.pop()
        token.var.reset(token)

    def __call__(self, func: _F) -> _F:
        if self._token is not None:  # used as a decorator: undo the immediate switch
            self._token.var.reset(self._token)
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
        # _mode_var(), inline: ``with no_grad():`` runs in every training step.
        var = inference_grad if inference_used and inference_enabled.get() else grad_enabled
        previous = var.get()
        var.set(self.mode)
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
        var = inference_grad if inference_used and inference_enabled.get() else grad_enabled
        var.set(bool(self._previous))
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
    decorator with or without parentheses).

    >>> import arraygrad
    >>> x = arraygrad.tensor([1.0], requires_grad=True)
    >>> with arraygrad.no_grad():
    ...     with arraygrad.enable_grad():
    ...         y = x * 2
    >>> y.requires_grad
    True
    """

    mode = True


class inference_mode:  # noqa: N801 - PyTorch's name
    """Do not record operations, for evaluation and serving: PyTorch's ``inference_mode``.

    A context manager, or a decorator with or without parentheses. Inside, grad mode is off
    (:func:`is_grad_enabled` is False) and :func:`is_inference_mode_enabled` is True; nothing
    is recorded, even under ``enable_grad()`` (which turns :func:`is_grad_enabled` on).
    ``inference_mode(False)`` turns both back (recording on), as in PyTorch.

    Tensors made inside are PyTorch's inference tensors (``t.is_inference()``), as are views
    and ``detach()`` of them; views of normal tensors and normal tensors written inside stay
    normal. Outside the mode, an inference tensor cannot be saved for backward (used where the
    gradient reads its value: ``t * w`` with ``w`` requiring grad, while ``t + w`` is fine, or
    an index, mask or target that PyTorch's op saves: ``w[t]``, ``cross_entropy(out, t)``) nor
    made to require grad; one made inside (or a view of it) cannot be written in place (refused
    once written, as PyTorch does) nor asked its ``_version``: each raises PyTorch's
    RuntimeError. ``t.clone()`` outside the mode is a normal tensor; ``no_grad()`` makes normal
    tensors. (See :mod:`arraygrad._inference`.)

    >>> import arraygrad
    >>> w = arraygrad.tensor(1.0, requires_grad=True)
    >>> with arraygrad.inference_mode():
    ...     y = w * 2
    ...     y.requires_grad, y.is_inference(), arraygrad.is_inference_mode_enabled()
    (False, True, True)
    >>> (y.clone() * w).is_inference()
    False
    """

    def __new__(cls, mode: Any = True) -> Any:
        # ``@inference_mode`` without parentheses, as PyTorch allows: the class is called with
        # the function and returns what ``@inference_mode()`` gives.
        if callable(mode) and not isinstance(mode, bool):
            return cls()(mode)
        return object.__new__(cls)

    def __init__(self, mode: bool = True) -> None:
        self.mode = bool(mode)
        # The (recording, inference, inference grad) modes before each open ``with`` of this
        # object: values, not contextvars tokens, as for no_grad (one object may be shared by
        # threads).
        self._previous: list[tuple[bool, bool, bool]] = []

    def __enter__(self) -> None:
        if self.mode:
            _inference_opened(1)
        self._previous.append((grad_enabled.get(), inference_enabled.get(), inference_grad.get()))
        grad_enabled.set(not self.mode)
        inference_enabled.set(self.mode)
        inference_grad.set(False)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        grad, inference, inference_grad_mode = self._previous.pop()
        grad_enabled.set(grad)
        inference_enabled.set(inference)
        inference_grad.set(inference_grad_mode)
        if self.mode:
            _inference_opened(-1)

    def __call__(self, func: _F) -> _F:
        return _in_mode(not self.mode, func, inference=self.mode)

    def clone(self) -> inference_mode:
        """A new context with this one's mode (PyTorch's ``clone``)."""
        return self.__class__(self.mode)
