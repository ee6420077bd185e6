"""Revocation and suspension via a Bitstring Status List (BSL §3.2), from public material only."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, NamedTuple

from verifier import bitstring
from verifier.errors import (
    BitstringError,
    FetchError,
    FetchRefused,
    KeyRejected,
    SignatureError,
    TokenError,
)
from verifier.fetch import Fetcher
from verifier.jose import read_compact, verify_signature
from verifier.keys import key_for, resolve_key
from verifier.memo import ByteBudget
from verifier.result import CheckResult, CheckStatus
from verifier.vc import instant, issuer_id, stamp

#: A status-list credential may be larger than a credential (a 16 KiB list compresses badly
#: once many entries are set), but never larger than the fetch limit.
MAX_STATUS_LIST_BYTES = 1024 * 1024
ENTRY_TYPES = ("BitstringStatusListEntry", "StatusList2021Entry")
_INDEX = int | str  # what statusListIndex may be (a union built once, not per isinstance call)
LIST_TYPES = ("BitstringStatusListCredential", "StatusList2021Credential")
#: What this process keeps of the status lists it has read (their text, parsed payload, checked
#: signature and decoded bits), in bytes: 16 lists of the largest size accepted
#: (``bitstring.MAX_ENTRIES``), or 2,048 of the smallest. Beyond it the oldest are read again.
CACHE_BYTES = 32 * 1024 * 1024
#: The status lists' memory, shared by the steps below (``CACHE.bytes`` is its current size).
CACHE = ByteBudget(CACHE_BYTES)


def _result(status: CheckStatus, detail: str) -> CheckResult:
    return CheckResult("status", status, detail)


def check_status(
    credential: dict[str, Any],
    fetcher: Fetcher,
    *,
    now: dt.datetime,
    leeway: dt.timedelta,
    allow_http: bool,
) -> CheckResult:
    reading = _Reading(fetcher, now, leeway, allow_http)
    entries = credential.get("credentialStatus")
    if entries is None:
        return _result(
            CheckStatus.SKIP, "the credential has no credentialStatus: it cannot be revoked"
        )
    if isinstance(entries, dict):  # one entry, the usual case: its outcome is the answer
        return _check_entry(entries, credential, reading)
    entries = entries if isinstance(entries, list) else [entries]
    if not entries:
        return _result(
            CheckStatus.SKIP, "the credential's credentialStatus is empty: it cannot be revoked"
        )
    outcomes = []
    for entry in entries:
        if not isinstance(entry, dict):
            return _result(CheckStatus.FAIL, "credentialStatus is not an object")
        outcomes.append(_check_entry(entry, credential, reading))
    for wanted in (CheckStatus.FAIL, CheckStatus.UNKNOWN):
        for outcome in outcomes:
            if outcome.status is wanted:
                return outcome
    return outcomes[0]


class _Reading(NamedTuple):
    """How a credential's status entries are read: the same for each of them."""

    fetcher: Fetcher
    now: dt.datetime
    leeway: dt.timedelta
    allow_http: bool


