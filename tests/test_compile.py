"""arraygrad.compile: replayed steps equal eager ones bit for bit, retrace on new signatures and
on changed captured state, and fall back to eager (with a warning) on what cannot be replayed."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import arraygrad as ag


def _seed_setup() -> tuple[ag.Tensor, ag.Tensor, ag.Tensor]:
    x = ag.tensor([1.0, 2.0, 3.0, 4.0])
    y = ag.tensor([2.0, 4.0, 6.0, 8.0])
    w = ag.tensor(0.0, requires_grad=True)
    return x, y, w


def _seed_epoch(w: ag.Tensor):
    def epoch(x: ag.Tensor, y: ag.Tensor) -> ag.Tensor:
        loss = ((w * x - y) ** 2).mean()
        loss.backward()
        with ag.no_grad():
            w.sub_(0.01 * w.grad)
        w.grad.zero_()
        return loss

    return epoch


def _run(step, args, n):
    return [step(*args)._data.copy() for _ in range(n)]


def test_seed_loop_compiled_equals_eager_bitwise():
    x, y, w_eager = _seed_setup()
    eager = _run(_seed_epoch(w_eager), (x, y), 100)
    x, y, w_comp = _seed_setup()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback may happen here
        compiled = ag.compile(_seed_epoch(w_comp))
        replayed = _run(compiled, (x, y), 100)
    assert all(np.array_equal(a, b) for a, b in zip(eager, replayed, strict=True))
    assert np.array_equal(w_eager._data, w_comp._data)
    assert np.array_equal(w_eager.grad._data, w_comp.grad._data)
    # Traced for .grad absent, then present; every later epoch is a replay.
    assert compiled.traces == 2
    assert abs(w_comp.item() - 2.0) < 1e-3


def _mlp_params(rng: np.random.Generator, classes: int) -> list[ag.Tensor]:
    """Weights and biases of an 8-5-``classes`` network."""
    return [
        ag.tensor(rng.standard_normal((8, 5)).astype(np.float32) / 3, requires_grad=True),
        ag.tensor(np.zeros(5, np.float32), requires_grad=True),
        ag.tensor(rng.standard_normal((5, classes)).astype(np.float32) / 2, requires_grad=True),
        ag.tensor(np.zeros(classes, np.float32), requires_grad=True),
    ]


def _descend(params: list[ag.Tensor]) -> None:
    """``p -= 0.5 * p.grad`` and ``p.grad = None`` for each parameter, as a training loop does."""
    with ag.no_grad():
        for p in params:
            p -= 0.5 * p.grad
            p.grad = None


def _mlp(seed: int = 0):
    rng = np.random.default_rng(seed)
    x = ag.tensor(rng.standard_normal((16, 8)).astype(np.float32))
    onehot = ag.tensor(np.eye(3, dtype=np.float32)[rng.integers(0, 3, 16)])
    params = _mlp_params(rng, 3)
    w1, b1, w2, b2 = params

    def step(inputs: ag.Tensor, targets: ag.Tensor) -> ag.Tensor:
        hidden = (inputs @ w1 + b1).relu()
        logits = hidden @ w2 + b2
        log_probs = logits - ag.log(ag.exp(logits).sum(dim=1, keepdim=True))
        loss = -(log_probs * targets).sum() / inputs.shape[0]
        loss.backward()
        _descend(params)
        return loss

    return step, (x, onehot), params


def test_mlp_compiled_equals_eager_bitwise():
    step, args, params_eager = _mlp()
    eager = _run(step, args, 20)
    step, args, params_comp = _mlp()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compiled = ag.compile(step)
        replayed = _run(compiled, args, 20)
    assert compiled.traces == 1
    assert all(np.array_equal(a, b) for a, b in zip(eager, replayed, strict=True))
    for pe, pc in zip(params_eager, params_comp, strict=True):
        assert np.array_equal(pe._data, pc._data)
        assert pc.grad is None
    assert replayed[-1] < replayed[0]  # it trains


def _ce_mlp(seed: int = 0, **loss_args):
    """An MLP trained with F.cross_entropy on class-index labels passed in on each call."""
    functional = pytest.importorskip("arraygrad.nn.functional")
    rng = np.random.default_rng(seed)
    params = _mlp_params(rng, 4)
    w1, b1, w2, b2 = params

    def step(inputs: ag.Tensor, targets: ag.Tensor) -> ag.Tensor:
        logits = (inputs @ w1 + b1).relu() @ w2 + b2
        loss = functional.cross_entropy(logits, targets, **loss_args)
        loss.backward()
        _descend(params)
        return loss

    return step, params


def _batches(n: int, seed: int = 1, ignore: int | None = None):
    rng = np.random.default_rng(seed)
    x = ag.tensor(rng.standard_normal((16, 8)).astype(np.float32))
    out = []
    for _ in range(n):
        labels = rng.integers(0, 4, 16)
        if ignore is not None:
            labels[rng.random(16) < 0.3] = ignore
        out.append((x, ag.tensor(labels)))
    return out


@pytest.mark.parametrize(
    "loss_args",
    [
        {},
        {"weight": ag.tensor([1.0, 2.0, 0.5, 1.5]), "ignore_index": 3},
        {"ignore_index": -100},  # outside the classes: a mask without the ignore test
        {"ignore_index": 255},
        {"label_smoothing": 0.1},
    ],
    ids=["plain", "weight-ignore_index", "ignore_-100", "ignore_255", "label_smoothing"],
)
def test_cross_entropy_mlp_compiled_equals_eager_with_changing_labels(loss_args):
    batches = _batches(8, ignore=loss_args.get("ignore_index"))
    step, params_eager = _ce_mlp(**loss_args)
    eager = [step(*batch)._data.copy() for batch in batches]
    step, params_comp = _ce_mlp(**loss_args)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # compiled, not a warned fallback to eager
        compiled = ag.compile(step)
        replayed = [compiled(*batch)._data.copy() for batch in batches]
    assert compiled.traces == 1  # one program; the masks of each call's labels are recomputed
    assert all(np.array_equal(a, b) for a, b in zip(eager, replayed, strict=True))
    for pe, pc in zip(params_eager, params_comp, strict=True):
        assert np.array_equal(pe._data, pc._data)
    assert len({float(loss) for loss in replayed}) > 1


def test_replayed_cross_entropy_checks_each_calls_labels():
    functional = pytest.importorskip("arraygrad.nn.functional")
    logits = ag.tensor(np.zeros((3, 4), np.float32), requires_grad=True)
    # (detached: a function returning a loss with a graph, for a backward after the call,
    # runs eagerly, see test_compile_modules)
    compiled = ag.compile(lambda targets: functional.cross_entropy(logits, targets).detach())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # replayed (captured logits used to make it run eagerly)
        compiled(ag.tensor([0, 1, 2]))
        compiled(ag.tensor([3, 2, 1]))
    assert compiled.traces == 1
    with pytest.raises(IndexError, match="Target 4 is out of bounds"):
        compiled(ag.tensor([0, 4, 1]))
    assert compiled.traces == 1  # the replay itself raised, as eager code does


def test_index_tensor_input_is_read_on_each_replay():
    w = ag.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)

    def step(index):
        loss = (w[index] * 2).sum()
        loss.backward()
        return loss

    compiled = ag.compile(step)
    assert compiled(ag.tensor([0, 1])).item() == 6.0
    assert compiled(ag.tensor([2, 3])).item() == 14.0  # the new index, not the traced one
    assert compiled(ag.tensor([3, 3])).item() == 16.0
    assert compiled.traces == 2  # .grad absent, then present
    assert w.grad.tolist() == [2.0, 2.0, 2.0, 6.0]


def test_unused_values_are_not_replayed():
    w = ag.tensor([1.0, 2.0], requires_grad=True)

    def step(x):
        unused = ag.exp(x) * 3  # computed, never used: no step of the replay
        loss = (w * x).sum()
        loss.backward()
        return loss, unused.shape

    compiled = ag.compile(step)
    compiled(ag.tensor([1.0, 1.0]))
    compiled(ag.tensor([1.0, 1.0]))
    for program in next(iter(compiled.programs.values())):
        assert "exp" not in program.source and "* 3" not in program.source
    loss, shape = compiled(ag.tensor([2.0, 3.0]))
    assert loss.item() == 8.0 and shape == (2,)
    assert w.grad.tolist() == [4.0, 5.0]


def test_data_replaced_inside_the_function_is_replaced_on_replay():
    w = ag.tensor([1.0, 2.0], requires_grad=True)

    def step(x):
        loss = (w * x).sum()
        loss.backward()
        w.data = w.detach() - 0.5 * w.grad  # a new array each call
        w.grad = None
        return loss

    compiled = ag.compile(step)
    x = ag.tensor([1.0, 3.0])
    for _ in range(3):
        compiled(x)
    assert compiled.traces == 1
    assert w.tolist() == [1.0 - 1.5, 2.0 - 4.5]


def test_value_dependent_primitive_stays_one_replayed_step():
    # A forward that branches on values cannot be split into array operations: it is replayed
    # whole, so each call takes its own branch.
    from arraygrad._primitive import Primitive

    def forward(xp, x):
        return x * 2.0 if bool(xp.all(x > 0)) else x * 3.0

    scale = Primitive("scale_by_sign", forward=forward, vjp=None)
    compiled = ag.compile(lambda x: scale(x) + 1.0)
    assert compiled(ag.tensor([1.0, 2.0])).tolist() == [3.0, 5.0]
    assert compiled(ag.tensor([-1.0, 2.0])).tolist() == [-2.0, 7.0]
    assert compiled.traces == 1


def _grad_through_hook(leaf, loss):
    seen = []
    handle = leaf.register_hook(lambda g: seen.append(g) or g * 2)
    loss.backward()
    handle.remove()
    grad, leaf.grad = leaf.grad, None
    return seen[0], grad


@pytest.mark.parametrize(
    "gradients",
    [
        # an input reached twice (a * a): autograd.grad sums the two parts
        lambda a, b: ag.autograd.grad((a * a).sum(), a),
        # two outputs, and a leaf reached by two paths
        lambda a, b: ag.autograd.grad([(a * b).sum(), (a * b).sum()], [a, b]),
        lambda a, b: ag.autograd.grad((a * b + a).sum(), a),
        # a hooked leaf: the hook sees the sum of its two parts
        lambda a, b: _grad_through_hook(a, (a * b + a).sum()),
    ],
    ids=["input_twice", "outputs", "leaf_twice", "hooked_leaf"],
)
def test_autograd_grad_summing_gradient_parts_replays(gradients):
    # Summing a gradient's parts outside the engine's main loop used raw array addition, which
    # the recorder could not see: the whole function ran eagerly with a warning.
    compiled = ag.compile(gradients)
    rng = np.random.default_rng(3)
    inputs = [
        [ag.tensor(rng.standard_normal(3), requires_grad=True) for _ in range(2)] for _ in range(3)
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a fallback to eager warns
        for a, b in inputs:
            got = compiled(a, b)
            want = gradients(a, b)
            assert [g._data.tobytes() for g in got] == [g._data.tobytes() for g in want]
    assert compiled.traces == 1 and not compiled.eager


def test_raw_write_into_a_recorded_array_falls_back():
    # Writing into a tensor's array directly cannot be recorded: the trace-time check of the
    # program against the eager run sees the difference, and the function runs eagerly.
    def step(x):
        y = x * 2
        y._data[0] = 5.0
        return y + 1

    compiled = ag.compile(step)
    with pytest.warns(RuntimeWarning, match="runs eagerly: array code the recorder could not"):
        assert compiled(ag.tensor([1.0, 2.0])).tolist() == [6.0, 5.0]
    assert compiled(ag.tensor([3.0, 4.0])).tolist() == [6.0, 9.0]


def test_boolean_mask_indexing_falls_back():
    # Its result's shape depends on the values: a program of the traced shapes would be wrong.
    w = ag.tensor([1.0, -2.0, 3.0], requires_grad=True)
    compiled = ag.compile(lambda x: (w * x)[w * x > 0].sum())
    with pytest.warns(RuntimeWarning, match="shape depends on the values"):
        assert compiled(ag.tensor([1.0, 1.0, 1.0])).item() == 4.0
    assert compiled(ag.tensor([-1.0, -1.0, -1.0])).item() == 2.0


def test_in_place_update_of_a_vector_is_written_directly():
    counter = ag.zeros(3, dtype=ag.int64)

    def step(x):
        counter.add_(1)  # an int tensor: computed, then written whole into its memory
        return x * 2

    compiled = ag.compile(step)
    for _ in range(4):
        compiled(ag.tensor([1.0]))
    assert counter.tolist() == [4, 4, 4]
    (program,) = next(iter(compiled.programs.values()))
    assert "out=v" in program.source  # one ufunc call writing into the counter


def _module_mlp(seed: int = 3):
    """An MLP of nn.Linear layers (the linear primitive) trained with SGD with momentum."""
    ag.manual_seed(seed)
    model = ag.nn.Sequential(ag.nn.Linear(12, 16), ag.nn.ReLU(), ag.nn.Linear(16, 5))
    opt = ag.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    rng = np.random.default_rng(seed)
    x = ag.tensor(rng.standard_normal((8, 12), dtype=np.float32))
    labels = ag.tensor(rng.integers(0, 5, 8))

    def step(x, labels):
        loss = ag.nn.functional.cross_entropy(model(x), labels)
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss

    return model, step, (x, labels)


def test_module_mlp_compiled_equals_eager_bitwise():
    model_eager, step_eager, args = _module_mlp()
    model_comp, step_comp, _ = _module_mlp()
    eager = _run(step_eager, args, 6)
    compiled = ag.compile(step_comp)
    replayed = _run(compiled, args, 6)
    assert compiled.traces == 2  # the first step makes the momentum buffers, then one program
    assert all(np.array_equal(a, b) for a, b in zip(eager, replayed, strict=True))
    for pe, pc in zip(model_eager.parameters(), model_comp.parameters(), strict=True):
        assert np.array_equal(pe._data, pc._data)


def test_cnn_compiled_equals_eager_bitwise():
    functional = pytest.importorskip("arraygrad.nn.functional")
    if not all(hasattr(functional, n) for n in ("conv2d", "max_pool2d", "cross_entropy")):
        pytest.skip("arraygrad.nn.functional has no conv2d / max_pool2d / cross_entropy yet")
    rng = np.random.default_rng(3)

    def make():
        x = ag.tensor(rng.standard_normal((4, 1, 8, 8)).astype(np.float32))
        labels = ag.tensor(np.array([0, 1, 2, 1]))
        k = ag.tensor(rng.standard_normal((3, 1, 3, 3)).astype(np.float32) / 3, requires_grad=True)
        w = ag.tensor(rng.standard_normal((27, 3)).astype(np.float32) / 5, requires_grad=True)
        params = [k, w]

        def step(inputs, targets):
            h = functional.max_pool2d(functional.conv2d(inputs, k).relu(), 2)
            loss = functional.cross_entropy(h.reshape(h.shape[0], -1) @ w, targets)
            loss.backward()
            with ag.no_grad():
                for p in params:
                    p -= 0.1 * p.grad
                    p.grad = None
            return loss

        return step, (x, labels), params

    state = rng.bit_generator.state
    step, args, params_eager = make()
    eager = _run(step, args, 6)
    rng.bit_generator.state = state
    step, args, params_comp = make()
    compiled = ag.compile(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # conv2d, max_pool2d and cross_entropy all compile
        replayed = _run(compiled, args, 6)
    assert compiled.traces == 1
    assert all(np.array_equal(a, b) for a, b in zip(eager, replayed, strict=True))
    for pe, pc in zip(params_eager, params_comp, strict=True):
        assert np.array_equal(pe._data, pc._data)


def test_retraces_when_input_shape_changes():
    w = ag.tensor(1.5, requires_grad=True)

    def step(x):
        loss = (w * x).sum()
        loss.backward()
        with ag.no_grad():
            w.sub_(0.1 * w.grad)
        w.grad = None
        return loss

    compiled = ag.compile(step)
    short, long = ag.tensor([1.0, 2.0]), ag.tensor([1.0, 2.0, 3.0])
    compiled(short)
    compiled(short)
    assert compiled.traces == 1
    out = compiled(long)
    assert compiled.traces == 2
    assert out.shape == ()
    compiled(short)
    compiled(long)
    assert compiled.traces == 2
    # 1.5 - 0.1 * (3 + 3 + 6 + 3 + 6): every replay applied its own update.
    assert w.item() == pytest.approx(1.5 - 0.1 * 21)


def test_retraces_when_the_default_dtype_changes():
    # A tensor the function makes from a Python float has the default dtype of the call.
    def add_a_tenth(x):
        return x.sum() + ag.tensor(0.1)

    compiled = ag.compile(add_a_tenth)
    x = ag.ones(3, dtype=ag.float64)
    try:
        for default in (ag.float32, ag.float32, ag.float64, ag.float64, ag.float32):
            ag.set_default_dtype(default)
            assert compiled(x).item() == add_a_tenth(x).item()
    finally:
        ag.set_default_dtype(ag.float32)
    assert compiled.traces == 2


# Module globals read by the compiled functions of the next tests.
LEARNING_RATE = 0.1
CALLS = 0


def _set_learning_rate(value: float) -> None:
    global LEARNING_RATE
    LEARNING_RATE = value


def _descend_at_learning_rate(w):
    loss = (w * w).sum()
    loss.backward()
    with ag.no_grad():
        w.sub_(LEARNING_RATE * w.grad)
    w.grad = None
    return loss


def _check_a_changing_global_retraces(fn) -> None:
    """Five steps of ``fn(w)``, eager and compiled, with LEARNING_RATE changed before the third
    (a schedule written as a global): equal results, and one trace more for the change."""
    runs = []
    for compiled in (False, True):
        _set_learning_rate(0.1)
        w = ag.tensor([1.0, 2.0], requires_grad=True)
        run = ag.compile(fn) if compiled else fn
        for call in range(5):
            if call == 2:
                _set_learning_rate(0.25)
            run(w)
        runs.append(w.tolist())
    assert runs[0] == runs[1], fn
    assert run.traces == 2  # type: ignore[attr-defined]


def test_retraces_when_a_global_it_reads_changes():
    _check_a_changing_global_retraces(_descend_at_learning_rate)


def test_retraces_when_a_closure_variable_it_reads_changes():
    scale = 1.0

    def scaled(x):
        return x * scale

    compiled = ag.compile(scaled)
    results = []
    for value in (1.0, 1.0, 3.0, 3.0):
        scale = value
        results.append(compiled(ag.ones(2)).tolist())
    assert results == [[1.0, 1.0], [1.0, 1.0], [3.0, 3.0], [3.0, 3.0]]
    assert compiled.traces == 2


def test_a_global_the_function_changes_on_every_call_makes_it_run_eagerly():
    global CALLS
    CALLS = 0

    def counted(x):
        global CALLS
        CALLS += 1  # a replay would not count: the function runs eagerly, as it counts
        return x * 2

    compiled = ag.compile(counted)
    with pytest.warns(RuntimeWarning, match="global variable 'CALLS': 7 -> 8"):
        for _ in range(12):
            compiled(ag.ones(1))
    assert CALLS == 12


def test_a_default_dtype_or_grad_mode_the_function_leaves_set_is_not_replayed_stale():
    # A replay would not set them again: the next call would find the old one, unlike eager.
    def toggle_dtype(x):
        y = x.sum() + ag.tensor(0.1)
        float64 = ag.get_default_dtype() == ag.float64
        ag.set_default_dtype(ag.float32 if float64 else ag.float64)
        return y

    def toggle_grad(x):
        ag.set_grad_enabled(not ag.is_grad_enabled())
        return x * 2

    x = ag.ones(3, dtype=ag.float64)
    for fn, read in ((toggle_dtype, ag.get_default_dtype), (toggle_grad, ag.is_grad_enabled)):
        runs = []
        for compiled in (False, True):
            ag.set_default_dtype(ag.float32)
            ag.set_grad_enabled(True)
            run = ag.compile(fn) if compiled else fn
            try:
                with warnings.catch_warnings(record=True):
                    warnings.simplefilter("always")
                    runs.append([(run(x).tolist(), str(read())) for _ in range(12)])
            finally:
                ag.set_default_dtype(ag.float32)
                ag.set_grad_enabled(True)
        assert runs[0] == runs[1], fn.__name__


def test_retraces_when_a_global_read_by_a_partial_or_a_callable_object_changes():
    import functools

    class OwnCode:  # the object's __call__ is the compiled function's own code
        def __call__(self, w):
            loss = (w * w).sum()
            loss.backward()
            with ag.no_grad():
                w.sub_(LEARNING_RATE * w.grad)
            w.grad = None
            return loss

    def scaled(scale, w):
        loss = (w * w).sum()
        loss.backward()
        with ag.no_grad():
            w.sub_(scale * LEARNING_RATE * w.grad)
        w.grad = None
        return loss

    for fn in (OwnCode(), functools.partial(scaled, 2.0)):
        _check_a_changing_global_retraces(fn)


def test_retraces_when_a_captured_tensor_changes():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    holder = {"w": w}

    def step(x):
        loss = (holder["w"] * x).sum()
        loss.backward()
        return loss

    compiled = ag.compile(step)
    x = ag.tensor(3.0)
    compiled(x)
    compiled(x)  # .grad now exists: traced again for accumulation
    compiled(x)
    assert compiled.traces == 2
    assert w.grad.tolist() == [9.0, 9.0]
    w.grad = ag.zeros(2)  # a different .grad object: the guard fails
    compiled(x)
    assert compiled.traces == 3
    assert w.grad.tolist() == [3.0, 3.0]


def test_falls_back_to_eager_on_data_dependent_control_flow():
    w = ag.tensor(2.0, requires_grad=True)

    def step(x):
        loss = (w * x).sum()
        if loss.item() > 0:  # data-dependent Python control flow
            loss = loss * 2
        loss.backward()
        return loss

    compiled = ag.compile(step)
    x = ag.tensor([1.0, -3.0])
    with pytest.warns(RuntimeWarning, match=r"runs eagerly.*\.item\(\)"):
        first = compiled(x)
    assert first.item() == -4.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warned once; later calls are silently eager
        second = compiled(-x)
    assert second.item() == 8.0  # the other branch: eager, not a stale replay
    assert w.grad.item() == pytest.approx(-2.0 + 4.0)
    assert not compiled.programs


@pytest.mark.parametrize(
    "probe",
    [lambda t: bool(t.sum()), lambda t: t.tolist(), lambda t: t.detach().numpy()],
    ids=["bool", "tolist", "numpy"],
)
def test_falls_back_when_values_are_read_into_python(probe):
    def step(x):
        y = x * 2
        probe(y)
        return y

    compiled = ag.compile(step)
    with pytest.warns(RuntimeWarning, match="runs eagerly"):
        out = compiled(ag.tensor([1.0, 2.0]))
    assert out.tolist() == [2.0, 4.0]


class _BranchingSGD(ag.optim.Optimizer):
    """Plain SGD that skips tiny learning rates: its update branches on the lr, read through
    ``float()`` (a comparison of the lr itself is guarded by its result, not by the value)."""

    def __init__(self, params, lr):
        super().__init__(params, {"lr": lr})

    def _update_group(self, group, params):
        if float(group["lr"]) > 1e-3:
            for p in params:
                p.sub_(p.grad * group["lr"])


def test_giving_up_on_a_step_whose_lr_changes_on_every_call_names_the_lr():
    # A per-step LR schedule stepped outside the compiled step, with an update that branches on
    # a conversion of the lr: its value is guarded, so every call traced again until the
    # function ran eagerly, with a warning that did not say what changed.
    model = ag.nn.Linear(3, 1)
    opt = _BranchingSGD(model.parameters(), lr=0.5)
    scheduler = ag.optim.lr_scheduler.LambdaLR(opt, lambda epoch: 1 / (epoch + 1))

    def step(x):
        opt.zero_grad()
        loss = model(x).pow(2).mean()
        loss.backward()
        opt.step()
        return loss

    compiled = ag.compile(step)
    x = ag.ones(4, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(8):  # a program for each lr: 0.5 to 0.5 / 8
            compiled(x)
            scheduler.step()
    with pytest.warns(RuntimeWarning, match="changes on every call") as w:
        compiled(x)
    message = str(w[0].message)
    assert "option 'lr' of _BranchingSGD param group 0: 0.0625 -> 0.05555555555555555" in message


def test_giving_up_on_a_step_whose_captured_grad_is_replaced_names_the_grad():
    w = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)

    def step(x):
        loss = (w * x).sum()
        loss.backward()
        return loss

    compiled = ag.compile(step)
    x = ag.ones(3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(8):
            w.grad = ag.zeros(3)  # another .grad on every call: each call is traced again
            compiled(x)
    w.grad = ag.zeros(3)
    with pytest.warns(RuntimeWarning, match="changes on every call") as caught:
        compiled(x)
    assert "the .grad of a captured tensor of shape [3]" in str(caught[0].message)


def test_tracing_hooks_are_off_outside_compile():
    from arraygrad import _backend

    assert _backend.tracer is None
    compiled = ag.compile(lambda x: x * 2)
    compiled(ag.tensor([1.0]))
    assert _backend.tracer is None
    assert _backend.xp is _backend.get_backend()


def _body(compiled) -> str:
    (program,) = next(iter(compiled.programs.values()))
    return program.source.split("return MISS\n")[-1]


def test_dead_temporaries_are_written_over():
    # ``(x @ w + b - y) * 2``: each temporary dies in the next op, whose result then goes into
    # its memory (out=) instead of a new array; nothing returned or stored is written over.
    rng = np.random.default_rng(0)
    x = ag.tensor(rng.standard_normal((50, 4)).astype(np.float32))
    y = ag.tensor(rng.standard_normal((50, 1)).astype(np.float32))

    def make():
        w = ag.tensor(rng.standard_normal((4, 1)).astype(np.float32), requires_grad=True)
        b = ag.zeros(1, requires_grad=True)

        def step(x, y):
            loss = ((x @ w + b - y) ** 2).mean()
            loss.backward()
            with ag.no_grad():
                w.sub_(0.01 * w.grad)
                b.sub_(0.01 * b.grad)
            w.grad = None  # cleared here: the gradient is a temporary of the replay
            b.grad = None
            return loss

        return step, w, b

    rng = np.random.default_rng(1)
    eager_step, eager_w, eager_b = make()
    rng = np.random.default_rng(1)
    step, w, b = make()
    compiled = ag.compile(step)
    for _ in range(4):
        expected = eager_step(x, y)._data
        assert compiled(x, y)._data.tobytes() == expected.tobytes()
        assert w._data.tobytes() == eager_w._data.tobytes()
        assert b._data.tobytes() == eager_b._data.tobytes()
    body = _body(compiled)
    reused = [line for line in body.splitlines() if "out=v" in line]
    assert len(reused) >= 4, body  # + b, - y, the residual's gradient, 0.01 * w.grad
    assert compiled.traces == 1


def test_escaping_values_are_never_written_over():
    # A value returned, or stored as a .grad, stays the array eager code made, even where an
    # element-wise op reads it last; inputs are never written over either.
    w = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    eager_w = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)

    def make(w):
        def step(x):
            h = w * x  # returned
            loss = (h * 2.0).sum()
            loss.backward()  # w.grad is kept: it escapes
            return h, h + 1.0, w.grad * 3.0

        return step

    compiled = ag.compile(make(w))
    eager = make(eager_w)
    x = ag.tensor([0.5, -1.0, 4.0])
    for _ in range(3):
        w.grad = None
        eager_w.grad = None
        got = compiled(x)
        want = eager(x)
        for a, b in zip(got, want, strict=True):
            assert a._data.tobytes() == b._data.tobytes()
        assert w.grad._data.tobytes() == eager_w.grad._data.tobytes()
        # The results and the stored .grad are distinct arrays, as in eager code.
        assert not np.shares_memory(got[0]._data, got[1]._data)
        assert not np.shares_memory(got[2]._data, w.grad._data)
    assert x.tolist() == [0.5, -1.0, 4.0]
    body = _body(compiled)
    assert "out=" not in body, body


def test_reuse_is_specialised_on_input_layouts():
    # A temporary is written over only where the traced layouts make eager code's result
    # layout its own: an input of another layout (same shape) makes the program miss.
    compiled = ag.compile(lambda x, y: ((x * 2.0) + y) * 3.0)
    x = ag.tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
    y = ag.tensor(np.ones((2, 3), np.float32))
    for _ in range(2):
        assert compiled(x, y).tolist() == ((x * 2.0 + y) * 3.0).tolist()
    assert "out=v" in _body(compiled)
    transposed = ag.tensor(np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)))
    got = compiled(transposed, y)
    want = (transposed * 2.0 + y) * 3.0
    assert got._data.tobytes() == want._data.tobytes()
    assert got._data.strides == want._data.strides
    assert compiled.traces == 2


def test_captured_fortran_ordered_parameter_compiles_bitwise():
    # The pre-acceptance check runs the program on copies of what it read: copies in the
    # originals' memory order, else a matrix product on a C-ordered copy of an F-ordered weight
    # rounds differently and the step would needlessly fall back to eager.
    rng = np.random.default_rng(0)
    start = np.asfortranarray(rng.standard_normal((300, 200)).astype(np.float32))
    inputs = [ag.tensor(rng.standard_normal((16, 300)).astype(np.float32)) for _ in range(4)]
    runs = []
    for compiled in (False, True):
        w = ag.Tensor._wrap(start.copy(order="F"))
        w.requires_grad_(True)

        def step(x, w=w):
            loss = (x @ w).tanh().mean()
            loss.backward()
            with ag.no_grad():
                w.sub_(0.1 * w.grad)
            w.grad = None
            return loss

        run = ag.compile(step) if compiled else step
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no fallback to eager
            losses = [run(x)._data.tobytes() for x in inputs]
        if compiled:
            assert run.traces == 1 and run.programs
        runs.append((losses, w._data.tobytes()))
    assert runs[0] == runs[1]


def test_step_with_a_transposed_weight_compiled_equals_eager_bitwise():
    # matmul's weight gradient follows the weight's layout; the compiled step, which guards on
    # its arrays' strides, takes the same route as eager.
    def make():
        rng = np.random.default_rng(12)
        w = ag.tensor(rng.standard_normal((4, 6)).astype(np.float32), requires_grad=True)
        x = ag.tensor(rng.standard_normal((8, 6)).astype(np.float32))

        def step(inputs):
            loss = ((inputs @ w.t()).tanh() ** 2).mean()
            loss.backward()
            with ag.no_grad():
                w.sub_(0.1 * w.grad)
            w.grad = None
            return loss

        return step, x, w

    step, x, w_eager = make()
    eager = _run(step, (x,), 5)
    step, x, w_comp = make()
    compiled = ag.compile(step)
    replayed = _run(compiled, (x,), 5)
    assert compiled.traces == 1
    assert all(np.array_equal(a, b) for a, b in zip(eager, replayed, strict=True))
    assert np.array_equal(w_eager._data, w_comp._data)


def test_replays_sum_gradient_parts_in_eager_codes_order_nan_signs_included():
    # Every counted target has weight 0: the loss is 0/0, and the two parts of the logits'
    # gradient are NaNs of opposite signs, whose sum takes the first operand's. A trace summed
    # them in the other order than eager code, so replays differed in NaN signs.
    functional = pytest.importorskip("arraygrad.nn.functional")
    weight = ag.tensor([0.0, 1.0], dtype=ag.float64)

    def step(logits, target):
        loss = functional.cross_entropy(logits, target, weight=weight)
        loss.backward()
        return loss, logits.grad

    compiled = ag.compile(step)
    for _ in range(3):
        results = []
        for fn in (step, compiled):
            logits = ag.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=ag.float64, requires_grad=True)
            results.append([t._data.tobytes() for t in fn(logits, ag.tensor([0, 0]))])
        assert results[0] == results[1]
    assert compiled.traces == 1


def test_one_element_nan_sums_are_not_written_over_their_first_operand():
    # NumPy adds into a one-element out= that is the first operand with its reduction loop,
    # whose sum of two NaNs keeps the second one's sign: the program differed from eager code
    # in the loss's NaN sign, and the build-time check sent the step to eager code for good.
    functional = pytest.importorskip("arraygrad.nn.functional")

    def step(logits, target):
        loss = functional.cross_entropy(logits, target, reduction="none", label_smoothing=0.1)
        loss.sum().backward()
        return loss, logits.grad

    compiled = ag.compile(step)
    for row in ([np.inf, 0.0], [0.5, 1.5], [np.inf, 0.0]):
        results = []
        for fn in (step, compiled):
            logits = ag.tensor(np.array([row], np.float32), requires_grad=True)
            with warnings.catch_warnings():
                warnings.filterwarnings("error", message=".*runs eagerly")
                results.append([t._data.tobytes() for t in fn(logits, ag.tensor([1]))])
        assert results[0] == results[1]
    assert compiled.traces == 1


@pytest.mark.parametrize(
    ("options", "shape", "rows", "first"),
    [
        ({"reduction": "sum"}, (2, 3), ([0, 0], [0, 1], [-100, -100]), "0.0"),
        ({"reduction": "mean"}, (2, 3), ([0, 0], [1, 2], [0, 0]), "0.0"),
        ({"reduction": "none"}, (3,), (0, 1, 0), "0.0"),
        ({"reduction": "mean", "weight": [-2.0, 1.0, 0.5]}, (2, 3), ([0, 0], [0, 1]), "-0.0"),
        ({"reduction": "none", "label_smoothing": 0.1}, (2, 0), ([-100, -100],) * 3, "nan"),
        ({"reduction": "mean", "label_smoothing": 0.1}, (2, 0), ([-100, -100],) * 3, "nan"),
    ],
)
def test_replayed_cross_entropy_keeps_zero_signs_and_no_class_nans(options, shape, rows, first):
    # The exact zeros of PyTorch's sums (0 - x from +0.0; -0.0 for a mean over a negative total
    # weight) and the nans of label smoothing over no classes replay with eager code's bits;
    # the first call gives torch's values (``first``, for each loss).
    functional = pytest.importorskip("arraygrad.nn.functional")
    options = dict(options)
    if "weight" in options:
        options["weight"] = ag.tensor(options["weight"], dtype=ag.float64)

    def step(logits, target):
        loss = functional.cross_entropy(logits, target, **options)
        loss.sum().backward()
        return loss, logits.grad

    compiled = ag.compile(step)
    data = np.zeros(shape)
    if data.size:
        data[..., 0] = 1e4  # class 0's log-probability is exactly 0
    for index, row in enumerate(rows):
        results = []
        for fn in (step, compiled):
            logits = ag.tensor(data, requires_grad=True)
            with warnings.catch_warnings():
                warnings.filterwarnings("error", message=".*runs eagerly")
                results.append([t._data.tobytes() for t in fn(logits, ag.tensor(row))])
        assert results[0] == results[1]
        if index == 0:
            assert {repr(float(v)) for v in np.frombuffer(results[0][0])} == {first}
    assert compiled.traces == 1


def test_replayed_uint8_smoothed_mean_checks_each_calls_labels():
    # PyTorch refuses uint8 labels when the smoothed, weighted mean reads a counted target's
    # weight; with every target ignored it reads none. Each replay decides for its labels.
    functional = pytest.importorskip("arraygrad.nn.functional")
    logits = ag.tensor(np.zeros((2, 3)), requires_grad=True)
    weight = ag.tensor([0.5, 2.0, 1.0], dtype=ag.float64)
    compiled = ag.compile(
        lambda target: functional.cross_entropy(
            logits, target, weight=weight, label_smoothing=0.1, ignore_index=1
        )
    )
    for _ in range(2):
        assert np.isnan(float(compiled(ag.tensor([1, 1], dtype=ag.uint8))))
    with pytest.raises(RuntimeError, match="gather"):
        compiled(ag.tensor([0, 1], dtype=ag.uint8))
    assert compiled.traces == 1


def test_a_number_argument_that_changes_on_every_call_stops_tracing_after_a_limit():
    # Each value is a signature of its own: without a limit, every call was traced and every
    # program kept (memory growing without bound), and no warning said why it was slow.
    from arraygrad._compile import _MAX_SIGNATURES

    w = ag.tensor([1.0, 2.0], requires_grad=True)

    def step(x: ag.Tensor, scale: float) -> ag.Tensor:
        loss = (w * x * scale).sum()
        loss.backward()
        grad = w.grad.clone()
        w.grad = None
        return grad

    compiled = ag.compile(step)
    x = ag.tensor([3.0, 4.0])
    with pytest.warns(RuntimeWarning, match=r"argument 1's value \(63.0 -> 64.0\)") as caught:
        for call in range(_MAX_SIGNATURES + 6):
            assert compiled(x, float(call)).tolist() == step(x, float(call)).tolist()
    assert compiled.traces == _MAX_SIGNATURES
    assert len(compiled.programs) == _MAX_SIGNATURES
    assert sum("new signature" in str(warning.message) for warning in caught) == 1


def test_the_signature_limit_warning_points_at_the_calling_line():
    # warnings.warn's stacklevel counted one frame too many: the warning named the caller of
    # the line that calls the compiled function (for a script: "sys", line 1; here pytest).
    from arraygrad._compile import _MAX_SIGNATURES

    compiled = ag.compile(lambda x, scale: x * scale)
    x = ag.ones(2)
    with pytest.warns(RuntimeWarning, match="new signature") as caught:
        for call in range(_MAX_SIGNATURES + 1):
            compiled(x, float(call))
    assert [w.filename for w in caught] == [__file__]


def test_fullgraph_raises_past_the_signature_limit_before_running() -> None:
    # fullgraph=True ran calls past the signature limit eagerly (and warned once), the one
    # fallback that did not raise; it raises on each such call, without running the function.
    from arraygrad._compile import _MAX_SIGNATURES

    ran: list[float] = []

    def scaled(x: ag.Tensor, scale: float) -> ag.Tensor:
        ran.append(scale)
        return x * scale

    compiled = ag.compile(scaled, fullgraph=True)
    x = ag.ones(2)
    for call in range(_MAX_SIGNATURES):
        compiled(x, float(call))
    for call in (64.0, 65.0):
        with pytest.raises(RuntimeError, match=r"fullgraph=True.*new signature.*63.0 -> "):
            compiled(x, call)
    assert len(ran) == _MAX_SIGNATURES
    assert compiled(x, 3.0).tolist() == [3.0, 3.0]  # traced signatures still replay


def test_a_named_tuple_result_is_replayed_as_its_own_class() -> None:
    # torch.max(x, dim) and friends return named tuples: a replay gives the same class, so
    # .values and .indices work on every call, not only on the traced one.
    compiled = ag.compile(lambda y: ag.max(y, 0))
    for seed in range(3):
        ag.manual_seed(seed)
        y = ag.randn(3, 2)
        mine, theirs = compiled(y), ag.max(y, 0)
        assert type(mine) is type(theirs)
        assert mine.values.numpy().tobytes() == theirs.values.numpy().tobytes()
        assert mine.indices.tolist() == theirs.indices.tolist()
    assert compiled.traces == 1


def test_torch_compile_arguments_are_taken() -> None:
    # PyTorch code: @torch.compile(), torch.compile(model, mode=..., dynamic=...), disable=True
    @ag.compile()
    def double(x):
        return x * 2

    @ag.compile(mode="max-autotune", dynamic=True, backend="inductor")
    def triple(x):
        return x * 3

    x = ag.tensor([1.0, 2.0])
    for _ in range(3):
        assert double(x).tolist() == [2.0, 4.0] and triple(x).tolist() == [3.0, 6.0]
    assert double.traces == 1 and triple.traces == 1

    def plain(x):
        return x + 1

    assert ag.compile(plain, disable=True) is plain
    # misuse: PyTorch's errors
    torch = pytest.importorskip("torch")
    for lib in (ag, torch):
        with pytest.raises(RuntimeError, match="Unrecognized mode=fast"):
            lib.compile(plain, mode="fast")
        with pytest.raises(RuntimeError, match="Either mode or options"):
            lib.compile(plain, mode="default", options={"a": 1})
        # a misspelt backend raises (PyTorch's InvalidBackend is a RuntimeError), also through
        # the decorator form and with disable=True
        with pytest.raises(RuntimeError, match="Invalid backend: 'inductr'"):
            lib.compile(plain, backend="inductr")
        with pytest.raises(RuntimeError, match="Invalid backend: 'inductr'"):
            lib.compile(backend="inductr")(plain)
        with pytest.raises(RuntimeError, match="Invalid backend: 'inductr'"):
            lib.compile(plain, backend="inductr", disable=True)
    assert ag.compile(plain, backend="eager")(x).tolist() == [2.0, 3.0]


def test_fullgraph_raises_where_compile_would_run_eagerly() -> None:
    w = ag.tensor([1.0, -2.0], requires_grad=True)

    def step(x):
        loss = (w * x).sum()
        loss.backward()
        return loss.item()  # a value read into Python: not replayable

    compiled = ag.compile(step, fullgraph=True)
    with pytest.raises(RuntimeError, match=r"fullgraph=True.*cannot be compiled.*Fix"):
        compiled(ag.tensor([1.0, 1.0]))
    assert w.grad.tolist() == [1.0, 1.0]  # the call that found it out ran, eagerly
    with pytest.raises(RuntimeError, match="fullgraph=True"):  # and so does every later one
        compiled(ag.tensor([1.0, 1.0]))
    with pytest.warns(RuntimeWarning, match="runs eagerly"):  # without it: eager, a warning
        ag.compile(step)(ag.tensor([1.0, 1.0]))


def test_keyword_arguments_are_compiled() -> None:
    # Calls with keyword arguments ran eagerly, silently (fullgraph=True too): a step called as
    # step(x, scale=2.0) was never faster. They are arguments like the others, by name.
    def make() -> tuple[ag.Tensor, Callable[..., ag.Tensor]]:
        w = ag.tensor([1.0, -2.0], requires_grad=True)

        def step(x, *rest, scale=1.0, bias=None):
            out = w * x * scale
            for extra in rest:
                out = out * extra
            loss = (out if bias is None else out + bias).sum()
            loss.backward()
            with ag.no_grad():
                w.sub_(0.1 * w.grad)
            w.grad = None
            return loss

        return w, step

    w_eager, eager = make()
    w_compiled, step = make()
    compiled = ag.compile(step, fullgraph=True)
    x, b = ag.tensor([1.0, 2.0]), ag.tensor([0.5, 0.25])
    calls = [
        ((x,), {"scale": 2.0}),
        ((x,), {"bias": b, "scale": 1.0}),
        ((x,), {"scale": 1.0, "bias": b}),  # the same signature: the same program
        ((x, b), {}),  # b is one of *rest here, not bias: a signature of its own
        ((), {"x": x}),
    ]
    for _ in range(3):
        for args, kwargs in calls:
            mine, theirs = compiled(*args, **kwargs).detach(), eager(*args, **kwargs).detach()
            assert mine.numpy().tobytes() == theirs.numpy().tobytes()
    assert w_compiled.detach().numpy().tobytes() == w_eager.detach().numpy().tobytes()
    assert compiled.traces == 4


def test_the_signature_limit_names_a_keyword_argument() -> None:
    from arraygrad._compile import _MAX_SIGNATURES

    compiled = ag.compile(lambda x, scale: x * scale, fullgraph=True)
    x = ag.ones(2)
    for call in range(_MAX_SIGNATURES):
        assert compiled(x, scale=float(call)).tolist() == [float(call)] * 2
    with pytest.raises(RuntimeError, match=r"keyword argument 'scale''s value \(63.0 -> 64.0\)"):
        compiled(x, scale=64.0)
    with pytest.raises(RuntimeError, match=r"the keyword arguments \(scale -> none\)"):
        compiled(x, 64.0)


def test_in_place_updates_of_captured_tensors_replay() -> None:
    # An average kept beside the model, updated with mul_/add_ (or cleared with zero_/fill_):
    # those writes skipped the tracer, which took the tensor's array for one made by raw array
    # code, so the whole step ran eagerly (with a warning) on every call.
    def make() -> tuple[Callable[[ag.Tensor], ag.Tensor], list[ag.Tensor]]:
        w = ag.tensor([1.0, -2.0, 0.5], requires_grad=True)
        average, total, count = ag.zeros(3), ag.zeros(3), ag.zeros(())

        def step(x: ag.Tensor) -> ag.Tensor:
            loss = ((w * x).sum() - 1.0) ** 2
            loss.backward()
            with ag.no_grad():
                w.sub_(0.1 * w.grad)
                average.mul_(0.9).add_(w, alpha=0.1)
                total.add_(w)
                total.div_(2.0)
                count.add_(1)
                total.sub_(average)
                average.mul_(w)
            w.grad = None
            return loss.detach() + count

        return step, [w, average, total, count]

    eager, eager_state = make()
    step, state = make()
    compiled = ag.compile(step)
    x = ag.tensor([0.5, 1.0, -1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(4):
            assert compiled(x).numpy().tobytes() == eager(x).numpy().tobytes()
            for mine, theirs in zip(state, eager_state, strict=True):
                assert mine.detach().numpy().tobytes() == theirs.detach().numpy().tobytes()
                assert mine._version == theirs._version
    assert compiled.traces == 1


def test_zero_and_fill_of_a_captured_tensor_replay() -> None:
    counts = ag.zeros(2)

    def step(x: ag.Tensor) -> ag.Tensor:
        counts.zero_()
        counts.add_(x)
        counts.mul_(3.0)
        return counts * 2

    compiled = ag.compile(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for value in (1.0, 2.0, 3.0):
            assert compiled(ag.full((2,), value)).tolist() == [6 * value] * 2
            assert counts.tolist() == [3 * value] * 2
    assert compiled.traces == 1
    fills = ag.ones(2)
    filled = ag.compile(lambda x: fills.fill_(0.5) * x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for value in (1.0, 2.0):
            fills.add_(1.0)
            assert filled(ag.full((2,), value)).tolist() == [0.5 * value] * 2
    assert filled.traces == 1


def test_an_input_passed_twice_at_the_trace_replays_only_while_it_is() -> None:
    # f(x, x) loads the array once, from one position: a replay of f(x, y) read y for both
    # (0, not 2), as it did for f(x, x.detach()) (another tensor on the same array)
    x, y = ag.ones(3), ag.zeros(3)
    for first in (x, x.detach()):
        compiled = ag.compile(lambda a, b: a * 2 + b)
        assert compiled(x, first).tolist() == [3.0, 3.0, 3.0]
        assert compiled(x, y).tolist() == [2.0, 2.0, 2.0]
        assert compiled(x, first).tolist() == [3.0, 3.0, 3.0]
        assert compiled.traces == 2


def test_index_arrays_made_from_values_outside_the_recorder_are_not_replayed() -> None:
    # An index array computed from a tensor's values by code the recorder does not see (here
    # an operator on the raw array; in arraygrad, one_hot's == did that) looks like an index
    # grid made from the shapes: a replay returned the traced call's rows, whatever the
    # values. A program with such arrays is kept only once a second trace finds them equal.
    def pick(x: ag.Tensor, labels: ag.Tensor) -> ag.Tensor:
        rows = labels._data % 3  # an int array the recorder does not see being made
        return x[rows]

    compiled = ag.compile(pick)
    x = ag.tensor([10.0, 20.0, 30.0])
    with pytest.warns(RuntimeWarning, match="index arrays computed where the recorder") as w:
        for labels in ([0, 1], [1, 2], [2, 0], [0, 1]):
            assert compiled(x, ag.tensor(labels)).tolist() == pick(x, ag.tensor(labels)).tolist()
    assert w[0].filename == __file__
    assert compiled.traces == 2 and compiled.confirmations == 1 and compiled.eager
    # arrays made from the shapes (adaptive pooling's windows) come out the same: kept
    steady = ag.compile(lambda x: ag.nn.functional.adaptive_max_pool1d(x, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for scale in (1.0, 2.0, 3.0):
            assert steady(ag.ones(1, 5) * scale).tolist() == [[scale, scale]]
    assert steady.traces == 2 and steady.confirmations == 1 and not steady.eager


_POOL_SIZE = 2  # a global output size, read (and guarded) by the compiled function below


def _pool_to_global_size(x: ag.Tensor) -> ag.Tensor:
    return ag.nn.functional.adaptive_max_pool1d(x, _POOL_SIZE)


def test_index_arrays_that_change_with_a_guarded_global_are_not_taken_for_values() -> None:
    # A global output size that alternates makes other pooling windows for each value: those
    # traces are in different states (the global is guarded), not one state whose arrays
    # differ, so each state's program is kept once confirmed and nothing runs eagerly. (The
    # two traces of different states were compared: the function ran eagerly for good.)
    global _POOL_SIZE
    compiled = ag.compile(_pool_to_global_size)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            for size in (2, 3, 2, 3, 2, 3):
                _POOL_SIZE = size
                x = ag.arange(9.0).reshape(1, 9) * size
                assert compiled(x).tolist() == _pool_to_global_size(x).tolist()
    finally:
        _POOL_SIZE = 2
    assert compiled.traces == 4 and compiled.confirmations == 2 and not compiled.eager


_CAPTURED_INDEX_USES: dict[str, Callable[[ag.Tensor, ag.Tensor, ag.Tensor], ag.Tensor]] = {
    # (each index tensor used directly: one reached through a view, index[None], was seen)
    "getitem": lambda h, index, rows: h[:, index],
    "index_put": lambda h, index, rows: h.index_put((index,), h[:1] * 2),
    "gather": lambda h, index, rows: h.gather(1, rows),
    "scatter_add": lambda h, index, rows: h.scatter_add(1, rows, h),
    "take": lambda h, index, rows: ag.take(h, index),
    "index_add": lambda h, index, rows: h.index_add(1, index, h),
    "cross_entropy": lambda h, index, rows: ag.nn.functional.cross_entropy(
        h, index, reduction="none"
    ),
}


@pytest.mark.parametrize("use", list(_CAPTURED_INDEX_USES))
def test_a_captured_index_tensor_given_another_array_is_read_anew(use: str) -> None:
    # Index tensors from outside the function (a permutation, a buffer, fixed labels) reached
    # the recorder as raw arrays: taken for constants of the program (and traced twice to
    # confirm them), they stayed the traced ones after `index.data = ...`, and the replays
    # indexed with the old values, silently.
    index_use = _CAPTURED_INDEX_USES[use]

    def run(compiled: bool) -> tuple[list[list[float]], Any]:
        w = ag.tensor(np.arange(16.0).reshape(4, 4) / 7, requires_grad=True)
        index = ag.tensor([0, 1, 2, 3])
        rows = ag.tensor([[0, 1, 2, 3]] * 4)

        def step(x: ag.Tensor) -> ag.Tensor:
            out = index_use(w * x, index, rows)
            loss = (out * ag.arange(float(out.numel())).reshape(out.shape)).sum()
            loss.backward()
            return w.grad.clone()

        fn = ag.compile(step) if compiled else step
        found = []
        for call in range(4):
            if call == 2:
                index.data = ag.tensor([2, 0, 1, 1])
                rows.data = ag.tensor([[2, 0, 1, 1]] * 4)
            found.append(fn(ag.ones(4, 4)).flatten().tolist())
            w.grad = None
        return found, fn

    eager, _ = run(compiled=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        replayed, compiled = run(compiled=True)
    assert replayed == eager
    assert compiled.traces == 1 and compiled.confirmations == 0


@pytest.mark.parametrize(
    "update",
    [
        lambda h, i: ag.take(h, i),
        lambda h, i: h.index_add(1, i, h),
        lambda h, i: h.index_copy(1, i, h * 2),
        lambda h, i: h.index_fill(1, i, 2.0),
    ],
    ids=["take", "index_add", "index_copy", "index_fill"],
)
def test_steps_with_index_bounds_checks_replay(
    update: Callable[[ag.Tensor, ag.Tensor], ag.Tensor],
) -> None:
    # take and index_add/index_copy/index_fill read their indices' bounds into Python: each
    # step that called them ran eagerly, with compile's warning. The check is now a step of
    # the program, run on each call's indices.
    w = ag.tensor(np.arange(12.0).reshape(3, 4) / 7, requires_grad=True)

    def step(x: ag.Tensor, index: ag.Tensor) -> ag.Tensor:
        out = update(w * x, index)
        (out * out).sum().backward()
        grad = w.grad.clone()
        w.grad = None
        return grad

    compiled = ag.compile(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for values in ([0, 1, 2, 3], [3, 3, 0, 1], [1, 0, 2, 2]):
            index = ag.tensor(values)
            assert compiled(ag.ones(3, 4), index).tolist() == step(ag.ones(3, 4), index).tolist()
        with pytest.raises((IndexError, RuntimeError), match="out of"):
            compiled(ag.ones(3, 4), ag.tensor([0, 1, 2, 40]))  # a replay checks its own indices
    assert compiled.traces == 1 and not compiled.eager


# Each form with the shapes of its index (values in [0, 3)) and src, for an input of shape (3, 4).
_SCATTER_REDUCES: dict[str, tuple[Callable[..., ag.Tensor], tuple[int, ...], tuple[int, ...]]] = {
    "scatter_reduce": (
        lambda h, index, src, reduce, include_self: h.scatter_reduce(
            0, index, src, reduce, include_self=include_self
        ),
        (5, 4),
        (5, 4),
    ),
    "index_reduce": (
        lambda h, index, src, reduce, include_self: h.index_reduce(
            1, index, src, reduce, include_self=include_self
        ),
        (6,),
        (3, 6),
    ),
}


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", ["mean", "amax", "amin"])
@pytest.mark.parametrize("form", list(_SCATTER_REDUCES))
def test_scatter_reduce_steps_replay_bitwise(form: str, reduce: str, include_self: bool) -> None:
    # mean, amax and amin computed their counts, destinations and winners with operators on
    # raw arrays (and a boolean mask): each such step ran eagerly, with a warning about array
    # arithmetic outside arraygrad's ops. Now one program replays them, each call on its own
    # index (other places written, other ties, a nan among the values), equal to eager code.
    scatter, index_shape, src_shape = _SCATTER_REDUCES[form]
    w = ag.tensor(np.arange(12.0).reshape(3, 4) / 7 - 0.5, requires_grad=True)

    def step(src: ag.Tensor, index: ag.Tensor) -> tuple[ag.Tensor, ...]:
        out = scatter(w * 2, index, src, reduce, include_self)
        loss = (out * ag.arange(12.0, dtype=ag.float64).reshape(3, 4)).sum()
        return (out, *ag.autograd.grad(loss, (w, src)))

    rng = np.random.default_rng(3)
    indices = [rng.integers(0, 3, index_shape) for _ in range(3)]
    indices.append(np.zeros(index_shape, np.int64))  # every value to one place
    sources = [rng.choice([-1.0, 0.0, 0.5, 2.0], src_shape) for _ in indices]
    sources[2][1, 1] = np.nan
    compiled = ag.compile(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a fallback to eager warns
        for index, values in zip(indices, sources, strict=True):
            args = (ag.tensor(values, requires_grad=True), ag.tensor(index))
            eager = [t.detach().numpy().tobytes() for t in step(*args)]
            args = (ag.tensor(values, requires_grad=True), ag.tensor(index))
            replayed = [t.detach().numpy().tobytes() for t in compiled(*args)]
            assert replayed == eager
    assert compiled.traces == 1 and not compiled.eager


def _squared_step() -> Any:
    @ag.compile
    def step(x: ag.Tensor) -> ag.Tensor:
        loss = (x * x).sum()
        loss.backward()
        return loss

    return step


def test_backward_into_an_inputs_graph_says_why_and_leaves_leaf_calls_compiled():
    # A computed input whose graph the step's backward goes on through: the warning names it
    # and the fix; its eager run fills a.grad; calls with leaf inputs still replay, and one
    # that replayed for leaves does not replay for a computed input (which would drop a.grad).
    step = _squared_step()
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    leaf = ag.tensor([1.0, 2.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            leaf.grad = None
            step(leaf)
    assert leaf.grad.tolist() == [2.0, 4.0] and step.traces == 1
    with pytest.warns(RuntimeWarning) as caught:
        step(a * 2)
    message = str(caught[0].message)
    assert "goes on through input 0's graph" in message and "grad_fn MulBackward0" in message
    assert "x.detach()" in message and "outside arraygrad's ops" not in message
    assert a.grad.tolist() == [8.0, 16.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        leaf.grad = None
        step(leaf)
        step(a * 2)  # runs eagerly, as the warning said, without another warning
    assert leaf.grad.tolist() == [2.0, 4.0] and a.grad.tolist() == [16.0, 32.0]
    assert step.traces == 2


def test_an_input_with_a_grad_says_what_to_do_and_leaves_other_calls_compiled():
    step = _squared_step()
    leaf = ag.tensor([1.0, 2.0], requires_grad=True)
    step(leaf)
    with pytest.warns(RuntimeWarning, match="set its .grad to None before the call"):
        step(leaf)  # accumulates, eagerly
    assert leaf.grad.tolist() == [4.0, 8.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        leaf.grad = None
        step(leaf)
        step(leaf)
    assert leaf.grad.tolist() == [4.0, 8.0]
    assert len(step.programs) == 1 and step.traces == 2


def test_a_call_inside_saved_tensors_hooks_runs_eagerly_and_calls_them() -> None:
    # A replay records no op, so the pack and unpack hooks were skipped silently (a trace under
    # them unpacked twice as often as eager code).
    from arraygrad.autograd.graph import saved_tensors_hooks

    calls: list[str] = []

    def pack(t: ag.Tensor) -> ag.Tensor:
        calls.append("pack")
        return t.detach().clone()

    def unpack(t: ag.Tensor) -> ag.Tensor:
        calls.append("unpack")
        return t

    def f(x: ag.Tensor) -> ag.Tensor:
        return x.exp().sin().sum()

    step = ag.compile(f)
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    step(x).backward()  # traced outside the hooks
    x.grad = None
    step(x).backward()  # replayed
    expected = x.grad.tolist()
    for _ in range(2):
        x.grad = None
        calls.clear()
        with saved_tensors_hooks(pack, unpack), pytest.warns(RuntimeWarning, match="hooks"):
            loss = step(x)
        loss.backward()
        assert calls == ["pack", "pack", "unpack", "unpack"]
        assert x.grad.tolist() == expected
    x.grad = None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        step(x).backward()  # outside the hooks: replayed again, no warning
    assert x.grad.tolist() == expected and step.traces == 1


def test_a_call_inside_a_dual_level_runs_eagerly_and_gives_tangents() -> None:
    # A replay runs no op, so its results had no tangent (unpack_dual(...).tangent was None
    # where PyTorch gives J·t); a trace inside the level recorded the tangents' arithmetic.
    import torch
    import torch.autograd.forward_ad as torch_fw

    import arraygrad.autograd.forward_ad as fw

    step = ag.compile(lambda x: (x * x).sin())
    step(ag.ones(3))  # traced outside the level
    step(ag.ones(3))  # replayed
    primal, direction = [1.0, 2.0, 3.0], [1.0, 0.0, 1.0]
    with torch_fw.dual_level():
        dual = torch_fw.make_dual(torch.tensor(primal), torch.tensor(direction))
        expected = torch_fw.unpack_dual((dual * dual).sin()).tangent.tolist()
    for _ in range(2):  # as the first call in the level and after it
        with fw.dual_level(), pytest.warns(RuntimeWarning, match="dual level"):
            tangent = fw.unpack_dual(step(fw.make_dual(ag.tensor(primal), ag.tensor(direction))))
        assert tangent.tangent is not None
        np.testing.assert_allclose(tangent.tangent.tolist(), expected, rtol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        step(ag.ones(3))  # outside the level: replayed again, no warning
    assert step.traces == 1
    strict = ag.compile(lambda x: x * 2, fullgraph=True)
    with fw.dual_level(), pytest.raises(RuntimeError, match="dual level"):
        strict(ag.ones(2))


@pytest.mark.parametrize(
    ("fn", "make"),
    [
        (lambda x: x.cumsum(0), lambda: ag.arange(12.0).reshape(4, 3).t()),
        (lambda x: x.clone(), lambda: ag.arange(4.0).expand(3, 4)),
    ],
    ids=["cumsum_of_transposed", "clone_of_expanded"],
)
def test_replays_lay_results_out_as_eager_code(fn: Any, make: Any) -> None:
    # The C-ordered copy these forwards make of NumPy's result was invisible to the recorder's
    # split into array ops (equal values): replays gave the input's layout, on which the
    # view(-1) that eager code can take raises.
    eager = fn(make())
    step = ag.compile(fn)
    for _ in range(3):
        out = step(make())
        assert out.stride() == eager.stride()
        assert out.tolist() == eager.tolist()


@pytest.mark.parametrize("name", ["zeros_like", "full_like", "rand_like", "randn_like"])
def test_like_functions_of_a_transposed_input_compile(name: str) -> None:
    # Their copy into the input's layout (preserve_format) was made behind the recorder's
    # back: the function ran eagerly, warning of "array arithmetic outside arraygrad's ops".
    def f(x: ag.Tensor) -> ag.Tensor:
        args = (2.0,) if name == "full_like" else ()
        return getattr(ag, name)(x, *args) + x

    x = ag.arange(12.0).reshape(4, 3).t()
    ag.manual_seed(0)
    eager = [f(x) for _ in range(3)]
    step = ag.compile(f)
    ag.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compiled = [step(x) for _ in range(3)]
    assert len(step.programs) == 1
    for mine, theirs in zip(compiled, eager, strict=True):
        assert mine.tolist() == theirs.tolist() and mine.stride() == theirs.stride()


def test_float_arange_is_one_recorded_call_with_torch_s_bits():
    # arange's float values are made by one backend call (PyTorch's arithmetic, not the
    # library's arange): a trace records it, its replays give the same bits as eager and torch.
    import torch  # (the oracle, for this test alone)

    def scaled(x: ag.Tensor) -> ag.Tensor:
        return x * ag.arange(0.1, 4.0, 0.3, dtype=ag.float64)

    x = ag.tensor(np.ones(13))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback may happen here
        compiled = ag.compile(scaled)
        replays = [compiled(x).numpy() for _ in range(3)]
    want = torch.arange(0.1, 4.0, 0.3, dtype=torch.float64).numpy()
    assert compiled.traces == 1
    assert all(np.array_equal(r, want) for r in replays)
    assert np.array_equal(scaled(x).numpy(), want)
