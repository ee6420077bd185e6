"""Fixtures shared by every test folder (the issuer's database and key store).

On CI (``CI`` set) hypothesis draws the same examples every run, so a landing never hangs on
a new random draw; locally it keeps exploring.
"""

import os

from hypothesis import settings

from tests.issuer.conftest import database_url, issuer, make_issuer

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

__all__ = ["database_url", "issuer", "make_issuer"]
