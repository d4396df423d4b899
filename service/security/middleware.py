"""Refuse requests a browser could be tricked into sending, before any route runs.

With authentication off (the local default) every caller is an admin, so a web page in the
user's browser must not be able to act on the service:

- DNS rebinding: a foreign name resolving to 127.0.0.1 sends its own ``Host``; only the
  allowed hosts are answered (400).
- Cross-site requests: a state-changing request whose ``Origin`` is neither the service's
  own nor an allowed one, or that the browser marks ``Sec-Fetch-Site: cross-site``, is
  refused (403). Clients that send neither header (curl, SDKs) are not browsers.
- "Simple" requests: a page may POST ``text/plain`` or a form without a CORS preflight,
  so API bodies must be declared JSON (415); the feed import also takes CSV and NDJSON.

Responses of the API and the UI's pages get ``Cache-Control: no-store`` (they show
private data), and over HTTPS (directly, or behind a proxy trusted through
CLAIMFLAG_TRUSTED_PROXIES, which uvicorn honours) ``Strict-Transport-Security``.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import problem_for

logger = logging.getLogger(__name__)

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
HSTS = b"max-age=31536000"
_PRIVATE_PREFIXES = ("/v1/", "/ui/")
_PUBLIC_PREFIXES = ("/ui/static/",)
JSON_MEDIA_TYPES = frozenset({"application/json"})
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def split_host(value: str) -> tuple[str, int | None]:
    """``host[:port]`` (IPv6 in brackets) as a lower-case name and a port, or (``""``, None)."""
    try:
        parts = urlsplit(f"//{value.strip()}")
        return (parts.hostname or "").lower(), parts.port
    except ValueError:
        return "", None


def _origin_key(origin: str) -> tuple[str, str, int | None] | None:
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname:
        return None
    scheme = parts.scheme.lower()
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS.get(scheme)


def media_type(headers: Headers) -> str:
    return headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _is_json(media: str) -> bool:
    return media in JSON_MEDIA_TYPES or (
        media.startswith("application/") and media.endswith("+json")
    )


def _has_body(headers: Headers) -> bool:
    length = headers.get("content-length")
    if length is not None:
        return length.strip() not in ("", "0")
    return "transfer-encoding" in headers


class CrossSiteGuardMiddleware:
    """Host allow-list for every request; origin and content-type checks for writes.

    Args:
        allowed_hosts: Host names or addresses answered (``*``: any).
        allowed_origins: Origins besides the service's own allowed to send writes.
        json_prefixes: Paths whose writes must carry a JSON body (when they have one).
        media_types: Path → the media types it accepts instead of JSON only.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        allowed_hosts: Collection[str],
        allowed_origins: Collection[str] = (),
        json_prefixes: tuple[str, ...] = ("/v1/",),
        media_types: Mapping[str, Collection[str]] | None = None,
    ) -> None:
        self.app = app
        self.any_host = "*" in allowed_hosts
        self.allowed_hosts = frozenset(h.lower() for h in allowed_hosts)
        self.allowed_origins = {key for o in allowed_origins if (key := _origin_key(o))}
        self.json_prefixes = json_prefixes
        self.media_types = {p: frozenset(m) for p, m in (media_types or {}).items()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        send = self._with_headers(scope, send)
        refusal = self._refusal(scope, headers)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        status, title, detail, code = refusal
        logger.warning(
            "refused %s %s: %s", scope["method"], scope["path"], detail.replace("\n", " ")
        )
        await problem_for(scope, status, title, detail, code)(scope, receive, send)

    @staticmethod
    def _with_headers(scope: Scope, send: Send) -> Send:
        path: str = scope["path"]
        private = path.startswith(_PRIVATE_PREFIXES) and not path.startswith(_PUBLIC_PREFIXES)
        secure = scope.get("scheme") == "https"
        if not private and not secure:
            return send

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[tuple[bytes, bytes]] = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                if private and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                if secure and b"strict-transport-security" not in present:
                    headers.append((b"strict-transport-security", HSTS))
                message = {**message, "headers": headers}
            await send(message)

        return send_with_headers

    def _refusal(self, scope: Scope, headers: Headers) -> tuple[int, str, str, str] | None:
        host, port = split_host(headers.get("host", ""))
        if not self.any_host and host not in self.allowed_hosts:
            shown = headers.get("host", "")[:100]
            return (
                400,
                "Host not allowed",
                f"Host {shown!r} is not one this service answers to; add it to"
                " CLAIMFLAG_ALLOWED_HOSTS if it should be",
                "host_not_allowed",
            )
        if scope["method"] not in STATE_CHANGING:
            return None
        site = headers.get("sec-fetch-site", "").lower()
        origin = headers.get("origin")
        if site == "cross-site":
            return self._cross_site(f"a cross-site request (from {origin or 'another site'})")
        # A browser that says the request comes from this very origin is believed even when
        # a privacy setting made it send `Origin: null`.
        vouched = site == "same-origin" and origin == "null"
        if (
            origin is not None
            and not vouched
            and not self._origin_allowed(origin, scope, host, port)
        ):
            return self._cross_site(f"a request from origin {origin[:100]!r}")
        return self._media_refusal(scope["path"], headers)

    def _origin_allowed(self, origin: str, scope: Scope, host: str, port: int | None) -> bool:
        key = _origin_key(origin)
        if key is None:  # "null" (sandboxed frames, privacy redirects) or malformed
            return False
        if key in self.allowed_origins:
            return True
        # The service's own origin. The scheme is not compared: behind a TLS proxy the
        # service sees http while the browser says https, for the same host and port.
        scheme = scope.get("scheme", "http")
        own_port = port or _DEFAULT_PORTS.get(scheme)
        same_port = key[2] == own_port or (port is None and key[2] in (80, 443))
        return key[1] == host and same_port

    @staticmethod
    def _cross_site(what: str) -> tuple[int, str, str, str]:
        return (
            403,
            "Cross-site request refused",
            f"{what} may not change anything here; add the page's origin to"
            " CLAIMFLAG_ALLOWED_ORIGINS if it should",
            "cross_site_refused",
        )

    def _media_refusal(self, path: str, headers: Headers) -> tuple[int, str, str, str] | None:
        if not path.startswith(self.json_prefixes) or not _has_body(headers):
            return None
        media = media_type(headers)
        accepted = self.media_types.get(path)
        if accepted is not None:
            if media in accepted or _is_json(media):
                return None
            wanted = ", ".join(sorted(accepted | JSON_MEDIA_TYPES))
        elif _is_json(media):
            return None
        else:
            wanted = "application/json"
        return (
            415,
            "Unsupported media type",
            f"this endpoint takes {wanted}, not {media or 'a body without Content-Type'}:"
            f" send the body as JSON with the header Content-Type: {wanted.split(', ')[0]}"
            ' (for /v1/analyze, {"text": "the article text"})',
            "unsupported_media_type",
        )
