"""The verifier's exceptions: one root, :class:`VerifierError`, so a caller can catch every
failure of the library with one clause, or a leaf for the one it handles.

The leaves that are also ``ValueError`` (unreadable input of some kind) keep that base, so
``except ValueError`` around a parse still catches them. None of these ever reaches a
verification's caller: :meth:`verifier.Verifier.verify` turns each into a check's outcome.
"""

from __future__ import annotations


class VerifierError(Exception):
    """Root of every exception the verifier raises."""


class Unreadable(VerifierError, ValueError):
    """Not an artefact this verifier can read: unknown, oversized, truncated or malformed."""


class TokenError(VerifierError, ValueError):
    """A token that cannot be read (shape, base64url, JSON)."""


class SignatureError(VerifierError, ValueError):
    """A token whose signature does not verify with the given key and algorithm."""


class FetchError(VerifierError):
    """The material could not be fetched (network, timeout, HTTP error): the answer is unknown."""


class FetchRefused(FetchError):
    """Policy forbids this fetch (scheme, private address, size, redirect): a failed check."""


class KeyRejected(VerifierError):
    """The key cannot be accepted: not published by this issuer, or unfit for the algorithm."""


class TrustListError(VerifierError, ValueError):
    """A trust-list entry or file that cannot be read; the message names the entry or line."""


class BitstringError(VerifierError, ValueError):
    """An encoded list that cannot be read: bad base64, not GZIP, or too large."""
