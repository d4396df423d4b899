"""Train the cross-encoder re-ranker and the calibrated combiner on top of it.

Run ``python -m training.reranker``. Writes ``models/artifacts/reranker_ce.safetensors``
(LoRA adapters + head on the packaged MiniLM) and ``reranker_ce.json`` (its spec, the
combiner that turns the first-stage score and the cross-encoder's logit into a calibrated
confidence, and the card: data, split, hyper-parameters, metrics).

Queries, each with the fact-checks that check it, come from five kinds of text:

- tweets: CheckThat! 2022 2A train queries and their verified claims;
- headlines: Snopes titles ("Did X say Y?") of the fact-checks they head;
- reported speech: PolitiFact statements as a newspaper reports, doubts or denies them
  ("X falsely claimed that ...");
- paraphrases: the database's fact-checks reviewed under one URL in two wordings;
- news prose that no fact-check checks: FNC-1 body sentences telling their story's rumour
  (the database then offers the same topic but another claim: the hard case of news) and
  sentences far from any headline.

The first version also taught FNC-1 body sentences to match every headline of their story;
it learnt topic rather than claim, and on realworld-dev it preferred other fact-checks of
the same subject (19 of 41 cases right against 25 for the first stage alone), so FNC-1 now
only supplies negatives.

Candidates come from the production first stage over the full database (``claimflag seed
--with-datasets``), so the negatives are the ones our own retrieval finds. Queries are split
by group (tweet, story, fact-check) into training and held-out parts: the cross-encoder
learns on the first; the combiner and its calibration are fitted on the second (in folds,
so no pair is scored by a map fitted on it), which also gives the card's figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import random
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from safetensors.torch import load_file
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from transformers import AutoTokenizer

from claims_db.search import FactCheckIndex
from models.embedding import Embedder
from models.encoders.cross_encoder import (
    CrossEncoderSpec,
    build_network,
    save_artifact,
)
from models.encoders.runtime import RuntimeKind
from models.matching import FactCheckRecord
from models.reranking import Combiner
from models.retrieval import Matcher, MatcherSettings, clean_query, load_reranker
from models.verdicts import normalize_rating
from training.cross_encoder import (
    FineTuneConfig,
    PairExample,
    add_base_argument,
    fine_tune,
    on_base,
    predict,
)
from training.data import (
    DEFAULT_DATA_DIR,
    DEFAULT_DATABASE,
    Corpus,
    body_sentences,
    cached_encode,
    fnc_stories,
    full_database,
    load_corpus,
    read_fnc,
    split_groups,
)
from training.provenance import git_commit

logger = logging.getLogger(__name__)

ARTIFACT_NAME = "reranker_ce"
ARTIFACT_DIR = Path(__file__).resolve().parent.parent / "models" / "artifacts"
# A candidate this close (cosine) to a query that no fact-check is known to check may well
# be the same claim: such pairs are left out rather than taught as negatives.
NEAR = 0.75
# Pseudo fact-check ids of the FNC-1 headlines, above any database id.
FNC_ID_BASE = 1_000_000_000
# An FNC-1 body sentence states its story's claim from this cosine to a headline on, and a
# headline says the same as the sentence from ``NEWS_SAME`` on.
NEWS_STATES = 0.6
NEWS_SAME = 0.5
SEED = 20250217


@dataclass(frozen=True, slots=True)
class Query:
    """A training query: its text, the ids of the fact-checks that check it, its kind and
    the group it is split by."""

    text: str
    positives: frozenset[int]
    kind: str
    group: str


@dataclass(frozen=True, slots=True)
class Pair:
    """A (query, candidate) pair with the first stage's score and the gold label."""

    query: int
    text: str
    claim: str
    first_stage: float
    label: int


def checkthat_queries(data_dir: Path, corpus: Corpus) -> list[Query]:
    """CheckThat! 2022 2A train tweets; positives: the database records of their claims' URLs."""
    from evaluation.matching import load_checkthat

    data = load_checkthat(data_dir, "train")
    urls = corpus.by_url()
    queries: list[Query] = []
    for query_id, text, relevant in zip(data.query_ids, data.queries, data.relevant, strict=True):
        positives = {i for r in relevant for i in urls.get(data.records[r].url, [])}
        if positives:
            queries.append(Query(text, frozenset(positives), "tweet", f"ct:{query_id}"))
    return queries


