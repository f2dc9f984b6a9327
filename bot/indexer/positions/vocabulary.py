"""The words extraction keys on: reporting and stance verbs, acts, titles, fillers.

Kept apart from the logic so that adding a verb or a title is a one-line change, read
and reviewed on its own (and checked by the table-driven tests).
"""

from __future__ import annotations

import re

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
        # less common reporting verbs: the class, not a short list
        "denounce",
        "decry",
        "slam",
        "lambaste",
        "castigate",
        "rebuke",
        "chide",
        "deplore",
        "rubbish",
        "refute",
        "rebut",
        "dispute",
        "contest",
        "clarify",
        "signal",
        "indicate",
        "hint",
        "contend",
        "recall",
        "disclose",
        "testify",
        "inform",
        "notify",
        "remind",
        "voice",
        "applaud",
        "congratulate",
        "felicitate",
        "acknowledge",
        "recognise",
        "recognize",
        "endorse",
        "retort",
        "counter",
        "quip",
        "gush",
        "boast",
        "concur",
        "repeat",
        "restate",
        "echo",
        "mention",
        "comment",
        "protest",
        "object",
        "discuss",
        "propose",
        "recommend",
        "advise",
        "appeal",
        "implore",
        "exhort",
        "stress",
        "post",
        "characterise",
        "characterize",
        "portray",
        "forecast",
        "guarantee",
        "affirm",
        "conclude",
        "elaborate",
        "answer",
        "reiterate",
        "swear",
        "bemoan",
        "fault",
        "allude",
        "hint",
        "lash",
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
        "think",
        "feel",
        "doubt",
        "suspect",
        "favour",
        "favor",
        "prefer",
        "intend",
        "wish",
        "desire",
        "value",
        "accept",
        "recognise",
        "recognize",
    ]
)

# Adjectives of attitude: "X is hopeful that …", "officials are frustrated with …".
STANCE_ADJECTIVES = frozenset(
    [
        "concerned",
        "hopeful",
        "optimistic",
        "pessimistic",
        "confident",
        "frustrated",
        "disappointed",
        "dissatisfied",
        "satisfied",
        "pleased",
        "displeased",
        "happy",
        "unhappy",
        "grateful",
        "thankful",
        "appreciative",
        "worried",
        "alarmed",
        "wary",
        "skeptical",
        "sceptical",
        "critical",
        "supportive",
        "opposed",
        "committed",
        "determined",
        "keen",
        "eager",
        "ready",
        "willing",
        "unwilling",
        "reluctant",
        "adamant",
        "firm",
        "clear",
        "insistent",
        "angry",
        "upset",
        "cautious",
        "open",
        "serious",
        "interested",
        "sure",
        "certain",
        "convinced",
        "cognisant",
        "cognizant",
        "aware",
        "mindful",
        "frustrated",
        "alarmed",
        "troubled",
        "encouraged",
        "heartened",
        "irked",
        "annoyed",
        "dismayed",
        "perturbed",
    ]
)

# Nouns that carry a stance when owned: "X's stance is that …".
STANCE_NOUNS = frozenset(["stance", "position", "view", "contention", "belief", "line"])

# Speech nouns whose owner spoke: "X's announcement that …", "her warning that …".
ATTRIBUTION_NOUNS = frozenset(
    [
        "pressure",
        "announcement",
        "warning",
        "statement",
        "claim",
        "assertion",
        "allegation",
        "accusation",
        "charge",
        "pledge",
        "promise",
        "vow",
        "demand",
        "call",
        "remark",
        "comment",
        "insistence",
        "admission",
        "denial",
        "assurance",
        "message",
        "threat",
        "argument",
        "suggestion",
        "contention",
        "declaration",
        "decision",
        "acknowledgement",
        "acknowledgment",
        "confirmation",
        "hope",
        "fear",
        "concern",
        "belief",
        "view",
        "reminder",
        "tweet",
        "testimony",
    ]
)

