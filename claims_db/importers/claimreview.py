"""schema.org ClaimReview JSON-LD and Google Fact Check Tools responses, read as a stream.

Accepted shapes: one ClaimReview object, a list of them, a ``@graph`` (also a web page's
graph with WebPage, Organization, … beside the reviews), a ``DataFeed`` of
``DataFeedItem``s, an ``ItemList``, and the ``claims:search`` response of the Google Fact
Check Tools API (``claims[].claimReview[]``). The arrays directly under the document root
are read one element at a time with ``ijson``, so memory stays flat in the file's size.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from typing import IO, Any

import ijson

from claims_db.importers.nesting import JsonTooDeepError, check_stream_depth
from claims_db.importers.records import ImportItem, Rejected, Skipped, site_of, validate
from models.verdicts import Verdict, normalize_rating

logger = logging.getLogger(__name__)

# Root keys whose arrays are streamed element by element; anything else at the root is small.
STREAMED_KEYS = frozenset({"@graph", "dataFeedElement", "itemListElement", "claims"})

_SCHEMA_PREFIXES = ("http://schema.org/", "https://schema.org/", "schema:")
_START = frozenset({"start_map", "start_array"})
_END = frozenset({"end_map", "end_array"})

# Ordinal verdicts and the 1-5 rating values Google's ClaimReview guidance uses for them.
RATING_VALUES: dict[Verdict, int] = {
    Verdict.FALSE: 1,
    Verdict.MOSTLY_FALSE: 2,
    Verdict.MIXED: 3,
    Verdict.MOSTLY_TRUE: 4,
    Verdict.TRUE: 5,
}


def type_names(node: dict[str, Any]) -> set[str]:
    """The node's ``@type``s without schema.org prefixes."""
    raw = node.get("@type")
    names = raw if isinstance(raw, list) else [raw]
    found = set()
    for name in names:
        if isinstance(name, str):
            for prefix in _SCHEMA_PREFIXES:
                name = name.removeprefix(prefix)
            found.add(name)
    return found


def _first(value: Any) -> Any:
    if isinstance(value, list):
        return next((v for v in value if v not in (None, "", {})), None)
    return value


def name_of(value: Any) -> Any:
    """The name of a Person/Organization given as an object, a list of them, or plain text."""
    value = _first(value)
    if isinstance(value, dict):
        return _first(value.get("name")) or _first(value.get("alternateName"))
    return value


def _language(value: Any) -> Any:
    value = _first(value)
    if isinstance(value, dict):
        return value.get("alternateName") or value.get("name")
    return value or None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def numeric_verdict(value: float, best: float, worst: float) -> Verdict | None:
    """Map a rating value on a ``worst``..``best`` scale onto the five ordinal verdicts."""
    if best <= worst or not worst <= value <= best:
        return None
    position = (value - worst) / (best - worst)
    steps = [Verdict.FALSE, Verdict.MOSTLY_FALSE, Verdict.MIXED, Verdict.MOSTLY_TRUE, Verdict.TRUE]
    return steps[min(4, int(position * 4 + 0.5))]


def rating_fields(review_rating: Any) -> dict[str, Any] | str:
    """``rating`` and maybe ``verdict`` from a reviewRating, or why none can be read."""
    review_rating = _first(review_rating)
    if isinstance(review_rating, str):
        return {"rating": review_rating}
    if not isinstance(review_rating, dict):
        return "missing reviewRating"
    text = _first(review_rating.get("alternateName")) or _first(review_rating.get("name"))
    raw_value = review_rating.get("ratingValue")
    value = _number(raw_value)
    best = _number(review_rating.get("bestRating"))
    worst = _number(review_rating.get("worstRating"))
    scaled = None
    if value is not None:
        scaled = numeric_verdict(value, best if best is not None else 5, worst or 1)
    if text is None:
        if value is not None:
            text = f"{raw_value} (scale {worst or 1:g}-{best if best is not None else 5:g})"
        elif isinstance(raw_value, str) and raw_value.strip():
            text = raw_value
        else:
            return "reviewRating has no alternateName, name or ratingValue"
    fields: dict[str, Any] = {"rating": text}
    if scaled is not None and isinstance(text, str) and normalize_rating(text) is Verdict.OTHER:
        fields["verdict"] = scaled
    return fields


def claimreview_item(node: dict[str, Any], location: str, source: str | None) -> ImportItem:
    """One ClaimReview node as an import item."""
    rating = rating_fields(node.get("reviewRating"))
    if isinstance(rating, str):
        return Rejected(location, rating)
    reviewed = _first(node.get("itemReviewed"))
    reviewed = reviewed if isinstance(reviewed, dict) else {}
    appearance = _first(reviewed.get("appearance") or reviewed.get("firstAppearance"))
    claim_date = reviewed.get("datePublished")
    if claim_date is None and isinstance(appearance, dict):
        claim_date = appearance.get("datePublished")
    author = _first(node.get("author")) or _first(node.get("publisher"))
    site = author.get("url") if isinstance(author, dict) else None
    fields = {
        "claim": node.get("claimReviewed"),
        "url": _first(node.get("url")),
        "publisher": name_of(author),
        "publisher_site": _site(site),
        "claimant": name_of(reviewed.get("author")),
        "review_date": node.get("datePublished"),
        "claim_date": claim_date,
        "language": _language(node.get("inLanguage")) or None,
        "title": _headline(node),
        **rating,
    }
    return validate(fields, location, source)


