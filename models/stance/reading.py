"""What the stance model reads: the text's sentences, the ones most related to the claim
within a word budget, and the hand-made features of the pair.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from models.matching import lexical_tokens
from models.segmentation import logical_lines, reading_text, split_sentences

if TYPE_CHECKING:
    pass
from models.stance.cues import (
    _CONFIRM,
    _DEBUNK,
    _HEDGE,
    _NEGATION,
    _NEWS_DEBUNK,
    _QUOTE,
    _REFUTE,
    _REPORT,
    Stance,
    classify_stance,
)


def text_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans of ``text`` (every non-empty line split into sentences, the lines of a
    hard-wrapped paragraph read as one), as offsets."""
    spans: list[tuple[int, int]] = []
    for start, end in logical_lines(text):
        spans.extend(split_sentences(text[start:end], offset=start))
    return spans


def bigrams(tokens: Sequence[str]) -> set[tuple[str, str]]:
    """Adjacent pairs of tokens."""
    return set(itertools.pairwise(tokens))


def relatedness(
    claim_tokens: set[str], claim_bigrams: set[tuple[str, str]], tokens: Sequence[str]
) -> float:
    """How strongly a sentence (its ``lexical_tokens``) speaks to the claim: the share of the
    claim's stemmed words it contains plus half the share of the claim's word pairs."""
    words = len(claim_tokens & set(tokens)) / len(claim_tokens) if claim_tokens else 0.0
    pairs = len(claim_bigrams & bigrams(tokens)) / len(claim_bigrams) if claim_bigrams else 0.0
    return words + 0.5 * pairs


def select_sentences(
    scores: Sequence[float], word_counts: Sequence[int], budget_words: int, lead: int = 1
) -> list[int]:
    """Indices (in text order) of the sentences the model reads.

    The first ``lead`` sentences come first when they fit (a news text states its position
    early), then the most related sentences while the word budget lasts. A text within the
    budget is read whole.

    Args:
        scores: Relatedness of each sentence to the claim.
        word_counts: Words per sentence.
        budget_words: Most words read from the text.
        lead: Leading sentences always read (when they fit). Defaults to 1.
    """
    if sum(word_counts) <= budget_words:
        return list(range(len(scores)))
    chosen: list[int] = []
    used = 0
    ranked = sorted(range(len(scores)), key=lambda i: -scores[i])
    for index in [*range(min(lead, len(scores))), *ranked]:
        if index in chosen:
            continue
        if used + word_counts[index] > budget_words:
            if not chosen:
                chosen.append(index)  # one over-long sentence is read truncated
                break
            continue
        chosen.append(index)
        used += word_counts[index]
    return sorted(chosen)


FEATURE_NAMES: tuple[str, ...] = (
    "max_relatedness",
    "mean_relatedness",
    "text_overlap",
    "debunk_cues",
    "report_cues",
    "hedges",
    "negations",
    "confirmations",
    "claim_debunk_cues",
    "claim_hedges",
    "rule_debunks",
    "rule_reports",
    # Cue rates (per sentence) in the text's first two sentences, where news states its
    # position.
    "lead_debunk_cues",
    "lead_report_cues",
    "lead_hedges",
    "lead_negations",
    "lead_confirmations",
    "lead_refuting_words",
    "lead_news_debunk_cues",
    # Cue rates over the whole text.
    "text_debunk_cues",
    "text_negations",
    # A news-style correction in the sentences most related to the claim.
    "near_news_debunk",
    "claim_refuting_words",
    "claim_question",
    "claim_quoted",
)


@dataclass(frozen=True, slots=True)
class StanceInput:
    """One (text, claim) pair prepared for the model.

    Attributes:
        text: The text as read (``reading_text``: offsets as in ``pasted``).
        claim: The claim as read.
        sentences: Sentence spans of ``text``.
        selected: Indices of the sentences the model reads, in text order.
        relatedness: Relatedness of each sentence to the claim.
        context: The selected sentences joined: what the cross-encoder reads.
        features: Values of ``FEATURE_NAMES``.
        pasted: The text as given, which evidence quotes.
    """

    text: str
    claim: str
    sentences: list[tuple[int, int]]
    selected: list[int]
    relatedness: list[float]
    context: str
    features: list[float]
    pasted: str

    def sentence(self, index: int) -> str:
        """The text of sentence ``index``."""
        start, end = self.sentences[index]
        return self.text[start:end]