def fnc_queries(
    data_dir: Path, embedder: Embedder, rng: random.Random
) -> tuple[list[Query], list[FactCheckRecord], dict[int, frozenset[int]]]:
    """News sentences from FNC-1 bodies, and the FNC-1 headlines as pseudo fact-checks.

    Per body, the sentence closest to its story's headlines, when it states the claim
    (cosine >= ``NEWS_STATES``), is a query checked by the headlines that say the same
    (cosine >= ``NEWS_SAME``); the story's other headlines are neither right nor wrong for it
    (returned as ``ignored``: a story's headlines range over the whole rumour, and teaching
    them all as matches taught topic instead of claim). One sentence far from every
    headline is news that nothing checks.
    """
    bodies, rows = read_fnc(data_dir)
    stories = fnc_stories(rows)
    headlines = sorted({h for story in stories for h in story.headlines})
    headline_ids = {h: FNC_ID_BASE + n for n, h in enumerate(headlines)}
    records = [
        FactCheckRecord(
            id=headline_ids[h],
            claim=h,
            rating="unrated",
            verdict=normalize_rating("unrated"),
            publisher="FNC-1 headline",
            url=f"fnc1:headline/{headline_ids[h] - FNC_ID_BASE}",
        )
        for h in headlines
    ]
    headline_vectors = cached_encode(embedder, headlines, "fnc-headlines")
    sentences_of = {body: body_sentences(text) for body, text in sorted(bodies.items())}
    every_sentence = [s for sentences in sentences_of.values() for s in sentences]
    every_vector = cached_encode(embedder, every_sentence, "fnc-body-sentences")
    first_row: dict[int, int] = {}
    row = 0
    for body, sentences in sentences_of.items():
        first_row[body] = row
        row += len(sentences)
    queries: list[Query] = []
    ignored: dict[int, frozenset[int]] = {}
    for story in stories:
        story_rows = np.array([headline_ids[h] - FNC_ID_BASE for h in story.headlines])
        story_ids = frozenset(headline_ids[h] for h in story.headlines)
        group = f"fnc:{story.number}"
        for body in story.bodies:
            sentences = sentences_of.get(body, [])
            if not sentences:
                continue
            vectors = every_vector[first_row[body] : first_row[body] + len(sentences)]
            similarity = vectors @ headline_vectors[story_rows].T
            best = int(np.argmax(similarity.max(axis=1)))
            if similarity[best].max() >= NEWS_STATES:
                same = frozenset(
                    headline_ids[story.headlines[i]]
                    for i in np.flatnonzero(similarity[best] >= NEWS_SAME)
                ) or frozenset({headline_ids[story.headlines[int(np.argmax(similarity[best]))]]})
                ignored[len(queries)] = story_ids - same
                queries.append(Query(sentences[best], same, "news", group))
            anywhere = (vectors @ headline_vectors.T).max(axis=1)
            far = [i for i in range(len(sentences)) if anywhere[i] < 0.30]
            if far:
                queries.append(Query(sentences[rng.choice(far)], frozenset(), "news-none", group))
    return queries, records, ignored


def paraphrase_queries(corpus: Corpus) -> list[Query]:
    """Fact-checks reviewed under one URL in two wordings: each wording finds the other."""
    claims = {r.id: r.claim for r in corpus.records}
    queries: list[Query] = []
    for url, ids in corpus.by_url().items():
        if len(ids) < 2:
            continue
        for record_id in ids[:2]:
            others = frozenset(i for i in ids if claims[i] != claims[record_id])
            if others:
                queries.append(Query(claims[record_id], others, "paraphrase", f"url:{url}"))
    return queries


_QUESTION = re.compile(r"^(?:did|does|do|is|are|was|were|has|have|can|will|could)\b", re.I)


