"""Fetching a link a chat user pasted, without letting the link reach inside our network.

Owns the server-side request forgery guard and the HTTP mechanics of one fetch:

* only http/https; the host is resolved once and refused if *any* address it resolves to
  is not a public unicast address (private, loopback, link-local incl. the cloud metadata
  address 169.254.169.254, multicast, reserved, unspecified, shared, documentation; IPv4,
  IPv6, and IPv4 embedded in IPv6 as mapped, 6to4, Teredo or NAT64 addresses). The user
  is told "private address" and nothing more: which range, or what a name resolved to,
  would map our network for whoever asks (the log keeps the detail);
* the connection goes to the vetted IP itself (Host header and TLS SNI/certificate check
  still use the name), so a DNS answer that changes between check and connect (DNS
  rebinding) cannot redirect us;
* redirects are followed by hand and every hop is vetted again before connecting;
* ONE wall-clock deadline (`fetch_timeout_seconds`) covers the whole fetch: name
  resolution, connect, TLS, request, response headers and body, over every hop. Each
  socket operation may wait only for what is left of it, so a server that sends one
  header line a second, or never answers, is cut at the deadline;
* the body is accepted as identity or ONE gzip/deflate encoding (stacked or unknown
  encodings are refused: `gzip, gzip` inflated 6.8 KB into gigabytes), decompressed here
  incrementally, never more than `fetch_max_bytes` at a time, and abandoned once the
  compressed or the decompressed size passes that cap;
* only HTML and plain text are accepted, decoded with the declared or sniffed charset;
* proxies from the environment are ignored: a proxy would connect on our behalf to
  whatever the name resolves to at *its* end, defeating the pinning.

`Settings.fetch_allow_private_hosts` (tests only) lifts the address check for the listed
hosts and nothing else.
"""

from __future__ import annotations

import codecs
import ipaddress
import logging
import re
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import httpcore
import httpx
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_fixed

from bot.indexer.types import IngestRefused
from bot.indexer.validate import human_size
from bot.settings import Settings

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_TYPES = frozenset({"text/plain"})
# What feeds are served as in practice: the registered types, and plain XML.
FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/x-rss+xml",
        "application/xml",
        "text/xml",
    }
)
_ACCEPT_PAGE = "text/html,application/xhtml+xml,text/plain;q=0.9"
_ACCEPT_FEED = (
    "application/rss+xml,application/atom+xml,application/rdf+xml;q=0.9,"
    "application/xml;q=0.8,text/xml;q=0.8,text/html;q=0.1"
)
_USER_AGENT = "uspak-briefing-bot/0.1 (+article fetcher)"
_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
# What the user is told of any non-public address, whatever its kind.
PRIVATE_ADDRESS = "private address"
_ENCODINGS = {"gzip": "gzip", "x-gzip": "gzip", "deflate": "deflate"}
_READ_CHUNK = 64 * 1024

# 100.64.0.0/10 (carrier-grade NAT) is neither private nor global in `ipaddress`.
_SHARED = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_HTML_SNIFF = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S
)


@dataclass(frozen=True)
class Fetched:
    """A fetched document: where it finally came from, what it is, and its text."""

    url: str
    content_type: str
    text: str

    @property
    def is_html(self) -> bool:
        return self.content_type in HTML_TYPES


@dataclass(frozen=True)
class Target:
    """A vetted hop: the URL as given, and the address we will connect to for it."""

    url: httpx.URL
    ip: IPAddress


def _refuse(url: object, why: str) -> IngestRefused:
    return IngestRefused(f"refusing to fetch {url}: {why}")


