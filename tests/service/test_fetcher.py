"""The fetcher's limits against a local server: addresses, redirects, sizes, validators."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from service.fetcher import Fetcher, FetchError, redact
from tests.service.sync_helpers import Site, local_site


@pytest.fixture
def site() -> Iterator[Site]:
    with local_site() as served:
        yield served


def _fetcher(**options: object) -> Fetcher:
    settings: dict[str, object] = {
        "allow_private": True,
        "timeout_s": 1.0,
        "attempts": 2,
        "backoff_s": 0.01,
        **options,
    }
    return Fetcher(**settings)  # type: ignore[arg-type]


def test_loopback_and_private_addresses_are_refused_unless_allowed(site: Site) -> None:
    url = site.serve("/feed.json", "{}")
    with Fetcher(attempts=3) as guarded:
        for target in (url, url.replace("127.0.0.1", "localhost"), "http://10.0.0.1/feed.json"):
            with pytest.raises(FetchError) as refused:
                guarded.get(target)
            assert "non-public address" in refused.value.reason
            assert not refused.value.transient
    assert site.queries.get("/feed.json") is None, "no request reached the server"
    with _fetcher() as allowed:
        assert allowed.get(url).content == b"{}"


def test_redirects_are_followed_up_to_the_limit(site: Site) -> None:
    site.serve("/final", "done")
    for hop in range(4):
        site.redirects[f"/hop{hop}"] = "/final" if hop == 0 else f"/hop{hop - 1}"
    with _fetcher(max_redirects=4) as fetcher:
        result = fetcher.get(site.url("/hop3"))
        assert (result.content, result.url) == (b"done", site.url("/final"))
    with _fetcher(max_redirects=2) as fetcher, pytest.raises(FetchError) as too_many:
        fetcher.get(site.url("/hop3"))
    assert "more than 2 redirects" in too_many.value.reason


def test_size_is_limited_before_anything_is_parsed(site: Site) -> None:
    site.serve("/big", b"x" * 5000)
    site.serve("/big-unannounced", b"y" * 5000, chunked=True)
    with _fetcher(max_bytes=4096) as fetcher:
        for path in ("/big", "/big-unannounced"):
            with pytest.raises(FetchError) as too_large:
                fetcher.get(site.url(path))
            assert "4,096-byte limit" in too_large.value.reason
            assert len(site.queries[path]) == 1, "a size refusal is not retried"
    with _fetcher(max_bytes=5000) as fetcher:
        assert len(fetcher.get(site.url("/big-unannounced")).content) == 5000


def test_validators_bring_a_304_and_transient_errors_are_retried(site: Site) -> None:
    site.serve("/feed.json", "[]", content_type="application/json")
    with _fetcher() as fetcher:
        first = fetcher.get(site.url("/feed.json"))
        again = fetcher.get(site.url("/feed.json"), etag=first.etag)
        assert (first.status, again.status, again.not_modified, again.content) == (
            200,
            304,
            True,
            b"",
        )
        site.serve("/busy", "", status=503)
        with pytest.raises(FetchError) as busy:
            fetcher.get(site.url("/busy"))
        assert busy.value.transient and busy.value.status == 503
        assert len(site.queries["/busy"]) == 2
        site.serve("/missing-ok", "", status=404)
        with pytest.raises(FetchError) as missing:
            fetcher.get(site.url("/missing-ok"))
        assert not missing.value.transient and len(site.queries["/missing-ok"]) == 1


def test_secrets_in_urls_are_redacted() -> None:
    url = "https://example.org/claims:search?query=x&key=SECRET&pageSize=10"
    assert redact(url) == "https://example.org/claims:search?query=x&key=…&pageSize=10"
