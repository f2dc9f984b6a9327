"""When a statement was made, read from its own sentence rather than its article's date.

An article dated 2022 that recalls "In 2018, Trump had suspended aid" reports a 2018 act;
one recalling what an official "warned in July" reports a July warning. Only a date that
governs the statement's own verb counts: the date of what is *said* ("we regret last
year's incident", "said … that Islamabad had acted in January") is content, and such a
statement is dated when it was made — by its reporting verb's date or, failing one, by
the article.

A date governs when, walking up the dependency parse from the DATE entity, the first verb
reached is the sentence's root (or a verb coordinated with it), without passing through a
noun on the way (except a noun naming the occasion: "in a statement on Tuesday"), and the
date is not inside quotation marks.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

from spacy.tokens import Doc, Span, Token

from bot.indexer.positions.syntax import doc_text, ents_within
from bot.indexer.types import ExtractedPosition

ARTICLE = "article date"
EXPLICIT = "explicit date"
RELATIVE = "relative date"
BACKGROUND = "background clause"
KINDS = (ARTICLE, EXPLICIT, RELATIVE, BACKGROUND)

# Nouns that name the occasion of a statement: a date on them dates the statement.
OCCASIONS = frozenset(
    " ".join(
        (
            "statement statements interview speech tweet tweets post posts briefing briefings",
            "conference remarks remark address meeting meetings letter session hearing",
            "testimony talk talks call visit message communique communiqué declaration",
            "appearance editorial op-ed column notification announcement notice release",
        )
    ).split()
)
_CLOSING_LEAD = re.compile(r"^\s*[\"”](?=\s)")
# Words that make a date the edge of a span rather than the time of an act.
SPANS = frozenset(
    ["since", "until", "till", "through", "throughout", "within", "for", "by", "from"]
)
MONTHS = {
    name: i
    for i, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
WEEKDAYS = {
    d: i
    for i, d in enumerate(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    )
}
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_MONTH = re.compile(r"\b(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\b\.?")
_DAY = re.compile(r"\b([12]?\d|3[01])(?:st|nd|rd|th)?\b")
_WEEKDAY = re.compile(r"\b(" + "|".join(WEEKDAYS) + r")\b")
_AGO = re.compile(r"\b(\w+)\s+(day|week|month|year)s?\s+ago\b")
_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}


@dataclass(frozen=True)
class StatedDate:
    """A statement's date at the precision the text gives, and the reason for it."""

    on: str  # "2018-01-05" | "2018-01" | "2018"
    basis: str  # "<kind>: <the words>" or "article date"

    @property
    def date(self) -> dt.date:
        """The first day of the stated period, which is what sorting and filters compare."""
        return period_start(self.on)

    @property
    def kind(self) -> str:
        return self.basis.split(":", 1)[0]


def period_start(on: str) -> dt.date:
    parts = [int(p) for p in on.split("-")]
    while len(parts) < 3:
        parts.append(1)
    return dt.date(parts[0], parts[1], parts[2])


def iso(date: dt.date, precision: str) -> str:
    if precision == "year":
        return f"{date:%Y}"
    if precision == "month":
        return f"{date:%Y-%m}"
    return date.isoformat()


def article_dated(published: dt.date, precision: str = "day") -> StatedDate:
    return StatedDate(iso(published, precision), ARTICLE)


def date_statement(span: Span, published: dt.date, precision: str = "day") -> StatedDate:
    """The date of the statement in `span` (its evidence), else the article's date."""
    # Span.sents exists since spaCy 3.2; spaCy's span.pyi does not declare it
    sents = span.sents if span.doc.has_annotation("SENT_START") else [span]  # type: ignore[attr-defined]
    for sent in sents:
        for ent in ents_within(sent):
            if ent.label_ != "DATE" or _quoted(ent, sent) or not _governs(ent, sent):
                continue
            found = resolve(ent.text, published, precision)
            if found is None:
                continue
            on, relative = found
            kind = _kind(ent, relative)
            return StatedDate(on, f"{kind}: {_words(ent)}")
    return article_dated(published, precision)


