"""Quotations and reported clauses in sentences written in other languages than English.

Every sentence here is written for the test, not taken from a dataset.
"""

import pytest

from models.claims_multilingual import reported_spans
from models.pipeline import claim_units


def _texts(sentence: str, language: str) -> list[str]:
    spans = reported_spans(sentence, language)
    for span in spans:
        assert sentence[span.start : span.end] == span.text
        assert span.claimant is None
    return [s.text for s in spans]


def test_spanish_verb_of_saying_reports_the_clause_to_the_end() -> None:
    sentence = "Varias publicaciones aseguran que el agua del grifo contiene restos de plástico."
    assert _texts(sentence, "es") == ["el agua del grifo contiene restos de plástico"]


def test_french_elided_complementiser_and_relative_introducer() -> None:
    assert _texts(
        "Des internautes affirment qu'une usine a fermé toutes ses portes hier soir.", "fr"
    ) == ["une usine a fermé toutes ses portes hier soir"]
    assert _texts(
        "Une rumeur selon laquelle le maire aurait vendu la mairie circule en ligne.", "fr"
    ) == ["le maire aurait vendu la mairie circule en ligne"]


def test_german_needs_dass_after_the_verb() -> None:
    assert _texts("Der Beitrag behauptet, dass die Brücke nächste Woche gesperrt wird.", "de") == [
        "die Brücke nächste Woche gesperrt wird"
    ]
    assert _texts("Der Minister sagte am Montag wenig über den Haushalt.", "de") == []


def test_russian_and_hindi_complements() -> None:
    assert _texts("В сети утверждают, что в городе закроют все школы до весны.", "ru") == [
        "в городе закроют все школы до весны"
    ]
    assert _texts("इसमें दावा किया गया है कि गर्म पानी पीने से वायरस खत्म हो जाता है।", "hi") == [
        "गर्म पानी पीने से वायरस खत्म हो जाता है"
    ]


def test_a_reported_clause_stops_at_the_next_verb_of_saying() -> None:
    sentence = (
        "Un vecino que asegura que conoce bien la zona dice que el puente nuevo se construyó "
        "sin cimientos de hormigón."
    )
    assert _texts(sentence, "es") == ["el puente nuevo se construyó sin cimientos de hormigón"]


def test_dutch_polish_romanian_and_indonesian_complements() -> None:
    assert _texts(
        "Het bericht beweert dat de gemeente alle parkeerplaatsen gaat sluiten.", "nl"
    ) == ["de gemeente alle parkeerplaatsen gaat sluiten"]
    assert _texts("Autor wpisu twierdzi, że rząd zamknie wszystkie szkoły w marcu.", "pl") == [
        "rząd zamknie wszystkie szkoły w marcu"
    ]
    assert _texts("Postarea susține că guvernul va interzice toate mașinile vechi.", "ro") == [
        "guvernul va interzice toate mașinile vechi"
    ]
    assert _texts(
        "Unggahan itu mengklaim bahwa air kelapa bisa menyembuhkan semua penyakit.", "id"
    ) == ["air kelapa bisa menyembuhkan semua penyakit"]


@pytest.mark.parametrize(
    ("language", "sentence", "clause"),
    [
        # Arabic puts the subject between the verb of saying and its "إن".
        (
            "ar",
            "قالت منشورات على مواقع التواصل إن الحكومة ستغلق جميع المدارس في مارس.",
            "الحكومة ستغلق جميع المدارس في مارس",
        ),
        (
            "sv",
            "Inlägget påstår att regeringen ska stänga alla skolor i mars.",
            "regeringen ska stänga alla skolor i mars",
        ),
        (
            "da",
            "Opslaget hævder, at regeringen vil lukke alle skoler i marts.",
            "regeringen vil lukke alle skoler i marts",
        ),
        (
            "no",
            "Innlegget hevder at regjeringen vil stenge alle skoler i mars.",
            "regjeringen vil stenge alle skoler i mars",
        ),
        (
            "cs",
            "Autor příspěvku tvrdí, že vláda v březnu zavře všechny školy.",
            "vláda v březnu zavře všechny školy",
        ),
        (
            "el",
            "Η ανάρτηση ισχυρίζεται ότι η κυβέρνηση θα κλείσει όλα τα σχολεία τον Μάρτιο.",
            "η κυβέρνηση θα κλείσει όλα τα σχολεία τον Μάρτιο",
        ),
        (
            "hu",
            "A bejegyzés azt állítja, hogy a kormány márciusban bezárja az összes iskolát.",
            "a kormány márciusban bezárja az összes iskolát",
        ),
        ("zh", "网帖声称，政府将在三月关闭所有学校。", "政府将在三月关闭所有学校"),
        ("th", "โพสต์อ้างว่ารัฐบาลจะปิดโรงเรียนทั้งหมดในเดือนมีนาคม", "รัฐบาลจะปิดโรงเรียนทั้งหมดในเดือนมีนาคม"),
        (
            "fa",
            "کاربران ادعا کردند که دولت همه مدارس را در ماه مارس تعطیل می‌کند.",
            "دولت همه مدارس را در ماه مارس تعطیل می‌کند",
        ),
        (
            "ur",
            "پوسٹ میں دعویٰ کیا گیا ہے کہ حکومت مارچ میں تمام اسکول بند کر دے گی۔",
            "حکومت مارچ میں تمام اسکول بند کر دے گی",
        ),
        (
            "bn",
            "পোস্টে দাবি করা হয়েছে যে সরকার মার্চে সব স্কুল বন্ধ করে দেবে।",
            "সরকার মার্চে সব স্কুল বন্ধ করে দেবে",
        ),
    ],
)
def test_complements_in_more_languages(language: str, sentence: str, clause: str) -> None:
    assert _texts(sentence, language) == [clause]


