"""Vintages: every import and every revert, and the figures exactly as they stood after each.

The current figures stay in their own tables (``fact``, ``online_training``, ``month_measure``),
which the page and the API read at full speed. Each vintage also records what it replaced
(``cell_undo``, ``coverage_undo``): the earlier value of every cell it changed in a month and
measure already imported, and whether each month and measure it wrote had been imported. The
figures as of vintage ``v`` are the current ones with, for each cell and each month and measure,
what the first later vintage to touch it replaced. So storage grows with what changed, and an
import of new months, the usual case, writes no cell history at all.

A cell is one value: a month, a measure, a département (or ``online``) and a poste.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, func, insert, select, update

from data_access import schema
from data_access.importer import ONLINE, Snapshot

CELL_KEYS = ["month", "measure", "department", "poste"]
FACT_KEYS = ["month", "department", "poste"]
KINDS = ("import", "revert")
UNDO_CHUNK = 20_000


class VintageError(ValueError):
    """A vintage id that names no vintage, or one whose figures cannot be rebuilt."""


@dataclass(frozen=True)
class Vintage:
    """One import or revert, as ``GET /api/v1/vintages`` and ``history`` show it."""

    id: int
    created_at: datetime
    kind: str
    file_name: str
    sha256: str
    months: tuple[str, ...]
    measures: tuple[str, ...]
    rows: int
    changed_cells: int | None  # None: imported before vintages kept their history
    reverts: int | None

    def to_json(self) -> dict[str, Any]:
        created = self.created_at
        if created.tzinfo is None:  # SQLite hands back naive datetimes, stored in UTC
            created = created.replace(tzinfo=UTC)
        return {
            "id": self.id,
            "created_at": created.isoformat(),
            "kind": self.kind,
            "file_name": self.file_name,
            "sha256": self.sha256,
            "months": list(self.months),
            "measures": list(self.measures),
            "rows": self.rows,
            "changed_cells": self.changed_cells,
            "reverts": self.reverts,
        }


def _split(text: str) -> tuple[str, ...]:
    return tuple(part for part in text.split(",") if part)


def vintages(conn: Connection) -> list[Vintage]:
    """Every vintage, oldest first."""
    log = schema.import_log.c
    rows = conn.execute(select(schema.import_log).order_by(log.id))
    return [
        Vintage(
            id=row.id,
            created_at=row.imported_at,
            kind=row.kind,
            file_name=row.file_name,
            sha256=row.sha256,
            months=_split(row.months),
            measures=_split(row.measures),
            rows=row.row_count,
            changed_cells=row.changed_cells,
            reverts=row.reverts,
        )
        for row in rows
    ]


def find(conn: Connection, vintage_id: Any) -> Vintage:
    """The vintage of an id given on a command line or in a URL, or a clear refusal."""
    try:
        wanted = int(str(vintage_id), 10)
    except ValueError:
        shown = str(vintage_id)[:40]
        raise VintageError(f"vintage must be a whole number, got {shown!r}") from None
    for vintage in vintages(conn):
        if vintage.id == wanted:
            return vintage
    raise VintageError(f"no vintage {wanted}; `python -m data_access history` lists them")


# -- recording --------------------------------------------------------------------------------
def start(conn: Connection, snapshot: Snapshot, kind: str, reverts: int | None = None) -> int:
    """Open the vintage of ``snapshot`` in the import's transaction; its id."""
    result = conn.execute(
        insert(schema.import_log).values(
            file_name=snapshot.file_name,
            sha256=snapshot.sha256,
            months=",".join(snapshot.months),
            measures=",".join(snapshot.measures),
            row_count=snapshot.row_count,
            imported_at=datetime.now(UTC),
            kind=kind,
            reverts=reverts,
        )
    )
    key = result.inserted_primary_key
    if key is None:  # SQLAlchemy gives none only for statements that insert no single row
        raise RuntimeError("the import log row was inserted without a primary key")
    return int(key[0])


def cells(
    facts: pd.DataFrame, online: pd.DataFrame, pairs: Iterable[tuple[str, str]]
) -> pd.DataFrame:
    """The cells with a value in the given (month, measure) pairs, one row each."""
    pairs = set(pairs)
    parts = []
    for measure in schema.MEASURES:
        months = [m for m, x in pairs if x == measure]
        if not months:
            continue
        part = facts.loc[facts["month"].isin(months) & facts[measure].notna(), FACT_KEYS]
        parts.append(part.assign(measure=measure, value=facts.loc[part.index, measure]))
        if measure == "trainings":
            extra = online.loc[online["month"].isin(months) & online["trainings"].notna()]
            parts.append(
                pd.DataFrame(
                    {
                        "month": extra["month"],
                        "department": ONLINE,
                        "poste": extra["poste"],
                        "measure": measure,
                        "value": extra["trainings"],
                    }
                )
            )
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in CELL_KEYS} | {"value": []})
    frame = pd.concat(parts, ignore_index=True)[[*CELL_KEYS, "value"]]
    return frame.assign(value=pd.to_numeric(frame["value"]).astype("float64"))


