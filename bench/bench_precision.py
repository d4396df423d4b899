"""bf16 against fp32: encode speed and matching quality on CheckThat 2022 task 2A (dev).

Each dev tweet has one gold verified claim; the corpus is every gold claim plus random
distractors from the same collection. Both precisions embed the same texts in one run.

    .venv/bin/python bench/bench_precision.py --distractors 3000

Prints a Markdown table and writes bench/results/precision.json.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
from _data import DATA_DIR, Timer, environment, table, write_json

from models.embedding import Embedder, Precision, cpu_has_amx

TASK = DATA_DIR / "checkthat2022-task2a-en"


def load(distractors: int, seed: int) -> tuple[list[str], list[str], list[int]]:
    """Dev queries, the claim corpus, and each query's gold position in the corpus."""
    claims: dict[str, str] = {}
    with (TASK / "vclaims_enriched_with_snopes_rating.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            claims[record["vclaim_id"]] = record["vclaim"]
    tweets = {}
    for line in (TASK / "train" / "CT2022-Task2A-EN-Train-Dev_Queries.tsv").read_text().split("\n"):
        fields = line.split("\t")
        if len(fields) >= 2:
            tweets[fields[0]] = fields[1]
    gold = []
    for line in (TASK / "dev" / "CT2022-Task2A-EN-Dev_QRELs.tsv").read_text().splitlines():
        tweet_id, _, claim_id, relevant = line.split("\t")
        if relevant.strip() == "1" and tweet_id in tweets and claim_id in claims:
            gold.append((tweet_id, claim_id))
    wanted = sorted({claim_id for _, claim_id in gold})
    others = sorted(set(claims) - set(wanted))
    rng = np.random.default_rng(seed)
    picked = [others[i] for i in rng.choice(len(others), size=distractors, replace=False)]
    corpus_ids = wanted + picked
    position = {claim_id: i for i, claim_id in enumerate(corpus_ids)}
    queries = [tweets[t] for t, _ in gold]
    return queries, [claims[c] for c in corpus_ids], [position[c] for _, c in gold]


def evaluate(query_vectors: np.ndarray, corpus_vectors: np.ndarray, gold: list[int]) -> dict:
    ranking = np.argsort(-(query_vectors @ corpus_vectors.T), axis=1)[:, :10]
    ranks = [
        int(np.where(row == target)[0][0]) + 1 if target in row else None
        for row, target in zip(ranking, gold, strict=True)
    ]
    return {
        "recall_at_1": round(float(np.mean([r == 1 for r in ranks])), 4),
        "recall_at_5": round(float(np.mean([r is not None and r <= 5 for r in ranks])), 4),
        "mrr_at_10": round(float(np.mean([1 / r if r else 0.0 for r in ranks])), 4),
        "top10": ranking,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--distractors", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    queries, corpus, gold = load(args.distractors, args.seed)
    print(f"{len(queries)} queries, {len(corpus)} claims; AMX: {cpu_has_amx()}")
    results = {}
    for precision in (Precision.FP32, Precision.BF16):
        embedder = Embedder(precision=precision)
        embedder.encode(corpus[:64])  # warm-up
        with Timer() as timer:
            corpus_vectors = embedder.encode(corpus)
        query_vectors = embedder.encode(queries)
        scores = evaluate(query_vectors, corpus_vectors, gold)
        results[precision.value] = {
            "sentences_per_s": round(len(corpus) / timer.seconds, 1),
            **scores,
            "vectors": (query_vectors, corpus_vectors),
        }
        print(precision.value, {k: v for k, v in scores.items() if k != "top10"}, flush=True)

    fp32, bf16 = results["fp32"], results["bf16"]
    same_top1 = float(np.mean(fp32["top10"][:, 0] == bf16["top10"][:, 0]))
    fp32_q, fp32_c = fp32["vectors"]
    bf16_q, bf16_c = bf16["vectors"]
    similarity_shift = float(np.abs(fp32_q @ fp32_c.T - bf16_q @ bf16_c.T).mean())
    rows = [
        [name, r["sentences_per_s"], r["recall_at_1"], r["recall_at_5"], r["mrr_at_10"]]
        for name, r in results.items()
    ]
    print(table(["precision", "encode sentences/s", "recall@1", "recall@5", "MRR@10"], rows))
    print(
        f"same top-1 under both: {same_top1:.3f}; mean |Δ cosine|: {similarity_shift:.4f}; "
        f"bf16 speed-up ×{bf16['sentences_per_s'] / fp32['sentences_per_s']:.2f}"
    )
    for r in results.values():
        del r["top10"], r["vectors"]
    path = write_json(
        "precision",
        {
            "environment": environment(),
            "queries": len(queries),
            "corpus": len(corpus),
            "results": results,
            "same_top1": round(same_top1, 4),
            "mean_abs_cosine_shift": round(similarity_shift, 5),
        },
    )
    print(f"results in {path}")


if __name__ == "__main__":
    main()
