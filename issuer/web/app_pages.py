"""The pages people use: learners' dashboard and submissions, reviewers' queue, admin tools."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from criteria import (
    EXERCISE_STATUSES,
    METRICS,
    QUALITY_GRADES,
    EvidenceError,
    Milestone,
    UnknownMilestoneError,
)
from issuer.db.models import Credential, User
from issuer.errors import IssuerError
from issuer.keystore import ALGORITHMS
from issuer.sessions import end_sessions
from issuer.web import identity
from issuer.web.api import LEARNER_FORBIDDEN, check_reviewable, reviewable_queue
from issuer.web.auth import account, current_account, requires
from issuer.web.public import issuer

bp = Blueprint("app_pages", __name__)


def _milestone(milestone_id: str) -> Milestone:
    try:
        return issuer().catalogue[milestone_id]
    except UnknownMilestoneError:
        abort(404, f"no milestone {milestone_id!r}")


@bp.get("/")
def home() -> Any:
    me = account()
    if me is not None:
        targets = {
            "learner": "app_pages.dashboard",
            "reviewer": "app_pages.review_queue",
            "admin": "app_pages.admin",
        }
        target = next((t for role, t in targets.items() if me.has(role)), "accounts.account_page")
        return redirect(url_for(target))
    return render_template("app/home.html", milestones=list(issuer().catalogue))


@bp.get("/dashboard")
@requires("learner")
def dashboard() -> Any:
    me = current_account()
    service = issuer()
    latest: dict[str, Any] = {}
    for submission in service.submissions(me.learner_id):  # newest first
        latest.setdefault(submission.milestone_id, submission)
    held = {
        c.milestone_id: c
        for c in service.credentials_of(me.learner_id or 0)
        if c.revoked_at is None
    }
    rows = []
    for m in service.catalogue:
        last = latest.get(m.id)
        progress = 1.0 if m.id in held else (last.verdict.get("progress", 0.0) if last else 0.0)
        missing = [r for r in last.verdict.get("rules", []) if r["status"] != "met"] if last else []
        rows.append(
            {
                "milestone": m,
                "submission": last,
                "credential": held.get(m.id),
                "progress": progress,
                "missing": missing,
            }
        )
    overall = sum(r["progress"] for r in rows) / len(rows)
    return render_template("app/dashboard.html", rows=rows, overall=overall)


def _form_bundle(m: Milestone) -> tuple[dict[str, Any], dict[str, str]]:
    """A bundle from the submit form, and which form field each JSON path came from."""
    form = request.form
    fields: dict[str, str] = {}
    bundle: dict[str, Any] = {"schema": "vouch.evidence/v1", "milestone": m.id}
    bundle["checklist"] = [i for i in form.getlist("checklist") if i in m.checklist.points]
    quizzes: dict[str, dict[str, str]] = {}
    for quiz in m.quizzes.values():
        answers = {
            q.id: form[f"quiz:{quiz.id}:{q.id}"]
            for q in quiz.questions
            if form.get(f"quiz:{quiz.id}:{q.id}")
        }
        for q in quiz.questions:
            fields[f"$.quizzes.{quiz.id}.{q.id}"] = f"quiz:{quiz.id}:{q.id}"
        quizzes[quiz.id] = answers
    bundle["quizzes"] = quizzes
    exercises: list[dict[str, Any]] = []
    for exercise in m.exercises:
        status = form.get(f"exercise:{exercise}:status", "not-started")
        if status == "not-started":
            continue
        done: dict[str, Any] = {"id": exercise, "status": status}
        if form.get(f"exercise:{exercise}:quality"):
            done["quality"] = form[f"exercise:{exercise}:quality"]
        fields[f"$.exercises[{len(exercises)}].status"] = f"exercise:{exercise}:status"
        fields[f"$.exercises[{len(exercises)}].quality"] = f"exercise:{exercise}:quality"
        exercises.append(done)
    bundle["exercises"] = exercises
    challenges: list[dict[str, Any]] = []
    for challenge in m.challenges:
        minutes = form.get(f"challenge:{challenge}:minutes", "").strip()
        if not minutes:
            continue
        entry: dict[str, Any] = {
            "id": challenge,
            "passed": form.get(f"challenge:{challenge}:passed") == "on",
        }
        try:
            entry["minutes"] = float(minutes)
        except ValueError:
            entry["minutes"] = minutes  # the validator names the field
        if form.get(f"challenge:{challenge}:quality"):
            entry["quality"] = form[f"challenge:{challenge}:quality"]
        fields[f"$.challenges[{len(challenges)}].minutes"] = f"challenge:{challenge}:minutes"
        challenges.append(entry)
    bundle["challenges"] = challenges
    project = form.get("benchmarks:project")
    if m.benchmarks and project:
        figures: dict[str, Any] = {"project": project}
        for metric in METRICS:
            raw = form.get(f"benchmarks:{metric}", "").strip()
            if raw:
                try:
                    figures[metric] = float(raw)
                except ValueError:
                    figures[metric] = raw
                fields[f"$.benchmarks.{metric}"] = f"benchmarks:{metric}"
        bundle["benchmarks"] = figures
    return bundle, fields


@bp.route("/milestones/<milestone_id>/submit", methods=["GET", "POST"])
@requires("learner")
def submit(milestone_id: str) -> Any:
    me = current_account()
    m = _milestone(milestone_id)
    errors: dict[str, str] = {}
    general: list[str] = []
    status = 200
    if request.method == "POST" and not me.email_verified:
        # Refused, not held: the form comes back as filled in, with the way to confirm above it.
        general.append(str(identity.unverified_error()))
        status = 403
    elif request.method == "POST":
        bundle, fields = _form_bundle(m)
        bundle["learner"] = issuer().learner(me.learner_id or 0).bundle_learner()
        try:
            outcome = issuer().issue(bundle, actor=me.reviewer_id)
        except EvidenceError as exc:
            for problem in exc.problems:
                field = fields.get(problem.path)
                if field:
                    errors[field] = problem.message
                else:
                    general.append(str(problem))
        else:
            if outcome.credential is not None:
                flash(f"Milestone met: your {m.badge.name} credential is issued.")
            return redirect(url_for("app_pages.submission", submission_id=outcome.submission_id))
    context = {
        "m": m,
        "errors": errors,
        "general": general,
        "form": request.form,
        "grades": QUALITY_GRADES,
        "statuses": EXERCISE_STATUSES,
        "metrics": list(METRICS),
    }
    return render_template("app/submit.html", **context), (
        status if status != 200 else 422 if errors or general else 200
    )


@bp.get("/submissions/<dbid:submission_id>")
@requires()
def submission(submission_id: int) -> Any:
    me = current_account()
    service = issuer()
    record = service.visible_submission(submission_id, me)
    credential = next(
        (
            c
            for c in service.credentials_of(record.learner_id)
            if c.milestone_id == record.milestone_id
            and c.revoked_at is None
            and record.status == "met"
        ),
        None,
    )
    return render_template(
        "app/submission.html",
        s=record,
        m=service.catalogue[record.milestone_id],
        credential=credential,
        share=service.sharing(credential) if credential else None,
        reviews=service.reviews_of(record.id),
    )


@bp.get("/credentials")
@requires("learner")
def my_credentials() -> Any:
    me = current_account()
    service = issuer()
    items = _credential_items(service.credentials_of(me.learner_id or 0))
    return render_template("app/credentials.html", items=items)


def _credential_items(credentials: list[Credential]) -> list[dict[str, Any]]:
    """What the credential cards show: the record, its milestone and its share links."""
    service = issuer()
    return [
        {"record": c, "m": service.catalogue[c.milestone_id], "share": service.sharing(c)}
        for c in credentials
    ]


@bp.get("/u/<handle>")
def portfolio(handle: str) -> Any:
    """A learner's public badges, only while they have switched their portfolio on."""
    service = issuer()
    with service.db.read() as db:
        from sqlalchemy import select

        user = db.scalars(select(User).where(User.handle == handle)).one_or_none()
        if user is None or not user.portfolio_public or user.learner_id is None:
            abort(404, "no public portfolio here")
        name, learner_id = user.name, user.learner_id
    live = [c for c in service.credentials_of(learner_id) if c.revoked_at is None]
    items = _credential_items(live)
    return render_template("app/portfolio.html", name=name, items=items)


