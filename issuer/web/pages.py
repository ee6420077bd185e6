"""The page behind the QR code: ``GET /v/<id>``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from issuer.errors import NotFoundError
from issuer.verification import knowing
from issuer.web.public import issuer
from verifier import achievement
from verifier.web import page_context, verifier

bp = Blueprint("pages", __name__)


@bp.get("/v/<credential_id>")
def verify_credential(credential_id: str) -> Any:
    """Verify the stored credential through the public verifier and show the answer."""
    service = issuer()
    page_url = service.verify_url(credential_id)
    try:
        view = service.public_view(credential_id)
    except NotFoundError:
        return render_template("verify/result.html", **page_context(None, page_url=page_url)), 404
    record, name = view.credential, view.learner_name
    # The status list read with the credential (same statement, so just as current) is the one
    # the verifier checks: no second read of it.
    status_url = service.status_list_url(record.status_list_id)
    result = knowing(verifier(), {status_url: view.status_token.encode()}).verify(record.jwt)
    share = service.sharing(record)
    context = page_context(
        result, learner_name=name, page_url=page_url, image_url=share["badge_png"]
    )
    context["share"] = share
    context["jsonld"] = json_ld(result.credential, name, page_url, share["badge_png"])
    return render_template("verify/result.html", **context)


def json_ld(
    credential: dict[str, Any] | None, name: str | None, page_url: str, image: str
) -> dict[str, Any]:
    """schema.org metadata so a shared link previews as the credential it is."""
    credential = credential or {}
    awarded = achievement(credential)
    issuer = credential.get("issuer", {})
    return {
        "@context": "https://schema.org",
        "@type": "EducationalOccupationalCredential",
        "name": awarded.get("name"),
        "description": awarded.get("description"),
        "credentialCategory": "badge",
        "url": page_url,
        "image": image,
        "dateCreated": credential.get("validFrom"),
        "recognizedBy": {
            "@type": "Organization",
            "name": issuer.get("name"),
            "url": issuer.get("url"),
        },
        "about": {"@type": "Person", "name": name} if name else None,
    }
