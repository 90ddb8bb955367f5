"""The API's request budget per client address: a JSON 429 with Retry-After past it, the page
never limited, and one budget shared by every worker through Redis."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from dashboard import create_app
from data_access.settings import Settings, SettingsError
from tests.dashboard.payloads import health_request
from tests.redis_server import RedisServer

LIMIT = 5
ROUTES = ["/api/v1/months", "/api/v1/indicators", "/api/v1/vintages", "/api/v1/nope"]


def limited_client(url: str, **settings: object) -> FlaskClient:
    app = create_app(
        Settings(
            database_url=url, seed_demo_if_empty=False, api_rate_limit=f"{LIMIT}/minute", **settings
        )
    )
    return app.server.test_client()


def from_address(address: str) -> dict[str, dict[str, str]]:
    return {"environ_base": {"REMOTE_ADDR": address}}


def use_the_budget(client: FlaskClient, address: str = "192.0.2.1") -> None:
    """``LIMIT`` requests over several routes: one budget covers them all."""
    for i in range(LIMIT):
        response = client.get(ROUTES[i % len(ROUTES)], **from_address(address))
        assert response.status_code != 429, i


def test_past_its_budget_a_client_gets_a_json_429_with_retry_after(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    client = limited_client(sqlite_url)
    use_the_budget(client)
    with caplog.at_level(logging.WARNING, logger="dashboard.web.rate_limit"):
        refused = client.get("/api/v1/export.csv", **from_address("192.0.2.1"))
    assert refused.status_code == 429
    body = refused.get_json()
    assert (body["code"], body["status"]) == (429, "Too Many Requests")
    assert f"{LIMIT} per 1 minute" in body["message"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["Cache-Control"] == "no-store"
    assert refused.headers["Access-Control-Allow-Origin"] == "*"
    [record] = [r for r in caplog.records if r.name == "dashboard.web.rate_limit"]
    assert record.levelno == logging.WARNING
    assert "per 1 minute" in record.cause  # type: ignore[attr-defined]
    other = client.get("/api/v1/months", **from_address("198.51.100.7"))
    assert other.status_code == 200


def test_the_page_health_metrics_and_preflights_are_never_limited(sqlite_url: str) -> None:
    client = limited_client(sqlite_url)
    use_the_budget(client, "127.0.0.1")  # the test client's own address, used below
    for _ in range(LIMIT + 1):
        callback = client.post("/_dash-update-component", json=health_request())
        assert callback.status_code == 200
        for path in ("/health", "/metrics", "/assets/style.css", "/"):
            assert client.get(path).status_code != 429, path
        preflight = client.options(
            "/api/v1/months",
            headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"},
        )
        assert preflight.status_code == 204
    assert client.get("/api/v1/months").status_code == 429


def test_a_malformed_limit_is_refused_at_start_naming_its_variable() -> None:
    with pytest.raises(SettingsError, match="GENSCAN_API_RATE_LIMIT"):
        Settings.from_env({"GENSCAN_API_RATE_LIMIT": "lots"})
    assert Settings.from_env({}).api_rate_limit == "600/minute"
    assert Settings.from_env({"GENSCAN_API_RATE_LIMIT": "10/second;600/hour"}).api_rate_limit


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A private ``redis-server`` on a free port, stopped at the end."""
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def test_workers_draw_on_one_budget_through_redis(sqlite_url: str, redis_url: str) -> None:
    workers = [limited_client(sqlite_url, redis_url=redis_url) for _ in range(2)]
    for i in range(LIMIT):
        assert workers[i % 2].get("/api/v1/months").status_code == 200, i
    for worker in workers:
        assert worker.get("/api/v1/months").status_code == 429
