"""Polling feeds against a real site on 127.0.0.1: the guarded fetcher, feedparser, the
real spaCy model and a real SQLite ledger; nothing of ours is mocked.

Every test runs under `connections`, which fails any socket connect to a non-loopback
address: the SSRF guard must refuse before connecting.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from spacy.language import Language
from sqlalchemy import func, select

from bot.indexer.feeds import ERROR, LOST, NOT_CLAIMED, NOT_MODIFIED, OK, FeedPoller
from bot.indexer.pipeline import Indexer
from bot.settings import Settings
from storage import feeds as store
from storage.db import Database
from storage.models import Article, AuditEntry, FeedEntry
from tests.feed_site import *  # noqa: F403  (the feed_site fixture)
from tests.feed_site import ARTICLES, FeedSite, Item, Route, atom, http_date, items_for, rss
from tests.loopback import *  # noqa: F403  (the autouse `connections` guard: loopback only)

START = dt.datetime(2026, 12, 1, 9, 0)


class Clock:
    """A naive-UTC clock the test moves by hand, so due times and backoff are exact."""

    def __init__(self, now: dt.datetime = START) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


class Ledger:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db = Database(settings.database_url)
        self.indexer = Indexer(self.db, settings)
        self.clock = Clock()

    def poller(self, worker: str = "host:1:aaaa", **kw: Any) -> FeedPoller:
        return FeedPoller(
            self.db, self.settings, self.indexer, self.indexer.taxonomy, worker=worker,
            clock=self.clock, **kw,
        )  # fmt: skip

    def add(self, url: str, *, topics: tuple[str, ...] = (), interval: int = 30) -> int:
        with self.db.session() as s:
            row = store.add_feed(
                s, url=url, interval_minutes=interval, topics=topics, now=self.clock()
            )
        assert row is not None
        return row.id

    def feed(self, feed_id: int) -> store.FeedRow:
        with self.db.session() as s:
            row = store.get_feed(s, feed_id)
        assert row is not None
        return row

    def entries(self, feed_id: int) -> list[store.EntryRow]:
        with self.db.session() as s:
            return store.entries_of(s, feed_id)

    def article_urls(self) -> list[str]:
        with self.db.session() as s:
            return sorted(u for u in s.scalars(select(Article.url)) if u)


@pytest.fixture
def ledger(make_settings: Callable[..., Settings], nlp: Language) -> Iterator[Ledger]:
    settings = make_settings(
        fetch_allow_private_hosts=["127.0.0.1"],
        fetch_timeout_seconds=10,
        fetch_max_redirects=3,
    )
    book = Ledger(settings)
    yield book
    book.db.dispose()


# ---------------------------------------------------------------------------- the happy path


def test_new_entries_are_ingested_once_and_a_repoll_adds_nothing(
    ledger: Ledger, feed_site: FeedSite
) -> None:
    urls = feed_site.add_articles(3)
    feed_site.routes["/feed.xml"] = Route(rss("Loopback Ledger", items_for(urls)))
    feed_id = ledger.add(feed_site.url("/feed.xml"))

    first = ledger.poller().poll(feed_id)

    assert (first.status, first.entries_new, first.ingested) == (OK, 3, 3)
    assert ledger.article_urls() == sorted(urls)
    feed = ledger.feed(feed_id)
    assert feed.items_ingested == 3 and feed.title == "Loopback Ledger"
    assert feed.last_success_at == START and feed.last_error is None
    assert feed.next_due_at == START + dt.timedelta(minutes=30)
    assert feed.claimed_by is None
    assert sorted(e.status for e in ledger.entries(feed_id)) == ["new", "new", "new"]
    with ledger.db.session() as s:
        audit = s.scalars(select(AuditEntry).where(AuditEntry.user_id == f"feed:{feed_id}"))
        assert sorted(a.detail or "" for a in audit) == sorted(urls)
        by = set(s.scalars(select(Article.ingested_by)))
    assert by == {f"feed:{feed_id}"}

    # Not due yet: nothing happens at all, not even a request.
    before = len(feed_site.requests)
    assert ledger.poller().poll(feed_id).status == NOT_CLAIMED
    assert len(feed_site.requests) == before

    ledger.clock.advance(minutes=31)
    again = ledger.poller().poll(feed_id)
    assert (again.status, again.entries_new, again.ingested) == (OK, 0, 0)
    assert ledger.article_urls() == sorted(urls)
    assert [feed_site.hits(f"/news/{slug}") for slug, _, _ in ARTICLES[:3]] == [1, 1, 1]


def test_entries_are_taken_oldest_first_and_only_the_newest_n(
    ledger: Ledger, feed_site: FeedSite, make_settings: Callable[..., Settings]
) -> None:
    urls = feed_site.add_articles(4)
    feed_site.routes["/feed.xml"] = Route(rss("Four", items_for(urls)))
    ledger.settings = make_settings(
        fetch_allow_private_hosts=["127.0.0.1"], feed_max_entries_per_poll=2
    )
    feed_id = ledger.add(feed_site.url("/feed.xml"))

    outcome = ledger.poller().poll(feed_id)

    assert (outcome.status, outcome.entries_new) == (OK, 2)
    # items_for dates the first URL newest: the two newest are urls[0] and urls[1]
    assert ledger.article_urls() == sorted(urls[:2])
    with ledger.db.session() as s:
        order = list(s.scalars(select(Article.url).order_by(Article.id)))
    assert order == [urls[1], urls[0]]  # oldest of them ingested first


def test_atom_with_relative_links_and_an_entry_without_a_link(
    ledger: Ledger, feed_site: FeedSite
) -> None:
    feed_site.add_articles(1)
    items = [
        Item("Border Crossing Reopens After Talks", "/news/border-crossing", guid="urn:a:1"),
        Item("A note with nowhere to go", None, guid="urn:a:2", summary="No link at all."),
        Item("A script", "javascript:alert(1)", guid="urn:a:3"),
        Item("Too long", "http://127.0.0.1/" + "x" * 2100, guid="urn:a:4"),
    ]
    feed_site.routes["/atom"] = Route(atom("Atom side", items), "application/atom+xml")
    feed_id = ledger.add(feed_site.url("/atom"))

    outcome = ledger.poller().poll(feed_id)

    assert (outcome.status, outcome.entries_new, outcome.ingested) == (OK, 4, 1)
    assert ledger.article_urls() == [feed_site.url("/news/border-crossing")]
    refusals = sorted(e.detail or "" for e in ledger.entries(feed_id) if e.status == "refused")
    assert refusals == [
        "the entry has no web link",
        "the entry has no web link",
        "the entry's link is too long",
    ]


def test_topics_keep_only_entries_that_name_them(ledger: Ledger, feed_site: FeedSite) -> None:
    urls = feed_site.add_articles(3)
    feed_site.routes["/feed.xml"] = Route(rss("Mixed", items_for(urls)))
    feed_id = ledger.add(feed_site.url("/feed.xml"), topics=("haqqani-network",))

    outcome = ledger.poller().poll(feed_id)

    assert (outcome.status, outcome.entries_new, outcome.ingested) == (OK, 3, 1)
    assert ledger.article_urls() == [feed_site.url("/news/haqqani-warning")]
    assert sorted(e.status for e in ledger.entries(feed_id)) == ["new", "skipped", "skipped"]
    assert feed_site.hits("/news/wheat-harvest") == 0


# ---------------------------------------------------------------------------- conditional GET


def test_conditional_get_304_ingests_nothing_until_the_feed_changes(
    ledger: Ledger, feed_site: FeedSite
) -> None:
    urls = feed_site.add_articles(3)
    stamp = http_date(dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC))
    feed_site.routes["/feed.xml"] = Route(
        rss("Cached", items_for(urls[:1])), etag='"v1"', last_modified=stamp
    )
    feed_id = ledger.add(feed_site.url("/feed.xml"))
    assert ledger.poller().poll(feed_id).ingested == 1
    assert (ledger.feed(feed_id).etag, ledger.feed(feed_id).last_modified) == ('"v1"', stamp)

    # The body changes but the server still says "not modified" for v1: a 304 must not
    # be read as an empty feed, nor make us fetch anything else.
    feed_site.routes["/feed.xml"] = Route(
        rss("Cached", items_for(urls[:2])), etag='"v1"', last_modified=stamp
    )
    ledger.clock.advance(minutes=31)
    quiet = ledger.poller().poll(feed_id)

    sent = feed_site.requests_to("/feed.xml")[-1].headers
    assert (sent.get("If-None-Match"), sent.get("If-Modified-Since")) == ('"v1"', stamp)
    assert (quiet.status, quiet.entries_new, quiet.ingested) == (NOT_MODIFIED, 0, 0)
    assert ledger.article_urls() == [urls[0]]
    assert feed_site.hits("/news/haqqani-warning") == 0
    feed = ledger.feed(feed_id)
    assert feed.last_success_at == ledger.clock() and feed.etag == '"v1"'

    feed_site.routes["/feed.xml"] = Route(rss("Cached", items_for(urls[:2])), etag='"v2"')
    ledger.clock.advance(minutes=31)
    changed = ledger.poller().poll(feed_id)
    assert (changed.status, changed.entries_new, changed.ingested) == (OK, 1, 1)
    assert ledger.article_urls() == sorted(urls[:2])
    assert ledger.feed(feed_id).etag == '"v2"'


# ---------------------------------------------------------------------------- claims


def test_two_pollers_racing_claim_the_feed_once(ledger: Ledger, feed_site: FeedSite) -> None:
    urls = feed_site.add_articles(2)
    feed_site.routes["/feed.xml"] = Route(rss("Race", items_for(urls)))
    feed_id = ledger.add(feed_site.url("/feed.xml"))
    pollers = [ledger.poller(worker=f"host:{n}:race") for n in (1, 2, 3)]
    barrier = threading.Barrier(len(pollers))
    outcomes: list[Any] = []

    def run(poller: FeedPoller) -> None:
        barrier.wait()
        outcomes.append(poller.poll(feed_id))

    threads = [threading.Thread(target=run, args=(p,)) for p in pollers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)

    assert sorted(o.status for o in outcomes) == [NOT_CLAIMED, NOT_CLAIMED, OK]
    assert feed_site.hits("/feed.xml") == 1
    assert [feed_site.hits(f"/news/{s}") for s, _, _ in ARTICLES[:2]] == [1, 1]
    assert ledger.article_urls() == sorted(urls)
    assert ledger.feed(feed_id).items_ingested == 2


def test_a_dead_holders_claim_is_taken_over_and_its_pending_entries_finished(
    ledger: Ledger, feed_site: FeedSite
) -> None:
    urls = feed_site.add_articles(2)
    feed_site.routes["/feed.xml"] = Route(rss("Crash", items_for(urls)))
    feed_id = ledger.add(feed_site.url("/feed.xml"))
    lease = dt.timedelta(minutes=ledger.settings.feed_claim_lease_minutes)
    # A holder claimed the poll, remembered both entries, then died before ingesting.
    dead = store.claim_poll(ledger.db, feed_id, worker="host:9:dead", now=START, lease=lease)
    assert dead is not None
    entries = [store.NewEntry(store.entry_key(i.guid or ""), i.link, None) for i in items_for(urls)]
    assert store.remember_entries(ledger.db, feed_id, entries, worker="host:9:dead", now=START)

    ledger.clock.advance(minutes=5)  # within the lease: the claim still stands
    assert ledger.poller().poll(feed_id).status == NOT_CLAIMED

    ledger.clock.advance(minutes=ledger.settings.feed_claim_lease_minutes)
    taken = ledger.poller(worker="host:2:heir").poll(feed_id)
    assert (taken.status, taken.entries_new, taken.ingested) == (OK, 0, 2)
    assert ledger.article_urls() == sorted(urls)

    # The dead holder waking up finds every write refused.
    assert not store.finish_entry(
        ledger.db, 1, feed_id, worker="host:9:dead", now=ledger.clock(), status="new"
    )
    assert store.record_failure(
        ledger.db, feed_id, worker="host:9:dead", now=ledger.clock(), error="x", cap_minutes=60
    ) is None  # fmt: skip
    assert ledger.feed(feed_id).last_error is None


def test_a_feed_removed_mid_poll_stops_the_poll(ledger: Ledger, feed_site: FeedSite) -> None:
    urls = feed_site.add_articles(2)
    feed_site.routes["/feed.xml"] = Route(rss("Gone", items_for(urls)))
    feed_id = ledger.add(feed_site.url("/feed.xml"))

    class RemovingIndexer:
        """Removes the feed as the first entry is ingested (an admin's /feeds remove)."""

        def ingest_url(self, url: str, *, ingested_by: str | None = None) -> Any:
            with ledger.db.session() as s:
                store.remove_feed(s, feed_id)
            return ledger.indexer.ingest_url(url, ingested_by=ingested_by)

    poller = FeedPoller(
        ledger.db, ledger.settings, RemovingIndexer(), ledger.indexer.taxonomy, clock=ledger.clock
    )
    assert poller.poll(feed_id).status == LOST
    assert len(ledger.article_urls()) == 1  # the one under way is an article like any other
    with ledger.db.session() as s:
        assert store.all_feeds(s) == [] and store.entries_of(s, feed_id) == []


# ---------------------------------------------------------------------------- hostile feeds

BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
    + b"".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(8)
    )
    + b']><rss version="2.0"><channel><title>&i;</title><item><title>&i;</title>'
    b"<link>/never</link></item></channel></rss>"
)


