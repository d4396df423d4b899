"""Claims in news prose: NewsClaims claim sentences and their claimers, through the pipeline.

Run ``python -m evaluation.newsclaims`` (``--dir`` a folder holding ``<split>.json`` and
``<split>_sents.json`` in the NewsClaims layout, ``--split`` its name, ``--verbose`` for
every annotated claim, ``--database URL`` a seeded database). Each article is rebuilt from
its sentences at their offsets (paragraph breaks where the offsets leave more than one
character) and goes through ``Pipeline.analyze`` exactly as ``POST /v1/analyze`` runs it:
with ``--database``, the service's pipeline against that database (with enough fact-checks,
a claim close to one is check-worthy: ``MatchingSettings.precedent_similarity``); without,
the head alone against an empty fact-check source.

An annotated sentence is *marked* when a check-worthy claim of the analysis overlaps it.
Reported: the recall of annotated claim sentences and the share of all sentences marked, as
the analysis decides and over a sweep of the head's thresholds, and the token F1 of the
claimant against the annotated claimer
(SQuAD-style: lower case, no punctuation or articles), over the claims with a named claimer,
split by whether the claimer is named in the claim's own sentence. Evaluation only: the
data has no licence; nothing here may be trained on.
"""

from __future__ import annotations

import argparse
import collections
import json
import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from models.checkworthiness import load_scorer
from models.embedding import Embedder, Vectors
from models.matching import Candidate, FactCheckSource, SearchFilter
from models.pipeline import ClaimAnalysis, Pipeline, worthy_by_precedent
from training.data import DEFAULT_DATA_DIR

logger = logging.getLogger(__name__)

# Thresholds swept for the recall / share-marked table (the shipped one is added).
SWEEP = (0.2, 0.25, 0.3, 0.36, 0.4, 0.45, 0.5, 0.6)
# What the pipeline calls the journalist when the article itself asserts a claim.
ARTICLE_CLAIMANT = "the article"


@dataclass(frozen=True, slots=True)
class Sentence:
    """One annotated sentence at its offsets in the rebuilt article."""

    id: str
    start: int
    end: int
    is_claim: bool
    claimer: str | None
    claimer_in_sentence: bool


@dataclass(slots=True)
class Article:
    """A NewsClaims article rebuilt from its sentences."""

    id: str
    text: str
    sentences: list[Sentence] = field(default_factory=list)


def load_articles(directory: Path, split: str = "dev") -> list[Article]:
    """Rebuild the articles of ``split`` with their annotated claim sentences."""
    sentences = json.loads((directory / f"{split}_sents.json").read_text(encoding="utf-8"))
    claims = json.loads((directory / f"{split}.json").read_text(encoding="utf-8"))
    articles = []
    for article_id, rows in sentences.items():
        ordered = sorted(rows.items(), key=lambda item: item[1]["start_char"])
        parts: list[str] = []
        position = 0
        article = Article(article_id, "")
        for sentence_id, row in ordered:
            gap = row["start_char"] - position
            if parts and gap > 0:
                parts.append("\n" + " " * (gap - 1) if gap > 1 else " ")
            elif gap > 0:
                parts.append(" " * gap)
            parts.append(row["sentence"])
            position = row["start_char"] + len(row["sentence"])
            claim = claims.get(article_id, {}).get(sentence_id)
            claimer = (claim.get("claimer") or "").strip() if claim else ""
            article.sentences.append(
                Sentence(
                    id=sentence_id,
                    start=row["start_char"],
                    end=position,
                    is_claim=claim is not None,
                    claimer=claimer or None,
                    claimer_in_sentence=bool(claim and claim.get("claimer_in_sentence")),
                )
            )
        article.text = "".join(parts)
        articles.append(article)
    return articles


_ARTICLES = re.compile(r"\b(?:a|an|the)\b")
_PUNCTUATION = re.compile(r"[^\w\s]")


def tokens(text: str) -> list[str]:
    """SQuAD-style answer tokens: lower case, no punctuation, no articles."""
    return _ARTICLES.sub(" ", _PUNCTUATION.sub(" ", text.lower())).split()


