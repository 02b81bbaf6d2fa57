"""``gradcheck`` / ``gradgradcheck``: PyTorch's signature, verdicts and error class."""

from __future__ import annotations

import inspect
import warnings
from typing import Any

import numpy as np
import pytest
import torch
from torch.autograd.gradcheck import GradcheckError as TorchGradcheckError

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


# Complex inputs and outputs: checked as PyTorch's gradcheck checks them (real and imaginary part
# of each complex input perturbed; real and imaginary part of each complex output checked apart).

_Z = np.array([1 + 2j, 0.5 - 1j, -0.3 + 0.2j])
_M = np.array([[1 + 2j, 0.5 - 1j], [0.1j, -2 + 0.3j]])
_N = np.array([[0.3 - 1j, 1.5], [2j, -0.2 + 0.1j]])


def _lib(t: Any) -> Any:
    return ag if isinstance(t, ag.Tensor) else torch


def _wrong_complex_cases(lib: Any) -> dict[str, tuple[Any, tuple[Any, ...]]]:
    """Deliberately wrong backwards of complex functions, built in ``lib`` (arraygrad or torch)."""

    class TimesThree(lib.autograd.Function):  # the review's repro: d(z*z) is 2z, not 3
        @staticmethod
        def forward(ctx: Any, z: Any) -> Any:
            return z * z

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            return g * 3

    class Unconjugated(lib.autograd.Function):  # |z|² whose gradient 2z is given as 2·conj(z)
        @staticmethod
        def forward(ctx: Any, z: Any) -> Any:
            ctx.save_for_backward(z)
            return (z * z.conj()).real

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            (z,) = ctx.saved_tensors
            return g * 2 * z.conj()

    def hooked(z: Any) -> Any:  # z*z, its gradient tripled on the way back
        y = z * z
        if y.requires_grad:
            y.register_hook(lambda g: g * 3)
        return y

    z = lib.tensor(_Z, requires_grad=True)
    r = lib.tensor(np.array([0.5, -1.2, 2.0]), requires_grad=True)
    return {
        "repro": (TimesThree.apply, (z,)),
        "complex_to_real": (Unconjugated.apply, (z,)),
        "complex_output": (hooked, (z,)),
        "real_times_complex": (lambda a, b: a * hooked(b), (r, z)),
    }


@pytest.mark.parametrize(
    "case", ["repro", "complex_to_real", "complex_output", "real_times_complex"]
)
@pytest.mark.parametrize("fast_mode", [False, True])
def test_wrong_complex_backward_fails_as_in_torch(case: str, fast_mode: bool) -> None:
    heads = []
    for lib, check, error in (
        (ag, gradcheck, GradcheckError),
        (torch, torch.autograd.gradcheck, TorchGradcheckError),
    ):
        fn, inputs = _wrong_complex_cases(lib)[case]
        with pytest.raises(error) as caught:
            check(fn, inputs, fast_mode=fast_mode)
        heads.append(str(caught.value).split("\n")[0])
        assert check(fn, inputs, fast_mode=fast_mode, raise_exception=False) is False
        if lib is ag:
            assert "Fix: " in str(caught.value)
    if case != "repro":  # (arraygrad's Function gives a complex output no grad_fn: see below)
        assert heads[0] == heads[1]


def test_complex_mismatch_shows_torch_s_complex_jacobians() -> None:
    texts = []
    for lib, error in ((ag, GradcheckError), (torch, TorchGradcheckError)):
        fn, inputs = _wrong_complex_cases(lib)["complex_output"]
        with pytest.raises(error) as caught:
            lib.autograd.gradcheck(fn, inputs)
        texts.append(str(caught.value).replace("torch.", "arraygrad."))
    # d Im(z²) = 2y dx + 2x dy: the numerical row is 2y + 2x·i; the tripled backward gives 6y + 6xi
    assert texts[0].startswith(
        "While considering the imaginary part of complex outputs only, Jacobian mismatch for "
        "output 0 with respect to input 0,\nnumerical:tensor([[ 4.0000+2.0000j,"
    )
    assert texts[0].split("analytical:")[0] == texts[1].split("analytical:")[0]
    assert "analytical:tensor([[12.0000+6.0000j," in texts[0]
    assert "conj(f'(z))" in texts[0]


@pytest.mark.parametrize(
    "fn, inputs",
    [
        (lambda z: z * z, (_Z,)),
        (lambda z: z.exp(), (_Z,)),
        (lambda z: z.abs(), (_Z,)),
        (lambda z: z.angle(), (_Z,)),
        (lambda z: (z.real, z.imag * 2), (_Z,)),
        (lambda z: _lib(z).view_as_real(z) * z.abs().unsqueeze(-1), (_Z,)),
        (lambda a, b: a @ b, (_M, _N)),
        (lambda z: (z.abs() ** 2).sum() + (z * z).real.sum(), (_Z,)),
        (lambda z, r: (z * r, (z / (1 + r)).abs()), (_Z, np.array([0.5, -0.2, 2.0]))),
    ],
    ids=["mul", "exp", "abs", "angle", "real_imag", "view_as_real", "matmul", "loss", "mixed"],
)
def test_correct_complex_functions_pass_as_in_torch(fn: Any, inputs: tuple[Any, ...]) -> None:
    tensors = tuple(ag.tensor(a, requires_grad=True) for a in inputs)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # complex128 is double precision: no warning
        assert gradcheck(fn, tensors)
    assert gradcheck(fn, tensors, fast_mode=True)
    assert gradcheck(fn, tensors, check_forward_ad=True, check_backward_ad=False)
    assert gradgradcheck(fn, tensors)
    assert torch.autograd.gradcheck(fn, tuple(torch.tensor(a, requires_grad=True) for a in inputs))