def record(
    conn: Connection,
    vintage_id: int,
    covered_before: dict[tuple[str, str], bool],
    before: tuple[pd.DataFrame, pd.DataFrame],
    after: tuple[pd.DataFrame, pd.DataFrame],
) -> int:
    """Write what vintage ``vintage_id`` replaces in the (month, measure) pairs it writes, and
    return how many cells it changes.

    ``covered_before`` says, for each pair it writes, whether it had been imported; ``before``
    and ``after`` are the facts and online trainings of its months (``before`` is read only
    for the pairs already imported, so an import of new months compares nothing).
    """
    _insert(
        conn,
        schema.coverage_undo,
        [
            {"vintage_id": vintage_id, "month": m, "measure": x, "covered": covered}
            for (m, x), covered in sorted(covered_before.items())
        ],
    )
    known = {pair for pair, covered in covered_before.items() if covered}
    changed = _changed(cells(*before, known), cells(*after, known)) if known else None
    if changed is not None:
        _insert(conn, schema.cell_undo, _undo_rows(vintage_id, changed))
    new_pairs = {pair for pair, covered in covered_before.items() if not covered}
    return (0 if changed is None else len(changed)) + _count(*after, new_pairs)


def _undo_rows(vintage_id: int, changed: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {
            "vintage_id": vintage_id,
            "month": month,
            "measure": measure,
            "department_code": department,
            "poste_code": poste,
            "value": None if np.isnan(value) else int(value),
        }
        for month, measure, department, poste, value in changed.itertuples(index=False, name=None)
    ]


def _count(facts: pd.DataFrame, online: pd.DataFrame, pairs: set[tuple[str, str]]) -> int:
    """How many cells have a value in the given (month, measure) pairs."""
    total = 0
    for measure in schema.MEASURES:
        months = [m for m, x in pairs if x == measure]
        if months:
            total += int(facts.loc[facts["month"].isin(months), measure].notna().sum())
            if measure == "trainings":
                total += int(online.loc[online["month"].isin(months), "trainings"].notna().sum())
    return total


def finish(conn: Connection, vintage_id: int, changed_cells: int) -> None:
    log = schema.import_log
    conn.execute(update(log).where(log.c.id == vintage_id).values(changed_cells=changed_cells))


def _within(frame: pd.DataFrame, pairs: set[tuple[str, str]]) -> pd.DataFrame:
    if frame.empty or not pairs:
        return frame.iloc[0:0]
    keys = pd.MultiIndex.from_frame(frame[["month", "measure"]])
    return frame[keys.isin(list(pairs))]


