"""``GET /health`` tells a load balancer whether this process can serve figures."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from dashboard import create_app
from data_access import schema
from data_access.db import make_engine
from data_access.settings import Settings

UNREACHABLE = "postgresql+psycopg://genscan:none@127.0.0.1:9/genscan"


def test_health_is_ok_with_the_data_version_on_every_probe(database_url: str) -> None:
    app = create_app(Settings(database_url=database_url, seed_demo_if_empty=False))
    engine = make_engine(database_url)
    with engine.connect() as conn:
        version = conn.execute(select(func.max(schema.import_log.c.id))).scalar()
    engine.dispose()
    client = app.server.test_client()
    for _ in range(30):  # probes are never rate limited
        response = client.get("/health", headers={"Accept-Encoding": "br, gzip"})
        assert response.status_code == 200
        assert response.get_json() == {"status": "ok", "data_version": version, "database": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Content-Encoding" not in response.headers


def test_health_answers_503_within_5_s_when_the_database_is_unreachable() -> None:
    started = time.monotonic()
    app = create_app(Settings(database_url=UNREACHABLE, seed_demo_if_empty=False))
    response = app.server.test_client().get("/health")
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    body = response.get_json()
    assert (body["status"], body["database"]) == ("unavailable", "unreachable")
    assert response.headers["Cache-Control"] == "no-store"
