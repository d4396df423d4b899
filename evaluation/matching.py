"""Evaluate claim matching on CheckThat! 2022 task 2A with the production retrieval code.

Run ``python -m evaluation.matching [--split dev] [--data-dir ../shared/data]``. The
14,231 verified claims are loaded into the production in-memory backend
(``claims_db.search.FactCheckIndex``) and queried through ``models.retrieval.Matcher``;
embeddings are cached under ``.cache/`` so repeated runs skip the encoder.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from claims_db.search import FactCheckIndex
from models.embedding import TITLE_WEIGHT, Embedder, Precision, Vectors, fact_check_vectors
from models.encoders.multilingual import MultilingualEncoder
from models.encoders.runtime import RuntimeKind
from models.encoders.use import UseEncoder
from models.matching import FactCheckRecord
from models.pipeline import MatchingSettings, Pipeline
from models.reranking import SEARCH_RERANK_DEPTH, load_cross_reranker
from models.retrieval import (
    RRF_K,
    CandidatePool,
    Matcher,
    MatcherSettings,
    Reranker,
    Tier,
    clean_query,
)
from models.retrieval.crosslingual import CrossLingualMatcher
from models.verdicts import normalize_rating
from training.data import DEFAULT_DATABASE, cached_encode, full_index

logger = logging.getLogger(__name__)

TASK_DIR = "checkthat2022-task2a-en"


@dataclass(frozen=True, slots=True)
class CheckThatData:
    """The verified claims, the queries of one split and their relevant claim ids."""

    records: list[FactCheckRecord]
    vclaim_ids: list[str]
    query_ids: list[str]
    queries: list[str]
    relevant: list[set[int]]
    titles: Sequence[str | None] | None = None


def load_checkthat(data_dir: Path, split: str) -> CheckThatData:
    """Read the task 2A English files for ``split`` (``train`` or ``dev``)."""
    root = data_dir / TASK_DIR
    records: list[FactCheckRecord] = []
    vclaim_ids: list[str] = []
    titles: list[str] = []
    with (root / "vclaims_enriched_with_snopes_rating.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            item = json.loads(line)
            rating = item.get("rating") or "unrated"
            records.append(
                FactCheckRecord(
                    id=len(records),
                    claim=item["vclaim"],
                    rating=rating,
                    verdict=normalize_rating(rating),
                    publisher=item.get("publisher") or "Snopes",
                    url=item.get("page_url_derived") or "",
                )
            )
            vclaim_ids.append(item["vclaim_id"])
            titles.append((item.get("title") or "").strip())
    position = {v: i for i, v in enumerate(vclaim_ids)}
    texts: dict[str, str] = {}
    with (root / "train/CT2022-Task2A-EN-Train-Dev_Queries.tsv").open(encoding="utf-8") as handle:
        for line in handle:
            if "\t" in line:
                query_id, text = line.rstrip("\n").split("\t", 1)
                texts[query_id] = text
    qrels = root / (
        "train/CT2022-Task2A-EN-Train_QRELs.tsv"
        if split == "train"
        else "dev/CT2022-Task2A-EN-Dev_QRELs.tsv"
    )
    relevant: dict[str, set[int]] = {}
    with qrels.open(encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) == 4 and parts[3] != "0" and parts[2] in position:
                relevant.setdefault(parts[0], set()).add(position[parts[2]])
    query_ids = [q for q in relevant if q in texts]
    return CheckThatData(
        records=records,
        vclaim_ids=vclaim_ids,
        query_ids=query_ids,
        queries=[texts[q] for q in query_ids],
        relevant=[relevant[q] for q in query_ids],
        titles=titles,
    )


class _CachedEncoder:
    """``embedder`` with its vectors cached on disk under ``name`` (``cached_encode``)."""

    def __init__(self, embedder: Embedder, name: str) -> None:
        self.embedder = embedder
        self.name = name

    def encode(self, texts: list[str]) -> Vectors:
        return cached_encode(self.embedder, texts, self.name)


def build_index(
    embedder: Embedder,
    data: CheckThatData,
    *,
    without_relevant: bool = False,
    title_weight: float = TITLE_WEIGHT,
) -> FactCheckIndex:
    """The production in-memory backend loaded with the verified claims, each stored as
    the service stores it (``models.embedding.fact_check_vectors``: the claim's vector
    moved towards the fact-check's headline).

    Args:
        embedder: The encoder (its vectors are cached on disk).
        data: The task data.
        without_relevant: Leave out every fact-check relevant to a query of the split, to
            measure what happens to claims that have no fact-check in the database.
        title_weight: Weight of the headline; 0 stores the claim's vector alone (as
            before headlines were kept). Defaults to the service's.
    """
    claims = [r.claim for r in data.records]
    titles = data.titles if data.titles is not None else [None] * len(claims)
    vectors = fact_check_vectors(_CachedEncoder(embedder, "vclaims"), claims, titles, title_weight)
    keep = np.ones(len(data.records), dtype=bool)
    if without_relevant:
        keep[sorted(set().union(*data.relevant))] = False
    index = FactCheckIndex(embedder.model_name, embedder.dimension)
    ids = np.flatnonzero(keep).astype(np.int64)
    index.load([data.records[i] for i in ids], ids, vectors[keep])
    return index


def average_precision_at(ranked: Sequence[int], relevant: set[int], k: int) -> float:
    """Average precision over the top ``k`` (the CheckThat! definition: divided by |relevant|)."""
    hits = 0
    total = 0.0
    for position, item in enumerate(ranked[:k], start=1):
        if item in relevant:
            hits += 1
            total += hits / position
    return total / min(len(relevant), k) if relevant else 0.0


def metrics(rankings: Sequence[Sequence[int]], relevant: Sequence[set[int]]) -> dict[str, float]:
    """MAP@1, MAP@5 and Recall@1/5/20 of ranked id lists."""
    out: dict[str, float] = {}
    for k in (1, 5):
        out[f"MAP@{k}"] = float(
            np.mean(
                [average_precision_at(r, g, k) for r, g in zip(rankings, relevant, strict=True)]
            )
        )
    for k in (1, 5, 20):
        out[f"R@{k}"] = float(
            np.mean([len(set(r[:k]) & g) / len(g) for r, g in zip(rankings, relevant, strict=True)])
        )
    return out


def fused_ranking(pool: CandidatePool) -> list[int]:
    """Reciprocal rank fusion of a pool's dense and lexical ranks."""
    dense_depth = len(pool.cosine_rank) + 1
    lexical_depth = len(pool.bm25_rank) + 1

    def rrf(fact_check_id: int) -> float:
        return 1 / (RRF_K + pool.cosine_rank.get(fact_check_id, dense_depth)) + 1 / (
            RRF_K + pool.bm25_rank.get(fact_check_id, lexical_depth)
        )

    return sorted(pool.records, key=rrf, reverse=True)


