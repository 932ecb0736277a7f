"""Unit: the Prometheus provider's error paths, with httpx MockTransport standing in for a broken
backend (the happy path runs against a real Prometheus in tests/prometheus)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from agentops_operator.adapters.metrics.prometheus import PrometheusProvider
from agentops_operator.api.rollout import Check
from agentops_operator.engine.analysis import judge
from agentops_operator.ports.metrics import MetricQuery

QUERY = MetricQuery("prod", "support", "canary1", "stable1", Check(name="session-success-rate", min=0.9), 60)


def vector(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "status": "success",
        "data": {
            "resultType": "vector",
            "result": [{"metric": {"revision": rev}, "value": [1700000000, str(v)]} for rev, v in values.items()],
        },
    }


def provider(handler: Callable[[httpx.Request], httpx.Response], **kwargs: Any) -> PrometheusProvider:
    return PrometheusProvider("http://prometheus.test:9090", transport=httpx.MockTransport(handler), **kwargs)


def answering(
    values: dict[str, Any], sessions: dict[str, Any] | None = None
) -> Callable[[httpx.Request], httpx.Response]:
    def handle(request: httpx.Request) -> httpx.Response:
        query = request.url.params["query"]
        body = vector(sessions if sessions is not None and not query.startswith("((") else values)
        return httpx.Response(200, json=body)

    return handle


async def test_both_arms_come_from_one_query_by_revision() -> None:
    seen: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.params["query"])
        return httpx.Response(200, json=vector({"canary1": 0.7, "stable1": 0.95}))

    measurement = await provider(handle).measure(QUERY)
    assert (measurement.canary, measurement.stable, measurement.error) == (0.7, 0.95, None)
    assert len(seen) == 2 and all('revision=~"canary1|stable1"' in q and "[60s]" in q for q in seen)
    assert all('agent="support",agent_namespace="prod"' in q for q in seen)


@pytest.mark.parametrize(
    ("response", "error_part"),
    [
        pytest.param(httpx.Response(200, text="<html>hello</html>"), "not JSON", id="garbage"),
        pytest.param(httpx.Response(502, text="Bad Gateway"), "HTTP 502", id="bad-gateway"),
        pytest.param(
            httpx.Response(400, json={"status": "error", "errorType": "bad_data", "error": "parse error at char 3"}),
            "parse error",
            id="query-error",
        ),
        pytest.param(
            httpx.Response(200, json={"status": "success", "data": {"resultType": "vector"}}),
            "without a result",
            id="no-result",
        ),
        pytest.param(
            httpx.Response(
                200, json={"status": "success", "data": {"resultType": "vector", "result": [{"value": "x"}]}}
            ),
            "malformed",
            id="malformed-sample",
        ),
        pytest.param(httpx.Response(200, json=[1, 2, 3]), "unexpected body", id="json-list"),
    ],
)
async def test_bad_answers_become_errors_not_crashes(response: httpx.Response, error_part: str) -> None:
    measurement = await provider(lambda request: response).measure(QUERY)
    assert measurement.error and error_part in measurement.error
    assert judge(QUERY.check, measurement, 10).verdict == "Error"


@pytest.mark.parametrize(
    "exception",
    [pytest.param(httpx.ReadTimeout("slow"), id="timeout"), pytest.param(httpx.ConnectError("refused"), id="refused")],
)
async def test_transport_failures_become_errors(exception: Exception) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        raise exception

    measurement = await provider(handle).measure(QUERY)
    assert measurement.error and ("timed out" in measurement.error or "unreachable" in measurement.error)


async def test_empty_result_and_nan_are_inconclusive() -> None:
    empty = await provider(lambda r: httpx.Response(200, json=vector({}))).measure(QUERY)
    assert empty.error is None and empty.canary is None and empty.canary_sessions == 0
    assert judge(QUERY.check, empty, 10).verdict == "Inconclusive"
    nan = await provider(answering({"canary1": "NaN", "stable1": 0.9}, {"canary1": 100, "stable1": 100})).measure(QUERY)
    assert nan.canary is not None and math.isnan(nan.canary)
    assert judge(QUERY.check, nan, 10).verdict == "Inconclusive"


async def test_token_override_url_and_custom_template() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"status": "success", "data": {"resultType": "scalar", "result": [1, "0.25"]}})

    custom = Check(
        name="custom",
        max=0.5,
        query='sum(rate(refusals_total{agent="{{agent}}",revision="{{revision}}",ns="{{namespace}}"}[5m]))',
    )
    query = MetricQuery(
        "prod", "support", "canary1", "stable1", custom, 60, backend_url="http://other-prometheus:9090/"
    )
    measurement = await provider(handle, bearer_token="s3cret").measure(query)
    assert measurement.canary == 0.25 and measurement.stable == 0.25
    assert all(r.headers["Authorization"] == "Bearer s3cret" and r.url.host == "other-prometheus" for r in seen)
    expressions = [r.url.params["query"] for r in seen]
    assert 'sum(rate(refusals_total{agent="support",revision="canary1",ns="prod"}[5m]))' in expressions
    assert 'sum(rate(refusals_total{agent="support",revision="stable1",ns="prod"}[5m]))' in expressions
    assert json.dumps(expressions)  # all strings
