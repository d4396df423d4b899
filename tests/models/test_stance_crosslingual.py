import json
from pathlib import Path

import pytest

from models.encoders.cross_encoder import artifact_paths
from models.stance import Stance, StanceModel
from models.stance.crosslingual import (
    ANY_LANGUAGE,
    CROSSLINGUAL_ARTIFACT,
    CUE_FEATURES,
    LEXICONS,
    cue_features,
    cue_patterns,
    cue_stance,
)

CLAIM = "A child died in Germany from wearing a mask."
SPANISH_DEBUNK = (
    "En redes sociales circula un mensaje según el cual un niño murió en Alemania por llevar "
    "mascarilla. Es falso: no hay ninguna prueba de esa muerte y la fiscalía lo desmintió."
)
GERMAN_DEBUNK = (
    "Im Netz heißt es, ein Kind sei in Deutschland an einer Maske gestorben. Das ist falsch: "
    "Die Staatsanwaltschaft hat keine Belege dafür gefunden."
)
SPANISH_ASSERTION = "Un niño murió en Alemania por llevar mascarilla durante horas en la escuela."
GERMAN_ASSERTION = "Ein Kind ist in Deutschland gestorben, weil es stundenlang eine Maske trug."
ENGLISH = [
    (
        "It comes after a false claim that Scots were warned not to pray in their own home "
        "if they live in an abortion buffer zone went viral.",
        "Scots living in abortion buffer zones were warned not to pray in their own homes.",
    ),
    (
        "Social media users claimed that a child died in Germany from wearing a mask.",
        CLAIM,
    ),
    ("A child died in Germany from wearing a mask at school.", CLAIM),
]


@pytest.fixture(scope="module")
def stance_model() -> StanceModel:
    return StanceModel()


def test_every_lexicon_has_the_four_cue_sets() -> None:
    assert {"en", "de", "fr", "es", "pt", "ar", "ru", "hi", "it", "ja", "gu", "uk", "bg"} <= set(
        LEXICONS
    )
    for code, lexicon in LEXICONS.items():
        assert lexicon.debunk and lexicon.report and lexicon.hedge and lexicon.negation, code


def test_cues_are_read_in_the_text_language() -> None:
    assert cue_stance("Das ist frei erfunden.", "de") is Stance.DEBUNKS
    assert cue_stance("C'est faux, aucune preuve ne le montre.", "fr") is Stance.DEBUNKS
    assert cue_stance("Это фейк.", "ru") is Stance.DEBUNKS
    assert cue_stance("यह दावा फर्जी है।", "hi") is Stance.DEBUNKS
    assert cue_stance("Segundo o ministro, a vacina foi aprovada.", "pt") is Stance.REPORTS
    assert cue_stance("La vacuna fue aprobada ayer.", "es") is Stance.ASSERTS
    # Latin and Cyrillic cues match whole words: "nie" is not inside "Niederlande".
    negations = CUE_FEATURES.index("negations")
    assert cue_features("Die Niederlande gewannen.", CLAIM, "de")[negations] == 0.0
    assert cue_features("Er kam nie.", CLAIM, "de")[negations] == 1.0


def test_a_language_without_a_lexicon_reads_every_lexicon() -> None:
    assert cue_patterns("lv").debunk.pattern == cue_patterns(ANY_LANGUAGE).debunk.pattern
    assert cue_patterns("lv").debunk.search("Das ist falsch.")


