"""Reported claims inside sentences in other languages than English (issue 28).

The English claim spans (``models.claims``) and the dependency parse read English only. A
news sentence in Spanish, French or Russian reports claims the same way ("publicaciones
aseguran que X", "les internautes affirment qu'X", "«X»"), and the reported clause alone
is much closer to the fact-check's claim than the sentence around it. Two kinds of span:

- **Quotations** in any script's quotation marks (“…”, «…», „…“, "…", 「…」, 『…』).
- **Complements of a verb of saying** in the languages below, from the complementiser
  ("que", "qu'", "che", "dass", "что", "що", "че", "कि", "أن"/"إن", "dat", "że", "că",
  "bahwa", "att", "at", "ότι", "hogy", "که", "کہ", "যে", Chinese "称：", Thai "ว่า") or a
  relative introducer ("selon laquelle", "secondo cui", "wonach") to the end of the
  sentence. Languages that put the verb of saying after the clause (Japanese, Korean,
  Turkish) have none: their clause has no marked start.

A span must have at least five words (Japanese, Chinese, Korean and Thai counted at two
characters a word) and differs from the whole sentence; it keeps its sentence as a unit
beside it. No claimant is named: the parse that finds one reads English only.
"""

from __future__ import annotations

import bisect
import re

from models.claims import ClaimSpan
from models.language import word_count
from models.segmentation import SENTENCE_END

_MIN_WORDS = 5

_QUOTATIONS = re.compile(
    r"“(?P<a>[^“”]+)”|«(?P<b>[^«»]+)»|„(?P<c>[^„“”]+)[“”]|\"(?P<d>[^\"]+)\""
    r"|「(?P<e>[^「」]+)」|『(?P<f>[^『』]+)』"
)
_QUOTE_GROUPS = ("a", "b", "c", "d", "e", "f")

