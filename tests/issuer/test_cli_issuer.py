"""``vouch init|issue|revoke|keys list|keys rotate`` through Click's test runner (SQLite)."""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import stat
from contextlib import closing
from pathlib import Path

import jwt
import pytest
from click.testing import CliRunner

from issuer.cli import main
from issuer.keystore import KeyStore
from issuer.publication import did_web, jwks
from verifier.jose import read_compact, verify_signature

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FOUNDATION = EXAMPLES / "foundation-mastery.json"
PROFICIENCY = EXAMPLES / "implementation-proficiency.json"
PASSPHRASE = "cli-passphrase-7f3a9c2e"
WRONG_PASSPHRASE = "wrong-passphrase-c41e8b"
PUBLIC_URL = "https://vouch.test"
ISSUED = re.compile(r"^(issued|already issued): (urn:uuid:([0-9a-f-]{36}))$", re.MULTILINE)


@pytest.fixture
def env(tmp_path):
    return {
        "VOUCH_INSTANCE_PATH": str(tmp_path / "instance"),
        "VOUCH_KEYS_DIR": str(tmp_path / "keys"),
        "VOUCH_KEY_PASSPHRASE": PASSPHRASE,
        "VOUCH_PUBLIC_URL": PUBLIC_URL,
        # whatever the surrounding shell sets, these tests use their own instance
        "VOUCH_ENV": None,
        "VOUCH_DATABASE_URL": None,
        "VOUCH_ISSUER_NAME": None,
        "VOUCH_ADMIN_TOKEN": None,
    }


@pytest.fixture
def outputs():
    """Every output of every command run in a test (for the passphrase check)."""
    return []


@pytest.fixture
def vouch(env, outputs):
    runner = CliRunner()

    def invoke(*args, **env_overrides):
        result = runner.invoke(main, list(args), env=env | env_overrides, catch_exceptions=False)
        outputs.append(result.output)
        return result

    return invoke


@pytest.fixture
def initialised(vouch):
    result = vouch("init")
    assert result.exit_code == 0, result.output
    return vouch


@pytest.fixture
def keys_dir(tmp_path):
    return tmp_path / "keys"


@pytest.fixture
def write_bundle(tmp_path):
    def write(bundle, name="bundle.json"):
        path = tmp_path / name
        path.write_text(json.dumps(bundle))
        return str(path)

    return write


def example(path):
    return json.loads(path.read_text())


def issued_id(result):
    match = ISSUED.search(result.output)
    assert match, result.output
    return match.group(2)


# -- init ----------------------------------------------------------------------------------


def test_init_creates_encrypted_keys_readable_by_owner_only(vouch, keys_dir):
    result = vouch("init")
    assert result.exit_code == 0, result.output
    ring = json.loads((keys_dir / "keyring.json").read_text())
    assert len(ring["keys"]) == 1
    pems = list(keys_dir.glob("*.pem"))
    assert [p.stem for p in pems] == [ring["current"]]
    assert pems[0].read_text().startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    for path in [*pems, keys_dir / "keyring.json", *keys_dir.glob("*.crt")]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_init_creates_the_database(vouch, tmp_path):
    assert vouch("init").exit_code == 0
    database = tmp_path / "instance" / "vouch.sqlite3"
    assert database.exists()
    with closing(sqlite3.connect(database)) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"credentials", "learners", "status_lists", "alembic_version"} <= tables


def test_init_twice_keeps_the_same_key(vouch, keys_dir):
    assert vouch("init").exit_code == 0
    first = KeyStore(keys_dir).current().key_id
    result = vouch("init")
    assert result.exit_code == 0, result.output
    assert KeyStore(keys_dir).current().key_id == first
    assert len(KeyStore(keys_dir).ring()) == 1
    assert len(list(keys_dir.glob("*.pem"))) == 1
    assert first in result.output


def test_init_with_wrong_passphrase_fails_cleanly(initialised):
    result = initialised("init", VOUCH_KEY_PASSPHRASE=WRONG_PASSPHRASE)
    assert result.exit_code != 0
    assert "VOUCH_KEY_PASSPHRASE" in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


