"""Official acts that express a stance — aid suspended, funds withheld, a directive issued
— found apart from any statement in the same sentence, so an act reported beside
someone's words is the actor's, not the speaker's.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.indexer.positions.claims import (
    claim_from_tokens,
)
from bot.indexer.positions.speakers import (
    Speaker,
    _Context,
    _resolve_mention,
)
from bot.indexer.positions.syntax import (
    _agent,
    _subject,
)
from bot.indexer.positions.units import (
    Unit,
    _in_quote,
    _quoted_spans,
)
from bot.indexer.positions.vocabulary import (
    ACTION_OBJECTS,
    ACTIONS,
)
from bot.indexer.tagging import Tagger
from bot.indexer.types import ExtractedPosition


def _actions(
    unit: Unit, text: str, ctx: _Context, tagger: Tagger
) -> Iterator[tuple[ExtractedPosition, tuple[int, int]]]:
    """Official acts that express a stance: aid suspended or withheld, a directive issued.

    Yields each position with the character span of its clause, so the clause is not
    also read as part of someone's statement.
    """
    quotes = _quoted_spans(text, unit)
    for sent in unit.sents:
        for tok in sent:
            if tok.pos_ != "VERB" or _in_quote(tok, quotes):
                continue
            lemma = tok.lemma_.lower()
            negated_offer = lemma in ("offer", "provide", "give") and (
                any(c.dep_ == "neg" for c in tok.children)
                or any(c.dep_ == "neg" for c in tok.head.children if tok.dep_ == "xcomp")
            )
            if lemma not in ACTIONS and not negated_offer:
                continue
            if any(c.dep_ == "aux" and c.tag_ == "MD" for c in tok.children):
                continue  # "would cut", "could be restored": a threat or a condition, not an act
            if (
                lemma in ("offer", "provide", "release", "restore", "resume", "grant")
                and not negated_offer
            ):
                continue
            clause = tok.doc[tok.left_edge.i : tok.right_edge.i + 1]
            objects = " ".join(
                c.subtree.__iter__().__next__().doc[c.left_edge.i : c.right_edge.i + 1].text
                for c in tok.children
                if c.dep_ in ("dobj", "nsubjpass", "prep", "xcomp", "ccomp")
            )
            if not ACTION_OBJECTS.search(objects):
                continue
            passive = any(c.dep_ == "auxpass" for c in tok.children)
            subj = _agent(tok) if passive else _subject(tok)
            if subj is None and tok.dep_ == "xcomp":
                subj = _subject(tok.head)
            speaker = _resolve_mention(subj, ctx) if subj is not None else None
            if speaker is None and passive:
                # "… was directed in the last cabinet meeting": the body named in the clause
                for t in clause:
                    body = ctx.directory.body(t.text) if t.pos_ in ("NOUN", "PROPN") else None
                    if body is not None:
                        speaker = Speaker(body.actor, body.name, None, "body")
                        break
            if speaker is None:
                continue
            evidence = sent.text.strip()
            span = (clause.start_char, clause.end_char)
            if negated_offer and tok.dep_ == "xcomp":
                # "decided not to offer …": the decision, not the bare infinitive
                head = tok.head
                clause = head.doc[head.i : tok.right_edge.i + 1]
            for topic in tagger.tags(clause.text):
                yield (
                    ExtractedPosition(
                        actor=speaker.actor,
                        speaker=speaker.name,
                        speaker_office=speaker.office,
                        topic=topic,
                        claim=claim_from_tokens(list(clause), speaker.name),
                        evidence=evidence,
                        kind="action",
                    ),
                    span,
                )
