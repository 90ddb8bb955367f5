"""Bytes on the wire of a cold first load, until the map is painted and the key figures shown.

A visitor on a slow or metered connection pays for every byte the first screen needs; the time
of the first screen on this machine (``first_page.py``) hides that cost because the server is
on the loopback. This counts it in headless Chromium with the cache disabled: a new browser
context per run, and a DevTools session that sums ``encodedDataLength`` (body as sent,
compressed or not, plus headers) of every finished request. Two figures are kept: at the
moment the map has drawn its départements and ``#key-figures`` holds text ("painted"), and
once no new request started for a second and none is in flight ("idle"), so chunks fetched
lazily right after the paint are counted too. ``data:`` and ``blob:`` URLs are not on the
wire and are not counted. Prints the largest requests with their ``Content-Encoding``.

"Cold" is the browser's cache, not the server's: before measuring, the page is fetched a few
times concurrently so every gunicorn worker has run Dash's per-process setup. A worker's first
burst of requests can otherwise answer 404 for component bundles (Dash 4.4 sets its "set up"
flag before registering the bundle paths, plotly/dash#3971), and the page never paints.

    python -m bench.first_load_bytes --url http://127.0.0.1:8050 --runs 3
    python -m bench.first_load_bytes --path / --path '/?region=53&family=DATA&metric=tension'
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from bench.common import CHROMIUM, CHROMIUM_ARGS

TARGET_BYTES = 1_500_000
DEFAULT_PATHS = ["/"]
QUIET_S = 1.0  # network idle: no request started for this long and none in flight

PAINTED = """() => document.querySelectorAll('#map .choroplethlocation').length > 0
    && (document.getElementById('key-figures')?.innerText || '').trim() !== ''"""


@dataclass
class Row:
    """One request of the load, as the DevTools protocol reported it."""

    request_id: str
    url: str
    resource_type: str
    started_ms: float  # since the document request started
    ended_ms: float | None = None  # finished or failed, same origin
    status: int | None = None
    encoding: str = ""  # Content-Encoding response header; "" = identity
    mime_type: str = ""
    encoded_bytes: int = 0  # on the wire: headers + body as sent
    decoded_bytes: int = 0  # body after decompression
    finished: bool = False
    failed: str = ""  # errorText of Network.loadingFailed
    at_paint: bool = False  # finished before the page was painted

    @property
    def path(self) -> str:
        parts = urlsplit(self.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")


@dataclass
class Load:
    """One cold load of one URL."""

    url: str
    painted_ms: float = 0.0  # performance.now() when painted
    last_response_ms: float = 0.0  # last request finished, since the document request started
    idle_reached: bool = True
    painted_bytes: int = 0
    painted_requests: int = 0
    idle_bytes: int = 0
    idle_requests: int = 0
    failed_requests: int = 0
    rows: list[Row] = field(default_factory=list)


def warm_up(url: str, requests: int = 16) -> None:
    """GET ``url`` ``requests`` times, concurrently, so each server process has set itself up."""

    def get(_: int) -> None:
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                response.read()
        except OSError:
            pass  # a worker caught mid-setup; the next requests find it ready

    for _ in range(2):
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(get, range(requests // 2)))


class Recorder:
    """Collects the Network.* events of one page into rows."""

    def __init__(self) -> None:
        self.rows: dict[str, Row] = {}
        self.origin_s: float | None = None  # protocol timestamp of the first request
        self.last_start = time.monotonic()

    def on_request(self, event: dict[str, Any]) -> None:
        url = event["request"]["url"]
        if url.startswith(("data:", "blob:")):
            return
        self.last_start = time.monotonic()
        if self.origin_s is None:
            self.origin_s = event["timestamp"]
        request_id = event["requestId"]
        previous = self.rows.get(request_id)
        redirect = event.get("redirectResponse")
        if previous is not None and redirect is not None:
            # A redirect reuses the request id: keep the hop as its own finished row.
            previous.status = redirect.get("status")
            previous.encoded_bytes = int(redirect.get("encodedDataLength", 0))
            previous.finished = True
            previous.ended_ms = self._since_origin(event["timestamp"])
            self.rows[f"{request_id}#{len(self.rows)}"] = previous
        started = self._since_origin(event["timestamp"])
        self.rows[request_id] = Row(request_id, url, event.get("type", "Other"), started)

    def on_response(self, event: dict[str, Any]) -> None:
        row = self.rows.get(event["requestId"])
        if row is None:
            return
        response = event["response"]
        headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
        row.status = response.get("status")
        row.encoding = headers.get("content-encoding", "")
        row.mime_type = response.get("mimeType", "")
        row.resource_type = event.get("type", row.resource_type)

    def on_data(self, event: dict[str, Any]) -> None:
        row = self.rows.get(event["requestId"])
        if row is not None:
            row.decoded_bytes += int(event.get("dataLength", 0))

    def on_finished(self, event: dict[str, Any]) -> None:
        row = self.rows.get(event["requestId"])
        if row is not None:
            row.encoded_bytes = int(event.get("encodedDataLength", 0))
            row.finished = True
            row.ended_ms = self._since_origin(event["timestamp"])

    def on_failed(self, event: dict[str, Any]) -> None:
        row = self.rows.get(event["requestId"])
        if row is not None:
            row.failed = event.get("errorText", "failed") + (
                " (canceled)" if event.get("canceled") else ""
            )
            row.ended_ms = self._since_origin(event["timestamp"])

    def _since_origin(self, timestamp: float) -> float:
        return (timestamp - (self.origin_s or timestamp)) * 1000

    def in_flight(self) -> int:
        return sum(1 for r in self.rows.values() if not r.finished and not r.failed)

    def finished_bytes(self) -> int:
        return sum(r.encoded_bytes for r in self.rows.values() if r.finished)


def load_once(browser: Any, url: str, timeout_s: float, idle_timeout_s: float) -> Load:
    """One cold load; raises TimeoutError (with the HTTP errors seen) if the page never paints."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    recorder = Recorder()
    cdp.on("Network.requestWillBeSent", recorder.on_request)
    cdp.on("Network.responseReceived", recorder.on_response)
    cdp.on("Network.dataReceived", recorder.on_data)
    cdp.on("Network.loadingFinished", recorder.on_finished)
    cdp.on("Network.loadingFailed", recorder.on_failed)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    load = Load(url)
    try:
        try:
            page.goto(url, wait_until="commit")
            page.wait_for_function(PAINTED, timeout=timeout_s * 1000, polling=50)
        except PlaywrightError as exc:
            errors = [
                f"{r.status or r.failed} {r.path}"
                for r in recorder.rows.values()
                if r.failed or (r.status or 0) >= 400
            ]
            detail = "; ".join(errors) or str(exc).splitlines()[0]
            raise TimeoutError(f"{url} not painted ({detail}; waited ≤ {timeout_s:.0f} s)") from exc
        load.painted_ms = page.evaluate("performance.now()")
        # Events received up to now were dispatched before wait_for_function returned.
        load.painted_bytes = recorder.finished_bytes()
        load.painted_requests = len(recorder.rows)
        for row in recorder.rows.values():
            row.at_paint = row.finished
        deadline = time.monotonic() + idle_timeout_s
        while True:
            page.wait_for_timeout(100)
            quiet = time.monotonic() - recorder.last_start >= QUIET_S
            if quiet and recorder.in_flight() == 0:
                break
            if time.monotonic() > deadline:
                load.idle_reached = False
                break
        ends = [r.ended_ms for r in recorder.rows.values() if r.ended_ms is not None]
        load.last_response_ms = max(ends, default=0.0)
        load.idle_bytes = recorder.finished_bytes()
        load.idle_requests = len(recorder.rows)
        load.failed_requests = sum(1 for r in recorder.rows.values() if r.failed)
        load.rows = sorted(recorder.rows.values(), key=lambda r: r.started_ms)
    finally:
        context.close()
    return load


