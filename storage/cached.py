"""Aggregates over the whole ledger, computed once per version of it.

A count of a busy topic's statements reads every index entry of that topic: at a million
positions that is tens of milliseconds on SQLite and more on PostgreSQL, for a figure that
changes only when something is written. So counts are kept per database engine, keyed by
the ledger's version: the newest position id, the newest article id (an insert moves
one) and the `ledger_version` counter that triggers move on every update and delete, and
on PostgreSQL on every insert too (migration 0005). The version is three primary-key
look-ups; a cached figure costs that, whatever the size of the ledger. The version only
ever moves forward, so a figure computed from a slightly newer snapshot than its key is
never served after a change.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from storage.models import Article, LedgerVersion, Position

T = TypeVar("T")
Version = tuple[int, int, int]

MAX_ENTRIES = 512  # per engine: topics × filters actually asked, not the ledger's size


class _Store:
    def __init__(self) -> None:
        self.version: Version | None = None
        self.entries: OrderedDict[Hashable, object] = OrderedDict()
        self.lock = threading.Lock()


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


def _store(session: Session) -> _Store:
    engine = session.get_bind().engine
    with _stores_lock:
        store = _stores.get(engine)
        if store is None:
            store = _stores[engine] = _Store()
        return store


def cached(session: Session, key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`'s value for this version of the ledger, computed at most once per
    version (two threads asking at once may both compute; both get a right answer)."""
    store = _store(session)
    now = version(session)
    with store.lock:
        if store.version != now:
            store.version = now
            store.entries.clear()
        elif key in store.entries:
            store.entries.move_to_end(key)
            return store.entries[key]  # type: ignore[return-value]
    value = compute()
    with store.lock:
        if store.version == now:
            store.entries[key] = value
            while len(store.entries) > MAX_ENTRIES:
                store.entries.popitem(last=False)
    return value
