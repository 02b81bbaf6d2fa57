"""``nn.utils.rnn`` (padding and packed sequences) and packed input to RNN, LSTM and GRU,
against torch 2.13.0 in float64."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.utils.rnn as torch_rnn

import arraygrad as ag
import arraygrad.nn.utils.rnn as ag_rnn
from tests.nn._compare import compare_module
from tests.oracle import check_against_torch

rng = np.random.default_rng(11)


def _rnn(x: Any) -> Any:
    """The ``nn.utils.rnn`` module of the library ``x`` belongs to."""
    return torch_rnn if isinstance(x, torch.Tensor) else ag_rnn


def _lib(x: Any) -> Any:
    return torch if isinstance(x, torch.Tensor) else ag


def _same_message(mine: BaseException, theirs: BaseException) -> None:
    """Torch's text first, up to the library's name in dtypes (``torch.float64``); arraygrad's
    message may then name the fix."""
    assert str(mine).replace("arraygrad.", "torch.").startswith(str(theirs))


def test_import_paths_follow_torch() -> None:
    from arraygrad.nn.utils.rnn import pad_sequence

    assert ag.nn.utils.rnn.pad_sequence is pad_sequence
    assert sorted(ag_rnn.__all__) == sorted(torch_rnn.__all__)


# --- pad_sequence ------------------------------------------------------------------------------


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
@pytest.mark.parametrize("trailing", [(), (2, 3)])
def test_pad_sequence_values_and_gradients(
    batch_first: bool, padding_side: str, trailing: tuple[int, ...]
) -> None:
    seqs = [rng.standard_normal((n, *trailing)) for n in (3, 5, 1, 5, 0)]

    def fn(*xs: Any) -> Any:
        return _rnn(xs[0]).pad_sequence(
            list(xs), batch_first=batch_first, padding_value=-2.5, padding_side=padding_side
        )

    check_against_torch(fn, None, seqs)


def test_pad_sequence_dtype_broadcast_and_tensor_input() -> None:
    cases = [
        # later sequences take the first one's dtype; an int result truncates the padding
        lambda lib: lib.nn.utils.rnn.pad_sequence([lib.ones(2), lib.ones(3, dtype=lib.float64)]),
        lambda lib: lib.nn.utils.rnn.pad_sequence(
            [lib.ones(2, dtype=lib.int64), lib.ones(3, dtype=lib.int64)], padding_value=2.5
        ),
        # a sequence with fewer trailing dimensions broadcasts into its slot, as torch copies it
        lambda lib: lib.nn.utils.rnn.pad_sequence([lib.ones(2, 3), lib.arange(3.0)]),
        # a tensor is an iterable of its rows
        lambda lib: lib.nn.utils.rnn.pad_sequence(lib.arange(6.0).reshape(2, 3), True),
    ]
    for case in cases:
        theirs, mine = case(torch), case(ag)
        assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


# --- packing -----------------------------------------------------------------------------------

LENGTHS = {
    "sorted": [5, 4, 4, 2, 1],
    "equal": [3, 3, 3],
    "one_step": [1, 1],
    "single": [4],
    "shuffled": [2, 5, 1, 4, 5, 3],
}


def _padded(lengths: list[int], batch_first: bool, trailing: tuple[int, ...] = (3,)) -> Any:
    shape = (len(lengths), max(lengths)) if batch_first else (max(lengths), len(lengths))
    return rng.standard_normal((*shape, *trailing))


@pytest.mark.parametrize("name", sorted(LENGTHS))
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("as_tensor", [False, True])
def test_pack_and_pad_round_trip(name: str, batch_first: bool, as_tensor: bool) -> None:
    lengths = LENGTHS[name]
    enforce_sorted = name != "shuffled"

    def fn(x: Any) -> Any:
        rnn, lib = _rnn(x), _lib(x)
        given = lib.tensor(lengths) if as_tensor else lengths
        packed = rnn.pack_padded_sequence(x, given, batch_first, enforce_sorted)
        padded, out_lengths = rnn.pad_packed_sequence(
            packed, batch_first, padding_value=7.0, total_length=max(lengths) + 1
        )
        # every tensor a PackedSequence holds, compared with torch's
        extras = [packed.sorted_indices, packed.unsorted_indices]
        extras = [e if e is not None else lib.zeros(0, dtype=lib.int64) for e in extras]
        return packed.data * 3, packed.batch_sizes, *extras, padded, out_lengths

    check_against_torch(fn, None, [_padded(lengths, batch_first)])


def test_pack_sequence_unpack_and_unpad() -> None:
    seqs = [rng.standard_normal((n, 2)) for n in (2, 4, 1, 3)]

    def fn(*xs: Any) -> Any:
        rnn = _rnn(xs[0])
        packed = rnn.pack_sequence(list(xs), enforce_sorted=False)
        back = rnn.unpack_sequence(packed)
        padded = rnn.pad_sequence(list(xs))
        lengths = _lib(xs[0]).tensor([len(x) for x in xs])
        # torch transposes a time-first input in place; pass a copy so both see the same tensor
        unpadded = rnn.unpad_sequence(padded.clone(), lengths)
        return packed.data, *[b * 2 for b in back], *[u * 3 for u in unpadded]

    check_against_torch(fn, None, seqs)
    sorted_seqs = [ag.tensor(rng.standard_normal((n,))) for n in (3, 2, 2)]
    packed = ag_rnn.pack_sequence(sorted_seqs)
    assert packed.sorted_indices is None and packed.unsorted_indices is None


def test_packed_sequence_behaves_as_torch() -> None:
    lengths = [3, 1, 2]
    x = np.arange(9).reshape(3, 3)
    theirs = torch_rnn.pack_padded_sequence(torch.tensor(x), lengths, enforce_sorted=False)
    mine = ag_rnn.pack_padded_sequence(ag.tensor(x), lengths, enforce_sorted=False)
    assert repr(mine) == repr(theirs)
    assert mine.batch_sizes.dtype == ag.int64 and not mine.is_cuda
    assert mine.to("cpu") is mine and mine.long() is mine and mine.cpu() is mine
    for method in ["float", "double", "int", "half", "short", "char", "byte"]:
        mine_data, theirs_data = getattr(mine, method)().data, getattr(theirs, method)().data
        assert str(mine_data.dtype).split(".")[-1] == str(theirs_data.dtype).split(".")[-1]
    converted = mine.to(ag.float64)
    assert converted.batch_sizes is mine.batch_sizes
    assert converted.unsorted_indices is mine.unsorted_indices
    data, batch_sizes, sorted_indices, unsorted_indices = mine
    assert batch_sizes.tolist() == [3, 2, 1] and sorted_indices.tolist() == [0, 2, 1]
    # PackedSequence(data, batch_sizes, sorted_indices) fills in the inverse permutation
    rebuilt = ag_rnn.PackedSequence(data, batch_sizes, sorted_indices)
    assert rebuilt.unsorted_indices.tolist() == unsorted_indices.tolist() == [0, 2, 1]
    assert ag_rnn.PackedSequence((data, batch_sizes)).batch_sizes is batch_sizes
    with pytest.raises(RuntimeError, match="not available"):
        mine.cuda()


# --- errors ------------------------------------------------------------------------------------

ERRORS = {
    "unsorted": lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.ones(4, 3), [4, 2, 3]),
    "zero_length": lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.ones(4, 3), [4, 3, 0]),
    "zero_unsorted": lambda lib: lib.nn.utils.rnn.pack_padded_sequence(
        lib.ones(4, 3), [0, 4, 3], enforce_sorted=False
    ),
    "negative": lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.ones(4, 3), [4, 3, -1]),
    "count": lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.ones(4, 3), [4, 3]),
    "2d_lengths": lambda lib: lib.nn.utils.rnn.pack_padded_sequence(
        lib.ones(4, 3), lib.tensor([[4, 3, 1]])
    ),
    "empty": lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.ones(0, 3), [0, 0, 0]),
    "1d_input": lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.ones(4), [4]),
    "total_length": lambda lib: lib.nn.utils.rnn.pad_packed_sequence(
        lib.nn.utils.rnn.pack_sequence([lib.ones(3), lib.ones(2)]), total_length=2
    ),
    "pad_empty": lambda lib: lib.nn.utils.rnn.pad_sequence([]),
    "pad_not_iterable": lambda lib: lib.nn.utils.rnn.pad_sequence(5),
    "pad_side": lambda lib: lib.nn.utils.rnn.pad_sequence([lib.ones(2)], padding_side="middle"),
    "pad_trailing": lambda lib: lib.nn.utils.rnn.pad_sequence([lib.ones(2, 3), lib.ones(3, 4)]),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_torch(name: str) -> None:
    with pytest.raises((RuntimeError, ValueError, IndexError)) as theirs:
        ERRORS[name](torch)
    with pytest.raises(theirs.type) as mine:
        ERRORS[name](ag)
    _same_message(mine.value, theirs.value)


def test_lengths_beyond_the_input_are_refused() -> None:
    # torch 2.13 reads past the input and returns garbage here; arraygrad raises instead.
    with pytest.raises(RuntimeError, match="at most the input's sequence length 4"):
        ag_rnn.pack_padded_sequence(ag.ones(4, 3), [5, 3, 1])
    # torch fails inside index_select ("INDICES element is out of DATA bounds"); arraygrad
    # says what is wrong.
    with pytest.raises(RuntimeError, match=r"but got 4 \(batch_size=3\)"):
        ag_rnn.pack_padded_sequence(ag.ones(4, 3), [4, 3, 2, 1], enforce_sorted=False)


# --- recurrent layers on packed input ----------------------------------------------------------

KINDS = {
    "RNN_tanh": ("RNN", {}),
    "RNN_relu": ("RNN", {"nonlinearity": "relu"}),
    "GRU": ("GRU", {}),
    "LSTM": ("LSTM", {}),
    "LSTM_proj": ("LSTM", {"proj_size": 2}),
}
SHAPES = {
    "single": {},
    "bidirectional_two_layers": {"num_layers": 2, "bidirectional": True},
    "two_layers_no_bias": {"num_layers": 2, "bias": False},
}


def _packed_call(lengths: list[int], batch_first: bool, enforce_sorted: bool, lstm: bool) -> Any:
    """Pack the padded input, run the layer (with ``hx`` when given), return every output."""

    def call(module: Any, args: list[Any]) -> Any:
        rnn = _rnn(args[0])
        packed = rnn.pack_padded_sequence(args[0], lengths, batch_first, enforce_sorted)
        if len(args) == 1:
            hx = None
        else:
            hx = (args[1], args[2]) if lstm else args[1]
        output, hidden = module(packed, hx)
        assert isinstance(output, rnn.PackedSequence)
        assert output.batch_sizes is packed.batch_sizes
        padded, out_lengths = rnn.pad_packed_sequence(output, batch_first=batch_first)
        assert out_lengths.tolist() == lengths
        return output.data, padded, hidden

    return call


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("name", ["sorted", "shuffled", "equal", "one_step"])
def test_recurrent_layer_on_packed_input(kind: str, shape: str, name: str) -> None:
    module, options = KINDS[kind]
    options = {**options, **SHAPES[shape]}
    lengths = LENGTHS[name]
    batch_first = name in ("shuffled", "one_step")
    # The layer's batch_first never applies to packed input: set it to the opposite to show it.
    options["batch_first"] = not batch_first
    x = _padded(lengths, batch_first, (3,))
    call = _packed_call(lengths, batch_first, name != "shuffled", module == "LSTM")
    compare_module(lambda nn: getattr(nn, module)(3, 4, **options), [x], call=call)


# torch 2.13 refuses packed input with an initial state for an LSTM with projections ("got an
# incorrect number of RNN parameters"); test_lstm_projection_on_packed_input_with_initial_state
# checks arraygrad's result against torch run on each sequence alone.
@pytest.mark.parametrize("kind", sorted(set(KINDS) - {"LSTM_proj"}))
def test_recurrent_layer_on_packed_input_with_initial_state(kind: str) -> None:
    module, options = KINDS[kind]
    lengths = LENGTHS["shuffled"]
    x = _padded(lengths, False, (2,))
    states = [
        rng.standard_normal((4, len(lengths), 3)) for _ in range(2 if module == "LSTM" else 1)
    ]
    call = _packed_call(lengths, False, False, module == "LSTM")
    compare_module(
        lambda nn: getattr(nn, module)(2, 3, num_layers=2, bidirectional=True, **options),
        [x, *states],
        call=call,
    )


def test_lstm_projection_on_packed_input_with_initial_state() -> None:
    lengths = LENGTHS["shuffled"]
    x = _padded(lengths, False, (2,))
    h0 = rng.standard_normal((4, len(lengths), 2))
    c0 = rng.standard_normal((4, len(lengths), 3))
    torch.manual_seed(0)
    theirs = torch.nn.LSTM(2, 3, num_layers=2, bidirectional=True, proj_size=2).double()
    mine = ag.nn.LSTM(2, 3, num_layers=2, bidirectional=True, proj_size=2).double()
    mine.load_state_dict({k: ag.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    th_in = [torch.tensor(a, requires_grad=True) for a in (x, h0, c0)]
    ag_in = [ag.tensor(a, requires_grad=True) for a in (x, h0, c0)]
    packed = ag_rnn.pack_padded_sequence(ag_in[0], lengths, enforce_sorted=False)
    output, (h_n, c_n) = mine(packed, (ag_in[1], ag_in[2]))
    padded, _ = ag_rnn.pad_packed_sequence(output)
    # torch, one unbatched sequence at a time: no packing, so its state is its own.
    th_out, th_h, th_c = [], [], []
    for i, n in enumerate(lengths):
        out_i, (h_i, c_i) = theirs(th_in[0][:n, i], (th_in[1][:, i], th_in[2][:, i]))
        th_out.append(torch.nn.functional.pad(out_i, (0, 0, 0, max(lengths) - n)))
        th_h.append(h_i)
        th_c.append(c_i)
    expected = [torch.stack(th_out, 1), torch.stack(th_h, 1), torch.stack(th_c, 1)]
    weights = [rng.standard_normal(tuple(e.shape)) for e in expected]
    for got, want in zip([padded, h_n, c_n], expected, strict=True):
        np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-10)
    sum(
        (g * ag.tensor(w)).sum() for g, w in zip([padded, h_n, c_n], weights, strict=True)
    ).backward()
    sum((e * torch.tensor(w)).sum() for e, w in zip(expected, weights, strict=True)).backward()
    for got, want in zip(ag_in, th_in, strict=True):
        np.testing.assert_allclose(got.grad.numpy(), want.grad.numpy(), rtol=1e-9, atol=1e-12)
    for name, param in theirs.named_parameters():
        np.testing.assert_allclose(
            getattr(mine, name).grad.numpy(), param.grad.numpy(), rtol=1e-9, atol=1e-12
        )


PACKED_ERRORS = {
    "input_size": lambda lib: lib.nn.GRU(2, 5)(
        lib.nn.utils.rnn.PackedSequence(lib.ones(9, 3), lib.tensor([3, 3, 3]))
    ),
    "dims": lambda lib: lib.nn.RNN(2, 5)(
        lib.nn.utils.rnn.PackedSequence(lib.ones(9, 2, 1), lib.tensor([3, 3, 3]))
    ),
    "dtype": lambda lib: lib.nn.GRU(2, 5)(
        lib.nn.utils.rnn.PackedSequence(lib.ones(9, 2, dtype=lib.float64), lib.tensor([3, 3, 3]))
    ),
    "hidden": lambda lib: lib.nn.RNN(2, 5)(
        lib.nn.utils.rnn.pack_sequence([lib.ones(3, 2), lib.ones(2, 2)]), lib.zeros(1, 3, 5)
    ),
    "unbatched_hidden": lambda lib: lib.nn.GRU(2, 5)(
        lib.nn.utils.rnn.pack_sequence([lib.ones(3, 2), lib.ones(2, 2)]), lib.zeros(2, 5)
    ),
}


@pytest.mark.parametrize("name", sorted(PACKED_ERRORS))
def test_packed_input_errors_match_torch(name: str) -> None:
    with pytest.raises((RuntimeError, ValueError)) as theirs:
        PACKED_ERRORS[name](torch)
    with pytest.raises(theirs.type) as mine:
        PACKED_ERRORS[name](ag)
    _same_message(mine.value, theirs.value)


def test_lstm_packed_hidden_size_is_checked() -> None:
    packed = ag_rnn.pack_sequence([ag.ones(3, 2), ag.ones(2, 2)])
    h, c = ag.zeros(1, 2, 5), ag.zeros(1, 3, 5)
    with pytest.raises(
        RuntimeError, match=r"Expected hidden\[1\] size \(1, 2, 5\), got \[1, 3, 5\]"
    ):
        ag.nn.LSTM(2, 5)(packed, (h, c))
    # With projections h has proj_size features and c hidden_size (torch 2.13 refuses any
    # initial state here, so the messages are those of its unpacked input).
    lstm = ag.nn.LSTM(2, 5, proj_size=3)
    with pytest.raises(
        RuntimeError, match=r"Expected hidden\[0\] size \(1, 2, 3\), got \[1, 2, 5\]"
    ):
        lstm(packed, (ag.zeros(1, 2, 5), ag.zeros(1, 2, 5)))
    with pytest.raises(
        RuntimeError, match=r"Expected hidden\[1\] size \(1, 2, 5\), got \[1, 2, 3\]"
    ):
        lstm(packed, (ag.zeros(1, 2, 3), ag.zeros(1, 2, 3)))


def test_lstm_dtype_error_names_rnn_as_torch() -> None:
    x = np.zeros((4, 3, 2))
    with pytest.raises(ValueError) as theirs:
        torch.nn.LSTM(2, 3)(torch.tensor(x))
    with pytest.raises(ValueError) as mine:
        ag.nn.LSTM(2, 3)(ag.tensor(x))
    _same_message(mine.value, theirs.value)
