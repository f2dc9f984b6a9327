"""Who a mention is: people, bodies, states and unnamed officials, resolved to the state
they speak for. Pronouns prefer the previous sentence's subject; a bare title goes to the
person the article named with that office, or to nobody — never to whoever spoke last.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from spacy.tokens import Span, Token

from bot.indexer.actors import ActorDirectory, strip_titles
from bot.indexer.positions.syntax import (
    TokenTable,
    doc_text,
    ent_of,
    span_of,
    subject_of,
)
from bot.indexer.positions.units import (
    Unit,
)
from bot.indexer.positions.vocabulary import (
    DOCUMENTS,
    GATHERINGS,
    GOVERNMENTS,
    PRONOUNS,
    SINGLE_STATE_OFFICES,
    TITLE_SYNONYMS,
    TITLE_VOCABULARY,
    TITLE_WORDS,
    UNNAMED,
)


@dataclass
class Speaker:
    actor: str
    name: str | None = None
    office: str | None = None
    kind: str = "person"  # person | body | state | group
    guessed: bool = False  # the state is the article's default, not stated in the text

    def display(self) -> str:
        return self.name or self.actor


@dataclass
class ArticleContext:
    directory: ActorDirectory
    published: dt.date | None
    last_person: Speaker | None = None
    last_group: Speaker | None = None
    last_body: Speaker | None = None
    last_any: Speaker | None = None
    last_mentioned: Speaker | None = None  # last known person named, speaking or not
    last_unit_paragraph: int = -10
    seen_names: dict[str, str] = field(default_factory=dict)  # canonical → as written
    # people not in actors.yaml, placed by an earlier titled mention ("U.S. Defense
    # Secretary Leon Panetta"), so a later "Panetta warned" still resolves; by surname
    unknown_people: dict[str, Speaker] = field(default_factory=dict)
    # every person named so far, most recent last, and the titles the text gave them
    # ("Ambassador Alice Wells"), for resolving "the ambassador", "the prime minister"
    people: list[Speaker] = field(default_factory=list)
    titles: dict[str, set[str]] = field(default_factory=dict)
    # the person who was the grammatical subject of the previous unit: the preferred
    # antecedent of "he"/"she" ("Khalilzad thanked Qureshi … He added that …")
    last_subject: Speaker | None = None
    unit_index: int = 0
    last_subject_unit: int = -10
    last_speaker_unit: int = -10
    # institutions named, speaking or not, most recent last, with the words they were
    # named with (for "the embassy" → "Pakistan's embassy in Washington")
    bodies_seen: list[tuple[Speaker, frozenset[str]]] = field(default_factory=list)
    # who last spoke "in a statement": the issuer of a later "the statement added"
    last_issuer: Speaker | None = None
    last_issuer_unit: int = -10
    ents: list[Span] = field(default_factory=list)  # doc.ents, computed once per document

    def met(self, speaker: Speaker, title_words: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        if speaker.kind != "person" or not speaker.name:
            return
        self.people = [p for p in self.people if p.name != speaker.name] + [speaker]
        if title_words:
            self.titles.setdefault(speaker.name, set()).update(title_words)

    def remember(self, speaker: Speaker) -> None:
        self.last_any = speaker
        self.last_speaker_unit = self.unit_index
        if speaker.kind == "person":
            self.last_person = speaker
            self.met(speaker)
        elif speaker.kind == "group":
            self.last_group = speaker
        else:
            self.last_body = speaker


def resolve_mention(
    tok: Token,
    ctx: ArticleContext,
    *,
    allow_state: bool = True,
    within: tuple[int, int] | None = None,
) -> Speaker | None:
    """The speaker a mention names; `within` clips the mention's phrase to one part of a
    coordinated subject."""
    lower = tok.lower_
    if lower in ("who", "which", "that") and tok.head.dep_ in ("relcl", "acl"):
        # "Tillerson, who insisted …": the relative pronoun is the noun it follows
        antecedent = tok.head.head
        if antecedent.i != tok.i and antecedent.pos_ in ("PROPN", "NOUN"):
            return resolve_mention(antecedent, ctx, allow_state=allow_state)
        return None
    if lower in PRONOUNS and tok.pos_ == "PRON":
        found = _pronoun(tok, ctx)
        if found is not None and found.name and _is_listener(found.name, tok):
            return None  # "he told Tillerson": he is not Tillerson
        return found
    return _mention(tok, ctx, allow_state=allow_state, within=within)


def _is_listener(name: str, pronoun: Token) -> bool:
    """Whether the person is the object or addressee of the pronoun's own verb."""
    verb = pronoun.head
    surname = name.split()[-1].casefold()
    addressed = (
        c
        for c in verb.children
        if c.dep_ in ("dobj", "dative", "iobj") or (c.dep_ == "prep" and c.lower_ in ("to", "with"))
    )
    return any(t.lower_ == surname for c in addressed for t in c.subtree)