def snopes_title_queries(
    data_dir: Path, corpus: Corpus, limit: int, rng: random.Random
) -> list[Query]:
    """Snopes headlines phrased as questions, each checked by the fact-check it heads."""
    urls = corpus.by_url()
    queries: list[Query] = []
    path = data_dir / "factchecks/snopes-2020/snopes_factchecks.jsonl"
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            item = json.loads(line)
            title = (item.get("title") or "").strip()
            positives = urls.get(item.get("url") or "")
            if positives and _QUESTION.match(title) and len(title.split()) >= 5:
                queries.append(Query(title, frozenset(positives), "headline", f"url:{item['url']}"))
    rng.shuffle(queries)
    return queries[:limit]


_SAYS = re.compile(r"^\s*says\s+", re.I)
_REPORTING = (
    "{who} said {claim}",
    "{who} claimed that {claim}",
    "According to {who}, {claim}",
    "{who} falsely claimed that {claim}",
    "A post shared by {who} claims {claim}",
    "{who} repeated the claim that {claim}",
    "Social media posts shared by {who} suggest that {claim}",
    "Rumours spread online after {who} said {claim}",
    "There is no evidence for the claim by {who} that {claim}",
    "{who} wrongly suggested that {claim}",
)


def politifact_reported_queries(
    data_dir: Path, corpus: Corpus, limit: int, rng: random.Random
) -> list[Query]:
    """PolitiFact statements as a newspaper reports them, checked by their own fact-check."""
    urls = corpus.by_url()
    queries: list[Query] = []
    path = data_dir / "factchecks/politifact-2021-2024/politifact_claims_dedup.jsonl"
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            item = json.loads(line)
            positives = urls.get(item.get("statement_url") or "")
            claim = _SAYS.sub("", (item.get("statement_text") or "").strip()).strip("“”\"' ")
            who = (item.get("author_name") or "").strip()
            if not positives or not who or len(claim.split()) < 5:
                continue
            claim = claim[0].lower() + claim[1:] if claim[1:2].islower() else claim
            text = rng.choice(_REPORTING).format(who=who, claim=claim)
            text = text[0].upper() + text[1:]
            queries.append(
                Query(text, frozenset(positives), "reported", f"url:{item['statement_url']}")
            )
    rng.shuffle(queries)
    return queries[:limit]


def candidate_pairs(
    queries: Sequence[Query],
    embedder: Embedder,
    index: FactCheckIndex,
    records: dict[int, FactCheckRecord],
    depth: int,
    ignored: dict[int, frozenset[int]],
) -> list[Pair]:
    """The first stage's top ``depth`` candidates of each query, plus any positive it missed
    (so every checked query teaches what a match looks like); ``ignored[q]`` are candidates
    of query ``q`` that are neither right nor wrong."""
    matcher = Matcher(MatcherSettings())
    texts = [q.text for q in queries]
    vectors = cached_encode(embedder, [clean_query(t) for t in texts], "reranker-queries")
    pairs: list[Pair] = []
    step = 512
    for begin in range(0, len(queries), step):
        ranked = matcher.rank(
            texts[begin : begin + step],
            vectors[begin : begin + step],
            index,
            keep_all=True,
            limit=depth,
        )
        for offset, matches in enumerate(ranked):
            number = begin + offset
            query = queries[number]
            cleaned = clean_query(query.text)
            seen = set()
            for match in matches:
                if (
                    match.fact_check.claim == query.text
                    or match.fact_check.id in ignored.get(number, frozenset())
                    or (not query.positives and match.similarity >= NEAR)
                ):
                    continue
                seen.add(match.fact_check.id)
                pairs.append(
                    Pair(
                        number,
                        cleaned,
                        match.fact_check.claim,
                        match.score,
                        int(match.fact_check.id in query.positives),
                    )
                )
            floor = min((m.score for m in matches), default=0.0) - 1.0
            for positive in sorted(query.positives - seen)[:1]:
                pairs.append(Pair(number, cleaned, records[positive].claim, floor, 1))
    return pairs


