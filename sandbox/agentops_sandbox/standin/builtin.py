"""Defaulting, validation and views for the built-in kinds the stand-in serves.

The real server fills in defaults (a Deployment's strategy, a container's pull policy, a
Service's clusterIP) and rejects a few invalid shapes before storing an object. Clients —
our operator included — see those defaults when they read back, so comparing desired with
live state must already cope with them here. This is a deliberately small subset: the
defaults in "Deployments", "Service" and the API reference's defaulted fields, name rules
from "Object Names and IDs", ConfigMap/Secret immutability, and the Deployment selector rule.
Also here: the events.k8s.io/v1 ⇄ core/v1 Event conversion (one stored Event, two views).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from .errors import FieldError

JsonDict = dict[str, Any]

_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL_1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_LABEL_1035 = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")

SUBDOMAIN_MESSAGE = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
LABEL_1123_MESSAGE = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
LABEL_1035_MESSAGE = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
    "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
)

_NAME_RULES = {
    "Namespace": (_LABEL_1123, 63, LABEL_1123_MESSAGE),
    "Service": (_LABEL_1035, 63, LABEL_1035_MESSAGE),
}


def validate_name(kind: str, name: str) -> list[FieldError]:
    pattern, limit, message = _NAME_RULES.get(kind, (_SUBDOMAIN, 253, SUBDOMAIN_MESSAGE))
    if len(name) > limit:
        return [
            FieldError(
                "metadata.name",
                "FieldValueInvalid",
                f'Invalid value: "{name}": must be no more than {limit} characters',
            )
        ]
    if not pattern.match(name):
        return [FieldError("metadata.name", "FieldValueInvalid", f'Invalid value: "{name}": {message}')]
    return []


def validate_metadata(metadata: JsonDict) -> list[FieldError]:
    errors = []
    for key, value in (metadata.get("labels") or {}).items():
        name = key.rsplit("/", 1)[-1]
        if not _QUALIFIED_NAME.match(name) or len(name) > 63:
            errors.append(
                FieldError(
                    "metadata.labels",
                    "FieldValueInvalid",
                    f"Invalid value: \"{key}\": name part must consist of alphanumeric characters, '-', "
                    "'_' or '.', and must start and end with an alphanumeric character",
                )
            )
        if not isinstance(value, str) or len(value) > 63 or not _LABEL_VALUE.match(value):
            errors.append(
                FieldError(
                    "metadata.labels",
                    "FieldValueInvalid",
                    f'Invalid value: "{value}": a valid label must be an empty string or consist of '
                    "alphanumeric characters, '-', '_' or '.', and must start and end with an "
                    "alphanumeric character, and at most 63 characters",
                )
            )
    for key, value in (metadata.get("annotations") or {}).items():
        if not isinstance(value, str):
            errors.append(
                FieldError(
                    f"metadata.annotations[{key}]",
                    "FieldValueTypeInvalid",
                    "Invalid value: annotation values must be strings",
                )
            )
    return errors


def _default_container(container: JsonDict) -> None:
    image = str(container.get("image", ""))
    tagless = ":" not in image.rsplit("/", 1)[-1] and "@" not in image
    container.setdefault("imagePullPolicy", "Always" if tagless or image.endswith(":latest") else "IfNotPresent")
    container.setdefault("terminationMessagePath", "/dev/termination-log")
    container.setdefault("terminationMessagePolicy", "File")
    container.setdefault("resources", {})
    for port in container.get("ports") or []:
        port.setdefault("protocol", "TCP")


def _default_pod_spec(spec: JsonDict) -> None:
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")
    for container in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        _default_container(container)
    for volume in spec.get("volumes") or []:
        for source in ("configMap", "secret"):
            if source in volume:
                volume[source].setdefault("defaultMode", 420)


class ServiceIPs:
    """Hands out clusterIPs from 10.96.0.0/16, as the service IP allocator would."""

    def __init__(self) -> None:
        self._network = ipaddress.ip_network("10.96.0.0/16")
        self._next = 10

    def allocate(self) -> str:
        address = str(self._network[self._next])
        self._next += 1
        return address


def apply_defaults(kind: str, obj: JsonDict, ips: ServiceIPs) -> None:
    spec = obj.get("spec")
    if kind == "Deployment" and isinstance(spec, dict):
        spec.setdefault("replicas", 1)
        spec.setdefault("revisionHistoryLimit", 10)
        spec.setdefault("progressDeadlineSeconds", 600)
        strategy = spec.setdefault("strategy", {"type": "RollingUpdate"})
        if strategy.get("type", "RollingUpdate") == "RollingUpdate":
            strategy.setdefault("type", "RollingUpdate")
            strategy.setdefault("rollingUpdate", {"maxUnavailable": "25%", "maxSurge": "25%"})
        _default_pod_spec(spec.setdefault("template", {}).setdefault("spec", {}))
    elif kind == "Job" and isinstance(spec, dict):
        spec.setdefault("parallelism", 1)
        spec.setdefault("completions", 1)
        spec.setdefault("backoffLimit", 6)
        spec.setdefault("completionMode", "NonIndexed")
        spec.setdefault("suspend", False)
        template_spec = spec.setdefault("template", {}).setdefault("spec", {})
        template_spec.setdefault("restartPolicy", "Never")
        _default_pod_spec(template_spec)
    elif kind == "Pod" and isinstance(spec, dict):
        _default_pod_spec(spec)
    elif kind == "Service" and isinstance(spec, dict):
        spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        if spec.get("clusterIP") != "None" and "clusterIP" not in spec:
            spec["clusterIP"] = ips.allocate()
        if spec.get("clusterIP"):
            spec.setdefault("clusterIPs", [spec["clusterIP"]])
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")
        spec.setdefault("internalTrafficPolicy", "Cluster")
        for port in spec.get("ports") or []:
            port.setdefault("protocol", "TCP")
            port.setdefault("targetPort", port.get("port"))
    elif kind == "Secret":
        obj.setdefault("type", "Opaque")
    elif kind == "Namespace":
        obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
        obj.setdefault("status", {}).setdefault("phase", "Active")
        obj.setdefault("metadata", {}).setdefault("labels", {})["kubernetes.io/metadata.name"] = obj["metadata"]["name"]


MAX_DATA_BYTES = 1024 * 1024  # a ConfigMap's or Secret's data, all keys together (kube-apiserver)


def _data_size(kind: str, obj: JsonDict) -> list[FieldError]:
    """A ConfigMap's `data` counts as UTF-8 bytes; base64 values (its `binaryData`, a Secret's
    `data`) as the bytes they decode to."""
    text, encoded = (
        (obj.get("data") or {}, obj.get("binaryData") or {}) if kind == "ConfigMap" else ({}, obj.get("data") or {})
    )
    size = sum(len(str(value).encode()) for value in text.values())
    size += sum(len(str(value)) * 3 // 4 for value in encoded.values())
    if size <= MAX_DATA_BYTES:
        return []
    # The whole object is too long, not one field: kube-apiserver names it "[]".
    return [FieldError("[]", "FieldValueTooLong", f"Too long: may not be more than {MAX_DATA_BYTES} bytes")]


def validate(kind: str, obj: JsonDict, old: JsonDict | None) -> list[FieldError]:
    errors: list[FieldError] = []
    if kind in ("ConfigMap", "Secret") and old is not None and old.get("immutable"):
        for field in ("data", "binaryData", "stringData"):
            if obj.get(field) != old.get(field):
                errors.append(
                    FieldError(field, "FieldValueForbidden", "Forbidden: field is immutable when `immutable` is set")
                )
        if not obj.get("immutable"):
            errors.append(
                FieldError("immutable", "FieldValueForbidden", "Forbidden: field is immutable when `immutable` is set")
            )
    if kind in ("ConfigMap", "Secret"):
        errors += _data_size(kind, obj)
    if kind == "Deployment":
        spec = obj.get("spec") or {}
        selector = (spec.get("selector") or {}).get("matchLabels")
        if not spec.get("selector"):
            errors.append(FieldError("spec.selector", "FieldValueRequired", "Required value"))
        labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
        if selector and any(labels.get(k) != v for k, v in selector.items()):
            errors.append(
                FieldError(
                    "spec.template.metadata.labels",
                    "FieldValueInvalid",
                    f"Invalid value: {labels}: `selector` does not match template `labels`",
                )
            )
        containers = ((spec.get("template") or {}).get("spec") or {}).get("containers")
        if not containers:
            errors.append(FieldError("spec.template.spec.containers", "FieldValueRequired", "Required value"))
        if old is not None and (old.get("spec") or {}).get("selector") != spec.get("selector"):
            errors.append(FieldError("spec.selector", "FieldValueInvalid", "Invalid value: field is immutable"))
    return errors


_EVENT_RENAMES = (  # events.k8s.io/v1 name, core/v1 name
    ("regarding", "involvedObject"),
    ("note", "message"),
    ("deprecatedSource", "source"),
    ("deprecatedFirstTimestamp", "firstTimestamp"),
    ("deprecatedLastTimestamp", "lastTimestamp"),
    ("deprecatedCount", "count"),
    ("reportingController", "reportingComponent"),
)


def event_to_core(event: JsonDict) -> JsonDict:
    core = {k: v for k, v in event.items() if k not in {a for a, _ in _EVENT_RENAMES}}
    for new_name, old_name in _EVENT_RENAMES:
        if new_name in event:
            core[old_name] = event[new_name]
    core["apiVersion"] = "v1"
    return core


def event_from_core(core: JsonDict) -> JsonDict:
    event = {k: v for k, v in core.items() if k not in {b for _, b in _EVENT_RENAMES}}
    for new_name, old_name in _EVENT_RENAMES:
        if old_name in core:
            event[new_name] = core[old_name]
    event["apiVersion"] = "events.k8s.io/v1"
    return event
