"""Stance yardstick: the packaged stance model against the rule reader, on FNC-1 and real news.

``python -m evaluation.stance [--data-dir ../shared/data] [--database URL]`` prints, for
the learned model (``models.stance.StanceModel``, exactly as ``POST /v1/stance`` runs it)
and for the cue-word rule reader (its fallback):

1. FNC-1, the training script's held-out test topics (the same seed and unrelated sample as
   the artefact's card): per-class precision/recall/F1, macro-F1 over asserts/reports/
   debunks and the confusion matrix; then the related pairs only; then a balanced sample of
   related pairs (up to 200 per class, like the held-out competition measure).
2. realworld-dev: the stance of each excerpt towards its expected fact-check's claim (the
   claim text as ``claimflag seed --with-datasets`` stores it, looked up by URL).
3. With ``--database`` (a seeded database, e.g. a copy of the full evaluation one): each
   excerpt through the whole analysis pipeline; for the claims whose top match is the
   expected fact-check, whether the stance the analysis reports is the annotated one.

``--multilingual`` prints instead the stance on multilingual-dev by language: each excerpt's
claim sentence with one sentence on each side (what the analysis reads) against its expected
English fact-check's claim, read as the analysis reads a match (``related=True``), once as
today (every pair read as English) and once with each pair's detected language.
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from claims_db.importers.datasets import curated_seed, default_datasets
from claims_db.repository import FactCheckInput
from models.language import detect_language
from models.pipeline import STANCE_NEIGHBOURS
from models.segmentation import SegmentKind, segment
from models.stance import LABELS, Stance, StanceModel
from training.stance import (
    DATA_DIR,
    RELATED,
    SPLIT_SEED,
    StancePair,
    artifact_card,
    balanced_related,
    load_fnc1,
    sample_unrelated,
    scores,
    split_pairs,
)

logger = logging.getLogger(__name__)


def fnc1_test(data_dir: Path, card: dict[str, Any]) -> list[StancePair]:
    """The artefact's held-out FNC-1 test pairs (its seed, its unrelated sample)."""
    seed = int(card.get("split", {}).get("seed", SPLIT_SEED))
    unrelated = int(card.get("split", {}).get("dev_and_test_unrelated_sampled", 1500))
    parts = split_pairs(load_fnc1(data_dir), seed)
    return sample_unrelated(parts["test"], unrelated, seed + 1)


