"""The transformer of "Attention Is All You Need": ``TransformerEncoderLayer`` (self-attention
and a feed-forward block, each with a residual connection and a layer norm),
``TransformerDecoderLayer`` (plus attention over the encoder's output), the stacks
``TransformerEncoder`` / ``TransformerDecoder`` and the whole ``Transformer``, with PyTorch's
submodule names so that a torch state_dict loads.
"""

from __future__ import annotations

import copy
import functools
import weakref
from collections.abc import Callable
from typing import Any

from arraygrad import _backend, _device
from arraygrad._tensor import Tensor, version_of
from arraygrad.nn import _multihead_attention
from arraygrad.nn import functional as F  # noqa: N812 - PyTorch's convention
from arraygrad.nn.modules.attention import MultiheadAttention
from arraygrad.nn.modules.container import ModuleList
from arraygrad.nn.modules.dropout import Dropout
from arraygrad.nn.modules.linear import Linear
from arraygrad.nn.modules.module import Module
from arraygrad.nn.modules.normalization import LayerNorm

__all__ = [
    "Transformer",
    "TransformerDecoder",
    "TransformerDecoderLayer",
    "TransformerEncoder",
    "TransformerEncoderLayer",
]


def _activation(activation: str | Callable[[Tensor], Tensor]) -> Callable[[Tensor], Tensor]:
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    if isinstance(activation, str):
        raise RuntimeError(
            f"activation should be relu/gelu, not {activation}. Fix: pass 'relu', 'gelu' or a "
            "callable such as arraygrad.nn.functional.silu."
        )
    return activation


class TransformerEncoderLayer(Module):
    """One encoder layer of "Attention Is All You Need"::

        x = norm1(x + dropout1(self_attn(x, x, x)))      # norm_first=False (post-norm)
        x = norm2(x + dropout2(linear2(dropout(activation(linear1(x))))))

    With ``norm_first`` each block reads the normalised input instead:
    ``x = x + block(norm(x))``. Input is ``(S, N, d_model)`` (``(N, S, d_model)`` with
    ``batch_first``) or unbatched ``(S, d_model)``.

    >>> import arraygrad
    >>> layer = TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True)
    >>> layer(arraygrad.ones(3, 5, 8)).shape
    arraygrad.Size([3, 5, 8])
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable[[Tensor], Tensor] = F.relu,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        _device.check_placement(device)
        super().__init__()
        self.self_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, dtype=dtype
        )
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = _activation(activation)

    def forward(
        self,
        src: Tensor,
        src_mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        is_causal: bool = False,
    ) -> Tensor:
        x = src
        if _multihead_attention.mismatched_masks(
            src_key_padding_mask, "src_key_padding_mask", src_mask, "src_mask"
        ):  # both made float masks, as PyTorch's layer does (its attention then warns no more)
            src_key_padding_mask, src_mask = _float_masks(src_key_padding_mask, src_mask, src)
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x))

    def _sa_block(
        self, x: Tensor, attn_mask: Tensor | None, key_padding_mask: Tensor | None, is_causal: bool
    ) -> Tensor:
        x = self.self_attn(
            x,
            x,
            x,
            attn_mask=attn_mask,
            key_padding_mask=key_padding_mask,
            need_weights=False,
            is_causal=is_causal,
        )[0]
        return self.dropout1(x)  # type: ignore[no-any-return]

    def _ff_block(self, x: Tensor) -> Tensor:
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout2(x)  # type: ignore[no-any-return]


# The causal masks _generate_square_subsequent_mask made, by id: (a reference to the mask, its
# version then, arraygrad.compile's tracer then (a weak reference), its size).
# _detect_is_causal_mask knows such a mask for causal without comparing its values, which
# arraygrad.compile cannot replay (a value read into Python): PyTorch code makes the mask in its
# forward and passes it with is_causal=None (nn.Transformer's decoder, which detects it).
_made_causal: dict[int, tuple[weakref.ref[Tensor], int, weakref.ref[Any] | None, int]] = {}


def _generate_square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None) -> Tensor:
    _device.check_placement(device)
    from arraygrad._creation import full
    from arraygrad._linalg import triu

    mask = triu(full((sz, sz), float("-inf"), dtype=dtype), 1)
    if mask.is_inference():
        # Made in inference mode, it keeps no version, which would not tell a write to it
        # there (mask.zero_()) from none: _detect_is_causal_mask compares its values instead.
        return mask
    key = id(mask)
    forget = functools.partial(_made_causal.pop, key, None)  # when the mask is freed
    reference = weakref.ref(mask, lambda _: forget())
    # The tracer by a weak reference: a mask the traced code keeps (on its module) must not
    # keep the trace, and all the arrays it recorded, alive with it.
    tracer = _backend.tracer
    made_in = None if tracer is None else weakref.ref(tracer)
    _made_causal[key] = (reference, version_of(mask), made_in, sz)
    return mask


def _known_causal(mask: Tensor, size: int) -> bool | None:
    """Whether ``mask``, one :func:`_generate_square_subsequent_mask` made and that was not
    written since, is the causal mask of ``size`` (``None`` for other masks). Under
    arraygrad.compile only a mask made in the same trace counts: one made outside could be
    another mask on a replay, which the values read would tell apart, and the replay would not."""
    entry = _made_causal.get(id(mask))
    if entry is None or entry[0]() is not mask or not mask.dtype.is_floating_point:
        return None
    made_in = None if entry[2] is None else entry[2]()
    if entry[1] != version_of(mask) or made_in is not _backend.tracer:
        return None
    return entry[3] == size


def _seq_len(src: Tensor, batch_first: bool) -> int:
    if src.ndim == 2:  # unbatched (S, E)
        return int(src.shape[0])
    return int(src.shape[1 if batch_first else 0])


def _detect_is_causal_mask(mask: Tensor | None, is_causal: bool | None, size: int | None) -> bool:
    """PyTorch's reading of an ``is_causal`` of None: True when ``mask`` is exactly the causal
    mask of the sequence (as a float mask, -inf above the diagonal, or the bool one)."""
    if is_causal is not None or mask is None:
        return is_causal is True
    size = int(mask.shape[-2]) if size is None else size
    known = _known_causal(mask, size)
    if known is not None:
        return known
    if mask.dtype.name == "bool":
        mask = mask.float().masked_fill(mask, float("-inf"))
    causal = _generate_square_subsequent_mask(size, dtype=mask.dtype)
    return tuple(mask.shape) == tuple(causal.shape) and bool((mask == causal).all())


def _fast_path_layer(layer: Module) -> bool:
    """Whether PyTorch's nested-tensor fast path supports ``layer`` (its __init__ checks)."""
    if not isinstance(layer, TransformerEncoderLayer):
        return False
    attention = layer.self_attn
    return (
        not layer.norm_first
        and attention.batch_first
        and attention._qkv_same_embed_dim
        and attention.in_proj_bias is not None
        and (layer.activation is F.relu or layer.activation is F.gelu)
        and layer.norm1.eps == layer.norm2.eps
        and attention.num_heads % 2 == 0
    )


