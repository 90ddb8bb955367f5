"""Opening the bare address shows France for the latest month, in French."""

from __future__ import annotations

import re

import pytest

from tests.browser.helpers import (
    MIN_MAP_PATHS,
    NNBSP,
    current_query,
    dropdown_text,
    dropdown_value,
    dropdown_values,
    fr_decimal,
    fr_int,
    key_figures,
    map_points,
    open_page,
)

pytestmark = pytest.mark.browser


def test_first_load_shows_latest_month_national_tension_in_french(page, api):
    months = api.json("/months")["months"]
    latest = months[-1]
    assert latest == "2024-12"

    open_page(page, "/")

    # The URL is completed with the view's defaults so that it can be shared as is.
    assert current_query(page) == {"month": latest, "metric": "tension"}

    # Month dropdown: latest month selected, every month offered, newest first.
    assert dropdown_value(page, "filter-month") == latest
    assert dropdown_text(page, "filter-month") == "décembre 2024"
    assert dropdown_values(page, "filter-month") == list(reversed(months))
    assert page.locator("#filter-metric input:checked").get_attribute("value") == "tension"
    assert page.evaluate("document.documentElement.lang") == "fr"

    # Map: every département drawn and coloured (the Paris-zoom copies add 4 paths).
    paths = page.locator("#map .choroplethlocation")
    assert paths.count() >= MIN_MAP_PATHS
    fills = page.evaluate(
        """() => Array.from(document.querySelectorAll('#map .choroplethlocation'))
             .map(p => getComputedStyle(p).fill)"""
    )
    coloured = [f for f in fills if f and f not in ("none", "rgba(0, 0, 0, 0)")]
    assert len(coloured) >= MIN_MAP_PATHS, fills[:5]
    assert len(set(coloured)) > 10, "a choropleth should use many shades"
    territories = api.json("/territories")["regions"]
    codes = {d["code"] for r in territories for d in r["departements"]}
    assert len(codes) == 101
    drawn = {p.code for p in map_points(page)}
    assert drawn == codes

    # Key figures: France's figures of the month, French number format.
    national = api.json("/trend")["rows"]
    last = next(r for r in national if r["month"] == latest)
    shown = key_figures(page)
    assert set(shown) == {"job_offers", "trainings", "tension_index"}
    assert last["job_offers"] >= 1000
    assert last["trainings"] >= 1000
    assert shown["job_offers"] == fr_int(last["job_offers"])
    assert shown["trainings"] == fr_int(last["trainings"])
    assert shown["tension_index"] == fr_decimal(last["tension_index"])
    for measure in ("job_offers", "trainings"):
        assert NNBSP in shown[measure], "thousands are separated by a narrow no-break space"
        assert re.fullmatch(r"\d{1,3}(\u202f\d{3})+", shown[measure]), shown[measure]
    assert re.fullmatch(r"-?\d+,\d\d", shown["tension_index"]), shown["tension_index"]

    summary = page.locator("#selection-summary").inner_text()
    assert "décembre 2024" in summary
    assert "France" in summary
    assert page.locator("#notice").is_hidden()
    assert page.locator("#db-alert").is_hidden()
