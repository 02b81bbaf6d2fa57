"""The loss and distance functions on every pair of input dtypes, against torch 2.13.0.

Each case calls one function on two 3-element tensors of each pair of dtypes among float32,
float64, int64, bool, complex64 and float16, in torch and in arraygrad, and requires the same
outcome: the same result dtype where torch computes (and the same values), the same exception
class where torch refuses, with a message that begins with torch's own wording. Where both
compute with the floating and complex operands requiring grad, each gradient must have its
operand's dtype, and torch's where torch's backward works: it fails for some pairs whose forward
it computes (``huber_loss`` of two float dtypes, ``soft_margin_loss`` of a bool target, ``dist``
of a real and a complex tensor), which arraygrad differentiates.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag

DTYPES = ("float32", "float64", "int64", "bool", "complex64", "float16")


def _losses(lib: Any) -> dict[str, Callable[[Any, Any], Any]]:
    """The functions of the table, called the same way in ``lib`` (torch or arraygrad)."""
    F = lib.nn.functional
    return {
        "mse_loss": F.mse_loss,
        "l1_loss": F.l1_loss,
        "smooth_l1_loss": F.smooth_l1_loss,
        "smooth_l1_loss beta=0": lambda a, b: F.smooth_l1_loss(a, b, beta=0.0, reduction="sum"),
        "huber_loss": F.huber_loss,
        "kl_div": lambda a, b: F.kl_div(a, b, reduction="sum"),
        "binary_cross_entropy": F.binary_cross_entropy,
        "binary_cross_entropy_with_logits": F.binary_cross_entropy_with_logits,
        "binary_cross_entropy_with_logits pos_weight": lambda a, b: (
            F.binary_cross_entropy_with_logits(a, b, pos_weight=lib.ones(3))
        ),
        # the second operand as the weights, of each dtype: PyTorch multiplies them in place
        # into a loss of the input's dtype (a complex weight of a real loss is an error)
        "binary_cross_entropy weight": lambda a, b: F.binary_cross_entropy(a, a.detach(), weight=b),
        "binary_cross_entropy_with_logits weight": lambda a, b: F.binary_cross_entropy_with_logits(
            a, a.detach(), weight=b
        ),
        "binary_cross_entropy_with_logits pos_weight of a dtype": lambda a, b: (
            F.binary_cross_entropy_with_logits(a, a.detach(), pos_weight=b)
        ),
        "soft_margin_loss": F.soft_margin_loss,
        "poisson_nll_loss": F.poisson_nll_loss,
        "hinge_embedding_loss": F.hinge_embedding_loss,
        "hinge_embedding_loss none": lambda a, b: F.hinge_embedding_loss(
            a, b, margin=-1.5, reduction="none"
        ),
        "logsigmoid": lambda a, b: F.logsigmoid(a),
        "cosine_similarity": lambda a, b: F.cosine_similarity(a[None], b[None]),
        "pairwise_distance": lambda a, b: F.pairwise_distance(a[None], b[None]),
        "dist": lib.dist,
        "dist p=inf": lambda a, b: lib.dist(a, b, float("inf")),
        "linalg.cross": lib.linalg.cross,
        "cross": lambda a, b: lib.cross(a, b, dim=0),
        "cdist": lambda a, b: lib.cdist(a[None], b[None]),
        "cdist p=1": lambda a, b: lib.cdist(a[None], b[None], p=1.0),
        "margin_ranking_loss": lambda a, b: F.margin_ranking_loss(a, b, b),
        "multilabel_soft_margin_loss": F.multilabel_soft_margin_loss,
        "triplet_margin_loss": lambda a, b: F.triplet_margin_loss(a[None], b[None], b[None]),
        "cosine_embedding_loss": lambda a, b: F.cosine_embedding_loss(
            a[None], b[None], lib.ones(1)
        ),
        "gaussian_nll_loss": lambda a, b: F.gaussian_nll_loss(a, b, lib.ones(3)),
    }


TORCH, ARRAYGRAD = _losses(torch), _losses(ag)
_LIBS = ((torch, TORCH), (ag, ARRAYGRAD))


def _operands(lib: Any, first: str, second: str, requires_grad: bool) -> tuple[Any, Any]:
    a = lib.tensor([0.3, 0.6, 0.9]).to(getattr(lib, first))
    b = lib.tensor([0.2, 0.0, 1.0]).to(getattr(lib, second))
    if requires_grad:
        for x in (a, b):
            if x.dtype.is_floating_point or x.dtype.is_complex:
                x.requires_grad_()
    return a, b


def _call(lib: Any, fn: Callable[[Any, Any], Any], pair: tuple[str, str], grad: bool) -> Any:
    """``fn`` on the pair's operands: ``(result, a, b)``, or the exception it raised."""
    a, b = _operands(lib, *pair, requires_grad=grad)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (broadcasting and reduction warnings)
            return fn(a, b), a, b
    except Exception as error:  # its class and message are compared
        return error


