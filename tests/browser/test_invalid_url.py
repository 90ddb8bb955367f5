"""A shared address with bad parameters still opens, on the latest month, and says so."""

from __future__ import annotations

import pytest

from tests.browser.helpers import (
    current_query,
    dropdown_text,
    dropdown_value,
    open_page,
    wait_for_query,
)

pytestmark = pytest.mark.browser


def test_invalid_parameters_show_a_notice_and_the_latest_month(page):
    open_page(page, "/?month=1999-01&region=zz&foo=bar")

    notice = page.locator("#notice")
    assert notice.is_visible()
    text = notice.inner_text()
    assert text.startswith("Paramètre ignoré dans l'adresse")
    for ignored in ("month=1999-01", "region=zz", "foo"):
        assert ignored in text, text

    # The nearest valid view: latest month, France, default indicator; the URL is cleaned.
    assert current_query(page) == {"month": "2024-12", "metric": "tension"}
    assert dropdown_value(page, "filter-month") == "2024-12"
    assert dropdown_text(page, "filter-month") == "décembre 2024"
    assert dropdown_value(page, "filter-region") is None
    assert page.locator("#key-figures .kf-value").count() == 3
    assert "France" in page.locator("#selection-summary").inner_text()

    # The notice goes away once the user changes the view.
    page.locator("#filter-metric label:has(input[value=trainings])").click()
    wait_for_query(page, metric="trainings")
    assert notice.is_hidden()


def test_partly_valid_address_keeps_the_valid_parameters(page):
    open_page(page, "/?month=2023-02&metric=volume&family=DATA&lang=xx")

    assert page.locator("#notice").is_visible()
    text = page.locator("#notice").inner_text()
    assert "metric=volume" in text
    assert "lang=xx" in text
    assert current_query(page) == {"month": "2023-02", "metric": "tension", "family": "DATA"}
    assert dropdown_value(page, "filter-month") == "2023-02"
    assert dropdown_value(page, "filter-family") == "DATA"
    assert page.evaluate("document.documentElement.lang") == "fr"