def fit_combiner(
    first_stage: npt.NDArray[np.float64],
    cross: npt.NDArray[np.float64],
    labels: npt.NDArray[np.int64],
    groups: npt.NDArray[np.int64],
    folds: int = 5,
) -> tuple[Combiner, npt.NDArray[np.float64]]:
    """A logistic combination of the two scores with an isotonic calibration fitted on
    out-of-fold combined scores; returns it and every pair's out-of-fold confidence."""
    features = np.column_stack([first_stage, cross])

    def logistic(rows: npt.NDArray[np.int64]) -> LogisticRegression:
        model = LogisticRegression(C=1.0, max_iter=1000)
        model.fit(features[rows], labels[rows])
        return model

    out_of_fold = np.zeros(len(labels))
    confidence = np.zeros(len(labels))
    splits = list(GroupKFold(n_splits=folds).split(features, labels, groups))
    for train_rows, held_rows in splits:
        out_of_fold[held_rows] = logistic(train_rows).decision_function(features[held_rows])
    for train_rows, held_rows in splits:
        isotonic = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
        isotonic.fit(out_of_fold[train_rows], labels[train_rows])
        confidence[held_rows] = isotonic.predict(out_of_fold[held_rows])
    final = logistic(np.arange(len(labels)))
    isotonic = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
    isotonic.fit(out_of_fold, labels)
    combiner = Combiner(
        first_stage_weight=float(final.coef_[0][0]),
        cross_weight=float(final.coef_[0][1]),
        bias=float(final.intercept_[0]),
        knots=tuple(float(x) for x in isotonic.X_thresholds_),
        probabilities=tuple(float(y) for y in isotonic.y_thresholds_),
    )
    return combiner, confidence


