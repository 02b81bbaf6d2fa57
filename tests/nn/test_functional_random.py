"""A seeded differential fuzzer of ``arraygrad.nn.functional``'s keyword arguments.

The op tables check each function on a few fixed argument sets; here a seeded generator draws
many argument combinations per function, valid and invalid ones (strides of 0, padding wider
than the window, groups that do not divide the channels, mismatched shapes...), and runs each
draw on arraygrad and on torch 2.13.0 in float64. Where torch computes, arraygrad must give the
same output shapes, dtypes and values, and the same gradients of every floating input for a
random cotangent; where torch raises, arraygrad must raise the same exception class.

Left out where torch 2.13 is wrong: the gradients of ``max_pool`` where a window lies wholly in
the padding and the index torch names for it (its first kernel position at or past 0 along each
axis) is past the input's plane: torch's backward adds that window's gradient at the plane's
flat offset, in the next plane (or past the tensor's end), though no output depends on that
element (``max_pool2d`` of shape (2, 1, 4), kernel 2, padding 1, dilation (2, 1): every output
is -inf, indices 4, 5 and 7, and the second channel gets gradients; seed 20049). arraygrad
gives them 0. Such draws compare outputs and indices only; a window in the padding whose index
lies inside the plane is compared (see the fixed cases).

Each generator returns a :class:`Case`: a call written against the shared API (``L`` is the
library module, ``F`` its ``nn.functional``) and its NumPy inputs. Run the module as a script
(``python -m tests.nn.test_functional_random [draws per generator] [first seed]``) to fuzz for
longer than the test does.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
import arraygrad.nn.functional as AF
from tests.oracle import assert_refused_as_torch

# Exception classes a call may raise in either library; anything else is a crash of the fuzzer.
ERRORS = (RuntimeError, ValueError, TypeError, IndexError, NotImplementedError, AssertionError)
RTOL, ATOL = 1e-7, 1e-9


@dataclass
class Case:
    """``call(L, F, *tensors)`` on ``inputs``; ``grad`` lists which inputs get gradients (every
    floating one when ``None``)."""

    name: str
    call: Callable[..., Any]
    inputs: Sequence[np.ndarray]
    grad: Sequence[bool] | None = None
    note: dict[str, Any] = field(default_factory=dict)
    # torch's gradient is NaN where arraygrad's is finite (a documented deviation: ctc_loss of
    # an impossible alignment without zero_infinity); such gradients are not compared
    nan_grad_ok: bool = False

    def __repr__(self) -> str:
        shapes = [a.shape for a in self.inputs]
        return f"Case({self.name}, {self.note}, shapes={shapes})"


def _flat(value: Any) -> list[Any]:
    if isinstance(value, (tuple, list)):
        return [x for item in value for x in _flat(item)]
    return [value]


def _np(value: Any) -> np.ndarray:
    if getattr(value, "is_sparse", False):  # embedding(sparse=True) gradients
        value = value.to_dense()
    return np.asarray(value.detach().numpy())


def _run(case: Case, lib: Any, functional: Any) -> tuple[list[Any], list[Any]] | str:
    """The case's outputs and input tensors in ``lib``, or the error it raised as
    ``"Class: message"``."""
    wants = case.grad or [np.issubdtype(a.dtype, np.floating) for a in case.inputs]
    tensors = [
        lib.tensor(a, requires_grad=bool(w)) for a, w in zip(case.inputs, wants, strict=True)
    ]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = _flat(case.call(lib, functional, *tensors))
    except ERRORS as error:
        return f"{type(error).__name__}: {str(error)[:200]}"
    return out, tensors


def _error_class(outcome: Any) -> str:
    return outcome.split(":")[0] if isinstance(outcome, str) else "no error"


def check_case(case: Case, seed: int = 0) -> None:
    """Assert arraygrad agrees with torch on ``case`` (see the module docstring)."""
    theirs = _run(case, torch, torch.nn.functional)
    mine = _run(case, ag, AF)
    if isinstance(theirs, str) or isinstance(mine, str):
        shown = [o if isinstance(o, str) else "no error" for o in (mine, theirs)]
        assert _error_class(mine) == _error_class(theirs), (case, *shown)
        return
    th_out, th_in = theirs
    ag_out, ag_in = mine
    assert len(ag_out) == len(th_out), case
    for index, (a, t) in enumerate(zip(ag_out, th_out, strict=True)):
        if not isinstance(t, torch.Tensor):
            assert a == t, (case, index)
            continue
        assert tuple(a.shape) == tuple(t.shape), (case, index, a.shape, t.shape)
        assert str(a.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], (case, index)
        np.testing.assert_allclose(
            _np(a), _np(t), rtol=RTOL, atol=ATOL, equal_nan=True, err_msg=f"{case} output {index}"
        )
    pairs = [
        (a, t)
        for a, t in zip(ag_out, th_out, strict=True)
        if isinstance(t, torch.Tensor) and t.requires_grad
    ]
    wrt = [i for i, t in enumerate(th_in) if t.requires_grad]
    # torch's backward refuses some empty outputs (interpolate(mode="area") to a size of 0);
    # arraygrad's gives zero gradients: nothing to compare
    if not pairs or not wrt or all(t.numel() == 0 for _, t in pairs):
        return
    rng = np.random.default_rng(seed)
    cotangents = [rng.standard_normal(tuple(t.shape)) for _, t in pairs]
    grads = []
    for lib, outs, ins in (
        (torch, [t for _, t in pairs], th_in),
        (ag, [a for a, _ in pairs], ag_in),
    ):
        try:  # some argument combinations are refused only by the backward pass
            grads.append(
                lib.autograd.grad(
                    outs,
                    [ins[i] for i in wrt],
                    [lib.tensor(c) for c in cotangents],
                    allow_unused=True,
                )
            )
        except ERRORS as error:
            grads.append(type(error).__name__)
    th_grads, ag_grads = grads
    if isinstance(th_grads, str) or isinstance(ag_grads, str):
        shown = [g if isinstance(g, str) else "no error" for g in (ag_grads, th_grads)]
        assert shown[0] == shown[1], (case, "backward", *shown)
        return
    for index, a, t in zip(wrt, ag_grads, th_grads, strict=True):
        if t is None:
            assert a is None or not np.any(_np(a)), (case, "grad", index)
            continue
        assert a is not None, (case, "no grad", index)
        if case.nan_grad_ok and np.isnan(_np(t)).any():
            continue
        np.testing.assert_allclose(
            _np(a), _np(t), rtol=RTOL, atol=ATOL, equal_nan=True, err_msg=f"{case} grad {index}"
        )


# ---------------------------------------------------------------- drawing helpers


class Draw:
    """Seeded draws of shapes and argument values."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def int(self, low: int, high: int) -> int:
        """An integer in ``[low, high]``."""
        return int(self.rng.integers(low, high + 1))

    def pick(self, *options: Any) -> Any:
        return options[int(self.rng.integers(len(options)))]

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def normal(self, *shape: int) -> np.ndarray:
        return self.rng.standard_normal(shape)

    def distinct(self, *shape: int) -> np.ndarray:
        """Values with no ties (max-like ops are kinked at ties), in random order."""
        size = int(np.prod(shape))
        return (
            self.rng.permutation(size) * 0.37 + self.rng.random(size) * 0.1 - size * 0.2
        ).reshape(shape)

    def tuple_or_int(self, dims: int, low: int, high: int) -> Any:
        """An int, or a tuple of ``dims`` ints (sometimes of the wrong length)."""
        if self.chance(0.5):
            return self.int(low, high)
        length = dims if self.chance(0.9) else self.pick(1, dims + 1)
        return tuple(self.int(low, high) for _ in range(length))


