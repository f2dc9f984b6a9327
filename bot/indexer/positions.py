"""Positions: who (speaking for which state) took what stance on which topic, with evidence.

Pure functions over a parsed `Doc`. The article is read in order, as a person would:
paragraphs, interview labels ("Chaudhry: …"), quotes that may span sentences or never
close, then for each unit of text the attribution — a reporting verb and its subject, a
colon-introduced quote, "according to X", "X's stance is that …", or the speaker carried
over from the previous paragraph — and the official actions a sentence reports. Mentions
resolve to states through `ActorDirectory`; pronouns and bare titles ("the minister")
point back to the last fitting speaker.

Topics come from the *content* of a unit (the quote or the reported clause), never from
the attribution, so "Asif said, after the US suspended aid, that …" does not make Asif a
speaker on aid.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span, Token

from bot.indexer.actors import ActorDirectory
from bot.indexer.tagging import Tagger
from bot.indexer.types import ExtractedPosition, Kind

REPORTING = frozenset(
    [
        "say",
        "tell",
        "stress",
        "insist",
        "emphasise",
        "emphasize",
        "convey",
        "acknowledge",
        "state",
        "urge",
        "deny",
        "accuse",
        "warn",
        "add",
        "assert",
        "claim",
        "maintain",
        "argue",
        "note",
        "reiterate",
        "affirm",
        "underscore",
        "underline",
        "highlight",
        "express",
        "allege",
        "announce",
        "declare",
        "confirm",
        "explain",
        "remark",
        "observe",
        "suggest",
        "demand",
        "ask",
        "reject",
        "dismiss",
        "criticise",
        "criticize",
        "condemn",
        "vow",
        "pledge",
        "promise",
        "assure",
        "respond",
        "reply",
        "concede",
        "admit",
        "caution",
        "charge",
        "blame",
        "tweet",
        "write",
        "reveal",
        "describe",
        "agree",
        "complain",
        "threaten",
        "welcome",
        "point",
        "brief",
        "insist",
        "lament",
        "regret",
        "question",
        "predict",
        "estimate",
        "told",
        "brand",
        "term",
        "label",
        "dub",
        "call",
        "laud",
        "praise",
        "commend",
        "hail",
        "appreciate",
        "reaffirm",
        "reassure",
        "thank",
    ]
)
# Verbs whose subject states a stance directly: "the US wants …", "Pakistan is concerned …"
STANCE = frozenset(
    [
        "want",
        "seek",
        "believe",
        "allege",
        "insist",
        "reject",
        "demand",
        "hope",
        "refuse",
        "oppose",
        "fear",
        "expect",
        "deny",
        "concern",
        "view",
        "consider",
        "regard",
        "welcome",
    ]
)
ACTIONS = frozenset(
    [
        "suspend",
        "withhold",
        "cancel",
        "freeze",
        "cut",
        "halt",
        "block",
        "terminate",
        "revoke",
        "impose",
        "sanction",
        "designate",
        "direct",
        "order",
        "expel",
        "rally",
        "approve",
        "release",
        "restore",
        "resume",
        "grant",
        "offer",
        "deliver",
        "provide",
        "reimburse",
    ]
)
# an action only counts when its object is something a state does to the relationship
ACTION_OBJECTS = re.compile(
    r"\b(aid|assistance|funds?|funding|support fund|payments?|reimbursements?|sanctions?|"
    r"visas?|plans?|strateg\w*|officials|delegations?|talks|cooperation|programme|program|"
    r"f-16s?|jets|weapons|troops)\b",
    re.I,
)
UNNAMED = re.compile(
    r"\b(officials?|sources?|leaders?|leadership|diplomats?|spokes(?:man|woman|person)|"
    r"government|administration|ministry|officers?|authorities|insiders?|aides?|"
    r"military|army|establishment|statement|release|communiqu\w*|handout|readout)\b",
    re.I,
)
TITLE_WORDS = re.compile(
    r"\b(minister|ambassador|envoy|secretary|president|premier|spokes\w+|general|chief|"
    r"commander|adviser|advisor|diplomat)\b",
    re.I,
)
DENIAL_ANAPHOR = re.compile(
    r"\b(suggestion|allegation|claim|accusation|charge|notion|propaganda|baseless|absurd|"
    r"nonsense|untrue|false|unfounded)\b",
    re.I,
)
TITLE_VOCABULARY = frozenset(
    {
        "minister",
        "prime",
        "foreign",
        "defence",
        "defense",
        "interior",
        "finance",
        "ambassador",
        "envoy",
        "secretary",
        "president",
        "premier",
        "spokesman",
        "spokesperson",
        "spokeswoman",
        "general",
        "chief",
        "commander",
        "adviser",
        "advisor",
        "diplomat",
        "representative",
        "army",
        "staff",
        "state",
        "deputy",
        "assistant",
        "special",
        "pm",
        "fm",
        "senator",
        "director",
    }
)
# a title the text uses for an office recorded under another word
TITLE_SYNONYMS = {
    "representative": ("envoy",),
    "ambassador": ("envoy", "diplomat"),
    "spokesman": ("spokesperson", "spokeswoman"),
    "spokesperson": ("spokesman", "spokeswoman"),
    "spokeswoman": ("spokesperson", "spokesman"),
    "pm": ("prime", "minister"),
    "fm": ("foreign", "minister"),
    "secretary": ("diplomat",),
}
# Reporting verbs whose stance is their object: the verb belongs in the claim ("accused
# Pakistan of a double game", "denied providing assistance").
OBJECT_VERBS = frozenset(
    {
        "accuse",
        "deny",
        "reject",
        "condemn",
        "welcome",
        "praise",
        "laud",
        "commend",
        "hail",
        "criticise",
        "criticize",
        "blame",
        "dismiss",
        "brand",
        "term",
        "urge",
        "thank",
        "appreciate",
        "question",
        "express",
        "demand",
        "refuse",
        "oppose",
    }
)
LISTENER_VERBS = frozenset(["tell", "inform", "brief", "assure", "remind", "warn", "urge", "ask"])
SETTINGS = frozenset(
    [
        "statement",
        "interview",
        "speech",
        "briefing",
        "conference",
        "tweet",
        "post",
        "letter",
        "meeting",
        "session",
        "address",
        "call",
        "talk",
        "remarks",
        "hearing",
    ]
)
LABEL = re.compile(r"^\s*([A-Z][\w.’'´ -]{0,60}?):\s+(?=\S)")
OPEN_QUOTES = '“‘"'
PRONOUNS = {"he": "person", "she": "person", "they": "group", "it": "body", "we": "group"}


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
class Unit:
    """One or more sentences read as one statement (a quote may span sentences)."""

    start: int
    end: int
    paragraph: int
    sents: list[Span] = field(default_factory=list)
    label: str | None = None  # interview label of the paragraph, if any
    question: bool = False
    _quotes: list[tuple[int, int]] | None = field(default=None, repr=False)


@dataclass
class _Context:
    directory: ActorDirectory
    published: dt.date | None
    default_actor: str
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
    ents: list[Span] = field(default_factory=list)  # doc.ents, computed once per document

    def met(self, speaker: Speaker, title_words: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        if speaker.kind != "person" or not speaker.name:
            return
        self.people = [p for p in self.people if p.name != speaker.name] + [speaker]
        if title_words:
            self.titles.setdefault(speaker.name, set()).update(title_words)

    def remember(self, speaker: Speaker) -> None:
        self.last_any = speaker
        if speaker.kind == "person":
            self.last_person = speaker
            self.met(speaker)
        elif speaker.kind == "group":
            self.last_group = speaker
        else:
            self.last_body = speaker


def extract_positions(
    doc: Doc,
    *,
    directory: ActorDirectory,
    tagger: Tagger,
    published: dt.date | None = None,
) -> list[ExtractedPosition]:
    text = doc.text
    ctx = _Context(directory, published, _default_actor(text, directory))
    ctx.ents = list(doc.ents)
    units = list(_units(doc))
    out: list[ExtractedPosition] = []
    question_topics: list[str] = []
    answer_started = False
    interview_speaker: Speaker | None = None
    prev_unattributed: Unit | None = None
    unplaced_paragraph = -1

    for i, unit in enumerate(units):
        ctx.unit_index = i
        if unit.question:
            question_topics = tagger.tags(_unit_text(text, unit))
            answer_started = False
            continue
        if unit.label:
            label_speaker = _resolve_name(unit.label, ctx)
            if label_speaker is not None:
                interview_speaker = label_speaker
                ctx.remember(label_speaker)

        action_spans: list[tuple[int, int]] = []
        for action, span in _actions(unit, text, ctx, tagger):
            out.append(action)
            action_spans.append(span)

        found = _attribute(unit, text, ctx, units[i + 1] if i + 1 < len(units) else None)
        if found is None and interview_speaker is not None and _in_answer(units, i):
            found = (interview_speaker, _answer_tokens(unit, text), "quote")
        if found is None and _has_unresolved_attribution(unit, text):
            # the quote's speaker is named but unplaceable; so is the rest of the paragraph
            unplaced_paragraph = unit.paragraph
        if (
            found is None
            and _mostly_quoted(unit, text)
            and prev_unattributed is None
            and unplaced_paragraph != unit.paragraph
        ):
            carry = ctx.last_any if unit.paragraph - ctx.last_unit_paragraph <= 1 else None
            if carry is not None:
                found = (carry, _content_tokens(unit, set()), "quote")
        if found is None:
            prev_unattributed = unit if not _mostly_quoted(unit, text) else None
            _note_mentions(unit, ctx)
            _note_subject(unit, ctx)
            continue
        prev_unattributed = None
        speaker, content, kind = found
        ctx.remember(speaker)
        ctx.last_unit_paragraph = unit.paragraph
        _note_mentions(unit, ctx)
        if speaker.kind == "person":
            ctx.last_subject, ctx.last_subject_unit = speaker, i
        else:
            _note_subject(unit, ctx)

        evidence = _evidence(text, unit)
        content_text = _text_of(content) if content else evidence
        topics = tagger.tags(content_text, actor=speaker.actor)
        if not topics and not unit.label:
            # nothing in the quote itself: what the attribution says it responds to
            # ("…,” the FO said while reacting to the suspension of aid) — but not another
            # actor's act reported beside it ("…, after the US suspended aid")
            topics = tagger.tags(_without(text, unit, action_spans), actor=speaker.actor)
        if (
            not topics
            and unit.label is not None
            and not answer_started
            and DENIAL_ANAPHOR.search(evidence)
        ):
            # "It is an absurd suggestion": a denial answers the question's topics
            topics = list(question_topics)
        answer_started = answer_started or unit.label is not None
        quoted = _quoted_spans(text, unit)
        for topic in topics:
            out.append(
                ExtractedPosition(
                    actor=speaker.actor,
                    speaker=speaker.name,
                    speaker_office=speaker.office,
                    topic=topic,
                    claim=_claim(content_text if content else evidence),
                    evidence=evidence,
                    kind=_kind_for(kind, topic, evidence, quoted, tagger, unit.start),
                )
            )
    return _dedupe(out)


# ---------------------------------------------------------------- units and quotes


def _units(doc: Doc) -> Iterator[Unit]:
    """Sentences grouped so that a quote opened in one sentence closes in the same unit.

    An unclosed quote ends at its paragraph: one stray quotation mark must not swallow the
    rest of the article.
    """
    text = doc.text
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
        current.sents.append(sent)
        current.end = sent.end_char
        depth_open = _quote_open_after(text, current.start, current.end)
    if current is not None:
        yield current


def _asks(paragraph: str) -> bool:
    return paragraph.count("?") >= 1 and not re.search(r"[.!]\s*$", paragraph.strip())


def _split_on_newlines(doc: Doc, sent: Span) -> Iterator[Span]:
    start = sent.start
    for tok in sent:
        if "\n" in tok.text or (tok.is_space and tok.i > start):
            if tok.i > start:
                yield doc[start : tok.i]
            start = tok.i + 1
    if start < sent.end:
        span = doc[start : sent.end]
        if span.text.strip():
            yield span


def _quote_open_after(text: str, start: int, end: int) -> bool:
    segment = text[start:end]
    curly = segment.count("“") - segment.count("”")
    straight = segment.count('"') % 2
    return curly > 0 or straight == 1


def _quoted_spans(text: str, unit: Unit) -> list[tuple[int, int]]:
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


def _mostly_quoted(unit: Unit, text: str) -> bool:
    spans = _quoted_spans(text, unit)
    inside = sum(e - s for s, e in spans)
    return inside >= 0.6 * max(1, unit.end - unit.start)


def _in_quote(tok: Token, spans: list[tuple[int, int]]) -> bool:
    return any(s < tok.idx < e for s, e in spans)


def _unit_text(text: str, unit: Unit) -> str:
    return text[unit.start : unit.end]


def _evidence(text: str, unit: Unit) -> str:
    ev = text[unit.start : unit.end].strip()
    if unit.label:
        ev = LABEL.sub("", ev, count=1).strip()
    return ev


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


def _answer_tokens(unit: Unit, text: str) -> list[Token]:
    """An interview answer's words, without its "Chaudhry:" label."""
    tokens = [t for s in unit.sents for t in s]
    if unit.label is None:
        return tokens
    match = LABEL.match(text[unit.start : unit.end])
    cut = unit.start + (match.end() if match else 0)
    return [t for t in tokens if t.idx >= cut]


