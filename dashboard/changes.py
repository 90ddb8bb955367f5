"""What changed: comparisons of a month with an earlier one, and the sentences that tell them.

Everything here is computed from figures passed in; the summary is assembled from templates in
``dashboard.i18n`` around computed facts, so it can never say what the data does not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.i18n import fmt_decimal, fmt_int, month_label, t

PERIODS = (1, 12)
# Below these, a change is reported as "stable": ±2 % of a count, ±0.05 of the index.
FLAT_SHARE = 0.02
FLAT_INDEX = 0.05


def shift_month(month: str, months: int) -> str:
    """The month ``months`` before ``month`` (``2024-03``, 12 → ``2023-03``)."""
    year, number = int(month[:4]), int(month[5:])
    total = year * 12 + (number - 1) - months
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def fragile_mask(offers: pd.Series, trainings: pd.Series, threshold: int) -> np.ndarray:
    """Where offers plus trainings are too few for the index to mean much.

    A missing measure counts as zero: a value with no data behind it is the least reliable.
    """
    total = pd.to_numeric(offers).fillna(0).astype("float64") + pd.to_numeric(trainings).fillna(
        0
    ).astype("float64")
    return (total < threshold).to_numpy()


def relative_change(now: float | None, before: float | None) -> float | None:
    """Change of a count as a share of its earlier value; ``None`` when that was zero."""
    if now is None or before is None or before == 0:
        return None
    return (now - before) / before


def compare_frames(
    current: pd.DataFrame, previous: pd.DataFrame | None, threshold: int
) -> pd.DataFrame:
    """One row per territory with the changes of offers, trainings and index between two months.

    Both frames have the API's indicator columns. Adds ``prev_*`` columns, ``offers_change`` and
    ``trainings_change`` (relative), ``tension_change`` (absolute, only where both indices are
    finite), and ``fragile`` (true when either month is below ``threshold``).
    """
    out = current.copy()
    columns = ["job_offers", "trainings", "tension_index", "tension_status"]
    if previous is None or previous.empty:
        before = pd.DataFrame({"code": out["code"]})
        for column in columns:
            before[column] = np.nan
        before["tension_status"] = "no_data"
    else:
        before = previous[["code", *columns]]
    before = before.rename(columns={c: f"prev_{c}" for c in columns})
    out = out.merge(before, on="code", how="left")
    for measure, target in (("job_offers", "offers_change"), ("trainings", "trainings_change")):
        now = pd.to_numeric(out[measure]).astype("float64")
        then = pd.to_numeric(out[f"prev_{measure}"]).astype("float64")
        out[target] = np.where(then > 0, (now - then) / then.where(then > 0), np.nan)
    out["tension_change"] = pd.to_numeric(out["tension_index"]).astype("float64") - pd.to_numeric(
        out["prev_tension_index"]
    ).astype("float64")
    out["fragile"] = fragile_mask(out["job_offers"], out["trainings"], threshold) | (
        fragile_mask(out["prev_job_offers"], out["prev_trainings"], threshold)
    )
    return out


CHANGE_COLUMN = {
    "job_offers": "offers_change",
    "trainings": "trainings_change",
    "tension": "tension_change",
}


# -- the summary --------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChangeFacts:
    """The figures a summary states, for one territory and job scope between two months."""

    month: str
    earlier: str
    offers: int | None
    offers_before: int | None
    trainings: int | None
    trainings_before: int | None
    index: float | None
    index_before: float | None
    status: str
    status_before: str
    fragile: bool
    threshold: int


def _count(row: pd.Series | None, column: str) -> int | None:
    if row is None or pd.isna(row[column]):
        return None
    return int(row[column])


def change_facts(series: pd.DataFrame, month: str, period: int, threshold: int) -> ChangeFacts:
    """Facts of ``month`` against ``period`` months earlier, from a territory's trend series."""
    earlier = shift_month(month, period)
    by_month = {row["month"]: row for _, row in series.iterrows()}
    now, then = by_month.get(month), by_month.get(earlier)

    def index(row: pd.Series | None) -> float | None:
        if row is None or pd.isna(row["tension_index"]):
            return None
        return float(row["tension_index"])

    offers, trainings = _count(now, "job_offers"), _count(now, "trainings")
    offers_before, trainings_before = _count(then, "job_offers"), _count(then, "trainings")
    fragile = bool(
        fragile_mask(
            pd.Series([offers, offers_before], dtype="Float64"),
            pd.Series([trainings, trainings_before], dtype="Float64"),
            threshold,
        ).any()
    )
    return ChangeFacts(
        month=month,
        earlier=earlier,
        offers=offers,
        offers_before=offers_before,
        trainings=trainings,
        trainings_before=trainings_before,
        index=index(now),
        index_before=index(then),
        status="no_data" if now is None else str(now["tension_status"]),
        status_before="no_data" if then is None else str(then["tension_status"]),
        fragile=fragile,
        threshold=threshold,
    )


