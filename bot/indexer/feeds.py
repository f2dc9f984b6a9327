"""Polling RSS and Atom feeds: a feed's new entries become articles the way a forwarded
link does.

One poll of one feed is:

    claim (storage.feeds.claim_poll) → conditional GET through the guarded fetcher
    → parse (feedparser) → remember the newest entries not seen before → ingest each
    pending entry's link with `Indexer.ingest_url` → record success, or the error

so an entry is fetched with the same SSRF rules, size and time limits as a link pasted in
chat, and stored with the same duplicate checks and story grouping; its article reaches
digests and alerts as any other (they read the ledger). What a feed sends can hurt
nothing: a refused fetch, a web page, garbage, an XML bomb (expat refuses it) or a
feed of 10,000 entries (only the newest `feed_max_entries_per_poll` are taken) ends as
the feed's last error or as a bounded poll, and errors in a row back the feed off
exponentially. Nothing is written before the feed has parsed, so a failed poll leaves
only its error behind.

The indexer knows nothing of chat: who added a feed and where is storage's business.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import logging
import os
import re
import socket
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import feedparser

from bot.indexer.fetch import HTML_TYPES, FeedDocument, fetch_feed
from bot.indexer.types import IngestRefused
from bot.settings import Settings
from bot.topics import Taxonomy, normalise
from storage import feeds as store
from storage.db import Database

if TYPE_CHECKING:
    from bot.indexer.pipeline import IngestResult

log = logging.getLogger(__name__)

OK, NOT_MODIFIED, ERROR, NOT_CLAIMED, LOST = "ok", "not-modified", "error", "not-claimed", "lost"
_TAGS = re.compile(r"<[^>]*>")
_HTML_START = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S
)
_WEB_LINK = re.compile(r"^https?://", re.I)
MAX_LINK_CHARS = 2000  # the stored link's column, as for an article's URL


class FeedError(Exception):
    """Why a feed could not be read, in one sentence fit for /feeds list."""


class UrlIngester(Protocol):
    def ingest_url(self, url: str, *, ingested_by: str | None = None) -> IngestResult: ...


@dataclass(frozen=True)
class PollOutcome:
    feed_id: int
    status: str  # ok | not-modified | error | not-claimed | lost
    entries_new: int = 0  # entries not seen before, of those read
    ingested: int = 0  # of them, articles added to the ledger
    error: str | None = None


@dataclass(frozen=True)
class ParsedEntry:
    identity: str
    link: str | None
    title: str
    summary: str
    published: dt.datetime | None


@dataclass(frozen=True)
class ParsedFeed:
    title: str | None
    entries: list[ParsedEntry]


def worker_id() -> str:
    """host:pid:nonce — who holds a poll's claim (the nonce tells a reused pid apart)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


# ---------------------------------------------------------------------------- parsing


def _when(entry: Any) -> dt.datetime | None:
    for key in ("published_parsed", "updated_parsed"):
        value = entry.get(key)
        if value:
            try:
                return dt.datetime.fromtimestamp(calendar.timegm(value), dt.UTC).replace(
                    tzinfo=None
                )
            except (OverflowError, ValueError, OSError):
                continue
    return None


def _text(value: object) -> str:
    return " ".join(_TAGS.sub(" ", str(value or "")).split())


