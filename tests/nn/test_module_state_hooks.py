"""Module's state-dict side against torch 2.13.0: state_dict / load_state_dict hooks, extra state,
dotted-path access (get_parameter, get_buffer, set_submodule), to_empty and type, and the new
weight_norm loading the old one's state dicts. Each test runs the same code on both libraries
and compares what happened: the hooks' call sequences, keys, values and exceptions."""

from __future__ import annotations

import copy
import pickle
import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag

LIBS = [torch, ag]


def outcome(fn: Callable[[], Any]) -> tuple[str, Any]:
    """``("ok", value)`` or the exception's class name and message (library names unified)."""
    try:
        return "ok", fn()
    except Exception as exc:
        return type(exc).__name__, str(exc).replace("torch.", "arraygrad.")


def both(run: Callable[[Any], Any]) -> None:
    """Run ``run(lib)`` on torch and arraygrad and require the same result."""
    theirs, mine = (run(lib) for lib in LIBS)
    assert _matches(mine, theirs), (mine, theirs)


def _matches(mine: Any, theirs: Any) -> bool:
    """Equal results, except that an error's message need only start with torch's (arraygrad's
    message then names the fix)."""
    if isinstance(mine, (tuple, list)) and isinstance(theirs, (tuple, list)):
        if len(mine) != len(theirs):
            return False
        error = len(theirs) == 2 and isinstance(theirs[0], str) and theirs[0].endswith("Error")
        if error and isinstance(mine[1], str) and isinstance(theirs[1], str):
            return bool(mine[0] == theirs[0] and mine[1].startswith(theirs[1]))
        return all(_matches(a, b) for a, b in zip(mine, theirs, strict=True))
    return bool(mine == theirs)


def tree(lib: Any) -> Any:
    nn = lib.nn

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = nn.Linear(2, 2)
            self.b = nn.Sequential(nn.Linear(2, 1), nn.BatchNorm1d(1))

    return Net()


def keys_of(mapping: Any) -> list[str]:
    return list(mapping)


# --- state_dict hooks ------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["", "P."])
@pytest.mark.parametrize("keep_vars", [False, True])
def test_state_dict_hooks_run_per_module_in_torchs_order(prefix: str, keep_vars: bool) -> None:
    def run(lib: Any) -> Any:
        net, log = tree(lib), []
        hooked = [("root", net), ("a", net.a), ("b0", net.b[0]), ("b1", net.b[1]), ("b", net.b)]
        for tag, module in hooked:
            module.register_state_dict_pre_hook(
                lambda m, p, kv, tag=tag: log.append(("pre", tag, type(m).__name__, p, kv))
            )
            module.register_state_dict_post_hook(
                lambda m, sd, p, md, tag=tag: log.append(("post", tag, p, keys_of(sd), md))
            )
        state = net.state_dict(prefix=prefix, keep_vars=keep_vars)
        kinds = [type(v).__name__.replace("Tensor", "T") for v in state.values()]
        return log, list(state), kinds

    both(run)


def test_state_dict_post_hook_may_edit_in_place_and_must_return_none() -> None:
    def run(lib: Any) -> Any:
        net = lib.nn.Sequential(lib.nn.Linear(1, 1))
        pre = net.register_state_dict_pre_hook(lambda *args: 5)  # a result is ignored
        drop = net[0].register_state_dict_post_hook(lambda m, sd, p, md: sd.pop(p + "bias"))
        first = outcome(lambda: list(net.state_dict()))
        drop.remove()
        net[0].register_state_dict_post_hook(lambda m, sd, p, md: sd.pop(p + "bias") and None)
        second = outcome(lambda: list(net.state_dict()))
        pre.remove()
        return first, second, outcome(lambda: list(net.state_dict(destination={})))

    both(run)


# --- load_state_dict hooks -------------------------------------------------------------------


def record_load_hooks(net: Any, log: list[Any]) -> None:
    def pre(tag: str) -> Callable[..., None]:
        def hook(m, sd, prefix, md, strict, missing, unexpected, errors) -> None:  # type: ignore[no-untyped-def]
            log.append(("pre", tag, prefix, sorted(sd), md, strict, [*missing], [*unexpected]))

        return hook

    def post(tag: str) -> Callable[..., None]:
        def hook(m, keys) -> None:  # type: ignore[no-untyped-def]
            log.append(("post", tag, type(keys).__name__, [*keys.missing_keys], [*keys[1]]))

        return hook

    for tag, module in [("root", net), ("a", net.a), ("b0", net.b[0]), ("b", net.b)]:
        module.register_load_state_dict_pre_hook(pre(tag))
        module.register_load_state_dict_post_hook(post(tag))


