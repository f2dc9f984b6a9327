"""When "Where they diverge" is shown: a table of the two sides' latest statements on a
topic (sentences of our own) and whether they oppose each other."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.divergence import Statement, diverge

D = dt.date(2019, 3, 1)


def us(evidence: str, stance: str | None = None) -> Statement:
    return Statement("United States", "US envoy", evidence, evidence, D, stance)


def pk(evidence: str, stance: str | None = None) -> Statement:
    return Statement("Pakistan", "PK minister", evidence, evidence, D, stance)


# (US statement, Pakistan statement, shown?, words the reason must hold)
CASES: list[tuple[Statement, Statement, bool, str]] = [
    (  # one asserts what the other denies
        us("Pakistan harbours the Haqqani network in its tribal areas."),
        pk("There are no safe havens in Pakistan."),
        True,
        "Pakistan denies",
    ),
    (
        us("Islamabad gives safe haven to the Taliban leaders."),
        pk("Pakistan firmly rejects the charge."),
        True,
        "Pakistan denies what the United States asserts",
    ),
    (  # critical beside conciliatory
        us("Washington suspended the security aid to Islamabad."),
        pk("We welcome the talks and hope to deepen the partnership."),
        True,
        "the United States is critical; Pakistan is conciliatory",
    ),
    (  # each critical of the other
        us("Pakistan has given us nothing but lies and deceit."),
        pk("The allegations are incomprehensible and unacceptable."),
        True,
        "each is critical",
    ),
    (  # critical beside neutral
        us("We are disappointed that the network still operates freely."),
        pk("The minister will travel to Kabul next week."),
        True,
        "critical",
    ),
    (  # they agree: nothing
        us("We appreciate Pakistan's help in the peace talks."),
        pk("We welcome the reset of our partnership with Washington."),
        False,
        "",
    ),
    (  # both neutral: nothing
        us("The envoy met the army chief in Rawalpindi."),
        pk("The minister discussed the refugees with the envoy."),
        False,
        "",
    ),
    (  # conciliatory beside neutral: nothing
        us("The envoy thanked Pakistan for its cooperation."),
        pk("The two sides will meet again in June."),
        False,
        "",
    ),
    (  # a recorded stance wins over the words
        us("The envoy met the army chief.", stance="critical"),
        pk("The minister met the envoy.", stance="conciliatory"),
        True,
        "critical",
    ),
    (
        us("Pakistan must act against the network.", stance="conciliatory"),
        pk("We will work with Washington.", stance="conciliatory"),
        False,
        "",
    ),
]


@pytest.mark.parametrize(("first", "second", "shown", "reason"), CASES)
def test_divergence_is_shown_only_when_the_sides_oppose(first, second, shown, reason):
    found = diverge(first, second)
    assert (found is not None) == shown, found
    if found is not None:
        assert reason in found.reason, found.reason
        assert (found.first, found.second) == (first, second)
