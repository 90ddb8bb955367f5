"""Imports under faults: a process killed in the middle of its transaction, and two imports of the
same months at the same time, on SQLite and PostgreSQL.

The killed import runs ``python -m data_access import`` as a real subprocess and is sent SIGKILL
once it is observably inside its transaction, at two points: early, while the new facts are being
written, and late, while the read model (rollup) is being rebuilt, after facts, online trainings
and coverage have all been written. On SQLite the signal is the write lock held and the
write-ahead log grown past a size (the transaction spills its pages there as it goes); on
PostgreSQL, the import advisory lock held and the session's current statement.

The simultaneous imports run ``apply_snapshot`` from two threads, each with its own engine,
released by a barrier so that both transactions really contend for the import lock.
"""

from __future__ import annotations

import csv
import io
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.engine import make_url

from data_access import schema
from data_access.cli import main as data_cli
from data_access.cli import validation_context
from data_access.db import make_engine
from data_access.importer import Snapshot, read_snapshot_file
from data_access.reference import load_departements, load_job_map, load_reference
from data_access.settings import REPO_ROOT, Settings
from data_access.store import IMPORT_LOCK_KEY, ImportResult, apply_snapshot
from tests.conftest import database_checksum
from tests.data_access.postgres_copies import drop_copy
from tests.fixtures import FIXTURE_MONTHS

DEPARTEMENTS = list(load_departements()["code"])
POSTES = list(load_job_map()["poste_code"])
HEADER = ["month", "department", "poste", "job_offers", "trainings"]

# Twelve months ending with the fixture's four: long enough to be caught mid-transaction.
KILL_MONTHS = (*(f"2022-{m:02d}" for m in range(2, 13)), "2023-01")
# Where the transaction is when killed. On SQLite, replacing the facts of these twelve months
# fills about 13 MB of write-ahead log, deleting the old rollup rows takes it to about 26 MB and
# writing the new ones to about 60 MB; on PostgreSQL the current statement tells.
KILL_POINTS = {
    "writing_facts": (1_000_000, ("COPY fact",)),
    "rebuilding_rollup": (30_000_000, ("DELETE FROM rollup", "COPY rollup")),
}
WAL_GROWTH_BYTES = KILL_POINTS["writing_facts"][0]
START_TIMEOUT = 120.0

# -- helpers ------------------------------------------------------------------------------------

Cell = tuple[str, str, str, int | None, int | None]  # month, department, poste, offers, trainings


def write_snapshot(path: Path, rows: list[Cell], measures: tuple[str, ...] = HEADER[3:]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*HEADER[:3], *measures])
        for month, dep, poste, offers, trainings in rows:
            values = {"job_offers": offers, "trainings": trainings}
            writer.writerow(
                [month, dep, poste, *("" if values[m] is None else values[m] for m in measures)]
            )
    return path


def full_grid(months: tuple[str, ...], salt: int) -> list[Cell]:
    rows: list[Cell] = []
    for k, month in enumerate(months):
        for i, dep in enumerate(DEPARTEMENTS):
            for j, poste in enumerate(POSTES):
                rows.append((month, dep, poste, (i + 3 * j + k + salt) % 89, (i * j + salt) % 7))
        rows.extend(
            (month, "online", poste, None, (j + salt) % 5) for j, poste in enumerate(POSTES)
        )
    return rows


def start_import(database_url: str, path: Path, workdir: Path) -> subprocess.Popen[bytes]:
    """``python -m data_access import path`` as a separate process, output kept in files."""
    env = {"DATABASE_URL": database_url, "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    with (workdir / "import.out").open("wb") as out, (workdir / "import.err").open("wb") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "data_access", "import", str(path)],
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=err,
        )


def output_of(workdir: Path) -> str:
    return "".join(
        (workdir / name).read_text(errors="replace") for name in ("import.out", "import.err")
    )


def wait_for(
    condition: Callable[[], bool], process: subprocess.Popen[bytes], workdir: Path
) -> float:
    """Poll until ``condition`` holds while ``process`` still runs; return the time it took."""
    started = time.monotonic()
    while not condition():
        if process.poll() is not None:
            pytest.fail(
                f"the import ended (status {process.returncode}) before it could be caught in "
                f"its transaction; give it a bigger file:\n{output_of(workdir)}"
            )
        if time.monotonic() - started > START_TIMEOUT:
            process.kill()
            pytest.fail(f"the import never reached its transaction:\n{output_of(workdir)}")
        time.sleep(0.02)
    return time.monotonic() - started


@pytest.fixture
def pg_url(postgres_url: str, postgres_server_url: str) -> Iterator[str]:
    """``postgres_url``, dropped here first so that autovacuum cannot fail its teardown."""
    yield postgres_url
    drop_copy(postgres_server_url, postgres_url)


