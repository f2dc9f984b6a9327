"""Small readings of the dependency parse that every stage shares: a verb's subject or
agent, how deep a token sits, the entity a token belongs to, a mention's own words.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token


def depth_of(tok: Token) -> int:
    depth = 0
    while tok.head.i != tok.i:
        tok = tok.head
        depth += 1
    return depth


# Emphatic reflexives ("Trump had himself praised …") that the parser may take for the
# subject while hanging the real one elsewhere.
EMPHATIC = frozenset({"himself", "herself", "itself", "themselves"})


def subject_of(verb: Token) -> Token | None:
    for child in verb.children:
        if child.dep_ in ("nsubj", "nsubjpass", "csubj"):
            if child.lower_ in EMPHATIC:
                # the noun it emphasises: the nearest one before it in the verb's phrase
                before = [
                    t
                    for t in verb.subtree
                    if t.i < child.i and t.pos_ in ("PROPN", "NOUN") and t.dep_ != "compound"
                ]
                return before[-1] if before else child
            return child
    # conjoined verbs share the subject: "Tillerson flew … and expressed concern …"
    if verb.dep_ in ("conj", "xcomp", "advcl") and verb.head.i != verb.i:
        # "…, having repeatedly accused Y of …": a participle clause inherits its subject
        participle = verb.tag_ == "VBG" or any(
            c.dep_ == "aux" and c.lower_ == "having" for c in verb.children
        )
        if (
            verb.dep_ == "advcl"
            and not any(c.dep_ == "mark" for c in verb.children)
            and not participle
        ):
            return None
        return subject_of(verb.head)
    if verb.dep_ == "acomp" or (verb.pos_ == "ADJ" and verb.head.i != verb.i):
        return subject_of(verb.head)
    return None


def agent_of(verb: Token) -> Token | None:
    for child in verb.children:
        if child.dep_ == "agent":
            return next((c for c in child.children if c.dep_ == "pobj"), None)
    return None


def ent_of(tok: Token) -> Span | None:
    """The named entity a token is part of, read from its IOB tags: `doc.ents` rebuilds
    every entity span on each access, which dominated extraction time."""
    if not tok.ent_type_:
        return None
    doc = tok.doc
    start = tok.i
    while start > 0 and doc[start].ent_iob_ == "I":
        start -= 1
    end = tok.i + 1
    while end < len(doc) and doc[end].ent_iob_ == "I":
        end += 1
    return doc[start:end]


def span_of(tok: Token) -> str:
    """The mention's text: the token's compound/title modifiers, not its clauses."""
    left = tok
    for child in tok.lefts:
        if child.dep_ in ("compound", "amod", "poss", "det", "nmod", "case", "punct"):
            left = child if child.i < left.i else left
    words = tok.doc[left.left_edge.i if left.i != tok.i else tok.i : tok.i + 1]
    text = words.text
    # include "of State …" style appositions only when they are names (Secretary of State)
    if tok.ent_type_ == "PERSON":
        ent = ent_of(tok)
        if ent is not None:
            return ent.text
    return text


def text_of(tokens: list[Token]) -> str:
    """Tokens back to the article's own text: contiguous runs are sliced from the original
    (keeping "$300" and "terrorists’ safe havens" intact); a gap of punctuation alone is
    bridged, a gap of words (the attribution) becomes a space."""
    if not tokens:
        return ""
    ordered = sorted(tokens, key=lambda t: t.i)
    doc = ordered[0].doc
    runs: list[tuple[int, int]] = []
    start = prev = ordered[0].i
    for tok in ordered[1:]:
        gap = doc[prev + 1 : tok.i]
        if tok.i == prev + 1 or all(t.is_punct or t.is_space for t in gap):
            prev = tok.i
            continue
        runs.append((start, prev))
        start = prev = tok.i
    runs.append((start, prev))
    return " ".join(doc[a : b + 1].text for a, b in runs).strip()


def doc_text(doc: Doc) -> str:
    """The document's text, built once: `Doc.text` joins every token on each access, and
    claims, stance and dating ask for it per position (it was a fifth of ingest time)."""
    cached = doc.user_data.get("doc_text")
    if cached is None:
        # what `Doc.text` joins (each token's text and its trailing space), from the table
        table = TokenTable.of(doc)
        cached = doc.user_data["doc_text"] = "".join(
            word + space for word, space in zip(table.text, table.whitespace, strict=True)
        )
    return cached


def ents_within(span: Span) -> list[Span]:
    """`span.ents`: the entities wholly inside the span, stopping as spaCy does at the
    first one that starts inside and runs past its end. `Span.ents` rebuilds every entity
    of the Doc on each call (dating asked per position); the bounds are read once per Doc
    and kept as numbers, since Spans kept on the Doc would tie it into a reference cycle."""
    doc = span.doc
    bounds = doc.user_data.get("ent_bounds")
    if bounds is None:
        bounds = doc.user_data["ent_bounds"] = tuple(
            (e.start, e.end, e.label, e.kb_id) for e in doc.ents
        )
    out: list[Span] = []
    for start, end, label, kb_id in bounds:
        if start >= span.start:
            if end <= span.end:
                out.append(Span(doc, start, end, label=label, kb_id=kb_id))
            else:
                break
    return out


@dataclass(frozen=True)
class TokenTable:
    """Per-token attributes as plain lists, read once per document: code that walks
    token indices (rendering a kept set of tokens, finding a token's sentence) reads
    these instead of making a `Token` object for every look-up, which profiling showed
    was most of the claim builder's time."""

    text: list[str]
    whitespace: list[str]
    tag: list[str]
    pos: list[str]
    dep: list[str]
    is_punct: list[bool]
    is_space: list[bool]
    sent_start: list[int]  # index of the first token of each token's sentence

    @classmethod
    def of(cls, doc: Doc) -> TokenTable:
        cached = doc.user_data.get("token_table")
        if cached is None:
            cached = doc.user_data["token_table"] = cls._build(doc)
        return cached

    @classmethod
    def _build(cls, doc: Doc) -> TokenTable:
        # one C-level read of the annotations, strings looked up by hash: no Token objects
        columns = doc.to_array(
            ["ORTH", "SPACY", "TAG", "IS_PUNCT", "IS_SPACE", "SENT_START", "POS", "DEP"]
        ).tolist()
        strings = doc.vocab.strings
        text = [strings[row[0]] for row in columns]
        whitespace = [" " if row[1] else "" for row in columns]
        tag = [strings[row[2]] if row[2] else "" for row in columns]
        is_punct = [bool(row[3]) for row in columns]
        is_space = [bool(row[4]) for row in columns]
        pos = [strings[row[6]] if row[6] else "" for row in columns]
        dep = [strings[row[7]] if row[7] else "" for row in columns]
        # as `Token.sent` finds it: back to the nearest token marked as a sentence start
        sent_start: list[int] = []
        start = 0
        for i, row in enumerate(columns):
            if row[5] == 1:
                start = i
            sent_start.append(start)
        return cls(text, whitespace, tag, pos, dep, is_punct, is_space, sent_start)
