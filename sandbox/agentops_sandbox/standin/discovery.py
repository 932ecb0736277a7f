"""Discovery and OpenAPI documents, built from the registry on every request.

Discovery follows "API Discovery" (the unaggregated `/api`, `/apis`, `/apis/{group}` and
`/apis/{group}/{version}` documents; clients that ask for the aggregated form fall back to
these when the response is plain JSON). OpenAPI v3 follows "OpenAPI V3" (`/openapi/v3`
lists one document per group-version). Each PATCH operation declares the `fieldValidation`
query parameter, so kubectl leaves validation to the server (server-side field validation)
instead of downloading the protobuf OpenAPI v2, which the stand-in does not serve; custom
resources carry their CRD schema, so `kubectl explain` works for them. Built-in kinds are
described only by name and kind (no field schemas).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from .copying import json_copy
from .kinds import Registry, ResourceType

JsonDict = dict[str, Any]

SERVER_VERSION = {
    "major": "1",
    "minor": "34",
    "gitVersion": "v1.34.0-agentops-sandbox",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2026-01-01T00:00:00Z",
    "goVersion": "go1.24",
    "compiler": "gc",
    "platform": "linux/amd64",
}


def api_versions(address: str) -> JsonDict:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}],
    }


def _group(name: str, versions: list[str]) -> JsonDict:
    listed = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
    return {"name": name, "versions": listed, "preferredVersion": listed[0]}


def api_group_list(registry: Registry) -> JsonDict:
    groups = [_group(name, versions) for name, versions in registry.groups().items() if name]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_group(registry: Registry, name: str) -> JsonDict | None:
    versions = registry.groups().get(name)
    if not name or not versions:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group(name, versions)}


def resource_list(registry: Registry, group: str, version: str) -> JsonDict | None:
    types = registry.in_group_version(group, version)
    if not types:
        return None
    resources = [entry for rt in types for entry in rt.discovery_entries()]
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}" if group else version,
        "resources": resources,
    }


def _gv_path(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


def _schema_name(rt: ResourceType) -> str:
    reversed_group = ".".join(reversed(rt.group.split("."))) if rt.group else "io.k8s.api.core"
    return f"{reversed_group}.{rt.version}.{rt.kind}"


_OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"


def openapi_v3_root(registry: Registry) -> JsonDict:
    paths = {}
    for group, versions in registry.groups().items():
        for version in versions:
            doc = openapi_v3_group_version(registry, group, version)
            digest = hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:16].upper()
            path = _gv_path(group, version)
            paths[path] = {"serverRelativeURL": f"/openapi/v3/{path}?hash={digest}"}
    return {"paths": paths}


def openapi_v3_group_version(registry: Registry, group: str, version: str) -> JsonDict:
    paths: JsonDict = {}
    schemas: JsonDict = {
        _OBJECT_META: {
            "type": "object",
            "description": (
                "Standard object metadata: name, namespace, labels, annotations and the fields the server sets."
            ),
            "properties": {
                key: {"type": kind, "description": text}
                for key, kind, text in (
                    ("name", "string", "Name must be unique within a namespace."),
                    ("namespace", "string", "Namespace defines the space within which each name must be unique."),
                    ("labels", "object", "Map of string keys and values for organizing and selecting objects."),
                    ("annotations", "object", "Unstructured key value map for arbitrary metadata."),
                    ("uid", "string", "UID is the unique in time and space value for this object."),
                    ("resourceVersion", "string", "An opaque value for optimistic concurrency."),
                    (
                        "generation",
                        "integer",
                        "A sequence number representing a specific generation of the desired state.",
                    ),
                )
            },
        }
    }
    for rt in registry.in_group_version(group, version):
        name = _schema_name(rt)
        gvk = {"group": rt.group, "version": rt.version, "kind": rt.kind}
        schemas[name] = _kind_schema(rt, gvk)
        prefix = f"/{_gv_path(group, version)}"
        base = f"{prefix}/namespaces/{{namespace}}/{rt.plural}" if rt.namespaced else f"{prefix}/{rt.plural}"
        ref = {"$ref": f"#/components/schemas/{name}"}
        content_types = ["application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml"]
        paths[f"{base}/{{name}}"] = {
            "get": {
                "x-kubernetes-group-version-kind": gvk,
                "x-kubernetes-action": "get",
                "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": ref}}}},
            },
            "patch": {
                "x-kubernetes-group-version-kind": gvk,
                "x-kubernetes-action": "patch",
                "parameters": [
                    {
                        "name": "fieldValidation",
                        "in": "query",
                        "schema": {"type": "string", "uniqueItems": True},
                        "description": "Ignore, Warn or Strict handling of unknown or duplicate fields.",
                    },
                    {"name": "fieldManager", "in": "query", "schema": {"type": "string", "uniqueItems": True}},
                    {"name": "force", "in": "query", "schema": {"type": "boolean", "uniqueItems": True}},
                    {"name": "dryRun", "in": "query", "schema": {"type": "string", "uniqueItems": True}},
                ],
                "requestBody": {"content": {ct: {"schema": {"type": "object"}} for ct in content_types}},
                "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": ref}}}},
            },
        }
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": SERVER_VERSION["gitVersion"]},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def _kind_schema(rt: ResourceType, gvk: JsonDict) -> JsonDict:
    if rt.schema is not None:
        schema = json_copy(rt.schema)
    else:
        schema = {
            "type": "object",
            "x-kubernetes-preserve-unknown-fields": True,
            "description": (
                f"{rt.kind} ({rt.api_version}); field schemas of built-in kinds are not served by the sandbox."
            ),
        }
    properties = schema.setdefault("properties", {})
    properties.setdefault(
        "apiVersion",
        {
            "type": "string",
            "description": "APIVersion defines the versioned schema of this representation of an object.",
        },
    )
    properties.setdefault(
        "kind",
        {
            "type": "string",
            "description": "Kind is a string value representing the REST resource this object represents.",
        },
    )
    properties["metadata"] = {
        "allOf": [{"$ref": f"#/components/schemas/{_OBJECT_META}"}],
        "description": "Standard object's metadata.",
    }
    schema["x-kubernetes-group-version-kind"] = [gvk]
    return schema
