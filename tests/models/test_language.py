import pytest

from models.language import (
    MIN_SENTENCE_CHARS,
    detect_language,
    guess_language,
    language_code,
    sentence_language,
)

SPANISH = (
    "El gobierno anunció ayer que los precios de la electricidad subirán un veinte por ciento "
    "durante el próximo invierno, según el ministerio de energía."
)
HINDI = "एक मैसेज में दावा किया जा रहा है कि गर्म पानी पीने से कोरोनावायरस खत्म हो जाता है।"
JAPANESE = "カタールは世界への液化天然ガスの供給を止めることも辞さないと言った。"


def test_articles_in_several_scripts() -> None:
    assert detect_language(SPANISH) == "es"
    assert detect_language(HINDI) == "hi"
    assert detect_language(JAPANESE) == "ja"
    assert detect_language("The council spent four million pounds on a bridge.") == "en"


def test_no_letters_is_undetermined_and_falls_back() -> None:
    assert guess_language("12 345 — 67%").code == "und"
    assert detect_language("12 345 — 67%") == "en"
    assert detect_language("12 345", default="de") == "de"


def test_a_short_sentence_takes_its_articles_language() -> None:
    short = "Vaccines cause autism"
    assert len(short) < MIN_SENTENCE_CHARS
    assert sentence_language(short, "es") == "es"
    assert sentence_language("¡No!", "es") == "es"


def test_a_long_clear_sentence_keeps_its_own_language() -> None:
    quote = "The minister said that the figures published last week were completely wrong."
    assert sentence_language(quote, "de") == "en"
    assert sentence_language(SPANISH, "en") == "es"


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("en", "en"),
        (" EN ", "en"),
        ("en-US", "en"),
        ("pt_BR", "pt"),
        ("zh-Hant-TW", "zh"),
        ("es-419", "es"),
        ("eng", "en"),
        ("ger", "de"),
        ("iw", "he"),  # deprecated code, as old feeds write Hebrew
        ("tl", "tl"),  # kept as the detector gives it, not widened to "fil"
        ("English", "en"),
        ("spanish", "es"),
        ("Español", "es"),
        ("Deutsch", "de"),
        ("日本語", "ja"),
    ],
)
def test_a_language_label_is_read_as_its_iso_code(label: str, code: str) -> None:
    assert language_code(label) == code


@pytest.mark.parametrize(
    "label", ["", "  ", "zz", "zz-bogus", "jp", "ua", "x", "und", "mul", "123"]
)
def test_a_label_naming_no_language_gives_none(label: str) -> None:
    assert language_code(label) is None
