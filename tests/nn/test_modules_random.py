"""Random module configurations and calls, run on arraygrad and on torch in float64.

Each case draws a module's constructor arguments and a call from a seeded generator, builds the
module in torch, loads torch's state_dict into arraygrad's module built with the same arguments
(``strict=True``), and compares: state_dict keys, shapes and dtypes, ``repr``, every forward
output (hidden states, attention weights, indices, packed sequences), the gradients of the
inputs and of every parameter under a random cotangent, and the whole state_dict after the call
(running statistics, ``num_batches_tracked``, rows renormalised by ``max_norm``). Where torch
raises, at construction or at the call, arraygrad must raise the same exception class.

Deliberately not as in torch, so refused in both before the call: ``pack_padded_sequence``
with ``enforce_sorted=False`` and fewer lengths than batch elements (torch sorts the batch by
the lengths first and silently drops the sequences past their count; arraygrad raises torch's
error of ``enforce_sorted=True``, seed 21047), and an RNN cell's unbatched input with a
``(hidden_size, hidden_size)`` state (torch broadcasts the input over the state's rows;
arraygrad raises, as torch does for a state of any other batch size, seed 20181).

Left out where torch 2.13 is wrong: an LSTM's packed input with a state of the wrong shape
(torch checks no shape of ``(h_0, c_0)`` on its packed path and reads past their ends: a
state of shape (7, 1, 3) for 6 layers and directions aborts the process with ``free():
corrupted unsorted chunks``, seed 44764; a (1, 2, 3) state for one sequence returns numbers).
arraygrad raises the error torch gives for an unpacked input (``Expected hidden[0] size
...``); such calls are refused in both before the call.

Still drawn, wrong in torch 2.13 (reported by longer runs, not by a seed run alone): a
``ReflectionPad3d`` whose negative padding leaves an empty output; torch's backward leaves the
input's gradient uninitialised (whatever its allocator held: 1.4e306 after earlier cases, 0 in
fresh memory), where it is 0, as arraygrad's (seeds 129274, 132928, 139522, 190132).

Parameters are redrawn at random before the copy, so norms' unit weights and zero biases do not
hide a mistake. ``python -m tests.nn.test_modules_random START COUNT`` runs more seeds and prints
each failing one, for fuzzing beyond the bounded test below.
"""

from __future__ import annotations

import random
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
import arraygrad.nn

Lib = Any  # torch or arraygrad: both spell the API the same way


@dataclass
class Case:
    """One draw: ``build(lib)`` makes the module, ``call(lib, module, args)`` runs it."""

    name: str
    build: Callable[[Lib], Any]
    inputs: list[np.ndarray]
    call: Callable[[Lib, Any, list[Any]], Any] = field(
        default=lambda lib, module, args: module(*args)
    )
    train: bool = True
    # Arrays that stay integer or boolean (indices, masks) never require grad; floats that are
    # masks or weights not meant to be differentiated are listed here by position.
    no_grad: tuple[int, ...] = ()


def _shape(rng: random.Random, dims: int, low: int = 2, high: int = 5) -> tuple[int, ...]:
    return tuple(rng.randint(low, high) for _ in range(dims))


