"""Decision tools of the main page: what changed, reliability flags, the training-place
simulator and the territory comparison, checked against the open-data API."""

from __future__ import annotations

import contextlib
import itertools
import math
from typing import Any

import pytest

from tests.browser.helpers import (
    NNBSP,
    add_to_multi_dropdown,
    choose,
    current_query,
    feature_codes,
    grid_headers,
    grid_rows,
    open_page,
    parse_number,
    plotly_figure,
    round_like_intl,
    wait_for_query,
    wait_settled,
)

pytestmark = pytest.mark.browser

MONTH = "2024-12"
NBSP = "\xa0"  # CLDR's French space before "%"
SIM_NATIONAL_PREFIX = "France entière, même poste\u202f: indice "
BRETAGNE = "53"
CORSE = "94"
POSTE = "data-analyst"
THRESHOLD = 20  # default fragile threshold: offers + trainings below it

# -- what changed ------------------------------------------------------------------------------
MONTHS = {
    "fr": ("novembre 2024", "décembre 2023", "décembre 2024"),
    "en": ("November 2024", "December 2023", "December 2024"),
}
PHRASES = {
    "fr": {
        "offers": {
            "up": "les offres ont augmenté de {pct} ({figures})",
            "down": "les offres ont baissé de {pct} ({figures})",
            "flat": "les offres sont restées stables ({figures})",
        },
        "trainings": {
            "up": "les formations ont augmenté de {pct} ({figures})",
            "down": "les formations ont baissé de {pct} ({figures})",
            "flat": "les formations sont restées stables ({figures})",
        },
        "index_flat": "l'indice de tension est resté à {now}",
        "index_up": "l'indice de tension est passé de {before} à {now}",
        "index_down": "l'indice de tension est passé de {before} à {now}",
        "year": "sur un an ({earlier} → {month})",
        "month": "sur un mois ({earlier} → {month})",
        "same": "et",
        "other": "tandis que",
        "sentence": (
            "{territory}, {scope}, {period}\u202f: {offers}, {joiner} {trainings}\u202f; {index}."
        ),
        "scope": "tous métiers du numérique",
    },
    "en": {
        "offers": {
            "up": "offers grew {pct} ({figures})",
            "down": "offers fell {pct} ({figures})",
            "flat": "offers stayed flat ({figures})",
        },
        "trainings": {
            "up": "trainings grew {pct} ({figures})",
            "down": "trainings fell {pct} ({figures})",
            "flat": "trainings stayed flat ({figures})",
        },
        "index_flat": "the tension index stayed at {now}",
        "index_up": "the tension index rose from {before} to {now}",
        "index_down": "the tension index fell from {before} to {now}",
        "year": "over a year ({earlier} → {month})",
        "month": "over a month ({earlier} → {month})",
        "same": "and",
        "other": "while",
        "sentence": "{territory}, {scope}, {period}: {offers}, {joiner} {trainings}; {index}.",
        "scope": "all digital jobs",
    },
}


def _int_text(value: int, lang: str) -> str:
    text = f"{value:,}"
    return text if lang == "en" else text.replace(",", NNBSP)


def _decimal_text(value: float, lang: str, digits: int) -> str:
    text = f"{round_like_intl(value, digits):,.{digits}f}"
    return text if lang == "en" else text.replace(",", NNBSP).replace(".", ",")


def _direction(now: float, before: float) -> str:
    change = (now - before) / before
    return "flat" if abs(change) < 0.02 else ("up" if change > 0 else "down")


