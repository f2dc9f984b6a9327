"""/correct: an analyst says a statement is wrong, and every later answer agrees.

The kinds are the errors an extractor makes that a reader can see: the wrong state, the
wrong speaker, the wrong topic, a sentence that is no stance at all, and one statement
recorded twice. The storage side (`storage.corrections`) writes the correction through to
the ledger and keys it to the statement's words, so it survives re-ingest; this module
owns who may correct, the parsing, and every sentence the user reads.
"""

from __future__ import annotations

import re

from bot.core.commands import REGISTRY, Argument, Ctx
from bot.core.format import MAX_QUOTE_CHARS, PK, US, shorten
from bot.core.invocation import Invocation
from bot.core.reply import (
    Action,
    Block,
    Buttons,
    Context,
    Header,
    Quote,
    Reply,
    Section,
    Span,
    message,
)
from storage import corrections

USAGE = (
    "/correct <statement id> state:<actor>",
    '/correct <statement id> speaker:"<name>"',
    "/correct <statement id> topic:<topic> [was:<topic>]",
    "/correct <statement id> not-stance",
    "/correct <statement id> duplicate:<statement id>",
    "/correct undo <correction id>  ·  /correct list",
)
NOT_ALLOWED = "Sorry — you are not on the list of people who may correct statements."
ACTION = "correct"  # the neutral action id of every Correct / Undo button
_TOKEN = re.compile(r"""(\w[\w-]*):(?:"([^"]*)"?|“([^”]*)”?|(\S*))|(\S+)""")
_ID = re.compile(r"#?(\d{1,12})")
_NOT_STANCE = {"not-stance", "not-a-stance", "notstance", "not_stance", "hide"}
LIST_LIMIT = 15


def may_correct(ctx: Ctx) -> bool:
    """CORRECT_ALLOWED_USERS when set (admins always); else whoever may ingest. The local
    CLI is trusted: whoever runs it already holds the database."""
    settings = ctx.services.settings
    if ctx.platform == "cli" or (ctx.user is not None and ctx.user in settings.admin_users):
        return True
    allowed = settings.correct_allowed_users
    if allowed:
        return ctx.user is not None and ctx.user in allowed
    return ctx.services.may_ingest(ctx.user, ctx.platform)


def correct_action(statement_id: int) -> Action:
    """The Correct button under a statement: opens the choice of corrections."""
    return Action(ACTION, f"Correct #{statement_id}", f"/correct {statement_id}")


def correct_actions(statement_ids: list[int]) -> tuple[Action, ...]:
    """One Correct button per statement shown, each once, in order."""
    seen: list[int] = []
    for s in statement_ids:
        if s not in seen:
            seen.append(s)
    return tuple(correct_action(s) for s in seen)


def _usage(*problems: str) -> Reply:
    return message("\n".join([*problems, "Usage:", *USAGE]), tags=frozenset({"usage"}))


def _refused(text: str) -> Reply:
    return message(text, tags=frozenset({"refused"}))


@REGISTRY.command(
    "correct",
    summary="Correct a statement: wrong state, speaker or topic, not a stance, or a "
    "duplicate; or undo a correction.",
    usage='/correct <statement id> state:<actor> | speaker:"…" | topic:<topic> | '
    "not-stance | duplicate:<statement id>  ·  /correct undo <id>",
    example="/correct 12 state:pakistan",
    aliases=("correction",),
    argument=Argument(
        "statement",
        'The #number of a statement, then state:, speaker:"…", topic:, not-stance or '
        "duplicate:; or undo <id>, or list",
        required=True,
    ),
    short="Correct a statement everywhere at once (audited, undoable)",
)
def correct(ctx: Ctx, inv: Invocation) -> Reply:
    if not may_correct(ctx):
        return _refused(NOT_ALLOWED)
    tokens = [(m.group(1), _value(m), m.group(5)) for m in _TOKEN.finditer(inv.text)]
    if not tokens:
        return _usage("Which statement? Its id is the #number in the small print.")
    key, _value0, word = tokens[0]
    head = (word or "").lower()
    if head == "undo":
        return _undo(ctx, [w for _k, _v, w in tokens[1:] if w])
    if head == "list":
        return _list(ctx)
    found = _ID.fullmatch(word or "")
    if key is not None or found is None:
        return _usage(f"“{shorten(word or key or '', 40)}” is not a statement id.")
    statement_id = int(found.group(1))
    rest = tokens[1:]
    if not rest:
        return _choices(ctx, statement_id)
    kind, value, was, problem = _kind(rest)
    if problem:
        return _usage(problem)
    return _apply(ctx, statement_id, kind, value, was)