def _direction(change: float | None) -> str:
    if change is None:
        return "unknown"
    if abs(change) < FLAT_SHARE:
        return "flat"
    return "up" if change > 0 else "down"


def _percent(change: float, lang: str) -> str:
    number = fmt_decimal(abs(change) * 100, lang, 0)
    return f"{number}\u202f%" if lang != "en" else f"{number}%"


def _count_phrase(measure: str, now: int | None, before: int | None, lang: str) -> str:
    """``les offres ont augmenté de 12 % (110 → 123)`` and its variants."""
    if now is None or before is None:
        return t(f"sum_{measure}_unknown", lang)
    figures = f"{fmt_int(before, lang)} → {fmt_int(now, lang)}"
    if before == 0:
        key = "sum_{}_none" if now == 0 else "sum_{}_appeared"
        return t(key.format(measure), lang, figures=figures)
    change = (now - before) / before
    direction = _direction(change)
    return t(
        f"sum_{measure}_{direction}",
        lang,
        pct=_percent(change, lang),
        figures=figures,
    )


def _index_phrase(facts: ChangeFacts, lang: str) -> str:
    before, now = facts.index_before, facts.index
    if before is not None and now is not None:
        if abs(now - before) < FLAT_INDEX:
            return t("sum_index_flat", lang, value=fmt_decimal(now, lang, 1))
        key = "sum_index_up" if now > before else "sum_index_down"
        return t(key, lang, before=fmt_decimal(before, lang, 1), after=fmt_decimal(now, lang, 1))
    return t(
        "sum_index_undefined",
        lang,
        before=_index_or_status(before, facts.status_before, lang),
        after=_index_or_status(now, facts.status, lang),
    )


def _index_or_status(value: float | None, status: str, lang: str) -> str:
    if value is not None and math.isfinite(value):
        return fmt_decimal(value, lang, 1)
    return t(f"sum_status_{status}", lang)


def summary_sentences(
    facts: ChangeFacts, territory: str, scope: str | None, lang: str
) -> list[str]:
    """The summary of ``facts`` in ``lang``: one sentence of changes, one of caution if fragile.

    ``scope`` is the label of the job filter (``None`` for every digital job).
    """
    if facts.offers is None and facts.trainings is None:
        return [t("sum_no_data", lang, territory=territory, month=month_label(facts.month, lang))]
    if facts.offers_before is None and facts.trainings_before is None:
        return [
            t(
                "sum_no_earlier",
                lang,
                territory=territory,
                earlier=month_label(facts.earlier, lang),
            )
        ]
    offers_dir = _direction(relative_change(facts.offers, facts.offers_before))
    trainings_dir = _direction(relative_change(facts.trainings, facts.trainings_before))
    joiner = "sum_and" if offers_dir == trainings_dir else "sum_while"
    subject = scope if scope else t("sum_all_jobs", lang)
    period = t(
        "sum_period_year" if shift_month(facts.month, 12) == facts.earlier else "sum_period_month",
        lang,
        earlier=month_label(facts.earlier, lang),
        month=month_label(facts.month, lang),
    )
    sentence = t(
        "sum_sentence",
        lang,
        territory=territory,
        scope=subject,
        period=period,
        offers=_count_phrase("offers", facts.offers, facts.offers_before, lang),
        joiner=t(joiner, lang),
        trainings=_count_phrase("trainings", facts.trainings, facts.trainings_before, lang),
        index=_index_phrase(facts, lang),
    )
    sentences = [sentence]
    if facts.fragile:
        sentences.append(t("sum_fragile", lang, threshold=facts.threshold))
    return sentences


def biggest_mover(
    compared: pd.DataFrame, column: str, within: set[str] | None = None
) -> tuple[str, float] | None:
    """Name and change of the territory whose ``column`` rose most, fragile values left out."""
    rows = compared[~compared["fragile"]]
    if within is not None:
        rows = rows[rows["code"].isin(within)]
    rows = rows[pd.to_numeric(rows[column]).notna()]
    if rows.empty:
        return None
    best = rows.loc[pd.to_numeric(rows[column]).astype("float64").idxmax()]
    return str(best["name"]), float(best[column])


def mover_sentence(mover: tuple[str, float] | None, level_key: str, lang: str) -> str | None:
    """``La plus forte hausse des offres : Finistère (+25 %).`` when one territory rose."""
    if mover is None or mover[1] <= FLAT_SHARE:
        return None
    name, change = mover
    return t("sum_mover", lang, level=t(level_key, lang), name=name, pct=_percent(change, lang))
