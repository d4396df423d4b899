"""Text hygiene for request fields: refuse what cannot be processed, normalise the rest.

Policy (documented in the README):

- NUL characters and unpaired UTF-16 surrogates (``"\\ud800"`` escapes in JSON) are
  refused with a 422 naming the offset: neither can be encoded as UTF-8 nor analysed.
- Other control characters are replaced one for one, so offsets into the normalised text
  are offsets into the submitted text: line-like ones (vertical tab, form feed, the
  separators U+001C-U+001E, NEL, U+2028, U+2029) become ``"\\n"``, the rest (C0, DEL, C1)
  a space. Tab, line feed and carriage return are kept.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, StringConstraints

from models.language import language_code

_SURROGATE = re.compile("[\ud800-\udfff]")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_LINE_LIKE = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_CONTROL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


def refuse_unencodable(value: str) -> str:
    """Raise ``ValueError`` for NUL characters or unpaired surrogates; return ``value``."""
    nul = value.find("\x00")
    if nul >= 0:
        raise ValueError(f"contains NUL characters (first at offset {nul}); send plain text")
    surrogate = _SURROGATE.search(value)
    if surrogate:
        raise ValueError(
            f"contains an unpaired UTF-16 surrogate at offset {surrogate.start()}; "
            "send valid Unicode"
        )
    return value


def _replace(match: re.Match[str]) -> str:
    return "\n" if match.group() in _LINE_LIKE else " "


def normalise_controls(value: str) -> str:
    """Replace control characters other than tab, LF and CR one for one (see module doc)."""
    return _CONTROL.sub(_replace, value)


def storable_text(value: str) -> str:
    """``value`` with NUL, unpaired surrogates and the other control characters replaced one
    for one (as ``normalise_controls``): for text from elsewhere (a feed's titles, a search
    box) that is stored or looked up rather than refused."""
    return normalise_controls(_UNSTORABLE.sub(" ", value))


def plain_text(value: str) -> str:
    """``storable_text`` on one line: white space runs collapsed to one space, ends trimmed
    (a search box, a filter, a feed entry's title)."""
    return " ".join(storable_text(value).split())


def clean_text(value: str) -> str:
    """``refuse_unencodable`` then ``normalise_controls``."""
    return normalise_controls(refuse_unencodable(value))


# A request string that is valid Unicode and free of stray control characters.
CleanStr = Annotated[str, AfterValidator(clean_text)]
# A request string that must only be encodable (URLs, names and filters used as given).
EncodableStr = Annotated[str, AfterValidator(refuse_unencodable)]


def language_label(value: str) -> str:
    """The ISO 639 code of the language ``value`` names (``models.language.language_code``:
    "en-US", "eng" and "English" all give "en"); ``ValueError`` when it names none."""
    code = language_code(refuse_unencodable(value))
    if code is None:
        raise ValueError(
            f"{value[:40]!r} names no language: give an ISO 639 code such as 'en' or 'pt', a "
            "BCP 47 tag such as 'pt-BR', or a language's name"
        )
    return code


# A language as a request names it, read as its ISO 639 code.
LanguageStr = Annotated[str, StringConstraints(max_length=35), AfterValidator(language_label)]


def _blank_as_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


# An optional language (a filter, an analysis's restriction): left blank, none is given.
OptionalLanguageStr = Annotated[LanguageStr | None, BeforeValidator(_blank_as_none)]
