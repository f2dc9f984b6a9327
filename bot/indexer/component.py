"""Our extraction as a spaCy pipeline component, run by `nlp.pipe` after the model's own.

Positions, their dates and stance, and the summary are read off each parsed Doc inside the
pipe, so the model's work and ours stream through one pass and `bench/ingest.py` can time
ours apart from the model's. What an article needs besides its text (the actor directory,
the tagger, its publication date and precision, whether it is a near-duplicate whose
positions are not extracted) travels on the Doc itself, in `doc.user_data`, set by
`with_context` on a Doc made with `nlp.make_doc`: the component holds no per-article
state, so one loaded pipeline serves every indexer and every batch.

A Doc without a context (`nlp(text)` called for evaluation, tests or the bench's sentence
pool) passes through untouched. A failure inside extraction is recorded on that Doc, not
raised: a raise would end `nlp.pipe` for the whole batch, and one bad article must be
refused alone.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from spacy.language import Language
from spacy.tokens import Doc

from bot.indexer.types import ExtractedPosition

if TYPE_CHECKING:
    from bot.indexer.actors import ActorDirectory
    from bot.indexer.tagging import Tagger

log = logging.getLogger(__name__)

NAME = "bot_extraction"
_CONTEXT = "bot_extraction.context"
_RESULT = "bot_extraction.result"


@dataclass(frozen=True)
class ExtractionContext:
    """What extraction needs about one article beyond its text."""

    directory: ActorDirectory
    tagger: Tagger
    published: dt.date
    date_precision: str
    positions: bool = True  # False for a near-duplicate: its story has them already
    name: str = "<article>"  # how the log names the article should extraction fail


@dataclass(frozen=True)
class Extraction:
    positions: list[ExtractedPosition]
    summary: str
    gist: str


@dataclass(frozen=True)
class ExtractionFailed:
    """Extraction raised for this Doc; the exception (its traceback already logged)."""

    error: Exception


def with_context(doc: Doc, context: ExtractionContext) -> Doc:
    """Mark an unparsed Doc (from `nlp.make_doc`) for extraction when it goes through the
    pipe."""
    doc.user_data[_CONTEXT] = context
    return doc


def extraction_of(doc: Doc) -> Extraction | ExtractionFailed | None:
    """What the component stored on the Doc; None when it had no context to run with."""
    found = doc.user_data.get(_RESULT)
    return found if isinstance(found, Extraction | ExtractionFailed) else None


def extract(doc: Doc, context: ExtractionContext) -> Extraction:
    """Positions (dated, with stance) and the summary of one parsed article."""
    from bot.indexer import stance
    from bot.indexer.dating import date_positions
    from bot.indexer.positions import extract_positions
    from bot.indexer.summarize import summarize

    positions: list[ExtractedPosition] = []
    if context.positions:
        positions = extract_positions(
            doc,
            directory=context.directory,
            tagger=context.tagger,
            published=context.published,
        )
        positions = date_positions(doc, positions, context.published, context.date_precision)
        positions = stance.annotate(doc, positions)
    summary = summarize(doc, positions)
    return Extraction(positions, summary.text, summary.gist)


class ExtractionComponent:
    """The pipeline step: extraction for each Doc that carries a context, nothing for the
    rest."""

    def __call__(self, doc: Doc) -> Doc:
        context = doc.user_data.pop(_CONTEXT, None)
        if not isinstance(context, ExtractionContext):
            return doc
        try:
            doc.user_data[_RESULT] = extract(doc, context)
        except Exception as exc:
            log.exception("ingest: extracting positions from %s failed", context.name)
            # logged; without its traceback it no longer holds the Doc's frames alive
            doc.user_data[_RESULT] = ExtractionFailed(exc.with_traceback(None))
        return doc


@Language.factory(NAME)
def make_extraction(nlp: Language, name: str) -> ExtractionComponent:
    return ExtractionComponent()


def add_to(nlp: Language) -> Language:
    """The component appended after the model's own, once however often this is called."""
    if NAME not in nlp.pipe_names:
        nlp.add_pipe(NAME, last=True)
    return nlp
