"""torch.nn.modules' per-family import paths and private base classes (``_BatchNorm``,
``_ConvNd``, ``_Loss`` ...), the class hierarchy of every layer, ``nn.modules.utils``,
``nn.parameter.is_lazy``, and the deprecated ``NLLLoss2d`` and ``Container``, against torch."""

from __future__ import annotations

import importlib
import warnings
from collections import OrderedDict

import pytest
import torch

import arraygrad as ag
from arraygrad import nn

MODULES = [
    "activation",
    "adaptive",
    "batchnorm",
    "channelshuffle",
    "container",
    "conv",
    "distance",
    "dropout",
    "flatten",
    "fold",
    "instancenorm",
    "lazy",
    "linear",
    "loss",
    "module",
    "normalization",
    "padding",
    "pixelshuffle",
    "pooling",
    "rnn",
    "sparse",
    "transformer",
    "upsampling",
    "utils",
]
# torch's module-level hook registration functions, which arraygrad does not have yet
NOT_YET = {
    "module": {
        f"register_module_{kind}"
        for kind in (
            "forward_pre_hook",
            "forward_hook",
            "full_backward_pre_hook",
            "backward_hook",
            "full_backward_hook",
            "buffer_registration_hook",
            "module_registration_hook",
            "parameter_registration_hook",
        )
    }
}
# private classes of torch's modules that are not bases user code reaches for
INTERNAL = {"_ConvTransposeMixin", "_LazyProtocol", "_WrappedHook"}


def _classes(module: object) -> dict[str, type]:
    return {
        name: value
        for name, value in vars(module).items()
        if isinstance(value, type) and value.__module__ == module.__name__  # type: ignore[attr-defined]
    }


@pytest.mark.parametrize("name", MODULES)
def test_every_module_offers_torchs_names_and_bases(name: str) -> None:
    torch_module = importlib.import_module(f"torch.nn.modules.{name}")
    module = importlib.import_module(f"arraygrad.nn.modules.{name}")
    assert getattr(nn.modules, name) is module
    missing = set(NOT_YET.get(name, ()))
    assert sorted(set(module.__all__) | missing) == sorted(torch_module.__all__)
    for public in torch_module.__all__:
        if public in missing:
            continue
        assert hasattr(module, public), f"{name}.{public}"
        if getattr(torch.nn, public, None) is getattr(torch_module, public):
            assert getattr(module, public) is getattr(nn, public), f"{name}.{public}"
    for private in _classes(torch_module):
        if private.startswith("_") and private not in INTERNAL:
            assert isinstance(getattr(module, private, None), type), f"{name}.{private}"


def _ours(name: str) -> type | None:
    for module in MODULES:
        found = getattr(importlib.import_module(f"arraygrad.nn.modules.{module}"), name, None)
        if isinstance(found, type):
            return found
    return None


@pytest.mark.parametrize("name", MODULES)
def test_class_hierarchies_are_torchs(name: str) -> None:
    torch_module = importlib.import_module(f"torch.nn.modules.{name}")
    for class_name, torch_class in _classes(torch_module).items():
        ours = _ours(class_name)
        if ours is None:
            assert class_name in INTERNAL, class_name
            continue
        # torch's bases in order, among the classes arraygrad has (its own mixins aside)
        theirs = [k.__name__ for k in torch_class.__mro__ if _ours(k.__name__) or k is object]
        mine = [k.__name__ for k in ours.__mro__ if k.__name__ in theirs]
        assert mine == theirs, class_name


def test_isinstance_checks_written_for_torch() -> None:
    from arraygrad.nn.modules.batchnorm import _BatchNorm, _NormBase
    from arraygrad.nn.modules.conv import _ConvNd, _ConvTransposeNd
    from arraygrad.nn.modules.instancenorm import _InstanceNorm
    from arraygrad.nn.modules.loss import _Loss, _WeightedLoss

    assert isinstance(nn.BatchNorm2d(3), _BatchNorm)
    assert not isinstance(nn.InstanceNorm2d(3), _BatchNorm)  # as torch: a sibling
    assert isinstance(nn.InstanceNorm2d(3), _InstanceNorm | _NormBase)
    assert isinstance(nn.LazyBatchNorm1d(), _BatchNorm)
    assert issubclass(nn.CrossEntropyLoss, _WeightedLoss)
    assert issubclass(nn.LinearCrossEntropyLoss, _WeightedLoss)
    assert issubclass(nn.TripletMarginLoss, _Loss)
    assert isinstance(nn.Conv2d(1, 1, 1), _ConvNd)
    assert isinstance(nn.ConvTranspose2d(1, 1, 1), _ConvTransposeNd)


def _decay_groups(model: object, base: type) -> tuple[int, int]:
    """Weight-decay code's split: normalisation parameters get no decay."""
    decay = no_decay = 0
    for module in model.modules():  # type: ignore[attr-defined]
        for _ in module.parameters(recurse=False):
            if isinstance(module, base):
                no_decay += 1
            else:
                decay += 1
    return decay, no_decay


def test_weight_decay_split_matches_torch() -> None:
    from arraygrad.nn.modules.batchnorm import _BatchNorm

    def build(lib: object) -> object:
        n = lib.nn  # type: ignore[attr-defined]
        return n.Sequential(
            n.Conv2d(3, 4, 3), n.BatchNorm2d(4), n.InstanceNorm2d(4, affine=True), n.Linear(4, 2)
        )

    ours = _decay_groups(build(ag), _BatchNorm)
    theirs = _decay_groups(build(torch), torch.nn.modules.batchnorm._BatchNorm)
    assert ours == theirs == (6, 2)


