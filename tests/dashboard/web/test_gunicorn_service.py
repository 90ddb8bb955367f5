"""The committed gunicorn configuration runs the app as a service: ``/metrics`` counts the
requests of every worker, ``/health`` answers even with the database down, the logs are JSON.

Each test starts ``gunicorn -c gunicorn.conf.py app:server`` with two workers, as production
does, without PROMETHEUS_MULTIPROC_DIR: the configuration makes its own directory.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from data_access.settings import REPO_ROOT

WORKERS = 2
UNREACHABLE = "postgresql+psycopg://genscan:none@127.0.0.1:9/genscan"


@dataclass
class Server:
    url: str
    log: Path

    def lines(self) -> list[dict[str, Any]]:
        text = self.log.read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving(database_url: str, log: Path) -> Iterator[Server]:
    """gunicorn with the committed configuration, once its workers have booted."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update(
        DATABASE_URL=database_url,
        GENSCAN_SEED_DEMO="0",
        GENSCAN_WORKERS=str(WORKERS),
        HOST="127.0.0.1",
        PORT=str(port),
    )
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [gunicorn, "-c", "gunicorn.conf.py", "app:server"],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    server = Server(f"http://127.0.0.1:{port}", log)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            booted = [x for x in server.lines() if x["message"].startswith("Booting worker")]
            if len(booted) == WORKERS:
                break
            time.sleep(0.1)
        assert process.poll() is None, log.read_text()
        yield server
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def server(sqlite_url: str, tmp_path: Path) -> Iterator[Server]:
    with serving(sqlite_url, tmp_path / "gunicorn.log") as running:
        yield running


@pytest.fixture
def server_without_database(tmp_path: Path) -> Iterator[Server]:
    with serving(UNREACHABLE, tmp_path / "gunicorn.log") as running:
        yield running


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def served_by(server: Server) -> set[int]:
    return {x["pid"] for x in server.lines() if x["logger"] == "dashboard.web.request_log"}


def test_metrics_count_the_requests_of_every_worker(server: Server) -> None:
    sent = 0
    with ThreadPoolExecutor(max_workers=8) as pool:
        while len(served_by(server)) < WORKERS and sent < 2000:
            statuses = list(pool.map(get, [f"{server.url}/api/v1/months"] * 40))
            assert statuses == [200] * 40
            sent += 40
    assert len(served_by(server)) == WORKERS

    with urllib.request.urlopen(f"{server.url}/metrics", timeout=30) as response:
        text = response.read().decode()
    counts = [
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "genscan_http_request_duration_seconds_count"
    ]
    assert sum(counts) == sent


def test_the_private_metrics_directory_is_removed_on_exit(sqlite_url: str, tmp_path: Path) -> None:
    with serving(sqlite_url, tmp_path / "gunicorn.log") as server:
        (line,) = [x for x in server.lines() if x["message"].startswith("metrics directory ")]
        directory = Path(line["message"].removeprefix("metrics directory "))
        assert directory.is_dir()
        assert any(directory.iterdir())  # the workers' files
    assert not directory.exists()


def test_the_server_starts_and_reports_an_unreachable_database(
    server_without_database: Server,
) -> None:
    started = time.monotonic()
    assert get(f"{server_without_database.url}/health") == 503
    assert time.monotonic() - started < 5
    assert get(f"{server_without_database.url}/") == 200
    messages = [x["message"] for x in server_without_database.lines()]
    assert "database not prepared: unreachable; serving anyway" in messages
