"""Vintages: every import and revert is kept, and the figures as they stood after any vintage
can be rebuilt exactly, checked against figures computed by hand on both backends."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from data_access import schema, vintages
from data_access.cli import main as data_cli
from data_access.cli import validation_context
from data_access.db import make_engine
from data_access.importer import parse_snapshot
from data_access.queries import Repository
from data_access.readmodel import ReadModel
from data_access.reference import ReferenceData, load_reference
from data_access.settings import Settings
from data_access.store import apply_snapshot, ensure_schema, revert_vintage

BACKENDS = [pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)]
HEADER = "month,department,poste,job_offers,trainings\n"
JAN, FEB = "2023-01", "2023-02"


@pytest.fixture(scope="module")
def ref() -> ReferenceData:
    return load_reference()


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path, ref: ReferenceData) -> Iterator[Engine]:
    """An empty database with its schema and reference data."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'vintages.sqlite3'}"
    else:
        url = request.getfixturevalue("empty_postgres_url")
    engine = make_engine(url)
    ensure_schema(engine, ref)
    yield engine
    engine.dispose()


def load(engine: Engine, ref: ReferenceData, name: str, text: str) -> int:
    """Import a CSV text; the id of the vintage it made."""
    snapshot = parse_snapshot(text.encode("utf-8"), name, validation_context(engine))
    apply_snapshot(engine, snapshot, ref)
    return latest(engine)


def latest(engine: Engine) -> int:
    with engine.connect() as conn:
        return vintages.current_id(conn)


def figures(engine: Engine, vintage: int | None) -> dict[tuple[str, str, str, str], float]:
    """Every cell with a value, as of ``vintage`` (None: the current tables)."""
    with engine.connect() as conn:
        past = vintages.as_of(conn, vintage if vintage is not None else vintages.current_id(conn))
        facts, online = past.of_months(sorted(past.coverage))
    frame = vintages.cells(facts, online, vintages._pairs(past.coverage))
    return {
        (row.month, row.measure, row.department, row.poste): row.value
        for row in frame.itertuples(index=False)
    }


def national(engine: Engine, ref: ReferenceData, vintage: int | None) -> dict[str, tuple]:
    """(job offers, trainings) of France, all jobs, per month imported, from the read model."""
    catalog = Repository(engine, "2023-01").catalog()
    model = ReadModel.load(engine, catalog, "2023-01", vintage)
    result = {}
    for month in model.months:
        values = model._values([month], ("national", "FR"), ("all", "all"))[:, 0, 0]
        result[month] = tuple(None if v != v else int(v) for v in values)
    return result


def test_corrections_and_reverts_keep_every_vintage_reproducible(
    engine: Engine, ref: ReferenceData
) -> None:
    v1 = load(
        engine,
        ref,
        "jan.csv",
        HEADER + f"{JAN},01,data-analyst,10,2\n{JAN},02,data-analyst,5,1\n"
        f"{JAN},online,data-analyst,,4\n",
    )
    v2 = load(engine, ref, "feb.csv", HEADER + f"{FEB},01,data-analyst,7,3\n")
    # A corrected January, offers only: 01 changes, 02 disappears; trainings stay.
    v3 = load(
        engine, ref, "jan-fix.csv", f"month,department,poste,job_offers\n{JAN},01,data-analyst,12\n"
    )
    revert_vintage(engine, v3, ref)
    v4 = latest(engine)
    revert_vintage(engine, v4, ref)  # the revert of a revert
    v5 = latest(engine)

    after_v1 = {JAN: (15, 7)}
    after_v2 = {JAN: (15, 7), FEB: (7, 3)}
    after_v3 = {JAN: (12, 7), FEB: (7, 3)}
    expected = {v1: after_v1, v2: after_v2, v3: after_v3, v4: after_v2, v5: after_v3}
    for vintage, totals in expected.items():
        assert national(engine, ref, vintage) == totals, vintage
    assert national(engine, ref, None) == after_v3  # the current figures are v5's
    assert figures(engine, v3) == figures(engine, v5)
    assert figures(engine, v4)[(JAN, "job_offers", "02", "data-analyst")] == 5
    assert (JAN, "job_offers", "02", "data-analyst") not in figures(engine, v3)
    assert figures(engine, v1)[(JAN, "trainings", "online", "data-analyst")] == 4
    assert national(engine, ref, 0) == {}  # before the first vintage: nothing


