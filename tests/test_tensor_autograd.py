"""``Tensor.grad`` as PyTorch 2.13.0 has it (:mod:`arraygrad._tensor_autograd`): the warning on
reading it from a computed tensor that backward never fills, and the checks of an assignment."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag

NON_LEAF = "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed"


def _reads(lib: Any) -> dict[str, Any]:
    """Each way of reading ``.grad``: whether it warns (by name), on ``lib``."""
    x = lib.zeros(2, requires_grad=True)
    retained = x * 2
    retained.retain_grad()
    assigned = x * 3
    assigned.grad = lib.ones(2)
    with lib.no_grad():
        made_without_grad = x * 4
    return {
        "leaf": lambda: x.grad,
        "computed": lambda: (x * 2).grad,
        "view_of_a_leaf": lambda: x[0].grad,
        "retained": lambda: retained.grad,
        "computed_with_an_assigned_grad": lambda: assigned.grad,
        "made_under_no_grad": lambda: made_without_grad.grad,
        "detached": lambda: x.detach().grad,
        "without_requires_grad": lambda: lib.zeros(2).grad,
    }


@pytest.mark.parametrize("case", sorted(_reads(ag)))
def test_reading_grad_warns_where_torch_does(case: str) -> None:
    def warned(lib: Any) -> bool:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            _reads(lib)[case]()
        return any(str(w.message).startswith(NON_LEAF) for w in caught)

    assert warned(ag) == warned(torch)


def test_the_warning_points_at_the_callers_line_and_says_the_fix() -> None:
    y = ag.zeros(2, requires_grad=True) * 2
    with pytest.warns(UserWarning, match=r"retain_grad\(\)") as caught:
        assert y.grad is None
    assert caught[0].filename == __file__


def _assignments(lib: Any) -> dict[str, Any]:
    def leaf(dtype: Any = None) -> Any:
        return lib.zeros(2, requires_grad=True, dtype=dtype or lib.float32)

    def any_dtype() -> Any:
        x = leaf()
        x.grad_dtype = None
        x.grad = lib.zeros(2, dtype=lib.float64)
        return x.grad.dtype

    def itself() -> Any:
        x = leaf()
        x.grad = x

    def computed() -> Any:
        y = leaf() * 2
        y.grad = lib.ones(2)
        return y.grad

    return {
        "a_tensor": lambda: leaf().__setattr__("grad", lib.ones(2)),
        "none": lambda: leaf().__setattr__("grad", None),
        "other_shape": lambda: leaf().__setattr__("grad", lib.zeros(3)),
        "broadcastable_shape": lambda: leaf().__setattr__("grad", lib.zeros(1, 2)),
        "other_dtype": lambda: leaf().__setattr__("grad", lib.zeros(2, dtype=lib.float64)),
        "integer_dtype": lambda: leaf().__setattr__("grad", lib.zeros(2, dtype=lib.int64)),
        "no_requires_grad_other_dtype": lambda: lib.zeros(2).__setattr__(
            "grad", lib.zeros(2, dtype=lib.float64)
        ),
        "a_number": lambda: leaf().__setattr__("grad", 5),
        "an_array": lambda: leaf().__setattr__("grad", np.zeros(2, np.float32)),
        "any_dtype": any_dtype,
        "itself": itself,
        "a_computed_tensor": computed,
        "deleted": lambda: leaf().__delattr__("grad"),
    }


@pytest.mark.parametrize("case", sorted(_assignments(ag)))
def test_assigning_grad_checks_what_torch_checks(case: str) -> None:
    def outcome(lib: Any) -> Any:
        try:
            result = _assignments(lib)[case]()
        except Exception as error:  # the class is what is compared
            return type(error)
        if isinstance(result, (ag.Tensor, torch.Tensor)):
            return result.tolist()
        return str(result).replace("torch.", "").replace("arraygrad.", "")

    assert outcome(ag) == outcome(torch)


def test_the_assignment_errors_name_the_shapes_and_dtypes() -> None:
    x = ag.zeros(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"size '\[3\]' to a tensor of size '\[2\]'"):
        x.grad = ag.zeros(3)
    with pytest.raises(RuntimeError, match="dtype 'double' to a tensor with grad_dtype 'Float'"):
        x.grad = ag.zeros(2, dtype=ag.float64)
    with pytest.raises(TypeError, match=r"got grad of type numpy\.ndarray"):
        x.grad = np.zeros(2)
    assert x.grad is None  # each refused assignment left it as it was
    (x * x).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]


@pytest.mark.parametrize("value", [True, False])
def test_assigning_requires_grad_of_a_computed_tensor_raises_as_torch(value: bool) -> None:
    # (requires_grad_(True) on it is a no-op in both; the assignment is refused in both)
    for lib in (torch, ag):
        y = lib.zeros(2, requires_grad=True) * 2
        assert y.requires_grad_(True) is y
        with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf"):
            y.requires_grad = value
