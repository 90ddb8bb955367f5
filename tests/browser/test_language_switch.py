"""The EN button turns the whole page into English, and FR turns it back."""

from __future__ import annotations

import pytest

from tests.browser.helpers import (
    component_props,
    current_query,
    dropdown_text,
    graph_traces,
    hover_department,
    key_figures,
    open_page,
    wait_for_query,
    wait_settled,
)

pytestmark = pytest.mark.browser


def test_language_switch_to_english_and_back(page, api):
    open_page(page, "/")
    assert page.locator("#txt-key_figures_title").inner_text() == "Chiffres clés"
    assert page.evaluate("document.documentElement.lang") == "fr"
    french_figures = key_figures(page)

    page.locator("#lang-en").click()
    wait_for_query(page, lang="en")
    page.wait_for_function("document.documentElement.lang === 'en'")
    wait_settled(page)
    assert current_query(page) == {"month": "2024-12", "metric": "tension", "lang": "en"}

    # Static texts, buttons, placeholders and metric labels.
    assert page.locator("#txt-key_figures_title").inner_text() == "Key figures"
    assert page.locator("#txt-trend_title").inner_text() == "Monthly trend"
    assert page.locator("#download-csv-button").inner_text() == "Download the figures (CSV)"
    assert dropdown_text(page, "filter-region") == "All of France"
    metric_labels = page.locator("#filter-metric label").all_inner_texts()
    assert [label.strip() for label in metric_labels] == [
        "Job offers",
        "Trainings",
        "Tension index",
    ]
    assert "lang active" in (page.locator("#lang-en").get_attribute("class") or "")
    assert "active" not in (page.locator("#lang-fr").get_attribute("class") or "")

    # Months are written in English, in the control and in its options.
    assert dropdown_text(page, "filter-month") == "December 2024"
    labels = [o["label"] for o in component_props(page, "filter-month")["options"]]
    assert labels[0] == "December 2024"
    assert labels[-1] == "October 2022"
    assert "December 2024" in page.locator("#selection-summary").inner_text()

    # Numbers follow English rules: comma thousands separator, decimal point.
    national = api.json("/trend")["rows"][-1]
    shown = key_figures(page)
    assert shown["job_offers"] == f"{national['job_offers']:,}"
    assert shown["trainings"] == f"{national['trainings']:,}"
    assert shown["tension_index"] == f"{national['tension_index']:.2f}"
    assert shown != french_figures
    names = [t["name"] for t in graph_traces(page, "trend")]
    assert "Job offers – France" in names
    # The map's hover label too, numbers included.
    offers_35 = api.json("/indicators", month="2024-12")["rows"]
    offers_35 = next(r["job_offers"] for r in offers_35 if r["code"] == "35")
    hover = hover_department(page, "35")
    assert "Ille-et-Vilaine" in hover, hover
    assert "Offers" in hover, hover
    assert "Offres" not in hover, hover
    assert f"{offers_35:,}" in hover, hover

    # And back to French: the default language leaves the URL.
    page.locator("#lang-fr").click()
    wait_for_query(page, lang=None)
    page.wait_for_function("document.documentElement.lang === 'fr'")
    wait_settled(page)
    assert page.locator("#txt-key_figures_title").inner_text() == "Chiffres clés"
    assert dropdown_text(page, "filter-month") == "décembre 2024"
    assert key_figures(page) == french_figures


def test_english_page_has_an_english_title(page):
    open_page(page, "/?lang=en")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.title() == "GEN_SCAN — digital jobs and trainings"
