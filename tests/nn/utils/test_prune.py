"""``nn.utils.prune`` against torch 2.13.0: the masks, the module's state (``<name>_orig``,
``<name>_mask``, the hook), iterative pruning through ``PruningContainer``, gradients,
``remove``, and the errors. The deterministic methods are compared exactly on values without
ties (and on ties by what both libraries agree on: how many and which values); the random ones
by counts, structure and seed reproducibility."""

from __future__ import annotations

import copy
import math
import re
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.utils.prune as tprune

import arraygrad as ag
import arraygrad.nn.utils.prune as aprune

LIBS = ((torch, tprune), (ag, aprune))

# Distinct magnitudes, so that which entries (and channels) are smallest is never a tie
WEIGHT = np.array(
    [[0.3, -1.7, 2.2, -0.05, 0.9], [-2.9, 0.15, -0.6, 1.3, 0.45], [0.7, 3.1, -0.25, -1.1, 1.9]]
)


def np_(t: Any) -> np.ndarray:
    return np.asarray(t.detach().numpy())


def linear(lib: Any, weight: np.ndarray = WEIGHT, dtype: str = "float64") -> Any:
    layer = lib.nn.Linear(weight.shape[1], weight.shape[0], dtype=getattr(lib, dtype))
    with lib.no_grad():
        layer.weight.copy_(lib.tensor(weight))
        layer.bias.copy_(lib.tensor(np.linspace(-1.0, 1.0, weight.shape[0])))
    return layer


def both(build: Any) -> tuple[Any, Any]:
    """``build(lib, prune)`` run with torch, then arraygrad."""
    return build(torch, tprune), build(ag, aprune)


def same_state(th: Any, mine: Any) -> None:
    """The same state_dict (keys in order, dtypes, values) and the same pruned tensors."""
    th_state, ag_state = th.state_dict(), mine.state_dict()
    assert list(ag_state) == list(th_state)
    for key, value in th_state.items():
        assert str(ag_state[key].dtype).split(".")[-1] == str(value.dtype).split(".")[-1], key
        np.testing.assert_array_equal(np_(ag_state[key]), np_(value), err_msg=key)
    assert [n for n, _ in mine.named_parameters()] == [n for n, _ in th.named_parameters()]
    assert [n for n, _ in mine.named_buffers()] == [n for n, _ in th.named_buffers()]


def hook_kinds(module: Any) -> list[Any]:
    """The forward pre-hooks by class name; a container as the list of its methods' names."""
    kinds: list[Any] = []
    for hook in module._forward_pre_hooks.values():
        name = type(hook).__name__
        kinds.append([type(m).__name__ for m in hook] if name == "PruningContainer" else name)
    return kinds


def outcome(fn: Any) -> Any:
    try:
        return fn()
    except Exception as error:  # the exception is what is compared
        text = re.sub(r" at 0x[0-9a-f]+", "", str(error))
        return type(error).__name__, text.replace("torch.", "").replace("arraygrad.", "")


# --- deterministic pruning, compared exactly -----------------------------------------------

CASES = [
    ("l1_unstructured", {"amount": 0.3}),
    ("l1_unstructured", {"amount": 4}),
    ("l1_unstructured", {"amount": 0}),
    ("l1_unstructured", {"amount": 1.0}),
    ("l1_unstructured", {"amount": 0.1}),  # 1.5 entries: round half to even gives 2
    ("ln_structured", {"amount": 1, "n": 2, "dim": 0}),
    ("ln_structured", {"amount": 0.4, "n": 1, "dim": 1}),
    ("ln_structured", {"amount": 2, "n": math.inf, "dim": -1}),
    ("ln_structured", {"amount": 1, "n": "fro", "dim": -2}),
    ("ln_structured", {"amount": 0, "n": 2, "dim": 0}),
    ("ln_structured", {"amount": 3, "n": -1, "dim": 1}),
    ("identity", {}),
    ("custom_from_mask", {"mask": "pattern"}),
]


