"""A small news site on 127.0.0.1 for the feed tests: article pages, RSS and Atom feeds
written here (every sentence invented for these tests), and feeds that misbehave.

`FeedSite` serves whatever its `routes` hold, honours If-None-Match / If-Modified-Since
when a route has validators (304, as a real server would), and records every request
(path and headers) so a test can assert what was fetched, and how often.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.sax.saxutils import escape

import pytest

__all__ = [
    "ARTICLES",
    "FeedSite",
    "Item",
    "Route",
    "atom",
    "feed_site",
    "http_date",
    "items_for",
    "rss",
]


# (slug, title, paragraphs): invented reports, distinct enough not to be near-duplicates.
ARTICLES: list[tuple[str, str, list[str]]] = [
    (
        "border-crossing",
        "Border Crossing Reopens After Talks",
        [
            "Officials from Pakistan and the United States met in Islamabad on Monday and "
            "agreed that the Torkham crossing would reopen to lorries carrying food and "
            "medicine before the end of the week.",
            "“We want trade to move again, because families on both sides depend on it,” a "
            "Pakistani commerce official told reporters outside the ministry.",
            "American diplomats said the agreement covered customs inspections, shared "
            "scanning equipment and a joint committee that would meet every month.",
        ],
    ),
    (
        "haqqani-warning",
        "Washington Presses Islamabad on the Haqqani Network",
        [
            "A senior State Department official said on Tuesday that Pakistan must take "
            "visible steps against the Haqqani network before frozen security assistance "
            "could be discussed again.",
            "The official described several meetings with army officers in Rawalpindi and "
            "said the conversations had been frank but not hostile.",
            "Pakistan's foreign office replied that its forces had already cleared "
            "hideouts in North Waziristan and that the accusations ignored those losses.",
        ],
    ),
    (
        "wheat-harvest",
        "Wheat Harvest Forecast Raised in Punjab",
        [
            "Agricultural planners in Lahore raised their forecast for this year's wheat "
            "harvest after steady rain in February helped the crop in southern districts.",
            "Millers welcomed the estimate and said flour prices in the cities might ease "
            "by the summer if transport costs stayed where they were.",
            "Farmers' groups warned that fertiliser remained expensive and asked the "
            "provincial government to extend its subsidy for another season.",
        ],
    ),
    (
        "scholarship-program",
        "New University Exchange Announced",
        [
            "Universities in Karachi and Boston announced an exchange programme that will "
            "send forty engineering students abroad each year for a full semester.",
            "The deans said the students would work on water management and renewable "
            "power, two subjects that both campuses already teach in depth.",
            "Alumni from earlier exchanges described the experience as the most useful "
            "part of their degrees and urged younger students to apply early.",
        ],
    ),
]


def article_html(title: str, paragraphs: list[str], published: str = "2026-11-02") -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><meta property='og:title' content='{escape(title)}'>"
        "<meta property='og:site_name' content='Loopback Ledger'>"
        f"<meta property='article:published_time' content='{published}T08:00:00Z'>"
        f"</head><body><article><h1>{escape(title)}</h1>{body}</article></body></html>"
    )


@dataclass(frozen=True)
class Item:
    title: str
    link: str | None
    guid: str | None = None
    summary: str = ""
    published: dt.datetime | None = None


def rss(title: str, items: list[Item]) -> bytes:
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0"><channel>',
        f"<title>{escape(title)}</title><link>http://example.invalid/</link>",
        "<description>Test feed</description>",
    ]
    for it in items:
        parts.append("<item>")
        parts.append(f"<title>{escape(it.title)}</title>")
        if it.link:
            parts.append(f"<link>{escape(it.link)}</link>")
        if it.guid:
            parts.append(f'<guid isPermaLink="false">{escape(it.guid)}</guid>')
        if it.summary:
            parts.append(f"<description>{escape(it.summary)}</description>")
        if it.published:
            parts.append(f"<pubDate>{format_datetime(it.published, usegmt=True)}</pubDate>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "".join(parts).encode("utf-8")


def atom(title: str, items: list[Item]) -> bytes:
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"<title>{escape(title)}</title><id>urn:test:feed</id>",
        "<updated>2026-11-02T08:00:00Z</updated>",
    ]
    for it in items:
        parts.append("<entry>")
        parts.append(f"<title>{escape(it.title)}</title>")
        parts.append(f"<id>{escape(it.guid or it.link or it.title)}</id>")
        if it.link:
            parts.append(f'<link rel="alternate" href="{escape(it.link)}"/>')
        stamp = (it.published or dt.datetime(2026, 11, 2, 8, tzinfo=dt.UTC)).isoformat()
        parts.append(f"<updated>{stamp}</updated>")
        if it.summary:
            parts.append(f"<summary>{escape(it.summary)}</summary>")
        parts.append("</entry>")
    parts.append("</feed>")
    return "".join(parts).encode("utf-8")


@dataclass
class Route:
    body: bytes = b""
    content_type: str = "application/rss+xml; charset=utf-8"
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    location: str | None = None  # a redirect's target
    stream: int = 0  # > 0: send this many bytes of filler with no Content-Length


@dataclass
class Request:
    path: str
    headers: dict[str, str] = field(default_factory=dict)


class FeedSite:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                with site._lock:
                    site.requests.append(Request(self.path, dict(self.headers.items())))
                    route = site.routes.get(self.path)
                if route is None:
                    self.send_error(404)
                    return
                if route.location is not None:
                    self.send_response(route.status if 300 <= route.status < 400 else 302)
                    self.send_header("Location", route.location)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                fresh = (route.etag and self.headers.get("If-None-Match") == route.etag) or (
                    route.last_modified
                    and self.headers.get("If-Modified-Since") == route.last_modified
                )
                if fresh:
                    self.send_response(304)
                    if route.etag:
                        self.send_header("ETag", route.etag)
                    self.end_headers()
                    return
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                if route.etag:
                    self.send_header("ETag", route.etag)
                if route.last_modified:
                    self.send_header("Last-Modified", route.last_modified)
                if route.stream:
                    self.send_header("Connection", "close")
                    self.end_headers()
                    chunk = b"<!-- " + b"x" * 8000 + b" -->"
                    for _ in range(route.stream // len(chunk) + 1):
                        try:
                            self.wfile.write(chunk)
                        except OSError:
                            return
                    return
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def add_articles(self, count: int = len(ARTICLES)) -> list[str]:
        """Serve the first `count` invented articles at /news/<slug>; their URLs."""
        urls = []
        for slug, title, paragraphs in ARTICLES[:count]:
            path = f"/news/{slug}"
            self.routes[path] = Route(article_html(title, paragraphs).encode(), "text/html")
            urls.append(self.url(path))
        return urls

    def hits(self, path: str) -> int:
        with self._lock:
            return Counter(r.path for r in self.requests)[path]

    def requests_to(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def feed_site() -> Iterator[FeedSite]:
    site = FeedSite()
    yield site
    site.stop()


def items_for(urls: list[str], *, start: dt.datetime | None = None) -> list[Item]:
    """One feed item per article URL, newest first, a day apart."""
    start = start or dt.datetime(2026, 11, 10, 9, tzinfo=dt.UTC)
    out = []
    for i, url in enumerate(urls):
        slug = url.rsplit("/", 1)[-1]
        title = next(t for s, t, _ in ARTICLES if s == slug)
        out.append(
            Item(title, url, guid=f"tag:test,2026:{slug}", published=start - dt.timedelta(days=i))
        )
    return out


def http_date(when: dt.datetime) -> str:
    return format_datetime(when, usegmt=True)
