"""Which language a text is written in, with py3langid (its model ships in the package).

Short texts fool any character n-gram model ("Vaccines cause autism" reads as French at
0.31), so a sentence keeps its own language only when the model is sure of it and the
sentence is long enough to tell; otherwise it takes the language of the article around it.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

ENGLISH = "en"
# Scripts written without spaces between words: their words are counted by characters
# (kana, CJK, Hangul, Thai, Lao, Burmese, Khmer).
_UNSPACED = re.compile(
    r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff]"
)
# A sentence's own reading overrides its article's only past these.
MIN_SENTENCE_CHARS = 40
MIN_SENTENCE_CONFIDENCE = 0.90
# An article or fact-check reading below this confidence is not trusted at all.
MIN_CONFIDENCE = 0.50


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """An ISO 639-1 code and the model's normalised probability for it."""

    code: str
    confidence: float


_lock = threading.Lock()


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    # Only languages with an ISO 639-1 code: the model's few three-letter ones (Nigerian
    # Pidgin, Extremaduran) took 41 of 19,967 English fact-checks in the full database.
    identifier.set_languages([code for code in identifier.labels if len(code) == 2])
    return identifier


def guess_language(text: str) -> LanguageGuess:
    """The model's best guess for ``text`` (``und`` with confidence 0 when it has no letters)."""
    if not any(ch.isalpha() for ch in text):
        return LanguageGuess("und", 0.0)
    with _lock:
        code, confidence = _identifier().classify(text)
    return LanguageGuess(str(code), float(confidence))


def detect_language(text: str, default: str = ENGLISH) -> str:
    """The language of a whole text (an article, a fact-check's claim), or ``default``
    when the model is unsure."""
    guess = guess_language(text)
    return guess.code if guess.confidence >= MIN_CONFIDENCE else default


def sentence_language(sentence: str, article_language: str) -> str:
    """A sentence's language: its own when clear, else its article's."""
    if len(sentence) < MIN_SENTENCE_CHARS:
        return article_language
    guess = guess_language(sentence)
    return guess.code if guess.confidence >= MIN_SENTENCE_CONFIDENCE else article_language


def word_count(text: str) -> int:
    """Words in ``text``; in the scripts written without spaces (``_UNSPACED``), about two
    characters each."""
    unspaced = len(_UNSPACED.findall(text))
    return len(text.split()) + unspaced // 2
