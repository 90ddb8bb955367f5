"""Reading and validating monthly snapshot files before anything touches the database.

Partners send CSV exported from French spreadsheets (``;`` or ``,``, UTF-8 with or without BOM or
Windows-1252, ``1 234`` for thousands, ``1`` for ``01``) or JSON lists of records. A file is either
entirely valid or entirely rejected: every problem is collected with its file, line and column so
that the sender can fix them all in one go.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

ONLINE = "online"
MAX_COUNT = 10_000_000
MIN_MONTH = "2015-01"
MAX_ISSUES_KEPT = 1000
PROGRESS_MIN_ROWS = 5000

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
        text = value.strip()
        if text == "":
            return None
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
                f"a number of {len(text)} digits is above {MAX_COUNT:,}, "
                "which cannot be a real count",
            )
        number = int(text)
    else:
        raise _error("count", f"a count must be a whole number, got {type(value).__name__}")
    if number < 0:
        raise _error("count", f"{number} is negative; counts are 0 or more")
    if number > MAX_COUNT:
        raise _error("count", f"{number} is above {MAX_COUNT:,}, which cannot be a real count")
    return number


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


class SnapshotRow(BaseModel):
    """One line of a snapshot file, checked against the job map and the territories."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    month: str
    department: str
    poste: str
    job_offers: int | None = None
    trainings: int | None = None

    @field_validator("month", mode="before")
    @classmethod
    def _month(cls, value: Any, info: ValidationInfo) -> str:
        ctx: ValidationContext = info.context["rules"]
        text = value.strip() if isinstance(value, str) else None
        match = _MONTH_RE.match(text) if text else None
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise _error("month", f"{value!r} is not a month written YYYY-MM")
        if not ctx.min_month <= text <= ctx.max_month:
            raise _error(
                "month", f"{text} is outside the accepted range {ctx.min_month}…{ctx.max_month}"
            )
        return text

    @field_validator("department", mode="before")
    @classmethod
    def _department(cls, value: Any, info: ValidationInfo) -> str:
        ctx: ValidationContext = info.context["rules"]
        code = normalise_department(value)
        if code != ONLINE and code not in ctx.departments:
            raise _error("department", f"{str(value).strip()!r} is not a current département code")
        return code

    @field_validator("poste", mode="before")
    @classmethod
    def _poste(cls, value: Any, info: ValidationInfo) -> str:
        ctx: ValidationContext = info.context["rules"]
        code = value.strip() if isinstance(value, str) else value
        if not isinstance(code, str) or code not in ctx.postes:
            raise _error("poste", f"{value!r} is not a poste code of the job map")
        return code

    @field_validator("job_offers", "trainings", mode="before")
    @classmethod
    def _count(cls, value: Any) -> int | None:
        return parse_count(value)


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


@dataclass
class _RawRecords:
    columns: dict[str, str]  # canonical name → label for messages
    records: Iterator[tuple[int, dict[str, Any]]]
    issues: list[ImportIssue]


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


def _csv_records(name: str, text: str) -> _RawRecords:
    lines = text.splitlines()
    header_line = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_line is None:
        raise SnapshotRejected(name, [ImportIssue(name, None, None, "the file is empty")])
    header = lines[header_line]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    raw_header: list[str] = []
    last_line = 0
    try:
        for raw_header in reader:
            if any(cell.strip() for cell in raw_header):
                break
            last_line = reader.line_num
    except csv.Error as exc:
        raise SnapshotRejected(
            name, [ImportIssue(name, last_line + 1, None, f"malformed CSV: {exc}")]
        ) from None
    header_lineno = reader.line_num
    columns, issues = _check_columns(name, header_lineno, raw_header)
    canonical = [_canonical_header(h) for h in raw_header]

    def records() -> Iterator[tuple[int, dict[str, Any]]]:
        lineno = header_lineno
        try:
            for cells in reader:
                lineno = reader.line_num
                if not any(cell.strip() for cell in cells):
                    continue
                if len(cells) != len(raw_header):
                    yield (
                        lineno,
                        {
                            "__error__": f"expected {len(raw_header)} fields separated by "
                            f"{delimiter!r}, found {len(cells)}"
                        },
                    )
                    continue
                yield (
                    lineno,
                    {c: cell for c, cell in zip(canonical, cells, strict=True) if c is not None},
                )
        except csv.Error as exc:
            # Reported where the broken record starts, not where the reader gave up (an
            # unclosed quote swallows the rest of the file).
            yield lineno + 1, {"__error__": f"malformed CSV: {exc}"}

    return _RawRecords(columns, records(), issues)


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

    record_lines = _json_record_lines(text, decoder)

    def records() -> Iterator[tuple[int, dict[str, Any]]]:
        for index, record in enumerate(data, start=1):
            line = record_lines[index - 1]
            if not isinstance(record, dict):
                yield line, {"__error__": f"record {index} is not an object"}
                continue
            out: dict[str, Any] = {}
            for key, value in record.items():
                canonical = _canonical_header(str(key))
                if canonical is not None:
                    out[canonical] = value
            yield line, out

    return _RawRecords(columns, records(), issues)