def _headline(node: dict[str, Any]) -> str | None:
    """The review's headline (schema.org ``headline``, else ``name``) when it is text."""
    for key in ("headline", "name"):
        value = _first(node.get(key))
        if isinstance(value, str) and value.strip():
            return value
    return None


def _site(value: Any) -> Any:
    value = _first(value)
    return site_of(value) if isinstance(value, str) else None


def google_items(claim: Any, location: str, source: str | None) -> Iterator[ImportItem]:
    """The reviews of one claim of a Google Fact Check Tools ``claims:search`` response."""
    if not isinstance(claim, dict):
        yield Rejected(location, f"expected an object, got {type(claim).__name__}")
        return
    reviews = claim.get("claimReview")
    if not isinstance(reviews, list) or not reviews:
        yield Rejected(location, "claim has no claimReview list")
        return
    for position, review in enumerate(reviews):
        where = f"{location}.claimReview[{position}]"
        if not isinstance(review, dict):
            yield Rejected(where, f"expected an object, got {type(review).__name__}")
            continue
        publisher = review.get("publisher")
        publisher = publisher if isinstance(publisher, dict) else {}
        fields = {
            "claim": claim.get("text"),
            "claimant": claim.get("claimant"),
            "claim_date": claim.get("claimDate"),
            "url": review.get("url"),
            "publisher": publisher.get("name"),
            "publisher_site": publisher.get("site"),
            "review_date": review.get("reviewDate"),
            "rating": review.get("textualRating"),
            "language": review.get("languageCode") or None,
            "title": review.get("title") if isinstance(review.get("title"), str) else None,
        }
        yield validate(fields, where, source)


def node_items(node: Any, location: str, source: str | None) -> Iterator[ImportItem]:
    """Import items from any JSON-LD node: containers are walked, other types ignored."""
    if isinstance(node, list):
        for position, element in enumerate(node):
            yield from node_items(element, f"{location}[{position}]", source)
        return
    if not isinstance(node, dict):
        yield Rejected(location, f"expected an object, got {type(node).__name__}")
        return
    types = type_names(node)
    if "ClaimReview" in types or (not types and "claimReviewed" in node):
        yield claimreview_item(node, location, source)
    elif "MediaReview" in types:
        yield Skipped(location, "MediaReview")
    elif "@graph" in node:
        yield from node_items(node["@graph"], f"{location}.@graph", source)
    elif "dataFeedElement" in node:
        yield from node_items(node["dataFeedElement"], f"{location}.dataFeedElement", source)
    elif "itemListElement" in node:
        yield from node_items(node["itemListElement"], f"{location}.itemListElement", source)
    elif types & {"DataFeedItem", "ListItem"} and "item" in node:
        yield from node_items(node["item"], f"{location}.item", source)
    elif "claimReview" in node and "text" in node:
        yield from google_items(node, location, source)
    # Any other node (WebPage, Organization, BreadcrumbList, …) is not a review: ignored.


def _build(first_event: str, first_value: Any, events: Iterator[tuple[str, str, Any]]) -> Any:
    """Materialise one JSON value whose first event has been read."""
    if first_event not in _START:
        return first_value
    builder = ijson.ObjectBuilder()
    builder.event(first_event, first_value)
    depth = 1
    for _, event, value in events:
        builder.event(event, value)
        if event in _START:
            depth += 1
        elif event in _END:
            depth -= 1
            if depth == 0:
                break
    return builder.value


def _elements(
    events: Iterator[tuple[str, str, Any]],
) -> Iterator[tuple[int, Any]]:
    """The elements of an array whose ``start_array`` has been read, one at a time."""
    for position in itertools.count():
        _, event, value = next(events, ("", "end_array", None))
        if event == "end_array":
            return
        yield position, _build(event, value, events)


def read_json(
    stream: IO[bytes], source: str | None = None, *, depth_checked: bool = False
) -> Iterator[ImportItem]:
    """Import items from a ClaimReview JSON-LD document or a Google ``claims:search`` body.

    Args:
        stream: The document, opened in binary mode.
        source: Recorded on every fact-check as where it came from.
    """
    try:
        if not depth_checked:
            check_stream_depth(stream)
    except JsonTooDeepError as error:
        yield Rejected("document", str(error))
        return
    events: Iterator[tuple[str, str, Any]] = iter(ijson.parse(stream, use_float=True))
    location = "document"
    try:
        _, event, value = next(events)
        if event == "start_array":
            for position, element in _elements(events):
                location = f"[{position}]"
                yield from node_items(element, location, source)
            return
        if event != "start_map":
            yield Rejected("document", "expected a JSON object or array")
            return
        root: dict[str, Any] = {}
        for _, event, key in events:
            if event == "end_map":
                break
            _, event, value = next(events)
            if key in STREAMED_KEYS and event == "start_array":
                for position, element in _elements(events):
                    location = f"{key}[{position}]"
                    if key == "claims":
                        yield from google_items(element, location, source)
                    else:
                        yield from node_items(element, location, source)
            else:
                root[key] = _build(event, value, events)
        location = "document"
        if type_names(root) or "claimReviewed" in root:
            yield from node_items(root, location, source)
    except ijson.JSONError as error:
        yield Rejected(f"after {location}", f"malformed JSON: {error}")
    except StopIteration:
        yield Rejected("document", "empty document")
