"""Pure figure builders: tidy data in, a Plotly figure out; no I/O, no Dash.

Builders return plain figure dicts (``{"data": [...], "layout": {...}}``) rather than
``go.Figure`` objects: Plotly's object layer validates every property on every call, which cost
more than the database query behind the chart. The tests wrap each result in ``go.Figure`` so
that an invalid property still fails loudly there. Each builder sets ``uirevision`` so that a
user's zoom or legend choices survive data updates, and takes its styling from
``dashboard.shaping.theme`` and its words from ``dashboard.core.i18n``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from dashboard.core.i18n import (
    fmt_decimal,
    fmt_index,
    fmt_int,
    fmt_signed_decimal,
    fmt_signed_percent,
    month_label,
    status_label,
    t,
)
from dashboard.shaping import theme
from dashboard.shaping.changes import CHANGE_COLUMN, Comparison, fragile_mask
from data_access.readmodel import Figures

Bounds = tuple[float, float, float, float]  # lon_min, lat_min, lon_max, lat_max
UNDEFINED_STATUSES = ("no_trainings", "no_offers", "no_data")
SHORT_STATUS = {"no_trainings": "+∞", "no_offers": "−∞", "no_data": "–", "ok": "–"}


@dataclass(frozen=True)
class MapGeometry:
    """What the map needs to know of the geometry without carrying it in every response."""

    url: str
    feature_ids: dict[str, tuple[str, ...]]
    bounds: Bounds
    region_bounds: dict[str, Bounds]
    insets: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    centers: dict[str, tuple[float, float]] = field(default_factory=dict)  # by feature id


@dataclass(frozen=True)
class MapView:
    """What the user looks at: indicator, region in focus, selected département, language."""

    metric: str
    lang: str
    region: str | None = None
    department: str | None = None
    change: int | None = None  # months: the map shows the change since then instead of values
    earlier: str | None = None  # the month compared with, in change mode
    threshold: int = 20  # offers + trainings below which a value is fragile


def _pad(bounds: Bounds, ratio: float = 0.04, insets: bool = False) -> Bounds:
    """Room around a view; with the insets, more above and to the right, where the title of
    the Paris inset stands over its frame."""
    lon0, lat0, lon1, lat1 = bounds
    dx, dy = (lon1 - lon0) * ratio, (lat1 - lat0) * ratio
    more = 2 if insets else 1
    return lon0 - dx, lat0 - dy, lon1 + dx * more, lat1 + dy * more


# The map is one choropleth trace over every feature, always in the same order, so that a
# change of month or job filter only replaces arrays of values (see ``map_updates``). Its
# colour scale is composite, in bands of z:
#   [0, 0.4]      the indicator's scale
#   (0.4, 0.8]    the same scale washed out: départements outside the region in focus
#   (0.8, 0.9]    one flat band per undefined status (no offers, no trainings, no data)
#   (0.9, 1.0]    the same status bands washed out
# Fading by colour keeps every département hoverable and clickable. An invisible trace draws
# the indicator's colour bar, and one more per status draws its legend entry. Fragile values are
# drawn see-through and carry a small ring: a trace of markers on every département's centre,
# shown (opacity 1) only where the value is fragile, and named by a legend-only trace.
SCALE_TOP = 0.4
FADED_START, FADED_TOP = 0.401, 0.8
STATUS_BANDS = {"no_offers": 0.817, "no_trainings": 0.85, "no_data": 0.883}
FADED_STATUS_SHIFT = 0.1
TENSION_RANGE = 2.5  # fixed, so that colours compare from one month to the next
CHANGE_RANGE = 1.0  # ±100 % for counts, ±1 point for the index; beyond is drawn at the ends
MAIN, COLORBAR_TRACE, FRAGILE_TRACE = 0, 1, 2


def _composite_scale(scale: list[list[Any]]) -> list[list[Any]]:
    stops = [[round(pos * SCALE_TOP, 4), color] for pos, color in scale]
    stops += [
        [round(FADED_START + pos * (FADED_TOP - FADED_START), 4), theme.faded(color)]
        for pos, color in scale
    ]
    for shift, paint in ((0.0, str), (FADED_STATUS_SHIFT, theme.faded)):
        edges = (0.8 + shift, 0.8333 + shift, 0.8666 + shift, 0.9 + shift)
        for status, low, high in zip(STATUS_BANDS, edges, edges[1:], strict=False):
            color = paint(theme.STATUS_COLORS[status])
            stops += [[round(low + 0.0001, 4), color], [round(high, 4), color]]
    return stops


def is_faded(z: float) -> bool:
    """Whether a map value lies in a washed-out band (outside the region in focus)."""
    return FADED_START <= z <= FADED_TOP or z > 0.9


def faded_z(z: float) -> float:
    """Where a value of the indicator's or a status's band falls once washed out."""
    if z <= SCALE_TOP:
        return FADED_START + z / SCALE_TOP * (FADED_TOP - FADED_START)
    return z + FADED_STATUS_SHIFT


def _feature_order(geometry: MapGeometry) -> tuple[list[str], list[str]]:
    codes, feature_ids = [], []
    for code, ids in geometry.feature_ids.items():
        for feature_id in ids:
            codes.append(code)
            feature_ids.append(feature_id)
    return codes, feature_ids


def _count(value: Any) -> int | None:
    return None if pd.isna(value) else int(value)


def _log_ticks(max_value: float, lang: str) -> tuple[list[float], list[str]]:
    ticks = [0.0]
    labels = ["0"]
    power = 0
    while 10**power <= max(max_value, 1):
        ticks.append(round(math.log10(1 + 10**power), 4))
        labels.append(fmt_int(10**power, lang))
        power += 1
    return ticks, labels


@dataclass(frozen=True)
class MapRows:
    """The départements of the map: the month's figures beside an earlier month's (changes
    are only read in change mode), with their names and regions."""

    compared: Comparison
    names: tuple[str, ...]
    regions: tuple[str, ...]

    def reindexed(self, codes: Sequence[str]) -> dict[str, np.ndarray]:
        """Every column in the order of ``codes``; a code without figures reads as missing."""
        now, compared = self.compared.now, self.compared
        order = np.array([now.position.get(code, -1) for code in codes], dtype=np.int64)
        columns: dict[str, tuple[np.ndarray, Any]] = {
            "job_offers": (now.job_offers, np.nan),
            "trainings": (now.trainings, np.nan),
            "tension_index": (now.tension_index, np.nan),
            "tension_status": (now.tension_status, "no_data"),
            "offers_change": (compared.offers_change, np.nan),
            "trainings_change": (compared.trainings_change, np.nan),
            "tension_change": (compared.tension_change, np.nan),
            "fragile": (compared.fragile, False),
            "name": (np.array(self.names, dtype=object), ""),
            "region_code": (np.array(self.regions, dtype=object), ""),
        }
        out = {}
        for name, (values, missing) in columns.items():
            taken = values[np.maximum(order, 0)] if len(values) else np.full(len(order), missing)
            taken[order < 0] = missing
            out[name] = taken
        return out


@dataclass(frozen=True)
class ColourScale:
    """How the map colours the départements for one view: each one's place on the scale (0 to
    ``SCALE_TOP``) and status band, the colour bar's range and ticks, the hover's change texts
    (``None`` unless the map shows changes) and which values are fragile."""

    scaled: np.ndarray
    bands: np.ndarray
    cmin: float
    cmax: float
    tickvals: list[float]
    ticktext: list[str]
    changes: list[str] | None
    fragile: np.ndarray


def _change_scale(data: dict[str, np.ndarray], view: MapView) -> ColourScale:
    """Changes over ``view.change`` months: signed, clipped to ±100 %, or ±1 for the index."""
    values = data[CHANGE_COLUMN[view.metric]].astype("float64")
    known = ~np.isnan(values)
    clipped = np.clip(np.nan_to_num(values), -CHANGE_RANGE, CHANGE_RANGE)
    tickvals = [-1.0, -0.5, 0.0, 0.5, 1.0]
    write = fmt_signed_decimal if view.metric == "tension" else fmt_signed_percent
    ticktext = [
        write(v, view.lang, 1) if view.metric == "tension" else write(v, view.lang)
        for v in tickvals
    ]
    ticktext[0], ticktext[-1] = f"≤ {ticktext[0]}", f"≥ {ticktext[-1]}"
    ticktext[2] = "0"
    return ColourScale(
        scaled=(clipped + CHANGE_RANGE) / (2 * CHANGE_RANGE) * SCALE_TOP,
        bands=np.where(known, "ok", "no_data"),
        cmin=-CHANGE_RANGE,
        cmax=CHANGE_RANGE,
        tickvals=tickvals,
        ticktext=ticktext,
        changes=[write(v, view.lang) if ok else "" for v, ok in zip(values, known, strict=True)],
        fragile=data["fragile"].astype(bool) & known,
    )


def _level_fragile(data: dict[str, np.ndarray], view: MapView) -> np.ndarray:
    return fragile_mask(data["job_offers"], data["trainings"], view.threshold) & (
        data["tension_status"] != "no_data"
    )


def _tension_scale(data: dict[str, np.ndarray], view: MapView) -> ColourScale:
    """The index, clipped to ±2, with France's reference at 1."""
    index = data["tension_index"].astype("float64")
    clipped = np.clip(np.nan_to_num(index), -TENSION_RANGE, TENSION_RANGE)
    tickvals = [-2.0, -1.0, 0.0, 1.0, 2.0]
    ticktext = [fmt_int(v, view.lang) for v in tickvals]
    ticktext[3] = f"{ticktext[3]} · {t('national', view.lang)}"
    return ColourScale(
        scaled=(clipped + TENSION_RANGE) / (2 * TENSION_RANGE) * SCALE_TOP,
        bands=data["tension_status"],
        cmin=-TENSION_RANGE,
        cmax=TENSION_RANGE,
        tickvals=tickvals,
        ticktext=ticktext,
        changes=None,
        fragile=_level_fragile(data, view),
    )