def test_init_in_production_without_passphrase_refuses_and_creates_no_key(vouch, keys_dir):
    result = vouch("init", VOUCH_ENV="production", VOUCH_KEY_PASSPHRASE=None)
    assert result.exit_code != 0
    assert "VOUCH_KEY_PASSPHRASE" in result.output
    assert "Traceback" not in result.output
    assert not keys_dir.exists() or not list(keys_dir.glob("*.pem"))
    assert not (keys_dir / "keyring.json").exists()


@pytest.mark.parametrize("alg", ["RS256", "EdDSA", "ES256"])
def test_init_with_algorithm(vouch, keys_dir, alg):
    result = vouch("init", "--alg", alg)
    assert result.exit_code == 0, result.output
    assert KeyStore(keys_dir).current().alg == alg


def test_init_refuses_unknown_algorithm(vouch, keys_dir):
    assert vouch("init", "--alg", "HS256").exit_code == 2
    assert not (keys_dir / "keyring.json").exists()


# -- issue ---------------------------------------------------------------------------------


def test_issue_prints_id_and_verify_url(initialised):
    result = initialised("issue", str(FOUNDATION))
    assert result.exit_code == 0, result.output
    match = ISSUED.search(result.output)
    assert match
    assert match.group(1) == "issued"
    assert f"{PUBLIC_URL}/v/{match.group(3)}" in result.output


def test_issue_again_says_already_issued_with_same_id(initialised):
    first = issued_id(initialised("issue", str(FOUNDATION)))
    result = initialised("issue", str(FOUNDATION))
    assert result.exit_code == 0, result.output
    assert f"already issued: {first}" in result.output


def test_issue_failing_quiz_exits_1_naming_the_quiz_rule(initialised, write_bundle):
    bundle = example(FOUNDATION)
    bundle["quizzes"]["knowledge-check"] = dict.fromkeys(bundle["quizzes"]["knowledge-check"], "a")
    result = initialised("issue", write_bundle(bundle))
    assert result.exit_code == 1, result.output
    assert "✗ knowledge-check" in result.output
    assert not ISSUED.search(result.output)


