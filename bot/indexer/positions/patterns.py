"""The ways reporters attribute a stance, one named generator each.

Every generator reads one unit of text and yields `Candidate`s: who (a resolved
`Speaker`), by which words (the attribution, cut from the claim), on what trigger token,
and how deeply that trigger sits in the parse. `attribution.choose` then decides which
candidates speak for the unit. A new way of attributing is one new generator added to
`PATTERNS`, testable on its own (as textacy's triple extractors are).

Word classes live in `vocabulary`; a pattern keys on a lemma class and the parse, never
on a particular phrasing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple

from spacy.tokens import Token

from bot.indexer.positions.speakers import (
    ArticleContext,
    Speaker,
    is_outlet,
    resolve_mention,
)
from bot.indexer.positions.syntax import agent_of, depth_of, subject_of
from bot.indexer.positions.units import Unit, in_quote, quoted_spans
from bot.indexer.positions.vocabulary import (
    ATTRIBUTION_NOUNS,
    COMMIT_MODALS,
    DOCUMENTS,
    QUESTION_VERBS,
    REPORTING,
    STANCE,
    STANCE_ADJECTIVES,
    STANCE_NOUNS,
    UNCERTAIN_MODALS,
)


class Candidate(NamedTuple):
    """One reading of who speaks in a unit."""

    pattern: str  # the generator's name, for tests and error analysis
    rank: int  # depth of the trigger in the parse; -1 for "according to"
    speaker: Speaker
    attribution: frozenset[int]  # token ids that say who spoke, not what was said
    trigger: Token
    reports: bool  # a reporting form (outranks a stance nested in what it reports)


class Reading(NamedTuple):
    """What every pattern reads: the unit's tokens, its quotation spans, the context."""

    unit: Unit
    text: str
    tokens: list[Token]
    quotes: list[tuple[int, int]]
    ctx: ArticleContext
    outside: list[Token]  # the unit's words outside quotation marks, read once

    @classmethod
    def of(cls, unit: Unit, text: str, ctx: ArticleContext) -> Reading:
        tokens = [t for s in unit.sents for t in s]
        quotes = quoted_spans(text, unit)
        outside = [t for t in tokens if not in_quote(t, quotes)] if quotes else tokens
        return cls(unit, text, tokens, quotes, ctx, outside)

    def outside_quotes(self) -> list[Token]:
        return self.outside


def _conjuncts(tok: Token) -> list[Token]:
    """A subject and the subjects conjoined to it: "the State Department and Pakistan's
    foreign ministry said" has two speakers."""
    return [tok, *(c for c in tok.conjuncts if c.i > tok.i and c.dep_ == "conj")]


def _segments(subj: Token) -> list[tuple[Token, tuple[int, int]]]:
    """The heads of a subject phrase split at "and": the small model often attaches the
    first of two conjoined institutions as a modifier of the second, so the words, not
    the arcs, say where one mention ends."""
    words = sorted(subj.subtree, key=lambda t: t.i)
    cuts = [t.i for t in words if t.lower_ == "and" and t.dep_ == "cc"]
    if not cuts:
        return []
    heads: list[tuple[Token, tuple[int, int]]] = []
    bounds = [words[0].i, *[c + 1 for c in cuts]]
    ends = [*cuts, words[-1].i + 1]
    for start, end in zip(bounds, ends, strict=True):
        piece = [t for t in words if start <= t.i < end and not t.is_punct]
        inside = {t.i for t in piece}
        roots = [t for t in piece if t.head.i not in inside or t.head.i == t.i]
        if roots:
            heads.append((roots[-1], (piece[0].i, piece[-1].i + 1)))
    return heads


def _issuers(document: Token) -> Token | None:
    """ "a joint statement released by the U.S. and Afghan governments": who issued it."""
    for acl in (c for c in document.children if c.dep_ == "acl"):
        agent = agent_of(acl)
        if agent is not None:
            return agent
    return None


