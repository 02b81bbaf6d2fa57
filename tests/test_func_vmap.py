"""``arraygrad.func.vmap`` and ``stack_module_state`` against torch 2.13.0 (float64).

Each case is written once against the API both libraries share and run on each library's
tensors made from the same NumPy inputs: values, gradients, and the exception classes and
messages of the calls torch refuses.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.test_func import assert_same

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 4))
Y = RNG.standard_normal((4, 3))
V = RNG.standard_normal(4)
Z = RNG.standard_normal((2, 3, 4))


def _t(lib: Any, array: np.ndarray, requires_grad: bool = False) -> Any:
    return lib.tensor(array, dtype=lib.float64, requires_grad=requires_grad)


def _each(case: Callable[[Any], Any]) -> tuple[Any, Any]:
    return case(torch), case(ag)


# name -> case(lib): a vmap call computed the same way on both libraries
VALUE_CASES: dict[str, Callable[[Any], Any]] = {
    "default": lambda lib: lib.func.vmap(lib.sin)(_t(lib, X)),
    "in_dim_1": lambda lib: lib.func.vmap(lambda r: r * r.sum(), in_dims=1)(_t(lib, X)),
    "in_dim_negative": lambda lib: lib.func.vmap(lambda r: r.cumsum(0), in_dims=-1)(_t(lib, X)),
    "in_dims_none": lambda lib: lib.func.vmap(lambda a, b: a @ b, in_dims=(0, None))(
        _t(lib, X), _t(lib, Y)
    ),
    "in_dims_mixed": lambda lib: lib.func.vmap(lambda a, b: a * b, in_dims=(0, 1))(
        _t(lib, X), _t(lib, Y)
    ),
    "non_tensor_unmapped": lambda lib: lib.func.vmap(lambda a, k: a * k, in_dims=(0, None))(
        _t(lib, X), 3.0
    ),
    "kwargs_not_mapped": lambda lib: lib.func.vmap(lambda a, b=None: a + b)(
        _t(lib, X), b=_t(lib, Y)[:, 0]
    ),
    "in_dims_dict": lambda lib: lib.func.vmap(
        lambda d: d["a"] * d["b"], in_dims=({"a": 1, "b": None},)
    )({"a": _t(lib, Y), "b": _t(lib, V)}),
    # dims listed in another key order than the inputs': torch pairs them in its own way
    "in_dims_dict_other_order": lambda lib: lib.func.vmap(
        lambda d: d["b"] + d["a"].sum(), in_dims=({"b": 0, "a": None},)
    )({"a": _t(lib, X), "b": _t(lib, X)[:, :3]}),
    "in_dims_list_pytree": lambda lib: lib.func.vmap(lambda p: p[0] + p[1], in_dims=([0, 1],))(
        [_t(lib, X), _t(lib, Y)]
    ),
    "in_dim_broadcast_over_tuple": lambda lib: lib.func.vmap(lambda p: p[0] - p[1], in_dims=(1,))(
        (_t(lib, Y), _t(lib, Y).exp())
    ),
    "out_dim_1": lambda lib: lib.func.vmap(lambda r: r.outer(r), out_dims=1)(_t(lib, X)),
    "out_dim_negative": lambda lib: lib.func.vmap(lambda r: r.outer(r), out_dims=-1)(_t(lib, X)),
    "out_dims_single_tuple": lambda lib: lib.func.vmap(lib.exp, out_dims=(1,))(_t(lib, X)),
    "outputs_tuple": lambda lib: lib.func.vmap(lambda r: (r.sum(), r * 2), out_dims=(0, 1))(
        _t(lib, X)
    ),
    "outputs_dict_same_order": lambda lib: lib.func.vmap(
        lambda r: {"s": r.sum(), "t": [r, r.exp()]}, out_dims={"s": 0, "t": -1}
    )(_t(lib, X)),
    "outputs_dict": lambda lib: lib.func.vmap(
        lambda r: {"s": r.sum(), "t": [r, r.exp()]}, out_dims={"t": -1, "s": 0}
    )(_t(lib, X)),
    "out_dims_none_unbatched": lambda lib: lib.func.vmap(
        lambda r, w: (r * w, w.exp(), 7), out_dims=(0, None, None), in_dims=(0, None)
    )(_t(lib, X), _t(lib, V)),
    "unbatched_output_stacked": lambda lib: lib.func.vmap(lambda r: lib.ones(2, dtype=r.dtype))(
        _t(lib, X)
    ),
    "nested": lambda lib: lib.func.vmap(lib.func.vmap(lambda a: a.exp() * a))(_t(lib, X)),
    "nested_outer_product": lambda lib: lib.func.vmap(
        lib.func.vmap(lambda a, b: a * b, in_dims=(None, 0)), in_dims=(0, None)
    )(_t(lib, V), _t(lib, X)[0]),
    "nested_dims": lambda lib: lib.func.vmap(
        lib.func.vmap(lambda a: a.sum(), in_dims=1, out_dims=0), in_dims=1, out_dims=1
    )(_t(lib, Z)),
    "chunk_size": lambda lib: lib.func.vmap(lambda r: r.softmax(0), chunk_size=2)(_t(lib, X)),
    "empty_batch": lambda lib: lib.func.vmap(lambda r: r.outer(r), out_dims=1)(
        lib.zeros(0, 3, dtype=lib.float64)
    ),
    "vmap_jacrev": lambda lib: lib.func.vmap(lib.func.jacrev(lambda r: r.sin() * r.sum()))(
        _t(lib, X)
    ),
    "vmap_grad_in_dims": lambda lib: lib.func.vmap(
        lib.func.grad(lambda w, r: (w * r).sin().sum()), in_dims=(None, 0)
    )(_t(lib, V), _t(lib, X)),
    "vmap_hessian": lambda lib: lib.func.vmap(lib.func.hessian(lambda r: (r**3).prod()))(
        _t(lib, X)
    ),
    "jacrev_of_vmap": lambda lib: lib.func.jacrev(lib.func.vmap(lambda r: r.exp().sum()))(
        _t(lib, X)
    ),
    "top_level_vmap": lambda lib: lib.vmap(lib.cos, in_dims=1)(_t(lib, X)),
}


@pytest.mark.parametrize("name", sorted(VALUE_CASES))
def test_values_match_torch(name: str) -> None:
    theirs, mine = _each(VALUE_CASES[name])
    assert_same(mine, theirs)


def test_same_as_a_loop_over_slices() -> None:
    x, w = _t(ag, X), _t(ag, V)
    mine = ag.func.vmap(lambda r, v: (r * v).tanh(), in_dims=(0, None), out_dims=1)(x, w)
    loop = ag.stack([(x[i] * w).tanh() for i in range(3)], dim=1)
    assert_same(mine, loop)


def test_top_level_name_is_the_same_function() -> None:
    assert ag.vmap is ag.func.vmap
    assert "vmap" in ag.__all__ and "stack_module_state" in ag.func.__all__


def _grads_of(lib: Any) -> Any:
    """Gradients through vmap (of inputs mapped, unmapped, captured) by backward()."""
    x, w, c = _t(lib, X, True), _t(lib, V, True), _t(lib, Y, True)

    def f(row: Any, weight: Any) -> Any:
        return ((row * weight).sin() @ c).sum(), row.exp()

    sums, exps = lib.func.vmap(f, in_dims=(0, None), out_dims=(0, 1))(x, w)
    ((sums**2).sum() + exps.cos().sum()).backward()
    return x.grad, w.grad, c.grad


def test_backward_through_vmap() -> None:
    theirs, mine = _each(_grads_of)
    assert_same(mine, theirs)


def test_grad_of_vmap() -> None:
    theirs, mine = _each(
        lambda lib: lib.func.grad(
            lambda w: lib.func.vmap(lambda r: (r * w).sin().sum())(_t(lib, X)).pow(2).sum()
        )(_t(lib, V))
    )
    assert_same(mine, theirs)


def test_output_requires_grad_as_torch() -> None:
    theirs, mine = _each(lambda lib: lib.func.vmap(lib.sin)(_t(lib, X, True)).requires_grad)
    assert mine is theirs is True


# --- the tutorial patterns: per-sample gradients, ensembles ---------------------------------


def _mlp(lib: Any) -> Any:
    nn = lib.nn
    return nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 3))


def _cnn(lib: Any) -> Any:
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(2 * 2 * 2, 3)
    )


def _twin(build: Callable[[Any], Any], seed: int = 0) -> tuple[Any, Any]:
    """The same model (same weights, float64) in torch and in arraygrad."""
    torch.manual_seed(seed)
    theirs = build(torch).double()
    mine = build(ag).double()
    mine.load_state_dict({k: _t(ag, v.detach().numpy()) for k, v in theirs.state_dict().items()})
    return theirs, mine


def _per_sample_grads(lib: Any, model: Any, data: np.ndarray, targets: np.ndarray) -> Any:
    func = lib.func
    params = {k: v.detach() for k, v in model.named_parameters()}
    buffers = {k: v.detach() for k, v in model.named_buffers()}

    def loss_fn(params: Any, buffers: Any, sample: Any, target: Any) -> Any:
        prediction = func.functional_call(model, (params, buffers), (sample.unsqueeze(0),))
        return lib.nn.functional.cross_entropy(prediction, target.unsqueeze(0))

    compute = func.vmap(func.grad(loss_fn), in_dims=(None, None, 0, 0))
    return compute(params, buffers, _t(lib, data), lib.tensor(targets))


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_per_sample_gradients(kind: str) -> None:
    build, shape = (_mlp, (6, 4)) if kind == "mlp" else (_cnn, (6, 1, 6, 6))
    data = RNG.standard_normal(shape)
    targets = RNG.integers(0, 3, size=6)
    torch_model, ag_model = _twin(build)
    theirs = _per_sample_grads(torch, torch_model, data, targets)
    mine = _per_sample_grads(ag, ag_model, data, targets)
    assert_same(mine, theirs)
    # and the same as one backward pass per sample
    for i in range(len(data)):
        ag_model.zero_grad()
        prediction = ag_model(_t(ag, data[i : i + 1]))
        ag.nn.functional.cross_entropy(prediction, ag.tensor(targets[i : i + 1])).backward()
        for name, p in ag_model.named_parameters():
            assert_same(mine[name][i], p.grad)


def _ensemble(lib: Any, models: list[Any], data: np.ndarray) -> Any:
    params, buffers = lib.func.stack_module_state(models)
    base = models[0]

    def fmodel(params: Any, buffers: Any, x: Any) -> Any:
        return lib.func.functional_call(base, (params, buffers), (x,))

    x = _t(lib, data)
    out = lib.func.vmap(fmodel, in_dims=(0, 0, None))(params, buffers, x)
    out.pow(2).mean().backward()  # the stacked parameters are leaves an optimizer can train
    return out, {k: v.grad for k, v in params.items()}, buffers


def test_ensemble_of_three_models() -> None:
    build = lambda lib: lib.nn.Sequential(
        lib.nn.Linear(4, 6), lib.nn.BatchNorm1d(6), lib.nn.ReLU(), lib.nn.Linear(6, 2)
    )
    pairs = [_twin(build, seed) for seed in range(3)]
    for theirs_model, mine_model in pairs:
        theirs_model.eval()
        mine_model.eval()
    data = RNG.standard_normal((5, 4))
    theirs = _ensemble(torch, [p[0] for p in pairs], data)
    mine = _ensemble(ag, [p[1] for p in pairs], data)
    assert mine[0].shape == (3, 5, 2)
    assert_same(mine, theirs)


def test_stack_module_state_makes_new_leaves() -> None:
    models = [ag.nn.Sequential(ag.nn.Linear(2, 3), ag.nn.BatchNorm1d(3)) for _ in range(2)]
    models[1][0].bias.requires_grad_(False)
    models[0][0].bias.requires_grad_(False)
    with ag.no_grad():
        params, buffers = ag.func.stack_module_state(models)
    assert list(params) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    assert list(buffers) == ["1.running_mean", "1.running_var", "1.num_batches_tracked"]
    assert params["0.weight"].shape == (2, 3, 2)
    assert [(p.is_leaf, p.requires_grad) for p in params.values()] == [
        (True, True),
        (True, False),
        (True, True),
        (True, True),
    ]
    assert not any(b.requires_grad for b in buffers.values())
    assert buffers["1.num_batches_tracked"].dtype == ag.int64
    params["0.weight"].data.add_(100.0)  # a copy: the models keep their own
    assert float(models[0][0].weight.abs().max()) < 100


STACK_ERRORS: dict[str, Callable[[Any], Any]] = {
    "empty": lambda lib: lib.func.stack_module_state([]),
    "classes": lambda lib: lib.func.stack_module_state(
        [lib.nn.Linear(2, 3), lib.nn.Bilinear(2, 3, 3)]
    ),
    "modes": lambda lib: lib.func.stack_module_state(
        [lib.nn.Linear(2, 3), lib.nn.Linear(2, 3).eval()]
    ),
    "requires_grad": lambda lib: lib.func.stack_module_state(
        [lib.nn.Linear(2, 3).requires_grad_(False), lib.nn.Linear(2, 3)]
    ),
    "names": lambda lib: lib.func.stack_module_state(
        [lib.nn.Linear(2, 3), lib.nn.Linear(2, 3, bias=False)]
    ),
}


@pytest.mark.parametrize("name", sorted(STACK_ERRORS))
def test_stack_module_state_errors(name: str) -> None:
    raised = []
    for lib in (torch, ag):
        with pytest.raises(Exception) as info:
            STACK_ERRORS[name](lib)
        raised.append((type(info.value), str(info.value)))
    assert raised[1][0] is raised[0][0], raised
    # torch's words first; arraygrad's message then names the fix
    assert raised[1][1].startswith(raised[0][1]), raised


# --- randomness --------------------------------------------------------------------------


def _draws(lib: Any, randomness: str, generator: bool = False) -> Any:
    source = {"generator": lib.Generator().manual_seed(3)} if generator else {}
    return lib.func.vmap(
        lambda r: r * 0 + lib.rand(4, dtype=lib.float64, **source), randomness=randomness
    )(_t(lib, X))


@pytest.mark.parametrize(
    "draw",
    [
        lambda lib, r: lib.rand(()),
        lambda lib, r: lib.randn_like(r),
        lambda lib, r: lib.nn.functional.dropout(r, 0.5),
        lambda lib, r: lib.bernoulli(r.sigmoid()),
        lambda lib, r: r.clone().normal_(),
        lambda lib, r: r + lib.randint(3, (4,)),
        lambda lib, r: r + lib.randperm(4),
        lambda lib, r: lib.multinomial(r.abs(), 2),
        lambda lib, r: r + lib.rand(4, generator=lib.Generator().manual_seed(0)),
    ],
)
def test_randomness_error_refuses_draws(draw: Callable[[Any, Any], Any]) -> None:
    messages = []
    for lib in (torch, ag):
        with pytest.raises(RuntimeError) as info:
            lib.func.vmap(lambda r: draw(lib, r))(_t(lib, X))  # noqa: B023
        messages.append(str(info.value))
    # torch's words first; arraygrad's message then names the fix
    assert messages[1].startswith(messages[0])


def test_randomness_error_inside_other_modes() -> None:
    # torch refuses a draw while any level is in "error" mode
    for lib in (torch, ag):
        inner = lib.func.vmap(lambda a: a + lib.rand(()), randomness="different")  # noqa: B023
        with pytest.raises(RuntimeError, match="randomness error mode"):
            lib.func.vmap(inner)(_t(lib, X)[:, :, None])
        with pytest.raises(RuntimeError, match="randomness error mode"):
            lib.func.vmap(lib.func.vmap(lambda a: a + lib.rand(())), randomness="different")(  # noqa: B023
                _t(lib, X)[:, :, None]
            )


def test_dropout_in_eval_draws_nothing() -> None:
    theirs, mine = _each(
        lambda lib: lib.func.vmap(lambda r: lib.nn.functional.dropout(r, 0.5, training=False))(
            _t(lib, X)
        )
    )
    assert_same(mine, theirs)


@pytest.mark.parametrize("generator", [False, True])
def test_randomness_same_draws_once(generator: bool) -> None:
    for lib in (torch, ag):
        lib.manual_seed(0)
        same = _draws(lib, "same", generator)
        after = lib.rand(2, dtype=lib.float64)
        lib.manual_seed(0)
        source = {"generator": lib.Generator().manual_seed(3)} if generator else {}
        once = lib.rand(4, dtype=lib.float64, **source)
        then = lib.rand(2, dtype=lib.float64)
        assert_same(same, once.expand(3, 4))
        assert_same(after, then)  # the global generator advanced as for one draw


def test_randomness_same_per_outer_slice() -> None:
    # "same" inside "different": each outer slice draws once for all its inner slices
    ag.manual_seed(1)
    out = ag.func.vmap(
        ag.func.vmap(lambda a: a * 0 + ag.rand(()), randomness="same"), randomness="different"
    )(ag.zeros(3, 4, dtype=ag.float64))
    assert bool((out == out[:, :1]).all())
    assert len(set(out[:, 0].tolist())) == 3


def test_randomness_different_draws_per_slice() -> None:
    ag.manual_seed(0)
    different = _draws(ag, "different")
    ag.manual_seed(0)
    loop = ag.stack([ag.rand(4, dtype=ag.float64) for _ in range(3)])
    assert_same(different, loop)
    assert len({tuple(row) for row in different.tolist()}) == 3
    torch.manual_seed(0)
    theirs = _draws(torch, "different")
    assert len({tuple(row) for row in theirs.tolist()}) == 3


# --- errors ------------------------------------------------------------------------------


def _in_dims_call(lib: Any, in_dims: Any, *args: Any) -> Any:
    return lib.func.vmap(lambda *a: a[0], in_dims=in_dims)(*args)


# name -> (case(lib), whether the message is compared whole or up to its first '.')
ERROR_CASES: dict[str, tuple[Callable[[Any], Any], bool]] = {
    "sizes_differ": (lambda lib: lib.func.vmap(lib.add)(lib.ones(3), lib.ones(4)), True),
    "in_dims_structure": (
        lambda lib: lib.func.vmap(lambda a, b: a, in_dims=(0,))(_t(lib, X), _t(lib, X)),
        False,
    ),
    "in_dims_tuple_vs_list": (
        lambda lib: _in_dims_call(lib, ((0, 1),), [_t(lib, X), _t(lib, Y)]),
        False,
    ),
    "in_dims_dict_keys": (
        lambda lib: _in_dims_call(lib, ({"a": 0, "c": None},), {"a": _t(lib, X), "b": 1}),
        False,
    ),
    "in_dims_str": (lambda lib: lib.func.vmap(lib.sin, in_dims="a")(_t(lib, X)), True),
    "in_dims_list": (lambda lib: _in_dims_call(lib, [0, 0], _t(lib, X), _t(lib, X)), True),
    "in_dims_none": (lambda lib: lib.func.vmap(lib.sin, in_dims=None)(_t(lib, X)), True),
    "in_dim_float_leaf": (lambda lib: _in_dims_call(lib, (0.5,), _t(lib, X)), True),
    "in_dim_bool": (lambda lib: _in_dims_call(lib, True, _t(lib, X)), True),
    "in_dim_out_of_range": (lambda lib: _in_dims_call(lib, 2, _t(lib, X)), True),
    "in_dim_negative_out_of_range": (lambda lib: _in_dims_call(lib, -3, _t(lib, X)), True),
    "zero_dim_input": (lambda lib: lib.func.vmap(lib.sin)(lib.tensor(1.0)), True),
    "non_tensor_mapped": (lambda lib: _in_dims_call(lib, (0, 0), _t(lib, X), 2), True),
    "non_tensor_in_pytree": (lambda lib: _in_dims_call(lib, 0, [_t(lib, X), 3]), True),
    "nothing_mapped": (lambda lib: _in_dims_call(lib, (None, None), _t(lib, X), 1), True),
    "no_inputs": (lambda lib: lib.func.vmap(lambda: lib.ones(2))(), True),
    "returns_number": (lambda lib: lib.func.vmap(lambda a: (a, 1.0))(_t(lib, X)), True),
    "returns_none": (lambda lib: lib.func.vmap(lambda a: None)(_t(lib, X)), True),
    "out_dims_none_batched": (
        lambda lib: lib.func.vmap(lib.sin, out_dims=None)(_t(lib, X)),
        True,
    ),
    "out_dims_none_batched_by_outer": (
        lambda lib: lib.func.vmap(
            lib.func.vmap(lambda a, b: b, in_dims=(0, None), out_dims=None), in_dims=(None, 0)
        )(_t(lib, V), _t(lib, X)[:, 0]),
        True,
    ),
    "out_dims_none_random": (
        lambda lib: lib.func.vmap(lambda a: lib.rand(2), randomness="different", out_dims=None)(
            _t(lib, X)
        ),
        True,
    ),
    "out_dims_none_of_grad": (
        lambda lib: lib.func.vmap(lib.func.grad(lambda a: (a**2).sum()), out_dims=None)(_t(lib, X)),
        True,
    ),
    "out_dims_structure": (
        lambda lib: lib.func.vmap(lambda a: (a, a), out_dims=(0,))(_t(lib, X)),
        False,
    ),
    "out_dims_dict_keys": (
        lambda lib: lib.func.vmap(lambda a: {"u": a}, out_dims={"v": 1})(_t(lib, X)),
        False,
    ),
    "out_dims_list_for_tensor": (
        lambda lib: lib.func.vmap(lib.sin, out_dims=[1])(_t(lib, X)),
        False,
    ),
    "out_dims_str": (lambda lib: lib.func.vmap(lib.sin, out_dims="a")(_t(lib, X)), True),
    "out_dims_float": (lambda lib: lib.func.vmap(lib.sin, out_dims=0.5)(_t(lib, X)), True),
    "out_dim_out_of_range": (lambda lib: lib.func.vmap(lib.sin, out_dims=2)(_t(lib, X)), True),
    "out_dim_negative_out_of_range": (
        lambda lib: lib.func.vmap(lib.sin, out_dims=-3)(_t(lib, X)),
        True,
    ),
    "randomness_unknown": (lambda lib: lib.func.vmap(lib.sin, randomness="foo"), True),
    "chunk_size_zero": (lambda lib: lib.func.vmap(lib.sin, chunk_size=0), True),
    "chunk_size_negative": (lambda lib: lib.func.vmap(lib.sin, chunk_size=-1), True),
    "chunk_size_str": (lambda lib: lib.func.vmap(lib.sin, chunk_size="a"), True),
    "inplace_mul_captured": (
        lambda lib: (lambda y: lib.func.vmap(lambda a: y.mul_(a))(_t(lib, X)))(_t(lib, V)),
        True,
    ),
    "inplace_sub_alpha_captured": (
        lambda lib: (lambda y: lib.func.vmap(lambda a: y.sub_(a, alpha=2))(_t(lib, X)))(_t(lib, V)),
        True,
    ),
    "inplace_copy_captured": (
        lambda lib: (lambda y: lib.func.vmap(lambda a: y.copy_(a))(_t(lib, X)))(_t(lib, V)),
        True,
    ),
    "inplace_setitem_captured": (
        lambda lib: (lambda y: lib.func.vmap(lambda a: y.__setitem__(0, a[0]))(_t(lib, X)))(
            _t(lib, V)
        ),
        True,
    ),
    "inplace_fill_captured": (
        lambda lib: (lambda y: lib.func.vmap(lambda a: y.fill_(a[0]))(_t(lib, X)))(_t(lib, V)),
        True,
    ),
    "inplace_add_made_inside": (
        lambda lib: lib.func.vmap(lambda a: lib.zeros(4, dtype=lib.float64).add_(a))(_t(lib, X)),
        True,
    ),
    "inplace_add_captured_nested": (
        lambda lib: (
            lambda y: lib.func.vmap(lib.func.vmap(lambda a: y.add_(a)))(_t(lib, X)[:, :, None])
        )(_t(lib, V)[:1]),
        True,
    ),
    "inplace_atan2_captured": (
        lambda lib: (lambda y: lib.func.vmap(lambda a: y.atan2_(a), in_dims=1)(_t(lib, X)))(
            _t(lib, V)[:3]
        ),
        True,
    ),
    "inplace_lerp_captured": (
        lambda lib: (lambda y: lib.func.vmap(lambda a: y.lerp_(a, 0.5))(_t(lib, X)))(_t(lib, V)),
        True,
    ),
    "inplace_clamp_captured_nested": (
        lambda lib: (
            lambda y: lib.func.vmap(lib.func.vmap(lambda a, b: y.clamp_(min=b), in_dims=(0, None)))(
                _t(lib, X), _t(lib, X)[:, :1]
            )
        )(_t(lib, V)[:1]),
        True,
    ),
}


@pytest.mark.parametrize("name", sorted(ERROR_CASES))
def test_errors_match_torch(name: str) -> None:
    case, whole = ERROR_CASES[name]
    raised = []
    for lib in (torch, ag):
        with pytest.raises(Exception) as info:
            case(lib)
        message = str(info.value)
        raised.append((type(info.value), message if whole else message.split(".")[0]))
    assert raised[1][0] is raised[0][0], raised
    # torch's words first; arraygrad's message then names the fix
    assert raised[1][1].startswith(raised[0][1]), raised


def test_allowed_inplace_writes() -> None:
    # into a batched tensor, of a batched or unbatched value: as torch
    theirs, mine = _each(
        lambda lib: lib.func.vmap(lambda a, w: a.clone().add_(w).mul_(a), in_dims=(0, None))(
            _t(lib, X), _t(lib, V)
        )
    )
    assert_same(mine, theirs)


def test_marks_end_with_the_call() -> None:
    # a tensor computed in one vmap call is not batched for the next one
    kept = []
    ag.func.vmap(lambda a: kept.append(a * 2) or a)(_t(ag, X))
    y = _t(ag, V)
    out = ag.func.vmap(lambda a: (y.add_(kept[0]), a)[1])(_t(ag, X))
    assert_same(out, _t(ag, X))


def _while_a_vmap_runs(randomness: str, work: Callable[[], Any]) -> Any:
    """``work()``'s result, computed in this thread while another thread is inside a vmap
    call of ``randomness`` (its first slice waits until ``work`` is done)."""
    started, done = threading.Event(), threading.Event()

    def func(a: Any) -> Any:
        started.set()
        done.wait(10)
        return a * 2

    other = threading.Thread(target=lambda: ag.func.vmap(func, randomness=randomness)(_t(ag, X)))
    other.start()
    try:
        assert started.wait(10)
        return work()
    finally:
        done.set()
        other.join()


@pytest.mark.parametrize("randomness", ["error", "same"])
def test_a_vmap_leaves_other_threads_alone(randomness: str) -> None:
    # vmap is per thread, as torch's: another thread's draws are neither refused ("error") nor
    # rewound to be replayed ("same"), and its own vmap numbers its levels from 1
    generator = ag.Generator().manual_seed(0)
    y = _t(ag, V)

    def work() -> Any:
        draws = [ag.rand(4, generator=generator) for _ in range(2)]
        with pytest.raises(RuntimeError) as info:
            ag.func.vmap(lambda a: y.pow_(a))(_t(ag, X))
        return draws, str(info.value)

    draws, message = _while_a_vmap_runs(randomness, work)
    draws.append(ag.rand(4, generator=generator))  # after the other vmap's later slices
    fresh = ag.Generator().manual_seed(0)
    assert_same(ag.stack(draws), ag.stack([ag.rand(4, generator=fresh) for _ in range(3)]))
    with pytest.raises(RuntimeError) as info:
        torch.func.vmap(lambda a: _t(torch, V).pow_(a))(_t(torch, X))
    assert message == str(info.value)
    assert not ag._primitive.vmap_active  # off again once both calls are over
