"""Max, average and LP pooling's argument and shape errors (``arraygrad.nn._pooling_checks``)
against torch 2.13.0: the same class, PyTorch's words first (from whichever of its 1-d, 2-d and
3-d checks the call runs, in its order), then the values and a fix."""

from __future__ import annotations

from typing import Any

import pytest
import torch

import arraygrad as ag

CALLS = {
    "max 1d stride 0": lambda F, m: F.max_pool1d(m.ones(1, 2, 6), 2, 0),
    "max 1d kernel 0": lambda F, m: F.max_pool1d(m.ones(1, 2, 6), 0),
    "max 1d negative padding": lambda F, m: F.max_pool1d(m.ones(1, 2, 6), 2, padding=-1),
    "max 1d padding": lambda F, m: F.max_pool1d(m.ones(1, 2, 6), 3, padding=2, dilation=2),
    "max 1d dilation 0": lambda F, m: F.max_pool1d(m.ones(1, 2, 6), 2, dilation=0),
    "max 1d too small": lambda F, m: F.max_pool1d(m.ones(1, 2, 6), 7),
    "max 1d 4-d": lambda F, m: F.max_pool1d(m.ones(1, 1, 2, 6), 2),
    "max 1d empty": lambda F, m: F.max_pool1d(m.ones(1, 0, 6), 2),
    "max 1d gradient": lambda F, m: F.max_pool1d(m.ones(1, 2, 6, requires_grad=True), 2, 0),
    "max 1d indices stride 0": lambda F, m: F.max_pool1d(m.ones(1, 2, 6), 2, 0, 0, 1, False, True),
    "max 1d indices kernel 0": lambda F, m: F.max_pool1d(m.ones(1, 2, 6), 0, 1, 0, 1, False, True),
    "max 1d indices too small": lambda F, m: F.max_pool1d(m.ones(1, 2, 6), 7, return_indices=True),
    "max 1d indices 1-d": lambda F, m: F.max_pool1d(m.ones(6), 2, return_indices=True),
    "max 2d stride 0": lambda F, m: F.max_pool2d(m.ones(1, 2, 6, 6), 2, 0),
    "max 2d kernel 0": lambda F, m: F.max_pool2d(m.ones(1, 2, 6, 6), 0, 1),
    "max 2d stride -1": lambda F, m: F.max_pool2d(m.ones(1, 2, 6, 6), 2, -1),
    "max 2d dilation 0": lambda F, m: F.max_pool2d(m.ones(1, 2, 6, 6), 2, dilation=0),
    "max 2d padding": lambda F, m: F.max_pool2d(m.ones(1, 2, 6, 6), 2, padding=2),
    "max 2d negative padding": lambda F, m: F.max_pool2d(m.ones(1, 2, 6, 6), 2, padding=-1),
    "max 2d dilated padding": lambda F, m: F.max_pool2d(
        m.ones(1, 2, 6, 6), 3, padding=2, dilation=2
    ),
    "max 2d too small": lambda F, m: F.max_pool2d(m.ones(1, 2, 6, 6), 7),
    "max 2d 1-d": lambda F, m: F.max_pool2d(m.ones(6), 2),
    "max 2d empty": lambda F, m: F.max_pool2d(m.ones(1, 2, 0, 6), 2),
    "max 3d stride 0": lambda F, m: F.max_pool3d(m.ones(1, 2, 6, 6, 6), 2, 0),
    "max 3d no channels": lambda F, m: F.max_pool3d(m.ones(1, 0, 2, 2, 2), 1),
    "max 3d unbatched no channels": lambda F, m: F.max_pool3d(m.ones(0, 2, 2, 2), 1),
    "avg 3d unbatched no channels": lambda F, m: F.avg_pool3d(m.ones(0, 2, 2, 2), 1),
    "max 3d kernel 0": lambda F, m: F.max_pool3d(m.ones(1, 2, 6, 6, 6), 0, 1),
    "max 3d dilation 0": lambda F, m: F.max_pool3d(m.ones(1, 2, 6, 6, 6), 2, dilation=0),
    "max 3d too small": lambda F, m: F.max_pool3d(m.ones(1, 2, 6, 6, 6), 7),
    "max 3d 2-d": lambda F, m: F.max_pool3d(m.ones(6, 6), 2),
    "max 3d empty": lambda F, m: F.max_pool3d(m.ones(1, 2, 0, 6, 6), 2),
    "avg 1d stride 0": lambda F, m: F.avg_pool1d(m.ones(1, 2, 6), 2, 0),
    "avg 1d kernel 0": lambda F, m: F.avg_pool1d(m.ones(1, 2, 6), 0, 1),
    "avg 1d too small": lambda F, m: F.avg_pool1d(m.ones(1, 2, 6), 7),
    "avg 1d 1-d": lambda F, m: F.avg_pool1d(m.ones(6), 2),
    "avg 1d empty": lambda F, m: F.avg_pool1d(m.ones(1, 0, 6), 2),
    "avg 2d padding": lambda F, m: F.avg_pool2d(m.ones(1, 2, 6, 6), 2, padding=2),
    "avg 2d 5-d": lambda F, m: F.avg_pool2d(m.ones(1, 1, 1, 6, 6), 2),
    "avg 2d divisor 0 first": lambda F, m: F.avg_pool2d(m.ones(1, 2, 6, 6), 7, divisor_override=0),
    "avg 3d stride 0": lambda F, m: F.avg_pool3d(m.ones(1, 2, 6, 6, 6), 2, 0),
    "avg 3d stride -1": lambda F, m: F.avg_pool3d(m.ones(1, 2, 6, 6, 6), 2, -1),
    "avg 3d padding": lambda F, m: F.avg_pool3d(m.ones(1, 2, 6, 6, 6), 3, padding=2),
    "avg 3d image before output size": lambda F, m: F.avg_pool3d(m.ones(1, 2, 6, 6, 6), 7),
    "avg 3d empty": lambda F, m: F.avg_pool3d(m.ones(1, 2, 6, 6, 0), 2),
    "lp 1d kernel 0": lambda F, m: F.lp_pool1d(m.ones(1, 2, 6), 2, 0),
    "lp 1d too small": lambda F, m: F.lp_pool1d(m.ones(1, 2, 6), 2, 7),
    "lp 3d too small": lambda F, m: F.lp_pool3d(m.ones(1, 2, 6, 6, 6), 2, 7),
    "lp inf 1d stride 0": lambda F, m: F.lp_pool1d(m.ones(1, 2, 6), float("inf"), 2, 0),
}


def _error(call: Any, m: Any) -> BaseException:
    with pytest.raises(Exception) as info:
        call(m.nn.functional, m)
    return info.value


@pytest.mark.parametrize("name", list(CALLS))
def test_pooling_errors_are_torchs(name: str) -> None:
    theirs, mine = _error(CALLS[name], torch), _error(CALLS[name], ag)
    assert type(mine) is type(theirs)
    assert str(mine).startswith(str(theirs)), (str(mine), str(theirs))
    assert "Fix:" in str(mine)


@pytest.mark.parametrize(
    "call",
    [
        lambda F, m: F.max_pool2d(m.ones(1, 2, 6, 6), 2, padding=1, dilation=3),
        lambda F, m: F.avg_pool3d(m.ones(1, 1, 3, 3, 3), 3, 3, padding=1, ceil_mode=True),
        lambda F, m: F.max_pool1d(m.ones(1, 2, 1), 2, 2, 1, ceil_mode=True),
    ],
)
def test_calls_at_the_limits_pool_like_torch(call: Any) -> None:
    assert call(torch.nn.functional, torch).tolist() == call(ag.nn.functional, ag).tolist()
