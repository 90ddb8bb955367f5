"""``GET /health``: whether this process can serve figures, for a load balancer's probe.

It asks the database for the data version, the one query every request makes first, and never
answers from a cache: a probe must see an outage as soon as it starts and its end as soon as it
ends. The engine fails fast on an unreachable server (see ``data_access.db``), so the answer
comes within seconds either way.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify
from sqlalchemy.exc import DBAPIError

from dashboard.core.service import Service

HEALTH_PATH = "/health"


def register_health(server: Flask, service: Service) -> None:
    """``200 {"status": "ok", …}`` when the database answers, ``503`` when it does not."""

    @server.get(HEALTH_PATH)
    def health() -> tuple[Response, int]:
        body: dict[str, Any]
        try:
            version = service.data_version()
        except DBAPIError:  # logged where it failed, by the engine
            body = {"status": "unavailable", "database": "unreachable", "data_version": None}
            status = 503
        else:
            body, status = {"status": "ok", "data_version": version, "database": "ok"}, 200
        response = jsonify(body)
        response.headers["Cache-Control"] = "no-store"
        return response, status
