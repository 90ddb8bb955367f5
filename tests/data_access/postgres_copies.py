"""Dropping a PostgreSQL test copy even when autovacuum happens to be connected to it.

``DROP DATABASE … WITH (FORCE)`` run by a role that is not superuser refuses to terminate an
autovacuum worker ("must be a member of the role whose process is being terminated"), while a
plain ``DROP DATABASE`` does stop it. The heavy imports of the fault and corpus tests wake
autovacuum often enough to make the shared fixture's teardown fail now and then; dropping the
copy here first leaves that teardown nothing to do.
"""

from __future__ import annotations

import time

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

ATTEMPTS = 10


def drop_copy(server_url: str, database_url: str) -> None:
    """Drop the database of ``database_url``, alternating FORCE and plain drops until it goes."""
    name = make_url(database_url).database
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        for attempt in range(ATTEMPTS):
            force = " WITH (FORCE)" if attempt % 2 == 0 else ""
            try:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"{force}'))
            except DBAPIError:
                if attempt == ATTEMPTS - 1:
                    raise
                time.sleep(0.5)
            else:
                return
    finally:
        admin.dispose()
