"""Settings come from the environment only through ``Settings.from_env``."""

from __future__ import annotations

import os

import pytest

from data_access.settings import Settings, SettingsError, default_database_url


def test_defaults_use_embedded_sqlite_and_reference_month() -> None:
    settings = Settings.from_env({})
    assert settings.database_url == default_database_url()
    assert settings.database_url.startswith("sqlite:///")
    assert settings.database_url.endswith("instance/genscan.sqlite3")
    assert settings.reference_month == "2022-10"
    assert (settings.host, settings.port, settings.debug) == ("127.0.0.1", 8050, False)


def test_environment_overrides_are_typed() -> None:
    settings = Settings.from_env(
        {
            "DATABASE_URL": "postgresql+psycopg://u:p@db/genscan",
            "GENSCAN_REFERENCE_MONTH": "2023-01",
            "HOST": "0.0.0.0",
            "PORT": "9000",
            "GENSCAN_DEBUG": "true",
            "REDIS_URL": "redis://cache:6379/0",
        }
    )
    assert settings.database_url == "postgresql+psycopg://u:p@db/genscan"
    assert settings.reference_month == "2023-01"
    assert (settings.host, settings.port, settings.debug) == ("0.0.0.0", 9000, True)
    assert settings.redis_url == "redis://cache:6379/0"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORT", "http"),
        ("PORT", "70000"),
        ("GENSCAN_DEBUG", "maybe"),
        ("GENSCAN_REFERENCE_MONTH", "2022-13"),
        ("GENSCAN_REFERENCE_MONTH", "oct 2022"),
    ],
)
def test_malformed_values_are_refused_at_start(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})


def test_server_sizing_and_operations_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "GENSCAN_WORKERS": "5",
            "GENSCAN_THREADS": "4",
            "GENSCAN_LOG_FORMAT": "TEXT",
            "GENSCAN_LOG_LEVEL": "warning",
            "GENSCAN_MAX_BODY_BYTES": "65536",
            "PROMETHEUS_MULTIPROC_DIR": "/run/genscan-metrics",
        }
    )
    assert (settings.workers, settings.threads) == (5, 4)
    assert (settings.log_format, settings.log_level) == ("text", "WARNING")
    assert settings.max_body_bytes == 65536
    assert str(settings.metrics_dir) == "/run/genscan-metrics"


def test_server_defaults_use_every_core_and_json_logs() -> None:
    settings = Settings.from_env({})
    assert settings.workers == max(2, (os.cpu_count() or 1) + 1)
    assert settings.threads == 2
    assert (settings.log_format, settings.log_level) == ("json", "INFO")
    assert settings.max_body_bytes == 1_048_576
    assert settings.metrics_dir is None


def test_blank_variables_count_as_unset() -> None:
    settings = Settings.from_env({"DATABASE_URL": "  ", "HOST": "", "REDIS_URL": "", "PORT": ""})
    assert settings == Settings.from_env({})


def test_settings_built_in_code_ignore_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "9999")
    monkeypatch.setenv("GENSCAN_DEBUG", "1")
    assert (Settings().port, Settings().debug) == (8050, False)
    assert Settings.from_env().port == 9999


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("GENSCAN_WORKERS", "0"),
        ("GENSCAN_THREADS", "many"),
        ("GENSCAN_LOG_FORMAT", "xml"),
        ("GENSCAN_LOG_LEVEL", "loud"),
        ("GENSCAN_MAX_BODY_BYTES", "10"),
        ("GENSCAN_CACHE_TIMEOUT", "-1"),
    ],
)
def test_malformed_operation_values_are_refused_with_their_name(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=f"(?i)^{name}: .*got '{value}'"):
        Settings.from_env({name: value})


def test_a_misspelt_setting_in_code_is_refused() -> None:
    with pytest.raises(SettingsError, match="databse_url"):
        Settings(databse_url="sqlite://")  # type: ignore[call-arg]


def test_printed_settings_hide_passwords() -> None:
    settings = Settings.from_env(
        {
            "DATABASE_URL": "postgresql+psycopg://genscan:db-secret@db/genscan",
            "REDIS_URL": "redis://:cache-secret@cache:6379/0",
        }
    )
    shown = repr(settings) + str(settings)
    assert "db-secret" not in shown
    assert "cache-secret" not in shown
    assert "genscan:***@db" in shown
    assert settings.database_url.endswith("genscan:db-secret@db/genscan")
