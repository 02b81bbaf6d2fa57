"""Forward-mode AD (``autograd.forward_ad``) against PyTorch's, and ``autograd.Variable``.

Tangents come from each primitive's VJP rules (the double-VJP method), so every row of every
op table (``tests/ops``, ``tests/nn/test_functional*``) is compared with PyTorch's forward AD
in float64, and with central finite differences where PyTorch has no forward rule.
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
import torch.autograd.forward_ad as torch_fw
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import arraygrad as ag
import arraygrad.autograd.forward_ad as ag_fw
from arraygrad import _primitive
from tests.oracle import OpSpec, all_op_tables, draw_inputs

LIBS = [(ag, ag_fw), (torch, torch_fw)]


def _unpacked(fw: Any, value: Any) -> tuple[Any, Any]:
    """(primal, tangent) of ``value`` as nested lists (tangent ``None`` where it has none)."""
    primal, tangent = fw.unpack_dual(value)
    return primal.tolist(), None if tangent is None else tangent.tolist()


def _both(scenario: Callable[[Any, Any], Any]) -> tuple[Any, Any]:
    """``scenario(lib, fw)`` run by arraygrad and by PyTorch, each in a dual level."""
    results = []
    for lib, fw in LIBS:
        with fw.dual_level():
            results.append(scenario(lib, fw))
    return results[0], results[1]


def _close(mine: Any, theirs: Any) -> None:
    if theirs is None or isinstance(theirs, (bool, int, str)):
        assert mine == theirs
    elif isinstance(theirs, (tuple, list)):
        assert isinstance(mine, (tuple, list)) and len(mine) == len(theirs), (mine, theirs)
        for a, b in zip(mine, theirs, strict=True):
            _close(a, b)
    else:
        np.testing.assert_allclose(mine, theirs, rtol=1e-6, atol=1e-6)


# --- the API and its errors ------------------------------------------------------------------


def test_public_names_and_unpacked_dual_tensor() -> None:
    for name in ("dual_level", "enter_dual_level", "exit_dual_level", "make_dual", "unpack_dual"):
        assert callable(getattr(ag_fw, name))
    assert ag_fw.UnpackedDualTensor._fields == torch_fw.UnpackedDualTensor._fields
    assert issubclass(ag_fw.UnpackedDualTensor, tuple)
    assert ag.autograd.forward_ad is ag_fw
    with ag_fw.dual_level() as level:
        assert level == 0
        unpacked = ag_fw.unpack_dual(ag_fw.make_dual(ag.ones(2), ag.ones(2)))
        assert isinstance(unpacked, ag_fw.UnpackedDualTensor)
        primal, tangent = unpacked
        assert unpacked.primal is primal and unpacked.tangent is tangent


def _error(call: Callable[[Any, Any], Any], lib: Any, fw: Any) -> tuple[str, str]:
    try:
        call(lib, fw)
    except Exception as error:  # the error itself is compared
        return type(error).__name__, str(error).replace("torch.", "arraygrad.")
    return "no error", ""


OUTSIDE_ERRORS: dict[str, Callable[[Any, Any], Any]] = {
    "make_dual_without_level": lambda m, fw: fw.make_dual(m.ones(2), m.ones(2)),
    "exit_without_level": lambda m, fw: fw.exit_dual_level(),
    "unpack_non_tensor": lambda m, fw: fw.unpack_dual(3.0),
    "unpack_with_level": lambda m, fw: fw.unpack_dual(m.ones(2), level=0),
}

INSIDE_ERRORS: dict[str, Callable[[Any, Any], Any]] = {
    "nested_level": lambda m, fw: fw.enter_dual_level(),
    "shape_mismatch": lambda m, fw: fw.make_dual(m.ones(3), m.ones(2)),
    "integer_primal": lambda m, fw: fw.make_dual(m.tensor([1, 2]), m.tensor([1, 2])),
    "integer_tangent": lambda m, fw: fw.make_dual(m.ones(3), m.tensor([1, 2, 3])),
    "already_dual": lambda m, fw: fw.make_dual(fw.make_dual(m.ones(2), m.ones(2)), m.ones(2)),
    "wrong_level_make": lambda m, fw: fw.make_dual(m.ones(2), m.ones(2), level=5),
    "wrong_level_unpack": lambda m, fw: fw.unpack_dual(fw.make_dual(m.ones(2), m.ones(2)), level=7),
    "other_level_no_tangent": lambda m, fw: fw.unpack_dual(m.ones(2), level=7),
    "unpack_non_tensor_in_level": lambda m, fw: fw.unpack_dual(3.0),
    "non_tensor_primal": lambda m, fw: fw.make_dual(3.0, m.ones(2)),
    "exit_wrong_level": lambda m, fw: fw.exit_dual_level(level=3),
}


@pytest.mark.parametrize("case", sorted(OUTSIDE_ERRORS))
def test_errors_outside_a_level_are_pytorchs(case: str) -> None:
    call = OUTSIDE_ERRORS[case]
    mine, theirs = (_error(call, lib, fw) for lib, fw in LIBS)
    assert mine == theirs


@pytest.mark.parametrize("case", sorted(INSIDE_ERRORS))
def test_errors_inside_a_level_are_pytorchs(case: str) -> None:
    call = INSIDE_ERRORS[case]
    mine, theirs = _both(lambda lib, fw: _error(call, lib, fw))
    assert mine == theirs


def test_a_tangent_of_another_float_dtype_is_kept_as_given() -> None:
    mine, theirs = _both(
        lambda m, fw: str(fw.unpack_dual(fw.make_dual(m.ones(2), m.ones(2).double()))[1].dtype)
    )
    assert mine == theirs.replace("torch", "arraygrad")


def test_levels_open_and_close_and_forget_their_tangents() -> None:
    # (rare_modes stays on for good once a test in this process used inference_mode)
    assert not _primitive.forward_ad_active
    assert _primitive.rare_modes == _primitive.inference_used
    level = ag_fw.enter_dual_level()
    assert _primitive.rare_modes
    x = ag_fw.make_dual(ag.ones(2), ag.tensor([1.0, 2.0]))
    y = x * 3
    ag_fw.exit_dual_level(level=level)
    assert not _primitive.forward_ad_active
    assert _primitive.rare_modes == _primitive.inference_used
    assert ag_fw.unpack_dual(x).tangent is None and ag_fw.unpack_dual(y).tangent is None
    assert ag_fw.unpack_dual(y).primal is y  # outside a level: the tensor itself, as PyTorch's
    with ag_fw.dual_level():  # a new level: the old tangents stay forgotten
        assert ag_fw.unpack_dual(y).tangent is None
        assert ag_fw.unpack_dual(y * 2).tangent is None


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_copies_of_a_dual_tensor_have_no_tangent(how: str) -> None:
    # The tangent was copied with the tensor's attributes, and the copy, unknown to the level,
    # kept it after the level exited: a later level saw the old tangent on it.
    import copy
    import pickle

    def copied(fw: Any, value: Any) -> Any:
        return copy.deepcopy(value) if how == "deepcopy" else pickle.loads(pickle.dumps(value))

    mine, theirs = _both(
        lambda lib, fw: fw.unpack_dual(copied(fw, fw.make_dual(lib.ones(2), lib.ones(2)))).tangent
    )
    assert mine is None and theirs is None
    with ag_fw.dual_level():
        kept = copied(ag_fw, ag_fw.make_dual(ag.ones(2), ag.ones(2)))
    with ag_fw.dual_level():
        assert ag_fw.unpack_dual(kept).tangent is None
        assert ag_fw.unpack_dual(kept * 2).tangent is None


def test_dual_level_is_a_decorator_too() -> None:
    @ag_fw.dual_level()
    def tangent_of_square(x: ag.Tensor) -> list[float]:
        dual = ag_fw.make_dual(x, ag.ones_like(x))
        return ag_fw.unpack_dual(dual * dual).tangent.tolist()  # type: ignore[union-attr]

    assert tangent_of_square(ag.tensor([1.0, 2.0])) == [2.0, 4.0]
    assert not _primitive.forward_ad_active


def test_a_level_stays_on_through_a_vmap_inside_it() -> None:
    # exit_vmap recomputes the rare-modes flag: it must keep the dual level's share of it.
    with ag_fw.dual_level():
        x = ag_fw.make_dual(ag.tensor([1.0, 2.0]), ag.tensor([1.0, 1.0]))
        ag.vmap(lambda row: row * 2)(ag.ones(3, 2))
        assert _primitive.rare_modes
        assert ag_fw.unpack_dual(x * x).tangent.tolist() == [2.0, 4.0]  # type: ignore[union-attr]


# --- dual tensors, views and in-place ops ---------------------------------------------------


def test_make_dual_is_a_view_holding_the_tangent_as_given() -> None:
    def scenario(m: Any, fw: Any) -> Any:
        p = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        t = m.tensor([1.0, 0.0, 2.0])
        x = fw.make_dual(p, t)
        primal, tangent = fw.unpack_dual(x)
        return [
            x._base is p,
            x.requires_grad,
            x.grad_fn.name(),
            tangent is t,
            primal._base is p,
            primal.requires_grad,
            fw.unpack_dual(primal).tangent is None,
            fw.unpack_dual(p).primal is p,
        ]

    mine, theirs = _both(scenario)
    assert mine == theirs


INPLACE_SCENARIOS: dict[str, Callable[[Any, Any], Any]] = {}


def _scenario(func: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    INPLACE_SCENARIOS[func.__name__] = func
    return func


@_scenario
def mul_updates_the_tangent_in_place(m: Any, fw: Any) -> Any:
    t = m.tensor([1.0, 0.0, 2.0])
    x = fw.make_dual(m.tensor([1.0, 2.0, 3.0]), t)
    view = x[:2]
    x.mul_(2)
    return [_unpacked(fw, x), t.tolist(), fw.unpack_dual(x).tangent is t, _unpacked(fw, view)]


@_scenario
def view_tangents_share_memory(m: Any, fw: Any) -> Any:
    x = fw.make_dual(m.tensor([1.0, 2.0, 3.0]), m.tensor([1.0, 0.0, 2.0]))
    view = x[:2]
    same = fw.unpack_dual(view).tangent._base is fw.unpack_dual(x).tangent
    view.mul_(3)
    return [same, _unpacked(fw, x), _unpacked(fw, x.t() if x.dim() == 2 else x.unsqueeze(0))]


@_scenario
def writes_without_a_tangent_zero_it(m: Any, fw: Any) -> Any:
    found = []
    for write in (
        lambda z: z.zero_(),
        lambda z: z.fill_(2.0),
        lambda z: z.copy_(m.ones(3)),
        lambda z: z.fill_(m.tensor(5.0)),
    ):
        z = fw.make_dual(m.tensor([1.0, 2.0, 3.0]), m.tensor([1.0, 0.0, 2.0]))
        write(z)
        found.append(_unpacked(fw, z))
    return found


@_scenario
def a_dual_written_into_a_plain_tensor(m: Any, fw: Any) -> Any:
    t = m.tensor([1.0, 0.0, 2.0])
    b = m.zeros(3)
    b.add_(fw.make_dual(m.ones(3), t))
    c = m.zeros(4)
    other = c[0:2]  # taken before c has a tangent: it gets its share of c's
    c[1:3].copy_(fw.make_dual(m.ones(2), m.tensor([5.0, 6.0])))
    d = m.zeros(3)
    d[1] = fw.make_dual(m.tensor(1.0), m.tensor(7.0))
    e = m.zeros(3)
    e[m.tensor([0, 2])] = fw.make_dual(m.ones(2), m.tensor([7.0, 8.0]))
    f = m.zeros(2, 3)
    f[:, 1] = fw.make_dual(m.ones(2), m.tensor([7.0, 8.0]))
    return [_unpacked(fw, v) for v in (b, c, other, d, e, f)]


@_scenario
def writes_through_the_primal_leave_the_tangent(m: Any, fw: Any) -> Any:
    x = fw.make_dual(m.tensor([1.0, 2.0, 3.0]), m.tensor([1.0, 0.0, 2.0]))
    y = x * 2
    primal = fw.unpack_dual(y).primal
    before = _unpacked(fw, primal[:1])
    primal.mul_(2)
    return [before, _unpacked(fw, y)]


@_scenario
def a_dual_written_through_the_primal(m: Any, fw: Any) -> Any:
    # The primal got no tangent of its own (its root's views skip it): an AssertionError.
    x = fw.make_dual(m.tensor([1.0, 2.0, 3.0]), m.tensor([1.0, 0.0, 2.0]))
    primal = fw.unpack_dual(x).primal
    primal.mul_(x)
    return [_unpacked(fw, primal), _unpacked(fw, x)]


@_scenario
def in_place_shape_ops_and_detach(m: Any, fw: Any) -> Any:
    x = fw.make_dual(m.ones(2, 3), m.arange(6.0).reshape(2, 3)) * 1
    x.t_()
    y = fw.make_dual(m.ones(1, 3), m.arange(3.0).reshape(1, 3)) * 1
    y.squeeze_(0)
    z = fw.make_dual(m.ones(2), m.ones(2)) * 2
    z.detach_()
    return [_unpacked(fw, x), _unpacked(fw, y), _unpacked(fw, z)]


@_scenario
def out_of_place_results_and_integer_ones(m: Any, fw: Any) -> Any:
    x = fw.make_dual(m.tensor([1.0, 3.0, 2.0]), m.tensor([1.0, 0.0, 2.0]))
    return [
        _unpacked(fw, v)
        for v in (
            x.argmax(),
            x > 1,
            x.long(),
            x.floor(),
            x.sign(),
            x.double(),
            x.detach(),
            x.clone(),
            x.max(),
            x.expand(2, 3),
        )
    ]


@pytest.mark.parametrize("case", sorted(INPLACE_SCENARIOS))
def test_views_and_in_place_ops_match_pytorch(case: str) -> None:
    mine, theirs = _both(INPLACE_SCENARIOS[case])
    _close(mine, theirs)


def test_an_in_place_op_on_a_tangent_that_requires_grad_is_refused_after_the_write() -> None:
    def scenario(m: Any, fw: Any) -> Any:
        x = fw.make_dual(m.ones(3), m.ones(3, requires_grad=True))
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
            x.mul_(2)
        return _unpacked(fw, x)

    mine, theirs = _both(scenario)
    _close(mine, theirs)


def test_repr_shows_the_tangent_as_pytorch_does() -> None:
    def scenario(m: Any, fw: Any) -> Any:
        x = fw.make_dual(m.ones(2, 3), m.arange(6.0).reshape(2, 3))
        s = fw.make_dual(m.tensor(1.0, requires_grad=True), m.tensor(1 / 3)) * 1
        return [repr(x), repr(s)]

    mine, theirs = _both(scenario)
    assert mine == [text.replace("torch.", "arraygrad.") for text in theirs]


# --- with backward, no_grad and composites --------------------------------------------------


def test_no_grad_still_computes_tangents() -> None:
    def scenario(m: Any, fw: Any) -> Any:
        x = fw.make_dual(m.tensor([1.0, 2.0], requires_grad=True), m.tensor([1.0, -1.0]))
        with m.no_grad():
            y = m.exp(x)
        return [_unpacked(fw, y), y.requires_grad, fw.unpack_dual(y).tangent.requires_grad]

    mine, theirs = _both(scenario)
    _close(mine, theirs)


def test_backward_on_a_dual_output_gives_the_primals_gradient() -> None:
    def scenario(m: Any, fw: Any) -> Any:
        p = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = (fw.make_dual(p, m.tensor([1.0, 0.0, 2.0])) ** 2).sum()
        y.backward()
        return p.grad.tolist()

    mine, theirs = _both(scenario)
    _close(mine, theirs)


def test_a_tangent_that_requires_grad_is_differentiable() -> None:
    def scenario(m: Any, fw: Any) -> Any:
        t = m.tensor([1.0, 0.0, 2.0], requires_grad=True)
        y = fw.make_dual(m.tensor([1.0, 2.0, 3.0]), t).sin()
        tangent = fw.unpack_dual(y).tangent
        tangent.sum().backward()
        return [tangent.requires_grad, y.requires_grad, t.grad.tolist()]

    mine, theirs = _both(scenario)
    _close(mine, theirs)


def test_reverse_over_forward_hessian_vector_product() -> None:
    def scenario(m: Any, fw: Any) -> Any:
        p = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = (fw.make_dual(p, m.tensor([1.0, 0.0, 2.0])) ** 3).sum()
        tangent = fw.unpack_dual(y).tangent
        (hvp,) = m.autograd.grad(tangent, p)
        return [tangent.item(), hvp.tolist()]

    mine, theirs = _both(scenario)
    _close(mine, theirs)


def test_forward_over_reverse_hessian_vector_product() -> None:
    def scenario(m: Any, fw: Any) -> Any:
        p = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        x = fw.make_dual(p, m.tensor([1.0, 0.0, 2.0]))
        y = (x**3).sum() + (x[0] * x[1]).exp()
        (by_dual,) = m.autograd.grad(y, x, create_graph=True)
        (by_primal,) = m.autograd.grad(y, p, create_graph=True)
        return [_unpacked(fw, by_dual), _unpacked(fw, by_primal)]

    mine, theirs = _both(scenario)
    _close(mine, theirs)


def test_a_custom_function_with_a_jvp_takes_its_tangents_from_it() -> None:
    # jvp was never called: the tangents came from forward's own ops (or the double VJP of
    # backward), and forward saw its inputs' tangents.
    def scenario(m: Any, fw: Any) -> Any:
        calls: list[Any] = []

        class Scaled(m.autograd.Function):
            @staticmethod
            def forward(ctx: Any, x: Any, y: Any, k: float) -> Any:
                ctx.k = k
                calls.append(fw.unpack_dual(x).tangent)  # hidden inside forward
                ctx.save_for_backward(x)
                ctx.save_for_forward(y, None)  # what jvp's saved_tensors gives
                return x * y * k, x + 1

            @staticmethod
            def backward(ctx: Any, g: Any, h: Any) -> Any:
                return g + h, g, None

            @staticmethod
            def jvp(ctx: Any, tx: Any, ty: Any, tk: Any) -> Any:
                (saved_y, nothing) = ctx.saved_tensors
                calls.append([tx.tolist(), ty.tolist(), tk, saved_y.tolist(), nothing])
                return tx * saved_y * (ctx.k + 10), tx + ty

        found = []
        for requires_grad in (False, True):
            x = m.tensor([1.0, 2.0], requires_grad=requires_grad)
            dual = fw.make_dual(x, m.tensor([1.0, 3.0]))
            a, b = Scaled.apply(dual, m.tensor([3.0, 4.0]), 2.0)
            found.append([_unpacked(fw, a), _unpacked(fw, b), a.requires_grad])
        plain, _ = Scaled.apply(m.ones(2), m.ones(2), 1.0)  # no input tangent: jvp not called
        return [found, calls, _unpacked(fw, plain)]

    mine, theirs = _both(scenario)
    _close(mine, theirs)


def test_checkpoint_without_reentrant_gives_the_functions_tangents() -> None:
    # Its one Function node (saved-tensor hooks in PyTorch) gave, for an input that requires
    # grad, the double VJP of a backward that refuses create_graph: a RuntimeError.
    def scenario(m: Any, fw: Any) -> Any:
        import importlib

        checkpoint = importlib.import_module(m.__name__ + ".utils.checkpoint").checkpoint
        x = fw.make_dual(m.tensor([1.0, 2.0], requires_grad=True), m.ones(2))
        y = checkpoint(lambda t: t.sin() * t, x, use_reentrant=False)
        return [_unpacked(fw, y), y.requires_grad]

    mine, theirs = _both(scenario)
    _close(mine, theirs)


def test_saved_tensors_hooks_do_not_see_the_tangents_own_computation() -> None:
    # Each op's tangent, computed through a small graph of its own, passed that graph's saved
    # values through the user's pack hook (8 calls here, where PyTorch makes none).
    def scenario(m: Any, fw: Any) -> Any:
        import importlib

        graph = importlib.import_module(m.__name__ + ".autograd.graph")
        packed: list[Any] = []

        def pack(t: Any) -> Any:
            packed.append(tuple(t.shape))
            return t

        dual = fw.make_dual(m.tensor([1.0, 2.0], dtype=m.float64), m.tensor([1.0, 3.0]))
        with graph.saved_tensors_hooks(pack, lambda t: t):
            y = (dual.exp() * dual).sin()
        return [len(packed), _unpacked(fw, y)]

    mine, theirs = _both(scenario)
    _close(mine, theirs)


def test_set_on_or_from_a_dual_tensor_is_refused_as_pytorch() -> None:
    # set_ gave the tensor the dual's memory but no tangent (None where PyTorch raises).
    def scenario(m: Any, fw: Any) -> Any:
        found = []
        for call in (
            lambda d: m.zeros(2).set_(d),
            lambda d: d.set_(m.zeros(2)),
            lambda d: d.set_(),
            lambda d: fw.unpack_dual(m.zeros(2).set_(d.untyped_storage())).tangent,
        ):
            try:
                found.append(call(fw.make_dual(m.tensor([1.0, 2.0]), m.ones(2))))
            except NotImplementedError as error:
                found.append(str(error))
        return found

    mine, theirs = _both(scenario)
    assert mine == theirs


def test_composites_get_tangents_through_their_primitives() -> None:
    def scenario(m: Any, fw: Any) -> Any:
        F = m.nn.functional
        rng = np.random.default_rng(0)
        x = fw.make_dual(
            m.tensor(rng.standard_normal((2, 3))), m.tensor(rng.standard_normal((2, 3)))
        )
        image = fw.make_dual(
            m.tensor(rng.standard_normal((1, 2, 4, 4))), m.tensor(rng.standard_normal((1, 2, 4, 4)))
        )
        linear = m.nn.Linear(3, 2).double()
        with m.no_grad():
            linear.weight.copy_(m.tensor(rng.standard_normal((2, 3))))
            linear.bias.copy_(m.tensor(rng.standard_normal(2)))
        kernel = m.tensor(rng.standard_normal((3, 2, 2, 2)))
        # a dual parameter: forward AD with respect to the weights
        weight = fw.make_dual(kernel, m.tensor(rng.standard_normal((3, 2, 2, 2))))
        results = [
            F.softmax(x, dim=1),
            F.log_softmax(x, dim=0),
            F.mse_loss(x, m.zeros(2, 3)),
            F.cross_entropy(x, m.tensor([0, 2])),
            linear(x),
            F.gelu(x),
            F.layer_norm(x, (3,)),
            F.conv2d(image, kernel, padding=1),
            F.conv2d(image.detach(), weight),
            F.max_pool2d(image, 2),
            x.var(dim=1),
            m.linalg.norm(x),
        ]
        return [_unpacked(fw, r) for r in results]

    mine, theirs = _both(scenario)
    _close(mine, theirs)


# --- every op table, against PyTorch and finite differences ---------------------------------

ROWS = all_op_tables()

# Rows whose tangents are not J·t by construction: PyTorch's backward for them, which arraygrad
# mirrors, is deliberately not the adjoint of the forward (scaling by frequency, overlapping
# unpooling indices), so tangents derived from it differ from PyTorch's forward rules.
NOT_ADJOINT = {
    "test_functional_conv:embedding_padding_freq",
    "test_functional_layers:max_unpool2d_overlapping_output_size",
}


def _run(lib: Any, fw: Any, spec: OpSpec, arrays: list[Any], tangents: list[Any]) -> list[Any]:
    """Each output's (primal, tangent) as arrays, with the inputs dual where they are float."""
    with fw.dual_level():
        inputs = []
        for array, tangent in zip(arrays, tangents, strict=True):
            x = lib.tensor(array)
            inputs.append(x if tangent is None else fw.make_dual(x, lib.tensor(tangent)))
        found = spec.fn(*inputs)
        outputs = found if isinstance(found, (tuple, list)) else (found,)
        results = []
        for output in outputs:
            if not isinstance(output, (ag.Tensor, torch.Tensor)):
                results.append((output, None))
                continue
            primal, tangent = fw.unpack_dual(output)
            results.append(
                (
                    np.array(primal.detach().numpy()),
                    None if tangent is None else np.array(tangent.detach().numpy()),
                )
            )
        return results


