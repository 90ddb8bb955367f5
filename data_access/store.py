"""Writing to the database: reference data, snapshot application, rollup refresh, demo seed.

Each snapshot is applied in a single transaction that holds the import lock for its whole
duration, so a killed process or a concurrent import can never leave a month half-replaced.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionArray
from sqlalchemy import (
    Connection,
    Engine,
    ForeignKeyConstraint,
    Index,
    Integer,
    Table,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import AddConstraint, CreateIndex, DropConstraint, DropIndex

from data_access import schema, vintages
from data_access.db import is_sqlite, migrate
from data_access.importer import Snapshot
from data_access.reference import ReferenceData
from data_access.rollup import rollup_columns

IMPORT_LOCK_KEY = 720_230_001  # arbitrary, constant: the PostgreSQL advisory lock of imports
INSERT_CHUNK = 20_000
COPY_CHUNK = 200_000
# Up to a year re-sent is compared with what is stored, to rewrite only what changed.
COMPARED_MONTHS = 12
T = TypeVar("T")


@dataclass(frozen=True)
class ImportResult:
    """What an applied snapshot changed, for the command line's report."""

    file_name: str
    months: tuple[str, ...]
    measures: tuple[str, ...]
    row_count: int
    already_imported: bool


def _python_list(values: np.ndarray | ExtensionArray) -> list[Any]:
    """Plain Python values, None where missing: what the drivers bind."""
    if isinstance(values, np.ndarray) and values.dtype == object:
        return values.tolist()
    return pd.array(values, copy=False).to_numpy(dtype=object, na_value=None).tolist()


def _csv_field(value: Any) -> str:
    """One value as a field of COPY's CSV format, where an empty unquoted field is NULL."""
    if value is None:
        return ""
    text = str(value)
    if text == "" or any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_fields(values: list[Any], integer: bool) -> list[str]:
    """A column as CSV fields; each distinct text is formatted once (codes repeat a lot)."""
    if integer:  # counts are never quoted
        return ["" if v is None else str(v) for v in values]
    fields = {v: _csv_field(v) for v in set(values)}
    if all(type(v) is str and fields[v] == v for v in fields):
        return values
    return [fields[v] for v in values]


def _driver_connection(conn: Connection) -> Any:
    """The driver's own connection (psycopg's, sqlite3's) under ``conn``, for the bulk paths
    SQLAlchemy has no API for. It is optional because an invalidated connection has none:
    that case is named here rather than surfacing as an error about ``None.cursor``."""
    driver = conn.connection.driver_connection
    if driver is None:
        raise RuntimeError("the database connection was invalidated")
    return driver


def _copy(conn: Connection, table: Table, columns: Mapping[str, list[Any]], length: int) -> None:
    """COPY rows given column by column as CSV text, block by block.

    Each block is formatted from plain lists while the server still ingests the previous one,
    on the caller's connection and inside its transaction.
    """
    integer = [isinstance(table.c[name].type, Integer) for name in columns]
    driver = _driver_connection(conn)
    sql = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)"
    with driver.cursor() as cursor, cursor.copy(sql) as copy:
        for start in range(0, length, COPY_CHUNK):
            fields = [
                _csv_fields(values[start : start + COPY_CHUNK], is_integer)
                for values, is_integer in zip(columns.values(), integer, strict=True)
            ]
            copy.write("\n".join(map(",".join, zip(*fields, strict=True))) + "\n")


def _insert_columns(conn: Connection, table: Table, columns: Mapping[str, list[Any]]) -> None:
    """Insert rows given column by column (named as the table's), at bulk speed.

    PostgreSQL gets COPY, SQLite one prepared ``executemany`` fed row by row from the columns:
    both run inside the caller's transaction, on the same connection.
    """
    length = len(next(iter(columns.values()), []))
    if length == 0:
        return
    if conn.dialect.name == "postgresql":
        _copy(conn, table, columns, length)
        return
    names = ", ".join(columns)
    rows = zip(*columns.values(), strict=True)
    if conn.dialect.name == "sqlite":
        placeholders = ", ".join("?" for _ in columns)
        # Straight to the driver, rows zipped as it binds them: no list of a million tuples.
        cursor = _driver_connection(conn).cursor()
        try:
            cursor.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({placeholders})", rows)
        finally:
            cursor.close()
        return
    records = [dict(zip(columns, row, strict=True)) for row in rows]
    for start in range(0, len(records), INSERT_CHUNK):
        conn.execute(insert(table), records[start : start + INSERT_CHUNK])


