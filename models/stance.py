"""Does a text assert a claim, report it neutrally, debunk it, or not speak to it at all?

Two readers share this module:

- ``StanceModel``, the learned one: a cross-encoder (packaged MiniLM + LoRA adapters,
  ``models/artifacts/stance.*``) reads the claim with the sentences of the text that share
  most of its words; gradient-boosted trees read cue rates and word-overlap scores of the
  whole text and the claim; and a small logistic head combines both models' probabilities
  with those features into calibrated probabilities for the four stances. It also names
  the sentence that decided the stance (evidence, with offsets into the text).
- ``classify_stance``, the rule reader of one sentence: debunking cues ("a false claim
  that…", "there is no evidence that…", "wrongly said", "debunked") win over attribution
  cues ("said", "according to"), and a sentence with neither asserts its claim. Cues inside
  the claim itself are ignored when the claim is a span of a longer sentence, so "He said
  that the moon landing was a hoax" reports, it does not debunk. It is the fallback when
  the artefact is missing and one of the learned head's features.

Training (``training/stance.py``) and the runtime select sentences and compute features with
the same functions below, so the model reads at run time what it read in training.
Relatedness is stemmed word overlap, not embedding cosine: the analysis pipeline encodes an
article once, and a second encode per article for the stance would cost more than it adds
(the cross-encoder reads the meaning; the overlap only picks what it reads in long texts).
"""

from __future__ import annotations

import enum
import itertools
import json
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from models.matching import lexical_tokens
from models.segmentation import split_sentences

if TYPE_CHECKING:
    from models.encoders.cross_encoder import CrossEncoder

logger = logging.getLogger(__name__)

__all__ = [
    "FEATURE_NAMES",
    "LABELS",
    "BoostedTrees",
    "Evidence",
    "Stance",
    "StanceHead",
    "StanceInput",
    "StanceModel",
    "StanceReading",
    "classify_stance",
    "prepare_inputs",
    "select_sentences",
    "text_sentences",
]

ARTIFACT_NAME = "stance"


class Stance(enum.StrEnum):
    """A text's stance towards a claim."""

    ASSERTS = "asserts"
    REPORTS = "reports"
    DEBUNKS = "debunks"
    UNRELATED = "unrelated"


# The order of the cross-encoder's logits and of the head's classes.
LABELS: tuple[Stance, ...] = (Stance.ASSERTS, Stance.REPORTS, Stance.DEBUNKS, Stance.UNRELATED)


_DEBUNK = re.compile(
    r"""
    \b(?:
        false(?:ly)?\s+(?:claim|claimed|claims|said|says|stated|suggest\w*|assert\w*
                         |report\w*|allege\w*|rumou?r\w*)
      | (?:false|bogus|baseless|unfounded|unsubstantiated|debunked|discredited|fake|fabricated
          |misleading|untrue|spurious|erroneous|dubious)
        \s+(?:\w+\s+){0,2}
        (?:claims?|rumou?rs?|reports?|stor(?:y|ies)|allegations?|assertions?|suggestions?
          |theor(?:y|ies)|posts?|videos?|images?|quotes?)
      | (?:wrongly|incorrectly|erroneously|mistakenly|misleadingly|baselessly)\b
      | debunk\w*
      | (?:no|little|zero|not\s+any)\s+(?:\w+\s+){0,2}(?:evidence|proof|basis|record|indication)\b
      | (?:not|never)\s+(?:been\s+)?(?:true|accurate|correct|happened|the\s+case)\b
      | (?:is|was|are|were|been)\s+(?:completely\s+|entirely\s+|simply\s+)?
        (?:false|untrue|fake|a\s+hoax|a\s+myth|fabricated|baseless|unfounded|inaccurate
          |incorrect|misleading|wrong)\b
      | (?:hoax|myth|misinformation|disinformation|conspiracy\s+theor(?:y|ies))\b
      | fact[-\s]?check(?:s|ed|ers?)?\s+(?:\w+\s+){0,3}
        (?:found|rated|showed|concluded|debunked|refuted|say|said)
      | (?:refuted|disproved|disproven|dismissed|denied|rejected|retracted)\b
      | (?:there\s+is|there's|there\s+was)\s+no\s+(?:truth|evidence|proof)
      | contrary\s+to\s+(?:claims?|reports?|rumou?rs?)
      | rated\s+(?:\S+\s+){0,6}?(?:false|pants\s+on\s+fire|fake|misleading)\b
    )
    """,
    re.IGNORECASE | re.VERBOSE,
)

