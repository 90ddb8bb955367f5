"""Time until the first screen is usable: map coloured and key figures shown.

Navigates headless Chromium to the page (new browser context each run, so nothing is cached)
and measures from navigation start to the moment the map has painted its départements and
the three key figures hold numbers.

    python -m bench.first_page --url http://127.0.0.1:8050 --runs 10
"""

from __future__ import annotations

import argparse
import statistics

from playwright.sync_api import sync_playwright

from bench.common import CHROMIUM, CHROMIUM_ARGS, percentile

READY = """() => document.querySelectorAll('#map .choroplethlocation').length >= 101
    && document.querySelectorAll('#key-figures .kf-value').length === 3"""


def measure(url: str, runs: int) -> list[float]:
    timings: list[float] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(runs):
            context = browser.new_context(viewport={"width": 1366, "height": 900})
            page = context.new_page()
            page.goto(url, wait_until="commit")
            page.wait_for_function(READY, timeout=30_000)
            timings.append(page.evaluate("performance.now()"))
            context.close()
        browser.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8050/")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    timings = measure(args.url, args.runs)
    print(
        f"first screen usable (map painted, key figures shown): "
        f"median {statistics.median(timings):.0f} ms, p95 {percentile(timings, 0.95):.0f} ms "
        f"over {len(timings)} cold loads; target ≤ 2000 ms"
    )


if __name__ == "__main__":
    main()
