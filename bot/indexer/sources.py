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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dateparser
import frontmatter
import yaml

from bot.indexer.fetch import fetch
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


def parse_date(value: object) -> tuple[dt.date, str] | None:
    """A date and its precision ("day", "month", "year") from a metadata value.

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
    if m := _YEAR_MONTH.match(text):
        year, month = int(m.group(1)), int(m.group(2))
        return (dt.date(year, month, 1), "month") if 1 <= month <= 12 else None
    if m := _YEAR.match(text):
        return dt.date(int(m.group(1)), 1, 1), "year"
    parsed = dateparser.parse(
        text, languages=["en"], settings={"STRICT_PARSING": True, "RETURN_AS_TIMEZONE_AWARE": False}
    )
    return (parsed.date(), "day") if parsed else None


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
    stripped = text.lstrip("\ufeff")
    if frontmatter.checks(stripped):
        try:
            post = frontmatter.loads(stripped)
        except yaml.YAMLError as exc:
            first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise IngestRefused(
                f"front matter is not valid YAML ({first_line})", name=name
            ) from exc
        meta = dict(post.metadata)
        text = post.content
        title = _first(meta, _TITLE_KEYS)
        source = _first(meta, _SOURCE_KEYS)
        meta_url = _first(meta, ("url", "link"))
        fields["title"] = str(title).strip() if title is not None else None
        fields["source"] = str(source).strip() if source is not None else None
        if meta_url is not None:
            url = url or str(meta_url).strip()
        date_value = _first(meta, _DATE_KEYS)
        if date_value is not None:
            parsed = parse_date(date_value)
            if parsed is None:
                raise IngestRefused(f"front matter date {date_value!r} is not a date", name=name)
            fields["published"], fields["date_precision"] = parsed
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
    try:
        with path.open("rb") as handle:
            data = handle.read(settings.max_article_bytes + 1)
    except FileNotFoundError as exc:
        raise IngestRefused("no such file", name=name) from exc
    except IsADirectoryError as exc:
        raise IngestRefused("is a directory, not a file", name=name) from exc
    except OSError as exc:
        raise IngestRefused(f"cannot read file ({exc.strerror or exc})", name=name) from exc
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
    sidecar = load_seed_metadata(path.parent).get(path.name)
    return _apply_seed_metadata(raw, sidecar) if sidecar else raw


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
    settings = settings or get_settings()
    fetched = fetch(url, settings)
    if fetched.is_html:
        # Page size was already capped by the fetch limit; markup is not article bytes.
        return RawArticle(origin="url", html=fetched.text, url=fetched.url, ingested_by=ingested_by)
    check_text(fetched.text, fetched.url, settings)
    return _from_text(
        fetched.text, origin="url", name=fetched.url, url=fetched.url, ingested_by=ingested_by
    )


def _is_article_file(path: Path) -> bool:
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
            if path.is_file() and _is_article_file(path):
                yield path


def load_seed_metadata(seed_dir: Path) -> dict[str, dict[str, Any]]:
    """The per-file metadata of the seed set, keyed by file name ({} if there is none)."""
    meta_path = Path(seed_dir) / SEED_METADATA
    if not meta_path.exists():
        return {}
    data = yaml.safe_load(meta_path.read_text(encoding="utf-8")) or {}
    return {str(k): dict(v or {}) for k, v in data.items()}


def _apply_seed_metadata(raw: RawArticle, meta: dict[str, Any]) -> RawArticle:
    fields: dict[str, Any] = {}
    if meta.get("title") and not raw.title:
        fields["title"] = str(meta["title"])
    if meta.get("source") and not raw.source:
        fields["source"] = str(meta["source"])
    if meta.get("published") and raw.published is None:
        parsed = parse_date(meta["published"])
        if parsed:
            fields["published"], fields["date_precision"] = parsed
            fields["date_basis"] = str(meta.get("date_basis") or "seed metadata")
    return RawArticle(**{**raw.__dict__, **fields})


def load_seed_dir(seed_dir: Path, *, settings: Settings | None = None) -> list[RawArticle]:
    """Load every seed article (top-level files only) with `metadata.yaml` applied.

    `source_path` is relative to the seed directory's parent ("seeds/000_….txt"), so it
    is the same on every machine.
    """
    seed_dir = Path(seed_dir)
    metadata = load_seed_metadata(seed_dir)
    articles: list[RawArticle] = []
    for path in sorted(p for p in seed_dir.iterdir() if p.is_file() and _is_article_file(p)):
        relative = path.relative_to(seed_dir.parent).as_posix()
        raw = load_file(path, origin="seed", settings=settings, source_path=relative)
        articles.append(_apply_seed_metadata(raw, metadata.get(path.name, {})))
    return articles
