"""docs/configuration.md is the settings' own reference table, and the CLI prints both."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.cli import app
from service.config import Settings, settings_reference

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_the_configuration_page_lists_every_setting_as_the_code_defines_it() -> None:
    reference = settings_reference()
    assert reference in DOC.read_text(encoding="utf-8"), (
        "docs/configuration.md is stale: regenerate its table with `claimflag config --reference`"
    )
    for name in Settings.model_fields:
        assert f"`CLAIMFLAG_{name.upper()}`" in reference


def test_config_shows_values_in_effect_and_masks_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIMFLAG_WEBHOOK_SECRET", "hunter2-not-shown")
    monkeypatch.setenv("CLAIMFLAG_TOP_K", "7")
    from service.config import get_settings

    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["config"], env={"COLUMNS": "200"})
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "hunter2" not in result.output
    assert any("CLAIMFLAG_TOP_K" in line and " 7 " in line for line in result.output.splitlines())
    reference = CliRunner().invoke(app, ["config", "--reference"])
    assert reference.exit_code == 0 and reference.output == settings_reference()
