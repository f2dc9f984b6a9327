"""/correct over the seeded ledger (real SQLite file, real spaCy): each kind reaches
/position, /brief, /search and the digest at once, survives the article's re-ingest, is
audited, can be undone, and refuses bad input with a sentence and no row written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from bot.core.commands import Ctx, dispatch
from bot.core.digest import compose
from bot.core.invocation import parse
from bot.core.reply import Buttons, Reply
from bot.core.services import Services
from bot.indexer.pipeline import Indexer
from bot.indexer.sources import load_seed_dir
from storage import admin, audit
from storage.models import Article, AuditEntry, Correction, CorrectionChange, Position
from tests.conftest import build_settings

# Words of seed statements (not invented text: the seeds are the project's own fixtures).
TILLERSON = "Tillerson emphasised on the need for Pakistan to deal with the Haqqani Network"
ASIF_HAVENS = "there are no terrorist safe havens in Pakistan, and we made this clear"
AIZAZ = "totally an absurd suggestion"
QURESHI = "Quereshi said his goal is to build a relationship of mutual trust"
FOREIGN_OFFICE = "working towards enduring peace requires mutual respect and trust"
SEED_000 = "000_e9300816373098e5.txt"


@pytest.fixture
def services(seeded_copy_url: str) -> Iterator[Services]:
    sv = Services.build(build_settings(seeded_copy_url))
    yield sv
    sv.close()


def run(services: Services, line: str, user: str = "U1", platform: str = "console") -> Reply:
    ctx = Ctx(services, user=user, channel="C1", platform=platform)
    return dispatch(ctx, parse(line, user=user))


def statement_of(services: Services, words: str) -> int:
    with services.db.session() as s:
        found = s.scalars(
            select(Position.statement_id).where(Position.evidence.contains(words)).limit(1)
        ).first()
    assert found is not None, words
    return found


def digest_text(services: Services, topic: str) -> str:
    with services.db.session() as s:
        d = compose(
            s,
            start=dt.datetime(2000, 1, 1),
            end=dt.datetime(2100, 1, 1),
            topics=[topic],
            taxonomy=services.taxonomy,
        )
    return d.reply.text


def line_with(text: str, words: str) -> str:
    """The one quote of a reply's text that has `words` (not the divergence line)."""
    lines = [x for x in text.splitlines() if words in x and x[:1] in "“\"'"]
    assert len(lines) == 1, (words, lines)
    return lines[0]


def corrections_count(services: Services) -> int:
    with services.db.session() as s:
        return s.scalar(select(func.count()).select_from(Correction)) or 0


def recorded(reply: Reply) -> int:
    """The correction id a reply announces ("Correction #3 recorded: …")."""
    assert "recorded" in reply.text, reply.text
    return int(reply.text.split("Correction #", 1)[1].split(" ", 1)[0])


# ------------------------------------------------------------------ ids and buttons


def test_answers_show_statement_ids_and_a_correct_button_each(services: Services) -> None:
    sid = statement_of(services, TILLERSON)
    reply = run(services, "/position haqqani")
    assert f"#{sid})" in line_with(reply.text, TILLERSON)
    actions = [a for b in reply.blocks if isinstance(b, Buttons) for a in b.actions]
    correct = [a for a in actions if a.id == "correct"]
    assert correct and len(correct) == len({a.value for a in correct})
    assert f"/correct {sid}" in {a.value for a in correct}
    # the row's other buttons keep their order: share first, per-statement ones after
    assert actions[0].id == "share"
    digest = digest_text(services, "haqqani-network")
    assert f"#{sid})" in line_with(digest, TILLERSON)
    assert digest.splitlines()[-1].startswith("A statement wrong? /correct")
    search = run(services, "/search Tillerson emphasised Haqqani")
    assert f"#{sid}" in search.text
    assert f"/correct {sid}" in {
        a.value for b in search.blocks if isinstance(b, Buttons) for a in b.actions
    }


def test_correct_with_only_an_id_offers_the_choices(services: Services) -> None:
    sid = statement_of(services, TILLERSON)
    reply = run(services, f"/correct {sid}")
    values = {a.value for b in reply.blocks if isinstance(b, Buttons) for a in b.actions}
    assert f"/correct {sid} not-stance" in values
    assert f'/correct {sid} state:"Pakistan"' in values
    assert "speaker:" in reply.text and "duplicate:" in reply.text
    assert corrections_count(services) == 0  # looking is not correcting