def _looks_like_json(name: str, text: str) -> bool:
    suffix = Path(name).suffix.lower()
    if suffix == ".json":
        return True
    if suffix in {".csv", ".txt", ".tsv"}:
        return False
    return text.lstrip()[:1] in {"[", "{"}


def _progress(iterable: Iterable[Any], total: int, name: str, show: bool) -> Iterable[Any]:
    if not show or total < PROGRESS_MIN_ROWS:
        return iterable
    from tqdm import tqdm  # only the command line pays for it

    return tqdm(iterable, total=total, desc=f"checking {Path(name).name}", unit=" rows")


def parse_snapshot(
    data: bytes, name: str, rules: ValidationContext, *, show_progress: bool = False
) -> Snapshot:
    """Validate a whole file; return it as frames or raise ``SnapshotRejected`` with every issue."""
    sha256 = hashlib.sha256(data).hexdigest()
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise SnapshotRejected(name, [ImportIssue(name, None, None, "the file is empty")])
    text = _decode(data, name)
    issues: list[ImportIssue] = []
    total_issues = 0

    def report(issue: ImportIssue) -> None:
        nonlocal total_issues
        total_issues += 1
        if len(issues) < MAX_ISSUES_KEPT:
            issues.append(issue)

    if "\ufeff" in text:
        line = _line_at(text, text.index("\ufeff"))
        report(ImportIssue(name, line, None, "byte order mark (BOM) in the middle of the file"))

    raw = (
        _csv_records(name, text)
        if _looks_like_json(name, text) is False
        else _json_records(name, text)
    )
    for issue in raw.issues:
        report(issue)
    if raw.issues:
        raise SnapshotRejected(name, issues, total_issues)

    measures = tuple(m for m in MEASURE_COLUMNS if m in raw.columns)
    context = {"rules": rules}
    seen: dict[tuple[str, str, str], int] = {}
    rows: list[tuple[str, str, str, int | None, int | None]] = []
    expected_rows = text.count("\n") + 1
    for lineno, record in _progress(raw.records, expected_rows, name, show_progress):
        if "__error__" in record:
            report(ImportIssue(name, lineno, None, record["__error__"]))
            continue
        try:
            row = SnapshotRow.model_validate(record, context=context)
        except ValidationError as exc:
            for err in exc.errors():
                field_name = str(err["loc"][0]) if err["loc"] else None
                label = raw.columns.get(field_name, field_name) if field_name else None
                if err["type"] == "missing":
                    report(ImportIssue(name, lineno, label, "missing value"))
                else:
                    report(ImportIssue(name, lineno, label, err["msg"]))
            continue
        row_issues = _check_row_measures(row, measures)
        for column, message in row_issues:
            report(ImportIssue(name, lineno, raw.columns.get(column, column), message))
        if row_issues:
            continue
        key = (row.month, row.department, row.poste)
        if key in seen:
            report(
                ImportIssue(
                    name,
                    lineno,
                    None,
                    f"duplicate of line {seen[key]} ({row.month}, {row.department}, {row.poste})",
                )
            )
            continue
        seen[key] = lineno
        rows.append((row.month, row.department, row.poste, row.job_offers, row.trainings))

    if not rows and not total_issues:
        report(ImportIssue(name, None, None, "the file has a header but no data rows"))
    if total_issues:
        raise SnapshotRejected(name, issues, total_issues)

    frame = pd.DataFrame(rows, columns=["month", *KEY_COLUMNS[1:], *MEASURE_COLUMNS])
    for measure in MEASURE_COLUMNS:
        frame[measure] = frame[measure].astype("Int64")
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


def _check_row_measures(row: SnapshotRow, measures: tuple[str, ...]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if row.department == ONLINE:
        if row.job_offers is not None:
            problems.append(
                (
                    "job_offers",
                    "online rows carry trainings only; job offers belong to a département",
                )
            )
        if "trainings" not in measures:
            problems.append(("department", "online rows need a trainings column"))
        elif row.trainings is None:
            problems.append(("trainings", "missing value"))
        return problems
    for measure in measures:
        if getattr(row, measure) is None:
            problems.append((measure, "missing value"))
    return problems


def read_snapshot_file(
    path: Path, rules: ValidationContext, *, show_progress: bool = False
) -> Snapshot:
    """Read a file from disk and validate it (see ``parse_snapshot``)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SnapshotRejected(
            str(path), [ImportIssue(str(path), None, None, f"cannot read file: {exc.strerror}")]
        ) from None
    return parse_snapshot(data, str(path), rules, show_progress=show_progress)
