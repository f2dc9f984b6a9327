"""The audit trail: who ingested, retracted, or changed topics and permissions, and when.

Owns writing and reading `audit_log` rows. Callers pass the session of the transaction that
did the thing whenever they have one, so an action and its audit entry commit (or roll
back) together (the indexer writes a batch's entries with `record_many`, in the batch's
transaction); `log` is for callers whose work committed elsewhere.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from storage.db import Database
from storage.models import AuditEntry

# The actions recorded; anything else is still stored, these are the ones the bot writes.
INGEST = "ingest"
RETRACT = "retract"
TOPIC_ADD = "topic-add"
ALIAS_ADD = "alias-add"
GRANT = "grant-ingest"
REVOKE = "revoke-ingest"

MAX_LIMIT = 200


@dataclass(frozen=True)
class AuditRecord:
    id: int
    at: dt.datetime
    platform: str
    user_id: str | None
    action: str
    subject: str
    detail: str | None


def record(
    session: Session,
    *,
    action: str,
    subject: str,
    user: str | None,
    platform: str,
    detail: str | None = None,
) -> None:
    """Add one entry inside the caller's transaction (lengths cut to the columns)."""
    session.add(
        AuditEntry(
            platform=platform[:20],
            user_id=user[:100] if user else None,
            action=action[:50],
            subject=subject[:500],
            detail=detail,
        )
    )
    session.flush()


def record_many(
    session: Session,
    entries: list[tuple[str, str, str | None]],
    *,
    user: str | None,
    platform: str,
    at: dt.datetime | None = None,
) -> None:
    """Several (action, subject, detail) entries by one user in one insert, inside the
    caller's transaction."""
    if not entries:
        return
    when = at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    session.execute(
        insert(AuditEntry),
        [
            {
                "at": when,
                "platform": platform[:20],
                "user_id": user[:100] if user else None,
                "action": action[:50],
                "subject": subject[:500],
                "detail": detail,
            }
            for action, subject, detail in entries
        ],
    )


def log(
    db: Database,
    *,
    action: str,
    subject: str,
    user: str | None,
    platform: str,
    detail: str | None = None,
) -> None:
    """Add one entry in a transaction of its own."""
    with db.session() as session:
        record(session, action=action, subject=subject, user=user, platform=platform, detail=detail)


def local_user() -> str:
    """Who runs a CLI command: the login name, or the uid where there is none (containers)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return f"uid:{os.getuid()}"


def ingest_subject(article_id: int | None, title: str | None) -> str:
    return f"article #{article_id}: {title or '(untitled)'}"


def latest(session: Session, limit: int = 20) -> list[AuditRecord]:
    """The newest entries first (ix_audit_log_at; id breaks ties within one second)."""
    limit = max(1, min(limit, MAX_LIMIT))
    rows = session.scalars(
        select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    ).all()
    return [
        AuditRecord(r.id, r.at, r.platform, r.user_id, r.action, r.subject, r.detail) for r in rows
    ]
