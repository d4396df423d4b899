import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.cli import app
from service.config import get_settings

runner = CliRunner()


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, empty_database_url: str) -> Path:
    database = tmp_path / "cli.db"
    monkeypatch.setenv("CLAIMFLAG_DATABASE_PATH", str(database))
    if empty_database_url.startswith("postgresql"):
        monkeypatch.setenv("CLAIMFLAG_DATABASE_URL", empty_database_url)
    get_settings.cache_clear()
    yield database
    get_settings.cache_clear()


@pytest.mark.slow
def test_upgrade_seed_analyze(cli_env: Path, example_text: str) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    seeded = runner.invoke(app, ["seed", "--if-empty"])
    assert seeded.exit_code == 0, seeded.output
    assert "41 inserted" in seeded.output
    again = runner.invoke(app, ["seed", "--if-empty"])
    assert "nothing seeded" in again.output

    article = cli_env.parent / "article.txt"
    article.write_text(example_text, encoding="utf-8")
    table = runner.invoke(app, ["analyze", str(article)], env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    assert "theferret.scot" in table.output and "false" in table.output
    assert "debunks" in table.output

    as_json = runner.invoke(app, ["analyze", "--json", str(article)])
    body = json.loads(as_json.stdout)
    flagged = [c for c in body["claims"] if c["flagged"]]
    assert len(flagged) == 1 and "theferret.scot" in flagged[0]["matches"][0]["fact_check"]["url"]


def test_serve_refuses_an_unmigrated_database(cli_env: Path) -> None:
    result = runner.invoke(app, ["analyze", __file__])
    assert result.exit_code != 0
    assert "claimflag db upgrade" in str(result.exception)
