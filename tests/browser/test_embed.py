"""The embeddable map inside an ``<iframe>`` of a page from another origin.

A second, tiny HTTP server on 127.0.0.1 (another port: another origin) serves the README's
``<iframe>`` snippet. ``/embed`` must load and draw there (its ``frame-ancestors`` lets any
origin frame it by default); the full page must not (``frame-ancestors 'self'``).
"""

from __future__ import annotations

import html
import threading
import urllib.parse
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from dashboard.core.i18n import month_label
from tests.browser.conftest import (
    SCREENSHOT_DIR,
    BrowserConsoleWarning,
    LiveServer,
    PageProblems,
)
from tests.browser.helpers import MIN_MAP_PATHS, TIMEOUT_MS

pytestmark = pytest.mark.browser

MONTH = "2024-06"
EMBED_QUERY = f"month={MONTH}&family=DATA"
REFUSED = "frame-ancestors"  # Chromium's console error names the directive that refused
_DRAWN_JS = f"""() => document.querySelectorAll('#embed-map .choroplethlocation').length
  >= {MIN_MAP_PATHS}"""


@dataclass
class OtherSite:
    """A site on another origin whose pages hold one ``<iframe>`` each."""

    url: str
    pages: dict[str, str] = field(default_factory=dict)

    def framing(self, path: str, src: str) -> str:
        """Serve at ``path`` a page framing ``src`` as the README tells other sites to."""
        self.pages[path] = (
            '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<title>Un autre site</title><link rel="icon" href="data:,"></head>'
            '<body style="margin:0"><h1>Un autre site</h1>'
            f'<iframe src="{html.escape(src)}" width="100%" height="560" style="border:0" '
            'title="Carte GEN_SCAN" loading="lazy"></iframe></body></html>'
        )
        return self.url + path


@pytest.fixture
def other_site() -> Iterator[OtherSite]:
    site = OtherSite("")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = site.pages.get(urllib.parse.urlsplit(self.path).path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write((body or "not found").encode())

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    site.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name="other-site", daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@dataclass
class TwoOrigins(PageProblems):
    """The page's problems, where requests to the framing site are expected too."""

    framing_origin: str = ""

    def on_request(self, request: Any) -> None:
        parts = urllib.parse.urlsplit(request.url)
        if f"{parts.scheme}://{parts.netloc}" != self.framing_origin:
            super().on_request(request)


@pytest.fixture
def framed(
    browser: Any, live_server: LiveServer, other_site: OtherSite, request: pytest.FixtureRequest
) -> Iterator[tuple[Any, TwoOrigins]]:
    """A page of the other site and what went wrong in it: the teardown fails on any error the
    test did not take out of it (the refusal of a frame is one a test expects)."""
    width = getattr(request, "param", 1000)
    context = browser.new_context(viewport={"width": width, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    problems = TwoOrigins(origin=live_server.url, framing_origin=other_site.url)
    page = problems.watch(context)
    try:
        yield page, problems
    finally:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        name = request.node.name.replace("[", "_").replace("]", "")
        page.screenshot(path=str(SCREENSHOT_DIR / f"{name}.png"), full_page=True)
        context.close()
    for text in problems.warnings:
        warnings.warn(f"{request.node.name}: {text}", BrowserConsoleWarning, stacklevel=1)
    if problems.errors or problems.outside:
        pytest.fail("the page was not clean:\n  " + "\n  ".join(problems.errors + problems.outside))


def embed_frame(page: Any) -> Any:
    frame = page.locator("iframe").element_handle().content_frame()
    assert frame is not None
    return frame


@pytest.mark.parametrize("framed", [1000, 320], indirect=True, ids=["column", "phone"])
def test_embed_loads_and_draws_in_a_frame_of_another_origin(
    framed: tuple[Any, TwoOrigins], live_server: LiveServer, other_site: OtherSite
) -> None:
    page, _problems = framed
    page.goto(other_site.framing("/article.html", f"{live_server.url}/embed?{EMBED_QUERY}"))
    frame = embed_frame(page)
    frame.wait_for_function(_DRAWN_JS)

    assert frame.url == f"{live_server.url}/embed?{EMBED_QUERY}"
    caption = frame.locator(".embed-caption").inner_text()
    assert month_label(MONTH, "fr") in caption
    assert "Indice de tension" in caption
    # The colour bar is drawn with the map; the legend is written under it.
    assert frame.locator("#embed-map .colorbar").count() == 1
    legend = frame.locator(".embed-legend li")
    assert legend.count() == 4
    assert legend.first.is_visible()
    assert "fragile" in legend.first.inner_text()
    assert frame.locator("input, select, button, .modebar").count() == 0, "no controls"

    link = frame.locator("a.embed-link")
    assert link.inner_text().startswith("Voir la carte complète")
    assert link.get_attribute("target") == "_blank"
    assert "noopener" in (link.get_attribute("rel") or "").split()
    target = urllib.parse.urlsplit(link.evaluate("a => a.href"))
    assert f"{target.scheme}://{target.netloc}" == live_server.url
    assert target.path == "/"
    shown = urllib.parse.parse_qs(target.query)
    assert shown["month"] == [MONTH]
    assert shown["family"] == ["DATA"]

    # A click on a département neither navigates nor opens anything.
    box = frame.locator("#embed-map .choroplethlocation").nth(40).bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_timeout(300)
    assert frame.url == f"{live_server.url}/embed?{EMBED_QUERY}"
    assert len(page.context.pages) == 1

    # Nothing sticks out of the frame, from a phone to a column of an article.
    overflow = frame.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    box = frame.locator("#embed-map").bounding_box()
    assert box is not None
    assert box["height"] >= 240


def test_full_page_is_refused_in_a_frame_of_another_origin(
    framed: tuple[Any, TwoOrigins], live_server: LiveServer, other_site: OtherSite
) -> None:
    page, problems = framed
    src = f"{live_server.url}/?{EMBED_QUERY}"
    with (
        page.expect_console_message(lambda message: REFUSED in message.text) as refusal,
        page.expect_event("requestfailed") as blocked,
    ):
        page.goto(other_site.framing("/copy.html", src))

    assert blocked.value.url == src
    assert blocked.value.failure == "net::ERR_BLOCKED_BY_RESPONSE"
    assert "frame-ancestors 'self'" in refusal.value.text
    frame = embed_frame(page)
    assert not frame.url.startswith(live_server.url), frame.url
    assert frame.locator("#react-entry-point, .choroplethlocation").count() == 0
    # The refusal is what this test expects; anything else still fails it.
    problems.errors = [
        e for e in problems.errors if REFUSED not in e and "ERR_BLOCKED_BY_RESPONSE" not in e
    ]
