"""HTTP routing of the Kubernetes REST paths onto the resource semantics.

Paths follow "API Concepts → Resource URIs": `/api/v1/...` for the core group and
`/apis/{group}/{version}/...` otherwise; `[namespaces/{ns}/]{resource}[/{name}[/{sub}]]`,
plus the legacy `/watch/` prefix. Request and response bodies are JSON (apply patches may be
YAML); errors are `Status` objects; kubectl's `as=Table` requests get server-side tables.
"""

from __future__ import annotations

import json
import logging
import sys
from collections import Counter
from typing import Any

import yaml
from aiohttp import web

from . import deletion, discovery, tables
from .errors import (
    ApiError,
    FieldError,
    PageNotFound,
    bad_request,
    invalid,
    method_not_allowed,
    no_such_resource,
    unsupported_media_type,
)
from .kinds import Registry, ResourceType
from .listing import list_items
from .resources import APPLY_PATCH, Resources, WriteOptions
from .watch import WatchStreams

JsonDict = dict[str, Any]
log = logging.getLogger(__name__)


# libyaml when PyYAML has it: apply bodies of a megabyte took seconds in pure Python (same refusals).
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# kube-apiserver's JSON decoder refuses values nested deeper than this (answering 400); below it,
# any depth is stored and served.
MAX_JSON_DEPTH = 10_000


def _json_depth(value: Any) -> int:
    deepest, pending = 0, [(value, 0)]
    while pending:
        current, depth = pending.pop()
        if isinstance(current, dict | list):
            deepest = max(deepest, depth + 1)
            pending.extend((child, depth + 1) for child in (current.values() if isinstance(current, dict) else current))
    return deepest


def _decode_json(raw: bytes) -> Any:
    """JSON as the real server decodes it: up to 10,000 levels (the recursion limit is raised to
    match, as the operator does), and a 400 beyond."""
    sys.setrecursionlimit(max(sys.getrecursionlimit(), MAX_JSON_DEPTH + 3_000))
    try:
        value = json.loads(raw)
    except RecursionError:
        value = None
    else:
        if len(raw) < 2 * MAX_JSON_DEPTH or _json_depth(value) <= MAX_JSON_DEPTH:
            return value
    raise bad_request("json parse error: exceeded max depth")


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        text=json.dumps(body, separators=(",", ":")), status=status, content_type="application/json", headers=headers
    )


def manager_from(request: web.Request) -> str:
    """`fieldManager`, else the user agent up to its first '/', as the real server defaults."""
    explicit = request.query.get("fieldManager")
    if explicit:
        return explicit
    agent = request.headers.get("User-Agent", "")
    return agent.split("/", 1)[0].strip() or "unknown"


