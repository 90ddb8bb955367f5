"""What changed: comparisons of a month with an earlier one, and the sentences that tell them.

Everything here is computed from figures passed in; the summary is assembled from templates in
``dashboard.core.i18n`` around computed facts, so it can never say what the data does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dashboard.core.i18n import fmt_decimal, fmt_index, fmt_int, fmt_percent, month_label, t
from data_access.readmodel import Figures

PERIODS = (1, 12)
# Below these, a change is reported as "stable": ±2 % of a count, ±0.05 of the index.
FLAT_SHARE = 0.02
FLAT_INDEX = 0.05


def shift_month(month: str, months: int) -> str:
    """The month ``months`` before ``month`` (``2024-03``, 12 → ``2023-03``)."""
    year, number = int(month[:4]), int(month[5:])
    total = year * 12 + (number - 1) - months
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def fragile_mask(offers: Any, trainings: Any, threshold: int) -> np.ndarray:
    """Where offers plus trainings are too few for the index to mean much.

    A missing measure counts as zero: a value with no data behind it is the least reliable.
    """
    total = np.nan_to_num(_floats(offers)) + np.nan_to_num(_floats(trainings))
    return total < threshold


def _floats(values: Any) -> np.ndarray:
    if isinstance(values, np.ndarray) and values.dtype == np.float64:
        return values
    return pd.to_numeric(pd.Series(values)).astype("float64").to_numpy()


def relative_change(now: float | None, before: float | None) -> float | None:
    """Change of a count as a share of its earlier value; ``None`` when that was zero."""
    if now is None or before is None or before == 0:
        return None
    return (now - before) / before


@dataclass(frozen=True)
class Comparison:
    """Territories' figures of a month beside those of an earlier month, with the changes:
    counts in relative terms (none from zero), the index in absolute points (only where both
    indices are finite), and ``fragile`` where either month is below the threshold."""

    now: Figures
    before: Figures  # aligned on ``now.keys``; all missing when there is no earlier month
    offers_change: np.ndarray
    trainings_change: np.ndarray
    tension_change: np.ndarray
    fragile: np.ndarray

    def frame(self, names: list[str]) -> pd.DataFrame:
        """One row per territory: the API's indicator columns, ``prev_*`` and the changes."""
        out = self.now.frame()
        out.insert(1, "name", names)
        before = self.before.frame()
        for column in ("job_offers", "trainings", "tension_index", "tension_status"):
            out[f"prev_{column}"] = before[column].to_numpy()
        for column in ("offers_change", "trainings_change", "tension_change", "fragile"):
            out[column] = getattr(self, column)
        return out


def compare(current: Figures, previous: Figures | None, threshold: int) -> Comparison:
    """``current`` beside ``previous`` (the same territories an earlier month, or none)."""
    size = len(current)
    if previous is None:
        missing = np.full(size, np.nan)
        before = Figures(current.keys, missing, missing, missing, np.full(size, "no_data", object))
    else:
        order = [previous.position.get(key, -1) for key in current.keys]
        before = Figures(current.keys, *(_take(getattr(previous, c), order) for c in _COLUMNS))

    def share(now: np.ndarray, then: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(then > 0, (now - then) / np.where(then > 0, then, 1), np.nan)

    return Comparison(
        now=current,
        before=before,
        offers_change=share(current.job_offers, before.job_offers),
        trainings_change=share(current.trainings, before.trainings),
        tension_change=current.tension_index - before.tension_index,
        fragile=fragile_mask(current.job_offers, current.trainings, threshold)
        | fragile_mask(before.job_offers, before.trainings, threshold),
    )


_COLUMNS = ("job_offers", "trainings", "tension_index", "tension_status")


def _take(values: np.ndarray, order: list[int]) -> np.ndarray:
    """``values`` at ``order``'s positions, missing (NaN, or ``no_data``) where it is -1."""
    positions = np.array(order, dtype=np.int64)
    out = values[np.maximum(positions, 0)].copy() if len(values) else values[:0]
    if values.dtype == object:
        out = out if len(values) else np.full(len(order), "no_data", object)
        out[positions < 0] = "no_data"
    else:
        out = out if len(values) else np.full(len(order), np.nan)
        out[positions < 0] = np.nan
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


def change_facts(series: Figures, month: str, period: int, threshold: int) -> ChangeFacts:
    """Facts of ``month`` against ``period`` months earlier, from a territory's trend series."""
    earlier = shift_month(month, period)
    now, then = series.at(month), series.at(earlier)
    counts = [
        (point.job_offers or 0) + (point.trainings or 0) if point else 0 for point in (now, then)
    ]
    return ChangeFacts(
        month=month,
        earlier=earlier,
        offers=now.job_offers if now else None,
        offers_before=then.job_offers if then else None,
        trainings=now.trainings if now else None,
        trainings_before=then.trainings if then else None,
        index=now.tension_index if now else None,
        index_before=then.tension_index if then else None,
        status=now.tension_status if now else "no_data",
        status_before=then.tension_status if then else "no_data",
        # A missing measure counts as zero, as in ``fragile_mask``.
        fragile=any(count < threshold for count in counts),
        threshold=threshold,
    )


def _direction(change: float | None) -> str:
    if change is None:
        return "unknown"
    if abs(change) < FLAT_SHARE:
        return "flat"
    return "up" if change > 0 else "down"


def _percent(change: float, lang: str) -> str:
    return fmt_percent(abs(change), lang, 0)


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
        before=fmt_index(before, facts.status_before, lang, 1, "sum_status"),
        after=fmt_index(now, facts.status, lang, 1, "sum_status"),
    )


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
    compared: Comparison, names: list[str], column: str, within: set[str] | None = None
) -> tuple[str, float] | None:
    """Name and change of the territory whose ``column`` rose most, fragile values left out."""
    values = getattr(compared, column)
    keep = ~compared.fragile & ~np.isnan(values)
    if within is not None:
        keep &= np.array([code in within for code in compared.now.keys], dtype=bool)
    if not keep.any():
        return None
    best = int(np.flatnonzero(keep)[np.argmax(values[keep])])
    return names[best], float(values[best])


def mover_sentence(mover: tuple[str, float] | None, level_key: str, lang: str) -> str | None:
    """``La plus forte hausse des offres : Finistère (+25 %).`` when one territory rose."""
    if mover is None or mover[1] <= FLAT_SHARE:
        return None
    name, change = mover
    return t("sum_mover", lang, level=t(level_key, lang), name=name, pct=_percent(change, lang))