def measure(url: str, runs: int, timeout_s: float, idle_timeout_s: float) -> list[Load]:
    loads: list[Load] = []
    warm_up(url)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for _ in range(runs):
                loads.append(load_once(browser, url, timeout_s, idle_timeout_s))
        finally:
            browser.close()
    return loads


def _median(values: list[int] | list[float]) -> float:
    return statistics.median(values)


def report(url: str, loads: list[Load], top: int) -> None:
    print(f"== {url}")
    for i, load in enumerate(loads, 1):
        idle_note = "" if load.idle_reached else " (not idle: requests still starting)"
        print(
            f"  run {i}: painted at {load.painted_ms:,.0f} ms with {load.painted_bytes:,} B "
            f"in {load.painted_requests} requests; idle with {load.idle_bytes:,} B in "
            f"{load.idle_requests} requests (last response at {load.last_response_ms:,.0f} ms), "
            f"{load.failed_requests} failed{idle_note}"
        )
    painted = _median([x.painted_bytes for x in loads])
    idle = _median([x.idle_bytes for x in loads])
    verdict = "met" if idle <= TARGET_BYTES else "missed"
    print(
        f"  bytes on the wire, median of {len(loads)} cold loads: painted {painted:,.0f} B "
        f"({_median([x.painted_requests for x in loads]):.0f} requests), idle {idle:,.0f} B "
        f"({_median([x.idle_requests for x in loads]):.0f} requests); "
        f"target ≤ {TARGET_BYTES:,} B → {verdict}"
    )
    last = loads[-1]
    decoded = sum(r.decoded_bytes for r in last.rows)
    print(f"  last run: {decoded:,} B of bodies after decompression")
    for row in last.rows:
        if (row.status or 0) >= 400:
            print(f"  ! HTTP {row.status} {row.path}")
        elif row.failed:  # Chromium reports a 204 answer to fetch() as ERR_ABORTED
            print(f"  loading failed: {row.status or ''} {row.failed} {row.path}")
    print(f"  largest {top} requests of the last run:")
    print(f"  {'on wire B':>11} {'decoded B':>11} {'encoding':<9} {'type':<10} {'st':>3}  path")
    for row in sorted(last.rows, key=lambda r: r.encoded_bytes, reverse=True)[:top]:
        mark = "" if row.at_paint else "  (after paint)"
        path = row.path if len(row.path) <= 90 else row.path[:87] + "..."
        print(
            f"  {row.encoded_bytes:>11,} {row.decoded_bytes:>11,} {row.encoding or '-':<9} "
            f"{row.resource_type:<10} {row.status or '':>3}  {path}{mark}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8050/", help="base URL of the app")
    parser.add_argument(
        "--path",
        action="append",
        help="page path to load, repeatable (default /; try also "
        "'/?region=53&family=DATA&metric=tension')",
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--top", type=int, default=10, help="largest requests to list")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for paint")
    parser.add_argument("--idle-timeout", type=float, default=30.0, help="seconds after paint")
    parser.add_argument("--json", type=Path, help="write every run's request rows here")
    args = parser.parse_args()
    load1, _, _ = os.getloadavg()
    print(f"load average {load1:.1f} on {os.cpu_count()} cores")
    results: dict[str, list[Load]] = {}
    for path in args.path or DEFAULT_PATHS:
        url = urljoin(args.url.rstrip("/") + "/", path.lstrip("/"))
        try:
            results[url] = measure(url, args.runs, args.timeout, args.idle_timeout)
        except TimeoutError as exc:
            print(f"page never painted: {exc}", file=sys.stderr)
            sys.exit(1)
        report(url, results[url], args.top)
    if args.json:
        data = {
            url: [
                {**asdict(load), "rows": [{**asdict(r), "path": r.path} for r in load.rows]}
                for load in loads
            ]
            for url, loads in results.items()
        }
        args.json.write_text(json.dumps(data, indent=1), encoding="utf-8")
        print(f"rows written to {args.json}")


if __name__ == "__main__":
    main()
