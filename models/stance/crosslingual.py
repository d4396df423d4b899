"""Stance in any language: cue lexicons that transfer, and the small head that reads them.

The packaged cross-encoder and the English cue regexes read English only: a Spanish debunk
("es falso que…", "no hay pruebas") reads to them as noise. Here each language has the same
four short cue lexicons, written by hand, not learned:

- **debunk**: false, fake, hoax, myth, lie, made up, misleading, disinformation, debunked,
  denied, "not true", "no evidence", fact check, out of context;
- **report**: said, claims, according to, reported, circulating, the reporting conditional
  ("aurait", "soll", "habría") and allegedly;
- **hedge**: rumour, unconfirmed, supposedly, perhaps;
- **negation**: not, no, never, none.

A pair's features are which cue sets occur in its text (and in its lead), whether the claim
is a question and whether the claim itself carries a debunking cue; they mean the same in
every language, so a logistic head fitted on English FNC-1 pairs (read with the English
lexicon) reads a German text through the German one (``training/stance_crosslingual.py``;
weights in ``models/artifacts/stance_crosslingual.json``). Without that artefact the rule
reader answers: a debunk cue wins, then a report or hedge cue, else the text asserts.

Scripts without spaces between words or with combining vowel signs (Arabic, Devanagari,
Gujarati, Japanese) are matched as substrings; Latin and Cyrillic ones on word boundaries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from models.stance.cues import Stance
from models.stance.reading import StanceInput

CROSSLINGUAL_ARTIFACT = "stance_crosslingual"

CUE_FEATURES: tuple[str, ...] = (
    "debunk_cues",
    "report_cues",
    "hedges",
    "negations",
    "lead_debunk_cues",
    "claim_question",
    # The claim's own polarity: a text that calls a claim false agrees with a claim that
    # says it is a hoax (FNC-1 has many such headlines) and debunks one that does not.
    "claim_debunk_cues",
    "debunk_cues_not_in_claim",
)

# The code under which ``cue_patterns`` gives every lexicon at once (ISO 639-2 "multiple").
ANY_LANGUAGE = "mul"


@dataclass(frozen=True, slots=True)
class Lexicon:
    """One language's cue patterns (alternations of regular expressions)."""

    debunk: tuple[str, ...]
    report: tuple[str, ...]
    hedge: tuple[str, ...]
    negation: tuple[str, ...]
    bounded: bool = True


