"""Padding and packing of variable-length sequences, PyTorch's ``torch.nn.utils.rnn``.

A batch of sequences of different lengths travels either *padded*, one ``(T, B, *)`` tensor with
filler after each sequence's end, or *packed*: a :class:`PackedSequence` whose ``data`` holds the
rows of every sequence still running at step 0, then at step 1, and so on (sequences sorted by
decreasing length), with ``batch_sizes[t]`` the number of rows of step ``t``. The recurrent layers
of :mod:`arraygrad.nn` accept packed input and then skip the padding entirely.

Every conversion here is one gather (``index_select``) of the rows, so it is differentiable
through the data and costs one indexing op whatever the number of steps.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import accumulate as _accumulate
from itertools import pairwise as _pairwise
from typing import TYPE_CHECKING, Any, NamedTuple

from arraygrad import _dtype
from arraygrad._creation import as_tensor as _as_tensor
from arraygrad._creation import full as _full
from arraygrad._shape import cat as _cat
from arraygrad._sorting import sort as _sort
from arraygrad._tensor import Tensor

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "PackedSequence",
    "invert_permutation",
    "pack_padded_sequence",
    "pack_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "unpack_sequence",
    "unpad_sequence",
]


class PackedSequence_(NamedTuple):  # noqa: N801 - PyTorch's name for the tuple's fields
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(PackedSequence_):
    """A packed batch: ``data`` (``(sum(lengths), *)``), ``batch_sizes`` (int64, one per step),
    and the permutations between the caller's batch order and the sorted one (``None`` when the
    batch came sorted).

    Make one with :func:`pack_padded_sequence` or :func:`pack_sequence`, not by hand.

    >>> import arraygrad
    >>> packed = pack_sequence([arraygrad.tensor([1, 2, 3]), arraygrad.tensor([4, 5])])
    >>> packed.data, packed.batch_sizes
    (tensor([1, 4, 2, 5, 3]), tensor([2, 2, 1]))
    """

    def __new__(
        cls,
        data: Any,
        batch_sizes: Tensor | None = None,
        sorted_indices: Tensor | None = None,
        unsorted_indices: Tensor | None = None,
    ) -> PackedSequence:
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            # PyTorch also accepts PackedSequence((data, batch_sizes), sorted_indices=...).
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise AssertionError(
                    "Expected data to be a list or tuple of length 2"
                    f" (got {type(data).__name__}). Fix: pass PackedSequence(data, "
                    "batch_sizes), or a (data, batch_sizes) pair."
                )
            data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """Convert ``data`` as ``Tensor.to`` does; ``batch_sizes`` stays an int64 tensor, as in
        PyTorch. Returns ``self`` when nothing changes."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def cuda(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """Move to the GPU, which arraygrad rejects with the same message as ``Tensor.to``."""
        return self.to("cuda", *args, **kwargs)

    def cpu(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """This sequence: arraygrad's data already lives in host memory."""
        return self.to("cpu", *args, **kwargs)

    def double(self) -> PackedSequence:
        return self.to(dtype=_dtype.float64)

    def float(self) -> PackedSequence:
        return self.to(dtype=_dtype.float32)

    def half(self) -> PackedSequence:
        return self.to(dtype=_dtype.float16)

    def long(self) -> PackedSequence:
        return self.to(dtype=_dtype.int64)

    def int(self) -> PackedSequence:
        return self.to(dtype=_dtype.int32)

    def short(self) -> PackedSequence:
        return self.to(dtype=_dtype.int16)

    def char(self) -> PackedSequence:
        return self.to(dtype=_dtype.int8)

    def byte(self) -> PackedSequence:
        return self.to(dtype=_dtype.uint8)

    @property
    def is_cuda(self) -> bool:
        """Whether ``data`` is on a GPU: never, in arraygrad."""
        return bool(self.data.is_cuda)


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse of a 1-D permutation of indices (``None`` stays ``None``).

    >>> import arraygrad
    >>> invert_permutation(arraygrad.tensor([2, 0, 1]))
    tensor([1, 2, 0])
    """
    if permutation is None:
        return None
    order = permutation.tolist()
    inverse = [0] * len(order)
    for position, index in enumerate(order):
        inverse[index] = position
    return _indices(inverse)


def _indices(values: Sequence[int]) -> Tensor:
    return _as_tensor(list(values), dtype=_dtype.int64)


def _gather(rows: Tensor, index: list[int], padding_value: Any, shape: tuple[int, ...]) -> Tensor:
    """``rows`` (plus one filler row at index ``len(rows)``) picked by ``index``, reshaped.

    One ``index_select`` does the whole layout change, and its backward sends each gradient row
    back to the row it came from (the filler row is a constant and gets none).
    """
    filler = _full((1, *rows.shape[1:]), padding_value, dtype=rows.dtype)
    return _cat([rows, filler], 0).index_select(0, _indices(index)).reshape(*shape)


def pack_padded_sequence(
    input: Tensor,
    lengths: Tensor | list[int],
    batch_first: bool = False,
    enforce_sorted: bool = True,
) -> PackedSequence:
    """Pack a padded ``(T, B, *)`` batch (``(B, T, *)`` if ``batch_first``) of sequences of the
    given ``lengths``; without ``enforce_sorted`` the batch is sorted by decreasing length first
    and the permutation kept in the result.

    >>> import arraygrad
    >>> padded = arraygrad.tensor([[1, 2, 0], [3, 0, 0], [4, 5, 6]])
    >>> pack_padded_sequence(padded, [2, 1, 3], batch_first=True, enforce_sorted=False)
    PackedSequence(data=tensor([4, 1, 3, 5, 2, 6]), batch_sizes=tensor([3, 2, 1]), \
sorted_indices=tensor([2, 0, 1]), unsorted_indices=tensor([1, 2, 0]))
    """
    counts = (
        lengths.to(_dtype.int64)
        if isinstance(lengths, Tensor)
        else _as_tensor(lengths, dtype=_dtype.int64)
    )
    if counts.dim() != 1:
        raise RuntimeError(
            "'lengths' argument should be a 1D CPU int64 tensor, but got "
            f"{counts.dim()}D cpu Long tensor"
            ". Fix: pass one length per sequence, a 1-D list or tensor."
        )
    batch_dim = 0 if batch_first else 1
    batch = input.size(batch_dim)
    sorted_indices = None
    # A count mismatch is reported below, before index_select could fail on it.
    if not enforce_sorted and counts.numel() == batch:
        counts, sorted_indices = _sort(counts, descending=True)
        input = input.index_select(batch_dim, sorted_indices)
    sizes = counts.tolist()
    steps = input.size(1 - batch_dim)
    if input.numel() == 0:
        raise RuntimeError(
            "Cannot pack empty tensors."
            f" (got shape {list(input.shape)}). Fix: pack a batch with at least one "
            "sequence of at least one step."
        )
    if len(sizes) != batch:
        raise RuntimeError(
            f"Expected `len(lengths)` to be equal to batch_size, but got {len(sizes)} "
            f"(batch_size={batch})"
            f". Fix: pass {batch} lengths, one per sequence."
        )
    if sizes[-1] <= 0:
        raise RuntimeError(
            "Length of all samples has to be greater than 0, but found an element in 'lengths' "
            "that is <= 0"
            f" (got lengths {sizes}). Fix: drop empty sequences before packing."
        )
    if any(longer < shorter for longer, shorter in _pairwise(sizes)):
        raise RuntimeError(
            "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. "
            "You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to "
            "sidestep this requirement if you do not need ONNX exportability."
            f" (got lengths {sizes}). Fix: sort the batch by decreasing length, or "
            "pass enforce_sorted=False."
        )
    if sizes[0] > steps:
        # PyTorch 2.13 reads past the input here and returns garbage; refuse instead.
        raise RuntimeError(
            f"Expected every length to be at most the input's sequence length {steps}, but got "
            f"a length of {sizes[0]}"
            f". Fix: clip lengths to {steps}, or pad the input to the "
            "longest length."
        )
    batch_sizes = [sum(1 for size in sizes if size > t) for t in range(sizes[0])]
    # Row of (step t, sequence i) in the input flattened over its first two dimensions.
    if batch_first:
        index = [i * steps + t for t, size in enumerate(batch_sizes) for i in range(size)]
    else:
        index = [t * batch + i for t, size in enumerate(batch_sizes) for i in range(size)]
    rows = input.reshape(batch * steps, *input.shape[2:])
    data = rows.index_select(0, _indices(index))
    return PackedSequence(data, _indices(batch_sizes), sorted_indices, None)


def pad_packed_sequence(
    sequence: PackedSequence,
    batch_first: bool = False,
    padding_value: float = 0.0,
    total_length: int | None = None,
) -> tuple[Tensor, Tensor]:
    """Undo :func:`pack_padded_sequence`: ``(padded, lengths)`` in the caller's batch order,
    padded with ``padding_value`` to the longest length (or to ``total_length``).

    >>> import arraygrad
    >>> packed = pack_sequence([arraygrad.tensor([1, 2]), arraygrad.tensor([3, 4, 5])], False)
    >>> pad_packed_sequence(packed, batch_first=True)
    (tensor([[1, 2, 0],
            [3, 4, 5]]), tensor([2, 3]))
    """
    batch_sizes = sequence.batch_sizes.tolist()
    steps = len(batch_sizes)
    if total_length is not None:
        if total_length < steps:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in "
                f"input, but got total_length={total_length} and max sequence length being "
                f"{steps}"
                f". Fix: pass total_length >= {steps}, or None."
            )
        steps = total_length
    batch = batch_sizes[0]
    starts = [0, *_accumulate(batch_sizes)]
    sorted_lengths = [sum(1 for size in batch_sizes if size > i) for i in range(batch)]
    unsorted = sequence.unsorted_indices
    # Sequence j of the caller's order is row order[j] of the sorted batch.
    order = unsorted.tolist() if unsorted is not None else list(range(batch))
    filler = sequence.data.shape[0]

    def source(t: int, j: int) -> int:
        i = order[j]
        return starts[t] + i if t < len(batch_sizes) and i < batch_sizes[t] else filler

    if batch_first:
        index = [source(t, j) for j in range(batch) for t in range(steps)]
        shape = (batch, steps)
    else:
        index = [source(t, j) for t in range(steps) for j in range(batch)]
        shape = (steps, batch)
    padded = _gather(sequence.data, index, padding_value, (*shape, *sequence.data.shape[1:]))
    return padded, _indices([sorted_lengths[i] for i in order])


def pad_sequence(
    sequences: Tensor | Iterable[Tensor],
    batch_first: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> Tensor:
    """Stack sequences of shape ``(L_i, *)`` into ``(T, B, *)`` (``(B, T, *)`` if
    ``batch_first``), filling with ``padding_value`` after (or, ``padding_side="left"``,
    before) each. The result has the first sequence's dtype.

    >>> import arraygrad
    >>> pad_sequence([arraygrad.tensor([1, 2, 3]), arraygrad.tensor([4])], batch_first=True)
    tensor([[1, 2, 3],
            [4, 0, 0]])
    """
    if not isinstance(sequences, Iterable):
        raise RuntimeError(
            "pad_sequence: Expected iterable for input sequences, but got arg of type: "
            f"{type(sequences)}"
            ". Fix: pass a list of tensors."
        )
    seqs = list(sequences)
    if not seqs:
        raise RuntimeError("received an empty list of sequences. Fix: pass at least one tensor.")
    if padding_side not in ("left", "right"):
        raise RuntimeError(
            f"Expected padding_side to be one of left or right, but got {padding_side}."
            " Fix: pass padding_side='right' or 'left'."
        )
    if any(seq.dim() == 0 for seq in seqs):
        raise RuntimeError(
            "pad_sequence: Expected every sequence to have at least 1 dimension"
            ". Fix: give every sequence a time dimension (e.g. "
            "seq.unsqueeze(0))."
        )
    first = seqs[0]
    trailing = tuple(first.shape[1:])
    seqs = [_fit(seq, trailing).to(first.dtype) for seq in seqs]
    lengths = [seq.size(0) for seq in seqs]
    steps = max(lengths)
    starts = [0, *_accumulate(lengths)]
    filler = sum(lengths)

    def source(t: int, i: int) -> int:
        # Left padding shifts sequence i to end at the last step.
        offset = t if padding_side == "right" else t - (steps - lengths[i])
        return starts[i] + offset if 0 <= offset < lengths[i] else filler

    if batch_first:
        index = [source(t, i) for i in range(len(seqs)) for t in range(steps)]
        shape = (len(seqs), steps, *trailing)
    else:
        index = [source(t, i) for t in range(steps) for i in range(len(seqs))]
        shape = (steps, len(seqs), *trailing)
    return _gather(_cat(seqs, 0), index, padding_value, shape)


def _fit(seq: Tensor, trailing: tuple[int, ...]) -> Tensor:
    """``seq`` broadcast to ``(len(seq), *trailing)``, as PyTorch's copy into the output does."""
    target = (seq.size(0), *trailing)
    if tuple(seq.shape) == target:
        return seq
    source = tuple(seq.shape)
    offset = len(target) - len(source)
    for dim in range(max(offset, 0), len(target)):
        have = source[dim - offset]
        if have not in (1, target[dim]):
            raise RuntimeError(
                f"The size of tensor a ({target[dim]}) must match the size of tensor b ({have}) "
                f"at non-singleton dimension {dim}"
                f". Fix: give every sequence the trailing shape {list(trailing)} (all but the "
                "first dimension alike)."
            )
    if offset < 0:
        raise RuntimeError(
            f"pad_sequence: a sequence of shape {list(source)} does not fit the first "
            f"sequence's trailing shape {list(trailing)}"
            ". Fix: give every sequence the same trailing shape, "
            f"{list(trailing)}."
        )
    return seq.expand(*target)


