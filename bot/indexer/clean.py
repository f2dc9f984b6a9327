"""Reducing a RawArticle to its content: main text, title, outlet and a settled date.

Owns the decision of what is *page furniture* (headlines repeated in the body, decks,
bylines, captions, dates, copyright and share/comment widgets, author boxes, agency
credits) and what is article. The asymmetry is deliberate: a furniture line left in costs
a little noise, but a content line dropped loses evidence that positions are quoted from,
so every rule is either an explicit furniture pattern or a heuristic confined to the
header before the first sentence and to short lines that cannot be sentences.

Content lines are kept character for character (only runs of spaces/tabs collapse), so
evidence quoted later is a verbatim substring of the stored text. HTML is reduced with
trafilatura first; its output then goes through the same line rules.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import dateparser

from bot.indexer.article_dates import date_from_text
from bot.indexer.dedup import normalise
from bot.indexer.sources import parse_date
from bot.indexer.types import CleanArticle, IngestRefused, RawArticle

# A line that ends like a sentence: terminal punctuation, then any closing quotes/brackets.
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*\s*$")
# Lines that end mid-thought (introducing a quote or list) are content, not labels.
_CONTINUES = re.compile(r"[:;,][\"'”’»)\]]*\s*$")
_OPENS_QUOTE = re.compile(r"^[\"“‘'«]")
_WORD = re.compile(r"\w+(?:['’.\-]\w+)*")
_SPACES = re.compile(r"[ \t]+")

# A header line longer than this is a paragraph that lacks a full stop, not a deck.
_MAX_DECK_WORDS = 30
# A line without sentence punctuation and fewer words than this is a label or widget.
_SHORT_LINE_WORDS = 8

_AGENCIES = r"(?:agencies|app|pti|ians|ani|reuters|afp|ap|upi|xinhua|anadolu|nni|online)"

# Whole-line furniture, matched case-insensitively against the stripped line.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (label, re.compile(rx, re.IGNORECASE))
    for label, rx in (
        ("byline", r"^by\s*:?$"),
        ("byline", r"^(?:web|news|monitoring|online|sports|business|foreign|national) desk$"),
        ("byline", r"^(?:staff|special|our|a) (?:reporter|correspondent|writer)s?$"),
        ("byline", rf"^[-–—]?\s*{_AGENCIES}(?:\s*/\s*{_AGENCIES})*\s*$"),
        ("separator", r"^[\W_]+$"),
        (
            "date line",
            r"^(?:published|updated|last updated|posted|first published|modified|"
            r"last modified)\b(?:\s+(?:on|at))?\s*:?\s*\S.{0,80}$",
        ),
        (
            "caption",
            r"^(?:photos?|images?|pictures?|photograph|file photo|file image|credit|"
            r"courtesy)\s*[:|/—–-]",
        ),
        ("caption", r"^file (?:photo|image|picture)\b"),
        (
            "caption",
            r"\((?:[^()]*\s/\s[^()]*|[^()]*\b(?:photo|photograph|getty images|file|"
            r"courtesy|credit)\b[^()]*)\)\s*$",
        ),
        ("copyright", r"^(?:copyright\b|©|\(c\)\s)|\ball rights reserved\b"),
        (
            "syndication note",
            r"^this (?:article|story|report|piece|content) (?:has been|was|is) "
            r"(?:adapted|republished|reproduced|syndicated|originally published)\b",
        ),
        (
            "related links",
            r"^(?:you may also like|you might also like|you may be interested in|also read|"
            r"read more|read also|see also|related(?: articles| stories| news| posts)?|"
            r"recommended(?: for you)?|more from\b.*|most (?:read|popular|viewed)|"
            r"trending(?: now)?|advertisement|sponsored(?: content)?)\b\s*:?.{0,100}$",
        ),
        (
            "share widget",
            r"^(?:share (?:this|your|on)|follow us|subscribe\b|sign up\b|email this|"
            r"print this)",
        ),
        ("tags", r"^(?:tags?|topics?|categories|filed under|keywords)\s*:"),
        (
            "comment form",
            r"your comment will be|required fields are marked|your email address will not be"
            r"|leave a (?:comment|reply)|post a comment|comments are moderated|comment policy"
            r"|ad hominem attacks|^\d+ comments?$",
        ),
        (
            "promo",
            r"^(?:learn|read|find out|discover) more about\b.*\bhere\W*$|^click here\b",
        ),
    )
)
# Short-only patterns: a long line starting this way is more likely content.
_SHORT_ONLY = frozenset({"byline", "date line", "caption", "related links", "share widget"})
_SHORT_ONLY_MAX_WORDS = 25

_BY_NAME = re.compile(r"^by\s*:?\s+\S", re.IGNORECASE)
_AUTHOR_BOX = re.compile(
    r"^(?:the )?(?:author|writer|columnist|contributor)s? (?:is|are)\b\s*(?P<rest>.*)$|"
    r"^about the (?:author|writer)\b",
    re.IGNORECASE,
)
# "(Additional inputs from PTI)", "(With inputs from agencies)", "(Reporting by …)" at the
# end of a line: stripped, and the rest of the line kept.
_AGENCY_CREDIT = re.compile(
    r"\s*\((?:with )?(?:additional )?(?:inputs?|reporting|writing|editing)"
    r"(?: (?:from|by))? [^()]{1,60}\)\s*$",
    re.IGNORECASE,
)

# A dateline or agency slug opening the first paragraph: "(AP) — ", "WASHINGTON: ",
# "ISLAMABAD, March 3 (Reuters) - ", "(Bloomberg Opinion) -- ". It belongs to the page,
# not to the first sentence, and left in place it breaks that sentence's parse.
_AGENCIES = (
    r"AP|Reuters|AFP|APP|PTI|IANS|ANI|UPI|Bloomberg(?: Opinion)?|Xinhua|Anadolu|"
    r"Associated Press|dpa|NNI|INP|Online"
)
_DATELINE_SLUG = re.compile(
    r"^(?:"
    rf"\((?:{_AGENCIES})\)\s*(?:—|–|--|-)\s*"
    rf"|[A-Z][A-Z.' -]{{2,30}}(?:,\s*[A-Z][a-z]{{2,9}}\.?\s+\d{{1,2}})?\s*"
    rf"\((?:{_AGENCIES})\)\s*(?:—|–|--|-|:)\s*"
    # a place in capitals, not a transcript's speaker label ("SECRETARY BLINKEN:")
    r"|(?!(?:[A-Z]+ )*(?:SECRETARY|MINISTER|PRESIDENT|AMBASSADOR|MR|MS|MRS|DR|SPOKES\w*|"
    r"QUESTION|MODERATOR|CHAIRMAN|GENERAL|SENATOR|PARTICIPANT|OPERATOR)\b)"
    r"[A-Z]{3,}(?:[ /-][A-Z]{3,})?\s*(?::|—|–|--)\s+"
    r")"
)


def cut_dateline(paragraph: str) -> tuple[str, str | None]:
    """The paragraph without its opening dateline, and the dateline (None if none)."""
    match = _DATELINE_SLUG.match(paragraph)
    if not match or len(paragraph) - match.end() < 20:
        return paragraph, None
    return paragraph[match.end() :], match.group(0).strip()


_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_DATE = re.compile(
    rf"\b(?:{_MONTH}\s+{_DAY},?\s+\d{{4}}|{_DAY}\s+(?:of\s+)?{_MONTH},?\s+\d{{4}}|"
    r"\d{4}-\d{2}-\d{2})\b",
    re.IGNORECASE,
)
# "ISLAMABAD, 5 January 2018: …" / "WASHINGTON (Jan. 5, 2018) — …" at a paragraph start.
_DATELINE = re.compile(
    rf"^(?:[A-Z][A-Z .'-]{{1,40}},?\s*\(?)?(?P<date>{_DATE.pattern})\)?\s*[:\-–—(]",
    re.IGNORECASE,
)
_COPYRIGHT_OWNER = re.compile(
    r"(?:copyright|©|\(c\))\s*(?:©\s*)?(?:\d{4}\s*,?\s*)?"
    r"(?P<owner>[A-Z][\w&'’-]*(?:\s+[A-Z][\w&'’-]*){0,4})",
)


@dataclass
class _Line:
    text: str
    furniture: str | None = None  # why it is furniture, or None for content


def _word_count(line: str) -> int:
    return len(_WORD.findall(line))


def _is_sentence(line: str) -> bool:
    return bool(_SENTENCE_END.search(line))


def _guard_ok(label: str, line: str) -> bool:
    """Second conditions for patterns whose opening words also start real sentences.

    "Published reports suggest…", "Copyright reform was…", "More from the ministry is
    expected…" are content; the furniture versions carry a date, a © or no full stop.
    """
    if label == "date line":
        return bool(re.search(r"\d", line))
    if label == "copyright":
        return bool(re.search(r"©|\(c\)|\ball rights reserved\b|\d{4}", line, re.IGNORECASE))
    if label == "related links":
        return not _is_sentence(line) or ":" in line[:25]
    return True


def _pattern_reason(line: str) -> str | None:
    n_words = _word_count(line)
    for label, pattern in _PATTERNS:
        if label in _SHORT_ONLY and n_words > _SHORT_ONLY_MAX_WORDS:
            continue
        if pattern.search(line) and _guard_ok(label, line):
            return label
    if _BY_NAME.match(line) and n_words <= 10 and not _is_sentence(line):
        return "byline"
    if n_words <= 8 and _is_lone_date(line):
        return "date line"
    return None


def _is_lone_date(line: str) -> bool:
    """A line that is a date and little else ("5 January 2018", "Monday, Jan 5, 2018")."""
    if not _DATE.search(line):
        return False
    rest = _DATE.sub("", line)
    rest = re.sub(
        r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|\d{1,2}:\d{2}|gmt|utc|pkt|[ap]m",
        "",
        rest,
        flags=re.IGNORECASE,
    )
    return not re.search(r"[^\W\d_]{2,}", rest)


def _names_author(match: re.Match[str]) -> bool:
    """True for "The writer is a former envoy" or "The Author is Jane Roe".

    False for "The author is expected to testify": a sentence *about* an author is content,
    so what follows "is" must be a name or a description.
    """
    rest = match.group("rest")
    if rest is None:  # "About the author"
        return True
    return bool(re.match(r"[A-Z]|(?:an?|the|currently|also|based)\s", rest))


def _join_hard_wraps(lines: list[str]) -> list[str]:
    """Rejoin a paragraph wrapped at a fixed width: next line starts lower-case."""
    joined: list[str] = []
    for line in lines:
        if (
            joined
            and joined[-1].strip()
            and line.strip()
            and line.lstrip()[0].islower()
            and not _is_sentence(joined[-1])
            and not _CONTINUES.search(joined[-1])
        ):
            joined[-1] = joined[-1].rstrip() + " " + line.strip()
        else:
            joined.append(line)
    return joined


def _tidy(line: str) -> str:
    """Collapse runs of spaces/tabs; every other character is kept as it is."""
    return _SPACES.sub(" ", line).strip(" \t\r\f\v")


@dataclass
class _Html:
    text: str
    title: str | None
    sitename: str | None
    date: dt.date | None


def _from_html(html: str, url: str | None) -> _Html:
    import trafilatura  # heavy (lxml and friends): only for pages, never for text files
    from trafilatura.settings import Document

    doc = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
    )
    if not isinstance(doc, Document):  # a dict only with as_dict=True, which we never ask
        doc = None
    text = doc.text if doc is not None and doc.text else ""
    if not text.strip():
        text = trafilatura.html2txt(html) or ""
    date = None
    if doc is not None and doc.date:
        parsed = parse_date(doc.date)
        date = parsed[0] if parsed else None
    return _Html(
        text=text,
        title=(doc.title or None) if doc is not None else None,
        sitename=(doc.sitename or None) if doc is not None else None,
        date=date,
    )


def _date_in(line: str, *, today: dt.date) -> dt.date | None:
    match = _DATE.search(line)
    if not match:
        return None
    parsed = dateparser.parse(
        match.group(0), languages=["en"], settings={"PREFER_DAY_OF_MONTH": "first"}
    )
    if parsed is None:
        return None
    found = parsed.date()
    if found.year < 1900 or found > today + dt.timedelta(days=1):
        return None
    return found


def _text_date(lines: list[_Line], body_start: int, *, today: dt.date) -> dt.date | None:
    """A publication date stated near the top: a Published/Updated line or a lone date
    line (both furniture), or a dateline opening the first paragraph.

    Dates inside the article's sentences are events, not publication dates, so they are
    never used.
    """
    published: list[dt.date] = []
    updated: list[dt.date] = []
    for line in lines[: body_start + 3]:
        if line.furniture == "date line":
            found = _date_in(line.text, today=today)
            if found:
                target = updated if line.text.lower().startswith(("updated", "last")) else published
                target.append(found)
    if published or updated:
        return (published or updated)[0]
    if body_start < len(lines):
        match = _DATELINE.match(lines[body_start].text)
        if match:
            return _date_in(match.group("date"), today=today)
    return None


def _fallback_title(line: str) -> str:
    """A title made from the first sentence when the article has no headline."""
    sentence = re.split(r"(?<=[.!?])\s", line, maxsplit=1)[0]
    tokens = sentence.split()
    return sentence if len(tokens) <= 14 else " ".join(tokens[:12]) + " …"


def _copyright_owner(removed: list[str]) -> str | None:
    for line in removed:
        match = _COPYRIGHT_OWNER.search(line)
        if match:
            owner = match.group("owner").strip()
            if owner.lower() not in {"all", "copyright"}:
                return owner
    return None


def clean(raw: RawArticle, *, today: dt.date | None = None) -> CleanArticle:
    """Extract the article text, drop furniture, and settle title, outlet and date."""
    today = today or dt.date.today()
    title = raw.title
    source = raw.source
    html_date: dt.date | None = None
    if raw.html is not None:
        extracted = _from_html(raw.html, raw.url)
        text = extracted.text
        title = title or extracted.title
        source = source or extracted.sitename
        html_date = extracted.date
    else:
        text = raw.text or ""

    raw_lines = _join_hard_wraps(text.splitlines())
    lines = [_Line(_tidy(line)) for line in raw_lines if line.strip()]
    removed: list[str] = []

    # Agency credits are cut from the end of a line; the rest of the line stays.
    for line in lines:
        match = _AGENCY_CREDIT.search(line.text)
        if match:
            removed.append(match.group(0).strip())
            line.text = line.text[: match.start()].rstrip()
            if not line.text:
                line.furniture = "agency credit"

    for line in lines:
        if line.furniture is None:
            line.furniture = _pattern_reason(line.text)

    # The body starts at the first line that reads like a sentence (or is too long to be
    # a deck); everything unpatterned above it is headline, deck, label or author line.
    body_start = next(
        (
            i
            for i, line in enumerate(lines)
            if line.furniture is None
            and (_is_sentence(line.text) or _word_count(line.text) > _MAX_DECK_WORDS)
        ),
        len(lines),
    )
    header = [line for line in lines[:body_start] if line.furniture is None]
    derived_title = False
    if not title:
        candidates = [line for line in header if _word_count(line.text) >= 3] or header
        if candidates:
            title = candidates[0].text
        elif body_start < len(lines):
            title = _fallback_title(lines[body_start].text)
            derived_title = True
    title = title or "Untitled"
    title_key = normalise(title)

    for line in lines[:body_start]:
        if line.furniture is None:
            line.furniture = "headline" if normalise(line.text) == title_key else "header"

    # Body rules: repeated headline, duplicates, author boxes, short non-sentences.
    seen: set[str] = set()
    bio_name: str | None = None
    tail_from = body_start + (len(lines) - body_start) // 2
    for i, line in enumerate(lines):
        if i < body_start or line.furniture is not None:
            continue
        key = normalise(line.text)
        if not derived_title and key == title_key:
            line.furniture = "headline"
        elif key in seen:
            line.furniture = "duplicate"
        elif bio_name and key.startswith(bio_name):
            line.furniture = "author bio"
        elif i >= tail_from and (author := _AUTHOR_BOX.match(line.text)) and _names_author(author):
            line.furniture = "author box"
            rest = (author.group("rest") or "").strip()
            if rest and _word_count(rest) <= 6 and not _is_sentence(rest):
                bio_name = normalise(rest)
            continue
        elif (
            _word_count(line.text) < _SHORT_LINE_WORDS
            and not _is_sentence(line.text)
            and not _CONTINUES.search(line.text)
            and not _OPENS_QUOTE.match(line.text)
        ):
            line.furniture = "short line"
        bio_name = None
        seen.add(key)

    if all(line.furniture for line in lines):
        # Only heuristics fired and nothing is left: the "furniture" was the content.
        for line in lines:
            if line.furniture in {"header", "short line"} and normalise(line.text) != title_key:
                line.furniture = None
    kept = [line.text for line in lines if line.furniture is None]
    removed.extend(line.text for line in lines if line.furniture)
    if kept:
        kept[0], dateline = cut_dateline(kept[0])
        if dateline:
            removed.append(dateline)
    if not kept:
        raise IngestRefused("no article text found", name=raw.name)

    source = source or _copyright_owner(removed)

    if raw.published is not None and raw.date_basis == "front-matter":
        published, precision, basis = raw.published, raw.date_precision, "front-matter"
    elif html_date is not None:
        published, precision, basis = html_date, "day", "html-metadata"
    elif (own := date_from_text([line.text for line in lines], today=today)) is not None:
        published, precision, basis = own.published, own.precision, own.basis
    elif (found := _text_date(lines, body_start, today=today)) is not None:
        published, precision, basis = found, "day", "text"
    elif raw.published is not None:
        published, precision = raw.published, raw.date_precision
        basis = raw.date_basis or "source metadata"
    else:
        published, precision, basis = today, "day", "ingest-date"

    return CleanArticle(
        title=title,
        text="\n\n".join(kept),
        source=source,
        url=raw.url,
        source_path=raw.source_path,
        origin=raw.origin,
        published=published,
        date_precision=precision,
        date_basis=basis,
        ingested_by=raw.ingested_by,
        removed=tuple(removed),
    )
