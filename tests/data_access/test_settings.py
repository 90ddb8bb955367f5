"""Settings come from the environment only through ``Settings.from_env``."""

from __future__ import annotations

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
