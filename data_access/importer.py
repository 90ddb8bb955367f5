"""Reading and validating monthly snapshot files before anything touches the database.

Partners send CSV exported from French spreadsheets (``;`` or ``,``, UTF-8 with or without BOM or
Windows-1252, ``1 234`` for thousands, ``1`` for ``01``) or JSON lists of records. A file is either
entirely valid or entirely rejected: every problem is collected with its file, line and column so
that the sender can fix them all in one go.

Validation works on columns, not on one object per row: a file of a million rows holds only a few
hundred distinct months, codes and counts, so each distinct value of a column is checked once by
the rules below and every row gets its verdict by array indexing. Messages are then written for
the faulty rows only, in line order, worded as a row-by-row check would word them.
"""

from __future__ import annotations

import csv
import enum
import hashlib
import heapq
import io
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from operator import itemgetter
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from pydantic_core import PydanticCustomError

ONLINE = "online"
MAX_COUNT = 10_000_000
MIN_MONTH = "2015-01"
MAX_ISSUES_KEPT = 1000

# Accepted header names, English first, then the French ones spreadsheets carry.
COLUMN_ALIASES: Mapping[str, str] = {
    "month": "month",
    "mois": "month",
    "department": "department",
    "departement": "department",
    "département": "department",
    "poste": "poste",
    "job_offers": "job_offers",
    "offres": "job_offers",
    "trainings": "trainings",
    "formations": "trainings",
}
KEY_COLUMNS = ("month", "department", "poste")
MEASURE_COLUMNS = ("job_offers", "trainings")
# The fields of a record, in the order their problems are listed.
FIELDS = KEY_COLUMNS + MEASURE_COLUMNS

_JSON_KINDS = {
    "dict": "an object",
    "str": "a string",
    "int": "a number",
    "float": "a number",
    "bool": "true/false",
    "NoneType": "null",
}
# ASCII digits only: \d alone would also accept Arabic-Indic or full-width digits.
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$", re.ASCII)
_PLAIN_INT_RE = re.compile(r"^\d+$", re.ASCII)
# "1 234", "1 234 567" with a space, a no-break space or a narrow no-break space.
_FRENCH_THOUSANDS_RE = re.compile(r"^\d{1,3}(?:[ \u00a0\u202f]\d{3})+$", re.ASCII)
_NEWLINES = re.compile(r"\r\n|\r|\n")
# Longer integer literals are kept as text (Python refuses to convert thousands of digits).
_JSON_MAX_INT_DIGITS = 100
# JSON values that can share one check with every equal value of the same type; floats are left
# out (0.0 and -0.0 are equal but are not reported alike), as are lists and objects.
_SHAREABLE_JSON_TYPES = (str, int, bool, type(None))


@dataclass(frozen=True)
class ImportIssue:
    """One problem in a file, located precisely enough to be fixed by hand."""

    file: str
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column is not None:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


class SnapshotRejected(Exception):  # noqa: N818 - the name reads as what happened to the file
    """The file is invalid; nothing of it may be imported."""

    def __init__(self, file: str, issues: list[ImportIssue], total: int | None = None) -> None:
        self.file = file
        self.issues = issues
        self.total = total if total is not None else len(issues)
        super().__init__(f"{file}: {self.total} problem(s)")


@dataclass(frozen=True)
class Snapshot:
    """A validated file, ready to apply: departmental rows and online-only trainings."""

    file_name: str
    sha256: str
    measures: tuple[str, ...]
    months: tuple[str, ...]
    rows: pd.DataFrame  # month, department, poste, job_offers, trainings (nullable Int64)
    online: pd.DataFrame  # month, poste, trainings
    row_count: int


@dataclass(frozen=True)
class ValidationContext:
    """What a row is checked against: the codes known to the database and the allowed months."""

    departments: frozenset[str]
    postes: frozenset[str]
    max_month: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y-%m"))
    min_month: str = MIN_MONTH


