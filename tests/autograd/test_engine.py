"""The backward engine: accumulation, retained graphs, errors, deep graphs and memory."""

from __future__ import annotations

import gc
import threading
import tracemalloc
import warnings
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import arraygrad as ag
from arraygrad.autograd._rules import sum_to


def test_backward_accumulates_into_leaves_like_torch() -> None:
    def run(lib: object) -> list:
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)  # type: ignore[attr-defined]
        w = lib.tensor(0.5, requires_grad=True)  # type: ignore[attr-defined]
        y = (w * x).exp().sum() + (x * x).mean()
        y.backward()
        (w * w).backward()
        return [x.grad.tolist(), w.grad.tolist()]

    np.testing.assert_allclose(run(ag)[0], run(torch)[0], rtol=1e-6)
    np.testing.assert_allclose(run(ag)[1], run(torch)[1], rtol=1e-6)


def test_shared_subexpressions_sum_their_gradients() -> None:
    x = ag.tensor(3.0, requires_grad=True)
    h = x * x
    (h + h * h).backward()  # d/dx (x^2 + x^4) = 2x + 4x^3
    assert x.grad.item() == pytest.approx(2 * 3 + 4 * 27)


def test_inputs_a_rule_sends_nothing_still_get_their_other_gradients() -> None:
    # y feeds a rule that gives it no gradient (the 0-norm counts non-zeros) and a sum. The
    # engine counts both dependants; the silent one must still count as done, or y's node never
    # runs and x gets nothing.
    def run(lib: object) -> list:
        x = lib.tensor([1.0, -2.0, 0.0], requires_grad=True)  # type: ignore[attr-defined]
        y = x * 2
        (lib.linalg.vector_norm(y, ord=0) + y.sum()).backward()  # type: ignore[attr-defined]
        return x.grad.tolist()

    assert run(ag) == run(torch) == [2.0, 2.0, 2.0]


def test_a_node_whose_dependants_all_send_nothing_releases_its_inputs() -> None:
    # h = x * 3 reaches the loss only through the 0-norm (no gradient) and through g = h * h;
    # x gets g's part. Then a node reached only through silent rules: x gets no gradient from
    # it, as in PyTorch, and the rest of the graph still runs.
    def run(lib: object) -> list:
        x = lib.tensor([1.0, 2.0], requires_grad=True)  # type: ignore[attr-defined]
        h = x * 3
        g = h * h
        silent = lib.linalg.vector_norm(h + 1, ord=0)  # type: ignore[attr-defined]
        (silent + lib.linalg.vector_norm(g, ord=0) + g.sum()).backward()  # type: ignore[attr-defined]
        return x.grad.tolist()

    assert run(ag) == run(torch)


def test_a_node_that_received_nothing_is_freed_like_one_that_ran() -> None:
    # torch runs such a node with an undefined gradient and frees its saved values: a second
    # backward through it raises.
    for library in (torch, ag):
        x = library.tensor([1.0, 2.0], requires_grad=True)
        y = x.exp()
        library.linalg.vector_norm(y, ord=0).backward()
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            y.sum().backward()
        assert x.tolist() == [1.0, 2.0]


def test_explicit_gradient_for_non_scalar_outputs() -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).backward(ag.tensor([1.0, 10.0]))
    assert x.grad.tolist() == [3.0, 30.0]


def test_retain_graph_allows_a_second_backward() -> None:
    x = ag.tensor(2.0, requires_grad=True)
    y = x.exp() * x
    y.backward(retain_graph=True)
    first = x.grad.item()
    y.backward()
    assert x.grad.item() == pytest.approx(2 * first)


def test_nodes_without_saved_values_can_be_traversed_twice_as_in_torch() -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = (x + 1).sum()
    y.backward()
    y.backward()
    assert x.grad.tolist() == [2.0, 2.0]


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda x: (x * 2).backward(), "grad can be implicitly created only for scalar outputs"),
        (lambda x: ag.ones(2).sum().backward(), "does not require grad"),
        (lambda x: (x * 2).backward(ag.ones(3)), "Mismatch in shape"),
    ],
)
def test_backward_misuse_raises_runtime_error_and_tensors_stay_usable(
    make: object, fragment: str
) -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=fragment):
        make(x)  # type: ignore[operator]
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]


