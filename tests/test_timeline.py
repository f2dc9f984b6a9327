"""/timeline over a real SQLite ledger: the five seeds plus statements written here (invented
sentences, on the nuclear topic the seeds never touch), through the one `dispatch`, the
fake Slack Web API and the fake Discord API."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from bot.core import timeline as tl
from bot.core.commands import REGISTRY, Ctx, dispatch
from bot.core.invocation import parse
from bot.core.reply import Buttons, Reply
from bot.core.services import Services
from bot.settings import ROOT
from storage.models import Statement
from storage.timeline import Mark
from tests.core_ledger import add_article, core_services
from tests.fake_discord import *  # noqa: F403
from tests.fake_discord import APP_ID, DiscordHarness
from tests.slack_fixtures import *  # noqa: F403
from tests.slack_fixtures import SlackHarness

PNG = b"\x89PNG\r\n\x1a\n"
US, PK = "United States", "Pakistan"


def run(services: Services, line: str, platform: str = "slack") -> Reply:
    ctx = Ctx(services, user="U1", channel="C1", platform=platform)
    return dispatch(ctx, parse(line, user="U1"))


def _statement(services: Services) -> int:
    with services.db.session() as s:
        row = Statement()
        s.add(row)
        s.flush()
        return row.id


def _said(actor: str, day: str, stance: str, claim: str, **extra: object) -> dict[str, object]:
    parts = [int(x) for x in day.split("-")] + [1, 1]
    return {
        "actor": actor,
        "topic": "nuclear",
        "claim": claim,
        "evidence": claim,
        "stated_on": day,
        "stated_date": dt.date(parts[0], parts[1], parts[2]),
        "stance": stance,
        **extra,
    }


def add_nuclear_statements(services: Services) -> None:
    """US: critical, critical, conciliatory (turn), neutral, critical (turn: the neutral one
    between makes no turn). Pakistan: critical twice (no turn). China once. The first US
    statement is reported by a second outlet too: one statement, two reports."""
    first = _statement(services)
    db = services.db
    add_article(
        db,
        "Envoy warns over enrichment",
        dt.date(2019, 3, 5),
        url="https://example.org/n1",
        positions=[
            _said(
                US,
                "2019-03-04",
                "critical",
                "Islamabad must stop the enrichment work now.",
                speaker="Invented Envoy",
                statement_id=first,
            ),
            _said(PK, "2019-03-10", "critical", "Pakistan rejects lectures on its deterrent."),
        ],
    )
    add_article(
        db,
        "Second outlet carries the warning",
        dt.date(2019, 3, 6),
        url="https://example.org/n1-copy",
        positions=[
            _said(
                US,
                "2019-03-04",
                "critical",
                "Islamabad must stop the enrichment work now.",
                speaker="Invented Envoy",
                statement_id=first,
                is_repeat=True,
            ),
        ],
    )
    add_article(
        db,
        "More warnings on missiles",
        dt.date(2019, 3, 21),
        positions=[
            _said(US, "2019-03-20", "critical", "The missile tests undermine regional calm."),
        ],
    )
    add_article(
        db,
        "A softer note",
        dt.date(2019, 5, 3),
        positions=[
            _said(US, "2019-05-02", "conciliatory", "We welcome Pakistan's new export controls."),
            _said("China", "2019-05-03", "neutral", "Beijing notes the talks on export rules."),
            _said(PK, "2019-05-15", "critical", "Sanctions on our scientists are unjust."),
            _said(US, "2019-05", "neutral", "Officials met to review the safeguards list."),
        ],
    )
    add_article(
        db,
        "Warnings return",
        dt.date(2019, 7, 2),
        positions=[
            _said(US, "2019-07-01", "critical", "The new warhead programme alarms Washington."),
        ],
    )


@pytest.fixture
def services(seeded_copy_url: str) -> Services:
    sv = core_services(Path(seeded_copy_url.removeprefix("sqlite:///")))
    add_nuclear_statements(sv)
    yield sv  # type: ignore[misc]
    sv.close()


def test_months_are_grouped_and_each_statement_counted_once(services: Services) -> None:
    reply = run(services, "/timeline nuclear")
    text = reply.text
    # the statement two outlets carried is one statement: 8, not 9
    assert "8 statements in 3 months — United States 5 · Pakistan 2 · Others 1" in text
    assert "2019-03  United States 2 · Pakistan 1" in text
    assert "2019-05  United States 2 · Pakistan 1 · Others 1" in text
    assert "2019-07  United States 1" in text
    assert text.count("Islamabad must stop the enrichment work now.") == 1
    # oldest month first
    assert text.index("2019-03  ") < text.index("2019-05  ") < text.index("2019-07  ")


def test_stance_changes_are_marked_per_side(services: Services) -> None:
    text = run(services, "/timeline nuclear").text
    assert "2 stance changes" in text
    assert "United States' stance changed: critical → conciliatory" in text
    assert "United States' stance changed: conciliatory → critical" in text
    assert "Pakistan's stance changed" not in text  # critical twice is no turn
    # the marker sits under the statement that turned
    turned = text.index("We welcome Pakistan's new export controls.")
    assert text.index("critical → conciliatory") > turned


def test_seed_timeline_marks_the_us_turn_on_safe_havens(services: Services) -> None:
    text = run(services, "/timeline safe havens").text
    assert "Terrorist safe havens" in text
    assert "Alice Wells" in text
    assert "United States' stance changed: critical → conciliatory" in text
    # the seeds date one US line on aid only to its year (“so far this year”, 2018)
    aid = run(services, "/timeline security aid").text
    assert "2018 (month not known)  United States 1" in aid


def test_by_since_and_until_filter(services: Services) -> None:
    only_pk = run(services, "/timeline nuclear by:pakistan").text
    assert "2 statements by Pakistan in 2 months" in only_pk
    assert "enrichment" not in only_pk and "Sanctions on our scientists are unjust." in only_pk
    may = run(services, "/timeline nuclear since:2019-05 until:2019-05").text
    assert "4 statements since 2019-05-01 until 2019-05-31 in 1 month" in may
    assert "2019-03" not in may and "2019-07" not in may
    # a turn is measured within the range: May holds one leaning US statement, so none
    assert "critical → conciliatory" not in may
    none = run(services, "/timeline nuclear until:2018").text
    assert "No statements on Nuclear weapons" in none
    bad = run(services, "/timeline nuclear since:someday")
    assert "usage" in bad.tags and "since:someday is not a date" in bad.text


def test_unknown_topic_says_so_and_suggests(services: Services) -> None:
    reply = run(services, "/timeline quantum widgets")
    assert "unknown-topic" in reply.tags and "No topic “quantum widgets”" in reply.text
    runs = [a.value for b in reply.blocks if isinstance(b, Buttons) for a in b.actions]
    assert all(r.startswith("/timeline ") for r in runs)
    near = run(services, "/timeline safe houses")
    runs = [a.value for b in near.blocks if isinstance(b, Buttons) for a in b.actions]
    assert "unknown-topic" in near.tags and "/timeline safe-havens" in runs
    close = run(services, "/timeline nucleer")
    assert "Closest topic to “nucleer”: nuclear" in close.text
    assert "usage" in run(services, "/timeline").tags


def test_chart_is_a_png_image_and_on_the_console_a_file(services: Services) -> None:
    reply = run(services, "/timeline nuclear")
    [image] = reply.images
    assert image.png.startswith(PNG) and len(image.png) > 2000
    assert image.filename == "timeline-nuclear.png"
    console = run(services, "/timeline nuclear", platform="console")
    assert console.images == ()
    [line] = [b for b in console.text.splitlines() if b.startswith("Chart written to ")]
    path = Path(line.removeprefix("Chart written to "))
    try:
        assert path.read_bytes().startswith(PNG)
    finally:
        path.unlink()


def test_long_history_pages_back_from_the_latest_months(services: Services) -> None:
    for month in range(1, 15):  # 2020-01 … 2021-02: fourteen months
        year, m = 2020 + (month - 1) // 12, (month - 1) % 12 + 1
        add_article(
            services.db,
            f"Monthly nuclear note {month}",
            dt.date(year, m, 9),
            positions=[_said(PK, f"{year}-{m:02d}-08", "neutral", f"Routine note {month}.")],
        )
    first = run(services, "/timeline nuclear by:pakistan")
    assert "Showing 2020-03 to 2021-02" in first.text
    assert "Routine note 14." in first.text and "Routine note 2." not in first.text
    assert first.continuation == "/timeline nuclear by:pakistan page:2"
    more = {a.id: a.value for b in first.blocks if isinstance(b, Buttons) for a in b.actions}
    assert more["more"] == first.continuation
    second = run(services, first.continuation)
    assert "Page 2" in second.text and "Showing 2019-03 to 2020-02" in second.text
    assert "Routine note 2." in second.text and "Routine note 14." not in second.text
    assert second.continuation is None
    from bot.slack.render import MAX_BLOCKS, MAX_SECTION, to_messages

    [message] = to_messages(first)  # twelve months fit one Slack message
    assert len(message["blocks"]) <= MAX_BLOCKS
    for block in message["blocks"]:
        assert len((block.get("text") or {}).get("text", "")) <= MAX_SECTION


def test_stance_changes_ignore_neutral_and_are_per_actor() -> None:
    marks = [
        Mark(1, 1, "China", "2019-01", "critical"),
        Mark(2, 2, "Russia", "2019-01", "conciliatory"),  # another actor: no turn
        Mark(3, 3, "China", "2019-02", "neutral"),
        Mark(4, 4, "China", "2019-03", "critical"),  # neutral between: no turn
        Mark(5, 5, "China", "2019-04", None),
        Mark(6, 6, "China", "2019-05", "conciliatory"),
    ]
    assert tl.stance_changes(marks) == {6: tl.Change("China", "critical", "conciliatory")}
    months = tl.by_month(marks)
    assert [m.period for m in months] == ["2019-01", "2019-02", "2019-03", "2019-04", "2019-05"]
    assert months[0].counts == {"Others": 2}
    # a statement known only to its year is its own group, before that year's months
    year_only = tl.by_month([*marks, Mark(7, 7, US, "2019", "critical")])
    assert [m.period for m in year_only][:2] == ["2019", "2019-01"]
    assert year_only[0].counts == {US: 1}


def test_timeline_is_in_help_manifest_and_discord_options(services: Services) -> None:
    helped = run(services, "/help").text
    for name in ("timeline", "who"):
        command = REGISTRY.get(name)
        assert command is not None
        assert command.usage in helped and command.example in helped
    manifest = yaml.safe_load((ROOT / "config" / "slack_manifest.yaml").read_text())
    listed = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert {"/timeline", "/who"} <= listed
    from bot.discord.commands import application_commands

    by_name = {c["name"]: c for c in application_commands()}
    assert [o["name"] for o in by_name["timeline"]["options"]] == ["topic", "by", "since", "until"]
    assert by_name["who"]["options"][0]["required"] is True


# ---------------------------------------------------------------------- platforms


def test_slack_timeline_answers_privately_and_uploads_the_chart_to_the_askers_dm(
    slack: SlackHarness,
) -> None:
    resp = slack.command("/timeline", "safe havens", user="U222")
    assert resp.status == 200 and resp.seconds < 3
    answer = slack.fake.wait_for("response_url:r1")[0]
    assert answer.body["response_type"] == "ephemeral"
    assert "stance changed" in str(answer.body["blocks"])
    [opened] = slack.fake.wait_for("conversations.open")
    assert opened.body["users"] == "U222"
    [done] = slack.fake.wait_for("files.completeUploadExternal")
    assert done.body["channel_id"] == "DU222"  # the asker's DM, not the channel
    [png] = slack.fake.uploads.values()
    assert png.startswith(PNG)


def test_slack_shared_timeline_puts_the_chart_in_the_channel(slack: SlackHarness) -> None:
    payload = {
        "type": "block_actions",
        "user": {"id": "U111", "username": "analyst"},
        "channel": {"id": "C100"},
        "trigger_id": "t-share-1",
        "response_url": slack.fake.response_url("r9"),
        "actions": [
            {
                "action_id": "briefing_share_0",
                "value": "/timeline safe-havens",
                "type": "button",
            }
        ],
    }
    assert slack.interaction(payload).status == 200
    answer = slack.fake.wait_for("response_url:r9")[0]
    assert answer.body["response_type"] == "in_channel"
    [done] = slack.fake.wait_for("files.completeUploadExternal")
    assert done.body["channel_id"] == "C100"
    assert slack.fake.received("conversations.open") == []


def test_discord_timeline_sends_the_chart_as_an_ephemeral_attachment(
    discord: DiscordHarness,
) -> None:
    discord.command("timeline", {"topic": "safe havens", "by": "united states"}, token="tl1")
    calls = discord.answers("tl1", count=2)
    edit, attached = calls[0], calls[-1]
    assert "Timeline: Terrorist safe havens" in str(edit.body)
    assert attached.path == f"/webhooks/{APP_ID}/tl1"
    assert attached.body["flags"] == 64
    part = attached.parts["files[0]"]
    assert part.data.startswith(PNG) and part.content_type == "image/png"
    assert part.filename == "timeline-safe-havens.png"


def test_timeline_and_who_read_alike_on_both_engines(engine_url: str) -> None:
    from bot.settings import Settings

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=engine_url,
        topics_path=ROOT / "config" / "topics.yaml",
        actors_path=ROOT / "config" / "actors.yaml",
    )
    services = Services.build(settings)
    try:
        add_nuclear_statements(services)
        text = run(services, "/timeline nuclear").text
        assert "8 statements in 3 months — United States 5 · Pakistan 2 · Others 1" in text
        assert "2 stance changes" in text
        who = run(services, "/who invented envoy").text
        assert who.startswith("Invented Envoy")
        assert "1 statement on record" in who
        assert "Quoted by the press: 2 articles" in who
    finally:
        services.close()


def test_slack_mention_posts_the_chart_in_its_thread(slack: SlackHarness) -> None:
    import time

    ts = f"{time.time():.6f}"
    event = {
        "type": "app_mention",
        "channel": "C100",
        "user": "U111",
        "text": "<@UBOT> /timeline safe havens by:us",
        "ts": ts,
    }
    assert slack.event(event).status == 200
    [posted] = slack.fake.wait_for("chat.postMessage")
    assert posted.body["thread_ts"] == ts and "Timeline" in str(posted.body["blocks"])
    [done] = slack.fake.wait_for("files.completeUploadExternal")
    assert done.body["channel_id"] == "C100" and done.body["thread_ts"] == ts
    assert slack.fake.received("conversations.open") == []