def _kwargs(lib: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    if kwargs.get("mask") == "pattern":
        return {"mask": lib.tensor((np.arange(15).reshape(3, 5) % 3 != 0).astype(np.float64))}
    return kwargs


@pytest.mark.parametrize(("fn", "kwargs"), CASES, ids=[f"{f}-{k}" for f, k in CASES])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_pruning_gives_torchs_masks_state_and_gradients(fn, kwargs, dtype):
    def build(lib: Any, prune: Any) -> Any:
        layer = linear(lib, dtype=dtype)
        assert getattr(prune, fn)(layer, "weight", **_kwargs(lib, kwargs)) is layer
        return layer

    th, mine = both(build)
    same_state(th, mine)
    assert hook_kinds(mine) == hook_kinds(th)
    assert aprune.is_pruned(mine) and tprune.is_pruned(th)
    # module.weight is a plain tensor computed from the original and the mask
    assert type(mine.weight) is ag.Tensor and mine.weight.grad_fn is not None
    np.testing.assert_array_equal(np_(mine.weight), np_(th.weight))
    # the gradient reaches weight_orig through the kept entries only (the hook recomputes
    # weight at each call, so an in-place change of weight_orig shows in the next forward)
    x = np.random.default_rng(0).standard_normal((4, 5)).astype(dtype)
    for net, lib in ((th, torch), (mine, ag)):
        with lib.no_grad():
            net.weight_orig.mul_(2)
        net(lib.tensor(x)).square().sum().backward()
    np.testing.assert_allclose(np_(mine.weight), np_(th.weight), rtol=0, atol=0)
    np.testing.assert_allclose(
        np_(mine.weight_orig.grad),
        np_(th.weight_orig.grad),
        rtol=1e-5 if dtype == "float32" else 1e-13,
    )
    assert np.all(np_(mine.weight_orig.grad)[np_(mine.weight_mask) == 0] == 0)


def test_pruning_the_bias_and_a_conv_weight_along_each_dim():
    rng = np.random.default_rng(1)
    weight = rng.permutation(96).reshape(4, 3, 2, 4) / 10 - 4.75

    def build(lib: Any, prune: Any) -> Any:
        conv = lib.nn.Conv2d(3, 4, (2, 4), dtype=lib.float64)
        with lib.no_grad():
            conv.weight.copy_(lib.tensor(weight))
            conv.bias.copy_(lib.tensor([0.4, -0.1, 0.3, -0.2]))
        prune.l1_unstructured(conv, "bias", amount=2)
        for dim in range(4):
            prune.ln_structured(conv, "weight", amount=1, n=2, dim=dim)
        return conv

    th, mine = both(build)
    same_state(th, mine)
    assert hook_kinds(mine) == hook_kinds(th)


def test_iterative_pruning_combines_masks_in_a_container():
    def build(lib: Any, prune: Any) -> Any:
        layer = linear(lib)
        first = prune.l1_unstructured(layer, "weight", amount=3)
        hook = prune.L1Unstructured.apply(layer, "weight", amount=0.25)  # of the 12 left
        assert isinstance(hook, prune.PruningContainer) and len(hook) == 2
        assert hook[0] is next(iter(hook)) and type(hook[1]).__name__ == "L1Unstructured"
        assert hook._tensor_name == "weight" and first is layer
        # structured after unstructured: norms of the pruned tensor, over the live channels
        again = prune.LnStructured.apply(layer, "weight", amount=1, n=1, dim=0)
        assert again is hook and len(again) == 3  # the same container, one method longer
        prune.custom_from_mask(layer, "weight", lib.tensor(np.eye(3, 5)[::-1].copy() == 0))
        prune.random_unstructured(layer, "weight", amount=0)
        return layer

    th, mine = both(build)
    same_state(th, mine)
    assert hook_kinds(mine) == hook_kinds(th)
    assert len(mine._forward_pre_hooks) == 1


def test_structured_pruning_ranks_channels_by_the_pruned_tensor():
    # Row 0 has the largest original L1 norm, but most of it is pruned first: torch ranks the
    # rows by the current (pruned) tensor, so it is row 0 that goes.
    weight = np.array([[10.0, 1.0], [3.0, 3.5]])

    def build(lib: Any, prune: Any) -> Any:
        layer = linear(lib, weight)
        prune.custom_from_mask(layer, "weight", lib.tensor([[0.0, 1.0], [1.0, 1.0]]))
        prune.ln_structured(layer, "weight", amount=1, n=1, dim=0)
        return layer

    th, mine = both(build)
    same_state(th, mine)
    np.testing.assert_array_equal(np_(mine.weight_mask), [[0.0, 0.0], [1.0, 1.0]])


def test_importance_scores_rank_the_entries():
    scores = np.arange(15.0).reshape(3, 5)[:, ::-1].copy()

    def build(lib: Any, prune: Any) -> Any:
        layer = linear(lib)
        prune.l1_unstructured(layer, "weight", amount=4, importance_scores=lib.tensor(scores))
        prune.ln_structured(
            layer, "weight", amount=2, n=2, dim=1, importance_scores=lib.tensor(scores)
        )
        return layer

    th, mine = both(build)
    same_state(th, mine)


def test_global_unstructured_prunes_the_smallest_over_all_tensors():
    def build(lib: Any, prune: Any) -> Any:
        net = lib.nn.Sequential(
            linear(lib), lib.nn.ReLU(), linear(lib, WEIGHT.T[:, :2].copy() * 1.3)
        )
        prune.l1_unstructured(net[0], "weight", amount=2)
        pairs = [(net[0], "weight"), (net[2], "weight"), (net[2], "bias")]
        assert prune.global_unstructured(pairs, prune.L1Unstructured, amount=0.4) is None
        prune.global_unstructured(
            pairs[:2],
            pruning_method=prune.L1Unstructured,
            importance_scores={(net[2], "weight"): lib.ones(5, 2) * 7},
            amount=3,
        )
        return net

    th, mine = both(build)
    same_state(th, mine)
    for index in (0, 2):
        assert hook_kinds(mine[index]) == hook_kinds(th[index])


def test_prune_method_on_a_tensor():
    t = np.array([[3.0, -1.0, 2.0], [0.5, -4.0, 1.5]])
    default = np.array([[1.0, 1.0, 1.0], [0.0, 1.0, 1.0]])

    def run(lib: Any, prune: Any) -> list[np.ndarray]:
        x = lib.tensor(t)
        return [
            np_(prune.L1Unstructured(2).prune(x)),
            np_(prune.L1Unstructured(2).prune(x, importance_scores=-x.flip(0))),
            np_(prune.L1Unstructured(1).prune(x, default_mask=lib.tensor(default))),
            np_(prune.LnStructured(1, 1, dim=1).prune(x)),
            np_(prune.Identity().prune(x)),
            np_(prune.CustomFromMask(lib.tensor([[1, 0, 1], [0, 1, 1]])).prune(x)),
            np_(prune.RandomUnstructured(0).prune(x)),
        ]

    for mine, theirs in zip(run(ag, aprune), run(torch, tprune), strict=True):
        np.testing.assert_array_equal(mine, theirs)


def test_remove_makes_the_pruning_permanent():
    def build(lib: Any, prune: Any) -> Any:
        layer = linear(lib)
        weight = layer.weight
        prune.l1_unstructured(layer, "weight", amount=5)
        prune.l1_unstructured(layer, "bias", amount=1)
        layer.register_forward_pre_hook(lambda module, args: None)
        prune.ln_structured(layer, "weight", amount=1, n=2, dim=0)
        assert prune.remove(layer, "weight") is layer
        assert layer.weight is weight  # the same Parameter, now holding the pruned values
        assert type(layer.weight).__name__ == "Parameter" and layer.weight.requires_grad
        return layer

    th, mine = both(build)
    same_state(th, mine)
    assert hook_kinds(mine) == hook_kinds(th) == ["L1Unstructured", "function"]
    assert aprune.is_pruned(mine)
    aprune.remove(mine, "bias")
    assert not aprune.is_pruned(mine) and list(mine.state_dict()) == ["weight", "bias"]


def test_is_pruned_looks_into_submodules():
    for lib, prune in LIBS:
        net = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.Sequential(lib.nn.Linear(2, 2)))
        assert not prune.is_pruned(net)
        prune.identity(net[1][0], "bias")
        assert prune.is_pruned(net)
        assert list(net.state_dict())[-2:] == ["1.0.bias_orig", "1.0.bias_mask"]
        # as in torch, the computed tensor module.bias is not a leaf: no deep copy
        with pytest.raises(RuntimeError, match="deepcopy"):
            copy.deepcopy(net)