class Routes:
    def __init__(self, resources: Resources, watches: WatchStreams, address: str) -> None:
        self.resources = resources
        self.registry: Registry = resources.registry
        self.watches = watches
        self.address = address
        # (client, verb, group, resource[/subresource]) -> count, as an audit log would record
        # them; tests use it to check RBAC rules against what a client really did.
        self.requests: Counter[tuple[str, str, str, str]] = Counter()  # authorizations, as RBAC sees them
        self.calls: Counter[tuple[str, str]] = Counter()  # HTTP requests by (client, verb)

    def install(self, app: web.Application) -> None:
        app.middlewares.append(self._errors)
        router = app.router
        router.add_get("/version", self._version)
        for probe in ("/healthz", "/livez", "/readyz"):
            router.add_get(probe, self._healthy)
        router.add_get("/api", self._api)
        router.add_get("/apis", self._apis)
        router.add_get("/openapi/v3", self._openapi_v3_root)
        router.add_get("/openapi/v3/{path:.*}", self._openapi_v3)
        router.add_get("/openapi/v2", self._openapi_v2)
        router.add_route("*", "/api/{version}", self._core)
        router.add_route("*", "/api/{version}/{rest:.*}", self._core)
        router.add_get("/apis/{group}", self._group)
        router.add_route("*", "/apis/{group}/{version}", self._grouped)
        router.add_route("*", "/apis/{group}/{version}/{rest:.*}", self._grouped)

    async def _version(self, request: web.Request) -> web.Response:
        return _json(discovery.SERVER_VERSION)

    async def _healthy(self, request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def _api(self, request: web.Request) -> web.Response:
        return _json(discovery.api_versions(self.address))

    async def _apis(self, request: web.Request) -> web.Response:
        return _json(discovery.api_group_list(self.registry))

    async def _openapi_v3_root(self, request: web.Request) -> web.Response:
        return _json(discovery.openapi_v3_root(self.registry))

    @web.middleware
    async def _errors(self, request: web.Request, handler: Any) -> web.StreamResponse:
        try:
            response: web.StreamResponse = await handler(request)
            return response
        except ApiError as error:
            return _json(error.to_status(), status=error.code)
        except PageNotFound:
            return web.Response(text="404 page not found\n", status=404, content_type="text/plain")
        except web.HTTPException as error:
            if error.status == 404:
                return web.Response(text="404 page not found\n", status=404, content_type="text/plain")
            raise
        except json.JSONDecodeError as error:
            return _json(bad_request(f"invalid JSON in request body: {error}").to_status(), 400)
        except Exception as error:  # a bug here must still answer like an API server
            log.exception("internal error serving %s %s", request.method, request.path)
            return _json(ApiError(500, "InternalError", f"Internal error occurred: {error}").to_status(), 500)

    async def _openapi_v3(self, request: web.Request) -> web.Response:
        parts = request.match_info["path"].split("/")
        if parts[0] == "api" and len(parts) == 2:
            group, version = "", parts[1]
        elif parts[0] == "apis" and len(parts) == 3:
            group, version = parts[1], parts[2]
        else:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        if not self.registry.in_group_version(group, version):
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        return _json(discovery.openapi_v3_group_version(self.registry, group, version))

    async def _openapi_v2(self, request: web.Request) -> web.Response:
        raise ApiError(404, "NotFound", "OpenAPI v2 is not served by the sandbox API server; clients use /openapi/v3")

    async def _group(self, request: web.Request) -> web.Response:
        doc = discovery.api_group(self.registry, request.match_info["group"])
        if doc is None:
            raise PageNotFound
        return _json(doc)

    async def _core(self, request: web.Request) -> web.StreamResponse:
        return await self._dispatch(request, "", request.match_info["version"], request.match_info.get("rest", ""))

    async def _grouped(self, request: web.Request) -> web.StreamResponse:
        return await self._dispatch(
            request, request.match_info["group"], request.match_info["version"], request.match_info.get("rest", "")
        )

    async def _dispatch(self, request: web.Request, group: str, version: str, rest: str) -> web.StreamResponse:
        if not self.registry.in_group_version(group, version):
            raise PageNotFound
        segments = [s for s in rest.split("/") if s]
        if not segments:
            if request.method != "GET":
                raise method_not_allowed("the server does not allow this method on the requested resource")
            doc = discovery.resource_list(self.registry, group, version)
            if doc is None:
                raise no_such_resource()
            return _json(doc)
        watch = request.query.get("watch") in ("true", "1")
        if segments[0] == "watch":
            watch, segments = True, segments[1:]
        namespace: str | None = None
        if (
            len(segments) >= 3
            and segments[0] == "namespaces"
            and (rt_ns := self.registry.lookup(group, version, segments[2])) is not None
            and rt_ns.namespaced
        ):
            namespace, segments = segments[1], segments[2:]
        rt = self.registry.lookup(group, version, segments[0])
        if rt is None or len(segments) > 3:
            raise no_such_resource()
        name = segments[1] if len(segments) > 1 else None
        subresource = segments[2] if len(segments) > 2 else ""
        if subresource and not (
            (subresource == "status" and rt.status_subresource)
            or (subresource == "scale" and rt.scale_subresource)
            or (subresource == "finalize" and rt.kind == "Namespace")
        ):
            raise no_such_resource()
        if rt.namespaced and name is not None and namespace is None:
            raise no_such_resource()
        self._audit(request, rt, watch, name, subresource)
        ns = namespace or ""
        if watch:
            return await self.watches.serve(request, rt, namespace)
        if name is None:
            return await self._collection(request, rt, namespace)
        if subresource == "scale":
            return await self._scale(request, rt, ns, name)
        if subresource == "finalize":
            subresource = ""
        return await self._object(request, rt, ns, name, subresource)

    def _audit(
        self, request: web.Request, rt: ResourceType, watch: bool, name: str | None, subresource: str, verb: str = ""
    ) -> None:
        verbs = {
            "POST": "create",
            "PUT": "update",
            "PATCH": "patch",
            "DELETE": "delete" if name else "deletecollection",
        }
        implied = bool(verb)  # a create-by-apply: one more authorization, not one more request
        verb = verb or ("watch" if watch else verbs.get(request.method, "get" if name else "list"))
        client = request.headers.get("User-Agent", "").split("/", 1)[0].strip() or "unknown"
        resource = f"{rt.plural}/{subresource}" if subresource else rt.plural
        self.requests[(client, verb, rt.group, resource)] += 1
        if not implied:
            self.calls[(client, verb)] += 1

    async def _body(self, request: web.Request) -> Any:
        raw = await request.read()
        if not raw:
            return None
        if "protobuf" in request.content_type or "cbor" in request.content_type:
            # Only JSON (and YAML for apply) is spoken here. kubectl's generator commands
            # (`kubectl create configmap …`) send protobuf; `kubectl apply/create -f` sends JSON.
            raise unsupported_media_type(
                "application/json, application/yaml (the sandbox API server does not decode "
                "protobuf: use `kubectl apply -f` or `kubectl create -f` with a manifest)"
            )
        if request.content_type == APPLY_PATCH or request.content_type.endswith("yaml"):
            try:
                return yaml.load(raw, Loader=YAML_LOADER)
            except yaml.YAMLError as error:
                raise bad_request(f"error decoding YAML: {error}") from None
        return _decode_json(raw)

    def _options(self, request: web.Request) -> WriteOptions:
        if request.content_type == APPLY_PATCH and not request.query.get("fieldManager"):  # never defaulted for apply
            required = FieldError("fieldManager", "FieldValueRequired", "Required value: is required for apply patch")
            raise invalid("PatchOptions", "meta.k8s.io", "", [required])
        validation = request.query.get("fieldValidation", "Warn")
        if validation not in ("Strict", "Warn", "Ignore"):
            raise bad_request(f'fieldValidation parameter unsupported: "{validation}"; use Ignore, Warn or Strict')
        return WriteOptions(
            manager=manager_from(request),
            dry_run=request.query.get("dryRun") == "All",
            field_validation=validation,
            force=request.query.get("force") in ("true", "1"),
        )

    def _respond(
        self, request: web.Request, rt: ResourceType, obj: JsonDict, status: int, opts: WriteOptions | None = None
    ) -> web.Response:
        headers = {}
        if opts and opts.warnings:
            escaped = (w.replace('"', '\\"') for w in opts.warnings)
            headers["Warning"] = ", ".join(f'299 - "{w}"' for w in escaped)
        if tables.wants_table(request.headers.get("Accept", "")):
            body = tables.table(
                rt, [obj], obj["metadata"].get("resourceVersion", ""), request.query.get("includeObject", "Metadata")
            )
            return _json(body, status, headers)
        return _json(obj, status, headers)

    async def _collection(self, request: web.Request, rt: ResourceType, namespace: str | None) -> web.Response:
        query = request.query
        if request.method == "GET":
            listed = list_items(
                self.resources,
                rt,
                namespace,
                label_selector=query.get("labelSelector"),
                field_selector=query.get("fieldSelector"),
                limit=int(query.get("limit", "0") or 0),
                continue_token=query.get("continue"),
            )
            if tables.wants_table(request.headers.get("Accept", "")):
                return _json(
                    tables.table(
                        rt,
                        listed["items"],
                        listed["metadata"]["resourceVersion"],
                        query.get("includeObject", "Metadata"),
                        listed["metadata"].get("continue"),
                    )
                )
            return _json(listed)
        if request.method == "POST":
            if rt.namespaced and namespace is None:
                raise method_not_allowed("POST on a namespaced resource needs a namespace in the path")
            opts = self._options(request)
            created = self.resources.create(rt, namespace or "", await self._body(request), opts)
            return self._respond(request, rt, created, 201, opts)
        if request.method == "DELETE":
            options = {**(await self._body(request) or {}), **_delete_query(request)}
            listed = deletion.delete_collection(
                self.resources,
                rt,
                namespace,
                query.get("labelSelector"),
                query.get("fieldSelector"),
                options,
                query.get("dryRun") == "All",
            )
            return _json(listed)
        raise method_not_allowed(f"{request.method} is not allowed on a collection")

    async def _object(
        self, request: web.Request, rt: ResourceType, namespace: str, name: str, subresource: str
    ) -> web.Response:
        if request.method == "GET":
            return self._respond(request, rt, self.resources.get(rt, namespace, name), 200)
        if request.method == "PUT":
            opts = self._options(request)
            updated = self.resources.update(rt, namespace, name, await self._body(request), opts, subresource)
            return self._respond(request, rt, updated, 200, opts)
        if request.method == "PATCH":
            opts = self._options(request)
            existed = self.resources.store.get(rt.storage_key, (namespace if rt.namespaced else "", name)) is not None
            patched = self.resources.patch(
                rt, namespace, name, request.content_type, await self._body(request), opts, subresource
            )
            if not existed:  # the real server authorizes a create-by-apply as "create" too
                self._audit(request, rt, False, None, subresource, verb="create")
            return self._respond(request, rt, patched, 200 if existed else 201, opts)
        if request.method == "DELETE":
            if subresource:
                raise method_not_allowed("DELETE is not allowed on a subresource")
            options = {**(await self._body(request) or {}), **_delete_query(request)}
            obj, status = deletion.delete(
                self.resources, rt, namespace, name, options, request.query.get("dryRun") == "All"
            )
            return _json(obj, status)
        raise method_not_allowed(f"{request.method} is not allowed on {rt.plural}")

    async def _scale(self, request: web.Request, rt: ResourceType, namespace: str, name: str) -> web.Response:
        if request.method in ("PUT", "PATCH"):
            body = await self._body(request) or {}
            replicas = (body.get("spec") or {}).get("replicas")
            if not isinstance(replicas, int) or replicas < 0:
                raise bad_request("spec.replicas of a Scale must be a non-negative integer")
            self.resources.patch(
                rt,
                namespace,
                name,
                "application/merge-patch+json",
                {"spec": {"replicas": replicas}},
                self._options(request),
            )
        elif request.method != "GET":
            raise method_not_allowed(f"{request.method} is not allowed on scale")
        obj = self.resources.get(rt, namespace, name)
        selector = ((obj.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
        return _json(
            {
                "kind": "Scale",
                "apiVersion": "autoscaling/v1",
                "metadata": {
                    k: obj["metadata"][k]
                    for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                    if k in obj["metadata"]
                },
                "spec": {"replicas": (obj.get("spec") or {}).get("replicas", 0)},
                "status": {
                    "replicas": (obj.get("status") or {}).get("replicas", 0),
                    "selector": ",".join(f"{k}={v}" for k, v in selector.items()),
                },
            }
        )


def _delete_query(request: web.Request) -> JsonDict:
    options: JsonDict = {}
    if "propagationPolicy" in request.query:
        options["propagationPolicy"] = request.query["propagationPolicy"]
    if "orphanDependents" in request.query:
        options["orphanDependents"] = request.query["orphanDependents"] == "true"
    return options
