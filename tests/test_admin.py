"""Who may do what: /briefing's admin tasks, ingest grants and the audit log, on a private
copy of the seeded SQLite ledger, through the one `dispatch` every platform uses — plus the
CLI ingest (a real subprocess) and /briefing over the real Slack HTTP endpoint."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.core.commands import Ctx, dispatch
from bot.core.invocation import parse
from bot.core.reply import Reply
from bot.core.services import Services
from bot.discord.markup import plain as discord_plain
from bot.settings import ROOT
from bot.slack.markup import plain as slack_plain
from storage import audit, queries
from storage.db import Database
from storage.models import Article, AuditEntry, Position, Story
from tests.conftest import Snapshot, build_settings
from tests.fake_slack import FakeSlack
from tests.slack_fixtures import *  # noqa: F403
from tests.slack_fixtures import SlackHarness, slack_settings

ADMIN, ANALYST, OTHER = "UADMIN1", "UANALYST", "UOTHER"

# Invented for these tests.
ARTICLE = """---
title: Ministers compare notes on a river treaty
source: The Invented Ledger
date: 2019-05-02
---
Officials from the two water ministries met in a lakeside town on Monday to compare their
readings of an old river treaty and the dams planned upstream.

The visiting delegation said the talks had been frank and that engineers would exchange
flow data every month until the autumn.