LEXICONS: dict[str, Lexicon] = {
    "en": Lexicon(
        debunk=(
            r"false\w*",
            r"fake\w*",
            r"hoax\w*",
            r"myths?",
            # "lies" only as the noun: "if it lies within a zone" is no debunk.
            r"lie|lied|lying|lies(?!\s+(?:in|within|on|at|between|behind|ahead|beyond|near|under|outside|inside)\b)",
            r"made\s+up",
            r"fabricat\w*",
            r"mislead\w*",
            r"misinformation|disinformation",
            r"debunk\w*",
            r"den(?:y|ies|ied)",
            r"refut\w*",
            r"(?:not|never)\s+true",
            r"untrue|baseless|unfounded|bogus",
            r"no\s+(?:\w+\s+)?(?:evidence|proof)",
            r"fact[-\s]?check\w*",
            r"out\s+of\s+context",
            r"doctored|manipulated",
            r"conspiracy\s+theor\w*",
            r"wrongly|incorrectly",
        ),
        report=(
            r"said|says|say|told",
            r"claim|claims|claimed|claiming",
            r"according\s+to",
            r"report\w*",
            r"stated|states|announced|wrote|posted|tweeted|warn\w*",
            r"alleg\w*",
            r"circulat\w*|shared|viral",
        ),
        hedge=(
            r"rumou?r\w*",
            r"reportedly|supposedly|purportedly",
            r"unconfirmed|unverified",
            r"may|might|could|perhaps|possibly",
        ),
        negation=(r"not|no|never|none|nothing|n['’]t",),
    ),
    "de": Lexicon(
        debunk=(
            r"falsch\w*",
            r"fake\w*",
            r"gefälscht\w*|fälschung\w*",
            r"hoax",
            r"mythos|mythen",
            r"lüge\w*|gelogen|lügt",
            r"erfunden\w*",
            r"irreführend\w*",
            r"desinformation\w*",
            r"widerleg\w*",
            r"dementi\w*",
            r"nicht\s+(?:wahr|richtig|korrekt|belegt|zutreffend)",
            r"stimmt\s+nicht|unwahr\w*",
            r"haltlos\w*|unbelegt\w*",
            r"kein\w*\s+(?:\w+\s+)?(?:belege?|beweise?|hinweise?|anhaltspunkte?)",
            r"faktencheck\w*|faktenfinder",
            r"aus\s+dem\s+zusammenhang",
            r"manipuliert\w*",
            r"verschwörung\w*",
            r"fälschlich\w*",
        ),
        report=(
            r"sagte|sagt|sagen|sagten",
            r"behaupt\w*",
            r"laut|zufolge",
            r"bericht\w*",
            r"erklärt\w*|schrieb|schreibt|teilte\s+mit|warnt\w*",
            r"soll|sollen|sollte|sollten",
            r"kursier\w*|verbreit\w*|geteilt",
            r"heißt\s+es",
        ),
        hedge=(
            r"gerücht\w*",
            r"angeblich\w*|mutmaßlich\w*",
            r"unbestätigt\w*",
            r"vielleicht|möglicherweise|womöglich",
        ),
        negation=(r"nicht|kein\w*|nie|niemals|nichts",),
    ),
    "fr": Lexicon(
        debunk=(
            r"faux|fausse|fausses|faussement",
            r"fake\w*|infox|intox",
            r"canular\w*",
            r"mythes?",
            r"mensonge\w*|mensong\w*",
            r"invent[ée]e?s?",
            r"trompeu\w*",
            r"d[ée]sinformation\w*",
            r"d[ée]menti\w*|d[ée]ment\w*",
            r"r[ée]fut\w*",
            r"n['’]est\s+pas\s+vrai|c['’]est\s+faux|pas\s+vrai",
            r"infond[ée]e?s?|sans\s+fondement",
            r"aucune?\s+(?:\w+\s+)?(?:preuve|[ée]l[ée]ment|trace)s?|rien\s+ne\s+prouve",
            r"fact[-\s]?check\w*|v[ée]rification\s+des\s+faits",
            r"hors\s+(?:de\s+(?:son|leur)\s+)?contexte|sorti\w*\s+de\s+(?:son|leur)\s+contexte",
            r"manipul[ée]e?s?|d[ée]tourn[ée]e?s?",
            r"complot\w*",
            r"[àa]\s+tort|erron[ée]\w*",
        ),
        report=(
            r"dit|disait|a\s+dit",
            r"d[ée]clar\w*",
            r"affirm\w*",
            r"selon|d['’]apr[èe]s",
            r"rapport\w*",
            r"pr[ée]tend\w*",
            r"aurait|auraient|serait|seraient",
            r"circul\w*|partag[ée]\w*",
            r"annonc\w*|assur\w*",
        ),
        hedge=(
            r"rumeurs?",
            r"pr[ée]sum[ée]\w*|suppos[ée]\w*",
            r"non\s+confirm\w*",
            r"peut-[êe]tre|possiblement",
        ),
        negation=(r"ne|n['’]|pas|jamais|aucun\w*|rien",),
    ),
    "es": Lexicon(
        debunk=(
            r"falso|falsa|falsos|falsas|falsamente",
            r"fake\w*|noticias?\s+falsas?",
            r"bulos?",
            r"mitos?",
            r"mentira\w*",
            r"inventad[oa]s?",
            r"engañ\w*",
            r"desinformaci[óo]n",
            r"desmient\w*|desmint\w*|desmentid\w*",
            r"refut\w*",
            r"no\s+es\s+(?:cierto|verdad|real)",
            r"infundad[oa]s?|sin\s+fundamento",
            r"(?:sin|ninguna|no\s+hay|no\s+existe)\s+(?:\w+\s+)?(?:pruebas?|evidencias?)",
            r"verificaci[óo]n|fact[-\s]?check\w*|chequeo",
            r"fuera\s+de\s+contexto|sacad[oa]\s+de\s+contexto",
            r"manipulad[oa]s?",
            r"conspira\w*",
            r"err[óo]ne\w*",
        ),
        report=(
            r"dijo|dice|dicen|dijeron",
            r"afirm\w*",
            r"seg[úu]n|de\s+acuerdo\s+con",
            r"inform[óo]|informa|report\w*",
            r"declar[óo]|asegur\w*|sostien\w*|señal[óo]",
            r"habr[íi]a|habr[íi]an|ser[íi]a|ser[íi]an",
            r"circul\w*|compartid\w*|viral\w*",
        ),
        hedge=(
            r"rumor\w*",
            r"supuestamente|presuntamente|supuest[oa]s?|presunt[oa]s?",
            r"sin\s+confirmar",
            r"quiz[áa]s?|posiblemente",
        ),
        negation=(r"no|nunca|jam[áa]s|ning[úu]n\w*|nada",),
    ),
    "pt": Lexicon(
        debunk=(
            r"falso|falsa|falsos|falsas|falsamente",
            r"fake\w*|not[íi]cias?\s+falsas?",
            r"boatos?",
            r"farsa\w*",
            r"mitos?",
            r"mentira\w*",
            r"inventad[oa]s?",
            r"engan\w*",
            r"desinforma[çc][ãa]o",
            r"desment\w*",
            r"n[ãa]o\s+[ée]\s+(?:verdade|verdadeir[oa]|real)",
            r"infundad[oa]s?|sem\s+fundamento",
            r"(?:sem|nenhuma|n[ãa]o\s+h[áa])\s+(?:\w+\s+)?(?:provas?|evid[êe]ncias?)",
            r"checagem|verifica[çc][ãa]o|fact[-\s]?check\w*|fato\s+ou\s+fake",
            r"fora\s+de\s+contexto",
            r"manipulad[oa]s?|adulterad[oa]s?",
            r"conspira\w*",
            r"erroneamente",
        ),
        report=(
            r"disse|diz|dizem|disseram",
            r"afirm\w*",
            r"segundo|de\s+acordo\s+com|conforme",
            r"inform\w*|relat\w*",
            r"declar\w*|alega\w*",
            r"teria|teriam|seria|seriam",
            r"circul\w*|compartilhad\w*|viraliz\w*",
        ),
        hedge=(
            r"rumor\w*",
            r"supostamente|alegadamente|suposto|suposta",
            r"sem\s+confirma[çc][ãa]o",
            r"talvez|possivelmente",
        ),
        negation=(r"n[ãa]o|nunca|jamais|nenhum\w*|nada",),
    ),
    "it": Lexicon(
        debunk=(
            r"fals[oaie]|falsamente",
            r"fake\w*|notizi[ae]\s+fals[ae]",
            r"bufal[ae]",
            r"mit[oi]",
            r"menzogn\w*|bugi[ae]",
            r"inventat[oaie]",
            r"fuorviant\w*|ingannevol\w*",
            r"disinformazione",
            r"smentit\w*|smentisc\w*|smentit[oa]",
            r"confutat\w*",
            r"non\s+[èe]\s+vero|non\s+corrisponde\s+al\s+vero",
            r"infondat[oaie]|senza\s+fondamento",
            r"(?:nessuna|non\s+ci\s+sono|senza)\s+(?:\w+\s+)?prov[ae]",
            r"fact[-\s]?check\w*|verifica\w*",
            r"fuori\s+contesto",
            r"manipolat\w*",
            r"complott\w*",
            r"erroneamente",
        ),
        report=(
            r"ha\s+detto|dice|dicono|detto",
            r"afferm\w*|dichiar\w*|sostien\w*",
            r"secondo|stando\s+a",
            r"riferisc\w*|riportat\w*",
            r"avrebbe|avrebbero|sarebbe|sarebbero",
            r"circol\w*|condivis\w*|virale",
            r"gira\s+(?:la\s+)?voce",
        ),
        hedge=(
            r"voci|indiscrezion\w*",
            r"presunt\w*|presumibilmente|apparentemente",
            r"non\s+confermat\w*",
            r"forse|possibilmente",
        ),
        negation=(r"non|mai|nessun\w*|niente|nulla",),
    ),
    "ru": Lexicon(
        debunk=(
            r"ложь|ложн\w*|лжив\w*",
            r"фейк\w*",
            r"неправд\w*",
            r"не\s+соответству\w*\s+действительности",
            r"опроверг\w*|опровер\w*",
            r"дезинформаци\w*",
            r"миф\w*",
            r"вымысел|вымышлен\w*|выдум\w*",
            r"фальшив\w*|поддел\w*|сфабрикован\w*",
            r"(?:нет|никаких|без)\s+(?:\w+\s+)?доказательств",
            r"не\s+(?:подтвержда\w*|является\s+правдой)",
            r"фактчек\w*|проверк\w*\s+фактов",
            r"вырван\w*\s+из\s+контекста",
            r"манипуляци\w*",
            r"заговор\w*",
        ),
        report=(
            r"заяви\w*|сказа\w*|говор\w*",
            r"сообщ\w*",
            r"утвержда\w*",
            r"по\s+(?:словам|данным|сообщениям|мнению)",
            r"пишет|написа\w*|отмети\w*",
            r"распространя\w*|опубликова\w*",
        ),
        hedge=(
            r"слух\w*",
            r"якобы|предположительно|вероятно|возможно",
            r"неподтвержд\w*",
        ),
        negation=(r"не|нет|никогда|ни|ничего",),
    ),
    "uk": Lexicon(
        debunk=(
            r"брехн\w*|неправд\w*|неправдив\w*|хибн\w*",
            r"фейк\w*",
            r"спростов\w*",
            r"дезінформаці\w*",
            r"міф\w*",
            r"вигад\w*",
            r"підроб\w*|сфабрикован\w*",
            r"не\s+відповіда\w*\s+дійсності",
            r"(?:немає|жодних|без)\s+(?:\w+\s+)?доказ\w*",
            r"фактчек\w*|перевірк\w*\s+фактів",
            r"маніпуляці\w*",
            r"змов\w*",
        ),
        report=(
            r"заяви\w*|сказа\w*|говор\w*",
            r"повідоми\w*|повідомля\w*",
            r"стверджу\w*",
            r"за\s+(?:словами|даними|повідомленнями)",
            r"пише|написа\w*|зазначи\w*",
            r"поширю\w*|оприлюдн\w*",
        ),
        hedge=(r"чутк\w*", r"нібито|імовірно|можливо", r"непідтвердж\w*"),
        negation=(r"не|ні|немає|ніколи|нічого",),
    ),
    "bg": Lexicon(
        debunk=(
            r"фалшив\w*|лъжа|лъжи|лъжлив\w*",
            r"невярн\w*|неистин\w*",
            r"фейк\w*",
            r"опроверг\w*|опровержени\w*",
            r"дезинформаци\w*",
            r"мит|митове|митът",
            r"измисл\w*",
            r"не\s+е\s+вярно|не\s+отговаря\s+на\s+истината",
            r"(?:няма|без|никакви)\s+(?:\w+\s+)?доказателств\w*",
            r"проверк\w*\s+на\s+фактите",
            r"манипулаци\w*",
            r"конспира\w*",
        ),
        report=(
            r"заяви\w*|каза\w*|казва\w*",
            r"съобщ\w*",
            r"твърд\w*",
            r"според|по\s+думите\s+на",
            r"пише|написа\w*",
            r"разпространя\w*|публикува\w*",
        ),
        hedge=(r"слух\w*", r"уж|предполагаемо|вероятно|възможно", r"непотвърден\w*"),
        negation=(r"не|няма|никога|нищо",),
    ),
    "ar": Lexicon(
        debunk=(
            r"كاذب|كذب|أكذوب",
            r"زائف|مزيف|مزور|مفبرك",
            r"غير\s+صحيح|ليس\s+صحيح|لا\s+صحة|عار\s+عن\s+الصحة|عارية\s+عن\s+الصحة",
            r"أساس\s+من\s+الصحة",
            r"مضلل|تضليل",
            r"خراف",
            r"نفى|نفت|ينفي|تنفي|نفي",
            r"دحض|تفنيد|فند",
            r"(?:لا|دون|بلا|لم\s+يثبت)\s+(?:\S+\s+)?دليل|لا\s+يوجد\s+ما\s+يثبت",
            r"تقصي\s+الحقائق|تدقيق|التحقق",
            r"معلومات\s+مغلوطة|مغلوط",
            r"المؤامرة",
            r"خارج\s+سياق",
        ),
        report=(
            r"قال|قالت|يقول|تقول",
            r"صرح|أعلن|أعلنت",
            r"بحسب|حسب|وفقا|وفقاً|نقلا|نقلاً",
            r"ذكر|ذكرت|أفاد|أفادت",
            r"زعم|مزاعم|ادعى|ادعاء|يدعي",
            r"تداول|متداول|يتداول|انتشر",
        ),
        hedge=(r"شائع|إشاع", r"يزعم|مزعوم|ربما|قد\s", r"لم\s+يتأكد|غير\s+مؤكد"),
        negation=(r"لا\s|لم\s|لن\s|ليس|غير\s",),
        bounded=False,
    ),
    "hi": Lexicon(
        debunk=(
            r"झूठ",
            r"फर्जी|फ़र्ज़ी|फेक|नकली",
            r"भ्रामक|गुमराह",
            r"मनगढ़ंत|मनगढंत",
            r"मिथक",
            r"खंडन",
            r"कोई\s+(?:\S+\s+)?(?:सबूत|प्रमाण)\s+नहीं",
            r"सच\s+नहीं|सही\s+नहीं|गलत\s+है|ग़लत\s+है",
            r"फैक्ट\s*चेक|तथ्य\s+जांच|पड़ताल",
            r"दुष्प्रचार",
        ),
        report=(
            r"कहा|कहते|कहना|कहती",
            r"दावा|दावे|आरोप",
            r"के\s+अनुसार|मुताबिक",
            r"बताया|बताते",
            r"रिपोर्ट",
            r"वायरल|शेयर",
        ),
        hedge=(r"अफवाह|अफ़वाह", r"कथित", r"शायद|संभवतः"),
        negation=(r"नहीं|मत\s|कभी\s+नहीं",),
        bounded=False,
    ),
    "gu": Lexicon(
        debunk=(
            r"ખોટ",
            r"ફેક|નકલી|બનાવટી",
            r"ભ્રામક|ગેરમાર્ગે",
            r"કોઈ\s+(?:\S+\s+)?પુરાવા\s+નથી",
            r"સાચું\s+નથી|સત્ય\s+નથી",
            r"ખંડન",
            r"ફેક્ટ\s*ચેક|હકીકત\s+તપાસ",
        ),
        report=(r"કહ્યું|કહે", r"જણાવ્યું", r"દાવો|દાવા|આરોપ", r"મુજબ|અનુસાર", r"વાયરલ|શેર"),
        hedge=(r"અફવા", r"કથિત", r"કદાચ"),
        negation=(r"નથી|નહીં|ના\s",),
        bounded=False,
    ),
    "ja": Lexicon(
        debunk=(
            r"誤り|誤情報|誤解を招",
            r"偽|虚偽|ニセ|にせ",
            r"デマ|フェイク",
            r"嘘|うそ|ウソ",
            r"根拠(?:は|が|の)?(?:ない|なく|無い)|事実無根|事実ではない",
            r"否定",
            r"捏造|でっち上げ",
            r"ファクトチェック",
            r"陰謀論",
        ),
        report=(
            r"と述べ|と語っ|と話し|と発言",
            r"によると|によれば",
            r"と主張|と発表|と報じ|と伝え",
            r"とされる|という",
            r"拡散|投稿",
        ),
        hedge=(r"噂|うわさ|ウワサ", r"らしい|かもしれない|可能性"),
        negation=(r"ない|ません|なかった|ず[、。]",),
        bounded=False,
    ),
}