# ------------------------------------------------------------------ each kind, everywhere


def test_wrong_state_moves_the_statement_in_every_answer(services: Services) -> None:
    sid = statement_of(services, TILLERSON)
    assert TILLERSON in run(services, "/position haqqani by:us").text
    assert TILLERSON in run(services, "/brief haqqani").text
    recorded(run(services, f"/correct {sid} state:pakistan"))
    assert TILLERSON not in run(services, "/position haqqani by:us").text
    assert "(Pakistan)" in line_with(run(services, "/position haqqani by:pakistan").text, TILLERSON)
    brief = run(services, "/brief haqqani").text  # the US side's latest was this one
    assert TILLERSON not in brief and "United States: no recorded position." in brief
    search = run(services, "/search Tillerson emphasised Haqqani").text
    assert "Rex Tillerson (Pakistan)" in search and "Rex Tillerson (United States)" not in search
    assert "(Pakistan)" in line_with(digest_text(services, "haqqani-network"), TILLERSON)


def test_wrong_speaker_renames_in_every_answer(services: Services) -> None:
    sid = statement_of(services, TILLERSON)
    recorded(run(services, f'/correct {sid} speaker:"Khawaja Asif"'))
    for text in (
        run(services, "/position haqqani").text,
        run(services, "/brief haqqani").text,
        digest_text(services, "haqqani-network"),
    ):
        quoted = line_with(text, TILLERSON)
        assert "Khawaja Asif (United States)" in quoted and "Rex Tillerson" not in quoted
    assert "Khawaja Asif (United States)" in run(services, "/search Tillerson emphasised").text


def test_wrong_topic_moves_the_statement_between_topics(services: Services) -> None:
    sid = statement_of(services, AIZAZ)
    assert AIZAZ in run(services, "/position haqqani").text
    reply = run(services, f"/correct {sid} topic:trst")  # fuzzy, like /position
    recorded(reply)
    assert "Closest topic" in reply.text and "trust" in reply.text
    assert AIZAZ not in run(services, "/position haqqani").text
    assert AIZAZ not in digest_text(services, "haqqani-network")
    assert (
        AIZAZ in run(services, "/position trust by:pakistan page:1").text
        or AIZAZ in run(services, "/position trust by:pakistan page:2").text
    )
    assert "on Trust" in line_with(digest_text(services, "trust"), AIZAZ)
    assert "on trust" in run(services, "/search totally absurd suggestion").text
    assert AIZAZ not in run(services, "/brief haqqani").text


def test_topic_of_a_statement_under_several_topics_needs_was(services: Services) -> None:
    sid = statement_of(services, TILLERSON)  # filed under haqqani-network and safe-havens
    reply = run(services, f"/correct {sid} topic:trust")
    assert "was:" in reply.text and corrections_count(services) == 0
    recorded(run(services, f"/correct {sid} topic:trust was:haqqani"))
    assert TILLERSON not in run(services, "/position haqqani").text
    assert TILLERSON in run(services, "/position safe havens by:us").text  # the other stays


def test_not_a_stance_hides_it_everywhere(services: Services) -> None:
    sid = statement_of(services, ASIF_HAVENS)
    assert ASIF_HAVENS in run(services, "/position haqqani").text
    recorded(run(services, f"/correct {sid} not-stance"))
    assert ASIF_HAVENS not in run(services, "/position haqqani").text
    assert ASIF_HAVENS not in run(services, "/position safe havens").text
    assert ASIF_HAVENS not in run(services, "/brief haqqani").text
    assert ASIF_HAVENS not in run(services, "/search no terrorist safe havens").text
    assert ASIF_HAVENS not in digest_text(services, "haqqani-network")
    assert f"no statement #{sid}" in run(services, f"/correct {sid} state:us").text


