"""Fixtures shared by every test folder (the issuer's database and key store).

Private keys are encrypted at ``VOUCH_TEST_KDF_ROUNDS`` = 1,000 PBKDF2 iterations here (the
suite makes hundreds of fresh key stores; 600,000 costs a fifth of a second each way); the
tests of the real strength unset it, and production refuses it.

On CI (``CI`` set) hypothesis draws the same examples every run, so a landing never hangs on
a new random draw; locally it keeps exploring.
"""

import os

from hypothesis import settings

from tests.issuer.conftest import database_url, issuer, make_issuer

os.environ.setdefault("VOUCH_TEST_KDF_ROUNDS", "1000")

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

__all__ = ["database_url", "issuer", "make_issuer"]