# (language, a report, a debunk, a plain statement), written for the test.
MORE_LANGUAGES = [
    (
        "nl",
        "Op sociale media wordt beweerd dat de school sluit.",
        "Dat klopt niet.",
        "De school sluit.",
    ),
    (
        "pl",
        "W sieci krąży twierdzenie, że szkoła zostanie zamknięta.",
        "To nieprawda.",
        "Szkoła zostanie zamknięta.",
    ),
    (
        "ro",
        "Pe rețele circulă afirmația că școala se închide.",
        "Afirmația este falsă.",
        "Școala se închide.",
    ),
    (
        "id",
        "Di media sosial beredar klaim bahwa sekolah ditutup.",
        "Klaim itu tidak benar.",
        "Sekolah ditutup.",
    ),
    (
        "sv",
        "Det påstås på sociala medier att skolan stänger.",
        "Det stämmer inte.",
        "Skolan stänger.",
    ),
    ("da", "Det hævdes på sociale medier, at skolen lukker.", "Det passer ikke.", "Skolen lukker."),
    (
        "no",
        "Det hevdes på sosiale medier at skolen stenger.",
        "Det stemmer ikke.",
        "Skolen stenger.",
    ),
    (
        "tr",
        "Sosyal medyada okulun kapanacağı iddia ediliyor.",
        "Bu iddia doğru değil.",
        "Okul kapanacak.",
    ),
    ("cs", "Na sítích koluje tvrzení, že škola zavře.", "To není pravda.", "Škola zavře."),
    ("sk", "Na sieťach sa šíri tvrdenie, že škola zatvorí.", "To nie je pravda.", "Škola zatvorí."),
    (
        "el",
        "Κυκλοφορεί ο ισχυρισμός ότι το σχολείο κλείνει.",
        "Αυτό δεν ισχύει.",
        "Το σχολείο κλείνει.",
    ),
    ("hu", "Terjed az állítás, hogy az iskola bezár.", "Ez nem igaz.", "Az iskola bezár."),
    ("zh", "网帖声称学校将关闭。", "这一说法是错误的。", "学校将关闭。"),
    (
        "ko",
        "학교가 문을 닫는다는 주장이 퍼지고 있다.",
        "이는 사실이 아니다.",
        "학교가 문을 닫는다.",
    ),
    ("th", "มีการแชร์ข้อความอ้างว่าโรงเรียนจะปิด", "ข้อมูลนี้ไม่เป็นความจริง", "โรงเรียนจะปิด"),
    (
        "fa",
        "در شبکه‌ها ادعا شده است که مدرسه تعطیل می‌شود.",
        "این ادعا نادرست است.",
        "مدرسه تعطیل می‌شود.",
    ),
    (
        "ur",
        "دعویٰ کیا جا رہا ہے کہ اسکول بند ہو جائے گا۔",
        "یہ دعویٰ غلط ہے۔",
        "اسکول بند ہو جائے گا۔",
    ),
    ("bn", "দাবি করা হচ্ছে যে স্কুল বন্ধ হবে।", "এই দাবি মিথ্যা।", "স্কুল বন্ধ হবে।"),
    ("ta", "பள்ளி மூடப்படும் என்று கூறப்படுகிறது.", "இந்த தகவல் பொய்.", "பள்ளி மூடப்படும்."),
    ("he", "ברשתות החברתיות טענו שבית הספר ייסגר.", "זה לא נכון.", "בית הספר ייסגר."),
    (
        "vi",
        "Trên mạng lan truyền thông tin rằng trường học sẽ đóng cửa.",
        "Thông tin này không đúng.",
        "Trường học sẽ đóng cửa.",
    ),
    (
        "fi",
        "Sosiaalisessa mediassa väitetään, että koulu suljetaan.",
        "Väite ei pidä paikkaansa.",
        "Koulu suljetaan.",
    ),
    (
        "tl",
        "Kumakalat sa social media na isasara ang paaralan.",
        "Hindi totoo ito.",
        "Isasara ang paaralan.",
    ),
    (
        "sw",
        "Kwa mujibu wa mitandao ya kijamii, shule itafungwa.",
        "Hii si kweli.",
        "Shule itafungwa.",
    ),
    (
        "hr",
        "Na mrežama kruži tvrdnja da će škola biti zatvorena.",
        "To nije istina.",
        "Škola će biti zatvorena.",
    ),
]


@pytest.mark.parametrize(("language", "report", "debunk", "plain"), MORE_LANGUAGES)
def test_more_languages_read_reports_debunks_and_plain_statements(
    language: str, report: str, debunk: str, plain: str
) -> None:
    assert language in LEXICONS
    assert cue_stance(report, language) is Stance.REPORTS
    assert cue_stance(debunk, language) is Stance.DEBUNKS
    assert cue_stance(plain, language) is Stance.ASSERTS


def test_no_lexicon_reads_english_words_as_debunking() -> None:
    # A claim is read with every lexicon; another language's cue must not be an English
    # word or the start of one.
    claim = (
        "MIT found the nephew in Nepal was manipulating the vote, usando nothing; "
        "the minister said it was a fake."
    )
    found = [m.group() for m in cue_patterns(ANY_LANGUAGE).debunk.finditer(claim)]
    assert found == ["fake"]


def test_features_follow_the_claim_polarity() -> None:
    plain = dict(zip(CUE_FEATURES, cue_features("Es falso.", CLAIM, "es"), strict=True))
    hoax_claim = "The story that a child died from a mask is a hoax."
    agreeing = dict(zip(CUE_FEATURES, cue_features("Es falso.", hoax_claim, "es"), strict=True))
    assert plain["debunk_cues"] == agreeing["debunk_cues"] == 1.0
    assert plain["debunk_cues_not_in_claim"] == 1.0 and plain["claim_debunk_cues"] == 0.0
    assert agreeing["debunk_cues_not_in_claim"] == 0.0 and agreeing["claim_debunk_cues"] == 1.0


