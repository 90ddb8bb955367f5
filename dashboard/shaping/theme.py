"""Colours, fonts and base chart styling: one place, so every chart looks like the others.

The palette is Okabe–Ito (readable with the common colour-vision deficiencies); the diverging
tension scale runs from blue (more trainings than offers) to red (more offers), through white at
0, with the three undefined statuses in hues that appear nowhere on the scale.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dashboard.core.i18n import DEFAULT_LANG, number_separators

if TYPE_CHECKING:
    from dash.dcc import Graph

FONT_FAMILY = (
    "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'Noto Sans', sans-serif"
)
TEXT = "#1d2433"
MUTED = "#5b6475"
GRID = "#e3e7ee"
BACKGROUND = "rgba(0,0,0,0)"

OFFERS = "#0072B2"  # Okabe–Ito blue
TRAININGS = "#E69F00"  # Okabe–Ito orange
TENSION = "#B2182B"
NATIONAL = "#6b7280"
HIGHLIGHT = "#111827"

SEQUENTIAL = {
    "job_offers": [[0.0, "#eef5fb"], [0.5, "#4f9bd0"], [1.0, "#08306b"]],
    "trainings": [[0.0, "#fff6e5"], [0.5, "#f0a93b"], [1.0, "#7a3e00"]],
}
DIVERGING = [
    [0.0, "#053061"],
    [0.2, "#2166ac"],
    [0.4, "#92c5de"],
    [0.5, "#f7f7f7"],
    [0.6, "#f4a582"],
    [0.8, "#d6604d"],
    [1.0, "#67001f"],
]
# Changes over time (offers, trainings or index): brown for a fall, teal for a rise.
CHANGE = [
    [0.0, "#543005"],
    [0.2, "#bf812d"],
    [0.4, "#f6e8c3"],
    [0.5, "#f5f5f5"],
    [0.6, "#c7eae5"],
    [0.8, "#35978f"],
    [1.0, "#003c30"],
]
FRAGILE_OPACITY = 0.35  # fragile values are drawn see-through, so they recede…
FRAGILE_MARK = "#3b4252"  # …and carry a small dark ring
COMPARE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7"]  # Okabe–Ito, one per territory
STATUS_COLORS = {
    "no_trainings": "#5b2a86",  # purple: offers with no training at all (+∞)
    "no_offers": "#1b9e77",  # green: trainings with no offer at all (−∞)
    "no_data": "#c9ccd1",  # grey: nothing to compare
}
FADED_WHITE_SHARE = 0.72  # how much white washes out départements outside the region in focus


def faded(color: str) -> str:
    """A ``#rrggbb`` colour mixed with white, for what is out of focus."""
    red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    mix = [round(c + (255 - c) * FADED_WHITE_SHARE) for c in (red, green, blue)]
    return "#" + "".join(f"{c:02x}" for c in mix)


BORDER = "#ffffff"
INSET_FRAME = "#8a93a3"


def base_layout(**overrides: Any) -> dict[str, Any]:
    """Layout shared by all charts: font, transparent background, compact margins."""
    layout: dict[str, Any] = {
        "font": {"family": FONT_FAMILY, "color": TEXT, "size": 13},
        "paper_bgcolor": BACKGROUND,
        "plot_bgcolor": BACKGROUND,
        "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
        "hoverlabel": {"font": {"family": FONT_FAMILY}},
        "separators": separators(DEFAULT_LANG),
    }
    layout.update(overrides)
    return layout


def separators(lang: str) -> str:
    """Plotly's decimal and thousands separators for the language: CLDR's, so that a number
    Plotly writes in the browser reads as the ones the server writes."""
    decimal, group = number_separators(lang)
    return decimal + group


# Typed as Dash's own description of Plotly's config, so that a misspelt key is caught.
GRAPH_CONFIG: Graph.Config = {
    "displaylogo": False,
    "responsive": True,
    # "sendChartToCloud" would upload the chart to an outside service: not for a public page.
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "sendChartToCloud"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}
