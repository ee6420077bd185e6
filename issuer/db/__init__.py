"""The database: one engine per settings, sessions, and migrations to head.

SQLite (the embedded default) runs in WAL mode with foreign keys on; write transactions start
with ``BEGIN IMMEDIATE`` so concurrent writers queue on the busy timeout instead of failing
when a reader upgrades to a writer. PostgreSQL is used as it comes.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, Select, Table, create_engine, event, insert, make_url
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.compiler import SQLCompiler

from issuer.db.models import Base as Base

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
SQLITE_BUSY_MS = 30_000
SQLITE_CACHE_KIB = 32 * 1024


def json_text(value: Any) -> str:
    """The JSON columns' text: orjson's (a tenth of the standard library's time for a bundle),
    or the standard library's for what orjson refuses (an integer beyond 64 bits)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def private_sqlite_file(url: str) -> None:
    """Create the SQLite file of ``url`` readable by its owner only (0600), in a folder of its
    own (0700 when made here); tighten an existing file and its ``-wal``/``-shm`` companions.

    The file holds accounts (emails, password hashes) and evidence. SQLite creates the
    write-ahead log and shared-memory files with the database file's mode, so they follow.
    """
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    for companion in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(FileNotFoundError, PermissionError):
            if companion.stat().st_mode & 0o077:
                companion.chmod(0o600)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        private_sqlite_file(url)
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_MS / 1000},
            json_serializer=json_text,
            hide_parameters=True,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # SQLAlchemy issues BEGIN itself
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
            cursor.execute("PRAGMA synchronous=NORMAL")
            # 32 MiB of pages per connection (SQLite's default is 2): the indexes that take
            # new rows at random places (status entries, subject ids) stay in it as they grow
            cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            immediate = connection.get_execution_options().get("sqlite_immediate")
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    # hide_parameters: an error's message (and so a logged traceback) never holds the bound
    # values, which are emails, names, password and token hashes
    return create_engine(url, pool_pre_ping=True, json_serializer=json_text, hide_parameters=True)


@dataclass(frozen=True)
class _Prepared:
    compiled: SQLCompiler
    row: type[tuple[Any, ...]]
    processors: tuple[Callable[[Any], Any] | None, ...]

    @property
    def sql(self) -> str:
        return self.compiled.string


def _wrapped(exc: Exception, sql: str, arguments: Any, dialect: Dialect) -> StatementError:
    return DBAPIError.instance(
        sql, arguments, exc, dialect.loaded_dbapi.Error, hide_parameters=True, dialect=dialect
    )


