"""The recurrent cells and layers under CPU autocast, against torch 2.13: result dtypes (the
LSTM's and GRU's float32 states keep their results float32, the Elman cells' results are in
the autocast dtype, ``nn.LSTM`` runs oneDNN's LSTM wholly in it), values and the float32
parameters' gradients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag

_SHAPES = {
    "x": (3, 4),
    "h": (3, 5),
    "c": (3, 5),
    "w4i": (20, 4),
    "w4h": (20, 5),
    "b4i": (20,),
    "b4h": (20,),
    "w3i": (15, 4),
    "w3h": (15, 5),
    "b3i": (15,),
    "b3h": (15,),
    "wi": (5, 4),
    "wh": (5, 5),
    "bi": (5,),
    "bh": (5,),
    "seq": (6, 3, 4),
}


def _tensors(lib: Any) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    made = {}
    for name, shape in _SHAPES.items():
        data = rng.standard_normal(shape).astype(np.float32)
        made[name] = lib.tensor(data, requires_grad=name[0] in "wb")
    return made


def _module(lib: Any, cls: str, *args: Any, **kwargs: Any) -> Any:
    """``lib.nn.<cls>(*args, **kwargs)`` with the same weights in both libraries."""
    module = getattr(lib.nn, cls)(*args, **kwargs)
    with lib.no_grad():
        for k, p in enumerate(module.parameters()):
            data = np.random.default_rng(k).standard_normal(tuple(p.shape)).astype(np.float32)
            p.copy_(lib.tensor(data * 0.5))
    return module


Case = Callable[[Any, dict[str, Any]], Any]

CASES: dict[str, Case] = {
    "lstm_cell": lambda t, v: t.lstm_cell(
        v["x"], (v["h"], v["c"]), v["w4i"], v["w4h"], v["b4i"], v["b4h"]
    ),
    "lstm_cell without biases": lambda t, v: t.lstm_cell(
        v["x"], (v["h"], v["c"]), v["w4i"], v["w4h"]
    ),
    "lstm_cell bfloat16 input": lambda t, v: t.lstm_cell(
        v["x"].bfloat16(), (v["h"], v["c"]), v["w4i"], v["w4h"], v["b4i"], v["b4h"]
    ),
    "gru_cell": lambda t, v: t.gru_cell(v["x"], v["h"], v["w3i"], v["w3h"], v["b3i"], v["b3h"]),
    "rnn_tanh_cell": lambda t, v: t.rnn_tanh_cell(
        v["x"], v["h"], v["wi"], v["wh"], v["bi"], v["bh"]
    ),
    "rnn_relu_cell": lambda t, v: t.rnn_relu_cell(
        v["x"], v["h"], v["wi"], v["wh"], v["bi"], v["bh"]
    ),
    "rnn_tanh_cell float16 input": lambda t, v: t.rnn_tanh_cell(
        v["x"].half(), v["h"], v["wi"], v["wh"], v["bi"], v["bh"]
    ),
    "nn.LSTMCell": lambda t, v: _module(t, "LSTMCell", 4, 5)(v["x"], (v["h"], v["c"])),
    "nn.GRUCell": lambda t, v: _module(t, "GRUCell", 4, 5)(v["x"], v["h"]),
    "nn.RNNCell": lambda t, v: _module(t, "RNNCell", 4, 5)(v["x"]),
    "nn.GRU": lambda t, v: _module(t, "GRU", 4, 5)(v["seq"]),
    "nn.GRU two layers": lambda t, v: _module(t, "GRU", 4, 5, num_layers=2)(v["seq"]),
    "nn.GRU batch_first": lambda t, v: _module(t, "GRU", 4, 5, batch_first=True)(v["seq"]),
    "nn.RNN": lambda t, v: _module(t, "RNN", 4, 5)(v["seq"]),
    "nn.RNN relu bidirectional": lambda t, v: _module(
        t, "RNN", 4, 5, nonlinearity="relu", bidirectional=True
    )(v["seq"]),
    "nn.LSTM": lambda t, v: _module(t, "LSTM", 4, 5)(v["seq"]),
    "nn.LSTM with states": lambda t, v: _module(t, "LSTM", 4, 5)(
        v["seq"], (v["h"][None], v["c"][None])
    ),
    "nn.LSTM two layers bidirectional": lambda t, v: _module(
        t, "LSTM", 4, 5, num_layers=2, bidirectional=True
    )(v["seq"]),
    "nn.LSTM without biases unbatched": lambda t, v: _module(t, "LSTM", 4, 5, bias=False)(v["x"]),
    "nn.LSTM projections": lambda t, v: _module(t, "LSTM", 4, 5, proj_size=3)(v["seq"]),
    "nn.LSTM packed": lambda t, v: _module(t, "LSTM", 4, 5)(
        t.nn.utils.rnn.pack_padded_sequence(v["seq"], [6, 4, 2])
    ),
    "lstm function": lambda t, v: t.lstm(
        v["seq"],
        (v["h"][None], v["c"][None]),
        [v["w4i"], v["w4h"], v["b4i"], v["b4h"]],
        True,
        1,
        0.0,
        False,
        False,
        False,
    ),
}

# torch 2.13's oneDNN LSTM has no float16 kernel on CPUs without float16 support (this one)
_TORCH_RAISES = {"nn.LSTM", "nn.LSTM with states", "nn.LSTM two layers bidirectional"}
_TORCH_RAISES |= {"nn.LSTM without biases unbatched", "lstm function"}


def _flat(value: Any) -> list[Any]:
    if hasattr(value, "batch_sizes"):  # a PackedSequence: its data
        return [value.data]
    if isinstance(value, tuple | list):
        return [item for part in value for item in _flat(part)]
    return [value]


def _run(lib: Any, name: str, dtype_name: str) -> tuple[list[str], list[Any], list[Any]]:
    """(result dtypes, result values, (dtype, values) of each parameter's gradient)."""
    values = _tensors(lib)
    lib.manual_seed(0)
    with lib.autocast("cpu", dtype=getattr(lib, dtype_name)):
        results = _flat(CASES[name](lib, values))
    sum(result.float().sum() for result in results).backward()
    grads = [(str(v.grad.dtype), v.grad.numpy()) for v in values.values() if v.grad is not None]
    dtypes = [str(result.dtype).split(".")[-1] for result in results]
    arrays = [np.asarray(result.detach().float().tolist()) for result in results]
    return dtypes, arrays, grads


@pytest.mark.parametrize("dtype_name", ["bfloat16", "float16"])
@pytest.mark.parametrize("name", list(CASES))
def test_rnn_under_autocast_as_torch(name: str, dtype_name: str) -> None:
    got = _run(ag, name, dtype_name)
    if dtype_name == "float16" and name in _TORCH_RAISES:
        assert set(got[0]) == {"float16"}  # computed as bfloat16 is, in float16
        return
    expected = _run(torch, name, dtype_name)
    assert got[0] == expected[0]
    # The float32 gates' sigmoid and tanh come from NumPy's exp where PyTorch's come from
    # SLEEF's; the two differ in the last bit now and then, and where a float32 state is cast
    # to float16 for the next step's product, such a bit can turn a rounding: the layers'
    # results may then differ by about a float16 unit (2**-10) from that step on.
    atol = 2.0**-10 if dtype_name == "float16" else 1e-6
    for mine, theirs in zip(got[1], expected[1], strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-6, atol=atol)
    assert [g[0].split(".")[-1] for g in got[2]] == [g[0].split(".")[-1] for g in expected[2]]
    for (_, mine), (_, theirs) in zip(got[2], expected[2], strict=True):
        # the backward computes in the autocast dtype: its roundings differ from torch's
        scale = max(float(np.abs(theirs).max()), 1.0)
        np.testing.assert_allclose(mine, theirs, atol=0.05 * scale)
