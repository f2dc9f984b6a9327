"""Link fetching against a real local HTTP server, and the SSRF guard without one.

Every test runs under `connections`, which records each outgoing socket connect and
fails any attempt to reach a non-loopback address: the guard must refuse *before*
connecting, so no test ever touches the network beyond 127.0.0.1.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from bot.indexer import fetch as fetch_module
from bot.indexer.clean import clean
from bot.indexer.fetch import fetch, vet_url
from bot.indexer.sources import load_url
from bot.indexer.types import IngestRefused
from bot.settings import Settings
from tests.loopback import *  # noqa: F403  (the autouse `connections` guard: loopback only)

PARAGRAPH = (
    "The harbour authority said on Monday that the new ferry route would open in the "
    "spring after two years of delays, and that fares would be announced next month."
)
QUOTE = "“We are ready to start as soon as the weather allows,” the port director said."
PAGE = f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>Ferry Route to Open | Island Gazette</title>
<meta property="og:title" content="Ferry Route to Open">
<meta property="og:site_name" content="Island Gazette">
<meta property="article:published_time" content="2019-04-02T09:00:00Z">
</head><body><nav><a href="/">Home</a></nav>
<article><h1>Ferry Route to Open</h1><p>{PARAGRAPH}</p><p>{QUOTE}</p>
<p>Local traders welcomed the decision but said the island needed a second daily crossing.</p>
</article><footer>Copyright 2019 Island Gazette</footer></body></html>"""


class Handler(BaseHTTPRequestHandler):
    """Routes: /article, /text, /latin1, /r/<n> (redirect chain), /pdf, /big, /big-declared,
    /to-private, /missing, /host (echoes the Host header)."""

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, body: bytes, content_type: str, status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        path = self.path
        if path == "/article":
            self._send(PAGE.encode(), "text/html; charset=utf-8")
        elif path == "/text":
            self._send(f"---\ntitle: Plain\n---\n{PARAGRAPH}\n".encode(), "text/plain")
        elif path == "/latin1":
            body = "<html><body><p>Café prices rose.</p></body></html>".encode("latin-1")
            self._send(body, "text/html; charset=iso-8859-1")
        elif path.startswith("/r/"):
            n = int(path.rsplit("/", 1)[1])
            self._redirect("/article" if n == 0 else f"/r/{n - 1}")
        elif path == "/pdf":
            self._send(b"%PDF-1.4 fake", "application/pdf")
        elif path == "/big":
            # No Content-Length: the size is only discovered while streaming.
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Connection", "close")
            self.end_headers()
            for _ in range(100):
                self.wfile.write(b"<p>" + b"x" * 1_000 + b"</p>")
        elif path == "/big-declared":
            self._send(b"<p>" + b"y" * 20_000 + b"</p>", "text/html")
        elif path == "/to-private":
            self._redirect("http://10.0.0.1/secret")
        elif path == "/to-file":
            self._redirect("file:///etc/passwd")
        elif path == "/host":
            self._send(self.headers.get("Host", "").encode(), "text/plain")
        else:
            self._send(b"not here", "text/plain", status=404)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def allow(**overrides: Any) -> Settings:
    base: dict[str, Any] = {"fetch_allow_private_hosts": ["127.0.0.1"], "fetch_timeout_seconds": 5}
    return Settings(**{**base, **overrides})


def test_html_page_fetched_and_cleaned(server: str) -> None:
    raw = load_url(f"{server}/article", allow())
    assert raw.origin == "url"
    assert raw.url == f"{server}/article"
    assert raw.html is not None and raw.text is None
    article = clean(raw)
    assert article.title == "Ferry Route to Open"
    assert article.source == "Island Gazette"
    assert PARAGRAPH in article.text and QUOTE in article.text
    assert "Copyright" not in article.text


def test_plain_text_with_front_matter(server: str) -> None:
    raw = load_url(f"{server}/text", allow())
    assert (raw.html, raw.title, raw.url) == (None, "Plain", f"{server}/text")
    assert raw.text is not None and PARAGRAPH in raw.text


def test_declared_charset_used(server: str) -> None:
    fetched = fetch(f"{server}/latin1", allow())
    assert "Café prices rose." in fetched.text


def test_redirect_chain_followed(server: str) -> None:
    fetched = fetch(f"{server}/r/4", allow(fetch_max_redirects=5))
    assert fetched.url == f"{server}/article"
    assert fetched.is_html
    assert PARAGRAPH in fetched.text


def test_too_many_redirects_refused(server: str) -> None:
    with pytest.raises(IngestRefused, match="too many redirects"):
        fetch(f"{server}/r/6", allow(fetch_max_redirects=5))


def test_wrong_content_type_refused(server: str) -> None:
    with pytest.raises(IngestRefused) as info:
        fetch(f"{server}/pdf", allow())
    assert (
        info.value.reason == f"refusing to fetch {server}/pdf: not HTML or text (application/pdf)"
    )


