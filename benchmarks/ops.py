"""Time single operations and layers, forward and backward, beside PyTorch.

    python benchmarks/ops.py                        # every case, 7 samples each
    python benchmarks/ops.py -c sigmoid lstm conv   # cases whose name starts with these
    python benchmarks/ops.py --repeats 15 --json ops.json

The workloads of ``run.py`` time whole training steps; this script finds the single operations
that would make some other program slow. Each case builds its inputs once, from one NumPy
generator, for both libraries, and a step computes the operation, reduces it to a scalar and
runs ``backward()`` (the gradients of the inputs are dropped after each step). Both libraries
run in one process, interleaved round-robin as in ``run.py``, timed with ``time.thread_time``
(the CPU time of this thread only, so that other processes on a shared machine add little).
Both run on one thread: PyTorch with ``torch.set_num_threads(1)``, NumPy's BLAS through
``OPENBLAS_NUM_THREADS=1`` (and the OpenMP and MKL variables) unless the environment sets
them. The table gives each median and arraygrad's median over PyTorch's, and marks the cases
3x slower or more. See README.md.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

# One thread for the BLAS (and any OpenMP pool) too, unless the caller chose: set before NumPy
# loads it. On a machine busy with other work, a calling thread waiting for BLAS workers that
# are not scheduled spins, and its thread time would count the wait.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

sys.path.insert(0, str(Path(__file__).resolve().parent))

import beside_torch  # noqa: E402
import numpy as np  # noqa: E402 - after the thread counts above

#: A case: given the library module, the inputs that need gradients and the others (made
#: from the same NumPy arrays for each library), the scalar whose backward is timed.
Case = Callable[[Any, dict[str, Any]], Any]

SLOW = 3.0  # cases at least this many times slower than PyTorch are marked


def _inputs(lib: Any) -> dict[str, Any]:
    """The inputs of every case, on ``lib``: the same values for each library."""
    rng = np.random.default_rng(0)

    def leaf(*shape: int, positive: bool = False) -> Any:
        values = rng.standard_normal(shape).astype(np.float32)
        if positive:
            values = np.abs(values) + 0.1
        return lib.tensor(values, requires_grad=True)

    n_tokens = 5000
    return {
        "a": leaf(512, 1024),
        "b": leaf(512, 1024),
        "positive": leaf(512, 1024, positive=True),
        "labels": lib.tensor(rng.integers(0, 2, (512, 1024)).astype(np.float32)),
        "classes": lib.tensor(rng.integers(0, 1024, 512)),
        "rows": lib.tensor(rng.integers(0, 512, 4096)),
        "batched": leaf(64, 64, 64),
        "spd": lib.tensor(
            (rng.standard_normal((128, 32, 32)) / 8 + 2 * np.eye(32)).astype(np.float32),
            requires_grad=True,
        ),
        "sequence": leaf(32, 50, 64),
        "image": leaf(16, 32, 32, 32),
        "signal": leaf(16, 32, 400),
        "logits": leaf(256, 10000),
        "targets": lib.tensor(rng.integers(0, 10000, 256)),
        "tokens": lib.tensor(rng.integers(0, n_tokens, (32, 50))),
    }


def _modules(lib: Any) -> dict[str, Any]:
    """The layers of the cases, with the same initial weights on each library."""
    nn = lib.nn
    lib.manual_seed(0)  # (arraygrad draws torch's numbers: the same weights on both)
    return {
        "lstm": nn.LSTM(64, 128, batch_first=True),
        "gru": nn.GRU(64, 128, batch_first=True),
        "attention": nn.MultiheadAttention(64, 4, batch_first=True),
        "encoder": nn.TransformerEncoderLayer(64, 4, 256, dropout=0.0, batch_first=True),
        "conv1d": nn.Conv1d(32, 32, 5, padding=2),
        "conv2d": nn.Conv2d(32, 32, 3, padding=1),
        "depthwise": nn.Conv2d(32, 32, 3, padding=1, groups=32),
        "transposed": nn.ConvTranspose2d(32, 16, 4, stride=2, padding=1),
        "batch_norm": nn.BatchNorm2d(32),
        "group_norm": nn.GroupNorm(8, 32),
        "layer_norm": nn.LayerNorm(64),
        "embedding": nn.Embedding(5000, 64),
    }


# name -> case; ``x`` holds _inputs and _modules together.
CASES: dict[str, Case] = {
    # element-wise
    "add": lambda lib, x: (x["a"] + x["b"]).sum(),
    "mul": lambda lib, x: (x["a"] * x["b"]).sum(),
    "div": lambda lib, x: (x["a"] / x["positive"]).sum(),
    "pow 3": lambda lib, x: (x["a"] ** 3).sum(),
    "pow tensor": lambda lib, x: (x["positive"] ** x["b"]).sum(),
    "exp": lambda lib, x: x["a"].exp().sum(),
    "log": lambda lib, x: x["positive"].log().sum(),
    "tanh": lambda lib, x: x["a"].tanh().sum(),
    "clamp": lambda lib, x: x["a"].clamp(-0.5, 0.5).sum(),
    "where": lambda lib, x: lib.where(x["a"] > 0, x["a"], x["b"]).sum(),
    "lgamma": lambda lib, x: x["positive"].lgamma().sum(),
    "digamma": lambda lib, x: x["positive"].digamma().sum(),
    "erfinv": lambda lib, x: (x["a"].tanh() * 0.9).erfinv().sum(),
    # activations
    "relu": lambda lib, x: x["a"].relu().sum(),
    "sigmoid": lambda lib, x: x["a"].sigmoid().sum(),
    "silu": lambda lib, x: lib.nn.functional.silu(x["a"]).sum(),
    "gelu": lambda lib, x: lib.nn.functional.gelu(x["image"]).sum(),
    "gelu tanh": lambda lib, x: lib.nn.functional.gelu(x["a"], approximate="tanh").sum(),
    "softplus": lambda lib, x: lib.nn.functional.softplus(x["a"]).sum(),
    "elu": lambda lib, x: lib.nn.functional.elu(x["a"]).sum(),
    "leaky_relu": lambda lib, x: lib.nn.functional.leaky_relu(x["a"]).sum(),
    "hardswish": lambda lib, x: lib.nn.functional.hardswish(x["a"]).sum(),
    "hardtanh": lambda lib, x: lib.nn.functional.hardtanh(x["a"]).sum(),
    "logsigmoid": lambda lib, x: lib.nn.functional.logsigmoid(x["a"]).sum(),
    "glu": lambda lib, x: lib.nn.functional.glu(x["a"], 1).sum(),
    "softmax": lambda lib, x: lib.softmax(x["logits"], -1).sum(),
    "log_softmax": lambda lib, x: lib.nn.functional.log_softmax(x["logits"], -1).sum(),
    # reductions and scans
    "sum dim": lambda lib, x: x["a"].sum(1).sum(),
    "var dim": lambda lib, x: x["a"].var(1).sum(),
    "max dim": lambda lib, x: x["a"].max(1)[0].sum(),
    "logsumexp": lambda lib, x: x["a"].logsumexp(1).sum(),
    "prod dim": lambda lib, x: (x["positive"][:, :64] * 0.5 + 0.75).prod(1).sum(),
    "cumsum": lambda lib, x: x["logits"].cumsum(-1).sum(),
    "cumprod": lambda lib, x: (x["positive"] * 0.01 + 1).cumprod(1).sum(),
    "cummax": lambda lib, x: x["a"].cummax(1)[0].sum(),
    "topk": lambda lib, x: x["logits"].topk(5, -1)[0].sum(),
    "sort": lambda lib, x: x["a"].sort(1)[0].sum(),
    # indexing and data movement
    "getitem slice": lambda lib, x: x["a"][:, None, :64].expand(512, 16, 64).sum(),
    "getitem index": lambda lib, x: x["a"][x["rows"]].sum(),
    "gather": lambda lib, x: x["logits"].gather(1, x["targets"][:, None]).sum(),
    "index_select": lambda lib, x: x["logits"].index_select(1, x["targets"]).sum(),
    "scatter_add": lambda lib, x: (
        lib.zeros(512, 1024).scatter_add(0, x["rows"][:512, None].expand(512, 1024), x["a"]).sum()
    ),
    "masked_fill": lambda lib, x: x["a"].masked_fill(x["a"] > 1, 0.0).sum(),
    "cat": lambda lib, x: lib.cat([x["a"], x["b"]], 1).sum(),
    "split": lambda lib, x: sum(part.sum() for part in x["a"].split(64, 1)),
    "transpose contiguous": lambda lib, x: x["a"].T.contiguous().sum(),
    "pad reflect": lambda lib, x: lib.nn.functional.pad(x["image"], (2, 2, 2, 2), "reflect").sum(),
    # losses
    "mse_loss": lambda lib, x: lib.nn.functional.mse_loss(x["a"], x["b"]),
    "smooth_l1_loss": lambda lib, x: lib.nn.functional.smooth_l1_loss(x["a"], x["b"]),
    "bce_with_logits": lambda lib, x: lib.nn.functional.binary_cross_entropy_with_logits(
        x["a"], x["labels"]
    ),
    "cross_entropy 10k": lambda lib, x: lib.nn.functional.cross_entropy(x["logits"], x["targets"]),
    "nll_loss": lambda lib, x: lib.nn.functional.nll_loss(
        lib.nn.functional.log_softmax(x["a"], 1), x["classes"]
    ),
    # layers
    "linear (matmul)": lambda lib, x: (x["a"] @ x["b"].T).sum(),
    "bmm": lambda lib, x: lib.bmm(x["batched"], x["batched"]).sum(),
    "embedding": lambda lib, x: x["embedding"](x["tokens"]).sum(),
    "embedding_bag": lambda lib, x: lib.nn.functional.embedding_bag(
        x["rows"], x["a"], lib.arange(0, 4096, 16), mode="mean"
    ).sum(),
    "conv1d": lambda lib, x: x["conv1d"](x["signal"]).sum(),
    "conv2d": lambda lib, x: x["conv2d"](x["image"]).sum(),
    "conv2d depthwise": lambda lib, x: x["depthwise"](x["image"]).sum(),
    "conv_transpose2d": lambda lib, x: x["transposed"](x["image"]).sum(),
    "max_pool2d": lambda lib, x: lib.nn.functional.max_pool2d(x["image"], 2).sum(),
    "avg_pool2d": lambda lib, x: lib.nn.functional.avg_pool2d(x["image"], 3, 1, 1).sum(),
    "max_pool1d": lambda lib, x: lib.nn.functional.max_pool1d(x["signal"], 3).sum(),
    "avg_pool1d": lambda lib, x: lib.nn.functional.avg_pool1d(x["signal"], 4).sum(),
    "interpolate bilinear": lambda lib, x: lib.nn.functional.interpolate(
        x["image"], scale_factor=2, mode="bilinear"
    ).sum(),
    "batch_norm": lambda lib, x: x["batch_norm"](x["image"]).sum(),
    "group_norm": lambda lib, x: x["group_norm"](x["image"]).sum(),
    "layer_norm": lambda lib, x: x["layer_norm"](x["sequence"]).sum(),
    "lstm": lambda lib, x: x["lstm"](x["sequence"])[0].sum(),
    "gru": lambda lib, x: x["gru"](x["sequence"])[0].sum(),
    "multihead attention": lambda lib, x: x["attention"](
        x["sequence"], x["sequence"], x["sequence"]
    )[0].sum(),
    "transformer encoder layer": lambda lib, x: x["encoder"](x["sequence"]).sum(),
    "scaled_dot_product causal": lambda lib, x: lib.nn.functional.scaled_dot_product_attention(
        x["sequence"], x["sequence"], x["sequence"], is_causal=True
    ).sum(),
    # linear algebra
    "linalg.inv": lambda lib, x: lib.linalg.inv(x["spd"]).sum(),
    "linalg.det": lambda lib, x: lib.linalg.det(x["spd"][:, :8, :8]).sum(),
    "linalg.eigvalsh": lambda lib, x: lib.linalg.eigvalsh(x["spd"] + x["spd"].mT).sum(),
    "linalg.svdvals": lambda lib, x: lib.linalg.svdvals(x["spd"][:16]).sum(),
}


def step_for(name: str, lib: Any) -> Callable[[], None]:
    """One forward and backward of case ``name`` on ``lib``, the gradients dropped after."""
    values = {**_inputs(lib), **_modules(lib)}
    case = CASES[name]
    return beside_torch.backward_step(lib, values, lambda: case(lib, values))


def main(argv: list[str] | None = None) -> int:
    return beside_torch.main(
        __doc__.split("\n")[0],
        CASES,
        lambda name, libraries: {label: step_for(name, lib) for label, lib in libraries.items()},
        "of forward + backward",
        repeats=7,
        warmup=1,
        slow=SLOW,
        argv=argv,
    )


if __name__ == "__main__":
    sys.exit(main())
