"""``/embed``: the page's map for a view, framable by the origins of ``GENSCAN_EMBED_ORIGINS``
while every other response keeps ``frame-ancestors 'self'``."""

from __future__ import annotations

import html
import json
import re
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from dash import Dash
from flask.testing import FlaskClient
from sqlalchemy import select

from dashboard import create_app, prepare_database
from dashboard.core.i18n import month_label
from dashboard.core.state import ViewState, parse_query
from dashboard.page import views
from dashboard.web import embed
from data_access import schema
from data_access.db import make_engine
from data_access.queries import Catalog
from data_access.settings import Settings, SettingsError
from tests.data_access.test_importer import run_cli

UNREACHABLE = "postgresql+psycopg://genscan:none@127.0.0.1:9/genscan"


def app_client(database_url: str, **settings: Any) -> FlaskClient:
    app = create_app(Settings(database_url=database_url, seed_demo_if_empty=False, **settings))
    return app.server.test_client()


@pytest.fixture
def dash_app(sqlite_url: str) -> Dash:
    return create_app(Settings(database_url=sqlite_url, seed_demo_if_empty=False))


@pytest.fixture
def client(dash_app: Dash) -> FlaskClient:
    return dash_app.server.test_client()


def directives(policy: str) -> dict[str, str]:
    """A Content-Security-Policy as ``directive → sources``."""
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


def inline_figure(body: str) -> dict[str, Any]:
    found = re.search(
        rf'<script id="{embed.FIGURE_SCRIPT_ID}" type="application/json">(.*?)</script>', body
    )
    assert found
    return json.loads(found.group(1).replace("<\\/", "</"))


def link_query(body: str) -> dict[str, list[str]]:
    found = re.search(r'<a class="embed-link" href="([^"]+)" target="_blank" rel="noopener">', body)
    assert found
    href = found.group(1).replace("&amp;", "&")
    assert href.startswith("/?")
    return urllib.parse.parse_qs(href[2:])


# -- headers -----------------------------------------------------------------------------------
def test_embed_may_be_framed_by_any_origin_by_default(client: FlaskClient) -> None:
    response = client.get("/embed?month=2023-01&family=DATA")
    assert response.status_code == 200
    policy = directives(response.headers["Content-Security-Policy"])
    assert policy["frame-ancestors"] == "*"
    assert policy["script-src"] == "'self'", "the embed runs no inline script at all"
    assert policy["default-src"] == "'self'"
    assert "X-Frame-Options" not in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_every_other_response_may_only_be_framed_by_the_site(client: FlaskClient) -> None:
    for path in ("/", "/report?region=53", "/api/v1/months", "/embed/x", "/health"):
        headers = client.get(path).headers
        assert directives(headers["Content-Security-Policy"])["frame-ancestors"] == "'self'", path
        assert headers["X-Frame-Options"] == "SAMEORIGIN", path


def test_listed_origins_and_the_site_itself_may_frame_the_embed(sqlite_url: str) -> None:
    origins = "https://news.example, http://127.0.0.1:8080"
    settings = Settings.from_env({"DATABASE_URL": sqlite_url, "GENSCAN_EMBED_ORIGINS": origins})
    assert settings.embed_origins == "https://news.example http://127.0.0.1:8080"
    client = create_app(settings).server.test_client()
    policy = directives(client.get("/embed").headers["Content-Security-Policy"])
    assert policy["frame-ancestors"] == "'self' https://news.example http://127.0.0.1:8080"
    assert directives(client.get("/").headers["Content-Security-Policy"])["frame-ancestors"] == (
        "'self'"
    )


def test_embed_origins_default_to_any() -> None:
    assert Settings.from_env({}).embed_origins == "*"
    assert Settings.from_env({"GENSCAN_EMBED_ORIGINS": " "}).embed_origins == "*"
    assert embed.frame_ancestors("*") == "*"
    assert embed.frame_ancestors("https://a.example *") == "*"


@pytest.mark.parametrize(
    "value",
    [
        "news.example",
        "https://news.example/maps",
        "https://news.example;script-src *",
        "'self'",
        "https://",
        ",",
        "https://news.example 'unsafe-inline'",
    ],
)
def test_malformed_embed_origins_are_refused_at_start(value: str) -> None:
    with pytest.raises(SettingsError, match=r"^GENSCAN_EMBED_ORIGINS: must be \* or origins"):
        Settings.from_env({"GENSCAN_EMBED_ORIGINS": value})


# -- the page ----------------------------------------------------------------------------------
def test_embed_shows_the_page_map_with_caption_sources_and_link(
    client: FlaskClient, dash_app: Dash
) -> None:
    response = client.get("/embed?month=2022-12&family=DATA&region=53")
    body = response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    assert '<html lang="fr">' in body
    caption = re.search(r'<figcaption class="embed-caption">(.*?)</figcaption>', body)
    assert caption
    assert "Indice de tension" in caption.group(1)
    assert month_label("2022-12", "fr") in caption.group(1)
    assert "Bretagne" in caption.group(1)
    assert "Sources" in body
    assert "Voir la carte complète" in body
    assert link_query(body) == {
        "month": ["2022-12"],
        "metric": ["tension"],
        "region": ["53"],
        "family": ["DATA"],
    }
    # The figure is the page's map for that view; only its legend moved into the HTML.
    shown = inline_figure(body)
    state = ViewState("2022-12", region="53", family="DATA")
    deps = dash_app.genscan_deps
    page_map, _ = views.render_map(deps.service, deps.geometry, state)
    assert json.loads(json.dumps(page_map["data"])) == shown["figure"]["data"]
    assert shown["figure"]["layout"]["showlegend"] is False
    assert shown["config"]["displayModeBar"] is False
    assert 'class="embed-legend"' in body