def _finite_differences(spec: OpSpec, arrays: list[Any], tangents: list[Any]) -> list[Any]:
    """Central differences of each float output of ``spec.fn`` along the tangents."""
    step = 1e-6

    def at(sign: float) -> list[Any]:
        moved = [
            a if t is None else a + sign * step * t for a, t in zip(arrays, tangents, strict=True)
        ]
        found = spec.fn(*(ag.tensor(a) for a in moved))
        outputs = found if isinstance(found, (tuple, list)) else (found,)
        return [o.detach().numpy() if isinstance(o, ag.Tensor) else None for o in outputs]

    return [
        None if p is None or not np.issubdtype(p.dtype, np.floating) else (p - n) / (2 * step)
        for p, n in zip(at(1.0), at(-1.0), strict=True)
    ]


@pytest.mark.parametrize("row", sorted(ROWS))
@settings(
    max_examples=1,
    suppress_health_check=list(HealthCheck),
    deadline=None,
    phases=(Phase.explicit, Phase.generate),
)
@given(data=st.data())
def test_op_table_tangents_match_pytorch(row: str, data: st.DataObject) -> None:
    if row in NOT_ADJOINT:
        pytest.skip("PyTorch's backward for this row is not the adjoint of its forward")
    spec = ROWS[row]
    arrays = draw_inputs(spec, data.draw, np.float64, max_dims=2)
    rng = np.random.default_rng(sum(row.encode()))
    tangents = [
        rng.standard_normal(a.shape) if np.issubdtype(a.dtype, np.floating) else None
        for a in arrays
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mine = _run(ag, ag_fw, spec, arrays, tangents)
        try:
            theirs = _run(torch, torch_fw, spec, arrays, tangents)
        except Exception:  # whatever PyTorch's forward AD refuses
            theirs = None  # (no forward rule, or one that fails on empty inputs)
    if theirs is not None:
        assert len(mine) == len(theirs)
        for (primal, tangent), (_, their_tangent) in zip(mine, theirs, strict=True):
            if their_tangent is not None:
                assert tangent is not None, "PyTorch's output has a tangent"
                np.testing.assert_allclose(tangent, their_tangent, rtol=1e-6, atol=1e-8)
            elif tangent is not None and np.any(tangent):
                theirs = None  # PyTorch gives none (scatter_reduce "prod"): check below
            elif isinstance(primal, np.ndarray) and np.issubdtype(primal.dtype, np.floating):
                # PyTorch's results without tangent: ones that do not depend on the inputs
                assert tangent is None or not np.any(tangent)
    if theirs is None and spec.gradcheck:
        expected = _finite_differences(spec, arrays, tangents)
        for (primal, tangent), slope in zip(mine, expected, strict=True):
            if slope is None or not np.all(np.isfinite(primal)):
                continue
            found = np.zeros_like(slope) if tangent is None else tangent
            np.testing.assert_allclose(found, slope, rtol=1e-4, atol=1e-5)


def test_op_tables_were_found() -> None:
    assert len(ROWS) > 500


# --- Variable and the older module paths ----------------------------------------------------


def test_variable_returns_a_leaf_on_the_same_memory() -> None:
    from torch.autograd import Variable as TorchVariable

    from arraygrad.autograd import Variable

    for make, lib in ((Variable, ag), (TorchVariable, torch)):
        source = lib.ones(2, requires_grad=True) * 2
        v = make(source)
        w = make(lib.ones(2), requires_grad=True)
        assert (v.requires_grad, v.grad_fn, v.is_leaf) == (False, None, True)
        assert (w.requires_grad, w.is_leaf) == (True, True)
        assert isinstance(source, make) and isinstance(w, make) and not isinstance(3, make)
        data = lib.ones(2)
        shared = make(data)
        data.add_(1)
        assert shared.tolist() == [2.0, 2.0] and shared._version == 1
        assert make().tolist() == []
    assert repr(Variable(ag.ones(2), True)) == "tensor([1., 1.], requires_grad=True)"


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [((3,), {}), (([1.0],), {}), ((), {"data": 2.0}), ((), {"volatile": True})],
)
def test_variable_errors_and_warnings_are_pytorchs(args: tuple[Any, ...], kwargs: Any) -> None:
    from torch.autograd import Variable as TorchVariable

    from arraygrad.autograd import Variable

    outcomes = []
    for make, lib in ((Variable, ag), (TorchVariable, torch)):
        call_args = args or ((lib.ones(2),) if "volatile" in kwargs else ())
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                make(*call_args, **kwargs)
                outcome = "ok"
            except Exception as error:  # the error itself is compared
                outcome = f"{type(error).__name__}: {error}"
        outcomes.append((outcome, [str(w.message) for w in caught]))
    assert outcomes[0] == outcomes[1]
    with pytest.raises(ValueError, match="volatile and require_grad"):
        Variable(ag.ones(2), requires_grad=True, volatile=True)


def test_older_module_paths_import() -> None:
    from arraygrad.autograd.grad_mode import enable_grad, no_grad, set_grad_enabled
    from arraygrad.autograd.variable import Variable

    assert no_grad is ag.no_grad and enable_grad is ag.enable_grad
    assert set_grad_enabled is ag.set_grad_enabled
    assert Variable is ag.autograd.Variable
    assert ag.autograd.grad_mode.inference_mode is ag.inference_mode


def test_import_arraygrad_leaves_forward_ad_unloaded() -> None:
    script = (
        "import sys, arraygrad\n"
        "names = ('forward_ad', 'variable', 'grad_mode')\n"
        "print(any(f'arraygrad.autograd.{n}' in sys.modules for n in names))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
