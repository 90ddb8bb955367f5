"""Writing to the database: reference data, snapshot application, rollup refresh, demo seed.

Each snapshot is applied in a single transaction that holds the import lock for its whole
duration, so a killed process or a concurrent import can never leave a month half-replaced.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, Table, delete, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from data_access import schema
from data_access.db import is_sqlite, migrate
from data_access.importer import Snapshot
from data_access.reference import ReferenceData
from data_access.rollup import compute_rollup

IMPORT_LOCK_KEY = 720_230_001  # arbitrary, constant: the PostgreSQL advisory lock of imports
INSERT_CHUNK = 20_000
COPY_CHUNK = 200_000


@dataclass(frozen=True)
class ImportResult:
    """What an applied snapshot changed, for the command line's report."""

    file_name: str
    months: tuple[str, ...]
    measures: tuple[str, ...]
    row_count: int
    already_imported: bool


def _rows(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    clean = frame.astype(object).where(frame.notna(), None)
    return list(clean.itertuples(index=False, name=None))


def _bulk_insert(conn: Connection, table: Table, frame: pd.DataFrame) -> None:
    """Insert a frame whose columns are named as the table's, at bulk speed.

    PostgreSQL gets COPY, SQLite one prepared ``executemany``: both run inside the caller's
    transaction, on the same connection.
    """
    if frame.empty:
        return
    columns = list(frame.columns)
    if conn.dialect.name == "postgresql":
        # CSV text written by pandas in C and streamed in blocks: a million rows without a
        # Python loop over them. An empty unquoted field is NULL in COPY's CSV format.
        driver = conn.connection.driver_connection
        names = ", ".join(columns)
        sql = f"COPY {table.name} ({names}) FROM STDIN WITH (FORMAT csv)"
        with driver.cursor() as cursor, cursor.copy(sql) as copy:
            for start in range(0, len(frame), COPY_CHUNK):
                block = frame.iloc[start : start + COPY_CHUNK]
                copy.write(block.to_csv(index=False, header=False, na_rep="", lineterminator="\n"))
        return
    rows = _rows(frame)
    if conn.dialect.name == "sqlite":
        placeholders = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({placeholders})"
        for start in range(0, len(rows), INSERT_CHUNK):
            conn.exec_driver_sql(sql, rows[start : start + INSERT_CHUNK])
        return
    records = [dict(zip(columns, row, strict=True)) for row in rows]
    for start in range(0, len(records), INSERT_CHUNK):
        conn.execute(insert(table), records[start : start + INSERT_CHUNK])


def _upsert_codes(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    # Only changed rows are written: rewriting a parent key makes SQLite re-check every child.
    existing = {r.code: r._asdict() for r in conn.execute(select(table))}
    for row in rows:
        current = existing.get(row["code"])
        if current is None:
            conn.execute(insert(table).values(**row))
        elif any(current[k] != v for k, v in row.items()):
            values = {k: v for k, v in row.items() if k != "code"}
            conn.execute(update(table).where(table.c.code == row["code"]).values(**values))


def _delete_unused(conn: Connection, table: Table, keep: Iterable[str]) -> None:
    # A code that disappeared from the reference files is dropped unless facts still use it:
    # history keyed on a retired code stays readable.
    stale = {r.code for r in conn.execute(select(table.c.code))} - set(keep)
    for code in sorted(stale):
        try:
            with conn.begin_nested():
                conn.execute(delete(table).where(table.c.code == code))
        except IntegrityError:  # a foreign key still points at it: keep it
            continue


def sync_reference(conn: Connection, ref: ReferenceData) -> None:
    """Make the job map and territories in the database match the reference files."""
    jm = ref.job_map
    families = jm.drop_duplicates("family_code")
    metiers = jm.drop_duplicates("metier_code")
    _upsert_codes(
        conn,
        schema.family,
        [
            {"code": r.family_code, "label": r.family_label, "position": i}
            for i, r in enumerate(families.itertuples())
        ],
    )
    _upsert_codes(
        conn,
        schema.metier,
        [
            {
                "code": r.metier_code,
                "family_code": r.family_code,
                "label": r.metier_label,
                "position": i,
            }
            for i, r in enumerate(metiers.itertuples())
        ],
    )
    _upsert_codes(
        conn,
        schema.poste,
        [
            {
                "code": r.poste_code,
                "metier_code": r.metier_code,
                "label": r.poste_label,
                "position": i,
            }
            for i, r in enumerate(jm.itertuples())
        ],
    )
    _upsert_codes(
        conn, schema.region, [{"code": r.code, "name": r.name} for r in ref.regions.itertuples()]
    )
    _upsert_codes(
        conn,
        schema.department,
        [
            {
                "code": r.code,
                "name": r.name,
                "region_code": r.region_code,
                "population": int(r.population),
            }
            for r in ref.departements.itertuples()
        ],
    )
    _delete_unused(conn, schema.poste, jm["poste_code"])
    _delete_unused(conn, schema.metier, jm["metier_code"])
    _delete_unused(conn, schema.family, jm["family_code"])
    _delete_unused(conn, schema.department, ref.departements["code"])
    _delete_unused(conn, schema.region, ref.regions["code"])


def ensure_schema(engine: Engine, ref: ReferenceData) -> None:
    """Create or migrate the schema and load the reference data: safe to call at every start."""
    migrate(engine)
    with engine.begin() as conn:
        sync_reference(conn, ref)


def database_has_facts(engine: Engine) -> bool:
    """Whether any month has been imported, to decide on seeding the demo history."""
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(schema.month_measure)).scalar_one() > 0


def _take_import_lock(conn: Connection, first_write: Callable[[], None]) -> None:
    if is_sqlite(conn.engine):
        # The first write takes SQLite's single writer lock (waiting up to busy_timeout), so a
        # concurrent import waits here before it has read anything.
        first_write()
    else:
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK_KEY})
        first_write()


