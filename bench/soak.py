"""Soak: 50 visitors for 10 minutes; errors and memory of the app processes over time.

Starts gunicorn (``gunicorn.conf.py``) on the given database, drives it with the locust scenario
of ``locustfile.py``, samples the resident memory of the master and every worker each 15 s from
``/proc``, and prints the growth after a 2-minute warm-up.

    python -m bench.soak --database-url sqlite:////tmp/genscan-bench/demo.sqlite3
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WARMUP_S = 120
SAMPLE_S = 15


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def total_rss_mib(master: int) -> float:
    return sum(rss_kib(p) for p in [master, *children(master)]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--port", type=int, default=8072)
    args = parser.parse_args()
    url = f"http://127.0.0.1:{args.port}/"
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "PORT": str(args.port),
        "GENSCAN_SEED_DEMO": "0",
        "GENSCAN_CACHE_DIR": "/tmp/genscan-soak-cache",
    }
    bin_dir = Path(sys.executable).parent
    server = subprocess.Popen(
        [
            str(bin_dir / "gunicorn"),
            "-c",
            "gunicorn.conf.py",
            "app:server",
            "--access-logfile",
            "/dev/null",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(url + "api/v1/months", timeout=2).read()
                break
            except OSError:
                time.sleep(1)
        duration = int(args.minutes * 60)
        load = subprocess.Popen(
            [
                str(bin_dir / "locust"),
                "-f",
                "bench/locustfile.py",
                "--headless",
                "-u",
                str(args.users),
                "-r",
                "5",
                "-t",
                f"{duration}s",
                "--host",
                url,
                "--only-summary",
                "--csv",
                "/tmp/genscan-soak",
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        samples: list[tuple[float, float]] = []
        started = time.monotonic()
        while load.poll() is None:
            samples.append((time.monotonic() - started, total_rss_mib(server.pid)))
            time.sleep(SAMPLE_S)
        output = load.stdout.read() if load.stdout else ""
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    stats = Path("/tmp/genscan-soak_stats.csv").read_text().splitlines()
    header, aggregated = stats[0].split(","), stats[-1].split(",")
    row = dict(zip(header, aggregated, strict=False))
    after_warmup = [m for t, m in samples if t >= WARMUP_S]
    growth = (after_warmup[-1] - after_warmup[0]) / after_warmup[0] if after_warmup else 0.0
    print(output.strip().splitlines()[-1] if output.strip() else "")
    print(
        f"soak: {args.users} users for {args.minutes:g} min: {row['Request Count']} requests, "
        f"{row['Failure Count']} failures, p95 {row['95%']} ms"
    )
    print(
        "memory of master + workers (MiB) every "
        f"{SAMPLE_S} s: " + ", ".join(f"{m:.0f}" for _, m in samples)
    )
    print(
        f"growth after {WARMUP_S} s of warm-up: {growth:+.1%} "
        f"({after_warmup[0]:.0f} → {after_warmup[-1]:.0f} MiB); target < 10 %, 0 errors"
    )


if __name__ == "__main__":
    main()
