"""Vintages under any sequence of imports and reverts: the current figures always equal a replay
of the operations on a plain model, and every vintage still shows exactly the figures that stood
right after it."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from data_access import vintages
from data_access.cli import validation_context
from data_access.db import make_engine
from data_access.importer import parse_snapshot
from data_access.reference import load_reference
from data_access.store import apply_snapshot, ensure_schema, revert_vintage

MONTHS = ("2023-01", "2023-02")
PLACES = ("01", "2A", "971", "online")
POSTES = ("data-analyst", "architecte-cloud")
MEASURES = ("job_offers", "trainings")
REF = load_reference()

Cell = tuple[str, str, str, str]  # month, measure, département or online, poste
State = tuple[dict[Cell, int], frozenset[tuple[str, str]]]  # values, (month, measure) imported


@st.composite
def imports(draw: Any) -> tuple[str, tuple[str, ...], tuple[str, ...], dict[Cell, int]]:
    months = tuple(sorted(draw(st.sets(st.sampled_from(MONTHS), min_size=1))))
    chosen = draw(st.sets(st.sampled_from(MEASURES), min_size=1))
    measures = tuple(m for m in MEASURES if m in chosen)
    values: dict[Cell, int] = {}
    for month in months:
        for place in PLACES:
            for poste in POSTES:
                if draw(st.booleans()):
                    continue  # the row is left out
                for measure in measures:
                    if place == "online" and measure == "job_offers":
                        continue
                    values[(month, measure, place, poste)] = draw(st.integers(0, 5))
    if not values:  # a file needs a data row
        values[(months[0], measures[0], "01", POSTES[0])] = draw(st.integers(0, 5))
    # A file covers the months it has rows for.
    return "import", tuple(sorted({cell[0] for cell in values})), measures, values


operations = st.lists(
    st.one_of(imports(), st.tuples(st.just("revert"), st.integers(1, 8))), min_size=1, max_size=6
)


def csv_text(months: tuple[str, ...], measures: tuple[str, ...], values: dict[Cell, int]) -> str:
    rows = {}
    for (month, measure, place, poste), value in values.items():
        rows.setdefault((month, place, poste), {})[measure] = value
    lines = [",".join(["month", "department", "poste", *measures])]
    for (month, place, poste), cells in sorted(rows.items()):
        fields = ["" if cells.get(m) is None else str(cells[m]) for m in measures]
        lines.append(",".join([month, place, poste, *fields]))
    return "\n".join(lines) + "\n"


def model_import(state: State, months, measures, values) -> State:
    """The file is the whole truth for each month and measure it carries."""
    kept = {c: v for c, v in state[0].items() if not (c[0] in months and c[1] in measures)}
    return {**kept, **values}, state[1] | {(m, x) for m in months for x in measures}


def model_revert(states: list[State], target: int, months, measures) -> State:
    """The target's months and measures as they stood just before it."""
    current, before = states[-1], states[target - 1]
    pairs = {(m, x) for m in months for x in measures}
    kept = {c: v for c, v in current[0].items() if (c[0], c[1]) not in pairs}
    restored = {c: v for c, v in before[0].items() if (c[0], c[1]) in pairs}
    return {**kept, **restored}, (current[1] - pairs) | (before[1] & pairs)


def stored(conn: Any, vintage: int) -> State:
    past = vintages.as_of(conn, vintage)
    facts, online = past.of_months(list(MONTHS))
    frame = vintages.cells(facts, online, vintages._pairs(past.coverage))
    values = {
        (r.month, r.measure, r.department, r.poste): int(r.value)
        for r in frame.itertuples(index=False)
    }
    return values, frozenset(vintages._pairs(past.coverage))


@settings(max_examples=30, deadline=None)
@given(operations)
def test_any_imports_and_reverts_keep_every_vintage_reproducible(ops: list[Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'v.sqlite3'}")
        ensure_schema(engine, REF)
        rules = validation_context(engine)
        states: list[State] = [({}, frozenset())]  # states[v]: right after vintage v
        kinds: list[tuple[tuple[str, ...], tuple[str, ...]]] = [((), ())]
        for op in ops:
            if op[0] == "import":
                _, months, measures, values = op
                text = csv_text(months, measures, values)
                apply_snapshot(engine, parse_snapshot(text.encode(), "f.csv", rules), REF)
                states.append(model_import(states[-1], months, measures, values))
                kinds.append((months, measures))
            else:
                target = op[1]
                if target >= len(states):
                    continue  # no such vintage yet
                revert_vintage(engine, target, REF)
                months, measures = kinds[target]
                states.append(model_revert(states, target, months, measures))
                kinds.append((months, measures))
        with engine.connect() as conn:
            assert vintages.current_id(conn) == len(states) - 1
            for vintage, expected in enumerate(states):
                assert stored(conn, vintage) == expected, vintage
        engine.dispose()
