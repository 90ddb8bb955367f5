"""The README's configuration table is the settings model, variable for variable."""

from __future__ import annotations

import os
import re
from typing import Any

from data_access.settings import REPO_ROOT, Settings

# Defaults computed where the app runs: the README describes them in words.
DESCRIBED = {
    "DATABASE_URL": "`sqlite:///…/instance/genscan.sqlite3`",
    "GENSCAN_WORKERS": "cores + 1 (at least 2)",
}


def configuration_table() -> dict[str, str]:
    """``variable → default`` as the README's "## Configuration" table writes them."""
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    table: dict[str, str] = {}
    for row in rows:
        names_cell, defaults_cell = (cell.strip() for cell in row.strip("|").split("|")[:2])
        names = re.findall(r"`([A-Z0-9_]+)`", names_cell)
        defaults = [d.strip() for d in defaults_cell.split(", ")]
        assert len(names) == len(defaults), row
        table.update(zip(names, defaults, strict=True))
    return table


def written(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return f"`{int(value)}`"
    return f"`{value}`"


def test_readme_lists_every_variable_the_settings_read_with_its_default() -> None:
    defaults = Settings()
    expected = {
        str(info.validation_alias): DESCRIBED.get(
            str(info.validation_alias), written(getattr(defaults, name))
        )
        for name, info in Settings.model_fields.items()
    }
    assert configuration_table() == expected


def test_defaults_the_readme_describes_in_words_hold() -> None:
    defaults = Settings()
    assert defaults.database_url.startswith("sqlite:///")
    assert defaults.database_url.endswith("/instance/genscan.sqlite3")
    assert defaults.workers == max(2, (os.cpu_count() or 1) + 1)