def test_embed_loads_plotly_and_its_script_but_no_dash(client: FlaskClient) -> None:
    body = client.get("/embed").get_data(as_text=True)
    scripts = re.findall(r'<script defer src="([^"]+)"></script>', body)
    assert [urllib.parse.urlsplit(s).path for s in scripts] == [
        "/assets/vendor/plotly-4.1.1-genscan.min.js",
        "/assets/embed/embed.js",
    ]
    assert "_dash" not in body
    assert "<script>" not in body, "no inline script: the policy would refuse it"
    for url in [*scripts, re.search(r'<link rel="stylesheet" href="([^"]+)">', body).group(1)]:
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert "immutable" in asset.headers["Cache-Control"], url


def test_the_page_does_not_load_the_embed_assets(client: FlaskClient) -> None:
    assert "/assets/embed/" not in client.get("/").get_data(as_text=True)


def test_embed_speaks_english_when_asked(client: FlaskClient) -> None:
    body = client.get("/embed?lang=en&metric=trainings&month=2022-11").get_data(as_text=True)
    assert '<html lang="en">' in body
    assert "Trainings" in body
    assert "November 2022" in body
    assert "See the full map" in body
    assert link_query(body)["lang"] == ["en"]


def test_embed_titles_a_change_map_as_the_colour_bar_does(client: FlaskClient) -> None:
    body = client.get("/embed?month=2023-01&change=1&metric=job_offers").get_data(as_text=True)
    bar = inline_figure(body)["figure"]["data"][1]["marker"]["colorbar"]["title"]["text"]
    assert f'<h1 class="embed-indicator">{bar}</h1>' in body


# -- what can go wrong -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "query",
    [
        "month=1999-01&family=NOPE&region=zz&lang=xx&foo=bar",
        "month=" + "9" * 5000,
        "family=%ff%fe&metric=%00",
        "&".join(f"k{i}=v" for i in range(80)),
        "department=29&region=11",
        "poste=nope&metier=DATA_nope&change=7&fragile=1&plan=-3&compare=FR,zz",
    ],
)
def test_bad_query_values_give_the_nearest_valid_view(
    client: FlaskClient, catalog: Catalog, query: str
) -> None:
    response = client.get(f"/embed?{query}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert inline_figure(body)["figure"]["data"][0]["type"] == "choropleth"
    shown = urllib.parse.urlencode(link_query(body), doseq=True)
    _state, ignored = parse_query(shown, catalog)
    assert ignored == [], "the full view linked to is a valid one"


def test_ignored_values_are_named_in_the_frame(client: FlaskClient) -> None:
    body = client.get("/embed?month=1999-01&family=NOPE").get_data(as_text=True)
    notice = re.search(r'<p class="embed-notice" role="status">(.*?)</p>', body)
    assert notice
    assert "month=1999-01" in notice.group(1)
    assert "family=NOPE" in notice.group(1)
    assert link_query(body) == {"month": ["2023-01"], "metric": ["tension"]}


def test_embed_says_the_database_is_down_in_the_frame_with_a_503() -> None:
    client = app_client(UNREACHABLE)
    response = client.get("/embed?lang=en&family=DATA")
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert "The database cannot be reached right now" in body
    assert 'role="alert"' in body
    assert f'<meta http-equiv="refresh" content="{embed.RETRY_SECONDS}">' in body
    assert response.headers["Retry-After"] == str(embed.RETRY_SECONDS)
    assert response.headers["Cache-Control"] == "no-store"
    assert directives(response.headers["Content-Security-Policy"])["frame-ancestors"] == "*"
    assert "X-Frame-Options" not in response.headers
    assert "Traceback" not in body
    assert "psycopg" not in body
    assert "plotly" not in body, "no map to draw: nothing to download"
    french = client.get("/embed").get_data(as_text=True)
    assert "La base de données est momentanément injoignable" in french


def test_embed_before_any_import_says_so_with_a_503(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    prepare_database(settings.model_copy(update={"seed_demo_if_empty": False}))
    response = create_app(settings).server.test_client().get("/embed")
    assert response.status_code == 503
    assert "Aucun mois n'a encore été importé" in html.unescape(response.get_data(as_text=True))


def test_embed_of_a_past_vintage_shows_its_figures_and_says_so(
    sqlite_url: str, tmp_path: Path
) -> None:
    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        first = conn.execute(select(schema.import_log.c.id)).scalar_one()
    engine.dispose()
    fix = tmp_path / "fix.csv"
    fix.write_text("month,department,poste,job_offers\n2022-10,75,data-analyst,99999\n")
    run_cli(sqlite_url, "import", str(fix))
    app = create_app(Settings(database_url=sqlite_url, seed_demo_if_empty=False))
    client = app.server.test_client()

    def paris(query: str) -> tuple[str, Any]:
        body = client.get(f"/embed?month=2022-10&metric=job_offers{query}").get_data(as_text=True)
        trace = inline_figure(body)["figure"]["data"][0]
        return body, trace["customdata"][trace["locations"].index("75")]

    now, paris_now = paris("")
    then, paris_then = paris(f"&vintage={first}")
    assert paris_then != paris_now
    assert "embed-vintage" not in now
    assert f"(version {first})" in then
    assert link_query(then)["vintage"] == [str(first)]
