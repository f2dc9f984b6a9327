"""/who: one person's profile — offices, the state they speak for, what they said, and
whose press quoted them.

Offices come from two places and are shown apart: `config/actors.yaml` (curated, with
dates) and the office the articles printed beside the name (with the dates of the
statements that carried it) — where the two disagree, the analyst should see both.
"""

from __future__ import annotations

import datetime as dt

from bot.core.commands import REGISTRY, Argument, Ctx, usage_reply
from bot.core.format import PK, SIDES, US, plural, shorten
from bot.core.handlers.common import finish
from bot.core.invocation import Invocation
from bot.core.people import Found, People, Speaker
from bot.core.reply import Action, Block, Buttons, Context, Divider, Header, Reply, Section, Span
from bot.indexer.actors import load_directory
from bot.outlets import OutletDirectory, load_outlets
from storage import profiles
from storage.queries import PositionRow

MAX_TOPICS = 6
PER_TOPIC = 3
CLAIM_CHARS = 180
OTHER_PRESS = "other"
UNKNOWN_PRESS = "outlet not known"


@REGISTRY.command(
    "who",
    summary="A speaker's offices with dates, the state they speak for, their statements by "
    "topic, and how often each side's press quoted them.",
    usage="/who <name>",
    example="/who blinken",
    aliases=("speaker",),
    argument=Argument("name", "A speaker's name, e.g. blinken or shahbaz", required=True),
    short="A speaker's offices, statements by topic and press coverage",
    rank=2,
    reads_only=True,
)
def who(ctx: Ctx, inv: Invocation) -> Reply:
    command = REGISTRY.get("who")
    assert command is not None
    problems = list(inv.problems)
    if not inv.args:
        problems.insert(0, "Whose profile? Give a name, e.g. a surname.")
    if problems:
        return usage_reply(command, *problems)
    settings = ctx.services.settings
    directory = load_directory(settings.actors_path)
    with ctx.services.db.session() as session:
        people = People(directory, profiles.speakers_on_record(session))
        found = people.find(inv.argument)
        shown = [found.speaker] if found.speaker else list(found.candidates)
        unplaced = [f for s in shown if s.actor is None for f in s.forms]
        People.fill_actors(shown, profiles.actors_of(session, unplaced))
        if found.speaker is None:
            return _not_one(inv, found)
        speaker = found.speaker
        statements, total = profiles.statements_by(session, speaker.forms)
        reported = profiles.offices_reported(session, speaker.forms)
        articles = profiles.quoting_articles(session, speaker.forms)
    outlets = load_outlets(settings.actors_path.parent / "outlets.yaml")
    today = ctx.services.clock().date()
    blocks: list[Block] = [Header(shorten(speaker.name, 140))]
    if not found.exact:
        blocks.append(Context(f"Closest name to “{shorten(inv.argument, 60)}”: {speaker.name}"))
    speaks_for = speaker.actor or (statements[0].actor if statements else None)
    blocks.append(
        Section(
            (
                Span("Speaks for: ", bold=True),
                Span(speaks_for or "not known"),
                Span("" if speaker.person else " (as on record; not in the gazetteer)"),
            )
        )
    )
    blocks.append(_offices(speaker, reported, today))
    blocks.append(_press(articles, outlets))
    blocks.append(Divider())
    if not statements:
        blocks.append(Section.plain(f"No statements by {speaker.name} on record yet."))
    else:
        blocks.append(Context(f"{plural(total, 'statement')} on record, by topic, newest first"))
        blocks += _by_topic(ctx, statements)
    canonical = Invocation("who", (speaker.name,), {}, inv.user, inv.channel)
    return finish(blocks, canonical, summary=f"{speaker.name}: {plural(total, 'statement')}")


def _not_one(inv: Invocation, found: Found) -> Reply:
    asked = shorten(inv.argument, 80)
    blocks: list[Block]
    if found.ambiguous:
        blocks = [Section.plain(f"Several people answer to “{asked}”; which one?")]
        for s in found.candidates:
            blocks.append(Section.plain(f"• {_label(s)}"))
        tag = "ambiguous-name"
        summary = f"Several people answer to “{asked}”"
    else:
        blocks = [Section.plain(f"No one called “{asked}” in the gazetteer or on record.")]
        if found.candidates:
            names = ", ".join(_label(s) for s in found.candidates)
            blocks.append(Section.plain(f"Nearest names: {names}"))
        tag = "unknown-name"
        summary = f"No one called “{asked}”"
    actions = tuple(
        Action("run", shorten(f"/who {s.name}", 70), f'/who "{s.name}"')
        for s in found.candidates[:3]
    )
    if actions:
        blocks.append(Buttons(actions))
    return Reply(
        tuple(blocks),
        ephemeral=True,
        source_line=inv.line(),
        summary=summary,
        tags=frozenset({tag}),
    )


