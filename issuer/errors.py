"""The issuer's exceptions: each has a machine ``code`` and the HTTP status that fits it."""

from __future__ import annotations


class IssuerError(Exception):
    """Root of every error the issuer raises on purpose."""

    code = "issuer_error"
    status = 500


class ConfigurationError(IssuerError):
    """Settings that are unsafe or inconsistent (e.g. production without a key passphrase)."""

    code = "configuration_error"


class KeyStoreError(IssuerError):
    """The key store is missing, unreadable, or its passphrase is wrong."""

    code = "key_store_error"
    status = 503


class NotFoundError(IssuerError):
    code = "not_found"
    status = 404


class IssuanceBugError(IssuerError):
    """A credential we built failed its own schema or signature check: never stored or returned."""

    code = "issuance_failed"


class ForbiddenError(IssuerError):
    code = "forbidden"
    status = 403


class ConflictError(IssuerError):
    code = "conflict"
    status = 409


class InvalidRequestError(IssuerError):
    """A well-formed request whose content is wrong; ``path`` names the offending member."""

    code = "invalid_request"
    status = 422

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path
