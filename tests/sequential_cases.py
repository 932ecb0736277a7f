"""`method: Sequential` checks that cannot work, and words that name the problem in both the pydantic
model's error and the CRD's CEL rule: one table for tests/unit (the model) and tests/operator
(admission by the API server)."""

from __future__ import annotations

import pytest

SUCCESS = {"name": "session-success-rate", "method": "Sequential", "maxDropVsStable": 0.02}

UNWORKABLE = [
    pytest.param(
        {"name": "p95-session-duration", "method": "Sequential", "max": 30}, "method Sequential judges", id="quantile"
    ),
    pytest.param(
        {"name": "cost-per-session", "method": "Sequential", "max": 0.1},
        "put absolute bounds in a second check",
        id="absolute-cost",
    ),
    pytest.param(
        {"name": "session-success-rate", "maxDropVsStable": 0.02}, "need method: Sequential", id="margin-needs-method"
    ),
    pytest.param(
        {"name": "tool-failure-rate", "method": "Sequential", "maxDropVsStable": 0.02},
        "better when higher",
        id="wrong-direction",
    ),
    pytest.param(
        {**SUCCESS, "minRatioToStable": 0.9}, "compare a rate to stable with maxDropVsStable", id="rate-ratio"
    ),
    pytest.param({**SUCCESS, "confidence": 1.0}, "confidence", id="certainty"),
]
