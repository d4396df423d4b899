"""Query cleaning: what is taken off a claim before lexical search and features
(URLs, tweet signatures, retweet prefixes, lead-ins; hashtags and handles become words).
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

_URL = re.compile(r"(?:https?://|www\.|pic\.twitter\.com/)\S*", re.IGNORECASE)


# "— Name (@handle) January 14, 2020" at the end of an embedded tweet. It is tried only
# where its run of spaces and of dashes begins (a match from inside them would start
# earlier), with possessive runs, so a long run of either is read once, not per position.
_TWEET_SIGNATURE = re.compile(
    r"(?<!\s)\s*+(?<![—–-])[—–-]++\s*+([^—–]{0,80}?)\s*+\(@\w+\)\s*+"
    r"(?:[A-Z][a-z]+\.? \d{1,2}, \d{4})?+\W*+$"
)


_RETWEET = re.compile(r"^\s*RT\s+@\w+:?\s*")


_HANDLE = re.compile(r"@(\w+)")


_HASHTAG = re.compile(r"#(\w+)")


_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")


_LEAD_IN = re.compile(
    r"^\s*(?:BREAKING(?: NEWS)?|JUST IN|WATCH|UPDATE|VIDEO|PHOTOS?|FACT CHECK|EXCLUSIVE)"
    r"\s*[:!|-]\s*",
    re.IGNORECASE,
)


_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=8192)
def clean_query(text: str) -> str:
    """Strip social-media and news furniture from a claim before retrieval.

    Removes URLs, the handle and date of an embedded tweet's "— Name (@handle) date"
    signature (the author's name is kept: who said it helps find the fact-check), a
    retweet prefix and "BREAKING:"-style lead-ins; turns ``#CamelCaseTags`` and ``@handles`` into
    words; unescapes HTML entities. Text without such furniture comes back unchanged
    apart from white space. Cached: the lexical stage and the re-ranker both clean each of
    an article's texts.
    """
    cleaned = html.unescape(text)
    cleaned = _URL.sub(" ", cleaned)
    cleaned = _TWEET_SIGNATURE.sub(lambda m: f" — {m.group(1)}" if m.group(1) else "", cleaned)
    cleaned = _RETWEET.sub("", cleaned)
    cleaned = _LEAD_IN.sub("", cleaned)
    cleaned = _HASHTAG.sub(lambda m: " " + _CAMEL.sub(" ", m.group(1)), cleaned)
    cleaned = _HANDLE.sub(lambda m: _CAMEL.sub(" ", m.group(1)), cleaned)
    cleaned = _SPACES.sub(" ", cleaned).strip()
    return cleaned or _SPACES.sub(" ", text).strip()
