"""The ``BlockMask`` of :mod:`arraygrad.nn.attention.flex_attention`: which blocks of the score
matrix a ``mask_mod`` leaves anything in, listed per batch, head and row of blocks as PyTorch
lists them (counts and column orders, partial and full blocks apart), and the mask that hides
nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from arraygrad import _creation, _dtype
from arraygrad._tensor import Tensor

_DEFAULT_BLOCK = 128


def noop_mask(batch: Tensor, head: Tensor, token_q: Tensor, token_kv: Tensor) -> Tensor:
    """The mask that hides nothing: True for every score."""
    return _creation.ones((), dtype=_dtype.bool_)


def _block_sizes(size: int | tuple[int, int]) -> tuple[int, int]:
    return (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))


def _too_few_dims(kv_indices: Tensor) -> str:
    """PyTorch's words for kv_indices of fewer than 2 dimensions, with the shape and the fix."""
    return (
        "BlockMask must have at least 2 dimensions"
        f" (got kv_indices of shape {list(kv_indices.shape)}). Fix: pass kv_indices of shape "
        "(B, H, Q_blocks, KV_blocks), e.g. kv_indices[None, None] for one mask."
    )


def _sliced_mask_mod(b: Tensor, h: Tensor, q_idx: Tensor, kv_idx: Tensor) -> Tensor:
    """The mask_mod of an indexed BlockMask: its indices no longer match the original's."""
    raise RuntimeError(
        "Cannot use mask_mod from a sliced BlockMask"
        ". Fix: call the mask_mod of the BlockMask before indexing it, or build a new BlockMask "
        "with create_block_mask for the slice."
    )


def _counts_and_order(present: Tensor | None) -> tuple[Tensor | None, Tensor | None]:
    """For a ``(..., rows, cols)`` bool table of blocks: how many are present in each row, and
    each row's column numbers with the present ones first (in order), then the others."""
    if present is None:
        return None, None
    counts = present.sum(-1, dtype=_dtype.int32)
    order = present.to(_dtype.int32).argsort(-1, descending=True, stable=True)
    return counts, order.to(_dtype.int32)


def _present(counts: Tensor, order: Tensor) -> Tensor:
    """The bool ``(..., rows, cols)`` table of blocks listed by ``counts`` and ``order``."""
    cols = order.shape[-1]
    listed = _creation.arange(cols) < counts.unsqueeze(-1)
    table = _creation.zeros(*order.shape, dtype=_dtype.bool_)
    return table.scatter(-1, order.to(_dtype.int64), listed)