def test_a_chinese_verb_of_saying_needs_its_comma() -> None:
    # "称" also writes "name" and "call": without the comma or colon it opens nothing.
    assert _texts("这种病毒被称为新型冠状病毒，已经在全球传播。", "zh") == []


def test_quotations_in_any_script() -> None:
    assert _texts("Le message dit : « la banque fermera tous les comptes lundi ».", "fr") == [
        "la banque fermera tous les comptes lundi"
    ]
    assert _texts("Im Netz heißt es: „Die Regierung verbietet ab Mai alle Grills.“", "de") == [
        "Die Regierung verbietet ab Mai alle Grills"
    ]
    assert _texts("投稿には「政府が来月から全ての銀行口座を凍結する」と書かれていた。", "ja") == [
        "政府が来月から全ての銀行口座を凍結する"
    ]


def test_short_repeated_or_whole_sentence_spans_are_left_out() -> None:
    assert _texts("Er sagte: „Das ist falsch.“", "de") == []
    # The quotation and the reported clause say the same: one span.
    assert _texts('El vídeo asegura que "el puente se cayó por el viento del norte".', "es") == [
        "el puente se cayó por el viento del norte"
    ]
    assert _texts("«Todo el pescado del río está contaminado por la fábrica.»", "es") == []
    # No complement patterns for a language without them: quotations only.
    assert _texts("Ajánlják, hogy a híd jövő héten zárva lesz egész nap.", "hu") == []


def test_claim_units_add_the_spans_after_their_sentence() -> None:
    text = (
        "Una imagen circula en redes sociales. "
        "Sus autores aseguran que el gobierno prohibirá las bicicletas en toda la ciudad."
    )
    _, units = claim_units(text, language="es")
    assert [(u.text, u.is_span) for u in units] == [
        ("Una imagen circula en redes sociales.", False),
        ("Sus autores aseguran que el gobierno prohibirá las bicicletas en toda la ciudad.", False),
        ("el gobierno prohibirá las bicicletas en toda la ciudad", True),
    ]
    span = units[2]
    assert text[span.start : span.end] == span.text
    assert span.sentence is units[1].sentence


def test_headlines_and_posts_without_a_stop_are_claims_in_any_language() -> None:
    text = (
        "Faktencheck: Nein, die Regierung verbietet keine Fahrräder\n"
        "Nutzer behaupten, dass die Regierung alle Fahrräder in der Stadt verbieten wird."
    )
    _, units = claim_units(text, language="de")
    assert [(u.text, u.is_span) for u in units] == [
        ("Faktencheck: Nein, die Regierung verbietet keine Fahrräder", False),
        ("Nutzer behaupten, dass die Regierung alle Fahrräder in der Stadt verbieten wird.", False),
        ("die Regierung alle Fahrräder in der Stadt verbieten wird", True),
    ]
    # A one-line post with no final stop, its reported clause after it.
    post = "Usuarios aseguran que el gobierno prohibirá las bicicletas en toda la ciudad"
    _, units = claim_units(post, language="es")
    assert [(u.text, u.is_span) for u in units] == [
        (post, False),
        ("el gobierno prohibirá las bicicletas en toda la ciudad", True),
    ]
    assert units[1].sentence is units[0].sentence
    # Japanese has no spaces: its words are counted by characters.
    _, units = claim_units("政府が全国の自転車を禁止するという投稿が拡散している", language="ja")
    assert len(units) == 1
    # A short line is page furniture, as in English.
    assert claim_units("Noticias de hoy", language="es")[1] == []


def test_a_quotation_loses_the_sentence_end_of_its_script() -> None:
    # Armenian's full stop ։ and Burmese's ။ end sentences as "." does: a claim quoted
    # with them is the same claim without them.
    armenian = reported_spans("Նա ասաց. «Պատվաստումները վտանգավոր են բոլոր երեխաների համար։»", "hy")
    assert [s.text for s in armenian] == ["Պատվաստումները վտանգավոր են բոլոր երեխաների համար"]
