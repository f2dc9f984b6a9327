"""Topic tagging, one phenomenon per row, on sentences written for these tests.

The mechanism tables use a small taxonomy of their own, so they test how cues match
(lemmas, whole words, context, several topics) whatever the shipped vocabulary says; the
vocabulary table checks `config/topics.yaml` covers the ways news reports each scope.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from bot.indexer.tagging import Tagger, build_tagger
from bot.settings import Settings
from bot.topics import load_taxonomy

MINI = """
topics:
  sanctions:
    label: Sanctions
    aliases: [sanctions]
    cues: [sanction, designation, withdrawal, suspension]
  intelligence:
    label: Intelligence
    aliases: [isi]
    cues: [ISI]
  daesh:
    label: Daesh
    aliases: [isis]
    cues: [ISIS, Islamic State]
  aid:
    label: Aid
    aliases: [aid]
    cues: [aid/n, "cut ~ fund*|funding"]
  nuclear:
    label: Nuclear
    aliases: [nuclear]
    cues: [nuclear, terror*]
  democracy:
    label: Democracy
    aliases: [democracy]
    cues: [democratic, state]
  truce:
    label: Truce
    aliases: [truce]
    cues: ["ceasefire|cease-fire ~ border"]
  ties:
    label: Ties
    aliases: [ties]
    cues: [partner/v]
    weak_cues: [relationship]
