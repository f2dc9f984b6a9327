"""`python -m bot eval`: ingest an annotated corpus into a throw-away database and score it.

Runs the real pipeline end to end (clean → spaCy → positions → SQLite), so the figures
describe what users get, not a shortcut around it. The corpus is the seeds by default;
`--corpus DIR` takes any folder laid out like `seeds/` (articles plus `gold/`) or like
the development set (`articles/` plus `positions_*.jsonl` and `articles_*.jsonl`), so
articles nobody tuned for are measured with the same code.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot.evaluation import (
    COVERED,
    GoldPosition,
    Score,
    SystemPosition,
    false_positive_cause,
    key_point_recall,
    load_gold_articles,
    load_gold_positions,
    miss_cause,
    recall_by,
    score_positions,
)
from bot.indexer.nlp import load
from bot.indexer.pipeline import Indexer
from bot.indexer.sources import is_article_file, load_file, load_seed_dir
from bot.indexer.summarize import lead
from bot.indexer.types import RawArticle
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


@dataclass(frozen=True)
class Corpus:
    """An annotated set of articles: where the texts are and what they should yield."""

    name: str
    articles: list[RawArticle]
    gold: list[GoldPosition]
    key_points: dict[str, list[str]]

    @classmethod
    def at(cls, root: Path, settings: Settings) -> Corpus:
        root = Path(root)
        gold_dir = root / "gold" if (root / "gold").is_dir() else root
        positions = sorted(gold_dir.glob("positions_*.jsonl"))
        if not positions:
            raise FileNotFoundError(f"{root}: no positions_*.jsonl (in it or in gold/)")
        gold = [g for path in positions for g in load_gold_positions(path)]
        points = {
            a["article"]: list(a.get("key_points", []))
            for path in sorted(gold_dir.glob("articles_*.jsonl"))
            for a in load_gold_articles(path)
        }
        if (root / "articles").is_dir():
            files = sorted(p for p in (root / "articles").iterdir() if is_article_file(p))
            articles = [load_file(p, settings=settings) for p in files]
        else:
            articles = load_seed_dir(root, settings=settings)
        return cls(root.name, articles, gold, points)


@dataclass
class Report:
    score: Score
    coverage: list[ArticleCoverage]
    system: list[SystemPosition] | None = None
    corpus: str = "seeds"

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
                "corpus": self.corpus,
                "precision": round(s.precision, 4),
                "recall": round(s.recall, 4),
                "f1": round(s.f1, 4),
                "system": s.system,
                "gold": s.gold,
                "wrong_state": len(s.wrong_state),
                "wrong_state_share": round(len(s.wrong_state) / max(1, s.system), 4),
                "recall_by_actor": recall_by(self.gold, s.matched, "actor"),
                "recall_by_kind": recall_by(self.gold, s.matched, "kind"),
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
            f"positions vs gold on {self.corpus} (article, actor, topic equal; evidence overlaps)",
            f"  precision {s.precision:.3f}  ({s.matched_system}/{s.system} system positions)",
            f"  recall    {s.recall:.3f}  ({s.matched_gold}/{s.gold} gold positions)",
            f"  F1        {s.f1:.3f}",
            f"  wrong state {len(s.wrong_state)} of {s.system} stored "
            f"({len(s.wrong_state) / max(1, s.system):.1%}): a gold sentence filed under "
            "another state",
        ]
        for field in ("actor", "kind"):
            parts = [f"{k} {m}/{n}" for k, (m, n) in recall_by(self.gold, s.matched, field).items()]
            lines.append(f"  recall by {field}: " + ", ".join(parts))
        lines.append(
            f"summary key points covered (≥ {COVERED:.0%} of a point's content lemmas in it)"
        )
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
            system = self.system or []
            lines.append("false positives:")
            lines += [
                f"  {p.article[:3]} [{false_positive_cause(p, self.gold)}] {p.actor} "
                f"({p.speaker}) / {p.topic}: {p.evidence[:140]}"
                for p in s.false_positives
            ]
            lines.append("misses:")
            lines += [
                f"  {g.article[:3]} [{miss_cause(g, system)}] {g.actor} ({g.speaker}) "
                f"/ {g.topic} / {g.kind}: {g.evidence[0][:140]}"
                for g in s.misses
            ]
        return "\n".join(lines)

    @property
    def gold(self) -> list[GoldPosition]:
        return [*self.score.matched, *self.score.misses]


def run_evaluation(settings: Settings, corpus: Path | None = None) -> Report:
    """Score the extractor on `corpus` (default: the seeds) through the whole pipeline."""
    annotated = Corpus.at(corpus or settings.seeds_dir, settings)
    gold = annotated.gold
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'eval.db'}")
        try:
            indexer = Indexer(db, settings)
            list(indexer.ingest_many(annotated.articles))
            system: list[SystemPosition] = []
            coverage: list[ArticleCoverage] = []
            nlp = load(settings.spacy_model)
            with db.session() as session:
                for pos, art in ledger.positions_for_export(session):
                    name = Path(art.source_path or "").name
                    system.append(
                        SystemPosition(
                            name, pos.actor, pos.topic, pos.evidence, pos.speaker, pos.kind
                        )
                    )
                for art in ledger.articles_for_export(session):
                    name = Path(art.source_path or "").name
                    if name not in annotated.key_points:
                        continue
                    points = annotated.key_points[name]
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
    return Report(score_positions(system, gold), coverage, system, annotated.name)
