"""Citable figures: vintages in the API, answers pinned to a vintage, the bulk export and its
Data Package, on SQLite and PostgreSQL, against a correction imported by the real command line.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from flask.testing import FlaskClient
from sqlalchemy import update

from dashboard import create_app
from dashboard.web.export import EXPORT_FIELDS, csv_chunks, export_frames, parquet_chunks
from data_access import schema
from data_access.db import make_engine
from data_access.reference import load_departements, load_job_map
from data_access.settings import Settings
from tests.data_access.test_importer import run_cli
from tests.fixtures import FIXTURE_MONTHS, expected_cell

DEPARTEMENTS = list(load_departements()["code"])
POSTES = list(load_job_map()["poste_code"])
CORRECTED_MONTH = FIXTURE_MONTHS[-1]
CORRECTED = ("01", POSTES[0])
DELTA = 100  # job offers added to the corrected cell
PINNED_QUERIES = [
    "/api/v1/months",
    "/api/v1/indicators?level=national",
    f"/api/v1/indicators?level=department&month={CORRECTED_MONTH}&family=PILOT",
    "/api/v1/indicators?level=region&format=csv",
    "/api/v1/trend",
    "/api/v1/trend?level=department&code=01&format=csv",
]


@pytest.fixture
def client(settings: Settings) -> Iterator[FlaskClient]:
    with create_app(settings).server.test_client() as test_client:
        yield test_client


def import_correction(url: str, tmp_path: Path) -> None:
    """Re-send the last month's job offers with one cell raised by ``DELTA``: a new vintage."""
    k = FIXTURE_MONTHS.index(CORRECTED_MONTH)
    lines = ["month,department,poste,job_offers"]
    for i, dep in enumerate(DEPARTEMENTS):
        for j, poste in enumerate(POSTES):
            offers = expected_cell(i, j, k)[0] + (DELTA if (dep, poste) == CORRECTED else 0)
            lines.append(f"{CORRECTED_MONTH},{dep},{poste},{offers}")
    path = tmp_path / "correction.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    status, _out, err = run_cli(url, "import", str(path))
    assert status == 0, err


def national(client: FlaskClient, month: str, vintage: int | None = None) -> dict:
    pin = f"&vintage={vintage}" if vintage else ""
    return client.get(f"/api/v1/indicators?level=national&month={month}{pin}").get_json()


def exported(client: FlaskClient, vintage: int | None = None) -> tuple[pd.DataFrame, bytes]:
    """The CSV export read as text columns would be, and the Parquet bytes of the same."""
    pin = f"?vintage={vintage}" if vintage else ""
    csv = client.get(f"/api/v1/export.csv{pin}")
    parquet = client.get(f"/api/v1/export.parquet{pin}")
    assert csv.status_code == parquet.status_code == 200
    frame = pd.read_csv(
        io.BytesIO(csv.get_data()), dtype={"month": str, "department": str, "poste": str}
    )
    return frame, parquet.get_data()


def test_vintages_list_every_import_oldest_first(
    client: FlaskClient, database_url: str, tmp_path: Path
) -> None:
    before = client.get("/api/v1/vintages").get_json()
    assert (before["current"], [v["id"] for v in before["vintages"]]) == (1, [1])
    import_correction(database_url, tmp_path)
    body = client.get("/api/v1/vintages").get_json()
    assert body["current"] == body["vintage"] == 2
    first, correction = body["vintages"]
    assert [first["id"], correction["id"]] == [1, 2]
    assert set(correction) >= {
        "id",
        "created_at",
        "kind",
        "file_name",
        "sha256",
        "months",
        "measures",
        "rows",
        "changed_cells",
    }
    assert (correction["kind"], correction["file_name"]) == ("import", "correction.csv")
    assert (correction["months"], correction["measures"]) == ([CORRECTED_MONTH], ["job_offers"])
    assert (correction["changed_cells"], correction["rows"]) == (1, 101 * 107)
    assert first["created_at"] <= correction["created_at"]
    assert first["reproducible"]
    assert correction["reproducible"]


