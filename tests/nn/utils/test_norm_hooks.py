"""The hook-based ``nn.utils.weight_norm`` / ``spectral_norm`` against torch 2.13.0."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
import arraygrad.nn
from tests.nn._compare import copy_weights


def assert_close(mine: Any, theirs: Any) -> None:
    np.testing.assert_allclose(
        mine.detach().numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12
    )


def quiet(fn: Any, *args: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return fn(*args, **kwargs)


def pair(build: Any, apply: Any) -> tuple[Any, Any]:
    torch.manual_seed(0)
    th = quiet(apply, torch, build(torch.nn).double())
    mine = quiet(apply, ag, build(ag.nn).double())
    assert list(mine.state_dict()) == list(th.state_dict())
    copy_weights(th, mine)
    return th, mine


def step(th: Any, mine: Any, x: np.ndarray, seed: int) -> None:
    th.zero_grad()
    mine.zero_grad()
    out_th, out_ag = th(torch.tensor(x)), mine(ag.tensor(x))
    assert_close(out_ag, out_th)
    g = np.random.default_rng(seed).standard_normal(tuple(out_th.shape))
    (out_th * torch.tensor(g)).sum().backward()
    (out_ag * ag.tensor(g)).sum().backward()
    named = dict(mine.named_parameters())
    assert list(named) == [name for name, _ in th.named_parameters()]
    for key, param in th.named_parameters():
        assert_close(named[key].grad, param.grad)


@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_hooks_match_torch(dim: int | None) -> None:
    def apply(lib: Any, mod: Any) -> Any:
        return lib.nn.utils.weight_norm(mod, dim=dim)

    th, mine = pair(lambda nn: nn.Conv2d(2, 3, 3), apply)
    assert "weight_g" in mine.state_dict() and "weight_v" in mine.state_dict()
    x = np.random.default_rng(1).standard_normal((2, 2, 5, 5))
    step(th, mine, x, seed=2)
    torch.nn.utils.remove_weight_norm(th)
    ag.nn.utils.remove_weight_norm(mine)
    assert list(mine.state_dict()) == list(th.state_dict())
    assert isinstance(mine.weight, ag.nn.Parameter)
    assert_close(mine.weight, th.weight)


def test_weight_norm_hooks_warn_as_torch() -> None:
    messages = []
    for lib in (torch, ag):
        with pytest.warns(FutureWarning) as record:
            lib.nn.utils.weight_norm(lib.nn.Linear(2, 2))
        messages.append(str(record[0].message))
    assert messages[0] == messages[1]


def test_weight_norm_registration_computes_torchs_g() -> None:
    torch.manual_seed(0)
    th = torch.nn.Linear(3, 2).double()
    mine = ag.nn.Linear(3, 2).double()
    copy_weights(th, mine)
    quiet(torch.nn.utils.weight_norm, th)
    quiet(ag.nn.utils.weight_norm, mine)
    assert_close(mine.weight_g, th.weight_g)


@pytest.mark.parametrize(
    "build, shape",
    [(lambda nn: nn.Linear(4, 3), (5, 4)), (lambda nn: nn.ConvTranspose2d(2, 3, 3), (1, 2, 4, 4))],
)
def test_spectral_norm_hooks_match_torch(build: Any, shape: tuple[int, ...]) -> None:
    def apply(lib: Any, mod: Any) -> Any:
        return lib.nn.utils.spectral_norm(mod, n_power_iterations=2)

    th, mine = pair(build, apply)  # the same weight_orig, weight_u and weight_v
    assert [k for k in mine.state_dict() if k.startswith("weight")] == [
        "weight_orig",
        "weight_u",
        "weight_v",
    ]
    rng = np.random.default_rng(3)
    for seed in range(3):
        step(th, mine, rng.standard_normal(shape), seed)
        assert_close(mine.weight_u, th.weight_u)
        assert_close(mine.weight_v, th.weight_v)
    th.eval()
    mine.eval()
    u = mine.weight_u.clone()
    step(th, mine, rng.standard_normal(shape), 7)
    assert ag.equal(mine.weight_u, u)
    torch.nn.utils.remove_spectral_norm(th)
    ag.nn.utils.remove_spectral_norm(mine)
    assert list(mine.state_dict()) == list(th.state_dict())
    assert_close(mine.weight, th.weight)


ERRORS = {
    "weight_norm twice": lambda lib: lib.nn.utils.weight_norm(
        lib.nn.utils.weight_norm(lib.nn.Linear(2, 2))
    ),
    "remove_weight_norm missing": lambda lib: lib.nn.utils.remove_weight_norm(lib.nn.Linear(2, 2)),
    "spectral_norm twice": lambda lib: lib.nn.utils.spectral_norm(
        lib.nn.utils.spectral_norm(lib.nn.Linear(2, 2))
    ),
    "spectral_norm iterations": lambda lib: lib.nn.utils.spectral_norm(
        lib.nn.Linear(2, 2), n_power_iterations=0
    ),
    "spectral_norm None": lambda lib: lib.nn.utils.spectral_norm(
        lib.nn.Linear(2, 2, bias=False), name="bias"
    ),
    "remove_spectral_norm missing": lambda lib: lib.nn.utils.remove_spectral_norm(
        lib.nn.Linear(2, 2)
    ),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_errors_as_torch(case: str) -> None:
    outcomes = []
    for lib in (torch, ag):
        with pytest.raises((RuntimeError, ValueError)) as info:
            quiet(ERRORS[case], lib)
        # The module's repr in some messages says "arraygrad" where torch's says "torch".
        outcomes.append((info.type, str(info.value).split(" in ")[0]))
    # torch's words, then the fix arraygrad adds
    assert outcomes[0][0] == outcomes[1][0] and outcomes[1][1].startswith(outcomes[0][1])