def _check_entry(
    entry: dict[str, Any], credential: dict[str, Any], reading: _Reading
) -> CheckResult:
    fetcher, now, leeway, allow_http = reading
    if entry.get("type") not in ENTRY_TYPES:
        return _result(CheckStatus.UNKNOWN, f"status method {entry.get('type')!r} is not supported")
    url = entry.get("statusListCredential")
    purpose = entry.get("statusPurpose")
    index = entry.get("statusListIndex")
    try:
        index = int(index) if isinstance(index, _INDEX) and str(index).isdigit() else None
    except ValueError:
        index = None
    if not isinstance(url, str) or index is None or purpose not in ("revocation", "suspension"):
        return _result(
            CheckStatus.FAIL,
            "malformed status entry (statusListCredential, statusListIndex, statusPurpose)",
        )
    try:
        token = _text(fetcher.get(url))
    except FetchRefused as exc:
        return _result(CheckStatus.FAIL, f"status list refused: {exc}")
    except (FetchError, UnicodeDecodeError) as exc:
        return _result(
            CheckStatus.UNKNOWN,
            f"could not read the status list at {stamp(now)} ({exc}); revocation was not checked",
        )
    try:
        header, status_credential = _read_list(token)
        status_issuer = issuer_id(status_credential)
        if status_issuer is None or status_issuer != issuer_id(credential):
            return _result(
                CheckStatus.FAIL,
                f"the status list is issued by {status_issuer}, not the credential's issuer",
            )
        key = resolve_key(header, status_issuer, fetcher, allow_http=allow_http)
        _verified_once(token, key.canonical_jwk, header["alg"])
    except (TokenError, SignatureError, KeyRejected, FetchRefused) as exc:
        return _result(CheckStatus.FAIL, f"the status list's signature does not hold: {exc}")
    except FetchError as exc:
        return _result(
            CheckStatus.UNKNOWN, f"could not fetch the status list's key at {stamp(now)} ({exc})"
        )
    facts = _list_facts(token)
    if not facts.is_list:
        return _result(CheckStatus.FAIL, "the status list is not a BitstringStatusListCredential")
    if purpose not in facts.purposes:
        return _result(
            CheckStatus.FAIL,
            f"the status list's purpose is {facts.purposes}, the entry's {purpose}",
        )
    if facts.expiry is not None and facts.expiry + leeway < now:
        return _result(CheckStatus.FAIL, f"the status list expired on {facts.valid_until}")
    bits = facts.bits
    if bits is None:
        return _result(CheckStatus.FAIL, f"the status list cannot be decoded: {facts.unreadable}")
    size = len(bits) * 8
    if size < bitstring.MIN_ENTRIES:
        return _result(
            CheckStatus.FAIL,
            f"the status list has {size} entries, fewer than {bitstring.MIN_ENTRIES}",
        )
    if index >= size:
        return _result(CheckStatus.FAIL, f"status index {index} is outside the list of {size}")
    if bitstring.bit(bits, index):
        word = "revoked" if purpose == "revocation" else "suspended"
        return _result(CheckStatus.FAIL, f"{word}: entry {index} of {url} is set")
    word = "not revoked" if purpose == "revocation" else "not suspended"
    return _result(CheckStatus.PASS, f"{word} (status list read at {stamp(now)})")


@CACHE.memoize(size=lambda args, _: len(args[0]) + len(args[1]))
def _verified_once(token: str, jwk: str, alg: str) -> None:
    """Verify a status list's signature once per (list, published key, algorithm).

    One list serves up to 131,072 credentials, so most verifications meet a list whose
    signature has been checked already; a failure raises and is never cached.
    """
    verify_signature(token, key_for(json.loads(jwk), alg), alg)


@CACHE.memoize(size=lambda args, text: len(args[0]) + len(text))
def _text(body: bytes) -> str:
    """A fetched status list as text, once per body: a fetcher answers with the same bytes
    object until the list changes, and a bytes object keeps its hash, so the lookup costs no
    pass over the list (decoding did, and hashing the new text another)."""
    return body.decode("utf-8").strip()


@CACHE.memoize(size=lambda args, _: 3 * len(args[0]))  # the token, and its payload parsed
def _read_list(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A status-list token's header and payload, parsed once per token (treat as read-only)."""
    return read_compact(token, max_bytes=MAX_STATUS_LIST_BYTES)


class _ListFacts(NamedTuple):
    """What a status list says beyond its signature, in the order the checks read it."""

    is_list: bool  # a BitstringStatusListCredential (or StatusList2021) with a subject object
    purposes: list[Any]
    valid_until: Any
    expiry: dt.datetime | None
    bits: bytes | None
    unreadable: str | None  # why the bits cannot be decoded, when they cannot


@CACHE.memoize(size=lambda args, facts: len(args[0]) + len(facts.bits or b""))
def _list_facts(token: str) -> _ListFacts:
    """A status list's facts, worked out once per list, and only once its signature holds
    (anything this raises, it raises at the same point of the check as before)."""
    _, status_credential = _read_list(token)
    types = status_credential.get("type", [])
    types = [types] if isinstance(types, str) else types if isinstance(types, list) else []
    subject = status_credential.get("credentialSubject", {})
    if not any(t in types for t in LIST_TYPES) or not isinstance(subject, dict):
        return _ListFacts(False, [], None, None, None, None)
    purposes = subject.get("statusPurpose")
    purposes = purposes if isinstance(purposes, list) else [purposes]
    valid_until = status_credential.get("validUntil")
    try:
        bits, unreadable = bitstring.decode(str(subject.get("encodedList", ""))), None
    except BitstringError as exc:
        bits, unreadable = None, str(exc)
    return _ListFacts(True, purposes, valid_until, instant(valid_until), bits, unreadable)
