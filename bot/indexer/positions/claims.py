"""What is stored for a stance: a short claim in the text's own words, its kind per topic
(quoted or reported), and one record per (actor, speaker, topic, evidence).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.indexer.positions.vocabulary import (
    LEADING_FILLER,
)
from bot.indexer.tagging import Tagger
from bot.indexer.types import ExtractedPosition, Kind


def _claim(content: str, limit: int = 20) -> str:
    """A short neutral claim: the content clause with quotes and attribution trimmed."""
    cleaned = LEADING_FILLER.sub("", re.sub(r"[“”\"]", "", content).strip())
    cleaned = re.sub(r"\s+([,.;:!?%])", r"\1", cleaned)
    cleaned = re.sub(r"\s+", " ", cleaned).strip(" ,;:-—")
    words = cleaned.split()
    if len(words) > limit:
        return " ".join(words[:limit]).rstrip(",;:") + "…"
    return cleaned[:1].upper() + cleaned[1:]


def _kind_for(
    kind: Kind,
    topic: str,
    evidence: str,
    quoted: list[tuple[int, int]],
    tagger: Tagger,
    unit_start: int,
) -> Kind:
    """Per topic: a topic whose cue sits inside the quotation marks is quoted, else reported."""
    if not quoted:
        return "reported" if kind == "quote" and not quoted else kind
    spans = tagger.spans(evidence).get(topic, [])
    offset = evidence and 0
    rel = [(s - unit_start + offset, e - unit_start + offset) for s, e in quoted]
    if spans and all(not any(a <= s < b for a, b in rel) for s, _ in spans):
        return "reported"
    return "quote" if spans else kind


def _dedupe(positions: Iterable[ExtractedPosition]) -> list[ExtractedPosition]:
    seen: set[tuple[str, str | None, str, str]] = set()
    out: list[ExtractedPosition] = []
    for p in positions:
        key = (p.actor, p.speaker, p.topic, p.evidence)
        if key in seen:
            continue
        seen.add(key)
        out.append(p)
    return out
