"""A database the app cannot reach gives clear, structured errors, never a traceback."""

from __future__ import annotations

import json
import time

from dashboard import create_app
from data_access.settings import Settings
from tests.dashboard.payloads import health_request

UNREACHABLE = "postgresql+psycopg://genscan:none@127.0.0.1:9/genscan"


def test_api_answers_503_json_when_database_is_unreachable() -> None:
    app = create_app(Settings(database_url=UNREACHABLE, seed_demo_if_empty=False))
    client = app.server.test_client()
    started = time.monotonic()
    response = client.get("/api/v1/indicators?level=national")
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    body = response.get_json()
    assert body["code"] == 503
    assert "unreachable" in body["message"]
    assert "Traceback" not in response.get_data(as_text=True)
    assert "psycopg" not in response.get_data(as_text=True)


def test_page_still_loads_and_health_callback_reports_the_outage() -> None:
    app = create_app(Settings(database_url=UNREACHABLE, seed_demo_if_empty=False))
    client = app.server.test_client()
    assert client.get("/").status_code == 200
    payload = health_request()
    response = client.post(
        "/_dash-update-component", data=json.dumps(payload), content_type="application/json"
    )
    assert response.status_code == 200
    result = response.get_json()["response"]
    assert "cannot be reached" in result["db-alert"]["children"]
    assert result["db-alert"]["hidden"] is False
    assert result["retry-interval"]["disabled"] is False


def test_security_headers_are_on_every_response(sqlite_url: str) -> None:
    app = create_app(Settings(database_url=sqlite_url, seed_demo_if_empty=False))
    client = app.server.test_client()
    for path in ("/", "/api/v1/months", "/api/v1/indicators?level=bogus"):
        headers = client.get(path).headers
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self' 'sha256-" in policy
        assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert headers["X-Frame-Options"] == "SAMEORIGIN"
