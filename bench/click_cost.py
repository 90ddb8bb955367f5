"""Server cost of one filter change: summed time and bytes of its callbacks, one after another.

Replays the recorded callback requests of a month change (``payloads/filter_change.json``,
read at each run, so a re-recording with more or fewer callbacks is measured as it is) against a
running server, for a different month × job family at every change so that most requests miss
the cache. The requests of a change are posted one after the other, in file order, on one
persistent HTTP connection (TCP set-up is not counted), with ``Accept-Encoding: br, gzip``; the
figures are the sum of their round trips and of their response bodies as received (still
compressed) and decompressed. After each change a ``GET /api/v1/months`` on the same connection
gives the yardstick: the cheapest request the app serves.

    python -m bench.click_cost --url http://127.0.0.1:8050 --runs 200
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import itertools
import json
import statistics
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import brotli

from bench.common import summary
from bench.interaction_time import FAMILIES, REGIONS, load_payloads, months_of, vary

HEADERS = {"Accept-Encoding": "br, gzip"}
JSON_HEADERS = {**HEADERS, "Content-Type": "application/json"}


@dataclass(frozen=True)
class Reply:
    ms: float
    wire_bytes: int  # the body as received, still compressed
    body_bytes: int  # the body decompressed
    encoding: str


def decoded_length(body: bytes, encoding: str) -> int:
    if encoding == "br":
        return len(brotli.decompress(body))
    if encoding == "gzip":
        return len(gzip.decompress(body))
    return len(body)


class Client:
    """One keep-alive connection to the app; reopened (and the request retried) if it closed."""

    def __init__(self, url: str) -> None:
        parts = urllib.parse.urlsplit(url)
        self.prefix = parts.path.rstrip("/")
        self.connection = http.client.HTTPConnection(parts.netloc, timeout=60)

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Reply:
        data = None if body is None else json.dumps(body).encode()
        headers = HEADERS if body is None else JSON_HEADERS
        for attempt in (1, 2):
            try:
                return self._round_trip(method, self.prefix + path, data, headers)
            except (http.client.RemoteDisconnected, ConnectionError):
                self.connection.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _round_trip(
        self, method: str, path: str, data: bytes | None, headers: dict[str, str]
    ) -> Reply:
        started = time.perf_counter()
        self.connection.request(method, path, body=data, headers=headers)
        response = self.connection.getresponse()
        raw = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status not in (200, 204):  # 204: a callback that prevented its update
            raise SystemExit(f"{method} {path}: HTTP {response.status}: {raw[:300]!r}")
        encoding = response.getheader("Content-Encoding", "identity")
        return Reply(elapsed, len(raw), decoded_length(raw, encoding), encoding)

    def close(self) -> None:
        self.connection.close()


def change(client: Client, requests: list[dict[str, Any]]) -> list[Reply]:
    """One filter change: its callback requests posted in order, each after the last reply."""
    return [client.request("POST", "/_dash-update-component", body) for body in requests]


def run(url: str, runs: int, warmup: int = 10) -> tuple[list[str], list[list[Reply]], list[float]]:
    """The ``output`` of each request, the replies of every measured change, the months GETs."""
    payloads = load_payloads()
    # Month × family × region: 2,646 views, so that every change of a run misses the caches.
    combos = itertools.cycle(itertools.product(REGIONS, reversed(months_of(url)), FAMILIES))
    client = Client(url)
    changes: list[list[Reply]] = []
    months_ms: list[float] = []
    try:
        for index in range(warmup + runs):
            region, month, family = next(combos)
            replies = change(client, vary(payloads, month, family, region))
            months = client.request("GET", "/api/v1/months")
            if index >= warmup:
                changes.append(replies)
                months_ms.append(months.ms)
    finally:
        client.close()
    return [p["output"] for p in payloads], changes, months_ms


def kb(values: Sequence[float]) -> str:
    return f"{statistics.median(values) / 1024:.1f} KB"


def report(
    url: str, outputs: list[str], changes: list[list[Reply]], months_ms: list[float]
) -> None:
    totals = [sum(r.ms for r in replies) for replies in changes]
    ratio = statistics.median(totals) / statistics.median(months_ms)
    print(f"filter change against {url}: {len(outputs)} requests, posted one after the other")
    print(f"  summed server time: {summary(totals)}")
    print(f"  GET /api/v1/months: {summary(months_ms)}; change / months = {ratio:.1f}×")
    wire = [sum(r.wire_bytes for r in replies) for replies in changes]
    body = [sum(r.body_bytes for r in replies) for replies in changes]
    print(f"  bytes per change: median {kb(wire)} on the wire, {kb(body)} uncompressed")
    print("  per request (median time, median bytes on the wire, encoding):")
    for position, output in enumerate(outputs):
        replies = [replies[position] for replies in changes]
        ms = statistics.median(r.ms for r in replies)
        wire_bytes = statistics.median(r.wire_bytes for r in replies)
        encodings = ",".join(sorted({r.encoding for r in replies}))
        print(f"  {position + 1}. {output[:60]:60} {ms:6.1f} ms {wire_bytes:8.0f} B  {encodings}")
    print("target: median ≤ 15 ms, p95 ≤ 30 ms, ≤ 6× GET /api/v1/months, ≤ 12 KB per change")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8050/")
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    outputs, changes, months_ms = run(args.url, args.runs)
    report(args.url, outputs, changes, months_ms)


if __name__ == "__main__":
    main()