def _timed(function: Callable[[], list[list[int]]], queries: int) -> tuple[list[list[int]], float]:
    start = time.perf_counter()
    result = function()
    return result, (time.perf_counter() - start) * 1000 / max(1, queries)


def reliability_table(
    confidences: Sequence[float], correct: Sequence[bool], bins: Sequence[float]
) -> list[tuple[str, int, float, float]]:
    """Rows ``(bin, count, mean confidence, accuracy)`` for top-1 suggestions."""
    conf = np.asarray(confidences)
    hit = np.asarray(correct, dtype=float)
    rows: list[tuple[str, int, float, float]] = []
    for low, high in itertools.pairwise(bins):
        inside = (conf >= low) & ((conf < high) if high < 1 else (conf <= high))
        if inside.any():
            rows.append(
                (
                    f"[{low:.2f}, {high:.2f}{']' if high >= 1 else ')'}",
                    int(inside.sum()),
                    float(conf[inside].mean()),
                    float(hit[inside].mean()),
                )
            )
        else:
            rows.append((f"[{low:.2f}, {high:.2f})", 0, float("nan"), float("nan")))
    return rows


def evaluate(
    embedder: Embedder,
    data: CheckThatData,
    matcher: Matcher,
    *,
    clean: bool = True,
    title_weight: float = TITLE_WEIGHT,
) -> dict[str, object]:
    """Every stage's metrics and latency, and the tiers' precision and coverage
    (``title_weight``: see ``build_index``)."""
    index = build_index(embedder, data, title_weight=title_weight)
    query_texts = [clean_query(q) for q in data.queries] if clean else list(data.queries)
    vectors = cached_encode(embedder, query_texts, f"queries-{'clean' if clean else 'raw'}")
    n = len(data.queries)
    depth = max(matcher.settings.dense_depth, matcher.settings.lexical_depth, 20)
    stages: dict[str, tuple[list[list[int]], float]] = {}
    stages["bm25"] = _timed(
        lambda: [[c.fact_check.id for c in row] for row in index.lexical(query_texts, k=depth)], n
    )
    stages["dense"] = _timed(
        lambda: [[c.fact_check.id for c in row] for row in index.nearest(vectors, k=depth)], n
    )
    pools_holder: list[list[CandidatePool]] = []

    def fuse() -> list[list[int]]:
        pools = matcher.candidates(data.queries, vectors, index)
        pools_holder.append(pools)
        return [fused_ranking(p) for p in pools]

    stages["bm25+dense RRF"] = _timed(fuse, n)
    ranked_holder: list[list[list[object]]] = []

    def rerank() -> list[list[int]]:
        ranked = matcher.rank(data.queries, vectors, index, limit=depth, keep_all=True)
        ranked_holder.append(ranked)  # type: ignore[arg-type]
        return [[m.fact_check.id for m in row] for row in ranked]

    stages["fused + re-ranked"] = _timed(rerank, n)
    # Embedding cost of one query at a time (what the pipeline pays per claim, batched less).
    sample = query_texts[:50]
    start = time.perf_counter()
    for text in sample:
        embedder.encode([text])
    embed_ms = (time.perf_counter() - start) * 1000 / len(sample)

    table = {
        name: {**metrics(ranking, data.relevant), "ms/query": ms}
        for name, (ranking, ms) in stages.items()
    }
    ranked = matcher.rank(data.queries, vectors, index, limit=depth, keep_all=True)
    top = [row[0] if row else None for row in ranked]
    correct = [
        m is not None and m.fact_check.id in g for m, g in zip(top, data.relevant, strict=True)
    ]
    confidences = [m.confidence if m else 0.0 for m in top]
    tiers = {}
    for tier in Tier:
        chosen = [c for m, c in zip(top, correct, strict=True) if m is not None and m.tier is tier]
        tiers[tier.value] = {
            "suggestions": len(chosen),
            "coverage": len(chosen) / n,
            "precision": (sum(chosen) / len(chosen)) if chosen else float("nan"),
        }
    # The same queries when their fact-checks are missing from the database: every
    # suggestion is then wrong, so fewer is better.
    absent_index = build_index(embedder, data, without_relevant=True, title_weight=title_weight)
    absent = matcher.rank(data.queries, vectors, absent_index, keep_all=True)
    absent_tiers = {
        tier.value: sum(1 for row in absent if row and row[0].tier is tier) / n for tier in Tier
    }
    return {
        "queries": n,
        "fact_checks": len(data.records),
        "absent_tiers": absent_tiers,
        "stages": table,
        "embed_ms_per_query": embed_ms,
        "tiers": tiers,
        "reliability": reliability_table(
            confidences, correct, [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0]
        ),
    }


