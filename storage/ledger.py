"""The write side of the ledger, and the look-ups ingest needs to stay idempotent.

Takes plain values, not indexer objects, so storage depends on nothing above it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import and_, false, func, insert, or_, select, true, update
from sqlalchemy.orm import Session

from storage import corrections
from storage.models import Article, Position, Statement, Story


class FingerprintLike(Protocol):
    @property
    def hash(self) -> str: ...

    @property
    def simhash(self) -> int: ...

    @property
    def bands(self) -> tuple[int, int, int, int]: ...


class PositionLike(Protocol):
    @property
    def actor(self) -> str: ...

    @property
    def speaker(self) -> str | None: ...

    @property
    def speaker_office(self) -> str | None: ...

    @property
    def topic(self) -> str: ...

    @property
    def claim(self) -> str: ...

    @property
    def evidence(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def stated_on(self) -> str | None: ...

    @property
    def stated_basis(self) -> str | None: ...

    @property
    def stance(self) -> str | None: ...

    @property
    def stance_cue(self) -> str | None: ...


@dataclass(frozen=True)
class StatementReport:
    """An earlier report of a statement, as the "said once" comparison needs it."""

    position_id: int
    statement_id: int
    article_id: int
    actor: str
    speaker: str | None
    topic: str
    claim: str
    evidence: str
    stated_on: str
    stated_date: dt.date
    stated_basis: str


# (new position, an earlier report) -> the same statement?
SameStatement = Callable[[PositionLike, StatementReport], bool]


class ArticleLike(Protocol):
    @property
    def title(self) -> str: ...

    @property
    def text(self) -> str: ...

    @property
    def source(self) -> str | None: ...

    @property
    def url(self) -> str | None: ...

    @property
    def source_path(self) -> str | None: ...

    @property
    def origin(self) -> str: ...

    @property
    def published(self) -> dt.date: ...

    @property
    def date_precision(self) -> str: ...

    @property
    def date_basis(self) -> str: ...

    @property
    def ingested_by(self) -> str | None: ...


@dataclass(frozen=True)
class ArticleRef:
    id: int
    story_id: int
    title: str
    gist: str
    ingested_at: dt.datetime


def _ref(row: Article) -> ArticleRef:
    return ArticleRef(row.id, row.story_id, row.title, row.gist, row.ingested_at)


def article_by_url(session: Session, url: str) -> ArticleRef | None:
    row = session.scalar(select(Article).where(Article.url == url))
    return _ref(row) if row else None


def find_duplicate(session: Session, *, url: str | None, content_hash: str) -> ArticleRef | None:
    """An article with the same URL or the same normalised text."""
    cond = Article.content_hash == content_hash
    if url:
        cond = or_(cond, Article.url == url)
    row = session.scalars(select(Article).where(cond).order_by(Article.id).limit(1)).first()
    return _ref(row) if row else None


def near_duplicate(
    session: Session,
    text: str,
    fingerprint: FingerprintLike,
    threshold: float,
    similarity: Callable[[str, str], float],
    *,
    max_candidates: int = 50,
) -> ArticleRef | None:
    """The earliest article telling the same story: shares a SimHash band, then confirmed
    by shingle similarity (so a band collision alone never merges two stories)."""
    b = fingerprint.bands
    rows = session.scalars(
        select(Article)
        .where(
            or_(
                Article.band0 == b[0],
                Article.band1 == b[1],
                Article.band2 == b[2],
                Article.band3 == b[3],
            )
        )
        .order_by(Article.id)
        .limit(max_candidates)
    ).all()
    for row in rows:
        if similarity(text, row.text) >= threshold:
            return _ref(row)
    return None


def add_article(
    session: Session,
    article: ArticleLike,
    *,
    fingerprint: FingerprintLike,
    summary: str,
    gist: str,
    positions: Iterable[PositionLike],
    story_id: int | None = None,
    same_statement: SameStatement | None = None,
    window_days: int = 14,
) -> Article:
    """Write an article and its positions; each position joins the statement it reports
    (see `_statement_for`) when `same_statement` recognises an earlier report of it."""
    if story_id is None:
        story = Story()
        session.add(story)
        session.flush()
        story_id = story.id
    b = fingerprint.bands
    row = Article(
        story_id=story_id,
        title=article.title[:500],
        source=article.source,
        url=article.url,
        source_path=article.source_path,
        origin=article.origin,
        published=article.published,
        date_precision=article.date_precision,
        date_basis=article.date_basis[:500],
        text=article.text,
        summary=summary,
        gist=gist[:400],
        word_count=len(article.text.split()),
        content_hash=fingerprint.hash,
        simhash=fingerprint.simhash,
        band0=b[0],
        band1=b[1],
        band2=b[2],
        band3=b[3],
        ingested_by=article.ingested_by,
    )
    session.add(row)
    session.flush()
    # this article's sentences already given a statement, and the (statement, topic)
    # pairs already written: one sentence filed under several topics asks the database once
    sentences: dict[tuple[str, str], tuple[int, str, str]] = {}
    written: set[tuple[int, str]] = set()
    fresh: set[int] = set()  # statements first seen in this article: no earlier reports
    for p in positions:
        stated_on = p.stated_on or _iso(article.published, article.date_precision)
        stated_basis = p.stated_basis or "article date"
        key = (p.actor, p.evidence)
        if key in sentences:
            statement_id, stated_on, stated_basis = sentences[key]
        else:
            statement_id, stated_on, stated_basis, created = _statement_for(
                session, p, row.id, stated_on, stated_basis, same_statement, window_days
            )
            if created:
                fresh.add(statement_id)
            sentences[key] = (statement_id, stated_on, stated_basis)
        repeat = (statement_id, p.topic) in written or (
            statement_id not in fresh
            and session.scalar(
                select(Position.id)
                .where(Position.statement_id == statement_id, Position.topic == p.topic)
                .limit(1)
            )
            is not None
        )
        written.add((statement_id, p.topic))
        session.add(
            Position(
                article_id=row.id,
                actor=p.actor,
                speaker=p.speaker,
                speaker_office=p.speaker_office,
                topic=p.topic,
                claim=p.claim[:500],
                evidence=p.evidence,
                kind=p.kind,
                published=article.published,
                stated_on=stated_on,
                stated_date=period_start(stated_on),
                stated_basis=stated_basis[:300],
                statement_id=statement_id,
                is_repeat=repeat,
                stance=p.stance,
                stance_cue=p.stance_cue[:300] if p.stance_cue else None,
            )
        )
        session.flush()
    # analysts' corrections of this text's statements survive its re-ingest
    corrections.reapply(session, row.id, row.content_hash, same_statement)
    return row


def _iso(date: dt.date, precision: str) -> str:
    if precision == "year":
        return f"{date:%Y}"
    if precision == "month":
        return f"{date:%Y-%m}"
    return date.isoformat()


def period_start(on: str) -> dt.date:
    """The first day of an ISO date at any precision: "2018" -> 2018-01-01."""
    parts = [int(x) for x in on.split("-")] + [1, 1]
    return dt.date(parts[0], parts[1], parts[2])


def _report(p: Position) -> StatementReport:
    return StatementReport(
        p.id,
        p.statement_id if p.statement_id is not None else p.id,
        p.article_id,
        p.actor,
        p.speaker,
        p.topic,
        p.claim,
        p.evidence,
        p.stated_on,
        p.stated_date,
        p.stated_basis,
    )


def _statement_for(
    session: Session,
    p: PositionLike,
    article_id: int,
    stated_on: str,
    stated_basis: str,
    same: SameStatement | None,
    window_days: int,
) -> tuple[int, str, str, bool]:
    """The statement this position reports, the date it carries, and whether the
    statement is new (first reported here).

    Candidates are the first reports of the same actor's statements on the same topic
    near the stated date (an ix_positions_topic_repeat_actor_stated range). One sentence tagged
    with several topics is one statement: `add_article` asks here once per sentence.
    A statement keeps one date: the best grounded of its reports (a date read from the
    sentence beats an article's date; among equals the earliest, since a statement is
    never made after its first report), and every report is aligned to it.
    """
    start = period_start(stated_on)
    window = dt.timedelta(days=window_days)
    match: Position | None = None
    if same is not None:
        rows = session.scalars(
            select(Position)
            .where(
                Position.actor == p.actor,
                Position.topic == p.topic,
                Position.is_repeat == false(),  # each statement once, by its first report
                Position.stated_date >= start - window,
                Position.stated_date <= start + window,
                Position.article_id != article_id,
                # a named speaker's statement is another named speaker's only if they are
                # the same person (unnamed reports may be anyone's)
                or_(Position.speaker == p.speaker, Position.speaker.is_(None))
                if p.speaker
                else true(),
            )
            .order_by(Position.stated_date, Position.id)
            .limit(200)
        ).all()
        for row in rows:
            if (row.speaker or None) != (p.speaker or None) and row.speaker and p.speaker:
                continue
            if same(p, _report(row)):
                match = row
                break
    if match is None:
        statement = Statement()
        session.add(statement)
        session.flush()
        return statement.id, stated_on, stated_basis, True
    statement_id = match.statement_id if match.statement_id is not None else match.id
    if _better(stated_on, stated_basis, match.stated_on, match.stated_basis):
        # this report dates the statement better: every earlier report follows it
        for earlier in session.scalars(
            select(Position).where(Position.statement_id == statement_id)
        ):
            earlier.stated_on = stated_on
            earlier.stated_date = start
            earlier.stated_basis = stated_basis[:300]
        return statement_id, stated_on, stated_basis, False
    return statement_id, match.stated_on, match.stated_basis, False


def _better(on: str, basis: str, than_on: str, than_basis: str) -> bool:
    grounded = not basis.startswith("article date")
    than_grounded = not than_basis.startswith("article date")
    if grounded != than_grounded:
        return grounded
    return period_start(on) < period_start(than_on)


def article_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Article)) or 0


def positions_for_export(
    session: Session,
    *,
    topic: str | None = None,
    actor: str | None = None,
    since: dt.date | None = None,
) -> Iterable[tuple[Position, Article]]:
    """Every position with its article, newest said first, for the JSON export."""
    stmt = select(Position, Article).join(Article, Position.article_id == Article.id)
    if topic:
        stmt = stmt.where(Position.topic == topic)
    if actor:
        stmt = stmt.where(Position.actor == actor)
    if since:
        stmt = stmt.where(Position.stated_date >= since)
    stmt = stmt.order_by(Position.stated_date.desc(), Position.id)
    yield from session.execute(stmt).tuples()


def articles_for_export(session: Session) -> Iterable[Article]:
    yield from session.scalars(select(Article).order_by(Article.published.desc(), Article.id))


def seed_articles_present(session: Session) -> bool:
    return session.scalar(select(Article.id).where(Article.origin == "seed").limit(1)) is not None


# ------------------------------------------------------------------ a batch in one transaction


@dataclass
class NewArticle:
    """One article of a batch, as `add_articles` takes it. `story_id` is an existing story;
    `same_story_as` the index of an earlier article of the batch whose (new) story it
    joins; with neither it starts a story of its own."""

    article: ArticleLike
    fingerprint: FingerprintLike
    summary: str
    gist: str
    positions: list[PositionLike]
    story_id: int | None = None
    same_story_as: int | None = None


@dataclass
class _Report:
    """A first report that a later position may be another report of: from the ledger, or
    written earlier in the same batch (then `article` is its batch index, `position_id`
    a stand-in that sorts after every stored id)."""

    position_id: int
    statement: int | str  # an id, or "new:k" for a statement made in this batch
    article: int | str
    actor: str
    speaker: str | None
    topic: str
    claim: str
    evidence: str
    stated_on: str
    stated_date: dt.date
    stated_basis: str

    def as_report(self) -> StatementReport:
        return StatementReport(
            self.position_id,
            self.statement if isinstance(self.statement, int) else -1,
            self.article if isinstance(self.article, int) else -1,
            self.actor,
            self.speaker,
            self.topic,
            self.claim,
            self.evidence,
            self.stated_on,
            self.stated_date,
            self.stated_basis,
        )


def duplicates_of(
    session: Session, *, urls: Iterable[str], hashes: Iterable[str]
) -> tuple[dict[str, ArticleRef], dict[str, ArticleRef]]:
    """Stored articles with any of these URLs or content hashes, in one look-up: by URL and
    by hash (the earliest article when several match)."""
    url_list, hash_list = sorted(set(urls)), sorted(set(hashes))
    if not url_list and not hash_list:
        return {}, {}
    conds = []
    if hash_list:
        conds.append(Article.content_hash.in_(hash_list))
    if url_list:
        conds.append(Article.url.in_(url_list))
    rows = session.execute(
        select(
            Article.id,
            Article.story_id,
            Article.title,
            Article.gist,
            Article.ingested_at,
            Article.url,
            Article.content_hash,
        )
        .where(or_(*conds))
        .order_by(Article.id)
    ).all()
    by_url: dict[str, ArticleRef] = {}
    by_hash: dict[str, ArticleRef] = {}
    for r in rows:
        ref = ArticleRef(r[0], r[1], r[2], r[3], r[4])
        if r[5]:
            by_url.setdefault(r[5], ref)
        by_hash.setdefault(r[6], ref)
    return by_url, by_hash


def add_articles(
    session: Session,
    batch: list[NewArticle],
    *,
    same_statement: SameStatement | None = None,
    window_days: int = 14,
) -> list[ArticleRef]:
    """Write a batch of articles and their positions in the caller's transaction, with
    bulk inserts: one for the new stories, one for the articles, one for the statements,
    one for the positions, and one look-up for every earlier report any position of the
    batch may repeat. Gives each article's ref, in order.

    The "said once" decisions are those `add_article` makes article by article: the
    same candidates (first reports of the same actor on the same topic within
    `window_days`, the same speaker when both are named, 200 at most, oldest first), with
    the articles earlier in the batch counted as already written.
    """
    if not batch:
        return []
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    pool = _report_pool(session, batch, window_days) if same_statement is not None else {}
    # (statement, topic) pairs on record, for every statement a position may join: a new
    # report of one under a topic it already has is a repeat
    shown = _stored_topics(session, {r.statement for rs in pool.values() for r in rs})
    new_statements = 0
    pending: list[dict[str, object]] = []  # position rows, statement ids still symbolic
    redated: dict[int, tuple[str, dt.date, str]] = {}  # stored statement -> its new date
    stand_in = 1 << 62  # ids for batch positions in candidate order: after every stored one
    for i, a in enumerate(batch):
        art = a.article
        sentences: dict[tuple[str, str], tuple[int | str, str, str]] = {}
        for p in a.positions:
            stated_on = p.stated_on or _iso(art.published, art.date_precision)
            stated_basis = p.stated_basis or "article date"
            key = (p.actor, p.evidence)
            if key in sentences:
                statement, stated_on, stated_basis = sentences[key]
            else:
                match = _match(pool, p, i, stated_on, window_days, same_statement)
                if match is None:
                    statement = f"new:{new_statements}"
                    new_statements += 1
                else:
                    statement = match.statement
                    if _better(stated_on, stated_basis, match.stated_on, match.stated_basis):
                        start = period_start(stated_on)
                        _redate(pool, pending, statement, stated_on, start, stated_basis[:300])
                        if isinstance(statement, int):
                            redated[statement] = (stated_on, start, stated_basis[:300])
                    else:
                        stated_on, stated_basis = match.stated_on, match.stated_basis
                sentences[key] = (statement, stated_on, stated_basis)
            repeat = (statement, p.topic) in shown
            shown.add((statement, p.topic))
            stand_in += 1
            row: dict[str, object] = {
                "article_id": i,  # the batch index until the articles are written
                "actor": p.actor,
                "speaker": p.speaker,
                "speaker_office": p.speaker_office,
                "topic": p.topic,
                "claim": p.claim[:500],
                "evidence": p.evidence,
                "kind": p.kind,
                "published": art.published,
                "stated_on": stated_on,
                "stated_date": period_start(stated_on),
                "stated_basis": stated_basis[:300],
                "statement_id": statement,
                "is_repeat": repeat,
                "stance": p.stance,
                "stance_cue": p.stance_cue[:300] if p.stance_cue else None,
                "created_at": now,
            }
            pending.append(row)
            if not repeat and same_statement is not None:
                pool.setdefault((p.actor, p.topic), []).append(
                    _Report(
                        stand_in,
                        statement,
                        f"batch:{i}",
                        p.actor,
                        p.speaker,
                        p.topic,
                        p.claim,
                        p.evidence,
                        stated_on,
                        period_start(stated_on),
                        stated_basis,
                    )
                )
    # Every read and decision is made; the writes follow back to back, so the write lock
    # (SQLite takes it at the first INSERT) is held for the inserts alone, not for the
    # statement comparisons — commands claiming their delivery keep their acks short.
    # stories: one new row per article that neither has one nor joins an earlier one's
    fresh_story = [i for i, a in enumerate(batch) if a.story_id is None and a.same_story_as is None]
    story_ids: dict[int, int] = {}
    if fresh_story:
        ids = session.scalars(
            insert(Story).returning(Story.id, sort_by_parameter_order=True),
            [{"created_at": now} for _ in fresh_story],
        ).all()
        story_ids = dict(zip(fresh_story, ids, strict=True))
    for i, a in enumerate(batch):
        if a.story_id is not None:
            story_ids[i] = a.story_id
        elif a.same_story_as is not None:
            story_ids[i] = story_ids[a.same_story_as]
    article_rows = []
    for i, a in enumerate(batch):
        art, b = a.article, a.fingerprint.bands
        article_rows.append(
            {
                "story_id": story_ids[i],
                "title": art.title[:500],
                "source": art.source,
                "url": art.url,
                "source_path": art.source_path,
                "origin": art.origin,
                "published": art.published,
                "date_precision": art.date_precision,
                "date_basis": art.date_basis[:500],
                "text": art.text,
                "summary": a.summary,
                "gist": a.gist[:400],
                "word_count": len(art.text.split()),
                "content_hash": a.fingerprint.hash,
                "simhash": a.fingerprint.simhash,
                "band0": b[0],
                "band1": b[1],
                "band2": b[2],
                "band3": b[3],
                "ingested_at": now,
                "ingested_by": art.ingested_by,
            }
        )
    article_ids = list(
        session.scalars(
            insert(Article).returning(Article.id, sort_by_parameter_order=True), article_rows
        ).all()
    )
    for row in pending:
        row["article_id"] = article_ids[int(str(row["article_id"]))]
    for statement_id, (on, start, basis) in redated.items():
        session.execute(
            update(Position)
            .where(Position.statement_id == statement_id)
            .values(stated_on=on, stated_date=start, stated_basis=basis)
        )
    if new_statements:
        made = session.scalars(
            insert(Statement).returning(Statement.id, sort_by_parameter_order=True),
            [{"created_at": now} for _ in range(new_statements)],
        ).all()
        for row in pending:
            sid = row["statement_id"]
            if isinstance(sid, str):
                row["statement_id"] = made[int(sid.removeprefix("new:"))]
    if pending:
        session.execute(insert(Position), pending)
    # analysts' corrections of these texts' statements survive their re-ingest; one probe
    # for the whole batch when no correction is active
    if corrections.any_active(session):
        for i, a in enumerate(batch):
            corrections.reapply(session, article_ids[i], a.fingerprint.hash, same_statement)
    return [
        ArticleRef(article_ids[i], story_ids[i], a.article.title[:500], a.gist[:400], now)
        for i, a in enumerate(batch)
    ]


def _report_pool(
    session: Session, batch: list[NewArticle], window_days: int
) -> dict[tuple[str, str], list[_Report]]:
    """Every stored first report any position of the batch may repeat, in one look-up:
    the same actor and topic within `window_days` of the position's date."""
    window = dt.timedelta(days=window_days)
    ranges: dict[tuple[str, str], list[tuple[dt.date, dt.date]]] = {}
    for a in batch:
        for p in a.positions:
            start = period_start(p.stated_on or _iso(a.article.published, a.article.date_precision))
            ranges.setdefault((p.actor, p.topic), []).append((start - window, start + window))
    conds = []
    for (actor, topic), spans in ranges.items():
        for lo, hi in _merged(spans):
            conds.append(
                and_(
                    Position.topic == topic,
                    Position.actor == actor,
                    Position.stated_date >= lo,
                    Position.stated_date <= hi,
                )
            )
    pool: dict[tuple[str, str], list[_Report]] = {}
    if not conds:
        return pool
    rows = session.execute(
        select(
            Position.id,
            Position.statement_id,
            Position.article_id,
            Position.actor,
            Position.speaker,
            Position.topic,
            Position.claim,
            Position.evidence,
            Position.stated_on,
            Position.stated_date,
            Position.stated_basis,
        )
        .where(Position.is_repeat == false(), or_(*conds))
        .order_by(Position.stated_date, Position.id)
    ).all()
    for r in rows:
        statement = r[1] if r[1] is not None else r[0]
        pool.setdefault((r[3], r[5]), []).append(_Report(r[0], statement, *r[2:]))
    return pool


