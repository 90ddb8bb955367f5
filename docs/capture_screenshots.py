"""Take the README's screenshots (the page on desktop and phone, the decision tools) from a
running app.

Drives Debian's headless Chromium through Playwright over a running dashboard (the demo history
makes the pictures of the README) and saves one PNG per feature under ``docs/screenshots/``:

    .venv/bin/python -m docs.capture_screenshots --url http://127.0.0.1:8050
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

from bench.common import CHROMIUM, CHROMIUM_ARGS

OUT = Path(__file__).resolve().parent / "screenshots"
SETTLED = """() => {
  if (!window.store) return false;
  const s = window.store.getState();
  if (s.appLifecycle !== 'HYDRATED' || s.isLoading) return false;
  const c = s.callbacks || {};
  return ['requested', 'prioritized', 'blocked', 'executing', 'watched', 'executed', 'stored']
    .every(k => !(c[k] || []).length);
}"""

# file name → (address, CSS selector of what to photograph)
SHOTS = {
    "what-changed.png": (
        "/?region=53&metric=job_offers&change=12&family=DATA",
        ".area-map, .area-changes",
    ),
    "reliability.png": ("/?metier=data-big-data&fragile=exclude", ".area-map"),
    "simulator.png": ("/?region=53&poste=data-analyst&plan=10&lang=en", ".area-sim"),
    "compare.png": ("/?family=DATA&compare=FR,R53,R11,29&lang=en", ".area-compare"),
    "report.png": ("/report?department=29&family=DATA", "#report-content"),
}


def settle(page: Page) -> None:
    for _ in range(3):
        page.wait_for_function(SETTLED, timeout=30_000, polling=100)
        page.wait_for_timeout(300)


def reveal(page: Page) -> None:
    """Scroll the whole page once: charts below the fold are drawn when they come into view."""
    height = page.evaluate("document.body.scrollHeight")
    for y in range(0, height, 400):
        page.evaluate(f"window.scrollTo(0, {y})")
        page.wait_for_timeout(60)
    settle(page)
    page.evaluate("window.scrollTo(0, 0)")


# file name → (address, viewport): the whole page as a visitor first sees it
OVERVIEWS = {
    "dashboard-desktop.png": ("/", {"width": 1366, "height": 900}),
    "dashboard-phone.png": ("/?region=53&family=DATA", {"width": 390, "height": 844}),
}


def overview(browser: Any, base: str, address: str, viewport: dict[str, int], target: Path) -> None:
    page = browser.new_page(viewport=viewport)
    page.goto(base.rstrip("/") + address)
    settle(page)
    reveal(page)
    page.screenshot(path=str(target), full_page=True)
    page.close()


def shoot(page: Page, base: str, address: str, selector: str, target: Path) -> None:
    page.goto(base.rstrip("/") + address)
    settle(page)
    reveal(page)
    parts = page.locator(selector)
    if parts.count() == 1:
        parts.first.screenshot(path=str(target))
        return
    # Several elements: photograph the rectangle that holds them all.
    boxes = [parts.nth(i).bounding_box() for i in range(parts.count())]
    left = min(b["x"] for b in boxes)
    top = min(b["y"] for b in boxes)
    right = max(b["x"] + b["width"] for b in boxes)
    bottom = max(b["y"] + b["height"] for b in boxes)
    page.screenshot(
        path=str(target),
        full_page=True,
        clip={"x": left, "y": top, "width": right - left, "height": bottom - top},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8050/")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, (address, viewport) in OVERVIEWS.items():
            overview(browser, args.url, address, viewport, OUT / name)
            print(f"{name}: {address}")
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        for name, (address, selector) in SHOTS.items():
            shoot(page, args.url, address, selector, OUT / name)
            print(f"{name}: {address}")
        browser.close()


if __name__ == "__main__":
    main()