@dataclass(frozen=True, slots=True)
class _Compiled:
    debunk: re.Pattern[str]
    report: re.Pattern[str]
    hedge: re.Pattern[str]
    negation: re.Pattern[str]


def _compile(parts: tuple[str, ...], bounded: bool) -> re.Pattern[str]:
    body = "|".join(f"(?:{p})" for p in parts)
    pattern = rf"\b(?:{body})\b" if bounded else f"(?:{body})"
    return re.compile(pattern, re.IGNORECASE)


@lru_cache(maxsize=64)
def cue_patterns(language: str) -> _Compiled:
    """The compiled lexicon of ``language`` (ISO 639-1); every lexicon at once for a language
    without one (scripts rarely collide, and a text's cues are then still counted)."""
    lexicons = [LEXICONS[language]] if language in LEXICONS else list(LEXICONS.values())
    fields = ("debunk", "report", "hedge", "negation")
    compiled = [
        "|".join(_compile(getattr(lexicon, name), lexicon.bounded).pattern for lexicon in lexicons)
        for name in fields
    ]
    return _Compiled(*(re.compile(p, re.IGNORECASE) for p in compiled))


def _found(pattern: re.Pattern[str], text: str | None) -> float:
    return float(bool(text) and pattern.search(text or "") is not None)


