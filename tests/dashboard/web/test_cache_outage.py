"""Redis down, database up: every answer is still given, without the cache, and the cache is
used again as soon as Redis is back, without a restart (a real ``redis-server``)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from dash import Dash

from dashboard import create_app
from data_access.settings import Settings
from tests.dashboard.web.test_metrics import scrape
from tests.dashboard.web.test_read_only import callback_bodies
from tests.redis_server import RedisServer, free_port

CALLBACK = "/_dash-update-component"
PAGES = ("/", "/api/v1/months", "/api/v1/indicators?level=department", "/health")


def app_on(sqlite_url: str, redis_url: str) -> Dash:
    return create_app(Settings(database_url=sqlite_url, redis_url=redis_url))


def panel_body(app: Dash) -> dict[str, Any]:
    bodies = [body for output, body in callback_bodies(app.callback_map) if "panel-keys" in output]
    assert bodies
    return bodies[0]


def cache_lookups(app: Dash) -> tuple[float, float, float]:
    samples = scrape(app)
    return (
        samples[("genscan_response_cache_hits_total", ())],
        samples[("genscan_response_cache_misses_total", ())],
        samples.get(("genscan_cache_errors_total", (("cache", "response"),)), 0),
    )


def test_without_redis_every_page_and_panel_is_served_and_the_outage_logged_once(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = app_on(sqlite_url, f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    client = app.server.test_client()
    with caplog.at_level(logging.WARNING, logger="dashboard.web.cache"):
        for _ in range(3):
            for path in PAGES:
                assert client.get(path).status_code == 200, path
            assert client.post(CALLBACK, json=panel_body(app)).status_code == 200
    hits, misses, errors = cache_lookups(app)
    assert hits == 0
    assert misses > 0
    assert errors >= 2 * misses, "each lookup and each write failed"
    samples = scrape(app)
    assert samples[("genscan_cache_errors_total", (("cache", "data"),))] > 0
    warnings = [r for r in caplog.records if r.name == "dashboard.web.cache"]
    assert sorted(r.cache for r in warnings) == ["data", "response"]  # type: ignore[attr-defined]
    assert all("Connection refused" in r.cause for r in warnings)  # type: ignore[attr-defined]


def test_the_cache_is_used_again_once_redis_is_back(sqlite_url: str, tmp_path: Path) -> None:
    redis = RedisServer(tmp_path)
    redis.start()
    try:
        app = app_on(sqlite_url, redis.url)
        client = app.server.test_client()
        body = panel_body(app)
        first = client.post(CALLBACK, json=body)
        _hits, panels, _errors = cache_lookups(app)  # one lookup per panel the click draws
        assert panels > 0
        assert client.post(CALLBACK, json=body).get_json() == first.get_json()
        assert cache_lookups(app) == (panels, panels, 0)

        redis.stop()
        during = client.post(CALLBACK, json=body)
        assert during.status_code == 200
        assert during.get_json() == first.get_json(), "the same panels, drawn again"
        assert cache_lookups(app)[2] >= panels

        redis.start()  # an empty Redis on the same port: one miss, then hits
        for _ in range(2):
            assert client.post(CALLBACK, json=body).get_json() == first.get_json()
        hits, misses, _errors = cache_lookups(app)
        assert (hits, misses) == (2 * panels, 3 * panels)
    finally:
        redis.stop()
