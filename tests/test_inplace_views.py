"""Views and in-place writes against torch 2.13.0 ("view + inplace": CopySlices and view
regeneration): every scenario runs the same code on arraygrad and on torch in float64 and
compares the values and the gradients of every leaf."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import arraygrad as ag
from arraygrad import _view_history

LIBS = (ag, torch)


def _leaf(lib: Any, values: Any, requires_grad: bool = True) -> Any:
    return lib.tensor(values, dtype=lib.float64, requires_grad=requires_grad)


def _numbers(tensor: Any) -> Any:
    return None if tensor is None else np.asarray(tensor.detach().tolist(), dtype=np.float64)


def _compare(mine: dict[str, Any], theirs: dict[str, Any]) -> None:
    assert mine.keys() == theirs.keys()
    for name in mine:
        a, b = mine[name], theirs[name]
        if isinstance(b, (bool, type(None), tuple, str)):
            assert a == b, (name, a, b)
        else:
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12, err_msg=name)


def _values(out: dict[str, Any]) -> dict[str, Any]:
    return {
        k: _numbers(v) if isinstance(v, (ag.Tensor, torch.Tensor)) else v for k, v in out.items()
    }


def _run(scenario: Callable[[Any], dict[str, Any]]) -> None:
    """Run ``scenario(lib)`` on both libraries; it returns what to compare (tensors become
    their values; a leaf's gradient is compared through ``leaf.grad``). Where torch raises,
    arraygrad must raise the same class, except where torch refuses a saved *output* that was
    later overwritten: arraygrad saves an in-place op's output apart from the tensor's memory,
    so it can still compute that gradient (a known, more permissive, difference)."""
    try:
        theirs = _values(scenario(torch))
    except RuntimeError as error:
        if "modified by an inplace operation" in str(error) and "output 0 of" in str(error):
            return
        with pytest.raises(type(error)):
            scenario(ag)
        return
    _compare(_values(scenario(ag)), theirs)


# --- the nine faults of the report (/tmp/prof/viewinp.py) -------------------------------------


def _report_case(lib: Any, case: int) -> dict[str, Any]:
    a = _leaf(lib, [1.0, 2.0, 3.0, 4.0])
    x = a * 1
    if case == 0:  # write to the base after taking a view
        v = x[:2]
        x.mul_(2)
        (v * 1).sum().backward()
    elif case == 1:  # write to a view, use the base
        v = x[:2]
        v.mul_(3)
        (x * 1).sum().backward()
    elif case == 2:  # write to a view, use another view
        v = x[:2]
        u = x[1:]
        v.mul_(3)
        (u * 1).sum().backward()
    elif case == 3:  # view of a view, write the base
        v = x[:3]
        u = v[1:]
        x.mul_(2)
        (u * a[1:3]).sum().backward()
    elif case == 4:  # reshape view, write the base
        v = x.view(2, 2)
        x.add_(a)
        (v**2).sum().backward()
    elif case == 5:  # a value that requires grad written through a view of a base that does not
        b = lib.zeros(4, dtype=lib.float64)
        v = b[1:3]
        v.copy_(a[:2] * 2)
        (b * b).sum().backward()
        return {"grad": a.grad, "b": b, "rg": (b.requires_grad, v.requires_grad)}
    elif case == 6:
        b = lib.zeros(4, dtype=lib.float64)
        v = b[1:3]
        u = b[2:]
        v.copy_(a[:2] * 2)
        (u * 1).sum().backward()
        return {"grad": a.grad, "u": u, "rg": (b.requires_grad, u.requires_grad)}
    elif case == 7:  # a view, then the base written, then the view written
        v = x[:2]
        x.mul_(2)
        v.mul_(3)
        (x * 1).sum().backward()
    else:  # a transposed view
        y = (a * 1).view(2, 2)
        t = y.t()
        y.mul_(a.view(2, 2))
        weights = lib.tensor([[1.0, 2], [3, 4]], dtype=lib.float64)
        (t * weights).sum().backward()
        return {"grad": a.grad, "t": t}
    return {"grad": a.grad, "x": x}


@pytest.mark.parametrize("case", range(9))
def test_the_reported_cases_give_torchs_gradients(case: int) -> None:
    _run(lambda lib: _report_case(lib, case))


# --- every view kind x every in-place write ----------------------------------------------------

VIEWS: dict[str, Callable[[Any], Any]] = {
    "slice": lambda x: x[1:3],
    "slice_step": lambda x: x[::2, 1:],
    "select": lambda x: x[1],
    "select_dim1": lambda x: x.select(1, 2),
    "narrow": lambda x: x.narrow(1, 1, 2),
    "t": lambda x: x.t(),
    "permute": lambda x: x.permute(1, 0),
    "transpose_slice": lambda x: x.transpose(0, 1)[1:],
    "view": lambda x: x.view(2, 6),
    "view_flat": lambda x: x.view(-1),
    "reshape": lambda x: x.reshape(3, 4),
    "unsqueeze": lambda x: x.unsqueeze(0),
    "squeeze_view": lambda x: x[1:2].squeeze(0),
    "view_of_view": lambda x: x[1:].t()[1],
    "view_of_view_of_view": lambda x: x.view(2, 6)[:, 2:].reshape(2, 2, 2)[1],
    "ellipsis_none": lambda x: x[..., None, 1:],
}

WRITES: dict[str, Callable[[Any, Any], Any]] = {
    "add_": lambda v, s: v.add_(s * 2),
    "sub_alpha": lambda v, s: v.sub_(s, alpha=2),
    "mul_": lambda v, s: v.mul_(s),
    "iadd": lambda v, s: v.__iadd__(s),
    "div_": lambda v, s: v.div_(s + 1),
    "copy_": lambda v, s: v.copy_(s * 3),
    "fill_": lambda v, s: v.fill_(s),
    "fill_number": lambda v, s: v.fill_(1.5),
    "zero_": lambda v, s: v.zero_(),
    "setitem": lambda v, s: v.__setitem__(0, s * 4),
    "setitem_slice": lambda v, s: v.__setitem__((Ellipsis, slice(0, 1)), s - 1),
    "setitem_index_tensor": lambda v, s: v.__setitem__((v.new_zeros(1).long(),), s * 5),
    "clamp_": lambda v, s: v.clamp_(2.0, 6.0),
    "exp_": lambda v, s: v.exp_(),
    "sigmoid_": lambda v, s: v.sigmoid_(),
    "pow_": lambda v, s: v.pow_(2),
}


def _weights(lib: Any, shape: tuple[int, ...]) -> Any:
    n = int(np.prod(shape))
    return lib.tensor((np.arange(n, dtype=np.float64) % 5 + 1).reshape(shape) / 3)


def _view_write(lib: Any, view: str, write: str, root_requires_grad: bool) -> dict[str, Any]:
    a = _leaf(lib, np.arange(12.0).reshape(4, 3) / 4 - 1)
    s = _leaf(lib, 0.75)
    x = a * 1 if root_requires_grad else lib.zeros(4, 3, dtype=lib.float64) + 0.5
    sibling = x[2:]  # taken before the write, overlapping some views
    v = VIEWS[view](x)
    before = tuple(v.shape)
    WRITES[write](v, s)
    after = x[:, 1]  # taken after the write
    loss = (x * _weights(lib, (4, 3))).sum() + v.sin().sum() * 2 + (sibling**2).sum()
    loss = loss + (after * 3).sum()
    out = {"x": x, "v": v, "sibling": sibling, "shape": (before, tuple(v.shape))}
    out["rg"] = (x.requires_grad, v.requires_grad, sibling.requires_grad, after.requires_grad)
    out["leaf"] = x.is_leaf
    if loss.requires_grad:
        loss.backward()
    out["a.grad"] = a.grad
    out["s.grad"] = s.grad
    out["version"] = (x._version, v._version)
    return out


@pytest.mark.parametrize("write", sorted(WRITES))
@pytest.mark.parametrize("view", sorted(VIEWS))
def test_a_write_through_any_view_gives_torchs_values_and_gradients(view: str, write: str) -> None:
    _run(lambda lib: _view_write(lib, view, write, root_requires_grad=True))


@pytest.mark.parametrize("write", ["add_", "mul_", "copy_", "fill_", "setitem", "zero_"])
@pytest.mark.parametrize("view", sorted(VIEWS))
def test_a_write_into_a_base_that_requires_no_grad_makes_it_and_its_views_require_grad(
    view: str, write: str
) -> None:
    _run(lambda lib: _view_write(lib, view, write, root_requires_grad=False))


# --- sequences of writes: base, views, siblings, views of views --------------------------------

STEPS: dict[str, Callable[[Any, dict[str, Any]], None]] = {
    "view_rows": lambda lib, env: env.__setitem__("rows", env["x"][1:3]),
    "view_t": lambda lib, env: env.__setitem__("t", env["x"].t()),
    "view_col": lambda lib, env: env.__setitem__("col", env["x"][:, 2]),
    "view_flat": lambda lib, env: env.__setitem__("flat", env["x"].view(-1)),
    "mul_base": lambda lib, env: env["x"].mul_(env["s"]),
    "add_base": lambda lib, env: env["x"].add_(env["a"].flip(0)),
    "write_rows": lambda lib, env: env.get("rows", env["x"][1:3]).mul_(env["s"] + 1),
    "write_t": lambda lib, env: env.get("t", env["x"].t())[0].add_(env["s"] * 2),
    "write_col": lambda lib, env: env.get("col", env["x"][:, 2]).copy_(env["s"] - 3),
    "write_flat": lambda lib, env: env.get("flat", env["x"].view(-1))[::5].clamp_(-0.5, 0.5),
    "setitem_base": lambda lib, env: env["x"].__setitem__((0, slice(None)), env["s"]),
    "nograd_write": lambda lib, env: _no_grad(lib, lambda: env["x"][3].mul_(-2)),
    "unary_t": lambda lib, env: env.get("t", env["x"].t()).tanh_(),
}


def _no_grad(lib: Any, fn: Callable[[], Any]) -> None:
    with lib.no_grad():
        fn()


def _sequence(lib: Any, names: list[str], root_requires_grad: bool) -> dict[str, Any]:
    a = _leaf(lib, np.arange(12.0).reshape(4, 3) / 5 - 1)
    s = _leaf(lib, 0.5)
    x = a * 1 if root_requires_grad else lib.ones(4, 3, dtype=lib.float64)
    env: dict[str, Any] = {"a": a, "s": s, "x": x}
    for name in names:
        STEPS[name](lib, env)
        # Reading grad_fn makes torch rebuild a stale view's history now. Untouched, a stale
        # view of a base that was a leaf needing no grad is taken by torch's in-place check for
        # "a leaf Variable that requires grad" (arraygrad's views are never stale).
        for view in ("rows", "t", "col", "flat"):
            if view in env:
                env[view].grad_fn  # noqa: B018
    out: dict[str, Any] = {}
    loss = (x * _weights(lib, (4, 3))).sum()
    for name in ("rows", "t", "col", "flat"):
        if name in env:
            view = env[name]
            out[name] = view
            out[name + ".rg"] = view.requires_grad
            loss = loss + (view.cos() * _weights(lib, tuple(view.shape))).sum()
    out["x"] = x
    out["x.rg"] = x.requires_grad
    if loss.requires_grad:
        loss.backward()
    out["a.grad"], out["s.grad"] = a.grad, s.grad
    return out


@given(
    names=st.lists(st.sampled_from(sorted(STEPS)), min_size=1, max_size=6),
    root_requires_grad=st.booleans(),
)
def test_any_sequence_of_views_and_writes_matches_torch(
    names: list[str], root_requires_grad: bool
) -> None:
    _run(lambda lib: _sequence(lib, names, root_requires_grad))


@pytest.mark.parametrize(
    "names",
    [
        ["view_rows", "view_t", "view_col", "mul_base", "write_rows", "write_t", "write_col"],
        ["view_flat", "write_flat", "write_flat", "view_t", "unary_t", "setitem_base"],
        ["view_rows", "nograd_write", "write_rows", "view_col", "nograd_write", "add_base"],
    ],
)
def test_long_sequences_match_torch(names: list[str]) -> None:
    for root_requires_grad in (True, False):
        _run(functools.partial(_sequence, names=names, root_requires_grad=root_requires_grad))


# --- writes under no_grad, leaves, views made under no_grad -----------------------------------


def test_a_write_under_no_grad_changes_values_and_versions_but_no_history() -> None:
    def scenario(lib: Any) -> dict[str, Any]:
        a = _leaf(lib, [1.0, 2.0, 3.0, 4.0])
        x = a * 2
        v = x[1:3]
        with lib.no_grad():
            v.mul_(10)
            x[0] = 7.0
        w = x[2:]
        (x * v.sum() + w.sum()).sum().backward()
        return {"x": x, "grad": a.grad, "version": (x._version, v._version, w._version)}

    _run(scenario)


def test_a_write_to_a_view_of_a_leaf_that_requires_grad_raises_like_torch() -> None:
    writes = [
        lambda v: v.mul_(2),
        lambda v: v.copy_(torch.ones(2) if isinstance(v, torch.Tensor) else ag.ones(2)),
        lambda v: v.zero_(),
        lambda v: v.__setitem__(0, 1.0),
        lambda v: v.exp_(),
    ]
    for write in writes:
        with pytest.raises(Exception) as theirs:
            write(torch.ones(3, requires_grad=True)[:2])
        a = ag.ones(3, requires_grad=True)
        view = a[:2]
        with pytest.raises(
            type(theirs.value), match="a view of a leaf Variable that requires grad"
        ):
            write(view)
        assert a.tolist() == [1.0, 1.0, 1.0] and a._version == 0 and a.is_leaf
        with ag.no_grad():  # allowed without recording, as in torch
            write(view)
    with ag.no_grad(), torch.no_grad():
        for lib in LIBS:
            a = lib.ones(3, requires_grad=True)
            a[:2].mul_(3)
            assert a.tolist() == [3.0, 3.0, 1.0] and a.is_leaf


def test_a_write_to_a_view_given_requires_grad_itself_raises_like_torch() -> None:
    # x = base.t().requires_grad_() is a leaf whose root is a plain leaf: torch refuses the
    # write (it would replace the leaf's history), also through a view of that view.
    makers = [
        lambda lib: lib.ones(2, 3).t().requires_grad_(),
        lambda lib: lib.ones(2, 3)[0].requires_grad_(),
        lambda lib: lib.ones(2, 3)[0].requires_grad_()[...],
    ]
    writes = [lambda v: v.exp_(), lambda v: v.add_(1), lambda v: v.__setitem__(0, 5.0)]
    for make in makers:
        for write in writes:
            with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires"):
                write(make(torch))
            view = make(ag)
            with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires"):
                write(view)
            assert view.grad_fn is None or view.grad_fn.name() == "AliasBackward0"
            assert view.tolist()[0] != 5.0 and float(view.sum()) == float(view.numel())
    # a plain view written with a tensor that requires grad is recorded, as in torch
    for lib in LIBS:
        base = lib.ones(2, 3)
        row = base[0]
        row.add_(lib.ones(3, requires_grad=True))
        assert row.add_(1).requires_grad and base.requires_grad


def test_a_recorded_write_to_a_view_made_under_no_grad_raises_like_torch() -> None:
    errors = []
    for lib in LIBS:
        a = _leaf(lib, [1.0, 2.0, 3.0, 4.0])
        base = a * 1
        with lib.no_grad():
            view = base[:2]
        with pytest.raises(RuntimeError, match="created in no_grad mode") as error:
            view.mul_(2)
        errors.append(type(error.value))
        assert base._version == 0
    assert errors[0] is errors[1]


def test_a_view_made_under_no_grad_of_a_base_needing_no_grad_is_written_as_torch_would() -> None:
    # torch refuses this too; arraygrad (which marks only views of tensors that require grad,
    # to keep making views cheap) records it as if the view had been made with grad mode on.
    def scenario(lib: Any, no_grad: bool) -> dict[str, Any]:
        a = _leaf(lib, [1.0, 2.0, 3.0, 4.0])
        base = lib.zeros(4, dtype=lib.float64)
        if no_grad:
            with lib.no_grad():
                view = base[:2]
        else:
            view = base[:2]
        view.copy_(a[1:3] * 3)
        (base * base).sum().backward()
        return {"base": base, "grad": a.grad}

    with pytest.raises(RuntimeError, match="created in no_grad mode"):
        scenario(torch, no_grad=True)
    _compare(_values(scenario(ag, no_grad=True)), _values(scenario(torch, no_grad=False)))


# --- double backward through CopySlices --------------------------------------------------------


def test_double_backward_through_a_write_to_a_view() -> None:
    def scenario(lib: Any) -> dict[str, Any]:
        a = _leaf(lib, [0.5, -1.0, 2.0, 1.5])
        c = _leaf(lib, [2.0, 3.0])
        x = a * a
        v = x[1:3]
        v.mul_(c * a[:2])
        u = x.view(2, 2).t()
        y = (u**3).sum() + (x * a).sum()
        (ga, gc) = lib.autograd.grad(y, (a, c), create_graph=True)
        ((ga**2).sum() + (gc * a[2:]).sum()).backward()
        return {"ga": ga, "gc": gc, "a.grad": a.grad, "c.grad": c.grad}

    _run(scenario)


def test_grad_fn_of_a_root_written_through_a_view_is_copy_slices() -> None:
    a = _leaf(ag, [1.0, 2.0, 3.0])
    x = a * 1
    x[1:].mul_(2)
    theirs = torch.tensor([1.0, 2.0, 3.0], requires_grad=True) * 1
    theirs[1:].mul_(2)
    assert x.grad_fn.name() == type(theirs.grad_fn).__name__ == "CopySlices"


WRITES_AND_TORCH_NAMES: dict[str, Callable[[Any], Any]] = {
    "setitem_row_tensor": lambda x: x.__setitem__(0, x.new_ones(4)),
    "setitem_row_number": lambda x: x.__setitem__(0, 5.0),
    "setitem_columns": lambda x: x.__setitem__((slice(None), slice(1, None)), x.new_ones(3)),
    "setitem_ellipsis_column": lambda x: x.__setitem__((Ellipsis, 0), 1.0),
    "setitem_index_list": lambda x: x.__setitem__([0, 1], 5.0),
    "setitem_all_number": lambda x: x.__setitem__((slice(None), slice(None)), 1.0),
    "setitem_all_tensor": lambda x: x.__setitem__(slice(0, 3), x.new_ones(3, 4)),
    "setitem_all_row": lambda x: x.__setitem__(Ellipsis, x.new_ones(4)),
    "copy_": lambda x: x.copy_(x.new_ones(4)),
    "fill_number": lambda x: x.fill_(2.0),
    "fill_tensor": lambda x: x.fill_(x.new_tensor(2.0)),
    "zero_": lambda x: x.zero_(),
    "row_fill_": lambda x: x[1].fill_(2.0),
    # PyTorch writes into x itself only for slices from 0 (or none) to the end or past it
    "setitem_negative_start_covering_all": lambda x: x.__setitem__(slice(-3, None), 2.0),
    "setitem_stop_past_the_end": lambda x: x.__setitem__(slice(0, 100), 2.0),
    "setitem_true": lambda x: x.__setitem__(True, 2.0),
    "setitem_false": lambda x: x.__setitem__(False, 2.0),
}


@pytest.mark.parametrize("name", sorted(WRITES_AND_TORCH_NAMES))
def test_writes_name_their_nodes_as_torch_does(name: str) -> None:
    # x[key] = v is a write through the view x[key] (CopySlices), or into x itself where the
    # key selects all of x; copy_, fill_ and zero_ have nodes of their own names.
    def run(lib: Any) -> Any:
        x = _leaf(lib, np.zeros((3, 4))).clone()
        WRITES_AND_TORCH_NAMES[name](x)
        return x.grad_fn

    mine, theirs = run(ag), run(torch)
    assert mine.name() == type(theirs).__name__


def test_a_zero_dimensional_tensor_written_whole_is_a_copy_as_in_torch() -> None:
    def run(lib: Any) -> Any:
        x = _leaf(lib, 0.0).clone()
        x[...] = 3.0
        return x.grad_fn

    assert run(ag).name() == type(run(torch)).__name__ == "CopyBackwards"


# --- overlapping memory ------------------------------------------------------------------------

OVERLAPPING: dict[str, Callable[[Any], Any]] = {
    "add_": lambda e: e.add_(1),
    "iadd": lambda e: e.__iadd__(1),
    "mul_": lambda e: e.mul_(2),
    "exp_": lambda e: e.exp_(),
    "clamp_": lambda e: e.clamp_(0, 1),
    "copy_": lambda e: e.copy_(e.new_ones(e.shape)),
    "setitem_all": lambda e: e.__setitem__(slice(None), 1.0),
    "expanded_row_view": lambda e: e[:, 0].add_(1),
}
NOT_OVERLAPPING: dict[str, Callable[[Any], Any]] = {
    "fill_": lambda e: e.fill_(1),
    "zero_": lambda e: e.zero_(),
    "setitem_row": lambda e: e.__setitem__(0, 1.0),
    "row_add_": lambda e: e[0].add_(1),
}


@pytest.mark.parametrize("requires_grad", [False, True])
@pytest.mark.parametrize("name", sorted(OVERLAPPING))
def test_an_element_wise_write_into_an_expanded_tensor_raises_like_torch(
    name: str, requires_grad: bool
) -> None:
    op = OVERLAPPING[name]
    with pytest.raises(Exception) as theirs:
        op((torch.ones(2, 3, requires_grad=requires_grad) * 1).expand(2, 2, 3))
    base = ag.ones(2, 3, requires_grad=requires_grad) * 1
    with pytest.raises(type(theirs.value), match="more than one element of the written-to"):
        op(base.expand(2, 2, 3))
    assert base.tolist() == [[1.0] * 3] * 2 and base._version == 0


@pytest.mark.parametrize("recorded", [False, True], ids=["plain", "recorded"])
@pytest.mark.parametrize("size", [3, 5000])
@pytest.mark.parametrize("name", sorted(NOT_OVERLAPPING))
def test_writes_torch_writes_through_an_expanded_tensor_reach_its_base(
    name: str, size: int, recorded: bool
) -> None:
    # An expansion is a writable view of its base (stride 0 along the repeated dimensions), so
    # these writes reach the base, as in PyTorch. (They were refused: NumPy's expansions were
    # copies when small and read-only when large.) A recorded fill_ of the whole expansion is
    # refused: PyTorch's backward refuses it (arraygrad's write does, earlier).
    results: list[Any] = []
    for lib in (torch, ag):
        a = lib.ones(2, size, dtype=lib.float64, requires_grad=True)
        base = a * 2 if recorded else a.detach() * 2
        expanded = base.expand(2, 2, size)
        try:
            NOT_OVERLAPPING[name](expanded)
            outcome = [base.tolist(), expanded.tolist()]
            if recorded:
                weights = lib.arange(float(2 * size), dtype=lib.float64).view(2, size)
                (base * weights).sum().backward()
                outcome.append(a.grad.tolist())
        except RuntimeError as error:
            assert "more than one element of the written-to tensor" in str(error)
            outcome = ["refused"]
        results.append(outcome)
    assert results[1] == results[0]


# Fills of a selection PyTorch writes into an expansion when unrecorded (the indexed ones with
# a deprecation warning): a memory location takes the value written through any of its
# elements. arraygrad refused them all with the overlap error.
SELECTION_FILLS: dict[str, tuple[Callable[[Any], Any], bool]] = {
    "masked_fill_": (lambda e: e.masked_fill_(e.new_tensor([True, False, False]) > 0, 2.0), True),
    "masked_fill_ none": (lambda e: e.masked_fill_(e.new_zeros(e.shape) > 0, 2.0), True),
    "masked_fill_ 0-d value": (lambda e: e.masked_fill_(e < -1, e.new_tensor(2.0)), True),
    "index_fill_": (lambda e: e.index_fill_(-1, e.new_tensor([0]).long(), 2.0), True),
    "index_fill_ empty": (lambda e: e.index_fill_(-1, e.new_zeros(0).long(), 2.0), True),
    "index_put_": (lambda e: e.index_put_((e.new_tensor([1]).long(),), e.new_tensor(2.0)), True),
    # (accumulated: every value sent to a location is added there, 2 * 3 of them here)
    "index_put_ accumulate": (
        lambda e: e.index_put_((e.new_tensor([0, 1]).long(),), e.new_tensor(2.0), True),
        True,
    ),
    "index_put_ accumulate mask": (
        lambda e: e.index_put_((e > 0,), e.new_tensor([0.5]), accumulate=True),
        True,
    ),
    "triu_": (lambda e: e.triu_(), False),
    "tril_": (lambda e: e.tril_(-1), False),
    "fill_diagonal_": (lambda e: e[0].fill_diagonal_(2.0), False),
    "fill_diagonal_ wrap": (lambda e: e[0, :, :2].fill_diagonal_(2.0, wrap=True), False),
}


@pytest.mark.parametrize("name", sorted(SELECTION_FILLS))
def test_fills_of_a_selection_write_an_expanded_tensor_as_torch_does(name: str) -> None:
    op, warns = SELECTION_FILLS[name]
    results: list[Any] = []
    for lib in (torch, ag):
        base = lib.tensor([[1.0], [float("nan")], [-2.0]], dtype=lib.float64)
        expanded = base.expand(2, 3, 3)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            op(expanded)
        said = [str(w.message).split(" on expanded")[0] for w in caught]
        results.append((base.tolist(), expanded.tolist(), base._version, said))
        # (the warning names the caller's line, this file's, as PyTorch's does)
        assert [w.filename for w in caught] == [__file__] * len(caught)
    assert str(results[1]) == str(results[0])
    assert bool(results[1][3]) == warns
    if name.startswith("fill_diagonal_"):
        return  # (recorded, PyTorch's backward takes it: not matched, arraygrad refuses it)
    # Recorded, PyTorch's backward refuses the write; arraygrad's write does, earlier.
    recorded = ag.ones(3, 1, requires_grad=True) * 1
    with pytest.raises(RuntimeError, match="more than one element of the written-to"):
        op(recorded.expand(2, 3, 3))


def test_an_expansion_shows_later_writes_to_its_base_like_torch() -> None:
    results = []
    for lib in (torch, ag):
        x = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)
        expanded = x.expand(2, 3)
        same = x.expand(3)  # a new view even to the same shape, with no repeated element
        x.mul_(10)
        same.add_(1)
        results.append((expanded.tolist(), same.tolist(), x.tolist(), same is x))
    assert results[1] == results[0]


# --- reshape: a view only when it shares memory ------------------------------------------------


def test_a_reshape_that_copies_is_not_a_view_like_torch() -> None:
    def scenario(lib: Any) -> dict[str, Any]:
        a = _leaf(lib, np.arange(6.0).reshape(2, 3))
        y = a * 1
        flat = y.t().reshape(-1)
        shared = y.reshape(-1)
        flat.mul_(a.t().reshape(-1))
        out = {"y": y, "flat": flat, "is_view": (flat._base is None, shared._base is y)}
        out["version"] = (y._version, flat._version)
        (y.sum() + flat.sum() + shared.sum()).backward()
        out["grad"] = a.grad
        return out

    _run(scenario)


# --- in-place shape changes of views and bases --------------------------------------------------


def test_in_place_shape_changes_keep_views_in_step_like_torch() -> None:
    def scenario(lib: Any) -> dict[str, Any]:
        a = _leaf(lib, np.arange(6.0).reshape(2, 3) + 1)
        x = a * 1
        row = x[0]
        col = x[:, 1:2]
        col.t_()
        x.t_()
        x.mul_(2)
        col.add_(a[0, :2])
        later = x[1]
        loss = (row * lib.tensor([1.0, 10, 100], dtype=lib.float64)).sum() + col.sum()
        (loss + (later**2).sum() + x.sum()).backward()
        return {"x": x, "row": row, "col": col, "later": later, "grad": a.grad}

    _run(scenario)


# --- arraygrad.compile --------------------------------------------------------------------------


def _compiled_step(lib: Any, w: Any, x: Any) -> Any:
    h = w * x
    v = h[:2]
    u = h[1:]
    v.mul_(3)
    b = lib.zeros(4, dtype=lib.float64)
    b[1:3].copy_(h[:2] * 2)
    h.t()  # a view that is never used
    loss = (u * u).sum() + (b * h).sum()
    loss.backward()
    grad = w.grad.clone()
    w.grad = None
    return loss, grad


def test_compiled_writes_through_views_equal_eager_and_torch() -> None:
    w_t = _leaf(torch, [1.0, 2.0, 3.0, 4.0])
    x_t = torch.tensor([0.5, 1.0, 1.5, 2.0], dtype=torch.float64)
    expected = _compiled_step(torch, w_t, x_t)
    w = _leaf(ag, [1.0, 2.0, 3.0, 4.0])
    x = ag.tensor([0.5, 1.0, 1.5, 2.0], dtype=ag.float64)
    step = ag.compile(lambda x: _compiled_step(ag, w, x))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback to eager
        for _ in range(3):
            loss, grad = step(x)
            assert loss.item() == expected[0].item()
            assert grad.tolist() == expected[1].tolist()
    assert step.traces == 1


# --- many views: the registry of a root stays small ---------------------------------------------


def test_a_root_indexed_in_a_loop_keeps_few_references_to_dead_views() -> None:
    x = ag.ones(10, 3)
    kept = [x[i] for i in range(5)]
    for _ in range(10_000):
        x[1]
    assert len(x._views) <= 200
    assert all(view._base is x for view in kept)
    a = _leaf(ag, np.ones((10, 3)))
    y = a * 1
    y.mul_(2)  # regenerates the live views only
    for view in kept:  # views of a root that is not y are not touched
        assert view.grad_fn is None


def test_a_buffer_filled_in_a_loop_rebuilds_each_view_once_and_matches_torch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # h[t] = f(h[t - 1]): the graph keeps every view alive, and each write changes the root's
    # history. The views' histories are rebuilt when next used, as PyTorch does, not all of
    # them at every write (which made the loop quadratic: 1,600 steps took 3.5 s, not 80 ms).
    replays = []
    real_replay = _view_history._replay
    monkeypatch.setattr(
        _view_history, "_replay", lambda root, steps: replays.append(1) or real_replay(root, steps)
    )

    def run(lib: Any, steps: int) -> Any:
        w = lib.linspace(0.1, 0.8, 8).requires_grad_()
        h = lib.zeros(steps + 1, 8)
        for t in range(1, steps + 1):
            h[t] = (h[t - 1] * 0.5 + w).tanh()
        (h * lib.arange(float(steps + 1)).reshape(-1, 1)).sum().backward()
        return w.grad

    np.testing.assert_allclose(run(ag, 200).numpy(), run(torch, 200).numpy(), rtol=1e-5)
    assert len(replays) <= 2 * 200  # h[t - 1] rebuilt once per step; was 20,000 in all


@pytest.mark.parametrize("write", ["setitem", "copy_", "index_tensor"])
def test_a_recorded_write_into_a_row_allocates_the_row_not_the_tensor(write: str) -> None:
    # h[t] = v is a write through the view h[t] (PyTorch's CopySlices), h[index] = v an
    # index_put in place: they used to snapshot and rebuild all of h (two 8 MB arrays per write
    # here), so a loop filling a buffer row by row was linear in the buffer's size per step.
    import tracemalloc

    h = ag.zeros(1000, 1000, dtype=ag.float64)
    v = _leaf(ag, np.arange(1000.0))
    h[0] = v  # first write: the root's list of views and other one-off state
    tracemalloc.start()
    try:
        for t in range(1, 4):
            if write == "setitem":
                h[t] = v * 2
            elif write == "copy_":
                h[t].copy_(v * 2)
            else:
                h[ag.tensor([t])] = v * 2
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 200_000, peak  # a few rows (8 kB each), not the 8 MB tensor
    h.sum().backward()
    assert v.grad.tolist() == [7.0] * 1000


def test_a_stale_view_first_read_under_no_grad_keeps_its_new_history() -> None:
    def run(lib: Any) -> Any:
        a = lib.ones(4, requires_grad=True)
        x = a * 1
        v = x[1:3]
        x.mul_(3)  # v's history is now stale
        with lib.no_grad():
            flags = (v.requires_grad, v.is_leaf, v.grad_fn is None)
        (v * v).sum().backward()
        return flags, a.grad.tolist()

    assert run(ag) == run(torch)


def test_views_rebuilt_again_and_again_stay_listed_once() -> None:
    a = ag.ones(6, requires_grad=True)
    x = a * 1
    first, second = x[:2], x[2:4]
    for _ in range(2_000):
        x.mul_(1.0)
        assert first.requires_grad and second.requires_grad  # rebuilt, listed again
    assert len(x._views) <= 200
    assert type(first) is ag.Tensor and first.grad_fn is not None


def test_replacing_data_rebuilds_stale_views_on_the_array_they_view_first() -> None:
    # v's history is stale after the write; the new .data must not be what its steps replay on
    # (torch raises here; the gradient is the one the old array's steps give).
    a = ag.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    x = a * 1
    v = x[2:4]
    x.mul_(2)
    x.data = ag.zeros(3)
    (v * v).sum().backward()
    assert a.grad.tolist() == [0.0, 0.0, 24.0, 32.0]


def test_a_compiled_write_into_an_argument_with_history_runs_eagerly() -> None:
    # The write changes the argument's history, which a replay of array calls cannot redo:
    # the function runs eagerly (with a warning) and the gradient is eager's.
    a = ag.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)

    @ag.compile
    def step(buf: Any) -> Any:
        buf.mul_(2)
        return buf.detach().sum()

    with pytest.warns(RuntimeWarning, match="history of a tensor from outside"):
        step(a * 1)
    for _ in range(3):
        buf = a * 1
        step(buf)
        buf.sum().backward()
        assert a.grad.tolist() == [2.0, 2.0, 2.0, 2.0]
        a.grad = None


def test_a_compiled_step_reading_a_stale_view_argument_replays() -> None:
    a = ag.ones(4, requires_grad=True)
    x = a * 1
    v = x[1:3]

    @ag.compile
    def step(view: Any) -> Any:
        # detached: a result with a graph for a backward after the call would run eagerly
        return (view * 2).sum().detach()

    for _ in range(4):
        x.mul_(1.0)  # v is stale at each call
        step(v)
    assert step.traces == 1 and not step.eager


def test_roots_and_views_pickle_and_deep_copy_as_tensors_of_their_own() -> None:
    # A copied view was a half view: linked to a copy of its root, but with memory of its own,
    # so recorded writes through it lost their history. As PyTorch's pickles of tensors, a
    # copy is now a tensor of its own, with its own version counter.
    import copy
    import pickle

    root = ag.arange(6.0)
    x = root.view(2, 3)
    view = x.t()[1:]
    c = ag.tensor(2.0, requires_grad=True)
    for clone in (pickle.loads(pickle.dumps(view)), copy.deepcopy(view)):
        assert clone.tolist() == view.tolist() and clone._base is None
        clone.mul_(2)
        assert x.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
        assert clone._version == 2 and view._version == 0  # a copy starts at 1 (torch)
        clone.copy_(c * ag.ones(2, 2))  # recorded into the copy's own history
        assert clone.requires_grad and clone.grad_fn.name() == "CopyBackwards"
    for clone in (pickle.loads(pickle.dumps(root)), copy.deepcopy(root)):
        assert clone.tolist() == root.tolist() and not clone.__dict__.get("_views")


# --- views NumPy would have copied ----------------------------------------------------------------

ELEMENT_AND_WINDOW_WRITES: dict[str, Callable[[Any, Any], Any]] = {
    # x[i] of a vector and x[i, j] of a matrix: one element, a 0-d view (NumPy gives a copy)
    "element_copy_": lambda x, b: x[1].copy_(b),
    "element_of_matrix_add_": lambda x, b: x.reshape(2, 3)[1, 2].add_(b),
    "element_mul_": lambda x, b: x[-1].mul_(b),
    # non-overlapping windows of unfold: views, as in torch
    "unfold_window_mul_": lambda x, b: x.unfold(0, 2, 2)[1].mul_(b),
    "unfold_step_past_size": lambda x, b: x.unfold(0, 1, 2)[2].add_(b),
    # windows with a remainder and overlapping windows: strided views (they were copies)
    "unfold_remainder_window_mul_": lambda x, b: x.unfold(0, 2, 4)[1].mul_(b),
    "unfold_overlapping_window_mul_": lambda x, b: x.unfold(0, 3, 1)[2].mul_(b),
    "unfold_overlapping_element_copy_": lambda x, b: x.unfold(0, 3, 2)[1, 0].copy_(b),
    "unfold_overlapping_fill_": lambda x, b: x.unfold(0, 3, 1)[1:3].fill_(b),
}


@pytest.mark.parametrize("name", sorted(ELEMENT_AND_WINDOW_WRITES))
def test_writes_through_elements_and_windows_reach_the_tensor_as_in_torch(name: str) -> None:
    # Before, x[1].copy_(b) wrote into a copy, yet recorded the write: x stayed [0, 0, 0] while
    # b got a gradient.
    write = ELEMENT_AND_WINDOW_WRITES[name]
    results = []
    for lib in (torch, ag):
        a = _leaf(lib, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
        b = lib.tensor(7.0, dtype=lib.float64, requires_grad=True)
        x = a * 1
        write(x, b)
        (x * lib.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], dtype=lib.float64)).sum().backward()
        results.append((x.tolist(), a.grad.tolist(), b.grad.item()))
    assert results[1] == results[0]


@pytest.mark.parametrize(
    "make",
    [
        lambda x: x.t()[2],
        lambda x: x[1:, ::2].t(),
        lambda x: x.view(2, 12)[1, 3:9].view(2, 3),
        lambda x: x.view(4, 3, 2).permute(2, 0, 1)[1],
        lambda x: x.diagonal(1),
        lambda x: x[3, 5],
        lambda x: x.unfold(1, 2, 2)[:, 1],
        lambda x: x.unfold(1, 3, 1)[:, 2],
        lambda x: x.t().unfold(1, 3, 2),
        lambda x: x[::2].diagonal(1),
        lambda x: x.view(2, 3, 4).permute(2, 0, 1).diagonal(0, 0, 2),
    ],
)
def test_a_views_elements_are_found_from_its_memory_as_by_replaying_its_steps(make: Any) -> None:
    # A write through a view scatters into its root at the view's positions: read from the
    # view's memory layout (its own size of work), they must be what replaying the view's
    # steps on the root's positions gives (the root's size of work).
    from arraygrad import _backend, _view_history

    root = ag.arange(24.0).view(4, 6).clone()  # owns its memory: the root of the views
    view = make(root)
    from_memory = _backend.memory_positions(view._data, root._data)
    replayed = _view_history.element_positions((4, 6), view.__dict__["_view_steps"])
    assert from_memory.shape == replayed.shape
    assert from_memory.tolist() == replayed.tolist() == view.long().tolist()


# Each makes an overlapping-window view of a fresh root (from ``lib``) and writes through it.
OVERLAPPING_WINDOW_WRITES: dict[str, Callable[[Any], Any]] = {
    "fill_": lambda v: v.fill_(1.5),
    "zero_": lambda v: v.zero_(),
    "setitem_element": lambda v: v.__setitem__((1, 2), 5.0),
    "setitem_window": lambda v: v.__setitem__(2, 5.0),
    "window_fill_": lambda v: v[1].fill_(-1.0),
}


@pytest.mark.parametrize("recorded", [False, True], ids=["plain", "recorded"])
@pytest.mark.parametrize("name", sorted(OVERLAPPING_WINDOW_WRITES))
def test_writes_through_overlapping_windows_reach_the_tensor_as_in_torch(
    name: str, recorded: bool
) -> None:
    # Overlapping unfold windows used to be a copy: writes through them were silently lost.
    results = []
    for lib in (torch, ag):
        a = _leaf(lib, np.arange(8.0))
        x = a * 1 if recorded else a.detach().clone()
        windows = x.unfold(0, 3, 1)  # window i holds x[i:i + 3]
        try:
            OVERLAPPING_WINDOW_WRITES[name](windows)
        except RuntimeError as error:
            results.append(type(error).__name__)  # only where torch raises too
            continue
        outcome: list[Any] = [x.tolist(), windows.tolist()]
        if recorded:
            (x * lib.arange(8.0, dtype=lib.float64)).sum().backward()
            outcome.append(a.grad.tolist())
        results.append(outcome)
    assert results[1] == results[0]


@pytest.mark.parametrize(
    "write",
    [
        lambda v: v.add_(1.0),
        lambda v: v.mul_(2.0),
        lambda v: v.copy_(ag.ones(v.shape, dtype=ag.float64)),
        lambda v: v.clamp_(0.0, 1.0),
        lambda v: v.__setitem__(Ellipsis, ag.ones(v.shape, dtype=ag.float64)),
    ],
)
@pytest.mark.parametrize("recorded", [False, True], ids=["plain", "recorded"])
def test_element_wise_writes_into_overlapping_windows_are_refused(
    write: Any, recorded: bool
) -> None:
    # PyTorch runs these, with a result that depends on the order its loop visits the windows
    # (x.unfold(0, 3, 1).add_(1) adds 1, 2 or 3 to an element); arraygrad refuses them with
    # PyTorch's error for expanded tensors, and the tensor stays as it was.
    a = _leaf(ag, np.arange(8.0))
    x = a * 1 if recorded else a.detach().clone()
    windows = x.unfold(0, 3, 1)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        write(windows)
    assert x.tolist() == list(np.arange(8.0)) and x._version == 0
    assert windows[1].tolist() == [1.0, 2.0, 3.0]


def test_recorded_region_writes_into_overlapping_windows_match_torch() -> None:
    # A recorded write stores the whole view back, which overlapping windows cannot hold (a
    # stale copy of an element would overwrite the new value): setitem writes the region
    # through a view of it instead, as PyTorch writes the region only.
    results = []
    for lib in (torch, ag):
        a = _leaf(lib, np.arange(8.0))
        x = a * 1
        windows = x.unfold(0, 3, 1)
        b = lib.tensor(2.0, dtype=lib.float64, requires_grad=True)
        windows[1, 1] = b * 3
        windows[4] = b
        windows[2].mul_(b)  # a single window holds distinct elements
        ((x * lib.arange(8.0, dtype=lib.float64)).sum() + (windows**2).sum()).backward()
        results.append((x.tolist(), a.grad.tolist(), b.grad.item()))
    assert results[1] == results[0]


# A root transposed in place (its memory in Fortran order), then given a size-1 axis in place,
# which NumPy strides by 0 or any number; then a recorded write through a view of it, taken
# before or after the new axis. (The write's elements were located in the root through that
# stride: ValueError, seeds 23363, 40213 and 42421 of the views fuzzer.)
SIZE_ONE_AXIS_WRITES: dict[str, Callable[[Any], Any]] = {
    "setitem_slice": lambda x: x.unsqueeze_(0)[:, ::2].__setitem__(0, 5.0),
    "view_taken_before": lambda x: (lambda v: (x.unsqueeze_(0), v.mul_(2.0)))(x[::2]),
    "diagonal_two_axes": lambda x: x.unsqueeze_(0).unsqueeze_(0).diagonal().neg_(),
}


@pytest.mark.parametrize("name", sorted(SIZE_ONE_AXIS_WRITES))
def test_recorded_writes_through_a_transposed_root_with_a_new_size_one_axis(name: str) -> None:
    outcomes = []
    for lib in (torch, ag):
        a = _leaf(lib, np.arange(12.0).reshape(3, 4) / 4 - 1)
        x = a * 1
        x.t_()
        SIZE_ONE_AXIS_WRITES[name](x)
        (x * _weights(lib, tuple(x.shape))).sum().backward()
        outcomes.append((x.tolist(), a.grad.tolist()))
    assert outcomes[1] == outcomes[0]


# Each takes x = a * 1 (a requires grad) and writes into a piece of it.
MULTIPLE_VIEW_WRITES: dict[str, Callable[[Any], Any]] = {
    "split": lambda x: x.split(3)[0].mul_(2),
    "split_sizes": lambda x: x.split([2, 4])[1].add_(1),
    "split_with_sizes": lambda x: x.split_with_sizes([2, 4])[0].mul_(2),
    "chunk_fill_": lambda x: x.chunk(2)[1].fill_(0),
    "unbind": lambda x: x.view(2, 3).unbind(1)[0].mul_(2),
    "view_of_a_split_piece": lambda x: x.split(3)[0][:2].mul_(2),
    "setitem_into_a_piece": lambda x: x.split(3)[1].__setitem__(0, 5.0),
    "tensor_split": lambda x: x.tensor_split(2)[0].mul_(2),  # allowed, as in torch
    "hsplit": lambda x: x.hsplit(2)[1].mul_(2),  # allowed
    "narrow": lambda x: x.narrow(0, 1, 3).mul_(2),  # allowed
    "detached_piece": lambda x: x.split(3)[0].detach().mul_(2),  # allowed, not recorded
}


@pytest.mark.parametrize("name", sorted(MULTIPLE_VIEW_WRITES))
def test_writes_into_outputs_of_split_chunk_unbind_are_refused_as_in_torch(name: str) -> None:
    outcomes = []
    for lib in (torch, ag):
        a = _leaf(lib, np.arange(6.0))
        x = a * 1
        try:
            MULTIPLE_VIEW_WRITES[name](x)
        except RuntimeError as error:
            assert lib is torch or "returns multiple views" in str(error)
            outcomes.append(("refused", x.tolist()))
            continue
        (x * lib.arange(6.0, dtype=lib.float64)).sum().backward()
        outcomes.append((x.tolist(), a.grad.tolist()))
    assert outcomes[1] == outcomes[0]


# Each takes x = a * 1 (a requires grad) and returns a piece of it, taken before a write to x.
PIECES: dict[str, Callable[[Any], Any]] = {
    "unbind": lambda x: x.view(2, 3).unbind(1)[2],
    "split": lambda x: x.split(3)[1],
    "chunk": lambda x: x.chunk(2)[0],
    "split_with_sizes": lambda x: x.split_with_sizes([2, 4])[1],
    "view_of_a_piece": lambda x: x.view(2, 3).unbind(0)[1][1:],
    "tensor_split": lambda x: x.tensor_split(2)[0],  # usable after the write, as in torch
    "narrow": lambda x: x.narrow(0, 1, 3),  # usable
}


@pytest.mark.parametrize("name", sorted(PIECES))
def test_pieces_of_split_chunk_unbind_are_refused_after_a_write_to_their_base(name: str) -> None:
    # Their one backward node cannot be rebuilt for one piece: PyTorch refuses any use of a
    # piece in grad mode once the memory it shows was written (engine fuzzer, seed 21281).
    outcomes = []
    for lib in (torch, ag):
        a = _leaf(lib, np.arange(6.0))
        x = a * 1
        piece = PIECES[name](x)
        x.mul_(2)
        with lib.no_grad():
            seen = ((piece * 3).tolist(), piece.requires_grad, piece.detach().tolist())
        try:
            (
                piece * lib.arange(float(piece.numel()), dtype=lib.float64).view(piece.shape)
            ).sum().backward()
        except RuntimeError as error:
            assert lib is torch or "returns multiple views" in str(error)
            outcomes.append((seen, "refused"))
            continue
        outcomes.append((seen, a.grad.tolist()))
    assert outcomes[1] == outcomes[0]
    assert (outcomes[0][1] == "refused") == (name not in ("tensor_split", "narrow"))


# Passes that start from, or ask for the gradient of, a view ``v`` that a write to its base made
# unusable (a piece of unbind, or a view taken under no_grad); ``y`` depends on the base.
UNUSABLE_VIEW_PASSES: dict[str, Callable[[Any, Any, Any, Any], Any]] = {
    "backward": lambda lib, a, v, y: v.backward(lib.ones(3, dtype=lib.float64)),
    "backward_under_no_grad": lambda lib, a, v, y: _under_no_grad(lib, v),
    "autograd_backward": lambda lib, a, v, y: lib.autograd.backward([v], [v.detach()]),
    "grad_of_it": lambda lib, a, v, y: lib.autograd.grad([v], [a], [v.detach()]),
    "grad_for_it": lambda lib, a, v, y: lib.autograd.grad([y], [v]),
    "backward_inputs": lambda lib, a, v, y: y.backward(inputs=[v]),
}


def _under_no_grad(lib: Any, v: Any) -> None:
    with lib.no_grad():
        v.backward(lib.ones(3, dtype=lib.float64))


@pytest.mark.parametrize("made", ["unbind", "no_grad"])
@pytest.mark.parametrize("name", sorted(UNUSABLE_VIEW_PASSES))
def test_backward_from_a_view_its_base_write_made_unusable_is_refused(name: str, made: str) -> None:
    # The engine runs without grad mode, where such a view read as a leaf: backward from it
    # left a.grad None, and grad() said the input was unused (engine fuzzer, seed 70298).
    for lib in (torch, ag):
        a = _leaf(lib, np.arange(6.0))
        x = a * 1
        if made == "unbind":
            v = x.view(2, 3).unbind(0)[1]
        else:
            with lib.no_grad():
                v = x[1:4]
        y = (x * x).sum()
        x.mul_(2)
        with pytest.raises(RuntimeError, match="modified inplace"):
            UNUSABLE_VIEW_PASSES[name](lib, a, v, y)
        assert a.grad is None


@pytest.mark.parametrize("made", ["unbind", "unbind_retained", "no_grad"])
def test_grad_and_its_flags_of_a_view_its_base_write_made_unusable_read_as_in_torch(
    made: str,
) -> None:
    # PyTorch reads them from the view's grad_fn field, which the write leaves in place: a
    # retained piece still gets its gradient from a pass through a loss taken before the
    # write. arraygrad raised the view's error on reading them (engine fuzzer, seed 170098).
    def run(lib: Any) -> Any:
        a = _leaf(lib, np.arange(6.0))
        x = a * 1
        if made == "no_grad":
            with lib.no_grad():
                v = x[1:4]
        else:
            v = x.view(2, 3).unbind(0)[1]
            if made == "unbind_retained":
                v.retain_grad()
        loss = (x * 3).sum() if made == "no_grad" else (v * 3).sum()
        x.mul_(2)
        seen = []
        for _ in range(2):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                grad = v.grad
            seen.append((None if grad is None else grad.tolist(), len(caught)))
            seen.append((v.retains_grad, v.output_nr, v.requires_grad))
            loss.backward(retain_graph=True)
        return seen, a.grad.tolist()

    assert run(ag) == run(torch)


def test_pieces_of_split_are_writable_outside_the_graph() -> None:
    x = ag.arange(6.0)
    first, _second = x.split(3)
    first.mul_(2)
    a = ag.arange(6.0, requires_grad=True)
    with ag.no_grad():
        a.split(3)[1].fill_(0.0)
    assert x.tolist() == [0.0, 2.0, 4.0, 3.0, 4.0, 5.0]
    assert a.tolist() == [0.0, 1.0, 2.0, 0.0, 0.0, 0.0]


# Found by a differential fuzzer of views and in-place writes against torch; each ran
# differently before (in brackets).
VIEW_SEMANTICS: dict[str, str] = {
    # [contiguous() of a strided vector was a view: the fill reached x]
    "contiguous_copies": "x = lib.zeros(6); c = x[::2].contiguous(); c.fill_(1.0); out = x",
    # [a view op that changed nothing returned the tensor itself: t_() transposed x]
    "squeeze_nothing": "x = lib.zeros(2, 3); v = x.squeeze(); v.t_(); out = (x.shape, v is x)",
    "view_same_shape": "a = lib.ones(3, requires_grad=True); v = a.view(-1); (v * 2).sum()"
    ".backward(); out = (v.is_leaf, v.grad, v is a)",
    "identity_permute": "x = lib.zeros(2, 3); v = x.permute(0, 1); v.unsqueeze_(0); "
    "out = (x.shape, v.shape)",
    "t_of_vector": "x = lib.zeros(3); out = (x.t() is x, x.T is x, x.flatten() is x)",
    "expand_same_shape": "x = lib.zeros(3); v = x.expand(3); v.add_(1); out = (x, v is x)",
    # [an expansion was a copy when small: it missed writes to its base]
    "expansion_sees_writes": "x = lib.ones(3); e = x.expand(2, 3); x.mul_(10); out = e",
    "reshape_of_expansion": "x = lib.zeros(3); r = x.expand(2, 3).reshape(-1); r.fill_(1.0); "
    "out = (r, x)",
    "view_of_expansion": "x = lib.zeros(3); out = x.expand(2, 3).view(-1)",
    # [views ignored a later requires_grad_() of their base: their gradient was lost]
    "requires_grad_after_views": "x = lib.zeros(2, 3); v = x[1]; v.add_(1.0); "
    "x.requires_grad_(); ((x * 1).sum() + (v * 10).sum()).backward(); "
    "out = (v.requires_grad, x.grad)",
    # [a shape op in place under no_grad left a view's history at its old shape: the gradient
    # reached the base untransposed, or backward failed]
    "no_grad_transpose_of_a_view": "a = lib.arange(6.0, requires_grad=True); v = (a * 1)"
    ".view(2, 3)[...]\nwith lib.no_grad():\n    v.transpose_(0, 1)\n"
    "(v * lib.arange(6.0).view(3, 2)).sum().backward(); out = a.grad",
    # [diagonal() of a layout whose two dimensions do not flatten was a copy: writes lost]
    "diagonal_of_strided_rows": "x = lib.zeros(4, 3); x[::2].diagonal().fill_(1.0); out = x",
    "diagonal_of_batched_transpose": "x = lib.zeros(2, 3, 3); x.mT.diagonal(1).fill_(1.5); out = x",
    "diagonal_of_permuted_gradient": "a = lib.ones(2, 3, 4, requires_grad=True); x = a * 1; "
    "x.permute(2, 0, 1).diagonal(0, 0, 2).mul_(3.0); x.sum().backward(); out = a.grad",
    "diagonal_of_strided_rows_gradient": "a = lib.ones(4, 3, requires_grad=True); x = a * 1; "
    "d = x[::2].diagonal(-1); d.mul_(3.0); (x.sum() + (d * d).sum()).backward(); out = a.grad",
    # [a view of a view made under no_grad could be written in grad mode: it changed a leaf]
    "no_grad_chained_view_of_a_leaf": "a = lib.ones(2, 2, requires_grad=True)\n"
    "with lib.no_grad():\n    v = a[1:][0]\nv.mul_(10); out = a",
    "no_grad_unfold_view": "a = lib.ones(4, requires_grad=True); x = a * 1\n"
    "with lib.no_grad():\n    v = x.unfold(0, 2, 2)\nv.mul_(2); out = a",
    # [a gradient of the wrong shape (after t_() under no_grad) was silently reshaped]
    "no_grad_t_of_a_computed_tensor": "a = lib.ones(2, 3, requires_grad=True); x = a * 1\n"
    "with lib.no_grad():\n    x.t_()\n(x * lib.ones(3, 2)).sum().backward(); out = a.grad",
    # [a leaf unsqueezed in place under no_grad after its use: its gradient was summed away]
    "no_grad_unsqueeze_of_a_used_leaf": "a = lib.ones(6, requires_grad=True); x = a.exp()\n"
    "with lib.no_grad():\n    a.unsqueeze_(0)\n"
    "((a * 2).sum() + x.sum()).backward(); out = a.grad",
    "no_grad_squeeze_of_a_view": "a = lib.ones(2, 2, requires_grad=True); v = (a * 1)[:, :1]"
    "\nwith lib.no_grad():\n    v.squeeze_()\n"
    "(v * lib.tensor([1.0, 2.0])).sum().backward(); out = a.grad",
    # [the detached expansion was a plain tensor: the write changed b with NumPy's overlap rules]
    "elementwise_into_detached_expansion": "b = lib.tensor([1.0, 2.0, 3.0]); "
    "b.expand(2, 3).detach().mul_(lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])); out = b",
    "fill_into_detached_expansion": "b = lib.tensor([1.0, 2.0, 3.0], requires_grad=True); "
    "e = b.expand(2, 3).detach(); e.fill_(5.0); out = (b.detach(), e.requires_grad)",
    "element_into_detached_windows": "x = lib.tensor([1.0, 2.0, 3.0]); "
    "d = x.unfold(0, 2, 1).detach(); d[1, 1] = 7.0; out = x",
    # [a view taken before its base's requires_grad_() could write into the leaf]
    "write_through_a_view_from_before_requires_grad": "x = lib.zeros(4); v = x[:2]; "
    "x.requires_grad_(); v.add_(1); out = x",
    "detach_of_a_view": "x = lib.zeros(4); v = x[1:]; v.detach_(); out = x",
    # [an empty write through a view of a 0-d tensor broke backward: "invalid gradient"]
    "empty_write_into_a_0d_tensor": "a = lib.tensor(2.0, requires_grad=True); s = a * 1; "
    "s[None][1:].mul_(2); (s * 3).backward(); out = (a.grad, s.detach())",
    "empty_write_of_a_grad_value_into_a_0d_tensor": "s = lib.tensor(2.0).clone(); "
    "w = lib.ones(0, requires_grad=True); v = s[None][1:]; v.add_(w); s.backward(); "
    "out = (s.requires_grad, v.requires_grad, w.grad)",
    "empty_write_into_a_1d_tensor": "a = lib.ones(3, requires_grad=True); s = a * 1; "
    "s[2:2].mul_(2); (s * 3).sum().backward(); out = (a.grad, s.detach())",
}


@pytest.mark.parametrize("name", sorted(VIEW_SEMANTICS))
def test_view_semantics_found_by_fuzzing_match_torch(name: str) -> None:
    def run(lib: Any) -> Any:
        scope = {"lib": lib}
        try:
            exec(VIEW_SEMANTICS[name], scope)
        except RuntimeError:
            return "RuntimeError"
        out = scope["out"]
        items = out if isinstance(out, tuple) else (out,)
        return [x.tolist() if hasattr(x, "tolist") else x for x in items]

    assert repr(run(ag)) == repr(run(torch)).replace("torch.Size", "arraygrad.Size")


def test_gradients_made_with_create_graph_are_not_expansions() -> None:
    # The gradient of a sum is an expansion of its cotangent; kept as .grad, a later backward
    # added into it in place, reaching every element at once ([4, 4, 4] for [2, 3, 4]).
    results = []
    for lib in (torch, ag):
        x = lib.ones(3, dtype=lib.float64, requires_grad=True)
        x.sum().backward(create_graph=True)
        (x * lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)).sum().backward()
        y = lib.ones(3, dtype=lib.float64, requires_grad=True)
        (g,) = lib.autograd.grad(y.mean(), y, create_graph=True)
        g[0] = 5.0
        results.append((x.grad.tolist(), g.tolist()))
    assert results[1] == results[0]


@pytest.mark.parametrize("value", ["number", "0-d tensor", "0-d tensor requiring grad"])
def test_a_number_written_into_overlapping_windows_is_a_fill_as_in_torch(value: str) -> None:
    results = []
    for lib in (torch, ag):
        a = lib.arange(5.0, dtype=lib.float64, requires_grad=True)
        b = lib.tensor(1.0, dtype=lib.float64, requires_grad=True)
        fill = {"number": 1.0, "0-d tensor": lib.tensor(1.0, dtype=lib.float64)}.get(value, b * 1)
        x = a * 1
        windows = x.unfold(0, 3, 1)
        windows[:2] = fill  # windows 0 and 1 share two elements
        (x * lib.arange(5.0, dtype=lib.float64)).sum().backward()
        plain = lib.arange(5.0, dtype=lib.float64).unfold(0, 3, 1)
        plain[:2] = fill
        results.append((x.tolist(), a.grad.tolist(), b.grad, plain.tolist()))
    assert results[1][:2] == results[0][:2] and results[1][3] == results[0][3]
    grads = [None if r[2] is None else r[2].item() for r in results]
    assert grads[0] == grads[1]


def test_compiled_writes_through_strided_diagonals_equal_eager() -> None:
    # Tracing took every layout for one that reshapes as a view, so the replay wrote into a
    # copy of x[::2] (lost) where eager wrote through a strided diagonal.
    def make() -> Any:
        w = ag.arange(30.0, dtype=ag.float64).reshape(6, 5).requires_grad_()

        def step() -> Any:
            w.grad = None
            t = w * 1
            t[::2].diagonal(1).mul_(5)
            loss = (t * t).sum()
            loss.backward()
            return loss, w.grad

        return step

    eager = make()
    compiled = ag.compile(make())
    for _ in range(3):
        (loss, grad), (compiled_loss, compiled_grad) = eager(), compiled()
        assert loss.item() == compiled_loss.item()
        assert np.array_equal(grad.numpy(), compiled_grad.numpy())


# --- retain_grad() across in-place writes ------------------------------------------------------


def _retained_after_plain_write(lib: Any) -> dict[str, Any]:
    a = _leaf(lib, [1.0, 2.0, 3.0, 4.0])
    x = a * 1
    x.retain_grad()
    x.mul_(2)
    x.sum().backward()
    return {"x.grad": x.grad, "retains": x.retains_grad, "a.grad": a.grad}


def _retained_root_written_through_a_view(lib: Any) -> dict[str, Any]:
    a = _leaf(lib, [1.0, 2.0, 3.0, 4.0])
    x = a * 1
    x.retain_grad()
    x[1:].mul_(2)
    (x * x).sum().backward()
    return {"x.grad": x.grad, "retains": x.retains_grad, "a.grad": a.grad}


def _retained_view_whose_root_is_written(lib: Any) -> dict[str, Any]:
    a = _leaf(lib, [1.0, 2.0, 3.0, 4.0])
    x = a * 1
    v = x[:2]
    v.retain_grad()
    y = v * 5  # a use of v's old value: not part of v.grad after the write, as in PyTorch
    x.mul_(2)
    (y.sum() + (v * v).sum()).backward()
    return {"v.grad": v.grad, "retains": v.retains_grad, "a.grad": a.grad}


def _retained_through_an_in_place_shape_change(lib: Any) -> dict[str, Any]:
    a = _leaf(lib, [1.0, 2.0, 3.0, 4.0])
    x = (a * 1).reshape(2, 2)
    x.retain_grad()
    x.t_()  # PyTorch keeps retain_grad() on the history before t_()
    (x * lib.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=lib.float64)).sum().backward()
    return {"x.grad": x.grad, "a.grad": a.grad}


@pytest.mark.parametrize(
    "scenario",
    [
        _retained_after_plain_write,
        _retained_root_written_through_a_view,
        _retained_view_whose_root_is_written,
        _retained_through_an_in_place_shape_change,
    ],
    ids=lambda f: f.__name__.strip("_"),
)
def test_retain_grad_moves_to_the_latest_value_as_in_torch(scenario: Any) -> None:
    # PyTorch moves retain_grad() to a tensor's new history when an in-place write replaces
    # it (also for a view whose root was written), so .grad is the gradient of the latest value.
    _run(scenario)


INDEX_PUT_VALUES: dict[str, Callable[[Any], Any]] = {
    "float32_0d": lambda lib: lib.tensor(1.0, dtype=lib.float32),
    "float32_vector": lambda lib: lib.tensor([1.0, 2.0], dtype=lib.float32),
    "int64_vector": lambda lib: lib.tensor([1, 2]),
    "bool_vector": lambda lib: lib.tensor([True, False]),
    "number": lambda lib: 1.5,
}


@pytest.mark.parametrize("key", ["indices", "mask"])
@pytest.mark.parametrize("value", sorted(INDEX_PUT_VALUES))
def test_index_put_takes_values_of_the_tensors_dtype_as_torch(key: str, value: str) -> None:
    # Unlike a copy through a view, an indexed write does not convert a tensor's dtype; a 0-d
    # value written through one boolean mask (a masked fill) is the exception.
    def scenario(lib: Any) -> dict[str, Any]:
        x = lib.zeros(3, dtype=lib.float64)
        index = [0, 1] if key == "indices" else lib.tensor([True, False, True])
        x[index] = INDEX_PUT_VALUES[value](lib)
        return {"x": x}

    _run(scenario)


def test_index_put_into_a_root_records_index_put_as_torch() -> None:
    def scenario(lib: Any) -> dict[str, Any]:
        a = _leaf(lib, np.arange(12.0).reshape(3, 4))
        v = _leaf(lib, [10.0, 20.0])
        x = a * 1
        row = x[1]  # a view taken before the writes: its history follows them
        x[[0, 2], [1, 3]] = v * 2
        x[x > 5] = 0.5
        (x * lib.tensor(np.arange(12.0).reshape(3, 4))).sum().backward()
        return {
            "x": x,
            "row": row,
            "a.grad": a.grad,
            "v.grad": v.grad,
            "name": x.grad_fn.name() if lib is ag else type(x.grad_fn).__name__,
        }

    _run(scenario)


BOOL_KEYS: dict[str, Any] = {
    "true": True,
    "false": False,
    "none_true": (None, True),
    "true_row": (True, 1),
}


@pytest.mark.parametrize("key", sorted(BOOL_KEYS))
def test_recorded_writes_with_bools_in_the_key_match_torch(key: str) -> None:
    # x[True] is x[None]: a view PyTorch writes through (NumPy's x[True] is a copy); x[False]
    # selects nothing, and PyTorch writes and records nothing.
    def scenario(lib: Any) -> dict[str, Any]:
        a = _leaf(lib, np.arange(6.0).reshape(2, 3))
        v = _leaf(lib, [5.0, 6.0, 7.0])
        x = a * 1
        x[BOOL_KEYS[key]] = v * 2
        (x * x).sum().backward()
        return {"x": x, "a.grad": a.grad, "v.grad": v.grad}

    _run(scenario)


def test_an_empty_write_into_a_zero_dimensional_root_is_copy_slices_as_in_torch() -> None:
    def run(lib: Any) -> Any:
        r = _leaf(lib, 2.0) * 1
        r.view(-1)[:0] = lib.zeros(0, dtype=lib.float64)
        return r.grad_fn

    assert run(ag).name() == type(run(torch)).__name__ == "CopySlices"


@pytest.mark.parametrize("write", ["setitem", "copy_"])
def test_a_compiled_step_copying_a_captured_tensor_into_a_buffer_is_replayed(write: str) -> None:
    # The captured tensor reaches the trace through the write itself (no other op reads it).
    h0 = ag.tensor([1.0, 2.0, 3.0], dtype=ag.float64)
    w = _leaf(ag, [0.5, 0.25, 2.0])

    def step() -> Any:
        buf = ag.zeros(2, 3, dtype=ag.float64)
        if write == "setitem":
            buf[0] = h0
        else:
            buf[0].copy_(h0)
        buf[1] = buf[0] * w
        return buf.sum().detach()  # (a result with a graph for a later backward runs eagerly)

    compiled = ag.compile(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback to eager
        for _ in range(3):
            assert compiled().item() == step().item() == 13.0
    h0.add_(1.0)  # read again on every call
    assert compiled().item() == step().item()


def test_a_write_into_a_detach_of_overlapping_windows_keeps_the_roots_history_as_torch() -> None:
    # The detach() shares the root's memory (the root sees the values) but not its history:
    # the root's gradient is unchanged, and the detached tensor's own history has the write.
    def scenario(lib: Any) -> dict[str, Any]:
        a = _leaf(lib, [1.0, 2.0, 3.0])
        v = _leaf(lib, [5.0, 6.0])
        x = a * 1
        d = x.unfold(0, 2, 1).detach()
        d[0] = v * 1
        (x.sum() + (d * d).sum()).backward()
        return {"x": x, "d": d, "a.grad": a.grad, "v.grad": v.grad, "requires": d.requires_grad}

    _run(scenario)


NO_GRAD_VIEW_USES: dict[str, Callable[[Any, Any], Any]] = {
    "values": lambda lib, v: v.tolist(),
    "repr": lambda lib, v: repr(v).replace(lib.__name__ + ".", ""),
    "detach": lambda lib, v: v.detach().tolist(),
    "requires_grad": lambda lib, v: v.requires_grad,
    "grad_fn": lambda lib, v: v.grad_fn,
    "is_leaf": lambda lib, v: v.is_leaf,
    "op_in_grad_mode": lambda lib, v: (v + 1).tolist(),
    "op_under_no_grad": lambda lib, v: lib.no_grad()(lambda: (v + 1).tolist())(),
}


@pytest.mark.parametrize("use", sorted(NO_GRAD_VIEW_USES))
def test_a_view_made_under_no_grad_is_refused_in_grad_mode_after_its_base_is_written(
    use: str,
) -> None:
    # PyTorch: the view's history is ambiguous once its base was written with grad mode on, so
    # using it in grad mode raises; its values, and uses under no_grad, stay fine. arraygrad
    # used it as a constant, silently.
    def run(lib: Any) -> Any:
        a = _leaf(lib, [1.0, 2.0, 3.0, 4.0])
        x = a * 1
        with lib.no_grad():
            v = x[:2]
        x.mul_(2)
        try:
            got = NO_GRAD_VIEW_USES[use](lib, v)
        except RuntimeError as error:
            assert "created in no_grad mode" in str(error)
            return RuntimeError
        return None if got is None else got if not hasattr(got, "name") else "node"

    assert run(ag) == run(torch)


ONE_ELEMENT_THROUGH_A_MASK = [
    "x[m] = lib.tensor([2.0], dtype=lib.float64)",
    "x[m] = lib.tensor([[2.0]], dtype=lib.float64)",
    "y[rm] = lib.tensor([2.0], dtype=lib.float64)",
    "y[:, cm] = lib.tensor(2.0, dtype=lib.float64)",
    "y[1, cm] = lib.tensor(2.0, dtype=lib.float64)",
    "y[..., cm] = lib.tensor(2.0, dtype=lib.float64)",
    "x[m, None] = lib.tensor(2.0, dtype=lib.float64)",
    "x[m] = lib.tensor([2.0, 3.0], dtype=lib.float64)",
    "x[[0, 1]] = lib.tensor(2.0, dtype=lib.float64)",
]


@pytest.mark.parametrize("write", ONE_ELEMENT_THROUGH_A_MASK)
def test_one_element_of_another_dtype_through_one_mask_converts_as_in_torch(write: str) -> None:
    def scenario(lib: Any) -> dict[str, Any]:
        x, y = lib.zeros(4), lib.zeros(3, 4)
        names = {"x": x, "y": y, "lib": lib, "m": lib.tensor([True, False, True, False])}
        names.update(rm=lib.tensor([True, False, True]), cm=lib.tensor([True, False, True, True]))
        exec(write, names)
        return {"x": x, "y": y}

    _run(scenario)


ROOT_REGION_WRITES: dict[str, Callable[[Any, Any], Any]] = {
    "row": lambda x, v: x.__setitem__(1, v[0]),
    "negative row": lambda x, v: x.__setitem__(-1, v[1]),
    "element": lambda x, v: x.__setitem__((2, 3), v[0, 0]),
    "rows": lambda x, v: x.__setitem__(slice(1, 3), v[:2]),
    "strided columns": lambda x, v: x.__setitem__((slice(None), slice(0, 4, 2)), v[:, ::2]),
    "new axis": lambda x, v: x.__setitem__((None, 0), v[0][None]),
    "ellipsis": lambda x, v: x.__setitem__((Ellipsis, 1), v[:, 1]),
    # a negative start covering every row: a write through a view in PyTorch, of x itself
    "all rows from -3": lambda x, v: x.__setitem__(slice(-3, None), v),
    "itself from -3": lambda x, v: x.__setitem__(slice(-3, None), x),
}


@pytest.mark.parametrize("name", sorted(ROOT_REGION_WRITES))
def test_a_tensor_written_into_part_of_a_root_matches_torch(name: str) -> None:
    # Written straight into the root, with the history a write through the view x[key] gives
    # it (CopySlices): views made before and after, retained grads and versions as in PyTorch.
    def run(lib: Any) -> list[Any]:
        x0 = _leaf(lib, np.arange(12.0).reshape(3, 4))
        v0 = _leaf(lib, np.arange(12.0).reshape(3, 4) * 0.5 - 2.0)
        x, v = x0 * 1.5, v0.tanh()
        x.retain_grad()
        before = x[0:2]
        version = x._version
        ROOT_REGION_WRITES[name](x, v)
        after = x[:, 1]
        loss = (x * x).sum() + (before * 3.0).sum() + (after * 5.0).sum()
        loss.backward()
        names = [x.grad_fn, before.grad_fn, after.grad_fn]
        return [
            x.detach().numpy().copy(),
            x0.grad.numpy(),
            v0.grad.numpy() if v0.grad is not None else None,
            x.grad.numpy(),
            x._version - version,
            [type(n).__name__ if lib is torch else n.name() for n in names],
        ]

    mine, theirs = run(ag), run(torch)
    for mine_value, their_value in zip(mine[:4], theirs[:4], strict=True):
        if their_value is None:
            assert mine_value is None
        else:
            np.testing.assert_allclose(mine_value, their_value, rtol=1e-12)
    assert mine[4] == theirs[4]
    assert mine[5][0] == theirs[5][0] == "CopySlices"
    assert mine[5][2] == theirs[5][2]


@pytest.mark.parametrize("accumulate", [False, True])
def test_index_put_from_memory_of_the_written_tensor_is_refused_as_in_torch(
    accumulate: bool,
) -> None:
    # (a case the fuzzer found: the values were read before the write, silently)
    def run(lib: Any) -> Any:
        h = lib.arange(12.0, dtype=lib.float64).reshape(4, 3)
        with pytest.raises(RuntimeError, match="single memory location") as caught:
            h.index_put_((lib.tensor([0, 2, 3]),), h[1:], accumulate=accumulate)
        # nothing was written, and the tensor stays usable
        assert h.sum().item() == 66.0
        return caught.type

    assert run(ag) is run(torch)


def test_writing_a_tensor_into_a_row_of_a_leaf_names_the_view_as_torch() -> None:
    def message(lib: Any) -> str:
        x = lib.zeros(3, 2, requires_grad=True)
        with pytest.raises(RuntimeError) as caught:
            x[0] = lib.ones(2, requires_grad=True) * 2
        assert x.grad_fn is None and x.sum().item() == 0.0  # unchanged, still usable
        return str(caught.value)

    assert "a view of a leaf Variable that requires grad" in message(torch)
    assert "a view of a leaf Variable that requires grad" in message(ag)