def expected_summary(territory: str, now: dict, before: dict, period: int, lang: str) -> str:
    """The summary sentence for two trend rows of the API (a reference written from the
    sentence shape, so that every number in it comes from the API)."""
    words = PHRASES[lang]

    def count(measure: str, column: str) -> tuple[str, str]:
        a, b = before[column], now[column]
        direction = _direction(b, a)
        number = _int_text(int(round_like_intl(abs(b - a) / a, 2).scaleb(2)), lang)
        pct = f"{number}%" if lang == "en" else f"{number}{NBSP}%"
        figures = f"{_int_text(a, lang)} → {_int_text(b, lang)}"
        return words[measure][direction].format(pct=pct, figures=figures), direction

    offers, offers_dir = count("offers", "job_offers")
    trainings, trainings_dir = count("trainings", "trainings")
    i0, i1 = before["tension_index"], now["tension_index"]
    key = "index_flat" if abs(i1 - i0) < 0.05 else ("index_up" if i1 > i0 else "index_down")
    index = words[key].format(before=_decimal_text(i0, lang, 1), now=_decimal_text(i1, lang, 1))
    previous_month, year_before, month = MONTHS[lang]
    period_text = words["year" if period == 12 else "month"].format(
        earlier=year_before if period == 12 else previous_month, month=month
    )
    return words["sentence"].format(
        territory=territory,
        scope=words["scope"],
        period=period_text,
        offers=offers,
        joiner=words["same" if offers_dir == trainings_dir else "other"],
        trainings=trainings,
        index=index,
    )


def _summary(page) -> list[str]:
    return page.locator("#changes-summary p").all_inner_texts()


def _wait_colorbar_title(page, title: str) -> None:
    page.wait_for_function(
        """(title) => {
          const gd = document.querySelector('#map .js-plotly-plot');
          return gd && gd._fullData[1] && gd._fullData[1].marker.colorbar.title.text === title;
        }""",
        arg=title,
    )


def _check_map_changes(page, api, earlier: str, lang: str) -> None:
    """Every drawn département carries its change of offers since ``earlier`` (customdata[2],
    as text), and within each colour scale a larger change never gets a lower colour value."""
    now = {r["code"]: r for r in api.json("/indicators", month=MONTH)["rows"]}
    then = {r["code"]: r for r in api.json("/indicators", month=earlier)["rows"]}
    main = plotly_figure(page, "map")["data"][0]
    codes = feature_codes()
    assert len(main["locations"]) >= 101
    assert {codes[loc] for loc in main["locations"]} == set(now)
    bretagne = {"22", "29", "35", "56"}
    groups: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
    for location, custom, z in zip(main["locations"], main["customdata"], main["z"], strict=True):
        code = codes[location]
        assert custom[0] == now[code]["job_offers"], code
        before = then[code]["job_offers"]
        if not before:
            assert custom[2] in ("Comparaison impossible", "No comparison"), (code, custom)
            continue
        expected = (now[code]["job_offers"] - before) / before * 100
        text = custom[2]
        assert text.endswith(f"{NBSP}%" if lang == "fr" else "%"), text
        assert parse_number(text, lang) == pytest.approx(expected, abs=0.051), (code, text)
        if abs(expected) >= 0.05:
            assert text[0] == ("+" if expected > 0 else "-"), (code, text, expected)
        groups[code in bretagne].append((expected, z))
    assert len(groups[True]) == 4
    for group in groups.values():  # Brittany, and the washed-out rest of France
        for (c1, z1), (c2, z2) in itertools.pairwise(sorted(group)):
            assert z1 <= z2 + 1e-9, (c1, z1, c2, z2)


