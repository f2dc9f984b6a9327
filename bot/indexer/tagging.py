"""Topic tagging: which taxonomy topics a clause is about.

Cue phrases come from `config/topics.yaml`. They are matched word by word against the
clause's words, so a cue matches whole words only ("isi" is not inside "ISIS") and any
inflection of them: the spaCy lemma when the caller has tokens (`tags_tokens`), a few
suffix rules when it has only text (`tags`). A cue written as a noun also matches its verb
("withdrawal" / "withdrew", "designation" / "designated") and the reverse, because
reporters use either form for the same act.

A cue is read in context, by rules that hold for every topic rather than per word:
- a cue marked noun-only (`aid/n`) does not match the verb ("Pakistan aided the raid"),
  one marked verb-only (`partner/v`) not the noun, adjective-only (`secure/a`) not the verb;
- a `phrase & word` cue needs the word anywhere in the same sentence (a bare "peace"
  is the Afghan peace only where the sentence names Afghanistan or the Taliban);
- a `head ~ dependent` cue needs both words, one governing the other within two
  dependency steps ("withdraw ~ troop*": "withdrew its troops", "the troop withdrawal"),
  or the dependent in a phrase the parser hung on the word that takes the head ("signed
  a deal with the Taliban"); a dependent written with a capital letter is a name and
  must be capitalised in the text ("Fund" is not "funding");
- a cue that only modifies a noun naming a country or its kind ("nuclear-armed
  neighbours", "both nuclear powers", "terror-hit Pakistan") is an epithet, not a stance;
- a lower-case cue inside a longer capitalised name ("Democratic Party") is part of the
  name; cues written with a capital letter in the YAML *are* names and match anywhere;
- a lower-case cue naming an office's remit ("the new envoy for reconciliation", "the
  minister for human rights") is a title written in lower case, treated like a name;
- a match inside a longer match of another topic gives way to it ("drug trade" is not
  also "trade", "no-confidence motion" is not "confidence").
- a cue of a topic that is a relationship as a whole (`whole: true`) gives way when an
  "in"/"on" phrase narrows it to a field another topic's cue names ("expand ties in
  critical minerals" is trade, not the relationship as such).

Every topic with a surviving ordinary cue is kept, so a sentence about aid cuts *and*
safe havens carries both. Weak cues (generic words such as "relationship") count only in
a sentence where no ordinary cue of any topic matched, so they name the topic of an
otherwise untagged sentence (a quote's "I love Pakistan.") without adding noise to a
tagged one. A weak cue in a scene-setting phrase ("meeting with my friend",
"without their assistance", "told reporters at the White House") does not count at all:
it is not what the clause is about.

Tried and rejected: competing per clause instead of per sentence (seeds precision fell
from 0.92 to 0.74: generic words in subordinate clauses became topics); counting ordinary
cues in relative clauses or "since/after" adjuncts only where nothing else matched (dev
recall fell 0.808 to 0.767: the annotators file topics named in relative clauses);
ranking a statement's topics by how deep their cues sit in the parse (true and false
extra topics sit at the same depths).
"""

from __future__ import annotations

import bisect
import itertools
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from spacy.tokens import Doc, Token

from bot.topics import Taxonomy

# Nouns a country (or its people, army, government) is called by: a cue that only
# modifies one of them describes the country, it is not a stance on the cue's topic.
EPITHET_HEADS = frozenset(
    [
        "neighbour",
        "neighbor",
        "rival",
        "archrival",
        "arch-rival",
        "adversary",
        "foe",
        "enemy",
        "country",
        "nation",
        "power",
        "state",
        "states",
        "neighbourhood",
        "neighborhood",
        "region",
        "republic",
        "ally",
        "partner",
        "superpower",
        "giant",
    ]
)
MODIFIER_DEPS = frozenset({"amod", "compound", "npadvmod", "advmod", "nmod", "poss", "punct"})
# entity types that make a multi-word capitalised name (an organisation, a law, a party)
NAME_ENTS = frozenset(
    {"ORG", "NORP", "FAC", "WORK_OF_ART", "LAW", "EVENT", "PRODUCT", "PERSON", "GPE", "LOC"}
)
NOUNS = frozenset({"NOUN", "PROPN"})
VERBISH = frozenset({"VERB", "ADJ", "AUX"})
_WORD = re.compile(r"[^\W_]+(?:['’][a-z]{1,2}\b)?")
_POSSESSIVE = ("'s", "’s", "'", "’")

