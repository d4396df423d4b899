"""The fact-check API over a real seeded database and the real model."""

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient

from models.pipeline import Pipeline
from service.auth.schemas import Role
from service.config import Settings
from tests.claims_db.feeds import FEEDS
from tests.service.triage_helpers import app_client, bearer, make_keys, required

NEW = {
    "claim": "The city council banned cycling on every bridge in Glasgow.",
    "rating": "Pants on Fire!",
    "publisher": "Example Fact Desk",
    "url": "https://factdesk.example/2025/03/bridges/",
    "claimant": "A viral post",
    "review_date": "2025-03-10",
}


JSON = {"content-type": "application/json"}
CSV = {"content-type": "text/csv"}


def _search(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/v1/factchecks/search", params=params)
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    return results


def test_create_get_and_find_at_once(client: TestClient) -> None:
    created = client.post("/v1/factchecks", json=NEW)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["verdict"] == "false" and body["publisher_site"] == "factdesk.example"
    assert body["history"] == [] and body["source"] == "api"
    fetched = client.get(f"/v1/factchecks/{body['id']}").json()
    assert fetched == body
    # The embedding followed the write: the next search sees it.
    best = _search(client, q="cycling was banned on all of Glasgow's bridges", limit=3)[0]
    assert best["fact_check"]["id"] == body["id"] and best["score"] > 0.7
    assert set(best["fact_check"]) >= {"id", "claim", "rating", "verdict", "publisher", "url"}
    # … and so does the next analysis.
    analysis = client.post(
        "/v1/analyze",
        json={"text": "Campaigners said the council banned cycling on every bridge in Glasgow."},
    ).json()
    assert analysis["claims"][0]["matches"][0]["fact_check"]["id"] == body["id"]
    assert client.post("/v1/factchecks", json=NEW).status_code == 409


def test_create_rejects_bad_input(client: TestClient) -> None:
    bad_url = client.post("/v1/factchecks", json={**NEW, "url": "not a url"})
    assert bad_url.status_code == 422 and "url" in bad_url.json()["detail"]
    missing = client.post("/v1/factchecks", json={k: v for k, v in NEW.items() if k != "claim"})
    assert missing.status_code == 422
    wrong_type = client.post("/v1/factchecks", json={**NEW, "review_date": "someday"})
    assert wrong_type.status_code == 422


def test_update_keeps_rating_history_and_reembeds(client: TestClient) -> None:
    fact_check_id = client.post("/v1/factchecks", json=NEW).json()["id"]
    updated = client.patch(f"/v1/factchecks/{fact_check_id}", json={"rating": "Mostly False"})
    assert updated.status_code == 200, updated.text
    body = updated.json()
    assert (body["rating"], body["verdict"]) == ("Mostly False", "mostly_false")
    assert [(h["rating"], h["verdict"]) for h in body["history"]] == [("Pants on Fire!", "false")]

    reworded = client.patch(
        f"/v1/factchecks/{fact_check_id}",
        json={"claim": "Glasgow's ferries will stop running on Sundays.", "claimant": None},
    ).json()
    assert reworded["claimant"] is None and len(reworded["history"]) == 1
    best = _search(client, q="no ferry services in Glasgow on Sunday", limit=1)[0]
    assert best["fact_check"]["id"] == fact_check_id

    assert client.patch(f"/v1/factchecks/{fact_check_id}", json={"claim": None}).status_code == 422
    assert client.patch("/v1/factchecks/999999", json={"rating": "True"}).status_code == 404


def test_search_reads_a_tweet_without_its_link_and_lead_in(client: TestClient) -> None:
    created = client.post("/v1/factchecks", json=NEW).json()
    plain = _search(client, q="cycling was banned on all of Glasgow's bridges", limit=1)[0]
    tweet = _search(
        client,
        q="BREAKING: cycling was banned on all of Glasgow's bridges https://t.co/Ab12Cd",
        limit=1,
    )[0]
    assert plain["fact_check"]["id"] == tweet["fact_check"]["id"] == created["id"]
    assert tweet["similarity"] == pytest.approx(plain["similarity"], abs=1e-4)


def test_a_headline_is_stored_returned_and_moves_the_match(client: TestClient) -> None:
    plain = client.post("/v1/factchecks", json=NEW).json()
    assert plain["title"] is None
    query = "Is it true Glasgow shut its bridges to bikes?"
    before = next(
        r for r in _search(client, q=query, limit=5) if r["fact_check"]["id"] == plain["id"]
    )
    headline = "Did Glasgow Shut Its Bridges to Bikes?"
    updated = client.patch(f"/v1/factchecks/{plain['id']}", json={"title": headline})
    assert updated.status_code == 200, updated.text
    assert updated.json()["title"] == headline
    assert client.get(f"/v1/factchecks/{plain['id']}").json()["title"] == headline
    # Re-embedded with its headline: the headline's wording now sits closer.
    after = next(
        r for r in _search(client, q=query, limit=5) if r["fact_check"]["id"] == plain["id"]
    )
    assert after["similarity"] > before["similarity"] + 0.02
    too_long = client.post(
        "/v1/factchecks", json={**NEW, "url": NEW["url"] + "2", "title": "x" * 2001}
    )
    assert too_long.status_code == 422 and "title" in too_long.json()["detail"]


def test_delete_removes_record_embedding_and_history(client: TestClient) -> None:
    fact_check_id = client.post("/v1/factchecks", json=NEW).json()["id"]
    client.patch(f"/v1/factchecks/{fact_check_id}", json={"rating": "True"})
    assert client.delete(f"/v1/factchecks/{fact_check_id}").status_code == 204
    assert client.get(f"/v1/factchecks/{fact_check_id}").status_code == 404
    assert client.delete(f"/v1/factchecks/{fact_check_id}").status_code == 404
    results = _search(client, q="cycling was banned on all of Glasgow's bridges", limit=5)
    assert all(r["fact_check"]["id"] != fact_check_id for r in results)


def test_list_filters_and_cursor_pagination(client: TestClient) -> None:
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 10}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/v1/factchecks", params=params).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 41 and seen == sorted(set(seen))

    ferret = client.get("/v1/factchecks", params={"publisher": "theferret.scot"}).json()["items"]
    assert ferret and all(i["publisher_site"] == "theferret.scot" for i in ferret)
    false_ones = client.get("/v1/factchecks", params={"verdict": "false", "limit": 200}).json()
    assert all(i["verdict"] == "false" for i in false_ones["items"])
    dated = client.get(
        "/v1/factchecks",
        params={"reviewed_from": "2025-02-01", "reviewed_to": "2025-02-28", "limit": 200},
    ).json()["items"]
    assert dated and all("2025-02-01" <= i["review_date"] <= "2025-02-28" for i in dated)
    assert client.get("/v1/factchecks", params={"language": "de"}).json()["items"] == []
    bad = client.get("/v1/factchecks", params={"cursor": "bm9wZQ"})
    assert bad.status_code == 422 and bad.json()["code"] == "unprocessable"
    assert client.get("/v1/factchecks", params={"verdict": "maybe"}).status_code == 422


