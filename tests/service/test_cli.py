import json
from pathlib import Path

import pytest
from sqlalchemy import text
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
    # "-" reads the article from standard input.
    piped = runner.invoke(app, ["analyze", "--json", "-"], input=example_text.encode())
    assert piped.exit_code == 0, piped.output
    piped_flagged = [c for c in json.loads(piped.stdout)["claims"] if c["flagged"]]
    assert [c["text"] for c in piped_flagged] == [c["text"] for c in flagged]


def test_serve_refuses_an_unmigrated_database(cli_env: Path) -> None:
    result = runner.invoke(app, ["analyze", __file__], env={"COLUMNS": "200"})
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "claimflag db upgrade" in result.output and "Traceback" not in result.output
    # A database command says what is wrong and what mends it, without a traceback.
    seeded = runner.invoke(app, ["seed"], env={"COLUMNS": "200"})
    assert seeded.exit_code == 1 and seeded.exception is not None
    assert isinstance(seeded.exception, SystemExit)
    assert "claimflag db upgrade" in seeded.output and "Traceback" not in seeded.output


@pytest.mark.parametrize(
    "command",
    [["feeds", "list"], ["sources", "run", "x"], ["db", "refresh-profiles"], ["worker", "--once"]],
    ids=" ".join,
)
def test_every_command_refuses_an_unmigrated_database_without_a_traceback(
    cli_env: Path, command: list[str]
) -> None:
    result = runner.invoke(app, command, env={"COLUMNS": "200"})
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "claimflag db upgrade" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "text"),
        (b"  \n\t \n", "text"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "not UTF-8"),
    ],
    ids=["empty", "blank", "binary"],
)
def test_analyze_says_what_is_wrong_with_a_file_that_is_not_an_article(
    cli_env: Path, content: bytes, reason: str
) -> None:
    article = cli_env.parent / "article.txt"
    article.write_bytes(content)
    result = runner.invoke(app, ["analyze", str(article)], env={"COLUMNS": "200"})
    assert result.exit_code == 2, result.output
    assert reason in result.output and "Traceback" not in result.output
    # The file is refused before the database is opened (it is not even migrated here).
    assert "db upgrade" not in result.output
    piped = runner.invoke(app, ["analyze", "-"], input=content, env={"COLUMNS": "200"})
    assert piped.exit_code == 2 and reason in piped.output and "standard input" in piped.output


def test_analyze_names_a_missing_file(cli_env: Path) -> None:
    missing = cli_env.parent / "no-such-article.txt"
    result = runner.invoke(app, ["analyze", str(missing)], env={"COLUMNS": "200"})
    assert result.exit_code == 2 and "no such file" in result.output
    assert "Traceback" not in result.output


def test_db_refresh_profiles_rewrites_stale_ones(cli_env: Path) -> None:
    import numpy as np
    from sqlalchemy import update

    from claims_db.db import make_engine, make_session_factory
    from claims_db.models import FactCheckProfile
    from claims_db.repository import FactCheckInput, FactCheckRepository
    from models.retrieval import lexical_profile

    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    engine = make_engine(get_settings().resolved_database_url)
    claims = ["The moon landing was staged in 1969.", "Vaccines contain 5G microchips."]
    with make_session_factory(engine).begin() as session:
        repository = FactCheckRepository(session)
        for number, claim in enumerate(claims):
            row, _ = repository.upsert(
                FactCheckInput(
                    claim=claim, rating="False", publisher="P", url=f"https://p.example/{number}"
                )
            )
            vector = np.zeros((1, 384), dtype=np.float32)
            vector[0, number] = 1.0
            repository.store_embeddings("m", [row.id], vector, [claim])
        session.execute(update(FactCheckProfile).values(profile="p-older\x1fx"))

    result = runner.invoke(app, ["db", "refresh-profiles", "--batch-size", "1"])
    assert result.exit_code == 0, result.output
    assert "2 of 2 lexical profiles written" in result.output
    with engine.connect() as connection:
        stored = connection.execute(
            text("SELECT profile FROM fact_check_profiles ORDER BY fact_check_id")
        ).scalars()
        assert list(stored) == [lexical_profile(claim) for claim in claims]
    engine.dispose()


def test_bulk_import_and_build_index(cli_env: Path) -> None:
    from claims_db.db import make_engine
    from claims_db.pg_search import drop_vector_index
    from tests.claims_db.feeds import FEEDS

    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    imported = runner.invoke(
        app, ["import", str(FEEDS / "datafeed.json"), "--bulk", "--maintenance-work-mem", "64MB"]
    )
    assert imported.exit_code == 0, imported.output
    assert "3 inserted" in imported.output
    built = runner.invoke(app, ["db", "build-index"])
    assert built.exit_code == 0, built.output
    url = get_settings().resolved_database_url
    if not url.startswith("postgresql"):
        assert "--bulk changes nothing on SQLite" in imported.output
        assert "nothing to build on SQLite" in built.output
        return
    assert "building the vector index" in imported.output
    assert "vector index: valid" in built.output and "built in" not in built.output
    engine = make_engine(url)
    drop_vector_index(engine)
    engine.dispose()
    rebuilt = runner.invoke(app, ["db", "build-index", "--maintenance-work-mem", "64MB"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "vector index: missing" in rebuilt.output and "vector index built in" in rebuilt.output


def test_import_refuses_deeply_nested_json(cli_env: Path) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    feed = cli_env.parent / "deep.json"
    feed.write_bytes(b"[" * 200_000 + b"]" * 200_000)
    result = runner.invoke(app, ["import", str(feed)])
    assert result.exit_code == 1
    assert "nests deeper than 64 levels" in result.output


def test_an_import_that_rejects_every_record_fails(cli_env: Path) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    feed = cli_env.parent / "bad.jsonl"
    feed.write_text('{"claim": "no rating, no url"}\n{"claim": "nor here"}\n', encoding="utf-8")
    result = runner.invoke(app, ["import", "--format", "jsonl", str(feed)])
    assert result.exit_code == 1, result.output
    assert "every record was rejected" in result.output
