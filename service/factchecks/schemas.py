"""Fact-check representations in the public API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from claims_db.importers.records import check_review_url
from models.explain import shared_terms
from models.matching import FactCheckRecord
from models.retrieval import Match, Tier
from models.verdicts import Verdict
from service.reliability.text import CleanStr, EncodableStr, LanguageStr
from service.updates import PartialUpdate

ReviewUrl = Annotated[str, BeforeValidator(check_review_url), Field(max_length=2048)]


class FactCheckOut(BaseModel):
    """A published fact-check as the API returns it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    claim: str
    rating: str
    verdict: Verdict
    publisher: str
    url: str
    review_date: dt.date | None
    claimant: str | None = None
    publisher_site: str | None = None
    language: str = "en"

    @classmethod
    def from_record(cls, record: FactCheckRecord) -> FactCheckOut:
        return cls(
            id=record.id,
            claim=record.claim,
            rating=record.rating,
            verdict=record.verdict,
            publisher=record.publisher,
            url=record.url,
            review_date=record.review_date,
            claimant=record.claimant,
            publisher_site=record.publisher_site,
            language=record.language,
        )


class RevisionOut(BaseModel):
    """A rating the fact-check held before an update replaced it."""

    model_config = ConfigDict(from_attributes=True)

    rating: str
    verdict: Verdict
    review_date: dt.date | None
    replaced_at: dt.datetime
    replaced_by: str | None
    source: str | None


class FactCheckDetail(FactCheckOut):
    """One fact-check with where it came from and its rating history (oldest first)."""

    claim_date: dt.date | None = None
    title: str | None = Field(
        default=None, description="The headline of the fact-check's article, when known."
    )
    source: str | None = None
    created_at: dt.datetime
    updated_at: dt.datetime
    history: list[RevisionOut] = Field(default_factory=list)


class FactCheckCreate(BaseModel):
    """A fact-check to add. ``verdict`` defaults to the rating normalised onto the scale."""

    model_config = ConfigDict(extra="forbid")

    claim: CleanStr = Field(min_length=1, max_length=20_000)
    rating: CleanStr = Field(min_length=1, max_length=1_000)
    publisher: CleanStr = Field(min_length=1, max_length=255)
    url: ReviewUrl
    claimant: CleanStr | None = Field(default=None, max_length=5_000)
    publisher_site: EncodableStr | None = Field(
        default=None, max_length=255, description="Default: the review URL's host."
    )
    review_date: dt.date | None = None
    claim_date: dt.date | None = None
    title: CleanStr | None = Field(
        default=None,
        max_length=2_000,
        description="The headline of the fact-check's article; it also helps find it.",
    )
    language: LanguageStr | None = Field(
        default=None,
        description="The claim's language: an ISO 639 code, a BCP 47 tag or a language's "
        "name, stored as its ISO 639 code; detected from the claim when left out.",
    )
    verdict: Verdict | None = None


_REQUIRED = ("claim", "rating", "publisher", "url", "language")


class FactCheckUpdate(PartialUpdate):
    """Fields to change; those left out stay as they are, ``null`` clears optional ones."""

    not_null = _REQUIRED

    claim: CleanStr | None = Field(default=None, min_length=1, max_length=20_000)
    rating: CleanStr | None = Field(default=None, min_length=1, max_length=1_000)
    publisher: CleanStr | None = Field(default=None, min_length=1, max_length=255)
    url: ReviewUrl | None = None
    claimant: CleanStr | None = Field(default=None, max_length=5_000)
    publisher_site: EncodableStr | None = Field(default=None, max_length=255)
    review_date: dt.date | None = None
    claim_date: dt.date | None = None
    title: CleanStr | None = Field(default=None, max_length=2_000)
    language: LanguageStr | None = None
    verdict: Verdict | None = None


class FactCheckPage(BaseModel):
    """One page of fact-checks; pass ``next_cursor`` as ``cursor`` for the next page."""

    items: list[FactCheckOut]
    next_cursor: str | None


class MatchWhy(BaseModel):
    """Why a fact-check was matched: the scores combined into its confidence and what the
    claim shares with the fact-check's claim (``fact_check.claim``, reviewed
    ``fact_check.review_date``)."""

    similarity: float = Field(description="Cosine similarity of the two claims' embeddings.")
    lexical_score: float = Field(description="BM25 score of the fact-check for the claim.")
    first_stage_score: float = Field(
        description="The feature re-ranker's log-odds (cosine, BM25, overlaps, ranks)."
    )
    cross_encoder_score: float | None = Field(
        description="The cross-encoder's log-odds after reading both claims together; null "
        "when the claim's candidates were too weak to be read."
    )
    article_similarity: float | None = Field(
        default=None,
        description="Cosine similarity of the whole article and the fact-check's claim, "
        "when it raised the match from `possible` to `likely`; null otherwise.",
    )
    corroborated_by: int | None = Field(
        default=None,
        description="In how many sentences of the article a claim found this fact-check first, "
        "when that raised the match from `possible` to `likely` (claims not in English); null "
        "otherwise.",
    )
    second_encoder_similarity: float | None = Field(
        default=None,
        description="Cosine similarity of the two claims in the second multilingual encoder "
        "(USE), when it re-scored a claim not in English (or the reverse direction); null "
        "otherwise.",
    )
    shared_terms: list[str] = Field(description="The fact-check's words the claim shares.")
    shared_names: list[str] = Field(description="Names among them.")
    shared_numbers: list[str] = Field(description="Numbers both contain.")

    @classmethod
    def from_match(cls, claim: str, match: Match) -> MatchWhy:
        """The explanation of ``match`` for the claim text ``claim``."""
        shared = shared_terms(claim, match.fact_check.claim)
        return cls(
            similarity=round(match.similarity, 4),
            lexical_score=round(match.lexical_score, 4),
            first_stage_score=round(match.score, 4),
            cross_encoder_score=match.cross_score,
            article_similarity=match.article_similarity,
            corroborated_by=match.corroborated_by,
            second_encoder_similarity=match.second_similarity,
            shared_terms=list(shared.terms),
            shared_names=list(shared.names),
            shared_numbers=list(shared.numbers),
        )


class SearchResult(BaseModel):
    """A fact-check found for a search query, with its relevance score (higher is better)."""

    fact_check: FactCheckOut
    score: float = Field(
        description="Calibrated probability that this fact-check checks the query's claim."
    )
    similarity: float = Field(description="Cosine similarity of the query and the claim.")
    tier: Tier | None = Field(
        description="confirmed, likely or possible as in /v1/analyze; null below the possible tier."
    )
    why: MatchWhy


class SearchResponse(BaseModel):
    """Fact-checks matching a query, best first."""

    results: list[SearchResult]


class ImportSummaryOut(BaseModel):
    """What an import did; ``errors`` lists the first rejected records as "where: why"."""

    format: str
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    skipped: int
    errors: list[str]
    skipped_reasons: dict[str, int]