# Irregular noun ↔ verb pairs the suffix rules below cannot derive.
_IRREGULAR = {
    "detention": "detain",
    "proscription": "proscribe",
    "reconciliation": "reconcile",
    "invitation": "invite",
    "deportation": "deport",
    "confirmation": "confirm",
    "condemnation": "condemn",
    "sale": "sell",
    "seizure": "seize",
    "pursuit": "pursue",
    "assurance": "assure",
}


def _derived(word: str) -> frozenset[str]:
    """Verb lemmas a noun cue may be reported as (and the noun a verb cue comes from):
    "withdrawal" → "withdraw", "designation" → "designate", "suspension" → "suspend".

    Over-generation is harmless: a derived form is only ever compared with a real lemma.
    """
    out: set[str] = set()
    if word in _IRREGULAR:
        out.add(_IRREGULAR[word])
    for noun, verb in _IRREGULAR.items():
        if verb == word:
            out.add(noun)
    rules = (
        ("ation", ("ate",)),
        ("sion", ("d", "de")),
        ("ction", ("ct",)),
        ("ment", ("",)),
        ("al", ("", "e")),
        ("ance", ("",)),
        ("ence", ("",)),
    )
    for suffix, replacements in rules:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            stem = word[: -len(suffix)]
            out.update(stem + r for r in replacements)
            break
    # the reverse: a verb cue ("withdraw") also names its noun ("withdrawal")
    for suffix in ("al", "ment", "ation"):
        out.add(word + suffix)
    if word.endswith("ate") and len(word) > 6:  # "mediate", not "state"
        out.add(word[:-1] + "ion")
    if word.endswith("d"):
        out.add(word[:-1] + "sion")
    if word.endswith("ct"):
        out.add(word + "ion")
    out.discard(word)
    return frozenset(out)


@lru_cache(maxsize=65536)
def _inflections(form: str) -> frozenset[str]:
    """Bases a surface form may be an inflection of, for text without lemmas
    ("sanctioned" → "sanction", "havens" → "haven", "F-16s" → "16")."""
    out = {form}
    for p in _POSSESSIVE:
        if form.endswith(p) and len(form) > len(p):
            form = form[: -len(p)]
            out.add(form)
    if form.endswith("ies") and len(form) > 4:
        out.add(form[:-3] + "y")
    if form.endswith("es") and form[-3:-2] in ("s", "x", "z", "h"):
        out.add(form[:-2])
    if form.endswith("s") and not form.endswith(("ss", "is", "us")) and len(form) >= 3:
        out.add(form[:-1])
    for suffix in ("ed", "ing"):
        if form.endswith(suffix) and len(form) - len(suffix) >= 3:
            stem = form[: -len(suffix)]
            out.update({stem, stem + "e"})
            if len(stem) > 3 and stem[-1] == stem[-2]:
                out.add(stem[:-1])
            if stem.endswith("i"):
                out.add(stem[:-1] + "y")
    return frozenset(out)


@dataclass(frozen=True, slots=True)
class _Word:
    """One word as the tagger reads it: a spaCy token, or a piece of one split at a hyphen
    ("nuclear-armed", "F-16"), so cue words align with words however they were tokenised."""

    form: str  # lower-case surface
    keys: frozenset[str]  # the forms a cue word may equal: surface, lemma, inflections
    pos: str  # coarse part of speech; "" when only text is known
    start: int  # character offsets (in the doc for tokens, in the string for text)
    end: int
    token: Token | None
    capitalised: bool
    last_piece: bool  # the last piece of its token (the one carrying its lemma and POS)
    sentence: int = 0  # which sentence of the clause the word is in


