"""Data tables as plain semantic HTML, rendered by the server.

Two small tables (the map's figures, the top 30) do not need a grid library: a ``<table>`` with
a ``<caption>``, ``scope="col"`` headers and ``aria-sort`` is accessible as it is, costs no
JavaScript and is part of the first HTML. Sorting is a header button: a clientside callback
turns the click into a sort order, and the table's panel renders the rows in that order.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from dash import html

from dashboard.core.i18n import fmt_decimal, fmt_int, fmt_signed_decimal, fmt_signed_percent, t

Kind = Literal["text", "int", "index", "percent_change", "index_change"]
SORT_BUTTON = "sort-button"  # the ``type`` of the sort buttons' pattern-matching ids

_FORMATS: dict[str, Callable[[Any, str], str]] = {
    "int": fmt_int,
    "index": fmt_decimal,
    "percent_change": fmt_signed_percent,
    "index_change": fmt_signed_decimal,
}


@dataclass(frozen=True)
class Column:
    """One column: the row field it shows, its header and how its values are written."""

    key: str
    label: str
    kind: Kind = "text"

    @property
    def numeric(self) -> bool:
        return self.kind != "text"


@dataclass(frozen=True)
class SortOrder:
    """Which column the rows follow, and which way."""

    key: str
    descending: bool = False

    @classmethod
    def from_store(cls, data: Any, columns: Sequence[Column], default: SortOrder) -> SortOrder:
        """The order a sort store asks for, or ``default`` when it names no column shown."""
        if not isinstance(data, dict) or data.get("key") not in {c.key for c in columns}:
            return default
        return cls(str(data["key"]), data.get("descending") is True)


def cell_text(value: Any, kind: Kind, lang: str) -> str:
    if kind == "text":
        return "" if value is None else str(value)
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return _FORMATS[kind](value, lang)


def sorted_rows(rows: Sequence[dict[str, Any]], order: SortOrder) -> list[dict[str, Any]]:
    """Rows in ``order``; empty values always last, whichever the direction."""
    present = [r for r in rows if r.get(order.key) not in (None, "")]
    missing = [r for r in rows if r.get(order.key) in (None, "")]
    present.sort(key=lambda r: r[order.key], reverse=order.descending)
    return present + missing


def html_attrs(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """Props for a Dash HTML component's ``**kwargs``: ``aria-*`` and ``data-*`` attributes,
    whose names are no Python identifiers, or a prop given only sometimes. Typed ``Any`` on
    purpose: unpacked, a ``dict[str, str]`` would be checked against every named prop of the
    component (numbers, booleans) although only the keys present are passed."""
    return dict(attributes)


def _header(table_id: str, column: Column, order: SortOrder, lang: str) -> html.Th:
    active = column.key == order.key
    direction = ("descending" if order.descending else "ascending") if active else "none"
    arrow = ("▼" if order.descending else "▲") if active else "↕"
    return html.Th(
        html.Button(
            [
                column.label,
                html.Span(arrow, className="sort-arrow", **html_attrs({"aria-hidden": "true"})),
            ],
            id={
                "type": SORT_BUTTON,
                "table": table_id,
                "col": column.key,
                "first": "desc" if column.numeric else "asc",
            },
            type="button",
            className="sort-button",
            title=t("sort_by", lang, column=column.label),
            n_clicks=0,
        ),
        scope="col",
        className="num" if column.numeric else None,
        **html_attrs({"aria-sort": direction}),
    )


def html_node(tag: str, children: Any, **props: Any) -> dict[str, Any]:
    """An HTML component as the JSON the renderer receives, built without a ``Component``:
    a table's hundreds of cells cost ten times less this way, and read the same in the page
    (``first_screen.to_html`` writes them too)."""
    return {
        "type": tag,
        "namespace": "dash_html_components",
        "props": {"children": children, **props},
    }


def _row(columns: Sequence[Column], row: dict[str, Any], lang: str) -> dict[str, Any]:
    cells = []
    for c in columns:
        classes = " ".join(filter(None, ["num" if c.numeric else "", row.get(f"{c.key}_class")]))
        props = {"className": classes} if classes else {}
        cells.append(
            html_node("Td", cell_text(row.get(c.key), c.kind, lang), **props, **{"data-col": c.key})
        )
    return html_node("Tr", cells)


def render_table(
    table_id: str,
    caption: str,
    columns: Sequence[Column],
    rows: Sequence[dict[str, Any]],
    order: SortOrder,
    lang: str,
    caption_id: str | None = None,
) -> html.Table:
    """The whole table for ``rows`` shown in ``order``; ``<row key>_class`` styles a cell."""
    ordered = sorted_rows(rows, order)
    return html.Table(
        [
            html.Caption(caption, **html_attrs({"id": caption_id} if caption_id else {})),
            html.Thead(html.Tr([_header(table_id, c, order, lang) for c in columns])),
            # A component's JSON form, which Dash renders as it is; its types know only
            # ``Component`` children.
            html_node("Tbody", [_row(columns, r, lang) for r in ordered]),  # type: ignore[list-item]
        ],
        className="data-table",
    )
