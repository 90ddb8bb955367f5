"""Import speed: one monthly file, and one 10-year file through ``python -m data_access import``.

Default run (SQLite in a temporary directory; PostgreSQL too with ``--postgres-url``, a server URL
whose role may create databases: scratch databases are created and dropped):

* one month: a snapshot of ~11,000 rows (both measures) for a month after the demo history,
  validated and applied with its rollups refreshed into a database holding the demo history;
  median over ``--runs`` (3) new months imported one after the other (2025-01, 2025-02…), then
  the last one imported again (its figures replaced, as when a partner resends a month);
* 10-year file: the synthetic history 2015-01 → 2024-12 written as one CSV (≈ 1.31 M rows, as a
  partner would send it), imported by ``python -m data_access import FILE`` in a subprocess into an
  empty, initialised database; the command's wall time and the time it prints for the file.

    python -m bench.import_speed
    python -m bench.import_speed --postgres-url postgresql+psycopg://u:p@host/postgres

Modes kept for ``bench/run_all.sh``: ``--database-url URL`` imports the months into that
database (seeding the demo history if it is empty; months it already holds are re-imports);
``--backfill --database-url URL`` applies the 10-year demo history as one snapshot, without a
file (COPY on PostgreSQL).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from data_access.cli import validation_context
from data_access.db import make_engine
from data_access.demo import generate_demo_history, month_index, month_text
from data_access.importer import ValidationContext, read_snapshot_file
from data_access.reference import ReferenceData, load_reference
from data_access.seed import demo_snapshot
from data_access.store import apply_snapshot, database_has_facts, ensure_schema

TARGET_MONTH_S = 0.5
TARGET_FILE_S = 20.0
TARGET_BACKFILL_S = 60.0
TEN_YEARS = ("2015-01", "2024-12")
REPO_ROOT = Path(__file__).resolve().parents[1]
# What ``python -m data_access import`` prints for a file it imported.
_IMPORTED_RE = re.compile(r"^IMPORTED .*: (\d+) rows, .* in ([0-9.]+) s", re.MULTILINE)
# Column names as French spreadsheets export them (the importer maps them back).
_FRENCH_HEADER = {
    "month": "mois",
    "department": "departement",
    "poste": "poste",
    "job_offers": "offres",
    "trainings": "formations",
}


def history_file(path: Path, first_month: str, last_month: str, months: int | None = None) -> Path:
    """The demo generator's figures as one ``;`` CSV with a French header, online rows included.

    ``months`` keeps only the last months of the span: a month's figures do not depend on the
    span asked for (from 2022-10 on), so one month is generated from the demo's first month.
    """
    ref = load_reference()
    history = generate_demo_history(
        ref.job_map, ref.departements, first_month=first_month, last_month=last_month
    )
    online = history.online.assign(department="online", job_offers=pd.NA)
    frame = pd.concat([history.facts, online[history.facts.columns]], ignore_index=True)
    frame = frame.sort_values("month", kind="stable", ignore_index=True)
    if months is not None:
        frame = frame[frame["month"].isin(sorted(frame["month"].unique())[-months:])]
    frame.rename(columns=_FRENCH_HEADER).to_csv(path, sep=";", index=False, lineterminator="\n")
    return path


def month_file(directory: Path, month: str = "2025-01") -> Path:
    """A realistic monthly file: the demo generator's figures for one more month."""
    return history_file(directory / f"snapshot-{month}.csv", "2022-10", month, months=1)


@contextmanager
def scratch_postgres(server_url: str, purpose: str) -> Iterator[str]:
    """A new database on the server for one measurement, dropped afterwards."""
    name = f"genscan_bench_{purpose}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        _drop_database(admin, name)
        admin.dispose()


def _drop_database(admin: Engine, name: str, attempts: int = 10) -> None:
    """Drop a scratch database, plain and forced in turn: a role that is not superuser cannot
    force autovacuum out, which a plain drop does stop (see tests/data_access/postgres_copies)."""
    for attempt in range(attempts):
        force = " WITH (FORCE)" if attempt % 2 == 0 else ""
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"{force}'))
        except DBAPIError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.5)
        else:
            return


@contextmanager
def scratch_databases(postgres_url: str | None, purpose: str, tmp: Path) -> Iterator[list[str]]:
    """One SQLite file, plus a PostgreSQL database when a server is given."""
    if postgres_url is None:
        yield [f"sqlite:///{tmp / f'{purpose}.sqlite3'}"]
        return
    with scratch_postgres(postgres_url, purpose) as pg_url:
        yield [f"sqlite:///{tmp / f'{purpose}.sqlite3'}", pg_url]


def month_files(directory: Path, count: int) -> list[Path]:
    """Monthly files for the ``count`` months after the demo history (2025-01, 2025-02…)."""
    return [month_file(directory, month_text(month_index("2025-01") + k)) for k in range(count)]


