"""The rule kinds the engine knows, by the ``kind`` a rule file names."""

from __future__ import annotations

from criteria.rules.activities import ChallengesRule, ExercisesRule
from criteria.rules.base import Rule, RuleScope
from criteria.rules.benchmarks import BenchmarksRule
from criteria.rules.combinators import AllRule, AnyRule, AtLeastRule
from criteria.rules.prerequisites import PrerequisitesRule
from criteria.rules.quiz import QuizRule
from criteria.rules.review import ReviewRule
from criteria.rules.scored import ChecklistRule, RubricRule
from criteria.spec import Spec

RULE_KINDS: dict[str, type[Rule]] = {
    cls.kind: cls
    for cls in (
        ChecklistRule, QuizRule, ExercisesRule, ChallengesRule, ReviewRule, RubricRule,
        BenchmarksRule, AllRule, AnyRule, AtLeastRule,
    )
}  # fmt: skip


def build_rule(spec: Spec, scope: RuleScope) -> Rule:
    """Compile one rule table (and, for combinators, its nested rules).

    ``prerequisites`` is not among the kinds a ``[[criteria]]`` entry may name: it comes only
    from the milestone's ``[prerequisites]`` table, whose ids the catalogue checks.
    """
    kind = spec.choice("kind", RULE_KINDS)
    rule = RULE_KINDS[kind](spec, scope)
    spec.finish()
    return rule


def build_prerequisites(spec: Spec, scope: RuleScope) -> PrerequisitesRule:
    rule = PrerequisitesRule(spec, scope)
    spec.finish()
    return rule


__all__ = ["RULE_KINDS", "Rule", "RuleScope", "build_prerequisites", "build_rule"]