def test_complex_jacobian_is_the_conjugate_wirtinger_layout() -> None:
    """A complex input's numerical row is ds/dx + i·ds/dy, the gradient backward returns."""
    from arraygrad.autograd.gradcheck import analytical_jacobian, numerical_jacobian

    z = ag.tensor(_Z[:2], requires_grad=True)
    numerical = numerical_jacobian(lambda t: (t * t).imag, (z,))[0][0]
    analytical = analytical_jacobian(lambda t: (t * t).imag, (z,))[0][0]
    y, x = _Z[:2].imag, _Z[:2].real
    np.testing.assert_allclose(numerical, np.diag(2 * y + 2j * x), atol=1e-8)
    np.testing.assert_allclose(analytical, np.diag(2 * y + 2j * x), atol=1e-12)


def test_complex_dtype_warnings_match_torch() -> None:
    words = "not a double precision floating point or complex"
    for lib, check in ((ag, gradcheck), (torch, torch.autograd.gradcheck)):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert check(lambda t: t * 2, (lib.tensor(_Z, requires_grad=True),))
        z64 = lib.tensor(_Z, dtype=lib.complex64, requires_grad=True)
        with pytest.warns(UserWarning, match=words):
            assert check(lambda t: t * 2, (z64,), eps=1e-3, atol=1e-2, rtol=1e-2)
    with pytest.warns(UserWarning, match="Fix: create it with dtype=arraygrad.complex128"):
        gradcheck(lambda t: t * 2, (ag.tensor(_Z, dtype=ag.complex64, requires_grad=True),), atol=1)


def test_gradgradcheck_catches_missing_complex_second_derivative() -> None:
    results = []
    for lib, check in ((ag, gradgradcheck), (torch, torch.autograd.gradgradcheck)):

        class FourthPower(lib.autograd.Function):  # |z|⁴, gradient 4|z|²z from detached values
            @staticmethod
            def forward(ctx: Any, z: Any) -> Any:
                ctx.save_for_backward(z)
                return (z * z.conj()).real ** 2

            @staticmethod
            def backward(ctx: Any, g: Any) -> Any:
                (z,) = ctx.saved_tensors
                return g * 4 * ((z * z.conj()).real * z).detach()

        z = lib.tensor(_Z, requires_grad=True)
        assert lib.autograd.gradcheck(FourthPower.apply, (z,))
        results.append(check(FourthPower.apply, (z,), raise_exception=False))
    assert results == [False, False]


class _Tripled(torch.autograd.Function):
    """2x forward, 3 as the derivative: a wrong backward, in torch and (below) arraygrad."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        return x * 2

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        return grad * 3


class _AgTripled(ag.autograd.Function):
    forward = _Tripled.forward
    backward = _Tripled.backward


_OUTPUTS = {
    # (torch numbers only the outputs that require grad, and checks only those)
    "detached first": lambda m, f, x: (x.detach() * 1, f.apply(x)),
    "detached between": lambda m, f, x: (x * 2, x.detach() * 1, f.apply(x)),
    "detached, all right": lambda m, f, x: (x * 2, x.detach().sum(), x * 3),
    "none requires grad": lambda m, f, x: x.detach() * 1,  # the numerical Jacobian must be 0
    "none, all zero": lambda m, f, x: (x.detach() * 0, m.tensor([1])),
}


# (torch's fast mode pairs the outputs that require grad with all outputs' numerical
# derivatives: with a detached output before one that is right, it reports a mismatch)
@pytest.mark.parametrize(
    ("case", "fast_mode"),
    [
        (case, fast)
        for case in _OUTPUTS
        for fast in (False, True)
        if (case, fast) != ("detached, all right", True)
    ],
)
def test_gradcheck_checks_and_numbers_the_outputs_that_require_grad_as_torch(
    case: str, fast_mode: bool
) -> None:
    outputs = _OUTPUTS[case]
    said = []
    for m, f in ((torch, _Tripled), (ag, _AgTripled)):
        x = m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)
        try:
            said.append(
                m.autograd.gradcheck(
                    lambda x, m=m, f=f: outputs(m, f, x), (x,), fast_mode=fast_mode
                )
            )
        except (GradcheckError, TorchGradcheckError) as error:
            # the Jacobians too where whole (fast mode's random products differ)
            text = str(error).split("Fix:")[0].replace(", dtype=torch.float64", "").rstrip()
            said.append(text.split("\n")[0] if fast_mode else text)
    assert said[1] == said[0]