def test_duplicate_merges_into_the_other_statement(services: Services) -> None:
    dup, into = statement_of(services, QURESHI), statement_of(services, FOREIGN_OFFICE)
    before = run(services, "/position trust by:pakistan").text
    assert QURESHI in before and FOREIGN_OFFICE in before
    assert QURESHI in run(services, "/brief trust").text  # Pakistan's latest on trust
    recorded(run(services, f"/correct {dup} duplicate:#{into}"))
    assert QURESHI not in run(services, "/brief trust").text
    after = run(services, "/position trust by:pakistan").text
    assert QURESHI not in after  # shown once, by its first report
    assert f"#{into})" in line_with(after, FOREIGN_OFFICE)
    assert "also reported by 1 outlet: UPI" in after
    assert QURESHI not in digest_text(services, "trust")
    search = run(services, "/search Quereshi goal mutual trust").text
    assert f"#{into}" in search and f"#{dup}" not in search


# ------------------------------------------------------------------ undo and audit


@pytest.mark.parametrize(
    ("words", "command"),
    [
        (TILLERSON, "state:pakistan"),
        (TILLERSON, 'speaker:"Jane Doe"'),
        (AIZAZ, "topic:trust"),
        (ASIF_HAVENS, "not-stance"),
        (QURESHI, "duplicate:{into}"),
    ],
)
def test_undo_restores_every_answer_exactly(services: Services, words: str, command: str) -> None:
    into = statement_of(services, FOREIGN_OFFICE)
    lines = ["/position haqqani", "/position trust", "/brief haqqani", "/search trust havens"]
    before = [run(services, line).text for line in lines] + [digest_text(services, "trust")]
    sid = statement_of(services, words)
    cid = recorded(run(services, f"/correct {sid} {command.format(into=into)}"))
    changed = [run(services, line).text for line in lines] + [digest_text(services, "trust")]
    assert changed != before
    undone = run(services, f"/correct undo {cid}")
    assert "undone" in undone.text
    assert [run(services, line).text for line in lines] + [digest_text(services, "trust")] == (
        before
    )
    with services.db.session() as s:
        assert s.scalar(select(func.count()).select_from(CorrectionChange)) == 0
    assert "already undone" in run(services, f"/correct undo {cid}").text


def test_corrections_and_undos_are_audited_with_who_and_when(services: Services) -> None:
    sid = statement_of(services, TILLERSON)
    start = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(seconds=5)
    cid = recorded(run(services, f"/correct {sid} state:pakistan", user="U7", platform="slack"))
    run(services, f"/correct undo {cid}", user="U8", platform="discord")
    with services.db.session() as s:
        rows = audit.latest(s, 2)
    undo, made = rows
    assert (made.action, made.user_id, made.platform) == ("correct", "U7", "slack")
    assert made.subject == f"statement #{sid}: state → Pakistan" and made.at >= start
    assert f"correction #{cid}" in (made.detail or "")
    assert (undo.action, undo.user_id, undo.platform) == ("correct-undo", "U8", "discord")
    listing = run(services, "/correct list").text
    assert f"#{cid} · statement #{sid} · state → Pakistan · U7 on slack" in listing


# ------------------------------------------------------------------ re-ingest


def test_corrections_survive_retraction_and_re_ingest(services: Services) -> None:
    tillerson, havens = statement_of(services, TILLERSON), statement_of(services, ASIF_HAVENS)
    recorded(run(services, f"/correct {tillerson} state:pakistan"))
    recorded(run(services, f'/correct {tillerson} speaker:"Khawaja Asif"'))
    hide = recorded(run(services, f"/correct {havens} not-stance"))
    settings = services.settings
    indexer = Indexer(services.db, settings)
    seeds = load_seed_dir(settings.seeds_dir, settings=settings)
    # the same article again: a duplicate, nothing rewritten
    statuses = [r.status for r in indexer.ingest_many(seeds)]
    assert statuses == ["duplicate"] * 5
    with services.db.session() as s:
        article = s.scalar(select(Article.id).where(Article.source_path.contains(SEED_000)))
        assert article is not None and admin.retract(s, article) is not None
    # re-extraction: the article's positions written afresh, with new ids
    assert [r.status for r in indexer.ingest_many(seeds)].count("new") == 1
    fresh = statement_of(services, TILLERSON)
    assert fresh != tillerson
    text = run(services, "/position haqqani").text
    assert "Khawaja Asif (Pakistan)" in line_with(text, TILLERSON)
    assert f"#{fresh})" in line_with(text, TILLERSON)
    assert (
        ASIF_HAVENS not in text and ASIF_HAVENS not in run(services, "/position safe havens").text
    )
    # and undo still works on the re-extracted rows
    assert "undone" in run(services, f"/correct undo {hide}").text
    assert ASIF_HAVENS in run(services, "/position haqqani").text


