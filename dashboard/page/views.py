"""What each part of the page shows for a view state: plain functions the callbacks delegate to.

They read figures through ``Service`` (the same functions as the API), shape them with
``transforms`` and draw them with ``figures``; they know nothing of Dash callbacks, so they can
be tested by calling them.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any, overload

import pandas as pd
from dash import Patch, html

from dashboard.core.i18n import (
    fmt_decimal,
    fmt_index,
    fmt_int,
    fmt_signed_decimal,
    fmt_signed_percent,
    month_label,
    status_label,
    t,
    tn,
)
from dashboard.core.service import Service, frame_to_csv
from dashboard.core.state import ViewState, token_territory
from dashboard.page.tables import Column, Kind, SortOrder, html_attrs
from dashboard.shaping import changes, figures, transforms
from dashboard.shaping.figures import MapGeometry, MapRows, MapView
from dashboard.shaping.simulator import Simulation, simulate
from data_access.queries import JobFilter
from data_access.readmodel import Figures

Figure = dict[str, Any]  # a plain Plotly figure: {"data": [...], "layout": {...}}
MapSignature = dict[str, str | None]  # what the map in the browser shows (map_signature)

MAP_TABLE_ORDER = SortOrder("tension_index", descending=True)
TOP_JOBS_ORDER = SortOrder("rank")


def job_filter(state: ViewState) -> JobFilter:
    return JobFilter(state.family, state.metier, state.poste)


# -- map ---------------------------------------------------------------------------------------
def indicator_rows(
    service: Service, state: ViewState, level: str, month: str | None = None
) -> pd.DataFrame:
    """Rows of ``/api/v1/indicators`` for the view's job filter at one territory level."""
    query = service.validate_indicators(
        month or state.month, level, None, state.family, state.metier, state.poste
    )
    return service.indicators(query)


def earlier_month(service: Service, state: ViewState, period: int) -> str | None:
    """The month ``period`` months before the view's, if it has been imported."""
    month = changes.shift_month(state.month, period)
    return month if month in service.status().months else None


def comparison(
    service: Service, state: ViewState, level: str, period: int | None
) -> tuple[changes.Comparison, list[str]]:
    """The view's month at one level beside ``period`` months before (none when ``None``);
    and the territories' names."""
    query = service.validate_indicators(
        state.month, level, None, state.family, state.metier, state.poste
    )
    current = service.indicator_figures(query)
    earlier = earlier_month(service, state, period) if period else None
    previous = (
        service.indicator_figures(replace(query, month=earlier)) if earlier is not None else None
    )
    names = service.catalog().territory_names(level, current.keys)
    return changes.compare(current, previous, service.settings.fragile_threshold), names


def map_rows(service: Service, state: ViewState) -> MapRows:
    """Département figures of the month and job filter (those of ``/api/v1/indicators``),
    beside those of the compared month when the map shows changes."""
    compared, names = comparison(service, state, "department", int(state.change or 0) or None)
    regions = service.catalog().region_of_department_map
    return MapRows(compared, tuple(names), tuple(regions[c] for c in compared.now.keys))


def map_view(state: ViewState, threshold: int) -> MapView:
    period = int(state.change) if state.change else None
    earlier = changes.shift_month(state.month, period) if period else None
    return MapView(
        state.metric, state.lang, state.region, state.department, period, earlier, threshold
    )


def map_signature(state: ViewState) -> MapSignature:
    """What the map drawn in the browser shows, kept beside it to decide what to resend."""
    return {
        # The hover text names the month compared with, so in change mode the month is part
        # of the structure.
        "structure": f"{state.lang}:{state.metric}"
        + (f":{state.change}:{state.month}" if state.change else ""),
        "region": state.region,
        "department": state.department,
    }


def _needed(path: tuple[Any, ...], before: dict[str, Any], after: dict[str, Any]) -> bool:
    if path[0] == "layout":
        return before.get("region") != after["region"]
    if "line" in path:
        return before.get("department") != after["department"]
    return True


# Without a previous signature the answer is always a whole figure (the embed page and the
# first screen rely on it); the overloads let the type checker know it too.
@overload
def render_map(
    service: Service, geometry: MapGeometry, state: ViewState, previous: None = None
) -> tuple[Figure, MapSignature]: ...


@overload
def render_map(
    service: Service, geometry: MapGeometry, state: ViewState, previous: dict[str, Any] | None
) -> tuple[Figure | Patch, MapSignature]: ...