def _pronoun(tok: Token, ctx: ArticleContext) -> Speaker | None:
    """He/she: a person named earlier in the sentence, else the previous unit's subject,
    else the last person; it: the last body; they: the last group."""
    lower = tok.lower_
    role = PRONOUNS[lower]
    if lower in ("it", "they"):
        bound, matrix = _matrix_subject(tok, ctx)
        if bound:
            return matrix
    if role == "person":
        earlier = _person_earlier_in_sentence(tok, ctx)
        if earlier is not None:
            return earlier
        if ctx.last_subject is not None and ctx.unit_index - ctx.last_subject_unit <= 1:
            return ctx.last_subject
        return ctx.last_person or ctx.last_mentioned
    if role == "body":
        named, earlier = _body_earlier_in_sentence(tok, ctx)
        if named:
            return earlier
        return ctx.last_body or ctx.last_any
    if lower == "we":
        return None  # inside narration "we" is the outlet; quotes handle themselves
    named, group = _group_earlier_in_sentence(tok, ctx)
    if named:
        return group
    return ctx.last_group or ctx.last_body or ctx.last_person


def _matrix_subject(pronoun: Token, ctx: ArticleContext) -> tuple[bool, Speaker | None]:
    """ "The US announced that it was withholding aid", "the agency said it had notified
    Congress", "officials said they would …": "it"/"they" as the subject of what a body,
    state or group reports binds to that reporter, not to whoever was named last — the
    last body is often the other side's, named in the previous sentence. (bound, speaker):
    bound with no speaker when the reporter is a thing we cannot place, since then nobody
    else is the pronoun's antecedent either. A person as the reporter leaves "it"/"they"
    to the usual reading ("Wells said it was time …")."""
    clause = pronoun.head
    if not pronoun.dep_.startswith("nsubj") or clause.dep_ != "ccomp":
        return False, None
    subj = subject_of(clause.head)
    if subj is None or subj.i == pronoun.i or subj.pos_ not in ("NOUN", "PROPN"):
        return False, None
    if subj.ent_type_ == "PERSON":
        return False, None
    found = _mention(subj, ctx)
    if found is not None and found.kind == "person":
        return False, None
    return True, found