def _speakers(subj: Token, ctx: ArticleContext, *, allow_state: bool = True) -> list[Speaker]:
    if subj.lemma_.lower() in DOCUMENTS and (issuer := _issuers(subj)) is not None:
        return _speakers(issuer, ctx, allow_state=allow_state)
    segments = _segments(subj)
    if len(segments) >= 2:
        found = [
            resolve_mention(t, ctx, allow_state=allow_state, within=bounds)
            for t, bounds in segments
        ]
        if all(f is not None for f in found):
            unique: list[Speaker] = []
            for f in found:
                if f is not None and f not in unique:
                    unique.append(f)
            return unique
    out: list[Speaker] = []
    for part in _conjuncts(subj):
        speaker = resolve_mention(part, ctx, allow_state=allow_state)
        if speaker is not None and speaker not in out:
            out.append(speaker)
    return out


def _ids(tok: Token) -> frozenset[int]:
    return frozenset(t.i for t in tok.subtree)


def _asked(tok: Token) -> bool:
    """A verb inside a question put to someone ("when pressed whether he also denied …",
    "asked if Pakistan would accept …") states nothing: the answer does."""
    node = tok
    while True:
        if any(c.dep_ == "mark" and c.lower_ in ("whether", "if") for c in node.children) and (
            node.head.lemma_.lower() in QUESTION_VERBS
        ):
            return True
        if node.dep_ == "ccomp" and node.head.lemma_.lower() in QUESTION_VERBS:
            return True
        if node.head.i == node.i:
            return False
        node = node.head


def _quoted_subject(subj: Token, r: Reading) -> bool:
    """A subject inside quotation marks for a verb outside them: the parser hung a
    participle on the quotation's verb ("Asserting that …, he said, "Pompeo is expected
    to visit …""), and the person named in someone else's words is not who speaks."""
    return bool(r.quotes) and in_quote(subj, r.quotes)


def _inside_speech_noun(tok: Token) -> bool:
    """A verb in the content clause of a speech noun ("the State Department's statement
    that Pompeo discussed terrorism", "reports that the envoy warned …") is what the
    noun's owner claims someone did, not a statement of that someone's own: the noun is
    read by `nominal_attributions`, and the sentence's speaker is whoever talks about it
    (often to dispute it), so the nested verb must not win as the deepest report."""
    node = tok
    while node.head.i != node.i:
        head = node.head
        if (
            node.dep_ in ("acl", "ccomp")
            and head.pos_ == "NOUN"
            and (head.lemma_.lower() in ATTRIBUTION_NOUNS or head.lemma_.lower() in DOCUMENTS)
            and has_that_clause(node)
        ):
            return True
        node = head
    return False


def reporting_verbs(r: Reading) -> Iterator[Candidate]:
    """ "X said / denounced / signalled (that) …", "… was announced by X"."""
    for tok in r.outside_quotes():
        if tok.pos_ != "VERB" or tok.lemma_.lower() not in REPORTING or _asked(tok):
            continue
        if _inside_speech_noun(tok):
            continue  # "Qureshi said the statement that Pompeo discussed … was false"
        if tok.dep_ == "xcomp" and tok.head.lemma_.lower() in ("decline", "refuse"):
            continue  # "declined to comment": nothing was said
        if any(c.dep_ == "aux" and c.lower_ in UNCERTAIN_MODALS for c in tok.children):
            continue  # "only the ISI could comment on this": nothing was said
        if any(c.dep_ == "neg" for c in tok.children):
            continue  # "decided not to tell Congress that …", "did not say whether …"
        # "… was announced by X", and the participle "a suspension announced by X"
        passive = any(c.dep_ == "auxpass" for c in tok.children) or (
            tok.tag_ == "VBN" and tok.dep_ in ("acl", "relcl") and agent_of(tok) is not None
        )
        if passive and not agent_of(tok):
            continue  # "Tillerson was told that …": the subject is the listener
        subj = agent_of(tok) if passive else subject_of(tok)
        if subj is None or _quoted_subject(subj, r):
            continue
        for speaker in _speakers(subj, r.ctx):
            yield Candidate(
                "reporting-verb", depth_of(tok), speaker, _ids(subj) | {tok.i}, tok, True
            )


