"""A validated evidence bundle, indexed for evaluation.

Build one with :func:`criteria.parse_evidence`, which validates first; the constructor here
trusts its input.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True, slots=True)
class Learner:
    id: str
    name: str
    email: str


@dataclass(frozen=True, slots=True)
class ExerciseResult:
    status: str
    quality: str | None


@dataclass(frozen=True, slots=True)
class ChallengeResult:
    minutes: float
    passed: bool
    quality: str | None


@dataclass(frozen=True, slots=True)
class Review:
    kind: str
    reviewer_id: str
    role: str
    verdict: str
    score: float | None
    minutes: float | None


@dataclass(frozen=True, slots=True)
class BenchmarkReport:
    project: str
    metrics: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class Evidence:
    milestone: str
    learner: Learner
    checklist: frozenset[str]
    quizzes: Mapping[str, Mapping[str, str]]
    exercises: Mapping[str, ExerciseResult]
    challenges: Mapping[str, ChallengeResult]
    reviews: Mapping[str, tuple[Review, ...]]
    rubrics: Mapping[str, frozenset[str]]
    benchmarks: BenchmarkReport | None
    held: frozenset[str]
    raw: Mapping[str, Any]

    @property
    def submitted(self) -> dict[str, Any]:
        """The bundle without ``held``, which the issuer fills from its own records."""
        return {k: v for k, v in self.raw.items() if k != "held"}

    @property
    def digest(self) -> str:
        """The digest of the bundle as judged (worked out when asked: once per verdict)."""
        return bundle_digest(self.raw)

    @classmethod
    def from_valid(cls, bundle: Mapping[str, Any]) -> Evidence:
        """Index a bundle that has already passed validation."""
        learner = bundle["learner"]
        reviews: dict[str, list[Review]] = {}
        for r in bundle.get("reviews", ()):
            reviewer = r["reviewer"]
            reviews.setdefault(r["kind"], []).append(
                Review(
                    kind=r["kind"],
                    reviewer_id=reviewer["id"],
                    role=reviewer["role"],
                    verdict=r["verdict"],
                    score=r.get("score"),
                    minutes=r.get("minutes"),
                )
            )
        bench = bundle.get("benchmarks")
        return cls(
            milestone=bundle["milestone"],
            learner=Learner(learner["id"], learner["name"], learner["email"]),
            checklist=frozenset(bundle.get("checklist", ())),
            quizzes=bundle.get("quizzes", {}),
            exercises={
                e["id"]: ExerciseResult(e["status"], e.get("quality"))
                for e in bundle.get("exercises", ())
            },
            challenges={
                c["id"]: ChallengeResult(c["minutes"], c["passed"], c.get("quality"))
                for c in bundle.get("challenges", ())
            },
            reviews={kind: tuple(rs) for kind, rs in reviews.items()},
            rubrics={k: frozenset(v) for k, v in bundle.get("rubrics", {}).items()},
            benchmarks=(
                BenchmarkReport(
                    bench["project"], {k: v for k, v in bench.items() if k != "project"}
                )
                if bench is not None
                else None
            ),
            held=frozenset(bundle.get("held", ())),
            raw=bundle,
        )


def with_held(evidence: Evidence, held: list[str]) -> Evidence:
    """The same evidence with ``held`` set by the issuer (from issued credentials).

    Cheaper than validating again: only ``held`` changes, and its ids come from the issuer's
    own records. The digest covers the bundle as judged, ``held`` included.
    """
    raw = evidence.submitted | {"held": sorted(held)}
    return replace(evidence, held=frozenset(held), raw=raw)


def with_reviews(
    evidence: Evidence,
    reviews: Sequence[Mapping[str, Any]],
    rubrics: Mapping[str, Sequence[str]],
) -> Evidence:
    """The same evidence with the sign-offs and rubric scorings reviewers recorded.

    ``reviews`` (in the bundle's form) come after the submitted ones; each of ``rubrics``
    replaces that rubric's submitted items (the latest scoring counts). Cheaper than
    validating again: they come from the issuer's own records, checked when recorded.
    """
    raw = dict(evidence.raw)
    if reviews:
        raw["reviews"] = [*raw.get("reviews", ()), *reviews]
    if rubrics:
        raw["rubrics"] = {**raw.get("rubrics", {}), **{k: list(v) for k, v in rubrics.items()}}
    return Evidence.from_valid(raw)


def bundle_digest(bundle: Mapping[str, Any]) -> str:
    """``sha256:<hex>`` of the bundle's canonical JSON (sorted keys, no spaces, UTF-8)."""
    canonical = json.dumps(bundle, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()
