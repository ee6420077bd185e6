"""Small readings of a credential's members shared by the verifier's checks."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
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


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_SECOND = dt.timedelta(seconds=1)


def stamp(moment: dt.datetime) -> str:
    """A moment as UTC to the second, for the reasons the checks give (``isoformat`` with Z).

    The text is made once per second: every verification within one second shares it, and
    formatting a date costs several times the lookup. The second is found with exact integer
    arithmetic (a float timestamp could round 23:59:59.9999995 up to the next day)."""
    if moment.utcoffset() is None:  # naive: local time, as astimezone reads it
        moment = moment.astimezone(dt.UTC)
    return _utc_second((moment - _EPOCH) // _SECOND)


@lru_cache(maxsize=4)
def _utc_second(seconds: int) -> str:
    return (_EPOCH + dt.timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")