def test_issue_not_met_as_json(initialised, write_bundle):
    bundle = example(FOUNDATION)
    bundle["quizzes"]["knowledge-check"] = dict.fromkeys(bundle["quizzes"]["knowledge-check"], "a")
    result = initialised("issue", write_bundle(bundle), "--json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["issued"] is False
    assert "id" not in data


def test_issue_invalid_bundle_exits_2_with_json_path(initialised, write_bundle):
    bundle = example(FOUNDATION)
    bundle["checklist"].append("knowledge.made-up")
    result = initialised("issue", write_bundle(bundle))
    assert result.exit_code == 2, result.output
    assert "$.checklist[16]" in result.output


def test_issue_invalid_bundle_as_json_names_the_path(initialised, write_bundle):
    bundle = example(FOUNDATION)
    bundle["checklist"].append("knowledge.made-up")
    result = initialised("issue", write_bundle(bundle), "--json")
    assert result.exit_code == 2, result.output
    assert json.loads(result.stdout)["error"]["path"] == "$.checklist[16]"


def test_issue_json_output(initialised):
    result = initialised("issue", str(FOUNDATION), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["issued"] is True
    assert data["id"].startswith("urn:uuid:")
    _, payload = read_compact(data["jwt"])
    assert payload["jti"] == data["id"]


def test_issue_fills_held_from_own_records_not_the_bundle(initialised):
    assert "foundation-mastery" in example(PROFICIENCY)["held"]
    result = initialised("issue", str(PROFICIENCY))
    assert result.exit_code == 1, result.output
    assert "✗ prerequisites" in result.output


def test_issue_after_prerequisite_is_issued(initialised):
    assert initialised("issue", str(FOUNDATION)).exit_code == 0
    result = initialised("issue", str(PROFICIENCY))
    assert result.exit_code == 0, result.output
    assert issued_id(result)


def test_revoked_prerequisite_does_not_count(initialised):
    foundation = issued_id(initialised("issue", str(FOUNDATION)))
    assert initialised("revoke", foundation, "--reason", "issued in error").exit_code == 0
    result = initialised("issue", str(PROFICIENCY))
    assert result.exit_code == 1, result.output
    assert "✗ prerequisites" in result.output


@pytest.mark.parametrize("jobs", ["0", "1"])
def test_issue_bulk_counts_and_names_lines_across_batches(initialised, tmp_path, monkeypatch, jobs):
    """Batches of two, so each batch's outcomes must line up with its own lines: a problem
    names the line of the file it is on (blank lines count), whichever process signs."""
    import issuer.issuing.bulk

    monkeypatch.setattr(issuer.issuing.bulk, "BATCH", 2)
    bundle = example(FOUNDATION)
    other = bundle | {"learner": bundle["learner"] | {"id": "bulk-other"}}
    lines = [json.dumps(bundle), "", json.dumps(other), "{not json", json.dumps(bundle)]
    path = tmp_path / "bundles.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = initialised("issue-bulk", str(path), "--json", "-j", jobs)
    assert result.exit_code == 2, result.output
    summary = json.loads(result.stdout)
    assert summary["issued"] == 2
    assert summary["already issued"] == 1
    assert summary["invalid"] == 1
    assert [p.split(":")[0] for p in summary["problems"]] == ["line 4"]


def die(*args) -> None:
    """A worker's signing that kills the worker (module level: the pool pickles it by name)."""
    import os

    os._exit(3)


def test_issue_bulk_exits_1_when_a_signing_worker_dies_keeping_stored_batches(
    initialised, tmp_path, monkeypatch
):
    import issuer.issuing.bulk

    monkeypatch.setattr(issuer.issuing.bulk, "BATCH", 1)
    bundle = example(FOUNDATION)
    lines = [bundle | {"learner": bundle["learner"] | {"id": f"dies-{n}"}} for n in range(3)]
    path = tmp_path / "bundles.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    monkeypatch.setattr(issuer.issuing.bulk, "_seal_in_worker", die)
    result = initialised("issue-bulk", str(path), "--json", "-j", "1")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["error"]["code"] == "worker_died"
    monkeypatch.undo()
    again = initialised("issue-bulk", str(path), "--json", "-j", "0")
    assert json.loads(again.stdout)["issued"] == 3


def test_issue_before_init_asks_for_init(vouch):
    result = vouch("issue", str(FOUNDATION))
    assert result.exit_code != 0
    assert "vouch init" in result.output
    assert "Traceback" not in result.output


# -- revoke --------------------------------------------------------------------------------


def test_revoke(initialised):
    credential_id = issued_id(initialised("issue", str(FOUNDATION)))
    result = initialised("revoke", credential_id, "--reason", "issued in error")
    assert result.exit_code == 0, result.output
    assert credential_id in result.output


def test_revoke_twice_succeeds(initialised):
    credential_id = issued_id(initialised("issue", str(FOUNDATION)))
    assert initialised("revoke", credential_id, "--reason", "first").exit_code == 0
    result = initialised("revoke", credential_id, "--reason", "second")
    assert result.exit_code == 0, result.output


def test_revoke_by_bare_uuid(initialised):
    credential_id = issued_id(initialised("issue", str(FOUNDATION)))
    bare = credential_id.removeprefix("urn:uuid:")
    assert initialised("revoke", bare, "--reason", "issued in error").exit_code == 0


def test_revoke_unknown_id_exits_1(initialised):
    result = initialised("revoke", "urn:uuid:00000000-0000-4000-8000-000000000000", "--reason", "x")
    assert result.exit_code == 1
    assert "no credential" in result.output


@pytest.mark.parametrize("reason", ["", "   "])
def test_revoke_with_empty_reason_is_a_usage_error(initialised, reason):
    credential_id = issued_id(initialised("issue", str(FOUNDATION)))
    result = initialised("revoke", credential_id, "--reason", reason)
    assert result.exit_code == 2
    assert "--reason" in result.output


def test_revoke_without_reason_is_a_usage_error(initialised):
    credential_id = issued_id(initialised("issue", str(FOUNDATION)))
    assert initialised("revoke", credential_id).exit_code == 2


# -- keys ----------------------------------------------------------------------------------


def test_keys_list_shows_one_current_key(initialised, keys_dir):
    result = initialised("keys", "list")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert KeyStore(keys_dir).current().key_id in lines[0]
    assert "current" in lines[0]


def test_keys_rotate_makes_a_new_current_key(initialised, keys_dir):
    old = KeyStore(keys_dir).current().key_id
    result = initialised("keys", "rotate")
    assert result.exit_code == 0, result.output
    new = KeyStore(keys_dir).current().key_id
    assert new != old
    assert new in result.output
    lines = initialised("keys", "list").output.strip().splitlines()
    assert len(lines) == 2
    states = {line.split()[0]: line for line in lines}
    assert "retired" in states[old]
    assert "current" in states[new]


def test_keys_list_json_after_rotation(initialised):
    initialised("keys", "rotate")
    keys = json.loads(initialised("keys", "list", "--json").stdout)
    assert [k["current"] for k in keys] == [False, True]
    assert all(k["kid"].startswith(f"{did_web(PUBLIC_URL)}#") for k in keys)


def test_credential_issued_before_rotation_still_verifies(initialised, keys_dir):
    token = json.loads(initialised("issue", str(FOUNDATION), "--json").stdout)["jwt"]
    assert initialised("keys", "rotate").exit_code == 0
    header, _ = read_compact(token)
    published = jwks(did_web(PUBLIC_URL), KeyStore(keys_dir).ring())["keys"]
    assert len(published) == 2
    jwk = next(k for k in published if k["kid"] == header["kid"])
    assert KeyStore(keys_dir).current().key_id not in header["kid"]
    verify_signature(token, jwt.PyJWK(jwk).key, jwk["alg"])


def test_credential_issued_after_rotation_uses_the_new_key(initialised, keys_dir, write_bundle):
    initialised("keys", "rotate")
    bundle = example(FOUNDATION)
    bundle["learner"] = {"id": "learner-2", "name": "Grace Hopper", "email": "grace@example.org"}
    token = json.loads(initialised("issue", write_bundle(bundle), "--json").stdout)["jwt"]
    header, _ = read_compact(token)
    assert header["kid"] == f"{did_web(PUBLIC_URL)}#{KeyStore(keys_dir).current().key_id}"


# -- the passphrase never shows ------------------------------------------------------------


def test_passphrase_never_appears_in_output_or_logs(vouch, outputs, caplog):
    caplog.set_level(logging.DEBUG)
    vouch("init")
    vouch("init")
    vouch("init", VOUCH_KEY_PASSPHRASE=WRONG_PASSPHRASE)
    vouch("keys", "list")
    vouch("keys", "list", "--json")
    credential_id = issued_id(vouch("issue", str(FOUNDATION)))
    vouch("issue", str(FOUNDATION), "--json")
    vouch("issue", str(PROFICIENCY))
    vouch("revoke", credential_id, "--reason", "issued in error")
    vouch("revoke", "unknown", "--reason", "issued in error")
    vouch("keys", "rotate")
    vouch("keys", "rotate", VOUCH_KEY_PASSPHRASE=WRONG_PASSPHRASE)
    assert len(outputs) == 12
    for text in [*outputs, caplog.text]:
        assert PASSPHRASE not in text
        assert WRONG_PASSPHRASE not in text


def test_development_passphrase_file_never_appears(vouch, outputs, keys_dir, caplog):
    caplog.set_level(logging.DEBUG)
    assert vouch("init", VOUCH_KEY_PASSPHRASE=None).exit_code == 0
    assert vouch("issue", str(FOUNDATION), VOUCH_KEY_PASSPHRASE=None).exit_code == 0
    assert vouch("keys", "rotate", VOUCH_KEY_PASSPHRASE=None).exit_code == 0
    dev = keys_dir / "dev-passphrase"
    assert stat.S_IMODE(dev.stat().st_mode) == 0o600
    secret = dev.read_text().strip()
    assert secret
    for text in [*outputs, caplog.text]:
        assert secret not in text
