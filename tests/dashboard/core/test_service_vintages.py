"""A service pinned to a vintage answers every question with the figures as they stood right
after that vintage, while the current service shows the latest figures."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from dashboard import create_app
from dashboard.core.service import IndicatorQuery
from data_access import schema
from data_access.db import make_engine
from data_access.queries import JobFilter
from data_access.settings import Settings
from tests.data_access.test_importer import run_cli

HEADER = "month,department,poste,job_offers,trainings\n"


def _offers(service, month: str, department: str) -> int | None:
    query = IndicatorQuery(month, "department", None, JobFilter())
    return service.indicator_figures(query).at(department).job_offers


def test_a_pinned_service_shows_the_figures_of_its_vintage(sqlite_url: str, tmp_path: Path) -> None:
    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        first = conn.execute(select(schema.import_log.c.id)).scalar_one()
    engine.dispose()
    service = create_app(
        Settings(database_url=sqlite_url, seed_demo_if_empty=False)
    ).genscan_deps.service
    before = _offers(service, "2022-10", "75")
    i0_before = service.status().reference.i0
    # A partner resends the offers of the reference month (only Paris, now), and adds February.
    fix = tmp_path / "fix.csv"
    fix.write_text(
        "month,department,poste,job_offers\n2022-10,75,data-analyst,99999\n"
        "2023-02,75,data-analyst,1\n"
    )
    run_cli(sqlite_url, "import", str(fix))

    assert _offers(service, "2022-10", "75") == 99999
    assert service.status().reference.i0 != i0_before
    pinned = service.at(first)
    assert pinned.data_version() == first
    assert _offers(pinned, "2022-10", "75") == before
    assert pinned.status().reference.i0 == i0_before  # the reference that held then
    assert pinned.status().incomplete_months == {}
    assert service.status().incomplete_months == {"2023-02": ["job_offers"]}
    assert pinned.catalog().months == service.catalog().months
    assert service.catalog().vintages == (first, first + 1)
    assert service.at(first + 1) is service
    assert service.at(None) is service
