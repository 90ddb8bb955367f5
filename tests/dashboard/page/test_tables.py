"""Data tables: semantic HTML, values written in the page's language, sorted by header."""

from __future__ import annotations

from dashboard.page.tables import Column, SortOrder, render_table, sorted_rows
from dashboard.web import first_screen

COLUMNS = [
    Column("name", "Nom"),
    Column("offers", "Offres", "int"),
    Column("index", "Indice", "index"),
]
ROWS = [
    {"name": "Ain", "offers": 1200, "index": 0.5},
    {"name": "Aisne", "offers": None, "index": None},
    {"name": "Allier", "offers": 30, "index": -1.25, "name_class": "trend-up"},
]


def test_table_is_semantic_html_with_sortable_headers() -> None:
    html = first_screen.to_html(
        render_table("t", "Chiffres", COLUMNS, ROWS, SortOrder("offers", descending=True), "fr")
    )
    assert html.startswith('<table class="data-table"><caption>Chiffres</caption><thead>')
    assert html.count('scope="col"') == 3
    assert html.count('aria-sort="none"') == 2
    assert 'aria-sort="descending"' in html
    assert html.count('type="button"') == 3  # each header sorts
    # Numbers in French, the missing ones as a dash, rows in the order asked for.
    body = html.split("<tbody>")[1]
    assert body.index("Ain") < body.index("Allier") < body.index("Aisne")
    assert "1\u202f200" in body
    assert "-1,25" in body
    assert '<td class="num" data-col="offers">–</td>' in body
    assert 'class="trend-up" data-col="name"' in body


def test_english_numbers() -> None:
    html = first_screen.to_html(
        render_table("t", "Figures", COLUMNS, ROWS, SortOrder("name"), "en")
    )
    assert "1,200" in html
    assert "0.50" in html


def test_empty_values_sort_last_both_ways() -> None:
    up = [r["name"] for r in sorted_rows(ROWS, SortOrder("offers"))]
    down = [r["name"] for r in sorted_rows(ROWS, SortOrder("offers", descending=True))]
    assert up == ["Allier", "Ain", "Aisne"]
    assert down == ["Ain", "Allier", "Aisne"]


def test_a_sort_store_naming_no_column_falls_back_to_the_default() -> None:
    default = SortOrder("offers", descending=True)
    assert SortOrder.from_store({"key": "salary"}, COLUMNS, default) == default
    assert SortOrder.from_store("offers", COLUMNS, default) == default
    assert SortOrder.from_store({"key": "name", "descending": True}, COLUMNS, default) == SortOrder(
        "name", True
    )
