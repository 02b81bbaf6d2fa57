"""``arraygrad.autograd.graph`` against ``torch.autograd.graph``.

Each test runs one program on both libraries and compares what it records: which tensors the
saved-tensor hooks see and when, the gradients that come out, the multi-grad hooks' calls and
the errors (class and message where the message is PyTorch's).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
import torch.autograd.graph

import arraygrad as ag
import arraygrad.autograd.graph


def _plain(value: Any) -> Any:
    """Tensors (in tuples, lists and dicts) as nested lists, for comparing the records."""
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, ag.Tensor | torch.Tensor):
        return np.round(value.detach().numpy().astype(np.float64), 5).tolist()
    return value


def _same(program: Callable[[Any], Any]) -> Any:
    mine, theirs = _plain(program(ag)), _plain(program(torch))
    assert mine == theirs
    return mine


def _outcome(program: Callable[[], Any]) -> tuple[str, str]:
    try:
        program()
    except Exception as error:
        return type(error).__name__, str(error)
    return "ok", ""


# --- saved_tensors_hooks ------------------------------------------------------------------

# Ops whose backward saves the same values in arraygrad as in PyTorch (arraygrad composes some
# functions, softmax or gelu, of several primitives, which save their own intermediates).
_SAVING_OPS: dict[str, Callable[..., Any]] = {
    "mul": lambda lib, a, b, c, h: a * b,
    "mul_constant": lambda lib, a, b, c, h: a * c,
    "mul_self": lambda lib, a, b, c, h: a * a,
    "div": lambda lib, a, b, c, h: a / b,
    "exp": lambda lib, a, b, c, h: a.exp(),
    "sin_of_computed": lambda lib, a, b, c, h: h.sin(),
    "cos": lambda lib, a, b, c, h: a.cos(),
    "tanh": lambda lib, a, b, c, h: a.tanh(),
    "sigmoid": lambda lib, a, b, c, h: a.sigmoid(),
    "relu": lambda lib, a, b, c, h: h.relu(),
    "log": lambda lib, a, b, c, h: a.log(),
    "sqrt": lambda lib, a, b, c, h: a.sqrt(),
    "pow_scalar": lambda lib, a, b, c, h: a**2,
    "abs": lambda lib, a, b, c, h: a.abs(),
    "add": lambda lib, a, b, c, h: a + b,
    "sum": lambda lib, a, b, c, h: a.sum(),
    "view": lambda lib, a, b, c, h: a.view(3, 1),
    "where": lambda lib, a, b, c, h: lib.where(c > 5, a, b),
    "clamp": lambda lib, a, b, c, h: a.clamp(0.6, 1.5),
    "prod": lambda lib, a, b, c, h: a.prod(),
    "norm": lambda lib, a, b, c, h: a.norm(),
}


@pytest.mark.parametrize("name", sorted(_SAVING_OPS))
def test_pack_sees_each_saved_tensor_once_per_op(name: str) -> None:
    # Which tensors pack is called on (by identity: the inputs themselves, the output itself
    # where backward reads it), in PyTorch's order (a * b saves b, read by a's gradient, first).
    def program(lib: Any) -> Any:
        a = lib.tensor([1.0, 2.0, 0.5], requires_grad=True)
        b = lib.tensor([3.0, 4.0, 1.5], requires_grad=True)
        c = lib.tensor([5.0, 6.0, 2.5])
        h = a * 1.0
        seen: list[Any] = []
        with lib.autograd.graph.saved_tensors_hooks(lambda t: seen.append(t) or t, lambda t: t):
            y = _SAVING_OPS[name](lib, a, b, c, h)
        names = {id(a): "a", id(b): "b", id(c): "c", id(h): "h", id(y): "out"}
        record = [names.get(id(t), t) for t in seen]
        record.append([t.requires_grad for t in seen])
        y.sum().backward()
        return record, a.grad

    _same(program)


def test_unpack_runs_on_every_pass_and_the_packed_values_are_freed() -> None:
    def program(lib: Any) -> Any:
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        log: list[Any] = []

        def pack(t: Any) -> Any:
            log.append(("pack", lib.is_grad_enabled()))
            return t

        def unpack(t: Any) -> Any:
            log.append(("unpack", lib.is_grad_enabled()))
            return t

        with lib.autograd.graph.saved_tensors_hooks(pack, unpack):
            y = (x * x).exp()
        y.sum().backward(retain_graph=True)
        y.sum().backward()
        log.append(_outcome(lambda: y.sum().backward())[0])
        return log, x.grad

    assert _same(program)[0][-1] == "RuntimeError"


def test_nested_contexts_use_the_innermost_hooks() -> None:
    def program(lib: Any) -> Any:
        graph = lib.autograd.graph
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        log: list[str] = []

        def hooks(name: str) -> Any:
            return graph.saved_tensors_hooks(
                lambda t: log.append(name) or t, lambda t: log.append(name + " unpack") or t
            )

        with hooks("outer"):
            with hooks("inner"):
                y = x.sin()
            z = x.cos()
        (y + z).sum().backward()
        return log, x.grad

    assert _same(program)[0] == ["inner", "outer", "outer unpack", "inner unpack"]


def test_values_travel_through_the_hooks() -> None:
    # Offloaded to NumPy and back (nothing of the tensor kept), and unpacked as other values:
    # backward computes with what unpack returns.
    def program(lib: Any) -> Any:
        graph = lib.autograd.graph
        x = lib.tensor([0.5, 1.0, 2.0], requires_grad=True)
        w = lib.tensor([1.5, -1.0, 0.25], requires_grad=True)
        with graph.saved_tensors_hooks(lambda t: t.detach().numpy().copy(), lib.from_numpy):
            loss = ((x * w).tanh() * x).sum()
        loss.backward()
        grads = [x.grad, w.grad]
        x.grad = w.grad = None
        with graph.saved_tensors_hooks(lambda t: t, lambda t: t * 10):
            y = x.sin()
        y.sum().backward()
        return grads, x.grad

    _same(program)


def test_saved_values_with_hooks_are_not_version_checked() -> None:
    # PyTorch leaves values saved through hooks to the hooks: an in-place write after the save
    # is not an error, and the packed tensor (here the same one) carries the new values.
    def program(lib: Any) -> Any:
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        h = x * 1.0
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
            y = h.sin()
        with lib.no_grad():
            h.mul_(2.0)
        y.sum().backward()
        return x.grad

    _same(program)


def test_hook_errors() -> None:
    def program(lib: Any) -> Any:
        graph = lib.autograd.graph

        def pack_in_place() -> None:
            x = lib.tensor([1.0, 2.0], requires_grad=True) * 1.0
            with graph.saved_tensors_hooks(lambda t: t.mul_(1.0), lambda t: t):
                x.sin()

        def unpack_to(value: Any) -> Callable[[], None]:
            def run() -> None:
                x = lib.tensor([1.0, 2.0], requires_grad=True)
                with graph.saved_tensors_hooks(lambda t: t, lambda t: value):
                    y = x.sin()
                y.sum().backward()

            return run

        return [
            _outcome(pack_in_place),
            _outcome(unpack_to(5)),
            _outcome(unpack_to(None)),
            _outcome(unpack_to(lib.tensor([1, 2]))),
        ]

    outcomes = _same(program)
    assert [kind for kind, _ in outcomes] == ["RuntimeError", "TypeError", "TypeError"] + [
        "RuntimeError"
    ]


def test_double_backward_through_values_the_pack_hook_detached() -> None:
    # The unpacked tensors take the originals' places in the graph, as in PyTorch.
    def program(lib: Any) -> Any:
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t.detach().clone(), lambda t: t):
            y = x.sin() ** 2 + x.exp() + x * x
        (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), x)
        return g, gg

    _same(program)


def test_custom_function_saved_tensors() -> None:
    # ctx.save_for_backward's tensors are packed once apply returns (an output as the tensor
    # apply returned) and unpacked on every read of ctx.saved_tensors.
    def program(lib: Any) -> Any:
        log: list[Any] = []

        class Scale(lib.autograd.Function):
            @staticmethod
            def forward(ctx: Any, x: Any, y: Any) -> Any:
                ctx.save_for_backward(x, y, None)
                return x * y

            @staticmethod
            def backward(ctx: Any, g: Any) -> Any:
                x, y, _nothing = ctx.saved_tensors
                ctx.saved_tensors  # noqa: B018 - a second read unpacks again
                return g * y, g * x

        class Exp(lib.autograd.Function):
            @staticmethod
            def forward(ctx: Any, x: Any) -> Any:
                out = x.exp()
                ctx.save_for_backward(out)
                return out

            @staticmethod
            def backward(ctx: Any, g: Any) -> Any:
                (out,) = ctx.saved_tensors
                return g * out

        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = lib.tensor([3.0, 4.0])
        outputs: list[Any] = []

        def pack(t: Any) -> Any:
            log.append(("pack", t, any(t is o for o in outputs)))
            return t.detach().clone()

        with lib.autograd.graph.saved_tensors_hooks(pack, lambda t: log.append("unpack") or t):
            outputs.append(Scale.apply(x, y))
            log.append("applied")
            outputs.append(Exp.apply(x))
        (outputs[0].sum() + outputs[1].sum()).backward()
        with lib.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            e = Exp.apply(x * 1.0)
        (g,) = lib.autograd.grad(e.sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), x)
        return log, x.grad, gg

    _same(program)


def test_save_on_cpu() -> None:
    def program(lib: Any) -> Any:
        graph = lib.autograd.graph
        hooks = graph.save_on_cpu()
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        device, kept = hooks.pack_hook(x)
        with graph.save_on_cpu(pin_memory=False):
            y = (x * 2.0).exp()
        y.sum().backward()
        return (
            isinstance(hooks, graph.saved_tensors_hooks),
            str(device),
            kept is x,
            hooks.unpack_hook((device, kept)) is kept,
            x.grad,
        )

    _same(program)


def test_disable_saved_tensors_hooks() -> None:
    def program(lib: Any) -> Any:
        graph = lib.autograd.graph

        def hooks_inside() -> None:
            with (
                graph.disable_saved_tensors_hooks("no hooks here"),
                graph.saved_tensors_hooks(lambda t: t, lambda t: t),
            ):
                pass

        def disable_inside() -> None:
            with (
                graph.saved_tensors_hooks(lambda t: t, lambda t: t),
                graph.disable_saved_tensors_hooks("no hooks here"),
            ):
                pass

        def after() -> None:
            with graph.disable_saved_tensors_hooks("no hooks here"):
                pass
            with graph.saved_tensors_hooks(lambda t: t, lambda t: t):
                pass

        return [_outcome(hooks_inside), _outcome(disable_inside), _outcome(after)]

    _same(program)


def test_hooks_belong_to_their_thread_and_skip_unrecorded_ops() -> None:
    def program(lib: Any) -> Any:
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        log: list[str] = []
        pack = lambda t: log.append(threading.current_thread().name) or t
        with lib.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            thread = threading.Thread(target=lambda: x.sin(), name="other")
            thread.start()
            thread.join()
            x.sin()
            with lib.no_grad():
                x.sin()
        return log

    assert _same(program) == ["MainThread"]


# --- register_multi_grad_hook ---------------------------------------------------------------


def test_multi_grad_hook_all() -> None:
    def program(lib: Any) -> Any:
        graph = lib.autograd.graph
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        b = lib.tensor([3.0, 4.0], requires_grad=True)
        c = lib.tensor([5.0, 6.0], requires_grad=True)
        log: list[Any] = []
        handle = graph.register_multi_grad_hook((a, b, c), lambda grads: log.append(list(grads)))
        (a * b).sum().backward()
        (a * 2.0).sum().backward()
        z = a * b * c
        z.sum().backward(retain_graph=True)
        z.sum().backward()
        y = a * b
        lib.autograd.grad((y * c).sum(), [y])  # no hooked tensor on the paths: not called
        handle.remove()
        (a * b).sum().backward()
        # computed tensors; a tensor outside this pass's graph gets None
        y, w = a * 2.0, b * 3.0
        handle = graph.register_multi_grad_hook((y, w), lambda grads: log.append(list(grads)))
        (y * w).sum().backward(retain_graph=True)
        y.sum().backward(retain_graph=True)
        handle.remove()
        return log, isinstance(handle, lib.utils.hooks.RemovableHandle)

    _same(program)


def test_multi_grad_hook_all_on_pieces_of_one_split() -> None:
    # The piece no gradient reaches has its hooks called with None (PyTorch's one split node
    # runs for both): it counts among the calls awaited, or fn was called at the first call
    # with [None, None], or never.
    def program(lib: Any) -> Any:
        graph = lib.autograd.graph
        log: list[Any] = []
        for used in (0, 1, 2):
            a = lib.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], requires_grad=True)
            pieces = a.split(2)
            handle = graph.register_multi_grad_hook(pieces[:2], lambda grads: log.append(grads))
            pieces[used].sum().backward()
            handle.remove()
        return log

    _same(program)


def test_multi_grad_hook_any_and_order_among_tensor_hooks() -> None:
    def program(lib: Any) -> Any:
        graph = lib.autograd.graph
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        b = lib.tensor([3.0, 4.0], requires_grad=True)
        log: list[Any] = []
        handle = graph.register_multi_grad_hook((a, b), log.append, mode="any")
        (a * b * 3.0).sum().backward()
        (b * 5.0).sum().backward()
        total = (a * 3.0 + b * 7.0).sum()
        total.backward(retain_graph=True)
        total.backward()
        handle.remove()
        a.register_hook(lambda g: log.append("a's hook"))
        handle = graph.register_multi_grad_hook((a, b), lambda grads: log.append("all") or 5)
        b.register_hook(lambda g: log.append("b's hook"))
        (a * b).sum().backward()
        handle.remove()
        return log, a.grad

    _same(program)


def test_multi_grad_hook_errors() -> None:
    def program(lib: Any) -> Any:
        graph = lib.autograd.graph
        a = lib.tensor([1.0], requires_grad=True)
        return [
            _outcome(lambda: graph.register_multi_grad_hook((a,), print, mode="x")),
            _outcome(lambda: graph.register_multi_grad_hook((lib.ones(2),), print))[0],
        ]

    _same(program)


# --- Node, GradientEdge, get_gradient_edge, increment_version --------------------------------


def test_node_is_the_type_of_every_grad_fn() -> None:
    def program(lib: Any) -> Any:
        graph = lib.autograd.graph
        a = lib.tensor([1.0, 2.0], requires_grad=True)

        class Twice(lib.autograd.Function):
            @staticmethod
            def forward(ctx: Any, x: Any) -> Any:
                return x * 2

            @staticmethod
            def backward(ctx: Any, g: Any) -> Any:
                return g * 2

        y = a * 3.0
        node = graph.Node
        return [
            isinstance(y.grad_fn, node),
            isinstance(y.grad_fn.next_functions[0][0], node),
            isinstance(Twice.apply(a).grad_fn, node),
            isinstance(a, node),
            issubclass(type(y.grad_fn), node),
            _outcome(node),
            _outcome(type("Mine", (node,), {})),
        ]

    _same(program)


def test_gradient_edges() -> None:
    def program(lib: Any) -> Any:
        graph = lib.autograd.graph
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        b = lib.tensor([3.0, 4.0], requires_grad=True)
        y = a * b
        edge = graph.get_gradient_edge(y)
        leaf_edge = graph.get_gradient_edge(a)
        return [
            graph.GradientEdge._fields,
            edge.node is y.grad_fn,
            edge.output_nr,
            edge.ownership_token,
            leaf_edge.node.name(),
            leaf_edge.node.variable is a,
            lib.autograd.grad((y * y).sum(), edge, retain_graph=True),
            lib.autograd.grad((y * y).sum(), [leaf_edge, b]),
            _outcome(lambda: graph.get_gradient_edge(lib.ones(2))),
        ]

    _same(program)


def test_increment_version() -> None:
    def program(lib: Any) -> Any:
        graph = lib.autograd.graph
        c = lib.ones(3)
        view = c[0:2]
        versions = [c._version]
        graph.increment_version(c)
        versions.append(c._version)
        graph.increment_version(view)
        versions += [c._version, view._version]
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        graph.increment_version([c, a])
        versions += [c._version, a._version]
        d = a * 1.0
        y = d.sin()
        graph.increment_version(d)
        return [
            versions,
            _outcome(lambda: y.sum().backward())[0],
            _outcome(lambda: graph.increment_version(None)),
            _outcome(lambda: graph.increment_version(3)),
        ]

    _same(program)


def _mutated_after_saving(lib: Any) -> list[Any]:
    """Writes into tensors an op and a custom Function saved, inside the context."""

    class Tanh(lib.autograd.Function):  # type: ignore[misc, name-defined]
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            ctx.save_for_backward(x)
            return x.tanh()

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            return g / ctx.saved_tensors[0].cosh() ** 2  # d tanh(x) = dx / cosh(x)^2

    x = lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64, requires_grad=True)
    with lib.autograd.graph.allow_mutation_on_saved_tensors() as context:
        a = x * 1
        b = x * 2
        y = a.sin() * Tanh.apply(b)
        a.mul_(10)
        b.add_(1)
        y.sum().backward()
    return [type(context).__name__, x.grad, a, b]


def test_allow_mutation_on_saved_tensors_gives_the_gradients_of_the_saved_values() -> None:
    assert _plain(_mutated_after_saving(ag)) == _plain(_mutated_after_saving(torch))
    for lib in (ag, torch):
        allow = lib.autograd.graph.allow_mutation_on_saved_tensors
        with pytest.raises(RuntimeError, match="contexts cannot be nested"), allow(), allow():
            pass
        # (and the context is usable again after the refusal)
        with lib.autograd.graph.allow_mutation_on_saved_tensors():
            pass