def test_change_mode_redraws_the_map_and_the_summary_quotes_the_api(page, api):
    trend = {r["month"]: r for r in api.json("/trend", level="region", code=BRETAGNE)["rows"]}
    now, last_month, last_year = trend[MONTH], trend["2024-11"], trend["2023-12"]

    open_page(page, f"/?region={BRETAGNE}&metric=job_offers")
    assert page.locator("#filter-change input:checked").get_attribute("value") == "level"
    assert page.locator("#filter-change label").all_inner_texts() == [
        "Valeurs du mois",
        "Évolution sur 1 mois",
        "Évolution sur 12 mois",
    ]
    _wait_colorbar_title(page, "Offres d'emploi")
    assert "Évolution depuis" not in plotly_figure(page, "map")["data"][0]["hovertemplate"]
    # Without a change mode the summary speaks of a year.
    summary = _summary(page)
    assert summary[0] == expected_summary("Bretagne", now, last_year, 12, "fr")
    assert "(évolution sur 12 mois)" in page.locator("#changes-note").inner_text()

    # 1. Change over one month.
    page.locator("#filter-change label:has(input[value='1'])").click()
    wait_for_query(page, change="1")
    assert current_query(page) == {
        "month": MONTH,
        "metric": "job_offers",
        "change": "1",
        "region": BRETAGNE,
    }
    _wait_colorbar_title(page, "Évolution des offres sur 1 mois")
    template = plotly_figure(page, "map")["data"][0]["hovertemplate"]
    assert "Évolution depuis novembre 2024" in template
    assert "%{customdata[2]}" in template
    _check_map_changes(page, api, "2024-11", "fr")
    summary = _summary(page)
    assert summary[0] == expected_summary("Bretagne", now, last_month, 1, "fr")
    assert "(évolution sur 1 mois)" in page.locator("#changes-note").inner_text()
    offers = f"({_int_text(last_month['job_offers'], 'fr')} → {_int_text(now['job_offers'], 'fr')})"
    assert offers in summary[0]

    # 2. Change over twelve months.
    page.locator("#filter-change label:has(input[value='12'])").click()
    wait_for_query(page, change="12")
    _wait_colorbar_title(page, "Évolution des offres sur 12 mois")
    template = plotly_figure(page, "map")["data"][0]["hovertemplate"]
    assert "Évolution depuis décembre 2023" in template
    _check_map_changes(page, api, "2023-12", "fr")
    summary = _summary(page)
    assert summary[0] == expected_summary("Bretagne", now, last_year, 12, "fr")
    assert f"({_int_text(last_year['job_offers'], 'fr')} → " in summary[0]
    assert "(évolution sur 12 mois)" in page.locator("#changes-note").inner_text()

    # 3. The same view in English.
    page.locator("#lang-en").click()
    wait_for_query(page, lang="en", change="12", region=BRETAGNE)
    _wait_colorbar_title(page, "Change in offers over 12 months")
    assert "Change since December 2023" in plotly_figure(page, "map")["data"][0]["hovertemplate"]
    assert page.locator("#filter-change label").all_inner_texts() == [
        "Values of the month",
        "Change over 1 month",
        "Change over 12 months",
    ]
    assert page.locator("#txt-changes_title").inner_text() == "What changed"
    _check_map_changes(page, api, "2023-12", "en")
    summary = _summary(page)
    assert summary[0] == expected_summary("Bretagne", now, last_year, 12, "en")
    assert summary[0].startswith("Bretagne, all digital jobs, over a year (December 2023")
    assert f"({last_year['job_offers']:,} → {now['job_offers']:,})" in summary[0]
    assert "(change over 12 months)" in page.locator("#changes-note").inner_text()


def test_tension_change_mode_titles_the_index_change(page, api):
    open_page(page, f"/?change=12&lang=en&region={BRETAGNE}")
    assert page.locator("#filter-change input:checked").get_attribute("value") == "12"
    _wait_colorbar_title(page, "Change in the index over 12 months")
    now = {r["code"]: r for r in api.json("/indicators", month=MONTH)["rows"]}
    then = {r["code"]: r for r in api.json("/indicators", month="2023-12")["rows"]}
    main = plotly_figure(page, "map")["data"][0]
    codes = feature_codes()
    checked = 0
    for location, custom in zip(main["locations"], main["customdata"], strict=True):
        a, b = then[codes[location]]["tension_index"], now[codes[location]]["tension_index"]
        if a is None or b is None:
            continue
        assert parse_number(custom[2], "en") == pytest.approx(b - a, abs=0.0051), custom
        checked += 1
    assert checked >= 90


# -- reliability flags -------------------------------------------------------------------------
def _fragile_codes(rows: list[dict[str, Any]]) -> set[str]:
    """Départements whose offers + trainings are under the threshold. A territory with no data
    at all is shown as such (its own colour), not as a fragile value."""
    return {
        r["code"]
        for r in rows
        if (r["job_offers"] or 0) + (r["trainings"] or 0) < THRESHOLD
        and r["tension_status"] != "no_data"
    }


