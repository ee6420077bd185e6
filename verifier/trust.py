"""Whom this verifier trusts: a trust list of issuers, and who really signed a credential.

A valid signature proves only that whoever controls the issuer's published key signed the
credential. The issuer's *name* inside the credential is that signer's own claim; anyone can
publish a ``did:web`` document and call themselves "Vouch Demo Issuer". So a verifier answers
"verified" only for issuers on its trust list, and otherwise says who really signed (the DID and
the domain that publishes its key) and that the name is self-declared.

Entries, from configuration or files:

- a DID (``did:web:example.org``, ``did:key:z6Mk…``): that identifier exactly;
- a base URL (``https://example.org/issuers``): issuer ids under it, and the ``did:web``
  identifiers of the same host and path (``did:web:example.org:issuers:…``);
- a domain (``example.org``): every issuer id on exactly that host (not its subdomains).

Files are either text (one entry per line, optionally followed by a name; ``#`` starts a
comment) or the issuer-registry JSON of the Digital Credentials Consortium's verifiers
(``{"meta": {…}, "registry": {"<did>": {"name", "url", "location"}}}``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict
from urllib.parse import unquote, urlsplit

import strictjson
from verifier.errors import TrustListError

#: A host name or address as a trust-list entry may give it (no scheme, no path).
_DOMAIN = re.compile(r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::\d{1,5})?$")
#: A DID's method and method-specific id [DID Core §3.1], loosely: no spaces, no fragment.
_DID = re.compile(r"^did:[a-z0-9]+:[A-Za-z0-9._:%-]+$")


@dataclass(frozen=True, slots=True)
class Place:
    """Where an issuer id lives on the web: host (with port) and path segments.

    ``did:web:example.org%3A8443:issuers:7`` and ``https://example.org:8443/issuers/7`` are the
    same place; a ``did:key`` has none (``None`` from :func:`place_of`)."""

    host: str
    path: tuple[str, ...] = ()

    def __str__(self) -> str:
        return "/".join((self.host, *self.path))

    def within(self, other: Place) -> bool:
        """This place is ``other`` or under it, segment by segment."""
        return self.host == other.host and self.path[: len(other.path)] == other.path


def place_of(identifier: str) -> Place | None:
    """The host and path of a ``did:web`` identifier or an http(s) URL; None for others."""
    if identifier.startswith("did:web:"):
        host, *segments = identifier.removeprefix("did:web:").split("#")[0].split(":")
        host = unquote(host).lower()
        return Place(host, tuple(unquote(s) for s in segments)) if host else None
    if identifier.startswith(("https://", "http://")):
        parts = urlsplit(identifier)
        if not parts.hostname:
            return None
        host = parts.hostname + (f":{parts.port}" if parts.port else "")
        return Place(host, tuple(s for s in parts.path.split("/") if s))
    return None


@dataclass(frozen=True, slots=True)
class TrustedIssuer:
    """One trust-list entry: what it names, the name it is known by, and where it came from."""

    entry: str
    name: str | None = None
    source: str = "configuration"

    @property
    def place(self) -> Place | None:
        if _DOMAIN.match(self.entry):
            return Place(self.entry)
        return place_of(self.entry)

    def covers(self, issuer: str) -> bool:
        if self.entry.startswith("did:"):
            return issuer == self.entry  # a DID is trusted exactly, not the DIDs under it
        mine, theirs = self.place, place_of(issuer)
        return mine is not None and theirs is not None and theirs.within(mine)


class TrustJSON(TypedDict):
    """Who signed and whether the trust list names them, as JSON (:meth:`Trust.to_dict`)."""

    id: str | None
    domain: str | None
    claimed_name: str | None
    trusted: bool
    listed_as: str | None
    listed_in: str | None


@dataclass(frozen=True, slots=True)
class Trust:
    """The trust outcome for one credential's issuer, as a value.

    ``issuer`` is the identifier whose published key was checked (the real signer when the
    signature holds); ``domain`` is where that key is published (None for a ``did:key``);
    ``claimed_name`` is the name the credential gives its issuer (the issuer's own claim);
    ``listed`` is the trust-list entry that covers the issuer, if any."""

    issuer: str | None
    domain: str | None
    claimed_name: str | None
    listed: TrustedIssuer | None

    @property
    def trusted(self) -> bool:
        return self.listed is not None

    @property
    def signer(self) -> str:
        """Who really signed, in words: the DID and, for did:web and URLs, the domain."""
        if self.issuer is None:
            return "an issuer the credential does not name"
        return f"{self.issuer} ({self.domain})" if self.domain else self.issuer

    def to_dict(self) -> TrustJSON:
        return {
            "id": self.issuer,
            "domain": self.domain,
            "claimed_name": self.claimed_name,
            "trusted": self.trusted,
            "listed_as": self.listed.name if self.listed else None,
            "listed_in": self.listed.source if self.listed else None,
        }


@dataclass(frozen=True, slots=True)
class TrustList:
    """Trusted issuers, most authoritative first (the first entry covering an issuer names it)."""

    issuers: tuple[TrustedIssuer, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.issuers)

    def __add__(self, other: TrustList) -> TrustList:
        return TrustList(self.issuers + other.issuers)

    def lookup(self, issuer: str | None) -> TrustedIssuer | None:
        if not issuer:
            return None
        return next((entry for entry in self.issuers if entry.covers(issuer)), None)

    def judge(self, issuer: str | None, claimed_name: str | None) -> Trust:
        place = place_of(issuer) if issuer else None
        domain = place.host if place else None
        return Trust(issuer, domain, claimed_name, self.lookup(issuer))

    @classmethod
    def of(cls, entries: Iterable[str], *, source: str = "configuration") -> TrustList:
        """Entries as a setting gives them (each checked: DID, http(s) URL or domain)."""
        return cls(tuple(TrustedIssuer(check_entry(e), source=source) for e in entries))

    @classmethod
    def from_setting(cls, text: str, *, source: str = "VOUCH_TRUSTED_ISSUERS") -> TrustList:
        """A comma-separated setting (``VOUCH_TRUSTED_ISSUERS``)."""
        return cls.of((t.strip() for t in text.split(",") if t.strip()), source=source)

    @classmethod
    def from_files(cls, text: str) -> TrustList:
        """Files named by a setting (``VOUCH_TRUST_LISTS``: paths separated by commas)."""
        found = TrustList()
        for name in (t.strip() for t in text.split(",") if t.strip()):
            found += read_trust_file(Path(name))
        return found


def check_entry(entry: str) -> str:
    """A trust-list entry, normalised; ``TrustListError`` naming it when it is none of a DID,
    an http(s) URL with a host, or a bare domain."""
    if _DID.match(entry):
        return entry
    if entry.startswith(("https://", "http://")):
        place = place_of(entry)
        if place is None or urlsplit(entry).query or urlsplit(entry).fragment:
            raise TrustListError(f"{entry!r}: a base URL needs a host and no query or fragment")
        return entry.rstrip("/")
    if _DOMAIN.match(entry.lower()):
        return entry.lower()
    raise TrustListError(f"{entry!r} is not a DID, an http(s) URL or a domain")


def read_trust_file(path: Path) -> TrustList:
    """A trust-list file: the DCC issuer-registry JSON, or text with one entry per line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TrustListError(f"{path}: cannot read the trust list ({exc})") from None
    if text.lstrip().startswith(("{", "[")):
        return _registry(path, text)
    issuers = []
    for number, line in enumerate(text.splitlines(), start=1):
        entry, _, name = line.split("#", 1)[0].strip().partition(" ")
        if not entry:
            continue
        try:
            issuers.append(TrustedIssuer(check_entry(entry), name.strip() or None, str(path)))
        except TrustListError as exc:
            raise TrustListError(f"{path}:{number}: {exc}") from None
    return TrustList(tuple(issuers))


def _registry(path: Path, text: str) -> TrustList:
    """The Digital Credentials Consortium's issuer registry ("dcc-legacy" format)."""
    try:
        document = strictjson.loads(text)
    except ValueError as exc:
        raise TrustListError(f"{path}: not JSON ({exc})") from None
    registry = document.get("registry") if isinstance(document, dict) else None
    if not isinstance(registry, dict):
        raise TrustListError(f'{path}: an issuer registry needs a "registry" object of DIDs')
    issuers = []
    for did, about in registry.items():
        if not isinstance(about, dict) or not isinstance(about.get("name", ""), str):
            raise TrustListError(f"{path}: registry[{did!r}] must be an object with a name")
        try:
            entry = check_entry(did)
        except TrustListError as exc:
            raise TrustListError(f"{path}: registry: {exc}") from None
        issuers.append(TrustedIssuer(entry, about.get("name") or None, str(path)))
    return TrustList(tuple(issuers))