def trailing_attributions(r: Reading) -> Iterator[Candidate]:
    """ "…,” a press release issued after the meeting said": the words between a closing
    quotation mark and a reporting verb name the speaker, even where the parser lost the
    verb's subject in a long quotation."""
    closes = [e for _s, e in r.quotes]
    for tok in r.outside_quotes():
        if tok.pos_ != "VERB" or tok.lemma_.lower() not in REPORTING:
            continue
        before = [e for e in closes if e < tok.idx]
        if not before:
            continue
        between = [t for t in r.tokens if before[-1] < t.idx < tok.idx]
        subj = subject_of(tok) or agent_of(tok)
        if subj is not None and (subj in between or subj.i > tok.i):
            continue  # the ordinary pattern reads it
        if not between or len(between) > 14 or any(t.lower_ in ("“", '"') for t in between):
            continue
        head = next(
            (
                t
                for t in between
                if t.pos_ in ("NOUN", "PROPN", "PRON")
                and t.dep_ not in ("compound", "amod", "poss", "nmod")
            ),
            None,
        )
        if head is None:
            continue
        for speaker in _speakers(head, r.ctx):
            ids = frozenset(t.i for t in between) | {tok.i}
            yield Candidate("trailing", 0, speaker, ids, tok, True)


def stance_verbs(r: Reading) -> Iterator[Candidate]:
    """ "Pakistan wants / rejects / hopes …"; a state announcing what it will do ("the US
    will …")."""
    for tok in r.outside_quotes():
        if tok.pos_ != "VERB":
            continue
        if tok.lemma_.lower() not in STANCE and not _commits(tok):
            continue
        if _asked(tok):
            continue
        subj = subject_of(tok)
        if subj is None or _quoted_subject(subj, r):
            continue
        for speaker in _speakers(subj, r.ctx):
            yield Candidate("stance-verb", depth_of(tok) + 1, speaker, _ids(subj), tok, False)


def stance_adjectives(r: Reading) -> Iterator[Candidate]:
    """ "X is hopeful that …", "officials are frustrated with …", "X remains committed to
    …": an adjective of attitude with a complement, predicated of the speaker (the parser
    reads "have been frustrated with" as a passive verb: the same reading)."""
    for tok in r.outside_quotes():
        word = tok.lower_ if tok.pos_ == "VERB" else tok.lemma_.lower()
        if word not in STANCE_ADJECTIVES:
            continue
        passive = tok.pos_ == "VERB" and any(c.dep_ == "auxpass" for c in tok.children)
        if tok.pos_ != "ADJ" and not passive:
            continue
        if not passive and tok.dep_ not in ("acomp", "ROOT", "oprd"):
            continue
        if not any(c.dep_ in ("ccomp", "xcomp", "prep") for c in tok.children):
            continue
        subj = subject_of(tok)
        if subj is None or _quoted_subject(subj, r):
            continue
        for speaker in _speakers(subj, r.ctx):
            yield Candidate("stance-adjective", depth_of(tok) + 1, speaker, _ids(subj), tok, False)


def stance_nouns(r: Reading) -> Iterator[Candidate]:
    """ "X's stance / position / view is that …"."""
    for tok in r.outside_quotes():
        if tok.pos_ != "NOUN" or tok.lemma_.lower() not in STANCE_NOUNS:
            continue
        owner = next((c for c in tok.children if c.dep_ == "poss"), None)
        if owner is None or tok.head.lemma_ != "be":
            continue
        for speaker in _speakers(owner, r.ctx):
            yield Candidate("stance-noun", depth_of(tok), speaker, _ids(tok), tok, False)


