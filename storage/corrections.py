"""Analysts' corrections of statements, written through to the positions they correct.

Why write-through rather than an overlay at read time: a corrected topic or state must
move a statement between the answers that filter on those columns (`/position trade`
must find the statement moved there), and every query, digest and alert then agrees
without knowing corrections exist. What makes a correction outlive the rows it changed is
its key: each article's report of the statement is recorded by content (the article's
content hash and its normalised evidence sentence, `CorrectionReport`), and
`reapply` runs for every newly written article, so a retracted and re-ingested or
re-extracted article gets the same corrections again (and, given the ledger's "said
once" comparison, so does another outlet's later report of the same words near the same
date: its key is added to the correction's). Every row changed keeps its old
values (`CorrectionChange`) so a correction can be undone; "not a stance" deletes the
rows and its snapshot is what brings them back.

Storage knows no chat: permissions and wording are the core's; this module takes plain
values, records the audit entry in the same transaction, and raises `Refused` with a
sentence when a correction cannot be made.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from storage import audit, cached
from storage.models import Article, Correction, CorrectionChange, CorrectionReport, Position

STATE, SPEAKER, TOPIC, NOT_STANCE, DUPLICATE = (
    "state",
    "speaker",
    "topic",
    "not-stance",
    "duplicate",
)
KINDS = (STATE, SPEAKER, TOPIC, NOT_STANCE, DUPLICATE)
AUDIT_CORRECT = "correct"
AUDIT_UNDO = "correct-undo"

# Every column of a position, for the snapshot that restores a deleted row.
_ROW_COLUMNS = (
    "id",
    "article_id",
    "actor",
    "speaker",
    "speaker_office",
    "topic",
    "claim",
    "evidence",
    "kind",
    "published",
    "stated_on",
    "stated_date",
    "stated_basis",
    "statement_id",
    "is_repeat",
    "stance",
    "stance_cue",
    "created_at",
)
_DATES = {"published", "stated_date"}
_DATETIMES = {"created_at"}
_DELETED = "__deleted__"
_KEY = "__evidence_key__"
_HASH = "__article_hash__"


class Refused(ValueError):
    """A correction that cannot be made; the message is one sentence for the user."""


class AlreadyCorrected(Refused):
    """The statement already has an active correction of this kind (undo that first)."""

    def __init__(self, message: str, correction_id: int) -> None:
        super().__init__(message)
        self.correction_id = correction_id


class WhichTopic(Refused):
    """A topic correction of a statement filed under several topics: which one is wrong?"""

    def __init__(self, message: str, topics: tuple[str, ...]) -> None:
        super().__init__(message)
        self.topics = topics


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def normalise(text: str) -> str:
    """Case, punctuation, curly quotes and spacing folded: a re-cleaned article whose
    quotes or spaces came out differently still yields the same key."""
    text = unicodedata.normalize("NFKC", text).replace("&", " and ")
    text = re.sub(r"[^\w\s]", " ", text.casefold())
    return " ".join(text.split())


def evidence_key(text: str) -> str:
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


# ------------------------------------------------------------------------ reading


@dataclass(frozen=True)
class Report:
    article_id: int
    content_hash: str
    source_path: str | None
    title: str


@dataclass(frozen=True)
class StatementView:
    """One statement as a correction sees it: its first report's words, every topic it
    is filed under and every article reporting it."""

    id: int
    actor: str
    speaker: str | None
    topics: tuple[str, ...]
    claim: str
    evidence: str
    kind: str
    reports: tuple[Report, ...]


@dataclass(frozen=True)
class CorrectionRecord:
    id: int
    kind: str
    value: str | None
    from_topic: str | None
    statement_id: int
    actor: str
    speaker: str | None
    topics: tuple[str, ...]
    claim: str
    evidence: str
    created_by: str | None
    platform: str
    created_at: dt.datetime
    undone_at: dt.datetime | None
    undone_by: str | None
    undone_reason: str | None
    changed: int = 0  # position rows it changed when made (or undone)

    @property
    def active(self) -> bool:
        return self.undone_at is None

    def describe(self) -> str:
        """ "state → Pakistan", "not a stance", "duplicate of #12"."""
        if self.kind == NOT_STANCE:
            return "not a stance"
        if self.kind == DUPLICATE:
            return f"duplicate of {self.value}"
        if self.kind == TOPIC and self.from_topic:
            return f"topic {self.from_topic} → {self.value}"
        return f"{self.kind} → {self.value}"


def _record(c: Correction, changed: int = 0) -> CorrectionRecord:
    return CorrectionRecord(
        c.id,
        c.kind,
        c.value,
        c.from_topic,
        c.statement_id,
        c.actor,
        c.speaker,
        tuple(t for t in c.topics.split(",") if t),
        c.claim,
        c.evidence,
        c.created_by,
        c.platform,
        c.created_at,
        c.undone_at,
        c.undone_by,
        c.undone_reason,
        changed,
    )


def _of_statement(statement_id: int) -> ColumnElement[bool]:
    # a row written before statements existed is a statement of its own, by its id
    return or_(
        Position.statement_id == statement_id,
        and_(Position.statement_id.is_(None), Position.id == statement_id),
    )


def _rows(session: Session, statement_id: int) -> list[Position]:
    return list(
        session.scalars(
            select(Position).where(_of_statement(statement_id)).order_by(Position.id)
        ).all()
    )


def statement(session: Session, statement_id: int) -> StatementView | None:
    """The statement as shown with this id, or None when no row carries it."""
    rows = _rows(session, statement_id)
    if not rows:
        return None
    first = rows[0]
    topics: list[str] = []
    for r in rows:
        if r.topic not in topics:
            topics.append(r.topic)
    return StatementView(
        statement_id,
        first.actor,
        first.speaker,
        tuple(topics),
        first.claim,
        first.evidence,
        first.kind,
        _reports(session, rows),
    )


def _reports(session: Session, rows: Sequence[Position]) -> tuple[Report, ...]:
    ids = sorted({r.article_id for r in rows})
    found = session.execute(
        select(Article.id, Article.content_hash, Article.source_path, Article.title).where(
            Article.id.in_(ids)
        )
    ).all()
    by_id = {a: Report(a, h, p, t) for a, h, p, t in found}
    return tuple(by_id[a] for a in ids if a in by_id)


def get(session: Session, correction_id: int) -> CorrectionRecord | None:
    row = session.get(Correction, correction_id)
    return _record(row) if row else None


def listing(
    session: Session, *, active_only: bool = False, limit: int = 50
) -> list[CorrectionRecord]:
    """The newest corrections first."""
    stmt = select(Correction).order_by(Correction.id.desc()).limit(max(1, min(limit, 500)))
    if active_only:
        stmt = stmt.where(Correction.undone_at.is_(None))
    return [_record(c) for c in session.scalars(stmt).all()]


def for_statement(session: Session, statement_id: int) -> list[CorrectionRecord]:
    """Active corrections that changed rows of this statement."""
    ids = [r.id for r in _rows(session, statement_id)]
    if not ids:
        return []
    stmt = (
        select(Correction)
        .join(CorrectionChange, CorrectionChange.correction_id == Correction.id)
        .where(CorrectionChange.position_id.in_(ids), Correction.undone_at.is_(None))
        .distinct()
        .order_by(Correction.id)
    )
    return [_record(c) for c in session.scalars(stmt).all()]


def version(session: Session) -> tuple[int, dt.datetime | None]:
    """Changes whenever a correction is made or undone: part of the key of any cache of
    query results, since a correction rewrites rows without adding any (the newest
    position id alone does not move)."""
    newest, undone = session.execute(
        select(func.max(Correction.id), func.max(Correction.undone_at))
    ).one()
    return (newest or 0, undone)


# ------------------------------------------------------------------------ writing


def correct(
    session: Session,
    statement_id: int,
    kind: str,
    value: str | None = None,
    *,
    from_topic: str | None = None,
    user: str | None,
    platform: str,
) -> CorrectionRecord:
    """Record a correction of a statement and apply it to every report of it now.

    `value` is the right actor, speaker or topic id (already resolved by the caller), or
    for a duplicate the id of the statement this one repeats. A correction of the same
    kind already on the statement is refused: it is undone first, so undo never has two
    snapshots of one column to put back.
    """
    if kind not in KINDS:
        raise Refused(f"“{kind}” is not a kind of correction ({', '.join(KINDS)}).")
    view = statement(session, statement_id)
    if view is None:
        raise Refused(
            f"There is no statement #{statement_id} (ids change when an article "
            "is re-indexed; look it up again)."
        )
    rows = _rows(session, statement_id)
    target: StatementView | None = None
    if kind in (STATE, SPEAKER, TOPIC) and not (value and value.strip()):
        raise Refused(f"A {kind} correction needs the right {kind}.")
    if kind == STATE and value == view.actor:
        raise Refused(f"Statement #{statement_id} is already filed under {value}.")
    if kind == SPEAKER and value == view.speaker:
        raise Refused(f"Statement #{statement_id} is already attributed to {value}.")
    if kind == TOPIC:
        if from_topic is None:
            if len(view.topics) > 1:
                raise WhichTopic(
                    f"Statement #{statement_id} is filed under {', '.join(view.topics)}; "
                    "which of them is wrong?",
                    view.topics,
                )
            from_topic = view.topics[0]
        if from_topic not in view.topics:
            raise Refused(f"Statement #{statement_id} is not filed under {from_topic}.")
        if value == from_topic:
            raise Refused(f"Statement #{statement_id} is already filed under {value}.")
    if kind == DUPLICATE:
        if value is None or not value.isdigit():
            raise Refused("Say which statement it repeats: duplicate:<statement id>.")
        if int(value) == statement_id:
            raise Refused("A statement cannot be a duplicate of itself.")
        target = statement(session, int(value))
        if target is None:
            raise Refused(f"There is no statement #{value} to merge into.")
    for earlier in for_statement(session, statement_id):
        if earlier.kind == kind and (kind != TOPIC or earlier.from_topic == from_topic):
            raise AlreadyCorrected(
                f"Statement #{statement_id} already has that correction (#{earlier.id}: "
                f"{earlier.describe()}); undo it first.",
                earlier.id,
            )
    row = Correction(
        kind=kind,
        value=value.strip()[:300] if value else None,
        from_topic=from_topic if kind == TOPIC else None,
        statement_id=statement_id,
        actor=view.actor,
        speaker=view.speaker,
        topics=",".join(view.topics)[:1000],
        claim=view.claim[:500],
        evidence=view.evidence,
        position_kind=view.kind,
        stated_date=rows[0].stated_date,
        created_by=user[:100] if user else None,
        platform=platform[:20],
        created_at=_utcnow(),
    )
    if target is not None:
        first = _rows(session, target.id)[0]
        row.target_hash = target.reports[0].content_hash if target.reports else None
        row.target_evidence_key = evidence_key(first.evidence)
        row.target_actor = first.actor
    session.add(row)
    session.flush()
    hashes = {r.article_id: r for r in view.reports}
    keys: set[tuple[str, str, str]] = set()
    for p in rows:
        report = hashes.get(p.article_id)
        if report is None:
            continue
        key = (report.content_hash, evidence_key(p.evidence), p.actor)
        if key in keys:
            continue
        keys.add(key)
        session.add(
            CorrectionReport(
                correction_id=row.id,
                content_hash=key[0],
                evidence_key=key[1],
                actor=key[2],
                evidence=p.evidence,
                source_path=report.source_path,
            )
        )
    changed = _apply(session, row, rows, into=target.id if target else None)
    audit.record(
        session,
        action=AUDIT_CORRECT,
        subject=f"statement #{statement_id}: {_record(row).describe()}"[:500],
        user=user,
        platform=platform,
        detail=f"correction #{row.id}; {changed} position rows; was {view.actor}"
        f" / {view.speaker or 'unnamed'} / {', '.join(view.topics)}",
    )
    return _record(row, changed)


def undo(
    session: Session,
    correction_id: int,
    *,
    user: str | None,
    platform: str,
    reason: str | None = None,
) -> CorrectionRecord:
    """Put back what a correction changed (rows it deleted are written again, if their
    article is still in the ledger) and mark it undone; audited like the correction."""
    row = session.get(Correction, correction_id)
    if row is None:
        raise Refused(f"There is no correction #{correction_id}.")
    if row.undone_at is not None:
        raise Refused(f"Correction #{correction_id} was already undone.")
    changes = session.scalars(
        select(CorrectionChange)
        .where(CorrectionChange.correction_id == row.id)
        .order_by(CorrectionChange.id.desc())
    ).all()
    statements: set[int] = set()
    restored = 0
    for change in changes:
        before = json.loads(change.before)
        key, content_hash = before.pop(_KEY, None), before.pop(_HASH, None)
        if before.pop(_DELETED, False):
            fields = _from_json(before)
            if not _restorable(session, change.article_id, content_hash, fields):
                continue
            if session.get(Position, fields["id"]) is not None:
                fields.pop("id")
            back = Position(**fields)
            session.add(back)
            session.flush()
            statements.add(back.statement_id or 0)
            restored += 1
            continue
        p = session.get(Position, change.position_id)
        if p is None or (key is not None and evidence_key(p.evidence) != key):
            continue  # gone with its article, or the id now names another row
        if p.statement_id is not None:
            statements.add(p.statement_id)
        for name, value in _from_json(before).items():
            setattr(p, name, value)
        if p.statement_id is not None:
            statements.add(p.statement_id)
        restored += 1
    session.flush()
    session.execute(delete(CorrectionChange).where(CorrectionChange.correction_id == row.id))
    _shown_once(session, statements)
    # rows written back keep their old ids, which no "newest id" notices: move the
    # ledger's version by hand so cached counts are recomputed (storage.cached)
    cached.touch(session)
    row.undone_at = _utcnow()
    row.undone_by = user[:100] if user else None
    row.undone_reason = reason[:200] if reason else None
    session.flush()
    audit.record(
        session,
        action=AUDIT_UNDO,
        subject=f"statement #{row.statement_id}: undo {_record(row).describe()}"[:500],
        user=user,
        platform=platform,
        detail=f"correction #{row.id}; {restored} position rows restored",
    )
    return _record(row, restored)


def _restorable(
    session: Session, article_id: int, content_hash: str | None, fields: dict[str, object]
) -> bool:
    """A deleted row goes back only into the article it came from (the same text) and only
    once (a re-ingested article's own snapshot may have restored it already)."""
    current = session.scalar(select(Article.content_hash).where(Article.id == article_id))
    if current is None or (content_hash is not None and current != content_hash):
        return False
    twin = session.scalar(
        select(Position.id)
        .where(
            Position.article_id == article_id,
            Position.topic == fields.get("topic"),
            Position.actor == fields.get("actor"),
            Position.evidence == fields.get("evidence"),
        )
        .limit(1)
    )
    return twin is None


def any_active(session: Session) -> bool:
    """Whether any correction is in force: one indexed probe, so ingest pays nothing more
    when none is."""
    active = select(Correction.id).where(Correction.undone_at.is_(None)).limit(1)
    return session.scalar(active) is not None


def reapply(
    session: Session,
    article_id: int,
    content_hash: str | None = None,
    same: SameWords | None = None,
) -> int:
    """Apply the active corrections to an article's rows just written by ingest.

    First those recorded for this article's content (its re-ingest or re-extraction),
    by the stable key; then, given `same` (the ledger's "said once" comparison), those
    of a statement this article is another outlet's report of — the same speaker's same
    words near the same date — so a corrected error does not come back through a second
    outlet; that report's key is recorded too. Returns the number of rows changed; one
    look-up when no correction is active."""
    if not any_active(session):
        return 0  # the usual ingest: one probe, nothing more
    if content_hash is None:
        content_hash = session.scalar(select(Article.content_hash).where(Article.id == article_id))
    if content_hash is None:
        return 0
    pairs = session.execute(
        select(Correction, CorrectionReport)
        .join(CorrectionReport, CorrectionReport.correction_id == Correction.id)
        .where(CorrectionReport.content_hash == content_hash, Correction.undone_at.is_(None))
        .order_by(Correction.id, CorrectionReport.id)
    ).all()
    changed = 0
    done: set[int] = set()
    for correction, report in pairs:
        if correction.id in done:
            continue
        rows = [
            p for p in _live(session, article_id) if evidence_key(p.evidence) == report.evidence_key
        ]
        if len({p.actor for p in rows}) > 1:
            rows = [p for p in rows if p.actor == report.actor]
        if not rows:
            continue
        done.add(correction.id)
        into = None
        if correction.kind == DUPLICATE:
            into = _resolve(
                session,
                correction.target_hash,
                correction.target_evidence_key,
                correction.target_actor,
            )
            if into is None:
                continue
        else:
            into = _rejoin(session, correction.id, article_id)
        changed += _apply(session, correction, rows, into=into)
    if same is not None:
        changed += _other_reports(session, article_id, content_hash, same, done)
    return changed


# The ledger's "said once" comparison (storage.ledger.SameStatement): (new report, an
# earlier one) -> the same statement? Typed loosely here: storage.ledger imports us.
SameWords = Callable[[Any, Any], bool]
WINDOW = dt.timedelta(days=14)  # as the ledger's own statement matching


def _other_reports(
    session: Session, article_id: int, content_hash: str, same: SameWords, done: set[int]
) -> int:
    from storage.ledger import StatementReport  # storage.ledger imports this module

    live = _live(session, article_id)
    actors = sorted({p.actor for p in live})
    if not actors:
        return 0
    stmt = (
        select(Correction, CorrectionReport)
        .join(CorrectionReport, CorrectionReport.correction_id == Correction.id)
        .where(
            Correction.undone_at.is_(None),
            CorrectionReport.actor.in_(actors),
            CorrectionReport.content_hash != content_hash,
        )
        .order_by(Correction.id, CorrectionReport.id)
    )
    dates = [p.stated_date for p in live if p.stated_date]
    if dates:  # only statements made near this article's: as the ledger's own window
        stmt = stmt.where(
            or_(
                Correction.stated_date.is_(None),
                Correction.stated_date.between(min(dates) - WINDOW, max(dates) + WINDOW),
            )
        )
    candidates = session.execute(stmt).all()
    changed = 0
    source_path = session.scalar(select(Article.source_path).where(Article.id == article_id))
    for correction, report in candidates:
        if correction.id in done:
            continue
        topics = set(correction.topics.split(","))
        earlier = StatementReport(
            0,
            correction.statement_id,
            0,
            report.actor,
            correction.speaker,
            correction.topics.split(",")[0],
            correction.claim,
            report.evidence,
            "",
            correction.stated_date or dt.date.min,
            "",
        )
        for p in live:
            if p.actor != report.actor or p.topic not in topics:
                continue
            if p.speaker and correction.speaker and p.speaker != correction.speaker:
                continue
            far = (
                correction.stated_date
                and p.stated_date
                and (abs(p.stated_date - correction.stated_date) > WINDOW)
            )
            if far:
                continue
            if not same(p, earlier):
                continue
            rows = [q for q in live if q.actor == p.actor and q.evidence == p.evidence]
            done.add(correction.id)
            session.add(
                CorrectionReport(
                    correction_id=correction.id,
                    content_hash=content_hash,
                    evidence_key=evidence_key(p.evidence),
                    actor=p.actor,
                    evidence=p.evidence,
                    source_path=source_path,
                )
            )
            if correction.kind == DUPLICATE:
                into = _resolve(
                    session,
                    correction.target_hash,
                    correction.target_evidence_key,
                    correction.target_actor,
                )
            else:
                into = _rejoin(session, correction.id, article_id)
            changed += _apply(session, correction, rows, into=into)
            live = _live(session, article_id)  # rows may have gone (not a stance)
            break
    return changed


def _live(session: Session, article_id: int) -> list[Position]:
    return list(
        session.scalars(
            select(Position).where(Position.article_id == article_id).order_by(Position.id)
        ).all()
    )


def _resolve(
    session: Session, content_hash: str | None, key: str | None, actor: str | None
) -> int | None:
    """The statement id that a stable key names today."""
    if not content_hash or not key:
        return None
    rows = session.scalars(
        select(Position)
        .join(Article, Article.id == Position.article_id)
        .where(Article.content_hash == content_hash)
        .order_by(Position.id)
    ).all()
    found = [p for p in rows if evidence_key(p.evidence) == key]
    if len({p.actor for p in found}) > 1:
        found = [p for p in found if p.actor == actor] or found
    if not found:
        return None
    p = found[0]
    return p.statement_id if p.statement_id is not None else p.id


def _rejoin(session: Session, correction_id: int, article_id: int) -> int | None:
    """The statement other reports of a corrected statement are on now (so a re-ingested
    report is shown once with them, not as a second statement)."""
    return session.scalar(
        select(Position.statement_id)
        .join(CorrectionChange, CorrectionChange.position_id == Position.id)
        .where(
            CorrectionChange.correction_id == correction_id,
            Position.article_id != article_id,
            Position.statement_id.is_not(None),
        )
        .limit(1)
    )


def _apply(session: Session, c: Correction, rows: Iterable[Position], *, into: int | None) -> int:
    """Change the rows as the correction says, keeping each row's old values."""
    statements: set[int] = set()
    changed = 0
    for p in rows:
        if p.statement_id is not None:
            statements.add(p.statement_id)
        before: dict[str, object]
        if c.kind == NOT_STANCE or (
            c.kind == TOPIC and p.topic == c.from_topic and _has_topic(session, p, c.value or "")
        ):
            # hidden; or moved to a topic this report is already filed under
            before = {**{k: getattr(p, k) for k in _ROW_COLUMNS}, _DELETED: True}
            _change(session, c, p, before)
            session.delete(p)
            changed += 1
            continue
        if c.kind == STATE:
            before = {"actor": p.actor}
            p.actor = c.value or p.actor
        elif c.kind == SPEAKER:
            before = {"speaker": p.speaker, "speaker_office": p.speaker_office}
            p.speaker, p.speaker_office = c.value, None
        elif c.kind == TOPIC:
            if p.topic != c.from_topic:
                continue
            before = {"topic": p.topic}
            p.topic = c.value or p.topic
        else:  # duplicate
            before = {}
        if into is not None and p.statement_id != into:
            before["statement_id"] = p.statement_id
            p.statement_id = into
        if not before:
            continue
        _change(session, c, p, before)
        changed += 1
    if into is not None:
        statements.add(into)
    session.flush()
    _shown_once(session, statements)
    return changed


def _has_topic(session: Session, p: Position, topic: str) -> bool:
    statement_id = p.statement_id if p.statement_id is not None else p.id
    return (
        session.scalar(
            select(Position.id)
            .where(
                _of_statement(statement_id),
                Position.article_id == p.article_id,
                Position.topic == topic,
            )
            .limit(1)
        )
        is not None
    )


def _change(session: Session, c: Correction, p: Position, before: dict[str, object]) -> None:
    # what the row was, by content: SQLite reuses the ids of deleted rows, so an undo after
    # a retraction must not restore onto (or beside) another article's rows
    before[_KEY] = evidence_key(p.evidence)
    before[_HASH] = session.scalar(select(Article.content_hash).where(Article.id == p.article_id))
    session.add(
        CorrectionChange(
            correction_id=c.id,
            position_id=p.id,
            article_id=p.article_id,
            before=json.dumps(_to_json(before), ensure_ascii=False),
        )
    )


def _shown_once(session: Session, statements: Iterable[int]) -> None:
    """One shown report per (statement, topic), the first: what the ledger's is_repeat
    means, restored after a correction moved rows between statements or topics."""
    ids = sorted({s for s in statements if s})
    if not ids:
        return
    rows = session.scalars(
        select(Position).where(Position.statement_id.in_(ids)).order_by(Position.id)
    ).all()
    seen: set[tuple[int | None, str]] = set()
    for p in rows:
        key = (p.statement_id, p.topic)
        repeat = key in seen
        seen.add(key)
        if p.is_repeat != repeat:
            p.is_repeat = repeat
    session.flush()


def _to_json(values: dict[str, object]) -> dict[str, object]:
    out: dict[str, object] = {}
    for k, v in values.items():
        out[k] = v.isoformat() if isinstance(v, dt.date | dt.datetime) else v
    return out


def _from_json(values: dict[str, object]) -> dict[str, object]:
    out: dict[str, object] = {}
    for k, v in values.items():
        if isinstance(v, str) and k in _DATES:
            out[k] = dt.date.fromisoformat(v)
        elif isinstance(v, str) and k in _DATETIMES:
            out[k] = dt.datetime.fromisoformat(v)
        else:
            out[k] = v
    return out