def _count_scale(data: dict[str, np.ndarray], view: MapView) -> ColourScale:
    """Offers or trainings on a log scale, from 0 to the largest département."""
    values = data[view.metric].astype("float64")
    known = ~np.isnan(values)
    vmax = float(np.nanmax(values)) if known.any() else 1.0
    cmax = max(math.log10(1 + vmax), 1.0)
    tickvals, ticktext = _log_ticks(vmax, view.lang)
    return ColourScale(
        scaled=np.log10(1 + np.nan_to_num(values)) / cmax * SCALE_TOP,
        bands=np.where(known, "ok", "no_data"),
        cmin=0.0,
        cmax=cmax,
        tickvals=tickvals,
        ticktext=ticktext,
        changes=None,
        fragile=_level_fragile(data, view),
    )


def colour_scale(data: dict[str, np.ndarray], view: MapView) -> ColourScale:
    if view.change:
        return _change_scale(data, view)
    return _tension_scale(data, view) if view.metric == "tension" else _count_scale(data, view)


def map_updates(rows: MapRows, geometry: MapGeometry, view: MapView) -> dict[tuple[Any, ...], Any]:
    """Everything of the map that depends on the data and the selection, as figure paths.

    A full figure is the base figure with these values set; an update sends only them.
    """
    codes, _ = _feature_order(geometry)
    data = rows.reindexed(codes)
    statuses = data["tension_status"]
    lang = view.lang
    scale = colour_scale(data, view)
    scaled, bands, changes, fragile = scale.scaled, scale.bands, scale.changes, scale.fragile
    band_values = np.array([STATUS_BANDS.get(b, 0.0) for b in bands])
    z = np.where(bands == "ok", scaled, band_values)
    if view.region is not None:
        outside = data["region_code"] != view.region
        z = np.where(outside, np.vectorize(faded_z)(z), z)
    selected = np.array([c == view.department for c in codes])
    extent = geometry.region_bounds.get(view.region or "", geometry.bounds)
    bounds = _pad(extent, insets=view.region is None)
    # Offers and trainings, then the change's text when the map shows changes.
    customdata: list[list[int | str | None]] = [
        [_count(o), _count(n)] for o, n in zip(data["job_offers"], data["trainings"], strict=True)
    ]
    if changes is not None:
        for row, text in zip(customdata, changes, strict=True):
            row.append(text or t("status_no_comparison", lang))
    # Every update resends these texts for 101 départements, so they stay short: an undefined
    # index is named by its symbol (its colour and the legend say the status), and a fragile
    # value carries a brief note next to the index (the legend says the rest).
    note = " " + t("fragile_short", lang, threshold=view.threshold)
    index_text = [
        (fmt_decimal(float(v), lang) if st == "ok" and pd.notna(v) else SHORT_STATUS[st])
        + (note if weak else "")
        for v, st, weak in zip(data["tension_index"], statuses, fragile, strict=True)
    ]
    return {
        # The rings stand on every département; only the fragile ones are shown.
        ("data", FRAGILE_TRACE, "marker", "opacity"): [1 if weak else 0 for weak in fragile],
        ("data", MAIN, "z"): np.round(z, 4).tolist(),
        ("data", MAIN, "customdata"): customdata,
        ("data", MAIN, "text"): index_text,
        ("data", MAIN, "marker", "opacity"): [theme.FRAGILE_OPACITY if f else 1 for f in fragile],
        ("data", MAIN, "marker", "line", "width"): np.where(selected, 3.0, 0.5).tolist(),
        ("data", MAIN, "marker", "line", "color"): np.where(
            selected, theme.HIGHLIGHT, theme.BORDER
        ).tolist(),
        ("data", COLORBAR_TRACE, "marker", "cmin"): scale.cmin,
        ("data", COLORBAR_TRACE, "marker", "cmax"): round(scale.cmax, 4),
        ("data", COLORBAR_TRACE, "marker", "colorbar", "tickvals"): scale.tickvals,
        ("data", COLORBAR_TRACE, "marker", "colorbar", "ticktext"): scale.ticktext,
        ("layout", "geo", "lonaxis", "range"): [round(bounds[0], 3), round(bounds[2], 3)],
        ("layout", "geo", "lataxis", "range"): [round(bounds[1], 3), round(bounds[3], 3)],
        ("layout", "uirevision"): f"map-{view.region or 'FR'}",
    }


