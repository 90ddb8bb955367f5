"""Build the test fixture database from a script, through the real import path.

Figures follow simple formulas of the département, poste and month positions, so a test can
recompute any expected value by hand (see ``expected_cell``). Run directly to build a copy:

    python -m tests.fixtures /tmp/fixtures.sqlite3
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from data_access.cli import main as data_cli
from data_access.reference import load_departements, load_job_map
from data_access.settings import Settings

FIXTURE_MONTHS = ("2022-10", "2022-11", "2022-12", "2023-01")


def expected_cell(dep_index: int, poste_index: int, month_index: int) -> tuple[int, int]:
    """Offers and trainings of one département × poste × month in the fixture."""
    offers = (dep_index + 2 * poste_index + 3 * month_index) % 11
    trainings = (2 * dep_index + poste_index + month_index) % 5
    return offers, trainings


def expected_online(poste_index: int, month_index: int) -> int:
    """Online-only trainings of one poste × month in the fixture."""
    return (poste_index + month_index) % 3


def write_fixture_snapshot(
    path: Path, *, french: bool = False, months: tuple[str, ...] = FIXTURE_MONTHS
) -> Path:
    """Write the fixture history as one CSV snapshot file (both measures, all months)."""
    departements = list(load_departements()["code"])
    postes = list(load_job_map()["poste_code"])
    header = (
        ["mois", "departement", "poste", "offres", "formations"]
        if french
        else ["month", "department", "poste", "job_offers", "trainings"]
    )
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";" if french else ",")
        writer.writerow(header)
        for k, month in enumerate(months):
            for i, dep in enumerate(departements):
                for j, poste in enumerate(postes):
                    offers, trainings = expected_cell(i, j, k)
                    writer.writerow([month, dep, poste, offers, trainings])
            for j, poste in enumerate(postes):
                writer.writerow([month, "online", poste, "", expected_online(j, k)])
    return path


def build_fixture_database(
    database_url: str, workdir: Path, months: tuple[str, ...] = FIXTURE_MONTHS
) -> None:
    """Create the schema and import the fixture snapshot into ``database_url``."""
    snapshot = write_fixture_snapshot(workdir / "fixture_snapshot.csv", months=months)
    settings = Settings(database_url=database_url)
    status = data_cli(["import", str(snapshot)], settings=settings)
    if status != 0:
        raise RuntimeError(f"fixture import failed with status {status}")


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "fixtures.sqlite3").resolve()
    target.unlink(missing_ok=True)
    build_fixture_database(f"sqlite:///{target}", target.parent)
    print(f"fixture database written to {target}")
