"""An article's layout as a reader sees it: paragraphs, interview labels and questions,
sentences grouped so a quote opened in one closes in the same unit (an unclosed quote
ends at its paragraph), and where the quotation marks are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span, Token

from bot.indexer.positions.syntax import TokenTable, doc_text
from bot.indexer.positions.vocabulary import (
    LABEL,
)


@dataclass
class Unit:
    """One or more sentences read as one statement (a quote may span sentences)."""

    start: int
    end: int
    paragraph: int
    sents: list[Span] = field(default_factory=list)
    label: str | None = None  # interview label of the paragraph, if any
    question: bool = False
    furniture: bool = False  # a deck, crosshead or byline: not the article's prose
    _quotes: list[tuple[int, int]] | None = field(default=None, repr=False)


def find_units(doc: Doc) -> Iterator[Unit]:
    """Sentences grouped so that a quote opened in one sentence closes in the same unit.

    An unclosed quote ends at its paragraph: one stray quotation mark must not swallow the
    rest of the article.
    """
    text = doc_text(doc)
    paragraphs = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)]
    para_of: list[int] = []
    sentence_spans: list[Span] = []
    for sent in doc.sents:
        # spaCy can run a sentence across a line break; the break wins
        for piece in _split_on_newlines(doc, sent):
            sentence_spans.append(piece)
    p_idx = 0
    for sent in sentence_spans:
        while p_idx < len(paragraphs) - 1 and sent.start_char >= paragraphs[p_idx][1]:
            p_idx += 1
        para_of.append(p_idx)

    current: Unit | None = None
    depth_open = False
    for sent, p in zip(sentence_spans, para_of, strict=True):
        if current is not None and (p != current.paragraph or not depth_open):
            yield current
            current = None
        if current is None:
            para_text = text[paragraphs[p][0] : paragraphs[p][1]]
            label_match = LABEL.match(para_text)
            label = label_match.group(1).strip() if label_match else None
            if label and len(label.split()) > 6:
                label = None
            is_first = (
                sent.start_char <= paragraphs[p][0] + (label_match.end() if label_match else 0) + 1
            )
            question = bool(label and para_text.rstrip().endswith("?") and _asks(para_text))
            current = Unit(
                sent.start_char,
                sent.end_char,
                p,
                [],
                label if (label and is_first) else None,
                question,
            )
            if label and not is_first:
                current.label = None
            current.furniture = _is_furniture(para_text)
        current.sents.append(sent)
        current.end = sent.end_char
        depth_open = _quote_open_after(text, current.start, current.end)
    if current is not None:
        yield current


def _is_furniture(paragraph: str) -> bool:
    """A short line that does not end as a sentence does: a deck, a crosshead, a byline
    ("US cuts off $300 million support", "'Pakistan cannot be held responsible'", "By
    Reuters"). Headlines and decks state no one's position in the annotators' sense and
    in the analyst's: they compress one, unattributed."""
    line = paragraph.strip()
    return len(line.split()) <= 12 and not re.search(r"[.!?:;,…][”\"’')\]]*$", line)


def _asks(paragraph: str) -> bool:
    return paragraph.count("?") >= 1 and not re.search(r"[.!]\s*$", paragraph.strip())


def _split_on_newlines(doc: Doc, sent: Span) -> Iterator[Span]:
    table = TokenTable.of(doc)
    start = sent.start
    for i in range(sent.start, sent.end):
        if "\n" in table.text[i] or (table.is_space[i] and i > start):
            if i > start:
                yield doc[start:i]
            start = i + 1
    if start < sent.end:
        span = doc[start : sent.end]
        if span.text.strip():
            yield span


def _quote_open_after(text: str, start: int, end: int) -> bool:
    segment = text[start:end]
    curly = segment.count("“") - segment.count("”")
    straight = segment.count('"') % 2
    return curly > 0 or straight == 1


def quoted_spans(text: str, unit: Unit) -> list[tuple[int, int]]:
    """Character spans (absolute) inside double quotes; an unclosed quote runs to the end."""
    if unit._quotes is None:
        unit._quotes = _find_quotes(text, unit)
    return unit._quotes


def _find_quotes(text: str, unit: Unit) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    seg = text[unit.start : unit.end]
    i = 0
    while i < len(seg):
        ch = seg[i]
        if ch in '“"':
            close = "”" if ch == "“" else '"'
            j = seg.find(close, i + 1)
            if ch == "“" and j == -1:
                j = seg.find('"', i + 1)
            if j == -1:
                j = len(seg)
            spans.append((unit.start + i, unit.start + j))
            i = j + 1
        else:
            i += 1
    return spans


def mostly_quoted(unit: Unit, text: str) -> bool:
    spans = quoted_spans(text, unit)
    inside = sum(e - s for s, e in spans)
    return inside >= 0.6 * max(1, unit.end - unit.start)


def in_quote(tok: Token, spans: list[tuple[int, int]]) -> bool:
    return any(s < tok.idx < e for s, e in spans)


def _unit_text(text: str, unit: Unit) -> str:
    return text[unit.start : unit.end]


def unit_evidence(text: str, unit: Unit) -> str:
    ev = text[unit.start : unit.end].strip()
    if unit.label:
        ev = LABEL.sub("", ev, count=1).strip()
    return ev


def answer_tokens(unit: Unit, text: str) -> list[Token]:
    """An interview answer's words, without its "Chaudhry:" label."""
    tokens = [t for s in unit.sents for t in s]
    if unit.label is None:
        return tokens
    match = LABEL.match(text[unit.start : unit.end])
    cut = unit.start + (match.end() if match else 0)
    return [t for t in tokens if t.idx >= cut]


def in_answer(units: list[Unit], i: int) -> bool:
    """True when unit i continues an interview answer (a labelled, non-question paragraph)."""
    for j in range(i, -1, -1):
        if units[j].question:
            return False
        if units[j].label is not None:
            return True
    return False


def _without(text: str, unit: Unit, spans: list[tuple[int, int]]) -> str:
    """The unit's text with the given character spans blanked out."""
    chars = list(text[unit.start : unit.end])
    for start, end in spans:
        for k in range(max(start, unit.start), min(end, unit.end)):
            chars[k - unit.start] = " "
    return "".join(chars)
