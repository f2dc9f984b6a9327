"""Who a user means by "/who blinken": the gazetteer's people and the speakers on record.

Resolution is forgiving the way topic resolution is (`bot.topics`: case, titles, a typo)
and never guesses silently between two people: a name several people answer to ("sharif":
Nawaz, Shehbaz, Maryam Nawaz) is a list to choose from, and a miss comes with the nearest
names. A speaker stored under a spelling of a gazetteer person ("Khwaja Asif") is that
person; a speaker the gazetteer does not know ("Foreign Office", a new envoy) is still
someone who can be asked about, under the name the articles gave them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from bot.indexer.actors import ActorDirectory, Person, strip_titles
from bot.topics import normalise
from storage.profiles import SpeakerOnRecord

MAX_CANDIDATES = 8


@dataclass
class Speaker:
    name: str  # the gazetteer's name, or the stored name most used
    actor: str | None
    person: Person | None = None
    forms: list[str] = field(default_factory=list)  # stored speaker names that are them
    statements: int = 0


@dataclass(frozen=True)
class Found:
    speaker: Speaker | None
    # several people answered to the name (ambiguous), or, when none did, the nearest
    candidates: tuple[Speaker, ...] = ()
    exact: bool = True
    ambiguous: bool = False


class People:
    def __init__(self, directory: ActorDirectory, on_record: Iterable[SpeakerOnRecord]) -> None:
        self.speakers: dict[str, Speaker] = {}
        self._names: dict[str, set[str]] = {}  # normalised name → speaker keys
        for person in dict.fromkeys(directory.people.values()):
            key = f"p:{person.name}"
            self.speakers[key] = Speaker(person.name, person.actor, person)
            for form in (person.name, *person.variants):
                self._add(form, key)
        for rec in on_record:
            known = directory.person(rec.name)
            key = f"p:{known.name}" if known else f"s:{normalise(rec.name)}"
            speaker = self.speakers.get(key)
            if speaker is None:  # whom they speak for: `fill_actors`, for those shown
                speaker = self.speakers[key] = Speaker(rec.name, None)
            if rec.name not in speaker.forms:
                speaker.forms.append(rec.name)
            speaker.statements += rec.statements
            self._add(rec.name, key)

    def _add(self, form: str, key: str) -> None:
        name = normalise(form)
        if name:
            self._names.setdefault(name, set()).add(key)

    def _ranked(self, keys: Iterable[str]) -> tuple[Speaker, ...]:
        found = [self.speakers[k] for k in set(keys)]
        found.sort(key=lambda s: (-s.statements, s.person is None, s.name))
        return tuple(found[:MAX_CANDIDATES])

    def find(self, query: str) -> Found:
        key = normalise(strip_titles(query)) or normalise(query)
        if not key:
            return Found(None, exact=False)
        for candidate in dict.fromkeys((normalise(query), key)):
            keys = self._names.get(candidate)
            if keys:
                return self._one_or_many(keys, exact=True)
        words = set(key.split())
        contained = {
            k for name, ks in self._names.items() if words <= set(name.split()) for k in ks
        }
        if contained:
            return self._one_or_many(contained, exact=False)
        names = list(self._names)
        close = [
            name
            for name, score, _ in process.extract(
                key, names, scorer=fuzz.ratio, processor=None, limit=10
            )
            if score >= 85
        ]
        if close and len(key) >= 4:
            return self._one_or_many({k for n in close for k in self._names[n]}, exact=False)
        near: list[str] = []
        for name, score, _ in process.extract(
            key, names, scorer=fuzz.WRatio, processor=None, limit=20
        ):
            if score >= 70:
                near += [k for k in self._names[name] if k not in near]
        return Found(None, tuple(self.speakers[k] for k in near[:5]), exact=False)

    @staticmethod
    def fill_actors(speakers: Iterable[Speaker], actors: Mapping[str, str]) -> None:
        """Give speakers known only from the record the actor their names spoke for most
        (`actors`: stored name → actor, from `storage.profiles.actors_of`)."""
        for speaker in speakers:
            if speaker.actor is None:
                speaker.actor = next((actors[f] for f in speaker.forms if f in actors), None)

    def _one_or_many(self, keys: set[str], *, exact: bool) -> Found:
        if len(keys) == 1:
            return Found(self.speakers[next(iter(keys))], exact=exact)
        return Found(None, self._ranked(keys), exact=exact, ambiguous=True)
