"""The key ring on disk: ``keyring.json`` (which keys exist, their algorithms, which one signs
now), read and written whole; every file of the store written atomically and owner-only, and a
withdrawn key's file destroyed."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from issuer.errors import KeyStoreError

KEYRING = "keyring.json"
RING_FORMAT = "vouch.keyring/v1"
DEV_PASSPHRASE_FILE = "dev-passphrase"  # noqa: S105 - a file name, not a secret


@dataclass(frozen=True)
class KeyInfo:
    """Public facts about one key of the ring."""

    key_id: str
    alg: str
    created: str
    retired: str | None
    public_jwk: dict[str, Any]
    #: When the key was withdrawn (compromised): unpublished, its private part destroyed.
    withdrawn: str | None = None

    @property
    def current(self) -> bool:
        return self.retired is None

    @property
    def state(self) -> str:
        """``current`` (signs), ``retired`` (published, never signs again) or ``withdrawn``."""
        return "withdrawn" if self.withdrawn else "retired" if self.retired else "current"


def read_ring(folder: Path) -> dict[str, Any]:
    """The ring file of ``folder`` as JSON, refused unless it is a Vouch key ring."""
    try:
        ring = json.loads((folder / KEYRING).read_text())
    except FileNotFoundError:
        raise KeyStoreError(f"no key store at {folder}: run `vouch init`") from None
    except (OSError, ValueError) as exc:
        raise KeyStoreError(f"cannot read {folder / KEYRING}: {exc}") from None
    if not isinstance(ring, dict) or ring.get("format") != RING_FORMAT:
        raise KeyStoreError(f"{folder / KEYRING} is not a Vouch key ring")
    return ring


def save_ring(folder: Path, ring: dict[str, Any]) -> None:
    write_private(folder / KEYRING, json.dumps(ring, indent=2).encode())


def new_ring(first: KeyInfo) -> dict[str, Any]:
    """A ring holding one key, the current one."""
    return {"format": RING_FORMAT, "current": first.key_id, "keys": [ring_entry(first)]}


def key_infos(ring: dict[str, Any]) -> tuple[KeyInfo, ...]:
    """The ring's keys, oldest first."""
    return tuple(
        KeyInfo(
            k["id"], k["alg"], k["created"], k.get("retired"), k["public_jwk"], k.get("withdrawn")
        )
        for k in ring["keys"]
    )


def ring_entry(info: KeyInfo) -> dict[str, Any]:
    """``info`` as the ring file stores it."""
    return {
        "id": info.key_id,
        "alg": info.alg,
        "created": info.created,
        "retired": info.retired,
        "withdrawn": info.withdrawn,
        "public_jwk": info.public_jwk,
    }


def write_private(path: Path, data: bytes) -> None:
    """Write a file readable by its owner only, atomically (never a half-written key)."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def destroy(path: Path) -> None:
    """Overwrite a private key file with random bytes, then remove it (no-op if gone). On
    copy-on-write or journalling file systems and SSDs the old blocks may survive: the
    passphrase encryption is what protects them; the file is gone from the key store."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    with open(path, "r+b") as handle:
        handle.write(os.urandom(size))
        handle.flush()
        os.fsync(handle.fileno())
    path.unlink()
