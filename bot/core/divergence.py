"""When the two sides' latest statements on a topic oppose each other — and when not.

"Where they diverge" used to pair each side's newest claim whatever they said, so two
statements that agree were shown as a divergence. The decision is now this one pure
function, held by table-driven tests (tests/test_divergence.py):

* one side denies what the other asserts ("Pakistan harbours the Haqqani network" /
  "there are no safe havens in Pakistan") — shown;
* their stances toward each other differ and one of them is critical, or both are
  critical (each criticising the other is a clash, not agreement) — shown;
* otherwise (both conciliatory, both neutral, conciliatory beside neutral) — nothing.

A stance recorded at ingest is used as it is; a row stored before stances were recorded
is read from its claim with the same lexicon (`bot.indexer.stance.classify_text`, plain
Python, no model).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.indexer.stance import Reading, classify_text


@dataclass(frozen=True)
class Statement:
    """What the decision needs of a stored position."""

    actor: str
    speaker: str | None
    claim: str
    evidence: str
    published: dt.date
    stance: str | None = None  # as recorded at ingest; None: read from the evidence


@dataclass(frozen=True)
class Divergence:
    first: Statement
    second: Statement
    reason: str  # one line, fit to show under the two claims


def _reading(s: Statement) -> tuple[str, Reading]:
    # the claim is the statement; the evidence around it may hold someone else's words
    reading = classify_text(s.claim or s.evidence)
    return (s.stance or reading.stance), reading


def diverge(first: Statement, second: Statement) -> Divergence | None:
    """The divergence between two sides' latest statements on one topic, or None when
    they do not oppose each other."""
    stance_a, read_a = _reading(first)
    stance_b, read_b = _reading(second)
    a, b = _named(first.actor), _named(second.actor)
    if read_a.denies and read_b.asserts:
        return Divergence(first, second, f"{a} denies what {b} asserts")
    if read_b.denies and read_a.asserts:
        return Divergence(first, second, f"{b} denies what {a} asserts")
    if "critical" not in (stance_a, stance_b):
        return None
    if stance_a == stance_b:
        return Divergence(first, second, "each is critical of the other")
    return Divergence(first, second, f"{a} is {stance_a}; {b} is {stance_b}")


def _named(actor: str) -> str:
    """ "the United States", "Pakistan": as a sentence names them."""
    return f"the {actor}" if actor.startswith("United ") else actor
