"""Shared pytest configuration: hypothesis profiles sized for a 2-core CI machine."""

from __future__ import annotations

import os
import sys

from hypothesis import HealthCheck, settings

# Hypothesis' pytest plugin gives each parametrised call of a @given test a settings object whose
# parent is the previous call's, and resolves the example database by walking that chain, one
# Python frame per call. The tests parametrised over every op-table row (over a thousand) would
# exceed the default recursion limit of 1,000 in one worker.
sys.setrecursionlimit(max(sys.getrecursionlimit(), 20_000))

settings.register_profile(
    "ci",
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)
settings.register_profile(
    "dev",
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_runtest_teardown(item: object, nextitem: object) -> None:
    """Turn torch's distribution validation back on after a test that ran ``torch.compile``.

    Dynamo's first use calls ``torch.distributions.Distribution.set_default_validate_args(False)``
    for the whole process (torch/_dynamo/eval_frame.py), so torch, the oracle, stopped raising
    on invalid parameters in every later test of that worker: 4 to 91 validation tests failed
    depending on how xdist shared the tests out."""
    torch = sys.modules.get("torch")
    if torch is not None and "torch.distributions" in sys.modules:
        torch.distributions.Distribution._validate_args = True
