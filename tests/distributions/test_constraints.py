"""``distributions.constraints`` (``constraints.py``) against torch 2.13.0: the dependent
constraints and their decorator."""

from __future__ import annotations

from typing import Any

import pytest
import torch

import arraygrad as ag


def _uniform_class(lib: Any, keyword_form: bool) -> Any:
    constraints = lib.distributions.constraints
    decorate = (
        constraints.dependent_property(is_discrete=False, event_dim=0)
        if keyword_form
        else constraints.dependent_property
    )

    class Uniform:
        low, high = 0.0, 2.0

        @decorate
        def support(self: Any) -> Any:
            return constraints.interval(self.low, self.high)

    return Uniform


@pytest.mark.parametrize("keyword_form", [True, False])
def test_dependent_property_as_torch(keyword_form: bool) -> None:
    # Regression: dependent_property(is_discrete=..., event_dim=...), torch's decorator
    # factory, raised a TypeError.
    outcomes = []
    for lib in (torch, ag):
        cls = _uniform_class(lib, keyword_form)
        constraints = lib.distributions.constraints
        checked = cls().support.check(lib.tensor([1.0, 3.0])).tolist()
        static = (cls.support.is_discrete, cls.support.event_dim) if keyword_form else None
        outcomes.append((constraints.is_dependent(cls.support), checked, static))
    assert outcomes[1] == outcomes[0]


def test_dependent_called_with_its_attributes_as_torch() -> None:
    outcomes = []
    for lib in (torch, ag):
        made = lib.distributions.constraints.dependent(is_discrete=True, event_dim=2)
        constraints = lib.distributions.constraints
        outcomes.append((made.is_discrete, made.event_dim, constraints.is_dependent(made)))
    assert outcomes[1] == outcomes[0]
