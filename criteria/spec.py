"""Reading a rule file's TOML tables with every error naming file, path and problem."""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping
from typing import Any

from criteria.errors import RuleFileError

SLUG = re.compile(r"^[a-z0-9]+(?:[.-][a-z0-9]+)*$")
_MISSING = object()


def _type_name(value: object) -> str:
    return {
        bool: "a boolean", int: "an integer", float: "a number", str: "text",
        list: "an array", dict: "a table",
    }.get(type(value), type(value).__name__)  # fmt: skip


class Spec:
    """One TOML table being read. Every key must be consumed: :meth:`finish` rejects the rest."""

    def __init__(self, data: Mapping[str, Any], file: str, path: str = "") -> None:
        if not isinstance(data, Mapping):
            raise RuleFileError(file, path, f"expected a table, found {_type_name(data)}")
        self.data = data
        self.file = file
        self.path = path
        self._read: set[str] = set()

    def at(self, key: str | int) -> str:
        if isinstance(key, int):
            return f"{self.path}[{key}]"
        return f"{self.path}.{key}" if self.path else key

    def error(self, key: str | int | None, problem: str) -> RuleFileError:
        return RuleFileError(self.file, self.path if key is None else self.at(key), problem)

    def has(self, key: str) -> bool:
        return key in self.data

    def raw(self, key: str, default: Any = _MISSING) -> Any:
        self._read.add(key)
        if key not in self.data:
            if default is _MISSING:
                raise self.error(key, "required key is missing")
            return default
        return self.data[key]

    def _typed(
        self, key: str, kind: type | tuple[type, ...], expected: str, default: Any = _MISSING
    ) -> Any:
        value = self.raw(key, default)
        if default is not _MISSING and value is default:
            return value
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise self.error(key, f"expected {expected}, found {_type_name(value)}")
        return value

    def text(self, key: str) -> str:
        value: str = self._typed(key, str, "text")
        if not value.strip():
            raise self.error(key, "must not be empty")
        return value

    def optional_text(self, key: str) -> str | None:
        return self.text(key) if self.has(key) else self.raw(key, None)

    def slug(self, key: str) -> str:
        value = self.text(key)
        if not SLUG.match(value):
            raise self.error(key, f"{value!r} is not an id (lower-case words joined by - or .)")
        return value

    def choice(self, key: str, choices: Collection[str]) -> str:
        value = self.text(key)
        if value not in choices:
            raise self.error(key, f"{value!r} is not one of {', '.join(choices)}")
        return value

    def optional_choice(self, key: str, choices: Collection[str]) -> str | None:
        return self.choice(key, choices) if self.has(key) else self.raw(key, None)

    def boolean(self, key: str, default: bool) -> bool:
        value: bool = self._typed(key, bool, "true or false", default)
        return value

    def integer(self, key: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
        value: int = self._typed(key, int, "an integer")
        self._check_range(key, value, minimum, maximum)
        return value

    def optional_integer(
        self, key: str, *, minimum: int | None = None, maximum: int | None = None
    ) -> int | None:
        if not self.has(key):
            absent: None = self.raw(key, None)
            return absent
        return self.integer(key, minimum=minimum, maximum=maximum)

    def number(
        self, key: str, *, minimum: float | None = None, maximum: float | None = None
    ) -> float:
        value: float = self._typed(key, (int, float), "a number")
        if not math.isfinite(value):
            raise self.error(key, f"{value} is not a finite number")
        self._check_range(key, value, minimum, maximum)
        return value

    def optional_number(
        self, key: str, *, minimum: float | None = None, maximum: float | None = None
    ) -> float | None:
        if not self.has(key):
            absent: None = self.raw(key, None)
            return absent
        return self.number(key, minimum=minimum, maximum=maximum)

    def _check_range(
        self, key: str, value: float, minimum: float | None, maximum: float | None
    ) -> None:
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            low = "" if minimum is None else f" ≥ {minimum}"
            high = "" if maximum is None else f" ≤ {maximum}"
            joined = " and".join(part for part in (low, high) if part)
            raise self.error(key, f"{value} is out of range: must be{joined}")

    def text_list(self, key: str, *, required: bool = True) -> tuple[str, ...]:
        values = self._typed(key, list, "an array", _MISSING if required else [])
        for i, value in enumerate(values):
            if not isinstance(value, str) or not value.strip():
                raise RuleFileError(self.file, f"{self.at(key)}[{i}]", "expected non-empty text")
        return tuple(values)

    def slug_list(
        self, key: str, *, allowed: Collection[str] | None = None, what: str = "id",
        non_empty: bool = True,
    ) -> tuple[str, ...]:  # fmt: skip
        values = self.text_list(key)
        if non_empty and not values:
            raise self.error(key, "must list at least one id")
        seen: set[str] = set()
        for i, value in enumerate(values):
            where = f"{self.at(key)}[{i}]"
            if value in seen:
                raise RuleFileError(self.file, where, f"{value!r} is listed twice")
            if allowed is not None and value not in allowed:
                known = ", ".join(sorted(allowed)) or "none defined"
                raise RuleFileError(self.file, where, f"unknown {what} {value!r} (known: {known})")
            seen.add(value)
        return values

    def table(self, key: str) -> Spec:
        return Spec(self._typed(key, dict, "a table"), self.file, self.at(key))

    def tables(self, key: str, *, required: bool = False) -> list[Spec]:
        values = self._typed(key, list, "an array", _MISSING if required else [])
        if required and not values:
            raise self.error(key, "must have at least one entry")
        return [Spec(v, self.file, f"{self.at(key)}[{i}]") for i, v in enumerate(values)]

    def finish(self) -> None:
        """Reject keys nobody read: a typo must not silently drop a rule's parameter."""
        unknown = sorted(set(self.data) - self._read)
        if unknown:
            raise self.error(unknown[0], "unknown key")