A joint statement promised a second meeting before the monsoon, and both sides agreed to
publish the figures they share.
"""


@pytest.fixture
def services(seeded_copy_url: str) -> Iterator[Services]:
    settings = build_settings(seeded_copy_url, admin_users=[ADMIN])
    sv = Services.build(settings, Database(settings.database_url))
    yield sv
    sv.db.dispose()


def run(services: Services, line: str, user: str | None, platform: str = "slack") -> Reply:
    ctx = Ctx(services, user=user, channel="C1", platform=platform)
    text = (discord_plain if platform == "discord" else slack_plain)(line)
    return dispatch(ctx, parse(text, user=user))


def audit_rows(services: Services) -> list[audit.AuditRecord]:
    with services.db.session() as s:
        return audit.latest(s, 200)


# ---------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    "line",
    [
        "/briefing forget 1",
        "/briefing topic add water-disputes Water disputes",
        "/briefing alias add haqqani-network jalaluddin network",
        f"/briefing grant <@{OTHER}>",
        f"/briefing revoke {OTHER}",
        "/briefing audit",
        "/briefing",
    ],
)
def test_non_admins_are_refused_politely_and_nothing_changes(
    services: Services, db_snapshot: Callable[..., Snapshot], line: str
) -> None:
    before = db_snapshot(services.db)
    for user in (ANALYST, None):
        reply = run(services, line, user)
        assert "admins only" in reply.text and "refused" in reply.tags
    assert db_snapshot(services.db) == before


def test_no_admin_configured_means_nobody_in_chat_is_admin(seeded_copy_url: str) -> None:
    sv = Services.build(build_settings(seeded_copy_url))  # admin_users empty
    try:
        assert "admins only" in run(sv, "/briefing audit", "U1").text
        # the local CLI is trusted: whoever runs it already holds the database
        assert "Audit log" in run(sv, "/briefing audit", "root", platform="cli").text
    finally:
        sv.db.dispose()


# ---------------------------------------------------------------------- forget


def test_forget_by_id_retracts_article_positions_and_story_in_one_go(services: Services) -> None:
    with services.db.session() as s:
        art_id, title, story_id = s.execute(
            select(Article.id, Article.title, Article.story_id).where(
                Article.title.like("Huge trust deficit%")
            )
        ).one()
        n_pos = s.scalar(select(func.count()).where(Position.article_id == art_id))
        total_pos = s.scalar(select(func.count()).select_from(Position))
    assert n_pos and n_pos > 0
    reply = run(services, f"/briefing forget {art_id}", ADMIN)
    assert f"Retracted article #{art_id}" in reply.text and f"{n_pos} positions" in reply.text
    with services.db.session() as s:
        assert s.get(Article, art_id) is None
        assert s.scalar(select(func.count()).where(Position.article_id == art_id)) == 0
        assert s.scalar(select(func.count()).select_from(Position)) == total_pos - n_pos
        assert s.get(Story, story_id) is None
        # the full-text index forgot it too (FTS5 triggers)
        articles, positions = queries.search(s, "huge trust deficit")
        assert art_id not in {h.id for h in articles}
        assert all(h.source.article_id != art_id for h in positions)
    entry = audit_rows(services)[0]
    assert (entry.action, entry.user_id, entry.platform) == ("retract", ADMIN, "slack")
    assert f"#{art_id}" in entry.subject and title[:20] in entry.subject


def test_forget_by_url_and_unknown_reference(services: Services) -> None:
    with services.db.session() as s:
        art_id = s.scalar(select(Article.id).order_by(Article.id).limit(1))
        s.execute(
            Article.__table__.update()
            .where(Article.id == art_id)
            .values(url="https://example.org/x")
        )
    assert "Retracted" in run(services, "/briefing forget <https://example.org/x>", ADMIN).text
    before = len(audit_rows(services))
    for ref in ("https://example.org/x", "#999999", "nonsense"):
        assert "There is no article" in run(services, f"/briefing forget {ref}", ADMIN).text
    assert len(audit_rows(services)) == before
    assert "Usage" in run(services, "/briefing forget", ADMIN).text


# ---------------------------------------------------------------------- topics and aliases


def test_added_topic_and_alias_resolve_and_survive_a_restart(services: Services) -> None:
    reply = run(services, "/briefing topic add water-disputes Water sharing disputes", ADMIN)
    assert "Added the topic water-disputes" in reply.text
    assert services.taxonomy.resolve("water sharing disputes").topic.id == "water-disputes"  # type: ignore[union-attr]
    reply = run(services, "/briefing alias add haqqani-network jalaluddin's men", ADMIN)
    assert "now means haqqani-network" in reply.text
    position = run(services, "/position jalaluddin's men", ANALYST).text
    assert "Haqqani network" in position and "Rex Tillerson" in position
    assert "Water sharing disputes" in run(services, "/position water-disputes", ANALYST).text
    # a fresh process sees what was stored
    again = Services.build(services.settings, services.db)
    assert again.taxonomy.resolve("jalaluddin's men").topic.id == "haqqani-network"  # type: ignore[union-attr]
    assert "water-disputes" in again.taxonomy
    actions = [(e.action, e.subject, e.detail) for e in audit_rows(services)[:2]]
    assert actions == [
        ("alias-add", "haqqani-network", "jalaluddin's men"),
        ("topic-add", "water-disputes", "Water sharing disputes"),
    ]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/briefing topic add haqqani-network Something else", "already is a topic"),
        ("/briefing topic add haqqani Another label", "already names the topic haqqani-network"),
        ("/briefing topic add new-topic Haqqani network", "already names the topic haqqani-net"),
        ("/briefing topic add Bad_Id! Label", "can't be a topic id"),
        ("/briefing topic add x Label", "can't be a topic id"),
        ("/briefing topic add ok-id !!!", "must have some letters"),
        ("/briefing alias add haqqani-network Haqqanis", "already means haqqani-network"),
        ("/briefing alias add haqqani-network safe havens", "already names the topic safe-hav"),
        ("/briefing alias add no-such-topic anything", "There is no topic"),
        ("/briefing alias add haqqani-network ...", "must have some letters"),
        ("/briefing topic remove haqqani-network", "cannot be removed"),
        ("/briefing alias", "cannot be removed"),
        ("/briefing topic add only-id", "Usage"),
        ("/briefing rename a b", "I don't know"),
    ],
)
def test_clashes_and_bad_names_are_refused_and_change_nothing(
    services: Services, db_snapshot: Callable[..., Snapshot], line: str, expected: str
) -> None:
    before = db_snapshot(services.db)
    assert expected in run(services, line, ADMIN).text
    assert db_snapshot(services.db) == before


def test_yaml_topics_cannot_be_shadowed_by_stored_rows(services: Services) -> None:
    """Even rows written behind the bot's back cannot rename or hide a YAML topic."""
    base = services.taxonomy
    merged = base.with_additions(
        [("haqqani-network", "Renamed"), ("new-one", "Haqqani network")],
        [("haqqani", "new-one"), ("orphan alias", "missing-topic")],
    )
    assert merged.get("haqqani-network") == base.get("haqqani-network")
    assert merged.resolve("haqqani").topic.id == "haqqani-network"  # type: ignore[union-attr]
    assert merged.resolve("orphan alias").topic is None
    assert "new-one" in merged


# ---------------------------------------------------------------------- ingest grants


def test_grants_replace_the_allow_list_and_revoking_the_last_restores_it(
    services: Services, db_snapshot: Callable[..., Snapshot]
) -> None:
    assert services.may_ingest(ANALYST, "slack") and services.may_ingest(OTHER, "slack")
    reply = run(services, f"/briefing grant <@{ANALYST}>", ADMIN)
    assert f"{ANALYST} may now add articles" in reply.text
    assert "may already" in run(services, f"/briefing grant {ANALYST}", ADMIN).text
    assert services.may_ingest(ANALYST, "slack")
    assert not services.may_ingest(OTHER, "slack")
    assert not services.may_ingest(None, "slack")
    assert services.may_ingest(ADMIN, "slack")  # admins always may
    # grants are per platform: Discord has none, so the setting (empty: everyone) rules
    assert services.may_ingest(ANALYST, "discord") and services.may_ingest(OTHER, "discord")
    # the refusal is a sentence, and the refused ingest leaves the ledger as it was
    before = db_snapshot(services.db)
    refused = run(services, "/ingest " + ARTICLE, OTHER)
    assert "not on the list of people who may add articles" in refused.text
    assert db_snapshot(services.db) == before
    reply = run(services, f"/briefing revoke @{ANALYST}", ADMIN)
    assert "No grants left" in reply.text
    assert services.may_ingest(OTHER, "slack")
    assert "had no ingest grant" in run(services, f"/briefing revoke {ANALYST}", ADMIN).text
    assert "member id" in run(services, "/briefing grant @jane", ADMIN).text
    actions = [(e.action, e.subject, e.user_id) for e in audit_rows(services)[:2]]
    assert actions == [("revoke-ingest", ANALYST, ADMIN), ("grant-ingest", ANALYST, ADMIN)]