@bp.get("/review")
@requires("reviewer")
def review_queue() -> Any:
    me = current_account()
    queue = reviewable_queue(me)
    catalogue = issuer().catalogue
    return render_template(
        "app/queue.html", queue=[(s, kinds, catalogue[s.milestone_id]) for s, kinds in queue]
    )


@bp.route("/review/<dbid:submission_id>", methods=["GET", "POST"])
@requires("reviewer")
def review(submission_id: int) -> Any:
    me = current_account()
    service = issuer()
    record = service.submission(submission_id)
    if me.learner_id is not None and record.learner_id == me.learner_id:
        abort(403, "nobody signs off their own submission")
    m = service.catalogue[record.milestone_id]
    kinds = service.review_kinds(record.milestone_id, me.reviewer_role or "")
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = request.form
        kind = form.get("kind", "")
        body: dict[str, Any] = {"kind": kind, "comment": form.get("comment") or None}
        if kind in m.rubrics:
            body["items"] = form.getlist("items")
        else:
            body["verdict"] = form.get("verdict")
            for name in ("score", "minutes"):
                raw = form.get(name, "").strip()
                if raw:
                    try:
                        body[name] = float(raw)
                    except ValueError:
                        errors[name] = "a number"
        if not errors:
            try:
                check_reviewable(me, submission_id)
                outcome = service.add_review(
                    submission_id,
                    body,
                    reviewer_id=me.reviewer_id,
                    role=me.reviewer_role or "",
                    reviewer_learner_id=me.learner_id,
                    actor=me.reviewer_id,
                )
            except IssuerError as exc:
                errors[(getattr(exc, "path", None) or "$.kind").removeprefix("$.")] = str(exc)
            else:
                state = (
                    "issued"
                    if outcome.credential is not None
                    else "met, awaiting an admin (an earlier credential was revoked)"
                    if outcome.withheld
                    else outcome.verdict.status.value
                )
                flash(f"Sign-off recorded; the submission is now {state}.")
                return redirect(url_for("app_pages.review_queue"))
    return render_template(
        "app/review.html",
        s=record,
        m=m,
        kinds=kinds,
        errors=errors,
        reviews=service.reviews_of(record.id),
    ), (422 if errors else 200)