def _metric_title(metric: str, lang: str, change: int | None = None) -> str:
    if change:
        key = {"job_offers": "change_offers_title", "trainings": "change_trainings_title"}.get(
            metric, "change_index_title"
        )
        return f"{t(key, lang)} {t('change_period', lang, months=change)}"
    key = {"job_offers": "metric_job_offers", "trainings": "metric_trainings"}.get(
        metric, "metric_tension"
    )
    return t(key, lang)


def _map_hovertemplate(view: MapView) -> str:
    lang = view.lang
    lines = [
        "<b>%{hovertext}</b>",
        _pair(t("hover_offers", lang), "%{customdata[0]:,}", lang),
        _pair(t("hover_trainings", lang), "%{customdata[1]:,}", lang),
        _pair(t("hover_index", lang), "%{text}", lang),
    ]
    if view.change and view.earlier:
        since = t("hover_since", lang, month=month_label(view.earlier, lang))
        lines.append(_pair(f"{t('hover_change', lang)} {since}", "%{customdata[2]}", lang))
    return "<br>".join(lines) + "<extra></extra>"


def build_map_figure(rows: MapRows, geometry: MapGeometry, view: MapView) -> dict[str, Any]:
    """Choropleth of the départements for one indicator, as a plain figure dict.

    The GeoJSON is referenced by URL: the browser fetches it once and the figure carries only
    values.
    """
    lang = view.lang
    codes, feature_ids = _feature_order(geometry)
    names = rows.reindexed(codes)["name"].tolist()
    if view.change:
        scale = theme.CHANGE
    else:
        scale = theme.DIVERGING if view.metric == "tension" else theme.SEQUENTIAL[view.metric]
    title = _metric_title(view.metric, lang, view.change)
    main = {
        "type": "choropleth",
        "geojson": geometry.url,
        "featureidkey": "properties.feature_id",
        "locations": feature_ids,
        "z": [0.0] * len(feature_ids),
        "zmin": 0,
        "zmax": 1,
        "colorscale": _composite_scale(scale),
        "showscale": False,
        "hovertext": [f"{name} ({code})" for name, code in zip(names, codes, strict=True)],
        "hovertemplate": _map_hovertemplate(view),
        "name": title,
        "showlegend": False,
        "marker": {"line": {"width": 0.5, "color": theme.BORDER}},
    }
    colorbar = {
        "type": "scattergeo",
        "lon": [None],
        "lat": [None],
        "mode": "markers",
        "marker": {
            "color": [0],
            "colorscale": scale,
            "showscale": True,
            "colorbar": {
                "orientation": "h",
                "x": 0.5,
                "xanchor": "center",
                "y": -0.02,
                "yanchor": "top",
                "len": 0.8,
                "thickness": 12,
                "title": {"text": title, "side": "top"},
            },
        },
        "hoverinfo": "skip",
        "showlegend": False,
    }
    statuses = UNDEFINED_STATUSES if view.metric == "tension" and not view.change else ("no_data",)
    legend = [
        _legend_square(
            theme.STATUS_COLORS[status],
            t("status_no_comparison", lang) if view.change else status_label(status, lang),
        )
        for status in statuses
    ]
    ring = {"symbol": "circle-open", "size": 7, "color": theme.FRAGILE_MARK, "line": {"width": 1.5}}
    rings = {
        "type": "scattergeo",
        "lon": [geometry.centers[f][0] for f in feature_ids],
        "lat": [geometry.centers[f][1] for f in feature_ids],
        "mode": "markers",
        "marker": {**ring, "opacity": 0},
        "hoverinfo": "skip",
        "showlegend": False,
    }
    legend.insert(
        0,
        {
            "type": "scattergeo",
            "lon": [None],
            "lat": [None],
            "mode": "markers",
            "marker": ring,
            "name": t("fragile_legend", lang, threshold=view.threshold),
            "hoverinfo": "skip",
            "showlegend": True,
        },
    )
    figure = {
        "data": [main, colorbar, rings, *legend, *_inset_traces(geometry, lang)],
        "layout": theme.base_layout(
            margin={"l": 0, "r": 0, "t": 64, "b": 90},
            separators=theme.separators(lang),
            legend={"orientation": "h", "y": -0.2, "x": 0.5, "xanchor": "center", "yanchor": "top"},
            autosize=True,
            dragmode=False,
            clickmode="event",
            geo={
                "visible": False,
                "projection": {"type": "mercator"},
                "bgcolor": theme.BACKGROUND,
                "lonaxis": {},
                "lataxis": {},
            },
        ),
    }
    apply_updates(figure, map_updates(rows, geometry, view))
    return figure


