"""AgentIncident objects as the engine wants them: pure builders from status incidents."""

from __future__ import annotations

import re
from typing import Any

from ..api import resource
from ..api.incident import INCIDENT_KIND
from ..api.status import Incident
from ..api.vocabulary import Reason
from .manifests import Identity, labels

JsonDict = dict[str, Any]


def incident_name(identity: Identity, incident: Incident) -> str:
    kind = re.sub(r"[^a-z0-9-]", "-", incident.type.lower()).strip("-")
    return f"{identity.name}-{kind}-{incident.revision}"[:253]


def incident_object(identity: Identity, incident: Incident) -> JsonDict:
    """The AgentIncident (spec and status) for a status incident."""
    actions = [a for a in incident.actions if a != "Notify"]
    conditions = [
        {
            "type": "Detected",
            "status": "True",
            "reason": incident.type,
            "message": incident.message,
            "lastTransitionTime": incident.detected_at,
        },
        {
            "type": "Mitigated",
            "status": "True" if actions else "False",
            "reason": Reason.ACTIONS_APPLIED if actions else Reason.NO_MITIGATION,
            "message": f"applied: {', '.join(actions)}" if actions else "the runbook only notifies",
            "lastTransitionTime": incident.detected_at,
        },
        {
            "type": "Resolved",
            "status": "True" if incident.resolved_at else "False",
            "reason": Reason.SIGNAL_HEALTHY if incident.resolved_at else Reason.OPEN,
            "message": "the signal stayed healthy" if incident.resolved_at else "still open",
            "lastTransitionTime": incident.resolved_at or incident.detected_at,
        },
    ]
    return {
        "apiVersion": resource.API_VERSION,
        "kind": INCIDENT_KIND,
        "metadata": {
            "name": incident_name(identity, incident),
            "namespace": identity.namespace,
            "labels": {**labels(identity, incident.revision), "agentops.dev/incident-type": incident.type[:63]},
            "ownerReferences": [identity.owner_reference()],
        },
        "spec": {
            key: value
            for key, value in {
                "agent": identity.name,
                "revision": incident.revision,
                "type": incident.type,
                "severity": incident.severity,
                "signalValue": incident.value,
                "baseline": incident.baseline,
                "actions": incident.actions,
                # mitigations are applied in the reconcile that detects the incident
                "actionsTaken": [{"action": action, "time": incident.detected_at} for action in incident.actions],
            }.items()
            if value is not None
        },  # null is not a number: absent values are left out
        "status": {"conditions": conditions, "occurrences": incident.occurrences, "message": incident.message},
    }
