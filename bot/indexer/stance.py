"""A statement's stance toward the other state — critical, neutral or conciliatory — and
the words that justify it.

A lexicon of lemmas, read over the parse so negation flips a cue: "this is not how
allies behave" and "we do not have any alliance" are critical although "ally" is warm;
"we will not cut aid" is conciliatory although "cut" is hostile.

A denial is critical. "Pakistan denies giving sanctuary", "there are no safe havens in
Pakistan", "we are not responsible": the speaker is rejecting the other state's charge,
which is the very opposition "Where they diverge" exists to show; calling a denial
neutral would hide the commonest clash in the corpus (one side accuses, the other
denies). So a denial verb, and a charge word under negation, both count as critical,
and `Reading.denies`/`Reading.asserts` keep the finer distinction for the divergence
rule ("one asserts what the other denies").

Cues are weighted: a verb that is itself a stance act (accuse, condemn, deny, welcome,
thank) counts double; ties are neutral. The words of the other state are not required:
a statement stored for the US or Pakistan is read as about the relationship, which is
what the extractor keeps.

Works on a parsed span (`classify`, at ingest) and, for rows stored before stance was
recorded, on plain text (`classify_text`), with a crude negation window instead of the
parse. Both share the lexicon and the scoring.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from bot.indexer.types import ExtractedPosition

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

Stance = Literal["critical", "neutral", "conciliatory"]

CRITICAL = frozenset(
    {
        "accuse", "accusation", "allege", "allegation", "blame", "condemn", "criticise",
        "criticize", "criticism", "warn", "threaten", "suspend", "suspension",
        "cancel", "withhold", "cut", "halt", "freeze", "punish", "punishment", "sanction",
        "pressure", "demand", "lie", "deceit", "deceive", "betray", "betrayal", "fail",
        "failure", "harbor", "harbour", "harboring", "shelter", "sanctuary", "haven",
        "whipping", "scapegoat", "incomprehensible", "unacceptable", "mistrust",
        "distrust", "deficit", "disappoint",
        "disappointment", "strain", "tension", "undermine", "violation", "violate",
        "interference", "unilateral", "counterproductive", "insensitivity", "insensitive",
        "foolishly", "absurd", "baseless", "false", "propaganda", "hostile", "double",
        "responsible", "reject", "deny", "refute", "dismiss", "shortcoming", "forget",
        "expel", "ban",
    }
)  # fmt: skip
CONCILIATORY = frozenset(
    {
        "welcome", "praise", "appreciate", "appreciation", "thank", "grateful",
        "gratitude", "cooperate", "cooperation", "partnership", "partner", "friend",
        "friendship", "ally", "alliance", "reset", "strengthen", "deepen", "improve",
        "mend", "potential", "opportunity", "hope", "hopeful", "optimistic", "support",
        "help", "assist", "sacrifice", "engage", "engagement", "dialogue", "agree",
        "agreement", "commit", "commitment", "respect", "trust", "mutual", "historic",
        "fresh", "love", "fantastic", "tremendous", "positive", "constructive",
        "productive", "enduring", "facilitate", "facilitator", "congratulate", "resume",
        "restore", "release", "reaffirm", "collaborate", "collaboration", "stability",
        "assure", "broad", "comprehensive", "forward",
    }
)  # fmt: skip
# acts of stance in themselves: they outweigh a word of the topic's vocabulary
STRONG = frozenset(
    {
        "accuse", "condemn", "blame", "threaten", "deny", "reject", "refute", "lie",
        "deceit", "betray", "welcome", "praise", "thank", "appreciate", "grateful",
        "reset", "incomprehensible", "unacceptable",
    }
)  # fmt: skip
# what one side charges the other with: negated, it is a denial
CHARGES = frozenset(
    {
        "haven", "sanctuary", "harbor", "harbour", "shelter", "responsible", "lie",
        "deceit", "double", "support", "plan", "execute", "provide", "give", "help",
    }
)  # fmt: skip
DENIALS = frozenset({"deny", "reject", "refute", "dismiss"})
# making a charge: the verbs, not the nouns ("the allegations are baseless" rejects one)
ASSERTIONS = frozenset({"accuse", "allege", "blame"})
# "nothing but lies" is no negation: "nothing" is left out on purpose
NEGATORS = frozenset({"not", "no", "never", "n't", "without", "neither", "nor"})


@dataclass(frozen=True)
class Cue:
    lemma: str
    negated: bool
    text: str

    @property
    def polarity(self) -> int:
        """+1 conciliatory, -1 critical, 0 none; negation flips, a negated charge is a
        denial (critical)."""
        if self.lemma in DENIALS:
            return 0 if self.negated else -1  # "I neither deny nor confirm" denies nothing
        if self.negated and self.lemma in CHARGES and self.lemma not in CONCILIATORY:
            return -1
        base = -1 if self.lemma in CRITICAL else 1 if self.lemma in CONCILIATORY else 0
        return -base if self.negated else base


@dataclass(frozen=True)
class Reading:
    stance: Stance
    cue: str | None  # the words that decided it, as written
    denies: bool  # rejects a charge: "denies …", "no safe havens", "not responsible"
    asserts: bool  # makes a charge: "accused …", "harbours", "safe havens" unnegated


_TOKEN = re.compile(r"[A-Za-z]+(?:n't)?|n't")

# the two states as a statement names them; and the third parties criticism in this
# corpus is most often aimed at instead ("violations by India", "territory in Afghanistan")
_SIDES = frozenset(
    {
        "pakistan", "pakistani", "pakistanis", "islamabad", "rawalpindi", "isi",
        "us", "u.s", "usa", "united", "america", "american", "americans", "washington",
        "pentagon", "trump", "biden", "obama", "cia", "allies", "ally", "alliance",
        "bilateral", "relationship", "relations", "ties",
    }
)  # fmt: skip
_THIRD = frozenset(
    {
        "india", "indian", "indians", "delhi", "modi", "afghanistan", "afghan", "kabul",
        "taliban", "china", "chinese", "beijing", "iran", "russia", "daesh", "qaeda",
    }
)  # fmt: skip


_NAME = re.compile(r"[A-Za-z][A-Za-z.’']*")


def _name(word: str) -> str:
    word = word.lower().replace("’", "'").strip(".'")
    return word.removesuffix("'s")


def aimed_elsewhere(text: str) -> bool:
    """A statement that names a third party and neither state nor their relationship:
    its criticism is of that party, not of the other state."""
    words = {_name(w) for w in _NAME.findall(text)}
    return bool(words & _THIRD) and not words & _SIDES


def decide(cues: list[Cue], elsewhere: bool = False) -> Reading:
    """Weighted vote of the cues; the cue text is the deciding side's words. Criticism
    `elsewhere` (of a third party) does not count toward the other state."""
    if elsewhere:
        cues = [c for c in cues if c.polarity >= 0]
    score = 0
    for cue in cues:
        score += cue.polarity * (2 if cue.lemma in STRONG else 1)
    stance: Stance = "critical" if score < 0 else "conciliatory" if score > 0 else "neutral"
    sign = -1 if stance == "critical" else 1
    deciding = [c.text for c in cues if c.polarity == sign] if stance != "neutral" else []
    seen: list[str] = []
    for text in deciding:
        if text not in seen:
            seen.append(text)
    denies = any(
        (c.lemma in DENIALS and not c.negated)
        or (c.negated and c.lemma in CHARGES and c.lemma in CRITICAL)
        for c in cues
    )
    asserts = any(
        (c.lemma in ASSERTIONS and not c.negated)
        or (c.lemma in CHARGES and c.lemma in CRITICAL and not c.negated)
        for c in cues
    )
    return Reading(stance, ", ".join(seen[:3]) or None, denies, asserts and not denies)


# ------------------------------------------------------------ over the parse


# the relations a negation reaches down through: "do not have any alliance" (dobj), "is not
# how allies behave" (nsubj of a clause under the negated verb), "no safe havens" (det)
_NEGATION_CLIMBS = frozenset(
    {"dobj", "attr", "pobj", "prep", "amod", "compound", "advcl", "ccomp", "nsubj", "acomp"}
)


def _in_lexicon(lemma: str) -> bool:
    return lemma in CRITICAL or lemma in CONCILIATORY or lemma in DENIALS


def _negated(tok: Token) -> Token | None:
    """The negator governing a cue: its own "not"/"no", its verb's, or the verb above an
    object or complement ("do not have any alliance", "is not how allies behave")."""
    node = tok
    for _ in range(4):
        for child in node.children:
            if child.dep_ == "neg" or child.lower_ in ("no", "never", "neither"):
                return child
            if child.lower_ == "longer" and any(g.lower_ == "no" for g in child.children):
                return child  # "no longer sees the U.S. as an ally"
        if node.dep_ not in _NEGATION_CLIMBS or node.head == node:
            break
        if any(c.dep_ == "mark" for c in node.children):
            break  # "… even though it served mutual interests": its own clause
        if _in_lexicon(node.head.lemma_.lower()):
            break  # "will not forget Pakistan's sacrifices": the negation is the verb's cue
        node = node.head
    return None


def _under_critical(tok: Token) -> bool:
    node = tok
    for _ in range(3):
        if node.head == node:
            return False
        node = node.head
        if node.lemma_.lower() in CRITICAL and not _negated(node):
            return True
    return False


def cues_in(span: Span, only: set[str] | None = None) -> list[Cue]:
    """The stance words of a span; with `only`, just those among these words (the claim's:
    "Trump, who last year accused Pakistan of lies, welcomed its prime minister" is read
    by what the statement says, not by the background clause around it)."""
    out: list[Cue] = []
    for tok in span:
        if only is not None and tok.lower_ not in only:
            continue
        lemma = tok.lemma_.lower()
        if lemma not in CRITICAL and lemma not in CONCILIATORY and lemma not in DENIALS:
            continue
        if lemma == "haven" and not any(t.lower_ == "safe" for t in tok.lefts):
            continue
        if lemma == "double" and tok.head.lower_ not in ("game", "games"):
            continue
        if lemma in CONCILIATORY and _under_critical(tok):
            continue  # "trust deficit", "failed to behave as an ally": the critical word decides
        neg = _negated(tok)
        text = f"{neg.text} … {tok.text}" if neg is not None and neg.i + 1 < tok.i else tok.text
        if neg is not None and neg.i + 1 == tok.i:
            text = f"{neg.text} {tok.text}"
        out.append(Cue(lemma, neg is not None, text))
    return out


def classify(span: Span, claim: str | None = None) -> Reading:
    """The stance of a parsed statement (its evidence span), read by its claim's words
    when it has one."""
    only = {w.lower() for w in _TOKEN.findall(claim)} if claim else None
    return decide(cues_in(span, only), aimed_elsewhere(claim or span.text))


def annotate(doc: Doc, positions: Iterable[ExtractedPosition]) -> list[ExtractedPosition]:
    """Each position with the stance of its evidence, read over the article's parse (the
    evidence is a verbatim slice of the text; one that is not is read as plain text)."""
    # imported here: the positions package loads spaCy, and the core reads this module's
    # text classifier (bot.core.divergence) in processes that never parse
    from bot.indexer.positions.syntax import doc_text

    out: list[ExtractedPosition] = []
    for p in positions:
        start = doc_text(doc).find(p.evidence) if p.evidence else -1
        span = (
            doc.char_span(start, start + len(p.evidence), alignment_mode="expand")
            if start >= 0
            else None
        )
        if span is not None:
            reading = classify(span, p.claim)
        else:
            reading = classify_text(p.claim or p.evidence)
        out.append(replace(p, stance=reading.stance, stance_cue=reading.cue))
    return out


# ------------------------------------------------------------ over plain text


def _forms() -> dict[str, str]:
    """Surface forms of the lexicon's lemmas (plurals, tenses), for text without a parse."""
    out: dict[str, str] = {}
    for lemma in CRITICAL | CONCILIATORY | DENIALS | ASSERTIONS:
        stem = lemma[:-1] if lemma.endswith("e") else lemma
        forms = {lemma, lemma + "s", lemma + "es", lemma + "d", lemma + "ed", stem + "ing"}
        if lemma.endswith("y"):
            forms |= {lemma[:-1] + "ies", lemma[:-1] + "ied"}
        if lemma in ("cut", "lie"):
            forms |= {"lies", "cuts"}
        for form in forms:
            out.setdefault(form, lemma)
    out["havens"] = "haven"
    out["allies"] = "ally"
    return out


_FORMS = _forms()


def classify_text(text: str) -> Reading:
    """The same reading without a parse: a negator within the three words before a cue
    negates it. For rows stored before stance was recorded."""
    words = _TOKEN.findall(text)
    cues: list[Cue] = []
    for i, word in enumerate(words):
        lemma = _FORMS.get(word.lower())
        if lemma is None:
            continue
        if lemma == "haven" and (i == 0 or words[i - 1].lower() != "safe"):
            continue
        if lemma == "double" and (i + 1 >= len(words) or words[i + 1].lower() != "game"):
            continue
        window = [w.lower() for w in words[max(0, i - 3) : i]]
        negated = any(w in NEGATORS or w.endswith("n't") for w in window)
        cues.append(Cue(lemma, negated, word))
    return decide(cues, aimed_elsewhere(text))
