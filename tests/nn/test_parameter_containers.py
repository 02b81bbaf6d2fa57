"""``nn.ParameterList`` and ``nn.ParameterDict`` against torch 2.13.0: registration, state_dict
keys, ordering, the wrapping of plain tensors, reprs, errors and training through them."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
import arraygrad.nn


def both(build: Any) -> tuple[Any, Any]:
    """``build(lib)`` for torch and for arraygrad."""
    return build(torch), build(ag)


def same_repr(mine: Any, theirs: Any) -> None:
    assert repr(mine).replace("arraygrad", "torch") == repr(theirs)


def test_parameter_list_registers_wraps_and_prints_like_torch() -> None:
    theirs, mine = both(
        lambda lib: lib.nn.ParameterList(
            [lib.nn.Parameter(lib.zeros(2, 3)), lib.ones(4, dtype=lib.float64), "label", 3]
        )
    )
    same_repr(mine, theirs)
    assert list(mine.state_dict()) == list(theirs.state_dict()) == ["0", "1"]
    assert [n for n, _ in mine.named_parameters()] == ["0", "1"]
    assert isinstance(mine[1], ag.nn.Parameter) and mine[1].requires_grad
    assert mine[2] == "label" and mine[-1] == 3 and len(mine) == len(theirs) == 4
    same_repr(mine[1:3], theirs[1:3])
    same_repr(mine[::-2], theirs[::-2])
    assert repr(ag.nn.ParameterList()) == "ParameterList()"


def test_parameter_list_append_extend_setitem_like_torch() -> None:
    theirs, mine = both(lambda lib: lib.nn.ParameterList())
    for lib, params in ((torch, theirs), (ag, mine)):
        params.append(lib.zeros(1))
        params.extend([lib.ones(2), lib.ones(3)])
        params += [lib.zeros(2, 2)]
        params[-1] = lib.nn.Parameter(lib.ones(5))
        params[0] = None
    same_repr(mine, theirs)
    assert list(mine.state_dict()) == list(theirs.state_dict())
    assert [p is None for p in mine] == [p is None for p in theirs]
    assert "0" not in dir(mine)


@pytest.mark.parametrize(
    ("action", "error"),
    [
        (lambda lib, params: params[5], IndexError),
        (lambda lib, params: params[-3], IndexError),
        (lambda lib, params: params.extend(lib.zeros(3)), TypeError),
        (lambda lib, params: params.extend(7), TypeError),
        (lambda lib, params: params(lib.zeros(1)), RuntimeError),
    ],
)
def test_parameter_list_errors_match_torch(action: Any, error: type) -> None:
    for lib in (torch, ag):
        params = lib.nn.ParameterList([lib.zeros(1), lib.zeros(2)])
        with pytest.raises(error):
            action(lib, params)


def test_parameter_dict_registers_sorts_plain_dicts_and_prints_like_torch() -> None:
    theirs, mine = both(
        lambda lib: lib.nn.ParameterDict(
            {"b": lib.nn.Parameter(lib.zeros(2)), "a": lib.ones(3, 2, dtype=lib.float64), "c": 1}
        )
    )
    same_repr(mine, theirs)
    assert list(mine) == list(theirs) == ["a", "b", "c"]
    assert list(mine.state_dict()) == list(theirs.state_dict()) == ["a", "b"]
    assert isinstance(mine["a"], ag.nn.Parameter)
    # An OrderedDict or a sequence of pairs keeps its order.
    theirs, mine = both(
        lambda lib: lib.nn.ParameterDict(OrderedDict([("z", lib.zeros(1)), ("y", lib.zeros(2))]))
    )
    assert list(mine) == list(theirs) == ["z", "y"]
    theirs, mine = both(lambda lib: lib.nn.ParameterDict([("q", lib.zeros(1)), ("p", None)]))
    assert list(mine) == list(theirs) == ["q", "p"]
    same_repr(mine, theirs)


def test_parameter_dict_mapping_methods_like_torch() -> None:
    results = []
    for lib in (torch, ag):
        params = lib.nn.ParameterDict({"a": lib.zeros(1), "b": lib.zeros(2)})
        params["c"] = lib.ones(3)
        params.setdefault("d", lib.ones(4))
        params.setdefault("a", lib.ones(9))
        popped = params.pop("b")
        key, value = params.popitem()
        params.update([("e", lib.ones(1))])
        other = lib.nn.ParameterDict({"f": lib.ones(2)})
        merged = params | other
        params |= other
        fresh = params.fromkeys(["x", "y"], lib.ones(1))
        copy = params.copy()
        del copy["a"]
        results.append(
            (
                list(params.keys()),
                [tuple(v.shape) for v in params.values()],
                [k for k, _ in params.items()],
                tuple(popped.shape),
                key,
                tuple(value.shape),
                list(merged),
                list(fresh),
                list(copy),
                "a" in params,
                params.get("zz", 5),
                tuple(params.get("a").shape),
                list(reversed(params)),
                len(params),
            )
        )
        params.clear()
        results.append((len(params), list(params.state_dict())))
    assert results[0::2][0] == results[0::2][1]
    assert results[1] == results[3]


@pytest.mark.parametrize(
    ("action", "error"),
    [
        (lambda lib, params: params[1], TypeError),
        (lambda lib, params: params.__setitem__(2, lib.zeros(1)), TypeError),
        (lambda lib, params: params["missing"], AttributeError),
        (lambda lib, params: params.update(5), TypeError),
        (lambda lib, params: params.update([("a", lib.zeros(1), 3)]), ValueError),
        (lambda lib, params: params.update([5]), TypeError),
        (lambda lib, params: params(lib.zeros(1)), RuntimeError),
        (lambda lib, params: lib.nn.ParameterDict().popitem(), KeyError),
    ],
)
def test_parameter_dict_errors_match_torch(action: Any, error: type) -> None:
    for lib in (torch, ag):
        params = lib.nn.ParameterDict({"a": lib.zeros(1)})
        with pytest.raises(error):
            action(lib, params)


def _mixture(lib: Any) -> Any:
    """A module keeping weights in a ParameterList and biases in a ParameterDict."""

    class Mixture(lib.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.weights = lib.nn.ParameterList([lib.ones(3) * (i + 1) for i in range(2)])
            self.biases = lib.nn.ParameterDict({"second": lib.ones(3), "first": lib.zeros(3)})

        def forward(self, x: Any) -> Any:
            first = x * self.weights[0] + self.biases["first"]
            return (first * self.weights[1] + self.biases["second"]).sum()

    return Mixture()


def test_parameters_in_containers_belong_to_the_owner_and_train() -> None:
    theirs, mine = both(_mixture)
    same_repr(mine, theirs)
    assert list(mine.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in mine.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    x = np.array([0.5, -1.0, 2.0], dtype=np.float32)
    theirs(torch.tensor(x)).backward()
    mine(ag.tensor(x)).backward()
    for (name, p_mine), (_, p_theirs) in zip(
        mine.named_parameters(), theirs.named_parameters(), strict=True
    ):
        np.testing.assert_allclose(p_mine.grad.numpy(), p_theirs.grad.numpy(), err_msg=name)
    # load_state_dict round trip, and the optimiser sees every parameter
    state = {k: ag.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()}
    mine.load_state_dict(state)
    optimizer = ag.optim.SGD(mine.parameters(), lr=0.1)
    optimizer.step()
    assert len(list(mine.parameters())) == 4
