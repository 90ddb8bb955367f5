"""A shared address restores the whole view: controls, language and the map's figures."""

from __future__ import annotations

import itertools
import math

import pytest

from tests.browser.helpers import (
    as_int,
    current_query,
    dropdown_text,
    dropdown_value,
    map_points,
    open_page,
)

pytestmark = pytest.mark.browser

SHARED = {
    "month": "2023-06",
    "metric": "job_offers",
    "region": "84",
    "family": "DEV",
    "lang": "en",
}


def test_shared_url_restores_the_view(page, api):
    query = "&".join(f"{k}={v}" for k, v in SHARED.items())
    open_page(page, f"/?{query}")

    # The address is kept as it was shared (it already is the canonical form of this view).
    assert current_query(page) == SHARED

    # Controls show the shared values.
    assert dropdown_value(page, "filter-month") == "2023-06"
    assert dropdown_text(page, "filter-month") == "June 2023"
    assert page.locator("#filter-metric input:checked").get_attribute("value") == "job_offers"
    assert dropdown_value(page, "filter-region") == "84"
    assert dropdown_text(page, "filter-region") == "Auvergne-Rhône-Alpes"
    assert dropdown_value(page, "filter-family") == "DEV"
    assert dropdown_value(page, "filter-metier") is None
    assert dropdown_value(page, "filter-department") is None

    # The page is in English.
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.locator("#txt-key_figures_title").inner_text() == "Key figures"
    assert page.locator("#txt-map_title").inner_text() == "Map of départements"
    assert "lang active" in (page.locator("#lang-en").get_attribute("class") or "")
    assert page.locator("#notice").is_hidden()

    # The map shows the API's job offers of June 2023 for the DEV family.
    #
    # How the comparison is made, so that it holds whatever the figure's internal layout:
    # * Each drawn feature is tied to its département through the committed geometry
    #   (feature id -> INSEE code; the Paris-zoom copies map to their département), not
    #   through the figure's own hover data.
    # * Exact numbers: the hover data (customdata) must carry the API's offers exactly for every
    #   drawn feature, in one of its columns (as a number, or as text in either language's
    #   format); this pins all 101 values without assuming the column order.
    # * Colours: z is the value on the colour scale, a rounded (4 decimals) transform of the
    #   offers on a log scale. Rather than recomputing the scale (its normalisation is a design
    #   choice), z must order the départements exactly as the API's offers do: equal offers give
    #   equal z, more offers give a larger z. A map showing another month, family or indicator
    #   breaks this order long before rounding could. Départements outside the region in focus
    #   sit on a washed-out copy of the scale, so the order is checked within each group.
    # * Every département of the API is drawn, and nothing else.
    rows = api.json("/indicators", month="2023-06", level="department", family="DEV")["rows"]
    assert len(rows) == 101
    expected = {r["code"]: r["job_offers"] for r in rows}
    assert all(v is not None for v in expected.values())
    points = map_points(page)
    assert {p.code for p in points} == set(expected)
    assert len(points) >= 105

    columns = {len(p.customdata) for p in points}
    assert len(columns) == 1, columns
    exact = [
        j
        for j in range(columns.pop())
        if all(as_int(p.customdata[j]) == expected[p.code] for p in points)
    ]
    assert exact, "no hover data column holds the API's offers for every département"

    for group in ([p for p in points if p.faded], [p for p in points if not p.faded]):
        by_offers = sorted(group, key=lambda p: expected[p.code])
        for low, high in itertools.pairwise(by_offers):
            a, b = expected[low.code], expected[high.code]
            if a == b:
                assert math.isclose(low.z, high.z, abs_tol=1e-9), (low.code, high.code)
            else:
                assert low.z < high.z, (low.code, a, low.z, high.code, b, high.z)
        assert len({p.z for p in group}) == len({expected[p.code] for p in group})

    # Only Auvergne-Rhône-Alpes is in focus (the figure fades the rest).
    regions = {r["code"]: r for r in api.json("/territories")["regions"]}
    in_region = {d["code"] for d in regions["84"]["departements"]}
    assert {p.code for p in points if not p.faded} == in_region

    # The key figures are the region's for the family, in English format.
    trend = api.json("/trend", level="region", code="84", family="DEV")["rows"]
    june = next(r for r in trend if r["month"] == "2023-06")
    shown = page.locator("#key-figures .kf-value[data-measure=job_offers]").inner_text()
    assert shown == f"{june['job_offers']:,}"
