"""validate_args of Binomial, Geometric, NegativeBinomial, Multinomial and StudentT as torch:
invalid parameters and values raise its exception with its message; reprs and constraints."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch

import arraygrad as ag
from tests.oracle import outcome_in_each

INVALID: dict[str, Callable[[Any, Any], Any]] = {
    "binomial probs": lambda D, t: D.Binomial(3, t([0.5, 1.5])),
    "binomial count": lambda D, t: D.Binomial(t(2.5), t(0.5)),
    "binomial negative count": lambda D, t: D.Binomial(t(-1.0), t(0.5)),
    "binomial value": lambda D, t: D.Binomial(3, t(0.5)).log_prob(t(4.0)),
    "binomial both": lambda D, t: D.Binomial(3, t(0.5), t(0.0)),
    "geometric zero": lambda D, t: D.Geometric(t([0.5, 0.0])),
    "geometric probs": lambda D, t: D.Geometric(t(1.5)),
    "geometric value": lambda D, t: D.Geometric(t(0.5)).log_prob(t(-1.0)),
    "negative binomial one": lambda D, t: D.NegativeBinomial(t(2.0), t(1.0)),
    "negative binomial count": lambda D, t: D.NegativeBinomial(t(-2.0), t(0.5)),
    "negative binomial value": lambda D, t: D.NegativeBinomial(t(2.0), t(0.5)).log_prob(t(0.5)),
    "multinomial probs": lambda D, t: D.Multinomial(3, t([0.2, -0.1])),
    "multinomial 0-d": lambda D, t: D.Multinomial(3, t(0.2)),
    "multinomial count": lambda D, t: D.Multinomial(-1, t([0.2, 0.8])),
    "multinomial total": lambda D, t: D.Multinomial(3, t([0.2, 0.8])).log_prob(t([2.0, 2.0])),
    "multinomial negative": lambda D, t: D.Multinomial(3, t([0.2, 0.8])).log_prob(t([-1.0, 4.0])),
    "student df": lambda D, t: D.StudentT(t(-1.0)),
    "student df unvalidated": lambda D, t: D.StudentT(t(-1.0), validate_args=False),
    "student scale": lambda D, t: D.StudentT(t(1.0), 0.0, -1.0),
    "student value": lambda D, t: D.StudentT(t(1.0)).log_prob(t(float("nan"))),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_arguments_raise_torchs_value_error(case: str) -> None:
    messages = []
    for lib in (torch, ag):
        with pytest.raises(ValueError) as error:
            INVALID[case](lib.distributions, lib.tensor)
        messages.append(str(error.value))
    # torch's words first; arraygrad's message then names the fix
    assert messages[1].replace("arraygrad", "torch").startswith(messages[0])


def test_multinomial_needs_one_integer_count_as_torch() -> None:
    for count in (2.5, "tensor"):

        def make(lib: Any, count: Any = count) -> Any:
            n = lib.tensor(2) if count == "tensor" else count
            return lib.distributions.Multinomial(n, lib.tensor([0.5, 0.5]))

        theirs, mine = outcome_in_each(make, (NotImplementedError,))
        assert mine == theirs == "NotImplementedError"


def test_validate_args_false_skips_the_checks() -> None:
    theirs, mine = outcome_in_each(
        lambda lib: (
            lib.distributions.Binomial(3, lib.tensor(0.5), validate_args=False)
            .log_prob(lib.tensor([4.0, 1.5]))
            .tolist()
        )
    )
    assert mine == pytest.approx(theirs) and mine[0] == float("-inf")
    D = ag.distributions
    assert float(D.Geometric(ag.tensor(0.0), validate_args=False).probs) == 0.0
    assert float(D.NegativeBinomial(ag.tensor(2.0), ag.tensor(1.0), validate_args=False).probs) == 1
    value = D.Multinomial(3, ag.tensor([0.2, 0.8]), validate_args=False).log_prob(ag.ones(2))
    assert bool(value.isfinite())


REPRS: list[Callable[[Any, Any], Any]] = [
    lambda D, t: D.Binomial(5, t([0.2, 0.9])),
    lambda D, t: D.Binomial(t(5.0), logits=t(0.3)),
    lambda D, t: D.Binomial(5, t([0.2, 0.9])).support,
    lambda D, t: D.Binomial.arg_constraints,
    lambda D, t: D.Geometric(t(0.3)),
    lambda D, t: (D.Geometric.arg_constraints, D.Geometric.support),
    lambda D, t: D.NegativeBinomial(t(2.0), t(0.3)),
    lambda D, t: (D.NegativeBinomial.arg_constraints, D.NegativeBinomial.support),
    lambda D, t: D.Multinomial(3, t([0.2, 0.8])),
    lambda D, t: (D.Multinomial(3, t([0.2, 0.8])).support, D.Multinomial.arg_constraints),
    lambda D, t: D.StudentT(t(3.0)),
    lambda D, t: (D.StudentT.arg_constraints, D.StudentT.support),
    lambda D, t: [
        (getattr(D, name).has_rsample, getattr(D, name).has_enumerate_support)
        for name in ("Binomial", "Geometric", "NegativeBinomial", "Multinomial", "StudentT")
    ],
    lambda D, t: D.constraints.half_open_interval(0.0, 1.0),
    lambda D, t: D.constraints.multinomial(3).check(t([[1.0, 1.0], [3.0, 1.0], [0.5, 0.5]])),
]


@pytest.mark.parametrize("index", range(len(REPRS)))
def test_repr_as_torch(index: int) -> None:
    theirs, mine = outcome_in_each(lambda lib: repr(REPRS[index](lib.distributions, lib.tensor)))
    assert mine.replace("arraygrad", "torch") == theirs
