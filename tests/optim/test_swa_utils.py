"""``optim.swa_utils`` against torch 2.13.0: ``AveragedModel``'s averages (bit for bit, the
fused multiply-add of PyTorch's ``lerp`` kernel included), its state, ``SWALR``'s lrs
(exactly: Python float arithmetic in the same order), ``update_bn``'s statistics, the errors,
and a training run as PyTorch's SWA tutorial writes it."""

from __future__ import annotations

import copy
import warnings
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.optim._schedules import same

LIBS = (torch, ag)


def np_(t: Any) -> np.ndarray:
    return np.asarray(t.detach().numpy())


def averager(lib: Any, rule: str, model: Any, **kwargs: Any) -> Any:
    swa = lib.optim.swa_utils
    rules = {
        "default": {},
        "swa_avg_fn": {"avg_fn": swa.get_swa_avg_fn()},
        "ema_avg_fn": {"avg_fn": swa.get_ema_avg_fn(0.9)},
        "swa_multi": {"multi_avg_fn": swa.get_swa_multi_avg_fn()},
        "ema_multi": {"multi_avg_fn": swa.get_ema_multi_avg_fn(0.75)},
    }
    return swa.AveragedModel(model, **rules[rule], **kwargs)


def _weights(dtype: str, count: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [
        (rng.standard_normal((4, 6)) * 10.0 ** rng.integers(-2, 3)).astype(dtype)
        for _ in range(count)
    ]


# --- AveragedModel ---------------------------------------------------------------------------


@pytest.mark.parametrize("rule", ["default", "swa_avg_fn", "ema_avg_fn", "swa_multi", "ema_multi"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_averages_are_torchs_bit_for_bit(rule, dtype):
    # The default and the get_*_avg_fn rules are plain element-wise arithmetic (the default
    # divides by n_averaged + 1, an int64 tensor), the same operations in the same order as
    # PyTorch. The get_*_multi_avg_fn rules update by lerp_, which PyTorch's CPU kernel rounds
    # once (a fused multiply-add), with the swa weight 1 / (n_averaged + 1) a float32 tensor
    # also for float64 averages: arraygrad emulates that rounding exactly. The same bits after
    # every update, over weights of magnitudes 1e-2 to 1e2.
    results = []
    for lib in LIBS:
        model = lib.nn.Linear(6, 4, dtype=getattr(lib, dtype))
        averaged = averager(lib, rule, model)
        trace = []
        for weight in _weights(dtype, 12, 0):
            with lib.no_grad():
                model.weight.copy_(lib.tensor(weight))
                model.bias.copy_(lib.tensor(weight[:, 0] * 0.5))
            averaged.update_parameters(model)
            trace.append(np_(averaged.module.weight).copy())
        results.append((trace, np_(averaged.module.bias), int(averaged.n_averaged)))
    (th_trace, th_bias, th_n), (ag_trace, ag_bias, ag_n) = results
    assert ag_n == th_n == 12
    for mine, theirs in zip(ag_trace, th_trace, strict=True):
        assert mine.dtype == theirs.dtype
        np.testing.assert_array_equal(mine, theirs)
    np.testing.assert_array_equal(ag_bias, th_bias)


def test_averaged_model_state_and_copy_semantics():
    for lib in LIBS:
        model = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4))
        averaged = lib.optim.swa_utils.AveragedModel(model)
        assert list(averaged.state_dict()) == [
            "n_averaged",
            "module.0.weight",
            "module.0.bias",
            "module.1.weight",
            "module.1.bias",
            "module.1.running_mean",
            "module.1.running_var",
            "module.1.num_batches_tracked",
        ]
        assert next(n for n, _ in averaged.named_buffers()) == "n_averaged"
        assert str(averaged.n_averaged.dtype).endswith("int64") and int(averaged.n_averaged) == 0
        assert averaged.module is not model and averaged.module[0].weight is not model[0].weight
        assert type(averaged.module[0].weight).__name__ == "Parameter"
        assert averaged.avg_fn is None and averaged.multi_avg_fn is None
        assert averaged.use_buffers is False
        x = lib.ones(2, 3)
        np.testing.assert_array_equal(np_(averaged(x)), np_(model(x)))  # forward is the copy's
        with lib.no_grad():
            model[0].weight.add_(1.0)
        averaged.update_parameters(model)
        np.testing.assert_array_equal(np_(averaged.module[0].weight), np_(model[0].weight))
        weight = averaged.module[0].weight
        assert weight.is_leaf and weight.grad_fn is None and weight.requires_grad
        moved = lib.optim.swa_utils.AveragedModel(model, device="cpu")
        assert str(moved.n_averaged.device) == "cpu"


def _set_buffers(lib: Any, model: Any, step: int) -> None:
    # buffers written directly (not by a batch-norm forward): the averaging is what is tested
    with lib.no_grad():
        model[1].running_mean.copy_(lib.tensor([0.5, -1.25, 2.0, 0.1]) * (step + 1) ** 1.5)
        model[1].running_var.copy_(lib.tensor([1.0, 0.3, 2.5, 0.7]) + step)
        model[1].num_batches_tracked.fill_(3 * step + 1)
        model[0].weight.mul_(-1.5)


@pytest.mark.parametrize("use_buffers", [True, False])
@pytest.mark.parametrize("rule", ["default", "swa_avg_fn", "ema_avg_fn", "ema_multi", "swa_multi"])
def test_buffers_are_averaged_or_copied_like_torchs(rule, use_buffers):
    outcomes = []
    for lib in LIBS:
        lib.manual_seed(0)
        model = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4)).double()
        with lib.no_grad():
            model[0].weight.copy_(lib.tensor(np.arange(12.0).reshape(4, 3) / 7))
            model[0].bias.zero_()
        averaged = averager(lib, rule, model, use_buffers=use_buffers)
        try:
            for step in range(5):
                _set_buffers(lib, model, step)
                averaged.update_parameters(model)
        except RuntimeError as error:
            # integer buffers averaged by get_swa_multi_avg_fn: torch's integer addcdiv refusal
            outcomes.append(str(error)[:40])
            continue
        outcomes.append({k: np_(v).copy() for k, v in averaged.state_dict().items()})
    theirs, mine = outcomes
    if isinstance(theirs, str):
        assert rule == "swa_multi" and use_buffers and mine == theirs
        return
    assert list(mine) == list(theirs)
    for key, value in theirs.items():
        assert mine[key].dtype == value.dtype, key
        np.testing.assert_array_equal(mine[key], value, err_msg=key)


