"""What a milestone rule file describes, as immutable values.

These are the *definitions* (the curriculum); the compiled rules that judge evidence live in
:mod:`criteria.rules`, and a milestone carries both.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from criteria.rules.base import Rule

#: Descriptive text fields any activity may carry, and the list-of-text ones.
ACTIVITY_TEXT_FIELDS = (
    "description", "summary", "time", "difficulty", "complexity", "format", "audience",
    "scenario", "problem", "task", "test_cases",
)  # fmt: skip
ACTIVITY_LIST_FIELDS = (
    "requirements", "deliverables", "assessment", "focus_areas", "considerations",
    "questions", "options", "components", "specifications",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ScoredItem:
    id: str
    text: str
    points: int


@dataclass(frozen=True, slots=True)
class ScoredSection:
    id: str
    title: str
    points: int
    items: tuple[ScoredItem, ...]


@dataclass(frozen=True, slots=True)
class ScoredList:
    """A checklist or rubric: sections of items worth points."""

    id: str
    title: str
    total: int
    sections: tuple[ScoredSection, ...]
    points: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        points = {item.id: item.points for s in self.sections for item in s.items}
        object.__setattr__(self, "points", points)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "total": self.total,
            "sections": [
                {
                    "id": s.id,
                    "title": s.title,
                    "points": s.points,
                    "items": [{"id": i.id, "text": i.text, "points": i.points} for i in s.items],
                }
                for s in self.sections
            ],
        }


@dataclass(frozen=True, slots=True)
class Activity:
    """An exercise, project, challenge or kind of reviewer sign-off.

    ``time_limit_minutes`` is set only for challenges (the seed's "Time Limit", a rule);
    ``details`` holds the descriptive fields (``time`` there is guidance only).
    """

    id: str
    title: str
    category: str | None = None
    time_limit_minutes: int | None = None
    details: dict[str, str | tuple[str, ...]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "title": self.title}
        if self.category is not None:
            data["category"] = self.category
        if self.time_limit_minutes is not None:
            data["time_limit_minutes"] = self.time_limit_minutes
        data.update({k: list(v) if isinstance(v, tuple) else v for k, v in self.details.items()})
        return data


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    title: str
    prompt: str
    options: dict[str, str]
    answer: str
    explanation: str


@dataclass(frozen=True, slots=True)
class Quiz:
    id: str
    title: str
    questions: tuple[Question, ...]

    def to_dict(self, *, with_answers: bool = False) -> dict[str, Any]:
        questions = []
        for q in self.questions:
            entry: dict[str, Any] = {
                "id": q.id,
                "title": q.title,
                "prompt": q.prompt,
                "options": dict(q.options),
            }
            if with_answers:
                entry |= {"answer": q.answer, "explanation": q.explanation}
            questions.append(entry)
        return {"id": self.id, "title": self.title, "questions": questions}


@dataclass(frozen=True, slots=True)
class Threshold:
    metric: str
    op: str
    value: float
    seed: str


@dataclass(frozen=True, slots=True)
class BenchmarkProfile:
    project: str
    title: str
    thresholds: tuple[Threshold, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "title": self.title,
            "thresholds": [
                {"metric": t.metric, "op": t.op, "value": t.value, "seed": t.seed}
                for t in self.thresholds
            ],
        }


@dataclass(frozen=True, slots=True)
class Badge:
    name: str
    emoji: str
    colour: str


@dataclass(frozen=True, slots=True)
class Prerequisites:
    milestones: tuple[str, ...]
    seed: str
    reading: str


@dataclass(frozen=True, slots=True)
class Milestone:
    """One milestone: its curriculum content and its compiled completion rules."""

    id: str
    number: int
    title: str
    level: str
    target_week: int
    description: str
    learning_outcomes: tuple[str, ...]
    badge: Badge
    prerequisites: Prerequisites
    checklist: ScoredList
    exercises: dict[str, Activity]
    quizzes: dict[str, Quiz]
    challenges: dict[str, Activity]
    reviews: dict[str, Activity]
    rubrics: dict[str, ScoredList]
    benchmarks: dict[str, BenchmarkProfile]
    rules: tuple[Rule, ...]
    #: ``sha256:<hex>`` of the rule file's bytes: the rule version a verdict was judged by.
    digest: str
    source: str
    #: Credentials for this milestone expire after this many days (``validUntil``); None: never.
    valid_for_days: int | None = None

    def all_rules(self) -> Iterator[Rule]:
        """Every rule, nested ones included, breadth first."""
        queue = deque(self.rules)
        while queue:
            rule = queue.popleft()
            yield rule
            queue.extend(getattr(rule, "rules", ()))

    def criteria_narrative(self) -> str:
        """The completion criteria in the curriculum's words, one numbered line each."""
        return "\n".join(f"{n}. {rule.seed}" for n, rule in enumerate(self.rules, 1) if rule.seed)

    def to_dict(self, *, with_answers: bool = False) -> dict[str, Any]:
        """The milestone as JSON; quiz answer keys only when ``with_answers``."""
        return {
            "id": self.id,
            "number": self.number,
            "title": self.title,
            "level": self.level,
            "target_week": self.target_week,
            "description": self.description,
            "learning_outcomes": list(self.learning_outcomes),
            "badge": {
                "name": self.badge.name,
                "emoji": self.badge.emoji,
                "colour": self.badge.colour,
            },
            "prerequisites": {
                "milestones": list(self.prerequisites.milestones),
                "seed": self.prerequisites.seed,
                "reading": self.prerequisites.reading,
            },
            "checklist": self.checklist.to_dict(),
            "exercises": [a.to_dict() for a in self.exercises.values()],
            "quizzes": [q.to_dict(with_answers=with_answers) for q in self.quizzes.values()],
            "challenges": [a.to_dict() for a in self.challenges.values()],
            "reviews": [a.to_dict() for a in self.reviews.values()],
            "rubrics": [r.to_dict() for r in self.rubrics.values()],
            "benchmarks": [b.to_dict() for b in self.benchmarks.values()],
            "criteria": [rule.describe() for rule in self.rules],
            "valid_for_days": self.valid_for_days,
            "digest": self.digest,
        }
