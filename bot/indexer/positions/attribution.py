"""Which speaker a unit's statement belongs to, and which of its words are the statement:
reporting verbs (the deepest wins, so nested speech is the inner speaker's), stance
verbs, "according to", colon-introduced quotes, and parenthetical attributions.
"""

from __future__ import annotations

from typing import NamedTuple

from spacy.tokens import Token

from bot.indexer.positions.patterns import Candidate, Reading, candidates, has_that_clause
from bot.indexer.positions.speakers import (
    ArticleContext,
    Speaker,
    resolve_mention,
)
from bot.indexer.positions.syntax import doc_text, subject_of
from bot.indexer.positions.units import (
    Unit,
    in_quote,
    mostly_quoted,
    quoted_spans,
)
from bot.indexer.positions.vocabulary import (
    ATTRIBUTION_NOUNS,
    CHARGE_NOUNS,
    CIRCUMSTANCE,
    DENIAL_VERBS,
    DOCUMENTS,
    LISTENER_VERBS,
    OBJECT_VERBS,
    QUESTION_NOUNS,
    REPORTING,
    SETTINGS,
    STANCE,
)
from bot.indexer.types import Kind


class Attribution(NamedTuple):
    """One speaker's statement in a unit: who, the words that are the statement, and
    whether they were quoted."""

    speaker: Speaker
    content: list[Token]
    kind: Kind
    pattern: str


def attribute(
    unit: Unit, text: str, ctx: ArticleContext, next_unit: Unit | None
) -> list[Attribution]:
    """Who speaks in a unit, and what each of them says.

    Usually one speaker. Several when subjects are conjoined ("the State Department and
    Pakistan's foreign ministry said"), when independent clauses report different people
    ("Asif tweeted that …, while the ministry tweeted that …"), or when a charge is
    reported together with its denial ("X says …, a charge Pakistan denies").
    """
    r = Reading.of(unit, text, ctx)
    found = candidates(r)
    if not found:
        fallback = _colon_quote(r) or _given_by(r, next_unit)
        return [fallback] if fallback else []
    primary = _choose(found)
    for c in found:
        if _in_a_document(c.trigger):
            ctx.last_issuer, ctx.last_issuer_unit = c.speaker, ctx.unit_index
    main = _statement(r, found, primary)
    if main is None:
        return []
    out = [main]
    chosen = [primary]
    for other in found:
        if any(other.speaker == c.speaker for c in chosen):
            said = _said_in_relative_clause(other, out)
            if said:
                # "Trump, who accused Pakistan of deceit, welcomed …": the speaker's earlier
                # words, told in a clause about them, are theirs as well
                out = [
                    a._replace(content=sorted({*a.content, *said}, key=lambda t: t.i))
                    if a.speaker == other.speaker
                    else a
                    for a in out
                ]
            continue
        same_trigger = other.trigger.i == primary.trigger.i
        # a speech noun with its own clause ("in reference to Trump's claim that …") is
        # its owner's statement wherever it sits
        if same_trigger or other.pattern == "nominal" or _independent(other, chosen, found):
            statement = _statement(r, found, other)
        elif _denies_a_charge(other) and other.speaker.actor != primary.speaker.actor:
            statement = Attribution(other.speaker, main.content, "reported", "denial")
        else:
            continue
        if statement is not None:
            chosen.append(other)
            out.append(statement)
    return out


def _said_in_relative_clause(other: Candidate, statements: list[Attribution]) -> list[Token]:
    """The words of a reporting verb in a relative clause on its speaker's own mention ("X,
    who accused Pakistan of deceit, …"), when X's statement in the unit left them out as
    part of its subject."""
    verb = other.trigger
    if verb.dep_ != "relcl" or not other.reports:
        return []
    mine = next((a for a in statements if a.speaker == other.speaker), None)
    if mine is None:
        return []
    have = {t.i for t in mine.content}
    return [
        t
        for t in verb.subtree
        if t.i not in have and t.i not in other.attribution and not t.is_punct
    ]


def _in_a_document(trigger: Token) -> bool:
    """ "X, in a statement, said …": X is the issuer of the statement quoted next."""
    return any(
        c.dep_ == "prep"
        and c.lower_ == "in"
        and any(p.lemma_.lower() in DOCUMENTS for p in c.children if p.dep_ == "pobj")
        for c in trigger.children
    )


