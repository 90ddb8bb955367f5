"""Shared helpers of the benchmarks: timing statistics and the Chromium launch settings."""

from __future__ import annotations

import json
import statistics
import urllib.request
from collections.abc import Sequence
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