def _label(s: Speaker) -> str:
    office = s.person.offices[-1].title if s.person and s.person.offices else None
    parts = [x for x in (office, s.actor) if x]
    tail = f" ({', '.join(parts)})" if parts else ""
    said = f", {plural(s.statements, 'statement')} on record" if s.statements else ""
    return f"{s.name}{tail}{said}"


def _month(day: dt.date) -> str:
    return f"{day:%Y-%m}"


def _offices(speaker: Speaker, reported: list[profiles.ReportedOffice], today: dt.date) -> Section:
    spans: list[Span] = [Span("Offices", bold=True)]
    if speaker.person and speaker.person.offices:
        for office in speaker.person.offices:
            if office.start > today:
                continue
            held = (
                f"since {_month(office.start)}"
                if office.end >= today
                else f"{_month(office.start)} – {_month(office.end)}"
            )
            spans.append(Span(f"\n• {office.title}, {held}"))
    else:
        spans.append(Span("\n• none in the gazetteer (config/actors.yaml)"))
    if reported:
        spans.append(Span("\nAs the articles name them:", bold=True))
        for r in reported:
            first, last = r.first[:7], r.last[:7]
            when = first if first == last else f"{first} – {last}"
            spans.append(Span(f"\n• {shorten(r.title, 120)} — {when}, "))
            spans.append(Span(plural(r.statements, "statement")))
    return Section(tuple(spans))


def _press(articles: list[profiles.QuotingArticle], outlets: OutletDirectory) -> Section:
    """How many articles of each side's press quoted them; third countries' outlets and
    wires count as other, outlets the directory does not know are said to be unknown."""
    counts = {US: 0, PK: 0, OTHER_PRESS: 0, UNKNOWN_PRESS: 0}
    for a in articles:
        country = outlets.country(a.outlet, a.url)
        if country in SIDES:
            counts[country] += 1
        elif country is None:
            counts[UNKNOWN_PRESS] += 1
        else:
            counts[OTHER_PRESS] += 1
    if not articles:
        return Section((Span("Quoted by the press: ", bold=True), Span("no article yet")))
    parts = [
        f"{US} press {counts[US]}",
        f"{PK} press {counts[PK]}",
        f"other press {counts[OTHER_PRESS]}",
    ]
    if counts[UNKNOWN_PRESS]:
        parts.append(f"{UNKNOWN_PRESS} {counts[UNKNOWN_PRESS]}")
    return Section(
        (
            Span("Quoted by the press: ", bold=True),
            Span(f"{plural(len(articles), 'article')} — " + " · ".join(parts)),
        )
    )


def _by_topic(ctx: Ctx, statements: list[PositionRow]) -> list[Block]:
    """Topics ordered by their newest statement; a few statements each, newest first."""
    groups: dict[str, list[PositionRow]] = {}
    for p in statements:  # already newest first
        groups.setdefault(p.topic, []).append(p)
    blocks: list[Block] = []
    for topic_id, rows in list(groups.items())[:MAX_TOPICS]:
        topic = ctx.services.taxonomy.get(topic_id)
        label = topic.label if topic else topic_id
        spans: list[Span] = [Span(shorten(label, 120), bold=True), Span(f"  ({len(rows)})")]
        for p in rows[:PER_TOPIC]:
            stance = f" [{p.stance}]" if p.stance else ""
            office = f" as {p.speaker_office}" if p.speaker_office else ""
            spans.append(
                Span(f"\n• {p.stated_text}{office}: “{shorten(p.claim, CLAIM_CHARS)}”{stance}")
            )
            if p.source.url:
                spans += [Span(" "), Span("source", url=p.source.url)]
        blocks.append(Section(tuple(spans)))
    if len(groups) > MAX_TOPICS:
        rest = ", ".join(list(groups)[MAX_TOPICS:][:10])
        blocks.append(Context(f"Also on: {rest}"))
    return blocks