def _clones(module: Module, n: int) -> ModuleList:
    # Deep copies, as PyTorch: every layer starts with the same weights but owns its own.
    return ModuleList([copy.deepcopy(module) for _ in range(n)])


class TransformerEncoder(Module):
    """A stack of ``num_layers`` copies of ``encoder_layer`` (each with its own parameters,
    all starting equal), then ``norm`` if given::

        x = norm(layer_N(...layer_1(src, mask, src_key_padding_mask)))

    ``enable_nested_tensor`` selects PyTorch's inference fast path, which arraygrad mirrors in
    its one visible effect: in eval mode, without gradients, with a right-padded
    ``src_key_padding_mask`` and no ``mask`` (and a layer the fast path supports), the padded
    positions come out 0 before ``norm``. Everywhere else the results are the plain path's.

    >>> import arraygrad
    >>> layer = arraygrad.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16)
    >>> encoder = TransformerEncoder(layer, num_layers=2)
    >>> encoder(arraygrad.ones(5, 3, 8)).shape
    arraygrad.Size([5, 3, 8])
    """

    def __init__(
        self,
        encoder_layer: TransformerEncoderLayer,
        num_layers: int,
        norm: Module | None = None,
        enable_nested_tensor: bool = True,
        mask_check: bool = True,
    ) -> None:
        super().__init__()
        self.layers = _clones(encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.use_nested_tensor = enable_nested_tensor and _fast_path_layer(encoder_layer)
        self.mask_check = mask_check

    def forward(
        self,
        src: Tensor,
        mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        is_causal: bool | None = None,
    ) -> Tensor:
        batch_first = bool(getattr(self.layers[0].self_attn, "batch_first", False))
        is_causal = _detect_is_causal_mask(mask, is_causal, _seq_len(src, batch_first))
        output = src
        layer_padding, layer_mask = src_key_padding_mask, mask
        if _multihead_attention.mismatched_masks(
            src_key_padding_mask, "src_key_padding_mask", mask, "mask"
        ):
            # the layers get both as float masks, as PyTorch's (and warn no more)
            layer_padding, layer_mask = _float_masks(src_key_padding_mask, mask, src)
        for layer in self.layers:
            output = layer(
                output,
                src_mask=layer_mask,
                is_causal=is_causal,
                src_key_padding_mask=layer_padding,
            )
        padded = None if src_key_padding_mask is None else src_key_padding_mask != 0
        if padded is not None and self._takes_fast_path(src, mask):
            # PyTorch's fast path runs on nested tensors and pads them back with zeros. With
            # mask_check it takes that path only when every row is padded at its end: that
            # test stays a tensor (the fill masks nothing where it fails, the same values),
            # since a value read into Python is one arraygrad.compile cannot replay
            if self.mask_check:
                keep = ~padded
                padded = padded & ~(keep[:, 1:] & ~keep[:, :-1]).any()
            output = output.masked_fill(padded.unsqueeze(-1), 0.0)
        if self.norm is not None:
            output = self.norm(output)
        return output

    def _takes_fast_path(self, src: Tensor, mask: Tensor | None) -> bool:
        """Whether PyTorch would run this call on its nested-tensor inference path, unless
        its ``mask_check`` finds a row padded before its end (see :meth:`forward`)."""
        from arraygrad._grad_mode import is_grad_enabled

        first = self.layers[0]
        if not self.use_nested_tensor or first.training or src.ndim != 3 or mask is not None:
            return False
        return not is_grad_enabled() or not (
            src.requires_grad or any(p.requires_grad for p in first.parameters())
        )


class TransformerDecoderLayer(Module):
    """One decoder layer: self-attention over the target, attention over the encoder's
    ``memory``, and a feed-forward block, each with a residual connection and a layer norm::

        x = norm1(x + dropout1(self_attn(x, x, x)))                   # norm_first=False
        x = norm2(x + dropout2(multihead_attn(x, memory, memory)))
        x = norm3(x + dropout3(linear2(dropout(activation(linear1(x))))))

    With ``norm_first`` each block reads the normalised input: ``x = x + block(norm(x))``.

    >>> import arraygrad
    >>> layer = TransformerDecoderLayer(8, 2, dim_feedforward=16, batch_first=True)
    >>> layer(arraygrad.ones(3, 4, 8), arraygrad.ones(3, 6, 8)).shape
    arraygrad.Size([3, 4, 8])
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable[[Tensor], Tensor] = F.relu,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        _device.check_placement(device)
        super().__init__()
        self.self_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, batch_first=batch_first, bias=bias, dtype=dtype
        )
        self.multihead_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, batch_first=batch_first, bias=bias, dtype=dtype
        )
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = _activation(activation)

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Tensor:
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(
                self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal
            )
            return x + self._ff_block(self.norm3(x))
        x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
        x = self.norm2(
            x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal)
        )
        return self.norm3(x + self._ff_block(x))

    def _sa_block(
        self, x: Tensor, attn_mask: Tensor | None, key_padding_mask: Tensor | None, is_causal: bool
    ) -> Tensor:
        x = self.self_attn(
            x,
            x,
            x,
            attn_mask=attn_mask,
            key_padding_mask=key_padding_mask,
            is_causal=is_causal,
            need_weights=False,
        )[0]
        return self.dropout1(x)  # type: ignore[no-any-return]

    def _mha_block(
        self,
        x: Tensor,
        mem: Tensor,
        attn_mask: Tensor | None,
        key_padding_mask: Tensor | None,
        is_causal: bool,
    ) -> Tensor:
        x = self.multihead_attn(
            x,
            mem,
            mem,
            attn_mask=attn_mask,
            key_padding_mask=key_padding_mask,
            is_causal=is_causal,
            need_weights=False,
        )[0]
        return self.dropout2(x)  # type: ignore[no-any-return]

    def _ff_block(self, x: Tensor) -> Tensor:
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout3(x)  # type: ignore[no-any-return]


class TransformerDecoder(Module):
    """A stack of ``num_layers`` copies of ``decoder_layer``, each attending to the same
    ``memory``, then ``norm`` if given.

    >>> import arraygrad
    >>> layer = TransformerDecoderLayer(8, 2, dim_feedforward=16)
    >>> decoder = TransformerDecoder(layer, num_layers=2)
    >>> decoder(arraygrad.ones(4, 3, 8), arraygrad.ones(6, 3, 8)).shape
    arraygrad.Size([4, 3, 8])
    """

    def __init__(
        self, decoder_layer: TransformerDecoderLayer, num_layers: int, norm: Module | None = None
    ) -> None:
        super().__init__()
        self.layers = _clones(decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        batch_first = bool(getattr(self.layers[0].self_attn, "batch_first", False))
        tgt_is_causal = _detect_is_causal_mask(tgt_mask, tgt_is_causal, _seq_len(tgt, batch_first))
        output = tgt
        for layer in self.layers:
            output = layer(
                output,
                memory,
                tgt_mask=tgt_mask,
                memory_mask=memory_mask,
                tgt_key_padding_mask=tgt_key_padding_mask,
                memory_key_padding_mask=memory_key_padding_mask,
                tgt_is_causal=tgt_is_causal,
                memory_is_causal=memory_is_causal,
            )
        if self.norm is not None:
            output = self.norm(output)
        return output


class Transformer(Module):
    """Encoder-decoder transformer: ``decoder(tgt, encoder(src))`` with ``num_encoder_layers``
    encoder layers and ``num_decoder_layers`` decoder layers, each stack ending in a
    ``LayerNorm``. Every parameter with more than one dimension starts Xavier-uniform.

    ``src`` is ``(S, N, E)`` and ``tgt`` ``(T, N, E)`` (batch first with ``batch_first``, or
    unbatched ``(S, E)`` / ``(T, E)``); the output has ``tgt``'s shape.

    >>> import arraygrad
    >>> model = Transformer(8, 2, 1, 1, dim_feedforward=16)
    >>> model(arraygrad.ones(5, 3, 8), arraygrad.ones(4, 3, 8)).shape
    arraygrad.Size([4, 3, 8])
    >>> Transformer.generate_square_subsequent_mask(3)
    tensor([[0., -inf, -inf],
            [0., 0., -inf],
            [0., 0., 0.]])
    """

    def __init__(
        self,
        d_model: int = 512,
        nhead: int = 8,
        num_encoder_layers: int = 6,
        num_decoder_layers: int = 6,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable[[Tensor], Tensor] = F.relu,
        custom_encoder: Any | None = None,
        custom_decoder: Any | None = None,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        _device.check_placement(device)
        super().__init__()
        layer_args = (
            d_model,
            nhead,
            dim_feedforward,
            dropout,
            activation,
            layer_norm_eps,
            batch_first,
            norm_first,
            bias,
        )
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            self.encoder = TransformerEncoder(
                TransformerEncoderLayer(*layer_args, dtype=dtype),
                num_encoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype),
            )
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            self.decoder = TransformerDecoder(
                TransformerDecoderLayer(*layer_args, dtype=dtype),
                num_decoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype),
            )
        self._reset_parameters()
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def forward(
        self,
        src: Tensor,
        tgt: Tensor,
        src_mask: Tensor | None = None,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        src_is_causal: bool | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        batch_dim = 0 if self.batch_first else 1
        if src.ndim == 3 and src.shape[batch_dim] != tgt.shape[batch_dim]:
            raise RuntimeError(
                "the batch number of src and tgt must be equal (src "
                f"{list(src.shape)}, tgt {list(tgt.shape)}, batch dimension {batch_dim}). Fix: "
                "give both the same batch size."
            )
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError(
                "the feature number of src and tgt must be equal to d_model (src "
                f"{list(src.shape)}, tgt {list(tgt.shape)}, d_model {self.d_model}). Fix: "
                "project the inputs to d_model features, e.g. with an Embedding or Linear."
            )
        memory = self.encoder(
            src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal
        )
        return self.decoder(  # type: ignore[no-any-return]
            tgt,
            memory,
            tgt_mask=tgt_mask,
            memory_mask=memory_mask,
            tgt_key_padding_mask=tgt_key_padding_mask,
            memory_key_padding_mask=memory_key_padding_mask,
            tgt_is_causal=tgt_is_causal,
            memory_is_causal=memory_is_causal,
        )

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None) -> Tensor:
        """The ``(sz, sz)`` causal mask: ``-inf`` above the diagonal (masked), 0 elsewhere."""
        return _generate_square_subsequent_mask(sz, device=device, dtype=dtype)

    def _reset_parameters(self) -> None:
        from arraygrad.nn import init

        for p in self.parameters():
            if p.dim() > 1:
                init.xavier_uniform_(p)


def _float_masks(
    padding: Tensor | None, mask: Tensor | None, like: Tensor
) -> tuple[Tensor | None, Tensor | None]:
    """A padding mask and an attention mask of two dtypes, each as an additive float mask."""
    return (
        _multihead_attention.canonical_mask(padding, "src_key_padding_mask", like),
        _multihead_attention.canonical_mask(mask, "src_mask", like),
    )