def _value(m: re.Match[str]) -> str | None:
    if m.group(1) is None:
        return None
    return next((g for g in m.group(2, 3, 4) if g is not None), "").strip()


def _kind(
    tokens: list[tuple[str | None, str | None, str | None]],
) -> tuple[str, str | None, str | None, str | None]:
    """(kind, value, was, problem) from the words after the statement id."""
    kind: str | None = None
    value: str | None = None
    was: str | None = None
    trailing: list[str] = []
    for key, val, word in tokens:
        if key is None:
            if (word or "").lower() in _NOT_STANCE:
                if kind is not None:
                    return "", None, None, "One correction at a time, please."
                kind = corrections.NOT_STANCE
            elif kind == corrections.SPEAKER:
                trailing.append(word or "")  # speaker:Ishaq Dar, unquoted
            else:
                return "", None, None, f"I don't understand “{shorten(word or '', 40)}”."
            continue
        name = key.lower()
        if name == "was":
            was = val
            continue
        if name in ("actor", "side", "by"):
            name = "state"
        if name in ("state", "speaker", "topic", "duplicate"):
            if kind is not None:
                return "", None, None, "One correction at a time, please."
            kind, value = name, val
            continue
        if name in _NOT_STANCE:
            kind = corrections.NOT_STANCE
            continue
        return "", None, None, f"“{shorten(key, 30)}:” is not a kind of correction."
    if kind is None:
        return "", None, None, "Which correction? Give one of the kinds below."
    if trailing and value is not None:
        value = " ".join([value, *trailing])
    if kind != corrections.NOT_STANCE and not value:
        return "", None, None, f"{kind}: needs a value."
    return kind, value, was, None


def _apply(ctx: Ctx, statement_id: int, kind: str, value: str | None, was: str | None) -> Reply:
    services = ctx.services
    notes: list[str] = []
    if kind == corrections.STATE:
        actor = services.actor(value or "")
        if actor is None:
            known = ", ".join(services.taxonomy.actors)
            return _refused(
                f"I don't know the state “{shorten(value or '', 40)}” (known: {known})."
            )
        value = actor
    elif kind == corrections.SPEAKER:
        value = " ".join((value or "").split())[:200]
    elif kind == corrections.TOPIC:
        resolved, problem = _topic(ctx, value or "")
        if problem:
            return _refused(problem)
        if resolved != (value or "").lower():
            notes.append(f"Closest topic to “{shorten(value or '', 40)}”: {resolved}.")
        value = resolved
        if was is not None:
            was, problem = _topic(ctx, was)
            if problem:
                return _refused(problem)
    elif kind == corrections.DUPLICATE:
        found = _ID.fullmatch(value or "")
        if found is None:
            return _refused(f"“{shorten(value or '', 30)}” is not a statement id.")
        value = found.group(1)
    try:
        with services.db.session() as session:
            done = corrections.correct(
                session,
                statement_id,
                kind,
                value,
                from_topic=was,
                user=ctx.user,
                platform=ctx.platform,
            )
    except corrections.AlreadyCorrected as exc:
        return _refused(f"{exc} (/correct undo {exc.correction_id})")
    except corrections.WhichTopic as exc:
        return _refused(
            f"{exc} Say it with was:, e.g. /correct {statement_id} topic:{value} "
            f"was:{exc.topics[0]}"
        )
    except corrections.Refused as exc:
        return _refused(str(exc))
    blocks: list[Block] = [
        Section(
            (
                Span(f"Correction #{done.id} recorded: ", bold=True),
                Span(f"statement #{statement_id} — {done.describe()}."),
            )
        ),
        *(Context(n) for n in notes),
        Context(
            "Every answer, digest and alert shows it from now on "
            f"({done.changed} report row{'s' if done.changed != 1 else ''} changed)."
        ),
        Buttons((Action(ACTION, "Undo", f"/correct undo {done.id}"),)),
    ]
    return Reply(tuple(blocks), summary=f"Correction #{done.id}: {done.describe()}")