class BlockMask:
    """Which blocks of the ``(Q_LEN, KV_LEN)`` score matrix a mask leaves anything in, per batch
    and head, with the ``mask_mod`` that masks inside them.

    ``kv_num_blocks[b, h, i]`` is the number of key blocks query block ``i`` has partly
    unmasked, ``kv_indices[b, h, i]`` lists them first; ``full_kv_*`` do the same for blocks
    with nothing masked, and ``q_*`` / ``full_q_*`` are the transposed lists. All are int32, as
    in PyTorch. ``flex_attention`` takes what to mask from ``mask_mod`` alone.
    """

    seq_lengths: tuple[int, int]
    kv_num_blocks: Tensor
    kv_indices: Tensor
    full_kv_num_blocks: Tensor | None
    full_kv_indices: Tensor | None
    q_num_blocks: Tensor | None
    q_indices: Tensor | None
    full_q_num_blocks: Tensor | None
    full_q_indices: Tensor | None
    BLOCK_SIZE: tuple[int, int]
    mask_mod: Callable[..., Any]

    def __init__(
        self,
        seq_lengths: tuple[int, int],
        kv_num_blocks: Tensor,
        kv_indices: Tensor,
        full_kv_num_blocks: Tensor | None,
        full_kv_indices: Tensor | None,
        q_num_blocks: Tensor | None,
        q_indices: Tensor | None,
        full_q_num_blocks: Tensor | None,
        full_q_indices: Tensor | None,
        BLOCK_SIZE: tuple[int, int] = (_DEFAULT_BLOCK, _DEFAULT_BLOCK),  # noqa: N803 - PyTorch\'s name
        mask_mod: Callable[..., Any] = noop_mask,
        *,
        dq_write_order: Tensor | None = None,
        dq_write_order_full: Tensor | None = None,
        dq_kv_order: Tensor | None = None,
        dq_kv_order_spt: bool | None = None,
    ) -> None:
        if kv_indices.ndim < 2:
            raise RuntimeError(_too_few_dims(kv_indices))
        self.seq_lengths = (int(seq_lengths[0]), int(seq_lengths[1]))
        self.kv_num_blocks = kv_num_blocks
        self.kv_indices = kv_indices
        self.full_kv_num_blocks = full_kv_num_blocks
        self.full_kv_indices = full_kv_indices
        self.q_num_blocks = q_num_blocks
        self.q_indices = q_indices
        self.full_q_num_blocks = full_q_num_blocks
        self.full_q_indices = full_q_indices
        # The orders in which PyTorch's GPU backward writes gradients: kept, never used here.
        self._dq_orders = (dq_write_order, dq_write_order_full, dq_kv_order, dq_kv_order_spt)
        self.BLOCK_SIZE = _block_sizes(BLOCK_SIZE)
        self.mask_mod = mask_mod

    @classmethod
    def from_kv_blocks(
        cls,
        kv_num_blocks: Tensor,
        kv_indices: Tensor,
        full_kv_num_blocks: Tensor | None = None,
        full_kv_indices: Tensor | None = None,
        BLOCK_SIZE: int | tuple[int, int] = _DEFAULT_BLOCK,  # noqa: N803 - PyTorch\'s name
        mask_mod: Callable[..., Any] | None = None,
        seq_lengths: tuple[int, int] | None = None,
        compute_q_blocks: bool = True,
        *,
        dq_write_order: Tensor | None = None,
        dq_write_order_full: Tensor | None = None,
        dq_kv_order: Tensor | bool | None = None,
    ) -> BlockMask:
        """A BlockMask from its key-block lists; the query-block lists are derived from them
        (with ``compute_q_blocks``), the lengths default to whole blocks."""
        if kv_indices.ndim < 2:
            raise RuntimeError(_too_few_dims(kv_indices))
        if (full_kv_num_blocks is None) != (full_kv_indices is None):
            raise AssertionError(
                "full_kv_num_blocks and full_kv_indices must be both provided or omitted"
                ". Fix: pass both (the full blocks' counts and indices) or neither."
            )
        block = _block_sizes(BLOCK_SIZE)
        q_lists: tuple[Tensor | None, Tensor | None, Tensor | None, Tensor | None] = (
            None,
            None,
            None,
            None,
        )
        if compute_q_blocks:
            q_lists = (
                *_counts_and_order(_present(kv_num_blocks, kv_indices).mT),
                *_counts_and_order(
                    None
                    if full_kv_num_blocks is None or full_kv_indices is None
                    else _present(full_kv_num_blocks, full_kv_indices).mT
                ),
            )
        if seq_lengths is None:
            seq_lengths = (kv_num_blocks.shape[-1] * block[0], kv_indices.shape[-1] * block[1])
        return cls(
            seq_lengths,
            kv_num_blocks,
            kv_indices,
            full_kv_num_blocks,
            full_kv_indices,
            *q_lists,  # type: ignore[arg-type]
            BLOCK_SIZE=block,
            mask_mod=noop_mask if mask_mod is None else mask_mod,
            dq_write_order=dq_write_order,
            dq_write_order_full=dq_write_order_full,
            dq_kv_order=None if isinstance(dq_kv_order, bool) else dq_kv_order,
        )

    def as_tuple(self, flatten: bool = True) -> tuple[Any, ...]:
        """The fields in PyTorch's order; ``flatten`` spreads the two pairs of ints."""
        tensors = (
            self.kv_num_blocks,
            self.kv_indices,
            self.full_kv_num_blocks,
            self.full_kv_indices,
            self.q_num_blocks,
            self.q_indices,
            self.full_q_num_blocks,
            self.full_q_indices,
        )
        if flatten:
            return (*self.seq_lengths, *tensors, *self._dq_orders, *self.BLOCK_SIZE, self.mask_mod)
        return (self.seq_lengths, *tensors, *self._dq_orders, self.BLOCK_SIZE, self.mask_mod)

    @property
    def shape(self) -> tuple[int, ...]:
        """``(B, H, Q_LEN, KV_LEN)``."""
        return (*self.kv_num_blocks.shape[:-1], *self.seq_lengths)

    def numel(self) -> int:
        """The number of scores the mask covers."""
        return math.prod(self.shape)

    def sparsity(self) -> float:
        """The percentage of the scores in no listed block. Blocks at the end of a length that
        is not a multiple of the block size count whole, so this can be negative, as in
        PyTorch."""
        listed = int(self.kv_num_blocks.sum().item())
        if self.full_kv_num_blocks is not None:
            listed += int(self.full_kv_num_blocks.sum().item())
        covered = listed * self.BLOCK_SIZE[0] * self.BLOCK_SIZE[1]
        return 100 * (1 - covered / self.numel())

    def to_dense(self) -> Tensor:
        """``(B, H, query blocks, key blocks)`` int32: 1 for each listed block."""
        dense = _present(self.kv_num_blocks, self.kv_indices)
        if self.full_kv_num_blocks is not None and self.full_kv_indices is not None:
            dense = dense | _present(self.full_kv_num_blocks, self.full_kv_indices)
        return dense.to(_dtype.int32)

    def to_string(self, grid_size: int | tuple[int, int] = (20, 20), limit: int = 4) -> str:
        """The listed blocks of the first ``limit`` (batch, head) pairs, drawn in characters;
        grids larger than ``grid_size`` are shown shrunk, a cell light where only some of its
        blocks are listed."""
        rows_max, cols_max = _block_sizes(grid_size)
        dense = self.to_dense()
        *batch_shape, rows, cols = dense.shape
        row_step = max(1, math.ceil(rows / rows_max))
        col_step = max(1, math.ceil(cols / cols_max))
        pieces = []
        pairs = [(b, h) for b in range(batch_shape[0]) for h in range(batch_shape[1])]
        for b, h in pairs[:limit]:
            grid = dense[b, h].to(_dtype.float64)
            lines = [f"({b}, {h})"]
            for r in range(0, rows, row_step):
                line = ""
                for c in range(0, cols, col_step):
                    line += _shade(float(grid[r : r + row_step, c : c + col_step].mean().item()))
                lines.append(line)
            pieces.append("\n".join(lines) + "\n")
        text = "\n".join(pieces)
        if len(pairs) > limit:
            text += (
                "\n...\nTo print out more, set BlockMask.to_string(limit=N)\nYou can also index "
                "(BlockMask[batch, head]) to choose a specific batch or head"
            )
        return text

    def __str__(self) -> str:
        return (
            f"BlockMask(shape={self.shape}, sparsity={self.sparsity():.2f}%, \n"
            f"{self.to_string().rstrip()}\n)"
        )

    def __repr__(self) -> str:
        fields = [
            f"    {name}={_size_text(getattr(self, name))},"
            for name in (
                "kv_num_blocks",
                "kv_indices",
                "full_kv_num_blocks",
                "full_kv_indices",
                "q_num_blocks",
                "q_indices",
                "full_q_num_blocks",
                "full_q_indices",
            )
        ]
        name = getattr(self.mask_mod, "__name__", repr(self.mask_mod))
        return "\n".join(
            [
                "BlockMask(",
                *fields,
                f"    BLOCK_SIZE={self.BLOCK_SIZE},",
                f"    shape={self.shape},",
                f"    sparsity={self.sparsity():.2f}%,",
                f"    mask_mod={name}",
                ")",
            ]
        )

    def __getitem__(self, index: Any) -> BlockMask:
        """The mask of some batches, heads or query blocks (``[b]``, ``[b, h]``,
        ``[:, :, blocks]``). An int keeps its dimension. The result's ``mask_mod`` refuses to
        run: its indices would no longer be the original's."""
        parts = index if isinstance(index, tuple) else (index,)
        parts = tuple(
            slice(part, part + 1 or None) if isinstance(part, int) else part for part in parts
        )
        full = None
        if self.full_kv_num_blocks is not None and self.full_kv_indices is not None:
            full = (self.full_kv_num_blocks[parts], self.full_kv_indices[parts])
        return BlockMask.from_kv_blocks(
            self.kv_num_blocks[parts],
            self.kv_indices[parts],
            None if full is None else full[0],
            None if full is None else full[1],
            BLOCK_SIZE=self.BLOCK_SIZE,
            mask_mod=_sliced_mask_mod,
            seq_lengths=self.seq_lengths,
        )

    def to(self, device: Any) -> BlockMask:
        """A copy with every tensor on ``device``."""

        def move(tensor: Tensor | None) -> Tensor | None:
            return None if tensor is None else tensor.to(device)

        return BlockMask(
            self.seq_lengths,
            self.kv_num_blocks.to(device),
            self.kv_indices.to(device),
            move(self.full_kv_num_blocks),
            move(self.full_kv_indices),
            move(self.q_num_blocks),
            move(self.q_indices),
            move(self.full_q_num_blocks),
            move(self.full_q_indices),
            BLOCK_SIZE=self.BLOCK_SIZE,
            mask_mod=self.mask_mod,
        )


def _size_text(tensor: Tensor | None) -> str:
    # PyTorch prints each field's size as its Size repr.
    return "None" if tensor is None else f"torch.Size({list(tensor.shape)})"


def _shade(share: float) -> str:
    """Two characters for a cell of the drawn mask with ``share`` of its blocks listed."""
    if share == 0:
        return "  "
    if share == 1:
        return "██"
    return "░░"
