"""Gatekeeping: decide whether input is worth storing, before anything is written.

Owns two checks. `check_bytes` runs on raw input (files, pasted text, fetched bodies) so
that empty, oversized or binary input is refused before any decoding or parsing work.
`check_content` runs on a cleaned article so that what is refused is the *content* the
ledger would store, not the page furniture around it: a page can be long and still hold
twelve words of article.

Every refusal is an `IngestRefused` whose reason is one line a chat user can act on.
"""

from __future__ import annotations

import re

import py3langid

from bot.indexer.types import CleanArticle, IngestRefused
from bot.settings import Settings

# Control characters that legitimately occur in text files.
_TEXT_CONTROLS = frozenset("\t\n\r\f\v\x1b")
# More than this share of control characters means the bytes are not text.
_MAX_CONTROL_SHARE = 0.05
# Below this share of letters among non-space characters the text is junk (tables of
# numbers, base64, mangled markup), not prose.
_MIN_LETTER_SHARE = 0.6
# Paragraphs shorter than this are too short for a reliable language guess; they are
# judged only as part of the whole text.
_MIN_WORDS_FOR_LANGID = 6

_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
# A sentence: a capitalised or quoted start, at least three words, terminal punctuation.
_SENTENCE = re.compile(r"[\"“‘'(]?[A-Z0-9][^.!?]*?(?:\s+\S+){2,}[^.!?]*[.!?…]")

_LANGUAGE_NAMES = {
    "ar": "Arabic",
    "bn": "Bengali",
    "de": "German",
    "en": "English",
    "es": "Spanish",
    "fa": "Persian",
    "fr": "French",
    "hi": "Hindi",
    "id": "Indonesian",
    "it": "Italian",
    "ja": "Japanese",
    "ko": "Korean",
    "nl": "Dutch",
    "pa": "Punjabi",
    "ps": "Pashto",
    "pt": "Portuguese",
    "ru": "Russian",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "ur": "Urdu",
    "zh": "Chinese",
}

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def human_size(n: int) -> str:
    """Say a byte limit the way a person would ("3 MB", "250 kB"), for refusal messages."""
    if n >= 1_000_000:
        value = n / 1_000_000
        return f"{value:.0f} MB" if value == int(value) else f"{value:.1f} MB"
    if n >= 1_000:
        value = n / 1_000
        return f"{value:.0f} kB" if value == int(value) else f"{value:.1f} kB"
    return f"{n} bytes"


def check_bytes(data: bytes, name: str | None, settings: Settings) -> None:
    """Refuse empty, oversized or binary input before it is decoded.

    A UTF-16 file with a byte-order mark is allowed through even though it contains NUL
    bytes: the BOM says it is text, and the decoder in `sources` handles it.
    """
    if not data.strip():
        raise IngestRefused("empty input, nothing to ingest", name=name)
    if len(data) > settings.max_article_bytes:
        raise IngestRefused(
            f"larger than {human_size(settings.max_article_bytes)} ({len(data):,} bytes)",
            name=name,
        )
    if data.startswith(_UTF16_BOMS):
        return
    if b"\x00" in data:
        raise IngestRefused("looks like a binary file (contains NUL bytes), not text", name=name)
    controls = sum(1 for b in data if b < 32 and chr(b) not in _TEXT_CONTROLS)
    if controls / len(data) > _MAX_CONTROL_SHARE:
        raise IngestRefused(
            "looks like a binary file (many control characters), not text", name=name
        )


def check_text(text: str, name: str | None, settings: Settings) -> None:
    """`check_bytes` for input that arrived already decoded (stdin, chat messages)."""
    if "\x00" in text:
        raise IngestRefused("looks like binary data (contains NUL characters), not text", name=name)
    check_bytes(text.encode("utf-8", errors="surrogatepass"), name, settings)


# fmt: off
_ENGLISH_FUNCTION_WORDS = frozenset(
    {
        "about",
        "after",
        "also",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "could",
        "for",
        "from",
        "had",
        "has",
        "have",
        "he",
        "her",
        "his",
        "in",
        "into",
        "is",
        "it",
        "its",
        "more",
        "not",
        "of",
        "on",
        "or",
        "our",
        "over",
        "said",
        "she",
        "should",
        "than",
        "that",
        "the",
        "their",
        "there",
        "they",
        "this",
        "to",
        "was",
        "we",
        "were",
        "when",
        "which",
        "who",
        "will",
        "with",
        "would",
    }
)
# fmt: on
_FAST_ENGLISH_SHARE = 0.25


def words(text: str) -> list[str]:
    """The alphabetic words of `text`; numbers and punctuation do not count."""
    return _WORD.findall(text)


def language_name(code: str) -> str:
    return _LANGUAGE_NAMES.get(code, code)


def english_share(text: str) -> tuple[float, str]:
    """Share of the words that sit in English paragraphs, and the main other language.

    Judged per paragraph and weighted by length, so an English report quoting one
    paragraph of Urdu passes, while a French page with an English caption does not.
    """
    all_words = words(text)
    if all_words and (
        sum(1 for w in all_words if w.lower() in _ENGLISH_FUNCTION_WORDS) / len(all_words)
        >= _FAST_ENGLISH_SHARE
    ):
        # plainly English prose (English news runs at 35–45% of these words; other
        # languages' text near 0%): skip the per-paragraph classifier
        return 1.0, "en"
    paragraphs = [p for p in re.split(r"\n\s*\n|\n", text) if p.strip()]
    by_language: dict[str, int] = {}
    for paragraph in paragraphs:
        n = len(words(paragraph))
        if n < _MIN_WORDS_FOR_LANGID:
            continue
        lang, _ = py3langid.classify(paragraph)
        by_language[lang] = by_language.get(lang, 0) + n
    if not by_language:
        lang, _ = py3langid.classify(text)
        by_language[lang] = max(1, len(words(text)))
    total = sum(by_language.values())
    others = {k: v for k, v in by_language.items() if k != "en"}
    main_other = max(others, key=lambda k: others[k]) if others else "en"
    return by_language.get("en", 0) / total, main_other


def check_content(clean: CleanArticle, settings: Settings) -> None:
    """Refuse a cleaned article that is too long, too short, not prose, or not English."""
    name = clean.source_path or clean.url or clean.title
    text = clean.text
    # the byte cap again, on what extraction produced: a 3 MB page may hold 2.9 MB of text
    size = len(text.encode("utf-8", errors="surrogatepass"))
    if size > settings.max_article_bytes:
        raise IngestRefused(
            f"article text larger than {human_size(settings.max_article_bytes)} after "
            f"extraction ({size:,} bytes)",
            name=name,
        )
    n_words = len(words(text))
    if n_words < settings.min_article_words:
        raise IngestRefused(
            f"too short: {n_words} words of article text "
            f"(need at least {settings.min_article_words})",
            name=name,
        )
    # str.isalpha is exactly Unicode's "Letter" categories; counted by C-level maps,
    # since a per-character loop in Python was a fifth of screening an article
    visible = len(text) - sum(map(str.isspace, text))
    letters = sum(map(str.isalpha, text))
    if letters / visible < _MIN_LETTER_SHARE:
        raise IngestRefused(
            f"mostly non-letter characters ({letters * 100 // visible}% letters), not article text",
            name=name,
        )
    if not _SENTENCE.search(text):
        raise IngestRefused("no sentences found", name=name)
    share, other = english_share(text)
    if share < settings.min_english_share:
        raise IngestRefused(
            f"looks like {language_name(other)} ({other}), not English "
            f"({share:.0%} of the text is English)",
            name=name,
        )
