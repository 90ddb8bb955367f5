"""The printable report: reached from the dashboard, drawn for one territory, printed to PDF
by Chromium on A4 pages without the on-screen controls."""

from __future__ import annotations

import urllib.parse

import pytest

from data_access.settings import REPO_ROOT
from tests.browser.helpers import current_query, open_page, plain_text, wait_for_query

pytestmark = pytest.mark.browser

MONTH = "2024-12"
ARTIFACTS = REPO_ROOT / "test-artifacts"
A4_POINTS = (595.0, 842.0)
CHARTS = 2  # the map and the monthly trend


def open_report(page, path: str) -> None:
    """Open a report address and wait until its charts are drawn (the dashboard's map stays
    hidden on this page, so it is not waited for)."""
    open_page(page, path, map_drawn=False)
    page.wait_for_function(
        """(n) => {
          const plots = document.querySelectorAll('#report-content .js-plotly-plot');
          return plots.length >= n && Array.from(plots).every(p => p._fullLayout)
            && document.querySelectorAll('#report-content .choroplethlocation').length > 0;
        }""",
        arg=CHARTS,
    )


def print_pdf(page, name: str) -> tuple[list[tuple[float, float]], str]:
    """Print the page as Chromium does (A4, backgrounds), keep the file under test-artifacts,
    and return each page's size in points and the whole text, whitespace normalised."""
    from pypdf import PdfReader

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    path.write_bytes(page.pdf(format="A4", print_background=True))
    reader = PdfReader(str(path))
    sizes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]
    text = plain_text("\n".join(p.extract_text() or "" for p in reader.pages))
    return sizes, text


def _assert_a4(sizes: list[tuple[float, float]]) -> None:
    assert 1 <= len(sizes) <= 3, f"{len(sizes)} pages"
    for width, height in sizes:
        assert width == pytest.approx(A4_POINTS[0], abs=2)
        assert height == pytest.approx(A4_POINTS[1], abs=2)


def _month_row(api, **params: str) -> dict:
    rows = api.json("/trend", **params)["rows"]
    return next(r for r in rows if r["month"] == MONTH)


def test_report_link_opens_the_report_of_the_current_view(page):
    open_page(page, "/?department=29&poste=data-analyst")
    query = page.evaluate("location.search")
    link = page.locator("#report-link")
    assert link.inner_text() == "Rapport imprimable"
    assert link.get_attribute("href") == "/report" + query
    assert link.get_attribute("target") == "_blank"

    with page.context.expect_page() as opened:
        link.click()
    report = opened.value
    report.wait_for_load_state()
    assert urllib.parse.urlsplit(report.url).path == "/report"
    assert "?" + urllib.parse.urlsplit(report.url).query == query
    report.locator("#report-content h1").wait_for()
    assert report.locator("#report-content h1").inner_text() == "Rapport territorial — Finistère"
    assert report.locator("#dashboard-page").is_hidden()
    assert "Data analyst" in report.locator(".report-subtitle").inner_text()
    report.close()

    # The report's way back leads to the same dashboard view.
    open_report(page, "/report" + query)
    page.locator("#report-back").click()
    page.wait_for_function("() => location.pathname === '/'")
    wait_for_query(page, department="29", poste="data-analyst")
    assert page.locator("#dashboard-page").is_visible()
    assert page.locator("#report-page").is_hidden()
    assert current_query(page)["department"] == "29"


def test_report_of_a_department_prints_to_a4_pdf_without_controls(page, api):
    row = _month_row(api, level="department", code="29")
    year_before = next(
        r
        for r in api.json("/trend", level="department", code="29")["rows"]
        if r["month"] == "2023-12"
    )

    open_report(page, "/report?department=29")
    assert page.locator("#report-page").is_visible()
    assert page.locator("#dashboard-page").is_hidden()
    assert page.locator("#report-content h1").inner_text() == "Rapport territorial — Finistère"
    assert page.locator("#report-content h2").all_inner_texts() == [
        "Chiffres clés",
        "Ce qui a changé en un an",
        "Carte",
        "Postes les plus demandés (T4 2024)",
        "Évolution mensuelle",
        "Sources et méthode",
    ]
    offers = page.locator("#report-content .kf-value[data-measure=job_offers]").inner_text()
    assert offers == f"{row['job_offers']:,}".replace(",", "\u202f")
    # On screen the print and back buttons are there; printed, they are not.
    assert page.locator("#report-print").is_visible()
    assert page.locator("#report-print").inner_text() == "Imprimer"
    assert page.locator("#report-back").is_visible()
    page.emulate_media(media="print")
    assert page.locator("#report-print").is_hidden()
    assert page.locator("#report-back").is_hidden()
    page.emulate_media(media="null")  # back to no emulation: page.pdf() prints with print CSS

    sizes, text = print_pdf(page, "report-29.pdf")
    _assert_a4(sizes)
    assert "Rapport territorial — Finistère" in text
    assert "Finistère · tous métiers du numérique · décembre 2024" in text
    assert plain_text(f"Offres d'emploi {row['job_offers']:,}".replace(",", "\u202f")) in text
    assert plain_text(f"Formations disponibles {row['trainings']:,}") in text
    assert f"({year_before['job_offers']} → {row['job_offers']})" in text
    assert "Postes les plus demandés (T4 2024)" in text
    assert "Sources et méthode" in text
    assert "IGN – ADMIN EXPRESS" in text
    assert "Données de décembre 2024" in text
    assert "Imprimer" not in text
    assert "Retour au tableau de bord" not in text
    assert "GEN_SCAN" in text


def test_report_of_a_region_for_a_poste_prints_in_english(page, api):
    row = _month_row(api, level="region", code="53", poste="data-analyst")

    open_report(page, "/report?region=53&poste=data-analyst&lang=en")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.locator("#report-content h1").inner_text() == "Territory report — Bretagne"
    assert page.locator("#report-print").inner_text() == "Print"
    assert page.locator("#report-back").inner_text() == "Back to the dashboard"
    # The report's top postes are limited to the chosen poste.
    rows = page.locator("#report-content .report-table tbody tr")
    assert rows.count() == 1
    assert rows.first.locator("td").nth(1).inner_text() == "Data analyst"

    sizes, text = print_pdf(page, "report-53-data-analyst-en.pdf")
    _assert_a4(sizes)
    assert "Territory report — Bretagne" in text
    assert "Bretagne · Data analyst · December 2024" in text
    assert f"Job offers {row['job_offers']:,}" in text
    assert f"Trainings available {row['trainings']:,}" in text
    assert "What changed over a year" in text
    assert "Sources and method" in text
    assert "Data of December 2024" in text
    assert "Rapport territorial" not in text
    assert "Print" not in text
    assert "Back to the dashboard" not in text