# Verbs of saying (and reporting nouns) that take a complement clause, then what opens it.
# The common verbs of saying of each language in their usual forms; written with the
# multilingual-dev excerpts at hand, so docs/multilingual.md reads its gain as optimistic.
_COMPLEMENTS: dict[str, str] = {
    "es": (
        r"\b(?:afirma|afirman|afirmó|afirmaron|asegura|aseguran|aseguró|aseguraron|dice|dicen"
        r"|dijo|dijeron|sostiene|sostienen|alega|alegan|advierte|advierten|advirtió|declara"
        r"|declaró|denuncia|denuncian|afirmando|asegurando|diciendo|alegando|afirmar|asegurar"
        r"|decir|sostener|alegar|advertir|declarar|afirmado|asegurado|dicho)\s+que\s*:?\s+"
        r"|\bsegún\s+(?:el|la|los|las)\s+cual(?:es)?\s+"
    ),
    "pt": (
        r"\b(?:afirma|afirmam|afirmou|afirmaram|diz|dizem|disse|disseram|garante|garantem"
        r"|alega|alegam|assegura|asseguram|sustenta|sustentam|declara|declarou|afirmando"
        r"|dizendo|alegando|garantindo|afirmar|dizer|garantir|alegar|assegurar|declarar"
        r"|afirmado|dito|alegado)\s+que\s*:?\s+"
        r"|\bsegundo\s+(?:o|a|os|as)\s+qua(?:l|is)\s+"
    ),
    "fr": (
        r"\b(?:affirme|affirment|affirmait|affirmé|prétend|prétendent|prétendu|assure|assurent"
        r"|assuré|dit|disent|déclare|déclarent|déclaré|soutient|soutiennent|affirmant|assurant"
        r"|prétendant|affirmer|prétendre|assurer|dire|déclarer|soutenir)"
        r"\s+qu(?:e\s*:?\s+|['’]\s*)"
        r"|\bselon\s+(?:laquelle|lequel|lesquelles|lesquels)\s+"
    ),
    "it": (
        r"\b(?:afferma|affermano|affermato|sostiene|sostengono|sostenuto|dice|dicono|detto"
        r"|dichiara|dichiarato|assicura|assicurano|affermando|sostenendo|affermare|sostenere"
        r"|dire|dichiarare|assicurare)\s+che\s*:?\s+"
        r"|\bsecondo\s+(?:cui|la\s+quale|il\s+quale|le\s+quali|i\s+quali)\s+"
    ),
    "de": (
        r"\b(?:behauptet|behaupten|behauptete|behaupteten|sagt|sagen|sagte|sagten|erklärt"
        r"|erklärte|erklärten|schreibt|schreiben|schrieb|heißt\s+es)\s*,?\s+dass\s+"
        r"|\b(?:wonach|demzufolge|denen\s+zufolge)\s+"
    ),
    "ru": (
        r"\b(?:заявил|заявила|заявили|заявляет|заявляют|утверждает|утверждают|утверждал"
        r"|утверждали|говорит|говорят|говорится|сообщил|сообщила|сообщили|пишет|пишут"
        r"|утверждать|заявлять|заявить|говорить|сказать|сказал|сказала|сказали)"
        r"\s*,?\s+что\s+"
    ),
    "uk": (
        r"\b(?:заявив|заявила|заявили|заявляє|стверджує|стверджують|стверджував|каже|кажуть"
        r"|повідомив|повідомила|повідомили|пише|пишуть)\s*,?\s+що\s+"
    ),
    "bg": (
        r"\b(?:заяви|заявиха|твърди|твърдят|твърдеше|казва|казват|каза|казаха|пише|пишат)"
        r"\s*,?\s+че\s+"
    ),
    "hi": (
        r"(?<!\S)(?:कहा|दावा\s+किया(?:\s+जा\s+रहा\s+है|\s+गया\s+है)?|दावा\s+है|बताया)"
        r"\s+कि\s+"
    ),
    "ar": (
        r"(?<!\S)(?:قال|قالت|قالوا|زعم|زعمت|زعموا|يزعم|تزعم|ادعى|ادعت|يدعي|تدعي|أكد|أكدت"
        r"|يؤكد|تؤكد)\s+(?:[^\s،.؟]+\s+){0,5}?(?:إن|أن|بأن)\s+"
    ),
    "nl": (
        r"\b(?:beweert|beweren|beweerde|beweerden|zegt|zeggen|zei|zeiden|stelt|stellen|stelde"
        r"|schrijft|schrijven|schreef)\s+dat\s+"
    ),
    "pl": (
        r"\b(?:twierdzi|twierdzą|twierdził|twierdziła|twierdzili|mówi|mówią|powiedział"
        r"|powiedziała|pisze|piszą|napisał|napisała|zapewnia|przekonuje)\s*,?\s+że\s+"
    ),
    "ro": (
        r"\b(?:afirmă|susține|susțin|spune|spun|a\s+spus|a\s+declarat|declară|scrie"
        r"|pretinde|pretind)\s+că\s+"
    ),
    "id": (
        r"\b(?:mengatakan|menyatakan|mengklaim|menyebut|menyebutkan|menulis|berkata)"
        r"\s+(?:bahwa|bahwasanya)\s+"
    ),
    "ms": (
        r"\b(?:mengatakan|menyatakan|mendakwa|mengklaim|menulis|berkata)"
        r"\s+(?:bahawa|bahwa)\s+"
    ),
    "sv": (
        r"\b(?:hävdar|hävdade|påstår|påstod|påstås\s+det|säger|sa|sade|skriver|skrev|uppger"
        r"|uppgav|menar|menade)\s+att\s+"
    ),
    "da": (
        r"\b(?:hævder|hævdede|påstår|påstod|siger|sagde|skriver|skrev|oplyser|mener)"
        r"\s*,?\s+at\s+"
    ),
    "no": r"\b(?:hevder|hevdet|påstår|påsto|sier|sa|skriver|skrev|opplyser|mener)\s*,?\s+at\s+",
    "cs": (
        r"\b(?:tvrdí|tvrdil|tvrdila|tvrdili|říká|říkají|řekl|řekla|řekli|uvedl|uvedla|uvádí"
        r"|píše|napsal|napsala)\s*,\s*že\s+"
    ),
    "sk": (
        r"\b(?:tvrdí|tvrdil|tvrdila|tvrdili|hovorí|povedal|povedala|uviedol|uviedla|uvádza"
        r"|píše|napísal|napísala)\s*,\s*že\s+"
    ),
    "el": (
        r"(?<!\S)(?:ισχυρίζεται|ισχυρίζονται|ισχυρίστηκε|λέει|λένε|είπε|δήλωσε|γράφει|έγραψε"
        r"|υποστηρίζει|υποστηρίζουν)\s+(?:ότι|πως)\s+"
    ),
    "hu": (
        r"\b(?:azt\s+)?(?:állítja|állítják|állította|mondja|mondta|írja|írta|közölte)"
        r"\s*,\s*hogy\s+"
    ),
    "zh": r"(?:声称|聲稱|宣称|宣稱|号称|號稱|表示|指出|断言|斷言|称|稱)[，,：:]\s*",
    "th": r"(?:อ้างว่า|กล่าวว่า|ระบุว่า|เปิดเผยว่า)\s*",
    "fa": (
        r"(?<!\S)(?:گفت|گفتند|گفته|ادعا\s+(?:کرد|کردند|کرده|می\S*کنند)|مدعی\s+(?:شد|شدند|است"
        r"|هستند)|نوشت|نوشتند)\s+(?:است\s+|اند\s+)?که\s+"
    ),
    "ur": r"(?<!\S)(?:کہا|دعویٰ\s+کیا|دعوی\s+کیا|بتایا|لکھا)\s+(?:گیا\s+)?(?:ہے\s+)?کہ\s+",
    "bn": r"(?<!\S)(?:বলেছেন|বলেন|দাবি\s+করেছেন|দাবি\s+করা\s+হচ্ছে|দাবি\s+করা\s+হয়েছে)\s+যে\s+",
}
_COMPILED = {language: re.compile(pattern, re.I) for language, pattern in _COMPLEMENTS.items()}
# Stripped from a claim's ends: white space, commas and colons, quotation marks of every
# script and each sentence-final mark the segmenter knows.
_TRIM = ' \t\n,;:"“”«»„「」『』，' + SENTENCE_END


