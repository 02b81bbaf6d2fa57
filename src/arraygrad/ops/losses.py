"""Loss primitives: losses whose PyTorch gradient is its own formula, not a composite's.

PyTorch's ``binary_cross_entropy`` is a native op with a hand-written backward
(``tools/autograd/derivatives.yaml``), whose values at saturated probabilities (``p`` = 0 or 1)
no composite of clamped logarithms gives. So it is one primitive here, with that backward as a
second primitive (``binary_cross_entropy_backward``), whose own rules are PyTorch's double
backward. Weights and reductions stay outside, in ``nn.functional.binary_cross_entropy``.
"""

from __future__ import annotations

from typing import Any

from arraygrad._primitive import Primitive

# The eps of PyTorch's double backward (FunctionsManual.cpp), a double.
_EPS2 = 1e-12


def _bce(xp: Any, p: Any, t: Any) -> Any:
    # PyTorch: (t - 1) max(log1p(-p), -100) - t max(log(p), -100). Where p is 0 (or 1) the log
    # is -inf and the clamp gives -100; the stand-ins keep NumPy's divide-by-zero warning out of
    # a case that saturated sigmoids make common. log1p(-p) >= log(2**-53) > -100 for p < 1, so
    # only p == 1 meets that clamp.
    positive = p > 0
    log_p = xp.where(positive, xp.maximum(xp.log(xp.where(positive, p, 1.0)), -100.0), -100.0)
    below_one = p < 1
    log_q = xp.where(below_one, xp.log1p(-xp.where(below_one, p, 0.0)), -100.0)
    return (t - 1) * log_q - t * log_p


def _bce_vjp_input(ns: Any, g: Any, out: Any, p: Any, t: Any) -> Any:
    # PyTorch's binary_cross_entropy_backward, in the raw namespace a function of the backend;
    # with create_graph (ns is arraygrad.ops) the primitive below, so that second derivatives
    # are PyTorch's double backward.
    return ns.binary_cross_entropy_backward(g, p, t)


def _bce_vjp_target(ns: Any, g: Any, out: Any, p: Any, t: Any) -> Any:
    # PyTorch's binary_cross_entropy_target_backward: -logit(p) g = -log(p / (1 - p)) g,
    # unclamped: inf at p = 0, -inf at p = 1. There the form log(p) - log1p(-p) takes over, whose
    # derivative is logit's infinite one (PyTorch's logit_backward), not the nan of log(0 / 1)'s;
    # each form reads a stand-in where the other is used, so no nan leaks through where().
    edge = (p == 0) | (p == 1)
    inner = ns.where(edge, 0.5, p)
    outer = ns.where(edge, p, 0.5)
    logit = ns.where(edge, ns.log(outer) - ns.log1p(-outer), ns.log(inner / (1 - inner)))
    return -logit * g


# Elementwise -(t log p + (1 - t) log(1 - p)), each log clamped at -100, for p, t in [0, 1]
# (the caller checks the range).
binary_cross_entropy = Primitive(
    "binary_cross_entropy",
    forward=_bce,
    vjp=(_bce_vjp_input, _bce_vjp_target),
)


def _bce_backward_vjp_grad(ns: Any, gg: Any, out: Any, g: Any, p: Any, t: Any) -> Any:
    # PyTorch's binary_cross_entropy_double_backward_grad_output (eps in the denominator, not
    # the first backward's max).
    return (p - t) / ((p + _EPS2) * (1 - p + _EPS2)) * gg


def _bce_backward_vjp_input(ns: Any, gg: Any, out: Any, g: Any, p: Any, t: Any) -> Any:
    # PyTorch's binary_cross_entropy_double_backward: (p^2 - 2pt + t) / ((p + eps)^2 (1 - p +
    # eps)^2), the derivative of (p - t) / ((1 - p) p) away from the edges.
    a = p + _EPS2
    b = 1 - p + _EPS2
    return (p * p - 2 * p * t + t) / ((a * a) * (b * b)) * (gg * g)


def _bce_backward_vjp_target(ns: Any, gg: Any, out: Any, g: Any, p: Any, t: Any) -> Any:
    # PyTorch's binary_cross_entropy_double_backward_target: -gg g / max((1 - p) p, eps).
    return -gg * g / ns.maximum((1 - p) * p, _EPS2)


# The VJP of binary_cross_entropy for p, as a primitive of its own so that its derivatives are
# PyTorch's double backward (which is not the derivative of its clamped denominator).
binary_cross_entropy_backward = Primitive(
    "binary_cross_entropy_backward",
    forward=lambda xp, g, p, t: xp.binary_cross_entropy_backward(g, p, t),
    vjp=(_bce_backward_vjp_grad, _bce_backward_vjp_input, _bce_backward_vjp_target),
)


# The smooth L1 loss of the differences d = input - target, element-wise (the reduction stays
# outside, in nn.functional.smooth_l1_loss): one pass for the values and one for the gradient,
# PyTorch's kernels, where the composition of abs, where and products made a dozen. Its VJP is
# a primitive of its own (PyTorch's smooth_l1_loss_backward), linear in g, whose derivative for
# d is g / beta inside |d| < beta and 0 outside (PyTorch's double backward).
smooth_l1 = Primitive(
    "smooth_l1_loss",
    forward=lambda xp, d, *, beta: xp.smooth_l1(d, beta),
    vjp=(lambda ns, g, out, d, *, beta: ns.smooth_l1_backward(g, d, beta=beta),),
)
smooth_l1_backward = Primitive(
    "smooth_l1_loss_backward",
    forward=lambda xp, g, d, *, beta: xp.smooth_l1_backward(g, d, beta),
    vjp=(
        lambda ns, gg, result, g, d, *, beta: ns.smooth_l1_backward(gg, d, beta=beta),
        lambda ns, gg, result, g, d, *, beta: ns.where(ns.abs(d) < beta, gg * g / beta, 0.0),
    ),
    rule_reads=((1,), (0, 1)),
)

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_backward",
    "smooth_l1",
    "smooth_l1_backward",
]