def test_fragile_values_are_faded_and_flagged_on_map_and_table(page, api):
    rows = api.json("/indicators", month=MONTH, level="department", poste=POSTE)["rows"]
    fragile = _fragile_codes(rows)
    assert 10 <= len(fragile) < 101, "the demo data should have fragile and solid values"

    open_page(page, f"/?poste={POSTE}")
    full = page.evaluate(
        """() => {
          const gd = document.querySelector('#map .js-plotly-plot');
          const t = gd._fullData[0];
          return {locations: Array.from(t.locations), opacity: Array.from(t.marker.opacity),
                  text: Array.from(t.text),
                  names: gd._fullData.filter(x => x.showlegend).map(x => x.name)};
        }"""
    )
    codes = feature_codes()
    for location, opacity, text in zip(
        full["locations"], full["opacity"], full["text"], strict=True
    ):
        if codes[location] in fragile:
            assert opacity == pytest.approx(0.35), location
            assert text.endswith(" (fragile < 20)"), (location, text)
        else:
            assert opacity == 1, location
            assert "fragile" not in text, (location, text)
    assert "Valeur fragile (moins de 20 offres + formations)" in full["names"]

    # The map's table says the same, in its "Fiabilité" column.
    page.locator("#txt-map_table_title").click()
    page.wait_for_function("() => document.querySelectorAll('#map-table tbody tr').length >= 101")
    assert "Fiabilité" in grid_headers(page, "map-table")
    table = grid_rows(page, "map-table")
    assert len(table) == 101
    flagged = {r["code"] for r in table if r["reliability"] == "Valeur fragile"}
    assert flagged == fragile
    assert {r["reliability"] for r in table} == {"", "Valeur fragile"}

    # In English.
    page.locator("#lang-en").click()
    wait_for_query(page, lang="en")
    page.wait_for_function(
        """() => document.querySelector('#map .js-plotly-plot')._fullData
                 .some(t => t.name === 'Fragile value (fewer than 20 offers + trainings)')"""
    )
    texts = page.evaluate(
        "() => Array.from(document.querySelector('#map .js-plotly-plot')._fullData[0].text)"
    )
    marked = {
        codes[loc]
        for loc, text in zip(full["locations"], texts, strict=True)
        if text.endswith(" (fragile < 20)")
    }
    assert marked == fragile
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('#map-table thead th button'))"
        ".some(e => e.firstChild.textContent.trim() === 'Reliability')"
    )
    flagged = {r["code"] for r in grid_rows(page, "map-table") if r["reliability"]}
    assert flagged == fragile
    assert {r["reliability"] for r in grid_rows(page, "map-table")} == {"", "Fragile value"}


def _top_rows(page) -> list[dict[str, str]]:
    return grid_rows(page, "top-jobs")


def test_excluding_fragile_values_removes_them_from_the_top_30(page):
    open_page(page, f"/?region={CORSE}")
    before = _top_rows(page)
    assert len(before) == 30
    weak = [r for r in before if r["reliability"] == "Valeur fragile"]
    solid = [r for r in before if r["reliability"] == ""]
    assert weak, "Corsica's top 30 should hold fragile postes"
    assert solid, "Corsica's top 30 should hold solid postes"
    for row in before:  # the flag follows the quarter's figures shown in the same row
        total = parse_number(row["job_offers"]) + parse_number(row["trainings"])
        assert (total < THRESHOLD) == (row["reliability"] == "Valeur fragile"), row
    caption = page.locator("#top-jobs-caption").inner_text()
    assert "exclues" not in caption

    checkbox = page.locator("#filter-fragile input[value=exclude]")
    assert not checkbox.is_checked()
    assert (
        "Exclure les valeurs fragiles des classements"
        in page.locator("#filter-fragile").inner_text()
    )
    page.locator("#filter-fragile label").click()
    wait_for_query(page, fragile="exclude", region=CORSE)
    assert checkbox.is_checked()
    page.wait_for_function(
        """() => !Array.from(document.querySelectorAll('#top-jobs [data-col=reliability]'))
                 .some(c => c.innerText.includes('Valeur fragile'))"""
    )
    after = _top_rows(page)
    assert after
    assert all(r["reliability"] == "" for r in after)
    for row in after:
        assert parse_number(row["job_offers"]) + parse_number(row["trainings"]) >= THRESHOLD
    # Every solid poste of the full ranking is still there, ranked 1, 2, 3… without gaps.
    assert {r["poste"] for r in solid} <= {r["poste"] for r in after}
    assert [int(r["rank"]) for r in after] == list(range(1, len(after) + 1))
    assert (
        page.locator("#top-jobs-caption")
        .inner_text()
        .endswith("Valeurs fragiles (moins de 20 offres + formations) exclues.")
    )

    # Unticking brings the fragile postes back.
    page.locator("#filter-fragile label").click()
    wait_for_query(page, fragile=None, region=CORSE)
    page.wait_for_function(
        """() => Array.from(document.querySelectorAll('#top-jobs [data-col=reliability]'))
                 .some(c => c.innerText.includes('Valeur fragile'))"""
    )
    assert _top_rows(page) == before