def _in_answer(units: list[Unit], i: int) -> bool:
    """True when unit i continues an interview answer (a labelled, non-question paragraph)."""
    for j in range(i, -1, -1):
        if units[j].question:
            return False
        if units[j].label is not None:
            return True
    return False


# ---------------------------------------------------------------- attribution


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


def _depth(tok: Token) -> int:
    depth = 0
    while tok.head.i != tok.i:
        tok = tok.head
        depth += 1
    return depth


def _subject(verb: Token) -> Token | None:
    for child in verb.children:
        if child.dep_ in ("nsubj", "nsubjpass", "csubj"):
            return child
    # conjoined verbs share the subject: "Tillerson flew … and expressed concern …"
    if verb.dep_ in ("conj", "xcomp", "advcl") and verb.head.i != verb.i:
        if (
            verb.dep_ == "advcl"
            and not any(c.dep_ == "mark" for c in verb.children)
            and verb.tag_ != "VBG"
        ):
            return None
        return _subject(verb.head)
    if verb.dep_ == "acomp" or (verb.pos_ == "ADJ" and verb.head.i != verb.i):
        return _subject(verb.head)
    return None


def _agent(verb: Token) -> Token | None:
    for child in verb.children:
        if child.dep_ == "agent":
            return next((c for c in child.children if c.dep_ == "pobj"), None)
    return None


