"""The recurrence of ``RNN``, ``LSTM`` and ``GRU``: one time step per mode and the loop over
time steps, directions and layers, as the mixin :class:`Recurrence` of
:class:`~arraygrad.nn.RNNBase`.

A step's input projection ``x W_ih^T + b_ih`` is computed for every time step at once (one
product instead of one per step); the loop then applies :meth:`Recurrence._cell` step by step,
backwards for the reverse direction, with dropout between layers in training. A packed batch
runs the loops of ``_rnn_packed`` instead, and an LSTM under CPU autocast oneDNN's
(``_rnn_onednn``). Besides the modules, the RNN functions on flat weight lists
(``arraygrad.lstm`` ...) run this same loop, reading their weights through an override of
:meth:`Recurrence._weights`, and the cells take its one step, :meth:`Recurrence._cell`. The
parameters, the argument checks and the modules' ``forward`` are in
:mod:`arraygrad.nn.modules.rnn`.
"""

from __future__ import annotations

from itertools import accumulate
from typing import TYPE_CHECKING, Any, cast

from arraygrad import _autocast_flag, _math
from arraygrad._tensor import Tensor
from arraygrad.nn import functional as F  # noqa: N812 - PyTorch's convention
from arraygrad.nn.modules._rnn_packed import packed_forward, packed_reverse

if TYPE_CHECKING:
    from arraygrad.nn.modules.rnn import RNNBase

__all__ = ["Recurrence", "lstm_gates"]