def test_avg_fn_and_multi_avg_fn_see_torchs_arguments():
    seen: dict[Any, list[Any]] = {torch: [], ag: []}
    for lib in LIBS:
        log = seen[lib]

        def one(average: Any, current: Any, count: Any, log: list[Any] = log) -> Any:
            log.append(("one", average.requires_grad, current.requires_grad, str(count.dtype)[-5:]))
            return average + current

        def many(averages: Any, currents: Any, count: Any, log: list[Any] = log) -> None:
            log.append(("many", type(averages).__name__, len(averages), int(count)))

        model = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.Linear(2, 1).double())
        for fn in ({"avg_fn": one}, {"multi_avg_fn": many}):
            averaged = lib.optim.swa_utils.AveragedModel(model, **fn)
            for _ in range(3):
                averaged.update_parameters(model)
    assert seen[ag] == seen[torch]
    # grouped by dtype: float32 and float64, once each per update after the first
    assert seen[ag].count(("many", "list", 2, 1)) == 2


def test_averaged_model_errors_match_torch():
    for lib in LIBS:
        swa = lib.optim.swa_utils
        with pytest.raises(AssertionError, match=r"^Only one of avg_fn and multi_avg_fn should"):
            swa.AveragedModel(
                lib.nn.Linear(2, 2),
                avg_fn=swa.get_swa_avg_fn(),
                multi_avg_fn=swa.get_swa_multi_avg_fn(),
            )
        # paired in order: fewer parameters pass (the extra ones keep their values), fewer
        # buffers do not
        averaged = swa.AveragedModel(lib.nn.Linear(2, 2))
        bias = np_(averaged.module.bias).copy()
        averaged.update_parameters(lib.nn.Linear(2, 2, bias=False))
        np.testing.assert_array_equal(np_(averaged.module.bias), bias)
        averaged = swa.AveragedModel(lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.BatchNorm1d(2)))
        with pytest.raises(ValueError, match=r"^zip\(\) argument 2 is shorter than argument 1$"):
            averaged.update_parameters(lib.nn.Sequential(lib.nn.Linear(2, 2)))


