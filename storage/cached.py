"""Aggregates over the whole ledger, computed once per version of it — and after inserts
alone, brought up to date from the rows inserted rather than computed again.

A count of a busy topic's statements reads every index entry of that topic: at a million
positions that is tens of milliseconds on SQLite and more on PostgreSQL, for a figure that
changes only when something is written. So counts are kept per database engine, keyed by
the ledger's version: the newest position id, the newest article id (an insert moves
one) and the `ledger_version` counter that triggers move on every update and delete
(migrations 0008 and 0009). The version is three primary-key look-ups; a cached figure
costs that, whatever the size of the ledger.

Ids are handed out in commit order on both engines (SQLite has one writer at a time; on
PostgreSQL an insert into positions or articles first waits its turn on the
`ledger_version` row, migration 0009), so when only the newest ids moved, the rows added
since a figure was computed are exactly those with ids above its version's and at most
the new version's: a primary-key range. An `Incremental` aggregate counts just those and
merges the result into its figure, so the first ask after ingest costs in proportion to
what was ingested, not to the ledger. Anything else (an update, a delete, a retraction,
a row written back under its old id) moves the counter, and the figure is computed
again in full, as before: a merge is only ever an exact one.

Every figure, full or merged, is computed over rows bounded by its version's ids, so a
figure never counts a row its key does not cover (an insert committed between reading
the version and counting would otherwise be counted twice by the next merge). An update
committed in between is not excluded, but it moved the counter, so that figure is never
merged or served again.
"""

from __future__ import annotations

import threading
import weakref
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import CTE, ColumnElement, Engine, and_, func, select, update
from sqlalchemy.orm import Session

from storage.models import Article, LedgerVersion, Position

T = TypeVar("T")
D = TypeVar("D")
Version = tuple[int, int, int]  # (newest position id, newest article id, changes)

MAX_ENTRIES = 512  # per engine: topics × filters actually asked, not the ledger's size


@dataclass(frozen=True)
class Span:
    """The rows a computation covers: position ids in (after_position, upto_position] and
    article ids in (after_article, upto_article]. A full computation starts after 0."""

    after_position: int
    upto_position: int
    after_article: int
    upto_article: int

    def positions(self, column: Any = Position.id) -> ColumnElement[bool]:
        if self.after_position == 0:
            return column <= self.upto_position
        return and_(column > self.after_position, column <= self.upto_position)

    def articles(self, column: Any = Article.id) -> ColumnElement[bool]:
        if self.after_article == 0:
            return column <= self.upto_article
        return and_(column > self.after_article, column <= self.upto_article)

    def new_positions(self, *columns: Any) -> CTE:
        """The positions in this span (with `id` and the columns asked for), read by a
        primary-key range and materialised: every other filter a delta applies runs over
        these few rows, whatever index the planner would have preferred for a topic."""
        cols = dict.fromkeys([Position.id, *columns])
        return (
            select(*cols).where(self.positions()).cte("new_positions").prefix_with("MATERIALIZED")
        )


@dataclass(frozen=True)
class Incremental(Generic[T, D]):
    """An aggregate that can be brought up to date from inserted rows alone.

    `full(session, span)` computes it over every row in `span` (which starts after 0);
    `delta(session, span)` computes the contribution of just the rows in `span` (ids
    above the cached figure's version); `merge(old, delta)` is the figure over both. The
    merge must be exact for inserts: a count of distinct things needs the delta to count
    only things no earlier row had (see `storage.queries.topic_counts`).
    """

    full: Callable[[Session, Span], T]
    delta: Callable[[Session, Span], D]
    merge: Callable[[T, D], T]


@dataclass(frozen=True)
class _Entry:
    version: Version
    value: object
    mergeable: bool


class _Store:
    def __init__(self) -> None:
        self.entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self.lock = threading.Lock()
        self.stats: Counter[str] = Counter()  # "hit", "full", "delta": see stats()


_stores: weakref.WeakKeyDictionary[Engine, _Store] = weakref.WeakKeyDictionary()
_stores_lock = threading.Lock()


def version(session: Session) -> Version:
    row = session.execute(
        select(
            select(func.max(Position.id)).scalar_subquery(),
            select(func.max(Article.id)).scalar_subquery(),
            select(LedgerVersion.changes).where(LedgerVersion.id == 1).scalar_subquery(),
        )
    ).one()
    return (row[0] or 0, row[1] or 0, row[2] or 0)


def touch(session: Session) -> None:
    """Move the ledger's version for a change its keys cannot see (a row written back
    under its old id), in the caller's transaction."""
    session.execute(
        update(LedgerVersion).where(LedgerVersion.id == 1).values(changes=LedgerVersion.changes + 1)
    )


def stats(engine: Engine) -> dict[str, int]:
    """How the figures for this engine were got so far: served as cached ("hit"),
    computed in full ("full") or merged from inserted rows ("delta")."""
    with _stores_lock:
        store = _stores.get(engine)
    return dict(store.stats) if store is not None else {}


def _store(session: Session) -> _Store:
    engine = session.get_bind().engine
    with _stores_lock:
        store = _stores.get(engine)
        if store is None:
            store = _stores[engine] = _Store()
        return store


def _only_inserts(old: Version, new: Version) -> bool:
    """Whether `new` differs from `old` by inserted rows alone."""
    return old[2] == new[2] and old[0] <= new[0] and old[1] <= new[1]


def _lookup(store: _Store, key: Hashable, now: Version) -> _Entry | None:
    """The entry under `key` (None if there is none), counted as a hit if it is `now`'s."""
    with store.lock:
        entry = store.entries.get(key)
        if entry is not None and entry.version == now:
            store.entries.move_to_end(key)
            store.stats["hit"] += 1
        return entry


def _put(store: _Store, key: Hashable, entry: _Entry, how: str) -> None:
    with store.lock:
        store.stats[how] += 1
        held = store.entries.get(key)
        # two threads may compute at once: keep the figure for the newer ledger
        if (
            held is not None
            and held.version != entry.version
            and (held.version[2] > entry.version[2] or _only_inserts(entry.version, held.version))
        ):
            return
        store.entries[key] = entry
        store.entries.move_to_end(key)
        while len(store.entries) > MAX_ENTRIES:
            store.entries.popitem(last=False)


def cached(session: Session, key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`'s value for this version of the ledger, computed at most once per
    version (two threads asking at once may both compute; both get a right answer). For
    an aggregate that cannot be merged from inserted rows; see `incremental`."""
    store = _store(session)
    now = version(session)
    entry = _lookup(store, key, now)
    if entry is not None and entry.version == now:
        return entry.value  # type: ignore[return-value]
    value = compute()
    _put(store, key, _Entry(now, value, mergeable=False), "full")
    return value


def incremental(session: Session, key: Hashable, aggregate: Incremental[T, D]) -> T:
    """`aggregate`'s value for this version of the ledger: cached, merged from the rows
    inserted since the cached figure if that is all that changed, else computed in full."""
    store = _store(session)
    now = version(session)
    entry = _lookup(store, key, now)
    if entry is not None and entry.version == now:
        return entry.value  # type: ignore[return-value]
    if entry is not None and entry.mergeable and _only_inserts(entry.version, now):
        span = Span(entry.version[0], now[0], entry.version[1], now[1])
        value = aggregate.merge(entry.value, aggregate.delta(session, span))  # type: ignore[arg-type]
        how = "delta"
    else:
        value = aggregate.full(session, Span(0, now[0], 0, now[1]))
        how = "full"
    _put(store, key, _Entry(now, value, mergeable=True), how)
    return value
