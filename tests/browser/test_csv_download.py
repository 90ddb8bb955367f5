"""The CSV button downloads the figures of the current view, as the API serves them."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.browser.helpers import choose, open_page, wait_for_query

pytestmark = pytest.mark.browser

HEADER = [
    "month",
    "level",
    "region",
    "family",
    "metier",
    "poste",
    "vintage",
    "code",
    "name",
    "job_offers",
    "trainings",
    "tension_index",
    "tension_status",
]


def _download(page) -> tuple[str, list[list[str]]]:
    with page.expect_download() as info:
        page.locator("#download-csv-button").click()
    download = info.value
    assert download.failure() is None
    text = Path(download.path()).read_text(encoding="utf-8")
    return download.suggested_filename, list(csv.reader(io.StringIO(text)))


def test_csv_download_matches_the_api_for_the_view(page, api):
    metier = "data-big-data"
    open_page(page, f"/?month=2023-06&metric=job_offers&region=53&metier={metier}")
    wait_for_query(page, family="DATA", metier=metier)

    name, rows = _download(page)
    assert name == f"genscan-2023-06-53-DATA-{metier}.csv"
    expected = list(
        csv.reader(
            io.StringIO(
                api.text(
                    "/indicators",
                    month="2023-06",
                    level="department",
                    region="53",
                    family="DATA",
                    metier=metier,
                    format="csv",
                )
            )
        )
    )
    assert rows[0] == HEADER
    assert rows == expected
    body = rows[1:]
    assert sorted(r[HEADER.index("code")] for r in body) == ["22", "29", "35", "56"]
    for row in body:
        record = dict(zip(HEADER, row, strict=True))
        assert record["month"] == "2023-06"
        assert record["level"] == "department"
        assert record["region"] == "53"
        assert record["family"] == "DATA"
        assert record["metier"] == metier
        assert record["poste"] == ""
        assert int(record["job_offers"]) >= 0
        assert int(record["trainings"]) >= 0

    # The download follows the view as it changes: another month, then all of France.
    choose(page, "filter-month", "2024-01")
    wait_for_query(page, month="2024-01")
    choose(page, "filter-region", "11")
    wait_for_query(page, region="11")
    page.locator("#filter-region .dash-dropdown-clear").click()
    wait_for_query(page, region=None)
    name, rows = _download(page)
    assert name == f"genscan-2024-01-FR-DATA-{metier}.csv"
    national = api.json("/indicators", month="2024-01", family="DATA", metier=metier)["rows"]
    assert rows[0] == HEADER
    assert len(rows) - 1 == len(national) == 101
    for row, api_row in zip(rows[1:], national, strict=True):
        record = dict(zip(HEADER, row, strict=True))
        assert (record["month"], record["region"], record["metier"]) == ("2024-01", "", metier)
        assert record["code"] == api_row["code"]
        assert int(record["job_offers"]) == api_row["job_offers"]
        assert int(record["trainings"]) == api_row["trainings"]
        assert record["tension_status"] == api_row["tension_status"]
        if api_row["tension_index"] is None:
            assert record["tension_index"] == ""
        else:
            assert record["tension_index"] == f"{api_row['tension_index']:.4f}"
