"""Hand-written ``Figures`` for tests of the pure functions that read them."""

from __future__ import annotations

import numpy as np

from data_access.readmodel import Figures


def figures(rows: list[tuple]) -> Figures:
    """Figures of (key, offers, trainings, index, status) rows; ``None`` is missing."""
    keys, offers, trainings, index, status = zip(*rows, strict=True)

    def floats(values: tuple) -> np.ndarray:
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)

    return Figures(keys, floats(offers), floats(trainings), floats(index), np.array(status, object))