def parse(document: FeedDocument) -> ParsedFeed:
    """The feed's title and entries, or `FeedError` when the answer is not a feed.

    feedparser reads the bytes itself (from a stream: given a string it might fetch or
    open it) so that the XML's own encoding declaration counts; HTML in entries is not
    sanitised or rewritten, because nothing here renders it (entries are fetched anew).
    """
    head = document.body[:2048]
    if document.content_type in HTML_TYPES or _HTML_START.match(head):
        raise FeedError("the address is a web page, not an RSS or Atom feed")
    if not document.body.strip():
        raise FeedError("the server sent an empty answer")
    try:
        parsed = feedparser.parse(
            io.BytesIO(document.body),
            response_headers={
                "content-type": document.content_type or "application/xml",
                "content-location": document.url,
            },
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except Exception as exc:  # the parser on hostile bytes: one feed's error, not a crash
        log.warning("feed %s: the parser failed", document.url, exc_info=True)
        raise FeedError(f"the feed could not be parsed ({type(exc).__name__})") from exc
    if not parsed.get("version"):
        problem = parsed.get("bozo_exception")
        why = f" ({type(problem).__name__})" if problem is not None else ""
        raise FeedError(f"the answer is not an RSS or Atom feed{why}")
    entries: list[ParsedEntry] = []
    for entry in parsed.entries:
        link = str(entry.get("link") or "").strip() or None
        identity = str(entry.get("id") or "").strip() or link
        title = _text(entry.get("title"))
        summary = _text(entry.get("summary"))
        if identity is None:
            if not (title or summary):
                continue  # nothing to know it by, nothing to ingest
            identity = f"{title}\n{summary}"
        entries.append(ParsedEntry(identity, link, title, summary, _when(entry)))
    feed_title = _text(parsed.feed.get("title")) or None
    return ParsedFeed(feed_title, entries)


def newest(entries: list[ParsedEntry], limit: int) -> list[ParsedEntry]:
    """The `limit` newest entries: by their date where they give one, else in the feed's
    order (feeds list newest first); undated entries rank after dated ones."""
    order = sorted(
        enumerate(entries),
        key=lambda pair: (pair[1].published is None, -(_stamp(pair[1].published)), pair[0]),
    )
    return [entry for _, entry in order[: max(0, limit)]]


def _stamp(when: dt.datetime | None) -> float:
    return when.replace(tzinfo=dt.UTC).timestamp() if when else 0.0


def mentions(taxonomy: Taxonomy, topic_ids: Iterable[str], text: str) -> bool:
    """Whether `text` names one of the topics by its id, label or an alias, as whole
    words (case, punctuation and hyphens aside)."""
    haystack = f" {normalise(text)} "
    for topic_id in topic_ids:
        topic = taxonomy.get(topic_id)
        names = (topic_id, *(topic.aliases if topic else ()), *([topic.label] if topic else []))
        for name in names:
            key = normalise(name)
            if key and f" {key} " in haystack:
                return True
    return False


# ---------------------------------------------------------------------------- polling


class FeedPoller:
    """Polls feeds for one process; several processes may poll the same database."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        indexer: UrlIngester | Callable[[], UrlIngester],
        taxonomy: Taxonomy | Callable[[], Taxonomy],
        *,
        worker: str | None = None,
        clock: Callable[[], dt.datetime] = _utcnow,
    ) -> None:
        self.db = db
        self.settings = settings
        self._indexer = indexer
        self._taxonomy = taxonomy
        self.worker = worker or worker_id()
        self.clock = clock
        self.lease = dt.timedelta(minutes=settings.feed_claim_lease_minutes)

    @property
    def indexer(self) -> UrlIngester:
        return self._indexer() if callable(self._indexer) else self._indexer

    @property
    def taxonomy(self) -> Taxonomy:
        return self._taxonomy() if callable(self._taxonomy) else self._taxonomy

    def poll_due(self, *, force: bool = False) -> list[PollOutcome]:
        """Poll every feed that is due (every feed with `force`), each under its claim:
        what `python -m bot feeds poll` does for cron."""
        with self.db.session() as session:
            ids = (
                [f.id for f in store.all_feeds(session)]
                if force
                else store.due_feeds(session, self.clock())
            )
        return [self.poll(feed_id, force=force) for feed_id in ids]

    def poll(self, feed_id: int, *, force: bool = False) -> PollOutcome:
        feed = store.claim_poll(
            self.db, feed_id, worker=self.worker, now=self.clock(), lease=self.lease, force=force
        )
        if feed is None:
            return PollOutcome(feed_id, NOT_CLAIMED)
        try:
            return self._poll_claimed(feed)
        except FeedError as exc:
            return self._failed(feed, str(exc))
        except IngestRefused as exc:
            return self._failed(feed, exc.reason)
        except Exception as exc:  # ours, not the feed's: logged, and the feed backs off
            log.exception("feed %s: poll failed", feed.id)
            return self._failed(feed, f"the poll failed on our side ({type(exc).__name__})")

    def _failed(self, feed: store.FeedRow, error: str) -> PollOutcome:
        row = store.record_failure(
            self.db,
            feed.id,
            worker=self.worker,
            now=self.clock(),
            error=error,
            cap_minutes=self.settings.feed_backoff_max_minutes,
        )
        log.info("feed %s (%s): %s", feed.id, feed.url, error)
        return PollOutcome(feed.id, ERROR if row else LOST, error=error)

    def _poll_claimed(self, feed: store.FeedRow) -> PollOutcome:
        document = fetch_feed(
            feed.url, self.settings, etag=feed.etag, last_modified=feed.last_modified
        )
        entries_new = 0
        title = feed.title
        if not document.not_modified:
            parsed = parse(document)
            title = parsed.title or title
            taken = newest(parsed.entries, self.settings.feed_max_entries_per_poll)
            added = store.remember_entries(
                self.db,
                feed.id,
                [self._new_entry(feed, e) for e in taken],
                worker=self.worker,
                now=self.clock(),
            )
            if added is None:
                return PollOutcome(feed.id, LOST)
            entries_new = added
        # pending entries include any a dead holder left unfinished
        ingested = self._ingest_pending(feed)
        if ingested is None:
            return PollOutcome(feed.id, LOST, entries_new=entries_new)
        done = store.record_success(
            self.db,
            feed.id,
            worker=self.worker,
            now=self.clock(),
            etag=document.etag,
            last_modified=document.last_modified,
            title=title,
        )
        status = NOT_MODIFIED if document.not_modified else OK
        return PollOutcome(feed.id, status if done else LOST, entries_new, ingested)

    def _new_entry(self, feed: store.FeedRow, entry: ParsedEntry) -> store.NewEntry:
        key = store.entry_key(entry.identity)
        if entry.link is None or not _WEB_LINK.match(entry.link):
            return store.NewEntry(
                key, entry.link, entry.published, store.REFUSED, "the entry has no web link"
            )
        if len(entry.link) > MAX_LINK_CHARS:  # stored to be fetched: never cut short
            return store.NewEntry(
                key, None, entry.published, store.REFUSED, "the entry's link is too long"
            )
        if feed.topics and not mentions(
            self.taxonomy, feed.topics, f"{entry.title} {entry.summary}"
        ):
            return store.NewEntry(
                key, entry.link, entry.published, store.SKIPPED, "about none of the feed's topics"
            )
        return store.NewEntry(key, entry.link, entry.published)

    def _ingest_pending(self, feed: store.FeedRow) -> int | None:
        """Ingest the feed's pending entries one by one; the number that added articles, or
        None when the claim was lost midway (the rest stay pending for the next holder)."""
        with self.db.session() as session:
            pending = store.pending_entries(session, feed.id)
        ingested = 0
        for entry in pending:
            assert entry.link is not None
            status, article_id, detail, title = self._ingest_one(entry.link, feed.id)
            added = status in store.INGESTED
            kept = store.finish_entry(
                self.db,
                entry.id,
                feed.id,
                worker=self.worker,
                now=self.clock(),
                status=status,
                article_id=article_id,
                detail=detail,
                title=title,
            )
            if not kept:
                return None
            ingested += added
        return ingested

    def _ingest_one(
        self, link: str, feed_id: int
    ) -> tuple[str, int | None, str | None, str | None]:
        """(status, article id, reason, title) of ingesting one entry's link. A failure of
        ours on one entry refuses that entry, as a bulk ingest does, so one bad page
        cannot wedge the feed (its entry would otherwise stay pending for ever)."""
        try:
            result = self.indexer.ingest_url(link, ingested_by=f"feed:{feed_id}")
        except Exception as exc:
            log.exception("feed %s: ingesting %s failed", feed_id, link)
            return store.REFUSED, None, f"could not be ingested ({type(exc).__name__})", None
        return result.status, result.article_id, result.reason, result.title
