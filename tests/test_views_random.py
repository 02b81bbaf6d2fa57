"""Random programs of views and in-place writes, run on arraygrad and on torch.

Each program takes views of a tensor (slices, transposes, reshapes, diagonals, windows) and
writes into them and into the tensor in place, some writes under ``no_grad``, then
backpropagates a weighted sum of everything. Both libraries must agree on every value,
``requires_grad`` flag and gradient, and a step that raises in one must raise the same class in
the other. Where torch raises and arraygrad does not, the program stops there: arraygrad rebuilds
a view's history where torch refuses to, and keeps its own copy of what in-place ops save for
backward (``x.exp_()``), so later writes do not make their backward fail.

Left to the tests of ``test_inplace_views.py``: views made under ``no_grad`` (torch gives them
``requires_grad=True``, pytorch/pytorch#11390), ``.data``, expansions and overlapping windows
(arraygrad refuses element-wise writes into repeated elements, which torch runs in its loop's
order), and shape changes in place under ``no_grad`` (torch's gradients keep the old shape's
history). A differential fuzzer of this kind found the differences those tests pin down.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import arraygrad as ag

SHAPES = [(4,), (3, 4), (2, 3, 4), (4, 4)]


def _views(shape: tuple[int, ...]) -> list[str]:
    """View templates (``{v}`` is the tensor) valid for ``shape``."""
    views = ["{v}[None]", "{v}.unsqueeze(-1)", "{v}.squeeze()", "{v}.view(-1)", "{v}[...]"]
    if shape:
        views += ["{v}[1:]", "{v}[::2]", "{v}[0]", "{v}[..., -1]", "{v}.narrow(-1, 0, 1)"]
        if shape[0] >= 2:
            views += ["{v}.unfold(0, 2, 2)", "{v}.select(0, 1)", "{v}.narrow(0, 1, 1)"]
    if len(shape) >= 2:
        views += ["{v}.t()" if len(shape) == 2 else "{v}.transpose(0, 1)", "{v}.diagonal()"]
        views += ["{v}[:, 1]", "{v}.mT", "{v}[1:, ::2]", "{v}.movedim(0, -1)"]
        views += ["{v}.permute(" + ", ".join(map(str, reversed(range(len(shape))))) + ")"]
    return views


def _writes(shape: tuple[int, ...], leaf: str) -> list[str]:
    """In-place write templates for a tensor of ``shape``; ``leaf`` requires grad."""
    writes = [
        "{v}.mul_(2.0)",
        "{v}.add_(1.5)",
        "{v}.zero_()",
        "{v}.fill_(0.25)",
        "{v}.relu_()",
        "{v}.clamp_(-0.5, 0.5)",
        "{v}.exp_()",
        "{v}.neg_()",
        "{v}.copy_(" + leaf + ".reshape(" + repr(shape) + ") * 3)",
        "{v}.mul_(" + leaf + ".reshape(" + repr(shape) + "))",
    ]
    if shape:
        writes += ["{v}[0] = 5.0", "{v}[-1] = " + leaf + ".reshape(" + repr(shape) + ")[0]"]
    if len(shape) >= 2:
        writes += ["{v}.t_()" if len(shape) == 2 else "{v}.transpose_(0, 1)"]
    writes += ["{v}.unsqueeze_(0)", "{v}.squeeze_()"]
    return writes


def _program(seed: int) -> list[str]:
    """The steps of one program, chosen with torch as the oracle of shapes."""
    rng = random.Random(seed)
    shape = rng.choice(SHAPES)
    numel = int(np.prod(shape))
    values = [round(rng.uniform(-2, 2), 2) for _ in range(numel)]
    nested = np.reshape(values, shape).tolist()
    steps = [
        f"a = lib.tensor({nested}, dtype=lib.float64, requires_grad=True)",
        f"b = lib.tensor({values[::-1]}, dtype=lib.float64, requires_grad=True)",
        rng.choice(["x = a * 1", "x = a.clone()", f"x = lib.zeros({shape}, dtype=lib.float64)"]),
    ]
    scope: dict[str, Any] = {"lib": torch}
    for step in steps:
        exec(step, scope)
    names = ["x"]
    for index in range(rng.randint(2, 7)):
        target = rng.choice(names[-3:])
        target_shape = tuple(scope[target].shape)
        if rng.random() < 0.45:
            name = f"v{index}"
            step = f"{name} = " + rng.choice(_views(target_shape)).format(v=target)
        else:
            name = ""
            step = rng.choice(_writes(target_shape, "b")).format(v=target)
            # Not shape changes: under no_grad, torch's own gradients for them are
            # unspecified (they keep the old shape's history), see test_inplace_views.py.
            if rng.random() < 0.25 and not step.endswith(
                ("t_()", "_(0, 1)", "eeze_(0)", "eeze_()")
            ):
                step = "with lib.no_grad():\n    " + step
        try:
            exec(step, scope)
        except Exception:  # invalid for this shape in torch: drawn again
            continue
        steps.append(step)
        if name:
            names.append(name)
    return steps


def _run(lib: Any, steps: list[str], stop: int | None) -> dict[str, Any]:
    """Run ``steps[:stop]`` on ``lib``; what can be observed, or where it raised."""
    scope: dict[str, Any] = {"lib": lib}
    for index, step in enumerate(steps[:stop]):
        try:
            exec(step, scope)
        except Exception as error:  # the class is compared with torch's
            return {"raised": (index, type(error).__name__)}
    tensors = {k: v for k, v in scope.items() if isinstance(v, lib.Tensor)}
    seen = {
        name: (t.detach().numpy().copy(), bool(t.requires_grad), tuple(t.shape))
        for name, t in tensors.items()
    }
    weighted = [
        (t * lib.sin(lib.arange(t.numel(), dtype=lib.float64) + i).reshape(t.shape)).sum()
        for i, t in enumerate(tensors.values())
        if t.requires_grad
    ]
    try:
        if weighted:
            sum(weighted).backward()
    except Exception as error:  # the class is compared with torch's
        return {"seen": seen, "backward raised": type(error).__name__}
    grads = {
        name: None if scope[name].grad is None else scope[name].grad.numpy().copy()
        for name in ("a", "b")
    }
    return {"seen": seen, "grads": grads}


@settings(max_examples=1000, deadline=None, derandomize=True)
@given(st.integers(0, 2**32 - 1))
def test_random_views_and_writes_match_torch(seed: int) -> None:
    steps = _program(seed)
    theirs = _run(torch, steps, None)
    mine = _run(ag, steps, None)
    if "raised" in theirs:
        index = theirs["raised"][0]
        if "raised" not in mine or mine["raised"][0] > index:
            # torch refuses where arraygrad goes on: compare up to that step
            theirs, mine = _run(torch, steps, index), _run(ag, steps, index)
    program = "\n".join(steps)
    assert ("raised" in mine) == ("raised" in theirs), (program, mine, theirs)
    assert "backward raised" not in mine or "backward raised" in theirs, (program, mine)
    if "raised" in theirs:
        assert mine["raised"] == theirs["raised"], program
        return
    for name, (values, requires_grad, shape) in theirs["seen"].items():
        got = mine["seen"][name]
        assert got[2] == shape and got[1] == requires_grad, (program, name)
        np.testing.assert_allclose(got[0], values, rtol=1e-12, atol=1e-12, err_msg=program)
    if "backward raised" in theirs:
        # arraygrad may differentiate where torch refuses (see the module's docstring)
        assert mine.get("backward raised", theirs["backward raised"]) == theirs["backward raised"]
        return
    for name, grad in theirs["grads"].items():
        if grad is None:
            assert mine["grads"][name] is None, (program, name)
        else:
            np.testing.assert_allclose(mine["grads"][name], grad, rtol=1e-12, atol=1e-12)
