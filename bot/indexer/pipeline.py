"""The indexer's one entry point: raw inputs in, ledger rows out, one transaction each.

Cheap checks (refusals, exact and near duplicates) run before spaCy so repeated or bad
input costs almost nothing; texts that pass are parsed in batches with `nlp.pipe` inside
`memory_zone` so a long bulk ingest does not grow the vocabulary without bound. Each batch
(its stories, articles, positions and audit rows) is written in a single transaction with
bulk inserts, after every article of it is parsed, and the duplicate checks are repeated
inside it in one look-up, so a crash or a concurrent ingest can neither leave half an
article nor store one twice. Should another process store one of the batch's articles
between the check and the write, the batch is written again one article at a time.

spaCy, the extraction modules and the web-fetch stack are imported when first needed, so
a process that has nothing to index (a seeded `make run`) never loads them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.indexer import dedup, stories
from bot.indexer.actors import ActorDirectory, load_directory
from bot.indexer.clean import clean
from bot.indexer.sources import decode, expand_inputs, load_file, load_text, load_url
from bot.indexer.statements import same_statement
from bot.indexer.types import CleanArticle, ExtractedPosition, IngestRefused, RawArticle
from bot.indexer.validate import check_bytes, check_content
from bot.settings import Settings
from bot.topics import Taxonomy, load_taxonomy
from storage import audit as audit_log
from storage import ledger
from storage import stories as story_store
from storage.db import Database

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

    from bot.indexer.component import ExtractionContext
    from bot.indexer.tagging import Tagger

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


@dataclass
class _Parsed:
    """An article of a batch, parsed and extracted, waiting for the batch's write."""

    raw: RawArticle
    pending: _Pending
    summary: str
    gist: str
    positions: list[ExtractedPosition]


@dataclass(frozen=True)
class AuditAs:
    """Who ingests: each stored article gets an audit row in its batch's transaction."""

    user: str | None
    platform: str


