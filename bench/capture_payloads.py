"""Record the real ``/_dash-update-component`` requests of one filter change.

Opens the dashboard in headless Chromium, waits for the first render, changes the month, and
writes every callback request the change fired (with its JSON body) to
``bench/payloads/filter_change.json``. ``interaction_time.py`` and ``locustfile.py`` replay them,
so the benchmarks post exactly what a browser posts.

    python -m bench.capture_payloads --url http://127.0.0.1:8050
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from bench.common import CHROMIUM, CHROMIUM_ARGS

OUT = Path(__file__).resolve().parent / "payloads" / "filter_change.json"


def capture(url: str) -> list[dict[str, Any]]:
    """The callback requests fired by picking the previous month in the month filter."""
    requests: list[dict[str, Any]] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.goto(url)
        page.wait_for_selector("#map .choroplethlocation", timeout=30_000)
        page.wait_for_load_state("networkidle")

        def record(request: Any) -> None:
            if "_dash-update-component" in request.url:
                requests.append(json.loads(request.post_data or "{}"))

        page.on("request", record)
        page.click("#filter-month")
        page.locator(".dash-dropdown-option").nth(1).click()
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(1000)
        browser.close()
    return requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8050/")
    args = parser.parse_args()
    requests = capture(args.url)
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(requests, indent=1, ensure_ascii=False), encoding="utf-8")
    outputs = [r["output"][:70] for r in requests]
    print(f"captured {len(requests)} callback requests of one month change → {OUT}")
    for output in outputs:
        print(f"  {output}")


if __name__ == "__main__":
    main()