def test_setting_allow_list_still_applies_without_grants(seeded_copy_url: str) -> None:
    settings = build_settings(seeded_copy_url, ingest_allowed_users=["U1"], admin_users=[ADMIN])
    sv = Services.build(settings)
    try:
        assert sv.may_ingest("U1") and sv.may_ingest(ADMIN) and not sv.may_ingest("U2")
    finally:
        sv.db.dispose()


def test_a_grant_on_one_platform_leaves_the_other_on_the_allow_list(seeded_copy_url: str) -> None:
    settings = build_settings(seeded_copy_url, ingest_allowed_users=["U1"], admin_users=[ADMIN])
    sv = Services.build(settings)
    try:
        granted = run(sv, "/briefing grant <@500000000000000009>", ADMIN, "discord")
        assert "may now add articles" in granted.text
        cases = [  # (user, platform, may ingest)
            ("500000000000000009", "discord", True),  # the grant
            ("U1", "discord", False),  # Discord has grants now: only they count there
            ("U1", "slack", True),  # Slack still goes by INGEST_ALLOWED_USERS
            ("U2", "slack", False),
            ("500000000000000009", "slack", False),  # a Discord grant means nothing on Slack
            (ADMIN, "slack", True),
        ]
        assert [(u, p, sv.may_ingest(u, p)) for u, p, _ in cases] == cases
    finally:
        sv.close()


# ---------------------------------------------------------------------- the audit log


def test_chat_ingest_is_audited_and_audit_lists_newest_first(
    services: Services, nlp: object
) -> None:
    reply = run(services, "/ingest " + ARTICLE, ANALYST)
    assert "Added" in reply.text, reply.text
    run(services, "/briefing topic add water-disputes Water sharing disputes", ADMIN)
    entries = audit_rows(services)
    assert [e.action for e in entries[:2]] == ["topic-add", "ingest"]
    ingest = entries[1]
    assert ingest.user_id == ANALYST and ingest.platform == "slack"
    assert "Ministers compare notes on a river treaty" in ingest.subject
    text = run(services, "/briefing audit 1", ADMIN).text
    assert "topic-add" in text and "ingest" not in text.replace("ingest)", "")
    full = run(services, "/briefing audit", ADMIN).text
    assert full.index("topic-add") < full.index("ingest")
    assert "Usage" in run(services, "/briefing audit lots", ADMIN).text
    # a duplicate stores nothing, so it records nothing
    run(services, "/ingest " + ARTICLE, ANALYST)
    assert len(audit_rows(services)) == len(entries)


def test_cli_ingest_is_audited(tmp_path: Path) -> None:
    path = tmp_path / "river.md"
    path.write_text(ARTICLE, encoding="utf-8")
    db_path = tmp_path / "cli.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env["DATABASE_URL"] = f"sqlite:///{db_path}"
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "ingest", "--quiet", str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    db = Database(env["DATABASE_URL"])
    try:
        with db.session() as s:
            rows = s.scalars(select(AuditEntry)).all()
        assert [(r.action, r.platform) for r in rows] == [("ingest", "cli")]
        assert rows[0].user_id and "river treaty" in rows[0].subject
        assert rows[0].detail == str(path)
    finally:
        db.dispose()


# ---------------------------------------------------------------------- over Slack


def test_briefing_over_slack_refuses_non_admins_and_serves_admins(
    seeded_copy_url: str, fake_slack: FakeSlack
) -> None:
    settings = slack_settings(seeded_copy_url, fake_slack.api_url, admin_users=[ADMIN])
    harness = SlackHarness(settings, fake_slack)
    try:
        assert harness.command("/briefing", "forget 1", user=ANALYST, response="no").status == 200
        refused = fake_slack.wait_for("response_url:no")[0].body
        assert "admins only" in refused["text"]
        assert harness.command("/briefing", "forget 1", user=ADMIN, response="yes").status == 200
        done = fake_slack.wait_for("response_url:yes")[0].body
        assert "Retracted article #1" in done["text"]
        with harness.services.db.session() as s:
            assert s.get(Article, 1) is None
    finally:
        harness.stop()
