"""``python -m data_access``: create the database, import monthly snapshots, seed the demo."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError

from data_access import import_runs, schema, vintages
from data_access.db import make_engine
from data_access.importer import Snapshot, SnapshotRejected, ValidationContext, read_snapshot_file
from data_access.logs import configure_logging
from data_access.reference import ReferenceData, load_reference
from data_access.settings import Settings, SettingsError
from data_access.store import apply_snapshot, database_has_facts, ensure_schema, revert_vintage

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_REJECTED = 2
MAX_ISSUES_PRINTED = 50
MAX_ISSUES_LOGGED = 5

logger = logging.getLogger(__name__)


def validation_context(engine: Engine) -> ValidationContext:
    """Codes as stored in the database: a file is checked against what it will be keyed on."""
    with engine.connect() as conn:
        departments = frozenset(conn.execute(select(schema.department.c.code)).scalars())
        postes = frozenset(conn.execute(select(schema.poste.c.code)).scalars())
    return ValidationContext(departments=departments, postes=postes)


def _print_rejection(exc: SnapshotRejected, out: TextIO) -> None:
    print(f"REJECTED {exc.file}: {exc.total} problem(s); nothing was imported.", file=out)
    for issue in exc.issues[:MAX_ISSUES_PRINTED]:
        print(f"  {issue}", file=out)
    if exc.total > MAX_ISSUES_PRINTED:
        print(f"  … and {exc.total - MAX_ISSUES_PRINTED} more", file=out)


def _log_rejection(exc: SnapshotRejected, seconds: float) -> None:
    """One line for the log collector: the file, how many problems, the first few of them."""
    logger.warning(
        "import rejected",
        extra={
            "file": exc.file,
            "outcome": "rejected",
            "problems": exc.total,
            "cause": "; ".join(str(issue) for issue in exc.issues[:MAX_ISSUES_LOGGED]),
            "duration_ms": round(seconds * 1000, 1),
        },
    )


def _log_import(snapshot: Snapshot, outcome: str, seconds: float) -> None:
    logger.info(
        "import %s",
        outcome,
        extra={
            "file": snapshot.file_name,
            "outcome": outcome,
            "rows": snapshot.row_count,
            "months": list(snapshot.months),
            "measures": list(snapshot.measures),
            "duration_ms": round(seconds * 1000, 1),
        },
    )


def _summary(snapshot: Snapshot) -> str:
    months = snapshot.months
    span = months[0] if len(months) == 1 else f"{months[0]}…{months[-1]} ({len(months)} months)"
    return f"{snapshot.row_count} rows, {span}, measures: {', '.join(snapshot.measures)}"


def cmd_init_db(engine: Engine, ref: ReferenceData, out: TextIO) -> int:
    ensure_schema(engine, ref)
    print(f"Schema is up to date on {engine.url.render_as_string(hide_password=True)}", file=out)
    return EXIT_OK


def cmd_import(
    engine: Engine,
    ref: ReferenceData,
    files: Sequence[Path],
    dry_run: bool,
    out: TextIO,
    err: TextIO,
) -> int:
    ensure_schema(engine, ref)
    rules = validation_context(engine)
    statuses = [_import_file(engine, ref, rules, path, dry_run, out, err) for path in files]
    return max(statuses, default=EXIT_OK)


def _import_file(
    engine: Engine,
    ref: ReferenceData,
    rules: ValidationContext,
    path: Path,
    dry_run: bool,
    out: TextIO,
    err: TextIO,
) -> int:
    """Validate and apply one file; every run but a dry one is recorded for ``/metrics``."""
    started = time.perf_counter()

    def ended(outcome: str, rows: int | None) -> float:
        """The run's seconds, once recorded (a dry run is not)."""
        elapsed = time.perf_counter() - started
        if not dry_run:
            import_runs.record(engine, path.name, outcome, elapsed, rows)
        return elapsed

    try:
        snapshot = read_snapshot_file(path, rules)
        if dry_run:
            print(f"VALID {path}: {_summary(snapshot)} (dry run, nothing written)", file=out)
            _log_import(snapshot, "valid", time.perf_counter() - started)
            return EXIT_OK
        result = apply_snapshot(engine, snapshot, ref)
    except SnapshotRejected as exc:
        elapsed = ended("rejected", None)
        _print_rejection(exc, err)
        _log_rejection(exc, elapsed)
        return EXIT_REJECTED
    except Exception:
        ended("failed", None)
        raise
    outcome = "unchanged" if result.already_imported else "imported"
    elapsed = ended(outcome, snapshot.row_count)
    _log_import(snapshot, outcome, elapsed)
    note = " (same file as an earlier import: figures unchanged)" * result.already_imported
    print(f"IMPORTED {path}: {_summary(snapshot)} in {elapsed:.1f} s{note}", file=out)
    return EXIT_OK


def cmd_seed_demo(
    engine: Engine,
    ref: ReferenceData,
    force: bool,
    seed: int,
    out: TextIO,
    months: tuple[str | None, str | None] = (None, None),
) -> int:
    from data_access.seed import seed_demo  # numpy-heavy: only this command pays for it

    ensure_schema(engine, ref)
    if database_has_facts(engine) and not force:
        print(
            "The database already holds figures; seed-demo leaves it alone. "
            "Use --force to overwrite the demo months with the demo history.",
            file=out,
        )
        return EXIT_FAILURE
    snapshot, elapsed = seed_demo(engine, ref, seed, months)
    _log_import(snapshot, "seeded", elapsed)
    print(f"SEEDED demo history: {_summary(snapshot)} in {elapsed:.1f} s", file=out)
    return EXIT_OK


