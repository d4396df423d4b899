"""Split pasted article text into sentences with character offsets, setting aside page furniture.

Articles arrive as a reader copies them from a web page: a headline, picture captions and
credits, bylines, newsletter and contact boilerplate sit between the paragraphs of prose.
Each line is classified first; only prose lines are split into sentences.

English prose is split by nupunkt (Punkt trained on English); prose in any other language
by sentencex, which knows each language's abbreviations and sentence-final marks (the
danda of Hindi and Gujarati, the Arabic question mark, CJK full stops).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from functools import lru_cache

import nupunkt
import sentencex

from models.language import ENGLISH, detect_language, has_unspaced_script, word_count


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
# Sentence-final marks: Latin and Cyrillic . ! ? …, CJK full-width 。！？, the Devanagari
# danda and double danda । ॥ (Gujarati prose uses them too), the Arabic question mark ؟,
# the Urdu full stop ۔, and the Burmese, Khmer, Ethiopic and Armenian full stops ။ ។ ። ։.
SENTENCE_END = ".!?…。！？।॥؟۔။។።։"
# Closing quotes and brackets: English and French ” » ’, German “ ‘ (opened by „ ‚),
# Scandinavian «, CJK corner brackets and full-width parentheses.
_CLOSERS = "\"'’”»“‘«)\\]）」』"
# A prose line ends like a sentence: a sentence-final mark, optionally followed by closing
# quotes or brackets, or a closing quote alone.
_PROSE_END = re.compile(rf"[{SENTENCE_END}][{_CLOSERS}]*\s*$|[\"'’”»“‘«」』]\s*$")
# Languages written without spaces between words (a "fragment" cannot be told by words).
_UNSPACED = frozenset({"ja", "zh", "th", "lo", "km", "my", "bo"})
# A non-English piece this short ("Москва.", "15 февраля.") is a dateline or a fragment
# that the splitter cut off: it is joined to the sentence after it.
_FRAGMENT_WORDS = 2
_FRAGMENT_CHARS = 20
_LINE = re.compile(r"[^\r\n]+")
_BREAKS = re.compile(r"\r\n|\r|\n")
# Zero-width characters that pasted pages leave at line ends ("….”\u200b").
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
# A sentence end inside a line, followed by the next sentence's capital (Latin script).
_INNER_SENTENCE_END = re.compile(r"[.!?…][\"'’”»)]*\s+[\"'‘“«(]?[A-Z]")
# A line this long that holds a sentence end is a paragraph whose last sentence lost its
# stop (cut off, or ending in a link or a list's colon), not a headline or a caption.
PARAGRAPH_WORDS = 20
# A line this long with no sentence end at all is prose that lost its stops (a transcript,
# automatic captions, a pasted post), not a headline or a caption: no heading is that long.
UNPUNCTUATED_PROSE_WORDS = 60
# A "sentence" longer than this (an unpunctuated transcript, a run-on list) is read in
# pieces of at most ``PIECE_WORDS`` words: the encoder reads about 190 words of a text, and
# a claim inside 100 words of other talk is diluted past matching.
LONG_SENTENCE_WORDS = 100
PIECE_WORDS = 50
# A piece ends after a word that closes a clause, when one falls in its second half.
_CLAUSE_END = re.compile(rf"[,;:–—)\]{SENTENCE_END}][{_CLOSERS}]*$")
# What is not a spoken word: digits, links, handles, hashtags, markup, very long tokens. A
# line of them (a list of links or numbers) stays set aside.
_NOT_A_WORD = re.compile(r"[\d/@#=&_<>{}|\\]|^\S{31,}$")
# Share of a line's tokens that must be words for it to be read as unpunctuated prose.
_WORD_SHARE = 0.8
_WORD = re.compile(r"\S+")
# Thai and Lao mark no sentence end (a space separates sentences): a line written mostly in
# them is prose once it is as long as a paragraph.
_UNMARKED_LETTER = re.compile(r"[\u0e00-\u0eff]")


def _mostly_words(tokens: list[str]) -> bool:
    words = sum(1 for token in tokens if not _NOT_A_WORD.search(token))
    return words >= _WORD_SHARE * len(tokens)


def _unmarked_script(line: str) -> bool:
    letters = sum(1 for c in line if c.isalpha() or _UNMARKED_LETTER.match(c))
    return letters > 0 and len(_UNMARKED_LETTER.findall(line)) >= letters / 2


def classify_line(line: str, *, is_first: bool) -> SegmentKind:
    """Say whether one line of pasted text is prose or page furniture.

    Args:
        line: The line without its line break.
        is_first: Whether this is the first non-empty line of the text (a likely headline).
    """
    stripped = line.strip().strip(INVISIBLE).strip()
    if _CREDIT.search(stripped):
        return SegmentKind.CAPTION
    if _BOILERPLATE.search(stripped) or _EMAIL.search(stripped):
        return SegmentKind.BOILERPLATE
    if not _PROSE_END.search(stripped):
        if word_count(stripped) >= PARAGRAPH_WORDS and (
            _INNER_SENTENCE_END.search(stripped) or _unmarked_script(stripped)
        ):
            return SegmentKind.SENTENCE
        tokens = stripped.split()
        if len(tokens) >= UNPUNCTUATED_PROSE_WORDS and _mostly_words(tokens):
            return SegmentKind.SENTENCE
        # Lines that do not end like a sentence are headlines, captions or truncated teasers.
        return SegmentKind.HEADLINE if is_first else SegmentKind.CAPTION
    return SegmentKind.SENTENCE


@lru_cache(maxsize=1)
def _tokenizer() -> nupunkt.PunktSentenceTokenizer:
    return nupunkt.load_default_model()


def _is_fragment(piece: str, language: str) -> bool:
    stripped = piece.strip()
    return (
        language not in _UNSPACED
        and len(stripped) <= _FRAGMENT_CHARS
        and len(stripped.split()) <= _FRAGMENT_WORDS
    )


def _sentencex_spans(text: str, language: str) -> list[tuple[int, int]]:
    """Sentence spans of non-English prose from sentencex, datelines joined to what follows.

    sentencex's indices are code-point offsets into ``text``; they are trusted only while
    they tile it, else the line stays one sentence (never lost).
    """
    bounds = [
        (int(b["start_index"]), int(b["end_index"]))
        for b in sentencex.get_sentence_boundaries(language, text)
    ]
    ends = [0, *[end for _, end in bounds]]
    if not bounds or [start for start, _ in bounds] != ends[:-1] or ends[-1] != len(text):
        return [(0, len(text))]
    spans: list[tuple[int, int]] = []
    pending: int | None = None
    for index, (start, end) in enumerate(bounds):
        begin = start if pending is None else pending
        if index + 1 < len(bounds) and _is_fragment(text[start:end], language):
            pending = begin
            continue
        spans.append((begin, end))
        pending = None
    return spans


def split_sentences(text: str, offset: int = 0, language: str = ENGLISH) -> list[tuple[int, int]]:
    """Split prose into sentence spans, trimmed of surrounding white space.

    Args:
        text: A paragraph of prose.
        offset: Added to every span, so spans can index a larger document.
        language: The prose's ISO 639-1 code. Defaults to English (nupunkt); any other
            code is split by sentencex with that language's rules.
    """
    if language == ENGLISH:
        pieces = list(_tokenizer().span_tokenize(text))
    else:
        pieces = _sentencex_spans(text, language)
    spans: list[tuple[int, int]] = []
    for start, end in pieces:
        piece = text[start:end]
        left = len(piece) - len(piece.lstrip())
        right = len(piece.rstrip())
        if right > left:
            spans.append((offset + start + left, offset + start + right))
    return spans


# Hard-wrapped text (a plain-text newsletter, an e-mail, a PDF copied out) breaks every
# paragraph into lines of at most a fixed width. A text whose widest ordinary line is at
# most ``WRAP_MAX_WIDTH`` characters, with at least ``WRAP_MIN_FULL_LINES`` lines that were
# broken mid-sentence because the next word did not fit (and at least half of such full
# lines broken mid-sentence), is read as wrapped: a full line and the one after it (no blank
# line between) are one line of the paragraph.
WRAP_MAX_WIDTH = 120
WRAP_MIN_WIDTH = 40
WRAP_MIN_FULL_LINES = 3
# Slack for proportional fonts (a PDF's lines are cut by rendered width, not characters).
_WRAP_SLACK = 0.9


def _plain_word(token: str) -> bool:
    """Letters only, but for apostrophes, hyphens and trailing punctuation ("doesn’t",
    "well-known,"): not a link, a number or a handle."""
    core = token.rstrip(",;:.!?…'’\"”»)")
    return core.replace("’", "").replace("'", "").replace("-", "").isalpha()


def _first_word(line: str) -> str:
    found = _WORD.search(line)
    return found.group() if found else ""


def logical_lines(text: str) -> list[tuple[int, int]]:
    """The non-blank lines of ``text`` as (start, end) offsets, lines of a hard-wrapped
    paragraph joined into one (the line breaks stay inside it)."""
    lines = [(m.start(), m.end()) for m in _LINE.finditer(text) if m.group().strip()]
    ordinary = [
        end - start
        for start, end in lines
        if not any(len(word) >= 31 for word in text[start:end].split())
    ]
    width = max(ordinary, default=0)

    def same_paragraph(i: int) -> bool:
        return len(_BREAKS.findall(text, lines[i][1], lines[i + 1][0])) <= 1

    def ends_mid_sentence(i: int) -> bool:
        return not _PROSE_END.search(text[lines[i][0] : lines[i][1]])

    def full(i: int) -> bool:
        (start, end), (next_start, next_end) = lines[i], lines[i + 1]
        room = len(text[start:end].rstrip()) + 1 + len(_first_word(text[next_start:next_end]))
        return room > _WRAP_SLACK * width

    pairs = [i for i in range(len(lines) - 1) if same_paragraph(i)]
    joins = {i for i in pairs if WRAP_MIN_WIDTH <= width <= WRAP_MAX_WIDTH and full(i)}
    # Wrapping breaks lines mid-sentence; short paragraphs of one sentence each (a page's
    # text as trafilatura gives it) end in stops however full they are.
    mid_sentence = sum(1 for i in joins if ends_mid_sentence(i))
    if mid_sentence < max(WRAP_MIN_FULL_LINES, len(joins) / 2):
        joins = set()
    # Whatever the widths, a line that stops mid-sentence and a next line that goes on in
    # lower case are one sentence (a text too short to tell its wrapping by counting, lines
    # broken by a page's links). The first line is a headline unless it ends in a clause
    # mark ("Morning show transcript" above a transcript in lower case stays apart).
    joins |= {
        i
        for i in pairs
        if ends_mid_sentence(i)
        and _plain_word(text[lines[i][0] : lines[i][1]].split()[-1])
        and _plain_word(first := _first_word(text[lines[i + 1][0] : lines[i + 1][1]]))
        and first[:1].islower()
        and (i > 0 or _CLAUSE_END.search(text[lines[i][0] : lines[i][1]].rstrip()))
    }
    if not joins:
        return lines
    merged: list[tuple[int, int]] = []
    for i, span in enumerate(lines):
        if i - 1 in joins:
            merged[-1] = (merged[-1][0], span[1])
        else:
            merged.append(span)
    return merged


def unwrap(text: str) -> str:
    """``text`` with the line breaks inside hard-wrapped paragraphs (``logical_lines``) made
    spaces, one character for one, so every offset into it indexes ``text`` too; ``text``
    itself when it is not hard-wrapped."""
    spans = logical_lines(text)
    if not any(_BREAKS.search(text, start, end) for start, end in spans):
        return text
    chars = list(text)
    for start, end in spans:
        for at in range(start, end):
            if chars[at] in "\r\n":
                chars[at] = " "
    return "".join(chars)


# Invisible characters that stand for a space or for nothing: a zero-width space, a word
# joiner, a byte-order mark, and the marks that set a run's direction (LRM, RLM, the
# Arabic letter mark, the embeddings LRE..RLO and isolates LRI..PDI that social posts and
# right-to-left editors put around words, handles and whole paragraphs). Copied pages carry
# them between words, where tokenizers and the parser read them as parts of words
# ("\u200bcited"). The zero-width (non-)joiners spell Persian and Indic words and are kept.
_SPACE_LIKE = {
    ord(c): " "
    for c in "\u200b\u2060\ufeff\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e"
    "\u2066\u2067\u2068\u2069"
}
# Full-width forms of ASCII (U+FF01..U+FF5E) and the ideographic space, which a Chinese or
# Japanese input method types into a Latin-script text ("Scots were warned，". "rated
# False．"): read as their ASCII characters, one for one. In a text with East Asian script
# they are its own punctuation, and stay.
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def reading_text(text: str) -> str:
    """``text`` as the analysis reads it, character for character (every offset into one
    indexes the other): invisible spaces and direction marks as spaces, full-width ASCII
    in a Latin-script text as ASCII, hard-wrapped paragraphs unwrapped (``unwrap``).
    ``text`` itself when nothing changes."""
    spaced = text.translate(_SPACE_LIKE)
    if not has_unspaced_script(spaced):
        spaced = spaced.translate(_HALF_WIDTH)
    read = unwrap(spaced)
    return text if read == text else read


def segment(text: str, language: str | None = None) -> list[Segment]:
    """Segment pasted article text into prose sentences and furniture lines.

    Args:
        text: The article as pasted, any line endings.
        language: The article's ISO 639-1 code, which chooses the sentence splitter.
            Defaults to the language detected in ``text`` (English when unsure).

    Returns:
        Segments in document order. ``SENTENCE`` segments are candidate claims; the others
        are kept so callers can show or count what was set aside.
    """
    if language is None:
        language = detect_language(text)
    segments: list[Segment] = []
    first = True
    for line_start, line_end in logical_lines(text):
        raw = text[line_start:line_end]
        left = len(raw) - len(raw.lstrip())
        start, end = line_start + left, line_start + len(raw.rstrip())
        kind = classify_line(raw, is_first=first)
        first = False
        if kind is SegmentKind.SENTENCE:
            pieces = split_sentences(text[start:end], offset=start, language=language)
            segments.extend(_sentences(text, pieces))
            continue
        if word_count(raw) >= PARAGRAPH_WORDS:
            pieces = split_sentences(text[start:end], offset=start, language=language)
            if len(pieces) > 1 and _reads_as_prose(text[pieces[0][0] : pieces[0][1]]):
                segments.extend(_paragraph(text, pieces))
                continue
        segments.append(Segment(text[start:end], start, end, kind))
    return segments


def _reads_as_prose(sentence: str) -> bool:
    return classify_line(sentence, is_first=False) is SegmentKind.SENTENCE


def _sentences(text: str, spans: list[tuple[int, int]]) -> list[Segment]:
    """Prose sentences at ``spans`` of ``text``, a long one in pieces (``split_long``)."""
    return [
        Segment(text[p_start:p_end], p_start, p_end, SegmentKind.SENTENCE)
        for s_start, s_end in spans
        for p_start, p_end in split_long(text[s_start:s_end], offset=s_start)
    ]


def _paragraph(text: str, spans: list[tuple[int, int]]) -> list[Segment]:
    """A paragraph-sized line that opens with prose but was set aside as a whole for a part
    of it (an e-mail address or a photo credit anywhere in an article pasted as one line,
    or in one paragraph): each sentence is classified as a line of its own, so only the
    furniture is set aside."""
    segments: list[Segment] = []
    for start, end in spans:
        kind = classify_line(text[start:end], is_first=False)
        credit = _CREDIT.search(text, start, end) if kind is SegmentKind.CAPTION else None
        if credit is not None and credit.start() > start:
            # A credit the splitter left on the sentence before it: "… next week. (Picture:
            # Getty Images)".
            before = text[start : credit.start()].rstrip()
            if _reads_as_prose(before):
                segments.extend(_sentences(text, [(start, start + len(before))]))
                segments.append(Segment(text[credit.start() : end], credit.start(), end, kind))
                continue
        if kind is SegmentKind.SENTENCE:
            segments.extend(_sentences(text, [(start, end)]))
        else:
            segments.append(Segment(text[start:end], start, end, kind))
    return segments


def split_long(sentence: str, offset: int = 0) -> list[tuple[int, int]]:
    """``sentence`` as one span, or, past ``LONG_SENTENCE_WORDS`` space-separated words, as
    pieces of at most ``PIECE_WORDS`` words, each ending after the last clause mark
    (comma, semicolon, colon, dash, sentence end) of its second half when there is one.

    Spans are offsets into the document (``offset`` is where ``sentence`` starts in it).
    Text in scripts without spaces is left whole: its sentence ends split it.
    """
    words = list(_WORD.finditer(sentence))
    if len(words) <= LONG_SENTENCE_WORDS:
        return [(offset, offset + len(sentence))]
    spans: list[tuple[int, int]] = []
    first = 0
    while first < len(words):
        last = min(first + PIECE_WORDS, len(words)) - 1
        if last < len(words) - 1:
            for candidate in range(last, first + PIECE_WORDS // 2 - 1, -1):
                if _CLAUSE_END.search(words[candidate].group()):
                    last = candidate
                    break
        spans.append((offset + words[first].start(), offset + words[last].end()))
        first = last + 1
    return spans


# A line set apart from the prose (a headline, a sub-heading, a teaser) with at least this
# many words can state a claim ("Myth #1: Cold weather kills the novel coronavirus").
HEADING_CLAIM_WORDS = 6


def is_heading_claim(piece: Segment) -> bool:
    """Whether a line outside the prose is read as a claim: a headline or an unpunctuated
    line of at least ``HEADING_CLAIM_WORDS`` words (``word_count``: characters count in
    Chinese, Japanese or Thai), not a photo caption with its credit."""
    if piece.kind not in (SegmentKind.HEADLINE, SegmentKind.CAPTION):
        return False
    text = piece.text.strip()
    return not _CREDIT.search(text) and word_count(text) >= HEADING_CLAIM_WORDS
