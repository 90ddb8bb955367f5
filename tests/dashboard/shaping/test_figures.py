"""Figure builders: what the map and charts carry, independently of any browser."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard.core.i18n import status_label, t
from dashboard.core.service import Service
from dashboard.core.state import ViewState
from dashboard.page.views import map_rows
from dashboard.shaping import figures
from dashboard.shaping.figures import (
    COLORBAR_TRACE,
    MAIN,
    SCALE_TOP,
    SHORT_STATUS,
    STATUS_BANDS,
    MapView,
    _composite_scale,
    faded_z,
    map_updates,
)
from dashboard.shaping.transforms import map_geometry
from geodata import load_departements_geojson, load_insets
from tests.dashboard.figures_of import figures as figures_of


# The builders return plain dicts; go.Figure validates every property of them, so a typo in a
# builder fails here.
def build_map_figure(*args, **kwargs) -> go.Figure:
    return go.Figure(figures.build_map_figure(*args, **kwargs))


def build_trend_figure(*args, **kwargs) -> go.Figure:
    return go.Figure(figures.build_trend_figure(*args, **kwargs))


def build_breakdown_figure(*args, **kwargs) -> go.Figure:
    return go.Figure(figures.build_breakdown_figure(*args, **kwargs))


def test_empty_figure_is_a_valid_figure_with_its_message() -> None:
    figure = go.Figure(figures.empty_figure("Rien"))
    assert figure.layout.annotations[0].text == "Rien"


@pytest.fixture(scope="module")
def geometry():
    return map_geometry(load_departements_geojson(), load_insets(), "/geodata/d.geojson")


@pytest.fixture
def rows(service: Service, catalog) -> pd.DataFrame:
    state = ViewState(catalog.months[0], family="DATA")
    return map_rows(service, state)


@pytest.fixture
def poste_rows(service: Service, catalog) -> pd.DataFrame:
    """One poste in one month: the fixture gives it every tension status."""
    poste = catalog.job_map["poste_code"].iloc[5]
    state = ViewState(catalog.months[0], poste=poste)
    return map_rows(service, state)


def _main(figure):
    return figure.data[MAIN]


def _located_z(figure) -> dict[str, float]:
    return dict(zip(_main(figure).locations, _main(figure).z, strict=True))


def test_washed_out_colours_are_lighter_versions_of_the_scale() -> None:
    from dashboard.shaping.theme import faded

    assert faded("#000000") == "#b8b8b8"
    assert faded("#ffffff") == "#ffffff"
    scale = _composite_scale([[0, "#000000"], [1, "#0000ff"]])
    positions = [pos for pos, _ in scale]
    assert positions == sorted(positions)
    assert positions[0] == 0
    assert positions[-1] == 1.0


def test_every_feature_is_drawn_once_in_a_fixed_order(rows, geometry) -> None:
    tension = build_map_figure(rows, geometry, MapView("tension", "fr"))
    offers = build_map_figure(rows, geometry, MapView("job_offers", "fr", region="53"))
    assert len(_main(tension).locations) == 105  # 101 départements + 4 Paris-zoom copies
    assert list(_main(tension).locations) == list(_main(offers).locations)
    assert {"75", "75-zoom", "2A", "971"} <= set(_main(tension).locations)


def test_undefined_statuses_get_their_own_colour_band_and_legend(poste_rows, geometry) -> None:
    rows = poste_rows
    figure = build_map_figure(rows, geometry, MapView("tension", "fr"))
    main = _main(figure)
    locations = list(main.locations)
    by_code = rows.compared.frame(list(rows.names)).set_index("code")
    for location, z, text in zip(locations, main.z, main.text, strict=True):
        status = by_code.loc[location.split("-")[0], "tension_status"]
        if status == "ok":
            assert 0 <= z <= SCALE_TOP
        else:
            assert z == STATUS_BANDS[status]
            assert text.split(" (fragile")[0] == SHORT_STATUS[status]
    assert set(by_code["tension_status"]) - {"ok"}, "fixture should hold undefined statuses"
    legend = {tr.name for tr in figure.data if tr.showlegend}
    fragile = t("fragile_legend", "fr", threshold=20)
    assert legend == {status_label(s, "fr") for s in STATUS_BANDS} | {fragile}


def test_tension_colours_are_centred_on_zero(rows, geometry) -> None:
    figure = build_map_figure(rows, geometry, MapView("tension", "fr"))
    colorbar = figure.data[COLORBAR_TRACE].marker
    assert colorbar.cmin == -colorbar.cmax
    main = _main(figure)
    by_code = rows.compared.frame(list(rows.names)).set_index("code")
    for location, z in zip(main.locations, main.z, strict=True):
        index = by_code.loc[location.split("-")[0], "tension_index"]
        if pd.notna(index) and abs(index) < 1e-9:
            assert z == pytest.approx(SCALE_TOP / 2, abs=1e-3)
    assert "1 · France" in colorbar.colorbar.ticktext


def test_map_references_geometry_by_url_and_stays_small(rows, geometry) -> None:
    figure = build_map_figure(rows, geometry, MapView("job_offers", "fr"))
    payload = json.dumps(figure.to_plotly_json(), default=str)
    assert _main(figure).geojson == "/geodata/d.geojson"
    assert len(payload) < 60_000
    assert "coordinates" not in payload


def test_value_updates_match_the_full_figure(rows, geometry) -> None:
    view = MapView("trainings", "en", region="84", department="69")
    figure = build_map_figure(rows, geometry, view)
    updates = map_updates(rows, geometry, view)
    assert list(_main(figure).z) == updates[("data", MAIN, "z")]
    assert [list(c) for c in _main(figure).customdata] == updates[("data", MAIN, "customdata")]
    assert len(json.dumps(updates[("data", MAIN, "z")])) < 1500


def test_region_focus_washes_out_others_and_zooms(rows, geometry) -> None:
    plain = _located_z(build_map_figure(rows, geometry, MapView("trainings", "fr")))
    figure = build_map_figure(rows, geometry, MapView("trainings", "fr", region="53"))
    focused = _located_z(figure)
    assert focused["35"] == plain["35"] <= SCALE_TOP
    assert focused["69"] == pytest.approx(faded_z(plain["69"]), abs=1e-4)
    assert focused["69"] > SCALE_TOP
    lon = figure.layout.geo.lonaxis.range
    assert lon[0] > -6
    assert lon[1] < 0
    assert figure.layout.uirevision == "map-53"


def test_selected_department_gets_a_thick_border(rows, geometry) -> None:
    figure = build_map_figure(rows, geometry, MapView("job_offers", "fr", department="2A"))
    main = _main(figure)
    widths = dict(zip(main.locations, main.marker.line.width, strict=True))
    assert widths["2A"] == 3.0
    assert widths["2B"] < 3.0


def test_hover_names_the_departement_in_the_chosen_language(rows, geometry) -> None:
    figure = build_map_figure(rows, geometry, MapView("job_offers", "fr"))
    assert "Offres\u202f:" in _main(figure).hovertemplate
    assert "Corse-du-Sud (2A)" in list(_main(figure).hovertext)
    english = build_map_figure(rows, geometry, MapView("job_offers", "en"))
    assert "Offers:" in _main(english).hovertemplate


def test_trend_adds_national_comparison_and_reference_line() -> None:
    months = ["2023-01", "2023-02", "2023-03"]
    local = pd.DataFrame(
        {
            "month": months,
            "job_offers": [10, 12, 14],
            "trainings": [5, 0, 7],
            "tension_index": [0.5, np.nan, 0.6],
            "tension_status": ["ok", "no_trainings", "ok"],
        }
    )
    figure = build_trend_figure(local, "Bretagne", "fr", national=local)
    names = [tr.name for tr in figure.data]
    assert "Offres d'emploi – Bretagne" in names
    assert "Offres d'emploi – France" in names
    index = next(tr for tr in figure.data if tr.name == "Indice de tension – Bretagne")
    assert index.y[1] is None
    assert any(shape.y0 == 1 for shape in figure.layout.shapes)
    assert figure.layout.uirevision == "trend"


def test_breakdown_sorts_by_offers_and_highlights_choice() -> None:
    items = figures_of([("a", 5, 1, 0.1, "ok"), ("b", 50, 2, 0.2, "ok"), ("c", 20, 3, 0.3, "ok")])
    figure = build_breakdown_figure(items, ["A", "B", "C"], "fr", highlight="c")
    assert list(figure.data[0].y) == ["A", "<b>C</b>", "B"]
    assert list(figure.data[0].x) == [5, 20, 50]
