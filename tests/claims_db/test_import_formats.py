"""Each feed format read from fixtures in the shape real feeds have (no database needed)."""

import datetime as dt
import io
import json

import pytest

from claims_db.importers.feeds import FeedFormat, detect_format, read_feed
from claims_db.importers.records import Rejected
from models.verdicts import Verdict
from tests.claims_db.feeds import CSV_COLUMNS, FEEDS, accepted, read, rejected, skipped


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("page_graph.jsonld", FeedFormat.CLAIMREVIEW),
        ("datafeed.json", FeedFormat.CLAIMREVIEW),
        ("single.json", FeedFormat.CLAIMREVIEW),
        ("google_claims_search.json", FeedFormat.GOOGLE),
        ("flat.jsonl", FeedFormat.JSONL),
        ("mapped.csv", FeedFormat.CSV),
    ],
)
def test_format_is_guessed_from_content(name: str, expected: FeedFormat) -> None:
    assert detect_format((FEEDS / name).read_bytes()[:65536]) is expected


def test_one_line_flat_record_is_json_lines() -> None:
    assert detect_format(b'{"claim": "x", "rating": "False", "url": "https://a.example/"}\n') is (
        FeedFormat.JSONL
    )


def test_page_graph_keeps_reviews_skips_media_review_ignores_other_types() -> None:
    items = read("page_graph.jsonld")
    reviews = accepted(items)
    assert len(reviews) == 3 and not rejected(items)
    assert [s.location for s in skipped(items)] == ["@graph[4]"]
    first, second, spanish = reviews
    # One review article covering two claims: both kept, same URL.
    assert first.url == second.url
    assert first.claim != second.claim
    assert first.review_date == dt.date(2025, 2, 17)  # "17 February 2025"
    assert first.claim_date == dt.date(2025, 2, 14)
    assert first.claimant == "Social media posts"
    assert first.publisher_site == "factdesk.example"  # www. dropped
    assert first.resolved_verdict is Verdict.FALSE
    assert second.claim == "Police can fine people & seize bibles inside buffer zones."
    assert second.resolved_verdict is Verdict.MISLEADING
    assert spanish.language == "es" and spanish.resolved_verdict is Verdict.FALSE
    assert spanish.review_date == dt.date(2025, 2, 17)  # "Feb. 17, 2025"
    assert spanish.source == "test"


def test_data_feed_reports_each_bad_record_with_its_place_and_reason() -> None:
    items = read("datafeed.json")
    reviews = accepted(items)
    assert [r.url.rsplit("/", 2)[-2] for r in reviews] == ["ukraine-aid", "munich", "grandstanding"]
    numeric, pinocchios, unknown = reviews
    # Only a ratingValue on a 1-5 scale: the wording is made up, the verdict follows the scale.
    assert numeric.rating == "2 (scale 1-5)" and numeric.resolved_verdict is Verdict.MOSTLY_FALSE
    assert pinocchios.rating == "Four Pinocchios" and pinocchios.resolved_verdict is Verdict.FALSE
    assert pinocchios.review_date == dt.date(2025, 2, 21)
    # No author at all: the publisher is named after the review's site.
    assert unknown.publisher == "factdesk.example" and unknown.resolved_verdict is Verdict.OTHER
    reasons = {r.location: r.reason for r in rejected(items)}
    assert reasons == {
        "dataFeedElement[2].item": "missing url",
        "dataFeedElement[3].item": "review_date: unrecognised date '2025-02-31'",
        "dataFeedElement[4].item": "claim: Input should be a valid string",
    }
    assert [s.reason for s in skipped(items)] == ["MediaReview"]


def test_single_object_with_prefixed_type() -> None:
    (review,) = accepted(read("single.json"))
    assert review.rating == "Pants on Fire!" and review.resolved_verdict is Verdict.FALSE
    assert review.review_date == dt.date(2025, 3, 3)
    assert review.claimant == "A presidential candidate"


def test_google_claims_search_response() -> None:
    items = read("google_claims_search.json")
    reviews = accepted(items)
    assert len(reviews) == 3
    english, french, moon = reviews
    assert english.claim == french.claim and english.url != french.url
    assert english.claim_date == dt.date(2021, 5, 1)
    assert english.review_date == dt.date(2021, 5, 3)
    assert english.title == "No, vaccines do not contain microchips"
    assert french.language == "fr" and french.resolved_verdict is Verdict.FALSE
    assert french.publisher == "Vérif Exemple"
    assert moon.publisher == "factdesk.example"  # publisher with only a site
    assert moon.rating == "This isn't quite right, it's a myth"  # entities unescaped
    assert moon.resolved_verdict is Verdict.MISLEADING
    assert [str(r) for r in rejected(items)] == ["claims[1].claimReview[1]: missing rating"]


def test_csv_with_column_mapping() -> None:
    items = read("mapped.csv", columns=CSV_COLUMNS)
    crime, wind = accepted(items)
    assert crime.claimant == "A mayoral candidate" and crime.review_date == dt.date(2024, 1, 5)
    assert crime.resolved_verdict is Verdict.MOSTLY_FALSE
    assert wind.resolved_verdict is Verdict.MOSTLY_TRUE
    assert [str(r) for r in rejected(items)] == [
        "line 4: missing url",
        "line 5: review_date: unrecognised date 'not a date'",
    ]


def test_csv_without_the_required_columns_is_refused_up_front() -> None:
    with (FEEDS / "mapped.csv").open("rb") as stream, pytest.raises(ValueError, match="claim"):
        read_feed(stream, FeedFormat.CSV)
    with pytest.raises(ValueError, match="unknown field"):
        read_feed(io.BytesIO(b"a,b\n"), FeedFormat.CSV, columns={"colour": "a"})