def print_report(report: dict[str, object], split: str) -> None:
    """Markdown tables of an ``evaluate`` report."""
    print(
        f"\nCheckThat! 2022 task 2A {split}: {report['queries']} queries, "
        f"{report['fact_checks']} fact-checks\n"
    )
    print("| stage | MAP@1 | MAP@5 | R@1 | R@5 | R@20 | ms/query |")
    print("|---|---|---|---|---|---|---|")
    for name, row in report["stages"].items():  # type: ignore[attr-defined]
        print(
            f"| {name} | {row['MAP@1']:.4f} | {row['MAP@5']:.4f} | {row['R@1']:.4f} | "
            f"{row['R@5']:.4f} | {row['R@20']:.4f} | {row['ms/query']:.2f} |"
        )
    print(
        f"\nembedding one query: {report['embed_ms_per_query']:.2f} ms "
        "(stage latencies above exclude it)\n"
    )
    print("| tier | suggestions | coverage | precision of top-1 |")
    print("|---|---|---|---|")
    for name, row in report["tiers"].items():  # type: ignore[attr-defined]
        print(f"| {name} | {row['suggestions']} | {row['coverage']:.3f} | {row['precision']:.3f} |")
    absent: dict[str, float] = report["absent_tiers"]  # type: ignore[assignment]
    print(
        f"\nWith the split's fact-checks removed from the index (every suggestion wrong): "
        f"{absent['confirmed'] + absent['likely']:.3f} of queries still get a verdict-suggesting "
        "match, "
        f"{absent['possible']:.3f} a possible one."
    )
    print("\nReliability of the top-1 confidence:\n")
    print("| confidence | n | mean confidence | accuracy |")
    print("|---|---|---|---|")
    for label, count, mean, accuracy in report["reliability"]:  # type: ignore[attr-defined]
        print(f"| {label} | {count} | {mean:.3f} | {accuracy:.3f} |")


