"""JSON Schema from the typed shapes of the answers (TypedDicts), so each shape is written once.

The serializers build these TypedDicts (plain dicts at run time: nothing to pay on the verify
path) and mypy checks them against the shape; the OpenAPI components are derived here.

``Annotated`` metadata refines a field: a ``str`` is its description, an ``Enum`` class its
values, a ``dict`` is merged in (a dict holding ``enum``, ``const`` or ``$ref`` replaces the
derived type).
"""

from __future__ import annotations

import enum
import types
from typing import (
    Annotated,
    Any,
    NotRequired,
    Required,
    Union,
    get_args,
    get_origin,
    get_type_hints,
    is_typeddict,
)

_SCALARS: dict[object, str] = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    type(None): "null",
}
_REPLACING = ("enum", "const", "$ref", "oneOf", "allOf")


def schema_of(shape: Any, refs: dict[Any, str] | None = None) -> dict[str, Any]:
    """The JSON Schema of ``shape``: a TypedDict (``refs`` names the ones that are components,
    referenced instead of inlined), or any annotation the answers use."""
    return _schema(shape, refs or {}, top=True)


def _object(shape: Any, refs: dict[Any, str]) -> dict[str, Any]:
    hints = get_type_hints(shape, include_extras=True)
    # NotRequired is read from the hints: under ``from __future__ import annotations`` Python
    # 3.11 cannot see it when it makes ``__required_keys__``.
    required = [name for name, hint in hints.items() if get_origin(hint) is not NotRequired]
    return {
        "type": "object",
        "required": required,
        "properties": {name: _schema(hint, refs) for name, hint in hints.items()},
    }


def _schema(hint: Any, refs: dict[Any, str], *, top: bool = False) -> dict[str, Any]:
    origin = get_origin(hint)
    if origin in (Required, NotRequired):
        return _schema(get_args(hint)[0], refs)
    if origin is Annotated:
        base, *metadata = get_args(hint)
        schema = _schema(base, refs)
        for meta in metadata:
            if isinstance(meta, str):
                schema["description"] = meta
            elif isinstance(meta, type) and issubclass(meta, enum.Enum):
                schema = {"enum": [member.value for member in meta]}
            elif isinstance(meta, dict):
                schema = (dict(meta) if any(k in meta for k in _REPLACING) else schema | meta) | (
                    {"description": schema["description"]} if "description" in schema else {}
                )
        return schema
    if is_typeddict(hint):
        if not top and hint in refs:
            return {"$ref": f"#/components/schemas/{refs[hint]}"}
        return _object(hint, refs)
    if isinstance(hint, type) and hint in _SCALARS:
        return {"type": _SCALARS[hint]}
    if hint is Any:
        return {}
    if origin in (Union, types.UnionType):
        options = [_schema(arg, refs) for arg in get_args(hint)]
        kinds = [option.get("type") for option in options]
        if all(isinstance(kind, str) for kind in kinds):
            merged: dict[str, Any] = {}
            for option in options:
                merged |= option
            if "number" in kinds:  # an integer is a number: say it once
                kinds = [kind for kind in kinds if kind != "integer"]
            return merged | {"type": kinds}
        return {"oneOf": options}
    if origin is list:
        return {"type": "array", "items": _schema(get_args(hint)[0], refs)}
    if origin is dict:
        value = get_args(hint)[1]
        return {"type": "object"} | (
            {} if value is Any else {"additionalProperties": _schema(value, refs)}
        )
    raise TypeError(f"no JSON Schema for {hint!r}")
