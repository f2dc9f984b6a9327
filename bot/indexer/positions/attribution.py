"""Which speaker a unit's statement belongs to, and which of its words are the statement:
reporting verbs (the deepest wins, so nested speech is the inner speaker's), stance
verbs, "according to", colon-introduced quotes, and parenthetical attributions.
"""

from __future__ import annotations

from spacy.tokens import Token

from bot.indexer.positions.speakers import (
    Speaker,
    _Context,
    _is_outlet,
    _resolve_mention,
)
from bot.indexer.positions.syntax import (
    _agent,
    _depth,
    _subject,
)
from bot.indexer.positions.units import (
    Unit,
    _in_quote,
    _mostly_quoted,
    _quoted_spans,
)
from bot.indexer.positions.vocabulary import (
    CIRCUMSTANCE,
    LISTENER_VERBS,
    OBJECT_VERBS,
    REPORTING,
    SETTINGS,
    STANCE,
)
from bot.indexer.types import Kind


def _attribute(
    unit: Unit, text: str, ctx: _Context, next_unit: Unit | None
) -> tuple[Speaker, list[Token], Kind] | None:
    quotes = _quoted_spans(text, unit)
    tokens = [t for s in unit.sents for t in s]
    candidates: list[tuple[int, Speaker, set[int], Token]] = []
    for tok in tokens:
        if _in_quote(tok, quotes) or tok.pos_ not in ("VERB", "AUX", "NOUN", "ADJ"):
            continue
        lemma = tok.lemma_.lower()
        if lemma in REPORTING and tok.pos_ in ("VERB",):
            if any(c.dep_ == "auxpass" for c in tok.children) and not _agent(tok):
                continue  # "Tillerson was told that …": the subject is the listener
            subj = _subject(tok) or _agent(tok)
            if subj is None:
                continue
            speaker = _resolve_mention(subj, ctx)
            if speaker is None:
                continue
            attribution = {t.i for t in subj.subtree} | {tok.i}
            candidates.append((_depth(tok), speaker, attribution, tok))
        elif lemma in STANCE or (lemma == "concerned" and tok.pos_ == "ADJ") or _commits(tok):
            subj = _subject(tok)
            if subj is None:
                continue
            speaker = _resolve_mention(subj, ctx, allow_state=True)
            if speaker is None:
                continue
            candidates.append((_depth(tok) + 1, speaker, {t.i for t in subj.subtree}, tok))
        elif lemma in ("stance", "position", "view", "contention") and tok.pos_ == "NOUN":
            owner = next((c for c in tok.children if c.dep_ == "poss"), None)
            if owner is not None and tok.head.lemma_ == "be":
                speaker = _resolve_mention(owner, ctx, allow_state=True)
                if speaker is not None:
                    candidates.append((_depth(tok), speaker, {t.i for t in tok.subtree}, tok))
    # "according to X"
    for tok in tokens:
        if tok.lower_ == "according" and tok.i + 1 < len(tok.doc) and tok.nbor().lower_ == "to":
            pobj = next((c for c in tok.nbor().children if c.dep_ == "pobj"), None)
            if pobj is not None and not _in_quote(tok, quotes):
                speaker = _resolve_mention(pobj, ctx)
                if (speaker is not None and speaker.kind != "body") or (
                    speaker is not None and not _is_outlet(pobj)
                ):
                    attribution = {t.i for t in tok.subtree} | {tok.nbor().i}
                    # lowest rank: a reporting verb in the same unit names the speaker better
                    candidates.append((-1, speaker, attribution, tok))
    # colon-introduced quote: "… Trump's tweet: "…""
    if not candidates and quotes:
        intro = text[unit.start : quotes[0][0]]
        if intro.rstrip().endswith(":"):
            intro_tokens = [t for t in tokens if t.idx < quotes[0][0]]
            for tok in reversed(intro_tokens):
                if tok.ent_type_ in ("PERSON", "ORG", "NORP", "GPE") or tok.pos_ == "PROPN":
                    speaker = _resolve_mention(tok, ctx)
                    if speaker is not None:
                        content = [t for t in tokens if t.idx >= quotes[0][0]]
                        return speaker, content, "quote"
    # "This was the message given by X …" attributes the unit before it
    if not candidates and next_unit is not None and not _mostly_quoted(unit, text):
        first = next_unit.sents[0]
        if first[0].lower_ in ("this", "that") and "by" in {t.lower_ for t in first}:
            for tok in first:
                if tok.dep_ == "agent":
                    pobj = next((c for c in tok.children if c.dep_ == "pobj"), None)
                    if pobj is not None:
                        speaker = _resolve_mention(pobj, ctx)
                        if speaker is not None:
                            return speaker, tokens, "reported"
    if not candidates:
        return None
    # The deepest reporting verb names the speaker ("the minister said that Tillerson
    # emphasised …" is Tillerson's); ties go to the earlier verb. Every clause that speaker
    # reports in the unit is content ("Pompeo said … but added …").
    # Reporting verbs outrank stance verbs nested in what they report: in "Wells
    # acknowledged that … the US will not allow …" the stance is Wells's.
    reports = [c for c in candidates if c[3].lemma_.lower() in REPORTING or c[0] < 0]
    candidates.sort(key=lambda c: (-c[0], c[3].i))
    # a speaker whose state is stated outranks one whose state is only guessed
    reports.sort(key=lambda c: (c[1].guessed, -c[0], c[3].i))
    _depth0, speaker, _attr, _verb = (reports or candidates)[0]
    mine = [c for c in candidates if c[1] == speaker]
    # only the chosen speaker's own attribution is cut: a stance nested in what they report
    # ("Wells said that Pakistan must act …") keeps its subject
    attribution = set().union(*(c[2] for c in mine))
    if _mostly_quoted(unit, text):
        content_ids = {t.i for t in tokens if _in_quote(t, quotes)}
        for _d, _s, _a, verb in mine:
            content_ids |= _clause_ids(verb, with_objects=False)
    else:
        content_ids = set()
        for depth, _s, attr, verb in mine:
            if depth < 0:  # "according to X": the rest of the unit is content
                content_ids |= {t.i for t in tokens if t.i not in attr}
            else:
                content_ids |= _clause_ids(verb, with_objects=True)
        content_ids |= {t.i for t in tokens if _in_quote(t, quotes)}
    content = [t for t in tokens if t.i in content_ids and t.i not in attribution]
    verb = mine[0][3]
    if mine[0][0] >= 0 and verb.dep_ == "parataxis" and not _mostly_quoted(unit, text):
        # a parenthetical attribution ("The US failed …, Asif said, after …"): what was
        # said is the main clause around it, minus the attribution and the circumstances
        # ("after the US suspended aid") that are the reporter's, not the speaker's
        root = verb.head
        outside = {t.i for t in verb.subtree}
        for child in root.children:
            if child.dep_ == "advcl" and any(
                c.dep_ == "mark" and c.lower_ in CIRCUMSTANCE for c in child.children
            ):
                outside |= {t.i for t in child.subtree}
        content = [t for t in root.subtree if t.i not in outside and t.i not in attribution]
    if content and verb.lemma_.lower() in OBJECT_VERBS and not _mostly_quoted(unit, text):
        # "accused the country of playing a double game", "deny providing assistance":
        # the verb is part of the claim when what it reports is its object, not a clause
        keep = {verb.i} | {c.i for c in verb.children if c.dep_ in ("neg", "aux", "prt")}
        content = sorted([*content, *(t for t in tokens if t.i in keep)], key=lambda t: t.i)
    if mine[0][0] < 0 and _statistic(content):
        return None
    kind: Kind = "quote" if quotes and _content_quoted(content, quotes) else "reported"
    return speaker, content, kind


