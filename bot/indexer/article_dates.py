"""An article's own date, read from its text when nothing else gives one.

Pasted text and bare files carry no front matter, yet most articles state their date near
the top: a wire dateline ("ISLAMABAD, March 3 (Reuters) –"), a "Published …" or
"Updated …" line, or a date on a line of its own. Using it (and saying which) beats
dating the article by the day it happened to be ingested. Only the top of the article is
read: dates further down are events in the story, not its publication.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

HEAD_LINES = 8  # lines read from the top

_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|"
    r"aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_WEEKDAY = r"(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+)?"
# "March 3, 2026" | "3 March 2026" | "2026-03-03" | "March 3" | "3 March" (year optional)
_DATE_FORMS = (
    rf"{_WEEKDAY}{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?",
    rf"{_WEEKDAY}{_DAY}\s+(?:of\s+)?{_MONTH},?(?:\s+{_YEAR})?",
    r"(?P<iy>(?:19|20)\d\d)-(?P<im>[01]\d)-(?P<id>[0-3]\d)",
)
_DATE = "(?:" + "|".join(f"(?:{f})" for f in _DATE_FORMS) + ")"
# Renumber the repeated group names so one pattern can hold every form.
_n = iter(range(100))
_DATE = re.sub(r"\(\?P<(month|day|year)>", lambda m: f"(?P<{m.group(1)}{next(_n)}>", _DATE)

_STAMP = re.compile(
    rf"^(?P<label>published|updated|last updated|posted|first published|modified)\b"
    rf"(?:\s+(?:on|at))?\s*:?\s*{_DATE}",
    re.IGNORECASE,
)
_LONE = re.compile(
    rf"^\W*{_DATE}\W*(?:\d{{1,2}}[:.]\d{{2}}\s*(?:[ap]\.?m\.?)?\s*\w{{0,4}})?\W*$", re.I
)
# "ISLAMABAD, March 3 (Reuters) –", "WASHINGTON — March 3, 2026 —", "KARACHI, 3 March:"
_DATELINE = re.compile(
    rf"^(?-i:(?P<place>[A-Z][A-Z .'/-]{{1,40}}?))\s*(?:,|—|–|-)\s*{_DATE}"
    r"\s*(?:\((?P<agency>[A-Za-z .]{2,20})\))?\s*(?:[:—–-]|\()",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ArticleDate:
    published: dt.date
    precision: str  # "day"
    basis: str  # "text: dateline “ISLAMABAD, March 3 (Reuters)” (year from ingest date)"


def date_from_text(lines: list[str], *, today: dt.date) -> ArticleDate | None:
    """The publication date stated at the top of an article, or None.

    A "Published" line wins over an "Updated" one, and either over a lone date line or a
    dateline. A date without a year (datelines often omit it) is the most recent such day
    not after `today`, and the basis says so.
    """
    head = [line.strip() for line in lines if line.strip()][:HEAD_LINES]
    found: dict[str, ArticleDate] = {}
    for line in head:
        if (m := _STAMP.match(line)) is not None:
            label = m.group("label").lower()
            kind = "updated" if label.endswith(("updated", "modified")) else "published"
            date = _resolve(m, today)
            if date is not None:
                found.setdefault(kind, _made(date, f"{kind} line", m.group(0), today))
        elif (m := _LONE.match(line)) is not None:
            date = _resolve(m, today)
            if date is not None:
                found.setdefault("lone", _made(date, "date line", m.group(0), today))
        elif (m := _DATELINE.match(line)) is not None:
            date = _resolve(m, today)
            if date is not None:
                words = m.group(0).rstrip(" :—–-(")
                found.setdefault("dateline", _made(date, "dateline", words, today))
    for kind in ("published", "updated", "lone", "dateline"):
        if kind in found:
            return found[kind]
    return None


def _made(date: tuple[dt.date, bool], what: str, words: str, today: dt.date) -> ArticleDate:
    day, year_given = date
    basis = f"text: {what} “{' '.join(words.split())[:120]}”"
    if not year_given:
        basis += f" (no year: the latest such day up to {today.isoformat()})"
    return ArticleDate(day, "day", basis)


def _resolve(m: re.Match[str], today: dt.date) -> tuple[dt.date, bool] | None:
    groups = {k: v for k, v in m.groupdict().items() if v is not None}
    if "iy" in groups:
        return _day(int(groups["iy"]), int(groups["im"]), int(groups["id"]), today)
    month = next((v for k, v in groups.items() if k.startswith("month")), None)
    day = next((v for k, v in groups.items() if k.startswith("day")), None)
    year = next((v for k, v in groups.items() if k.startswith("year")), None)
    if month is None or day is None:
        return None
    mon = _MONTHS[month.lower()[:3]]
    if year is not None:
        return _day(int(year), mon, int(day), today)
    for y in (today.year, today.year - 1):
        found = _day(y, mon, int(day), today)
        if found is not None:
            return found[0], False
    return None


def _day(y: int, m: int, d: int, today: dt.date) -> tuple[dt.date, bool] | None:
    try:
        date = dt.date(y, m, d)
    except ValueError:
        return None
    if date > today + dt.timedelta(days=1) or date.year < 1900:
        return None
    return date, True
