"""A differential fuzzer for arraygrad.compile: random training steps (a model of random layers,
a random loss, optimizer, gradient clipping and zero_grad placement), run eagerly on one copy
and compiled on another over several calls (a batch-size change, train/eval switches, an LR
scheduler and reseeding between calls), must agree bit for bit: returned values, parameters,
their ``.grad``, optimizer state, buffers and the global generator afterwards.

A second test draws the same cases with every optimizer's lr a 0-d tensor (see
:class:`_TensorLrs`), which the compiled step reads anew on each replay: it must also take as
many traces as the case with float lrs, where no tensor is replaced.

``python -m tests.test_compile_fuzz START COUNT [--tensor-lr]`` runs more seeds than the tests
do and prints each divergence with the case's description."""

from __future__ import annotations

import random
import sys
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import arraygrad as ag
import arraygrad.nn.functional as F

Op = Callable[[ag.Tensor], ag.Tensor]


class _Net(ag.nn.Module):
    """Layers and tensor operations drawn at random, applied in turn to a (batch, width)
    tensor, then a linear head to the classes."""

    def __init__(self, rng: random.Random, classes: int, width: int, vocab: int) -> None:
        super().__init__()
        self.layers = ag.nn.ModuleList()
        self.ops: list[Op] = []
        self.notes: list[str] = []
        self.perms: list[ag.Tensor] = []  # index tensors the operations capture
        self.embed: ag.nn.Embedding | None = None
        if rng.random() < 0.4:
            max_norm = rng.choice([None, None, 1.0])
            self.embed = ag.nn.Embedding(vocab, width, max_norm=max_norm)
            self.notes.append(f"embedding(max_norm={max_norm})")
        for _ in range(rng.randint(1, 5)):
            width = self._add(rng, width)
        self.head = ag.nn.Linear(width, classes)

    def _layer(self, module: ag.nn.Module) -> ag.nn.Module:
        self.layers.append(module)
        return module

    def _add(self, rng: random.Random, d: int) -> int:
        """Append one random operation on a (batch, d) tensor; return its output width."""
        kind = rng.choice(_KINDS)
        op: Op
        out = d
        if kind == "linear":
            out = rng.choice([4, 6, 8])
            layer = self._layer(ag.nn.Linear(d, out, bias=rng.random() < 0.8))
            op = layer
        elif kind == "activation":
            name = rng.choice(["relu", "gelu", "tanh", "sigmoid", "silu", "leaky_relu", "elu"])
            fn = getattr(F, name)
            op = fn
            kind = name
        elif kind == "inplace":
            name = rng.choice(["relu_", "add_", "mul_", "clamp_", "setitem", "sigmoid_"])
            kind = name

            def op(h: ag.Tensor, name: str = name) -> ag.Tensor:
                h = h * 1.5  # a non-leaf to write into
                if name == "relu_":
                    return h.relu_()
                if name == "add_":
                    return h.add_(h.detach() * 0.5)
                if name == "mul_":
                    return h.mul_(0.25)
                if name == "clamp_":
                    return h.clamp_(-0.5, 0.5)
                if name == "sigmoid_":
                    return h.sigmoid_()
                h[:, 0] = 0.0
                return h

        elif kind == "layernorm":
            op = self._layer(ag.nn.LayerNorm(d, elementwise_affine=rng.random() < 0.7))
        elif kind == "batchnorm":
            op = self._layer(
                ag.nn.BatchNorm1d(
                    d,
                    momentum=rng.choice([0.1, None]),
                    track_running_stats=rng.random() < 0.8,
                )
            )
        elif kind == "dropout":
            p = rng.choice([0.2, 0.5])
            op = self._layer(ag.nn.Dropout(p))
            kind = f"dropout({p})"
        elif kind == "residual":
            inner = self._layer(ag.nn.Linear(d, d))
            in_place = rng.random() < 0.5
            kind = f"residual(in_place={in_place})"

            def op(h: ag.Tensor, inner: Any = inner, in_place: bool = in_place) -> ag.Tensor:
                if in_place:
                    y = inner(h)
                    return y.add_(h)
                return h + inner(h)

        elif kind == "view":

            def op(h: ag.Tensor, d: int = d) -> ag.Tensor:
                b = h.shape[0]
                return h.view(b, 2, d // 2).transpose(1, 2).reshape(b, d)

        elif kind == "slice_cat":
            k = rng.randint(1, d - 1)
            kind = f"slice_cat({k})"

            def op(h: ag.Tensor, k: int = k) -> ag.Tensor:
                return ag.cat([h[:, k:] * 2.0, h[:, :k]], dim=1)

        elif kind == "stack":

            def op(h: ag.Tensor) -> ag.Tensor:
                return ag.stack([h, h.tanh()], dim=1).mean(1)

        elif kind == "index":
            perm = ag.tensor(rng.sample(range(d), d))
            self.perms.append(perm)
            how = rng.choice(["getitem", "gather", "take", "index_add", "scatter_add", "setitem"])
            kind = f"index({how}, {perm.tolist()})"

            def op(h: ag.Tensor, perm: ag.Tensor = perm, how: str = how) -> ag.Tensor:
                if how == "getitem":
                    return h[:, perm] + h.flip(0)
                rows = perm.expand(h.shape[0], -1)
                if how == "gather":
                    return h.gather(1, rows)
                if how == "take":
                    return ag.take(h, perm) * h
                if how == "index_add":
                    return h.index_add(1, perm, h * 0.5)
                if how == "scatter_add":
                    return h.scatter_add(1, rows.contiguous(), h.tanh())
                h = h * 1.0  # a non-leaf to write into
                h[:, perm[:2]] = 0.5
                return h

        elif kind == "masked_fill":

            def op(h: ag.Tensor) -> ag.Tensor:
                return h.masked_fill(h < -0.3, 0.0)

        elif kind == "where":

            def op(h: ag.Tensor) -> ag.Tensor:
                return ag.where(h > 0, h, 0.1 * h)

        elif kind == "clamp":
            low = rng.choice([None, -1.0])
            kind = f"clamp({low})"

            def op(h: ag.Tensor, low: Any = low) -> ag.Tensor:
                return h.clamp(min=low, max=1.0)

        elif kind == "softmax":
            name = rng.choice(["softmax", "log_softmax"])
            kind = name

            def op(h: ag.Tensor, name: str = name) -> ag.Tensor:
                return getattr(F, name)(h, dim=1)

        elif kind == "reduce":
            name = rng.choice(["center", "max", "std", "batch_sum", "logsumexp", "amax", "norm"])
            kind = f"reduce({name})"

            def op(h: ag.Tensor, name: str = name) -> ag.Tensor:
                if name == "center":
                    return h - h.mean(dim=1, keepdim=True)
                if name == "max":
                    return h + h.max(dim=1, keepdim=True).values
                if name == "std":
                    return h / (h.std(dim=1, keepdim=True) + 1.0)
                if name == "batch_sum":
                    return h + h.sum(dim=0, keepdim=True)
                if name == "logsumexp":
                    return h - h.logsumexp(dim=1, keepdim=True)
                if name == "amax":
                    return h * h.amax(dim=0)
                return h / (h.norm(dim=1, keepdim=True) + 1.0)

        elif kind == "conv1d":
            conv = self._layer(ag.nn.Conv1d(1, 2, 3, padding=1))

            def op(h: ag.Tensor, conv: Any = conv) -> ag.Tensor:
                return conv(h.unsqueeze(1)).flatten(1)

            out = 2 * d
        elif kind == "conv2d":
            conv = self._layer(ag.nn.Conv2d(1, 2, 3, padding=1))

            def op(h: ag.Tensor, conv: Any = conv, d: int = d) -> ag.Tensor:
                return conv(h.reshape(h.shape[0], 1, 2, d // 2)).sum(1).flatten(1)

        elif kind == "gru":
            cell = self._layer(ag.nn.GRUCell(d, d))
            with_state = rng.random() < 0.5

            def op(h: ag.Tensor, cell: Any = cell, with_state: bool = with_state) -> ag.Tensor:
                return cell(h, h * 0.5) if with_state else cell(h)

        elif kind == "lstm":
            cell = self._layer(ag.nn.LSTMCell(d, d))

            def op(h: ag.Tensor, cell: Any = cell) -> ag.Tensor:
                hidden, state = cell(h)
                return hidden + state

        elif kind == "detach":

            def op(h: ag.Tensor) -> ag.Tensor:
                return h + 0.1 * h.detach()

        elif kind == "pool":

            def op(h: ag.Tensor) -> ag.Tensor:
                return F.max_pool1d(h.unsqueeze(1), 2).squeeze(1).repeat(1, 2)

        else:
            raise AssertionError(kind)
        self.ops.append(op)
        self.notes.append(kind)
        return out

    def forward(self, x: ag.Tensor, tokens: ag.Tensor) -> ag.Tensor:
        h = x
        if self.embed is not None:
            h = h + self.embed(tokens).mean(1)
        for op in self.ops:
            h = op(h)
        return self.head(h)


_KINDS = [
    "linear",
    "activation",
    "inplace",
    "layernorm",
    "batchnorm",
    "dropout",
    "residual",
    "view",
    "slice_cat",
    "stack",
    "index",
    "masked_fill",
    "where",
    "clamp",
    "softmax",
    "reduce",
    "conv1d",
    "conv2d",
    "gru",
    "lstm",
    "detach",
    "pool",
]


class _TensorLrs:
    """The tensor lrs of a case, drawn from ``rng`` (never the case's own generator, so that a
    seed draws the same case with float lrs and with tensor lrs): ``lr(value)`` gives each lr
    an optimizer is made with; ``flags(kind)`` the foreach or fused option an optimizer of that
    kind is made with (only as PyTorch takes a tensor lr); ``actions`` what happens to the
    first optimizer's lrs before each call. With ``floats``, the same case with float lrs of
    the same values, whose trace count the tensor case must match where no lr is replaced."""

    def __init__(self, rng: random.Random, floats: bool = False) -> None:
        self.rng, self.floats = rng, floats
        self.dtype = rng.choice([ag.float32, ag.float64])
        self.shared: ag.Tensor | None = None  # the tensor of every group, if one is shared
        self.share = rng.random() < 0.3
        self.actions: list[str | None] = []

    def draw_actions(self, calls: int) -> None:
        """Draw what happens to the first optimizer's lrs before each call: nothing, the same
        value written into each tensor (as StepLR does between its steps), or rarely (each one
        traces again, by design) new lrs in the groups' place."""
        self.actions = self.rng.choices([None, "rewritten"], [5, 1], k=calls)
        for chance in (0.3, 0.1):
            if self.rng.random() < chance:
                kind = self.rng.choice(["float32 tensor", "float64 tensor", "float"])
                self.actions[self.rng.randrange(calls)] = kind

    def replaces(self) -> bool:
        """Whether an action puts new lrs in the groups' place."""
        return any(action not in (None, "rewritten") for action in self.actions)

    def act(self, opt: Any, action: str) -> None:
        """Do ``action`` to the lrs of ``opt``'s groups: for each new lr (one for all groups
        that share one), 0.8 times its current value, a tensor of the dtype the action names,
        or a float."""
        if action == "rewritten":
            for group in opt.param_groups:
                if isinstance(group["lr"], ag.Tensor):
                    group["lr"].fill_(group["lr"].item())
            return
        new: dict[int, Any] = {}
        for group in opt.param_groups:
            old = group["lr"]
            if id(old) not in new:
                value = (old.item() if isinstance(old, ag.Tensor) else old) * 0.8
                if action != "float":
                    value = ag.tensor(value, dtype=getattr(ag, action.split()[0]))
                new[id(old)] = value
            group["lr"] = new[id(old)]

    def lr(self, value: float) -> Any:
        if self.shared is not None:
            tensor = self.shared
        else:
            tensor = ag.tensor(value, dtype=self.dtype)
            if self.share:
                self.shared = tensor
        return tensor.item() if self.floats else tensor

    def flags(self, kind: str) -> dict[str, Any]:
        # PyTorch refuses a tensor lr with foreach=True for Adam and AdamW (unless capturable,
        # which CPU parameters are not); fused=True only SGD, Adam, AdamW and Adagrad take.
        choices: list[dict[str, Any]] = [{}, {}, {"foreach": False}]
        if kind not in ("adam", "adamw"):
            choices.append({"foreach": True})
        if kind in ("sgd", "adam", "adamw", "adagrad"):
            choices.append({"fused": True})
        return self.rng.choice(choices)

    def describe(self) -> str:
        return f" lr_dtype={self.dtype} shared={self.share} lr_actions={self.actions}"


def _optimizer(
    rng: random.Random, params: list[Any], lrs: _TensorLrs | None = None
) -> tuple[Any, str]:
    kind = rng.choice(["sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "nadam", "radam"])
    wd = rng.choice([0.0, 0.0, 0.01])
    lr: Callable[[float], Any] = (lambda value: value) if lrs is None else lrs.lr
    if rng.random() < 0.3:  # parameter groups with their own options
        params = [{"params": params[:-1]}, {"params": params[-1:], "lr": lr(0.003)}]
    options: dict[str, Any]
    if kind == "sgd":
        momentum = rng.choice([0.0, 0.9])
        nesterov = momentum > 0 and rng.random() < 0.5
        cls = ag.optim.SGD
        options = {
            "lr": lr(0.05),
            "momentum": momentum,
            "nesterov": nesterov,
            "weight_decay": wd,
            "maximize": rng.random() < 0.2,
            "dampening": 0.1 if momentum and not nesterov and rng.random() < 0.3 else 0.0,
        }
    elif kind in ("adam", "adamw"):
        cls = ag.optim.Adam if kind == "adam" else ag.optim.AdamW
        options = {
            "lr": lr(0.01),
            "amsgrad": rng.random() < 0.5,
            "weight_decay": wd,
            "maximize": rng.random() < 0.2,
            "betas": rng.choice([(0.9, 0.999), (0.8, 0.9)]),
        }
    elif kind == "rmsprop":
        cls = ag.optim.RMSprop
        options = {
            "lr": lr(0.01),
            "momentum": rng.choice([0.0, 0.5]),
            "centered": rng.random() < 0.5,
            "weight_decay": wd,
        }
    elif kind == "adadelta":
        cls, options = ag.optim.Adadelta, {"lr": lr(1.0), "weight_decay": wd}
    elif kind == "nadam":
        cls, options = ag.optim.NAdam, {"lr": lr(0.01), "weight_decay": wd}
    elif kind == "radam":
        cls, options = ag.optim.RAdam, {"lr": lr(0.01), "weight_decay": wd}
    else:
        cls = ag.optim.Adagrad
        options = {"lr": lr(0.05), "weight_decay": wd, "lr_decay": rng.choice([0.0, 0.01])}
    if lrs is not None:  # (from the tensor lrs' generator: the case's draws as with floats)
        options |= lrs.flags(kind)
    return cls(params, **options), f"{cls.__name__}({options})"


_LOSSES = [
    "cross_entropy",
    "cross_entropy_weighted",
    "cross_entropy_sum",
    "nll",
    "nll_ignore",
    "mse",
    "bce",
    "smooth_l1",
    "huber",
    "kl_div",
]


def _loss_term(name: str, logits: ag.Tensor, y: ag.Tensor, target: ag.Tensor) -> ag.Tensor:
    if name == "cross_entropy":
        return F.cross_entropy(logits, y, label_smoothing=0.1)
    if name == "cross_entropy_weighted":
        weight = ag.linspace(0.5, 1.5, logits.shape[1], dtype=logits.dtype)
        return F.cross_entropy(logits, y, weight=weight, ignore_index=0)
    if name == "cross_entropy_sum":
        return F.cross_entropy(logits, y, reduction="sum") * 0.1
    if name == "nll":
        return F.nll_loss(F.log_softmax(logits, dim=1), y)
    if name == "nll_ignore":
        return F.nll_loss(F.log_softmax(logits, dim=1), y, ignore_index=1)
    if name == "kl_div":
        return F.kl_div(F.log_softmax(logits, dim=1), target.softmax(1), reduction="batchmean")
    if name == "mse":
        return F.mse_loss(logits, target)
    if name == "bce":
        return F.binary_cross_entropy_with_logits(logits, (target > 0).to(logits.dtype))
    if name == "smooth_l1":
        return F.smooth_l1_loss(logits, target, beta=0.5)
    return F.huber_loss(logits, target, delta=0.7)


_EVENTS = [
    "eval",
    "train",
    "reseed",
    "lr",
    "grad_none",
    "zero_outside",
    "perturb",
    "load_state",
    "opt_reload",
    "dropout_p",
    "freeze",
    "non_contiguous",
    "reindex",
]


class Case:
    """One random training step and the calls made to it, built from ``seed`` alone, so that
    two instances are identical copies. With ``tensor_lrs``, every optimizer's lr is a 0-d
    tensor (``floats``: the same case with float lrs, see :class:`_TensorLrs`)."""

    def __init__(self, seed: int, tensor_lrs: bool = False, floats: bool = False) -> None:
        rng = random.Random(seed)
        self.seed = seed
        self.lrs = _TensorLrs(random.Random(f"lrs{seed}"), floats) if tensor_lrs else None
        lr: Callable[[float], Any] = (lambda value: value) if self.lrs is None else self.lrs.lr
        self.dtype = rng.choice([ag.float32, ag.float32, ag.float64])
        self.classes, width, vocab = rng.choice([3, 4]), rng.choice([4, 6, 8]), 7
        self.width, self.vocab = width, vocab
        ag.manual_seed(seed)
        self.model = _Net(rng, self.classes, width, vocab).to(self.dtype)
        self.ema = (
            [p.detach().clone() for p in self.model.parameters()] if rng.random() < 0.2 else None
        )
        params = list(self.model.parameters())
        self.second: Any = None
        if rng.random() < 0.2 and len(params) > 2:  # the head on an optimizer of its own
            self.opt, opt_note = _optimizer(rng, params[:-2], self.lrs)
            flags = {} if self.lrs is None else self.lrs.flags("sgd")
            self.second = ag.optim.SGD(params[-2:], lr=lr(0.02), momentum=0.5, **flags)
            opt_note += f" second_flags={flags}" if flags else ""
        else:
            self.opt, opt_note = _optimizer(rng, params, self.lrs)
        self.losses = rng.sample(_LOSSES, rng.randint(1, 2))
        self.penalty = rng.random() < 0.3
        self.input_grad = rng.random() < 0.15  # a gradient penalty on the input
        self.clip = rng.choice([None, None, "norm", "norm_inf", "value"])
        self.zero = rng.choice(["before", "after", "none"])
        self.set_to_none = rng.random() < 0.5
        self.returns = rng.choice(["loss", "tuple", "dict", "logits"])
        self.accumulate = rng.random() < 0.2  # an argument says whether to step
        self.inside_mode = rng.random() < 0.15  # model.train() in the step, eval() after it
        scheduler = rng.choice([None, None, "step", "onecycle", "cosine", "lambda"])
        if scheduler is None and self.lrs is not None and self.lrs.rng.random() < 0.5:
            # more schedules writing into the tensors
            scheduler = self.lrs.rng.choice(["step", "onecycle", "cosine", "lambda"])
        self.scheduler: Any = None
        if scheduler == "step":
            self.scheduler = ag.optim.lr_scheduler.StepLR(self.opt, step_size=2, gamma=0.5)
        elif scheduler == "onecycle":
            cycles = any(k in self.opt.defaults for k in ("momentum", "betas"))
            self.scheduler = ag.optim.lr_scheduler.OneCycleLR(
                self.opt, 0.05, total_steps=20, cycle_momentum=cycles
            )
        elif scheduler == "cosine":
            self.scheduler = ag.optim.lr_scheduler.CosineAnnealingLR(self.opt, 5)
        elif scheduler == "lambda":
            self.scheduler = ag.optim.lr_scheduler.LambdaLR(self.opt, lambda n: 1 / (n + 1))
        # What happens before each call: a batch size, and maybe an event between calls.
        self.calls: list[tuple[int, str | None]] = []
        batch = rng.choice([3, 5])
        for index in range(rng.randint(4, 8)):
            if index == 3 and rng.random() < 0.6:
                batch = 8 - batch
            event = rng.choice([None, None, None, *_EVENTS])
            self.calls.append((batch, event))
        if self.lrs is not None:
            self.lrs.draw_actions(len(self.calls))
        data = np.random.default_rng(seed)
        self.batches = [
            (
                ag.tensor(data.standard_normal((b, width)), dtype=self.dtype),
                ag.tensor(data.integers(0, vocab, (b, 3))),
                ag.tensor(data.integers(0, self.classes, b)),
                ag.tensor(data.standard_normal((b, self.classes)), dtype=self.dtype),
            )
            for b, _ in self.calls
        ]
        self.description = (
            f"seed={seed} dtype={self.dtype} layers={self.model.notes} opt={opt_note} "
            f"second={self.second is not None} ema={self.ema is not None} "
            f"losses={self.losses} penalty={self.penalty} input_grad={self.input_grad} "
            f"clip={self.clip} zero={self.zero} set_to_none={self.set_to_none} "
            f"returns={self.returns} accumulate={self.accumulate} "
            f"inside_mode={self.inside_mode} scheduler={scheduler} calls={self.calls}"
        )
        if self.lrs is not None:
            self.description += self.lrs.describe()

    def step(
        self,
        x: ag.Tensor,
        tokens: ag.Tensor,
        y: ag.Tensor,
        target: ag.Tensor,
        update: bool = True,
    ) -> Any:
        model, opt = self.model, self.opt
        optimizers = [opt] if self.second is None else [opt, self.second]
        if self.inside_mode:
            model.train()
        if self.zero == "before":
            for o in optimizers:
                o.zero_grad(set_to_none=self.set_to_none)
        logits = model(x, tokens)
        loss = _loss_term(self.losses[0], logits, y, target)
        for name in self.losses[1:]:
            loss = loss + 0.5 * _loss_term(name, logits, y, target)
        if self.penalty:
            loss = loss + 1e-3 * model.head.weight.pow(2).sum()
        if self.input_grad:
            (grad,) = ag.autograd.grad(loss, x, retain_graph=True)
            loss = loss + grad.pow(2).sum()  # a constant: no create_graph
        loss.backward()
        if update:
            if self.clip == "norm":
                ag.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
            elif self.clip == "norm_inf":
                ag.nn.utils.clip_grad_norm_(model.parameters(), 0.1, norm_type="inf")
            elif self.clip == "value":
                ag.nn.utils.clip_grad_value_(model.parameters(), 0.05)
            for o in optimizers:
                o.step()
            if self.zero == "after":
                for o in optimizers:
                    o.zero_grad(set_to_none=self.set_to_none)
            if self.ema is not None:
                with ag.no_grad():
                    for shadow, p in zip(self.ema, model.parameters(), strict=True):
                        shadow.mul_(0.9).add_(p, alpha=0.1)
        if self.inside_mode:
            model.eval()
        accuracy = (logits.argmax(dim=1) == y).to(self.dtype).mean()
        if self.returns == "tuple":
            return loss, accuracy
        if self.returns == "dict":
            return {"loss": loss, "accuracy": accuracy, "n": 3}
        if self.returns == "logits":
            return [logits.detach(), loss.detach()]
        return loss

    def run(self, compiled: bool) -> tuple[list[Any], Any]:
        """Make the calls; return what each returned and the compiled function (or None)."""
        step = ag.compile(self.step) if compiled else self.step
        ag.manual_seed(self.seed + 1)
        results = []
        model = self.model
        for index, ((_, event), batch) in enumerate(zip(self.calls, self.batches, strict=True)):
            x, tokens, y, target = batch
            if event == "non_contiguous":  # the same values in Fortran order
                x = x.t().contiguous().t()
            if self.input_grad:
                x = x.detach().requires_grad_()  # a leaf of the call's own
            if event == "eval":
                model.eval()
            elif event == "train":
                model.train()
            elif event == "reseed":
                ag.manual_seed(self.seed + 2)
            elif event == "lr":
                halved = set()  # (a tensor several groups share, once)
                for group in self.opt.param_groups:
                    if not isinstance(group["lr"], ag.Tensor):
                        group["lr"] = group["lr"] * 0.5
                    elif id(group["lr"]) not in halved:
                        halved.add(id(group["lr"]))
                        group["lr"].mul_(0.5)  # a tensor lr is written, as schedulers do
            elif event == "grad_none":
                for p in model.parameters():
                    p.grad = None
            elif event == "zero_outside":
                self.opt.zero_grad(set_to_none=False)
            elif event == "perturb":
                with ag.no_grad():
                    model.head.weight.mul_(0.5)
            elif event == "load_state":
                model.load_state_dict({k: v.clone() for k, v in model.state_dict().items()})
            elif event == "opt_reload":
                self.opt.load_state_dict(self.opt.state_dict())
            elif event == "dropout_p":
                for m in model.modules():
                    if isinstance(m, ag.nn.Dropout):
                        m.p = 0.1
            elif event == "reindex":  # captured index tensors get other arrays
                for perm in model.perms:
                    perm.data = perm.flip(0)
            elif event == "freeze":
                model.head.bias.requires_grad_(False)
            if self.lrs is not None and self.lrs.actions[index] is not None:
                self.lrs.act(self.opt, self.lrs.actions[index])
            if self.accumulate:
                results.append(_bits(step(x, tokens, y, target, index % 2 == 1)))
            else:
                results.append(_bits(step(x, tokens, y, target)))
            if self.scheduler is not None:
                self.scheduler.step()
        return results, step if compiled else None

    def state(self) -> list[Any]:
        """Everything the calls leave, as comparable values."""
        model = self.model
        found: list[Any] = [(name, _bits(t)) for name, t in model.state_dict().items()]
        found += [(name, _bits(p.grad)) for name, p in model.named_parameters()]
        optimizers = [self.opt] if self.second is None else [self.opt, self.second]
        for o in optimizers:
            state = o.state_dict()
            found.append(("opt", _bits(state["state"]), _bits(state["param_groups"])))
        # which groups share one lr object (a tensor lr must stay the one the groups hold)
        lrs = [group["lr"] for o in optimizers for group in o.param_groups]
        shared = [[a is b and isinstance(a, ag.Tensor) for b in lrs] for a in lrs]
        found.append(("lr sharing", shared))
        if self.ema is not None:
            found.append(("ema", _bits(self.ema)))
        found.append(("generator", _bits(ag.get_rng_state())))
        return found


def _bits(value: Any) -> Any:
    """``value`` with each tensor replaced by its dtype, shape and bytes."""
    if isinstance(value, ag.Tensor):
        array = np.ascontiguousarray(value.detach().numpy())
        return (str(array.dtype), array.shape, array.tobytes())
    if isinstance(value, dict):
        return {k: _bits(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_bits(v) for v in value)
    return value


def differences(seed: int, tensor_lrs: bool = False) -> tuple[list[str], str]:
    """Where compiled calls of case ``seed`` differ from eager ones, and its description."""
    eager_case, compiled_case = Case(seed, tensor_lrs), Case(seed, tensor_lrs)
    found = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        eager, _ = eager_case.run(compiled=False)
        eager_state = eager_case.state()
        eager_warnings = {str(w.message) for w in caught}
        caught.clear()
        try:
            replayed, compiled = compiled_case.run(compiled=True)
        except Exception as error:  # a crash of the compiled run is a finding
            return [f"compiled run raised {type(error).__name__}: {error}"], eager_case.description
        compiled_state = compiled_case.state()
        compiled_warnings = {str(w.message) for w in caught} - eager_warnings
    for index, (a, b) in enumerate(zip(eager, replayed, strict=True)):
        if a != b:
            found.append(f"call {index} returned other values")
    for a, b in zip(eager_state, compiled_state, strict=True):
        if a != b:
            found.append(f"state {a[0]} differs")
    found += [f"warning: {w}" for w in compiled_warnings]
    if compiled is not None and compiled.confirmations:
        # arraygrad's own code makes no index arrays the recorder cannot see: a second trace
        # to confirm them is a call traced for nothing (and a captured index read as a constant)
        found.append(f"{compiled.confirmations} traces to confirm index arrays")
    if compiled is not None and compiled.traces > _trace_bound(compiled_case):
        found.append(f"{compiled.traces} traces, more than {_trace_bound(compiled_case)}")
    lrs = compiled_case.lrs
    if compiled is not None and lrs is not None and not lrs.replaces():
        # A tensor lr read anew is traced as a float lr is (a replaced one traces again)
        floats = Case(seed, tensor_lrs, floats=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _, float_compiled = floats.run(compiled=True)
        if float_compiled.traces != compiled.traces:
            found.append(f"{compiled.traces} traces, {float_compiled.traces} with float lrs")
    return found, eager_case.description


def _trace_bound(case: Case) -> int:
    """The most traces the calls of ``case`` may take: two for each state of the inputs (batch
    size, training mode, whether it steps): the optimizer's first step, then the program that
    reads the learning rate anew; and two after each event that changes what a program guards
    (which parameters have a ``.grad``, a flag, the optimizer's state tensors, a module option,
    the arrays' layout)."""
    training, states, changes = True, set(), 0
    for index, (batch, event) in enumerate(case.calls):
        if event in ("eval", "train"):
            training = event == "train"
        states.add((batch, training, index % 2 == 1 if case.accumulate else True))
        if event in ("grad_none", "zero_outside", "freeze", "opt_reload", "dropout_p"):
            changes += 1
        if event in ("non_contiguous", "reindex"):
            changes += 2  # (the next call is in the old layout again)
        if case.lrs is not None and case.lrs.actions[index] not in (None, "rewritten"):
            changes += 1  # another lr: a guarded option
    return 2 * len(states) + 2 * changes + (2 if case.inside_mode else 0)


@pytest.mark.parametrize("chunk", range(8))  # 200 cases, about 10 s
def test_compiled_random_training_steps_equal_eager_bit_for_bit(chunk: int) -> None:
    for seed in range(chunk * 25, chunk * 25 + 25):
        found, description = differences(seed)
        assert not found, f"{description}: {found}"


@pytest.mark.parametrize("chunk", range(4))  # 100 cases of their own seeds, about 10 s
def test_compiled_steps_with_tensor_lrs_equal_eager_bit_for_bit(chunk: int) -> None:
    for seed in range(11_100 + chunk * 25, 11_100 + chunk * 25 + 25):
        found, description = differences(seed, tensor_lrs=True)
        assert not found, f"{description}: {found}"


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if a != "--tensor-lr"]
    start, count = int(arguments[0]), int(arguments[1])
    for seed in range(start, start + count):
        found, description = differences(seed, tensor_lrs="--tensor-lr" in sys.argv)
        if found:
            print(description, found, sep="\n  ", flush=True)
