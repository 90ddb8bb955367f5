"""``GET /metrics``: request timings, response-cache lookups and the data, for Prometheus.

Under gunicorn every worker writes its counts to files in ``PROMETHEUS_MULTIPROC_DIR``
(prometheus-client's multiprocess mode, set up by ``gunicorn.conf.py``) and whichever worker
answers a scrape adds them all up. Imports run in another process (the data command line), so
what they did is read from ``import_log`` and ``import_run`` at scrape time rather than counted:
the figures are the same whichever process answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import DBAPIError

from data_access import import_runs, schema

METRICS_PATH = "/metrics"


class Metrics:
    """The app's instruments and the registry ``/metrics`` writes out."""

    def __init__(self, engine: Engine, multiprocess_dir: Path | None) -> None:
        self.registry = CollectorRegistry()
        # In multiprocess mode the values live in files, and the registry reads those files.
        own = None if multiprocess_dir else self.registry
        self.request_duration = Histogram(
            "genscan_http_request_duration_seconds",
            "Time to answer an HTTP request, by route (or Dash callback outputs) and status.",
            ["endpoint", "status"],
            registry=own,
        )
        self.cache_hits = Counter(
            "genscan_response_cache_hits",
            "Panels sent from the response cache.",
            registry=own,
        )
        self.cache_misses = Counter(
            "genscan_response_cache_misses",
            "Panels not found in the response cache, hence drawn.",
            registry=own,
        )
        self.cache_errors = Counter(
            "genscan_cache_errors",
            "Cache lookups and writes that failed (Redis unreachable…), served as misses.",
            ["cache"],
            registry=own,
        )
        if multiprocess_dir:
            MultiProcessCollector(self.registry, path=str(multiprocess_dir))
        self.registry.register(ImportCollector(engine))

    def observe_request(self, endpoint: str, status: int, seconds: float) -> None:
        self.request_duration.labels(endpoint, str(status)).observe(seconds)

    def count_lookup(self, hit: bool) -> None:
        """A lookup in the response cache."""
        (self.cache_hits if hit else self.cache_misses).inc()

    def count_cache_error(self, cache: str) -> None:
        self.cache_errors.labels(cache).inc()


class ImportCollector:
    """The data version, the last vintage and every import run, read from the database at
    each scrape."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def describe(self) -> list[Metric]:
        """Nothing to announce: registering must not query the database."""
        return []

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("genscan_database_up", "Whether the scrape could read the database.")
        try:
            with self.engine.connect() as conn:
                last = _last_vintage(conn)
        except DBAPIError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from last
        try:
            with self.engine.connect() as conn:
                runs = import_runs.by_outcome(conn)
        except DBAPIError:
            return  # a schema older than this code, until ``init-db`` adds ``import_run``
        yield from _run_metrics(runs)


def _last_vintage(conn: Connection) -> list[Metric]:
    log = schema.import_log.c
    vintages, version = conn.execute(select(func.count(), func.max(log.id))).one()
    last = conn.execute(
        select(log.row_count, log.imported_at).order_by(log.id.desc()).limit(1)
    ).first()
    return [
        GaugeMetricFamily(
            "genscan_data_version", "Id of the last vintage (0: none).", value=version or 0
        ),
        CounterMetricFamily(
            "genscan_vintages", "Vintages (imports and reverts) applied so far.", value=vintages
        ),
        GaugeMetricFamily(
            "genscan_last_import_rows",
            "Rows of the last vintage's file.",
            value=last.row_count if last else 0,
        ),
        GaugeMetricFamily(
            "genscan_last_import_timestamp_seconds",
            "When the last vintage was applied (Unix time; 0: none).",
            value=_unix_time(last.imported_at) if last else 0.0,
        ),
    ]


def _run_metrics(runs: dict[str, import_runs.OutcomeRuns]) -> list[Metric]:
    """Runs of the import command by outcome: imported, unchanged, rejected, failed."""
    count = CounterMetricFamily(
        "genscan_imports", "Runs of the import command, by outcome.", labels=["outcome"]
    )
    rows = CounterMetricFamily(
        "genscan_import_rows", "Rows of the files of import runs, by outcome.", labels=["outcome"]
    )
    duration = HistogramMetricFamily(
        "genscan_import_duration_seconds",
        "Time an import run took, from reading the file to the commit, by outcome.",
        labels=["outcome"],
    )
    for outcome, run in runs.items():
        count.add_metric([outcome], run.runs)
        rows.add_metric([outcome], run.rows)
        buckets = [
            (str(le), within)
            for le, within in zip(import_runs.DURATION_BUCKETS, run.within, strict=True)
        ]
        duration.add_metric([outcome], [*buckets, ("+Inf", run.runs)], run.seconds)
    return [count, rows, duration]


def _unix_time(moment: datetime) -> float:
    """SQLite gives back a naive time; it was written in UTC."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.timestamp()


def register_metrics(server: Flask, metrics: Metrics) -> None:
    """``GET /metrics`` in Prometheus' text format."""

    @server.get(METRICS_PATH)
    def prometheus_metrics() -> Response:
        response = Response(generate_latest(metrics.registry), content_type=CONTENT_TYPE_LATEST)
        response.headers["Cache-Control"] = "no-store"
        return response
