"""Python's operators on tensors (``_tensor_operators.py``): an operand they cannot read (a
dtype, ``None``, a string, any object) makes them return ``NotImplemented``, as torch 2.13's
do, so Python raises its own TypeError, ``==``/``!=`` compare identities and the tensor is left
untouched by ``+=``."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import pytest
import torch

import arraygrad as ag

BINARY = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "//": operator.floordiv,
    "%": operator.mod,
    "**": operator.pow,
    "@": operator.matmul,
    "&": operator.and_,
    "|": operator.or_,
    "^": operator.xor,
    "<<": operator.lshift,
    ">>": operator.rshift,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
IN_PLACE = {
    "+=": operator.iadd,
    "-=": operator.isub,
    "*=": operator.imul,
    "/=": operator.itruediv,
    "//=": operator.ifloordiv,
    "%=": operator.imod,
    "**=": operator.ipow,
    "@=": operator.imatmul,
    "&=": operator.iand,
    "|=": operator.ior,
    "^=": operator.ixor,
    "<<=": operator.ilshift,
    ">>=": operator.irshift,
}
# The same operand in each library; the dtype is the library's own.
OPERANDS: dict[str, Callable[[Any], Any]] = {
    "dtype": lambda lib: lib.float64,
    "None": lambda lib: None,
    "object": lambda lib: _Opaque(),
}


class _Opaque:
    pass


def _error(call: Callable[[], Any]) -> tuple[type[BaseException], str]:
    with pytest.raises(Exception) as info:
        call()
    # (PyTorch's C type is named 'torch.dtype' in Python's messages; arraygrad's class 'dtype')
    message = str(info.value).replace("torch.dtype", "dtype")
    return info.type, message


# (symbol, reflected): the tensor first, or second (binary operators only)
FORMS = [(s, False) for s in [*BINARY, *IN_PLACE]] + [(s, True) for s in BINARY]


@pytest.mark.parametrize("operand", list(OPERANDS))
@pytest.mark.parametrize(("symbol", "reflected"), FORMS, ids=[f"{s}{'r' * r}" for s, r in FORMS])
def test_an_unreadable_operand_is_pythons_type_error_as_torch(
    symbol: str, operand: str, reflected: bool
) -> None:
    function = BINARY.get(symbol) or IN_PLACE[symbol]
    errors = []
    for lib in (ag, torch):
        x, other = lib.ones(2), OPERANDS[operand](lib)
        operands = (other, x) if reflected else (x, other)
        errors.append(_error(lambda: function(*operands)))  # noqa: B023 - called at once
        assert x.tolist() == [1.0, 1.0]  # untouched (x += ... too)
    assert errors[0] == errors[1]
    assert errors[0][0] is TypeError


def test_the_message_names_arraygrads_classes() -> None:
    with pytest.raises(
        TypeError, match=r"unsupported operand type\(s\) for \+: 'Tensor' and 'dtype'"
    ):
        ag.ones(2) + ag.float64


@pytest.mark.parametrize("operand", ["dtype", "None", "object", "str"])
def test_equality_with_an_unreadable_operand_is_identity_as_torch(operand: str) -> None:
    for lib in (ag, torch):
        x = lib.ones(2)
        other = "a" if operand == "str" else OPERANDS[operand](lib)
        assert (x == other) is False
        assert (x != other) is True
        assert x.__add__(other) is NotImplemented
        assert x.__radd__(other) is NotImplemented
        assert x.__iadd__(other) is NotImplemented


def test_a_string_operand_is_pythons_type_error_as_torch() -> None:
    for lib in (ag, torch):
        x = lib.ones(2)
        with pytest.raises(TypeError, match=r"for \+: 'Tensor' and 'str'"):
            operator.add(x, "a")
        with pytest.raises(TypeError, match=r"for -: 'str' and 'Tensor'"):
            operator.sub("a", x)
        assert operator.mod("a", x) == "a"  # str's own % formats, after Tensor.__rmod__ declined


def test_a_readable_operands_error_is_kept() -> None:
    # only an unreadable operand becomes NotImplemented: a float tensor's &= is refused as before
    with pytest.raises(RuntimeError, match="can't be cast"):
        ag.tensor([3]).__iand__(ag.tensor([1.5]))
