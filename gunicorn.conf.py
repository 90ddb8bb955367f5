"""gunicorn settings for production: ``gunicorn -c gunicorn.conf.py app:server``.

Workers are forked from a master that has imported the app (preload) but opened no database
connection; each worker drops any inherited pool after the fork and opens its own. Every value
comes from ``data_access.settings.Settings`` (HOST, PORT, GENSCAN_WORKERS, GENSCAN_THREADS…).
"""

import shutil
import tempfile
from pathlib import Path

from sqlalchemy.exc import OperationalError

from data_access.logs import gunicorn_log_config
from data_access.settings import Settings, export_metrics_dir

PRIVATE_METRICS_PREFIX = "genscan-metrics-"

settings = Settings.from_env()
if settings.metrics_dir is None:
    # Every worker counts its requests in files of one directory, and /metrics adds them up.
    # prometheus-client looks for it when the app is imported, which preload does before any
    # server hook runs: it is made now, while gunicorn reads this file, and removed on exit.
    export_metrics_dir(Path(tempfile.mkdtemp(prefix=PRIVATE_METRICS_PREFIX)))

bind = f"{settings.host}:{settings.port}"
# One worker more than cores, two threads each: a click is CPU work under one GIL per process,
# so more processes use the cores better than more threads (500 visitors on 2 cores: p95
# 140 ms with 3 × 2, 380 ms with 2 × 4; bench/README.md).
workers = settings.workers
threads = settings.threads
worker_class = "gthread"
preload_app = True
timeout = 60
graceful_timeout = 20
# Longer than a visitor's pause between clicks: closing an idle connection races with the
# next request on it, which a client then sees fail.
keepalive = 75
worker_connections = 1000  # open connections per worker, idle ones included
# A worker restarted by this guard reloads the figures (a second or more) and drops its open
# connections: at 150 requests/s, 5,000 meant a restart a minute. Memory stays flat without it
# (bench/soak.py), so it only guards against a leak nobody has seen.
max_requests = 200_000
max_requests_jitter = 20_000
# gunicorn's own messages in the app's format, on stderr; no access log: the app logs each
# request itself, with its id and duration.
logconfig_dict = gunicorn_log_config(settings)
# gunicorn's control socket has one default path per user: every master on a host would take it
# over from the others and delete it on exit. The service does not use it.
control_socket_disable = True


def _private_metrics_dir() -> Path | None:
    """The directory this file made, found again after a reload re-read the file."""
    path = Settings.from_env().metrics_dir
    if path is None or not path.name.startswith(PRIVATE_METRICS_PREFIX):
        return None
    return path if path.parent == Path(tempfile.gettempdir()) else None


def on_starting(server):
    """Migrate the schema (and seed the demo on an empty database) once, before any worker.

    A web process running as a read-only database role sets GENSCAN_MIGRATE_ON_START=0 and
    leaves migrations to ``python -m data_access init-db`` run as the owner. A database that
    cannot be reached does not stop the server: it starts, ``/health`` answers 503 until the
    database is back, and the page says so.
    """
    from dashboard import prepare_database

    server.log.info("metrics directory %s", Settings.from_env().metrics_dir)
    if settings.migrate_on_start:
        try:
            prepare_database(settings)
        except OperationalError:
            server.log.error("database not prepared: unreachable; serving anyway")


def post_fork(server, worker):
    """A forked worker must not reuse the master's connections."""
    flask_app = worker.app.wsgi()
    engine = flask_app.extensions.get("genscan_engine")
    if engine is not None:
        engine.dispose(close=False)


def post_worker_init(worker):
    """Load the figures before the first visitor waits for them (a second on the demo history,
    a few on ten years); a database that is down is met again, and reported, by requests."""
    service = worker.app.wsgi().extensions.get("genscan_service")
    if service is not None:
        try:
            service.warm()
        except Exception:  # a failed warm-up changes nothing for requests
            worker.log.warning("figures not preloaded; the first request will load them")


def child_exit(server, worker):
    """A dead worker's live gauges leave /metrics; its counts stay in the totals."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid, str(Settings.from_env().metrics_dir))


def on_exit(server):
    """Remove the metrics directory made at start (one given in the environment is kept)."""
    private = _private_metrics_dir()
    if private is not None:
        shutil.rmtree(private, ignore_errors=True)
