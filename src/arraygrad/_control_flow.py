"""``cond`` and ``while_loop``: PyTorch's control-flow operators, run eagerly.

PyTorch captures both branches (every loop step) as graphs when ``pred`` is a tensor; in eager
mode the values and gradients are those of running the branch taken, or the body again and
again, in Python, which is what these do: the gradient flows through the ops each one ran.
What PyTorch checks before running is checked here too (the predicate's size, the loop body's
results against the carried values), with its exception classes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from arraygrad import _grad_mode
from arraygrad._tensor import Tensor

__all__ = ["cond", "while_loop"]


def _truth(value: Any, who: str) -> bool:
    """A predicate's truth: a Python bool or number, or a tensor of one element."""
    if isinstance(value, Tensor):
        if value.numel() != 1:
            if who == "cond":
                raise RuntimeError(
                    f"Expected pred to be bool or single-element tensor, but got {value}."
                )
            raise RuntimeError(
                "torch.while_loop: unsupported cond_fn return type. Expected cond_fn to return "
                f"a scalar tensor or a bool but got {value.shape}"
            )
        return bool(value.item())
    if isinstance(value, bool | int | float):
        return bool(value)
    raise RuntimeError(
        f"Expected pred to be bool or single-element tensor, but got {value!r}."
        if who == "cond"
        else "torch.while_loop: unsupported cond_fn return type. Expected cond_fn to return a "
        f"scalar tensor or a bool but got {type(value).__name__}"
    )


def cond(
    pred: bool | int | float | Tensor,
    true_fn: Callable[..., Any],
    false_fn: Callable[..., Any],
    operands: tuple[Any, ...] | list[Any] = (),
) -> Any:
    """``true_fn(*operands)`` if ``pred`` else ``false_fn(*operands)``.

    ``pred`` is a bool, a number or a one-element tensor. Only the branch taken runs; its
    result is returned as it is and gradients flow through it.

    >>> import arraygrad
    >>> x = arraygrad.tensor([1.0, 2.0])
    >>> arraygrad.cond(x.sum() > 0, lambda a: a * 2, lambda a: a * 3, (x,))
    tensor([2., 4.])
    """
    branch = true_fn if _truth(pred, "cond") else false_fn
    return branch(*operands)


def _check_carried(new: tuple[Any, ...], old: tuple[Any, ...]) -> None:
    """PyTorch's check that a step's results can be carried into the next: one per carried
    value, each a tensor of the same shape and dtype where a tensor was carried."""
    if len(new) != len(old):
        raise RuntimeError(
            "Expected body_fn_output and carried_inputs to have same number of outputs but got "
            f"{len(new)} and {len(old)}"
        )
    for index, (after, before) in enumerate(zip(new, old, strict=True)):
        if not isinstance(before, Tensor):
            continue
        for what, a, b in (
            ("shape", tuple(getattr(after, "shape", ())), tuple(before.shape)),
            ("dtype", getattr(after, "dtype", type(after)), before.dtype),
        ):
            if not isinstance(after, Tensor) or a != b:
                raise RuntimeError(
                    "Expected body_fn_output and carried_inputs to have same metadata but "
                    f"found: pair[{index}] differ in '{what}: {a} vs {b}'"
                )


def while_loop(
    cond_fn: Callable[..., Any], body_fn: Callable[..., Any], carried_inputs: tuple[Any, ...]
) -> Any:
    """Run ``carried = body_fn(*carried)`` while ``cond_fn(*carried)`` is true and return the
    last carried values, in the form the body returns them: a tuple, a list, or the single
    value of a body that returns one (also when the body never runs: it is then run once on
    the carried values, recording nothing, for PyTorch's checks of its results and their
    form, as PyTorch traces it).

    ``cond_fn`` returns a bool or a one-element tensor; ``body_fn`` returns as many values as it
    takes, of the same shapes and dtypes. Gradients flow through every step that ran.

    >>> import arraygrad
    >>> start = (arraygrad.tensor(0), arraygrad.ones(2))
    >>> i, s = arraygrad.while_loop(lambda i, s: i < 3, lambda i, s: (i + 1, s * 2), start)
    >>> i, s
    (tensor(3), tensor([8., 8.]))
    """
    if not isinstance(carried_inputs, tuple | list):
        raise RuntimeError(
            f"carried_inputs must be a tuple or list, got {type(carried_inputs).__name__}. Fix: "
            "pass (x,) for a single value."
        )
    carried = tuple(carried_inputs)
    form: type | None = None  # how the body returns its values: tuple, list, or None for one
    ran = False
    while _truth(cond_fn(*carried), "while_loop"):
        form, new = _body_results(body_fn(*carried))
        _check_carried(new, carried)
        carried, ran = new, True
    if not ran:
        # PyTorch traces the body even when it never runs: its results are checked against
        # the carried values, and the loop's result takes the body's form (one value, a tuple
        # or a list). Run it once, recording nothing, for the same checks and form; its values
        # are dropped.
        with _grad_mode.no_grad():
            form, new = _body_results(body_fn(*carried))
        _check_carried(new, carried)
    if form is None:
        return carried[0]
    return list(carried) if form is list else carried


def _body_results(result: Any) -> tuple[type | None, tuple[Any, ...]]:
    """The form of a body's results (``tuple``, ``list`` or ``None`` for a single value) and
    the results as a tuple."""
    if isinstance(result, list):
        return list, tuple(result)
    if isinstance(result, tuple):
        return tuple, result
    return None, (result,)
