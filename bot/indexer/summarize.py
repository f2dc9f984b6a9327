"""A three-sentence extractive summary and a one-line gist.

News puts its point first, so position in the article is the strongest prior (that is why
Lead-3 is a hard baseline). On top of it a sentence earns credit for being central (its
content words recur across the article), for carrying an attributed stance (the reader
of this bot wants who-said-what), and for naming people and states; it loses credit for
being a question, a fragment, or a near-repeat of a sentence already chosen.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from bot.indexer.positions.syntax import TokenTable
from bot.indexer.types import ExtractedPosition


@dataclass(frozen=True)
class Summary:
    sentences: tuple[str, ...]
    gist: str

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


def _sentences(doc: Doc) -> list[Span]:
    out: list[Span] = []
    text = TokenTable.of(doc).text
    for sent in doc.sents:
        start = sent.start
        for i in range(sent.start, sent.end):
            if "\n" in text[i]:
                if i > start:
                    out.append(doc[start:i])
                start = i + 1
        if start < sent.end:
            out.append(doc[start : sent.end])
    return [s for s in out if s.text.strip()]


def _lemmas(span: Span) -> list[str]:
    return [t.lemma_.lower() for t in span if t.is_alpha and not t.is_stop and len(t) > 2]


def summarize(doc: Doc, positions: Sequence[ExtractedPosition] = (), *, n: int = 3) -> Summary:
    sents = _sentences(doc)
    if not sents:
        return Summary((), "")
    lemma_lists = [_lemmas(s) for s in sents]
    freq = Counter(lemma for lemmas in lemma_lists for lemma in set(lemmas))
    by_evidence: dict[str, list[ExtractedPosition]] = {}
    for p in positions:
        by_evidence.setdefault(p.evidence, []).append(p)

    scores: list[float] = []
    topics: list[set[str]] = []
    for idx, (sent, lemmas) in enumerate(zip(sents, lemma_lists, strict=True)):
        words = len([t for t in sent if t.is_alpha])
        text = sent.text.strip()
        stances = [p for ev, ps in by_evidence.items() if text in ev or ev in text for p in ps]
        topics.append({p.topic for p in stances})
        if words < 6 or text.endswith("?") or re.match(r"^[A-Z]{2,6}:", text):
            scores.append(-math.inf)
            continue
        if text[:1] in '“"‘' and not stances:
            scores.append(-math.inf)  # a quotation with no one to attribute it to
            continue
        lead = 1.0 / (1.0 + 0.3 * idx)
        centrality = sum(freq[w] - 1 for w in set(lemmas)) / math.sqrt(max(len(lemmas), 1))
        # reported speech with a named speaker summarises; a bare quotation illustrates
        stance = 0.0
        if stances:
            named = any(p.speaker for p in stances)
            stance = (0.9 if any(p.kind != "quote" for p in stances) else 0.5) + 0.3 * named
        length_penalty = 0.6 if words > 55 else 0.0
        scores.append(2.0 * lead + 0.3 * centrality + stance - length_penalty)

    chosen: list[int] = []
    sets = [set(lemmas) for lemmas in lemma_lists]
    while len(chosen) < min(n, len(sents)):
        best, best_score = -1, -math.inf
        covered_topics = set().union(*(topics[j] for j in chosen)) if chosen else set()
        for idx, score in enumerate(scores):
            if idx in chosen or score == -math.inf:
                continue
            redundancy = max(
                (len(sets[idx] & sets[j]) / max(1, len(sets[idx] | sets[j])) for j in chosen),
                default=0.0,
            )
            fresh_topics = len(topics[idx] - covered_topics)
            adjusted = score - 3.0 * redundancy + 0.3 * min(fresh_topics, 2)
            if adjusted > best_score:
                best, best_score = idx, adjusted
        if best < 0:
            break
        chosen.append(best)
    top = chosen[0] if chosen else 0
    ordered = tuple(sents[i].text.strip() for i in sorted(chosen))
    lead_news = _news_index(sents)
    if lead_news is None:
        # no early sentence says who did what (a transcript, an editorial): the best
        # summary sentence that is not a pleasantry, a question or a quote fragment
        ranked = [i for i in chosen if _gist_worthy(sents[i])] or [top]
        lead_news = ranked[0]
    return Summary(ordered, gist(_without_label(sents[lead_news].text.strip())))


# sentences a gist must not be: the small talk of a transcript, an aside
PLEASANTRY = re.compile(
    r"\b(?:good (?:morning|afternoon|evening)|thank(?:s| you)|pleasure|honou?red to|"
    r"pleased to|glad to|delighted to|nice to|welcome(?:,| to| everyone| all)|look forward to|"
    r"let me (?:begin|start)|inaudible|crosstalk)\b",
    re.I,
)
REPORTING_OR_ACTING = re.compile(r"^(?!be$|have$|seem$|appear$|remain$|become$)")
LABEL_PREFIX = re.compile(r"^[A-Z][\w.’' -]{0,40}:\s+")
# "(AP) — ", "WASHINGTON (Reuters) - ", "ISLAMABAD: ": where and who filed, not the news
DATELINE = re.compile(
    r"^(?:\([A-Za-z]{2,12}\)|[A-Z][A-Z .,]{2,30}(?:\s*\([A-Za-z]+\))?)\s*[—–:-]+\s*"
)
REPORTING = frozenset({"say", "tell", "report", "announce", "confirm", "state", "add", "note"})
NEWS_WINDOW = 5  # the news is in the first few sentences or not at the top at all


def _gist_worthy(sent: Span) -> bool:
    """Not a question, a greeting, a transcript pleasantry or a quote fragment."""
    text = _without_label(sent.text.strip())
    words = [t for t in sent if t.is_alpha]
    return (
        len(words) >= 8
        and not text.endswith("?")
        and text[:1] not in "“\"‘'(["
        and not PLEASANTRY.search(text)
    )


def _named(subject: Token) -> bool:
    """A named actor: a person, state, body or people ("The US military", "Pakistan's
    Foreign Office", "President Donald Trump"), not a pronoun or a bare noun."""
    if subject.pos_ == "PRON":
        return False
    return any(
        t.ent_type_ in ("PERSON", "ORG", "GPE", "NORP", "FAC") or t.pos_ == "PROPN"
        for t in subject.subtree
    )


def _news_sentence(sent: Span) -> bool:
    """Who did or said what: a named actor as the subject of a reporting or action verb."""
    if not _gist_worthy(sent):
        return False
    root = sent.root
    if root.pos_ != "VERB" or not REPORTING_OR_ACTING.match(root.lemma_.lower()):
        return False
    subject = next((c for c in root.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    if subject is not None and not _named(subject) and root.lemma_.lower() in REPORTING:
        # "The US played a key role …, diplomatic sources told Dawn": the reported actor
        clause = next((c for c in root.children if c.dep_ in ("ccomp", "parataxis")), None)
        if clause is not None:
            subject = next((c for c in clause.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    if subject is None or not _named(subject):
        return False
    # "…, Asif said": a quotation first, its attribution last, is a quote, not the news
    return not (sent.text.lstrip()[:1] in '“"' and subject.i > root.i - 1)


def _news_index(sents: list[Span]) -> int | None:
    """The article's main news sentence: the first of its opening sentences that says
    who did or said what."""
    seen = 0
    for i, sent in enumerate(sents):
        if sum(t.is_alpha for t in sent) < 4:
            continue  # an interview label, "Good morning, everyone.": not a sentence yet
        if _news_sentence(sent):
            return i
        seen += 1
        if seen >= NEWS_WINDOW:
            break
    return None


def _without_label(text: str) -> str:
    """ "Chaudhry: Pakistan has …" → "Pakistan has …", "(AP) — Trump says …" → "Trump
    says …": an interview label or a dateline is not news."""
    return LABEL_PREFIX.sub("", DATELINE.sub("", text, count=1), count=1)


def gist(sentence: str, limit: int = 200) -> str:
    """One line: the best sentence, cut at a word boundary."""
    sentence = re.sub(r"\s+", " ", sentence).strip()
    if len(sentence) <= limit:
        return sentence
    cut = sentence[:limit].rsplit(" ", 1)[0].rstrip(",;:—-")
    return cut + "…"


def lead(doc: Doc, n: int = 3) -> str:
    """The Lead-n baseline: the first n sentences."""
    return " ".join(s.text.strip() for s in _sentences(doc)[:n])
