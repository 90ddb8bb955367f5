"""Lighthouse performance and accessibility scores of the dashboard, desktop and mobile.

``first_page.py`` and ``first_load_bytes.py`` measure the first screen on this machine's
loopback; Lighthouse adds what a visitor would see on a throttled device (its simulated
"slow 4G, 4× CPU slowdown" mobile default and its desktop preset) and the accessibility audits
(axe-core). It runs the npm ``lighthouse`` package pinned in ``bench/lighthouse/package.json``
(``npm ci`` on first use; 12.x because 13.x needs Node ≥ 22.19; ``overrides`` pins the two
``"latest"`` dependencies of ``@paulirish/trace_engine``, without which ``npm ci`` calls the
lock out of sync) against Debian's Chromium, each URL × preset several times, and prints
medians with every run's score: the simulated throttling replays the run observed on this
machine, so a score can jump by 30 points when the first paint happens to come before or after
the scripts. Nothing is fetched from outside: the app serves every asset itself and Chromium
runs with background networking off. The JSON reports are kept under ``--out``; open one in
https://googlechrome.github.io/lighthouse/viewer/ to see the details.

    python -m bench.lighthouse --url http://127.0.0.1:8050 --runs 3
    python -m bench.lighthouse --path / --preset desktop --runs 1
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from bench.common import CHROMIUM, CHROMIUM_ARGS
from bench.first_load_bytes import warm_up

HERE = Path(__file__).resolve().parent / "lighthouse"
LIGHTHOUSE = HERE / "node_modules" / ".bin" / "lighthouse"
DEFAULT_PATHS = ["/", "/?region=53&family=DATA&metric=tension"]
PRESETS = ("desktop", "mobile")
CATEGORIES = "performance,accessibility,best-practices"
# Lighthouse launches Chromium itself; the shared flags, with the new headless mode it expects.
CHROME_FLAGS = " ".join(
    ["--headless=new"] + [flag for flag in CHROMIUM_ARGS if not flag.startswith("--headless")]
)
TARGETS = {"desktop": 90, "mobile": 60}  # performance score; accessibility 100 on both
METRICS = {  # audit id → (label, unit)
    "first-contentful-paint": ("FCP", "ms"),
    "largest-contentful-paint": ("LCP", "ms"),
    "total-blocking-time": ("TBT", "ms"),
    "cumulative-layout-shift": ("CLS", ""),
    "speed-index": ("Speed Index", "ms"),
}


@dataclass
class Run:
    """The figures of one Lighthouse report."""

    report: Path
    seconds: float
    scores: dict[str, float] = field(default_factory=dict)  # category → 0..100
    metrics: dict[str, float] = field(default_factory=dict)  # audit id → numericValue
    failed_a11y: list[tuple[str, str]] = field(default_factory=list)  # (id, title + where)
    lcp_element: str = ""
    bytes_total: float = 0.0
    http_errors: list[str] = field(default_factory=list)


def ensure_installed() -> None:
    """``npm ci`` the pinned Lighthouse when ``bench/lighthouse/node_modules`` is missing."""
    if LIGHTHOUSE.exists():
        return
    print(f"installing the pinned lighthouse: npm ci --prefix {HERE}", flush=True)
    subprocess.run(
        ["npm", "ci", "--prefix", str(HERE), "--no-audit", "--no-fund"],
        check=True,
    )


def version() -> str:
    package = HERE / "node_modules" / "lighthouse" / "package.json"
    return json.loads(package.read_text(encoding="utf-8"))["version"]


def run_lighthouse(url: str, preset: str, report: Path, timeout_s: float) -> Run | str:
    """One Lighthouse run; returns its figures, or why it produced none."""
    command = [
        str(LIGHTHOUSE),
        url,
        "--output=json",
        f"--output-path={report}",
        f"--only-categories={CATEGORIES}",
        f"--chrome-flags={CHROME_FLAGS}",
        "--disable-full-page-screenshot",
        "--quiet",
    ]
    if preset == "desktop":
        command.append("--preset=desktop")
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    started = time.monotonic()
    try:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=timeout_s, check=False
        )
    except subprocess.TimeoutExpired:
        return f"no report after {timeout_s:.0f} s"
    seconds = time.monotonic() - started
    if done.returncode != 0 or not report.exists():
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return f"lighthouse exited {done.returncode}: {' | '.join(tail)}"
    return parse_report(report, seconds)


def parse_report(report: Path, seconds: float) -> Run | str:
    data: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    if data.get("runtimeError"):
        error = data["runtimeError"]
        return f"runtime error {error.get('code')}: {error.get('message')}"
    audits: dict[str, Any] = data["audits"]
    run = Run(report, seconds)
    for name, category in data["categories"].items():
        if category.get("score") is not None:
            run.scores[name] = category["score"] * 100
    for audit_id in METRICS:
        value = audits.get(audit_id, {}).get("numericValue")
        if value is not None:
            run.metrics[audit_id] = value
    for ref in data["categories"].get("accessibility", {}).get("auditRefs", []):
        audit = audits.get(ref["id"], {})
        scored = audit.get("scoreDisplayMode") in ("binary", "numeric", "metricSavings")
        if scored and audit.get("score") is not None and audit["score"] < 1:
            nodes = [
                item["node"].get("selector", "?")
                for item in (audit.get("details") or {}).get("items", [])
                if isinstance(item.get("node"), dict)
            ]
            examples = ", ".join(list(dict.fromkeys(nodes))[:2])
            where = f" — {len(nodes)} element(s), e.g. {examples}" if nodes else ""
            run.failed_a11y.append((ref["id"], audit.get("title", "") + where))
    run.lcp_element = lcp_element(audits.get("largest-contentful-paint-element", {}))
    run.bytes_total = audits.get("total-byte-weight", {}).get("numericValue", 0.0)
    for item in audits.get("network-requests", {}).get("details", {}).get("items", []):
        if (item.get("statusCode") or 0) >= 400:
            run.http_errors.append(f"{item['statusCode']} {item.get('url', '')}")
    return run


def lcp_element(audit: dict[str, Any]) -> str:
    """``selector — "label"`` of the largest contentful paint element, if any."""
    details = audit.get("details") or {}
    tables = details.get("items", []) if details.get("type") == "list" else [details]
    for table in tables:
        for item in table.get("items", []):
            node = item.get("node")
            if node:
                label = re.sub(r"\s+", " ", node.get("nodeLabel", "")).strip()
                label = label if len(label) <= 80 else label[:77] + "..."
                return f'{node.get("selector", node.get("snippet", "?"))} — "{label}"'
    return f"(none reported: audit {audit.get('scoreDisplayMode', 'missing')})"


def _fmt(value: float, unit: str) -> str:
    return f"{value:,.0f} ms" if unit == "ms" else f"{value:.3f}"


def print_summary(url: str, preset: str, runs: list[Run], failures: list[str]) -> None:
    print(f"== {url} [{preset}] {len(runs)} run(s), {len(failures)} attempt(s) failed")
    for failure in failures:
        print(f"  ! {failure}")
    if not runs:
        return
    print(f"  one run took {', '.join(f'{r.seconds:.0f}' for r in runs)} s")

    def median_of(values: list[float]) -> str:
        return f"{statistics.median(values):.0f}" if values else "n/a"

    perf = [r.scores["performance"] for r in runs if "performance" in r.scores]
    a11y = [r.scores["accessibility"] for r in runs if "accessibility" in r.scores]
    best = [r.scores["best-practices"] for r in runs if "best-practices" in r.scores]
    perf_target = TARGETS[preset]
    perf_ok = perf and statistics.median(perf) >= perf_target
    a11y_ok = a11y and statistics.median(a11y) >= 100
    print(
        f"  performance {median_of(perf)} (target ≥ {perf_target} → "
        f"{'met' if perf_ok else 'missed'}; runs {', '.join(f'{v:.0f}' for v in perf)})"
    )
    print(
        f"  accessibility {median_of(a11y)} (target 100 → {'met' if a11y_ok else 'missed'}); "
        f"best practices {median_of(best)}"
    )
    for audit_id, (label, unit) in METRICS.items():
        values = [r.metrics[audit_id] for r in runs if audit_id in r.metrics]
        if values:
            print(f"  {label:<12} {_fmt(statistics.median(values), unit):>10} (median)")
    bytes_total = statistics.median([r.bytes_total for r in runs])
    print(f"  total byte weight {bytes_total:,.0f} B (median)")
    last = runs[-1]
    print(f"  LCP element (last run): {last.lcp_element}")
    if last.failed_a11y:
        print("  failed accessibility audits (last run):")
        for audit_id, title in last.failed_a11y:
            print(f"    {audit_id}: {title}")
    else:
        print("  failed accessibility audits (last run): none")
    for error in last.http_errors:
        print(f"  ! HTTP {error} (the report scores a broken page)")
    print(f"  reports: {last.report.parent}")


def _slug(path: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_") or "root"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8050/", help="base URL of the app")
    parser.add_argument(
        "--path", action="append", help=f"page path, repeatable (default {DEFAULT_PATHS})"
    )
    parser.add_argument("--preset", action="append", choices=PRESETS, help="default: both")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("/tmp/genscan-lighthouse"))
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per run")
    parser.add_argument(
        "--retries",
        type=int,
        default=1,
        help="new attempts for a run without report (a busy machine makes Lighthouse's 1 s "
        "Network.getResponseBody timeout abort the whole run)",
    )
    args = parser.parse_args()
    ensure_installed()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    load1, _, _ = os.getloadavg()
    print(f"load average {load1:.1f} on {os.cpu_count()} cores; Lighthouse {version()}")
    produced = 0
    for path in args.path or DEFAULT_PATHS:
        url = urljoin(args.url.rstrip("/") + "/", path.lstrip("/"))
        warm_up(url)
        for preset in args.preset or PRESETS:
            folder = args.out / stamp / f"{_slug(path)}-{preset}"
            folder.mkdir(parents=True, exist_ok=True)
            runs: list[Run] = []
            failures: list[str] = []
            for i in range(1, args.runs + 1):
                for attempt in range(args.retries + 1):
                    report = folder / f"run{i}.json"
                    result = run_lighthouse(url, preset, report, args.timeout)
                    if isinstance(result, Run):
                        runs.append(result)
                        break
                    failures.append(f"run {i}, attempt {attempt + 1}: {result}")
            produced += len(runs)
            print_summary(url, preset, runs, failures)
            sys.stdout.flush()
    return 0 if produced else 1


if __name__ == "__main__":
    sys.exit(main())
