"""Forged requests: hostile callback bodies and API queries never give a 500, never leak
internals, and never change the database.

The callback bodies start from requests recorded in a browser (``bench/payloads``), with their
months moved onto the fixture months, then one thing at a time is made hostile.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine

from dashboard import create_app
from dashboard.core.state import parse_query, store_state
from data_access import schema
from data_access.db import make_engine
from data_access.queries import Catalog, Repository
from data_access.settings import REPO_ROOT, Settings
from tests.conftest import database_checksum
from tests.dashboard.payloads import health_request

PAYLOADS = REPO_ROOT / "bench" / "payloads" / "filter_change.json"
UPDATE = "/_dash-update-component"
LONG = "A" * 100_000
SQL = [
    "2023-01' OR '1'='1",
    "'; DROP TABLE fact; --",
    "1 UNION SELECT name FROM sqlite_master",
    '") OR 1=1; DELETE FROM import_log; --',
]
LEAKS = [
    "Traceback",
    'File "',
    "[SQL:",
    "sqlalchemy",
    "psycopg",
    "sqlite3",
    "OperationalError",
    "ProgrammingError",
    "site-packages",
    "Background on this error",
    str(REPO_ROOT),
    "/tmp/",
    *[f"FROM {name}" for name in schema.metadata.tables],
    *[f'FROM "{name}"' for name in schema.metadata.tables],
]


def _recorded() -> list[dict[str, Any]]:
    text = PAYLOADS.read_text(encoding="utf-8")
    return json.loads(text.replace("2024-11", "2023-01").replace("2024-12", "2022-12"))


RECORDED = _recorded()


def _recorded_for(output_prefix: str) -> dict[str, Any]:
    return next(body for body in RECORDED if body["output"].startswith(output_prefix))


STATE_CHANGE = _recorded_for("..state.data")  # one callback: the view, then its panels


def _state_item(body: dict[str, Any], component: str) -> dict[str, Any]:
    return next(item for item in body["state"] if item["id"] == component)


def _sorted_top_jobs(body: dict[str, Any]) -> None:
    """A click on a header of the top 30: the panels are drawn from the stores the page holds."""
    body["changedPropIds"] = body["parsedChangedPropsIds"] = ["top-jobs-sort.data"]
    for item in body["inputs"]:
        if item["id"] == "top-jobs-sort":
            item["value"] = {"key": "tension", "descending": True}


ON_CONTENT = copy.deepcopy(STATE_CHANGE)
_sorted_top_jobs(ON_CONTENT)
# The names say which panel a forgery aims at; one callback draws them all.
ON_MAP = ON_TABLE = ON_TREND = ON_BREAKDOWNS = ON_TOP_JOBS = ON_TOOLS = ON_CONTENT
VIEW = _state_item(ON_CONTENT, "state")["value"]
HEALTH = health_request()
DOWNLOAD = {
    "output": "download-csv.data",
    "outputs": {"id": "download-csv", "property": "data"},
    "inputs": [{"id": "download-csv-button", "property": "n_clicks", "value": 1}],
    "changedPropIds": ["download-csv-button.n_clicks"],
    "state": [{"id": "state", "property": "data", "value": VIEW}],
}
STATE_INPUT_IDS = {  # each input of the state-change callback, by a short name
    "search": "url.search",
    "month": "filter-month.value",
    "metric": "filter-metric.value",
    "region": "filter-region.value",
    "department": "filter-department.value",
    "family": "filter-family.value",
    "metier": "filter-metier.value",
    "poste": "filter-poste.value",
    "change": "filter-change.value",
    "fragile": "filter-fragile.value",
    "plan": "sim-plan.value",
    "compare": "compare-select.value",
    "click": "map.clickData",
    "reset": "reset-selection.n_clicks",
    "compare-add": "compare-add.n_clicks",
    "data-version": "data-version.data",
}
_POSITIONS = {f"{i['id']}.{i['property']}": n for n, i in enumerate(STATE_CHANGE["inputs"])}
STATE_INPUT = {name: _POSITIONS[prop] for name, prop in STATE_INPUT_IDS.items()}
STORED_STATE = next(n for n, s in enumerate(STATE_CHANGE["state"]) if s["id"] == "state")
STORED_TOOLS = next(n for n, s in enumerate(STATE_CHANGE["state"]) if s["id"] == "tools")
STORED_PATH = next(n for n, s in enumerate(STATE_CHANGE["state"]) if s["property"] == "pathname")


def edited(template: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    body = copy.deepcopy(template)
    change(body)
    return body


def control(name: str, value: Any, trigger: str | None = None) -> dict[str, Any]:
    """The state-change request with one input replaced (and named as the trigger)."""
    index = STATE_INPUT[name]

    def change(body: dict[str, Any]) -> None:
        body["inputs"][index]["value"] = value
        if trigger is not None:
            prop = f"{body['inputs'][index]['id']}.{body['inputs'][index]['property']}"
            body["changedPropIds"] = body["parsedChangedPropsIds"] = [prop]

    return edited(STATE_CHANGE, change)


def previous_state(value: Any) -> dict[str, Any]:
    return edited(
        STATE_CHANGE, lambda body: body["state"][STORED_STATE].__setitem__("value", value)
    )


def previous_tools(value: Any) -> dict[str, Any]:
    return edited(
        STATE_CHANGE, lambda body: body["state"][STORED_TOOLS].__setitem__("value", value)
    )


def tools_input(value: Any) -> dict[str, Any]:
    """The panels drawn from a forged ``tools`` store."""
    return edited(ON_TOOLS, lambda body: _state_item(body, "tools").__setitem__("value", value))


def view_input(template: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """The panels drawn from a forged ``state`` store."""
    return raw_view_input(template, {**VIEW, **fields})


def raw_view_input(template: dict[str, Any], value: Any) -> dict[str, Any]:
    return edited(template, lambda body: _state_item(body, "state").__setitem__("value", value))


def click(value: Any) -> dict[str, Any]:
    return control("click", value, trigger="map")


@dataclass(frozen=True)
class Forged:
    """One forged request: a callback body (or raw bytes), or an API call."""

    body: Any = None
    raw: str | None = None
    content_type: str = "application/json"
    method: str = "POST"
    path: str = UPDATE
    check_db: bool = False


def api(path: str, *, method: str = "GET", check_db: bool = False) -> Forged:
    return Forged(method=method, path=path, check_db=check_db)


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda body: body.pop(key)


CALLBACK_CASES: dict[str, Forged] = {
    # SQL fragments in every filter and in the URL.
    **{
        f"sql-in-{name}": Forged(control(name, SQL[i % len(SQL)], trigger=name), check_db=i < 3)
        for i, name in enumerate(
            ["month", "metric", "region", "department", "family", "metier", "poste"]
        )
    },
    "sql-in-url-search": Forged(
        control("search", "?month=" + "&region=".join(SQL), trigger="url"), check_db=True
    ),
    # Sizes.
    "100kb-url-search": Forged(control("search", "?month=" + LONG, trigger="url")),
    "100kb-family": Forged(control("family", LONG, trigger="family")),
    "5000-url-params": Forged(
        control("search", "?" + "&".join(f"k{i}=v" for i in range(5000)), trigger="url")
    ),
    "huge-list-region": Forged(control("region", list(range(100_000)), trigger="region")),
    # Wrong types where text is expected.
    "number-search": Forged(control("search", 42, trigger="url")),
    "list-search": Forged(control("search", ["?month=2023-01"], trigger="url")),
    "dict-month": Forged(control("month", {"$ne": None}, trigger="month")),
    "list-metric": Forged(control("metric", ["tension"], trigger="metric")),
    "bool-department": Forged(control("department", True, trigger="department")),
    "float-poste": Forged(control("poste", 1.5e308, trigger="poste")),
    "nested-metier": Forged(control("metier", {"a": [{"b": {"c": [1]}}]}, trigger="metier")),
    "string-n-clicks": Forged(control("reset", "'; DROP TABLE fact; --", trigger="reset")),
    "sql-data-version": Forged(control("data-version", SQL[1], trigger="data-version")),
    # The previous state, as the browser sends it back.
    "state-list": Forged(previous_state([1, 2, 3])),
    "state-string": Forged(previous_state("' OR 1=1")),
    "state-number": Forged(previous_state(7)),
    "state-extra-keys": Forged(previous_state({**VIEW, "evil": 1, "__class__": "x"})),
    "state-bad-lang": Forged(previous_state({**VIEW, "lang": "de"})),
    "state-bad-metric": Forged(previous_state({**VIEW, "metric": "salary"})),
    "state-sql-month": Forged(previous_state({**VIEW, "month": SQL[0]})),
    "state-dict-region": Forged(previous_state({**VIEW, "region": {"code": "11"}})),
    # The decision tools' inputs and store.
    "plan-negative": Forged(control("plan", -5, trigger="plan")),
    "plan-huge": Forged(control("plan", 10**300, trigger="plan")),
    "plan-nan-string": Forged(control("plan", "NaN", trigger="plan")),
    "plan-dict": Forged(control("plan", {"$gt": 0}, trigger="plan")),
    "compare-sql": Forged(control("compare", [SQL[0], SQL[1]], trigger="compare")),
    "compare-100k": Forged(control("compare", ["75"] * 100_000, trigger="compare")),
    "compare-string": Forged(control("compare", "FR,R53", trigger="compare")),
    "change-sql": Forged(control("change", SQL[2], trigger="change")),
    "fragile-dict": Forged(control("fragile", {"exclude": True}, trigger="fragile")),
    "compare-add-string": Forged(control("compare-add", SQL[0], trigger="compare-add")),
    "tools-store-extra": Forged(previous_tools({"plan": "5", "evil": 1})),
    "tools-store-list": Forged(previous_tools(["5"])),
    "tools-plan-sql": Forged(tools_input({"plan": SQL[0], "compare": None})),
    "tools-compare-unknown": Forged(tools_input({"plan": None, "compare": "FR,XX,R99"})),
    "tools-compare-five": Forged(tools_input({"plan": None, "compare": "FR,R53,35,29,56"})),
    "tools-plan-huge": Forged(tools_input({"plan": "9" * 90, "compare": None})),
    "state-bad-change": Forged(previous_state({**VIEW, "change": "7"})),
    "report-path-sql": Forged(
        edited(
            STATE_CHANGE,
            lambda b: b["state"][STORED_PATH].__setitem__("value", "/report' OR 1=1"),
        )
    ),
    # Map clicks pointing at odd locations.
    "click-sql-location": Forged(click({"points": [{"location": SQL[0]}]})),
    "click-traversal": Forged(click({"points": [{"location": "../../etc/passwd"}]})),
    "click-number": Forged(click({"points": [{"location": 75}]})),
    "click-dict": Forged(click({"points": [{"location": {"code": "75"}}]})),
    "click-points-string": Forged(click({"points": "x"})),
    "click-empty-points": Forged(click({"points": []})),
    "click-list": Forged(click([{"location": "75"}])),
    "click-bare-zoom": Forged(click({"points": [{"location": "-zoom"}]})),
    # Forged stores fed to the content callbacks.
    "map-bad-metric": Forged(view_input(ON_MAP, metric="salary")),
    "map-bad-lang": Forged(view_input(ON_MAP, lang="xx")),
    "map-sql-month": Forged(view_input(ON_MAP, month=SQL[0]), check_db=True),
    "map-state-list": Forged(raw_view_input(ON_MAP, ["2023-01"])),
    "map-forged-signature": Forged(
        edited(
            ON_MAP,
            lambda b: _state_item(b, "map-signature").__setitem__("value", {"structure": [1]}),
        )
    ),
    "table-sql-region": Forged(view_input(ON_TABLE, region=SQL[2])),
    "trend-sql-department": Forged(view_input(ON_TREND, department=SQL[1]), check_db=True),
    "trend-100kb-department": Forged(view_input(ON_TREND, department=LONG)),
    "breakdown-list-family": Forged(view_input(ON_BREAKDOWNS, family=["DATA"])),
    "top-jobs-dict-poste": Forged(view_input(ON_TOP_JOBS, poste={"x": 1})),
    "top-jobs-extra-key": Forged(view_input(ON_TOP_JOBS, evil="1")),
    "top-jobs-inconsistent": Forged(view_input(ON_TOP_JOBS, region="11", department="13")),
    "download-sql-state": Forged(
        edited(DOWNLOAD, lambda b: b["state"][0].__setitem__("value", {**VIEW, "poste": SQL[3]}))
    ),
    "health-forged-lang": Forged(
        edited(HEALTH, lambda b: b["state"][0].__setitem__("value", {"lang": ["en"]}))
    ),
    # The envelope itself.
    "unknown-output": Forged(
        edited(ON_MAP, lambda b: b.update(output="nope.figure", outputs={"id": "nope"}))
    ),
    "clientside-output": Forged(
        {"output": "lang-applied.data", "outputs": {"id": "lang-applied", "property": "data"}}
    ),
    "unknown-input-id": Forged(edited(ON_MAP, lambda b: b["inputs"][0].update(id="evil"))),
    "unknown-input-property": Forged(
        edited(ON_MAP, lambda b: b["inputs"][0].update(property="__proto__"))
    ),
    "pattern-matching-id": Forged(
        edited(ON_MAP, lambda b: b["inputs"][0].update(id={"type": "x", "index": 1}))
    ),
    "pattern-matching-trigger": Forged(
        edited(STATE_CHANGE, lambda b: b.update(changedPropIds=['{"type":"x"}.value']))
    ),
    "missing-output": Forged(edited(ON_MAP, _drop("output"))),
    "missing-outputs": Forged(edited(ON_MAP, _drop("outputs"))),
    "missing-inputs": Forged(edited(ON_MAP, _drop("inputs"))),
    "missing-state": Forged(edited(ON_MAP, _drop("state"))),
    "missing-changed-props": Forged(edited(ON_MAP, _drop("changedPropIds"))),
    "inputs-as-string": Forged(edited(ON_MAP, lambda b: b.update(inputs="state.data"))),
    "outputs-as-number": Forged(edited(ON_MAP, lambda b: b.update(outputs=3))),
    "changed-props-dict": Forged(edited(ON_MAP, lambda b: b.update(changedPropIds={"a": 1}))),
    "1000-inputs": Forged(edited(ON_MAP, lambda b: b.update(inputs=b["inputs"] * 1000))),
    "100kb-output": Forged(edited(ON_MAP, lambda b: b.update(output=LONG))),
    "body-list": Forged([RECORDED[0]]),
    "body-null": Forged(None),
    "body-string": Forged("state.data"),
    "malformed-json": Forged(raw='{"output": "..map.figure..", '),
    "empty-body": Forged(raw=""),
    "deeply-nested-json": Forged(raw="[" * 100_000 + "]" * 100_000),
    "text-plain": Forged(raw=json.dumps(RECORDED[0]), content_type="text/plain"),
    "form-encoded": Forged(
        raw="output=map.figure", content_type="application/x-www-form-urlencoded"
    ),
    "get-instead-of-post": Forged(method="GET"),
}

API_CASES: dict[str, Forged] = {
    "api-sql-month": api("/api/v1/indicators?month=2023-01'%20OR%20'1'='1", check_db=True),
    "api-sql-level": api("/api/v1/indicators?level=department;DROP%20TABLE%20fact"),
    "api-sql-region": api("/api/v1/indicators?level=region&region=11%20UNION%20SELECT%201"),
    "api-sql-family": api("/api/v1/indicators?family=DATA'--", check_db=True),
    "api-sql-poste": api("/api/v1/trend?poste=x%22);DELETE%20FROM%20fact;--"),
    "api-sql-code": api("/api/v1/trend?level=department&code=75'%20OR%201=1"),
    "api-long-month": api(f"/api/v1/indicators?month={LONG}"),
    "api-long-code": api(f"/api/v1/trend?level=department&code={'7' * 10_000}"),
    "api-long-unknown-param": api(f"/api/v1/months?{LONG}=1"),
    "api-repeated-family": api("/api/v1/indicators?family=DATA&family=DEV"),
    "api-repeated-month": api("/api/v1/indicators?month=2023-01&month=2022-12"),
    "api-repeated-format": api("/api/v1/trend?format=csv&format=json"),
    "api-unicode-level": api("/api/v1/indicators?level=r%C3%A9gion"),
    "api-fullwidth-digits": api("/api/v1/indicators?month=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%93-01"),
    "api-emoji-family": api("/api/v1/indicators?family=%F0%9F%92%A5"),
    "api-rtl-code": api("/api/v1/trend?level=region&code=%E2%80%AE11"),
    "api-null-byte": api("/api/v1/indicators?month=2023-01%00"),
    "api-bad-percent": api("/api/v1/indicators?month=%zz%"),
    "api-unknown-param": api("/api/v1/indicators?limit=1;--"),
    "api-param-on-months": api("/api/v1/months?x=1"),
    "api-format-xml": api("/api/v1/indicators?format=xml"),
    "api-region-national": api("/api/v1/indicators?level=national&region=11"),
    "api-traversal-code": api("/api/v1/trend?level=department&code=../../etc/passwd"),
    "api-traversal-path": api("/api/v1/../../../etc/passwd"),
    "api-encoded-traversal": api("/api/v1/%2e%2e/%2e%2e/etc/passwd"),
    "api-unknown-route": api("/api/v1/indicators/../../../data_access/settings.py"),
    "api-post": api("/api/v1/indicators", method="POST"),
    "api-delete": api("/api/v1/months", method="DELETE"),
    "assets-traversal": api("/assets/../data_access/settings.py"),
    "assets-encoded-traversal": api("/assets/%2e%2e/data_access/settings.py"),
    "suites-traversal": api("/_dash-component-suites/dash/../../../../etc/passwd"),
    "geojson-traversal": api("/geodata/..%2f..%2fdata_access%2fsettings.py"),
}

CASES = {**CALLBACK_CASES, **API_CASES}


@pytest.fixture(scope="module")
def forged_db(
    fixture_sqlite_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Engine]]:
    """One copy of the fixture database for the whole module, checksummed before and after."""
    target = tmp_path_factory.mktemp("forged") / "db.sqlite3"
    shutil.copyfile(fixture_sqlite_file, target)
    url = f"sqlite:///{target}"
    engine = make_engine(url)
    before = database_checksum(engine)
    yield url, engine
    after = database_checksum(engine)
    engine.dispose()
    assert after == before, "the forged requests changed the database"


@pytest.fixture(scope="module")
def app_and_catalog(forged_db: tuple[str, Engine]) -> tuple[FlaskClient, Catalog]:
    url, engine = forged_db
    app = create_app(Settings(database_url=url, seed_demo_if_empty=False))
    return app.server.test_client(), Repository(engine, "2022-10").catalog()


def send(client: FlaskClient, case: Forged) -> Any:
    if case.path != UPDATE or case.method != "POST":
        return client.open(case.path, method=case.method)
    data = case.raw if case.raw is not None else json.dumps(case.body)
    return client.post(UPDATE, data=data, content_type=case.content_type)


def assert_no_leak(text: str) -> None:
    for marker in LEAKS:
        assert marker not in text, f"the response leaks {marker!r}"


def assert_valid_view(response_json: dict[str, Any], catalog: Catalog) -> None:
    """Whatever state a forged request produced must be one the page could produce."""
    outputs = response_json.get("response", {})
    if "state" in outputs:
        assert store_state(outputs["state"]["data"], catalog) is not None
    if "url" in outputs:
        _, ignored = parse_query(outputs["url"]["search"], catalog)
        assert not ignored


def test_there_are_enough_forged_cases() -> None:
    assert len(CASES) >= 50


@pytest.mark.parametrize("name", list(CASES))
def test_forged_request_is_refused_cleanly(
    name: str,
    app_and_catalog: tuple[FlaskClient, Catalog],
    forged_db: tuple[str, Engine],
) -> None:
    client, catalog = app_and_catalog
    case = CASES[name]
    before = database_checksum(forged_db[1]) if case.check_db else None
    response = send(client, case)
    text = response.get_data(as_text=True)
    assert response.status_code < 500, text[:500]
    assert response.status_code in {200, 204, 400, 404, 405, 413, 415}
    assert_no_leak(text)
    if response.status_code >= 400 and (case.path.startswith("/api/") or case.path == UPDATE):
        assert response.is_json, text[:200]
        assert response.get_json()["code"] == response.status_code
    if response.status_code == 200 and case.path == UPDATE and case.method == "POST":
        assert_valid_view(response.get_json(), catalog)
    if before is not None:
        assert database_checksum(forged_db[1]) == before


@pytest.mark.parametrize("index", range(len(RECORDED)))
def test_recorded_requests_still_work(
    index: int, app_and_catalog: tuple[FlaskClient, Catalog]
) -> None:
    """The guards refuse forgeries, not the page's own requests."""
    client, catalog = app_and_catalog
    response = client.post(UPDATE, json=RECORDED[index])
    assert response.status_code == 200
    assert_valid_view(response.get_json(), catalog)