def test_backward_twice_through_freed_values_raises_and_names_the_fix() -> None:
    w = ag.tensor(0.5, requires_grad=True)
    loss = w * w
    loss.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time") as error:
        loss.backward()
    assert "retain_graph=True" in str(error.value) and "MulBackward0" in str(error.value)
    (w * w).backward()  # a new graph still works
    assert w.grad.item() == pytest.approx(2.0)


def test_autograd_grad_does_not_touch_dot_grad_and_reports_unused_inputs() -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = ag.tensor([1.0, 2.0], requires_grad=True)
    (gx,) = ag.autograd.grad((x * x).sum(), x)
    assert gx.tolist() == [2.0, 4.0] and x.grad is None
    with pytest.raises(RuntimeError, match=r"index 1 .* not have been used in the graph"):
        ag.autograd.grad((x * 2).sum(), [x, y])
    gx, gy = ag.autograd.grad((x * 2).sum(), [x, y], allow_unused=True)
    assert gx.tolist() == [2.0, 2.0] and gy is None
    with pytest.raises(RuntimeError, match="does not require grad"):
        ag.autograd.grad((x * 2).sum(), [ag.ones(2)])


def test_autograd_grad_argument_errors_match_torch() -> None:
    """No inputs at all, and materialize_grads with allow_unused=False, are refused as in torch
    (the second used to materialize anyway)."""
    for lib in (torch, ag):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with pytest.raises(RuntimeError, match="cannot be empty"):
            lib.autograd.grad((x * 2).sum(), [])
        with pytest.raises(ValueError, match="allow_unused"):
            lib.autograd.grad((x * 2).sum(), x, allow_unused=False, materialize_grads=True)
        (grad,) = lib.autograd.grad((x * 2).sum(), x, materialize_grads=True)
        assert grad.tolist() == [2.0, 2.0]


def test_gradient_with_respect_to_an_intermediate() -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    (gh,) = ag.autograd.grad((h * h).sum(), h)
    assert gh.tolist() == [6.0, 12.0]


def test_higher_order_gradients() -> None:
    x = ag.tensor(1.5, requires_grad=True)
    y = x**3
    (g,) = ag.autograd.grad(y, x, create_graph=True)
    (gg,) = ag.autograd.grad(g, x)
    assert g.item() == pytest.approx(3 * 1.5**2) and gg.item() == pytest.approx(6 * 1.5)


def test_a_100000_op_chain_backpropagates_without_recursion() -> None:
    x = ag.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0


def test_seed_training_loop_keeps_memory_flat() -> None:
    x = ag.tensor([1, 2, 3, 4], dtype=ag.float32)
    y = ag.tensor([2, 4, 6, 8], dtype=ag.float32)
    w = ag.tensor(0.0, requires_grad=True)

    def steps(count: int) -> None:
        nonlocal w
        for _ in range(count):
            loss = ((w * x - y) ** 2).mean()
            loss.backward()
            with ag.no_grad():
                w -= 0.01 * w.grad
            w.grad.zero_()

    steps(200)
    gc.collect()
    tracemalloc.start()
    steps(500)
    gc.collect()
    after_warmup, _ = tracemalloc.get_traced_memory()
    steps(3000)  # (20 kB over 3000 steps: a leak of even one small object per step shows)
    gc.collect()
    after_all, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert after_all - after_warmup < 20_000, (after_warmup, after_all)
    assert w.grad is not None and w.grad.grad_fn is None  # .grad keeps no graph alive


def test_no_reference_cycles_keep_graphs_alive() -> None:
    gc.collect()
    gc.disable()
    try:
        x = ag.tensor([1.0, 2.0], requires_grad=True)
        loss = (x.exp() * x).sum()
        node = loss.grad_fn
        import weakref

        ref = weakref.ref(node)
        del loss, node
        assert ref() is None  # freed by reference counting alone
    finally:
        gc.enable()


