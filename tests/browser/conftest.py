"""Fixtures of the browser tests: a demo database, the app served on 127.0.0.1, Chromium.

* ``live_server`` builds the demo history in a temporary SQLite file (about 10 s, once per
  session) and serves the real app with werkzeug in a background thread.
* ``browser`` launches Debian's Chromium through Playwright; when it is missing the tests skip
  locally and fail in CI (``skip_or_fail``).
* ``page`` opens a fresh context per test and watches it: any console error, uncaught page
  error, failed request, HTTP response >= 400, or request to anything but the live server makes
  the test fail at teardown. Console warnings are reported as pytest warnings. A full-page
  screenshot of the final state is saved under ``test-artifacts/screenshots/<test>.png``.
"""

from __future__ import annotations

import os
import re
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from dashboard.web.factory import create_app, prepare_database
from data_access.db import make_engine
from data_access.settings import REPO_ROOT, Settings
from tests.browser.helpers import TIMEOUT_MS, Api
from tests.conftest import skip_or_fail

CHROMIUM_PATH = Path(os.environ.get("GENSCAN_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1366, "height": 900}
SCREENSHOT_DIR = REPO_ROOT / "test-artifacts" / "screenshots"
LOCAL_SCHEMES = {"data", "blob", "about"}


class BrowserConsoleWarning(UserWarning):
    """A console warning logged by the page during a browser test."""


@dataclass(frozen=True)
class LiveServer:
    url: str
    settings: Settings
    api: Api


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium (Debian's build: Playwright's own download is not used)."""
    if not CHROMIUM_PATH.exists():
        skip_or_fail(f"Chromium not found at {CHROMIUM_PATH}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        skip_or_fail(f"playwright is not installed: {exc}")
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM_PATH), args=CHROMIUM_ARGS
        )
    except Exception as exc:
        playwright.stop()
        skip_or_fail(f"Chromium at {CHROMIUM_PATH} does not start: {exc}")
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app over the demo history (27 months, 2022-10 to 2024-12) on a free local port."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        """Keeps the access log out of test reports (errors are still logged)."""

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            return None

    path = tmp_path_factory.mktemp("browser-db") / "demo.sqlite3"
    settings = Settings(database_url=f"sqlite:///{path}", seed_demo_if_empty=True)
    assert prepare_database(settings), "the demo history should be seeded in a new database"
    engine = make_engine(settings.database_url)
    app = create_app(settings, engine)
    server = make_server("127.0.0.1", 0, app.server, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield LiveServer(url, settings, Api(url))
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        engine.dispose()


@pytest.fixture
def api(live_server: LiveServer) -> Api:
    return live_server.api


@dataclass
class PageProblems:
    """What went wrong in the page while a test drove it."""

    origin: str
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)

    def on_console(self, message: Any) -> None:
        location = message.location or {}
        where = f" ({location.get('url', '')}:{location.get('lineNumber', '')})"
        if message.type == "error":
            self.errors.append(f"console error: {message.text}{where}")
        elif message.type == "warning":
            self.warnings.append(f"console warning: {message.text}{where}")

    def on_page_error(self, error: Any) -> None:
        self.errors.append(f"page error: {error}")

    def on_request(self, request: Any) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in LOCAL_SCHEMES:
            return
        if f"{parts.scheme}://{parts.netloc}" != self.origin:
            self.outside.append(f"{request.method} {request.url}")

    def on_request_failed(self, request: Any) -> None:
        self.errors.append(f"request failed: {request.method} {request.url} ({request.failure})")

    def on_response(self, response: Any) -> None:
        if response.status >= 400:
            self.errors.append(f"HTTP {response.status}: {response.request.method} {response.url}")

    def watch(self, context: Any) -> Any:
        """A new page of ``context``, its requests, console and errors noted here."""
        context.on("request", self.on_request)
        context.on("requestfailed", self.on_request_failed)
        context.on("response", self.on_response)
        page = context.new_page()
        page.on("console", self.on_console)
        page.on("pageerror", self.on_page_error)
        return page

    def report(self) -> list[str]:
        """Everything that makes the page not clean."""
        return self.errors + [f"request outside the app: {url}" for url in self.outside]


def _screenshot_name(node_name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", node_name).strip("_") + ".png"


@pytest.fixture
def page(browser: Any, live_server: LiveServer, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh page on the live server that fails the test on any console or network error."""
    context = browser.new_context(
        viewport=VIEWPORT, accept_downloads=True, base_url=live_server.url
    )
    context.set_default_timeout(TIMEOUT_MS)
    problems = PageProblems(origin=live_server.url)
    new_page = problems.watch(context)
    try:
        yield new_page
    finally:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        try:
            new_page.screenshot(
                path=str(SCREENSHOT_DIR / _screenshot_name(request.node.name)),
                full_page=True,
                timeout=10_000,
            )
        except Exception as exc:  # a screenshot must never hide the test's own outcome
            warnings.warn(f"no screenshot for {request.node.name}: {exc}", stacklevel=1)
        context.close()
    for text in problems.warnings:
        warnings.warn(f"{request.node.name}: {text}", BrowserConsoleWarning, stacklevel=1)
    report = problems.report()
    if report:
        pytest.fail("the page was not clean:\n  " + "\n  ".join(report))
