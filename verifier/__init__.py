"""Vouch's public verifier: works from published material only (keys, status lists), no database.

>>> from verifier import Verifier, HttpFetcher
>>> result = Verifier(HttpFetcher()).verify(token_or_pdf_or_png_bytes)
>>> result.state, [(c.check, c.status) for c in result.checks]
"""

from verifier.fetch import Fetcher as Fetcher
from verifier.fetch import HttpFetcher as HttpFetcher
from verifier.fetch import WsgiFetcher as WsgiFetcher
from verifier.result import CheckResult as CheckResult
from verifier.result import CheckStatus as CheckStatus
from verifier.result import State as State
from verifier.result import VerificationResult as VerificationResult
from verifier.trust import Trust as Trust
from verifier.trust import TrustedIssuer as TrustedIssuer
from verifier.trust import TrustList as TrustList
from verifier.trust import TrustListError as TrustListError
from verifier.verify import Verifier as Verifier
from verifier.verify import VerifyOptions as VerifyOptions
