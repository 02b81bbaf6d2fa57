"""The benchmark workloads, each written once per framework.

A workload builder returns ``{implementation name: step}``, where ``step()`` runs one timed
repetition (for W2 the whole 100-op chain, reported per op by ``run.py``). Every implementation
of a workload does the same arithmetic on the same data, in float32 unless stated, and each
framework is written in its own idiomatic style (PyTorch's ``F.cross_entropy``, JAX's ``jit``).
Peers that are not installed are left out.
"""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Callable
from typing import Any

import minimal_engine
import numpy as np

import arraygrad

# arraygrad.nn is a subpackage that ``import arraygrad`` may not load by itself; while it is
# not written, the workloads that need it say so.
with contextlib.suppress(ImportError):
    import arraygrad.nn.functional

Step = Callable[[], Any]

SEED_X = [1.0, 2.0, 3.0, 4.0]
SEED_Y = [2.0, 4.0, 6.0, 8.0]
SEED_EPOCHS = 100
SEED_LR = 0.01
CHAIN_OPS = 100


#: Peer libraries to run (``None``: every installed one); ``run.py --peers`` sets it.
PEERS: set[str] | None = None


def available(module: str) -> bool:
    """Whether peer ``module`` is selected and can be imported (without importing it)."""
    if PEERS is not None and module not in PEERS:
        return False
    return importlib.util.find_spec(module) is not None


def _torch() -> Any:
    import torch

    return torch


# --- W1: the seed's loop ------------------------------------------------------------------------


def _seed_loop(lib: Any) -> Any:
    """The seed's training loop, verbatim, on ``lib`` (arraygrad or torch)."""
    x = lib.tensor(SEED_X, dtype=lib.float32)
    y = lib.tensor(SEED_Y, dtype=lib.float32)
    w = lib.tensor(0.0, dtype=lib.float32, requires_grad=True)
    for _ in range(SEED_EPOCHS):
        y_pred = w * x
        loss = ((y_pred - y) ** 2).mean()
        loss.backward()
        with lib.no_grad():
            w -= SEED_LR * w.grad
        w.grad.zero_()
    return w


def w1(quick: bool) -> dict[str, Step]:
    steps: dict[str, Step] = {"arraygrad": lambda: _seed_loop(arraygrad)}

    if hasattr(arraygrad, "compile"):
        x = arraygrad.tensor(SEED_X, dtype=arraygrad.float32)
        y = arraygrad.tensor(SEED_Y, dtype=arraygrad.float32)
        w = arraygrad.tensor(0.0, dtype=arraygrad.float32, requires_grad=True)

        @arraygrad.compile
        def epoch(x: Any, y: Any) -> Any:
            loss = ((w * x - y) ** 2).mean()
            loss.backward()
            with arraygrad.no_grad():
                w.sub_(SEED_LR * w.grad)
            w.grad.zero_()
            return loss

        def compiled_loop() -> Any:
            with arraygrad.no_grad():
                w.zero_()
            for _ in range(SEED_EPOCHS):
                epoch(x, y)
            return w

        steps["arraygrad compiled"] = compiled_loop

    if available("torch"):
        torch = _torch()
        steps["torch eager"] = lambda: _seed_loop(torch)

    xs = np.array(SEED_X, dtype=np.float32)
    ys = np.array(SEED_Y, dtype=np.float32)

    def numpy_loop() -> Any:
        w = np.float32(0.0)
        for _ in range(SEED_EPOCHS):
            y_pred = w * xs
            _loss = ((y_pred - ys) ** 2).mean()
            grad = (2 * xs * (y_pred - ys)).mean()  # the correct gradient, see the seed's bug
            w = w - np.float32(SEED_LR) * grad
        return w

    steps["numpy by hand"] = numpy_loop

    def minimal_loop() -> Any:
        # The seed's loop on the interpreter floor (see minimal_engine.py).
        w = minimal_engine.Var(np.zeros((), np.float32))
        for _ in range(SEED_EPOCHS):
            y_pred = w * xs
            loss = ((y_pred - ys) ** 2).mean()
            loss.backward()
            w.data -= np.float32(SEED_LR) * w.grad
            w.grad = None
        return w

    steps["minimal engine"] = minimal_loop

    if available("jax"):
        import jax
        import jax.numpy as jnp

        jx, jy = jnp.asarray(xs), jnp.asarray(ys)

        @jax.jit
        def jax_epoch(w: Any) -> Any:
            grad = jax.grad(lambda w: ((w * jx - jy) ** 2).mean())(w)
            return w - SEED_LR * grad

        def jax_loop() -> Any:
            w = jnp.float32(0.0)
            for _ in range(SEED_EPOCHS):
                w = jax_epoch(w)
            return w.block_until_ready()

        steps["jax jit"] = jax_loop

    if available("autograd"):
        import autograd
        import autograd.numpy as anp

        agrad = autograd.grad(lambda w: ((w * xs - ys) ** 2).mean())

        def autograd_loop() -> Any:
            w = 0.0
            for _ in range(SEED_EPOCHS):
                _ = anp  # the loss is written with NumPy operators, which autograd traces
                w = w - SEED_LR * agrad(w)
            return w

        steps["HIPS autograd"] = autograd_loop

    if available("mygrad"):
        import mygrad as mg

        def mygrad_loop() -> Any:
            w = mg.tensor(np.float32(0.0))
            for _ in range(SEED_EPOCHS):
                loss = mg.mean((w * xs - ys) ** 2)
                loss.backward()
                w = mg.tensor(w.data - SEED_LR * w.grad)
            return w

        steps["mygrad"] = mygrad_loop
    return steps


