"""Fetching a link a chat user pasted, without letting the link reach inside our network.

Owns the server-side request forgery guard and the HTTP mechanics of one fetch:

* only http/https; the host is resolved once and refused if *any* address it resolves to
  is not a public unicast address (private, loopback, link-local incl. the cloud metadata
  address 169.254.169.254, multicast, reserved, unspecified, shared, documentation; IPv4,
  IPv6, and IPv4 embedded in IPv6 as mapped, 6to4, Teredo or NAT64 addresses);
* the connection goes to the vetted IP itself (Host header and TLS SNI/certificate check
  still use the name), so a DNS answer that changes between check and connect (DNS
  rebinding) cannot redirect us;
* redirects are followed by hand and every hop is vetted again before connecting;
* the body is streamed and abandoned once it passes `fetch_max_bytes` (counted after
  decompression, so a small gzip bomb is caught too), within a wall-clock budget;
* only HTML and plain text are accepted, decoded with the declared or sniffed charset;
* proxies from the environment are ignored: a proxy would connect on our behalf to
  whatever the name resolves to at *its* end, defeating the pinning.

`Settings.fetch_allow_private_hosts` (tests only) lifts the address check for the listed
hosts and nothing else.
"""

from __future__ import annotations

import codecs
import ipaddress
import re
import socket
import time
from dataclasses import dataclass

import httpx
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_fixed

from bot.indexer.types import IngestRefused
from bot.indexer.validate import human_size
from bot.settings import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_TYPES = frozenset({"text/plain"})
_USER_AGENT = "uspak-briefing-bot/0.1 (+article fetcher)"
_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
# The whole fetch (all hops, all reads) may take this many read timeouts at most, so a
# server dripping one byte per second cannot hold a worker for ever.
_TOTAL_BUDGET_FACTOR = 3

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


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise IngestRefused(f"cannot resolve host {host!r}: {exc}") from exc
    addresses: list[IPAddress] = []
    for *_, sockaddr in infos:
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if ip not in addresses:
            addresses.append(ip)
    return addresses


def vet_url(url: str | httpx.URL, settings: Settings) -> Target:
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
        addresses = _resolve(host, port)
    except IngestRefused as exc:
        raise _refuse(url, exc.reason) from exc
    if not addresses:
        raise _refuse(url, f"host {host!r} has no addresses")
    if not _is_allowlisted(host, settings):
        for ip in addresses:
            problem = address_problem(ip)
            if problem:
                shown = problem if str(ip) == host else f"{problem} ({ip})"
                raise _refuse(url, shown)
    return Target(url=parsed, ip=addresses[0])


def _pinned_request(client: httpx.Client, target: Target) -> httpx.Request:
    """A GET for `target.url` that connects to the vetted IP, not to a fresh DNS answer."""
    url = target.url
    pinned = url.copy_with(host=str(target.ip))
    headers = {"Host": url.netloc.decode("ascii"), "User-Agent": _USER_AGENT}
    headers["Accept"] = "text/html,application/xhtml+xml,text/plain;q=0.9"
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


def _read_capped(response: httpx.Response, url: object, limit: int, deadline: float) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _refuse(url, f"larger than {human_size(limit)}")
    chunks: list[bytes] = []
    total = 0
    for chunk in response.iter_bytes():
        total += len(chunk)
        if total > limit:
            raise _refuse(url, f"larger than {human_size(limit)}")
        if time.monotonic() > deadline:
            raise _refuse(url, "took too long to download")
        chunks.append(chunk)
    return b"".join(chunks)


def fetch(url: str, settings: Settings, *, client: httpx.Client | None = None) -> Fetched:
    """Fetch one HTML or plain-text page, or raise `IngestRefused` saying why not."""
    timeout = settings.fetch_timeout_seconds
    deadline = time.monotonic() + timeout * _TOTAL_BUDGET_FACTOR
    own_client = client is None
    if client is None:
        client = httpx.Client(
            follow_redirects=False,
            trust_env=False,
            timeout=httpx.Timeout(timeout, connect=timeout, read=timeout),
        )
    current: str = url
    try:
        for _hop in range(settings.fetch_max_redirects + 1):
            target = vet_url(current, settings)
            request = _pinned_request(client, target)
            try:
                response = _send(client, request)
            except httpx.TimeoutException as exc:
                raise _refuse(current, "the server did not answer in time") from exc
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
                if response.status_code >= 400:
                    raise _refuse(
                        current,
                        f"the server answered HTTP {response.status_code} "
                        f"{response.reason_phrase}".rstrip(),
                    )
                media, charset = _media_type(response)
                if media and media not in HTML_TYPES | TEXT_TYPES:
                    raise _refuse(current, f"not HTML or text ({media})")
                try:
                    body = _read_capped(response, current, settings.fetch_max_bytes, deadline)
                except httpx.TimeoutException as exc:
                    raise _refuse(current, "the server stopped sending") from exc
                except httpx.HTTPError as exc:
                    raise _refuse(current, f"download failed ({type(exc).__name__})") from exc
                if not media:
                    media = "text/html" if _HTML_SNIFF.match(body[:2048]) else "text/plain"
                text = decode_body(body, charset, html=media in HTML_TYPES)
                return Fetched(url=current, content_type=media, text=text)
            finally:
                response.close()
        raise _refuse(url, f"too many redirects (more than {settings.fetch_max_redirects})")
    finally:
        if own_client:
            client.close()