def _mention(
    tok: Token,
    ctx: ArticleContext,
    *,
    allow_state: bool = True,
    within: tuple[int, int] | None = None,
) -> Speaker | None:
    """A mention that is not a pronoun: a name, a title, a body, a state, a group."""
    mention = span_of(tok)
    full = phrase_of(tok, within) if tok.n_lefts else mention
    appos = next((c for c in tok.children if c.dep_ == "appos"), None)
    if appos is not None and appos.ent_type_ == "PERSON" and tok.ent_type_ != "PERSON":
        # "Pakistan's ambassador to Washington, Masood Khan, said …"
        named = _unknown_person(appos, full, ctx)
        if named is not None:
            return named
    # a person's own name first: "UN Ambassador Nikki Haley" is Haley, not the UN
    ent = ent_of(tok) if tok.ent_type_ == "PERSON" else None
    own_name = _clean_name(ent.text) if ent is not None else ""
    if own_name and ctx.directory.person(own_name) is not None:
        found = resolve_name(own_name, ctx)
        if found is not None:
            ctx.met(found, _title_words(full))
            return found
    # the gazetteer outranks NER: the small model tags "Qureshi" as a place
    if tok.pos_ == "PROPN" and ctx.directory.person(mention) is not None:
        found = resolve_name(mention, ctx)
        if found is not None:
            ctx.met(found, _title_words(full))
            return found
    # "Pakistan's Foreign Minister Shah Mehmood Qureshi" when NER missed the name: the
    # proper nouns ending the phrase, longest first, may be a known person's name
    if tok.pos_ == "PROPN":
        for start in range(max(tok.i - 3, tok.left_edge.i), tok.i):
            words = tok.doc[start : tok.i + 1]
            if all(t.pos_ == "PROPN" for t in words) and ctx.directory.person(words.text):
                found = resolve_name(words.text, ctx)
                if found is not None:
                    ctx.met(found, _title_words(full))
                    return found
    # a named person, with or without titles
    person_ent = tok.ent_type_ == "PERSON" or (tok.pos_ == "PROPN" and tok.ent_type_ != "GPE")
    if person_ent:
        found = resolve_name(mention, ctx)
        if found is None and tok.ent_type_ == "PERSON":
            found = _unknown_person(tok, full, ctx)
        if found is not None:
            ctx.met(found, _title_words(full))
            return found
    governed = _government_of(tok, ctx)
    if governed is not None:
        return governed
    if tok.lemma_.lower() in GATHERINGS:
        # "participants of the meeting of the NSC", "the meeting observed", "the committee
        # members noted": the body that met, named in the phrase or just before
        owner = _owner_after(tok, ctx)
        if owner is None and tok.pos_ == "NOUN":
            for prep in (c for c in tok.children if c.dep_ == "prep"):
                for pobj in (c for c in prep.children if c.dep_ == "pobj"):
                    owner = owner or _owner_after(pobj, ctx)
        if owner is None and ctx.bodies_seen:
            owner = ctx.bodies_seen[-1][0]
        if owner is not None:
            return owner
    names_issuer = ctx.directory.body(full) is not None or (
        ctx.directory.nationality(full) is not None
    )
    if (
        tok.lemma_.lower() in DOCUMENTS
        and not any(c.dep_ == "poss" for c in tok.children)
        and not names_issuer
        and tok.tag_ != "NNS"
    ):
        # "the statement added", "the report said": whoever issued it, named just before
        # — unless its own words name the issuer ("the Pakistan Foreign Ministry statement
        # said", "a US statement said"), who is then read below, not the last speaker; and
        # "according to reports" (plural, nobody's in particular) is no one's document
        issuer = _issuer(tok, ctx)
        if issuer is not None:
            return issuer
    body = ctx.directory.body(full) or ctx.directory.body(mention)
    if body is not None:
        stated = ctx.directory.nationality(full)
        if stated is not None and stated != body.actor:
            # "the US National Security Council": the nationality written beats the
            # state a bare body name usually means
            return Speaker(stated, f"{body.name}", None, "body")
        person_name = _name_beside_body(tok, body.name, body.variants)
        if person_name:
            # "Foreign Office spokesperson Nadia Rahim": a person, even if NER missed it
            title = TITLE_WORDS.search(full)
            office = f"{body.name} {title.group(1)}" if title else body.name
            return Speaker(body.actor, person_name, office, "person")
        return Speaker(body.actor, body.name, None, "body")
    if body is None and tok.pos_ == "NOUN" and (described := _definite_body(tok, ctx)):
        return described
    state = ctx.directory.state(mention) or ctx.directory.state(full)
    if state is not None and allow_state and tok.ent_type_ in ("GPE", "NORP", "ORG", ""):
        return Speaker(state, None, None, "state")
    if UNNAMED.search(mention) or UNNAMED.search(tok.lemma_):
        nationality = ctx.directory.nationality(full)
        owner = _owner_after(tok, ctx)
        if nationality is None and owner is not None:
            # "a spokesperson for the US NSC", "officials at the Pentagon"
            return Speaker(
                owner.actor,
                owner.name if owner.kind == "body" else None,
                None,
                "group" if owner.kind != "body" else "body",
            )
        if TITLE_WORDS.search(full) and nationality is None and ctx.last_person is not None:
            # "the foreign minister", "the Ambassador": the last person with that title
            return _title_coreference(full, ctx)
        if nationality is None and (described := _definite_body(tok, ctx)) is not None:
            return described
        if nationality is None:
            # "sources said", "officials believe": the side the quote speaks as, or the
            # administration's ("administration officials" is how the news names the US
            # executive's); when the text does not say whose, no guess
            side = _first_person_side(tok, ctx)
            if side is None and re.match(r"(?i)administration officials?$", mention):
                side = "United States"
            return Speaker(side, None, None, "group") if side else None
        return Speaker(nationality, None, None, "group")
    if TITLE_WORDS.search(mention):
        nationality = ctx.directory.nationality(full)
        if nationality is None:
            return _title_coreference(full, ctx)
        # an unnamed national official ("a US diplomat")
        return Speaker(nationality, None, None, "group")
    if person_ent:
        return _unknown_person(tok, full, ctx)
    return None


