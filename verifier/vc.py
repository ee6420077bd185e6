"""Small readings of a credential's members shared by the verifier's checks."""

from __future__ import annotations

import datetime as dt
from typing import Any


def issuer_id(credential: dict[str, Any]) -> str | None:
    """The issuer's id, whether ``issuer`` is a string or a profile object."""
    issuer = credential.get("issuer")
    value = issuer.get("id") if isinstance(issuer, dict) else issuer
    return value if isinstance(value, str) else None


def achievement(credential: dict[str, Any]) -> dict[str, Any]:
    """``credentialSubject.achievement``, or ``{}`` when it is missing or not an object."""
    subject = credential.get("credentialSubject")
    found = subject.get("achievement") if isinstance(subject, dict) else None
    return found if isinstance(found, dict) else {}


def instant(value: Any) -> dt.datetime | None:
    """An XML Schema dateTime with an explicit offset, or None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def stamp(moment: dt.datetime) -> str:
    """A moment as UTC to the second, for the reasons the checks give."""
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
