"""Each rule kind at its boundaries: one under and exactly at every threshold."""

from __future__ import annotations

import copy

import pytest

from criteria import Status
from tests.criteria.bundles import meeting_bundle


def result(catalogue, bundle, rule_id):
    verdict = catalogue.check(bundle)
    found = [r for r in verdict.results if r.id == rule_id]
    assert found, f"no rule {rule_id}"
    return found[0]


@pytest.fixture
def m1(catalogue):
    return catalogue["foundation-mastery"]


@pytest.fixture
def bundle1(m1):
    return meeting_bundle(m1)


def with_points(checklist, points):
    """Item ids from ``checklist`` adding up to exactly ``points`` (largest items first)."""
    chosen, total = [], 0
    for item, value in sorted(checklist.points.items(), key=lambda kv: -kv[1]):
        if total + value <= points:
            chosen.append(item)
            total += value
    assert total == points
    return chosen


# --- checklist ---------------------------------------------------------------


@pytest.mark.parametrize(("points", "status"), [(70, Status.NOT_MET), (75, Status.MET)])
def test_checklist_at_and_under_threshold(catalogue, m1, bundle1, points, status):
    bundle1["checklist"] = with_points(m1.checklist, points)
    r = result(catalogue, bundle1, "self-assessment")
    assert (r.status, r.measured, r.threshold) == (status, points, 75)


def test_checklist_reason_says_how_far_off(catalogue, m1, bundle1):
    bundle1["checklist"] = with_points(m1.checklist, 70)
    r = result(catalogue, bundle1, "self-assessment")
    assert r.reason == "checklist: 70 of 100 points, needs 75 (5 short)"
    assert r.progress == pytest.approx(70 / 75)


def test_checklist_empty_scores_zero(catalogue, bundle1):
    bundle1["checklist"] = []
    r = result(catalogue, bundle1, "self-assessment")
    assert (r.status, r.measured, r.progress) == (Status.NOT_MET, 0, 0.0)


# --- quiz ----------------------------------------------------------------------


def test_quiz_two_of_three_is_67_percent_and_fails(catalogue, bundle1):
    bundle1["quizzes"]["knowledge-check"]["caching-strategy"] = "a"
    r = result(catalogue, bundle1, "knowledge-check")
    assert r.status is Status.NOT_MET
    assert r.measured == pytest.approx(66.67)
    assert r.reason.startswith("quiz: 2 of 3 correct = 67%, needs 80%")
    assert r.reason.endswith("not answered correctly: Caching Strategy")


def test_quiz_all_correct_passes(catalogue, bundle1):
    r = result(catalogue, bundle1, "knowledge-check")
    assert (r.status, r.measured) == (Status.MET, 100.0)


def test_quiz_unanswered_question_counts_as_wrong(catalogue, bundle1):
    del bundle1["quizzes"]["knowledge-check"]["cap-theorem-application"]
    r = result(catalogue, bundle1, "knowledge-check")
    assert r.status is Status.NOT_MET
    assert "CAP Theorem Application" in r.reason


def test_quiz_not_taken(catalogue, bundle1):
    bundle1["quizzes"] = {}
    r = result(catalogue, bundle1, "knowledge-check")
    assert (r.status, r.measured) == (Status.NOT_MET, 0)


# --- exercises -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("milestone", "at", "below"),
    [
        ("foundation-mastery", "satisfactory", "unsatisfactory"),
        ("implementation-proficiency", "good", "satisfactory"),
        ("system-architecture", "high", "good"),
    ],
)
def test_exercise_quality_at_and_one_grade_below(catalogue, milestone, at, below):
    bundle = meeting_bundle(catalogue[milestone])
    for entry in bundle["exercises"]:
        entry["quality"] = at
    assert result(catalogue, bundle, "practical-exercises").status is Status.MET
    bundle["exercises"][1]["quality"] = below
    r = result(catalogue, bundle, "practical-exercises")
    assert r.status is Status.NOT_MET
    assert f"graded {below}, needs {at} or better" in r.reason
    assert (r.measured, r.threshold) == (1, 2)


@pytest.mark.parametrize("status", ["in-progress", "not-started"])
def test_exercise_must_be_complete(catalogue, bundle1, status):
    bundle1["exercises"][0]["status"] = status
    r = result(catalogue, bundle1, "practical-exercises")
    assert r.status is Status.NOT_MET
    assert f"scaling-analysis is {status}" in r.reason