def unpad_sequence(
    padded_sequences: Tensor, lengths: Tensor | Sequence[int], batch_first: bool = False
) -> list[Tensor]:
    """Split a padded batch back into its sequences, each cut to its length.

    (PyTorch transposes ``padded_sequences`` in place when not ``batch_first``; arraygrad leaves
    the caller's tensor alone.)

    >>> import arraygrad
    >>> padded = arraygrad.tensor([[1, 4], [2, 0], [3, 0]])
    >>> unpad_sequence(padded, arraygrad.tensor([3, 1]))
    [tensor([1, 2, 3]), tensor([4])]
    """
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    sizes = lengths.tolist() if isinstance(lengths, Tensor) else list(lengths)
    return [seq[: int(size)] for seq, size in zip(padded_sequences.unbind(0), sizes, strict=True)]


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack sequences of shape ``(L_i, *)``: :func:`pad_sequence`, then
    :func:`pack_padded_sequence`.

    >>> import arraygrad
    >>> a, b, c = arraygrad.tensor([1, 2, 3]), arraygrad.tensor([4, 5]), arraygrad.tensor([6])
    >>> pack_sequence([a, b, c])
    PackedSequence(data=tensor([1, 4, 6, 2, 5, 3]), batch_sizes=tensor([3, 2, 1]), \
sorted_indices=None, unsorted_indices=None)
    """
    lengths = [seq.size(0) for seq in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The list of sequences inside a :class:`PackedSequence`, in the caller's order.

    >>> import arraygrad
    >>> packed = pack_sequence([arraygrad.tensor([1]), arraygrad.tensor([2, 3])], False)
    >>> unpack_sequence(packed)
    [tensor([1]), tensor([2, 3])]
    """
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
