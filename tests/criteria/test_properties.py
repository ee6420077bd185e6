"""Properties over generated bundles: monotone in evidence, deterministic."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from criteria import Status, load_catalogue
from criteria.vocabulary import EXERCISE_STATUSES, FRACTION_METRICS, QUALITY_GRADES, REVIEWER_ROLES
from tests.criteria.bundles import LEARNER, meeting_bundle

CATALOGUE = load_catalogue()
MILESTONES = list(CATALOGUE)


def _scaled(metric, value, factor):
    scaled = value * factor
    return min(scaled, 1.0) if metric in FRACTION_METRICS else scaled


@st.composite
def bundles(draw):
    """A valid bundle for some milestone, anywhere between empty and complete."""
    m = draw(st.sampled_from(MILESTONES))
    full = meeting_bundle(m)
    subset = lambda items: draw(st.lists(st.sampled_from(items), unique=True)) if items else []  # noqa: E731
    bundle = {
        "schema": "vouch.evidence/v1",
        "milestone": m.id,
        "learner": dict(LEARNER),
        "checklist": subset(list(m.checklist.points)),
        "quizzes": {
            q.id: {
                x.id: draw(st.sampled_from(sorted(x.options)))
                for x in q.questions
                if draw(st.booleans())
            }
            for q in m.quizzes.values()
        },
        "exercises": [
            {
                "id": e,
                "status": draw(st.sampled_from(EXERCISE_STATUSES)),
                "quality": draw(st.sampled_from(QUALITY_GRADES)),
            }
            for e in subset(list(m.exercises))
        ],
        "challenges": [
            {
                "id": c,
                "minutes": draw(st.integers(0, 2 * m.challenges[c].time_limit_minutes)),
                "passed": draw(st.booleans()),
                "quality": draw(st.sampled_from(QUALITY_GRADES)),
            }
            for c in subset(list(m.challenges))
        ],
        "reviews": [
            r
            | {
                "verdict": draw(st.sampled_from(["pass", "fail"])),
                "reviewer": {
                    "id": r["reviewer"]["id"],
                    "role": draw(st.sampled_from(REVIEWER_ROLES)),
                },
            }
            for r in full["reviews"]
            if draw(st.booleans())
        ],
        "rubrics": {
            r.id: subset(list(r.points)) for r in m.rubrics.values() if draw(st.booleans())
        },
        "held": subset([x.id for x in MILESTONES]),
    }
    if "benchmarks" in full and draw(st.booleans()):
        bundle["benchmarks"] = {
            key: value
            if key == "project"
            else _scaled(key, value, draw(st.sampled_from([0.5, 1, 2])))
            for key, value in full["benchmarks"].items()
        }
    return m, bundle


def _checklist_score(verdict):
    return next(r.measured for r in verdict.results if r.kind == "checklist")


@settings(max_examples=300, deadline=None)
@given(data=bundles(), pick=st.integers(min_value=0))
def test_ticking_one_more_item_never_lowers_the_score_or_unmeets(data, pick):
    m, bundle = data
    unticked = [i for i in m.checklist.points if i not in bundle["checklist"]]
    before = CATALOGUE.check(bundle)
    if not unticked:
        return
    bundle["checklist"] = [*bundle["checklist"], unticked[pick % len(unticked)]]
    after = CATALOGUE.check(bundle)
    assert _checklist_score(after) > _checklist_score(before)
    assert after.progress >= before.progress
    if before.met:
        assert after.met
    assert after.status is Status.MET or before.status is not Status.MET


@settings(max_examples=200, deadline=None)
@given(data=bundles(), pick=st.integers(min_value=0))
def test_a_better_grade_never_hurts(data, pick):
    _, bundle = data
    graded = [e for e in bundle["exercises"] + bundle["challenges"] if e["quality"] != "expert"]
    before = CATALOGUE.check(bundle)
    if not graded:
        return
    entry = graded[pick % len(graded)]
    entry["quality"] = QUALITY_GRADES[QUALITY_GRADES.index(entry["quality"]) + 1]
    after = CATALOGUE.check(bundle)
    assert after.progress >= before.progress
    assert after.met or not before.met


@settings(max_examples=200, deadline=None)
@given(data=bundles())
def test_evaluation_is_deterministic(data):
    _, bundle = data
    first = CATALOGUE.check(bundle).to_dict()
    # the same bundle as JSON text, with keys in another order, gives the same verdict
    reordered = json.dumps(dict(reversed(list(bundle.items()))))
    assert CATALOGUE.check(reordered).to_dict() == first
    assert CATALOGUE.check(bundle).to_dict() == first


@settings(max_examples=200, deadline=None)
@given(data=bundles())
def test_progress_is_a_fraction_and_met_means_complete(data):
    _, bundle = data
    verdict = CATALOGUE.check(bundle)
    assert 0.0 <= verdict.progress <= 1.0
    assert verdict.met == (verdict.progress == 1.0)
    assert verdict.met == all(r.met for r in verdict.results)