def _bulk_insert(conn: Connection, table: Table, frame: pd.DataFrame) -> None:
    """Insert a frame whose columns are named as the table's (see ``_insert_columns``)."""
    _insert_columns(conn, table, {c: _python_list(frame[c].array) for c in frame.columns})


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


def _take_import_lock(conn: Connection, first_write: Callable[[], T]) -> T:
    if is_sqlite(conn.engine):
        # The first write takes SQLite's single writer lock (waiting up to busy_timeout), so a
        # concurrent import waits here before it has read anything.
        return first_write()
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK_KEY})
    return first_write()


def _read_month_facts(conn: Connection, months: list[str]) -> pd.DataFrame:
    return vintages.current_facts(conn, months).astype(dict.fromkeys(schema.MEASURES, "Int64"))


def _read_month_online(conn: Connection, months: list[str]) -> pd.DataFrame:
    return vintages.current_online(conn, months).astype({"trainings": "Int64"})


def _merge_measures(
    existing: pd.DataFrame | None, incoming: pd.DataFrame, measures: tuple[str, ...]
) -> pd.DataFrame:
    """The months' facts once the file's measures replace theirs, in primary-key order.

    ``existing`` (the stored facts of the months) only matters for a measure the file does not
    carry; without one, the file's rows are the whole truth and no merge is needed.
    """
    keys = ["month", "department", "poste"]
    kept = [m for m in schema.MEASURES if m not in measures]
    if existing is None or not kept or existing.empty:
        merged = incoming[keys].copy()
        for measure in schema.MEASURES:
            merged[measure] = (
                incoming[measure].astype("Int64")
                if measure in measures
                else pd.array([pd.NA] * len(merged), dtype="Int64")
            )
        merged = merged.sort_values(keys, ignore_index=True)
    else:
        old = existing[keys + kept]
        new = incoming[keys + list(measures)]
        merged = old.merge(new, on=keys, how="outer")  # an outer merge sorts the keys
        for measure in schema.MEASURES:
            merged[measure] = merged[measure].astype("Int64")
    has_value = merged[list(schema.MEASURES)].notna().any(axis=1)
    return merged.loc[has_value, keys + list(schema.MEASURES)].reset_index(drop=True)


def _other_months(conn: Connection, months: list[str]) -> int:
    """How many imported months the snapshot leaves alone (every imported month has coverage)."""
    mm = schema.month_measure.c
    return conn.execute(
        select(func.count(func.distinct(mm.month))).where(mm.month.not_in(months))
    ).scalar_one()


def _rollup_indexes() -> list[Index]:
    """The rollup's secondary indexes as declared, in a fixed order (they come as a set)."""
    return sorted(schema.rollup.indexes, key=lambda index: str(index.name))


def _fact_foreign_keys() -> list[ForeignKeyConstraint]:
    """The facts' foreign keys as declared, in a fixed order (they come as a set)."""
    return sorted(schema.fact.foreign_key_constraints, key=lambda fk: str(fk.name))


@contextmanager
def _bulk_load(conn: Connection, enabled: bool) -> Iterator[None]:
    """Around the writes of a big import: drop what every row would maintain, rebuild it after.

    Building an index once from the loaded table is far cheaper than updating it for each of
    millions of rows, and on PostgreSQL a foreign key checked row by row costs more than the
    row itself. It all happens inside the import's transaction, so a failure or a kill leaves
    indexes and constraints as they were, with the figures. On SQLite, the two secondary
    indexes of ``rollup`` are rebuilt (the primary key and foreign keys cannot be dropped) and
    readers keep reading the previous figures; on PostgreSQL, the primary key and indexes of
    ``rollup`` and the foreign keys of ``fact`` are, and until commit the locks this takes
    make readers of those tables (and of ``department`` and ``poste``) wait.
    """
    if not enabled:
        yield
        return
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        for fk in _fact_foreign_keys():
            conn.execute(DropConstraint(fk))
        conn.execute(DropConstraint(schema.rollup.primary_key))
    for index in _rollup_indexes():
        conn.execute(DropIndex(index))
    yield
    if postgres:
        conn.execute(AddConstraint(schema.rollup.primary_key))
    for index in _rollup_indexes():
        conn.execute(CreateIndex(index))
    if postgres:
        # Fresh statistics let each foreign key be checked by one hash join over the table.
        conn.execute(text("ANALYZE fact"))
        for fk in _fact_foreign_keys():
            conn.execute(AddConstraint(fk))


