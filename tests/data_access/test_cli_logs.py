"""What an import did reaches the log as one JSON line: outcome, file, rows or cause, duration."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from data_access.cli import main as data_cli
from data_access.settings import Settings

HEADER = "month,department,poste,job_offers,trainings\n"


def import_lines(err: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    return [line for line in lines if line["logger"] == "data_access.cli"]


def run_import(url: str, path: Path) -> int:
    settings = Settings(database_url=url)
    return data_cli(["import", str(path)], settings=settings, out=io.StringIO(), err=io.StringIO())


def test_a_rejected_import_is_logged_with_its_cause(
    small_sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "2023-02,01,data-analyst,-3,2\n", encoding="utf-8")
    assert run_import(small_sqlite_url, path) == 2
    (line,) = import_lines(capsys.readouterr().err)
    assert (line["level"], line["message"], line["outcome"]) == (
        "WARNING",
        "import rejected",
        "rejected",
    )
    assert line["file"].endswith("bad.csv")
    assert line["problems"] == 1
    assert "line 2" in line["cause"]
    assert "job_offers" in line["cause"]
    assert line["duration_ms"] >= 0


def test_an_applied_import_is_logged_with_its_rows_and_duration(
    small_sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "good.csv"
    path.write_text(HEADER + "2023-02,01,data-analyst,4,2\n", encoding="utf-8")
    assert run_import(small_sqlite_url, path) == 0
    assert run_import(small_sqlite_url, path) == 0
    first, again = import_lines(capsys.readouterr().err)
    assert (first["level"], first["outcome"], first["rows"]) == ("INFO", "imported", 1)
    assert first["months"] == ["2023-02"]
    assert first["duration_ms"] > 0
    assert again["outcome"] == "unchanged"
