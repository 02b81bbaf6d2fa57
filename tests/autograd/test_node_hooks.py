"""A node's own hooks (``grad_fn.register_prehook`` / ``register_hook``) against PyTorch's.

Each test runs one program on both libraries and compares what the hooks were called with, in
what order, and the gradients that came out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag


def _plain(value: Any) -> Any:
    """Tensors (in tuples) as nested lists, for comparing the two libraries' records."""
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, ag.Tensor | torch.Tensor):
        return ["grad" if value.requires_grad else "plain", value.detach().tolist()]
    return value


def _same(program: Callable[[Any], Any]) -> Any:
    mine, theirs = _plain(program(ag)), _plain(program(torch))
    assert mine == theirs
    return mine


def test_order_with_tensor_hooks_and_retained_grads() -> None:
    # The output tensor's hooks run first (one replaces the gradient), then retain_grad, then
    # the node's pre-hooks, its rules and its post-hooks; an input without requires_grad gets
    # None among grad_inputs.
    def program(lib: Any) -> Any:
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        c = lib.tensor([3.0, 4.0])
        log: list[Any] = []
        h = a * c
        h.register_hook(lambda g: log.append(("tensor", g)))
        h.retain_grad()
        h.grad_fn.register_prehook(lambda go: log.append(("pre", go)))
        h.grad_fn.register_hook(lambda gi, go: log.append(("post", gi, go)))
        h.register_hook(lambda g: g * 10)
        (h * 2).sum().backward()
        return log, h.grad, a.grad, h.grad_fn.name(), h.grad_fn.metadata

    assert _same(program)[0][2][0] == "post"


def test_replacements_chain_and_none_stops_a_gradient() -> None:
    # A pre-hook's replacement is what the rules, later pre-hooks and the post-hooks see; a
    # post-hook's replacement is what later post-hooks see and what is sent (None: nothing).
    def program(lib: Any) -> Any:
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        b = lib.tensor([3.0, 4.0], requires_grad=True)
        log: list[Any] = []
        h = a * b
        h.grad_fn.register_prehook(lambda go: (go[0] * 7,))
        h.grad_fn.register_prehook(lambda go: log.append(("pre", go)))
        h.grad_fn.register_hook(lambda gi, go: log.append(("post", gi, go)) or (gi[0], None))
        h.grad_fn.register_hook(lambda gi, go: log.append(("post", gi, go)))
        (h * 2).sum().backward()
        return log, a.grad, b.grad

    _same(program)


def test_handles_remove_hooks_even_from_inside_one() -> None:
    def program(lib: Any) -> Any:
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        log: list[Any] = []
        handles: list[Any] = []
        h = a * 3
        handles.append(h.grad_fn.register_hook(lambda gi, go: log.append(1) or handles[0].remove()))
        h.grad_fn.register_hook(lambda gi, go: log.append(2))
        pre = h.grad_fn.register_prehook(lambda go: (go[0] * 5,))
        h.sum().backward(retain_graph=True)
        pre.remove()
        h.sum().backward()
        return log, a.grad

    _same(program)


def test_targeted_passes() -> None:
    # autograd.grad only runs the nodes on the paths to its inputs: a pruned input gets None;
    # a requested computed tensor is captured before its node's pre-hooks, and its node runs
    # (with its hooks) only where the pass goes on past it; backward(inputs=[h]) runs it.
    def program(lib: Any) -> Any:
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        b = lib.tensor([3.0, 4.0], requires_grad=True)
        log: list[Any] = []

        def hooked() -> Any:
            h = a * b
            h.grad_fn.register_prehook(lambda go: log.append(("pre", go)) or (go[0] * 7,))
            h.grad_fn.register_hook(lambda gi, go: log.append(("post", gi, go)))
            return h

        h = hooked()
        found = [lib.autograd.grad((h * 2).sum(), a)]
        h = hooked()
        found.append(lib.autograd.grad((h * 2).sum(), h))
        h = hooked()
        found.append(lib.autograd.grad((h * 2).sum(), [h, a]))
        h = hooked()
        (h * 2).sum().backward(inputs=[h])
        return log, found, h.grad, a.grad

    _same(program)


