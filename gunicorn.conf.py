"""gunicorn settings for production: ``gunicorn -c gunicorn.conf.py app:server``.

Workers are forked from a master that has imported the app (preload) but opened no database
connection; each worker drops any inherited pool after the fork and opens its own.
"""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8050')}"
# One worker more than cores, two threads each: a click is CPU work under one GIL per process,
# so more processes use the cores better than more threads (500 visitors on 2 cores: p95
# 140 ms with 3 × 2, 380 ms with 2 × 4; bench/README.md).
workers = int(os.environ.get("GENSCAN_WORKERS", max(2, multiprocessing.cpu_count() + 1)))
threads = int(os.environ.get("GENSCAN_THREADS", "2"))
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
accesslog = "-"


def on_starting(server):
    """Migrate the schema (and seed the demo on an empty database) once, before any worker.

    A web process running as a read-only database role sets GENSCAN_MIGRATE_ON_START=0 and
    leaves migrations to ``python -m data_access init-db`` run as the owner.
    """
    from dashboard import prepare_database
    from data_access.settings import Settings

    settings = Settings.from_env()
    if settings.migrate_on_start:
        prepare_database(settings)


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
