"""Selecting a département (on the map or in its list) turns the page to it.

Clicking a département on the map selects it; clicking it again goes back to France.
"""

from __future__ import annotations

import pytest

from tests.browser.helpers import (
    NNBSP,
    choose,
    clear_dropdown,
    click_department,
    dropdown_text,
    dropdown_value,
    fr_int,
    graph_traces,
    hover_department,
    key_figures,
    open_page,
    wait_for_query,
)

pytestmark = pytest.mark.browser

CODE = "35"
NAME = "Ille-et-Vilaine"
FRANCE_TRACES = [
    "Offres d'emploi – France",
    "Formations – France",
    "Indice de tension – France",
]
CLICK_TIMEOUT_MS = 8_000  # a click answers in well under a second


def _counts(trace: dict) -> list[int | None]:
    return [None if y is None else int(y) for y in trace["y"]]


def _assert_shows_departement(page, api, france_figures: dict[str, str]) -> None:
    """Controls, trend, key figures, summary and map all follow the selected département."""
    local = api.json("/trend", level="department", code=CODE)["rows"]
    national = api.json("/trend")["rows"]
    latest = local[-1]
    assert latest["month"] == "2024-12"

    assert dropdown_value(page, "filter-department") == CODE
    assert dropdown_text(page, "filter-department") == f"{CODE} – {NAME}"

    # The trend follows the département, with France's curves kept for comparison.
    traces = {t["name"]: t for t in graph_traces(page, "trend")}
    offers = traces[f"Offres d'emploi – {NAME}"]
    trainings = traces[f"Formations – {NAME}"]
    france_offers = traces["Offres d'emploi – France"]
    assert f"Indice de tension – {NAME}" in traces
    assert _counts(offers) == [r["job_offers"] for r in local]
    assert _counts(trainings) == [r["trainings"] for r in local]
    assert _counts(france_offers) == [r["job_offers"] for r in national]
    assert _counts(offers) != _counts(france_offers)
    legend = page.locator("#trend .legendtext").all_text_contents()
    assert any(NAME in text for text in legend), legend

    # Key figures and summary are the département's, not France's.
    shown = key_figures(page)
    assert shown["job_offers"] == fr_int(latest["job_offers"])
    assert shown["trainings"] == fr_int(latest["trainings"])
    assert shown != france_figures
    assert NAME in page.locator("#selection-summary").inner_text()

    # The map outlines the selected département, and its hover label gives its figures.
    outline = page.evaluate(
        """(id) => Array.from(document.querySelectorAll('#map .choroplethlocation'))
             .filter(p => String(p.__data__.loc) === id)
             .map(p => parseFloat(getComputedStyle(p).strokeWidth))""",
        CODE,
    )
    assert outline
    assert max(outline) >= 2, outline
    hover = hover_department(page, CODE)
    assert NAME in hover, hover
    assert "Offres" in hover, hover
    digits = hover.replace(" ", "").replace(NNBSP, "").replace("\xa0", "")
    assert str(latest["job_offers"]) in digits, hover


def _assert_shows_france(page, france_figures: dict[str, str]) -> None:
    assert dropdown_value(page, "filter-department") is None
    assert key_figures(page) == france_figures
    assert [t["name"] for t in graph_traces(page, "trend")] == FRANCE_TRACES


def test_selected_departement_drives_trend_and_key_figures(page, api):
    open_page(page, "/")
    france_figures = key_figures(page)
    _assert_shows_france(page, france_figures)

    choose(page, "filter-department", CODE)
    wait_for_query(page, department=CODE)
    _assert_shows_departement(page, api, france_figures)

    clear_dropdown(page, "filter-department")
    wait_for_query(page, department=None)
    _assert_shows_france(page, france_figures)


def test_clicking_a_departement_selects_it_and_clicking_again_clears_it(page, api):
    open_page(page, "/")
    france_figures = key_figures(page)

    click_department(page, CODE)
    wait_for_query(page, timeout=CLICK_TIMEOUT_MS, department=CODE)
    _assert_shows_departement(page, api, france_figures)

    # A second click on the same département clears the selection.
    click_department(page, CODE)
    wait_for_query(page, timeout=CLICK_TIMEOUT_MS, department=None)
    _assert_shows_france(page, france_figures)
