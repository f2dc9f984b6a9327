"""Extraction as a spaCy pipeline component (`bot.indexer.component`), on the real model.

The articles are invented for these tests (real officials' names so the actor directory
resolves them; the sentences quote nobody).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterable

import pytest
from spacy.language import Language
from spacy.tokens import Token
from sqlalchemy import text

from bot.indexer import stance
from bot.indexer.actors import load_directory
from bot.indexer.clean import clean
from bot.indexer.component import (
    NAME,
    Extraction,
    ExtractionContext,
    ExtractionFailed,
    add_to,
    extraction_of,
    with_context,
)
from bot.indexer.dating import date_positions
from bot.indexer.pipeline import Indexer
from bot.indexer.positions import extract_positions
from bot.indexer.sources import load_text
from bot.indexer.summarize import summarize
from bot.indexer.tagging import Tagger, build_tagger
from bot.settings import Settings
from bot.topics import load_taxonomy
from storage.db import Database

FENCE = """Pakistan and the United States argued on Tuesday over the border with Afghanistan and over the aid that Washington has held back since January.

“We will complete the fence along the border before winter, because it keeps militants out of our towns,” Khawaja Asif told a news conference in Islamabad.

Alice Wells said that Pakistan must close the sanctuaries of the Haqqani network before the suspended security aid could be released.

Officials from both countries said a further meeting on counterterrorism cooperation would be held in the summer.
"""  # noqa: E501

REFUGEES = """Pakistan allowed registered Afghan refugees to stay for another year, the interior ministry announced in Peshawar on Monday.

Shah Mehmood Qureshi said that the refugees must one day go home in dignity and that other countries should help carry the cost.

Relief groups welcomed the decision but said families needed more than a run of short extensions.
"""  # noqa: E501

# The statement the failing tagger trips on: an invented accord, named nowhere else.
MARKER = "Zorvani"
TRIPS = f"""Pakistan and the United States met in Doha on Wednesday to discuss trade and the border.

Khawaja Asif said that the {MARKER} accord on border trade must be honoured by both sides and that aid should resume.

