"""Position extraction, one phenomenon per row, on invented sentences.

Each case is a short text and the positions it must (and must not) yield, as
(actor, speaker, topic, kind) — speaker None for unnamed officials, kind None when any
kind is acceptable.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.indexer.actors import load_directory
from bot.indexer.nlp import load
from bot.indexer.positions import extract_positions
from bot.indexer.tagging import build_tagger
from bot.settings import Settings
from bot.topics import load_taxonomy

ROOT = Path(__file__).resolve().parent.parent

Expect = tuple[str, str | None, str, str | None]

CASES: list[tuple[str, str, list[Expect], list[tuple[str, str]]]] = [
    (
        "curly quote with attribution tail",
        "“We will never allow our soil to host safe havens,” Khawaja Asif said on Monday.",
        [("Pakistan", "Khawaja Asif", "safe-havens", "quote")],
        [],
    ),
    (
        "straight quote, inverted verb",
        '"The Haqqani network must be confronted," said Mike Pompeo.',
        [("United States", "Mike Pompeo", "haqqani-network", "quote")],
        [],
    ),
    (
        "colon-introduced quote",
        'Donald Trump wrote on social media: "They have given us nothing but lies and deceit."',
        [("United States", "Donald Trump", "trust", "quote")],
        [],
    ),
    (
        "reported speech with that-clause",
        "Alice Wells stressed that the suspension of security assistance was not permanent.",
        [("United States", "Alice Wells", "security-aid", "reported")],
        [],
    ),
    (
        "reported speech, other reporting verbs",
        "Shah Mehmood Qureshi insisted that refugees must return home before the winter.",
        [("Pakistan", "Shah Mehmood Qureshi", "afghan-refugees", "reported")],
        [],
    ),
    (
        "surname only after a full mention",
        "Antony Blinken arrived in Islamabad on Tuesday. Blinken urged Islamabad to act "
        "against the Haqqani network.",
        [("United States", "Antony Blinken", "haqqani-network", None)],
        [],
    ),
    (
        "pronoun points back to the last named speaker",
        "Zalmay Khalilzad met the army chief in Rawalpindi. He said the peace talks in Doha "
        "had reached a critical stage.",
        [("United States", "Zalmay Khalilzad", "afghan-peace-process", None)],
        [],
    ),
    (
        "nationality cue on unnamed officials",
        "Pakistani officials said the border fence would be finished by the end of the year.",
        [("Pakistan", None, "border-management", "reported")],
        [],
    ),
    (
        "US officials, unnamed",
        "US officials warned that the Coalition Support Fund would stay frozen.",
        [("United States", None, "security-aid", "reported")],
        [],
    ),
    (
        "a body speaks for its state",
        "The Foreign Office rejected the allegation that Pakistan supports the Taliban.",
        [("Pakistan", "Foreign Office", "taliban-support", None)],
        [],
    ),
    (
        "the Pentagon as speaker",
        "The Pentagon said the F-16 sustainment package would go ahead.",
        [("United States", "Pentagon", "security-aid", "reported")],
        [],
    ),
    (
        "stance statement with possessive stance noun",
        "Pakistan's stance is that the refugee camps are being used to plan attacks.",
        [("Pakistan", None, "afghan-refugees", "reported")],
        [],
    ),
    (
        "official action: aid withheld",
        "The United States has withheld $250 million in military aid to Pakistan.",
        [("United States", None, "security-aid", "action")],
        [],
    ),
    (
        "official action: suspension inside someone else's statement",
        "Pakistan's defence minister said the country would cope, after the Trump "
        "administration suspended security aid.",
        [("United States", "Trump administration", "security-aid", "action")],
        [("Pakistan", "security-aid")],
    ),
    (
        "quote spanning sentences with tail at the end",
        "“We have done our part. We have lost thousands of lives fighting terrorism. Now it is "
        "time for others to do more,” Imran Khan said.",
        [("Pakistan", "Imran Khan", "counterterrorism", "quote")],
        [],
    ),
    (
        "unclosed quote does not swallow the article",
        "“The relationship has hit a low point, Khawaja Asif said in a speech.\n"
        "Separately, the weather in Lahore was pleasant on Sunday.\n"
        "Antony Blinken said the United States values its alliance with Pakistan.",
        [("United States", "Antony Blinken", "alliance", None)],
        [],
    ),
    (
        "unattributed quote paragraph continues the previous speaker",
        "Mike Pompeo said the reset would take time.\n"
        "“We need Pakistan to help bring the Taliban into reconciliation talks.”",
        [("United States", "Mike Pompeo", "afghan-peace-process", "quote")],
        [],
    ),
    (
        "interview answer under a speaker label",
        "Q: Does Pakistan shelter the Haqqani network?\n"
        "Aizaz Ahmad Chaudhry: That is an absurd suggestion which needs no comment.",
        [("Pakistan", "Aizaz Ahmad Chaudhry", "haqqani-network", None)],
        [],
    ),
    (
        "narration is not a position",
        "The delegation flew to Kabul after lunch and visited a school near the border.",
        [],
        [("Pakistan", "border-management"), ("United States", "border-management")],
    ),
    (
        "a bare statistic attributed with according to is not a stance",
        "There are two million refugees in the country, according to the United Nations.",
        [],
        [("United Nations", "afghan-refugees")],
    ),
    (
        "place in the attribution tail does not add a topic",
        "“We are worried about the stability of Pakistan,” Rex Tillerson told reporters in "
        "New Delhi.",
        [("United States", "Rex Tillerson", "pakistan-stability", "quote")],
        [("United States", "india")],
    ),
    (
        "one sentence, several topics",
        "James Mattis said the Haqqani network still enjoys safe havens across the border.",
        [
            ("United States", "James Mattis", "haqqani-network", None),
            ("United States", "James Mattis", "safe-havens", None),
        ],
        [],
    ),
    (
        "China's foreign ministry speaks for China on the China topic",
        "The Chinese foreign ministry said it would deepen cooperation with Islamabad.",
        [("China", "China foreign ministry", "china", None)],
        [],
    ),
    (
        "an official not in the gazetteer keeps their name; the body places them",
        "Foreign Office spokesperson Nadia Rahim said Pakistan would not let its soil be used "
        "against any neighbour.",
        [("Pakistan", "Nadia Rahim", "safe-havens", "reported")],
        [],
    ),
    (
        "a different first name is a different person, whatever the surname",
        "Pakistan's ambassador to Washington, Tariq Khan, said trade between the two "
        "countries could double.",
        [("Pakistan", "Tariq Khan", "economy-trade", "reported")],
        [("Pakistan", "alliance")],
    ),
    (
        "a named body is not a person",
        "The State Department said in a statement that it remained worried about militant "
        "sanctuaries.",
        [("United States", "State Department", "safe-havens", "reported")],
        [],
    ),
    (
        "according to a body beats an official whose side is only guessed",
        "According to a statement issued by the ISPR, the army chief told the visiting US "
        "delegation that the country had done more than anyone to fight terrorism.",
        [("Pakistan", "ISPR", "counterterrorism", None)],
        [("United States", "counterterrorism")],
    ),
    (
        "an unknown official placed by an earlier titled mention",
        "Islamabad rejected U.S. Deputy Secretary Harold Brandt's remarks on Monday.\n"
        "Brandt warned that Washington would cut the Coalition Support Fund again.",
        [("United States", "Harold Brandt", "security-aid", "reported")],
        [],
    ),
    (
        "a quote from a named but unplaceable speaker is not handed to the previous one",
        "Mike Pompeo said the talks had gone well.\n"
        "“The Haqqani network is a proxy of the state,” said Crandall. “It must be stopped.”",
        [],
        [("United States", "haqqani-network")],
    ),
    (
        "a titled official of an unnamed ministry is not placed by guesswork",
        "Pakistan has long denied the charge. “Pakistan rejects the claim that it hosts "
        "sanctuaries,” ministry spokesman Farid Alam Qazi told reporters in Islamabad.",
        [],
        [("Pakistan", "safe-havens"), ("United States", "safe-havens")],
    ),
    (
        "nominal attribution: a speech noun with its owner and its clause",
        "The tweet was followed by Nikki Haley’s announcement that the United States would "
        "withhold military aid to Pakistan.",
        [("United States", "Nikki Haley", "security-aid", None)],
        [],
    ),
    (
        "stance adjective with a complement clause",
        "Pakistani officials are hopeful that the peace talks with the Taliban will resume "
        "next month.",
        [("Pakistan", None, "afghan-peace-process", "reported")],
        [],
    ),
    (
        "a participle clause inherits its subject",
        "Zalmay Khalilzad has a difficult relationship with Islamabad, having often accused "
        "it of sheltering the Haqqani network.",
        [("United States", "Zalmay Khalilzad", "haqqani-network", "reported")],
        [],
    ),
    (
        "conjoined subjects: one position each",
        "The State Department and Pakistan’s Foreign Office said the two sides would expand "
        "trade and investment.",
        [
            ("United States", "State Department", "economy-trade", "reported"),
            ("Pakistan", "Foreign Office", "economy-trade", "reported"),
        ],
        [],
    ),
    (
        "a reported charge and its denial: both sides",
        "The Pentagon says Islamabad gives safe haven to militants, a charge Pakistan denies.",
        [
            ("United States", "Pentagon", "safe-havens", "reported"),
            ("Pakistan", None, "safe-havens", "reported"),
        ],
        [],
    ),
    (
        "a written nationality beats the state a body name usually means",
        "A spokesperson for the Iranian Foreign Office said the letter sought help with the "
        "peace process.",
        [("Iran", "Foreign Office", "afghan-peace-process", "reported")],
        [("Pakistan", "afghan-peace-process")],
    ),
    (
        "a leader's administration speaks for the leader's state",
        "Ghani's administration has repeatedly denounced the border fencing.",
        [("Afghanistan", "Ghani administration", "border-management", "reported")],
        [("Pakistan", "border-management")],
    ),
    (
        "an office that exists in one state places an unknown person",
        "Defense Secretary Lloyd Rasmussen said Pakistan must act against the Haqqani network.",
        [("United States", "Lloyd Rasmussen", "haqqani-network", "reported")],
        [],
    ),
    (
        "a pronoun binds to the one person named earlier in its sentence",
        "The cut was part of a suspension of aid announced by President Donald Trump, when "
        "he accused Pakistan of “nothing but lies and deceit.”",
        [("United States", "Donald Trump", "trust", None)],
        [],
    ),
    (
        "official act: both signatories of a deal",
        "The United States and the Taliban signed a peace agreement in Doha on Saturday.",
        [
            ("United States", None, "afghan-peace-process", "action"),
            ("Taliban", None, "afghan-peace-process", "action"),
        ],
        [],
    ),
    (
        "official act: hosting a visiting leader is about the relationship",
        "President Donald Trump hosted Pakistan's army chief Asim Munir for lunch at the "
        "White House.",
        [("United States", "Donald Trump", "alliance", "action")],
        [],
    ),
    (
        "official act: passive with its agent",
        "A sustainment package for Pakistan's F-16 fleet was approved by the State "
        "Department on Wednesday.",
        [("United States", "State Department", "security-aid", "action")],
        [],
    ),
    (
        "official act: summoning an envoy",
        "The Foreign Office summoned the US ambassador to lodge a strong protest.",
        [("Pakistan", "Foreign Office", "alliance", None)],
        [],
    ),
    (
        "a condition is not an act",
        "The aid could be restored if Islamabad acts against the militants.",
        [],
        [("United States", "security-aid"), ("Pakistan", "security-aid")],
    ),
    (
        "a deck line is furniture, not a position",
        "US says Pakistan must end Haqqani safe havens\n\nThe talks ended on Friday without "
        "an agreement on the border.",
        [],
        [("United States", "haqqani-network"), ("United States", "safe-havens")],
    ),
    (
        "a verb inside a question put to the speaker states nothing",
        "When pressed whether he also denied that the ISI sheltered the Haqqani network, "
        "the spokesperson declined to comment.",
        [],
        [("Pakistan", "haqqani-network"), ("Pakistan", "taliban-support")],
    ),
    (
        "stance adjective read by the parser as a passive verb",
        "American officials have been frustrated with Pakistan's support for the Taliban.",
        [("United States", None, "taliban-support", "reported")],
        [],
    ),
    (
        "a document speaks for the governments that released it",
        "The troops would leave Afghanistan within a year, according to a joint statement "
        "released by the U.S. and Afghan governments.",
        [
            ("United States", None, "afghanistan-war", "reported"),
            ("Afghanistan", None, "afghanistan-war", "reported"),
        ],
        [],
    ),
    (
        "'the statement added' is the statement of whoever spoke in a statement",
        "State Department spokesperson Ned Price, in a statement, said the ministers met in "
        "New York.\n\n“They discussed counterterrorism cooperation,” the statement added.",
        [("United States", "Ned Price", "counterterrorism", "quote")],
        [("Pakistan", "counterterrorism")],
    ),
    (
        "a definite description names the institution mentioned before",
        "Pakistan's embassy in Washington lobbied lawmakers for weeks.\n\nThe embassy also "
        "said the trade deal would lower tariffs on textiles.",
        [("Pakistan", "Pakistan Embassy", "economy-trade", "reported")],
        [("United States", "economy-trade")],
    ),
    (
        "what a state is said to think is the reporting speaker's claim",
        "The Foreign Office spokesperson said that the US has admitted Pakistan's role in "
        "the Afghan peace talks.",
        [("Pakistan", "Foreign Office", "afghan-peace-process", "reported")],
        [("United States", "afghan-peace-process")],
    ),
    (
        "speech under 'could' or 'might' was not said",
        "Only the ISI could comment on the raid, the minister added.",
        [],
        [("Pakistan", "taliban-support")],
    ),
    (
        "a relative pronoun is the person it follows",
        "Talks began with Rex Tillerson, who insisted that Islamabad must act against the "
        "Haqqani network.",
        [("United States", "Rex Tillerson", "haqqani-network", "reported")],
        [("Pakistan", "haqqani-network")],
    ),
    (
        "'he told X': he is not X",
        "Shahid Khaqan Abbasi met Rex Tillerson in Islamabad.\n\n“We are committed in the "
        "war against terror,” he told Tillerson.",
        [],
        [("United States", "counterterrorism")],
    ),
    (
        "an act in a relative clause about someone is background",
        "The talks came two days after the departure of Alice Wells, who visited Pakistan "
        "last week.",
        [],
        [("United States", "alliance")],
    ),
    (
        "a new reporting verb by class: denounce",
        "President Donald Trump strongly denounced Pakistan's double game in Afghanistan.",
        [("United States", "Donald Trump", "taliban-support", "reported")],
        [],
    ),
    (
        "a bare title goes to the person holding that office, not to the last speaker",
        "Zabihullah Mujahid said the Taliban would attend.\n"
        "Shah Mehmood Qureshi met the envoy in Islamabad on Friday.\n"
        "The foreign minister said that peace in Afghanistan was everyone's responsibility.",
        [("Pakistan", "Shah Mehmood Qureshi", "afghan-peace-process", "reported")],
        [("Taliban", "afghan-peace-process")],
    ),
    (
        "a bare title that fits nobody named is nobody",
        "Mike Pompeo spoke to reporters.\n"
        "The prime minister said the peace talks would resume in Doha.",
        [],
        [("United States", "afghan-peace-process")],
    ),
    (
        "he/she prefers the subject of the previous sentence",
        "Alice Wells thanked Qureshi for his help with the talks.\n"
        "She added that the peace process needed Pakistan's support.",
        [("United States", "Alice Wells", "afghan-peace-process", "reported")],
        [("Pakistan", "afghan-peace-process")],
    ),
    (
        "an acronym names the body only in capitals",
        "“Pakistan rejects the claim about sanctuaries,” the FO statement said.",
        [("Pakistan", "Foreign Office", "safe-havens", "quote")],
        [],
    ),
    (
        "a meeting that only dates a statement is not an act of its own",
        "Foreign Minister Shah Mehmood Qureshi said the tariff talks had gone well, after he "
        "met with Antony Blinken.",
        [("Pakistan", "Shah Mehmood Qureshi", "economy-trade", "reported")],
        [("Pakistan", "alliance")],
    ),
    (
        "a meeting reported in its own right is an act",
        "Antony Blinken met Shah Mehmood Qureshi in New York on Tuesday.",
        [("United States", "Antony Blinken", "alliance", "action")],
        [],
    ),
    (
        "another act in a time clause is still reported",
        "Pakistan protested after the United States suspended military aid to the country.",
        [("United States", None, "security-aid", "action")],
        [],
    ),
    (
        "a state's pressure with an infinitive is its stance",
        "Pakistan faces growing U.S. pressure to act against militant groups.",
        [("United States", None, "counterterrorism", "reported")],
        [],
    ),
    (
        "a possessed demand with an infinitive",
        "Washington's demand to extradite the militant commanders angered Islamabad.",
        [("United States", None, "counterterrorism", "reported")],
        [],
    ),
    (
        "a state's pressure with nothing demanded is no stance",
        "U.S. pressure on Islamabad over the militant groups is mounting.",
        [],
        [("United States", "counterterrorism")],
    ),
    (
        "he/she: a known person named earlier in the sentence, whatever the entity type",
        "Shah Mehmood Qureshi said the talks on tariffs were going well. Under Trump, "
        "Washington has raised duties on many partners, a policy he says will end unfair trade.",
        [("United States", "Donald Trump", "economy-trade", "reported")],
        [],
    ),
    (
        "receiving money is no act of hosting: a name is two capitalised words",
        "Imran Khan received billions in aid from donors.",
        [],
        [("Pakistan", "security-aid")],
    ),
    (
        "receiving a named visitor is an act",
        "Imran Khan received Alice Wells in Islamabad on Monday.",
        [("Pakistan", "Imran Khan", "alliance", "action")],
        [],
    ),
    (
        "a relative clause describing the object is not what was received",
        "Pakistan has received money through schemes under which Washington reimburses the army.",
        [],
        [("Pakistan", "security-aid"), ("Pakistan", "alliance")],
    ),
    (
        "the speaker's own words in a relative clause on them are theirs too",
        "Donald Trump, who last year accused Pakistan of deceit, said on Monday that "
        "relations would improve.",
        [
            ("United States", "Donald Trump", "trust", "reported"),
            ("United States", "Donald Trump", "alliance", "reported"),
        ],
        [],
    ),
    (
        "a relative clause that reports nothing adds nothing",
        "Donald Trump, who visited the border last year, said on Monday that relations "
        "would improve.",
        [("United States", "Donald Trump", "alliance", "reported")],
        [("United States", "border-management")],
    ),
    (
        "an emphatic reflexive is not the speaker: the name before it is",
        "Washington is aware of Pakistan's value and President Donald Trump had himself "
        "praised Islamabad's role in countering terrorism.",
        [("United States", "Donald Trump", "counterterrorism", "reported")],
        [],
    ),
    (
        "a visit to a third state is no act of the relationship",
        "Imran Khan will visit Saudi Arabia next month.",
        [],
        [("Pakistan", "alliance")],
    ),
    (
        "a visit to the other side is",
        "Imran Khan will visit Washington next month.",
        [("Pakistan", "Imran Khan", "alliance", "action")],
        [],
    ),
    (
        "denial verb",
        "Pakistani leaders denied providing sanctuaries to insurgents.",
        [("Pakistan", None, "safe-havens", None)],
        [],
    ),
]


@pytest.fixture(scope="module")
def extractor():
    settings = Settings()
    nlp = load(settings.spacy_model)
    directory = load_directory(settings.actors_path)
    tagger = build_tagger(load_taxonomy(settings.topics_path))

    def run(text: str):
        return extract_positions(nlp(text), directory=directory, tagger=tagger)

    return run


@pytest.mark.parametrize(
    ("name", "text", "expected", "forbidden"), CASES, ids=[c[0] for c in CASES]
)
def test_extraction(extractor, name, text, expected, forbidden):
    found = extractor(text)
    got = {(p.actor, p.speaker, p.topic, p.kind) for p in found}
    for actor, speaker, topic, kind in expected:
        matches = [
            g
            for g in got
            if g[0] == actor
            and g[1] == speaker
            and g[2] == topic
            and (kind is None or g[3] == kind)
        ]
        assert matches, (
            f"{name}: expected {(actor, speaker, topic, kind)} in {sorted(got, key=str)}"
        )
    for actor, topic in forbidden:
        assert not [g for g in got if g[0] == actor and g[2] == topic], (
            f"{name}: did not expect {(actor, topic)} in {sorted(got, key=str)}"
        )
    for p in found:
        assert p.evidence in text, "evidence must be verbatim"
        assert len(p.claim.split()) <= 21
        assert "$ " not in p.claim and "  " not in p.claim, "claims keep the text's spacing"


def test_office_is_the_one_held_that_year(extractor):
    settings = Settings()
    directory = load_directory(settings.actors_path)
    asif = directory.person("Khawaja Asif")
    assert asif is not None
    assert asif.office_in(dt.date(2017, 5, 1)) == "Defence Minister"
    assert asif.office_in(dt.date(2017, 10, 25)) == "Foreign Minister"
    assert asif.office_in(dt.date(2023, 6, 1)) == "Defence Minister"
    assert asif.office_in(dt.date(2019, 1, 1)) is None  # out of office: no title invented
    assert directory.person("Tillerson").name == "Rex Tillerson"  # surname only
    assert directory.nationality("senior Pakistani officials") == "Pakistan"
    assert directory.nationality("U.S. diplomats") == "United States"


def test_evidence_is_verbatim_in_seed_articles(extractor):
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for p in extractor(text):
            assert p.evidence in text


@pytest.mark.parametrize(
    "verb",
    [
        "said",
        "told reporters",
        "stressed",
        "insisted",
        "emphasised",
        "emphasized",
        "conveyed",
        "acknowledged",
        "stated",
        "urged Washington",
        "warned",
        "reiterated",
        "maintained",
        "asserted",
        "claimed",
        "noted",
        "argued",
        "added",
        "lauded the idea",
        "reaffirmed",
    ],
)
def test_every_reporting_verb_attributes(extractor, verb):
    text = f"Shah Mehmood Qureshi {verb} that the Afghan refugees must return home soon."
    got = {(p.actor, p.speaker, p.topic) for p in extractor(text)}
    assert ("Pakistan", "Shah Mehmood Qureshi", "afghan-refugees") in got, (verb, got)


@pytest.mark.parametrize(
    ("text", "actor"),
    [
        ("Pakistan denied that it gives sanctuary to the Haqqani network.", "Pakistan"),
        ("Washington accused Islamabad of sheltering the Haqqani network.", "United States"),
        ("Islamabad rejected the charge that it shelters the Haqqani network.", "Pakistan"),
    ],
)
def test_states_as_speakers(extractor, text, actor):
    assert (actor, "haqqani-network") in {(p.actor, p.topic) for p in extractor(text)}


@pytest.mark.parametrize(
    ("text", "speaker", "starts", "absent"),
    [
        (
            "The US broke its promises on the border fence, Shah Mehmood Qureshi said, after "
            "Washington suspended security aid.",
            "Shah Mehmood Qureshi",
            "The US broke its promises",
            "suspended",
        ),
        (
            # a bare verb phrase gets its subject back (issue 10: claims read as sentences)
            "Pakistani officials deny giving sanctuary to the Haqqani network.",
            None,
            "Pakistani officials deny giving sanctuary",
            "…",
        ),
        (
            "Alice Wells said that Pakistan must act against the Haqqani network.",
            "Alice Wells",
            "Pakistan must act",
            "said",
        ),
        (
            "Donald Trump accused Islamabad of sheltering the Haqqani network.",
            "Donald Trump",
            "Donald Trump accused Islamabad of sheltering",
            "…",
        ),
    ],
)
def test_claims_read_as_the_stance(extractor, text, speaker, starts, absent):
    claims = [p.claim for p in extractor(text) if p.speaker == speaker]
    assert claims, text
    for claim in claims:
        assert claim.startswith(starts), claim
        assert absent not in claim, claim


# Who does not speak: readings that once filed a line under the wrong speaker or state
# (found on a held-out reading of real articles; the sentences here are invented). Each
# row: text, lines that must be there as (actor, speaker, topic), and (speaker, topic)
# pairs that must not be — speaker None for a line with no named speaker.
NOT_THE_SPEAKER: list[
    tuple[str, str, list[tuple[str, str | None, str]], list[tuple[str | None, str]]]
] = [
    (
        "'it' in what a state announces is that state, not the last body named",
        "Pakistan's army spokesman said the border fence was nearly finished. The US later "
        "announced that it was withholding $255 million in aid to Islamabad.",
        [("United States", None, "security-aid")],
        [("Pakistan Army", "security-aid")],
    ),
    (
        "'it' after an agency we cannot place stays unplaced",
        "The Foreign Office spokesman said the border fence was nearly finished. A little-"
        "known procurement office said it had notified lawmakers about the sale of F-16 "
        "jets to Pakistan.",
        [("Pakistan", "Foreign Office", "border-management")],
        [("Foreign Office", "security-aid")],
    ),
    (
        "a US agency commonly quoted on arms sales is in the gazetteer",
        "The Defense Security Cooperation Agency approved the sale of eight F-16 jets to Pakistan.",
        [("United States", "Defense Security Cooperation Agency", "security-aid")],
        [],
    ),
    (
        "a document whose own words name its issuer is not the last speaker's",
        "US officials praised the new government in Islamabad. The Pakistan Foreign Ministry "
        "statement said terrorism never came up during the call.",
        [("Pakistan", "Foreign Office", "counterterrorism")],
        [(None, "counterterrorism")],
    ),
    (
        "'according to reports' is nobody's document, however recent the last speaker",
        "Imran Khan said the two countries must rebuild trust. According to reports, Mike "
        "Pompeo will visit Islamabad next month and will meet the prime minister.",
        [("United States", "Mike Pompeo", "alliance")],
        [("Imran Khan", "alliance")],
    ),
    (
        "a name inside quotation marks never speaks for the words outside them",
        "Shah Mehmood Qureshi met reporters in Islamabad. "
        'Stressing that ties with Washington mattered, he said, "Mike Pompeo is expected to '
        'visit Islamabad next week. We look forward to the visit."',
        [("Pakistan", "Shah Mehmood Qureshi", "alliance")],
        [("Mike Pompeo", "alliance")],
    ),
    (
        "a report nested in a disputed statement is not the speaker's nor the reported one's",
        "Shah Mehmood Qureshi said the State Department's statement that Mike Pompeo "
        "discussed terrorism with the prime minister was simply untrue.",
        [("Pakistan", "Shah Mehmood Qureshi", "counterterrorism")],
        [("Mike Pompeo", "counterterrorism")],
    ),
    (
        "a claim inside a question put to a spokesman is the claimant's, not his",
        "Ned Price was replying to a question about Sartaj Aziz's statement that the Haqqani "
        "network had been pushed out of the tribal areas.",
        [("Pakistan", "Sartaj Aziz", "haqqani-network")],
        [("Ned Price", "haqqani-network")],
    ),
    (
        "'it' is the state named earlier in its own sentence, not the last body before it",
        "The Pentagon said on Monday that the reimbursements were frozen. Pakistan rejects "
        "sheltering fighters but says it is wary of revenge attacks inside its borders.",
        [("United States", "Pentagon", "security-aid")],
        [("Pentagon", "border-management")],
    ),
    (
        "an embassy 'of the United States in Islamabad' is the American one",
        "The Embassy of the United States in Islamabad said on Friday that the envoy thanked "
        "Pakistan for backing the talks with the Taliban.",
        [("United States", "US Embassy", "afghan-peace-process")],
        [],
    ),
    (
        "'they' is the officials named earlier in the sentence, not the last person",
        "Ash Carter visited Kabul last week. Ties have soured, with American diplomats "
        "annoyed by what they call Pakistan's reluctance to move against the Haqqani network.",
        [("United States", None, "haqqani-network")],
        [("Ash Carter", "haqqani-network")],
    ),
    (
        "what someone decided not to tell was not said",
        "The payment will be held back because Jim Mattis chose not to inform lawmakers that "
        "Islamabad was cracking down on the Haqqani network, a U.S. official said.",
        [("United States", None, "haqqani-network")],
        [("Jim Mattis", "haqqani-network")],
    ),
    (
        "the question still says what the answer is about",
        "In response to a question about why the Haqqani network had not been designated, "
        "Mark Toner said that its leaders had been designated as terrorists.",
        [("United States", "Mark Toner", "haqqani-network")],
        [],
    ),
]


@pytest.mark.parametrize(
    ("name", "text", "expected", "forbidden"),
    NOT_THE_SPEAKER,
    ids=[c[0] for c in NOT_THE_SPEAKER],
)
def test_not_the_speaker(extractor, name, text, expected, forbidden):
    got = {(p.actor, p.speaker, p.topic) for p in extractor(text)}
    for line in expected:
        assert line in got, f"{name}: expected {line} in {sorted(got, key=str)}"
    for speaker, topic in forbidden:
        wrong = [g for g in got if g[1] == speaker and g[2] == topic]
        assert not wrong, f"{name}: did not expect {wrong}"
