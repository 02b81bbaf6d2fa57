"""Single-step recurrent cells ``RNNCell``, ``LSTMCell`` and ``GRUCell``.

Each cell computes one time step of the matching layer in :mod:`arraygrad.nn.modules.rnn`
with the same equations (the step itself is ``RNNBase._cell``). Parameters have PyTorch's names
and layout: ``weight_ih`` ``(G * hidden_size, input_size)``, ``weight_hh``
``(G * hidden_size, hidden_size)``, ``bias_ih`` and ``bias_hh`` ``(G * hidden_size,)``, gate
blocks in PyTorch's order (LSTM ``i, f, g, o``, GRU ``r, z, n``), all drawn from
U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad import _device
from arraygrad._creation import empty, zeros
from arraygrad._tensor import Tensor
from arraygrad.nn import functional as F  # noqa: N812 - PyTorch's convention
from arraygrad.nn import init
from arraygrad.nn.modules.module import Module
from arraygrad.nn.modules.rnn import RNNBase
from arraygrad.nn.parameter import Parameter

__all__ = ["GRUCell", "LSTMCell", "RNNCell", "RNNCellBase"]


class RNNCellBase(Module):
    """Parameters, initialisation and argument checks shared by the cells.

    ``weight_ih`` is ``(num_chunks * hidden_size, input_size)`` and ``weight_hh``
    ``(num_chunks * hidden_size, hidden_size)``, ``num_chunks`` the gate count (1 for
    :class:`RNNCell`, 4 for :class:`LSTMCell`, 3 for :class:`GRUCell`); all parameters are
    drawn from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).

    >>> import arraygrad
    >>> cell = arraygrad.nn.RNNCellBase(4, 3, bias=True, num_chunks=4)
    >>> cell.weight_ih.shape, cell.weight_hh.shape
    (arraygrad.Size([12, 4]), arraygrad.Size([12, 3]))
    """

    mode = "RNN_TANH"

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool,
        num_chunks: int,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        _device.check_placement(device)
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(empty(num_chunks * hidden_size, input_size, dtype=dtype))
        self.weight_hh = Parameter(empty(num_chunks * hidden_size, hidden_size, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, dtype=dtype))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        nonlinearity = getattr(self, "nonlinearity", "tanh")
        if nonlinearity != "tanh":
            s += f", nonlinearity={nonlinearity}"
        return s

    def reset_parameters(self) -> None:
        """Draw every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _batch_input(self, input: Tensor, name: str) -> tuple[Tensor, bool]:
        """``input`` as ``(N, input_size)``, and whether it came batched."""
        if input.dim() not in (1, 2):
            raise ValueError(
                f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead"
                ". Fix: pass input of shape (batch, input_size) or "
                "(input_size,)."
            )
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
        if input.shape[1] != self.input_size:
            raise RuntimeError(
                f"input has inconsistent input_size: got {input.shape[1]} expected "
                f"{self.input_size}"
                f". Fix: give the input {self.input_size} features, or build "
                f"the cell with input_size={input.shape[1]}."
            )
        return input, batched

    def _batch_hidden(
        self, hx: Tensor | None, input: Tensor, batched: bool, label: int, name: str
    ) -> Tensor:
        """A hidden state as ``(N, hidden_size)``: zeros when absent, else checked."""
        if hx is None:
            return zeros(input.shape[0], self.hidden_size, dtype=input.dtype)
        if hx.dim() not in (1, 2):
            what = "hidden" if name != "LSTMCell" else f"hx[{label}]"
            raise ValueError(
                f"{name}: Expected {what} to be 1D or 2D, got {hx.dim()}D instead"
                ". Fix: pass a state of shape (batch, hidden_size) or "
                "(hidden_size,)."
            )
        if not batched:
            hx = hx.unsqueeze(0)
        if hx.shape[0] != input.shape[0]:
            raise RuntimeError(
                f"Input batch size {input.shape[0]} doesn't match hidden{label} batch size "
                f"{hx.shape[0]}"
                ". Fix: pass a state with one row per input row."
            )
        if hx.shape[1] != self.hidden_size:
            raise RuntimeError(
                f"hidden{label} has inconsistent hidden_size: got {hx.shape[1]}, expected "
                f"{self.hidden_size}"
                f". Fix: pass a state of {self.hidden_size} features."
            )
        if hx.dim() != 2:
            raise RuntimeError(
                f"hidden{label} must be 2-D for batched input (got shape {list(hx.shape)}). Fix: "
                "pass (batch, hidden_size), or (hidden_size,) with unbatched input."
            )
        return hx

    def _step(self, input: Tensor, h: Tensor, c: Tensor | None) -> tuple[Tensor, Tensor | None]:
        x_proj = F.linear(input, self.weight_ih, self.bias_ih)
        # The layers' step: it reads only ``mode`` and ``hidden_size`` from its module.
        return RNNBase._cell(self, x_proj, h, c, self.weight_hh, self.bias_hh)  # type: ignore[arg-type, no-any-return]


class RNNCell(RNNCellBase):
    """Elman cell: ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`` (or ReLU).

    >>> import arraygrad
    >>> RNNCell(3, 5)(arraygrad.zeros(2, 3)).shape
    arraygrad.Size([2, 5])
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        _device.check_placement(device)
        super().__init__(input_size, hidden_size, bias, 1, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(
                f"Unknown nonlinearity: {self.nonlinearity}. Fix: nonlinearity='tanh' or 'relu'."
            )
        self.mode = "RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU"
        input, batched = self._batch_input(input, "RNNCell")
        h = self._batch_hidden(hx, input, batched, 0, "RNNCell")
        h, _ = self._step(input, h, None)
        return h if batched else h.squeeze(0)


class GRUCell(RNNCellBase):
    """Gated recurrent unit cell, PyTorch's equations (gate order ``r, z, n``)::

        r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)
        z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
        n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
        h' = (1 - z) * n + z * h

    >>> import arraygrad
    >>> GRUCell(3, 5)(arraygrad.zeros(3)).shape
    arraygrad.Size([5])
    """

    mode = "GRU"

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        _device.check_placement(device)
        super().__init__(input_size, hidden_size, bias, 3, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        input, batched = self._batch_input(input, "GRUCell")
        h = self._batch_hidden(hx, input, batched, 0, "GRUCell")
        h, _ = self._step(input, h, None)
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """Long short-term memory cell (gate order ``i, f, g, o``)::

        c' = f * c + i * g
        h' = o * tanh(c')

    Returns ``(h', c')``.

    >>> import arraygrad
    >>> h, c = LSTMCell(3, 5)(arraygrad.zeros(2, 3))
    >>> h.shape, c.shape
    (arraygrad.Size([2, 5]), arraygrad.Size([2, 5]))
    """

    mode = "LSTM"

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        _device.check_placement(device)
        super().__init__(input_size, hidden_size, bias, 4, dtype=dtype)

    def forward(
        self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None
    ) -> tuple[Tensor, Tensor]:
        input, batched = self._batch_input(input, "LSTMCell")
        h_in, c_in = (None, None) if hx is None else hx
        h = self._batch_hidden(h_in, input, batched, 0, "LSTMCell")
        c = self._batch_hidden(c_in, input, batched, 1, "LSTMCell")
        h, c_new = self._step(input, h, c)
        assert c_new is not None
        if not batched:
            return h.squeeze(0), c_new.squeeze(0)
        return h, c_new
