"""The gist is the article's news: who did or said what, early on — not a greeting, a
question, a transcript pleasantry, a quote fragment or a dateline. Texts of our own."""

from __future__ import annotations

import pytest

from bot.indexer.summarize import summarize

CASES: list[tuple[str, str, str]] = [
    (
        "a quotation first",
        "“We will not be bullied,” a senior official said.\n\n"
        "Pakistan's Foreign Office on Monday rejected the American decision to suspend "
        "security aid, calling it counterproductive for both countries.\n\n"
        "The spokesman said talks with Washington would continue at the working level.",
        "Pakistan's Foreign Office on Monday rejected",
    ),
    (
        "a question first",
        "Will the aid ever come back? That is what officials in Islamabad are asking "
        "this week.\n\n"
        "The Pentagon on Friday cancelled $300 million in military aid to Pakistan, "
        "saying it had not done enough against militant groups.\n\n"
        "Officials in Islamabad said they had not been told in advance.",
        "The Pentagon on Friday cancelled $300 million",
    ),
    (
        "a transcript's pleasantries",
        "SECRETARY JONES: Good morning, everyone. It is a real pleasure to be here with my "
        "good friend the foreign minister today.\n\n"
        "FOREIGN MINISTER KHAN: Thank you very much, and thank you for hosting us.\n\n"
        "SECRETARY JONES: Pakistan and the United States have agreed to restart the "
        "dialogue on counterterrorism that was suspended last year.",
        "Pakistan and the United States have agreed to restart",
    ),
    (
        "a dateline",
        "ISLAMABAD (Reuters) - Pakistan's army chief met the visiting American envoy on "
        "Tuesday to discuss the reopening of border crossings with Afghanistan.\n\n"
        "The meeting lasted two hours, according to the military's media wing.",
        "Pakistan's army chief met the visiting American envoy",
    ),
    (
        "a pronoun opening",
        "It was a cold morning in the capital when the convoy arrived at the ministry.\n\n"
        "Secretary of State Jane Porter told Pakistani officials on Wednesday that "
        "Washington would restore part of the suspended aid.\n\n"
        "The officials welcomed the decision.",
        "Secretary of State Jane Porter told Pakistani officials",
    ),
]


@pytest.mark.parametrize(("name", "text", "starts"), CASES, ids=[c[0] for c in CASES])
def test_gist_is_the_news(nlp, name, text, starts):
    summary = summarize(nlp(text))
    assert summary.gist.startswith(starts), (name, summary.gist)