def _ent_of(tok: Token) -> Span | None:
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


def _span_of(tok: Token) -> str:
    """The mention's text: the token's compound/title modifiers, not its clauses."""
    left = tok
    for child in tok.lefts:
        if child.dep_ in ("compound", "amod", "poss", "det", "nmod", "case", "punct"):
            left = child if child.i < left.i else left
    words = tok.doc[left.left_edge.i if left.i != tok.i else tok.i : tok.i + 1]
    text = words.text
    # include "of State …" style appositions only when they are names (Secretary of State)
    if tok.ent_type_ == "PERSON":
        ent = _ent_of(tok)
        if ent is not None:
            return ent.text
    return text


def _resolve_mention(tok: Token, ctx: _Context, *, allow_state: bool = True) -> Speaker | None:
    lower = tok.lower_
    if lower in PRONOUNS and tok.pos_ == "PRON":
        role = PRONOUNS[lower]
        if role == "person":
            if ctx.last_subject is not None and ctx.unit_index - ctx.last_subject_unit <= 1:
                return ctx.last_subject
            return ctx.last_person or ctx.last_mentioned
        if role == "body":
            return ctx.last_body or ctx.last_any
        if lower == "we":
            return None  # inside narration "we" is the outlet; quotes handle themselves
        return ctx.last_group or ctx.last_body or ctx.last_person
    mention = _span_of(tok)
    full = tok.doc[tok.left_edge.i : tok.right_edge.i + 1].text if tok.n_lefts else mention
    appos = next((c for c in tok.children if c.dep_ == "appos"), None)
    if appos is not None and appos.ent_type_ == "PERSON" and tok.ent_type_ != "PERSON":
        # "Pakistan's ambassador to Washington, Masood Khan, said …"
        named = _unknown_person(appos, full, ctx)
        if named is not None:
            return named
    # the gazetteer outranks NER: the small model tags "Qureshi" as a place
    if tok.pos_ == "PROPN" and ctx.directory.person(mention) is not None:
        found = _resolve_name(mention, ctx)
        if found is not None:
            ctx.met(found, _title_words(full))
            return found
    # a named person, with or without titles
    person_ent = tok.ent_type_ == "PERSON" or (tok.pos_ == "PROPN" and tok.ent_type_ != "GPE")
    if person_ent:
        found = _resolve_name(mention, ctx)
        if found is None and tok.ent_type_ == "PERSON":
            found = _unknown_person(tok, full, ctx)
        if found is not None:
            ctx.met(found, _title_words(full))
            return found
    body = ctx.directory.body(full) or ctx.directory.body(mention)
    if body is not None:
        named = _name_beside_body(tok, body.name, body.variants)
        if named:
            # "Foreign Office spokesperson Nadia Rahim": a person, even if NER missed it
            office = (
                f"{body.name} {TITLE_WORDS.search(full).group(1)}"
                if TITLE_WORDS.search(full)
                else body.name
            )
            return Speaker(body.actor, named, office, "person")
        return Speaker(body.actor, body.name, None, "body")
    state = ctx.directory.state(mention) or ctx.directory.state(full)
    if state is not None and allow_state and tok.ent_type_ in ("GPE", "NORP", "ORG", ""):
        return Speaker(state, None, None, "state")
    if UNNAMED.search(mention) or UNNAMED.search(tok.lemma_):
        nationality = ctx.directory.nationality(full)
        if TITLE_WORDS.search(full) and nationality is None and ctx.last_person is not None:
            # "the foreign minister", "the Ambassador": the last person with that title
            return _title_coreference(full, ctx)
        return Speaker(nationality or ctx.default_actor, None, None, "group", nationality is None)
    if TITLE_WORDS.search(mention):
        nationality = ctx.directory.nationality(full)
        if nationality is None:
            return _title_coreference(full, ctx)
        # an unnamed national official ("a US diplomat")
        return Speaker(nationality, None, None, "group")
    if person_ent:
        return _unknown_person(tok, full, ctx)
    return None


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
    tok: Token, phrase: str, ctx: _Context, *, guess: bool = True
) -> Speaker | None:
    """A person not in actors.yaml: named as written, placed by the body or nationality in
    their title ("Foreign Office spokesperson Mumtaz Zahra Baloch"), or by an earlier
    mention that placed them. A titled official placed by neither ("foreign ministry
    spokesman Moazzam Ahmad Khan") is taken to speak for the article's side, marked as a
    guess; an untitled name alone is not placed at all (no position beats a wrong one)."""
    known = _resolve_name(_span_of(tok), ctx)
    if known is not None:
        return known
    surname = _span_of(tok).split()[-1].casefold() if _span_of(tok).split() else ""
    if surname in ctx.unknown_people:
        return ctx.unknown_people[surname]
    ent = _ent_of(tok)
    name = ent.text if ent is not None and ent.label_ == "PERSON" else _span_of(tok)
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
    elif guess and title is not None and len(name.split()) >= 2:
        found = Speaker(ctx.default_actor, _clean_name(name), office, "person", True)
    if found is not None and found.name:
        ctx.unknown_people[found.name.split()[-1].casefold()] = found
        ctx.met(found, _title_words(context))
    return found


