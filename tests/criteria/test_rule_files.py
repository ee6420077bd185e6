"""Malformed milestone rule files: each is refused with a RuleFileError naming file, path, problem.

Every test copies the six shipped rule files into a temporary folder, breaks one of them with a
single text edit (asserting the text it replaces is there, so no test can pass by editing
nothing) and loads the folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from criteria import RuleFileError, load_catalogue
from criteria.engine import MILESTONES_DIR
from tests.criteria.bundles import meeting_bundle

FOUNDATION = "foundation-mastery.toml"
PROFICIENCY = "implementation-proficiency.toml"
EXCELLENCE = "implementation-excellence.toml"
INTERVIEW = "interview-mastery.toml"

FOUNDATION_CHECKLIST_RULE_READING = (
    'reading = "Ticked items\' points add up to at least 75 of 100; exactly 75 passes."\n'
)


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    """A private copy of the shipped rule files."""
    for source in sorted(MILESTONES_DIR.glob("*.toml")):
        shutil.copy(source, tmp_path / source.name)
    return tmp_path


def edit(folder: Path, name: str, old: str, new: str, *, occurrences: int = 1) -> None:
    """Replace ``old`` in rule file ``name``, which must hold it exactly ``occurrences`` times."""
    path = folder / name
    text = path.read_text(encoding="utf-8")
    found = text.count(old)
    assert found == occurrences, f"{old!r} occurs {found} times in {name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def refusal(folder: Path) -> RuleFileError:
    with pytest.raises(RuleFileError) as info:
        load_catalogue(folder)
    return info.value


def test_unedited_copies_load(rules_dir: Path) -> None:
    assert [m.id for m in load_catalogue(rules_dir)] == [
        "foundation-mastery",
        "implementation-proficiency",
        "system-architecture",
        "advanced-system-mastery",
        "implementation-excellence",
        "interview-mastery",
    ]


def test_invalid_toml_syntax(rules_dir: Path) -> None:
    edit(rules_dir, FOUNDATION, 'title = "Foundation Mastery"', 'title = "Foundation Mastery')
    error = refusal(rules_dir)
    assert (error.file, error.path) == (FOUNDATION, "")
    assert error.problem.startswith("not valid TOML: ")
    assert "line 7" in error.problem


def test_not_utf8(rules_dir: Path) -> None:
    path = rules_dir / FOUNDATION
    path.write_bytes(path.read_bytes().replace(b"Foundation Mastery", b"Foundation \xff", 1))
    error = refusal(rules_dir)
    assert (error.file, error.path) == (FOUNDATION, "")
    assert error.problem.startswith("not UTF-8 text")


def test_error_text_is_file_path_problem(rules_dir: Path) -> None:
    edit(rules_dir, FOUNDATION, "min_points = 75", "min_points = 0")
    error = refusal(rules_dir)
    assert str(error) == (
        f"{FOUNDATION}: criteria[0].min_points: 0 is out of range: must be ≥ 1 and ≤ 100"
    )


BROKEN = [
    # top level
    pytest.param(
        FOUNDATION, 'format = "vouch.milestone/v1"', 'format = "vouch.milestone/v2"',
        "format", "'vouch.milestone/v2' is not one of vouch.milestone/v1",
        id="wrong-format",
    ),
    pytest.param(
        FOUNDATION, 'id = "foundation-mastery"', 'id = "foundation"',
        "id", "'foundation' does not match the file name 'foundation-mastery'",
        id="id-not-file-name",
    ),
    pytest.param(
        FOUNDATION, "number = 1", 'number = "1"',
        "number", "expected an integer, found text",
        id="number-as-text",
    ),
    # checklist arithmetic and ids
    pytest.param(
        FOUNDATION,
        '{ id = "knowledge.cap-theorem", points = 5',
        '{ id = "knowledge.cap-theorem", points = 6',
        "checklist.sections[0].points", "items add up to 26, section says 25",
        id="item-points-not-section-points",
    ),
    pytest.param(
        FOUNDATION, "total = 100", "total = 90",
        "checklist.total", "sections add up to 100, total says 90",
        id="sections-not-total",
    ),
    pytest.param(
        FOUNDATION, 'id = "knowledge.sql-vs-nosql"', 'id = "knowledge.caching-patterns"',
        "checklist.sections[0].items[3].id",
        "duplicate checklist item id 'knowledge.caching-patterns' "
        "(also at checklist.sections[0].items[2].id)",
        id="duplicate-checklist-item-id",
    ),
    pytest.param(
        FOUNDATION, 'id = "knowledge.cap-theorem"', 'id = "application.cap-theorem"',
        "checklist.sections[0].items[4].id",
        "'application.cap-theorem' must start with its section id 'knowledge'",
        id="item-id-not-prefixed-by-section",
    ),
    # unknown keys
    pytest.param(
        FOUNDATION, "min_points = 75\n", "min_points = 75\nmin_pionts = 80\n",
        "criteria[0].min_pionts", "unknown key",
        id="unknown-key-in-criterion",
    ),
    pytest.param(
        FOUNDATION, "min_minutes = 15", "min_minuts = 15",
        "criteria[3].min_minuts", "unknown key",
        id="typo-of-optional-key",
    ),
    pytest.param(
        FOUNDATION, "min_points = 75", "min_pionts = 75",
        "criteria[0].min_points", "required key is missing",
        id="typo-of-required-key",
    ),
    pytest.param(
        FOUNDATION, 'kind = "checklist"', 'kind = "checklists"',
        "criteria[0].kind", "'checklists' is not one of checklist, quiz, exercises",
        id="unknown-rule-kind",
    ),
    # references to definitions
    pytest.param(
        FOUNDATION,
        'exercises = ["scaling-analysis", "trade-off-analysis"]',
        'exercises = ["scaling-analysis", "trade-offs"]',
        "criteria[1].exercises[1]",
        "unknown exercise 'trade-offs' (known: scaling-analysis, trade-off-analysis)",
        id="unknown-exercise",
    ),
    pytest.param(
        FOUNDATION, 'quiz = "knowledge-check"', 'quiz = "pop-quiz"',
        "criteria[2].quiz", "unknown quiz 'pop-quiz' (known: knowledge-check)",
        id="unknown-quiz",
    ),
    pytest.param(
        FOUNDATION, 'review = "self-explanation"', 'review = "self-explain"',
        "criteria[3].review", "unknown review kind 'self-explain' (known: self-explanation)",
        id="unknown-review",
    ),
    pytest.param(
        EXCELLENCE, 'rubric = "code-quality-standards"', 'rubric = "code-quality"',
        "criteria[3].rubric", "unknown rubric 'code-quality' (known: code-quality-standards)",
        id="unknown-rubric",
    ),
    pytest.param(
        PROFICIENCY,
        'challenges = ["lru-cache-ttl", "distributed-rate-limiter"]',
        'challenges = ["lru-cache", "distributed-rate-limiter"]',
        "criteria[2].challenges[0]",
        "unknown challenge 'lru-cache' (known: distributed-rate-limiter, lru-cache-ttl)",
        id="unknown-challenge",
    ),
    # rule parameters out of range
    pytest.param(
        FOUNDATION, "min_points = 75", "min_points = 101",
        "criteria[0].min_points", "101 is out of range: must be ≥ 1 and ≤ 100",
        id="min-points-above-total",
    ),
    pytest.param(
        FOUNDATION, "min_points = 75", "min_points = 0",
        "criteria[0].min_points", "0 is out of range: must be ≥ 1 and ≤ 100",
        id="min-points-zero",
    ),
    pytest.param(
        FOUNDATION, "min_percent = 80", "min_percent = 0",
        "criteria[2].min_percent", "0 is out of range: must be > 0 and ≤ 100",
        id="min-percent-zero",
    ),
    pytest.param(
        FOUNDATION, "min_percent = 80", "min_percent = 120",
        "criteria[2].min_percent", "120 is out of range: must be > 0 and ≤ 100",
        id="min-percent-120",
    ),
    pytest.param(
        PROFICIENCY, "min_count = 1", "min_count = 3",
        "criteria[2].min_count", "3 is out of range: must be ≥ 1 and ≤ 2",
        id="min-count-above-challenges-listed",
    ),
    pytest.param(
        FOUNDATION, 'roles = ["peer", "mentor", "expert"]', 'roles = ["peer", "boss"]',
        "criteria[3].roles[1]", "unknown role 'boss' (known: expert, mentor, peer)",
        id="unknown-reviewer-role",
    ),
    pytest.param(
        FOUNDATION, 'min_quality = "satisfactory"', 'min_quality = "great"',
        "criteria[1].min_quality", "'great' is not one of unsatisfactory, satisfactory, good",
        id="unknown-quality-grade",
    ),
    # wrong types
    pytest.param(
        FOUNDATION, "min_points = 75", 'min_points = "75"',
        "criteria[0].min_points", "expected an integer, found text",
        id="integer-given-as-text",
    ),
    pytest.param(
        FOUNDATION, "min_points = 75", "min_points = true",
        "criteria[0].min_points", "expected an integer, found a boolean",
        id="integer-given-as-boolean",
    ),
    # quizzes, challenges, benchmarks
    pytest.param(
        FOUNDATION, 'answer = "c"', 'answer = "e"',
        "quizzes[0].questions[1].answer", "'e' is not one of a, b, c, d",
        id="quiz-answer-not-an-option",
    ),
    pytest.param(
        PROFICIENCY, "time_limit_minutes = 45\n", "",
        "challenges[0].time_limit_minutes", "required key is missing",
        id="challenge-without-time-limit",
    ),
    pytest.param(
        EXCELLENCE, '{ metric = "p50_ms"', '{ metric = "p50_msec"',
        "benchmarks[0].thresholds[0].metric", "'p50_msec' is not one of p50_ms, p95_ms",
        id="unknown-metric",
    ),
    # rule ids and top-level criterion text
    pytest.param(
        FOUNDATION,
        'id = "knowledge-check"\nkind = "quiz"',
        'id = "self-assessment"\nkind = "quiz"',
        "criteria[2].id", "duplicate rule id 'self-assessment' (also at criteria[0].id)",
        id="duplicate-top-level-rule-id",
    ),
    pytest.param(
        EXCELLENCE, 'id = "distributed-cache-complete"', 'id = "code-review"',
        "criteria[3].id", "duplicate rule id 'code-review' (also at criteria[1].rules[0].id)",
        id="nested-rule-id-clashes-with-top-level",
    ),
    pytest.param(
        FOUNDATION, 'seed = "Score 75+ points on the self-assessment checklist"\n', "",
        "criteria[0].seed", "required key is missing",
        id="criterion-without-seed",
    ),
    pytest.param(
        FOUNDATION, FOUNDATION_CHECKLIST_RULE_READING, "",
        "criteria[0].reading", "required key is missing",
        id="criterion-without-reading",
    ),
    # catalogue-wide checks
    pytest.param(
        PROFICIENCY, 'milestones = ["foundation-mastery"]', 'milestones = ["foundation-mastry"]',
        "prerequisites.milestones[0]", "unknown milestone 'foundation-mastry'",
        id="prerequisite-unknown-milestone",
    ),
    pytest.param(
        FOUNDATION, "milestones = []", 'milestones = ["interview-mastery"]',
        "prerequisites", "prerequisites form a cycle",
        id="prerequisite-cycle",
    ),
    pytest.param(
        FOUNDATION, "milestones = []", 'milestones = ["foundation-mastery"]',
        "prerequisites", "prerequisites form a cycle",
        id="prerequisite-of-itself",
    ),
    pytest.param(
        INTERVIEW, "number = 6", "number = 1",
        "number", "1 is also used by foundation-mastery.toml",
        id="number-used-twice",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("file", "old", "new", "path", "problem"), BROKEN)
def test_broken_rule_file_is_refused(
    rules_dir: Path, file: str, old: str, new: str, path: str, problem: str
) -> None:
    edit(rules_dir, file, old, new)
    error = refusal(rules_dir)
    assert (error.file, error.path) == (file, path)
    assert problem in error.problem


def test_fraction_metric_threshold_above_one(rules_dir: Path) -> None:
    # both benchmark profiles require 99.9% uptime; the first one is reported
    uptime = '{ metric = "uptime", op = ">=", value = 0.999,'
    edit(rules_dir, EXCELLENCE, uptime, uptime.replace("0.999", "99.9"), occurrences=2)
    error = refusal(rules_dir)
    assert (error.file, error.path) == (EXCELLENCE, "benchmarks[0].thresholds[5].value")
    assert error.problem == "99.9 is out of range: must be ≥ 0 and ≤ 1"


def test_empty_folder(tmp_path: Path) -> None:
    error = refusal(tmp_path)
    assert (error.file, error.path) == (str(tmp_path), "")
    assert error.problem == "no milestone rule files (*.toml) found"


def test_prerequisites_criterion_naming_unknown_milestone(rules_dir: Path) -> None:
    edit(
        rules_dir,
        FOUNDATION,
        '[[criteria]]\nid = "self-assessment"',
        '[[criteria]]\nid = "holds-something"\nkind = "prerequisites"\n'
        'milestones = ["no-such-milestone"]\nseed = "s"\nreading = "r"\n\n'
        '[[criteria]]\nid = "self-assessment"',
    )
    error = refusal(rules_dir)
    assert error.file == FOUNDATION
    assert error.path == "criteria[0].kind"
    assert "'prerequisites' is not one of" in error.problem  # only the [prerequisites] table


SEVENTH = """\
format = "vouch.milestone/v1"
id = "community-contributor"
number = 7
title = "Community Contributor"
level = "Expert"
target_week = 8
description = "Shares system-design knowledge with the wider community."
learning_outcomes = ["Publish a system-design write-up"]

