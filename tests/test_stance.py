"""Stance toward the other state, read over the parse: lexicon cues, negation flips, a
denial is critical. Sentences of our own."""

from __future__ import annotations

import pytest

from bot.indexer.nlp import load
from bot.indexer.stance import classify, classify_text
from bot.settings import Settings


@pytest.fixture(scope="module")
def nlp():
    return load(Settings().spacy_model)


# (evidence, stance, a word the cue must hold)
CASES: list[tuple[str, str, str]] = [
    ("Washington accused Islamabad of sheltering the Haqqani network.", "critical", "accused"),
    ("Pakistan denies giving sanctuary to the Taliban.", "critical", "denies"),
    ("There are no safe havens in Pakistan, the minister said.", "critical", "havens"),
    ("This is not how allies behave.", "critical", "allies"),
    ("We do not have any alliance with Washington.", "critical", "alliance"),
    ("We are not responsible for the violence across the border.", "critical", "responsible"),
    ("The minister welcomed the American offer of talks.", "conciliatory", "welcomed"),
    ("We appreciate Pakistan's help in freeing the hostages.", "conciliatory", "appreciate"),
    ("The two sides agreed to deepen their partnership in trade.", "conciliatory", "deepen"),
    ("Washington will not cut the aid this year.", "conciliatory", "cut"),
    ("There is a huge trust deficit between the two capitals.", "critical", "deficit"),
    ("The US failed to behave as an ally in the war.", "critical", "failed"),
    ("Washington will not forget Pakistan's sacrifices.", "conciliatory", "forget"),
    ("We have had some challenges in the relationship.", "neutral", ""),
    ("The delegation arrived in Islamabad on Monday for the talks.", "neutral", ""),
    ("The ministers discussed the Afghan refugees and the border.", "neutral", ""),
    # criticism aimed at a third party is not a stance toward the other state
    ("There have been over 100 violations of the ceasefire by India.", "neutral", ""),
    ("India's violations harm the U.S. relationship with Pakistan.", "critical", "violations"),
]


@pytest.mark.parametrize(("evidence", "stance", "cue"), CASES)
def test_stance_over_the_parse(nlp, evidence, stance, cue):
    reading = classify(nlp(evidence)[:])
    assert reading.stance == stance, (evidence, reading)
    if cue:
        assert reading.cue is not None and cue in reading.cue, reading
    else:
        assert reading.cue is None


@pytest.mark.parametrize(
    ("evidence", "stance"),
    # what a word hangs under ("trust deficit", "failed to behave as an ally") needs the parse
    [(e, s) for e, s, _ in CASES if "trust deficit" not in e and "failed to" not in e],
)
def test_stance_from_plain_text_agrees(evidence, stance):
    assert classify_text(evidence).stance == stance, evidence


@pytest.mark.parametrize(
    ("evidence", "denies", "asserts"),
    [
        ("Pakistan denies giving sanctuary to the Taliban.", True, False),
        ("There are no safe havens in Pakistan.", True, False),
        ("Pakistan harbours the Haqqani network in its tribal areas.", False, True),
        ("The US accused Pakistan of playing a double game.", False, True),
        ("The sides discussed trade.", False, False),
    ],
)
def test_denials_and_assertions(nlp, evidence, denies, asserts):
    for reading in (classify(nlp(evidence)[:]), classify_text(evidence)):
        assert (reading.denies, reading.asserts) == (denies, asserts), (evidence, reading)


def test_ingest_gives_every_position_a_stance(indexer):
    text = (
        "Pakistan rejects US charges over militant sanctuaries\n\n"
        "Washington accused Islamabad on Monday of sheltering the Haqqani network.\n\n"
        "Foreign Minister Khawaja Asif said there are no safe havens for the Haqqani "
        "network in Pakistan.\n\n"
        "Asif said Pakistan would welcome talks with Washington on the Afghan refugees."
    )
    result = indexer.ingest_text(text)
    assert result.status == "new", result.reason
    stances = {(p.actor, p.topic): (p.stance, p.stance_cue) for p in result.positions}
    assert stances[("United States", "haqqani-network")] == ("critical", "accused, sheltering")
    pk_stance, pk_cue = stances[("Pakistan", "haqqani-network")]
    assert pk_stance == "critical" and pk_cue and "havens" in pk_cue
    assert all(p.stance in ("critical", "neutral", "conciliatory") for p in result.positions)
