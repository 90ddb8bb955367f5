"""Every text response is compressed by the app itself, whatever serves it."""

from __future__ import annotations

import gzip
import json
import re

import brotli
import pytest
from flask.testing import FlaskClient

from dashboard import create_app
from data_access.settings import REPO_ROOT, Settings

PAYLOADS = REPO_ROOT / "bench" / "payloads" / "filter_change.json"


@pytest.fixture
def client(sqlite_url: str) -> FlaskClient:
    app = create_app(Settings(database_url=sqlite_url, seed_demo_if_empty=False))
    return app.server.test_client()


def _static_urls(client: FlaskClient) -> list[str]:
    page = client.get("/").get_data(as_text=True)
    urls = re.findall(r'(?:src|href)="(/(?:assets|_dash-component-suites)/[^"]+)"', page)
    # Plotly's JSON writes "/" as "\u002f" (so that no "</script>" can appear in the page).
    geojson = re.search(r'"geojson":"((?:/|\\u002f)geodata[^"]+)"', page)
    assert geojson
    return [*urls, geojson.group(1).replace("\\u002f", "/")]


def test_page_scripts_styles_and_geometry_come_compressed(client: FlaskClient) -> None:
    urls = _static_urls(client)
    assert any(u.endswith(".css") or ".css?" in u for u in urls)
    assert any("plotly" in u for u in urls)
    for url in ["/", *urls]:
        response = client.get(url, headers={"Accept-Encoding": "br, gzip"})
        assert response.status_code == 200, url
        assert response.headers["Content-Encoding"] == "br", url
        assert "Accept-Encoding" in response.headers["Vary"], url
        assert brotli.decompress(response.get_data())


def test_gzip_when_brotli_is_not_accepted(client: FlaskClient) -> None:
    response = client.get("/api/v1/territories", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.get_data()).startswith(b"{")


def test_callback_responses_are_compressed(client: FlaskClient) -> None:
    """The top 30's callback, as a browser posts it for a month change."""
    # Recorded on the demo history: moved onto the fixture database's months.
    text = PAYLOADS.read_text(encoding="utf-8").replace("2024-11", "2023-01")
    recorded = json.loads(text)
    body = next(r for r in recorded if "..top-jobs.children.." in r["output"])
    response = client.post("/_dash-update-component", json=body, headers={"Accept-Encoding": "br"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "br"
    assert b"top-jobs" in brotli.decompress(response.get_data())


def test_versioned_static_files_are_cached_for_a_year(client: FlaskClient) -> None:
    for url in _static_urls(client):
        control = client.get(url).headers["Cache-Control"]
        assert "max-age=31536000" in control, url