# --- SWALR -----------------------------------------------------------------------------------


def _optimizer(lib: Any) -> Any:
    groups = [
        {"params": [lib.zeros(2, requires_grad=True)]},
        {"params": [lib.zeros(3, requires_grad=True)], "lr": 0.3},
    ]
    return lib.optim.SGD(groups, lr=0.1, momentum=0.9)


def _swalr_trace(lib: Any, steps: int = 24, **kwargs: Any) -> tuple[Any, ...]:
    opt = _optimizer(lib)
    sched = lib.optim.swa_utils.SWALR(opt, **kwargs)
    lrs = [sched.get_last_lr()]
    for step in range(steps):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr())
        if step == 13:  # an lr changed from outside: the schedule continues from it
            opt.param_groups[0]["lr"] *= 0.5
    groups = [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups]
    return lrs, sched.state_dict(), groups


@pytest.mark.parametrize("strategy", ["cos", "linear"])
@pytest.mark.parametrize("anneal_epochs", [0, 1, 3, 10, 17])
@pytest.mark.parametrize("swa_lr", [0.05, [0.05, 0.001], (1.0, 0.2)])
def test_swalr_lrs_match_torch_exactly(strategy, anneal_epochs, swa_lr):
    kwargs = {"swa_lr": swa_lr, "anneal_epochs": anneal_epochs, "anneal_strategy": strategy}
    mine, theirs = _swalr_trace(ag, **kwargs), _swalr_trace(torch, **kwargs)
    same(mine[0], theirs[0])
    assert list(mine[1]) == list(theirs[1]) and mine[1] == theirs[1]
    assert mine[2] == theirs[2]


def test_swalr_state_dict_restores_the_strategy():
    for lib in LIBS:
        opt = _optimizer(lib)
        sched = lib.optim.swa_utils.SWALR(opt, 0.05, anneal_epochs=4)
        other = lib.optim.swa_utils.SWALR(
            _optimizer(lib), 0.05, anneal_epochs=4, anneal_strategy="linear"
        )
        assert "anneal_func" not in sched.state_dict()
        sched.load_state_dict(other.state_dict())
        opt.step()
        sched.step()
        assert sched.get_last_lr() == [0.1 - 0.05 / 4, 0.3 - 0.25 / 4]


def test_swalr_warnings_and_epoch_argument_match_torch():
    outcomes = []
    for lib in LIBS:
        opt = _optimizer(lib)
        sched = lib.optim.swa_utils.SWALR(opt, 0.05, anneal_epochs=4)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            direct = sched.get_lr()
            sched.step()  # before any optimizer step
            opt.step()
            sched.step(7)  # the epoch moves last_epoch, not the annealing
        outcomes.append(
            (direct, sched.get_last_lr(), sched.last_epoch, [str(w.message)[:50] for w in caught])
        )
    same(outcomes[0][:3], outcomes[1][:3])
    assert outcomes[0][3] == outcomes[1][3] and len(outcomes[0][3]) == 3


