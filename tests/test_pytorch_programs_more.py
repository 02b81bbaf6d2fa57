"""More whole PyTorch programs run unchanged on torch 2.13.0 and on arraygrad (see
tests/test_pytorch_programs.py for the harness): a tiny GPT, a float32 U-Net, REINFORCE, MAML
with per-sample gradients, bfloat16 autocast, metric learning over embedding bags and an
``nn.Transformer`` translator."""

from __future__ import annotations

from typing import Any

import numpy as np

from tests.test_pytorch_programs import load_seeded, run_on_both

# 9. A tiny GPT: causal attention, weight tying, checkpointing, EMA, chained schedules ---------


def gpt_data() -> np.ndarray:
    rng = np.random.default_rng(9)
    return rng.integers(0, 16, size=(5, 4, 11))


def tiny_gpt(torch: Any) -> tuple[list[float], dict[str, Any]]:
    nn = torch.nn
    F = nn.functional

    class Block(nn.Module):
        def __init__(self, dim: int, heads: int) -> None:
            super().__init__()
            self.heads = heads
            self.ln1, self.ln2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
            self.qkv = nn.Linear(dim, 3 * dim)
            self.proj = nn.Linear(dim, dim)
            self.mlp = nn.Sequential(
                nn.Linear(dim, 4 * dim), nn.GELU(approximate="tanh"), nn.Linear(4 * dim, dim)
            )

        def attend(self, x):
            b, t, c = x.shape
            q, k, v = self.qkv(x).split(c, dim=2)
            q, k, v = (y.view(b, t, self.heads, c // self.heads).transpose(1, 2) for y in (q, k, v))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            return self.proj(y.transpose(1, 2).contiguous().view(b, t, c))

        def forward(self, x):
            x = x + torch.utils.checkpoint.checkpoint(self.attend, self.ln1(x), use_reentrant=False)
            return x + self.mlp(self.ln2(x))

    class GPT(nn.Module):
        def __init__(self, vocab: int = 16, dim: int = 16, context: int = 10) -> None:
            super().__init__()
            self.embed = nn.Embedding(vocab, dim)
            self.pos = nn.Embedding(context, dim)
            self.blocks = nn.ModuleList(Block(dim, 2) for _ in range(2))
            self.ln = nn.LayerNorm(dim)
            self.head = nn.Linear(dim, vocab, bias=False)
            self.head.weight = self.embed.weight  # tied
            self.register_buffer("positions", torch.arange(context), persistent=False)

        def forward(self, idx, targets=None):
            x = self.embed(idx) + self.pos(self.positions[: idx.size(1)])
            for block in self.blocks:
                x = block(x)
            logits = self.head(self.ln(x))
            if targets is None:
                return logits, None
            return logits, F.cross_entropy(logits.view(-1, logits.size(-1)), targets.reshape(-1))

    model = GPT().double()
    load_seeded(torch, model, 9)
    assert "positions" not in model.state_dict()
    assert len(list(model.parameters())) == len(model.state_dict()) - 1  # one tied weight
    ema = torch.optim.swa_utils.AveragedModel(
        model, multi_avg_fn=torch.optim.swa_utils.get_ema_multi_avg_fn(0.9)
    )
    decay = {n for n, p in model.named_parameters() if p.dim() >= 2}
    groups = [
        {"params": [p for n, p in model.named_parameters() if n in decay], "weight_decay": 0.1},
        {"params": [p for n, p in model.named_parameters() if n not in decay], "weight_decay": 0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=1e-2, betas=(0.9, 0.95))
    scheduler = torch.optim.lr_scheduler.SequentialLR(
        optimizer,
        [
            torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=0.1, total_iters=2),
            torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=4, eta_min=1e-3),
        ],
        milestones=[2],
    )
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=0)
    losses = []
    for batch in torch.from_numpy(gpt_data()):
        _, loss = model(batch[:, :-1], batch[:, 1:])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0, foreach=True)
        optimizer.step()
        scheduler.step()
        ema.update_parameters(model)
        losses += [loss.item(), optimizer.param_groups[0]["lr"]]
    plateau.step(losses[-2])
    plateau.step(losses[-2] + 1)
    losses.append(optimizer.param_groups[0]["lr"])
    # Generate greedily from the averaged model.
    ema.eval()
    idx = torch.zeros(1, 1, dtype=torch.long)
    with torch.inference_mode():
        for _ in range(6):
            logits, _ = ema.module(idx[:, -10:])
            next_id = torch.topk(F.softmax(logits[:, -1], dim=-1), k=1).indices
            idx = torch.cat([idx, next_id], dim=1)
    losses += idx.flatten().tolist()
    state = dict(model.state_dict())
    state.update({f"ema.{k}": v for k, v in ema.state_dict().items()})
    return losses, state