def _error(kind: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(kind, message)


def parse_count(value: Any) -> int | None:
    """Read a count as French spreadsheets write it; ``None`` for an empty cell."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise _error("count", "a count must be a whole number, not true/false")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        raise _error("count", f"{value!r} is not a whole number")
    elif isinstance(value, str):
        if value.strip() == "":
            return None
        number = _count_text(value)
    else:
        raise _error("count", f"a count must be a whole number, got {type(value).__name__}")
    if number < 0:
        raise _error("count", f"{number} is negative; counts are 0 or more")
    if number > MAX_COUNT:
        raise _error("count", f"{number} is above {MAX_COUNT:,}, which cannot be a real count")
    return number


def _count_text(value: str) -> int:
    """A count written as text: digits, maybe grouped by spaces as French spreadsheets do."""
    text = value.strip()
    if _FRENCH_THOUSANDS_RE.match(text):
        text = re.sub(r"[ \u00a0\u202f]", "", text)
    if text.startswith("-") and _PLAIN_INT_RE.match(text[1:]):
        raise _error("count", f"{value!r} is negative; counts are 0 or more")
    if not _PLAIN_INT_RE.match(text):
        raise _error("count", f"{value!r} is not a whole number")
    text = text.lstrip("0") or "0"
    if len(text) > 30:  # int() refuses thousands of digits; no count comes close anyway
        raise _error(
            "count",
            f"a number of {len(text)} digits is above {MAX_COUNT:,}, which cannot be a real count",
        )
    return int(text)


def normalise_department(value: Any) -> str:
    """INSEE code as text: ``1`` → ``01``, ``2a`` → ``2A``, ``Online`` → ``online``."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise _error("department", "a département code must be text such as 01, 2A or 971")
    text = str(value).strip()
    if text.lower() == ONLINE:
        return ONLINE
    text = text.upper()
    if len(text) == 1 and text.isdigit():
        text = "0" + text
    return text


def check_month(value: Any, rules: ValidationContext) -> str:
    """A month written ``YYYY-MM`` within the accepted range; surrounding spaces are ignored."""
    text = value.strip() if isinstance(value, str) else None
    match = _MONTH_RE.match(text) if text else None
    if text is None or not match or not 1 <= int(match.group(2)) <= 12:
        raise _error("month", f"{value!r} is not a month written YYYY-MM")
    if not rules.min_month <= text <= rules.max_month:
        raise _error(
            "month", f"{text} is outside the accepted range {rules.min_month}…{rules.max_month}"
        )
    return text


def check_department(value: Any, rules: ValidationContext) -> str:
    """A current département code as stored (see ``normalise_department``), or ``online``."""
    code = normalise_department(value)
    if code != ONLINE and code not in rules.departments:
        raise _error("department", f"{str(value).strip()!r} is not a current département code")
    return code


def check_poste(value: Any, rules: ValidationContext) -> str:
    """A poste code of the job map; surrounding spaces are ignored."""
    code = value.strip() if isinstance(value, str) else value
    if not isinstance(code, str) or code not in rules.postes:
        raise _error("poste", f"{value!r} is not a poste code of the job map")
    return code


def _check_count(value: Any, _rules: ValidationContext) -> int | None:
    return parse_count(value)


# The rule of each field: its normalised value, or a ``PydanticCustomError`` saying what is wrong.
FIELD_CHECKS: Mapping[str, Callable[[Any, ValidationContext], Any]] = MappingProxyType(
    {
        "month": check_month,
        "department": check_department,
        "poste": check_poste,
        "job_offers": _check_count,
        "trainings": _check_count,
    }
)


def measure_problems(
    department: str | None,
    job_offers: int | None,
    trainings: int | None,
    measures: tuple[str, ...],
) -> list[tuple[str, str]]:
    """What a record whose fields are each valid still lacks: (column, message) pairs.

    An online row carries trainings and no job offers (a ``0`` there is accepted: a spreadsheet
    carrying both measures writes one); a departmental row has a value for every measure of the
    file.
    """
    problems: list[tuple[str, str]] = []
    if department == ONLINE:
        if job_offers:
            problems.append(
                (
                    "job_offers",
                    "online rows carry trainings only (0 job offers at most); "
                    "job offers belong to a département",
                )
            )
        if "trainings" not in measures:
            problems.append(("department", "online rows need a trainings column"))
        elif trainings is None:
            problems.append(("trainings", "missing value"))
        return problems
    values = {"job_offers": job_offers, "trainings": trainings}
    return [(measure, "missing value") for measure in measures if values[measure] is None]


def _line_at(text: str, position: int) -> int:
    """Line number of a position: ``\\n``, ``\\r\\n`` or a lone ``\\r`` ends a line, as for csv."""
    return sum(1 for _ in _NEWLINES.finditer(text, 0, position)) + 1


def _decode(data: bytes, name: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" in data:
        line = _line_at(data.decode("latin-1"), data.index(b"\x00"))
        raise SnapshotRejected(
            name,
            [
                ImportIssue(
                    name,
                    line,
                    None,
                    "binary content or UTF-16 text; expected UTF-8 or Windows-1252 text",
                )
            ],
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            line = _line_at(data.decode("latin-1"), utf8_error.start)
            raise SnapshotRejected(
                name,
                [ImportIssue(name, line, None, "not readable as UTF-8 nor as Windows-1252 text")],
            ) from None


def _canonical_header(raw: str) -> str | None:
    return COLUMN_ALIASES.get(raw.strip().strip('"').strip().lower())


class _Absent(enum.Enum):
    """A JSON record without the key: ``null`` is a value, a missing key is not."""

    KEY = enum.auto()


@dataclass(frozen=True)
class _Column:
    """One field of every data record, factorised: record ``i`` holds ``uniques[codes[i]]``.

    Checking the uniques instead of the cells is what makes a million rows cheap to validate.
    """

    codes: np.ndarray
    uniques: list[Any]

    def take(self, positions: np.ndarray) -> _Column:
        return _Column(self.codes[positions], self.uniques)


def _factorise_text(cells: Sequence[str]) -> _Column:
    """CSV cells (always text), grouped by equal value in C."""
    codes, uniques = pd.factorize(np.asarray(cells, dtype=object))
    return _Column(codes, uniques.tolist())


def _factorise_values(values: Sequence[Any]) -> _Column:
    """JSON values, grouped by equal type and value; the others are checked one by one."""
    seen: dict[tuple[type, Any], int] = {}
    uniques: list[Any] = []
    codes = np.empty(len(values), dtype=np.intp)
    for position, value in enumerate(values):
        kind = type(value)
        if kind in _SHAREABLE_JSON_TYPES or value is _Absent.KEY:
            code = seen.setdefault((kind, value), len(uniques))
        else:
            code = len(uniques)
        if code == len(uniques):
            uniques.append(value)
        codes[position] = code
    return _Column(codes, uniques)


@dataclass(frozen=True)
class _RawRecords:
    """A file cut into records, before any value is checked."""

    columns: dict[str, str]  # canonical name → label for messages
    lines: np.ndarray  # line of each data record, in file order
    order: np.ndarray  # rank of each data record among all records (several JSON share a line)
    fields: dict[str, _Column]  # canonical name → the value of each data record
    errors: list[tuple[int, int, str]]  # records that are no data row: (rank, line, message)
    issues: list[ImportIssue]  # problems of the header, which stop everything

    @classmethod
    def refused(cls, columns: dict[str, str], issues: list[ImportIssue]) -> _RawRecords:
        empty = np.empty(0, dtype=np.int64)
        return cls(columns, empty, empty, {}, [], issues)


def _check_columns(
    name: str, line: int | None, raw_names: list[str]
) -> tuple[dict[str, str], list[ImportIssue]]:
    issues: list[ImportIssue] = []
    columns: dict[str, str] = {}
    for position, raw in enumerate(raw_names, start=1):
        canonical = _canonical_header(raw)
        label = f"{position} ({raw.strip()!r})"
        if canonical is None:
            expected = ", ".join(KEY_COLUMNS + MEASURE_COLUMNS)
            issues.append(ImportIssue(name, line, label, f"unknown column; expected {expected}"))
        elif canonical in columns:
            issues.append(ImportIssue(name, line, label, f"column {canonical} appears twice"))
        else:
            columns[canonical] = label
    for key in KEY_COLUMNS:
        if key not in columns:
            issues.append(ImportIssue(name, line, None, f"missing column {key}"))
    if not any(m in columns for m in MEASURE_COLUMNS) and raw_names:
        issues.append(ImportIssue(name, line, None, "missing column: job_offers and/or trainings"))
    return columns, issues


@dataclass(frozen=True)
class _CsvTable:
    """A CSV file cut into cells: its header, then the body rows that have as many fields.

    ``lines`` is the line each such row ends on (as ``csv`` counts them); ``errors`` holds the
    rows with another number of fields and a CSV error that stopped reading, by line.
    """

    header: list[str]
    header_line: int
    columns: list[_Column]
    lines: np.ndarray
    errors: list[tuple[int, str]]


def _is_blank(cells: Sequence[str]) -> bool:
    return not any(cell.strip() for cell in cells)


def _split_plain_csv(text: str, delimiter: str) -> _CsvTable | None:
    """Cut a file without quotes whose body rows all have the header's field count; else None.

    Without a quote character ``csv`` reads each line as one record, its fields being the line
    split at the delimiter: the whole body is split at once and line numbers follow from
    positions. Anything else (quotes, ragged or blank rows, a line longer than ``csv`` accepts
    a field to be) is left to ``_read_csv``, which reports it as ``csv`` does.
    """
    if '"' in text:
        return None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.removesuffix("\n")  # the last line's end starts no record
    data = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    ends = np.append(np.flatnonzero(data == ord("\n")), len(data))
    if np.diff(ends, prepend=-1).max() > csv.field_size_limit():
        return None
    start, line = 0, 1
    while True:  # the header is the first line with something in it
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        header = text[start:end].split(delimiter)
        if not _is_blank(header):
            break
        if end == len(text):
            return None
        start, line = end + 1, line + 1
    width = len(header)
    if width <= len(KEY_COLUMNS):  # no valid header; and blank lines would pass for rows
        return None
    if end == len(text):
        empty = _Column(np.empty(0, dtype=np.intp), [])
        return _CsvTable(header, line, [empty] * width, np.empty(0, dtype=np.int64), [])
    per_line = np.diff(np.searchsorted(np.flatnonzero(data == ord(delimiter)), ends), prepend=0)
    if (per_line[line:] != width - 1).any():
        return None
    cells = text[end + 1 :].replace("\n", delimiter).split(delimiter)
    columns = [_factorise_text(cells[k::width]) for k in range(width)]
    lines = np.arange(line + 1, len(ends) + 1, dtype=np.int64)
    return _CsvTable(header, line, columns, lines, [])


def _csv_rows(
    text: str, delimiter: str
) -> tuple[list[list[str]], list[int], tuple[int, str] | None]:
    """Every record with the line it ends on, and the CSV error that stopped reading, if any.

    The error is placed on the line after the last record read: an unclosed quote swallows the
    rest of the file, and the sender must look where the broken record starts.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        for cells in reader:
            rows.append(cells)
            lines.append(reader.line_num)
    except csv.Error as exc:
        return rows, lines, ((lines[-1] if lines else 0) + 1, f"malformed CSV: {exc}")
    return rows, lines, None


def _read_csv(name: str, text: str, delimiter: str) -> _CsvTable:
    """Cut any CSV file with the ``csv`` module, one record at a time (see ``_split_plain_csv``)."""
    rows, lines, error = _csv_rows(text, delimiter)
    start = next((i for i, cells in enumerate(rows) if not _is_blank(cells)), None)
    if start is None:
        if error is not None:
            raise SnapshotRejected(name, [ImportIssue(name, error[0], None, error[1])])
        empty = np.empty(0, dtype=np.int64)
        return _CsvTable(rows[-1] if rows else [], lines[-1] if rows else 0, [], empty, [])
    header, width = rows[start], len(rows[start])
    kept: list[list[str]] = []
    kept_lines: list[int] = []
    errors: list[tuple[int, str]] = []
    for cells, line in zip(rows[start + 1 :], lines[start + 1 :], strict=True):
        if len(cells) == width:
            kept.append(cells)
            kept_lines.append(line)
        elif not _is_blank(cells):
            found = f"expected {width} fields separated by {delimiter!r}, found {len(cells)}"
            errors.append((line, found))
    if error is not None:
        errors.append(error)
    columns = [_factorise_text(list(map(itemgetter(k), kept))) for k in range(width)]
    return _CsvTable(header, lines[start], columns, np.array(kept_lines, dtype=np.int64), errors)


def _first_filled_line(text: str) -> str | None:
    """The first line with something in it, as ``str.splitlines`` cuts lines.

    Only the start of the text is cut, in growing pieces: the header is near the top, and
    splitting a million lines to find it would cost more than the rest of the reading. The last
    piece of a cut may be an incomplete line, so it only counts once the whole text is cut.
    """
    size = 1 << 12
    while True:
        lines = text[:size].splitlines()
        complete = lines if size >= len(text) else lines[:-1]
        found = next((line for line in complete if line.strip()), None)
        if found is not None or size >= len(text):
            return found
        size *= 8


def _csv_records(name: str, text: str) -> _RawRecords:
    header = _first_filled_line(text)
    if header is None:
        raise SnapshotRejected(name, [ImportIssue(name, None, None, "the file is empty")])
    delimiter = ";" if header.count(";") > header.count(",") else ","
    table = _split_plain_csv(text, delimiter) or _read_csv(name, text, delimiter)
    columns, issues = _check_columns(name, table.header_line, table.header)
    if issues:
        return _RawRecords.refused(columns, issues)
    names = [_canonical_header(h) or "" for h in table.header]  # all known: the header passed
    fields = dict(zip(names, table.columns, strict=True))
    # Rows whose cells are all blank are no records (spreadsheets leave ";;;;" lines behind).
    blank = np.ones(len(table.lines), dtype=bool)
    for column in fields.values():
        blank &= np.array([u.strip() == "" for u in column.uniques], dtype=bool)[column.codes]
    kept = np.flatnonzero(~blank)
    # Each CSV record ends on a line of its own: lines rank records.
    return _RawRecords(
        columns,
        table.lines[kept],
        table.lines[kept],
        {c: column.take(kept) for c, column in fields.items()},
        [(line, line, message) for line, message in table.errors],
        [],
    )


def _json_int(literal: str) -> int | str:
    return int(literal) if len(literal) <= _JSON_MAX_INT_DIGITS else literal


def _skip_json_space(text: str, position: int) -> int:
    while text[position] in " \t\n\r":
        position += 1
    return position


def _json_record_lines(text: str, decoder: json.JSONDecoder) -> list[int]:
    """Line on which each element of a JSON list starts (``text`` is known to be a valid list)."""
    lines: list[int] = []
    line, counted = 1, 0
    position = _skip_json_space(text, 0) + 1  # just after "["
    while True:
        position = _skip_json_space(text, position)
        if text[position] == "]":
            return lines
        line += text.count("\n", counted, position)
        counted = position
        lines.append(line)
        _, position = decoder.raw_decode(text, position)
        position = _skip_json_space(text, position)
        if text[position] == ",":
            position += 1


def _json_columns(
    data: list[Any], record_lines: list[int], columns: Mapping[str, str]
) -> tuple[list[int], list[int], dict[str, list[Any]], list[tuple[int, int, str]]]:
    """Line, rank and value of each known field of each object (``_Absent.KEY`` if it lacks it)."""
    values: dict[str, list[Any]] = {c: [] for c in columns}
    lines: list[int] = []
    order: list[int] = []
    errors: list[tuple[int, int, str]] = []
    for index, (record, line) in enumerate(zip(data, record_lines, strict=True), start=1):
        if not isinstance(record, dict):
            errors.append((index, line, f"record {index} is not an object"))
            continue
        known: dict[str, Any] = {}
        for key, value in record.items():
            canonical = _canonical_header(str(key))
            if canonical is not None:
                known[canonical] = value
        for name, column in values.items():
            column.append(known.get(name, _Absent.KEY))
        lines.append(line)
        order.append(index)
    return lines, order, values, errors


def _json_records(name: str, text: str) -> _RawRecords:
    decoder = json.JSONDecoder(parse_int=_json_int)
    try:
        data = decoder.decode(text)
    except json.JSONDecodeError as exc:
        raise SnapshotRejected(
            name, [ImportIssue(name, exc.lineno, f"{exc.colno}", f"invalid JSON: {exc.msg}")]
        ) from None
    except RecursionError:
        raise SnapshotRejected(
            name, [ImportIssue(name, None, None, "invalid JSON: nested too deeply")]
        ) from None
    if not isinstance(data, list):
        kind = _JSON_KINDS.get(type(data).__name__, type(data).__name__)
        raise SnapshotRejected(
            name,
            [ImportIssue(name, 1, None, f"expected a JSON list of records, not {kind}")],
        )
    if not data:
        raise SnapshotRejected(name, [ImportIssue(name, None, None, "the file has no records")])
    keys: list[str] = []
    for record in data:
        if isinstance(record, dict):
            keys.extend(k for k in record if k not in keys)
    columns, issues = _check_columns(name, None, [str(k) for k in keys])
    if issues:
        return _RawRecords.refused(columns, issues)
    lines, order, values, errors = _json_columns(data, _json_record_lines(text, decoder), columns)
    fields = {c: _factorise_values(column) for c, column in values.items()}
    return _RawRecords(
        columns,
        np.array(lines, dtype=np.int64),
        np.array(order, dtype=np.int64),
        fields,
        errors,
        [],
    )


def _looks_like_json(name: str, text: str) -> bool:
    suffix = Path(name).suffix.lower()
    if suffix == ".json":
        return True
    if suffix in {".csv", ".txt", ".tsv"}:
        return False
    return text.lstrip()[:1] in {"[", "{"}


@dataclass(frozen=True)
class _Verdicts:
    """The distinct raw values of one field, each checked once: normalised value or problem."""

    values: list[Any]  # None where the value is refused (or absent from a record)
    messages: list[str | None]

    def per_record(self, column: _Column, predicate: Callable[[Any], bool]) -> np.ndarray:
        """``predicate`` of each record's normalised value, evaluated once per distinct value."""
        return np.array([predicate(v) for v in self.values], dtype=bool)[column.codes]


def _check_uniques(name: str, uniques: list[Any], rules: ValidationContext) -> _Verdicts:
    check = FIELD_CHECKS[name]
    values: list[Any] = []
    messages: list[str | None] = []
    for raw in uniques:
        value, message = None, None
        if raw is _Absent.KEY:  # a measure may be left out of a JSON record, a key may not
            message = "missing value" if name in KEY_COLUMNS else None
        else:
            try:
                value = check(raw, rules)
            except PydanticCustomError as exc:
                message = exc.message()
        values.append(value)
        messages.append(message)
    return _Verdicts(values, messages)


@dataclass(frozen=True)
class _Checked:
    """The verdict on each data record of a file, as arrays in file order."""

    raw: _RawRecords
    verdicts: dict[str, _Verdicts]
    field_problems: np.ndarray  # refused fields of each record
    problems: np.ndarray  # issues each record will be reported with; 0 when it is imported
    duplicate_of: np.ndarray  # line of the first valid record with the same key, 0 if none

    def value(self, name: str, position: int) -> Any:
        """The normalised value of one field of one record (None when absent or refused)."""
        column = self.raw.fields.get(name)
        return None if column is None else self.verdicts[name].values[column.codes[position]]


def _measure_problem_counts(
    raw: _RawRecords, verdicts: dict[str, _Verdicts], measures: tuple[str, ...]
) -> np.ndarray:
    """How many ``measure_problems`` each record has, from the 12 cases that decide it."""
    count = len(raw.lines)

    def flag(name: str, predicate: Callable[[Any], bool]) -> np.ndarray:
        if name not in raw.fields:
            return np.full(count, predicate(None), dtype=bool)
        return verdicts[name].per_record(raw.fields[name], predicate)

    online = flag("department", lambda v: v == ONLINE)
    # Job offers: 0 absent, 1 zero, 2 any other count.
    offers = flag("job_offers", lambda v: v is not None) * (
        1 + flag("job_offers", lambda v: v not in (None, 0))
    )
    no_trainings = flag("trainings", lambda v: v is None)
    case = online * 6 + offers * 2 + no_trainings
    per_case = [
        len(
            measure_problems(
                ONLINE if place else None,
                (None, 0, 1)[offer],
                None if missing else 0,
                measures,
            )
        )
        for place in (0, 1)
        for offer in (0, 1, 2)
        for missing in (0, 1)
    ]
    return np.array(per_case, dtype=np.int64)[case]


def _duplicate_of(
    raw: _RawRecords, verdicts: dict[str, _Verdicts], clean: np.ndarray
) -> np.ndarray:
    """For each valid record repeating the key of an earlier valid one, that one's line."""
    positions = np.flatnonzero(clean)
    key = np.zeros(len(positions), dtype=np.int64)
    for name in KEY_COLUMNS:
        ids, _ = pd.factorize(np.array(verdicts[name].values, dtype=object))
        ids = ids[raw.fields[name].codes[positions]]
        # Renumbered at each step, so that the combined key stays below the record count.
        key, _ = pd.factorize(key * (int(ids.max(initial=0)) + 1) + ids)
    # Keys are numbered in order of first appearance: a record is the first of its key exactly
    # when its number is above every number before it.
    first = np.flatnonzero(key > np.maximum.accumulate(np.concatenate(([-1], key[:-1]))))
    repeated = first[key] != np.arange(len(key))
    duplicate_of = np.zeros(len(raw.lines), dtype=np.int64)
    duplicate_of[positions[repeated]] = raw.lines[positions[first[key[repeated]]]]
    return duplicate_of


def _check_records(
    raw: _RawRecords, rules: ValidationContext, measures: tuple[str, ...]
) -> _Checked:
    """Judge every data record by array operations over its fields' distinct values."""
    verdicts = {n: _check_uniques(n, c.uniques, rules) for n, c in raw.fields.items()}
    field_problems = np.zeros(len(raw.lines), dtype=np.int64)
    for name, column in raw.fields.items():
        refused = np.array([m is not None for m in verdicts[name].messages], dtype=bool)
        field_problems += refused[column.codes]
    problems = np.where(
        field_problems > 0, field_problems, _measure_problem_counts(raw, verdicts, measures)
    )
    duplicate_of = _duplicate_of(raw, verdicts, problems == 0)
    problems[duplicate_of > 0] = 1
    return _Checked(raw, verdicts, field_problems, problems, duplicate_of)


def _record_problems(
    checked: _Checked, position: int, measures: tuple[str, ...]
) -> list[tuple[str | None, str]]:
    """(column label, message) of each problem of one data record, as they are reported."""
    columns = checked.raw.columns
    if checked.field_problems[position]:
        found: list[tuple[str | None, str]] = []
        for name in FIELDS:
            column = checked.raw.fields.get(name)
            message = (
                None if column is None else checked.verdicts[name].messages[column.codes[position]]
            )
            if message is not None:
                found.append((columns.get(name, name), message))
        return found
    month, department, poste = (checked.value(n, position) for n in KEY_COLUMNS)
    if checked.duplicate_of[position]:
        first = checked.duplicate_of[position]
        return [(None, f"duplicate of line {first} ({month}, {department}, {poste})")]
    problems = measure_problems(
        department,
        checked.value("job_offers", position),
        checked.value("trainings", position),
        measures,
    )
    return [(columns.get(c, c), message) for c, message in problems]


def _record_issues(
    name: str, checked: _Checked, measures: tuple[str, ...]
) -> Iterator[ImportIssue]:
    """Every problem of the records, in file order; produced lazily, as only the first are kept."""
    raw = checked.raw
    # (rank, line, position of the faulty record): merged in file order with ``raw.errors``,
    # whose third item is a message instead.
    faulty: Iterator[tuple[int, int, int | str]] = (
        (int(raw.order[p]), int(raw.lines[p]), int(p)) for p in np.flatnonzero(checked.problems)
    )
    for _, line, item in heapq.merge(raw.errors, faulty, key=itemgetter(0)):
        if isinstance(item, str):
            yield ImportIssue(name, line, None, item)
            continue
        for column, message in _record_problems(checked, item, measures):
            yield ImportIssue(name, line, column, message)


def _counts(
    checked: _Checked, name: str, positions: np.ndarray
) -> pd.api.extensions.ExtensionArray:
    """One measure of the given records as nullable integers."""
    column = checked.raw.fields.get(name)
    if column is None:
        return pd.array([None] * len(positions), dtype="Int64")
    values = checked.verdicts[name].values
    numbers = np.array([0 if v is None else v for v in values], dtype=np.int64)
    missing = np.array([v is None for v in values], dtype=bool)
    codes = column.codes[positions]
    return pd.arrays.IntegerArray(numbers[codes], missing[codes])


def _accepted_frame(checked: _Checked) -> pd.DataFrame:
    """The records that passed, in file order, with their normalised values."""
    positions = np.flatnonzero(checked.problems == 0)
    frame = {
        name: np.array(checked.verdicts[name].values, dtype=object)[
            checked.raw.fields[name].codes[positions]
        ]
        for name in KEY_COLUMNS
    }
    frame.update({m: _counts(checked, m, positions) for m in MEASURE_COLUMNS})
    return pd.DataFrame(frame)


def parse_snapshot(data: bytes, name: str, rules: ValidationContext) -> Snapshot:
    """Validate a whole file; return it as frames or raise ``SnapshotRejected`` with every issue."""
    sha256 = hashlib.sha256(data).hexdigest()
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise SnapshotRejected(name, [ImportIssue(name, None, None, "the file is empty")])
    text = _decode(data, name)
    issues: list[ImportIssue] = []
    if "\ufeff" in text:
        line = _line_at(text, text.index("\ufeff"))
        issues.append(
            ImportIssue(name, line, None, "byte order mark (BOM) in the middle of the file")
        )

    raw = _json_records(name, text) if _looks_like_json(name, text) else _csv_records(name, text)
    if raw.issues:
        found = issues + raw.issues
        raise SnapshotRejected(name, found[:MAX_ISSUES_KEPT], len(found))

    measures = tuple(m for m in MEASURE_COLUMNS if m in raw.columns)
    checked = _check_records(raw, rules, measures)
    total = len(issues) + len(raw.errors) + int(checked.problems.sum())
    if total == 0 and not (checked.problems == 0).any():
        issues.append(ImportIssue(name, None, None, "the file has a header but no data rows"))
        total = 1
    if total:
        issues.extend(
            islice(_record_issues(name, checked, measures), MAX_ISSUES_KEPT - len(issues))
        )
        raise SnapshotRejected(name, issues, total)

    frame = _accepted_frame(checked)
    online_mask = frame["department"] == ONLINE
    online = frame.loc[online_mask, ["month", "poste", "trainings"]].reset_index(drop=True)
    departmental = frame.loc[~online_mask].reset_index(drop=True)
    return Snapshot(
        file_name=Path(name).name,
        sha256=sha256,
        measures=measures,
        months=tuple(sorted(frame["month"].unique())),
        rows=departmental,
        online=online,
        row_count=len(frame),
    )


def read_snapshot_file(path: Path, rules: ValidationContext) -> Snapshot:
    """Read a file from disk and validate it (see ``parse_snapshot``)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SnapshotRejected(
            str(path), [ImportIssue(str(path), None, None, f"cannot read file: {exc.strerror}")]
        ) from None
    return parse_snapshot(data, str(path), rules)