# --- ties -----------------------------------------------------------------------------------


def test_ties_prune_as_many_entries_of_the_same_values_as_torch():
    # Magnitudes 1 and 2 repeated: which of the tied 1s torch prunes comes from its topk
    # kernel's selection order, which arraygrad's topk (ties in index order) does not follow.
    # The count and the values pruned are the same; arraygrad prunes the first tied entries.
    weight = np.array([[1.0, -2.0, 1.0, 2.0], [-1.0, 1.0, -2.0, 1.0], [2.0, -1.0, 3.0, 1.0]])
    for amount in (2, 5, 0.5):
        th, mine = both(
            lambda lib, prune, amount=amount: prune.l1_unstructured(
                linear(lib, weight), "weight", amount
            )
        )
        th_mask, ag_mask = np_(th.weight_mask), np_(mine.weight_mask)
        assert ag_mask.sum() == th_mask.sum()
        assert sorted(np.abs(weight[ag_mask == 0])) == sorted(np.abs(weight[th_mask == 0]))
        tied = np.flatnonzero(np.abs(weight) == 1)
        pruned = np.flatnonzero(ag_mask.reshape(-1) == 0)
        assert list(pruned[np.isin(pruned, tied)]) == list(tied[: np.isin(pruned, tied).sum()])


def test_tied_channel_norms_keep_the_first_channels():
    weight = np.array([[1.0, -1.0], [-1.0, 1.0], [2.0, 0.0], [0.5, 0.5]])  # L2 norms tie at √2
    th, mine = both(lambda lib, prune: prune.ln_structured(linear(lib, weight), "weight", 2, 2, 0))
    th_rows, ag_rows = np_(th.weight_mask)[:, 0], np_(mine.weight_mask)[:, 0]
    assert ag_rows.sum() == th_rows.sum() == 2 and th_rows[2] == ag_rows[2] == 1
    assert list(ag_rows) == [1.0, 0.0, 1.0, 0.0]  # of the two rows of norm √2, the first stays


