"""Settings: defaults, then the environment (``VOUCH_*``), then an explicit mapping (tests)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    instance_path: Path = Path("instance")
    database_url: str | None = None
    keys_dir: Path = Path("keys")
    public_url: str = "http://127.0.0.1:5000"
    issuer_name: str = "Vouch Demo Issuer"

    @property
    def production(self) -> bool:
        return self.env == "production"

    @classmethod
    def load(cls, overrides: Mapping[str, Any] | None = None) -> Settings:
        environ = os.environ
        settings = cls(
            env=environ.get("VOUCH_ENV", cls.env),
            instance_path=Path(environ.get("VOUCH_INSTANCE_PATH", cls.instance_path)),
            database_url=environ.get("VOUCH_DATABASE_URL") or None,
            keys_dir=Path(environ.get("VOUCH_KEYS_DIR", cls.keys_dir)),
            public_url=environ.get("VOUCH_PUBLIC_URL", cls.public_url).rstrip("/"),
            issuer_name=environ.get("VOUCH_ISSUER_NAME", cls.issuer_name),
        )
        return replace(settings, **overrides) if overrides else settings
