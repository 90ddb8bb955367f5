"""Two app instances behind HAProxy act as one service: the scale-out of the README, run.

Each test builds its own small cluster on 127.0.0.1, as production would run it on several
hosts: one PostgreSQL database (a private copy of the fixture), one ``redis-server`` as the
shared cache, two separate gunicorn masters with the committed ``gunicorn.conf.py`` (one worker
each, so that asking an instance asks every process it has), and ``haproxy`` in front, balancing
requests round robin, checking ``/health`` every half second and naming the instance that
answered in an ``X-Served-By`` header. Chromium drives the page through the load balancer only;
the instances are also asked directly, on their own ports, to see what each one serves.

The ``page`` fixture of ``tests/browser/conftest.py`` (clean console and network, screenshot)
opens its pages on ``live_server``: here that fixture is overridden by the load balancer.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families

from data_access.reference import load_departements, load_job_map
from data_access.settings import METRICS_DIR_VARIABLE, REPO_ROOT, Settings
from tests.browser.conftest import VIEWPORT, LiveServer, PageProblems
from tests.browser.helpers import (
    TIMEOUT_MS,
    Api,
    choose,
    dropdown_value,
    dropdown_values,
    fr_decimal,
    fr_int,
    key_figures,
    open_page,
    wait_for_query,
)
from tests.conftest import skip_or_fail
from tests.fixtures import FIXTURE_MONTHS, expected_cell, expected_online

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

INSTANCES = ("app1", "app2")
NEW_MONTH = "2023-02"  # the month after the fixture's last one
SERVED_BY = "X-Served-By"
CALLBACK_PATH = "/_dash-update-component"
START_TIMEOUT = 45.0
CHECK_INTERVAL_MS = 500
HAPROXY_CFG = """\
global
    maxconn 256

defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout http-keep-alive 10s
    retries 2
    option redispatch

frontend web
    bind 127.0.0.1:{port}
    default_backend genscan

backend genscan
    balance roundrobin
    option httpchk GET /health
    http-check expect status 200
    http-response set-header {header} %[srv_name]
    default-server check inter {inter} fall 2 rise 1
{servers}
"""


# -- processes -------------------------------------------------------------------------------
@dataclass
class Process:
    """A server the test started, its combined output in a file."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def running(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def tail(self, lines: int = 30) -> str:
        return f"--- {self.name} ({self.log}) ---\n" + "\n".join(
            self.output().splitlines()[-lines:]
        )

    def stop(self) -> None:
        """SIGTERM, as an orchestrator stops a service; SIGKILL if it does not exit in time."""
        if self.popen.poll() is not None:
            return
        self.popen.terminate()
        try:
            self.popen.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(timeout=10)


