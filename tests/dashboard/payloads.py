"""Hand-written callback requests shared by the dashboard tests."""

from __future__ import annotations

from typing import Any


def health_request(ticks: int | None = None) -> dict[str, Any]:
    """The body the page posts to its health callback (English page, no known data version).

    ``ticks`` is the retry interval's count: ``None`` for the first check at page load, a number
    for a later retry (which then names the interval as the changed input).
    """
    return {
        "output": (
            "..data-version.data...db-alert.children...db-alert.hidden...retry-interval.disabled.."
        ),
        "outputs": [
            {"id": "data-version", "property": "data"},
            {"id": "db-alert", "property": "children"},
            {"id": "db-alert", "property": "hidden"},
            {"id": "retry-interval", "property": "disabled"},
        ],
        "inputs": [
            {"id": "retry-interval", "property": "n_intervals", "value": ticks},
            {"id": "db-error", "property": "data", "value": None},
        ],
        "changedPropIds": [] if ticks is None else ["retry-interval.n_intervals"],
        "state": [
            {"id": "lang-store", "property": "data", "value": "en"},
            {"id": "data-version", "property": "data", "value": None},
        ],
    }
