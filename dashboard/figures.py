"""Pure figure builders: tidy data in, ``go.Figure`` out; no I/O, no Dash.

Each builder sets ``uirevision`` so that a user's zoom or legend choices survive data updates,
and takes its styling from ``dashboard.theme`` and its words from ``dashboard.i18n``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard import theme
from dashboard.i18n import fmt_decimal, fmt_int, month_label, status_label, t

Bounds = tuple[float, float, float, float]  # lon_min, lat_min, lon_max, lat_max
UNDEFINED_STATUSES = ("no_trainings", "no_offers", "no_data")


def _colorbar(title: str, tickvals: list[float], ticktext: list[str]) -> dict[str, Any]:
    """Horizontal colour bar under the map, so the map keeps the full width on phones too."""
    return {
        "orientation": "h",
        "x": 0.5,
        "xanchor": "center",
        "y": -0.02,
        "yanchor": "top",
        "len": 0.8,
        "thickness": 12,
        "title": {"text": title, "side": "top"},
        "tickvals": tickvals,
        "ticktext": ticktext,
    }


@dataclass(frozen=True)
class MapGeometry:
    """What the map needs to know of the geometry without carrying it in every response."""

    url: str
    feature_ids: dict[str, tuple[str, ...]]
    bounds: Bounds
    region_bounds: dict[str, Bounds]
    insets: tuple[dict[str, Any], ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class MapView:
    """What the user looks at: indicator, region in focus, selected département, language."""

    metric: str
    lang: str
    region: str | None = None
    department: str | None = None


def _pad(bounds: Bounds, ratio: float = 0.04) -> Bounds:
    lon0, lat0, lon1, lat1 = bounds
    dx, dy = (lon1 - lon0) * ratio, (lat1 - lat0) * ratio
    return lon0 - dx, lat0 - dy, lon1 + dx, lat1 + dy


def _expand(rows: pd.DataFrame, geometry: MapGeometry) -> pd.DataFrame:
    """One row per drawn feature: the Paris-zoom copies repeat their département's values."""
    ids = rows["code"].map(lambda c: list(geometry.feature_ids.get(c, ())))
    expanded = rows.assign(feature_id=ids).explode("feature_id")
    return expanded.dropna(subset=["feature_id"]).reset_index(drop=True)


def _hover_data(rows: pd.DataFrame, lang: str) -> np.ndarray:
    return np.column_stack(
        [
            rows["name"].astype(str),
            rows["code"].astype(str),
            [fmt_int(v if pd.notna(v) else None, lang) for v in rows["job_offers"]],
            [fmt_int(v if pd.notna(v) else None, lang) for v in rows["trainings"]],
            [fmt_decimal(v if pd.notna(v) else None, lang) for v in rows["tension_index"]],
            [status_label(s, lang) for s in rows["tension_status"]],
        ]
    )


def _hovertemplate(lang: str) -> str:
    return (
        "<b>%{customdata[0]}</b> (%{customdata[1]})<br>"
        f"{t('hover_offers', lang)} : %{{customdata[2]}}<br>"
        f"{t('hover_trainings', lang)} : %{{customdata[3]}}<br>"
        f"{t('hover_index', lang)} : %{{customdata[4]}}<br>"
        f"{t('hover_status', lang)} : %{{customdata[5]}}<extra></extra>"
    ).replace(" :", " :" if lang != "en" else ":")


def _log_ticks(max_value: float, lang: str) -> tuple[list[float], list[str]]:
    ticks = [0.0]
    labels = ["0"]
    power = 0
    while 10**power <= max(max_value, 1):
        ticks.append(math.log10(1 + 10**power))
        labels.append(fmt_int(10**power, lang))
        power += 1
    return ticks, labels


def tension_range(values: pd.Series) -> float:
    """Symmetric colour range of the tension scale: wide enough for the reference 1 and most
    values, so a single outlier does not wash out the map."""
    finite = values.dropna().abs()
    if finite.empty:
        return 1.5
    return float(max(1.5, np.nanpercentile(finite, 95)))