# A denial of a reported charge: "…, a charge Pakistan denies".
DENIAL_VERBS = frozenset(["deny", "reject", "dispute", "refute", "dismiss", "rebut"])
CHARGE_NOUNS = frozenset(
    ["charge", "allegation", "accusation", "claim", "assertion", "suggestion", "contention"]
)

COMMIT_MODALS = frozenset(["will", "must", "shall"])

# Official acts: verb lemma → (the kind of object it must act on, the topic an act of
# that kind is about when its words name none). Object kinds are in ACT_OBJECTS; "any"
# takes any object, None for the topic means "only what the words say".
_AID = "aid"
ACTS: dict[str, tuple[str, str | None]] = {
    **dict.fromkeys(
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
            "reprogram",
            "reprogramme",
            "strip",
            "slash",
            "curtail",
            "restrict",
            "reimburse",
            "disburse",
            "restore",
            "resume",
            "release",
        ],
        (_AID, "security-aid"),
    ),
    **dict.fromkeys(
        ["approve", "clear", "authorise", "authorize", "sell", "notify"], ("sale", "security-aid")
    ),
    **dict.fromkeys(["impose", "lift", "waive", "slap", "levy", "ease"], ("measure", None)),
    **dict.fromkeys(
        ["designate", "proscribe", "blacklist", "ban", "sanction", "list", "delist"],
        ("any", "counterterrorism"),
    ),
    **dict.fromkeys(
        ["sign", "ink", "conclude", "finalise", "finalize", "seal", "strike", "reach"],
        ("agreement", None),
    ),
    **dict.fromkeys(
        ["host", "receive", "invite", "meet", "visit", "telephone", "call", "felicitate"],
        ("person", "alliance"),
    ),
    **dict.fromkeys(["summon", "expel", "recall"], ("envoy", "alliance")),
    **dict.fromkeys(["detain", "arrest", "extradite"], ("people", None)),
    **dict.fromkeys(["deport", "repatriate"], ("migrants", "afghan-refugees")),
    **dict.fromkeys(["withdraw", "deploy", "station", "send", "dispatch"], ("force", None)),
    **dict.fromkeys(["fence", "close", "reopen", "seal"], ("border", "border-management")),
    **dict.fromkeys(["direct", "order"], (_AID, None)),
    "rally": ("people", None),
}

# What each kind of act must act on (matched against its objects' words).
ACT_OBJECTS: dict[str, str] = {
    _AID: r"\b(aid|assistance|funds?|funding|support fund|payments?|reimbursements?|"
    r"tranche|csf|support|programmes?|programs?|sales?|package|plans?|strateg\w*|visas?|"
    r"cooperation|training|delegations?|talks|weapons|jets|f-16s?)\b",
    "sale": r"\b(sales?|package|programmes?|programs?|aid|assistance|loan|bailout|"
    r"funding|funds?|deal|f-16s?|jets|weapons|equipment|tranche)\b",
    "measure": r"\b(sanctions?|tariffs?|restrictions?|bans?|curbs?|duties|duty|"
    r"conditions?|embargo\w*|visa)\b",
    "agreement": r"\b(agreements?|deals?|accords?|pacts?|memorand\w*|mou|treaty|"
    r"treaties|framework|declaration|contracts?)\b",
    # a name is two capitalised words, case-sensitively even though the classes are
    # matched ignoring case ("received billions in aid" names nobody)
    "person": r"\b(minister|president|chief|general|envoy|ambassador|secretary|premier|"
    r"leader|delegation|counterpart|(?-i:[A-Z][a-z]+ [A-Z][a-z]+)|pakistan|islamabad|"
    r"washington|united states|kabul|white house)\b",
    "people": r"\b(ambassador|envoy|diplomats?|officials?|refugees?|nationals|afghans|"
    r"migrants|militants?|suspects?|leaders?|commanders?|charg\w+ d.affaires|"
    r"deputy chief)\b",
    "envoy": r"\b(ambassador|envoy|diplomats?|charg\w+ d.affaires|deputy chief|"
    r"high commissioner|officials?)\b",
    "migrants": r"\b(refugees?|nationals|afghans|migrants|immigrants|undocumented)\b",
    "force": r"\b(troops?|forces|soldiers|personnel|military|delegation|team|envoy|"
    r"contingent)\b",
    "border": r"\b(border|crossings?|frontier|durand line|torkham|chaman)\b",
    "operation": r"\b(operations?|strikes?|offensive|raids?|crackdown)\b",
}