def test_a_pinned_vintage_answers_exactly_as_before_the_correction(
    client: FlaskClient, database_url: str, tmp_path: Path
) -> None:
    before = {query: client.get(query).get_data() for query in PINNED_QUERIES}
    import_correction(database_url, tmp_path)
    current = national(client, CORRECTED_MONTH)
    old = national(client, CORRECTED_MONTH, vintage=1)
    assert current["rows"][0]["job_offers"] == old["rows"][0]["job_offers"] + DELTA
    assert (current["vintage"], old["vintage"]) == (2, 1)
    for query in PINNED_QUERIES:
        pinned = client.get(query + ("&" if "?" in query else "?") + "vintage=1")
        assert pinned.status_code == 200, query
        assert pinned.headers["X-GENSCAN-Vintage"] == "1"
        assert pinned.get_data() == before[query], query
    assert client.get("/api/v1/trend").headers["X-GENSCAN-Vintage"] == "2"


def test_csv_answers_carry_their_vintage_in_a_column(client: FlaskClient) -> None:
    for query in ("/api/v1/indicators?format=csv", "/api/v1/trend?format=csv"):
        rows = pd.read_csv(io.BytesIO(client.get(query).get_data()), dtype=str)
        assert set(rows["vintage"]) == {"1"}, query


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("/api/v1/months?vintage=99", "no vintage 99"),
        ("/api/v1/indicators?vintage=0", "vintage"),
        ("/api/v1/trend?vintage=one", "vintage"),
        ("/api/v1/export.csv?vintage=99", "no vintage 99"),
        ("/api/v1/datapackage.json?vintage=99", "no vintage 99"),
        ("/api/v1/cartography?vintage=99", "no vintage 99"),
    ],
)
def test_an_unknown_vintage_is_a_json_400(client: FlaskClient, query: str, message: str) -> None:
    response = client.get(query)
    assert response.status_code == 400
    assert response.get_json()["code"] == 400
    assert message in response.get_data(as_text=True)


def test_a_vintage_whose_figures_cannot_be_rebuilt_is_refused_saying_why(
    sqlite_url: str, tmp_path: Path
) -> None:
    import_correction(sqlite_url, tmp_path)
    engine = make_engine(sqlite_url)
    with engine.begin() as conn:  # as if vintage 2 predated the history of vintages
        conn.execute(
            update(schema.import_log).where(schema.import_log.c.id == 2).values(changed_cells=None)
        )
    engine.dispose()
    client = create_app(
        Settings(database_url=sqlite_url, seed_demo_if_empty=False)
    ).server.test_client()
    listed = {v["id"]: v for v in client.get("/api/v1/vintages").get_json()["vintages"]}
    assert (listed[1]["reproducible"], listed[2]["reproducible"]) == (False, True)
    response = client.get("/api/v1/months?vintage=1")
    assert response.status_code == 400
    assert "cannot be rebuilt" in response.get_json()["message"]


def assert_adds_up_to_the_indicators(
    client: FlaskClient, frame: pd.DataFrame, parquet: bytes, vintage: int
) -> None:
    """Both files hold the same rows, and each month's sums are the national indicators."""
    table = pq.read_table(io.BytesIO(parquet))
    assert table.column_names == list(frame.columns) == list(EXPORT_FIELDS)
    pd.testing.assert_frame_equal(table.to_pandas().astype(frame.dtypes.to_dict()), frame)
    assert set(frame["vintage"]) == {vintage}
    assert sorted(frame["month"].unique()) == list(FIXTURE_MONTHS)
    assert {"01", "2A", "2B", "971", "976", "online"} <= set(frame["department"])
    online = frame[frame["department"] == "online"]
    assert online["job_offers"].isna().all()
    assert len(online) == len(POSTES) * 4
    assert not frame.duplicated(["month", "department", "poste"]).any()
    for month, rows in frame.groupby("month"):
        [row] = national(client, str(month), vintage)["rows"]
        assert int(rows["job_offers"].sum()) == row["job_offers"], month
        assert int(rows["trainings"].sum()) == row["trainings"], month