def test_tiny_gpt() -> None:
    run_on_both(tiny_gpt, rtol=1e-10)


# 10. A float32 U-Net denoiser: group norm, transposed convolution, resampling, channels_last ---


def denoise_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(10)
    clean = rng.random((4, 3, 1, 8, 8)).astype(np.float32)
    noise = (0.2 * rng.standard_normal(clean.shape)).astype(np.float32)
    return clean, noise


def unet_denoiser(torch: Any) -> tuple[list[float], dict[str, Any]]:
    nn = torch.nn
    F = nn.functional

    class UNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inc = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.GroupNorm(2, 8), nn.SiLU())
            self.down = nn.Sequential(nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.SiLU())
            self.mid = nn.Conv2d(16, 16, 1, groups=4)
            self.up = nn.ConvTranspose2d(16, 8, 2, stride=2)
            self.shuffle = nn.Sequential(nn.Conv2d(16, 4, 3, padding=1), nn.PixelShuffle(2))
            self.out = nn.Conv2d(8 + 1, 1, 3, padding="same", padding_mode="reflect")

        def forward(self, x):
            h1 = self.inc(x)
            h2 = self.mid(self.down(h1)) + F.adaptive_avg_pool2d(self.down(h1), 1)
            up = self.up(h2) + F.interpolate(h2[:, :8], scale_factor=2, mode="bilinear")
            fine = F.avg_pool2d(self.shuffle(torch.cat([up, h1], dim=1)), 2)
            return x - self.out(torch.cat([up + h1, fine], dim=1))

    model = UNet().to(memory_format=torch.channels_last)
    load_seeded(torch, model, 10)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2, weight_decay=1e-4)
    clean, noise = (torch.from_numpy(a) for a in denoise_data())
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=2e-2, total_steps=len(clean) * 2
    )
    losses = []
    for _ in range(2):
        for target, eps in zip(clean, noise, strict=True):
            noisy = (target + eps).contiguous(memory_format=torch.channels_last)
            loss = F.smooth_l1_loss(model(noisy), target, beta=0.5) + 0.1 * F.l1_loss(
                model(noisy), target
            )
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            losses.append(loss.item())
    return losses, model.state_dict()


def test_unet_denoiser() -> None:
    run_on_both(unet_denoiser, rtol=1e-4, atol=1e-6)


# 11. REINFORCE with a baseline: Categorical, gather, one_hot, scatter_, LBFGS baseline fit ----


def episode_data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    states = rng.standard_normal((4, 12, 5))
    actions = rng.integers(0, 3, size=(4, 12))
    rewards = rng.standard_normal((4, 12))
    return states, actions, rewards


def reinforce(torch: Any) -> tuple[list[float], dict[str, Any]]:
    nn = torch.nn
    policy = nn.Sequential(nn.Linear(5, 16), nn.ELU(), nn.Linear(16, 3)).double()
    baseline = nn.Linear(5 + 3, 1).double()
    load_seeded(torch, policy, 110)
    load_seeded(torch, baseline, 111)
    optimizer = torch.optim.RMSprop(policy.parameters(), lr=1e-2, centered=True)
    fit = torch.optim.LBFGS(baseline.parameters(), lr=0.5, max_iter=5, history_size=4)
    gamma = 0.9
    states, actions, rewards = (torch.from_numpy(a) for a in episode_data())
    losses = []
    for s, a, r in zip(states, actions, rewards, strict=True):
        returns = torch.zeros_like(r)
        running = torch.tensor(0.0, dtype=torch.float64)
        for t in reversed(range(len(r))):
            running = r[t] + gamma * running
            returns[t] = running
        features = torch.cat([s, nn.functional.one_hot(a, 3).double()], dim=1)

        def closure(features=features, returns=returns):
            fit.zero_grad()
            error = nn.functional.mse_loss(baseline(features).squeeze(1), returns)
            error.backward()
            return error

        losses.append(fit.step(closure).item())
        advantage = returns - baseline(features).squeeze(1).detach()
        dist = torch.distributions.Categorical(logits=policy(s))
        log_prob = dist.log_prob(a)
        picked = torch.log_softmax(policy(s), -1).gather(1, a.unsqueeze(1)).squeeze(1)
        assert torch.allclose(picked, log_prob)
        mask = torch.zeros(len(a), 3, dtype=torch.float64).scatter_(1, a.unsqueeze(1), 1.0)
        loss = -(log_prob * advantage).mean() - 0.01 * dist.entropy().mean()
        loss = loss + 0.0 * (mask * dist.logits).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    state = {f"policy.{k}": v for k, v in policy.state_dict().items()}
    state.update({f"baseline.{k}": v for k, v in baseline.state_dict().items()})
    return losses, state


