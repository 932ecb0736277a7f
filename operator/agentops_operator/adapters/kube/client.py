"""A small async Kubernetes REST client on aiohttp (and a synchronous httpx one for the plugin and demo).

Why not the official `kubernetes` client for requests: it is synchronous, and the operator runs
on kopf's asyncio loop; blocking calls in threads would cap the 1,000-agent goal. Connection
details (server, CA, client certificates, bearer token, in-cluster service account) are still
loaded by the official client's well-kept config loaders (`connection_from_environment`), so
kubeconfig semantics match kubectl's; only the transport is aiohttp.
"""

from __future__ import annotations

import json
import re
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp
import certifi
import httpx
import yarl
from kubernetes import client as k8s_client
from kubernetes import config as k8s_config

JsonDict = dict[str, Any]

# Characters JSON leaves raw that YAML refuses raw (DEL, C1 controls, surrogates, U+FFFE, U+FFFF) or
# reads as a line break and folds into a space (NEL, U+2028, U+2029). JSON already escapes C0 controls.
_NOT_YAML_LITERAL = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")


def _escape_for_yaml(match: re.Match[str]) -> str:
    code = ord(match.group())
    return "\\ufffd" if 0xD800 <= code <= 0xDFFF else f"\\u{code:04x}"  # a lone surrogate is no character


def segment(name: str) -> str:
    """A name as one path segment, escaped: a reference in a spec is never a path, even if it got past
    admission (`../../victim/secrets/hook` stays one segment, which the API server refuses as a name)."""
    if name in ("", ".", ".."):
        raise ValueError(f"{name!r} is not an object name")
    return quote(name, safe="")


def apply_body(manifest: JsonDict) -> bytes:
    """A server-side apply body: JSON, which the API server reads as YAML (the apply content type).
    YAML refuses or rewrites some characters JSON sends raw (a DEL in a prompt made every apply fail
    with "control characters are not allowed"), so those are sent as escapes, which YAML decodes;
    characters outside the Basic Multilingual Plane stay raw, since YAML refuses surrogate escapes."""
    text = json.dumps(manifest, ensure_ascii=False, separators=(",", ":"))
    return _NOT_YAML_LITERAL.sub(_escape_for_yaml, text).encode("utf-8")


@dataclass(frozen=True)
class Connection:
    server: str
    ca_path: str | None = None
    verify: bool = True
    cert: tuple[str, str] | None = None
    token: str | None = None
    default_namespace: str = "default"


def bearer_token(configuration: k8s_client.Configuration) -> str | None:
    """The bearer token the official loaders found (kubeconfig `token`, in-cluster ServiceAccount).
    They store it under "BearerToken" (older releases: "authorization"), with or without "Bearer "."""
    keys = configuration.api_key or {}
    token = str(keys.get("BearerToken") or keys.get("authorization") or "")
    return token.removeprefix("Bearer ").strip() or None


def connection_from_environment(
    kubeconfig: str | None = None, context: str | None = None, in_cluster: bool = True
) -> Connection:
    """The in-cluster service account if present (and `in_cluster`) and no kubeconfig or context is named,
    else the kubeconfig (KUBECONFIG or ~/.kube/config) with its current context or the one named; the
    namespace is that context's."""
    configuration = k8s_client.Configuration()
    namespace = "default"
    try:
        if kubeconfig or context or not in_cluster:
            raise k8s_config.ConfigException("explicit kubeconfig given")
        k8s_config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
    except k8s_config.ConfigException:
        k8s_config.load_kube_config(config_file=kubeconfig, context=context, client_configuration=configuration)  # type: ignore[no-untyped-call]
        contexts, current = k8s_config.list_kube_config_contexts(config_file=kubeconfig)  # type: ignore[no-untyped-call]
        chosen = next((c for c in contexts if c.get("name") == context), None) if context else current
        namespace = (chosen or {}).get("context", {}).get("namespace") or "default"
    token = bearer_token(configuration)
    cert = (
        (configuration.cert_file, configuration.key_file)
        if configuration.cert_file and configuration.key_file
        else None
    )
    return Connection(
        server=configuration.host.rstrip("/"),
        ca_path=configuration.ssl_ca_cert,
        verify=bool(configuration.verify_ssl),
        cert=cert,
        token=token,
        default_namespace=namespace,
    )


