#!/usr/bin/env bash
# Runs every benchmark of bench/README.md and prints their figures. Needs the dev and bench
# requirements (pip install -r bench/requirements.txt), Chromium at /usr/bin/chromium, and for
# the PostgreSQL part a server URL in BENCH_POSTGRES_URL (a role that may create databases).
# Takes about 30 minutes on 2 cores; run it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
WORK="${BENCH_DIR:-/tmp/genscan-bench}"
PORT="${BENCH_PORT:-8070}"
URL="http://127.0.0.1:${PORT}/"
mkdir -p "$WORK"

serve() {  # serve DATABASE_URL with gunicorn in the background; waits until it answers
    # Every simulated visitor comes from 127.0.0.1: the API's per-address limit is raised.
    DATABASE_URL="$1" GENSCAN_SEED_DEMO=0 GENSCAN_API_RATE_LIMIT=1000000/minute HOST=127.0.0.1 PORT="$PORT" GENSCAN_CACHE_DIR="$WORK/cache-$2" \
        .venv/bin/gunicorn -c gunicorn.conf.py app:server --access-logfile /dev/null \
        > "$WORK/gunicorn-$2.log" 2>&1 &
    echo $! > "$WORK/gunicorn.pid"
    for _ in $(seq 1 120); do
        curl -fs "${URL}api/v1/months" > /dev/null 2>&1 && return 0
        sleep 1
    done
    echo "server did not start, see $WORK/gunicorn-$2.log" >&2
    return 1
}

stop() { kill "$(cat "$WORK/gunicorn.pid")" 2>/dev/null || true; sleep 2; }

seed() {  # seed DATABASE_URL with the demo history, or with 10 years when $2 = 10y
    if [ "$2" = "10y" ]; then
        DATABASE_URL="$1" $PY -m data_access seed-demo --from 2015-01 --to 2024-12 || true
    else
        DATABASE_URL="$1" $PY -m data_access seed-demo || true
    fi
}

DEMO="sqlite:///$WORK/demo.sqlite3"
TEN="sqlite:///$WORK/ten-years.sqlite3"
seed "$DEMO" demo
seed "$TEN" 10y

if [ -z "${BENCH_SKIP_DEMO:-}" ]; then
echo "== recolour payload, first page, interaction time, click cost (SQLite, 27 months)"
serve "$DEMO" demo
$PY -m bench.recolour_payload --url "$URL"
$PY -m bench.first_page --url "$URL" --runs 10
$PY -m bench.first_load_bytes --url "$URL" --runs 3 --path / --path '/?region=53&family=DATA&metric=tension'
$PY -m bench.lighthouse --url "$URL" --runs 3 --out "$WORK/lighthouse" || true  # needs npm
$PY -m bench.interaction_time --url "$URL" --runs 300
$PY -m bench.click_cost --url "$URL" --runs 200
echo "== 200 users for 2 minutes (locust, SQLite, 27 months)"
.venv/bin/locust -f bench/locustfile.py --headless -u 200 -r 20 -t 2m --host "$URL" \
    --only-summary 2>&1 | tail -25 || true  # locust exits 1 when any request failed
stop
fi

echo "== where p95 crosses 300 ms (locust, SQLite, 27 months, 2 minutes per step)"
$PY -m bench.user_ramp --database-url "$DEMO" --users 100,200,300,500,800 --seconds 120

echo "== interaction time, click cost (SQLite, 10 years)"
serve "$TEN" ten
$PY -m bench.interaction_time --url "$URL" --runs 300
$PY -m bench.click_cost --url "$URL" --runs 200
stop

echo "== memory per worker (SQLite, 10 years)"
$PY -m bench.memory --database-url "$TEN" --clicks 300

echo "== import speed (SQLite)"
cp "$WORK/demo.sqlite3" "$WORK/import.sqlite3"
$PY -m bench.import_speed --database-url "sqlite:///$WORK/import.sqlite3" --runs 5

if [ -n "${BENCH_POSTGRES_URL:-}" ]; then
    for name in genscan_bench_demo genscan_bench_ten genscan_bench_fill; do
        $PY - "$BENCH_POSTGRES_URL" "$name" <<'PY'
import sys
from sqlalchemy import create_engine, text
engine = create_engine(sys.argv[1], isolation_level="AUTOCOMMIT")
with engine.connect() as conn:
    conn.execute(text(f'DROP DATABASE IF EXISTS "{sys.argv[2]}" WITH (FORCE)'))
    conn.execute(text(f'CREATE DATABASE "{sys.argv[2]}"'))
PY
    done
    base="${BENCH_POSTGRES_URL%/*}"
    echo "== 10-year backfill (PostgreSQL)"
    $PY -m bench.import_speed --database-url "$base/genscan_bench_fill" --backfill
    seed "$base/genscan_bench_demo" demo
    echo "== import speed (PostgreSQL)"
    $PY -m bench.import_speed --database-url "$base/genscan_bench_demo" --runs 5
    echo "== interaction time (PostgreSQL, 27 months)"
    serve "$base/genscan_bench_demo" pgdemo
    $PY -m bench.interaction_time --url "$URL" --runs 300
    stop
    echo "== interaction time (PostgreSQL, 10 years)"
    seed "$base/genscan_bench_ten" 10y
    serve "$base/genscan_bench_ten" pgten
    $PY -m bench.interaction_time --url "$URL" --runs 300
    stop
fi
