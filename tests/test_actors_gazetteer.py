"""The gazetteer in config/actors.yaml, checked as data: it is edited by hand, and one
slip (a name given to two people, an actor that is not a state, a bare name every
country uses) silently files positions under the wrong state."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
import yaml

from bot.indexer.actors import ActorDirectory, _bound, _key, load_directory
from bot.settings import Settings

PATH = Settings().actors_path


@pytest.fixture(scope="module")
def raw() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load(PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def directory() -> ActorDirectory:
    return load_directory(PATH)


def test_every_actor_is_a_listed_state(raw: dict) -> None:  # type: ignore[type-arg]
    states = set(raw["states"])
    strays = [
        (entry["name"], entry["actor"])
        for section in ("people", "bodies")
        for entry in raw[section]
        if entry["actor"] not in states
    ]
    assert strays == []


def test_no_surface_form_names_two_entries(raw: dict) -> None:  # type: ignore[type-arg]
    """The directory keeps the last entry for a repeated form: a duplicate would hide the
    first person (or body) without a word."""
    for section in ("people", "bodies"):
        owners: dict[str, set[str]] = defaultdict(set)
        for entry in raw[section]:
            for form in (entry["name"], *entry.get("variants", [])):
                owners[_key(form)].add(entry["name"])
        shared = {form: names for form, names in owners.items() if len(names) > 1}
        assert shared == {}, section
    names = [entry["name"] for entry in raw["people"]]
    assert len(names) == len(set(names)), "a person listed twice"


def test_offices_are_well_formed_and_in_order(raw: dict) -> None:  # type: ignore[type-arg]
    """Each office ends after it starts; offices are listed by start date, because on an
    overlap (a hand-over month, two posts at once) the later entry is the one shown."""
    for person in raw["people"]:
        starts = []
        for office in person.get("offices", []):
            # an unquoted comma in a flow mapping splits the title into a stray key
            assert set(office) == {"title", "from", "to"}, (person["name"], office)
            start, end = _bound(office["from"], end=False), _bound(office["to"], end=True)
            assert start <= end, (person["name"], office)
            assert office["title"].strip(), person["name"]
            starts.append(start)
        assert starts == sorted(starts), person["name"]


@pytest.mark.parametrize(
    ("mention", "name", "actor"),
    [
        ("Jim Mattis", "James Mattis", "United States"),
        ("Tony Blinken", "Antony Blinken", "United States"),
        ("Secretary of State Mike Pompeo", "Mike Pompeo", "United States"),
        ("Shahbaz Sharif", "Shehbaz Sharif", "Pakistan"),
        ("Bilawal Bhutto-Zardari", "Bilawal Bhutto Zardari", "Pakistan"),
        ("Bilawal Bhutto", "Bilawal Bhutto Zardari", "Pakistan"),
        ("Shah Mahmood Qureshi", "Shah Mehmood Qureshi", "Pakistan"),
        ("Gen. Asim Munir", "Asim Munir", "Pakistan"),
        ("Gen Asim Munir", "Asim Munir", "Pakistan"),
        ("Field Marshal Asim Munir", "Asim Munir", "Pakistan"),
        ("Mullah Baradar", "Abdul Ghani Baradar", "Taliban"),
        ("Zabihullah Mujahid", "Zabihullah Mujahid", "Taliban"),
        ("Ajit Doval", "Ajit Doval", "India"),
        ("Mao Ning", "Mao Ning", "China"),
        ("Geng", "Geng Shuang", "China"),  # family name first
        ("Abdullah Abdullah", "Abdullah Abdullah", "Afghanistan"),
        # a bare surname: the one person outlets mean, kept by an explicit variant
        ("Qureshi", "Shah Mehmood Qureshi", "Pakistan"),
        ("Zardari", "Asif Ali Zardari", "Pakistan"),
        ("Bajwa", "Qamar Javed Bajwa", "Pakistan"),
        ("Khan", "Imran Khan", "Pakistan"),
        ("Mujahid", "Zabihullah Mujahid", "Taliban"),
        ("Tillerson", "Rex Tillerson", "United States"),
    ],
)
def test_names_as_outlets_write_them(
    directory: ActorDirectory, mention: str, name: str, actor: str
) -> None:
    person = directory.person(mention)
    assert person is not None, mention
    assert (person.name, person.actor) == (name, actor)


@pytest.mark.parametrize(
    "surname",
    # shared by several listed people: alone, it must name nobody rather than a guess
    ["Sharif", "Chaudhry", "Bhutto", "Haqqani", "Singh", "Rice", "Miller", "Shah", "Wang", "Li"],
)
def test_shared_surnames_resolve_to_nobody(directory: ActorDirectory, surname: str) -> None:
    assert directory.person(surname) is None


@pytest.mark.parametrize(
    "mention",
    # ordinary words and titles that a surname would otherwise turn into an official
    ["the West", "Islam", "the Sultan", "Moon"],
)
def test_ordinary_words_are_not_people(directory: ActorDirectory, mention: str) -> None:
    assert directory.person(mention) is None


@pytest.mark.parametrize(
    "surname",
    # one person per state: alone, the name would cross the border (Mullah Omar and
    # Ilhan Omar, the Taliban's and the republic's Stanekzai, Raza and Salahuddin Rabbani)
    ["Omar", "Stanekzai", "Rabbani"],
)
def test_surnames_shared_across_states_name_nobody(directory: ActorDirectory, surname: str) -> None:
    assert directory.person(surname) is None


@pytest.mark.parametrize(
    ("name", "when", "office"),
    [
        ("Asim Munir", dt.date(2019, 1, 15), "Director-General of the ISI"),
        ("Asim Munir", dt.date(2023, 3, 1), "Chief of Army Staff"),
        ("Shehbaz Sharif", dt.date(2023, 11, 1), None),  # the caretaker months
        ("Pete Hegseth", dt.date(2025, 10, 1), "Secretary of War"),
        (
            "Wang Yi",
            dt.date(2023, 3, 1),
            "Director of the Central Foreign Affairs Commission Office",
        ),
        ("Wang Yi", dt.date(2024, 3, 1), "Foreign Minister"),
        ("John Kerry", dt.date(2010, 5, 1), "Chairman, Senate Foreign Relations Committee"),
    ],
)
def test_office_held_on_the_date(
    directory: ActorDirectory, name: str, when: dt.date, office: str | None
) -> None:
    person = directory.person(name)
    assert person is not None
    assert person.office_in(when) == office


@pytest.mark.parametrize(
    ("mention", "actor"),
    [
        ("the National Security Council", "United States"),
        ("a spokesperson for the US National Security Council", "United States"),
        ("Pakistan's National Security Committee", "Pakistan"),
        ("Pakistan's National Security Council", "Pakistan"),
        ("the State Dept", "United States"),
        ("the Office of the US Trade Representative", "United States"),
        ("the House Foreign Affairs Committee", "United States"),
        ("CENTCOM", "United States"),
        ("the Obama administration", "United States"),
        ("the PTI government", "Pakistan"),
        ("Imran Khan’s government", "Pakistan"),
        ("Ghani's administration", "Afghanistan"),
        ("Trump's administration", "United States"),
        ("the ISI", "Pakistan"),
        ("GHQ", "Pakistan"),
        ("the Senate of Pakistan", "Pakistan"),
        ("the US Senate", "United States"),
        ("the Afghan Taliban", "Taliban"),
        ("the Islamic Emirate", "Taliban"),
        ("Iran's foreign ministry", "Iran"),
        ("the Afghan foreign ministry", "Afghanistan"),
        ("the Chinese Ministry of Foreign Affairs", "China"),
        ("India's Ministry of External Affairs", "India"),
    ],
)
def test_bodies(directory: ActorDirectory, mention: str, actor: str) -> None:
    body = directory.body(mention)
    assert body is not None, mention
    assert body.actor == actor


@pytest.mark.parametrize(
    "mention",
    [
        "ISIS",  # not the ISI
        "the treasury benches",  # Pakistan's parliament, not the US Treasury
        "the NSC",  # both the White House's and Pakistan's: no guess
        "the Senate",  # both countries have one
        "the Congress party",
        "the foreign ministry",  # every state has one
        "the Ministry of Defence",
        "Afghan forces",
    ],
)
def test_ambiguous_or_ordinary_words_are_no_body(directory: ActorDirectory, mention: str) -> None:
    assert directory.body(mention) is None


@pytest.mark.parametrize(
    ("phrase", "actor"),
    [
        ("Pak army officials", "Pakistan"),
        ("the Kremlin", "Russia"),
        ("New Delhi", "India"),
        ("the Islamic Emirate of Afghanistan", "Taliban"),
        ("the UN Security Council", "United Nations"),
        # the owner comes before the place: the first cue in the phrase wins
        ("the Embassy of the United States in Islamabad", "United States"),
        ("Pakistan's embassy in Washington", "Pakistan"),
        ("the Central Intelligence Agency", "United States"),
        ("the Defense Security Cooperation Agency", "United States"),
    ],
)
def test_state_names_and_demonyms(directory: ActorDirectory, phrase: str, actor: str) -> None:
    body = directory.body(phrase)
    assert (
        directory.state(phrase) or directory.nationality(phrase) or (body and body.actor)
    ) == actor
