"""French-first formatting by CLDR, real plurals and complete translations."""

from __future__ import annotations

import re
import string

import numpy as np
import pytest

from dashboard.core.i18n import (
    LABELS,
    NNBSP,
    Plural,
    fmt_decimal,
    fmt_index,
    fmt_int,
    fmt_percent,
    fmt_signed_decimal,
    fmt_signed_percent,
    month_label,
    number_separators,
    plural_category,
    t,
    tn,
)

NBSP = "\xa0"  # CLDR's French space before "%" is a full no-break space, as in Intl


def _texts(entry: tuple[str, str] | tuple[Plural, Plural]) -> tuple[list[str], list[str]]:
    """The French and English texts of a table entry, both plural forms when it has them."""

    def forms(text: str | Plural) -> list[str]:
        return [text.one, text.other] if isinstance(text, Plural) else [text]

    return forms(entry[0]), forms(entry[1])


def _all_texts(entry: tuple[str, str] | tuple[Plural, Plural]) -> list[str]:
    french, english = _texts(entry)
    return [*french, *english]


def test_french_numbers_use_narrow_space_and_decimal_comma() -> None:
    assert fmt_int(83588, "fr") == f"83{NNBSP}588"
    assert fmt_int(83588, "en") == "83,588"
    assert fmt_int(12_345_678, "fr") == f"12{NNBSP}345{NNBSP}678"
    assert fmt_decimal(1234.5, "fr") == f"1{NNBSP}234,50"
    assert fmt_decimal(1234.5, "en", 1) == "1,234.5"
    assert fmt_decimal(float("inf"), "fr") == "–"
    assert fmt_int(None, "en") == "–"
    assert fmt_percent(0.25, "fr", 0) == f"25{NBSP}%"
    assert fmt_percent(0.25, "en", 0) == "25%"
    assert number_separators("fr") == (",", NNBSP)
    assert number_separators("en") == (".", ",")


def test_signed_changes_carry_the_locale_signs_and_none_on_zero() -> None:
    assert fmt_signed_percent(0.032, "fr") == f"+3,2{NBSP}%"
    assert fmt_signed_percent(0.032, "en") == "+3.2%"
    assert fmt_signed_percent(-0.3, "en") == "-30.0%"
    assert fmt_signed_percent(-0.3, "fr") == f"-30,0{NBSP}%"
    assert fmt_signed_percent(0.0, "fr") == f"0,0{NBSP}%"
    assert fmt_signed_percent(-0.0004, "en") == "0.0%"  # rounds to zero: no "-0.0%"
    assert fmt_signed_percent(0.125, "en", 0) == "+13%"
    assert fmt_signed_decimal(0.25, "fr") == "+0,25"
    assert fmt_signed_decimal(-1.5, "en", 1) == "-1.5"
    assert fmt_signed_decimal(0.001, "en") == "0.00"
    assert fmt_signed_decimal(None, "fr") == "–"


def test_rounding_is_the_browsers_half_away_from_zero_on_the_written_decimal() -> None:
    # 1.005 is 1.00499… in binary: Python's own formatting writes 1.00, Intl writes 1.01.
    assert fmt_decimal(1.005, "en") == "1.01"
    assert fmt_decimal(0.125, "en") == "0.13"  # half to even would give 0.12
    assert fmt_int(2.5, "en") == "3"
    assert fmt_int(-2.5, "en") == "-3"
    assert fmt_decimal(-0.001, "fr") == "0,00"


def test_numpy_numbers_are_formatted_like_python_ones() -> None:
    assert fmt_int(np.int64(83588), "fr") == fmt_int(83588, "fr")
    assert fmt_decimal(np.float64(0.1), "en") == "0.10"
    assert fmt_decimal(np.float64("nan"), "en") == "–"


def test_months_are_written_in_words() -> None:
    assert month_label("2023-01", "fr") == "janvier 2023"
    assert month_label("2024-08", "en") == "August 2024"
    assert month_label("2024-02", "fr") == "février 2024"
    assert month_label("2024-08", "fr") == "août 2024"


@pytest.mark.parametrize(
    ("count", "lang", "category"),
    [
        (0, "fr", "one"),
        (1, "fr", "one"),
        (2, "fr", "other"),
        (0, "en", "other"),
        (1, "en", "one"),
        (2, "en", "other"),
    ],
)
def test_cldr_plural_rule(count: int, lang: str, category: str) -> None:
    assert plural_category(count, lang) == category


def test_texts_with_a_count_take_its_plural_form() -> None:
    assert tn("sim_after", "fr", 0) == "Avec 0 formation de plus"
    assert tn("sim_after", "fr", 1) == "Avec 1 formation de plus"
    assert tn("sim_after", "fr", 2) == "Avec 2 formations de plus"
    assert tn("sim_after", "fr", 10_000) == f"Avec 10{NNBSP}000 formations de plus"
    assert tn("sim_after", "en", 0) == "With 0 more trainings"
    assert tn("sim_after", "en", 1) == "With 1 more training"
    assert tn("sim_after", "en", 2) == "With 2 more trainings"
    with pytest.raises(TypeError):
        t("sim_after", "fr")
    with pytest.raises(TypeError):
        tn("quarter", "fr", 2)


def test_no_text_writes_a_plural_in_brackets() -> None:
    for key, entry in LABELS.items():
        for text in _all_texts(entry):
            assert "(s)" not in text, key


def test_every_label_has_both_languages_with_same_placeholders() -> None:
    for key, entry in LABELS.items():
        texts = _all_texts(entry)
        assert all(texts), key
        fields = [{f for _, f, _, _ in string.Formatter().parse(text) if f} for text in texts]
        assert all(f == fields[0] for f in fields), key


def test_french_punctuation_spacing_is_written_in_the_texts() -> None:
    """Before ``: ; ? !`` French takes a narrow no-break space and English none; the texts
    carry it, so no code has to add it."""
    for key, entry in LABELS.items():
        french, english = _texts(entry)
        for text in french:
            for match in re.finditer(r"[:;?!]", text):
                before = text[match.start() - 1] if match.start() else ""
                assert before == NNBSP, (key, text)
        for text in english:
            assert not re.search(r"\s[:;?!]", text), (key, text)


def test_a_label_and_its_value_are_joined_by_the_language_template() -> None:
    assert t("label_value", "fr", label="Offres", value="12") == f"Offres{NNBSP}: 12"
    assert t("label_value", "en", label="Offers", value="12") == "Offers: 12"


def test_placeholders_are_filled() -> None:
    assert t("quarter", "fr", q=4, year=2024) == "T4 2024"
    assert t("quarter", "en", q=4, year=2024) == "Q4 2024"


def test_an_index_without_a_value_is_named_by_its_status() -> None:
    assert fmt_index(1.234, "ok", "fr") == "1,23"
    assert fmt_index(1.234, "ok", "en", 1) == "1.2"
    assert fmt_index(None, "no_trainings", "fr") == t("status_no_trainings", "fr")
    assert fmt_index(float("nan"), "no_data", "en", labels="sum_status") == t(
        "sum_status_no_data", "en"
    )
