"""What is stored for a stance: a short claim in the text's own words, its kind per topic
(quoted or reported), and one record per (actor, speaker, topic, evidence).

A claim is what an analyst would paste into a memo: one capitalised sentence with a
subject and a finite verb, at most 20 words, never cut off mid-phrase, every word taken
from the evidence in order. It is built over the parse rather than the string: the
reported clause is taken whole, a subject the attribution carried ("Trump accused …",
"the Pentagon said it …") is put back, and a long clause is shortened by dropping whole
optional constituents — parentheticals, appositions, relative and circumstance clauses,
later coordinated clauses, trailing phrases — never by cutting at a word count.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from spacy.tokens import Doc, Token

from bot.indexer.positions.syntax import TokenTable, agent_of, doc_text, subject_of
from bot.indexer.positions.vocabulary import (
    LABEL,
    LEADING_FILLER,
)
from bot.indexer.tagging import Tagger
from bot.indexer.types import ExtractedPosition, Kind

LIMIT = 20
_QUOTE_MARKS = frozenset('“”"‘’`«»')
_ELLIPSIS = frozenset({"…", "...", "…."})
_SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "csubj", "csubjpass", "expl"})
_REFERRING = {"it": "thing", "they": "thing", "he": "person", "she": "person"}
# constituents a sentence can lose and stay a sentence, most dispensable first; within a
# tier the rightmost goes first (news front-loads what matters)
_TIERS: tuple[frozenset[str], ...] = (
    frozenset({"appos", "parataxis", "meta"}),
    frozenset({"relcl", "acl", "advcl"}),
    frozenset({"conj:clause"}),
    frozenset({"npadvmod", "advmod:verb", "prep:verb", "agent:late"}),
    frozenset({"prep:noun", "conj:noun", "acl:noun", "dep"}),
    frozenset({"xcomp:late", "ccomp:late", "dobj:prep"}),
)


def _claim(content: str, limit: int = LIMIT) -> str:
    """A claim from plain text, for callers without a parse: the content clause with
    quotes and attribution trimmed; a longer text ends at a clause boundary (a comma or
    semicolon inside the limit), never mid-phrase with "…"."""
    cleaned = LEADING_FILLER.sub("", re.sub(r"[“”\"]", "", content).strip())
    cleaned = re.sub(r"\s+([,.;:!?%])", r"\1", cleaned)
    cleaned = re.sub(r"\s+", " ", cleaned).strip(" ,;:-—")
    words = cleaned.split()
    if len(words) > limit:
        head = " ".join(words[:limit])
        cut = max(head.rfind(","), head.rfind(";"), head.rfind(" — "))
        cleaned = head[:cut] if cut > len(head) // 3 else head
        cleaned = cleaned.rstrip(" ,;:-—") + "."
    return cleaned[:1].upper() + cleaned[1:]


def claim_from_tokens(
    content: Sequence[Token], speaker_name: str | None = None, limit: int = LIMIT
) -> str:
    """The claim a reported clause (or quotation) makes, as one short sentence.

    `content` is the statement's tokens as attribution found them (possibly spanning
    sentences, possibly without a subject); `speaker_name` stands in for a subject only
    the attribution had and that the text gives as a pronoun ("he accused …"). The first
    sentence that yields a complete claim wins, and within it a clause with its own
    subject beats a verb phrase whose subject is restored, which beats a phrase that
    needs the reporting verb put back. Falls back to `_claim` on the text when the
    tokens hold no clause at all.
    """
    tokens = sorted({t.i: t for t in content if not t.is_space}.values(), key=lambda t: t.i)
    if not tokens:
        return ""
    fallback: list[tuple[int, str]] = []
    everything = {t.i for t in tokens}
    sentences = _by_sentence(tokens)
    for sentence in sentences:
        ids = {t.i for t in sentence} - _label(sentence)
        anchors = [t for t in sentence if t.i in ids and (t.head.i not in ids or t.head == t)]
        anchors += [inner for a in anchors for inner in _inner_clauses(a, ids)]
        found: list[tuple[int, int, str]] = []
        for anchor in anchors:
            if anchor.is_punct:
                continue
            if anchor.pos_ not in ("VERB", "AUX") and anchor.head.i in everything - ids:
                continue  # a fragment cut off by an ellipsis; its verb is the speaker's own
            built = _sentence_for(anchor, ids, speaker_name, limit)
            if built is None:
                continue
            text, complete, rank = built
            if complete:
                found.append((rank, anchor.i, text))
            else:
                fallback.append((rank, text))
        if found:
            return min(found)[2]
    # a quoted fragment ("… with “nothing but lies and deceit”"): the clause around it
    enclosing = _enclosing_clause(sentences[0]) if sentences else None
    if enclosing is not None:
        verb, protected = enclosing
        starts = TokenTable.of(verb.doc).sent_start
        ids = {t.i for t in verb.subtree if starts[t.i] == starts[verb.i]}
        built = _sentence_for(verb, ids, speaker_name, limit, protected=protected)
        if built is not None and built[1]:
            return built[0]
    if fallback:
        return min(fallback)[1]
    return _claim(_render(tokens[0].doc, {t.i for t in tokens}), limit)


def _inner_clauses(anchor: Token, ids: set[int]) -> list[Token]:
    """Under a phrase the parser made the head ("lots more discussion"), the clauses with
    their own subject it holds: each may be the claim on its own."""
    if anchor.pos_ in ("VERB", "AUX"):
        return []
    return [
        t
        for t in anchor.subtree
        if t.i in ids
        and t.pos_ in ("VERB", "AUX")
        and t.dep_ in ("ccomp", "conj", "parataxis")
        and _own_subject(t, ids) is not None
        and _finite(t)
    ]


def _by_sentence(tokens: list[Token]) -> list[list[Token]]:
    """Content split into sentences; an ellipsis ends one too ("I stopped a war … I love
    Pakistan" is two statements, not one run-on)."""
    groups: list[list[Token]] = []
    current_sent = -1
    starts = TokenTable.of(tokens[0].doc).sent_start if tokens else []
    for tok in tokens:
        if starts[tok.i] != current_sent or (groups and groups[-1][-1].text in _ELLIPSIS):
            groups.append([])
            current_sent = starts[tok.i]
        groups[-1].append(tok)
    return [g for g in groups if any(not t.is_punct for t in g)]


def _label(sentence: list[Token]) -> set[int]:
    """An interview label ("Ambassador Chaudhry: …") at the start of a sentence."""
    doc = sentence[0].doc
    text = doc_text(doc)
    line_start = text.rfind("\n", 0, sentence[0].idx) + 1
    match = LABEL.match(text[line_start : sentence[-1].idx + len(sentence[-1])])
    if match is None or line_start + match.end() <= sentence[0].idx:
        return set()
    cut = line_start + match.end()
    return {t.i for t in sentence if t.idx < cut}


def _enclosing_clause(tokens: list[Token]) -> tuple[Token, set[int]] | None:
    """The nearest verb with a subject above a fragment, and the fragment's tokens."""
    ids = {t.i for t in tokens}
    top = next((t for t in tokens if t.head.i not in ids or t.head == t), None)
    if top is None:
        return None
    node = top
    while node.head != node:
        node = node.head
        if node.pos_ in ("VERB", "AUX") and (subject_of(node) is not None or agent_of(node)):
            return node, ids
    return None


def _own_subject(verb: Token, keep: set[int]) -> Token | None:
    """The clause's subject, also where the parser hung it on the auxiliary ("allegations
    were incomprehensible" with "allegations" under "were")."""
    for node in (verb, *(c for c in verb.children if c.dep_ in ("aux", "auxpass"))):
        for child in node.children:
            if child.dep_ in _SUBJECT_DEPS and child.i in keep:
                return child
    return None


def _finite(verb: Token) -> bool:
    if "Fin" in verb.morph.get("VerbForm", []) or verb.tag_ in ("VBD", "VBZ", "VBP", "MD"):
        return True
    return any(c.dep_ in ("aux", "auxpass") and _finite(c) for c in verb.children)


def _sentence_for(
    anchor: Token,
    ids: set[int],
    speaker_name: str | None,
    limit: int,
    protected: set[int] = frozenset(),  # type: ignore[assignment]
) -> tuple[str, bool, int] | None:
    """The anchor's clause as a sentence, whether it is a complete one (a subject, a
    finite verb, within the limit), and how it got its subject (0: its own, 1: restored
    from the attribution, 2: the reporting verb put back too)."""
    doc = anchor.doc
    keep = {t.i for t in anchor.subtree if t.i in ids}
    keep -= _bracketed(doc, keep)  # "(Inaudible)", "[Afghan]": an aside, never the claim
    if len([i for i in keep if not doc[i].is_punct]) < 2:
        return None
    # "that …": the complementiser belongs to the report, not the claim
    for child in anchor.children:
        if child.dep_ == "mark" and child.lower_ in ("that", "whether"):
            keep.discard(child.i)
    prefix: list[str] = []
    root = anchor  # what compression walks: the anchor, or the reporting verb put back
    verb = anchor if anchor.pos_ in ("VERB", "AUX") else None
    subj = _own_subject(verb, keep) if verb is not None else None
    rank = 0
    fixed = set(protected)
    if verb is not None and subj is not None:
        fixed.add(subj.i)
        replacement = _resolved_pronoun(subj, anchor, speaker_name)
        if replacement is not None:
            keep.discard(subj.i)
            prefix = [replacement]
    elif verb is not None and _finite(verb):
        # a bare verb phrase ("accused Pakistan of …", "deny giving …"): its own subject,
        # where the text has it ("…, a charge Pakistan denies")
        rank = 1
        found = subject_of(verb) or agent_of(verb)
        named = _mention_ids(found)
        if found is not None and named & _label(list(anchor.sent)):
            # "Ambassador Chaudhry: Pakistan and the US have …" parsed as an apposition
            named = {t.i for c in found.children if c.dep_ == "appos" for t in c.subtree}
            named &= ids
        if named:
            keep |= named
            fixed |= named
        else:
            prefix = [_mention(found, speaker_name)]
        # "urged him to be more sensitive": the listener the report left out is needed
        if any(c.dep_ == "xcomp" and c.i in keep for c in verb.children):
            keep |= {c.i for c in verb.children if c.dep_ == "dobj" and c.pos_ == "PRON"}
    else:
        # a noun phrase, infinitive or prepositional object of the reporting verb
        # ("emphasised the need for …", "vowed to crush …"): say the report itself
        head = anchor.head
        rank = 2
        if any(doc[i].tag_ in ("WDT", "WP", "WRB") for i in keep):
            return None  # "in which …": a relative clause's piece, not a statement
        if head.i == anchor.i or head.pos_ not in ("VERB", "AUX"):
            if speaker_name is None or verb is None:
                return None
            prefix = [speaker_name]
        else:
            found = subject_of(head) or agent_of(head)
            named = _mention_ids(found)
            helpers = [c for c in head.children if c.dep_ in ("aux", "auxpass", "neg", "prt")]
            # everything the verb reports, not just this piece of it ("emphasised on the
            # need … and [terrorists’] safe havens on its soil", parsed as two objects)
            for sibling in head.children:
                if (
                    sibling.i in ids
                    and sibling.i != anchor.i
                    and sibling.i > head.i
                    and sibling.dep_ in ("dobj", "prep", "ccomp", "xcomp", "attr", "dative")
                    and not any(t.tag_ in ("WDT", "WP", "WRB") for t in sibling.subtree)
                ):
                    keep |= {t.i for t in sibling.subtree if t.i in ids}
            root = head
            if named:
                report = named | {head.i} | {c.i for c in helpers}
                keep |= report
                fixed |= report
            else:
                subject = _mention(found, speaker_name)
                before = [_spelled(c) for c in helpers if c.i < head.i and c.dep_ != "prt"]
                after = [c.text for c in helpers if c.i > head.i]
                prefix = [subject, *before, head.text, *after] if subject else []
    prefix = [p for p in prefix if p]
    if not prefix and subj is None and rank == 0:
        return None
    budget = limit - sum(len(p.split()) for p in prefix)
    keep = _compress(root, keep, budget, fixed)
    body = _render(doc, keep)
    if prefix:
        body = _expand_clitic(body)
    text = _finish(" ".join([*prefix, body]) if prefix else body)
    if len(text.split()) - sum(len(p.split()) for p in prefix) < 2:
        return None
    complete = 3 <= len(text.split()) <= limit and (bool(prefix) or rank > 0 or subj is not None)
    return text, complete, rank


def _spelled(aux: Token) -> str:
    """An auxiliary that follows a restored name in full: "he’s vowing" → "Trump is vowing"."""
    text = aux.text.replace("’", "'").lower()
    if text == "'s":
        return "has" if aux.head.tag_ == "VBN" else "is"
    if text == "n't":
        return "not"
    return _CLITICS.get(text, aux.text)


_CLITICS = {
    "'ll": "will",
    "’ll": "will",
    "'re": "are",
    "’re": "are",
    "'ve": "have",
    "’ve": "have",
    "'d": "would",
    "’d": "would",
}


def _expand_clitic(body: str) -> str:
    """ "he’ll consult" with "he" restored as a name: "Mattis will consult", not "Mattis’ll"."""
    first, _, rest = body.partition(" ")
    word = _CLITICS.get(first.lower())
    return f"{word} {rest}" if word else body


def _resolved_pronoun(subj: Token, anchor: Token, speaker_name: str | None) -> str | None:
    """ "The Pentagon said it has …" → "The Pentagon has …": a reported clause's it/he/she
    is the reporting subject when the two agree; quoted pronouns stay the speaker's."""
    kind = _REFERRING.get(subj.lower_)
    if kind is None or _inside_quotes(subj):
        return None
    report = anchor.head
    if report.i == anchor.i or report.pos_ not in ("VERB", "AUX"):
        return None
    teller = subject_of(report) or agent_of(report)
    if teller is None:
        return None
    if teller.pos_ == "PRON":
        if kind == "person" and teller.lower_ in ("he", "she") and speaker_name:
            return speaker_name
        return None
    person = teller.ent_type_ == "PERSON"
    if (kind == "person") != person:
        return None
    return _mention(teller, speaker_name)


def _mention_ids(tok: Token | None) -> set[int]:
    """The tokens of a named subject (not a pronoun), without its appositions or clauses;
    empty when there is none or it runs past six words."""
    if tok is None or tok.pos_ == "PRON":
        return set()
    drop = {"appos", "relcl", "acl", "punct", "prep", "advmod"}
    ids = {t.i for t in tok.subtree}
    for child in tok.children:
        if child.dep_ in drop:
            ids -= {t.i for t in child.subtree}
    is_punct = TokenTable.of(tok.doc).is_punct
    ids -= {i for i in ids if is_punct[i]}
    if len(ids) > 6 or not ids or max(ids) - min(ids) + 1 != len(ids):
        return set()
    return ids


def _mention(tok: Token | None, speaker_name: str | None) -> str:
    """A subject as the text names it, without its appositions or clauses ("President
    Donald Trump, who …, welcomed" → "President Donald Trump"); a pronoun or a subject of
    more than six words gives way to the speaker's name."""
    if tok is None:
        return speaker_name or ""
    if tok.pos_ == "PRON":
        if tok.lower_ in ("we", "i"):
            return tok.text
        return speaker_name or ""
    drop = {"appos", "relcl", "acl", "punct", "prep", "conj", "cc", "advmod"}
    ids = {t.i for t in tok.subtree}
    for child in tok.children:
        if child.dep_ in drop:
            ids -= {t.i for t in child.subtree}
    text = _render(tok.doc, ids)
    if not text or len(text.split()) > 6:
        return speaker_name or text
    return text[:1].upper() + text[1:]


def _inside_quotes(tok: Token) -> bool:
    doc = tok.doc
    before = doc_text(doc)[doc[TokenTable.of(doc).sent_start[tok.i]].idx : tok.idx]
    return before.count("“") > before.count("”") or before.count('"') % 2 == 1


def _optional(anchor: Token, keep: set[int]) -> list[tuple[int, Token]]:
    """The constituents under `anchor` that may go, as (tier, head token)."""
    out: list[tuple[int, Token]] = []
    spine = {anchor.i}
    # the clause's own subject, verb chain and objects are the sentence; never dropped
    for tok in anchor.subtree:
        if tok.i not in keep or tok.i == anchor.i:
            continue
        dep = tok.dep_
        head = tok.head
        label: str | None = None
        if dep in ("appos", "parataxis", "meta") or _parenthetical(tok):
            label = "appos"
        elif dep in ("relcl", "advcl") or (dep == "acl" and head.pos_ in ("VERB", "AUX")):
            label = "relcl"
        elif dep == "conj" and tok.pos_ in ("VERB", "AUX") and head.i in spine | {anchor.i}:
            label = "conj:clause"
        elif dep == "npadvmod" or (dep == "advmod" and head.pos_ in ("VERB", "AUX")):
            label = "advmod:verb" if tok.lower_ not in ("not", "never", "no") else None
        elif dep in ("prep", "agent") and head.pos_ in ("VERB", "AUX", "ADJ"):
            label = "prep:verb"
        elif dep == "prep" and head.pos_ in ("NOUN", "PROPN", "PRON", "NUM"):
            label = "prep:noun"
        elif dep == "conj" and tok.pos_ not in ("VERB", "AUX"):
            label = "conj:noun"
        elif dep == "acl":
            label = "acl:noun"
        elif dep == "dep":
            label = "dep"
        elif dep in ("xcomp", "ccomp") and head.i != anchor.i:
            label = f"{dep}:late"
        if label is None:
            continue
        tier = next(i for i, names in enumerate(_TIERS) if label in names)
        out.append((tier, tok))
    return out


def _parenthetical(tok: Token) -> bool:
    """A constituent set off by brackets or paired dashes."""
    text = TokenTable.of(tok.doc).text
    left, right = tok.left_edge.i, tok.right_edge.i
    before = text[left - 1] if left > 0 else ""
    after = text[right + 1] if right + 1 < len(text) else ""
    return (before, after) in (("(", ")"), ("[", "]"), ("—", "—"), ("--", "--"), ("–", "–"))


def _words(doc: Doc, keep: set[int]) -> int:
    return len(_render(doc, keep).split())


def _compress(anchor: Token, keep: set[int], budget: int, protected: set[int]) -> set[int]:
    """Drop whole optional constituents, most dispensable and rightmost first, until the
    clause fits `budget` words. A constituent holding a protected token (the subject, a
    quoted fragment the claim is about) or glued to a word ("US-led", "broad-based") stays.
    """
    doc = anchor.doc
    keep = set(keep)
    if _words(doc, keep) <= budget:
        return keep
    options = _optional(anchor, keep)
    options.sort(key=lambda o: (o[0], -o[1].i))
    for _tier, tok in options:
        if tok.i not in keep or _glued(tok):
            continue
        span = {t.i for t in tok.subtree}
        if span & protected:
            continue
        keep -= span
        keep -= _orphaned_joiners(tok, keep)
        if _words(doc, keep) <= budget:
            break
    return keep


def _glued(tok: Token) -> bool:
    doc = tok.doc
    left, right = tok.left_edge, tok.right_edge
    if left.i > 0 and (doc[left.i - 1].text == "-" or not doc[left.i - 1].whitespace_):
        return doc[left.i - 1].text not in ("(", "[", "—", "“", '"') and not left.is_punct
    return right.i + 1 < len(doc) and doc[right.i + 1].text == "-"


def _bracketed(doc: Doc, keep: set[int]) -> set[int]:
    out: set[int] = set()
    depth = 0
    texts = TokenTable.of(doc).text
    for i in sorted(keep):
        text = texts[i]
        if text in ("(", "["):
            depth += 1
        if depth:
            out.add(i)
        if text in (")", "]") and depth:
            depth -= 1
    return out


def _orphaned_joiners(dropped: Token, keep: set[int]) -> set[int]:
    """The comma, "and" or "that" that introduced a dropped constituent ("X, Y and Z"
    losing Z loses the "and"; then losing Y loses the comma)."""
    out: set[int] = set()
    doc = dropped.doc
    i = dropped.left_edge.i - 1
    while i >= 0 and i in keep and (doc[i].is_punct or doc[i].dep_ in ("cc", "mark")):
        if doc[i].text in ("(", "[") or doc[i].text in _QUOTE_MARKS:
            break
        out.add(i)
        i -= 1
    after = dropped.right_edge.i + 1
    if (
        after < len(doc)
        and after in keep
        and doc[after].text == ","
        and dropped.left_edge.i > 0
        and doc[dropped.left_edge.i - 1].text == ","
    ):
        out.add(after)  # ", which …," : both commas of the aside
    return out


def _render(doc: Doc, keep: Iterable[int]) -> str:
    """Kept tokens back to text, keeping the article's spacing inside contiguous runs."""
    tab = TokenTable.of(doc)
    words, space = tab.text, tab.whitespace
    ids = sorted(i for i in keep if words[i] not in _QUOTE_MARKS and not tab.is_space[i])
    ids = [
        i
        for i in ids
        if words[i] not in _ELLIPSIS
        and not (words[i] in ("'", "‘", "’") and tab.tag[i] != "POS" and not _possessive_at(tab, i))
    ]
    kept = set(ids)
    parts: list[str] = []
    for n, i in enumerate(ids):
        parts.append(words[i])
        if i + 1 < len(words) and i + 1 not in kept and _possessive_at(tab, i + 1):
            parts.append(words[i + 1])  # the parser hung "’" elsewhere; it is this word's
        if n + 1 < len(ids):
            nxt = ids[n + 1]
            contiguous = all(words[j] in _QUOTE_MARKS for j in range(i + 1, nxt))
            if contiguous:
                gap = space[i] or "".join(space[j] for j in range(i + 1, nxt))
                parts.append(" " if gap else "")
            else:
                parts.append(" ")
    text = "".join(parts)
    text = re.sub(r"\s+([,.;:!?%)\]])", r"\1", text)
    text = re.sub(r"([(\[])\s+", r"\1", text)
    text = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", text)
    text = re.sub(r"\s+", " ", text)
    return text.strip()


def _possessive(tok: Token) -> bool:
    """ "terrorists’ safe havens": an apostrophe glued to a plural, not a quotation mark."""
    return _possessive_at(TokenTable.of(tok.doc), tok.i)


def _possessive_at(tab: TokenTable, i: int) -> bool:
    if i == 0 or tab.text[i] not in ("'", "’"):
        return False
    return (
        not tab.whitespace[i - 1]
        and tab.text[i - 1].lower().endswith("s")
        and bool(tab.whitespace[i])
    )


def _finish(text: str) -> str:
    """Leading fillers off, a capital first, one full stop at the end."""
    text = LEADING_FILLER.sub("", text).strip()
    end = "?" if text.endswith("?") else "!" if text.endswith("!") else "."
    previous = None
    while text != previous:
        previous = text
        text = text.strip(" ,;:-—–.?!")
        text = re.sub(r"\s+(and|or|but|that|which|who|of|to|in|on|for|with|as|by)$", "", text)
    if not text:
        return text
    return text[:1].upper() + text[1:] + end


# ------------------------------------------------------------ measuring readability

_WORD = re.compile(r"[\w$%][\w$%'’.\-/]*")


# contractions spelled out, so "Mattis will consult" is found in "he’ll consult"
_EXPANDED = (
    (re.compile(r"(?i)'ll\b"), " will"),
    (re.compile(r"(?i)'re\b"), " are"),
    (re.compile(r"(?i)'ve\b"), " have"),
    (re.compile(r"(?i)'d\b"), " would"),
    (re.compile(r"(?i)n't\b"), " not"),
    (re.compile(r"(?i)\b(he|she|it|that)'s\b"), r"\1 is"),
)


def _norm_words(text: str) -> list[str]:
    text = text.replace("’", "'")
    for pattern, full in _EXPANDED:
        text = pattern.sub(full, text)
    text = text.replace("...", " ").replace("…", " ")
    return [w.strip(".'").casefold() for w in _WORD.findall(text)]


def claim_problems(
    claim: str,
    evidence: str,
    parse: Callable[[str], Doc],
    names: Iterable[str | None] = (),
    limit: int = LIMIT,
) -> list[str]:
    """Why a claim would not paste into a memo; empty when it reads as a sentence.

    Checks: capitalised; a subject with a finite verb per spaCy; at most `limit` words;
    never an ellipsis; every word from the evidence in its order (the words of `names`,
    the speaker and state a restored subject may take, are allowed anywhere).
    """
    problems: list[str] = []
    stripped = claim.strip()
    if not stripped or not (stripped[0].isupper() or stripped[0].isdigit() or stripped[0] in "$£"):
        problems.append("not capitalised")
    if "…" in stripped or "..." in stripped:
        problems.append("ellipsis")
    if len(stripped.split()) > limit:
        problems.append(f"{len(stripped.split())} words")
    doc = parse(stripped)
    if not any(
        t.dep_ in _SUBJECT_DEPS and t.head.pos_ in ("VERB", "AUX") and _finite(t.head) for t in doc
    ):
        problems.append("no subject with a finite verb")
    allowed = {w for n in names if n for w in _norm_words(n)} | {"the"}
    source = _norm_words(evidence)
    pos = 0
    for word in _norm_words(stripped):
        try:
            pos = source.index(word, pos) + 1
        except ValueError:
            if word not in allowed:
                problems.append(f"“{word}” not in the evidence in order")
                break
    return problems


# ------------------------------------------------------------ kinds and records


def kind_for(
    kind: Kind,
    topic: str,
    evidence: str,
    quoted: list[tuple[int, int]],
    tagger: Tagger,
    unit_start: int,
) -> Kind:
    """Per topic: a topic whose cue sits inside the quotation marks is quoted, else reported."""
    if not quoted:
        return "reported" if kind == "quote" and not quoted else kind
    spans = tagger.spans(evidence).get(topic, [])
    rel = [(s - unit_start, e - unit_start) for s, e in quoted]
    if spans and all(not any(a <= s < b for a, b in rel) for s, _ in spans):
        return "reported"
    return "quote" if spans else kind


def dedupe_positions(positions: Iterable[ExtractedPosition]) -> list[ExtractedPosition]:
    seen: set[tuple[str, str | None, str, str]] = set()
    out: list[ExtractedPosition] = []
    for p in positions:
        key = (p.actor, p.speaker, p.topic, p.evidence)
        if key in seen:
            continue
        seen.add(key)
        out.append(p)
    return out
