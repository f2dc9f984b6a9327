"""The topic taxonomy: loading `config/topics.yaml` and resolving what a user typed.

Ids are a contract (positions carry them, users type them), so resolution is forgiving —
id, label, any alias, plural or possessive, a typo — but never guesses silently: a miss
returns the nearest topics for the caller to suggest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process, utils


@dataclass(frozen=True)
class Topic:
    id: str
    label: str
    aliases: tuple[str, ...]
    # Phrases that mark a sentence as being about this topic when tagging articles; broader
    # than the aliases users type (see config/topics.yaml `cues` and `weak_cues`).
    cues: tuple[str, ...] = ()
    weak_cues: tuple[str, ...] = ()
    actor: str | None = None  # positions voiced by this actor are about this topic
    # the topic is a relationship as a whole: its cue narrowed to another topic's domain
    # ("ties in minerals", "cooperation on counterterrorism") is that topic, not this one
    whole: bool = False


@dataclass(frozen=True)
class Resolution:
    topic: Topic | None
    suggestions: tuple[Topic, ...] = ()
    exact: bool = True


@dataclass(frozen=True, eq=False)  # identity hash: cached tagger per taxonomy
class Taxonomy:
    topics: dict[str, Topic]
    actors: tuple[str, ...]
    _names: dict[str, str] = field(default_factory=dict, repr=False)

    def __contains__(self, topic_id: str) -> bool:
        return topic_id in self.topics

    def __iter__(self) -> Iterator[Topic]:
        return iter(self.topics.values())

    def get(self, topic_id: str) -> Topic | None:
        return self.topics.get(topic_id)

    def owner(self, name: str) -> str | None:
        """The topic id a name (id, label or alias) already resolves to exactly, if any."""
        return self._names.get(normalise(name))

    def with_additions(
        self, topics: Iterable[tuple[str, str]], aliases: Iterable[tuple[str, str]]
    ) -> Taxonomy:
        """A new taxonomy with admin-added topics (id, label) and aliases (alias, topic id).

        Names already taken keep their topic (the YAML's ids are a contract), and an alias
        of an unknown topic is skipped, so stored additions can never rename or hide one.
        """
        merged = dict(self.topics)
        names = dict(self._names)
        for topic_id, label in topics:
            if topic_id in merged:
                continue
            merged[topic_id] = Topic(topic_id, label, ())
            for name in (topic_id, label):
                names.setdefault(normalise(name), topic_id)
        for alias, topic_id in aliases:
            key = normalise(alias)
            if topic_id not in merged or not key or key in names:
                continue
            topic = merged[topic_id]
            merged[topic_id] = replace(topic, aliases=(*topic.aliases, alias))
            names[key] = topic_id
        return Taxonomy(merged, self.actors, names)

    def resolve(self, query: str, *, limit: int = 3) -> Resolution:
        """Map free text to a topic, tolerating case, plurals, possessives and typos."""
        key = normalise(query)
        if not key:
            return Resolution(None, (), exact=False)
        for candidate in _variants(key):
            if candidate in self._names:
                return Resolution(self.topics[self._names[candidate]])
        # names short enough to be typed: ids and aliases, not the long labels, whose
        # many words make every query look partly similar
        short = [name for name in self._names if len(name) <= 30]
        best = process.extractOne(key, short, scorer=fuzz.ratio, processor=None)
        if best and best[1] >= 85 and len(key) >= 4:
            return Resolution(self.topics[self._names[best[0]]], exact=False)
        # every word of one topic's alias in the query: "nuclear weapons", "aid cuts"
        contained = {
            self._names[name]
            for name, score, _ in process.extract(
                key, short, scorer=fuzz.token_set_ratio, processor=None, limit=None
            )
            if score == 100 and set(name.split()) <= set(key.split())
        }
        if len(contained) == 1:
            return Resolution(self.topics[contained.pop()], exact=False)
        ranked: list[Topic] = []
        for name, score, _ in process.extract(
            key, short, scorer=fuzz.WRatio, processor=None, limit=20
        ):
            topic = self.topics[self._names[name]]
            if score >= 70 and topic not in ranked:
                ranked.append(topic)
        return Resolution(None, tuple(ranked[:limit]), exact=False)


def normalise(text: str) -> str:
    text = utils.default_process(text.replace("’", "'").replace("-", " "))
    return re.sub(r"\s+", " ", text).strip()


def _variants(key: str) -> list[str]:
    """The key and its singular/possessive-stripped forms, most literal first."""
    out = [key]
    for suffix in ("'s", " s", "s'", "es", "s"):
        if key.endswith(suffix) and len(key) > len(suffix) + 2:
            out.append(key[: -len(suffix)].strip())
    return out


@lru_cache(maxsize=4)
def load_taxonomy(path: Path) -> Taxonomy:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    topics: dict[str, Topic] = {}
    names: dict[str, str] = {}
    for topic_id, spec in data["topics"].items():
        aliases = tuple(spec.get("aliases", []))
        topic = Topic(
            topic_id,
            spec["label"],
            aliases,
            tuple(spec.get("cues", [])),
            tuple(spec.get("weak_cues", [])),
            spec.get("actor"),
            bool(spec.get("whole", False)),
        )
        topics[topic_id] = topic
        for name in (topic_id, spec["label"], *aliases):
            names.setdefault(normalise(name), topic_id)
    return Taxonomy(topics, tuple(data.get("actors", [])), names)
