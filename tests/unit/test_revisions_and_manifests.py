"""Unit: revision hashing and the child manifests (pure functions)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from hypothesis import given
from hypothesis import strategies as st

from agentops_operator.api.spec import AgentDeploymentSpec
from agentops_operator.engine import manifests
from agentops_operator.engine.revisions import bundle, revision_hash

ROOT = Path(__file__).resolve().parents[2]
SPEC = AgentDeploymentSpec.model_validate(
    yaml.safe_load((ROOT / "examples" / "support-agent.yaml").read_text())["spec"]
)
IDENTITY = manifests.Identity("default", "support-agent", "uid-1")


def spec_with(**changes: object) -> AgentDeploymentSpec:
    return AgentDeploymentSpec.model_validate({**SPEC.wire(), **changes})


def test_hash_is_short_stable_and_ignores_replicas_and_history_limit() -> None:
    first = revision_hash(bundle(SPEC, "prompt"))
    assert len(first) == 10 and all(c in "0123456789abcdef" for c in first)
    assert revision_hash(bundle(spec_with(replicas=7, revisionHistoryLimit=1), "prompt")) == first


def test_hash_changes_with_each_part_of_the_revision() -> None:
    base = revision_hash(bundle(SPEC, "prompt"))
    variants = [
        bundle(SPEC, "another prompt"),
        bundle(spec_with(model={**SPEC.model.wire(), "name": "gpt-4o"}), "prompt"),
        bundle(spec_with(runtime={**SPEC.runtime.wire(), "image": "other:1"}), "prompt"),
        bundle(spec_with(tools=SPEC.wire()["tools"][:1]), "prompt"),  # type: ignore[index]
        bundle(spec_with(guardrails=[]), "prompt"),
    ]
    hashes = {revision_hash(v) for v in variants}
    assert base not in hashes and len(hashes) == len(variants)


@given(st.text(), st.text())
def test_different_prompts_never_collide_in_practice(a: str, b: str) -> None:
    if a != b:
        assert revision_hash(bundle(SPEC, a)) != revision_hash(bundle(SPEC, b))


def test_deployment_manifest() -> None:
    content = bundle(SPEC, "prompt")
    deployment = manifests.revision_deployment(IDENTITY, "abc123", content, 3)
    assert deployment["metadata"]["name"] == "support-agent-abc123"
    assert deployment["spec"]["replicas"] == 3
    assert deployment["spec"]["selector"]["matchLabels"] == {
        "agentops.dev/agent": "support-agent",
        "agentops.dev/revision": "abc123",
    }
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    names = [e["name"] for e in container["env"]]
    assert names[:3] == ["AGENT_NAME", "AGENT_NAMESPACE", "AGENT_REVISION"] and "OPENAI_API_KEY" in names
    assert container["resources"] == {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}}
    assert deployment["metadata"]["ownerReferences"][0]["uid"] == "uid-1"


def test_pods_are_restricted_by_default_and_each_field_can_be_changed() -> None:
    """PSS restricted: non-root, RuntimeDefault seccomp, no escalation, no capabilities, no token."""
    pod = manifests.revision_deployment(IDENTITY, "abc123", bundle(SPEC, "prompt"), 1)["spec"]["template"]["spec"]
    assert pod["securityContext"] == {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
    assert pod["automountServiceAccountToken"] is False
    assert pod["containers"][0]["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
    }
    runtime = {
        **SPEC.runtime.wire(),
        "podSecurityContext": {"runAsUser": 1000, "fsGroup": 2000},
        "securityContext": {
            "readOnlyRootFilesystem": True,
            "capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]},
        },
        "automountServiceAccountToken": True,
    }
    pod = manifests.revision_deployment(IDENTITY, "abc123", bundle(spec_with(runtime=runtime), "prompt"), 1)["spec"][
        "template"
    ]["spec"]
    assert pod["securityContext"] == {
        "runAsNonRoot": True,
        "seccompProfile": {"type": "RuntimeDefault"},
        "runAsUser": 1000,
        "fsGroup": 2000,
    }
    assert pod["containers"][0]["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]},
    }
    assert pod["automountServiceAccountToken"] is True


def test_an_upgrade_that_adds_pod_security_keeps_existing_revision_hashes() -> None:
    """The new fields are unset unless a user sets them: no agent gets a new revision from it."""
    assert "securityContext" not in SPEC.runtime.wire() and "automountServiceAccountToken" not in SPEC.runtime.wire()


def test_desired_hash_tracks_content() -> None:
    content = bundle(SPEC, "prompt")
    one = manifests.revision_deployment(IDENTITY, "abc", content, 1)
    assert manifests.desired_hash(one) == manifests.desired_hash(
        manifests.revision_deployment(IDENTITY, "abc", content, 1)
    )
    assert manifests.desired_hash(one) != manifests.desired_hash(
        manifests.revision_deployment(IDENTITY, "abc", content, 2)
    )


def test_service_and_bundle() -> None:
    content = bundle(SPEC, "prompt")
    service = manifests.service(IDENTITY, "abc", content)
    assert service["metadata"]["name"] == "support-agent"
    assert service["spec"]["selector"]["agentops.dev/revision"] == "abc"
    config_map = manifests.bundle_config_map(IDENTITY, "abc", content)
    assert config_map["immutable"] is True
    assert json.loads(config_map["data"]["bundle.json"]) == content