def _legend_square(color: str, name: str) -> dict[str, Any]:
    """An invisible trace whose only purpose is a legend entry (a coloured square)."""
    return {
        "type": "scattergeo",
        "lon": [None],
        "lat": [None],
        "mode": "markers",
        "marker": {"symbol": "square", "size": 14, "color": color},
        "name": name,
        "hoverinfo": "skip",
        "showlegend": True,
    }


def apply_updates(figure: dict[str, Any], updates: dict[tuple[Any, ...], Any]) -> None:
    """Set each ``(section, …, key)`` path of ``updates`` on a figure dict."""
    for path, value in updates.items():
        target: Any = figure
        for key in path[:-1]:
            target = target.setdefault(key, {}) if isinstance(target, dict) else target[key]
        target[path[-1]] = value


def _inset_traces(geometry: MapGeometry, lang: str) -> list[dict[str, Any]]:
    lons: list[float | None] = []
    lats: list[float | None] = []
    label_lon: list[float] = []
    label_lat: list[float] = []
    labels: list[str] = []
    for inset in geometry.insets:
        lon0, lat0, lon1, lat1 = inset["bbox"]
        lons += [lon0, lon1, lon1, lon0, lon0, None]
        lats += [lat0, lat0, lat1, lat1, lat0, None]
        label_lon.append((lon0 + lon1) / 2)
        label_lat.append(lat1)
        labels.append(inset["label_en"] if lang == "en" else inset["label_fr"])
    if not lons:
        return []
    return [
        {
            "type": "scattergeo",
            "lon": lons,
            "lat": lats,
            "mode": "lines",
            "line": {"color": theme.INSET_FRAME, "width": 1},
            "hoverinfo": "skip",
            "showlegend": False,
        },
        {
            "type": "scattergeo",
            "lon": label_lon,
            "lat": label_lat,
            "mode": "text",
            "text": labels,
            "textposition": "top center",
            "textfont": {"size": 10, "color": theme.MUTED},
            "hoverinfo": "skip",
            "showlegend": False,
        },
    ]


