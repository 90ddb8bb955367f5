"""Shared fixtures: the fixture database on SQLite and PostgreSQL, and a CI guard.

In CI (``CI`` set), a test that needs PostgreSQL or Chromium fails when they are missing instead
of skipping: a green run must mean they were exercised.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url

from data_access import schema
from data_access.db import make_engine
from data_access.settings import Settings
from tests.data_access.postgres_copies import drop_copy
from tests.fixtures import FIXTURE_MONTHS, build_fixture_database

POSTGRES_ENV = "GENSCAN_TEST_POSTGRES_URL"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def skip_or_fail(reason: str) -> None:
    """Skip locally; fail in CI, where every part must really run."""
    if in_ci():
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def fixture_sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture database, built once per session by the real importer."""
    workdir = tmp_path_factory.mktemp("fixture-db")
    path = workdir / "fixtures.sqlite3"
    build_fixture_database(f"sqlite:///{path}", workdir)
    return path


@pytest.fixture(scope="session")
def small_sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-month fixture database, for tests that checksum the whole database."""
    workdir = tmp_path_factory.mktemp("small-fixture-db")
    path = workdir / "small.sqlite3"
    build_fixture_database(f"sqlite:///{path}", workdir, months=FIXTURE_MONTHS[:1])
    return path


@pytest.fixture
def small_sqlite_url(small_sqlite_file: Path, tmp_path: Path) -> str:
    """A private copy of the one-month fixture database."""
    target = tmp_path / "small.sqlite3"
    shutil.copyfile(small_sqlite_file, target)
    return f"sqlite:///{target}"


@pytest.fixture
def sqlite_url(fixture_sqlite_file: Path, tmp_path: Path) -> str:
    """A private copy of the fixture database, free to be written by the test."""
    target = tmp_path / "db.sqlite3"
    shutil.copyfile(fixture_sqlite_file, target)
    return f"sqlite:///{target}"


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        skip_or_fail(f"PostgreSQL not configured ({POSTGRES_ENV} unset)")
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        skip_or_fail(f"PostgreSQL unreachable at {url}: {exc}")
    return url


def _create_database(server_url: str, name: str) -> str:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def _drop_database(server_url: str, name: str) -> None:
    drop_copy(server_url, make_url(server_url).set(database=name).render_as_string(False))


@pytest.fixture(scope="session")
def postgres_template(
    postgres_server_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A PostgreSQL database holding the fixture data, used as a template for copies."""
    name = f"genscan_tpl_{uuid.uuid4().hex[:8]}"
    url = _create_database(postgres_server_url, name)
    build_fixture_database(url, tmp_path_factory.mktemp("pg-fixture"))
    make_engine(url).dispose()
    yield name
    _drop_database(postgres_server_url, name)


@pytest.fixture
def postgres_url(postgres_server_url: str, postgres_template: str) -> Iterator[str]:
    """A private PostgreSQL copy of the fixture database."""
    name = f"genscan_t_{uuid.uuid4().hex[:8]}"
    admin = create_engine(postgres_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"'))
    admin.dispose()
    yield make_url(postgres_server_url).set(database=name).render_as_string(hide_password=False)
    _drop_database(postgres_server_url, name)


@pytest.fixture
def empty_postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database."""
    name = f"genscan_e_{uuid.uuid4().hex[:8]}"
    url = _create_database(postgres_server_url, name)
    yield url
    _drop_database(postgres_server_url, name)


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    """The fixture database on each backend the product supports."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, seed_demo_if_empty=False)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


def database_checksum(engine: Engine) -> str:
    """SHA-256 over every row of every table, in key order: equal means unchanged.

    ``import_run`` is left out: it records every run of the import command, a rejected one
    too, by design (``data_access.import_runs``); its own tests check what it holds.
    """
    digest = hashlib.sha256()
    with engine.connect() as conn:
        inspector = inspect(conn)
        for table in sorted(set(inspector.get_table_names()) - {schema.import_run.name}):
            columns = [c["name"] for c in inspector.get_columns(table)]
            order = ", ".join(f'"{c}"' for c in columns)
            rows = conn.exec_driver_sql(f'SELECT * FROM "{table}" ORDER BY {order}').fetchall()
            digest.update(f"|{table}|{len(rows)}|".encode())
            digest.update(repr(rows).encode())
    return digest.hexdigest()