def date_in_doc(
    doc: Doc, start: int, length: int, published: dt.date, precision: str = "day"
) -> StatedDate:
    """Date the evidence found at character `start` of `doc` (the article's parse)."""
    span = doc.char_span(start, start + length, alignment_mode="expand")
    if span is None or len(span) == 0:
        return article_dated(published, precision)
    return date_statement(span, published, precision)


# ------------------------------------------------------------------ which date governs


def _quoted(ent: Span, sent: Span) -> bool:
    """Inside quotation marks: part of what was said, not when it was said."""
    before = doc_text(sent.doc)[sent.start_char : ent.start_char]
    # a quote mark then a space closes the previous sentence's quote (the parser often
    # hands it to the next sentence); an opening one is followed by the quoted word
    before = _CLOSING_LEAD.sub("", before)
    straight = before.count('"')
    opened = before.count("“") - before.count("”")
    return straight % 2 == 1 or opened > 0


def _governs(ent: Span, sent: Span) -> bool:
    if ent.start > 0 and ent.doc[ent.start - 1].lower_ in SPANS:
        return False  # "since 2001", "until June", "within 14 months": a span, not a time
    verb = _verb_of(ent)
    if verb is None:
        return False
    root = sent.root
    return verb == root or (verb.dep_ == "conj" and verb.head == root)


def _verb_of(ent: Span) -> Token | None:
    """The first verb above the date, or None when a noun (not an occasion) comes first."""
    inside = {t.i for t in ent}
    tok = ent.root
    while tok.head is not tok:
        head = tok.head
        if head.i in inside:
            tok = head
            continue
        if head.pos_ in ("VERB", "AUX"):
            return head
        if head.pos_ in ("NOUN", "PROPN", "PRON", "NUM") and (
            head.lemma_.lower() not in OCCASIONS or tok.dep_ == "poss"
        ):
            return None
        if tok.dep_ == "poss":
            return None
        tok = head
    return tok if tok.pos_ in ("VERB", "AUX") else None


def _kind(ent: Span, relative: bool) -> str:
    verb = _verb_of(ent)
    if verb is not None and _past_perfect(verb):
        return BACKGROUND
    return RELATIVE if relative else EXPLICIT


def _past_perfect(verb: Token) -> bool:
    return any(c.dep_ in ("aux", "auxpass") and c.lower_ == "had" for c in verb.children)


def _words(ent: Span) -> str:
    """The date with the word that introduces it ("in July", "on 3 March 2026")."""
    prev = ent.doc[ent.start - 1] if ent.start > 0 else None
    if prev is not None and (
        (prev.dep_ == "prep" and ent.root.head == prev) or prev.lower_ in ("on", "in", "during")
    ):
        return prev.text + " " + ent.text
    return ent.text


# ------------------------------------------------------------------ resolving the words


def resolve(text: str, published: dt.date, precision: str = "day") -> tuple[str, bool] | None:
    """(ISO date at its precision, relative?) for a date phrase, resolved against the
    article's date; None when the phrase is not a point in the past we can place."""
    low = " ".join(text.lower().replace("’", "'").split())
    low = re.sub(r"'s$", "", low)
    found = _absolute(low, published) or _relative(low, published, precision)
    if found is None:
        return None
    on, relative = found
    start = period_start(on)
    if start > published or start.year < 1900:
        return None  # a date after the article is a plan, not when something was said
    return on, relative