def _month_axis(months: list[str], lang: str) -> tuple[list[str], list[str]]:
    """Ticks on January and July (every month when the history is short)."""
    step_months = {"01", "07"} if len(months) > 18 else None
    ticks = [m for m in months if step_months is None or m[5:] in step_months]
    return [f"{m}-01" for m in ticks], [month_label(m, lang) for m in ticks]


def _pair(label: str, value: str, lang: str) -> str:
    """``Offres : 12`` / ``Offers: 12``: the French space before the colon is in the text."""
    return t("label_value", lang, label=label, value=value)


def _line_style(color: str, solid: bool) -> dict[str, Any]:
    return {"color": color, "width": 2.5 if solid else 1.5, "dash": "solid" if solid else "dot"}


def _counts_trace(
    frame: pd.DataFrame, column: str, color: str, name: str, solid: bool, lang: str
) -> dict[str, Any]:
    return {
        "type": "scatter",
        "x": [f"{m}-01" for m in frame["month"]],
        "y": [None if pd.isna(v) else int(v) for v in frame[column]],
        "customdata": [month_label(m, lang) for m in frame["month"]],
        "name": name,
        "mode": "lines+markers" if solid else "lines",
        "line": _line_style(color, solid),
        "marker": {"size": 5},
        "hovertemplate": f"%{{customdata}}<br>{_pair(name, '%{y:,d}', lang)}<extra></extra>",
        "xaxis": "x",
        "yaxis": "y",
    }


