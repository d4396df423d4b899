"""Which language a text is written in, with py3langid (its model ships in the package),
and which language a label names, with langcodes.

Short texts fool any character n-gram model ("Vaccines cause autism" reads as French at
0.31), so a sentence keeps its own language only when the model is sure of it and the
sentence is long enough to tell; otherwise it takes the language of the article around it.

Labels come from people and feeds in every form ("en-US", "pt_BR", "eng", "English",
"Español"); ``language_code`` reads each as the ISO 639-1 code the detector gives, so a
fact-check labelled "en-GB" is English to the matcher and to a ``language=en`` filter.
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
# Codes that name no one language: undetermined, none, uncoded, several.
_NO_LANGUAGE = frozenset({"und", "zxx", "mis", "mul"})
_TAG = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")
_CODE = re.compile(r"[a-z]{2,3}")


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


@lru_cache(maxsize=4096)
def language_code(label: str) -> str | None:
    """The ISO 639 code of the language ``label`` names, or None when it names none.

    ``label`` is a BCP 47 tag in any case, with ``-`` or ``_`` ("en-US", "pt_BR",
    "zh-Hant-TW"; the region and script are dropped), an ISO 639-1, -2 or -3 code ("en",
    "eng", deprecated "iw"), or a language's name in English or in itself ("English",
    "Español"). The answer is two letters where ISO 639-1 has a code, as
    ``detect_language`` gives; "und", "mul" and other codes for no one language give None.
    """
    import langcodes
    from langcodes.tag_parser import LanguageTagError

    text = label.strip()
    if not text or len(text) > 64:
        return None
    code: str | None = None
    tag = text.replace("_", "-")
    if _TAG.fullmatch(tag):
        try:
            primary = langcodes.Language.get(tag, normalize=False).language
        except LanguageTagError:
            primary = None
        if primary and _CODE.fullmatch(primary) and langcodes.tag_is_valid(primary):
            code = primary
    # Else a name ("English", "日本語"); "ua" or "jp" is no code and no name either.
    if code is None and not (len(text) <= 3 and text.isascii()):
        try:
            code = langcodes.find(text).language
        except LookupError:
            return None
    if code is None:
        return None
    # "eng" -> "en", "iw" -> "he"; a two-letter code the standard would widen ("tl" to
    # "fil") stays as the detector reports it.
    normal = langcodes.Language.get(code).language
    if normal and (len(normal) == 2 or len(code) != 2):
        code = normal
    if not _CODE.fullmatch(code) or code in _NO_LANGUAGE:
        return None
    return code


def sentence_language(sentence: str, article_language: str) -> str:
    """A sentence's language: its own when clear, else its article's."""
    if len(sentence) < MIN_SENTENCE_CHARS:
        return article_language
    guess = guess_language(sentence)
    return guess.code if guess.confidence >= MIN_SENTENCE_CONFIDENCE else article_language


def has_unspaced_script(text: str) -> bool:
    """Whether ``text`` has characters of a script written without spaces (``_UNSPACED``:
    East Asian, Thai and its neighbours)."""
    return _UNSPACED.search(text) is not None


def word_count(text: str) -> int:
    """Words in ``text``; in the scripts written without spaces (``_UNSPACED``), about two
    characters each."""
    unspaced = len(_UNSPACED.findall(text))
    return len(text.split()) + unspaced // 2
