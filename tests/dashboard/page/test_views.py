"""What each part of the page shows, read through the same service as the API."""

from __future__ import annotations

import csv
import io
import json

import plotly.graph_objects as go
import pytest
from flask.testing import FlaskClient

from dashboard import create_app
from dashboard.core.service import Service
from dashboard.core.state import ViewState
from dashboard.page import views
from dashboard.page.layout import load_static
from data_access.queries import Catalog
from data_access.settings import Settings
from geodata import GEOJSON_PATH
from tests.fixtures import expected_cell


@pytest.fixture
def geometry(service: Service):
    return load_static(service, "", "/assets/topojson/").geometry


def test_map_table_rows_equal_the_api_rows(service: Service, catalog: Catalog, geometry) -> None:
    state = ViewState(catalog.months[2], "job_offers", family="DEV")
    figure, _ = views.render_map(service, geometry, state)
    rows, columns = views.render_map_table(service, state)
    query = service.validate_indicators(state.month, "department", None, "DEV", None, None)
    api = {r.code: r for r in service.indicators(query).itertuples()}
    assert len(rows) == 101
    for row in rows:
        assert row["job_offers"] == api[row["code"]].job_offers
        assert row["trainings"] == api[row["code"]].trainings
    assert {c.key for c in columns} >= {"code", "job_offers", "tension_index", "status"}
    assert go.Figure(figure).layout.geo.visible is False


def test_region_table_lists_only_its_departements(service: Service, catalog: Catalog, geometry):
    state = ViewState(catalog.months[0], region="94")
    rows, _ = views.render_map_table(service, state)
    assert [r["code"] for r in rows] == ["2A", "2B"]


def test_month_change_sends_only_new_values(service: Service, catalog: Catalog, geometry):
    first = ViewState(catalog.months[0], "tension", family="DEV")
    figure, signature = views.render_map(service, geometry, first)
    assert signature["structure"] == "fr:tension"
    later = ViewState(catalog.months[1], "tension", family="DEV")
    patch, _ = views.render_map(service, geometry, later, signature)
    operations = patch.to_plotly_json()["operations"]
    paths = {tuple(op["location"]) for op in operations}
    assert ("data", 0, "z") in paths
    assert ("data", 0, "marker", "opacity") in paths  # fragility follows the figures
    assert not any(path[0] == "layout" or "line" in path for path in paths)
    size = len(json.dumps(patch.to_plotly_json()))
    assert size < 5000
    # A full figure carrying its geometry inline, as a naive map callback would send it.
    naive = len(json.dumps(figure, default=str)) + GEOJSON_PATH.stat().st_size
    assert size < 0.02 * naive


def test_region_change_also_sends_fading_and_zoom(service: Service, catalog, geometry):
    state = ViewState(catalog.months[0], "job_offers")
    _, signature = views.render_map(service, geometry, state)
    patch, _ = views.render_map(
        service, geometry, ViewState(state.month, "job_offers", "53"), signature
    )
    paths = {tuple(op["location"]) for op in patch.to_plotly_json()["operations"]}
    assert ("data", 0, "z") in paths
    assert ("layout", "geo", "lonaxis", "range") in paths


def test_language_change_redraws_the_whole_map(service: Service, catalog, geometry):
    state = ViewState(catalog.months[0])
    _, signature = views.render_map(service, geometry, state)
    figure, _ = views.render_map(service, geometry, ViewState(state.month, lang="en"), signature)
    assert go.Figure(figure).data[0].hovertemplate.startswith("<b>%{hovertext}</b><br>Offers:")


def test_key_figures_show_french_numbers_and_changes(service: Service, catalog: Catalog) -> None:
    state = ViewState(catalog.months[1], department="35")
    cards = views.render_key_figures(service, state)
    texts = [str(card.children[1].children) for card in cards]
    offers = views.territory_series(service, state).at(state.month).job_offers
    assert texts[0] == f"{offers:,}".replace(",", "\u202f")
    assert "," in texts[2] or texts[2].startswith("Aucune")