@pytest.fixture
def reaper() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Processes started by a test, killed if the test leaves them running."""
    processes: list[subprocess.Popen[bytes]] = []
    yield processes
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


def kill_and_reap(process: subprocess.Popen[bytes], workdir: Path) -> None:
    os.kill(process.pid, signal.SIGKILL)
    status = process.wait(timeout=30)
    assert status == -signal.SIGKILL, (
        f"the import ended by itself (status {status}) before the kill:\n{output_of(workdir)}"
    )


def checksum(url: str) -> str:
    engine = make_engine(url)
    try:
        return database_checksum(engine)
    finally:
        engine.dispose()


def small_import_succeeds(url: str, workdir: Path) -> None:
    """After the kill, the lock is free and a new import goes through."""
    path = write_snapshot(workdir / "after.csv", [("2023-01", "35", "data-analyst", 40, 4)])
    out, err = io.StringIO(), io.StringIO()
    status = data_cli(["import", str(path)], settings=Settings(database_url=url), out=out, err=err)
    assert status == 0, err.getvalue()


# -- SIGKILL in the middle of the transaction ---------------------------------------------------


def sqlite_writer_active(db_path: Path) -> bool:
    """Whether some connection holds SQLite's write lock (taking it, if free, for an instant)."""
    conn = sqlite3.connect(db_path, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:  # database is locked: a writer is inside its transaction
        return True
    else:
        conn.execute("ROLLBACK")
        return False
    finally:
        conn.close()


@pytest.mark.parametrize("point", sorted(KILL_POINTS))
def test_sigkill_in_the_middle_of_a_sqlite_import_leaves_every_month_as_before(
    sqlite_url: str, tmp_path: Path, reaper: list[subprocess.Popen[bytes]], point: str
) -> None:
    wal_bytes = KILL_POINTS[point][0]
    db_path = Path(make_url(sqlite_url).database or "")
    wal = db_path.with_name(db_path.name + "-wal")
    big = write_snapshot(tmp_path / "big.csv", full_grid(KILL_MONTHS, salt=5))
    before = checksum(sqlite_url)
    assert not wal.exists() or wal.stat().st_size < WAL_GROWTH_BYTES

    process = start_import(sqlite_url, big, tmp_path)
    reaper.append(process)

    def writing() -> bool:
        grown = wal.exists() and wal.stat().st_size > wal_bytes
        return grown and sqlite_writer_active(db_path)

    waited = wait_for(writing, process, tmp_path)
    kill_and_reap(process, tmp_path)
    print(f"SQLite import killed {point} {waited:.1f} s after start, WAL {wal.stat().st_size:,} B")

    assert checksum(sqlite_url) == before
    with closing(sqlite3.connect(db_path)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    small_import_succeeds(sqlite_url, tmp_path)


def postgres_import_session(engine: Engine) -> tuple[int, str] | None:
    """The session holding the import lock on this database, with its latest statement."""
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT a.pid, a.query FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 "
                "AND l.objid::bigint = :key AND a.datname = current_database()"
            ),
            {"key": IMPORT_LOCK_KEY},
        ).one_or_none()
    return None if row is None else (row.pid, row.query)


@pytest.mark.postgres
@pytest.mark.parametrize("point", sorted(KILL_POINTS))
def test_sigkill_in_the_middle_of_a_postgres_import_leaves_every_month_as_before(
    pg_url: str, tmp_path: Path, reaper: list[subprocess.Popen[bytes]], point: str
) -> None:
    statements = KILL_POINTS[point][1]
    assert IMPORT_LOCK_KEY < 2**32  # so that the lock shows as classid 0, objid = key
    big = write_snapshot(tmp_path / "big.csv", full_grid(KILL_MONTHS, salt=5))
    before = checksum(pg_url)
    observer = make_engine(pg_url)
    try:
        process = start_import(pg_url, big, tmp_path)
        reaper.append(process)

        def reached() -> bool:
            session = postgres_import_session(observer)
            return session is not None and session[1].lstrip().startswith(statements)

        waited = wait_for(reached, process, tmp_path)
        kill_and_reap(process, tmp_path)
        print(f"PostgreSQL import killed {point} {waited:.1f} s after start")

        # The server notices the dead client and rolls back; the lock goes with the session.
        deadline = time.monotonic() + 30
        while postgres_import_session(observer) is not None:
            assert time.monotonic() < deadline, "the killed import's session never ended"
            time.sleep(0.05)
    finally:
        observer.dispose()
    assert checksum(pg_url) == before
    small_import_succeeds(pg_url, tmp_path)


# -- two imports of the same months at the same time --------------------------------------------

RACE_MONTHS = (*FIXTURE_MONTHS[2:], "2023-02")


def grid(salt: int, deps: list[str], postes: list[str], online: list[str]) -> list[Cell]:
    rows: list[Cell] = []
    for k, month in enumerate(RACE_MONTHS):
        for i, dep in enumerate(deps):
            for j, poste in enumerate(postes):
                rows.append((month, dep, poste, (salt + i + 2 * j + k) % 50, (salt * i + j) % 9))
        rows.extend((month, "online", p, None, (salt + j + k) % 4) for j, p in enumerate(online))
    return rows


def parse(url: str, path: Path) -> Snapshot:
    engine = make_engine(url)
    try:
        return read_snapshot_file(path, validation_context(engine))
    finally:
        engine.dispose()


