"""The news cases through a running service, as the held-back sets are measured.

Run ``python -m evaluation.service --url http://127.0.0.1:8000`` against ``claimflag serve``
on a database built by the commands (``claimflag seed --with-datasets``, then ``claimflag
import`` of the CheckThat! 2022 verified claims); ``--api-key`` when auth is required,
``--cases`` other JSON Lines files of the same shape. Each excerpt of ``realworld-dev`` and
``multilingual-dev`` is sent to ``POST /v1/analyze`` (not stored), and per file it prints:
right fact-check first in a flagged claim (the expected one or another review of the same
claim), negatives flagged, the stance read on the right flags, and the median call time.
``evaluation.matching_news`` and ``evaluation.multilingual`` say more (ranks, tiers,
reliability) but run the pipeline in-process on a database they build themselves; this
command checks that the service, on the database an operator builds, gives the same.
Evaluation only: nothing here may be trained on.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from evaluation.matching_news import NewsCase, load_cases
from training.data import DEFAULT_DATA_DIR

CASE_FILES = (
    DEFAULT_DATA_DIR / "realworld-dev" / "cases.jsonl",
    DEFAULT_DATA_DIR / "multilingual-dev" / "cases.jsonl",
)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the service answered for one case."""

    case: NewsCase
    flagged: bool
    right: bool
    stance_right: bool
    seconds: float


def judge(case: NewsCase, body: Mapping[str, Any], seconds: float = 0.0) -> Outcome:
    """Score one ``POST /v1/analyze`` response body against its case."""
    flagged = [claim for claim in body["claims"] if claim["flagged"]]
    hits = [c for c in flagged if c["matches"][0]["fact_check"]["url"] in case.accepted]
    return Outcome(
        case=case,
        flagged=bool(flagged),
        right=bool(hits),
        stance_right=bool(hits) and hits[0].get("stance") == case.stance,
        seconds=seconds,
    )


def run(client: httpx.Client, cases: Iterable[NewsCase]) -> list[Outcome]:
    """Send each case to the service; a refused call stops the run with its body."""
    outcomes = []
    for case in cases:
        started = time.perf_counter()
        response = client.post("/v1/analyze", json={"text": case.text, "store": False})
        seconds = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"{case.id}: HTTP {response.status_code}: {response.text[:300]}")
        outcomes.append(judge(case, response.json(), seconds))
    return outcomes


def summary_rows(outcomes: Sequence[Outcome]) -> list[tuple[str, str]]:
    """The measures of one case file, as table rows."""
    positives = [o for o in outcomes if o.case.positive]
    negatives = [o for o in outcomes if not o.case.positive]
    right = [o for o in positives if o.right]
    seconds = [o.seconds for o in outcomes]
    return [
        ("right fact-check first in a flagged claim", f"{len(right)} / {len(positives)}"),
        ("negatives flagged", f"{sum(o.flagged for o in negatives)} / {len(negatives)}"),
        (
            "stance right (of the right flags)",
            f"{sum(o.stance_right for o in right)} / {len(right)}",
        ),
        ("median call (ms)", f"{1000 * statistics.median(seconds):.0f}" if seconds else "-"),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Run every case file through the service and print a table per file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the service's base URL")
    parser.add_argument("--api-key", default=None, help="sent as a bearer token")
    parser.add_argument("--cases", type=Path, nargs="+", default=list(CASE_FILES))
    parser.add_argument("--verbose", action="store_true", help="list every case")
    args = parser.parse_args(argv)
    headers = {"Authorization": f"Bearer {args.api_key}"} if args.api_key else {}
    with httpx.Client(base_url=args.url, headers=headers, timeout=120.0) as client:
        try:
            client.get("/healthz").raise_for_status()
        except httpx.HTTPError as error:
            print(f"no service at {args.url}: {error}", file=sys.stderr)
            return 2
        for path in args.cases:
            try:
                outcomes = run(client, load_cases(path))
            except RuntimeError as error:
                print(f"refused: {error}", file=sys.stderr)
                return 1
            print(f"\n{path.parent.name}: {len(outcomes)} cases through {args.url}\n")
            print("| measure | value |\n|---|---|")
            for name, value in summary_rows(outcomes):
                print(f"| {name} | {value} |")
            if args.verbose:
                print("\n| case | positive | flagged | right first | stance right |")
                print("|---|---|---|---|---|")
                for o in outcomes:
                    cells = (o.case.id, o.case.positive, o.flagged, o.right, o.stance_right)
                    print("| " + " | ".join(str(c) for c in cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