def build_map_figure(rows: pd.DataFrame, geometry: MapGeometry, view: MapView) -> go.Figure:
    """Choropleth of the départements for one indicator.

    ``rows`` has the API's indicator columns, one row per département. The GeoJSON is referenced
    by URL: the browser fetches it once and the figure carries only values.
    """
    lang = view.lang
    data = _expand(rows, geometry)
    in_focus = (
        data["code"].map(lambda c: c in geometry.feature_ids).to_numpy()
        if view.region is None
        else data["region_code"].eq(view.region).to_numpy()
    )
    opacity = np.where(in_focus, 1.0, theme.FADED_OPACITY)
    selected = data["code"].eq(view.department).to_numpy()
    line_width = np.where(selected, 3.0, 0.5)
    line_color = np.where(selected, theme.HIGHLIGHT, theme.BORDER)
    custom = _hover_data(data, lang)
    template = _hovertemplate(lang)
    traces: list[go.Choropleth] = []

    def trace(mask: np.ndarray, z: np.ndarray, **style: Any) -> go.Choropleth:
        return go.Choropleth(
            geojson=geometry.url,
            featureidkey="properties.feature_id",
            locations=data.loc[mask, "feature_id"].tolist(),
            z=z,
            customdata=custom[mask],
            hovertemplate=template,
            marker={
                "opacity": opacity[mask].tolist(),
                "line": {"width": line_width[mask].tolist(), "color": line_color[mask].tolist()},
            },
            **style,
        )

    if view.metric == "tension":
        ok = data["tension_status"].eq("ok").to_numpy()
        zmax = tension_range(data.loc[ok, "tension_index"])
        traces.append(
            trace(
                ok,
                data.loc[ok, "tension_index"].round(4).to_numpy(),
                colorscale=theme.DIVERGING,
                zmin=-zmax,
                zmax=zmax,
                zmid=0,
                name=t("metric_tension", lang),
                showlegend=False,
                colorbar=_colorbar(
                    t("metric_tension", lang),
                    [-1, 0, 1],
                    ["−1", "0", f"1 · {t('national', lang)}"],
                ),
            )
        )
        statuses = data["tension_status"].to_numpy()
    else:
        values = pd.to_numeric(data[view.metric], errors="coerce").astype("float64")
        known = values.notna().to_numpy()
        z = np.log10(1 + values[known].to_numpy())
        vmax = float(values.max()) if known.any() else 1.0
        tickvals, ticktext = _log_ticks(vmax, lang)
        metric_key = "metric_job_offers" if view.metric == "job_offers" else "metric_trainings"
        traces.append(
            trace(
                known,
                np.round(z, 4),
                colorscale=theme.SEQUENTIAL[view.metric],
                zmin=0,
                zmax=max(math.log10(1 + vmax), 1),
                name=t(metric_key, lang),
                showlegend=False,
                colorbar=_colorbar(t(metric_key, lang), tickvals, ticktext),
            )
        )
        statuses = np.where(known, "ok", "no_data")
    for status in UNDEFINED_STATUSES:
        mask = statuses == status
        if not mask.any():
            continue
        color = theme.STATUS_COLORS[status]
        traces.append(
            trace(
                mask,
                np.zeros(int(mask.sum())),
                colorscale=[[0, color], [1, color]],
                showscale=False,
                showlegend=True,
                name=status_label(status, lang),
            )
        )

    figure = go.Figure(traces)
    _add_inset_frames(figure, geometry, lang)
    bounds = _pad(
        geometry.region_bounds.get(view.region, geometry.bounds) if view.region else geometry.bounds
    )
    figure.update_geos(
        visible=False,
        projection_type="mercator",
        lonaxis_range=[bounds[0], bounds[2]],
        lataxis_range=[bounds[1], bounds[3]],
        bgcolor=theme.BACKGROUND,
    )
    figure.update_layout(
        **theme.base_layout(
            margin={"l": 0, "r": 0, "t": 22, "b": 90},
            separators=theme.separators(lang),
            legend={"orientation": "h", "y": -0.2, "x": 0.5, "xanchor": "center", "yanchor": "top"},
            uirevision=f"map-{view.region or 'FR'}",
            autosize=True,
            dragmode=False,
            clickmode="event",
        )
    )
    return figure