# --- random pruning: counts, structure, seeds -----------------------------------------------


@pytest.mark.parametrize("amount", [0, 3, 0.5, 1.0])
def test_random_unstructured_prunes_the_count_and_follows_the_seed(amount):
    def masks(seed: int) -> np.ndarray:
        ag.manual_seed(seed)
        layer = aprune.random_unstructured(linear(ag), "weight", amount=amount)
        aprune.random_unstructured(layer, "weight", amount=amount if amount != 1.0 else 0)
        return np_(layer.weight_mask)

    torch.manual_seed(0)
    th = tprune.random_unstructured(linear(torch), "weight", amount=amount)
    tprune.random_unstructured(th, "weight", amount=amount if amount != 1.0 else 0)
    first = masks(0)
    assert first.sum() == np_(th.weight_mask).sum()
    np.testing.assert_array_equal(first, masks(0))
    assert amount in (0, 1.0) or any(not np.array_equal(first, masks(s)) for s in range(1, 4))


@pytest.mark.parametrize(("amount", "dim"), [(1, 0), (2, 1), (0.4, -1), (0, 0), (3, -2)])
def test_random_structured_prunes_whole_channels(amount, dim):
    def run(lib: Any, prune: Any, seed: int) -> Any:
        lib.manual_seed(seed)
        layer = linear(lib)
        prune.l1_unstructured(layer, "weight", amount=2)
        prune.random_structured(layer, "weight", amount=amount, dim=dim)
        return layer

    th = run(torch, tprune, 0)
    mine = run(ag, aprune, 0)
    assert list(mine.state_dict()) == list(th.state_dict())
    assert hook_kinds(mine) == hook_kinds(th)
    ag_mask, th_mask = np_(mine.weight_mask), np_(th.weight_mask)
    others = tuple(d for d in range(2) if d != dim % 2)
    # the same number of whole channels gone, and the earlier pruning kept
    assert np.sum(ag_mask.sum(axis=others) == 0) == np.sum(th_mask.sum(axis=others) == 0)
    first = np_(aprune.l1_unstructured(linear(ag), "weight", amount=2).weight_mask)
    assert np.all(ag_mask <= first)
    np.testing.assert_array_equal(ag_mask, np_(run(ag, aprune, 0).weight_mask))