def _clause_ids(verb: Token, *, with_objects: bool) -> set[int]:
    """Token ids of what a reporting verb reports: its clausal complements (and, outside
    quotations, its objects: "emphasised on the need for …", "expressed concern that …")."""
    deps = {"ccomp", "xcomp", "parataxis"}
    if with_objects:
        deps |= {"dobj", "prep", "acomp", "attr", "oprd"}
        if verb.lemma_.lower() in LISTENER_VERBS:
            deps.discard("dobj")  # "told the delegation that …": the delegation only listened
    ids: set[int] = set()
    for child in verb.children:
        if child.dep_ in deps and not (child.dep_ == "prep" and _setting(child)):
            ids |= {t.i for t in child.subtree}
    # a stance verb's own clause (e.g. "Pakistan is concerned about …") includes the verb
    if verb.lemma_.lower() in STANCE or verb.pos_ == "ADJ":
        ids |= {t.i for t in verb.subtree} - {
            t.i for t in verb.children if t.dep_.startswith("nsubj")
        }
    return ids


def _setting(prep: Token) -> bool:
    """Where, when and how something was said ("… told reporters in New Delhi", "… said
    on Wednesday in a statement"), as opposed to what was said."""
    pobj = next((c for c in prep.children if c.dep_ == "pobj"), None)
    if pobj is None:
        return False
    return pobj.ent_type_ in ("GPE", "LOC", "FAC", "DATE", "TIME") or (
        pobj.lemma_.lower() in SETTINGS
    )