def test_the_packaged_head_reads_the_features_this_code_computes(
    stance_model: StanceModel,
) -> None:
    assert stance_model.crosslingual is not None
    assert stance_model.crosslingual.inputs == CUE_FEATURES
    card = json.loads(artifact_paths(CROSSLINGUAL_ARTIFACT)[1].read_text(encoding="utf-8"))
    assert "FNC-1" in card["card"]["data"]
    assert card["card"]["metrics"]["test_balanced_related_given"]["n"] > 300


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        (SPANISH_DEBUNK, "es", Stance.DEBUNKS),
        (GERMAN_DEBUNK, "de", Stance.DEBUNKS),
        (SPANISH_ASSERTION, "es", Stance.ASSERTS),
        (GERMAN_ASSERTION, "de", Stance.ASSERTS),
    ],
)
def test_non_english_text_is_read_across_languages(
    stance_model: StanceModel, text: str, language: str, expected: Stance
) -> None:
    reading = stance_model.read_many([(text, CLAIM)], related=True, languages=[language])[0]
    assert reading.stance is expected
    assert reading.learned
    assert reading.probabilities[Stance.UNRELATED] == 0.0
    assert sum(reading.probabilities.values()) == pytest.approx(1.0, abs=1e-3)
    assert reading.evidence is not None
    assert text[reading.evidence.start : reading.evidence.end] == reading.evidence.sentence


def test_the_deciding_sentence_of_a_debunk_holds_its_cue(stance_model: StanceModel) -> None:
    reading = stance_model.read_many([(GERMAN_DEBUNK, CLAIM)], languages=["de"])[0]
    assert reading.evidence is not None
    assert reading.evidence.sentence.startswith("Das ist falsch")


def test_without_its_artefact_the_rule_reader_reads_across_languages(tmp_path: Path) -> None:
    model = StanceModel(directory=tmp_path)
    pairs = [(SPANISH_DEBUNK, CLAIM), (GERMAN_ASSERTION, CLAIM)]
    readings = model.read_many(pairs, related=True, languages=["es", "de"])
    assert [r.stance for r in readings] == [Stance.DEBUNKS, Stance.ASSERTS]
    assert not any(r.learned for r in readings)


def test_english_readings_do_not_change_with_languages(stance_model: StanceModel) -> None:
    before = stance_model.read_many(ENGLISH, evidence=False, related=True)
    assert [r.stance for r in before] == [Stance.DEBUNKS, Stance.REPORTS, Stance.ASSERTS]
    said_english = stance_model.read_many(
        ENGLISH, evidence=False, related=True, languages=["en", None, "en"]
    )
    # English pairs in a batch with a foreign one are read as when alone, in their places.
    mixed = stance_model.read_many(
        [ENGLISH[0], (SPANISH_DEBUNK, CLAIM), *ENGLISH[1:]],
        evidence=False,
        related=True,
        languages=["en", "es", "en", "en"],
    )
    assert said_english == before
    assert [mixed[0], *mixed[2:]] == before
    assert mixed[1].stance is Stance.DEBUNKS


def test_languages_must_match_the_pairs(stance_model: StanceModel) -> None:
    with pytest.raises(ValueError, match="languages"):
        stance_model.read_many(ENGLISH, languages=["es"])


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("id", "Salah satu pejabat menutup sekolah."),  # "salah satu": one of
        ("tr", "Haber resmi kaynaklarca teyit edildi."),  # "teyit": confirmed
        ("cs", "Je to tvrdý zákon."),  # "tvrdý": hard, not "tvrdí": claims
        ("ro", "Infirmiera a venit la spital."),  # a nurse, not "infirmat": refuted
        ("fi", "Kumous alkoi keväällä."),  # a revolution, not "kumosi": refuted
        ("ko", "트럼프 부인 멜라니아가 정원을 가꿨다."),  # "부인": wife, not "부인했다": denied
        ("ro", "Telefonul a fost fabricat în China."),  # "fabricat": manufactured
        ("id", "Rekayasa genetika membantu petani."),  # "rekayasa": engineering
        ("cs", "Musíme si mýt ruce."),  # "mýt": to wash
        ("sk", "Mýto na diaľnici stúpne."),  # "mýto": a toll
        ("bn", "জেলেরা জাল ফেলেছে।"),  # "জাল": a (fishing) net
        ("sw", "Akili bandia inakua haraka."),  # "bandia": artificial
    ],
)
def test_common_words_that_look_like_cues_are_not(language: str, text: str) -> None:
    assert cue_stance(text, language) is Stance.ASSERTS
