"""Whole PyTorch training programs, written once, run unchanged on torch 2.13.0 and on arraygrad.

Each program is a function of the library module (``def char_lstm(torch): ...``) that uses only
``torch.`` names, as a user writes it after ``import torch``. Both runs start from the same
weights (one state_dict drawn from a seeded NumPy generator, loaded into each library's model)
and read the same NumPy data through ``torch.from_numpy``; the loss after every step and the
final parameters must agree: to ``rtol=1e-10`` in float64, ``1e-4`` in float32.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag

LIBRARIES = {"torch": torch, "arraygrad": ag}


def load_seeded(torch: Any, model: Any, seed: int) -> None:
    """Load weights drawn from a seeded NumPy generator into ``model`` (either library).

    Every floating state_dict entry except the batch-norm statistics is drawn uniformly from
    ``±1/sqrt(fan_in)``; the keys are visited in the state_dict's order, the same on both.
    """
    rng = np.random.default_rng(seed)
    state = {}
    for key, value in model.state_dict().items():
        array = value.detach().numpy()
        if np.issubdtype(array.dtype, np.floating) and "running_" not in key:
            fan_in = int(np.prod(array.shape[1:])) if array.ndim > 1 else array.size
            bound = 1.0 / np.sqrt(max(fan_in, 1))
            array = rng.uniform(-bound, bound, array.shape).astype(array.dtype)
        state[key] = torch.from_numpy(np.array(array))
    model.load_state_dict(state)


def numpy_state(state: dict[str, Any]) -> dict[str, np.ndarray]:
    return {key: np.array(value.detach().numpy()) for key, value in state.items()}


def run_on_both(program: Callable[..., Any], rtol: float, atol: float = 0.0) -> None:
    """Run ``program`` on torch and arraygrad and compare every loss and the final state."""
    results = {name: program(module) for name, module in LIBRARIES.items()}
    (t_losses, t_state), (a_losses, a_state) = results["torch"], results["arraygrad"]
    assert len(a_losses) == len(t_losses)
    np.testing.assert_allclose(a_losses, t_losses, rtol=rtol, atol=atol, err_msg="losses")
    t_state, a_state = numpy_state(t_state), numpy_state(a_state)
    assert list(a_state) == list(t_state)
    for key in t_state:
        assert a_state[key].dtype == t_state[key].dtype, key
        np.testing.assert_allclose(a_state[key], t_state[key], rtol=rtol, atol=atol, err_msg=key)


# 1. Character-level LSTM language model ------------------------------------------------------

TEXT = "the quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs. "
VOCAB = sorted(set(TEXT))


def char_batches() -> np.ndarray:
    ids = np.array([VOCAB.index(c) for c in TEXT], dtype=np.int64)
    starts = np.random.default_rng(1).integers(0, len(ids) - 13, size=(6, 4))
    return np.stack([np.stack([ids[s : s + 13] for s in row]) for row in starts])


def char_lstm(torch: Any) -> tuple[list[float], dict[str, Any]]:
    nn = torch.nn
    vocab = len(VOCAB)

    class CharLM(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Embedding(vocab, 8)
            self.lstm = nn.LSTM(8, 16, num_layers=2, batch_first=True)
            self.head = nn.Linear(16, vocab)

        def forward(self, x, state=None):
            out, state = self.lstm(self.embed(x), state)
            return self.head(out), state

    model = CharLM().double()
    load_seeded(torch, model, 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    criterion = nn.CrossEntropyLoss()
    losses = []
    state = None
    for batch in torch.from_numpy(char_batches()):
        inputs, targets = batch[:, :-1], batch[:, 1:]
        logits, state = model(inputs, state)
        state = tuple(s.detach() for s in state)  # truncated backpropagation through time
        loss = criterion(logits.reshape(-1, vocab), targets.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5)
        optimizer.step()
        scheduler.step()
        losses += [loss.item(), norm.item(), scheduler.get_last_lr()[0]]
    # Sample greedily from the trained model, carrying the state across steps.
    model.eval()
    with torch.no_grad():
        token = torch.tensor([[VOCAB.index("t")]])
        state = None
        for _ in range(5):
            logits, state = model(token, state)
            token = logits[:, -1].argmax(dim=-1, keepdim=True)
            losses.append(float(token.item()))
    return losses, model.state_dict()


def test_char_lstm() -> None:
    run_on_both(char_lstm, rtol=1e-10)


# 2. Transformer encoder classifier with a padding mask ----------------------------------------


def token_data() -> tuple[list[list[np.ndarray]], np.ndarray]:
    """Five batches of six sentences of 3 to 8 tokens, and their labels."""
    rng = np.random.default_rng(2)
    sentences = [[rng.integers(1, 20, size=rng.integers(3, 9)) for _ in range(6)] for _ in range(5)]
    labels = np.array([[s.sum() % 3 for s in batch] for batch in sentences])
    return sentences, labels


def transformer_classifier(torch: Any) -> tuple[list[float], dict[str, Any]]:
    nn = torch.nn

    class Classifier(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Embedding(20, 16, padding_idx=0)
            self.pos = nn.Parameter(torch.zeros(1, 16, 16))
            layer = nn.TransformerEncoderLayer(
                16, nhead=4, dim_feedforward=32, dropout=0.0, batch_first=True, norm_first=True
            )
            self.encoder = nn.TransformerEncoder(
                layer, num_layers=2, norm=nn.LayerNorm(16), enable_nested_tensor=False
            )
            self.out = nn.Linear(16, 3)

        def forward(self, tokens, padding_mask):
            x = self.embed(tokens) + self.pos[:, : tokens.size(1)]
            h = self.encoder(x, src_key_padding_mask=padding_mask)
            keep = (~padding_mask).unsqueeze(-1).to(h.dtype)
            pooled = (h * keep).sum(dim=1) / keep.sum(dim=1)
            return self.out(pooled)

    model = Classifier().to(torch.float64)
    load_seeded(torch, model, 2)
    decay = [p for n, p in model.named_parameters() if p.ndim >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.ndim < 2]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
        lr=3e-3,
    )
    warmup = 3
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min(1.0, (step + 1) / warmup)
    )
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    sentences, labels = token_data()
    batches = []
    for batch in sentences:
        tokens = nn.utils.rnn.pad_sequence(
            [torch.from_numpy(s) for s in batch], batch_first=True, padding_value=0
        )
        batches.append((tokens, tokens == 0))
    labels = torch.from_numpy(labels)
    losses = []
    model.train()
    for (x, mask), y in zip(batches, labels, strict=True):
        optimizer.zero_grad()
        loss = criterion(model(x, mask), y)
        loss.backward()
        optimizer.step()
        scheduler.step()
        losses += [loss.item(), optimizer.param_groups[1]["lr"]]
    model.eval()
    with torch.no_grad():  # torch takes its fused fast path here
        logits = model(*batches[0])
    losses += logits.flatten().tolist()
    losses.append((logits.argmax(-1) == labels[0]).float().mean().item())
    return losses, model.state_dict()


def test_transformer_classifier() -> None:
    run_on_both(transformer_classifier, rtol=1e-10)


# 3. Residual CNN with batch norm, train()/eval(), no_grad and inference_mode -------------------


def image_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    images = rng.standard_normal((4, 6, 2, 8, 8)).astype(np.float32)
    labels = rng.integers(0, 4, size=(4, 6))
    return images, labels


def residual_cnn(torch: Any) -> tuple[list[float], dict[str, Any]]:
    nn = torch.nn
    F = nn.functional

    class Block(nn.Module):
        def __init__(self, channels: int) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(channels)
            self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(channels)

        def forward(self, x):
            out = F.relu(self.bn1(self.conv1(x)))
            return F.relu(x + self.bn2(self.conv2(out)))

    model = nn.Sequential(
        nn.Conv2d(2, 6, 3, padding=1),
        nn.BatchNorm2d(6),
        nn.ReLU(inplace=True),
        Block(6),
        nn.MaxPool2d(2),
        nn.Dropout(p=0.5),
        nn.Flatten(),
        nn.Linear(6 * 4 * 4, 4),
    )
    load_seeded(torch, model, 3)
    optimizer = torch.optim.SGD(
        model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-4
    )
    images, labels = (torch.from_numpy(a) for a in image_data())
    losses = []
    for _epoch in range(2):
        for x, y in zip(images[:3], labels[:3], strict=True):
            model.train()
            model[5].p = 0.0  # dropout off in training, so that both runs draw nothing
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        model.eval()
        model[5].p = 0.5
        with torch.no_grad():
            losses.append(F.cross_entropy(model(images[3]), labels[3]).item())
        with torch.inference_mode():
            logits = model(images[3])
            losses.append((logits.argmax(1) == labels[3]).sum().item())
            losses.append(logits.softmax(-1).max().item())
    assert not logits.requires_grad
    return losses, model.state_dict()


def test_residual_cnn() -> None:
    run_on_both(residual_cnn, rtol=1e-4, atol=1e-6)


# 4. Variational autoencoder ---------------------------------------------------------------------


def vae_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(4)
    images = (rng.random((6, 10, 12)) > 0.6).astype(np.float64)
    noise = rng.standard_normal((6, 10, 3))
    return images, noise


def vae(torch: Any) -> tuple[list[float], dict[str, Any]]:
    nn = torch.nn
    F = nn.functional

    class VAE(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.enc = nn.Sequential(nn.Linear(12, 16), nn.Tanh())
            self.mu = nn.Linear(16, 3)
            self.logvar = nn.Linear(16, 3)
            self.dec = nn.Sequential(nn.Linear(3, 16), nn.Softplus(), nn.Linear(16, 12))

        def forward(self, x, eps):
            h = self.enc(x)
            mu, logvar = self.mu(h), self.logvar(h)
            z = mu + eps * torch.exp(0.5 * logvar)
            return self.dec(z), mu, logvar

    torch.set_default_dtype(torch.float64)
    try:
        model = VAE()
    finally:
        torch.set_default_dtype(torch.float32)
    load_seeded(torch, model, 4)
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-3, amsgrad=True)
    images, noise = (torch.from_numpy(a) for a in vae_data())
    losses = []
    for x, eps in zip(images, noise, strict=True):
        logits, mu, logvar = model(x, eps)
        recon = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
        kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        posterior = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
        prior = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
        kl_too = torch.distributions.kl_divergence(posterior, prior).sum()
        loss = (recon + 0.5 * kl + 0.5 * kl_too) / x.shape[0]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses, model.state_dict()


def test_vae() -> None:
    run_on_both(vae, rtol=1e-10)


# 5. GAN: two optimizers, detach, zero_grad(set_to_none=True) ------------------------------------


def gan_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(5)
    real = rng.standard_normal((5, 8, 2)) * 0.5 + np.array([2.0, -1.0])
    latent = rng.standard_normal((5, 8, 4))
    return real, latent


def gan(torch: Any) -> tuple[list[float], dict[str, Any]]:
    nn = torch.nn
    generator = nn.Sequential(nn.Linear(4, 16), nn.LeakyReLU(0.2), nn.Linear(16, 2)).double()
    sn = nn.utils.spectral_norm
    discriminator = nn.Sequential(
        sn(nn.Linear(2, 16)), nn.LeakyReLU(0.2), sn(nn.Linear(16, 1)), nn.Sigmoid()
    ).double()
    load_seeded(torch, generator, 50)
    load_seeded(torch, discriminator, 51)
    opt_g = torch.optim.Adam(generator.parameters(), lr=2e-3, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=2e-3, betas=(0.5, 0.999))
    criterion = nn.BCELoss()
    real_data, latent = (torch.from_numpy(a) for a in gan_data())
    losses = []
    for real, z in zip(real_data, latent, strict=True):
        ones = torch.ones(real.size(0), 1, dtype=torch.float64)
        zeros = torch.zeros_like(ones)
        fake = generator(z)
        opt_d.zero_grad(set_to_none=True)
        discriminator.requires_grad_(True)
        real.requires_grad_(True)
        d_real = discriminator(real)
        # R1 penalty: the squared gradient of D's output at the real samples, kept in the graph
        (grad_real,) = torch.autograd.grad(d_real.sum(), real, create_graph=True)
        penalty = grad_real.pow(2).sum(dim=1).mean()
        loss_d = criterion(d_real, ones) + criterion(discriminator(fake.detach()), zeros)
        (loss_d + 5.0 * penalty).backward()
        opt_d.step()
        opt_g.zero_grad(set_to_none=True)
        assert generator[0].weight.grad is None
        discriminator.requires_grad_(False)  # the generator's step leaves D's .grad alone
        loss_g = criterion(discriminator(fake), ones)
        loss_g.backward()
        assert discriminator[0].weight_orig.grad.abs().sum() > 0
        opt_g.step()
        losses += [loss_d.item(), penalty.item(), loss_g.item()]
    state = {f"g.{k}": v for k, v in generator.state_dict().items()}
    state.update({f"d.{k}": v for k, v in discriminator.state_dict().items()})
    return losses, state


def test_gan() -> None:
    run_on_both(gan, rtol=1e-10)


# 6. Seq2seq GRU with teacher forcing and additive attention -------------------------------------


def seq2seq_data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(6)
    source = rng.integers(2, 12, size=(4, 5, 7))
    lengths = rng.integers(3, 8, size=(4, 5))
    source_pad = np.arange(7) >= lengths[..., None]
    source[source_pad] = 0
    target = np.concatenate([np.ones((4, 5, 1), np.int64), np.sort(source, -1)[..., ::-1]], -1)
    return source, source_pad, np.ascontiguousarray(target)


def seq2seq(torch: Any) -> tuple[list[float], dict[str, Any]]:
    nn = torch.nn
    F = nn.functional

    class Seq2Seq(nn.Module):
        def __init__(self, vocab: int = 12, hidden: int = 10) -> None:
            super().__init__()
            self.src_embed = nn.Embedding(vocab, 6, padding_idx=0)
            self.tgt_embed = nn.Embedding(vocab, 6)
            self.encoder = nn.GRU(6, hidden, batch_first=True, bidirectional=True)
            self.bridge = nn.Linear(2 * hidden, hidden)
            self.decoder = nn.GRUCell(6 + 2 * hidden, hidden)
            self.w_enc = nn.Linear(2 * hidden, hidden, bias=False)
            self.w_dec = nn.Linear(hidden, hidden)
            self.v = nn.Linear(hidden, 1, bias=False)
            self.out = nn.Linear(hidden + 2 * hidden, vocab)

        def forward(self, source, source_pad, target):
            lengths = (~source_pad).sum(dim=1)
            packed = nn.utils.rnn.pack_padded_sequence(
                self.src_embed(source), lengths, batch_first=True, enforce_sorted=False
            )
            enc, h_n = self.encoder(packed)
            enc, _ = nn.utils.rnn.pad_packed_sequence(
                enc, batch_first=True, total_length=source.size(1)
            )
            h = torch.tanh(self.bridge(torch.cat([h_n[0], h_n[1]], dim=-1)))
            keys = self.w_enc(enc)
            logits = []
            for t in range(target.size(1) - 1):  # teacher forcing: feed the true previous token
                scores = self.v(torch.tanh(keys + self.w_dec(h).unsqueeze(1))).squeeze(-1)
                scores = scores.masked_fill(source_pad, float("-inf"))
                weights = F.softmax(scores, dim=-1)
                context = torch.bmm(weights.unsqueeze(1), enc).squeeze(1)
                h = self.decoder(torch.cat([self.tgt_embed(target[:, t]), context], -1), h)
                logits.append(self.out(torch.cat([h, context], dim=-1)))
            return torch.stack(logits, dim=1)

    model = Seq2Seq().double()
    load_seeded(torch, model, 6)
    optimizer = torch.optim.RMSprop(model.parameters(), lr=3e-3, momentum=0.5)
    source, pad, target = (torch.from_numpy(a) for a in seq2seq_data())
    losses = []
    for _ in range(2):
        for src, mask, tgt in zip(source, pad, target, strict=True):
            logits = model(src, mask, tgt)
            loss = F.cross_entropy(logits.transpose(1, 2), tgt[:, 1:], ignore_index=0)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_value_(model.parameters(), 0.5)
            optimizer.step()
            losses.append(loss.item())
    return losses, model.state_dict()


def test_seq2seq() -> None:
    run_on_both(seq2seq, rtol=1e-10)


# 7. DataLoader, gradient accumulation, checkpoint and resume ------------------------------------


def regression_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    x = rng.standard_normal((37, 5))
    y = x @ rng.standard_normal((5, 2)) + 0.1 * rng.standard_normal((37, 2))
    return x, y


def dataloader_training(
    torch: Any,
    stop_after: int | None = None,
    numpy_order: bool = False,
    checkpoints: list[bytes] | None = None,
) -> tuple[list[float], Any]:
    """Three epochs of mini-batches, two micro-batches per optimizer step; with
    ``stop_after``, a checkpoint is written at that epoch, the objects are made anew and
    loaded from it. ``numpy_order``: the sampler shuffles with NumPy, seeded by the epoch, in
    place of ``shuffle=True`` with a seeded ``Generator`` (whose numbers are torch's own).
    ``checkpoints``: the checkpoint written is appended to it; when it holds one already,
    that one is loaded instead (written by the other library)."""
    nn = torch.nn
    data = torch.utils.data

    class EpochShuffle(data.Sampler):
        def __init__(self, size: int) -> None:
            self.size, self.epoch = size, 0

        def __iter__(self):
            return iter(np.random.default_rng(self.epoch).permutation(self.size).tolist())

        def __len__(self) -> int:
            return self.size

    def collate(batch):
        xs, ys = zip(*batch, strict=True)
        return {"x": torch.stack(xs), "y": torch.stack(ys)}

    def make():
        model = nn.Sequential(nn.Linear(5, 8), nn.GELU(), nn.Linear(8, 2)).double()
        load_seeded(torch, model, 7)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=12)
        return model, optimizer, scheduler

    x, y = (torch.from_numpy(a) for a in regression_data())
    dataset = data.TensorDataset(x, y)
    generator = torch.Generator().manual_seed(1234)
    sampler = EpochShuffle(len(dataset))
    if numpy_order:
        order = {"sampler": sampler}
    else:
        order = {"shuffle": True, "generator": generator}
    loader = data.DataLoader(dataset, batch_size=8, drop_last=True, collate_fn=collate, **order)
    assert len(loader) == 4
    model, optimizer, scheduler = make()
    accumulate = 2
    losses = []
    for epoch in range(3):
        sampler.epoch = epoch
        if epoch == stop_after:
            buffer = io.BytesIO()
            torch.save(
                {
                    "model": model.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "scheduler": scheduler.state_dict(),
                    "rng": None if numpy_order else generator.get_state(),
                    "epoch": epoch,
                },
                buffer,
            )
            del model, optimizer, scheduler
            if checkpoints is not None:
                checkpoints.append(buffer.getvalue())
                buffer = io.BytesIO(checkpoints[0])
            buffer.seek(0)
            checkpoint = torch.load(buffer)
            model, optimizer, scheduler = make()
            model.load_state_dict(checkpoint["model"])
            optimizer.load_state_dict(checkpoint["optimizer"])
            scheduler.load_state_dict(checkpoint["scheduler"])
            if not numpy_order:
                generator.set_state(checkpoint["rng"])
        optimizer.zero_grad()
        for i, batch in enumerate(loader):
            loss = nn.functional.mse_loss(model(batch["x"]), batch["y"])
            (loss / accumulate).backward()
            if (i + 1) % accumulate == 0:
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad()
            losses.append(loss.item())
    return losses, model.state_dict()


@pytest.mark.parametrize("numpy_order", [False, True])
def test_dataloader_training(numpy_order: bool) -> None:
    # arraygrad.Generator is torch's generator: shuffle=True with a seeded Generator gives
    # torch's order, as does a sampler of NumPy's.
    run_on_both(lambda torch: dataloader_training(torch, numpy_order=numpy_order), rtol=1e-10)


@pytest.mark.parametrize("numpy_order", [False, True])
def test_a_torch_checkpoint_resumes_on_arraygrad(numpy_order: bool) -> None:
    # torch.save's bytes (model, optimizer and scheduler state_dicts, and the shuffling
    # Generator's state: torch's bytes, which arraygrad's Generator takes) read by torch.load
    # on arraygrad, which trains on as torch does. (Not the other way: arraygrad.save writes
    # safetensors, never a pickle, which torch.load does not read.)
    checkpoints: list[bytes] = []
    results = [
        dataloader_training(library, stop_after=1, numpy_order=numpy_order, checkpoints=checkpoints)
        for library in (torch, ag)
    ]
    uninterrupted, state = dataloader_training(torch, numpy_order=numpy_order)
    for losses, resumed in results:
        np.testing.assert_allclose(losses, uninterrupted, rtol=1e-10)
        for key, value in numpy_state(state).items():
            np.testing.assert_allclose(numpy_state(resumed)[key], value, rtol=1e-10)


@pytest.mark.parametrize("numpy_order", [False, True])
@pytest.mark.parametrize("name", LIBRARIES)
def test_dataloader_training_resumed_equals_uninterrupted(name: str, numpy_order: bool) -> None:
    library = LIBRARIES[name]
    losses, state = dataloader_training(library, numpy_order=numpy_order)
    resumed_losses, resumed = dataloader_training(library, stop_after=2, numpy_order=numpy_order)
    assert resumed_losses == losses
    resumed = numpy_state(resumed)
    for key, value in numpy_state(state).items():
        np.testing.assert_array_equal(resumed[key], value)


# 8. Custom autograd.Function, register_buffer, weight_norm, compile ------------------------------


def quantized_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(8)
    x = rng.standard_normal((6, 8, 6))
    y = rng.integers(0, 3, size=(6, 8))
    return x, y


def quantized_net(torch: Any) -> tuple[list[float], dict[str, Any]]:
    nn = torch.nn

    class RoundSTE(torch.autograd.Function):
        """Round in the forward pass; pass the gradient straight through, clipped to |x| <= 2."""

        @staticmethod
        def forward(ctx, x, scale):
            ctx.save_for_backward(x)
            return torch.round(x * scale) / scale

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * (x.abs() <= 2).to(grad.dtype), None

    class QuantNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.register_buffer("mean", torch.zeros(6, dtype=torch.float64))
            self.register_buffer("steps", torch.tensor(0))
            self.fc1 = nn.utils.parametrizations.weight_norm(nn.Linear(6, 12).double())
            self.fc2 = nn.utils.parametrizations.spectral_norm(nn.Linear(12, 3).double())

        def forward(self, x):
            if self.training:
                with torch.no_grad():
                    self.mean.mul_(0.9).add_(0.1 * x.mean(0))
                    self.steps += 1
            h = RoundSTE.apply(self.fc1(x - self.mean), 4.0)
            return self.fc2(torch.relu(h))

    model = QuantNet()
    load_seeded(torch, model, 8)
    compiled = torch.compile(model, backend="aot_eager")  # (torch: no C++ build in the test)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    inputs, labels = (torch.from_numpy(a) for a in quantized_data())
    losses = []
    for x, y in zip(inputs, labels, strict=True):
        loss = nn.functional.cross_entropy(compiled(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    compiled.eval()
    with torch.no_grad():
        losses += compiled(inputs[0]).flatten().tolist()
    return losses, model.state_dict()


@pytest.mark.filterwarnings("error:arraygrad.compile")  # the compiled model replays
def test_quantized_net() -> None:
    run_on_both(quantized_net, rtol=1e-10)
