"""The recurrent layers as functions of flat weight lists, with PyTorch's calling conventions:
``rnn_tanh``, ``rnn_relu``, ``lstm``, ``gru`` and the one-step ``rnn_tanh_cell``,
``rnn_relu_cell``, ``lstm_cell``, ``gru_cell``.

``params`` lists each layer's weights direction by direction, as ``nn.RNN._flat_weights``
does: ``w_ih, w_hh`` and, with ``has_biases``, ``b_ih, b_hh`` (an LSTM with projections adds
``w_hr``, recognised from the count). The layer functions take time-first ``(L, N, H_in)``
input (``batch_first``: ``(N, L, H_in)``) and the initial states ``(layers * directions, N,
H)``, or packed data with its ``batch_sizes`` in place of the input (the states then in the
packed, sorted batch order). They return ``(output, h_n)``, the LSTM ``(output, h_n, c_n)``.

The recurrence is :class:`arraygrad.nn.RNNBase`'s own, given these weights in place of the
module's parameters, so the functions and the modules compute the same graph.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arraygrad._tensor import Tensor
from arraygrad.nn import functional as F  # noqa: N812 - PyTorch's convention
from arraygrad.nn.modules.module import Module
from arraygrad.nn.modules.rnn import _GATES, RNNBase

__all__ = [
    "gru",
    "gru_cell",
    "lstm",
    "lstm_cell",
    "rnn_relu",
    "rnn_relu_cell",
    "rnn_tanh",
    "rnn_tanh_cell",
]


class _FlatWeights(RNNBase):
    """An RNNBase reading its weights from a flat list instead of its parameters (made
    afresh for each call; never a module anyone holds)."""

    def __init__(
        self,
        mode: str,
        params: Sequence[Tensor],
        has_biases: bool,
        num_layers: int,
        dropout: float,
        train: bool,
        bidirectional: bool,
    ) -> None:
        Module.__init__(self)
        directions = 2 if bidirectional else 1
        per_direction = 2 + 2 * bool(has_biases)
        count = len(params)
        projected = mode == "LSTM" and count == num_layers * directions * (per_direction + 1)
        if not projected and count != num_layers * directions * per_direction:
            raise RuntimeError("got an incorrect number of RNN parameters")
        self.mode = mode
        self._params = list(params)
        self._per_direction = per_direction + projected
        self.hidden_size = params[0].shape[0] // _GATES[mode]
        self.proj_size = params[per_direction].shape[0] if projected else 0
        self.num_layers = num_layers
        self.bias = has_biases
        self.bidirectional = bidirectional
        self.dropout = float(dropout)
        self.training = bool(train)
        self.batch_first = False

    def _weights(self, layer: int, direction: int) -> tuple[Any, ...]:
        directions = 2 if self.bidirectional else 1
        start = (layer * directions + direction) * self._per_direction
        group = self._params[start : start + self._per_direction]
        w_ih, w_hh = group[0], group[1]
        b_ih, b_hh = (group[2], group[3]) if self.bias else (None, None)
        w_hr = group[-1] if self.proj_size else None
        return w_ih, w_hh, b_ih, b_hh, w_hr


def _layers(
    mode: str, args: tuple[Any, ...], states: Any, packed: bool
) -> tuple[Tensor, Tensor, Tensor | None]:
    """Run the layers for one of the two calling forms: ``(input, hx, params, has_biases,
    num_layers, dropout, train, bidirectional, batch_first)`` or ``(data, batch_sizes, hx,
    params, has_biases, num_layers, dropout, train, bidirectional)``."""
    if packed:
        data, batch_sizes, _, params, has_biases, layers, dropout, train, bidirectional = args
        batch_first = False
    else:
        data, _, params, has_biases, layers, dropout, train, bidirectional, batch_first = args
    net = _FlatWeights(mode, params, has_biases, layers, dropout, train, bidirectional)
    h0, c0 = states
    if packed:
        sizes = [int(size) for size in batch_sizes.tolist()]
        return net._run(data, h0, c0, sizes)
    if data.ndim != 3:
        raise RuntimeError(
            f"{mode.lower()}: expected a 3-D input (time, batch, features), but got input of "
            f"shape {list(data.shape)}. Fix: unsqueeze a batch dimension."
        )
    if batch_first:
        data = data.transpose(0, 1)
    output, h_n, c_n = net._run(data, h0, c0)
    if batch_first:
        output = output.transpose(0, 1)
    return output, h_n, c_n


def _is_packed(args: tuple[Any, ...], hx_position: int) -> bool:
    # The packed form has the batch sizes (a tensor) where the other has the states.
    return len(args) > hx_position and isinstance(args[hx_position], Tensor)


def rnn_tanh(*args: Any) -> tuple[Tensor, Tensor]:
    """An Elman RNN with tanh over a sequence (see the module docstring for the two argument
    forms): ``(output, h_n)``.

    ``h_t = tanh(x_t w_ih^T + b_ih + h_{t-1} w_hh^T + b_hh)``; the arguments are ``(input, hx,
    params, has_biases, num_layers, dropout, train, bidirectional, batch_first)``.

    >>> import arraygrad
    >>> x = arraygrad.tensor([[[1.0]], [[-2.0]]])
    >>> params = [arraygrad.ones(2, 1), arraygrad.zeros(2, 2)]
    >>> output, h_n = arraygrad.rnn_tanh(
    ...     x, arraygrad.zeros(1, 1, 2), params, False, 1, 0.0, False, False, False)
    >>> output
    tensor([[[ 0.7616,  0.7616]],
    <BLANKLINE>
            [[-0.9640, -0.9640]]])
    """
    packed = _is_packed(args, 2)
    out, h_n, _ = _layers("RNN_TANH", args, (args[2 if packed else 1], None), packed)
    return out, h_n


def rnn_relu(*args: Any) -> tuple[Tensor, Tensor]:
    """An Elman RNN with ReLU over a sequence: ``(output, h_n)``.

    ``h_t = relu(x_t w_ih^T + b_ih + h_{t-1} w_hh^T + b_hh)``; arguments as :func:`rnn_tanh`.

    >>> import arraygrad
    >>> x = arraygrad.tensor([[[1.0]], [[-2.0]]])
    >>> params = [arraygrad.ones(2, 1), arraygrad.eye(2)]
    >>> output, h_n = arraygrad.rnn_relu(
    ...     x, arraygrad.zeros(1, 1, 2), params, False, 1, 0.0, False, False, False)
    >>> h_n
    tensor([[[0., 0.]]])
    """
    packed = _is_packed(args, 2)
    out, h_n, _ = _layers("RNN_RELU", args, (args[2 if packed else 1], None), packed)
    return out, h_n


def gru(*args: Any) -> tuple[Tensor, Tensor]:
    """A GRU over a sequence: ``(output, h_n)``.

    Gates ``r, z, n`` stacked in each ``w_ih (3H, H_in)`` and ``w_hh (3H, H)``;
    ``h' = (1 - z) * n + z * h``. Arguments as :func:`rnn_tanh`.

    >>> import arraygrad
    >>> params = [arraygrad.zeros(9, 4), arraygrad.zeros(9, 3)]  # every gate 0.5, n = 0
    >>> output, h_n = arraygrad.gru(
    ...     arraygrad.ones(5, 2, 4), arraygrad.ones(1, 2, 3), params, False, 1, 0.0, False, False,
    ...     False)
    >>> output.shape, h_n[0, 0]
    (arraygrad.Size([5, 2, 3]), tensor([0.0312, 0.0312, 0.0312]))
    """
    packed = _is_packed(args, 2)
    out, h_n, _ = _layers("GRU", args, (args[2 if packed else 1], None), packed)
    return out, h_n


def lstm(*args: Any) -> tuple[Tensor, Tensor, Tensor]:
    """An LSTM over a sequence, ``hx`` the pair ``(h_0, c_0)``: ``(output, h_n, c_n)``.

    Gates ``i, f, g, o`` stacked in each ``w_ih (4H, H_in)``; ``c' = f * c + i * g``,
    ``h' = o * tanh(c')``. Arguments as :func:`rnn_tanh`.

    >>> import arraygrad
    >>> params = [arraygrad.zeros(12, 4), arraygrad.zeros(12, 3)]  # i = f = o = 0.5, g = 0
    >>> hx = (arraygrad.zeros(1, 2, 3), arraygrad.ones(1, 2, 3))
    >>> output, h_n, c_n = arraygrad.lstm(
    ...     arraygrad.ones(5, 2, 4), hx, params, False, 1, 0.0, False, False, False)
    >>> output.shape, c_n[0, 0]
    (arraygrad.Size([5, 2, 3]), tensor([0.0312, 0.0312, 0.0312]))
    """
    packed = _is_packed(args, 1)
    h0, c0 = args[2 if packed else 1]
    out, h_n, c_n = _layers("LSTM", args, (h0, c0), packed)
    assert c_n is not None  # an LSTM always has a cell state
    return out, h_n, c_n


def _one_step(
    mode: str,
    input: Tensor,
    h: Tensor,
    c: Tensor | None,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None,
    b_hh: Tensor | None,
) -> tuple[Tensor, Tensor | None]:
    if input.ndim != 2:
        raise RuntimeError(
            f"{mode.lower()}_cell: expected a 2-D input (batch, features), but got input of "
            f"shape {list(input.shape)}. Fix: unsqueeze(0) a single example."
        )
    if input.shape[1] != w_ih.shape[1]:
        raise RuntimeError(
            f"input has inconsistent input_size: got {input.shape[1]} expected {w_ih.shape[1]}"
        )
    if h.shape[0] != input.shape[0]:
        raise RuntimeError(
            f"Input batch size {input.shape[0]} doesn't match hidden0 batch size {h.shape[0]}"
        )
    params = [w_ih, w_hh] + ([b_ih, b_hh] if b_ih is not None and b_hh is not None else [])
    net = _FlatWeights(mode, params, len(params) == 4, 1, 0.0, False, False)
    x_proj = F.linear(input, w_ih, b_ih)
    result: tuple[Tensor, Tensor | None] = net._cell(x_proj, h, c, w_hh, b_hh)
    return result


def rnn_tanh_cell(
    input: Tensor,
    hx: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> Tensor:
    """One step of an Elman RNN: ``tanh(input w_ih^T + b_ih + hx w_hh^T + b_hh)``.

    ``input (N, H_in)``, ``hx (N, H)``, ``w_ih (H, H_in)``, ``w_hh (H, H)``; returns ``(N, H)``.

    >>> import arraygrad
    >>> w_ih, w_hh = arraygrad.ones(2, 1), arraygrad.zeros(2, 2)
    >>> arraygrad.rnn_tanh_cell(arraygrad.tensor([[1.0]]), arraygrad.zeros(1, 2), w_ih, w_hh)
    tensor([[0.7616, 0.7616]])
    """
    return _one_step("RNN_TANH", input, hx, None, w_ih, w_hh, b_ih, b_hh)[0]


def rnn_relu_cell(
    input: Tensor,
    hx: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> Tensor:
    """One step of an Elman RNN with ReLU: ``relu(input w_ih^T + b_ih + hx w_hh^T + b_hh)``.

    ``input (N, H_in)``, ``hx (N, H)``; returns ``(N, H)``.

    >>> import arraygrad
    >>> w_ih, w_hh = arraygrad.tensor([[1.0], [-1.0]]), arraygrad.eye(2)
    >>> arraygrad.rnn_relu_cell(arraygrad.tensor([[2.0]]), arraygrad.ones(1, 2), w_ih, w_hh)
    tensor([[3., 0.]])
    """
    return _one_step("RNN_RELU", input, hx, None, w_ih, w_hh, b_ih, b_hh)[0]


def gru_cell(
    input: Tensor,
    hx: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> Tensor:
    """One step of a GRU (gates ``r, z, n`` stacked in the weights).

    ``r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)``, ``z`` likewise,
    ``n = tanh(W_in x + b_in + r (W_hn h + b_hn))``, ``h' = (1 - z) n + z h``.

    >>> import arraygrad
    >>> w_ih, w_hh = arraygrad.zeros(6, 1), arraygrad.zeros(6, 2)  # r = z = 0.5, n = 0
    >>> arraygrad.gru_cell(arraygrad.tensor([[1.0]]), arraygrad.tensor([[2.0, -2.0]]), w_ih, w_hh)
    tensor([[ 1., -1.]])
    """
    return _one_step("GRU", input, hx, None, w_ih, w_hh, b_ih, b_hh)[0]


def lstm_cell(
    input: Tensor,
    hx: Sequence[Tensor],
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """One step of an LSTM (gates ``i, f, g, o`` stacked in the weights), ``hx`` the pair
    ``(h, c)``: ``(h', c')``.

    ``c' = f c + i g`` and ``h' = o tanh(c')``, with ``i, f, o`` sigmoids and ``g`` a tanh of
    ``x W_ih^T + b_ih + h W_hh^T + b_hh``.

    >>> import arraygrad
    >>> w_ih, w_hh = arraygrad.zeros(8, 1), arraygrad.zeros(8, 2)  # i = f = o = 0.5, g = 0
    >>> hx = (arraygrad.zeros(1, 2), arraygrad.ones(1, 2))
    >>> arraygrad.lstm_cell(arraygrad.tensor([[1.0]]), hx, w_ih, w_hh)
    (tensor([[0.2311, 0.2311]]), tensor([[0.5000, 0.5000]]))
    """
    h, c = hx
    h_new, c_new = _one_step("LSTM", input, h, c, w_ih, w_hh, b_ih, b_hh)
    assert c_new is not None  # an LSTM step always gives a cell state
    return h_new, c_new
