"""What a learner shows of a credential: the signed PDF certificate, the baked badge image,
and the links to share it."""

from __future__ import annotations

from issuer.badges import badge_png, badge_svg, bake_png, bake_svg
from issuer.certificates import CertificateData, CertificateRenderer, requirement_line
from issuer.context import Context
from issuer.db.models import Credential
from issuer.records import Records
from issuer.sharing import share_links


class Artefacts:
    """Certificates, badges and sharing links of credentials."""

    def __init__(self, context: Context, records: Records) -> None:
        self.context, self.records = context, records
        #: The renderer and the id of the key it signs with (see :attr:`certificates`).
        self._renderer: tuple[str, CertificateRenderer] | None = None

    @property
    def certificates(self) -> CertificateRenderer:
        """The certificate renderer, made again when the current key changes (rotated by this
        process or another): its signer holds the key it was made with."""
        key_id = self.context.keys.current().key_id
        if self._renderer is None or self._renderer[0] != key_id:
            folder = self.context.settings.instance_path / "certificates"
            self._renderer = (key_id, CertificateRenderer(self.context.keys, folder))
        return self._renderer[1]

    def certificate_data(self, credential: Credential) -> CertificateData:
        milestone = self.context.catalogue[credential.milestone_id]
        return CertificateData(
            credential_id=credential.id,
            jwt=credential.jwt,
            learner_name=self.records.learner_name(credential.learner_id) or "",
            badge_name=milestone.badge.name,
            milestone_title=milestone.title,
            number=milestone.number,
            level=milestone.level,
            issuer_name=self.context.settings.issuer_name,
            issued=credential.issued_at,
            verify_url=self.context.verify_url(credential.id),
            requirement=requirement_line(milestone),
            colour=milestone.badge.colour,
        )

    def certificate_pdf(self, credential: Credential) -> bytes:
        """The signed PDF certificate of a credential (rendered once, then cached)."""
        return self.certificates.certificate(self.certificate_data(credential))

    def baked_badge(self, credential: Credential, image_format: str) -> bytes:
        """The milestone's badge image with the credential baked in (``png`` or ``svg``)."""
        milestone = self.context.catalogue[credential.milestone_id]
        if image_format == "png":
            return bake_png(badge_png(milestone), credential.jwt)
        if image_format == "svg":
            return bake_svg(badge_svg(milestone), credential.jwt).encode()
        raise ValueError(f"badge format must be png or svg, not {image_format!r}")

    def sharing(self, credential: Credential) -> dict[str, str]:
        """Links and the embed snippet a learner uses to show the badge elsewhere."""
        milestone = self.context.catalogue[credential.milestone_id]
        return share_links(
            self.context.settings, milestone, credential, self.context.verify_url(credential.id)
        )
