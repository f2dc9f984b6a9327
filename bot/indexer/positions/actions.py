"""Official acts that express a stance — aid suspended, a sale approved, a deal signed, an
envoy summoned, a leader hosted — found apart from any statement in the same sentence, so
an act reported beside someone's words is the actor's, not the speaker's.

An act is a verb of one of the classes in `vocabulary.ACTS` (or a light verb with an act
noun: "completed its withdrawal", "held talks"), whose object is of the kind that class
acts on, in the active, passive or announced ("will", "would") form. A condition ("could",
"might", "if …") is not an act.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from spacy.tokens import Token

from bot.indexer.positions.claims import (
    claim_from_tokens,
)
from bot.indexer.positions.speakers import (
    ArticleContext,
    Speaker,
    phrase_of,
    resolve_mention,
)
from bot.indexer.positions.syntax import (
    agent_of,
    subject_of,
)
from bot.indexer.positions.units import (
    Unit,
    in_quote,
    quoted_spans,
)
from bot.indexer.positions.vocabulary import (
    ACT_NOUNS,
    ACT_OBJECTS,
    ACTS,
    CONDITIONAL_MARKS,
    LIGHT_VERBS,
    TIME_MARKS,
    UNCERTAIN_MODALS,
)
from bot.indexer.tagging import Tagger
from bot.indexer.types import ExtractedPosition


def _act_class(tok: Token) -> tuple[str, str | None] | None:
    """(object class, default topic) when `tok` performs an act; None otherwise."""
    lemma = tok.lemma_.lower()
    if lemma in ACTS:
        return ACTS[lemma]
    if lemma in LIGHT_VERBS:
        # "completed its withdrawal", "held talks with", "lodged a protest"
        for child in tok.children:
            if child.dep_ in ("dobj", "nsubjpass") and child.lemma_.lower() in ACT_NOUNS:
                return ("any", ACT_NOUNS[child.lemma_.lower()])
    if lemma in ("begin", "start", "plan", "decide", "agree", "move", "continue"):
        # "has started fencing the border", "is planning to send a delegation"
        for child in tok.children:
            if child.dep_ == "xcomp" and child.pos_ == "VERB" and child.lemma_.lower() in ACTS:
                return None  # the act is read on the complement, which inherits the subject
    return None


def _objects_text(tok: Token) -> str:
    """The words of what the verb acts on, without relative clauses describing them ("aid
    through programmes under which Washington pays …" receives no one called Washington)."""
    described = {
        t.i
        for c in tok.children
        for d in c.subtree
        if d.dep_ == "relcl" and d.i != tok.i
        for t in d.subtree
    }
    return " ".join(
        "".join(t.text_with_ws for t in c.subtree if t.i not in described).strip()
        for c in tok.children
        if c.dep_ in ("dobj", "nsubjpass", "prep", "xcomp", "ccomp", "dative", "attr", "advcl")
    )


def _conditional(tok: Token) -> bool:
    """ "could be restored", "might cut", "if Pakistan acts, the US would …"."""
    if any(c.dep_ == "aux" and c.lower_ in UNCERTAIN_MODALS for c in tok.children):
        return True
    node = tok
    while node.head.i != node.i:
        if node.dep_ == "advcl" and any(
            c.dep_ == "mark" and c.lower_ in CONDITIONAL_MARKS for c in node.children
        ):
            return True
        if any(c.dep_ == "mark" and c.lower_ in CONDITIONAL_MARKS for c in node.children):
            return True
        node = node.head
    return False


def _dates_another_clause(tok: Token) -> bool:
    """A meeting, visit or call named only to date the clause it hangs on ("said …, after he
    met the secretary", "before visiting Washington, the minister said …"): the encounter is
    when the statement was made, not an act reported in its own right."""
    return (
        tok.dep_ in ("advcl", "pcomp")
        and any(c.dep_ == "mark" and c.lower_ in TIME_MARKS for c in tok.children)
    ) or (tok.dep_ == "pcomp" and tok.head.lower_ in TIME_MARKS)


def _actors(tok: Token, ctx: ArticleContext) -> list[Speaker]:
    """Who performed the act: the agent of a passive, the subject (and the subjects
    conjoined to it) of an active, the subject a complement inherits ("Pakistan has
    started fencing …")."""
    # "a package approved by X" is passive; "a president who has hosted …" is not
    passive = any(c.dep_ == "auxpass" for c in tok.children) or (
        tok.tag_ == "VBN"
        and tok.dep_ in ("acl", "relcl")
        and not any(c.dep_ == "aux" for c in tok.children)
    )
    subj = agent_of(tok) if passive else subject_of(tok)
    if subj is None and tok.dep_ in ("xcomp", "pcomp"):
        subj = subject_of(tok.head)
    if subj is None and tok.dep_ == "acl" and tok.tag_ == "VBG":
        # "with the Pakistani government summoning the ambassador"
        subj = tok.head if tok.head.pos_ in ("NOUN", "PROPN") else None
    found: list[Speaker] = []
    if subj is not None:
        for part in [subj, *(c for c in subj.conjuncts if c.i > subj.i)]:
            speaker = resolve_mention(part, ctx)
            if speaker is not None and speaker not in found:
                found.append(speaker)
    if not found and passive:
        # "there is a consensus in the Pakistani cabinet … and the ministry was directed
        # in the last cabinet meeting": the body named in the clause, else the last one
        # named before it in the sentence
        heads = [t for t in tok.subtree if t.pos_ in ("NOUN", "PROPN")] + [
            t for t in reversed(list(tok.sent)) if t.i < tok.i and t.pos_ in ("NOUN", "PROPN")
        ]
        for t in heads:
            body = ctx.directory.body(phrase_of(t))
            if body is not None:
                found.append(Speaker(body.actor, body.name, None, "body"))
                break
    return found


def _third_place(tok: Token, ctx: ArticleContext) -> bool:
    """A visit, call or meeting whose object is a place of a third state ("will visit Saudi
    Arabia", "visited Beijing"): an encounter with neither of the two sides says nothing
    of their relationship. (A two-word capitalised object otherwise reads as a person.)"""
    for child in tok.children:
        if child.dep_ != "dobj" or child.ent_type_ not in ("GPE", "LOC"):
            continue
        state = ctx.directory.state(phrase_of(child))
        return state not in ("United States", "Pakistan")
    return False


def find_actions(
    unit: Unit, text: str, ctx: ArticleContext, tagger: Tagger
) -> Iterator[tuple[ExtractedPosition, tuple[int, int]]]:
    """Official acts that express a stance, each with the character span of its clause, so
    the clause is not also read as part of someone's statement."""
    quotes = quoted_spans(text, unit)
    for sent in unit.sents:
        for tok in sent:
            if tok.pos_ != "VERB" or in_quote(tok, quotes):
                continue
            act = _act_class(tok)
            negated_offer = tok.lemma_.lower() in ("offer", "provide", "give") and (
                any(c.dep_ == "neg" for c in tok.children)
                or any(c.dep_ == "neg" for c in tok.head.children if tok.dep_ == "xcomp")
            )
            if act is None and negated_offer:
                act = ("aid", "security-aid")
            if act is None or _conditional(tok):
                continue
            if act[0] == "person" and _dates_another_clause(tok):
                continue  # "…, the minister said, after he met the envoy": when, not what
            if tok.dep_ == "relcl" and any(
                c.dep_.startswith("nsubj") and c.lower_ in ("who", "which", "that")
                for c in tok.children
            ):
                continue  # "Alice Wells, who visited Pakistan last week": background
            object_class, default_topic = act
            if object_class == "person" and _third_place(tok, ctx):
                continue  # "the prime minister will visit Saudi Arabia": not the two of them
            objects = _objects_text(tok)
            pattern = ACT_OBJECTS.get(object_class)
            if pattern is not None and not re.search(pattern, objects, re.I):
                continue
            actors = _actors(tok, ctx)
            if not actors:
                continue
            clause = tok.doc[tok.left_edge.i : tok.right_edge.i + 1]
            span = (clause.start_char, clause.end_char)
            if negated_offer and tok.dep_ == "xcomp":
                # "decided not to offer …": the decision, not the bare infinitive
                clause = tok.doc[tok.head.i : tok.right_edge.i + 1]
            evidence = sent.text.strip()
            for speaker in actors:
                topics = tagger.tags_tokens(clause, actor=speaker.actor)
                if not topics and default_topic is not None:
                    topics = [default_topic]
                claim = claim_from_tokens(list(clause), speaker.name) if topics else ""
                for topic in topics:
                    yield (
                        ExtractedPosition(
                            actor=speaker.actor,
                            speaker=speaker.name,
                            speaker_office=speaker.office,
                            topic=topic,
                            claim=claim,
                            evidence=evidence,
                            kind="action",
                        ),
                        span,
                    )