def _merged(spans: list[tuple[dt.date, dt.date]]) -> list[tuple[dt.date, dt.date]]:
    out: list[tuple[dt.date, dt.date]] = []
    for lo, hi in sorted(spans):
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _match(
    pool: dict[tuple[str, str], list[_Report]],
    p: PositionLike,
    index: int,
    stated_on: str,
    window_days: int,
    same: SameStatement | None,
) -> _Report | None:
    """`_statement_for`'s candidates and decision, read from the batch's pool."""
    if same is None:
        return None
    start = period_start(stated_on)
    window = dt.timedelta(days=window_days)
    own = f"batch:{index}"
    candidates = sorted(
        (
            r
            for r in pool.get((p.actor, p.topic), ())
            if start - window <= r.stated_date <= start + window
            and r.article != own
            and (not p.speaker or r.speaker == p.speaker or r.speaker is None)
        ),
        key=lambda r: (r.stated_date, r.position_id),
    )[:200]
    for r in candidates:
        if (r.speaker or None) != (p.speaker or None) and r.speaker and p.speaker:
            continue
        if same(p, r.as_report()):
            return r
    return None


def _redate(
    pool: dict[tuple[str, str], list[_Report]],
    pending: list[dict[str, object]],
    statement: int | str,
    on: str,
    start: dt.date,
    basis: str,
) -> None:
    """A better-dated report moves every report of its statement: in the pool, and among
    the batch's rows not yet written (stored rows are updated in SQL)."""
    for reports in pool.values():
        for r in reports:
            if r.statement == statement:
                r.stated_on, r.stated_date, r.stated_basis = on, start, basis
    for row in pending:
        if row["statement_id"] == statement:
            row.update(stated_on=on, stated_date=start, stated_basis=basis)


def _stored_topics(session: Session, statements: set[int | str]) -> set[tuple[int | str, str]]:
    ids = sorted(s for s in statements if isinstance(s, int))
    if not ids:
        return set()
    rows = session.execute(
        select(Position.statement_id, Position.topic)
        .where(Position.statement_id.in_(ids))
        .distinct()
    ).all()
    return {(sid, topic) for sid, topic in rows}
