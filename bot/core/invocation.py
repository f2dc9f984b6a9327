"""Turning what a user typed into a neutral Invocation: command, words, options, who, where.

Input arrives from chat clients, pasted articles and copy-paste accidents, so parsing is
total: any string — control characters, lone surrogates, megabytes — yields an
Invocation. Whatever could not be understood is recorded in `problems` for the handler
to turn into a usage reply; nothing here raises.

A platform's own markup (Slack's `<@U1|ann>`, Discord's `<@123>`) is not read here: the
adapter translates it first into `Plain` text and the links it carried, and passes that
in. The option keys are those the command registry declares (bot.core.commands).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

# Long enough for a pasted article (Slack caps a message at 40,000 characters).
MAX_INPUT_CHARS = 40_000
MAX_WORDS = 60
MAX_WORD_CHARS = 200

_COMMAND = re.compile(r"[a-z][a-z0-9_-]{0,30}")
_BARE_URL = re.compile(r"\bhttps?://[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING_PUNCT = ".,;:!?)]}»”’'\""
_SURROGATE = re.compile("[\ud800-\udfff]")
_TOKEN = re.compile(r"""(\w+):(?:"([^"]*)"?|“([^”]*)”?|(\S*))|"([^"]*)"?|“([^”]*)”?|(\S+)""")


@dataclass(frozen=True)
class Invocation:
    command: str  # lower case, no slash; "" when the line named none
    args: tuple[str, ...] = ()
    options: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    user: str | None = None
    channel: str | None = None
    text: str = ""  # everything after the command, markup resolved, control chars removed
    urls: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    # The declared options, checked and converted by kind (a date, an actor name, an int);
    # filled by dispatch from the command's declaration.
    values: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def argument(self) -> str:
        """The positional words as one phrase: a topic, a search, a pasted text's start."""
        return " ".join(self.args)

    def line(self, **overrides: str | None) -> str:
        """This invocation as a command line, with options replaced (None drops one)."""
        options = {**self.options, **overrides}
        parts = [f"/{self.command}", *(_quote(a) for a in self.args)]
        parts += [f"{k}:{_quote(v)}" for k, v in options.items() if v is not None]
        return " ".join(p for p in parts if p)


def _quote(word: str) -> str:
    return f'"{word}"' if (" " in word or not word) else word


def clean_text(text: object, *, limit: int = MAX_INPUT_CHARS) -> tuple[str, bool]:
    """Printable text: NFC, lone surrogates replaced, control and format characters gone
    (newlines and tabs kept). Returns the text and whether it had to be truncated."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    truncated = len(text) > limit * 2
    text = text[: limit * 2]
    text = _SURROGATE.sub("", text)
    text = unicodedata.normalize("NFC", text)
    out = []
    for ch in text:
        if ch in "\n\t":
            out.append(ch)
        elif ch == "\r" or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue
        else:
            out.append(ch)
    cleaned = "".join(out)
    if len(cleaned) > limit:
        cleaned, truncated = cleaned[:limit], True
    return cleaned, truncated


@dataclass(frozen=True)
class Plain:
    """Text an adapter has translated: its platform's markup resolved to plain words
    (mentions as "@name", never a live ping), control characters gone, and the links the
    markup carried, in order. `truncated` says the raw text was cut to MAX_INPUT_CHARS."""

    text: str
    links: tuple[str, ...] = ()
    truncated: bool = False


def plain(text: object) -> Plain:
    """Text from a platform without markup of its own (the console, a command line)."""
    cleaned, truncated = clean_text(text)
    return Plain(cleaned, (), truncated)


def links_in(text: Plain) -> list[str]:
    """The links the adapter found, then the bare links in the text, each once."""
    urls = list(dict.fromkeys(text.links))
    for m in _BARE_URL.finditer(text.text):
        url = m.group(0).rstrip(_TRAILING_PUNCT)
        if url not in urls:
            urls.append(url)
    return urls


def declared_options() -> frozenset[str]:
    """The option keys some registered command declares."""
    from bot.core.commands import registry  # the registry imports this module: bind late

    return registry().option_names()


def parse(
    line: object,
    *,
    command: str | None = None,
    user: str | None = None,
    channel: str | None = None,
    options: frozenset[str] | None = None,
) -> Invocation:
    """Parse "/position haqqani by:us" (or, with `command` given, just "haqqani by:us").

    `line` is a string, or the `Plain` text an adapter translated from its markup. The
    first word is taken as the command unless one is given, with or without a slash;
    `options` are the keys read as `key:value` (every declared option when not given).
    """
    problems: list[str] = []
    given = line if isinstance(line, Plain) else plain(line)
    if given.truncated:
        problems.append(f"input longer than {MAX_INPUT_CHARS:,} characters was cut")
    urls = links_in(given)
    keys = declared_options() if options is None else options
    text = given.text.strip()
    if command is None:
        head, _, rest = text.partition(" ")
        if "\n" in head:
            head, _, tail = head.partition("\n")
            rest = tail + " " + rest
        name = head.lstrip("/").lower()
        if _COMMAND.fullmatch(name):
            command, text = name, rest.strip()
        else:
            command = ""
    else:
        command = clean_text(command, limit=40)[0].strip().lstrip("/").lower()
        if not _COMMAND.fullmatch(command):
            command = ""
    args: list[str] = []
    found: dict[str, str] = {}
    for m in _TOKEN.finditer(text):
        if len(args) + len(found) >= MAX_WORDS:
            problems.append(f"only the first {MAX_WORDS} words were read")
            break
        key = m.group(1)
        if key is not None and key.lower() in keys:
            value = next((g for g in m.group(2, 3, 4) if g is not None), "")
            value = value.strip()[:MAX_WORD_CHARS]
            if not value:
                problems.append(f"{key.lower()}: needs a value")
            else:
                found[key.lower()] = value
            continue
        word = next((g for g in m.group(5, 6, 7) if g is not None), None)
        if word is None:  # "foo:bar" with an unknown key is just a word
            word = m.group(0)
        word = word.strip()[:MAX_WORD_CHARS]
        if word:
            args.append(word)
    return Invocation(
        command=command,
        args=tuple(args),
        options=MappingProxyType(found),
        user=user,
        channel=channel,
        text=text,
        urls=tuple(urls),
        problems=tuple(problems),
    )


_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_RELATIVE = re.compile(r"^(\d{1,4})\s*([dwmy])$", re.IGNORECASE)


def parse_date(value: str, *, end: bool = False, today: dt.date | None = None) -> dt.date | None:
    """ "2018", "2018-01", "2018-01-05", or "30d"/"6m" ago; None when it is none of those.

    A partial date means the whole period: since:2018-01 starts on 1 January, until:2018-01
    ends on 31 January.
    """
    value = value.strip()
    if m := _RELATIVE.match(value):
        n, unit = int(m.group(1)), m.group(2).lower()
        days = n * {"d": 1, "w": 7, "m": 30, "y": 365}[unit]
        try:
            return (today or dt.date.today()) - dt.timedelta(days=days)
        except OverflowError:
            return None
    m = _DATE.match(value)
    if not m:
        return None
    year = int(m.group(1))
    month = int(m.group(2)) if m.group(2) else None
    day = int(m.group(3)) if m.group(3) else None
    try:
        if month is None:
            return dt.date(year, 12, 31) if end else dt.date(year, 1, 1)
        if day is None:
            last = calendar.monthrange(year, month)[1]
            return dt.date(year, month, last if end else 1)
        return dt.date(year, month, day)
    except (ValueError, calendar.IllegalMonthError):
        return None
