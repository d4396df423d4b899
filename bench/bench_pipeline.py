"""End-to-end benchmark: article latency, stream throughput, import speed and memory.

For each backend (SQLite with the in-memory index, PostgreSQL + pgvector) and each size
(the ~11.8k real fact-checks, then real plus synthetic filler), it times the service's own
``analyze_article`` path on articles of 10, 40 and 100 sentences, interleaved with the raw
encode of the same sentences, so every figure has its hardware reference from the same run.

    .venv/bin/python bench/bench_pipeline.py --backends sqlite postgresql \\
        --sizes 10000 100000 1000000

Prints Markdown tables and writes bench/results/pipeline.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from _data import (
    DIM,
    Timer,
    article,
    environment,
    filler_rows,
    filler_vectors,
    peak_rss_mb,
    real_embeddings,
    real_factchecks,
    table,
    write_json,
)
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from claims_db.db import make_engine, make_session_factory
from claims_db.ingest import ingest
from claims_db.local_pg import LocalPostgres
from claims_db.migrate import upgrade
from claims_db.pg_search import hnsw_index_ddl, refresh_text_statistics
from models.checkworthiness import load_scorer
from models.embedding import Embedder
from models.pipeline import Pipeline
from models.retrieval import lexical_profile
from models.segmentation import SegmentKind, segment
from service.analysis.schemas import AnalyzeRequest
from service.analysis.service import analyze_article
from service.config import Settings
from service.runtime import build_search_backend

FILLER_CHUNK = 50_000


def sentences_of(text_: str) -> list[str]:
    return [s.text for s in segment(text_) if s.kind is SegmentKind.SENTENCE]


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


# --- bulk filler -------------------------------------------------------------------------


def add_filler_sqlite(
    engine: Engine, real: np.ndarray, claims: list[str], start_id: int, count: int
) -> None:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for offset in range(0, count, FILLER_CHUNK):
            size = min(FILLER_CHUNK, count - offset)
            first = start_id + offset
            rows = list(filler_rows(first, size, seed=first, real_claims=claims))
            cursor.executemany(
                "INSERT INTO fact_checks (id, claim, claim_key, rating, verdict, publisher,"
                " publisher_site, url, review_date, language, source, created_at, updated_at)"
                " VALUES (?, ?, ?, 'False', 'false', 'Synthetic Filler', 'filler.invalid', ?, ?,"
                " 'en', 'filler', ?, ?)",
                (
                    (i, claim, key, url, day.isoformat(), now, now)
                    for i, claim, key, day, url in rows
                ),
            )
            vectors = filler_vectors(real, size, seed=first)
            # As ingest writes them: the vector and the claim's lexical profile.
            cursor.executemany(
                "INSERT INTO fact_check_embeddings (fact_check_id, model_name, vector,"
                " created_at) VALUES (?, 'all-MiniLM-L6-v2', ?, ?)",
                ((first + j, vectors[j].tobytes(), now) for j in range(size)),
            )
            cursor.executemany(
                "INSERT INTO fact_check_profiles (fact_check_id, profile) VALUES (?, ?)",
                ((first + j, lexical_profile(rows[j][1])) for j in range(size)),
            )
            raw.commit()
    finally:
        raw.close()


def add_filler_postgres(
    url: str,
    real: np.ndarray,
    claims: list[str],
    start_id: int,
    count: int,
    index_ddl: str | None = None,
) -> float:
    """Binary COPY of filler rows, the HNSW index rebuilt and the term statistics recounted.

    ``index_ddl`` builds the graph (default: the migrations' own parameters). Returns the
    HNSW build seconds.
    """
    import psycopg
    from pgvector.psycopg import register_vector

    now = dt.datetime.now(dt.UTC)
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as connection:
        register_vector(connection)
        connection.execute("DROP INDEX IF EXISTS ix_fact_check_embeddings_vector_hnsw")
        connection.execute("ALTER TABLE fact_check_embeddings DISABLE TRIGGER USER")
        connection.execute("ALTER TABLE fact_checks DISABLE TRIGGER USER")
        with connection.cursor() as cursor:
            for offset in range(0, count, FILLER_CHUNK):
                size = min(FILLER_CHUNK, count - offset)
                first = start_id + offset
                rows = list(filler_rows(first, size, seed=first, real_claims=claims))
                with cursor.copy(
                    "COPY fact_checks (id, claim, claim_key, rating, verdict, publisher,"
                    " publisher_site, url, review_date, language, source, created_at,"
                    " updated_at) FROM STDIN (FORMAT BINARY)"
                ) as copy:
                    copy.set_types(
                        [
                            "int4",
                            "text",
                            "varchar",
                            "text",
                            "varchar",
                            "varchar",
                            "varchar",
                            "varchar",
                            "date",
                            "varchar",
                            "varchar",
                            "timestamptz",
                            "timestamptz",
                        ]
                    )
                    for i, claim, key, day, url_ in rows:
                        copy.write_row(
                            (
                                i,
                                claim,
                                key,
                                "False",
                                "false",
                                "Synthetic Filler",
                                "filler.invalid",
                                url_,
                                day,
                                "en",
                                "filler",
                                now,
                                now,
                            )
                        )
                vectors = filler_vectors(real, size, seed=first)
                with cursor.copy(
                    "COPY fact_check_embeddings (fact_check_id, model_name, vector,"
                    " created_at) FROM STDIN (FORMAT BINARY)"
                ) as copy:
                    copy.set_types(["int4", "varchar", "vector", "timestamptz"])
                    for j in range(size):
                        copy.write_row((first + j, "all-MiniLM-L6-v2", vectors[j], now))
                with cursor.copy(
                    "COPY fact_check_profiles (fact_check_id, profile) FROM STDIN (FORMAT BINARY)"
                ) as copy:
                    copy.set_types(["int4", "text"])
                    for j in range(size):
                        copy.write_row((first + j, lexical_profile(rows[j][1])))
        connection.execute("ALTER TABLE fact_check_embeddings ENABLE TRIGGER USER")
        connection.execute("ALTER TABLE fact_checks ENABLE TRIGGER USER")
        connection.execute(
            "SELECT setval(pg_get_serial_sequence('fact_checks', 'id'), max(id)) FROM fact_checks"
        )
        connection.commit()
        connection.execute("SET maintenance_work_mem = '6GB'")
        connection.execute("SET max_parallel_maintenance_workers = 1")
        with Timer() as build:
            connection.execute(index_ddl or hnsw_index_ddl())
            connection.commit()
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE fact_checks")
        connection.execute("VACUUM ANALYZE fact_check_embeddings")
        connection.execute("VACUUM ANALYZE fact_check_profiles")
    # COPY bypasses ingest, which recounts the full-text term statistics after an import.
    engine = make_engine(url)
    with Timer() as refresh, make_session_factory(engine).begin() as session:
        refresh_text_statistics(session)
    engine.dispose()
    print(f"    term statistics refreshed in {refresh.seconds:.1f} s", flush=True)
    return build.seconds


class CachedEmbedder:
    """Stands in for the encoder during bulk loads: known claims come from the cache."""

    def __init__(self, embedder: Embedder, texts: list[str], vectors: np.ndarray) -> None:
        self.model_name = embedder.model_name
        self.dimension = embedder.dimension
        self._embedder = embedder
        self._known = dict(zip(texts, vectors, strict=True))

    def encode(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in texts if t not in self._known]
        if missing:
            self._known.update(zip(missing, self._embedder.encode(missing), strict=True))
        return np.stack([self._known[t] for t in texts]) if texts else np.zeros((0, DIM))


# --- measurements ------------------------------------------------------------------------


def time_articles(
    pipeline: Pipeline,
    session_factory: sessionmaker[Session],
    index: Any,
    lengths: list[int],
    repeats: int,
) -> list[dict[str, Any]]:
    """Per-article latency through analyze_article, interleaved with the raw encode."""
    rows = []
    for length in lengths:
        texts = [article(length, seed=length * 1000 + i) for i in range(repeats + 2)]
        latencies, encodes = [], []
        for i, body in enumerate(texts):
            sentences = sentences_of(body)
            with Timer() as raw:
                pipeline.embedder.encode(sentences)
            with Timer() as full, session_factory() as session:
                analyze_article(
                    session, pipeline, index, AnalyzeRequest(text=body), max_chars=10**7
                )
            if i >= 2:  # warm-up
                latencies.append(full.seconds)
                encodes.append(raw.seconds)
        p50, encode_p50 = percentile(latencies, 50), percentile(encodes, 50)
        rows.append(
            {
                "sentences": length,
                "segmented_sentences": len(sentences_of(texts[0])),
                "p50_ms": round(p50 * 1000, 1),
                "p95_ms": round(percentile(latencies, 95) * 1000, 1),
                "raw_encode_p50_ms": round(encode_p50 * 1000, 1),
                "p50_over_encode": round(p50 / encode_p50, 2),
            }
        )
        print("   ", rows[-1], flush=True)
    return rows


def _stream_seconds(work: Any, items: list[Any], workers: int) -> float:
    with Timer() as timer:
        if workers == 1:
            for item in items:
                work(item)
        else:
            with ThreadPoolExecutor(workers) as pool:
                list(pool.map(work, items))
    return timer.seconds


def throughput(
    pipeline: Pipeline,
    session_factory: sessionmaker[Session],
    index: Any,
    articles: int,
    rounds: int,
    workers: list[int],
) -> dict[str, Any]:
    """Sentences/s of a stream of 40-sentence articles against the raw encoder's.

    Each stream runs one article at a time and, for each ``workers`` count above one, that
    many at once on threads, as concurrent requests run in a service process. The raw
    encoder runs the same way on the same sentences, interleaved round by round. The
    headline ratio compares the pipeline's best stream with the encoder's best, so the
    reference is the fastest the encoder alone was seen to go on this machine.
    """
    texts = [article(40, seed=90_000 + i) for i in range(articles)]
    split = [sentences_of(t) for t in texts]
    total = sum(len(s) for s in split)

    def analyze(body: str) -> None:
        with session_factory() as session:
            analyze_article(session, pipeline, index, AnalyzeRequest(text=body), max_chars=10**7)

    streams = []
    for count in workers:
        pipeline_times, encode_times = [], []
        for _ in range(rounds):
            encode_times.append(_stream_seconds(pipeline.embedder.encode, split, count))
            pipeline_times.append(_stream_seconds(analyze, texts, count))
        streams.append(
            {
                "workers": count,
                "raw_encoder_sentences_per_s": round(total / statistics.median(encode_times), 1),
                "pipeline_sentences_per_s": round(total / statistics.median(pipeline_times), 1),
                "pipeline_over_raw_same_workers": round(
                    statistics.median(encode_times) / statistics.median(pipeline_times), 3
                ),
            }
        )
        print("    stream", streams[-1], flush=True)
    best_raw = max(s["raw_encoder_sentences_per_s"] for s in streams)
    best_pipeline = max(s["pipeline_sentences_per_s"] for s in streams)
    result = {
        "articles": articles,
        "sentences": total,
        "streams": streams,
        "raw_encoder_sentences_per_s": best_raw,
        "pipeline_sentences_per_s": best_pipeline,
        "pipeline_over_raw": round(best_pipeline / best_raw, 3),
    }
    print("    throughput", {k: v for k, v in result.items() if k != "streams"}, flush=True)
    return result


# --- driver ------------------------------------------------------------------------------


class Backend:
    """A database for one backend that grows through the benchmark sizes."""

    def __init__(self, name: str, workdir: Path) -> None:
        self.name = name
        self.server: LocalPostgres | None = None
        if name == "postgresql":
            self.server = LocalPostgres(
                settings={"shared_buffers": "1GB", "max_wal_size": "4GB"}
            ).start()
            self.url = self.server.create_database("bench")
        else:
            self.url = f"sqlite:///{workdir / 'bench.db'}"
        upgrade(self.url)
        self.engine = make_engine(self.url)
        self.session_factory = make_session_factory(self.engine)

    def count(self) -> int:
        with self.session_factory() as session:
            return int(session.scalar(text("SELECT count(*) FROM fact_checks")) or 0)

    def max_id(self) -> int:
        with self.session_factory() as session:
            return int(session.scalar(text("SELECT coalesce(max(id), 0) FROM fact_checks")) or 0)

    def grow_to(self, size: int, real: np.ndarray, claims: list[str]) -> dict[str, Any]:
        missing = size - self.count()
        if missing <= 0:
            return {}
        with Timer() as timer:
            if self.server is not None:
                build = add_filler_postgres(self.url, real, claims, self.max_id() + 1, missing)
            else:
                add_filler_sqlite(self.engine, real, claims, self.max_id() + 1, missing)
                build = None
        result: dict[str, Any] = {
            "filler_rows": missing,
            "filler_rows_per_s": round(missing / timer.seconds),
        }
        if build is not None:
            result["hnsw_build_s"] = round(build, 1)
        return result

    def close(self) -> None:
        self.engine.dispose()
        if self.server is not None:
            self.server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--lengths", type=int, nargs="+", default=[10, 40, 100])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--stream-articles", type=int, default=16)
    parser.add_argument("--stream-rounds", type=int, default=3)
    parser.add_argument(
        "--stream-workers",
        type=int,
        nargs="+",
        default=[1, 2],
        help="concurrent articles in the throughput streams (threads, as in the service)",
    )
    parser.add_argument("--output", default="pipeline")
    parser.add_argument("--real-limit", type=int, default=None, help="smoke runs: fewer real")
    parser.add_argument(
        "--import-sample",
        type=int,
        default=1000,
        help="real fact-checks imported with encoding (timed); the rest reuse cached vectors",
    )
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="claimflag-bench-"))
    # The in-memory index saves its HNSW graph here, as the service does beside its file.
    settings = Settings(_env_file=None, graph_dir=workdir / "graph")  # type: ignore[call-arg]
    embedder = Embedder(precision=settings.precision)
    pipeline = Pipeline(embedder, load_scorer())
    real_items = real_factchecks()[: args.real_limit]
    real = real_embeddings(embedder)
    print(f"encoder precision {embedder.precision.value}; {len(real_items)} real fact-checks")

    results: dict[str, Any] = {"environment": environment(), "backends": {}}
    try:
        for name in args.backends:
            backend = Backend(name, workdir)
            report: dict[str, Any] = {"sizes": []}
            results["backends"][name] = report
            sample = real_items[: args.import_sample]
            with Timer() as timer:
                ingest(backend.session_factory, embedder, sample, batch_size=256)
            cached = CachedEmbedder(
                embedder, [i.claim for i in real_items], real[: len(real_items)]
            )
            rest = real_items[args.import_sample :]
            with Timer() as bulk:
                ingest(backend.session_factory, cached, rest, batch_size=1000)  # type: ignore[arg-type]
            report["import_real"] = {
                "fact_checks_encoded": len(sample),
                "fact_checks_per_s": round(len(sample) / timer.seconds, 1),
                "fact_checks_cached_vectors": len(rest),
                "cached_vectors_fact_checks_per_s": round(len(rest) / max(bulk.seconds, 1e-9), 1),
            }
            print(name, "import", report["import_real"], flush=True)
            for size in args.sizes:
                growth = backend.grow_to(size, real, [item.claim for item in real_items])
                count = backend.count()
                index = build_search_backend(
                    settings, backend.engine, backend.session_factory, pipeline
                )
                with Timer() as load, backend.session_factory() as session:
                    index.sync(session)
                entry: dict[str, Any] = {
                    "size": size,
                    "fact_checks": count,
                    **growth,
                    "index_load_s": round(load.seconds, 1),
                    "approximate": bool(getattr(index, "approximate", False)),
                }
                if name == "sqlite":  # a second process start reads the saved graph
                    restarted = build_search_backend(
                        settings, backend.engine, backend.session_factory, pipeline
                    )
                    with Timer() as reload, backend.session_factory() as session:
                        restarted.sync(session)
                    entry["index_restart_s"] = round(reload.seconds, 1)
                    del restarted
                print(name, entry, flush=True)
                entry["articles"] = time_articles(
                    pipeline, backend.session_factory, index, args.lengths, args.repeats
                )
                if "throughput" not in report and size in (100_000, args.sizes[-1]):
                    report["throughput"] = throughput(
                        pipeline,
                        backend.session_factory,
                        index,
                        args.stream_articles,
                        args.stream_rounds,
                        args.stream_workers,
                    )
                entry["peak_rss_mb"] = round(peak_rss_mb())
                report["sizes"].append(entry)
                del index
            backend.close()
            write_json(args.output, results)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print_tables(results)
    print(f"results in {write_json(args.output, results)}")


def print_tables(results: dict[str, Any]) -> None:
    latency_rows, other_rows = [], []
    for name, report in results["backends"].items():
        for entry in report["sizes"]:
            for row in entry["articles"]:
                latency_rows.append(
                    [
                        name,
                        f"{entry['fact_checks']:,}",
                        row["sentences"],
                        row["p50_ms"],
                        row["p95_ms"],
                        row["raw_encode_p50_ms"],
                        row["p50_over_encode"],
                    ]
                )
            other_rows.append(
                [
                    name,
                    f"{entry['fact_checks']:,}",
                    entry.get("filler_rows_per_s", "-"),
                    entry.get("hnsw_build_s", "-"),
                    entry["index_load_s"],
                    entry.get("index_restart_s", "-"),
                    entry["peak_rss_mb"],
                ]
            )
    print(
        table(
            [
                "backend",
                "fact-checks",
                "sentences",
                "p50 ms",
                "p95 ms",
                "raw encode p50 ms",
                "p50 / encode",
            ],
            latency_rows,
        )
    )
    print()
    print(
        table(
            [
                "backend",
                "fact-checks",
                "bulk filler rows/s",
                "pgvector HNSW build s",
                "index load s (first start)",
                "index load s (restart, saved graph)",
                "peak RSS MiB (bench process)",
            ],
            other_rows,
        )
    )
    print()
    throughput_rows, stream_rows = [], []
    for name, report in results["backends"].items():
        imported = report["import_real"]
        row = [name, imported["fact_checks_per_s"], imported["cached_vectors_fact_checks_per_s"]]
        if "throughput" in report:
            t = report["throughput"]
            row += [t["raw_encoder_sentences_per_s"], t["pipeline_sentences_per_s"]]
            row += [t["pipeline_over_raw"]]
            stream_rows += [
                [
                    name,
                    stream["workers"],
                    stream["raw_encoder_sentences_per_s"],
                    stream["pipeline_sentences_per_s"],
                    stream["pipeline_over_raw_same_workers"],
                ]
                for stream in t.get("streams", [])
            ]
        throughput_rows.append(row)
    print(
        table(
            [
                "backend",
                "import (encode + write) fact-checks/s",
                "import (write only) fact-checks/s",
                "raw encoder sentences/s (best stream)",
                "pipeline sentences/s (best stream)",
                "pipeline / raw",
            ],
            throughput_rows,
        )
    )
    if stream_rows:
        print()
        print(
            table(
                [
                    "backend",
                    "articles at once",
                    "raw encoder sentences/s",
                    "pipeline sentences/s",
                    "pipeline / raw (same stream)",
                ],
                stream_rows,
            )
        )


if __name__ == "__main__":
    main()
