"""A team's own corrections as its measure of the extractor.

Every active correction says what an article's statement really is (`storage.corrections.
annotated`). The corrected articles are run again through the whole pipeline in a
throw-away database — the extractor as it is now — and scored with the gold matching rule
of `bot.evaluation` on the positions taken from corrected sentences only: the rest of
those articles was never reviewed, so counting it either way would measure nothing. A
"not a stance" sentence is a negative: any position still taken from it is a false
positive.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot.evaluation import GoldPosition, Score, SystemPosition, score_positions
from bot.indexer.types import RawArticle
from bot.settings import Settings
from storage import corrections_export, ledger
from storage.db import Database


@dataclass(frozen=True)
class CorrectionsReport:
    score: Score  # against the corrected statements, on the corrected sentences
    system: int  # extracted positions on corrected sentences
    not_stance: int  # sentences analysts said hold no stance
    not_stance_extracted: int  # of those, still given a position by the extractor
    articles: int

    @property
    def precision(self) -> float:
        """Matched positions over every position taken from a corrected sentence
        (including the "not a stance" ones, which can match nothing)."""
        return self.score.matched_system / self.system if self.system else 0.0

    def as_dict(self) -> dict[str, object]:
        s = self.score
        return {
            "corrections": {
                "articles": self.articles,
                "gold": s.gold,
                "matched_gold": s.matched_gold,
                "recall": round(s.recall, 4),
                "system": self.system,
                "matched_system": s.matched_system,
                "precision": round(self.precision, 4),
                "not_stance": self.not_stance,
                "not_stance_extracted": self.not_stance_extracted,
            }
        }

    def render(self) -> str:
        s = self.score
        return "\n".join(
            [
                f"extractor vs {s.gold} corrected positions on {self.articles} articles "
                "(article, actor, topic equal; evidence overlaps)",
                f"  recall    {s.recall:.3f}  ({s.matched_gold}/{s.gold} corrected positions "
                "now extracted right)",
                f"  precision {self.precision:.3f}  ({s.matched_system}/{self.system} "
                "positions taken from corrected sentences)",
                f"  not a stance: {self.not_stance_extracted} of {self.not_stance} sentences "
                "still give a position",
            ]
        )


def gold_of(lines: list[corrections_export.Annotated]) -> list[GoldPosition]:
    """The positive lines as gold positions (the loader's shape, `load_gold_positions`)."""
    return [
        GoldPosition(a.article, a.actor, a.topic, (a.evidence,), a.kind, a.speaker)
        for a in lines
        if not a.not_stance
    ]


def same_sentence(system: str, corrected: str) -> bool:
    """A position taken from the corrected sentence itself: one evidence contains the
    other once spacing and case are folded. (The gold rule's looser word overlap would
    also pull in neighbouring sentences that repeat the words, which nobody reviewed.)"""
    a, b = " ".join(system.split()).lower(), " ".join(corrected.split()).lower()
    return bool(a and b) and (a in b or b in a)


def score_against(
    system: list[SystemPosition], lines: list[corrections_export.Annotated]
) -> CorrectionsReport:
    """Score positions (from any extractor run) against exported corrections."""
    sentences: dict[str, list[str]] = {}
    for a in lines:
        sentences.setdefault(a.article, []).append(a.evidence)
    on = [
        s for s in system if any(same_sentence(s.evidence, e) for e in sentences.get(s.article, []))
    ]
    negatives = {(a.article, a.evidence) for a in lines if a.not_stance}
    still = sum(
        1
        for article, evidence in negatives
        if any(s.article == article and same_sentence(s.evidence, evidence) for s in on)
    )
    return CorrectionsReport(
        score_positions(on, gold_of(lines)), len(on), len(negatives), still, len(sentences)
    )


def run_corrections_eval(settings: Settings, db: Database) -> CorrectionsReport:
    """Re-extract every corrected article with the current pipeline and score it."""
    from bot.indexer.pipeline import Indexer  # spaCy: only when an evaluation runs

    with db.session() as session:
        lines = corrections_export.annotated(session)
        raws = [
            RawArticle(
                origin="file",
                text=art.text,
                title=art.title,
                source=art.source,
                source_path=name,
                published=art.published,
                date_precision=art.date_precision,
                date_basis=art.date_basis,
            )
            for name, art in corrections_export.corrected_articles(session)
        ]
    system: list[SystemPosition] = []
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Database(f"sqlite:///{Path(tmp) / 'corrections-eval.db'}")
        try:
            list(Indexer(fresh, settings).ingest_many(raws))
            with fresh.session() as session:
                for pos, art in ledger.positions_for_export(session):
                    system.append(
                        SystemPosition(
                            Path(art.source_path or "").name,
                            pos.actor,
                            pos.topic,
                            pos.evidence,
                            pos.speaker,
                            pos.kind,
                        )
                    )
        finally:
            fresh.dispose()
    return score_against(system, lines)
