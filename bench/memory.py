"""Resident memory of each gunicorn worker with a database loaded, after start and after use.

Starts gunicorn (``gunicorn.conf.py``, a fresh file cache) on the given database and reads
each worker's VmRSS and VmHWM from ``/proc`` once the API answers and the workers are idle.
Then it makes ``--clicks`` filter changes (the recorded callback requests of
``payloads/filter_change.json``, a different month × job family each time, the requests of a
change posted in order on a new connection so that the workers share them) and, every 10
clicks, loads ``/`` and two API answers, and reads the memory again. The server is stopped at
the end.

    python -m bench.memory --database-url sqlite:////tmp/genscan-bench/ten-years.sqlite3
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import signal
import tempfile
import time
from pathlib import Path

from bench.click_cost import Client, change
from bench.common import start_server
from bench.interaction_time import FAMILIES, load_payloads, months_of, vary

TARGET_MB = 300
PAGES = ["/", "/api/v1/indicators?level=department", "/api/v1/trend?level=national"]


def workers(master: int) -> list[int]:
    """The children of gunicorn's master: its workers."""
    pids: list[int] = []
    for path in Path(f"/proc/{master}/task").glob("*/children"):
        pids += [int(pid) for pid in path.read_text().split()]
    return sorted(pids)


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM (peak resident) of a process, and its Pss: the resident memory with
    each page shared with other processes (the libraries and what the master loaded before
    forking) counted as its share, in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        name, _, value = line.partition(":")
        if name == "Pss":
            fields["Pss"] = int(value.split()[0]) / 1024
    return fields


def cpu_s(pid: int) -> float:
    """User + system CPU time of a process: how much of the work this worker did."""
    stat = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")


def wait_idle(master: int, timeout_s: float = 120) -> None:
    """Until the workers have used no CPU for a second (done booting and loading)."""
    deadline = time.monotonic() + timeout_s
    before = -1.0
    while time.monotonic() < deadline:
        used = sum(cpu_s(pid) for pid in workers(master))
        if used - before < 0.05:
            return
        before = used
        time.sleep(1)


def show(moment: str, master: int) -> tuple[float, float]:
    """Print each worker's memory; the largest VmRSS and VmHWM."""
    rss, hwm = 0.0, 0.0
    for pid in workers(master):
        mb = memory_mb(pid)
        rss, hwm = max(rss, mb["VmRSS"]), max(hwm, mb["VmHWM"])
        print(
            f"  {moment}: worker {pid}: VmRSS {mb['VmRSS']:.0f} MB, "
            f"VmHWM {mb['VmHWM']:.0f} MB, Pss {mb['Pss']:.0f} MB (CPU {cpu_s(pid):.1f} s)"
        )
    return rss, hwm


def click(url: str, clicks: int) -> None:
    payloads = load_payloads()
    combos = itertools.cycle(itertools.product(reversed(months_of(url)), FAMILIES))
    for index in range(clicks):
        client = Client(url)  # a new connection per click, so that every worker gets some
        try:
            change(client, vary(payloads, *next(combos)))
            if index % 10 == 9:
                for page in PAGES:
                    client.request("GET", page)
        finally:
            client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--port", type=int, default=8071)
    parser.add_argument("--clicks", type=int, default=300)
    args = parser.parse_args()
    url = f"http://127.0.0.1:{args.port}/"
    cache_dir = tempfile.mkdtemp(prefix="genscan-memory-cache-")
    server = start_server(args.database_url, args.port, cache_dir)
    try:
        months = months_of(url)
        print(f"memory per worker, {args.database_url}: {len(months)} months served")
        wait_idle(server.pid)
        rss, hwm = show("after start", server.pid)
        print(f"  largest after start: VmRSS {rss:.0f} MB, VmHWM {hwm:.0f} MB")
        click(url, args.clicks)
        rss, hwm = show(f"after {args.clicks} clicks", server.pid)
        print(f"  largest after {args.clicks} clicks: VmRSS {rss:.0f} MB, VmHWM {hwm:.0f} MB")
        print(f"target: ≤ {TARGET_MB} MB per worker")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(cache_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
