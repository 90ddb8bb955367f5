"""The two ways of each import step must agree exactly.

* Writing: an import that rewrites at least as many months as it leaves alone is loaded in bulk
  (the rollup's indexes, and on PostgreSQL its primary key and the facts' foreign keys, dropped
  and rebuilt inside the transaction); a smaller one is written row by row, indexes in place.
  Both store the same figures, and a bulk load leaves exactly the declared schema.
* Reading: a CSV file without quotes whose rows all have the header's field count is cut in one
  go; any other goes through ``csv`` record by record. Both read the same values and report
  the same problems.
"""

from __future__ import annotations

import csv
import io
from contextlib import AbstractContextManager
from dataclasses import replace
from pathlib import Path
from unittest import mock

import pandas as pd
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Connection, Table, inspect, select, text

from data_access import importer, schema, store
from data_access.cli import main as data_cli
from data_access.db import make_engine
from data_access.importer import SnapshotRejected, parse_snapshot
from data_access.settings import Settings
from tests.data_access.test_importer_properties import (
    DEPARTEMENTS,
    POSTES,
    PROPERTY_SETTINGS,
    RULES,
    GeneratedFile,
    snapshot_rows,
    valid_files,
)

MONTHS = ("2023-02", "2023-03", "2023-04")  # three months after the fixture's four
BACKENDS = [pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)]


def run_cli(url: str, *args: str) -> int:
    out, err = io.StringIO(), io.StringIO()
    status = data_cli(list(args), settings=Settings(database_url=url), out=out, err=err)
    assert status == 0, err.getvalue()
    return status


def write_months(path: Path, measures: tuple[str, ...], salt: int, corrected: bool = False) -> Path:
    """The three months, with cells left out (they count as 0) and online trainings.

    ``corrected``: the same file with a few counts changed and a few cells dropped, as a
    partner resends a month.
    """
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["month", "department", "poste", *measures])
        for k, month in enumerate(MONTHS):
            for i, dep in enumerate(DEPARTEMENTS):
                for j, poste in enumerate(POSTES):
                    fixed = corrected and (i + 2 * j + k) % 41 == 0
                    if (i + j + k + salt) % 5 == 0 or (corrected and (i * j + k) % 53 == 7):
                        continue
                    values = {"job_offers": (7 * i + j + salt) % 23 + fixed, "trainings": j % 4}
                    writer.writerow([month, dep, poste, *(values[m] for m in measures)])
            if "trainings" in measures:
                for j, poste in enumerate(POSTES[::3]):
                    cells = {"job_offers": "", "trainings": (j + k + salt + corrected) % 6}
                    writer.writerow([month, "online", poste, *(cells[m] for m in measures)])
    return path