def test_top_jobs_follow_region_and_family(service: Service, catalog: Catalog) -> None:
    state = ViewState(catalog.months[-1], region="53", family="DATA")
    rows, columns, caption = views.render_top_jobs(service, state)
    assert 0 < len(rows) <= 22
    assert {r["family"] for r in rows} == {"Data, intelligence artificielle, IoT"}
    offers = [r["job_offers"] for r in rows]
    assert offers == sorted(offers, reverse=True)
    assert caption.startswith("Bretagne, T1 2023")
    assert columns[0].key == "rank"


def test_csv_download_matches_the_api_csv(service: Service, catalog: Catalog, sqlite_url) -> None:
    state = ViewState(catalog.months[-1], "tension", region="84", family="INFRA")
    content, filename = views.csv_download(service, state)
    assert filename == f"genscan-{state.month}-84-INFRA.csv"
    rows = list(csv.DictReader(io.StringIO(content)))
    assert len(rows) == 12
    assert {(r["month"], r["region"], r["family"]) for r in rows} == {(state.month, "84", "INFRA")}
    app = create_app(Settings(database_url=sqlite_url, seed_demo_if_empty=False))
    client: FlaskClient = app.server.test_client()
    api = client.get(
        f"/api/v1/indicators?month={state.month}&level=department&region=84&family=INFRA&format=csv"
    ).get_data(as_text=True)
    assert api == content


def test_methodology_states_reference_month_and_i0(service: Service) -> None:
    blocks = views.render_methodology(service, "en")
    text = " ".join(str(getattr(b, "children", "")) for b in blocks)
    assert "October 2022" in text
    reference = service.status().reference
    assert f"{reference.i0:.4f}" in text
    assert "imported monthly files" in text


def test_selection_summary_names_month_territory_and_job(service: Service, catalog) -> None:
    state = ViewState("2022-11", department="2A", poste="data-analyst", lang="fr")
    assert views.selection_summary(service, state) == (
        "Sélection\u202f: novembre 2022 · Corse-du-Sud · Data analyst"
    )


# -- decision tools ----------------------------------------------------------------------------
def test_change_map_colours_by_the_change_since_the_earlier_month(service, catalog, geometry):
    state = ViewState(catalog.months[1], "job_offers", poste="developpeur-blockchain", change="1")
    mapped = views.map_rows(service, state)
    rows = mapped.compared.frame(list(mapped.names)).set_index("code")
    job_map = list(catalog.job_map["poste_code"])
    j = job_map.index("developpeur-blockchain")
    for i, code in enumerate(catalog.departements["code"]):
        now, _ = expected_cell(i, j, 1)
        before, _ = expected_cell(i, j, 0)
        expected = (now - before) / before if before else None
        value = rows.loc[code, "offers_change"]
        assert (value != value) if expected is None else value == pytest.approx(expected)
    figure, signature = views.render_map(service, geometry, state)
    assert signature["structure"] == f"fr:job_offers:1:{state.month}"
    built = go.Figure(figure)
    assert "Évolution depuis octobre 2022" in built.data[0].hovertemplate
    assert built.data[1].marker.colorbar.title.text.startswith("Évolution des offres")


def test_fragile_values_are_see_through_and_named(service, catalog, geometry):
    # Fixture cells hold at most 10 offers and 4 trainings: a single poste is always fragile.
    state = ViewState(catalog.months[0], "tension", poste="developpeur-blockchain")
    figure, _ = views.render_map(service, geometry, state)
    built = go.Figure(figure)
    opacities = set(built.data[0].marker.opacity)
    assert opacities <= {0.35, 1.0}
    assert 0.35 in opacities
    assert any(text.endswith(" (fragile < 20)") for text in built.data[0].text)
    assert any(trace.name and trace.name.startswith("Valeur fragile") for trace in built.data)
    rows, _ = views.render_map_table(service, state)
    assert {r["reliability"] for r in rows if r["status"] != "Pas de données"} == {"Valeur fragile"}
    whole, _ = views.render_map(service, geometry, ViewState(catalog.months[0]))
    assert set(go.Figure(whole).data[0].marker.opacity) == {1.0}


