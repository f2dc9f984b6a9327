"""Positions: who (speaking for which state) took what stance on which topic, with evidence.

Pure functions over a parsed `Doc`. The article is read in order, as a person would:
paragraphs, interview labels ("Chaudhry: …"), quotes that may span sentences or never
close, then for each unit of text the attribution — a reporting verb and its subject, a
colon-introduced quote, "according to X", "X's stance is that …", or the speaker carried
over from the previous paragraph — and the official actions a sentence reports. Mentions
resolve to states through `ActorDirectory`; pronouns and bare titles ("the minister")
point back to the last fitting speaker.

Topics come from the *content* of a unit (the quote or the reported clause), never from
the attribution, so "Asif said, after the US suspended aid, that …" does not make Asif a
speaker on aid.
"""

from __future__ import annotations

import datetime as dt

from spacy.tokens import Doc

from bot.indexer.actors import ActorDirectory
from bot.indexer.positions.actions import (
    _actions,
)
from bot.indexer.positions.attribution import (
    _attribute,
    _content_tokens,
    _has_unresolved_attribution,
)
from bot.indexer.positions.claims import (
    _dedupe,
    _kind_for,
    claim_from_tokens,
)
from bot.indexer.positions.speakers import (
    Speaker,
    _Context,
    _default_actor,
    _note_mentions,
    _note_subject,
    _resolve_name,
)
from bot.indexer.positions.syntax import (
    _text_of,
)
from bot.indexer.positions.units import (
    Unit,
    _answer_tokens,
    _evidence,
    _in_answer,
    _mostly_quoted,
    _quoted_spans,
    _unit_text,
    _units,
    _without,
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
    text = doc.text
    ctx = _Context(directory, published, _default_actor(text, directory))
    ctx.ents = list(doc.ents)
    units = list(_units(doc))
    out: list[ExtractedPosition] = []
    question_topics: list[str] = []
    answer_started = False
    interview_speaker: Speaker | None = None
    prev_unattributed: Unit | None = None
    unplaced_paragraph = -1

    for i, unit in enumerate(units):
        ctx.unit_index = i
        if unit.question:
            question_topics = tagger.tags(_unit_text(text, unit))
            answer_started = False
            continue
        if unit.label:
            label_speaker = _resolve_name(unit.label, ctx)
            if label_speaker is not None:
                interview_speaker = label_speaker
                ctx.remember(label_speaker)

        action_spans: list[tuple[int, int]] = []
        for action, span in _actions(unit, text, ctx, tagger):
            out.append(action)
            action_spans.append(span)

        found = _attribute(unit, text, ctx, units[i + 1] if i + 1 < len(units) else None)
        if found is None and interview_speaker is not None and _in_answer(units, i):
            found = (interview_speaker, _answer_tokens(unit, text), "quote")
        if found is None and _has_unresolved_attribution(unit, text):
            # the quote's speaker is named but unplaceable; so is the rest of the paragraph
            unplaced_paragraph = unit.paragraph
        if (
            found is None
            and _mostly_quoted(unit, text)
            and prev_unattributed is None
            and unplaced_paragraph != unit.paragraph
        ):
            carry = ctx.last_any if unit.paragraph - ctx.last_unit_paragraph <= 1 else None
            if carry is not None:
                found = (carry, _content_tokens(unit, set()), "quote")
        if found is None:
            prev_unattributed = unit if not _mostly_quoted(unit, text) else None
            _note_mentions(unit, ctx)
            _note_subject(unit, ctx)
            continue
        prev_unattributed = None
        speaker, content, kind = found
        ctx.remember(speaker)
        ctx.last_unit_paragraph = unit.paragraph
        _note_mentions(unit, ctx)
        if speaker.kind == "person":
            ctx.last_subject, ctx.last_subject_unit = speaker, i
        else:
            _note_subject(unit, ctx)

        evidence = _evidence(text, unit)
        content_text = _text_of(content) if content else evidence
        topics = tagger.tags(content_text, actor=speaker.actor)
        if not topics and not unit.label:
            # nothing in the quote itself: what the attribution says it responds to
            # ("…,” the FO said while reacting to the suspension of aid) — but not another
            # actor's act reported beside it ("…, after the US suspended aid")
            topics = tagger.tags(_without(text, unit, action_spans), actor=speaker.actor)
        if (
            not topics
            and unit.label is not None
            and not answer_started
            and DENIAL_ANAPHOR.search(evidence)
        ):
            # "It is an absurd suggestion": a denial answers the question's topics
            topics = list(question_topics)
        answer_started = answer_started or unit.label is not None
        quoted = _quoted_spans(text, unit)
        for topic in topics:
            out.append(
                ExtractedPosition(
                    actor=speaker.actor,
                    speaker=speaker.name,
                    speaker_office=speaker.office,
                    topic=topic,
                    claim=claim_from_tokens(content or _answer_tokens(unit, text), speaker.name),
                    evidence=evidence,
                    kind=_kind_for(kind, topic, evidence, quoted, tagger, unit.start),
                )
            )
    return _dedupe(out)


__all__ = ["extract_positions"]
