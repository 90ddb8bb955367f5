"""The bulk export's rows: every month shown × département × poste, as of one vintage.

The export is the figures the dashboard and ``/api/v1/indicators`` add up, cell by cell: the
months with both measures imported (those ``/api/v1/months`` lists), each département's row
of each poste, and the online-only trainings under the département code ``online``. It is read
a month at a time, so that a web process never holds ten years of cells to send them: the
current vintage straight from the current tables, a past one from ``vintages.as_of`` (which has
to rebuild every cell anyway). Either way the reads go through one connection that sees the
database as it stood at the first read, so an import landing during a download cannot mix two
vintages in one file.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd
from sqlalchemy import Connection, Engine

from data_access.db import is_sqlite
from data_access.importer import ONLINE
from data_access.schema import MEASURES
from data_access.vintages import (
    as_of,
    current_coverage,
    current_facts,
    current_id,
    current_online,
)

EXPORT_COLUMNS = ("month", "department", "poste", "job_offers", "trainings")
KEY_COLUMNS = ("month", "department", "poste")


@contextmanager
def consistent_reads(engine: Engine) -> Iterator[Connection]:
    """A connection whose every read sees the database as it stood at its first read.

    PostgreSQL gives that to a ``REPEATABLE READ`` transaction. SQLite (in WAL mode) gives it to
    any open read transaction, but its Python driver opens none for a ``SELECT``: one is opened
    by hand, and ended by the rollback the pool does when the connection goes back.
    """
    with engine.connect() as conn:
        if is_sqlite(engine):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.execution_options(isolation_level="REPEATABLE READ")
        yield conn


def shown_months(coverage: dict[str, set[str]]) -> list[str]:
    """The months with every measure imported, oldest first: the months the product shows."""
    return sorted(m for m, measures in coverage.items() if len(measures) == len(MEASURES))


def export_months(conn: Connection, vintage: int) -> Iterator[pd.DataFrame]:
    """Each month shown right after ``vintage``, oldest first, as rows of ``EXPORT_COLUMNS``
    sorted by département (``online`` last) and poste; counts are nullable integers."""
    if vintage == current_id(conn):
        for month in shown_months(current_coverage(conn)):
            yield _rows(month, current_facts(conn, [month]), current_online(conn, [month]))
        return
    past = as_of(conn, vintage)
    for month in shown_months(past.coverage):
        yield _rows(month, *past.of_months([month]))


def _rows(month: str, facts: pd.DataFrame, online: pd.DataFrame) -> pd.DataFrame:
    """One month's rows in the export's shape and order (code points, not a collation: the
    same bytes from either backend)."""
    departmental = facts.assign(month=month).sort_values(["department", "poste"])
    remote = online.assign(month=month, department=ONLINE, job_offers=None).sort_values("poste")
    rows = pd.concat(
        [departmental[list(EXPORT_COLUMNS)], remote[list(EXPORT_COLUMNS)]], ignore_index=True
    )
    counts = {m: pd.to_numeric(rows[m]).astype("Int64") for m in MEASURES}
    return rows.assign(**counts).astype(dict.fromkeys(KEY_COLUMNS, "str"))