@dataclass(frozen=True, slots=True)
class _CueWord:
    text: str
    prefix: bool  # written with a trailing `*`: any word it begins
    # "n" (written `aid/n`): not the verb of the same spelling; "v": the verb only;
    # "a": the adjective only ("secure/a Pakistan", not "help Pakistan secure a loan")
    only: str
    derived: frozenset[str]
    # written with a capital letter ("Fund", "Taliban"): a name, so only a capitalised
    # word is it ("funding for the programme" is not the IMF's programme)
    capital: bool = False


Slot = tuple[_CueWord, ...]  # alternatives for one word of a cue ("troop*|force*")


@dataclass(frozen=True, slots=True)
class _Cue:
    topic: str
    weak: bool
    words: tuple[Slot, ...]  # a phrase: consecutive words
    name: bool  # written with a capital: a proper name, matches inside longer names
    # `head ~ dependent`: a word the phrase's last word governs within two dependency
    # steps ("withdraw ~ troop*" matches "withdrew all its troops", "troop withdrawal")
    partner: Slot = ()
    # `phrase & word`: a word that must occur in the same sentence of the clause, in any
    # relation ("peace & Afghan*": a bare "peace" is the Afghan peace only where the
    # sentence names Afghanistan; "fought for peace" or "peace in the subcontinent" is not)
    context: Slot = ()


class _Found(NamedTuple):
    """A surviving cue: where it is, its topic, whether it is weak, and its sentence."""

    start: int
    end: int
    topic: str
    weak: bool
    sentence: int


@dataclass(frozen=True, slots=True)
class _Match:
    first: int  # word indices, inclusive-exclusive
    last: int
    cue: _Cue
    partner: int = -1  # word index of a `head ~ dependent` cue's dependent


def _parse_slot(piece: str) -> Slot:
    out: list[_CueWord] = []
    for alt in piece.split("|"):
        only = ""
        if alt[-2:] in ("/n", "/v", "/a"):
            alt, only = alt[:-2], alt[-1]
        prefix = alt.endswith("*")
        capital = alt[:1].isupper()
        alt = alt.rstrip("*").lower().replace("’", "'").removesuffix("'s")
        if alt:
            derived = frozenset() if prefix or only else _derived(alt)
            out.append(_CueWord(alt, prefix, only, derived, capital))
    return tuple(out)


def _parse_cues(topic: str, raw: str, weak: bool) -> list[_Cue]:
    """One YAML cue as matchable cues: a hyphenated alternative ("ceasefire|cease-fire")
    is a phrase of its own, since text splits it into words."""
    raw, _, context = raw.partition("&")
    context_slot = _parse_slot(context.strip()) if context.strip() else ()
    phrase, _, partner = raw.partition("~")
    variants: list[list[str]] = [[]]
    for piece in phrase.split():
        alternatives = piece.split("|")
        options = [p.split("-") for p in alternatives if "-" in p]
        plain = [p for p in alternatives if "-" not in p]
        if plain:
            options.append(["|".join(plain)])
        variants = [v + o for v in variants for o in options]
    # the dependent is one word: a hyphenated alternative is read without its hyphen
    partner_slot = _parse_slot(partner.strip().replace("-", "")) if partner.strip() else ()
    out = []
    for variant in variants:
        words = [slot for slot in (_parse_slot(p) for p in variant) if slot]
        if words:
            out.append(
                _Cue(
                    topic,
                    weak,
                    tuple(words),
                    name=phrase.strip() != phrase.strip().lower(),
                    partner=partner_slot,
                    context=context_slot,
                )
            )
    return out