def test_a_node_that_gets_no_gradient_shows_none() -> None:
    def program(lib: Any) -> Any:
        class Stop(lib.autograd.Function):
            @staticmethod
            def forward(ctx: Any, x: Any) -> Any:
                return x * 1

            @staticmethod
            def backward(ctx: Any, g: Any) -> Any:
                return None

        a = lib.tensor([1.0, 2.0], requires_grad=True)
        log: list[Any] = []
        h = a * 2
        h.grad_fn.register_prehook(lambda go: log.append(("pre", go)))
        h.grad_fn.register_hook(lambda gi, go: log.append(("post", gi, go)))
        (Stop.apply(h) + a).sum().backward()
        return log, a.grad

    _same(program)


def test_under_create_graph_hooks_see_differentiable_gradients() -> None:
    def program(lib: Any) -> Any:
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        log: list[Any] = []
        h = a * a
        h.grad_fn.register_hook(
            lambda gi, go: log.append((gi, go, lib.is_grad_enabled())) or (gi[0] * gi[1], None)
        )
        (ga,) = lib.autograd.grad((h * 2).sum(), a, create_graph=True)
        (gga,) = lib.autograd.grad(ga.sum(), a)
        return log, ga, gga

    _same(program)


def test_kept_gradients_are_not_written_into_later() -> None:
    # A hook that keeps grad_inputs keeps their values: the engine must not take them as the
    # leaf's .grad (which the next backward adds into) or sum into them.
    def program(lib: Any) -> Any:
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        b = lib.tensor([3.0, 4.0], requires_grad=True)
        kept: list[Any] = []
        h = a * b
        h.grad_fn.register_hook(lambda gi, go: kept.append(gi))
        (h.sum() + (h * h).sum()).backward(retain_graph=True)
        h.sum().backward()
        return kept, a.grad, b.grad

    _same(program)


@pytest.mark.parametrize(
    "hook",
    [
        lambda gi, go: (gi[0].sum(), gi[1]),
        lambda gi, go: 3,
        lambda gi, go: [gi[0], gi[1]],
        lambda gi, go: (gi[0],),
        lambda gi, go: (gi[0].double(), gi[1]),
    ],
    ids=["size", "not-a-tuple", "list", "count", "dtype"],
)
def test_wrong_replacements_raise_as_in_torch(hook: Any) -> None:
    def program(lib: Any) -> str:
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        b = lib.tensor([3.0, 4.0], requires_grad=True)
        h = a * b
        h.grad_fn.register_hook(hook)
        try:
            (h * 2).sum().backward()
        except (RuntimeError, TypeError) as error:
            return f"{type(error).__name__}: {error}"
        return "no error"

    _same(program)


def test_pre_hook_errors_and_replacing_none_raise_as_in_torch() -> None:
    def program(lib: Any) -> list[str]:
        class Stop(lib.autograd.Function):
            @staticmethod
            def forward(ctx: Any, x: Any) -> Any:
                return x * 1

            @staticmethod
            def backward(ctx: Any, g: Any) -> Any:
                return None

        a = lib.tensor([1.0, 2.0], requires_grad=True)
        errors = []
        for pre in (lambda go: (go[0].sum(),), lambda go: (go[0], go[0])):
            h = a * 2
            h.grad_fn.register_prehook(pre)
            try:
                (h * 2).sum().backward()
            except RuntimeError as error:
                errors.append(str(error))
        h = a * 2
        h.grad_fn.register_hook(lambda gi, go: (lib.ones(2), None))
        try:
            (Stop.apply(h) + a).sum().backward()
        except RuntimeError as error:
            errors.append(str(error))
        return errors

    assert len(_same(program)) == 3


def test_broadcast_inputs_get_their_own_shapes() -> None:
    # arraygrad's rules may give a gradient of the output's shape; the hooks see each input's.
    def program(lib: Any) -> Any:
        w = lib.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
        b = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        log: list[Any] = []
        y = w + b
        y.grad_fn.register_hook(lambda gi, go: log.append(gi) or (gi[0], gi[1] * 2))
        (y * y).sum().backward()
        return log, w.grad, b.grad

    _same(program)


