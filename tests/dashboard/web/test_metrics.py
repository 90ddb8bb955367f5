"""``GET /metrics``: request timings by route or callback, response-cache lookups, the data."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from dash import Dash
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select, text

from dashboard import create_app
from data_access import schema
from data_access.cli import main as data_cli
from data_access.db import make_engine
from data_access.reference import load_departements, load_job_map
from data_access.settings import Settings
from tests.dashboard.payloads import health_request
from tests.dashboard.web.test_read_only import callback_bodies
from tests.data_access.test_import_runs import new_month_and_bad_file

DEPARTEMENTS = list(load_departements()["code"])
POSTES = list(load_job_map()["poste_code"])

DURATION = "genscan_http_request_duration_seconds"
CALLBACK = "/_dash-update-component"


@pytest.fixture
def app(sqlite_url: str) -> Dash:
    return create_app(Settings(database_url=sqlite_url, seed_demo_if_empty=False))


def scrape(app: Dash) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of ``/metrics``: (name, sorted labels) → value."""
    response = app.server.test_client().get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for sample in family.samples
    }


def requests_counted(samples: dict[Any, float], endpoint: str, status: str) -> float:
    return samples.get((f"{DURATION}_count", (("endpoint", endpoint), ("status", status))), 0)


def test_requests_are_timed_by_route_rule_and_status(app: Dash) -> None:
    client = app.server.test_client()
    for _ in range(3):
        assert client.get("/api/v1/months").status_code == 200
    client.get("/api/v1/months?bogus=1")
    samples = scrape(app)
    assert requests_counted(samples, "/api/v1/months", "200") == 3
    assert requests_counted(samples, "/api/v1/months", "400") == 1
    bucket = (
        f"{DURATION}_bucket",
        (("endpoint", "/api/v1/months"), ("le", "+Inf"), ("status", "200")),
    )
    assert samples[bucket] == 3


def test_unknown_paths_share_one_label(app: Dash) -> None:
    client = app.server.test_client()
    for path in ("/no/such/page", "/wp-admin.php", "/x" * 30):
        client.get(path)
    client.delete("/nothing-here")
    endpoints = {
        dict(labels)["endpoint"] for (name, labels) in scrape(app) if name == f"{DURATION}_count"
    }
    assert "/no/such/page" not in endpoints
    assert endpoints <= {"/<path:path>", "unmatched", "/metrics"}


def test_a_callback_is_timed_by_its_outputs_and_a_forged_one_by_the_route(app: Dash) -> None:
    client = app.server.test_client()
    client.post(CALLBACK, data=json.dumps(health_request()), content_type="application/json")
    forged = {**health_request(), "output": "made.up"}
    client.post(CALLBACK, data=json.dumps(forged), content_type="application/json")
    samples = scrape(app)
    assert requests_counted(samples, health_request()["output"], "200") == 1
    assert requests_counted(samples, CALLBACK, "400") == 1
    assert not any("made.up" in str(labels) for (_, labels) in samples)


def test_response_cache_lookups_count_a_miss_then_hits(app: Dash) -> None:
    panel_callbacks = [
        body for output, body in callback_bodies(app.callback_map) if "panel-keys.data" in output
    ]
    assert panel_callbacks
    client = app.server.test_client()
    client.post(CALLBACK, json=panel_callbacks[0])
    first = scrape(app)
    misses = first[("genscan_response_cache_misses_total", ())]
    assert misses > 0
    assert first[("genscan_response_cache_hits_total", ())] == 0
    client.post(CALLBACK, json=panel_callbacks[0])
    again = scrape(app)
    assert again[("genscan_response_cache_hits_total", ())] > 0
    assert again[("genscan_response_cache_misses_total", ())] == misses


def test_data_version_and_last_import_are_read_from_the_database(
    app: Dash, sqlite_url: str
) -> None:
    log = schema.import_log.c
    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        rows = conn.execute(select(log.id, log.row_count).order_by(log.id)).all()
    engine.dispose()
    samples = scrape(app)
    assert samples[("genscan_database_up", ())] == 1
    assert samples[("genscan_data_version", ())] == rows[-1].id
    assert samples[("genscan_vintages_total", ())] == len(rows)
    assert samples[("genscan_last_import_rows", ())] == rows[-1].row_count
    assert samples[("genscan_last_import_timestamp_seconds", ())] > 1.6e9


def test_import_runs_of_the_command_line_are_counted_by_outcome_with_their_duration(
    app: Dash, sqlite_url: str, tmp_path: Path
) -> None:
    before = scrape(app)
    good, bad = new_month_and_bad_file(tmp_path)
    for path in (good, good, bad):
        data_cli(
            ["import", str(path)], Settings(database_url=sqlite_url), io.StringIO(), io.StringIO()
        )
    after = scrape(app)

    def added(name: str, outcome: str) -> float:
        key = (name, (("outcome", outcome),))
        return after[key] - before[key]

    assert added("genscan_imports_total", "imported") == 1
    assert added("genscan_imports_total", "unchanged") == 1
    assert added("genscan_imports_total", "rejected") == 1
    assert added("genscan_imports_total", "failed") == 0
    # A row per département and poste, and one of online trainings per poste.
    assert added("genscan_import_rows_total", "imported") == (len(DEPARTEMENTS) + 1) * len(POSTES)
    assert added("genscan_import_rows_total", "rejected") == 0
    assert added("genscan_import_duration_seconds_count", "imported") == 1
    assert 0 < added("genscan_import_duration_seconds_sum", "imported") < 60
    infinite = ("genscan_import_duration_seconds_bucket", (("le", "+Inf"), ("outcome", "rejected")))
    assert after[infinite] - before[infinite] == 1


def test_metrics_still_answer_when_the_database_is_unreachable() -> None:
    url = "postgresql+psycopg://genscan:none@127.0.0.1:9/genscan"
    samples = scrape(create_app(Settings(database_url=url, seed_demo_if_empty=False)))
    assert samples[("genscan_database_up", ())] == 0
    assert ("genscan_data_version", ()) not in samples


def test_a_database_not_yet_migrated_for_import_runs_is_still_up(
    app: Dash, sqlite_url: str
) -> None:
    engine = make_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE import_run"))
    engine.dispose()
    samples = scrape(app)
    assert samples[("genscan_database_up", ())] == 1
    assert ("genscan_vintages_total", ()) in samples
    assert not any(name.startswith("genscan_imports") for (name, _labels) in samples)
