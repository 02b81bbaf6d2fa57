"""PyTorch's ``sym_*`` helpers on plain Python numbers: ``sym_max``, ``sym_min``, ``sym_int``,
``sym_float``, ``sym_not``, ``sym_sqrt``, ``sym_ite`` and ``sym_sum``.

In PyTorch they exist so that shape arithmetic can be traced symbolically; eagerly, on ints,
floats and bools, they are the Python operations below, with PyTorch's checks. arraygrad's
compiler traces numbers its own way (:mod:`arraygrad._compile_numbers`), so here they are only
the eager functions code written for PyTorch calls.

>>> import arraygrad
>>> arraygrad.sym_max(2, 3.0), arraygrad.sym_int(-2.7), arraygrad.sym_sum([1, 2, 3])
(3.0, -2, 6)
"""

from __future__ import annotations

import builtins
import math
from typing import Any

from arraygrad import _backend

__all__ = [
    "sym_float",
    "sym_int",
    "sym_ite",
    "sym_max",
    "sym_min",
    "sym_not",
    "sym_sqrt",
    "sym_sum",
]

# What sym_max and sym_min accept, named in their refusal as PyTorch names it.
_NUMBER_TYPES = (*_backend.NUMPY_NUMBER_TYPES, builtins.int, builtins.float)


def _check_number(value: Any) -> None:
    if not isinstance(value, _NUMBER_TYPES):
        raise AssertionError(f"expected {_NUMBER_TYPES}, got {type(value)}")


def _is_float(value: Any) -> bool:
    return isinstance(value, (builtins.float, _backend.NUMPY_NUMBER_TYPES[1]))


def sym_max(a: Any, b: Any) -> Any:
    """The larger of two numbers, a float when either is a float (``max`` keeps the type of
    the one it picks); NaN as ``max`` gives it: only a NaN first argument wins.

    >>> sym_max(3, 2.0)
    3.0
    """
    _check_number(a)
    _check_number(b)
    larger = builtins.max(a, b)
    return builtins.float(larger) if _is_float(a) or _is_float(b) else larger


def sym_min(a: Any, b: Any) -> Any:
    """The smaller of two numbers, a float when either is a float.

    >>> sym_min(2, 3.0)
    2.0
    """
    _check_number(a)
    _check_number(b)
    smaller = builtins.min(a, b)
    return builtins.float(smaller) if _is_float(a) or _is_float(b) else smaller


def sym_int(a: Any) -> int:
    """``int(a)``: a float rounded toward zero.

    >>> sym_int(2.7), sym_int(-2.7)
    (2, -2)
    """
    return builtins.int(a)


def sym_float(a: Any) -> float:
    """``float(a)``.

    >>> sym_float(2)
    2.0
    """
    return builtins.float(a)


def sym_not(a: Any) -> bool:
    """``not a``.

    >>> sym_not(0)
    True
    """
    return not a


def sym_sqrt(a: Any) -> float:
    """``math.sqrt(a)``: a float; a negative number raises ValueError.

    >>> sym_sqrt(4)
    2.0
    """
    return math.sqrt(a)


def sym_ite(b: Any, t: Any, f: Any) -> Any:
    """``t if b else f``, where ``b`` must be a bool and ``t`` and ``f`` of one type.

    >>> sym_ite(False, 1, 2)
    2
    """
    if not isinstance(b, builtins.bool):
        raise AssertionError(f"expected SymBool or bool, got {type(b)}")
    if type(t) is not type(f):
        raise AssertionError(f"type mismatch: {type(t)} vs {type(f)}")
    return t if b else f


def sym_sum(*args: Any) -> Any:
    """The sum of the numbers, given as one list or tuple or as separate arguments (0 for
    none), added left to right from 0 as ``sum`` does.

    >>> sym_sum([1, 2.5]), sym_sum(1, 2)
    (3.5, 3)
    """
    if len(args) == 1 and isinstance(args[0], (list, tuple)):
        args = tuple(args[0])
    total: Any = 0
    for value in args:  # Python's TypeError for what an int cannot be added to
        total = total + value
    return total
