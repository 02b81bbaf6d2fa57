"""The ``arraygrad`` command's ``demo`` verdict and ``explain`` walkthrough."""

from __future__ import annotations

import pytest

from arraygrad import cli


def test_demo_ends_with_check_gradient_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["demo"]) == 0
    out = capsys.readouterr().out
    tail = out.split("check_gradient on the seed's gradient")[1]
    assert "does NOT match autodiff" in tail
    assert "4 times the true gradient" in tail
    assert "sums where the loss takes a mean" in tail
    assert "-120" in tail and "-30" in tail


def test_check_seed_gradient_report() -> None:
    report = cli.check_seed_gradient()
    assert not report.ok and report.ratio == 4.0


def test_explain_command_ends_at_w_grad(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["explain"]) == 0
    out = capsys.readouterr().out
    assert out.rstrip().splitlines()[-1] == "w.grad = -30"
    assert out.index("Step 1: MeanBackward0") < out.index("Step 4: MulBackward0")
