"""The fact-check database commands: import, export, ratings-report, reindex."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.cli import app
from service.config import get_settings
from tests.claims_db.feeds import FEEDS

runner = CliRunner()


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    database = tmp_path / "cli.db"
    monkeypatch.setenv("CLAIMFLAG_DATABASE_PATH", str(database))
    get_settings.cache_clear()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    yield database
    get_settings.cache_clear()


@pytest.mark.slow
def test_import_export_report_reindex(cli_db: Path) -> None:
    env = {"COLUMNS": "200"}
    imported = runner.invoke(app, ["import", str(FEEDS / "datafeed.json")], env=env)
    assert imported.exit_code == 0, imported.output
    assert "3 inserted, 0 updated, 0 unchanged, 3 rejected, 1 skipped" in imported.output
    assert "rejected dataFeedElement[2].item: missing url" in imported.output

    mapped = runner.invoke(
        app,
        [
            "import",
            str(FEEDS / "mapped.csv"),
            "--format",
            "csv",
            *("--map", "claim=statement", "--map", "rating=label", "--map", "url=link"),
            *("--map", "publisher=outlet", "--map", "review_date=published"),
        ],
        env=env,
    )
    assert mapped.exit_code == 0, mapped.output
    assert "2 inserted" in mapped.output and "line 4: missing url" in mapped.output
    unmapped = runner.invoke(app, ["import", str(FEEDS / "mapped.csv"), "--format", "csv"])
    assert unmapped.exit_code != 0

    out = cli_db.parent / "export.jsonld"
    exported = runner.invoke(app, ["export", str(out), "--verdict", "false"], env=env)
    assert exported.exit_code == 0, exported.output
    nodes = json.loads(out.read_text())["@graph"]
    assert [n["claimReviewed"] for n in nodes] == ["Half of all Europeans want to leave the EU."]
    again = runner.invoke(app, ["import", str(out)], env=env)
    assert "0 inserted, 0 updated, 1 unchanged" in again.output

    report = runner.invoke(app, ["ratings-report"], env=env)
    assert report.exit_code == 0, report.output
    assert "Grandstanding" in report.output and "Four Pinocchios" not in report.output
    everything = runner.invoke(app, ["ratings-report", "--all"], env=env)
    assert "Four Pinocchios" in everything.output

    reindexed = runner.invoke(app, ["reindex"], env=env)
    assert reindexed.exit_code == 0, reindexed.output
    assert "5 fact-checks re-embedded" in reindexed.output
