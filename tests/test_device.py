"""Devices, layouts and memory formats as PyTorch names them (arraygrad computes on the CPU)."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
import torch

import arraygrad as ag
from arraygrad import _backend

DEVICE_SPELLINGS = ["cpu", "cuda", "cuda:0", "cuda:3", "mps", "meta"]


@pytest.mark.parametrize("spelling", DEVICE_SPELLINGS)
def test_devices_parse_print_and_compare_as_torch(spelling: str) -> None:
    mine, theirs = ag.device(spelling), torch.device(spelling)
    assert (repr(mine), str(mine), mine.type, mine.index) == (
        repr(theirs),
        str(theirs),
        theirs.type,
        theirs.index,
    )
    assert mine == ag.device(mine) and hash(mine) == hash(ag.device(spelling))
    assert (mine == spelling) == (theirs == spelling)  # a device is not equal to a string
    assert pickle.loads(pickle.dumps(mine)) == mine


@pytest.mark.parametrize("bad", ["foo", "cuda:x", ("cuda:0", 1)])
def test_bad_devices_raise_as_torch(bad: Any) -> None:
    args = bad if isinstance(bad, tuple) else (bad,)
    with pytest.raises(RuntimeError):
        torch.device(*args)
    with pytest.raises(RuntimeError):
        ag.device(*args)


def test_tensors_are_on_the_cpu_and_refuse_other_devices() -> None:
    x = ag.ones(2)
    assert x.device == ag.device("cpu") and repr(x.device) == repr(torch.ones(2).device)
    assert x.to(ag.device("cpu")) is x and x.to(device="cpu") is x
    device = ag.device("cuda" if ag.cuda.is_available() else "cpu")  # the usual preamble
    model = ag.nn.Linear(2, 2).to(device)
    assert model(x.to(device)).device == device
    assert ag.cuda.device_count() == 0
    for move in (lambda: x.to("cuda"), lambda: x.to(ag.device("cuda", 0)), lambda: x.cuda()):
        with pytest.raises((RuntimeError, AttributeError)):
            move()
    with pytest.raises(RuntimeError, match=r"cuda:1.*not available.*is_available"):
        ag.nn.Linear(2, 2).to(ag.device("cuda:1"))


def test_layouts_and_memory_formats_are_accepted_where_torch_takes_them() -> None:
    x = ag.zeros(2, 3, layout=ag.strided, device=ag.device("cpu"))
    assert x.contiguous(memory_format=ag.contiguous_format) is x
    assert repr(ag.strided) == "arraygrad.strided"
    assert pickle.loads(pickle.dumps(ag.preserve_format)) is ag.preserve_format
    assert repr(ag.channels_last) == "arraygrad.channels_last" and ag.channels_last_3d is not None


def test_cuda_refuses_a_device_of_another_type_as_torch() -> None:
    for mine, theirs in ((ag.ones(2), torch.ones(2)), (ag.nn.Linear(2, 2), torch.nn.Linear(2, 2))):
        with pytest.raises(RuntimeError, match="Invalid device, must be cuda device"):
            theirs.cuda("cpu")
        with pytest.raises(RuntimeError, match=r"Invalid device, must be cuda device.*Fix:"):
            mine.cuda("cpu")


def test_generators_take_torchs_devices() -> None:
    assert repr(ag.Generator(device=None).device) == repr(torch.Generator(device=None).device)
    with pytest.raises(RuntimeError):
        torch.Generator(device=0)  # a GPU's index
    with pytest.raises(RuntimeError, match=r"'cuda:0' is not available.*Fix:"):
        ag.Generator(device=0)


def test_cpu_generators_and_skip_init_work_where_arraygrad_computes_on_a_gpu(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # What the device checks read after set_backend("cupy") on a GPU (which CI lacks)
    monkeypatch.setattr(_backend, "device", ("cuda", 0))
    assert ag.cuda.is_available() and ag.ones(2).cuda() is not None
    # PyTorch's default generator device, what DataLoader and random_split are given
    assert ag.Generator().manual_seed(0).device == ag.device("cpu")
    assert ag.Generator(device="cuda").device == ag.device("cuda", 0)
    with pytest.raises(RuntimeError, match=r"'cuda:1' is not available"):
        ag.Generator(device="cuda:1")
    assert ag.nn.utils.skip_init(ag.nn.Linear, 2, 3).weight.shape == (3, 2)
    assert ag.nn.utils.skip_init(ag.nn.Linear, 2, 3, device="cuda").weight.shape == (3, 2)
    t = ag.ones(2)
    assert t.to(0) is t  # an int is a GPU's index
    # .to("cpu") cannot move a GPU tensor: the message says how values reach the host
    with pytest.raises(RuntimeError, match=r"'cpu' is not available.*Fix: read values .*numpy"):
        ag.ones(2).to("cpu")


def test_an_int_device_is_a_gpu_index_that_numpy_lacks() -> None:
    # Tensor.to(0) was ignored on NumPy; torch's CPU build refuses to move to GPU 0
    t = ag.ones(2)
    with pytest.raises(RuntimeError, match=r"'cuda:0' is not available.*Fix:"):
        t.to(0)
    with pytest.raises(RuntimeError, match=r"'cuda:0' is not available.*Fix:"):
        t.to(0, ag.float64)
    assert t.to(ag.float64, False).dtype == ag.float64  # a bool is non_blocking, not a device


# Every factory function and module constructor that takes ``device=``, called with it.
FACTORIES: dict[str, Any] = {
    "zeros": lambda lib, d: lib.zeros(2, device=d),
    "empty": lambda lib, d: lib.empty(2, device=d),
    "full": lambda lib, d: lib.full((2,), 1.0, device=d),
    "arange": lambda lib, d: lib.arange(3, device=d),
    "linspace": lambda lib, d: lib.linspace(0, 1, 3, device=d),
    "eye": lambda lib, d: lib.eye(3, device=d),
    "randn": lambda lib, d: lib.randn(2, device=d),
    "randint": lambda lib, d: lib.randint(0, 3, (2,), device=d),
    "randperm": lambda lib, d: lib.randperm(3, device=d),
    "zeros_like": lambda lib, d: lib.zeros_like(lib.ones(2), device=d),
    "rand_like": lambda lib, d: lib.rand_like(lib.ones(2), device=d),
    "tensor": lambda lib, d: lib.tensor([1.0], device=d),
    "as_tensor": lambda lib, d: lib.as_tensor([1.0], device=d),
    "asarray": lambda lib, d: lib.asarray([1.0], device=d),
    "new_zeros": lambda lib, d: lib.ones(2).new_zeros(2, device=d),
    "new_tensor": lambda lib, d: lib.ones(2).new_tensor([1.0], device=d),
    "tril_indices": lambda lib, d: lib.tril_indices(3, 3, device=d),
    "hann_window": lambda lib, d: lib.hann_window(4, device=d),
    "normal": lambda lib, d: lib.normal(0.0, 1.0, (2,), device=d),
    "Linear": lambda lib, d: lib.nn.Linear(2, 2, device=d),
    "Conv2d": lambda lib, d: lib.nn.Conv2d(1, 1, 3, device=d),
    "BatchNorm1d": lambda lib, d: lib.nn.BatchNorm1d(3, device=d),
    "LayerNorm": lambda lib, d: lib.nn.LayerNorm(3, device=d),
    "Embedding": lambda lib, d: lib.nn.Embedding(3, 2, device=d),
    "LSTM": lambda lib, d: lib.nn.LSTM(2, 2, device=d),
    "GRUCell": lambda lib, d: lib.nn.GRUCell(2, 2, device=d),
    "MultiheadAttention": lambda lib, d: lib.nn.MultiheadAttention(4, 2, device=d),
    "LazyLinear": lambda lib, d: lib.nn.LazyLinear(2, device=d),
    "causal mask": lambda lib, d: lib.nn.Transformer.generate_square_subsequent_mask(3, device=d),
}


@pytest.mark.parametrize("name", FACTORIES)
def test_factories_make_tensors_where_arraygrad_computes_and_refuse_other_devices(
    name: str,
) -> None:
    make = FACTORIES[name]
    for where in (None, "cpu", "cpu:0", ag.device("cpu")):
        make(ag, where)  # the preamble's device on a machine without a GPU
    # Before, device="cuda" was ignored and the tensor made on the CPU; torch's CPU build
    # raises too (an AssertionError there, a RuntimeError with CUDA but no GPU).
    with pytest.raises((AssertionError, RuntimeError)):
        make(torch, "cuda")
    with pytest.raises(RuntimeError, match=r"'cuda' is not available.*Fix: choose the device"):
        make(ag, "cuda")
    with pytest.raises(RuntimeError, match=r"'cuda:1' is not available"):
        make(ag, ag.device("cuda", 1))


@pytest.mark.parametrize("which", ["cpu", "cuda:1", "mps", None, "device", "meta", 5, "bogus"])
def test_get_device_module_names_the_device_types_module_as_torch(which: Any) -> None:
    def module_of(lib: Any) -> Any:
        chosen = lib.device("cuda", 0) if which == "device" else which
        try:
            return lib.get_device_module(chosen).__name__.split(".", 1)[1]
        except Exception as error:  # the class torch raises is compared
            return type(error)

    assert module_of(ag) == module_of(torch)
