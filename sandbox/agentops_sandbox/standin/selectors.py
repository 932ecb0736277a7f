"""Label and field selectors, parsed and matched the way the API server does.

Syntax follows "Labels and Selectors" (equality-based `=`, `==`, `!=`; set-based `in`,
`notin`, exists `key` and `!key`) and "Field Selectors" (`=`, `==`, `!=` on a fixed list of
supported fields per kind). No library parses the Kubernetes selector grammar, so this small
tokenizer does; a malformed selector is a 400 like the real server's (which selectors are refused
was checked against kube-apiserver v1.37; the wording of some messages differs).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import bad_request

_LABEL_REQUIREMENT = re.compile(
    r"""^\s*(?P<neg>!)?\s*(?P<key>[A-Za-z0-9_./-]+)\s*
        (?:(?P<op>==|=|!=)\s*(?P<value>[A-Za-z0-9_.-]*)
          |\s+(?P<setop>in|notin)\s*\((?P<values>[^)]*)\)
        )?\s*$""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: str  # "=", "!=", "in", "notin", "exists", "!exists"
    values: frozenset[str]

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        value = labels.get(self.key)
        if self.operator == "exists":
            return present
        if self.operator == "!exists":
            return not present
        if self.operator in ("=", "in"):
            return present and value in self.values
        # "!=" and "notin" match objects that lack the key, as in the real server.
        return not present or value not in self.values


_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
_PREFIX = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def _check_key(key: str) -> None:
    prefix, _, name = key.rpartition("/")
    if not _NAME.match(name) or (prefix and (len(prefix) > 253 or not _PREFIX.match(prefix))):
        raise bad_request(
            f'unable to parse requirement: Invalid value: "{key}": name part must consist of '
            "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
            "character"
        )


def _check_values(key: str, values: frozenset[str]) -> None:
    for value in values:
        if value and not _NAME.match(value):
            raise bad_request(
                f'unable to parse requirement: values[0][{key}]: Invalid value: "{value}": a valid '
                "label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
                "and must start and end with an alphanumeric character"
            )


def _split_top_level(text: str) -> list[str]:
    """Split on commas that are not inside a parenthesised value set."""
    parts: list[str] = []
    depth = 0
    current = ""
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [p.strip() for p in parts]


def parse_label_selector(text: str | None) -> list[Requirement]:
    if not text:
        return []
    requirements = []
    for part in _split_top_level(text):
        if not part:
            raise bad_request("found '', expected: identifier after ','")
        match = _LABEL_REQUIREMENT.match(part)
        if not match:
            raise bad_request(f"unable to parse requirement: found '{part}', expected: valid label selector")
        key = match["key"]
        _check_key(key)
        if match["neg"]:
            if match["op"] or match["setop"]:
                raise bad_request(f"unable to parse requirement: '{part}': '!' only negates existence")
            requirements.append(Requirement(key, "!exists", frozenset()))
        elif match["op"]:
            op = "!=" if match["op"] == "!=" else "="
            _check_values(key, frozenset([match["value"]]))
            requirements.append(Requirement(key, op, frozenset([match["value"]])))
        elif match["setop"]:  # an empty set is allowed: `in ()` matches nothing, `notin ()` anything
            values = frozenset(v.strip() for v in match["values"].split(",") if v.strip())
            _check_values(key, values)
            requirements.append(Requirement(key, match["setop"], values))
        else:
            requirements.append(Requirement(key, "exists", frozenset()))
    return requirements


def labels_match(requirements: list[Requirement], labels: Mapping[str, str] | None) -> bool:
    labels = labels or {}
    return all(r.matches(labels) for r in requirements)


FieldGetter = Callable[[Mapping[str, Any]], str]


def _path_getter(path: str) -> FieldGetter:
    keys = path.split(".")

    def get(obj: Mapping[str, Any]) -> str:
        value: Any = obj
        for key in keys:
            value = value.get(key) if isinstance(value, Mapping) else None
        return "" if value is None else str(value)

    return get


COMMON_FIELDS = ("metadata.name", "metadata.namespace")

# Extra field selectors the real server supports for some kinds (see the Field Selectors page).
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "Event": (
        "involvedObject.kind",
        "involvedObject.namespace",
        "involvedObject.name",
        "involvedObject.uid",
        "involvedObject.apiVersion",
        "involvedObject.resourceVersion",
        "involvedObject.fieldPath",
        "reason",
        "reportingComponent",
        "source",
        "type",
    ),
    "Secret": ("type",),
    "Namespace": ("status.phase",),
    "Pod": (
        "spec.nodeName",
        "spec.restartPolicy",
        "spec.schedulerName",
        "spec.serviceAccountName",
        "status.phase",
        "status.podIP",
    ),
    "Job": ("status.successful",),
    "ReplicaSet": ("status.replicas",),
}


@dataclass(frozen=True)
class FieldRequirement:
    path: str
    equals: bool
    value: str
    getter: FieldGetter

    def matches(self, obj: Mapping[str, Any]) -> bool:
        return (self.getter(obj) == self.value) == self.equals


def parse_field_selector(text: str | None, kind: str) -> list[FieldRequirement]:
    if not text:
        return []
    allowed = COMMON_FIELDS + KIND_FIELDS.get(kind, ())
    requirements = []
    for part in _split_top_level(text):
        match = re.match(r"^\s*([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*?)\s*$", part)
        if not match:
            raise bad_request(f"invalid selector: '{text}'; can't understand '{part}'")
        path, op, value = match.groups()
        if path not in allowed and kind in KIND_FIELDS:  # kinds with their own field labels
            raise bad_request(f"field label not supported: {path}")
        if path not in allowed:
            raise bad_request(f'"{path}" is not a known field selector: only "metadata.name", "metadata.namespace"')
        requirements.append(FieldRequirement(path, op != "!=", value, _path_getter(path)))
    return requirements


def fields_match(requirements: list[FieldRequirement], obj: Mapping[str, Any]) -> bool:
    return all(r.matches(obj) for r in requirements)