def _absolute(low: str, published: dt.date) -> tuple[str, bool] | None:
    year = _YEAR.search(low)
    month = _MONTH.search(low)
    if year is None:
        if month is None:
            return None
        # "in January", "March 3": the most recent such month or day not after the article
        m = MONTHS[month.group(1)]
        day = _DAY.search(_MONTH.sub(" ", low))
        y = published.year
        if day is not None:
            d = _safe_day(y, m, int(day.group(1)))
            if d is None:
                return None
            if d > published:
                d = _safe_day(y - 1, m, int(day.group(1)))
            return (d.isoformat(), True) if d else None
        if (y, m) > (published.year, published.month):
            y -= 1
        return f"{y:04d}-{m:02d}", True
    y = int(year.group(1))
    if month is None:
        return f"{y:04d}", False
    m = MONTHS[month.group(1)]
    day = _DAY.search(_YEAR.sub(" ", _MONTH.sub(" ", low)))
    if day is not None:
        d = _safe_day(y, m, int(day.group(1)))
        if d is not None:
            return d.isoformat(), False
    return f"{y:04d}-{m:02d}", False


def _safe_day(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def _relative(low: str, published: dt.date, precision: str) -> tuple[str, bool] | None:
    found = _relative_day(low, published)
    if found is not None and precision != "day" and len(found[0]) == 10:
        # the article is dated only to its month or year: "on Tuesday" can be placed no
        # more precisely than that
        return iso(published, precision), True
    return found


def _relative_day(low: str, published: dt.date) -> tuple[str, bool] | None:
    if re.search(r"\b(today|tonight|this (morning|afternoon|evening))\b", low):
        return published.isoformat(), True
    if "yesterday" in low:
        return (published - dt.timedelta(days=1)).isoformat(), True
    weekday = _WEEKDAY.search(low)
    if weekday:
        back = (published.weekday() - WEEKDAYS[weekday.group(1)]) % 7
        if "last" in low.split() and back == 0:
            back = 7
        return (published - dt.timedelta(days=back)).isoformat(), True
    if re.search(r"\bweekend\b", low) and not re.search(r"\b(next|coming)\b", low):
        # "over the weekend", "last weekend": the Saturday of the latest weekend before
        back = (published.weekday() - 5) % 7 or 7
        return (published - dt.timedelta(days=back)).isoformat(), True
    if re.search(r"\b(last|previous) week\b", low):
        monday = published - dt.timedelta(days=published.weekday() + 7)
        return monday.isoformat(), True
    if re.search(r"\b(earlier )?this week\b", low):
        return (published - dt.timedelta(days=published.weekday())).isoformat(), True
    if re.search(r"\b(last|previous) month\b", low):
        first = published.replace(day=1) - dt.timedelta(days=1)
        return f"{first:%Y-%m}", True
    if re.search(r"\b(earlier )?this month\b", low):
        return f"{published:%Y-%m}", True
    if re.search(r"\b(last|previous) year\b", low):
        return f"{published.year - 1:04d}", True
    if re.search(r"\b(earlier )?this year\b", low):
        return f"{published.year:04d}", True
    ago = _AGO.search(low)
    if ago:
        n = _NUMBERS.get(ago.group(1), int(ago.group(1)) if ago.group(1).isdigit() else 0)
        if n:
            unit = ago.group(2)
            if unit == "day":
                return (published - dt.timedelta(days=n)).isoformat(), True
            if unit == "week":
                return (published - dt.timedelta(weeks=n)).isoformat(), True
            if unit == "month":
                y, m = divmod(published.year * 12 + published.month - 1 - n, 12)
                return f"{y:04d}-{m + 1:02d}", True
            return f"{published.year - n:04d}", True
    return None


def date_positions(
    doc: Doc, positions: list[ExtractedPosition], published: dt.date, precision: str = "day"
) -> list[ExtractedPosition]:
    """Each position dated from its evidence sentence, found in the parse by offset.

    A position the extractor (or another stage) already dated keeps its date.
    """
    out = []
    text = doc_text(doc)
    for p in positions:
        if p.stated_on:
            out.append(p)
            continue
        start = p.evidence_start if p.evidence_start is not None else text.find(p.evidence)
        if start < 0:
            stated = article_dated(published, precision)
        else:
            stated = date_in_doc(doc, start, len(p.evidence), published, precision)
        out.append(replace(p, stated_on=stated.on, stated_basis=stated.basis))
    return out