def realworld_cases(data_dir: Path) -> list[dict[str, Any]]:
    """realworld-dev cases that repeat a fact-checked claim, with that claim's text."""
    claims = _factcheck_claims(data_dir)
    cases = []
    with (data_dir / "realworld-dev" / "cases.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            case = json.loads(line)
            url = case.get("expected_factcheck_url")
            if url and case.get("stance"):
                if url not in claims:
                    raise LookupError(f"{case['id']}: no fact-check with url {url}")
                cases.append({**case, "factcheck_claim": claims[url]})
    return cases


def _factcheck_claims(data_dir: Path) -> dict[str, str]:
    """Each fact-check's claim text by URL, as ``claimflag seed --with-datasets`` stores it."""
    claims: dict[str, str] = {}
    for item in [*curated_seed(), *default_datasets(data_dir)]:
        if isinstance(item, FactCheckInput):
            claims.setdefault(item.url, item.claim)
    return claims


def stance_passage(text: str, claim_sentence: str) -> str:
    """What the analysis reads for a claim of ``text``: the segmented sentence holding most of
    ``claim_sentence`` with ``STANCE_NEIGHBOURS`` sentences on each side (the claim sentence
    alone when it is not found in the text)."""
    start = text.find(claim_sentence)
    if start < 0:
        return claim_sentence
    end = start + len(claim_sentence)
    sentences = [s for s in segment(text) if s.kind is SegmentKind.SENTENCE]
    overlaps = [min(end, s.end) - max(start, s.start) for s in sentences]
    if not sentences or max(overlaps) <= 0:
        return claim_sentence
    at = overlaps.index(max(overlaps))
    around = sentences[max(0, at - STANCE_NEIGHBOURS) : at + STANCE_NEIGHBOURS + 1]
    return " ".join(s.text for s in around)


def multilingual_cases(data_dir: Path) -> list[dict[str, Any]]:
    """multilingual-dev cases with a stance: each with ``passage`` (what the analysis reads)
    and ``factcheck_claim`` (its expected fact-check's claim, English)."""
    claims = _factcheck_claims(data_dir)
    cases = []
    with (data_dir / "multilingual-dev" / "cases.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            case = json.loads(line)
            url = case.get("expected_factcheck_url")
            if not (url and case.get("stance")):
                continue
            found = [claims[u] for u in [url, *(case.get("also_accepted") or [])] if u in claims]
            if not found:
                raise LookupError(f"{case['id']}: no fact-check with url {url}")
            passage = stance_passage(case["text"], case["claim_sentence"])
            cases.append({**case, "factcheck_claim": found[0], "passage": passage})
    return cases


def evaluate_multilingual(
    reader: StanceModel, cases: Sequence[dict[str, Any]], *, with_languages: bool = True
) -> dict[str, dict[str, Any]]:
    """Scores of each passage's stance towards its fact-check's claim, per language and over
    all (key ``all``), read as the analysis reads a match (``related=True``).

    Args:
        reader: The stance model.
        cases: From ``multilingual_cases``.
        with_languages: Pass each passage's detected language (the transfer path for
            non-English text); False reads every pair as English, as before issue 28.
            Defaults to True.
    """
    pairs = [(c["passage"], c["factcheck_claim"]) for c in cases]
    languages = [detect_language(c["passage"]) for c in cases] if with_languages else None
    readings = reader.read_many(pairs, evidence=False, related=True, languages=languages)
    gold = [Stance(c["stance"]) for c in cases]
    predicted = [r.stance for r in readings]
    groups: dict[str, list[int]] = {"all": list(range(len(cases)))}
    for i, case in enumerate(cases):
        groups.setdefault(case["lang"], []).append(i)
    results: dict[str, dict[str, Any]] = {}
    for name, members in groups.items():
        table = scores([gold[i] for i in members], [predicted[i] for i in members])
        table["wrong"] = [
            f"{cases[i]['id']} ({cases[i]['lang']}): {gold[i].value} read as {predicted[i].value}"
            for i in members
            if predicted[i] is not gold[i]
        ]
        results[name] = table
    if languages is not None:
        results["all"]["misdetected"] = [
            f"{c['id']}: {c['lang']} detected as {code}"
            for c, code in zip(cases, languages, strict=True)
            if code != c["lang"]
        ]
    return results


def format_languages(title: str, results: dict[str, dict[str, Any]]) -> str:
    """A markdown block: right / n per language and over all, then the overall confusion."""
    lines = [f"**{title}**", "", "| language | right | accuracy |", "|---|---|---|"]
    for name in sorted(results, key=lambda n: (n == "all", n)):
        table = results[name]
        right = sum(table["confusion"][i][i] for i in range(len(LABELS)))
        label = "**all**" if name == "all" else name
        lines.append(f"| {label} | {right}/{table['n']} | {table['accuracy']:.2f} |")
    overall = results["all"]
    lines.append("")
    lines.append(format_table("all languages", overall))
    lines.append("wrong: " + "; ".join(overall["wrong"]))
    if overall.get("misdetected"):
        lines.append("\nlanguage misdetected: " + "; ".join(overall["misdetected"]))
    return "\n".join(lines) + "\n"


def format_table(title: str, table: dict[str, Any]) -> str:
    """A markdown block: per-class scores, macro-F1 and the confusion matrix."""
    lines = [f"**{title}** (n={table['n']})", ""]
    lines.append("| class | precision | recall | F1 | support |")
    lines.append("|---|---|---|---|---|")
    for label in LABELS:
        row = table["per_class"][label.value]
        if row["support"] == 0 and label is Stance.UNRELATED:
            continue
        lines.append(
            f"| {label.value} | {row['precision']:.3f} | {row['recall']:.3f} | {row['f1']:.3f}"
            f" | {row['support']} |"
        )
    lines.append(
        f"\nmacro-F1 (asserts/reports/debunks) **{table['macro_f1_related']:.3f}**;"
        f" accuracy {table['accuracy']:.3f}\n"
    )
    lines.append("| gold \\ predicted | " + " | ".join(s.value for s in LABELS) + " |")
    lines.append("|---" * (len(LABELS) + 1) + "|")
    for label, row in zip(LABELS, table["confusion"], strict=True):
        if sum(row) or label is not Stance.UNRELATED:
            lines.append(f"| {label.value} | " + " | ".join(str(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


def _readers(directory: Path | None) -> dict[str, StanceModel]:
    empty = Path(tempfile.mkdtemp(prefix="claimflag-no-stance-"))
    return {"learned": StanceModel(directory=directory), "rules": StanceModel(directory=empty)}


def evaluate_fnc1(
    readers: dict[str, StanceModel], pairs: Sequence[StancePair], seed: int
) -> dict[str, dict[str, Any]]:
    """Per reader: scores on all test pairs, on the related ones, on a balanced sample."""
    related = [i for i, p in enumerate(pairs) if p.stance in RELATED]
    chosen = {(p.body_id, p.claim) for p in balanced_related(pairs, 200, seed + 3)}
    first = {(p.body_id, p.claim): i for i, p in reversed(list(enumerate(pairs)))}
    # FNC-1 repeats a few (body, headline) pairs: each chosen pair counts once.
    balanced = sorted(first[key] for key in chosen)
    gold = [p.stance for p in pairs]
    results: dict[str, dict[str, Any]] = {}
    for name, reader in readers.items():
        readings = reader.read_many([(p.text, p.claim) for p in pairs], evidence=False)
        predicted = [r.stance for r in readings]
        results[name] = {
            "all": scores(gold, predicted),
            "related": scores([gold[i] for i in related], [predicted[i] for i in related]),
            "balanced": scores([gold[i] for i in balanced], [predicted[i] for i in balanced]),
        }
    return results


def evaluate_realworld(
    readers: dict[str, StanceModel], cases: Sequence[dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Per reader: scores of each excerpt's stance towards its expected fact-check's claim."""
    gold = [Stance(c["stance"]) for c in cases]
    results: dict[str, dict[str, Any]] = {}
    runs = [(name, reader, False) for name, reader in readers.items()]
    # As the analysis reads a matched claim: relatedness is given, three classes left.
    runs.insert(1, ("learned, related=True (as the analysis)", readers["learned"], True))
    for name, reader, related in runs:
        readings = reader.read_many(
            [(c["text"], c["factcheck_claim"]) for c in cases], related=related
        )
        results[name] = scores(gold, [r.stance for r in readings])
        results[name]["wrong"] = [
            f"{c['id']}: {g.value} read as {r.stance.value}"
            for c, g, r in zip(cases, gold, readings, strict=True)
            if r.stance is not g
        ]
    return results


def evaluate_pipeline(
    database_url: str, cases: Sequence[dict[str, Any]], stance: StanceModel | None = None
) -> dict[str, Any]:
    """Each excerpt through the analysis; the stance of the claims matched to the expected
    fact-check (the one with the best confidence when several are). ``stance`` replaces the
    analysis' stance model (e.g. the rule reader)."""
    from service.config import Settings
    from service.runtime import build_pipeline, build_runtime

    settings = Settings(database_url=database_url)
    pipeline = build_pipeline(settings)
    if stance is not None:
        pipeline.stance_model = stance
    runtime = build_runtime(settings, pipeline=pipeline)
    gold: list[Stance] = []
    predicted: list[Stance] = []
    unmatched: list[str] = []
    wrong: list[str] = []
    try:
        for case in cases:
            analysis = runtime.pipeline.analyze(case["text"], runtime.index)
            hits = [
                c
                for c in analysis.claims
                if c.matches and c.matches[0].fact_check.url == case["expected_factcheck_url"]
            ]
            if not hits:
                unmatched.append(case["id"])
                continue
            best = max(hits, key=lambda c: c.matches[0].confidence)
            expected = Stance(case["stance"])
            gold.append(expected)
            predicted.append(best.stance or Stance.ASSERTS)
            if best.stance is not expected:
                wrong.append(f"{case['id']}: {expected.value} read as {best.stance}")
    finally:
        runtime.engine.dispose()
    table = scores(gold, predicted)
    table["unmatched"] = unmatched
    table["wrong"] = wrong
    return table


def main(argv: Sequence[str] | None = None) -> int:
    """Print the stance tables (markdown)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument(
        "--database", default=None, help="seeded database URL for the whole-pipeline measure"
    )
    parser.add_argument("--skip-fnc1", action="store_true", help="real news only")
    parser.add_argument(
        "--multilingual", action="store_true", help="only multilingual-dev, by language"
    )
    parser.add_argument(
        "--artifact-dir", type=Path, default=None, help="default: the packaged models/artifacts"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    card = artifact_card(args.artifact_dir)
    readers = _readers(args.artifact_dir)
    if not readers["learned"].learned:
        logger.error("the stance artefact is missing: nothing learned to evaluate")
        return 1
    seed = int(card["split"]["seed"])
    if args.multilingual:
        cases = multilingual_cases(args.data_dir)
        print("## multilingual-dev: passage towards its expected fact-check's claim\n")
        for title, with_languages in (
            ("every pair read as English (before issue 28)", False),
            ("each pair with its detected language", True),
        ):
            results = evaluate_multilingual(
                readers["learned"], cases, with_languages=with_languages
            )
            print(format_languages(f"learned, {title}", results))
        return 0
    if not args.skip_fnc1:
        pairs = fnc1_test(args.data_dir, card)
        fnc1 = evaluate_fnc1(readers, pairs, seed)
        print(f"## FNC-1 held-out test topics (seed {seed})\n")
        for name, tables in fnc1.items():
            print(format_table(f"{name}: all test pairs (unrelated sampled)", tables["all"]))
            print(format_table(f"{name}: related pairs", tables["related"]))
            print(format_table(f"{name}: balanced related sample", tables["balanced"]))
    cases = realworld_cases(args.data_dir)
    print("## realworld-dev: excerpt towards its expected fact-check's claim\n")
    for name, table in evaluate_realworld(readers, cases).items():
        right = sum(table["confusion"][i][i] for i in range(len(LABELS)))
        print(format_table(f"{name}: {right}/{table['n']} right", table))
        print("wrong: " + "; ".join(table["wrong"]) + "\n")
    if args.database:
        print("## realworld-dev through the analysis pipeline\n")
        for name, reader in readers.items():
            table = evaluate_pipeline(args.database, cases, reader)
            right = sum(table["confusion"][i][i] for i in range(len(LABELS)))
            print(
                format_table(
                    f"{name}, correctly matched claims: {right}/{table['n']} right"
                    f" ({len(table['unmatched'])} cases not matched to their fact-check)",
                    table,
                )
            )
            print("wrong: " + "; ".join(table["wrong"]) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