@pytest.mark.parametrize(
    "kwargs",
    [
        {"swa_lr": 0.05, "anneal_strategy": "exp"},
        {"swa_lr": 0.05, "anneal_strategy": None},
        {"swa_lr": 0.05, "anneal_epochs": -1},
        {"swa_lr": 0.05, "anneal_epochs": 2.0},
        {"swa_lr": [0.05]},
        {"swa_lr": (0.05, 0.1, 0.2)},
        {"swa_lr": 0.05, "anneal_epochs": -1, "anneal_strategy": "x"},
        {"swa_lr": [0.05], "anneal_epochs": -1, "anneal_strategy": "x"},
    ],
)
def test_swalr_errors_match_torch(kwargs):
    messages = []
    for lib in LIBS:
        with pytest.raises(ValueError) as info:
            lib.optim.swa_utils.SWALR(_optimizer(lib), **kwargs)
        messages.append(str(info.value))
    # torch's words, then the fix arraygrad adds
    assert messages[1].startswith(messages[0]) and "Fix:" in messages[1]


# --- update_bn -------------------------------------------------------------------------------


def _bn_net(lib: Any) -> Any:
    net = lib.nn.Sequential(
        lib.nn.BatchNorm1d(3, momentum=0.3),
        lib.nn.Sequential(lib.nn.BatchNorm1d(3)),
        lib.nn.InstanceNorm1d(3, track_running_stats=True, momentum=0.2),
    ).double()
    with lib.no_grad():
        net[0].running_mean.fill_(9.0)
        net[2].running_mean.fill_(5.0)
    return net.eval()


def test_update_bn_recomputes_cumulative_statistics_like_torch():
    rng = np.random.default_rng(4)
    batches = [rng.standard_normal((6, 3, 2)) * (i + 1) + i for i in range(5)]
    nets = []
    for lib in LIBS:
        net = _bn_net(lib)
        lib.optim.swa_utils.update_bn([(lib.tensor(b), 0) for b in batches], net)
        nets.append(net)
    theirs, mine = nets
    assert mine.training is theirs.training is False
    assert [m.momentum for m in mine.modules() if hasattr(m, "momentum")] == [0.3, 0.1, 0.2]
    th_state, ag_state = theirs.state_dict(), mine.state_dict()
    for key, value in th_state.items():
        # the batch statistics themselves differ from torch's in the last bits (the order of
        # its reductions), not the cumulative averaging: compared closely here, exactly below
        np.testing.assert_allclose(
            np_(ag_state[key]), np_(value), rtol=1e-14, atol=1e-15, err_msg=key
        )
    # an instance norm is not reset, and (in training mode for the pass) keeps tracking
    assert np_(mine[2].running_mean)[0] == pytest.approx(5.0 * 0.8**5)
    # exactly what batch norms with momentum=None compute from fresh statistics
    reference = _bn_net(ag).train()
    for module in (reference[0], reference[1][0]):
        module.reset_running_stats()
        module.momentum = None
    for b in batches:
        reference(ag.tensor(b))
    for key in ("0.running_mean", "0.running_var", "1.0.running_mean", "1.0.running_var"):
        np.testing.assert_array_equal(np_(ag_state[key]), np_(reference.state_dict()[key]))
    assert int(ag_state["0.num_batches_tracked"]) == 5


def test_update_bn_reads_no_batch_without_batch_norms_and_passes_other_batches_whole():
    class Unreadable:
        def __iter__(self) -> Any:
            raise AssertionError("the loader was read")

    for lib in LIBS:
        lib.optim.swa_utils.update_bn(Unreadable(), lib.nn.Linear(2, 2))
        seen = []

        class Recorder(lib.nn.Module):  # type: ignore[name-defined, misc]
            def __init__(self, lib: Any, seen: list[str]) -> None:
                super().__init__()
                self.norm = lib.nn.BatchNorm1d(2)
                self.seen = seen

            def forward(self, batch: Any) -> Any:
                self.seen.append(type(batch).__name__)
                return self.norm(batch["x"])

        net = Recorder(lib, seen).train()
        lib.optim.swa_utils.update_bn([{"x": lib.ones(3, 2)}], net)
        assert seen == ["dict"] and net.training


