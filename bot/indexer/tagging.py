"""Topic tagging: which taxonomy topics a span of text is about.

Cue phrases come from `config/topics.yaml` and compile to one regex per topic. Regexes
over the raw text (rather than a spaCy matcher) keep tagging independent of tokenisation
quirks around curly quotes and hyphens, and cost microseconds per sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.topics import Taxonomy


def _cue_pattern(cue: str) -> str:
    words = re.split(r"[\s]+", cue.strip().lower())
    parts = []
    for word in words:
        piece = re.escape(word).replace(r"\*", r"[\w-]*").replace(r"\-", r"[\s-]?")
        parts.append(piece)
    body = r"[\s-]+".join(parts)
    # a plural or possessive may follow; "trust" must not match inside "mistrust" (that is
    # a cue of its own), so both ends are word boundaries
    return rf"(?<![\w-]){body}(?:e?s|['’]s|s['’])?(?![\w])"


@dataclass(frozen=True)
class Tagger:
    patterns: tuple[tuple[str, re.Pattern[str]], ...]

    def tags(self, text: str) -> list[str]:
        """Topic ids whose cues occur in `text`, in taxonomy order."""
        low = text.lower()
        return [topic for topic, pattern in self.patterns if pattern.search(low)]

    def spans(self, text: str) -> dict[str, list[tuple[int, int]]]:
        """Where each topic's cues occur (character offsets), for per-topic evidence."""
        low = text.lower()
        out: dict[str, list[tuple[int, int]]] = {}
        for topic, pattern in self.patterns:
            hits = [m.span() for m in pattern.finditer(low)]
            if hits:
                out[topic] = hits
        return out


@lru_cache(maxsize=4)
def build_tagger(taxonomy: Taxonomy) -> Tagger:
    patterns = []
    for topic in taxonomy:
        cues = topic.cues or topic.aliases
        if not cues:
            continue
        alternation = "|".join(_cue_pattern(c) for c in sorted(cues, key=len, reverse=True))
        patterns.append((topic.id, re.compile(alternation)))
    return Tagger(tuple(patterns))
