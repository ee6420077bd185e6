"""Building an Open Badges 3.0 credential and its VC-JWT (NOTES.md §1-§2).

Pure functions: everything they need is passed in, so the same inputs give the same JSON.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

import orjson
import pybase64
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from criteria import Milestone, Verdict
from verifier import ACHIEVEMENT_CREDENTIAL_SCHEMA, REGISTERED_CLAIMS, SCHEMA_VALIDATOR_TYPE, stamp

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


@dataclass(frozen=True)
class IssuerProfile:
    did: str
    name: str
    url: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.did, "type": ["Profile"], "name": self.name, "url": self.url}


@dataclass(frozen=True)
class StatusEntry:
    list_url: str
    index: int

    def to_json(self) -> dict[str, Any]:
        return {
            # BSL: the entry's id must not be the list's URL; the fragment makes it unique.
            "id": f"{self.list_url}#{self.index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(self.index),
            "statusListCredential": self.list_url,
        }


def identity_hash(identifier: str, salt: str) -> str:
    """OB 3.0 IdentityHash: ``sha256$`` + hex(SHA-256(identifier + salt))."""
    return "sha256$" + hashlib.sha256((identifier + salt).encode()).hexdigest()


def achievement(milestone: Milestone, public_url: str) -> dict[str, Any]:
    base = f"{public_url}/achievements/{milestone.id}"
    return {
        "id": base,
        "type": ["Achievement"],
        "achievementType": "Badge",
        "name": milestone.badge.name,
        "description": f"{milestone.title} (milestone {milestone.number}, {milestone.level}): "
        f"{milestone.description}",
        "criteria": {"id": f"{base}#criteria", "narrative": criteria_narrative(milestone)},
        "image": {
            "id": f"{base}/image.svg",
            "type": "Image",
            "caption": f"{milestone.badge.name} badge",
        },
        "tag": ["system design", milestone.level],
    }


def criteria_narrative(milestone: Milestone) -> str:
    """The completion criteria as Markdown, in the curriculum's words."""
    header = f"To earn the {milestone.badge.name} badge ({milestone.title}), the learner must:"
    return f"{header}\n\n{milestone.criteria_narrative()}"


def evidence(verdict: Verdict, milestone: Milestone) -> list[dict[str, Any]]:
    """What was assessed: one entry per rule, then the digests of the bundle and rule file."""
    entries: list[dict[str, Any]] = [
        {
            "type": ["Evidence"],
            "name": result.seed or result.id,
            "description": result.reason,
            "genre": result.kind,
        }
        for result in verdict.results
    ]
    bundle_hex = verdict.evidence_digest.removeprefix("sha256:")
    rules_hex = verdict.rules_digest.removeprefix("sha256:")
    entries.append(
        {
            "id": f"urn:vouch:evidence:sha256:{bundle_hex}",
            "type": ["Evidence"],
            "name": "Evidence bundle",
            "description": "SHA-256 of the evidence bundle (vouch.evidence/v1, canonical JSON) "
            "this credential was judged on.",
            "genre": "vouch.evidence/v1",
        }
    )
    entries.append(
        {
            "id": f"urn:vouch:rules:{milestone.id}:sha256:{rules_hex}",
            "type": ["Evidence"],
            "name": "Completion rules",
            "description": f"SHA-256 of the rule file {milestone.source} the evidence was judged "
            "against.",
            "genre": "vouch.milestone/v1",
        }
    )
    return entries


def build_credential(
    *,
    credential_id: str,
    issuer: IssuerProfile,
    public_url: str,
    milestone: Milestone,
    verdict: Verdict,
    subject_id: str,
    email: str,
    salt: str,
    status: StatusEntry,
    valid_from: dt.datetime,
    valid_until: dt.datetime | None = None,
) -> dict[str, Any]:
    credential: dict[str, Any] = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{milestone.badge.name}: {milestone.title}",
        "description": f"Awarded for completing milestone {milestone.number} of the "
        "system-design curriculum.",
        "issuer": issuer.to_json(),
        "validFrom": stamp(valid_from),
        "credentialSubject": {
            "id": subject_id,
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": identity_hash(email.strip().lower(), salt),
                    "identityType": "emailAddress",
                    "hashed": True,
                    "salt": salt,
                }
            ],
            "achievement": achievement(milestone, public_url),
        },
        "evidence": evidence(verdict, milestone),
        "credentialSchema": [{"id": ACHIEVEMENT_CREDENTIAL_SCHEMA, "type": SCHEMA_VALIDATOR_TYPE}],
        "credentialStatus": status.to_json(),
    }
    if valid_until is not None:
        credential["validUntil"] = stamp(valid_until)
    return credential


#: What is not the credential in a JWT payload: the verifier's list (:func:`jwt_claims` writes
#: five of them). Pending: ``service.py`` (being split, issue 13) takes
#: ``verifier.REGISTERED_CLAIMS`` under this name until its new modules import it.
CLAIM_NAMES = REGISTERED_CLAIMS


def jwt_claims(credential: dict[str, Any]) -> dict[str, Any]:
    """The registered claims mirroring the credential [OB3 §8.2.4.1]; never a ``vc`` claim."""
    claims = {
        "iss": credential["issuer"]["id"],
        "jti": credential["id"],
        "sub": credential["credentialSubject"]["id"],
        "nbf": _numeric_date(credential["validFrom"]),
    }
    if "validUntil" in credential:
        claims["exp"] = _numeric_date(credential["validUntil"])
    return claims


def _numeric_date(value: str) -> int:
    return int(dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())


def sign(payload: dict[str, Any], private_key: Any, alg: str, kid: str) -> str:
    """A compact JWS of ``payload`` (see :func:`sign_json`)."""
    return sign_json(orjson.dumps(payload), private_key, alg, kid)


def jws_signing_input(payload: bytes, alg: str, kid: str) -> bytes:
    """The header and payload segments of the compact JWS :func:`sign_json` makes."""
    return _b64url(orjson.dumps({"alg": alg, "kid": kid, "typ": "JWT"})) + b"." + _b64url(payload)


def sign_json(payload: bytes, private_key: Any, alg: str, kid: str) -> str:
    """A compact JWS of the JSON object ``payload`` whose header holds only ``alg``, ``kid`` and
    ``typ: JWT`` (RFC 7515).

    Encoded here (compact UTF-8 JSON by orjson, 20x faster than the standard library's) and
    signed with ``cryptography`` directly, as the verifier checks it: PyJWT's encoder spends
    longer on JSON and base64url than the signature takes. Its decoder reads every token this
    makes (tests).
    """
    signing_input = jws_signing_input(payload, alg, kid)
    if alg == "ES256":
        r, s = decode_dss_signature(private_key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        signature = r.to_bytes(32) + s.to_bytes(32)
    elif alg == "EdDSA":
        signature = private_key.sign(signing_input)
    elif alg == "RS256":
        signature = private_key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    else:
        raise ValueError(f"cannot sign with {alg!r}")
    return (signing_input + b"." + _b64url(signature)).decode("ascii")


def _b64url(data: bytes) -> bytes:
    return pybase64.urlsafe_b64encode(data).rstrip(b"=")