# --- W2: a 100-op elementwise chain on 4 elements ------------------------------------------------


def _chain(x: Any, a: Any, sin: Callable[[Any], Any]) -> Any:
    # Four ops per round: tensor multiply, scalar add, sin, scalar multiply.
    for _ in range(CHAIN_OPS // 4):
        x = sin(x * a + 0.5) * 0.9
    return x


def w2(quick: bool) -> dict[str, Step]:
    base = np.linspace(0.1, 0.4, 4).astype(np.float32)
    factor = np.float32([1.01, 0.99, 1.02, 0.98])
    steps: dict[str, Step] = {}

    def on(lib: Any) -> Step:
        x = lib.tensor(base, requires_grad=True)
        a = lib.tensor(factor, requires_grad=True)

        def step() -> Any:
            out = _chain(x, a, lib.sin).sum()
            out.backward()
            # The gradients are returned, so that a compiled step cannot drop the backward
            # pass as unused.
            grads = x.grad, a.grad
            x.grad = None
            a.grad = None
            return out, grads

        return step

    steps["arraygrad"] = on(arraygrad)
    if hasattr(arraygrad, "compile"):
        # The same step traced once and replayed: the 100 operations forward and their rules
        # backward run as straight-line NumPy calls, without recording a graph.
        steps["arraygrad compiled"] = arraygrad.compile(on(arraygrad))
    if available("torch"):
        steps["torch eager"] = on(_torch())

    def numpy_chain() -> Any:
        # Forward keeping what backward needs, then the chain rule by hand.
        saved = []
        x = base
        for _ in range(CHAIN_OPS // 4):
            pre = x * factor + np.float32(0.5)
            saved.append((x, pre))
            x = np.sin(pre) * np.float32(0.9)
        out = x.sum()
        g = np.ones_like(base)
        ga = np.zeros_like(factor)
        for xin, pre in reversed(saved):
            g = g * np.float32(0.9) * np.cos(pre)
            ga = ga + g * xin
            g = g * factor
        return out, g, ga

    steps["numpy by hand"] = numpy_chain

    def minimal_chain() -> Any:
        x = minimal_engine.Var(base)
        a = minimal_engine.Var(factor)
        out = _chain(x, a, minimal_engine.Var.sin).sum()
        out.backward()
        return out

    steps["minimal engine"] = minimal_chain

    if available("autograd"):
        import autograd
        import autograd.numpy as anp

        agrad = autograd.grad(lambda x, a: anp.sum(_chain(x, a, anp.sin)), argnum=(0, 1))
        steps["HIPS autograd"] = lambda: agrad(base, factor)
    if available("mygrad"):
        import mygrad as mg

        def mygrad_chain() -> Any:
            x = mg.tensor(base)
            a = mg.tensor(factor)
            out = mg.sum(_chain(x, a, mg.sin))
            out.backward()
            return out

        steps["mygrad"] = mygrad_chain
    return steps


# --- W3: an MLP step ------------------------------------------------------------------------------

MLP_SIZES = (784, 256, 10)
MLP_BATCH = 256
MLP_LR = 0.1


def mlp_data(seed: int = 0) -> tuple[np.ndarray, ...]:
    """A batch, its labels and the initial weights of the 784-256-10 MLP."""
    rng = np.random.default_rng(seed)
    n_in, n_hidden, n_out = MLP_SIZES
    x = rng.standard_normal((MLP_BATCH, n_in), dtype=np.float32)
    labels = rng.integers(0, n_out, MLP_BATCH)
    w1 = (rng.standard_normal((n_in, n_hidden)) / np.sqrt(n_in)).astype(np.float32)
    b1 = np.zeros(n_hidden, np.float32)
    w2 = (rng.standard_normal((n_hidden, n_out)) / np.sqrt(n_hidden)).astype(np.float32)
    b2 = np.zeros(n_out, np.float32)
    return x, labels, w1, b1, w2, b2


def has_cross_entropy(lib: Any) -> bool:
    functional = getattr(getattr(lib, "nn", None), "functional", None)
    return functional is not None and hasattr(functional, "cross_entropy")


def mlp_step_fn(lib: Any, params: list[Any], x: Any, labels: Any) -> Callable[[], Any]:
    """One SGD step of the MLP on ``lib`` (arraygrad or torch), written as a PyTorch user would:
    forward, ``loss.backward()``, ``opt.step()`` of a ``lib.optim.SGD``, then ``opt.zero_grad()``
    (gradients to ``None``), the order of PyTorch's own tutorial loop.

    ``arraygrad.compile`` replays either order: a step that starts with ``zero_grad()`` is
    traced twice (its first call finds no ``.grad``, later ones the previous call's, which it
    drops before using), one that ends with it once.
    """
    w1, b1, w2, b2 = params
    opt = lib.optim.SGD(params, lr=MLP_LR)
    if has_cross_entropy(lib):
        cross_entropy = lib.nn.functional.cross_entropy
    else:
        # Fallback while arraygrad.nn is being written: log-softmax from primitives against
        # one-hot targets (unshifted: the benchmark's logits are small).
        onehot = lib.tensor(np.eye(MLP_SIZES[-1], dtype=np.float32)[labels.numpy()])

        def cross_entropy(logits: Any, _labels: Any) -> Any:
            log_probs = logits - lib.log(lib.exp(logits).sum(dim=1, keepdim=True))
            return -(log_probs * onehot).sum() / logits.shape[0]

    def step() -> Any:
        hidden = (x @ w1 + b1).relu()
        loss = cross_entropy(hidden @ w2 + b2, labels)
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss

    return step


def _lib_mlp(lib: Any) -> Step:
    x, labels, *weights = mlp_data()
    params = [lib.tensor(w, requires_grad=True) for w in weights]
    return mlp_step_fn(lib, params, lib.tensor(x), lib.tensor(labels))


def numpy_mlp_step() -> Step:
    """The MLP step by hand in NumPy: the floor for a NumPy engine."""
    return mlp_step_by_hand(np)


def mlp_step_by_hand(xp: Any) -> Step:
    """The MLP step by hand on the NumPy-like library ``xp`` (NumPy, or CuPy on a GPU)."""
    x, labels, w1, b1, w2, b2 = (xp.asarray(a) for a in mlp_data())
    rows = xp.arange(MLP_BATCH)
    lr = xp.float32(MLP_LR)

    def step() -> Any:
        pre = x @ w1 + b1
        hidden = xp.maximum(pre, 0)
        logits = hidden @ w2 + b2
        z = logits - logits.max(axis=1, keepdims=True)
        exp = xp.exp(z)
        total = exp.sum(axis=1, keepdims=True)
        loss = (xp.log(total)[:, 0] - z[rows, labels]).mean()
        g_logits = exp / total
        g_logits[rows, labels] -= 1
        g_logits /= MLP_BATCH
        g_w2 = hidden.T @ g_logits
        g_b2 = g_logits.sum(axis=0)
        g_hidden = g_logits @ w2.T
        g_hidden *= pre > 0
        g_w1 = x.T @ g_hidden
        g_b1 = g_hidden.sum(axis=0)
        for weight, grad in ((w1, g_w1), (b1, g_b1), (w2, g_w2), (b2, g_b2)):
            grad *= lr
            weight -= grad
        return loss

    return step


def _torch_thread_rows(torch_step: Step) -> dict[str, Step]:
    """PyTorch's step with one thread and with its default thread count.

    NumPy runs element-wise work on one core and only its matrix products on all of them;
    PyTorch spreads both. The 1-thread row shows how much of a difference is the threads.
    """
    torch = _torch()
    threads = torch.get_num_threads()

    def with_threads(n: int) -> Step:
        def step() -> Any:
            torch.set_num_threads(n)
            try:
                return torch_step()
            finally:
                torch.set_num_threads(threads)

        return step

    return {
        "torch eager 1 thread": with_threads(1),
        f"torch eager {threads} threads": with_threads(threads),
    }


def w3(quick: bool) -> dict[str, Step]:
    steps: dict[str, Step] = {"arraygrad": _lib_mlp(arraygrad)}
    if hasattr(arraygrad, "compile"):
        steps["arraygrad compiled"] = arraygrad.compile(_lib_mlp(arraygrad))
    steps["numpy by hand"] = numpy_mlp_step()
    if available("torch"):
        steps.update(_torch_thread_rows(_lib_mlp(_torch())))
    if available("jax"):
        import jax
        import jax.numpy as jnp

        x, labels, *weights = mlp_data()
        jparams = [jnp.asarray(w) for w in weights]
        jx, jlabels = jnp.asarray(x), jnp.asarray(labels)

        def loss_fn(p: list[Any]) -> Any:
            hidden = jax.nn.relu(jx @ p[0] + p[1])
            logp = jax.nn.log_softmax(hidden @ p[2] + p[3])
            return -jnp.take_along_axis(logp, jlabels[:, None], axis=1).mean()

        @jax.jit
        def jax_step(p: list[Any]) -> list[Any]:
            grads = jax.grad(loss_fn)(p)
            return [w - MLP_LR * g for w, g in zip(p, grads, strict=True)]

        state = {"p": jparams}

        def run_jax() -> Any:
            state["p"] = jax_step(state["p"])
            return state["p"][0].block_until_ready()

        steps["jax jit"] = run_jax
    return steps


# --- W4: full-batch linear regression ------------------------------------------------------------


REGRESSION_LR = 0.01


def regression_data(n: int, d: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """W4's ``n x d`` inputs and ``n x 1`` targets (float32)."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((n, d), dtype=np.float32)
    y = rng.standard_normal((n, 1), dtype=np.float32)
    return x, y


def regression_step(lib: Any, x: Any, y: Any, w: Any, b: Any) -> Step:
    """W4's step on ``lib`` (arraygrad or torch), written as a PyTorch user would, on tensors
    already made: the mean squared error of ``x @ w + b``, its backward, an SGD update."""
    lr = REGRESSION_LR

    def step() -> Any:
        loss = ((x @ w + b - y) ** 2).mean()
        loss.backward()
        with lib.no_grad():
            w.sub_(lr * w.grad)
            b.sub_(lr * b.grad)
            w.grad = None
            b.grad = None
        return loss

    return step


def regression_step_by_hand(xp: Any, x: Any, y: Any) -> Step:
    """W4's step by hand on the NumPy-like library ``xp``: one residual, updated in place."""
    x, y = xp.asarray(x), xp.asarray(y)
    n, d = x.shape
    weights = xp.zeros((d, 1), xp.float32)
    bias = xp.zeros(1, xp.float32)
    scale = xp.float32(2.0 / n)

    def step() -> Any:
        residual = x @ weights
        residual += bias
        residual -= y
        loss = xp.vdot(residual, residual) / n
        residual *= scale
        weights[...] -= xp.float32(REGRESSION_LR) * (x.T @ residual)
        bias[...] -= xp.float32(REGRESSION_LR) * residual.sum()
        return loss

    return step


def w4(quick: bool) -> dict[str, Step]:
    n, d = (100_000, 64) if quick else (2_000_000, 64)
    x, y = regression_data(n, d)
    steps: dict[str, Step] = {}

    def on(lib: Any) -> Step:
        w = lib.zeros(d, 1, requires_grad=True)
        b = lib.zeros(1, requires_grad=True)
        return regression_step(lib, lib.from_numpy(x), lib.from_numpy(y), w, b)

    steps["arraygrad"] = on(arraygrad)
    if hasattr(arraygrad, "compile"):
        steps["arraygrad compiled"] = arraygrad.compile(on(arraygrad))
    steps["numpy by hand"] = regression_step_by_hand(np, x, y)
    if available("torch"):
        steps["torch eager"] = on(_torch())
    return steps


# --- W5: a small CNN step ------------------------------------------------------------------------


def cnn_missing() -> str | None:
    """Why W5 cannot run on arraygrad yet, or ``None`` when it can."""
    functional = getattr(getattr(arraygrad, "nn", None), "functional", None)
    needed = ("conv2d", "max_pool2d", "cross_entropy")
    missing = [name for name in needed if not hasattr(functional, name)]
    if missing:
        return "arraygrad.nn.functional lacks " + ", ".join(missing)
    return None


def cnn_data(seed: int = 2, batch: int = 64) -> tuple[np.ndarray, ...]:
    """A batch, its labels and the initial weights of the small CNN."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, 1, 28, 28), dtype=np.float32)
    labels = rng.integers(0, 10, batch)
    k1 = (rng.standard_normal((16, 1, 3, 3)) / 3).astype(np.float32)
    c1 = np.zeros(16, np.float32)
    k2 = (rng.standard_normal((32, 16, 3, 3)) / 12).astype(np.float32)
    c2 = np.zeros(32, np.float32)
    wl = (rng.standard_normal((32 * 12 * 12, 10)) / 68).astype(np.float32)
    bl = np.zeros(10, np.float32)
    return x, labels, k1, c1, k2, c2, wl, bl


def cnn_step_fn(lib: Any, params: list[Any], x: Any, labels: Any) -> Callable[[], Any]:
    """conv 3x3 16 -> relu -> conv 3x3 32 -> relu -> maxpool 2 -> linear 10, then SGD."""
    functional = lib.nn.functional
    k1, c1, k2, c2, wl, bl = params

    def step() -> Any:
        h = functional.conv2d(x, k1, c1).relu()
        h = functional.conv2d(h, k2, c2).relu()
        h = functional.max_pool2d(h, 2)
        loss = functional.cross_entropy(h.reshape(h.shape[0], -1) @ wl + bl, labels)
        loss.backward()
        with lib.no_grad():
            for p in params:
                p -= MLP_LR * p.grad
                p.grad = None
        return loss

    return step


def _lib_cnn(lib: Any, batch: int = 64) -> Step:
    x, labels, *weights = cnn_data(batch=batch)
    params = [lib.tensor(w, requires_grad=True) for w in weights]
    return cnn_step_fn(lib, params, lib.tensor(x), lib.tensor(labels))


def _eager_compiled_and_torch(make: Callable[[Any, int], Step], batch: int) -> dict[str, Step]:
    """arraygrad's step eager and compiled, and PyTorch's with 1 thread and its default count,
    each made by ``make(library, batch)``."""
    steps: dict[str, Step] = {"arraygrad": make(arraygrad, batch)}
    if hasattr(arraygrad, "compile"):
        steps["arraygrad compiled"] = arraygrad.compile(make(arraygrad, batch))
    if available("torch"):
        steps.update(_torch_thread_rows(make(_torch(), batch)))
    return steps


def w5(quick: bool) -> dict[str, Step]:
    return _eager_compiled_and_torch(_lib_cnn, 8 if quick else 64)


# --- W6: a step written with nn modules, as most PyTorch code is ---------------------------------

MODULE_MLP_SIZES = (784, 128, 64, 10)


def _module_mlp(lib: Any, batch: int, compile_model: bool = False) -> Step:
    """``nn.Sequential`` of ``nn.Linear`` and ``nn.ReLU``, ``nn.CrossEntropyLoss`` and
    ``optim.SGD`` with momentum: the training loop of a PyTorch tutorial, verbatim on ``lib``
    (each library initialises its own weights; only the time is compared). ``compile_model``:
    PyTorch 2's ``model = torch.compile(model)`` first, the loop unchanged."""
    lib.manual_seed(0)
    first, hidden, second, classes = MODULE_MLP_SIZES
    model = lib.nn.Sequential(
        lib.nn.Linear(first, hidden),
        lib.nn.ReLU(),
        lib.nn.Linear(hidden, second),
        lib.nn.ReLU(),
        lib.nn.Linear(second, classes),
    )
    if compile_model:
        model = lib.compile(model)
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = lib.nn.CrossEntropyLoss()
    rng = np.random.default_rng(6)
    x = lib.tensor(rng.standard_normal((batch, first), dtype=np.float32))
    labels = lib.tensor(rng.integers(0, classes, batch))

    def step() -> Any:
        loss = loss_fn(model(x), labels)
        loss.backward()
        opt.step()
        opt.zero_grad()  # last, as in W3, so that a compiled step finds no .grad on entry
        return loss

    return step


def w6(quick: bool) -> dict[str, Step]:
    batch = 8 if quick else 32
    steps = _eager_compiled_and_torch(_module_mlp, batch)
    if "arraygrad compiled" not in steps:
        return steps
    # the whole step compiled, then only the model (the caller's backward and optimizer eager)
    ordered = {name: steps.pop(name) for name in ("arraygrad", "arraygrad compiled")}
    ordered["arraygrad compile(model)"] = _module_mlp(arraygrad, batch, compile_model=True)
    return {**ordered, **steps}


# --- W7: a recurrence written into a preallocated buffer ------------------------------------------

BUFFER_WIDTH = 64


def _buffer_loop(lib: Any, steps: int) -> Step:
    """``h[t] = tanh(0.5 * h[t - 1] + w)`` written row by row into one buffer, then a weighted
    sum and backward: RNN code that fills a preallocated state tensor, where each write
    rewrites the buffer's history (PyTorch's CopySlices) and each read is a view of it."""
    w = lib.tensor(np.linspace(-0.3, 0.6, BUFFER_WIDTH, dtype=np.float32), requires_grad=True)
    scale = lib.tensor(np.linspace(0.0, 1.0, steps + 1, dtype=np.float32)[:, None])

    def step() -> Any:
        h = lib.zeros(steps + 1, BUFFER_WIDTH)
        for t in range(1, steps + 1):
            h[t] = (h[t - 1] * 0.5 + w).tanh()
        loss = (h * scale).sum()
        loss.backward()
        w.grad = None
        return loss

    return step


def _numpy_buffer_loop(steps: int) -> Step:
    """W7's step by hand: the recurrence, then its backward from the last row to the first."""
    w = np.linspace(-0.3, 0.6, BUFFER_WIDTH, dtype=np.float32)
    scale = np.linspace(0.0, 1.0, steps + 1, dtype=np.float32)[:, None]

    def step() -> Any:
        h = np.zeros((steps + 1, BUFFER_WIDTH), np.float32)
        for t in range(1, steps + 1):
            h[t] = np.tanh(h[t - 1] * np.float32(0.5) + w)
        loss = (h * scale).sum()
        g_h = np.broadcast_to(scale, h.shape).copy()
        g_w = np.zeros_like(w)
        for t in range(steps, 0, -1):
            g_pre = g_h[t] * (1 - h[t] * h[t])
            g_w += g_pre
            g_h[t - 1] += g_pre * np.float32(0.5)
        return loss, g_w

    return step


def w7(quick: bool) -> dict[str, Step]:
    steps = 100 if quick else 1000
    rows = _eager_compiled_and_torch(_buffer_loop, steps)
    rows["numpy by hand"] = _numpy_buffer_loop(steps)
    return rows


WORKLOADS: dict[str, tuple[str, Callable[[bool], dict[str, Step]]]] = {
    "W1": ("seed loop, 100 epochs", w1),
    "W2": ("100-op chain on 4 elements, fwd+bwd, per op", w2),
    "W3": ("MLP 784-256-10 step, batch 256", w3),
    "W4": ("linear regression step, N x 64 float32", w4),
    "W5": ("CNN step, batch 64 (8 with --quick), 1x28x28", w5),
    "W6": ("nn.Module MLP 784-128-64-10 step, SGD with momentum, batch 32 (8 with --quick)", w6),
    "W7": ("buffer loop h[t] = tanh(0.5 h[t-1] + w), 1000 x 64 (100 with --quick), fwd+bwd", w7),
}
