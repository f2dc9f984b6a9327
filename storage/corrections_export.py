"""Corrections as annotated positions: what the analysts say the articles hold, in the
gold format (`seeds/gold/README.md`), for the export and for scoring the extractor.

Read from the corrections' own records (`CorrectionReport` keeps each article's sentence
and content hash), not from the corrected rows, so the export names the statements as
the extractor gave them whatever happened to the rows since.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.corrections import DUPLICATE, NOT_STANCE, SPEAKER, STATE, TOPIC
from storage.models import Article, Correction, CorrectionReport


@dataclass(frozen=True)
class Annotated:
    """A corrected statement as one article's annotated position (the gold format), or
    for "not a stance" the sentence that must yield none."""

    article: str
    actor: str
    speaker: str | None
    topic: str
    claim: str
    evidence: str
    kind: str
    correction: str
    correction_id: int
    statement_id: int
    not_stance: bool = False
    duplicate_of: int | None = None

    def as_gold(self) -> dict[str, object]:
        record: dict[str, object] = {
            "article": self.article,
            "actor": self.actor,
            "speaker": self.speaker,
            "topic": self.topic,
            "claim": self.claim,
            "evidence": self.evidence,
            "kind": self.kind,
            "alt_evidence": [],
            "correction": self.correction,
            "correction_id": self.correction_id,
            "statement_id": self.statement_id,
        }
        if self.not_stance:
            record["not_stance"] = True
        if self.duplicate_of is not None:
            record["duplicate_of"] = self.duplicate_of
        return record


@dataclass
class _Line:
    """One report of a statement while its corrections are folded in."""

    article: str
    actor: str
    speaker: str | None
    topics: list[str]
    claim: str
    evidence: str
    kind: str
    correction_id: int
    statement_id: int
    kinds: list[str] = field(default_factory=list)
    not_stance: bool = False
    duplicate_of: int | None = None

    def fold(self, c: Correction) -> None:
        self.kinds.append(c.kind)
        if c.kind == STATE and c.value:
            self.actor = c.value
        elif c.kind == SPEAKER:
            self.speaker = c.value
        elif c.kind == TOPIC and c.value:
            self.topics = [t for t in self.topics if t != c.from_topic]
            if c.value not in self.topics:
                self.topics.append(c.value)
        elif c.kind == NOT_STANCE:
            self.not_stance = True
        elif c.kind == DUPLICATE and c.value and c.value.isdigit():
            self.duplicate_of = int(c.value)


def article_name(source_path: str | None, content_hash: str) -> str:
    """The name an exported position gives its article: the file it was indexed from, or
    a name made from its content hash (stable across re-ingest)."""
    if source_path:
        name = source_path.replace("\\", "/").rsplit("/", 1)[-1]
        if name:
            return name
    return f"ledger_{content_hash[:16]}.txt"


def annotated(session: Session) -> list[Annotated]:
    """Every active correction as the positions it says the articles hold, one line per
    (report, topic): the extracted statement with the correction applied. Corrections of
    one statement are combined (a state and a topic correction give one line)."""
    rows = session.execute(
        select(Correction, CorrectionReport)
        .join(CorrectionReport, CorrectionReport.correction_id == Correction.id)
        .where(Correction.undone_at.is_(None))
        .order_by(Correction.id, CorrectionReport.id)
    ).all()
    # one line per article sentence: corrections of one statement combine there
    lines: dict[tuple[str, str], _Line] = {}
    for c, r in rows:
        line = lines.setdefault(
            (r.content_hash, r.evidence_key),
            _Line(
                article=article_name(r.source_path, r.content_hash),
                actor=r.actor,
                speaker=c.speaker,
                topics=[t for t in c.topics.split(",") if t],
                claim=c.claim,
                evidence=r.evidence,
                kind=c.position_kind,
                correction_id=c.id,
                statement_id=c.statement_id,
            ),
        )
        line.fold(c)
    return [
        Annotated(
            article=line.article,
            actor=line.actor,
            speaker=line.speaker,
            topic=topic,
            claim=line.claim,
            evidence=line.evidence,
            kind=line.kind,
            correction="+".join(line.kinds),
            correction_id=line.correction_id,
            statement_id=line.statement_id,
            not_stance=line.not_stance,
            duplicate_of=line.duplicate_of,
        )
        for line in lines.values()
        for topic in line.topics
    ]


def corrected_articles(session: Session) -> list[tuple[str, Article]]:
    """The articles active corrections were made on, with the name the export uses."""
    hashes = session.scalars(
        select(CorrectionReport.content_hash)
        .join(Correction, Correction.id == CorrectionReport.correction_id)
        .where(Correction.undone_at.is_(None))
        .distinct()
    ).all()
    if not hashes:
        return []
    rows = session.scalars(
        select(Article).where(Article.content_hash.in_(list(hashes))).order_by(Article.id)
    ).all()
    return [(article_name(a.source_path, a.content_hash), a) for a in rows]
