"""``nn.utils.parametrizations.weight_norm`` / ``spectral_norm`` against torch 2.13.0."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
import arraygrad.nn
from tests.nn._compare import copy_weights


def assert_close(mine: Any, theirs: Any, rtol: float = 1e-10) -> None:
    np.testing.assert_allclose(
        mine.detach().numpy(), theirs.detach().numpy(), rtol=rtol, atol=1e-12
    )


def pair(build: Any, apply: Any) -> tuple[torch.nn.Module, ag.nn.Module]:
    """Both libraries' layer, parametrized, with torch's state (originals and buffers)."""
    torch.manual_seed(0)
    th = apply(torch, build(torch.nn).double())
    mine = apply(ag, build(ag.nn).double())
    assert list(mine.state_dict()) == list(th.state_dict())
    copy_weights(th, mine)
    return th, mine


def forward_backward(th: Any, mine: Any, x: np.ndarray, seed: int) -> None:
    out_th = th(torch.tensor(x))
    out_ag = mine(ag.tensor(x))
    assert_close(out_ag, out_th)
    g = np.random.default_rng(seed).standard_normal(tuple(out_th.shape))
    (out_th * torch.tensor(g)).sum().backward()
    (out_ag * ag.tensor(g)).sum().backward()
    named_ag = dict(mine.named_parameters())
    for key, param in th.named_parameters():
        assert_close(named_ag[key].grad, param.grad)


LAYERS = {
    "linear": (lambda nn: nn.Linear(4, 3), (5, 4)),
    "conv2d": (lambda nn: nn.Conv2d(2, 3, 3), (2, 2, 5, 5)),
    "conv_transpose2d": (lambda nn: nn.ConvTranspose2d(2, 3, 3), (2, 2, 4, 4)),
}


@pytest.mark.parametrize("layer", list(LAYERS))
@pytest.mark.parametrize("dim", [0, 1, -1, None])
def test_weight_norm_matches_torch(layer: str, dim: int | None) -> None:
    build, shape = LAYERS[layer]

    def apply(lib: Any, mod: Any) -> Any:
        return lib.nn.utils.parametrizations.weight_norm(mod, dim=dim)

    th, mine = pair(build, apply)
    assert type(mine).__name__ == type(th).__name__
    original0 = mine.parametrizations.weight.original0
    assert tuple(original0.shape) == tuple(th.parametrizations.weight.original0.shape)
    assert_close(mine.weight, th.weight)
    forward_backward(th, mine, np.random.default_rng(1).standard_normal(shape), seed=2)


@pytest.mark.parametrize("dim", [0, -1, None])
def test_weight_norm_of_a_vector_weight_matches_torch(dim: int | None) -> None:
    """A 1-D weight (batch norm's) with dim=0: g is |v| element by element, as torch's
    norm_except_dim gives (arraygrad took the norm of the whole vector here)."""

    def build(nn: Any) -> Any:
        layer = nn.BatchNorm1d(3)
        with (torch if nn is torch.nn else ag).no_grad():
            layer.weight.copy_((torch if nn is torch.nn else ag).tensor([3.0, -4.0, 0.5]))
        return layer

    def apply(lib: Any, mod: Any) -> Any:
        return lib.nn.utils.parametrizations.weight_norm(mod, dim=dim)

    th, mine = pair(build, apply)
    for name in ("original0", "original1"):
        ours, theirs = (getattr(m.parametrizations.weight, name) for m in (mine, th))
        assert tuple(ours.shape) == tuple(theirs.shape)
        assert_close(ours, theirs)
    forward_backward(th, mine, np.random.default_rng(1).standard_normal((4, 3)), seed=2)


def test_weight_norm_registration_computes_torchs_g_and_v() -> None:
    torch.manual_seed(0)
    th = torch.nn.Conv2d(2, 3, 3).double()
    mine = ag.nn.Conv2d(2, 3, 3).double()
    copy_weights(th, mine)
    torch.nn.utils.parametrizations.weight_norm(th, dim=1)
    ag.nn.utils.parametrizations.weight_norm(mine, dim=1)
    for key, value in th.state_dict().items():
        assert_close(mine.state_dict()[key], value)


@pytest.mark.parametrize("leave_parametrized", [True, False])
def test_remove_weight_norm_parametrization(leave_parametrized: bool) -> None:
    def apply(lib: Any, mod: Any) -> Any:
        return lib.nn.utils.parametrizations.weight_norm(mod)

    th, mine = pair(lambda nn: nn.Linear(3, 2), apply)
    outcomes = []
    for lib, mod in ((torch, th), (ag, mine)):
        try:
            lib.nn.utils.parametrize.remove_parametrizations(mod, "weight", leave_parametrized)
            outcomes.append("ok")
        except ValueError as error:
            outcomes.append(str(error))
    assert outcomes[1].startswith(outcomes[0])  # torch's words, then any fix arraygrad adds
    if leave_parametrized:
        assert type(mine) is ag.nn.Linear
        assert isinstance(mine.weight, ag.nn.Parameter)
        assert_close(mine.weight, th.weight)


@pytest.mark.parametrize("layer", list(LAYERS))
def test_spectral_norm_power_iteration_matches_torch(layer: str) -> None:
    build, shape = LAYERS[layer]

    def apply(lib: Any, mod: Any) -> Any:
        return lib.nn.utils.parametrizations.spectral_norm(mod, n_power_iterations=2)

    th, mine = pair(build, apply)
    # Start both from the same u and v, far from converged, so that each step moves them.
    prefix = "parametrizations.weight.0."
    rng = np.random.default_rng(4)
    with torch.no_grad():
        for buf in (th.parametrizations.weight[0]._u, th.parametrizations.weight[0]._v):
            buf.copy_(
                torch.nn.functional.normalize(torch.tensor(rng.standard_normal(buf.shape)), dim=0)
            )
    copy_weights(th, mine)
    before = mine.state_dict()[prefix + "_u"].clone()
    assert {prefix + "_u", prefix + "_v"} <= set(mine.state_dict())
    for step in range(3):  # each training forward runs the power iteration
        th.zero_grad()
        mine.zero_grad()
        forward_backward(th, mine, rng.standard_normal(shape), seed=step)
        for buf in ("_u", "_v"):
            assert_close(mine.state_dict()[prefix + buf], th.state_dict()[prefix + buf])
    assert not ag.allclose(mine.state_dict()[prefix + "_u"], before, atol=1e-3)
    th.eval()
    mine.eval()
    u = mine.parametrizations.weight[0]._u.clone()
    th.zero_grad()
    mine.zero_grad()
    forward_backward(th, mine, rng.standard_normal(shape), seed=9)
    assert ag.equal(mine.parametrizations.weight[0]._u, u)  # evaluation uses them as they are


def test_spectral_norm_normalizes_to_unit_spectral_norm() -> None:
    ag.manual_seed(0)
    layer = ag.nn.utils.parametrizations.spectral_norm(ag.nn.Linear(6, 5).double())
    sigma = ag.linalg.matrix_norm(layer.weight.detach(), 2).item()
    assert abs(sigma - 1.0) < 1e-6


def test_spectral_norm_of_a_vector_is_exact() -> None:
    def apply(lib: Any, mod: Any) -> Any:
        return lib.nn.utils.parametrizations.spectral_norm(mod, name="bias")

    th, mine = pair(lambda nn: nn.Linear(3, 4), apply)
    assert_close(mine.bias, th.bias)
    forward_backward(th, mine, np.random.default_rng(1).standard_normal((2, 3)), seed=3)


SPECTRAL_ERRORS = {
    "dim": lambda lib: lib.nn.utils.parametrizations.spectral_norm(lib.nn.Linear(2, 2), dim=2),
    "iterations": lambda lib: lib.nn.utils.parametrizations.spectral_norm(
        lib.nn.Linear(2, 2), n_power_iterations=0
    ),
    "name": lambda lib: lib.nn.utils.parametrizations.spectral_norm(lib.nn.ReLU()),
}


@pytest.mark.parametrize("case", list(SPECTRAL_ERRORS))
def test_spectral_norm_errors_as_torch(case: str) -> None:
    outcomes = []
    for lib in (torch, ag):
        with pytest.raises((IndexError, ValueError)) as info:
            SPECTRAL_ERRORS[case](lib)
        outcomes.append((info.type, str(info.value)))
    # torch's words first; arraygrad's message then names the fix
    assert outcomes[1][0] is outcomes[0][0] and outcomes[1][1].startswith(outcomes[0][1])


ORTHOGONAL_SHAPES = {"square": (3, 3), "tall": (3, 5), "wide": (5, 3)}  # Linear(in, out)


@pytest.mark.parametrize("orthogonal_map", ["matrix_exp", "cayley", "householder"])
@pytest.mark.parametrize("shape", list(ORTHOGONAL_SHAPES))
@pytest.mark.parametrize("use_trivialization", [True, False])
def test_orthogonal_matches_torch(orthogonal_map: str, shape: str, use_trivialization: bool):
    in_features, out_features = ORTHOGONAL_SHAPES[shape]

    def apply(lib: Any, mod: Any) -> Any:
        return lib.nn.utils.parametrizations.orthogonal(
            mod, orthogonal_map=orthogonal_map, use_trivialization=use_trivialization
        )

    torch.manual_seed(0)
    th = torch.nn.Linear(in_features, out_features).double()
    mine = ag.nn.Linear(in_features, out_features).double()
    copy_weights(th, mine)
    apply(torch, th)
    apply(ag, mine)
    # Registration computed the same original (through geqrf without a trivialization); a
    # non-square base is completed with random columns.
    for key, value in th.state_dict().items():
        if not (key.endswith("base") and shape != "square"):
            assert_close(mine.state_dict()[key], value)
    assert list(mine.state_dict()) == list(th.state_dict())
    # Move the original away from its starting point, alike in both (the householder map reads
    # the signs from the diagonal, which it truncates to integers: keep it at +-1 there).
    rng = np.random.default_rng(5)
    with torch.no_grad():
        original = th.parametrizations.weight.original
        values = torch.tensor(rng.standard_normal(tuple(original.shape)) * 0.5)
        if orthogonal_map == "householder":
            values.diagonal().copy_(torch.tensor(rng.choice([-1.0, 1.0], min(original.shape))))
        original.copy_(values)
    copy_weights(th, mine)
    weight = mine.weight
    assert_close(weight, th.weight)
    rows = weight @ weight.mT if out_features <= in_features else weight.mT @ weight
    assert ag.allclose(rows, ag.eye(rows.shape[0], dtype=ag.float64), atol=1e-10)
    x = np.random.default_rng(6).standard_normal((4, in_features))
    forward_backward(th, mine, x, seed=7)


@pytest.mark.parametrize("orthogonal_map", ["matrix_exp", "cayley", "householder"])
def test_assigning_to_an_orthogonal_weight_sets_torchs_base(orthogonal_map: str) -> None:
    torch.manual_seed(0)
    th = torch.nn.utils.parametrizations.orthogonal(
        torch.nn.Linear(4, 4).double(), orthogonal_map=orthogonal_map
    )
    mine = ag.nn.utils.parametrizations.orthogonal(
        ag.nn.Linear(4, 4).double(), orthogonal_map=orthogonal_map
    )
    value = np.random.default_rng(8).standard_normal((4, 4))  # not orthogonal
    th.weight = torch.tensor(value)
    mine.weight = ag.tensor(value)
    assert_close(mine.parametrizations.weight[0].base, th.parametrizations.weight[0].base)
    assert_close(mine.weight, th.weight)


ORTHOGONAL_ERRORS = {
    "vector": lambda lib: lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(2, 2), "bias"),
    "map": lambda lib: lib.nn.utils.parametrizations.orthogonal(
        lib.nn.Linear(2, 2), orthogonal_map="svd"
    ),
    "shape": lambda lib: setattr(
        lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(2, 2)), "weight", lib.eye(3)
    ),
}


@pytest.mark.parametrize("case", list(ORTHOGONAL_ERRORS))
def test_orthogonal_errors_as_torch(case: str) -> None:
    outcomes = []
    for lib in (torch, ag):
        with pytest.raises(ValueError) as info:
            ORTHOGONAL_ERRORS[case](lib)
        outcomes.append(str(info.value).replace("torch.Size", "Size").replace("arraygrad.", ""))
    # torch's words first; arraygrad's message then names the fix
    assert outcomes[1].startswith(outcomes[0])
