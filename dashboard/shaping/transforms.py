"""Pure data shaping between the queries and the figures: no I/O, no Dash, unit-tested."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dashboard.core.state import ViewState
from dashboard.shaping.changes import fragile_mask, relative_change, shift_month
from dashboard.shaping.figures import Bounds, MapGeometry
from data_access.queries import Catalog, JobFilter
from data_access.readmodel import Figures, Point

TOP_N = 30


# -- geometry ----------------------------------------------------------------------------------
def _ring_bounds(coordinates: Any) -> Bounds:
    points = np.asarray(
        [p for polygon in coordinates for ring in polygon for p in ring], dtype=float
    )
    return (
        float(points[:, 0].min()),
        float(points[:, 1].min()),
        float(points[:, 0].max()),
        float(points[:, 1].max()),
    )


def _feature_bounds(feature: dict[str, Any]) -> Bounds:
    geometry = feature["geometry"]
    coords = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        coords = [coords]
    return _ring_bounds(coords)


def _ring_centroid(ring: Any) -> tuple[float, float, float]:
    """Area and centroid of a closed ring (shoelace formula)."""
    xy = np.asarray(ring, dtype=float)
    x, y = xy[:, 0], xy[:, 1]
    cross = x[:-1] * y[1:] - x[1:] * y[:-1]
    area = cross.sum() / 2
    if area == 0:
        return 0.0, float(x.mean()), float(y.mean())
    cx = ((x[:-1] + x[1:]) * cross).sum() / (6 * area)
    cy = ((y[:-1] + y[1:]) * cross).sum() / (6 * area)
    return abs(float(area)), float(cx), float(cy)


def _label_point(feature: dict[str, Any]) -> tuple[float, float]:
    """Centroid of a feature's largest polygon: where a mark on the département goes."""
    geometry = feature["geometry"]
    polygons = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    _, lon, lat = max(_ring_centroid(polygon[0]) for polygon in polygons)
    return round(lon, 2), round(lat, 2)


def _union(bounds: list[Bounds]) -> Bounds:
    return (
        min(b[0] for b in bounds),
        min(b[1] for b in bounds),
        max(b[2] for b in bounds),
        max(b[3] for b in bounds),
    )


def map_geometry(geojson: dict[str, Any], insets: list[dict[str, Any]], url: str) -> MapGeometry:
    """Index the GeoJSON once at start-up: feature ids per département and region extents.

    A region's extent leaves out the enlarged Paris copies, so zooming on Île-de-France frames
    its real shape.
    """
    feature_ids: dict[str, list[str]] = {}
    centers: dict[str, tuple[float, float]] = {}
    all_bounds: list[Bounds] = []
    region_bounds: dict[str, list[Bounds]] = {}
    for feature in geojson["features"]:
        props = feature["properties"]
        feature_ids.setdefault(props["code"], []).append(props["feature_id"])
        centers[props["feature_id"]] = _label_point(feature)
        bounds = _feature_bounds(feature)
        all_bounds.append(bounds)
        if props.get("inset") != "paris":
            region_bounds.setdefault(props["region_code"], []).append(bounds)
    return MapGeometry(
        url=url,
        feature_ids={k: tuple(v) for k, v in feature_ids.items()},
        bounds=_union(all_bounds),
        region_bounds={k: _union(v) for k, v in region_bounds.items()},
        insets=tuple(insets),
        centers=centers,
    )


# -- territories -------------------------------------------------------------------------------
def territory_name(state: ViewState, catalog: Catalog, france: str) -> str:
    level, code = state.territory
    return france if level == "national" else catalog.territory_name(level, code)


def scope_postes(state: ViewState, catalog: Catalog) -> tuple[str, ...] | None:
    """The postes inside the view's job filter; ``None`` when every poste is in."""
    scope_level, scope_code = JobFilter(state.family, state.metier, state.poste).scope()
    if scope_level == "all":
        return None
    if scope_level == "poste":
        return (scope_code,)
    return catalog.within(scope_level, scope_code, "poste")


def scope_label(state: ViewState, catalog: Catalog) -> str | None:
    """Label of the most specific job filter, or ``None`` for all jobs."""
    level, code = JobFilter(state.family, state.metier, state.poste).scope()
    return None if level == "all" else catalog.scope_labels(level, (code,))[0]


# -- key figures -------------------------------------------------------------------------------
@dataclass(frozen=True)
class KeyFigure:
    """One headline number with its change over one and twelve months."""

    measure: str
    value: float | None
    status: str | None
    change_month: float | None
    change_year: float | None


