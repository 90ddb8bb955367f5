"""The page can be used with the keyboard alone: Tab reaches the controls, keys operate them."""

from __future__ import annotations

import pytest

from tests.browser.helpers import current_query, open_page, wait_for_query

pytestmark = pytest.mark.browser

MAX_TABS = 20

_FOCUSED_JS = """() => {
  const e = document.activeElement;
  const radio = e && e.type === 'radio' ? e.closest('[id]') : null;
  return {
    id: radio ? radio.id : (e.id || ''),
    tag: e.tagName,
    inFilters: !!e.closest('.filters'),
    visible: e.getBoundingClientRect().width > 0,
  };
}"""

# True when keyboard focus is on the open dropdown's option of the given value.
_FOCUSED_OPTION_JS = """(value) => {
  const e = document.activeElement;
  return !!e && !!e.closest('.dash-dropdown-content') && e.value === value;
}"""


def _tab_through(page, count: int) -> list[dict]:
    stops = []
    for _ in range(count):
        page.keyboard.press("Tab")
        stops.append(page.evaluate(_FOCUSED_JS))
    return stops


def test_tab_reaches_language_buttons_and_filters(page):
    open_page(page, "/")
    page.evaluate("document.activeElement && document.activeElement.blur()")

    stops = _tab_through(page, MAX_TABS)
    ids = [s["id"] for s in stops]

    # Skip link first, then the language buttons, then every filter control in reading order.
    assert ids[0] == "txt-skip_to_content"
    expected = [
        "lang-fr",
        "lang-en",
        "filter-month",
        "filter-metric",
        "filter-region",
        "filter-department",
        "filter-family",
        "filter-metier",
        "filter-poste",
        "reset-selection",
        "download-csv-button",
    ]
    positions = [ids.index(i) if i in ids else -1 for i in expected]
    assert -1 not in positions, list(zip(expected, positions, strict=True))
    assert positions == sorted(positions), ids
    filter_stops = [s for s in stops if s["inFilters"]]
    assert {s["id"] for s in filter_stops} >= set(expected[2:])
    assert all(s["visible"] for s in stops[: positions[-1] + 1])


def test_keyboard_operates_language_month_and_metric(page):
    open_page(page, "/")
    page.evaluate("document.activeElement && document.activeElement.blur()")

    # Tab to the EN button and press Enter.
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "lang-en":
            break
    page.keyboard.press("Enter")
    wait_for_query(page, lang="en")
    page.wait_for_function("document.documentElement.lang === 'en'")

    # Tab on to the month dropdown: arrow down opens it, arrow down + Enter picks the month
    # before the latest one.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "filter-month"
    page.keyboard.press("ArrowDown")
    page.locator(".dash-dropdown-content").wait_for(state="visible")
    page.wait_for_function(_FOCUSED_OPTION_JS, arg="2024-12")
    page.keyboard.press("ArrowDown")
    page.wait_for_function(_FOCUSED_OPTION_JS, arg="2024-11")
    page.keyboard.press("Enter")
    wait_for_query(page, month="2024-11", lang="en")
    assert page.locator("#filter-month-value").inner_text().strip() == "November 2024"

    # Tab to the indicator radios: an arrow key changes the indicator.
    page.keyboard.press("Escape")
    page.locator(".dash-dropdown-content").wait_for(state="detached")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "filter-metric"
    page.keyboard.press("ArrowLeft")
    wait_for_query(page, metric="trainings")
    assert current_query(page) == {"month": "2024-11", "metric": "trainings", "lang": "en"}
