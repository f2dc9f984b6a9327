"""The small records that flow between indexer stages.

Each stage is a plain function from one of these to the next, so a stage can be tested
alone and the pipeline only wires them together.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

Origin = Literal["seed", "file", "url", "stdin", "chat"]
Kind = Literal["quote", "reported", "action"]


class IngestRefused(Exception):
    """Input the indexer will not store, with a one-line reason fit to show a user.

    Raised before anything is written, so a refusal never leaves a partial row.
    """

    def __init__(self, reason: str, *, name: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.name = name

    def __str__(self) -> str:
        return f"{self.name}: {self.reason}" if self.name else self.reason


@dataclass(frozen=True)
class RawArticle:
    """What a source yields: decoded text (or HTML) plus whatever metadata came with it."""

    origin: Origin
    text: str | None = None
    html: str | None = None
    title: str | None = None
    source: str | None = None  # the outlet: "Dawn", "UPI", …
    url: str | None = None
    source_path: str | None = None
    published: dt.date | None = None
    date_precision: str = "day"
    date_basis: str | None = None  # set together with `published`
    ingested_by: str | None = None

    @property
    def name(self) -> str:
        """How to name this input in a message to the user."""
        return self.source_path or self.url or self.title or f"<{self.origin}>"


@dataclass(frozen=True)
class CleanArticle:
    """An article reduced to its content, with furniture removed and metadata settled."""

    title: str
    text: str  # paragraphs separated by blank lines, furniture removed
    source: str | None
    url: str | None
    source_path: str | None
    origin: Origin
    published: dt.date
    date_precision: str
    date_basis: str
    ingested_by: str | None = None
    removed: tuple[str, ...] = field(default=())  # the furniture lines dropped, for audit


@dataclass(frozen=True)
class ExtractedPosition:
    actor: str
    speaker: str | None
    speaker_office: str | None
    topic: str
    claim: str
    evidence: str
    kind: Kind
    # When it was said ("2018-01-05", "2018-01", "2018") and why; None until
    # bot.indexer.dating has read the evidence sentence (the ledger then uses the article's
    # date).
    stated_on: str | None = None
    stated_basis: str | None = None
    # Toward the other state: critical | neutral | conciliatory, and the words behind it.
    stance: str | None = None
    stance_cue: str | None = None
    # Where the evidence sentence starts in the article text, when the extractor knows.
    evidence_start: int | None = None