def test_exercise_missing_or_ungraded(catalogue, bundle1):
    del bundle1["exercises"][0]
    del bundle1["exercises"][0]["quality"]
    r = result(catalogue, bundle1, "practical-exercises")
    assert "scaling-analysis not submitted" in r.reason
    assert "trade-off-analysis has no quality grade" in r.reason
    assert r.progress == 0.0


# --- challenges ------------------------------------------------------------------


@pytest.fixture
def m2_bundle(catalogue):
    bundle = meeting_bundle(catalogue["implementation-proficiency"])
    bundle["challenges"] = [{"id": "lru-cache-ttl", "minutes": 45, "passed": True}]
    return bundle


def test_challenge_at_its_limit_passes(catalogue, m2_bundle):
    r = result(catalogue, m2_bundle, "coding-challenge")
    assert (r.status, r.measured, r.threshold) == (Status.MET, 1, 1)


def test_challenge_one_minute_over_fails(catalogue, m2_bundle):
    m2_bundle["challenges"][0]["minutes"] = 46
    r = result(catalogue, m2_bundle, "coding-challenge")
    assert r.status is Status.NOT_MET
    assert "lru-cache-ttl took 46 min, limit 45" in r.reason


def test_challenge_fractional_minute_over_fails(catalogue, m2_bundle):
    m2_bundle["challenges"][0]["minutes"] = 45.5
    assert result(catalogue, m2_bundle, "coding-challenge").status is Status.NOT_MET


def test_one_of_two_challenges_is_enough(catalogue, m2_bundle):
    m2_bundle["challenges"].append(
        {"id": "distributed-rate-limiter", "minutes": 61, "passed": True}
    )
    assert result(catalogue, m2_bundle, "coding-challenge").status is Status.MET


def test_challenge_not_passed(catalogue, m2_bundle):
    m2_bundle["challenges"][0]["passed"] = False
    r = result(catalogue, m2_bundle, "coding-challenge")
    assert "lru-cache-ttl not passed" in r.reason


def test_challenge_quality_one_grade_too_low(catalogue):
    m4 = catalogue["advanced-system-mastery"]
    bundle = meeting_bundle(m4)
    for entry in bundle["challenges"]:
        entry["quality"] = "high"
    r = result(catalogue, bundle, "advanced-challenge")
    assert r.status is Status.NOT_MET
    assert "graded high, needs expert or better" in r.reason
    bundle["challenges"][0]["quality"] = "expert"
    assert result(catalogue, bundle, "advanced-challenge").status is Status.MET


def test_all_three_mock_interviews_needed(catalogue):
    bundle = meeting_bundle(catalogue["interview-mastery"])
    bundle["challenges"] = [c for c in bundle["challenges"] if c["id"] != "mock-cdn"]
    r = result(catalogue, bundle, "mock-interviews")
    assert (r.status, r.measured, r.threshold) == (Status.NOT_MET, 2, 3)
    assert "mock-cdn not attempted" in r.reason


# --- reviews ---------------------------------------------------------------------


def test_review_by_the_learner_themself_does_not_count(catalogue, bundle1):
    bundle1["reviews"][0]["reviewer"]["id"] = bundle1["learner"]["id"]
    r = result(catalogue, bundle1, "self-explanation")
    assert r.status is Status.AWAITING_REVIEW
    assert "learner themself does not count" in r.reason


@pytest.mark.parametrize(("minutes", "status"), [(14, Status.NOT_MET), (15, Status.MET)])
def test_self_explanation_lasts_fifteen_minutes(catalogue, bundle1, minutes, status):
    bundle1["reviews"][0]["minutes"] = minutes
    r = result(catalogue, bundle1, "self-explanation")
    assert r.status is status
    if status is Status.NOT_MET:
        assert "recorded 14 min, needs 15" in r.reason


def test_review_without_duration_when_one_is_required(catalogue, bundle1):
    del bundle1["reviews"][0]["minutes"]
    r = result(catalogue, bundle1, "self-explanation")
    assert (r.status, "recorded no duration" in r.reason) == (Status.NOT_MET, True)


def test_no_review_yet_is_awaiting_review(catalogue, bundle1):
    bundle1["reviews"] = []
    verdict = catalogue.check(bundle1)
    r = result(catalogue, bundle1, "self-explanation")
    assert r.status is Status.AWAITING_REVIEW
    assert r.reason == "Self-explanation session sign-off: waiting for a peer, mentor or expert"
    assert verdict.status is Status.AWAITING_REVIEW
    assert not verdict.met


