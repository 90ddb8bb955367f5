"""Each content panel declares the view fields it shows; a change of any other field must leave
it exactly as it is, since the content callback then sends nothing for it and the response cache
serves it to every view equal on those fields."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from typing import Any

import pytest
from dash._utils import to_json

from dashboard import create_app
from dashboard.core import ids
from dashboard.core.state import ViewState
from dashboard.page import panels
from data_access.queries import Catalog
from data_access.settings import REPO_ROOT, Settings

UPDATE = "/_dash-update-component"
PAYLOADS = REPO_ROOT / "bench" / "payloads" / "filter_change.json"


@pytest.fixture
def deps(sqlite_url: str) -> Any:
    return create_app(Settings(database_url=sqlite_url, seed_demo_if_empty=False)).genscan_deps


def _variations(catalog: Catalog) -> dict[str, list[Any]]:
    jm = catalog.job_map
    data = jm[jm["family_code"] == "DATA"]
    metier = str(data["metier_code"].iloc[0])
    poste = str(data.loc[data["metier_code"] == metier, "poste_code"].iloc[0])
    return {
        "month": [catalog.months[0], catalog.months[-2]],
        "metric": ["tension", "trainings"],
        "region": ["53", None],
        "department": ["35"],
        "family": ["DATA", None],
        "metier": [metier],
        "poste": [poste],
        "lang": ["en"],
        "change": ["12", "1"],
        "fragile": ["exclude"],
        "plan": ["40"],
        "compare": ["FR,35", "R53,29"],
    }


# What each panel's own inputs are for the comparison: no earlier map to patch, the table opened.
OWN = {"map": (None,), "map_table": (None, 1), "top_jobs": (None,), "tools": ()}


def _shown(deps: Any, name: str, state: ViewState) -> str:
    props = panels.STATE_PANELS[name].render(deps, state, *OWN.get(name, ()))
    return to_json({f"{component}.{prop}": value for (component, prop), value in props.items()})


def _nested(state: ViewState, catalog: Catalog) -> ViewState:
    """The state with its job filter and territory made consistent, as the controls keep it."""
    if state.poste:
        state = replace(state, metier=catalog.metier_of_poste(state.poste))
    if state.metier:
        state = replace(state, family=catalog.family_of_metier(state.metier))
    if state.department:
        state = replace(state, region=catalog.region_of_department(state.department))
    return state


@pytest.mark.parametrize("name", list(panels.STATE_PANELS))
def test_a_panel_is_the_same_for_views_equal_on_what_it_declares(deps, name: str) -> None:
    panel = panels.STATE_PANELS[name]
    catalog = deps.service.catalog()
    version = deps.service.data_version()
    bases = [
        ViewState(catalog.months[-1]),
        ViewState(catalog.months[-1], region="53", family="DATA", change="12", compare="FR,35"),
    ]
    compared = 0
    own = [None] * len(panel.extra)
    for base in bases:
        for field, values in _variations(catalog).items():
            for value in values:
                other = _nested(replace(base, **{field: value}), catalog)
                key = panels.panel_key(panel, base, version, own)
                if other != base and key == panels.panel_key(panel, other, version, own):
                    assert _shown(deps, name, base) == _shown(deps, name, other), field
                    compared += 1
    assert compared > 0  # some change of an undeclared field was actually tried


# -- the content callback sends only what changed ---------------------------------------------
def _content_request(state: ViewState, keys: Any) -> dict[str, Any]:
    """The browser's recorded click, made to open ``state``'s address, with the keys the page
    holds."""
    body = copy.deepcopy(json.loads(PAYLOADS.read_text(encoding="utf-8"))[0])
    for item in body["inputs"]:
        if item["id"] == ids.URL:
            item["value"] = state.to_query()
    body["changedPropIds"] = [f"{ids.URL}.search"]
    for item in body["state"]:
        if item["id"] == ids.PANEL_KEYS:
            item["value"] = keys
    return body


# What the content panels set (the state outputs, sent for any new address, left aside).
PANEL_COMPONENTS = {
    component for panel in panels.STATE_PANELS.values() for component, _ in panel.fallback("")
} | {ids.PANEL_KEYS}


def _sent(response: Any) -> set[str]:
    """The content panels a response sets."""
    if response.status_code != 200:
        return set()
    return set(response.get_json()["response"]) & PANEL_COMPONENTS


def test_a_change_sends_only_the_panels_it_changes(sqlite_url: str, catalog: Catalog) -> None:
    client = create_app(Settings(database_url=sqlite_url, seed_demo_if_empty=False)).server
    client = client.test_client()
    first = ViewState(catalog.months[-1])
    response = client.post(UPDATE, json=_content_request(first, None))
    assert {ids.MAP, ids.TREND, ids.TOP_JOBS, ids.PANEL_KEYS} <= _sent(response)
    keys = response.get_json()["response"][ids.PANEL_KEYS]["data"]
    # The same view again: nothing to send.
    assert _sent(client.post(UPDATE, json=_content_request(first, keys))) == set()
    # Another indicator: the map changes, the trend and the top 30 do not.
    metric = client.post(UPDATE, json=_content_request(replace(first, metric="trainings"), keys))
    assert ids.MAP in _sent(metric)
    assert not {ids.TREND, ids.KEY_FIGURES, ids.TOP_JOBS, ids.BREAKDOWN} & _sent(metric)


def test_a_second_visitor_is_served_the_first_ones_panels(
    sqlite_url: str, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(Settings(database_url=sqlite_url, seed_demo_if_empty=False))
    client = app.server.test_client()
    state = ViewState(catalog.months[-2], region="53")
    one = client.post(UPDATE, json=_content_request(state, None)).get_json()["response"]
    calls: list[ViewState] = []
    trend = panels.STATE_PANELS["trend"]
    counted = replace(trend, render=lambda deps, s: calls.append(s) or trend.render(deps, s))
    monkeypatch.setitem(panels.STATE_PANELS, "trend", counted)
    two = client.post(UPDATE, json=_content_request(state, None)).get_json()["response"]
    assert calls == []  # served from the response cache
    assert two[ids.TREND] == one[ids.TREND]
