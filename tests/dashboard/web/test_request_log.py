"""Every request gets one JSON log line under a request id, which the response carries back."""

from __future__ import annotations

import json
from typing import Any

import pytest
from dash import Dash

from dashboard import create_app
from data_access.settings import Settings
from tests.dashboard.payloads import health_request

CALLBACK = "/_dash-update-component"


@pytest.fixture
def app(sqlite_url: str) -> Dash:
    return create_app(Settings(database_url=sqlite_url, seed_demo_if_empty=False))


def request_lines(err: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    return [line for line in lines if line["logger"] == "dashboard.web.request_log"]


def post_callback(app: Dash, body: Any, **headers: str) -> Any:
    return app.server.test_client().post(
        CALLBACK, data=json.dumps(body), content_type="application/json", headers=headers
    )


def test_a_request_is_logged_once_with_its_id_method_path_status_and_duration(
    app: Dash, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    response = app.server.test_client().get("/api/v1/months?bogus=1")
    (line,) = request_lines(capsys.readouterr().err)
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert len(line["request_id"]) == 32
    assert (line["method"], line["path"], line["status"]) == ("GET", "/api/v1/months", 400)
    assert (line["level"], line["message"]) == ("INFO", "GET /api/v1/months 400")
    assert 0 < line["duration_ms"] < 10_000
    assert set(line) >= {"time", "level", "logger", "message"}


def test_a_safe_incoming_request_id_is_kept_and_an_unsafe_one_replaced(
    app: Dash, capsys: pytest.CaptureFixture[str]
) -> None:
    client = app.server.test_client()
    kept = client.get("/health", headers={"X-Request-ID": "lb-7f3a.9:2"})
    assert kept.headers["X-Request-ID"] == "lb-7f3a.9:2"
    for unsafe in ("a b", 'x"}{"level":"ERROR', "y" * 65, "é"):
        replaced = client.get("/health", headers={"X-Request-ID": unsafe})
        assert replaced.headers["X-Request-ID"] != unsafe
        assert len(replaced.headers["X-Request-ID"]) == 32
    ids = [line["request_id"] for line in request_lines(capsys.readouterr().err)]
    assert ids[-5] == "lb-7f3a.9:2"


def test_a_callback_is_logged_by_its_output_ids(
    app: Dash, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert post_callback(app, health_request()).status_code == 200
    (line,) = request_lines(capsys.readouterr().err)
    assert line["path"] == health_request()["output"]
    assert line["method"] == "POST"


def test_a_refused_callback_body_is_logged_with_its_cause_and_a_bounded_path(
    app: Dash, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    forged = {**health_request(), "output": "x" * 10_000}
    response = post_callback(app, forged, **{"X-Request-ID": "forged-1"})
    assert response.status_code == 400
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    refusal = next(line for line in lines if line["message"] == "callback body refused")
    assert refusal["cause"] == "no server callback has this output"
    assert refusal["request_id"] == "forged-1"
    (line,) = request_lines("\n".join(json.dumps(line) for line in lines))
    assert line["status"] == 400
    assert len(line["path"]) <= 200


def test_a_database_error_is_logged_with_its_cause_and_request_id_but_no_password(
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = "postgresql+psycopg://genscan:pw-never-logged@127.0.0.1:9/genscan"
    app = create_app(Settings(database_url=url, seed_demo_if_empty=False))
    response = app.server.test_client().get("/api/v1/months", headers={"X-Request-ID": "db-1"})
    assert response.status_code == 503
    err = capsys.readouterr().err
    assert "pw-never-logged" not in err
    lines = [json.loads(line) for line in err.splitlines()]
    failure = next(line for line in lines if line["logger"] == "data_access.db")
    assert (failure["level"], failure["request_id"]) == ("ERROR", "db-1")
    assert "Connection refused" in failure["cause"]
    (answered,) = request_lines(err)
    assert (answered["level"], answered["status"]) == ("ERROR", 503)
    ready = next(line for line in lines if line["message"] == "app ready")
    assert ready["database"] == "postgresql+psycopg://genscan:***@127.0.0.1:9/genscan"


def test_text_format_writes_one_readable_line_per_request(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(database_url=sqlite_url, seed_demo_if_empty=False, log_format="text")
    app = create_app(settings)
    capsys.readouterr()
    app.server.test_client().get("/health", headers={"X-Request-ID": "t-1"})
    (line,) = [x for x in capsys.readouterr().err.splitlines() if "request_log" in x]
    assert " INFO dashboard.web.request_log GET /health 200 " in line
    assert "request_id=t-1" in line