def _add_inset_frames(figure: go.Figure, geometry: MapGeometry, lang: str) -> None:
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
        return
    figure.add_trace(
        go.Scattergeo(
            lon=lons,
            lat=lats,
            mode="lines",
            line={"color": theme.INSET_FRAME, "width": 1},
            hoverinfo="skip",
            showlegend=False,
        )
    )
    figure.add_trace(
        go.Scattergeo(
            lon=label_lon,
            lat=label_lat,
            mode="text",
            text=labels,
            textposition="top center",
            textfont={"size": 10, "color": theme.MUTED},
            hoverinfo="skip",
            showlegend=False,
        )
    )


def _month_axis(months: list[str], lang: str) -> tuple[list[str], list[str]]:
    """Ticks on January and July (every month when the history is short)."""
    step_months = {"01", "07"} if len(months) > 18 else None
    ticks = [m for m in months if step_months is None or m[5:] in step_months]
    return [f"{m}-01" for m in ticks], [month_label(m, lang) for m in ticks]


def build_trend_figure(
    series: pd.DataFrame,
    territory_name: str,
    lang: str,
    national: pd.DataFrame | None = None,
) -> go.Figure:
    """Offers and trainings (top) and tension index (bottom) over all months.

    ``national`` adds France's curves for comparison when the series is a smaller territory.
    """
    figure = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        row_heights=[0.58, 0.42],
        vertical_spacing=0.08,
    )
    months = list(series["month"])
    x = [f"{m}-01" for m in months]

    def counts_trace(frame: pd.DataFrame, column: str, color: str, name: str, dash: str) -> None:
        figure.add_trace(
            go.Scatter(
                x=[f"{m}-01" for m in frame["month"]],
                y=[None if pd.isna(v) else int(v) for v in frame[column]],
                customdata=[month_label(m, lang) for m in frame["month"]],
                name=name,
                mode="lines+markers" if dash == "solid" else "lines",
                line={"color": color, "width": 2.5 if dash == "solid" else 1.5, "dash": dash},
                marker={"size": 5},
                hovertemplate=f"%{{customdata}}<br>{name} : %{{y:,d}}<extra></extra>",
            ),
            row=1,
            col=1,
        )

    def index_trace(frame: pd.DataFrame, color: str, name: str, dash: str) -> None:
        status = [status_label(s, lang) for s in frame["tension_status"]]
        figure.add_trace(
            go.Scatter(
                x=[f"{m}-01" for m in frame["month"]],
                y=[None if pd.isna(v) else round(float(v), 4) for v in frame["tension_index"]],
                customdata=np.column_stack(
                    [[month_label(m, lang) for m in frame["month"]], status]
                ),
                name=name,
                mode="lines+markers" if dash == "solid" else "lines",
                line={"color": color, "width": 2.5 if dash == "solid" else 1.5, "dash": dash},
                marker={"size": 5},
                connectgaps=False,
                hovertemplate=(
                    f"%{{customdata[0]}}<br>{name} : %{{y:.2f}} (%{{customdata[1]}})<extra></extra>"
                ),
            ),
            row=2,
            col=1,
        )

    offers_name = f"{t('metric_job_offers', lang)} – {territory_name}"
    trainings_name = f"{t('metric_trainings', lang)} – {territory_name}"
    index_name = f"{t('metric_tension', lang)} – {territory_name}"
    counts_trace(series, "job_offers", theme.OFFERS, offers_name, "solid")
    counts_trace(series, "trainings", theme.TRAININGS, trainings_name, "solid")
    if national is not None:
        france = t("national", lang)
        counts_trace(
            national,
            "job_offers",
            theme.OFFERS,
            f"{t('metric_job_offers', lang)} – {france}",
            "dot",
        )
        counts_trace(
            national,
            "trainings",
            theme.TRAININGS,
            f"{t('metric_trainings', lang)} – {france}",
            "dot",
        )
    index_trace(series, theme.TENSION, index_name, "solid")
    if national is not None:
        index_trace(
            national, theme.NATIONAL, f"{t('metric_tension', lang)} – {t('national', lang)}", "dot"
        )
    if months:
        figure.add_hline(
            y=1, line={"color": theme.NATIONAL, "dash": "dash", "width": 1}, row=2, col=1
        )
        figure.add_hline(y=0, line={"color": theme.GRID, "width": 1}, row=2, col=1)
    tickvals, ticktext = _month_axis(months, lang)
    figure.update_xaxes(tickvals=tickvals, ticktext=ticktext, gridcolor=theme.GRID, row=2, col=1)
    figure.update_xaxes(gridcolor=theme.GRID, showticklabels=False, row=1, col=1)
    figure.update_yaxes(
        title_text=t("axis_count", lang), rangemode="tozero", gridcolor=theme.GRID, row=1, col=1
    )
    figure.update_yaxes(title_text=t("axis_index", lang), gridcolor=theme.GRID, row=2, col=1)
    figure.update_layout(
        **theme.base_layout(
            separators=theme.separators(lang),
            legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
            uirevision="trend",
            height=520,
            hovermode="x unified" if len(x) else "closest",
            margin={"l": 60, "r": 10, "t": 60, "b": 40},
        )
    )
    return figure