def test_language_labels_are_read_as_iso_codes_and_a_bogus_one_is_refused(
    client: TestClient,
) -> None:
    english = client.get("/v1/factchecks", params={"limit": 200}).json()["items"]
    for label in ("en-GB", "EN", "English", "eng"):
        page = client.get("/v1/factchecks", params={"language": label, "limit": 200}).json()
        assert [i["id"] for i in page["items"]] == [i["id"] for i in english], label
    assert _search(client, q="pray at home buffer zone", language="en_GB", limit=1)
    # Left blank (a form's empty field), a filter is no filter.
    blank = client.get("/v1/factchecks", params={"language": " ", "limit": 200}).json()
    assert [i["id"] for i in blank["items"]] == [i["id"] for i in english]

    for path, params in (
        ("/v1/factchecks", {"language": "zz-bogus"}),
        ("/v1/factchecks/search", {"q": "vaccines", "language": "jp"}),
    ):
        refused = client.get(path, params=params)
        assert refused.status_code == 422, (path, refused.text)
        assert "language" in refused.json()["detail"]
        assert "names no language" in refused.json()["detail"]
    analysis = client.post("/v1/analyze", json={"text": "Vaccines cause autism.", "language": "x"})
    assert analysis.status_code == 422 and "names no language" in analysis.json()["detail"]

    # Written as a code: given as a tag or a name, or detected from the claim when left out.
    spanish = {
        **NEW,
        "claim": "El gobierno prohibió el uso de bicicletas en todos los puentes de Glasgow.",
        "url": "https://factdesk.example/es/2025/03/puentes/",
    }
    detected = client.post("/v1/factchecks", json=spanish)
    assert detected.status_code == 201 and detected.json()["language"] == "es"
    tagged = client.post("/v1/factchecks", json={**NEW, "language": "en-US"}).json()
    assert tagged["language"] == "en"
    renamed = client.patch(f"/v1/factchecks/{tagged['id']}", json={"language": "Deutsch"})
    assert renamed.status_code == 200 and renamed.json()["language"] == "de"
    bogus = client.patch(f"/v1/factchecks/{tagged['id']}", json={"language": "zz"})
    assert bogus.status_code == 422 and "names no language" in bogus.json()["detail"]


