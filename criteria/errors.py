"""The criteria engine's exceptions: a small tree rooted at :class:`CriteriaError`.

Exceptions are for unreadable input (a broken rule file, a malformed evidence bundle) and
unknown names; a bundle that simply does not meet a milestone is a :class:`Verdict`, not an
error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict


class CriteriaError(Exception):
    """Root of every error the criteria engine raises."""

    code = "criteria_error"


class RuleFileError(CriteriaError):
    """A milestone rule file is broken; names the file, the path inside it and the problem."""

    code = "invalid_rule_file"

    def __init__(self, file: str, path: str, problem: str) -> None:
        self.file = file
        self.path = path
        self.problem = problem
        super().__init__(f"{file}: {path}: {problem}" if path else f"{file}: {problem}")


class UnknownMilestoneError(CriteriaError):
    """A milestone id that the catalogue does not hold."""

    code = "unknown_milestone"

    def __init__(self, milestone: str, known: tuple[str, ...]) -> None:
        self.milestone = milestone
        super().__init__(f"unknown milestone {milestone!r} (known: {', '.join(known)})")


class ProblemJSON(TypedDict):
    """A problem as JSON (:meth:`EvidenceProblem.to_dict`), the one definition of its shape."""

    path: str
    message: str


@dataclass(frozen=True, slots=True)
class EvidenceProblem:
    """One thing wrong with an evidence bundle, at a JSON path like ``$.exercises[1].quality``."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"

    def to_dict(self) -> ProblemJSON:
        return {"path": self.path, "message": self.message}


class EvidenceError(CriteriaError):
    """An evidence bundle that cannot be evaluated; carries every problem found."""

    code = "invalid_evidence"

    def __init__(self, problems: list[EvidenceProblem] | tuple[EvidenceProblem, ...]) -> None:
        self.problems = tuple(problems)
        listed = "; ".join(str(p) for p in self.problems[:5])
        more = f" (+{len(self.problems) - 5} more)" if len(self.problems) > 5 else ""
        super().__init__(f"invalid evidence bundle: {listed}{more}")


class EvidenceTooLargeError(EvidenceError):
    """A bundle larger than the limit (HTTP 413)."""

    code = "payload_too_large"