[badge]
name = "Community Contributor"
emoji = "🌱"
colour = "#336699"

[prerequisites]
milestones = ["interview-mastery"]
seed = "Milestone 6 completion"
reading = "The learner must already hold interview-mastery."

[checklist]
title = "Self-Assessment Checklist"
total = 10

[[checklist.sections]]
id = "sharing"
title = "Sharing"
points = 10
items = [
  { id = "sharing.write-up", points = 6, text = "Published a design write-up" },
  { id = "sharing.talk", points = 4, text = "Gave a talk" },
]

[[exercises]]
id = "design-write-up"
title = "Design write-up"

[[criteria]]
id = "self-assessment"
kind = "checklist"
min_points = 6
seed = "Score 6+ points on the checklist"
reading = "Ticked items' points add up to at least 6 of 10."

[[criteria]]
id = "write-up"
kind = "exercises"
exercises = ["design-write-up"]
min_quality = "good"
seed = "Publish a good design write-up"
reading = "The write-up is complete and graded good or better."
"""


def test_seventh_milestone_is_just_a_file(rules_dir: Path) -> None:
    (rules_dir / "community-contributor.toml").write_text(SEVENTH, encoding="utf-8")
    catalogue = load_catalogue(rules_dir)
    assert len(catalogue) == 7
    assert list(catalogue.milestones)[-1] == "community-contributor"
    seventh = catalogue["community-contributor"]

    verdict = catalogue.check(meeting_bundle(seventh))
    assert verdict.met
    assert [r.id for r in verdict.results] == ["prerequisites", "self-assessment", "write-up"]

    without_prerequisite = meeting_bundle(seventh) | {"held": []}
    assert [r.id for r in catalogue.check(without_prerequisite).unmet()] == ["prerequisites"]
