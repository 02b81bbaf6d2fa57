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
