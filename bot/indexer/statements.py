"""Said once: is a new position another outlet's report of a statement already recorded?

Outlets quote one statement in their own framing ("Trump tweeted: '…'" / "'…,' the
president wrote"), so the words compared are first the quoted words, which outlets copy,
and only then the whole sentence or the claim. The ledger has already narrowed the
candidates to the same actor and topic near the stated date; this decides on the text.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rapidfuzz import fuzz

from storage.ledger import PositionLike, StatementReport

QUOTE_MATCH = 90  # partial_ratio of the shorter quote inside the longer one
SENTENCE_MATCH = 88  # token_sort_ratio of whole evidence sentences
CLAIM_MATCH = 92  # token_sort_ratio of claims (same claim on the same occasion)
MIN_QUOTE_WORDS = 5  # shorter quotes ("a terrorist safe haven") are shared by many speeches

_QUOTED = re.compile(r"[\"“]([^\"“”]{3,}?)[\"”]")


@lru_cache(maxsize=8192)
def normalise(text: str) -> str:
    """Case, punctuation, curly quotes and "&" folded so outlets' house styles match."""
    text = unicodedata.normalize("NFKC", text).replace("&", " and ")
    text = re.sub(r"[^\w\s]", " ", text.casefold())
    return " ".join(text.split())


@lru_cache(maxsize=8192)
def quotes(text: str) -> tuple[str, ...]:
    """The quoted passages long enough to identify a statement, normalised (cached: one
    new report is compared with up to 200 earlier ones, each again for its next topic)."""
    found = [normalise(q) for q in _QUOTED.findall(text)]
    return tuple(q for q in found if len(q.split()) >= MIN_QUOTE_WORDS)


def same_statement(new: PositionLike, earlier: StatementReport) -> bool:
    """True when both report one statement: the same quoted words, or the same sentence,
    or the same claim (the ledger has already required the same actor, speaker when both
    are named, topic and a nearby date)."""
    new_quotes, old_quotes = quotes(new.evidence), quotes(earlier.evidence)
    if new_quotes and old_quotes:
        return any(
            fuzz.partial_ratio(a, b) >= QUOTE_MATCH for a in new_quotes for b in old_quotes
        ) or _sentence_match(new.evidence, earlier.evidence)
    if _sentence_match(new.evidence, earlier.evidence):
        return True
    return fuzz.token_sort_ratio(normalise(new.claim), normalise(earlier.claim)) >= CLAIM_MATCH


def _sentence_match(a: str, b: str) -> bool:
    return fuzz.token_sort_ratio(normalise(a), normalise(b)) >= SENTENCE_MATCH
