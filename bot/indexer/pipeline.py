"""The indexer's one entry point: raw inputs in, ledger rows out, one transaction each.

Cheap checks (refusals, exact and near duplicates) run before spaCy so repeated or bad
input costs almost nothing; texts that pass are parsed in batches with `nlp.pipe` inside
`memory_zone` so a long bulk ingest does not grow the vocabulary without bound. Each
article (its story, row and positions) is written in a single transaction and the
duplicate checks are repeated inside it, so a crash or a concurrent ingest can neither
leave half an article nor store one twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from spacy.language import Language
from spacy.tokens import Doc
from sqlalchemy.exc import IntegrityError

from bot.indexer import dedup
from bot.indexer.actors import ActorDirectory, load_directory
from bot.indexer.clean import clean
from bot.indexer.dating import date_positions
from bot.indexer.nlp import load
from bot.indexer.positions import extract_positions
from bot.indexer.sources import decode, expand_inputs, load_file, load_text, load_url
from bot.indexer.statements import same_statement
from bot.indexer.summarize import summarize
from bot.indexer.tagging import Tagger, build_tagger
from bot.indexer.types import CleanArticle, ExtractedPosition, IngestRefused, RawArticle
from bot.indexer.validate import check_bytes, check_content
from bot.settings import Settings
from bot.topics import Taxonomy, load_taxonomy
from storage import ledger
from storage.db import Database

log = logging.getLogger(__name__)

Status = Literal["new", "duplicate", "near-duplicate", "refused"]


@dataclass
class IngestResult:
    status: Status
    name: str
    article_id: int | None = None
    title: str | None = None
    gist: str | None = None
    positions: list[ExtractedPosition] = field(default_factory=list)
    reason: str | None = None
    duplicate_of: int | None = None
    indexed_on: dt.date | None = None

    @property
    def ok(self) -> bool:
        return self.status != "refused"


@dataclass
class _Pending:
    clean: CleanArticle
    fingerprint: dedup.Fingerprint
    story_id: int | None  # set for a near-duplicate: joins that story
    near_of: int | None


class Indexer:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.taxonomy: Taxonomy = load_taxonomy(settings.topics_path)
        self.directory: ActorDirectory = load_directory(settings.actors_path)
        self.tagger: Tagger = build_tagger(self.taxonomy)

    @property
    def nlp(self):  # type: ignore[no-untyped-def]
        return load(self.settings.spacy_model)

    # ------------------------------------------------------------ convenience entry points

    def ingest_url(self, url: str, *, ingested_by: str | None = None) -> IngestResult:
        with self.db.session() as session:
            existing = ledger.article_by_url(session, url)
            if existing is not None:
                return _duplicate(url, existing)
        try:
            raw = load_url(url, self.settings, ingested_by=ingested_by)
        except IngestRefused as exc:
            return IngestResult("refused", url, reason=exc.reason)
        return self.ingest(raw)

    def ingest_text(
        self, text: str, *, origin: str = "chat", ingested_by: str | None = None
    ) -> IngestResult:
        try:
            raw = load_text(
                text,
                origin=origin,  # type: ignore[arg-type]
                ingested_by=ingested_by,
                settings=self.settings,
            )
        except IngestRefused as exc:
            return IngestResult("refused", f"<{origin}>", reason=exc.reason)
        return self.ingest(raw)

    def ingest(self, raw: RawArticle) -> IngestResult:
        return next(iter(self.ingest_many([raw])))

    def ingest_paths(
        self, args: list[str], *, stdin: Callable[[], str | bytes] | None = None
    ) -> Iterator[IngestResult]:
        """Files, directories, URLs and "-" (stdin); a bad input is a refusal, not a stop.

        `stdin` may return bytes (the CLI reads at most the size cap from the binary
        stream), which are checked and decoded exactly as a file's are.
        """

        def load_all() -> Iterator[RawArticle | IngestResult]:
            for item in expand_inputs(args):
                if not isinstance(item, Path) and item != "-":
                    yield self.ingest_url(item)  # refusals are results already
                    continue
                try:
                    if isinstance(item, Path):
                        yield load_file(item, settings=self.settings)
                    else:
                        yield load_text(self._stdin_text(stdin), settings=self.settings)
                except IngestRefused as exc:
                    yield IngestResult("refused", exc.name or str(item), reason=exc.reason)
                except Exception as exc:  # one unreadable input must not end the run
                    log.exception("ingest: reading %s failed", item)
                    yield _failed(str(item), "could not be read", exc)

        return self.ingest_many(load_all())

    def _stdin_text(self, stdin: Callable[[], str | bytes] | None) -> str:
        data = stdin() if stdin else ""
        if isinstance(data, str):
            return data
        check_bytes(data, "<stdin>", self.settings)
        return decode(data, "<stdin>")

    # ------------------------------------------------------------ the pipeline

    def ingest_many(self, raws: Iterable[RawArticle | IngestResult]) -> Iterator[IngestResult]:
        """Ingest in order, batching the model work; results already decided pass through.

        A batch closes at `ingest_batch_articles` articles or `ingest_batch_words` words,
        whichever comes first, which bounds peak memory for long articles without giving
        up `nlp.pipe`'s throughput on short ones.
        """
        batch: list[tuple[RawArticle, _Pending]] = []
        words = 0
        for raw in raws:
            if isinstance(raw, IngestResult):
                yield raw
                continue
            screened = self._screen(raw)
            if isinstance(screened, IngestResult):
                yield screened
                continue
            batch.append((raw, screened))
            words += len(screened.clean.text.split())
            if (
                len(batch) >= self.settings.ingest_batch_articles
                or words >= self.settings.ingest_batch_words
            ):
                yield from self._process(batch)
                batch, words = [], 0
        if batch:
            yield from self._process(batch)

    def _screen(self, raw: RawArticle) -> _Pending | IngestResult:
        """Refusals and exact duplicates, decided before any model work."""
        try:
            article = clean(raw)
            check_content(article, self.settings)
        except IngestRefused as exc:
            return IngestResult("refused", raw.name, reason=exc.reason)
        except Exception as exc:  # hostile markup can break the extractor: this file only
            log.exception("ingest: extracting %s failed", raw.name)
            return _failed(raw.name, "its text could not be extracted", exc)
        fingerprint = dedup.fingerprint(article.text)
        with self.db.session() as session:
            existing = ledger.find_duplicate(
                session, url=article.url, content_hash=fingerprint.hash
            )
            if existing is not None:
                return _duplicate(raw.name, existing)
            near = ledger.near_duplicate(
                session,
                article.text,
                fingerprint,
                self.settings.near_duplicate_threshold,
                dedup.shingle_similarity,
            )
        return _Pending(
            article, fingerprint, near.story_id if near else None, near.id if near else None
        )

    def _process(self, batch: list[tuple[RawArticle, _Pending]]) -> Iterator[IngestResult]:
        """Parse, extract and store each article of the batch.

        A failure caused by one article's content (a text past the model's `max_length`,
        a parse or extraction error) refuses that article alone; a database failure is
        not about one article, so it propagates and ends the run.
        """
        nlp = self.nlp
        texts = [p.clean.text for _raw, p in batch]
        with nlp.memory_zone():
            for (raw, pending), doc in zip(batch, _parse_each(nlp, texts), strict=True):
                if isinstance(doc, IngestRefused):
                    yield IngestResult("refused", raw.name, reason=doc.reason)
                    continue
                if isinstance(doc, Exception):
                    yield _failed(raw.name, "the language model could not parse it", doc)
                    continue
                article = pending.clean
                try:
                    positions: list[ExtractedPosition] = []
                    if pending.near_of is None:
                        positions = extract_positions(
                            doc,
                            directory=self.directory,
                            tagger=self.tagger,
                            published=article.published,
                        )
                        positions = date_positions(
                            doc, positions, article.published, article.date_precision
                        )
                    summary = summarize(doc, positions)
                except Exception as exc:
                    log.exception("ingest: extracting positions from %s failed", raw.name)
                    yield _failed(raw.name, "its positions could not be extracted", exc)
                    continue
                yield self._write(raw, pending, summary.text, summary.gist, positions)

    def _write(
        self,
        raw: RawArticle,
        pending: _Pending,
        summary: str,
        gist: str,
        positions: list[ExtractedPosition],
    ) -> IngestResult:
        article = pending.clean
        try:
            with self.db.session() as session:
                # checked again inside the transaction: another process may have won
                existing = ledger.find_duplicate(
                    session, url=article.url, content_hash=pending.fingerprint.hash
                )
                if existing is not None:
                    return _duplicate(raw.name, existing)
                row = ledger.add_article(
                    session,
                    article,
                    fingerprint=pending.fingerprint,
                    summary=summary,
                    gist=gist,
                    positions=positions,
                    story_id=pending.story_id,
                    same_statement=same_statement,
                )
                article_id = row.id
        except IntegrityError:
            with self.db.session() as session:
                existing = ledger.find_duplicate(
                    session, url=article.url, content_hash=pending.fingerprint.hash
                )
            if existing is None:
                raise
            return _duplicate(raw.name, existing)
        return IngestResult(
            "near-duplicate" if pending.near_of else "new",
            raw.name,
            article_id=article_id,
            title=article.title,
            gist=gist,
            positions=positions,
            duplicate_of=pending.near_of,
        )


def _parse_each(nlp: Language, texts: list[str]) -> Iterator[Doc | Exception]:
    """One Doc per text, in order, or the exception that text raised.

    A text longer than the model's `max_length` is refused without parsing (spaCy would
    raise for the whole batch). If the batched `pipe` fails anyway, the rest of the batch
    is parsed one text at a time, so only the text at fault is lost.
    """

    def too_long(text: str) -> IngestRefused | None:
        if len(text) <= nlp.max_length:
            return None
        return IngestRefused(
            f"too long for the language model ({len(text):,} characters of text, "
            f"limit {nlp.max_length:,})"
        )

    refusals = [too_long(text) for text in texts]
    parsed = nlp.pipe(t for t, refused in zip(texts, refusals, strict=True) if refused is None)
    for index, refused in enumerate(refusals):
        if refused is not None:
            yield refused
            continue
        try:
            yield next(parsed)
        except Exception:
            log.warning("ingest: batched parse failed; parsing one at a time", exc_info=True)
            for text, rest_refused in zip(texts[index:], refusals[index:], strict=True):
                if rest_refused is not None:
                    yield rest_refused
                    continue
                try:
                    yield nlp(text)
                except Exception as exc:
                    yield exc
            return


def _failed(name: str, what: str, exc: Exception) -> IngestResult:
    """A refusal for a failure of ours rather than of the input's form: one line naming
    the exception's type only (its message may quote the input or our internals; the
    traceback went to the log), and the run goes on."""
    return IngestResult("refused", name, reason=f"{what} ({type(exc).__name__}; see the log)")


def _duplicate(name: str, existing: ledger.ArticleRef) -> IngestResult:
    return IngestResult(
        "duplicate",
        name,
        article_id=existing.id,
        title=existing.title,
        gist=existing.gist,
        reason=f"already indexed on {existing.ingested_at:%Y-%m-%d}",
        duplicate_of=existing.id,
        indexed_on=existing.ingested_at.date(),
    )
