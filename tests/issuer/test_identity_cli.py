"""Issue 12 §2 on the command line and in the schema: ``vouch users`` and migration 0004."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

from issuer import build
from issuer.app import create_app
from issuer.config import Settings
from issuer.db import MIGRATIONS
from issuer.mail import body_text, read_outbox
from tests.issuer.conftest import PUBLIC_URL, initialised_vouch

README = Path(__file__).resolve().parents[2] / "README.md"
PASSPHRASE = "identity-cli-passphrase-51c2"


def readme_users_add_lines() -> list[list[str]]:
    """Every ``vouch users add`` command the README shows, as its arguments."""
    lines = [
        line.split("#")[0].strip()
        for line in README.read_text().splitlines()
        if re.match(r"^(\.venv/bin/)?vouch users add ", line.strip())
    ]
    return [shlex.split(line)[1:] for line in lines]


@pytest.fixture
def vouch(tmp_path):
    return initialised_vouch(tmp_path, PASSPHRASE)


def _app(root: Path):
    settings = Settings(
        instance_path=root / "instance", keys_dir=root / "keys", key_passphrase=PASSPHRASE,
        public_url=PUBLIC_URL,
    )  # fmt: skip
    return create_app(issuer=build(settings=settings))


def test_the_readme_users_add_lines_run_as_written(vouch, tmp_path):
    """Finding 4: ``vouch users add`` as the README shows it prompted for a password and
    failed with "Aborted!" without a terminal. Now an account made without a password has
    none until its owner chooses one through the link mailed (here: the outbox) and printed."""
    lines = readme_users_add_lines()
    assert len(lines) >= 2, "the README shows how to add a reviewer and an admin"
    printed = []
    for args in lines:
        result = vouch(*args)  # CliRunner: no terminal, empty standard input
        assert result.exit_code == 0, result.output
        assert "Aborted" not in result.output
        assert "created:" in result.output
        printed.append(re.search(r"set-password link .*: (\S+)", result.output).group(1))

    outbox = read_outbox(tmp_path / "instance" / "outbox")
    assert sorted(parsed["To"] for _, parsed in outbox) == sorted(
        args[args.index("--email") + 1] for args in lines
    )
    mailed = {parsed["To"]: body_text(parsed) for _, parsed in outbox}
    mentor = lines[0][lines[0].index("--email") + 1]
    assert printed[0] in mailed[mentor]

    client = _app(tmp_path).test_client()
    # No password yet: nobody signs in with an empty one.
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    response = client.post("/login", data={"csrf_token": token, "email": mentor, "password": ""})
    assert response.status_code == 401
    link = printed[0].removeprefix(PUBLIC_URL)
    page = client.get(link)
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    chosen = {"csrf_token": token, "password": "the mentor's own password"}
    assert client.post(link, data=chosen).status_code == 302
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    signed = client.post(
        "/login",
        data={"csrf_token": token, "email": mentor, "password": "the mentor's own password"},
    )
    assert signed.status_code == 302
    assert client.get("/review").status_code == 200
    listed = vouch("users", "list").output
    assert re.search(rf"{re.escape(mentor)}\s+reviewer \(mentor\)\s+Mia Mentor\n", listed)


def test_users_add_reads_a_password_from_a_file_or_standard_input(vouch, tmp_path):
    secret = tmp_path / "password"
    secret.write_text("a password from a file\n")
    made = vouch("users", "add", "--email", "f@people.example", "--name", "F", "--role", "admin",
                 "--password-file", str(secret))  # fmt: skip
    assert made.exit_code == 0, made.output
    assert "set-password link" not in made.output
    client = _app(tmp_path).test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    form = {"csrf_token": token, "email": "f@people.example", "password": "a password from a file"}
    assert client.post("/login", data=form).status_code == 302


def test_users_add_on_an_existing_address_adds_the_role_and_grant_changes_it(vouch):
    assert vouch("users", "add", "--email", "p@people.example", "--name", "P").exit_code == 0
    added = vouch("users", "add", "--email", "P@people.example", "--name", "Pat",
                  "--role", "reviewer", "--reviewer-role", "peer")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "added role to:" in added.output
    assert "learner, reviewer (peer)" in added.output
    again = vouch("users", "grant", "p@people.example", "--role", "reviewer",
                  "--reviewer-role", "peer")  # fmt: skip
    assert "unchanged:" in again.output
    promoted = vouch("users", "grant", "p@people.example", "--role", "reviewer",
                     "--reviewer-role", "mentor")  # fmt: skip
    assert "granted:" in promoted.output
    assert "reviewer (mentor)" in promoted.output
    missing = vouch("users", "grant", "nobody@people.example", "--role", "admin")
    assert missing.exit_code != 0
    wrong = vouch("users", "grant", "p@people.example", "--role", "reviewer")
    assert wrong.exit_code != 0
    assert "reviewers need a reviewer role" in wrong.output
    listed = json.loads(vouch("users", "list", "--json").output)
    assert [(u["email"], u["roles"], u["reviewer_role"]) for u in listed] == [
        ("p@people.example", ["learner", "reviewer"], "mentor")
    ]


# -- migration 0004 -------------------------------------------------------------------------


def _alembic(connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def test_migration_0004_gives_existing_accounts_their_role_as_a_set_unconfirmed(database_url):
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            command.upgrade(_alembic(connection), "0003")
            connection.execute(text(
                "INSERT INTO users (email, name, password_hash, role, reviewer_role, handle, "
                "portfolio_public, created_at) VALUES "
                "('l@x.example', 'L', 'scrypt:h', 'learner', NULL, 'l', false, '2026-01-01'),"
                "('m@x.example', 'M', 'scrypt:h', 'reviewer', 'mentor', 'm', false, '2026-01-01'),"
                "('a@x.example', 'A', 'scrypt:h', 'admin', NULL, 'a', false, '2026-01-01')"
            ))  # fmt: skip
        with engine.begin() as connection:
            command.upgrade(_alembic(connection), "0004")
        with engine.begin() as connection:
            rows = connection.execute(
                text("SELECT email, roles, reviewer_role, email_verified_at FROM users ORDER BY id")
            ).all()
            # A new account without a password fits the schema now.
            connection.execute(text(
                "INSERT INTO users (email, name, password_hash, roles, handle, portfolio_public, "
                "created_at) VALUES ('n@x.example', 'N', NULL, '[\"admin\"]', 'n', false, "
                "'2026-01-01')"
            ))  # fmt: skip
        roles = [r if isinstance(r, list) else json.loads(r) for _, r, _, _ in rows]
        assert roles == [["learner"], ["reviewer"], ["admin"]]
        assert [row[2] for row in rows] == [None, "mentor", None]
        assert [row[3] for row in rows] == [None, None, None]  # never checked: unconfirmed
        with engine.begin() as connection:
            command.downgrade(_alembic(connection), "0003")
        with engine.begin() as connection:
            back = connection.execute(
                text("SELECT email, role, password_hash FROM users ORDER BY id")
            ).all()
        assert [tuple(r) for r in back] == [
            ("l@x.example", "learner", "scrypt:h"),
            ("m@x.example", "reviewer", "scrypt:h"),
            ("a@x.example", "admin", "scrypt:h"),
            ("n@x.example", "admin", "!"),
        ]
    finally:
        engine.dispose()