def held_out_report(
    pairs: Sequence[Pair],
    queries: Sequence[Query],
    scores: npt.NDArray[np.float64],
    confidence: npt.NDArray[np.float64],
) -> dict[str, dict[str, float | None]]:
    """Per kind of query: top-1 accuracy of its checked queries (None for a kind nothing
    checks, so the card stays strict JSON) and how often any query of the kind, checked or
    not, has a first candidate at 0.5 / 0.8 confidence or more (for a kind nothing checks,
    the rate of confident wrong first candidates)."""
    best: dict[int, tuple[float, float, int]] = {}
    for pair, score, conf in zip(pairs, scores, confidence, strict=True):
        if pair.query not in best or score > best[pair.query][0]:
            best[pair.query] = (float(score), float(conf), pair.label)
    report: dict[str, dict[str, float | None]] = {}
    for kind in sorted({queries[q].kind for q in best}):
        chosen = [best[q] for q in best if queries[q].kind == kind]
        checked = [c for q, c in best.items() if queries[q].kind == kind and queries[q].positives]
        report[kind] = {
            "queries": len(chosen),
            "top1_right": float(np.mean([c[2] for c in checked])) if checked else None,
            "top1_confidence_ge_0.5": float(np.mean([c[1] >= 0.5 for c in chosen])),
            "top1_confidence_ge_0.8": float(np.mean([c[1] >= 0.8 for c in chosen])),
        }
    return report


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--database", type=Path, default=DEFAULT_DATABASE)
    parser.add_argument("--output-dir", type=Path, default=ARTIFACT_DIR)
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--depth", type=int, default=4, help="first-stage candidates per query")
    parser.add_argument("--headlines", type=int, default=2500, help="Snopes title queries")
    parser.add_argument("--reported", type=int, default=2000, help="PolitiFact reported queries")
    parser.add_argument("--held-out", type=float, default=0.2, help="share of groups held out")
    parser.add_argument("--max-length", type=int, default=96, help="longest pair in tokens")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--init", type=Path, default=None, help="continue from this artefact dir")
    add_base_argument(parser)
    parser.add_argument(
        "--runtime",
        default=RuntimeKind.ONNX.value,
        choices=[kind.value for kind in RuntimeKind],
        help="runtime of the sentence encoder that finds the candidates (torch: bf16 on AMX)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    started = time.monotonic()
    rng = random.Random(SEED)
    embedder = Embedder(runtime=args.runtime)
    corpus = load_corpus(full_database(embedder, args.data_dir, args.database), embedder.model_name)
    news, headline_records, ignored = fnc_queries(args.data_dir, embedder, rng)
    queries = [
        *news,
        *checkthat_queries(args.data_dir, corpus),
        *paraphrase_queries(corpus),
        *snopes_title_queries(args.data_dir, corpus, args.headlines, rng),
        *politifact_reported_queries(args.data_dir, corpus, args.reported, rng),
    ]
    records = {r.id: r for r in [*corpus.records, *headline_records]}
    headline_vectors = cached_encode(embedder, [r.claim for r in headline_records], "fnc-headlines")
    index = FactCheckIndex(embedder.model_name, embedder.dimension)
    index.load(
        [*corpus.records, *headline_records],
        np.concatenate([corpus.ids, np.array([r.id for r in headline_records], dtype=np.int64)]),
        np.concatenate([corpus.vectors, headline_vectors]),
    )
    pairs = candidate_pairs(queries, embedder, index, records, args.depth, ignored)
    held_groups = split_groups([q.group for q in queries], args.held_out, SEED)
    held = np.array([queries[p.query].group in held_groups for p in pairs])
    kinds = {k: sum(1 for q in queries if q.kind == k) for k in sorted({q.kind for q in queries})}
    logger.info(
        "%d queries %s, %d pairs (%d held out)", len(queries), kinds, len(pairs), held.sum()
    )

    train_pairs = [p for p, h in zip(pairs, held, strict=True) if not h]
    positives = sum(p.label for p in train_pairs)
    # Both classes weigh the same in the loss, whatever their counts.
    positive_weight = (len(train_pairs) - positives) / max(1, positives)
    examples = [
        PairExample(p.text, p.claim, p.label, positive_weight if p.label else 1.0)
        for p in train_pairs
    ]
    spec = CrossEncoderSpec(
        labels=("other", "checks"), max_length=args.max_length, base_model=args.base
    )
    spec, base_path = on_base(spec)
    config = FineTuneConfig(
        epochs=args.epochs, batch_size=16, max_length=args.max_length, threads=args.threads
    )
    network = build_network(spec, base_path)
    if args.init is not None:
        # Continue from an earlier run's adapters and head (same spec).
        network.load_state_dict(
            load_file(str(args.init / f"{ARTIFACT_NAME}.safetensors")), strict=False
        )
    tokenizer = AutoTokenizer.from_pretrained(base_path, local_files_only=True)
    losses = fine_tune(network, tokenizer, examples, config)

    held_pairs = [p for p, h in zip(pairs, held, strict=True) if h]
    logits = predict(network, tokenizer, [(p.text, p.claim) for p in held_pairs], config)
    cross = (logits[:, 1] - logits[:, 0]).astype(np.float64)
    first = np.array([p.first_stage for p in held_pairs])
    labels = np.array([p.label for p in held_pairs], dtype=np.int64)
    groups = np.array([p.query for p in held_pairs], dtype=np.int64)
    combiner, confidence = fit_combiner(first, cross, labels, groups)
    combined = combiner.raw(first, cross)
    report = {
        "first stage alone": held_out_report(
            held_pairs, queries, first, load_reranker().calibration(first)
        ),
        "combined (out-of-fold confidence)": held_out_report(
            held_pairs, queries, combined, confidence
        ),
    }
    card = {
        "made_by": "python -m training.reranker " + " ".join(argv or sys.argv[1:]),
        "trained": dt.date.today().isoformat(),
        "commit": git_commit(),
        "minutes": round((time.monotonic() - started) / 60, 1),
        "encoder": f"{embedder.model_name} (first stage encoded in {embedder.precision.value})",
        "data": {
            "queries": kinds,
            "pairs": len(pairs),
            "train pairs": len(train_pairs),
            "train positives": positives,
            "held-out pairs": len(held_pairs),
            "held-out groups": f"{args.held_out:.0%} of tweets, FNC-1 stories and fact-checks "
            f"(seed {SEED})",
            "candidates": f"first-stage top {args.depth} over the full database + FNC-1 headlines",
        },
        "fine_tune": {
            "epochs": config.epochs,
            "batch_size": config.batch_size,
            "learning_rate": config.learning_rate,
            "head_learning_rate": config.head_learning_rate,
            "positive_weight": round(positive_weight, 3),
            "bf16": config.uses_bf16(),
            "loss_by_tenth": losses,
        },
        "held_out": report,
    }
    save_artifact(network, spec, ARTIFACT_NAME, card, args.output_dir)
    path = args.output_dir / f"{ARTIFACT_NAME}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["combiner"] = combiner.to_dict()
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(card["held_out"], indent=1))


if __name__ == "__main__":
    main()