def _resolve_name(mention: str, ctx: _Context) -> Speaker | None:
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
    from bot.indexer.actors import _strip_titles

    return re.sub(r"['’]s$", "", _strip_titles(mention)).strip()


def _title_coreference(phrase: str, ctx: _Context) -> Speaker | None:
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


def _is_outlet(tok: Token) -> bool:
    return (
        tok.ent_type_ in ("ORG", "WORK_OF_ART")
        and tok.doc.text[tok.idx - 2 : tok.idx].strip() == ""
    )


def _default_actor(text: str, directory: ActorDirectory) -> str:
    """Whom unqualified "sources" and "officials" speak for in this article.

    Outlets say "sources said" about their own side: the state whose officials the article
    names most often, else the state it mentions most.
    """
    counts: Counter[str] = Counter()
    for m in re.finditer(
        r"\b([A-Z][\w.]+)\s+(?:officials|sources|leaders|leadership|diplomats)\b", text
    ):
        state = directory.nationality(m.group(1))
        if state:
            counts[state] += 3
    for m in re.finditer(
        r"\b(Pakistan|Islamabad|United States|U\.S\.|US|America|Washington)\b", text
    ):
        counts[directory.state(m.group(1)) or "Pakistan"] += 1
    return counts.most_common(1)[0][0] if counts else "Pakistan"