# -- simulator ---------------------------------------------------------------------------------
def _sim_table(page) -> dict[str, tuple[str, str, str]]:
    """Rows of the simulator's table: row number → (label, today, after)."""
    rows = page.locator("#sim-result .sim-table tbody tr")
    out = {}
    for i in range(rows.count()):
        row = rows.nth(i)
        out[row.get_attribute("data-row")] = (
            row.locator("th").inner_text().strip(),
            row.locator("td").nth(0).inner_text().strip(),
            row.locator("td").nth(1).inner_text().strip(),
        )
    return out


def _rank(rows: list[dict[str, Any]], code: str) -> tuple[int, int]:
    """Rank (1 = highest tension) of ``code`` and how many regions are ranked."""
    keys = {}
    for r in rows:
        status = r["tension_status"]
        if status == "ok":
            keys[r["code"]] = r["tension_index"]
        elif status == "no_trainings":
            keys[r["code"]] = math.inf
        elif status == "no_offers":
            keys[r["code"]] = -math.inf
    return 1 + sum(1 for k in keys.values() if k > keys[code]), len(keys)


def _sim_national_line(page) -> tuple[float, float]:
    line = next(
        p
        for p in page.locator("#sim-result p").all_inner_texts()
        if p.startswith(SIM_NATIONAL_PREFIX)
    )
    head, tail = line.removeprefix(SIM_NATIONAL_PREFIX).split(" aujourd'hui, ")
    return parse_number(head), parse_number(tail.removesuffix(" avec ces formations."))


