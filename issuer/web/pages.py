"""The page behind the QR code: ``GET /v/<id>``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from issuer.errors import NotFoundError
from issuer.web.public import issuer
from verifier.web import page_context, verifier

bp = Blueprint("pages", __name__)


@bp.get("/v/<credential_id>")
def verify_credential(credential_id: str) -> Any:
    """Verify the stored credential through the public verifier and show the answer."""
    service = issuer()
    page_url = service.verify_url(credential_id)
    try:
        record = service.credential(credential_id)
    except NotFoundError:
        return render_template("verify/result.html", **page_context(None, page_url=page_url)), 404
    result = verifier().verify(record.jwt)
    name = service.learner_name(record.learner_id)
    context = page_context(result, learner_name=name, page_url=page_url)
    return render_template("verify/result.html", **context)
