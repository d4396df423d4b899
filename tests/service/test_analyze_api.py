import json
import re
import textwrap

from fastapi.testclient import TestClient

PRAY = "pray in their own home"


def _claims(client: TestClient, text: str, **extra: object) -> list[dict[str, object]]:
    response = client.post("/v1/analyze", json={"text": text, **extra})
    assert response.status_code == 200, response.text
    claims: list[dict[str, object]] = response.json()["claims"]
    return claims


def test_an_unpunctuated_transcript_of_the_example_still_flags_the_ferret(
    client: TestClient, example_text: str
) -> None:
    # The example read aloud and transcribed by a machine: one line, lower case, no stops.
    spoken = " ".join(re.sub(r"[^\w\s'’-]", " ", example_text).lower().split())
    claims = _claims(client, spoken)
    assert len(claims) > 10
    pray = [c for c in claims if PRAY in str(c["text"]) and c["flagged"]]
    assert len(pray) == 1, [c["text"] for c in claims if c["flagged"]]
    match = pray[0]["matches"][0]  # type: ignore[index]
    assert "theferret.scot" in match["fact_check"]["url"]
    assert pray[0]["stance"] == "debunks"


def test_the_example_pasted_as_one_line_still_flags_the_ferret(
    client: TestClient, example_text: str
) -> None:
    # A CMS field or a copied JSON string without line breaks: the e-mail address near its
    # end used to set the whole article aside as one "boilerplate" line (no claims at all).
    one_line = " ".join(example_text.split())
    claims = _claims(client, one_line)
    assert len(claims) > 20
    pray = [c for c in claims if PRAY in str(c["text"]) and c["flagged"]]
    assert len(pray) == 1, [c["text"] for c in claims if c["flagged"]]
    assert "theferret.scot" in pray[0]["matches"][0]["fact_check"]["url"]  # type: ignore[index]
    assert pray[0]["stance"] == "debunks"
    assert not any("emailing us" in str(c["text"]) for c in claims)


def test_the_example_hard_wrapped_still_flags_the_ferret(
    client: TestClient, example_text: str
) -> None:
    # The article as a plain-text newsletter or a PDF gives it: lines broken at 60 columns.
    wrapped = "\n".join(
        "\n".join(textwrap.wrap(line, 60)) if line.strip() else line
        for line in example_text.split("\n")
    )
    claims = _claims(client, wrapped)
    pray = [c for c in claims if PRAY.split()[0] in str(c["text"]) and c["flagged"]]
    assert len(pray) == 1, [c["text"] for c in claims if c["flagged"]]
    claim = pray[0]
    assert "theferret.scot" in claim["matches"][0]["fact_check"]["url"]  # type: ignore[index]
    assert claim["stance"] == "debunks"
    # Quoted as sent, line breaks and all.
    assert wrapped[claim["start"] : claim["end"]] == claim["text"]  # type: ignore[misc]
    assert "\n" in str(claim["text"])
    assert len(claims) < 45  # the wrapped lines are not claims of their own


def test_example_article_flags_the_ferret_fact_check(client: TestClient, example_text: str) -> None:
    response = client.post("/v1/analyze", json={"text": example_text})
    assert response.status_code == 200
    body = response.json()
    assert body["article"]["title"].startswith("Keir Starmer heads to Paris")
    pray = [c for c in body["claims"] if PRAY in c["text"]]
    assert len(pray) == 1
    claim = pray[0]
    assert claim["flagged"] is True
    assert example_text[claim["start"] : claim["end"]] == claim["text"]
    top = claim["matches"][0]["fact_check"]
    assert "theferret.scot" in top["url"]
    assert top["rating"] == "False"
    assert claim["suggestion"]["verdict"] == "false"
    assert 0 < claim["suggestion"]["confidence"] <= 1
    assert claim["stance"] == "debunks"
    assert claim["matches"][0]["tier"] in {"confirmed", "likely"}
    why = claim["matches"][0]["why"]
    # The analysis reads no cross-encoder by default (the search does): the first stage
    # alone ranked it.
    assert why["cross_encoder_score"] is None and why["first_stage_score"] > 0
    assert {"pray", "home", "abortion", "zone"} <= set(why["shared_terms"])
    assert why["similarity"] == claim["matches"][0]["similarity"]
    assert top["claim"] and "review_date" in top
    assert claim["suggestion"]["confidence"] == claim["matches"][0]["confidence"]
    assert claim["publishers_disagree"] is False and claim["verdict_agreement"] == 1.0
    assert claim["triage_priority"] < claim["matches"][0]["confidence"]


