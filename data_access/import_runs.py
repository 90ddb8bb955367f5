"""What came of each run of the import command, for ``/metrics``: outcome, rows and duration.

Imports run in the data command line, a process apart from the web workers and often on
another host, so their counts cannot live in a worker's memory. Each run is written to
``import_run`` once it is over, in a transaction of its own: a rejected or failed file still
changes no figure, and every web process reads the same counts from the database.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, case, func, insert, select
from sqlalchemy.exc import SQLAlchemyError

from data_access import schema

OUTCOMES = ("imported", "unchanged", "rejected", "failed")
# From one month (under a second) to a ten-year backfill (about 20 s) and a slow disk beyond.
DURATION_BUCKETS = (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutcomeRuns:
    """The runs that ended one way: how many, the rows their files held, their durations."""

    runs: int
    rows: int
    seconds: float
    # Runs that took at most each of ``DURATION_BUCKETS``: a Prometheus histogram's buckets.
    within: tuple[int, ...]


def record(engine: Engine, file_name: str, outcome: str, seconds: float, rows: int | None) -> None:
    """Write one run. A database that cannot take it (the likely cause of a failed run) costs
    the record, not the command: the log line of the run still says what happened."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown import outcome {outcome!r}")
    row = {
        "file_name": file_name,
        "outcome": outcome,
        "row_count": rows,
        "duration_seconds": seconds,
        "finished_at": datetime.now(UTC),
    }
    try:
        with engine.begin() as conn:
            conn.execute(insert(schema.import_run).values(row))
    except SQLAlchemyError as exc:
        logger.warning(
            "import run not recorded",
            extra={"file": file_name, "outcome": outcome, "cause": type(exc).__name__},
        )


def by_outcome(conn: Connection) -> dict[str, OutcomeRuns]:
    """Every outcome (those with no run too), read in one grouped query."""
    run = schema.import_run.c
    buckets = [func.sum(case((run.duration_seconds <= le, 1), else_=0)) for le in DURATION_BUCKETS]
    result = conn.execute(
        select(
            run.outcome,
            func.count(),
            func.sum(run.row_count),
            func.sum(run.duration_seconds),
            *buckets,
        ).group_by(run.outcome)
    )
    found = {
        outcome: OutcomeRuns(runs, int(rows or 0), float(seconds), tuple(map(int, within)))
        for outcome, runs, rows, seconds, *within in result
    }
    empty = OutcomeRuns(0, 0, 0.0, (0,) * len(DURATION_BUCKETS))
    return {outcome: found.get(outcome, empty) for outcome in OUTCOMES}
