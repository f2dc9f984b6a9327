"""Instants as the ledger stores them: naive UTC datetimes, on every engine.

Shared by the storage modules that stamp or compare rows, so none reaches into another's
private helpers.
"""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def naive_utc(when: dt.datetime) -> dt.datetime:
    """`when` as stored: an aware instant converted to UTC; a naive one is UTC already."""
    return when.astimezone(dt.UTC).replace(tzinfo=None) if when.tzinfo else when