def token_f1(predicted: str | None, gold: str) -> float:
    """Token-overlap F1 of a predicted claimant against the annotated claimer."""
    if not predicted:
        return 0.0
    guess, truth = tokens(predicted), tokens(gold)
    common = sum((collections.Counter(guess) & collections.Counter(truth)).values())
    if not common:
        return 0.0
    precision, recall = common / len(guess), common / len(truth)
    return 2 * precision * recall / (precision + recall)


class NoFactChecks:
    """A fact-check source with nothing in it."""

    def nearest(
        self, vectors: Vectors, *, k: int, search_filter: SearchFilter | None = None
    ) -> list[list[Candidate]]:
        return [[] for _ in range(len(vectors))]

    def lexical(
        self, texts: Sequence[str], *, k: int, search_filter: SearchFilter | None = None
    ) -> list[list[Candidate]]:
        return [[] for _ in texts]


@dataclass(slots=True)
class SentenceResult:
    """What the analysis said about one annotated sentence."""

    sentence: Sentence
    text: str
    best_score: float
    claimant: str | None
    # Whether a check-worthy claim of the analysis overlaps the sentence.
    marked: bool = False
    # The best precedent (closest fact-checks' similarity) of the overlapping claims.
    precedent: float | None = None


def _overlapping(claims: list[ClaimAnalysis], sentence: Sentence) -> list[ClaimAnalysis]:
    return [c for c in claims if c.start < sentence.end and c.end > sentence.start]


def evaluate(
    pipeline: Pipeline, articles: list[Article], source: FactCheckSource | None = None
) -> list[SentenceResult]:
    """Analyse each article against ``source`` (default: no fact-checks) and read the
    score, decision and claimant of each annotated sentence."""
    source = source or NoFactChecks()
    results = []
    for article in articles:
        analysis = pipeline.analyze(article.text, source)
        for sentence in article.sentences:
            claims = _overlapping(analysis.claims, sentence)
            # A sentence's own claims (spans inside it) speak for it before a neighbour's.
            inside = [c for c in claims if c.start >= sentence.start] or claims
            claimant = next((c.claimant for c in inside if c.claimant), None)
            best = max((c.check_worthiness for c in claims), default=0.0)
            precedent = max((c.precedent for c in claims if c.precedent is not None), default=None)
            results.append(
                SentenceResult(
                    sentence,
                    article.text[sentence.start : sentence.end],
                    best,
                    claimant,
                    marked=any(c.check_worthy for c in claims),
                    precedent=precedent,
                )
            )
    return results


def detection_rows(
    results: list[SentenceResult], thresholds: Sequence[float]
) -> list[tuple[float, float, float, int]]:
    """(threshold, recall of claim sentences, share of sentences marked, marked) rows."""
    claims = [r for r in results if r.sentence.is_claim]
    rows = []
    for threshold in thresholds:
        marked = sum(r.best_score >= threshold for r in results)
        found = sum(r.best_score >= threshold for r in claims)
        rows.append((threshold, found / len(claims), marked / len(results), marked))
    return rows


# (closest fact-checks' similarity, head threshold) pairs swept when fact-checks are given.
PRECEDENT_SWEEP = tuple(
    (similarity, head) for head in (0.8, 0.9) for similarity in (0.46, 0.47, 0.48, 0.49, 0.50)
)


def precedent_rows(
    results: list[SentenceResult], pairs: Sequence[tuple[float, float]] = PRECEDENT_SWEEP
) -> list[tuple[float, float, float, float]]:
    """(similarity, head threshold, recall, share marked) when a sentence is marked by a
    close fact-check or a head score at the threshold (``worthy_by_precedent``, as the
    analysis decides)."""
    claims = [r for r in results if r.sentence.is_claim]

    def marked(r: SentenceResult, similarity: float, head: float) -> bool:
        return worthy_by_precedent(r.best_score, r.precedent, similarity=similarity, head=head)

    return [
        (
            similarity,
            head,
            sum(marked(r, similarity, head) for r in claims) / len(claims),
            sum(marked(r, similarity, head) for r in results) / len(results),
        )
        for similarity, head in pairs
    ]