def key_figures(series: Figures, month: str) -> list[KeyFigure]:
    """Offers, trainings and tension of ``month`` from a territory's series, with changes.

    Counts change in relative terms; the index changes in absolute points, since a ratio of
    logarithms has no meaningful percentage.
    """
    now = series.at(month)
    previous = series.at(shift_month(month, 1))
    year_ago = series.at(shift_month(month, 12))

    def value(point: Point | None, measure: str) -> float | None:
        found = None if point is None else getattr(point, measure)
        return None if found is None else float(found)

    figures: list[KeyFigure] = []
    for measure in ("job_offers", "trainings"):
        now_value = value(now, measure)
        figures.append(
            KeyFigure(
                measure,
                now_value,
                None,
                relative_change(now_value, value(previous, measure)),
                relative_change(now_value, value(year_ago, measure)),
            )
        )
    index = value(now, "tension_index")

    def index_change(other: Point | None) -> float | None:
        before = value(other, "tension_index")
        return None if index is None or before is None else index - before

    figures.append(
        KeyFigure(
            "tension_index",
            index,
            None if now is None else now.tension_status,
            index_change(previous),
            index_change(year_ago),
        )
    )
    return figures


# -- quarters and top 30 ----------------------------------------------------------------------
def quarter_of(month: str) -> tuple[int, int]:
    return int(month[:4]), (int(month[5:]) - 1) // 3 + 1


def quarter_months(year: int, quarter: int, available: tuple[str, ...]) -> tuple[str, ...]:
    first = (quarter - 1) * 3 + 1
    wanted = {f"{year:04d}-{first + i:02d}" for i in range(3)}
    return tuple(m for m in available if m in wanted)


def previous_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


@dataclass(frozen=True)
class RankedPoste:
    """One poste of a top 30: its quarter's figures, its rank and how the rank moved."""

    code: str
    rank: int
    job_offers: int
    trainings: int
    tension_index: float | None
    tension_status: str
    fragile: bool
    rank_change: int | None  # positive when the poste climbed; None when new or no earlier
    is_new: bool


def _ranking(items: Figures, threshold: int, exclude_fragile: bool) -> list[int]:
    """Positions of the postes with offers, most offers first (ties: fewer trainings, then
    code); fragile ones left out when asked."""
    offers = np.nan_to_num(items.job_offers)
    trainings = np.nan_to_num(items.trainings)
    keep = offers > 0
    if exclude_fragile:
        keep &= ~fragile_mask(items.job_offers, items.trainings, threshold)
    positions = np.flatnonzero(keep).tolist()
    return sorted(positions, key=lambda i: (-offers[i], trainings[i], items.keys[i]))


def top_postes(
    current: Figures,
    previous: Figures | None,
    n: int = TOP_N,
    threshold: int = 0,
    exclude_fragile: bool = False,
) -> list[RankedPoste]:
    """The ``n`` postes with most offers in the quarter, with their rank change.

    ``is_new`` marks a poste that was outside the previous quarter's top ``n`` (or had no offer
    then); without a previous quarter, no poste is new and no rank moved. Postes with no offer
    at all are not ranked. ``fragile`` marks quarters with fewer than ``threshold`` offers and
    trainings; ``exclude_fragile`` leaves them out of both rankings, so ranks and rank changes
    are among reliable values only.
    """
    fragile = fragile_mask(current.job_offers, current.trainings, threshold)
    before: dict[str, int] | None = None
    if previous is not None and not previous.empty:
        order = _ranking(previous, threshold, exclude_fragile)
        before = {previous.keys[i]: rank for rank, i in enumerate(order, start=1)}
    ranked = []
    for rank, i in enumerate(_ranking(current, threshold, exclude_fragile)[:n], start=1):
        code = current.keys[i]
        earlier = None if before is None else before.get(code)
        is_new = before is not None and (earlier is None or earlier > n)
        index = float(current.tension_index[i])
        ranked.append(
            RankedPoste(
                code=code,
                rank=rank,
                job_offers=int(current.job_offers[i]),
                trainings=int(np.nan_to_num(current.trainings[i])),
                tension_index=None if math.isnan(index) else index,
                tension_status=str(current.tension_status[i]),
                fragile=bool(fragile[i]),
                rank_change=None if earlier is None or is_new else earlier - rank,
                is_new=is_new,
            )
        )
    return ranked


def rank_change_text(change: Any, is_new: bool, new_label: str) -> str:
    """Arrow text for a rank change: ``▲ 3``, ``▼ 2``, ``=`` or the "new" badge."""
    if is_new:
        return new_label
    if change is None or (isinstance(change, float) and math.isnan(change)) or pd.isna(change):
        return ""
    change = int(change)
    if change > 0:
        return f"▲ {change}"
    if change < 0:
        return f"▼ {-change}"
    return "="


def rank_change_class(change: Any, is_new: bool) -> str | None:
    """The style of a rank change's cell: new, up or down (nothing when unchanged)."""
    if is_new:
        return "trend-new"
    if change is None or pd.isna(change) or int(change) == 0:
        return None
    return "trend-up" if int(change) > 0 else "trend-down"


# -- breakdown ---------------------------------------------------------------------------------
def breakdown_scope(
    state: ViewState, catalog: Catalog
) -> tuple[str, tuple[str, ...] | None, str | None]:
    """Which job items the breakdown shows: families, the métiers of a family, or the postes
    of a métier; and which one to highlight."""
    if state.metier:
        return "poste", catalog.within("metier", state.metier, "poste"), state.poste
    if state.family:
        return "metier", catalog.within("family", state.family, "metier"), None
    return "family", None, None
