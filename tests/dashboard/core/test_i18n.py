"""French-first formatting and complete translations."""

from __future__ import annotations

from dashboard.core.i18n import (
    LABELS,
    NNBSP,
    fmt_decimal,
    fmt_int,
    fmt_signed_percent,
    month_label,
    t,
)


def test_french_numbers_use_narrow_space_and_decimal_comma() -> None:
    assert fmt_int(83588, "fr") == f"83{NNBSP}588"
    assert fmt_int(83588, "en") == "83,588"
    assert fmt_decimal(1234.5, "fr") == f"1{NNBSP}234,50"
    assert fmt_decimal(float("inf"), "fr") == "–"
    assert fmt_signed_percent(0.125, "fr") == f"+12,5{NNBSP}%"
    assert fmt_signed_percent(-0.3, "en") == "−30.0%"


def test_months_are_written_in_words() -> None:
    assert month_label("2023-01", "fr") == "janvier 2023"
    assert month_label("2024-08", "en") == "August 2024"


def test_every_label_has_both_languages_with_same_placeholders() -> None:
    import string

    for key, (french, english) in LABELS.items():
        assert french
        assert english
        fields_fr = {f for _, f, _, _ in string.Formatter().parse(french) if f}
        fields_en = {f for _, f, _, _ in string.Formatter().parse(english) if f}
        assert fields_fr == fields_en, key


def test_placeholders_are_filled() -> None:
    assert t("quarter", "fr", q=4, year=2024) == "T4 2024"
    assert t("quarter", "en", q=4, year=2024) == "Q4 2024"


def test_an_index_without_a_value_is_named_by_its_status() -> None:
    from dashboard.core.i18n import fmt_index

    assert fmt_index(1.234, "ok", "fr") == "1,23"
    assert fmt_index(1.234, "ok", "en", 1) == "1.2"
    assert fmt_index(None, "no_trainings", "fr") == t("status_no_trainings", "fr")
    assert fmt_index(float("nan"), "no_data", "en", labels="sum_status") == t(
        "sum_status_no_data", "en"
    )
