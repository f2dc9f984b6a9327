"""Wording shared by the handlers: dates at their true precision, who spoke, where to read.

Kept in one place so that /position, /brief and /search describe a statement the same way.
"""

from __future__ import annotations

import datetime as dt

from bot.core.reply import Quote, Section, Span
from storage.queries import HIT_END, HIT_START, PositionRow, SourceRef

US = "United States"
PK = "Pakistan"
SIDES = (US, PK)
MAX_QUOTE_CHARS = 600


def date_text(date: dt.date, precision: str = "day") -> str:
    """ "2017-10" for a month-precise date: never pretend to know the day."""
    if precision == "year":
        return f"{date:%Y}"
    if precision == "month":
        return f"{date:%Y-%m}"
    return date.isoformat()


def source_label(source: SourceRef) -> str:
    title = shorten(source.title, 90)
    return f"{source.outlet}: {title}" if source.outlet else title


def shown_path(source: SourceRef) -> str | None:
    """The file an article was indexed from, when it names a place in the project
    ("seeds/003_….txt"); never a path of the bot's machine ("/home/…", "C:\\…", "../")."""
    path = source.source_path
    if not path or path.startswith(("/", "\\", "~")) or ":" in path or ".." in path:
        return None
    return path


def source_location(source: SourceRef) -> str | None:
    """A link when the article came from one; else the project file it was indexed from."""
    path = shown_path(source)
    return source.url or (f"file: {path}" if path else None)


def attribution(p: PositionRow) -> str:
    if p.speaker and p.speaker_office:
        who = f"{p.speaker}, {p.speaker_office}"
    else:
        who = p.speaker or f"unnamed {p.actor} official"
    return f"{who} ({p.actor})"


def said_date(p: PositionRow) -> str:
    """When it was said; and when it was reported, if that differs ("2018, reported
    2022-09-11": a background line of a later article)."""
    said = p.stated_text
    reported = date_text(p.source.published, p.source.date_precision)
    return said if said == reported else f"{said}, reported {reported}"


def quote(p: PositionRow) -> Quote:
    link = p.source.url
    label = source_label(p.source)
    if not link and (path := shown_path(p.source)):
        label = f"{label} [{path}]"
    label = f"{label} · #{p.statement}"  # the id /correct takes
    return Quote(
        text=shorten(p.evidence, MAX_QUOTE_CHARS),
        attribution=attribution(p),
        date=said_date(p),
        source_label=label,
        link=link,
    )


def reported_by(sources: tuple[SourceRef, ...], *, max_links: int = 5) -> Section:
    """ "also reported by 2 outlets: Dawn · Reuters" under a statement, each a link."""
    spans: list[Span] = [Span(f"also reported by {plural(len(sources), 'outlet')}: ")]
    for i, src in enumerate(sources[:max_links]):
        if i:
            spans.append(Span(" · "))
        name = shorten(src.outlet or src.title, 60)
        spans.append(Span(name, url=src.url))
        if not src.url and (path := shown_path(src)):
            spans.append(Span(f" [{path}]"))
    if len(sources) > max_links:
        spans.append(Span(f" and {len(sources) - max_links} more"))
    return Section(tuple(spans))


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"


def strip_marks(text: str) -> str:
    return text.replace(HIT_START, "").replace(HIT_END, "")


def plural(n: int, word: str, plural_form: str | None = None) -> str:
    """ "1 position", "20 more stories": the last word of `word` takes the plural."""
    return f"{n:,} {word if n == 1 else (plural_form or _plural_of(word))}"


def _plural_of(words: str) -> str:
    head, _, last = words.rpartition(" ")
    if len(last) > 1 and last.endswith("y") and last[-2].lower() not in "aeiou":
        last = last[:-1] + "ies"
    elif last.endswith(("s", "x", "ch", "sh")):
        last += "es"
    else:
        last += "s"
    return f"{head} {last}" if head else last