def reported_spans(sentence: str, language: str) -> list[ClaimSpan]:
    """The quotations and reported clauses of a sentence in ``language`` (ISO 639-1), in
    order of their start, with offsets into the sentence; none repeats another's text."""
    found: list[tuple[int, int]] = []
    for match in _QUOTATIONS.finditer(sentence):
        group = next(g for g in _QUOTE_GROUPS if match.group(g) is not None)
        found.append((match.start(group), match.end(group)))
    pattern = _COMPILED.get(language)
    if pattern is not None:
        introducers = list(pattern.finditer(sentence))
        # A reported clause runs to the next verb of saying, else to the end: "X asegura
        # que A advierte que B" reports A and B, not "A advierte que B". A quotation inside
        # it is part of it ("afirman que el «virus» es falso").
        stops = [m.start() for m in introducers]
        for match in introducers:
            following = bisect.bisect_right(stops, match.end() - 1)
            end = stops[following] if following < len(stops) else len(sentence)
            found.append((match.end(), end))
    whole = sentence.strip(_TRIM)
    spans: list[ClaimSpan] = []
    seen: set[str] = set()
    for start, end in sorted(found):
        text = sentence[start:end]
        stripped = text.strip(_TRIM)
        if not stripped or stripped == whole or stripped in seen:
            continue
        if word_count(stripped) < _MIN_WORDS:
            continue
        seen.add(stripped)
        begin = start + text.index(stripped)
        spans.append(ClaimSpan(stripped, begin, begin + len(stripped), None))
    return spans