# ---------------------------------------------------------------- generators


def conv(d: Draw) -> Case:
    dims = d.int(1, 3)
    groups = d.pick(1, 1, 2, 3)
    cin = groups * d.int(1, 2) if d.chance(0.9) else d.int(1, 4)
    cout = groups * d.int(1, 2) if d.chance(0.9) else d.int(1, 4)
    kernel = [d.int(1, 3) for _ in range(dims)]
    spatial = [d.int(1, 6) for _ in range(dims)]
    batched = d.chance(0.85)
    x_shape = ([d.int(1, 2)] if batched else []) + [cin, *spatial]
    w_shape = [cout, max(cin // groups, 1), *kernel]
    kw: dict[str, Any] = {}
    if d.chance(0.6):
        kw["stride"] = d.tuple_or_int(dims, 0 if d.chance(0.05) else 1, 3)
    if d.chance(0.6):
        kw["padding"] = d.pick(
            "same", "valid", d.tuple_or_int(dims, -1 if d.chance(0.05) else 0, 3)
        )
    if d.chance(0.5):
        kw["dilation"] = d.tuple_or_int(dims, 0 if d.chance(0.05) else 1, 3)
    if groups != 1:
        kw["groups"] = groups
    bias = d.pick(None, cout, cout + 1 if d.chance(0.1) else cout)
    inputs = [d.normal(*x_shape), d.normal(*w_shape)]
    if bias is not None:
        inputs.append(d.normal(bias))

    def call(L: Any, F: Any, x: Any, w: Any, b: Any = None) -> Any:
        return getattr(F, f"conv{dims}d")(x, w, b, **kw)

    return Case(f"conv{dims}d", call, inputs, note=dict(kw, bias=bias))


def conv_transpose(d: Draw) -> Case:
    dims = d.int(1, 3)
    groups = d.pick(1, 1, 2)
    cin = groups * d.int(1, 2) if d.chance(0.9) else d.int(1, 3)
    cout_g = d.int(1, 2)
    kernel = [d.int(1, 3) for _ in range(dims)]
    spatial = [d.int(1, 4) for _ in range(dims)]
    batched = d.chance(0.85)
    x_shape = ([d.int(1, 2)] if batched else []) + [cin, *spatial]
    w_shape = [cin, cout_g, *kernel]
    kw: dict[str, Any] = {}
    if d.chance(0.6):
        kw["stride"] = d.tuple_or_int(dims, 0 if d.chance(0.05) else 1, 3)
    if d.chance(0.6):
        kw["padding"] = d.tuple_or_int(dims, 0, 2)
    if d.chance(0.5):
        kw["output_padding"] = d.tuple_or_int(dims, 0, 2)
    if d.chance(0.5):
        kw["dilation"] = d.tuple_or_int(dims, 1, 2)
    if groups != 1:
        kw["groups"] = groups
    inputs = [d.normal(*x_shape), d.normal(*w_shape)]
    bias = d.chance(0.5)
    if bias:
        inputs.append(d.normal(cout_g * groups))

    def call(L: Any, F: Any, x: Any, w: Any, b: Any = None) -> Any:
        return getattr(F, f"conv_transpose{dims}d")(x, w, b, **kw)

    return Case(f"conv_transpose{dims}d", call, inputs, note=dict(kw, bias=bias))


def conv2d_module(d: Draw) -> Case:
    mode = d.pick("zeros", "reflect", "replicate", "circular")
    groups = d.pick(1, 2)
    cin, cout = groups * d.int(1, 2), groups * d.int(1, 2)

    # sometimes a kernel, padding, stride or dilation of the wrong length: torch's errors come
    # from several layers (RuntimeError; NotImplementedError from F.pad for padding modes)
    def two(low: int, high: int) -> Any:
        length = 2 if d.chance(0.85) else d.pick(1, 3)
        return d.pick(d.int(low, high), tuple(d.int(low, high) for _ in range(length)))

    kernel = two(1, 3)
    kw: dict[str, Any] = {"padding_mode": mode, "groups": groups, "bias": d.chance(0.5)}
    if d.chance(0.7):
        kw["padding"] = d.pick("same", "valid", two(0, 3))
    if d.chance(0.5):
        kw["stride"] = two(1, 2)
    if d.chance(0.4):
        kw["dilation"] = two(1, 2)
    x = d.normal(*([d.int(1, 2)] if d.chance(0.8) else []), cin, d.int(1, 5), d.int(1, 5))
    seed = d.int(0, 1000)

    def call(L: Any, F: Any, x: Any) -> Any:
        torch.manual_seed(seed)
        module = torch.nn.Conv2d(cin, cout, kernel, **kw).double()
        if L is ag:
            mine = ag.nn.Conv2d(cin, cout, kernel, **kw).double()
            mine.load_state_dict({k: ag.tensor(v.numpy()) for k, v in module.state_dict().items()})
            module = mine
        return module(x)

    return Case("Conv2d", call, [x], note=dict(kw, kernel=kernel))


def _pool_common(d: Draw, dims: int) -> tuple[list[int], dict[str, Any]]:
    spatial = [d.int(1, 6) for _ in range(dims)]
    kw: dict[str, Any] = {"kernel_size": d.tuple_or_int(dims, 1, 3)}
    if d.chance(0.6):
        kw["stride"] = d.pick(None, d.tuple_or_int(dims, 1, 3))
    if d.chance(0.6):
        kw["padding"] = d.tuple_or_int(dims, 0, 2)
    if d.chance(0.5):
        kw["ceil_mode"] = d.chance(0.5)
    return spatial, kw


def max_pool(d: Draw) -> Case:
    dims = d.int(1, 3)
    spatial, kw = _pool_common(d, dims)
    if d.chance(0.5):
        kw["dilation"] = d.tuple_or_int(dims, 1, 2)
    if d.chance(0.5):
        kw["return_indices"] = d.chance(0.5)
    lead = [d.int(1, 2) for _ in range(d.int(1, 2))]
    x = d.distinct(*lead, *spatial)

    def call(L: Any, F: Any, x: Any) -> Any:
        return getattr(F, f"max_pool{dims}d")(x, **kw)

    # (torch's gradient of a window past the plane lands in another plane: not compared)
    grad = [False] if _indices_past_the_plane(dims, x, kw) else None
    return Case(f"max_pool{dims}d", call, [x], grad=grad, note=kw)


def _indices_past_the_plane(dims: int, x: np.ndarray, kw: dict[str, Any]) -> bool:
    """Whether torch's max_pool names an index past the input's plane (a window wholly in the
    padding, see the module's docstring)."""
    options = dict(kw, return_indices=True)
    try:
        _, indices = getattr(torch.nn.functional, f"max_pool{dims}d")(torch.tensor(x), **options)
    except ERRORS:
        return False
    return indices.numel() > 0 and int(indices.max()) >= int(np.prod(x.shape[-dims:]))


def avg_pool(d: Draw) -> Case:
    dims = d.int(1, 3)
    spatial, kw = _pool_common(d, dims)
    if d.chance(0.5):
        kw["count_include_pad"] = d.chance(0.5)
    if dims > 1 and d.chance(0.4):
        kw["divisor_override"] = d.int(0 if d.chance(0.1) else 1, 5)
    lead = [d.int(1, 2) for _ in range(d.int(1, 2))]
    x = d.normal(*lead, *spatial)

    def call(L: Any, F: Any, x: Any) -> Any:
        return getattr(F, f"avg_pool{dims}d")(x, **kw)

    return Case(f"avg_pool{dims}d", call, [x], note=kw)


def lp_pool(d: Draw) -> Case:
    dims = d.int(1, 3)
    spatial = [d.int(1, 5) for _ in range(dims)]

    # torch's lp_pool1d takes only int sizes (a tuple raises TypeError in its arithmetic), and
    # lp_pool2d/3d unpack tuples in Python (ValueError for a wrong length): draw valid sizes.
    def size() -> Any:
        if dims == 1 or d.chance(0.5):
            return d.int(1, 3)
        return tuple(d.int(1, 3) for _ in range(dims))

    kw: dict[str, Any] = {"norm_type": d.pick(1, 2, 3.0, 1.5), "kernel_size": size()}
    if d.chance(0.5):
        kw["stride"] = d.pick(None, size())
    if d.chance(0.5):
        kw["ceil_mode"] = d.chance(0.5)
    lead = [d.int(1, 2) for _ in range(d.int(1, 2))]
    # positive inputs keep fractional powers real
    x = np.abs(d.normal(*lead, *spatial)) + 0.1

    def call(L: Any, F: Any, x: Any) -> Any:
        return getattr(F, f"lp_pool{dims}d")(x, **kw)

    return Case(f"lp_pool{dims}d", call, [x], note=kw)


def adaptive_pool(d: Draw) -> Case:
    dims = d.int(1, 3)
    kind = d.pick("avg", "max")
    spatial = [d.int(1, 7) for _ in range(dims)]
    size: Any
    if dims == 1 or d.chance(0.4):
        size = d.int(0 if d.chance(0.05) else 1, 5)
    else:
        size = tuple(d.pick(None, d.int(1, 5), d.int(1, 5)) for _ in range(dims))
    kw: dict[str, Any] = {}
    if kind == "max" and d.chance(0.5):
        kw["return_indices"] = d.chance(0.5)
    lead = [d.int(1, 2) for _ in range(d.int(1, 2))]
    if d.chance(0.1):  # the first dimension may be empty, even of an unbatched input
        lead[0] = 0
    x = d.distinct(*lead, *spatial)

    def call(L: Any, F: Any, x: Any) -> Any:
        return getattr(F, f"adaptive_{kind}_pool{dims}d")(x, size, **kw)

    return Case(f"adaptive_{kind}_pool{dims}d", call, [x], note=dict(kw, size=size))


def interpolate(d: Draw) -> Case:
    mode = d.pick("nearest", "nearest-exact", "linear", "bilinear", "trilinear", "bicubic", "area")
    dims = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}.get(mode, d.int(1, 3))
    if d.chance(0.05):
        dims = d.int(1, 3)  # a mode on the wrong rank
    spatial = [d.int(1, 5) for _ in range(dims)]
    kw: dict[str, Any] = {"mode": mode}
    if d.chance(0.5):
        kw["size"] = d.tuple_or_int(dims, 1, 8)
    else:
        kw["scale_factor"] = (
            d.pick(0.5, 1.5, 2, 2.0, 0.7, 3)
            if d.chance(0.6)
            else tuple(d.pick(0.5, 1.7, 2.0, 1.0) for _ in range(dims))
        )
        if d.chance(0.5):
            kw["recompute_scale_factor"] = d.chance(0.5)
    if d.chance(0.05):
        kw["size"], kw["scale_factor"] = 3, 2.0  # both: an error
    if mode in ("linear", "bilinear", "bicubic", "trilinear") and d.chance(0.6):
        kw["align_corners"] = d.chance(0.5)
    # torch 2.13's antialiased kernel mis-resamples the rows when the output width is 1 (the
    # result depends on the order of the two passes): leave those sizes out.
    target = kw.get("size")
    if target is None:
        factor = kw["scale_factor"]
        target = int(spatial[-1] * (factor[-1] if isinstance(factor, tuple) else factor))
    width_one = (target[-1] if isinstance(target, tuple) else target) == 1
    if mode in ("bilinear", "bicubic") and d.chance(0.4) and not width_one:
        kw["antialias"] = True
    x = d.normal(d.int(1, 2), d.int(1, 2), *spatial)

    def call(L: Any, F: Any, x: Any) -> Any:
        return F.interpolate(x, **kw)

    return Case("interpolate", call, [x], note=kw)


def pad(d: Draw) -> Case:
    mode = d.pick("constant", "reflect", "replicate", "circular")
    dims = d.int(1, 3)
    # the non-constant modes pad an input of rank len(pad) // 2 + 1 or + 2 (NotImplementedError
    # otherwise); negative pads crop in every mode
    rank = dims + d.pick(1, 2) if d.chance(0.9) else d.int(dims, 5)
    shape = [d.int(1, 2) for _ in range(rank - dims)] + [d.int(1, 5) for _ in range(dims)]
    pads = tuple(d.int(-2 if d.chance(0.4) else 0, 3) for _ in range(2 * dims))
    if mode == "circular":
        # torch's circular padding beyond what a crop kept raises or reads unwritten memory,
        # depending on the layout: leave it out
        for axis in range(dims):
            before, after = pads[2 * axis], pads[2 * axis + 1]
            kept = shape[-1 - axis] + min(before, 0) + min(after, 0)
            if min(before, after) < 0 and max(before, after) > max(kept, 0) - (kept <= 0):
                pads = tuple(max(p, 0) for p in pads)
    kw: dict[str, Any] = {"mode": mode}
    if mode == "constant" and d.chance(0.5):
        kw["value"] = d.pick(0.0, 1.5, -2)
    x = d.normal(*shape)

    def call(L: Any, F: Any, x: Any) -> Any:
        return F.pad(x, pads, **kw)

    return Case("pad", call, [x], note=dict(kw, pads=pads))


def _reduction(d: Draw) -> dict[str, Any]:
    return {"reduction": d.pick("mean", "sum", "none")} if d.chance(0.8) else {}


def class_losses(d: Draw) -> Case:
    kind = d.pick("cross_entropy", "nll_loss")
    classes = d.int(2, 4)
    extra = [d.int(1, 3) for _ in range(d.pick(0, 0, 1, 2))]
    batched = bool(extra) or d.chance(0.8)
    lead = [d.int(1, 4)] if batched else []
    x = d.normal(*lead, classes, *extra)
    kw = _reduction(d)
    probs = kind == "cross_entropy" and d.chance(0.3)
    if probs:
        target = d.rng.dirichlet(np.ones(classes), size=int(np.prod(lead + extra, dtype=int)))
        target = np.moveaxis(target.reshape(*lead, *extra, classes), -1, len(lead))
    else:
        target = d.rng.integers(0, classes, size=lead + extra)
        if d.chance(0.3):
            kw["ignore_index"] = d.pick(-100, 0, 1)
            target.flat[0] = kw["ignore_index"] if kw["ignore_index"] >= 0 else target.flat[0]
    inputs = [x, target]
    if d.chance(0.4):
        inputs.append(np.abs(d.normal(classes)) + 0.1)
    if kind == "cross_entropy" and d.chance(0.4):
        kw["label_smoothing"] = d.pick(0.0, 0.1, 0.5, 1.0)

    def call(L: Any, F: Any, x: Any, t: Any, w: Any = None) -> Any:
        return getattr(F, kind)(
            x if kind == "cross_entropy" else F.log_softmax(x, 1 if batched else 0),
            t,
            weight=w,
            **kw,
        )

    return Case(kind, call, inputs, note=dict(kw, probs=probs, weight=len(inputs) == 3))


def binary_losses(d: Draw) -> Case:
    kind = d.pick("binary_cross_entropy", "binary_cross_entropy_with_logits")
    shape = [d.int(1, 3) for _ in range(d.int(0, 3))]
    x = d.normal(*shape)
    if kind == "binary_cross_entropy":
        x = 1 / (1 + np.exp(-x))
    target = d.rng.random(shape)
    kw = _reduction(d)
    inputs = [x, target]
    has_weight = d.chance(0.4)
    if has_weight:
        inputs.append(np.abs(d.normal(*shape[-1:])) + 0.1)
    has_pos = kind.endswith("logits") and d.chance(0.4)

    def call(L: Any, F: Any, x: Any, t: Any, w: Any = None) -> Any:
        pos = L.linspace(0.5, 2.0, shape[-1] if shape else 1, dtype=L.float64)
        extra = {"pos_weight": pos.reshape(shape[-1:])} if has_pos else {}
        return getattr(F, kind)(x, t, weight=w, **kw, **extra)

    return Case(kind, call, inputs, note=dict(kw, weight=has_weight, pos=has_pos))


def regression_losses(d: Draw) -> Case:
    kind = d.pick(
        "mse_loss",
        "l1_loss",
        "smooth_l1_loss",
        "huber_loss",
        "poisson_nll_loss",
        "gaussian_nll_loss",
        "kl_div",
        "soft_margin_loss",
    )
    shape = [d.int(1, 3) for _ in range(d.int(0, 3))]
    x, target = d.normal(*shape), d.normal(*shape)
    kw = _reduction(d)
    inputs = [x, target]
    if kind == "smooth_l1_loss" and d.chance(0.6):
        kw["beta"] = d.pick(0.0, 0.5, 1.0, 2.0)
    if kind == "huber_loss" and d.chance(0.6):
        kw["delta"] = d.pick(0.5, 1.0, 2.0)
    if kind == "poisson_nll_loss":
        kw["log_input"] = d.chance(0.5)
        kw["full"] = d.chance(0.5)
        target = np.abs(target) * 3
        if not kw["log_input"]:
            x = np.abs(x) + 0.1
        inputs = [x, target]
    if kind == "gaussian_nll_loss":
        inputs.append(np.abs(d.normal(*shape)) + 0.1)
        kw["full"] = d.chance(0.5)
        if d.chance(0.3):
            kw["eps"] = d.pick(1e-6, 0.5)
    if kind == "kl_div":
        kw["log_target"] = d.chance(0.5)
        if d.chance(0.3):
            kw["reduction"] = "batchmean"
        if not kw["log_target"]:
            inputs[1] = np.abs(target)
    if kind == "soft_margin_loss":
        inputs[1] = np.sign(target) + (target == 0)

    def call(L: Any, F: Any, *args: Any) -> Any:
        return getattr(F, kind)(*args, **kw)

    return Case(kind, call, inputs, note=kw)


def margin_losses(d: Draw) -> Case:
    kind = d.pick(
        "margin_ranking_loss",
        "hinge_embedding_loss",
        "cosine_embedding_loss",
        "multi_margin_loss",
        "multilabel_margin_loss",
        "multilabel_soft_margin_loss",
        "triplet_margin_loss",
    )
    n, c = d.int(1, 3), d.int(2, 4)
    kw = _reduction(d)
    sign = lambda *s: np.where(d.rng.random(s) < 0.5, -1.0, 1.0)
    if kind == "margin_ranking_loss":
        inputs = [d.normal(n), d.normal(n), sign(n)]
        kw["margin"] = d.pick(0.0, 0.5, -0.3)
    elif kind == "hinge_embedding_loss":
        inputs = [d.normal(n, c), sign(n, c)]
        kw["margin"] = d.pick(0.0, 1.0, 2.5)
    elif kind == "cosine_embedding_loss":
        inputs = [d.normal(n, c), d.normal(n, c), sign(n)]
        kw["margin"] = d.pick(0.0, 0.5, -0.5)
    elif kind == "multi_margin_loss":
        inputs = [d.normal(n, c), d.rng.integers(0, c, n)]
        kw["p"] = d.pick(1, 2, 3 if d.chance(0.1) else 1)
        kw["margin"] = d.pick(1.0, 0.5, 2.0)
        if d.chance(0.4):
            inputs.append(np.abs(d.normal(c)) + 0.1)
    elif kind == "multilabel_margin_loss":
        target = np.full((n, c), -1)
        for row in range(n):
            count = d.int(0, c)
            target[row, :count] = d.rng.permutation(c)[:count]
        inputs = [d.normal(n, c), target]
    elif kind == "multilabel_soft_margin_loss":
        inputs = [d.normal(n, c), (d.rng.random((n, c)) < 0.5).astype(np.float64)]
        if d.chance(0.4):
            inputs.append(np.abs(d.normal(c)) + 0.1)
    else:
        inputs = [d.normal(n, c), d.normal(n, c), d.normal(n, c)]
        kw["margin"] = d.pick(0.5, 1.0, 2.0)
        kw["p"] = d.pick(1.0, 2.0, 3.0)
        kw["swap"] = d.chance(0.5)
        if d.chance(0.3):
            kw["eps"] = 1e-3
    grad = [np.issubdtype(a.dtype, np.floating) and i < 2 for i, a in enumerate(inputs)]
    if kind in ("triplet_margin_loss", "multilabel_soft_margin_loss", "multi_margin_loss"):
        grad = [np.issubdtype(a.dtype, np.floating) for a in inputs]
        if kind == "multilabel_soft_margin_loss":
            grad[1] = False

    def call(L: Any, F: Any, *args: Any) -> Any:
        if kind in ("multi_margin_loss", "multilabel_soft_margin_loss") and len(args) == 3:
            return getattr(F, kind)(args[0], args[1], weight=args[2], **kw)
        return getattr(F, kind)(*args, **kw)

    return Case(kind, call, inputs, grad=grad, note=kw)


def ctc(d: Draw) -> Case:
    t_len, n, c = d.int(3, 6), d.int(1, 2), d.int(2, 4)
    s_len = d.int(1, 3)
    logits = d.normal(t_len, n, c)
    targets = d.rng.integers(1, c, (n, s_len))
    input_lengths = d.rng.integers(max(1, t_len - 2), t_len + 1, n)
    target_lengths = d.rng.integers(0 if d.chance(0.3) else 1, s_len + 1, n)
    kw = _reduction(d)
    kw["zero_infinity"] = d.chance(0.5)
    if d.chance(0.2):
        kw["blank"] = c - 1
        targets = d.rng.integers(0, c - 1, (n, s_len))

    def call(L: Any, F: Any, x: Any, t: Any, il: Any, tl: Any) -> Any:
        return F.ctc_loss(F.log_softmax(x, -1), t, il, tl, **kw)

    inputs = [logits, targets, input_lengths, target_lengths]
    return Case("ctc_loss", call, inputs, note=kw, nan_grad_ok=not kw["zero_infinity"])


def batch_norm(d: Draw) -> Case:
    c = d.int(1, 3)
    shape = [d.int(1, 3), c, *[d.int(1, 3) for _ in range(d.int(0, 2))]]
    training = d.chance(0.6)
    with_stats = d.chance(0.7) or not training
    affine = d.chance(0.6)
    kw: dict[str, Any] = {"training": training}
    if d.chance(0.4):
        kw["momentum"] = d.pick(0.1, 0.5, 1.0, 0.0)
    if d.chance(0.4):
        kw["eps"] = d.pick(1e-5, 0.1, 1.0)
    inputs = [d.normal(*shape)]
    if affine:
        inputs += [d.normal(c), d.normal(c)]
    mean, var = d.normal(c), np.abs(d.normal(c)) + 0.5

    def call(L: Any, F: Any, x: Any, w: Any = None, b: Any = None) -> Any:
        rm = L.tensor(mean) if with_stats else None
        rv = L.tensor(var) if with_stats else None
        out = F.batch_norm(x, rm, rv, w, b, **kw)
        return (out, rm, rv) if with_stats else out

    return Case("batch_norm", call, inputs, note=dict(kw, stats=with_stats, affine=affine))


def other_norms(d: Draw) -> Case:
    kind = d.pick("layer_norm", "group_norm", "instance_norm", "local_response_norm", "rms_norm")
    eps = d.pick(1e-5, 0.1) if d.chance(0.4) else None
    extra = {"eps": eps} if eps is not None else {}
    affine = d.chance(0.5)
    if kind in ("layer_norm", "rms_norm"):
        shape = [d.int(1, 3) for _ in range(d.int(1, 4))]
        k = d.int(1, len(shape))
        normalized = tuple(shape[-k:])
        inputs = [d.normal(*shape)]
        if affine:
            inputs.append(d.normal(*normalized))
            if kind == "layer_norm" and d.chance(0.5):
                inputs.append(d.normal(*normalized))

        def call(L: Any, F: Any, x: Any, *wb: Any) -> Any:
            return getattr(F, kind)(x, normalized, *wb, **extra)

        return Case(kind, call, inputs, note=dict(extra, normalized=normalized))
    if kind == "group_norm":
        groups = d.pick(1, 2, 3)
        c = groups * d.int(1, 2) if d.chance(0.9) else d.int(1, 4)
        shape = [d.int(1, 3), c, *[d.int(0, 3) for _ in range(d.int(0, 2))]]
        inputs = [d.normal(*shape)]
        if affine:
            inputs += [d.normal(c), d.normal(c)]

        def call(L: Any, F: Any, x: Any, *wb: Any) -> Any:
            return F.group_norm(x, groups, *wb, **extra)

        return Case(kind, call, inputs, note=dict(extra, groups=groups))
    if kind == "instance_norm":
        c = d.int(1, 3)
        shape = [d.int(1, 3), c, *[d.int(1, 3) for _ in range(d.int(1, 3))]]
        inputs = [d.normal(*shape)]
        use_stats = d.chance(0.4)
        use_input_stats = d.chance(0.8) or not use_stats
        if affine:
            inputs += [d.normal(c), d.normal(c)]
        mean, var = d.normal(c), np.abs(d.normal(c)) + 0.5
        momentum = d.pick(0.1, 0.5)

        def call(L: Any, F: Any, x: Any, *wb: Any) -> Any:
            rm = L.tensor(mean) if use_stats else None
            rv = L.tensor(var) if use_stats else None
            w, b = wb if wb else (None, None)
            out = F.instance_norm(x, rm, rv, w, b, use_input_stats, momentum, **extra)
            return (out, rm, rv) if use_stats else out

        return Case(kind, call, inputs, note=dict(extra, stats=use_stats, uis=use_input_stats))
    size = d.int(1, 4)
    shape = [d.int(1, 2), d.int(1, 4), *[d.int(1, 3) for _ in range(d.int(0, 3))]]
    kw = {"alpha": d.pick(1e-4, 0.5), "beta": d.pick(0.75, 1.0), "k": d.pick(1.0, 2.0)}

    def call(L: Any, F: Any, x: Any) -> Any:
        return F.local_response_norm(x, size, **kw)

    return Case(kind, call, [d.normal(*shape)], note=dict(kw, size=size))


def embedding(d: Draw) -> Case:
    num, dim = d.int(2, 6), d.int(1, 3)
    idx = d.rng.integers(0, num, [d.int(1, 3) for _ in range(d.int(1, 2))])
    kw: dict[str, Any] = {}
    if d.chance(0.4):
        kw["padding_idx"] = d.pick(0, -1, 1)
    if d.chance(0.3):
        kw["max_norm"] = d.pick(0.5, 1.0)
        kw["norm_type"] = d.pick(1.0, 2.0, 3.0)
    if d.chance(0.4):
        kw["scale_grad_by_freq"] = True
    if d.chance(0.3):  # with scale_grad_by_freq, backward raises
        kw["sparse"] = True
    weight = d.normal(num, dim)
    max_norm = "max_norm" in kw

    def call(L: Any, F: Any, i: Any, w: Any) -> Any:
        if max_norm:  # renormalises the weight in place: work on a copy
            w = w * 1.0
        out = F.embedding(i, w, **kw)
        return out.to_dense() if getattr(out, "is_sparse", False) else out

    return Case("embedding", call, [idx, weight], grad=[False, not max_norm], note=kw)


def dropout(d: Draw) -> Case:
    kind = d.pick(
        "dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"
    )
    rank = {"dropout1d": d.pick(2, 3), "dropout2d": d.pick(3, 4), "dropout3d": d.pick(4, 5)}.get(
        kind, d.int(1, 4)
    )
    x = d.normal(*[d.int(1, 3) for _ in range(rank)])
    training = d.chance(0.5)
    p = d.pick(0.0, 1.0, 0.5) if not training else d.pick(0.0, 1.0)
    if d.chance(0.05):
        p = d.pick(-0.1, 1.5)

    def call(L: Any, F: Any, x: Any) -> Any:
        return getattr(F, kind)(x, p=p, training=training)

    return Case(kind, call, [x], note={"p": p, "training": training})


def attention(d: Draw) -> Case:
    batch = [d.int(1, 2) for _ in range(d.int(0, 2))]
    heads, kv_heads = d.pick(1, 2, 4), 0
    gqa = batch and d.chance(0.3)
    if gqa:
        kv_heads = d.pick(1, 2, heads)
    lq, sk, e, ev = d.int(1, 4), d.int(1, 4), d.int(1, 3), d.int(1, 3)
    qb = [*batch[:-1], heads] if batch else []
    kb = [*batch[:-1], kv_heads] if gqa else qb
    inputs = [d.normal(*qb, lq, e), d.normal(*kb, sk, e), d.normal(*kb, sk, ev)]
    kw: dict[str, Any] = {}
    mask_kind = d.pick(None, "bool", "float")
    causal = d.chance(0.3)
    if causal:
        kw["is_causal"] = True
    if d.chance(0.3):
        kw["scale"] = d.pick(0.5, 2.0)
    if gqa:
        kw["enable_gqa"] = True
    if mask_kind == "float":
        inputs.append(d.normal(*([lq, sk] if d.chance(0.6) else [*qb, lq, sk])))
    if mask_kind == "bool":
        mask = d.rng.random((lq, sk)) < 0.7
        mask[:, 0] = True
        inputs.append(mask)
    kw["dropout_p"] = 0.0

    def call(L: Any, F: Any, q: Any, k: Any, v: Any, m: Any = None) -> Any:
        return F.scaled_dot_product_attention(q, k, v, attn_mask=m, **kw)

    return Case("sdpa", call, inputs, note=dict(kw, mask=mask_kind))


def fold_unfold(d: Draw) -> Case:
    kw: dict[str, Any] = {"kernel_size": d.tuple_or_int(2, 1, 3)}
    if d.chance(0.5):
        kw["dilation"] = d.tuple_or_int(2, 1, 2)
    if d.chance(0.5):
        kw["padding"] = d.tuple_or_int(2, 0, 2)
    if d.chance(0.5):
        kw["stride"] = d.tuple_or_int(2, 1, 3)
    if d.chance(0.5):
        x = d.normal(
            *([d.int(1, 2)] if d.chance(0.8) else []), d.int(1, 2), d.int(1, 5), d.int(1, 5)
        )

        def call(L: Any, F: Any, x: Any) -> Any:
            return F.unfold(x, **kw)

        return Case("unfold", call, [x], note=kw)
    out = (d.int(1, 5), d.int(1, 5))
    k = kw["kernel_size"]
    kk = k if isinstance(k, tuple) else (k, k)
    blocks = d.int(1, 12)
    c = d.int(1, 2) * int(np.prod(kk)) if d.chance(0.9) else d.int(1, 5)
    x = d.normal(*([d.int(1, 2)] if d.chance(0.8) else []), c, blocks)

    def call2(L: Any, F: Any, x: Any) -> Any:
        return F.fold(x, out, **kw)

    return Case("fold", call2, [x], note=dict(kw, out=out))


def grid_sample(d: Draw) -> Case:
    three = d.chance(0.3)
    spatial = [d.int(1, 4) for _ in range(3 if three else 2)]
    out = [d.int(1, 3) for _ in range(3 if three else 2)]
    n, c = d.int(1, 2), d.int(1, 2)
    kw: dict[str, Any] = {
        "mode": d.pick("bilinear", "nearest", *(() if three else ("bicubic",))),
        "padding_mode": d.pick("zeros", "border", "reflection"),
        "align_corners": d.chance(0.5),
    }
    grid = d.rng.uniform(-1.3, 1.3, (n, *out, len(spatial)))

    def call(L: Any, F: Any, x: Any, g: Any) -> Any:
        return F.grid_sample(x, g, **kw)

    # nearest sampling is piecewise constant in the grid: no gradient to compare there
    grad = [True, kw["mode"] != "nearest"]
    return Case("grid_sample", call, [d.normal(n, c, *spatial), grid], grad=grad, note=kw)


def affine_grid(d: Draw) -> Case:
    three = d.chance(0.4)
    n = d.int(1, 2)
    size = [n, d.int(1, 3), *[d.int(1, 4) for _ in range(3 if three else 2)]]
    theta = d.normal(n, 3 if three else 2, 4 if three else 3)
    align = d.chance(0.5)

    def call(L: Any, F: Any, t: Any) -> Any:
        return F.affine_grid(t, size, align_corners=align)

    return Case("affine_grid", call, [theta], note={"size": size, "align": align})


def small_ops(d: Draw) -> Case:
    kind = d.pick(
        "one_hot",
        "normalize",
        "cosine_similarity",
        "pairwise_distance",
        "pdist",
        "pixel_shuffle",
        "pixel_unshuffle",
        "channel_shuffle",
    )
    if kind == "one_hot":
        idx = d.rng.integers(0, 4, [d.int(1, 3) for _ in range(d.int(0, 2))])
        classes = d.pick(-1, 4, 5, 2 if d.chance(0.2) else 6)

        def call(L: Any, F: Any, i: Any) -> Any:
            return F.one_hot(i, classes)

        return Case(kind, call, [idx], note={"classes": classes})
    if kind == "normalize":
        shape = [d.int(1, 3) for _ in range(d.int(1, 3))]
        kw = {"p": d.pick(1.0, 2.0, 3.0, float("inf")), "dim": d.int(-len(shape), len(shape) - 1)}
        if d.chance(0.3):
            kw["eps"] = d.pick(1e-12, 0.5)

        def call(L: Any, F: Any, x: Any) -> Any:
            return F.normalize(x, **kw)

        return Case(kind, call, [d.normal(*shape)], note=kw)
    if kind in ("cosine_similarity", "pairwise_distance"):
        shape = [d.int(1, 3) for _ in range(d.int(1, 3))]
        other = list(shape)
        if d.chance(0.3):
            other[d.int(0, len(shape) - 1)] = 1
        kw = {}
        if kind == "cosine_similarity":
            kw["dim"] = d.int(-len(shape), len(shape) - 1)
            if d.chance(0.3):
                kw["eps"] = d.pick(1e-8, 0.5)
        else:
            kw["p"] = d.pick(1.0, 2.0, 3.0, 0.5)
            kw["keepdim"] = d.chance(0.5)
            if d.chance(0.3):
                kw["eps"] = d.pick(1e-6, 0.5)

        def call(L: Any, F: Any, a: Any, b: Any) -> Any:
            return getattr(F, kind)(a, b, **kw)

        return Case(kind, call, [d.normal(*shape), d.normal(*other)], note=kw)
    if kind == "pdist":
        p = d.pick(1.0, 2.0, 3.0, 0.5, float("inf"))

        def call(L: Any, F: Any, x: Any) -> Any:
            return F.pdist(x, p)

        return Case(kind, call, [d.distinct(d.int(1, 4), d.int(1, 3))], note={"p": p})
    r = d.int(1, 3)
    if kind == "pixel_shuffle":
        c = d.int(1, 2) * r * r if d.chance(0.9) else d.int(1, 5)
        x = d.normal(*[d.int(1, 2) for _ in range(d.int(0, 2))], c, d.int(1, 3), d.int(1, 3))

        def call(L: Any, F: Any, x: Any) -> Any:
            return F.pixel_shuffle(x, r)

        return Case(kind, call, [x], note={"r": r})
    if kind == "pixel_unshuffle":
        h, w = r * d.int(1, 2), r * d.int(1, 2) if d.chance(0.9) else d.int(1, 4)
        x = d.normal(*[d.int(1, 2) for _ in range(d.int(0, 2))], d.int(1, 2), h, w)

        def call(L: Any, F: Any, x: Any) -> Any:
            return F.pixel_unshuffle(x, r)

        return Case(kind, call, [x], note={"r": r})
    g = d.int(1, 3)
    c = g * d.int(1, 2) if d.chance(0.9) else d.int(1, 5)
    x = d.normal(d.int(1, 2), c, *[d.int(1, 3) for _ in range(d.int(0, 2))])

    def call(L: Any, F: Any, x: Any) -> Any:
        return F.channel_shuffle(x, g)

    return Case(kind, call, [x], note={"groups": g})


GENERATORS: dict[str, Callable[[Draw], Case]] = {
    f.__name__: f
    for f in (
        conv,
        conv_transpose,
        conv2d_module,
        max_pool,
        avg_pool,
        lp_pool,
        adaptive_pool,
        interpolate,
        pad,
        class_losses,
        binary_losses,
        regression_losses,
        margin_losses,
        ctc,
        batch_norm,
        other_norms,
        embedding,
        dropout,
        attention,
        fold_unfold,
        grid_sample,
        affine_grid,
        small_ops,
    )
}
DRAWS = 40  # about 10 s on one core


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_random_arguments_match_torch(name: str) -> None:
    for seed in range(DRAWS):
        check_case(GENERATORS[name](Draw(seed)), seed)


def _conv2d_module(kernel: Any, **kw: Any) -> Callable[..., Any]:
    """A call of ``nn.Conv2d(2, 2, kernel, **kw)`` with torch's initial parameters."""

    def call(L: Any, F: Any, x: Any) -> Any:
        torch.manual_seed(0)
        module = torch.nn.Conv2d(2, 2, kernel, **kw).double()
        if L is ag:
            mine = ag.nn.Conv2d(2, 2, kernel, **kw).double()
            mine.load_state_dict({k: ag.tensor(v.numpy()) for k, v in module.state_dict().items()})
            module = mine
        return module(x)

    return call


def _fixed_cases() -> list[Case]:
    """Divergences the generators found, fixed; each case failed before its fix."""
    rng = np.random.default_rng(0)

    def pad(shape: tuple[int, ...], pads: tuple[int, ...], mode: str) -> Case:
        def call(L: Any, F: Any, x: Any) -> Any:
            return F.pad(x, pads, mode=mode)

        return Case("pad", call, [rng.standard_normal(shape)], note={"pads": pads, "mode": mode})

    def call_with(name: str, **kw: Any) -> Callable[..., Any]:
        def call(L: Any, F: Any, *tensors: Any) -> Any:
            return getattr(F, name)(*tensors, **kw)

        return call

    distinct = Draw(0).distinct
    return [
        # reflect and replicate may empty some padded dimensions, not all of them
        pad((1, 1, 3, 4), (0, 0, -3, 0), "reflect"),
        pad((1, 2, 3, 4), (-4, 0, 1, 0), "replicate"),
        # ... and refuse an empty dimension other than the batch's (RuntimeError)
        pad((2, 0, 5), (2, 3), "reflect"),
        # circular padding refuses a crop past the dimension's end (RuntimeError)
        pad((1, 1, 5), (-5, -1), "circular"),
        # the backward of sparse embedding gradients scaled by frequency raises
        Case(
            "embedding",
            lambda L, F, i, w: F.embedding(i, w, sparse=True, scale_grad_by_freq=True),
            [np.array([1, 1, 2]), rng.standard_normal((4, 2))],
            grad=[False, True],
        ),
        # an empty first dimension, even of an unbatched input
        Case(
            "adaptive_max_pool1d",
            call_with("adaptive_max_pool1d", output_size=2, return_indices=True),
            [np.zeros((0, 3))],
        ),
        Case(
            "adaptive_max_pool2d",
            call_with("adaptive_max_pool2d", output_size=(1, 2)),
            [np.zeros((0, 3, 4))],
        ),
        # a kernel of the wrong length: F.pad refuses the padding first (NotImplementedError)
        Case(
            "Conv2d",
            _conv2d_module((3,), padding="same", padding_mode="reflect"),
            [rng.standard_normal((1, 2, 4, 4))],
        ),
        # windows wholly in the padding (-inf): their gradient goes to the element PyTorch's
        # index names, the first kernel position at or past 0 along each axis (here inside
        # the plane; past it torch writes out of bounds)
        Case(
            "max_pool2d",
            call_with(
                "max_pool2d",
                kernel_size=(1, 2),
                stride=(2, 1),
                dilation=(1, 2),
                padding=(0, 1),
                return_indices=True,
            ),
            [distinct(2, 1, 4, 1)],
        ),
    ]


@pytest.mark.parametrize("case", _fixed_cases(), ids=repr)
def test_fixed_divergences_match_torch(case: Case) -> None:
    check_case(case)


def _fuzz(draws: int, first: int) -> None:
    """Run every generator ``draws`` times from seed ``first``; print each divergence."""
    failures = 0
    for name, generate in GENERATORS.items():
        for seed in range(first, first + draws):
            case = generate(Draw(seed))
            try:
                check_case(case, seed)
            except AssertionError as error:
                failures += 1
                print(f"{name} seed {seed}: {str(error)[:600]}")
            except Exception as error:  # a crash is a divergence too
                failures += 1
                print(f"{name} seed {seed}: CRASH {type(error).__name__}: {str(error)[:300]}")
    print(f"{failures} divergences")


if __name__ == "__main__":
    _fuzz(
        int(sys.argv[1]) if len(sys.argv) > 1 else 200, int(sys.argv[2]) if len(sys.argv) > 2 else 0
    )


# Regression: dropout of integer and bool tensors multiplied them by an integer mask, and of
# complex ones by a complex mask, where torch cannot cast the float scale into them
# (RuntimeError) and has no complex Bernoulli sampler (NotImplementedError); p = 1 and
# evaluation take every dtype.
DROPOUTS = {
    "dropout": lambda F, x: F.dropout(x[None]),
    "dropout p1": lambda F, x: F.dropout(x, p=1.0),
    "dropout eval": lambda F, x: F.dropout(x, training=False),
    "dropout1d": lambda F, x: F.dropout1d(x),
    "dropout1d inplace": lambda F, x: F.dropout1d(x, inplace=True),
    "dropout1d p1": lambda F, x: F.dropout1d(x, p=1.0),
    "dropout2d": lambda F, x: F.dropout2d(x[None]),
    "dropout3d": lambda F, x: F.dropout3d(x[None, None]),
}


@pytest.mark.parametrize("dtype", ["int64", "bool", "uint8", "complex64", "float16"])
@pytest.mark.parametrize("name", list(DROPOUTS))
def test_dropout_takes_the_dtypes_torch_takes(name: str, dtype: str) -> None:
    assert_refused_as_torch(lambda lib, x: DROPOUTS[name](lib.nn.functional, x), dtype)


@pytest.mark.parametrize("name", ["dropout", "feature_dropout"])
@pytest.mark.parametrize("dtype", ["int64", "complex64"])
def test_top_level_dropout_takes_the_dtypes_torch_takes(name: str, dtype: str) -> None:
    assert_refused_as_torch(lambda lib, x: getattr(lib, name)(x[None], 0.5, True), dtype)