def test_grad_mode_context_managers_and_decorators() -> None:
    x = ag.tensor(1.0, requires_grad=True)
    with ag.no_grad():
        assert not (x * 2).requires_grad and not ag.is_grad_enabled()
        with ag.enable_grad():
            assert (x * 2).requires_grad
    with ag.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert ag.is_grad_enabled()

    @ag.no_grad()
    def frozen() -> ag.Tensor:
        return x * 2

    assert not frozen().requires_grad and ag.is_grad_enabled()
    ag.set_grad_enabled(False)
    assert not ag.is_grad_enabled()
    ag.set_grad_enabled(True)
    assert ag.is_grad_enabled()


def test_grad_mode_is_per_thread() -> None:
    seen = []
    with ag.no_grad():
        thread = threading.Thread(target=lambda: seen.append(ag.is_grad_enabled()))
        thread.start()
        thread.join()
    assert seen == [True]


def test_hooks_and_retain_grad() -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    h.retain_grad()
    handle = h.register_hook(lambda g: g * 10)
    x.register_hook(lambda g: g + 1)
    (h * h).sum().backward()
    assert h.grad.tolist() == [40.0, 80.0]  # retain_grad sees the hooked gradient, as in torch
    assert x.grad.tolist() == [81.0, 161.0]  # (2h * 10) * 2 + 1
    handle.remove()


def test_nodes_whose_rules_read_no_values_do_not_hold_computed_inputs() -> None:
    import weakref

    x = ag.ones(50, 20)
    w = ag.ones(20, 10, requires_grad=True)
    b = ag.zeros(10, requires_grad=True)
    h = x @ w
    held = weakref.ref(h._data)
    out = (h + b).relu().sum()  # add and relu read no input values
    del h
    assert held() is None, "x @ w is kept alive until backward"
    out.backward()
    assert w.grad.tolist() == np.full((20, 10), 50.0).tolist()
    assert b.grad.tolist() == [50.0] * 10


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_sum_to_reduces_broadcast_axes_like_torch(data: st.DataObject) -> None:
    # sum_to undoes broadcasting: every added or stretched axis is summed in one reduction, so
    # the result is NumPy's own sum over those axes bit for bit (whichever fast path it takes)
    # and torch's sum_to_size in value.
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=4))
    target = data.draw(hnp.broadcastable_shapes(shape, min_dims=0, max_dims=len(shape)))
    grad_shape = np.broadcast_shapes(shape, target)
    assume(grad_shape == shape)
    grad = data.draw(hnp.arrays(np.float64, grad_shape, elements=st.floats(-1e3, 1e3)))
    # Independently of sum_to's own logic: the axes that broadcasting added, and those along
    # which the target broadcast to the gradient's shape does not move (stride 0).
    spread = np.broadcast_to(np.empty(target), grad_shape)
    stretched = {i for i, step in enumerate(spread.strides) if step == 0 and grad_shape[i] > 1}
    axes = tuple(sorted(stretched | set(range(len(grad_shape) - len(target)))))
    # No axis to sum: the gradient itself (a sum over no axes would add it to +0.0, so -0.0
    # would come back as 0.0).
    expected = np.sum(grad, axis=axes, keepdims=True).reshape(target) if axes else grad
    result = sum_to(np, grad, target)
    assert result.shape == target
    assert np.asarray(result).tobytes() == expected.tobytes()
    np.testing.assert_allclose(result, torch.from_numpy(grad).sum_to_size(target).numpy())