# --- the tutorial's training loop --------------------------------------------------------------


def _tutorial(
    lib: Any, weights: dict[str, np.ndarray], data: list[tuple[Any, Any]]
) -> dict[str, Any]:
    """SGD with cosine annealing, then from ``swa_start`` SWALR and an AveragedModel updated
    each epoch; update_bn on the averaged model at the end; the averaged model evaluated."""
    model = lib.nn.Sequential(
        lib.nn.Linear(4, 8), lib.nn.BatchNorm1d(8), lib.nn.ReLU(), lib.nn.Linear(8, 1)
    ).double()
    model.load_state_dict({k: lib.tensor(v) for k, v in weights.items()})
    loader = [(lib.tensor(x), lib.tensor(y)) for x, y in data]
    optimizer = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = lib.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=12)
    swa_model = lib.optim.swa_utils.AveragedModel(model)
    swa_scheduler = lib.optim.swa_utils.SWALR(optimizer, swa_lr=0.02, anneal_epochs=3)
    swa_start = 5
    losses, lrs, averages = [], [], []
    for epoch in range(12):
        for x, y in loader:
            optimizer.zero_grad()
            loss = lib.nn.functional.mse_loss(model(x), y)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        if epoch > swa_start:
            swa_model.update_parameters(model)
            swa_scheduler.step()
            averages.append({k: np_(v).copy() for k, v in swa_model.state_dict().items()})
        else:
            scheduler.step()
        lrs.append(optimizer.param_groups[0]["lr"])
    lib.optim.swa_utils.update_bn(loader, swa_model)
    swa_model.eval()
    with lib.no_grad():
        prediction = swa_model(loader[0][0])
    return {
        "losses": losses,
        "lrs": lrs,
        "averages": averages,
        "final": {k: np_(v).copy() for k, v in swa_model.state_dict().items()},
        "prediction": np_(prediction),
    }


def test_tutorial_training_matches_torch():
    rng = np.random.default_rng(5)
    torch.manual_seed(0)
    template = torch.nn.Sequential(
        torch.nn.Linear(4, 8), torch.nn.BatchNorm1d(8), torch.nn.ReLU(), torch.nn.Linear(8, 1)
    ).double()
    weights = {k: v.detach().numpy().copy() for k, v in template.state_dict().items()}
    data = [(rng.standard_normal((16, 4)), rng.standard_normal((16, 1))) for _ in range(4)]
    theirs, mine = _tutorial(torch, weights, data), _tutorial(ag, weights, data)
    same(mine["lrs"], theirs["lrs"])  # the lrs bit for bit
    # Every other number in float64, to the rounding of the matrix products and batch
    # statistics (whose order of summation differs from torch's), carried over 48 steps
    np.testing.assert_allclose(mine["losses"], theirs["losses"], rtol=1e-12)
    assert len(mine["averages"]) == len(theirs["averages"]) == 6
    for ours, their in zip(
        [*mine["averages"], mine["final"]], [*theirs["averages"], theirs["final"]], strict=True
    ):
        assert list(ours) == list(their)
        for key, value in their.items():
            assert ours[key].dtype == value.dtype, key
            np.testing.assert_allclose(ours[key], value, rtol=1e-11, atol=1e-13, err_msg=key)
    assert int(mine["final"]["n_averaged"]) == 6
    np.testing.assert_allclose(mine["prediction"], theirs["prediction"], rtol=1e-11, atol=1e-13)


def test_public_names_match_torch():
    assert sorted(ag.optim.swa_utils.__all__) == sorted(torch.optim.swa_utils.__all__)
    assert ag.optim.swa_utils.SWALR.__mro__[1] is ag.optim.lr_scheduler.LRScheduler
    assert "swa_utils" in ag.optim.__all__
    copy.deepcopy(ag.optim.swa_utils.AveragedModel(ag.nn.Linear(2, 2)))
