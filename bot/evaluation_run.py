"""`python -m bot eval`: ingest the seeds into a throw-away database and score the result.

Runs the real pipeline end to end (clean → spaCy → positions → SQLite), so the figures
describe what users get, not a shortcut around it.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot.evaluation import (
    COVERED,
    Score,
    SystemPosition,
    key_point_recall,
    load_gold_articles,
    load_gold_positions,
    score_positions,
)
from bot.indexer.nlp import load
from bot.indexer.pipeline import Indexer
from bot.indexer.sources import load_seed_dir
from bot.indexer.summarize import lead
from bot.settings import Settings
from storage import ledger
from storage.db import Database


@dataclass
class ArticleCoverage:
    article: str
    summary_recall: list[float]  # per key point: share of its lemmas in the summary
    lead3_recall: list[float]

    @property
    def summary(self) -> tuple[int, int]:
        return sum(r >= COVERED for r in self.summary_recall), len(self.summary_recall)

    @property
    def lead3(self) -> tuple[int, int]:
        return sum(r >= COVERED for r in self.lead3_recall), len(self.lead3_recall)


@dataclass
class Report:
    score: Score
    coverage: list[ArticleCoverage]

    @property
    def summary_coverage(self) -> float:
        covered = sum(c.summary[0] for c in self.coverage)
        return covered / max(1, sum(c.summary[1] for c in self.coverage))

    @property
    def lead3_coverage(self) -> float:
        covered = sum(c.lead3[0] for c in self.coverage)
        return covered / max(1, sum(c.lead3[1] for c in self.coverage))

    def mean_recall(self, which: str) -> float:
        values = [r for c in self.coverage for r in getattr(c, f"{which}_recall")]
        return sum(values) / max(1, len(values))

    def as_dict(self) -> dict[str, object]:
        s = self.score
        return {
            "positions": {
                "precision": round(s.precision, 4),
                "recall": round(s.recall, 4),
                "f1": round(s.f1, 4),
                "system": s.system,
                "gold": s.gold,
            },
            "summaries": {
                "key_point_coverage": round(self.summary_coverage, 4),
                "lead3_key_point_coverage": round(self.lead3_coverage, 4),
                "mean_key_point_lemma_recall": round(self.mean_recall("summary"), 4),
                "lead3_mean_key_point_lemma_recall": round(self.mean_recall("lead3"), 4),
                "per_article": {
                    c.article: {"summary": c.summary, "lead3": c.lead3} for c in self.coverage
                },
            },
        }

    def render(self, *, errors: bool = False) -> str:
        s = self.score
        lines = [
            "positions vs gold (article, actor, topic equal; evidence overlaps)",
            f"  precision {s.precision:.3f}  ({s.matched_system}/{s.system} system positions)",
            f"  recall    {s.recall:.3f}  ({s.matched_gold}/{s.gold} gold positions)",
            f"  F1        {s.f1:.3f}",
            f"summary key points covered (≥ {COVERED:.0%} of a point's content lemmas in it)",
        ]
        for c in self.coverage:
            lines.append(
                f"  {c.article[:3]}  summary {c.summary[0]}/{c.summary[1]}"
                f"   lead-3 {c.lead3[0]}/{c.lead3[1]}"
            )
        lines.append(
            f"  all  summary {self.summary_coverage:.3f}   lead-3 {self.lead3_coverage:.3f}"
        )
        lines.append(
            f"  mean lemma recall per key point: summary {self.mean_recall('summary'):.3f}"
            f"   lead-3 {self.mean_recall('lead3'):.3f}"
        )
        if errors:
            lines.append("false positives:")
            lines += [
                f"  {p.article[:3]} {p.actor} / {p.topic}: {p.evidence[:120]}"
                for p in s.false_positives
            ]
            lines.append("misses:")
            lines += [
                f"  {g.article[:3]} {g.actor} / {g.topic}: {g.evidence[0][:120]}" for g in s.misses
            ]
        return "\n".join(lines)


def run_evaluation(settings: Settings) -> Report:
    gold_dir = settings.seeds_dir / "gold"
    gold = load_gold_positions(gold_dir / "positions_seeds.jsonl")
    gold_articles = {a["article"]: a for a in load_gold_articles(gold_dir / "articles_seeds.jsonl")}
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'eval.db'}")
        try:
            indexer = Indexer(db, settings)
            list(indexer.ingest_many(load_seed_dir(settings.seeds_dir, settings=settings)))
            system: list[SystemPosition] = []
            coverage: list[ArticleCoverage] = []
            nlp = load(settings.spacy_model)
            with db.session() as session:
                for pos, art in ledger.positions_for_export(session):
                    name = Path(art.source_path or "").name
                    system.append(SystemPosition(name, pos.actor, pos.topic, pos.evidence))
                for art in ledger.articles_for_export(session):
                    name = Path(art.source_path or "").name
                    if name not in gold_articles:
                        continue
                    points = gold_articles[name]["key_points"]
                    coverage.append(
                        ArticleCoverage(
                            name,
                            key_point_recall(nlp, art.summary, points),
                            key_point_recall(nlp, lead(nlp(art.text)), points),
                        )
                    )
        finally:
            db.dispose()
    coverage.sort(key=lambda c: c.article)
    return Report(score_positions(system, gold), coverage)
