"""The server-side apply body: the API server reads it as YAML, so every string must come back as sent."""

from __future__ import annotations

import json

import pytest
import yaml
from aiohttp import web
from aiohttp.test_utils import TestServer
from hypothesis import given
from hypothesis import strategies as st

from agentops_operator.adapters.kube.children import KubeChildren
from agentops_operator.adapters.kube.client import Connection, KubeClient, apply_body

# Any text but lone surrogates (which no JSON decoder gives the operator as a character).
TEXT = st.text(st.characters(blacklist_categories=("Cs",)))


@given(st.dictionaries(TEXT, TEXT | st.lists(TEXT, max_size=3), max_size=4))
def test_yaml_reads_back_exactly_what_was_meant(manifest: dict[str, object]) -> None:
    body = apply_body(manifest)
    assert yaml.safe_load(body.decode("utf-8")) == manifest
    assert json.loads(body) == manifest


@pytest.mark.parametrize(
    ("text", "sent"),
    [
        pytest.param("a\x7fb", "a\\u007fb", id="delete"),
        pytest.param("\ufffe", "\\ufffe", id="noncharacter"),
        pytest.param("\x85", "\\u0085", id="next-line-would-fold-to-a-space"),
        pytest.param("\U0001f600", "\U0001f600", id="astral-stays-raw"),
        pytest.param("\ud800", "\\ufffd", id="lone-surrogate-replaced"),
    ],
)
def test_characters_yaml_refuses_raw_are_escaped(text: str, sent: str) -> None:
    assert apply_body({"s": text}).decode("utf-8") == '{"s":"' + sent + '"}'


TRAVERSALS = ["../../victim/secrets/hook", "victim/hook", "..", "a/../../b", "x?watch=true", "y#frag"]


@pytest.mark.parametrize("name", TRAVERSALS)
async def test_a_reference_name_is_one_path_segment_never_a_path(name: str) -> None:
    """Names are DNS-1123 at admission; this is the second line, where the URL is built."""
    seen: list[str] = []

    async def server(request: web.Request) -> web.Response:
        seen.append(request.raw_path)
        return web.json_response({"kind": "Status", "code": 404}, status=404)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server)
    async with TestServer(app, host="127.0.0.1") as test_server:
        client = KubeClient(Connection(server=str(test_server.make_url("")).rstrip("/")))
        children = KubeChildren(client)
        try:
            await children.get_secret("team-a", name)
            await children.get_config_map("team-a", name)
        except ValueError:
            assert name == ".."  # refused before any request
            return
        finally:
            await client.close()
    assert seen and all(path.startswith("/api/v1/namespaces/team-a/") for path in seen), seen
    assert all(path.split("?")[0].count("/") == 6 for path in seen), (
        seen
    )  # /api/v1/namespaces/team-a/<kind>/<one segment>