# ---------------------------------------------------------------- actions


def _note_subject(unit: Unit, ctx: _Context) -> None:
    """Remember the person who is the subject of the unit's main verb, if any."""
    for sent in unit.sents:
        subj = next((t for t in sent.root.children if t.dep_ in ("nsubj", "nsubjpass")), None)
        if subj is None or subj.pos_ not in ("PROPN", "PRON"):
            continue
        found = _resolve_mention(subj, ctx, allow_state=False)
        if found is not None and found.kind == "person":
            ctx.last_subject, ctx.last_subject_unit = found, ctx.unit_index
        return


def _note_mentions(unit: Unit, ctx: _Context) -> None:
    """Remember the people the unit names: the last known one for a later "he said", and
    unknown ones whose title places them, for a later bare surname."""
    for ent in ctx.ents:
        if unit.start <= ent.start_char < unit.end:
            if ent.label_ != "PERSON":
                continue
            root = ent.root
            phrase = root.doc[min(root.left_edge.i, ent.start) : ent.end].text
            found = _resolve_name(ent.text, ctx)
            if found is None:
                found = _unknown_person(root, phrase, ctx, guess=False)
            if found is not None:
                ctx.met(found, _title_words(phrase))
                ctx.last_mentioned = found


def _text_of(tokens: list[Token]) -> str:
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


