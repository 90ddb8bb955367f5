"""A request body above ``GENSCAN_MAX_BODY_BYTES`` is refused with a JSON 413, unread."""

from __future__ import annotations

import json
from typing import Any

from dashboard import create_app
from data_access.settings import REPO_ROOT, Settings
from tests.dashboard.payloads import health_request

CALLBACK = "/_dash-update-component"


def post(client: Any, body: bytes) -> Any:
    return client.post(CALLBACK, data=body, content_type="application/json")


def test_a_2_mb_callback_body_gets_413_and_the_callback_never_runs(sqlite_url: str) -> None:
    app = create_app(Settings(database_url=sqlite_url, seed_demo_if_empty=False))
    dispatch = app.server.view_functions[CALLBACK]
    calls: list[int] = []

    def counted_dispatch(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return dispatch(*args, **kwargs)

    app.server.view_functions[CALLBACK] = counted_dispatch
    client = app.server.test_client()
    assert post(client, json.dumps(health_request()).encode()).status_code == 200
    assert calls == [1]

    padded = {**health_request(), "padding": "x" * 2_000_000}
    response = post(client, json.dumps(padded).encode())
    assert response.status_code == 413
    assert response.get_json() == {
        "code": 413,
        "status": "Payload Too Large",
        "message": "the request body is larger than the limit of 1048576 bytes",
    }
    assert calls == [1]


def test_the_limit_is_a_setting(sqlite_url: str) -> None:
    settings = Settings(database_url=sqlite_url, seed_demo_if_empty=False, max_body_bytes=2048)
    client = create_app(settings).server.test_client()
    assert post(client, json.dumps(health_request()).encode()).status_code == 200
    assert post(client, b"[" + b"1," * 1500 + b"1]").status_code == 413
    assert client.post("/api/v1/months", data=b"x" * 4096).status_code == 413


def test_the_default_limit_leaves_room_for_the_largest_real_callback_body() -> None:
    recorded = json.loads((REPO_ROOT / "bench/payloads/filter_change.json").read_text("utf-8"))
    largest = max(len(json.dumps(body).encode()) for body in [*recorded, health_request()])
    assert largest * 100 < Settings().max_body_bytes
