"""The issuer service: one façade over the issuer's features, for the web app, the CLI and
the tests.

:class:`Issuer` builds a :class:`~issuer.context.Context` (settings, database, key store,
catalogue, clock, ``sign``) and hands each feature only that (and the features it uses):
``issuing`` (single and bulk issuance), ``reviews``, ``status`` (status lists, revocation, the
status token), ``records`` (read queries, the public view), ``lifecycle`` (re-issues),
``rotation`` (keys) and ``artefacts`` (certificates, badges, sharing). Its methods delegate.

Issuing is one transaction: the learner, the submission and its verdict, and (when the rules
are met) the credential with its status entry and log line are committed together or not at
all. At most one live credential exists per learner and milestone (a unique index); a retried
or concurrent request gets the existing one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from criteria import Catalogue, EvidenceError
from issuer.accounts import Account
from issuer.artefacts import Artefacts
from issuer.certificates import CertificateData, CertificateRenderer
from issuer.config import Settings
from issuer.context import Clock, Context, utc_now
from issuer.credential import IssuerProfile
from issuer.db import Database, models
from issuer.issuing import learners
from issuer.issuing.bulk import Bulk
from issuer.issuing.drafting import time_ordered_uuid as time_ordered_uuid
from issuer.issuing.judging import Judge
from issuer.issuing.outcomes import AWAITING_ADMIN as AWAITING_ADMIN
from issuer.issuing.outcomes import Issued as Issued
from issuer.issuing.sealing import Sealer
from issuer.keystore import KeyInfo, KeyStore
from issuer.lifecycle import Lifecycle
from issuer.records import PublicView as PublicView
from issuer.records import Records
from issuer.reviews import Reviews
from issuer.rotation import Keys
from issuer.status import StatusLists

Bundle = bytes | str | Mapping[str, Any]


class Issuer:
    """The issuer service; one per app or CLI invocation, built by :func:`issuer.build`."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        keys: KeyStore,
        catalogue: Catalogue,
        clock: Clock = utc_now,
    ) -> None:
        self.context = context = Context.make(settings, db, keys, catalogue, clock)
        self._status = StatusLists(context)
        self._sealer = Sealer(context)
        self._judge = Judge(context, self._status, self._sealer)
        self._bulk = Bulk(context, self._status, self._sealer, self._judge)
        self._reviews = Reviews(context, self._judge)
        self._records = Records(context, self._status)
        self._lifecycle = Lifecycle(context, self._status, self._sealer)
        self._keys = Keys(context, self._status, self._records)
        self._artefacts = Artefacts(context, self._records)

    # -- the context: replacing one of these is seen by every feature -----------------------

    @property
    def settings(self) -> Settings:
        return self.context.settings

    @settings.setter
    def settings(self, value: Settings) -> None:
        self.context.settings = value

    @property
    def db(self) -> Database:
        return self.context.db

    @db.setter
    def db(self, value: Database) -> None:
        self.context.db = value

    @property
    def keys(self) -> KeyStore:
        return self.context.keys

    @keys.setter
    def keys(self, value: KeyStore) -> None:
        self.context.keys = value

    @property
    def catalogue(self) -> Catalogue:
        return self.context.catalogue

    @catalogue.setter
    def catalogue(self, value: Catalogue) -> None:
        self.context.catalogue = value

    @property
    def clock(self) -> Clock:
        return self.context.clock

    @clock.setter
    def clock(self, value: Clock) -> None:
        self.context.clock = value

    @property
    def did(self) -> str:
        return self.context.did

    @property
    def profile(self) -> IssuerProfile:
        return self.context.profile

    @property
    def _status_tokens(self) -> dict[str, tuple[str, str]]:
        """The status tokens kept (see :meth:`StatusLists.token`)."""
        return self._status.tokens

    def _published_key(self, key: KeyInfo) -> Any:
        return self._sealer.published_key(key)

    # -- URLs -----------------------------------------------------------------------------

    def status_list_url(self, list_id: str) -> str:
        return self.context.status_list_url(list_id)

    def verify_url(self, credential_id: str) -> str:
        return self.context.verify_url(credential_id)

    def portfolio_url(self, handle: str) -> str:
        return self.context.portfolio_url(handle)

    # -- issuing (issuer/issuing/) -------------------------------------------------------

    def held(self, session: Session, learner_id: int | None) -> list[str]:
        """Milestones the learner holds: issued credentials that are not revoked."""
        return learners.held(session, learner_id)

    def issue(
        self,
        bundle: Bundle,
        *,
        actor: str = "cli",
        skip_held: bool = False,
        learner_id: int | None = None,
    ) -> Issued:
        """Evaluate a bundle and, when it meets its milestone, issue (or return) the credential.

        ``held`` is always filled from the learner's live credentials: a bundle cannot claim a
        prerequisite. With ``skip_held`` a learner who already holds the milestone is answered
        with the existing credential and nothing is recorded (bulk re-runs). With
        ``learner_id`` (a signed-in learner's submission; ``bundle`` a mapping) the bundle's
        ``learner`` is that stored learner's, read once (NotFoundError if there is none).
        Raises ``EvidenceError`` for an invalid bundle.
        """
        return self._judge.issue(bundle, actor, skip_held, learner_id)

    def issue_many(
        self, items: Sequence[Bundle], *, actor: str, batch: int | None = None, workers: int = 0
    ) -> list[Issued | EvidenceError]:
        """Bulk issuance: each batch of bundles (``BATCH`` by default) is judged, signed and
        stored in one transaction.

        Outcomes come back in order: an ``Issued`` (new, already held, or not met) or the
        ``EvidenceError`` of an invalid bundle. See :meth:`issue_batches`.
        """
        return [
            outcome
            for outcomes in self.issue_batches(items, actor=actor, batch=batch, workers=workers)
            for outcome in outcomes
        ]

    def issue_batches(
        self, items: Sequence[Bundle], *, actor: str, batch: int | None = None, workers: int = 0
    ) -> Iterator[list[Issued | EvidenceError]]:
        """The outcomes of bulk issuance, batch by batch, each as soon as it is stored.

        A learner who already holds a milestone is answered with the existing credential and
        nothing is recorded, so a re-run after a crash completes the work without duplicates.
        A batch is judged and its credentials drafted first, then signed (here, or by
        ``workers`` worker processes: signing and self-checking are half the work), then stored
        in one transaction. With workers, the next batch is judged while this one is signed,
        unless they share a learner. A batch that loses a race with another writer
        (a learner, credential or status entry taken meanwhile) is issued again one bundle at a
        time.
        """
        return self._bulk.issue_batches(items, actor=actor, batch=batch, workers=workers)

    def evidence_of(self, session: Session, submission: models.Submission) -> dict[str, Any]:
        """The evidence a submission is judged on: as submitted, plus the sign-offs and rubric
        scores reviewers recorded, plus the milestones the learner holds (as a bundle)."""
        return dict(self._judge.evidence_of(session, submission).raw)

    # -- reviews --------------------------------------------------------------------------

    def review_kinds(self, milestone_id: str, role: str) -> dict[str, str]:
        """The sign-offs (kind → title) a reviewer with ``role`` can give on a milestone."""
        return self._reviews.kinds(milestone_id, role)

    def add_review(
        self,
        submission_id: int,
        review: Mapping[str, Any],
        *,
        reviewer_id: str,
        role: str,
        reviewer_learner_id: int | None = None,
        actor: str,
    ) -> Issued:
        """Record a sign-off (or rubric scoring) and judge the submission again."""
        return self._reviews.add(
            submission_id, review, reviewer_id=reviewer_id, role=role,
            reviewer_learner_id=reviewer_learner_id, actor=actor,
        )  # fmt: skip

    def review_queue(
        self, role: str, reviewer_id: str
    ) -> list[tuple[models.Submission, dict[str, str]]]:
        """Submissions waiting for a sign-off this reviewer can give (oldest first)."""
        return self._reviews.queue(role, reviewer_id)

    # -- reading (issuer/records.py) ------------------------------------------------------

    def credential(self, credential_id: str) -> models.Credential:
        return self._records.credential(credential_id)

    def submission(self, submission_id: int) -> models.Submission:
        return self._records.submission(submission_id)

    def visible_submission(self, submission_id: int, viewer: Account) -> models.Submission:
        """Learners see their own; reviewers and admins see all (404 rather than reveal others)."""
        return self._records.visible_submission(submission_id, viewer)

    def submissions(
        self, learner_id: int | None = None, limit: int = 100
    ) -> list[models.Submission]:
        """Newest first; one learner's, or everyone's."""
        return self._records.submissions(learner_id, limit)

    def reviews_of(self, submission_id: int) -> list[models.Review]:
        return self._records.reviews_of(submission_id)

    def credentials_of(self, learner_id: int) -> list[models.Credential]:
        return self._records.credentials_of(learner_id)

    def log(self, limit: int = 200) -> list[models.IssuanceLog]:
        return self._records.log(limit)

    def learner(self, learner_id: int) -> models.Learner:
        return self._records.learner(learner_id)

    def learner_name(self, learner_id: int) -> str | None:
        return self._records.learner_name(learner_id)

    def tokens_of(self, user_id: int) -> list[models.ApiToken]:
        return self._records.tokens_of(user_id)

    def key_counts(self) -> dict[str, tuple[int, int]]:
        """Per key id: how many credentials it signed, and how many of them are live."""
        return self._records.key_counts()

    def credentials_signed_by(self, key_id: str) -> list[models.Credential]:
        """Every credential ``key_id`` signed, revoked ones included, oldest first."""
        return self._records.credentials_signed_by(key_id)

    def counts(self) -> dict[str, int]:
        """Totals for monitoring (read from the database, so every worker agrees)."""
        return self._records.counts()

    def public_view(self, credential_id: str) -> PublicView:
        """The credential, its learner's name and its status list's current token: one
        statement (and a second only when the status list changed since it was last read)."""
        return self._records.public_view(credential_id)

    # -- status lists and revocation (issuer/status.py) ----------------------------------

    def sign_status_list(self, list_id: str, encoded: str, now: dt.datetime) -> str:
        return self._status.sign_status_list(list_id, encoded, now)

    def status_list(self, list_id: str) -> models.StatusList:
        return self._status.status_list(list_id)

    def status_token(self, list_id: str, etag: str | None = None) -> str:
        """The status list's signed token as the database holds it now (see
        :meth:`StatusLists.token`)."""
        return self._status.token(list_id, etag)

    def revoke(self, credential_id: str, reason: str, *, actor: str) -> models.Credential:
        """Revoke a credential (idempotent: revoking twice keeps the first reason).

        Revocation is final: no automatic path (a late sign-off, the same bundle again, bulk
        issuance) issues that learner that milestone again; only :meth:`reissue` does."""
        return self._status.revoke(credential_id, reason, actor=actor)

    # -- re-issuing (issuer/lifecycle.py) -------------------------------------------------

    def reissue(
        self, credential_id: str, reason: str, *, actor: str
    ) -> tuple[models.Credential, bool]:
        """An admin re-issues a revoked credential: the one way back after a revocation.

        The new credential is issued for the same achievement: the revoked one's subject,
        achievement and evidence, with a new id, status entry and ``validFrom`` (its
        ``validUntil`` unchanged), signed with the current key, recorded with who, when and why
        (log event ``reissued``). Submissions of that learner and milestone waiting for an admin
        are settled by it. Idempotent: asked again, it answers the credential it issued
        (``False``: not created now). Raises ConflictError for a live credential, or when the
        learner holds another live one for the milestone.
        """
        return self._lifecycle.reissue(credential_id, reason, actor=actor)

    def reissue_key(
        self, key_id: str, *, actor: str, progress: Callable[[int], None] | None = None
    ) -> dict[str, int]:
        """Re-issue, under the current key, every live credential the withdrawn key ``key_id``
        signed, and revoke the old one with reason ``key withdrawn: <why>``.

        Each credential is one transaction: the new credential, its record and log line, the
        old one's revocation (its status list re-signed) and log line. Resumable and
        idempotent: a credential already revoked is left alone, so running it again after an
        interruption re-issues only what is left. ``progress`` is told of each credential.
        """
        return self._lifecycle.reissue_key(key_id, actor=actor, progress=progress)

    # -- keys (issuer/rotation.py) --------------------------------------------------------

    def sync(self) -> None:
        """Record the rule-file digests and the public keys in the database."""
        self._keys.sync()

    def rotate_keys(self, alg: str | None, *, actor: str) -> KeyInfo:
        """Retire the current key (still published, it never signs again) for a new one."""
        return self._keys.rotate(alg, actor=actor)

    def log_key_rotation(self, key_id: str, *, actor: str) -> None:
        self._keys.log_rotation(key_id, actor=actor)

    def withdraw_key(self, key_id: str, reason: str, *, actor: str) -> dict[str, Any]:
        """Withdraw a compromised key (see :meth:`KeyStore.withdraw`): a new current key first
        if it is the current one; then it leaves the DID document and the JWKS, so everything
        it signed, and anything anyone signs with it, fails verification; its private key file
        is destroyed; the state, when, who and why are recorded (issuer_keys and the log); the
        status lists it signed are signed again with the current key. Safe to repeat (an
        interrupted withdrawal completes). What it signed is re-issued by :meth:`reissue_key`.
        """
        return self._keys.withdraw(key_id, reason, actor=actor)

    # -- artefacts (issuer/artefacts.py) --------------------------------------------------

    @property
    def certificates(self) -> CertificateRenderer:
        """The certificate renderer, made again when the current key changes (rotated by this
        process or another): its signer holds the key it was made with."""
        return self._artefacts.certificates

    def certificate_data(self, credential: models.Credential) -> CertificateData:
        return self._artefacts.certificate_data(credential)

    def certificate_pdf(self, credential: models.Credential) -> bytes:
        """The signed PDF certificate of a credential (rendered once, then cached)."""
        return self._artefacts.certificate_pdf(credential)

    def baked_badge(self, credential: models.Credential, image_format: str) -> bytes:
        """The milestone's badge image with the credential baked in (``png`` or ``svg``)."""
        return self._artefacts.baked_badge(credential, image_format)

    def sharing(self, credential: models.Credential) -> dict[str, str]:
        """Links and the embed snippet a learner uses to show the badge elsewhere."""
        return self._artefacts.sharing(credential)
