"""A three-sentence extractive summary and a one-line gist.

News puts its point first, so position in the article is the strongest prior (that is why
Lead-3 is a hard baseline). On top of it a sentence earns credit for being central (its
content words recur across the article), for carrying an attributed stance (the reader
of this bot wants who-said-what), and for naming people and states; it loses credit for
being a question, a fragment, or a near-repeat of a sentence already chosen.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from spacy.tokens import Doc, Span

from bot.indexer.types import ExtractedPosition


@dataclass(frozen=True)
class Summary:
    sentences: tuple[str, ...]
    gist: str

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


def _sentences(doc: Doc) -> list[Span]:
    out: list[Span] = []
    for sent in doc.sents:
        start = sent.start
        for tok in sent:
            if "\n" in tok.text:
                if tok.i > start:
                    out.append(doc[start : tok.i])
                start = tok.i + 1
        if start < sent.end:
            out.append(doc[start : sent.end])
    return [s for s in out if s.text.strip()]


def _lemmas(span: Span) -> list[str]:
    return [t.lemma_.lower() for t in span if t.is_alpha and not t.is_stop and len(t) > 2]


def summarize(doc: Doc, positions: Sequence[ExtractedPosition] = (), *, n: int = 3) -> Summary:
    sents = _sentences(doc)
    if not sents:
        return Summary((), "")
    lemma_lists = [_lemmas(s) for s in sents]
    freq = Counter(lemma for lemmas in lemma_lists for lemma in set(lemmas))
    by_evidence: dict[str, list[ExtractedPosition]] = {}
    for p in positions:
        by_evidence.setdefault(p.evidence, []).append(p)

    scores: list[float] = []
    topics: list[set[str]] = []
    for idx, (sent, lemmas) in enumerate(zip(sents, lemma_lists, strict=True)):
        words = len([t for t in sent if t.is_alpha])
        text = sent.text.strip()
        stances = [p for ev, ps in by_evidence.items() if text in ev or ev in text for p in ps]
        topics.append({p.topic for p in stances})
        if words < 6 or text.endswith("?") or re.match(r"^[A-Z]{2,6}:", text):
            scores.append(-math.inf)
            continue
        if text[:1] in '“"‘' and not stances:
            scores.append(-math.inf)  # a quotation with no one to attribute it to
            continue
        lead = 1.0 / (1.0 + 0.3 * idx)
        centrality = sum(freq[w] - 1 for w in set(lemmas)) / math.sqrt(max(len(lemmas), 1))
        # reported speech with a named speaker summarises; a bare quotation illustrates
        stance = 0.0
        if stances:
            named = any(p.speaker for p in stances)
            stance = (0.9 if any(p.kind != "quote" for p in stances) else 0.5) + 0.3 * named
        length_penalty = 0.6 if words > 55 else 0.0
        scores.append(2.0 * lead + 0.3 * centrality + stance - length_penalty)

    chosen: list[int] = []
    sets = [set(lemmas) for lemmas in lemma_lists]
    while len(chosen) < min(n, len(sents)):
        best, best_score = -1, -math.inf
        covered_topics = set().union(*(topics[j] for j in chosen)) if chosen else set()
        for idx, score in enumerate(scores):
            if idx in chosen or score == -math.inf:
                continue
            redundancy = max(
                (len(sets[idx] & sets[j]) / max(1, len(sets[idx] | sets[j])) for j in chosen),
                default=0.0,
            )
            fresh_topics = len(topics[idx] - covered_topics)
            adjusted = score - 3.0 * redundancy + 0.3 * min(fresh_topics, 2)
            if adjusted > best_score:
                best, best_score = idx, adjusted
        if best < 0:
            break
        chosen.append(best)
    top = chosen[0] if chosen else 0
    ordered = tuple(sents[i].text.strip() for i in sorted(chosen))
    return Summary(ordered, gist(sents[top].text.strip()))


def gist(sentence: str, limit: int = 200) -> str:
    """One line: the best sentence, cut at a word boundary."""
    sentence = re.sub(r"\s+", " ", sentence).strip()
    if len(sentence) <= limit:
        return sentence
    cut = sentence[:limit].rsplit(" ", 1)[0].rstrip(",;:—-")
    return cut + "…"


def lead(doc: Doc, n: int = 3) -> str:
    """The Lead-n baseline: the first n sentences."""
    return " ".join(s.text.strip() for s in _sentences(doc)[:n])
