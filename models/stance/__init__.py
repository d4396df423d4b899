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

The package: ``cues`` (labels and cue words, the rule reader), ``reading`` (sentence
selection and features), ``heads`` (the calibrated head and the boosted trees),
``crosslingual`` (cue lexicons in 13 languages and the features its head reads, for
non-English text) and ``model`` (``StanceModel``). Imports only ``models``.
"""

from models.stance.cues import (
    ARTIFACT_NAME,
    LABELS,
    Stance,
    classify_stance,
)
from models.stance.heads import (
    HEAD_INPUTS,
    BoostedTrees,
    StanceHead,
    head_inputs,
)
from models.stance.model import (
    Evidence,
    StanceModel,
    StanceReading,
    boosted_trees_path,
)
from models.stance.reading import (
    FEATURE_NAMES,
    StanceInput,
    bigrams,
    prepare_inputs,
    relatedness,
    select_sentences,
    text_sentences,
)

__all__ = [
    "ARTIFACT_NAME",
    "FEATURE_NAMES",
    "HEAD_INPUTS",
    "LABELS",
    "BoostedTrees",
    "Evidence",
    "Stance",
    "StanceHead",
    "StanceInput",
    "StanceModel",
    "StanceReading",
    "bigrams",
    "boosted_trees_path",
    "classify_stance",
    "head_inputs",
    "prepare_inputs",
    "relatedness",
    "select_sentences",
    "text_sentences",
]
