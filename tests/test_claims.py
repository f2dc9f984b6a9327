"""Claims an analyst could paste into a memo: a capitalised sentence with a subject and a
finite verb, at most 20 words, never cut off, every word from the evidence in order.

Each row is a sentence of our own, the speaker whose claim is checked, and the claim
expected (exactly) or the start it must have and words it must not contain.
"""

from __future__ import annotations

import pytest

from bot.indexer.actors import load_directory
from bot.indexer.nlp import load
from bot.indexer.positions import extract_positions
from bot.indexer.positions.claims import _claim, claim_from_tokens, claim_problems
from bot.indexer.tagging import build_tagger
from bot.settings import Settings
from bot.topics import load_taxonomy


@pytest.fixture(scope="module")
def nlp():
    return load(Settings().spacy_model)


@pytest.fixture(scope="module")
def extractor(nlp):
    settings = Settings()
    directory = load_directory(settings.actors_path)
    tagger = build_tagger(load_taxonomy(settings.topics_path))

    def run(text: str):
        return extract_positions(nlp(text), directory=directory, tagger=tagger)

    return run


# (text, speaker, claim starts with, words the claim must not hold)
CLAIMS: list[tuple[str, str | None, str, tuple[str, ...]]] = [
    (  # a relative clause goes before the main clause is cut
        "Shah Mehmood Qureshi said that the border fence, which cost Pakistan hundreds of "
        "millions of rupees over four winters, will stop militants crossing into "
        "Afghanistan from the tribal districts.",
        "Shah Mehmood Qureshi",
        "The border fence will stop militants",
        ("which", "rupees", "…"),
    ),
    (  # "it" in reported speech is the reporting body (an act it reports, "said it had
        # withheld the aid", is now read as the body's act in any context: kind action)
        "The Pentagon said it was still reviewing the remaining security aid to Pakistan.",
        "Pentagon",
        "The Pentagon was still reviewing the remaining security aid",
        (" it ", "said"),
    ),
    (  # a bare verb phrase gets its subject back, from the text
        "Donald Trump accused Islamabad of sheltering the Haqqani network.",
        "Donald Trump",
        "Donald Trump accused Islamabad of sheltering the Haqqani network.",
        (),
    ),
    (  # "he" gives way to the speaker's name; the clitic is spelled out
        "Mike Pompeo met the army chief in Rawalpindi. He’ll urge Pakistan to act against "
        "the Haqqani network, he said.",
        "Mike Pompeo",
        "Mike Pompeo will urge Pakistan to act against the Haqqani network.",
        ("’ll",),
    ),
    (  # long: circumstance and trailing clauses go, the subject and verb stay
        "Khawaja Asif said that Pakistan, which has lost thousands of soldiers in the war, "
        "will not accept the blame for the terrorist safe havens in Afghanistan, where the "
        "Taliban have gained ground since the American coalition withdrew its troops.",
        "Khawaja Asif",
        "Pakistan will not accept the blame",
        ("…", "which has lost"),
    ),
    (  # a quotation of two sentences: the first that stands alone
        "“We have done more than anyone in this war. Nobody can ask us to do more on the "
        "safe havens,” Shah Mehmood Qureshi said.",
        "Shah Mehmood Qureshi",
        "We have done more than anyone in this war.",
        ("Nobody",),
    ),
    (  # a parenthetical aside is dropped first
        "Alice Wells said that the aid (roughly $300 million a year) will not resume until "
        "Pakistan acts against the Haqqani network.",
        "Alice Wells",
        "The aid will not resume until Pakistan acts",
        ("(", "roughly"),
    ),
]


@pytest.mark.parametrize(("text", "speaker", "starts", "absent"), CLAIMS)
def test_claims_are_sentences(extractor, nlp, text, speaker, starts, absent):
    # statements only: an act reported beside them (a meeting) has its own claim
    found = [p for p in extractor(text) if p.speaker == speaker and p.kind != "action"]
    assert found, text
    for p in found:
        assert p.claim.startswith(starts), p.claim
        for word in absent:
            assert word not in p.claim, p.claim
        problems = claim_problems(p.claim, p.evidence, nlp, names=(p.speaker, p.actor))
        assert problems == [], (p.claim, problems)


# (claim, evidence, the problem it must be reported with)
PROBLEMS: list[tuple[str, str, str]] = [
    ("accused Pakistan of lying.", "Trump accused Pakistan of lying.", "not capitalised"),
    ("Pakistan must act against …", "Pakistan must act against the network.", "ellipsis"),
    ("Deny giving sanctuary.", "Officials deny giving sanctuary.", "no subject"),
    ("A letter to the premier.", "Trump wrote a letter to the premier.", "no subject"),
    (
        "Pakistan " + "and the United States " * 6 + "agree.",
        "Pakistan " + "and the United States " * 6 + "agree.",
        "words",
    ),
    ("Pakistan denies the charge.", "The charge Pakistan denies.", "not in the evidence"),
    ("Washington accepts the charge.", "Washington rejects the charge.", "not in the evidence"),
]


@pytest.mark.parametrize(("claim", "evidence", "problem"), PROBLEMS)
def test_unreadable_claims_are_caught(nlp, claim, evidence, problem):
    problems = claim_problems(claim, evidence, nlp)
    assert any(problem in p for p in problems), problems


def test_a_readable_claim_passes(nlp):
    assert (
        claim_problems(
            "Mattis will consult with NATO allies.",
            "But he’ll consult with NATO allies, he said.",
            nlp,
            names=("Jim Mattis",),
        )
        == []
    )


def test_plain_text_claims_end_at_a_clause_not_mid_phrase():
    long = (
        "the United States will keep its aid suspended, and it will review the decision "
        "in the spring if Pakistan shows progress against the groups on its soil"
    )
    claim = _claim(long)
    assert "…" not in claim and claim.endswith(".")
    assert claim == "The United States will keep its aid suspended."


@pytest.mark.parametrize("text", ["“…”", "— , ;", "(Inaudible)", "Yes."])
def test_scraps_never_break_a_claim(nlp, text):
    claim = claim_from_tokens(list(nlp(text)), "Jane Porter")
    assert "…" not in claim
