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
from agentops_operator.engine.measurements import Sample, SignalQuery
from tests.signal_queries import arms_query

CHECK = Check(name="session-success-rate", min=0.9)


QUERY = arms_query()


async def measure(provider: PrometheusProvider, query: SignalQuery = QUERY) -> tuple[Sample, Sample]:
    samples = await provider.read(query)
    return samples["canary1"], samples["stable1"]


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

    canary, stable = await measure(provider(handle))
    assert (canary.value, stable.value, canary.error) == (0.7, 0.95, None)
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
    canary, stable = await measure(provider(lambda request: response))
    assert canary.error and error_part in canary.error and stable.error == canary.error
    assert judge(CHECK, canary, stable, 10).verdict == "Error"


@pytest.mark.parametrize(
    "exception",
    [pytest.param(httpx.ReadTimeout("slow"), id="timeout"), pytest.param(httpx.ConnectError("refused"), id="refused")],
)
async def test_transport_failures_become_errors(exception: Exception) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        raise exception

    canary, _ = await measure(provider(handle))
    assert canary.error and ("timed out" in canary.error or "unreachable" in canary.error)


async def test_empty_result_and_nan_are_inconclusive() -> None:
    empty, empty_stable = await measure(provider(lambda r: httpx.Response(200, json=vector({}))))
    assert empty.error is None and empty.value is None and empty.sessions == 0
    assert judge(CHECK, empty, empty_stable, 10).verdict == "Inconclusive"
    nan, stable = await measure(
        provider(answering({"canary1": "NaN", "stable1": 0.9}, {"canary1": 100, "stable1": 100}))
    )
    assert nan.value is not None and math.isnan(nan.value)
    assert judge(CHECK, nan, stable, 10).verdict == "Inconclusive"


async def test_token_override_url_and_custom_template() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"status": "success", "data": {"resultType": "scalar", "result": [1, "0.25"]}})

    template = 'sum(rate(refusals_total{agent="{{agent}}",revision="{{revision}}",ns="{{namespace}}"}[5m]))'
    query = arms_query("custom", promql=template, backend="http://other-prometheus:9090/")
    canary, stable = await measure(provider(handle, bearer_token="s3cret"), query)
    assert canary.value == 0.25 and stable.value == 0.25
    assert all(r.headers["Authorization"] == "Bearer s3cret" and r.url.host == "other-prometheus" for r in seen)
    expressions = [r.url.params["query"] for r in seen]
    assert 'sum(rate(refusals_total{agent="support",revision="canary1",ns="prod"}[5m]))' in expressions
    assert 'sum(rate(refusals_total{agent="support",revision="stable1",ns="prod"}[5m]))' in expressions
    assert json.dumps(expressions)  # all strings


async def test_without_any_backend_every_sample_says_how_to_configure_one() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        raise AssertionError("nothing may be asked without a backend")

    nowhere = PrometheusProvider(None, transport=httpx.MockTransport(handle))
    canary, stable = await measure(nowhere)
    assert canary.error and "--prometheus-url" in canary.error and "prometheusURL" in canary.error
    assert judge(CHECK, canary, stable, 10).verdict == "Error"