def test_simulator_recomputes_index_and_rank_without_writing(page, api):
    i0 = api.json("/months")["i0"]
    params = {"month": MONTH, "level": "region", "poste": POSTE}
    regions = api.json("/indicators", **params)["rows"]
    national = api.json("/indicators", month=MONTH, level="national", poste=POSTE)["rows"][0]
    bretagne = next(r for r in regions if r["code"] == BRETAGNE)
    plan = 10

    # Without a poste the simulator asks for one.
    open_page(page, f"/?region={BRETAGNE}")
    assert (
        page.locator("#sim-result")
        .inner_text()
        .startswith("Choisissez un poste et une région ou un département")
    )
    assert page.locator("#sim-result .sim-table").count() == 0

    choose(page, "filter-poste", POSTE)
    wait_for_query(page, poste=POSTE, region=BRETAGNE)
    page.locator("#sim-result .sim-table").wait_for()
    assert page.locator("#sim-result .sim-table thead th").all_inner_texts() == [
        "Pour ce poste",
        "Aujourd'hui",
        "Avec 0 formation de plus",
    ]
    today = _sim_table(page)
    assert today["0"][0] == "Formations"
    assert parse_number(today["0"][1]) == bretagne["trainings"]
    assert today["1"][0] == "Indice de tension"
    assert parse_number(today["1"][1]) == pytest.approx(bretagne["tension_index"], abs=0.005)
    rank, ranked = _rank(regions, BRETAGNE)
    assert today["2"] == (f"Rang parmi les {ranked} régions", f"{rank}ᵉ", f"{rank}ᵉ")
    national_before, _ = _sim_national_line(page)
    assert national_before == pytest.approx(national["tension_index"], abs=0.005)

    # Typing a number of trainings recomputes the scenario and writes it in the URL.
    page.locator("#sim-plan").fill(str(plan))
    wait_for_query(page, plan=str(plan), poste=POSTE, region=BRETAGNE)
    page.wait_for_function(
        """(plan) => {
          const th = document.querySelectorAll('#sim-result .sim-table thead th')[2];
          return th && th.innerText.includes(`Avec ${plan} formation`);
        }""",
        arg=plan,
    )
    after = _sim_table(page)
    assert parse_number(after["0"][1]) == bretagne["trainings"]
    assert parse_number(after["0"][2]) == parse_number(after["0"][1]) + plan
    expected_index = math.log(bretagne["job_offers"] / (bretagne["trainings"] + plan)) / i0
    assert parse_number(after["1"][2]) == pytest.approx(expected_index, abs=0.005)
    assert parse_number(after["1"][2]) < parse_number(after["1"][1])
    scenario = [
        {**r, "tension_index": expected_index} if r["code"] == BRETAGNE else r for r in regions
    ]
    new_rank, _ = _rank(scenario, BRETAGNE)
    assert after["2"] == (f"Rang parmi les {ranked} régions", f"{rank}ᵉ", f"{new_rank}ᵉ")
    national_before, national_after = _sim_national_line(page)
    assert national_after <= national_before
    expected_national = math.log(national["job_offers"] / (national["trainings"] + plan)) / i0
    assert national_after == pytest.approx(expected_national, abs=0.005)

    # The chart marks the region after the scenario at its new rank and index.
    traces = plotly_figure(page, "sim-graph")["data"]
    marker = next(t for t in traces if t.get("name") == "Bretagne après")
    assert marker["x"] == [new_rank]
    assert marker["y"][0] == pytest.approx(expected_index, abs=1e-6)

    # Nothing was written: the API still has the same figures.
    assert api.json("/indicators", **params)["rows"] == regions

    # The address restores the scenario.
    open_page(page, f"/?region={BRETAGNE}&poste={POSTE}&plan={plan}")
    assert page.locator("#sim-plan").input_value() == str(plan)
    assert current_query(page)["plan"] == str(plan)
    page.locator("#sim-result .sim-table").wait_for()
    assert _sim_table(page) == after


def _sim_after_header(page) -> str:
    return page.locator("#sim-result .sim-table thead th").nth(2).inner_text().strip()


def test_simulator_keeps_the_last_valid_plan_when_the_entry_is_invalid(page):
    """A number the simulator refuses (above 10 000, fractional, negative) must not silently
    turn the scenario into "0 more trainings" while the box still shows the number: the last
    valid plan stays (``state.resolve_controls``: "not a valid number: keep the last good
    one"), or the page says the entry is invalid (``sim_invalid_plan``)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    open_page(page, f"/?region={BRETAGNE}&poste={POSTE}")
    box = page.locator("#sim-plan")
    box.fill("12")
    wait_for_query(page, plan="12")
    assert _sim_after_header(page) == "Avec 12 formations de plus"
    for bad in ("20000", "2.5", "-5"):
        box.fill(bad)
        # After its 0.4 s debounce the input hands Dash the entry (NaN when the browser finds
        # it invalid); then the page settles on whatever the app made of it.
        # If it sends nothing, the plan of 12 must simply still stand.
        with contextlib.suppress(PlaywrightTimeoutError):
            page.wait_for_function(
                "() => window.dash_component_api.getLayout('sim-plan').props.value !== 12",
                timeout=2_000,
            )
        wait_settled(page)
        shown = box.input_value()
        header = _sim_after_header(page)
        notice = page.locator("#notice")
        kept = current_query(page).get("plan") == "12" and header.startswith("Avec 12 ")
        assert kept, (
            f"after typing {bad!r} the box shows {shown!r}, the URL plan is "
            f"{current_query(page).get('plan')!r} and the result reads {header!r}: "
            "the invalid entry did not keep the last valid plan"
        )
        assert shown == "12", "the box should show the plan in force again"
        assert notice.is_visible()
        assert notice.inner_text().startswith(
            "Entrez un nombre entier de formations entre 0 et 10\u202f000"
        )
        box.fill("12")
        wait_for_query(page, plan="12")


# -- comparison --------------------------------------------------------------------------------
def _compare_traces(page) -> list[dict[str, Any]]:
    return plotly_figure(page, "compare-graph")["data"]


def _wait_compare_traces(page, count: int) -> None:
    page.wait_for_function(
        """(n) => {
          const gd = document.querySelector('#compare-graph .js-plotly-plot');
          return gd && gd.data && gd.data.length === n;
        }""",
        arg=count,
    )


def _check_territory(traces: list[dict[str, Any]], name: str, trend: list[dict]) -> None:
    """The three panels of one territory hold the API's trend."""
    mine = {t["yaxis"]: t for t in traces if t["name"] == name}
    assert set(mine) == {"y", "y2", "y3"}, name
    months = [f"{r['month']}-01" for r in trend]
    for axis, column in (("y", "job_offers"), ("y2", "trainings")):
        assert mine[axis]["x"] == months, (name, axis)
        assert mine[axis]["y"] == [r[column] for r in trend], (name, axis)
    expected = [r["tension_index"] for r in trend]
    assert mine["y3"]["y"] == pytest.approx(expected, abs=1e-4), name