@pytest.mark.parametrize(
    ("route", "error"),
    [
        (Route(b"\x00\xff\xfe\x01 not xml at all \x02" * 50), "not an RSS or Atom feed"),
        (
            Route(b"<!DOCTYPE html><html><body><p>Our news</p></body></html>", "text/html"),
            "a web page, not an RSS or Atom feed",
        ),
        (Route(b"<html><body>sent as xml</body></html>"), "a web page, not an RSS or Atom feed"),
        (Route(location="/bad"), "too many redirects"),
        (Route(stream=200_000), "larger than"),
        (Route(b"gone", "text/plain", status=410), "HTTP 410"),
        (Route(b"", "application/rss+xml"), "empty answer"),
        (Route(b"%PDF-1.4", "application/pdf"), "not a feed, HTML or text (application/pdf)"),
    ],
    ids=["garbage", "html", "html-as-xml", "redirect-loop", "huge", "gone", "empty", "pdf"],
)
def test_a_bad_feed_is_recorded_as_an_error_with_backoff_and_nothing_else_written(
    ledger: Ledger,
    feed_site: FeedSite,
    make_settings: Callable[..., Settings],
    db_snapshot: Callable[..., Any],
    route: Route,
    error: str,
) -> None:
    ledger.settings = make_settings(
        fetch_allow_private_hosts=["127.0.0.1"], fetch_max_bytes=100_000, fetch_max_redirects=3
    )
    feed_site.routes["/bad"] = route
    feed_id = ledger.add(feed_site.url("/bad"), interval=30)
    before = db_snapshot(ledger.db, exclude=("feeds",))

    first = ledger.poller().poll(feed_id)

    assert first.status == ERROR and first.error is not None and error in first.error
    feed = ledger.feed(feed_id)
    assert error in (feed.last_error or "")
    assert (feed.consecutive_errors, feed.last_error_at, feed.last_success_at) == (1, START, None)
    assert feed.next_due_at == START + dt.timedelta(minutes=60)  # 30 min doubled
    assert feed.claimed_by is None and feed.items_ingested == 0
    assert db_snapshot(ledger.db, exclude=("feeds",)) == before

    ledger.clock.advance(minutes=30)  # not yet due again: backing off
    assert ledger.poller().poll(feed_id).status == NOT_CLAIMED
    ledger.clock.advance(minutes=30)
    assert ledger.poller().poll(feed_id).status == ERROR
    feed = ledger.feed(feed_id)
    assert feed.consecutive_errors == 2
    assert feed.next_due_at == ledger.clock() + dt.timedelta(minutes=120)