def test_failed_review_is_not_met(catalogue, bundle1):
    bundle1["reviews"][0]["verdict"] = "fail"
    r = result(catalogue, bundle1, "self-explanation")
    assert r.status is Status.NOT_MET
    assert catalogue.check(bundle1).status is Status.NOT_MET


@pytest.mark.parametrize(("role", "status"), [("peer", Status.MET), ("mentor", Status.MET),
                                               ("expert", Status.AWAITING_REVIEW)])  # fmt: skip
def test_code_review_needs_peer_or_mentor(catalogue, role, status):
    bundle = meeting_bundle(catalogue["implementation-proficiency"])
    bundle["reviews"][0]["reviewer"]["role"] = role
    r = result(catalogue, bundle, "code-review")
    assert r.status is status
    if status is not Status.MET:
        assert "an expert's sign-off does not count (needs peer or mentor)" in r.reason


def test_final_assessment_needs_an_expert(catalogue):
    bundle = meeting_bundle(catalogue["interview-mastery"])
    panel = next(r for r in bundle["reviews"] if r["kind"] == "final-assessment")
    panel["reviewer"]["role"] = "mentor"
    r = result(catalogue, bundle, "final-assessment")
    assert r.status is Status.AWAITING_REVIEW


def test_one_qualifying_pass_among_other_sign_offs_is_enough(catalogue, bundle1):
    failing = copy.deepcopy(bundle1["reviews"][0])
    failing["reviewer"]["id"] = "someone-else"
    failing["verdict"] = "fail"
    bundle1["reviews"].insert(0, failing)
    assert result(catalogue, bundle1, "self-explanation").status is Status.MET


# --- rubric ----------------------------------------------------------------------


@pytest.mark.parametrize(("points", "status"), [(75, Status.NOT_MET), (80, Status.MET)])
def test_rubric_at_and_under_80(catalogue, points, status):
    m3 = catalogue["system-architecture"]
    bundle = meeting_bundle(m3)
    rubric = m3.rubrics["architecture-review"]
    bundle["rubrics"]["architecture-review"] = with_points(rubric, points)
    r = result(catalogue, bundle, "architecture-review")
    assert (r.status, r.measured, r.threshold) == (status, points, 80)


def test_unscored_rubric_awaits_review(catalogue):
    bundle = meeting_bundle(catalogue["system-architecture"])
    bundle["rubrics"] = {}
    r = result(catalogue, bundle, "architecture-review")
    assert r.status is Status.AWAITING_REVIEW
    assert "not yet scored by a reviewer" in r.reason


# --- benchmarks ------------------------------------------------------------------

M5 = "implementation-excellence"


def _threshold_cases(catalogue):
    for profile in catalogue[M5].benchmarks.values():
        for t in profile.thresholds:
            step = 0.0001 if t.metric in ("uptime", "error_rate") else 1
            inside = {"<": t.value - step, "<=": t.value, ">": t.value + step, ">=": t.value}[t.op]
            outside = {"<": t.value, "<=": t.value + step, ">": t.value, ">=": t.value - step}[t.op]
            yield profile.project, t.metric, inside, outside


def pytest_generate_tests(metafunc):
    if "benchmark_case" in metafunc.fixturenames:
        from criteria import load_catalogue

        cases = list(_threshold_cases(load_catalogue()))
        metafunc.parametrize("benchmark_case", cases, ids=[f"{p}:{m}" for p, m, _, _ in cases])


def test_benchmarks_each_side_of_each_threshold(catalogue, benchmark_case):
    project, metric, inside, outside = benchmark_case
    bundle = meeting_bundle(catalogue[M5])
    profile = catalogue[M5].benchmarks[project]
    bundle["benchmarks"] = {"project": project} | {
        t.metric: {"<": t.value / 2, "<=": t.value, ">": t.value * 2 + 1, ">=": t.value}[t.op]
        for t in profile.thresholds
    }
    bundle["benchmarks"][metric] = inside
    assert result(catalogue, bundle, "performance-benchmarks").status is Status.MET
    bundle["benchmarks"][metric] = outside
    r = result(catalogue, bundle, "performance-benchmarks")
    assert r.status is Status.NOT_MET
    assert f"{metric} = " in r.reason