def test_grad_with_inputs_runs_only_the_nodes_on_paths_to_them() -> None:
    # As in PyTorch: a branch that does not lead to the requested inputs is not run, so its
    # rules are not called and values it saved may have been freed.
    class Boom(ag.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            return x * 1

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            raise AssertionError("a node off the path to the inputs ran")

    a = ag.tensor([1.0, 2.0], requires_grad=True)
    b = ag.tensor([3.0, 4.0], requires_grad=True)
    loss = (a * a).sum() + Boom.apply(b).sum()
    (grad_a,) = ag.autograd.grad(loss, a, retain_graph=True)
    assert grad_a.tolist() == [2.0, 4.0]
    loss.backward(inputs=[a])
    assert a.grad.tolist() == [2.0, 4.0] and b.grad is None


def test_a_buffer_written_through_views_every_step_differentiates_like_torch() -> None:
    # Each step writes into the same buffer through views: its history chains back to earlier
    # steps, whose saved values their own backward freed. Those nodes lead only to earlier
    # inputs, so a grad for this step's input never reaches them (the review's case).
    results = []
    for lib in (torch, ag):
        buf = lib.zeros(4)
        row, columns = buf[1:3], buf.view(2, 2).t()
        out = []
        for step in range(3):
            x = lib.tensor([1.0 + step, -2.0], requires_grad=True)
            row.copy_(x * 2)
            columns[0].mul_(x)  # buf[0] and buf[2]
            loss = (buf * buf).sum()
            out.append((loss.item(), lib.autograd.grad(loss, x)[0].tolist()))
        results.append(out)
    assert results[1] == results[0]


def test_grad_with_inputs_passes_over_a_node_that_gets_no_gradient_as_torch() -> None:
    # u reaches x and also a node off the path to the inputs (k * 1); its only dependant sends
    # it no gradient, so the engine releases its edges, the pruned one included.
    results = []
    for lib in (torch, ag):

        class NoGradientForFirst(lib.autograd.Function):
            @staticmethod
            def forward(ctx: Any, u: Any, w: Any) -> Any:
                return u * w

            @staticmethod
            def backward(ctx: Any, g: Any) -> Any:
                return None, g

        x = lib.tensor([1.0, 2.0], requires_grad=True)
        k = lib.tensor([3.0, 4.0], requires_grad=True)
        w = lib.tensor([5.0, 6.0], requires_grad=True)
        u = x * (k * 1)
        loss = NoGradientForFirst.apply(u, w).sum() + (x * 0).sum()
        grads = lib.autograd.grad(loss, [x, w], allow_unused=True)
        results.append([g.tolist() for g in grads])
    assert results[1] == results[0]


def _many_uses(lib: Any, x: Any, w: Any) -> Any:
    # h reaches the loss along five paths, among them rules that pass their gradient through
    # (add, a view) and rules with fresh results (mul, matmul, exp): h's gradient is summed
    # from five parts, in place where the engine owns an array, as PyTorch's InputBuffer does.
    h = x * 1.5
    branches = h + h * h + (h @ w) @ w.t() + h.exp() + h.t().t()
    return (branches * branches).sum() + h[3:].sum()


@pytest.mark.parametrize("rows", [4, 64])  # 4 x 32: below the in-place size; 64 x 32: above
def test_a_gradient_summed_from_many_parts_matches_torch(rows: int) -> None:
    rng = np.random.default_rng(0)
    values, weights = rng.standard_normal((rows, 32)) * 0.1, rng.standard_normal((32, 32)) * 0.1
    grads = []
    for lib in (ag, torch):
        x = lib.tensor(values, requires_grad=True)
        w = lib.tensor(weights, requires_grad=True)
        _many_uses(lib, x, w).backward()
        grads.append((x.grad.numpy(), w.grad.numpy()))
    for mine, theirs in zip(grads[0], grads[1], strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-12)
    # A gradient passed through to two nodes (add's) is summed with other parts at one of
    # them: the other still gets it unchanged.
    for lib in (ag, torch):
        x = lib.tensor(values, requires_grad=True)
        u, v = x * 1.5, x * 2.0
        ((u + v) * 3.0 + u * u).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[2], grads[3], rtol=1e-12)
    np.testing.assert_allclose(grads[2], 1.5 * (3.0 + 2 * 1.5 * values) + 2.0 * 3.0, rtol=1e-12)