def _statistic(content: list[Token]) -> bool:
    """A bare figure ("There are 1.4 million refugees …") is a fact, not a stance."""
    words = [t for t in content if not t.is_punct]
    return bool(words) and words[0].lower_ == "there" and any(t.like_num for t in words)


def _commits(verb: Token) -> bool:
    """ "Pakistan will remain engaged …", "the US must …": a state announcing what it will do."""
    if verb.pos_ != "VERB":
        return False
    modal = any(c.dep_ == "aux" and c.lower_ in ("will", "must", "shall") for c in verb.children)
    subj = _subject(verb)
    return modal and subj is not None and subj.ent_type_ in ("GPE", "NORP")


def _content_tokens(unit: Unit, attribution: set[int], verb: Token | None = None) -> list[Token]:
    tokens = [t for s in unit.sents for t in s if t.i not in attribution]
    if verb is None:
        return tokens
    # reported clause of the chosen verb when it has one; else everything but attribution
    clause = [c for c in verb.children if c.dep_ in ("ccomp", "xcomp", "dobj", "prep", "acomp")]
    quoted_or_clause = {t.i for c in clause for t in c.subtree}
    head_chain_quotes = [t for t in tokens if t.i in quoted_or_clause]
    # keep quoted material outside the clause too ("“…,” Asif said, insisting that …")
    outside = [t for t in tokens if t.i not in quoted_or_clause and t.is_punct is False]
    if head_chain_quotes and verb.lemma_.lower() in REPORTING:
        extra = [t for t in outside if _is_quote_token(t)]
        return sorted(head_chain_quotes + extra, key=lambda t: t.i)
    return tokens


def _is_quote_token(tok: Token) -> bool:
    doc_text = tok.doc.text
    before = doc_text[: tok.idx]
    return before.count("“") > before.count("”") or before.count('"') % 2 == 1


def _content_quoted(content: list[Token], quotes: list[tuple[int, int]]) -> bool:
    if not content:
        return False
    inside = sum(1 for t in content if _in_quote(t, quotes))
    return inside >= 0.5 * len(content)


def _has_unresolved_attribution(unit: Unit, text: str) -> bool:
    """ "…," said Mullen — a named speaker we cannot place: the quote is theirs, so it must
    not be carried over to whoever spoke before."""
    quotes = _quoted_spans(text, unit)
    for sent in unit.sents:
        for tok in sent:
            if (
                tok.lemma_.lower() in REPORTING
                and tok.pos_ == "VERB"
                and not _in_quote(tok, quotes)
                and (subj := _subject(tok)) is not None
                and subj.pos_ in ("PROPN", "NOUN")
            ):
                return True
    return False
