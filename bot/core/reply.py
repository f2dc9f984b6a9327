"""The neutral reply every command returns, and every platform renders.

Text in these blocks is plain: no markup, no escaping. Renderers own both, so an
article's `<!channel>` or `*` is data here and is made harmless exactly once, at the edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Span:
    """A run of inline text; `url` makes it a link, `bold` marks a search hit or a name."""

    text: str
    bold: bool = False
    url: str | None = None


@dataclass(frozen=True)
class Header:
    text: str


@dataclass(frozen=True)
class Section:
    spans: tuple[Span, ...]

    @classmethod
    def plain(cls, text: str) -> Section:
        return cls((Span(text),))

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.spans)


@dataclass(frozen=True)
class Quote:
    """A verbatim statement and who made it, when, and where it can be read."""

    text: str
    attribution: str  # "Khawaja Asif, Foreign Minister (Pakistan)"
    date: str | None = None  # already formatted to its precision: "2017-10", "2018-01-05"
    source_label: str | None = None
    link: str | None = None


@dataclass(frozen=True)
class Context:
    """Small print: counts, dates, hints."""

    text: str


@dataclass(frozen=True)
class Divider:
    pass


@dataclass(frozen=True)
class Action:
    id: str  # stable action id the platform routes back: "more", "share"
    label: str
    value: str  # what the action re-runs: a command line, e.g. "/position haqqani page:2"
    primary: bool = False


@dataclass(frozen=True)
class Buttons:
    actions: tuple[Action, ...]


Block = Header | Section | Quote | Context | Divider | Buttons


@dataclass(frozen=True)
class Image:
    """A picture sent beside a reply on platforms that show images (the /timeline chart);
    a renderer of text alone ignores it."""

    png: bytes
    title: str
    filename: str = "chart.png"


@dataclass(frozen=True)
class Reply:
    blocks: tuple[Block, ...]
    # Seen only by the asker unless shared; a confirmation in a thread is not ephemeral.
    ephemeral: bool = True
    # The command line that produced this reply, for "share to channel" to re-run.
    source_line: str | None = None
    # The command line of the next page when there is one ("show more").
    continuation: str | None = None
    # A one-line summary for notifications and clients that cannot show blocks.
    summary: str = ""
    tags: frozenset[str] = field(default_factory=frozenset)  # e.g. {"error"}, {"usage"}
    images: tuple[Image, ...] = ()

    @property
    def text(self) -> str:
        """Everything as plain text, for tests, logs and fallback notification text."""
        lines: list[str] = []
        for block in self.blocks:
            match block:
                case Header(text) | Context(text):
                    lines.append(text)
                case Section():
                    lines.append(block.text)
                case Quote():
                    tail = ", ".join(x for x in (block.date, block.source_label) if x)
                    lines.append(
                        f"“{block.text}” — {block.attribution}" + (f" ({tail})" if tail else "")
                    )
                    if block.link:
                        lines.append(block.link)
                case Buttons(actions):
                    lines.append(" ".join(f"[{a.label}]" for a in actions))
                case Divider():
                    pass
        return "\n".join(lines)


def quoted(text: str) -> str:
    """Text in quotation marks, unless the evidence already opens with its own."""
    return text if text[:1] in "“\"‘'«" else f"“{text}”"


def message(text: str, *, tags: frozenset[str] = frozenset(), ephemeral: bool = True) -> Reply:
    """A reply that is just a sentence: errors, hints, refusals."""
    return Reply((Section.plain(text),), ephemeral=ephemeral, summary=text[:200], tags=tags)
