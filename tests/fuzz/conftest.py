"""Hypothesis settings for the fuzz tests: derandomized, no example database, modest budgets.

Derandomized so that CI runs the same examples every time (a failure reproduces), and
database-less so that nothing is written outside the test's tmp dirs.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile(
    "hullcheck-fuzz",
    derandomize=True,
    database=None,
    deadline=5000,
    max_examples=40,
    print_blob=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
        HealthCheck.filter_too_much,
    ],
)
settings.load_profile("hullcheck-fuzz")