def phrase_of(tok: Token, within: tuple[int, int] | None = None) -> str:
    """The noun phrase a mention heads, without the phrases conjoined to it: in "the State
    Department and Pakistan's Foreign Office" the first mention is not Pakistani."""
    drop = {t.i for c in tok.children if c.dep_ in ("conj", "cc") for t in c.subtree}
    lo, hi = within or (0, len(tok.doc))
    ids = [t.i for t in tok.subtree if t.i not in drop and lo <= t.i < hi]
    return tok.doc[min(ids) : max(ids) + 1].text


def _government_of(tok: Token, ctx: ArticleContext) -> Speaker | None:
    """ "Ghani's administration", "the Sharif government": a known leader's government
    speaks for the leader's state."""
    if tok.lemma_.lower() not in GOVERNMENTS:
        return None
    for child in tok.children:
        if child.dep_ == "poss" and child.pos_ == "PRON" and child.lower_ in ("his", "her"):
            # "Trump said his administration …"
            leader = resolve_mention(child, ctx)
            if leader is not None and leader.kind == "person" and leader.name:
                surname = leader.name.split()[-1]
                return Speaker(leader.actor, f"{surname} {tok.lemma_.lower()}", None, "body")
        if child.dep_ in ("poss", "compound") and child.pos_ == "PROPN":
            person = ctx.directory.person(span_of(child))
            if person is not None:
                surname = person.name.split()[-1]
                return Speaker(person.actor, f"{surname} {tok.lemma_.lower()}", None, "body")
    return None


def _issuer(tok: Token, ctx: ArticleContext) -> Speaker | None:
    """The body or person who issued a document referred to by a bare noun: the last
    speaker, if they spoke within the last two paragraphs' units."""
    if any(c.dep_ == "prep" and c.lower_ in ("by", "from", "of") for c in tok.children):
        return None
    if ctx.last_issuer is not None and ctx.unit_index - ctx.last_issuer_unit <= 3:
        return ctx.last_issuer
    if ctx.last_any is not None and ctx.unit_index - ctx.last_speaker_unit <= 3:
        return ctx.last_any
    return ctx.last_body


def _owner_after(tok: Token, ctx: ArticleContext) -> Speaker | None:
    """The institution or state an unnamed official is "of", "for", "at" or "from"."""
    for prep in tok.children:
        if prep.dep_ != "prep" or prep.lower_ not in ("of", "for", "at", "from", "in"):
            continue
        pobj = next((c for c in prep.children if c.dep_ == "pobj"), None)
        if pobj is None:
            continue
        phrase = pobj.doc[pobj.left_edge.i : pobj.right_edge.i + 1].text
        body = ctx.directory.body(phrase)
        stated = ctx.directory.nationality(phrase) or ctx.directory.state(span_of(pobj))
        if body is not None:
            return Speaker(stated or body.actor, body.name, None, "body")
        if stated is not None:
            return Speaker(stated, None, None, "state")
    return None