def test_reinforce() -> None:
    run_on_both(reinforce, rtol=1e-10)


# 12. MAML and DP-SGD: torch.func (functional_call, grad, vmap), second-order autograd.grad ----


def task_data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(12)
    x = rng.uniform(-3, 3, size=(4, 2, 10, 1))  # (tasks, support/query, shots, 1)
    phase = rng.uniform(0, np.pi, size=(4, 1, 1, 1))
    noise = rng.standard_normal((4, 97))  # one draw per parameter
    return x, np.sin(x + phase), noise


def maml_dpsgd(torch: Any) -> tuple[list[float], dict[str, Any]]:
    nn = torch.nn
    F = nn.functional
    func = torch.func
    model = nn.Sequential(nn.Linear(1, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 1))
    model = model.double()
    load_seeded(torch, model, 12)
    meta_opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    xs, ys, noise = (torch.from_numpy(a) for a in task_data())
    losses = []
    for x, y in zip(xs, ys, strict=True):  # one task per meta step
        params = dict(model.named_parameters())
        for _ in range(2):  # inner steps, differentiated through (second order)
            inner = F.mse_loss(func.functional_call(model, params, (x[0],)), y[0])
            grads = torch.autograd.grad(inner, list(params.values()), create_graph=True)
            params = {n: p - 0.1 * g for (n, p), g in zip(params.items(), grads, strict=True)}
        outer = F.mse_loss(func.functional_call(model, params, (x[1],)), y[1])
        meta_opt.zero_grad()
        outer.backward()
        meta_opt.step()
        losses += [inner.item(), outer.item()]

    # DP-SGD on the meta-trained model: per-sample gradients, clipped, noised, averaged.
    params = {n: p.detach() for n, p in model.named_parameters()}

    def sample_loss(params, x, y):
        prediction = func.functional_call(model, params, (x.unsqueeze(0),))
        return F.mse_loss(prediction, y.unsqueeze(0))

    per_sample = func.vmap(func.grad(sample_loss), in_dims=(None, 0, 0))
    for x, y, z in zip(xs[:, 0], ys[:, 0], noise, strict=True):
        grads = per_sample(params, x, y)
        flat = torch.cat([g.flatten(1) for g in grads.values()], dim=1)
        factor = (1.0 / (flat.norm(dim=1) + 1e-6)).clamp(max=1.0)
        noisy = (flat * factor[:, None]).sum(0) + 0.1 * z
        with torch.no_grad():
            offset = 0
            for name, p in params.items():
                update = noisy[offset : offset + p.numel()].view_as(p) / len(x)
                params[name] = p - 0.05 * update
                offset += p.numel()
        losses.append(func.functional_call(model, params, (x,)).sub(y).pow(2).mean().item())
    torch.nn.utils.vector_to_parameters(
        torch.cat([p.flatten() for p in params.values()]), model.parameters()
    )
    losses.append(torch.nn.utils.parameters_to_vector(model.parameters()).sum().item())
    return losses, model.state_dict()


def test_maml_dpsgd() -> None:
    run_on_both(maml_dpsgd, rtol=1e-10)


# 13. Mixed precision: autocast to bfloat16 on the CPU, with a GradScaler --------------------------


def mixed_precision(torch: Any) -> tuple[list[float], dict[str, Any]]:
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv1d(3, 8, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 12, 4)
    )
    load_seeded(torch, model, 13)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0**4)
    rng = np.random.default_rng(13)
    inputs = torch.from_numpy(rng.standard_normal((4, 6, 3, 12)).astype(np.float32))
    labels = torch.from_numpy(rng.integers(0, 4, size=(4, 6)))
    losses = []
    for x, y in zip(inputs, labels, strict=True):
        with torch.autocast("cpu", dtype=torch.bfloat16):
            logits = model(x)
            assert logits.dtype == torch.bfloat16
            loss = nn.functional.cross_entropy(logits, y)
            assert loss.dtype == torch.float32
        optimizer.zero_grad()
        scaler.scale(loss).backward()
        scaler.unscale_(optimizer)
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        scaler.step(optimizer)
        scaler.update()
        losses += [loss.item(), scaler.get_scale()]
    return losses, model.state_dict()


def test_mixed_precision() -> None:
    # The first steps agree bit for bit; then the bfloat16 gradients of linear's weight and
    # bias (one bit of some elements, docs/float16.md) move the float32 parameters apart
    run_on_both(mixed_precision, rtol=1e-3, atol=1e-3)


# 14. Metric learning over bags of items: EmbeddingBag, a custom parametrization, cdist -------