def build_breakdown_figure(
    rows: pd.DataFrame,
    lang: str,
    highlight: str | None = None,
    uirevision: str = "breakdown",
) -> go.Figure:
    """Offers against trainings for a list of items (families, métiers, postes or regions).

    ``rows`` has ``code``, ``label``, ``job_offers``, ``trainings``, ``tension_index`` and
    ``tension_status``; bars are sorted by offers, the largest on top.
    """
    data = rows.copy()
    data["job_offers"] = pd.to_numeric(data["job_offers"]).fillna(0).astype(int)
    data["trainings"] = pd.to_numeric(data["trainings"]).fillna(0).astype(int)
    data = data.sort_values(["job_offers", "trainings"], ascending=True)
    labels = [
        f"<b>{label}</b>" if code == highlight else str(label)
        for code, label in zip(data["code"], data["label"], strict=True)
    ]
    index_text = [
        fmt_decimal(v, lang) if s == "ok" else status_label(s, lang)
        for v, s in zip(data["tension_index"], data["tension_status"], strict=True)
    ]
    figure = go.Figure()
    for column, color, key in (
        ("job_offers", theme.OFFERS, "metric_job_offers"),
        ("trainings", theme.TRAININGS, "metric_trainings"),
    ):
        figure.add_trace(
            go.Bar(
                y=labels,
                x=data[column].tolist(),
                orientation="h",
                name=t(key, lang),
                marker={"color": color},
                customdata=np.column_stack([data["code"].astype(str), index_text]),
                hovertemplate=(
                    f"%{{y}}<br>{t(key, lang)} : %{{x:,d}}<br>"
                    f"{t('hover_index', lang)} : %{{customdata[1]}}<extra></extra>"
                ),
            )
        )
    figure.update_layout(
        **theme.base_layout(
            barmode="group",
            separators=theme.separators(lang),
            legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
            height=max(260, 60 + 34 * len(data)),
            uirevision=uirevision,
            margin={"l": 10, "r": 20, "t": 40, "b": 30},
            bargap=0.25,
        )
    )
    figure.update_xaxes(gridcolor=theme.GRID, rangemode="tozero")
    figure.update_yaxes(automargin=True)
    return figure


def empty_figure(message: str) -> go.Figure:
    """A blank chart that says why it is blank, rather than empty axes."""
    figure = go.Figure()
    figure.add_annotation(
        text=message,
        showarrow=False,
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        font={"size": 15, "color": theme.MUTED},
    )
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    figure.update_layout(**theme.base_layout(height=260))
    return figure