def test_furniture_is_never_flagged(client: TestClient, example_text: str) -> None:
    claims = _claims(client, example_text)
    texts = " ".join(c["text"] for c in claims)  # type: ignore[misc]
    assert "(Picture:" not in texts
    assert "Mandatory Credit" not in texts
    assert "Get in touch with our news team" not in texts
    assert sum(1 for c in claims if c["flagged"]) == 1


def test_later_fact_checks_are_not_evidence(client: TestClient, example_text: str) -> None:
    unrestricted = _claims(client, example_text)
    dated = [
        m["fact_check"]["review_date"]
        for c in unrestricted
        for m in c["matches"]  # type: ignore[attr-defined]
        if m["fact_check"]["review_date"]
    ]
    assert dated, "the seed should give some dated matches"
    claims = _claims(client, example_text, published_at="2020-01-01")
    for claim in claims:
        for match in claim["matches"]:  # type: ignore[attr-defined]
            review_date = match["fact_check"]["review_date"]
            assert review_date is None or review_date <= "2020-01-01"


def test_max_age_days_keeps_only_recent_fact_checks(client: TestClient, example_text: str) -> None:
    def dated(claims: list[dict[str, object]]) -> list[str]:
        return [
            m["fact_check"]["review_date"]
            for c in claims
            for m in c["matches"]  # type: ignore[attr-defined]
            if m["fact_check"]["review_date"]
        ]

    later = _claims(client, example_text, published_at="2026-02-17")
    assert dated(later), "the seed should give some dated matches"
    stale = _claims(client, example_text, published_at="2026-02-17", max_age_days=30)
    assert dated(stale) == []
    recent = _claims(client, example_text, published_at="2025-03-31", max_age_days=60)
    assert all("2025-01-30" <= d <= "2025-03-31" for d in dated(recent))
    _problem(client.post("/v1/analyze", json={"text": example_text, "max_age_days": -1}), 422)


def test_response_contract_fields(client: TestClient, example_text: str) -> None:
    claims = _claims(client, example_text)
    expected = {
        "text",
        "start",
        "end",
        "check_worthiness",
        "check_worthy",
        "precedent_similarity",
        "flagged",
        "matches",
        "suggestion",
        "claimant",
        "claimant_start",
        "claimant_end",
        "sentence_start",
        "sentence_end",
        "stance",
        "verdict_agreement",
        "publishers_disagree",
        "triage_priority",
    }
    for claim in claims:
        assert expected <= set(claim)
        for match in claim["matches"]:  # type: ignore[attr-defined]
            assert match["tier"] in {"confirmed", "likely", "possible"}
            assert 0 <= match["confidence"] <= 1
            assert set(match["why"]) == {
                "similarity",
                "lexical_score",
                "first_stage_score",
                "cross_encoder_score",
                "article_similarity",
                "corroborated_by",
                "second_encoder_similarity",
                "shared_terms",
                "shared_names",
                "shared_numbers",
            }
            assert set(match["fact_check"]) >= {
                "id",
                "claim",
                "rating",
                "verdict",
                "publisher",
                "url",
                "review_date",
            }


