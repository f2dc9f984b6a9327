"""Topic tagging: which taxonomy topics a span of text is about.

Cue phrases come from `config/topics.yaml` and compile to regexes. Regexes over the raw
text (rather than a spaCy matcher) keep tagging independent of tokenisation quirks around
curly quotes and hyphens, and cost microseconds per sentence.

Two rules keep generic words from drowning specific ones: where cues of different topics
overlap, the longest match wins ("drug trade" is not also "trade"); and weak cues
("relationship", "havens") count only when no ordinary cue of another topic matched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.topics import Taxonomy


def _cue_pattern(cue: str) -> str:
    parts = []
    for word in cue.strip().lower().split():
        parts.append(re.escape(word).replace(r"\*", r"[\w-]*").replace(r"\-", r"[\s-]?"))
    body = r"[\s-]+".join(parts)
    # a plural or possessive may follow; both ends are word boundaries, so "trust" does not
    # match inside "mistrust" (a cue of its own)
    return rf"(?<![\w-])(?:{body})(?:e?s|['’]s|s['’])?(?![\w])"


def _anchor(cue: str) -> str:
    """A literal piece every text matching the cue contains: its longest plain fragment
    (wildcards, hyphens and spaces may vary between forms, the fragments may not)."""
    pieces = [p for p in re.split(r"[\s*-]+", cue.lower()) if p]
    return max(pieces, key=len) if pieces else ""


@dataclass(frozen=True)
class _Cue:
    topic: str
    weak: bool
    pattern: re.Pattern[str]
    # substrings of which at least one occurs in any text the pattern matches: a cheap
    # `in` test skips the regex for most cue groups on most sentences
    anchors: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)  # identity hash: the per-text cache keys on it
class Tagger:
    cues: tuple[_Cue, ...]
    actor_topics: tuple[tuple[str, str], ...] = ()

    def _matches(self, text: str) -> list[tuple[int, int, str, bool]]:
        return _matches(self, text)

    def _scan(self, text: str) -> list[tuple[int, int, str, bool]]:
        low = text.lower()
        found = [
            (m.start(), m.end(), cue.topic, cue.weak)
            for cue in self.cues
            if any(a in low for a in cue.anchors)
            for m in cue.pattern.finditer(low)
        ]
        # longest first; a match overlapping a longer one of another topic is dropped
        found.sort(key=lambda m: (-(m[1] - m[0]), m[0]))
        kept: list[tuple[int, int, str, bool]] = []
        for m in found:
            if any(m[0] < k[1] and k[0] < m[1] and k[2] != m[2] for k in kept):
                continue
            kept.append(m)
        return kept

    def tags(self, text: str, *, actor: str | None = None) -> list[str]:
        """Topic ids `text` is about, in taxonomy order."""
        kept = self._matches(text)
        strong = {m[2] for m in kept if not m[3]}
        for topic_actor, topic in self.actor_topics:
            if actor == topic_actor:
                strong.add(topic)
        chosen = strong or {m[2] for m in kept}
        return [t for t in self.order if t in chosen]

    @property
    def order(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.topic for c in self.cues))

    def spans(self, text: str) -> dict[str, list[tuple[int, int]]]:
        """Where each topic's surviving cues occur (character offsets in `text`)."""
        out: dict[str, list[tuple[int, int]]] = {}
        for start, end, topic, _weak in self._matches(text):
            out.setdefault(topic, []).append((start, end))
        return out


@lru_cache(maxsize=8192)
def _matches(tagger: Tagger, text: str) -> list[tuple[int, int, str, bool]]:
    """Cached per text: a sentence is tagged for its content, its evidence and once per
    topic for the quote/reported kind."""
    return tagger._scan(text)


@lru_cache(maxsize=4)
def build_tagger(taxonomy: Taxonomy) -> Tagger:
    cues: list[_Cue] = []
    actor_topics: list[tuple[str, str]] = []
    for topic in taxonomy:
        strong = topic.cues or topic.aliases
        for group, weak in ((strong, False), (topic.weak_cues, True)):
            if group:
                alternation = "|".join(
                    _cue_pattern(c) for c in sorted(group, key=len, reverse=True)
                )
                anchors = tuple(sorted({_anchor(c) for c in group} - {""}))
                cues.append(_Cue(topic.id, weak, re.compile(alternation), anchors))
        if topic.actor:
            actor_topics.append((topic.actor, topic.id))
    return Tagger(tuple(cues), tuple(actor_topics))