Diplomats said the talks would continue next month in Washington.
"""  # noqa: E501


def direct(nlp: Language, settings: Settings, body: str, tagger: Tagger) -> Extraction:
    """What calling the extraction functions on a plain parse of the cleaned text gives."""
    article = clean(load_text(body, origin="chat", settings=settings))
    directory = load_directory(settings.actors_path)
    with nlp.memory_zone():
        doc = nlp(article.text)
        positions = extract_positions(
            doc, directory=directory, tagger=tagger, published=article.published
        )
        positions = date_positions(doc, positions, article.published, article.date_precision)
        positions = stance.annotate(doc, positions)
        summary = summarize(doc, positions)
    return Extraction(positions, summary.text, summary.gist)


def test_the_component_sits_after_the_models_own(nlp: Language) -> None:
    before = list(nlp.pipe_names)
    add_to(nlp)  # again: a second load path must not add a second copy
    assert nlp.pipe_names == before
    assert before[-1] == NAME
    assert before.count(NAME) == 1
    assert "parser" in before and "ner" in before  # the model's own are all still there


def test_ingest_stores_what_direct_extraction_finds(
    indexer: Indexer, db: Database, settings: Settings, nlp: Language
) -> None:
    expected = direct(nlp, settings, FENCE, indexer.tagger)
    assert expected.positions  # the comparison must be about something

    result = indexer.ingest_text(FENCE, origin="chat")

    assert result.status == "new", result.reason
    assert result.positions == expected.positions
    assert result.gist == expected.gist
    with db.session() as session:
        summary = session.execute(
            text("SELECT summary FROM articles WHERE id = :id"), {"id": result.article_id}
        ).scalar_one()
    assert summary == expected.summary


def test_a_doc_with_context_gets_the_same_through_the_pipe(
    nlp: Language, settings: Settings
) -> None:
    tagger = build_tagger(load_taxonomy(settings.topics_path))
    expected = direct(nlp, settings, FENCE, tagger)
    article = clean(load_text(FENCE, origin="chat", settings=settings))
    context = ExtractionContext(
        load_directory(settings.actors_path), tagger, article.published, article.date_precision
    )
    with nlp.memory_zone():
        (doc,) = nlp.pipe([with_context(nlp.make_doc(article.text), context)])
        found = extraction_of(doc)
    assert found == expected


def test_a_near_duplicate_context_summarises_without_positions(
    nlp: Language, settings: Settings
) -> None:
    tagger = build_tagger(load_taxonomy(settings.topics_path))
    article = clean(load_text(FENCE, origin="chat", settings=settings))
    context = ExtractionContext(
        load_directory(settings.actors_path),
        tagger,
        article.published,
        article.date_precision,
        positions=False,
    )
    with nlp.memory_zone():
        doc = nlp(with_context(nlp.make_doc(article.text), context))
        found = extraction_of(doc)
        alone = summarize(nlp(article.text), [])  # a summary that no positions steer
    assert isinstance(found, Extraction)
    assert found.positions == []
    assert (found.summary, found.gist) == (alone.text, alone.gist)


def test_a_plain_parse_is_left_alone(nlp: Language) -> None:
    with nlp.memory_zone():
        doc = nlp(FENCE)
        assert extraction_of(doc) is None
        assert len(list(doc.sents)) >= 4  # parsed all the same
        assert not any(key for key in doc.user_data if str(key).startswith(NAME))


@dataclasses.dataclass(frozen=True, eq=False)
class TaggerFailingOn(Tagger):
    """A real tagger that raises on a clause holding one word (a stand-in for a bug in
    extraction that only one article's content reaches)."""

    word: str = ""

    def tags_tokens(self, tokens: Iterable[Token], *, actor: str | None = None) -> list[str]:
        tokens = list(tokens)
        if any(t.text == self.word for t in tokens):
            raise ValueError("a clause this tagger cannot read")
        return super().tags_tokens(tokens, actor=actor)


class IndexerTaggingWith(Indexer):
    def __init__(self, db: Database, settings: Settings, tagger: Tagger) -> None:
        super().__init__(db, settings)
        self._given = tagger

    @property
    def tagger(self) -> Tagger:
        return self._given


def test_an_extraction_failure_refuses_that_article_alone(
    db: Database, settings: Settings, nlp: Language, caplog: pytest.LogCaptureFixture
) -> None:
    real = build_tagger(load_taxonomy(settings.topics_path))
    failing = TaggerFailingOn(real.cues, real.actor_topics, word=MARKER)
    indexer = IndexerTaggingWith(db, settings, failing)
    raws = [load_text(t, origin="chat", settings=settings) for t in (FENCE, TRIPS, REFUGEES)]

    with caplog.at_level(logging.ERROR):
        results = list(indexer.ingest_many(raws))

    assert [r.status for r in results] == ["new", "refused", "new"]
    assert results[1].reason == "its positions could not be extracted (ValueError; see the log)"
    assert results[0].positions == direct(nlp, settings, FENCE, real).positions
    assert any("extracting positions from <chat> failed" in r.message for r in caplog.records)
    with db.session() as session:
        stored = session.execute(text("SELECT count(*) FROM articles")).scalar_one()
    assert stored == 2


def test_the_component_keeps_no_article_state(nlp: Language, settings: Settings) -> None:
    """Two articles with different dates through one pipe: each dated by its own context."""
    tagger = build_tagger(load_taxonomy(settings.topics_path))
    directory = load_directory(settings.actors_path)
    article = clean(load_text(FENCE, origin="chat", settings=settings))
    days = (dt.date(2018, 1, 9), dt.date(2019, 6, 4))
    contexts = [ExtractionContext(directory, tagger, day, "day") for day in days]
    with nlp.memory_zone():
        docs = list(nlp.pipe(with_context(nlp.make_doc(article.text), c) for c in contexts))
        found = [extraction_of(d) for d in docs]
    assert all(isinstance(f, Extraction) and f.positions for f in found)
    dated = [{p.stated_on for p in f.positions} for f in found if isinstance(f, Extraction)]
    assert dated[0] != dated[1]
    assert not any(isinstance(f, ExtractionFailed) for f in found)