def test_cache_latency_does_not_apply_to_the_message_queue(catalogue):
    bundle = meeting_bundle(catalogue[M5])
    bundle["benchmarks"] = {
        "project": "message-queue", "throughput_per_s": 5000, "api_requests_per_s": 1000,
        "uptime": 0.999, "error_rate": 0.0009, "recovery_s": 29, "p99_ms": 500,
    }  # fmt: skip
    assert result(catalogue, bundle, "performance-benchmarks").status is Status.MET
    bundle["benchmarks"]["throughput_per_s"] = 4999
    assert result(catalogue, bundle, "performance-benchmarks").status is Status.NOT_MET


def test_benchmark_metric_not_reported(catalogue):
    bundle = meeting_bundle(catalogue[M5])
    del bundle["benchmarks"]["p95_ms"]
    r = result(catalogue, bundle, "performance-benchmarks")
    assert "p95_ms not reported" in r.reason


def test_benchmarks_must_be_for_a_completed_project(catalogue):
    bundle = meeting_bundle(catalogue[M5])
    bundle["exercises"] = [e for e in bundle["exercises"] if e["id"] != "distributed-cache"]
    verdict = catalogue.check(bundle)
    r = result(catalogue, bundle, "performance-benchmarks")
    assert "project distributed-cache is not complete" in r.reason
    assert result(catalogue, bundle, "implementation-project").met  # message-queue is complete
    assert not verdict.met


def test_no_benchmarks_reported(catalogue):
    bundle = meeting_bundle(catalogue[M5])
    del bundle["benchmarks"]
    r = result(catalogue, bundle, "performance-benchmarks")
    assert r.status is Status.NOT_MET
    assert "no benchmark figures" in r.reason


# --- prerequisites ---------------------------------------------------------------


def test_missing_prerequisite(catalogue):
    bundle = meeting_bundle(catalogue["implementation-proficiency"])
    bundle["held"] = []
    r = result(catalogue, bundle, "prerequisites")
    assert r.status is Status.NOT_MET
    assert r.reason == "prerequisites: foundation-mastery not held yet"


def test_holding_other_milestones_does_not_substitute(catalogue):
    bundle = meeting_bundle(catalogue["system-architecture"])
    bundle["held"] = ["foundation-mastery"]
    assert result(catalogue, bundle, "prerequisites").status is Status.NOT_MET


# --- combinators -----------------------------------------------------------------


def test_at_least_one_project(catalogue):
    bundle = meeting_bundle(catalogue[M5])
    for entry in bundle["exercises"]:
        if entry["id"] == "message-queue":
            entry["status"] = "in-progress"
    r = result(catalogue, bundle, "implementation-project")
    assert (r.status, r.measured, r.threshold) == (Status.MET, 1, 1)
    assert [c.status for c in r.children] == [Status.MET, Status.NOT_MET]
    assert r.progress == 1.0


def test_all_needs_every_child_and_averages_progress(catalogue):
    bundle = meeting_bundle(catalogue["advanced-system-mastery"])
    bundle["reviews"] = [r for r in bundle["reviews"] if r["kind"] != "capstone-peer-review"]
    r = result(catalogue, bundle, "capstone-project")
    assert r.status is Status.AWAITING_REVIEW
    assert (r.measured, r.threshold, r.progress) == (1, 2, 0.5)


def test_verdict_to_dict_is_json_ready(catalogue, bundle1):
    import json

    bundle1["checklist"] = []
    data = catalogue.check(bundle1).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["met"] is False
    assert data["rules"][0]["reason"].startswith("checklist: 0 of 100 points")
    assert data["rules_digest"].startswith("sha256:")
    assert data["evidence_digest"].startswith("sha256:")


def test_absurd_numbers_are_refused_not_crashed_on(catalogue):
    """Found in review: a 400-digit integer of minutes reached a message and overflowed."""
    from criteria import EvidenceError

    bundle = meeting_bundle(catalogue["implementation-proficiency"])
    bundle["challenges"][0]["minutes"] = 10**400
    with pytest.raises(EvidenceError) as caught:
        catalogue.check(bundle)
    (problem,) = caught.value.problems
    assert problem.path == "$.challenges[0].minutes"
    assert problem.message.startswith("must be ≤ 1e+12, got 1000")
    assert len(problem.message) < 100
