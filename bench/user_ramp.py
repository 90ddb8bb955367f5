"""Where the 300 ms p95 breaks: the locust scenario at growing numbers of users.

Starts gunicorn (``gunicorn.conf.py``) on the given database once, then runs the scenario of
``locustfile.py`` for a fixed time at each user count and prints requests, failures, the
aggregated p95 and whether it stays within 300 ms; last, the smallest count that crossed it.

    python -m bench.user_ramp --database-url sqlite:////tmp/genscan-bench/demo.sqlite3
"""

from __future__ import annotations

import argparse
import csv
import signal
import subprocess
import sys
from pathlib import Path

from bench.common import start_server

ROOT = Path(__file__).resolve().parents[1]
TARGET_P95_MS = 300.0


def run_step(url: str, users: int, seconds: int) -> dict[str, str]:
    """One locust run; the aggregated row of its statistics."""
    prefix = f"/tmp/genscan-ramp-{users}"
    bin_dir = Path(sys.executable).parent
    subprocess.run(
        [
            str(bin_dir / "locust"),
            *("-f", "bench/locustfile.py", "--headless", "-u", str(users), "-r", "20"),
            *("-t", f"{seconds}s", "--host", url, "--only-summary", "--csv", prefix),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,  # locust exits 1 when a request failed; the CSV says how many
    )
    with open(f"{prefix}_stats.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return next(r for r in rows if r["Name"] == "Aggregated")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--users", default="50,100,150,200", help="comma-separated counts")
    parser.add_argument("--seconds", type=int, default=120, help="duration of each step")
    parser.add_argument("--port", type=int, default=8073)
    args = parser.parse_args()
    url = f"http://127.0.0.1:{args.port}/"
    counts = [int(u) for u in args.users.split(",")]
    server = start_server(args.database_url, args.port, "/tmp/genscan-ramp-cache")
    crossed: int | None = None
    try:
        for users in counts:
            row = run_step(url, users, args.seconds)
            p95 = float(row["95%"])
            within = p95 <= TARGET_P95_MS
            if not within and crossed is None:
                crossed = users
            print(
                f"{users:4d} users, {args.seconds} s: {row['Request Count']} requests, "
                f"{row['Failure Count']} failures, {float(row['Requests/s']):.0f} req/s, "
                f"median {row['50%']} ms, p95 {row['95%']} ms "
                f"({'within' if within else 'over'} {TARGET_P95_MS:.0f} ms)",
                flush=True,
            )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    if crossed is None:
        print(f"p95 stayed within {TARGET_P95_MS:.0f} ms up to {counts[-1]} users")
    else:
        print(f"p95 first exceeded {TARGET_P95_MS:.0f} ms at {crossed} users")


if __name__ == "__main__":
    main()