def _without(text: str, unit: Unit, spans: list[tuple[int, int]]) -> str:
    """The unit's text with the given character spans blanked out."""
    chars = list(text[unit.start : unit.end])
    for start, end in spans:
        for k in range(max(start, unit.start), min(end, unit.end)):
            chars[k - unit.start] = " "
    return "".join(chars)


def _actions(
    unit: Unit, text: str, ctx: _Context, tagger: Tagger
) -> Iterator[tuple[ExtractedPosition, tuple[int, int]]]:
    """Official acts that express a stance: aid suspended or withheld, a directive issued.

    Yields each position with the character span of its clause, so the clause is not
    also read as part of someone's statement.
    """
    quotes = _quoted_spans(text, unit)
    for sent in unit.sents:
        for tok in sent:
            if tok.pos_ != "VERB" or _in_quote(tok, quotes):
                continue
            lemma = tok.lemma_.lower()
            negated_offer = lemma in ("offer", "provide", "give") and (
                any(c.dep_ == "neg" for c in tok.children)
                or any(c.dep_ == "neg" for c in tok.head.children if tok.dep_ == "xcomp")
            )
            if lemma not in ACTIONS and not negated_offer:
                continue
            if any(c.dep_ == "aux" and c.tag_ == "MD" for c in tok.children):
                continue  # "would cut", "could be restored": a threat or a condition, not an act
            if (
                lemma in ("offer", "provide", "release", "restore", "resume", "grant")
                and not negated_offer
            ):
                continue
            clause = tok.doc[tok.left_edge.i : tok.right_edge.i + 1]
            objects = " ".join(
                c.subtree.__iter__().__next__().doc[c.left_edge.i : c.right_edge.i + 1].text
                for c in tok.children
                if c.dep_ in ("dobj", "nsubjpass", "prep", "xcomp", "ccomp")
            )
            if not ACTION_OBJECTS.search(objects):
                continue
            passive = any(c.dep_ == "auxpass" for c in tok.children)
            subj = _agent(tok) if passive else _subject(tok)
            if subj is None and tok.dep_ == "xcomp":
                subj = _subject(tok.head)
            speaker = _resolve_mention(subj, ctx) if subj is not None else None
            if speaker is None and passive:
                # "… was directed in the last cabinet meeting": the body named in the clause
                for t in clause:
                    body = ctx.directory.body(t.text) if t.pos_ in ("NOUN", "PROPN") else None
                    if body is not None:
                        speaker = Speaker(body.actor, body.name, None, "body")
                        break
            if speaker is None:
                continue
            evidence = sent.text.strip()
            span = (clause.start_char, clause.end_char)
            if negated_offer and tok.dep_ == "xcomp":
                # "decided not to offer …": the decision, not the bare infinitive
                head = tok.head
                clause = head.doc[head.i : tok.right_edge.i + 1]
            for topic in tagger.tags(clause.text):
                yield (
                    ExtractedPosition(
                        actor=speaker.actor,
                        speaker=speaker.name,
                        speaker_office=speaker.office,
                        topic=topic,
                        claim=_claim(clause.text),
                        evidence=evidence,
                        kind="action",
                    ),
                    span,
                )