_REPORT = re.compile(
    r"""
    \b(?:
        (?:said|says|say|(?<!been\s)told|claimed|claims|claim|stated|states|argued|argues|alleged|alleges
          |insisted|insists|insist|suggest|argue|allege|warn|believe|suggested|suggests|asserted|asserts|warned|warns|tweeted|wrote|posted
          |announced|maintained|maintains|contended|contends|added|noted|reported|reports|believes
          |believed|accused|accuses|predicted)\b
      | according\s+to\b
      | reportedly\b | allegedly\b | purportedly\b | supposedly\b
      | (?:claims?|allegations?|rumou?rs?|reports?|suggestions?)\s+that\b
      | (?:is|are|was|were)\s+(?:said|reported|alleged|claimed|rumou?red|thought|believed)\s+to\b
    )
    """,
    re.IGNORECASE | re.VERBOSE,
)

# Hedges: the text leaves the claim open ("may", "unconfirmed", "if true").
_HEDGE = re.compile(
    r"\b(?:may|might|could|possibly|perhaps|apparently|reportedly|allegedly|purportedly"
    r"|supposedly|unconfirmed|unverified|rumou?r\w*|speculat\w*|if\s+true|appears?\s+to"
    r"|seems?\s+to|not\s+(?:yet\s+)?(?:been\s+)?(?:confirmed|verified)|claim\w*)\b",
    re.IGNORECASE,
)
# Plain negation and denial words.
_NEGATION = re.compile(
    r"\b(?:not|no|never|nothing|none|neither|nor|deny|denies|denied|denial|refus\w*"
    r"|without)\b|n['’]t\b",
    re.IGNORECASE,
)
# Confirmation words: the text vouches for what it says.
_CONFIRM = re.compile(
    r"\b(?:confirm\w*|verified|indeed|proved|proven|shows?|showed|revealed|official(?:ly)?"
    r"|announced)\b",
    re.IGNORECASE,
)


# FNC-1 baseline's refuting words, widened: a body that calls its headline fake or a hoax.
_REFUTE = re.compile(
    r"\b(?:fake|fraud|hoax|false|deny|denies|denied|not|despite|nope|doubts?|bogus|debunk\w*"
    r"|prank\w*|retract\w*|rumou?r\w*|satir\w*|joke|lie|lies|lied)\b",
    re.IGNORECASE,
)
# How news prose corrects a claim ("falsely claimed", "there is no evidence", "a hoax").
_NEWS_DEBUNK = re.compile(
    r"\b(?:falsely|false(?:ly)?\s+claim\w*|no\s+evidence|debunk\w*|misleading|baseless|hoax\w*"
    r"|myths?|unfounded|fact[-\s]?check\w*|not\s+true|misinformation|disinformation|fabricated"
    r"|doctored|manipulated|satir\w*|conspiracy)\b",
    re.IGNORECASE,
)
_QUOTE = re.compile(r"[\"“”‘’']")


def classify_stance(sentence: str, claim: str | None = None) -> Stance:
    """The rule reader's stance of ``sentence`` towards ``claim`` (a span of it, or the whole
    sentence); never ``UNRELATED``.

    Args:
        sentence: The sentence of the article that contains the claim.
        claim: The claim text when it is a span inside ``sentence``; None (or the sentence
            itself) when the whole sentence is the claim.
    """
    context = sentence
    if claim and claim.strip() != sentence.strip() and claim in sentence:
        context = sentence.replace(claim, " … ", 1)
    if _DEBUNK.search(context):
        return Stance.DEBUNKS
    if _REPORT.search(context):
        return Stance.REPORTS
    return Stance.ASSERTS


# ---------------------------------------------------------------------------------------------
# What the learned reader reads: sentences of the text, the most related ones, and features.


def text_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans of ``text`` (every non-empty line split into sentences), as offsets."""
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\r\n]+", text):
        if line.group().strip():
            spans.extend(split_sentences(line.group(), offset=line.start()))
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
        text: The text as given.
        claim: The claim as given.
        sentences: Sentence spans of ``text``.
        selected: Indices of the sentences the model reads, in text order.
        relatedness: Relatedness of each sentence to the claim.
        context: The selected sentences joined: what the cross-encoder reads.
        features: Values of ``FEATURE_NAMES``.
    """

    text: str
    claim: str
    sentences: list[tuple[int, int]]
    selected: list[int]
    relatedness: list[float]
    context: str
    features: list[float]

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
    # A text read against several claims is split and tokenised once.
    split: dict[str, tuple[list[tuple[int, int]], list[list[str]]]] = {}
    for text, claim in pairs:
        if text not in split:
            text_spans = text_sentences(text)
            split[text] = (text_spans, [lexical_tokens(text[s:e]) for s, e in text_spans])
        spans, tokens = split[text]
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
            )
        )
    return prepared


