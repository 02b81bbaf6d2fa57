"""Custom ``autograd.Function``s, tensor hooks and ``retain_grad``, each against torch 2.13.0.

Every scenario is one function written against the shared API and run with both libraries
(``lib`` is ``arraygrad`` or ``torch``); the values, gradients and hook calls must agree.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag


def _functions(lib: Any) -> dict[str, Any]:
    """The same custom Functions defined on each library's ``autograd.Function``."""
    base = lib.autograd.Function

    class Exp(base):  # type: ignore[misc, valid-type]
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            (y,) = ctx.saved_tensors
            return g * y

    class ScaledMul(base):  # type: ignore[misc, valid-type]
        """Two tensors and a Python number; only the first tensor gets a gradient."""

        @staticmethod
        def forward(ctx: Any, x: Any, y: Any, scale: float) -> Any:
            ctx.scale = scale
            ctx.save_for_backward(x, y)
            return x * y * scale

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            _, y = ctx.saved_tensors
            assert ctx.needs_input_grad == (True, False, False)
            return g * y * ctx.scale, None, None

    class SortWithIndex(base):  # type: ignore[misc, valid-type]
        """Two outputs of different shapes and an integer output marked non-differentiable."""

        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            total = x.sum()
            doubled = x * 2
            positive = x > 0
            ctx.mark_non_differentiable(positive)
            return doubled, total, positive

        @staticmethod
        def backward(ctx: Any, g_doubled: Any, g_total: Any, g_mask: Any) -> Any:
            return g_doubled * 2 + g_total

    class Cube(base):  # type: ignore[misc, valid-type]
        """A backward written with differentiable ops: double backward works through it."""

        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            (x,) = ctx.saved_tensors
            return g * 3 * x**2

    class SetupStyle(base):  # type: ignore[misc, valid-type]
        """PyTorch 2's style: forward without ctx, plus setup_context."""

        @staticmethod
        def forward(x: Any, k: float) -> Any:
            return x.sin() * k

        @staticmethod
        def setup_context(ctx: Any, inputs: Any, output: Any) -> None:
            x, k = inputs
            ctx.save_for_backward(x)
            ctx.k = k

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            (x,) = ctx.saved_tensors
            return g * x.cos() * ctx.k, None

    return {
        "Exp": Exp,
        "ScaledMul": ScaledMul,
        "SortWithIndex": SortWithIndex,
        "Cube": Cube,
        "SetupStyle": SetupStyle,
    }


X = np.array([0.5, -1.25, 2.0])
Y = np.array([1.5, 0.25, -0.75])


def _scenario(name: str, lib: Any) -> list[Any]:
    fns = _functions(lib)
    x = lib.tensor(X, requires_grad=True)
    y = lib.tensor(Y, requires_grad=False)
    if name == "Exp":
        out = fns["Exp"].apply(x)
        (out * out).sum().backward()
        return [out, x.grad, out.grad_fn is not None]
    if name == "ScaledMul":
        out = fns["ScaledMul"].apply(x, y, 3.0)
        out.sum().backward()
        return [out, x.grad]
    if name == "SortWithIndex":
        doubled, total, positive = fns["SortWithIndex"].apply(x)
        (doubled.sum() * 3 + total).backward()
        return [doubled, total, positive, positive.requires_grad, x.grad]
    if name == "SortWithIndex_one_output_used":
        doubled, total, _ = fns["SortWithIndex"].apply(x)
        (doubled * doubled).sum().backward()  # total gets no gradient: zeros are passed
        return [x.grad]
    if name == "Cube_double_backward":
        out = fns["Cube"].apply(x)
        (g,) = lib.autograd.grad(out.sum(), x, create_graph=True)
        (h,) = lib.autograd.grad(g.sum(), x)
        return [out, g, h]
    if name == "SetupStyle":
        out = fns["SetupStyle"].apply(x, 2.0)
        out.sum().backward()
        return [out, x.grad]
    if name == "no_grad_input":
        out = fns["Exp"].apply(lib.tensor(X))
        return [out, out.requires_grad, out.grad_fn is None]
    raise AssertionError(name)


SCENARIOS = [
    "Exp",
    "ScaledMul",
    "SortWithIndex",
    "SortWithIndex_one_output_used",
    "Cube_double_backward",
    "SetupStyle",
    "no_grad_input",
]


