"""Malformed evidence bundles: each is refused with its problem at its JSON path.

Bundles start from ``meeting_bundle`` (which passes) and change one thing.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import jsonschema
import pytest

from criteria import Catalogue, EvidenceError, load_catalogue
from criteria.validation import MAX_BUNDLE_BYTES
from tests.criteria.bundles import meeting_bundle

FOUNDATION = "foundation-mastery"
PROFICIENCY = "implementation-proficiency"
EXCELLENCE = "implementation-excellence"
MILESTONE_IDS = list(load_catalogue().milestones)

Mutation = Callable[[dict[str, Any]], None]


def bundle_for(catalogue: Catalogue, milestone: str) -> dict[str, Any]:
    return meeting_bundle(catalogue[milestone])


def problems(catalogue: Catalogue, data: Any, **options: Any) -> list[tuple[str, str]]:
    with pytest.raises(EvidenceError) as info:
        catalogue.parse(data, **options)
    return [(p.path, p.message) for p in info.value.problems]


def only_problem(catalogue: Catalogue, data: Any, **options: Any) -> tuple[str, str]:
    found = problems(catalogue, data, **options)
    assert len(found) == 1, found
    return found[0]


def _parent(bundle: dict[str, Any], path: tuple[str | int, ...]) -> Any:
    node: Any = bundle
    for key in path[:-1]:
        node = node[key]
    return node


def setting(*path: str | int, to: Any) -> Mutation:
    def mutate(bundle: dict[str, Any]) -> None:
        parent = _parent(bundle, path)
        if isinstance(parent, list):
            assert path[-1] < len(parent)  # replace, never append
        parent[path[-1]] = to

    return mutate


def deleting(*path: str | int) -> Mutation:
    def mutate(bundle: dict[str, Any]) -> None:
        del _parent(bundle, path)[path[-1]]

    return mutate


# --- bytes and text -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"{not json", "not valid JSON: Expecting property name", id="not-json"),
        pytest.param(b"", "not valid JSON: Expecting value", id="empty"),
        pytest.param(b'{"schema": "\xff"}', "not UTF-8 text (invalid start byte", id="not-utf8"),
        pytest.param("[1, 2]", "expected an object, got an array", id="array"),
        pytest.param('"bundle"', "expected an object, got a string", id="string"),
        pytest.param(
            '{"schema": "a", "schema": "b"}',
            "duplicate key 'schema' in an object",
            id="duplicate-key",
        ),
        pytest.param(
            '{"learner": {"id": "x", "id": "y"}}',
            "duplicate key 'id' in an object",
            id="nested-duplicate-key",
        ),
        pytest.param('{"score": NaN}', "NaN is not a JSON number", id="nan-literal"),
        pytest.param('{"score": Infinity}', "Infinity is not a JSON number", id="inf-literal"),
        pytest.param(
            '{"score": -Infinity}', "-Infinity is not a JSON number", id="minus-inf-literal"
        ),
    ],
)
def test_unreadable_input(catalogue: Catalogue, data: bytes | str, message: str) -> None:
    path, found = only_problem(catalogue, data)
    assert path == "$"
    assert message in found


def test_non_utf8_names_the_byte(catalogue: Catalogue) -> None:
    assert only_problem(catalogue, b'{"a": "\xff"}') == (
        "$",
        "not UTF-8 text (invalid start byte at byte 7)",
    )


@pytest.mark.parametrize("value", [float("nan"), float("inf")], ids=["nan", "inf"])
@pytest.mark.parametrize(
    ("milestone", "path", "where"),
    [
        (FOUNDATION, ("reviews", 0, "minutes"), "$.reviews[0].minutes"),
        (EXCELLENCE, ("benchmarks", "p50_ms"), "$.benchmarks.p50_ms"),
        (PROFICIENCY, ("challenges", 1, "minutes"), "$.challenges[1].minutes"),
    ],
    ids=["review-minutes", "benchmark-metric", "challenge-minutes"],
)
def test_non_finite_number_in_a_mapping(
    catalogue: Catalogue, milestone: str, path: tuple[str | int, ...], where: str, value: float
) -> None:
    bundle = bundle_for(catalogue, milestone)
    setting(*path, to=value)(bundle)
    assert only_problem(catalogue, bundle) == (where, "not a finite number")


def test_oversized_bundle(catalogue: Catalogue) -> None:
    data = b" " * (MAX_BUNDLE_BYTES + 1)
    assert only_problem(catalogue, data) == (
        "$",
        f"bundle is {MAX_BUNDLE_BYTES + 1} bytes; the limit is {MAX_BUNDLE_BYTES}",
    )


def test_oversized_text_is_measured_in_utf8_bytes(catalogue: Catalogue) -> None:
    bundle = bundle_for(catalogue, FOUNDATION)
    bundle["learner"]["name"] = "é" * (MAX_BUNDLE_BYTES // 2)
    text = json.dumps(bundle, ensure_ascii=False)
    assert len(text) < MAX_BUNDLE_BYTES < len(text.encode())
    path, message = only_problem(catalogue, text)
    assert path == "$"
    assert message.endswith(f"bytes; the limit is {MAX_BUNDLE_BYTES}")


def test_max_bytes_argument(catalogue: Catalogue) -> None:
    text = json.dumps(bundle_for(catalogue, FOUNDATION))
    size = len(text.encode())
    catalogue.parse(text, max_bytes=size)  # exactly at the limit passes
    assert only_problem(catalogue, text, max_bytes=size - 1) == (
        "$",
        f"bundle is {size} bytes; the limit is {size - 1}",
    )


@pytest.mark.parametrize(
    "data",
    [
        pytest.param("[" * 100_000 + "]" * 100_000, id="arrays"),
        pytest.param('{"a":' * 40_000 + "1" + "}" * 40_000, id="objects"),
    ],
)
def test_deeply_nested_json(catalogue: Catalogue, data: str) -> None:
    assert len(data.encode()) <= MAX_BUNDLE_BYTES
    assert only_problem(catalogue, data) == ("$", "not valid JSON: nested too deeply")


def test_moderately_nested_value_in_a_known_field(catalogue: Catalogue) -> None:
    bundle = bundle_for(catalogue, FOUNDATION)
    bundle["checklist"] = ["@"]
    text = json.dumps(bundle).replace('["@"]', "[" * 600 + "]" * 600)
    assert len(text) < 4096  # small, and shallow enough for json.loads
    path, message = only_problem(catalogue, text)
    assert path.startswith("$.checklist[0]")
    assert message == "nested too deeply"


# --- the bundle's content --------------------------------------------------------------------

INVALID = [
    # envelope
    pytest.param(
        FOUNDATION, deleting("schema"), "$.schema", "required field is missing",
        id="missing-schema",
    ),
    pytest.param(
        FOUNDATION, setting("schema", to="vouch.evidence/v2"),
        "$.schema", "expected 'vouch.evidence/v1', got 'vouch.evidence/v2'",
        id="wrong-schema",
    ),
    pytest.param(
        FOUNDATION, setting("milestone", to="grandmaster"),
        "$.milestone", "unknown milestone 'grandmaster' (known: foundation-mastery,",
        id="unknown-milestone",
    ),
    pytest.param(
        FOUNDATION, deleting("milestone"), "$.milestone", "required field is missing",
        id="missing-milestone",
    ),
    pytest.param(
        FOUNDATION, setting("notes", to="hello"), "$.notes", "unknown field 'notes'",
        id="unknown-top-level-field",
    ),
    # learner
    pytest.param(
        FOUNDATION, deleting("learner"), "$.learner", "required field is missing",
        id="missing-learner",
    ),
    pytest.param(
        FOUNDATION, deleting("learner", "email"), "$.learner.email", "required field is missing",
        id="missing-learner-email",
    ),
    pytest.param(
        FOUNDATION, setting("learner", "email", to="ada-at-example.org"),
        "$.learner.email", "is not an email address",
        id="bad-learner-email",
    ),
    pytest.param(
        FOUNDATION, setting("learner", "name", to="   "), "$.learner.name", "must not be blank",
        id="blank-learner-name",
    ),
    # checklist
    pytest.param(
        FOUNDATION, setting("checklist", 0, to="knowledge.telepathy"),
        "$.checklist[0]", "unknown checklist item 'knowledge.telepathy'",
        id="unknown-checklist-item",
    ),
    pytest.param(
        FOUNDATION, setting("checklist", 1, to="knowledge.horizontal-vertical-scaling"),
        "$.checklist", "duplicate entries: 'knowledge.horizontal-vertical-scaling'",
        id="checklist-duplicate",
    ),
    # exercises
    pytest.param(
        FOUNDATION, setting("exercises", 1, "id", to="cap-essay"),
        "$.exercises[1].id", "unknown exercise 'cap-essay'",
        id="unknown-exercise",
    ),
    pytest.param(
        FOUNDATION, setting("exercises", 1, "id", to="scaling-analysis"),
        "$.exercises[1].id", "duplicate 'scaling-analysis' (also at $.exercises[0])",
        id="duplicate-exercise",
    ),
    pytest.param(
        FOUNDATION, setting("exercises", 0, "status", to="done"),
        "$.exercises[0].status", "unknown status 'done'",
        id="unknown-exercise-status",
    ),
    pytest.param(
        FOUNDATION, setting("exercises", 1, "quality", to="great"),
        "$.exercises[1].quality", "unknown quality grade 'great'",
        id="unknown-quality-grade",
    ),
    pytest.param(
        FOUNDATION, setting("exercises", 0, "artifact_sha256", to="abc"),
        "$.exercises[0].artifact_sha256", "is not a SHA-256 hex digest",
        id="bad-artifact-digest",
    ),
    # challenges
    pytest.param(
        PROFICIENCY, setting("challenges", 0, "minutes", to=-5),
        "$.challenges[0].minutes", "must be ≥ 0, got -5",
        id="negative-challenge-minutes",
    ),
    pytest.param(
        PROFICIENCY, setting("challenges", 0, "passed", to="yes"),
        "$.challenges[0].passed", "expected a boolean, got a string",
        id="challenge-passed-as-string",
    ),
    pytest.param(
        PROFICIENCY, setting("challenges", 1, "minutes", to=True),
        "$.challenges[1].minutes", "expected a number, got a boolean",
        id="challenge-minutes-as-boolean",
    ),
    pytest.param(
        PROFICIENCY, setting("challenges", 1, "id", to="lru-cache-ttl"),
        "$.challenges[1].id", "duplicate 'lru-cache-ttl' (also at $.challenges[0])",
        id="duplicate-challenge",
    ),
    # quizzes
    pytest.param(
        FOUNDATION, setting("quizzes", "pop-quiz", to={}),
        "$.quizzes.pop-quiz", "unknown quiz 'pop-quiz'",
        id="unknown-quiz",
    ),
    pytest.param(
        FOUNDATION, setting("quizzes", "knowledge-check", "sharding", to="a"),
        "$.quizzes.knowledge-check.sharding", "unknown question 'sharding'",
        id="unknown-question",
    ),
    pytest.param(
        FOUNDATION, setting("quizzes", "knowledge-check", "caching-strategy", to="e"),
        "$.quizzes.knowledge-check.caching-strategy", "answer 'e' is not an option (a, b, c, d)",
        id="answer-not-an-option",
    ),
    # reviews
    pytest.param(
        FOUNDATION, setting("reviews", 0, "reviewer", "role", to="boss"),
        "$.reviews[0].reviewer.role", "unknown reviewer role 'boss'",
        id="unknown-reviewer-role",
    ),
    pytest.param(
        FOUNDATION, setting("reviews", 0, "score", to=101),
        "$.reviews[0].score", "must be ≤ 100, got 101",
        id="review-score-above-100",
    ),
    pytest.param(
        FOUNDATION, setting("reviews", 0, "minutes", to=True),
        "$.reviews[0].minutes", "expected a number, got a boolean",
        id="review-minutes-as-boolean",
    ),
    pytest.param(
        FOUNDATION, setting("reviews", 0, "kind", to="code-review"),
        "$.reviews[0].kind", "unknown review kind 'code-review'",
        id="unknown-review-kind",
    ),
    # rubrics
    pytest.param(
        EXCELLENCE, setting("rubrics", "style-guide", to=[]),
        "$.rubrics.style-guide", "unknown rubric 'style-guide'",
        id="unknown-rubric",
    ),
    pytest.param(
        EXCELLENCE, setting("rubrics", "code-quality-standards", 0, to="code.telepathy"),
        "$.rubrics.code-quality-standards[0]", "unknown rubric item 'code.telepathy'",
        id="unknown-rubric-item",
    ),
    # benchmarks
    pytest.param(
        FOUNDATION, setting("benchmarks", to={"project": "distributed-cache", "p50_ms": 1}),
        "$.benchmarks", "this milestone takes no benchmark figures",
        id="benchmarks-on-milestone-without-profile",
    ),
    pytest.param(
        EXCELLENCE, setting("benchmarks", "project", to="search-engine"),
        "$.benchmarks.project", "unknown benchmark project 'search-engine'",
        id="unknown-benchmark-project",
    ),
    pytest.param(
        EXCELLENCE, setting("benchmarks", "p95_ms", to=-1),
        "$.benchmarks.p95_ms", "must be ≥ 0, got -1",
        id="negative-metric",
    ),
    pytest.param(
        EXCELLENCE, setting("benchmarks", "uptime", to=99.9),
        "$.benchmarks.uptime", "must be ≤ 1, got 99.9",
        id="uptime-above-one",
    ),
    pytest.param(
        EXCELLENCE, setting("benchmarks", "p42_ms", to=1),
        "$.benchmarks.p42_ms", "unknown field 'p42_ms'",
        id="unknown-metric",
    ),
    # held milestones
    pytest.param(
        FOUNDATION, setting("held", to=["grandmaster"]),
        "$.held[0]", "unknown milestone 'grandmaster'",
        id="unknown-held-milestone",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("milestone", "mutate", "path", "message"), INVALID)
def test_invalid_bundle_names_its_problem(
    catalogue: Catalogue, milestone: str, mutate: Mutation, path: str, message: str
) -> None:
    bundle = bundle_for(catalogue, milestone)
    mutate(bundle)
    found_path, found_message = only_problem(catalogue, bundle)
    assert found_path == path
    assert message in found_message


def test_invalid_bundle_as_json_text_gives_the_same_problem(catalogue: Catalogue) -> None:
    bundle = bundle_for(catalogue, FOUNDATION)
    bundle["exercises"][1]["quality"] = "great"
    from_text = problems(catalogue, json.dumps(bundle))
    assert from_text == problems(catalogue, bundle)
    assert from_text[0][0] == "$.exercises[1].quality"


def test_duplicate_sign_off_by_the_same_reviewer(catalogue: Catalogue) -> None:
    bundle = bundle_for(catalogue, FOUNDATION)
    bundle["reviews"].append(copy.deepcopy(bundle["reviews"][0]) | {"verdict": "fail"})
    assert only_problem(catalogue, bundle) == (
        "$.reviews[1]",
        "duplicate self-explanation sign-off by 'reviewer-self-explanation' (also at $.reviews[0])",
    )


def test_same_reviewer_may_sign_off_different_kinds(catalogue: Catalogue) -> None:
    bundle = bundle_for(catalogue, "interview-mastery")
    reviewer = {"id": "grace", "role": "expert"}
    for review in bundle["reviews"]:
        review["reviewer"] = dict(reviewer)
    assert len({r["kind"] for r in bundle["reviews"]}) > 1
    assert catalogue.check(bundle).met


def test_several_problems_are_all_reported(catalogue: Catalogue) -> None:
    bundle = bundle_for(catalogue, FOUNDATION)
    bundle["learner"]["email"] = "nobody"
    bundle["checklist"][0] = "knowledge.telepathy"
    bundle["exercises"][0]["status"] = "done"
    bundle["held"] = ["grandmaster"]
    bundle["notes"] = "hello"
    assert [path for path, _ in problems(catalogue, bundle)] == [
        "$.checklist[0]",
        "$.exercises[0].status",
        "$.held[0]",
        "$.learner.email",
        "$.notes",
    ]


def test_several_envelope_problems_are_all_reported(catalogue: Catalogue) -> None:
    bundle = bundle_for(catalogue, FOUNDATION)
    del bundle["schema"]
    bundle["milestone"] = "grandmaster"
    assert [path for path, _ in problems(catalogue, bundle)] == ["$.schema", "$.milestone"]


# --- valid bundles and the published schema --------------------------------------------------


@pytest.mark.parametrize("milestone", MILESTONE_IDS)
def test_meeting_bundle_passes(catalogue: Catalogue, milestone: str) -> None:
    bundle = bundle_for(catalogue, milestone)
    from_dict = catalogue.parse(bundle)
    from_text = catalogue.parse(json.dumps(bundle))
    from_bytes = catalogue.parse(json.dumps(bundle).encode())
    assert from_dict.milestone == milestone
    assert from_dict.digest == from_text.digest == from_bytes.digest
    assert catalogue.evaluate(from_dict).met


def test_minimal_bundle_passes(catalogue: Catalogue) -> None:
    bundle = {
        "schema": "vouch.evidence/v1",
        "milestone": FOUNDATION,
        "learner": {"id": "learner-1", "name": "Ada", "email": "ada@example.org"},
    }
    assert not catalogue.check(bundle).met


def test_published_schema_is_valid_draft_2020_12(catalogue: Catalogue) -> None:
    schema = catalogue.evidence_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("milestone", MILESTONE_IDS)
def test_published_schema_accepts_meeting_bundle(catalogue: Catalogue, milestone: str) -> None:
    validator = jsonschema.Draft202012Validator(catalogue.evidence_schema())
    assert list(validator.iter_errors(bundle_for(catalogue, milestone))) == []


def test_published_schema_rejects_unknown_checklist_item(catalogue: Catalogue) -> None:
    validator = jsonschema.Draft202012Validator(catalogue.evidence_schema())
    bundle = bundle_for(catalogue, FOUNDATION)
    bundle["checklist"][0] = "knowledge.telepathy"
    errors = list(validator.iter_errors(bundle))
    assert [e.json_path for e in errors] == ["$.checklist[0]"]
    assert "'knowledge.telepathy' is not one of" in errors[0].message


def test_published_schema_rejects_unknown_milestone(catalogue: Catalogue) -> None:
    validator = jsonschema.Draft202012Validator(catalogue.evidence_schema())
    bundle = bundle_for(catalogue, FOUNDATION) | {"milestone": "grandmaster"}
    assert [e.json_path for e in validator.iter_errors(bundle)] == ["$.milestone"]


def test_fast_and_reference_schema_validators_agree(catalogue: Catalogue) -> None:
    """jsonschema-rs (the fast path) and jsonschema (which names the problems) give the same
    answer on every meeting bundle and every schema mutation above."""
    from criteria.validation import EvidenceValidator

    validator = EvidenceValidator(catalogue.milestones)
    samples = [(m, bundle_for(catalogue, m)) for m in MILESTONE_IDS]
    for milestone, mutate, *_ in (case.values for case in INVALID):
        bundle = bundle_for(catalogue, milestone)
        mutate(bundle)
        samples.append((milestone, bundle))
    verdicts = set()
    for milestone, bundle in samples:
        reference = validator._full[milestone].is_valid(bundle)
        assert validator._fast[milestone](bundle) == reference, (milestone, bundle)
        verdicts.add(reference)
    assert verdicts == {True, False}


def test_with_reviews_is_the_evidence_validating_the_whole_bundle_would_give(
    catalogue: Catalogue,
) -> None:
    """Recorded sign-offs come after the submitted ones; a recorded rubric scoring replaces
    the submitted one; nothing else changes (issue 13: a sign-off is not validated again)."""
    from criteria import with_reviews

    bundle = bundle_for(catalogue, EXCELLENCE)
    bundle.pop("held", None)
    submitted = catalogue.parse(bundle)
    review = {"kind": "extra", "reviewer": {"id": "user-9", "role": "mentor"}, "verdict": "fail"}
    rubric = next(iter(bundle.get("rubrics") or {"code-quality-standards": []}))
    added = with_reviews(submitted, [review], {rubric: []})
    whole = copy.deepcopy(bundle)
    whole["reviews"] = [*bundle.get("reviews", []), review]
    whole["rubrics"] = {**bundle.get("rubrics", {}), rubric: []}
    assert added.raw == whole
    assert added.reviews["extra"][0].verdict == "fail"
    assert added.rubrics[rubric] == frozenset()
    assert added.digest != submitted.digest
    assert with_reviews(submitted, [], {}) == submitted