def bag_data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(14)
    items = rng.integers(0, 30, size=(4, 3, 20))  # (steps, anchor/positive/negative, items)
    offsets = np.array([0, 3, 7, 8, 12, 17])  # six bags per row
    weights = rng.uniform(0.5, 1.5, size=(4, 3, 20))
    labels = rng.choice([-1, 1], size=(4, 6))
    return items, offsets, weights, labels


def bag_metric_learning(torch: Any) -> tuple[list[float], dict[str, Any]]:
    nn = torch.nn
    F = nn.functional
    parametrize = nn.utils.parametrize

    class Symmetric(nn.Module):
        def forward(self, w):
            return w.triu() + w.triu(1).transpose(0, 1)

    class Encoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bag = nn.EmbeddingBag(30, 8, mode="sum")
            self.mix = nn.Linear(8, 8)
            parametrize.register_parametrization(self.mix, "weight", Symmetric())

        def forward(self, items, offsets, weights):
            return F.normalize(self.mix(self.bag(items, offsets, per_sample_weights=weights)))

    model = Encoder().double()
    load_seeded(torch, model, 14)
    optimizer = torch.optim.Adagrad(model.parameters(), lr=0.1, lr_decay=0.01)
    triplet = nn.TripletMarginLoss(margin=0.5, p=2)
    cosine = nn.CosineEmbeddingLoss(margin=0.1)
    items, offsets, weights, labels = bag_data()
    offsets = torch.from_numpy(offsets)
    losses = []
    for row, w, y in zip(items, weights, labels, strict=True):
        anchor, positive, negative = (
            model(torch.from_numpy(i), offsets, torch.from_numpy(v))
            for i, v in zip(row, w, strict=True)
        )
        with parametrize.cached():
            loss = triplet(anchor, positive, negative) + cosine(
                anchor, negative, torch.from_numpy(y)
            )
        distances = torch.cdist(anchor, positive)
        hardest = distances.diagonal() - distances.min(dim=1).values
        loss = loss + 0.1 * F.relu(hardest).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses += [loss.item(), distances.sum().item()]
    weight = model.mix.weight
    assert torch.equal(weight, weight.T)
    return losses, model.state_dict()


def test_bag_metric_learning() -> None:
    run_on_both(bag_metric_learning, rtol=1e-10)


# 15. nn.Transformer for translation: masks of every kind, need_weights, greedy decoding --------


def translation_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(15)
    source = rng.integers(3, 12, size=(3, 4, 7))
    source[:, :, 5:] = np.where(rng.random((3, 4, 2)) < 0.5, 0, source[:, :, 5:])
    target = np.concatenate(
        [np.ones((3, 4, 1), np.int64), source[:, :, ::-1][:, :, :5], np.full((3, 4, 1), 2)], -1
    )
    return source, np.ascontiguousarray(target)


def translation_transformer(torch: Any) -> tuple[list[float], dict[str, Any]]:
    nn = torch.nn
    F = nn.functional

    class Translator(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Embedding(12, 16, padding_idx=0)
            self.transformer = nn.Transformer(
                d_model=16,
                nhead=2,
                num_encoder_layers=1,
                num_decoder_layers=2,
                dim_feedforward=24,
                dropout=0.0,
                activation="gelu",
                batch_first=True,
            )
            self.out = nn.Linear(16, 12)

        def forward(self, source, target):
            causal = nn.Transformer.generate_square_subsequent_mask(target.size(1))
            h = self.transformer(
                self.embed(source),
                self.embed(target),
                tgt_mask=causal.to(torch.float64),
                src_key_padding_mask=source == 0,
                tgt_key_padding_mask=target == 0,
                memory_key_padding_mask=source == 0,
                tgt_is_causal=True,
            )
            return self.out(h)

    model = Translator().double()
    load_seeded(torch, model, 15)
    optimizer = torch.optim.NAdam(model.parameters(), lr=5e-3)
    source, target = (torch.from_numpy(a) for a in translation_data())
    losses = []
    for _ in range(2):
        for src, tgt in zip(source, target, strict=True):
            logits = model(src, tgt[:, :-1])
            loss = F.cross_entropy(logits.reshape(-1, 12), tgt[:, 1:].reshape(-1), ignore_index=0)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        attention = model.transformer.decoder.layers[0].multihead_attn
        memory = model.transformer.encoder(model.embed(source[0]))
        _, weights = attention(model.embed(target[0]), memory, memory, average_attn_weights=False)
        losses += weights.flatten().tolist()
        tokens = target[0, :, :1]
        for _ in range(4):
            tokens = torch.cat([tokens, model(source[0], tokens)[:, -1:].argmax(-1)], dim=1)
        losses += tokens.flatten().tolist()
    return losses, model.state_dict()


def test_translation_transformer() -> None:
    run_on_both(translation_transformer, rtol=1e-10)