def _person_earlier_in_sentence(pronoun: Token, ctx: ArticleContext) -> Speaker | None:
    """ "… announced by Trump, when he accused …": a person named earlier in the same
    sentence is the nearest antecedent of "he"/"she" — if exactly one person is named
    there, since two leave the reference open."""
    sent = pronoun.sent
    people: dict[str, str] = {}  # who (the directory's name when known) → how written
    for tok in sent:
        if tok.i >= pronoun.i or tok.dep_ == "compound":
            continue
        # a known person's name counts whatever entity type the model gave it ("Under
        # Trump, …" is often read as an organisation)
        known = ctx.directory.person(span_of(tok)) if tok.pos_ == "PROPN" else None
        if tok.ent_type_ == "PERSON" or known is not None:
            people.setdefault(known.name if known is not None else span_of(tok), span_of(tok))
    if len(people) != 1:
        return None
    return resolve_name(next(iter(people.values())), ctx)


def _body_earlier_in_sentence(pronoun: Token, ctx: ArticleContext) -> tuple[bool, Speaker | None]:
    """ "Pakistan rejects harbouring militants but says … and it is wary of …": a state or
    institution named earlier in the same sentence is the nearest antecedent of "it" —
    not the body named in an earlier sentence. (named, speaker): when two sides are named
    there ("the US cut aid to Pakistan after it …") the reference is open, so nobody."""
    actors: dict[str, Speaker] = {}
    for tok in pronoun.sent:
        if tok.i >= pronoun.i or tok.pos_ not in ("PROPN", "NOUN"):
            continue
        if tok.dep_ == "compound" and tok.head.pos_ == "PROPN":
            continue  # part of a longer name, read at its head
        phrase = span_of(tok)
        body = ctx.directory.body(phrase)
        if body is not None:
            actors.setdefault(body.actor, Speaker(body.actor, body.name, None, "body"))
            continue
        if tok.pos_ == "PROPN" and tok.ent_type_ in ("GPE", "ORG", "NORP"):
            state = ctx.directory.state(tok.text) or ctx.directory.state(phrase)
            if state is not None:
                actors.setdefault(state, Speaker(state, None, None, "state"))
    if not actors:
        return False, None
    if len(actors) > 1:
        return True, None
    return True, next(iter(actors.values()))


def _group_earlier_in_sentence(pronoun: Token, ctx: ArticleContext) -> tuple[bool, Speaker | None]:
    """ "…, with U.S. officials frustrated by what they term …": officials of one state
    named earlier in the same sentence are what "they" refers to, not the last person
    named. (named, speaker), as for "it": two states' officials there leave it open."""
    states: set[str] = set()
    for tok in pronoun.sent:
        if tok.i >= pronoun.i or tok.tag_ not in ("NNS", "NNPS"):
            continue
        if tok.dep_ == "compound":
            continue
        stated = ctx.directory.nationality(span_of(tok))
        if stated is not None:
            states.add(stated)
    if not states:
        return False, None
    if len(states) > 1:
        return True, None
    return True, Speaker(next(iter(states)), None, None, "group")


def _name_beside_body(tok: Token, name: str, variants: tuple[str, ...]) -> str | None:
    """Proper nouns in a subject beyond the body's own name and title words: a person's
    name ("Nadia Rahim" in "Foreign Office spokesperson Nadia Rahim")."""
    body_words = {w.casefold() for form in (name, *variants) for w in form.split()}
    words = [
        t
        for t in tok.subtree
        if t.pos_ == "PROPN"
        and t.text.casefold() not in body_words
        and not TITLE_WORDS.search(t.text)
        and t.i <= tok.i
    ]
    if len(words) >= 2 and words[-1].i == tok.i:
        return " ".join(t.text for t in words)
    return None


