"""Recurrent layers ``RNN``, ``LSTM`` and ``GRU``, built from matmul, sigmoid and tanh.

Weights follow PyTorch's layout and names: layer ``k`` (suffix ``_reverse`` for the backward
direction) has ``weight_ih_lk`` of shape ``(G * hidden_size, input)``, ``weight_hh_lk`` of shape
``(G * hidden_size, hidden_size)`` and biases ``bias_ih_lk``, ``bias_hh_lk``, with the gate
blocks stacked in PyTorch's order: LSTM ``i, f, g, o`` (G = 4), GRU ``r, z, n`` (G = 3).
An LSTM with ``proj_size = P > 0`` also has ``weight_hr_lk`` ``(P, hidden_size)``, which maps
each new hidden state down to ``P`` features; that projected state is what the layer outputs
and feeds back, so ``weight_hh_lk`` is ``(4 * hidden_size, P)``.
All start as U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).

A :class:`~arraygrad.nn.utils.rnn.PackedSequence` input runs PyTorch's way: at step ``t`` only
the first ``batch_sizes[t]`` rows (the sequences still running) step, so each sequence's final
state is the one at its own length.

This module holds the parameters, the argument checks and each layer's ``forward``; the time
loop they run (one step per mode, over steps, directions and layers) is the mixin
:class:`~arraygrad.nn.modules._rnn_recurrence.Recurrence`, shared with the RNN functions on flat
weights and the cells.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

from arraygrad import _device
from arraygrad._creation import empty, zeros
from arraygrad._dims import normalize_dim
from arraygrad._tensor import Tensor
from arraygrad.nn import init
from arraygrad.nn.modules._elsewhere import defined_elsewhere
from arraygrad.nn.modules._rnn_recurrence import Recurrence
from arraygrad.nn.modules.module import Module
from arraygrad.nn.parameter import Parameter
from arraygrad.nn.utils.rnn import PackedSequence

__all__ = [
    "GRU",
    "LSTM",
    "RNN",
    "RNNBase",
]

# PyTorch's path for the cells, which ``rnn_cell`` defines on RNNBase's helpers
_ELSEWHERE = {
    "RNNCellBase": "rnn_cell",
    "RNNCell": "rnn_cell",
    "LSTMCell": "rnn_cell",
    "GRUCell": "rnn_cell",
}
__all__ += [name for name in _ELSEWHERE if not name.startswith("_")]


def __getattr__(name: str) -> Any:
    return defined_elsewhere(__name__, name, _ELSEWHERE)


_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


class RNNBase(Recurrence, Module):
    """Shared by RNN, LSTM and GRU: parameters, argument checks and the layer loop.

    ``mode`` is ``"RNN_TANH"``, ``"RNN_RELU"``, ``"LSTM"`` or ``"GRU"``; layer ``k`` holds
    ``weight_ih_lk`` ``(G * hidden_size, input_size)`` (``hidden_size`` inputs above layer 0),
    ``weight_hh_lk`` ``(G * hidden_size, hidden_size)`` and their biases, ``G`` the gate count
    (1, 4 or 3), all drawn from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).

    >>> import arraygrad
    >>> lstm = arraygrad.nn.RNNBase("LSTM", 4, 3)
    >>> [name for name, _ in lstm.named_parameters()]
    ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']
    >>> lstm.weight_ih_l0.shape
    arraygrad.Size([12, 4])
    """

    mode = "RNN_TANH"

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        _device.check_placement(device)
        super().__init__()
        if (
            not isinstance(dropout, numbers.Number)
            or isinstance(dropout, bool)
            or not 0 <= dropout <= 1  # type: ignore[operator]
        ):
            raise ValueError(
                "dropout should be a number in range [0, 1] representing the probability of an "
                "element being zeroed"
                f" (got dropout={dropout!r}). Fix: pass a float in [0, 1], e.g. "
                "dropout=0.1."
            )
        if dropout > 0 and num_layers == 1:  # type: ignore[operator]
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero "
                f"dropout expects num_layers greater than 1, but got dropout={dropout} and "
                f"num_layers={num_layers}",
                stacklevel=2,
            )
        if not isinstance(bias, bool):
            raise TypeError(
                f"bias should be of type bool, got: {type(bias).__name__}. "
                "Fix: pass bias=True or bias=False."
            )
        if not isinstance(batch_first, bool):
            raise TypeError(
                f"batch_first should be of type bool, got: {type(batch_first).__name__}. "
                "Fix: pass batch_first=True for (batch, seq, feature) input, else False."
            )
        if not isinstance(input_size, int):
            raise TypeError(
                f"input_size should be of type int, got: {type(input_size).__name__}. "
                "Fix: pass the number of input features as an int (e.g. int(input_size))."
            )
        if input_size <= 0:
            raise ValueError(
                f"input_size must be greater than zero, got {input_size}. "
                "Fix: pass the number of features of each input step (>= 1)."
            )
        if not isinstance(hidden_size, int):
            raise TypeError(
                f"hidden_size should be of type int, got: {type(hidden_size).__name__}. "
                "Fix: pass the number of hidden features as an int (e.g. int(hidden_size))."
            )
        if hidden_size <= 0:
            raise ValueError(
                "hidden_size must be greater than zero"
                f" (got {hidden_size}). Fix: pass hidden_size >= 1."
            )
        if num_layers <= 0:
            raise ValueError(
                f"num_layers must be greater than zero, got {num_layers}. "
                "Fix: pass num_layers=1 or more."
            )
        if proj_size < 0:
            raise ValueError(
                "proj_size should be a positive integer or zero to disable projections"
                f" (got {proj_size}). Fix: pass proj_size=0 (no projection) or a positive "
                "int below hidden_size."
            )
        if proj_size >= hidden_size:
            raise ValueError(
                "proj_size has to be smaller than hidden_size"
                f" (got proj_size={proj_size}, hidden_size={hidden_size}). Fix: pass "
                f"proj_size < {hidden_size}, or 0 to disable projections."
            )
        if mode not in _GATES:
            raise ValueError(
                "Unrecognized RNN mode: " + mode + ". Fix: use one of " + ", ".join(_GATES) + "."
            )
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)  # type: ignore[arg-type]
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        directions = 2 if bidirectional else 1
        gate_size = _GATES[mode] * hidden_size
        state_size = self._state_size
        self._flat_weights_names: list[str] = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else state_size * directions
            for direction in range(directions):
                suffix = "_reverse" if direction == 1 else ""
                shapes: list[tuple[str, tuple[int, ...]]] = [
                    ("weight_ih", (gate_size, layer_input)),
                    ("weight_hh", (gate_size, state_size)),
                ]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                for kind, shape in shapes:
                    name = f"{kind}_l{layer}{suffix}"
                    setattr(self, name, Parameter(empty(*shape, dtype=dtype)))
                    self._flat_weights_names.append(name)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    @property
    def _state_size(self) -> int:
        """Features of the hidden state ``h`` (and of each direction's output)."""
        return self.proj_size if self.proj_size > 0 else self.hidden_size

    def flatten_parameters(self) -> None:
        """Kept for PyTorch compatibility: arraygrad's weights need no flattening."""

    @property
    def _flat_weights(self) -> list[Tensor]:
        return [getattr(self, name) for name in self._flat_weights_names]

    @property
    def _all_weights(self) -> list[list[str]]:
        """The names of each layer's parameters, direction by direction (PyTorch's list)."""
        names = self._flat_weights_names
        cells = self.num_layers * (2 if self.bidirectional else 1)
        step = len(names) // cells
        return [names[start : start + step] for start in range(0, len(names), step)]

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """Each layer's parameters, direction by direction: ``weight_ih``, ``weight_hh``, then
        ``bias_ih``, ``bias_hh`` (with ``bias``) and ``weight_hr`` (with ``proj_size``)."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    def _forward_packed(self, input: PackedSequence, hx: Any) -> tuple[PackedSequence, Any]:
        """PyTorch's packed path: ``hx`` is in the caller's batch order, as are the states
        returned; ``batch_first`` does not apply."""
        data, batch_sizes, sorted_indices, unsorted_indices = input
        weight = self.weight_ih_l0
        if data.dtype != weight.dtype:
            raise ValueError(
                f"RNN input dtype ({data.dtype}) does not match weight dtype ({weight.dtype}). "
                f"Convert input: input.to({weight.dtype}), or convert model: "
                f"model.to({data.dtype})"
            )
        if data.dim() != 2:
            raise RuntimeError(
                f"input must have 2 dimensions, got {data.dim()}"
                ". Fix: pack input of shape (sum of lengths, features) with "
                "pack_padded_sequence or pack_sequence."
            )
        if data.size(-1) != self.input_size:
            raise RuntimeError(
                f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got "
                f"{data.size(-1)}"
                f". Fix: give the input {self.input_size} features in its last dimension, "
                f"or build the module with input_size={data.size(-1)}."
            )
        sizes = [int(size) for size in batch_sizes.tolist()]
        lstm = self.mode == "LSTM"
        if hx is None:
            states = [self._hidden(None, sizes[0], data, True, k) for k in range(1 + lstm)]
        else:
            states = list(hx) if lstm else [hx]
            if sorted_indices is not None:
                # In the batch's sorted order first, as PyTorch does before any check of the
                # states' shapes (so a state of too few dimensions fails there).
                states = [state.index_select(1, sorted_indices) for state in states]
            if lstm:
                for state in states:
                    if state.dim() < 3:  # PyTorch reads both states' features (dimension 2)
                        normalize_dim(2, state.dim())  # first: an IndexError, as there
            for k, state in enumerate(states):
                self._hidden(state, sizes[0], data, True, k if lstm else None)
        output, h_n, c_n = self._run(data, states[0], states[1] if lstm else None, sizes)
        packed = PackedSequence(output, batch_sizes, sorted_indices, unsorted_indices)
        finals = [h_n] if c_n is None else [h_n, c_n]
        if unsorted_indices is not None:
            finals = [state.index_select(1, unsorted_indices) for state in finals]
        return packed, finals[0] if c_n is None else tuple(finals)

    def _prepare(self, input: Tensor, hx: Any, name: str) -> tuple[Tensor, Any, bool]:
        """Check shapes, add the batch dimension of unbatched input, put time first."""
        if input.dim() not in (2, 3):
            suffix = {"RNN": "tensor instead", "LSTM": "instead", "GRU": "instead"}[name]
            raise ValueError(
                f"{name}: Expected input to be 2D or 3D, got {input.dim()}D {suffix}"
                ". Fix: pass (L, N, H_in) (or (N, L, H_in) with batch_first=True), or "
                "(L, H_in) for one sequence."
            )
        batched = input.dim() == 3
        if not batched:
            input = input.unsqueeze(0 if self.batch_first else 1)
        if self.batch_first:
            input = input.transpose(0, 1)
        if input.size(-1) != self.input_size:
            raise RuntimeError(
                f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got "
                f"{input.size(-1)}"
                f". Fix: give the input {self.input_size} features in its last dimension, "
                f"or build the module with input_size={input.size(-1)}."
            )
        weight = self.weight_ih_l0
        if input.dtype != weight.dtype:
            raise ValueError(
                f"RNN input dtype ({input.dtype}) does not match weight dtype "
                f"({weight.dtype}). Convert input: input.to({weight.dtype}), or convert model: "
                f"model.to({input.dtype})"
            )
        return input, hx, batched

    def _hidden(
        self, hx: Tensor | None, batch: int, like: Tensor, batched: bool, index: int | None = None
    ) -> Tensor:
        """The initial state ``hx`` (zeros when None) checked and given its batch dimension.

        ``index`` is the LSTM's state: 0 for ``h`` (``proj_size`` features when projecting),
        1 for ``c`` (always ``hidden_size``); None for the RNN's and GRU's one state."""
        directions = 2 if self.bidirectional else 1
        features = self.hidden_size if index == 1 else self._state_size
        expected = (self.num_layers * directions, batch, features)
        if hx is None:
            return zeros(*expected, dtype=like.dtype)
        if not batched:
            hx = hx.unsqueeze(1)
        if tuple(hx.shape) != expected:
            what = "hidden" if index is None else f"hidden[{index}]"
            raise RuntimeError(
                f"Expected {what} size {expected}, got {list(hx.shape)}"
                f". Fix: pass hx of shape {list(expected)} (num_layers * num_directions, "
                "batch, hidden size), or hx=None for zeros."
            )
        return hx

    def _forward_one_state(
        self, input: Tensor, hx: Tensor | None, name: str
    ) -> tuple[Tensor, Tensor]:
        """``(output, h_n)`` of the RNN and GRU, whose state is one hidden tensor."""
        input, hx, batched = self._prepare(input, hx, name)
        _check_hx_dims(hx, batched)
        h0 = self._hidden(hx, input.size(1), input, batched)
        output, h_n, _ = self._run(input, h0, None)
        if not batched:
            h_n = h_n.squeeze(1)
        return self._finish(output, batched), h_n

    def _finish(self, output: Tensor, batched: bool) -> Tensor:
        if self.batch_first:
            output = output.transpose(0, 1)
        if not batched:
            output = output.squeeze(0 if self.batch_first else 1)
        return output


def _check_hx_dims(hx: Tensor | None, batched: bool) -> None:
    if hx is None:
        return
    if batched and hx.dim() != 3:
        raise RuntimeError(
            f"For batched 3-D input, hx should also be 3-D but got {hx.dim()}-D tensor"
            ". Fix: pass hx of shape (num_layers * num_directions, N, H_out) with "
            "batched input."
        )
    if not batched and hx.dim() != 2:
        raise RuntimeError(
            f"For unbatched 2-D input, hx should also be 2-D but got {hx.dim()}-D tensor"
            ". Fix: pass hx of shape (num_layers * num_directions, H_out) with "
            "unbatched input, or add the batch dimension to both."
        )


def _refuse_projection(kwargs: dict[str, Any]) -> None:
    # PyTorch refuses the keyword itself, whatever its value (0 included) and before any other
    # argument check: projections exist only for the LSTM's hidden state.
    if "proj_size" in kwargs:
        raise ValueError(
            "proj_size argument is only supported for LSTM, not RNN or GRU"
            f" (got proj_size={kwargs['proj_size']!r}). Fix: drop proj_size, or use "
            "nn.LSTM."
        )


class RNN(RNNBase):
    """Elman RNN: ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)`` (or ReLU).

    Returns ``(output, h_n)``: ``output`` holds the last layer's ``h_t`` for every step
    (``(L, N, D * H)``, batch first if ``batch_first``), ``h_n`` the last state of every layer
    and direction (``(num_layers * D, N, H)``).

    >>> import arraygrad
    >>> out, h = RNN(3, 5, num_layers=2)(arraygrad.zeros(7, 2, 3))
    >>> out.shape, h.shape
    (arraygrad.Size([7, 2, 5]), arraygrad.Size([2, 2, 5]))

    A packed batch gives a packed output and each sequence's state at its own length:

    >>> from arraygrad.nn.utils.rnn import pack_sequence
    >>> out, h = RNN(3, 5)(pack_sequence([arraygrad.ones(4, 3), arraygrad.ones(2, 3)]))
    >>> out.batch_sizes, h.shape
    (tensor([2, 2, 1, 1]), arraygrad.Size([1, 2, 5]))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: Any = None,
        dtype: Any = None,
        **kwargs: Any,
    ) -> None:
        _device.check_placement(device)
        _refuse_projection(kwargs)
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(
                f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'."
                " Fix: pass nonlinearity='tanh' or 'relu'."
            )
        super().__init__(
            mode,
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            dtype=dtype,
            **kwargs,
        )
        self.nonlinearity = nonlinearity

    def forward(self, input: Any, hx: Tensor | None = None) -> tuple[Any, Tensor]:
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)  # type: ignore[no-any-return]
        return self._forward_one_state(input, hx, "RNN")


