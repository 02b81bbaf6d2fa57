"""``detect_anomaly`` against torch 2.13.0 (the NaN checks themselves are tested with the
ops, in ``tests/ops/test_elementwise.py``)."""

from __future__ import annotations

import warnings

import torch

import arraygrad as ag


def test_detect_anomaly_warns_that_it_is_enabled_and_set_detect_anomaly_does_not() -> None:
    for lib in (ag, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with lib.autograd.detect_anomaly():
                pass
            with lib.autograd.set_detect_anomaly(True):
                pass
        assert [w.category for w in caught] == [UserWarning], lib.__name__
        assert str(caught[0].message).startswith("Anomaly Detection has been enabled.")
        assert caught[0].filename == __file__  # pointing at the caller