def _choose(found: list[Candidate]) -> Candidate:
    """The deepest reporting form names the speaker ("the minister said that Tillerson
    emphasised …" is Tillerson's); ties go to the earlier trigger. Reporting forms outrank
    stance forms nested in what they report: in "Wells acknowledged that … the US will not
    allow …" the stance is Wells's. A speaker whose state is stated outranks one whose
    state is only guessed."""
    pool = [c for c in found if not _denies_a_charge(c)] or found
    reports = sorted(
        (c for c in pool if c.reports),
        # a speech noun ("referring to Trump's claim that …") is its own statement: it
        # names the unit's speaker only when no verb does
        key=lambda c: (c.pattern == "nominal", c.speaker.guessed, -c.rank, c.trigger.i),
    )
    if reports:
        chosen = reports[0]
        if chosen.speaker.kind in ("state", "group"):
            # "the spokesperson said the US has admitted …": what a state is said to
            # think is the reporting speaker's claim about it, not the state's statement
            for outer in reports[1:]:
                if (
                    outer.rank < chosen.rank
                    and outer.speaker.kind in ("person", "body")
                    and chosen.trigger.i in _clause_ids(outer.trigger, with_objects=True)
                ):
                    return outer
        return chosen
    return sorted(pool, key=lambda c: (-c.rank, c.trigger.i))[0]


def _independent(other: Candidate, chosen: list[Candidate], found: list[Candidate]) -> bool:
    """A reporting form that is neither inside what a chosen speaker says nor says what a
    chosen speaker says: its own statement."""
    if not other.reports or other.rank < 0:
        return False
    for c in chosen:
        if other.trigger.i in _clause_ids(c.trigger, with_objects=True):
            return False
        if c.trigger.i in _clause_ids(other.trigger, with_objects=True):
            return False
    return True


def _denies_a_charge(candidate: Candidate) -> bool:
    """ "…, a charge Pakistan denies": the denial is the other side's statement on the
    same matter, not part of the accuser's, and never names the unit's main speaker."""
    trigger = candidate.trigger
    if trigger.lemma_.lower() not in DENIAL_VERBS:
        return False
    if trigger.dep_ in ("relcl", "acl") and trigger.head.lemma_.lower() in CHARGE_NOUNS:
        return True
    # the parser often reads the fronted object literally: "[a charge] Pakistan denies"
    return any(
        c.dep_ == "dobj" and c.lemma_.lower() in CHARGE_NOUNS and c.i < trigger.i
        for c in trigger.children
    )


def _statement(r: Reading, found: list[Candidate], chosen: Candidate) -> Attribution | None:
    """The words that are `chosen.speaker`'s statement: what their reporting forms report
    (the quotation when the unit is mostly quoted), without the attribution."""
    unit, text, tokens, quotes = r.unit, r.text, r.tokens, r.quotes
    speaker = chosen.speaker
    mine = [c for c in found if c.speaker == speaker]
    # only the chosen speaker's own attribution is cut: a stance nested in what they report
    # ("Wells said that Pakistan must act …") keeps its subject
    attribution: set[int] = set().union(*(c.attribution for c in mine))
    if mostly_quoted(unit, text):
        content_ids = {t.i for t in tokens if in_quote(t, quotes)}
        for c in mine:
            content_ids |= _clause_ids(c.trigger, with_objects=False)
    else:
        content_ids = set()
        for c in mine:
            if c.rank < 0:  # "according to X": the rest of the unit is content
                content_ids |= {t.i for t in tokens if t.i not in c.attribution}
            elif c.pattern == "stance-noun":  # "X's stance is that …": what it is
                content_ids |= {t.i for t in c.trigger.head.subtree}
            elif c.pattern == "nominal":
                content_ids |= {
                    t.i
                    for child in c.trigger.children
                    if child.dep_ in ("acl", "ccomp", "relcl")
                    for t in child.subtree
                }
            else:
                content_ids |= _clause_ids(c.trigger, with_objects=True)
                if c.trigger.dep_ == "acl":
                    # "a suspension of aid announced by X": what X announced is the noun
                    head = c.trigger.head
                    content_ids |= {t.i for t in head.subtree} - {t.i for t in c.trigger.subtree}
        content_ids |= {t.i for t in tokens if in_quote(t, quotes)}
    content_ids -= _claims_in_questions(tokens, chosen.trigger)
    content = [t for t in tokens if t.i in content_ids and t.i not in attribution]
    first = mine[0]
    verb = first.trigger
    if first.rank >= 0 and verb.dep_ == "parataxis" and not mostly_quoted(unit, text):
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
    if content and verb.lemma_.lower() in OBJECT_VERBS and not mostly_quoted(unit, text):
        # "accused the country of playing a double game", "deny providing assistance":
        # the verb is part of the claim when what it reports is its object, not a clause
        keep = {verb.i} | {c.i for c in verb.children if c.dep_ in ("neg", "aux", "prt")}
        content = sorted([*content, *(t for t in tokens if t.i in keep)], key=lambda t: t.i)
    if first.rank < 0 and _statistic(content):
        return None
    kind: Kind = "quote" if quotes and _content_quoted(content, quotes) else "reported"
    return Attribution(speaker, content, kind, first.pattern)