def _unknown_person(
    tok: Token, phrase: str, ctx: ArticleContext, *, guess: bool = True
) -> Speaker | None:
    """A person not in actors.yaml: named as written, placed by the body or nationality in
    their title ("Foreign Office spokesperson Mumtaz Zahra Baloch"), or by an earlier
    mention that placed them. A titled official placed by neither ("foreign ministry
    spokesman Moazzam Ahmad Khan") is taken to speak for the article's side, marked as a
    guess; an untitled name alone is not placed at all (no position beats a wrong one)."""
    known = resolve_name(span_of(tok), ctx)
    if known is not None:
        return known
    surname = span_of(tok).split()[-1].casefold() if span_of(tok).split() else ""
    if surname in ctx.unknown_people:
        return ctx.unknown_people[surname]
    ent = ent_of(tok)
    name = ent.text if ent is not None and ent.label_ == "PERSON" else span_of(tok)
    context = (
        phrase
        + " "
        + " ".join(
            c.doc[c.left_edge.i : c.right_edge.i + 1].text
            for c in tok.children
            if c.dep_ == "appos"
        )
    )
    body = ctx.directory.body(context)
    title = TITLE_WORDS.search(context)
    office = None
    if title is not None:
        words = context[: title.end()].split()
        office = " ".join(w for w in words if w not in name.split())[-80:] or None
    found: Speaker | None = None
    nationality = ctx.directory.nationality(context)
    if body is not None:
        found = Speaker(body.actor, _clean_name(name), office, "person")
    elif nationality is not None:
        found = Speaker(nationality, _clean_name(name), office, "person")
    elif (office_state := _office_state(context)) is not None:
        found = Speaker(office_state, _clean_name(name), office, "person")
    if found is not None and found.name:
        ctx.unknown_people[found.name.split()[-1].casefold()] = found
        ctx.met(found, _title_words(context))
    return found


def _office_state(phrase: str) -> str | None:
    """Offices that exist in one state only ("Secretary of State", "Congressman")."""
    low = phrase.lower()
    return next((state for office, state in SINGLE_STATE_OFFICES if office in low), None)


def resolve_name(mention: str, ctx: ArticleContext) -> Speaker | None:
    person = ctx.directory.person(mention)
    if person is None:
        return None
    written = _clean_name(mention)
    if len(written.split()) >= 2:
        ctx.seen_names[person.name] = written
    name = ctx.seen_names.get(person.name, person.name)
    speaker = Speaker(person.actor, name, person.office_in(ctx.published), "person")
    ctx.met(speaker, _title_words(mention))
    return speaker


def _title_words(phrase: str) -> set[str]:
    """The title words a phrase uses ("Ambassador", "foreign minister"), lower-cased."""
    words = re.findall(r"[a-z]+", phrase.lower())
    return {w for w in words if w in TITLE_VOCABULARY}


def _clean_name(mention: str) -> str:
    return re.sub(r"['’]s$", "", strip_titles(mention)).strip()


def _title_coreference(phrase: str, ctx: ArticleContext) -> Speaker | None:
    """ "The foreign minister", "the Ambassador": the most recently named person whose
    office (or the title the article gave them) has every title word of the phrase.
    Nobody fits → nobody: a bare title is never pinned on whoever spoke last."""
    wanted = _title_words(phrase)
    if not wanted:
        return None
    nationality = ctx.directory.nationality(phrase)
    for person in reversed(ctx.people):
        if nationality is not None and person.actor != nationality:
            continue
        have = _title_words(person.office or "") | ctx.titles.get(person.name or "", set())
        have |= {syn for w in have for syn in TITLE_SYNONYMS.get(w, ())}
        if wanted <= have:
            return person
    return None


def is_outlet(tok: Token) -> bool:
    return (
        tok.ent_type_ in ("ORG", "WORK_OF_ART")
        and doc_text(tok.doc)[tok.idx - 2 : tok.idx].strip() == ""
    )


