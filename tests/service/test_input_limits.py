"""Input guards: body size counted while reading, encodings, control characters, HTML."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from models.pipeline import Pipeline
from service.app import create_app
from service.config import Settings
from service.reliability.text import clean_text
from service.runtime import build_runtime

HTML_PAGE = """<!doctype html>
<html><head><title>Starmer heads to Paris | Metro</title></head>
<body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
<article>
<h1>Keir Starmer heads to Paris for emergency talks on Ukraine</h1>
<p>{body}</p>
</article>
<footer>Get in touch with our news team by emailing us at webnews@metro.co.uk.
Copyright 2025 Associated Newspapers. Cookie settings. Privacy policy.</footer>
</body></html>
"""


def _problem(response: Response, status: int, code: str | None = None) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, object] = response.json()
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code
    return body


def test_declared_oversized_body_is_refused_before_reading(client: TestClient) -> None:
    limit = 4 * 1024 * 1024
    response = client.post(
        "/v1/analyze",
        content=b"{}",
        headers={"content-type": "application/json", "content-length": str(limit + 1)},
    )
    body = _problem(response, 413, "payload_too_large")
    assert f"{limit:,}" in str(body["detail"])


def _chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    yield b'{"text": "'
    sent = 0
    while sent < total:
        yield b"a" * size
        sent += size
    yield b'"}'


def test_streamed_body_is_cut_off_at_the_limit(client: TestClient) -> None:
    # A generator body goes out chunked, with no Content-Length to check up front.
    response = client.post(
        "/v1/analyze",
        content=_chunks(5 * 1024 * 1024),
        headers={"content-type": "application/json"},
    )
    _problem(response, 413, "payload_too_large")


def test_longest_text_fully_escaped_still_fits_the_body_limit(client: TestClient) -> None:
    # One character over the text limit, escaped by json.dumps to \\uXXXX (six bytes each,
    # twelve for an astral character): the body limit lets it through, so the refusal
    # comes from the text-length check, which names characters rather than bytes.
    for character in ("é", "😀"):
        body = json.dumps({"text": character * 200_001}).encode()
        assert len(body) > 1_200_000
        response = client.post(
            "/v1/analyze", content=body, headers={"content-type": "application/json"}
        )
        detail = str(_problem(response, 413, "payload_too_large")["detail"])
        assert "200,001 characters" in detail, detail


def test_longest_text_as_one_escaped_token_is_analysed(client: TestClient) -> None:
    # The largest accepted text, \\u-escaped, as one 200,000-character "word": it passes the
    # body limit, and segmentation must not go quadratic on it (an e-mail pattern once did,
    # tying a worker up for minutes while the client got a 503 at the time limit).
    body = json.dumps({"text": "é" * 199_999 + "."}).encode()
    response = client.post(
        "/v1/analyze", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["article"]["characters"] == 200_000


def test_non_utf8_json_body_is_400(client: TestClient) -> None:
    latin1 = '{"text": "Le caf\xe9 a ferm\xe9."}'.encode("latin-1")
    body = _problem(
        client.post("/v1/analyze", content=latin1, headers={"content-type": "application/json"}),
        400,
        "invalid_encoding",
    )
    assert "offset 16" in str(body["detail"])
    utf16 = json.dumps({"text": "Prices rose."}).encode("utf-16")
    _problem(
        client.post("/v1/analyze", content=utf16, headers={"content-type": "application/json"}),
        400,
        "invalid_encoding",
    )


def test_lone_surrogates_are_422_not_500(client: TestClient) -> None:
    for field, payload in [
        ("text", '{"text": "Prices rose \\ud800 by 5%."}'),
        ("text", '{"text": "Trailing low half \\udc00"}'),
        ("title", '{"text": "Prices rose.", "title": "\\udfff"}'),
        ("url", '{"text": "Prices rose.", "url": "https://x.test/\\ud83d"}'),
    ]:
        response = client.post(
            "/v1/analyze", content=payload.encode(), headers={"content-type": "application/json"}
        )
        body = _problem(response, 422, "validation_error")
        assert "surrogate" in str(body["detail"]) and field in str(body["detail"])
    # A correctly paired surrogate escape is an ordinary astral character.
    paired = '{"text": "Prices rose by 5% \\ud83d\\ude00 in a year."}'
    ok = client.post(
        "/v1/analyze", content=paired.encode(), headers={"content-type": "application/json"}
    )
    assert ok.status_code == 200, ok.text


def test_a_string_too_long_or_too_short_is_counted_in_characters(client: TestClient) -> None:
    # pydantic counts "items" when a string type carries a validator of its own.
    title = client.post("/v1/analyze", json={"text": "Prices rose.", "title": "t" * 1001})
    body = _problem(title, 422, "validation_error")
    assert body["detail"] == "title: should have at most 1000 characters, not 1001"
    assert body["errors"] == [
        {"type": "too_long", "loc": ["body", "title"], "msg": body["detail"][len("title: ") :]}
    ]
    query = client.get("/v1/factchecks/search", params={"q": "x" * 2001})
    assert _problem(query, 422)["detail"] == (
        "query.q: should have at most 2000 characters, not 2001"
    )
    empty = client.get("/v1/factchecks/search", params={"q": ""})
    assert _problem(empty, 422)["detail"] == "query.q: should have at least 1 character, not 0"


def test_a_timestamp_utc_cannot_hold_is_a_422_not_a_500(client: TestClient) -> None:
    # Read as UTC, 0001-01-01T00:56+20:11 is in year 0: the database's UTC column cannot
    # hold it (a 500 on PostgreSQL before, found by Schemathesis).
    early = "0001-01-01T00:56:01+20:11"
    queue = client.get("/v1/queue", params={"created_to": early})
    assert queue.status_code == 422, queue.text
    assert "created_to" in queue.json()["detail"] and "out of range" in queue.json()["detail"]
    analysis = client.post(
        "/v1/analyze", json={"text": "Vaccines cause autism.", "published_at": early}
    )
    assert analysis.status_code == 422 and "published_at" in analysis.json()["detail"]
    assert (
        client.get("/v1/queue", params={"created_to": "2025-01-01T00:00:00+02:00"}).status_code
        == 200
    )


def test_control_characters_are_replaced_keeping_offsets(
    client: TestClient, example_text: str
) -> None:
    # Word's manual line break is a vertical tab; stray C0/C1 controls come from copy-paste.
    dirty = example_text.replace("\n", "\x0b", 3).replace(" ", "\x07", 5).replace(".", ".\x92", 2)
    assert len(dirty) == len(example_text) + 2
    response = client.post("/v1/analyze", json={"text": dirty})
    assert response.status_code == 200, response.text
    body = response.json()
    cleaned = clean_text(dirty)
    assert len(cleaned) == len(dirty)
    for claim in body["claims"]:
        assert cleaned[claim["start"] : claim["end"]] == claim["text"]
        assert not any(ch in claim["text"] for ch in "\x0b\x07\x92")
    assert sum(1 for c in body["claims"] if c["flagged"]) == 1


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a\x0bb\x0cc", "a\nb\nc"),
        ("tab\tlf\ncr\r", "tab\tlf\ncr\r"),
        ("bell\x07del\x7fnel\x85csi\x9b", "bell del nel\ncsi "),
        ("para\u2029line\u2028end", "para\nline\nend"),
    ],
)
def test_clean_text_policy(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


def test_text_and_html_are_exclusive(client: TestClient) -> None:
    both = client.post("/v1/analyze", json={"text": "Prices rose.", "html": "<p>Prices rose.</p>"})
    assert "exactly one" in str(_problem(both, 422)["detail"])
    neither = client.post("/v1/analyze", json={"title": "only a title"})
    assert "exactly one" in str(_problem(neither, 422)["detail"])


def test_html_is_reduced_to_the_article_text(client: TestClient, example_text: str) -> None:
    paragraphs = [line for line in example_text.splitlines() if len(line) > 100]
    assert any("pray in their own home" in p for p in paragraphs)
    page = HTML_PAGE.format(body="</p>\n<p>".join(paragraphs))
    response = client.post("/v1/analyze", json={"html": page})
    assert response.status_code == 200, response.text
    body = response.json()
    article_text = body["article"]["text"]
    assert "pray in their own home" in article_text
    for furniture in ("Cookie settings", "Home", "webnews@metro.co.uk"):
        assert furniture not in article_text
    assert body["article"]["characters"] == len(article_text)
    assert body["article"]["title"].startswith("Keir Starmer heads to Paris")
    for claim in body["claims"]:
        assert article_text[claim["start"] : claim["end"]] == claim["text"]
    flagged = [c for c in body["claims"] if c["flagged"]]
    assert len(flagged) == 1 and "pray in their own home" in flagged[0]["text"]
    assert "theferret.scot" in flagged[0]["matches"][0]["fact_check"]["url"]


def test_text_response_has_no_extracted_text(client: TestClient) -> None:
    response = client.post("/v1/analyze", json={"text": "Unemployment rose to 5% last year."})
    assert response.status_code == 200
    assert response.json()["article"]["text"] is None


def test_html_without_article_text_is_422(client: TestClient) -> None:
    pages = ["<html><body><script>var page = 1;</script><img src='x.png'></body></html>", "<<<>>>"]
    for page in [*pages, "   "]:
        response = client.post("/v1/analyze", json={"html": page})
        assert "extract" in str(_problem(response, 422)["detail"])
    # libxml2 stops at 256 nested elements: the answer says so instead of blaming menus.
    paragraph = "<p>" + "Health officials said the viral claim about microchips is false. " * 3
    deep = "<html><body>" + "<div>" * 300 + paragraph + "</p>" + "</div>" * 300 + "</body></html>"
    nested = _problem(client.post("/v1/analyze", json={"html": deep}), 422)
    assert "nested more than 255 deep" in str(nested["detail"])
    shallow = deep.replace("<div>" * 300, "<div>" * 10).replace("</div>" * 300, "</div>" * 10)
    assert client.post("/v1/analyze", json={"html": shallow}).status_code == 200
    nul = client.post("/v1/analyze", json={"html": "<p>Prices\u0000 rose.</p>"})
    assert "NUL" in str(_problem(nul, 422)["detail"])


@pytest.fixture
def small_body_client(seeded_settings: Settings, pipeline: Pipeline) -> Iterator[TestClient]:
    runtime = build_runtime(
        seeded_settings.model_copy(update={"max_body_bytes": 4096}), pipeline=pipeline
    )
    with TestClient(create_app(runtime=runtime)) as client:
        yield client
    runtime.engine.dispose()


def test_feed_imports_have_their_own_larger_limit(small_body_client: TestClient) -> None:
    reviews = [
        {
            "@context": "https://schema.org",
            "@type": "ClaimReview",
            "url": f"https://factcheck.example/review-{n}",
            "claimReviewed": f"Bus fares in Wales rose by {n}% in a single year.",
            "author": {"@type": "Organization", "name": "Example Check"},
            "reviewRating": {"@type": "Rating", "alternateName": "False"},
        }
        for n in range(40)
    ]
    feed = json.dumps(reviews).encode()
    assert len(feed) > 4096
    article = json.dumps({"text": "Prices rose. " * 400}).encode()
    refused = small_body_client.post(
        "/v1/analyze", content=article, headers={"content-type": "application/json"}
    )
    _problem(refused, 413, "payload_too_large")
    imported = small_body_client.post(
        "/v1/factchecks/import", content=feed, headers={"content-type": "application/ld+json"}
    )
    assert imported.status_code == 200, imported.text
    assert imported.json()["inserted"] == 40