def _name(dtype: Any) -> str:
    return str(dtype).split(".")[-1]


def _forward_mismatch(theirs: Any, mine: Any) -> str | None:
    if isinstance(theirs, Exception):
        if not isinstance(mine, Exception):
            return f"torch raises {type(theirs).__name__}({theirs}), arraygrad computes"
        wording = str(theirs).split("\n")[0].rstrip(".")[:40]
        if type(mine) is not type(theirs) or not str(mine).startswith(wording):
            return f"torch raises {type(theirs).__name__}({theirs}), arraygrad {mine!r}"
        return None
    if isinstance(mine, Exception):
        return f"torch computes {_name(theirs[0].dtype)}, arraygrad raises {mine!r}"
    if _name(theirs[0].dtype) != _name(mine[0].dtype):
        return f"result dtype: torch {_name(theirs[0].dtype)}, arraygrad {_name(mine[0].dtype)}"
    expected = theirs[0].detach().numpy().astype(np.complex128)
    tolerance = 2e-3 if "float16" in (_name(theirs[1].dtype), _name(theirs[2].dtype)) else 1e-6
    mine_values = mine[0].detach().numpy()
    if not np.allclose(mine_values, expected, rtol=tolerance, atol=tolerance, equal_nan=True):
        return f"values: torch {expected}, arraygrad {mine_values}"
    return None


def _gradients(outcome: Any) -> Any:
    """The dtypes of the operands' gradients after a backward of the summed result (its
    modulus if complex), or the exception the backward raised."""
    result, a, b = outcome
    if not result.requires_grad:
        return None
    total = result.sum()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (0 / 0 in gradients torch's are nan too)
            (total.abs() if total.dtype.is_complex else total).backward()
    except RuntimeError as error:
        return error
    return [None if x.grad is None else _name(x.grad.dtype) for x in (a, b)]


def _gradient_mismatch(theirs: Any, mine: Any) -> str | None:
    if isinstance(theirs, Exception) or isinstance(mine, Exception):
        return _forward_mismatch(theirs, mine)
    their_grads, my_grads = _gradients(theirs), _gradients(mine)
    operands = [_name(x.dtype) for x in mine[1:]]
    if isinstance(my_grads, Exception) or any(
        grad not in (None, operand) for grad, operand in zip(my_grads or (), operands, strict=False)
    ):
        return f"gradient dtypes {my_grads}, operands {operands}"
    if not isinstance(their_grads, Exception) and their_grads != my_grads:
        return f"gradient dtypes: torch {their_grads}, arraygrad {my_grads}"
    return None


@pytest.mark.parametrize("name", list(TORCH))
def test_dtype_pairs_compute_or_raise_like_torch(name: str) -> None:
    mismatches = []
    for pair in itertools.product(DTYPES, DTYPES):
        theirs, mine = (_call(lib, fns[name], pair, False) for lib, fns in _LIBS)
        problem = _forward_mismatch(theirs, mine)
        if problem is None:
            theirs, mine = (_call(lib, fns[name], pair, True) for lib, fns in _LIBS)
            problem = _gradient_mismatch(theirs, mine)
        if problem is not None:
            mismatches.append(f"{name}{pair}: {problem}")
    assert not mismatches, "\n".join(mismatches)


def test_messages_name_the_dtypes_and_the_fix() -> None:
    """Beyond torch's wording, the errors name the operands and how to convert them."""
    F = ag.nn.functional
    x, n = ag.tensor([0.3, 0.6, 0.9]), ag.tensor([1, 0, 2])
    with pytest.raises(RuntimeError, match=r"Float can't be cast .* Long: .*int64 .*Fix: "):
        F.huber_loss(n, x)
    with pytest.raises(NotImplementedError, match=r"'Long'\. Fix: convert the input and target"):
        F.mse_loss(n, n)
    with pytest.raises(RuntimeError, match=r"Integral inputs .*int64 tensor of shape \[3\].*Fix"):
        F.kl_div(x, n, reduction="sum")
    with pytest.raises(RuntimeError, match=r"common dtype is Long .*int64.*Fix: convert"):
        F.cosine_similarity(n[None], n[None])
    with pytest.raises(RuntimeError, match=r"found Long: .*float32 .*int64 .*other.to"):
        ag.linalg.cross(x, n)
