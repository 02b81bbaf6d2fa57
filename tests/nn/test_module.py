"""Module infrastructure against torch 2.13.0: registration, state_dict, repr, hooks."""

from __future__ import annotations

import copy
from collections import OrderedDict

import numpy as np
import pytest
import torch

import arraygrad as ag
import arraygrad.nn
from tests.nn._compare import copy_weights


def build_net(nn):  # the same model definition runs on both libraries
    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(3, 3)
            self.register_buffer("scale", nn.Parameter(torch_like(nn).ones(3)).detach())
            self.register_buffer("cache", torch_like(nn).zeros(1), persistent=False)

        def forward(self, x):
            return self.fc(x) * self.scale

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Linear(4, 3, bias=False)
            self.blocks = nn.ModuleList([Block(), Block(), nn.Tanh()])
            self.head = nn.Sequential(nn.ReLU(), nn.Linear(3, 2))
            self.heads = nn.ModuleDict({"a": nn.Identity(), "b": nn.Softmax(dim=-1)})
            self.shared = self.embed  # the same module twice: listed once

        def forward(self, x):
            x = self.embed(x)
            for block in self.blocks:
                x = block(x)
            return self.heads["b"](self.head(x))

    return Net()


def torch_like(nn):
    return torch if nn is torch.nn else ag


def test_named_members_match_torch() -> None:
    th, mine = build_net(torch.nn), build_net(ag.nn)
    assert [n for n, _ in mine.named_parameters()] == [n for n, _ in th.named_parameters()]
    assert [n for n, _ in mine.named_buffers()] == [n for n, _ in th.named_buffers()]
    assert [n for n, _ in mine.named_modules()] == [n for n, _ in th.named_modules()]
    assert [n for n, _ in mine.named_children()] == [n for n, _ in th.named_children()]
    assert list(mine.state_dict()) == list(th.state_dict())
    assert len(list(mine.parameters())) == len(list(th.parameters()))
    names = [n for n, _ in mine.named_parameters(remove_duplicate=False)]
    assert names == [n for n, _ in th.named_parameters(remove_duplicate=False)]
    assert [n for n, _ in mine.named_parameters(recurse=False)] == []


def test_repr_of_nested_model_matches_torch() -> None:
    th, mine = build_net(torch.nn), build_net(ag.nn)
    assert repr(mine) == repr(th)
    layers = [
        lambda nn: nn.Conv2d(3, 8, (3, 5), stride=2, padding=(1, 2), groups=1, bias=False),
        lambda nn: nn.Conv1d(4, 8, 3, dilation=2, groups=4, padding_mode="reflect"),
        lambda nn: nn.BatchNorm2d(4, momentum=None),
        lambda nn: nn.LayerNorm([2, 3], elementwise_affine=False),
        lambda nn: nn.Embedding(5, 2, padding_idx=0),
        lambda nn: nn.MaxPool2d(2, ceil_mode=True),
        lambda nn: nn.AvgPool2d(3, 1, 1),
        lambda nn: nn.AdaptiveAvgPool2d((1, None)),
        lambda nn: nn.Dropout(0.1),
        lambda nn: nn.Flatten(0, 2),
        lambda nn: nn.Unflatten(1, (2, 2)),
        lambda nn: nn.Bilinear(2, 3, 4),
        lambda nn: nn.LeakyReLU(0.1, inplace=True),
        lambda nn: nn.GELU("tanh"),
        lambda nn: nn.ELU(),
        lambda nn: nn.Softplus(),
        lambda nn: nn.LogSoftmax(1),
        lambda nn: nn.Hardtanh(-2, 3, True),
        lambda nn: nn.ReLU6(inplace=True),
        lambda nn: nn.SELU(),
        lambda nn: nn.CELU(0.5, True),
        lambda nn: nn.Hardsigmoid(),
        lambda nn: nn.Hardswish(inplace=True),
        lambda nn: nn.Mish(),
        lambda nn: nn.Mish(inplace=True),
        lambda nn: nn.LogSigmoid(),
        lambda nn: nn.Softsign(),
        lambda nn: nn.Tanhshrink(),
        lambda nn: nn.Hardshrink(0.3),
        lambda nn: nn.Softshrink(),
        lambda nn: nn.Threshold(0.1, 20, inplace=True),
        lambda nn: nn.Softmin(1),
        lambda nn: nn.GroupNorm(3, 6),
        lambda nn: nn.GroupNorm(2, 4, affine=False, eps=1e-3),
        lambda nn: nn.KLDivLoss(reduction="batchmean", log_target=True),
        lambda nn: nn.ModuleList([nn.Linear(1, 1), nn.Linear(1, 1), nn.ReLU(), nn.ReLU()]),
        lambda nn: nn.ModuleList(),
        lambda nn: nn.CrossEntropyLoss(),
    ]
    for build in layers:
        assert repr(build(ag.nn)) == repr(build(torch.nn))


