"""The Open Badges 3.0 JSON Schema, validated locally (schema URLs are never fetched)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
from jsonschema import Draft201909Validator

STANDARDS = Path(__file__).resolve().parent / "standards"
ACHIEVEMENT_CREDENTIAL_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
SCHEMA_VALIDATOR_TYPE = "1EdTechJsonSchemaValidator2019"
_FILES = {ACHIEVEMENT_CREDENTIAL_SCHEMA: "ob_v3p0_achievementcredential_schema.json"}


def refuse_retrieval(uri: str) -> Any:
    """Every ``$ref`` must resolve inside the schema itself: nothing is fetched."""
    raise LookupError(f"schema reference {uri} is not bundled; nothing is fetched")


@cache
def _schema(url: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((STANDARDS / _FILES[url]).read_text())
    return schema


@cache
def validator(url: str = ACHIEVEMENT_CREDENTIAL_SCHEMA) -> Draft201909Validator:
    """The reference validator for a known schema URL; ``KeyError`` for any other."""
    return Draft201909Validator(_schema(url))


@cache
def _fast(url: str) -> Any:
    """The same schema in ``jsonschema-rs`` (draft 2019-09, in Rust: about 15× faster).

    Like the reference validator, it treats ``format`` as an annotation. ``jsonschema`` stays
    the authority on what is wrong (see :func:`schema_errors`).
    """
    return jsonschema_rs.Draft201909Validator(
        _schema(url), validate_formats=False, retriever=refuse_retrieval
    )


def schema_errors(credential: Any, url: str = ACHIEVEMENT_CREDENTIAL_SCHEMA) -> list[str]:
    """Every violation of the schema, as ``path: message`` lines (empty when valid).

    A credential the fast validator accepts is valid; one it rejects is checked again by the
    reference validator, whose errors (or acceptance) are the answer.
    """
    try:
        if _fast(url).is_valid(credential):
            return []
    except ValueError:  # a value Rust cannot hold: let the reference decide
        pass
    errors = sorted(validator(url).iter_errors(credential), key=lambda e: list(e.absolute_path))
    return [
        "$"
        + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e.absolute_path)
        + f": {e.message[:200]}"
        for e in errors
    ]
