"""Request and response bodies of ``POST /v1/analyze`` (the public contract)."""

from __future__ import annotations

import datetime as dt
from typing import Self

from pydantic import BaseModel, Field, field_validator, model_validator

from models.retrieval import Tier
from models.stance import Stance
from models.verdicts import Verdict
from service.factchecks.schemas import FactCheckOut, MatchWhy
from service.reliability.text import CleanStr, EncodableStr, OptionalLanguageStr
from service.reliability.times import UtcDateTime


class AnalyzeRequest(BaseModel):
    """An article to analyse, as pasted text or as an HTML page, with optional metadata."""

    text: CleanStr | None = Field(
        default=None,
        description="The article text as pasted (headline, captions and all). "
        "Send exactly one of `text` and `html`.",
    )
    html: CleanStr | None = Field(
        default=None,
        description="The article as an HTML page; its main text is extracted and analysed, "
        "and returned as `article.text` (claim offsets refer to it).",
    )
    title: CleanStr | None = Field(default=None, max_length=1000)
    url: EncodableStr | None = Field(default=None, max_length=2048)
    published_at: UtcDateTime | dt.date | None = Field(
        default=None, description="Publication date; later fact-checks are not used as evidence."
    )
    language: OptionalLanguageStr = Field(
        default=None,
        description="Only match fact-checks in this language: an ISO 639 code, a BCP 47 tag "
        "or a language's name, read as its ISO 639 code (`en-GB` and `English` are `en`).",
    )
    store: bool = Field(
        default=True, description="Store the analysis and queue its claims for review."
    )
    max_age_days: int | None = Field(
        default=None,
        ge=0,
        le=36500,
        description="Only match fact-checks reviewed at most this many days before the article "
        "(or today); default: the service's CLAIMFLAG_MAX_AGE_DAYS.",
    )

    @field_validator("published_at")
    @classmethod
    def _aware(cls, value: dt.datetime | dt.date | None) -> dt.datetime | dt.date | None:
        # A time without an offset is taken as UTC, so it is echoed as RFC 3339 date-time.
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value

    @model_validator(mode="before")
    @classmethod
    def _name_unknown_fields(cls, data: object) -> object:
        # A misspelt field ("txt") is named, not left as a bare "send text or html".
        if isinstance(data, dict) and "text" not in data and "html" not in data:
            unknown = sorted(str(key)[:40] for key in data if key not in cls.model_fields)[:5]
            if unknown:
                raise ValueError(
                    f"unknown field(s) {', '.join(unknown)}: send the article as `text` "
                    '(for example {"text": "the article text"}) or a page as `html`'
                )
        return data

    @model_validator(mode="after")
    def _text_or_html(self) -> Self:
        if (self.text is None) == (self.html is None):
            raise ValueError("send exactly one of `text` and `html`")
        return self


class MatchOut(BaseModel):
    """A fact-check similar to the claim."""

    fact_check: FactCheckOut
    similarity: float = Field(description="Cosine similarity of the claim and fact-check.")
    confidence: float = Field(
        description="Calibrated probability that this fact-check checks the claim."
    )
    tier: Tier = Field(
        description="confirmed or likely: its verdict is suggested (the claim is flagged); "
        "possible: shown and queued for review only."
    )
    why: MatchWhy | None = Field(
        default=None,
        description="Why it was matched; null only in analyses stored before it existed.",
    )

    @field_validator("tier", mode="before")
    @classmethod
    def _legacy_tier(cls, value: object) -> object:
        # Analyses stored before the three tiers said "match" for what is now "likely".
        return Tier.LIKELY if value == "match" else value


class SuggestionOut(BaseModel):
    """A verdict suggested from the best match."""

    verdict: Verdict
    confidence: float
    reason: str


class ClaimOut(BaseModel):
    """One claim found in the article."""

    text: str
    start: int = Field(description="Offset of the claim's first character in the submitted text.")
    end: int = Field(description="Offset just past the claim's last character.")
    check_worthiness: float
    check_worthy: bool = Field(
        description="Worth checking: the check-worthiness head's decision or, in an article "
        "and with a large enough database, close already-checked claims "
        "(`precedent_similarity`)."
    )
    precedent_similarity: float | None = Field(
        default=None,
        description="Mean cosine similarity of the five fact-checks closest to the claim, in "
        "any tier (null without any, or for a claim not in English).",
    )
    flagged: bool
    matches: list[MatchOut]
    suggestion: SuggestionOut | None
    claimant: str | None = Field(
        default=None,
        description="Who makes the claim: a person, organisation or group named in the "
        "article, or `the article` when the journalist asserts it.",
    )
    claimant_start: int | None = Field(
        default=None,
        description="Offset of the claimant's mention in the submitted text (for a pronoun, "
        "of the named speaker it refers to); null when the claimant is the article.",
    )
    claimant_end: int | None = Field(
        default=None, description="Offset just past the claimant's mention."
    )
    sentence_start: int | None = None
    sentence_end: int | None = None
    stance: Stance | None = Field(
        default=None,
        description="Whether the article asserts, reports or debunks the top match's claim "
        "(or does not speak to it: unrelated), read from the claim's sentence and its "
        "neighbours; null without matches.",
    )
    stance_confidence: float | None = Field(
        default=None, description="Calibrated probability of `stance`; null without matches."
    )
    verdict_agreement: float | None = Field(
        default=None,
        description="Share of verdict-suggesting (confirmed or likely) matches agreeing with "
        "the top one's verdict.",
    )
    publishers_disagree: bool = Field(
        default=False,
        description="Verdict-suggesting matches give different verdicts.",
    )
    triage_priority: float = Field(
        description="Review priority in [0, 1]; lowered when the article debunks the claim."
    )
    language: str | None = Field(
        default=None,
        description="The claim's language (ISO 639-1): its sentence's own when the sentence "
        "is long and clear enough to tell, else the article's; null only in analyses stored "
        "before it existed.",
    )


class ArticleOut(BaseModel):
    """What was analysed."""

    id: int | None = Field(default=None, description="The stored article's id, when stored.")
    title: str | None
    url: str | None
    published_at: dt.datetime | dt.date | None
    language: str | None = Field(
        description="The article's language (ISO 639-1), detected from its text (English "
        "when unsure). The request's `language` only restricts the fact-checks matched."
    )
    characters: int
    sentences: int
    text: str | None = Field(
        default=None,
        description="The text extracted from `html`, which claim offsets refer to; "
        "null when `text` was sent.",
    )


class AnalyzeResponse(BaseModel):
    """The claims found in an article with their matches and suggested verdicts."""

    article: ArticleOut
    claims: list[ClaimOut]