def test_parameter_repr_and_defaults() -> None:
    p = ag.nn.Parameter(ag.tensor([1.0, 2.0]))
    q = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    assert repr(p) == repr(q)
    assert p.requires_grad and p.is_leaf and isinstance(p, ag.Tensor)
    assert not ag.nn.Parameter(ag.zeros(1), requires_grad=False).requires_grad
    assert type(p * 2) is ag.Tensor
    with pytest.raises(RuntimeError, match="floating point"):
        ag.nn.Parameter(ag.tensor([1, 2]))


def test_state_dict_round_trip() -> None:
    th = build_net(torch.nn).double()
    a, b = build_net(ag.nn).double(), build_net(ag.nn).double()
    copy_weights(th, a)
    result = b.load_state_dict(a.state_dict())
    assert repr(result) == "<All keys matched successfully>"
    assert result.missing_keys == [] and result.unexpected_keys == []
    x = np.random.default_rng(0).standard_normal((2, 4))
    expected = th(torch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(a(ag.tensor(x)).detach().numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(b(ag.tensor(x)).detach().numpy(), expected, rtol=1e-12)
    # Values are detached views of the parameters, like torch's.
    state = b.state_dict()
    assert not state["embed.weight"].requires_grad
    kept = b.state_dict(keep_vars=True)
    assert kept["embed.weight"] is b.embed.weight


def _messages(state_th: dict, state_ag: dict, strict: bool = True):
    with pytest.raises(RuntimeError) as theirs:
        build_net(torch.nn).load_state_dict(state_th, strict=strict)
    with pytest.raises(RuntimeError) as mine:
        build_net(ag.nn).load_state_dict(state_ag, strict=strict)
    return str(mine.value), str(theirs.value)


def test_load_state_dict_errors_match_torch_wording() -> None:
    state_th = build_net(torch.nn).state_dict()
    state_ag = build_net(ag.nn).state_dict()
    for state in (state_th, state_ag):
        del state["head.1.bias"]
        state["extra.weight"] = state["embed.weight"]
        state["blocks.0.fc.bogus"] = state["embed.weight"]
    state_th["embed.weight"] = torch.zeros(2, 2)
    state_ag["embed.weight"] = ag.zeros(2, 2)
    mine, theirs = _messages(state_th, state_ag)
    assert "Missing key(s) in state_dict" in mine
    assert mine == theirs.replace("torch.", "arraygrad.")
    mine, theirs = _messages(state_th, state_ag, strict=False)
    assert mine == theirs.replace("torch.", "arraygrad.")  # size mismatch is always an error


def test_load_state_dict_non_strict_reports_keys() -> None:
    state_th = build_net(torch.nn).state_dict()
    state_ag = build_net(ag.nn).state_dict()
    for state in (state_th, state_ag):
        del state["head.1.weight"]
        state["nope"] = state["embed.weight"]
    theirs = build_net(torch.nn).load_state_dict(state_th, strict=False)
    mine = build_net(ag.nn).load_state_dict(state_ag, strict=False)
    assert tuple(mine) == tuple(theirs)
    assert repr(mine) == repr(theirs)


def test_registration_errors_match_torch() -> None:
    def cases(nn, lib):
        m = nn.Linear(2, 2)
        return [
            lambda: setattr(m, "weight", lib.zeros(2, 2)),
            lambda: m.register_buffer("a.b", None),
            lambda: m.register_buffer("weight", lib.zeros(1)),
            lambda: m.register_parameter("", None),
            lambda: m.register_buffer(3, None),
            lambda: m.add_module("x", 3),
            lambda: m.register_parameter("p", lib.zeros(1)),
            lambda: m.train("yes"),
            lambda: m.missing,
            lambda: nn.Module().forward(),
        ]

    for mine_case, th_case in zip(cases(ag.nn, ag), cases(torch.nn, torch), strict=True):
        with pytest.raises(Exception) as theirs:
            th_case()
        with pytest.raises(Exception) as mine:
            mine_case()
        assert type(mine.value) is type(theirs.value)
        # torch's words first; arraygrad's message then names the fix (a KeyError's str is the
        # repr of its message, so its message is compared)
        ours, torchs = (str(e.value.args[0]) for e in (mine, theirs))
        assert ours.startswith(torchs.replace("torch", "arraygrad"))


def test_setattr_getattr_delattr() -> None:
    m = ag.nn.Module()
    m.w = ag.nn.Parameter(ag.zeros(2))
    m.child = ag.nn.Linear(1, 1)
    m.register_buffer("buf", ag.zeros(1))
    m.buf = ag.ones(1)  # reassigning a buffer keeps it a buffer
    assert [n for n, _ in m.named_buffers()] == ["buf"]
    m.w = None
    assert list(m.named_parameters(recurse=False)) == []
    assert "w" in m._parameters
    m.w = ag.nn.Parameter(ag.zeros(3))
    del m.child
    assert list(m.children()) == []
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'child'"):
        m.child  # noqa: B018
    m.plain = 3
    assert m.plain == 3 and "plain" not in m._parameters
    with pytest.raises(TypeError, match="cannot assign 'int' as child module"):
        m.register_module("c", ag.nn.ReLU())
        m.c = 3


def test_train_eval_zero_grad_requires_grad_apply() -> None:
    net = build_net(ag.nn)
    net.eval()
    assert all(not m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net(ag.ones(2, 4)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(not np.any(p.grad.numpy()) for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "Net" and seen[0] == "Linear"


def test_to_double_float_keeps_parameter_identity_and_int_buffers() -> None:
    bn = ag.nn.BatchNorm1d(3)
    weight = bn.weight
    bn.double()
    assert bn.weight is weight and bn.weight.dtype == ag.float64
    assert bn.running_mean.dtype == ag.float64
    assert bn.num_batches_tracked.dtype == ag.int64
    bn.to(ag.float32)
    assert bn.weight.dtype == ag.float32 and isinstance(bn.weight, ag.nn.Parameter)
    with pytest.raises(TypeError, match="floating point"):
        bn.to(ag.int64)


def test_sequential_and_containers() -> None:
    seq = ag.nn.Sequential(ag.nn.Linear(2, 3), ag.nn.ReLU(), ag.nn.Linear(3, 1))
    assert len(seq) == 3 and isinstance(seq[-1], ag.nn.Linear)
    sub = seq[1:]
    assert isinstance(sub, ag.nn.Sequential) and len(sub) == 2
    assert [n for n, _ in sub.named_children()] == ["1", "2"]  # torch keeps the keys
    seq.append(ag.nn.Sigmoid())
    assert len(seq) == 4
    del seq[0]
    assert [n for n, _ in seq.named_children()] == ["0", "1", "2"]
    with pytest.raises(IndexError, match="index 7 is out of range"):
        seq[7]
    ml = ag.nn.ModuleList([ag.nn.ReLU()])
    ml.append(ag.nn.Tanh()).extend([ag.nn.Identity()])
    assert len(ml) == 3 and isinstance(ml[1], ag.nn.Tanh)
    md = ag.nn.ModuleDict([("x", ag.nn.ReLU())])
    md["y"] = ag.nn.Tanh()
    assert list(md.keys()) == ["x", "y"] and "y" in md and len(md) == 2


def test_sequential_slice_keys_match_torch() -> None:
    th = torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Tanh(), torch.nn.ReLU())
    mine = ag.nn.Sequential(ag.nn.ReLU(), ag.nn.Tanh(), ag.nn.ReLU())
    assert repr(mine[1:]) == repr(th[1:])


def test_forward_hooks() -> None:
    layer = ag.nn.Linear(2, 2)
    calls = []

    def pre(module, args):
        calls.append("pre")
        return (args[0] * 2,)

    def post(module, args, output):
        calls.append("post")
        return output + 1

    h1 = layer.register_forward_pre_hook(pre)
    h2 = layer.register_forward_hook(post)
    x = ag.ones(1, 2)
    expected = ag.nn.functional.linear(x * 2, layer.weight, layer.bias) + 1
    np.testing.assert_allclose(layer(x).detach().numpy(), expected.detach().numpy())
    assert calls == ["pre", "post"]
    h1.remove()
    h2.remove()
    np.testing.assert_allclose(
        layer(x).detach().numpy(),
        ag.nn.functional.linear(x, layer.weight, layer.bias).detach().numpy(),
    )
    layer.register_forward_pre_hook(lambda m, a, k: ((a[0] * 0,), k), with_kwargs=True)
    assert np.allclose(layer(x).detach().numpy(), layer.bias.detach().numpy())


def test_full_backward_hook_sees_torch_gradients() -> None:
    def run(nn, lib):
        torch.manual_seed(0)
        layer = nn.Linear(3, 2).double()
        record = {}

        def hook(module, grad_input, grad_output):
            record["in"] = [g.detach().numpy().copy() for g in grad_input]
            record["out"] = [g.detach().numpy().copy() for g in grad_output]
            return (grad_input[0] * 3,)

        layer.register_full_backward_hook(hook)
        return layer, record

    th_layer, th_rec = run(torch.nn, torch)
    ag_layer, ag_rec = run(ag.nn, ag)
    copy_weights(th_layer, ag_layer)
    x = np.random.default_rng(1).standard_normal((4, 3))
    tx = torch.tensor(x, requires_grad=True)
    ax = ag.tensor(x, requires_grad=True)
    (th_layer(tx) ** 2).sum().backward()
    (ag_layer(ax) ** 2).sum().backward()
    for key in ("in", "out"):
        assert len(ag_rec[key]) == len(th_rec[key])
        for mine, theirs in zip(ag_rec[key], th_rec[key], strict=True):
            np.testing.assert_allclose(mine, theirs, rtol=1e-12)
    np.testing.assert_allclose(ax.grad.numpy(), tx.grad.numpy(), rtol=1e-12)  # replaced x3
    np.testing.assert_allclose(
        ag_layer.weight.grad.numpy(), th_layer.weight.grad.numpy(), rtol=1e-12
    )


def test_backward_pre_hook_replaces_grad_output() -> None:
    layer = ag.nn.Linear(2, 2)
    layer.register_full_backward_pre_hook(lambda m, g: (g[0] * 0,))
    x = ag.ones(1, 2, requires_grad=True)
    layer(x).sum().backward()
    assert not np.any(x.grad.numpy()) and not np.any(layer.weight.grad.numpy())


def test_deepcopy_gives_independent_parameters() -> None:
    net = ag.nn.Linear(2, 2)
    clone = copy.deepcopy(net)
    assert isinstance(clone.weight, ag.nn.Parameter)
    with ag.no_grad():
        clone.weight.fill_(0.0)
    assert np.any(net.weight.detach().numpy())


@pytest.mark.parametrize("lib", [ag, torch], ids=["arraygrad", "torch"])
def test_deepcopy_of_a_trained_module_leaves_the_gradients_behind_as_torch(lib: object) -> None:
    net = lib.nn.Linear(2, 2)  # type: ignore[attr-defined]
    net(lib.ones(1, 2)).sum().backward()  # type: ignore[attr-defined]
    clone = copy.deepcopy(net)
    assert net.weight.grad is not None and clone.weight.grad is None


def test_clip_grad_norm_and_value_match_torch() -> None:
    rng = np.random.default_rng(3)
    grads = [rng.standard_normal((3, 2)) * 4, rng.standard_normal(5)]
    for norm_type in (2.0, 1.0, float("inf")):
        th = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
        mine = [ag.zeros(*g.shape, dtype=ag.float64, requires_grad=True) for g in grads]
        for t, m, g in zip(th, mine, grads, strict=True):
            t.grad = torch.tensor(g)
            m.grad = ag.tensor(g)
        total_th = torch.nn.utils.clip_grad_norm_(th, 1.5, norm_type=norm_type)
        total_ag = ag.nn.utils.clip_grad_norm_(mine, 1.5, norm_type=norm_type)
        np.testing.assert_allclose(total_ag.item(), total_th.item(), rtol=1e-12)
        for t, m in zip(th, mine, strict=True):
            np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), rtol=1e-12)
    p = ag.zeros(2, requires_grad=True)
    p.grad = ag.tensor([float("nan"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        ag.nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    q = ag.zeros(3, requires_grad=True)
    q.grad = ag.tensor([-3.0, 0.5, 2.0])
    ag.nn.utils.clip_grad_value_([q], 1.0)
    assert q.grad.tolist() == [-1.0, 0.5, 1.0]


def test_parameters_to_vector_round_trip() -> None:
    net = ag.nn.Linear(3, 2)
    vec = ag.nn.utils.parameters_to_vector(net.parameters())
    assert vec.shape == (8,)
    ag.nn.utils.vector_to_parameters(vec * 0 + 1, net.parameters())
    assert np.all(net.weight.detach().numpy() == 1) and np.all(net.bias.detach().numpy() == 1)


@pytest.mark.parametrize("container", ["Sequential", "ModuleList"])
def test_deleting_from_containers_renumbers_as_torch_does(container: str) -> None:
    def make(lib: object) -> object:
        nn = lib.nn  # type: ignore[attr-defined]
        layers = [nn.ReLU(), nn.Tanh(), nn.Sigmoid(), nn.Identity(), nn.ELU()]
        return (
            getattr(nn, container)(*layers) if container == "Sequential" else nn.ModuleList(layers)
        )

    ours, theirs = make(ag), make(torch)
    for idx in (slice(1, 4, 2), -1, 0):
        del ours[idx]  # type: ignore[index]
        del theirs[idx]  # type: ignore[index]
        assert [(n, type(m).__name__) for n, m in ours.named_children()] == [  # type: ignore[attr-defined]
            (n, type(m).__name__)
            for n, m in theirs.named_children()  # type: ignore[attr-defined]
        ]
    with pytest.raises(IndexError):
        del ours[5]  # type: ignore[index]
    assert len(ours) == 1  # type: ignore[arg-type]


def _always_call_log(lib: object) -> list[object]:
    """Forward hooks with and without always_call around a call that fails, and one that works."""
    log: list[object] = []
    layer = lib.nn.Linear(2, 2)  # type: ignore[attr-defined]

    def hook(tag: str) -> object:
        def record(module: object, args: tuple[object, ...], *rest: object) -> None:
            log.append((tag, len(args), [type(x).__name__ for x in rest]))

        return record

    layer.register_forward_hook(hook("always"), always_call=True)
    layer.register_forward_hook(hook("plain"))
    layer.register_forward_hook(hook("kwargs"), always_call=True, with_kwargs=True)
    layer.register_forward_hook(hook("first"), always_call=True, prepend=True)
    for shape in ((3, 3), (1, 2)):  # the first call fails in forward
        try:
            layer(lib.ones(*shape))  # type: ignore[attr-defined]
        except RuntimeError:
            log.append("raised")

    def fail(module: object, args: object, output: object) -> None:
        raise ValueError("hook failed")

    failing = lib.nn.Linear(2, 2)  # type: ignore[attr-defined]
    failing.register_forward_hook(fail)
    failing.register_forward_hook(hook("after a failed hook"), always_call=True)
    try:
        failing(lib.ones(1, 2))  # type: ignore[attr-defined]
    except ValueError:
        log.append("raised")
    return log


def test_forward_hooks_with_always_call_run_when_the_call_raises() -> None:
    # PyTorch's always_call: on a failure the hooks not yet run are called with the output so
    # far (None when forward raised), then the exception propagates (the fuzzer's finding).
    assert _always_call_log(ag) == _always_call_log(torch)


def test_an_always_call_hook_failing_after_a_failed_forward_warns_as_torch() -> None:
    def run(lib: object) -> list[str]:
        layer = lib.nn.Linear(2, 2)  # type: ignore[attr-defined]
        layer.register_forward_hook(lambda *a: 1 / 0, always_call=True)
        with pytest.warns(UserWarning) as caught, pytest.raises(RuntimeError):
            layer(lib.ones(3, 3))  # type: ignore[attr-defined]
        return [str(w.message) for w in caught]

    assert run(ag) == run(torch)


def test_sequential_insert_at_the_end_keeps_the_names() -> None:
    def keys(lib: object) -> list[str]:
        nn = lib.nn  # type: ignore[attr-defined]
        seq = nn.Sequential(OrderedDict([("first", nn.Tanh()), ("second", nn.ReLU())]))
        seq.insert(2, nn.Identity())  # an append (PyTorch fails before the end: not compared)
        return list(seq._modules)

    assert keys(ag) == keys(torch)