@pytest.mark.parametrize(
    ("size_average", "reduce"),
    [(None, None), (True, None), (False, None), (None, False), (False, True), (True, False)],
)
def test_custom_loss_reduction_and_warning_as_torchs(size_average: object, reduce: object) -> None:
    from arraygrad.nn.modules.loss import _Loss

    class MyLoss(_Loss):
        def forward(self, a: ag.Tensor, b: ag.Tensor) -> ag.Tensor:
            return (a - b).abs().sum()

    class TorchLoss(torch.nn.modules.loss._Loss):
        pass

    with warnings.catch_warnings(record=True) as ours:
        warnings.simplefilter("always")
        mine = MyLoss(size_average, reduce, "none")  # type: ignore[arg-type]
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        reference = TorchLoss(size_average, reduce, "none")
    assert mine.reduction == reference.reduction
    assert [str(w.message) for w in ours] == [str(w.message) for w in theirs]
    assert [w.category for w in ours] == [w.category for w in theirs]


def test_nll_loss_2d_is_a_deprecated_nll_loss() -> None:
    with pytest.warns(FutureWarning, match="`NLLLoss2d` has been deprecated. Please use"):
        loss = nn.NLLLoss2d(ignore_index=1)
    assert isinstance(loss, nn.NLLLoss) and loss.ignore_index == 1
    x = ag.tensor([[[[0.2]], [[0.8]]]]).log()
    assert loss(x, ag.tensor([[[0]]])).item() == pytest.approx(-x[0, 0, 0, 0].item())


def test_container_is_torchs_deprecated_module() -> None:
    message = "`nn.Container` is deprecated. All of its functionality is now implemented"
    with pytest.warns(FutureWarning, match=message):
        container = nn.Container(a=nn.Linear(1, 1))
    with pytest.warns(FutureWarning, match=message):
        reference = torch.nn.Container(a=torch.nn.Linear(1, 1))
    assert repr(container) == repr(reference)
    assert [name for name, _ in container.named_parameters()] == ["a.weight", "a.bias"]


def test_ntuple_helpers_match_torchs() -> None:
    from torch.nn.modules import utils as theirs

    from arraygrad.nn.modules import utils as ours

    for name in ("_single", "_pair", "_triple", "_quadruple"):
        for value in (3, (1, 2), [1, 2], "ab", None, 2.5):
            assert getattr(ours, name)(value) == getattr(theirs, name)(value)
        assert getattr(ours, name).__name__ == name
    assert ours._ntuple(5)(2) == theirs._ntuple(5)(2) and ours._ntuple(2, "x").__name__ == "x"
    for t, n in (((1, 2, 3), 2), ((), 3), ((4,), 0)):
        assert ours._reverse_repeat_tuple(t, n) == theirs._reverse_repeat_tuple(t, n)
    for out, default in (([1, 2], [3, 4, 5]), (7, [3, 4, 5]), ([None, 2], [3, 4, 5])):
        assert ours._list_with_default(out, default) == theirs._list_with_default(out, default)
    with pytest.raises(ValueError, match="Input dimension should be at least 5"):
        ours._list_with_default([1, 2, 3, 4], [3, 4, 5])


@pytest.mark.parametrize("prefix", ["module.", "module", "b."])
def test_consume_prefix_in_state_dict_if_present(prefix: str) -> None:
    from torch.nn.modules import utils as theirs

    from arraygrad.nn.modules import utils as ours

    results = []
    for lib in (ours, theirs):
        state = OrderedDict([("module.a", 1), ("module.b.c", 2), ("x", 3), ("b.q", 4)])
        state._metadata = OrderedDict(  # type: ignore[attr-defined]
            [("", {"v": 1}), ("module", {"v": 2}), ("module.b", {"v": 3}), ("b", {"v": 4})]
        )
        lib.consume_prefix_in_state_dict_if_present(state, prefix)
        results.append((list(state.items()), list(state._metadata.items())))  # type: ignore[attr-defined]
    assert results[0] == results[1]


def test_is_lazy_and_the_mixin() -> None:
    from arraygrad.nn.parameter import UninitializedTensorMixin, is_lazy

    assert is_lazy(nn.UninitializedParameter()) and is_lazy(nn.UninitializedBuffer())
    assert not is_lazy(ag.zeros(1)) and not is_lazy(nn.Parameter(ag.zeros(1))) and not is_lazy(3)
    assert isinstance(nn.LazyLinear(2).weight, UninitializedTensorMixin)
    ours = [k.__name__ for k in nn.UninitializedParameter.__mro__][:3]
    theirs = [k.__name__ for k in torch.nn.UninitializedParameter.__mro__][:3]
    assert ours == theirs


def test_multihead_attention_out_proj_class() -> None:
    from arraygrad.nn.modules.linear import NonDynamicallyQuantizableLinear

    assert type(nn.MultiheadAttention(4, 2).out_proj) is NonDynamicallyQuantizableLinear
    assert (
        type(torch.nn.MultiheadAttention(4, 2).out_proj).__name__
        == "NonDynamicallyQuantizableLinear"
    )
