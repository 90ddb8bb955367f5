"""Shared helpers of the benchmarks: timing statistics and the Chromium launch settings."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (``share`` in 0..1) of a non-empty sample."""
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def summary(values_ms: Sequence[float]) -> str:
    """``median … ms, p95 … ms (n=…)`` for a sample of durations in milliseconds."""
    return (
        f"median {statistics.median(values_ms):.1f} ms, "
        f"p95 {percentile(values_ms, 0.95):.1f} ms (n={len(values_ms)})"
    )


def post_callback(url: str, body: dict[str, Any]) -> bytes:
    """POST one callback request to a running app, the way the Dash renderer does."""
    request = urllib.request.Request(
        url.rstrip("/") + "/_dash-update-component",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()


ROOT = Path(__file__).resolve().parents[1]


BENCH_RATE_LIMIT = "1000000/minute"


def start_server(database_url: str, port: int, cache_dir: str) -> subprocess.Popen[bytes]:
    """gunicorn with the committed config on ``database_url``, once it answers."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "GENSCAN_SEED_DEMO": "0",
        "GENSCAN_CACHE_DIR": cache_dir,
        # Every simulated visitor comes from 127.0.0.1: one address, so the API's per-address
        # limit is raised for the benchmarks (a real crowd comes from many addresses).
        "GENSCAN_API_RATE_LIMIT": BENCH_RATE_LIMIT,
    }
    bin_dir = Path(sys.executable).parent
    server = subprocess.Popen(
        [
            str(bin_dir / "gunicorn"),
            *("-c", "gunicorn.conf.py", "app:server", "--access-logfile", "/dev/null"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/months", timeout=2).read()
            return server
        except OSError:
            time.sleep(1)
    server.kill()
    raise SystemExit("the server did not start")