def test_the_export_adds_up_to_the_indicators_now_and_as_pinned(
    client: FlaskClient, database_url: str, tmp_path: Path
) -> None:
    before_csv = client.get("/api/v1/export.csv").get_data()
    import_correction(database_url, tmp_path)
    for vintage in (2, 1):
        frame, parquet = exported(client, None if vintage == 2 else vintage)
        assert_adds_up_to_the_indicators(client, frame, parquet, vintage)
    cell = frame[(frame["month"] == CORRECTED_MONTH) & (frame["department"] == CORRECTED[0])]
    now, _ = exported(client)
    now_cell = now.loc[cell.index]
    assert (now_cell["job_offers"] - cell["job_offers"]).sum() == DELTA
    # Rebuilt from what the correction replaced, vintage 1 is the very file it was.
    assert client.get("/api/v1/export.csv?vintage=1").get_data() == before_csv


def test_the_export_is_written_a_month_at_a_time_from_one_snapshot(
    database_url: str, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    whole = b"".join(csv_chunks(export_frames(engine, 1)))
    chunks = csv_chunks(export_frames(engine, 1))
    started = [next(chunks), next(chunks)]  # the header and the first month
    import_correction(database_url, tmp_path)  # lands while the download is under way
    assert b"".join([*started, *chunks]) == whole
    assert len(list(csv_chunks(export_frames(engine, 2)))) == 1 + len(FIXTURE_MONTHS)
    parquet = list(parquet_chunks(export_frames(engine, 2), 2))
    assert len(parquet) == len(FIXTURE_MONTHS) + 1
    assert all(parquet)
    assert pq.ParquetFile(io.BytesIO(b"".join(parquet))).num_row_groups == len(FIXTURE_MONTHS)
    engine.dispose()


def test_the_data_package_describes_the_export_it_points_to(
    client: FlaskClient, database_url: str, tmp_path: Path
) -> None:
    import_correction(database_url, tmp_path)
    package = client.get("/api/v1/datapackage.json?vintage=1").get_json()
    assert {"name", "resources", "licenses", "sources", "vintage", "created"} <= set(package)
    assert package["licenses"] == [
        {
            "name": "etalab-2.0",
            "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
            "title": "Licence Ouverte / Open Licence version 2.0",
        }
    ]
    assert len(package["sources"]) == 2
    assert all(s["title"] for s in package["sources"])
    first = client.get("/api/v1/vintages").get_json()["vintages"][0]
    assert package["vintage"] == {"id": 1, "created_at": first["created_at"]}
    assert package["months"] == list(FIXTURE_MONTHS)
    assert package["demo"] is False
    by_format = {r["format"]: r for r in package["resources"]}
    assert set(by_format) == {"csv", "parquet"}
    expected_media = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet"}
    for kind, resource in by_format.items():
        assert {"name", "path", "mediatype", "schema"} <= set(resource)
        assert resource["path"] == f"http://localhost/api/v1/export.{kind}?vintage=1"
        assert resource["mediatype"] == expected_media[kind]
        fields = [f["name"] for f in resource["schema"]["fields"]]
        assert fields == list(EXPORT_FIELDS)
        assert set(resource["schema"]["primaryKey"]) <= set(fields)
        download = client.get(resource["path"].removeprefix("http://localhost"))
        assert download.headers["X-GENSCAN-Vintage"] == "1"
        assert download.mimetype == resource["mediatype"]
    header = client.get(by_format["csv"]["path"]).get_data().split(b"\n", 1)[0]
    assert header.decode().split(",") == list(EXPORT_FIELDS)
    parquet = pq.read_schema(io.BytesIO(client.get(by_format["parquet"]["path"]).get_data()))
    assert parquet.names == list(EXPORT_FIELDS)
    types = {f["name"]: f["type"] for f in by_format["csv"]["schema"]["fields"]}
    assert types["department"] == "string"
    assert types["job_offers"] == "integer"
    current = client.get("/api/v1/datapackage.json").get_json()
    assert current["vintage"]["id"] == 2
    assert current["resources"][0]["path"].endswith("?vintage=2")
