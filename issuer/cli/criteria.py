"""``vouch criteria``: the milestones, their rules, and checking evidence against them."""

from __future__ import annotations

import click

from criteria import (
    CriteriaError,
    EvidenceError,
    Milestone,
    RuleResult,
    Status,
    Verdict,
    load_catalogue,
)
from issuer.cli.output import (
    EXIT_INVALID,
    EXIT_NOT_MET,
    EXIT_OK,
    emit_json,
    fail,
    invalid_bundle,
    json_option,
    read_bundle,
)

MARKS = {Status.MET: "✓", Status.NOT_MET: "✗", Status.AWAITING_REVIEW: "…"}


@click.group("criteria")
def criteria_group() -> None:
    """Milestone completion rules and evidence checks."""


@criteria_group.command("list")
@json_option()
def list_command(as_json: bool) -> None:
    """List the milestones."""
    catalogue = load_catalogue()
    if as_json:
        emit_json(
            [
                {
                    "id": m.id, "number": m.number, "title": m.title, "level": m.level,
                    "target_week": m.target_week, "badge": m.badge.name,
                    "prerequisites": list(m.prerequisites.milestones), "rules": len(m.rules),
                }
                for m in catalogue
            ]
        )  # fmt: skip
        return
    for m in catalogue:
        prereq = ", ".join(m.prerequisites.milestones) or "-"
        click.echo(
            f"{m.number}  {m.id:<28} {m.title:<36} {m.level:<22} week {m.target_week}  "
            f"badge: {m.badge.name:<22} requires: {prereq}"
        )


@criteria_group.command("show")
@click.argument("milestone")
@json_option("Print JSON (quiz answers left out).")
def show_command(milestone: str, as_json: bool) -> None:
    """Show every rule of MILESTONE, with item ids and points."""
    try:
        found = load_catalogue()[milestone]
    except CriteriaError as exc:
        fail(str(exc), EXIT_INVALID, as_json=as_json, error_code=exc.code)
        return
    if as_json:
        emit_json(found.to_dict(with_answers=False))
    else:
        click.echo(describe(found))


def describe(m: Milestone) -> str:
    """A plain-text account of a milestone for the terminal (no quiz answers)."""
    lines = [
        f"{m.title} ({m.id}): milestone {m.number}, {m.level}, end of week {m.target_week}",
        f"Badge: {m.badge.emoji} {m.badge.name}",
        f"Requires: {', '.join(m.prerequisites.milestones) or m.prerequisites.seed}",
        "",
        f"Checklist ({m.checklist.total} points):",
    ]
    for section in m.checklist.sections:
        lines.append(f"  {section.title} ({section.points})")
        lines += [f"    {i.id:<52} {i.points:>3}  {i.text}" for i in section.items]
    for heading, activities in (
        ("Exercises", m.exercises), ("Challenges", m.challenges), ("Sign-offs", m.reviews),
    ):  # fmt: skip
        if activities:
            lines += ["", f"{heading}:"]
            for a in activities.values():
                limit = f"  (time limit {a.time_limit_minutes} min)" if a.time_limit_minutes else ""
                lines.append(f"  {a.id:<36} {a.title}{limit}")
    for quiz in m.quizzes.values():
        lines += ["", f"Quiz {quiz.id}: {quiz.title}"]
        for q in quiz.questions:
            lines.append(f"  {q.id}: {q.prompt}")
            lines += [f"      {key}) {text}" for key, text in q.options.items()]
    for rubric in m.rubrics.values():
        lines += ["", f"Rubric {rubric.id} ({rubric.total} points):"]
        for section in rubric.sections:
            lines += [f"    {i.id:<52} {i.points:>3}  {i.text}" for i in section.items]
    for profile in m.benchmarks.values():
        lines += ["", f"Benchmarks for {profile.project}:"]
        lines += [f"    {t.metric} {t.op} {t.value:g}   ({t.seed})" for t in profile.thresholds]
    lines += ["", "Completion criteria (all must hold):"]
    for rule in m.rules:
        lines.append(f"  [{rule.kind}] {rule.id}: {rule.seed}")
        if rule.reading:
            lines.append(f"      reading: {rule.reading}")
    return "\n".join(lines)


def render_verdict(verdict: Verdict) -> str:
    state = {
        Status.MET: "MET",
        Status.NOT_MET: "NOT MET",
        Status.AWAITING_REVIEW: "AWAITING REVIEW",
    }
    lines = [f"{verdict.milestone}: {state[verdict.status]} (progress {verdict.progress:.0%})"]

    def walk(results: tuple[RuleResult, ...], depth: int) -> None:
        for r in results:
            lines.append(f"{'  ' * depth}{MARKS[r.status]} {r.id}: {r.reason}")
            walk(r.children, depth + 1)

    walk(verdict.results, 1)
    return "\n".join(lines)


@criteria_group.command("check")
@click.argument("bundle", metavar="BUNDLE.json")
@json_option("Print the verdict as JSON.")
def check_command(bundle: str, as_json: bool) -> None:
    """Evaluate an evidence bundle (a file, or - for stdin).

    Exit status: 0 met, 1 not met, 2 invalid input.
    """
    catalogue = load_catalogue()
    try:
        verdict = catalogue.check(read_bundle(bundle, as_json=as_json))
    except EvidenceError as exc:
        invalid_bundle(exc, as_json=as_json)
    if as_json:
        emit_json(verdict.to_dict())
    else:
        click.echo(render_verdict(verdict))
    raise SystemExit(EXIT_OK if verdict.met else EXIT_NOT_MET)


@criteria_group.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of evidence bundles (vouch.evidence/v1)."""
    emit_json(load_catalogue().evidence_schema())


COMMANDS: list[click.Command] = [criteria_group]
