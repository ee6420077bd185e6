"""What every compiled rule is, and the pieces rule kinds share."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from criteria.verdict import Measure, RuleResult, Status

if TYPE_CHECKING:
    from criteria.evidence import Evidence
    from criteria.model import Activity, BenchmarkProfile, Quiz, ScoredList
    from criteria.spec import Spec


class Rule(ABC):
    """A compiled completion rule: built once from its spec, then evaluated against bundles."""

    kind: ClassVar[str]

    def __init__(self, spec: Spec, scope: RuleScope) -> None:
        """Read and check the rule's parameters; raise ``RuleFileError`` naming the bad one."""
        self.id: str = spec.slug("id")
        self.path = spec.path
        self.seed: str | None = spec.optional_text("seed")
        self.reading: str | None = spec.optional_text("reading")

    @abstractmethod
    def evaluate(self, evidence: Evidence) -> RuleResult: ...

    @abstractmethod
    def parameters(self) -> dict[str, Any]:
        """The rule's parameters as data (for ``vouch criteria show``)."""

    def describe(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "kind": self.kind, **self.parameters()}
        if self.seed is not None:
            data["seed"] = self.seed
        if self.reading is not None:
            data["reading"] = self.reading
        return data

    def tally(self, count: int, needed: int, reason: str, problems: list[str]) -> RuleResult:
        """Met or not met by ``count`` of ``needed``: met when there is no problem; otherwise
        the problems follow the reason."""
        if problems:
            reason += f"; {'; '.join(problems)}"
        status = Status.NOT_MET if problems else Status.MET
        return self.result(status, count, needed, reason, count / needed)

    def result(
        self,
        status: Status,
        measured: Measure,
        threshold: Measure,
        reason: str,
        progress: float,
        children: tuple[RuleResult, ...] = (),
        awaits: str | None = None,
    ) -> RuleResult:
        return RuleResult(
            self.id,
            self.kind,
            status,
            measured,
            threshold,
            reason,
            min(max(progress, 0.0), 1.0),
            self.seed,
            children,
            awaits,
        )


@dataclass(frozen=True, slots=True)
class RuleScope:
    """What a rule may refer to while it is built: the milestone's definitions."""

    checklist: ScoredList
    exercises: Mapping[str, Activity]
    quizzes: Mapping[str, Quiz]
    challenges: Mapping[str, Activity]
    reviews: Mapping[str, Activity]
    rubrics: Mapping[str, ScoredList]
    benchmarks: Mapping[str, BenchmarkProfile]
    #: Compiles a nested rule (for combinators).
    build_rule: Callable[[Spec], Rule]


def met_or(missing: bool, *, awaiting: bool = False) -> Status:
    """``MET`` unless something is missing; then awaiting review or simply not met."""
    if not missing:
        return Status.MET
    return Status.AWAITING_REVIEW if awaiting else Status.NOT_MET


def listing(words: Iterable[str], conjunction: str = "and") -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def article(phrase: str) -> str:
    """``a peer``, ``an expert``."""
    return f"{'an' if phrase[:1] in 'aeiou' else 'a'} {phrase}"


def percent(part: int, whole: int, *, threshold: float, met: bool) -> str:
    """A percentage for a message that never contradicts the verdict (79.6% is not "80%")."""
    value = 100 * part / whole if whole else 0.0
    shown = f"{value:.0f}%"
    if not met and float(shown[:-1]) >= threshold:
        shown = f"{int(value * 10) / 10:.1f}%"
    return shown
