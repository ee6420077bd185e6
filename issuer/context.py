"""What every feature of the issuer works with, and nothing more: the settings, the database,
the key store, the catalogue, the clock, the issuer's identity and a ``sign`` callable; with
the public URLs built from the settings and two small helpers shared by the features."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError

from criteria import Catalogue
from issuer.config import Settings
from issuer.credential import IssuerProfile, sign
from issuer.db import Database
from issuer.errors import NotFoundError
from issuer.keystore import KeyStore
from issuer.publication import did_web, kid

Clock = Callable[[], dt.datetime]
Row = TypeVar("Row")
T = TypeVar("T")
#: How many times an issuance is retried after losing a race (same index, same credential).
RETRIES = 5


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Context:
    """The issuer's capabilities, shared by its features (one per :class:`Issuer`).

    Mutable on purpose: replacing the issuer's database, settings or clock (tests do) is seen
    by every feature at once. ``did`` and ``profile`` are fixed when it is made.
    """

    settings: Settings
    db: Database
    keys: KeyStore
    catalogue: Catalogue
    clock: Clock
    did: str
    profile: IssuerProfile

    @classmethod
    def make(
        cls, settings: Settings, db: Database, keys: KeyStore, catalogue: Catalogue, clock: Clock
    ) -> Context:
        did = did_web(settings.public_url)
        profile = IssuerProfile(did, settings.issuer_name, settings.public_url)
        return cls(settings, db, keys, catalogue, clock, did, profile)

    def sign(self, payload: dict[str, Any]) -> str:
        """The compact JWS of ``payload``, signed with the current key."""
        key, private_key = self.keys.signer()
        return sign(payload, private_key, key.alg, kid(self.did, key))

    # -- public URLs ------------------------------------------------------------------------

    def status_list_url(self, list_id: str) -> str:
        return f"{self.settings.public_url}/status/{list_id}"

    def verify_url(self, credential_id: str) -> str:
        return f"{self.settings.public_url}/v/{credential_id.removeprefix('urn:uuid:')}"

    def portfolio_url(self, handle: str) -> str:
        return f"{self.settings.public_url}/u/{handle}"

    # -- reading one row ----------------------------------------------------------------------

    def found(self, model: type[Row], key: Any, missing: str) -> Row:
        """The row of ``model`` with primary key ``key``; NotFoundError(``missing``) if none."""
        with self.db.read() as session:
            row = session.get(model, key)
            if row is None:
                raise NotFoundError(missing)
            return row


def retrying(attempt: Callable[[], T]) -> T:
    """``attempt()``, again after losing a race (up to ``RETRIES`` times in all)."""
    for tries in range(RETRIES):
        try:
            return attempt()
        except IntegrityError:
            # Lost a race: another request issued this credential or took this status
            # entry. Everything was rolled back; the next attempt sees the winner's rows.
            if tries == RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def urn(credential_id: str) -> str:
    """Credential ids are ``urn:uuid:…``; URLs carry the bare UUID. Anything else is unknown."""
    bare = credential_id.removeprefix("urn:uuid:")
    try:
        return f"urn:uuid:{uuid.UUID(bare)}" if len(bare) == 36 else _unknown(credential_id)
    except ValueError:
        return _unknown(credential_id)


def _unknown(credential_id: str) -> str:
    raise NotFoundError(f"no credential {credential_id[:80]!r}")
