"""Every worker serves every script and stylesheet from its first request, whatever the server.

Dash learns which component-suite files it may serve while it writes an index page; a worker
that had not written one answered 404 for a script another worker's page asked for, and the
visitor got a blank page. Here several fresh gunicorn workers (no config file, so no preload)
are asked for every resource the page lists, many at once, before anyone asks for ``/``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from dashboard import create_app
from data_access.settings import REPO_ROOT, Settings
from tests.dashboard.web.test_gunicorn_service import get

WORKERS = 3
ROUNDS = 6  # each resource asked this many times at once: every worker gets some


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _resources(database_url: str) -> list[str]:
    """Every script and stylesheet an index page would list, and the lazy chunks."""
    app = create_app(Settings(database_url=database_url, seed_demo_if_empty=False))
    with app.server.test_request_context("/"):
        html = app._generate_scripts_html() + app._generate_css_dist_html()
    urls = [part.split('"')[0] for part in html.split('src="')[1:] + html.split('href="')[1:]]
    chunks = [
        f"/_dash-component-suites/{namespace}/{path}"
        for namespace, paths in app.registered_paths.items()
        for path in paths
        if path.endswith(".js") and "async-" in path
    ]
    return sorted(set(urls + chunks))


@pytest.fixture
def fresh_workers(sqlite_url: str) -> Iterator[str]:
    """Three sync workers of plain ``gunicorn app:server``, not yet asked for anything."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": sqlite_url, "GENSCAN_SEED_DEMO": "0"}
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            f"--workers={WORKERS}",
            f"--bind=127.0.0.1:{port}",
            "app:server",
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_every_worker_serves_every_resource_before_any_page(
    fresh_workers: str, sqlite_url: str
) -> None:
    resources = _resources(sqlite_url)
    assert any("react-dom" in r for r in resources)
    assert any("dash_core_components" in r for r in resources)
    urls = [fresh_workers + r for r in resources for _ in range(ROUNDS)]
    with ThreadPoolExecutor(max_workers=24) as pool:
        statuses = list(pool.map(get, urls))
    failures = sorted({u for u, s in zip(urls, statuses, strict=True) if s != 200})
    assert not failures, failures
    assert get(fresh_workers + "/") == 200
