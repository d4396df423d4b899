"""Split pasted article text into sentences with character offsets, setting aside page furniture.

Articles arrive as a reader copies them from a web page: a headline, picture captions and
credits, bylines, newsletter and contact boilerplate sit between the paragraphs of prose.
Each line is classified first; only prose lines are split into sentences.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from functools import lru_cache

import nupunkt


class SegmentKind(enum.StrEnum):
    """What a stretch of the pasted text is."""

    SENTENCE = "sentence"
    HEADLINE = "headline"
    CAPTION = "caption"
    BOILERPLATE = "boilerplate"


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of the original text: ``text == source[start:end]``."""

    text: str
    start: int
    end: int
    kind: SegmentKind


_CREDIT = re.compile(
    r"\((?:picture|pictures|photo|photograph|image|images|credit|video)s?\s*:[^)]*\)\s*$"
    r"|^(?:mandatory credit|photo(?:graph)? by|picture by|image:|credit:)"
    r"|(?:getty images|shutterstock|alamy|reuters/|\bap photo\b|\bpa wire\b)\)?\s*$",
    re.IGNORECASE,
)
_BOILERPLATE = re.compile(
    r"^(?:get in touch|for more stories|sign up|subscribe|follow us|share this|read more"
    r"|click here|related:|advertisement|about (?:the )?(?:author|admin)\b|more:|comments?\b"
    r"|this article (?:was|has been) (?:updated|amended)|published\s*:?|updated\s*:?|last updated"
    r"|copyright|©|all rights reserved|by\s+[A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+){0,3}\s*$)",
    re.IGNORECASE,
)
_EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]+@[\w-]+\.[\w.-]+|\[email(?:&#160;|\s)protected\]", re.IGNORECASE
)
# A prose line ends like a sentence: stop, question or exclamation mark, optionally
# followed by a closing quote or bracket.
_PROSE_END = re.compile(r"[.!?…][\"'’”»)\]]*\s*$|[\"'’”»]\s*$")
_LINE = re.compile(r"[^\r\n]+")


def classify_line(line: str, *, is_first: bool) -> SegmentKind:
    """Say whether one line of pasted text is prose or page furniture.

    Args:
        line: The line without its line break.
        is_first: Whether this is the first non-empty line of the text (a likely headline).
    """
    stripped = line.strip()
    if _CREDIT.search(stripped):
        return SegmentKind.CAPTION
    if _BOILERPLATE.search(stripped) or _EMAIL.search(stripped):
        return SegmentKind.BOILERPLATE
    if not _PROSE_END.search(stripped):
        # Lines that do not end like a sentence are headlines, captions or truncated teasers.
        return SegmentKind.HEADLINE if is_first else SegmentKind.CAPTION
    return SegmentKind.SENTENCE


@lru_cache(maxsize=1)
def _tokenizer() -> nupunkt.PunktSentenceTokenizer:
    return nupunkt.load_default_model()


def split_sentences(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Split prose into sentence spans, trimmed of surrounding white space.

    Args:
        text: A paragraph of prose.
        offset: Added to every span, so spans can index a larger document.
    """
    spans: list[tuple[int, int]] = []
    for start, end in _tokenizer().span_tokenize(text):
        piece = text[start:end]
        left = len(piece) - len(piece.lstrip())
        right = len(piece.rstrip())
        if right > left:
            spans.append((offset + start + left, offset + start + right))
    return spans


def segment(text: str) -> list[Segment]:
    """Segment pasted article text into prose sentences and furniture lines.

    Args:
        text: The article as pasted, any line endings.

    Returns:
        Segments in document order. ``SENTENCE`` segments are candidate claims; the others
        are kept so callers can show or count what was set aside.
    """
    segments: list[Segment] = []
    first = True
    for line in _LINE.finditer(text):
        raw = line.group()
        if not raw.strip():
            continue
        left = len(raw) - len(raw.lstrip())
        start, end = line.start() + left, line.start() + len(raw.rstrip())
        kind = classify_line(raw, is_first=first)
        first = False
        if kind is not SegmentKind.SENTENCE:
            segments.append(Segment(text[start:end], start, end, kind))
            continue
        for s_start, s_end in split_sentences(text[start:end], offset=start):
            segments.append(Segment(text[s_start:s_end], s_start, s_end, SegmentKind.SENTENCE))
    return segments
