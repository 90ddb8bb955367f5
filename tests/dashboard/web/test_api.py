"""The open-data API, on SQLite and on PostgreSQL, against figures computed by hand from the
fixture formulas (``tests.fixtures``)."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from dashboard import create_app
from data_access.reference import load_departements, load_job_map
from data_access.settings import Settings
from tests.fixtures import FIXTURE_MONTHS, expected_cell, expected_online

DEPARTEMENTS = list(load_departements()["code"])
JOB_MAP = load_job_map()
POSTES = list(JOB_MAP["poste_code"])


@pytest.fixture
def client(settings: Settings) -> Iterator[FlaskClient]:
    app = create_app(settings)
    with app.server.test_client() as test_client:
        yield test_client


def expected_totals(month: str, departements: list[str], postes: list[str]) -> tuple[int, int]:
    k = FIXTURE_MONTHS.index(month)
    offers = trainings = 0
    for dep in departements:
        i = DEPARTEMENTS.index(dep)
        for poste in postes:
            o, t = expected_cell(i, POSTES.index(poste), k)
            offers += o
            trainings += t
    return offers, trainings


def national_totals(month: str) -> tuple[int, int]:
    offers, trainings = expected_totals(month, DEPARTEMENTS, POSTES)
    k = FIXTURE_MONTHS.index(month)
    online = sum(expected_online(j, k) for j in range(len(POSTES)))
    return offers, trainings + online


def i0() -> float:
    offers, trainings = national_totals("2022-10")
    return math.log(offers / trainings)


def test_months_lists_fixture_months_and_reference(client: FlaskClient) -> None:
    body = client.get("/api/v1/months").get_json()
    assert body["months"] == list(FIXTURE_MONTHS)
    assert body["reference_month"] == "2022-10"
    assert body["i0"] == pytest.approx(i0())
    assert body["demo"] is False


def test_cartography_has_the_whole_job_map(client: FlaskClient) -> None:
    families = client.get("/api/v1/cartography").get_json()["families"]
    assert [f["code"] for f in families] == ["PILOT", "COM", "INFRA", "DATA", "DEV", "DESIGN"]
    metiers = [m for f in families for m in f["metiers"]]
    postes = [p for m in metiers for p in m["postes"]]
    assert len(metiers) == 36
    assert len(postes) == 107
    assert {"code": "data-analyst", "label": "Data analyst"} in postes


def test_territories_keep_insee_codes_as_text(client: FlaskClient) -> None:
    regions = client.get("/api/v1/territories").get_json()["regions"]
    assert len(regions) == 18
    codes = {d["code"] for r in regions for d in r["departements"]}
    assert len(codes) == 101
    assert {"01", "2A", "2B", "971", "976"} <= codes
    corse = next(r for r in regions if r["code"] == "94")
    assert [d["code"] for d in corse["departements"]] == ["2A", "2B"]


def test_department_indicators_match_the_fixture_formulas(client: FlaskClient) -> None:
    body = client.get("/api/v1/indicators?month=2022-12&level=department&family=DATA").get_json()
    data_postes = list(JOB_MAP.loc[JOB_MAP["family_code"] == "DATA", "poste_code"])
    assert body["month"] == "2022-12"
    assert len(body["rows"]) == 101
    for row in body["rows"]:
        offers, trainings = expected_totals("2022-12", [row["code"]], data_postes)
        assert (row["job_offers"], row["trainings"]) == (offers, trainings)
        assert row["tension_index"] == pytest.approx(math.log(offers / trainings) / i0())
        assert row["tension_status"] == "ok"


def test_national_level_includes_online_trainings_and_reference_scores_one(
    client: FlaskClient,
) -> None:
    row = client.get("/api/v1/indicators?month=2022-10&level=national").get_json()["rows"][0]
    assert (row["job_offers"], row["trainings"]) == national_totals("2022-10")
    assert row["tension_index"] == pytest.approx(1.0)


def test_region_rows_sum_their_departements_without_online(client: FlaskClient) -> None:
    body = client.get("/api/v1/indicators?level=region&region=53").get_json()
    assert body["month"] == FIXTURE_MONTHS[-1]
    [row] = body["rows"]
    bretagne = list(load_departements().query("region_code == '53'")["code"])
    assert (row["job_offers"], row["trainings"]) == expected_totals(
        FIXTURE_MONTHS[-1], bretagne, POSTES
    )


def test_poste_with_zero_trainings_reports_status_and_null_index(client: FlaskClient) -> None:
    # Fixture: département 01 (i=0), sixth poste (j=5), 2022-10 (k=0): 10 offers, 0 training.
    assert expected_cell(0, 5, 0) == (10, 0)
    body = client.get(
        "/api/v1/indicators?month=2022-10&level=department&poste=" + POSTES[5]
    ).get_json()
    row = next(r for r in body["rows"] if r["code"] == "01")
    assert (row["job_offers"], row["trainings"]) == (10, 0)
    assert row["tension_status"] == "no_trainings"
    assert row["tension_index"] is None
    statuses = {r["tension_status"] for r in body["rows"]}
    assert {"ok", "no_trainings", "no_offers", "no_data"} <= statuses


def test_trend_of_a_departement_covers_every_month(client: FlaskClient) -> None:
    body = client.get("/api/v1/trend?level=department&code=2A&metier=data-big-data").get_json()
    assert body["name"] == "Corse-du-Sud"
    assert [r["month"] for r in body["rows"]] == list(FIXTURE_MONTHS)
    postes = list(JOB_MAP.loc[JOB_MAP["metier_code"] == "data-big-data", "poste_code"])
    for row in body["rows"]:
        assert (row["job_offers"], row["trainings"]) == expected_totals(
            row["month"], ["2A"], postes
        )


def test_csv_format_carries_filters_and_month_in_columns(client: FlaskClient) -> None:
    response = client.get("/api/v1/indicators?month=2023-01&level=region&family=DEV&format=csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 18
    assert set(rows[0]) >= {"month", "level", "family", "code", "job_offers", "tension_index"}
    assert {r["month"] for r in rows} == {"2023-01"}
    assert {r["family"] for r in rows} == {"DEV"}
    json_rows = client.get("/api/v1/indicators?month=2023-01&level=region&family=DEV").get_json()
    by_code = {r["code"]: r for r in json_rows["rows"]}
    for row in rows:
        assert int(row["job_offers"]) == by_code[row["code"]]["job_offers"]


@pytest.mark.parametrize(
    "query",
    [
        "/api/v1/indicators?month=2030-01",
        "/api/v1/indicators?month=january",
        "/api/v1/indicators?level=planet",
        "/api/v1/indicators?family=NOPE",
        "/api/v1/indicators?family=DATA&metier=cloud",
        "/api/v1/indicators?metier=cloud&poste=data-analyst",
        "/api/v1/indicators?region=99",
        "/api/v1/indicators?level=national&region=53",
        "/api/v1/indicators?unknown=1",
        "/api/v1/indicators?format=xml",
        "/api/v1/indicators?poste=' OR 1=1 --",
        "/api/v1/trend?level=department",
        "/api/v1/trend?level=region&code=99",
        "/api/v1/trend?level=department&code=20",
        "/api/v1/trend?level=national&code=53",
        "/api/v1/months?extra=1",
    ],
)
def test_invalid_parameters_get_a_json_400(client: FlaskClient, query: str) -> None:
    response = client.get(query)
    assert response.status_code == 400
    body = response.get_json()
    assert body["code"] == 400
    assert "Traceback" not in response.get_data(as_text=True)


def test_unknown_api_route_is_a_json_404_not_the_page(client: FlaskClient) -> None:
    for method in ("get", "post"):
        response = getattr(client, method)("/api/v1/nope")
        assert response.status_code == 404
        assert response.get_json()["code"] == 404


def test_openapi_describes_every_route(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    paths = set(spec["paths"])
    assert {
        "/api/v1/months",
        "/api/v1/cartography",
        "/api/v1/territories",
        "/api/v1/indicators",
        "/api/v1/trend",
    } <= paths
    params = {p["name"] for p in spec["paths"]["/api/v1/indicators"]["get"]["parameters"]}
    assert {"month", "level", "region", "family", "metier", "poste", "format"} <= params
