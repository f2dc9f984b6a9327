"""YAML that arrives with an article (front matter, a `metadata.yaml` beside files), read
without letting the YAML itself do work.

A general YAML loader is an interpreter: anchors and aliases let 1 KB of text stand for
gigabytes once anything walks the result (the "billion laughs" bomb), tags ask for
constructors, and implicit typing turns `2018-02-30` into a `ValueError` deep inside the
loader. Metadata needs none of that, so this module builds the result from the parser's
events itself and refuses, on the first event that shows it, any anchor, alias or tag,
nesting deeper than metadata ever goes, and any text longer than metadata ever is. Every
scalar stays a string (or None for a null): dates and numbers are interpreted later, by
code that can refuse them with a reason.

Every refusal is a `MetadataRefused` whose message is one line fit to show a user.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

# Front matter holds a title, an outlet, a date, a link and a few tags; 8,000 characters
# is far beyond any real block and small enough to parse in well under a millisecond.
MAX_FRONT_MATTER_CHARS = 8_000
# A title or URL longer than this is not metadata.
MAX_VALUE_CHARS = 2_000
# Front matter is a mapping whose values may be lists ("tags: [a, b]"); a seed metadata
# file is a mapping of mappings. Nothing legitimate nests deeper.
FRONT_MATTER_DEPTH = 3
SIDECAR_DEPTH = 3
MAX_SIDECAR_CHARS = 1_000_000

_OPEN = re.compile(r"\A-{3,}[ \t]*\r?\n")
_CLOSE = re.compile(r"^-{3,}[ \t]*\r?$", re.MULTILINE)
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Tree = dict[str, Any] | list[Any] | str | None


class MetadataRefused(ValueError):
    """YAML metadata this module will not read; the message is one line for the user."""


def split(text: str) -> tuple[str | None, str]:
    """(front matter block, body) when `text` opens with a `---` line and a later `---`
    line closes the block; (None, text) when there is no front matter.

    Only the first `MAX_FRONT_MATTER_CHARS` are searched for the closing line, so an
    article that merely starts with a horizontal rule is never scanned as YAML; a block
    that does close later is refused as too long rather than read.
    """
    opening = _OPEN.match(text)
    if not opening:
        return None, text
    closing = _CLOSE.search(text, opening.end())
    if closing is None:
        return None, text
    if closing.start() - opening.end() > MAX_FRONT_MATTER_CHARS:
        raise MetadataRefused(f"front matter is longer than {MAX_FRONT_MATTER_CHARS:,} characters")
    body = text[closing.end() :]
    return text[opening.end() : closing.start()], body.removeprefix("\r").removeprefix("\n")


def parse_front_matter(block: str, *, single_valued: frozenset[str]) -> dict[str, Any] | None:
    """The front matter's mapping, or None when the block is not a mapping at all (a
    document that opens with a horizontal rule and a line of text).

    Keys in `single_valued` (compared lower-case) must hold one scalar: a list for a title
    would otherwise be stringified into the stored article.
    """
    tree = load(block, what="front matter", max_depth=FRONT_MATTER_DEPTH)
    if tree is None:  # an empty block, or only comments
        return {}
    if not isinstance(tree, dict):
        return None
    for key, value in tree.items():
        if key.lower() in single_valued and isinstance(value, dict | list):
            raise MetadataRefused(f"front matter {key!r} must be a single value, not a list")
    return tree


def load(text: str, *, what: str, max_depth: int, max_chars: int | None = None) -> Tree:
    """Read YAML built of plain mappings, lists and strings; refuse anything else.

    `what` names the input in refusals ("front matter", "metadata.yaml").
    """
    limit = MAX_FRONT_MATTER_CHARS if max_chars is None else max_chars
    if len(text) > limit:
        raise MetadataRefused(f"{what} is longer than {limit:,} characters")
    try:
        events = yaml.parse(text, Loader=_Loader)
        return _build(events, what=what, max_depth=max_depth)
    except yaml.YAMLError as exc:
        lines = str(exc).strip().splitlines()
        raise MetadataRefused(
            f"{what} is not valid YAML ({lines[0] if lines else type(exc).__name__})"
        ) from exc


def _build(events: Any, *, what: str, max_depth: int) -> Tree:
    """Fold parser events into dicts, lists and strings, checking each event as it comes,
    so a refusal costs no more than reading up to the offending event."""
    stack: list[dict[str, Any] | list[Any]] = []
    pending_keys: list[str | None] = []  # per open mapping: the key awaiting its value
    root: Tree = None
    documents = 0

    def place(value: Tree) -> None:
        nonlocal root
        if not stack:
            root = value
            return
        parent = stack[-1]
        if isinstance(parent, list):
            parent.append(value)
        elif pending_keys[-1] is None:
            if not isinstance(value, str):
                raise MetadataRefused(f"{what} keys must be plain words")
            pending_keys[-1] = value
        else:
            parent[pending_keys[-1]] = value
            pending_keys[-1] = None

    for event in events:
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise MetadataRefused(f"{what} may not use YAML anchors or aliases (& and *)")
        if getattr(event, "tag", None) is not None:
            raise MetadataRefused(f"{what} may not use YAML tags (!)")
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise MetadataRefused(f"{what} must be a single YAML document")
        elif isinstance(event, yaml.ScalarEvent):
            value = event.value
            if len(value) > MAX_VALUE_CHARS:
                raise MetadataRefused(
                    f"{what} holds a value longer than {MAX_VALUE_CHARS:,} characters"
                )
            plain = event.implicit[0] and not event.style  # C parser: "", Python: None
            place(None if plain and value in _NULLS else value)
        elif isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            if len(stack) >= max_depth - 1:
                raise MetadataRefused(f"{what} nests deeper than metadata ever does")
            container: dict[str, Any] | list[Any] = (
                {} if isinstance(event, yaml.MappingStartEvent) else []
            )
            if stack and isinstance(stack[-1], dict) and pending_keys[-1] is None:
                raise MetadataRefused(f"{what} keys must be plain words")
            stack.append(container)
            pending_keys.append(None)
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            done = stack.pop()
            pending_keys.pop()
            place(done)
    return root