@pytest.mark.parametrize("metadata", [True, False])
@pytest.mark.parametrize("strict", [True, False])
@pytest.mark.parametrize("assign", [False, True])
def test_load_hooks_run_per_module_with_the_keys_found_so_far(
    metadata: bool, strict: bool, assign: bool
) -> None:
    def run(lib: Any) -> Any:
        net, log = tree(lib), []
        record_load_hooks(net, log)
        state = net.state_dict()
        del state["a.bias"]
        state["zzz"] = lib.zeros(1)
        state["b.x"] = lib.zeros(1)
        state = OrderedDict(state)  # arraygrad's has no _metadata: give both the same one
        if metadata:
            state._metadata = OrderedDict(
                [("", {"version": 1}), ("a", {"version": 1}), ("b", {"version": 1})]
                + [("b.0", {"version": 1}), ("b.1", {"version": 2})]
            )
        result = outcome(lambda: net.load_state_dict(state, strict=strict, assign=assign))
        return log, result if result[0] != "ok" else tuple(map(list, result[1]))

    both(run)


def test_load_post_hook_edits_what_strict_loading_reports() -> None:
    def clear_all(m: Any, keys: Any) -> None:
        keys.missing_keys.clear()
        keys.unexpected_keys.clear()

    def clear_unexpected(m: Any, keys: Any) -> None:
        keys.unexpected_keys.clear()

    def add(m: Any, keys: Any) -> None:
        keys.unexpected_keys.append("made_up")

    def run(lib: Any) -> Any:
        results = []
        for hook in (clear_all, clear_unexpected, add):
            for strict in (True, False):
                layer = lib.nn.Linear(2, 2)
                handle = layer.register_load_state_dict_post_hook(hook)
                state = {"weight": lib.ones(2, 2), "junk": lib.zeros(1)}
                result = outcome(lambda: layer.load_state_dict(state, strict=strict))  # noqa: B023
                handle.remove()
                results.append((result[0], str(result[1]), layer.weight.sum().item()))
        return results

    both(run)


def test_load_hook_return_values() -> None:
    def run(lib: Any) -> Any:
        layer = lib.nn.Linear(1, 1)
        handle = layer.register_load_state_dict_pre_hook(lambda *args: 5)  # ignored
        ignored = str(outcome(lambda: layer.load_state_dict(layer.state_dict()))[1])
        handle.remove()
        layer.register_load_state_dict_post_hook(lambda m, keys: 5)
        return ignored, outcome(lambda: layer.load_state_dict(layer.state_dict()))

    both(run)


def test_load_pre_hook_renames_entries_of_a_copy_and_reports_errors() -> None:
    def rename(m, sd, prefix, md, strict, missing, unexpected, errors) -> None:  # type: ignore[no-untyped-def]
        if prefix + "w" in sd:
            sd[prefix + "weight"] = sd.pop(prefix + "w")

    def complain(m, sd, prefix, md, strict, missing, unexpected, errors) -> None:  # type: ignore[no-untyped-def]
        errors.append("custom problem")

    def run(lib: Any) -> Any:
        net = lib.nn.Sequential(lib.nn.Linear(2, 2))
        net[0].register_load_state_dict_pre_hook(rename)
        source = {"0.w": lib.ones(2, 2), "0.bias": lib.ones(2)}
        renamed = str(outcome(lambda: net.load_state_dict(source))[1])
        net.register_load_state_dict_pre_hook(complain)
        complaint = outcome(lambda: net.load_state_dict(source, strict=False))
        return renamed, list(source), net[0].weight.sum().item(), complaint

    both(run)


def test_load_post_hooks_still_run_when_a_shape_does_not_match() -> None:
    def run(lib: Any) -> Any:
        layer, log = lib.nn.Linear(2, 2), []
        layer.register_load_state_dict_post_hook(lambda m, keys: log.append([*keys]))
        bad = {"weight": lib.zeros(3, 3), "bias": lib.zeros(2)}
        return outcome(lambda: layer.load_state_dict(bad)), log

    both(run)