def test_compiled_and_eager_gradients_summed_from_many_parts_are_bitwise_equal() -> None:
    rng = np.random.default_rng(1)
    x = ag.tensor(rng.standard_normal((64, 32)) * 0.1, requires_grad=True)
    w = ag.tensor(rng.standard_normal((32, 32)) * 0.1, requires_grad=True)

    def step() -> Any:
        _many_uses(ag, x, w).backward()
        return x.grad.clone(), w.grad.clone()

    def run(fn: Any) -> list[bytes]:
        x.grad = w.grad = None  # (outside: a .grad replaced inside would retrace every call)
        return [grad.numpy().tobytes() for grad in fn()]

    eager = run(step)
    compiled = ag.compile(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # replayed, not run eagerly
        for _ in range(3):
            assert run(compiled) == eager
    assert compiled.traces == 1


def test_a_retained_grad_is_summed_into_a_new_tensor_and_a_leafs_in_place_as_torch() -> None:
    # PyTorch's retains_grad hook adds out of place (a .grad read before keeps its values);
    # AccumulateGrad adds into a leaf's .grad in place.
    def run(lib: Any) -> list[Any]:
        x = lib.ones(2, requires_grad=True)  # type: ignore[attr-defined]
        y = x * 2
        y.retain_grad()
        y.sum().backward(retain_graph=True)
        first_y, first_x = y.grad, x.grad
        y.sum().backward()
        return [first_y.tolist(), y.grad.tolist(), first_y is y.grad, first_x is x.grad]

    assert run(ag) == run(torch) == [[1.0, 1.0], [2.0, 2.0], False, True]


def _buffer_loop(lib: Any, steps: int, width: int, hook: Any = None) -> dict[str, Any]:
    """h[t] = tanh(0.5 h[t - 1] + w) + v[t] row by row into one buffer, each row also read
    twice more through views (h[t - 1, :] and h[t - 1][None]), then a weighted sum.
    ``hook``: registered on every version of the buffer (each write's CopySlices)."""
    rng = np.random.default_rng(3)
    w = lib.tensor(rng.standard_normal(width), requires_grad=True)
    values = [lib.tensor(rng.standard_normal(width), requires_grad=True) for _ in range(steps)]
    h = lib.zeros(steps + 1, width, dtype=lib.float64)
    inner = []
    for t in range(1, steps + 1):
        inner.append(h[t - 1] * 0.5 + w)
        h[t] = inner[-1].tanh() + values[t - 1] + h[t - 1, :] * 0.1 + h[t - 1][None] * 0.2
        if hook is not None:
            h.register_hook(hook)
    scale = lib.tensor(rng.standard_normal((steps + 1, 1)))
    return {"loss": (h * scale).sum(), "w": w, "values": values, "inner": inner}


@pytest.mark.parametrize("width", [3, 64])
def test_a_buffer_written_row_by_row_differentiates_like_torch(width: int) -> None:
    # The engine zeroes each write's row in the buffer's gradient in place and adds each
    # view's gradient at its row, once it holds that gradient alone; a written value's
    # gradient (a view of it) is copied first.
    grads = []
    for lib in (ag, torch):
        run = _buffer_loop(lib, 6, width)
        run["loss"].backward()
        grads.append([run["w"].grad.numpy(), *(v.grad.numpy() for v in run["values"])])
    for mine, theirs in zip(grads[0], grads[1], strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-12)


def test_gradients_a_hook_or_grad_caller_was_given_are_never_overwritten() -> None:
    seen: list[tuple[Any, np.ndarray]] = []

    def keep(grad: Any) -> None:
        seen.append((grad, grad.numpy().copy()))

    results = []
    for lib in (ag, torch):
        run = _buffer_loop(lib, 5, 8, keep if lib is ag else None)
        wanted = [run["w"], *run["inner"][1:4]]
        grads = lib.autograd.grad(run["loss"], wanted, retain_graph=True)
        run["loss"].backward()  # through the retained graph, once more
        results.append([g.numpy() for g in grads] + [run["w"].grad.numpy()])
    assert len(seen) == 10  # five versions, two passes
    for grad, at_the_time in seen:
        np.testing.assert_array_equal(grad.numpy(), at_the_time)
    for mine, theirs in zip(results[0], results[1], strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12)


def test_a_compiled_buffer_loop_gives_eager_gradients_bit_for_bit() -> None:
    # A replay runs the rules that write into the engine's own arrays as eager backward does
    # (the recorder follows their writes): the same bits, the sign of every zero included.
    # The last row is never written nor read: its gradient is the weights' -0.0 and 1.5,
    # kept as they are where a view's gradient is added into the buffer's in place (a zero
    # array added instead would make the -0.0 a +0.0).
    rng = np.random.default_rng(5)
    w = ag.tensor(rng.standard_normal(4), requires_grad=True)
    values = rng.standard_normal((8, 4))
    values[7] = [-0.0, 1.5, -0.0, 1.5]
    weights = ag.tensor(values)
    start = ag.tensor(rng.standard_normal((8, 4)), requires_grad=True)

    def step() -> Any:
        h = start * 1.0
        for t in range(1, 7):
            h[t] = (h[t - 1] * 0.5 + w).tanh() + h[t - 1][None] * 0.1
        (h * weights).sum().backward()
        return w.grad.clone(), start.grad.clone()

    def run(fn: Any) -> list[np.ndarray]:
        w.grad = start.grad = None  # (outside: a .grad replaced inside would retrace)
        return [grad.numpy() for grad in fn()]

    eager = run(step)
    assert np.signbit(eager[1][7]).tolist() == [True, False, True, False]
    compiled = ag.compile(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # replayed, not run eagerly
        for _ in range(3):
            assert [a.tobytes() for a in run(compiled)] == [b.tobytes() for b in eager]
    assert compiled.traces == 1


@pytest.mark.parametrize("order", ["buffer first", "buffer second"])
def test_a_gradient_passed_to_two_nodes_is_written_into_by_neither(order: str) -> None:
    # add's rule passes one array to both of its inputs. A buffer written through a view
    # (whose CopySlices would zero rows of its gradient) and a tensor read through a view
    # (whose gradient would be added into) must not change the other input's gradient.
    def run(lib: Any) -> list[Any]:
        rng = np.random.default_rng(6)
        x = lib.tensor(rng.standard_normal((4, 3)), requires_grad=True)
        y = lib.tensor(rng.standard_normal((4, 3)), requires_grad=True)
        v = lib.tensor(rng.standard_normal(3), requires_grad=True)
        buffer = x * 1.0
        buffer[1] = v * 2.0
        other = y * 3.0
        total = buffer + other if order == "buffer first" else other + buffer
        # The views' terms first: the engine reaches them last, after add's shared array
        # arrived at both nodes as their first gradient.
        loss = (buffer[2] * 5.0).sum() + (other[0] * 7.0).sum()
        loss = loss + (total * lib.tensor(rng.standard_normal((4, 3)))).sum()
        loss.backward()
        return [x.grad.numpy(), y.grad.numpy(), v.grad.numpy()]

    for mine, theirs in zip(run(ag), run(torch), strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12)


def test_index_put_of_a_leaf_also_read_through_a_view_differentiates_like_torch() -> None:
    # index_put's gradient for x (g with the written places zeroed) goes to a leaf here, and
    # a view of that leaf sends it a gradient too: leaves are never the engine's to write into.
    def run(lib: Any) -> Any:
        x = lib.tensor(np.arange(12.0).reshape(4, 3), requires_grad=True)
        v = lib.tensor([5.0, 6.0, 7.0], dtype=lib.float64, requires_grad=True)
        written = x.index_put((lib.tensor([0, 2]),), v)
        # (the index_put term last: the engine reaches it first)
        loss = (x[1] * 3.0).sum() + (x[2:, 1:] * 4.0).sum() + (written * 2.0).sum()
        loss.backward()
        return x.grad.numpy(), v.grad.numpy()

    for mine, theirs in zip(run(ag), run(torch), strict=True):
        np.testing.assert_array_equal(mine, theirs)


@pytest.mark.parametrize("lib", [ag, torch], ids=["arraygrad", "torch"])
def test_gradients_of_a_computed_tensor_run_none_of_its_rules(lib: Any) -> None:
    # autograd.grad(loss, [h]) (and backward(inputs=[h])) stops at h: arraygrad ran h's own
    # node too, whose saved values an earlier backward had freed (it raised where PyTorch
    # gives the gradient), and computed its inputs' gradients for nobody.
    x = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
    h = x.exp()
    loss = (h * 2).sum()
    h.sum().backward()  # frees exp's saved output
    (grad,) = lib.autograd.grad(loss, [h])
    assert grad.tolist() == [2.0, 2.0, 2.0]
    assert x.grad.tolist() == pytest.approx(np.exp([0.5, -1.0, 2.0]).tolist())


@pytest.mark.parametrize("lib", [ag, torch], ids=["arraygrad", "torch"])
def test_backward_into_a_computed_input_fills_its_grad(lib: Any) -> None:
    # loss.backward(inputs=[h]) for a computed h: arraygrad computed h's gradient and dropped
    # it, leaving h.grad None where PyTorch accumulates it (and nothing past h)
    x = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
    h = x.exp()
    loss = (h * h).sum()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (PyTorch's note on a non-leaf's .grad)
        loss.backward(inputs=[h], retain_graph=True)
        first = h.grad
        loss.backward(inputs=[h])
        assert x.grad is None
        assert h.grad.tolist() == pytest.approx((4 * np.exp([0.5, -1.0, 2.0])).tolist())
        assert first.tolist() == pytest.approx((2 * np.exp([0.5, -1.0, 2.0])).tolist())


def test_backward_inputs_fill_a_computed_tensors_grad_once() -> None:
    # backward(inputs=[h, h]) and backward(inputs=[k]) of a k that retains its grad each
    # added the gradient twice (PyTorch: once)
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    h = a * 2
    (h * h).sum().backward(inputs=[h, h])
    assert h.grad.tolist() == [4.0, 8.0] and a.grad is None
    k = a * 3
    k.retain_grad()
    k.pow(2).sum().backward(inputs=[k])
    assert k.grad.tolist() == [6.0, 12.0]


@pytest.mark.parametrize(
    "case", ["tied", "leaf output", "hooked and tied", "fresh grad", "retain_graph twice"]
)
def test_a_leafs_parts_are_summed_before_they_reach_its_grad(case: str) -> None:
    # PyTorch's AccumulateGrad adds the sum of one backward's parts into a .grad it holds
    # already: .grad + (p1 + p2 + p3). arraygrad added each part in turn, ((.grad + p1) + p2)
    # + p3, which rounds differently (float32 here: 1 + 4e-8 + 4e-8 + 1.2e-7).
    results = []
    for lib in (ag, torch):
        w = lib.tensor(np.array([1.0, -2.0, 3.0], dtype=np.float32), requires_grad=True)
        x = lib.tensor(np.array([4e-8, 1e-8, 3e-8], dtype=np.float32))
        if case != "fresh grad":
            w.grad = lib.tensor(np.array([1.0, 1.0, 1.0], dtype=np.float32))
        if case == "hooked and tied":
            w.register_hook(lambda g: g * 1.0)
        loss = (w * x).sum() + (w * x).sum() + (w * x * 3).sum()
        if case == "leaf output":
            lib.autograd.backward([w, loss], [lib.full((3,), 3e-8), lib.tensor(1.0)])
        elif case == "retain_graph twice":
            loss.backward(retain_graph=True)
            loss.backward()
        else:
            loss.backward()
        results.append(w.grad.detach().numpy().tobytes())
    assert results[0] == results[1]


@pytest.mark.parametrize("lib", [ag, torch], ids=["arraygrad", "torch"])
def test_a_computed_input_of_backward_retains_its_grad_from_then_on(lib: Any) -> None:
    # backward(inputs=[h]) makes h retain its grad, as PyTorch's does: later passes, grad()'s
    # included, add to h.grad (arraygrad filled it in that pass only).
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    (h * h).sum().backward(inputs=[h], retain_graph=True)
    assert h.retains_grad and h.grad.tolist() == [4.0, 8.0]
    h.grad = None
    lib.autograd.grad((h * 3).sum(), [x], retain_graph=True)
    assert h.grad.tolist() == [3.0, 3.0]
    h.sum().backward()
    assert h.grad.tolist() == [4.0, 4.0] and x.grad.tolist() == [2.0, 2.0]


@pytest.mark.parametrize("lib", [ag, torch], ids=["arraygrad", "torch"])
def test_backward_inputs_run_a_computed_inputs_node_as_torch(lib: Any) -> None:
    # PyTorch's backward(inputs=[h]) runs h's node (grad() does not): it raises where an
    # earlier backward freed its values, and frees them (arraygrad ran none of it).
    x = lib.tensor(0.5, requires_grad=True)
    h = x.exp()
    loss = (h * 2).sum()
    loss.backward(inputs=[h])
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        h.backward()  # (h retains its grad now: that part is in before exp's node raises)
    assert h.grad.item() == 3.0 and x.grad is None
    k = x.exp()
    k.backward()  # frees exp's saved output
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        (k * 2).backward(inputs=[k])


@pytest.mark.parametrize("lib", [ag, torch], ids=["arraygrad", "torch"])
def test_backward_inputs_that_need_no_gradient_raise(lib: Any) -> None:
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    constant = lib.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match="retain_grad on Tensor that has requires_grad=False"):
        (x * x).sum().backward(inputs=[x, constant])
    assert x.grad is None  # refused before anything ran


@pytest.mark.parametrize("lib", [ag, torch], ids=["arraygrad", "torch"])
def test_grad_of_a_hooked_input_whose_node_runs_on_is_the_gradient_before_the_hook(
    lib: Any,
) -> None:
    # PyTorch captures a requested computed tensor's gradient before its hooks where its node
    # runs on (to another requested input), after them where it does not.
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    h.register_hook(lambda g: g * 10)
    out = (h * h).sum()
    (alone,) = lib.autograd.grad(out, [h], retain_graph=True)
    with_x = lib.autograd.grad(out, [h, x])
    assert alone.tolist() == [40.0, 80.0]
    assert [g.tolist() for g in with_x] == [[4.0, 8.0], [80.0, 160.0]]


@pytest.mark.parametrize("lib", [ag, torch], ids=["arraygrad", "torch"])
def test_a_grad_with_a_graph_is_added_into_in_place_and_keeps_it(lib: Any) -> None:
    # After backward(create_graph=True), a plain backward adds into the leaf's .grad in place,
    # as PyTorch's AccumulateGrad does: same tensor, still requiring grad (arraygrad made a
    # new one without a graph).
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (torch's note on .grad's reference cycle)
        (x**3).sum().backward(create_graph=True)
    first = x.grad
    (first * 2).sum().backward()
    assert x.grad is first and first.requires_grad and first.grad_fn is not None
    assert first.tolist() == [15.0, 36.0]


@pytest.mark.parametrize("lib", [ag, torch], ids=["arraygrad", "torch"])
def test_a_gradient_given_with_create_graph_is_not_written_into_later(lib: Any) -> None:
    # x.backward(g, create_graph=True) made g itself x.grad, and the next backward added
    # into the caller's g; PyTorch clones it.
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    given = lib.tensor([5.0, 6.0])
    x.backward(given, create_graph=True)
    x.backward(given)
    assert given.tolist() == [5.0, 6.0] and x.grad.tolist() == [10.0, 12.0]


@pytest.mark.parametrize("lib", [ag, torch], ids=["arraygrad", "torch"])
def test_a_scalars_retained_grad_summed_twice_can_be_written_into(lib: Any) -> None:
    # NumPy's sum of two 0-d arrays is a scalar: h.grad held one, and zero_() raised.
    x = lib.tensor(2.0, requires_grad=True)
    h = x * 3
    h.retain_grad()
    h.backward(retain_graph=True)
    h.backward()
    h.grad.zero_()
    assert h.grad.item() == 0.0


@pytest.mark.parametrize("lib", [ag, torch], ids=["arraygrad", "torch"])
def test_materialized_gradients_require_grad_with_create_graph(lib: Any) -> None:
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    unused = lib.tensor([3.0], requires_grad=True)
    for create_graph in (False, True):
        _, zeros = lib.autograd.grad(
            (x * x).sum(), [x, unused], materialize_grads=True, create_graph=create_graph
        )
        assert zeros.tolist() == [0.0] and zeros.requires_grad == create_graph


@pytest.mark.parametrize("lib", [ag, torch], ids=["arraygrad", "torch"])
def test_pieces_of_a_split_add_into_the_leafs_grad(lib: Any) -> None:
    # Each piece's gradient goes into its slice of the leaf's .grad (the engine adds it there
    # in place, not as a full-size array of zeros around it), over an earlier backward's too.
    x = lib.tensor(np.arange(24.0).reshape(4, 6), requires_grad=True)
    for step in range(2):
        pieces = x.split([1, 3, 2], dim=1)
        total = sum(((k + 1) * piece * piece).sum() for k, piece in enumerate(pieces))
        total.backward()
        weights = np.repeat([1.0, 2.0, 3.0], [1, 3, 2])
        expected = (step + 1) * 2 * weights * np.arange(24.0).reshape(4, 6)
        np.testing.assert_array_equal(x.grad.numpy(), expected)
