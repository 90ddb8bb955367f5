"""Import speed: one month into an existing history, and a 10-year backfill.

* one month: a snapshot of ~11,000 rows (both measures) for a month after the demo history,
  validated and applied with its rollups refreshed, on a copy of the demo database;
* backfill: the synthetic 10-year history (2015-01 → 2024-12, ≈ 1.3 M fact rows) loaded into an
  empty database in one transaction (COPY on PostgreSQL).

    python -m bench.import_speed --database-url sqlite:////tmp/bench.sqlite3
    python -m bench.import_speed --backfill --database-url postgresql+psycopg://u:p@host/db
"""

from __future__ import annotations

import argparse
import csv
import io
import statistics
import tempfile
import time
from pathlib import Path

from data_access.cli import validation_context
from data_access.db import make_engine
from data_access.demo import generate_demo_history
from data_access.importer import read_snapshot_file
from data_access.reference import load_reference
from data_access.seed import demo_snapshot
from data_access.store import apply_snapshot, database_has_facts, ensure_schema

TARGET_MONTH_S = 2.0
TARGET_BACKFILL_S = 60.0


def month_file(directory: Path, month: str = "2025-01") -> Path:
    """A realistic monthly file: the demo generator's figures for one more month."""
    ref = load_reference()
    history = generate_demo_history(
        ref.job_map, ref.departements, first_month="2022-10", last_month=month
    )
    facts = history.facts[history.facts["month"] == month]
    online = history.online[history.online["month"] == month]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(["mois", "departement", "poste", "offres", "formations"])
    for row in facts.itertuples():
        writer.writerow([month, row.department, row.poste, row.job_offers, row.trainings])
    for row in online.itertuples():
        writer.writerow([month, "online", row.poste, "", row.trainings])
    path = directory / f"snapshot-{month}.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def one_month(database_url: str, runs: int) -> None:
    ref = load_reference()
    engine = make_engine(database_url)
    ensure_schema(engine, ref)
    if not database_has_facts(engine):
        apply_snapshot(engine, demo_snapshot(ref), ref)
    rules = validation_context(engine)
    with tempfile.TemporaryDirectory() as tmp:
        path = month_file(Path(tmp))
        validate, apply = [], []
        for _ in range(runs):
            started = time.perf_counter()
            snapshot = read_snapshot_file(path, rules)
            validated = time.perf_counter()
            apply_snapshot(engine, snapshot, ref)
            validate.append(validated - started)
            apply.append(time.perf_counter() - validated)
    total = [v + a for v, a in zip(validate, apply, strict=True)]
    print(
        f"one month ({snapshot.row_count} rows) on {engine.dialect.name}: "
        f"median {statistics.median(total):.2f} s "
        f"(validation {statistics.median(validate):.2f} s, "
        f"write + rollups {statistics.median(apply):.2f} s), runs={runs}; "
        f"target ≤ {TARGET_MONTH_S:.0f} s"
    )
    engine.dispose()


def backfill(database_url: str) -> None:
    ref = load_reference()
    engine = make_engine(database_url)
    ensure_schema(engine, ref)
    started = time.perf_counter()
    snapshot = demo_snapshot(ref, first_month="2015-01", last_month="2024-12")
    generated = time.perf_counter()
    apply_snapshot(engine, snapshot, ref)
    done = time.perf_counter()
    print(
        f"10-year backfill ({len(snapshot.rows)} fact rows, 120 months) on {engine.dialect.name}: "
        f"{done - generated:.1f} s to write facts and rollups "
        f"(+ {generated - started:.1f} s to generate); target ≤ {TARGET_BACKFILL_S:.0f} s"
    )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--backfill", action="store_true", help="load 10 years into an empty DB")
    args = parser.parse_args()
    if args.backfill:
        backfill(args.database_url)
    else:
        one_month(args.database_url, args.runs)


if __name__ == "__main__":
    main()
