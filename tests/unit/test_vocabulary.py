"""Unit: the operator's words are defined once, in `api/vocabulary.py`.

Condition types, reasons, step, router, notice and event kinds (and the few other words status
speaks) are `StrEnum`s there; no other module of the operator spells one of them as a string
literal (a reason typed twice drifts apart). Docstrings, `Literal[...]` types and wire field
aliases are not words of the vocabulary.
"""

from __future__ import annotations

import ast
from enum import StrEnum
from pathlib import Path

from agentops_operator.api import vocabulary

PACKAGE = Path(vocabulary.__file__).resolve().parents[1]
WORDS: dict[str, str] = {
    member.value: f"{enum.__name__}.{member.name}"
    for enum in vars(vocabulary).values()
    if isinstance(enum, type) and issubclass(enum, StrEnum) and enum is not StrEnum
    for member in enum
}


def literals(tree: ast.AST) -> list[ast.Constant]:
    """String constants that are not docstrings and not inside `Literal[...]`."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and getattr(node.value, "id", None) == "Literal":
            skipped |= {id(inner) for inner in ast.walk(node.slice)}
        if isinstance(node, ast.keyword) and node.arg == "alias":  # wire field names belong to the schema
            skipped.add(id(node.value))
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            skipped.add(id(body[0].value))
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skipped
    ]


def test_no_module_spells_a_vocabulary_word() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "vocabulary.py":
            continue
        for node in literals(ast.parse(path.read_text())):
            if node.value in WORDS:
                where = f"{path.relative_to(PACKAGE)}:{node.lineno}"
                found.append(f'{where}: "{node.value}" is {WORDS[node.value]}')
    assert not found, "use the vocabulary instead:\n" + "\n".join(found)


def test_the_crd_offers_exactly_the_vocabulary() -> None:
    """Where the schema lists words (enums), they are the vocabulary's: nothing more, nothing less."""
    from agentops_operator.api.crd import crd_manifest

    schema = crd_manifest()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    receiver = schema["properties"]["spec"]["properties"]["notifications"]["items"]["properties"]["on"]["items"]
    outcome = schema["properties"]["status"]["properties"]["history"]["items"]["properties"]["outcome"]
    assert set(receiver["enum"]) == set(vocabulary.NoticeKind)
    assert set(outcome["enum"]) == set(vocabulary.Outcome)