actors: [Other]
"""


@pytest.fixture(scope="module")
def mini(tmp_path_factory: pytest.TempPathFactory) -> Tagger:
    path = tmp_path_factory.mktemp("taxonomy") / "topics.yaml"
    path.write_text(MINI, encoding="utf-8")
    return build_tagger(load_taxonomy(Path(path)))


@pytest.fixture(scope="module")
def shipped() -> Tagger:
    return build_tagger(load_taxonomy(Settings().topics_path))


# (phenomenon, sentence, topics the mini taxonomy must give, in taxonomy order)
MECHANISM: list[tuple[str, str, list[str]]] = [
    ("noun cue, verb past", "The treasury sanctioned three exchange houses.", ["sanctions"]),
    ("noun cue, plural", "New sanctions on the exchange houses remain.", ["sanctions"]),
    ("noun cue, gerund", "Sanctioning the houses was a mistake.", ["sanctions"]),
    ("-ation noun, verb form", "The ministry designated the outfit last week.", ["sanctions"]),
    ("-al noun, verb form", "Washington withdrew its envoy from the capital.", ["sanctions"]),
    ("-sion noun, verb form", "Donors suspended the payments in May.", ["sanctions"]),
    ("verb-only cue, verb", "Pakistan partnered with the coalition.", ["ties"]),
    ("verb-only cue, noun", "Pakistan is a difficult partner.", []),
    ("acronym as a whole word", "The ISI denied the report.", ["intelligence"]),
    ("acronym not inside another", "Fighters loyal to ISIS crossed the river.", ["daesh"]),
    ("noun aid", "Congress approved more aid for the army.", ["aid"]),
    ("verb aid is not aid", "Local police aided the rescue of the hostages.", []),
    ("verb aid, gerund", "They were accused of aiding the smugglers.", []),
    ("epithet, hyphenated", "The nuclear-armed neighbours exchanged fire overnight.", []),
    ("epithet, predicate noun", "They are both nuclear powers, the envoy noted.", []),
    ("epithet on a place name", "Aid reached terror-hit Pakistan on Monday.", ["aid"]),
    ("cue as the stance itself", "Pakistan expanded its nuclear arsenal.", ["nuclear"]),
    ("part of a name", "Senators of the Democratic Party objected.", []),
    ("the same word outside a name", "Democratic institutions look fragile.", ["democracy"]),
    ("name containing a cue word", "The Islamic State claimed the bombing.", ["daesh"]),
    (
        "two topics in one clause",
        "The government cut aid after the sanctions.",
        ["sanctions", "aid"],
    ),
    (
        "two topics in coordinated clauses",
        "The ISI was blamed and the treasury sanctioned its officers.",
        ["sanctions", "intelligence"],
    ),
    ("head ~ dependent", "Congress cut the funds for the programme.", ["aid"]),
    ("hyphenated alternative", "The cease-fire along the border held.", ["truce"]),
    ("its unhyphenated twin", "The ceasefire along the border held.", ["truce"]),
    ("head without its dependent", "Congress cut the ribbon. Funds were discussed.", []),
    ("weak cue alone", "The relationship has never been closer.", ["ties"]),
    (
        "weak cue beside a strong one",
        "The relationship soured after the sanctions.",
        ["sanctions"],
    ),
    (
        "weak cue in its own sentence",
        "The sanctions stay. The relationship has never been closer.",
        ["sanctions", "ties"],
    ),
]


@pytest.mark.parametrize(("name", "text", "topics"), MECHANISM, ids=[c[0] for c in MECHANISM])
def test_tags_tokens(mini, nlp, name, text, topics):
    assert mini.tags_tokens(nlp(text)) == topics


# the text-only entry point: no lemmas or parse, same rules where surface forms suffice
TEXT_ONLY: list[tuple[str, str, list[str]]] = [
    (
        "inflection from the surface",
        "The treasury sanctioned three exchange houses.",
        ["sanctions"],
    ),
    ("whole words", "Fighters loyal to ISIS crossed the river.", ["daesh"]),
    ("verb aid", "Local police aided the rescue.", []),
    ("noun aid", "Congress approved more aid.", ["aid"]),
    ("epithet", "The nuclear-armed neighbours exchanged fire.", []),
    ("part of a name", "Senators of the Democratic Party objected.", []),
    ("two topics", "The government cut aid after the sanctions.", ["sanctions", "aid"]),
]


@pytest.mark.parametrize(("name", "text", "topics"), TEXT_ONLY, ids=[c[0] for c in TEXT_ONLY])
def test_tags_text(mini, name, text, topics):
    assert mini.tags(text) == topics


def test_clause_scope_reads_complements_and_relative_clauses(mini, nlp):
    """The stance clause (a reporting verb's complement) includes its relative clause; the
    words of the attribution are not part of it."""
    doc = nlp(
        "The envoy from the democratic camp said Pakistan would back any government "
        "that imposes sanctions."
    )
    said = next(t for t in doc if t.lemma_ == "say")
    clause = next(c for c in said.children if c.dep_ == "ccomp")
    assert "sanctions" in mini.tags_tokens(list(clause.subtree))
    assert "democracy" not in mini.tags_tokens(list(clause.subtree))
    assert "democracy" in mini.tags_tokens(doc)


def test_spans_point_at_the_cue(mini, nlp):
    doc = nlp("Congress approved more aid for the army.")
    ((start, end),) = mini.spans_tokens(doc)["aid"]
    assert doc.text[start:end] == "aid"
    assert mini.spans(doc.text)["aid"] == [(start, end)]


def test_actor_topic_applies_whatever_the_wording(shipped, nlp):
    """China speaking is about China; its generic words do not add the bilateral topic."""
    assert shipped.tags_tokens(nlp("We will always stand by our friends."), actor="China") == [
        "china"
    ]


# (scope bullet, a sentence written for it, a topic it must carry)
VOCABULARY: list[tuple[str, str, str]] = [
    ("drone strikes", "The strike by an unmanned drone killed four men.", "counterterrorism"),
    (
        "designation",
        "The State Department designated the outfit a terrorist organisation.",
        "counterterrorism",
    ),
    ("proscription", "Islamabad proscribed two more militant outfits.", "counterterrorism"),
    ("FATF grey list", "Pakistan wants to leave the FATF grey list this year.", "counterterrorism"),
    ("money laundering", "The court convicted him of money laundering.", "counterterrorism"),
    (
        "arrest of militants",
        "Police arrested three suspected militants near the city.",
        "counterterrorism",
    ),
    (
        "arms sale",
        "The administration approved a foreign military sale of spare parts.",
        "security-aid",
    ),
    ("F-16 sustainment", "The package covers sustainment of the F-16 fleet.", "security-aid"),
    ("aid suspension", "Washington suspended security assistance to Islamabad.", "security-aid"),
    ("funds withheld", "The Pentagon withheld the reimbursements.", "security-aid"),
    ("bases", "Pakistan will not give any air base to a foreign power.", "alliance"),
    ("visit", "The army chief's visit to Washington was called a success.", "alliance"),
    ("call", "The two ministers spoke in a telephone call on Friday.", "alliance"),
    ("invitation", "He accepted an invitation to visit the capital.", "alliance"),
    ("gratitude", "The secretary thanked Pakistan for its help.", "alliance"),
    ("praise", "The president praised the prime minister.", "alliance"),
    ("relationship improving", "Both sides want to strengthen relations.", "alliance"),
    ("tariffs", "The new tariffs hit textile exporters hard.", "economy-trade"),
    ("minerals", "American firms are eyeing Pakistan's critical minerals.", "economy-trade"),
    ("oil deal", "The two governments struck a deal to develop oil reserves.", "economy-trade"),
    ("IMF programme", "The IMF approved a new loan programme for Pakistan.", "economy-trade"),
    ("troop levels", "The allies will raise troop levels next spring.", "afghanistan-war"),
    ("withdrawal", "The withdrawal of American forces is almost complete.", "afghanistan-war"),
    ("withdraw troops", "Washington will withdraw its remaining troops.", "afghanistan-war"),
    ("supply lines", "Islamabad reopened the NATO supply lines.", "afghanistan-war"),
    (
        "talks with the Taliban",
        "Islamabad helped start talks with the Taliban.",
        "afghan-peace-process",
    ),
    (
        "detention of a leader",
        "The former prime minister has been jailed since last year.",
        "pakistan-stability",
    ),
    ("elections", "Observers questioned the fairness of the elections.", "pakistan-stability"),
    ("democracy", "The senators urged respect for democracy in Pakistan.", "pakistan-stability"),
    ("a stable Pakistan", "Washington wants a stable and secure Pakistan.", "pakistan-stability"),
    ("mediation", "Washington offered to mediate the Kashmir dispute.", "india"),
    ("trust", "There is a deep mistrust between the two capitals.", "trust"),
    ("safe havens", "Militants still shelter across the border.", "safe-havens"),
    ("double game", "Critics accuse Islamabad of playing a double game.", "taliban-support"),
    ("refugees", "Pakistan began deporting undocumented migrants.", "afghan-refugees"),
    ("border fence", "The army has fenced most of the frontier.", "border-management"),
    ("nuclear programme", "Inspectors asked about the missile programme.", "nuclear"),
    (
        "deal with the Taliban, phrase hung on the verb",
        "The United States signed a deal with the Taliban in February.",
        "afghan-peace-process",
    ),
    (
        "accord with the Taliban, phrase hung on the noun taking it",
        "The envoy attended the signing of an accord with the Taliban.",
        "afghan-peace-process",
    ),
    (
        "a protest lodged with a government is diplomatic, not unrest",
        "The ministry said it had lodged a strong protest with Washington over the remarks.",
        "alliance",
    ),
    (
        "bare peace in a sentence that names Afghanistan, not governed by it",
        "Afghanistan is still our neighbour, and all we want is peace at last.",
        "afghan-peace-process",
    ),
]


@pytest.mark.parametrize(("name", "text", "topic"), VOCABULARY, ids=[c[0] for c in VOCABULARY])
def test_vocabulary_covers_the_scope(shipped, nlp, name, text, topic):
    assert topic in shipped.tags_tokens(nlp(text))


# generic uses that must not be read as the topic
NOT_TOPIC: list[tuple[str, str, str]] = [
    ("courtesy, not gratitude", "Thank you, minister, for your time.", "alliance"),
    ("verb aid", "Local guides aided the climbers.", "security-aid"),
    ("epithet", "The two nuclear-armed rivals traded accusations.", "nuclear"),
    ("ISIS is not the ISI", "The ISIS cell was broken up.", "taliban-support"),
    ("drug trade is not trade", "The drug trade funds the insurgency.", "economy-trade"),
    ("verb secure", "The envoy helped Pakistan secure a loan.", "pakistan-stability"),
    ("no-confidence is not trust", "The no-confidence motion passed late at night.", "trust"),
    (
        "a deal with the Taliban is not trade",
        "The United States signed a deal with the Taliban in February.",
        "economy-trade",
    ),
    ("funding is not the Fund", "Congress cut funding for the programme.", "economy-trade"),
    (
        "a lower-case word is never a name cue, whatever it shares with it",
        "The local police failed to verify the diplomat's status.",
        "india",
    ),
    (
        "a protest lodged with a government is not unrest at home",
        "The ministry said it had lodged a strong protest with Washington over the remarks.",
        "pakistan-stability",
    ),
    (
        "bare peace with no Afghanistan in the sentence",
        "The general said his men had fought for their homeland, not for cash, and wanted peace.",
        "afghan-peace-process",
    ),
    (
        "peace in another region",
        "A great power could help bring calm and lasting peace to South Asia.",
        "afghan-peace-process",
    ),
    (
        "a dialogue with another neighbour",
        "The premier said his government had offered a dialogue to settle old differences.",
        "afghan-peace-process",
    ),
    (
        "a party, not democracy",
        "Two Democratic senators wrote to the secretary.",
        "pakistan-stability",
    ),
]


@pytest.mark.parametrize(("name", "text", "topic"), NOT_TOPIC, ids=[c[0] for c in NOT_TOPIC])
def test_generic_uses_are_not_the_topic(shipped, nlp, name, text, topic):
    assert topic not in shipped.tags_tokens(nlp(text))


def test_docs_tagged_in_turn_and_in_threads_keep_their_own_words(mini, nlp):
    """Words are read once per doc and kept for the doc last tagged (per thread): a second
    doc, or another thread's doc, must never be read with the first one's words."""
    first = nlp("Congress approved more aid for the army.")
    second = nlp("The ISI denied the report on the aid.")
    assert mini.tags_tokens(first) == ["aid"]
    assert mini.tags_tokens(second) == ["intelligence", "aid"]
    assert mini.tags_tokens(first[:3]) == []  # "Congress approved more"

    results: list[list[str]] = []

    def tag_second() -> None:
        results.append(mini.tags_tokens(second))

    mini.tags_tokens(first)
    worker = threading.Thread(target=tag_second)
    worker.start()
    worker.join()
    assert results == [["intelligence", "aid"]]
    assert mini.tags_tokens(first) == ["aid"]


# A whole-relationship topic (`whole: true`, alliance) narrowed by "in"/"on" to a field
# another topic names is filed under that field only; a field no topic names, or a phrase
# nested deeper than the field itself, leaves the relationship in place.
# (phenomenon, sentence, topics that must be there, topics that must not)
NARROWED: list[tuple[str, str, list[str], list[str]]] = [
    ("relationship as such", "Both governments pledged to expand ties.", ["alliance"], []),
    (
        "ties narrowed to a field",
        "The two leaders agreed to expand ties in oil and gas exploration.",
        ["economy-trade"],
        ["alliance"],
    ),
    (
        "partnership narrowed to coordinated fields",
        "The envoys talked about deepening the partnership in trade and investment.",
        ["economy-trade"],
        ["alliance"],
    ),
    (
        "a conjunct shares the field",
        "They want to expand the partnership in trade as well as people-to-people ties.",
        ["economy-trade"],
        ["alliance"],
    ),
    (
        "a field no topic names",
        "Both sides vowed to strengthen relations in every sphere.",
        ["alliance"],
        [],
    ),
    (
        "a phrase nested in the object is no field",
        "Officials spoke of improving relations on the basis of mutual respect.",
        ["alliance", "trust"],
        [],
    ),
]


@pytest.mark.parametrize(
    ("name", "text", "present", "absent"), NARROWED, ids=[c[0] for c in NARROWED]
)
def test_relationship_narrowed_to_a_field(shipped, nlp, name, text, present, absent):
    topics = shipped.tags_tokens(nlp(text))
    assert set(present) <= set(topics)
    assert not set(absent) & set(topics)


# A lower-case remit in an office's title says who someone is, not what they said; the same
# word governed by anything else still names the topic.
# (phenomenon, sentence, topic, whether it must be filed)
TITLES: list[tuple[str, str, str, bool]] = [
    (
        "envoy's remit",
        "The new envoy for reconciliation arrived in the capital on Monday.",
        "afghan-peace-process",
        False,
    ),
    (
        "minister's remit",
        "The minister for human rights spoke to reporters after the hearing.",
        "pakistan-stability",
        False,
    ),
    (
        "adviser's remit",
        "An adviser on counterterrorism resigned last week.",
        "counterterrorism",
        False,
    ),
    (
        "the same word as the stance",
        "The envoy pressed for reconciliation with the insurgents.",
        "afghan-peace-process",
        True,
    ),
    (
        "a remit's nested phrase is not the title",
        "The envoy called for talks on the withdrawal of troops.",
        "afghanistan-war",
        True,
    ),
]


@pytest.mark.parametrize(("name", "text", "topic", "filed"), TITLES, ids=[c[0] for c in TITLES])
def test_a_title_remit_is_not_a_stance(shipped, nlp, name, text, topic, filed):
    assert (topic in shipped.tags_tokens(nlp(text))) is filed


# A weak cue (a generic word that names a topic only for want of a better one) counts only
# where it is what the clause is about, not inside a phrase of place, company or means.
# (phenomenon, sentence, topic, whether it must be filed)
WEAK_PLACE: list[tuple[str, str, str, bool]] = [
    ("company", "The minister was delighted to be dining with an old friend.", "alliance", False),
    ("means", "Nothing could have been done without their assistance.", "security-aid", False),
    ("place", "The envoy spoke to reporters at the White House.", "alliance", False),
    ("subject", "The relationship has never been stronger.", "alliance", True),
    ("what is talked about", "They talked about the relationship for an hour.", "alliance", True),
    ("object", "Congress has still not released the funding.", "security-aid", True),
]


@pytest.mark.parametrize(
    ("name", "text", "topic", "filed"), WEAK_PLACE, ids=[c[0] for c in WEAK_PLACE]
)
def test_weak_cue_in_a_scene_setting_phrase(shipped, nlp, name, text, topic, filed):
    assert (topic in shipped.tags_tokens(nlp(text))) is filed


def test_a_clause_that_is_only_a_scene_names_no_topic(shipped, nlp):
    """What remains of a statement once its attribution is cut may be the place phrase
    alone ("…told reporters at the White House:"): its weak cue is still only a scene."""
    doc = nlp("The president spoke to reporters at the White House.")
    at = next(t for t in doc if t.lower_ == "at")
    assert shipped.tags_tokens(list(at.subtree)) == []
    house = next(t for t in doc if t.lower_ == "house")
    assert "alliance" in shipped.tags_tokens(list(house.subtree))  # the name on its own