def test_json_lines_mixes_flat_records_and_claim_reviews() -> None:
    items = read("flat.jsonl")
    population, petrol, ferries = accepted(items)
    assert population.claimant == "A newspaper"
    assert petrol.rating == "3"  # a number where text was expected is kept as text
    assert ferries.resolved_verdict is Verdict.TRUE
    reasons = [str(r) for r in rejected(items)]
    assert reasons[0].startswith("line 4: invalid JSON")
    assert reasons[1:] == ["line 5: expected an object, got list", "line 6: missing claim"]


def test_wrong_types_and_bad_urls_are_rejected() -> None:
    records = [
        {"claim": "ok", "rating": "False", "url": "ftp://files.example/x"},
        {"claim": ["a", "list"], "rating": "False", "url": "https://a.example/1"},
        {"claim": "ok", "rating": "False", "url": "https://a.example/2", "review_date": 20240101},
        {"claim": "ok", "rating": {"nested": 1}, "url": "https://a.example/3"},
    ]
    body = "\n".join(json.dumps(r) for r in records).encode()
    reasons = [str(item) for item in read_feed(io.BytesIO(body), FeedFormat.JSONL)]
    assert all(isinstance(item, Rejected) for item in read_feed(io.BytesIO(body)))
    assert "not an http(s) URL" in reasons[0]
    assert reasons[1].startswith("line 2: claim:")
    assert "expected a date string" in reasons[2]
    assert reasons[3].startswith("line 4: rating:")


def test_truncated_json_keeps_what_came_before() -> None:
    text = (FEEDS / "page_graph.jsonld").read_text()
    cut = text[: text.index('"@type": "MediaReview"')]
    items = list(read_feed(io.BytesIO(cut.encode()), FeedFormat.CLAIMREVIEW))
    assert len(accepted(items)) == 2
    assert isinstance(items[-1], Rejected) and "malformed JSON" in items[-1].reason


def test_claim_review_headline_is_kept_and_a_non_text_one_ignored() -> None:
    node = {
        "@type": "ClaimReview",
        "url": "https://factdesk.example/moon/",
        "claimReviewed": "The moon landing was filmed in a studio.",
        "headline": "Was the Moon Landing Staged?",
        "author": {"@type": "Organization", "name": "Example Fact Desk"},
        "reviewRating": {"@type": "Rating", "alternateName": "False"},
    }
    odd = {**node, "url": "https://factdesk.example/moon-2/", "headline": {"text": "x"}}
    del odd["headline"]
    odd["name"] = ["Moon landing: the studio myth"]
    listed = {**node, "url": "https://factdesk.example/moon-3/", "headline": 42}
    stream = io.BytesIO(b"\n".join(json.dumps(n).encode() for n in (node, odd, listed)))
    first, second, third = accepted(list(read_feed(stream, FeedFormat.JSONL)))
    assert first.title == "Was the Moon Landing Staged?"
    assert second.title == "Moon landing: the studio myth"  # ``name`` when no headline
    assert third.title is None  # a headline that is not text does not reject the review


def test_checkthat_verified_claims_import_as_the_seed_reads_them() -> None:
    # The shape of ``vclaims_enriched_with_snopes_rating.jsonl`` (values written for the test).
    records = [
        {
            "title": "Do Tunnels Melt in Summer?",
            "subtitle": "A post said so.",
            "date": "26 May 2015",
            "vclaim_id": "vclaim-sno-1",
            "vclaim": "Road tunnels melt in the summer heat.",
            "page_url_derived": "https://www.snopes.com/fact-check/tunnels-melt/",
            "publisher": "Snopes",
            "rating": "mostly-false",
        },
        {
            "title": "Bridges of Cheese",
            "date": "The circulating text said otherwise",
            "vclaim": "Every bridge in the county is made of cheese.",
            "page_url_derived": "https://www.snopes.com/fact-check/cheese-bridges/",
            "publisher": "Snopes",
            "rating": None,
        },
        {"vclaim": "The", "page_url_derived": "https://www.snopes.com/fact-check/x/"},
        {
            "vclaim": "false",
            "title": "Ducks ‘Vote’ in the Town’s Election",
            "page_url_derived": "https://www.snopes.com/fact-check/duck-vote/",
            "rating": "false",
        },
        {"vclaim": "A claim with no page to cite.", "page_url_derived": None, "rating": None},
    ]
    body = "\n".join(json.dumps(r) for r in records).encode()
    assert detect_format(body) is FeedFormat.JSONL
    items = list(read_feed(io.BytesIO(body), source="ct22"))
    tunnels, cheese, ducks = accepted(items)
    assert (tunnels.claim, tunnels.rating) == (
        "Road tunnels melt in the summer heat.",
        "mostly false",
    )
    assert tunnels.resolved_verdict is Verdict.MOSTLY_FALSE
    assert (tunnels.publisher, tunnels.publisher_site) == ("Snopes", "snopes.com")
    assert tunnels.review_date == dt.date(2015, 5, 26)
    assert tunnels.title == "Do Tunnels Melt in Summer?"
    # A copy of a Snopes review: it never overwrites the record the database holds.
    assert tunnels.keep_existing and cheese.keep_existing
    # No rating is "unrated"; a sentence where the date should be is no date.
    assert (cheese.rating, cheese.review_date) == ("unrated", None)
    assert [(s.location, s.reason) for s in skipped(items)] == [
        ("line 3", "the claim is a fragment of a word or two")
    ]
    # A fragment where the claim should be: the headline stands for it, quotes straightened
    # as the Snopes set has them; without a headline, the line is skipped.
    assert ducks.claim == "Ducks 'Vote' in the Town's Election"
    assert [str(r) for r in rejected(items)] == ["line 5: missing url"]
