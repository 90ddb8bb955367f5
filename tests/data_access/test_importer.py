"""``python -m data_access import``: what is accepted, what is refused, and that refusals lose
nothing."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from data_access import schema
from data_access.cli import main as data_cli
from data_access.db import make_engine
from data_access.settings import Settings
from tests.conftest import database_checksum

HEADER = "month,department,poste,job_offers,trainings\n"


def run_cli(url: str, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = data_cli(list(args), settings=Settings(database_url=url), out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def fact(url: str, month: str, department: str, poste: str) -> tuple[int | None, int | None]:
    engine = make_engine(url)
    f = schema.fact.c
    with engine.connect() as conn:
        row = conn.execute(
            select(f.job_offers, f.trainings).where(
                f.month == month, f.department_code == department, f.poste_code == poste
            )
        ).one_or_none()
    engine.dispose()
    return (row.job_offers, row.trainings) if row else (None, None)


def national(url: str, month: str) -> tuple[int, int]:
    engine = make_engine(url)
    r = schema.rollup.c
    with engine.connect() as conn:
        row = conn.execute(
            select(r.job_offers, r.trainings).where(
                r.month == month,
                r.territory_level == "national",
                r.scope_level == "all",
            )
        ).one()
    engine.dispose()
    return row.job_offers, row.trainings


# -- accepted forms ---------------------------------------------------------------------------


def test_french_spreadsheet_export_is_read_like_plain_csv(
    small_sqlite_url: str, tmp_path: Path
) -> None:
    content = (
        "\ufeffmois;departement;poste;offres;formations\r\n"
        "2023-02;1;data-analyst;1\u00a0234;12\r\n"
        "2023-02;2a;data-analyst;1 001;0\r\n"
        "2023-02;online;data-analyst;;7\r\n"
    )
    path = write(tmp_path, "fevrier.csv", content.encode("utf-8"))
    status, out, err = run_cli(small_sqlite_url, "import", str(path))
    assert status == 0, err
    assert "IMPORTED" in out
    assert fact(small_sqlite_url, "2023-02", "01", "data-analyst") == (1234, 12)
    assert fact(small_sqlite_url, "2023-02", "2A", "data-analyst") == (1001, 0)
    assert national(small_sqlite_url, "2023-02") == (1234 + 1001, 12 + 7)


def test_an_online_row_with_zero_job_offers_is_accepted_as_trainings_only(
    small_sqlite_url: str, tmp_path: Path
) -> None:
    content = HEADER + "2023-02,01,data-analyst,4,2\n2023-02,online,data-analyst,0,9\n"
    path = write(tmp_path, "both.csv", content.encode("utf-8"))
    status, _, err = run_cli(small_sqlite_url, "import", str(path))
    assert status == 0, err
    assert national(small_sqlite_url, "2023-02") == (4, 2 + 9)


def test_windows_1252_file_with_accented_header_is_accepted(
    small_sqlite_url: str, tmp_path: Path
) -> None:
    content = "mois;département;poste;offres\n2023-02;75;data-analyst;5\n"
    path = write(tmp_path, "cp.csv", content.encode("cp1252"))
    status, _, err = run_cli(small_sqlite_url, "import", str(path))
    assert status == 0, err
    assert fact(small_sqlite_url, "2023-02", "75", "data-analyst") == (5, None)


def test_json_list_of_records_is_accepted(small_sqlite_url: str, tmp_path: Path) -> None:
    records = [
        {"month": "2023-02", "department": "971", "poste": "data-analyst", "trainings": 3},
        {"month": "2023-02", "department": "online", "poste": "data-analyst", "trainings": 2},
    ]
    path = write(tmp_path, "t.json", json.dumps(records))
    status, _, err = run_cli(small_sqlite_url, "import", str(path))
    assert status == 0, err
    assert fact(small_sqlite_url, "2023-02", "971", "data-analyst") == (None, 3)


def test_file_is_the_whole_truth_for_its_month_and_measure_only(
    small_sqlite_url: str, tmp_path: Path
) -> None:
    before = fact(small_sqlite_url, "2022-10", "13", "data-analyst")
    path = write(
        tmp_path, "offers.csv", "month,department,poste,job_offers\n2022-10,13,webmaster,9\n"
    )
    status, _, err = run_cli(small_sqlite_url, "import", str(path))
    assert status == 0, err
    # Offers of 2022-10 are replaced wholesale: a cell the file omits is gone...
    assert fact(small_sqlite_url, "2022-10", "13", "data-analyst")[0] is None
    assert fact(small_sqlite_url, "2022-10", "13", "webmaster")[0] == 9
    # ...while trainings of that month, which the file does not carry, are kept.
    assert fact(small_sqlite_url, "2022-10", "13", "data-analyst")[1] == before[1]
    assert national(small_sqlite_url, "2022-10")[0] == 9


def test_importing_the_same_file_twice_changes_no_figure(
    small_sqlite_url: str, tmp_path: Path
) -> None:
    path = write(tmp_path, "a.csv", HEADER + "2023-02,35,data-analyst,40,4\n")
    assert run_cli(small_sqlite_url, "import", str(path))[0] == 0
    engine = make_engine(small_sqlite_url)
    first = figures_checksum(engine)
    status, out, _ = run_cli(small_sqlite_url, "import", str(path))
    assert status == 0
    assert "same file as an earlier import" in out
    assert figures_checksum(engine) == first
    engine.dispose()


def figures_checksum(engine) -> str:
    """Every figure of the database; the import log, which records each run, is left out."""
    with engine.connect() as conn:
        figures = [
            sorted(tuple(r) for r in conn.execute(select(t)))
            for t in (schema.fact, schema.online_training, schema.rollup, schema.month_measure)
        ]
    return repr(figures)


def test_dry_run_validates_without_writing(small_sqlite_url: str, tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", HEADER + "2023-02,35,data-analyst,40,4\n")
    engine = make_engine(small_sqlite_url)
    before = database_checksum(engine)
    status, out, _ = run_cli(small_sqlite_url, "import", "--dry-run", str(path))
    assert status == 0
    assert "VALID" in out
    assert "dry run" in out
    assert database_checksum(engine) == before
    engine.dispose()


# -- refused files ----------------------------------------------------------------------------

BAD_FILES: list[tuple[str, str | bytes, str]] = [
    ("unknown_department.csv", HEADER + "2023-02,20,data-analyst,1,1\n", "line 2, column 2"),
    ("unknown_poste.csv", HEADER + "2023-02,01,astronaute,1,1\n", "not a poste code"),
    ("negative.csv", HEADER + "2023-02,01,data-analyst,-3,1\n", "negative"),
    ("decimal.csv", HEADER + '2023-02,01,data-analyst,"12,5",1\n', "not a whole number"),
    ("dot_decimal.csv", HEADER + "2023-02,01,data-analyst,1.5,1\n", "not a whole number"),
    ("secret.csv", HEADER + "2023-02,01,data-analyst,s,1\n", "'s' is not a whole number"),
    ("missing_count.csv", HEADER + "2023-02,01,data-analyst,,1\n", "missing value"),
    ("absurd.csv", HEADER + "2023-02,01,data-analyst,10000001,1\n", "above 10,000,000"),
    ("bad_month.csv", HEADER + "2023-13,01,data-analyst,1,1\n", "not a month"),
    ("future_month.csv", HEADER + "2099-01,01,data-analyst,1,1\n", "outside the accepted range"),
    (
        "duplicate.csv",
        HEADER + "2023-02,01,data-analyst,1,1\n2023-02,1,data-analyst,2,2\n",
        "duplicate of line 2",
    ),
    ("online_offers.csv", HEADER + "2023-02,online,data-analyst,5,1\n", "online rows"),
    ("missing_column.csv", "month,department,job_offers\n2023-02,01,1\n", "missing column poste"),
    ("typo_header.csv", "month,departement,post,job_offers\n", "unknown column"),
    ("empty.csv", "", "the file is empty"),
    ("header_only.csv", HEADER, "no data rows"),
    ("utf16.csv", HEADER.encode("utf-16"), "UTF-16"),
    ("garbage.bin", bytes(range(256)) * 4, "UTF-16"),
    ("too_many_fields.csv", HEADER + "2023-02,01,data-analyst,1,1,9\n", "expected 5 fields"),
    ("json_object.json", '{"month": "2023-02"}', "expected a JSON list"),
    ("json_broken.json", '[{"month": "2023-02",', "invalid JSON"),
]


@pytest.mark.parametrize(("name", "content", "expected"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_invalid_file_is_rejected_with_location_and_database_unchanged(
    small_sqlite_url: str, tmp_path: Path, name: str, content: str | bytes, expected: str
) -> None:
    path = write(tmp_path, name, content)
    engine = make_engine(small_sqlite_url)
    before = database_checksum(engine)
    status, out, err = run_cli(small_sqlite_url, "import", str(path))
    assert status == 2
    assert "IMPORTED" not in out
    assert f"REJECTED {path}" in err
    assert expected in err
    assert database_checksum(engine) == before
    engine.dispose()


def test_every_error_of_a_file_is_listed_at_once(small_sqlite_url: str, tmp_path: Path) -> None:
    content = (
        HEADER
        + "2023-02,01,data-analyst,1,1\n"
        + "2023-02,99,data-analyst,1,1\n"
        + "2023-02,02,nope,1,1\n"
        + "2023-02,03,data-analyst,x,-1\n"
    )
    status, _, err = run_cli(small_sqlite_url, "import", str(write(tmp_path, "many.csv", content)))
    assert status == 2
    assert "4 problem(s)" in err
    assert "line 3, column 2 ('department')" in err
    assert "line 4, column 3 ('poste')" in err
    assert "line 5, column 4 ('job_offers')" in err
    assert "line 5, column 5 ('trainings')" in err


def test_a_bad_file_does_not_stop_the_good_ones_of_the_same_command(
    small_sqlite_url: str, tmp_path: Path
) -> None:
    good = write(tmp_path, "good.csv", HEADER + "2023-02,35,data-analyst,40,4\n")
    bad = write(tmp_path, "bad.csv", HEADER + "2023-02,35,data-analyst,-1,4\n")
    status, out, err = run_cli(small_sqlite_url, "import", str(bad), str(good))
    assert status == 2
    assert "IMPORTED" in out
    assert "REJECTED" in err
    assert fact(small_sqlite_url, "2023-02", "35", "data-analyst") == (40, 4)


def test_unreadable_path_is_reported_not_raised(small_sqlite_url: str, tmp_path: Path) -> None:
    status, _, err = run_cli(small_sqlite_url, "import", str(tmp_path / "absent.csv"))
    assert status == 2
    assert "cannot read file" in err


@pytest.mark.postgres
def test_rejected_file_leaves_postgres_unchanged_and_good_one_lands(
    postgres_url: str, tmp_path: Path
) -> None:
    engine = make_engine(postgres_url)
    before = database_checksum(engine)
    bad = write(tmp_path, "bad.csv", HEADER + "2023-02,01,data-analyst,1,1\n2023-02,20,x,1,1\n")
    assert run_cli(postgres_url, "import", str(bad))[0] == 2
    assert database_checksum(engine) == before
    good = write(tmp_path, "good.csv", HEADER + "2023-02,2B,data-analyst,7,2\n")
    assert run_cli(postgres_url, "import", str(good))[0] == 0
    assert fact(postgres_url, "2023-02", "2B", "data-analyst") == (7, 2)
    engine.dispose()