def _coverage(conn: Connection, months: Iterable[str]) -> dict[str, set[str]]:
    coverage: dict[str, set[str]] = {m: set() for m in months}
    rows = conn.execute(
        select(schema.month_measure.c.month, schema.month_measure.c.measure).where(
            schema.month_measure.c.month.in_(list(coverage))
        )
    )
    for month, measure in rows:
        coverage[month].add(measure)
    return coverage


def _read_month_facts(conn: Connection, months: list[str]) -> pd.DataFrame:
    f = schema.fact.c
    result = conn.execute(
        select(
            f.month,
            f.department_code.label("department"),
            f.poste_code.label("poste"),
            f.job_offers,
            f.trainings,
        ).where(f.month.in_(months))
    )
    frame = pd.DataFrame([tuple(row) for row in result], columns=list(result.keys()))
    for measure in schema.MEASURES:
        frame[measure] = frame[measure].astype("Int64")
    return frame


def _read_month_online(conn: Connection, months: list[str]) -> pd.DataFrame:
    o = schema.online_training.c
    result = conn.execute(
        select(o.month, o.poste_code.label("poste"), o.trainings).where(o.month.in_(months))
    )
    frame = pd.DataFrame([tuple(row) for row in result], columns=list(result.keys()))
    frame["trainings"] = frame["trainings"].astype("Int64")
    return frame


def _merge_measures(
    existing: pd.DataFrame, incoming: pd.DataFrame, measures: tuple[str, ...]
) -> pd.DataFrame:
    keys = ["month", "department", "poste"]
    kept = [m for m in schema.MEASURES if m not in measures]
    old = existing[keys + kept]
    new = incoming[keys + list(measures)]
    merged = old.merge(new, on=keys, how="outer")
    for measure in schema.MEASURES:
        merged[measure] = merged[measure].astype("Int64")
    has_value = merged[list(schema.MEASURES)].notna().any(axis=1)
    return merged.loc[has_value, keys + list(schema.MEASURES)].reset_index(drop=True)


def apply_snapshot(engine: Engine, snapshot: Snapshot, ref: ReferenceData) -> ImportResult:
    """Replace, for each month and measure the file covers, the stored figures by the file's.

    Runs in one transaction: readers keep seeing the previous figures until it commits, and a
    failure or a killed process leaves the months exactly as they were.
    """
    months = list(snapshot.months)
    measures = snapshot.measures
    with engine.begin() as conn:
        mm = schema.month_measure.c

        def clear_coverage() -> None:
            conn.execute(
                delete(schema.month_measure).where(mm.month.in_(months), mm.measure.in_(measures))
            )

        _take_import_lock(conn, clear_coverage)
        already = (
            conn.execute(
                select(func.count())
                .select_from(schema.import_log)
                .where(schema.import_log.c.sha256 == snapshot.sha256)
            ).scalar_one()
            > 0
        )
        coverage = _coverage(conn, months)
        for month in months:
            coverage[month].update(measures)

        existing = _read_month_facts(conn, months)
        merged = _merge_measures(existing, snapshot.rows, measures)
        conn.execute(delete(schema.fact).where(schema.fact.c.month.in_(months)))
        _bulk_insert(
            conn,
            schema.fact,
            merged.rename(columns={"department": "department_code", "poste": "poste_code"}),
        )
        if "trainings" in measures:
            conn.execute(
                delete(schema.online_training).where(schema.online_training.c.month.in_(months))
            )
            _bulk_insert(
                conn,
                schema.online_training,
                snapshot.online.rename(columns={"poste": "poste_code"}),
            )
        online = _read_month_online(conn, months)
        _bulk_insert(
            conn,
            schema.month_measure,
            pd.DataFrame([{"month": m, "measure": x} for m in months for x in measures]),
        )
        conn.execute(delete(schema.rollup).where(schema.rollup.c.month.in_(months)))
        rollup = compute_rollup(merged, online, coverage, ref.job_map, ref.departements)
        _bulk_insert(conn, schema.rollup, rollup)
        conn.execute(
            insert(schema.import_log).values(
                file_name=snapshot.file_name,
                sha256=snapshot.sha256,
                months=",".join(months),
                measures=",".join(measures),
                row_count=snapshot.row_count,
                imported_at=datetime.now(UTC),
            )
        )
    return ImportResult(snapshot.file_name, tuple(months), measures, snapshot.row_count, already)
