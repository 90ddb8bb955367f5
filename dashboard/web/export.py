"""``/api/v1/export.csv`` and ``/api/v1/export.parquet``: every figure of one vintage, streamed.

Both are written a month at a time as the rows are read (``data_access.export``), and sent as
they are written: ten years are about 1.3 million rows, which a web process must not build
whole for each download. The first column, ``vintage``, says which vintage the rows are, so a
file keeps its citation once saved.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from flask import Response
from sqlalchemy import Engine

from data_access.export import EXPORT_COLUMNS, consistent_reads, export_months

CSV_MEDIA_TYPE = "text/csv"
PARQUET_MEDIA_TYPE = "application/vnd.apache.parquet"
EXPORT_FIELDS = ("vintage", *EXPORT_COLUMNS)
ARROW_SCHEMA = pa.schema(
    [
        pa.field("vintage", pa.int64(), nullable=False),
        pa.field("month", pa.string(), nullable=False),
        pa.field("department", pa.string(), nullable=False),
        pa.field("poste", pa.string(), nullable=False),
        pa.field("job_offers", pa.int64()),
        pa.field("trainings", pa.int64()),
    ]
)


def export_frames(engine: Engine, vintage: int) -> Iterator[pd.DataFrame]:
    """Each month's rows as of ``vintage``, with the vintage as first column, all read through
    one connection that sees a single state of the database."""
    with consistent_reads(engine) as conn:
        for frame in export_months(conn, vintage):
            yield frame.assign(vintage=vintage)[list(EXPORT_FIELDS)]


def csv_chunks(frames: Iterator[pd.DataFrame]) -> Iterator[bytes]:
    """The header, then one chunk of UTF-8 CSV per month (empty counts are empty fields)."""
    yield (",".join(EXPORT_FIELDS) + "\n").encode()
    for frame in frames:
        yield frame.to_csv(index=False, header=False, lineterminator="\n").encode()


class _DrainedSink(io.RawIOBase):
    """A write-only stream that keeps what was written until it is taken.

    Parquet writes its footer (where each row group lies) last, so a writer needs no seeking,
    only the position it has reached (``tell``): the bytes of each row group can leave as soon
    as it is written. That keeps one month in memory and sends the first bytes at once, where a
    spooled temporary file would hold the whole file (or write it to disk) before sending any.
    """

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        chunk = bytes(data)
        self._parts.append(chunk)
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position

    def take(self) -> bytes:
        """What was written since the last call."""
        chunk = b"".join(self._parts)
        self._parts.clear()
        return chunk


def parquet_chunks(frames: Iterator[pd.DataFrame], vintage: int) -> Iterator[bytes]:
    """A Parquet file with one row group per month, sent a row group at a time."""
    sink = _DrainedSink()
    schema = ARROW_SCHEMA.with_metadata({"genscan_vintage": str(vintage)})
    with pq.ParquetWriter(sink, schema) as writer:
        for frame in frames:
            writer.write_table(pa.Table.from_pandas(frame, schema=schema, preserve_index=False))
            yield sink.take()
    yield sink.take()


def export_response(engine: Engine, vintage: int, kind: str) -> Response:
    """The streamed download of every figure of ``vintage``, as ``csv`` or ``parquet``."""
    frames = export_frames(engine, vintage)
    if kind == "csv":
        body, media_type = csv_chunks(frames), f"{CSV_MEDIA_TYPE}; charset=utf-8"
    else:
        body, media_type = parquet_chunks(frames, vintage), PARQUET_MEDIA_TYPE
    return Response(
        body,
        content_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="genscan-v{vintage}.{kind}"'},
    )