class _DocWords(threading.local):
    """The words of the doc last tagged, per token: a unit is tagged several times (its
    content, its question, its acts), and reading a token's attributes is the costly part.
    Holds one doc at a time, so memory stays flat however many articles are ingested; one
    per thread, so two ingests running at once never mix their docs' words."""

    def __init__(self) -> None:
        self.doc: Doc | None = None
        self.words: dict[int, tuple[_Word, ...]] = {}
        self.sentence: list[int] = []

    def of(self, tokens: Iterable[Token]) -> list[_Word]:
        out: list[_Word] = []
        for tok in tokens:
            doc = tok.doc
            if doc is not self.doc:
                self.doc, self.words = doc, {}
                self.sentence = list(itertools.accumulate(int(bool(t.is_sent_start)) for t in doc))
            words = self.words.get(tok.i)
            if words is None:
                words = self.words[tok.i] = _token_words(tok, self.sentence[tok.i])
            out.extend(words)
        return out


def _token_words(tok: Token, sentence: int) -> tuple[_Word, ...]:
    if tok.is_punct or tok.is_space or tok.lower_ in _POSSESSIVE:
        return ()
    text = tok.text
    pieces = list(_WORD.finditer(text))
    lemma = tok.lemma_.lower()
    acronym = text.isupper() and len(text) <= 6
    words = []
    for k, m in enumerate(pieces):
        form = m.group().lower()
        last = k == len(pieces) - 1
        keys = _inflections(form)
        if last and not acronym and len(pieces) == 1 and lemma not in keys:
            keys = keys | {lemma}
        words.append(
            _Word(
                form,
                keys,
                tok.pos_ if last else "",
                tok.idx + m.start(),
                tok.idx + m.end(),
                tok,
                m.group()[:1].isupper(),
                last,
                sentence,
            )
        )
    return tuple(words)


_SENTENCE_END = re.compile(r"[.!?][\"”’)]*\s+")


def _words_of_text(text: str) -> list[_Word]:
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    return [
        _Word(
            (form := m.group().lower()),
            _inflections(form),
            "",
            m.start(),
            m.end(),
            None,
            m.group()[:1].isupper(),
            True,
            bisect.bisect_right(ends, m.start()),
        )
        for piece in re.finditer(r"\S+", text)
        for m in _WORD.finditer(text, piece.start(), piece.end())
    ]


def _slot_fits(slot: Slot, w: _Word, *, name: bool = False) -> bool:
    """`name`: the cue is one word written with a capital letter ("LoC", "India", "Doha"),
    and a lower-case word is never it, whatever its inflections share ("local" is not
    "LoC"). A longer name may be written in lower case ("the line of control")."""
    return any(_word_fits(cw, w) and (not name or w.capitalised or not cw.capital) for cw in slot)


def _partner_fits(slot: Slot, w: _Word) -> bool:
    """A `head ~ dependent` cue's dependent: as `_slot_fits`, and a dependent written with
    a capital letter is a name, so it must be capitalised in the text."""
    return any(_word_fits(cw, w) and (w.capitalised or not cw.capital) for cw in slot)


def _word_fits(cw: _CueWord, w: _Word) -> bool:
    if cw.prefix:
        return any(k.startswith(cw.text) for k in w.keys)
    if cw.text in w.keys:
        if cw.only == "n":
            return w.pos in NOUNS if w.pos else w.form in (cw.text, cw.text + "s")
        if cw.only == "v":
            return w.pos == "VERB" if w.pos else w.form.endswith(("ed", "ing"))
        if cw.only == "a":
            return w.pos == "ADJ" or not w.pos
        return True
    if not cw.derived:
        return False
    if not (cw.derived & w.keys):
        return False
    # a derived form is another part of speech: the verb of a noun cue, the noun of a verb
    return not w.pos or w.pos in VERBISH or w.pos in NOUNS


