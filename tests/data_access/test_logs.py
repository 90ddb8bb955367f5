"""Log lines: one JSON object each on stderr (or text), secrets masked, installed once."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from data_access.logs import StderrHandler, configure_logging
from data_access.settings import Settings


@pytest.fixture(autouse=True)
def restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_each_record_is_one_json_object_with_its_extra_fields(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging(Settings())
    logging.getLogger("genscan.test").warning(
        "import %s", "rejected", extra={"file": "a.csv", "problems": 3}
    )
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    line = json.loads(lines[0])
    assert line["level"] == "WARNING"
    assert line["logger"] == "genscan.test"
    assert line["message"] == "import rejected"
    assert (line["file"], line["problems"]) == ("a.csv", 3)
    assert line["time"].endswith("+00:00")


def test_an_exception_is_logged_with_its_traceback_in_the_same_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging(Settings())
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("genscan.test").exception("failed")
    (line,) = capsys.readouterr().err.splitlines()
    assert "RuntimeError: boom" in json.loads(line)["exception"]


def test_passwords_of_urls_and_connection_strings_never_reach_the_log(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging(Settings())
    logging.getLogger("genscan.test").error(
        "cannot reach %s or %s (password=%s)",
        "postgresql+psycopg://genscan:db-secret@db/genscan",
        "redis://:cache-secret@cache:6379/0",
        "dsn-secret",
        extra={"url": "postgresql://u:extra-secret@h/db"},
    )
    err = capsys.readouterr().err
    for secret in ("db-secret", "cache-secret", "dsn-secret", "extra-secret"):
        assert secret not in err
    assert "genscan:***@db/genscan" in err


def test_text_format_writes_readable_lines(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(Settings(log_format="text"))
    logging.getLogger("genscan.test").info("ready", extra={"port": 8050})
    (line,) = capsys.readouterr().err.splitlines()
    assert " INFO genscan.test ready " in line
    assert line.endswith("port=8050")


def test_configuring_again_replaces_the_handler_and_keeps_others() -> None:
    other = logging.NullHandler()
    logging.getLogger().addHandler(other)
    configure_logging(Settings())
    configure_logging(Settings(log_level="WARNING"))
    root = logging.getLogger()
    assert sum(isinstance(h, StderrHandler) for h in root.handlers) == 1
    assert other in root.handlers
    assert root.level == logging.WARNING
