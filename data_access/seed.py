"""Turn the generated demo history into a snapshot, so it goes through the import path."""

from __future__ import annotations

import hashlib
import time

import pandas as pd
from sqlalchemy import Engine

from data_access import import_runs
from data_access.demo import DEMO_FIRST_MONTH, DEMO_LAST_MONTH, DEMO_SEED, generate_demo_history
from data_access.importer import Snapshot
from data_access.reference import ReferenceData
from data_access.store import apply_snapshot

DEMO_FILE_PREFIX = "demo-history"


def demo_snapshot(
    ref: ReferenceData,
    seed: int = DEMO_SEED,
    first_month: str | None = None,
    last_month: str | None = None,
) -> Snapshot:
    """The demo history as one snapshot covering both measures of every demo month.

    A longer span than the default (for benchmarks of a 10-year history) extends the same
    generator backwards and forwards.
    """
    history = generate_demo_history(
        ref.job_map,
        ref.departements,
        seed=seed,
        first_month=first_month or DEMO_FIRST_MONTH,
        last_month=last_month or DEMO_LAST_MONTH,
    )
    rows = history.facts[["month", "department", "poste", "job_offers", "trainings"]].copy()
    online = history.online[["month", "poste", "trainings"]].copy()
    for frame, measures in ((rows, ("job_offers", "trainings")), (online, ("trainings",))):
        for measure in measures:
            frame[measure] = frame[measure].astype("Int64")
    digest = hashlib.sha256(
        pd.util.hash_pandas_object(rows, index=False).to_numpy().tobytes()
        + pd.util.hash_pandas_object(online, index=False).to_numpy().tobytes()
    ).hexdigest()
    return Snapshot(
        file_name=f"{DEMO_FILE_PREFIX} (seed {seed})",
        sha256=digest,
        measures=("job_offers", "trainings"),
        months=tuple(sorted(rows["month"].unique())),
        rows=rows.reset_index(drop=True),
        online=online.reset_index(drop=True),
        row_count=len(rows) + len(online),
    )


def seed_demo(
    engine: Engine,
    ref: ReferenceData,
    seed: int = DEMO_SEED,
    months: tuple[str | None, str | None] = (None, None),
) -> tuple[Snapshot, float]:
    """Generate and import the demo history, recorded as an import run like any other (the
    first ``make run`` does it, as does ``seed-demo``); the snapshot and the seconds it took."""
    started = time.perf_counter()
    snapshot = demo_snapshot(ref, seed=seed, first_month=months[0], last_month=months[1])
    apply_snapshot(engine, snapshot, ref)
    elapsed = time.perf_counter() - started
    import_runs.record(engine, snapshot.file_name, "imported", elapsed, snapshot.row_count)
    return snapshot, elapsed