@dataclass(frozen=True, eq=False)  # identity hash: the per-text cache keys on it
class Tagger:
    cues: tuple[_Cue, ...]
    actor_topics: tuple[tuple[str, str], ...] = ()
    # topics about a relationship as a whole (`whole: true`): see `_narrowed`
    whole_topics: frozenset[str] = frozenset()
    # derived in __post_init__ from `cues`; not constructor arguments, not in the repr
    _doc_words: _DocWords = field(init=False, repr=False)
    _exact: dict[str, list[_Cue]] = field(init=False, repr=False)
    _prefixed: dict[str, list[_Cue]] = field(init=False, repr=False)
    _order: tuple[str, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        exact: dict[str, list[_Cue]] = {}
        prefixed: dict[str, list[_Cue]] = {}
        for cue in self.cues:
            for head in cue.words[0]:
                if head.prefix:
                    prefixed.setdefault(head.text[:3], []).append(cue)
                else:
                    for key in (head.text, *head.derived):
                        exact.setdefault(key, []).append(cue)
        object.__setattr__(self, "_doc_words", _DocWords())
        object.__setattr__(self, "_exact", exact)
        object.__setattr__(self, "_prefixed", prefixed)
        object.__setattr__(self, "_order", tuple(dict.fromkeys(c.topic for c in self.cues)))

    @property
    def order(self) -> tuple[str, ...]:
        return self._order

    # ---- entry points -------------------------------------------------------------

    def tags(self, text: str, *, actor: str | None = None) -> list[str]:
        """Topic ids `text` is about, in taxonomy order (for callers without tokens)."""
        return self._choose(_matches(self, text), actor)

    def tags_tokens(self, tokens: Iterable[Token], *, actor: str | None = None) -> list[str]:
        """Topic ids the clause made of `tokens` is about, in taxonomy order.

        Pass the whole clause that carries the stance (its complements and relative
        clauses included): lemmas, parts of speech and the parse decide what a cue means.
        """
        return self._choose(self._scan(self._words(tokens)), actor)

    def spans(self, text: str) -> dict[str, list[tuple[int, int]]]:
        """Where each topic's surviving cues occur (character offsets in `text`)."""
        return _spans(_matches(self, text))

    def spans_tokens(self, tokens: Iterable[Token]) -> dict[str, list[tuple[int, int]]]:
        """Where each topic's surviving cues occur (character offsets in the doc)."""
        return _spans(self._scan(self._words(tokens)))

    # ---- matching -----------------------------------------------------------------

    def _words(self, tokens: Iterable[Token]) -> list[_Word]:
        return self._doc_words.of(tokens)

    def _choose(self, found: list[_Found], actor: str | None) -> list[str]:
        """Every topic with an ordinary cue; a weak cue's topic only where its sentence has
        no ordinary cue (a quote's "I love Pakistan." beside its sentence on trade), and
        none when the speaker's own topic applies (China speaking is about China)."""
        chosen = {f.topic for f in found if not f.weak}
        own = {topic for topic_actor, topic in self.actor_topics if actor == topic_actor}
        if not own:
            covered = {f.sentence for f in found if not f.weak}
            chosen |= {f.topic for f in found if f.weak and f.sentence not in covered}
        chosen |= own
        return [t for t in self.order if t in chosen]

    def _candidates(self, w: _Word) -> Iterable[_Cue]:
        exact: dict[str, list[_Cue]] = self._exact
        prefixed: dict[str, list[_Cue]] = self._prefixed
        seen: set[int] = set()
        for key in w.keys:
            for cue in (*exact.get(key, ()), *prefixed.get(key[:3], ())):
                if id(cue) not in seen:
                    seen.add(id(cue))
                    yield cue

    def _scan(self, words: list[_Word]) -> list[_Found]:
        matches: list[_Match] = []
        for i, w in enumerate(words):
            for cue in self._candidates(w):
                end = _align(cue, words, i)
                if end is None:
                    continue
                partner = _partner(cue, words, end - 1) if cue.partner else -1
                if cue.context and not any(
                    v.sentence == w.sentence and _partner_fits(cue.context, v) for v in words
                ):
                    continue
                if partner is not None:
                    matches.append(_Match(i, end, cue, partner))
        kept = [
            m
            for m in matches
            if not _inside_other(m, matches)
            and (m.cue.name or not (_inside_name(m, words) or _in_title(m, words)))
            and not _epithet(m, words)
        ]
        if self.whole_topics:
            kept = [m for m in kept if not _narrowed(m, kept, words, self.whole_topics)]
        inside = {w.token.i for w in words if w.token is not None}
        return [
            _Found(
                words[m.first].start,
                words[m.last - 1].end,
                m.cue.topic,
                m.cue.weak,
                words[m.first].sentence,
            )
            for m in kept
            if not (m.cue.weak and _adjunct(words[m.first].token, inside))
        ]


def _align(cue: _Cue, words: list[_Word], i: int) -> int | None:
    """End index (exclusive) of `cue` matched at word `i`, or None."""
    j = i
    name = len(cue.words) == 1
    for slot in cue.words:
        if j >= len(words) or not _slot_fits(slot, words[j], name=name):
            return None
        j += 1
    return j


def _partner(cue: _Cue, words: list[_Word], h: int) -> int | None:
    """Index of the cue's dependent word: one its head word (word `h`) governs, or is
    governed by, within two dependency steps; for text only, within four words."""
    head = words[h].token
    if head is None:
        near = range(max(0, h - 4), min(len(words), h + 5))
        return next((j for j in near if j != h and _partner_fits(cue.partner, words[j])), None)
    # "withdrew all troops", "troop withdrawal", "mend relations": two steps up or down
    tokens = {head.i}
    up = head
    for _ in range(2):
        up = up.head
        tokens.add(up.i)
    if head.dep_ == "compound":
        # a head word that only modifies the noun after it does not govern that noun
        # (guards against "areas that border Afghanistan" parsed as a compound)
        tokens.discard(head.head.i)
    for child in head.children:
        tokens.add(child.i)
        tokens.update(c.i for c in child.children)
    if head.dep_ in ("dobj", "pobj", "nsubjpass"):
        # "signed a deal with the Taliban", "the signing of a deal with the Taliban": the
        # parser often hangs the phrase on the verb or noun that takes the head word
        governor = head.head.head if head.dep_ == "pobj" else head.head
        for prep in governor.children:
            if prep.dep_ == "prep" and prep.i > head.i:
                tokens.update(c.i for c in prep.children if c.dep_ == "pobj")
    return next(
        (
            j
            for j, w in enumerate(words)
            if j != h
            and w.token is not None
            and w.token.i in tokens
            and _partner_fits(cue.partner, w)
        ),
        None,
    )


def _inside_other(m: _Match, matches: list[_Match]) -> bool:
    """A match overlapping a longer phrase of another topic gives way to it ("drug trade"
    is not "trade"); so does a `head ~ dependent` cue whose dependent belongs to such a
    phrase ("fought the war against terrorism" is not the Afghan war)."""
    length = m.last - m.first
    for o in matches:
        if o.cue.topic == m.cue.topic or o.last - o.first < 2:
            continue
        if o.first < m.last and m.first < o.last and (o.last - o.first) > length:
            return True
        if m.partner >= 0 and o.first <= m.partner < o.last and not m.cue.weak:
            return True
    return False


# prepositions that narrow a relationship to a field: "ties in minerals", "talks on trade"
DOMAIN_PREPS = frozenset({"in", "on"})
FIELD_DEPS = frozenset({"conj", "compound", "amod", "nmod", "appos"})


def _narrowed(m: _Match, kept: list[_Match], words: list[_Word], whole: frozenset[str]) -> bool:
    """A cue of a whole-relationship topic whose noun (or the verb acting on it) is narrowed
    to a field that another topic's cue names: "expanding ties in critical minerals",
    "partnership in trade and energy", "suspended cooperation on counterterrorism" are
    about that field, not the relationship as such."""
    if m.cue.topic not in whole:
        return False
    noun = words[m.last - 1].token
    if noun is None or noun.pos_ not in NOUNS:
        return False
    frame = [noun]
    if m.partner >= 0 and words[m.partner].token is not None:
        frame.append(words[m.partner].token)  # type: ignore[arg-type]
    if noun.dep_ == "conj":
        frame.append(noun.head)  # "partnership in trade … as well as people-to-people ties"
    field_tokens = {
        t.i
        for f in frame
        for prep in f.children
        if prep.dep_ == "prep" and prep.lower_ in DOMAIN_PREPS
        for obj in prep.children
        if obj.dep_ == "pobj"
        for t in _field(obj)
    }
    if not field_tokens:
        return False
    return any(
        o.cue.topic != m.cue.topic
        and not o.cue.weak
        and words[o.first].token is not None
        and words[o.first].token.i in field_tokens  # type: ignore[union-attr]
        for o in kept
    )


def _field(obj: Token) -> list[Token]:
    """The field a preposition names: its object with the objects coordinated with it and
    their modifiers ("critical minerals and mining"), not phrases nested in it ("on the
    basis of mutual respect" names no field)."""
    out = [obj]
    for child in obj.children:
        if child.dep_ in FIELD_DEPS:
            out.extend(_field(child))
    return out


def _inside_name(m: _Match, words: list[_Word]) -> bool:
    """A lower-case cue that is only part of a longer capitalised name ("Democratic Party",
    "Defense Security Cooperation Agency") is the name's word, not the topic's."""
    if not any(words[k].capitalised for k in range(m.first, m.last)):
        return False
    tok = words[m.first].token
    if tok is None:
        # text only: a run of capitalised words that goes beyond the match
        first, last = m.first, m.last
        while first > 0 and words[first - 1].capitalised:
            first -= 1
        while last < len(words) and words[last].capitalised:
            last += 1
        return (last - first) > (m.last - m.first)
    if m.last - m.first == 1 and tok.ent_type_ == "NORP" and tok.is_title and tok.i > 0:
        return True  # "Democratic senators", "Republicans": a party, not the word
    name = _name_span(tok)
    if name is None:
        return False
    start_char, end_char = name
    return (start_char, end_char) != (words[m.first].start, words[m.last - 1].end) and (
        start_char <= words[m.first].start and words[m.last - 1].end <= end_char
    )


# Offices named by their remit: "envoy for reconciliation", "minister for human rights".
ROLE_NOUNS = frozenset(
    {
        "envoy",
        "ambassador",
        "representative",
        "minister",
        "secretary",
        "adviser",
        "advisor",
        "coordinator",
        "czar",
        "tsar",
        "commissioner",
        "spokesperson",
        "spokesman",
        "spokeswoman",
    }
)
TITLE_PREPS = frozenset({"for", "on", "of"})


def _in_title(m: _Match, words: list[_Word]) -> bool:
    """A lower-case cue that only names an office's remit ("the new envoy for
    reconciliation in Afghanistan", "the minister for human rights") is part of a title,
    written in lower case, like the capitalised names `_inside_name` sets aside: it says
    who someone is, not what they said."""
    tok = words[m.first].token
    if tok is None:
        return False
    node = tok
    for _ in range(4):
        if node.dep_ == "prep" and node.lower_ in TITLE_PREPS:
            return node.head.lemma_.lower() in ROLE_NOUNS
        if node.head.i == node.i:
            return False
        node = node.head
    return False


def _name_span(tok: Token) -> tuple[int, int] | None:
    """Character span of the multi-word name a token belongs to: its named entity, else
    its run of proper nouns."""
    doc = tok.doc
    if tok.ent_type_ in NAME_ENTS:
        start = tok.i
        while start > 0 and doc[start].ent_iob_ == "I":
            start -= 1
        end = tok.i + 1
        while end < len(doc) and doc[end].ent_iob_ == "I":
            end += 1
        while start < end and doc[start].pos_ == "DET":
            start += 1
        if end - start > 1:
            return doc[start].idx, doc[end - 1].idx + len(doc[end - 1])
    if tok.pos_ != "PROPN":
        return None
    start = tok.i
    while start > 0 and doc[start - 1].pos_ == "PROPN":
        start -= 1
    end = tok.i + 1
    while end < len(doc) and doc[end].pos_ == "PROPN":
        end += 1
    if end - start > 1:
        return doc[start].idx, doc[end - 1].idx + len(doc[end - 1])
    return None


def _epithet(m: _Match, words: list[_Word]) -> bool:
    """The cue only modifies a noun naming a country or its kind: "nuclear-armed
    neighbours", "both nuclear powers", "terror-hit Pakistan"."""
    if m.cue.name or len(m.cue.words) > 1 or m.cue.partner:
        return False
    w = words[m.last - 1]
    tok = w.token
    if tok is None:
        if m.last >= len(words):
            return False
        nxt = words[m.last]
        if nxt.form in ("armed", "hit", "torn", "ruled") and m.last + 1 < len(words):
            nxt = words[m.last + 1]
        return bool(nxt.keys & EPITHET_HEADS)
    if not w.last_piece:
        # "nuclear-armed" as one token: the piece before the hyphen modifies the token
        head = tok
    else:
        if tok.dep_ not in MODIFIER_DEPS or tok.head.i <= tok.i:
            return False
        head = tok.head
    for _ in range(4):
        if head.dep_ in MODIFIER_DEPS and head.head.i > head.i and head.pos_ != "PROPN":
            head = head.head
        else:
            break
    if head.i == tok.i:
        return False
    return head.lemma_.lower() in EPITHET_HEADS or (
        head.pos_ == "PROPN" and head.ent_type_ in ("GPE", "NORP")
    )


# Prepositions of place, company, means and source: a phrase they head sets a scene ("at
# the White House", "with my friend", "without their help", "by cozying up to"); a phrase
# that names a subject ("talks on aid", "the issue of security cooperation") is not one.
ADJUNCT_PREPS = frozenset({"at", "with", "without", "by", "from", "into"})


def _adjunct(tok: Token | None, inside: set[int]) -> bool:
    """Whether a weak cue lies in a scene-setting phrase of its clause ("pleased to be
    meeting with my friend", "without their assistance") rather than among the words that
    carry the stance. A weak cue is a generic word that names a topic only for want of a
    better one, so it must at least be what the clause is about."""
    if tok is None:
        return False
    node = tok
    while node.i in inside:
        # the clause's own top word counts too: content that is only "at the White House"
        if node.dep_ == "prep" and node.lower_ in ADJUNCT_PREPS:
            return True
        if node.head.i == node.i:
            break
        node = node.head
    return False


def _spans(found: list[_Found]) -> dict[str, list[tuple[int, int]]]:
    out: dict[str, list[tuple[int, int]]] = {}
    for start, end, topic, _weak, _sentence in found:
        out.setdefault(topic, []).append((start, end))
    return out


@lru_cache(maxsize=8192)
def _matches(tagger: Tagger, text: str) -> list[_Found]:
    """Cached per text: a sentence is tagged for its content, its evidence and once per
    topic for the quote/reported kind."""
    return tagger._scan(_words_of_text(text))


@lru_cache(maxsize=4)
def build_tagger(taxonomy: Taxonomy) -> Tagger:
    cues: list[_Cue] = []
    actor_topics: list[tuple[str, str]] = []
    for topic in taxonomy:
        strong = topic.cues or topic.aliases
        for group, weak in ((strong, False), (topic.weak_cues, True)):
            for raw in group:
                cues.extend(_parse_cues(topic.id, raw, weak))
        if topic.actor:
            actor_topics.append((topic.actor, topic.id))
    whole = frozenset(t.id for t in taxonomy if t.whole)
    return Tagger(tuple(cues), tuple(actor_topics), whole)
