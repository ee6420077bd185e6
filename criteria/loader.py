"""Loading milestone rule files: TOML → checked definitions → compiled rules.

Every problem is a :class:`RuleFileError` naming the file, the path inside it and what is
wrong; nothing half-loaded is ever returned.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterable
from pathlib import Path

from criteria.errors import RuleFileError
from criteria.model import (
    ACTIVITY_LIST_FIELDS,
    ACTIVITY_TEXT_FIELDS,
    Activity,
    Badge,
    BenchmarkProfile,
    Milestone,
    Prerequisites,
    Question,
    Quiz,
    ScoredItem,
    ScoredList,
    ScoredSection,
    Threshold,
)
from criteria.rules import Rule, RuleScope, build_prerequisites, build_rule
from criteria.spec import Spec
from criteria.vocabulary import COMPARISONS, FRACTION_METRICS, METRICS, MILESTONE_FORMAT

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
OPTION_KEY = re.compile(r"^[a-z]$")


def _unique(specs: list[Spec], key: str, what: str) -> list[str]:
    """Read ``key`` from every table, refusing a value seen before."""
    seen: dict[str, str] = {}
    values = []
    for spec in specs:
        value = spec.slug(key)
        if value in seen:
            raise spec.error(key, f"duplicate {what} {value!r} (also at {seen[value]})")
        seen[value] = spec.at(key)
        values.append(value)
    return values


def _scored_list(spec: Spec, list_id: str, what: str) -> ScoredList:
    title = spec.text("title")
    total = spec.integer("total", minimum=1)
    section_specs = spec.tables("sections", required=True)
    _unique(section_specs, "id", "section id")
    item_specs: list[Spec] = []
    sections = []
    for section in section_specs:
        section_id = section.slug("id")
        items = section.tables("items", required=True)
        scored = []
        for item in items:
            item_id = item.slug("id")
            if not item_id.startswith(section_id + "."):
                raise item.error("id", f"{item_id!r} must start with its section id {section_id!r}")
            scored.append(ScoredItem(item_id, item.text("text"), item.integer("points", minimum=1)))
            item.finish()
        points = section.integer("points", minimum=1)
        if sum(i.points for i in scored) != points:
            added = sum(i.points for i in scored)
            raise section.error("points", f"items add up to {added}, section says {points}")
        sections.append(ScoredSection(section_id, section.text("title"), points, tuple(scored)))
        section.finish()
        item_specs += items
    _unique(item_specs, "id", f"{what} item id")
    if sum(s.points for s in sections) != total:
        raise spec.error(
            "total", f"sections add up to {sum(s.points for s in sections)}, total says {total}"
        )
    spec.finish()
    return ScoredList(list_id, title, total, tuple(sections))


def _activity(spec: Spec, *, timed: bool) -> Activity:
    details: dict[str, str | tuple[str, ...]] = {}
    for key in ACTIVITY_TEXT_FIELDS:
        if spec.has(key):
            details[key] = spec.text(key)
    for key in ACTIVITY_LIST_FIELDS:
        if spec.has(key):
            details[key] = spec.text_list(key)
    activity = Activity(
        id=spec.slug("id"),
        title=spec.text("title"),
        category=spec.slug("category") if timed else None,
        time_limit_minutes=spec.integer("time_limit_minutes", minimum=1) if timed else None,
        details=details,
    )
    spec.finish()
    return activity


def _activities(spec: Spec, key: str, what: str, *, timed: bool = False) -> dict[str, Activity]:
    specs = spec.tables(key)
    _unique(specs, "id", f"{what} id")
    return {a.id: a for a in (_activity(s, timed=timed) for s in specs)}


def _quiz(spec: Spec) -> Quiz:
    question_specs = spec.tables("questions", required=True)
    _unique(question_specs, "id", "question id")
    questions = []
    for q in question_specs:
        options_spec = q.table("options")
        if len(options_spec.data) < 2:
            raise q.error("options", "a question needs at least two options")
        options = {}
        for key in options_spec.data:
            if not OPTION_KEY.match(key):
                raise options_spec.error(key, "option keys are single letters a-z")
            options[key] = options_spec.text(key)
        options_spec.finish()
        answer = q.choice("answer", options)
        questions.append(
            Question(
                q.slug("id"),
                q.text("title"),
                q.text("prompt"),
                options,
                answer,
                q.text("explanation"),
            )
        )
        q.finish()
    quiz = Quiz(spec.slug("id"), spec.text("title"), tuple(questions))
    spec.finish()
    return quiz


def _benchmark(spec: Spec) -> BenchmarkProfile:
    thresholds = []
    for t in spec.tables("thresholds", required=True):
        metric = t.choice("metric", METRICS)
        fraction = metric in FRACTION_METRICS
        value = t.number("value", minimum=0, maximum=1 if fraction else None)
        thresholds.append(Threshold(metric, t.choice("op", COMPARISONS), value, t.text("seed")))
        t.finish()
    profile = BenchmarkProfile(spec.slug("project"), spec.text("title"), tuple(thresholds))
    spec.finish()
    return profile


def _rule_ids(rules: Iterable[Rule], file: str) -> None:
    """Rule ids are unique across the file, nested rules included."""
    seen: dict[str, str] = {}
    stack = list(reversed(list(rules)))
    while stack:
        rule = stack.pop()
        where = f"{rule.path}.id"
        if rule.id in seen:
            problem = f"duplicate rule id {rule.id!r} (also at {seen[rule.id]})"
            raise RuleFileError(file, where, problem)
        seen[rule.id] = where
        stack.extend(reversed(getattr(rule, "rules", ())))


def parse_milestone(text: bytes, file: str) -> Milestone:
    """Check and compile one rule file's bytes; ``file`` names it in errors."""
    try:
        data = tomllib.loads(text.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise RuleFileError(file, "", f"not UTF-8 text ({exc.reason})") from None
    except tomllib.TOMLDecodeError as exc:
        raise RuleFileError(file, "", f"not valid TOML: {exc}") from None
    top = Spec(data, file)
    top.choice("format", (MILESTONE_FORMAT,))
    milestone_id = top.slug("id")
    stem = Path(file).stem
    if milestone_id != stem:
        raise top.error("id", f"{milestone_id!r} does not match the file name {stem!r}")

    badge_spec = top.table("badge")
    badge = Badge(badge_spec.text("name"), badge_spec.text("emoji"), badge_spec.text("colour"))
    if not COLOUR.match(badge.colour):
        raise badge_spec.error("colour", f"{badge.colour!r} is not a #rrggbb colour")
    badge_spec.finish()

    prereq_spec = top.table("prerequisites")
    prerequisites = Prerequisites(
        prereq_spec.slug_list("milestones", what="milestone", non_empty=False),
        prereq_spec.text("seed"),
        prereq_spec.text("reading"),
    )
    prereq_spec.finish()

    rubric_specs = top.tables("rubrics")
    quiz_specs = top.tables("quizzes")
    benchmark_specs = top.tables("benchmarks")
    _unique(rubric_specs, "id", "rubric id")
    _unique(quiz_specs, "id", "quiz id")
    _unique(benchmark_specs, "project", "benchmark project")
    scope = RuleScope(
        checklist=_scored_list(top.table("checklist"), "checklist", "checklist"),
        exercises=_activities(top, "exercises", "exercise"),
        quizzes={q.id: q for q in map(_quiz, quiz_specs)},
        challenges=_activities(top, "challenges", "challenge", timed=True),
        reviews=_activities(top, "reviews", "review kind"),
        rubrics={s.slug("id"): _scored_list(s, s.slug("id"), "rubric") for s in rubric_specs},
        benchmarks={b.project: b for b in map(_benchmark, benchmark_specs)},
        build_rule=lambda spec: build_rule(spec, scope),
    )
    rules: list[Rule] = []
    if prerequisites.milestones:
        synthetic = {
            "id": "prerequisites",
            "milestones": list(prerequisites.milestones),
            "seed": prerequisites.seed,
            "reading": prerequisites.reading,
        }
        rules.append(build_prerequisites(Spec(synthetic, file, "prerequisites"), scope))
    for rule_spec in top.tables("criteria", required=True):
        rule_spec.text("seed")
        rule_spec.text("reading")
        rules.append(build_rule(rule_spec, scope))
    _rule_ids(rules, file)

    milestone = Milestone(
        id=milestone_id,
        number=top.integer("number", minimum=1),
        title=top.text("title"),
        level=top.text("level"),
        target_week=top.integer("target_week", minimum=1),
        description=top.text("description"),
        learning_outcomes=top.text_list("learning_outcomes"),
        badge=badge,
        prerequisites=prerequisites,
        checklist=scope.checklist,
        exercises=dict(scope.exercises),
        quizzes=dict(scope.quizzes),
        challenges=dict(scope.challenges),
        reviews=dict(scope.reviews),
        rubrics=dict(scope.rubrics),
        benchmarks=dict(scope.benchmarks),
        rules=tuple(rules),
        digest="sha256:" + hashlib.sha256(text).hexdigest(),
        source=file,
        valid_for_days=top.optional_integer("valid_for_days", minimum=1),
    )
    top.finish()
    return milestone


def load_milestone(path: Path) -> Milestone:
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise RuleFileError(str(path), "", f"cannot read: {exc.strerror}") from None
    return parse_milestone(text, path.name)
