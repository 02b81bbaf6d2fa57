"""PyTorch's deprecated positional overloads that 2.13 still accepts: the scale given before
the operand it scales, ``torch.add(x, alpha, other)``, ``x.sub_(alpha, other)``,
``torch.addcmul(x, value, tensor1, tensor2)``, ``torch.addmm(beta, x, alpha, mat1, mat2)``,
``x.addmv_(beta, mat, vec)``. Each computes as the keyword form and warns once per call site (a
UserWarning with PyTorch's text, naming the signature to use instead).

The public functions take the extra positional operand as ``*legacy`` and hand it here, which
returns the operands in the current order or raises Python's TypeError, as PyTorch does for a
call that matches neither overload.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any

from arraygrad._tensor import Tensor

__all__ = ["beta_first", "scale_first", "value_first"]


def _is_number(value: Any) -> bool:
    # PyTorch's Number parameters also take a 0-d tensor
    return isinstance(value, numbers.Number) or (isinstance(value, Tensor) and value.ndim == 0)


def _warn(name: str, old: str, *new: str) -> None:
    # stacklevel 5: this frame, _take, the resolver, the public function, then the caller
    instead = "".join(f"\n\t{name}({signature})" for signature in new)
    warnings.warn(
        f"This overload of {name} is deprecated:\n\t{name}({old})\nConsider using one of the "
        f"following signatures instead:{instead}",
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


# The matrix forms' operands, as PyTorch names them; those whose function also has an
# out_dtype overload, which its warning lists too.
_PRODUCTS = {
    "addmm": ("mat1", "mat2"),
    "addmv": ("mat", "vec"),
    "addr": ("vec1", "vec2"),
    "addbmm": ("batch1", "batch2"),
    "baddbmm": ("batch1", "batch2"),
}
_OUT_DTYPE = frozenset({"addmm", "baddbmm"})


def beta_first(
    name: str, given: tuple[Any, ...], beta: Any, alpha: Any, *, method: bool
) -> tuple[Any, Any, Any, Any, Any]:
    """``(input, first, second, beta, alpha)`` of ``addmm``, ``addmv``, ``addr``, ``addbmm`` or
    ``baddbmm`` (``name``, ``_`` ending an in-place method's) called in PyTorch's deprecated
    form, ``given`` its positional arguments: ``(beta, input, [alpha,] first, second)``, or as
    a method (``method``, ``input`` None) ``(beta, [alpha,] first, second)``; with PyTorch's
    deprecation warning.

    >>> import arraygrad, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     arraygrad.addmv(2, arraygrad.ones(2), 3, arraygrad.ones(2, 3), arraygrad.ones(3))
    tensor([11., 11.])
    """
    beta, alpha = (*_beta_scales(name, given, beta, alpha, method), 1)[:2]  # alpha 1 if not given
    return (None if method else given[1]), given[-2], given[-1], beta, alpha


def _beta_scales(
    name: str, given: tuple[Any, ...], beta: Any, alpha: Any, method: bool
) -> tuple[Any, ...]:
    """``(beta, [alpha])`` of :func:`beta_first`'s ``given``, checked to be PyTorch's deprecated
    form, whose warning is given here."""
    first, second = _PRODUCTS[name.removesuffix("_")]
    head = given[:-2]
    scales = head if method else head[:1] + head[2:]  # (beta, [alpha]); input between
    form = (
        len(scales) in (1, 2)
        and all(_is_number(value) for value in scales)
        and all(
            isinstance(value, Tensor)
            for value in (given[-2:] if method else given[1:2] + given[-2:])
        )
        and all(value.__class__ is int and value == 1 for value in (beta, alpha))
    )
    if not form:
        expected = 2 if method else 3
        example = (
            f"{name}({first}, {second}, beta=2)"
            if method
            else f"{name}(x, {first}, {second}, beta=2)"
        )
        raise _too_many(name, expected, len(given), example)
    operands = f"Tensor {first}, Tensor {second}"
    alpha_old = "Number alpha, " if len(scales) == 2 else ""
    keywords = "*, Number beta = 1, Number alpha = 1"
    if method:
        _warn(name, f"Number beta, {alpha_old}{operands}", f"{operands}, {keywords}")
        return scales
    out = ", Tensor out = None"
    new = [f"Tensor input, {operands}, {keywords}{out}"]
    if name in _OUT_DTYPE:
        new.append(f"Tensor input, {operands}, torch.dtype out_dtype, {keywords}{out}")
    _warn(name, f"Number beta, Tensor input, {alpha_old}{operands}, *{out}", *new)
    return scales