def _timed_import(
    engine: Engine, ref: ReferenceData, rules: ValidationContext, path: Path
) -> tuple[float, float, int]:
    """Validate then apply one file: seconds for each, and its row count."""
    started = time.perf_counter()
    snapshot = read_snapshot_file(path, rules)
    validated = time.perf_counter()
    apply_snapshot(engine, snapshot, ref)
    return validated - started, time.perf_counter() - validated, snapshot.row_count


def one_month(database_url: str, files: list[Path]) -> None:
    """Median time to import a new month, one file after the other, into a database holding the
    demo history; then the time to import the last one again, which replaces its figures."""
    ref = load_reference()
    engine = make_engine(database_url)
    ensure_schema(engine, ref)
    if not database_has_facts(engine):
        apply_snapshot(engine, demo_snapshot(ref), ref)
    rules = validation_context(engine)
    runs = [_timed_import(engine, ref, rules, path) for path in files]
    validate, apply, rows = (list(column) for column in zip(*runs, strict=True))
    again = sum(_timed_import(engine, ref, rules, files[-1])[:2])
    total = [v + a for v, a in zip(validate, apply, strict=True)]
    print(
        f"one month ({rows[0]} rows) on {engine.dialect.name}: "
        f"median {statistics.median(total):.2f} s "
        f"(validation {statistics.median(validate):.2f} s, "
        f"write + rollups {statistics.median(apply):.2f} s) over {len(files)} new months; "
        f"the same month imported again: {again:.2f} s; target ≤ {TARGET_MONTH_S} s; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    engine.dispose()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _data_cli(database_url: str, *args: str) -> tuple[float, float, str]:
    """Run ``python -m data_access ARGS`` on a database: its wall time, its CPU time (a steadier
    figure on a shared machine; the database server's own is not in it) and its output."""
    env = {"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"}
    cpu = _children_cpu()
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "data_access", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"python -m data_access {' '.join(args)}: {result.stderr}")
    return elapsed, _children_cpu() - cpu, result.stdout


def file_import(database_url: str, path: Path) -> None:
    """``python -m data_access import FILE`` into an empty, initialised database."""
    _data_cli(database_url, "init-db")
    wall, cpu, out = _data_cli(database_url, "import", str(path))
    match = _IMPORTED_RE.search(out)
    if match is None:
        raise RuntimeError(f"unexpected output: {out}")
    backend = make_url(database_url).get_backend_name()
    print(
        f"10-year file ({int(match.group(1)):,} rows, 120 months) on {backend}: "
        f"{wall:.1f} s for the command, CPU {cpu:.1f} s ({float(match.group(2)):.1f} s for the "
        f"file as it reports: read, validate, write facts and rollups); "
        f"target ≤ {TARGET_FILE_S:.0f} s; load average {os.getloadavg()[0]:.1f}"
    )


def backfill(database_url: str) -> None:
    """The 10-year demo history applied as one snapshot, without a file to validate."""
    ref = load_reference()
    engine = make_engine(database_url)
    ensure_schema(engine, ref)
    started = time.perf_counter()
    snapshot = demo_snapshot(ref, first_month=TEN_YEARS[0], last_month=TEN_YEARS[1])
    generated = time.perf_counter()
    apply_snapshot(engine, snapshot, ref)
    done = time.perf_counter()
    print(
        f"10-year backfill ({len(snapshot.rows)} fact rows, 120 months) on {engine.dialect.name}: "
        f"{done - generated:.1f} s to write facts and rollups "
        f"(+ {generated - started:.1f} s to generate); target ≤ {TARGET_BACKFILL_S:.0f} s"
    )
    engine.dispose()


def suite(postgres_url: str | None, runs: int) -> None:
    """One month, then the 10-year file, on SQLite and (when given) PostgreSQL."""
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        months = month_files(tmp, runs)
        with scratch_databases(postgres_url, "month", tmp) as urls:
            for url in urls:
                one_month(url, months)
        ten_years = history_file(tmp / "ten-years.csv", *TEN_YEARS)
        with scratch_databases(postgres_url, "file", tmp) as urls:
            for url in urls:
                file_import(url, ten_years)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres-url", help="PostgreSQL server URL (may create databases)")
    parser.add_argument("--runs", type=int, default=3, help="new months imported (median)")
    parser.add_argument("--database-url", help="only the month, into this database")
    parser.add_argument("--backfill", action="store_true", help="load 10 years into an empty DB")
    args = parser.parse_args()
    if args.backfill and not args.database_url:
        parser.error("--backfill needs --database-url")
    if args.backfill:
        backfill(args.database_url)
    elif args.database_url:
        with tempfile.TemporaryDirectory() as tmp:
            one_month(args.database_url, month_files(Path(tmp), args.runs))
    else:
        suite(args.postgres_url, args.runs)


if __name__ == "__main__":
    main()