@bp.route("/admin", methods=["GET", "POST"])
@requires("admin")
def admin() -> Any:
    me = current_account()
    service = issuer()
    errors: dict[str, str] = {}
    if request.method == "POST":
        action = request.form.get("action")
        try:
            if action == "issue":
                outcome = service.issue(
                    request.form.get("bundle", "").encode(), actor=me.reviewer_id
                )
                if outcome.withheld:
                    flash(f"Not issued: {outcome.withheld}.")
                elif outcome.credential is None:
                    flash("Not met: " + "; ".join(r.reason for r in outcome.verdict.unmet()))
                else:
                    flash(f"Issued {outcome.credential.id}.")
            elif action == "revoke":
                reason = request.form.get("reason", "").strip()
                if not reason:
                    errors["reason"] = "a reason is required"
                else:
                    record = service.revoke(
                        request.form.get("credential_id", "").strip(), reason, actor=me.reviewer_id
                    )
                    flash(f"Revoked {record.id}.")
            elif action == "rotate":
                alg = request.form.get("alg") or None
                if alg not in (None, *ALGORITHMS):
                    errors["alg"] = "unknown algorithm"
                else:
                    key = service.rotate_keys(alg, actor=me.reviewer_id)
                    flash(f"New signing key {key.key_id} ({key.alg}).")
            elif action == "sign-out":
                email = request.form.get("email", "")
                with service.db.write() as db:
                    user = db.scalars(
                        select(User).where(User.email == email.strip().lower()[:254])
                    ).one_or_none()
                    if user is None:
                        errors["email"] = "no account with this email"
                    else:
                        ended = end_sessions(db, user.id)
                        flash(f"Signed {user.email} out everywhere ({ended} sessions ended).")
        except EvidenceError as exc:
            errors["bundle"] = "; ".join(str(p) for p in exc.problems[:5])
        except IssuerError as exc:
            errors["credential_id" if action == "revoke" else "bundle"] = str(exc)
        if not errors:
            return redirect(url_for("app_pages.admin"))
    return render_template(
        "app/admin.html",
        errors=errors,
        log=service.log(),
        keys=service.keys.ring(),
        algorithms=ALGORITHMS,
        form=request.form,
        forbidden=LEARNER_FORBIDDEN,
        dumps=json.dumps,
    ), (422 if errors else 200)