def _share(claim_tokens: set[str], tokens: set[str]) -> float:
    return len(claim_tokens & tokens) / len(claim_tokens) if claim_tokens else 0.0


def _count(pattern: re.Pattern[str], text: str) -> float:
    return math.log1p(len(pattern.findall(text)))


def _features(
    context_sentences: list[str],
    claim: str,
    relatedness_selected: list[float],
    text_overlap: float,
) -> list[float]:
    context = " ".join(context_sentences)
    rule = classify_stance(context, claim)
    return [
        max(relatedness_selected, default=0.0),
        float(np.mean(relatedness_selected)) if relatedness_selected else 0.0,
        text_overlap,
        _count(_DEBUNK, context),
        _count(_REPORT, context),
        _count(_HEDGE, context),
        _count(_NEGATION, context),
        _count(_CONFIRM, context),
        _count(_DEBUNK, claim),
        _count(_HEDGE, claim),
        float(rule is Stance.DEBUNKS),
        float(rule is Stance.REPORTS),
    ]


def _rate(pattern: re.Pattern[str], sentences: Sequence[str]) -> float:
    """log(1 + cues per sentence)."""
    found = sum(len(pattern.findall(s)) for s in sentences)
    return math.log1p(found / max(1, len(sentences)))


def _text_features(sentences: list[str], scores: list[float], claim: str) -> list[float]:
    """Features of the whole text (not only what the cross-encoder reads) and of the claim."""
    sentences = sentences or [""]
    scores = scores or [0.0]
    order = sorted(range(len(sentences)), key=lambda i: -scores[i])
    top = scores[order[0]]
    near = [sentences[i] for i in order[:3] if scores[i] > 0 and scores[i] >= 0.5 * top]
    near = near or [sentences[order[0]]]
    lead = sentences[:2]
    cues = (_DEBUNK, _REPORT, _HEDGE, _NEGATION, _CONFIRM, _REFUTE, _NEWS_DEBUNK)
    return [
        *(_rate(pattern, lead) for pattern in cues),
        _rate(_DEBUNK, sentences),
        _rate(_NEGATION, sentences),
        float(bool(_NEWS_DEBUNK.search(" ".join(near)))),
        _count(_REFUTE, claim),
        float("?" in claim),
        float(bool(_QUOTE.search(claim))),
    ]


def prepare_inputs(pairs: Sequence[tuple[str, str]], budget_words: int) -> list[StanceInput]:
    """Split, score, select and featurise (text, claim) pairs.

    Args:
        pairs: (text, claim) pairs.
        budget_words: Most words of a text the cross-encoder reads.
    """
    prepared: list[StanceInput] = []
    # A text read against several claims is read, split and tokenised once.
    split: dict[str, tuple[str, list[tuple[int, int]], list[list[str]]]] = {}
    for pasted, pasted_claim in pairs:
        if pasted not in split:
            # Read as the analysis reads an article (direction marks, zero-width and
            # full-width characters, hard wraps); offsets index the text as sent.
            read = reading_text(pasted)
            text_spans = text_sentences(read)
            split[pasted] = (read, text_spans, [lexical_tokens(read[s:e]) for s, e in text_spans])
        text, spans, tokens = split[pasted]
        claim = reading_text(pasted_claim)
        sentences = [text[s:e] for s, e in spans]
        claim_list = lexical_tokens(claim)
        claim_tokens = set(claim_list)
        claim_bigrams = bigrams(claim_list)
        scores = [relatedness(claim_tokens, claim_bigrams, t) for t in tokens]
        selected = select_sentences(scores, [len(s.split()) for s in sentences], budget_words)
        context_sentences = [sentences[i] for i in selected]
        features = _features(
            context_sentences,
            claim,
            [scores[i] for i in selected],
            _share(claim_tokens, set().union(*tokens)),
        ) + _text_features(sentences, scores, claim)
        prepared.append(
            StanceInput(
                text=text,
                claim=claim,
                sentences=list(spans),
                selected=selected,
                relatedness=scores,
                context=" ".join(context_sentences),
                features=features,
                pasted=pasted,
            )
        )
    return prepared
