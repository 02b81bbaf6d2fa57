"""``nn.LSTM`` under CPU autocast as PyTorch computes it: with oneDNN.

PyTorch runs a float32 (or bfloat16) LSTM without projections on the CPU with oneDNN's LSTM,
whose layer op is on CPU autocast's lower-precision list: the input, the weights and both
initial states are cast to the autocast dtype, and the output and the final ``h_n`` and
``c_n`` all come back in it (the cells, the packed form and an LSTM with projections compute
step by step instead: :class:`arraygrad.nn.RNNBase`). Inside, oneDNN computes each step in
float32 from those values (observed equal, bit for bit, on torch 2.13 with bfloat16)::

    b = float32(b_ih + b_hh)                       (the sum rounded to the autocast dtype)
    gates = (x W_ih^T + h W_hh^T) + b              (float32 products of the cast values)
    c32 = sigmoid(f) c + sigmoid(i) tanh(g)
    h' = reduced(sigmoid(o) tanh(c32)),  c' = reduced(c32)

so ``h'`` and ``c'`` are rounded once per step. PyTorch 2.13 raises for float16 on CPUs whose
oneDNN has no float16 LSTM; arraygrad computes it as it does bfloat16.
"""

from __future__ import annotations

from typing import Any

from arraygrad import _dtype, _math
from arraygrad._rnn_functions import _FlatWeights
from arraygrad._tensor import Tensor
from arraygrad.amp import _casts
from arraygrad.backends import mkldnn as _mkldnn
from arraygrad.nn.modules._rnn_recurrence import lstm_gates
from arraygrad.nn.modules.rnn import RNNBase

__all__ = ["lstm", "takes"]


def takes(net: RNNBase, input: Tensor) -> bool:
    """Whether PyTorch would run ``net`` on ``input`` with oneDNN (its ``use_mkldnn``): no
    projections, float32 or bfloat16 input, oneDNN enabled (``backends.mkldnn.enabled``)."""
    return (
        not net.proj_size
        and input.dtype in (_dtype.float32, _dtype.bfloat16)
        and input.numel() > 0
        and bool(_mkldnn._values["enabled"])
    )


def lstm(
    net: RNNBase, input: Tensor, h0: Tensor, c0: Tensor | None
) -> tuple[Tensor, Tensor, Tensor | None]:
    """``net._run(input, h0, c0)`` as oneDNN's LSTM under CPU autocast (the module
    docstring): the casts are autocast's (recorded, and cached for parameters)."""
    directions = 2 if net.bidirectional else 1
    params = []
    for layer in range(net.num_layers):
        for direction in range(directions):
            w_ih, w_hh, b_ih, b_hh, _ = net._weights(layer, direction)
            params += [w_ih, w_hh] + ([b_ih, b_hh] if net.bias else [])
    return _casts.lower(_run, net, input, h0, c0, params)  # type: ignore[no-any-return]


def _run(
    net: RNNBase, input: Tensor, h0: Tensor, c0: Tensor, params: list[Tensor]
) -> tuple[Tensor, Tensor, Tensor | None]:
    layers = _OneDNN(
        "LSTM",
        params,
        net.bias,
        net.num_layers,
        net.dropout,
        net.training,
        net.bidirectional,
    )
    return layers._run(input, h0, c0)


class _OneDNN(_FlatWeights):
    """The layers of one call, on the cast weights, with oneDNN's step."""

    def _weights(self, layer: int, direction: int) -> tuple[Any, ...]:
        w_ih, w_hh, b_ih, b_hh, _ = super()._weights(layer, direction)
        # one bias, summed in the autocast dtype, carried where the step reads b_hh
        bias = None if b_ih is None else (b_ih + b_hh).float()
        return w_ih.float(), w_hh.float(), None, bias, None

    def _project(self, input: Tensor, w_ih: Tensor, b_ih: Tensor | None) -> Tensor:
        return input.float() @ w_ih.mT

    def _cell(self, x_proj: Tensor, h: Tensor, c: Any, w_hh: Tensor, b_hh: Any, *_: Any) -> Any:
        gates = x_proj + h.float() @ w_hh.mT
        if b_hh is not None:
            gates = gates + b_hh
        i, f, g, o = lstm_gates(gates, self.hidden_size)
        c_new = f * c.float() + i * g
        return (o * _math.tanh(c_new)).to(h.dtype), c_new.to(c.dtype)
