"""On a 390 px wide phone the page is one column, map first, with no sideways scrolling."""

from __future__ import annotations

import pytest

from tests.browser.helpers import open_page

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
TOLERANCE_PX = 1


def _box(page, selector: str) -> dict[str, float]:
    box = page.locator(selector).bounding_box()
    assert box is not None, f"{selector} is not displayed"
    return box


def test_phone_layout_is_a_single_column_without_horizontal_scroll(page):
    page.set_viewport_size(PHONE)
    open_page(page, "/")

    # One grid column, both for the content and for the filters.
    columns = page.evaluate(
        """() => ['.dashboard-grid', '.filters-grid'].map(s =>
             getComputedStyle(document.querySelector(s)).gridTemplateColumns.split(' ').length)"""
    )
    assert columns == [1, 1]

    # The map comes first, the key figures below it, in the same column.
    map_card = _box(page, ".area-map")
    figures_card = _box(page, ".area-kf")
    trend_card = _box(page, ".area-trend")
    assert map_card["y"] + map_card["height"] <= figures_card["y"] + TOLERANCE_PX
    assert figures_card["y"] + figures_card["height"] <= trend_card["y"] + TOLERANCE_PX
    for card in (figures_card, trend_card):
        assert abs(card["x"] - map_card["x"]) <= TOLERANCE_PX
        assert abs(card["width"] - map_card["width"]) <= TOLERANCE_PX
    assert map_card["width"] <= PHONE["width"]

    # Everything fits the screen width: nothing scrolls sideways.
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]"
    )
    assert widths[2] == PHONE["width"]
    assert max(widths[:2]) <= PHONE["width"] + TOLERANCE_PX, widths
    wider = page.evaluate(
        """(limit) => Array.from(document.querySelectorAll('.card, .filters *, svg.main-svg'))
             .filter(e => e.getBoundingClientRect().right > limit)
             .map(e => e.tagName + '.' + (e.getAttribute('class') || ''))
             .slice(0, 5)""",
        PHONE["width"] + TOLERANCE_PX,
    )
    assert wider == []

    # The map is drawn at the phone's width and the key figures are readable.
    svg = page.locator("#map svg.main-svg").first.bounding_box()
    assert svg is not None
    assert svg["width"] <= map_card["width"] + TOLERANCE_PX
    assert page.locator("#key-figures .kf-value").count() == 3