def _changed(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """The cells whose value differs, with their value before (NaN: none)."""
    both = before.merge(after, on=CELL_KEYS, how="outer", suffixes=("", "_after"))
    old, new = both["value"], both["value_after"]
    same = (old == new) | (old.isna() & new.isna())
    return both.loc[~same, [*CELL_KEYS, "value"]]


def _insert(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    for start_at in range(0, len(rows), UNDO_CHUNK):
        conn.execute(insert(table), rows[start_at : start_at + UNDO_CHUNK])


# -- the figures as of a vintage ---------------------------------------------------------------
@dataclass(frozen=True)
class AsOf:
    """The imported figures as they stood right after one vintage, read a few months at a time
    (ten years of cells at once would take a gigabyte for a moment) through the connection it
    was opened with, shaped as the tables are read (counts as float64, NaN where absent)."""

    conn: Connection
    vintage: int
    coverage: dict[str, set[str]]  # month → measures imported
    undone: pd.DataFrame  # per cell, what the first later vintage to change it replaced
    fresh: pd.DataFrame  # per month and measure, the first later vintage importing it anew

    def of_months(self, months: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The facts and online trainings of some months: the current rows, with the cells a
        later vintage changed given back their earlier value."""
        facts = current_facts(self.conn, months)
        online = current_online(self.conn, months)
        undone = self.undone[self.undone["month"].isin(months)]
        fresh = self.fresh[self.fresh["month"].isin(months)]
        if not (undone.empty and fresh.empty):
            every = {(m, x) for m in months for x in schema.MEASURES}
            facts, online = _wide(_apply_undo(cells(facts, online, every), undone, fresh))
        return _covered_only(facts, online, self.coverage)


def current_id(conn: Connection) -> int:
    return int(conn.execute(select(func.max(schema.import_log.c.id))).scalar() or 0)


def as_of(conn: Connection, vintage_id: int) -> AsOf:
    """The figures right after vintage ``vintage_id`` (0: before any), rebuilt from the current
    tables and what each later vintage replaced."""
    later = [v for v in vintages(conn) if v.id > vintage_id]
    if any(v.changed_cells is None for v in later):
        raise VintageError(
            f"the figures of vintage {vintage_id} cannot be rebuilt: a later vintage was "
            "imported before vintages kept their history"
        )
    undone = _first_later(conn, schema.cell_undo, vintage_id, CELL_KEYS, "department_code")
    undone = undone.assign(value=pd.to_numeric(undone["value"]).astype("float64"))
    return AsOf(
        conn, vintage_id, _coverage_as_of(conn, vintage_id), undone, _fresh(conn, vintage_id)
    )


def _fresh(conn: Connection, vintage_id: int) -> pd.DataFrame:
    """Per month and measure, the first vintage after ``vintage_id`` that imported it while it
    was not imported (its cells had no value before it): month, measure, fresh_at."""
    c = schema.coverage_undo.c
    query = (
        select(c.month, c.measure, func.min(c.vintage_id))
        .where(c.vintage_id > vintage_id, c.covered.is_(False))
        .group_by(c.month, c.measure)
    )
    rows = list(map(tuple, conn.execute(query)))
    return pd.DataFrame(rows, columns=["month", "measure", "fresh_at"]).astype(
        {"fresh_at": "float64"}
    )


def _covered_only(
    facts: pd.DataFrame, online: pd.DataFrame, coverage: dict[str, set[str]]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows with each measure blank in the months it was not imported for."""
    facts = facts.copy()
    for measure in schema.MEASURES:
        missing = [m for m in facts["month"].unique() if measure not in coverage.get(m, set())]
        facts.loc[facts["month"].isin(missing), measure] = np.nan
    facts = facts[facts[list(schema.MEASURES)].notna().any(axis=1)].reset_index(drop=True)
    trained = [m for m, measures in coverage.items() if "trainings" in measures]
    return facts, online[online["month"].isin(trained)].reset_index(drop=True)


def _pairs(coverage: dict[str, set[str]]) -> set[tuple[str, str]]:
    return {(month, measure) for month, measures in coverage.items() for measure in measures}


def current_coverage(conn: Connection, months: Iterable[str] | None = None) -> dict[str, set[str]]:
    """Month → the measures imported for it, as the current tables hold them: every month
    imported, or each of ``months`` (an empty set for one never imported), so that an import
    can tell the measures it replaces from those it adds."""
    mm = schema.month_measure.c
    query = select(mm.month, mm.measure)
    coverage: dict[str, set[str]] = {}
    if months is not None:
        coverage = {month: set() for month in months}
        query = query.where(mm.month.in_(list(coverage)))
    for month, measure in conn.execute(query):
        coverage.setdefault(month, set()).add(measure)
    return coverage


def _coverage_as_of(conn: Connection, vintage_id: int) -> dict[str, set[str]]:
    pairs = _pairs(current_coverage(conn))
    undone = _first_later(conn, schema.coverage_undo, vintage_id, ["month", "measure"], None)
    for month, measure, covered, _ in undone.itertuples(index=False, name=None):
        if covered:
            pairs.add((month, measure))
        else:
            pairs.discard((month, measure))
    coverage: dict[str, set[str]] = {}
    for month, measure in sorted(pairs):
        coverage.setdefault(month, set()).add(measure)
    return coverage


def _first_later(
    conn: Connection, table: Any, vintage_id: int, keys: list[str], department: str | None
) -> pd.DataFrame:
    """For each key, the row of the first vintage after ``vintage_id`` that wrote it."""
    c = table.c
    stored = {"department": c.department_code, "poste": c.poste_code} if department else {}
    columns = [stored[k].label(k) if k in stored else c[k] for k in keys]
    value = c.value if department else c.covered
    result = conn.execute(
        select(*columns, value, c.vintage_id)
        .where(c.vintage_id > vintage_id)
        .order_by(c.vintage_id)
    )
    frame = pd.DataFrame(list(map(tuple, result)), columns=[*keys, value.name, "vintage_id"])
    return frame.drop_duplicates(keys, keep="first")


def _apply_undo(current: pd.DataFrame, undone: pd.DataFrame, fresh: pd.DataFrame) -> pd.DataFrame:
    """The cells as they stood before the later vintages, from the current ones.

    Each cell takes the value from the first later vintage that changed it: the earlier value
    that vintage recorded (``undone``), or no value at all when that vintage imported the
    cell's month and measure anew (``fresh``: such a vintage records no cell, since nothing
    stood there before it)."""
    every = pd.concat([current[CELL_KEYS], undone[CELL_KEYS]]).drop_duplicates()
    frame = every.merge(current, on=CELL_KEYS, how="left").merge(
        undone.rename(columns={"value": "before", "vintage_id": "cell_at"}),
        on=CELL_KEYS,
        how="left",
    )
    frame = frame.merge(fresh, on=["month", "measure"], how="left")
    cell_first = frame["cell_at"].notna() & (frame["cell_at"] < frame["fresh_at"].fillna(np.inf))
    value = np.where(
        cell_first, frame["before"], np.where(frame["fresh_at"].notna(), np.nan, frame["value"])
    )
    frame = frame.assign(value=value.astype("float64"))
    return frame.loc[frame["value"].notna(), [*CELL_KEYS, "value"]].reset_index(drop=True)


def _wide(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cells back into the tables' shape: facts with both measures, online trainings."""
    online_mask = frame["department"] == ONLINE
    departmental = frame.loc[~online_mask]
    facts = departmental.pivot_table(
        index=FACT_KEYS, columns="measure", values="value", aggfunc="first"
    )
    facts = facts.reindex(columns=list(schema.MEASURES)).reset_index()
    facts.columns.name = None
    online = frame.loc[online_mask & (frame["measure"] == "trainings")]
    online = online.rename(columns={"value": "trainings"})[["month", "poste", "trainings"]]
    return (
        facts.astype(dict.fromkeys(schema.MEASURES, "float64")),
        online.reset_index(drop=True),
    )


def current_facts(conn: Connection, months: list[str]) -> pd.DataFrame:
    """The stored facts of some months (month, department, poste and both measures), counts as
    floats with NaN where missing: what the read model, the export and a past vintage read."""
    f = schema.fact.c
    query = select(
        f.month,
        f.department_code.label("department"),
        f.poste_code.label("poste"),
        f.job_offers,
        f.trainings,
    ).where(f.month.in_(months))
    return _frame(conn, query)


def current_online(conn: Connection, months: list[str]) -> pd.DataFrame:
    """The stored online trainings of some months (month, poste, trainings), as floats."""
    o = schema.online_training.c
    query = select(o.month, o.poste_code.label("poste"), o.trainings).where(o.month.in_(months))
    return _frame(conn, query)


def _frame(conn: Connection, query: Any) -> pd.DataFrame:
    result = conn.execute(query)
    frame = pd.DataFrame(list(map(tuple, result)), columns=list(result.keys()))
    for measure in schema.MEASURES:
        if measure in frame:
            frame[measure] = pd.to_numeric(frame[measure]).astype("float64")
    return frame


# -- reverting --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Revert:
    """What undoing a vintage writes: its months and measures as they stood just before it."""

    target: Vintage
    snapshot: Snapshot
    uncovered: frozenset[tuple[str, str]]  # pairs that had not been imported before it


def revert_of(conn: Connection, target: Vintage) -> Revert:
    """The revision that gives vintage ``target``'s months and measures back the figures they
    had just before it."""
    before = max((v.id for v in vintages(conn) if v.id < target.id), default=0)
    state = as_of(conn, before)
    months, measures = target.months, target.measures
    facts, online = state.of_months(list(months))
    rows = (
        facts[FACT_KEYS]
        .assign(**{m: facts[m].astype("Int64") for m in schema.MEASURES})
        .reset_index(drop=True)
    )
    online = online.assign(trainings=online["trainings"].astype("Int64"))
    uncovered = frozenset(
        (m, x) for m in months for x in measures if x not in state.coverage.get(m, set())
    )
    content = pd.concat([rows, online]).to_csv(index=False).encode("utf-8")
    snapshot = Snapshot(
        file_name=f"revert of vintage {target.id}",
        sha256=hashlib.sha256(content).hexdigest(),
        measures=measures,
        months=months,
        rows=rows,
        online=online,
        row_count=len(rows) + len(online),
    )
    return Revert(target, snapshot, uncovered)