# Light verbs whose object names the act: "completed its withdrawal", "held talks".
LIGHT_VERBS = frozenset(
    [
        "complete",
        "begin",
        "start",
        "hold",
        "have",
        "register",
        "lodge",
        "announce",
        "make",
        "conduct",
        "pay",
        "undertake",
        "carry",
    ]
)
ACT_NOUNS: dict[str, str | None] = {
    "withdrawal": "afghanistan-war",
    "drawdown": "afghanistan-war",
    "talks": None,
    "conversation": "alliance",
    "meeting": "alliance",
    "call": "alliance",
    "visit": "alliance",
    "protest": None,
    "demarche": "alliance",
    "sanctions": None,
    "strike": None,
    "operation": "counterterrorism",
}

UNCERTAIN_MODALS = frozenset(["could", "might", "may", "should", "can"])
CONDITIONAL_MARKS = frozenset(["if", "unless", "whether"])
# subordinators and prepositions that date one clause by another ("after he met …")
TIME_MARKS = frozenset(["after", "before", "since", "until", "following"])


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

CIRCUMSTANCE = frozenset(
    {"after", "before", "following", "since", "when", "while", "as", "once", "until"}
)

LEADING_FILLER = re.compile(
    r"^(?:(?:that|further|also|however|then|and|but|meanwhile|moreover|instead|after|"
    r"while|when|as)\b[\s,]*)+",
    re.I,
)

# Nouns for a leader's government: "Ghani's administration", "the Sharif government".
GOVERNMENTS = frozenset(["administration", "government", "cabinet", "regime", "team", "camp"])

# Documents that speak for whoever issued them: "the statement added".
DOCUMENTS = frozenset(
    [
        "statement",
        "release",
        "readout",
        "communique",
        "communiqué",
        "handout",
        "report",
        "letter",
        "notification",
        "declaration",
        "tweet",
        "post",
        "transcript",
    ]
)

# Offices held in one state only, which place an otherwise unknown person.
SINGLE_STATE_OFFICES = (
    ("secretary of state", "United States"),
    ("secretary of defense", "United States"),
    ("defense secretary", "United States"),
    ("state department", "United States"),
    ("pentagon", "United States"),
    ("white house", "United States"),
    ("congressman", "United States"),
    ("congresswoman", "United States"),
    ("u.s. senator", "United States"),
    ("us senator", "United States"),
    ("assistant secretary of state", "United States"),
    ("under secretary of state", "United States"),
    ("chief of army staff", "Pakistan"),
    ("coas", "Pakistan"),
    ("ispr", "Pakistan"),
    ("foreign office spokes", "Pakistan"),
    ("national assembly", "Pakistan"),
    ("ministry of external affairs", "India"),
)

# Gatherings that speak through the body that met: "the meeting observed that …".
GATHERINGS = frozenset(
    [
        "participant",
        "member",
        "delegate",
        "attendee",
        "meeting",
        "session",
        "huddle",
        "committee",
        "participants",
        "members",
    ]
)

# Verbs that put a question: what they govern is asked, not stated.
QUESTION_VERBS = frozenset(["ask", "press", "question", "wonder", "inquire", "enquire", "query"])

# What a reporter puts to a speaker: "responding to a question about …", "in reply to a
# query on …". A claim quoted inside one is the claimant's, not the answerer's.
QUESTION_NOUNS = frozenset(["question", "query", "inquiry", "enquiry"])
