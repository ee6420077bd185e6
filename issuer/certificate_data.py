"""What a PDF certificate says: its data, the wording of what the milestone required, the
size class of the learner's name and the PDF's document metadata. No rendering here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from criteria import Milestone


@dataclass(frozen=True)
class CertificateData:
    credential_id: str
    jwt: str
    learner_name: str
    badge_name: str
    milestone_title: str
    number: int
    level: str
    issuer_name: str
    issued: dt.datetime
    verify_url: str
    requirement: str
    colour: str


def name_size(name: str) -> str:
    """A font size class so that long names still fit on two lines."""
    length = len(name)
    if length <= 28:
        return "size-l"
    if length <= 48:
        return "size-m"
    if length <= 90:
        return "size-s"
    return "size-xs"


def document_metadata(data: CertificateData) -> Any:
    """The PDF's title, author, subject, keywords, date and custom ``vouchcredentialid``."""
    from weasyprint.pdf.metadata import DocumentMetadata

    return DocumentMetadata(
        title=f"{data.badge_name}: certificate for {data.learner_name}",
        authors=[data.issuer_name],
        description=(
            f"Open Badges 3.0 credential {data.credential_id} "
            f"({data.badge_name}, {data.milestone_title}) issued to {data.learner_name}"
        ),
        keywords=[data.credential_id],
        created=data.issued.isoformat(timespec="seconds"),
        lang="en",
        custom={"vouch-credential-id": data.credential_id},
    )


#: How the certificate words each kind of rule that assessed the learner.
ASSESSED_BY = {
    "checklist": "a self-assessment",
    "quiz": "a graded quiz",
    "exercises": "practical exercises",
    "challenges": "timed challenges",
    "review": "reviewer sign-offs",
    "rubric": "a rubric-scored review",
    "benchmarks": "performance benchmarks",
    "prerequisites": "the previous milestone",
}


def requirement_line(milestone: Milestone) -> str:
    """One line on what the milestone required, for the certificate."""
    seen: list[str] = []
    for rule in milestone.all_rules():
        wording = ASSESSED_BY.get(rule.kind)
        if wording and wording not in seen:
            seen.append(wording)
    listed = ", ".join(seen[:-1]) + f" and {seen[-1]}" if len(seen) > 1 else "".join(seen)
    return f"Assessed by {listed}, against the completion criteria of the curriculum."
