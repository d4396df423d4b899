"""The desk's reading side: stored articles, and one search across articles, claims and
fact-checks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from claims_db.triage_models import Article
from claims_db.triage_repository import ArticleRepository

# Rows of each kind a search or the article list shows.
SEARCH_LIMIT = 50


@dataclass(frozen=True, slots=True)
class ArticleRow:
    """One stored article in a list: what it is and how many of its claims need a look."""

    id: int
    title: str | None
    url: str | None
    publisher: str | None
    published_at: str | None
    created_at: dt.datetime
    claims: int
    flagged: int
    queued: int


@dataclass(frozen=True, slots=True)
class ClaimHit:
    """A stored claim whose text contains the search term, with its article and item."""

    claim_id: int
    text: str
    flagged: bool
    stance: str | None
    article_id: int
    article_title: str | None
    queue_item_id: int | None


@dataclass(frozen=True, slots=True)
class FactCheckHit:
    """A fact-check containing the search term and the stored articles it matched."""

    id: int
    claim: str
    rating: str
    verdict: str
    publisher: str
    url: str
    review_date: dt.date | None
    matched_claims: int
    articles: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class DeskSearch:
    """Everything a term finds; with no term, the newest articles only."""

    term: str
    articles: list[ArticleRow]
    claims: list[ClaimHit]
    fact_checks: list[FactCheckHit]


def _row(article: Article) -> ArticleRow:
    return ArticleRow(
        id=article.id,
        title=article.title,
        url=article.url,
        publisher=article.publisher,
        published_at=article.published_at,
        created_at=article.created_at,
        claims=len(article.claims),
        flagged=sum(1 for c in article.claims if c.flagged),
        queued=sum(1 for c in article.claims if c.queue_item_id is not None),
    )


def search_desk(session: Session, term: str = "", limit: int = SEARCH_LIMIT) -> DeskSearch:
    """Articles whose title, URL or text contains ``term``, claims and fact-checks likewise."""
    term = " ".join(term.split())[:200]
    repository = ArticleRepository(session)
    articles = [_row(a) for a in repository.recent(limit, term or None)]
    if not term:
        return DeskSearch(term, articles, [], [])
    claims = [
        ClaimHit(
            claim_id=claim.id,
            text=claim.text,
            flagged=claim.flagged,
            stance=claim.stance,
            article_id=article.id,
            article_title=article.title,
            queue_item_id=claim.queue_item_id,
        )
        for claim, article in repository.claims_containing(term, limit)
    ]
    found = repository.fact_checks_containing(term, limit)
    citing = repository.articles_citing([fact_check.id for fact_check, _ in found])
    fact_checks = [
        FactCheckHit(
            id=fact_check.id,
            claim=fact_check.claim,
            rating=fact_check.rating,
            verdict=fact_check.verdict,
            publisher=fact_check.publisher,
            url=fact_check.url,
            review_date=fact_check.review_date,
            matched_claims=count,
            articles=citing.get(fact_check.id, [])[:10],
        )
        for fact_check, count in found
    ]
    return DeskSearch(term, articles, claims, fact_checks)
