"""``nn.utils.parametrize`` against torch 2.13.0: values, gradients, layout, state dicts."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
import arraygrad.nn
from tests.nn._compare import copy_weights

LIBS = {"torch": torch, "ag": ag}


def parametrizations(lib: Any) -> dict[str, Any]:
    """The same parametrization classes written once for either library."""
    nn = lib.nn

    class Symmetric(nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).transpose(-1, -2)

        def right_inverse(self, A):
            return A.triu()

    class Scale(nn.Module):
        def __init__(self, factor: float) -> None:
            super().__init__()
            self.factor = factor

        def forward(self, X):
            return X * self.factor

        def right_inverse(self, A):
            return A / self.factor

    class Square(nn.Module):  # no right_inverse
        def forward(self, X):
            return X * X

    class SumOfTwo(nn.Module):  # two originals
        def forward(self, A, B):
            return A + 2 * B

        def right_inverse(self, X):
            return X * 0.5, X * 0.25

    class Shrink(nn.Module):  # changes the shape
        def forward(self, X):
            return X[:-1]

    return {
        "Symmetric": Symmetric,
        "Scale": Scale,
        "Square": Square,
        "SumOfTwo": SumOfTwo,
        "Shrink": Shrink,
    }


def pair(build_layer: Any, register: Any, seed: int = 0) -> tuple[torch.nn.Module, ag.nn.Module]:
    """The same layer in both libraries, float64, same weights, then parametrized alike."""
    torch.manual_seed(seed)
    th = build_layer(torch.nn).double()
    mine = build_layer(ag.nn).double()
    copy_weights(th, mine)
    register(torch, th, parametrizations(torch))
    register(ag, mine, parametrizations(ag))
    return th, mine


def assert_close(mine: Any, theirs: Any) -> None:
    np.testing.assert_allclose(
        mine.detach().numpy(), theirs.detach().numpy(), rtol=1e-12, atol=1e-14
    )


def check_forward_backward(th: torch.nn.Module, mine: ag.nn.Module, shape: tuple[int, ...]):
    x = np.random.default_rng(1).standard_normal(shape)
    g = np.random.default_rng(2).standard_normal(th(torch.tensor(x)).shape)
    out_th = th(torch.tensor(x))
    out_ag = mine(ag.tensor(x))
    assert_close(out_ag, out_th)
    (out_th * torch.tensor(g)).sum().backward()
    (out_ag * ag.tensor(g)).sum().backward()
    named_th = dict(th.named_parameters())
    named_ag = dict(mine.named_parameters())
    assert list(named_ag) == list(named_th)
    for key, param in named_th.items():
        assert_close(named_ag[key].grad, param.grad)


def symmetric_then_scale(lib: Any, mod: Any, p: dict[str, Any]) -> None:
    lib.nn.utils.parametrize.register_parametrization(mod, "weight", p["Symmetric"]())
    lib.nn.utils.parametrize.register_parametrization(mod, "weight", p["Scale"](3.0))


def test_a_chain_on_linear_computes_torchs_values_and_gradients() -> None:
    th, mine = pair(lambda nn: nn.Linear(4, 4), symmetric_then_scale)
    assert type(mine).__name__ == type(th).__name__ == "ParametrizedLinear"
    assert isinstance(mine, ag.nn.Linear)
    assert list(mine.state_dict()) == list(th.state_dict())
    assert "parametrizations.weight.original" in mine.state_dict()
    assert_close(mine.parametrizations.weight.original, th.parametrizations.weight.original)
    assert_close(mine.weight, th.weight)
    check_forward_backward(th, mine, (3, 4))
    # Parameters: the original, not the computed weight.
    assert any(p is mine.parametrizations.weight.original for p in mine.parameters())
    assert ag.nn.utils.parametrize.is_parametrized(mine)
    assert ag.nn.utils.parametrize.is_parametrized(mine, "weight")
    assert not ag.nn.utils.parametrize.is_parametrized(mine, "bias")
    assert ag.nn.utils.parametrize.type_before_parametrizations(mine) is ag.nn.Linear


def test_conv2d_with_a_parametrization_without_right_inverse() -> None:
    def register(lib: Any, mod: Any, p: dict[str, Any]) -> None:
        lib.nn.utils.parametrize.register_parametrization(mod, "weight", p["Square"]())

    th, mine = pair(lambda nn: nn.Conv2d(2, 3, 3), register)
    check_forward_backward(th, mine, (2, 2, 5, 5))


def test_two_originals_from_right_inverse() -> None:
    def register(lib: Any, mod: Any, p: dict[str, Any]) -> None:
        lib.nn.utils.parametrize.register_parametrization(mod, "weight", p["SumOfTwo"]())

    th, mine = pair(lambda nn: nn.Linear(3, 2), register)
    assert list(mine.state_dict()) == list(th.state_dict())
    assert "parametrizations.weight.original1" in mine.state_dict()
    check_forward_backward(th, mine, (4, 3))


def test_assigning_the_weight_runs_right_inverse_into_the_same_original() -> None:
    th, mine = pair(lambda nn: nn.Linear(3, 3), symmetric_then_scale)
    original = mine.parametrizations.weight.original
    value = np.random.default_rng(3).standard_normal((3, 3))
    th.weight = torch.tensor(value)
    mine.weight = ag.tensor(value)
    assert mine.parametrizations.weight.original is original
    assert_close(original, th.parametrizations.weight.original)
    assert_close(mine.weight, th.weight)


@pytest.mark.parametrize("leave_parametrized", [True, False])
def test_remove_parametrizations_either_way(leave_parametrized: bool) -> None:
    th, mine = pair(lambda nn: nn.Linear(3, 3), symmetric_then_scale)
    original = mine.parametrizations.weight.original
    torch.nn.utils.parametrize.remove_parametrizations(th, "weight", leave_parametrized)
    ag.nn.utils.parametrize.remove_parametrizations(mine, "weight", leave_parametrized)
    assert type(mine) is ag.nn.Linear
    assert not hasattr(mine, "parametrizations")
    assert mine.weight is original  # optimizers holding it go on working
    assert isinstance(mine.weight, ag.nn.Parameter)
    assert list(mine.state_dict()) == list(th.state_dict()) == ["bias", "weight"]
    assert_close(mine.weight, th.weight)
    # Another instance of the class never saw the property.
    assert isinstance(ag.nn.Linear(3, 3).weight, ag.nn.Parameter)


def test_removing_one_of_two_parametrized_tensors_keeps_the_class() -> None:
    def register(lib: Any, mod: Any, p: dict[str, Any]) -> None:
        lib.nn.utils.parametrize.register_parametrization(mod, "weight", p["Scale"](2.0))
        lib.nn.utils.parametrize.register_parametrization(mod, "bias", p["Scale"](-1.0))

    th, mine = pair(lambda nn: nn.Linear(3, 3), register)
    assert list(mine.state_dict()) == list(th.state_dict())
    check_forward_backward(th, mine, (2, 3))
    ag.nn.utils.parametrize.remove_parametrizations(mine, "bias")
    torch.nn.utils.parametrize.remove_parametrizations(th, "bias")
    assert type(mine).__name__ == "ParametrizedLinear"
    assert list(mine.state_dict()) == list(th.state_dict())
    assert_close(mine.bias, th.bias)


def test_state_dict_round_trip_between_libraries() -> None:
    _, mine = pair(lambda nn: nn.Linear(3, 3), symmetric_then_scale, seed=0)
    torch.manual_seed(5)
    other = torch.nn.Linear(3, 3).double()
    symmetric_then_scale(torch, other, parametrizations(torch))
    copy_weights(other, mine)  # strict load of torch's keys
    assert_close(mine.weight, other.weight)
    fresh = ag.nn.Linear(3, 3).double()
    symmetric_then_scale(ag, fresh, parametrizations(ag))
    result = fresh.load_state_dict(mine.state_dict())
    assert not result.missing_keys and not result.unexpected_keys
    assert_close(fresh.weight, other.weight)


def test_a_parametrized_buffer() -> None:
    def build(nn: Any) -> Any:
        mod = nn.BatchNorm1d(3)
        return mod

    def register(lib: Any, mod: Any, p: dict[str, Any]) -> None:
        lib.nn.utils.parametrize.register_parametrization(mod, "running_var", p["Scale"](2.0))

    th, mine = pair(build, register)
    assert list(mine.state_dict()) == list(th.state_dict())
    assert not any(p is mine.parametrizations.running_var.original for p in mine.parameters())
    assert_close(mine.running_var, th.running_var)


def test_cached_computes_each_tensor_once() -> None:
    calls = []

    class Count(ag.nn.Module):
        def forward(self, X):
            calls.append(1)
            return X * 1

    layer = ag.nn.utils.parametrize.register_parametrization(ag.nn.Linear(2, 2), "weight", Count())
    calls.clear()
    with ag.nn.utils.parametrize.cached():
        first = layer.weight
        with ag.nn.utils.parametrize.cached():
            assert layer.weight is first
        assert layer.weight is first
    assert len(calls) == 1
    assert layer.weight is not first


def test_deepcopy_works_and_pickling_refuses_as_in_torch() -> None:
    th, mine = pair(lambda nn: nn.Linear(3, 3), symmetric_then_scale)
    clone = copy.deepcopy(mine)
    assert type(clone) is type(mine)
    assert_close(clone.weight, mine.weight)
    assert clone.parametrizations.weight.original is not mine.parametrizations.weight.original
    for module in (th, mine):
        with pytest.raises(RuntimeError, match="only supported through state_dict"):
            pickle.dumps(module)


def outcome(lib: Any, fn: Any) -> tuple[str, str]:
    try:
        fn(lib, parametrizations(lib))
    except (ValueError, RuntimeError, AssertionError) as error:
        # The first line: later ones quote module reprs and dtype names.
        return type(error).__name__, str(error).split("\n")[0].split(" Module")[0][:60]
    return "ok", ""


ERRORS = {
    "no such tensor": lambda lib, p: lib.nn.utils.parametrize.register_parametrization(
        lib.nn.Linear(2, 2), "nope", p["Scale"](1.0)
    ),
    "shape change": lambda lib, p: lib.nn.utils.parametrize.register_parametrization(
        lib.nn.Linear(2, 2), "weight", p["Shrink"]()
    ),
    "shape change appended": lambda lib, p: lib.nn.utils.parametrize.register_parametrization(
        lib.nn.utils.parametrize.register_parametrization(
            lib.nn.Linear(2, 2), "weight", p["Scale"](1.0)
        ),
        "weight",
        p["Shrink"](),
    ),
    "remove unparametrized": lambda lib, p: lib.nn.utils.parametrize.remove_parametrizations(
        lib.nn.Linear(2, 2), "weight"
    ),
    "leave two originals": lambda lib, p: lib.nn.utils.parametrize.remove_parametrizations(
        lib.nn.utils.parametrize.register_parametrization(
            lib.nn.Linear(2, 2), "weight", p["SumOfTwo"]()
        ),
        "weight",
        leave_parametrized=False,
    ),
    "assign without right_inverse": lambda lib, p: setattr(
        lib.nn.utils.parametrize.register_parametrization(
            lib.nn.Linear(2, 2), "weight", p["Square"]()
        ),
        "weight",
        lib.zeros(2, 2),
    ),
    "empty list": lambda lib, p: lib.nn.utils.parametrize.ParametrizationList([], lib.zeros(2)),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_errors_as_torch(case: str) -> None:
    theirs = outcome(torch, ERRORS[case])
    assert theirs[0] != "ok"
    mine = outcome(ag, ERRORS[case])
    # torch's words, then any fix arraygrad adds
    assert mine[0] == theirs[0] and mine[1].startswith(theirs[1]), (mine, theirs)


def test_unsafe_allows_a_shape_change() -> None:
    def register(lib: Any, mod: Any, p: dict[str, Any]) -> None:
        lib.nn.utils.parametrize.register_parametrization(mod, "weight", p["Shrink"](), unsafe=True)

    th, mine = pair(lambda nn: nn.Linear(3, 3, bias=False), register)
    assert tuple(mine.weight.shape) == tuple(th.weight.shape) == (2, 3)
    check_forward_backward(th, mine, (2, 3))
