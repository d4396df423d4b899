"""Lexical profiles of texts (tokens, numbers, capitalised words), stored beside each
fact-check, and the overlap table that counts what an article's queries share with them.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from models.matching import (
    FactCheckRecord,
    lexical_tokens,
)

_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


# Capitalised words; the ones opening the text or a sentence are dropped in ``_capitalised``
# (checking the two characters before each match is twice as fast as look-behinds
# evaluated at every position).
_CAPITALISED = re.compile(r"\b[A-Z][a-zA-Z]+")


@dataclass(frozen=True, slots=True)
class _TextProfile:
    tokens: frozenset[str]
    numbers: frozenset[str]
    capitals: frozenset[str]
    words: int


@lru_cache(maxsize=100_000)
def _profile(text: str) -> _TextProfile:
    """What the overlap features need from a text; cached, as fact-checks recur across queries."""
    return _make_profile(text, lexical_tokens(text))


# Bump when the profile's code changes in a way the patterns below do not show.
_PROFILE_REVISION = 1


_PROFILE_SEPARATOR = "\x1f"


@lru_cache(maxsize=1)
def profile_version() -> str:
    """Fingerprint of everything a stored profile depends on: the tokeniser, stop words,
    stemmer, number and name patterns. A profile stored under another version is ignored."""
    import hashlib
    from importlib import metadata

    from models import matching

    parts = (
        str(_PROFILE_REVISION),
        matching._TOKEN.pattern,
        matching._STOPWORD_TEXT,
        # The installed PyStemmer's version string. (``Stemmer.version`` is a function:
        # formatted as it was, the fingerprint held its address and changed in every
        # process, so no process ever accepted a profile another one had stored.)
        metadata.version("PyStemmer"),
        _NUMBER.pattern,
        _CAPITALISED.pattern,
    )
    return "p" + hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:10]


def lexical_profile(text: str) -> str:
    """The lexical profile of a fact-check's claim, serialised for storage beside its
    embedding: its ``lexical_tokens`` (repeats kept, for BM25), numbers, capitalised names
    and word count. Reading it back (``read_lexical_profile``) costs a tenth of computing it,
    which matters where every query meets claims not seen before (PostgreSQL, index loads).
    """
    tokens = lexical_tokens(text)
    return _PROFILE_SEPARATOR.join(
        (
            profile_version(),
            " ".join(tokens),
            " ".join(sorted(_numbers(text))),
            " ".join(sorted(_capitalised(text))),
            str(max(1, len(text.split()))),
        )
    )


@dataclass(frozen=True, slots=True)
class StoredProfile:
    """A stored lexical profile read back: the BM25 tokens and the overlap features' sets."""

    tokens: list[str]
    profile: _TextProfile


def read_lexical_profile(stored: str | None) -> StoredProfile | None:
    """Parse ``lexical_profile``'s output; None when absent, malformed or of another version."""
    if not stored:
        return None
    parts = stored.split(_PROFILE_SEPARATOR)
    if len(parts) != 5 or parts[0] != profile_version() or not parts[4].isdigit():
        return None
    tokens = parts[1].split()
    return StoredProfile(
        tokens,
        _TextProfile(
            tokens=frozenset(tokens),
            numbers=frozenset(parts[2].split()),
            capitals=frozenset(parts[3].split()),
            words=int(parts[4]),
        ),
    )


def record_profile(record: FactCheckRecord) -> _TextProfile:
    """The overlap profile of a record's claim: its stored one when valid, else computed."""
    stored = _stored_profile(record.profile) if record.profile else None
    return stored if stored is not None else _profile(record.claim)


@lru_cache(maxsize=20_000)
def _stored_profile(stored: str) -> _TextProfile | None:
    """``read_lexical_profile``'s overlap sets, cached: an article's claims share many
    candidates, each read back once per claim (~1,900 reads a 40-sentence article)."""
    parsed = read_lexical_profile(stored)
    return parsed.profile if parsed is not None else None


def _make_profile(text: str, tokens: list[str]) -> _TextProfile:
    """``_profile`` of ``text`` whose ``lexical_tokens`` are already known."""
    return _TextProfile(
        tokens=frozenset(tokens),
        numbers=frozenset(_numbers(text)),
        capitals=frozenset(_capitalised(text)),
        words=max(1, len(text.split())),
    )


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def _capitalised(text: str) -> set[str]:
    """Lower-cased capitalised words, except at the start of the text or of a sentence."""
    names: set[str] = set()
    for match in _CAPITALISED.finditer(text):
        start = match.start()
        if start == 0 or (start >= 2 and text[start - 2] in ".!?" and text[start - 1].isspace()):
            continue
        names.add(match.group().lower())
    return names


def _hashes(values: frozenset[str]) -> list[int]:
    return [hash(v) for v in values]