def render_map(
    service: Service,
    geometry: MapGeometry,
    state: ViewState,
    previous: dict[str, Any] | None = None,
) -> tuple[Figure | Patch, MapSignature]:
    """The map for ``state``: a whole figure the first time (or when language or indicator
    change), otherwise a ``Patch`` with only the values that changed (a few kilobytes)."""
    rows = map_rows(service, state)
    view = map_view(state, service.settings.fragile_threshold)
    signature = map_signature(state)
    if not isinstance(previous, dict) or previous.get("structure") != signature["structure"]:
        return figures.build_map_figure(rows, geometry, view), signature
    patch = Patch()
    for path, value in figures.map_updates(rows, geometry, view).items():
        if not _needed(path, previous, signature):
            continue
        target = patch
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return patch, signature


def render_map_table(
    service: Service, state: ViewState
) -> tuple[list[dict[str, Any]], list[Column]]:
    """The map's figures as table rows: the accessible alternative to the map."""
    threshold = service.settings.fragile_threshold
    change_column = changes.CHANGE_COLUMN[state.metric] if state.change else None
    return (
        table_records(map_rows(service, state), state.lang, threshold, change_column, state.region),
        map_table_columns(state.lang, state.metric if state.change else None),
    )


def table_records(
    rows: MapRows,
    lang: str,
    threshold: int,
    change_column: str | None = None,
    region: str | None = None,
) -> list[dict[str, Any]]:
    """One record per département (of ``region`` when given), values as the table shows them."""
    now = rows.compared.now
    if change_column is not None:
        fragile = rows.compared.fragile
    else:
        fragile = changes.fragile_mask(now.job_offers, now.trainings, threshold)
    records = []
    for i, code in enumerate(now.keys):
        if region is not None and rows.regions[i] != region:
            continue
        point = now.point(i)
        record = {
            "code": code,
            "name": rows.names[i],
            "job_offers": point.job_offers,
            "trainings": point.trainings,
            "tension_index": None if point.tension_index is None else round(point.tension_index, 4),
            "status": status_label(point.tension_status, lang),
            "reliability": t("fragile_label", lang)
            if fragile[i] and point.tension_status != "no_data"
            else "",
        }
        if change_column is not None:
            value = float(getattr(rows.compared, change_column)[i])
            record["change"] = None if math.isnan(value) else round(value, 4)
        records.append(record)
    return records


def _index_columns(lang: str) -> list[Column]:
    """The tension index, its status and the reliability flag: last in both tables."""
    return [
        Column("tension_index", t("col_index", lang), "index"),
        Column("status", t("col_status", lang)),
        Column("reliability", t("col_reliability", lang)),
    ]


def map_table_columns(lang: str, change_metric: str | None = None) -> list[Column]:
    columns = [
        Column("code", t("col_code", lang)),
        Column("name", t("department", lang)),
        Column("job_offers", t("col_offers", lang), "int"),
        Column("trainings", t("col_trainings", lang), "int"),
        *_index_columns(lang),
    ]
    if change_metric is not None:
        title = {
            "job_offers": "change_offers_title",
            "trainings": "change_trainings_title",
        }.get(change_metric, "change_index_title")
        kind: Kind = "index_change" if change_metric == "tension" else "percent_change"
        columns.insert(5, Column("change", t(title, lang), kind))
    return columns


# -- key figures and trend ---------------------------------------------------------------------
def territory_series(service: Service, state: ViewState) -> Figures:
    level, code = state.territory
    return service.series(level, code, job_filter(state))


def render_key_figures(service: Service, state: ViewState) -> list[Any]:
    """Three cards: offers, trainings and tension of the month, with their changes."""
    lang = state.lang
    items = transforms.key_figures(territory_series(service, state), state.month)
    cards = []
    titles = {
        "job_offers": "kf_job_offers",
        "trainings": "kf_trainings",
        "tension_index": "kf_tension",
    }
    for item in items:
        if item.measure == "tension_index":
            value = fmt_index(item.value, item.status or "no_data", lang)
            month_change = fmt_signed_decimal(item.change_month, lang)
            year_change = fmt_signed_decimal(item.change_year, lang)
        else:
            value = fmt_int(item.value, lang)
            month_change = fmt_signed_percent(item.change_month, lang)
            year_change = fmt_signed_percent(item.change_year, lang)
        cards.append(
            html.Div(
                [
                    html.Div(t(titles[item.measure], lang), className="kf-title"),
                    html.Div(
                        value, className="kf-value", **html_attrs({"data-measure": item.measure})
                    ),
                    html.Ul(
                        [
                            _change_item(month_change, t("kf_vs_month", lang), item.change_month),
                            _change_item(year_change, t("kf_vs_year", lang), item.change_year),
                        ],
                        className="kf-changes",
                    ),
                ],
                className=f"kf kf-{item.measure}",
            )
        )
    return cards


