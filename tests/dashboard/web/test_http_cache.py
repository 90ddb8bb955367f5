"""HTTP semantics of the open-data API: ETag and 304, caching by vintage, CORS, and the OpenAPI
description that says so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from dashboard import create_app
from data_access.settings import Settings
from tests.dashboard.web.test_open_data import import_correction

FIGURE_ROUTES = [
    "/api/v1/months",
    "/api/v1/cartography",
    "/api/v1/territories",
    "/api/v1/indicators",
    "/api/v1/trend",
    "/api/v1/export.csv",
    "/api/v1/export.parquet",
    "/api/v1/datapackage.json",
]
CURRENT = "public, max-age=300"
PINNED = "public, max-age=31536000, immutable"


def new_client(url: str) -> FlaskClient:
    """A fresh app, as another worker would be: nothing computed, nothing cached."""
    return create_app(Settings(database_url=url, seed_demo_if_empty=False)).server.test_client()


@pytest.fixture
def client(sqlite_url: str) -> FlaskClient:
    return new_client(sqlite_url)


def refuse_figures(client: FlaskClient) -> None:
    """Make this app fail if it computes any figure or status."""
    service = client.application.extensions["genscan_service"]

    def computed(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("figures computed for a conditional request")

    service.model = computed
    service.status = computed


@pytest.mark.parametrize("route", FIGURE_ROUTES)
def test_the_etag_held_gets_an_empty_304_without_computing_figures(
    sqlite_url: str, route: str
) -> None:
    first = new_client(sqlite_url).get(route)
    assert first.status_code == 200
    tag = first.headers["ETag"]
    assert tag.startswith('"v1-')
    other_worker = new_client(sqlite_url)
    refuse_figures(other_worker)
    again = other_worker.get(route, headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == tag
    assert again.headers["Cache-Control"] == CURRENT
    assert again.headers["X-GENSCAN-Vintage"] == "1"
    assert "Content-Type" not in again.headers


def test_a_compressed_answer_s_etag_names_its_coding_and_still_matches(
    client: FlaskClient,
) -> None:
    for coding in ("br", "gzip"):
        headers = {"Accept-Encoding": coding}
        for route in ("/api/v1/indicators", "/api/v1/export.csv"):
            first = client.get(route, headers=headers)
            assert first.headers["Content-Encoding"] == coding
            tag = first.headers["ETag"]
            assert tag.endswith(f':{coding}"')
            again = client.get(route, headers={**headers, "If-None-Match": tag})
            assert (again.status_code, again.headers["ETag"]) == (304, tag)


def test_the_etag_names_the_whole_query(client: FlaskClient) -> None:
    tags = {
        client.get(query).headers["ETag"]
        for query in (
            "/api/v1/indicators?level=region",
            "/api/v1/indicators?level=region&format=csv",
            "/api/v1/indicators?level=department",
            "/api/v1/indicators?level=region&vintage=1",
            "/api/v1/export.csv",
        )
    }
    assert len(tags) == 5
    reordered = client.get("/api/v1/indicators?format=csv&level=region").headers["ETag"]
    assert reordered in tags


def test_an_import_changes_current_tags_and_never_pinned_ones(
    sqlite_url: str, tmp_path: Path
) -> None:
    client = new_client(sqlite_url)
    current = client.get("/api/v1/indicators")
    pinned = client.get("/api/v1/indicators?vintage=1")
    assert current.headers["Cache-Control"] == CURRENT
    assert pinned.headers["Cache-Control"] == PINNED
    import_correction(sqlite_url, tmp_path)
    after = client.get("/api/v1/indicators", headers={"If-None-Match": current.headers["ETag"]})
    assert after.status_code == 200
    assert after.headers["ETag"] != current.headers["ETag"]
    assert after.headers["ETag"].startswith('"v2-')
    still = client.get(
        "/api/v1/indicators?vintage=1", headers={"If-None-Match": pinned.headers["ETag"]}
    )
    assert (still.status_code, still.headers["Cache-Control"]) == (304, PINNED)


def test_errors_are_never_stored_and_carry_cors(client: FlaskClient) -> None:
    for query, status in (
        ("/api/v1/indicators?level=planet", 400),
        ("/api/v1/months?vintage=99", 400),
        ("/api/v1/nope", 404),
    ):
        response = client.get(query, headers={"Origin": "https://example.org"})
        assert response.status_code == status
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "ETag" not in response.headers


def test_any_site_may_read_the_api_from_a_browser(client: FlaskClient) -> None:
    preflight = client.options(
        "/api/v1/indicators",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert preflight.status_code == 204
    assert preflight.get_data() == b""
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert set(preflight.headers["Access-Control-Allow-Methods"].split(", ")) == {
        "GET",
        "HEAD",
        "OPTIONS",
    }
    assert "If-None-Match" in preflight.headers["Access-Control-Allow-Headers"]
    assert int(preflight.headers["Access-Control-Max-Age"]) > 0
    read = client.get("/api/v1/months", headers={"Origin": "https://example.org"})
    assert read.headers["Access-Control-Allow-Origin"] == "*"
    exposed = {h.strip() for h in read.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"ETag", "X-GENSCAN-Vintage", "Retry-After"} <= exposed


def test_the_page_is_left_as_it_was(client: FlaskClient) -> None:
    page = client.get("/health")
    assert "Access-Control-Allow-Origin" not in page.headers
    assert "ETag" not in page.headers


def test_openapi_describes_vintages_conditional_requests_and_media_types(
    client: FlaskClient,
) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    for route in FIGURE_ROUTES:
        operation = spec["paths"][route]["get"]
        query = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        headers = {p["name"] for p in spec["paths"][route]["parameters"] if p["in"] == "header"}
        assert "vintage" in query, route
        assert "If-None-Match" in headers, route
        responses = operation["responses"]
        assert {"200", "304", "400", "429", "503"} <= set(responses), route
        assert {"ETag", "X-GENSCAN-Vintage", "Cache-Control"} <= set(responses["200"]["headers"])
        assert "Retry-After" in responses["429"]["headers"]
    content = {
        route: set(spec["paths"][route]["get"]["responses"]["200"]["content"])
        for route in ("/api/v1/export.csv", "/api/v1/export.parquet", "/api/v1/indicators")
    }
    assert content == {
        "/api/v1/export.csv": {"text/csv"},
        "/api/v1/export.parquet": {"application/vnd.apache.parquet"},
        "/api/v1/indicators": {"application/json", "text/csv"},
    }


def test_the_description_has_validators_but_no_vintage_pins_it(client: FlaskClient) -> None:
    for query in ("/api/v1/openapi.json", "/api/v1/openapi.json?vintage=1"):
        response = client.get(query)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == CURRENT, query
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        again = client.get(query, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304
