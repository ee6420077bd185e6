"""Fixtures shared by every test folder (the issuer's database and key store)."""

from tests.issuer.conftest import database_url, issuer, make_issuer

__all__ = ["database_url", "issuer", "make_issuer"]