class Indexer:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.taxonomy: Taxonomy = load_taxonomy(settings.topics_path)
        self.directory: ActorDirectory = load_directory(settings.actors_path)
        self._tagger: Tagger | None = None

    @property
    def tagger(self) -> Tagger:
        if self._tagger is None:
            from bot.indexer.tagging import build_tagger

            self._tagger = build_tagger(self.taxonomy)
        return self._tagger

    @property
    def nlp(self) -> Language:
        from bot.indexer.nlp import load

        return load(self.settings.spacy_model)

    # ------------------------------------------------------------ convenience entry points

    def ingest_url(
        self, url: str, *, ingested_by: str | None = None, audit_as: AuditAs | None = None
    ) -> IngestResult:
        with self.db.session() as session:
            existing = ledger.article_by_url(session, url)
            if existing is not None:
                return _duplicate(url, existing)
        try:
            raw = load_url(url, self.settings, ingested_by=ingested_by)
        except IngestRefused as exc:
            return IngestResult("refused", url, reason=exc.reason)
        return self.ingest(raw, audit_as=audit_as)

    def ingest_text(
        self,
        text: str,
        *,
        origin: str = "chat",
        ingested_by: str | None = None,
        audit_as: AuditAs | None = None,
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
        return self.ingest(raw, audit_as=audit_as)

    def ingest(self, raw: RawArticle, *, audit_as: AuditAs | None = None) -> IngestResult:
        return next(iter(self.ingest_many([raw], audit_as=audit_as)))

    def ingest_paths(
        self,
        args: list[str],
        *,
        stdin: Callable[[], str | bytes] | None = None,
        audit_as: AuditAs | None = None,
    ) -> Iterator[IngestResult]:
        """Files, directories, URLs and "-" (stdin); a bad input is a refusal, not a stop.

        `stdin` may return bytes (the CLI reads at most the size cap from the binary
        stream), which are checked and decoded exactly as a file's are.
        """

        def load_all() -> Iterator[RawArticle | IngestResult]:
            for item in expand_inputs(args):
                if not isinstance(item, Path) and item != "-":
                    yield self.ingest_url(item, audit_as=audit_as)  # refusals are results
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

        return self.ingest_many(load_all(), audit_as=audit_as)

    def _stdin_text(self, stdin: Callable[[], str | bytes] | None) -> str:
        data = stdin() if stdin else ""
        if isinstance(data, str):
            return data
        check_bytes(data, "<stdin>", self.settings)
        return decode(data, "<stdin>")

    # ------------------------------------------------------------ the pipeline

    def ingest_many(
        self, raws: Iterable[RawArticle | IngestResult], *, audit_as: AuditAs | None = None
    ) -> Iterator[IngestResult]:
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
                yield from self._process(batch, audit_as)
                batch, words = [], 0
        if batch:
            yield from self._process(batch, audit_as)

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

    def _process(
        self, batch: list[tuple[RawArticle, _Pending]], audit_as: AuditAs | None
    ) -> Iterator[IngestResult]:
        """Parse and extract every article of the batch, then write the batch.

        Extraction runs inside `nlp.pipe` as the pipeline's last component, fed Docs that
        carry each article's context; this reads what it left on each Doc. A failure
        caused by one article's content (a text past the model's `max_length`, a parse or
        extraction error) refuses that article alone; a database failure is not about one
        article, so it propagates and ends the run.
        """
        from bot.indexer.component import (
            ExtractionContext,
            ExtractionFailed,
            extraction_of,
        )

        nlp = self.nlp
        contexts = [
            ExtractionContext(
                self.directory,
                self.tagger,
                p.clean.published,
                p.clean.date_precision,
                positions=p.near_of is None,
                name=raw.name,
            )
            for raw, p in batch
        ]
        texts = [p.clean.text for _raw, p in batch]
        done: list[IngestResult | _Parsed] = []
        with nlp.memory_zone():
            parsed_docs = _parse_each(nlp, texts, contexts)
            for (raw, pending), doc in zip(batch, parsed_docs, strict=True):
                if isinstance(doc, IngestRefused):
                    done.append(IngestResult("refused", raw.name, reason=doc.reason))
                    continue
                if isinstance(doc, Exception):
                    done.append(_failed(raw.name, "the language model could not parse it", doc))
                    continue
                found = extraction_of(doc)
                if found is None:  # the component did not run: not this article's fault
                    raise RuntimeError(
                        "the extraction component is not in the pipeline (nlp.load adds it)"
                    )
                if isinstance(found, ExtractionFailed):
                    done.append(
                        _failed(raw.name, "its positions could not be extracted", found.error)
                    )
                    continue
                done.append(_Parsed(raw, pending, found.summary, found.gist, found.positions))
        parsed = [d for d in done if isinstance(d, _Parsed)]
        written: dict[int, IngestResult] = {}
        if parsed:
            try:
                with self.db.session() as session:
                    written = self._write_batch(session, parsed, audit_as)
            except IntegrityError:
                # another process stored one of them since the look-up: one at a time
                log.info("ingest: a concurrent write won; writing the batch one by one")
                written = {id(p): self._write(p, audit_as) for p in parsed}
        for d in done:
            yield written[id(d)] if isinstance(d, _Parsed) else d

    def _write_batch(
        self, session: Session, parsed: list[_Parsed], audit_as: AuditAs | None
    ) -> dict[int, IngestResult]:
        """The batch in the caller's transaction: the duplicate re-check for all of it in
        one look-up (another process may have won, or two copies may share the batch),
        then one bulk write."""
        by_url, by_hash = ledger.duplicates_of(
            session,
            urls=[p.pending.clean.url for p in parsed if p.pending.clean.url],
            hashes=[p.pending.fingerprint.hash for p in parsed],
        )
        out: dict[int, IngestResult] = {}
        to_write: list[ledger.NewArticle] = []
        writing: list[_Parsed] = []
        first_copy: dict[int, int] = {}  # id(parsed) -> index in to_write of its first copy
        seen_hash: dict[str, int] = {}
        seen_url: dict[str, int] = {}
        nearby: list[tuple[int, CleanArticle]] = []  # this batch's day-dated articles
        for p in parsed:
            article, fp = p.pending.clean, p.pending.fingerprint
            existing = by_hash.get(fp.hash) or (by_url.get(article.url) if article.url else None)
            if existing is not None:
                out[id(p)] = _duplicate(p.raw.name, existing)
                continue
            earlier = seen_hash.get(fp.hash)
            if earlier is None and article.url:
                earlier = seen_url.get(article.url)
            if earlier is not None:
                first_copy[id(p)] = earlier
                continue
            index = len(to_write)
            seen_hash[fp.hash] = index
            if article.url:
                seen_url[article.url] = index
            story_id, same_as = p.pending.story_id, None
            if story_id is None:
                story_id, same_as = _same_event_story(session, article, nearby)
            to_write.append(
                ledger.NewArticle(
                    article,
                    fp,
                    p.summary,
                    p.gist,
                    list(p.positions),
                    story_id=story_id,
                    same_story_as=same_as,
                )
            )
            writing.append(p)
            nearby.append((index, article))
        refs = ledger.add_articles(session, to_write, same_statement=same_statement)
        if audit_as is not None and refs:
            audit_log.record_many(
                session,
                [
                    (
                        audit_log.INGEST,
                        audit_log.ingest_subject(ref.id, p.pending.clean.title),
                        p.raw.name,
                    )
                    for ref, p in zip(refs, writing, strict=True)
                ],
                user=audit_as.user,
                platform=audit_as.platform,
                at=refs[0].ingested_at,
            )
        for ref, p in zip(refs, writing, strict=True):
            out[id(p)] = _stored(p, ref.id)
        for p in parsed:
            if id(p) in first_copy:
                out[id(p)] = _duplicate(p.raw.name, refs[first_copy[id(p)]])
        return out

    def _write(self, p: _Parsed, audit_as: AuditAs | None) -> IngestResult:
        """One article in a transaction of its own (the fallback when a batch lost a race)."""
        article = p.pending.clean
        try:
            with self.db.session() as session:
                existing = ledger.find_duplicate(
                    session, url=article.url, content_hash=p.pending.fingerprint.hash
                )
                if existing is not None:
                    return _duplicate(p.raw.name, existing)
                story_id = p.pending.story_id
                if story_id is None:
                    story_id, _same = _same_event_story(session, article, [])
                row = ledger.add_article(
                    session,
                    article,
                    fingerprint=p.pending.fingerprint,
                    summary=p.summary,
                    gist=p.gist,
                    positions=p.positions,
                    story_id=story_id,
                    same_statement=same_statement,
                )
                if audit_as is not None:
                    audit_log.record(
                        session,
                        action=audit_log.INGEST,
                        subject=audit_log.ingest_subject(row.id, article.title),
                        user=audit_as.user,
                        platform=audit_as.platform,
                        detail=p.raw.name,
                    )
                article_id = row.id
        except IntegrityError:
            with self.db.session() as session:
                existing = ledger.find_duplicate(
                    session, url=article.url, content_hash=p.pending.fingerprint.hash
                )
            if existing is None:
                raise
            return _duplicate(p.raw.name, existing)
        return _stored(p, article_id)


def _stored(p: _Parsed, article_id: int) -> IngestResult:
    return IngestResult(
        "near-duplicate" if p.pending.near_of else "new",
        p.raw.name,
        article_id=article_id,
        title=p.pending.clean.title,
        gist=p.gist,
        positions=p.positions,
        duplicate_of=p.pending.near_of,
    )


def _parse_each(
    nlp: Language, texts: list[str], contexts: list[ExtractionContext]
) -> Iterator[Doc | Exception]:
    """One Doc per text, in order, parsed and extracted, or the exception that text raised.

    Each text goes in as a Doc from `make_doc` carrying its article's context, which is
    how the extraction component gets it. A text longer than the model's `max_length` is
    refused without parsing (spaCy would raise for the whole batch). If the batched `pipe`
    fails anyway, the rest of the batch is parsed one text at a time, so only the text at
    fault is lost.
    """
    from bot.indexer.component import with_context

    def too_long(text: str) -> IngestRefused | None:
        if len(text) <= nlp.max_length:
            return None
        return IngestRefused(
            f"too long for the language model ({len(text):,} characters of text, "
            f"limit {nlp.max_length:,})"
        )

    def unparsed(text: str, context: ExtractionContext) -> Doc:
        return with_context(nlp.make_doc(text), context)

    refusals = [too_long(text) for text in texts]
    parsed = nlp.pipe(
        unparsed(t, c)
        for t, c, refused in zip(texts, contexts, refusals, strict=True)
        if refused is None
    )
    for index, refused in enumerate(refusals):
        if refused is not None:
            yield refused
            continue
        try:
            yield next(parsed)
        except Exception:
            log.warning("ingest: batched parse failed; parsing one at a time", exc_info=True)
            for text, context, rest_refused in zip(
                texts[index:], contexts[index:], refusals[index:], strict=True
            ):
                if rest_refused is not None:
                    yield rest_refused
                    continue
                try:
                    yield nlp(unparsed(text, context))
                except Exception as exc:
                    yield exc
            return


def _failed(name: str, what: str, exc: Exception) -> IngestResult:
    """A refusal for a failure of ours rather than of the input's form: one line naming
    the exception's type only (its message may quote the input or our internals; the
    traceback went to the log), and the run goes on."""
    return IngestResult("refused", name, reason=f"{what} ({type(exc).__name__}; see the log)")


def _same_event_story(
    session: Session, article: CleanArticle, batch: list[tuple[int, CleanArticle]]
) -> tuple[int | None, int | None]:
    """Another outlet's report of the same event: the stored story it joins, or the index
    of the earlier article of this batch whose story it joins. Looked up inside the write
    transaction. Only a day-precise date can say "within a few days"."""
    if article.date_precision != "day":
        return None, None
    nearby = story_store.articles_near(session, article.published, stories.WINDOW_DAYS)
    candidates = [stories.Candidate(a.story_id, a.title, a.lead, a.published) for a in nearby]
    window = dt.timedelta(days=stories.WINDOW_DAYS)
    for index, other in batch:  # as the store would give them: day-dated, in the window
        if other.date_precision == "day" and abs(other.published - article.published) <= window:
            lead = other.text[: story_store.LEAD_CHARS]
            candidates.append(stories.Candidate(-1 - index, other.title, lead, other.published))
    lead = article.text[: story_store.LEAD_CHARS]  # as the store gives it back later
    new = stories.signature(article.title, lead, article.published)
    found = stories.story_for(new, candidates)
    if found is not None and found < 0:
        return None, -1 - found
    return found, None


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