def _index_trace(
    frame: pd.DataFrame, color: str, name: str, solid: bool, lang: str
) -> dict[str, Any]:
    return {
        "type": "scatter",
        "x": [f"{m}-01" for m in frame["month"]],
        "y": [None if pd.isna(v) else round(float(v), 4) for v in frame["tension_index"]],
        "customdata": [
            [month_label(m, lang), status_label(s, lang)]
            for m, s in zip(frame["month"], frame["tension_status"], strict=True)
        ],
        "name": name,
        "mode": "lines+markers" if solid else "lines",
        "line": _line_style(color, solid),
        "marker": {"size": 5},
        "connectgaps": False,
        "hovertemplate": (
            f"%{{customdata[0]}}<br>{_pair(name, '%{y:.2f} (%{customdata[1]})', lang)}"
            "<extra></extra>"
        ),
        "xaxis": "x2",
        "yaxis": "y2",
    }


def build_trend_figure(
    series: pd.DataFrame,
    territory_name: str,
    lang: str,
    national: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Offers and trainings (top) and tension index (bottom) over all months.

    ``national`` adds France's curves for comparison when the series is a smaller territory.
    Returns a plain figure dict: building ``go.Figure`` objects costs more than the query.
    """
    months = list(series["month"])
    france = t("national", lang)
    data = [
        _counts_trace(
            series,
            "job_offers",
            theme.OFFERS,
            f"{t('metric_job_offers', lang)} – {territory_name}",
            True,
            lang,
        ),
        _counts_trace(
            series,
            "trainings",
            theme.TRAININGS,
            f"{t('metric_trainings', lang)} – {territory_name}",
            True,
            lang,
        ),
    ]
    if national is not None:
        data += [
            _counts_trace(
                national,
                "job_offers",
                theme.OFFERS,
                f"{t('metric_job_offers', lang)} – {france}",
                False,
                lang,
            ),
            _counts_trace(
                national,
                "trainings",
                theme.TRAININGS,
                f"{t('metric_trainings', lang)} – {france}",
                False,
                lang,
            ),
        ]
    data.append(
        _index_trace(
            series, theme.TENSION, f"{t('metric_tension', lang)} – {territory_name}", True, lang
        )
    )
    if national is not None:
        data.append(
            _index_trace(
                national, theme.NATIONAL, f"{t('metric_tension', lang)} – {france}", False, lang
            )
        )
    shapes = []
    if months:
        for y, line in (
            (1, {"color": theme.NATIONAL, "dash": "dash", "width": 1}),
            (0, {"color": theme.GRID, "width": 1}),
        ):
            shapes.append(
                {
                    "type": "line",
                    "xref": "x2 domain",
                    "yref": "y2",
                    "x0": 0,
                    "x1": 1,
                    "y0": y,
                    "y1": y,
                    "line": line,
                }
            )
    tickvals, ticktext = _month_axis(months, lang)
    layout = theme.base_layout(
        separators=theme.separators(lang),
        legend={"orientation": "h", "y": -0.1, "yanchor": "top", "x": 0},
        uirevision="trend",
        height=520,
        hovermode="x unified" if months else "closest",
        margin={"l": 80, "r": 10, "t": 30, "b": 40},
        xaxis={
            "domain": [0, 1],
            "anchor": "y",
            "matches": "x2",
            "showticklabels": False,
            "gridcolor": theme.GRID,
            "type": "date",
        },
        xaxis2={
            "domain": [0, 1],
            "anchor": "y2",
            "gridcolor": theme.GRID,
            "tickvals": tickvals,
            "ticktext": ticktext,
            "type": "date",
        },
        yaxis={
            "domain": [0.5, 1.0],
            "anchor": "x",
            "title": {"text": t("axis_count", lang), "standoff": 12},
            "automargin": True,
            "rangemode": "tozero",
            "gridcolor": theme.GRID,
            "tickformat": ",d",
        },
        yaxis2={
            "domain": [0.0, 0.42],
            "anchor": "x2",
            "title": {"text": t("axis_index", lang), "standoff": 12},
            "automargin": True,
            "gridcolor": theme.GRID,
        },
        shapes=shapes,
    )
    return {"data": data, "layout": layout}


def build_breakdown_figure(
    items: Figures,
    labels: Sequence[str],
    lang: str,
    highlight: str | None = None,
    uirevision: str = "breakdown",
) -> dict[str, Any]:
    """Offers against trainings for a list of items (families, métiers, postes or regions),
    ``labels`` naming them; bars are sorted by offers, the largest on top. Returns a plain
    figure dict."""
    counts = {
        "job_offers": np.nan_to_num(items.job_offers).astype(int),
        "trainings": np.nan_to_num(items.trainings).astype(int),
    }
    order = np.lexsort((counts["trainings"], counts["job_offers"]))
    labels = [
        f"<b>{labels[i]}</b>" if items.keys[i] == highlight else str(labels[i]) for i in order
    ]
    index_text = [fmt_index(items.tension_index[i], items.tension_status[i], lang) for i in order]
    data = {column: values[order] for column, values in counts.items()}
    traces = [
        {
            "type": "bar",
            "y": labels,
            "x": data[column].tolist(),
            "orientation": "h",
            "name": t(key, lang),
            "marker": {"color": color},
            "customdata": index_text,
            "hovertemplate": (
                f"%{{y}}<br>{_pair(t(key, lang), '%{x:,d}', lang)}<br>"
                f"{_pair(t('hover_index', lang), '%{customdata}', lang)}<extra></extra>"
            ),
        }
        for column, color, key in (
            ("job_offers", theme.OFFERS, "metric_job_offers"),
            ("trainings", theme.TRAININGS, "metric_trainings"),
        )
    ]
    layout = theme.base_layout(
        barmode="group",
        separators=theme.separators(lang),
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
        height=max(260, 60 + 34 * len(order)),
        uirevision=uirevision,
        margin={"l": 10, "r": 20, "t": 40, "b": 30},
        bargap=0.25,
        xaxis={"gridcolor": theme.GRID, "rangemode": "tozero", "tickformat": ",d"},
        yaxis={"automargin": True},
    )
    return {"data": traces, "layout": layout}


def empty_figure(message: str) -> dict[str, Any]:
    """A blank chart that says why it is blank, rather than empty axes."""
    return {
        "data": [],
        "layout": theme.base_layout(
            height=260,
            xaxis={"visible": False},
            yaxis={"visible": False},
            annotations=[
                {
                    "text": message,
                    "showarrow": False,
                    "x": 0.5,
                    "y": 0.5,
                    "xref": "paper",
                    "yref": "paper",
                    "font": {"size": 15, "color": theme.MUTED},
                }
            ],
        ),
    }


def _clipped_index(value: Any, status: str) -> float | None:
    """Where an index sits on a chart: infinite statuses at the ends of the fixed range."""
    if status == "no_trainings":
        return TENSION_RANGE
    if status == "no_offers":
        return -TENSION_RANGE
    if value is None or pd.isna(value):
        return None
    return float(np.clip(float(value), -TENSION_RANGE, TENSION_RANGE))


def build_simulation_figure(simulation: Any, level_name: str, lang: str) -> dict[str, Any]:
    """Every territory's index for the poste, by rank once the trainings are opened, with the
    chosen territory today (hollow) and after (filled).

    ``simulation`` is a ``shaping.simulator.Simulation``; infinite indices are drawn at the
    ends of the fixed ±2.5 range and named in the hover text.
    """
    field = simulation.field.dropna(subset=["rank"]).sort_values("rank")
    others = field[field["code"] != simulation.code]

    def hover(frame: pd.DataFrame) -> list[str]:
        return [
            f"{name}<br>{_pair(t('hover_index', lang), fmt_index(v, s, lang), lang)}"
            for name, v, s in zip(
                frame["name"], frame["tension_index"], frame["tension_status"], strict=True
            )
        ]

    bars = {
        "type": "bar",
        "x": others["rank"].astype(int).tolist(),
        "y": [
            _clipped_index(v, s)
            for v, s in zip(others["tension_index"], others["tension_status"], strict=True)
        ],
        "marker": {
            "color": theme.NATIONAL,
            "opacity": [theme.FRAGILE_OPACITY if f else 0.6 for f in others["fragile"]],
        },
        "name": t("sim_others", lang),
        "hovertext": hover(others),
        "hovertemplate": "%{hovertext}<extra></extra>",
    }
    traces: list[dict[str, Any]] = [bars]
    for position, key, symbol in (
        (simulation.before, "sim_marker_before", "circle-open"),
        (simulation.after, "sim_marker_after", "circle"),
    ):
        y = _clipped_index(position.index, position.status)
        if position.rank is None or y is None:
            continue
        name = t(key, lang, territory=simulation.name)
        index = _pair(
            t("hover_index", lang), fmt_index(position.index, position.status, lang), lang
        )
        rank = _pair(t("col_rank", lang), str(position.rank), lang)
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": [position.rank],
                "y": [y],
                "name": name,
                "marker": {
                    "symbol": symbol,
                    "size": 14,
                    "color": theme.TENSION,
                    "line": {"width": 2.5, "color": theme.TENSION},
                },
                "hovertemplate": f"{name}<br>{index}<br>{rank}<extra></extra>",
            }
        )
    layout = theme.base_layout(
        separators=theme.separators(lang),
        height=360,
        uirevision=f"simulation-{simulation.code}",
        margin={"l": 60, "r": 10, "t": 40, "b": 80},
        bargap=0.1,
        title={"text": t("sim_chart_title", lang, level=level_name), "font": {"size": 14}},
        legend={"orientation": "h", "y": -0.3, "x": 0, "yanchor": "top"},
        xaxis={
            "title": {"text": t("col_rank", lang)},
            "gridcolor": theme.GRID,
            "rangemode": "tozero",
        },
        yaxis={
            "title": {"text": t("axis_index", lang)},
            "gridcolor": theme.GRID,
            "range": [-TENSION_RANGE - 0.1, TENSION_RANGE + 0.1],
            "zeroline": True,
        },
    )
    return {"data": traces, "layout": layout}


def build_compare_figure(
    series: list[tuple[str, pd.DataFrame]], lang: str, month: str | None = None
) -> dict[str, Any]:
    """Offers, trainings and index of several territories over time, one colour each.

    ``series`` pairs a territory name with its trend rows (the API's trend columns). Three
    stacked panels share the month axis; ``month`` marks the month the page looks at.
    """
    traces: list[dict[str, Any]] = []
    months: list[str] = []
    panels = (
        ("job_offers", "metric_job_offers", "y"),
        ("trainings", "metric_trainings", "y2"),
        ("tension_index", "metric_tension", "y3"),
    )
    for number, (name, frame) in enumerate(series):
        color = theme.COMPARE[number % len(theme.COMPARE)]
        if len(frame) > len(months):
            months = list(frame["month"])
        for column, key, axis in panels:
            if column == "tension_index":
                values = [None if pd.isna(v) else round(float(v), 4) for v in frame[column]]
                fmt = "%{y:.2f}"
            else:
                values = [None if pd.isna(v) else int(v) for v in frame[column]]
                fmt = "%{y:,d}"
            traces.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "x": [f"{m}-01" for m in frame["month"]],
                    "y": values,
                    "name": name,
                    "legendgroup": name,
                    "showlegend": column == "job_offers",
                    "line": {"color": color, "width": 2.2},
                    "customdata": [month_label(m, lang) for m in frame["month"]],
                    "hovertemplate": (
                        f"%{{customdata}}<br>{name}<br>{_pair(t(key, lang), fmt, lang)}"
                        "<extra></extra>"
                    ),
                    "connectgaps": False,
                    "xaxis": "x",
                    "yaxis": axis,
                }
            )
    tickvals, ticktext = _month_axis(months, lang)
    shapes = []
    if month:
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": f"{month}-01",
                "x1": f"{month}-01",
                "y0": 0,
                "y1": 1,
                "line": {"color": theme.MUTED, "width": 1, "dash": "dot"},
            }
        )
    value_axis = {"gridcolor": theme.GRID, "automargin": True}
    layout = theme.base_layout(
        separators=theme.separators(lang),
        height=560,
        uirevision="compare",
        hovermode="x",
        margin={"l": 70, "r": 10, "t": 50, "b": 40},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        xaxis={
            "type": "date",
            "anchor": "y3",
            "tickvals": tickvals,
            "ticktext": ticktext,
            "gridcolor": theme.GRID,
        },
        yaxis={
            **value_axis,
            "domain": [0.7, 1.0],
            "title": {"text": t("metric_job_offers", lang)},
            "rangemode": "tozero",
            "tickformat": ",d",
        },
        yaxis2={
            **value_axis,
            "domain": [0.36, 0.64],
            "title": {"text": t("metric_trainings", lang)},
            "rangemode": "tozero",
            "tickformat": ",d",
        },
        yaxis3={**value_axis, "domain": [0.0, 0.3], "title": {"text": t("axis_index", lang)}},
        shapes=shapes,
    )
    return {"data": traces, "layout": layout}