def test_each_vintage_says_what_it_was_and_what_it_changed(
    engine: Engine, ref: ReferenceData
) -> None:
    v1 = load(
        engine,
        ref,
        "jan.csv",
        HEADER + f"{JAN},01,data-analyst,10,2\n{JAN},02,architecte-cloud,1,1\n",
    )
    v2 = load(
        engine,
        ref,
        "jan-again.csv",
        HEADER + f"{JAN},01,data-analyst,10,2\n{JAN},02,architecte-cloud,1,1\n",
    )
    v3 = load(engine, ref, "jan-fix.csv", HEADER + f"{JAN},01,data-analyst,11,2\n")
    revert_vintage(engine, v1, ref)
    with engine.connect() as conn:
        listed = {v.id: v for v in vintages.vintages(conn)}
    assert [listed[v].kind for v in (v1, v2, v3)] == ["import"] * 3
    assert listed[v1].changed_cells == 4  # four new cells
    assert listed[v2].changed_cells == 0  # the same figures again
    assert listed[v3].changed_cells == 3  # one count changed, two cells gone
    revert = listed[max(listed)]
    assert (revert.kind, revert.reverts, revert.months, revert.measures) == (
        "revert",
        v1,
        (JAN,),
        ("job_offers", "trainings"),
    )
    assert revert.changed_cells == 2  # January back to not imported: its two cells go
    assert national(engine, ref, None) == {}
    assert list(listed[v1].to_json()) == [
        "id",
        "created_at",
        "kind",
        "file_name",
        "sha256",
        "months",
        "measures",
        "rows",
        "changed_cells",
        "reverts",
    ]


def test_history_grows_with_what_changed_not_with_the_number_of_vintages(
    engine: Engine, ref: ReferenceData
) -> None:
    rows = "".join(f"{JAN},{d:02d},data-analyst,{d},1\n" for d in range(1, 40) if d != 20)
    load(engine, ref, "jan.csv", HEADER + rows)
    for copy in range(3):
        load(engine, ref, f"jan-{copy}.csv", HEADER + rows)  # resent unchanged
    load(
        engine,
        ref,
        "jan-fix.csv",
        HEADER + rows.replace(f"{JAN},05,data-analyst,5,", f"{JAN},05,data-analyst,6,"),
    )
    with engine.connect() as conn:
        kept = conn.execute(select(func.count()).select_from(schema.cell_undo)).scalar_one()
    assert kept == 1  # only the corrected cell's earlier value


def test_an_unknown_or_malformed_vintage_is_refused_clearly(engine: Engine) -> None:
    with engine.connect() as conn, pytest.raises(vintages.VintageError, match="no vintage 7"):
        vintages.find(conn, "7")
    with engine.connect() as conn, pytest.raises(vintages.VintageError, match="whole number"):
        vintages.find(conn, "7; DROP TABLE fact")


def _cli(engine: Engine, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    url = engine.url.render_as_string(hide_password=False)
    status = data_cli(list(args), settings=Settings(database_url=url), out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def test_history_and_revert_on_the_command_line(engine: Engine, ref: ReferenceData) -> None:
    first = load(engine, ref, "jan.csv", HEADER + f"{JAN},01,data-analyst,10,2\n")
    status, out, _ = _cli(engine, "revert", str(first))
    assert status == 0
    assert f"REVERTED vintage {first} as vintage {first + 1}" in out
    status, out, _ = _cli(engine, "history")
    assert status == 0
    lines = out.strip().splitlines()
    assert len(lines) == 2
    assert "import" in lines[0]
    assert "jan.csv" in lines[0]
    assert f"revert (undoes {first})" in lines[1]


@pytest.mark.parametrize("bad", ["99", "abc", "-1", "1.5"])
def test_revert_refuses_a_bad_id_and_changes_nothing(
    engine: Engine, ref: ReferenceData, bad: str
) -> None:
    load(engine, ref, "jan.csv", HEADER + f"{JAN},01,data-analyst,10,2\n")
    before = latest(engine)
    status, _, err = _cli(engine, "revert", bad)
    assert status == 2
    assert "REFUSED" in err
    assert "nothing was changed" in err
    assert latest(engine) == before