def _change_item(text: str, period: str, value: float | None) -> html.Li:
    direction = "flat" if not value else ("up" if value > 0 else "down")
    return html.Li([html.Span(text, className=f"change {direction}"), f" {period}"])


def render_trend(service: Service, state: ViewState) -> Figure:
    """The territory's curves, with France's for comparison when a territory is selected."""
    catalog = service.catalog()
    series = territory_series(service, state)
    if series.empty:
        return figures.empty_figure(t("no_figures", state.lang))
    national = None
    if state.territory[0] != "national":
        national = service.series("national", "FR", job_filter(state))
    name = transforms.territory_name(state, catalog, t("national", state.lang))
    return figures.build_trend_figure(series, name, state.lang, national)


# -- breakdowns --------------------------------------------------------------------------------
def render_breakdown(service: Service, state: ViewState) -> Figure:
    """Families, the métiers of the chosen family, or the postes of the chosen métier."""
    catalog = service.catalog()
    scope_level, codes, highlight = transforms.breakdown_scope(state, catalog)
    level, code = state.territory
    items = service.breakdown_figures((state.month,), level, code, scope_level, codes)
    if items.empty:
        return figures.empty_figure(t("no_figures", state.lang))
    labels = catalog.scope_labels(scope_level, items.keys)
    return figures.build_breakdown_figure(
        items, labels, state.lang, highlight, uirevision=f"breakdown-{scope_level}"
    )


def render_region_breakdown(service: Service, state: ViewState) -> Figure:
    """The 18 regions for the month and job filter, the selected one highlighted."""
    query = service.validate_indicators(
        state.month, "region", None, state.family, state.metier, state.poste
    )
    regions = service.indicator_figures(query)
    names = service.catalog().territory_names("region", regions.keys)
    highlight = state.region
    if state.department:
        highlight = service.catalog().region_of_department(state.department)
    return figures.build_breakdown_figure(
        regions, names, state.lang, highlight, uirevision="regions"
    )


# -- top 30 ------------------------------------------------------------------------------------
def render_top_jobs(
    service: Service, state: ViewState
) -> tuple[list[dict[str, Any]], list[Column], str]:
    """Top postes of the quarter in the region (or France), with rank changes.

    The result depends on the quarter, not the month: the top 30 panel declares so, and the
    response cache serves the other two months of a quarter.
    """
    lang = state.lang
    catalog = service.catalog()
    months = service.status().months
    year, quarter = transforms.quarter_of(state.month)
    current_months = transforms.quarter_months(year, quarter, months)
    prev_year, prev_quarter = transforms.previous_quarter(year, quarter)
    previous_months = transforms.quarter_months(prev_year, prev_quarter, months)
    level, code = ("region", state.region) if state.region else ("national", "FR")
    postes = transforms.scope_postes(state, catalog)
    current = service.breakdown_figures(current_months, level, code, "poste", postes)
    previous = (
        service.breakdown_figures(previous_months, level, code, "poste", postes)
        if previous_months
        else None
    )
    threshold = service.settings.fragile_threshold
    exclude = state.fragile == "exclude"
    ranked = transforms.top_postes(current, previous, threshold=threshold, exclude_fragile=exclude)
    codes = tuple(r.code for r in ranked)
    metiers = tuple(catalog.metier_of_poste(c) for c in codes)
    labels = zip(
        catalog.scope_labels("poste", codes),
        catalog.scope_labels("metier", metiers),
        catalog.scope_labels("family", tuple(catalog.family_of_metier(m) for m in metiers)),
        strict=True,
    )
    rows = [
        {
            "rank": r.rank,
            "trend": transforms.rank_change_text(r.rank_change, r.is_new, t("badge_new", lang)),
            "trend_class": transforms.rank_change_class(r.rank_change, r.is_new),
            "poste": poste,
            "metier": metier,
            "family": family,
            "job_offers": r.job_offers,
            "trainings": r.trainings,
            "tension_index": None if r.tension_index is None else round(r.tension_index, 4),
            "status": status_label(r.tension_status, lang),
            "reliability": t("fragile_label", lang) if r.fragile else "",
        }
        for r, (poste, metier, family) in zip(ranked, labels, strict=True)
    ]
    territory = (
        catalog.territory_name("region", state.region) if state.region else t("national", lang)
    )
    quarter_text = t("quarter", lang, q=quarter, year=year)
    previous_text = t("quarter", lang, q=prev_quarter, year=prev_year)
    key = "top_caption" if previous_months else "top_caption_first"
    caption = t(key, lang, territory=territory, quarter=quarter_text, previous=previous_text)
    if exclude:
        caption += " " + t("fragile_excluded_note", lang, threshold=threshold)
    return rows, top_jobs_columns(lang), caption