# --- classes, attributes, errors ------------------------------------------------------------


def test_classes_and_attributes_match_torch():
    for name, value in vars(tprune).items():
        defined_there = getattr(value, "__module__", None) == tprune.__name__  # not ABC
        if (defined_there and name[0].isupper()) or name in aprune.__all__:
            assert hasattr(aprune, name), name
    for cls in ("Identity", "RandomUnstructured", "L1Unstructured", "RandomStructured",
                "LnStructured", "CustomFromMask"):  # fmt: skip
        assert getattr(aprune, cls).PRUNING_TYPE == getattr(tprune, cls).PRUNING_TYPE
        assert issubclass(getattr(aprune, cls), aprune.BasePruningMethod)
    assert not hasattr(aprune.PruningContainer, "PRUNING_TYPE")
    for lib, prune in LIBS:
        assert vars(prune.LnStructured(2, 1, 0)) == {"amount": 2, "n": 1, "dim": 0}
        assert vars(prune.RandomStructured(0.5)) == {"amount": 0.5, "dim": -1}
        assert vars(prune.L1Unstructured(3)) == {"amount": 3}
        assert vars(prune.PruningContainer()) == {"_pruning_methods": ()}
        method = prune.l1_unstructured(linear(lib), "weight", 0.2)._forward_pre_hooks
        assert vars(next(iter(method.values()))) == {"amount": 0.2, "_tensor_name": "weight"}


class _NoType:
    pass