def address_problem(ip: IPAddress) -> str | None:
    """Why `ip` must not be fetched from, or None if it is a public unicast address."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            inner = address_problem(embedded)
            if inner:
                return inner
    if ip.is_unspecified:
        return "unspecified address"
    if ip.is_loopback:
        return "loopback address"
    if ip.is_link_local:
        return "link-local address"
    if ip.is_multicast:
        return "multicast address"
    if ip.is_private or (isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED):
        return "private address"
    if ip.is_reserved:
        return "reserved address"
    if not ip.is_global:
        return "non-public address"
    return None


def _is_allowlisted(host: str, settings: Settings) -> bool:
    allowed = {h.strip().strip("[]").lower() for h in settings.fetch_allow_private_hosts}
    return host.lower() in allowed


def _resolve(host: str, port: int, deadline: float | None = None) -> list[IPAddress]:
    """The addresses of `host`, asked of the system resolver on a thread of its own, so
    that a resolver that never answers costs us only what is left of the deadline (the
    abandoned lookup ends on its own, when the resolver gives up)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    answer: dict[str, Any] = {}

    def lookup() -> None:
        try:
            answer["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            answer["error"] = exc

    thread = threading.Thread(target=lookup, name="fetch-resolve", daemon=True)
    thread.start()
    thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
    if thread.is_alive():
        raise IngestRefused(f"cannot resolve host {host!r}: no answer in time")
    if "error" in answer:
        raise IngestRefused(f"cannot resolve host {host!r}: {answer['error']}")
    addresses: list[IPAddress] = []
    for *_, sockaddr in answer["infos"]:
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if ip not in addresses:
            addresses.append(ip)
    return addresses


def vet_url(url: str | httpx.URL, settings: Settings, deadline: float | None = None) -> Target:
    """Check one hop before connecting; return the address to connect to.

    Refuses when *any* resolved address is non-public, not just the first: a name with
    one public and one private record could otherwise be steered to the private one.
    """
    try:
        parsed = httpx.URL(str(url))
    except (httpx.InvalidURL, ValueError) as exc:
        raise _refuse(url, f"not a valid URL ({exc})") from exc
    if parsed.scheme not in ("http", "https"):
        raise _refuse(url, f"only http and https links can be fetched, not {parsed.scheme or '?'}:")
    host = parsed.host
    if not host:
        raise _refuse(url, "no host in the URL")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        addresses = _resolve(host, port, deadline)
    except IngestRefused as exc:
        raise _refuse(url, exc.reason) from exc
    if not addresses:
        raise _refuse(url, f"host {host!r} has no addresses")
    if not _is_allowlisted(host, settings):
        for ip in addresses:
            problem = address_problem(ip)
            if problem:
                log.info("fetch refused: %s resolves to %s (%s)", host, ip, problem)
                raise _refuse(url, PRIVATE_ADDRESS)
    return Target(url=parsed, ip=addresses[0])


def _pinned_request(
    client: httpx.Client,
    target: Target,
    accept: str = _ACCEPT_PAGE,
    extra: dict[str, str] | None = None,
) -> httpx.Request:
    """A GET for `target.url` that connects to the vetted IP, not to a fresh DNS answer."""
    url = target.url
    pinned = url.copy_with(host=str(target.ip))
    headers = {"Host": url.netloc.decode("ascii"), "User-Agent": _USER_AGENT}
    headers["Accept"] = accept
    headers["Accept-Encoding"] = "gzip, deflate"  # all `_Inflater` reads
    headers.update(extra or {})
    extensions = {}
    if url.scheme == "https":
        # Certificate verification and SNI use the name, while the socket uses the IP.
        extensions["sni_hostname"] = url.host
    return client.build_request("GET", pinned, headers=headers, extensions=extensions)


@retry(
    retry=retry_if_exception_type(httpx.ConnectError),
    stop=stop_after_attempt(2),
    wait=wait_fixed(0.5),
    reraise=True,
)
def _send(client: httpx.Client, request: httpx.Request) -> httpx.Response:
    """Send once, retrying a failed connect once; HTTP errors are answers, never retried."""
    return client.send(request, stream=True, follow_redirects=False)


def _media_type(response: httpx.Response) -> tuple[str, str | None]:
    value = response.headers.get("content-type", "")
    media, _, params = value.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset" and val.strip():
            charset = val.strip().strip("\"'")
    return media.strip().lower(), charset


def decode_body(body: bytes, charset: str | None, *, html: bool) -> str:
    """Decode with the BOM, then the declared charset, then a <meta> charset, then UTF-8.

    Undeclared HTML that is not UTF-8 falls back to windows-1252, the web's default;
    anything else that cannot be decoded is replaced visibly rather than guessed at.
    """
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body.decode(name, errors="replace")
    candidates: list[str] = []
    if charset:
        candidates.append(charset)
    if html:
        meta = _META_CHARSET.search(body[:4096])
        if meta:
            candidates.append(meta.group(1).decode("ascii", "ignore"))
    candidates.append("utf-8")
    for name in candidates:
        try:
            return body.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("windows-1252" if html else "utf-8", errors="replace")


def _content_encoding(response: httpx.Response, url: object) -> str | None:
    """The body's single coding, "gzip" or "deflate", or None for identity; stacked,
    unknown and brotli/zstd codings are refused (we could not cap what they inflate to)."""
    codings = [
        c.strip().lower()
        for value in response.headers.get_list("content-encoding")
        for c in value.split(",")
    ]
    codings = [c for c in codings if c and c != "identity"]
    if not codings:
        return None
    if len(codings) == 1 and codings[0] in _ENCODINGS:
        return _ENCODINGS[codings[0]]
    shown = ", ".join(codings)[:60]
    raise _refuse(url, f"unsupported content encoding ({shown})")


class _Inflater:
    """Incremental gzip/deflate that never produces more than it is allowed to.

    `zlib`'s `max_length` bounds each call's output, so a bomb is caught after producing
    at most the cap plus one byte, never after inflating in full. HTTP "deflate" is
    usually zlib-wrapped but sometimes raw; like browsers, try the former first.
    """

    def __init__(self, encoding: str) -> None:
        self._encoding = encoding
        self._raw_fallback = encoding == "deflate"
        self._z = zlib.decompressobj(16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS)

    def feed(self, data: bytes, room: int) -> bytes:
        """Inflate `data`; at most `room + 1` bytes come back (more than `room` = over)."""
        out = b""
        while data and len(out) <= room:
            try:
                chunk = self._z.decompress(data, room + 1 - len(out))
            except zlib.error:
                if not self._raw_fallback:
                    raise
                self._raw_fallback = False
                self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                continue
            self._raw_fallback = False
            out += chunk
            data = self._z.unconsumed_tail
            if self._z.eof:  # concatenated gzip members: start the next one
                data = self._z.unused_data + data
                if data and self._encoding == "gzip":
                    self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
                else:
                    break
        return out


def _read_capped(
    response: httpx.Response, url: object, limit: int, deadline: float, encoding: str | None
) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _refuse(url, f"larger than {human_size(limit)}")
    inflater = _Inflater(encoding) if encoding else None
    chunks: list[bytes] = []
    received = total = 0
    try:
        for raw in response.iter_raw(_READ_CHUNK):
            received += len(raw)
            data = inflater.feed(raw, limit - total) if inflater else raw
            total += len(data)
            if received > limit or total > limit:
                raise _refuse(url, f"larger than {human_size(limit)}")
            if time.monotonic() > deadline:
                raise _too_slow(url)
            chunks.append(data)
    except zlib.error as exc:
        raise _refuse(url, f"the {encoding} body is corrupt") from exc
    return b"".join(chunks)


def _too_slow(url: object) -> IngestRefused:
    return _refuse(url, "the server took too long (no full answer within the time limit)")


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every wait is cut to what is left of the fetch's deadline."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: float) -> None:
        self._inner = inner
        self._deadline = deadline

    def _left(self, timeout: float | None, expired: type[Exception]) -> float:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise expired("the fetch deadline has passed")
        return left if timeout is None else min(timeout, left)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        left = self._left(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(
            self._inner.start_tls(ssl_context, server_hostname, left), self._deadline
        )

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.SyncBackend):
    """httpcore's own socket backend, with the connect and every later wait bounded by
    one deadline: per-operation timeouts alone let a server that trickles data (each
    read well within its timeout) hold a fetch open for ever."""

    def __init__(self, deadline: float) -> None:
        self._deadline = deadline

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise httpcore.ConnectTimeout("the fetch deadline has passed")
        timeout = left if timeout is None else min(timeout, left)
        stream = super().connect_tcp(host, port, timeout, local_address, socket_options)
        return _DeadlineStream(stream, self._deadline)


@lru_cache(maxsize=1)
def _ssl_context() -> ssl.SSLContext:
    """Built once: loading the CA bundle costs ~0.2 s, and a context is safe to share."""
    return httpx.create_ssl_context(trust_env=False)


class _DeadlineTransport(httpx.HTTPTransport):
    """httpx's transport over a pool that uses `_DeadlineBackend` (httpx has no option
    for a network backend, so the pool is built here with the same settings)."""

    def __init__(self, deadline: float) -> None:
        super().__init__(verify=_ssl_context(), trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=_ssl_context(),
            max_connections=1,
            network_backend=_DeadlineBackend(deadline),
        )


@dataclass(frozen=True)
class _Answer:
    """The last hop's answer: where it came from, its status, media type and raw body."""

    url: str
    status: int
    media: str
    charset: str | None
    body: bytes
    headers: httpx.Headers


def _exchange(
    url: str,
    settings: Settings,
    *,
    accept: str,
    media_types: frozenset[str],
    refusal: str,
    extra: dict[str, str] | None = None,
) -> _Answer:
    """GET `url` through the guard, hop by hop, and read the final body under the caps.

    A 304 answer (only possible when `extra` carries a conditional header) comes back
    with an empty body; any other status of 400 or more, a media type outside
    `media_types` ("not <refusal>") and every breach of the limits is a refusal.
    """
    limit_seconds = settings.fetch_timeout_seconds
    deadline = time.monotonic() + limit_seconds
    client = httpx.Client(
        transport=_DeadlineTransport(deadline),
        follow_redirects=False,
        trust_env=False,
        timeout=httpx.Timeout(limit_seconds),
    )
    current: str = url
    try:
        for _hop in range(settings.fetch_max_redirects + 1):
            target = vet_url(current, settings, deadline)
            request = _pinned_request(client, target, accept, extra)
            try:
                response = _send(client, request)
            except httpx.TimeoutException as exc:
                raise _too_slow(current) from exc
            except httpx.HTTPError as exc:
                raise _refuse(current, f"could not connect ({type(exc).__name__})") from exc
            try:
                if response.status_code in _REDIRECT_CODES:
                    location = response.headers.get("location")
                    if not location:
                        raise _refuse(
                            current, f"redirect ({response.status_code}) without a Location"
                        )
                    current = str(target.url.join(location))
                    continue
                if response.status_code == 304 and extra:
                    return _Answer(current, 304, "", None, b"", response.headers)
                if response.status_code >= 400:
                    raise _refuse(
                        current,
                        f"the server answered HTTP {response.status_code} "
                        f"{response.reason_phrase}".rstrip(),
                    )
                media, charset = _media_type(response)
                if media and media not in media_types:
                    raise _refuse(current, f"not {refusal} ({media})")
                encoding = _content_encoding(response, current)
                try:
                    body = _read_capped(
                        response, current, settings.fetch_max_bytes, deadline, encoding
                    )
                except httpx.TimeoutException as exc:
                    raise _too_slow(current) from exc
                except httpx.HTTPError as exc:
                    raise _refuse(current, f"download failed ({type(exc).__name__})") from exc
                return _Answer(
                    current, response.status_code, media, charset, body, response.headers
                )
            finally:
                response.close()
        raise _refuse(url, f"too many redirects (more than {settings.fetch_max_redirects})")
    finally:
        client.close()


def fetch(url: str, settings: Settings) -> Fetched:
    """Fetch one HTML or plain-text page, or raise `IngestRefused` saying why not."""
    answer = _exchange(
        url,
        settings,
        accept=_ACCEPT_PAGE,
        media_types=HTML_TYPES | TEXT_TYPES,
        refusal="HTML or text",
    )
    media = answer.media
    if not media:
        media = "text/html" if _HTML_SNIFF.match(answer.body[:2048]) else "text/plain"
    text = decode_body(answer.body, answer.charset, html=media in HTML_TYPES)
    return Fetched(url=answer.url, content_type=media, text=text)


@dataclass(frozen=True)
class FeedDocument:
    """A feed as fetched: its bytes (the parser reads the XML's own encoding declaration,
    so they are not decoded here) and the validators for the next conditional GET."""

    url: str
    status: int  # 200, or 304 when the validators sent still hold
    content_type: str
    charset: str | None
    body: bytes
    etag: str | None
    last_modified: str | None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def fetch_feed(
    url: str, settings: Settings, *, etag: str | None = None, last_modified: str | None = None
) -> FeedDocument:
    """Fetch a feed through the same guard and limits as a page, conditionally when
    validators from the last fetch are given; refuse as `fetch` does.

    HTML and plain text are let through so that the caller can tell a web page from a
    feed in its own words (some servers also send feeds as text/plain)."""
    extra: dict[str, str] = {}
    if etag:
        extra["If-None-Match"] = etag
    if last_modified:
        extra["If-Modified-Since"] = last_modified
    answer = _exchange(
        url,
        settings,
        accept=_ACCEPT_FEED,
        media_types=FEED_TYPES | HTML_TYPES | TEXT_TYPES,
        refusal="a feed, HTML or text",
        extra=extra,
    )
    return FeedDocument(
        url=answer.url,
        status=answer.status,
        content_type=answer.media,
        charset=answer.charset,
        body=answer.body,
        etag=answer.headers.get("etag") or (etag if answer.status == 304 else None),
        last_modified=answer.headers.get("last-modified")
        or (last_modified if answer.status == 304 else None),
    )
