"""Export fact-checks as schema.org ClaimReview JSON-LD, streamed record by record."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import IO, Any

from sqlalchemy.orm import Session

from claims_db.importers.claimreview import RATING_VALUES
from claims_db.models import FactCheck
from claims_db.repository import FactCheckFilter, FactCheckRepository
from models.verdicts import Verdict


def claim_review(row: FactCheck) -> dict[str, Any]:
    """One fact-check as a ClaimReview node.

    The publisher's wording goes in ``reviewRating.alternateName``; the five ordinal
    verdicts also get a ``ratingValue`` on the 1 (false) to 5 (true) scale.
    """
    rating: dict[str, Any] = {"@type": "Rating", "alternateName": row.rating}
    value = RATING_VALUES.get(Verdict(row.verdict))
    if value is not None:
        rating.update(ratingValue=value, bestRating=5, worstRating=1)
    author: dict[str, Any] = {"@type": "Organization", "name": row.publisher}
    if row.publisher_site:
        author["url"] = f"https://{row.publisher_site}"
    item_reviewed: dict[str, Any] = {"@type": "Claim"}
    if row.claimant:
        item_reviewed["author"] = {"@type": "Thing", "name": row.claimant}
    if row.claim_date:
        item_reviewed["datePublished"] = row.claim_date.isoformat()
    node: dict[str, Any] = {
        "@type": "ClaimReview",
        "url": row.url,
        "claimReviewed": row.claim,
        "author": author,
        "reviewRating": rating,
        "itemReviewed": item_reviewed,
        "inLanguage": row.language,
    }
    if row.review_date:
        node["datePublished"] = row.review_date.isoformat()
    if row.title:
        node["headline"] = row.title
    return node


# What the pipeline calls the journalist when the article itself asserts a claim.
ARTICLE_CLAIMANT = "the article"


def claim_review_draft(
    *,
    claim: str,
    claimant: str | None,
    appearances: list[tuple[str | None, str | None, str | None]],
    fact_check: FactCheck | None = None,
) -> dict[str, Any]:
    """A claim found in articles as a ClaimReview node to complete and publish.

    Args:
        claim: The claim as found (``claimReviewed``).
        claimant: Who makes it in the first article (``itemReviewed.author``); for
            ``the article`` the first article's publisher is the author.
        appearances: ``(url, publisher, published_at)`` of each article it appeared in.
        fact_check: The fact-check a reviewer confirmed, whose rating and URL it takes.
    """
    item_reviewed: dict[str, Any] = {"@type": "Claim"}
    if claimant == ARTICLE_CLAIMANT:
        publisher = next((p for _, p, _ in appearances if p), None)
        if publisher:
            item_reviewed["author"] = {"@type": "Organization", "name": publisher}
    elif claimant:
        item_reviewed["author"] = {"@type": "Thing", "name": claimant}
    dates = sorted(d for _, _, d in appearances if d)
    if dates:
        item_reviewed["datePublished"] = dates[0][:10]
    urls = [u for u, _, _ in appearances if u]
    if urls:
        item_reviewed["appearance"] = [{"@type": "CreativeWork", "url": u} for u in urls]
    node: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "claimReviewed": claim,
        "itemReviewed": item_reviewed,
    }
    if fact_check is not None:
        reviewed = claim_review(fact_check)
        node.update(
            url=reviewed["url"], author=reviewed["author"], reviewRating=reviewed["reviewRating"]
        )
    return node


def write_claim_reviews(nodes: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """Write a JSON-LD document ``{"@context", "@graph": [...]}`` one node at a time.

    Returns the number of nodes written.
    """
    out.write('{"@context": "https://schema.org", "@graph": [')
    count = 0
    for node in nodes:
        out.write(",\n" if count else "\n")
        out.write(json.dumps(node, ensure_ascii=False))
        count += 1
    out.write("\n]}\n")
    return count


def iter_claim_reviews(
    session: Session, search_filter: FactCheckFilter | None = None
) -> Iterator[dict[str, Any]]:
    """ClaimReview nodes of every fact-check the filter admits, by id."""
    for row in FactCheckRepository(session).iterate(search_filter or FactCheckFilter()):
        yield claim_review(row)


def export_claim_reviews(
    session: Session, out: IO[str], search_filter: FactCheckFilter | None = None
) -> int:
    """Write the admitted fact-checks to ``out`` as ClaimReview JSON-LD; returns the count."""
    return write_claim_reviews(iter_claim_reviews(session, search_filter), out)
