"""Loaders for the curated seed shipped with the package and the public datasets in shared/data."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

from claims_db.importers.dates import parse_loose_date
from claims_db.importers.records import ImportItem, Skipped, site_of, validate
from claims_db.models import claim_key
from claims_db.repository import FactCheckInput

__all__ = [
    "DATASETS",
    "averitec_dev",
    "checkthat2022_vclaims",
    "checkthat_vclaim",
    "curated_seed",
    "default_datasets",
    "parse_loose_date",
    "politifact_2021_2024",
    "politifact_2023_2026",
    "site_of",
    "snopes_2020",
]

logger = logging.getLogger(__name__)


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def curated_seed() -> Iterator[FactCheckInput]:
    """The 41 curated 2025 fact-checks shipped with the package (facts only)."""
    text = resources.files("claims_db").joinpath("data/curated_seed.jsonl").read_text("utf-8")
    for line in text.splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        yield FactCheckInput(
            claim=record["claim"],
            rating=record["rating"],
            publisher=record["publisher"],
            url=record["url"],
            claimant=record.get("claimant"),
            publisher_site=record.get("publisher_site") or site_of(record["url"]),
            review_date=parse_loose_date(record.get("review_date")),
            language=record.get("language") or None,
            source="curated-2025",
        )


# Shorter Snopes statements are fragments of the dataset's scraping, not claims.
SNOPES_MIN_STATEMENT_WORDS = 3


def _stated(record: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    """The first of ``record``'s ``keys`` whose text (trimmed) has enough words to state a
    claim (``SNOPES_MIN_STATEMENT_WORDS``); None when none has."""
    wordings = (record.get(k) for k in keys)
    trimmed = (w.strip() for w in wordings if isinstance(w, str))
    return next((w for w in trimmed if len(w.split()) >= SNOPES_MIN_STATEMENT_WORDS), None)


def _snopes_rating(value: Any) -> Any:
    """A Snopes rating slug as words ("mostly-false" → "mostly false"); none is ``unrated``.
    Anything but text passes through for validation to judge."""
    if isinstance(value, str) or value is None:
        return (value or "").replace("-", " ").strip() or "unrated"
    return value


def snopes_2020(data_dir: Path) -> Iterator[FactCheckInput]:
    """Snopes fact-checks, 2015–2020 (``factchecks/snopes-2020``)."""
    for record in _jsonl(data_dir / "factchecks/snopes-2020/snopes_factchecks.jsonl"):
        # A few dozen records' statement is a stray word or two ("false", "The", "A") or
        # missing: their title, else their subtitle, states the claim.
        wordings = [(record.get(k) or "").strip() for k in ("statement", "title", "subtitle")]
        claim = _stated(record, ("statement", "title", "subtitle")) or next(
            (w for w in wordings if w), ""
        )
        if not claim or not record.get("url"):
            continue
        yield FactCheckInput(
            claim=claim,
            rating=_snopes_rating(record.get("evaluation")),
            publisher="Snopes",
            url=record["url"],
            claimant=record.get("post_author") or None,
            publisher_site="snopes.com",
            review_date=parse_loose_date(record.get("date_posted")),
            source="snopes-2020",
            title=(record.get("title") or "").strip() or None,
        )


def politifact_2021_2024(data_dir: Path) -> Iterator[FactCheckInput]:
    """PolitiFact fact-checks with their URLs (``factchecks/politifact-2021-2024``)."""
    path = data_dir / "factchecks/politifact-2021-2024/politifact_claims_dedup.jsonl"
    for record in _jsonl(path):
        claim = (record.get("statement_text") or "").strip().strip('“”"')
        if not claim or not record.get("statement_url"):
            continue
        yield FactCheckInput(
            claim=claim,
            rating=record.get("label") or "unrated",
            publisher="PolitiFact",
            url=record["statement_url"],
            claimant=record.get("author_name") or None,
            publisher_site="politifact.com",
            review_date=parse_loose_date(record.get("fact_check_date")),
            source="politifact-2021-2024",
        )


_QUOTES = '“”"'
_SNOPES_2020 = "factchecks/snopes-2020/snopes_factchecks.jsonl"
_POLITIFACT_2021 = "factchecks/politifact-2021-2024/politifact_claims_dedup.jsonl"


def politifact_statement_id(statement: str, claimant: str, date: str) -> str:
    """A stable identity for a PolitiFact check published without its URL.

    ``urn:claimflag:politifact:<digest>`` where the digest is SHA-256 (first 24 hex digits)
    of the folded statement, claimant and date: deterministic, so a re-import finds the
    same record, and a URN rather than a made-up web address, so nobody follows it as a
    link to PolitiFact.
    """
    key = "\x1f".join((claim_key(statement), claimant.strip().casefold(), date.strip()))
    return "urn:claimflag:politifact:" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]


def politifact_2023_2026(data_dir: Path) -> Iterator[ImportItem]:
    """PolitiFact fact-checks 2023–2026 (``factchecks/politifact-2023-2026``), which lack URLs.

    Each gets a ``politifact_statement_id`` URN. Statements also in the 2021–2024 set (which
    has real URLs) are skipped there, so the same check is not stored twice.
    """
    with_urls = {
        claim_key((r.get("statement_text") or "").strip().strip(_QUOTES))
        for r in _jsonl(data_dir / _POLITIFACT_2021)
    }
    path = data_dir / "factchecks/politifact-2023-2026/politifact_data.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            claim = (row.get("statement") or "").strip().strip(_QUOTES)
            if not claim:
                continue
            if claim_key(claim) in with_urls:
                yield Skipped(f"line {reader.line_num}", "also in politifact-2021-2024")
                continue
            claimant = (row.get("source") or "").strip()
            date = row.get("date") or ""
            yield FactCheckInput(
                claim=claim,
                rating=(row.get("label") or "").strip() or "unrated",
                publisher="PolitiFact",
                url=politifact_statement_id(claim, claimant, date),
                claimant=claimant or None,
                publisher_site="politifact.com",
                review_date=parse_loose_date(date),
                source="politifact-2023-2026",
            )


# Names of the publishers behind the AVeriTeC dev articles' domains.
PUBLISHER_NAMES: dict[str, str] = {
    "politifact.com": "PolitiFact",
    "snopes.com": "Snopes",
    "factcheck.org": "FactCheck.org",
    "fullfact.org": "Full Fact",
    "leadstories.com": "Lead Stories",
    "checkyourfact.com": "Check Your Fact",
    "factcheck.afp.com": "AFP Fact Check",
    "usatoday.com": "USA Today",
    "reuters.com": "Reuters",
    "boomlive.in": "BOOM",
    "africacheck.org": "Africa Check",
    "altnews.in": "Alt News",
    "washingtonpost.com": "The Washington Post",
    "factly.in": "Factly",
    "thequint.com": "The Quint",
    "indiatoday.in": "India Today",
    "newsmeter.in": "NewsMeter",
    "newsmobile.in": "NewsMobile",
    "healthfeedback.org": "Health Feedback",
    "sciencefeedback.co": "Science Feedback",
    "climatefeedback.org": "Climate Feedback",
    "vishvasnews.com": "Vishvas News",
    "newschecker.in": "Newschecker",
    "misbar.com": "Misbar",
    "verafiles.org": "VERA Files",
    "rappler.com": "Rappler",
    "aap.com.au": "AAP FactCheck",
    "pesacheck.org": "PesaCheck",
    "dubawa.org": "Dubawa",
    "theferret.scot": "The Ferret",
    "logically.ai": "Logically",
    "poynter.org": "Poynter",
}
_ARCHIVE = re.compile(r"^https?://web\.archive\.org/web/[^/]+/(https?://.+)$")
_URL_DATE = re.compile(r"/(20\d\d)/(\d\d)/(\d\d)/")


def _unarchived(url: str) -> str:
    match = _ARCHIVE.match(url)
    return match.group(1) if match else url


def _date_in_url(url: str) -> dt.date | None:
    match = _URL_DATE.search(url)
    if not match:
        return None
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def averitec_dev(data_dir: Path) -> Iterator[FactCheckInput]:
    """AVeriTeC dev claims (``factchecks/averitec-dev``; CC BY-NC 4.0) with their reviews.

    The review URL is the fact-checking article with any web.archive.org wrapper removed;
    the review date is the one in the article's URL path when it has one.
    """
    for record in _jsonl(data_dir / "factchecks/averitec-dev/dev_slim.jsonl"):
        claim = (record.get("claim") or "").strip()
        article = record.get("fact_checking_article") or ""
        if not claim or not article:
            continue
        url = _unarchived(article)
        domain = (record.get("publisher_domain") or site_of(url) or "").removeprefix("www.")
        claim_date = None
        if record.get("claim_date"):
            try:
                claim_date = dt.datetime.strptime(record["claim_date"], "%d-%m-%Y").date()
            except ValueError:
                claim_date = None
        yield FactCheckInput(
            claim=claim,
            rating=record.get("label") or "unrated",
            publisher=PUBLISHER_NAMES.get(domain, domain),
            url=url,
            claimant=record.get("speaker") or None,
            publisher_site=domain or None,
            review_date=_date_in_url(url),
            claim_date=claim_date,
            source="averitec-dev",
        )


_STRAIGHT_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'})


def checkthat_vclaim(record: dict[str, Any], location: str, source: str | None) -> ImportItem:
    """One CheckThat! 2022 verified claim (keys ``vclaim``, ``page_url_derived``, ``title``,
    ``date``, ``publisher``, ``rating``) as a fact-check, validated like any
    imported record; read so by ``seed --with-datasets`` and by ``claimflag import`` alike.

    These are Snopes reviews copied by a research data set, about a third without a rating
    (``unrated``): one the database already holds (same URL and wording) is left as it is.
    25 records hold a fragment in place of the claim ("The", "false"); their headline (or
    subtitle) stands for it, and without one they are skipped.
    """
    claim = record.get("vclaim")
    if isinstance(claim, str) and 0 < len(claim.split()) < SNOPES_MIN_STATEMENT_WORDS:
        # As in ``snopes_2020``: the headline, else the subtitle, states the claim. Its
        # quotes are straightened as that set's headlines have them, so a review both sets
        # hold reads the same in each.
        claim = _stated(record, ("title", "subtitle"))
        if claim is None:
            return Skipped(location, "the claim is a fragment of a word or two")
        claim = claim.translate(_STRAIGHT_QUOTES)
    date = record.get("date")
    fields = {
        "claim": claim,
        "rating": _snopes_rating(record.get("rating")),
        "publisher": record.get("publisher") or "Snopes",
        "publisher_site": "snopes.com",
        "url": record.get("page_url_derived"),
        # A few records' date holds a sentence of the article: no date, not a rejection.
        "review_date": parse_loose_date(date) if isinstance(date, str) else date,
        "title": record.get("title"),
    }
    item = validate(fields, location, source)
    return replace(item, keep_existing=True) if isinstance(item, FactCheckInput) else item


CHECKTHAT_SOURCE = "checkthat2022-vclaims"


def checkthat2022_vclaims(data_dir: Path) -> Iterator[ImportItem]:
    """CheckThat! 2022 task 2A verified claims (Snopes), rating joined where known.

    A verified claim whose URL and wording are already in the Snopes 2020 set is skipped.
    """
    in_snopes = {
        (r["url"], claim_key((r.get("statement") or r.get("title") or "").strip()))
        for r in _jsonl(data_dir / _SNOPES_2020)
        if r.get("url")
    }
    path = data_dir / "checkthat2022-task2a-en/vclaims_enriched_with_snopes_rating.jsonl"
    for number, record in enumerate(_jsonl(path), start=1):
        claim = (record.get("vclaim") or "").strip()
        url = record.get("page_url_derived")
        if not claim or not url:
            continue
        if (url, claim_key(claim)) in in_snopes:
            yield Skipped(f"line {number}", "also in snopes-2020")
            continue
        yield checkthat_vclaim(record, f"line {number}", CHECKTHAT_SOURCE)


# Every public dataset ``claimflag seed --with-datasets`` loads, by name, in load order.
DATASETS: dict[str, Callable[[Path], Iterator[ImportItem]]] = {
    "snopes-2020": snopes_2020,
    "politifact-2021-2024": politifact_2021_2024,
    "politifact-2023-2026": politifact_2023_2026,
    "averitec-dev": averitec_dev,
    "checkthat2022-vclaims": checkthat2022_vclaims,
}


def default_datasets(data_dir: Path) -> Iterator[ImportItem]:
    """Every dataset in ``DATASETS``, one after another."""
    for load in DATASETS.values():
        yield from load(data_dir)
