"""Family → métier → poste: each list follows its parent, and a poste pulls its parents in."""

from __future__ import annotations

import pytest

from tests.browser.helpers import (
    choose,
    clear_dropdown,
    current_query,
    dropdown_text,
    dropdown_value,
    dropdown_values,
    open_page,
    wait_for_query,
)

pytestmark = pytest.mark.browser


def _rendered_options(page, component_id: str) -> list[str]:
    """Option values the open dropdown actually renders (a virtual list: the first few)."""
    page.locator(f"#{component_id}").click()
    popup = page.locator(".dash-dropdown-content")
    popup.wait_for(state="visible")
    values = popup.locator("[role=option] input").evaluate_all("els => els.map(e => e.value)")
    page.keyboard.press("Escape")
    popup.wait_for(state="detached")
    return values


def test_family_metier_poste_cascade(page, api):
    families = api.json("/cartography")["families"]
    by_code = {f["code"]: f for f in families}
    data = by_code["DATA"]
    all_metiers = [m["code"] for f in families for m in f["metiers"]]
    data_metiers = [m["code"] for m in data["metiers"]]
    data_postes = [p["code"] for m in data["metiers"] for p in m["postes"]]

    open_page(page, "/")
    assert dropdown_values(page, "filter-family") == [f["code"] for f in families]
    assert dropdown_values(page, "filter-metier") == all_metiers

    # 1. A family narrows the métier list to its own métiers, and the poste list to its postes.
    choose(page, "filter-family", "DATA")
    wait_for_query(page, family="DATA", metier=None, poste=None)
    assert dropdown_text(page, "filter-family") == data["label"]
    assert dropdown_values(page, "filter-metier") == data_metiers
    assert dropdown_values(page, "filter-poste") == data_postes
    shown = _rendered_options(page, "filter-metier")
    assert shown
    assert set(shown) <= set(data_metiers), shown

    # 2. A métier narrows the poste list to its postes; the family stays.
    metier = next(m for m in data["metiers"] if len(m["postes"]) > 1)
    choose(page, "filter-metier", metier["code"])
    wait_for_query(page, family="DATA", metier=metier["code"], poste=None)
    assert dropdown_value(page, "filter-family") == "DATA"
    assert dropdown_text(page, "filter-metier") == metier["label"]
    assert dropdown_values(page, "filter-poste") == [p["code"] for p in metier["postes"]]

    # 3. Clearing the family clears the métier below it and reopens every list.
    clear_dropdown(page, "filter-family")
    wait_for_query(page, family=None, metier=None, poste=None)
    assert dropdown_value(page, "filter-family") is None
    assert dropdown_value(page, "filter-metier") is None
    assert dropdown_values(page, "filter-metier") == all_metiers
    assert len(dropdown_values(page, "filter-poste")) == sum(
        len(m["postes"]) for f in families for m in f["metiers"]
    )

    # 4. A poste of another family chosen directly brings its métier and family along.
    other = by_code["DEV"]
    other_metier = next(m for m in other["metiers"] if len(m["postes"]) > 1)
    poste = other_metier["postes"][-1]
    choose(page, "filter-poste", poste["code"])
    wait_for_query(page, family="DEV", metier=other_metier["code"], poste=poste["code"])
    assert dropdown_value(page, "filter-family") == "DEV"
    assert dropdown_value(page, "filter-metier") == other_metier["code"]
    assert dropdown_value(page, "filter-poste") == poste["code"]
    assert dropdown_text(page, "filter-family") == other["label"]
    assert dropdown_text(page, "filter-metier") == other_metier["label"]
    assert dropdown_text(page, "filter-poste") == poste["label"]
    assert dropdown_values(page, "filter-metier") == [m["code"] for m in other["metiers"]]
    assert dropdown_values(page, "filter-poste") == [p["code"] for p in other_metier["postes"]]
    assert current_query(page) == {
        "month": "2024-12",
        "metric": "tension",
        "family": "DEV",
        "metier": other_metier["code"],
        "poste": poste["code"],
    }
    # The page's figures follow the poste: the summary names it.
    assert poste["label"] in page.locator("#selection-summary").inner_text()
