"""``quiz``: the engine grades the answers against the key; a minimum percentage passes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from criteria.rules.base import Rule, RuleScope, listing, percent
from criteria.verdict import RuleResult, Status

if TYPE_CHECKING:
    from criteria.evidence import Evidence
    from criteria.spec import Spec


class QuizRule(Rule):
    kind = "quiz"

    def __init__(self, spec: Spec, scope: RuleScope) -> None:
        super().__init__(spec, scope)
        quiz_id = spec.slug("quiz")
        if quiz_id not in scope.quizzes:
            known = ", ".join(scope.quizzes) or "none defined"
            raise spec.error("quiz", f"unknown quiz {quiz_id!r} (known: {known})")
        self.quiz = quiz = scope.quizzes[quiz_id]
        self.key = {q.id: q.answer for q in quiz.questions}
        self.titles = {q.id: q.title for q in quiz.questions}
        self.min_percent = spec.number("min_percent")
        if not 0 < self.min_percent <= 100:
            problem = f"{self.min_percent} is out of range: must be > 0 and ≤ 100"
            raise spec.error("min_percent", problem)

    def parameters(self) -> dict[str, Any]:
        return {"quiz": self.quiz.id, "min_percent": self.min_percent, "questions": len(self.key)}

    def evaluate(self, evidence: Evidence) -> RuleResult:
        answers = evidence.quizzes.get(self.quiz.id, {})
        missed = [q for q, answer in self.key.items() if answers.get(q) != answer]
        total = len(self.key)
        correct = total - len(missed)
        # Integer arithmetic: 80% of 3 questions must not pass on 2.4 rounded.
        met = correct * 100 >= self.min_percent * total
        shown = percent(correct, total, threshold=self.min_percent, met=met)
        reason = f"quiz: {correct} of {total} correct = {shown}"
        if met:
            reason += f" (needs {self.min_percent:g}%)"
        else:
            reason += f", needs {self.min_percent:g}%"
            reason += f"; not answered correctly: {listing(self.titles[q] for q in missed)}"
        return self.result(
            Status.MET if met else Status.NOT_MET,
            round(100 * correct / total, 2),
            self.min_percent,
            reason,
            correct * 100 / (self.min_percent * total),
        )
