"""Who a mention speaks for: people, bodies and nationality cues → the state they represent.

Built from `config/actors.yaml` so analysts can add officials without touching code. The
office shown with a speaker is the one held in the article's year, which is what makes
"Khawaja Asif (Foreign Minister)" right in 2017 and "(Defence Minister)" right in 2023.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class Office:
    title: str
    start: dt.date
    end: dt.date


def _bound(value: object, *, end: bool) -> dt.date:
    """ "2017" or "2017-08" as the first (or last) day it covers."""
    text = str(value)
    year, _, month = text.partition("-")
    y, m = int(year), int(month or (12 if end else 1))
    if not end:
        return dt.date(y, m, 1)
    nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


@dataclass(frozen=True)
class Person:
    name: str
    actor: str
    variants: tuple[str, ...]
    offices: tuple[Office, ...]

    def office_in(self, when: dt.date | None) -> str | None:
        """The office held on that date (the latest held, when the date is unknown)."""
        if not self.offices:
            return None
        if when is None:
            return self.offices[-1].title
        held = [o for o in self.offices if o.start <= when <= o.end]
        # on a hand-over month both match: the newer office is the one being reported
        return held[-1].title if held else None


@dataclass(frozen=True)
class Body:
    name: str
    actor: str
    variants: tuple[str, ...]


def _key(text: str) -> str:
    text = text.replace("’", "'").replace("´", "'")
    text = re.sub(r"^(the)\s+", "", text.strip(), flags=re.I)
    return re.sub(r"\s+", " ", text).casefold()


class ActorDirectory:
    """Look-ups from surface forms to people, bodies and states."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.states: dict[str, str] = {}  # name form → state
        self.demonyms: dict[str, str] = {}  # demonym → state
        self.aliases: dict[str, str] = {}  # short forms people type, never read in articles
        for state, spec in data.get("states", {}).items():
            for alias in spec.get("aliases", []):
                self.aliases[_key(alias)] = state
            for name in [state, *spec.get("names", [])]:
                self.states[_key(name)] = state
            for dem in spec.get("demonyms", []):
                self.demonyms[_key(dem)] = state
        self.people: dict[str, Person] = {}
        self.surnames: dict[str, Person | None] = {}
        for spec in data.get("people", []):
            person = Person(
                spec["name"],
                spec["actor"],
                tuple(spec.get("variants", [])),
                tuple(
                    Office(o["title"], _bound(o["from"], end=False), _bound(o["to"], end=True))
                    for o in spec.get("offices", [])
                ),
            )
            for form in (person.name, *person.variants):
                self.people[_key(form)] = person
            for form in (person.name, *person.variants):
                surname = _key(form).split()[-1]
                existing = self.surnames.get(surname, person)
                # an ambiguous surname resolves to nobody rather than to the wrong person
                self.surnames[surname] = person if existing is person else None
        self.bodies: dict[str, Body] = {}
        for spec in data.get("bodies", []):
            body = Body(spec["name"], spec["actor"], tuple(spec.get("variants", [])))
            for form in (body.name, *body.variants):
                self.bodies[_key(form)] = body

        forms = sorted((f for f in self.bodies if len(f) > 3), key=len, reverse=True)
        self._body_pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, forms)) + r")\b")

    @property
    def actor_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.states.values()))

    def person(self, mention: str) -> Person | None:
        key = _key(strip_titles(mention))
        if key in self.people:
            return self.people[key]
        words = key.split()
        # a surname alone ("Asif said") may stand for the one official of that name; a
        # different full name ("Masood Khan") is somebody else
        if len(words) == 1 and words[0] in self.surnames:
            return self.surnames[words[0]]
        return None

    def body(self, mention: str) -> Body | None:
        key = _key(mention)
        if key in self.bodies:
            return self.bodies[key]
        # acronyms count only as written, in capitals: "the FO statement", not "fo"
        for word in re.findall(r"\b[A-Z]{2,5}\b", mention):
            found = self.bodies.get(word.casefold())
            if found is not None:
                return found
        # "Pakistan Foreign Office (FO)", "the US State Department's spokesperson"
        match = self._body_pattern.search(key)
        return self.bodies[match.group(0)] if match else None

    def state(self, mention: str) -> str | None:
        """A state named outright: "Pakistan", "Washington", "the US"."""
        return self.states.get(_key(mention))

    def asked_for(self, text: str) -> str | None:
        """The state a user means when asking ("by:pk", "--actor pakistani"): a typed
        alias, a name, or a nationality."""
        key = _key(" ".join(text.replace("-", " ").split()))
        return self.aliases.get(key) or self.state(text) or self.nationality(text)

    def nationality(self, phrase: str) -> str | None:
        """The state a noun phrase's nationality cue points to: "Pakistani officials"."""
        tokens = re.findall(r"[\w.]+(?:'s|’s)?", phrase.replace("’", "'"))
        bares = [_key(re.sub(r"'s$", "", token)) for token in tokens]
        # the first cue in the phrase wins, multi-word names included: the owner comes
        # before the place ("the Embassy of the United States in Islamabad" is American)
        found: list[tuple[int, str]] = []
        for i, bare in enumerate(bares):
            if bare in self.demonyms:
                found.append((i, self.demonyms[bare]))
                break
            if bare in self.states and len(bare) > 2:
                found.append((i, self.states[bare]))
                break
        # multi-word state names ("United States officials")
        joined = " " + " ".join(bares) + " "
        for form, state in self.states.items():
            if " " in form and (at := joined.find(f" {form} ")) >= 0:
                found.append((joined[:at].count(" "), state))
        return min(found)[1] if found else None


_TITLES = re.compile(
    r"^(?:(?:u\.?s\.?|us|pakistani?|afghan|indian|chinese|american|foreign|prime|"
    r"defen[cs]e|interior|finance|former|then|new|senior|deputy|acting|principal|"
    r"assistant|secretary|minister|president|ambassador|general|gen\.|lt\.|mr\.?|ms\.?|pm|fm|"
    r"mrs\.?|dr\.?|army|chief|of|state|staff|the|spokes\w+|envoy|special|representative|"
    r"senator|sen\.|chairman|admiral|adm\.|captain|capt\.|department|office|ministry)\s+)+",
    re.I,
)


def strip_titles(mention: str) -> str:
    stripped = _TITLES.sub("", mention.strip())
    return stripped or mention


@lru_cache(maxsize=4)
def load_directory(path: Path) -> ActorDirectory:
    return ActorDirectory(yaml.safe_load(Path(path).read_text(encoding="utf-8")))
