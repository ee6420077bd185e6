"""Sharing a credential: links, the embed snippet and LinkedIn's "add to profile" link."""

from __future__ import annotations

from urllib.parse import urlencode

from markupsafe import escape

from criteria import Milestone
from issuer.config import Settings
from issuer.db.models import Credential


def share_links(
    settings: Settings, milestone: Milestone, record: Credential, verify: str
) -> dict[str, str]:
    """Links and the embed snippet a learner uses to show the badge elsewhere."""
    base = f"{settings.public_url}/api/v1/credentials/{record.id.removeprefix('urn:uuid:')}"
    alt = (
        f"{milestone.badge.name} badge: {milestone.title}, milestone {milestone.number} "
        f"({milestone.level}), issued by {settings.issuer_name}"
    )
    embed = (
        f'<a href="{escape(verify)}" title="Verify this credential">'
        f'<img src="{escape(base)}/badge.png" alt="{escape(alt)}" width="160" height="160">'
        "</a>"
    )
    linkedin = {
        "startTask": "CERTIFICATION_NAME",
        "name": f"{milestone.badge.name}: {milestone.title}",
        "organizationName": settings.issuer_name,
        "issueYear": str(record.issued_at.year),
        "issueMonth": str(record.issued_at.month),
        "certUrl": verify,
        "certId": record.id,
    }
    if record.valid_until is not None:
        linkedin |= {
            "expirationYear": str(record.valid_until.year),
            "expirationMonth": str(record.valid_until.month),
        }
    return {
        "verify_url": verify,
        "certificate_pdf": f"{base}/certificate.pdf",
        "badge_png": f"{base}/badge.png",
        "badge_svg": f"{base}/badge.svg",
        "embed_html": embed,
        "linkedin_url": "https://www.linkedin.com/profile/add?" + urlencode(linkedin),
    }
