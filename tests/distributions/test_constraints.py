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


@pytest.mark.parametrize(
    "read",
    [
        lambda c: c.dependent.is_discrete,
        lambda c: c.dependent.event_dim,
        lambda c: c.dependent().is_discrete,
        lambda c: c.dependent(is_discrete=True).event_dim,
        lambda c: c.dependent(event_dim=2).event_dim,
        lambda c: c.dependent_property(lambda self: c.real).is_discrete,
        lambda c: c.dependent_property(lambda self: c.real).event_dim,
        lambda c: c.dependent_property(is_discrete=True)(lambda self: c.real).event_dim,
        lambda c: c.dependent_property(is_discrete=True)(lambda self: c.real).is_discrete,
        lambda c: c.is_dependent(c.dependent_property(lambda self: c.real)),
    ],
)
def test_dependent_attributes_not_given_raise_as_torch(read: Any) -> None:
    # Regression: a dependent constraint not given is_discrete or event_dim reported False
    # and 0; torch cannot tell them without the parameters and raises NotImplementedError.
    outcomes = []
    for lib in (torch, ag):
        try:
            outcomes.append(read(lib.distributions.constraints))
        except NotImplementedError as error:
            outcomes.append(str(error).split(". Fix")[0])
    assert outcomes[1] == outcomes[0]


@pytest.mark.parametrize(
    "name",
    [
        "Binomial",
        "Categorical",
        "GeneralizedPareto",
        "Multinomial",
        "Pareto",
        "TransformedDistribution",
        "Uniform",
        "Independent",
        "MixtureSameFamily",
    ],
)
def test_class_supports_declare_torchs_attributes(name: str) -> None:
    # Regression: the supports that torch declares discrete (Binomial, Categorical) or of event
    # dimension 1 (Multinomial) read as continuous and of 0 on the class.
    outcomes = []
    for lib in (torch, ag):
        support = getattr(lib.distributions, name).support
        found = []
        for attribute in ("is_discrete", "event_dim"):
            try:
                found.append(getattr(support, attribute))
            except NotImplementedError:
                found.append("NotImplementedError")
        outcomes.append(found)
    assert outcomes[1] == outcomes[0]


@pytest.mark.parametrize(
    "make", [lambda c: c.cat([c.real, c.real], 1), lambda c: c.stack([c.real], 1)]
)
def test_cat_and_stack_constraints_check_their_dimension_as_torch(make: Any) -> None:
    # Regression: a dimension the value lacks raised an IndexError (stack) or narrowed the
    # wrong dimension (cat); torch raises an AssertionError.
    for lib in (torch, ag):
        with pytest.raises(AssertionError, match="dim 1 out of range for value with 1 dimensions"):
            make(lib.distributions.constraints).check(lib.zeros(2))


@pytest.mark.parametrize(("count", "lengths"), [(1, [1, 2]), (2, [1]), (1, [])])
def test_cat_constraint_lengths_count_asserts_in_torchs_words(count: int, lengths: list) -> None:
    # Regression: a lengths list of another size than the constraints raised a ValueError in
    # words of arraygrad's own; torch asserts "lengths (2) must match cseq (1)".
    raised = []
    for lib in (torch, ag):
        constraints = lib.distributions.constraints
        with pytest.raises(AssertionError) as info:
            constraints.cat([constraints.real] * count, 0, lengths)
        raised.append(str(info.value))
    assert raised[1].startswith(raised[0]) and "Fix:" in raised[1]
