"""arraygrad.signal.windows against torch.signal.windows 2.13.0: values for lengths 0, 1, 2
and more, symmetric and periodic, float32 and float64; the keywords; and the errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag

WINDOWS: dict[str, dict[str, Any]] = {
    "bartlett": {},
    "blackman": {},
    "cosine": {},
    "exponential": {},
    "exponential:tau": {"tau": 2.5},
    "exponential:center": {"center": 1.0, "sym": False},
    "gaussian": {},
    "gaussian:std": {"std": 2.0},
    "general_cosine": {"a": [0.46, 0.23, 0.31]},
    "general_hamming": {},
    "general_hamming:alpha": {"alpha": 0.3},
    "hamming": {},
    "hann": {},
    "kaiser": {},
    "kaiser:beta": {"beta": 2.5},
    "kaiser:beta0": {"beta": 0.0},
    "nuttall": {},
}
TOLERANCE = {"float32": 2e-6, "float64": 1e-13}


@pytest.mark.parametrize("dtype", sorted(TOLERANCE))
@pytest.mark.parametrize("sym", [True, False])
@pytest.mark.parametrize("M", [0, 1, 2, 3, 4, 5, 16, 33])
@pytest.mark.parametrize("row", sorted(WINDOWS))
def test_values_match_torch(row: str, M: int, sym: bool, dtype: str) -> None:
    name, keywords = row.split(":")[0], dict(WINDOWS[row])
    keywords.setdefault("sym", sym)
    if row == "exponential:center" and sym:
        keywords["sym"] = False
    mine = getattr(ag.signal.windows, name)(M, dtype=getattr(ag, dtype), **keywords)
    theirs = getattr(torch.signal.windows, name)(M, dtype=getattr(torch, dtype), **keywords)
    assert str(mine.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
    assert tuple(mine.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(
        mine.numpy(), theirs.numpy(), rtol=0, atol=TOLERANCE[dtype], err_msg=row
    )


@pytest.mark.parametrize("name", sorted({row.split(":")[0] for row in WINDOWS}))
def test_keywords_dtype_and_requires_grad(name: str) -> None:
    extra = {"a": [0.5, 0.5]} if name == "general_cosine" else {}
    mine = getattr(ag.signal.windows, name)(M=4, requires_grad=True, **extra)
    theirs = getattr(torch.signal.windows, name)(M=4, requires_grad=True, **extra)
    assert mine.dtype is ag.float32 and theirs.dtype is torch.float32
    assert mine.requires_grad and theirs.requires_grad
    np.testing.assert_allclose(mine.detach().numpy(), theirs.detach().numpy(), atol=2e-6)
    assert getattr(ag.signal.windows, name)(3, device="cpu", **extra).shape == (3,)
    with pytest.raises(RuntimeError, match="not available"):
        getattr(ag.signal.windows, name)(3, device="cuda", **extra)
    with pytest.raises(TypeError):
        getattr(ag.signal.windows, name)(3, foo=1, **extra)


def test_default_dtype_is_followed() -> None:
    previous = ag.get_default_dtype()
    ag.set_default_dtype(ag.float64)
    try:
        assert ag.signal.windows.hann(3).dtype is ag.float64
    finally:
        ag.set_default_dtype(previous)


ERRORS = [
    ("hann", -1, {}),
    ("hann", 3, {"dtype": "int64"}),
    ("hann", 0, {"dtype": "int32"}),
    ("cosine", -1, {"dtype": "int32"}),
    ("cosine", 5, {"dtype": "float16"}),
    ("blackman", -2, {}),
    ("bartlett", 3, {"dtype": "int32"}),
    ("nuttall", -1, {}),
    ("hamming", 3, {"dtype": "int16"}),
    ("general_hamming", -1, {}),
    ("exponential", 5, {"center": 1.0}),
    ("exponential", 0, {"center": 1.0}),
    ("exponential", 5, {"tau": 0}),
    ("exponential", 5, {"tau": -1}),
    ("exponential", 3, {"tau": -1, "center": 1.0}),
    ("exponential", -1, {"tau": -1}),
    ("gaussian", 5, {"std": 0}),
    ("gaussian", 0, {"std": -1.5}),
    ("gaussian", 3, {"std": -1, "dtype": "int32"}),
    ("kaiser", 5, {"beta": -1}),
    ("kaiser", 0, {"beta": -1}),
    ("kaiser", -1, {"beta": -1}),
    ("general_cosine", 5, {"a": []}),
    ("general_cosine", 5, {"a": 3}),
    ("general_cosine", 0, {"a": []}),
    ("general_cosine", -1, {"a": []}),
]


@pytest.mark.parametrize("name, M, keywords", ERRORS)
def test_errors_match_torch(name: str, M: int, keywords: dict[str, Any]) -> None:
    outcomes = []
    for lib in (ag, torch):
        options = dict(keywords)
        if "dtype" in options:
            options["dtype"] = getattr(lib, options["dtype"])
        try:
            result = getattr(lib.signal.windows, name)(M, **options)
            outcomes.append(("ok", result.tolist()))
        except (ValueError, TypeError) as error:
            outcomes.append((type(error).__name__, str(error)))
    if "ok" in (outcomes[0][0], outcomes[1][0]):
        assert outcomes[0] == outcomes[1]
    else:  # torch's words first; arraygrad's message then names the fix
        assert outcomes[0][0] == outcomes[1][0]
        assert outcomes[0][1].startswith(outcomes[1][1]), outcomes