def _normal(nrng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return nrng.standard_normal(shape)


# Generators: each takes the case's random sources and returns a Case.


def _conv(rng: random.Random, nrng: np.random.Generator) -> Case:
    dims = rng.randint(1, 3)
    transposed = rng.random() < 0.4
    groups = rng.choice([1, 1, 2, 3])
    in_ch = groups * rng.randint(1, 2)
    out_ch = groups * rng.randint(1, 2)
    if rng.random() < 0.05:
        out_ch += 1  # not divisible by groups: both must refuse
    kernel: Any = rng.randint(1, 3) if rng.random() < 0.5 else _shape(rng, dims, 1, 3)
    stride: Any = rng.randint(1, 2) if rng.random() < 0.5 else _shape(rng, dims, 1, 3)
    dilation: Any = rng.randint(1, 2) if rng.random() < 0.6 else _shape(rng, dims, 1, 2)
    kwargs: dict[str, Any] = dict(stride=stride, dilation=dilation, groups=groups)
    kwargs["bias"] = rng.random() < 0.7
    if transposed:
        kwargs["padding"] = rng.randint(0, 2)
        if rng.random() < 0.03:
            kwargs["padding_mode"] = "reflect"  # transposed convolutions pad with zeros only
        strides = stride if isinstance(stride, tuple) else (stride,) * dims
        dilations = dilation if isinstance(dilation, tuple) else (dilation,) * dims
        limit = min(max(s, d) for s, d in zip(strides, dilations, strict=True))
        kwargs["output_padding"] = rng.randint(0, limit - 1 + (rng.random() < 0.05))
    else:
        kwargs["padding"] = rng.choice([0, 1, 2, "same", "valid", _shape(rng, dims, 0, 2)])
        kwargs["padding_mode"] = rng.choice(["zeros", "zeros", "reflect", "replicate", "circular"])
    kind = f"Conv{'Transpose' if transposed else ''}{dims}d"
    spatial = _shape(rng, dims, 4, 7)
    batched = rng.random() < 0.85
    shape = ((rng.randint(1, 3),) if batched else ()) + (in_ch,) + spatial
    x = _normal(nrng, shape)
    output_size = None
    if transposed and rng.random() < 0.4:
        # output_size= picks an extra row within the stride's slack: compute the smallest size
        kernels = kernel if isinstance(kernel, tuple) else (kernel,) * dims
        strides = stride if isinstance(stride, tuple) else (stride,) * dims
        dilations = dilation if isinstance(dilation, tuple) else (dilation,) * dims
        pad = kwargs["padding"]
        output_size = [
            (n - 1) * s - 2 * pad + d * (k - 1) + 1 + rng.randint(0, s - 1)
            for n, s, d, k in zip(spatial, strides, dilations, kernels, strict=True)
        ]
        if rng.random() < 0.5:
            output_size = list(shape[:-dims]) + output_size

    def build(lib: Lib) -> Any:
        return getattr(lib.nn, kind)(in_ch, out_ch, kernel, **kwargs)

    def call(lib: Lib, module: Any, args: list[Any]) -> Any:
        if output_size is None:
            return module(*args)
        return module(args[0], output_size=output_size)

    return Case(f"{kind}{kwargs} out={output_size} x={shape}", build, [x], call)


def _pool(rng: random.Random, nrng: np.random.Generator) -> Case:
    dims = rng.randint(1, 3)
    family = rng.choice(["Max", "Max", "Avg", "AdaptiveAvg", "AdaptiveMax", "LP"])
    if family == "LP":
        dims = rng.randint(1, 2)
    spatial = _shape(rng, dims, 4, 7)
    batched = rng.random() < 0.8
    channels = rng.randint(1, 3)
    shape = ((rng.randint(1, 2),) if batched else ()) + (channels,) + spatial
    x = _normal(nrng, shape)
    kernel = rng.randint(1, 3)
    kwargs: dict[str, Any] = {}
    unpool = False
    if family in ("Max", "Avg", "LP"):
        kwargs["stride"] = rng.choice([None, 1, 2, 3])
    if family in ("Max", "Avg"):
        kwargs["padding"] = rng.randint(0, kernel // 2 + (rng.random() < 0.05))
        kwargs["ceil_mode"] = rng.random() < 0.3
    if family == "Max":
        kwargs["dilation"] = rng.randint(1, 2)
        kwargs["return_indices"] = rng.random() < 0.5
        unpool = kwargs["return_indices"] and rng.random() < 0.7
    if family == "Avg":
        kwargs["count_include_pad"] = rng.random() < 0.5
        if dims > 1 and rng.random() < 0.3:
            kwargs["divisor_override"] = rng.randint(1, 4)
    if family == "AdaptiveMax":
        kwargs["return_indices"] = rng.random() < 0.5
    if family.startswith("Adaptive"):
        size: Any = tuple(rng.choice([None, 1, 2, 3]) for _ in range(dims))
        size = size[0] if dims == 1 or rng.random() < 0.3 else size
        if size is None:
            size = 2
        args: tuple[Any, ...] = (size,)
    elif family == "LP":
        args = (rng.choice([1, 2, 3.0]), kernel)
    else:
        args = (kernel,)
    kind = f"{family}Pool{dims}d"
    unpool_size = rng.random() < 0.5

    def build(lib: Lib) -> Any:
        pool = getattr(lib.nn, kind)(*args, **kwargs)
        if not unpool:
            return pool
        stride = kwargs["stride"]
        return lib.nn.ModuleList(
            [pool, getattr(lib.nn, f"MaxUnpool{dims}d")(kernel, stride, kwargs["padding"])]
        )

    def call(lib: Lib, module: Any, inputs: list[Any]) -> Any:
        if not unpool:
            return module(*inputs)
        out, indices = module[0](inputs[0])
        size = inputs[0].shape if unpool_size else None
        return out, indices, module[1](out, indices, output_size=size)

    return Case(f"{kind}{args}{kwargs} unpool={unpool} x={shape}", build, [x], call)


def _batch_norm(rng: random.Random, nrng: np.random.Generator) -> Case:
    dims = rng.randint(1, 3)
    channels = rng.randint(1, 4)
    kwargs: dict[str, Any] = dict(
        affine=rng.random() < 0.7,
        track_running_stats=rng.random() < 0.7,
        momentum=rng.choice([0.1, None, 0.3]),
        eps=rng.choice([1e-5, 1e-3]),
    )
    extra = 1 if dims == 1 and rng.random() < 0.5 else dims - 1 + (dims > 1)
    if dims == 1:
        spatial = _shape(rng, extra, 2, 4) if extra else ()
    else:
        spatial = _shape(rng, dims, 2, 3)
    # one sample of one value per channel cannot be normalised in training
    shape = (rng.randint(1, 4) if extra == 0 else rng.randint(1, 3), channels) + spatial
    train = rng.random() < 0.6
    kind = f"BatchNorm{dims}d"
    calls = rng.randint(1, 2)

    def build(lib: Lib) -> Any:
        return getattr(lib.nn, kind)(channels, **kwargs)

    def call(lib: Lib, module: Any, args: list[Any]) -> Any:
        outs = [module(args[0] * (i + 1)) for i in range(calls)]
        return outs

    return Case(
        f"{kind}{kwargs} x={shape} train={train}", build, [_normal(nrng, shape)], call, train
    )


def _norm(rng: random.Random, nrng: np.random.Generator) -> Case:
    family = rng.choice(["LayerNorm", "GroupNorm", "InstanceNorm", "RMSNorm"])
    train = rng.random() < 0.6
    if family in ("LayerNorm", "RMSNorm"):
        shape = _shape(rng, rng.randint(1, 4), 2, 4)
        last = rng.randint(1, len(shape))
        normalized = shape[-last:] if rng.random() < 0.7 else shape[-1]
        kwargs: dict[str, Any] = dict(elementwise_affine=rng.random() < 0.7)
        if family == "LayerNorm":
            kwargs["bias"] = rng.random() < 0.7
            kwargs["eps"] = rng.choice([1e-5, 1e-2])
        else:
            kwargs["eps"] = rng.choice([None, 1e-6, 1e-2])

        def build(lib: Lib) -> Any:
            return getattr(lib.nn, family)(normalized, **kwargs)

        name = f"{family}({normalized}, {kwargs}) x={shape}"
    elif family == "GroupNorm":
        groups = rng.randint(1, 3)
        channels = groups * rng.randint(1, 3) + (rng.random() < 0.05)
        shape = (rng.randint(1, 3), channels) + _shape(rng, rng.randint(0, 2), 2, 4)
        kwargs = dict(affine=rng.random() < 0.7, eps=rng.choice([1e-5, 1e-2]))

        def build(lib: Lib) -> Any:
            return lib.nn.GroupNorm(groups, channels, **kwargs)

        name = f"GroupNorm({groups}, {channels}, {kwargs}) x={shape}"
    else:
        dims = rng.randint(1, 3)
        channels = rng.randint(1, 3)
        kwargs = dict(
            affine=rng.random() < 0.5,
            track_running_stats=rng.random() < 0.5,
            momentum=rng.choice([0.1, None]),
        )
        batched = rng.random() < 0.7
        shape = ((rng.randint(1, 3),) if batched else ()) + (channels,) + _shape(rng, dims, 2, 4)
        kind = f"InstanceNorm{dims}d"

        def build(lib: Lib) -> Any:
            return getattr(lib.nn, kind)(channels, **kwargs)

        name = f"{kind}({channels}, {kwargs}) x={shape}"
    return Case(f"{name} train={train}", build, [_normal(nrng, shape)], train=train)


def _lengths(rng: random.Random, batch: int, steps: int, ordered: bool) -> list[int]:
    lengths = [rng.randint(1, steps) for _ in range(batch)]
    lengths[rng.randrange(batch)] = steps
    return sorted(lengths, reverse=True) if ordered else lengths


def _rnn(rng: random.Random, nrng: np.random.Generator) -> Case:
    kind = rng.choice(["RNN", "LSTM", "GRU"])
    size, hidden = rng.randint(1, 4), rng.randint(1, 4)
    kwargs: dict[str, Any] = dict(
        num_layers=rng.randint(1, 3),
        bidirectional=rng.random() < 0.4,
        batch_first=rng.random() < 0.5,
        bias=rng.random() < 0.8,
    )
    if kind == "RNN":
        kwargs["nonlinearity"] = rng.choice(["tanh", "relu"])
    if kind == "LSTM" and rng.random() < 0.4:
        kwargs["proj_size"] = rng.randint(1, hidden) if rng.random() < 0.95 else hidden
    layout = rng.choice(["batched", "batched", "unbatched", "packed"])
    batch, steps = rng.randint(1, 4), rng.randint(1, 4)
    directions = 2 if kwargs["bidirectional"] else 1
    out_hidden = kwargs.get("proj_size", hidden)
    if layout == "unbatched":
        x = _normal(nrng, (steps, size))
        state_batch: tuple[int, ...] = ()
    else:
        x = _normal(nrng, (batch, steps, size) if kwargs["batch_first"] else (steps, batch, size))
        state_batch = (batch,)
    inputs = [x]
    with_state = rng.random() < 0.5
    if with_state:
        inputs.append(_normal(nrng, (kwargs["num_layers"] * directions, *state_batch, out_hidden)))
        if kind == "LSTM":
            inputs.append(_normal(nrng, (kwargs["num_layers"] * directions, *state_batch, hidden)))
    ordered = rng.random() < 0.5
    lengths = _lengths(rng, batch, steps, ordered)

    def build(lib: Lib) -> Any:
        return getattr(lib.nn, kind)(size, hidden, **kwargs)

    def call(lib: Lib, module: Any, args: list[Any]) -> Any:
        data = args[0]
        if layout == "packed" and not ordered:
            _refuse_count_mismatch(data, lengths, kwargs["batch_first"])
        if layout == "packed":
            data = lib.nn.utils.rnn.pack_padded_sequence(
                data, lib.tensor(lengths), kwargs["batch_first"], enforce_sorted=ordered
            )
        state = None
        if with_state:
            state = (args[1], args[2]) if kind == "LSTM" else args[1]
            if kind == "LSTM" and layout == "packed":
                _refuse_packed_lstm_state(args, kwargs, out_hidden, hidden)
        out, last = module(data, state)
        if layout != "packed":
            return out, last
        padded, out_lengths = lib.nn.utils.rnn.pad_packed_sequence(out, kwargs["batch_first"])
        return out, padded, out_lengths, last

    name = f"{kind}({size}, {hidden}, {kwargs}) {layout} state={with_state} x={x.shape}"
    if layout == "packed":
        name += f" lengths={lengths} sorted={ordered}"
    return Case(name, build, inputs, call)


def _refuse_count_mismatch(data: Any, lengths: list[int], batch_first: bool) -> None:
    """Raise where the lengths do not count the batch (a mutated input): arraygrad refuses
    them; torch's ``enforce_sorted=False`` drops the sequences past the count (see the
    module's docstring)."""
    if len(lengths) != data.shape[0 if batch_first else 1]:
        raise RuntimeError("lengths do not count the batch")


def _refuse_packed_lstm_state(
    args: list[Any], kwargs: dict[str, Any], out_hidden: int, hidden: int
) -> None:
    """Raise where an LSTM's state does not fit its packed input (a mutated input): torch
    reads past the state's end there, and may abort (see the module's docstring)."""
    layers = kwargs["num_layers"] * (2 if kwargs["bidirectional"] else 1)
    batch = args[0].shape[0 if kwargs["batch_first"] else 1]
    if tuple(args[1].shape) != (layers, batch, out_hidden) or tuple(args[2].shape) != (
        layers,
        batch,
        hidden,
    ):
        raise RuntimeError("an LSTM state that does not fit the packed input")


def _refuse_batched_state(args: list[Any]) -> None:
    """Raise for an unbatched input with a batched state (a mutated input): arraygrad refuses
    it; torch computes where the state is (hidden_size, hidden_size) (see _rnn_cell)."""
    if args[0].dim() == 1 and any(state.dim() == 2 for state in args[1:]):
        raise RuntimeError("an unbatched input with a batched state")


def _rnn_cell(rng: random.Random, nrng: np.random.Generator) -> Case:
    kind = rng.choice(["RNNCell", "LSTMCell", "GRUCell"])
    # hidden_size 1 lets torch take a (1, 1) state with an unbatched input, and any hidden
    # size a (hidden_size, hidden_size) state (its check of the state reads sizes, not the
    # rank; it broadcasts the input over the state's rows); arraygrad refuses them, as torch
    # does for any other size
    size, hidden = rng.randint(1, 4), rng.randint(2, 4)
    kwargs: dict[str, Any] = dict(bias=rng.random() < 0.8)
    if kind == "RNNCell":
        kwargs["nonlinearity"] = rng.choice(["tanh", "relu"])
    batch: tuple[int, ...] = (rng.randint(1, 3),) if rng.random() < 0.7 else ()
    inputs = [_normal(nrng, (*batch, size))]
    with_state = rng.random() < 0.6
    if with_state:
        inputs += [_normal(nrng, (*batch, hidden)) for _ in range(2 if kind == "LSTMCell" else 1)]

    def build(lib: Lib) -> Any:
        return getattr(lib.nn, kind)(size, hidden, **kwargs)

    def call(lib: Lib, module: Any, args: list[Any]) -> Any:
        if not with_state:
            return module(args[0])
        _refuse_batched_state(args)
        return module(args[0], tuple(args[1:]) if kind == "LSTMCell" else args[1])

    name = f"{kind}({size}, {hidden}, {kwargs}) batch={batch} state={with_state}"
    return Case(name, build, inputs, call)


def _attention_masks(
    rng: random.Random, nrng: np.random.Generator, batch: int, heads: int, target: int, source: int
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """A key padding mask and an attention mask, each bool or float or absent; a bool mask
    never hides every key of a row (torch's softmax of all -inf is NaN in both)."""
    padding = None
    if rng.random() < 0.5:
        hidden = nrng.random((batch, source)) < 0.3
        hidden[:, 0] = False
        padding = hidden if rng.random() < 0.5 else np.where(hidden, -1e9, 0.0) + 0.0
    attn = None
    if rng.random() < 0.5:
        shape = (target, source) if rng.random() < 0.6 else (batch * heads, target, source)
        hidden = nrng.random(shape) < 0.3
        hidden[..., 0] = False
        attn = hidden if rng.random() < 0.5 else nrng.standard_normal(shape)
    return padding, attn


def _attention(rng: random.Random, nrng: np.random.Generator) -> Case:
    heads = rng.randint(1, 3)
    embed = heads * rng.randint(1, 3)
    kwargs: dict[str, Any] = dict(
        bias=rng.random() < 0.8,
        add_bias_kv=rng.random() < 0.3,
        add_zero_attn=rng.random() < 0.3,
        batch_first=rng.random() < 0.5,
    )
    if rng.random() < 0.4:
        kwargs["kdim"] = rng.randint(1, 4)
        kwargs["vdim"] = rng.randint(1, 4)
    batch, target, source = rng.randint(1, 3), rng.randint(1, 4), rng.randint(1, 4)
    unbatched = rng.random() < 0.15
    if unbatched:
        batch = 1

    def layout(steps: int, width: int) -> tuple[int, ...]:
        if unbatched:
            return (steps, width)
        return (batch, steps, width) if kwargs["batch_first"] else (steps, batch, width)

    query = _normal(nrng, layout(target, embed))
    if "kdim" in kwargs or rng.random() < 0.5:
        key = _normal(nrng, layout(source, kwargs.get("kdim", embed)))
        value = _normal(nrng, layout(source, kwargs.get("vdim", embed)))
    else:
        source = target
        key = value = query
    self_attention = key is query
    padding, attn = _attention_masks(rng, nrng, batch, heads, target, source)
    if unbatched and padding is not None:
        padding = padding[0]
    if unbatched and attn is not None and attn.ndim == 3:
        attn = attn[:heads]
    options: dict[str, Any] = dict(
        need_weights=rng.random() < 0.7, average_attn_weights=rng.random() < 0.5
    )
    causal = rng.random() < 0.15
    if causal:
        options["is_causal"] = True
        if attn is None or target != source:
            attn = None if rng.random() < 0.5 else np.triu(np.ones((target, source), bool), 1)
    inputs = [query] if self_attention else [query, key, value]
    masks = [padding, attn]
    for mask in masks:
        if mask is not None:
            inputs.append(mask)
    float_masks = tuple(
        i for i, a in enumerate(inputs) if i >= (1 if self_attention else 3) and a.dtype != bool
    )

    def build(lib: Lib) -> Any:
        return lib.nn.MultiheadAttention(embed, heads, **kwargs)

    def call(lib: Lib, module: Any, args: list[Any]) -> Any:
        q, k, v = (args[0],) * 3 if self_attention else args[:3]
        rest = iter(args[1 if self_attention else 3 :])
        key_mask = next(rest) if padding is not None else None
        attn_mask = next(rest) if attn is not None else None
        return module(q, k, v, key_padding_mask=key_mask, attn_mask=attn_mask, **options)

    def describe(mask: np.ndarray | None) -> str:
        return "-" if mask is None else f"{mask.dtype}{mask.shape}"

    name = (
        f"MHA({embed}, {heads}, {kwargs}) {options} unbatched={unbatched} self={self_attention}"
        f" q={query.shape} k={key.shape} pad={describe(padding)} attn={describe(attn)}"
    )
    return Case(name, build, inputs, call, rng.random() < 0.7, float_masks)


def _transformer(rng: random.Random, nrng: np.random.Generator) -> Case:
    kind = rng.choice(
        ["EncoderLayer", "DecoderLayer", "Transformer", "Encoder", "Decoder", "EncoderLayer"]
    )
    heads = rng.randint(1, 2)
    width = heads * rng.randint(1, 3)
    activation = rng.choice(["relu", "gelu", "silu"])
    kwargs: dict[str, Any] = dict(
        dim_feedforward=rng.randint(1, 6),
        dropout=0.0,
        layer_norm_eps=rng.choice([1e-5, 1e-2]),
        batch_first=rng.random() < 0.5,
        norm_first=rng.random() < 0.5,
        bias=rng.random() < 0.8,
    )
    if kind == "Transformer":
        kwargs["num_encoder_layers"] = rng.randint(1, 2)
        kwargs["num_decoder_layers"] = rng.randint(1, 2)
    layers, final_norm = rng.randint(1, 2), rng.random() < 0.5
    batch, target, source = rng.randint(1, 3), rng.randint(1, 4), rng.randint(1, 4)
    decoding = kind.startswith("Decoder")

    def layout(steps: int) -> tuple[int, ...]:
        return (batch, steps, width) if kwargs["batch_first"] else (steps, batch, width)

    # inputs: the source sequence (memory for a decoder), then the target for those that take
    # one; the masks follow, each under the keyword its module names it
    inputs = [_normal(nrng, layout(source))]
    if kind not in ("EncoderLayer", "Encoder"):
        inputs.append(_normal(nrng, layout(target)))
    src_names = {"EncoderLayer": "src_mask", "Encoder": "mask", "Transformer": "src_mask"}
    causal_names = {"EncoderLayer": "is_causal", "Encoder": "is_causal"}
    named: dict[str, Any] = {}
    float_masks = []
    mask_names = []

    def add_mask(name: str, array: np.ndarray) -> None:
        if array.dtype != bool:
            float_masks.append(len(inputs))
        mask_names.append(name)
        inputs.append(array)

    for mask_name, steps in [(src_names.get(kind), source), ("tgt_mask", target)]:
        if mask_name is None or (
            mask_name == "tgt_mask" and kind in src_names and kind != "Transformer"
        ):
            continue
        if rng.random() < 0.4:
            upper = np.triu(np.ones((steps, steps), bool), 1)
            add_mask(mask_name, upper if rng.random() < 0.5 else np.where(upper, -1e9, 0.0))
            if rng.random() < 0.3:
                named[causal_names.get(kind, "tgt_is_causal")] = True
    if rng.random() < 0.4:
        hidden = nrng.random((batch, source)) < 0.3
        hidden[:, 0] = False
        add_mask("memory_key_padding_mask" if decoding else "src_key_padding_mask", hidden)
    callable_activation = activation == "silu" or rng.random() < 0.3

    def build(lib: Lib) -> Any:
        act: Any = activation
        if callable_activation:
            act = getattr(lib.nn.functional, activation)
        if kind == "Transformer":
            return lib.nn.Transformer(width, heads, activation=act, **kwargs)
        role = "Encoder" if kind.startswith("Encoder") else "Decoder"
        layer = getattr(lib.nn, f"Transformer{role}Layer")(width, heads, activation=act, **kwargs)
        if kind.endswith("Layer"):
            return layer
        norm = lib.nn.LayerNorm(width) if final_norm else None
        if kind == "Encoder":
            return lib.nn.TransformerEncoder(layer, layers, norm, enable_nested_tensor=False)
        return lib.nn.TransformerDecoder(layer, layers, norm)

    def call(lib: Lib, module: Any, args: list[Any]) -> Any:
        positional = args[: 1 if kind in ("EncoderLayer", "Encoder") else 2]
        if decoding:
            positional = positional[::-1]  # (tgt, memory): memory drew the source length
        masks = dict(zip(mask_names, args[len(positional) :], strict=True))
        return module(*positional, **masks, **named)

    name = (
        f"{kind}({width}, {heads}, {activation}, callable={callable_activation}, {kwargs})"
        f" layers={layers} norm={final_norm} batch={batch} src={source} tgt={target}"
        f" masks={mask_names} {named}"
    )
    return Case(name, build, inputs, call, rng.random() < 0.7, tuple(float_masks))


def _embedding(rng: random.Random, nrng: np.random.Generator) -> Case:
    count, dim = rng.randint(2, 6), rng.randint(1, 4)
    bag = rng.random() < 0.5
    kwargs: dict[str, Any] = {}
    if rng.random() < 0.4:
        kwargs["padding_idx"] = rng.randint(-count, count - 1)
    if rng.random() < 0.3:
        kwargs["max_norm"] = rng.choice([0.5, 1.0])
        kwargs["norm_type"] = rng.choice([1.0, 2.0, 3.0])
    if rng.random() < 0.2:
        kwargs["scale_grad_by_freq"] = True
    if rng.random() < 0.03:
        kwargs["padding_idx"] = count  # out of range: both refuse
    if not bag:
        indices = nrng.integers(0, count, size=_shape(rng, rng.randint(0, 3), 1, 4))

        def build(lib: Lib) -> Any:
            return lib.nn.Embedding(count, dim, **kwargs)

        return Case(f"Embedding({count}, {dim}, {kwargs}) idx={indices.shape}", build, [indices])
    mode = rng.choice(["sum", "mean", "max"])
    kwargs["mode"] = mode
    kwargs.pop("scale_grad_by_freq", None)
    if kwargs.get("padding_idx", 0) < 0:
        kwargs["padding_idx"] = kwargs["padding_idx"] + count
    two_d = rng.random() < 0.4
    inputs: list[np.ndarray]
    if two_d:
        inputs = [nrng.integers(0, count, size=(rng.randint(1, 3), rng.randint(1, 4)))]
        offsets = None
    else:
        total = rng.randint(1, 8)
        inputs = [nrng.integers(0, count, size=(total,))]
        bags = rng.randint(1, 4)
        cuts = sorted(rng.randint(0, total) for _ in range(bags - 1))
        offsets = [0, *cuts]
        include_last = rng.random() < 0.4
        if include_last:
            kwargs["include_last_offset"] = True
            offsets.append(total)
        inputs.append(np.array(offsets))
    weighted = rng.random() < (0.5 if mode == "sum" else 0.05)  # only "sum" takes weights
    if weighted:
        inputs.append(_normal(nrng, inputs[0].shape))

    def build_bag(lib: Lib) -> Any:
        return lib.nn.EmbeddingBag(count, dim, **kwargs)

    def call(lib: Lib, module: Any, args: list[Any]) -> Any:
        index = args[0]
        offset = args[1] if offsets is not None else None
        weights = args[-1] if weighted else None
        return module(index, offset, per_sample_weights=weights)

    name = f"EmbeddingBag({count}, {dim}, {kwargs}) idx={inputs[0].shape} offsets={offsets}"
    return Case(f"{name} weighted={weighted}", build_bag, inputs, call)


def _circular_once(padding: tuple[int, ...], shape: tuple[int, ...]) -> tuple[int, ...]:
    """``padding`` without its crops where circular padding would wrap more than once around
    what a crop kept: torch raises or reads memory it never wrote, depending on the layout;
    arraygrad raises (seed 31316; the functional fuzzer leaves them out the same way)."""
    for axis in range(len(padding) // 2):
        before, after = padding[2 * axis], padding[2 * axis + 1]
        kept = shape[-1 - axis] + min(before, 0) + min(after, 0)
        if min(before, after) < 0 and max(before, after) > max(kept, 0) - (kept <= 0):
            return tuple(max(p, 0) for p in padding)
    return padding


def _misc(rng: random.Random, nrng: np.random.Generator) -> Case:
    family = rng.choice(["Bilinear", "PReLU", "Upsample", "Pixel", "Fold", "Flatten", "Pad"])
    batch = rng.randint(1, 3)
    if family == "Pad":
        dims = rng.randint(1, 3)
        kind = rng.choice(["Reflection", "Replication", "Circular", "Zero", "Constant"])
        padding: Any = rng.randint(0, 2)
        if rng.random() < 0.6:  # per side, negative sizes crop
            padding = tuple(rng.randint(-2, 2) for _ in range(2 * dims))
        shape = _shape(rng, dims + rng.choice([0, 1, 1, 1, 2, 2, 2, 3]), 2, 5)
        if kind == "Circular" and isinstance(padding, tuple) and len(shape) > dims:
            padding = _circular_once(padding, shape)
        pad_args = (padding, 1.5) if kind == "Constant" else (padding,)

        def build_pad(lib: Lib) -> Any:
            return getattr(lib.nn, f"{kind}Pad{dims}d")(*pad_args)

        return Case(f"{kind}Pad{dims}d{pad_args} x={shape}", build_pad, [_normal(nrng, shape)])
    if family == "Bilinear":
        a, b, out = rng.randint(1, 3), rng.randint(1, 3), rng.randint(1, 3)
        bias = rng.random() < 0.7
        lead = _shape(rng, rng.randint(0, 2), 1, 3)
        inputs = [_normal(nrng, (*lead, a)), _normal(nrng, (*lead, b))]

        def build(lib: Lib) -> Any:
            return lib.nn.Bilinear(a, b, out, bias=bias)

        return Case(f"Bilinear({a}, {b}, {out}, {bias}) lead={lead}", build, inputs)
    if family == "PReLU":
        channels = rng.randint(1, 3)
        count = rng.choice([1, channels])
        init = rng.choice([0.25, -0.5])
        shape = (batch, channels) + _shape(rng, rng.randint(0, 2), 1, 3)

        def build(lib: Lib) -> Any:
            return lib.nn.PReLU(count, init)

        return Case(f"PReLU({count}, {init}) x={shape}", build, [_normal(nrng, shape)])
    if family == "Upsample":
        dims = rng.randint(1, 3)
        modes = ["nearest", "nearest-exact", ["linear", "bilinear", "trilinear"][dims - 1]]
        if dims == 2:
            modes.append("bicubic")
        mode = rng.choice(modes)
        kwargs: dict[str, Any] = dict(mode=mode)
        if rng.random() < 0.5:
            kwargs["size"] = _shape(rng, dims, 1, 6) if rng.random() < 0.7 else rng.randint(1, 6)
        else:
            scale = rng.choice([0.5, 1.5, 2, 2.5])
            kwargs["scale_factor"] = scale if rng.random() < 0.7 else (scale,) * dims
        if mode not in ("nearest", "nearest-exact") and rng.random() < 0.5:
            kwargs["align_corners"] = rng.random() < 0.5
        shape = (batch, rng.randint(1, 2)) + _shape(rng, dims, 2, 4)

        def build(lib: Lib) -> Any:
            return lib.nn.Upsample(**kwargs)

        return Case(f"Upsample({kwargs}) x={shape}", build, [_normal(nrng, shape)])
    if family == "Pixel":
        factor = rng.randint(1, 3)
        unshuffle = rng.random() < 0.5
        lead = _shape(rng, rng.randint(0, 2), 1, 2)
        if unshuffle:
            shape = (*lead, rng.randint(1, 2), factor * rng.randint(1, 2), factor * 2)
        else:
            shape = (*lead, factor * factor * rng.randint(1, 2), 2, 3)
        kind = "PixelUnshuffle" if unshuffle else "PixelShuffle"

        def build(lib: Lib) -> Any:
            return getattr(lib.nn, kind)(factor)

        return Case(f"{kind}({factor}) x={shape}", build, [_normal(nrng, shape)])
    if family == "Fold":
        kernel = _shape(rng, 2, 1, 3) if rng.random() < 0.5 else rng.randint(1, 3)
        kwargs = dict(
            dilation=rng.randint(1, 2), padding=rng.randint(0, 1), stride=rng.randint(1, 2)
        )
        channels = rng.randint(1, 2)
        spatial = _shape(rng, 2, 3, 5)
        batched = rng.random() < 0.8
        shape = ((batch,) if batched else ()) + (channels,) + spatial
        x = _normal(nrng, shape)
        fold = rng.random() < 0.5

        def build(lib: Lib) -> Any:
            unfold = lib.nn.Unfold(kernel, **kwargs)
            if not fold:
                return unfold
            return lib.nn.Sequential(unfold, lib.nn.Fold(spatial, kernel, **kwargs))

        return Case(f"Unfold/Fold={fold}({kernel}, {kwargs}) x={shape}", build, [x])
    shape = _shape(rng, rng.randint(1, 4), 1, 3)
    if rng.random() < 0.5:
        start, end = rng.randint(-len(shape), len(shape) - 1), rng.randint(-len(shape), -1)

        def build(lib: Lib) -> Any:
            return lib.nn.Flatten(start, end)

        return Case(f"Flatten({start}, {end}) x={shape}", build, [_normal(nrng, shape)])
    dim = rng.randint(-len(shape), len(shape) - 1)
    size = shape[dim]
    sizes = rng.choice([(size,), (size, 1), (1, size), (-1, 1), (size, -1)])

    def build_unflatten(lib: Lib) -> Any:
        return lib.nn.Unflatten(dim, sizes)

    return Case(f"Unflatten({dim}, {sizes}) x={shape}", build_unflatten, [_normal(nrng, shape)])


def _container(rng: random.Random, nrng: np.random.Generator) -> Case:
    width = rng.randint(1, 3)
    layers = rng.randint(1, 5)
    plan = [rng.choice(["Linear", "Tanh", "ReLU"]) for _ in range(layers)]
    op = rng.choice(["slice", "index", "append", "insert", "extend", "delete", "list", "dict"])
    step = rng.choice([None, 1, 2, -1])
    start = rng.randint(-layers, layers)
    where = rng.randint(-layers, layers)
    key_order = rng.sample(range(layers), layers)

    def make(lib: Lib, name: str) -> Any:
        return lib.nn.Linear(width, width) if name == "Linear" else getattr(lib.nn, name)()

    def build(lib: Lib) -> Any:
        modules = [make(lib, name) for name in plan]
        if op in ("list", "dict"):
            seq = lib.nn.Sequential(*modules)
            if op == "list":
                listed = lib.nn.ModuleList(modules[:1])
                listed.extend(modules[1:])
                # torch's ModuleList.insert takes no negative index (KeyError): see the docstring
                listed.insert(where % (layers + 1), lib.nn.Linear(width, width))
                listed += lib.nn.ModuleList([lib.nn.Tanh()])
                return lib.nn.Sequential(*listed[::-1][::-1])
            named = lib.nn.ModuleDict({f"m{k}": modules[k] for k in key_order})
            named.update({"last": lib.nn.Linear(width, width)})
            if layers > 1:
                del named[f"m{key_order[0]}"]
            named.pop("last")
            del seq
            return lib.nn.Sequential(*named.values())
        seq = lib.nn.Sequential(*modules)
        if op == "slice":
            return seq[start::step] if step != -1 else seq[start:]
        if op == "index":
            return lib.nn.Sequential(seq[where % layers])
        if op == "append":
            return seq.append(lib.nn.Linear(width, width))
        if op == "insert":
            return seq.insert(where, lib.nn.Linear(width, width))
        if op == "extend":
            return seq.extend([lib.nn.ReLU(), lib.nn.Linear(width, width)])
        del seq[where % layers :]
        return seq

    shape = (rng.randint(1, 3), width)
    name = f"container {op} {plan} start={start} step={step} where={where} order={key_order}"
    return Case(name, build, [_normal(nrng, shape)])


GENERATORS: list[Callable[[random.Random, np.random.Generator], Case]] = [
    _conv,
    _conv,
    _pool,
    _batch_norm,
    _norm,
    _rnn,
    _rnn,
    _rnn_cell,
    _attention,
    _attention,
    _transformer,
    _embedding,
    _misc,
    _container,
]


def _mutate(rng: random.Random, case: Case) -> Case:
    """Reshape one floating input wrongly: a dimension more or fewer, or one size off by one
    (torch mostly raises; where it computes, the values are compared as any other call)."""
    floating = [i for i, a in enumerate(case.inputs) if a.dtype.kind == "f" and a.ndim]
    if not floating:
        return case
    index = rng.choice(floating)
    array = case.inputs[index]
    how = rng.choice(["drop", "add", "grow"])
    if how == "drop":
        array = array[0]
    elif how == "add":
        array = array[None]
    else:
        axis = rng.randrange(array.ndim)
        array = np.concatenate([array, array.take([0], axis=axis)], axis=axis)
    inputs = list(case.inputs)
    inputs[index] = array
    return Case(
        f"{case.name} input {index} {how}", case.build, inputs, case.call, case.train, case.no_grad
    )


def draw(seed: int) -> Case:
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    case = GENERATORS[seed % len(GENERATORS)](rng, nrng)
    return _mutate(rng, case) if rng.random() < 0.1 else case


# The comparison.


def _flat(value: Any) -> list[Any]:
    if isinstance(value, (tuple, list)):
        return [x for item in value for x in _flat(item)]
    if type(value).__name__ == "PackedSequence":
        return _flat(tuple(value))
    return [value]


def _numpy(value: Any) -> np.ndarray:
    return np.asarray(value.detach().numpy())


def _randomise(module: torch.nn.Module, nrng: np.random.Generator) -> None:
    """Redraw every floating parameter and the running statistics, so unit weights, zero
    biases and a fresh module's running mean 0 and variance 1 hide nothing."""
    with torch.no_grad():
        for parameter in module.parameters():
            if parameter.is_floating_point():
                parameter.copy_(torch.tensor(nrng.standard_normal(tuple(parameter.shape))))
        for name, buffer in module.named_buffers():
            if name.endswith("running_mean"):
                buffer.copy_(torch.tensor(nrng.standard_normal(tuple(buffer.shape))))
            elif name.endswith("running_var"):
                buffer.copy_(torch.tensor(nrng.uniform(0.5, 2.0, tuple(buffer.shape))))
            elif name.endswith("num_batches_tracked"):
                buffer.fill_(int(nrng.integers(0, 5)))


def _state(module: Any) -> dict[str, tuple[tuple[int, ...], str, np.ndarray]]:
    return {
        name: (tuple(value.shape), str(value.dtype).split(".")[-1], _numpy(value))
        for name, value in module.state_dict().items()
    }


def _assert_same_state(mine: Any, theirs: Any, when: str) -> None:
    ours, torchs = _state(mine), _state(theirs)
    assert list(ours) == list(torchs), when
    for name, (shape, dtype, array) in torchs.items():
        assert ours[name][:2] == (shape, dtype), f"{when}: {name}"
        np.testing.assert_allclose(
            ours[name][2], array, rtol=1e-7, atol=1e-9, err_msg=f"{when}: {name}"
        )


def _tensor(lib: Lib, array: np.ndarray, grad: bool) -> Any:
    return lib.tensor(array, requires_grad=grad and np.issubdtype(array.dtype, np.floating))


def run_case(case: Case, seed: int) -> None:
    """Assert arraygrad does what torch does on ``case``: values, gradients, state, errors."""
    torch.manual_seed(seed)
    try:
        th_mod = case.build(torch)
    except Exception as error:
        with pytest.raises(type(error)):
            case.build(ag)
        return
    th_mod = th_mod.double()
    ag_mod = case.build(ag).double()
    assert repr(ag_mod) == repr(th_mod)
    nrng = np.random.default_rng(seed + 1)
    _randomise(th_mod, nrng)
    ag_mod.load_state_dict(
        {k: ag.tensor(v.detach().numpy()) for k, v in th_mod.state_dict().items()}, strict=True
    )
    _assert_same_state(ag_mod, th_mod, "after load")
    th_mod.train(case.train)
    ag_mod.train(case.train)

    differentiable = [i not in case.no_grad for i in range(len(case.inputs))]
    th_in = [_tensor(torch, a, d) for a, d in zip(case.inputs, differentiable, strict=True)]
    ag_in = [_tensor(ag, a, d) for a, d in zip(case.inputs, differentiable, strict=True)]
    try:
        th_out = _flat(case.call(torch, th_mod, th_in))
    except Exception as error:
        with pytest.raises(type(error)):
            case.call(ag, ag_mod, ag_in)
        return
    ag_out = _flat(case.call(ag, ag_mod, ag_in))
    assert len(ag_out) == len(th_out)
    for index, (mine, theirs) in enumerate(zip(ag_out, th_out, strict=True)):
        if theirs is None:
            assert mine is None, f"output {index}"
            continue
        assert tuple(mine.shape) == tuple(theirs.shape), f"output {index}"
        assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1], index
        np.testing.assert_allclose(
            _numpy(mine), _numpy(theirs), rtol=1e-7, atol=1e-9, err_msg=f"output {index}"
        )
    _assert_same_state(ag_mod, th_mod, "after the call")

    crng = np.random.default_rng(seed + 2)
    pairs = [(m, t) for m, t in zip(ag_out, th_out, strict=True) if t is not None]
    pairs = [(m, t) for m, t in pairs if t.requires_grad]
    if not pairs:
        return
    cotangents = [crng.standard_normal(tuple(t.shape)) for _, t in pairs]
    th_total = sum((t * torch.tensor(c)).sum() for (_, t), c in zip(pairs, cotangents, strict=True))
    ag_total = sum((m * ag.tensor(c)).sum() for (m, _), c in zip(pairs, cotangents, strict=True))
    th_total.backward()
    ag_total.backward()
    for index, (mine, theirs) in enumerate(zip(ag_in, th_in, strict=True)):
        if theirs.grad is None:
            assert mine.grad is None or not np.any(_numpy(mine.grad)), f"input {index}"
            continue
        assert mine.grad is not None, f"input {index}"
        np.testing.assert_allclose(
            _numpy(mine.grad), _numpy(theirs.grad), rtol=1e-7, atol=1e-9, err_msg=f"input {index}"
        )
    th_params = dict(th_mod.named_parameters())
    ag_params = dict(ag_mod.named_parameters())
    assert list(ag_params) == list(th_params)
    for name, theirs in th_params.items():
        mine = ag_params[name]
        if theirs.grad is None:
            assert mine.grad is None or not np.any(_numpy(mine.grad)), name
            continue
        assert mine.grad is not None, f"no gradient for {name}"
        np.testing.assert_allclose(
            _numpy(mine.grad), _numpy(theirs.grad), rtol=1e-7, atol=1e-9, err_msg=name
        )


@pytest.mark.parametrize("block", range(10))
def test_random_modules_match_torch(block: int) -> None:
    for seed in range(block * 100, (block + 1) * 100):
        case = draw(seed)
        try:
            run_case(case, seed)
        except AssertionError as error:
            raise AssertionError(f"seed {seed}: {case.name}") from error


if __name__ == "__main__":
    first, count = int(sys.argv[1]), int(sys.argv[2])
    for seed in range(first, first + count):
        case = draw(seed)
        try:
            run_case(case, seed)
        except BaseException:  # every failure is a finding; keep going
            summary = traceback.format_exc().strip().splitlines()[-1]
            print(f"seed {seed}: {case.name}\n    {summary[:300]}", flush=True)