def _problem(response: object, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"].startswith("application/problem+json")  # type: ignore[attr-defined]
    body: dict[str, object] = response.json()  # type: ignore[attr-defined]
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    return body


def test_empty_and_whitespace_text_is_422(client: TestClient) -> None:
    for text in ["", "   \n\t  "]:
        body = _problem(client.post("/v1/analyze", json={"text": text}), 422)
        assert "empty" in str(body["detail"])


def test_oversized_text_is_413(client: TestClient) -> None:
    body = _problem(client.post("/v1/analyze", json={"text": "a" * 200_001}), 413)
    assert "200,000" in str(body["detail"])


def test_nul_bytes_are_refused(client: TestClient) -> None:
    body = _problem(client.post("/v1/analyze", json={"text": "Prices rose.\u0000"}), 422)
    assert "NUL" in str(body["detail"])


def test_invalid_json_and_wrong_types(client: TestClient) -> None:
    bad = client.post(
        "/v1/analyze",
        content=b'{"text": "unterminated',
        headers={"content-type": "application/json"},
    )
    _problem(bad, 400)
    _problem(client.post("/v1/analyze", json={"text": 42}), 422)
    _problem(client.post("/v1/analyze", json={"title": "no text"}), 422)
    _problem(client.post("/v1/analyze", json=["not", "an", "object"]), 422)
    binary = client.post(
        "/v1/analyze", content=b"\xff\xfe\x00\x01", headers={"content-type": "application/json"}
    )
    assert 400 <= binary.status_code < 500


def test_fact_check_by_id_and_missing(client: TestClient, example_text: str) -> None:
    claims = _claims(client, example_text)
    fact_check = next(c for c in claims if c["flagged"])["matches"][0]["fact_check"]  # type: ignore[index]
    response = client.get(f"/v1/factchecks/{fact_check['id']}")
    assert response.status_code == 200
    body = response.json()
    # The same public fields as in /v1/analyze, plus provenance and rating history.
    assert {key: body[key] for key in fact_check} == fact_check
    assert body["history"] == []
    _problem(client.get("/v1/factchecks/999999"), 404)


def test_health_readiness_and_docs(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["fact_checks_indexed"] == 41
    assert client.get("/docs").status_code == 200
    schema = client.get("/openapi.json").json()
    assert "/v1/analyze" in schema["paths"]
    assert json.dumps(schema)


def test_matches_stored_before_the_three_tiers_still_read() -> None:
    from service.analysis.schemas import MatchOut

    stored = {
        "fact_check": {
            "id": 7,
            "claim": "Scots were warned not to pray in their own homes.",
            "rating": "False",
            "verdict": "false",
            "publisher": "The Ferret",
            "url": "https://theferret.scot/pray-at-home/",
            "review_date": "2025-02-17",
        },
        "similarity": 0.84,
        "confidence": 0.97,
        "tier": "match",
    }
    match = MatchOut.model_validate(stored)
    assert match.tier == "likely" and match.why is None
    assert MatchOut.model_validate({**stored, "tier": "possible"}).tier == "possible"


SPANISH_ARTICLE = (
    "Bulo sobre los leones de Putin\n\n"
    "La información terminó diciendo que Rusia ha soltado más de 500 leones en sus calles "
    "para que las personas se queden en casa durante la pandemia. "
    "La imagen fue tomada en Johannesburgo, Sudáfrica, en abril de 2016.\n"
)


def test_the_language_of_the_article_and_its_claims(client: TestClient, example_text: str) -> None:
    english = client.post("/v1/analyze", json={"text": example_text, "store": False}).json()
    assert english["article"]["language"] == "en"
    assert {c["language"] for c in english["claims"]} == {"en"}

    response = client.post("/v1/analyze", json={"text": SPANISH_ARTICLE})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["article"]["language"] == "es"
    assert body["article"]["sentences"] == 2
    # The headline states a claim too, as in English; then the two sentences.
    assert body["claims"][0]["text"] == "Bulo sobre los leones de Putin"
    assert [c["language"] for c in body["claims"]] == ["es", "es", "es"]
    stored = client.get(f"/v1/articles/{body['article']['id']}").json()
    assert stored["language"] == "es"
    assert [c["language"] for c in stored["claims"]] == ["es", "es", "es"]
    page = client.get(f"/ui/articles/{body['article']['id']}").text
    assert '<span class="lang" id="article-language" title="language of the article">es</span>' in (
        page
    )
