"""API errors as the Kubernetes API server reports them: a `Status` object with reason and code.

Clients (kubectl, kopf, the official Python client) branch on `reason` and `code`, and users
read `message`, so every failure the stand-in returns goes through this one type. Shapes
follow "API Concepts → Responses" and the `metav1.Status` reference in the Kubernetes docs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

JsonDict = dict[str, Any]


@dataclass
class ApiError(Exception):
    """An error response; `to_status()` gives the body the real server would send."""

    code: int
    reason: str
    message: str
    details: JsonDict | None = None

    def __str__(self) -> str:
        return f"{self.code} {self.reason}: {self.message}"

    def to_status(self) -> JsonDict:
        status: JsonDict = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details is not None:
            status["details"] = self.details
        return status


def _qualified(kind_or_resource: str, group: str) -> str:
    return f"{kind_or_resource}.{group}" if group else kind_or_resource


def not_found(resource: str, group: str, name: str) -> ApiError:
    return ApiError(
        404,
        "NotFound",
        f'{_qualified(resource, group)} "{name}" not found',
        {"name": name, "group": group, "kind": resource},
    )


def already_exists(resource: str, group: str, name: str) -> ApiError:
    return ApiError(
        409,
        "AlreadyExists",
        f'{_qualified(resource, group)} "{name}" already exists',
        {"name": name, "group": group, "kind": resource},
    )


def conflict(resource: str, group: str, name: str, why: str) -> ApiError:
    return ApiError(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {_qualified(resource, group)} "{name}": {why}',
        {"name": name, "group": group, "kind": resource},
    )


def stale_resource_version(resource: str, group: str, name: str) -> ApiError:
    return conflict(
        resource,
        group,
        name,
        "the object has been modified; please apply your changes to the latest version and try again",
    )


class PageNotFound(Exception):
    """A path outside every served API group and version: kube-apiserver's HTTP mux answers it with
    plain text "404 page not found", not a Status."""


def no_such_resource() -> ApiError:
    """A served group and version without the resource named (a Status with empty details)."""
    return ApiError(404, "NotFound", "the server could not find the requested resource", {})


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def method_not_allowed(message: str) -> ApiError:
    return ApiError(405, "MethodNotAllowed", message)


def unsupported_media_type(content_type: str) -> ApiError:
    return ApiError(
        415,
        "UnsupportedMediaType",
        f"the body of the request was in an unknown format - accepted media types include: {content_type}",
    )


def forbidden(resource: str, group: str, name: str, why: str) -> ApiError:
    return ApiError(
        403,
        "Forbidden",
        f'{_qualified(resource, group)} "{name}" is forbidden: {why}',
        {"name": name, "group": group, "kind": resource},
    )


def gone(message: str) -> ApiError:
    return ApiError(410, "Expired", message)


def unprocessable(message: str) -> ApiError:
    """A 422 with no field causes, as for a failed JSON patch `test` operation."""
    return ApiError(422, "UnprocessableEntity", message)


@dataclass(frozen=True)
class FieldError:
    """One field problem; `cause_reason` is a `metav1.CauseType` such as FieldValueInvalid."""

    path: str
    cause_reason: str
    detail: str

    @property
    def message(self) -> str:
        return f"{self.path}: {self.detail}" if self.path else self.detail


def invalid(kind: str, group: str, name: str, errors: list[FieldError]) -> ApiError:
    """422 Invalid, with one cause per field, worded like the real server's field errors."""
    joined = errors[0].message if len(errors) == 1 else "[" + ", ".join(e.message for e in errors) + "]"
    return ApiError(
        422,
        "Invalid",
        f'{_qualified(kind, group)} "{name}" is invalid: {joined}',
        {
            "name": name,
            "group": group,
            "kind": kind,
            "causes": [{"reason": e.cause_reason, "message": e.detail, "field": e.path} for e in errors],
        },
    )
