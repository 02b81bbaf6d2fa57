"""arraygrad.compile and modules: a step replays only while the Python options of the modules it
calls (``training``, dropout's ``p``, batch norm's ``momentum``) are as traced, sets the ones it
sets, and records what layers compute from raw arrays (gradient clipping, embedding indices)."""

from __future__ import annotations

import copy
import warnings
from typing import Any

import numpy as np
import pytest

import arraygrad as ag
from tests.oracle import same_state


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
def test_a_step_that_clips_the_gradient_norm_replays_as_eager(norm_type: float) -> None:
    # clip_grad_norm_ computed its norms with operators on raw arrays, which the recorder does
    # not see: every step that clipped ran eagerly, with a warning.
    def make() -> tuple[Any, Any]:
        ag.manual_seed(0)
        model = ag.nn.Sequential(ag.nn.Linear(3, 4), ag.nn.Tanh(), ag.nn.Linear(4, 2))
        opt = ag.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

        def step(x: ag.Tensor) -> Any:
            opt.zero_grad()
            loss = model(x).pow(2).mean()
            loss.backward()
            total = ag.nn.utils.clip_grad_norm_(model.parameters(), 0.05, norm_type=norm_type)
            opt.step()
            return loss, total

        return model, step

    eager_model, eager_step = make()
    model, step = make()
    compiled = ag.compile(step)
    rng = np.random.default_rng(5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # replayed, never run eagerly for good
        for _ in range(6):
            x = ag.tensor(rng.standard_normal((5, 3)).astype(np.float32))
            mine, theirs = compiled(x), eager_step(x)
            assert [t.detach().numpy().tobytes() for t in mine] == [
                t.detach().numpy().tobytes() for t in theirs
            ]
            for p, q in zip(model.parameters(), eager_model.parameters(), strict=True):
                assert p.detach().numpy().tobytes() == q.detach().numpy().tobytes()
    assert compiled.traces == 2  # the optimizer's first step, then its steady state


@pytest.mark.parametrize("inside", [False, True])
def test_a_modules_training_mode_is_guarded_and_set_as_eager_code_sets_it(inside: bool) -> None:
    # Dropout and batch norm do what module.training selects: a program traced in training
    # mode was replayed after model.eval() (batch statistics, dropout, running stats updated).
    # A step that sets the mode itself (model.train() first, model.eval() last) is replayed
    # with those settings made again, as eager code makes them.
    def make() -> tuple[Any, Any]:
        ag.manual_seed(0)
        model = ag.nn.Sequential(
            ag.nn.Linear(3, 4), ag.nn.BatchNorm1d(4), ag.nn.Dropout(0.5), ag.nn.Linear(4, 2)
        )
        opt = ag.optim.SGD(model.parameters(), lr=0.1)

        def step(x: ag.Tensor) -> Any:
            if inside:
                model.train()
            opt.zero_grad()
            loss = model(x).pow(2).mean()
            loss.backward()
            opt.step()
            if inside:
                model.eval()
            return loss

        return model, step

    eager_model, eager_step = make()
    model, step = make()
    compiled = ag.compile(step)
    rng = np.random.default_rng(6)
    for call in range(8):
        for m in (model, eager_model):
            m.train(call % 3 != 2)
        x = ag.tensor(rng.standard_normal((5, 3)).astype(np.float32))
        ag.manual_seed(call)
        mine = compiled(x).detach().numpy().tobytes()
        ag.manual_seed(call)
        assert mine == eager_step(x).detach().numpy().tobytes()
        assert [m.training for m in model.modules()] == [m.training for m in eager_model.modules()]
        mine_state, eager_state = model.state_dict(), eager_model.state_dict()
        for p, q in zip(mine_state.values(), eager_state.values(), strict=True):
            assert p.numpy().tobytes() == q.numpy().tobytes()
    assert compiled.traces <= 3


def test_a_compiled_forward_method_guards_its_modules_training_mode() -> None:
    # compile(model.forward) does not go through the model's __call__, which records the
    # mode: a forward reading self.training directly (F.dropout(..., self.training)) and
    # calling no submodule was replayed in training mode after model.eval().
    class Net(ag.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.weight = ag.nn.Parameter(ag.randn(3, 3))

        def forward(self, x: ag.Tensor) -> ag.Tensor:
            return ag.nn.functional.dropout(x @ self.weight, 0.5, self.training)

    ag.manual_seed(0)
    model = Net()
    compiled = ag.compile(model.forward)
    x = ag.randn(4, 3)
    for call, training in enumerate([True, True, False, False]):
        model.train(training)
        # (under no_grad: a forward whose output has a graph for a backward after the call
        # runs eagerly, see test_a_compiled_model_differentiated_after_the_call_runs_eagerly)
        with ag.no_grad():
            ag.manual_seed(call)
            mine = compiled(x).numpy()
            ag.manual_seed(call)
            theirs = model.forward(x).numpy()
        assert mine.tobytes() == theirs.tobytes()
    assert compiled.traces == 2


@pytest.mark.parametrize(
    ("layer", "attribute", "values"),
    [
        ("dropout", "p", [0.5, 0.2, 0.0]),
        ("batchnorm", "momentum", [0.1, 0.5]),
        ("batchnorm", "eps", [1e-5, 1.0]),
        ("batchnorm", "track_running_stats", [True, False]),
        ("leaky_relu", "negative_slope", [0.01, 0.5]),
        ("softmax", "dim", [1, 0]),
    ],
)
def test_a_modules_options_are_guarded(layer: str, attribute: str, values: list[Any]) -> None:
    # A module's Python options (dropout's p, batch norm's momentum) are constants of the
    # program: one changed between calls was replayed with its old value.
    def make() -> tuple[Any, Any, Any]:
        ag.manual_seed(0)
        middle = {
            "dropout": ag.nn.Dropout(0.5),
            "batchnorm": ag.nn.BatchNorm1d(4),
            "leaky_relu": ag.nn.LeakyReLU(0.01),
            "softmax": ag.nn.Softmax(1),
        }[layer]
        model = ag.nn.Sequential(ag.nn.Linear(3, 4), middle, ag.nn.Linear(4, 2))
        opt = ag.optim.SGD(model.parameters(), lr=0.1)

        def step(x: ag.Tensor) -> Any:
            opt.zero_grad()
            loss = model(x).pow(2).mean()
            loss.backward()
            opt.step()
            return loss

        return model, middle, step

    eager_model, eager_middle, eager_step = make()
    model, middle, step = make()
    compiled = ag.compile(step)
    rng = np.random.default_rng(7)
    for call in range(2 * len(values) + 1):
        for m in (middle, eager_middle):
            setattr(m, attribute, values[call // 2 % len(values)])
        x = ag.tensor(rng.standard_normal((5, 3)).astype(np.float32))
        ag.manual_seed(call)
        mine = compiled(x).detach().numpy().tobytes()
        ag.manual_seed(call)
        assert mine == eager_step(x).detach().numpy().tobytes()
        assert same_state(model, eager_model)
    assert compiled.traces <= len(values) + 1


class _Scaled(ag.nn.Module):
    """A linear layer whose output is scaled by a plain option, 1 when it has none."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = ag.nn.Linear(3, 2)
        self.scale = 2.0

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        return self.linear(x) * getattr(self, "scale", 1.0)


@pytest.mark.parametrize("change", ["delete", "parameter", "array"])
def test_a_module_option_deleted_or_replaced_by_a_tensor_is_a_guard_miss(change: str) -> None:
    # The guard read the option as an attribute: a deleted one raised AttributeError from the
    # replay, an array raised from the guard's ==, and a Parameter of the same value compared
    # equal to the float, so the replay kept it a constant (and gave it no .grad).
    def make() -> tuple[Any, Any]:
        ag.manual_seed(0)
        model = _Scaled()

        def step(x: ag.Tensor) -> Any:
            model.zero_grad()
            loss = model(x).pow(2).sum()
            loss.backward()
            return loss

        return model, step

    eager_model, eager_step = make()
    model, step = make()
    compiled = ag.compile(step)
    rng = np.random.default_rng(13)
    for call in range(4):
        if call == 2:
            for m in (model, eager_model):
                if change == "delete":
                    del m.scale
                elif change == "parameter":
                    m.scale = ag.nn.Parameter(ag.tensor(2.0))
                else:
                    m.scale = np.array([2.0, 2.0], np.float32)
        x = ag.tensor(rng.standard_normal((5, 3)).astype(np.float32))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (an array option runs eagerly)
            mine = compiled(x).detach().numpy().tobytes()
        assert mine == eager_step(x).detach().numpy().tobytes()
        assert same_state(model, eager_model)
        if change == "parameter" and call >= 2:
            assert model.scale.grad is not None
            assert model.scale.grad.numpy().tobytes() == eager_model.scale.grad.numpy().tobytes()


def test_a_module_option_the_step_sets_from_itself_replays_as_eager() -> None:
    # The step reads the option before setting it: the program depends on its value at the
    # call's start, and a replay sets it as the function leaves it.
    def make() -> tuple[Any, Any]:
        ag.manual_seed(0)
        model = ag.nn.Sequential(ag.nn.Linear(3, 4), ag.nn.Dropout(0.5), ag.nn.Linear(4, 2))
        opt = ag.optim.SGD(model.parameters(), lr=0.1)

        def step(x: ag.Tensor) -> Any:
            model[1].p = model[1].p * 0.5
            opt.zero_grad()
            loss = model(x).pow(2).mean()
            loss.backward()
            opt.step()
            return loss

        return model, step

    eager_model, eager_step = make()
    model, step = make()
    compiled = ag.compile(step)
    rng = np.random.default_rng(8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (it changes on every call: it may run eagerly)
        for call in range(4):
            x = ag.tensor(rng.standard_normal((5, 3)).astype(np.float32))
            ag.manual_seed(call)
            mine = compiled(x).detach().numpy().tobytes()
            ag.manual_seed(call)
            assert mine == eager_step(x).detach().numpy().tobytes()
            assert model[1].p == eager_model[1].p
            assert same_state(model, eager_model)


@pytest.mark.parametrize("captured", [False, True])
def test_an_embeddings_padding_rows_are_found_in_each_calls_indices(captured: bool) -> None:
    # The padding mask was computed with == on the raw index array: the program took it for a
    # constant, and replays kept the traced call's padding positions.
    def make() -> tuple[Any, Any, Any]:
        ag.manual_seed(0)
        model = ag.nn.Sequential(ag.nn.Embedding(6, 3, padding_idx=0), ag.nn.Linear(3, 2))
        opt = ag.optim.SGD(model.parameters(), lr=0.1)
        indices = ag.tensor([[0, 1, 2]])

        def step(x: ag.Tensor) -> Any:
            if captured:
                indices.copy_(x)
            opt.zero_grad()
            loss = model(indices if captured else x).pow(2).sum()
            loss.backward()
            opt.step()
            return loss

        return model, step, indices

    eager_model, eager_step, _ = make()
    model, step, _ = make()
    compiled = ag.compile(step)
    rng = np.random.default_rng(11)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # replayed, never run eagerly for good
        for _ in range(5):
            x = ag.tensor(rng.integers(0, 6, (1, 3)))
            mine = compiled(x).detach().numpy().tobytes()
            assert mine == eager_step(x).detach().numpy().tobytes()
            assert same_state(model, eager_model)
    assert compiled.traces == 2


@pytest.mark.parametrize("index", [-1, 4])
def test_replayed_embedding_checks_each_calls_indices(index: int) -> None:
    # The range check ran in Python on the traced call's indices only: a replay read index -1
    # from the end of the table (NumPy's take) where eager code raises IndexError.
    embedding = ag.nn.Embedding(4, 2)
    compiled = ag.compile(lambda x: embedding(x).sum())
    for _ in range(2):
        compiled(ag.tensor([0, 1]))
    with pytest.raises(IndexError, match="index out of range in self"):
        compiled(ag.tensor([0, index]))
    assert compiled(ag.tensor([3, 3])).item() == embedding(ag.tensor([3, 3])).sum().item()
    assert compiled.traces == 1


class _Net(ag.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = ag.nn.Linear(3, 2)

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        return self.fc(x)


@pytest.mark.parametrize(
    ("kind", "name"), [("sequential", "Sequential[0] (Linear)"), ("custom", "_Net.fc (Linear)")]
)
def test_giving_up_on_a_step_names_the_module_attribute_that_changes(kind: str, name: str) -> None:
    # A step counter kept on a module is guarded (a plain attribute could select what forward
    # does): a new program on every call, then eager code, with a warning that only said
    # "state that changes on every call", not which.
    model: Any = (
        ag.nn.Sequential(ag.nn.Linear(3, 4), ag.nn.Tanh()) if kind == "sequential" else _Net()
    )
    layer = model[0] if kind == "sequential" else model.fc
    layer.global_step = 0

    def step(x: ag.Tensor) -> ag.Tensor:
        layer.global_step += 1
        loss = model(x).pow(2).mean()
        loss.backward()
        return loss

    compiled = ag.compile(step)
    x = ag.ones(5, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(8):  # a program for each value found: 0 to 7
            compiled(x)
    with pytest.warns(RuntimeWarning, match="runs eagerly: state that changes on every call") as w:
        compiled(x)
    assert f"attribute 'global_step' of module {name}: 7 -> 8" in str(w[0].message)
    assert compiled.traces == 8


def _train_a_model(compiled: bool) -> tuple[list[np.ndarray], Any, Any]:
    """PyTorch's loop on ``model = torch.compile(model)`` (or the model itself): SGD on
    ``model.parameters()``, ``loss.backward()`` after the call. The trained parameters, the
    model it trained (the compiled one) and the module it wraps."""
    ag.manual_seed(0)
    original = ag.nn.Sequential(ag.nn.Linear(3, 4), ag.nn.Tanh(), ag.nn.Linear(4, 1))
    model = ag.compile(original) if compiled else original
    opt = ag.optim.SGD(model.parameters(), lr=0.1)
    x = ag.randn(5, 3)
    for _ in range(4):
        opt.zero_grad()
        model(x).pow(2).mean().backward()
        opt.step()
    return [p.detach().numpy().copy() for p in original.parameters()], model, original


def test_a_compiled_model_differentiated_after_the_call_replays() -> None:
    # torch.compile(model)'s idiom: the caller runs backward on the output. A replay records
    # no graph, so its output did not require grad and loss.backward() raised on the third
    # call; then the function ran eagerly; now the forward replays and its output's one node
    # runs the compiled backward, with eager's bits (see tests/test_compile_aot.py).
    eager, *_ = _train_a_model(False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compiled, model, _ = _train_a_model(True)
    assert model.traces == 1 and not model.eager
    for a, b in zip(eager, compiled, strict=True):
        assert a.tobytes() == b.tobytes()


def test_values_a_training_step_returns_after_its_backward_still_replay() -> None:
    # A step that runs its own backward and returns tensors with a graph (the loss, softmax
    # probabilities as a metric) is a training step: it replays, its outputs as values.
    ag.manual_seed(0)
    model = ag.nn.Linear(3, 2)
    opt = ag.optim.SGD(model.parameters(), lr=0.1)

    def step(x: ag.Tensor) -> tuple[ag.Tensor, ag.Tensor]:
        opt.zero_grad()
        logits = model(x)
        loss = logits.pow(2).mean()
        loss.backward()
        opt.step()
        return loss, logits.softmax(-1)

    compiled = ag.compile(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            compiled(ag.randn(4, 3))
    # (two traces: the first call finds no .grad to zero, later ones find one)
    assert compiled.traces == 2 and not compiled.eager

    # and a forward alone, under no_grad (inference), replays too
    forward = ag.compile(model)
    with warnings.catch_warnings(), ag.no_grad():
        warnings.simplefilter("error")
        for _ in range(3):
            forward(ag.randn(4, 3))
    assert forward.traces == 1 and not forward.eager


def test_a_compiled_module_stands_for_the_module() -> None:
    # PyTorch: model = torch.compile(model); opt = SGD(model.parameters()); model.eval(); ...
    # (an OptimizedModule): every module attribute reaches the model.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (it says why it runs eagerly: tested above)
        _, model, original = _train_a_model(True)
    assert model._orig_mod is original  # (not subscriptable, as PyTorch's OptimizedModule)
    assert all(p is q for p, q in zip(model.parameters(), original.parameters(), strict=True))
    # the model's own keys (PyTorch's OptimizedModule prefixes them with '_orig_mod.', which a
    # plain model cannot load without renaming)
    assert list(model.state_dict()) == list(original.state_dict())
    model.eval()
    assert not original.training and not model.training
    with pytest.raises(AttributeError, match="no attribute 'parameters'"):
        ag.compile(lambda x: x).parameters  # noqa: B018 - a plain function stays one


def test_module_compile_compiles_its_calls_in_place() -> None:
    # PyTorch's model.compile(**torch.compile's arguments): returns None, the model stays the
    # model; inference replays, and so does training (the caller's backward), with eager's bits
    ag.manual_seed(0)
    model = ag.nn.Sequential(ag.nn.Linear(3, 4), ag.nn.ReLU(), ag.nn.Linear(4, 2))
    twin = copy.deepcopy(model)
    assert model.compile(mode="reduce-overhead") is None
    assert isinstance(model, ag.nn.Sequential) and list(model.state_dict()) == [
        "0.weight",
        "0.bias",
        "2.weight",
        "2.bias",
    ]
    x = ag.randn(5, 3)
    with warnings.catch_warnings(), ag.no_grad():
        warnings.simplefilter("error")
        for _ in range(3):
            assert model(x).numpy().tobytes() == twin(x).numpy().tobytes()
    assert model._compiled_call.traces == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            model(x).pow(2).sum().backward()
            twin(x).pow(2).sum().backward()
    assert model._compiled_call.traces == 2  # and one for grad mode
    for mine, theirs in zip(model.parameters(), twin.parameters(), strict=True):
        assert mine.grad.numpy().tobytes() == theirs.grad.numpy().tobytes()


def test_module_calls_with_keyword_arguments_replay() -> None:
    # model(x, key_padding_mask=...) and the like: keyword calls ran eagerly, every time
    ag.manual_seed(0)
    attention = ag.nn.MultiheadAttention(4, 2, batch_first=True).eval()
    twin = copy.deepcopy(attention)
    attention.compile()
    x = ag.randn(2, 3, 4)
    mask = ag.tensor([[False, False, True], [False, False, False]])
    with warnings.catch_warnings(), ag.no_grad():
        warnings.simplefilter("error")
        for _ in range(3):
            mine = attention(x, x, x, key_padding_mask=mask, need_weights=False)[0]
            theirs = twin(x, x, x, key_padding_mask=mask, need_weights=False)[0]
            assert mine.numpy().tobytes() == theirs.numpy().tobytes()
    assert attention._compiled_call.traces == 1


def _compiled_against_eager(
    make_model, x, y, steps: int = 3, loss=None, batches: list[tuple[Any, Any]] | None = None
) -> None:
    """A training step of ``make_model()`` compiled and eager, from equal weights: bitwise
    equal losses, weights and buffers, no warning (nothing ran eagerly). ``loss(output, y)``
    (cross entropy by default); ``batches``: the ``(x, y)`` of each call, in place of ``x, y``
    ``steps`` times (inputs whose values change between calls, of one shape)."""
    ag.manual_seed(0)
    model = make_model()
    twin = copy.deepcopy(model)
    criterion = ag.nn.functional.cross_entropy if loss is None else loss

    def stepper(net):
        opt = ag.optim.Adam(net.parameters(), lr=1e-2)

        def step(x, y):
            opt.zero_grad()
            loss = criterion(net(x), y)
            loss.backward()
            opt.step()
            return loss.detach()

        return step

    eager, compiled = stepper(twin), ag.compile(stepper(model))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for inputs, labels in [(x, y)] * steps if batches is None else batches:
            mine, theirs = compiled(inputs, labels), eager(inputs, labels)
            assert mine.numpy().tobytes() == theirs.numpy().tobytes()
    assert same_state(model, twin)  # parameters, their .grad and buffers
    assert compiled.traces - compiled.confirmations <= 2  # (see _compile_traces.confirmed)


def test_transformers_with_causal_masks_compile() -> None:
    # The encoder layer's causal attention made its mask with raw array operators, and the
    # decoder read its mask's values to detect it: both steps ran eagerly.
    nn = ag.nn

    class Encoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True)
            self.head = nn.Linear(8, 3)

        def forward(self, x):
            mask = nn.Transformer.generate_square_subsequent_mask(x.shape[1])
            return self.head(self.layer(x, src_mask=mask, is_causal=True).mean(1))

    class Seq2Seq(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = nn.Transformer(8, 2, 1, 1, 16, dropout=0.0, batch_first=True)
            self.head = nn.Linear(8, 3)

        def forward(self, x):
            target = x[:, :4]
            mask = self.body.generate_square_subsequent_mask(4)  # detected: tgt_is_causal=None
            return self.head(self.body(x, target, tgt_mask=mask).mean(1))

    ag.manual_seed(1)
    x, y = ag.randn(2, 5, 8), ag.tensor([0, 2])
    _compiled_against_eager(Encoder, x, y)
    _compiled_against_eager(Seq2Seq, x, y)


@pytest.mark.parametrize(
    "resize",
    [
        {"scale_factor": 2, "mode": "bilinear"},
        {"scale_factor": 0.5, "mode": "bilinear", "align_corners": True},
        {"size": (5, 7), "mode": "nearest"},
        {"size": (5, 7), "mode": "nearest-exact"},
        {"size": (3, 5), "mode": "area"},
    ],
)
def test_upsampling_models_compile(resize) -> None:
    # interpolate's source positions and weights were computed with raw array operators
    # (bilinear, nearest): the step ran eagerly.
    nn = ag.nn

    def make():
        return nn.Sequential(
            nn.Conv2d(2, 3, 3, padding=1), nn.Upsample(**resize), nn.Flatten(), nn.LazyLinear(3)
        )

    ag.manual_seed(2)
    x, y = ag.randn(2, 2, 6, 6), ag.tensor([1, 0])
    _compiled_against_eager(lambda: _materialised(make(), x), x, y)


def _materialised(model, x):
    with ag.no_grad():
        model(x)  # (LazyLinear takes its input size)
    return model


def _batches(x_shape, labels: int, high: int, calls: int = 3, index_shape=None):
    """``calls`` (x, y) pairs of one shape with other values on each call: ``x`` float (or
    integer indices below ``high`` of ``index_shape``), ``y`` labels below ``labels``."""
    found = []
    for call in range(calls):
        generator = ag.Generator().manual_seed(call)
        if index_shape is None:
            x = ag.randn(*x_shape, generator=generator)
        else:
            x = ag.randint(0, high, index_shape, generator=generator)
        found.append((x, ag.randint(0, labels, (x_shape[0],), generator=generator)))
    return found


@pytest.mark.parametrize("layer", ["ConstantPad1d", "ConstantPad2d", "ConstantPad3d"])
def test_constant_padding_models_compile(layer: str) -> None:
    # The padding's frame of `value` was zeroed inside with a plain item assignment, which the
    # recorder does not see: the check replay differed, and the step ran eagerly.
    nn = ag.nn

    def make():
        pad = getattr(nn, layer)(1, 0.5)
        return nn.Sequential(nn.Conv2d(2, 3, 1), pad, nn.Flatten(), nn.LazyLinear(3))

    ag.manual_seed(3)
    x, y = ag.randn(2, 2, 4, 4), ag.tensor([1, 0])
    _compiled_against_eager(lambda: _materialised(make(), x), x, y)


@pytest.mark.parametrize(
    "options",
    [
        {"max_norm": 1.0},
        {"max_norm": 0.5, "norm_type": 1.0},
        {"scale_grad_by_freq": True},
        {"scale_grad_by_freq": True, "padding_idx": 2, "max_norm": 1.5},
    ],
)
def test_embeddings_that_renormalise_or_count_their_rows_compile(options) -> None:
    # max_norm's renormalisation and scale_grad_by_freq's counts use unique on the indices
    # (a result whose shape depends on the values) and max_norm wrote into the table with raw
    # indexing: the step ran eagerly. They are now steps of the program, on each call's indices.
    nn = ag.nn

    def make():
        return nn.Sequential(nn.Embedding(6, 4, **options), nn.Flatten(), nn.Linear(16, 3))

    batches = _batches((2,), 3, 6, index_shape=(2, 4))
    _compiled_against_eager(make, None, None, batches=batches)


@pytest.mark.parametrize(
    "options",
    [
        {"mode": "sum"},
        {"mode": "mean"},
        {"mode": "max"},
        {"mode": "mean", "max_norm": 1.0},
        {"mode": "sum", "scale_grad_by_freq": True},
    ],
)
def test_embedding_bags_of_a_2d_input_compile(options) -> None:
    # The positions in a bag were found with nonzero (a result whose shape depends on the
    # values), though a 2-D input's bags are its rows: the step ran eagerly.
    nn = ag.nn

    def make():
        return nn.Sequential(nn.EmbeddingBag(6, 4, **options), nn.Linear(4, 3))

    batches = _batches((2,), 3, 6, index_shape=(2, 4))
    _compiled_against_eager(make, None, None, batches=batches)


def test_replayed_embedding_bags_check_each_calls_indices() -> None:
    bag = ag.nn.EmbeddingBag(6, 4, mode="sum")
    step = ag.compile(lambda x: bag(x).sum().backward())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (the step ran eagerly)
        for _ in range(2):
            step(ag.tensor([[1, 2], [3, 4]]))
        with pytest.raises(RuntimeError, match="not in the valid range"):
            step(ag.tensor([[1, 2], [3, 6]]))
    assert step.traces == 2


def _linear_net():
    return ag.nn.Linear(5, 4)


@pytest.mark.parametrize(
    "loss",
    [
        # one_hot compared the labels with `==` on raw arrays: a replay reused the traced call's
        # one-hot rows, whatever its labels (wrong losses and weights, silently).
        lambda out, y: ((out - ag.nn.functional.one_hot(y, 4).float()) ** 2).mean(),
        # gather, index_select and scatter read their indices' bounds into Python: the
        # steps ran eagerly (and so did multi_margin_loss and multilabel_margin_loss, which
        # gather).
        lambda out, y: -out.gather(1, y.unsqueeze(1)).mean(),
        lambda out, y: out.index_select(1, y).sum(),
        lambda out, y: (out * ag.zeros(6, 4).scatter_(1, y.unsqueeze(1), 1.0)).sum(),
        ag.nn.functional.multi_margin_loss,
        lambda out, y: ag.nn.functional.multilabel_margin_loss(
            out, ag.stack([y, (y + 1) % 4, -ag.ones_like(y), y], 1)
        ),
    ],
    ids=["one_hot", "gather", "index_select", "scatter_", "multi_margin", "multilabel_margin"],
)
def test_steps_that_index_by_their_labels_replay_each_calls_labels(loss) -> None:
    _compiled_against_eager(_linear_net, None, None, loss=loss, batches=_batches((6, 5), 4, 0))


def test_replayed_gathers_check_each_calls_indices() -> None:
    w = ag.ones(3, 2, requires_grad=True)
    step = ag.compile(lambda i: w.gather(1, i).sum().backward())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (the step ran eagerly)
        for _ in range(2):
            step(ag.tensor([[0], [1], [1]]))
        with pytest.raises(RuntimeError, match="out of bounds"):
            step(ag.tensor([[0], [2], [1]]))
    assert step.traces - step.confirmations == 2


@pytest.mark.parametrize("loss", ["binary_cross_entropy", "gaussian_nll_loss"])
def test_losses_that_check_a_captured_tensors_values_compile(loss: str) -> None:
    # The check of a target (or variance) captured from outside the step took its array for
    # one made by raw array code: the step ran eagerly.
    F = ag.nn.functional
    ag.manual_seed(4)
    captured = ag.rand(6, 4) + 0.1 if loss == "gaussian_nll_loss" else ag.rand(6, 4)

    def criterion(out, y):
        if loss == "binary_cross_entropy":
            return F.binary_cross_entropy(ag.sigmoid(out), captured)
        return F.gaussian_nll_loss(out, ag.zeros(6, 4), captured)

    _compiled_against_eager(_linear_net, None, None, loss=criterion, batches=_batches((6, 5), 4, 0))


def test_spectral_norm_models_compile() -> None:
    # The power iteration runs on weight.detach(): a parameter the recorder had not met yet,
    # whose detached array looked made by raw array code (the step ran eagerly).
    def make():
        return ag.nn.utils.parametrizations.spectral_norm(ag.nn.Linear(5, 4))

    _compiled_against_eager(make, None, None, batches=_batches((6, 5), 4, 0))


def _scaled(values: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(None if v is None else v * 2 for v in values)


# Hooks that double what they see (a new output, new arguments, new gradients), by kind: the
# Module method that registers one on a module, or the global function (nn.modules.module's).
_HOOKS: dict[str, tuple[str, Any]] = {
    "forward": ("register_forward_hook", lambda m, args, out: out * 2),
    "forward_pre": ("register_forward_pre_hook", lambda m, args: _scaled(args)),
    "full_backward": ("register_full_backward_hook", lambda m, gi, go: _scaled(gi)),
    "full_backward_pre": ("register_full_backward_pre_hook", lambda m, go: _scaled(go)),
    "global_forward": ("register_module_forward_hook", lambda m, args, out: out * 2),
    "global_forward_pre": ("register_module_forward_pre_hook", lambda m, args: _scaled(args)),
    "global_full_backward_pre": (
        "register_module_full_backward_pre_hook",
        lambda m, go: _scaled(go),
    ),
}


def _register(kind: str, modules: list[Any]) -> list[Any]:
    """Register a hook of ``kind`` on each of ``modules`` (a global one once); the handles."""
    from arraygrad.nn.modules import module as nn_module

    name, hook = _HOOKS[kind]
    if kind.startswith("global"):
        return [getattr(nn_module, name)(hook)]
    return [getattr(module, name)(hook) for module in modules]


def _hooked_training(how: str) -> tuple[Any, Any, Any]:
    """A model, its SGD step compiled (``how``: the whole step, or ``model.compile()`` with
    the caller's backward), and the compiled function."""
    ag.manual_seed(0)
    model = ag.nn.Sequential(ag.nn.Linear(3, 4), ag.nn.Tanh(), ag.nn.Linear(4, 2))
    opt = ag.optim.SGD(model.parameters(), lr=0.1)

    def step(x: ag.Tensor) -> Any:
        opt.zero_grad()
        loss = model(x).pow(2).mean()
        loss.backward()
        opt.step()
        return loss

    if how == "module":
        model.compile()
        return model, step, model._compiled_call
    if how == "step":
        compiled = ag.compile(step)
        return model, compiled, compiled
    return model, step, None  # eager


@pytest.mark.parametrize("how", ["step", "module"])
@pytest.mark.parametrize("kind", list(_HOOKS))
def test_a_module_hook_registered_or_removed_after_the_trace_retraces(kind: str, how: str) -> None:
    # The replay kept the traced hooks' work: a hook removed after the trace went on doubling
    # every replay's output or gradients, and one registered after it never ran. Now replays
    # are guarded on the hooks of the modules the trace called and on the global ones.
    eager_model, eager_step, _ = _hooked_training("eager")
    model, step, compiled = _hooked_training(how)
    # compile(model) leaves the backward of an output with module backward hooks to eager
    # code, with its usual warning (that key then runs eagerly)
    falls_back = how == "module" and "backward" in kind
    rng = np.random.default_rng(1)
    handles: list[Any] = []
    try:
        for change in [None, None, "register", None, None, "remove", None, None]:
            if change == "register":
                handles = _register(kind, [eager_model[2], model[2]])
            elif change == "remove":
                for handle in handles:
                    handle.remove()
            x = ag.tensor(rng.standard_normal((5, 3)).astype(np.float32))
            with warnings.catch_warnings():
                # (compile's; a global backward hook also makes eager code warn that the first
                # layer's input needs no gradient)
                warnings.simplefilter("error", RuntimeWarning)
                if change == "register" and falls_back:
                    with pytest.warns(RuntimeWarning, match="hooks on the output's graph"):
                        assert step(x).item() == eager_step(x).item()
                else:
                    assert step(x).item() == eager_step(x).item()
            assert same_state(model, eager_model)
    finally:
        for handle in handles:  # (a global hook must not outlive the test)
            handle.remove()
    # One trace per state: the whole step's first call finds no .grad, its later calls one;
    # the state without the hook replays its first program again.
    assert compiled.traces == (3 if how == "step" else 2)
    assert bool(compiled.eager) is falls_back
    # a hook on a module the step does not call leaves it replaying
    with ag.nn.Linear(3, 4).register_forward_hook(_HOOKS["forward"][1]):
        step(x)
    assert compiled.traces == (3 if how == "step" else 2)


def test_a_step_that_registers_a_module_hook_runs_eagerly() -> None:
    # A replay runs no Python: it would not register the hook the step registers (on every
    # call, never removed), and replayed the first call's one hook where eager code has more
    # on every call. The step now runs eagerly, with the usual warning.
    def make() -> tuple[Any, Any]:
        ag.manual_seed(0)
        model = ag.nn.Sequential(ag.nn.Linear(3, 2))

        def step(x: ag.Tensor) -> Any:
            model[0].register_forward_hook(_HOOKS["forward"][1])
            with ag.no_grad():
                return model(x).sum()

        return model, step

    _, eager_step = make()
    _, step = make()
    compiled = ag.compile(step)
    x = ag.ones(1, 3)
    with pytest.warns(RuntimeWarning, match="module hooks .* that the function registers"):
        for _ in range(10):
            assert compiled(x).item() == eager_step(x).item()
    assert compiled.eager


def test_giving_up_on_a_step_names_the_module_hooks_that_change() -> None:
    # Hooks registered between calls, each call a new one: a trace per call, then the step
    # runs eagerly, and the warning says which hooks kept changing (the replay used to run the
    # first call's hooks, none, on every call).
    ag.manual_seed(0)
    model = ag.nn.Sequential(ag.nn.Linear(3, 2))
    twin = copy.deepcopy(model)

    @ag.compile
    def step(x: ag.Tensor) -> Any:
        with ag.no_grad():
            return model(x).sum()

    x = ag.ones(1, 3)
    with pytest.warns(RuntimeWarning, match=r"the forward or backward hooks of module Seq"):
        for _ in range(10):
            with ag.no_grad():
                expected = twin(x).sum().item()
            assert step(x).item() == expected
            model[0].register_forward_hook(_HOOKS["forward"][1])
            twin[0].register_forward_hook(_HOOKS["forward"][1])
    assert step.eager
