"""/briefing: what only admins may do — retract an article, extend the taxonomy, decide who
may ingest, and read the audit log.

Admins are settings.admin_users (an empty list means nobody in chat is an admin); the
local CLI (platform "cli") is trusted because whoever runs it already holds the database.
Every change is written with its audit entry in one transaction, so the log cannot miss
a change that happened nor record one that rolled back.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.core.commands import REGISTRY, Argument, Ctx
from bot.core.format import plural, shorten
from bot.core.invocation import Invocation
from bot.core.reply import Block, Context, Header, Reply, Section, Span, message
from bot.topics import normalise
from storage import admin, audit

USAGE = (
    "/briefing forget <article id | url>",
    "/briefing topic add <topic-id> <label…>",
    "/briefing alias add <topic-id> <alias…>",
    "/briefing grant @user  ·  /briefing revoke @user",
    "/briefing audit [N]",
)
NOT_ADMIN = (
    "Sorry — /briefing is for the briefing's admins only. "
    "Ask one of them if an article should be retracted or a topic added."
)
TOPIC_ID = re.compile(r"[a-z][a-z0-9-]{1,49}")
# A mention arrives as "@U012AB3CD" (Slack) or a bare id; Discord ids are digits.
MEMBER_ID = re.compile(r"@?([UW][A-Z0-9]{2,20}|\d{5,25})")
AUDIT_DEFAULT, AUDIT_MAX = 20, 45  # one section each, within Block Kit's 50 blocks
MAX_LABEL, MAX_ALIAS = 300, 200


def is_admin(ctx: Ctx) -> bool:
    return ctx.platform == "cli" or (
        ctx.user is not None and ctx.user in ctx.services.settings.admin_users
    )


def _usage(*problems: str) -> Reply:
    return message("\n".join([*problems, "Usage:", *USAGE]), tags=frozenset({"usage"}))


@REGISTRY.command(
    "briefing",
    summary="Admins: retract an article, add topics and aliases, grant ingest, read the audit.",
    usage="/briefing forget <article> | topic add … | alias add … | grant @user | audit [N]",
    example="/briefing audit 10",
    argument=Argument("what", "forget <article>, audit [N], topic add, alias add, grant or revoke"),
    short="Admin: retract an article, edit topics, grant ingest, read the audit log",
    hint="forget <article> | audit | topic add … | alias add … | grant @user | revoke @user",
    rank=200,  # admins' command: listed last
)
def briefing(ctx: Ctx, inv: Invocation) -> Reply:
    if not is_admin(ctx):
        return message(NOT_ADMIN, tags=frozenset({"refused"}))
    words = inv.text.split()
    if not words:
        return _usage("Which admin task?")
    sub, rest = words[0].lower(), words[1:]
    if sub in ("topic", "alias"):
        if not rest or rest[0].lower() != "add":
            return _usage(f"Only “{sub} add” exists: topics and aliases cannot be removed.")
        sub, rest = f"{sub}-add", rest[1:]
    action = _SUBCOMMANDS.get(sub)
    if action is None:
        return _usage(f"I don't know “{shorten(sub, 40)}”.")
    return action(ctx, rest)


# ---------------------------------------------------------------------- subcommands


def _forget(ctx: Ctx, rest: list[str]) -> Reply:
    if len(rest) != 1:
        return _usage("Give one article id (as /search shows it, e.g. 12) or its link.")
    ref = rest[0]
    with ctx.services.db.session() as session:
        article_id = admin.find_article(session, ref)
        done = admin.retract(session, article_id) if article_id is not None else None
        if done is not None:
            audit.record(
                session,
                action=audit.RETRACT,
                subject=audit.ingest_subject(done.article_id, done.title),
                user=ctx.user,
                platform=ctx.platform,
                detail=f"{done.positions} positions; url {done.url or '-'}",
            )
    if done is None:
        return message(f"There is no article {shorten(ref, 120)} in the ledger.")
    return message(
        f"Retracted article #{done.article_id} “{shorten(done.title, 120)}” and "
        f"{plural(done.positions, 'position')} taken from it."
    )


def _topic_add(ctx: Ctx, rest: list[str]) -> Reply:
    if len(rest) < 2:
        return _usage("Give the new topic's id and its label.")
    topic_id, label = rest[0].lower(), _unquote(" ".join(rest[1:]))
    if not TOPIC_ID.fullmatch(topic_id):
        return message(
            f"“{shorten(topic_id, 60)}” can't be a topic id: use 2–50 lower-case letters, "
            "digits and hyphens, starting with a letter (e.g. water-disputes)."
        )
    if not normalise(label) or len(label) > MAX_LABEL:
        return message(f"The label must have some letters and at most {MAX_LABEL} characters.")
    taxonomy = ctx.services.taxonomy
    if topic_id in taxonomy:
        return message(f"There already is a topic {topic_id}; topic ids can't be reused.")
    for name in (topic_id, label):
        owner = taxonomy.owner(name)
        if owner is not None:
            return message(f"“{shorten(name, 80)}” already names the topic {owner}.")

    return _written(
        ctx,
        lambda session: admin.add_topic(session, topic_id, label, by=ctx.user),
        action=audit.TOPIC_ADD,
        subject=topic_id,
        detail=label,
        done=f"Added the topic {topic_id} — {shorten(label, 120)}. /position {topic_id} works now.",
        clash=f"Someone added a topic {topic_id} a moment ago.",
    )


def _alias_add(ctx: Ctx, rest: list[str]) -> Reply:
    if len(rest) < 2:
        return _usage("Give the topic's id and the alias.")
    topic_id, alias = rest[0].lower(), _unquote(" ".join(rest[1:]))
    taxonomy = ctx.services.taxonomy
    if topic_id not in taxonomy:
        near = taxonomy.resolve(topic_id)
        hint = near.topic.id if near.topic else ", ".join(t.id for t in near.suggestions)
        return message(
            f"There is no topic with the id {shorten(topic_id, 60)}."
            + (f" Did you mean {hint}?" if hint else " /topics lists them.")
        )
    if not normalise(alias) or len(alias) > MAX_ALIAS:
        return message(f"The alias must have some letters and at most {MAX_ALIAS} characters.")
    owner = taxonomy.owner(alias)
    if owner == topic_id:
        return message(f"“{shorten(alias, 80)}” already means {topic_id}.")
    if owner is not None:
        return message(f"“{shorten(alias, 80)}” already names the topic {owner}.")

    return _written(
        ctx,
        lambda session: admin.add_alias(session, alias, topic_id, by=ctx.user),
        action=audit.ALIAS_ADD,
        subject=topic_id,
        detail=alias,
        done=f"“{shorten(alias, 80)}” now means {topic_id}.",
        clash=f"Someone added the alias “{shorten(alias, 80)}” a moment ago.",
    )


def _grant(ctx: Ctx, rest: list[str]) -> Reply:
    return _permission(ctx, rest, grant=True)


def _revoke(ctx: Ctx, rest: list[str]) -> Reply:
    return _permission(ctx, rest, grant=False)


def _permission(ctx: Ctx, rest: list[str], *, grant: bool) -> Reply:
    verb = "grant" if grant else "revoke"
    if len(rest) != 1:
        return _usage(f"Name one user to {verb}, e.g. /briefing {verb} @jane.")
    m = MEMBER_ID.fullmatch(rest[0])
    if m is None:
        return message(
            f"I need the member id of “{shorten(rest[0], 60)}”, not a display name: mention "
            f"them so the link turns blue, or paste their member id (/briefing {verb} U012AB3CD)."
        )
    user = m.group(1)
    with ctx.services.db.session() as session:
        if grant:
            changed = admin.grant(session, user, platform=ctx.platform, by=ctx.user)
        else:
            changed = admin.revoke(session, user, platform=ctx.platform)
        if changed:
            audit.record(
                session,
                action=audit.GRANT if grant else audit.REVOKE,
                subject=user,
                user=ctx.user,
                platform=ctx.platform,
            )
        remaining = len(admin.grants(session))
    if grant:
        if not changed:
            return message(f"{user} may already add articles.")
        return message(
            f"{user} may now add articles. While any grant exists, only granted users "
            f"and admins may ingest ({plural(remaining, 'grant')} now)."
        )
    if not changed:
        return message(f"{user} had no ingest grant.")
    after = (
        f"{plural(remaining, 'grant')} left."
        if remaining
        else "No grants left: the INGEST_ALLOWED_USERS setting (or everyone) applies again."
    )
    return message(f"{user} may no longer add articles. {after}")


def _audit(ctx: Ctx, rest: list[str]) -> Reply:
    if len(rest) > 1 or (rest and not rest[0].isdigit()):
        return _usage("audit takes at most a number of entries.")
    n = min(int(rest[0]) if rest else AUDIT_DEFAULT, AUDIT_MAX) or AUDIT_DEFAULT
    with ctx.services.db.session() as session:
        entries = audit.latest(session, n)
    blocks: list[Block] = [Header("Audit log")]
    if not entries:
        blocks.append(Section.plain("Nothing recorded yet."))
    for e in entries:
        who = f"{e.user_id or 'unknown'} ({e.platform})"
        spans = [
            Span(f"{e.at:%Y-%m-%d %H:%M} UTC  "),
            Span(e.action, bold=True),
            Span(f"  {shorten(e.subject, 200)} — by {who}"),
        ]
        if e.detail:
            spans.append(Span(f"\n{shorten(e.detail, 300)}"))
        blocks.append(Section(tuple(spans)))
    blocks.append(Context(f"Newest first; {plural(len(entries), 'entry', 'entries')} shown."))
    return Reply(tuple(blocks), summary=f"Audit log: {len(entries)} entries")


_SUBCOMMANDS: dict[str, Callable[[Ctx, list[str]], Reply]] = {
    "forget": _forget,
    "retract": _forget,
    "topic-add": _topic_add,
    "alias-add": _alias_add,
    "grant": _grant,
    "revoke": _revoke,
    "audit": _audit,
}


# ---------------------------------------------------------------------- helpers


def _unquote(text: str) -> str:
    text = text.strip()
    for a, b in (('"', '"'), ("“", "”"), ("'", "'")):
        if len(text) >= 2 and text.startswith(a) and text.endswith(b):
            return text[1:-1].strip()
    return text


def _written(
    ctx: Ctx,
    change: Callable[[Session], object],
    *,
    action: str,
    subject: str,
    detail: str,
    done: str,
    clash: str,
) -> Reply:
    """Run a taxonomy change and its audit entry in one transaction; a concurrent
    duplicate (the primary key) is a clash, not an error. The taxonomy is rebuilt either
    way so this process sees what is stored."""
    try:
        with ctx.services.db.session() as session:
            change(session)
            audit.record(
                session,
                action=action,
                subject=subject,
                user=ctx.user,
                platform=ctx.platform,
                detail=detail,
            )
    except IntegrityError:
        ctx.services.refresh_taxonomy()
        return message(clash)
    ctx.services.refresh_taxonomy()
    return message(done)