def race(url: str, snapshots: list[Snapshot]) -> list[ImportResult]:
    """Apply the snapshots from as many threads, each on its own engine, released together."""
    ref = load_reference()
    engines = [make_engine(url) for _ in snapshots]
    for engine in engines:  # connect beforehand, so that both reach the lock together
        with engine.connect():
            pass
    barrier = threading.Barrier(len(snapshots))
    results: list[ImportResult | None] = [None] * len(snapshots)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = apply_snapshot(engines[index], snapshots[index], ref)
        except BaseException as exc:  # reported by the test below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(snapshots))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    for engine in engines:
        engine.dispose()
    assert not any(thread.is_alive() for thread in threads), "an import never finished"
    assert not errors, errors
    return [r for r in results if r is not None]


def stored(url: str) -> tuple[dict[str, set[Cell]], dict[str, tuple[int | None, int | None]]]:
    """Per race month: the stored cells (facts and online), and the national rollup."""
    engine = make_engine(url)
    f, o, r = schema.fact.c, schema.online_training.c, schema.rollup.c
    cells: dict[str, set[Cell]] = {m: set() for m in RACE_MONTHS}
    national: dict[str, tuple[int | None, int | None]] = {}
    with engine.connect() as conn:
        for row in conn.execute(
            select(f.month, f.department_code, f.poste_code, f.job_offers, f.trainings).where(
                f.month.in_(RACE_MONTHS)
            )
        ):
            cells[row[0]].add(tuple(row))
        for month, poste, trainings in conn.execute(
            select(o.month, o.poste_code, o.trainings).where(o.month.in_(RACE_MONTHS))
        ):
            cells[month].add((month, "online", poste, None, trainings))
        for month, offers, trainings in conn.execute(
            select(r.month, r.job_offers, r.trainings).where(
                r.month.in_(RACE_MONTHS), r.territory_level == "national", r.scope_level == "all"
            )
        ):
            national[month] = (offers, trainings)
    engine.dispose()
    return cells, national


def import_order(url: str, names: set[str]) -> list[str]:
    engine = make_engine(url)
    log = schema.import_log.c
    with engine.connect() as conn:
        order = list(conn.execute(select(log.file_name).order_by(log.id)).scalars())
    engine.dispose()
    return [name for name in order if name in names]


def by_month(rows: list[Cell]) -> dict[str, set[Cell]]:
    months: dict[str, set[Cell]] = {m: set() for m in RACE_MONTHS}
    for row in rows:
        months[row[0]].add(row)
    return months


def national_of(cells: set[Cell]) -> tuple[int, int]:
    return (
        sum(c[3] or 0 for c in cells),
        sum(c[4] or 0 for c in cells),
    )


BACKENDS = [pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def backend_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


def test_two_simultaneous_imports_of_the_same_months_never_mix(
    backend_url: str, tmp_path: Path
) -> None:
    files = {
        "a.csv": grid(1, DEPARTEMENTS, POSTES[:40], POSTES[:10]),
        "b.csv": grid(7, DEPARTEMENTS[::2], POSTES[30:90], POSTES[5:25]),
    }
    snapshots = [
        parse(backend_url, write_snapshot(tmp_path / n, rows)) for n, rows in files.items()
    ]

    results = race(backend_url, snapshots)

    assert sorted(r.file_name for r in results) == ["a.csv", "b.csv"]
    order = import_order(backend_url, set(files))
    assert sorted(order) == ["a.csv", "b.csv"]
    cells, national = stored(backend_url)
    expected = {name: by_month(rows) for name, rows in files.items()}
    for month in RACE_MONTHS:
        # Each month holds one file's figures exactly, and it is the one committed last.
        matches = [name for name in files if cells[month] == expected[name][month]]
        assert matches == [order[-1]], f"{month} mixes the two files (commit order {order})"
        assert national[month] == national_of(expected[order[-1]][month])


def test_two_simultaneous_imports_of_different_measures_both_land(
    backend_url: str, tmp_path: Path
) -> None:
    offers = [(m, d, p, o, None) for m, d, p, o, _ in grid(3, DEPARTEMENTS, POSTES[:50], [])]
    trainings = [
        (m, d, p, None, t) for m, d, p, _, t in grid(4, DEPARTEMENTS[1::2], POSTES[20:70], POSTES)
    ]
    snapshots = [
        parse(backend_url, write_snapshot(tmp_path / "offers.csv", offers, ("job_offers",))),
        parse(backend_url, write_snapshot(tmp_path / "trainings.csv", trainings, ("trainings",))),
    ]

    race(backend_url, snapshots)

    # Whatever the order, neither import overwrote the other's measure with what it read first.
    merged: dict[tuple[str, str, str], list[int | None]] = {}
    for month, dep, poste, offer, _ in offers:
        merged[(month, dep, poste)] = [offer, None]
    for month, dep, poste, _, training in trainings:
        merged.setdefault((month, dep, poste), [None, None])[1] = training
    expected = by_month([(*key, o, t) for key, (o, t) in merged.items()])
    cells, national = stored(backend_url)
    for month in RACE_MONTHS:
        assert cells[month] == expected[month], f"{month} lost part of an import"
        assert national[month] == national_of(expected[month])