def _claims_in_questions(tokens: list[Token], own: Token) -> set[int]:
    """Token ids of someone else's claim quoted inside a question put to the speaker ("Toner
    was responding to a question about Aziz's statement that the network had left"): the
    question tells what the answer is about, but the claim in it is the claimant's (read
    as their own statement by `nominal_attributions` when they can be placed), not the
    answerer's — left in, it would give the answerer the claimant's words and topic.
    `own` is the trigger of the statement being cut: the claimant's own speech noun stays."""
    out: set[int] = set()
    for tok in tokens:
        lemma = tok.lemma_.lower()
        if tok.pos_ != "NOUN" or (lemma not in ATTRIBUTION_NOUNS and lemma not in DOCUMENTS):
            continue
        if tok.i == own.i:
            continue  # the claimant's own statement, read from their speech noun
        if not any(c.dep_ in ("acl", "ccomp") and has_that_clause(c) for c in tok.children):
            continue
        owner = next((c for c in tok.children if c.dep_ == "poss"), None)
        if owner is not None and owner.pos_ == "PRON":
            continue  # "a question about his statement that …": the answerer's own words
        node = tok
        while node.head.i != node.i:
            node = node.head
            if node.pos_ == "NOUN" and node.lemma_.lower() in QUESTION_NOUNS:
                out |= {t.i for t in tok.subtree}
                break
    return out


def _colon_quote(r: Reading) -> Attribution | None:
    """ "… Trump's tweet: "…"", "she said: "…"": the speaker named before the colon."""
    if not r.quotes:
        return None
    intro = r.text[r.unit.start : r.quotes[0][0]]
    if not intro.rstrip().endswith(":"):
        return None
    intro_tokens = [t for t in r.tokens if t.idx < r.quotes[0][0]]
    for tok in reversed(intro_tokens):
        named = tok.ent_type_ in ("PERSON", "ORG", "NORP", "GPE") or tok.pos_ == "PROPN"
        if named or (tok.pos_ == "PRON" and tok.dep_.startswith("nsubj")):
            speaker = resolve_mention(tok, r.ctx)
            if speaker is not None:
                content = [t for t in r.tokens if t.idx >= r.quotes[0][0]]
                return Attribution(speaker, content, "quote", "colon-quote")
    return None


def _given_by(r: Reading, next_unit: Unit | None) -> Attribution | None:
    """ "This was the message given by X …" attributes the unit before it."""
    if next_unit is None or mostly_quoted(r.unit, r.text):
        return None
    first = next_unit.sents[0]
    if first[0].lower_ not in ("this", "that") or "by" not in {t.lower_ for t in first}:
        return None
    for tok in first:
        if tok.dep_ == "agent":
            pobj = next((c for c in tok.children if c.dep_ == "pobj"), None)
            if pobj is not None:
                speaker = resolve_mention(pobj, r.ctx)
                if speaker is not None:
                    return Attribution(speaker, r.tokens, "reported", "given-by")
    return None


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


def content_tokens(unit: Unit, attribution: set[int], verb: Token | None = None) -> list[Token]:
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
    before = doc_text(tok.doc)[: tok.idx]
    return before.count("“") > before.count("”") or before.count('"') % 2 == 1


def _content_quoted(content: list[Token], quotes: list[tuple[int, int]]) -> bool:
    if not content:
        return False
    inside = sum(1 for t in content if in_quote(t, quotes))
    return inside >= 0.5 * len(content)


def has_unresolved_attribution(unit: Unit, text: str) -> bool:
    """ "…," said Mullen — a named speaker we cannot place: the quote is theirs, so it must
    not be carried over to whoever spoke before."""
    quotes = quoted_spans(text, unit)
    for sent in unit.sents:
        for tok in sent:
            if (
                tok.lemma_.lower() in REPORTING
                and tok.pos_ == "VERB"
                and not in_quote(tok, quotes)
                and (subj := subject_of(tok)) is not None
                and subj.pos_ in ("PROPN", "NOUN")
            ):
                return True
    return False