def start(stack: ExitStack, name: str, argv: list[str], env: dict[str, str], log: Path) -> Process:
    """Start ``argv`` and have ``stack`` stop it, whatever happens to the test."""
    with log.open("wb") as out:
        popen = subprocess.Popen(argv, cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    process = Process(name, popen, log)
    stack.callback(process.stop)
    return process


def wait_until(
    condition: Callable[[], bool], what: str, process: Process, timeout: float = START_TIMEOUT
) -> None:
    """Poll ``condition`` until it holds; fail early, with the output, if ``process`` died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.running(), (
            f"{process.name} exited while waiting for {what}\n{process.tail()}"
        )
        try:
            if condition():
                return
        except (OSError, redis.RedisError):
            pass
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}\n{process.tail()}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def binary(name: str) -> str:
    """The path of a Debian package's server binary (haproxy lives in /usr/sbin)."""
    found = shutil.which(name) or shutil.which(name, path="/usr/local/sbin:/usr/sbin:/sbin")
    if found is None:
        skip_or_fail(f"{name} not found (Debian package {name})")
    return found


# -- HTTP, bypassing any proxy of the environment ---------------------------------------------
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class Answer:
    status: int
    served_by: str | None
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def fetch(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> Answer:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with _OPENER.open(request, timeout=30) as response:
            return Answer(response.status, response.headers.get(SERVED_BY), response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.headers.get(SERVED_BY), error.read())


# -- the cluster -----------------------------------------------------------------------------
@dataclass
class Instance:
    """One app instance: its own gunicorn master on its own port."""

    name: str
    url: str
    env: dict[str, str]
    process: Process

    def get(self, path: str) -> Answer:
        return fetch(self.url + path)

    def metric(self, name: str) -> float:
        """A counter summed over this instance's samples of ``/metrics``."""
        text = self.get("/metrics").body.decode()
        return sum(
            sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == name
        )


@dataclass
class Cluster:
    url: str  # the load balancer
    instances: dict[str, Instance]
    haproxy: Process
    cache: redis.Redis
    database_url: str
    workdir: Path

    def get(self, path: str) -> Answer:
        return fetch(self.url + path)


def _instance_env(port: int, database_url: str, redis_url: str, metrics: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        GENSCAN_SEED_DEMO="0",
        GENSCAN_WORKERS="1",
        GENSCAN_THREADS="2",
        GENSCAN_LOG_FORMAT="text",
        HOST="127.0.0.1",
        PORT=str(port),
        # Its own, empty, directory: one left by a killed master must not outlive the test.
        **{METRICS_DIR_VARIABLE: str(metrics)},
    )
    return env


@pytest.fixture
def cluster(request: pytest.FixtureRequest) -> Iterator[Cluster]:
    """Redis, two gunicorn masters on one PostgreSQL database, HAProxy in front.

    Every process is stopped and the working directory removed at teardown, even when the
    test or the start fails; the end of each server's output is printed first, so that a
    failure's report shows it."""
    redis_server, haproxy = binary("redis-server"), binary("haproxy")
    database_url = request.getfixturevalue("postgres_url")
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="genscan-scale-")))
        processes: list[Process] = []
        stack.callback(lambda: print("\n".join(p.tail() for p in processes)))

        redis_port = free_port()
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
        argv = [redis_server, "--port", str(redis_port), "--bind", "127.0.0.1"]
        argv += ["--save", "", "--appendonly", "no", "--dir", str(workdir)]
        processes.append(start(stack, "redis", argv, dict(os.environ), workdir / "redis.log"))
        cache = redis.Redis.from_url(redis_url, socket_timeout=5)
        stack.callback(cache.close)
        wait_until(cache.ping, "redis to answer PING", processes[-1])

        # Both masters start at once, as two hosts of a service do after a deploy.
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        instances: dict[str, Instance] = {}
        for name in INSTANCES:
            port, metrics = free_port(), workdir / f"metrics-{name}"
            metrics.mkdir()
            env = _instance_env(port, database_url, redis_url, metrics)
            # gunicorn's default control socket is one path per user ($HOME/.gunicorn): each
            # master would replace, and on exit remove, that of any other on this machine.
            control = ["--control-socket", str(workdir / f"{name}.ctl")]
            argv = [gunicorn, "-c", "gunicorn.conf.py", *control, "app:server"]
            processes.append(start(stack, name, argv, env, workdir / f"{name}.log"))
            instances[name] = Instance(name, f"http://127.0.0.1:{port}", env, processes[-1])
        for instance in instances.values():
            wait_until(
                lambda i=instance: i.get("/health").status == 200,
                f"{instance.name} /health to answer 200",
                instance.process,
            )

        port = free_port()
        servers = "\n".join(
            f"    server {name} {urlsplit(i.url).netloc}" for name, i in instances.items()
        )
        config = workdir / "haproxy.cfg"
        config.write_text(
            HAPROXY_CFG.format(
                port=port, header=SERVED_BY, inter=CHECK_INTERVAL_MS, servers=servers
            ),
            encoding="utf-8",
        )
        check = subprocess.run([haproxy, "-c", "-f", str(config)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        argv = [haproxy, "-f", str(config), "-db"]
        balancer = start(stack, "haproxy", argv, dict(os.environ), workdir / "haproxy.log")
        processes.append(balancer)
        url = f"http://127.0.0.1:{port}"
        seen: set[str | None] = set()

        def both_seen() -> bool:
            seen.add(fetch(url + "/health").served_by)
            return seen >= set(INSTANCES)

        wait_until(both_seen, "HAProxy to route to both instances", balancer)
        yield Cluster(url, instances, balancer, cache, database_url, workdir)


@pytest.fixture
def live_server(cluster: Cluster) -> LiveServer:
    """The load balancer, where the ``page`` fixture opens its pages."""
    settings = Settings(database_url=cluster.database_url, seed_demo_if_empty=False)
    return LiveServer(cluster.url, settings, Api(cluster.url))


# -- what the page shows ---------------------------------------------------------------------
class Responses:
    """The responses the page received from the cluster, with the instance that answered."""

    def __init__(self, page: Any) -> None:
        self.seen: list[Any] = []
        page.on("response", self.on_response)

    def on_response(self, response: Any) -> None:
        self.seen.append(response)

    def take(self) -> list[Any]:
        """The responses since the last call, and forget them."""
        taken, self.seen = self.seen, []
        return taken

    @staticmethod
    def served_by(responses: list[Any], *, callbacks_only: bool = True) -> list[str]:
        return [
            response.headers.get(SERVED_BY.lower(), "")
            for response in responses
            if not callbacks_only or urlsplit(response.url).path == CALLBACK_PATH
        ]


def expected_figures(api: Api, month: str) -> dict[str, str]:
    """France's key figures of ``month`` from the API, written as the page writes them."""
    row = next(r for r in api.json("/trend")["rows"] if r["month"] == month)
    return {
        "job_offers": fr_int(row["job_offers"]),
        "trainings": fr_int(row["trainings"]),
        "tension_index": fr_decimal(row["tension_index"]),
    }


def pick_month(page: Any, month: str) -> None:
    """Choose ``month`` in the month filter and wait until the page has redrawn it."""
    choose(page, "filter-month", month)
    wait_for_query(page, month=month)


def assert_page_shows(page: Any, api: Api, month: str) -> None:
    assert dropdown_value(page, "filter-month") == month
    assert key_figures(page) == expected_figures(api, month)
    assert page.locator("#db-alert").is_hidden()


@contextmanager
def visitor(browser: Any, url: str) -> Iterator[Any]:
    """A page in a new browser context (empty cache), failing the test if it was not clean:
    the same watch as the ``page`` fixture's."""
    context = browser.new_context(viewport=VIEWPORT, base_url=url)
    context.set_default_timeout(TIMEOUT_MS)
    problems = PageProblems(origin=url)
    new_page = problems.watch(context)
    try:
        yield new_page
    finally:
        context.close()
    report = problems.report()
    assert not report, "the page was not clean:\n  " + "\n  ".join(report)


# -- the new month ---------------------------------------------------------------------------
def write_month(path: Path, month: str, month_index: int) -> Path:
    """A snapshot of one month, both measures, every département × poste (and the online
    trainings), with the fixture's formulas at ``month_index``."""
    departements = list(load_departements()["code"])
    postes = list(load_job_map()["poste_code"])
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["month", "department", "poste", "job_offers", "trainings"])
        for i, dep in enumerate(departements):
            for j, poste in enumerate(postes):
                writer.writerow([month, dep, poste, *expected_cell(i, j, month_index)])
        for j, poste in enumerate(postes):
            writer.writerow([month, "online", poste, "", expected_online(j, month_index)])
    return path


def national_totals(month_index: int) -> tuple[int, int]:
    """France's offers and trainings (online ones included) by the fixture's formulas."""
    deps, postes = len(load_departements()), len(load_job_map())
    cells = [expected_cell(i, j, month_index) for i in range(deps) for j in range(postes)]
    online = sum(expected_online(j, month_index) for j in range(postes))
    return sum(o for o, _ in cells), sum(t for _, t in cells) + online


# -- tests -----------------------------------------------------------------------------------
def test_requests_alternate_between_instances_sharing_one_cache(
    cluster: Cluster, page: Any, api: Api
) -> None:
    served = [cluster.get("/api/v1/months") for _ in range(6)]
    assert [a.status for a in served] == [200] * 6
    names = [a.served_by for a in served]
    assert set(names) == set(INSTANCES), names
    assert all(a != b for a, b in itertools.pairwise(names)), names
    assert len({a.body for a in served}) == 1, "both instances give the same answer"

    responses = Responses(page)
    open_page(page, "/")
    assert_page_shows(page, api, FIXTURE_MONTHS[-1])
    callbacks: list[str] = []
    for month in reversed(FIXTURE_MONTHS[:-1]):
        pick_month(page, month)
        callbacks += Responses.served_by(responses.take())
        assert_page_shows(page, api, month)
    assert set(callbacks) == set(INSTANCES), callbacks

    # The panels drawn for a view are in the shared Redis: the same callbacks asked of the
    # other instance are answered from it, identically, without drawing anything.
    pick_month(page, FIXTURE_MONTHS[1])
    drawn = [r for r in responses.take() if urlsplit(r.url).path == CALLBACK_PATH]
    assert drawn
    version = cluster.get("/health").json()["data_version"]
    assert cluster.cache.keys(f"*genscan:v{version}:panel:*"), "no panel in the shared cache"
    for response in drawn:
        other = next(
            i for n, i in cluster.instances.items() if n != response.headers[SERVED_BY.lower()]
        )
        hits, misses = (
            other.metric(f"genscan_response_cache_{k}_total") for k in ("hits", "misses")
        )
        replayed = fetch(
            other.url + CALLBACK_PATH,
            data=response.request.post_data_buffer,
            headers={"Content-Type": "application/json"},
        )
        assert replayed.status == response.status
        assert json.loads(replayed.body or b"null") == json.loads(response.body() or b"null")
        assert other.metric("genscan_response_cache_misses_total") == misses
        assert other.metric("genscan_response_cache_hits_total") > hits


def test_a_month_imported_through_one_instance_is_served_by_both_at_once(
    cluster: Cluster, page: Any, api: Api
) -> None:
    first, second = cluster.instances.values()
    before = {
        name: i.get("/health").json()["data_version"] for name, i in cluster.instances.items()
    }
    for instance in cluster.instances.values():  # each has loaded the old figures
        assert instance.get("/api/v1/months").json()["months"] == list(FIXTURE_MONTHS)

    snapshot = write_month(cluster.workdir / "snapshot-2023-02.csv", NEW_MONTH, len(FIXTURE_MONTHS))
    imported = subprocess.run(
        [sys.executable, "-m", "data_access", "import", str(snapshot)],
        cwd=REPO_ROOT,
        env=first.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert imported.returncode == 0, imported.stdout + imported.stderr

    # At once: the very next request to each instance, with no restart and no wait.
    offers, trainings = national_totals(len(FIXTURE_MONTHS))
    for instance in (second, first):
        months = instance.get("/api/v1/months").json()["months"]
        assert months == [*FIXTURE_MONTHS, NEW_MONTH], instance.name
        answer = instance.get(f"/api/v1/indicators?month={NEW_MONTH}&level=national")
        (row,) = answer.json()["rows"]
        assert (row["job_offers"], row["trainings"]) == (offers, trainings), instance.name
    versions = {i.get("/health").json()["data_version"] for i in cluster.instances.values()}
    assert len(versions) == 1
    assert max(versions) > max(before.values())

    responses = Responses(page)
    open_page(page, "/")
    assert NEW_MONTH in dropdown_values(page, "filter-month")
    assert_page_shows(page, api, NEW_MONTH)
    assert expected_figures(api, NEW_MONTH)["job_offers"] == fr_int(offers)
    pick_month(page, FIXTURE_MONTHS[-1])
    assert_page_shows(page, api, FIXTURE_MONTHS[-1])
    pick_month(page, NEW_MONTH)
    assert_page_shows(page, api, NEW_MONTH)
    assert set(Responses.served_by(responses.take())) == set(INSTANCES)
    (version,) = versions
    assert cluster.cache.keys(f"*genscan:v{version}:panel:*"), "no new panel in the shared cache"


def test_the_page_keeps_working_through_the_other_instance_when_one_stops(
    cluster: Cluster, browser: Any, page: Any, api: Api
) -> None:
    responses = Responses(page)
    open_page(page, "/")
    pick_month(page, FIXTURE_MONTHS[-2])
    assert set(Responses.served_by(responses.take(), callbacks_only=False)) == set(INSTANCES)

    stopped, kept = cluster.instances["app1"], cluster.instances["app2"]
    stopped.process.stop()
    assert stopped.process.popen.returncode == 0, stopped.process.tail()
    wait_until(
        lambda: f"Server genscan/{stopped.name} is DOWN" in cluster.haproxy.output(),
        f"HAProxy to mark {stopped.name} down",
        cluster.haproxy,
        timeout=10,
    )

    # The page already open goes on, and so does a reload of it: every callback from app2
    # (its scripts and styles stay in the browser's cache, wherever they came from).
    pick_month(page, FIXTURE_MONTHS[-3])
    assert_page_shows(page, api, FIXTURE_MONTHS[-3])
    open_page(page, "/")
    assert_page_shows(page, api, FIXTURE_MONTHS[-1])
    pick_month(page, FIXTURE_MONTHS[0])
    assert_page_shows(page, api, FIXTURE_MONTHS[0])
    after = responses.take()
    callbacks = Responses.served_by(after)
    assert len(callbacks) >= 2  # one per month chosen (the first screen comes with the page)
    assert set(callbacks) == {kept.name}, callbacks
    (document,) = [r for r in after if urlsplit(r.url).path == "/"]
    assert document.headers[SERVED_BY.lower()] == kept.name

    # A new visitor, with nothing cached, gets the whole page from app2 alone.
    with visitor(browser, cluster.url) as newcomer:
        fresh = Responses(newcomer)
        open_page(newcomer, "/")
        pick_month(newcomer, FIXTURE_MONTHS[1])
        assert_page_shows(newcomer, api, FIXTURE_MONTHS[1])
        served = Responses.served_by(fresh.take(), callbacks_only=False)
    assert len(served) > 10
    assert set(served) == {kept.name}, served
    answers = [cluster.get("/api/v1/months") for _ in range(4)]
    assert [(a.status, a.served_by) for a in answers] == [(200, kept.name)] * 4
