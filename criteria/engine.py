"""The catalogue of milestones: load once, then validate and evaluate many bundles."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from criteria.errors import RuleFileError, UnknownMilestoneError
from criteria.evidence import Evidence
from criteria.loader import load_milestone
from criteria.model import Milestone
from criteria.rules.combinators import combine
from criteria.schema import evidence_schema
from criteria.validation import MAX_BUNDLE_BYTES, EvidenceValidator
from criteria.verdict import Verdict

#: The curriculum's rule files, shipped with the package.
MILESTONES_DIR = Path(__file__).parent / "milestones"


class Catalogue:
    """Every milestone, checked together (prerequisites exist, no cycles), rules compiled once."""

    def __init__(self, milestones: Iterable[Milestone]) -> None:
        ordered = sorted(milestones, key=lambda m: (m.number, m.id))
        self.milestones: dict[str, Milestone] = {m.id: m for m in ordered}
        self._check_links(ordered)
        self._validator = EvidenceValidator(self.milestones)

    @staticmethod
    def _check_links(milestones: list[Milestone]) -> None:
        by_id = {m.id: m for m in milestones}
        numbers: dict[int, str] = {}
        for m in milestones:
            if m.number in numbers:
                raise RuleFileError(
                    m.source, "number", f"{m.number} is also used by {numbers[m.number]}"
                )
            numbers[m.number] = m.source
            for i, prereq in enumerate(m.prerequisites.milestones):
                if prereq not in by_id:
                    raise RuleFileError(
                        m.source, f"prerequisites.milestones[{i}]", f"unknown milestone {prereq!r}"
                    )
        for m in milestones:  # a prerequisite chain must end
            stack: list[tuple[str, tuple[str, ...]]] = [
                (p, (m.id, p)) for p in m.prerequisites.milestones
            ]
            seen = {m.id}
            while stack:
                current, chain = stack.pop()
                if current == m.id:
                    cycle = " → ".join(chain)
                    problem = f"prerequisites form a cycle: {cycle}"
                    raise RuleFileError(m.source, "prerequisites", problem)
                if current not in seen:
                    seen.add(current)
                    later = by_id[current].prerequisites.milestones
                    stack.extend((p, (*chain, p)) for p in later)

    def __iter__(self) -> Any:
        return iter(self.milestones.values())

    def __len__(self) -> int:
        return len(self.milestones)

    def __getitem__(self, milestone_id: str) -> Milestone:
        try:
            return self.milestones[milestone_id]
        except KeyError:
            raise UnknownMilestoneError(milestone_id, tuple(self.milestones)) from None

    def parse(
        self, data: bytes | str | Mapping[str, Any], *, max_bytes: int = MAX_BUNDLE_BYTES
    ) -> Evidence:
        """Validate an evidence bundle; raises ``EvidenceError`` listing every problem."""
        return self._validator.parse(data, max_bytes=max_bytes)

    def evaluate(self, evidence: Evidence) -> Verdict:
        """Judge validated evidence against its milestone's rules. Pure and deterministic."""
        milestone = self[evidence.milestone]
        results = tuple(rule.evaluate(evidence) for rule in milestone.rules)
        status, progress = combine(results, len(results))
        return Verdict(milestone.id, status, progress, results, milestone.digest, evidence)

    def check(self, data: bytes | str | Mapping[str, Any]) -> Verdict:
        """Validate, then evaluate."""
        return self.evaluate(self.parse(data))

    def evidence_schema(self) -> dict[str, Any]:
        return evidence_schema(self.milestones.values())


def load_catalogue(directory: Path | str | None = None) -> Catalogue:
    """Load and check every ``*.toml`` rule file in ``directory`` (default: the curriculum)."""
    if directory is None:
        return _default_catalogue()
    folder = Path(directory)
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise RuleFileError(str(folder), "", "no milestone rule files (*.toml) found")
    return Catalogue(load_milestone(f) for f in files)


@cache
def _default_catalogue() -> Catalogue:
    return load_catalogue(MILESTONES_DIR)