def top_jobs_columns(lang: str) -> list[Column]:
    return [
        Column("rank", t("col_rank", lang), "int"),
        Column("trend", t("col_trend", lang)),
        Column("poste", t("col_poste", lang)),
        Column("metier", t("col_metier", lang)),
        Column("family", t("col_family", lang)),
        Column("job_offers", t("col_offers_quarter", lang), "int"),
        Column("trainings", t("col_trainings_quarter", lang), "int"),
        *_index_columns(lang),
    ]


# -- texts, summary, methodology ---------------------------------------------------------------
def selection_summary(service: Service, state: ViewState) -> str:
    """One sentence saying what the page shows: month, territory, job filter."""
    lang = state.lang
    catalog = service.catalog()
    parts = [
        month_label(state.month, lang),
        transforms.territory_name(state, catalog, t("national", lang)),
    ]
    scope = transforms.scope_label(state, catalog)
    if scope:
        parts.append(scope)
    return t("label_value", lang, label=t("selection", lang), value=" · ".join(parts))


def render_methodology(service: Service, lang: str) -> list[Any]:
    """Sources, job map, index definition with the reference actually used, data origin."""
    status = service.status()
    catalog = service.catalog()
    jm = catalog.job_map
    blocks: list[Any] = [
        html.H3(t("method_sources_title", lang)),
        html.P(t("method_sources", lang)),
        html.H3(t("method_jobmap_title", lang)),
        html.P(
            t(
                "method_jobmap",
                lang,
                families=jm["family_code"].nunique(),
                metiers=jm["metier_code"].nunique(),
                postes=jm["poste_code"].nunique(),
            )
        ),
        html.H3(t("method_index_title", lang)),
    ]
    reference = status.reference
    if reference is not None:
        blocks.append(
            html.P(
                t(
                    "method_index",
                    lang,
                    month=month_label(reference.month, lang),
                    i0=fmt_decimal(reference.i0, lang, 4),
                ),
                id="method-index",
            )
        )
        if reference.month != reference.requested_month:
            blocks.append(
                html.P(
                    t(
                        "method_reference_fallback",
                        lang,
                        requested=month_label(reference.requested_month, lang),
                    )
                )
            )
    blocks += [
        html.H3(t("method_demo_title", lang)),
        html.P(t("demo_note", lang) if status.is_demo else t("method_real_data", lang)),
        html.H3(t("method_api_title", lang)),
        html.P(t("method_api", lang)),
        html.H3(t("method_geo_title", lang)),
        html.P(t("method_geo", lang)),
    ]
    return blocks


def csv_download(service: Service, state: ViewState) -> tuple[str, str]:
    """The figures behind the map as the API's CSV rows, with month and filters as columns."""
    level = "department"
    query = service.validate_indicators(
        state.month, level, state.region, state.family, state.metier, state.poste
    )
    rows = service.indicators(query)
    context = {
        "month": state.month,
        "level": level,
        "region": state.region,
        "family": state.family,
        "metier": state.metier,
        "poste": state.poste,
        "vintage": str(service.data_version()),
    }
    name_parts = ["genscan", state.month, state.region or "FR"]
    name_parts += [p for p in (state.family, state.metier, state.poste) if p]
    name_parts += [f"v{state.vintage}"] if state.vintage else []
    return frame_to_csv(rows, context), "-".join(name_parts) + ".csv"


# -- what changed ------------------------------------------------------------------------------
def summary_period(state: ViewState) -> int:
    """The summary speaks of the map's period when it shows changes, of a year otherwise."""
    return int(state.change) if state.change else 12


def render_changes(service: Service, state: ViewState, period: int | None = None) -> list[str]:
    """Sentences on what changed for the selection, from the figures only."""
    lang = state.lang
    period = period or summary_period(state)
    catalog = service.catalog()
    threshold = service.settings.fragile_threshold
    facts = changes.change_facts(territory_series(service, state), state.month, period, threshold)
    territory = transforms.territory_name(state, catalog, t("national", lang))
    sentences = changes.summary_sentences(
        facts, territory, transforms.scope_label(state, catalog), lang
    )
    level, code = state.territory
    if level != "department" and facts.offers_before is not None:
        child = "department" if level == "region" else "region"
        compared, names = comparison(service, state, child, period)
        within = None
        if level == "region":
            deps = catalog.departements
            within = set(deps.loc[deps["region_code"] == code, "code"])
        key = "sum_level_departments" if child == "department" else "sum_level_regions"
        mover = changes.mover_sentence(
            changes.biggest_mover(compared, names, "offers_change", within), key, lang
        )
        if mover:
            sentences.append(mover)
    return sentences


