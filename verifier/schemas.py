"""The Open Badges 3.0 JSON Schema, validated locally (schema URLs are never fetched)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft201909Validator

STANDARDS = Path(__file__).resolve().parent / "standards"
ACHIEVEMENT_CREDENTIAL_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
SCHEMA_VALIDATOR_TYPE = "1EdTechJsonSchemaValidator2019"
_FILES = {ACHIEVEMENT_CREDENTIAL_SCHEMA: "ob_v3p0_achievementcredential_schema.json"}


@cache
def validator(url: str = ACHIEVEMENT_CREDENTIAL_SCHEMA) -> Draft201909Validator:
    """The validator for a known schema URL; ``KeyError`` for any other."""
    schema = json.loads((STANDARDS / _FILES[url]).read_text())
    return Draft201909Validator(schema)


def schema_errors(credential: Any, url: str = ACHIEVEMENT_CREDENTIAL_SCHEMA) -> list[str]:
    """Every violation of the schema, as ``path: message`` lines (empty when valid)."""
    errors = sorted(validator(url).iter_errors(credential), key=lambda e: list(e.absolute_path))
    return [
        "$"
        + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e.absolute_path)
        + f": {e.message[:200]}"
        for e in errors
    ]
