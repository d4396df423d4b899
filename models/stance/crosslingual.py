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
    "nl": Lexicon(
        debunk=(
            r"onwaar\w*|onjuist\w*",
            r"vals\w*|nep(?:nieuws|bericht\w*|foto\w*|video\w*)?|fake\w*|hoax",
            r"leugen\w*|gelogen|liegt",
            r"verzonnen",
            r"misleid\w*",
            r"desinformatie|misinformatie",
            r"ontkracht\w*|ontkend\w*|ontkent|weerleg\w*",
            r"klopt\s+niet|niet\s+waar|niet\s+juist",
            r"geen\s+(?:\w+\s+)?bewijs\w*",
            r"factcheck\w*",
            r"uit\s+(?:de|zijn|haar|hun)\s+(?:\w+\s+)?(?:context|verband)",
            r"gemanipuleerd\w*",
            r"complot\w*",
            r"ten\s+onrechte",
        ),
        report=(
            r"zegt|zei|zeggen|zeiden|gezegd",
            r"beweer\w*",
            r"volgens",
            r"meld\w*|bericht\w*",
            r"verklaar\w*|stelt|stelde|schreef|schrijft",
            r"zou|zouden",
            r"gedeeld|circuler\w*|verspreid\w*|gaat\s+rond",
        ),
        hedge=(
            r"gerucht\w*",
            r"naar\s+verluidt|vermeend\w*|vermoedelijk",
            r"onbevestigd\w*",
            r"misschien|mogelijk",
        ),
        negation=(r"niet|geen|nooit|niets",),
    ),
    "pl": Lexicon(
        debunk=(
            r"fałsz\w*|nieprawd\w*",
            r"kłamstw\w*|kłamliw\w*",
            r"fake\w*|fejk\w*",
            r"zmyślon\w*|sfabrykowan\w*",
            r"wprowadza\w*\s+w\s+błąd",
            r"dezinformacj\w*",
            r"mity|mitem|mitu",
            r"zdementowa\w*|dementuj\w*|zaprzecz\w*|obal\w*",
            r"nie\s+jest\s+prawdą|to\s+nieprawda",
            r"(?:brak|nie\s+ma|żadnych|bez)\s+(?:\w+\s+)?dowod\w*",
            r"fact[-\s]?check\w*|weryfikacj\w*",
            r"wyrwan\w*\s+z\s+kontekstu",
            r"zmanipulowan\w*|manipulacj\w*",
            r"spisk\w*",
            r"bezpodstawn\w*",
        ),
        report=(
            r"powiedzia\w*|mówi|mówią",
            r"twierdz\w*",
            r"według|zdaniem",
            r"podaj\w*|poinformowa\w*|informuj\w*",
            r"napisa\w*|pisze|ogłosi\w*",
            r"krąż\w*|udostępni\w*|rozpowszechnia\w*",
        ),
        hedge=(
            r"plotk\w*|pogłosk\w*",
            r"rzekom\w*|podobno",
            r"niepotwierdzon\w*",
            r"być\s+może|prawdopodobnie",
        ),
        negation=(r"nie|nigdy|żaden|żadn\w*|nic",),
    ),
    "ro": Lexicon(
        debunk=(
            r"fals|falsă|false|falși|falsul",
            r"minciun\w*|mincinos\w*",
            r"fake\w*|știri\s+false",
            r"neadevăr\w*",
            r"născocit\w*|plăsmuit\w*",  # not "fabricat": manufactured
            r"înșelăto\w*",
            r"dezinformar\w*",
            r"mitul|mituri|miturile",
            r"dezmin\w*|infirmat\w*|infirmă|neag[ăa]",
            r"nu\s+(?:este|e)\s+adevărat\w*",
            r"(?:fără|nicio|nu\s+există)\s+(?:\w+\s+)?dovez\w*|nicio\s+dovadă",
            r"verificare\w*\s+(?:a\s+)?faptelor|fact[-\s]?check\w*",
            r"scos\w*\s+din\s+context",
            r"manipulată|manipulați|manipular\w*",
            r"conspira\w*",
            r"eronat\w*",
        ),
        report=(
            r"a\s+spus|spune|spun",
            r"declar\w*|afirm\w*",
            r"potrivit|conform",
            r"susține|susțin|relat\w*",
            r"a\s+scris|scrie",
            r"ar\s+fi",
            r"circul\w*|distribuit\w*",
        ),
        hedge=(
            r"zvon\w*",
            r"presupus\w*|pretins\w*|chipurile",
            r"neconfirmat\w*",
            r"probabil|poate",
        ),
        negation=(r"nu|niciodată|niciun\w*|nicio|nimic",),
    ),
    "id": Lexicon(  # Indonesian and Malay (also "ms")
        debunk=(
            r"hoaks|hoax",
            r"bohong|kebohongan",
            r"palsu",
            r"tidak\s+benar|tak\s+benar",
            r"keliru|salah(?!\s+satu)",  # "salah satu" is "one of"
            r"menyesatkan",
            r"disinformasi|misinformasi",
            r"dibantah|membantah|bantahan|menafikan|dinafikan",
            r"(?:tidak\s+ada|tiada|tanpa)\s+(?:\w+\s+)?bukti|tidak\s+terbukti",
            r"cek\s+fakta|periksa\s+fakta|semak\s+fakta",
            r"di\s*luar\s+konteks",
            r"dimanipulasi|manipulasi|hasil\s+rekayasa|direkayasa",  # "rekayasa": engineering
            r"konspirasi",
            r"fitnah",
        ),
        report=(
            r"mengatakan|kata|berkata",
            r"menyatakan|mengklaim|klaim|mendakwa|dakwaan",
            r"menurut",
            r"dilaporkan|melaporkan|laporan",
            r"menyebut\w*|menulis",
            r"beredar|viral|dibagikan|tersebar|tular",
        ),
        hedge=(
            r"rumor|kabar\s+burung|desas-desus|khabar\s+angin",
            r"diduga|konon|kabarnya|didakwa",
            r"belum\s+(?:terkonfirmasi|dikonfirmasi|disahkan)",
            r"mungkin|barangkali",
        ),
        negation=(r"tidak|tak|bukan|belum|tiada|tanpa",),
    ),
    "sv": Lexicon(
        debunk=(
            r"falsk\w*|osann\w*",
            r"fejk\w*|fake\w*|bluff\w*",
            r"lögn\w*|ljug\w*|ljög",
            r"påhitt\w*",
            r"vilseledande",
            r"desinformation|felinformation",
            r"felaktig\w*",
            r"dementer\w*|förneka\w*|tillbakavis\w*",
            r"stämmer\s+inte|inte\s+sant",
            r"(?:inga|saknar)\s+(?:\w+\s+)?(?:bevis|belägg|grund)",
            r"faktagransk\w*|faktakoll\w*",
            r"ur\s+sitt\s+sammanhang",
            r"manipulerad\w*",
            r"konspiration\w*",
            r"myt|myten|myter",
        ),
        report=(
            r"säger|sa|sade",
            r"uppger|uppgav|påstå\w*|hävda\w*",
            r"enligt",
            r"rapporter\w*|meddela\w*",
            r"skriver|skrev",
            r"ska\s+ha|skulle\s+ha",
            r"sprid\w*|delad\w*|cirkuler\w*",
        ),
        hedge=(
            r"rykte\w*|ryktas",
            r"påstått|påstådd\w*|uppgivet",
            r"obekräfta\w*",
            r"troligen|kanske|möjligen",
        ),
        negation=(r"inte|ej|aldrig|ingen|inget|inga",),
    ),
    "da": Lexicon(
        debunk=(
            r"falsk\w*|usand(?:t|e|hed\w*)?",
            r"fake\w*|svindel",
            r"løgn\w*|lyv\w*|løj",
            r"opdigte\w*",
            r"vildledende|misvisende",
            r"desinformation|misinformation",
            r"afvis\w*|benæg\w*|dementer\w*",
            r"passer\s+ikke|ikke\s+sandt|ikke\s+korrekt",
            r"ingen\s+(?:\w+\s+)?(?:beviser|bevis|dokumentation)",
            r"faktatjek\w*",
            r"ud\s+af\s+(?:sin\s+)?kontekst",
            r"manipuleret",
            r"konspiration\w*",
            r"myte\w*",
        ),
        report=(
            r"siger|sagde",
            r"hævde\w*|påstå\w*",
            r"ifølge",
            r"oplys\w*|meddel\w*|rapporter\w*",
            r"skriver|skrev",
            r"skulle\s+have|skal\s+have",
            r"spred\w*|delt|cirkuler\w*",
        ),
        hedge=(r"rygte\w*", r"angiveligt|påstået", r"ubekræft\w*", r"måske|muligvis"),
        negation=(r"ikke|ingen|aldrig|intet",),
    ),
    "no": Lexicon(
        debunk=(
            r"falsk\w*|usann\w*",
            r"fake\w*|svindel",
            r"løgn\w*|lyv\w*|løy",
            r"oppdikt\w*",
            r"villedende|misvisende",
            r"desinformasjon|feilinformasjon",
            r"avvis\w*|benekt\w*|dementer\w*",
            r"stemmer\s+ikke|ikke\s+sant|ikke\s+riktig",
            r"ingen\s+(?:\w+\s+)?(?:bevis|dokumentasjon)",
            r"faktasjekk\w*|faktisk\.no",
            r"ut\s+av\s+(?:sin\s+)?kontekst",
            r"manipulert",
            r"konspirasjon\w*",
            r"myte\w*",
        ),
        report=(
            r"sier|sa|sagt",
            r"hevde\w*|påstå\w*",
            r"ifølge",
            r"opplys\w*|meld\w*|rapporter\w*",
            r"skriver|skrev",
            r"skal\s+ha|skulle\s+ha",
            r"spre\w*|delt|sirkuler\w*",
        ),
        hedge=(r"rykte\w*", r"angivelig\w*|påstått", r"ubekreft\w*", r"kanskje|muligens"),
        negation=(r"ikke|ingen|aldri|intet",),
    ),
    "tr": Lexicon(
        debunk=(
            r"yalan\w*",
            r"sahte\w*",
            r"asılsız\w*|gerçek\s+dışı|gerçeği\s+yansıtmıyor",
            r"doğru\s+değil",
            r"yanlış\w*",
            r"yanıltıcı\w*",
            r"dezenformasyon\w*",
            r"uydurma\w*",
            r"çarpıtıl\w*|manipüle\w*",
            r"(?:hiçbir|yok)\s+(?:\w+\s+)?kanıt\w*|kanıt\w*\s+(?:yok|bulunmuyor)",
            r"doğrulama\w*",  # not "teyit": "teyit edildi" is "confirmed"
            r"bağlamından\s+koparıl\w*",
            r"komplo\w*",
        ),
        report=(
            r"dedi|söyledi|söylüyor",
            r"açıkla\w*|bildir\w*|aktar\w*",
            r"iddia\w*|öne\s+sür\w*",
            r"göre",
            r"paylaş\w*|yayıl\w*|dolaş\w*",
        ),
        hedge=(
            r"söylenti\w*",
            r"sözde|iddiaya\s+göre",
            r"doğrulanmamış",
            r"belki|muhtemelen",
        ),
        negation=(r"değil|yok|hiç|asla|hayır",),
    ),
    "cs": Lexicon(
        debunk=(
            r"nepravd\w*",
            r"lež\w*|lživ\w*|lhal\w*",
            r"falešn\w*|fake\w*|hoax\w*",
            r"smyšlen\w*|vymyšlen\w*",
            r"zavádějící",
            r"dezinformac\w*",
            r"vyvrác\w*|vyvrátil\w*|popřel\w*|popírá",
            r"není\s+pravda",
            r"(?:žádn\w*|bez)\s+(?:\w+\s+)?důkaz\w*|nejsou\s+(?:\w+\s+)?důkazy",
            r"ověřování\s+faktů|fact[-\s]?check\w*",
            r"vytržen\w*\s+z\s+kontextu",
            r"zmanipulovan\w*|manipulac\w*",
            r"konspira\w*",
            r"mýt(?:us|y|u|ech|ů)",  # not "mýt": to wash
        ),
        report=(
            r"řekl\w*|říká|říkají",
            r"uvedl\w*|uvádí|tvrdí|tvrdil\w*|tvrzení",
            r"podle",
            r"informoval\w*|oznámil\w*",
            r"napsal\w*|píše",
            r"sdílen\w*|šíř\w*|koluje",
        ),
        hedge=(r"fám\w*|spekulac\w*", r"údajn\w*|prý", r"nepotvrzen\w*", r"možná|pravděpodobně"),
        negation=(r"ne|není|nejsou|nikdy|žádn\w*|nic",),
    ),
    "sk": Lexicon(
        debunk=(
            r"nepravd\w*",
            r"lož\w*|klam\w*",
            r"falošn\w*|fake\w*|hoax\w*",
            r"vymysl\w*",
            r"zavádzajúc\w*",
            r"dezinformáci\w*",
            r"vyvrát\w*|poprel\w*|popiera",
            r"nie\s+je\s+pravda",
            r"(?:žiadn\w*|bez)\s+(?:\w+\s+)?dôkaz\w*",
            r"overovani\w*\s+faktov|fact[-\s]?check\w*",
            r"vytrhnut\w*\s+z\s+kontextu",
            r"zmanipulovan\w*|manipulác\w*",
            r"konšpira\w*",
            r"mýt(?:us|y|u|och|ov)",  # not "mýto": a toll
        ),
        report=(
            r"povedal\w*|hovorí|hovoria",
            r"uviedol\w*|uvádza|tvrdí|tvrdil\w*|tvrdenie",
            r"podľa",
            r"informoval\w*|oznámil\w*",
            r"napísal\w*|píše",
            r"zdieľ\w*|šír\w*",
        ),
        hedge=(r"fám\w*|špekulác\w*", r"údajn\w*|vraj", r"nepotvrden\w*", r"možno|pravdepodobne"),
        negation=(r"nie|nikdy|žiadn\w*|nič",),
    ),
    "el": Lexicon(
        debunk=(
            r"ψευδ\w*|ψέμα\w*|ψεύτικ\w*",
            r"fake\w*|hoax",
            r"ανακριβ\w*|αναληθ\w*",
            r"παραπλανητικ\w*",
            r"παραπληροφόρηση\w*",
            r"διαψε\w*|διάψευση\w*|αρνήθηκ\w*|αρνείται",
            r"δεν\s+(?:ισχύει|ισχύουν|ευσταθεί|είναι\s+αλήθεια|είναι\s+αληθ\w*)",
            r"(?:δεν\s+υπάρχ\w*|χωρίς|κανένα)\s+(?:\w+\s+)?(?:στοιχεί\w*|αποδείξ\w*|απόδειξη)",
            r"έλεγχ\w*\s+(?:των\s+)?γεγονότων|fact[-\s]?check\w*",
            r"εκτός\s+(?:πλαισίου|συμφραζομένων)",
            r"παραποιημέν\w*|κατασκευασμέν\w*",
            r"συνωμοσ\w*",
            r"μύθ\w*",
            r"αβάσιμ\w*|ανυπόστατ\w*",
        ),
        report=(
            r"δήλωσε|είπε|λέει|λένε",
            r"ισχυρίζ\w*|υποστηρίζ\w*",
            r"σύμφωνα\s+με",
            r"ανέφερ\w*|αναφέρ\w*|μετέδωσ\w*",
            r"έγραψε|γράφει",
            r"κυκλοφορ\w*|διαδίδ\w*|κοινοποι\w*",
        ),
        hedge=(r"φήμ\w*", r"φέρεται|φερόμεν\w*|δήθεν", r"ανεπιβεβαίωτ\w*", r"ίσως|πιθανώς|πιθανόν"),
        negation=(r"δεν|μην|μη|ποτέ|καν[έε]ν\w*|τίποτα",),
    ),
    "hu": Lexicon(
        debunk=(
            r"hamis\w*|álhír\w*",
            r"hazugs\w*|hazud\w*",
            r"valótlan\w*|kitalált\w*|koholt\w*",
            r"félrevezető\w*",
            r"dezinformáci\w*",
            r"cáfol\w*|tagad\w*",
            r"nem\s+igaz",
            r"(?:nincs|semmilyen|semmi)\s+(?:\w+\s+)?bizonyíték\w*|bizonyíték\w*\s+nélkül",
            r"tényellenőr\w*|fact[-\s]?check\w*",
            r"kiragad\w*",
            r"manipulált\w*",
            r"összeesküvés\w*",
            r"mítosz\w*",
            r"alaptalan\w*",
        ),
        report=(
            r"mondta|mondja|mondják",
            r"állít\w*",
            r"szerint",
            r"közölt\w*|közli|jelentett\w*|jelenti",
            r"írta|írja",
            r"terjed\w*|megoszt\w*|kering\w*",
        ),
        hedge=(
            r"pletyk\w*|szóbeszéd\w*",
            r"állítólag\w*",
            r"megerősítetlen\w*",
            r"talán|valószínűleg|esetleg",
        ),
        negation=(r"nem|nincs|nincsenek|soha|semmi\w*|sem",),
    ),
    "zh": Lexicon(
        debunk=(
            r"假的|虚假|虛假|假新闻|假新聞|假消息",
            r"谣言|謠言|造谣|造謠|辟谣|闢謠",
            r"不实|不實|不属实|不屬實|失实|失實|并非事实|並非事實|与事实不符|與事實不符",
            r"错误|錯誤|误导|誤導",
            r"伪造|偽造|捏造|编造|編造|篡改|断章取义|斷章取義",
            r"否认|否認|驳斥|駁斥|澄清",
            r"(?:没有|沒有|毫无|毫無|并无|並無)(?:任何)?(?:证据|證據|根据|根據)",
            r"事实核查|事實查核|查核",
            r"阴谋论|陰謀論",
        ),
        report=(
            r"声称|聲稱|宣称|宣稱|号称|號稱",
            r"表示|指出|说|說|称|稱",
            r"据|據|根据|根據",
            r"报道|報導|报导",
            r"网传|網傳|流传|流傳|转发|轉發|疯传|瘋傳",
        ),
        hedge=(
            r"传言|傳言|传闻|傳聞",
            r"据说|據說|疑似|据称|據稱",
            r"未经证实|未經證實",
            r"可能|也许|也許",
        ),
        negation=(r"不|没|沒|无|無|未|非",),
        bounded=False,
    ),
    "ko": Lexicon(
        debunk=(
            r"거짓|허위|가짜",
            r"사실이\s*아니|사실과\s*다르|사실무근",
            r"오보|오해의\s*소지|호도",
            r"조작|날조|왜곡",
            r"부인했|부인하|반박",
            r"근거\s*(?:가|는)?\s*없",
            r"팩트\s*체크|사실\s*확인",
            r"음모론",
            r"맥락을\s*무시|맥락과\s*다르",
        ),
        report=(
            r"말했|밝혔|전했|설명했",
            r"주장",
            r"따르면",
            r"보도",
            r"퍼지|퍼졌|확산|공유|게시",
        ),
        hedge=(r"소문|루머|의혹", r"카더라|알려졌", r"확인되지\s*않", r"아마|추정|가능성"),
        negation=(r"않|아니|없|못",),
        bounded=False,
    ),
    "th": Lexicon(
        debunk=(
            r"ข่าวปลอม|ปลอม",
            r"ไม่จริง|ไม่เป็นความจริง|เท็จ",
            r"บิดเบือน|ตัดต่อ",
            r"หลอกลวง|โกหก",
            r"ไม่มีหลักฐาน",
            r"ปฏิเสธ",
            r"ตรวจสอบข้อเท็จจริง|ชัวร์ก่อนแชร์|โคแฟค",
            r"ทฤษฎีสมคบคิด",
        ),
        report=(r"กล่าว|ระบุ|เปิดเผย", r"อ้าง", r"ตามรายงาน|รายงาน", r"แชร์|เผยแพร่|ส่งต่อ"),
        hedge=(r"ข่าวลือ|ลือ", r"คาดว่า|อาจ", r"ยังไม่ได้รับการยืนยัน"),
        negation=(r"ไม่",),
        bounded=False,
    ),
    "fa": Lexicon(
        debunk=(
            r"جعلی|دروغ|کذب",
            r"نادرست|صحت\s+ندارد|واقعیت\s+ندارد|درست\s+نیست",
            r"گمراه\S*\s*کننده",
            r"اطلاعات\s+غلط|اطلاعات\s+نادرست",
            r"تکذیب|رد\s+کرد",
            r"(?:هیچ|بدون)\s+(?:\S+\s+)?(?:مدرک|سند|شواهد)",
            r"راستی\S*\s*آزمایی",
            r"خارج\s+از\s+(?:متن|بافت)",
            r"دستکاری|توطئه|افسانه",
        ),
        report=(
            r"گفت|می\S*گوید|اظهار",
            r"ادعا",
            r"به\s+گفته|طبق|بر\s+اساس",
            r"گزارش|نوشت",
            r"منتشر|دست\s+به\s+دست|وایرال",
        ),
        hedge=(r"شایعه", r"ظاهرا|ظاهراً|گویا|احتمالا|احتمالاً|شاید", r"تایید\s+نشده|تأیید\s+نشده"),
        negation=(r"(?<!\S)(?:نه|نیست|هرگز|هیچ)(?!\S)|نمی",),
        bounded=False,
    ),
    "ur": Lexicon(
        debunk=(
            r"جھوٹ|جعلی",
            r"غلط|درست\s+نہیں|سچ\s+نہیں",
            r"گمراہ\s+کن|من\s+گھڑت|بے\s+بنیاد",
            r"تردید|مسترد",
            r"کوئی\s+(?:\S+\s+)?ثبوت\s+نہیں",
            r"فیکٹ\s+چیک|حقائق\s+کی\s+جانچ",
            r"سازش",
        ),
        report=(r"کہا|کہتے|کہنا", r"دعوی|دعویٰ", r"کے\s+مطابق", r"بتایا|رپورٹ", r"وائرل|شیئر"),
        hedge=(r"افواہ", r"مبینہ", r"شاید|ممکنہ"),
        negation=(r"نہیں|(?<!\S)نہ(?!\S)|کبھی\s+نہیں",),
        bounded=False,
    ),
    "bn": Lexicon(
        debunk=(
            r"মিথ্যা|ভুয়া|ভুয়ো",  # not "জাল": also a net
            r"ভুল|বিভ্রান্তিকর",
            r"বানোয়াট|মনগড়া",
            r"অস্বীকার|খণ্ডন",
            r"সত্য\s+নয়|সঠিক\s+নয়",
            r"(?:কোনো|কোন)\s+(?:\S+\s+)?প্রমাণ\s+(?:নেই|পাওয়া\s+যায়নি)",
            r"ফ্যাক্ট\s*চেক|তথ্য\s+যাচাই",
            r"ষড়যন্ত্র",
        ),
        report=(
            r"বলেছেন|বলেন|বলা\s+হয়",
            r"দাবি",
            r"অনুযায়ী|মতে",
            r"জানিয়েছেন|জানান|প্রতিবেদন",
            r"ভাইরাল|শেয়ার",
        ),
        hedge=(r"গুজব", r"কথিত", r"সম্ভবত|হয়তো"),
        negation=(r"(?<!\S)না(?!\S)|নয়|নেই",),
        bounded=False,
    ),
    "ta": Lexicon(
        debunk=(
            r"பொய்|போலி",
            r"தவறான|தவறு",
            r"மறுத்த|மறுப்பு",
            r"உண்மை\s*(?:இல்லை|அல்ல)|உண்மையில்லை",
            r"ஆதாரம்\s*(?:இல்லை|இல்லாத)|ஆதாரமில்லை",
            r"உண்மை\s+சரிபார்ப்பு|ஃபேக்ட்\s*செக்",
            r"திரிக்கப்பட்ட|தவறாக\s+வழிநடத்த",
            r"சதி",
        ),
        report=(r"கூறினார்|கூறப்படுகிறது|கூறியுள்ளார்", r"தெரிவித்த\S*", r"அறிக்கை|படி", r"வைரல்|பகிர"),
        hedge=(r"வதந்தி", r"கூறப்படும்|ஒருவேளை", r"இருக்கலாம்"),
        negation=(r"இல்லை|அல்ல",),
        bounded=False,
    ),
    "he": Lexicon(
        debunk=(
            r"שקר|שקרי|כוזב|מזויף|מזויפת|פייק",
            r"לא\s+נכון|אינו\s+נכון|אינה\s+נכונה|חסר\s+בסיס|מופרך",
            r"הטעיה|מטעה|מטעים",
            r"דיסאינפורמציה|מידע\s+כוזב",
            r"הכחיש|הכחישה|הכחישו|הפריך|הפריכה|הופרך",
            r"אין\s+(?:\S+\s+)?(?:ראיות|הוכחות|ראיה|הוכחה)",
            r"בדיקת\s+עובדות",
            r"מחוץ\s+להקשר",
            r"קונספירציה",
        ),
        report=(
            r"אמר|אמרה|אמרו",
            r"טען|טענה|טענו|לטענת",
            r"לדברי|לפי",
            r"דיווח|פורסם",
            r"הופץ|הופצה|שותף|ויראלי",
        ),
        hedge=(r"שמועה|שמועות", r"כביכול|לכאורה|ככל\s+הנראה", r"לא\s+מאומת"),
        negation=(r"(?<!\S)(?:לא|אין|אינו|אינה|מעולם)(?!\S)",),
        bounded=False,
    ),
    "vi": Lexicon(
        debunk=(
            r"sai\s+sự\s+thật|thông\s+tin\s+sai|tin\s+giả|giả\s+mạo",
            r"bịa\s+đặt|xuyên\s+tạc|bóp\s+méo",
            r"không\s+(?:đúng|chính\s+xác|có\s+thật)",
            r"sai\s+lệch|gây\s+hiểu\s+lầm",
            r"bác\s+bỏ|phủ\s+nhận|bác\s+tin",
            r"không\s+có\s+(?:\w+\s+)?bằng\s+chứng",
            r"kiểm\s+chứng|kiểm\s+tra\s+thông\s+tin",
            r"thuyết\s+âm\s+mưu",
            r"cắt\s+ghép",
        ),
        report=(
            r"cho\s+biết|nói|tuyên\s+bố",
            r"khẳng\s+định|cho\s+rằng",
            r"theo",
            r"đưa\s+tin|báo\s+cáo",
            r"lan\s+truyền|chia\s+sẻ",
        ),
        hedge=(r"tin\s+đồn", r"được\s+cho\s+là|có\s+thể", r"chưa\s+được\s+xác\s+nhận"),
        negation=(r"không|chưa|chẳng",),
    ),
    "fi": Lexicon(
        debunk=(
            r"valhe\w*|valehtel\w*",
            r"väär\w*|virheellin\w*",
            r"perätön|perättöm\w*",
            r"harhaanjohta\w*",
            r"disinformaati\w*|valeuuti\w*",
            r"kiist\w*|kumo(?:aa|si|ttu|ttiin|ttava)",
            r"ei\s+pidä\s+paikkaansa|ei\s+ole\s+totta",
            r"ei\s+(?:\w+\s+)?(?:näyttöä|todisteita)",
            r"faktantarkist\w*",
            r"asiayhteydestään",
            r"manipuloi\w*",
            r"salaliit\w*",
            r"myytti\w*",
        ),
        report=(
            r"sanoi|sanoo|sanovat",
            r"väit(?:tää|ti|tävät|etään|e|teen|teet)",
            r"mukaan",
            r"kertoi|kertoo|raportoi\w*",
            r"kirjoitti|kirjoittaa",
            r"levi\w*|jaettu\w*",
        ),
        hedge=(r"huhu\w*", r"väitetysti|kuulemma", r"vahvistamat\w*", r"ehkä|mahdollisesti"),
        negation=(r"ei|eivät|en|et|emme|ette|koskaan",),
    ),
    "tl": Lexicon(
        debunk=(
            r"peke|fake\s+news",
            r"hindi\s+totoo|walang\s+katotohanan",
            r"kasinungalingan|sinungaling",
            r"mapanlinlang|nakalilinlang",
            r"pinabulaanan|itinanggi|pinasinungalingan",
            r"walang\s+(?:\w+\s+)?(?:ebidensya|patunay)",
            r"fact[-\s]?check\w*",
            r"wala\s+sa\s+konteksto",
            r"gawa-gawa|inimbento",
        ),
        report=(
            r"sinabi|sabi",
            r"ayon\s+sa",
            r"iginiit|inihayag",
            r"iniulat",
            r"kumakalat|ibinahagi|viral",
        ),
        hedge=(r"tsismis|bali-balita", r"umano|diumano", r"maaaring|baka"),
        negation=(r"hindi|wala",),
    ),
    "sw": Lexicon(
        debunk=(
            r"uongo|uzushi",
            r"si\s+kweli|sio\s+kweli",
            r"feki|ghushi",  # not "bandia": also artificial (akili bandia)
            r"habari\s+za\s+uongo|habari\s+potofu",
            r"kupotosha|inapotosha|potofu",
            r"hakuna\s+(?:\w+\s+)?ushahidi",
            r"amekanusha|wamekanusha|alikanusha|kukanusha",
            r"uhakiki\s+wa\s+ukweli",
        ),
        report=(
            r"alisema|amesema|walisema|wanasema",
            r"kwa\s+mujibu\s+wa",
            r"alidai|wanadai|madai",
            r"imesambaa|kusambaa|kushirikiwa",
        ),
        hedge=(r"uvumi", r"inadaiwa|inasemekana", r"huenda|pengine"),
        negation=(r"si|hakuna|hapana|siyo|sio",),
    ),
    "hr": Lexicon(  # Croatian, and Bosnian and Serbian written in Latin letters
        debunk=(
            r"lažn\w*|laž|laži",
            r"neistin\w*|netočn\w*|netačn\w*",
            r"izmišljen\w*|fabricira\w*",
            r"obmanjuj\w*|zavaravaj\w*",
            r"dezinformacij\w*",
            r"demant\w*|opovrgnu\w*|negira\w*",
            r"nije\s+istina|nije\s+točno|nije\s+tačno",
            r"(?:nema|bez)\s+(?:\w+\s+)?dokaza",
            r"provjer\w*\s+činjenica|fact[-\s]?check\w*",
            r"izvučen\w*\s+iz\s+konteksta",
            r"manipulira\w*|manipulisa\w*",
            r"zavjer\w*|zaver\w*",
            r"mitovi|mitom",
        ),
        report=(
            r"rekao|rekla|rekli|kaže|kažu",
            r"tvrdi|tvrde|tvrdio|tvrdila",
            r"prema|navodi|navode",
            r"objavi\w*|izvijesti\w*",
            r"širi|šire|dijeli|dijele|kruži",
        ),
        hedge=(r"glasin\w*", r"navodno|tobože", r"nepotvrđen\w*", r"možda|vjerojatno|verovatno"),
        negation=(r"ne|nije|nisu|nema|nikad\w*|ništa",),
    ),
}
# Malay shares the Indonesian lexicon (its spelling variants are in it); Bosnian and
# Serbian in Latin letters the Croatian one.
LEXICONS["ms"] = LEXICONS["id"]
LEXICONS["bs"] = LEXICONS["sr"] = LEXICONS["hr"]


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