def test_forged_store_is_refused_by_the_content_callback(
    app_and_catalog: tuple[FlaskClient, Catalog],
) -> None:
    client, _ = app_and_catalog
    response = client.post(UPDATE, json=view_input(ON_CONTENT, metric="salary"))
    assert response.status_code == 204
    for tools in ({"plan": "-1", "compare": None}, {"plan": None, "compare": "FR,R53,35,29,56"}):
        assert client.post(UPDATE, json=tools_input(tools)).status_code == 204


def test_forged_previous_state_falls_back_to_the_url(
    app_and_catalog: tuple[FlaskClient, Catalog],
) -> None:
    client, _ = app_and_catalog
    response = client.post(UPDATE, json=previous_state({**VIEW, "lang": "de"}))
    state = response.get_json()["response"]["state"]["data"]
    assert state["lang"] == "fr"
    assert state["month"] == "2022-12"  # what the URL of the recorded request says


def test_debug_mode_and_dev_tools_are_off_by_default(sqlite_url: str) -> None:
    assert Settings.from_env({}).debug is False
    app = create_app(Settings(database_url=sqlite_url, seed_demo_if_empty=False))
    assert app.server.debug is False
    client = app.server.test_client()
    page = client.get("/").get_data(as_text=True)
    match = re.search(r'<script id="_dash-config" type="application/json">(.*?)</script>', page)
    assert match is not None
    config = json.loads(match.group(1))
    assert config["ui"] is False  # no dev tools panel
    assert config["props_check"] is False
    assert "hot_reload" not in config
    reload_hash = client.get("/_reload-hash")
    assert reload_hash.status_code == 404
    assert "packages" not in reload_hash.get_data(as_text=True)
