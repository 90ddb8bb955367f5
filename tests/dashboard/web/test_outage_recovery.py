"""A database outage while the app runs, and the recovery, without restarting anything.

A small TCP proxy in the test stands between the app and the shared PostgreSQL server: closing
it refuses new connections and drops open ones, as a database restart or a network cut would;
reopening it is the database coming back. The app is created once and never recreated: the
pool's pre-ping must find its way back alone.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url

from dashboard import create_app
from data_access.settings import Settings
from tests.dashboard.payloads import health_request

pytestmark = pytest.mark.postgres

OUTAGE_DEADLINE = 5.0
HEALTH = health_request(ticks=3)


class Proxy:
    """A TCP relay on 127.0.0.1 that can be cut and restored, always on the same port."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self._stop = threading.Event()
        self._acceptor: threading.Thread | None = None

    def open(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        listener.settimeout(0.1)
        self._listener = listener
        self._stop.clear()
        self._acceptor = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self._acceptor.start()

    def close(self) -> None:
        """Refuse new connections and drop every open one."""
        self._stop.set()
        if self._acceptor is not None:
            self._acceptor.join()
        if self._listener is not None:
            self._listener.close()
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            _shut(sock)

    def _accept(self, listener: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=3)
            except OSError:
                _shut(client)
                continue
            client.settimeout(None)
            upstream.settimeout(None)
            with self._lock:
                self._sockets |= {client, upstream}
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            _shut(src)
            _shut(dst)
            with self._lock:
                self._sockets -= {src, dst}


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


@pytest.fixture
def proxy(postgres_url: str) -> Iterator[Proxy]:
    url = make_url(postgres_url)
    relay = Proxy((url.host or "127.0.0.1", url.port or 5432))
    relay.open()
    yield relay
    relay.close()


def health(client: FlaskClient) -> dict[str, Any]:
    response = client.post(
        "/_dash-update-component", data=json.dumps(HEALTH), content_type="application/json"
    )
    assert response.status_code == 200
    return response.get_json()["response"]


def timed_get(client: FlaskClient, path: str) -> tuple[Any, float]:
    started = time.monotonic()
    response = client.get(path)
    return response, time.monotonic() - started


def test_outage_is_reported_and_recovered_without_restart(postgres_url: str, proxy: Proxy) -> None:
    through_proxy = make_url(postgres_url).set(host="127.0.0.1", port=proxy.port)
    app = create_app(
        Settings(
            database_url=through_proxy.render_as_string(hide_password=False),
            seed_demo_if_empty=False,
        )
    )
    client = app.server.test_client()

    # Up: the API answers and the page has no alert.
    for path in ("/api/v1/months", "/api/v1/indicators?level=region", "/api/v1/trend"):
        assert client.get(path).status_code == 200
    status = health(client)
    assert status["db-alert"]["hidden"] is True
    assert status["data-version"]["data"] >= 1

    # Down: open pooled connections are cut and new ones refused.
    proxy.close()
    for path in ("/api/v1/indicators?level=region", "/api/v1/months", "/api/v1/trend"):
        response, elapsed = timed_get(client, path)
        assert elapsed < OUTAGE_DEADLINE, path
        assert response.status_code == 503, path
        assert response.is_json
        body = response.get_json()
        assert body["code"] == 503
        assert "unreachable" in body["message"]
        text = response.get_data(as_text=True)
        assert "Traceback" not in text
        assert "psycopg" not in text
    started = time.monotonic()
    status = health(client)
    assert time.monotonic() - started < OUTAGE_DEADLINE
    assert status["db-alert"]["hidden"] is False
    assert "cannot be reached" in status["db-alert"]["children"]
    assert status["retry-interval"]["disabled"] is False  # the page keeps retrying
    assert status["data-version"]["data"] is None

    # Back: the same app serves again, and the alert clears.
    proxy.open()
    response, _ = timed_get(client, "/api/v1/indicators?level=region")
    assert response.status_code == 200
    assert len(response.get_json()["rows"]) == 18
    assert client.get("/api/v1/months").status_code == 200
    status = health(client)
    assert status["db-alert"]["hidden"] is True
    assert status["db-alert"]["children"] == ""
    assert status["data-version"]["data"] >= 1
    assert status["retry-interval"]["disabled"] is True
    app.server.extensions["genscan_engine"].dispose()