def cmd_history(engine: Engine, ref: ReferenceData, out: TextIO) -> int:
    """Every vintage, oldest first: what a note citing figures can name (``vintage=<id>``)."""
    ensure_schema(engine, ref)
    with engine.connect() as conn:
        listed = vintages.vintages(conn)
    if not listed:
        print("No vintage yet: nothing has been imported.", file=out)
    for vintage in listed:
        changed = "?" if vintage.changed_cells is None else str(vintage.changed_cells)
        undone = f" (undoes {vintage.reverts})" if vintage.reverts else ""
        span = ",".join(vintage.months[:3]) + ("…" if len(vintage.months) > 3 else "")
        print(
            f"{vintage.id:>5}  {vintage.to_json()['created_at'][:19]}  {vintage.kind:<6}"
            f"{undone}  {vintage.file_name}  months {span} ({len(vintage.months)}), "
            f"measures {','.join(vintage.measures)}, {vintage.rows} rows, "
            f"{changed} cells changed",
            file=out,
        )
    return EXIT_OK


def cmd_revert(
    engine: Engine, ref: ReferenceData, vintage_id: str, out: TextIO, err: TextIO
) -> int:
    """Undo one vintage as a new vintage; an unknown id changes nothing and exits with 2."""
    ensure_schema(engine, ref)
    started = time.perf_counter()
    try:
        result = revert_vintage(engine, vintage_id, ref)
    except vintages.VintageError as exc:
        print(f"REFUSED: {exc}; nothing was changed.", file=err)
        logger.warning("revert refused", extra={"outcome": "refused", "cause": str(exc)})
        return EXIT_REJECTED
    elapsed = time.perf_counter() - started
    with engine.connect() as conn:
        made = vintages.current_id(conn)
    logger.info(
        "revert applied",
        extra={
            "outcome": "reverted",
            "reverts": vintage_id,
            "vintage": made,
            "duration_ms": round(elapsed * 1000, 1),
        },
    )
    print(
        f"REVERTED vintage {vintage_id} as vintage {made}: months {', '.join(result.months)}, "
        f"measures {', '.join(result.measures)} in {elapsed:.1f} s",
        file=out,
    )
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m data_access",
        description="GEN_SCAN data: schema, monthly snapshot import, demo history. "
        "The database is DATABASE_URL (default: SQLite under instance/).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init-db", help="create or migrate the schema and load the reference data")
    sub.add_parser("history", help="list the vintages (every import and revert), oldest first")
    rev = sub.add_parser("revert", help="undo a vintage: its months get back their figures")
    rev.add_argument("vintage", metavar="ID", help="the vintage to undo (see history)")
    imp = sub.add_parser("import", help="import monthly snapshot files (CSV or JSON)")
    imp.add_argument("files", nargs="+", type=Path, metavar="FILE")
    imp.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
    seed = sub.add_parser("seed-demo", help="load the deterministic demo history 2022-10…2024-12")
    seed.add_argument("--force", action="store_true", help="overwrite months already present")
    seed.add_argument("--seed", type=int, default=None, help="random seed (default: fixed)")
    seed.add_argument("--from", dest="first_month", help="first month (default 2022-10)")
    seed.add_argument("--to", dest="last_month", help="last month (default 2024-12)")
    return parser


def main(
    argv: Sequence[str] | None = None,
    settings: Settings | None = None,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> int:
    """Entry point; returns the exit status (0 ok, 1 failure, 2 rejected input)."""
    args = build_parser().parse_args(argv)
    try:
        settings = settings or Settings.from_env()
    except SettingsError as exc:
        print(f"Configuration error: {exc}", file=err)
        return EXIT_FAILURE
    configure_logging(settings)
    ref = load_reference()
    engine = make_engine(settings.database_url)
    # The bulk loads talk to the driver itself, whose errors SQLAlchemy does not wrap.
    database_errors = (SQLAlchemyError, engine.dialect.loaded_dbapi.Error)
    try:
        return _run(args, engine, ref, out, err)
    except database_errors as exc:
        # The first line of the driver's own words: SQLAlchemy's message, and the lines after
        # it, carry the statement and the rows it was given, for neither terminal nor log.
        cause = str(getattr(exc, "orig", None) or exc).strip().split("\n")[0] or type(exc).__name__
        logger.error("database error", extra={"command": args.command, "cause": cause})
        print(
            f"Database error: {cause}. The command stopped; the transaction it had open, if "
            "any, was rolled back.",
            file=err,
        )
        return EXIT_FAILURE
    finally:
        engine.dispose()


def _run(
    args: argparse.Namespace, engine: Engine, ref: ReferenceData, out: TextIO, err: TextIO
) -> int:
    if args.command == "init-db":
        return cmd_init_db(engine, ref, out)
    if args.command == "import":
        return cmd_import(engine, ref, args.files, args.dry_run, out, err)
    if args.command == "history":
        return cmd_history(engine, ref, out)
    if args.command == "revert":
        return cmd_revert(engine, ref, args.vintage, out, err)
    from data_access.demo import DEMO_SEED

    seed = DEMO_SEED if args.seed is None else args.seed
    months = (args.first_month, args.last_month)
    return cmd_seed_demo(engine, ref, args.force, seed, out, months)