# -- simulator ---------------------------------------------------------------------------------
def simulation_for(service: Service, state: ViewState) -> Simulation | None:
    """The simulation the view asks for, or ``None`` until a poste and a territory are chosen."""
    level, code = state.territory
    if not state.poste or level == "national":
        return None
    rows = indicator_rows(service, state, level)
    national = indicator_rows(service, state, "national").iloc[0]
    return simulate(
        rows,
        code,
        state.planned,
        service.i0(),
        (_int_or_none(national["job_offers"]), _int_or_none(national["trainings"])),
        service.settings.fragile_threshold,
        state.fragile == "exclude",
    )


def _int_or_none(value: Any) -> int | None:
    return None if pd.isna(value) else int(value)


def render_simulator(service: Service, state: ViewState) -> tuple[list[Any], Figure | None]:
    """Before and after, in a table and a chart; an instruction (and no chart) until the view
    allows a simulation."""
    lang = state.lang
    simulation = simulation_for(service, state)
    if simulation is None:
        return [html.P(t("sim_need_choice", lang), className="hint")], None
    catalog = service.catalog()
    level = state.territory[0]
    level_name = t("sum_level_departments" if level == "department" else "sum_level_regions", lang)
    poste = transforms.scope_label(state, catalog) or ""
    context = t(
        "sim_context",
        lang,
        territory=simulation.name,
        poste=poste,
        month=month_label(state.month, lang),
    )
    before, after = simulation.before, simulation.after

    def index_text(index: float | None, status: str) -> str:
        return fmt_index(index, status, lang)

    def rank_text(position: Any) -> str:
        if position.rank is None:
            excluded = position.fragile and state.fragile == "exclude"
            return t("sim_rank_excluded" if excluded else "sim_rank_none", lang)
        key = "sim_rank_first" if position.rank == 1 else "sim_rank_value"
        return t(key, lang, rank=position.rank)

    after_title = tn("sim_after", lang, simulation.plan)
    rows = [
        (t("sim_trainings", lang), fmt_int(before.trainings, lang), fmt_int(after.trainings, lang)),
        (
            t("sim_index", lang),
            index_text(before.index, before.status),
            index_text(after.index, after.status),
        ),
        (
            t("sim_rank", lang, count=after.ranked, level=level_name),
            rank_text(before),
            rank_text(after),
        ),
    ]
    table = html.Table(
        [
            html.Thead(
                html.Tr(
                    [
                        html.Th(t("sim_col_what", lang), scope="col"),
                        html.Th(t("sim_before", lang), scope="col"),
                        html.Th(after_title, scope="col"),
                    ]
                )
            ),
            html.Tbody(
                [
                    html.Tr(
                        [html.Th(label, scope="row"), html.Td(one), html.Td(two)],
                        **html_attrs({"data-row": str(position)}),
                    )
                    for position, (label, one, two) in enumerate(rows)
                ]
            ),
        ],
        className="sim-table",
    )
    national = t(
        "sim_national_line",
        lang,
        before=index_text(simulation.national_before, simulation.national_status_before),
        after=index_text(simulation.national_after, simulation.national_status_after),
    )
    children: list[Any] = [html.P(context, className="sim-context"), table, html.P(national)]
    if before.fragile or after.fragile:
        children.append(
            html.P(
                t("fragile_hover_sim", lang, threshold=service.settings.fragile_threshold),
                className="hint fragile-note",
            )
        )
    children.append(html.P(t("sim_rank_note", lang), className="hint"))
    figure = figures.build_simulation_figure(simulation, level_name, lang)
    return children, figure


# -- comparison --------------------------------------------------------------------------------
def render_compare(service: Service, state: ViewState) -> Figure | str:
    """Offers, trainings and index of up to four territories over time, for the job filter;
    with fewer than two territories, the sentence that asks for more."""
    lang = state.lang
    if len(state.compared) < 2:
        return t("compare_need_two", lang)
    catalog = service.catalog()
    series = []
    for token in state.compared:
        level, code = token_territory(token)
        name = territory_label(level, code, catalog, lang)
        series.append((name, service.trend(level, code, job_filter(state))))
    return figures.build_compare_figure(series, lang, state.month)


def territory_label(level: str, code: str, catalog: Any, lang: str) -> str:
    """A compared territory's name; a département's carries its code."""
    if level == "national":
        return t("national", lang)
    name = catalog.territory_name(level, code)
    return f"{name} ({code})" if level == "department" else name