def test_search_ranks_and_filters(client: TestClient) -> None:
    results = _search(client, q="Scots told not to pray in their own homes in buffer zones")
    assert results[0]["fact_check"]["publisher_site"] == "theferret.scot"
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True) and len(results) <= 10
    assert len(_search(client, q="Ukraine", limit=3)) == 3
    # A bare name is found by keyword as well as by meaning.
    assert "Harvie" in _search(client, q="Harvie", limit=3)[0]["fact_check"]["claim"]
    assert {"score", "similarity", "tier", "why"} <= set(results[0])
    assert "pray" in results[0]["why"]["shared_terms"]
    only = _search(client, q="Ukraine war", publisher="Full Fact")
    assert only and all(r["fact_check"]["publisher"] == "Full Fact" for r in only)
    assert _search(client, q="Ukraine war", language="de") == []

    recent = {**NEW, "review_date": (dt.date.today() - dt.timedelta(days=2)).isoformat()}
    recent_id = client.post("/v1/factchecks", json=recent).json()["id"]
    fresh = _search(client, q="Glasgow bridges cycling ban", max_age_days=7)
    assert [r["fact_check"]["id"] for r in fresh] == [recent_id]

    assert client.get("/v1/factchecks/search", params={"q": ""}).status_code == 422
    assert client.get("/v1/factchecks/search", params={"q": "   "}).status_code == 422
    assert client.get("/v1/factchecks/search", params={"q": "x", "limit": 0}).status_code == 422


def test_the_search_reads_its_leading_candidates_with_the_cross_encoder(
    client: TestClient,
) -> None:
    query = "Scots were warned not to pray in their own homes near abortion clinics"
    results = _search(client, q=query, limit=10)
    assert results[0]["fact_check"]["publisher_site"] == "theferret.scot"
    read = [r["why"]["cross_encoder_score"] for r in results]
    assert read[0] is not None and read[0] > 0, "the right fact-check reads as checking it"
    assert all(isinstance(score, float) for score in read[:2])
    scores = [r["score"] for r in results if r["why"]["cross_encoder_score"] is not None]
    assert scores == sorted(scores, reverse=True)
    # The same text as an article's claim: the analysis ranks by the first stage alone.
    analysed = client.post("/v1/analyze", json={"text": query + "."}).json()
    matches = [m for c in analysed["claims"] for m in c["matches"]]
    assert matches and all(m["why"]["cross_encoder_score"] is None for m in matches)


