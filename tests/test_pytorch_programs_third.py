"""A third batch of whole PyTorch programs run unchanged on torch 2.13.0 and on arraygrad (see
tests/test_pytorch_programs.py for the harness): a physics-informed net fitted by LBFGS with a
strong Wolfe line search, a graph network's message passing, a normalizing flow over
``torch.distributions``, CTC speech recognition over packed sequences, contrastive learning
with weight averaging, a memory-saving float32 image model, a DQN and a Gaussian process,
knowledge distillation into an orthogonally parametrized student, and a spatial transformer
whose sampling points start exactly on pixels."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tests.test_pytorch_programs import load_seeded, run_on_both

# 16. Physics-informed net: u_xx by two autograd.grad calls, a jvp, LBFGS with strong Wolfe ----


def collocation_points() -> np.ndarray:
    return np.random.default_rng(16).uniform(0.0, 1.0, size=(24, 1))


def physics_informed(torch: Any) -> tuple[list[float], dict[str, Any]]:
    nn = torch.nn
    model = nn.Sequential(
        nn.Linear(1, 12), nn.Tanh(), nn.Linear(12, 12), nn.Tanh(), nn.Linear(12, 1)
    ).double()
    load_seeded(torch, model, 16)
    x = torch.from_numpy(collocation_points()).requires_grad_(True)
    boundary = torch.tensor([[0.0], [1.0]], dtype=torch.float64)
    source = -(math.pi**2) * torch.sin(math.pi * x.detach())

    def pde_loss():
        u = model(x)
        (u_x,) = torch.autograd.grad(u, x, grad_outputs=torch.ones_like(u), create_graph=True)
        (u_xx,) = torch.autograd.grad(u_x.sum(), x, create_graph=True)
        # the slope at 0 (pi for sin(pi x)) by forward mode, differentiated in reverse mode
        _, slope = torch.func.jvp(model, (boundary[:1],), (torch.ones_like(boundary[:1]),))
        dirichlet = model(boundary).pow(2).mean()
        return (
            (u_xx - source).pow(2).mean() + 10.0 * dirichlet + 0.1 * (slope - math.pi).pow(2).sum()
        )

    losses = []
    warmup = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(3):
        warmup.zero_grad()
        loss = pde_loss()
        loss.backward()
        warmup.step()
        losses.append(loss.item())
    lbfgs = torch.optim.LBFGS(
        model.parameters(), lr=1.0, max_iter=6, history_size=4, line_search_fn="strong_wolfe"
    )

    def closure():
        lbfgs.zero_grad()
        loss = pde_loss()
        loss.backward()
        return loss

    for _ in range(3):
        losses.append(lbfgs.step(closure).item())
    state = lbfgs.state_dict()["state"][0]
    losses += [state["func_evals"], state["n_iter"], state["t"]]
    with torch.no_grad():
        grid = torch.linspace(0, 1, 11, dtype=torch.float64).unsqueeze(1)
        losses.append((model(grid) - torch.sin(math.pi * grid)).abs().max().item())
    return losses, model.state_dict()


def test_physics_informed() -> None:
    run_on_both(physics_informed, rtol=1e-10)


# 17. Graph network: message passing with index_add_, scatter_reduce and an edge softmax -------


def graph_data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(17)
    edges = rng.integers(0, 12, size=(2, 40))
    edges = edges[:, edges[0] != edges[1]]
    edges[1, edges[1] == 11] = 10  # node 11 receives no message
    features = rng.standard_normal((12, 5))
    labels = rng.integers(0, 3, size=12)
    train = rng.random(12) < 0.7
    return edges[0], edges[1], features, labels, train


def graph_network(torch: Any) -> tuple[list[float], dict[str, Any]]:
    nn = torch.nn
    F = nn.functional

    class MessagePassing(nn.Module):
        def __init__(self, dim_in: int, dim_out: int) -> None:
            super().__init__()
            self.message = nn.Linear(2 * dim_in, dim_out)
            self.score = nn.Linear(dim_out, 1)
            self.update = nn.Linear(dim_in + 3 * dim_out, dim_out)

        def forward(self, x, src, dst):
            n = x.size(0)
            pairs = torch.cat([x.index_select(0, src), x.index_select(0, dst)], dim=-1)
            m = F.relu(self.message(pairs))  # zeros tie for amax
            index = dst.unsqueeze(1).expand_as(m)
            largest = m.new_zeros(n, m.size(1)).scatter_reduce(
                0, index, m, reduce="amax", include_self=False
            )
            mean = torch.zeros_like(largest).scatter_reduce(
                0, index, m, reduce="mean", include_self=False
            )
            # attention over each node's incoming edges: a softmax per segment
            e = F.leaky_relu(self.score(m).squeeze(1), 0.2)
            e_max = torch.full((n,), -1e9, dtype=e.dtype).scatter_reduce(
                0, dst, e, reduce="amax", include_self=True
            )
            w = torch.exp(e - e_max[dst])
            alpha = w / torch.zeros(n, dtype=w.dtype).index_add(0, dst, w)[dst]
            attended = torch.zeros_like(largest).index_add_(0, dst, alpha.unsqueeze(1) * m)
            return self.update(torch.cat([x, largest, mean, attended], dim=-1))

    class GNN(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layers = nn.ModuleList([MessagePassing(5, 8), MessagePassing(8, 8)])
            self.out = nn.Linear(8, 3)

        def forward(self, x, src, dst):
            for layer in self.layers:
                x = torch.tanh(layer(x, src, dst))
            return self.out(x)

    model = GNN().double()
    load_seeded(torch, model, 17)
    optimizer = torch.optim.Adamax(model.parameters(), lr=2e-2, weight_decay=1e-3)
    scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.9)
    src, dst, x, y, train = (torch.from_numpy(a) for a in graph_data())
    degree = torch.bincount(dst, minlength=x.size(0))
    losses = [degree.tolist()[-1]]
    for _ in range(6):
        logits = model(x, src, dst)
        loss = F.cross_entropy(logits[train], y[train])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        accuracy = (logits.argmax(1)[~train] == y[~train]).double().mean()
        losses += [loss.item(), accuracy.item()]
    return losses, model.state_dict()


def test_graph_network() -> None:
    run_on_both(graph_network, rtol=1e-10)


# 18. Normalizing flow: a TransformedDistribution with an affine map and coupling layers ------


def moons() -> np.ndarray:
    rng = np.random.default_rng(18)
    angle = rng.uniform(0, np.pi, size=(5, 32))
    upper = rng.random((5, 32)) < 0.5
    x = np.where(upper, np.cos(angle), 1 - np.cos(angle))
    y = np.where(upper, np.sin(angle), 0.5 - np.sin(angle))
    return np.stack([x, y], axis=-1) + 0.05 * rng.standard_normal((5, 32, 2))


def normalizing_flow(torch: Any) -> tuple[list[float], dict[str, Any]]:
    nn = torch.nn
    D = torch.distributions

    class Coupling(D.Transform):
        """Real NVP: the unmasked coordinates scaled and shifted by functions of the masked."""

        domain = D.constraints.real_vector
        codomain = D.constraints.real_vector
        bijective = True

        def __init__(self, net, mask) -> None:
            super().__init__(cache_size=1)
            self.net, self.mask = net, mask

        def _scale_shift(self, x):
            s, t = self.net(x * self.mask).chunk(2, dim=-1)
            return torch.tanh(s) * (1 - self.mask), t * (1 - self.mask)

        def _call(self, x):
            s, t = self._scale_shift(x)
            return x * torch.exp(s) + t

        def _inverse(self, y):
            s, t = self._scale_shift(y)
            return (y - t) * torch.exp(-s)

        def log_abs_det_jacobian(self, x, y):
            return self._scale_shift(x)[0].sum(-1)

    class Flow(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.loc = nn.Parameter(torch.zeros(2))
            self.raw_scale = nn.Parameter(torch.zeros(2))
            self.nets = nn.ModuleList(
                nn.Sequential(nn.Linear(2, 16), nn.SiLU(), nn.Linear(16, 4)) for _ in range(3)
            )
            self.register_buffer("masks", torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]))

        def distribution(self):
            base = D.Independent(D.Normal(torch.zeros(2), torch.ones(2)), 1)
            scale = nn.functional.softplus(self.raw_scale) + 1e-3
            transforms = [D.AffineTransform(self.loc, scale, event_dim=1)]
            transforms += [Coupling(net, m) for net, m in zip(self.nets, self.masks, strict=True)]
            return D.TransformedDistribution(base, transforms)

    torch.set_default_dtype(torch.float64)
    try:
        model = Flow()
        load_seeded(torch, model, 18)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
        losses = []
        for batch in torch.from_numpy(moons()):
            flow = model.distribution()
            loss = -flow.log_prob(batch).mean()
            optimizer.zero_grad()
            loss.backward()
            norm = nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
            losses += [loss.item(), norm.item()]
        flow = model.distribution()
        torch.manual_seed(18)
        samples = flow.rsample((6,))
        assert flow.event_shape == (2,) and samples.shape == (6, 2)
        losses += samples.detach().flatten().tolist()
        # the sample is a differentiable function of the parameters
        (grad_loc,) = torch.autograd.grad(samples.sum(), model.loc)
        losses += grad_loc.tolist() + flow.log_prob(samples).detach().tolist()
    finally:
        torch.set_default_dtype(torch.float32)
    return losses, model.state_dict()


def test_normalizing_flow() -> None:
    run_on_both(normalizing_flow, rtol=1e-10)


# 19. Speech recognition: Conv1d, a packed bidirectional LSTM, CTC loss, ReduceLROnPlateau ----

BLANK, LABELS = 0, 5


def speech_data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(19)
    frames = rng.standard_normal((4, 5, 14, 6))  # (steps, batch, time, features)
    lengths = np.sort(rng.integers(8, 15, size=(4, 5)), axis=1)[:, ::-1].copy()
    lengths[:, 0] = 14
    target_lengths = rng.integers(1, 5, size=(4, 5))
    targets = rng.integers(1, LABELS, size=(4, 5, 4))
    return frames, lengths, targets, target_lengths


def speech_ctc(torch: Any) -> tuple[list[float], dict[str, Any]]:
    nn = torch.nn
    F = nn.functional
    rnn = nn.utils.rnn

    class Recognizer(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv1d(6, 8, kernel_size=3, padding=1)
            self.norm = nn.LayerNorm(8)
            self.lstm = nn.LSTM(8, 10, batch_first=True, bidirectional=True)
            self.out = nn.Linear(20, LABELS)

        def forward(self, frames, lengths):
            h = F.hardswish(self.conv(frames.transpose(1, 2))).transpose(1, 2)
            packed = rnn.pack_padded_sequence(self.norm(h), lengths, batch_first=True)
            out, _ = self.lstm(packed)
            out, out_lengths = rnn.pad_packed_sequence(out, batch_first=True)
            assert torch.equal(out_lengths, lengths)
            return F.log_softmax(self.out(out), dim=-1)

    model = Recognizer().double()
    load_seeded(torch, model, 19)
    optimizer = torch.optim.Adadelta(model.parameters(), lr=1.0, rho=0.8)
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(
        optimizer, mode="min", factor=0.5, patience=0, threshold=0.05, cooldown=1
    )
    ctc = nn.CTCLoss(blank=BLANK, reduction="mean", zero_infinity=True)
    frames, lengths, targets, target_lengths = (torch.from_numpy(a) for a in speech_data())
    losses = []
    for _ in range(2):
        for x, n, y, m in zip(frames, lengths, targets, target_lengths, strict=True):
            log_probs = model(x, n)
            # padded (batch, S) targets for the module, concatenated ones for the function
            loss = ctc(log_probs.transpose(0, 1), y, n, m)
            flat = torch.cat([row[:k] for row, k in zip(y, m, strict=True)])
            summed = F.ctc_loss(log_probs.transpose(0, 1), flat, n, m, reduction="sum")
            optimizer.zero_grad()
            (loss + 1e-3 * summed).backward()
            nn.utils.clip_grad_value_(model.parameters(), clip_value=0.1)
            optimizer.step()
            plateau.step(loss.item())
            losses += [loss.item(), summed.item(), optimizer.param_groups[0]["lr"]]
    model.eval()
    with torch.no_grad():
        best = model(frames[0], lengths[0]).argmax(-1)
        for row, n in zip(best, lengths[0], strict=True):
            decoded = torch.unique_consecutive(row[:n])
            losses += decoded[decoded != BLANK].tolist() + [-1]
    return losses, model.state_dict()


def test_speech_ctc() -> None:
    run_on_both(speech_ctc, rtol=1e-10)


# 20. Contrastive learning: NT-Xent over a masked cosine similarity matrix, SWA and EMA -------


def view_data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(20)
    x = rng.standard_normal((8, 6, 10))
    return x, 0.1 * rng.standard_normal(x.shape), rng.uniform(0.8, 1.2, size=x.shape)


def contrastive(torch: Any) -> tuple[list[float], dict[str, Any]]:
    nn = torch.nn
    F = nn.functional
    swa_utils = torch.optim.swa_utils
    model = nn.Sequential(
        nn.Linear(10, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 8)
    ).double()
    load_seeded(torch, model, 20)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    cyclic = torch.optim.lr_scheduler.CyclicLR(
        optimizer, base_lr=0.01, max_lr=0.1, step_size_up=2, mode="triangular2"
    )
    swa_model = swa_utils.AveragedModel(model)
    ema = swa_utils.AveragedModel(
        model, avg_fn=lambda avg, new, count: 0.8 * avg + 0.2 * new, use_buffers=True
    )
    swa_scheduler = swa_utils.SWALR(optimizer, swa_lr=0.02, anneal_epochs=2, anneal_strategy="cos")
    temperature = 0.5
    data, noise, scale = (torch.from_numpy(a) for a in view_data())
    losses = []
    for step, (x, eps, s) in enumerate(zip(data, noise, scale, strict=True)):
        z = F.normalize(model(torch.cat([x + eps, x * s])), dim=1)
        n = x.size(0)
        sim = (z @ z.T / temperature).masked_fill(torch.eye(2 * n, dtype=torch.bool), -math.inf)
        positives = torch.cat([torch.arange(n, 2 * n), torch.arange(n)])
        loss = F.cross_entropy(sim, positives)
        pairwise = F.cosine_similarity(z[:n, None], z[None, n:], dim=-1)
        symmetric = 0.5 * (
            F.cross_entropy(pairwise / temperature, torch.arange(n))
            + F.cross_entropy(pairwise.T / temperature, torch.arange(n))
        )
        optimizer.zero_grad()
        (loss + symmetric).backward()
        optimizer.step()
        ema.update_parameters(model)
        if step < 4:
            cyclic.step()
        else:
            swa_model.update_parameters(model)
            swa_scheduler.step()
        losses += [loss.item(), symmetric.item(), optimizer.param_groups[0]["lr"]]
    swa_utils.update_bn(
        [torch.cat([x, x * s]) for x, s in zip(data, scale, strict=True)], swa_model
    )
    losses.append(swa_model.n_averaged.item())
    state = dict(model.state_dict())
    state.update({f"swa.{k}": v for k, v in swa_model.state_dict().items()})
    state.update({f"ema.{k}": v for k, v in ema.state_dict().items()})
    return losses, state


def test_contrastive() -> None:
    run_on_both(contrastive, rtol=1e-10)


# 21. Memory-saving float32 image model: checkpoint_sequential, instance norm, unfold/fold ----


def patch_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(21)
    images = rng.standard_normal((4, 3, 2, 8, 8)).astype(np.float32)
    return images, rng.integers(0, 3, size=(4, 3))


def memory_saving(torch: Any) -> tuple[list[float], dict[str, Any]]:
    nn = torch.nn
    F = nn.functional
    checkpoint = torch.utils.checkpoint

    class PatchAttention(nn.Module):
        """Attention among the 2x2 patches of a feature map, unfolded and folded back."""

        def __init__(self, channels: int) -> None:
            super().__init__()
            # no bias: the keys' one would shift each row of scores, which softmax ignores
            self.qkv = nn.Linear(4 * channels, 3 * 4 * channels, bias=False)

        def forward(self, x):
            h, w = x.shape[-2:]
            patches = F.unfold(x, kernel_size=2, stride=2).transpose(1, 2)
            q, k, v = self.qkv(patches).unsqueeze(1).chunk(3, dim=-1)
            near = torch.ones(patches.size(1), patches.size(1), dtype=torch.bool).triu(-3)
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=near).squeeze(1)
            return x + F.fold(y.transpose(1, 2), (h, w), kernel_size=2, stride=2)

    model = nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1, bias=False),  # a bias would be normalized away
        nn.InstanceNorm2d(4, affine=True),
        nn.Mish(),
        nn.PixelUnshuffle(2),  # (16, 4, 4)
        nn.Conv2d(16, 8, 1),
        PatchAttention(8),
        nn.Upsample(scale_factor=2, mode="nearest"),
        nn.Conv2d(8, 4, 3, stride=2, padding=1, dilation=1),
        nn.Hardswish(),
        nn.AdaptiveMaxPool2d((2, 2)),
        nn.Flatten(),
        nn.Linear(16, 3),
    )
    load_seeded(torch, model, 21)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2, amsgrad=True)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(
        optimizer, T_0=2, T_mult=2, eta_min=1e-4
    )
    images, labels = (torch.from_numpy(a) for a in patch_data())
    losses = []
    for epoch in range(2):
        for i, (x, y) in enumerate(zip(images, labels, strict=True)):
            x = x.requires_grad_(True)  # the first segment's input needs a gradient
            logits = checkpoint.checkpoint_sequential(model, 3, x, use_reentrant=False)
            loss = F.cross_entropy(logits, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step(epoch + i / len(images))
            losses += [loss.item(), x.grad.abs().sum().item(), scheduler.get_last_lr()[0]]
    return losses, model.state_dict()


def test_memory_saving() -> None:
    # float32 over a few steps: an element near 0.002 among weights near 0.1 moved 1.4e-6 when
    # torch summed in another order (CI's worker), so atol is on the weights' scale
    run_on_both(memory_saving, rtol=1e-4, atol=1e-5)


# 22. DQN: a target network, double-Q targets under no_grad, epsilon-greedy, Huber loss --------


def replay_data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(22)
    states = rng.standard_normal((64, 4))
    rewards = rng.standard_normal(64)
    next_states = states + 0.1 * rng.standard_normal((64, 4))
    done = rng.random(64) < 0.1
    return states, rewards, next_states, done


def dqn(torch: Any) -> tuple[list[float], dict[str, Any]]:
    nn = torch.nn
    F = nn.functional

    def network():
        return nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3)).double()

    online, target = network(), network()
    load_seeded(torch, online, 22)
    target.load_state_dict(online.state_dict())
    target.requires_grad_(False)
    optimizer = torch.optim.RMSprop(online.parameters(), lr=1e-3, alpha=0.95, eps=1e-2)
    states, rewards, next_states, done = (torch.from_numpy(a) for a in replay_data())
    rng = np.random.default_rng(220)
    gamma, epsilon = 0.9, 0.5
    actions = torch.zeros(64, dtype=torch.long)
    losses = []
    torch.manual_seed(22)
    for step in range(8):
        # act epsilon-greedily on the replay states, with NumPy's randomness; explore by
        # Boltzmann sampling through the Gumbel-max trick, with torch's seeded generator
        with torch.no_grad():
            q_values = online(states)
            greedy = q_values.argmax(dim=1)
            gumbel = torch.distributions.Gumbel(torch.zeros_like(q_values), 1.0)
            boltzmann = (q_values / 0.5 + gumbel.sample()).argmax(dim=1)
        explore = torch.from_numpy(rng.random(64) < epsilon)
        random_actions = torch.where(torch.from_numpy(rng.random(64) < 0.5), boltzmann, greedy)
        actions = torch.where(explore, random_actions, greedy)
        epsilon = max(0.05, epsilon * 0.8)
        batch = torch.from_numpy(rng.choice(64, size=16, replace=False))
        s, a, r = states[batch], actions[batch], rewards[batch]
        q = online(s).gather(1, a.unsqueeze(1)).squeeze(1)
        with torch.no_grad():
            best_next = online(next_states[batch]).max(dim=1).indices
            next_q = target(next_states[batch]).gather(1, best_next.unsqueeze(1)).squeeze(1)
            plain = target(next_states[batch]).max(1)[0]
            y = r + gamma * next_q * (~done[batch]).to(r.dtype)
        loss = F.huber_loss(q, y, delta=0.5)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(online.parameters(), 1.0, error_if_nonfinite=True)
        optimizer.step()
        if step % 3 == 2:
            target.load_state_dict(online.state_dict())  # hard update
        else:
            with torch.no_grad():  # soft (Polyak) update
                for t, o in zip(target.parameters(), online.parameters(), strict=True):
                    t.lerp_(o, 0.1)
        losses += [loss.item(), plain.mean().item(), float(actions.sum())]
    state = {f"online.{k}": v for k, v in online.state_dict().items()}
    state.update({f"target.{k}": v for k, v in target.state_dict().items()})
    return losses, state


def test_dqn() -> None:
    run_on_both(dqn, rtol=1e-10)


# 23. Gaussian process regression: Cholesky, triangular solves, log-determinants, softplus -----


def gp_data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(23)
    x = np.sort(rng.uniform(-3, 3, size=(20, 1)), axis=0)
    y = np.sin(2 * x[:, 0]) + 0.1 * rng.standard_normal(20)
    return x, y, np.linspace(-3, 3, 7)[:, None]


def gaussian_process(torch: Any) -> tuple[list[float], dict[str, Any]]:
    nn = torch.nn
    F = nn.functional

    class GP(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.raw_lengthscale = nn.Parameter(torch.tensor(0.0, dtype=torch.float64))
            self.raw_variance = nn.Parameter(torch.tensor(0.5, dtype=torch.float64))
            self.raw_noise = nn.Parameter(torch.tensor(-2.0, dtype=torch.float64))
            self.mean = nn.Linear(1, 1).double()

        def kernel(self, a, b):
            ell, var = F.softplus(self.raw_lengthscale), F.softplus(self.raw_variance)
            return var * torch.exp(-0.5 * torch.cdist(a / ell, b / ell).pow(2))

        def covariance(self, x):
            noise = F.softplus(self.raw_noise) + 1e-6
            return self.kernel(x, x) + noise * torch.eye(x.size(0), dtype=x.dtype)

        def nll(self, x, y):
            K = self.covariance(x)
            L = torch.linalg.cholesky(K)
            r = (y - self.mean(x).squeeze(-1)).unsqueeze(-1)
            alpha = torch.cholesky_solve(r, L)
            fit = 0.5 * (r * alpha).sum()
            return fit + L.diagonal().log().sum() + 0.5 * len(y) * math.log(2 * math.pi), K, L

        def predict(self, x, y, test, L):
            Ks = self.kernel(x, test)
            v = torch.linalg.solve_triangular(L, Ks, upper=False)
            r = (y - self.mean(x).squeeze(-1)).unsqueeze(-1)
            w = torch.linalg.solve_triangular(L, r, upper=False)
            mean = self.mean(test).squeeze(-1) + (v * w).sum(0)
            var = F.softplus(self.raw_variance) - v.pow(2).sum(0)
            return mean, var

    model = GP()
    load_seeded(torch, model, 23)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    scheduler = torch.optim.lr_scheduler.PolynomialLR(optimizer, total_iters=8, power=2.0)
    x, y, test = (torch.from_numpy(a) for a in gp_data())
    losses = []
    for _ in range(8):
        nll, K, L = model.nll(x, y)
        sign, logabsdet = torch.linalg.slogdet(K)
        mvn = torch.distributions.MultivariateNormal(model.mean(x).squeeze(-1), scale_tril=L)
        other = -mvn.log_prob(y)
        loss = nll + 0.1 * (torch.logdet(K) - logabsdet) + 0.1 * other
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        losses += [nll.item(), other.item(), sign.item(), torch.logdet(K).item()]
    with torch.no_grad():
        _, K, L = model.nll(x, y)
        mean, var = model.predict(x, y, test, L)
        precision = torch.cholesky_inverse(L)
        residual = (precision @ K - torch.eye(len(y), dtype=K.dtype)).abs().max()
    losses += mean.tolist() + var.tolist() + [float(residual < 1e-8)]
    return losses, model.state_dict()


def test_gaussian_process() -> None:
    run_on_both(gaussian_process, rtol=1e-10)


# 24. Knowledge distillation: KL between tempered softmaxes, an orthogonal student layer -------


def distill_data() -> np.ndarray:
    return np.random.default_rng(24).standard_normal((6, 10, 6))


def distillation(torch: Any) -> tuple[list[float], dict[str, Any]]:
    nn = torch.nn
    F = nn.functional
    teacher = nn.Sequential(nn.Linear(6, 32), nn.GELU(), nn.Linear(32, 4)).double()
    load_seeded(torch, teacher, 240)
    teacher.eval().requires_grad_(False)

    class Student(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Linear(6, 8)
            self.mix = nn.Linear(8, 8, bias=False)
            self.head = nn.Linear(8, 4)

        def forward(self, x):
            return self.head(F.silu(self.mix(F.silu(self.embed(x)))))

    student = Student().double()
    load_seeded(torch, student, 241)
    # parametrized after loading: the initial weight goes through right_inverse
    nn.utils.parametrizations.orthogonal(student.mix)
    groups = {"head": [], "decay": [], "no_decay": []}
    for name, p in student.named_parameters():
        if name.startswith("head."):
            groups["head"].append(p)
        elif name.endswith("bias"):
            groups["no_decay"].append(p)
        else:
            groups["decay"].append(p)
    optimizer = torch.optim.RAdam(
        [
            {"params": groups["decay"], "weight_decay": 1e-2},
            {"params": groups["no_decay"], "weight_decay": 0.0},
            {"params": groups["head"], "lr": 3e-2},
        ],
        lr=1e-2,
        decoupled_weight_decay=True,
    )
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[3, 5], gamma=0.3)
    temperature = 2.0
    losses = []
    for x in torch.from_numpy(distill_data()):
        with torch.no_grad():
            soft = F.log_softmax(teacher(x) / temperature, dim=-1)
        logits = student(x)
        kd = F.kl_div(
            F.log_softmax(logits / temperature, dim=-1),
            soft,
            log_target=True,
            reduction="batchmean",
        )
        hard = F.cross_entropy(logits, soft.argmax(-1))
        loss = temperature**2 * kd + 0.5 * hard
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        losses += [kd.item(), hard.item()] + [g["lr"] for g in optimizer.param_groups]
    w = student.mix.weight
    assert torch.allclose(w @ w.T, torch.eye(8, dtype=w.dtype))
    losses += w.flatten().tolist()
    return losses, student.state_dict()


def test_distillation() -> None:
    run_on_both(distillation, rtol=1e-10)


# 25. Spatial transformer: a localization net started at the identity, affine_grid, grid_sample


def digit_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(25)
    return rng.standard_normal((4, 6, 1, 8, 8)), rng.integers(0, 4, size=(4, 6))


def spatial_transformer(torch: Any) -> tuple[list[float], dict[str, Any]]:
    nn = torch.nn
    F = nn.functional

    class STN(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.localization = nn.Sequential(
                nn.Conv2d(1, 4, 3), nn.MaxPool2d(2), nn.ReLU(), nn.Flatten(), nn.Linear(36, 6)
            )
            self.features = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU())
            self.out = nn.Linear(4 * 8 * 8, 4)

        def start_at_identity(self) -> None:
            # every sampling point then lies exactly on a pixel, where bilinear sampling has a
            # kink and the gradient in theta is one-sided: the grid must be torch's to the bit
            head = self.localization[-1]
            head.weight.data.zero_()
            head.bias.data.copy_(torch.tensor([1, 0, 0, 0, 1, 0], dtype=torch.float64))

        def forward(self, x, align_corners):
            theta = self.localization(x).view(-1, 2, 3)
            grid = F.affine_grid(theta, list(x.size()), align_corners=align_corners)
            x = F.grid_sample(x, grid, align_corners=align_corners, padding_mode="border")
            return self.out(self.features(x).flatten(1)), theta

    model = STN().double()
    load_seeded(torch, model, 25)
    model.start_at_identity()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.5)
    images, labels = (torch.from_numpy(a) for a in digit_data())
    losses = []
    for step, (x, y) in enumerate(zip(images, labels, strict=True)):
        logits, theta = model(x, align_corners=step % 2 == 0)
        loss = F.cross_entropy(logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses += [loss.item(), theta.mean().item()]
        losses += model.localization[-1].bias.grad.tolist()
    return losses, model.state_dict()


def test_spatial_transformer() -> None:
    run_on_both(spatial_transformer, rtol=1e-10)


# 26. A Transformer trained with dropout on: torch's masks from the same seed ------------------


def sequence_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(26)
    return rng.integers(0, 10, size=(4, 6, 7)), rng.integers(0, 2, size=(4, 6))


def dropout_transformer(torch: Any) -> tuple[list[float], dict[str, Any]]:
    nn = torch.nn

    class Tagger(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Embedding(10, 8)
            self.drop = nn.Dropout(0.1)
            layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.2, batch_first=True)
            self.encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
            self.out = nn.Linear(8, 2)

        def forward(self, tokens):
            # batch_first attention hands back a transposed view: dropout1's mask follows
            # its memory order in torch
            return self.out(self.encoder(self.drop(self.embed(tokens))).mean(1))

    model = Tagger().double()
    load_seeded(torch, model, 26)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    tokens, labels = (torch.from_numpy(a) for a in sequence_data())
    torch.manual_seed(26)
    losses = []
    model.train()
    for x, y in zip(tokens, labels, strict=True):
        loss = nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    losses += torch.rand(3).tolist()  # the generator went on alike
    return losses, model.state_dict()


def test_dropout_transformer() -> None:
    # float64; atol on the scale of the weights' rounding: a bias gradient that cancels to 0.0014
    # (its terms near 0.2) differs by 1.6e-13 with the summation order, and torch's own value
    # moved by 8e-14 between two runs of this test
    run_on_both(dropout_transformer, rtol=1e-10, atol=1e-12)
