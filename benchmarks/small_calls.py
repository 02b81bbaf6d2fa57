"""Time single calls on tiny tensors (4 x 4) beside PyTorch: the per-call overhead.

    python benchmarks/small_calls.py                          # every case, 9 samples each
    python benchmarks/small_calls.py -c cross_entropy conv2d  # cases starting with these
    python benchmarks/small_calls.py --repeats 15 --json small.json

The seed trains on four numbers, and people who learn with arraygrad run tensors of a few
elements: there a call's time is all Python and library overhead, not arithmetic. ``ops.py``
times operations on realistic sizes; this script times the same kinds of calls where their
arrays cost nothing, to find the calls whose overhead would make a small program slow. A case
named ``... +backward`` also reduces the result to a scalar and runs ``backward()``. Both
libraries run in one process on the same inputs, interleaved round-robin as in ``run.py``, on
one thread, timed with ``time.thread_time`` (see ``beside_torch.py``). The table gives each
median and arraygrad's median over PyTorch's, and marks the calls 4x slower or more. See
README.md.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import beside_torch

#: A case: given the library module and the inputs (made once per library from the same
#: numbers), one call.
Case = Callable[[Any, dict[str, Any]], Any]

SLOW = 4.0  # calls at least this many times slower than PyTorch are marked


def _inputs(lib: Any) -> dict[str, Any]:
    """The inputs of every case, on ``lib``: a 4 x 4 leaf, other small tensors and layers."""
    lib.manual_seed(0)  # (arraygrad draws torch's numbers: the same values and weights)
    nn = lib.nn
    return {
        "x": lib.randn(4, 4, requires_grad=True),
        "y": lib.randn(4, 4),
        "v": lib.randn(4),
        "labels": lib.tensor([0, 3, 1, 2]),
        "rows": lib.tensor([1, 2, 3]),
        "image": lib.randn(1, 1, 5, 5, requires_grad=True),
        "linear": nn.Linear(4, 4),
        "mlp": nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 4)),
        "conv": nn.Conv2d(1, 2, 3),
        "layer_norm": nn.LayerNorm(4),
        "embedding": nn.Embedding(10, 4),
    }


def _no_grad(lib: Any) -> None:
    with lib.no_grad():
        pass


# name -> case; ``x`` holds the inputs of _inputs.
CASES: dict[str, Case] = {
    # creation
    "tensor([1.0, 2.0, 3.0])": lambda lib, x: lib.tensor([1.0, 2.0, 3.0]),
    "zeros(4, 4)": lambda lib, x: lib.zeros(4, 4),
    "randn(4, 4)": lambda lib, x: lib.randn(4, 4),
    "arange(10)": lambda lib, x: lib.arange(10),
    "arange(0, 1, 0.1)": lambda lib, x: lib.arange(0, 1, 0.1),
    "linspace(0, 1, 10)": lambda lib, x: lib.linspace(0, 1, 10),
    # element-wise and reductions
    "add": lambda lib, x: x["x"] + x["y"],
    "mul by a number": lambda lib, x: x["x"] * 2.0,
    "exp": lambda lib, x: x["x"].exp(),
    "sigmoid": lambda lib, x: x["x"].sigmoid(),
    "relu": lambda lib, x: x["x"].relu(),
    "clamp(0, 1)": lambda lib, x: x["x"].clamp(0, 1),
    "where": lambda lib, x: lib.where(x["y"] > 0, x["x"], x["y"]),
    "sum": lambda lib, x: x["x"].sum(),
    "mean(1)": lambda lib, x: x["x"].mean(1),
    "max()": lambda lib, x: x["x"].max(),
    "max(1)": lambda lib, x: x["x"].max(1),
    "argmax()": lambda lib, x: x["x"].argmax(),
    "norm()": lambda lib, x: x["x"].norm(),
    "cumsum(0)": lambda lib, x: x["x"].cumsum(0),
    "sum().item()": lambda lib, x: x["x"].sum().item(),
    # shapes and indexing
    "view(16)": lambda lib, x: x["x"].view(16),
    "t()": lambda lib, x: x["x"].t(),
    "expand(4, 4)": lambda lib, x: x["v"].expand(4, 4),
    "x[0]": lambda lib, x: x["x"][0],
    "x[1:3]": lambda lib, x: x["x"][1:3],
    "x[index]": lambda lib, x: x["x"][x["rows"]],
    "gather": lambda lib, x: x["x"].gather(1, x["labels"][:, None]),
    "cat": lambda lib, x: lib.cat([x["x"], x["y"]]),
    "stack": lambda lib, x: lib.stack([x["v"], x["v"]]),
    "topk(2)": lambda lib, x: x["x"].topk(2),
    # products
    "matmul": lambda lib, x: x["x"] @ x["y"],
    "addmm": lambda lib, x: lib.addmm(x["y"], x["x"], x["y"]),
    "einsum ij,jk->ik": lambda lib, x: lib.einsum("ij,jk->ik", x["x"], x["y"]),
    # layers and losses
    "softmax": lambda lib, x: lib.softmax(x["x"], 1),
    "log_softmax": lambda lib, x: lib.log_softmax(x["x"], 1),
    "Linear": lambda lib, x: x["linear"](x["x"]),
    "Sequential MLP": lambda lib, x: x["mlp"](x["x"]),
    "LayerNorm": lambda lib, x: x["layer_norm"](x["x"]),
    "Embedding": lambda lib, x: x["embedding"](x["rows"]),
    "Conv2d": lambda lib, x: x["conv"](x["image"]),
    "mse_loss": lambda lib, x: lib.nn.functional.mse_loss(x["x"], x["y"]),
    "cross_entropy": lambda lib, x: lib.nn.functional.cross_entropy(x["x"], x["labels"]),
    # autograd and grad mode
    "no_grad()": lambda lib, x: _no_grad(lib),
    "detach": lambda lib, x: x["x"].detach(),
    "(x * 2).sum().backward()": lambda lib, x: (x["x"] * 2).sum().backward(),
}
# The layers and losses again, with a backward pass: the whole of a training step's work for
# them.
_WITH_BACKWARD = ["softmax", "Linear", "LayerNorm", "Conv2d", "max(1)", "cross_entropy"]
CASES.update({f"{name} +backward": CASES[name] for name in _WITH_BACKWARD})


def step_for(name: str, lib: Any) -> Callable[[], None]:
    """One call of case ``name`` on ``lib`` (and its backward pass for a ``+backward`` case,
    the gradients dropped after)."""
    values = _inputs(lib)
    case = CASES[name]
    if not name.endswith(" +backward"):
        return lambda: case(lib, values)

    def loss() -> Any:
        out = case(lib, values)
        return (out[0] if isinstance(out, tuple) else out).sum()  # (max(1): its values)

    return beside_torch.backward_step(lib, values, loss)


def main(argv: list[str] | None = None) -> int:
    return beside_torch.main(
        __doc__.split("\n")[0],
        CASES,
        lambda name, libraries: {label: step_for(name, lib) for label, lib in libraries.items()},
        "per call",
        repeats=9,
        warmup=1,
        slow=SLOW,
        argv=argv,
    )


if __name__ == "__main__":
    sys.exit(main())