def test_compare_draws_the_api_trends_of_each_territory(page, api):
    france = api.json("/trend", level="national")["rows"]
    bretagne = api.json("/trend", level="region", code=BRETAGNE)["rows"]
    finistere = api.json("/trend", level="department", code="29")["rows"]
    corse = api.json("/trend", level="region", code=CORSE)["rows"]

    open_page(page, "/?compare=FR")
    assert page.locator("#compare-chart").inner_text() == (
        "Ajoutez au moins deux territoires pour les comparer."
    )
    assert page.locator("#compare-graph").count() == 0  # no empty chart is drawn

    open_page(page, f"/?compare=FR,R{BRETAGNE}")
    assert current_query(page)["compare"] == f"FR,R{BRETAGNE}"
    assert page.locator("#compare-select-value .dash-dropdown-value-item").all_inner_texts() == [
        "France",
        "Région · Bretagne",
    ]
    _wait_compare_traces(page, 6)
    traces = _compare_traces(page)
    assert [t["name"] for t in traces if t["yaxis"] == "y"] == ["France", "Bretagne"]
    _check_territory(traces, "France", france)
    _check_territory(traces, "Bretagne", bretagne)

    # "Add the selection" adds the selected département.
    choose(page, "filter-department", "29")
    wait_for_query(page, department="29")
    page.locator("#compare-add").click()
    wait_for_query(page, compare=f"FR,R{BRETAGNE},29")
    _wait_compare_traces(page, 9)
    traces = _compare_traces(page)
    assert [t["name"] for t in traces if t["yaxis"] == "y"] == [
        "France",
        "Bretagne",
        "Finistère (29)",
    ]
    _check_territory(traces, "Finistère (29)", finistere)
    # Adding it again changes nothing.
    page.locator("#compare-add").click()
    wait_settled(page)
    assert current_query(page)["compare"] == f"FR,R{BRETAGNE},29"

    # The selector adds a fourth territory.
    add_to_multi_dropdown(page, "compare-select", f"R{CORSE}")
    wait_for_query(page, compare=f"FR,R{BRETAGNE},29,R{CORSE}")
    _wait_compare_traces(page, 12)
    _check_territory(_compare_traces(page), "Corse", corse)
    assert page.locator("#notice").is_hidden()


def test_compare_keeps_four_territories_and_reports_the_rest(page):
    open_page(page, f"/?compare=FR,R{BRETAGNE},29,R{CORSE},35")
    assert current_query(page)["compare"] == f"FR,R{BRETAGNE},29,R{CORSE}"
    notice = page.locator("#notice")
    assert notice.is_visible()
    assert notice.get_attribute("role") == "status"
    assert "compare=35" in notice.inner_text()
    _wait_compare_traces(page, 12)
    names = [t["name"] for t in _compare_traces(page) if t["yaxis"] == "y"]
    assert names == ["France", "Bretagne", "Finistère (29)", "Corse"]
    # The button cannot add a fifth one.
    choose(page, "filter-department", "35")
    wait_for_query(page, department="35")
    page.locator("#compare-add").click()
    wait_settled(page)
    assert current_query(page)["compare"] == f"FR,R{BRETAGNE},29,R{CORSE}"