def _same(mine: list[Any], theirs: list[Any]) -> None:
    assert len(mine) == len(theirs)
    for a, b in zip(mine, theirs, strict=True):
        if isinstance(b, torch.Tensor):
            assert isinstance(a, ag.Tensor)
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12)
            assert a.requires_grad == b.requires_grad
        else:
            assert a == b


@pytest.mark.parametrize("name", SCENARIOS)
def test_function_matches_torch(name: str) -> None:
    _same(_scenario(name, ag), _scenario(name, torch))


def test_function_gradcheck_and_gradgradcheck() -> None:
    cube = _functions(ag)["Cube"]
    x = ag.tensor(X, requires_grad=True)
    assert ag.autograd.gradcheck(cube.apply, (x,))
    assert ag.autograd.gradgradcheck(cube.apply, (x,))


def test_function_node_name_and_misuse() -> None:
    fns = _functions(ag)
    x = ag.tensor(X, requires_grad=True)
    assert fns["Exp"].apply(x).grad_fn.name() == "ExpBackward"

    class TooMany(ag.autograd.Function):
        @staticmethod
        def forward(ctx: Any, t: Any) -> Any:
            return t * 1

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            return g, g

    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        TooMany.apply(x).sum().backward()

    class NoBackward(ag.autograd.Function):
        @staticmethod
        def forward(ctx: Any, t: Any) -> Any:
            return t * 1

    with pytest.raises(NotImplementedError):
        NoBackward.apply(x).sum().backward()


@pytest.mark.parametrize("lib", [ag, torch], ids=["arraygrad", "torch"])
def test_an_instance_of_a_function_warns_and_calling_it_raises_as_torch(lib: Any) -> None:
    exp = _functions(lib)["Exp"]
    with pytest.warns(DeprecationWarning, match="should not be instantiated") as caught:
        instance = exp()
    assert caught[0].filename == __file__  # at the caller
    with pytest.raises(RuntimeError, match="Legacy autograd function with non-static forward"):
        instance(lib.ones(2))
    assert instance.apply(lib.zeros(1)).tolist() == [1.0]  # apply still works through it


def test_saved_tensor_modified_in_place_raises() -> None:
    exp = _functions(ag)["Exp"]
    x = ag.tensor(X, requires_grad=True)
    out = exp.apply(x)
    with ag.no_grad():
        out.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


def test_second_backward_needs_retain_graph() -> None:
    exp = _functions(ag)["Exp"]
    x = ag.tensor(X, requires_grad=True)
    out = exp.apply(x).sum()
    out.backward(retain_graph=True)
    out.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp(X))
    with pytest.raises(RuntimeError, match="second time"):
        out.backward()


# --- hooks and retain_grad -------------------------------------------------------------------


def _hooks_scenario(name: str, lib: Any) -> list[Any]:
    calls: list[Any] = []
    x = lib.tensor(X, requires_grad=True)
    if name == "leaf_hook_replaces_grad":
        x.register_hook(lambda g: g * 10)
        (x * x).sum().backward()
        return [x.grad]
    if name == "leaf_used_twice_hook_sees_total":
        x.register_hook(lambda g: calls.append(g.clone()))
        (x * 3 + x.sin()).sum().backward()
        return [x.grad, len(calls), calls[0]]
    if name == "nonleaf_hook":
        y = x * 2
        y.register_hook(lambda g: calls.append(g.clone()) or g + 1)
        (y * y).sum().backward()
        return [x.grad, len(calls), calls[0]]
    if name == "hook_removed":
        handle = x.register_hook(lambda g: g * 0)
        handle.remove()
        (x * x).sum().backward()
        return [x.grad]
    if name == "retain_grad":
        y = x.exp()
        y.retain_grad()
        z = y * y
        z.sum().backward()
        return [y.grad, x.grad, y.retains_grad, z.retains_grad, z.grad is None]
    if name == "retain_grad_with_hook":
        y = x * 3
        y.retain_grad()
        y.register_hook(lambda g: g * 2)  # retains_grad sees the hooked gradient
        y.sum().backward()
        return [y.grad, x.grad]
    if name == "retain_grad_accumulates":
        y = x * 3
        y.retain_grad()
        out = (y * y).sum()
        out.backward(retain_graph=True)
        out.backward()
        return [y.grad, x.grad]
    if name == "hook_in_autograd_grad":
        y = x * 2
        y.register_hook(lambda g: g * 5)
        (g,) = lib.autograd.grad(y.sum(), x)
        return [g, x.grad is None]
    if name == "hook_with_create_graph":
        x.register_hook(lambda g: g * 2)
        (g,) = lib.autograd.grad((x**3).sum(), x, create_graph=True)
        (h,) = lib.autograd.grad(g.sum(), x)
        return [g, h]
    raise AssertionError(name)


