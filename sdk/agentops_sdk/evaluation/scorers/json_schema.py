"""`jsonSchema`: the answer is JSON that validates against `schema` (JSON Schema, via jsonschema)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import jsonschema

from ..cases import Case, SuiteError
from ..reply import Reply
from . import Score


@dataclass
class JsonSchema:
    schema: dict[str, Any] = field(default_factory=dict)
    name: str = "jsonSchema"

    def __post_init__(self) -> None:
        try:
            jsonschema.validators.validator_for(self.schema).check_schema(self.schema)
        except jsonschema.SchemaError as error:
            raise SuiteError(f"jsonSchema scorer: schema is not valid JSON Schema: {error.message}") from None
        self._validator = jsonschema.validators.validator_for(self.schema)(self.schema)

    def score(self, case: Case, reply: Reply) -> Score | None:
        try:
            document = json.loads(reply.text)
        except json.JSONDecodeError:
            return Score(False, "the answer is not JSON")
        error = jsonschema.exceptions.best_match(self._validator.iter_errors(document))
        if error is None:
            return Score(True, "the answer validates against the schema")
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        return Score(False, f"at {where}: {error.message}")
