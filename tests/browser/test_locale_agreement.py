"""The server's numbers, percentages, month names and plural forms read as the browser's.

The server writes them with Babel, the browser with ``Intl``; both draw on CLDR. Chromium is
asked, for each language, with the page's own ``lang`` tag (``fr``, ``en``) and with the region
tag of the server's locale (``fr-FR``, ``en-GB``), under the ``Intl.NumberFormat`` options
that mean what each ``fmt_*`` function does. No page of the app is needed: a blank page has
``Intl``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dashboard.core import i18n

pytestmark = pytest.mark.browser

Case = tuple[str, float, int]  # formatter, value, decimals

_FIXED = {"minimumFractionDigits": 0, "maximumFractionDigits": 0}
# What each formatter means, as Intl.NumberFormat options (the decimals are added per case).
INTL_OPTIONS: dict[str, dict[str, str]] = {
    "fmt_int": {"signDisplay": "negative"},
    "fmt_decimal": {"signDisplay": "negative"},
    "fmt_percent": {"style": "percent", "signDisplay": "negative"},
    "fmt_signed_percent": {"style": "percent", "signDisplay": "exceptZero"},
    "fmt_signed_decimal": {"signDisplay": "exceptZero"},
}

INTEGERS = [0, 7, 42, 999, 1_000, 83_588, 123_456, 1_234_567, 12_345_678, 987_654_321, -4_321]
DECIMALS = [0.0, 0.5, 1.005, 1.015, 2.675, 0.125, 1234.5, -0.001, -1.25, 3.14159, 2.5, -2.5]
SHARES = [0.0, 0.032, -0.032, 0.125, 0.0005, -0.0004, 0.1, 1.5, 12.3456, -0.999, 0.00049]

CASES: list[Case] = [
    *[("fmt_int", float(v), 0) for v in [*INTEGERS, 2.5, -0.4, 1999.5]],
    *[("fmt_decimal", v, d) for v in [*DECIMALS, *INTEGERS] for d in (0, 1, 2, 4)],
    *[("fmt_signed_decimal", v, d) for v in DECIMALS for d in (1, 2)],
    *[("fmt_percent", v, d) for v in SHARES for d in (0, 1)],
    *[("fmt_signed_percent", v, d) for v in SHARES for d in (0, 1, 2)],
]
PLURAL_COUNTS = [0, 1, 2, 3, 10, 1_000_000]

_INTL_JS = """({tag, cases, counts}) => ({
  numbers: cases.map(([options, value]) => new Intl.NumberFormat(tag, options).format(value)),
  months: Array.from({length: 12}, (_, m) =>
    new Date(2024, m, 15).toLocaleDateString(tag, {month: 'long', year: 'numeric'})),
  plurals: counts.map((n) => new Intl.PluralRules(tag).select(n)),
})"""


def _server(case: Case, lang: str) -> str:
    name, value, digits = case
    formatter: Callable[..., str] = getattr(i18n, name)
    if name == "fmt_int":
        return formatter(value, lang)
    return formatter(value, lang, digits)


def _intl_case(case: Case) -> tuple[dict[str, Any], float]:
    name, value, digits = case
    decimals = {"minimumFractionDigits": digits, "maximumFractionDigits": digits}
    return {**INTL_OPTIONS[name], **(_FIXED if name == "fmt_int" else decimals)}, value


@pytest.fixture(scope="module")
def blank_page(browser: Any) -> Any:
    page = browser.new_page()
    yield page
    page.close()


def _tags(lang: str) -> list[str]:
    return [lang, i18n.BABEL_LOCALES[lang].replace("_", "-")]


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_numbers_months_and_plurals_agree_with_the_browsers_intl(blank_page, lang) -> None:
    expected_numbers = [_server(case, lang) for case in CASES]
    expected_months = [i18n.month_label(f"2024-{m:02d}", lang) for m in range(1, 13)]
    expected_plurals = [i18n.plural_category(n, lang) for n in PLURAL_COUNTS]
    for tag in _tags(lang):
        shown = blank_page.evaluate(
            _INTL_JS,
            {"tag": tag, "cases": [_intl_case(c) for c in CASES], "counts": PLURAL_COUNTS},
        )
        differences = [
            f"{case}: server {ours!r}, Intl({tag}) {theirs!r}"
            for case, ours, theirs in zip(CASES, expected_numbers, shown["numbers"], strict=True)
            if ours != theirs
        ]
        assert not differences, "\n".join(differences)
        assert shown["months"] == expected_months, tag
        assert shown["plurals"] == expected_plurals, tag
