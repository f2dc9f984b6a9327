"""Extraction quality against the hand-annotated seeds (`seeds/gold/`).

The matching rule is the one in `seeds/gold/README.md`: same article, actor and topic, and
evidence that overlaps (one contains the other, or they share at least half of the
shorter one's word tokens). Summary coverage counts a key point as covered when at least
40% of its content lemmas (stop words and words under three letters aside) appear in the
summary (key points compress two or three sentences into one, so full recall of their
words is not expected); Lead-3 is scored the same way as the baseline, and the mean
share of key-point lemmas found is reported beside the count.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spacy.language import Language

_WORD = re.compile(r"[a-z0-9]+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def evidence_overlaps(system: str, gold: str) -> bool:
    a, b = _squash(system), _squash(gold)
    if not a or not b:
        return False
    if a in b or b in a:
        return True
    wa, wb = _words(a), _words(b)
    shorter, longer = (wa, set(wb)) if len(wa) <= len(wb) else (wb, set(wa))
    if not shorter:
        return False
    shared = sum(1 for w in shorter if w in longer)
    return shared >= len(shorter) / 2


@dataclass(frozen=True)
class GoldPosition:
    article: str
    actor: str
    topic: str
    evidence: tuple[str, ...]  # evidence first, then alt_evidence
    kind: str = "reported"
    speaker: str | None = None


@dataclass(frozen=True)
class SystemPosition:
    article: str
    actor: str
    topic: str
    evidence: str
    speaker: str | None = None
    kind: str = "reported"


def load_gold_positions(path: Path) -> list[GoldPosition]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            out.append(
                GoldPosition(
                    d["article"],
                    d["actor"],
                    d["topic"],
                    (d["evidence"], *d.get("alt_evidence", [])),
                    d.get("kind", "reported"),
                    d.get("speaker"),
                )
            )
    return out


def load_gold_articles(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def _matches(s: SystemPosition, g: GoldPosition) -> bool:
    return (
        s.article == g.article
        and s.actor == g.actor
        and s.topic == g.topic
        and any(evidence_overlaps(s.evidence, e) for e in g.evidence)
    )


def _same_sentence(s: SystemPosition, g: GoldPosition) -> bool:
    return s.article == g.article and any(evidence_overlaps(s.evidence, e) for e in g.evidence)


def miss_cause(g: GoldPosition, system: Sequence[SystemPosition]) -> str:
    """Why a gold position was missed: the sentence was never a candidate, it was found
    under another topic, or under another state."""
    here = [s for s in system if _same_sentence(s, g)]
    if not here:
        return "no candidate"
    if any(s.topic == g.topic for s in here):
        return "wrong state"
    if any(s.actor == g.actor for s in here):
        return "wrong topic"
    return "wrong state and topic"


def false_positive_cause(s: SystemPosition, gold: Sequence[GoldPosition]) -> str:
    """Why a stored position matched nothing: its sentence is not annotated at all, or it
    is, but for another state or under another topic."""
    here = [g for g in gold if _same_sentence(s, g)]
    if not here:
        return "not a gold sentence"
    if any(g.actor != s.actor for g in here) and not any(g.actor == s.actor for g in here):
        return "wrong state"
    return "extra topic"


def wrong_state(
    system: Sequence[SystemPosition], gold: Sequence[GoldPosition]
) -> list[SystemPosition]:
    """Stored positions whose evidence is a gold sentence but whose actor is none of that
    sentence's gold actors: the errors that cost trust, counted apart."""
    out = []
    for s in system:
        actors = {g.actor for g in gold if _same_sentence(s, g)}
        if actors and s.actor not in actors:
            out.append(s)
    return out


def recall_by(
    gold: Sequence[GoldPosition], matched: Sequence[GoldPosition], field: str
) -> dict[str, tuple[int, int]]:
    """(matched, total) gold positions per value of `field` (actor, kind, topic)."""
    out: dict[str, list[int]] = {}
    hit = set(map(id, matched))
    for g in gold:
        row = out.setdefault(str(getattr(g, field)), [0, 0])
        row[1] += 1
        row[0] += id(g) in hit
    return {k: (v[0], v[1]) for k, v in sorted(out.items(), key=lambda kv: -kv[1][1])}


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    f1: float
    system: int
    gold: int
    matched_system: int
    matched_gold: int
    false_positives: tuple[SystemPosition, ...]
    misses: tuple[GoldPosition, ...]
    matched: tuple[GoldPosition, ...] = ()
    wrong_state: tuple[SystemPosition, ...] = ()


def score_positions(system: Sequence[SystemPosition], gold: Sequence[GoldPosition]) -> Score:
    articles = {g.article for g in gold}
    system = [s for s in system if s.article in articles]
    matched_s = [s for s in system if any(_matches(s, g) for g in gold)]
    matched_g = [g for g in gold if any(_matches(s, g) for s in system)]
    p = len(matched_s) / len(system) if system else 0.0
    r = len(matched_g) / len(gold) if gold else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return Score(
        p,
        r,
        f1,
        len(system),
        len(gold),
        len(matched_s),
        len(matched_g),
        tuple(s for s in system if s not in matched_s),
        tuple(g for g in gold if g not in matched_g),
        tuple(matched_g),
        tuple(wrong_state(system, gold)),
    )


def content_lemmas(nlp: Language, text: str) -> set[str]:
    doc = nlp.make_doc(text)
    for _name, proc in nlp.pipeline:
        if _name in ("tok2vec", "tagger", "attribute_ruler", "lemmatizer"):
            doc = proc(doc)
    return {t.lemma_.lower() for t in doc if t.is_alpha and not t.is_stop and len(t) > 2} | {
        t.text for t in doc if t.like_num
    }


COVERED = 0.4  # share of a key point's content lemmas the summary must contain


def key_point_recall(nlp: Language, summary: str, key_points: Iterable[str]) -> list[float]:
    """For each key point, the share of its content lemmas found in the summary."""
    have = content_lemmas(nlp, summary)
    out = []
    for point in key_points:
        need = content_lemmas(nlp, point)
        out.append(len(need & have) / len(need) if need else 0.0)
    return out


def key_point_coverage(nlp: Language, summary: str, key_points: Iterable[str]) -> tuple[int, int]:
    """(covered, total): a key point is covered when ≥ COVERED of its lemmas are present."""
    recalls = key_point_recall(nlp, summary, key_points)
    return sum(r >= COVERED for r in recalls), len(recalls)
