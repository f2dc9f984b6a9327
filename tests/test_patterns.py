"""Each attribution pattern on its own: the generator named for a way of attributing
finds its speaker in a sentence of that shape, and stays silent on the others.

Sentences are invented; each row names the generator expected to fire and the state
of the speaker it must yield.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from spacy.language import Language

from bot.indexer.actors import load_directory
from bot.indexer.positions.patterns import (
    PATTERNS,
    Candidate,
    Reading,
    according_to,
    nominal_attributions,
    reporting_verbs,
    stance_adjectives,
    stance_nouns,
    stance_verbs,
    trailing_attributions,
)
from bot.indexer.positions.speakers import ArticleContext
from bot.indexer.positions.units import find_units
from bot.settings import Settings

Pattern = Callable[[Reading], Iterator[Candidate]]

CASES: list[tuple[Pattern, str, str]] = [
    (
        reporting_verbs,
        "Rex Tillerson said Pakistan must do more against militants.",
        "United States",
    ),
    (reporting_verbs, "Afghan President Ashraf Ghani denounced the shelling.", "Afghanistan"),
    (reporting_verbs, "The new policy was announced by Shehbaz Sharif on Monday.", "Pakistan"),
    (stance_verbs, "Islamabad rejects any foreign interference in its affairs.", "Pakistan"),
    (stance_adjectives, "Pakistani officials are hopeful that the talks will resume.", "Pakistan"),
    (stance_adjectives, "US officials have been frustrated with the slow pace.", "United States"),
    (stance_nouns, "Pakistan's stance is that the camps are not used by militants.", "Pakistan"),
    (
        nominal_attributions,
        "The tweet was followed by Nikki Haley's announcement that aid would be withheld.",
        "United States",
    ),
    (
        according_to,
        "Aid will resume next year, according to the State Department.",
        "United States",
    ),
    (
        trailing_attributions,
        '"We will not accept it," a press release issued by the Foreign Office after the '
        "meeting in the capital said.",
        "Pakistan",
    ),
]


@pytest.fixture(scope="module")
def read(nlp: Language) -> Callable[[str], Reading]:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    directory = load_directory(settings.actors_path)

    def run(text: str) -> Reading:
        doc = nlp(text)
        ctx = ArticleContext(directory, None)
        ctx.ents = list(doc.ents)
        unit = next(find_units(doc))
        return Reading.of(unit, text, ctx)

    return run


@pytest.mark.parametrize(
    ("pattern", "text", "actor"), CASES, ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)]
)
def test_pattern_finds_its_speaker(
    read: Callable[[str], Reading], pattern: Pattern, text: str, actor: str
) -> None:
    found = list(pattern(read(text)))
    assert found, f"{pattern.__name__} found nobody in {text!r}"
    assert {c.speaker.actor for c in found} == {actor}
    assert all(c.pattern for c in found)


def test_every_pattern_is_registered() -> None:
    names = {p.__name__ for p, _t, _a in CASES}
    assert names <= {p.__name__ for p in PATTERNS}
    assert {p.__name__ for p in PATTERNS} <= names, "a pattern without a case of its own"


@pytest.mark.parametrize(
    "text",
    [
        "The weather in Islamabad was hot on Monday.",  # no attribution at all
        "When asked whether he denied the report, the minister left.",  # a question
        "He declined to comment on the talks.",  # nothing said
    ],
)
def test_no_reporting_reading(read: Callable[[str], Reading], text: str) -> None:
    assert list(reporting_verbs(read(text))) == []
