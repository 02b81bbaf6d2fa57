"""``gradcheck`` / ``gradgradcheck``: PyTorch's signature, verdicts and error class."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from arraygrad.autograd import gradcheck, gradgradcheck
from arraygrad.autograd.gradcheck import GradcheckError


def _x(values: Any = (0.5, -1.2, 2.0), requires_grad: bool = True) -> ag.Tensor:
    return ag.tensor(np.array(values), requires_grad=requires_grad)


class _WrongBackward(ag.autograd.Function):
    """sin with the derivative of -cos... wrong by a sign at every element."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return x.sin()

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        (x,) = ctx.saved_tensors
        return -g * x.cos()


class _FirstOrderOnly(ag.autograd.Function):
    """Right first derivative, but computed from detached values: no second derivative."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        (x,) = ctx.saved_tensors
        return g * 3 * x.detach() ** 2


def test_signatures_match_torch() -> None:
    for mine, theirs in (
        (gradcheck, torch.autograd.gradcheck),
        (gradgradcheck, torch.autograd.gradgradcheck),
    ):
        ours = inspect.signature(mine).parameters
        expected = inspect.signature(theirs).parameters
        assert list(ours) == list(expected)
        for name, parameter in expected.items():
            assert ours[name].default == parameter.default, name
            assert ours[name].kind == parameter.kind, name
    assert issubclass(GradcheckError, RuntimeError)


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: x.sin() * x,
        lambda x: (x.exp(), (x * x).sum()),
        lambda x: x.tanh() @ x,
        lambda x: x.reshape(3, 1) * x,
    ],
)
def test_correct_gradients_pass(fn: Any) -> None:
    assert gradcheck(fn, (_x(),))
    assert gradcheck(fn, (_x(),), fast_mode=True)
    assert gradgradcheck(fn, (_x(),))
    assert gradcheck(fn, (_x(),), check_forward_ad=True)


def test_wrong_gradient_raises_and_names_output_and_input() -> None:
    y = ag.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    with pytest.raises(GradcheckError, match="output 0 with respect to input 1"):
        gradcheck(lambda a, b: a * 2 + _WrongBackward.apply(b), (_x(), y))
    with pytest.raises(GradcheckError, match="numerical"):
        gradcheck(_WrongBackward.apply, (_x(),), fast_mode=True)
    assert gradcheck(_WrongBackward.apply, (_x(),), raise_exception=False) is False


def test_gradgradcheck_catches_missing_second_derivative() -> None:
    assert gradcheck(_FirstOrderOnly.apply, (_x(),))
    with pytest.raises(GradcheckError, match="Jacobian mismatch"):
        gradgradcheck(_FirstOrderOnly.apply, (_x(),))
    assert gradgradcheck(_FirstOrderOnly.apply, (_x(),), raise_exception=False) is False


def test_misuse_matches_torch() -> None:
    for lib, check in ((ag, gradcheck), (torch, torch.autograd.gradcheck)):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64)
        with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
            check(lambda t: t * 2, (x,))
    with pytest.warns(UserWarning, match="not a double precision"):
        gradcheck(lambda t: t * 2, (ag.tensor([1.0, 2.0], requires_grad=True),), atol=0.2)


def test_explicit_grad_outputs_and_non_tensor_inputs() -> None:
    v = ag.tensor(np.array([1.0, -2.0, 0.5]), requires_grad=True)
    assert gradgradcheck(lambda t, k: t**3 * k, (_x(), 2.0), (v,))
    assert gradcheck(lambda t: t.sum() * 0 + t[0], (_x(),))
