"""Every run of the import command is recorded with its outcome, rows and duration, on both
backends, for ``/metrics``; a run that fails changes no figure and says why."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from data_access import import_runs
from data_access.cli import main as data_cli
from data_access.db import make_engine
from data_access.settings import Settings
from tests.conftest import database_checksum
from tests.fixtures import write_fixture_snapshot

REFUSE_FACTS = {
    "sqlite": [
        "CREATE TRIGGER refuse_facts BEFORE INSERT ON fact "
        "BEGIN SELECT RAISE(ABORT, 'no space left on device'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse_facts() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'no space left on device'; END $$",
        "CREATE TRIGGER refuse_facts BEFORE INSERT ON fact "
        "FOR EACH ROW EXECUTE FUNCTION refuse_facts()",
    ],
}


def run(url: str, *argv: str) -> tuple[int, str]:
    err = io.StringIO()
    status = data_cli(list(argv), Settings(database_url=url), io.StringIO(), err)
    return status, err.getvalue()


def new_month_and_bad_file(tmp_path: Path) -> tuple[Path, Path]:
    """A valid file of a month the fixture lacks, and a file every import refuses."""
    good = write_fixture_snapshot(tmp_path / "2023-02.csv", months=("2023-02",))
    bad = tmp_path / "bad.csv"
    bad.write_text("month,department,poste,job_offers,trainings\n2023-02,01,x,-1,0\n")
    return good, bad


def runs(engine: Engine) -> dict[str, import_runs.OutcomeRuns]:
    with engine.connect() as conn:
        return import_runs.by_outcome(conn)


def test_each_run_is_recorded_with_its_outcome_and_rows(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    before = runs(engine)
    good, bad = new_month_and_bad_file(tmp_path)
    assert run(database_url, "import", str(good))[0] == 0
    assert run(database_url, "import", str(good))[0] == 0
    assert run(database_url, "import", str(bad))[0] == 2
    assert run(database_url, "import", "--dry-run", str(good), str(bad))[0] == 2
    after = runs(engine)
    added = {outcome: after[outcome].runs - before[outcome].runs for outcome in after}
    assert added == {"imported": 1, "unchanged": 1, "rejected": 1, "failed": 0}
    rows = after["imported"].rows - before["imported"].rows
    assert rows == sum(1 for _ in good.open()) - 1
    assert after["rejected"].rows == 0
    assert after["unchanged"].seconds > 0


def test_a_failing_import_is_recorded_failed_and_changes_no_figure(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    with engine.begin() as conn:
        for statement in REFUSE_FACTS[engine.dialect.name]:
            conn.execute(text(statement))
    unchanged = database_checksum(engine)
    good, _bad = new_month_and_bad_file(tmp_path)
    status, err = run(database_url, "import", str(good))
    assert status == 1
    assert "Database error: no space left on device" in err
    assert "rolled back" in err
    assert "INSERT" not in err, "the statement stays out of the message"
    assert "2023-02," not in err, "so do the rows it was given"
    assert runs(engine)["failed"].runs == 1
    assert database_checksum(engine) == unchanged


def test_a_database_that_cannot_take_the_record_costs_only_the_record(
    caplog: pytest.LogCaptureFixture,
) -> None:
    unreachable = make_engine("postgresql+psycopg://genscan:none@127.0.0.1:9/genscan")
    with caplog.at_level(logging.WARNING, logger="data_access.import_runs"):
        import_runs.record(unreachable, "2025-01.csv", "failed", 0.2, None)
    (line,) = [r for r in caplog.records if r.name == "data_access.import_runs"]
    assert line.getMessage() == "import run not recorded"
    assert line.outcome == "failed"  # type: ignore[attr-defined]
    assert "none" not in json.dumps(line.__dict__, default=str), "no password in the log"


def test_durations_are_counted_in_every_bucket_they_fit(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'runs.sqlite3'}"
    assert run(url, "init-db")[0] == 0
    engine = make_engine(url)
    for seconds in (0.3, 1.5, 1.0, 25.0, 400.0):
        import_runs.record(engine, "f.csv", "imported", seconds, 10)
    counted = runs(engine)["imported"]
    assert dict(zip(import_runs.DURATION_BUCKETS, counted.within, strict=True)) == {
        0.5: 1,
        1.0: 2,
        2.0: 3,
        5.0: 3,
        10.0: 3,
        20.0: 3,
        30.0: 4,
        60.0: 4,
        120.0: 4,
        300.0: 4,
    }
    assert (counted.runs, counted.rows) == (5, 50)
    assert counted.seconds == pytest.approx(427.8)


def test_an_unknown_outcome_is_a_programming_error(engine: Engine) -> None:
    with pytest.raises(ValueError, match="unknown import outcome"):
        import_runs.record(engine, "f.csv", "skipped", 0.1, None)


def test_an_unreachable_database_stops_the_command_with_a_message() -> None:
    url = "postgresql+psycopg://genscan:secret-pw@127.0.0.1:9/genscan"
    status, err = run(url, "history")
    assert status == 1
    assert err.startswith("Database error: ")
    assert "secret-pw" not in err
    assert "Traceback" not in err