def cue_features(text: str, claim: str, language: str, lead: str | None = None) -> list[float]:
    """Values of ``CUE_FEATURES`` for a (text, claim) pair in ``language``: whether each cue
    set occurs (presence rather than counts, so that a three-sentence passage and a 70-word
    selection from a long FNC-1 body read alike), whether the claim is a question and
    whether it carries a debunking cue itself (read with every lexicon).

    Args:
        text: What is read of the text.
        claim: The claim, in any language.
        language: ISO 639-1 code of ``text``.
        lead: The text's first sentence; None counts no lead cues.
    """
    patterns = cue_patterns(language)
    debunk = _found(patterns.debunk, text)
    claim_debunk = _found(cue_patterns(ANY_LANGUAGE).debunk, claim)
    return [
        debunk,
        _found(patterns.report, text),
        _found(patterns.hedge, text),
        _found(patterns.negation, text),
        _found(patterns.debunk, lead),
        float("?" in claim or "？" in claim),
        claim_debunk,
        debunk * (1.0 - claim_debunk),
    ]


def read_text(item: StanceInput, budget_words: int) -> str:
    """What the cross-lingual reader reads of a prepared pair: the whole text when it is short
    (the analysis passes a claim's sentence and its neighbours), else the selected sentences
    (word-overlap selection finds nothing across languages, so mostly the lead)."""
    return item.text if len(item.text.split()) <= 3 * budget_words else item.context


def pair_features(item: StanceInput, language: str, budget_words: int) -> list[float]:
    """``cue_features`` of a prepared pair, as training and the runtime compute them."""
    lead = item.sentence(0) if item.sentences else None
    return cue_features(read_text(item, budget_words), item.claim, language, lead)


def cue_stance(text: str, language: str) -> Stance:
    """The rule reader in any language: a debunk cue wins, then a report or hedge cue, else
    the text asserts."""
    patterns = cue_patterns(language)
    if patterns.debunk.search(text):
        return Stance.DEBUNKS
    if patterns.report.search(text) or patterns.hedge.search(text):
        return Stance.REPORTS
    return Stance.ASSERTS