def test_errors_back_off_to_the_cap_and_a_success_resets_them(
    ledger: Ledger, feed_site: FeedSite
) -> None:
    feed_site.routes["/flaky"] = Route(b"nonsense", "text/plain", status=503)
    feed_id = ledger.add(feed_site.url("/flaky"), interval=30)
    for _ in range(8):
        ledger.clock.now = ledger.feed(feed_id).next_due_at
        assert ledger.poller().poll(feed_id).status == ERROR
    feed = ledger.feed(feed_id)
    cap = dt.timedelta(minutes=ledger.settings.feed_backoff_max_minutes)
    assert feed.consecutive_errors == 8 and feed.next_due_at == ledger.clock() + cap

    feed_site.add_articles(1)
    feed_site.routes["/flaky"] = Route(
        rss("Back", items_for([feed_site.url("/news/border-crossing")]))
    )
    ledger.clock.now = feed.next_due_at
    assert ledger.poller().poll(feed_id).status == OK
    feed = ledger.feed(feed_id)
    assert feed.consecutive_errors == 0 and feed.items_ingested == 1
    assert "HTTP 503" in (feed.last_error or "")  # the last error stays on record
    assert feed.next_due_at == ledger.clock() + dt.timedelta(minutes=30)


def test_ten_thousand_entries_are_read_but_only_the_newest_few_taken(
    ledger: Ledger, feed_site: FeedSite, make_settings: Callable[..., Settings]
) -> None:
    ledger.settings = make_settings(
        fetch_allow_private_hosts=["127.0.0.1"], feed_max_entries_per_poll=2
    )
    urls = feed_site.add_articles(2)
    old = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    filler = [
        Item(f"Bulletin {i}", feed_site.url(f"/n/{i}"), guid=f"n{i}",
             published=old - dt.timedelta(minutes=i))
        for i in range(10_000)
    ]  # fmt: skip
    body = rss("Firehose", filler[:5000] + items_for(urls) + filler[5000:])
    assert len(body) < ledger.settings.fetch_max_bytes
    feed_site.routes["/firehose"] = Route(body)
    feed_id = ledger.add(feed_site.url("/firehose"))

    outcome = ledger.poller().poll(feed_id)

    assert (outcome.status, outcome.entries_new, outcome.ingested) == (OK, 2, 2)
    assert ledger.article_urls() == sorted(urls)
    assert not any(r.path.startswith("/n/") for r in feed_site.requests)
    with ledger.db.session() as s:
        assert s.scalar(select(func.count()).select_from(FeedEntry)) == 2


