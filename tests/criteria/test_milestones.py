"""The six shipped milestones: what the seed says is encoded, and every rule can be failed alone."""

from __future__ import annotations

import pytest

from criteria import Status, load_catalogue
from tests.criteria.bundles import break_rule, meeting_bundle

CATALOGUE = load_catalogue()
RULES = [(m.id, rule.id) for m in CATALOGUE for rule in m.rules]


def test_six_milestones_in_curriculum_order(catalogue):
    assert [m.id for m in catalogue] == [
        "foundation-mastery",
        "implementation-proficiency",
        "system-architecture",
        "advanced-system-mastery",
        "implementation-excellence",
        "interview-mastery",
    ]
    assert [m.number for m in catalogue] == [1, 2, 3, 4, 5, 6]
    assert [m.target_week for m in catalogue] == [1, 2, 3, 4, 5, 6]


def test_prerequisite_chain(catalogue):
    chain = [m.prerequisites.milestones for m in catalogue]
    ids = [m.id for m in catalogue]
    assert chain == [(), *[(previous,) for previous in ids[:-1]]]


@pytest.mark.parametrize(
    ("milestone", "passing", "badge", "level"),
    [
        ("foundation-mastery", 75, "Foundation Master", "Beginner"),
        ("implementation-proficiency", 80, "Implementation Expert", "Intermediate"),
        ("system-architecture", 85, "System Architect", "Intermediate-Advanced"),
        ("advanced-system-mastery", 90, "Advanced Designer", "Advanced"),
        ("implementation-excellence", 85, "Implementation Leader", "Advanced-Expert"),
        ("interview-mastery", 90, "Interview Master", "Expert"),
    ],
)
def test_checklist_passing_score_badge_and_level(catalogue, milestone, passing, badge, level):
    m = catalogue[milestone]
    assert m.checklist.total == 100
    assert [len(s.items) for s in m.checklist.sections] in ([5, 5, 3, 3], [5, 5, 3, 4])
    self_assessment = next(r for r in m.rules if r.kind == "checklist")
    assert self_assessment.min_points == passing
    assert (m.badge.name, m.level) == (badge, level)


def test_badge_colours_are_distinct(catalogue):
    colours = [m.badge.colour.lower() for m in catalogue]
    assert len(set(colours)) == len(colours)


def test_quiz_answer_key_from_seed(catalogue):
    quiz = catalogue["foundation-mastery"].quizzes["knowledge-check"]
    assert [q.answer for q in quiz.questions] == ["b", "c", "b"]
    assert all(len(q.options) == 4 and q.explanation for q in quiz.questions)


@pytest.mark.parametrize(
    ("milestone", "limits"),
    [
        ("implementation-proficiency", {"lru-cache-ttl": 45, "distributed-rate-limiter": 60}),
        ("system-architecture", {"design-instagram": 60, "design-uber": 60}),
        ("advanced-system-mastery", {"multi-tenant-saas": 90, "ml-serving-platform": 90}),
        (
            "interview-mastery",
            {
                "mock-url-shortener": 45,
                "mock-cdn": 60,
                "mock-architecture-review": 30,
                "executive-presentation": 15,
                "technical-deep-dive": 30,
                "comprehensive-system-design": 120,
            },
        ),
    ],
)
def test_challenge_time_limits(catalogue, milestone, limits):
    challenges = catalogue[milestone].challenges
    assert {c: a.time_limit_minutes for c, a in challenges.items()} == limits


def test_exercise_times_are_guidance_not_limits(catalogue):
    for m in catalogue:
        for exercise in m.exercises.values():
            assert exercise.time_limit_minutes is None


def test_rubrics_total_100(catalogue):
    rubrics = {r.id: r.total for m in catalogue for r in m.rubrics.values()}
    assert rubrics == {"architecture-review": 100, "code-quality-standards": 100}


def test_m5_benchmark_thresholds_differ_by_project(catalogue):
    profiles = catalogue["implementation-excellence"].benchmarks
    as_tuples = {
        p: {(t.metric, t.op, t.value) for t in profile.thresholds}
        for p, profile in profiles.items()
    }
    reliability = {
        ("uptime", ">=", 0.999),
        ("error_rate", "<", 0.001),
        ("recovery_s", "<", 30),
        ("api_requests_per_s", ">=", 1000),
    }
    assert as_tuples["distributed-cache"] == reliability | {
        ("p50_ms", "<", 10),
        ("p95_ms", "<", 50),
        ("p99_ms", "<", 100),
        ("throughput_per_s", ">=", 10000),
    }
    assert as_tuples["message-queue"] == reliability | {("throughput_per_s", ">=", 5000)}


def test_every_top_level_rule_quotes_the_seed_and_explains_its_reading(catalogue):
    for m in catalogue:
        for rule in m.rules:
            assert rule.seed, (m.id, rule.id)
            assert rule.reading, (m.id, rule.id)


@pytest.mark.parametrize("milestone", [m.id for m in CATALOGUE])
def test_meeting_bundle_meets(catalogue, milestone):
    verdict = catalogue.check(meeting_bundle(catalogue[milestone]))
    assert verdict.met, [r.reason for r in verdict.unmet()]
    assert verdict.progress == 1.0
    assert all(r.status is Status.MET for r in verdict.results)


@pytest.mark.parametrize(("milestone", "rule_id"), RULES, ids=[f"{m}:{r}" for m, r in RULES])
def test_each_rule_can_fail_alone(catalogue, milestone, rule_id):
    m = catalogue[milestone]
    rule = next(r for r in m.rules if r.id == rule_id)
    verdict = catalogue.check(break_rule(m, rule, meeting_bundle(m)))
    assert not verdict.met
    assert [r.id for r in verdict.unmet()] == [rule_id]
    failing = verdict.unmet()[0]
    assert failing.status is Status.NOT_MET
    assert failing.reason
    assert verdict.progress < 1.0
