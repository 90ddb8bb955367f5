"""Choosing a region zooms the map onto it and fades the rest of France."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from geodata import load_departements_geojson
from tests.browser.helpers import (
    choose,
    clear_dropdown,
    current_query,
    dropdown_values,
    map_geo_ranges,
    map_points,
    open_page,
    wait_for_query,
)

pytestmark = pytest.mark.browser

BRETAGNE = "53"


def _coordinates(geometry: object) -> Iterable[tuple[float, float]]:
    if isinstance(geometry, list) and geometry and isinstance(geometry[0], (int, float)):
        yield float(geometry[0]), float(geometry[1])
    elif isinstance(geometry, list):
        for part in geometry:
            yield from _coordinates(part)


def _region_bbox(region: str) -> tuple[float, float, float, float]:
    points = [
        point
        for feature in load_departements_geojson()["features"]
        if feature["properties"]["region_code"] == region
        for point in _coordinates(feature["geometry"]["coordinates"])
    ]
    lons, lats = zip(*points, strict=True)
    return min(lons), min(lats), max(lons), max(lats)


def _path_size(page, feature_id: str) -> float:
    """On-screen width × height of a département's drawn path."""
    return page.evaluate(
        """(id) => {
          const p = Array.from(document.querySelectorAll('#map .choroplethlocation'))
            .find(p => p.__data__ && String(p.__data__.loc) === id);
          const r = p.getBoundingClientRect();
          return r.width * r.height;
        }""",
        feature_id,
    )


def _path_lightness(page, feature_id: str) -> float:
    """Mean of the red, green and blue channels (0–255) of a département's painted fill."""
    return page.evaluate(
        """(id) => {
          const p = Array.from(document.querySelectorAll('#map .choroplethlocation'))
            .find(p => p.__data__ && String(p.__data__.loc) === id);
          const rgb = getComputedStyle(p).fill.match(/[0-9.]+/g).slice(0, 3).map(Number);
          return (rgb[0] + rgb[1] + rgb[2]) / 3;
        }""",
        feature_id,
    )


def test_region_filter_zooms_and_fades(page, api):
    regions = {r["code"]: r for r in api.json("/territories")["regions"]}
    region_of = {d["code"]: code for code, r in regions.items() for d in r["departements"]}
    bretagne = {d["code"] for d in regions[BRETAGNE]["departements"]}
    assert bretagne == {"22", "29", "35", "56"}

    open_page(page, "/")
    france_lon, france_lat = map_geo_ranges(page)
    france_size = _path_size(page, "35")
    assert not any(p.faded for p in map_points(page)), "nothing is faded without a region"

    choose(page, "filter-region", BRETAGNE)
    wait_for_query(page, region=BRETAGNE)
    assert current_query(page) == {"month": "2024-12", "metric": "tension", "region": BRETAGNE}
    page.wait_for_function(
        """() => document.querySelector('#map .js-plotly-plot')
                 ._fullLayout.geo.lonaxis.range[1] < 0"""
    )

    # The geo ranges frame Brittany: they contain its outline, with a small margin only.
    lon, lat = map_geo_ranges(page)
    lon0, lat0, lon1, lat1 = _region_bbox(BRETAGNE)
    assert lon[0] <= lon0, (lon, lon0)
    assert lon[1] >= lon1, (lon, lon1)
    assert lat[0] <= lat0, (lat, lat0)
    assert lat[1] >= lat1, (lat, lat1)
    assert lon[1] - lon[0] <= 1.3 * (lon1 - lon0)
    assert lat[1] - lat[0] <= 1.3 * (lat1 - lat0)
    assert (lon[1] - lon[0]) < (france_lon[1] - france_lon[0]) / 3
    assert (lat[1] - lat[0]) < (france_lat[1] - france_lat[0]) / 3

    # The drawing really zoomed: Ille-et-Vilaine now covers far more of the screen.
    assert _path_size(page, "35") > 4 * france_size

    # Départements of the region stay opaque, all the others are faded.
    points = map_points(page)
    assert {p.code for p in points} == set(region_of)
    for point in points:
        if point.code in bretagne:
            assert not point.faded, point.feature_id
        else:
            assert point.faded, point.feature_id

    # Only the region's départements are offered, and the summary names the region.
    assert set(dropdown_values(page, "filter-department")) == bretagne
    assert "Bretagne" in page.locator("#selection-summary").inner_text()

    # Clearing the region zooms back out to France.
    clear_dropdown(page, "filter-region")
    wait_for_query(page, region=None)
    page.wait_for_function(
        """() => document.querySelector('#map .js-plotly-plot')
                 ._fullLayout.geo.lonaxis.range[1] > 5"""
    )
    assert map_geo_ranges(page) == (france_lon, france_lat)
    assert not any(p.faded for p in map_points(page))


def test_region_filter_fades_other_departements_on_screen(page):
    open_page(page, "/")
    before = {code: _path_lightness(page, code) for code in ("35", "50", "53", "44", "13")}
    open_page(page, f"/?region={BRETAGNE}")
    page.wait_for_function(
        """() => document.querySelector('#map .js-plotly-plot')
                 ._fullLayout.geo.lonaxis.range[1] < 0"""
    )
    assert _path_lightness(page, "35") == pytest.approx(before["35"], abs=1)
    # Neighbours in view (Manche, Mayenne, Loire-Atlantique) and a far one must look washed out:
    # painted clearly lighter than on the map of France.
    for outside in ("50", "53", "44", "13"):
        assert _path_lightness(page, outside) > before[outside] + 20, outside