def with_multilingual(pipeline: Pipeline, encoder: MultilingualEncoder | None) -> Pipeline:
    """``pipeline`` matching across languages as the service does by default
    (``CLAIMFLAG_MULTILINGUAL`` and ``CLAIMFLAG_MULTILINGUAL_RESCORE``): with ``encoder`` and
    the cross-lingual matcher's second encoder; as it was without an encoder."""
    if encoder is not None:
        pipeline.multilingual = encoder
        pipeline.crosslingual = CrossLingualMatcher(second=UseEncoder())
    return pipeline


def search_metrics(data_dir: Path, split: str, database: Path | None = None) -> dict[str, float]:
    """MAP@1, MAP@5 and R@5 of the split's queries through ``Pipeline.search`` (what ``GET
    /v1/factchecks/search?q=`` runs, the raw tweet as ``q``) over the full database
    (``claimflag seed --with-datasets``, built at ``database`` when missing; default
    ``training.data.DEFAULT_DATABASE``, as ``evaluation.matching_news`` uses): all ~20k
    fact-checks as the service stores them, not the task's verified claims alone. A
    verified claim is found as the stored record with its URL and wording."""
    from claims_db.models import claim_key
    from models.checkworthiness import load_scorer

    data = load_checkthat(data_dir, split)
    embedder, multilingual = Embedder(), MultilingualEncoder()
    index = full_index(embedder, data_dir, database or DEFAULT_DATABASE, multilingual)
    # As the service builds it with default settings: the search ranked with the packaged
    # cross-encoder re-ranker.
    settings = MatchingSettings()
    search_matcher = Matcher(
        settings.matcher_settings(), cross=load_cross_reranker(depth=SEARCH_RERANK_DEPTH)
    )
    pipeline = with_multilingual(
        Pipeline(embedder, load_scorer(), settings, search_matcher=search_matcher), multilingual
    )
    keys = [(r.url, claim_key(r.claim)) for r in data.records]
    rankings: list[list[int]] = []
    relevant: list[set[int]] = []
    for query, wanted in zip(data.queries, data.relevant, strict=True):
        found = pipeline.search(query, index, None, limit=5)
        position = {keys[i]: i for i in wanted}
        rankings.append(
            [position.get((m.fact_check.url, claim_key(m.fact_check.claim)), -1) for m in found]
        )
        relevant.append(set(wanted))
    scores = metrics(rankings, relevant)
    return {name: scores[name] for name in ("MAP@1", "MAP@5", "R@5")}


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--split", default="dev", choices=["train", "dev"])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--reranker", type=Path, default=None, help="a re-ranker JSON artefact")
    parser.add_argument("--raw-queries", action="store_true", help="embed queries uncleaned")
    parser.add_argument(
        "--runtime",
        default=RuntimeKind.ONNX.value,
        choices=[kind.value for kind in RuntimeKind],
        help="encoder runtime (compare fp32 with onnx-int8)",
    )
    parser.add_argument(
        "--precision", default="auto", choices=[p.value for p in Precision], help="torch only"
    )
    parser.add_argument(
        "--title-weight",
        type=float,
        default=TITLE_WEIGHT,
        help="weight of each fact-check's headline in its vector; 0: the claim alone",
    )
    parser.add_argument(
        "--through-search",
        action="store_true",
        help="instead: the split through GET /v1/factchecks/search over the full database",
    )
    parser.add_argument("--database", type=Path, default=None, help="default: .cache/eval/full.db")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args.through_search:
        scores = search_metrics(args.data_dir, args.split, args.database)
        print(f"\nCheckThat! 2022 task 2A {args.split} through the search, full database")
        print("\n| MAP@1 | MAP@5 | R@5 |\n|---|---|---|")
        print(
            " | ".join(["", *(f"{scores[k]:.4f}" for k in ("MAP@1", "MAP@5", "R@5")), ""]).strip()
        )
        return
    reranker = Reranker.from_json(args.reranker.read_text()) if args.reranker else None
    embedder = Embedder(runtime=args.runtime, precision=Precision(args.precision))
    data = load_checkthat(args.data_dir, args.split)
    report = evaluate(
        embedder,
        data,
        Matcher(MatcherSettings(), reranker),
        clean=not args.raw_queries,
        title_weight=args.title_weight,
    )
    print_report(report, args.split)


if __name__ == "__main__":
    main()