HOOK_SCENARIOS = [
    "leaf_hook_replaces_grad",
    "leaf_used_twice_hook_sees_total",
    "nonleaf_hook",
    "hook_removed",
    "retain_grad",
    "retain_grad_with_hook",
    "retain_grad_accumulates",
    "hook_in_autograd_grad",
    "hook_with_create_graph",
]


@pytest.mark.parametrize("name", HOOK_SCENARIOS)
def test_hooks_match_torch(name: str) -> None:
    _same(_hooks_scenario(name, ag), _hooks_scenario(name, torch))


def test_hook_misuse_matches_torch() -> None:
    for lib in (ag, torch):
        with pytest.raises(RuntimeError, match="doesn't require gradient"):
            lib.tensor([1.0]).register_hook(lambda g: g)
        with pytest.raises(RuntimeError, match="requires_grad=False"):
            lib.tensor([1.0]).retain_grad()


def _hook_outcome(lib: Any, leaf: bool, hook: Any) -> tuple[type, str] | None:
    x = lib.tensor(X, dtype=lib.float64, requires_grad=True)
    target = x if leaf else x * 2
    target.register_hook(hook)
    try:
        (target * 3).sum().backward()
    except Exception as error:  # the class and message are compared
        return type(error), str(error)
    return None


def wrong_size(g: Any) -> Any:
    return g[:1]


@pytest.mark.parametrize("leaf", [True, False], ids=["leaf", "computed"])
@pytest.mark.parametrize(
    "hook, error, gist",
    [
        (lambda g: 3.0, TypeError, "expected Variable, but hook returned 'float'"),
        (wrong_size, RuntimeError, "hook 'wrong_size' has changed the size of value"),
        (lambda g: g.float(), RuntimeError, "hook '<lambda>' has changed the type of value"),
    ],
    ids=["a number", "another size", "another dtype"],
)
def test_a_hook_returning_a_wrong_gradient_raises_as_torch(
    leaf: bool, hook: Any, error: type, gist: str
) -> None:
    for lib in (ag, torch):
        outcome = _hook_outcome(lib, leaf, hook)
        assert outcome is not None and outcome[0] is error, (lib.__name__, outcome)
        assert gist in outcome[1]


@pytest.mark.parametrize("size", [4, 2048])  # below and above the engine's in-place sum size
def test_a_backward_returning_one_array_twice_or_a_saved_one_is_not_summed_into(size: int) -> None:
    # A custom backward may hand the same array to two inputs, or return a tensor it saved:
    # the engine must not add other parts of a gradient into it, nor make it a .grad that a
    # later backward adds into (both changed the other input's gradient or the saved tensor).
    def run(lib: Any) -> list[list[float]]:
        class Twice(lib.autograd.Function):  # type: ignore[name-defined, misc]
            @staticmethod
            def forward(ctx: Any, x: Any, y: Any) -> Any:
                return x + y

            @staticmethod
            def backward(ctx: Any, g: Any) -> Any:
                h = g * 2
                return h, h

        class Saved(lib.autograd.Function):  # type: ignore[name-defined, misc]
            @staticmethod
            def forward(ctx: Any, x: Any) -> Any:
                ctx.save_for_backward(x * 0 + 1)
                return x * 1

            @staticmethod
            def backward(ctx: Any, g: Any) -> Any:
                return ctx.saved_tensors[0]

        x, y = lib.zeros(size, requires_grad=True), lib.zeros(size, requires_grad=True)
        a = x * 1
        (Twice.apply(a, y) + a).sum().backward()
        Twice.apply(x, y).sum().backward()
        b = x * 1
        out = Saved.apply(b) + b
        out.sum().backward(retain_graph=True)
        out.sum().backward()
        p, q = lib.zeros(size, requires_grad=True), lib.zeros(size, requires_grad=True)
        for _ in range(2):  # p.grad and q.grad must not be one array
            Twice.apply(p, q).sum().backward()
        return [x.grad[:2].tolist(), y.grad[:2].tolist(), p.grad[:2].tolist()]

    assert run(ag) == run(torch)


# --- Functions of several outputs: one node with one gradient per output, as torch's -----------


def _plain(value: Any) -> Any:
    """Tensors (in tuples) as nested lists, to compare the two libraries' events."""
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    return value.tolist() if hasattr(value, "tolist") else value


