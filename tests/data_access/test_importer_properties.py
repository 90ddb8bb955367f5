"""Property-based tests of the snapshot parser: what is valid comes back exactly, what is broken
is refused at the right line, and nothing but ``SnapshotRejected`` ever escapes."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass

import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic_core import PydanticCustomError

from data_access.importer import (
    MAX_COUNT,
    ONLINE,
    Snapshot,
    SnapshotRejected,
    ValidationContext,
    parse_count,
    parse_snapshot,
)
from data_access.reference import load_departements, load_job_map

DEPARTEMENTS = tuple(load_departements()["code"])
POSTES = tuple(load_job_map()["poste_code"])
RULES = ValidationContext(
    departments=frozenset(DEPARTEMENTS),
    postes=frozenset(POSTES),
    max_month="2030-12",
)
MONTHS = tuple(f"{y}-{m:02d}" for y in range(2015, 2031) for m in range(1, 13))

# Header names accepted for each column, English and French.
HEADERS = {
    "month": ("month", "mois", "Mois", "MONTH"),
    "department": ("department", "departement", "département", "Département"),
    "poste": ("poste", "Poste"),
    "job_offers": ("job_offers", "offres", "Offres"),
    "trainings": ("trainings", "formations", "FORMATIONS"),
}
MEASURES = ("job_offers", "trainings")
LINE_ENDINGS = ("\n", "\r\n", "\r")
THOUSANDS_SEPARATORS = (" ", "\u00a0", "\u202f")  # narrow no-break space: not in cp1252

PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@dataclass(frozen=True)
class Row:
    month: str
    department: str  # canonical code, or "online"
    poste: str
    job_offers: int | None
    trainings: int | None
    written_department: str  # as the file writes it: "1", "2a", " 75", "Online"…
    written_counts: tuple[str, str]


@dataclass(frozen=True)
class Layout:
    columns: tuple[str, ...]  # canonical names, in file order
    headers: tuple[str, ...]
    separator: str
    line_ending: str
    encoding: str
    quote_all: bool


@dataclass(frozen=True)
class GeneratedFile:
    rows: tuple[Row, ...]
    layout: Layout

    @property
    def measures(self) -> tuple[str, ...]:
        return tuple(m for m in MEASURES if m in self.layout.columns)

    def cells(self, row: Row) -> list[str]:
        by_column = {
            "month": row.month,
            "department": row.written_department,
            "poste": row.poste,
            "job_offers": row.written_counts[0],
            "trainings": row.written_counts[1],
        }
        return [by_column[c] for c in self.layout.columns]

    def text_lines(self, rows: list[list[str]] | None = None) -> list[str]:
        """Each line of the file, without its line ending (the header first)."""
        body = [self.cells(r) for r in self.rows] if rows is None else rows
        lines = []
        for cells in [list(self.layout.headers), *body]:
            buffer = io.StringIO()
            quoting = csv.QUOTE_ALL if self.layout.quote_all else csv.QUOTE_MINIMAL
            csv.writer(
                buffer, delimiter=self.layout.separator, quoting=quoting, lineterminator=""
            ).writerow(cells)
            lines.append(buffer.getvalue())
        return lines

    def encode(self, lines: list[str]) -> bytes:
        text = "".join(line + self.layout.line_ending for line in lines)
        try:
            return text.encode(self.layout.encoding)
        except UnicodeEncodeError:  # a corruption put a character cp1252 cannot carry
            return text.encode("utf-8")

    def data(self) -> bytes:
        return self.encode(self.text_lines())


def written_count(draw: st.DrawFn, value: int | None, encoding: str) -> str:
    if value is None:
        return ""
    text = str(value)
    if value >= 1000 and draw(st.booleans()):
        separators = THOUSANDS_SEPARATORS[:2] if encoding == "cp1252" else THOUSANDS_SEPARATORS
        sep = draw(st.sampled_from(separators))
        text = f"{value:,}".replace(",", sep)
    if draw(st.booleans()):
        text = draw(st.sampled_from(["", " "])) + text + draw(st.sampled_from(["", " "]))
    return text


def written_department(draw: st.DrawFn, code: str) -> str:
    forms = [code]
    if code == ONLINE:
        forms += ["Online", "ONLINE"]
    elif code.startswith("0"):
        forms.append(code[1:])
    elif code in {"2A", "2B"}:
        forms.append(code.lower())
    return draw(st.sampled_from(forms)) + draw(st.sampled_from(["", " "]))


counts = st.integers(min_value=0, max_value=MAX_COUNT)


@st.composite
def valid_files(draw: st.DrawFn, min_rows: int = 1) -> GeneratedFile:
    measures = draw(st.sampled_from([("job_offers",), ("trainings",), ("job_offers", "trainings")]))
    columns = list(draw(st.permutations(["month", "department", "poste", *measures])))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    layout = Layout(
        columns=tuple(columns),
        headers=tuple(draw(st.sampled_from(HEADERS[c])) for c in columns),
        separator=draw(st.sampled_from([",", ";"])),
        line_ending=draw(st.sampled_from(LINE_ENDINGS)),
        encoding=encoding,
        quote_all=draw(st.booleans()),
    )
    places = (*DEPARTEMENTS, ONLINE) if "trainings" in measures else DEPARTEMENTS
    keys = draw(
        st.lists(
            st.tuples(st.sampled_from(MONTHS), st.sampled_from(places), st.sampled_from(POSTES)),
            min_size=min_rows,
            max_size=25,
            unique=True,
        )
    )
    rows = []
    for month, dep, poste in keys:
        offers = None if dep == ONLINE or "job_offers" not in measures else draw(counts)
        trainings = draw(counts) if "trainings" in measures else None
        rows.append(
            Row(
                month=month,
                department=dep,
                poste=poste,
                job_offers=offers,
                trainings=trainings,
                written_department=written_department(draw, dep),
                written_counts=(
                    written_count(draw, offers, encoding),
                    written_count(draw, trainings, encoding),
                ),
            )
        )
    return GeneratedFile(tuple(rows), layout)


def snapshot_rows(snapshot: Snapshot) -> set[tuple[str, str, str, int | None, int | None]]:
    def value(x: object) -> int | None:
        return None if pd.isna(x) else int(x)

    found = set()
    for r in snapshot.rows.astype(object).itertuples(index=False):
        found.add((r.month, r.department, r.poste, value(r.job_offers), value(r.trainings)))
    for r in snapshot.online.astype(object).itertuples(index=False):
        found.add((r.month, ONLINE, r.poste, None, value(r.trainings)))
    return found


@PROPERTY_SETTINGS
@given(valid_files())
def test_a_valid_file_round_trips_to_exactly_its_values(generated: GeneratedFile) -> None:
    snapshot = parse_snapshot(generated.data(), "generated.csv", RULES)
    expected = {(r.month, r.department, r.poste, r.job_offers, r.trainings) for r in generated.rows}
    assert snapshot_rows(snapshot) == expected
    assert snapshot.measures == generated.measures
    assert snapshot.months == tuple(sorted({r.month for r in generated.rows}))
    assert snapshot.row_count == len(generated.rows)


@PROPERTY_SETTINGS
@given(valid_files(), st.booleans(), st.data())
def test_a_valid_json_list_round_trips_to_exactly_its_values(
    generated: GeneratedFile, pretty: bool, data: st.DataObject
) -> None:
    records = []
    for row in generated.rows:
        record: dict[str, object] = {"month": row.month, "department": row.written_department}
        record["poste"] = row.poste
        values = (row.job_offers, row.trainings)
        for measure, value, text in zip(MEASURES, values, row.written_counts, strict=True):
            if value is not None:
                record[measure] = data.draw(st.sampled_from([value, text]))
        records.append(record)
    text = json.dumps(records, indent=2 if pretty else None, ensure_ascii=data.draw(st.booleans()))
    snapshot = parse_snapshot(text.encode("utf-8"), "generated.json", RULES)
    expected = {(r.month, r.department, r.poste, r.job_offers, r.trainings) for r in generated.rows}
    assert snapshot_rows(snapshot) == expected


# -- one corruption, found at its line ----------------------------------------------------------

NON_INTEGER_COUNTS = ("12,5", "1.5", "-3", "-0", "s", "nd", "1e9", "10000001", "x", "+4", "٣")
UNKNOWN_DEPARTMENTS = ("20", "96", "975", "00", "2C", "999", "France")
BAD_MONTHS = ("2014-12", "2031-01", "2023/01", "2023-1", "01-2023", "2023-13", "2023-00", "")

CORRUPTIONS = (
    "count",
    "department",
    "poste",
    "month",
    "duplicate",
    "extra_field",
    "missing_field",
    "bom",
    "nul",
    "online_offers",
    "unclosed_quote",
)


@PROPERTY_SETTINGS
@given(valid_files(min_rows=2), st.sampled_from(CORRUPTIONS), st.data())
def test_a_single_corruption_is_rejected_at_its_line(
    generated: GeneratedFile, corruption: str, data: st.DataObject
) -> None:
    body = [generated.cells(r) for r in generated.rows]
    index = data.draw(st.integers(0, len(body) - 1), label="row")
    row = generated.rows[index]
    cells = body[index]
    columns = list(generated.layout.columns)
    line = index + 2  # the header is line 1
    prefix: str | None = None  # text put before the row once it is written

    if corruption == "count":
        measure = "trainings" if row.department == ONLINE else None
        measure = measure or data.draw(st.sampled_from(generated.measures))
        cells[columns.index(measure)] = data.draw(st.sampled_from(NON_INTEGER_COUNTS))
    elif corruption == "department":
        cells[columns.index("department")] = data.draw(st.sampled_from(UNKNOWN_DEPARTMENTS))
    elif corruption == "poste":
        cells[columns.index("poste")] = row.poste + data.draw(st.sampled_from(["-x", "s", " 2"]))
    elif corruption == "month":
        cells[columns.index("month")] = data.draw(st.sampled_from(BAD_MONTHS))
    elif corruption == "duplicate":
        body.insert(index + 1, list(cells))
        line += 1
    elif corruption == "extra_field":
        cells.append("0")
    elif corruption == "missing_field":
        cells.pop(data.draw(st.integers(0, len(cells) - 1)))
    elif corruption == "online_offers":
        assume("job_offers" in columns and "trainings" in columns)
        cells[columns.index("department")] = ONLINE
        cells[columns.index("job_offers")] = "5"
        cells[columns.index("trainings")] = "1"
    else:
        prefix = {"bom": "\ufeff", "nul": "\x00", "unclosed_quote": '"'}[corruption]

    lines = generated.text_lines(body)
    if prefix is not None:
        lines[line - 1] = prefix + lines[line - 1]
    bad = generated.encode(lines)
    with pytest.raises(SnapshotRejected) as caught:
        parse_snapshot(bad, "corrupted.csv", RULES)
    issues = caught.value.issues
    assert issues
    assert {i.line for i in issues} == {line}, [str(i) for i in issues]
    assert all(i.file == "corrupted.csv" for i in issues)


# -- parse_count --------------------------------------------------------------------------------

_GROUPED = re.compile(r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+", re.ASCII)


@settings(max_examples=300, deadline=None)
@given(counts, st.sampled_from(THOUSANDS_SEPARATORS), st.sampled_from(["", " ", "\t"]))
def test_parse_count_reads_every_count_written_plain_or_grouped(
    value: int, separator: str, padding: str
) -> None:
    assert parse_count(value) == value
    assert parse_count(padding + str(value) + padding) == value
    assert parse_count(f"{value:,}".replace(",", separator)) == value


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=12),
        st.text(alphabet="0123456789 -+.,eE\u00a0\u202f\u0663\uff11", max_size=14),
        st.from_regex(r"\A-?[0-9]{1,30}\Z"),
        st.integers(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.booleans(),
        st.lists(st.integers(), max_size=2),
        st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
    )
)
def test_parse_count_accepts_only_whole_numbers_from_0_to_the_maximum(value: object) -> None:
    try:
        number = parse_count(value)
    except PydanticCustomError:
        if isinstance(value, str):
            text = value.strip()
            assert text != ""
            # A plain or grouped whole number within range is never refused.
            plain = text.replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
            if re.fullmatch(r"\d+", text, re.ASCII) or _GROUPED.fullmatch(text):
                assert int(plain) > MAX_COUNT
        return
    if number is None:
        assert value is None or (isinstance(value, str) and value.strip() == "")
        return
    assert type(number) is int
    assert 0 <= number <= MAX_COUNT
    if isinstance(value, str):
        text = value.strip()
        assert re.fullmatch(r"\d+", text, re.ASCII) or _GROUPED.fullmatch(text), value
        assert int(re.sub(r"\D", "", text, flags=re.ASCII)) == number
    else:
        assert type(value) is int
        assert value == number


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1), st.booleans())
def test_parse_count_refuses_every_negative(value: int, as_text: bool) -> None:
    with pytest.raises(PydanticCustomError):
        parse_count(str(-value) if as_text else -value)


# -- nothing but SnapshotRejected escapes -------------------------------------------------------

FILE_NAMES = st.sampled_from(["x.csv", "x.json", "x.bin", "x"])
CSV_TOKENS = (
    *',;"\n\r \t-0123456789',
    *("month", "mois", "department", "poste", "job_offers", "trainings"),
    *("2023-01", "01", "2A", "online", "data-analyst", "\ufeff", "\u00a0", "é"),
)
CSV_ALPHABET = st.sampled_from(CSV_TOKENS)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["month", "department", "poste", "job_offers", "trainings", "mois", "x"]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)


def parses_or_is_rejected(data: bytes, name: str) -> None:
    try:
        parse_snapshot(data, name, RULES)
    except SnapshotRejected as exc:
        rejected = exc
    else:
        return
    assert rejected.issues
    assert all(i.file == name for i in rejected.issues)
    assert all(i.line is None or i.line >= 1 for i in rejected.issues)
    assert rejected.total >= len(rejected.issues)


@PROPERTY_SETTINGS
@given(st.binary(max_size=600), FILE_NAMES)
def test_arbitrary_bytes_raise_nothing_but_snapshot_rejected(data: bytes, name: str) -> None:
    parses_or_is_rejected(data, name)


@PROPERTY_SETTINGS
@given(st.lists(CSV_ALPHABET, max_size=60).map("".join), FILE_NAMES)
def test_csv_like_text_raises_nothing_but_snapshot_rejected(text: str, name: str) -> None:
    parses_or_is_rejected(text.encode("utf-8"), name)


@PROPERTY_SETTINGS
@given(json_values, st.booleans())
def test_any_json_document_raises_nothing_but_snapshot_rejected(
    value: object, pretty: bool
) -> None:
    text = json.dumps(value, indent=2 if pretty else None)
    parses_or_is_rejected(text.encode("utf-8"), "x.json")


@PROPERTY_SETTINGS
@given(valid_files(), st.data())
def test_mangled_bytes_of_a_valid_file_raise_nothing_but_snapshot_rejected(
    generated: GeneratedFile, data: st.DataObject
) -> None:
    raw = bytearray(generated.data())
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(raw)))
        action = data.draw(st.sampled_from(["insert", "delete", "replace", "truncate"]))
        byte = data.draw(st.integers(0, 255))
        if action == "insert":
            raw.insert(position, byte)
        elif action == "truncate":
            del raw[position:]
        elif position < len(raw):
            if action == "delete":
                del raw[position]
            else:
                raw[position] = byte
    parses_or_is_rejected(bytes(raw), data.draw(FILE_NAMES))