_PRINCIPAL_NAMES = re.compile(
    r"\b(Pakistan|Islamabad|United States|U\.S\.|US|America|Washington)\b"
)


def _first_person_side(tok: Token, ctx: ArticleContext) -> str | None:
    """ "We must remain engaged with the US," sources added: a speaker who says "we"
    or "our" of one side while naming the other as a third party speaks for the one."""
    sent = tok.sent.text
    # what the speaker says, when quoted: the states the reporter names around it are not
    # the speaker's own words
    quoted = re.findall(r"[“\"]([^”\"]+)[”\"]", sent)
    if quoted:
        sent = " ".join(quoted)
    if not re.search(r"\b(?:[Ww]e|[Oo]ur|us)\b", sent):
        return None
    named = {
        state for m in _PRINCIPAL_NAMES.finditer(sent) if (state := ctx.directory.state(m.group(1)))
    }
    principals = {"United States", "Pakistan"}
    if len(named) == 1 and named <= principals:
        return next(iter(principals - named))
    return None


def note_subject(unit: Unit, ctx: ArticleContext) -> None:
    """Remember the person who is the subject of the unit's main verb, if any."""
    for sent in unit.sents:
        subj = next((t for t in sent.root.children if t.dep_ in ("nsubj", "nsubjpass")), None)
        if subj is None or subj.pos_ not in ("PROPN", "PRON"):
            continue
        found = resolve_mention(subj, ctx, allow_state=False)
        if found is not None and found.kind == "person":
            ctx.last_subject, ctx.last_subject_unit = found, ctx.unit_index
        return


def _saw_body(phrase: str, ctx: ArticleContext) -> None:
    body = ctx.directory.body(phrase)
    if body is not None:
        stated = ctx.directory.nationality(phrase)
        seen = Speaker(stated or body.actor, body.name, None, "body")
        words = frozenset(re.findall(r"[a-z]+", f"{phrase} {body.name}".lower()))
        ctx.bodies_seen = [b for b in ctx.bodies_seen if b[0] != seen] + [(seen, words)]


def _definite_body(tok: Token, ctx: ArticleContext) -> Speaker | None:
    """ "The embassy also sought …", "the military says …": a definite description of an
    institution refers to the last one named that it describes ("Pakistan's embassy in
    Washington", "Pakistan's military"); none named, nobody."""
    if not any(c.dep_ == "det" and c.lower_ == "the" for c in tok.children):
        return None
    noun, word = tok.lemma_.lower(), tok.lower_
    for body, words in reversed(ctx.bodies_seen):
        if noun in words or word in words:
            return body
    return None


def note_mentions(unit: Unit, ctx: ArticleContext) -> None:
    """Remember the people the unit names: the last known one for a later "he said", and
    unknown ones whose title places them, for a later bare surname; and the institutions
    it names with their state ("Pakistan's embassy"), for a later "the embassy"."""
    for sent in unit.sents:
        doc = sent.doc
        table = TokenTable.of(doc)
        for i in range(sent.start, sent.end):
            # the table first: a Token only for the nouns worth a look at their children
            if table.pos[i] != "NOUN" or table.dep[i] == "compound":
                continue
            tok = doc[i]
            if any(c.ent_type_ in ("GPE", "NORP") for c in tok.children):
                _saw_body(phrase_of(tok), ctx)
    for ent in ctx.ents:
        if unit.start <= ent.start_char < unit.end:
            if ent.label_ == "ORG":
                _saw_body(ent.text, ctx)
            if ent.label_ != "PERSON":
                continue
            root = ent.root
            phrase = root.doc[min(root.left_edge.i, ent.start) : ent.end].text
            found = resolve_name(ent.text, ctx)
            if found is None:
                found = _unknown_person(root, phrase, ctx, guess=False)
            if found is not None:
                ctx.met(found, _title_words(phrase))
                ctx.last_mentioned = found
