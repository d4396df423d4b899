"""Polite, safe HTTP fetching for sources and monitored feeds.

Every fetch has a timeout, retries timeouts, connection errors, 429 and 5xx with
exponential backoff (honouring a short ``Retry-After``), follows a bounded number of
redirects, reads at most ``max_bytes`` (counted after decompression, before any parsing)
and sends the validators it is given (``If-None-Match``, ``If-Modified-Since``).

Addresses are checked where the connection is made, not only where the URL is read: the
transport resolves each host itself, refuses loopback, private, link-local, multicast,
reserved and unspecified addresses unless the operator allows them, and connects to the
address it checked. A redirect to such an address, or a name that resolves to one later
(DNS rebinding), is therefore refused as well.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from service.config import Settings

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Longest Retry-After honoured; a server asking for more is retried after this.
MAX_RETRY_AFTER_S = 60.0
_SECRET_PARAMS = re.compile(r"([?&](?:key|api_key|apikey|token)=)[^&#]*", re.IGNORECASE)


def redact(url: str) -> str:
    """``url`` with API keys and tokens in its query replaced, for logs and run records."""
    return _SECRET_PARAMS.sub(r"\1…", url)


class FetchError(Exception):
    """A document could not be fetched.

    Attributes:
        url: The URL asked for (secrets redacted).
        reason: Why, in a few words.
        transient: Whether trying again later may succeed (timeouts, 5xx, 429).
        status: The HTTP status, when the server answered.
        retry_after: Seconds the server asked us to wait before trying again.
    """

    def __init__(
        self,
        url: str,
        reason: str,
        *,
        transient: bool,
        status: int | None = None,
        retry_after: float = 0.0,
    ) -> None:
        super().__init__(f"{redact(url)}: {reason}")
        self.url = redact(url)
        self.reason = reason
        self.transient = transient
        self.status = status
        self.retry_after = retry_after


class BlockedAddressError(Exception):
    """A connection to a non-public address that the settings do not allow."""


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether ``address`` is a global unicast address (an IPv4-mapped one judged as IPv4)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


class GuardedBackend(httpcore.SyncBackend):
    """Resolves each host itself and connects only to addresses the policy admits."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    def resolve(self, host: str, port: int) -> list[str]:
        """The host's addresses, all checked; raises ``BlockedAddressError`` if any is not."""
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc.strerror}") from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        if not self.allow_private:
            for address in addresses:
                parsed = ipaddress.ip_address(address.split("%", 1)[0])
                if not is_public(parsed):
                    raise BlockedAddressError(
                        f"{host} resolves to {address}, a non-public address "
                        "(CLAIMFLAG_FETCH_ALLOW_PRIVATE_ADDRESSES allows it)"
                    )
        return addresses

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        last: Exception | None = None
        for address in self.resolve(host, port):
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:  # try the host's next address
                last = exc
        raise last or httpcore.ConnectError(f"no address for {host}")


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport over a connection pool that uses ``GuardedBackend``."""

    def __init__(self, allow_private: bool) -> None:
        super().__init__(trust_env=False)
        # httpx builds its pool without a way to pass a network backend: replace it.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=10,
            max_keepalive_connections=5,
            keepalive_expiry=5.0,
            network_backend=GuardedBackend(allow_private),
        )


@dataclass(frozen=True, slots=True)
class Fetched:
    """A fetched document, or word that it has not changed (``status`` 304, no content)."""

    url: str
    status: int
    content: bytes
    content_type: str | None
    etag: str | None
    last_modified: str | None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class Fetcher:
    """Fetches documents with the limits above; one instance serves a whole run.

    Args:
        allow_private: Allow non-public addresses (tests, intranet sources).
        timeout_s: Connect and read timeout. Defaults to 20.
        max_bytes: Most bytes read from one response. Defaults to 10 MiB.
        max_redirects: Redirects followed. Defaults to 5.
        attempts: Tries on a transient failure. Defaults to 3.
        backoff_s: Delay before the second try, doubled after each. Defaults to 2.
        user_agent: The User-Agent header.
    """

    def __init__(
        self,
        *,
        allow_private: bool = False,
        timeout_s: float = 20.0,
        max_bytes: int = 10 * 1024 * 1024,
        max_redirects: int = 5,
        attempts: int = 3,
        backoff_s: float = 2.0,
        user_agent: str = "claimflag",
    ) -> None:
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.attempts = attempts
        self.backoff_s = backoff_s
        self._client = httpx.Client(
            transport=GuardedTransport(allow_private),
            timeout=httpx.Timeout(timeout_s),
            follow_redirects=False,
            headers={"user-agent": user_agent},
            trust_env=False,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> Fetcher:
        return cls(
            allow_private=settings.fetch_allow_private_addresses,
            timeout_s=settings.fetch_timeout_s,
            max_bytes=settings.fetch_max_bytes,
            max_redirects=settings.fetch_max_redirects,
            attempts=settings.fetch_attempts,
            backoff_s=settings.fetch_backoff_s,
            user_agent=settings.fetch_user_agent,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str | None = None,
        params: Mapping[str, str] | None = None,
    ) -> Fetched:
        """Fetch ``url``, retrying transient failures; raises ``FetchError`` when it cannot."""
        headers = {"accept": accept or "*/*"}
        if etag:
            headers["if-none-match"] = etag
        if last_modified:
            headers["if-modified-since"] = last_modified
        delay = self.backoff_s
        for attempt in range(1, self.attempts + 1):
            try:
                return self._follow(url, headers, params)
            except FetchError as error:
                if not error.transient or attempt == self.attempts:
                    raise
                wait = max(delay, error.retry_after)
                logger.info("fetch %s failed (%s); retry in %.1fs", error.url, error.reason, wait)
                time.sleep(wait)
                delay *= 2
        raise AssertionError("unreachable")

    def _follow(
        self, url: str, headers: dict[str, str], params: Mapping[str, str] | None
    ) -> Fetched:
        current = url
        for _hop in range(self.max_redirects + 1):
            scheme = urlsplit(current).scheme.lower()
            if scheme not in {"http", "https"}:
                raise FetchError(current, f"unsupported scheme {scheme!r}", transient=False)
            fetched, location = self._once(current, headers, params)
            if location is None:
                assert fetched is not None
                return fetched
            current = urljoin(current, location)
            params = None  # the Location carries its own query
        raise FetchError(url, f"more than {self.max_redirects} redirects", transient=False)

    def _once(
        self, url: str, headers: dict[str, str], params: Mapping[str, str] | None
    ) -> tuple[Fetched | None, str | None]:
        try:
            with self._client.stream("GET", url, headers=headers, params=params) as response:
                status = response.status_code
                if status in REDIRECT_STATUSES and response.headers.get("location"):
                    return None, response.headers["location"]
                if status == 304:
                    return self._result(response, b""), None
                if status in RETRY_STATUSES:
                    raise FetchError(
                        url,
                        f"HTTP {status}",
                        transient=True,
                        status=status,
                        retry_after=_retry_after(response.headers.get("retry-after")),
                    )
                if status >= 400:
                    raise FetchError(url, f"HTTP {status}", transient=False, status=status)
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > self.max_bytes:
                    raise FetchError(url, self._too_large(int(declared)), transient=False)
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > self.max_bytes:
                        raise FetchError(url, self._too_large(len(body)), transient=False)
                return self._result(response, bytes(body)), None
        except BlockedAddressError as exc:
            raise FetchError(url, f"refused: {exc}", transient=False) from exc
        except httpx.TimeoutException as exc:
            raise FetchError(url, f"timed out ({type(exc).__name__})", transient=True) from exc
        except httpx.DecodingError as exc:
            raise FetchError(url, "undecodable content encoding", transient=False) from exc
        except httpx.TransportError as exc:
            raise FetchError(url, f"connection failed ({exc})", transient=True) from exc

    def _too_large(self, size: int) -> str:
        return f"larger than the {self.max_bytes:,}-byte limit ({size:,}+ bytes)"

    @staticmethod
    def _result(response: httpx.Response, content: bytes) -> Fetched:
        return Fetched(
            url=str(response.url),
            status=response.status_code,
            content=content,
            content_type=response.headers.get("content-type"),
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
        )


def _retry_after(value: str | None) -> float:
    if value and value.strip().isdigit():
        return min(float(value.strip()), MAX_RETRY_AFTER_S)
    return 0.0