# ---------------------------------------------------------------- output


CIRCUMSTANCE = frozenset(
    {"after", "before", "following", "since", "when", "while", "as", "once", "until"}
)
LEADING_FILLER = re.compile(
    r"^(?:(?:that|further|also|however|then|and|but|meanwhile|moreover|instead|after|"
    r"while|when|as)\b[\s,]*)+",
    re.I,
)


def _claim(content: str, limit: int = 20) -> str:
    """A short neutral claim: the content clause with quotes and attribution trimmed."""
    cleaned = LEADING_FILLER.sub("", re.sub(r"[“”\"]", "", content).strip())
    cleaned = re.sub(r"\s+([,.;:!?%])", r"\1", cleaned)
    cleaned = re.sub(r"\s+", " ", cleaned).strip(" ,;:-—")
    words = cleaned.split()
    if len(words) > limit:
        return " ".join(words[:limit]).rstrip(",;:") + "…"
    return cleaned[:1].upper() + cleaned[1:]


def _kind_for(
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
    offset = evidence and 0
    rel = [(s - unit_start + offset, e - unit_start + offset) for s, e in quoted]
    if spans and all(not any(a <= s < b for a, b in rel) for s, _ in spans):
        return "reported"
    return "quote" if spans else kind


def _dedupe(positions: Iterable[ExtractedPosition]) -> list[ExtractedPosition]:
    seen: set[tuple[str, str | None, str, str]] = set()
    out: list[ExtractedPosition] = []
    for p in positions:
        key = (p.actor, p.speaker, p.topic, p.evidence)
        if key in seen:
            continue
        seen.add(key)
        out.append(p)
    return out