def test_handles_and_modules_that_leave_the_tree() -> None:
    def run(lib: Any) -> Any:
        net, log = lib.nn.Sequential(lib.nn.Linear(1, 1), lib.nn.Linear(1, 1)), []

        def hook(*args: Any) -> None:
            log.append(args[2] if len(args) > 3 else args[1])

        first = net[0]
        handles = [
            first.register_state_dict_pre_hook(hook),
            first.register_load_state_dict_pre_hook(hook),
            net.register_state_dict_pre_hook(hook),
            net.register_state_dict_pre_hook(hook),  # the same hook twice: called twice
        ]
        state = net.state_dict()
        net.load_state_dict(state)
        net[0] = lib.nn.Linear(1, 1)  # the hooked module leaves the tree
        net.load_state_dict(net.state_dict())
        first.state_dict(prefix="alone.")  # its hooks still work on it
        for handle in handles[1:3]:
            handle.remove()
            handle.remove()  # a second removal does nothing
        net.state_dict()
        first.state_dict()
        return log, [type(h).__name__ for h in handles]

    both(run)


# --- extra state -----------------------------------------------------------------------------


def extra_state_modules(lib: Any) -> dict[str, Any]:
    nn = lib.nn

    class Saves(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.p = nn.Parameter(lib.ones(1))
            self.lin = nn.Linear(1, 1)
            self.register_buffer("b", lib.zeros(1))
            self.state = {"a": 1}
            self.log: list[Any] = []

        def get_extra_state(self) -> Any:
            self.log.append("get")
            return self.state

    class SavesAndLoads(Saves):
        def set_extra_state(self, state: Any) -> None:
            self.log.append(("set", state))

    class Loads(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.log: list[Any] = []

        def set_extra_state(self, state: Any) -> None:
            self.log.append(("set", state))

    return {"saves": Saves, "both": SavesAndLoads, "loads": Loads}


@pytest.mark.parametrize("kind", ["saves", "both", "loads"])
def test_extra_state_is_saved_loaded_and_reported_as_torch_does(kind: str) -> None:
    def run(lib: Any) -> Any:
        outer = lib.nn.Sequential(extra_state_modules(lib)[kind]())
        state = outer.state_dict()
        listed = [(k, v if k.endswith("_extra_state") else None) for k, v in state.items()]
        with_extra = {**state, "zzz": 1, "0._extra_state": {"b": 2}, "0.lin.q": 3}
        without = {k: v for k, v in state.items() if "extra" not in k}
        results = [listed]
        for source in (with_extra, without):
            for strict in (True, False):
                result = outcome(lambda: outer.load_state_dict(source, strict=strict))  # noqa: B023
                results.append((result[0], str(result[1])))
        return results, outer[0].log

    both(run)


@pytest.mark.parametrize("lib", LIBS, ids=["torch", "arraygrad"])
def test_base_extra_state_methods_raise(lib: Any) -> None:
    # torch's class; arraygrad's message names the module and the fix (torch's asks for a bug
    # report)
    linear = lib.nn.Linear(1, 1)
    assert outcome(linear.get_extra_state)[0] == "RuntimeError"
    assert outcome(lambda: linear.set_extra_state(1))[0] == "RuntimeError"
    if lib is ag:
        with pytest.raises(RuntimeError, match=r"called on Linear.*Fix: override both in Linear"):
            linear.set_extra_state(1)


def test_a_post_hook_may_forgive_missing_extra_state() -> None:
    def forgive(m: Any, keys: Any) -> None:
        if "_extra_state" in keys.missing_keys:
            keys.missing_keys.remove("_extra_state")

    def run(lib: Any) -> Any:
        module = extra_state_modules(lib)["both"]()
        state = {k: v for k, v in module.state_dict().items() if k != "_extra_state"}
        before = outcome(lambda: module.load_state_dict(state))
        module.register_load_state_dict_post_hook(forgive)
        return before, str(outcome(lambda: module.load_state_dict(state))[1])

    both(run)


# --- dotted paths ----------------------------------------------------------------------------


def path_tree(lib: Any) -> Any:
    nn = lib.nn

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lin = nn.Linear(2, 2)
            self.register_buffer("buf", lib.zeros(1))
            self.register_buffer("nb", lib.zeros(1), persistent=False)
            self.register_parameter("none_p", None)
            self.register_buffer("none_b", None)
            self.register_module("none_m", None)
            self.plain = 3
            self.t = lib.zeros(1)

    return nn.Sequential(Block(), nn.ModuleList([nn.Linear(1, 1)]))


def describe(value: Any) -> Any:
    if value is None:
        return None
    return type(value).__name__.replace("Tensor", "T"), tuple(value.shape)


TARGETS = [
    "0.lin.weight", "0.lin.bias", "0.buf", "0.nb", "0.plain", "0.t", "0.none_p", "0.none_b",
    "0.none_m", "0.missing", "0.lin.missing", "0.zz.weight", "0.plain.weight", "0", "weight",
    "", "1.0.weight", "0..lin", "0.lin.weight.data", "0.buf.weight",
]  # fmt: skip


@pytest.mark.parametrize("target", TARGETS)
def test_get_parameter_and_get_buffer(target: str) -> None:
    def run(lib: Any) -> Any:
        net = path_tree(lib)
        found = []
        for getter in (net.get_parameter, net.get_buffer):
            kind, value = outcome(lambda getter=getter: getter(target))
            found.append((kind, describe(value) if kind == "ok" else value))
        return found

    both(run)


SUBMODULE_TARGETS = [
    "0.lin", "0.new", "0.zz.new", "0.plain.x", "0.plain", "0.buf", "0.lin.weight", "",
    "2", "1.0", "1.5", "0.t", "0.none_p", "0.none_b", "0.none_m",
]  # fmt: skip


@pytest.mark.parametrize("target", SUBMODULE_TARGETS)
@pytest.mark.parametrize("strict", [False, True])
def test_set_submodule(target: str, strict: bool) -> None:
    def run(lib: Any) -> Any:
        net, new = path_tree(lib), lib.nn.Tanh()
        result = outcome(lambda: net.set_submodule(target, new, strict=strict))
        placed = [name for name, module in net.named_modules() if module is new]
        return result, [name for name, _ in net.named_modules()], placed

    both(run)


def test_set_submodule_refuses_what_is_not_a_module() -> None:
    def run(lib: Any) -> Any:
        net = path_tree(lib)
        return [outcome(lambda v=v: net.set_submodule("0.lin", v)) for v in (5, None)]

    both(run)


# --- to_empty and type -----------------------------------------------------------------------


def conversion_tree(lib: Any) -> Any:
    nn = lib.nn

    class Model(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lin = nn.Linear(2, 3)
            self.register_buffer("i", lib.arange(3))
            self.register_buffer("nb", lib.ones(2, dtype=lib.float64), persistent=False)
            self.q = nn.Parameter(lib.ones(2), requires_grad=False)

    model = Model()
    model.lin.weight.grad = lib.ones(3, 2)
    return model


def layout(model: Any, before: dict[str, Any]) -> list[Any]:
    """Each tensor's kind, dtype, shape, requires_grad, grad dtype and identity."""
    rows = []
    for name, t in [*model.named_parameters(), *model.named_buffers()]:
        grad = None if t.grad is None else (str(t.grad.dtype).split(".")[-1], tuple(t.grad.shape))
        kind = type(t).__name__.replace("Tensor", "T")
        dtype = str(t.dtype).split(".")[-1]
        rows.append((name, kind, dtype, tuple(t.shape), t.requires_grad, grad, t is before[name]))
    return rows


@pytest.mark.parametrize("recurse", [True, False])
@pytest.mark.parametrize("device", ["cpu", None])
def test_to_empty_keeps_parameters_shapes_and_dtypes(recurse: bool, device: Any) -> None:
    def run(lib: Any) -> Any:
        model = conversion_tree(lib)
        before = {**dict(model.named_parameters()), **dict(model.named_buffers())}
        returned = model.to_empty(device=device, recurse=recurse) is model
        same_values = [
            bool((t == before[n]).all()) for n, t in model.named_parameters() if t is before[n]
        ]
        return returned, layout(model, before), len(same_values)

    both(run)


def test_to_empty_needs_the_device_keyword() -> None:
    both(lambda lib: outcome(lambda: conversion_tree(lib).to_empty())[0])


@pytest.mark.parametrize(
    "dst", ["float64", "float16", "int32", "bool", "torch.DoubleTensor", "torch.IntTensor", 5]
)
def test_type_casts_every_parameter_and_buffer(dst: Any) -> None:
    def run(lib: Any) -> Any:
        model = conversion_tree(lib)
        before = {**dict(model.named_parameters()), **dict(model.named_buffers())}
        target = getattr(lib, dst) if isinstance(dst, str) and "." not in dst else dst
        kind, value = outcome(lambda: model.type(target) is model)
        return (kind, value), layout(model, before)

    both(run)


def test_type_with_integer_dtype_and_no_trainable_parameters() -> None:
    def run(lib: Any) -> Any:
        model = conversion_tree(lib).requires_grad_(False)
        before = {**dict(model.named_parameters()), **dict(model.named_buffers())}
        model.type(lib.int32)
        return layout(model, before)

    both(run)


def test_type_with_an_unknown_name() -> None:
    def run(lib: Any) -> Any:
        kind, message = outcome(lambda: conversion_tree(lib).type("float"))
        return kind, message.startswith("invalid type: 'float'")

    both(run)


# --- weight_norm: the new one loads the old one's state dicts ------------------------------


def old_and_new(lib: Any, make: Callable[[Any], Any], **options: Any) -> tuple[Any, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the old weight_norm is deprecated
        old = lib.nn.utils.weight_norm(make(lib), **options)
    new = lib.nn.utils.parametrizations.weight_norm(make(lib), **options)
    return old, new


def ported_state(state: dict[str, Any], lib: Any) -> dict[str, Any]:
    # torch's saved old-style state, given to arraygrad as the same numbers
    if lib is torch:
        return dict(state)
    return {k: ag.tensor(v.detach().numpy()) for k, v in state.items()}


LAYERS = {  # the layer, weight_norm's options, and whether it sits inside a Sequential
    "linear": (lambda lib: lib.nn.Linear(3, 4), {}, False),
    "nested conv dim=1": (lambda lib: lib.nn.Conv1d(2, 3, 3), {"dim": 1}, True),
    "bias dim=None": (lambda lib: lib.nn.Linear(3, 4), {"name": "bias", "dim": None}, False),
}


@pytest.mark.parametrize("layer", list(LAYERS))
def test_parametrized_weight_norm_loads_the_old_weight_norms_state_dict(layer: str) -> None:
    make, options, nested = LAYERS[layer]
    torch.manual_seed(0)
    old = old_and_new(torch, make, **options)[0]
    saved = (torch.nn.Sequential(old) if nested else old).state_dict()

    def run(lib: Any) -> Any:
        inner = old_and_new(lib, make, **options)[1]
        new = lib.nn.Sequential(inner) if nested else inner
        source = ported_state(saved, lib)
        result = str(outcome(lambda: new.load_state_dict(source))[1])
        value = np.asarray(getattr(inner, options.get("name", "weight")).detach().numpy())
        return result, list(source), list(new.state_dict()), value

    theirs, mine = run(torch), run(ag)
    assert mine[:3] == theirs[:3]
    np.testing.assert_allclose(mine[3], theirs[3], rtol=1e-6, atol=1e-7)


def test_parametrized_weight_norm_with_partial_or_mixed_old_keys() -> None:
    torch.manual_seed(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        saved = torch.nn.utils.weight_norm(torch.nn.Linear(3, 4)).state_dict()

    def run(lib: Any) -> Any:
        source = ported_state(saved, lib)
        _, new = old_and_new(lib, lambda lib: lib.nn.Linear(3, 4))
        only_g = {k: v for k, v in source.items() if k != "weight_v"}
        partial = outcome(lambda: new.load_state_dict(only_g, strict=False))
        mixed = {**source, "parametrizations.weight.original0": lib.zeros(4, 1)}
        result = str(outcome(lambda: new.load_state_dict(mixed))[1])
        g = np.asarray(new.parametrizations.weight.original0.detach().numpy())
        wrong = {"weight_g": lib.zeros(5, 1), "weight_v": lib.zeros(5, 3), "bias": lib.zeros(4)}
        return (
            str(partial[1]),
            result,
            g.round(6).tolist(),
            outcome(lambda: new.load_state_dict(wrong)),
        )

    both(run)


def test_the_old_key_hook_outlives_remove_parametrizations_as_in_torch() -> None:
    def run(lib: Any) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            saved = lib.nn.utils.weight_norm(lib.nn.Linear(3, 4)).state_dict()
        _, new = old_and_new(lib, lambda lib: lib.nn.Linear(3, 4))
        lib.nn.utils.parametrize.remove_parametrizations(new, "weight")
        return outcome(lambda: new.load_state_dict(saved))

    both(run)


# --- compiled steps --------------------------------------------------------------------------


def test_a_module_with_state_dict_hooks_still_compiles() -> None:
    def make() -> tuple[Any, Any]:
        ag.manual_seed(0)
        model = ag.nn.Sequential(ag.nn.Linear(3, 4), ag.nn.Tanh(), ag.nn.Linear(4, 1))
        for module in model.modules():
            module.register_state_dict_pre_hook(lambda *args: None)
            module.register_load_state_dict_post_hook(lambda *args: None)
        opt = ag.optim.SGD(model.parameters(), lr=0.1)

        def step(x: ag.Tensor) -> Any:
            opt.zero_grad()
            loss = model(x).pow(2).mean()
            loss.backward()
            opt.step()
            return loss

        return model, step

    eager_model, eager_step = make()
    model, step = make()
    compiled = ag.compile(step)
    rng = np.random.default_rng(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a step that falls back to eager would warn
        for _ in range(3):
            x = ag.tensor(rng.standard_normal((5, 3)).astype(np.float32))
            assert compiled(x).item() == eager_step(x).item()  # bit for bit, as compile promises
    mine, theirs = model.state_dict(), eager_model.state_dict()
    for name in mine:
        np.testing.assert_array_equal(mine[name].numpy(), theirs[name].numpy())


def test_a_module_pickled_before_the_hook_tables_existed_still_saves_and_loads() -> None:
    # Modules pickled by an arraygrad without state-dict hooks have no hook tables.
    ag.manual_seed(0)
    model = ag.nn.Sequential(ag.nn.Linear(2, 2), ag.nn.BatchNorm1d(2))
    keys = list(model.state_dict())
    tables = ("_save_pre_hooks", "_save_post_hooks", "_load_pre_hooks", "_load_post_hooks")
    for module in model.modules():
        for table in tables:
            del module.__dict__[table]
    old = pickle.loads(pickle.dumps(model))
    assert list(old.state_dict()) == keys
    assert str(old.load_state_dict(old.state_dict())) == "<All keys matched successfully>"
    calls: list[str] = []
    old[0].register_state_dict_pre_hook(lambda module, prefix, keep_vars: calls.append(prefix))
    copy.deepcopy(old).state_dict()
    assert calls == ["0."]


def test_batch_norm_keeps_its_count_when_the_state_dict_has_no_version() -> None:
    # A state dict without _metadata (built by hand, or an OrderedDict copy) is read as the
    # layout before num_batches_tracked: PyTorch does not report the count missing and the
    # module keeps its own (the fuzzer's finding); with a version-2 record it is missing.
    def run(lib: Any, track: bool) -> Any:
        norm = lib.nn.BatchNorm1d(2, track_running_stats=track)
        if track:
            norm.num_batches_tracked.fill_(4)
        plain = OrderedDict(norm.state_dict())
        plain.pop("num_batches_tracked", None)
        keys = outcome(lambda: repr(norm.load_state_dict(plain)))
        count = None if norm.num_batches_tracked is None else norm.num_batches_tracked.item()
        return keys, count, list(plain)  # (the caller's dict is left as it was)

    both(lambda lib: [run(lib, track) for track in (True, False)])


def test_batch_norm_offers_a_zero_count_when_its_own_was_set_to_none() -> None:
    def run(lib: Any) -> Any:
        norm = lib.nn.BatchNorm1d(2)
        norm.num_batches_tracked = None
        plain = OrderedDict(lib.nn.BatchNorm1d(2).state_dict())
        del plain["num_batches_tracked"]
        return outcome(lambda: norm.load_state_dict(plain))

    both(run)
