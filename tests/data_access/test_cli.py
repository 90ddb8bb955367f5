"""``python -m data_access`` end to end: init-db, seed-demo and its calibration through the API
path, and the module entry point itself."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from data_access import import_runs
from data_access.cli import main as data_cli
from data_access.db import make_engine
from data_access.queries import JobFilter, Repository
from data_access.readmodel import ReadModel
from data_access.reference import load_departements, load_job_map
from data_access.settings import REPO_ROOT, Settings


def test_seed_demo_loads_27_months_calibrated_on_published_figures(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    out = io.StringIO()
    assert data_cli(["seed-demo"], settings=Settings(database_url=url), out=out) == 0
    assert "SEEDED" in out.getvalue()
    repo = Repository(make_engine(url), "2022-10")
    months = repo.months()
    assert (months[0], months[-1], len(months)) == ("2022-10", "2024-12", 27)
    model = ReadModel.load(repo.engine, repo.catalog(), "2022-10")
    national = model.series("national", "FR", JobFilter().scope()).frame("month").set_index("month")
    # GEN_SCAN published: 83,588 offers and 13,999 trainings on 1 Jan 2023; 57,036 and 19,978
    # on 1 Sep 2023.
    assert abs(national.loc["2023-01", "job_offers"] / 83_588 - 1) < 0.15
    assert abs(national.loc["2023-01", "trainings"] / 13_999 - 1) < 0.15
    assert abs(national.loc["2023-09", "job_offers"] / 57_036 - 1) < 0.15
    assert abs(national.loc["2023-09", "trainings"] / 19_978 - 1) < 0.15
    assert national["job_offers"].idxmax() in {"2023-02", "2023-03"}
    assert national.loc["2022-10", "tension_index"] == 1.0
    with repo.engine.connect() as conn:
        seeded = import_runs.by_outcome(conn)["imported"]
    per_month = (len(load_departements()) + 1) * len(load_job_map())  # and the online rows
    assert (seeded.runs, seeded.rows) == (1, len(months) * per_month)
    again = io.StringIO()
    assert data_cli(["seed-demo"], settings=Settings(database_url=url), out=again) == 1
    assert "already holds figures" in again.getvalue()


def test_module_entry_point_runs_init_db(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "data_access", "init-db"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Schema is up to date" in result.stdout
    assert (tmp_path / "cli.sqlite3").exists()
