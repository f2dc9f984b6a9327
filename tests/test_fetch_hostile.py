"""The fetcher against servers that attack it, all on 127.0.0.1.

Compression bombs (stacked encodings, a plain gzip bomb), unknown encodings, and servers
that hold a fetch open: one that sends a header line at a time, one that never answers,
one that trickles the body, and a resolver that never answers. Each must end in a
one-line refusal within the single deadline, with memory bounded by the body cap.
"""

from __future__ import annotations

import gzip
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from bot.indexer import fetch as fetch_module
from bot.indexer.fetch import fetch
from bot.indexer.types import IngestRefused
from bot.settings import Settings

TEXT = (
    b"The ferry company said on Friday that the winter timetable would keep two sailings "
    b"a day, and that the harbour works would be finished before the spring.\n"
)
HOLD_SECONDS = 8.0  # how long a stalling server stalls before giving up on its own
DEADLINE = 1.5


def gzipped(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=6, mtime=0)


def zlibbed(data: bytes) -> bytes:
    return zlib.compress(data)


def raw_deflated(data: bytes) -> bytes:
    z = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return z.compress(data) + z.flush()


class Hostile(BaseHTTPRequestHandler):
    """Routes: /encoded/<name> (a body with a chosen Content-Encoding), /drip-headers,
    /silent, /drip-body."""

    protocol_version = "HTTP/1.1"
    bodies: ClassVar[dict[str, tuple[str | None, bytes]]] = {}

    def log_message(self, *args: Any) -> None:
        pass

    def _hold(self, step: Callable[[int], bytes | None], interval: float) -> None:
        """Call `step` every `interval` seconds, writing what it returns, until the client
        goes away or HOLD_SECONDS pass."""
        end = time.monotonic() + HOLD_SECONDS
        n = 0
        try:
            while time.monotonic() < end:
                data = step(n)
                if data:
                    self.wfile.write(data)
                n += 1
                time.sleep(interval)
        except OSError:
            pass  # the client hung up: what the deadline is for
        self.close_connection = True

    def do_GET(self) -> None:
        if self.path.startswith("/encoded/"):
            encoding, body = self.bodies[self.path.removeprefix("/encoded/")]
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            if encoding is not None:
                self.send_header("Content-Encoding", encoding)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path == "/drip-headers":
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            self._hold(lambda n: f"X-Drip-{n}: {n}\r\n".encode(), 0.2)
        elif self.path == "/silent":
            self._hold(lambda n: None, 0.2)
        elif self.path == "/drip-body":
            self.wfile.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n"
            )
            self._hold(lambda n: b"x", 0.1)
        else:
            self.send_error(404)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def settings(**overrides: Any) -> Settings:
    base: dict[str, Any] = {
        "fetch_allow_private_hosts": ["127.0.0.1"],
        "fetch_timeout_seconds": DEADLINE,
    }
    return Settings(_env_file=None, **{**base, **overrides})  # type: ignore[call-arg]


def serve(encoding: str | None, body: bytes) -> str:
    """The path at which the server answers with `body` sent as `encoding`."""
    name = str(len(Hostile.bodies))
    Hostile.bodies[name] = (encoding, body)
    return f"/encoded/{name}"


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        (None, lambda b: b),
        ("identity", lambda b: b),
        ("gzip", gzipped),
        ("x-gzip", gzipped),
        ("GZIP", gzipped),
        ("deflate", zlibbed),
        ("deflate", raw_deflated),
    ],
    ids=["none", "identity", "gzip", "x-gzip", "upper-case", "deflate-zlib", "deflate-raw"],
)
def test_accepted_encodings_are_decoded(
    server: str, encoding: str | None, encode: Callable[[bytes], bytes]
) -> None:
    path = serve(encoding, encode(TEXT))
    assert fetch(server + path, settings()).text == TEXT.decode()


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        ("gzip, gzip", gzipped(gzipped(TEXT))),
        ("gzip, deflate", zlibbed(gzipped(TEXT))),
        ("br", b"\x0b\x02\x80hello\x03"),
        ("zstd", b"(\xb5/\xfd\x00Xhello"),
        ("compress", b"\x1f\x9d\x90hello"),
        ("rot13", TEXT),
    ],
    ids=["gzip-gzip", "gzip-deflate", "br", "zstd", "compress", "unknown"],
)
def test_other_encodings_are_refused(server: str, encoding: str, body: bytes) -> None:
    path = serve(encoding, body)
    with pytest.raises(IngestRefused) as info:
        fetch(server + path, settings())
    assert info.value.reason == (
        f"refusing to fetch {server}{path}: unsupported content encoding ({encoding})"
    )


def test_corrupt_gzip_is_refused(server: str) -> None:
    path = serve("gzip", gzipped(TEXT)[:12] + b"\x00garbage" * 20)
    with pytest.raises(IngestRefused, match="the gzip body is corrupt"):
        fetch(server + path, settings())


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """About 100 kB of gzip that inflates to 100 MB."""
    z = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1 << 20)
    return b"".join(z.compress(block) for _ in range(100)) + z.flush()


@pytest.mark.parametrize("stacked", [False, True], ids=["gzip", "gzip-gzip"])
def test_gzip_bomb_stops_at_the_cap_with_flat_memory(
    server: str, bomb: bytes, stacked: bool
) -> None:
    body = gzipped(bomb) if stacked else bomb
    encoding = "gzip, gzip" if stacked else "gzip"
    path = serve(encoding, body)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(IngestRefused) as info:
            fetch(server + path, settings(fetch_max_bytes=1_000_000))
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    why = "unsupported content encoding" if stacked else "larger than 1 MB"
    assert why in info.value.reason
    assert peak < 8_000_000, f"peak {peak:,} bytes"  # the cap, not the bomb
    assert seconds < 2


@pytest.mark.parametrize(
    ("path", "shape"),
    [
        ("/drip-headers", "one header line every 0.2 s"),
        ("/silent", "accepts, then never answers"),
        ("/drip-body", "headers, then one body byte every 0.1 s"),
    ],
)
def test_one_deadline_cuts_a_stalling_server(server: str, path: str, shape: str) -> None:
    started = time.monotonic()
    with pytest.raises(IngestRefused) as info:
        fetch(server + path, settings())
    seconds = time.monotonic() - started
    assert "took too long" in info.value.reason, shape
    assert DEADLINE - 0.1 <= seconds < DEADLINE + 1.0, f"{shape}: {seconds:.2f} s"


def test_the_deadline_covers_name_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    def never_answers(*args: Any, **kwargs: Any) -> Any:
        time.sleep(HOLD_SECONDS)
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(fetch_module.socket, "getaddrinfo", never_answers)
    started = time.monotonic()
    with pytest.raises(IngestRefused) as info:
        fetch("http://slow.test/", settings())
    assert info.value.reason.endswith("cannot resolve host 'slow.test': no answer in time")
    assert time.monotonic() - started < DEADLINE + 0.5