def _topic(ctx: Ctx, text: str) -> tuple[str, str | None]:
    """A topic id from what was typed, fuzzy like /position; or the refusal naming the
    nearest ones."""
    resolution = ctx.services.taxonomy.resolve(text)
    if resolution.topic is not None:
        return resolution.topic.id, None
    near = ", ".join(t.id for t in resolution.suggestions[:3])
    hint = f" Nearest: {near}." if near else " See /topics for the list."
    return "", f"No topic “{shorten(text, 40)}”.{hint}"


def _undo(ctx: Ctx, words: list[str]) -> Reply:
    found = _ID.fullmatch(words[0]) if len(words) == 1 else None
    if found is None:
        return _usage("Which correction? /correct undo <correction id> (see /correct list).")
    try:
        with ctx.services.db.session() as session:
            done = corrections.undo(
                session, int(found.group(1)), user=ctx.user, platform=ctx.platform
            )
    except corrections.Refused as exc:
        return _refused(str(exc))
    text = (
        f"Correction #{done.id} undone: {done.describe()} on statement "
        f"#{done.statement_id} is withdrawn ({done.changed} report rows put back)."
    )
    return message(text)


def _list(ctx: Ctx) -> Reply:
    with ctx.services.db.session() as session:
        found = corrections.listing(session, limit=LIST_LIMIT)
    if not found:
        return message("No corrections yet.")
    blocks: list[Block] = [Header("Corrections, newest first")]
    for c in found:
        state = "active" if c.active else f"undone {c.undone_at:%Y-%m-%d}"
        blocks.append(
            Section.plain(
                f"#{c.id} · statement #{c.statement_id} · {c.describe()} · "
                f"{c.created_by or '?'} on {c.platform}, {c.created_at:%Y-%m-%d} · {state}"
            )
        )
    return Reply(tuple(blocks), summary=f"{len(found)} corrections")


def _choices(ctx: Ctx, statement_id: int) -> Reply:
    """The statement and the corrections on offer, as buttons where one click says it
    all and as commands to complete where a value must be typed."""
    services = ctx.services
    with services.db.session() as session:
        view = corrections.statement(session, statement_id)
        existing = corrections.for_statement(session, statement_id) if view else []
    if view is None:
        return _refused(
            f"There is no statement #{statement_id} (ids change when an article is "
            "re-indexed; look it up again)."
        )
    who = view.speaker or f"unnamed {view.actor} official"
    title = view.reports[0].title if view.reports else ""
    blocks: list[Block] = [
        Header(f"Correct statement #{statement_id}"),
        Quote(
            text=shorten(view.evidence, MAX_QUOTE_CHARS),
            attribution=f"{who} ({view.actor})",
            source_label=shorten(f"on {', '.join(view.topics)} · {title}", 200),
        ),
    ]
    for c in existing:
        blocks.append(Context(f"Already corrected: #{c.id} {c.describe()} (/correct undo {c.id})"))
    others = [a for a in (US, PK, *services.taxonomy.actors) if a != view.actor]
    states = list(dict.fromkeys(others))[:3]
    actions = [
        Action(ACTION, "Not a stance", f"/correct {statement_id} not-stance"),
        *(Action(ACTION, f"State: {a}", f'/correct {statement_id} state:"{a}"') for a in states),
    ]
    blocks.append(
        Context(
            "Or type one of: "
            f'/correct {statement_id} speaker:"<name>" · '
            f"/correct {statement_id} topic:<topic>"
            + (" was:<topic>" if len(view.topics) > 1 else "")
            + f" · /correct {statement_id} duplicate:<statement id>"
        )
    )
    blocks.append(Buttons(tuple(actions)))
    return Reply(tuple(blocks), summary=f"Correct statement #{statement_id}")