class Recurrence:
    """The time loop of :class:`~arraygrad.nn.RNNBase`, which holds the attributes it reads:
    ``mode``, ``hidden_size``, ``proj_size``, ``num_layers``, ``bias``, ``bidirectional``,
    ``dropout``, ``training`` and the weights ``weight_ih_l<k>`` ... by name."""

    mode: str
    hidden_size: int
    proj_size: int
    num_layers: int
    bias: bool
    bidirectional: bool
    dropout: float
    training: bool

    def _weights(self, layer: int, direction: int) -> tuple[Any, ...]:
        suffix = "_reverse" if direction == 1 else ""
        w_ih = getattr(self, f"weight_ih_l{layer}{suffix}")
        w_hh = getattr(self, f"weight_hh_l{layer}{suffix}")
        w_hr = getattr(self, f"weight_hr_l{layer}{suffix}") if self.proj_size > 0 else None
        if not self.bias:
            return w_ih, w_hh, None, None, w_hr
        return (
            w_ih,
            w_hh,
            getattr(self, f"bias_ih_l{layer}{suffix}"),
            getattr(self, f"bias_hh_l{layer}{suffix}"),
            w_hr,
        )

    def _cell(
        self,
        x_proj: Tensor,
        h: Tensor,
        c: Tensor | None,
        w_hh: Tensor,
        b_hh: Any,
        w_hr: Tensor | None = None,
    ) -> Any:
        """One time step given ``x_proj = x @ w_ih.T + b_ih``; returns ``(h', c')``.

        ``w_hr`` (LSTM with projections only) maps the new hidden state to ``proj_size``.
        The projections are ``linear``s, bias included, and the steps PyTorch's, in its order:
        under CPU autocast they compute in the autocast dtype and meet the float32 states
        where PyTorch's do (the LSTM's ``c`` and the GRU's ``h`` keep the result float32)."""
        h_proj = F.linear(h, w_hh, b_hh)
        size = self.hidden_size
        if self.mode == "RNN_TANH":
            return _math.tanh(x_proj + h_proj), None
        if self.mode == "RNN_RELU":
            return _math.relu(x_proj + h_proj), None
        if self.mode == "LSTM":
            i, f, g, o = lstm_gates(x_proj + h_proj, size)
            c_new = f * c + i * g
            h_new = o * _math.tanh(c_new)
            if w_hr is not None:
                h_new = h_new @ w_hr.mT
            return h_new, c_new
        # GRU: the reset gate scales the hidden projection of the candidate, and
        # h' = (1 - z) n + z h is computed as PyTorch's (h - n) z + n.
        r = _math.sigmoid(x_proj[..., 0:size] + h_proj[..., 0:size])
        z = _math.sigmoid(x_proj[..., size : 2 * size] + h_proj[..., size : 2 * size])
        n = _math.tanh(x_proj[..., 2 * size :] + r * h_proj[..., 2 * size :])
        return (h - n) * z + n, None

    def _project(self, input: Tensor, w_ih: Tensor, b_ih: Tensor | None) -> Tensor:
        """The input projection ``x_proj`` that :meth:`_cell` takes, of every step at once."""
        return F.linear(input, w_ih, b_ih)

    def _run(
        self,
        input: Tensor,
        h0: Tensor,
        c0: Tensor | None,
        batch_sizes: list[int] | None = None,
    ) -> tuple[Tensor, Tensor, Tensor | None]:
        """Run all layers over ``input``: ``(L, N, H_in)``, or with ``batch_sizes`` packed data
        ``(sum(batch_sizes), H_in)`` of a sorted batch."""
        if _autocast_flag.cpu and self.mode == "LSTM" and batch_sizes is None:
            from arraygrad.nn.modules import _rnn_onednn

            net = cast("RNNBase", self)  # (the mixin is only ever part of an RNNBase)
            if _rnn_onednn.takes(net, input):  # PyTorch's oneDNN LSTM, cast by autocast
                return _rnn_onednn.lstm(net, input, h0, c0)
        directions = 2 if self.bidirectional else 1
        starts = None if batch_sizes is None else [0, *accumulate(batch_sizes)]
        layer_input = input
        h_last: list[Tensor] = []
        c_last: list[Tensor] = []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                w_ih, w_hh, b_ih, b_hh, w_hr = self._weights(layer, direction)
                # The input projection of every step at once: one product instead of L.
                x_proj = self._project(layer_input, w_ih, b_ih)
                index = layer * directions + direction
                h = h0[index]
                c = c0[index] if c0 is not None else None
                weights = (w_hh, b_hh, w_hr)
                if batch_sizes is None or starts is None:
                    output, h, c = self._steps(x_proj, h, c, weights, direction == 1)
                else:
                    packed_steps = packed_forward if direction == 0 else packed_reverse
                    output, h, c = packed_steps(
                        self._cell, x_proj, starts, batch_sizes, h, c, weights
                    )
                outputs.append(output)
                h_last.append(h)
                if c is not None:
                    c_last.append(c)
            layer_output = outputs[0] if directions == 1 else _cat_last(outputs)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_output = F.dropout(layer_output, self.dropout, True)
            layer_input = layer_output
        return layer_input, _stack(h_last), _stack(c_last) if c_last else None

    def _steps(
        self,
        x_proj: Tensor,
        h: Tensor,
        c: Tensor | None,
        weights: tuple[Any, ...],
        reverse: bool,
    ) -> tuple[Tensor, Tensor, Tensor | None]:
        """Every step of one direction over ``(L, N, G * H)`` projections: the outputs stacked,
        the final ``(h, c)``."""
        steps = x_proj.shape[0]
        order = range(steps - 1, -1, -1) if reverse else range(steps)
        results: list[Tensor] = [None] * steps  # type: ignore[list-item]
        for t in order:
            h, c = self._cell(x_proj[t], h, c, *weights)
            results[t] = h
        return _stack(results), h, c


def _stack(steps: list[Tensor]) -> Tensor:
    import arraygrad

    return arraygrad.stack(steps, 0)  # type: ignore[attr-defined, no-any-return]


def lstm_gates(gates: Tensor, size: int) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """The LSTM's gates ``sigmoid(i), sigmoid(f), tanh(g), sigmoid(o)`` from their stacked
    pre-activations ``(..., 4 * size)``."""
    i = _math.sigmoid(gates[..., 0:size])
    f = _math.sigmoid(gates[..., size : 2 * size])
    g = _math.tanh(gates[..., 2 * size : 3 * size])
    o = _math.sigmoid(gates[..., 3 * size :])
    return i, f, g, o


def _cat_last(parts: list[Tensor]) -> Tensor:
    import arraygrad

    return arraygrad.cat(parts, -1)  # type: ignore[attr-defined, no-any-return]