@pytest.fixture(params=BACKENDS)
def urls(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """An empty database and a copy of the four-month fixture, on one backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite3'}", request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("empty_postgres_url"), request.getfixturevalue("postgres_url")


@pytest.fixture
def bulk_loads(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each import of the test was loaded in bulk."""
    loads: list[bool] = []
    original = store._bulk_load

    def spy(conn: Connection, enabled: bool) -> AbstractContextManager[None]:
        loads.append(enabled)
        return original(conn, enabled)

    monkeypatch.setattr(store, "_bulk_load", spy)
    return loads


@pytest.fixture
def rows_rewritten_alone(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """(table, rows) of each write that deleted stored rows one by one, not whole months."""
    deletes: list[tuple[str, int]] = []
    original = store._delete_keys

    def spy(conn: Connection, table: Table, keys: pd.DataFrame) -> None:
        deletes.append((table.name, len(keys)))
        original(conn, table, keys)

    monkeypatch.setattr(store, "_delete_keys", spy)
    return deletes


def figures(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every stored row of the three months, table by table, in key order."""
    engine = make_engine(url)
    tables = (schema.fact, schema.online_training, schema.month_measure, schema.rollup)
    try:
        with engine.connect() as conn:
            return {
                t.name: sorted(
                    tuple(r) for r in conn.execute(select(t).where(t.c.month.in_(MONTHS)))
                )
                for t in tables
            }
    finally:
        engine.dispose()


def test_bulk_and_row_by_row_imports_store_the_same_figures(
    urls: tuple[str, str],
    tmp_path: Path,
    bulk_loads: list[bool],
    rows_rewritten_alone: list[tuple[str, int]],
) -> None:
    both = write_months(tmp_path / "both.csv", ("job_offers", "trainings"), salt=1)
    corrected = write_months(tmp_path / "fix.csv", ("job_offers", "trainings"), 1, corrected=True)
    offers = write_months(tmp_path / "offers.csv", ("job_offers",), salt=2)
    # A month, a corrected copy of it, the first again, another source's measure, that again.
    for path in (both, corrected, both, offers, offers):
        for url in urls:
            run_cli(url, "import", str(path))
        assert figures(urls[0]) == figures(urls[1]), f"after {path.name}"
    # The empty database: 3 months written, none kept. The fixture: 3 written, 4 kept.
    assert bulk_loads == [True, False] * 5
    # The fixture got the corrections, and their undoing, as the few rows they change.
    assert {table for table, count in rows_rewritten_alone if count} >= {"fact", "rollup"}
    assert len(figures(urls[0])["rollup"]) == len(MONTHS) * (1 + 18 + 101) * (1 + 6 + 36 + 107)


def test_a_bulk_import_leaves_exactly_the_declared_schema(
    urls: tuple[str, str], tmp_path: Path, bulk_loads: list[bool]
) -> None:
    empty, _ = urls
    run_cli(empty, "import", str(write_months(tmp_path / "m.csv", ("job_offers", "trainings"), 3)))
    assert bulk_loads == [True]
    engine = make_engine(empty)
    try:
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), schema.metadata) == []
            inspector = inspect(conn)
            indexes = {ix["name"]: ix["column_names"] for ix in inspector.get_indexes("rollup")}
            assert indexes == {
                ix.name: [c.name for c in ix.columns] for ix in schema.rollup.indexes
            }
            primary_key = inspector.get_pk_constraint("rollup")["constrained_columns"]
            assert primary_key == [c.name for c in schema.rollup.primary_key.columns]
            foreign_keys = {fk["name"] for fk in inspector.get_foreign_keys("fact")}
            assert foreign_keys == {fk.name for fk in schema.fact.foreign_key_constraints}
            if conn.dialect.name == "postgresql":
                # Re-added foreign keys were checked against every row, not merely declared.
                validated = conn.execute(
                    text(
                        "SELECT bool_and(convalidated) FROM pg_constraint "
                        "WHERE conrelid = 'fact'::regclass AND contype = 'f'"
                    )
                ).scalar_one()
                assert validated is True
    finally:
        engine.dispose()


# -- reading ----------------------------------------------------------------------------------


def outcome(data: bytes) -> tuple[object, ...]:
    try:
        snapshot = parse_snapshot(data, "paths.csv", RULES)
    except SnapshotRejected as exc:
        return ("rejected", exc.total, [str(issue) for issue in exc.issues])
    return ("read", snapshot_rows(snapshot), snapshot.months, snapshot.measures, snapshot.row_count)


BAD_CELLS = ("", " ", "x", "-2", "1.5", "2023-13", "20", "online", "10000001", "data-analyste")


@PROPERTY_SETTINGS
@given(valid_files(), st.data())
def test_plain_and_quoted_spellings_of_a_file_read_alike(
    generated: GeneratedFile, data: st.DataObject
) -> None:
    body = [generated.cells(r) for r in generated.rows]
    for _ in range(data.draw(st.integers(0, 3), label="bad cells")):
        row = data.draw(st.integers(0, len(body) - 1))
        column = data.draw(st.integers(0, len(body[row]) - 1))
        body[row][column] = data.draw(st.sampled_from(BAD_CELLS))
    if data.draw(st.booleans(), label="duplicate a row"):
        body.append(list(body[0]))
    results = []
    for quote_all in (False, True):
        spelling = replace(generated, layout=replace(generated.layout, quote_all=quote_all))
        with mock.patch.object(importer, "_read_csv", wraps=importer._read_csv) as record_wise:
            results.append(outcome(spelling.encode(spelling.text_lines(body))))
        # Plain files are cut in one go; quoted ones record by record.
        assert record_wise.call_count == int(quote_all)
    assert results[0] == results[1]
