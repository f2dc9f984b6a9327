"""Positions: who (speaking for which state) took what stance on which topic, with evidence.

Pure functions over a parsed `Doc`. The article is read in order, as a person would:
paragraphs (decks and crossheads set aside), interview labels ("Chaudhry: …"), quotes
that may span sentences or never close. For each unit of text:

- `patterns` yields every reading of who speaks — one named generator per way reporters
  attribute (reporting verbs by class, stance verbs, adjectives and nouns, speech nouns
  with their owner, "according to", trailing attributions after a quote);
- `attribution` chooses among them and cuts each speaker's statement out of the unit
  (several speakers when subjects are conjoined, clauses independent, or a charge is
  reported with its denial);
- `actions` finds the official acts the unit reports (aid cut, sale approved, deal
  signed, envoy summoned), by verb class, in active, passive and announced forms;
- `speakers` resolves each mention to the state it speaks for: the gazetteer, titles,
  pronouns, definite descriptions, documents and meetings to the body behind them — and
  to nobody when the text does not tell (a missing line is better than a wrong one).

Adding a way of attributing is one generator in `patterns.PATTERNS`; adding a kind of
act is one line of `vocabulary.ACTS`.

Topics come from the *content* of a unit (the quote or the reported clause), never from
the attribution, so "Asif said, after the US suspended aid, that …" does not make Asif a
speaker on aid.
"""

from __future__ import annotations

import datetime as dt

from spacy.tokens import Doc

from bot.indexer.actors import ActorDirectory
from bot.indexer.positions.actions import (
    find_actions,
)
from bot.indexer.positions.attribution import (
    Attribution,
    attribute,
    content_tokens,
    has_unresolved_attribution,
)
from bot.indexer.positions.claims import (
    claim_from_tokens,
    dedupe_positions,
    kind_for,
)
from bot.indexer.positions.speakers import (
    ArticleContext,
    Speaker,
    note_mentions,
    note_subject,
    resolve_name,
)
from bot.indexer.positions.syntax import doc_text
from bot.indexer.positions.units import (
    Unit,
    answer_tokens,
    find_units,
    in_answer,
    mostly_quoted,
    quoted_spans,
    unit_evidence,
)
from bot.indexer.positions.vocabulary import (
    DENIAL_ANAPHOR,
)
from bot.indexer.tagging import Tagger
from bot.indexer.types import ExtractedPosition


def extract_positions(
    doc: Doc,
    *,
    directory: ActorDirectory,
    tagger: Tagger,
    published: dt.date | None = None,
) -> list[ExtractedPosition]:
    text = doc_text(doc)
    ctx = ArticleContext(directory, published)
    ctx.ents = list(doc.ents)
    units = list(find_units(doc))
    out: list[ExtractedPosition] = []
    question_topics: list[str] = []
    answer_started = False
    interview_speaker: Speaker | None = None
    prev_unattributed: Unit | None = None
    unplaced_paragraph = -1

    for i, unit in enumerate(units):
        ctx.unit_index = i
        if unit.furniture:
            continue
        if unit.question:
            question_topics = tagger.tags_tokens([t for s in unit.sents for t in s])
            answer_started = False
            continue
        if unit.label:
            label_speaker = resolve_name(unit.label, ctx)
            if label_speaker is not None:
                interview_speaker = label_speaker
                ctx.remember(label_speaker)

        action_spans: list[tuple[int, int]] = []
        for action, span in find_actions(unit, text, ctx, tagger):
            out.append(action)
            action_spans.append(span)

        found = attribute(unit, text, ctx, units[i + 1] if i + 1 < len(units) else None)
        if not found and interview_speaker is not None and in_answer(units, i):
            found = [Attribution(interview_speaker, answer_tokens(unit, text), "quote", "answer")]
        if not found and has_unresolved_attribution(unit, text):
            # the quote's speaker is named but unplaceable; so is the rest of the paragraph
            unplaced_paragraph = unit.paragraph
        if (
            not found
            and mostly_quoted(unit, text)
            and prev_unattributed is None
            and unplaced_paragraph != unit.paragraph
        ):
            carry = ctx.last_any if unit.paragraph - ctx.last_unit_paragraph <= 1 else None
            if carry is not None:
                found = [Attribution(carry, content_tokens(unit, set()), "quote", "carry-over")]
        if not found:
            prev_unattributed = unit if not mostly_quoted(unit, text) else None
            note_mentions(unit, ctx)
            note_subject(unit, ctx)
            continue
        prev_unattributed = None
        first = found[0].speaker
        for statement in reversed(found):
            ctx.remember(statement.speaker)
        ctx.last_unit_paragraph = unit.paragraph
        note_mentions(unit, ctx)
        if first.kind == "person":
            ctx.last_subject, ctx.last_subject_unit = first, i
        else:
            note_subject(unit, ctx)

        evidence = unit_evidence(text, unit)
        quoted = quoted_spans(text, unit)
        denial_answer = (
            unit.label is not None and not answer_started and DENIAL_ANAPHOR.search(evidence)
        )
        answer_started = answer_started or unit.label is not None
        unit_tokens = [t for s in unit.sents for t in s]
        for speaker, content, kind, _pattern in found:
            if not content and not mostly_quoted(unit, text):
                continue  # an attribution with nothing attributed ("X said so")
            topics = tagger.tags_tokens(content or unit_tokens, actor=speaker.actor)
            if not topics and not unit.label and kind == "quote":
                # nothing in the quote itself: what the attribution says it responds to
                # ("…,” the FO said while reacting to the suspension of aid) — but not
                # another actor's act reported beside it ("…, after the US suspended aid")
                topics = tagger.tags_tokens(
                    [t for t in unit_tokens if not any(a <= t.idx < b for a, b in action_spans)],
                    actor=speaker.actor,
                )
            if not topics and denial_answer:
                # "It is an absurd suggestion": a denial answers the question's topics
                topics = list(question_topics)
            # one claim per statement, however many topics it is filed under
            claim = (
                claim_from_tokens(content or answer_tokens(unit, text), speaker.name)
                if topics
                else ""
            )
            for topic in topics:
                out.append(
                    ExtractedPosition(
                        actor=speaker.actor,
                        speaker=speaker.name,
                        speaker_office=speaker.office,
                        topic=topic,
                        claim=claim,
                        evidence=evidence,
                        kind=kind_for(kind, topic, evidence, quoted, tagger, unit.start),
                    )
                )
    return dedupe_positions(out)


__all__ = ["extract_positions"]
