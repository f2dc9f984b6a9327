"""Fingerprints for spotting the same article twice.

Owns three levels of sameness, cheapest first:

* `content_hash` — exact copies after normalisation (quotes, dashes, case, spacing and
  punctuation differences do not count), for a unique index.
* `simhash` + `bands` — a 64-bit locality-sensitive fingerprint split into four 16-bit
  bands. Two texts within 3 bits of each other share at least one band exactly, so the
  store can find near-duplicate *candidates* with an indexed equality lookup instead of
  comparing every stored article.
* `shingle_similarity` — the exact measure used to confirm a candidate.

Threshold (`Settings.near_duplicate_threshold`, 0.6): similarity is the *containment* of
word 3-shingles (shared shingles over the smaller set). A copy of a story with a changed
sentence or two, or the same wire story carried by two outlets with different headline,
byline and footer, keeps well above 0.8; two different reports of the same event share
names and phrases but few three-word runs, and stay under 0.2. 0.6 sits in the wide gap;
`tests/test_dedup.py` pins both sides.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

import numpy as np

_QUOTES = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        "´": "'",
        "`": "'",
        "′": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "«": '"',
        "»": '"',
        "″": '"',
        "‐": "-",
        "‑": "-",
        "‒": "-",
        "–": "-",
        "—": "-",
        "―": "-",
        "−": "-",
    }
)
_APOSTROPHE_IN_WORD = re.compile(r"(?<=\w)'(?=\w)")
_NON_WORD = re.compile(r"[^\w]+|_")
_MASK64 = (1 << 64) - 1
_SHINGLE = 3


def normalise(text: str) -> str:
    """Reduce text to lower-case words separated by single spaces.

    Apostrophes inside words are dropped rather than split on, so "Pakistan’s" and
    "Pakistan's" and "Pakistans" agree; all other punctuation (including dashes) becomes
    a word break.
    """
    # Quotes first: NFKC turns "´" into a space plus a combining accent.
    text = unicodedata.normalize("NFKC", text.translate(_QUOTES)).translate(_QUOTES).casefold()
    text = _APOSTROPHE_IN_WORD.sub("", text)
    return " ".join(_NON_WORD.sub(" ", text).split())


def content_hash(text: str) -> str:
    """SHA-256 hex digest of the normalised text: equal for trivially different copies."""
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


def shingles(text: str, size: int = _SHINGLE) -> set[str]:
    """Word n-grams of the normalised text; a text shorter than `size` is one shingle."""
    return _shingles_of(normalise(text).split(), size)


def _shingles_of(tokens: list[str], size: int = _SHINGLE) -> set[str]:
    if not tokens:
        return set()
    if len(tokens) < size:
        return {" ".join(tokens)}
    return {" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def _hash64(value: str) -> int:
    return int.from_bytes(hashlib.blake2b(value.encode("utf-8"), digest_size=8).digest(), "big")


def _to_signed(h: int) -> int:
    return h - (1 << 64) if h >= 1 << 63 else h


def _to_unsigned(h: int) -> int:
    return h & _MASK64


def simhash(text: str) -> int:
    """64-bit SimHash over word 3-shingles, as a signed int64 so it fits a SQL BIGINT.

    Uses a stable hash (BLAKE2b) rather than Python's `hash`, which is salted
    per process and would make stored fingerprints useless after a restart.
    """
    return _simhash_of(shingles(text))


def _simhash_of(shingle_set: set[str]) -> int:
    hashes = np.fromiter((_hash64(s) for s in shingle_set), dtype=np.uint64, count=-1)
    if hashes.size == 0:
        return 0
    # one column per bit: +1 votes where the shingle's hash has it set, -1 where not
    bits = (hashes[:, None] >> np.arange(64, dtype=np.uint64)) & np.uint64(1)
    votes = 2 * bits.sum(axis=0, dtype=np.int64) - hashes.size
    value = 0
    for bit in np.flatnonzero(votes > 0):
        value |= 1 << int(bit)
    return _to_signed(value)


def bands(h: int) -> tuple[int, int, int, int]:
    """Split a SimHash (signed or unsigned) into four 16-bit bands, high band first."""
    u = _to_unsigned(h)
    return ((u >> 48) & 0xFFFF, (u >> 32) & 0xFFFF, (u >> 16) & 0xFFFF, u & 0xFFFF)


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two 64-bit fingerprints (signed or unsigned)."""
    return (_to_unsigned(a) ^ _to_unsigned(b)).bit_count()


def shingle_similarity(a_text: str, b_text: str) -> float:
    """Containment of word 3-shingles: shared shingles over the smaller text's shingles.

    Containment rather than Jaccard so that one copy carrying extra furniture, an extra
    paragraph or a longer tail still scores as the same story; 0.0 when either is empty.
    """
    a, b = shingles(a_text), shingles(b_text)
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


@dataclass(frozen=True)
class Fingerprint:
    """Everything the ledger stores to recognise this text again."""

    hash: str
    simhash: int
    bands: tuple[int, int, int, int]


def fingerprint(text: str) -> Fingerprint:
    """The text normalised once for both the hash and the SimHash."""
    normal = normalise(text)
    h = _simhash_of(_shingles_of(normal.split()))
    return Fingerprint(hashlib.sha256(normal.encode("utf-8")).hexdigest(), h, bands(h))
