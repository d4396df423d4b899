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
    # --language reads a tag or a name as its code, and refuses one naming no language.
    english = runner.invoke(app, ["export", str(out), "--language", "en-GB"], env=env)
    assert english.exit_code == 0, english.output
    assert len(json.loads(out.read_text())["@graph"]) == 5
    bogus = runner.invoke(app, ["export", str(out), "--language", "zz-bogus"], env=env)
    assert bogus.exit_code == 2 and "names no language" in bogus.output

    report = runner.invoke(app, ["ratings-report"], env=env)
    assert report.exit_code == 0, report.output
    assert "Grandstanding" in report.output and "Four Pinocchios" not in report.output
    everything = runner.invoke(app, ["ratings-report", "--all"], env=env)
    assert "Four Pinocchios" in everything.output

    reindexed = runner.invoke(app, ["reindex"], env=env)
    assert reindexed.exit_code == 0, reindexed.output
    assert "5 fact-checks re-embedded" in reindexed.output


def test_an_export_that_cannot_be_written_says_so_and_leaves_the_old_file(
    cli_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = cli_db.parent / "no-such-dir" / "out.jsonld"
    result = runner.invoke(app, ["export", str(missing)], env={"COLUMNS": "200"})
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "cannot write" in result.output and "Traceback" not in result.output

    # A failure mid-way leaves an earlier export whole and no partial file beside it.
    import claims_db.export

    out = cli_db.parent / "out.jsonld"
    out.write_text("earlier export\n", encoding="utf-8")

    def broken(*_: object) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(claims_db.export, "export_claim_reviews", broken)
    result = runner.invoke(app, ["export", str(out)], env={"COLUMNS": "200"})
    assert result.exit_code == 1 and "No space left on device" in result.output
    assert out.read_text(encoding="utf-8") == "earlier export\n"
    assert sorted(p.name for p in out.parent.iterdir() if "out.jsonld" in p.name) == ["out.jsonld"]