# ------------------------------------------------------------------ refusals


def test_who_may_correct_is_a_setting(seeded_copy_url: str) -> None:
    sv = Services.build(build_settings(seeded_copy_url, ingest_allowed_users=["U2"]))
    try:
        sid = statement_of(sv, TILLERSON)
        refused = run(sv, f"/correct {sid} not-stance", user="U1", platform="slack")
        assert "not on the list of people who may correct" in refused.text
        assert corrections_count(sv) == 0
        recorded(run(sv, f"/correct {sid} not-stance", user="U2", platform="slack"))
    finally:
        sv.close()
    sv = Services.build(
        build_settings(
            seeded_copy_url,
            ingest_allowed_users=["U2"],
            correct_allowed_users=["U3"],
            admin_users=["A1"],
        )
    )
    try:
        sid = statement_of(sv, AIZAZ)
        assert "not on the list" in run(sv, f"/correct {sid} not-stance", user="U2").text
        recorded(run(sv, f"/correct {sid} topic:trust", user="U3"))
        assert "not on the list" in run(sv, "/correct undo 2", user="U2").text
        assert "undone" in run(sv, "/correct undo 2", user="A1").text
    finally:
        sv.close()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/correct", "Which statement?"),
        ("/correct abc", "“abc” is not a statement id."),
        ("/correct 999999 not-stance", "There is no statement #999999"),
        ("/correct {sid} state:narnia", "I don't know the state “narnia”"),
        ("/correct {sid} topic:trustworthy", "No topic “trustworthy”. Nearest: trust."),
        ("/correct {sid} topic:zzqx", "No topic “zzqx”. See /topics for the list."),
        ("/correct {sid} duplicate:{sid}", "cannot be a duplicate of itself"),
        ("/correct {sid} duplicate:999999", "no statement #999999 to merge into"),
        ("/correct {sid} state:us", "already filed under United States"),
        ("/correct {sid} colour:blue", "“colour:” is not a kind of correction."),
        ("/correct {sid} state:us not-stance", "One correction at a time"),
        ("/correct undo 12345", "There is no correction #12345."),
        ("/correct undo", "Which correction?"),
    ],
)
def test_bad_input_is_refused_with_a_sentence_and_writes_nothing(
    services: Services, line: str, expected: str
) -> None:
    sid = statement_of(services, TILLERSON)
    with services.db.session() as s:
        positions_before = s.scalar(select(func.count()).select_from(Position))
        audit_before = s.scalar(select(func.count()).select_from(AuditEntry))
    reply = run(services, line.format(sid=sid))
    assert expected in reply.text
    assert "Traceback" not in reply.text and "error" not in reply.tags
    assert corrections_count(services) == 0
    with services.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Position)) == positions_before
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == audit_before


def test_a_second_correction_of_the_same_kind_asks_for_undo_first(services: Services) -> None:
    sid = statement_of(services, TILLERSON)
    cid = recorded(run(services, f"/correct {sid} state:pakistan"))
    again = run(services, f"/correct {sid} state:china")
    assert f"undo it first. (/correct undo {cid})" in again.text
    assert corrections_count(services) == 1


def test_help_lists_correct(services: Services) -> None:
    assert "/correct <statement id>" in run(services, "/help").text


def test_alerts_carry_the_correction(services: Services) -> None:
    from bot.scheduling.alerts import alert_reply
    from storage import follows
    from storage.models import Follow

    with services.db.session() as s:
        follows.add_follow(s, platform="console", user="U5", topic="haqqani-network")
        s.execute(Follow.__table__.update().values(created_at=dt.datetime(2000, 1, 1)))
    sid, hidden = statement_of(services, TILLERSON), statement_of(services, ASIF_HAVENS)
    recorded(run(services, f"/correct {sid} state:pakistan"))
    recorded(run(services, f"/correct {hidden} not-stance"))
    with services.db.session() as s:
        due = follows.alerts_due(s, platform="console", not_before=dt.datetime(2000, 1, 1))
    texts = [alert_reply(a, services).text for a in due]
    text = next(t for t in texts if TILLERSON in t)
    assert "(Pakistan)" in line_with(text, TILLERSON)
    assert not any(ASIF_HAVENS in t for t in texts)