def test_the_service_wires_the_cross_encoder_into_the_search_only_by_default() -> None:
    from models.reranking import SEARCH_RERANK_DEPTH
    from service.runtime import build_pipeline

    default = build_pipeline(Settings(_env_file=None, multilingual=False))  # type: ignore[call-arg]
    assert default.matcher.cross is None
    assert default.search_matcher.cross is not None
    assert default.search_matcher.cross.depth == SEARCH_RERANK_DEPTH
    off = build_pipeline(
        Settings(_env_file=None, multilingual=False, search_rerank_depth=0)  # type: ignore[call-arg]
    )
    assert off.search_matcher.cross is None and off.matcher.cross is None


def test_import_endpoint(client: TestClient) -> None:
    feed = (FEEDS / "datafeed.json").read_bytes()
    response = client.post("/v1/factchecks/import", content=feed, headers=JSON)
    assert response.status_code == 200, response.text
    summary = response.json()
    assert summary["format"] == "claimreview"
    assert (summary["inserted"], summary["rejected"], summary["skipped"]) == (3, 3, 1)
    assert "dataFeedElement[2].item: missing url" in summary["errors"]
    assert summary["skipped_reasons"] == {"MediaReview": 1}
    assert client.get("/readyz").json()["fact_checks_indexed"] == 41 + 3  # not stale
    again = client.post("/v1/factchecks/import", content=feed, headers=JSON).json()
    assert (again["inserted"], again["unchanged"]) == (0, 3)
    assert _search(client, q="most aid to Ukraine of any country", limit=1)[0]["fact_check"][
        "url"
    ] == ("https://factdesk.example/2025/02/ukraine-aid/")

    csv_feed = (FEEDS / "mapped.csv").read_bytes()
    mapping = [
        "claim=statement",
        "claimant=speaker",
        "rating=label",
        "url=link",
        "publisher=outlet",
        "review_date=published",
    ]
    mapped = client.post(
        "/v1/factchecks/import",
        params={"format": "csv", "column": mapping},
        content=csv_feed,
        headers=CSV,
    ).json()
    assert (mapped["inserted"], mapped["rejected"]) == (2, 2)
    unmapped = client.post(
        "/v1/factchecks/import", params={"format": "csv"}, content=csv_feed, headers=CSV
    )
    assert unmapped.status_code == 422 and "claim" in unmapped.json()["detail"]
    odd = client.post(
        "/v1/factchecks/import", params={"column": "claim"}, content=csv_feed, headers=CSV
    )
    assert odd.status_code == 422


def test_writes_need_an_admin_key_reads_any_key(
    seeded_settings: Settings, pipeline: Pipeline
) -> None:
    tokens = make_keys(seeded_settings, (Role.SUBMITTER, "sam"), (Role.ADMIN, "ada"))
    with app_client(required(seeded_settings), pipeline) as (client, _):
        assert client.get("/v1/factchecks").status_code == 401
        assert client.get("/v1/factchecks/search", params={"q": "x"}).status_code == 401
        listed = client.get("/v1/factchecks", headers=bearer(tokens["sam"]))
        assert listed.status_code == 200
        some_id = listed.json()["items"][0]["id"]
        for method, path in [
            ("post", "/v1/factchecks"),
            ("patch", f"/v1/factchecks/{some_id}"),
            ("delete", f"/v1/factchecks/{some_id}"),
            ("post", "/v1/factchecks/import"),
        ]:
            response = client.request(method, path, json=NEW, headers=bearer(tokens["sam"]))
            assert response.status_code == 403, path
        created = client.post("/v1/factchecks", json=NEW, headers=bearer(tokens["ada"]))
        assert created.status_code == 201
        changed = client.patch(
            f"/v1/factchecks/{created.json()['id']}",
            json={"rating": "True"},
            headers=bearer(tokens["ada"]),
        ).json()
        assert changed["history"][0]["replaced_by"] == "ada"