# ---------------------------------------------------------------------------- private addresses


def test_a_feed_on_a_private_address_is_refused_without_connecting(
    ledger: Ledger, feed_site: FeedSite, connections: list[str]
) -> None:
    feed_site.routes["/feed.xml"] = Route(rss("Inside", []))
    # "localhost" is not on the test allowance (only 127.0.0.1 is): a private address.
    feed_id = ledger.add(f"http://localhost:{feed_site.port}/feed.xml")

    outcome = ledger.poller().poll(feed_id)

    assert outcome.status == ERROR and "private address" in (outcome.error or "")
    assert connections == [] and feed_site.requests == []
    assert ledger.feed(feed_id).consecutive_errors == 1


def test_an_entry_linking_to_a_private_address_is_refused_alone(
    ledger: Ledger, feed_site: FeedSite, connections: list[str]
) -> None:
    urls = feed_site.add_articles(1)
    items = [*items_for(urls), Item("Internal", "http://10.20.30.40/admin", guid="inside")]
    feed_site.routes["/feed.xml"] = Route(rss("Mixed", items))
    feed_id = ledger.add(feed_site.url("/feed.xml"))

    outcome = ledger.poller().poll(feed_id)

    assert (outcome.status, outcome.ingested) == (OK, 1)
    refused = [e for e in ledger.entries(feed_id) if e.status == "refused"]
    assert len(refused) == 1 and "private address" in (refused[0].detail or "")
    assert all(ipaddress.ip_address(h).is_loopback for h in connections)
    assert ledger.article_urls() == urls


def test_an_entity_bomb_is_not_expanded(ledger: Ledger, feed_site: FeedSite) -> None:
    """A billion-laughs feed: expat refuses the expansion; whatever the lenient parser
    then makes of it, nothing grows and nothing is ingested."""
    feed_site.routes["/bomb"] = Route(BOMB)
    feed_id = ledger.add(feed_site.url("/bomb"))

    outcome = ledger.poller().poll(feed_id)

    assert outcome.status in (OK, ERROR) and outcome.ingested == 0
    feed = ledger.feed(feed_id)
    assert len(feed.title or "") < 100 and len(feed.last_error or "") < 600
    assert ledger.article_urls() == []
    assert all(len(e.link or "") < 200 for e in ledger.entries(feed_id))
