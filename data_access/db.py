"""Engine creation and schema migration, for SQLite and PostgreSQL alike."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import URL, ExceptionContext, make_url
from sqlalchemy.exc import IntegrityError

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
MAX_CAUSE_CHARS = 300


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    # WAL lets the web workers read while an import writes; the busy timeout makes a second
    # writer wait instead of failing at once.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _log_database_error(context: ExceptionContext) -> None:
    """Every failed connection or statement, once, where it failed: the API and the page
    turn it into a message without saying why. The first line of the driver's message is the
    cause; the statement and its parameters are left out. A broken constraint is the caller's
    to handle (the reference sync expects some) and is not logged here."""
    if isinstance(context.sqlalchemy_exception, IntegrityError):
        return
    cause = str(context.original_exception).strip().splitlines()
    extra = {
        "error": type(context.original_exception).__name__,
        "cause": (cause[0] if cause else "")[:MAX_CAUSE_CHARS],
        "disconnect": context.is_disconnect,
    }
    if context.is_pre_ping:  # a pooled connection found closed: the pool opens a new one
        logger.warning("database connection lost; reconnecting", extra=extra)
    else:
        logger.error("database error", extra=extra)


def make_engine(database_url: str, *, echo: bool = False) -> Engine:
    """Create an engine that survives a database restart (pre-ping) and suits both backends.

    Parameters are kept out of error messages (``hide_parameters``): a message may reach a log.
    """
    engine = _create(make_url(database_url), echo)
    event.listen(engine, "handle_error", _log_database_error)
    return engine


def _create(url: URL, echo: bool) -> Engine:
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, pool_pre_ping=True, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    connect_args: dict[str, object] = {}
    if url.get_backend_name() == "postgresql":
        # Fail fast when the server is unreachable so that the page can say so quickly.
        connect_args["connect_timeout"] = 3
    return create_engine(
        url,
        echo=echo,
        hide_parameters=True,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        pool_timeout=5,
        connect_args=connect_args,
    )


def is_sqlite(engine: Engine) -> bool:
    """SQLite and PostgreSQL differ in locking and bulk-load paths; callers branch on this."""
    return engine.dialect.name == "sqlite"


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema to the latest Alembic revision."""
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def schema_is_current(engine: Engine) -> bool:
    """Whether the database exists and is at the latest migration."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return False
        current = MigrationContext.configure(connection).get_current_revision()
    return current == head
