"""Turning inputs — files, directories, pasted text, links, the seed set — into RawArticle.

Owns decoding and the metadata that travels *with* an input: YAML front matter in text
files, the seed metadata file (`seeds/metadata.yaml`), the final URL of a fetch. It does
not judge or clean content (see `clean` and `validate`); it only refuses input that cannot
be read as text at all, so that nothing downstream has to guess at bytes.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import dateparser

from bot.indexer import front_matter
from bot.indexer.front_matter import MetadataRefused
from bot.indexer.types import IngestRefused, Origin, RawArticle
from bot.indexer.validate import check_bytes, check_text
from bot.settings import ROOT, Settings, get_settings

ARTICLE_SUFFIXES = frozenset({".txt", ".md", ".html", ".htm", ""})
HTML_SUFFIXES = frozenset({".html", ".htm"})
# Files that sit beside articles but describe them; never ingested as articles.
METADATA_SUFFIXES = frozenset({".jsonl", ".json", ".yaml", ".yml"})
_NOT_ARTICLES = re.compile(r"^(readme|license|licence|changelog|notice)(\..*)?$", re.I)
SEED_METADATA = "metadata.yaml"

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
_HTML_START = re.compile(
    r"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE | re.DOTALL
)
_YEAR_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
_YEAR = re.compile(r"^\s*(\d{4})\s*$")
_TITLE_KEYS = ("title", "headline")
_SOURCE_KEYS = ("source", "outlet", "publication", "publisher", "site")
_DATE_KEYS = ("date", "published", "published_at", "pubdate")
_URL_KEYS = ("url", "link")
# Keys we read must hold one value each; other keys (tags, authors…) are left alone.
_SINGLE_VALUED = frozenset((*_TITLE_KEYS, *_SOURCE_KEYS, *_DATE_KEYS, *_URL_KEYS))
# A stated publication date later than this many days after today is a typo or a lie
# (time zones account for one day); stored, it would top every "latest" list for ever.
_FUTURE_SLACK_DAYS = 1


def parse_date(value: object) -> tuple[dt.date, str] | None:
    """A date and its precision ("day", "month", "year") from a metadata value, or None
    when the value is not a real calendar date (`2018-02-30`, `9999-99-99`, year 0).

    "2018-01" means *some day in* January 2018: it is stored as the 1st with precision
    "month" so that nothing downstream reads it as 1 January.
    """
    if isinstance(value, dt.datetime):
        return value.date(), "day"
    if isinstance(value, dt.date):
        return value, "day"
    if not isinstance(value, str | int) or not str(value).strip():
        return None
    text = str(value)
    try:
        if m := _YEAR_MONTH.match(text):
            return dt.date(int(m.group(1)), int(m.group(2)), 1), "month"
        if m := _YEAR.match(text):
            return dt.date(int(m.group(1)), 1, 1), "year"
        parsed = dateparser.parse(
            text,
            languages=["en"],
            settings={"STRICT_PARSING": True, "RETURN_AS_TIMEZONE_AWARE": False},
        )
    except (ValueError, OverflowError):
        return None
    return (parsed.date(), "day") if parsed else None


def stated_date(value: object, *, what: str, name: str | None) -> tuple[dt.date, str]:
    """`parse_date` for a date a user stated: refuse one that is not a date, or that lies
    in the future, with a reason naming `what` ("front matter date")."""
    parsed = parse_date(value)
    shown = str(value)[:40]
    if parsed is None:
        raise IngestRefused(f"{what} {shown!r} is not a date", name=name)
    if parsed[0] > dt.date.today() + dt.timedelta(days=_FUTURE_SLACK_DAYS):
        raise IngestRefused(f"{what} {shown!r} is in the future", name=name)
    return parsed


def looks_like_html(text: str) -> bool:
    return bool(_HTML_START.match(text[:4096]))


def decode(data: bytes, name: str | None) -> str:
    """Decode UTF-8 (with or without BOM) or BOM-marked UTF-16; refuse anything else.

    No fallback to Latin-1 or a guessed charset: a wrong guess would store mojibake as
    verbatim evidence, which is worse than asking the user to re-save the file.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16").removeprefix("\ufeff")
        except UnicodeDecodeError as exc:
            raise IngestRefused("not valid UTF-16 despite its byte-order mark", name=name) from exc
    for encoding in ("utf-8", "utf-8-sig"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            error = exc
            continue
        return text.removeprefix("\ufeff")
    raise IngestRefused(
        f"not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start}); "
        "re-save it as UTF-8",
        name=name,
    )


def _first(meta: dict[str, Any], keys: tuple[str, ...]) -> Any:
    lowered = {str(k).lower(): v for k, v in meta.items()}
    for key in keys:
        value = lowered.get(key)
        if value not in (None, ""):
            return value
    return None


def _from_text(
    text: str,
    *,
    origin: Origin,
    name: str | None,
    source_path: str | None = None,
    url: str | None = None,
    ingested_by: str | None = None,
    html_hint: bool = False,
) -> RawArticle:
    """Build a RawArticle from decoded text, reading front matter if there is any."""
    if html_hint or looks_like_html(text):
        return RawArticle(
            origin=origin, html=text, url=url, source_path=source_path, ingested_by=ingested_by
        )
    fields: dict[str, Any] = {}
    try:
        block, body = front_matter.split(text.lstrip("\ufeff"))
        meta = (
            None
            if block is None
            else front_matter.parse_front_matter(block, single_valued=_SINGLE_VALUED)
        )
    except MetadataRefused as exc:
        raise IngestRefused(str(exc), name=name) from exc
    if meta is not None:
        text = body
        title = _first(meta, _TITLE_KEYS)
        source = _first(meta, _SOURCE_KEYS)
        meta_url = _first(meta, _URL_KEYS)
        fields["title"] = str(title).strip() if title is not None else None
        fields["source"] = str(source).strip() if source is not None else None
        if meta_url is not None:
            url = url or str(meta_url).strip()
        date_value = _first(meta, _DATE_KEYS)
        if date_value is not None:
            fields["published"], fields["date_precision"] = stated_date(
                date_value, what="front matter date", name=name
            )
            fields["date_basis"] = "front-matter"
    return RawArticle(
        origin=origin,
        text=text,
        url=url,
        source_path=source_path,
        ingested_by=ingested_by,
        **fields,
    )


def display_path(path: Path) -> str:
    """The path as a user would name it: relative to the project (or cwd) when inside it."""
    resolved = path.resolve()
    for base in (ROOT, Path.cwd()):
        try:
            return resolved.relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return str(path)


def load_file(
    path: Path,
    *,
    origin: Origin = "file",
    settings: Settings | None = None,
    source_path: str | None = None,
) -> RawArticle:
    """Read one file into a RawArticle; refuse unreadable, empty, binary or huge files.

    Reads at most one byte past the limit, so a huge file is refused without loading it.
    """
    settings = settings or get_settings()
    path = Path(path)
    name = str(path)
    data = _read_regular_file(path, settings.max_article_bytes + 1, name)
    check_bytes(data, name, settings)
    text = decode(data, name)
    raw = _from_text(
        text,
        origin=origin,
        name=name,
        source_path=source_path or display_path(path),
        html_hint=path.suffix.lower() in HTML_SUFFIXES,
    )
    # a metadata.yaml beside the file says what is known of it (outlet, date, title), so
    # `ingest seeds/` gives the same articles as the first-run seeding
    try:
        sidecar = load_seed_metadata(path.parent).get(path.name)
    except MetadataRefused as exc:
        raise IngestRefused(f"{exc} (in the same folder)", name=name) from exc
    return _apply_seed_metadata(raw, sidecar, name=name) if sidecar else raw


_SPECIAL_KINDS = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _special_kind(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    return next((kind for test, kind in _SPECIAL_KINDS if test(mode)), "not a regular file")


def _read_regular_file(path: Path, limit: int, name: str) -> bytes:
    """At most `limit` bytes of a regular file; anything else is refused unopened.

    Opening a named pipe blocks until a writer appears (an ingest that hangs for ever),
    and opening a device can have effects of its own, so the kind is checked first; the
    open itself is non-blocking and re-checked on the descriptor, in case the path was
    swapped for a pipe in between.
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError as exc:
        raise IngestRefused("no such file", name=name) from exc
    except OSError as exc:
        raise IngestRefused(f"cannot read file ({exc.strerror or exc})", name=name) from exc
    if stat.S_ISDIR(mode):
        raise IngestRefused("is a directory, not a file", name=name)
    if kind := _special_kind(mode):
        raise IngestRefused(f"is {kind}, not a regular file; not read", name=name)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
        with os.fdopen(fd, "rb") as handle:
            if kind := _special_kind(os.fstat(handle.fileno()).st_mode):
                raise IngestRefused(f"is {kind}, not a regular file; not read", name=name)
            return handle.read(limit)
    except FileNotFoundError as exc:
        raise IngestRefused("no such file", name=name) from exc
    except OSError as exc:
        raise IngestRefused(f"cannot read file ({exc.strerror or exc})", name=name) from exc


def load_text(
    text: str,
    *,
    origin: Origin = "stdin",
    ingested_by: str | None = None,
    settings: Settings | None = None,
) -> RawArticle:
    """Wrap pasted or piped text (or HTML) as a RawArticle, with the same refusals as files."""
    settings = settings or get_settings()
    name = f"<{origin}>"
    check_text(text, name, settings)
    return _from_text(
        text.removeprefix("\ufeff"), origin=origin, name=name, ingested_by=ingested_by
    )


def load_url(
    url: str, settings: Settings | None = None, *, ingested_by: str | None = None
) -> RawArticle:
    """Fetch a link (through the SSRF guard in `fetch`) and wrap what came back.

    The URL recorded is the final one after redirects: that is where the text came from.
    """
    from bot.indexer.fetch import fetch  # the web stack (httpx, TLS): only for links

    settings = settings or get_settings()
    fetched = fetch(url, settings)
    if fetched.is_html:
        # Page size was already capped by the fetch limit; markup is not article bytes.
        return RawArticle(origin="url", html=fetched.text, url=fetched.url, ingested_by=ingested_by)
    check_text(fetched.text, fetched.url, settings)
    return _from_text(
        fetched.text, origin="url", name=fetched.url, url=fetched.url, ingested_by=ingested_by
    )


def is_article_file(path: Path) -> bool:
    """Whether a file in an articles folder is an article (not metadata, not hidden): the
    one rule for ingest, seeding and the evaluation corpus."""
    name = path.name
    if name.startswith(".") or _NOT_ARTICLES.match(name):
        return False
    suffix = path.suffix.lower()
    if suffix in METADATA_SUFFIXES:
        return False
    return suffix in ARTICLE_SUFFIXES


def expand_inputs(args: list[str]) -> Iterator[str | Path]:
    """Yield each input to load: "-" for stdin, URL strings, and file Paths.

    Directories are walked recursively in sorted order, skipping hidden entries,
    metadata files (json/jsonl/yaml), READMEs and other non-article suffixes. A file
    named explicitly is yielded whatever its name, and a missing one is yielded too, so
    that `load_file` refuses it with a reason instead of it vanishing silently. Any
    `scheme://` argument is yielded as a URL; `load_url` refuses schemes it will not fetch.
    """
    for arg in args:
        if arg == "-":
            yield "-"
        elif _URL.match(arg):
            yield arg
        else:
            path = Path(arg)
            if path.is_dir():
                yield from _walk(path)
            else:
                yield path


def _walk(root: Path) -> Iterator[Path]:
    for directory, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for filename in sorted(filenames):
            path = Path(directory) / filename
            if path.is_file() and is_article_file(path):
                yield path


def load_seed_metadata(seed_dir: Path) -> dict[str, dict[str, Any]]:
    """The per-file metadata of the seed set, keyed by file name ({} if there is none).

    Raises `MetadataRefused` when the file is not plain YAML metadata. The result is
    cached per file version and shared: treat it as read-only.
    """
    meta_path = Path(seed_dir) / SEED_METADATA
    try:
        info = meta_path.stat()
    except OSError:
        return {}
    if _special_kind(info.st_mode):
        raise MetadataRefused(f"{SEED_METADATA} is not a regular file")
    return _read_seed_metadata(str(meta_path), info.st_mtime_ns, info.st_size)


@lru_cache(maxsize=8)
def _read_seed_metadata(path: str, _mtime_ns: int, size: int) -> dict[str, dict[str, Any]]:
    """Parsed once per version of the file: `ingest dir/` consults it for every file."""
    if size > front_matter.MAX_SIDECAR_CHARS * 4:  # UTF-8 needs at most 4 bytes a character
        raise MetadataRefused(f"{SEED_METADATA} is too large to be metadata")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MetadataRefused(f"{SEED_METADATA} cannot be read as UTF-8 text") from exc
    data = front_matter.load(
        text,
        what=SEED_METADATA,
        max_depth=front_matter.SIDECAR_DEPTH,
        max_chars=front_matter.MAX_SIDECAR_CHARS,
    )
    if data is None:
        return {}
    if not isinstance(data, dict) or not all(
        v is None or isinstance(v, dict) for v in data.values()
    ):
        raise MetadataRefused(f"{SEED_METADATA} must map each file name to its metadata")
    return {str(k): dict(v or {}) for k, v in data.items()}


def _apply_seed_metadata(raw: RawArticle, meta: dict[str, Any], *, name: str) -> RawArticle:
    fields: dict[str, Any] = {}
    if meta.get("title") and not raw.title:
        fields["title"] = str(meta["title"])
    if meta.get("source") and not raw.source:
        fields["source"] = str(meta["source"])
    if meta.get("published") and raw.published is None:
        fields["published"], fields["date_precision"] = stated_date(
            meta["published"], what=f"{SEED_METADATA} date", name=name
        )
        fields["date_basis"] = str(meta.get("date_basis") or "seed metadata")
    return RawArticle(**{**raw.__dict__, **fields})


def load_seed_dir(seed_dir: Path, *, settings: Settings | None = None) -> list[RawArticle]:
    """Load every seed article (top-level files only) with `metadata.yaml` applied.

    `source_path` is relative to the seed directory's parent ("seeds/000_….txt"), so it
    is the same on every machine.
    """
    seed_dir = Path(seed_dir)
    metadata = load_seed_metadata(seed_dir)  # our own seeds: a bad file should fail loudly
    articles: list[RawArticle] = []
    for path in sorted(p for p in seed_dir.iterdir() if p.is_file() and is_article_file(p)):
        relative = path.relative_to(seed_dir.parent).as_posix()
        raw = load_file(path, origin="seed", settings=settings, source_path=relative)
        articles.append(_apply_seed_metadata(raw, metadata.get(path.name, {}), name=relative))
    return articles
