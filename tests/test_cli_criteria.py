"""``vouch criteria …``: output and exit codes (0 met, 1 not met, 2 invalid input)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from criteria import load_catalogue
from issuer.cli import main
from tests.criteria.bundles import meeting_bundle

CATALOGUE = load_catalogue()


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args, input=None):
        return runner.invoke(main, list(args), input=input, catch_exceptions=False)

    return invoke


@pytest.fixture
def bundle_file(tmp_path):
    def write(bundle, name="bundle.json"):
        path = tmp_path / name
        path.write_text(bundle if isinstance(bundle, str) else json.dumps(bundle))
        return str(path)

    return write


def test_list_names_all_six(run):
    result = run("criteria", "list")
    assert result.exit_code == 0
    for m in CATALOGUE:
        assert m.id in result.output
        assert m.badge.name in result.output


def test_list_json(run):
    data = json.loads(run("criteria", "list", "--json").output)
    assert [d["id"] for d in data] == [m.id for m in CATALOGUE]
    assert data[1]["prerequisites"] == ["foundation-mastery"]


def test_show_lists_item_ids_points_and_quiz_ids_without_answers(run):
    result = run("criteria", "show", "foundation-mastery")
    assert result.exit_code == 0
    assert "knowledge.cap-theorem" in result.output
    assert "scalability-concepts" in result.output
    answers = [
        q.explanation for q in CATALOGUE["foundation-mastery"].quizzes["knowledge-check"].questions
    ]
    assert not any(text in result.output for text in answers)


def test_show_json_has_no_answer_key(run):
    data = json.loads(run("criteria", "show", "foundation-mastery", "--json").output)
    questions = data["quizzes"][0]["questions"]
    assert [q["id"] for q in questions] == [
        "scalability-concepts",
        "caching-strategy",
        "cap-theorem-application",
    ]
    assert all("answer" not in q and "explanation" not in q for q in questions)
    assert [c["id"] for c in data["criteria"]] == [
        "self-assessment",
        "practical-exercises",
        "knowledge-check",
        "self-explanation",
    ]
    assert data["criteria"][0]["min_points"] == 75


def test_show_unknown_milestone_exits_2(run):
    result = run("criteria", "show", "nope")
    assert result.exit_code == 2
    assert "unknown milestone 'nope'" in result.output


@pytest.mark.parametrize("milestone", [m.id for m in CATALOGUE])
def test_check_met_exits_0(run, bundle_file, milestone):
    result = run("criteria", "check", bundle_file(meeting_bundle(CATALOGUE[milestone])))
    assert result.exit_code == 0, result.output
    assert f"{milestone}: MET (progress 100%)" in result.output


def test_check_not_met_exits_1_and_explains(run, bundle_file):
    bundle = meeting_bundle(CATALOGUE["foundation-mastery"])
    bundle["quizzes"]["knowledge-check"]["caching-strategy"] = "a"
    result = run("criteria", "check", bundle_file(bundle))
    assert result.exit_code == 1
    assert "NOT MET" in result.output
    assert "✗ knowledge-check: quiz: 2 of 3 correct = 67%, needs 80%" in result.output


def test_check_json_verdict(run, bundle_file):
    bundle = meeting_bundle(CATALOGUE["foundation-mastery"])
    bundle["reviews"] = []
    result = run("criteria", "check", "--json", bundle_file(bundle))
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert (data["met"], data["status"]) == (False, "awaiting-review")
    assert data["rules"][3]["status"] == "awaiting-review"


def test_check_invalid_exits_2_naming_paths(run, bundle_file):
    bundle = meeting_bundle(CATALOGUE["foundation-mastery"])
    bundle["checklist"].append("knowledge.made-up")
    bundle["challenges"] = [{"id": "x", "minutes": -1, "passed": True}]
    result = run("criteria", "check", bundle_file(bundle))
    assert result.exit_code == 2
    assert "$.checklist[16]: unknown checklist item 'knowledge.made-up'" in result.output
    assert "$.challenges: too many entries: 1, at most 0" in result.output


def test_check_invalid_json_output(run, bundle_file):
    result = run("criteria", "check", "--json", bundle_file("{not json"))
    assert result.exit_code == 2
    error = json.loads(result.output)["error"]
    assert error["code"] == "invalid_evidence"
    assert error["path"] == "$"
    assert error["problems"][0]["message"].startswith("not valid JSON")


def test_check_missing_file_exits_2(run, tmp_path):
    result = run("criteria", "check", str(tmp_path / "absent.json"))
    assert result.exit_code == 2
    assert "cannot read" in result.output


def test_check_reads_stdin(run):
    bundle = meeting_bundle(CATALOGUE["foundation-mastery"])
    result = run("criteria", "check", "-", input=json.dumps(bundle))
    assert result.exit_code == 0


def test_schema_is_json_schema(run):
    from jsonschema import Draft202012Validator

    schema = json.loads(run("criteria", "schema").output)
    Draft202012Validator.check_schema(schema)
    assert set(schema["$defs"]) == {m.id for m in CATALOGUE}


def test_console_script_runs(tmp_path):
    """The installed ``vouch`` entry point, as a user runs it."""
    vouch = shutil.which("vouch", path=f"{sys.prefix}/bin")
    assert vouch, "the vouch console script is not installed in this environment"
    path = tmp_path / "b.json"
    path.write_text(json.dumps(meeting_bundle(CATALOGUE["interview-mastery"])))
    done = subprocess.run([vouch, "criteria", "check", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "interview-mastery: MET" in done.stdout