def sync_http_client(connection: Connection, timeout: float = 15.0) -> httpx.Client:
    """A synchronous httpx client for the connection (the kubectl plugin and the demo talk to the API this way)."""
    headers = {"Authorization": f"Bearer {connection.token}"} if connection.token else {}
    return httpx.Client(base_url=connection.server, verify=tls_context(connection), headers=headers, timeout=timeout)


def tls_context(connection: Connection) -> ssl.SSLContext:
    """The TLS settings of a connection as one SSLContext: the cluster's CA (or the system's), and the
    client certificate when the kubeconfig authenticates with one. (httpx ignores `cert=` when `verify`
    is a CA path, so passing them separately made certificate users anonymous.)"""
    if not connection.verify:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:
        context = ssl.create_default_context(cafile=connection.ca_path or certifi.where())
    if connection.cert:
        context.load_cert_chain(*connection.cert)
    return context


class KubeApiError(Exception):
    """A non-2xx answer; `status` is the API's Status object when it sent one."""

    def __init__(self, code: int, status: JsonDict, retry_after: float | None = None) -> None:
        super().__init__(f"{code} {status.get('reason', '')}: {status.get('message', '')}")
        self.code = code
        self.reason = str(status.get("reason", ""))
        self.status = status
        self.retry_after = retry_after  # seconds the server asked us to wait (429, 503), if it said


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """The Retry-After header in seconds (the API server sends whole seconds; dates are not used)."""
    try:
        return max(float(headers["Retry-After"]), 0.0)
    except (KeyError, ValueError):
        return None


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode("utf-8")


def _json_loads(raw: bytes) -> Any:
    return json.loads(raw)


class KubeClient:
    """Requests on aiohttp, which kopf's own watches already use: on this 2-core machine an httpx
    request cost the operator ~2.4 ms of CPU (its connection pool polls every idle connection per
    request) against ~0.25 ms here, and a new agent takes seven requests (benchmarks/reconcile.py)."""

    def __init__(self, connection: Connection, timeout: float = 30.0, max_connections: int = 20) -> None:
        self._headers = {"Accept": "application/json", "User-Agent": "agentops-operator"}
        if connection.token:
            self._headers["Authorization"] = f"Bearer {connection.token}"
        self._server = connection.server
        self._tls = tls_context(connection) if connection.server.startswith("https:") else None
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None  # made on the event loop, at the first request

    def _session_now(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._max_connections, ssl=self._tls or True)
            self._session = aiohttp.ClientSession(connector=connector, headers=self._headers, timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    def url(self, path: str, params: dict[str, str] | None = None) -> yarl.URL:
        """The server's URL for a path the adapters built (segments already escaped: kept as sent)."""
        url = yarl.URL(self._server + path, encoded=True)
        return url.update_query(params) if params else url

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        content: bytes | None = None,
        params: dict[str, str] | None = None,
        content_type: str | None = None,
    ) -> JsonDict | None:
        headers = {"Content-Type": content_type or "application/json"} if json is not None or content else None
        data = _json_bytes(json) if json is not None else content
        async with self._session_now().request(method, self.url(path, params), data=data, headers=headers) as response:
            raw = await response.read()
            code, retry_after = response.status, _retry_after(response.headers)
        if code == 404 and method == "GET":
            return None
        if code >= 400:
            try:
                status = _json_loads(raw)
            except ValueError:
                status = {"message": raw.decode("utf-8", "replace")}
            error = status if isinstance(status, dict) else {"message": str(status)}
            raise KubeApiError(code, error, retry_after)
        body = _json_loads(raw) if raw else None
        return body if isinstance(body, dict) else None

    async def get(self, path: str, params: dict[str, str] | None = None) -> JsonDict | None:
        return await self.request("GET", path, params=params)

    async def apply(self, path: str, manifest: JsonDict, field_manager: str) -> JsonDict | None:
        """Server-side apply (force: the operator owns the objects it creates)."""
        return await self.request(
            "PATCH",
            path,
            content=apply_body(manifest),
            params={"fieldManager": field_manager, "force": "true"},
            content_type="application/apply-patch+yaml",
        )

    async def merge_patch(self, path: str, patch: JsonDict, field_manager: str) -> JsonDict | None:
        return await self.request(
            "PATCH",
            path,
            json=patch,
            params={"fieldManager": field_manager},
            content_type="application/merge-patch+json",
        )