def _error_cases(lib: Any, prune: Any) -> list[Any]:
    class Abstract(prune.BasePruningMethod):
        pass

    class Weird(prune.BasePruningMethod):
        PRUNING_TYPE = "weird"

        def compute_mask(self, t: Any, default_mask: Any) -> Any:
            return default_mask

    class NoDim(Weird):
        PRUNING_TYPE = "structured"

    class Untyped(prune.BasePruningMethod):
        def compute_mask(self, t: Any, default_mask: Any) -> Any:
            return default_mask

    def repruned(method: Any) -> Any:
        layer = prune.l1_unstructured(linear(lib), "weight", 2)
        return method.apply(layer, "weight")

    container = prune.PruningContainer()
    container._tensor_name = "w"
    other = prune.Identity()
    other._tensor_name = "v"
    twice = linear(lib)
    for _ in range(2):
        hook = prune.Identity()
        hook._tensor_name = "weight"
        twice.register_forward_pre_hook(hook)
    ones = lib.ones(5, 3, dtype=lib.float64)
    return [
        lambda: prune.l1_unstructured(linear(lib), "weight", -1),
        lambda: prune.l1_unstructured(linear(lib), "weight", 1.5),
        lambda: prune.l1_unstructured(linear(lib), "weight", -0.1),
        lambda: prune.l1_unstructured(linear(lib), "weight", "0.3"),
        lambda: prune.l1_unstructured(linear(lib), "weight", None),
        lambda: prune.l1_unstructured(linear(lib), "weight", 16),
        lambda: prune.l1_unstructured(linear(lib), "weight", float("nan")),
        lambda: prune.RandomUnstructured(-2),
        lambda: prune.random_structured(linear(lib), "weight", 6, 1),
        lambda: prune.l1_unstructured(
            prune.l1_unstructured(linear(lib), "weight", 10), "weight", 6
        ),
        lambda: prune.LnStructured(1, 2, 0).compute_mask(lib.ones(5), lib.ones(5)),
        lambda: prune.RandomStructured(1, 0).compute_mask(lib.ones(5), lib.ones(5)),
        lambda: prune.LnStructured(1, 2, 2).compute_mask(ones, ones),
        lambda: prune.RandomStructured(1, 5).compute_mask(ones, ones),
        lambda: prune.LnStructured(6, 2, 0).compute_mask(ones, ones),
        lambda: prune.l1_unstructured(linear(lib), "weigh", 0.3),
        lambda: prune.l1_unstructured(linear(lib), "weight", 0.3, importance_scores=lib.ones(3)),
        lambda: prune.ln_structured(
            linear(lib), "weight", 1, 2, 0, importance_scores=lib.ones(5, 3)
        ),
        lambda: prune.remove(linear(lib), "weight"),
        lambda: prune.L1Unstructured(0.2).remove(linear(lib)),
        lambda: prune.PruningContainer().add_pruning_method(prune.Identity()),
        lambda: prune.PruningContainer(prune.Identity()),
        lambda: container.add_pruning_method(3),
        lambda: container.add_pruning_method(other),
        lambda: prune.global_unstructured(3, prune.L1Unstructured, amount=2),
        lambda: prune.global_unstructured(
            [(linear(lib), "weight")], prune.L1Unstructured, importance_scores=[1], amount=2
        ),
        lambda: prune.global_unstructured(
            [(linear(lib), "weight")], prune.LnStructured, amount=2, n=1, dim=0
        ),
        lambda: prune.custom_from_mask(linear(lib), "weight", lib.ones(3)),
        lambda: prune.l1_unstructured(twice, "weight", 1),
        Abstract,
        lambda: repruned(Weird),
        lambda: repruned(NoDim),
        lambda: repruned(Untyped),
        lambda: prune.LnStructured(1, 2, -3).compute_mask(ones, ones),
    ]


def test_errors_match_torch():
    th_cases, ag_cases = _error_cases(torch, tprune), _error_cases(ag, aprune)
    for index, (th_case, ag_case) in enumerate(zip(th_cases, ag_cases, strict=True)):
        theirs, mine = outcome(th_case), outcome(ag_case)
        assert isinstance(theirs, tuple), (index, theirs)
        # torch's words first; arraygrad's message then names the fix
        assert type(mine) is tuple and mine[0] == theirs[0], (index, mine, theirs)
        assert mine[1].startswith(theirs[1]), (index, mine, theirs)


def test_a_failed_first_pruning_leaves_the_parameter_in_place():
    for lib, prune in LIBS:
        layer = linear(lib)
        weight = layer.weight
        with pytest.raises(ValueError):
            prune.l1_unstructured(layer, "weight", 16)
        # the parameter is registered again, after the bias (as in torch)
        assert layer.weight is weight and list(layer.state_dict()) == ["bias", "weight"]
        assert not prune.is_pruned(layer) and not hasattr(layer, "weight_orig")