def claimant_rows(results: list[SentenceResult]) -> list[tuple[str, int, float, float]]:
    """(subset, claims, token F1, share with any claimant) for the named-claimer claims."""
    named = [r for r in results if r.sentence.is_claim and r.sentence.claimer]
    subsets = {
        "all named claimers": named,
        "claimer in the claim's sentence": [r for r in named if r.sentence.claimer_in_sentence],
        "claimer elsewhere": [r for r in named if not r.sentence.claimer_in_sentence],
    }
    rows = []
    for name, rows_in in subsets.items():
        if not rows_in:
            continue
        f1 = sum(token_f1(r.claimant, r.sentence.claimer or "") for r in rows_in) / len(rows_in)
        attributed = sum(
            bool(r.claimant) and r.claimant != ARTICLE_CLAIMANT for r in rows_in
        ) / len(rows_in)
        rows.append((name, len(rows_in), f1, attributed))
    return rows


def print_report(
    results: list[SentenceResult], threshold: float, articles: int, *, verbose: bool
) -> None:
    """Print the detection and claimant tables (Markdown)."""
    claims = [r for r in results if r.sentence.is_claim]
    print(f"{articles} articles, {len(results)} sentences, {len(claims)} claim sentences\n")
    marked = sum(r.marked for r in results)
    found = sum(r.marked for r in claims) / len(claims)
    print(
        f"as the analysis decides (check_worthy): recall {found:.3f}"
        f" of claim sentences, {marked / len(results):.3f} of sentences marked ({marked})\n"
    )
    if any(r.precedent is not None for r in results):
        print("closest fact-checks or head, by thresholds:\n")
        print("| closest fact-checks' similarity | head threshold | recall | share marked |")
        print("|---:|---:|---:|---:|")
        for similarity, head, recall, share in precedent_rows(results):
            print(f"| {similarity:.2f} | {head:.2f} | {recall:.3f} | {share:.3f} |")
        print()
    print("head alone, by threshold:\n")
    print("| threshold | recall of claim sentences | share of sentences marked | marked |")
    print("|---:|---:|---:|---:|")
    for value, recall, share, marked in detection_rows(
        results, sorted({*SWEEP, round(threshold, 4)})
    ):
        mark = "**" if abs(value - threshold) < 1e-9 else ""
        print(f"| {mark}{value:.2f}{mark} | {recall:.3f} | {share:.3f} | {marked} |")
    print()
    print("| claims with a named claimer | n | claimant token F1 | with a named claimant |")
    print("|---|---:|---:|---:|")
    for name, count, f1, attributed in claimant_rows(results):
        print(f"| {name} | {count} | {f1:.3f} | {attributed:.2f} |")
    journalist = [r for r in claims if not r.sentence.claimer]
    if journalist:
        said = sum(r.claimant in (None, ARTICLE_CLAIMANT) for r in journalist)
        print(
            f"\nclaims the journalist asserts: {said}/{len(journalist)} given to the article "
            "(no claimant or the article)"
        )
    if verbose:
        print()
        for r in claims:
            mark = "+" if r.marked else "-"
            near = "    " if r.precedent is None else f"{r.precedent:.2f}"
            print(
                f"{mark} {r.best_score:.2f} {near} gold={r.sentence.claimer!r} "
                f"got={r.claimant!r} | {r.text[:160]}"
            )


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DATA_DIR / "newsclaims-dev")
    parser.add_argument("--split", default="dev")
    parser.add_argument("--verbose", action="store_true", help="list every claim sentence")
    parser.add_argument(
        "--database", default=None, help="a seeded database URL, analysed as the service does"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    articles = load_articles(args.dir, args.split)
    started = time.perf_counter()
    if args.database:
        from service.config import Settings
        from service.runtime import build_runtime

        runtime = build_runtime(Settings(database_url=args.database))
        pipeline = runtime.pipeline
        try:
            results = evaluate(pipeline, articles, runtime.index)
        finally:
            runtime.engine.dispose()
    else:
        pipeline = Pipeline(Embedder(), load_scorer())
        results = evaluate(pipeline, articles)
    logger.info("analysed %d articles in %.1f s", len(articles), time.perf_counter() - started)
    print_report(results, pipeline.scorer.threshold, len(articles), verbose=args.verbose)


if __name__ == "__main__":
    main()
