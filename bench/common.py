"""Shared helpers of the benchmarks: timing statistics and the Chromium launch settings."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

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
