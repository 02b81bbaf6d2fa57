"""``arraygrad.func`` and ``arraygrad.autograd.functional`` against torch 2.13.0 (float64).

Every function of the table is written against the API both libraries share, run on each
library's tensors from the same NumPy inputs, and every transform's result (nested tuples
included) is compared elementwise with ``rtol=1e-7``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from arraygrad import func as agfunc
from arraygrad.autograd import functional as agF
from tests.oracle import outcome_in_each

RTOL = 1e-7


def _numpy(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return type(value)(_numpy(v) for v in value)
    if isinstance(value, dict):
        return {k: _numpy(v) for k, v in value.items()}
    if isinstance(value, ag.Tensor):
        return np.asarray(value.detach().numpy())
    if isinstance(value, torch.Tensor):
        return value.detach().numpy()
    return value


def assert_same(mine: Any, theirs: Any) -> None:
    """Equal structure (tuple nesting, dict keys) and values within RTOL."""
    mine, theirs = _numpy(mine), _numpy(theirs)
    if isinstance(theirs, (tuple, list)):
        assert isinstance(mine, (tuple, list)), (type(mine), type(theirs))
        assert len(mine) == len(theirs)
        for a, b in zip(mine, theirs, strict=True):
            assert_same(a, b)
    elif isinstance(theirs, dict):
        assert mine.keys() == theirs.keys()
        for key in theirs:
            assert_same(mine[key], theirs[key])
    elif isinstance(theirs, np.ndarray):
        assert isinstance(mine, np.ndarray), type(mine)
        assert mine.shape == theirs.shape
        np.testing.assert_allclose(mine, theirs, rtol=RTOL, atol=1e-12)
    else:
        assert mine == theirs


# name -> (function, input shapes); every function maps tensors to a tensor or tuple of them.
FUNCTIONS: dict[str, tuple[Callable[..., Any], tuple[tuple[int, ...], ...]]] = {
    "cube_sum": (lambda x: (x**3).sum(), ((3,),)),
    "sin_times_x": (lambda x: x.sin() * x, ((4,),)),
    "two_inputs": (lambda x, y: (x * y.exp()).sum(), ((3,), (3,))),
    "matmul_tanh": (lambda a, b: (a @ b).tanh(), ((2, 3), (3, 2))),
    "two_outputs": (lambda x: (x * 2.0, x.exp()), ((2,),)),
    "broadcast": (lambda x, y: (x * y).sigmoid(), ((2, 1), (3,))),
    "scalar_input": (lambda x: x.exp() * x, ((),)),
}
SCALAR = ["cube_sum", "two_inputs", "scalar_input"]


def _inputs(name: str, lib: Any, seed: int = 0) -> list[Any]:
    rng = np.random.default_rng(seed)
    shapes = FUNCTIONS[name][1]
    return [lib.tensor(rng.uniform(-1.5, 1.5, size=s)) for s in shapes]


def _like_outputs(name: str, lib: Any, seed: int = 1) -> Any:
    fn = FUNCTIONS[name][0]
    outputs = fn(*_inputs(name, lib))
    rng = np.random.default_rng(seed)
    if isinstance(outputs, tuple):
        return tuple(lib.tensor(rng.standard_normal(tuple(o.shape))) for o in outputs)
    return lib.tensor(rng.standard_normal(tuple(outputs.shape)))


def _pack(values: list[Any]) -> Any:
    return values[0] if len(values) == 1 else tuple(values)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_functional_vjp_jvp_jacobian(name: str) -> None:
    fn = FUNCTIONS[name][0]
    mine_in, torch_in = _pack(_inputs(name, ag)), _pack(_inputs(name, torch))
    v_mine, v_torch = _like_outputs(name, ag), _like_outputs(name, torch)
    assert_same(agF.vjp(fn, mine_in, v_mine), torch.autograd.functional.vjp(fn, torch_in, v_torch))
    u_mine = _pack(_inputs(name, ag, seed=2))
    u_torch = _pack(_inputs(name, torch, seed=2))
    assert_same(agF.jvp(fn, mine_in, u_mine), torch.autograd.functional.jvp(fn, torch_in, u_torch))
    assert_same(agF.jacobian(fn, mine_in), torch.autograd.functional.jacobian(fn, torch_in))
    assert_same(
        agF.jacobian(fn, mine_in, vectorize=True, strategy="forward-mode"),
        torch.autograd.functional.jacobian(fn, torch_in),
    )


@pytest.mark.parametrize("name", SCALAR)
def test_functional_second_order(name: str) -> None:
    fn = FUNCTIONS[name][0]
    mine_in, torch_in = _pack(_inputs(name, ag)), _pack(_inputs(name, torch))
    u_mine = _pack(_inputs(name, ag, seed=2))
    u_torch = _pack(_inputs(name, torch, seed=2))
    assert_same(agF.hessian(fn, mine_in), torch.autograd.functional.hessian(fn, torch_in))
    assert_same(agF.hvp(fn, mine_in, u_mine), torch.autograd.functional.hvp(fn, torch_in, u_torch))
    assert_same(agF.vhp(fn, mine_in, u_mine), torch.autograd.functional.vhp(fn, torch_in, u_torch))


def test_functional_create_graph_and_strict() -> None:
    x = ag.tensor([0.5, 1.0], dtype=ag.float64, requires_grad=True)
    _, grad = agF.vjp(lambda t: (t**3).sum(), x, create_graph=True)
    assert grad.requires_grad
    (second,) = ag.autograd.grad(grad.sum(), x)
    np.testing.assert_allclose(second.numpy(), 6 * x.detach().numpy())
    _, detached = agF.vjp(lambda t: (t**3).sum(), x)
    assert not detached.requires_grad
    y = ag.tensor([1.0], dtype=ag.float64)
    with pytest.raises(RuntimeError, match="independent of input 1"):
        agF.vjp(lambda a, b: a.sum(), (x, y), strict=True)
    _, grads = agF.vjp(lambda a, b: a.sum(), (x, y))
    assert grads[1].tolist() == [0.0]
    with pytest.raises(RuntimeError, match="single element"):
        agF.vjp(lambda t: t * 2, x)
    with pytest.raises(TypeError):
        agF.jacobian(lambda t: t, [1.0])


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_func_transforms(name: str) -> None:
    fn, shapes = FUNCTIONS[name]
    mine, theirs = _inputs(name, ag), _inputs(name, torch)
    argnums = tuple(range(len(shapes))) if len(shapes) > 1 else 0
    assert_same(agfunc.jacrev(fn, argnums)(*mine), torch.func.jacrev(fn, argnums)(*theirs))
    assert_same(agfunc.jacfwd(fn, argnums)(*mine), torch.func.jacfwd(fn, argnums)(*theirs))
    tangents_mine = tuple(_inputs(name, ag, seed=2))
    tangents_torch = tuple(_inputs(name, torch, seed=2))
    assert_same(
        agfunc.jvp(fn, tuple(mine), tangents_mine),
        torch.func.jvp(fn, tuple(theirs), tangents_torch),
    )
    out_mine, vjp_mine = agfunc.vjp(fn, *mine)
    out_torch, vjp_torch = torch.func.vjp(fn, *theirs)
    assert_same(out_mine, out_torch)
    cot_mine, cot_torch = _like_outputs(name, ag), _like_outputs(name, torch)
    assert_same(vjp_mine(cot_mine), vjp_torch(cot_torch))
    assert_same(vjp_mine(cot_mine), vjp_torch(cot_torch))  # vjp_fn can be called again
    if name in SCALAR:
        assert_same(agfunc.grad(fn, argnums)(*mine), torch.func.grad(fn, argnums)(*theirs))
        assert_same(
            agfunc.grad_and_value(fn, argnums)(*mine),
            torch.func.grad_and_value(fn, argnums)(*theirs),
        )
        assert_same(agfunc.hessian(fn, argnums)(*mine), torch.func.hessian(fn, argnums)(*theirs))


def test_func_nesting_aux_and_pytrees() -> None:
    x_np = np.array([0.3, -0.7, 1.1])
    x, xt = ag.tensor(x_np), torch.tensor(x_np)

    def f(t: Any) -> Any:
        return (t.sin() * t).sum()

    # grad of grad: the diagonal of the Hessian for a separable function
    assert_same(
        agfunc.grad(lambda t: agfunc.grad(f)(t).sum())(x),
        torch.func.grad(lambda t: torch.func.grad(f)(t).sum())(xt),
    )
    assert_same(agfunc.jacrev(agfunc.jacrev(f))(x), torch.func.jacrev(torch.func.jacrev(f))(xt))

    def with_aux(t: Any) -> Any:
        return (t**2).sum(), {"double": t * 2}

    assert_same(agfunc.grad(with_aux, has_aux=True)(x), torch.func.grad(with_aux, has_aux=True)(xt))
    assert_same(
        agfunc.grad_and_value(with_aux, has_aux=True)(x),
        torch.func.grad_and_value(with_aux, has_aux=True)(xt),
    )
    assert_same(
        agfunc.jacrev(with_aux, has_aux=True)(x), torch.func.jacrev(with_aux, has_aux=True)(xt)
    )

    def tree_fn(params: dict[str, Any], data: Any) -> Any:
        return ((params["w"] * data + params["b"]) ** 2).sum()

    params = {"w": ag.tensor(np.array([1.5, -0.5])), "b": ag.tensor(np.array(0.25))}
    tparams = {"w": torch.tensor(np.array([1.5, -0.5])), "b": torch.tensor(np.array(0.25))}
    data = np.array([0.1, 0.2])
    assert_same(
        agfunc.grad(tree_fn)(params, ag.tensor(data)),
        torch.func.grad(tree_fn)(tparams, torch.tensor(data)),
    )
    result = agfunc.grad(f)(x)
    assert not result.requires_grad and result.grad_fn is None


def test_func_closure_over_parameters_keeps_graph() -> None:
    """A transform inside a loss: the parameter it closes over still gets its gradient."""
    w_np = np.array([0.5, -1.0])
    w = ag.tensor(w_np, requires_grad=True)
    wt = torch.tensor(w_np, requires_grad=True)
    x_np = np.array([1.0, 2.0])

    def penalty(lib: Any, param: Any) -> Any:
        def inner(t: Any) -> Any:
            return (param * t**2).sum()

        transform = agfunc if lib is ag else torch.func
        return (transform.grad(inner)(lib.tensor(x_np)) ** 2).sum()

    penalty(ag, w).backward()
    penalty(torch, wt).backward()
    assert_same(w.grad, wt.grad)


def test_func_errors() -> None:
    x = ag.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match="scalar"):
        agfunc.grad(lambda t: t * 2)(x)
    with pytest.raises(RuntimeError, match="argnums"):
        agfunc.grad(lambda t: t.sum(), argnums=3)(x)
    with pytest.raises(RuntimeError, match="tuple"):
        agfunc.grad(lambda t: t.sum(), has_aux=True)(x)
    with pytest.raises(RuntimeError, match="tuples"):
        agfunc.jvp(lambda t: t, x, x)


def _outcome(call: Callable[[Any, Any], Any]) -> tuple[Any, Any]:
    """``call(lib, transforms)`` on torch and on arraygrad: each result, or its exception class."""
    outcomes = []
    for lib, transforms in ((torch, torch.func), (ag, agfunc)):
        try:
            outcomes.append(call(lib, transforms))
        except Exception as error:  # the class is what is compared
            outcomes.append(type(error).__name__)
    return outcomes[0], outcomes[1]


ARGNUM_CALLS: dict[str, Callable[[Any, Any], Any]] = {
    # the same argument twice used to give zeros for the first copy
    "duplicate": lambda lib, tf: tf.grad(lambda a, b: (a * b).sum(), argnums=(0, 0))(
        lib.tensor([1.0]), lib.tensor([2.0])
    ),
    "duplicate after wrapping": lambda lib, tf: tf.jacrev(lambda a, b: a * b, argnums=(1, -1))(
        lib.tensor([1.0]), lib.tensor([2.0])
    ),
    "float": lambda lib, tf: tf.grad(lambda a: a.sum(), argnums=0.0)(lib.tensor([1.0])),
    "list": lambda lib, tf: tf.grad(lambda a: a.sum(), argnums=[0])(lib.tensor([1.0])),
}


@pytest.mark.parametrize("name", sorted(ARGNUM_CALLS))
def test_func_argnums_are_validated_as_in_torch(name: str) -> None:
    theirs, mine = _outcome(ARGNUM_CALLS[name])
    assert (mine, theirs) == ("RuntimeError", "RuntimeError")


PRIMAL_CALLS: dict[str, Callable[[Any, Any], Any]] = {
    "grad of an integer tensor": lambda lib, tf: tf.grad(lambda a: (a * 2).sum())(
        lib.tensor([1, 2])
    ),
    "jacrev of an integer tensor": lambda lib, tf: tf.jacrev(lambda a: a * 2)(lib.tensor([1, 2])),
    "vjp of an integer tensor": lambda lib, tf: tf.vjp(lambda a: a * 2, lib.tensor([1, 2])),
    "jvp of an integer tensor": lambda lib, tf: tf.jvp(
        lambda a: a * 2, (lib.tensor([1, 2]),), (lib.tensor([1, 1]),)
    ),
    "jacfwd of an integer tensor": lambda lib, tf: tf.jacfwd(lambda a: a * 2)(lib.tensor([1, 2])),
    "grad of a float": lambda lib, tf: tf.grad(lambda a: a * 2)(3.0),
    "grad of a pytree holding a float": lambda lib, tf: tf.grad(lambda p: (p[0] * p[1]).sum())(
        (lib.tensor([1.0]), 3.0)
    ),
    "vjp of a float": lambda lib, tf: tf.vjp(lambda a: a * 2, 3.0),
    "jvp of a float": lambda lib, tf: tf.jvp(lambda a: a * 2, (3.0,), (1.0,)),
    "grad of a one-element vector": lambda lib, tf: tf.grad(lambda a: a * 2)(lib.tensor([1.0])),
    "grad of a 1x1 output": lambda lib, tf: tf.grad(lambda a: a.sum().reshape(1, 1))(
        lib.tensor([1.0, 2.0])
    ),
    "jacrev of an integer output": lambda lib, tf: tf.jacrev(lambda a: (a > 0).long())(
        lib.tensor([1.0, -1.0])
    ),
    "vjp of an integer output": lambda lib, tf: tf.vjp(lambda a: (a > 0).long(), lib.tensor([1.0])),
    "vjp of a float output": lambda lib, tf: tf.vjp(lambda a: 3.0, lib.tensor([1.0])),
    "jacrev of a float output": lambda lib, tf: tf.jacrev(lambda a: 3.0)(lib.tensor([1.0])),
    "jvp with an integer tangent": lambda lib, tf: tf.jvp(
        lambda a: a * 2, (lib.tensor([1.0]),), (lib.tensor([1]),)
    ),
    "jvp of no primals": lambda lib, tf: tf.jvp(lambda: lib.tensor(1.0), (), ()),
    "jvp of a float output": lambda lib, tf: tf.jvp(
        lambda a: 3.0, (lib.tensor([1.0]),), (lib.tensor([1.0]),)
    ),
}


@pytest.mark.parametrize("name", sorted(PRIMAL_CALLS))
def test_func_refuses_what_torch_func_cannot_differentiate(name: str) -> None:
    """Non-tensors, integer tensors and non-scalar ``grad`` outputs raise torch's exception
    class (ValueError or RuntimeError, depending on the transform) instead of giving zeros."""
    theirs, mine = _outcome(PRIMAL_CALLS[name])
    assert isinstance(theirs, str), theirs
    assert mine == theirs


def test_func_jacobian_of_an_empty_output_keeps_the_dtype() -> None:
    """No rows to stack: jacrev has the input's dtype and jacfwd the output's, as in torch."""
    for transform in ("jacrev", "jacfwd"):
        for shape, fn in (((3,), lambda t: t[:0]), ((0,), lambda t: (t * 2).double())):
            mine = getattr(agfunc, transform)(fn)(ag.zeros(shape, dtype=ag.float32))
            theirs = getattr(torch.func, transform)(fn)(torch.zeros(shape, dtype=torch.float32))
            assert (mine.dtype.name, tuple(mine.shape)) == (
                str(theirs.dtype).removeprefix("torch."),
                tuple(theirs.shape),
            ), (transform, shape)


def test_functional_jacobian_rows_carry_a_graph_only_where_torch_does() -> None:
    """Each output's Jacobian comes from that output alone: the Jacobian of a linear output is
    a constant (no graph) even next to a nonlinear one, as in torch."""
    x_np = np.array([0.3, -0.7, 1.1])

    def two(t: Any) -> Any:
        return t**2, t * 2

    for lib, functional in ((torch, torch.autograd.functional), (ag, agF)):
        jac = functional.jacobian(two, lib.tensor(x_np), create_graph=True)
        assert [j.requires_grad for j in jac] == [True, False], lib.__name__
        hess = functional.hessian(
            lambda a, b: (a**3).sum(), (lib.tensor(x_np), lib.tensor(x_np)), create_graph=True
        )
        assert [[h.requires_grad for h in row] for row in hess] == [[True, False], [False, False]]


FUNCTIONAL_CALLS: dict[str, Callable[[Any], Any]] = {
    "vjp of an integer input": lambda F: F.vjp(
        lambda a: a * 2, F.lib.tensor([1, 2]), F.lib.tensor([1, 1])
    ),
    "jvp of an integer input": lambda F: F.jvp(
        lambda a: a * 2, F.lib.tensor([1, 2]), F.lib.tensor([1, 1])
    ),
    "jacobian of an integer input": lambda F: F.jacobian(lambda a: a * 2.0, F.lib.tensor([1, 2])),
    "hessian of an integer input": lambda F: F.hessian(
        lambda a: (a * 2.0).sum(), F.lib.tensor([1, 2])
    ),
    # strict: output 0 does not use input 1, though output 1 does (was missed when every
    # output was pulled back together)
    "strict jacobian, an output independent of an input": lambda F: F.jacobian(
        lambda a, b: (a * 2, b.sin()), (F.lib.tensor([1.0]), F.lib.tensor([1.0])), strict=True
    ),
    "hessian of a 1-tuple": lambda F: F.hessian(lambda a: ((a**3).sum(),), F.lib.tensor([1.0])),
    "hvp of a 1-tuple": lambda F: F.hvp(
        lambda a: ((a**3).sum(),), F.lib.tensor([1.0]), F.lib.tensor([1.0])
    ),
    "vhp of a 1-tuple": lambda F: F.vhp(
        lambda a: ((a**3).sum(),), F.lib.tensor([1.0]), F.lib.tensor([1.0])
    ),
}


class _Functional:
    def __init__(self, lib: Any) -> None:
        self.lib = lib
        self.module = torch.autograd.functional if lib is torch else agF

    def __getattr__(self, name: str) -> Any:
        return getattr(self.module, name)


@pytest.mark.parametrize("name", sorted(FUNCTIONAL_CALLS))
def test_functional_refuses_what_torch_refuses(name: str) -> None:
    outcomes = []
    for lib in (torch, ag):
        try:
            outcomes.append(FUNCTIONAL_CALLS[name](_Functional(lib)))
        except RuntimeError as error:
            outcomes.append(type(error).__name__)
    assert outcomes == ["RuntimeError", "RuntimeError"]


# --- linearize, functionalize, replace_all_batch_norm_modules_ ---------------------------------


def _two_outputs(a: Any, b: Any) -> Any:
    m = torch if isinstance(a, torch.Tensor) else ag
    return (a.sin() * b, m.stack([a.sum(), (b**2).sum()]))


def test_linearize_matches_torch_and_jvp() -> None:
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal(3), rng.standard_normal(3)
    outs = {}
    for m in (torch, ag):
        out, jvp_fn = m.func.linearize(_two_outputs, m.tensor(a), m.tensor(b))
        tangents = [jvp_fn(m.tensor(u), m.tensor(v)) for u, v in ((a, b), (b, -a))]
        outs[m.__name__] = [o.numpy() for o in out] + [t.numpy() for ts in tangents for t in ts]
    for mine, theirs in zip(outs["arraygrad"], outs["torch"], strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(
    "tangents",
    [
        lambda m: (m.ones(3, dtype=m.float64),),  # one tangent for two primals
        lambda m: (m.ones(1, 3, dtype=m.float64), m.ones(3, dtype=m.float64)),
        lambda m: (m.ones(3, dtype=m.float32), m.ones(3, dtype=m.float64)),
        lambda m: ([m.ones(3, dtype=m.float64)], m.ones(3, dtype=m.float64)),
    ],
)
def test_linearize_refuses_tangents_unlike_the_primals_as_torch(tangents: Any) -> None:
    def call(m: Any) -> Any:
        primals = (m.ones(3, dtype=m.float64), m.ones(3, dtype=m.float64))
        return m.func.linearize(_two_outputs, *primals)[1](*tangents(m))

    theirs, mine = outcome_in_each(call)
    assert theirs == mine == "RuntimeError"


def test_functionalize_changes_no_result_nor_input_mutation() -> None:
    # torch's functionalize(f)(x) gives f(x)'s values and copies mutations of the inputs back
    # into them: running f as it is does the same.
    def f(a: Any) -> Any:
        b = a.clone()
        b.add_(1)
        b[0] = 5.0
        a.mul_(2)
        return b * a

    results = []
    for m in (torch, ag):
        for remove in ("mutations", "mutations_and_views"):
            x = m.tensor([1.0, 2.0, 3.0])
            out = m.func.functionalize(f, remove=remove)(x)
            results.append((out.numpy(), x.numpy()))
    for out, x in results[1:]:
        np.testing.assert_array_equal(out, results[0][0])
        np.testing.assert_array_equal(x, results[0][1])
    theirs, mine = outcome_in_each(lambda m: m.func.functionalize(f, remove="views"))
    assert theirs == mine == "RuntimeError"


def test_replace_all_batch_norm_modules_drops_running_stats_as_torch() -> None:
    def build(m: Any) -> Any:
        m.manual_seed(0)
        return m.nn.Sequential(
            m.nn.BatchNorm1d(2),
            m.nn.Sequential(m.nn.BatchNorm2d(2, affine=False)),
            m.nn.InstanceNorm1d(2, track_running_stats=True),  # left alone
        )

    for m in (torch, ag):
        model = build(m)
        assert m.func.replace_all_batch_norm_modules_(model) is model
    mine, theirs = build(ag), build(torch)
    ag.func.replace_all_batch_norm_modules_(mine)
    torch.func.replace_all_batch_norm_modules_(theirs)
    assert list(mine.state_dict()) == list(theirs.state_dict())
    for a, t in ((mine[0], theirs[0]), (mine[1][0], theirs[1][0])):
        assert a.running_mean is a.running_var is a.num_batches_tracked is None
        assert a.track_running_stats is t.track_running_stats is False
    assert mine[2].track_running_stats and mine[2].running_mean is not None
    x = np.random.default_rng(1).standard_normal((4, 2, 3)).astype(np.float32)
    mine.eval()
    theirs.eval()  # batch statistics even in evaluation
    np.testing.assert_allclose(
        mine[0](ag.tensor(x)).detach().numpy(),
        theirs[0](torch.tensor(x)).detach().numpy(),
        rtol=1e-5,
    )


def test_jvp_through_a_rule_that_special_cases_a_zero_cotangent_as_torch() -> None:
    # xlogy's VJP for its first input is 0 where the cotangent is 0: the double-VJP method
    # gave a zero JVP with a zero dummy cotangent (torch: log(y)).
    x, y = [0.0, 1.0, 2.0], [2.0, 3.0, 0.0]

    def both(lib: Any, jvp: Any) -> list[Any]:
        a = lib.tensor(x, dtype=lib.float64)
        b = lib.tensor(y, dtype=lib.float64)
        t = lib.ones(3, dtype=lib.float64)
        return [
            jvp(lambda u: lib.xlogy(u, b), (a,), (t,))[1].tolist(),
            jvp(lambda v: lib.xlogy(a, v), (b,), (t,))[1].tolist(),
        ]

    expected = both(torch, torch.func.jvp)
    assert both(ag, ag.func.jvp) == expected
    assert both(ag, ag.autograd.functional.jvp) == expected