def _several_outputs_scenario(name: str, lib: Any) -> list[Any]:
    events: list[Any] = []

    class Two(lib.autograd.Function):  # type: ignore[misc, name-defined]
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            ctx.save_for_backward(x)
            return x * x, x * 3

        @staticmethod
        def backward(ctx: Any, ga: Any, gb: Any) -> Any:
            (x,) = ctx.saved_tensors
            events.append(("backward", _plain(ga), _plain(gb)))
            return ga * 2 * x + gb * 3

    class Mixed(lib.autograd.Function):  # type: ignore[misc, name-defined]
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            n = (x * 5).long()
            ctx.mark_non_differentiable(n)
            return x * 2, 7, n, x.double() * 3

        @staticmethod
        def backward(ctx: Any, ga: Any, gi: Any, gn: Any, gb: Any) -> Any:
            events.append(("backward", _plain(ga), gi, _plain(gn), _plain(gb)))
            return ga * 2 + gb * 3

    class Same(lib.autograd.Function):  # type: ignore[misc, name-defined]
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            y = x * 2
            return y, y

        @staticmethod
        def backward(ctx: Any, ga: Any, gb: Any) -> Any:
            events.append(("backward", _plain(ga), _plain(gb)))
            return ga * 2 + gb * 2

    def watch(node: Any) -> None:
        node.register_prehook(lambda go: events.append(("pre", _plain(go))))
        node.register_hook(lambda gi, go: events.append(("post", _plain(gi), _plain(go))))

    x = lib.tensor([1.0, 2.0], requires_grad=True)
    if name in ("one_output_used", "both_outputs_used"):
        a, b = Two.apply(x)
        events.append((a.grad_fn is b.grad_fn, a.grad_fn.name(), a.output_nr, b.output_nr))
        events.append((a * 1).grad_fn.next_functions[0] == (a.grad_fn, 0))
        events.append(a.grad_fn.next_functions[0][0].variable is x)
        watch(a.grad_fn)
        loss = a.sum() * 5 + (b.sum() * 7 if name == "both_outputs_used" else 0)
        loss.backward()
    elif name == "pre_hook_replaces_one_output":
        a, b = Two.apply(x)
        b.grad_fn.register_prehook(lambda go: (go[0] * 10, go[1]))
        watch(a.grad_fn)
        (a.sum() * 5).backward()
    elif name == "mixed_outputs":
        a, _, n, b = Mixed.apply(x)
        events.append((a.output_nr, b.output_nr, n.requires_grad, a.grad_fn is b.grad_fn))
        watch(b.grad_fn)
        (b.sum() * 7).backward()
    elif name == "same_tensor_returned_twice":
        a, b = Same.apply(x)
        events.append((a is b, a.output_nr, a.grad_fn.name()))
        watch(a.grad_fn)
        (a.sum() * 5 + b.sum() * 7).backward()
    elif name == "hooks_with_create_graph":
        a, b = Two.apply(x)
        a.grad_fn.register_prehook(lambda go: events.append(("pre", [v is None for v in go])))
        (g,) = lib.autograd.grad((a * a).sum() + b.sum(), x, create_graph=True)
        events.append(_plain(g))
        g.sum().backward()
    else:
        raise AssertionError(name)
    return [*events, _plain(x.grad)]


@pytest.mark.parametrize(
    "name",
    [
        "one_output_used",
        "both_outputs_used",
        "pre_hook_replaces_one_output",
        "mixed_outputs",
        "same_tensor_returned_twice",
        "hooks_with_create_graph",
    ],
)
def test_functions_of_several_outputs_have_one_node_as_torch(name: str) -> None:
    assert _several_outputs_scenario(name, ag) == _several_outputs_scenario(name, torch)


def _complex_square_run(lib: Any) -> Any:
    class Square(lib.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:
            (x,) = ctx.saved_tensors
            return grad * 2 * x.conj()  # PyTorch's convention: grad * conj(f'(z))

    z = lib.tensor([1 + 2j, -0.5 + 1j], dtype=lib.complex128, requires_grad=True)
    y = Square.apply(z)
    y.abs().sum().backward()
    return y.requires_grad, y.grad_fn is not None, z.grad.tolist()


def test_a_complex_output_is_differentiable_as_torch() -> None:
    # Regression: only floating outputs got the Function's node; a complex one came back
    # detached, so its backward never ran.
    assert _complex_square_run(ag) == _complex_square_run(torch)
