"""The web app needs nothing but SELECT: it runs whole under a read-only PostgreSQL role.

The role gets CONNECT on the database, USAGE on its schema and SELECT on its tables, nothing
else. Every API route, the page and every server callback work with it; a write with it fails.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from dashboard import create_app
from data_access.db import make_engine
from data_access.settings import REPO_ROOT, Settings
from tests.conftest import database_checksum

pytestmark = pytest.mark.postgres

PASSWORD = "read-only-test"  # a throwaway role, dropped at the end of each test
VIEW = {
    "month": "2023-01",
    "metric": "tension",
    "region": "93",
    "department": "13",
    "family": "DATA",
    "metier": None,
    "poste": None,
    "lang": "fr",
}
INPUT_VALUES: dict[tuple[str, str], Any] = {
    ("url", "search"): "?month=2023-01&region=93&department=13&family=DATA",
    ("state", "data"): VIEW,
    ("lang-store", "data"): "en",
    ("data-version", "data"): 1,
    ("download-csv-button", "n_clicks"): 1,
    ("retry-interval", "n_intervals"): 1,
    ("tools", "data"): {"plan": "5", "compare": "FR,R93,13"},
    ("url", "pathname"): "/",
}
REPORT_VALUES = {("url", "pathname"): "/report", ("url", "search"): "?department=13&lang=en"}
READ_ROUTES = [
    "/api/v1/months",
    "/api/v1/cartography",
    "/api/v1/territories",
    "/api/v1/indicators",
    "/api/v1/indicators?level=region&month=2022-11&format=csv",
    "/api/v1/indicators?level=department&region=93&family=DATA",
    "/api/v1/trend",
    "/api/v1/trend?level=department&code=13&poste=data-analyst&format=csv",
    "/api/v1/openapi.json",
    "/api/v1/vintages",
    "/api/v1/months?vintage=1",
    "/api/v1/export.csv",
    "/api/v1/export.parquet?vintage=1",
    "/api/v1/datapackage.json",
    "/",
    "/_dash-layout",
    "/_dash-dependencies",
]


@pytest.fixture
def read_only_url(postgres_server_url: str, postgres_url: str) -> Iterator[str]:
    """A role allowed to connect to the fixture copy and read it, and nothing more."""
    role = f"genscan_ro_{uuid.uuid4().hex[:8]}"
    database = make_url(postgres_url).database
    admin = create_engine(postgres_server_url, isolation_level="AUTOCOMMIT")
    owner = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD '{PASSWORD}'"))
        conn.execute(text(f'GRANT CONNECT ON DATABASE "{database}" TO {role}'))
    with owner.connect() as conn:
        conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {role}"))
        conn.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}"))
    url = make_url(postgres_url).set(username=role, password=PASSWORD)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with owner.connect() as conn:
            conn.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}"))
            conn.execute(text(f"REVOKE ALL ON SCHEMA public FROM {role}"))
        owner.dispose()
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :r"),
                {"r": role},
            )
            conn.execute(text(f'REVOKE ALL ON DATABASE "{database}" FROM {role}'))
            conn.execute(text(f"DROP ROLE {role}"))
        admin.dispose()


def _output(name: str) -> dict[str, str]:
    component, prop = name.split(".", 1)
    return {"id": component, "property": prop}


def recorded_payloads() -> list[dict[str, Any]]:
    """The browser's recorded requests, moved onto the fixture months."""
    text = (REPO_ROOT / "bench/payloads/filter_change.json").read_text(encoding="utf-8")
    return json.loads(text.replace("2024-11", "2023-01").replace("2024-12", "2022-12"))


def callback_bodies(callback_map: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """A request for every server callback of the page, as the browser would send it."""
    for output, spec in callback_map.items():
        if "callback" not in spec:
            continue  # clientside: runs in the browser only
        if output.startswith(".."):
            names = output[2:-2].split("...")
            outputs: Any = [
                dict(zip(("id", "property"), n.split(".", 1), strict=True)) for n in names
            ]
        else:
            outputs = dict(zip(("id", "property"), output.split(".", 1), strict=True))

        known = {**INPUT_VALUES, **(REPORT_VALUES if "report-content" in output else {})}

        def values(
            items: list[dict[str, str]], known: dict[tuple[str, str], Any] = known
        ) -> list[dict[str, Any]]:
            return [{**item, "value": known.get((item["id"], item["property"]))} for item in items]

        inputs = values(spec["inputs"])
        first = f"{inputs[0]['id']}.{inputs[0]['property']}"
        yield (
            output,
            {
                "output": output,
                "outputs": outputs,
                "inputs": inputs,
                "state": values(spec["state"]),
                "changedPropIds": [first],
            },
        )


def test_recorded_payloads_cover_callbacks_the_generator_builds(sqlite_url: str) -> None:
    recorded = json.loads((REPO_ROOT / "bench/payloads/filter_change.json").read_text())
    assert {body["output"] for body in recorded} <= {
        output
        for output, _ in callback_bodies(create_app(Settings(database_url=sqlite_url)).callback_map)
    }


def test_app_runs_with_a_read_only_role(read_only_url: str, postgres_url: str) -> None:
    owner = make_engine(postgres_url)
    before = database_checksum(owner)
    app = create_app(Settings(database_url=read_only_url, seed_demo_if_empty=False))
    client = app.server.test_client()
    for route in READ_ROUTES:
        response = client.get(route)
        assert response.status_code == 200, (route, response.get_data(as_text=True)[:300])
    indicators = client.get("/api/v1/indicators").get_json()
    assert indicators["month"] == "2023-01"
    assert len(indicators["rows"]) == 101

    called = 0
    for output, body in callback_bodies(app.callback_map):
        response = client.post("/_dash-update-component", json=body)
        assert response.status_code == 200, (output, response.get_data(as_text=True)[:300])
        outputs = response.get_json()["response"]
        assert "db-error" not in outputs or outputs["db-error"] == {}, output
        assert outputs.get("db-alert", {}).get("hidden", True) is True, output
        called += 1
    assert called == 6  # view, language, report, methodology, health, download

    recorded = json.loads((REPO_ROOT / "bench/payloads/filter_change.json").read_text())
    for body in recorded:
        body = json.loads(
            json.dumps(body).replace("2024-11", "2023-01").replace("2024-12", "2022-12")
        )
        response = client.post("/_dash-update-component", json=body)
        assert response.status_code == 200, body["output"]

    app.server.extensions["genscan_engine"].dispose()
    assert database_checksum(owner) == before
    owner.dispose()


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO import_log (file_name) VALUES ('forged.csv')",
        "UPDATE fact SET job_offers = 0",
        "DELETE FROM month_measure",
        "CREATE TABLE intruder (id integer)",
        "DROP TABLE rollup",
    ],
)
def test_a_write_with_the_read_only_role_fails(read_only_url: str, statement: str) -> None:
    engine = make_engine(read_only_url)
    try:
        with (
            pytest.raises(ProgrammingError, match=r"permission denied|must be owner"),
            engine.begin() as conn,
        ):
            conn.execute(text(statement))
    finally:
        engine.dispose()
