"""The bounded load run (bench/load.py) for 10 s: no errors and nothing lost or doubled."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.load import errors, report, run_load


@pytest.mark.slow
@pytest.mark.sqlite_only("the load run serves a SQLite file of its own")
def test_short_load_run_loses_nothing(tmp_path: Path) -> None:
    results, integrity, elapsed = run_load(
        10, submitters=3, reviewers=2, workers=2, directory=tmp_path, log=lambda _: None
    )
    summary = report(results, integrity, elapsed)
    assert errors(results) == 0, summary
    assert integrity.accepted > 0 and results.handed_out, summary
    assert integrity.ok, summary
