"""Fingerprints: normalisation, exact hash, SimHash/bands, and the near-duplicate threshold."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.indexer.dedup import (
    bands,
    content_hash,
    fingerprint,
    hamming,
    normalise,
    shingle_similarity,
    shingles,
    simhash,
)
from bot.settings import Settings

THRESHOLD = Settings().near_duplicate_threshold

# Invented wire story, an edited copy of it, the same story with different furniture, and a
# different story on the same subject.
STORY = (
    "The finance minister of Freedonia said on Tuesday that talks with the lenders would "
    "resume next month after a pause caused by disagreements over the energy subsidy. "
    "“We have agreed on most of the fiscal targets and only the subsidy remains open,” "
    "she told reporters after a cabinet meeting in the capital. "
    "Officials from the lending agency declined to say when a staff-level agreement "
    "might be signed, but a spokesman said the mission had been constructive. "
    "Opposition leaders accused the government of hiding the cost of the programme from "
    "parliament and demanded a debate before any deal is signed."
)
EDITED = (
    STORY.replace("on Tuesday", "on Wednesday")
    .replace("next month", "in early March")
    .replace("declined to say", "would not say")
    + " The central bank is expected to announce its rate decision on Friday."
)
WITH_FURNITURE = (
    "Freedonia minister says lender talks to resume\n\nBy Staff Reporter\n\n"
    + STORY
    + "\n\nCopyright 2031 Example Wire. All rights reserved.\n\nYou may also like"
)
SAME_TOPIC = (
    "Freedonia's opposition staged a walkout in parliament on Thursday to protest "
    "against what it called secret negotiations with foreign lenders over the energy "
    "subsidy. The finance minister later defended the talks, saying the fiscal targets "
    "were in the national interest and that parliament would see the agreement in full. "
    "Analysts said the subsidy dispute could delay the next tranche of the loan by "
    "several weeks, putting pressure on the currency and on reserves."
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Pakistan’s “trust deficit”", "pakistans trust deficit"),
        ('Pakistan\'s "trust   deficit"', "pakistans trust deficit"),
        ("Counter-terrorism — and  AID!", "counter terrorism and aid"),
        ("ISLAMABAD:\tMonday", "islamabad monday"),
        ("Pakistan´s view", "pakistans view"),
        ("", ""),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_content_hash_ignores_trivial_differences() -> None:
    a = "“We are not alone,” the minister said."
    b = '"we are NOT alone"  the minister said'
    assert content_hash(a) == content_hash(b)
    assert len(content_hash(a)) == 64
    assert content_hash(a) != content_hash("We are alone, the minister said.")


def test_shingles_of_short_text_is_one_shingle() -> None:
    assert shingles("Hello there") == {"hello there"}
    assert shingles("") == set()
    assert shingles("a b c d") == {"a b c", "b c d"}


def test_simhash_is_stable_and_signed() -> None:
    h = simhash(STORY)
    assert h == simhash(STORY)
    assert -(2**63) <= h < 2**63
    assert simhash(STORY) == simhash(STORY.upper().replace("’", "'"))


def test_simhash_near_copies_are_close_and_other_stories_far() -> None:
    original = simhash(STORY)
    assert hamming(original, simhash(EDITED)) < hamming(original, simhash(SAME_TOPIC))
    assert hamming(original, simhash(WITH_FURNITURE)) <= 12
    assert hamming(original, simhash(SAME_TOPIC)) >= 16


def test_bands_split_into_four_unsigned_16_bit_parts() -> None:
    h = simhash(STORY)
    parts = bands(h)
    assert len(parts) == 4
    assert all(0 <= p <= 0xFFFF for p in parts)
    recomposed = (parts[0] << 48) | (parts[1] << 32) | (parts[2] << 16) | parts[3]
    assert recomposed == h & (2**64 - 1)
    assert bands(-1) == (0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF)
    assert bands(0x0001_0002_0003_0004) == (1, 2, 3, 4)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [(0, 0, 0), (0, 1, 1), (0, -1, 64), (-1, 2**64 - 1, 0), (0b1010, 0b0101, 4)],
)
def test_hamming(a: int, b: int, expected: int) -> None:
    assert hamming(a, b) == expected


@pytest.mark.parametrize(
    ("other", "above"),
    [
        (STORY, True),
        (EDITED, True),
        (WITH_FURNITURE, True),
        (SAME_TOPIC, False),
    ],
    ids=["identical", "edited-copy", "same-story-other-furniture", "same-topic-other-story"],
)
def test_near_duplicate_threshold(other: str, above: bool) -> None:
    """The documented threshold separates copies from different stories on one subject."""
    score = shingle_similarity(STORY, other)
    assert (score >= THRESHOLD) is above, score


def test_threshold_has_margin_on_both_sides() -> None:
    assert shingle_similarity(STORY, EDITED) > 0.75
    assert shingle_similarity(STORY, SAME_TOPIC) < 0.2


def test_similarity_is_symmetric_and_empty_safe() -> None:
    assert shingle_similarity(STORY, EDITED) == shingle_similarity(EDITED, STORY)
    assert shingle_similarity("", STORY) == 0.0


@given(st.text(max_size=300))
def test_simhash_properties(text: str) -> None:
    h = simhash(text)
    assert -(2**63) <= h < 2**63
    assert all(0 <= p <= 0xFFFF for p in bands(h))
    assert hamming(h, h) == 0
    assert content_hash(text) == content_hash(normalise(text))


@given(st.integers(-(2**63), 2**63 - 1), st.integers(-(2**63), 2**63 - 1))
def test_hamming_symmetric_and_bounded(a: int, b: int) -> None:
    assert hamming(a, b) == hamming(b, a)
    assert 0 <= hamming(a, b) <= 64


@pytest.mark.parametrize(
    "text",
    ["", "one", "two words", "Three words here.", "Pakistan’s envoy met U.S. officials. " * 30],
)
def test_fingerprint_normalises_once_and_agrees_with_its_parts(text: str) -> None:
    """`fingerprint` normalises the text once for both figures; each is what its own
    function gives."""
    fp = fingerprint(text)
    assert fp.hash == content_hash(text)
    assert fp.simhash == simhash(text)
    assert fp.bands == bands(fp.simhash)