class Database:
    """An engine with its session factories; ``write()`` and ``read()`` give transactions."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(
            self.engine.execution_options(sqlite_immediate=True), expire_on_commit=False
        )
        #: statement → its compiled form, for :meth:`row`.
        self._prepared: dict[Select[Any], _Prepared] = {}

    def insert_returning_ids(
        self, connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]
    ) -> list[int]:
        """Insert ``rows`` into ``table`` with multi-row statements; their integer primary keys,
        in the order of ``rows``.

        PostgreSQL's are returned in order (SQLAlchemy sorts on a counter it adds). SQLite
        promises no order of RETURNING rows, and SQLAlchemy, asked to sort them, falls back to
        one statement per row, at 5 times the cost; but SQLite gives a new row the largest
        rowid so far plus one, and inserts the rows of a multi-row VALUES in order, so their ids
        sorted are their ids in order.
        """
        if not rows:
            return []
        (key,) = table.primary_key.columns
        in_order = connection.dialect.name != "sqlite"
        statement = insert(table).returning(key, sort_by_parameter_order=in_order)
        ids = connection.execute(statement, rows).scalars().all()
        return list(ids) if in_order else sorted(ids)

    def close_connections(self) -> None:
        """Close the pooled connections (new ones open when next needed): before forking, so
        that no child process inherits an open connection of its parent's."""
        self.engine.dispose()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction that may write: committed on success, rolled back on any error."""
        with self._write.begin() as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read.begin() as session:
            yield session

    def row(self, statement: Select[*tuple[Any, ...]], parameters: Mapping[str, Any]) -> Any:
        """The first row of one read-only SELECT (a named tuple of its columns), or None.

        A single SELECT sees one consistent snapshot by itself, so the public read paths (the
        verify page, the status lists) run it on a pooled driver connection with no session and
        no transaction of their own: no ORM bookkeeping, no BEGIN or ROLLBACK statement from
        SQLAlchemy. The statement is compiled once; its columns' result types (UTC datetimes)
        still apply. Parameters go to the driver as they are (strings and numbers). Driver
        errors come out as SQLAlchemy's, as from a session (so an unreachable database is 503).
        """
        prepared = self._prepared.get(statement) or self._prepare(statement)
        values = prepared.compiled.construct_params(parameters)
        arguments = (
            tuple(values[name] for name in prepared.compiled.positiontup or ())
            if prepared.compiled.positional
            else values
        )
        dialect = self.engine.dialect
        try:
            connection = self.engine.raw_connection()
        except dialect.loaded_dbapi.Error as exc:
            raise _wrapped(exc, prepared.sql, arguments, dialect) from exc
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(prepared.sql, arguments)
                found = cursor.fetchone()
            finally:
                cursor.close()
        except dialect.loaded_dbapi.Error as exc:
            if dialect.is_disconnect(exc, connection.dbapi_connection, None):
                connection.invalidate(exc)
            raise _wrapped(exc, prepared.sql, arguments, dialect) from exc
        finally:
            connection.close()  # back to the pool (which resets it)
        if found is None:
            return None
        processors = zip(prepared.processors, found, strict=True)
        return prepared.row(*(value if p is None else p(value) for p, value in processors))

    def _prepare(self, statement: Select[Any]) -> _Prepared:
        dialect = self.engine.dialect
        columns = list(statement.selected_columns)
        prepared = _Prepared(
            statement.compile(dialect=dialect),
            namedtuple("Row", [c.key for c in columns]),  # type: ignore[misc]
            tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns),
        )
        self._prepared[statement] = prepared
        return prepared

    def upgrade(self, revision: str = "head") -> None:
        """Apply every migration up to ``revision`` (safe to re-run)."""
        self._migrate(command.upgrade, revision)

    def downgrade(self, revision: str) -> None:
        """Undo migrations down to ``revision`` (tests take each migration both ways)."""
        self._migrate(command.downgrade, revision)

    def _migrate(self, step: Callable[[Config, str], None], revision: str) -> None:
        """Run an Alembic ``step`` to ``revision`` in one transaction.

        On SQLite, foreign keys are switched off while migrations run and checked after, in
        the same transaction: a batch migration rebuilds a table (copy, drop, rename), and
        dropping a table that other rows reference fails while they are on (an account with an
        API token stopped ``users`` from being rebuilt). SQLite ignores the switch inside a
        transaction, so it is set on the driver's connection first.
        """
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.connect() as connection:
            # the sqlite3 connection itself: the pragma must not wait for a transaction
            sqlite = connection.dialect.name == "sqlite"
            driver = connection.connection.driver_connection if sqlite else None
            if driver is not None:
                driver.execute("PRAGMA foreign_keys=OFF")
            try:
                with connection.begin():
                    config.attributes["connection"] = connection
                    step(config, revision)
                    if driver is not None:
                        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                        if broken:
                            raise RuntimeError(f"migration left broken references: {broken[:5]}")
            finally:
                if driver is not None:
                    driver.execute("PRAGMA foreign_keys=ON")

    def refresh_statistics(self, *tables: str) -> None:
        """Have PostgreSQL's planner re-read how big ``tables`` are (``ANALYZE``).

        After a bulk load PostgreSQL's advice is to analyze: until autovacuum does (and it may
        be off), the planner believes a fast-growing table is as small as when it last looked,
        and scans all of it for every lookup. SQLite plans from its indexes alone.
        """
        if self.engine.dialect.name != "postgresql":
            return
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE " + ", ".join(tables))

    @contextmanager
    def background_checkpoints(self, every: float = 0.05) -> Iterator[None]:
        """For a bulk load on SQLite: WAL checkpoints in a background thread, ``every`` seconds.

        A checkpoint copies committed pages from the write-ahead log into the database file and
        syncs it. SQLite otherwise runs one inside whichever commit finds the log past 1,000
        pages: in bulk issuance, a commit of every other batch, costing the writer as much time
        as a batch's INSERTs. A PASSIVE checkpoint never waits for or blocks the writer, and
        the sqlite3 module lets go of the GIL while SQLite works, so the thread's copying and
        syncing happen beside the writer's Python. Other backends checkpoint on their own.
        """
        if self.engine.dialect.name != "sqlite":
            yield
            return
        stop = threading.Event()
        connection = self.engine.raw_connection()  # autocommit: see make_engine
        driver = connection.driver_connection  # the sqlite3 connection itself

        def checkpoint() -> None:
            while driver is not None and not stop.wait(every):
                try:
                    driver.execute("PRAGMA wal_checkpoint(PASSIVE)")
                except self.engine.dialect.loaded_dbapi.Error:
                    return  # the commits checkpoint, as SQLite does by itself

        thread = threading.Thread(target=checkpoint, name="vouch-wal-checkpoints", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
            connection.close()

    def dispose(self) -> None:
        self.engine.dispose()
