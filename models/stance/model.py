"""``StanceModel``: reads (text, claim) pairs with the cross-encoder, the trees and the head,
and returns each pair's stance, confidence and evidence sentence; the rule reader without
the artefact.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from models.encoders.cross_encoder import CrossEncoder
from models.language import ENGLISH
from models.stance.crosslingual import (
    CROSSLINGUAL_ARTIFACT,
    CUE_FEATURES,
    cue_stance,
    pair_features,
    read_text,
)
from models.stance.cues import ARTIFACT_NAME, LABELS, Stance, classify_stance
from models.stance.heads import HEAD_INPUTS, BoostedTrees, StanceHead, head_inputs
from models.stance.reading import StanceInput, prepare_inputs

logger = logging.getLogger(__name__)


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
        self.crosslingual: StanceHead | None = None
        crosslingual_path = artifact_paths(CROSSLINGUAL_ARTIFACT, directory)[1]
        if crosslingual_path.exists():
            head = json.loads(crosslingual_path.read_text(encoding="utf-8"))["card"]["head"]
            self.crosslingual = StanceHead.from_dict(head)
            if self.crosslingual.inputs != CUE_FEATURES:
                raise ValueError(
                    f"{crosslingual_path.name} was fitted on other features than this code"
                    " computes; refit it: python -m training.stance_crosslingual"
                )
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
        languages: Sequence[str | None] | None = None,
    ) -> list[StanceReading]:
        """Read many (text, claim) pairs in batched passes.

        Args:
            pairs: (text, claim) pairs.
            evidence: Find each pair's deciding sentence (one more short cross-encoder
                pass per selected sentence). Defaults to True.
            related: The caller already knows the text speaks to the claim (a matched
                fact-check): the probabilities are renormalised over asserts, reports and
                debunks, and ``unrelated`` is never answered. Defaults to False.
            languages: Each text's language (ISO 639-1). A pair whose text is not English
                is read by the cross-lingual cue head (``models.stance.crosslingual``);
                English pairs, pairs with None and every pair when ``languages`` is None
                are read as English. Defaults to None.
        """
        if not pairs:
            return []
        if languages is not None:
            if len(languages) != len(pairs):
                raise ValueError(f"{len(languages)} languages for {len(pairs)} pairs")
            foreign = [i for i, code in enumerate(languages) if code and code != ENGLISH]
            if foreign:
                return self._read_mixed(pairs, languages, foreign, evidence, related)
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

    def _read_mixed(
        self,
        pairs: Sequence[tuple[str, str]],
        languages: Sequence[str | None],
        foreign: list[int],
        evidence: bool,
        related: bool,
    ) -> list[StanceReading]:
        """English pairs through the English reader, the others through the cross-lingual one,
        back in the order given."""
        readings: list[StanceReading | None] = [None] * len(pairs)
        english = [i for i in range(len(pairs)) if i not in set(foreign)]
        for i, reading in zip(
            english,
            self.read_many([pairs[i] for i in english], evidence=evidence, related=related),
            strict=True,
        ):
            readings[i] = reading
        for i, reading in zip(
            foreign,
            self.read_crosslingual(
                [pairs[i] for i in foreign], [str(languages[i]) for i in foreign], related
            ),
            strict=True,
        ):
            readings[i] = reading
        return [r for r in readings if r is not None]

    def read_crosslingual(
        self, pairs: Sequence[tuple[str, str]], languages: Sequence[str], related: bool = False
    ) -> list[StanceReading]:
        """Read (text, claim) pairs in any language with the cue lexicons of
        ``models.stance.crosslingual``: the head fitted on English FNC-1, or the cue rule
        reader without its artefact.

        Args:
            pairs: (text, claim) pairs; the claim may be in another language than the text.
            languages: Each text's language (ISO 639-1).
            related: As in ``read_many``. Defaults to False.
        """
        prepared = prepare_inputs(pairs, self.budget_words)
        found: list[StanceReading] = []
        for item, language in zip(prepared, languages, strict=True):
            if self.crosslingual is None:
                stance = cue_stance(read_text(item, self.budget_words), language)
                found.append(_flat_reading(stance, _cue_evidence(item, stance, language), related))
                continue
            features = pair_features(item, language, self.budget_words)
            row = self.crosslingual.probabilities(np.asarray([features], dtype=np.float64))[0]
            if related:
                row[LABELS.index(Stance.UNRELATED)] = 0.0
                row /= row.sum()
            stance = LABELS[int(row.argmax())]
            found.append(
                StanceReading(
                    stance=stance,
                    confidence=round(float(row.max()), 4),
                    probabilities={
                        label: round(float(p), 4) for label, p in zip(LABELS, row, strict=True)
                    },
                    evidence=_cue_evidence(item, stance, language),
                )
            )
        return found

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
            found.append(Evidence(start, end, item.pasted[start:end]))
        return found


def _cue_evidence(item: StanceInput, stance: Stance, language: str) -> Evidence | None:
    """The first selected sentence the cue rule reader reads as ``stance``, else the most
    related one."""
    if not item.sentences:
        return None
    chosen = next(
        (i for i in range(len(item.sentences)) if cue_stance(item.sentence(i), language) is stance),
        max(item.selected or [0], key=lambda i: item.relatedness[i]),
    )
    start, end = item.sentences[chosen]
    return Evidence(start, end, item.pasted[start:end])


def _flat_reading(stance: Stance, evidence: Evidence | None, related: bool) -> StanceReading:
    """A rule reader's answer: the flat ``_RULE_CONFIDENCE`` for ``stance``, the rest shared."""
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
        evidence = Evidence(start, end, item.pasted[start:end])
    return _flat_reading(stance, evidence, related)
