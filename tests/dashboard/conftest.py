"""Dashboard fixtures: a service and a catalog over the SQLite fixture database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dash import Dash
from flask_caching import Cache

from dashboard.core.service import Service
from data_access.db import make_engine
from data_access.queries import Catalog, Repository
from data_access.settings import Settings


@pytest.fixture
def service(sqlite_url: str) -> Iterator[Service]:
    engine = make_engine(sqlite_url)
    app = Dash(__name__)
    cache = Cache(app.server, config={"CACHE_TYPE": "SimpleCache"})
    yield Service(Repository(engine, "2022-10"), cache, Settings(database_url=sqlite_url))
    engine.dispose()


@pytest.fixture
def catalog(service: Service) -> Catalog:
    return service.catalog()