class GRU(RNNBase):
    """Gated recurrent unit, PyTorch's equations (gate order ``r, z, n``)::

        r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)
        z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
        n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
        h' = (1 - z) * n + z * h

    Returns ``(output, h_n)`` shaped as for :class:`RNN`: input ``(L, N, H_in)`` (``(N, L,
    H_in)`` with ``batch_first``) gives ``output`` ``(L, N, D * H)`` and ``h_n``
    ``(num_layers * D, N, H)``, ``D = 2`` when bidirectional.

    >>> import arraygrad
    >>> gru = arraygrad.nn.GRU(input_size=4, hidden_size=3, num_layers=2)
    >>> output, h_n = gru(arraygrad.zeros(5, 2, 4))
    >>> output.shape, h_n.shape
    (arraygrad.Size([5, 2, 3]), arraygrad.Size([2, 2, 3]))
    >>> gru.weight_ih_l0.shape
    arraygrad.Size([9, 4])
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _refuse_projection(kwargs)
        super().__init__("GRU", *args, **kwargs)

    def forward(self, input: Any, hx: Tensor | None = None) -> tuple[Any, Tensor]:
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)  # type: ignore[no-any-return]
        return self._forward_one_state(input, hx, "GRU")


class LSTM(RNNBase):
    """Long short-term memory, PyTorch's equations (gate order ``i, f, g, o``)::

        i, f, o = sigmoid(...), g = tanh(...)   (each W_i* x + b_i* + W_h* h + b_h*)
        c' = f * c + i * g
        h' = o * tanh(c')            (proj_size = 0)
        h' = W_hr (o * tanh(c'))     (proj_size = P > 0: h', output and h_n have P features)

    Returns ``(output, (h_n, c_n))``.

    >>> import arraygrad
    >>> out, (h, c) = LSTM(3, 5, proj_size=2, bidirectional=True)(arraygrad.zeros(7, 3))
    >>> out.shape, h.shape, c.shape
    (arraygrad.Size([7, 4]), arraygrad.Size([2, 2]), arraygrad.Size([2, 5]))
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__("LSTM", *args, **kwargs)

    def forward(
        self, input: Any, hx: tuple[Tensor, Tensor] | None = None
    ) -> tuple[Any, tuple[Tensor, Tensor]]:
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)  # type: ignore[no-any-return]
        input, hx, batched = self._prepare(input, hx, "LSTM")
        if hx is not None:
            h, c = hx
            if batched and (h.dim() != 3 or c.dim() != 3):
                raise RuntimeError(
                    "For batched 3-D input, hx and cx should also be 3-D but got "
                    f"({h.dim()}-D, {c.dim()}-D) tensors. Fix: pass (h_0, c_0) each of shape "
                    "(num_layers * num_directions, batch, features)."
                )
            if not batched and (h.dim() != 2 or c.dim() != 2):
                raise RuntimeError(
                    "For unbatched 2-D input, hx and cx should also be 2-D but got "
                    f"({h.dim()}-D, {c.dim()}-D) tensors. Fix: pass (h_0, c_0) each of shape "
                    "(num_layers * num_directions, features)."
                )
            h0 = self._hidden(h, input.size(1), input, batched, 0)
            c0 = self._hidden(c, input.size(1), input, batched, 1)
        else:
            h0 = self._hidden(None, input.size(1), input, batched, 0)
            c0 = self._hidden(None, input.size(1), input, batched, 1)
        output, h_n, c_n = self._run(input, h0, c0)
        assert c_n is not None
        if not batched:
            h_n, c_n = h_n.squeeze(1), c_n.squeeze(1)
        return self._finish(output, batched), (h_n, c_n)
