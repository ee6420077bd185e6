"""Vouch's public verifier: works from published material only (keys, status lists), no database.

>>> from verifier import Verifier, HttpFetcher
>>> result = Verifier(HttpFetcher()).verify(token_or_pdf_or_png_bytes)
>>> result.state, [(c.check, c.status) for c in result.checks]

The issuer reaches the verifier only through this module (and :mod:`verifier.web`, its Flask
face, kept apart so that ``import verifier`` never loads Flask): verification, the errors (one
root, :class:`VerifierError`, every other below it), and what the issuer writes the way the
verifier reads it (the registered claims, the schema, the bitstring codec, JWS reading).
"""

from verifier import bitstring as bitstring
from verifier.artefacts import MAX_ARTEFACT_BYTES as MAX_ARTEFACT_BYTES
from verifier.claims import REGISTERED_CLAIMS as REGISTERED_CLAIMS
from verifier.errors import BitstringError as BitstringError
from verifier.errors import FetchError as FetchError
from verifier.errors import FetchRefused as FetchRefused
from verifier.errors import KeyRejected as KeyRejected
from verifier.errors import SignatureError as SignatureError
from verifier.errors import TokenError as TokenError
from verifier.errors import TrustListError as TrustListError
from verifier.errors import Unreadable as Unreadable
from verifier.errors import VerifierError as VerifierError
from verifier.fetch import Fetcher as Fetcher
from verifier.fetch import HttpFetcher as HttpFetcher
from verifier.fetch import MappingFetcher as MappingFetcher
from verifier.fetch import WsgiFetcher as WsgiFetcher
from verifier.jose import read_compact as read_compact
from verifier.jose import verify_signature as verify_signature
from verifier.jwk_util import public_jwk as public_jwk
from verifier.result import CheckResult as CheckResult
from verifier.result import CheckStatus as CheckStatus
from verifier.result import State as State
from verifier.result import VerificationJSON as VerificationJSON
from verifier.result import VerificationResult as VerificationResult
from verifier.schemas import ACHIEVEMENT_CREDENTIAL_SCHEMA as ACHIEVEMENT_CREDENTIAL_SCHEMA
from verifier.schemas import SCHEMA_VALIDATOR_TYPE as SCHEMA_VALIDATOR_TYPE
from verifier.schemas import schema_errors as schema_errors
from verifier.trust import Trust as Trust
from verifier.trust import TrustedIssuer as TrustedIssuer
from verifier.trust import TrustList as TrustList
from verifier.vc import achievement as achievement
from verifier.vc import stamp as stamp
from verifier.verify import Verifier as Verifier
from verifier.verify import VerifyOptions as VerifyOptions
