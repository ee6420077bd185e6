"""The database: one engine per settings, sessions, and migrations to head.

SQLite (the embedded default) runs in WAL mode with foreign keys on; write transactions start
with ``BEGIN IMMEDIATE`` so concurrent writers queue on the busy timeout instead of failing
when a reader upgrades to a writer. PostgreSQL is used as it comes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, Executable, Row, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from issuer.db.models import Base as Base

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
SQLITE_BUSY_MS = 30_000


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_MS / 1000})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # SQLAlchemy issues BEGIN itself
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            immediate = connection.get_execution_options().get("sqlite_immediate")
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True)


class Database:
    """An engine with its session factories; ``write()`` and ``read()`` give transactions."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(
            self.engine.execution_options(sqlite_immediate=True), expire_on_commit=False
        )

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction that may write: committed on success, rolled back on any error."""
        with self._write.begin() as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read.begin() as session:
            yield session

    def row(self, statement: Executable, parameters: Mapping[str, Any] | None = None) -> Row | None:
        """The first row of one read-only statement, without an ORM session.

        A single SELECT sees one consistent snapshot by itself, so the public read paths (the
        verify page, the status lists) need no session around it: one statement, one pooled
        connection, a fraction of a session's bookkeeping.
        """
        with self.engine.connect() as connection:
            return connection.execute(statement, parameters).first()

    def upgrade(self) -> None:
        """Apply every migration up to head (safe to re-run)."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def dispose(self) -> None:
        self.engine.dispose()