@pytest.mark.parametrize("path", ["/big", "/big-declared"])
def test_oversized_body_refused(server: str, path: str) -> None:
    with pytest.raises(IngestRefused, match="larger than 10 kB"):
        fetch(f"{server}{path}", allow(fetch_max_bytes=10_000))


def test_http_error_not_retried(server: str, connections: list[str]) -> None:
    with pytest.raises(IngestRefused, match="HTTP 404"):
        fetch(f"{server}/missing", allow())
    assert len(connections) == 1


def test_connection_pinned_to_vetted_address(
    server: str, connections: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name is resolved once; the socket goes to that address, the Host header keeps
    the name. A second (rebinding) answer would never be asked for."""
    port = int(server.rsplit(":", 1)[1])
    answers = iter([[(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]])
    real_getaddrinfo = socket.getaddrinfo

    def resolve_once(host: str, *args: Any, **kwargs: Any) -> Any:
        if host == "ferry.test":
            return next(answers)  # StopIteration if the name is resolved twice
        ipaddress.ip_address(host)  # the connection itself may only look up an IP literal
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(fetch_module.socket, "getaddrinfo", resolve_once)
    fetched = fetch(
        f"http://ferry.test:{port}/host", allow(fetch_allow_private_hosts=["ferry.test"])
    )
    assert fetched.text == f"ferry.test:{port}"
    assert connections == ["127.0.0.1"]


def test_redirect_to_private_address_refused_without_connecting(
    server: str, connections: list[str]
) -> None:
    with pytest.raises(IngestRefused) as info:
        fetch(f"{server}/to-private", allow())
    assert info.value.reason == "refusing to fetch http://10.0.0.1/secret: private address"
    assert connections == ["127.0.0.1"]  # only the allowlisted test server


def test_redirect_to_file_url_refused(server: str) -> None:
    with pytest.raises(IngestRefused, match="only http and https"):
        fetch(f"{server}/to-file", allow())


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("SERVER/article", "private address"),
        ("http://10.0.0.1/", "private address"),
        ("http://192.168.1.20:8080/admin", "private address"),
        ("http://169.254.169.254/latest/meta-data", "private address"),
        ("http://[::1]/", "private address"),
        ("http://[::ffff:127.0.0.1]/", "private address"),
        ("http://[::ffff:10.1.2.3]/", "private address"),
        ("http://[fd00::1]/", "private address"),
        ("http://[fe80::1]/", "private address"),
        ("http://0.0.0.0/", "private address"),
        ("http://[::]/", "private address"),
        ("http://224.0.0.251/", "private address"),
        ("http://100.64.0.1/", "private address"),
        ("http://localhost/", "private address"),
        ("file:///etc/passwd", "only http and https"),
        ("ftp://ftp.example.org/file.txt", "only http and https"),
        ("http:///nohost", "no host"),
    ],
)
def test_guard_refuses_before_connecting(
    server: str, connections: list[str], url: str, why: str
) -> None:
    url = url.replace("SERVER", server)
    with pytest.raises(IngestRefused) as info:
        fetch(url, Settings(fetch_allow_private_hosts=[]))
    assert info.value.reason.startswith(f"refusing to fetch {url}: ")
    assert why in info.value.reason
    assert connections == []


def test_any_private_answer_poisons_a_name(
    connections: list[str], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def mixed(host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port)),
        ]

    monkeypatch.setattr(fetch_module.socket, "getaddrinfo", mixed)
    caplog.set_level(logging.INFO, logger="bot.indexer.fetch")
    with pytest.raises(IngestRefused) as info:
        fetch("http://mixed.test/", Settings())
    # the user learns that the name is private, not what it resolves to (issue 11)
    assert info.value.reason == "refusing to fetch http://mixed.test/: private address"
    assert connections == []
    assert "mixed.test resolves to 10.0.0.7 (private address)" in caplog.text  # operators


def test_unresolvable_name_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(fetch_module.socket, "getaddrinfo", fail)
    with pytest.raises(IngestRefused, match="cannot resolve host"):
        fetch("http://nowhere.test/", Settings())


def test_allowlist_lifts_only_the_address_check() -> None:
    settings = Settings(fetch_allow_private_hosts=["127.0.0.1"])
    assert str(vet_url("http://127.0.0.1:9/", settings).ip) == "127.0.0.1"
    with pytest.raises(IngestRefused, match="private address"):
        vet_url("http://10.0.0.1/", settings)
    with pytest.raises(IngestRefused, match="only http and https"):
        vet_url("ftp://127.0.0.1/", settings)


def test_connect_error_retried_once_then_refused(connections: list[str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(IngestRefused, match="could not connect"):
        fetch(f"http://127.0.0.1:{port}/", allow())
    assert connections == ["127.0.0.1", "127.0.0.1"]