class OverlapTable:
    """The overlap features' word, number and name sets of a whole corpus, as flat arrays.

    ``pair_features`` needs, for every candidate, how many stems, numbers and capitalised
    names it shares with the query. Computing a fact-check's sets costs ~10 us, and an
    article meets a thousand new fact-checks at 100k; a backend holding its corpus in memory
    builds this table once per corpus instead (about 10 us a record; ~40 bytes a record),
    and a query's counts for all its candidates are then a few numpy operations. Set
    members are stored as Python string hashes, compared within the process only.

    Args:
        ids: Fact-check ids.
        texts: Their claim texts, ``texts[i]`` for ``ids[i]``.
        tokens: ``lexical_tokens`` of each text when already computed (the BM25 index
            needs them too); None tokenises here.
        profiles: Each text's profile when already known (read from storage); None (or a
            None entry) computes it from the text and its tokens.
    """

    def __init__(
        self,
        ids: npt.NDArray[np.int64],
        texts: Sequence[str],
        tokens: Sequence[list[str]] | None = None,
        profiles: Sequence[_TextProfile | None] | None = None,
    ) -> None:
        order = np.argsort(ids, kind="stable")
        self._sorted_ids = ids[order]
        self._rows = order
        words = array("d")
        lengths = [array("q") for _ in range(3)]
        members = [array("q") for _ in range(3)]
        if tokens is None:
            tokens = [lexical_tokens(t) for t in texts]
        if profiles is None:
            profiles = [None] * len(texts)
        for text, text_tokens, known in zip(texts, tokens, profiles, strict=True):
            profile = known if known is not None else _make_profile(text, text_tokens)
            words.append(profile.words)
            for length, member, values in zip(
                lengths,
                members,
                (profile.tokens, profile.numbers, profile.capitals),
                strict=True,
            ):
                length.append(len(values))
                member.extend(_hashes(values))
        self._words = np.frombuffer(words, dtype=np.float64)
        self._sets: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]] = []
        for length, member in zip(lengths, members, strict=True):
            indptr = np.zeros(len(length) + 1, dtype=np.int64)
            np.cumsum(np.frombuffer(length, dtype=np.int64), out=indptr[1:])
            self._sets.append((indptr, np.frombuffer(member, dtype=np.int64)))

    def __len__(self) -> int:
        return int(self._sorted_ids.shape[0])

    def rows(self, ids: Sequence[int]) -> npt.NDArray[np.int64]:
        """The table row of each id; -1 where the id is not in the table."""
        wanted = np.asarray(ids, dtype=np.int64)
        if not len(self):
            return np.full(wanted.shape[0], -1, dtype=np.int64)
        place = np.minimum(np.searchsorted(self._sorted_ids, wanted), len(self) - 1)
        return np.where(self._sorted_ids[place] == wanted, self._rows[place], -1)

    def counts(
        self,
        queries: Sequence[_TextProfile],
        query_of: npt.NDArray[np.int64],
        records: Sequence[FactCheckRecord],
    ) -> npt.NDArray[np.float64]:
        """Overlap counts of many (query, record) pairs: pair ``j`` is ``records[j]`` against
        ``queries[query_of[j]]``. A ``pairs x 7`` array of shared stems, stems, shared
        numbers, numbers, shared names, names and words (see ``pair_features``). Records
        missing from the table are profiled on the spot."""
        n = len(records)
        rows = self.rows([r.id for r in records])
        known = rows >= 0
        counts = np.empty((n, 7), dtype=np.float64)
        present, owner = rows[known], query_of[known]
        for column, (name, (indptr, values)) in enumerate(
            zip(("tokens", "numbers", "capitals"), self._sets, strict=True)
        ):
            starts = indptr[present]
            lengths = indptr[present + 1] - starts
            segment = np.repeat(np.arange(present.shape[0]), lengths)
            flat = np.arange(int(lengths.sum())) + np.repeat(
                starts - (np.cumsum(lengths) - lengths), lengths
            )
            # Membership per pair's own query in one isin: each member is keyed by its
            # query (hash plus the query's number times an odd constant, mod 2**64).
            wanted = np.fromiter(
                (
                    _key(h, number)
                    for number, query in enumerate(queries)
                    for h in _hashes(getattr(query, name))
                ),
                dtype=np.uint64,
            )
            keys = values[flat].view(np.uint64) + owner[segment].astype(np.uint64) * _QUERY_KEY
            hits = np.isin(keys, wanted).astype(np.float64)
            counts[known, 2 * column] = np.bincount(
                segment, weights=hits, minlength=present.shape[0]
            )
            counts[known, 2 * column + 1] = lengths
        counts[known, 6] = self._words[present]
        for position in np.flatnonzero(~known).tolist():
            counts[position] = _overlap_counts(
                queries[int(query_of[position])], record_profile(records[position])
            )
        return counts


# An odd 64-bit constant (the golden ratio's), so that query number times it never
# cancels between two different queries.
_QUERY_KEY = np.uint64(0x9E3779B97F4A7C15)


def _key(member_hash: int, query_number: int) -> int:
    return (member_hash + query_number * int(_QUERY_KEY)) % (1 << 64)


@runtime_checkable
class OverlapSource(Protocol):
    """A fact-check source that keeps an ``OverlapTable`` of its corpus."""

    def overlap_table(self) -> OverlapTable | None:
        """The table of the records currently searched, if built."""
        ...


def _overlap_counts(query: _TextProfile, record: _TextProfile) -> tuple[int, ...]:
    return (
        len(record.tokens & query.tokens),
        len(record.tokens),
        len(record.numbers & query.numbers),
        len(record.numbers),
        len(record.capitals & query.capitals),
        len(record.capitals),
        record.words,
    )
