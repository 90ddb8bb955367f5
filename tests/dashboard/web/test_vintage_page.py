"""A page address may name a vintage: the page, its clicks, its CSV and its report then show
the figures as they stood right after it, and say so, with the way back to the current ones."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from dashboard import create_app
from dashboard.core import ids
from dashboard.core.state import ViewState, parse_query, requested_vintage
from dashboard.web import first_screen
from data_access import schema
from data_access.db import make_engine
from data_access.settings import REPO_ROOT, Settings
from tests.dashboard.web.test_first_screen import _inline, _props
from tests.data_access.test_importer import run_cli

PAYLOADS = REPO_ROOT / "bench" / "payloads" / "filter_change.json"
UPDATE = "/_dash-update-component"
MONTH = "2023-01"


@pytest.fixture
def corrected(sqlite_url: str, tmp_path: Path) -> tuple[FlaskClient, int, int]:
    """The fixture database, then a correction of January's offers: (client, first, second)."""
    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        first = conn.execute(select(schema.import_log.c.id)).scalar_one()
    engine.dispose()
    fix = tmp_path / "fix.csv"
    fix.write_text(f"month,department,poste,job_offers\n{MONTH},75,data-analyst,4321\n")
    run_cli(sqlite_url, "import", str(fix))
    app = create_app(Settings(database_url=sqlite_url, seed_demo_if_empty=False))
    return app.server.test_client(), first, first + 1


def _page(client: FlaskClient, query: str) -> dict[str, dict[str, Any]]:
    html = client.get(f"/?{query}").get_data(as_text=True)
    return _props(_inline(html, first_screen.LAYOUT_SCRIPT_ID))


def _shown_offers(props: dict[str, dict[str, Any]]) -> str:
    return json.dumps(props[ids.KEY_FIGURES]["children"], ensure_ascii=False)


def test_a_pinned_address_shows_the_figures_of_its_vintage_and_says_so(
    corrected: tuple[FlaskClient, int, int],
) -> None:
    client, first, second = corrected
    current = _page(client, f"month={MONTH}")
    pinned = _page(client, f"month={MONTH}&vintage={first}")
    assert "4\u202f321" in _shown_offers(current)  # French thousands: a narrow no-break space
    assert _shown_offers(pinned) != _shown_offers(current)
    assert pinned[ids.STATE]["data"]["vintage"] == str(first)
    assert pinned[ids.VINTAGE_BANNER]["hidden"] is False
    banner = json.dumps(pinned[ids.VINTAGE_BANNER]["children"], ensure_ascii=False)
    assert f"(version {first})" in banner
    assert f'"href": "./?month={MONTH}&metric=tension"' in banner  # the way back: no vintage
    assert current[ids.VINTAGE_BANNER]["hidden"] is True
    assert _page(client, f"month={MONTH}&vintage={second}")[ids.VINTAGE_BANNER]["hidden"] is False


def test_an_unknown_vintage_in_the_address_is_dropped_and_named(
    corrected: tuple[FlaskClient, int, int],
) -> None:
    client, _, second = corrected
    props = _page(client, f"month={MONTH}&vintage={second + 5}")
    assert props[ids.STATE]["data"]["vintage"] is None
    assert f"vintage={second + 5}" in props[ids.NOTICE]["children"]


def _click(body: dict[str, Any], state: ViewState, month: str) -> dict[str, Any]:
    """The recorded month change, from a page showing ``state`` to ``month``."""
    body = copy.deepcopy(body)
    for item in body["inputs"]:
        if item["id"] == ids.MONTH:
            item["value"] = month
    for item in body["state"]:
        if item["id"] == ids.STATE:
            item["value"] = state.to_store()
        if item["id"] == ids.PANEL_KEYS:
            item["value"] = None
    return body


def test_a_click_on_a_pinned_page_stays_on_its_vintage(
    corrected: tuple[FlaskClient, int, int],
) -> None:
    client, first, _ = corrected
    recorded = json.loads(PAYLOADS.read_text(encoding="utf-8"))[0]
    pinned = ViewState("2022-12", vintage=str(first))
    sent = client.post(UPDATE, json=_click(recorded, pinned, MONTH)).get_json()["response"]
    assert sent[ids.STATE]["data"]["month"] == MONTH
    assert sent[ids.STATE]["data"]["vintage"] == str(first)
    assert f"vintage={first}" in sent[ids.URL]["search"]
    current = client.post(UPDATE, json=_click(recorded, ViewState("2022-12"), MONTH))
    current_figures = json.dumps(current.get_json()["response"][ids.KEY_FIGURES])
    assert json.dumps(sent[ids.KEY_FIGURES]) != current_figures


def test_the_report_names_the_vintage_it_shows(corrected: tuple[FlaskClient, int, int]) -> None:
    client, first, second = corrected
    pinned = client.get(f"/report?month={MONTH}&vintage={first}").get_data(as_text=True)
    current = client.get(f"/report?month={MONTH}").get_data(as_text=True)
    assert f"(version {first})" in pinned
    assert f"(version {second})" in current


def test_the_vintage_asked_for_follows_the_rule_of_the_view(catalog: Any) -> None:
    assert requested_vintage("url", "?month=2023-01&vintage=3", {"vintage": "1"}) == "3"
    assert requested_vintage("filter-month", "?vintage=3", {"vintage": "1"}) == "1"
    assert requested_vintage("data-version", "?vintage=3", {"vintage": "1"}) == "1"
    assert requested_vintage(None, None, None) is None
    state, ignored = parse_query("?vintage=abc", catalog)
    assert state.vintage is None
    assert ignored == ["vintage=abc"]