def _refusing(lib: Any) -> Any:
    """The identity, whose backward gives its input no gradient."""

    class Refuse(lib.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            return x * 1

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:
            return None

    return Refuse.apply


def test_tensor_hooks_see_none_where_the_node_gets_no_gradient() -> None:
    # The node runs with no gradient: the hooks of its output (and of those it sends nothing
    # on to) see None, and retain_grad keeps None; a hook may not give a gradient there.
    def program(lib: Any) -> Any:
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        log: list[Any] = []
        h = a * 2
        h.register_hook(lambda g: log.append(("h", g)))
        h.retain_grad()
        u = h.exp()
        u.register_hook(lambda g: log.append(("u", g)))
        _refusing(lib)(u).sum().backward()
        b = lib.tensor([1.0, 2.0], requires_grad=True)
        v = b * 2
        v.register_hook(lambda g: b)
        try:
            _refusing(lib)(v).sum().backward()
        except RuntimeError as error:
            log.append(str(error))
        return log, h.grad, a.grad

    _same(program)


def test_hooks_of_the_pieces_that_get_no_gradient_see_none() -> None:
    # split/chunk/unbind are one node in PyTorch, which runs for any piece: the others' hooks
    # are called with None, once per pass, and their retained .grad stays None. (Each hook's
    # calls are compared in order, not the order of calls to different hooks: arraygrad's
    # pieces have a node each.)
    def program(lib: Any) -> Any:
        a = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        log: list[Any] = []
        pieces = (a * 2).unbind(0)
        for index, piece in enumerate(pieces):
            piece.register_hook(lambda g, index=index: log.append((index, g)))
        pieces[2].retain_grad()
        (pieces[0] * 3).backward(retain_graph=True)
        (pieces[0] + pieces[1]).backward()
        first, second = a.split([1, 2])
        second.register_hook(lambda g: log.append(("split", g)))
        lib.autograd.grad(first.sum(), a)
        by_hook = sorted(log, key=lambda call: str(call[0]))
        return by_hook, pieces[2].grad, a.grad

    _same(program)


def test_next_functions_show_a_leaf_as_its_accumulate_grad() -> None:
    def program(lib: Any) -> Any:
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        h = a * lib.tensor([3.0, 4.0])
        (acc, index), (constant, _) = h.grad_fn.next_functions
        acc.metadata["note"] = 1
        again = (a + 1).grad_fn.next_functions[0][0]
        log: list[Any] = []
        acc.register_prehook(lambda go: log.append(("pre", go)))
        handle = acc.register_hook(lambda gi, go: log.append(("post", gi, go)))
        h.sum().backward(retain_graph=True)
        handle.remove()
        acc.register_prehook(lambda go: (go[0] * 10,))
        h.sum().backward()
        pieces = (a * 1).unbind(0)
        return (
            type(acc).__name__,
            acc.name(),
            acc.next_functions,
            acc.variable is a,
            index,
            constant,
            again is acc,
            again.metadata,
            log,
            a.grad,
            (pieces[1] * 2).grad_fn.next_functions[0][1],
        )

    _same(program)


def _stopping(lib: Any) -> Any:
    """A Function whose backward sends no gradient to its inputs."""

    class Stop(lib.autograd.Function):
        @staticmethod
        def forward(ctx: Any, *xs: Any) -> Any:
            return sum(x * 1 for x in xs)

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            return (None,) * len(ctx.needs_input_grad)

    return Stop


@pytest.mark.parametrize("outputs", [1, 2])
@pytest.mark.parametrize("materialize", [True, False])
@pytest.mark.parametrize("create_graph", [False, True])
def test_a_function_that_gets_no_gradient_runs_its_backward_as_torch(
    outputs: int, materialize: bool, create_graph: bool
) -> None:
    # PyTorch runs a custom Function's backward though no gradient reached its node: on zeros
    # (materialize_grads, the default; x.grad becomes zeros) or on None; its node hooks see None
    # for the outputs' gradients and its results for the inputs'. arraygrad ran nothing and
    # gave the post-hooks None.
    def program(lib: Any) -> Any:
        log: list[Any] = []

        class Several(lib.autograd.Function):
            @staticmethod
            def forward(ctx: Any, x: Any) -> Any:
                ctx.set_materialize_grads(materialize)
                return tuple(x * (k + 2) for k in range(outputs))

            @staticmethod
            def backward(ctx: Any, *grads: Any) -> Any:
                log.append(("backward", grads, ctx.needs_input_grad))
                if grads[0] is None:
                    return None
                return sum(g * (k + 2) for k, g in enumerate(grads))

        x = lib.tensor([1.0, 2.0], requires_grad=True)
        results = Several.apply(x)
        results = results if isinstance(results, tuple) else (results,)
        node = results[0].grad_fn
        node.register_prehook(lambda go: log.append(("pre", go)))
        node.register_hook(lambda gi, go: log.append(("post", gi, go)))
        loss = _stopping(lib).apply(*results).sum() + (x * 0).sum()
        loss.backward(create_graph=create_graph)
        return log, x.grad

    _same(program)
