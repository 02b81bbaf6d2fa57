"""CPU autocast's casts, against torch 2.13's ``torch.autocast("cpu")``: the result dtype of
each listed function for float32 and mixed inputs, the values and gradients of the matrix
products (bit for bit), and the state (nesting, ``enabled=False`` inside, the decorator,
``cache_enabled``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag


def _pair(*shape: int, seed: int = 0) -> tuple[ag.Tensor, torch.Tensor]:
    data = np.random.default_rng(seed + len(shape)).standard_normal(shape).astype(np.float32)
    return ag.tensor(data), torch.tensor(data)


def _outcome(lib: Any, make: Callable[[Any, Any], Any], dtype_name: str) -> str:
    """The result's dtype name under ``lib``'s CPU autocast, or the error class."""
    x = _pair(4, 4)[lib is torch]
    with lib.autocast("cpu", dtype=getattr(lib, dtype_name)):
        try:
            result = make(lib, x)
        except (RuntimeError, TypeError) as error:
            return type(error).__name__
    return str(result.dtype).split(".")[-1]


def _f(lib: Any) -> Any:
    return lib.nn.functional


def _t(lib: Any, *shape: int) -> Any:
    return _pair(*shape, seed=7)[lib is torch]


CASES: dict[str, Callable[[Any, Any], Any]] = {
    # to the autocast dtype
    "matmul": lambda t, x: x @ x,
    "matmul float64": lambda t, x: x.double() @ x.double(),
    "matmul float32 bfloat16": lambda t, x: x @ x.bfloat16(),
    "matmul float16 float32": lambda t, x: x.half() @ x,
    "matmul float64 float32": lambda t, x: x.double() @ x,
    "matmul int64": lambda t, x: t.ones(2, 2, dtype=t.int64) @ t.ones(2, 2, dtype=t.int64),
    "matmul vector": lambda t, x: x[0] @ x[0],
    "Tensor.mm": lambda t, x: x.mm(x),
    "mm": lambda t, x: t.mm(x, x),
    "bmm": lambda t, x: t.bmm(x[None], x[None]),
    "addmm": lambda t, x: t.addmm(x, x, x),
    "addmm float64 input": lambda t, x: t.addmm(x.double(), x, x),
    "baddbmm": lambda t, x: t.baddbmm(x[None], x[None], x[None]),
    "baddbmm bfloat16 batch": lambda t, x: t.baddbmm(x[None], x[None].bfloat16(), x[None]),
    "addbmm": lambda t, x: t.addbmm(x, x[None], x[None]),
    "einsum": lambda t, x: t.einsum("ij,jk->ik", x, x),
    "linear": lambda t, x: _f(t).linear(x, x, x[0]),
    "linear bfloat16 input": lambda t, x: _f(t).linear(x.bfloat16(), x),
    "linear float64": lambda t, x: _f(t).linear(x.double(), x.double()),
    "nn.Linear": lambda t, x: t.nn.Linear(4, 3)(x),
    "conv1d": lambda t, x: _f(t).conv1d(_t(t, 1, 2, 5), _t(t, 3, 2, 2)),
    "conv2d": lambda t, x: _f(t).conv2d(_t(t, 1, 2, 5, 5), _t(t, 3, 2, 2, 2), _t(t, 3)),
    "conv3d": lambda t, x: _f(t).conv3d(_t(t, 1, 2, 4, 4, 4), _t(t, 3, 2, 2, 2, 2)),
    "conv_transpose1d": lambda t, x: _f(t).conv_transpose1d(_t(t, 1, 2, 5), _t(t, 2, 3, 2)),
    "conv_transpose2d": lambda t, x: _f(t).conv_transpose2d(_t(t, 1, 2, 5, 5), _t(t, 2, 3, 2, 2)),
    "conv_transpose3d": lambda t, x: _f(t).conv_transpose3d(
        _t(t, 1, 2, 4, 4, 4), _t(t, 2, 3, 2, 2, 2)
    ),
    "conv2d float64": lambda t, x: _f(t).conv2d(
        _t(t, 1, 2, 5, 5).double(), _t(t, 3, 2, 2, 2).double()
    ),
    "prelu": lambda t, x: _f(t).prelu(x, t.tensor([0.2])),
    "scaled_dot_product_attention": lambda t, x: _f(t).scaled_dot_product_attention(
        _t(t, 1, 2, 3, 4), _t(t, 1, 2, 3, 4), _t(t, 1, 2, 3, 4)
    ),
    "MultiheadAttention": lambda t, x: t.nn.MultiheadAttention(4, 2)(
        x[:, None], x[:, None], x[:, None]
    )[0],
    # to float32
    "mse_loss bfloat16": lambda t, x: _f(t).mse_loss(x.bfloat16(), x.bfloat16()),
    "mse_loss float16": lambda t, x: _f(t).mse_loss(x.half(), x.half()),
    "mse_loss float64": lambda t, x: _f(t).mse_loss(x.double(), x.double()),
    "l1_loss": lambda t, x: _f(t).l1_loss(x.bfloat16(), x.bfloat16()),
    "smooth_l1_loss": lambda t, x: _f(t).smooth_l1_loss(x.bfloat16(), x.bfloat16()),
    "huber_loss": lambda t, x: _f(t).huber_loss(x.bfloat16(), x.bfloat16()),
    "cross_entropy": lambda t, x: _f(t).cross_entropy(x.bfloat16(), t.tensor([0, 1, 2, 3])),
    "cross_entropy of a linear": lambda t, x: _f(t).cross_entropy(
        _f(t).linear(x, x), t.tensor([0, 1, 2, 3])
    ),
    "nll_loss": lambda t, x: _f(t).nll_loss(x.bfloat16(), t.tensor([0, 1, 2, 3])),
    "binary_cross_entropy": lambda t, x: _f(t).binary_cross_entropy(
        x.bfloat16().sigmoid(), x.sigmoid().bfloat16()
    ),
    "binary_cross_entropy_with_logits": lambda t, x: _f(t).binary_cross_entropy_with_logits(
        x.bfloat16(), x.sigmoid().bfloat16()
    ),
    "kl_div": lambda t, x: _f(t).kl_div(x.bfloat16(), x.bfloat16(), reduction="batchmean"),
    "soft_margin_loss": lambda t, x: _f(t).soft_margin_loss(x.bfloat16(), x.bfloat16()),
    "margin_ranking_loss": lambda t, x: _f(t).margin_ranking_loss(
        x[0].bfloat16(), x[1].bfloat16(), x[2].bfloat16()
    ),
    "hinge_embedding_loss": lambda t, x: _f(t).hinge_embedding_loss(x.bfloat16(), x.bfloat16()),
    "poisson_nll_loss": lambda t, x: _f(t).poisson_nll_loss(x.bfloat16(), x.bfloat16()),
    "cosine_embedding_loss": lambda t, x: _f(t).cosine_embedding_loss(
        x.bfloat16(), x.bfloat16(), t.ones(4)
    ),
    "triplet_margin_loss": lambda t, x: _f(t).triplet_margin_loss(
        x.bfloat16(), x.bfloat16(), x.bfloat16()
    ),
    "cdist": lambda t, x: t.cdist(x.bfloat16(), x.bfloat16()),
    "prod": lambda t, x: x.bfloat16().prod(),
    "quantile": lambda t, x: t.quantile(x.bfloat16(), 0.5),
    "grid_sample": lambda t, x: _f(t).grid_sample(
        _t(t, 1, 1, 3, 3).bfloat16(), _t(t, 1, 2, 2, 2).bfloat16(), align_corners=False
    ),
    # to the widest type
    "index_copy": lambda t, x: x.index_copy(0, t.tensor([0]), x[:1].bfloat16()),
    # float32 first: float16 and bfloat16 go up; float64 stays (then the op's dtype error)
    "index_copy float32 float16": lambda t, x: x.index_copy(0, t.tensor([0]), x[:1].half()),
    "index_copy float32 float64": lambda t, x: x.index_copy(0, t.tensor([0]), x[:1].double()),
    "index_copy float64 float64": lambda t, x: t.index_copy(
        x.double(), 0, t.tensor([0]), x[:1].double()
    ),
    # a reduced float other than the autocast dtype before any float32: torch's error
    "index_copy float16 float32": lambda t, x: x.half().index_copy(0, t.tensor([0]), x[:1]),
    "index_copy bfloat16 bfloat16": lambda t, x: t.index_copy(
        x.bfloat16(), 0, t.tensor([0]), x[:1].bfloat16()
    ),
    "tensordot": lambda t, x: t.tensordot(x, x, dims=1),
    "tensordot pairs": lambda t, x: t.tensordot(x, x, dims=([1], [0])),
    "tensordot bfloat16": lambda t, x: t.tensordot(x.bfloat16(), x.bfloat16(), dims=1),
    "tensordot float64": lambda t, x: t.tensordot(x.double(), x.double(), dims=2),
    "tensordot float64 float32": lambda t, x: t.tensordot(x.double(), x, dims=1),
    "cat": lambda t, x: t.cat([x, x.bfloat16()]),
    # unchanged
    "softmax": lambda t, x: _f(t).softmax(x, -1),
    "softmax bfloat16": lambda t, x: _f(t).softmax(x.bfloat16(), -1),
    "log_softmax": lambda t, x: _f(t).log_softmax(x, -1),
    "layer_norm": lambda t, x: _f(t).layer_norm(x, (4,)),
    "layer_norm bfloat16": lambda t, x: _f(t).layer_norm(x.bfloat16(), (4,)),
    "batch_norm": lambda t, x: _f(t).batch_norm(x, None, None, training=True),
    "gaussian_nll_loss": lambda t, x: _f(t).gaussian_nll_loss(
        x.bfloat16(), x.bfloat16(), x.bfloat16().abs()
    ),
    "multilabel_soft_margin_loss": lambda t, x: _f(t).multilabel_soft_margin_loss(
        x.bfloat16(), x.bfloat16()
    ),
    "mv": lambda t, x: t.mv(x, x[0]),
    "dot": lambda t, x: t.dot(x[0], x[0]),
    "outer": lambda t, x: t.outer(x[0], x[0]),
    "addmv": lambda t, x: t.addmv(x[0], x, x[0]),
    "bilinear": lambda t, x: _f(t).bilinear(x, x, _t(t, 2, 4, 4)),
    "sum bfloat16": lambda t, x: x.bfloat16().sum(),
    "exp": lambda t, x: x.exp(),
    "add float32 bfloat16": lambda t, x: x + x.bfloat16(),
    "gelu bfloat16": lambda t, x: _f(t).gelu(x.bfloat16()),
}


@pytest.mark.parametrize("dtype_name", ["bfloat16", "float16"])
@pytest.mark.parametrize("name", list(CASES))
def test_result_dtype_as_torch(name: str, dtype_name: str) -> None:
    make = CASES[name]
    assert _outcome(ag, make, dtype_name) == _outcome(torch, make, dtype_name)


def _linear_step(lib: Any, dtype_name: str) -> tuple[Any, ...]:
    """A linear layer and a float32 loss under autocast: (output, loss, the grads)."""
    x = _pair(5, 4, seed=1)[lib is torch]
    w = _pair(3, 4, seed=2)[lib is torch].requires_grad_()
    b = _pair(3, seed=3)[lib is torch].requires_grad_()
    m = _pair(3, 6, seed=4)[lib is torch].requires_grad_()
    with lib.autocast("cpu", dtype=getattr(lib, dtype_name)):
        hidden = lib.nn.functional.linear(x, w, b)
        out = hidden @ m
        loss = lib.nn.functional.mse_loss(out, lib.zeros(5, 6))
    loss.backward()
    return hidden, out, loss, w.grad, b.grad, m.grad


@pytest.mark.parametrize("dtype_name", ["bfloat16", "float16"])
def test_linear_and_matmul_values_and_float32_gradients_as_torch(dtype_name: str) -> None:
    got = _linear_step(ag, dtype_name)
    expected = _linear_step(torch, dtype_name)
    names = ["hidden", "out", "loss", "w.grad", "b.grad", "m.grad"]
    dtypes = [dtype_name, dtype_name, "float32", "float32", "float32", "float32"]
    for name, mine, theirs, dtype in zip(names, got, expected, dtypes, strict=True):
        assert str(mine.dtype).split(".")[-1] == dtype == str(theirs.dtype).split(".")[-1], name
        mine_values = np.asarray(mine.detach().float().tolist())
        theirs_values = theirs.detach().float().numpy()
        if name == "loss":  # a float32 mean: NumPy sums in another order
            np.testing.assert_allclose(mine_values, theirs_values, rtol=1e-6, err_msg=name)
        elif name == "b.grad":  # the bias gradient's sum rounds differently (docs/float16.md)
            scale = float(np.abs(theirs_values).max())
            np.testing.assert_allclose(mine_values, theirs_values, atol=2e-2 * scale, err_msg=name)
        else:
            np.testing.assert_array_equal(mine_values, theirs_values, err_msg=name)


@pytest.mark.parametrize("lib", [ag, torch], ids=["arraygrad", "torch"])
def test_state_nesting_disabled_inside_and_decorator(lib: Any) -> None:
    t = lib
    x = t.ones(2, 2)
    assert not t.is_autocast_enabled("cpu")
    with t.autocast("cpu") as outer:
        assert outer.fast_dtype == t.bfloat16
        assert t.is_autocast_enabled("cpu") and t.get_autocast_dtype("cpu") == t.bfloat16
        with t.autocast("cpu", dtype=t.float16):
            assert (x @ x).dtype == t.float16 and t.get_autocast_dtype("cpu") == t.float16
            with t.autocast("cpu", enabled=False):
                assert (x @ x).dtype == t.float32 and not t.is_autocast_enabled("cpu")
                assert t.get_autocast_dtype("cpu") == t.float16  # set even when disabled
            assert (x @ x).dtype == t.float16
        assert (x @ x).dtype == t.bfloat16 and t.get_autocast_dtype("cpu") == t.bfloat16
        with t.no_grad():
            assert (x @ x).dtype == t.bfloat16
    assert (x @ x).dtype == t.float32 and not t.is_autocast_enabled("cpu")

    @t.autocast("cpu")
    def product(a: Any) -> Any:
        return a @ a

    assert product(x).dtype == t.bfloat16 and (x @ x).dtype == t.float32
    t.set_autocast_enabled("cpu", True)
    try:
        assert (x @ x).dtype == t.bfloat16
    finally:
        t.set_autocast_enabled("cpu", False)
    assert (x @ x).dtype == t.float32


@pytest.mark.parametrize("lib", [ag, torch], ids=["arraygrad", "torch"])
def test_cache_casts_parameters_once_per_outermost_context(lib: Any) -> None:
    # torch caches the cast of a leaf that requires grad: an in-place change within the
    # context is not seen; without the cache, or after the context, it is
    for cache, second in ((True, 2.0), (False, 4.0)):
        w = lib.ones(2, 2, requires_grad=True)
        with lib.autocast("cpu", cache_enabled=cache):
            assert lib.is_autocast_cache_enabled() is cache
            first = (lib.ones(2, 2) @ w)[0, 0].item()
            with lib.no_grad():
                w.add_(1)
            assert (first, (lib.ones(2, 2) @ w)[0, 0].item()) == (2.0, second)
        with lib.autocast("cpu"):
            assert (lib.ones(2, 2) @ w)[0, 0].item() == 4.0


def test_compile_runs_eagerly_with_a_warning_under_autocast() -> None:
    compiled = ag.compile(lambda a: a @ a)
    x = ag.ones(2, 2)
    assert compiled(x).dtype == ag.float32
    assert compiled(x).dtype == ag.float32  # a program, replayed
    with ag.autocast("cpu"), pytest.warns(RuntimeWarning, match="enabled CPU autocast"):
        assert compiled(x).dtype == ag.bfloat16
    assert compiled(x).dtype == ag.float32


@pytest.mark.parametrize("lib", [ag, torch], ids=["arraygrad", "torch"])
def test_parameter_cast_first_made_under_no_grad_still_carries_gradients(lib: Any) -> None:
    # An evaluation pass under no_grad, then a training pass, in one autocast context: the
    # cast the first pass cached must still lead back to the parameter (torch's does).
    x = lib.ones(2, 3)
    w = lib.ones(4, 3, requires_grad=True)
    with lib.autocast("cpu"):
        with lib.no_grad():
            assert not lib.nn.functional.linear(x, w).requires_grad
        out = lib.nn.functional.linear(x, w)
        assert out.requires_grad
        out.float().sum().backward()
    assert w.grad is not None and w.grad.dtype == lib.float32
    assert w.grad.sum().item() == 24.0


def _sees_inplace_change(lib: Any, make: Callable[[], Any], op: Callable[[Any], Any]) -> bool:
    """Whether ``op`` on the tensor that ``make`` gives sees it doubled in place within one
    autocast context (False: a cached cast of it was used)."""
    p = make()
    with lib.autocast("cpu"):
        first = op(p).float().sum().item()
        with lib.no_grad():
            p.mul_(2)
        return op(p).float().sum().item() != first


def _inference_first(lib: Any) -> Any:
    w = lib.ones(3, 3, requires_grad=True)
    with lib.autocast("cpu"):
        with lib.inference_mode():
            lib.ones(3, 3) @ w
        with lib.no_grad():
            w.mul_(2)
        return (lib.ones(3, 3) @ w).float().sum().item()


@pytest.mark.parametrize("lib", [ag, torch], ids=["arraygrad", "torch"])
def test_only_float32_parameters_cast_down_are_cached(lib: Any) -> None:
    ones = lib.ones(3, 3)
    half = lib.zeros(3, 3, dtype=lib.float16)

    def leaf_view() -> Any:
        return lib.ones(9).view(3, 3).requires_grad_()

    cases: list[tuple[Callable[[], Any], Callable[[Any], Any], bool]] = [
        (lambda: lib.ones(3, 3, requires_grad=True), lambda p: ones @ p, False),
        (lambda: lib.ones(3, 3, dtype=lib.float16, requires_grad=True), lambda p: ones @ p, True),
        (
            lambda: lib.ones(3, 3, dtype=lib.float16, requires_grad=True),
            lambda p: lib.nn.functional.l1_loss(p, half, reduction="sum"),
            True,
        ),
        (leaf_view, lambda p: ones @ p, True),
    ]
    assert [_sees_inplace_change(lib, make, op) for make, op, _ in cases] == [
        fresh for _, _, fresh in cases
    ]
    # inference mode neither fills the cache nor reads it
    assert _inference_first(lib) == 54.0  # not 27: the doubled weight