# ---------------------------------------------------------------------------------------------
# The calibrated head and the model.

Matrix = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class StanceHead:
    """Multinomial logistic regression over the cross-encoder's log-probabilities and the
    features, fitted on held-out pairs so that its probabilities are calibrated.

    Attributes:
        inputs: Names of the inputs, in order (``ce_<label>`` then ``FEATURE_NAMES``).
        mean: Per-input mean used to standardise.
        scale: Per-input standard deviation used to standardise.
        coef: One row of weights per class in ``LABELS`` order.
        intercept: One bias per class.
    """

    inputs: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[tuple[float, ...], ...]
    intercept: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        """The head as JSON-ready fields."""
        return {
            "inputs": list(self.inputs),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "coef": [list(row) for row in self.coef],
            "intercept": list(self.intercept),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StanceHead:
        """Read the fields written by ``to_dict``."""
        return cls(
            inputs=tuple(data["inputs"]),
            mean=tuple(float(v) for v in data["mean"]),
            scale=tuple(float(v) for v in data["scale"]),
            coef=tuple(tuple(float(v) for v in row) for row in data["coef"]),
            intercept=tuple(float(v) for v in data["intercept"]),
        )

    def probabilities(self, inputs: Matrix) -> Matrix:
        """Class probabilities, one row per input row."""
        standard = (inputs - np.asarray(self.mean)) / np.asarray(self.scale)
        logits = standard @ np.asarray(self.coef).T + np.asarray(self.intercept)
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        result: Matrix = exp / exp.sum(axis=1, keepdims=True)
        return result


@dataclass(frozen=True, slots=True)
class BoostedTrees:
    """Gradient-boosted trees over the features (an exported scikit-learn
    ``HistGradientBoostingClassifier``), fitted on the train topics: far more pairs than the
    dev topics the head is fitted on. The head reads their log-probabilities.

    Every tree's nodes are stored flat; ``left`` and ``right`` index into the flat arrays.
    A row goes left when its feature value is at most the node's threshold.

    Attributes:
        baseline: The raw score each class starts from.
        roots: The root node of each tree.
        classes: The class (index into ``LABELS``) each tree adds to.
        feature: Per node, the feature it splits on.
        threshold: Per node, the split threshold.
        left: Per node, its left child (itself for a leaf).
        right: Per node, its right child (itself for a leaf).
        value: Per node, the raw score a leaf adds.
    """

    baseline: tuple[float, ...]
    roots: tuple[int, ...]
    classes: tuple[int, ...]
    feature: tuple[int, ...]
    threshold: tuple[float, ...]
    left: tuple[int, ...]
    right: tuple[int, ...]
    value: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        """The trees as JSON-ready fields."""
        return {f.name: list(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BoostedTrees:
        """Read the fields written by ``to_dict``."""

        def floats(name: str) -> tuple[float, ...]:
            return tuple(float(v) for v in data[name])

        def ints(name: str) -> tuple[int, ...]:
            return tuple(int(v) for v in data[name])

        return cls(
            baseline=floats("baseline"),
            roots=ints("roots"),
            classes=ints("classes"),
            feature=ints("feature"),
            threshold=floats("threshold"),
            left=ints("left"),
            right=ints("right"),
            value=floats("value"),
        )

    def probabilities(self, features: Matrix) -> Matrix:
        """Class probabilities, one row per feature row."""
        features = np.asarray(features, dtype=np.float64).reshape(len(features), -1)
        feature = np.asarray(self.feature)
        threshold = np.asarray(self.threshold)
        left = np.asarray(self.left)
        right = np.asarray(self.right)
        rows = np.arange(len(features))[:, None]
        node = np.tile(np.asarray(self.roots), (len(features), 1))
        # Walk every tree for every row at once until all rows sit on leaves.
        while True:
            at_leaf = left[node] == node
            if at_leaf.all():
                break
            go_left = features[rows, feature[node]] <= threshold[node]
            node = np.where(at_leaf, node, np.where(go_left, left[node], right[node]))
        raw = np.tile(np.asarray(self.baseline), (len(features), 1))
        leaf_values = np.asarray(self.value)[node]
        for label in range(len(self.baseline)):
            raw[:, label] += leaf_values[:, np.asarray(self.classes) == label].sum(axis=1)
        raw -= raw.max(axis=1, keepdims=True)
        exp = np.exp(raw)
        result: Matrix = exp / exp.sum(axis=1, keepdims=True)
        return result


# The head's inputs: the cross-encoder's log-probabilities, the boosted trees'
# log-probabilities, then the features.
HEAD_INPUTS: tuple[str, ...] = (
    tuple(f"ce_{s.value}" for s in LABELS)
    + tuple(f"boost_{s.value}" for s in LABELS)
    + FEATURE_NAMES
)


def head_inputs(
    ce_probabilities: npt.NDArray[Any],
    boost_probabilities: npt.NDArray[Any],
    features: npt.ArrayLike,
) -> Matrix:
    """The head's input rows: log cross-encoder probabilities, log boosted-tree
    probabilities, then the features."""
    logs = [
        np.log(np.clip(np.asarray(p, dtype=np.float64), 1e-6, 1.0))
        for p in (ce_probabilities, boost_probabilities)
    ]
    rows = np.asarray(features, dtype=np.float64).reshape(len(logs[0]), -1)
    return np.hstack([*logs, rows])


@dataclass(frozen=True, slots=True)
class Evidence:
    """The sentence of the text that decided the stance: ``text[start:end] == sentence``."""

    start: int
    end: int
    sentence: str


@dataclass(frozen=True, slots=True)
class StanceReading:
    """A text's stance towards a claim.

    Attributes:
        stance: The most probable stance.
        confidence: Its calibrated probability.
        probabilities: Every stance's probability (they sum to 1).
        evidence: The deciding sentence; None for an empty text.
        learned: False when the rule reader answered (artefact missing); its confidence is
            then a flat prior, not a calibrated probability.
    """

    stance: Stance
    confidence: float
    probabilities: dict[Stance, float]
    evidence: Evidence | None
    learned: bool = True


def boosted_trees_path(card_path: Path) -> Path:
    """Where the boosted trees lie next to the artefact's card (``stance.boost.json``)."""
    return card_path.with_suffix(".boost.json")


# The rule reader's stated confidence: it has no probabilities, so a flat guess.
_RULE_CONFIDENCE = 0.5


class StanceModel:
    """The learned stance reader, or the rule reader when its artefact is missing.

    Args:
        name: Artefact name in ``models/artifacts``. Defaults to ``stance``.
        directory: Where the artefact lies instead of the packaged folder.
        encoder: Passed to ``CrossEncoder`` (runtime, cache_dir, threads, precision, ...).
    """

    def __init__(
        self,
        *,
        name: str = ARTIFACT_NAME,
        directory: Path | None = None,
        **encoder: Any,
    ) -> None:
        from models.encoders.cross_encoder import CrossEncoder, artifact_paths

        self.encoder: CrossEncoder | None = None
        self.head: StanceHead | None = None
        self.boosted: BoostedTrees | None = None
        self.budget_words = 70
        weights, card_path = artifact_paths(name, directory)
        if not (weights.exists() and card_path.exists()):
            logger.warning(
                "stance artefact %s not found in %s: using the cue-word rule reader",
                name,
                weights.parent,
            )
            return
        self.encoder = CrossEncoder(name, directory=directory, **encoder)
        card = json.loads(card_path.read_text(encoding="utf-8"))["card"]
        self.head = StanceHead.from_dict(card["head"])
        boost_path = boosted_trees_path(card_path)
        if boost_path.exists():
            self.boosted = BoostedTrees.from_dict(
                json.loads(boost_path.read_text(encoding="utf-8"))
            )
        self.budget_words = int(card["selection"]["budget_words"])
        if tuple(self.encoder.labels) != tuple(s.value for s in LABELS):
            raise ValueError(f"stance artefact labels {self.encoder.labels} are not {LABELS}")
        if self.head.inputs != HEAD_INPUTS or self.boosted is None:
            raise ValueError(
                "the stance artefact's head was fitted on other features than this code"
                f" computes, or {boost_path.name} is missing; refit it:"
                " python -m training.stance --head-only"
            )

    @property
    def learned(self) -> bool:
        """Whether the learned model is loaded (else the rule reader answers)."""
        return self.encoder is not None

    def read(self, text: str, claim: str) -> StanceReading:
        """The stance of ``text`` towards ``claim``, with the deciding sentence."""
        return self.read_many([(text, claim)])[0]

    def read_many(
        self,
        pairs: Sequence[tuple[str, str]],
        *,
        evidence: bool = True,
        related: bool = False,
    ) -> list[StanceReading]:
        """Read many (text, claim) pairs in batched passes.

        Args:
            pairs: (text, claim) pairs.
            evidence: Find each pair's deciding sentence (one more short cross-encoder
                pass per selected sentence). Defaults to True.
            related: The caller already knows the text speaks to the claim (a matched
                fact-check): the probabilities are renormalised over asserts, reports and
                debunks, and ``unrelated`` is never answered. Defaults to False.
        """
        if not pairs:
            return []
        prepared = prepare_inputs(pairs, self.budget_words)
        if self.encoder is None or self.head is None or self.boosted is None:
            return [_rule_reading(item, related) for item in prepared]
        ce = self.encoder.probabilities([(item.context, item.claim) for item in prepared])
        features = np.asarray([p.features for p in prepared], dtype=np.float64)
        boost = self.boosted.probabilities(features)
        probabilities = self.head.probabilities(head_inputs(ce, boost, features))
        if related:
            probabilities[:, LABELS.index(Stance.UNRELATED)] = 0.0
            probabilities /= probabilities.sum(axis=1, keepdims=True)
        decided = [LABELS[int(row.argmax())] for row in probabilities]
        sentences = self._evidence(prepared, decided) if evidence else [None] * len(prepared)
        return [
            StanceReading(
                stance=stance,
                confidence=round(float(row.max()), 4),
                probabilities={
                    label: round(float(p), 4) for label, p in zip(LABELS, row, strict=True)
                },
                evidence=sentence,
            )
            for stance, row, sentence in zip(decided, probabilities, sentences, strict=True)
        ]

    def _evidence(
        self, prepared: list[StanceInput], decided: list[Stance]
    ) -> list[Evidence | None]:
        """Per pair, the selected sentence that on its own most supports the decided stance
        (the most related sentence for ``unrelated``)."""
        assert self.encoder is not None
        singles: list[tuple[str, str]] = []
        owners: list[tuple[int, int]] = []
        for position, (item, stance) in enumerate(zip(prepared, decided, strict=True)):
            if stance is not Stance.UNRELATED and len(item.selected) > 1:
                for index in item.selected:
                    singles.append((item.sentence(index), item.claim))
                    owners.append((position, index))
        support = self.encoder.probabilities(singles) if singles else np.zeros((0, len(LABELS)))
        best: dict[int, tuple[float, int]] = {}
        for (position, index), row in zip(owners, support, strict=True):
            item = prepared[position]
            # Relatedness breaks near-ties: the sentence that is about the claim.
            score = float(row[LABELS.index(decided[position])]) + 0.05 * item.relatedness[index]
            if position not in best or score > best[position][0]:
                best[position] = (score, index)
        found: list[Evidence | None] = []
        for position, item in enumerate(prepared):
            if not item.sentences:
                found.append(None)
                continue
            if position in best:
                index = best[position][1]
            else:
                index = max(item.selected or [0], key=lambda i: item.relatedness[i])
            start, end = item.sentences[index]
            found.append(Evidence(start, end, item.text[start:end]))
        return found


def _rule_reading(item: StanceInput, related: bool) -> StanceReading:
    """The rule reader's answer for a prepared pair: the first sentence with a debunking cue,
    else with a reporting cue, else the most related sentence decides."""
    if not item.sentences:
        stance, evidence = Stance.ASSERTS, None
    else:
        readings = [classify_stance(item.sentence(i), item.claim) for i in item.selected]
        order = [Stance.DEBUNKS, Stance.REPORTS]
        chosen = next(
            (
                (stance, index)
                for stance in order
                for index, reading in zip(item.selected, readings, strict=True)
                if reading is stance
            ),
            (Stance.ASSERTS, max(item.selected, key=lambda i: item.relatedness[i])),
        )
        stance = chosen[0]
        start, end = item.sentences[chosen[1]]
        evidence = Evidence(start, end, item.text[start:end])
    others = len(LABELS) - (2 if related else 1)
    rest = (1.0 - _RULE_CONFIDENCE) / others
    probabilities = {label: _RULE_CONFIDENCE if label is stance else rest for label in LABELS}
    if related:
        probabilities[Stance.UNRELATED] = 0.0
    return StanceReading(
        stance=stance,
        confidence=_RULE_CONFIDENCE,
        probabilities=probabilities,
        evidence=evidence,
        learned=False,
    )
