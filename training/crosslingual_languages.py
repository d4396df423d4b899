"""Package each fact-check language's mean multilingual vector (the cross-lingual language pull).

``python -m training.crosslingual_languages [--database .cache/eval/full.db]`` reads the
multilingual vectors of the full database (``claimflag seed --with-datasets`` with the
CheckThat! 2022 verified claims, as ``training.data.full_database`` builds it) and writes
``models/artifacts/crosslingual_languages.json``: per language with at least
``MIN_FACT_CHECKS`` fact-checks, the mean of their vectors, and a card (command, database,
counts). ``models.retrieval.crosslingual`` subtracts a text's pull towards a language from
its similarity to that language's fact-checks. Nothing is learnt from labels, and no text
of ``multilingual-dev`` or ``realworld-dev`` is read.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sqlalchemy import select

from claims_db.db import make_engine, make_session_factory
from claims_db.models import FactCheck
from claims_db.repository import FactCheckRepository
from models.embedding import Embedder
from models.encoders.multilingual import MULTILINGUAL_MODEL_NAME, MultilingualEncoder
from models.retrieval.crosslingual import LANGUAGES_ARTIFACT
from training.data import DEFAULT_DATA_DIR, DEFAULT_DATABASE, full_database
from training.provenance import git_commit

logger = logging.getLogger(__name__)

# Fewer fact-checks than this make a mean that is one claim's topic more than a language.
MIN_FACT_CHECKS = 50


def language_means(
    languages: Sequence[str], vectors: npt.NDArray[np.float32], minimum: int = MIN_FACT_CHECKS
) -> tuple[dict[str, npt.NDArray[np.float32]], dict[str, int]]:
    """The mean vector per language with at least ``minimum`` rows, and every language's count.

    Args:
        languages: The language of each row of ``vectors``.
        vectors: Unit-length multilingual vectors, one row per fact-check.
        minimum: Rows a language needs to get a mean. Defaults to ``MIN_FACT_CHECKS``.
    """
    codes = np.asarray(languages)
    counts = {str(code): int((codes == code).sum()) for code in sorted(set(languages))}
    means = {
        code: vectors[codes == code].mean(axis=0).astype(np.float32)
        for code, count in counts.items()
        if count >= minimum
    }
    return means, counts


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--database", type=Path, default=DEFAULT_DATABASE)
    parser.add_argument("--output", type=Path, default=LANGUAGES_ARTIFACT)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    url = full_database(
        Embedder(), args.data_dir, args.database, multilingual=MultilingualEncoder()
    )
    with make_session_factory(make_engine(url))() as session:
        ids, vectors = FactCheckRepository(session).multilingual_matrix(MULTILINGUAL_MODEL_NAME)
        rows = session.execute(select(FactCheck.id, FactCheck.language))
        language_of = {int(fact_check_id): str(language) for fact_check_id, language in rows}
    means, counts = language_means([language_of[int(i)] for i in ids], vectors)
    if "en" not in means:
        raise SystemExit("no English mean: the language pull needs one")
    spec = {
        "card": {
            "what": "mean multilingual vector of the fact-checks per language, for the "
            "cross-lingual language pull (models.retrieval.crosslingual)",
            "command": "python -m training.crosslingual_languages " + " ".join(sys.argv[1:]),
            "encoder": MULTILINGUAL_MODEL_NAME,
            "data": "every fact-check with a multilingual vector in the full database "
            "(claimflag seed --with-datasets + the CheckThat! 2022 verified claims)",
            "min_fact_checks": MIN_FACT_CHECKS,
            "fact_checks_per_language": counts,
            "labels_used": "none",
            "commit": git_commit(),
            "date": dt.date.today().isoformat(),
        },
        "means": {code: [round(float(x), 6) for x in mean] for code, mean in means.items()},
    }
    args.output.write_text(json.dumps(spec, indent=1) + "\n", encoding="utf-8")
    logger.info("wrote %s (%s)", args.output, ", ".join(sorted(means)))


if __name__ == "__main__":
    main()
