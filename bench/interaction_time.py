"""Server time of one filter change: every callback it fires, request to last response.

Replays the recorded callback requests of a month change (``capture_payloads.py``) against a
running server, for a sequence of different months × job families so that most interactions
miss the cache, as a crowd exploring the map would. Like the browser, it posts the first
recorded request, then any others at once (a change is one request since the view and its
panels became one callback); the figure is the wall time from the first request to the last
response.

    python -m bench.interaction_time --url http://127.0.0.1:8050 --runs 200
"""

from __future__ import annotations

import argparse
import copy
import itertools
import json
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench.common import post_callback, summary

PAYLOADS = Path(__file__).resolve().parent / "payloads" / "filter_change.json"
FAMILIES = [None, "PILOT", "COM", "INFRA", "DATA", "DEV", "DESIGN"]
REGIONS = [None, "11", "24", "27", "28", "32", "44", "52", "53", "75", "76", "84", "93", "94"]


def load_payloads() -> list[dict[str, Any]]:
    return json.loads(PAYLOADS.read_text(encoding="utf-8"))


def vary(
    payloads: list[dict[str, Any]],
    month: str,
    family: str | None,
    region: str | None = None,
    metric: str = "tension",
) -> list[dict[str, Any]]:
    """The same requests for another view, as the browser would send them: the controls set
    to it (the stores keep the view the page held before)."""
    out = copy.deepcopy(payloads)
    chosen = {"filter-month": month, "filter-family": family, "filter-region": region}
    chosen["filter-metric"] = metric
    for request in out:
        for item in request["inputs"]:
            if item["id"] in chosen:
                item["value"] = chosen[item["id"]]
    return out


def interaction(url: str, requests: list[dict[str, Any]], pool: ThreadPoolExecutor) -> float:
    """Milliseconds from the first request to the last response of one filter change."""
    started = time.perf_counter()
    post_callback(url, requests[0])
    list(pool.map(lambda body: post_callback(url, body), requests[1:]))
    return (time.perf_counter() - started) * 1000


def months_of(url: str) -> list[str]:
    with urllib.request.urlopen(url.rstrip("/") + "/api/v1/months", timeout=30) as response:
        return json.loads(response.read())["months"]


def run(url: str, runs: int, warmup: int = 10) -> list[float]:
    payloads = load_payloads()
    months = months_of(url)
    combos = itertools.cycle(itertools.product(reversed(months), FAMILIES))
    timings: list[float] = []
    with ThreadPoolExecutor(max_workers=len(payloads) - 1) as pool:
        for index in range(warmup + runs):
            month, family = next(combos)
            elapsed = interaction(url, vary(payloads, month, family), pool)
            if index >= warmup:
                timings.append(elapsed)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8050/")
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    timings = run(args.url, args.runs)
    print(f"filter change (6 callbacks) against {args.url}: {summary(timings)}")
    print("target: median ≤ 30 ms, p95 ≤ 80 ms")


if __name__ == "__main__":
    main()
