"""PyTorch's deprecated positional overloads that 2.13 still accepts: the scale given before
the operand it scales, ``torch.add(x, alpha, other)``, ``x.sub_(alpha, other)``,
``torch.addcmul(x, value, tensor1, tensor2)``. Each computes as the keyword form and warns
once per call site (a UserWarning with PyTorch's text, naming the signature to use instead).

The public functions take the extra positional operand as ``*legacy`` and hand it here, which
returns the operands in the current order or raises Python's TypeError, as PyTorch does for a
call that matches neither overload.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any

from arraygrad._tensor import Tensor

__all__ = ["scale_first", "value_first"]


def _is_number(value: Any) -> bool:
    # PyTorch's Number parameters also take a 0-d tensor
    return isinstance(value, numbers.Number) or (isinstance(value, Tensor) and value.ndim == 0)


def _warn(name: str, old: str, new: str) -> None:
    # stacklevel 5: this frame, _take, the resolver, the public function, then the caller
    warnings.warn(
        f"This overload of {name} is deprecated:\n\t{name}({old})\nConsider using one of the "
        f"following signatures instead:\n\t{name}({new})",
        UserWarning,
        stacklevel=5,
    )


def _too_many(name: str, expected: int, got: int, example: str) -> TypeError:
    arguments = "argument" if expected == 1 else "arguments"
    return TypeError(
        f"{name}() takes {expected} positional {arguments} but {got} were given. Fix: pass the "
        f"scale by keyword, e.g. {example}."
    )


def _take(
    name: str, keyword: str, operands: str, scale: Any, legacy: tuple[Any, ...], given: Any
) -> None:
    """Check that ``name`` was called in the deprecated form, the ``keyword`` scale (``scale``)
    first, then the operands (their PyTorch parameters, ``operands``), and warn as PyTorch does;
    ``given`` is the keyword's own value (the default, 1, when the form is used)."""
    method = name.startswith("Tensor.")
    name = name.removeprefix("Tensor.")
    positional = operands.count(",") + (1 if method else 2)  # those of the current form
    default = given.__class__ is int and given == 1
    if len(legacy) != 1 or not _is_number(scale) or not default:
        example = f"{name}(x, {'t1, t2' if keyword == 'value' else 'y'}, {keyword}=2)"
        raise _too_many(name, positional, positional + len(legacy), example)
    head = "" if method else "Tensor input, "
    tail = "" if method else ", Tensor out = None"
    _warn(
        name,
        f"{head}Number {keyword}, {operands}" + (f", *{tail}" if tail else ""),
        f"{head}{operands}, *, Number {keyword} = 1{tail}",
    )


def scale_first(
    name: str, other: Any, legacy: tuple[Any, ...], alpha: Any, *, method: bool
) -> tuple[Any, Any]:
    """``(other, alpha)`` of ``add``/``sub`` called as ``(input, alpha, other)`` (``method``:
    as ``x.add(alpha, other)``), with PyTorch's deprecation warning.

    >>> import arraygrad, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     arraygrad.add(arraygrad.tensor([1.0]), 2, arraygrad.tensor([3.0]))
    tensor([7.])
    """
    _take(f"Tensor.{name}" if method else name, "alpha", "Tensor other", other, legacy, alpha)
    return legacy[0], other


def value_first(
    name: str, tensor1: Any, tensor2: Any, legacy: tuple[Any, ...], value: Any, *, method: bool
) -> tuple[Any, Any, Any]:
    """``(tensor1, tensor2, value)`` of ``addcmul``/``addcdiv`` called as ``(input, value,
    tensor1, tensor2)`` (``method``: as ``x.addcmul(value, tensor1, tensor2)``), with
    PyTorch's deprecation warning.

    >>> import arraygrad, warnings
    >>> one = arraygrad.tensor([1.0])
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     arraygrad.addcmul(one, 2, one * 3, one * 4)
    tensor([25.])
    """
    operands = "Tensor tensor1, Tensor tensor2"
    _take(f"Tensor.{name}" if method else name, "value", operands, tensor1, legacy, value)
    return tensor2, legacy[0], tensor1