def test_deeply_nested_import_is_a_422_problem_and_imports_nothing(client: TestClient) -> None:
    before = client.get("/v1/factchecks", params={"limit": 200}).json()
    valid = (FEEDS / "datafeed.json").read_text()
    # A valid feed with one deep value at its end: nothing before it may be imported.
    feed = valid.rstrip()[:-1] + ', "extra": ' + "[" * 200_000 + "]" * 200_000 + "}"
    response = client.post(
        "/v1/factchecks/import", content=feed, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "json_too_deep"
    assert "deeper than 64" in response.json()["detail"]
    assert client.get("/v1/factchecks", params={"limit": 200}).json() == before


def test_huge_cursor_is_a_422_not_an_overflow(client: TestClient) -> None:
    import base64

    for value in (f"id:{2**63}", "id:99999999999999999999", "id:-5"):
        cursor = base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")
        response = client.get("/v1/factchecks", params={"cursor": cursor})
        assert response.status_code == 422, value
        assert response.json()["code"] == "unprocessable"


def test_csv_field_over_the_limit_is_one_rejected_record(client: TestClient) -> None:
    feed = (
        "claim,rating,url\n"
        "The tram fare doubled overnight.,False,https://factdesk.example/tram/\n"
        '"' + "x" * 200_000 + '",False,https://factdesk.example/long/\n'
        "The ferry was cancelled for a year.,False,https://factdesk.example/ferry/\n"
    )
    response = client.post("/v1/factchecks/import", content=feed, headers=CSV)
    assert response.status_code == 200, response.text
    summary = response.json()
    assert (summary["inserted"], summary["rejected"]) == (2, 1)
    assert "field larger than field limit" in summary["errors"][0]


def test_query_strings_with_nul_or_surrogates_are_refused_by_name(client: TestClient) -> None:
    # PostgreSQL cannot hold a NUL in text: a search or a filter carrying one is a 422 that
    # names the parameter, never a 500 from the database driver.
    asks = [
        ("/v1/factchecks/search", {"q": "vaccines\x00cause autism"}, "q"),
        ("/v1/factchecks/search", {"q": "vaccines", "publisher": "Snopes\x00"}, "publisher"),
        ("/v1/factchecks/search", {"q": "vaccines", "language": "e\x00n"}, "language"),
        ("/v1/factchecks", {"publisher": "\x00"}, "publisher"),
        ("/v1/factchecks", {"language": "en\x00"}, "language"),
        ("/v1/factchecks", {"cursor": "\x00abc"}, "cursor"),
        ("/v1/queue", {"publisher": "Full Fact\x00"}, "publisher"),
        ("/v1/queue", {"verdict": "\x00"}, "verdict"),
    ]
    for path, params, name in asks:
        response = client.get(path, params=params)
        assert response.status_code == 422, (path, params, response.text)
        problem = response.json()
        assert f"query.{name}" in problem["detail"] and "NUL" in problem["detail"], problem
    # Other control characters are read as spaces, as in an article's text.
    found = client.get("/v1/factchecks/search", params={"q": "praying\x07at home buffer zone"})
    assert found.status_code == 200 and found.json()["results"]


def test_a_fact_check_with_a_nul_is_refused_naming_the_field(client: TestClient) -> None:
    for field, value in [
        ("claim", "Glasgow\x00 bridges"),
        ("publisher", "P\x00"),
        ("language", "e\x00n"),
    ]:
        created = client.post("/v1/factchecks", json={**NEW, field: value})
        assert created.status_code == 422, created.text
        assert created.json()["detail"].startswith(f"{field}: ") and "NUL" in created.text
    changed = client.patch("/v1/factchecks/1", json={"rating": "False\x00"})
    assert changed.status_code == 422 and changed.json()["detail"].startswith("rating: ")
    # Other control characters are read as spaces, as in an article.
    bell = client.post("/v1/factchecks", json={**NEW, "claim": "Glasgow\x07bridges were closed."})
    assert bell.status_code == 201 and bell.json()["claim"] == "Glasgow bridges were closed."