def _stored_rows(conn: Connection, table: Table, months: list[str]) -> pd.DataFrame:
    """A table's rows of the months, counts as nullable integers."""
    result = conn.execute(select(table).where(table.c.month.in_(months)))
    frame = pd.DataFrame([tuple(row) for row in result], columns=list(result.keys()))
    for column in table.columns:
        if isinstance(column.type, Integer):
            frame[column.name] = frame[column.name].astype("Int64")
    return frame


def _difference(
    stored: pd.DataFrame, wanted: pd.DataFrame, keys: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(keys of stored rows to delete, wanted rows to insert): whatever is not already there."""
    values = [c for c in wanted.columns if c not in keys]
    both = stored.merge(wanted, on=keys, how="outer", suffixes=("_stored", ""), indicator=True)
    same = both["_merge"] == "both"
    for column in values:
        old, new = both[f"{column}_stored"], both[column]
        same &= (old == new).fillna(False) | (old.isna() & new.isna())
    stale = both.loc[~same & (both["_merge"] != "right_only"), keys]
    fresh = both.loc[~same & (both["_merge"] != "left_only"), keys + values]
    return stale, fresh


def _delete_keys(conn: Connection, table: Table, keys: pd.DataFrame) -> None:
    """Delete the rows with these primary keys: one prepared statement run for each."""
    if keys.empty:
        return
    names = list(keys.columns)
    where = [table.c[name] == bindparam(f"key_{name}") for name in names]
    rows = keys.itertuples(index=False, name=None)
    conn.execute(
        delete(table).where(*where),
        [{f"key_{n}": v for n, v in zip(names, row, strict=True)} for row in rows],
    )


def _rewrite_months(
    conn: Connection,
    table: Table,
    months: list[str],
    columns: Mapping[str, np.ndarray | ExtensionArray],
    bulk: bool,
) -> None:
    """Make ``table``'s rows of ``months`` exactly the given rows (columns named as the table's).

    A bulk load, an import of many months, or one that changes most rows (a new month) deletes
    the months and inserts every row. Otherwise only the rows that differ from the stored ones
    are deleted and inserted: importing a month again, or a corrected copy of it, rewrites only
    the cells it changes and the totals that include them, where the index and foreign-key
    upkeep of a whole month costs more than the comparison.
    """
    if not bulk and len(months) <= COMPARED_MONTHS:
        wanted = pd.DataFrame(columns)
        keys = [c.name for c in table.primary_key.columns]
        stale, fresh = _difference(_stored_rows(conn, table, months), wanted, keys)
        if len(stale) + len(fresh) <= len(wanted) // 2:
            _delete_keys(conn, table, stale)
            _bulk_insert(conn, table, fresh)
            return
    conn.execute(delete(table).where(table.c.month.in_(months)))
    _insert_columns(conn, table, {c: _python_list(v) for c, v in columns.items()})


def _frame_columns(frame: pd.DataFrame, names: Mapping[str, str]) -> dict[str, ExtensionArray]:
    """A frame's columns under the table's names."""
    return {names.get(c, c): frame[c].array for c in frame.columns}


def apply_snapshot(
    engine: Engine,
    snapshot: Snapshot,
    ref: ReferenceData,
    *,
    revert: vintages.Revert | None = None,
) -> ImportResult:
    """Replace, for each month and measure the file covers, the stored figures by the file's,
    as a new vintage that records what it replaced (``vintages``).

    Runs in one transaction: readers keep seeing the previous figures until it commits (on
    PostgreSQL a bulk load makes them wait instead), and a failure or a killed process leaves
    the months exactly as they were. An import that rewrites at least as many months as it
    leaves alone is loaded in bulk (see ``_bulk_load``); a smaller one writes only the rows that
    change (see ``_rewrite_months``). A ``revert`` applies its snapshot the same way, and also
    removes the months and measures that had not been imported before the vintage it undoes.
    """
    months = list(snapshot.months)
    measures = snapshot.measures
    uncovered = revert.uncovered if revert else frozenset()
    with engine.begin() as conn:
        mm = schema.month_measure.c

        def clear_coverage() -> None:
            conn.execute(
                delete(schema.month_measure).where(mm.month.in_(months), mm.measure.in_(measures))
            )

        kind, reverts = ("revert", revert.target.id) if revert else ("import", None)
        vintage = _take_import_lock(conn, lambda: vintages.start(conn, snapshot, kind, reverts))
        already = _seen(conn, snapshot.sha256, vintage)
        coverage = vintages.current_coverage(conn, months)
        clear_coverage()
        written = {(m, x) for m in months for x in measures} - uncovered
        covered_before = {(m, x): x in coverage[m] for m in months for x in measures}
        for month in months:
            kept = coverage[month] - set(measures)
            coverage[month] = kept | {x for x in measures if (month, x) in written}

        known_months = sorted({m for (m, _), covered in covered_before.items() if covered})
        keeps_a_measure = any(m not in measures for m in schema.MEASURES)
        existing = _read_month_facts(conn, months) if keeps_a_measure or known_months else None
        before_online = _read_month_online(conn, months) if known_months else None
        merged = _merge_measures(existing if keeps_a_measure else None, snapshot.rows, measures)
        bulk = len(months) >= _other_months(conn, months)
        with _bulk_load(conn, enabled=bulk):
            codes = {"department": "department_code", "poste": "poste_code"}
            _rewrite_months(conn, schema.fact, months, _frame_columns(merged, codes), bulk)
            if "trainings" in measures:
                online = snapshot.online
                table = schema.online_training
                _rewrite_months(conn, table, months, _frame_columns(online, codes), bulk)
            else:
                online = _read_month_online(conn, months)
            _bulk_insert(
                conn,
                schema.month_measure,
                pd.DataFrame([{"month": m, "measure": x} for m, x in sorted(written)]),
            )
            rollup = rollup_columns(merged, online, coverage, ref.job_map, ref.departements)
            _rewrite_months(conn, schema.rollup, months, rollup, bulk)
        before = (_as_float(existing), _as_float(before_online, _NO_ONLINE))
        after = (_as_float(merged), _as_float(online, _NO_ONLINE))
        changed = vintages.record(conn, vintage, covered_before, before, after)
        vintages.finish(conn, vintage, changed)
    return ImportResult(snapshot.file_name, tuple(months), measures, snapshot.row_count, already)


def _seen(conn: Connection, sha256: str, vintage: int) -> bool:
    """Whether a vintage before ``vintage`` imported the same file."""
    log = schema.import_log
    query = select(func.count()).select_from(log).where(log.c.sha256 == sha256, log.c.id < vintage)
    return conn.execute(query).scalar_one() > 0


_NO_FACTS = ["month", "department", "poste", *schema.MEASURES]
_NO_ONLINE = ["month", "poste", "trainings"]


def _as_float(frame: pd.DataFrame | None, columns: list[str] = _NO_FACTS) -> pd.DataFrame:
    """Counts as float64 (NaN where absent), the shape ``vintages`` reads; no rows for None."""
    if frame is None:
        frame = pd.DataFrame(columns=columns)
    return frame.astype({m: "float64" for m in schema.MEASURES if m in frame})


def revert_vintage(engine: Engine, vintage_id: Any, ref: ReferenceData) -> ImportResult:
    """Undo vintage ``vintage_id`` as a new vintage: the months and measures it covered get back
    the figures they had just before it. Raises ``vintages.VintageError`` for an unknown id."""
    with engine.connect() as conn:
        revert = vintages.revert_of(conn, vintages.find(conn, vintage_id))
    return apply_snapshot(engine, revert.snapshot, ref, revert=revert)