def nominal_attributions(r: Reading) -> Iterator[Candidate]:
    """ "X's announcement that …", "her warning last month that …", "a statement by X
    that …", "U.S. pressure to act against …": a speech or demand noun whose owner spoke
    and whose clause is what was said. A state written as the noun's modifier ("U.S.
    pressure", "American demands") owns it only with an infinitive or that-clause after
    it, so "U.S. aid" or "the American statement" alone say nothing."""
    for tok in r.outside_quotes():
        if tok.pos_ != "NOUN" or tok.lemma_.lower() not in ATTRIBUTION_NOUNS:
            continue
        that = any(c.dep_ in ("acl", "ccomp", "relcl") and has_that_clause(c) for c in tok.children)
        if not that and not any(_infinitive(c) for c in tok.children):
            continue
        owner = next((c for c in tok.children if c.dep_ == "poss"), None)
        if owner is None:
            by = next((c for c in tok.children if c.dep_ == "prep" and c.lower_ == "by"), None)
            owner = next((c for c in by.children if c.dep_ == "pobj"), None) if by else None
        if owner is None:
            owner = next(
                (
                    c
                    for c in tok.children
                    if c.dep_ in ("compound", "amod", "nmod")
                    and c.i < tok.i
                    and c.ent_type_ in ("GPE", "NORP")
                ),
                None,
            )
        if owner is None:
            continue
        attribution = _ids(owner) | {tok.i} | {c.i for c in tok.children if c.dep_ == "det"}
        for speaker in _speakers(owner, r.ctx):
            yield Candidate("nominal", depth_of(tok), speaker, frozenset(attribution), tok, True)


def _infinitive(clause: Token) -> bool:
    """An infinitival complement of a noun: "pressure to act", "a call to do more"."""
    return (
        clause.dep_ == "acl"
        and clause.pos_ in ("VERB", "AUX")
        and any(c.dep_ == "aux" and c.lower_ == "to" for c in clause.children)
    )


def has_that_clause(clause: Token) -> bool:
    """A content clause ("that the US would …"), not a relative one ("that he made")."""
    first = clause.doc[clause.left_edge.i]
    return first.lower_ == "that" and any(
        c.dep_ in ("nsubj", "nsubjpass", "expl") for c in clause.children
    )


def according_to(r: Reading) -> Iterator[Candidate]:
    """ "…, according to X": the lowest rank, since a reporting verb in the same unit names
    the speaker better."""
    doc = r.tokens[0].doc if r.tokens else None
    for tok in r.outside_quotes():
        if tok.lower_ != "according" or doc is None or tok.i + 1 >= len(doc):
            continue
        to = tok.nbor()
        if to.lower_ != "to":
            continue
        pobj = next((c for c in to.children if c.dep_ == "pobj"), None)
        if pobj is None:
            continue
        for speaker in _speakers(pobj, r.ctx):
            if speaker.kind == "body" and is_outlet(pobj):
                continue  # "according to Reuters": the outlet, not a party
            yield Candidate("according-to", -1, speaker, _ids(tok) | {to.i}, tok, True)


def _commits(verb: Token) -> bool:
    """ "Pakistan will remain engaged …", "the US must …": a state announcing what it will do."""
    if verb.pos_ != "VERB":
        return False
    modal = any(c.dep_ == "aux" and c.lower_ in COMMIT_MODALS for c in verb.children)
    subj = subject_of(verb)
    return modal and subj is not None and subj.ent_type_ in ("GPE", "NORP")


PATTERNS: tuple[Callable[[Reading], Iterator[Candidate]], ...] = (
    reporting_verbs,
    trailing_attributions,
    stance_verbs,
    stance_adjectives,
    stance_nouns,
    nominal_attributions,
    according_to,
)


def candidates(r: Reading) -> list[Candidate]:
    """Every pattern's readings of the unit, in document order of their triggers."""
    found = [c for pattern in PATTERNS for c in pattern(r)]
    return sorted(found, key=lambda c: c.trigger.i)
