"""Activation primitives that are one PyTorch kernel each, where a composition of arraygrad's
element-wise primitives would make many more passes over the data: hardswish and its gradient.

``hardswish(x) = x * min(max(x + 3, 0), 6) / 6``. Its gradient is a primitive of its own,
PyTorch's ``hardswish_backward`` (as ReLU's is ``threshold_backward``): linear in ``g``, so
that a second derivative goes through it with ``create_graph=True``.
"""

from __future__ import annotations

from typing import Any

from arraygrad._primitive import Primitive


def _hardswish_backward_vjp_x(ns: Any, gg: Any, result: Any, g: Any, x: Any) -> Any:
    # d/dx of g (x / 3 + 1/2) is g / 3 strictly between -3 and 3, 0 elsewhere (PyTorch's
    # formula in derivatives.yaml: gg * g / 3 there).
    return ns.where((x > -3.0) & (x < 3.0), gg * g / 3.0, 0.0)


# PyTorch's derivative: 0 up to and at -3, x / 3 + 1/2 strictly between, 1 from 3 on and at nan.
hardswish = Primitive(
    "hardswish",
    forward=lambda xp, x: xp.hardswish(x),
    vjp=(lambda ns, g, out, x: ns.hardswish_backward(g, x),),
)
hardswish_backward = Primitive(
    "hardswish_backward",
    forward=lambda xp, g, x: xp.hardswish_backward(g, x),
    vjp=(
        lambda ns, gg, result, g, x: ns.hardswish_backward(gg, x),
        _hardswish_backward_vjp_x,
    ),
    rule_reads=((1,), (0, 1)),
)

__all__ = ["hardswish", "hardswish_backward"]
