"""The least an eager reverse-mode engine in Python can do per operation: the interpreter floor.

W1 and W2 time Python overhead more than arithmetic. This engine measures how low that overhead
can go for any engine written in Python on NumPy that records each operation as it runs (a
compiled replay, which records once, is not bound by it): one object per operation holding its
inputs, its output array and its VJP rules, a backward pass that counts dependencies and
accumulates gradients, and nothing else. It has no dtype promotion, no grad mode, no views or
version counters, no hooks, no checks and no error messages, supports only the operations the
two workloads use, and broadcasts only to a scalar (the seed's weight). It is a yardstick for
the benchmark, not something to train with.

>>> import numpy as np
>>> w = Var(np.ones((), np.float32))
>>> loss = ((w * np.float32([1.0, 2.0]) - np.float32([2.0, 4.0])) ** 2).mean()
>>> loss.backward()
>>> float(loss.data), float(w.grad)
(2.5, -5.0)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

Rule = Callable[[Any, Any, Any], Any]


class Var:
    """An array in a recorded computation: a leaf, or the output of one operation."""

    __slots__ = ("a", "b", "data", "grad", "parents", "rules")

    def __init__(
        self, data: Any, parents: tuple[Var, ...] = (), rules: tuple[Rule, ...] = ()
    ) -> None:
        self.data = data
        self.grad: Any = None
        self.parents = parents  # the inputs that need gradients, one rule each
        self.rules = rules
        self.a: Any = None  # the operands the rules read
        self.b: Any = None

    def _binary(self, other: Any, op: Any, rules: tuple[Rule, Rule]) -> Var:
        if other.__class__ is Var:
            out = Var(op(self.data, other.data), (self, other), rules)
            out.b = other.data
        else:
            out = Var(op(self.data, other), (self,), rules[:1])
            out.b = other
        out.a = self.data
        return out

    def __mul__(self, other: Any) -> Var:
        return self._binary(other, np.multiply, (_mul_a, _mul_b))

    def __add__(self, other: Any) -> Var:
        return self._binary(other, np.add, (_pass, _pass))

    def __sub__(self, other: Any) -> Var:
        return self._binary(other, np.subtract, (_pass, _negate))

    def __pow__(self, exponent: int) -> Var:
        assert exponent == 2, "the minimal engine squares only"
        out = Var(np.square(self.data), (self,), (_square,))
        out.a = self.data
        return out

    def sin(self) -> Var:
        out = Var(np.sin(self.data), (self,), (_sin,))
        out.a = self.data
        return out

    def sum(self) -> Var:
        out = Var(np.add.reduce(self.data, None), (self,), (_broadcast,))
        out.a = self.data
        return out

    def mean(self) -> Var:
        out = Var(np.add.reduce(self.data, None) / self.data.size, (self,), (_broadcast_mean,))
        out.a = self.data
        return out

    def backward(self) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``grad``."""
        dependencies = {self: 0}
        stack = [self]
        while stack:
            for parent in stack.pop().parents:
                if parent in dependencies:
                    dependencies[parent] += 1
                else:
                    dependencies[parent] = 1
                    stack.append(parent)
        buffers = {self: np.ones_like(self.data)}
        ready = [self]
        while ready:
            node = ready.pop()
            grad = buffers.pop(node)
            if not node.parents:  # a leaf
                if np.shape(grad) != np.shape(node.data):
                    grad = np.add.reduce(grad, None)
                node.grad = grad if node.grad is None else node.grad + grad
                continue
            for parent, rule in zip(node.parents, node.rules):  # noqa: B905 - equal lengths
                parent_grad = rule(grad, node.a, node.b)
                buffers[parent] = (
                    parent_grad if parent not in buffers else buffers[parent] + parent_grad
                )
                remaining = dependencies[parent] - 1
                dependencies[parent] = remaining
                if not remaining:
                    ready.append(parent)
            node.a = node.b = None  # saved values are freed, as a real engine does


def _mul_a(g: Any, a: Any, b: Any) -> Any:
    return g * b


def _mul_b(g: Any, a: Any, b: Any) -> Any:
    return g * a


def _pass(g: Any, a: Any, b: Any) -> Any:
    return g


def _negate(g: Any, a: Any, b: Any) -> Any:
    return -g


def _square(g: Any, a: Any, b: Any) -> Any:
    return (a + a) * g


def _sin(g: Any, a: Any, b: Any) -> Any:
    return g * np.cos(a)


def _broadcast(g: Any, a: Any, b: Any) -> Any:
    return np.full(a.shape, g, a.dtype)


def _broadcast_mean(g: Any, a: Any, b: Any) -> Any:
    return np.full(a.shape, g / a.size, a.dtype)