def test_top_jobs_can_leave_fragile_values_out(service, catalog) -> None:
    base = ViewState(catalog.months[-1])
    totals = service.breakdown_figures((base.month,), "national", "FR", "poste")
    sums = sorted((totals.job_offers + totals.trainings).astype(int), reverse=True)
    service.settings = Settings(
        database_url=service.settings.database_url, fragile_threshold=sums[10]
    )
    kept, _, _ = views.render_top_jobs(service, base)
    left_out, _, caption = views.render_top_jobs(
        service, ViewState(catalog.months[-1], fragile="exclude")
    )
    assert any(r["reliability"] == "Valeur fragile" for r in kept)
    assert left_out
    assert all(r["reliability"] == "" for r in left_out)
    assert [r["rank"] for r in left_out] == list(range(1, len(left_out) + 1))
    assert "exclues" in caption


def test_simulator_adds_the_planned_trainings_to_one_territory(service, catalog) -> None:
    poste = "developpeur-blockchain"
    state = ViewState(catalog.months[0], department="35", poste=poste, plan="10")
    simulation = views.simulation_for(service, state)
    j = list(catalog.job_map["poste_code"]).index(poste)
    i = list(catalog.departements["code"]).index("35")
    offers, trainings = expected_cell(i, j, 0)
    assert (simulation.before.job_offers, simulation.before.trainings) == (offers, trainings)
    assert simulation.after.trainings == trainings + 10
    assert simulation.after.ranked == simulation.before.ranked
    children, figure = views.render_simulator(service, state)
    text = json.dumps([c.to_plotly_json() for c in children], default=str, ensure_ascii=False)
    assert "Avec 10 formations de plus" in text
    assert "Rang parmi les" in text
    assert len(go.Figure(figure).data) >= 2


def test_simulator_asks_for_a_poste_and_a_territory(service, catalog) -> None:
    children, figure = views.render_simulator(service, ViewState(catalog.months[0], region="53"))
    assert "Choisissez un poste" in children[0].children
    assert figure is None


def test_comparison_draws_each_territory_from_its_trend(service, catalog) -> None:
    state = ViewState(catalog.months[0], family="DATA", compare="FR,R53,35", lang="en")
    figure = go.Figure(views.render_compare(service, state))
    offers = [trace for trace in figure.data if trace.yaxis == "y"]
    assert [trace.name for trace in offers] == ["France", "Bretagne", "Ille-et-Vilaine (35)"]
    job_filter = views.job_filter(state)
    trend = service.trend("region", "53", job_filter)
    assert list(offers[1].y) == [int(v) for v in trend["job_offers"]]
    lonely = views.render_compare(service, ViewState(catalog.months[0], compare="FR", lang="en"))
    assert lonely == "Add at least two territories to compare them."


def test_what_changed_states_the_national_change_over_a_month(service, catalog) -> None:
    state = ViewState(catalog.months[1], change="1", lang="en")
    sentences = views.render_changes(service, state)
    trend = views.territory_series(service, state)
    before = trend.at(catalog.months[0]).job_offers
    now = trend.at(catalog.months[1]).job_offers
    assert sentences[0].startswith("France, all digital jobs, over a month")
    assert f"({before:,} → {now:,})" in sentences[0]
    assert any(s.startswith("Largest rise in offers among the regions") for s in sentences[1:])


def test_report_gathers_the_territory_figures(service, catalog, geometry) -> None:
    from dashboard.page.report import render_report

    state = ViewState(catalog.months[-1], department="35", lang="en")
    content = render_report(service, geometry, state, {})
    text = json.dumps([c.to_plotly_json() for c in content], default=str, ensure_ascii=False)
    for expected in (
        "Territory report — Ille-et-Vilaine",
        "Key figures",
        "What changed over a year",
        "Most demanded postes",
        "Sources and method",
        "IGN",
    ):
        assert expected in text
    graphs = [block.children[1] for block in content[1:] if hasattr(block.children[1], "figure")]
    assert len(graphs) == 2
    assert all(g.config["staticPlot"] for g in graphs)
